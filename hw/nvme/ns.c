/*
 * NVMe namespaces: the nvme-ns device, the controller's built-in
 * namespace (nvme,drive=...) and Identify Namespace data.
 *
 * Identifiers are stable: unless given, the UUID and NGUID derive from a
 * hash of the controller serial (the subsystem NQN when the controller is
 * in an nvme-subsys, so all its controllers agree) and the NSID, so a
 * namespace keeps its identity across QEMU restarts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "system/runstate.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "system/block-backend.h"
#include "system/system.h"
#include "ana.h"
#include "atomic.h"
#include "ctrl.h"
#include "endgrp.h"
#include "fdp.h"
#include "gate.h"
#include "hotplug.h"
#include "id-ns.h"
#include "migration.h"
#include "ns.h"
#include "pi.h"
#include "pool.h"
#include "props.h"
#include "resv.h"
#include "subsys.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_EUI64_OUI      0x5254000000000000ULL

/* Context: main loop (realize).  Name-based identifiers. */
static void nvme_ns_derive_ids(NvmeNamespace *ns, const NvmeNsParams *p,
                               const char *serial)
{
    g_autofree char *name = g_strdup_printf("nvme:%s:%u", serial, ns->nsid);
    uint8_t digest[32];
    gsize len = sizeof(digest);
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

    g_checksum_update(ck, (const guchar *)name, strlen(name));
    g_checksum_get_digest(ck, digest, &len);
    g_checksum_free(ck);

    if (p->uuid_set) {
        ns->uuid = p->uuid;
    } else {
        memcpy(ns->uuid.data, digest, 16);
        ns->uuid.data[6] = (ns->uuid.data[6] & 0x0f) | 0x50;  /* version 5 */
        ns->uuid.data[8] = (ns->uuid.data[8] & 0x3f) | 0x80;  /* RFC 4122 */
    }
    memcpy(ns->nguid, p->nguid_set ? p->nguid : digest + 16, 16);
    ns->eui64 = p->eui64;
    if (!ns->eui64 && p->eui64_default) {
        /* QEMU's OUI 52-54-00, then 40 bits of the name's hash */
        ns->eui64 = NVME_EUI64_OUI | (ldq_be_p(digest + 8) &
                                      0xffffffffffULL);
    }
}

/*
 * Context: main loop (realize).  ms/mset/pi/pil: a namespace configured
 * with metadata offers the metadata LBA formats and starts in the one
 * matching its block size and ms.
 */
static bool nvme_ns_setup_meta(NvmeNamespace *ns, const NvmeNsParams *p,
                               Error **errp)
{
    if (p->mset > 1 || p->pil > 1 || p->pi > 3 ||
        (p->pif != 0 && p->pif != NVME_PIF_64)) {
        error_setg(errp, "nvme-ns: 'mset' and 'pil' must be 0 or 1, "
                   "'pi' 0 to 3, 'pif' 0 or 2");
        return false;
    }
    if (p->ms == 0) {
        if (p->pi || p->mset || p->pil || p->pif) {
            error_setg(errp, "nvme-ns: 'pi', 'mset', 'pil' and 'pif' need "
                       "'ms'");
            return false;
        }
        return true;
    }
    if (p->pif && p->ms < NVME_PI64_SIZE) {
        error_setg(errp, "nvme-ns: 'pif=2' needs 'ms' of 16 or 64");
        return false;
    }
    ns->meta_formats = true;
    ns->pif_conf = p->pif;
    for (unsigned i = 0; nvme_ns_lbaf_ds(ns, i); i++) {
        if (nvme_ns_lbaf_ds(ns, i) == ns->lbads &&
            nvme_ns_lbaf_ms(ns, i) == p->ms) {
            ns->lbaf = i;
            ns->ms = p->ms;
            ns->mset = p->mset;
            ns->pi = p->pi;
            ns->pil = p->pil;
            ns->pif = nvme_ns_lbaf_pif(ns, i);
            return true;
        }
    }
    error_setg(errp, "nvme-ns: unsupported 'ms' %u with %u-byte blocks "
               "(512+8, 512+16, 4096+8, 4096+64)", p->ms, ns->lbasz);
    return false;
}

/* Context: main loop (realize). */
bool nvme_ns_setup(NvmeNamespace *ns, BlockConf *conf,
                   const NvmeNsParams *params, const char *serial,
                   Error **errp)
{
    int64_t size;
    bool ro;

    if (!conf->blk) {
        error_setg(errp, "nvme-ns: 'drive' property is required");
        return false;
    }
    if (!nvme_nsid_valid(params->nsid)) {
        error_setg(errp, "nvme-ns: 'nsid' must be between 1 and %d",
                   NVME_MAX_NSID);
        return false;
    }
    if (params->mssrl == 0 || params->mcl < params->mssrl) {
        error_setg(errp, "nvme-ns: 'mssrl' must be at least 1 and 'mcl' "
                   "at least 'mssrl'");
        return false;
    }
    if (!blkconf_blocksizes(conf, errp)) {
        return false;
    }
    if (conf->logical_block_size > 64 * KiB) {
        error_setg(errp, "nvme-ns: logical_block_size above 64 KiB");
        return false;
    }
    ro = !blk_supports_write_perm(conf->blk);
    if (!blkconf_apply_backend_options(conf, ro, false, errp)) {
        return false;
    }
    size = blk_getlength(conf->blk);
    if (size < 0) {
        error_setg_errno(errp, -size, "nvme-ns: cannot get the drive size");
        return false;
    }
    ns->blk = conf->blk;
    blk_iostatus_enable(ns->blk);   /* query-block io-status, enospc */
    ns->nsid = params->nsid;
    ns->lbasz = conf->logical_block_size;
    ns->lbads = ctz32(ns->lbasz);
    ns->conf_lbads = ns->lbads;
    ns->lbaf = ns->lbads == 9 ? 0 : ns->lbads == 12 ? 1 : 2;
    if (!nvme_ns_setup_meta(ns, params, errp)) {
        return false;
    }
    ns->pbs = conf->physical_block_size;
    ns->nlbas = size / (ns->lbasz + ns->ms);
    ns->wce_default = blk_enable_write_cache(ns->blk);
    if (ns->nlbas == 0) {
        error_setg(errp, "nvme-ns: drive is smaller than one block");
        return false;
    }
    nvme_ns_derive_ids(ns, params, serial);
    ns->copy = (NvmeCopyLimits) {
        .mssrl = params->mssrl, .mcl = params->mcl, .msrc = params->msrc,
    };
    nvme_atomic_ns_init(ns, &params->atomic);
    nvme_unc_init(ns);
    nvme_gate_init(ns);
    trace_nvme_ns_setup(ns->nsid, ns->nlbas, ns->lbasz);
    return true;
}

/*
 * Context: main loop.  What the Identify Namespace structures of @ns say
 * (id-ns.c builds them): sizes, formats, identifiers and the areas' parts.
 */
void nvme_ns_id_in(NvmeNamespace *ns, NvmeIdNsIn *in)
{
    memset(in, 0, sizeof(*in));
    in->nsze = in->ncap = in->nuse = ns->nlbas;     /* not thin */
    for (unsigned i = 0; nvme_ns_lbaf_ds(ns, i); i++) {
        in->lbaf[i] = (NvmeIdLbaf) {
            .ds = nvme_ns_lbaf_ds(ns, i),
            .ms = nvme_ns_lbaf_ms(ns, i),
            .pif = nvme_ns_lbaf_pif(ns, i),
        };
        in->nlbaf = i + 1;
    }
    in->flbaf = ns->lbaf;
    in->mset = ns->mset;
    in->meta = ns->meta_formats;
    in->pi = ns->pi;
    in->pil = ns->pil;
    in->pbs_lbas = MAX(ns->pbs / ns->lbasz, 1);
    in->shared = ns->shared;
    in->write_protected = !blk_is_writable(ns->blk);
    in->rescap = nvme_resv_rescap(ns);          /* resv.c */
    in->anagrpid = nvme_ana_grpid(ns);          /* ana.c */
    in->endgid = NVME_ENDGID;                   /* endgrp.c */
    memcpy(in->nguid, ns->nguid, sizeof(in->nguid));
    in->eui64 = ns->eui64;
    in->mssrl = ns->copy.mssrl;
    in->mcl = ns->copy.mcl;
    in->msrc = ns->copy.msrc;
    nvme_atomic_id_ns(ns, in);                  /* atomic.c: NSABP... */
}

/*
 * LBA formats with metadata, offered after 0 (512) and 1 (4096) by a
 * namespace configured with 'ms' (which needs 512 or 4096-byte blocks,
 * so there is no configured-size format 2 then).
 */
static const struct {
    uint8_t ds;
    uint16_t ms;
} nvme_ns_meta_lbafs[] = {
    { 9, 8 }, { 9, 16 }, { 12, 8 }, { 12, 64 },
};

/*
 * Context: any.  LBADS of LBA format @idx: 0 and 1 are 512 and 4096
 * bytes without metadata; then either the metadata formats above or, for
 * a namespace without metadata, 2 is the configured block size when it
 * is neither; 0 when there is no such format.
 */
uint8_t nvme_ns_lbaf_ds(NvmeNamespace *ns, unsigned idx)
{
    switch (idx) {
    case 0:
        return 9;
    case 1:
        return 12;
    }
    if (ns->meta_formats) {
        idx -= 2;
        return idx < ARRAY_SIZE(nvme_ns_meta_lbafs) ?
               nvme_ns_meta_lbafs[idx].ds : 0;
    }
    if (idx == 2) {
        return ns->conf_lbads != 9 && ns->conf_lbads != 12 ?
               ns->conf_lbads : 0;
    }
    return 0;
}

/*
 * Context: any.  Guard format (ELBAF PIF) of LBA format @idx: the 64-bit
 * guard ('pif=2') for the formats with 16 or more bytes of metadata.
 */
uint8_t nvme_ns_lbaf_pif(NvmeNamespace *ns, unsigned idx)
{
    return nvme_ns_lbaf_ms(ns, idx) >= NVME_PI64_SIZE ? ns->pif_conf : 0;
}

/* Context: any.  Metadata bytes per block of LBA format @idx. */
uint16_t nvme_ns_lbaf_ms(NvmeNamespace *ns, unsigned idx)
{
    if (!ns->meta_formats || idx < 2 ||
        idx - 2 >= ARRAY_SIZE(nvme_ns_meta_lbafs)) {
        return 0;
    }
    return nvme_ns_meta_lbafs[idx - 2].ms;
}

/*
 * Context: main loop.  Switch to LBA format @idx (Format NVM): the block
 * size, metadata size and with them the size in blocks change (the
 * caller sets mset/pi/pil).  A drive smaller than one block leaves an
 * empty namespace.
 */
void nvme_ns_set_lbaf(NvmeNamespace *ns, unsigned idx)
{
    int64_t size = blk_getlength(ns->blk);

    ns->lbaf = idx;
    ns->lbads = nvme_ns_lbaf_ds(ns, idx);
    ns->lbasz = 1u << ns->lbads;
    ns->ms = nvme_ns_lbaf_ms(ns, idx);
    ns->pif = nvme_ns_lbaf_pif(ns, idx);
    ns->nlbas = size > 0 ? size / (ns->lbasz + ns->ms) : 0;
    trace_nvme_ns_setup(ns->nsid, ns->nlbas, ns->lbasz);
}

/* Context: main loop. */
bool nvme_ctrl_has_vwc(NvmeCtrl *n)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i] && n->ns[i]->wce_default) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop (realize).  "nguid": 32 hex digits, '-' allowed
 * between them; "auto" (upstream: random) keeps the derived, stable one.
 */
static bool nvme_ns_parse_nguid(const char *str, NvmeNsParams *p,
                                Error **errp)
{
    unsigned digits = 0;

    if (!str || !strcmp(str, "auto")) {
        return true;
    }
    memset(p->nguid, 0, sizeof(p->nguid));
    for (const char *c = str; *c; c++) {
        if (*c == '-') {
            continue;
        }
        if (!g_ascii_isxdigit(*c) || digits == 32) {
            digits = 0;
            break;
        }
        p->nguid[digits / 2] |= g_ascii_xdigit_value(*c) <<
                                (digits % 2 ? 0 : 4);
        digits++;
    }
    if (digits != 32) {
        error_setg(errp, "nvme-ns: 'nguid' must be 16 bytes in hex digits "
                   "(optionally grouped with '-') or 'auto'");
        return false;
    }
    p->nguid_set = true;
    return true;
}

/*
 * Context: main loop.  The format as the guest set it (Format NVM) must
 * be one this namespace offers.
 */
static int nvme_ns_format_check(NvmeNamespace *ns, const char *who)
{
    uint16_t ms = nvme_ns_lbaf_ms(ns, ns->lbaf);

    if (!nvme_ns_lbaf_ds(ns, ns->lbaf)) {
        return nvme_mig_bad_dev(who, "LBA format %u not offered", ns->lbaf);
    }
    if (ns->pi > 3 || (ns->pi && ms < NVME_PI_SIZE) ||
        (ns->mset && !ns->meta_formats) || (ns->pil && !ns->pi)) {
        return nvme_mig_bad_dev(who, "protection settings (PI %u, MSET %u, "
                                "PIL %u) do not fit LBA format %u", ns->pi,
                                ns->mset, ns->pil, ns->lbaf);
    }
    return 0;
}

/* Context: main loop.  The marks lie inside the (formatted) namespace. */
static int nvme_ns_marks_check(NvmeNamespace *ns, const char *who)
{
    if (!nvme_unc_fits(ns)) {
        return nvme_mig_bad_dev(who, "Write Uncorrectable marks or failed "
                                "reads beyond its %" PRIu64 " blocks",
                                ns->nlbas);
    }
    return 0;
}

/* ---- nvme-ns,state-file=: what a power cycle keeps, across restarts ---- */

static const char nvme_ns_state_magic[NVME_MIG_MAGIC_LEN] =
    "QEMU nvme-ns\n";

/* Context: main loop.  Checks as for an incoming namespace (not zones). */
static int nvme_ns_state_post_load(void *opaque, int version_id)
{
    NvmeNamespace *ns = opaque;
    const char *who = ns->state_path ? ns->state_path : "namespace";

    if (nvme_ns_format_check(ns, who)) {
        return -EINVAL;
    }
    nvme_ns_set_lbaf(ns, ns->lbaf);
    return nvme_ns_marks_check(ns, who);
}

/*
 * The state of a command-line namespace that an SSD keeps through a power
 * cycle and the drive does not hold: its format (Format NVM), Write
 * Uncorrectable marks and the blocks of failed reads.  Reservations have
 * their own file (resv-state, PTPL); zones live in the image.  The NSID
 * tells another namespace's file.  Also in the controller's state file
 * for its own namespace (pci.c).
 */
const VMStateDescription nvme_vmstate_ns_state = {
    .name = "nvme-ns-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_ns_state_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(nsid, NvmeNamespace,
                             "nvme: the state file is another namespace's"),
        VMSTATE_UINT8(lbaf, NvmeNamespace),
        VMSTATE_BOOL(mset, NvmeNamespace),
        VMSTATE_UINT8(pi, NvmeNamespace),
        VMSTATE_BOOL(pil, NvmeNamespace),
        VMSTATE_STRUCT(unc, NvmeNamespace, 1, nvme_vmstate_unc, NvmeUncList),
        VMSTATE_STRUCT(media, NvmeNamespace, 1, nvme_vmstate_unc,
                       NvmeUncList),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop (bottom half).  Write the state file anew. */
static void nvme_ns_state_bh(void *opaque)
{
    NvmeNamespace *ns = opaque;
    NvmeNamespace copy = {
        .nsid = ns->nsid, .lbaf = ns->lbaf, .mset = ns->mset, .pi = ns->pi,
        .pil = ns->pil,
    };
    Error *err = NULL;

    nvme_unc_copy(ns, &copy.unc, &copy.media);  /* queues may change them */
    if (!nvme_mig_file_write(ns->state_path, nvme_ns_state_magic,
                             &nvme_vmstate_ns_state, &copy, &err)) {
        warn_reportf_err(err, "nvme-ns: state not kept: ");
    } else {
        trace_nvme_state_saved(ns->state_path);
    }
    g_free(copy.unc.r);
    g_free(copy.media.r);
}

/*
 * Context: any.  What a power cycle keeps of @ns changed (its format, its
 * marks): its state file, or its pool's for a created namespace, is
 * written soon by the main loop.
 */
void nvme_ns_state_changed(NvmeNamespace *ns)
{
    if (ns->state_bh) {
        qemu_bh_schedule(ns->state_bh);
    } else if (ns->subsys && ns->subsys->pool.created[ns->nsid]) {
        nvme_pool_changed(ns->subsys);
    }
}

/*
 * Context: main loop (realize).  The format and marks of @path come back
 * (every check of an incoming namespace applies; a damaged or another
 * namespace's file stops the start).  A destination of an incoming
 * migration takes them from the stream.
 */
static bool nvme_ns_state_setup(NvmeNamespace *ns, const char *path,
                                Error **errp)
{
    bool found;

    if (!path) {
        return true;
    }
    ns->state_path = g_strdup(path);
    if (!runstate_check(RUN_STATE_INMIGRATE) &&
        !nvme_mig_file_read(path, nvme_ns_state_magic,
                            &nvme_vmstate_ns_state, ns, &found, errp)) {
        error_prepend(errp, "nvme-ns: ");
        g_free(ns->state_path);
        ns->state_path = NULL;
        return false;
    }
    ns->state_bh = qemu_bh_new(nvme_ns_state_bh, ns);
    return true;
}

/* Context: main loop (unrealize, failed realize). */
static void nvme_ns_state_cleanup(NvmeNamespace *ns)
{
    if (ns->state_bh) {
        qemu_bh_delete(ns->state_bh);
        ns->state_bh = NULL;
    }
    g_free(ns->state_path);
    ns->state_path = NULL;
}

/*
 * Context: main loop (realize).  Allocate the namespace in its
 * controller's subsystem (subsys.c) and attach it there.
 */
static void nvme_ns_realize(DeviceState *dev, Error **errp)
{
    NvmeNsDevice *d = NVME_NS(dev);
    BusState *bus = qdev_get_parent_bus(dev);
    NvmeCtrl *n = NVME(bus->parent);
    NvmeSubsys *s = n->subsys;
    NvmeNsParams params = d->params;

    if (params.nsid == 0) {
        for (params.nsid = 1; params.nsid <= NVME_MAX_NSID &&
             s->ns[params.nsid]; params.nsid++) {
            /* first free NSID of the subsystem */
        }
    }
    if (nvme_nsid_valid(params.nsid) && s->ns[params.nsid]) {
        error_setg(errp, "nvme-ns: nsid %u is already in use", params.nsid);
        return;
    }
    params.uuid_set = !qemu_uuid_is_null(&params.uuid);
    if (!nvme_stats_intervals_check("nvme-ns", d->stats_intervals,
                                    d->nr_stats_intervals, errp) ||
        !nvme_ns_parse_nguid(d->nguid_str, &params, errp) ||
        !nvme_ns_setup(&d->ns, &d->blkconf, &params, nvme_subsys_id_seed(n),
                       errp)) {
        return;
    }
    if (!nvme_ana_ns_setup(&d->ns, params.anagrpid, errp) ||
        !nvme_atomic_ns_check(&d->ns, n, errp)) {
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    d->ns.shared = params.shared;
    d->ns.auto_attach = !params.detached;
    if (!nvme_zns_ns_setup(&d->ns, &params.zoned, errp)) {     /* zns.c */
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    if (!nvme_fdp_ns_setup(&d->ns, s, params.fdp_ruhs, errp) ||
        !nvme_resv_ns_setup(&d->ns, params.resv_state, errp)) {
        nvme_fdp_ns_cleanup(&d->ns);
        nvme_zns_ns_cleanup(&d->ns);
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    if (!nvme_ns_state_setup(&d->ns, params.state_file, errp)) {
        nvme_resv_ns_cleanup(&d->ns);
        nvme_zns_ns_cleanup(&d->ns);
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    if (!nvme_hotplug_add_ns(n, &d->ns, params.nsid, dev->hotplugged,
                             errp)) {
        nvme_ns_state_cleanup(&d->ns);
        nvme_resv_ns_cleanup(&d->ns);
        nvme_fdp_ns_cleanup(&d->ns);
        nvme_zns_ns_cleanup(&d->ns);
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    nvme_stats_intervals_apply(d->ns.blk, d->stats_intervals,
                               d->nr_stats_intervals);
}

/*
 * Context: main loop.  Unplug: hotplug.c detaches it from every
 * controller, each waiting only for its commands on this namespace
 * (nvme_ns_fence); the other namespaces keep running.
 */
static void nvme_ns_unrealize(DeviceState *dev)
{
    NvmeNsDevice *d = NVME_NS(dev);

    nvme_ns_state_cleanup(&d->ns);
    if (!d->ns.subsys) {    /* never allocated, or deleted by the host */
        nvme_unc_cleanup(&d->ns);
        nvme_gate_cleanup(&d->ns);
        nvme_resv_ns_cleanup(&d->ns);
        nvme_fdp_ns_cleanup(&d->ns);
        nvme_zns_ns_cleanup(&d->ns);
        nvme_atomic_ns_cleanup(&d->ns);
        return;
    }
    nvme_hotplug_detach_ns(&d->ns);
    nvme_subsys_remove_ns(&d->ns);
    nvme_unc_cleanup(&d->ns);
    nvme_gate_cleanup(&d->ns);
    nvme_resv_ns_cleanup(&d->ns);
    nvme_fdp_ns_cleanup(&d->ns);
    nvme_zns_ns_cleanup(&d->ns);
    nvme_atomic_ns_cleanup(&d->ns);
}

/* ---- migration ---- */

/* Context: main loop.  The format and the marks as the guest set them. */
static int nvme_ns_post_load(void *opaque, int version_id)
{
    NvmeNamespace *ns = opaque;
    g_autofree char *who = g_strdup_printf("namespace %u", ns->nsid);

    if (nvme_ns_format_check(ns, who)) {
        return -EINVAL;
    }
    if (!ns->blk) {
        return 0;       /* a created namespace's record: pool.c goes on */
    }
    nvme_ns_set_lbaf(ns, ns->lbaf);
    if (ns->zoned && nvme_zns_post_load(ns) < 0) {  /* zns.c */
        return -EINVAL;
    }
    return nvme_ns_marks_check(ns, who);
}

/*
 * The state of a namespace the guest changes: its format (Format NVM),
 * Write Uncorrectable marks and reservations, and the zones of a zoned
 * namespace (zns.c).  Its identity and geometry come from the command
 * line or, for a created namespace, from the subsystem's record
 * (subsys.c).
 */
const VMStateDescription nvme_vmstate_namespace = {
    .name = "nvme-namespace",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_ns_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(nsid, NvmeNamespace,
                             "nvme: namespace ids differ"),
        VMSTATE_UINT8(lbaf, NvmeNamespace),
        VMSTATE_BOOL(mset, NvmeNamespace),
        VMSTATE_UINT8(pi, NvmeNamespace),
        VMSTATE_BOOL(pil, NvmeNamespace),
        VMSTATE_STRUCT(unc, NvmeNamespace, 1, nvme_vmstate_unc, NvmeUncList),
        VMSTATE_STRUCT(media, NvmeNamespace, 1, nvme_vmstate_unc,
                       NvmeUncList),
        VMSTATE_STRUCT(resv, NvmeNamespace, 1, nvme_vmstate_ns_resv,
                       NvmeResv),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &nvme_vmstate_ns_zoned,
        NULL
    },
};

static const VMStateDescription nvme_vmstate_ns_dev = {
    .name = "nvme-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(ns, NvmeNsDevice, 1, nvme_vmstate_namespace,
                       NvmeNamespace),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_builtin_ns_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->builtin_ns.blk;
}

/* The controller's own namespace ("-device nvme,drive=..."). */
const VMStateDescription nvme_vmstate_builtin_ns = {
    .name = "nvme/builtin-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_builtin_ns_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(builtin_ns, NvmeCtrl, 1, nvme_vmstate_namespace,
                       NvmeNamespace),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * A namespace device's path: its controller's and its NSID, so its
 * migration section is found by NSID whatever the order of creation.
 */
static char *nvme_bus_get_dev_path(DeviceState *dev)
{
    NvmeNsDevice *d = NVME_NS(dev);
    g_autofree char *ctrl = qdev_get_dev_path(dev->parent_bus->parent);

    return g_strdup_printf("%s/ns@%u", ctrl ? ctrl : "", d->ns.nsid);
}

static const Property nvme_ns_props[] = {
    DEFINE_BLOCK_PROPERTIES(NvmeNsDevice, blkconf),
    DEFINE_BLOCK_ERROR_PROPERTIES(NvmeNsDevice, blkconf),
    DEFINE_PROP_UINT32("nsid", NvmeNsDevice, params.nsid, 0),
    DEFINE_PROP_UUID_NODEFAULT("uuid", NvmeNsDevice, params.uuid),
    DEFINE_PROP_UINT64("eui64", NvmeNsDevice, params.eui64, 0),
    DEFINE_PROP_BOOL("eui64-default", NvmeNsDevice, params.eui64_default,
                     false),
    DEFINE_PROP_STRING("nguid", NvmeNsDevice, nguid_str),
    DEFINE_PROP_BOOL("shared", NvmeNsDevice, params.shared, true),
    DEFINE_PROP_BOOL("detached", NvmeNsDevice, params.detached, false),
    DEFINE_PROP_UINT32("anagrpid", NvmeNsDevice, params.anagrpid, 1),
    DEFINE_PROP_UINT16("ms", NvmeNsDevice, params.ms, 0),
    DEFINE_PROP_UINT8("mset", NvmeNsDevice, params.mset, 0),
    DEFINE_PROP_UINT8("pi", NvmeNsDevice, params.pi, 0),
    DEFINE_PROP_UINT8("pil", NvmeNsDevice, params.pil, 0),
    DEFINE_PROP_UINT8("pif", NvmeNsDevice, params.pif, 0),
    DEFINE_PROP_UINT16("mssrl", NvmeNsDevice, params.mssrl, NVME_COPY_MSSRL),
    DEFINE_PROP_UINT32("mcl", NvmeNsDevice, params.mcl, NVME_COPY_MCL),
    DEFINE_PROP_UINT8("msrc", NvmeNsDevice, params.msrc, NVME_COPY_MSRC),
    DEFINE_PROP_STRING("resv-state", NvmeNsDevice, params.resv_state),
    DEFINE_PROP_STRING("state-file", NvmeNsDevice, params.state_file),
    DEFINE_PROP_ARRAY("stats-intervals", NvmeNsDevice, nr_stats_intervals,
                      stats_intervals, qdev_prop_uint32, uint32_t),
    /* zoned namespaces (zns.c): upstream's names and defaults */
    DEFINE_PROP_BOOL("zoned", NvmeNsDevice, params.zoned.zoned, false),
    DEFINE_PROP_SIZE("zoned.zone_size", NvmeNsDevice,
                     params.zoned.zone_size, 128 * MiB),
    DEFINE_PROP_SIZE("zoned.zone_capacity", NvmeNsDevice,
                     params.zoned.zone_capacity, 0),
    DEFINE_PROP_UINT32("zoned.descr_ext_size", NvmeNsDevice,
                       params.zoned.descr_ext_size, 0),
    DEFINE_PROP_BOOL("zoned.cross_read", NvmeNsDevice,
                     params.zoned.cross_read, false),
    DEFINE_PROP_UINT32("zoned.max_active", NvmeNsDevice,
                       params.zoned.max_active, 0),
    DEFINE_PROP_UINT32("zoned.max_open", NvmeNsDevice,
                       params.zoned.max_open, 0),
    DEFINE_PROP_UINT32("zoned.numzrwa", NvmeNsDevice,
                       params.zoned.numzrwa, 0),
    DEFINE_PROP_SIZE("zoned.zrwas", NvmeNsDevice, params.zoned.zrwas, 0),
    DEFINE_PROP_SIZE("zoned.zrwafg", NvmeNsDevice, params.zoned.zrwafg,
                     UINT64_MAX),
    DEFINE_PROP_UINT16("atomic.nawun", NvmeNsDevice, params.atomic.nawun, 0),
    DEFINE_PROP_UINT16("atomic.nawupf", NvmeNsDevice, params.atomic.nawupf,
                       0),
    DEFINE_PROP_UINT16("atomic.nabo", NvmeNsDevice, params.atomic.nabo, 0),
    DEFINE_PROP_UINT16("atomic.nabsn", NvmeNsDevice, params.atomic.nabsn, 0),
    DEFINE_PROP_UINT16("atomic.nabspf", NvmeNsDevice, params.atomic.nabspf,
                       0),
    DEFINE_PROP_STRING("fdp.ruhs", NvmeNsDevice, params.fdp_ruhs),
    DEFINE_PROP_UINT32("zone-frl", NvmeNsDevice, params.zoned.frl, 0),
    DEFINE_PROP_UINT32("zone-rrl", NvmeNsDevice, params.zoned.rrl, 0),
};

/* What -device nvme-ns,help says about each property of nvme_ns_props. */
static const NvmePropDesc nvme_ns_prop_descs[] = {
    { "drive", "block backend of the namespace (required)" },
    { "logical_block_size", "block size, LBA format (512 B to 64 KiB)" },
    { "physical_block_size", "physical block size (NPWG, NPWA, NOWS...)" },
    { "min_io_size", "minimum I/O size hint" },
    { "opt_io_size", "optimal I/O size hint" },
    { "discard_granularity", "discard granularity" },
    { "write-cache", "volatile write cache (VWC, Flush, FUA)" },
    { "share-rw", "allow other writers of the image" },
    { "account-invalid", "account invalid requests in query-blockstats" },
    { "account-failed", "account failed requests in query-blockstats" },
    { "backend_defaults", "take block sizes from the backend" },
    { "rerror", "action on a read error: report, ignore, stop (+retry)" },
    { "werror", "action on a write error: report, ignore, stop, enospc" },
    { "nsid", "namespace identifier, 1..256 (0: the first free one)" },
    { "uuid", "namespace UUID (default: derived from serial and NSID)" },
    { "eui64", "IEEE EUI-64 (0: none, or eui64-default)" },
    { "eui64-default", "without eui64: one derived from the serial and "
      "NSID under QEMU's OUI 52:54:00" },
    { "nguid", "NGUID, 32 hex digits ('-' allowed) or auto (derived)" },
    { "shared", "may be attached to several controllers (NMIC bit 0)" },
    { "detached", "attach to no controller at start" },
    { "anagrpid", "ANA group, 1..16" },
    { "ms", "metadata bytes per block: 0, 8, 16 or 64" },
    { "mset", "1: extended LBAs (metadata after each block's data)" },
    { "pi", "protection information type: 0 none, 1, 2, 3" },
    { "pil", "1: protection information first in the metadata" },
    { "pif", "2: 64-bit guard protection information (ms 16 or 64)" },
    { "mssrl", "Copy: Maximum Single Source Range Length, blocks" },
    { "mcl", "Copy: Maximum Copy Length, blocks" },
    { "msrc", "Copy: Maximum Source Range Count, 0-based" },
    { "resv-state", "file keeping reservations through restarts (PTPL)" },
    { "state-file", "file keeping the format and Write Uncorrectable marks "
      "through restarts" },
    { "stats-intervals", "accounting intervals (seconds) in "
      "query-blockstats (JSON list)" },
    { "zoned", "zoned namespace (Zoned Namespace Command Set)" },
    { "zoned.zone_size", "zone size (ZSZE)" },
    { "zoned.zone_capacity", "writable bytes of a zone (ZCAP; 0: the size)" },
    { "zoned.descr_ext_size", "zone descriptor extension bytes (ZDES), a "
      "multiple of 64" },
    { "zoned.cross_read", "reads may cross zone boundaries (OZCS RAZB)" },
    { "zoned.max_active", "active zones at most (MAR; 0: no limit)" },
    { "zoned.max_open", "open zones at most (MOR; 0: no limit)" },
    { "zoned.numzrwa", "zones with a Zone Random Write Area at once" },
    { "zoned.zrwas", "Zone Random Write Area size" },
    { "zoned.zrwafg", "ZRWA flush granularity (default: one block)" },
    { "atomic.nawun", "NAWUN: atomic write unit (normal), 0-based blocks; "
      "any atomic.n* sets NSFEAT NSABP" },
    { "atomic.nawupf", "NAWUPF: atomic write unit (power fail), 0-based "
      "blocks" },
    { "atomic.nabo", "NABO: LBA of the first atomic boundary" },
    { "atomic.nabsn", "NABSN: atomic boundary size (normal), 0-based "
      "blocks, 0: none" },
    { "atomic.nabspf", "NABSPF: atomic boundary size (power fail), 0-based "
      "blocks, 0: none" },
    { "fdp.ruhs", "FDP reclaim unit handles of the placement handles, "
      "';'-separated ids or ranges (e.g. 0;8-15; default: handle 0)" },
    { "zone-frl", "Finish Recommended Limit: seconds a zone may stay "
      "active before the controller recommends finishing it (0: none)" },
    { "zone-rrl", "Reset Recommended Limit: seconds a zone may stay Full "
      "before the controller recommends resetting it (0: none)" },
    { "zone-inject", "qom-set <zone start LBA>:<read-only|offline|"
      "finish-recommended|reset-recommended>: the controller changes the "
      "zone (Changed Zone List, notice)" },
};

/* Context: main loop.  qom-set zone-inject: a zone changes (zns.c). */
static void nvme_ns_set_zone_inject(Object *obj, const char *value,
                                    Error **errp)
{
    NvmeNsDevice *d = NVME_NS(obj);

    if (!DEVICE(obj)->realized) {
        error_setg(errp, "nvme-ns: zone-inject works on a running "
                   "namespace (qom-set)");
        return;
    }
    nvme_zns_inject(&d->ns, value, errp);
}

static void nvme_ns_instance_init(Object *obj)
{
    NvmeNsDevice *d = NVME_NS(obj);

    d->bootindex = -1;
    device_add_bootindex_property(obj, &d->bootindex, "bootindex", NULL,
                                  DEVICE(obj));
    object_property_set_description(obj, "bootindex",
                                    "firmware boot order of this namespace");
}

static void nvme_ns_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->bus_type = TYPE_NVME_BUS;
    dc->realize = nvme_ns_realize;
    dc->unrealize = nvme_ns_unrealize;
    dc->desc = "NVMe namespace (clean-room)";
    dc->vmsd = &nvme_vmstate_ns_dev;
    device_class_set_props(dc, nvme_ns_props);
    object_class_property_add_str(oc, "zone-inject", NULL,
                                  nvme_ns_set_zone_inject);
    nvme_prop_descs_set(oc, nvme_ns_prop_descs,
                        ARRAY_SIZE(nvme_ns_prop_descs));
}

/*
 * Context: main loop.  A namespace's node in firmware device paths (the
 * "bootorder" list): the same "namespace@NSID,0" the controller uses for
 * its built-in namespace 1.
 */
static char *nvme_bus_get_fw_dev_path(DeviceState *dev)
{
    return g_strdup_printf("namespace@%x,0", NVME_NS(dev)->ns.nsid);
}

static void nvme_bus_class_init(ObjectClass *oc, void *data)
{
    BusClass *bc = BUS_CLASS(oc);

    bc->get_fw_dev_path = nvme_bus_get_fw_dev_path;
    bc->get_dev_path = nvme_bus_get_dev_path;       /* migration sections */
}

static const TypeInfo nvme_ns_types[] = {
    {
        .name = TYPE_NVME_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(NvmeBus),
        .class_init = nvme_bus_class_init,
    },
    {
        .name = TYPE_NVME_NS,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(NvmeNsDevice),
        .instance_init = nvme_ns_instance_init,
        .class_init = nvme_ns_class_init,
    },
};

DEFINE_TYPES(nvme_ns_types)

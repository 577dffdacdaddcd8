/*
 * The namespaces of a subsystem's capacity pool: the nvme-subsys device's
 * migration state, which carries the namespaces Namespace Management
 * created (identity, size, format, marks, reservations, attachments) and
 * the endurance group's counters; and the pool's state file
 * (<pool>/nvme-pool.state), the same records kept on disk, which brings
 * them back when QEMU starts again.
 *
 * The pool directory is storage both sides share, like any drive: the
 * destination opens the images the source created (inactive until the
 * switchover, subsys.c) and forgets, without deleting their images, the
 * created namespaces it had that the stream does not list.
 *
 * Context: main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "system/runstate.h"
#include "qemu/coroutine.h"
#include "qemu/main-loop.h"
#include "block/aio.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "endgrp.h"
#include "fdp.h"
#include "migration.h"
#include "ns.h"
#include "pool.h"
#include "resv.h"
#include "subsys.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

/* Context: main loop.  A record's namespace starts zeroed when loaded. */
static int nvme_pool_ns_pre_load(void *opaque)
{
    memset(opaque, 0, sizeof(NvmePoolNsMig));
    return 0;
}

static const VMStateDescription nvme_vmstate_pool_ns = {
    .name = "nvme-pool-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = nvme_pool_ns_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(bytes, NvmePoolNsMig),
        NVME_VMSTATE_BITMAP(ctrls, NvmePoolNsMig, NVME_SUBSYS_MAX_CTRLS),
        VMSTATE_UINT32(ns.nsid, NvmePoolNsMig),
        VMSTATE_BOOL(ns.shared, NvmePoolNsMig),
        VMSTATE_UINT8_ARRAY(ns.uuid.data, NvmePoolNsMig, 16),
        VMSTATE_UINT8_ARRAY(ns.nguid, NvmePoolNsMig, 16),
        VMSTATE_UINT8(ns.conf_lbads, NvmePoolNsMig),
        /* its post_load leaves what needs the image to nvme_pool_adopt */
        VMSTATE_STRUCT(ns, NvmePoolNsMig, 1, nvme_vmstate_namespace,
                       NvmeNamespace),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop.  Drop the records (and the lists they own). */
static void nvme_pool_records_free(NvmeSubsys *s)
{
    for (uint32_t i = 0; s->pool.mig && i < s->pool.nr_mig; i++) {
        g_free(s->pool.mig[i].ns.unc.r);
        g_free(s->pool.mig[i].ns.media.r);
    }
    g_free(s->pool.mig);
    s->pool.mig = NULL;
    s->pool.nr_mig = 0;
}

/*
 * Context: main loop.  Record every created namespace of @s: a shallow
 * copy of the namespace, for saving only, with copies of its lists (I/O
 * queues may change them meanwhile: unc.c).  For a restart (@restart),
 * the state a power cycle ends is left out: reservations (a created
 * namespace has no Persist Through Power Loss).
 */
static void nvme_pool_records(NvmeSubsys *s, bool restart)
{
    nvme_pool_records_free(s);
    s->pool.mig = g_new0(NvmePoolNsMig, NVME_MAX_NSID);
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmePoolNsMig *m = &s->pool.mig[s->pool.nr_mig];

        if (!s->ns[nsid] || !s->pool.created[nsid]) {
            continue;
        }
        m->bytes = s->pool.created[nsid];
        m->ns = *s->ns[nsid];
        nvme_unc_copy(s->ns[nsid], &m->ns.unc, &m->ns.media);
        if (restart) {
            m->ns.resv = (NvmeResv) { 0 };
        }
        for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
            if (s->ctrls[i] && nvme_ns(s->ctrls[i], nsid)) {
                set_bit(i, m->ctrls);
            }
        }
        s->pool.nr_mig++;
    }
}

static int nvme_subsys_pre_save(void *opaque)
{
    nvme_pool_records(&((NvmeSubsysDevice *)opaque)->s, false);
    return 0;
}

static int nvme_subsys_post_save(void *opaque)
{
    nvme_pool_records_free(&((NvmeSubsysDevice *)opaque)->s);
    return 0;
}

static bool nvme_pool_nr_ok(void *opaque, int version_id)
{
    return ((NvmeSubsys *)opaque)->pool.nr_mig <= NVME_MAX_NSID;
}

/*
 * The created namespaces of a subsystem: in its migration section, and
 * in the pool's state file.
 */
static const VMStateDescription nvme_vmstate_pool_records = {
    .name = "nvme-pool",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(pool.nr_mig, NvmeSubsys),
        VMSTATE_VALIDATE("created namespaces within 256", nvme_pool_nr_ok),
        NVME_VMSTATE_STRUCT_VARRAY_UINT32_ALLOC(pool.mig, NvmeSubsys,
                                                pool.nr_mig,
                                                nvme_vmstate_pool_ns,
                                                NvmePoolNsMig),
        VMSTATE_END_OF_LIST()
    },
};

/* Check the records against the pool and the NSIDs nvme-ns devices hold. */
static int nvme_pool_check(NvmeSubsys *s, const char *who)
{
    uint64_t used = 0;

    if (s->pool.nr_mig && !s->pool.dir) {
        return nvme_mig_bad_dev(who, "created namespaces, but no pool here");
    }
    for (uint32_t i = 0; i < s->pool.nr_mig; i++) {
        NvmePoolNsMig *m = &s->pool.mig[i];
        uint32_t nsid = m->ns.nsid;

        if (!nvme_nsid_valid(nsid) || (s->ns[nsid] &&
                                       !s->pool.created[nsid])) {
            return nvme_mig_bad_dev(who, "created namespace %u: NSID invalid "
                                    "or an nvme-ns device's", nsid);
        }
        for (uint32_t j = 0; j < i; j++) {
            if (s->pool.mig[j].ns.nsid == nsid) {
                return nvme_mig_bad_dev(who, "namespace %u listed twice",
                                        nsid);
            }
        }
        if ((m->ns.conf_lbads != 9 && m->ns.conf_lbads != 12) || !m->bytes ||
            m->bytes & ((1u << m->ns.conf_lbads) - 1) ||
            m->bytes > s->pool.size - used || (m->ns.shared && !s->multi) ||
            (!m->ns.shared &&
             bitmap_count_one(m->ctrls, NVME_SUBSYS_MAX_CTRLS) > 1)) {
            return nvme_mig_bad_dev(who, "created namespace %u: size %" PRIu64
                                    ", block size 2^%u, sharing or "
                                    "attachments invalid", nsid, m->bytes,
                                    m->ns.conf_lbads);
        }
        used += m->bytes;
    }
    return 0;
}

/* An image to open outside the incoming migration's coroutine. */
typedef struct NvmePoolOpen {
    NvmeSubsys *s;
    uint32_t nsid;
    uint64_t bytes;
    BlockBackend *blk;
    Error *err;
    Coroutine *co;
} NvmePoolOpen;

static void nvme_pool_open_bh(void *opaque)
{
    NvmePoolOpen *o = opaque;

    o->blk = nvme_pool_open(o->s, o->nsid, o->bytes, false, &o->err);
    aio_co_wake(o->co);
}

/*
 * Context: main loop, maybe the incoming migration's coroutine, where
 * images cannot be opened: then a bottom half opens it meanwhile.
 */
static BlockBackend *nvme_pool_reopen(NvmeSubsys *s, uint32_t nsid,
                                      uint64_t bytes, Error **errp)
{
    NvmePoolOpen o = { .s = s, .nsid = nsid, .bytes = bytes };

    if (!qemu_in_coroutine()) {
        return nvme_pool_open(s, nsid, bytes, false, errp);
    }
    o.co = qemu_coroutine_self();
    aio_bh_schedule_oneshot(qemu_get_aio_context(), nvme_pool_open_bh, &o);
    qemu_coroutine_yield();
    error_propagate(errp, o.err);
    return o.blk;
}

/*
 * Context: main loop.  Make created namespace @m real: the one of that
 * NSID and size this subsystem has already, or one opened on its image.
 * Then its guest-set state moves over from the record.
 */
static int nvme_pool_adopt(NvmeSubsys *s, NvmePoolNsMig *m, const char *who)
{
    uint32_t nsid = m->ns.nsid;
    NvmeNamespace *ns = s->ns[nsid];
    Error *err = NULL;

    if (!ns) {
        BlockBackend *blk = nvme_pool_reopen(s, nsid, m->bytes, &err);

        if (!blk) {
            nvme_mig_bad_dev(who, "created namespace %u: %s", nsid,
                             error_get_pretty(err));
            error_free(err);
            return -EINVAL;
        }
        ns = nvme_pool_ns_new(s, nsid, blk, m->bytes, m->ns.conf_lbads,
                              m->ns.shared);
    }
    ns->uuid = m->ns.uuid;
    memcpy(ns->nguid, m->ns.nguid, sizeof(ns->nguid));
    ns->lbaf = m->ns.lbaf;
    ns->mset = m->ns.mset;
    ns->pi = m->ns.pi;
    ns->pil = m->ns.pil;
    nvme_unc_free(ns);
    ns->unc = m->ns.unc;
    m->ns.unc = (NvmeUncList) { 0 };
    ns->media = m->ns.media;
    m->ns.media = (NvmeUncList) { 0 };
    ns->resv = m->ns.resv;
    ns->resv.path = NULL;
    nvme_ns_set_lbaf(ns, ns->lbaf);
    if (!nvme_unc_fits(ns)) {
        return nvme_mig_bad_dev(who, "created namespace %u: Write "
                                "Uncorrectable marks or failed reads beyond "
                                "its end", nsid);
    }
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        /* no queue runs (the VM is stopped, loading): no fence */
        if (s->ctrls[i] && test_bit(i, m->ctrls)) {
            qatomic_set(&s->ctrls[i]->ns[nsid], ns);
        } else if (s->ctrls[i] && s->ctrls[i]->ns[nsid] == ns) {
            qatomic_set(&s->ctrls[i]->ns[nsid], NULL);
        }
    }
    return 0;
}

/* Context: main loop.  Whether the records list NSID @nsid (same size). */
static bool nvme_pool_listed(NvmeSubsys *s, uint32_t nsid)
{
    for (uint32_t i = 0; i < s->pool.nr_mig; i++) {
        if (s->pool.mig[i].ns.nsid == nsid) {
            return s->pool.mig[i].bytes == s->pool.created[nsid] &&
                   s->pool.mig[i].ns.conf_lbads == s->ns[nsid]->conf_lbads;
        }
    }
    return false;
}

/*
 * Context: main loop.  The created namespaces become the records' set:
 * those not listed (or listed with another size) are forgotten here,
 * images kept; the others are adopted.
 */
static int nvme_subsys_post_load(void *opaque, int version_id)
{
    NvmeSubsysDevice *d = opaque;
    NvmeSubsys *s = &d->s;
    const char *who = DEVICE(d)->id ? DEVICE(d)->id : "nvme-subsys";
    int ret = nvme_pool_check(s, who), fdp;

    for (uint32_t nsid = 1; !ret && nsid <= NVME_MAX_NSID; nsid++) {
        if (s->ns[nsid] && s->pool.created[nsid] &&
            !nvme_pool_listed(s, nsid)) {
            nvme_pool_ns_free(s, nsid);
        }
    }
    for (uint32_t i = 0; !ret && i < s->pool.nr_mig; i++) {
        ret = nvme_pool_adopt(s, &s->pool.mig[i], who);
    }
    nvme_pool_records_free(s);          /* lists left when refused */
    fdp = nvme_fdp_mig_apply(s, who);   /* fdp.c: every namespace here now */
    return ret ? ret : fdp;
}

const VMStateDescription nvme_vmstate_subsys = {
    .name = "nvme-subsys",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_subsys_pre_save,
    .post_save = nvme_subsys_post_save,
    .post_load = nvme_subsys_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(s, NvmeSubsysDevice, 1, nvme_vmstate_subsys_endgrp,
                       NvmeSubsys),
        VMSTATE_STRUCT(s, NvmeSubsysDevice, 1, nvme_vmstate_pool_records,
                       NvmeSubsys),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &nvme_vmstate_subsys_fdp,       /* fdp.c */
        NULL
    },
};

/* ---- the pool's state file: created namespaces across restarts ---- */

/* <pool>/nvme-pool.state: the records (migration.c: nvme_mig_file_*). */
#define NVME_POOL_STATE     "nvme-pool.state"

static const char nvme_pool_magic[NVME_MIG_MAGIC_LEN] = "QEMU nvme pool\n";

static char *nvme_pool_state_path(NvmeSubsys *s)
{
    return g_build_filename(s->pool.dir, NVME_POOL_STATE, NULL);
}

/*
 * Context: main loop (bottom half).  Write the state file anew.  A
 * failure is reported; the next change tries again.
 */
static void nvme_pool_save_bh(void *opaque)
{
    NvmeSubsys *s = opaque;
    g_autofree char *path = nvme_pool_state_path(s);
    Error *err = NULL;
    bool ok;

    nvme_pool_records(s, true);
    ok = nvme_mig_file_write(path, nvme_pool_magic,
                             &nvme_vmstate_pool_records, s, &err);
    nvme_pool_records_free(s);
    if (!ok) {
        warn_reportf_err(err, "nvme-subsys: pool state not kept: ");
        return;
    }
    trace_nvme_state_saved(path);
}

/*
 * Context: any.  A created namespace of @s changed in a way a power cycle
 * keeps (created, deleted, attached, detached, formatted, its marks): the
 * main loop writes the state file soon.
 */
void nvme_pool_changed(NvmeSubsys *s)
{
    if (s && s->pool.save_bh) {
        qemu_bh_schedule(s->pool.save_bh);
    }
}

/*
 * Context: main loop (nvme-subsys realize).  The namespaces of the state
 * file come back on their images, with their identifiers, format and
 * marks; the controllers listed attach them when they join
 * (nvme_subsys_add_ctrl).  No file: a pool used for the first time.  An
 * incoming migration brings the namespaces in its stream instead.  A file
 * that is not a pool state file, damaged, or listing what the pool cannot
 * hold (nvme_pool_check, the images) fails the start.
 */
bool nvme_pool_start(NvmeSubsys *s, const char *who, Error **errp)
{
    g_autofree char *path = NULL;
    bool found;
    int ret = 0;

    if (!s->pool.dir) {
        return true;
    }
    s->pool.save_bh = qemu_bh_new(nvme_pool_save_bh, s);
    path = nvme_pool_state_path(s);
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        return true;
    }
    if (!nvme_mig_file_read(path, nvme_pool_magic,
                            &nvme_vmstate_pool_records, s, &found, errp)) {
        nvme_pool_records_free(s);
        error_prepend(errp, "nvme-subsys: ");
        return false;
    }
    if (!found) {
        return true;
    }
    ret = nvme_pool_check(s, who);
    for (uint32_t i = 0; !ret && i < s->pool.nr_mig; i++) {
        bitmap_copy(s->pool.attach[s->pool.mig[i].ns.nsid],
                    s->pool.mig[i].ctrls, NVME_SUBSYS_MAX_CTRLS);
        ret = nvme_pool_adopt(s, &s->pool.mig[i], who);
    }
    nvme_pool_records_free(s);
    if (ret) {
        error_setg(errp, "nvme-subsys: pool state file '%s' refused",
                   path);
        return false;
    }
    return true;
}

/*
 * NVMe namespaces: the nvme-ns device, the controller's built-in
 * namespace (nvme,drive=...) and Identify Namespace data.
 *
 * Identifiers are stable: unless given, the UUID and NGUID derive from a
 * hash of the controller serial and the NSID, so a namespace keeps its
 * identity across QEMU restarts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "system/block-backend.h"
#include "hw/nvme/nvme.h"
#include "trace.h"

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
    memcpy(ns->nguid, digest + 16, 16);
    ns->eui64 = p->eui64;
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
    ns->nsid = params->nsid;
    ns->lbasz = conf->logical_block_size;
    ns->lbads = ctz32(ns->lbasz);
    ns->pbs = conf->physical_block_size;
    ns->nlbas = size / ns->lbasz;
    ns->wce_default = blk_enable_write_cache(ns->blk);
    if (ns->nlbas == 0) {
        error_setg(errp, "nvme-ns: drive is smaller than one block");
        return false;
    }
    nvme_ns_derive_ids(ns, params, serial);
    QTAILQ_INIT(&ns->gate.waiters);
    trace_nvme_ns_setup(ns->nsid, ns->nlbas, ns->lbasz);
    return true;
}

/* Context: main loop.  Identify Namespace (CNS 00h) for an active NSID. */
void nvme_ns_fill_id(NvmeNamespace *ns, NvmeIdNs *id)
{
    uint32_t pbs_lbas = MAX(ns->pbs / ns->lbasz, 1);

    id->nsze = cpu_to_le64(ns->nlbas);
    id->ncap = cpu_to_le64(ns->nlbas);
    id->nuse = cpu_to_le64(ns->nlbas);
    id->nlbaf = 0;                  /* one format, 0-based count */
    id->flbas = 0;
    id->lbaf[0].ds = ns->lbads;
    /* NPWG/NPWA/NPDG/NPDA/NOWS are valid: the guest learns the pbs */
    id->nsfeat = 1 << 4;
    id->npwg = cpu_to_le16(pbs_lbas - 1);
    id->npwa = cpu_to_le16(pbs_lbas - 1);
    id->npdg = cpu_to_le16(pbs_lbas - 1);
    id->npda = cpu_to_le16(pbs_lbas - 1);
    id->nows = cpu_to_le16(pbs_lbas - 1);
    memcpy(id->nguid, ns->nguid, sizeof(id->nguid));
    id->eui64 = cpu_to_be64(ns->eui64);
    /* deallocation is a zero write (nvm-range.c): reads return zeroes */
    id->dlfeat = (1 << 3) | 1;  /* Write Zeroes DEAC; read behaviour 001b */
    id->mssrl = cpu_to_le16(NVME_COPY_MSSRL);
    id->mcl = cpu_to_le32(NVME_COPY_MCL);
    id->msrc = NVME_COPY_MSRC;
}

/* Context: main loop.  Wait for every in-flight backend request. */
void nvme_ns_drain_all(NvmeCtrl *n)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i]) {
            blk_drain(n->ns[i]->blk);
        }
    }
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

/* Context: main loop (realize).  Attach an nvme-ns to its controller. */
static void nvme_ns_realize(DeviceState *dev, Error **errp)
{
    NvmeNsDevice *d = NVME_NS(dev);
    BusState *bus = qdev_get_parent_bus(dev);
    NvmeCtrl *n = NVME(bus->parent);
    NvmeNsParams params = d->params;

    if (params.nsid == 0) {
        for (params.nsid = 1; params.nsid <= NVME_MAX_NSID &&
             n->ns[params.nsid]; params.nsid++) {
            /* first free NSID */
        }
    }
    if (nvme_nsid_valid(params.nsid) && n->ns[params.nsid]) {
        error_setg(errp, "nvme-ns: nsid %u is already in use", params.nsid);
        return;
    }
    params.uuid_set = !qemu_uuid_is_null(&params.uuid);
    if (!nvme_ns_setup(&d->ns, &d->blkconf, &params, n->params.serial,
                       errp)) {
        return;
    }
    d->ns.ctrl = n;
    n->ns[d->ns.nsid] = &d->ns;
}

/* Context: main loop. */
static void nvme_ns_unrealize(DeviceState *dev)
{
    NvmeNsDevice *d = NVME_NS(dev);
    NvmeCtrl *n = d->ns.ctrl;

    if (n && n->ns[d->ns.nsid] == &d->ns) {
        blk_drain(d->ns.blk);
        n->ns[d->ns.nsid] = NULL;
        nvme_unc_free(&d->ns);
    }
}

static const Property nvme_ns_props[] = {
    DEFINE_BLOCK_PROPERTIES(NvmeNsDevice, blkconf),
    DEFINE_PROP_UINT32("nsid", NvmeNsDevice, params.nsid, 0),
    DEFINE_PROP_UUID_NODEFAULT("uuid", NvmeNsDevice, params.uuid),
    DEFINE_PROP_UINT64("eui64", NvmeNsDevice, params.eui64, 0),
};

static void nvme_ns_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->bus_type = TYPE_NVME_BUS;
    dc->realize = nvme_ns_realize;
    dc->unrealize = nvme_ns_unrealize;
    dc->desc = "NVMe namespace (clean-room)";
    device_class_set_props(dc, nvme_ns_props);
}

static const TypeInfo nvme_ns_types[] = {
    {
        .name = TYPE_NVME_BUS,
        .parent = TYPE_BUS,
        .instance_size = sizeof(NvmeBus),
    },
    {
        .name = TYPE_NVME_NS,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(NvmeNsDevice),
        .class_init = nvme_ns_class_init,
    },
};

DEFINE_TYPES(nvme_ns_types)

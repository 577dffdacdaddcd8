/*
 * NVMe admin commands: Identify, queue creation and deletion, Abort,
 * Keep Alive.  (Features, logs and AER live in their own files.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/nvme-regs.h"
#include "qemu/log.h"
#include "hw/pci/msix.h"
#include "admin.h"
#include "ana.h"
#include "atomic.h"
#include "cmem.h"
#include "ctrl.h"
#include "dma.h"
#include "endgrp.h"
#include "fdp.h"
#include "feat-rules.h"
#include "features.h"
#include "firmware.h"
#include "id-data.h"
#include "lba-status.h"
#include "log-pages.h"
#include "ns.h"
#include "queue.h"
#include "resv.h"
#include "sanitize.h"
#include "selftest.h"
#include "sriov.h"
#include "stats.h"
#include "subsys.h"
#include "telemetry.h"
#include "types.h"
#include "zns.h"
#include "trace.h"

#define NVME_CMIC_SRIOV_VF  (1u << 2)   /* CMIC bit 2: an SR-IOV VF */

/* Context: main loop (realize).  The constant part of Identify Controller. */
void nvme_admin_identify_ctrl_init(NvmeCtrl *n)
{
    NvmeIdCtrl *id = &n->id_ctrl;

    memset(id, 0, sizeof(*id));
    id->vid = cpu_to_le16(nvme_pci_vendor_id(n));
    id->ssvid = cpu_to_le16(PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    /* lengths and characters checked by pci.c: nothing is cut here */
    nvme_id_strpad(id->sn, n->params.serial, sizeof(id->sn));
    nvme_id_strpad(id->mn, n->params.model, sizeof(id->mn));
    nvme_id_strpad(id->fr, n->params.fw_version, sizeof(id->fr));
    id->rab = 6;
    id->ieee[0] = 0x00;     /* QEMU's OUI 52-54-00, least significant first */
    id->ieee[1] = 0x54;
    id->ieee[2] = 0x52;
    id->mdts = n->params.mdts;
    id->cntlid = cpu_to_le16(n->cntlid);
    id->ver = cpu_to_le32(n->regs.vs);
    id->oaes = cpu_to_le32(NVME_OAES_NS_ATTR | NVME_OAES_FW_ACTIVATION |
                           NVME_OAES_LBA_STATUS |
                           (nvme_zns_built() ?          /* zns.c */
                            NVME_OAES_ZONE_CHANGED : 0));
    id->cmic = n->subsys->multi ? NVME_CMIC_MULTI_CTRL : 0;
    if (pci_is_vf(PCI_DEVICE(n))) {
        id->cmic |= NVME_CMIC_SRIOV_VF;     /* a secondary controller */
    }
    nvme_ana_identify_ctrl(n, id);     /* ana.c: CMIC bit 3, OAES, ANA* */
    id->cntrltype = 1;      /* I/O controller */
    /*
     * ELBAF (ns.c); Namespace Granularity with a pool (subsys.c).  CRDT1-3
     * stay 0: no completion asks for a retry delay.
     */
    nvme_atomic_id_ctrl(n, id);         /* atomic.c: AWUN, AWUPF */
    id->ctratt = cpu_to_le32(NVME_CTRATT_ELBAS | NVME_CTRATT_HOSTID_128 |
                             (n->params.ctratt_mem ? NVME_CTRATT_MEM : 0));
    nvme_endgrp_identify_ctrl(id);      /* endgrp.c: CTRATT, ENDGIDMAX */
    id->oacs = cpu_to_le16(NVME_OACS_SECURITY |    /* security.c */
                           NVME_OACS_FORMAT | NVME_OACS_FW |
                           NVME_OACS_SELF_TEST |
                           (n->params.dbbuf ? NVME_OACS_DBCS : 0) |
                           (nvme_sriov_is_primary(n) ? NVME_OACS_VMS : 0));
    nvme_fdp_identify_ctrl(n, id);      /* fdp.c: CTRATT, OACS directives */
    id->acl = 3;
    id->aerl = n->params.aerl;
    /* firmware.c: 2 slots, slot 1 read-only, activation without reset */
    id->frmw = (NVME_FW_SLOTS << 1) | NVME_FRMW_SLOT1_RO | NVME_FRMW_NO_RESET;
    id->fwug = 0xff;        /* any download granularity (dwords) */
    id->edstt = cpu_to_le16(NVME_DST_EDSTT_MIN);    /* selftest.c */
    id->dsto = 1;           /* one self-test at a time */
    id->sanicap = cpu_to_le32(NVME_SANICAP_CES | NVME_SANICAP_BES |
                              NVME_SANICAP_OWS | NVME_SANICAP_NODMMAS_NOMOD);
    id->fna = NVME_FNA_CRYPTO_ERASE;    /* format.c: per namespace */
    /*
     * Per-namespace SMART (log.c, stats.c), Commands Supported and
     * Effects, extended data (NUMDU, LPOL/LPOU: log-pages.c), telemetry.c.
     * Not bit 5: no Feature Identifiers or NVMe-MI Commands Supported and
     * Effects logs.
     */
    id->lpa = NVME_LPA_NS_SMART | NVME_LPA_CSE | NVME_LPA_EXTENDED |
              NVME_LPA_TELEMETRY;
    id->elpe = NVME_ERROR_LOG_ENTRIES - 1;
    id->npss = 0;
    id->wctemp = cpu_to_le16(NVME_TEMP_WARN_K);
    id->cctemp = cpu_to_le16(NVME_TEMP_CRIT_K);
    id->kas = cpu_to_le16(NVME_KAS_MS / 100);
    id->sqes = (NVME_SQES << 4) | NVME_SQES;
    id->cqes = (NVME_CQES << 4) | NVME_CQES;
    id->nn = cpu_to_le32(NVME_MAX_NSID);
    /* Compare, Write Uncorrectable, DSM, Write Zeroes, Verify, Copy */
    id->oncs = cpu_to_le16(NVME_ONCS_FEATURES | NVME_ONCS_TIMESTAMP |
                           NVME_ONCS_COMPARE | NVME_ONCS_WRITE_UNCORR |
                           NVME_ONCS_DSM | NVME_ONCS_WRITE_ZEROES |
                           NVME_ONCS_VERIFY | NVME_ONCS_COPY |
                           NVME_ONCS_RESRVATIONS);     /* resv.c */
    /* source range formats 0 (16-bit guard) and 1 (64-bit guard) */
    id->ocfs = cpu_to_le16(NVME_OCFS_COPY_FORMAT_0 | NVME_OCFS_COPY_FORMAT_1 |
                           NVME_OCFS_COPY_FORMAT_2 | NVME_OCFS_COPY_FORMAT_3);
    id->fuses = cpu_to_le16(1);     /* fused Compare and Write */
    id->oacs |= cpu_to_le16(1 << 9);    /* Get LBA Status */
    /*
     * SGLs without alignment rules, bit buckets (dma.c); metadata in a
     * byte-aligned contiguous MPTR buffer or an SGL whose first descriptor
     * MPTR points to (dma.c); SGLs longer than the transfer (bit 18:
     * Linux sizes passthrough SGLs to the user's buffer).  No keyed or
     * transport descriptors, no offsets, no SDT hint.
     */
    id->sgls = cpu_to_le32(NVME_CTRL_SGLS_SUPPORT_NO_ALIGN |
                           NVME_CTRL_SGLS_BITBUCKET |
                           NVME_CTRL_SGLS_MPTR_CONTIGUOUS |
                           NVME_CTRL_SGLS_EXCESS_LENGTH |
                           NVME_CTRL_SGLS_MPTR_SGL);
    snprintf((char *)id->subnqn, sizeof(id->subnqn), "%s",
             n->subsys->subnqn);
    id->psd[0].mp = cpu_to_le16(0x9c4);     /* 25 W */
    id->psd[0].enlat = cpu_to_le32(0x10);
    id->psd[0].exlat = cpu_to_le32(0x4);
}

/*
 * ---- Identify (admin 06h) ----
 *
 * One table maps every CNS value of NVMe Base 2.0 to its handler, or to
 * why it is refused (Invalid Field in Command): the features those CNS
 * values describe are absent and Identify Controller says so (CTRATT,
 * OACS).  Every structure is 4 KiB, moved with nvme_dma_to_guest().
 */

#define NVME_IOCS_COMBINATIONS  512     /* CNS 1Ch: 64-bit vectors */
#define NVME_CNTID_SELF         0xffff  /* CNS 1Ch: the controller asked */

typedef void NvmeIdNsFill(NvmeNamespace *ns, void *id);

/*
 * Context: main loop.  VWC depends on namespaces, which nvme-ns devices
 * attach after the controller is realized.
 */
static uint16_t nvme_identify_ctrl(NvmeCtrl *n, NvmeRequest *req,
                                   uint32_t nsid)
{
    NvmeIdCtrl id = n->id_ctrl;

    if (nvme_ctrl_has_vwc(n)) {
        id.vwc = NVME_VWC_PRESENT | NVME_VWC_NSID_BROADCAST_SUPPORT;
    }
    nvme_subsys_id_ctrl(n, &id);     /* subsys.c: OACS.NMS, capacity */
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  Fillers of the per-namespace structures. */
static void nvme_fill_id_ns(NvmeNamespace *ns, void *id)
{
    nvme_ns_fill_id(ns, id);
}

static void nvme_fill_id_ns_nvm(NvmeNamespace *ns, void *id)
{
    nvme_ns_fill_id_nvm(ns, id);        /* ELBAF guard formats */
}

static void nvme_fill_id_ns_ind(NvmeNamespace *ns, void *buf)
{
    NvmeIdNsInd *id = buf;

    id->nsfeat = 1 << 4;                /* as CNS 00h: NPWG... valid */
    id->nmic = ns->shared;
    id->rescap = nvme_resv_rescap(ns);          /* resv.c */
    id->anagrpid = cpu_to_le32(nvme_ana_grpid(ns));
    id->endgrpid = cpu_to_le16(NVME_ENDGID);    /* endgrp.c */
    id->nsattr = !blk_is_writable(ns->blk);     /* write protected */
    id->nstat = NVME_ID_NS_IND_NSTAT_NRDY;      /* bit 0 set: ready */
}

/*
 * Context: main loop.  Namespace @nsid of @tbl: the controller's active
 * namespaces (n->ns, as nvme_ns() sees them: a zoned namespace is
 * inactive unless CC.CSS enabled its command set) or the subsystem's
 * allocated ones.
 */
static NvmeNamespace *nvme_identify_ns_of(NvmeCtrl *n, NvmeNamespace **tbl,
                                          uint32_t nsid)
{
    return tbl == n->ns ? nvme_ns(n, nsid) : tbl[nsid];
}

/* Context: main loop.  The I/O command set of a namespace (CSI). */
static uint8_t nvme_ns_csi(NvmeNamespace *ns)
{
    return ns->zoned ? NVME_CSI_ZONED : NVME_CSI_NVM;
}

/*
 * Context: main loop.  A per-namespace structure of NSID @nsid from @tbl:
 * zeroes when @tbl has no namespace there.
 */
static uint16_t nvme_identify_ns_struct(NvmeCtrl *n, NvmeRequest *req,
                                        uint32_t nsid, NvmeNamespace **tbl,
                                        NvmeIdNsFill *fill)
{
    uint8_t id[NVME_IDENTIFY_DATA_SIZE] = { 0 };
    NvmeNamespace *ns;

    if (!nvme_nsid_valid(nsid)) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "identify: NSID outside 1..NN");
    }
    ns = nvme_identify_ns_of(n, tbl, nsid);
    if (ns) {
        fill(ns, id);
    }
    return nvme_dma_to_guest(n, req, id, sizeof(id));
}

/*
 * Context: main loop.  NSID FFFFFFFFh with Namespace Management: what
 * every namespace the host can create has in common (nvme_ns_create()
 * takes LBA formats 0 and 1), sizes zero.
 */
static uint16_t nvme_identify_ns_common(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace probe = { .conf_lbads = 9 };
    NvmeIdNs id = { 0 };

    id.nlbaf = 1;
    id.lbaf[0].ds = nvme_ns_lbaf_ds(&probe, 0);
    id.lbaf[1].ds = nvme_ns_lbaf_ds(&probe, 1);
    id.dlfeat = (1 << 3) | 1;
    id.mssrl = cpu_to_le16(NVME_COPY_MSSRL);
    id.mcl = cpu_to_le32(NVME_COPY_MCL);
    id.msrc = NVME_COPY_MSRC;
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  CNS 00h: Identify Namespace, active NSIDs. */
static uint16_t nvme_identify_ns(NvmeCtrl *n, NvmeRequest *req,
                                 uint32_t nsid)
{
    if (nsid == NVME_NSID_BROADCAST && n->subsys->pool.dir) {
        return nvme_identify_ns_common(n, req);
    }
    return nvme_identify_ns_struct(n, req, nsid, n->ns, nvme_fill_id_ns);
}

/* Context: main loop.  Zoned Identify Namespace (zns.c). */
static void nvme_fill_id_ns_zoned(NvmeNamespace *ns, void *id)
{
    nvme_zns_fill_id_ns(ns, id);
}

/*
 * Context: main loop.  CNS 05h and 1Bh: NVM (every namespace: a zoned one
 * is an NVM namespace too) or Zoned Identify Namespace of @tbl's NSID
 * @nsid; CSI Zoned for a namespace that is not is Invalid Field.
 */
static uint16_t nvme_identify_ns_csi(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid, NvmeNamespace **tbl)
{
    bool zoned = ((NvmeIdentify *)&req->cmd)->csi == NVME_CSI_ZONED;
    NvmeNamespace *ns = nvme_nsid_valid(nsid) ?
                        nvme_identify_ns_of(n, tbl, nsid) : NULL;

    if (zoned && ns && !ns->zoned) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 47, 0,
                               "identify: the namespace is not zoned");
    }
    return nvme_identify_ns_struct(n, req, nsid, tbl,
                                   zoned ? nvme_fill_id_ns_zoned
                                         : nvme_fill_id_ns_nvm);
}

/* Context: main loop.  CNS 05h: active NSIDs. */
static uint16_t nvme_identify_ns_nvm(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    return nvme_identify_ns_csi(n, req, nsid, n->ns);
}

/* Context: main loop.  CNS 08h: I/O Command Set Independent. */
static uint16_t nvme_identify_ns_ind(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    return nvme_identify_ns_struct(n, req, nsid, n->ns, nvme_fill_id_ns_ind);
}

/* Context: main loop.  CNS 11h: Identify Namespace, allocated NSIDs. */
static uint16_t nvme_identify_alloc_ns(NvmeCtrl *n, NvmeRequest *req,
                                       uint32_t nsid)
{
    return nvme_identify_ns_struct(n, req, nsid, n->subsys->ns,
                                   nvme_fill_id_ns);
}

/* Context: main loop.  CNS 1Bh: allocated NSIDs. */
static uint16_t nvme_identify_alloc_ns_nvm(NvmeCtrl *n, NvmeRequest *req,
                                           uint32_t nsid)
{
    return nvme_identify_ns_csi(n, req, nsid, n->subsys->ns);
}

/* Context: main loop.  CNS 1Fh: I/O Command Set Independent, allocated. */
static uint16_t nvme_identify_alloc_ns_ind(NvmeCtrl *n, NvmeRequest *req,
                                           uint32_t nsid)
{
    return nvme_identify_ns_struct(n, req, nsid, n->subsys->ns,
                                   nvme_fill_id_ns_ind);
}

/*
 * Context: main loop.  NSIDs of @tbl greater than @nsid, ascending; of
 * the command set CDW11 CSI names for the CSI specific lists (@by_csi).
 */
static uint16_t nvme_identify_nsid_list(NvmeCtrl *n, NvmeRequest *req,
                                        uint32_t nsid, NvmeNamespace **tbl,
                                        bool by_csi)
{
    uint32_t list[NVME_ID_NSID_LIST_MAX];
    uint8_t csi_of[NVME_MAX_NSID + 1];

    if (nsid >= NVME_NSID_BROADCAST - 1) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "identify: NSID FFFFFFFEh/FFFFFFFFh in list");
    }
    for (uint32_t i = 0; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = i ? nvme_identify_ns_of(n, tbl, i) : NULL;

        csi_of[i] = ns ? nvme_ns_csi(ns) : NVME_ID_NO_NS;
    }
    nvme_id_nsid_list(list, nsid, csi_of, by_csi,
                      ((NvmeIdentify *)&req->cmd)->csi);
    return nvme_dma_to_guest(n, req, list, sizeof(list));
}

/* Context: main loop.  CNS 02h: active NSID list. */
static uint16_t nvme_identify_active_list(NvmeCtrl *n, NvmeRequest *req,
                                          uint32_t nsid)
{
    return nvme_identify_nsid_list(n, req, nsid, n->ns, false);
}

/* Context: main loop.  CNS 07h: active NSIDs of one command set. */
static uint16_t nvme_identify_active_list_csi(NvmeCtrl *n, NvmeRequest *req,
                                              uint32_t nsid)
{
    return nvme_identify_nsid_list(n, req, nsid, n->ns, true);
}

/* Context: main loop.  CNS 10h: allocated NSID list. */
static uint16_t nvme_identify_alloc_list(NvmeCtrl *n, NvmeRequest *req,
                                         uint32_t nsid)
{
    return nvme_identify_nsid_list(n, req, nsid, n->subsys->ns, false);
}

/* Context: main loop.  CNS 1Ah: allocated NSIDs of one command set. */
static uint16_t nvme_identify_alloc_list_csi(NvmeCtrl *n, NvmeRequest *req,
                                             uint32_t nsid)
{
    return nvme_identify_nsid_list(n, req, nsid, n->subsys->ns, true);
}

/*
 * Context: main loop.  CNS 03h: Namespace Identification Descriptor
 * list of an active NSID; the CSI descriptor is there since CAP.CSS bit 6
 * is set.
 */
static uint16_t nvme_identify_ns_descs(NvmeCtrl *n, NvmeRequest *req,
                                       uint32_t nsid)
{
    uint8_t buf[NVME_IDENTIFY_DATA_SIZE] = { 0 };
    NvmeNamespace *ns = nvme_ns(n, nsid);
    uint16_t status = nvme_nsid_status(n, nsid);

    if (status) {
        return nvme_req_reject(req, status, 4, 0,
                               "identify: descriptors of no active NSID");
    }
    nvme_id_ns_descs(buf, ns->eui64, ns->nguid, ns->uuid.data,
                     nvme_ns_csi(ns));
    return nvme_dma_to_guest(n, req, buf, sizeof(buf));
}

/* Context: main loop.  CNS 06h: I/O Command Set specific (NVM, Zoned). */
static uint16_t nvme_identify_ctrl_nvm(NvmeCtrl *n, NvmeRequest *req,
                                       uint32_t nsid)
{
    /*
     * VSL from the "vsl" property, enforced by Verify (nvm-range.c).
     * WZSL, WUSL, DMRL, DMRSL, DMSL 0 (no limit): Write Zeroes and DSM
     * work in bounded chunks (nvm-range.c), marks are ranges, and DSM's
     * NR field already caps the ranges at 256.
     */
    NvmeIdCtrlNvm id = { .vsl = n->params.vsl };

    if (((NvmeIdentify *)&req->cmd)->csi == NVME_CSI_ZONED) {
        return nvme_zns_identify_ctrl(n, req);     /* zns.c: ZASL */
    }
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/*
 * Context: main loop.  CNS 1Ch: I/O Command Set data structure.  One
 * combination, index 0: the NVM and the Zoned Namespace command sets (the
 * I/O Command Set Profile feature selects it).  CNTID names a controller
 * of the subsystem; FFFFh (nvme-cli's default) the one asked.
 */
static uint16_t nvme_identify_iocs(NvmeCtrl *n, NvmeRequest *req,
                                   uint32_t nsid)
{
    uint64_t vec[NVME_IOCS_COMBINATIONS] = { 0 };
    uint16_t cntid = le16_to_cpu(((NvmeIdentify *)&req->cmd)->ctrlid);

    if (cntid != NVME_CNTID_SELF && (cntid >= NVME_SUBSYS_MAX_CTRLS ||
                                     !n->subsys->ctrls[cntid])) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 42, 0,
                               "identify: CNTID names no controller");
    }
    vec[0] = cpu_to_le64(1ull << NVME_CSI_NVM |
                         (uint64_t)nvme_zns_built() << NVME_CSI_ZONED);
    return nvme_dma_to_guest(n, req, vec, sizeof(vec));
}

typedef uint16_t NvmeIdentifyFn(NvmeCtrl *n, NvmeRequest *req,
                                uint32_t nsid);

/* Context: main loop.  CNS 19h: the endurance groups (endgrp.c). */
static uint16_t nvme_identify_endgrp_list(NvmeCtrl *n, NvmeRequest *req,
                                          uint32_t nsid)
{
    return nvme_endgrp_identify_list(n, req);
}

typedef struct NvmeIdentifyCns {
    NvmeIdentifyFn *fn;         /* NULL: refused with @why */
    bool csi;                   /* CDW11 CSI selects the set: NVM, Zoned */
    const char *why;
} NvmeIdentifyCns;

static const NvmeIdentifyCns nvme_identify_cns[256] = {
    [0x00] = { nvme_identify_ns },
    [0x01] = { nvme_identify_ctrl },
    [0x02] = { nvme_identify_active_list },
    [0x03] = { nvme_identify_ns_descs },
    [0x04] = { .why = "NVM Set List: no NVM Sets (CTRATT bit 2)" },
    [0x05] = { nvme_identify_ns_nvm, true },
    [0x06] = { nvme_identify_ctrl_nvm, true },
    [0x07] = { nvme_identify_active_list_csi, true },
    [0x08] = { nvme_identify_ns_ind },
    [0x10] = { nvme_identify_alloc_list },
    [0x11] = { nvme_identify_alloc_ns },
    [0x12] = { nvme_identify_ns_ctrl_list },        /* subsys.c */
    [0x13] = { nvme_identify_ctrl_list },           /* subsys.c */
    [0x14] = { nvme_identify_pri_ctrl_cap },        /* sriov.c */
    [0x15] = { nvme_identify_sec_ctrl_list },       /* sriov.c */
    [0x16] = { nvme_identify_ns_granularity },      /* subsys.c */
    [0x17] = { .why = "UUID List: not offered (CTRATT bit 9)" },
    [0x18] = { .why = "Domain List: one domain (CTRATT bit 10)" },
    [0x19] = { nvme_identify_endgrp_list },
    [0x1a] = { nvme_identify_alloc_list_csi, true },
    [0x1b] = { nvme_identify_alloc_ns_nvm, true },
    [0x1c] = { nvme_identify_iocs },
    [0x1f] = { nvme_identify_alloc_ns_ind },
};

/* Context: main loop. */
uint16_t nvme_admin_identify(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeIdentify *c = (NvmeIdentify *)&req->cmd;
    const NvmeIdentifyCns *e = &nvme_identify_cns[c->cns];

    trace_nvme_identify(c->cns, le32_to_cpu(c->nsid), c->csi);
    if (!e->fn) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               e->why ? e->why : "identify: CNS not supported");
    }
    if (e->csi && c->csi != NVME_CSI_NVM &&
        (c->csi != NVME_CSI_ZONED || !nvme_zns_built())) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 47, 0,
                               "identify: CSI is neither NVM nor Zoned");
    }
    return e->fn(n, req, le32_to_cpu(c->nsid));
}

/*
 * Context: main loop.  Highest I/O queue id: what Set Features Number of
 * Queues allocated (0-based counts), or every queue when it was not used.
 */
static uint32_t nvme_max_qid(NvmeCtrl *n, bool cq)
{
    if (!n->feat.cur.nq_set) {
        return n->queues.avail - 1;     /* SR-IOV: what is assigned */
    }
    return (cq ? n->feat.cur.nq >> 16 : n->feat.cur.nq & 0xffff) + 1;
}

/* Context: main loop.  Checks shared by Create I/O SQ and CQ. */
static uint16_t nvme_check_new_queue(NvmeCtrl *n, NvmeRequest *req,
                                     uint16_t qid, bool in_use,
                                     uint32_t qsize, uint64_t prp1, bool pc,
                                     uint8_t es, uint8_t want_es)
{
    bool cq = want_es == NVME_CQES;

    if (qid == 0 || qid > nvme_max_qid(n, cq) || in_use) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_QID | NVME_DNR;
    }
    if (qsize < 2 || qsize > FIELD_EX64(n->regs.cap, CAP, MQES) + 1) {
        nvme_req_err_field(req, 42, 0);
        return NVME_MAX_QSIZE_EXCEEDED | NVME_DNR;
    }
    if (!pc) {          /* CAP.CQR: queues must be physically contiguous */
        nvme_req_err_field(req, 44, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (!prp1 || (prp1 & (n->regs.page_size - 1))) {
        nvme_req_err_field(req, 24, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (nvme_cmem_check(n, prp1, (uint64_t)qsize << want_es,
                        NVME_CMEM_QUEUE)) {
        nvme_req_err_field(req, 24, 0);
        return NVME_INVALID_USE_OF_CMB | NVME_DNR;  /* across CMB's edge */
    }
    if (es != want_es) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: I/O queue created with CC.IOxQES %u\n", es);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_create_cq(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeCreateCq *c = (NvmeCreateCq *)&req->cmd;
    uint16_t cqid = le16_to_cpu(c->cqid);
    uint32_t qsize = le16_to_cpu(c->qsize) + 1;
    uint16_t flags = le16_to_cpu(c->cq_flags);
    uint16_t vector = le16_to_cpu(c->irq_vector);
    uint64_t prp1 = le64_to_cpu(c->prp1);
    uint16_t status;

    status = nvme_check_new_queue(n, req, cqid,
                                  cqid < n->queues.num && n->queues.cq[cqid],
                                  qsize, prp1, NVME_CQ_FLAGS_PC(flags),
                                  FIELD_EX32(n->regs.cc, CC, IOCQES),
                                  NVME_CQES);
    if (status) {
        trace_nvme_create_cq_refused(cqid, status);
        return status;
    }
    if (vector >= n->queues.vectors ||
        (!msix_enabled(PCI_DEVICE(n)) && vector != 0)) {
        nvme_req_err_field(req, 46, 0);
        trace_nvme_create_cq_refused(cqid, NVME_INVALID_IRQ_VECTOR);
        return NVME_INVALID_IRQ_VECTOR | NVME_DNR;
    }
    return nvme_queue_create_cq(n, cqid, prp1, qsize, vector,
                                NVME_CQ_FLAGS_IEN(flags));
}

/* Context: main loop. */
uint16_t nvme_admin_create_sq(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeCreateSq *c = (NvmeCreateSq *)&req->cmd;
    uint16_t sqid = le16_to_cpu(c->sqid);
    uint16_t cqid = le16_to_cpu(c->cqid);
    uint32_t qsize = le16_to_cpu(c->qsize) + 1;
    uint16_t flags = le16_to_cpu(c->sq_flags);
    uint64_t prp1 = le64_to_cpu(c->prp1);
    uint16_t status;

    if (cqid == 0 || cqid >= n->queues.num || !n->queues.cq[cqid]) {
        nvme_req_err_field(req, 46, 0);
        trace_nvme_create_sq_refused(sqid, NVME_INVALID_CQID);
        return NVME_INVALID_CQID | NVME_DNR;
    }
    status = nvme_check_new_queue(n, req, sqid,
                                  sqid < n->queues.num && n->queues.sq[sqid],
                                  qsize, prp1, NVME_SQ_FLAGS_PC(flags),
                                  FIELD_EX32(n->regs.cc, CC, IOSQES),
                                  NVME_SQES);
    if (status) {
        trace_nvme_create_sq_refused(sqid, status);
        return status;
    }
    return nvme_queue_create_sq(n, sqid, cqid, prp1, qsize);
}

/* Context: main loop. */
uint16_t nvme_admin_delete_sq(NvmeCtrl *n, NvmeRequest *req)
{
    uint16_t qid = le16_to_cpu(((NvmeDeleteQ *)&req->cmd)->qid);

    if (qid == 0 || qid >= n->queues.num || !n->queues.sq[qid]) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_QID | NVME_DNR;
    }
    nvme_queue_delete_sq(n, qid);
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_delete_cq(NvmeCtrl *n, NvmeRequest *req)
{
    uint16_t qid = le16_to_cpu(((NvmeDeleteQ *)&req->cmd)->qid);

    if (qid == 0 || qid >= n->queues.num || !n->queues.cq[qid]) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_QID | NVME_DNR;
    }
    if (!QTAILQ_EMPTY(&n->queues.cq[qid]->sqs)) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_QUEUE_DEL | NVME_DNR;
    }
    nvme_queue_delete_cq(n, qid);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Commands start executing as soon as they are
 * fetched, so there is never one left to abort: report "not aborted".
 */
uint16_t nvme_admin_abort(NvmeCtrl *n, NvmeRequest *req)
{
    req->result = 1;
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_keep_alive(NvmeCtrl *n, NvmeRequest *req)
{
    nvme_kato_restart(n);
    return NVME_SUCCESS;
}

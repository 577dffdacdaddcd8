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
#include "id-ctrl.h"
#include "id-data.h"
#include "id-ns.h"
#include "log-pages.h"
#include "ns.h"
#include "queue.h"
#include "selftest.h"
#include "sriov.h"
#include "stats.h"
#include "subsys.h"
#include "types.h"
#include "zns.h"
#include "trace.h"

/*
 * Context: main loop.  What Identify Controller says of @n now: its
 * identity and limits, and each area's part (id-ctrl.c builds it).
 */
static void nvme_admin_id_ctrl_in(NvmeCtrl *n, NvmeIdCtrlIn *in)
{
    *in = (NvmeIdCtrlIn) {
        .vid = nvme_pci_vendor_id(n),
        .ssvid = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
        /* lengths and characters checked by pci.c: nothing is cut */
        .sn = n->params.serial,
        .mn = n->params.model,
        .subnqn = n->subsys->subnqn,
        .cntlid = n->cntlid,
        .ver = n->regs.vs,
        .mdts = n->params.mdts,
        .aerl = n->params.aerl,
        .nn = NVME_MAX_NSID,
        .sqes = NVME_SQES,
        .cqes = NVME_CQES,
        .fw_slots = NVME_FW_SLOTS,                  /* firmware.c */
        .elog_entries = NVME_ERROR_LOG_ENTRIES,     /* log.c */
        .edstt_min = NVME_DST_EDSTT_MIN,            /* selftest.c */
        .kas_ms = NVME_KAS_MS,
        .wctemp_k = NVME_TEMP_WARN_K,               /* stats.c */
        .cctemp_k = NVME_TEMP_CRIT_K,
        .zoned = nvme_zns_built(),                  /* zns.c */
        .multi_ctrl = n->subsys->multi,
        .sriov_vf = pci_is_vf(PCI_DEVICE(n)),
        .sriov_primary = nvme_sriov_is_primary(n),
        .ctratt_mem = n->params.ctratt_mem,
        .dbbuf = n->params.dbbuf,
        /* VWC: nvme-ns devices attach after the controller is realized */
        .vwc = nvme_ctrl_has_vwc(n),
    };
    /* FR: the active slot's revision, kept there by firmware.c */
    memcpy(in->fr, n->id_ctrl.fr, sizeof(in->fr));
    nvme_ana_identify_ctrl(n, in);      /* ana.c: CMIC bit 3, ANA* */
    nvme_atomic_id_ctrl(n, in);         /* atomic.c: AWUN, AWUPF */
    nvme_endgrp_identify_ctrl(in);      /* endgrp.c: ENDGIDMAX */
    nvme_fdp_identify_ctrl(n, in);      /* fdp.c: CTRATT, OACS directives */
    nvme_subsys_id_ctrl(n, in);         /* subsys.c: the pool, capacity */
}

/*
 * Context: main loop (realize).  n->id_ctrl: what other areas read of
 * Identify Controller (SGLS, SANICAP, IEEE, CMIC; FR, which firmware.c
 * changes on activation).  Identify builds the structure anew.
 */
void nvme_admin_identify_ctrl_init(NvmeCtrl *n)
{
    NvmeIdCtrlIn in;

    nvme_id_strpad(n->id_ctrl.fr, n->params.fw_version,
                   sizeof(n->id_ctrl.fr));
    nvme_admin_id_ctrl_in(n, &in);
    nvme_id_ctrl_build(&n->id_ctrl, &in);
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

/* Context: main loop.  CNS 01h: Identify Controller. */
static uint16_t nvme_identify_ctrl(NvmeCtrl *n, NvmeRequest *req,
                                   uint32_t nsid)
{
    NvmeIdCtrlIn in;
    NvmeIdCtrl id;

    nvme_admin_id_ctrl_in(n, &in);
    nvme_id_ctrl_build(&id, &in);
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  Builders of the per-namespace structures. */
static void nvme_fill_id_ns(NvmeNamespace *ns, void *id)
{
    NvmeIdNsIn in;

    nvme_ns_id_in(ns, &in);
    nvme_id_ns_build(id, &in);
}

static void nvme_fill_id_ns_nvm(NvmeNamespace *ns, void *id)
{
    NvmeIdNsIn in;

    nvme_ns_id_in(ns, &in);
    nvme_id_ns_nvm_build(id, &in);      /* ELBAF guard formats */
}

static void nvme_fill_id_ns_ind(NvmeNamespace *ns, void *id)
{
    NvmeIdNsIn in;

    nvme_ns_id_in(ns, &in);
    nvme_id_ns_ind_build(id, &in);
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
    NvmeIdNsIn in = {
        .mssrl = NVME_COPY_MSSRL, .mcl = NVME_COPY_MCL,
        .msrc = NVME_COPY_MSRC,
    };
    NvmeIdNs id;

    for (unsigned i = 0; nvme_ns_lbaf_ds(&probe, i); i++) {
        in.lbaf[i].ds = nvme_ns_lbaf_ds(&probe, i);
        in.nlbaf = i + 1;
    }
    nvme_id_ns_common_build(&id, &in);
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
    NvmeIdCtrlNvm id;

    if (((NvmeIdentify *)&req->cmd)->csi == NVME_CSI_ZONED) {
        return nvme_zns_identify_ctrl(n, req);     /* zns.c: ZASL */
    }
    nvme_id_ctrl_nvm_build(&id, n->params.vsl);    /* Verify enforces it */
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

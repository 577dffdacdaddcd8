/*
 * NVMe admin commands: Identify, queue creation and deletion, Abort,
 * Keep Alive.  (Features, logs and AER live in their own files.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/msix.h"
#include "hw/nvme/nvme.h"
#include "hw/nvme/regs.h"
#include "trace.h"

/* Context: main loop (realize).  Fill a space-padded ASCII field. */
static void nvme_strpad(uint8_t *dst, const char *src, size_t len)
{
    memset(dst, ' ', len);
    memcpy(dst, src, MIN(strlen(src), len));
}

/* Context: main loop (realize).  The constant part of Identify Controller. */
void nvme_admin_identify_ctrl_init(NvmeCtrl *n)
{
    NvmeIdCtrl *id = &n->id_ctrl;

    memset(id, 0, sizeof(*id));
    id->vid = cpu_to_le16(PCI_VENDOR_ID_REDHAT);
    id->ssvid = cpu_to_le16(PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    nvme_strpad(id->sn, n->params.serial, sizeof(id->sn));
    nvme_strpad(id->mn, "QEMU NVMe Ctrl", sizeof(id->mn));
    nvme_strpad(id->fr, "1.0", sizeof(id->fr));
    id->rab = 6;
    id->ieee[0] = 0x00;     /* QEMU's OUI 52-54-00, least significant first */
    id->ieee[1] = 0x54;
    id->ieee[2] = 0x52;
    id->mdts = n->params.mdts;
    id->cntlid = cpu_to_le16(n->cntlid);
    id->ver = cpu_to_le32(n->vs ? n->vs : 0x00010400);
    id->oaes = cpu_to_le32(NVME_OAES_NS_ATTR | NVME_OAES_FW_ACTIVATION);
    id->cmic = n->subsys->multi ? NVME_CMIC_MULTI_CTRL : 0;
    nvme_ana_identify_ctrl(n, id);     /* ana.c: CMIC bit 3, OAES, ANA* */
    id->cntrltype = 1;      /* I/O controller */
    /* ELBAF: ns.c; 128-bit Host Identifier: resv.c */
    id->ctratt = cpu_to_le32(NVME_CTRATT_ELBAS | NVME_CTRATT_HOSTID_128);
    nvme_endgrp_identify_ctrl(id);      /* endgrp.c: CTRATT, ENDGIDMAX */
    id->oacs = cpu_to_le16(NVME_OACS_DBCS | NVME_OACS_FORMAT | NVME_OACS_FW |
                           NVME_OACS_SELF_TEST);
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
    /* per-namespace SMART (log.c, stats.c), telemetry.c */
    id->lpa = NVME_LPA_NS_SMART | NVME_LPA_CSE | NVME_LPA_TELEMETRY;
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
    id->ocfs = cpu_to_le16(NVME_OCFS_COPY_FORMAT_0 | NVME_OCFS_COPY_FORMAT_1);
    id->fuses = cpu_to_le16(1);     /* fused Compare and Write */
    id->oacs |= cpu_to_le16(1 << 9);    /* Get LBA Status */
    /*
     * SGLs without alignment rules, bit buckets (dma.c); metadata in a
     * byte-aligned contiguous MPTR buffer or an SGL whose first descriptor
     * MPTR points to (dma.c).  No keyed or transport descriptors, no
     * offsets, no SGL longer than the transfer, no SDT hint.
     */
    id->sgls = cpu_to_le32(NVME_CTRL_SGLS_SUPPORT_NO_ALIGN |
                           NVME_CTRL_SGLS_BITBUCKET |
                           NVME_CTRL_SGLS_MPTR_CONTIGUOUS |
                           NVME_CTRL_SGLS_MPTR_SGL);
    snprintf((char *)id->subnqn, sizeof(id->subnqn), "%s",
             n->subsys->subnqn);
    id->psd[0].mp = cpu_to_le16(0x9c4);     /* 25 W */
    id->psd[0].enlat = cpu_to_le32(0x10);
    id->psd[0].exlat = cpu_to_le32(0x4);
}

/*
 * Context: main loop.  VWC depends on namespaces, which nvme-ns devices
 * attach after the controller is realized.
 */
static uint16_t nvme_identify_ctrl(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeIdCtrl id = n->id_ctrl;

    if (nvme_ctrl_has_vwc(n)) {
        id.vwc = NVME_VWC_PRESENT | NVME_VWC_NSID_BROADCAST_SUPPORT;
    }
    nvme_subsys_id_ctrl(n, &id);     /* subsys.c: OACS.NMS, capacity */
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop. */
static uint16_t nvme_identify_ns(NvmeCtrl *n, NvmeRequest *req, uint32_t nsid)
{
    NvmeIdNs id = { 0 };

    if (!nvme_nsid_valid(nsid)) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    if (n->ns[nsid]) {
        nvme_ns_fill_id(n->ns[nsid], &id);
    }
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  Active NSIDs greater than @nsid, ascending. */
static uint16_t nvme_identify_ns_list(NvmeCtrl *n, NvmeRequest *req,
                                      uint32_t nsid)
{
    uint32_t list[1024] = { 0 };
    unsigned cnt = 0;

    if (nsid >= NVME_NSID_BROADCAST - 1) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    for (uint32_t i = nsid + 1; i <= NVME_MAX_NSID && cnt < 1024; i++) {
        if (n->ns[i]) {
            list[cnt++] = cpu_to_le32(i);
        }
    }
    return nvme_dma_to_guest(n, req, list, sizeof(list));
}

/* Context: main loop.  Append one identifier descriptor. */
static size_t nvme_desc_add(uint8_t *buf, size_t off, uint8_t type,
                            const void *val, uint8_t len)
{
    NvmeIdNsDescr hdr = { .nidt = type, .nidl = len };

    memcpy(buf + off, &hdr, sizeof(hdr));
    memcpy(buf + off + sizeof(hdr), val, len);
    return off + sizeof(hdr) + len;
}

/* Context: main loop.  Namespace Identification Descriptor list. */
static uint16_t nvme_identify_ns_descs(NvmeCtrl *n, NvmeRequest *req,
                                       uint32_t nsid)
{
    uint8_t buf[NVME_IDENTIFY_DATA_SIZE] = { 0 };
    NvmeNamespace *ns = nvme_ns(n, nsid);
    uint8_t csi = NVME_CSI_NVM;
    size_t off = 0;

    if (!ns) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    if (ns->eui64) {
        uint64_t be = cpu_to_be64(ns->eui64);

        off = nvme_desc_add(buf, off, NVME_NIDT_EUI64, &be, NVME_NIDL_EUI64);
    }
    off = nvme_desc_add(buf, off, NVME_NIDT_NGUID, ns->nguid,
                        NVME_NIDL_NGUID);
    off = nvme_desc_add(buf, off, NVME_NIDT_UUID, ns->uuid.data,
                        NVME_NIDL_UUID);
    nvme_desc_add(buf, off, NVME_NIDT_CSI, &csi, NVME_NIDL_CSI);
    return nvme_dma_to_guest(n, req, buf, sizeof(buf));
}

/* Context: main loop.  I/O Command Set specific Identify Namespace (NVM). */
static uint16_t nvme_identify_ns_nvm(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    NvmeIdNsNvm id = { 0 };

    if (!nvme_nsid_valid(nsid)) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    if (n->ns[nsid]) {
        nvme_ns_fill_id_nvm(n->ns[nsid], &id);  /* ELBAF guard formats */
    }
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  I/O Command Set Independent Identify Namespace. */
static uint16_t nvme_identify_ns_ind(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    NvmeIdNsInd id = { 0 };
    NvmeNamespace *ns;

    if (!nvme_nsid_valid(nsid)) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    ns = n->ns[nsid];
    if (ns) {
        id.nstat = NVME_ID_NS_IND_NSTAT_NRDY;   /* bit 0 set: ready */
        id.nsattr = !blk_is_writable(ns->blk);  /* write protected */
        id.nmic = ns->shared;
        id.rescap = nvme_resv_rescap(ns);
        id.anagrpid = cpu_to_le32(nvme_ana_grpid(ns));
        id.endgrpid = cpu_to_le16(NVME_ENDGID);
    }
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop.  I/O Command Set specific Identify Controller (NVM). */
static uint16_t nvme_identify_ctrl_nvm(NvmeCtrl *n, NvmeRequest *req)
{
    /*
     * VSL, WZSL, WUSL, DMRL, DMRSL, DMSL all 0 (no limit): Verify, Write
     * Zeroes and DSM work in bounded chunks (nvm-range.c), marks are
     * ranges, and DSM's NR field already caps the ranges at 256.
     */
    NvmeIdCtrlNvm id = { 0 };

    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* Context: main loop. */
uint16_t nvme_admin_identify(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeIdentify *c = (NvmeIdentify *)&req->cmd;
    uint32_t nsid = le32_to_cpu(c->nsid);
    bool nvm = c->csi == NVME_CSI_NVM;

    trace_nvme_identify(c->cns, nsid, c->csi);
    switch (c->cns) {
    case NVME_ID_CNS_NS:
        return nvme_identify_ns(n, req, nsid);
    case NVME_ID_CNS_CTRL:
        return nvme_identify_ctrl(n, req);
    case NVME_ID_CNS_NS_ACTIVE_LIST:
        return nvme_identify_ns_list(n, req, nsid);
    case NVME_ID_CNS_NS_DESCR_LIST:
        return nvme_identify_ns_descs(n, req, nsid);
    case NVME_ID_CNS_CS_NS:
        if (nvm) {
            return nvme_identify_ns_nvm(n, req, nsid);
        }
        break;
    case NVME_ID_CNS_CS_CTRL:
        if (nvm) {
            return nvme_identify_ctrl_nvm(n, req);
        }
        break;
    case NVME_ID_CNS_CS_NS_ACTIVE_LIST:
        if (nvm) {
            return nvme_identify_ns_list(n, req, nsid);
        }
        break;
    case NVME_ID_CNS_CS_IND_NS:
        return nvme_identify_ns_ind(n, req, nsid);
    case NVME_ID_CNS_NS_PRESENT_LIST:
    case NVME_ID_CNS_NS_PRESENT:
    case NVME_ID_CNS_NS_ATTACHED_CTRL_LIST:
    case NVME_ID_CNS_CTRL_LIST:
        return nvme_identify_subsys(n, req);    /* subsys.c */
    case NVME_ID_CNS_ENDURANCE_GROUP_LIST:
        return nvme_endgrp_identify_list(n, req);   /* endgrp.c */
    default:
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    nvme_req_err_field(req, 47, 0);     /* CSI */
    return NVME_INVALID_FIELD | NVME_DNR;
}

/*
 * Context: main loop.  Highest I/O queue id: what Set Features Number of
 * Queues allocated (0-based counts), or every queue when it was not used.
 */
static uint32_t nvme_max_qid(NvmeCtrl *n, bool cq)
{
    if (!n->feat.nq_set) {
        return n->num_queues - 1;
    }
    return (cq ? n->feat.nq >> 16 : n->feat.nq & 0xffff) + 1;
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
    if (qsize < 2 || qsize > FIELD_EX64(n->cap, CAP, MQES) + 1) {
        nvme_req_err_field(req, 42, 0);
        return NVME_MAX_QSIZE_EXCEEDED | NVME_DNR;
    }
    if (!pc) {          /* CAP.CQR: queues must be physically contiguous */
        nvme_req_err_field(req, 44, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (!prp1 || (prp1 & (n->page_size - 1))) {
        nvme_req_err_field(req, 24, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
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
                                  cqid < n->num_queues && n->cq[cqid],
                                  qsize, prp1, NVME_CQ_FLAGS_PC(flags),
                                  FIELD_EX32(n->cc, CC, IOCQES), NVME_CQES);
    if (status) {
        trace_nvme_create_cq_refused(cqid, status);
        return status;
    }
    if (vector >= n->params.msix_qsize ||
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

    if (cqid == 0 || cqid >= n->num_queues || !n->cq[cqid]) {
        nvme_req_err_field(req, 46, 0);
        trace_nvme_create_sq_refused(sqid, NVME_INVALID_CQID);
        return NVME_INVALID_CQID | NVME_DNR;
    }
    status = nvme_check_new_queue(n, req, sqid,
                                  sqid < n->num_queues && n->sq[sqid],
                                  qsize, prp1, NVME_SQ_FLAGS_PC(flags),
                                  FIELD_EX32(n->cc, CC, IOSQES), NVME_SQES);
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

    if (qid == 0 || qid >= n->num_queues || !n->sq[qid]) {
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

    if (qid == 0 || qid >= n->num_queues || !n->cq[qid]) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_QID | NVME_DNR;
    }
    if (!QTAILQ_EMPTY(&n->cq[qid]->sqs)) {
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

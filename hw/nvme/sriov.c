/*
 * NVMe SR-IOV: a primary controller and its secondary controllers.
 *
 * With sriov_max_vfs=N the controller is a PCIe physical function with
 * the ARI and SR-IOV capabilities and N virtual functions (offset 1,
 * stride 1, QEMU's pcie_sriov.c creates them).  Each VF is an "nvme"
 * device of its own: a secondary controller of the same NVM subsystem
 * (its own controller id, the primary's serial and settings), with no
 * INTx, a BAR0 and MSI-X table sized for sriov_max_vq_per_vf queue pairs
 * and sriov_max_vi_per_vf vectors.
 *
 * Resources (NVMe Base 2.0, Virtualization Enhancements): a VQ resource
 * is a queue pair, the admin queue's included; a VI resource an MSI-X
 * vector.  The primary keeps max_ioqpairs + 1 - sriov_vq_flexible VQ and
 * msix_qsize - sriov_vi_flexible VI resources of its own (private) and
 * the flexible ones start unallocated.  Virtualization Management:
 *
 *   1h  Primary Controller Flexible Allocation: the primary gets NR
 *       flexible resources at its next Controller Level Reset (CC.EN
 *       1->0, FLR, PCI reset, NSSR); until then the current ones stay.
 *   7h  Secondary Controller Offline: the secondary stops (its controller
 *       is reset) and its flexible resources return to the pool.
 *   8h  Secondary Controller Assign: NR resources of RT to an offline
 *       secondary (replacing what it had), at most VQFRSM/VIFRSM and
 *       what neither the other secondaries nor the primary (its current
 *       or pending allocation, whichever is larger) hold.
 *   9h  Secondary Controller Online: needs the VF enabled (SR-IOV VF
 *       Enable and NumVFs), 2 VQ (admin + one I/O queue pair) and 1 VI.
 *
 * Bad requests: an opcode on a controller that is no primary is Invalid
 * Command Opcode; CNTLID naming none of this primary's secondaries (or,
 * for 1h, not the primary) Invalid Controller Identifier; RT above 1
 * (actions 1h and 8h) Invalid Resource Identifier; too many resources
 * Invalid Number of Controller Resources; Assign to an online secondary
 * or Online without the VF or the resources Invalid Secondary Controller
 * State; any other action Invalid Field in Command.  Completion dword 0
 * is the number of resources modified (1h, 8h).
 *
 * What a controller may use now lives in its queue layer (queues.avail,
 * queues.vectors): set at each Controller Level Reset, and for a
 * secondary when it goes online or offline.  The MSI-X Table Size field
 * follows the vectors; the table itself has room for the maximum.  An
 * offline secondary reports CSTS.CFS and does not become ready.
 *
 * Resets: a controller reset of the primary (CC.EN) applies its pending
 * allocation and leaves the secondaries alone; an FLR or PCI reset of
 * the primary also clears VF Enable (pcie_sriov.c), which takes every
 * secondary offline.  Clearing VF Enable does the same.  A reset of a
 * secondary resets that controller only; it stays online with its
 * resources.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pcie_sriov.h"
#include "system/iothread.h"
#include "migration/vmstate.h"
#include "ctrl.h"
#include "dma.h"
#include "features.h"
#include "migration.h"
#include "queue.h"
#include "regs.h"
#include "sriov-rules.h"
#include "sriov.h"
#include "subsys.h"
#include "trace.h"

#define NVME_SRIOV_ARI_OFFSET   0x100
#define NVME_SRIOV_CAP_OFFSET   0x120
#define NVME_SRIOV_VF_OFFSET    1       /* VF n is function PF + 1 + n */
#define NVME_SRIOV_VF_STRIDE    1
#define NVME_SEC_LIST_MAX       127     /* entries of CNS 15h */

/* Virtualization Management CDW10 */
#define NVME_VM_ACT(dw10)       ((dw10) & 0xf)
#define NVME_VM_RT(dw10)        (((dw10) >> 8) & 0x7)
#define NVME_VM_CNTLID(dw10)    ((dw10) >> 16)

/* Context: main loop.  The primary of a virtual function. */
static NvmeCtrl *nvme_sriov_pf(NvmeCtrl *n)
{
    return NVME(pcie_sriov_get_pf(PCI_DEVICE(n)));
}

/* Context: main loop.  A virtual function's entry in its primary. */
static NvmeSecCtrl *nvme_sriov_sec(NvmeCtrl *n)
{
    return &nvme_sriov_pf(n)->sriov.sec[pcie_sriov_vf_number(PCI_DEVICE(n))];
}

/* Context: main loop.  The controller of a primary's VF @i. */
static NvmeCtrl *nvme_sriov_vf(NvmeCtrl *pf, unsigned i)
{
    return NVME(PCI_DEVICE(pf)->exp.sriov_pf.vf[i]);
}

bool nvme_sriov_is_primary(NvmeCtrl *n)
{
    return n->sriov.max_vfs && !pci_is_vf(PCI_DEVICE(n));
}

/* Context: main loop.  A secondary controller that is not online. */
bool nvme_sriov_offline(NvmeCtrl *n)
{
    return pci_is_vf(PCI_DEVICE(n)) && !nvme_sriov_sec(n)->online;
}

/* Context: main loop.  The primary's private VQ and VI resources. */
static uint32_t nvme_sriov_vqprt(NvmeCtrl *n)
{
    return n->params.max_ioqpairs + 1 - n->sriov.vq_flexible;
}

static uint32_t nvme_sriov_viprt(NvmeCtrl *n)
{
    return n->params.msix_qsize - n->sriov.vi_flexible;
}

/* Context: main loop (realize).  A primary's properties. */
static bool nvme_sriov_check_pf(NvmeCtrl *n, Error **errp)
{
    NvmeSriov *s = &n->sriov;

    if (!n->subsys_dev) {
        error_setg(errp, "nvme: SR-IOV (sriov_max_vfs) needs an nvme-subsys "
                   "('subsys'): the VFs are controllers of it");
        return false;
    }
    if (!s->vq_flexible || !s->vi_flexible) {
        error_setg(errp, "nvme: SR-IOV needs both sriov_vq_flexible and "
                   "sriov_vi_flexible");
        return false;
    }
    if (s->max_vfs >= NVME_SUBSYS_MAX_CTRLS) {
        error_setg(errp, "nvme: sriov_max_vfs must be below %d",
                   NVME_SUBSYS_MAX_CTRLS);
        return false;
    }
    if (s->vq_flexible < NVME_SRIOV_MIN_VQ * s->max_vfs ||
        s->vi_flexible < s->max_vfs) {
        error_setg(errp, "nvme: sriov_vq_flexible must be at least %u and "
                   "sriov_vi_flexible at least %u (2 and 1 per VF)",
                   NVME_SRIOV_MIN_VQ * s->max_vfs, s->max_vfs);
        return false;
    }
    if (s->vq_flexible >= n->params.max_ioqpairs ||
        s->vi_flexible >= n->params.msix_qsize) {
        error_setg(errp, "nvme: the primary keeps max_ioqpairs - "
                   "sriov_vq_flexible (at least 1) I/O queue pairs and "
                   "msix_qsize - sriov_vi_flexible (at least 1) vectors");
        return false;
    }
    s->max_vq_per_vf = s->max_vq_per_vf ?: s->vq_flexible / s->max_vfs;
    s->max_vi_per_vf = s->max_vi_per_vf ?: s->vi_flexible / s->max_vfs;
    if (s->max_vq_per_vf < NVME_SRIOV_MIN_VQ ||
        s->max_vq_per_vf > NVME_MAX_IOQPAIRS + 1) {
        error_setg(errp, "nvme: sriov_max_vq_per_vf must be between %d and "
                   "%d", NVME_SRIOV_MIN_VQ, NVME_MAX_IOQPAIRS + 1);
        return false;
    }
    if (s->max_vi_per_vf < 1 || s->max_vi_per_vf > NVME_MAX_VECTORS) {
        error_setg(errp, "nvme: sriov_max_vi_per_vf must be between 1 and "
                   "%d", NVME_MAX_VECTORS);
        return false;
    }
    if (n->cmb.size_mb || n->pmr.dev) {
        error_setg(errp, "nvme: SR-IOV does not go with a CMB or PMR");
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize of a VF, within its primary's realize).
 * The secondary takes the primary's settings; strings and links are
 * its own copies (its properties release them).
 */
static void nvme_sriov_vf_params(NvmeCtrl *n)
{
    NvmeCtrl *pf = nvme_sriov_pf(n);
    NvmeParams *p = &n->params, *pp = &pf->params;

    p->serial = g_strdup(pp->serial);
    p->model = g_strdup(pp->model);
    p->fw_version = g_strdup(pp->fw_version);
    p->max_ioqpairs = pf->sriov.max_vq_per_vf - 1;
    p->msix_qsize = pf->sriov.max_vi_per_vf;
    p->mqes = pp->mqes;
    p->mdts = pp->mdts;
    p->vsl = pp->vsl;
    p->ctratt_mem = pp->ctratt_mem;
    p->aerl = pp->aerl;
    p->aer_max_queued = pp->aer_max_queued;
    p->ioeventfd = pp->ioeventfd;
    p->dbbuf = pp->dbbuf;
    p->dbcs = pp->dbcs;
    p->use_intel_id = pp->use_intel_id;
    p->zoned = pp->zoned;       /* plain values */
    p->atomic = pp->atomic;
    if (pp->iothread) {
        p->iothread = pp->iothread;
        object_ref(OBJECT(p->iothread));
    }
    n->subsys_dev = pf->subsys_dev;
    object_ref(OBJECT(n->subsys_dev));
}

/* Context: main loop (realize). */
bool nvme_sriov_check_params(NvmeCtrl *n, Error **errp)
{
    if (pci_is_vf(PCI_DEVICE(n))) {
        nvme_sriov_vf_params(n);
        return true;
    }
    return !n->sriov.max_vfs || nvme_sriov_check_pf(n, errp);
}

/*
 * Context: main loop (realize, after BAR0 and MSI-X).  A primary gets ARI
 * and SR-IOV and creates its VFs (which realize at once); a VF gets ARI.
 */
bool nvme_sriov_pci_init(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    NvmeSriov *s = &n->sriov;

    if (pci_is_vf(pci)) {
        pcie_ari_init(pci, NVME_SRIOV_ARI_OFFSET);
        return true;
    }
    if (!s->max_vfs) {
        return true;
    }
    pcie_ari_init(pci, NVME_SRIOV_ARI_OFFSET);
    /*
     * The table size follows the flexible allocation, which the stream
     * brings after the config space: nvme_sriov_post_load() checks it.
     */
    pci_set_word(pci->cmask + pci->msix_cap + PCI_MSIX_FLAGS,
                 pci_get_word(pci->cmask + pci->msix_cap + PCI_MSIX_FLAGS) &
                 ~PCI_MSIX_FLAGS_QSIZE);
    s->sec = g_new0(NvmeSecCtrl, s->max_vfs);
    if (!pcie_sriov_pf_init(pci, NVME_SRIOV_CAP_OFFSET, TYPE_NVME_VF,
                            pci_get_word(pci->config + PCI_DEVICE_ID),
                            s->max_vfs, s->max_vfs, NVME_SRIOV_VF_OFFSET,
                            NVME_SRIOV_VF_STRIDE, errp)) {
        g_free(s->sec);
        s->sec = NULL;
        return false;
    }
    pcie_sriov_pf_init_vf_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                              PCI_BASE_ADDRESS_MEM_TYPE_64,
                              nvme_bar0_size(s->max_vq_per_vf,
                                             s->max_vi_per_vf, false));
    return true;
}

/* Context: main loop (unrealize).  A primary's VFs go first. */
void nvme_sriov_exit(NvmeCtrl *n)
{
    if (nvme_sriov_is_primary(n)) {
        pcie_sriov_pf_exit(PCI_DEVICE(n));
        g_free(n->sriov.sec);
        n->sriov.sec = NULL;
    }
}

/* Context: main loop.  What the host sees of the MSI-X table size. */
static void nvme_sriov_msix_size(NvmeCtrl *n, uint16_t vectors)
{
    PCIDevice *pci = PCI_DEVICE(n);
    uint8_t *flags = pci->config + pci->msix_cap + PCI_MSIX_FLAGS;

    if (msix_present(pci)) {
        pci_set_word(flags, (pci_get_word(flags) & ~PCI_MSIX_FLAGS_QSIZE) |
                     (vectors - 1));
    }
}

/*
 * Context: main loop.  The queue pairs (admin included) and vectors the
 * controller may use: all it was built for, a primary's private plus
 * allocated flexible ones, a secondary's assigned ones (at least the
 * admin queue's pair and one vector, which an offline one cannot use).
 */
static void nvme_sriov_limits(NvmeCtrl *n)
{
    uint32_t avail = n->queues.num;
    uint16_t vectors = n->params.msix_qsize;

    if (pci_is_vf(PCI_DEVICE(n))) {
        NvmeSecCtrl *sec = nvme_sriov_sec(n);

        avail = MAX(sec->nvq, 1);
        vectors = MAX(sec->nvi, 1);
    } else if (n->sriov.max_vfs) {
        avail = nvme_sriov_vqprt(n) + n->sriov.vqrfap;
        vectors = nvme_sriov_viprt(n) + n->sriov.virfap;
    }
    n->queues.avail = avail;
    n->queues.vectors = vectors;
    nvme_sriov_msix_size(n, vectors);
}

/*
 * Context: main loop.  Controller Level Reset (and realize): a primary's
 * pending flexible allocation takes effect.
 */
void nvme_sriov_ctrl_reset(NvmeCtrl *n)
{
    NvmeSriov *s = &n->sriov;

    if (nvme_sriov_is_primary(n)) {
        s->vqrfap = s->vqrfap_next;
        s->virfap = s->virfap_next;
    }
    nvme_sriov_limits(n);
}

/*
 * Context: main loop.  Secondary @i of primary @n goes offline: its
 * controller stops and its flexible resources return to the pool.
 */
static void nvme_sriov_offline_vf(NvmeCtrl *n, unsigned i)
{
    NvmeCtrl *vf = nvme_sriov_vf(n, i);
    NvmeSecCtrl *sec = &n->sriov.sec[i];

    trace_nvme_sriov_offline(vf->cntlid);
    if (sec->online && FIELD_EX32(vf->regs.cc, CC, EN)) {
        nvme_ctrl_reset(vf);
    }
    *sec = (NvmeSecCtrl) { 0 };
    nvme_sriov_limits(vf);
    nvme_features_reset(vf);
}

/*
 * Context: main loop (config space write of a primary).  VFs that were
 * enabled and are no longer (VF Enable cleared) take their secondaries
 * offline.  Resources assigned while the VFs are disabled stay.
 */
void nvme_sriov_vfs_changed(NvmeCtrl *n)
{
    uint16_t now = pcie_sriov_num_vfs(PCI_DEVICE(n));

    if (!nvme_sriov_is_primary(n)) {
        return;
    }
    for (unsigned i = now; i < n->sriov.vfs_enabled; i++) {
        nvme_sriov_offline_vf(n, i);
    }
    n->sriov.vfs_enabled = now;
}

/*
 * Context: main loop.  FLR or PCI reset of a primary: VF Enable is
 * cleared (pcie_sriov_pf_reset), so every secondary goes offline.
 */
void nvme_sriov_pci_reset(NvmeCtrl *n)
{
    if (nvme_sriov_is_primary(n)) {
        for (unsigned i = 0; i < n->sriov.max_vfs; i++) {
            nvme_sriov_offline_vf(n, i);
        }
        n->sriov.vfs_enabled = 0;
    }
}

/* ---- Virtualization Management (admin 1Ch) ---- */

/* Context: main loop.  The VF index of secondary controller @cntlid. */
static int nvme_sriov_find(NvmeCtrl *n, uint16_t cntlid)
{
    for (unsigned i = 0; i < n->sriov.max_vfs; i++) {
        if (nvme_sriov_vf(n, i)->cntlid == cntlid) {
            return i;
        }
    }
    return -1;
}

/* Context: main loop.  Action 1h: takes effect at the next reset. */
static uint16_t nvme_vm_prim_alloc(NvmeCtrl *n, NvmeRequest *req, uint8_t rt,
                                   uint16_t nr)
{
    NvmeSriov *s = &n->sriov;
    uint16_t status = nvme_sriov_check_prim_alloc(s, rt, nr);

    if (status) {
        return nvme_req_reject(req, status, 44, 0, "virt-mgmt: more than "
                               "the flexible resources the secondaries "
                               "leave");
    }
    if (rt == NVME_VIRT_RES_QUEUE) {
        s->vqrfap_next = nr;
    } else {
        s->virfap_next = nr;
    }
    req->result = nr;
    return NVME_SUCCESS;
}

/* Context: main loop.  Action 8h on secondary @i. */
static uint16_t nvme_vm_sec_assign(NvmeCtrl *n, NvmeRequest *req, int i,
                                   uint8_t rt, uint16_t nr)
{
    NvmeSecCtrl *sec = &n->sriov.sec[i];
    uint16_t status = nvme_sriov_check_assign(&n->sriov, i, rt, nr);

    if (status == (NVME_INVALID_SEC_CTRL_STATE | NVME_DNR)) {
        return nvme_req_reject(req, status, 42, 0, "virt-mgmt: assign to "
                               "an online secondary controller");
    }
    if (status) {
        return nvme_req_reject(req, status, 44, 0, "virt-mgmt: more "
                               "resources than a secondary may have or the "
                               "pool has left");
    }
    if (rt == NVME_VIRT_RES_QUEUE) {
        sec->nvq = nr;
    } else {
        sec->nvi = nr;
    }
    nvme_sriov_limits(nvme_sriov_vf(n, i));
    req->result = nr;
    return NVME_SUCCESS;
}

/* Context: main loop.  Action 9h on secondary @i. */
static uint16_t nvme_vm_sec_online(NvmeCtrl *n, NvmeRequest *req, int i)
{
    NvmeSecCtrl *sec = &n->sriov.sec[i];
    NvmeCtrl *vf = nvme_sriov_vf(n, i);

    uint16_t num = pcie_sriov_num_vfs(PCI_DEVICE(n));
    uint16_t status = nvme_sriov_check_online(&n->sriov, i, num);

    if (status) {
        return nvme_req_reject(req, status, 42, 0, "virt-mgmt: online needs "
                               "the secondary's VF enabled, 2 VQ and 1 VI "
                               "resources");
    }
    sec->online = true;
    trace_nvme_sriov_online(vf->cntlid, sec->nvq, sec->nvi);
    nvme_sriov_limits(vf);
    nvme_features_reset(vf);    /* Number of Queues: what it has now */
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_virt_mgmt(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t act = NVME_VM_ACT(dw10), rt = NVME_VM_RT(dw10);
    uint16_t cntlid = NVME_VM_CNTLID(dw10);
    uint16_t nr = le32_to_cpu(req->cmd.cdw11) & 0xffff;
    int i;

    if (!nvme_sriov_is_primary(n)) {
        return NVME_INVALID_OPCODE | NVME_DNR;
    }
    trace_nvme_virt_mgmt(act, rt, cntlid, nr);
    switch (act) {
    case NVME_VIRT_MNGMT_ACTION_PRM_ALLOC:
    case NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN:
        if (rt > NVME_VIRT_RES_INTERRUPT) {
            return nvme_req_reject(req, NVME_INVALID_RESOURCE_ID | NVME_DNR,
                                   41, 0, "virt-mgmt: RT is neither VQ "
                                   "nor VI");
        }
        break;
    case NVME_VIRT_MNGMT_ACTION_SEC_OFFLINE:
    case NVME_VIRT_MNGMT_ACTION_SEC_ONLINE:
        break;
    default:
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "virt-mgmt: reserved action");
    }
    if (act == NVME_VIRT_MNGMT_ACTION_PRM_ALLOC) {
        if (cntlid != n->cntlid) {
            return nvme_req_reject(req, NVME_INVALID_CTRL_ID | NVME_DNR, 42,
                                   0, "virt-mgmt: CNTLID is not the "
                                   "primary's");
        }
        return nvme_vm_prim_alloc(n, req, rt, nr);
    }
    i = nvme_sriov_find(n, cntlid);
    if (i < 0) {
        return nvme_req_reject(req, NVME_INVALID_CTRL_ID | NVME_DNR, 42, 0,
                               "virt-mgmt: CNTLID is none of this "
                               "primary's secondary controllers");
    }
    switch (act) {
    case NVME_VIRT_MNGMT_ACTION_SEC_OFFLINE:
        nvme_sriov_offline_vf(n, i);
        return NVME_SUCCESS;
    case NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN:
        return nvme_vm_sec_assign(n, req, i, rt, nr);
    default:
        return nvme_vm_sec_online(n, req, i);
    }
}

/* ---- Identify CNS 14h and 15h ---- */

static uint16_t nvme_sriov_refuse(NvmeRequest *req)
{
    return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                           "identify: no Virtualization Management "
                           "(OACS bit 7): not a primary controller");
}

/* Context: main loop.  CNS 14h: Primary Controller Capabilities. */
uint16_t nvme_identify_pri_ctrl_cap(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid)
{
    NvmeSriov *s = &n->sriov;
    NvmePriCtrlCap cap = {
        .cntlid = cpu_to_le16(n->cntlid),
        .crt = NVME_CRT_VQ | NVME_CRT_VI,
        .vqfrt = cpu_to_le32(s->vq_flexible),
        .vqrfap = cpu_to_le16(s->vqrfap),
        .vqfrsm = cpu_to_le16(s->max_vq_per_vf),
        .vqgran = cpu_to_le16(1),
        .vifrt = cpu_to_le32(s->vi_flexible),
        .virfap = cpu_to_le16(s->virfap),
        .vifrsm = cpu_to_le16(s->max_vi_per_vf),
        .vigran = cpu_to_le16(1),
    };

    if (!nvme_sriov_is_primary(n)) {
        return nvme_sriov_refuse(req);
    }
    cap.vqrfa = cpu_to_le32(nvme_sriov_assigned(s, NVME_VIRT_RES_QUEUE, -1));
    cap.virfa = cpu_to_le32(nvme_sriov_assigned(s, NVME_VIRT_RES_INTERRUPT,
                                                -1));
    cap.vqprt = cpu_to_le16(nvme_sriov_vqprt(n));
    cap.viprt = cpu_to_le16(nvme_sriov_viprt(n));
    return nvme_dma_to_guest(n, req, &cap, sizeof(cap));
}

/*
 * Context: main loop.  CNS 15h: Secondary Controller List, the
 * secondaries whose id is CNTID (CDW10 31:16) or above, ascending.
 */
uint16_t nvme_identify_sec_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    uint16_t from = le32_to_cpu(req->cmd.cdw10) >> 16;
    g_autofree NvmeSecCtrlList *list = g_new0(NvmeSecCtrlList, 1);
    uint16_t next = from;

    if (!nvme_sriov_is_primary(n)) {
        return nvme_sriov_refuse(req);
    }
    /* VFs can have any ids: pick them in ascending order */
    while (list->numcntl < NVME_SEC_LIST_MAX) {
        int best = -1;

        for (unsigned i = 0; i < n->sriov.max_vfs; i++) {
            uint16_t id = nvme_sriov_vf(n, i)->cntlid;

            if (id >= next &&
                (best < 0 || id < nvme_sriov_vf(n, best)->cntlid)) {
                best = i;
            }
        }
        if (best < 0) {
            break;
        }
        list->sec[list->numcntl++] = (NvmeSecCtrlEntry) {
            .scid = cpu_to_le16(nvme_sriov_vf(n, best)->cntlid),
            .pcid = cpu_to_le16(n->cntlid),
            .scs = n->sriov.sec[best].online,
            .vfn = cpu_to_le16(best + 1),
            .nvq = cpu_to_le16(n->sriov.sec[best].nvq),
            .nvi = cpu_to_le16(n->sriov.sec[best].nvi),
        };
        next = nvme_sriov_vf(n, best)->cntlid + 1;
    }
    return nvme_dma_to_guest(n, req, list, sizeof(*list));
}

/* ---- migration ---- */

/*
 * A VF is an "nvme" whose state travels inside its primary's section
 * (nvme_vmstate_sriov_vfs) rather than in a section of its own: QEMU
 * realizes the VFs within the primary's realize, so their own sections
 * would come first in the stream, and the primary's config space, loaded
 * after them, enables the VFs, which resets them (pci_set_enabled()).
 */
static void nvme_vf_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    dc->vmsd = NULL;
    dc->user_creatable = false;
}

static const TypeInfo nvme_vf_types[] = {
    {
        .name = TYPE_NVME_VF,
        .parent = TYPE_NVME,
        .class_init = nvme_vf_class_init,
    },
};

DEFINE_TYPES(nvme_vf_types)

static bool nvme_sriov_mig_needed(void *opaque)
{
    return nvme_sriov_is_primary(opaque);
}

static const VMStateDescription nvme_vmstate_sec_ctrl = {
    .name = "nvme-secondary-ctrl",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(online, NvmeSecCtrl),
        VMSTATE_UINT16(nvq, NvmeSecCtrl),
        VMSTATE_UINT16(nvi, NvmeSecCtrl),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Context: main loop (load, after the primary's config space and before
 * its queues and its VFs).  The limits follow the loaded resources; the
 * primary's MSI-X Table Size, loaded unchecked, must be theirs.
 */
static int nvme_sriov_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    PCIDevice *pci = PCI_DEVICE(n);
    const char *why = nvme_sriov_state_invalid(&n->sriov,
                                               pcie_sriov_num_vfs(pci));
    uint16_t qsize = pci_get_word(pci->config + pci->msix_cap +
                                  PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE;

    if (why) {
        return nvme_mig_bad(n, "SR-IOV: %s", why);
    }
    nvme_sriov_limits(n);
    if (qsize + 1 != n->queues.vectors) {
        return nvme_mig_bad(n, "SR-IOV: MSI-X table size %u where the "
                            "primary has %u vectors", qsize + 1,
                            n->queues.vectors);
    }
    for (unsigned i = 0; i < n->sriov.max_vfs; i++) {
        nvme_sriov_limits(nvme_sriov_vf(n, i));
    }
    return 0;
}

/* The primary's allocation and what it keeps of its secondaries. */
const VMStateDescription nvme_vmstate_sriov = {
    .name = "nvme/sriov",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_sriov_mig_needed,
    .post_load = nvme_sriov_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_EQUAL(sriov.max_vfs, NvmeCtrl, NULL),
        VMSTATE_UINT16(sriov.vfs_enabled, NvmeCtrl),
        VMSTATE_UINT16(sriov.vqrfap, NvmeCtrl),
        VMSTATE_UINT16(sriov.virfap, NvmeCtrl),
        VMSTATE_UINT16(sriov.vqrfap_next, NvmeCtrl),
        VMSTATE_UINT16(sriov.virfap_next, NvmeCtrl),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT16(sriov.sec, NvmeCtrl,
                                             sriov.max_vfs,
                                             nvme_vmstate_sec_ctrl,
                                             NvmeSecCtrl),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * The secondary controllers, after everything of the primary (its
 * namespaces, which they may have attached, included).
 */
const VMStateDescription nvme_vmstate_sriov_vfs = {
    .name = "nvme/sriov-vfs",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_sriov_mig_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_EQUAL(sriov.max_vfs, NvmeCtrl, NULL),
        {
            /* each VF's whole state, as its own section would have it */
            .name = "vfs",
            .vmsd = &nvme_vmstate_vf,
            .num_offset = offsetof(NvmeCtrl, sriov.max_vfs),
            .size = sizeof(PCIDevice *),
            .flags = VMS_STRUCT | VMS_VARRAY_UINT16 | VMS_POINTER |
                     VMS_ARRAY_OF_POINTER,
            .offset = offsetof(NvmeCtrl, parent_obj.exp.sriov_pf.vf),
        },
        /*
         * A VF's subsections are "nvme/..." like its primary's: the last
         * VF's load must stop here, at a byte that is no subsection
         * marker (05h): 00h, as max_vfs < NVME_SUBSYS_MAX_CTRLS (256).
         */
        VMSTATE_UINT16_EQUAL(sriov.max_vfs, NvmeCtrl, NULL),
        VMSTATE_END_OF_LIST()
    },
};

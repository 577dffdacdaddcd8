/*
 * qtest: SR-IOV and Virtualization Enhancements ("sriov_*").
 *
 * The PF's ARI and SR-IOV capabilities and VF BAR sizing, Identify
 * Primary Controller Capabilities (CNS 14h) and Secondary Controller List
 * (CNS 15h), every Virtualization Management action and each bad request,
 * secondary controllers (VFs) brought online with their resources and
 * doing I/O on a namespace attached to them, flexible resources of the
 * primary applied at its reset, what resets and VF Enable do to the
 * others, and the configurations QEMU refuses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR         NVME_DNR
#define LBASZ       512
#define ACT_PRM     NVME_VIRT_MNGMT_ACTION_PRM_ALLOC
#define ACT_OFF     NVME_VIRT_MNGMT_ACTION_SEC_OFFLINE
#define ACT_ASSIGN  NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN
#define ACT_ON      NVME_VIRT_MNGMT_ACTION_SEC_ONLINE
#define RT_VQ       NVME_VIRT_RES_QUEUE
#define RT_VI       NVME_VIRT_RES_INTERRUPT

/*
 * The configuration: 4 VFs, 8 flexible queue pairs and 4 vectors,
 * at most 4 and 2 per VF (and @extra); namespace 1 private and detached
 * (for VFs to get), namespace 2 shared (attached everywhere).
 */
static NvmeDrv *pf_boot(const char *extra)
{
    g_autofree char *img2 = nvme_drv_make_image(16 * 1024 * 1024);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d1,format=raw "
        "-drive file=%s,if=none,id=d2,format=raw "
        "-device nvme-subsys,id=s0,nqn=sriov0 "
        "-device nvme,id=pf,serial=sriov0,subsys=s0,sriov_max_vfs=4,"
        "sriov_vq_flexible=8,sriov_vi_flexible=4,sriov_max_vi_per_vf=2,"
        "sriov_max_vq_per_vf=4%s "
        "-device nvme-ns,drive=d1,bus=pf,nsid=1,shared=off,detached=on "
        "-device nvme-ns,drive=d2,bus=pf,nsid=2", img2, extra);
    NvmeDrv *d = nvme_drv_start_args(args);

    unlink(img2);               /* QEMU has it open */
    return d;
}

static NvmeDrv *pf_start(const char *extra)
{
    NvmeDrv *d = pf_boot(extra);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    return d;
}

static void pcc(NvmeDrv *d, NvmePriCtrlCap *cap)
{
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_PRIMARY_CTRL_CAP, 0, 0,
                                      cap), ==, NVME_SUCCESS);
}

static uint16_t vm(NvmeDrv *d, uint8_t act, uint8_t rt, uint16_t cntlid,
                   uint16_t nr)
{
    return nvme_drv_virt_mgmt(d, act, rt, cntlid, nr, NULL);
}

/* A ready VF @i, brought online with @nvq/@nvi, MSI-X on. */
static NvmeDrv *vf_up(NvmeDrv *pf, unsigned i, uint16_t nvq, uint16_t nvi)
{
    NvmeDrv *v = nvme_drv_vf(pf, i);

    nvme_drv_vf_online(pf, nvme_drv_vf_cntlid(pf, i), nvq, nvi);
    nvme_drv_msix_enable(v);
    nvme_drv_enable(v, 16, 16);
    return v;
}

/* Write then read back @blocks at @slba of @nsid through queue 1. */
static void io_roundtrip(NvmeDrv *d, uint32_t nsid, uint64_t slba,
                         uint32_t seed)
{
    uint8_t w[4 * LBASZ], r[4 * LBASZ];

    for (size_t k = 0; k < sizeof(w); k++) {
        w[k] = (uint8_t)(seed * 17 + k * 5);
    }
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, nsid, slba, 4, LBASZ,
                                w, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, nsid, slba, 4, LBASZ,
                                r, 0), ==, NVME_SUCCESS);
    g_assert_cmpmem(w, sizeof(w), r, sizeof(r));
}

/* ---- PCI ---- */

static void test_pci_caps(void)
{
    NvmeDrv *d = pf_boot("");
    int fn = d->pdev->devfn;
    uint16_t sr = nvme_drv_ecap(d, fn, PCI_EXT_CAP_ID_SRIOV);
    uint8_t exp = qpci_find_capability(d->pdev, PCI_CAP_ID_EXP, 0);

    g_assert_cmphex(nvme_drv_ecap(d, fn, PCI_EXT_CAP_ID_ARI), ==, 0x100);
    g_assert_cmphex(sr, ==, 0x120);
    g_assert_cmpuint(nvme_drv_ecfg_readw(d, fn, sr + PCI_SRIOV_TOTAL_VF), ==,
                     4);
    g_assert_cmpuint(nvme_drv_ecfg_readw(d, fn, sr + PCI_SRIOV_INITIAL_VF),
                     ==, 4);
    g_assert_cmpuint(nvme_drv_ecfg_readw(d, fn, sr + PCI_SRIOV_VF_OFFSET),
                     ==, 1);
    g_assert_cmpuint(nvme_drv_ecfg_readw(d, fn, sr + PCI_SRIOV_VF_STRIDE),
                     ==, 1);
    g_assert_cmphex(nvme_drv_ecfg_readw(d, fn, sr + PCI_SRIOV_VF_DID), ==,
                    NVME_PCI_DEVICE_ID);
    g_assert_cmphex(nvme_drv_ecfg_readl(d, fn, sr + PCI_SRIOV_SUP_PGSIZE),
                    ==, 0x553);
    /* the PF: 65 - 4 vectors of its own; FLR (Linux's way to reset it) */
    g_assert_cmpuint(qpci_msix_table_size(d->pdev), ==, 61);
    g_assert_cmphex(qpci_config_readl(d->pdev, exp + PCI_EXP_DEVCAP) &
                    PCI_EXP_DEVCAP_FLR, !=, 0);
    /* VF BAR0: registers, 4 queues' doorbells, 2 vectors: 16 KiB */
    nvme_drv_sriov_enable(d, 4);
    g_assert_cmphex(d->vf_bar_size, ==, 0x4000);
    nvme_drv_stop(d);

    /* no sriov_max_vfs: no ARI, no SR-IOV */
    d = nvme_drv_start(NULL, NULL);
    g_assert_cmphex(nvme_drv_ecap(d, d->pdev->devfn, PCI_EXT_CAP_ID_SRIOV),
                    ==, 0);
    g_assert_cmphex(nvme_drv_ecap(d, d->pdev->devfn, PCI_EXT_CAP_ID_ARI),
                    ==, 0);
    nvme_drv_stop(d);
}

/* A VF: no INTx, IDs FFFFh, MSI-X sized by its VI resources. */
static void test_vf_pci(void)
{
    NvmeDrv *d = pf_start("");
    NvmeDrv *v;

    nvme_drv_sriov_enable(d, 2);
    v = nvme_drv_vf(d, 1);
    g_assert_cmpuint(qpci_config_readb(v->pdev, PCI_INTERRUPT_PIN), ==, 0);
    g_assert_cmpuint(qpci_config_readw(v->pdev, PCI_CLASS_DEVICE), ==,
                     0x0108);
    g_assert_cmpuint(qpci_msix_table_size(v->pdev), ==, 1);
    g_assert_cmphex(nvme_drv_ecap(d, v->pdev->devfn, PCI_EXT_CAP_ID_ARI), ==,
                    0x100);
    nvme_drv_vf_online(d, nvme_drv_vf_cntlid(d, 1), 3, 2);
    g_assert_cmpuint(qpci_msix_table_size(v->pdev), ==, 2);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/* ---- Identify ---- */

static void test_identify(void)
{
    NvmeDrv *d = pf_start("");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    g_autofree NvmeSecCtrlList *l = g_malloc(4096);
    g_autofree uint16_t *ids = g_malloc(4096);
    NvmePriCtrlCap cap;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_VMS, !=, 0);
    pcc(d, &cap);
    g_assert_cmpuint(le16_to_cpu(cap.cntlid), ==, le16_to_cpu(id->cntlid));
    g_assert_cmpuint(cap.crt, ==, NVME_CRT_VQ | NVME_CRT_VI);
    g_assert_cmpuint(le32_to_cpu(cap.vqfrt), ==, 8);
    g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 0);
    g_assert_cmpuint(le16_to_cpu(cap.vqrfap), ==, 0);
    g_assert_cmpuint(le16_to_cpu(cap.vqprt), ==, 57);     /* 64 + 1 - 8 */
    g_assert_cmpuint(le16_to_cpu(cap.vqfrsm), ==, 4);
    g_assert_cmpuint(le16_to_cpu(cap.vqgran), ==, 1);
    g_assert_cmpuint(le32_to_cpu(cap.vifrt), ==, 4);
    g_assert_cmpuint(le16_to_cpu(cap.viprt), ==, 61);      /* 65 - 4 */
    g_assert_cmpuint(le16_to_cpu(cap.vifrsm), ==, 2);
    g_assert_cmpuint(le16_to_cpu(cap.vigran), ==, 1);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                      0, l), ==, NVME_SUCCESS);
    g_assert_cmpuint(l->numcntl, ==, 4);
    for (unsigned i = 0; i < 4; i++) {
        g_assert_cmpuint(le16_to_cpu(l->sec[i].scid), ==, i + 1);
        g_assert_cmpuint(le16_to_cpu(l->sec[i].pcid), ==, 0);
        g_assert_cmpuint(le16_to_cpu(l->sec[i].vfn), ==, i + 1);
        g_assert_cmpuint(l->sec[i].scs, ==, 0);
        g_assert_cmpuint(le16_to_cpu(l->sec[i].nvq), ==, 0);
    }
    /* from CNTID 3 (CDW10 31:16) */
    {
        NvmeCmd cmd;
        uint64_t buf = nvme_drv_alloc(d, 4096);

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
        nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
        cmd.cdw10 = NVME_ID_CNS_SECONDARY_CTRL_LIST | (3u << 16);
        g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, NVME_SUCCESS);
        nvme_drv_memread(d, buf, l, 4096);
        g_assert_cmpuint(l->numcntl, ==, 2);
        g_assert_cmpuint(le16_to_cpu(l->sec[0].scid), ==, 3);
    }
    /* CNS 13h: the subsystem has the PF and its 4 VFs */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL_LIST, 0, 0, ids),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(ids[0]), ==, 5);
    nvme_drv_stop(d);
}

/*
 * Without SR-IOV, and on a secondary: no Virtualization Management
 * (OACS bit 7 clear, 1Ch Invalid Opcode and absent from the Commands
 * Supported and Effects log, CNS 14h/15h Invalid Field).
 */
static void test_not_primary(void)
{
    NvmeDrv *d = pf_start("");
    NvmeDrv *plain = nvme_drv_start_ready(NULL);
    NvmeDrv *ctl[3] = { plain, NULL, d };
    g_autofree NvmeEffectsLog *log = g_malloc(sizeof(*log));
    g_autofree NvmeIdCtrl *id = g_malloc(4096);

    nvme_drv_sriov_enable(d, 1);
    ctl[1] = vf_up(d, 0, 2, 1);
    for (int k = 0; k < 3; k++) {
        bool prim = ctl[k] == d;

        g_assert_cmphex(nvme_drv_identify(ctl[k], NVME_ID_CNS_CTRL, 0, 0,
                                          id), ==, NVME_SUCCESS);
        g_assert_cmpuint(!!(le16_to_cpu(id->oacs) & NVME_OACS_VMS), ==,
                         prim);
        /*
         * CMIC bit 2 (NVMe Base 2.1 figure "Identify Controller Data
         * Structure, I/O Command Set Independent", byte 76): set by the
         * controller of an SR-IOV Virtual Function only; bit 1 (several
         * controllers) by the PF and VF of the subsystem.
         */
        g_assert_cmpuint(!!(id->cmic & (1u << 2)), ==, k == 1);
        g_assert_cmpuint(!!(id->cmic & (1u << 1)), ==, k != 0);
        g_assert_cmphex(nvme_drv_get_log(ctl[k], NVME_LOG_CMD_EFFECTS, 0, 0,
                                         log, sizeof(*log)), ==,
                        NVME_SUCCESS);
        g_assert_cmphex(le32_to_cpu(log->acs[NVME_ADM_CMD_VIRT_MNGMT]), ==,
                        prim ? NVME_CMD_EFF_CSUPP | NVME_CMD_EFF_CCC : 0);
        if (prim) {
            continue;
        }
        g_assert_cmphex(vm(ctl[k], ACT_ON, 0, 1, 0), ==,
                        NVME_INVALID_OPCODE | DNR);
        g_assert_cmphex(nvme_drv_identify(ctl[k],
                                          NVME_ID_CNS_PRIMARY_CTRL_CAP, 0, 0,
                                          NULL), ==,
                        NVME_INVALID_FIELD | DNR);
        g_assert_cmphex(nvme_drv_identify(ctl[k],
                                          NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                          0, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    nvme_drv_stop_peer(ctl[1]);
    nvme_drv_stop(d);
    nvme_drv_stop(plain);
}

/* ---- Virtualization Management ---- */

static void test_virt_mgmt_errors(void)
{
    NvmeDrv *d = pf_start("");
    NvmePriCtrlCap cap;
    uint32_t nrm;

    /* actions 0, 2..6, Ah..Fh */
    for (uint8_t act = 0; act < 16; act++) {
        if (act != ACT_PRM && (act < ACT_OFF || act > ACT_ON)) {
            g_assert_cmphex(vm(d, act, 0, 1, 1), ==,
                            NVME_INVALID_FIELD | DNR);
        }
    }
    /* RT other than VQ/VI: Invalid Resource Identifier */
    g_assert_cmphex(vm(d, ACT_ASSIGN, 2, 1, 1), ==,
                    NVME_INVALID_RESOURCE_ID | DNR);
    g_assert_cmphex(vm(d, ACT_PRM, 7, 0, 1), ==,
                    NVME_INVALID_RESOURCE_ID | DNR);
    /* CNTLID: not a secondary of this primary, or not the primary */
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 0, 1), ==,
                    NVME_INVALID_CTRL_ID | DNR);
    g_assert_cmphex(vm(d, ACT_ON, 0, 99, 0), ==,
                    NVME_INVALID_CTRL_ID | DNR);
    g_assert_cmphex(vm(d, ACT_OFF, 0, 0xffff, 0), ==,
                    NVME_INVALID_CTRL_ID | DNR);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VQ, 1, 1), ==,
                    NVME_INVALID_CTRL_ID | DNR);
    /* too many: above VQFRSM/VIFRSM, above what the pool has */
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 1, 5), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VI, 1, 3), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VI, 0, 5), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 1, 4), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 2, 4), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 3, 1), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VQ, 0, 1), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    /* assign replaces: 4 -> 1 frees 3 */
    g_assert_cmphex(nvme_drv_virt_mgmt(d, ACT_ASSIGN, RT_VQ, 2, 1, &nrm), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(nrm, ==, 1);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 3, 3), ==, NVME_SUCCESS);
    pcc(d, &cap);
    g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 8);
    /* online: the VF must be enabled and have 2 VQ and 1 VI */
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VI, 1, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_ON, 0, 1, 0), ==,
                    NVME_INVALID_SEC_CTRL_STATE | DNR);
    nvme_drv_sriov_enable(d, 4);
    g_assert_cmphex(vm(d, ACT_ON, 0, 2, 0), ==,
                    NVME_INVALID_SEC_CTRL_STATE | DNR);     /* 1 VQ, 0 VI */
    g_assert_cmphex(vm(d, ACT_ON, 0, 1, 0), ==, NVME_SUCCESS);
    /* an online secondary takes no assignment */
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VI, 1, 2), ==,
                    NVME_INVALID_SEC_CTRL_STATE | DNR);
    /* the error log names the field */
    {
        NvmeErrorLog e;

        g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &e,
                                         sizeof(e)), ==, NVME_SUCCESS);
        g_assert_cmphex(le16_to_cpu(e.status_field) >> 1, ==,
                        NVME_INVALID_SEC_CTRL_STATE | DNR);
        g_assert_cmpuint(le16_to_cpu(e.param_error_location), ==, 42);
    }
    nvme_drv_stop(d);
}

/*
 * The upstream documentation's sequence: give the primary's flexible
 * resources away (already none allocated: 0), reset it, enable VFs,
 * assign, online; the Secondary Controller List follows each step.
 */
static void test_assign_online_offline(void)
{
    NvmeDrv *d = pf_start("");
    g_autofree NvmeSecCtrlList *l = g_malloc(4096);
    NvmePriCtrlCap cap;
    uint32_t nrm = 99;

    g_assert_cmphex(nvme_drv_virt_mgmt(d, ACT_PRM, RT_VI, 0, 0, &nrm), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(nrm, ==, 0);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VQ, 0, 0), ==, NVME_SUCCESS);
    nvme_drv_sriov_enable(d, 1);
    nvme_drv_vf_online(d, 1, 4, 2);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                      0, l), ==, NVME_SUCCESS);
    g_assert_cmpuint(l->sec[0].scs, ==, 1);
    g_assert_cmpuint(le16_to_cpu(l->sec[0].nvq), ==, 4);
    g_assert_cmpuint(le16_to_cpu(l->sec[0].nvi), ==, 2);
    pcc(d, &cap);
    g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 4);
    g_assert_cmpuint(le32_to_cpu(cap.virfa), ==, 2);
    /* offline returns the resources */
    g_assert_cmphex(vm(d, ACT_OFF, 0, 1, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                      0, l), ==, NVME_SUCCESS);
    g_assert_cmpuint(l->sec[0].scs, ==, 0);
    g_assert_cmpuint(le16_to_cpu(l->sec[0].nvq), ==, 0);
    pcc(d, &cap);
    g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 0);
    g_assert_cmpuint(le32_to_cpu(cap.virfa), ==, 0);
    nvme_drv_stop(d);
}

/* ---- secondary controllers at work ---- */

/*
 * A VF: its own controller id, the subsystem's serial, the queues and
 * vectors assigned (Number of Queues, Invalid QID/Interrupt Vector past
 * them), I/O on the shared namespace and on the private one once
 * attached to it, an MSI-X interrupt.
 */
static void test_vf_io(void)
{
    NvmeDrv *d = pf_start("");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    uint16_t vfid, cntlid;
    uint32_t nq;
    NvmeDrv *v;

    nvme_drv_sriov_enable(d, 4);
    cntlid = nvme_drv_vf_cntlid(d, 2);
    v = vf_up(d, 2, 3, 2);
    g_assert_cmphex(nvme_drv_identify(v, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    vfid = le16_to_cpu(id->cntlid);
    g_assert_cmpuint(vfid, ==, cntlid);
    g_assert_cmpmem(id->sn, 6, "sriov0", 6);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_VMS, ==, 0);
    /* 3 VQ: admin + 2 I/O queue pairs */
    g_assert_cmphex(nvme_drv_get_features(v, NVME_NUMBER_OF_QUEUES, 0, 0,
                                          &nq), ==, NVME_SUCCESS);
    g_assert_cmphex(nq, ==, 0x00010001);
    g_assert_cmphex(nvme_drv_set_features(v, NVME_NUMBER_OF_QUEUES,
                                          0x00100010, &nq), ==, NVME_SUCCESS);
    g_assert_cmphex(nq, ==, 0x00010001);
    g_assert_cmphex(nvme_drv_create_cq(v, 3, 16, 0, true), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_cq(v, 2, 16, 2, true), ==,
                    NVME_INVALID_IRQ_VECTOR | DNR);
    nvme_drv_create_qpair(v, 1, 16);
    nvme_drv_create_qpair(v, 2, 16);

    /* namespace 2 (shared) is everywhere, namespace 1 is attached to it */
    io_roundtrip(v, 2, 8, 1);
    g_assert_cmphex(nvme_drv_rw(v, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL,
                                0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_ns_attach(d, 1, 0, &vfid, 1), ==, NVME_SUCCESS);
    nvme_drv_msix_clear_all(v);
    io_roundtrip(v, 1, 16, 2);
    g_assert_true(nvme_drv_msix_wait(v, 1, 2000));
    {
        uint8_t r[LBASZ];

        g_assert_cmphex(nvme_drv_rw(v, 2, NVME_CMD_READ, 1, 16, 1, LBASZ, r,
                                    0), ==, NVME_SUCCESS);
        g_assert_cmpuint(r[1], ==, (uint8_t)(2 * 17 + 5));
    }
    /* not attached to the PF */
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL,
                                0), ==, NVME_INVALID_FIELD | DNR);
    io_roundtrip(d, 2, 64, 3);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/*
 * An offline secondary: CSTS.CFS, enabling refused; taken offline while
 * working, it stops.
 */
static void test_vf_offline(void)
{
    NvmeDrv *d = pf_start("");
    NvmeDrv *v;
    uint16_t id;

    nvme_drv_sriov_enable(d, 1);
    v = nvme_drv_vf(d, 0);
    id = nvme_drv_vf_cntlid(d, 0);
    g_assert_cmphex(nvme_drv_rd32(v, NVME_REG_CSTS), ==, NVME_CSTS_FAILED);
    nvme_drv_msix_enable(v);
    /* enabling is synchronous: refused at once */
    nvme_drv_wr32(v, NVME_REG_AQA, 0x000f000f);
    nvme_drv_wr64_split(v, NVME_REG_ASQ, nvme_drv_alloc(v, 4096));
    nvme_drv_wr64_split(v, NVME_REG_ACQ, nvme_drv_alloc(v, 4096));
    nvme_drv_wr32(v, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_cmphex(nvme_drv_rd32(v, NVME_REG_CSTS), ==, NVME_CSTS_FAILED);
    nvme_drv_wr32(v, NVME_REG_CC, 0);

    nvme_drv_vf_online(d, id, 2, 1);
    g_assert_cmphex(nvme_drv_rd32(v, NVME_REG_CSTS), ==, 0);
    nvme_drv_enable(v, 16, 16);
    nvme_drv_create_qpair(v, 1, 16);
    io_roundtrip(v, 2, 0, 4);
    g_assert_cmphex(vm(d, ACT_OFF, 0, id, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rd32(v, NVME_REG_CSTS) &
                    (NVME_CSTS_READY | NVME_CSTS_FAILED), ==,
                    NVME_CSTS_FAILED);
    nvme_drv_disable(v);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/*
 * Flexible resources allocated to the primary count from its next
 * Controller Level Reset: more queues and vectors, fewer for VFs.
 */
static void test_primary_allocation(void)
{
    NvmeDrv *d = pf_boot(",max_ioqpairs=10,msix_qsize=8");
    NvmePriCtrlCap cap;
    uint32_t nq;

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    /* private: 11 - 8 = 3 VQ (2 I/O queue pairs), 8 - 4 = 4 VI */
    g_assert_cmpuint(qpci_msix_table_size(d->pdev), ==, 4);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0,
                                          &nq), ==, NVME_SUCCESS);
    g_assert_cmphex(nq, ==, 0x00010001);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VQ, 0, 3), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_PRM, RT_VI, 0, 2), ==, NVME_SUCCESS);
    pcc(d, &cap);
    g_assert_cmpuint(le16_to_cpu(cap.vqrfap), ==, 0);       /* not yet */
    /* what is pending for the primary cannot go to a secondary */
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VI, 1, 2), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VI, 2, 1), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 1, 4), ==, NVME_SUCCESS);
    g_assert_cmphex(vm(d, ACT_ASSIGN, RT_VQ, 2, 2), ==,
                    NVME_INVALID_NUM_RESOURCES | DNR);

    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    pcc(d, &cap);
    g_assert_cmpuint(le16_to_cpu(cap.vqrfap), ==, 3);
    g_assert_cmpuint(le16_to_cpu(cap.virfap), ==, 2);
    g_assert_cmpuint(qpci_msix_table_size(d->pdev), ==, 6);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0,
                                          &nq), ==, NVME_SUCCESS);
    g_assert_cmphex(nq, ==, 0x00040004);
    nvme_drv_stop(d);
}

/* ---- resets ---- */

/*
 * A controller reset of the primary leaves a secondary working; one of
 * the secondary leaves the primary and the other secondary alone, and it
 * stays online.
 */
static void test_ctrl_resets(void)
{
    NvmeDrv *d = pf_start("");
    NvmeDrv *v0, *v1;

    nvme_drv_create_qpair(d, 1, 16);
    nvme_drv_sriov_enable(d, 2);
    v0 = vf_up(d, 0, 2, 1);
    v1 = vf_up(d, 1, 2, 1);
    nvme_drv_create_qpair(v0, 1, 16);
    nvme_drv_create_qpair(v1, 1, 16);
    nvme_drv_disable(d);
    io_roundtrip(v0, 2, 0, 5);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 16);

    nvme_drv_disable(v0);
    io_roundtrip(d, 2, 8, 6);
    io_roundtrip(v1, 2, 16, 7);
    g_assert_cmphex(nvme_drv_rd32(v0, NVME_REG_CSTS), ==, 0);
    nvme_drv_enable(v0, 16, 16);
    nvme_drv_create_qpair(v0, 1, 16);
    io_roundtrip(v0, 2, 24, 8);
    nvme_drv_stop_peer(v1);
    nvme_drv_stop_peer(v0);
    nvme_drv_stop(d);
}

/*
 * An FLR of the primary, and clearing VF Enable, take every secondary
 * offline and return its resources.
 */
static void test_pf_flr_and_vf_disable(void)
{
    NvmeDrv *d = pf_start("");
    uint8_t exp = qpci_find_capability(d->pdev, PCI_CAP_ID_EXP, 0);
    uint16_t sr = nvme_drv_ecap(d, d->pdev->devfn, PCI_EXT_CAP_ID_SRIOV);
    NvmePriCtrlCap cap;

    for (int round = 0; round < 2; round++) {
        nvme_drv_sriov_enable(d, 2);
        nvme_drv_vf_online(d, nvme_drv_vf_cntlid(d, 0), 2, 1);
        nvme_drv_vf_online(d, nvme_drv_vf_cntlid(d, 1), 3, 1);
        pcc(d, &cap);
        g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 5);
        if (round == 0) {
            nvme_drv_sriov_disable(d);
        } else {
            qpci_config_writew(d->pdev, exp + PCI_EXP_DEVCTL,
                               qpci_config_readw(d->pdev,
                                                 exp + PCI_EXP_DEVCTL) |
                               PCI_EXP_DEVCTL_BCR_FLR);
            g_assert_cmphex(nvme_drv_ecfg_readw(d, d->pdev->devfn,
                                                sr + PCI_SRIOV_CTRL) &
                            PCI_SRIOV_CTRL_VFE, ==, 0);
            /* the PF came back from its reset unmapped and disabled */
            nvme_drv_forget_queues(d);
            qpci_device_enable(d->pdev);
            d->bar = qpci_iomap(d->pdev, 0, NULL);
            nvme_drv_msix_enable(d);
            nvme_drv_enable(d, 32, 32);
        }
        pcc(d, &cap);
        g_assert_cmpuint(le32_to_cpu(cap.vqrfa), ==, 0);
        g_assert_cmpuint(le32_to_cpu(cap.virfa), ==, 0);
    }
    nvme_drv_stop(d);
}

/* msix-exclusive-bar=on for the PF; its VFs keep MSI-X in BAR0. */
static void test_msix_exclusive_bar(void)
{
    NvmeDrv *d = pf_start(",msix-exclusive-bar=on");
    NvmeDrv *v;

    nvme_drv_sriov_enable(d, 1);
    v = vf_up(d, 0, 2, 2);
    nvme_drv_create_qpair(v, 1, 16);
    io_roundtrip(v, 2, 0, 9);
    g_assert_true(nvme_drv_msix_wait(v, 1, 2000));
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/* ---- a hostile host ---- */

/*
 * A secondary taken offline with commands in flight, its VFs disabled
 * under it, its read-only MSI-X size written, its BAR touched once
 * unmapped: nothing breaks and the PF keeps working.
 */
static void test_hostile(void)
{
    NvmeDrv *d = pf_start("");
    uint8_t msix;
    uint16_t id, flags;
    uint64_t bar;
    NvmeDrv *v;

    nvme_drv_sriov_enable(d, 2);
    id = nvme_drv_vf_cntlid(d, 0);
    v = vf_up(d, 0, 4, 2);
    msix = qpci_find_capability(v->pdev, PCI_CAP_ID_MSIX, 0);
    flags = qpci_config_readw(v->pdev, msix + PCI_MSIX_FLAGS);
    qpci_config_writew(v->pdev, msix + PCI_MSIX_FLAGS,
                       flags | PCI_MSIX_FLAGS_QSIZE);
    g_assert_cmpuint(qpci_msix_table_size(v->pdev), ==, 2);
    nvme_drv_create_qpair(v, 1, 32);
    for (int i = 0; i < 24; i++) {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 2);
        cmd.dptr.prp1 = nvme_drv_alloc(v, 4096);
        cmd.cdw10 = i * 8;
        cmd.cdw12 = 7;
        nvme_drv_submit(v, 1, &cmd);
    }
    g_assert_cmphex(vm(d, ACT_OFF, 0, id, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rd32(v, NVME_REG_CSTS) & NVME_CSTS_READY, ==,
                    0);
    nvme_drv_raw_db(v, 1, false, 3);
    /* online again, then the VFs go away under a working secondary */
    nvme_drv_wr32(v, NVME_REG_CC, 0);
    nvme_drv_forget_queues(v);
    nvme_drv_vf_online(d, id, 4, 2);
    nvme_drv_enable(v, 16, 16);
    nvme_drv_create_qpair(v, 1, 16);
    io_roundtrip(v, 2, 0, 10);
    bar = v->bar.addr;
    nvme_drv_sriov_disable(d);
    g_assert_cmphex(qtest_readl(d->qts, bar), !=, 0xffffffffu & d->cap);
    qtest_writel(d->qts, bar + 0x14, 1);
    qtest_writel(d->qts, bar + 0x1000, 1);
    /* the PF is fine, and the secondary offline with nothing assigned */
    nvme_drv_create_qpair(d, 1, 16);
    io_roundtrip(d, 2, 64, 11);
    g_assert_cmphex(vm(d, ACT_ON, 0, id, 0), ==,
                    NVME_INVALID_SEC_CTRL_STATE | DNR);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/*
 * A PF with its VFs hot-plugged behind a pcie-root-port and unplugged,
 * three times: its VFs come and go with it, and the subsystem's
 * controller ids are free again each time.
 */
static void test_pf_replug(void)
{
    QTestState *qts = qtest_init(
        "-machine q35 -device pcie-root-port,id=rp1,chassis=1,slot=1 "
        "-device nvme-subsys,id=s0,nqn=hpsriov "
        "-blockdev driver=null-co,node-name=n0,size=1048576");

    for (int round = 0; round < 3; round++) {
        qtest_qmp_device_add(qts, "nvme", "hpf",
                             "{'bus': 'rp1', 'drive': 'n0', "
                             "'serial': 'qtest-hp', 'subsys': 's0', "
                             "'sriov_max_vfs': 4, 'sriov_vq_flexible': 8, "
                             "'sriov_vi_flexible': 4}");
        qtest_qmp_device_del_send(qts, "hpf");
        qtest_system_reset_nowait(qts);
        nvme_drv_wait_deleted(qts, "hpf");
    }
    qtest_quit(qts);
}

/* ---- configurations refused ---- */

static void test_refused(void)
{
    static const struct {
        const char *props, *msg;
    } bad[] = {
        { "sriov_max_vfs=2,sriov_vq_flexible=4,sriov_vi_flexible=2",
          "needs an nvme-subsys" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4",
          "needs both sriov_vq_flexible and sriov_vi_flexible" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=3,"
          "sriov_vi_flexible=2", "sriov_vq_flexible must be at least 4" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=1", "sriov_vq_flexible must be at least 4" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=2,max_ioqpairs=4", "the primary keeps" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=2,msix_qsize=2", "the primary keeps" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=2,sriov_max_vq_per_vf=1",
          "sriov_max_vq_per_vf must be between" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=2,sriov_max_vi_per_vf=3000",
          "sriov_max_vi_per_vf must be between" },
        { "subsys=s0,sriov_max_vfs=2,sriov_vq_flexible=4,"
          "sriov_vi_flexible=2,cmb_size_mb=1", "not go with a CMB" },
    };

    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *args = g_strdup_printf(
            "-device nvme-subsys,id=s0,nqn=x -device nvme,serial=x,%s",
            bad[i].props);

        nvme_drv_start_fails(args, bad[i].msg);
    }
}

/*
 * With the NVME_SRIOV switch off (the kconfig suite's parts-off QEMU):
 * sriov_max_vfs is refused with a message, a plain controller has no
 * Virtualization Management.
 */
static void test_not_built(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    nvme_drv_start_fails("-device nvme-subsys,id=s0,nqn=x "
                         "-device nvme,serial=x,subsys=s0,sriov_max_vfs=1,"
                         "sriov_vq_flexible=2,sriov_vi_flexible=1",
                         "SR-IOV is not built");
    g_assert_cmphex(vm(d, ACT_ON, 0, 1, 0), ==, NVME_INVALID_OPCODE | DNR);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_PRIMARY_CTRL_CAP, 0, 0,
                                      NULL), ==, NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (nvme_drv_part_off("NVME_SRIOV")) {
        qtest_add_func("/nvme/sriov/not_built", test_not_built);
        return g_test_run();
    }
    qtest_add_func("/nvme/sriov/pci_caps", test_pci_caps);
    qtest_add_func("/nvme/sriov/vf_pci", test_vf_pci);
    qtest_add_func("/nvme/sriov/identify", test_identify);
    qtest_add_func("/nvme/sriov/not_primary", test_not_primary);
    qtest_add_func("/nvme/sriov/virt_mgmt_errors", test_virt_mgmt_errors);
    qtest_add_func("/nvme/sriov/assign_online_offline",
                   test_assign_online_offline);
    qtest_add_func("/nvme/sriov/vf_io", test_vf_io);
    qtest_add_func("/nvme/sriov/vf_offline", test_vf_offline);
    qtest_add_func("/nvme/sriov/primary_allocation",
                   test_primary_allocation);
    qtest_add_func("/nvme/sriov/ctrl_resets", test_ctrl_resets);
    qtest_add_func("/nvme/sriov/pf_flr_and_vf_disable",
                   test_pf_flr_and_vf_disable);
    qtest_add_func("/nvme/sriov/msix_exclusive_bar", test_msix_exclusive_bar);
    qtest_add_func("/nvme/sriov/hostile", test_hostile);
    qtest_add_func("/nvme/sriov/pf_replug", test_pf_replug);
    qtest_add_func("/nvme/sriov/refused", test_refused);
    return g_test_run();
}

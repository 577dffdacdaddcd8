/*
 * qtest: NVMe controller registers, PCI function and controller state
 * machine (enable, disable, shutdown, subsystem reset, interrupt masks).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define CSTS_SHST_MASKED (CSTS_SHST_MASK << CSTS_SHST_SHIFT)

static uint16_t identify_ok(NvmeDrv *d)
{
    NvmeIdCtrl *id = g_malloc0(4096);
    uint16_t st = nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id);
    uint16_t vid = le16_to_cpu(id->vid);

    g_free(id);
    g_assert_cmphex(st, ==, NVME_SUCCESS);
    return vid;
}

/* PCI identity, class and capabilities. */
static void test_pci_config(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    QPCIDevice *p = d->pdev;
    uint8_t exp, msix, pm;
    uint32_t bar0, table, pba;
    uint16_t flags;

    g_assert_cmphex(qpci_config_readw(p, PCI_VENDOR_ID), ==, 0x1b36);
    g_assert_cmphex(qpci_config_readw(p, PCI_DEVICE_ID), ==, 0x0010);
    g_assert_cmphex(qpci_config_readb(p, PCI_CLASS_PROG), ==, 0x02);
    g_assert_cmphex(qpci_config_readw(p, PCI_CLASS_DEVICE), ==, 0x0108);
    g_assert_cmphex(qpci_config_readw(p, PCI_STATUS) & PCI_STATUS_CAP_LIST,
                    !=, 0);

    /* BAR0: 64-bit memory BAR */
    bar0 = qpci_config_readl(p, PCI_BASE_ADDRESS_0);
    g_assert_cmphex(bar0 & PCI_BASE_ADDRESS_SPACE, ==,
                    PCI_BASE_ADDRESS_SPACE_MEMORY);
    g_assert_cmphex(bar0 & PCI_BASE_ADDRESS_MEM_TYPE_MASK, ==,
                    PCI_BASE_ADDRESS_MEM_TYPE_64);
    g_assert_cmpuint(d->bar_size, >=, 0x2000);

    pm = qpci_find_capability(p, PCI_CAP_ID_PM, 0);
    g_assert_cmphex(pm, !=, 0);

    exp = qpci_find_capability(p, PCI_CAP_ID_EXP, 0);
    g_assert_cmphex(exp, !=, 0);
    flags = qpci_config_readw(p, exp + PCI_EXP_FLAGS);
    /* on the q35 root bus an endpoint is a root complex integrated one */
    g_assert_cmphex((flags & PCI_EXP_FLAGS_TYPE) >> 4, ==,
                    PCI_EXP_TYPE_RC_END);

    /* MSI-X: 65 vectors in BAR0 beyond the doorbells of 65 queues */
    msix = qpci_find_capability(p, PCI_CAP_ID_MSIX, 0);
    g_assert_cmphex(msix, !=, 0);
    g_assert_cmpuint(qpci_msix_table_size(p), ==, 65);
    table = qpci_config_readl(p, msix + PCI_MSIX_TABLE);
    pba = qpci_config_readl(p, msix + PCI_MSIX_PBA);
    g_assert_cmpuint(table & PCI_MSIX_FLAGS_BIRMASK, ==, 0);
    g_assert_cmpuint(pba & PCI_MSIX_FLAGS_BIRMASK, ==, 0);
    g_assert_cmphex(table & ~PCI_MSIX_FLAGS_BIRMASK, >=, 0x1000 + 8 * 65);
    g_assert_cmphex(pba & ~PCI_MSIX_FLAGS_BIRMASK, >=,
                    (table & ~PCI_MSIX_FLAGS_BIRMASK) + 16 * 65);
    g_assert_cmphex((pba & ~PCI_MSIX_FLAGS_BIRMASK) + 8 * 2, <=,
                    d->bar_size);

    /* INTx pin assigned (used when MSI-X is off) */
    g_assert_cmpuint(qpci_config_readb(p, PCI_INTERRUPT_PIN), !=, 0);
    nvme_drv_stop(d);
}

static void test_msix_qsize_property(void)
{
    NvmeDrv *d = nvme_drv_start("msix_qsize=8,max_ioqpairs=7", NULL);

    g_assert_cmpuint(qpci_msix_table_size(d->pdev), ==, 8);
    nvme_drv_stop(d);
}

static void test_cap_vs(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    uint64_t cap = nvme_drv_rd64(d, NVME_REG_CAP);
    uint64_t cap_split = nvme_drv_rd32(d, NVME_REG_CAP) |
                         (uint64_t)nvme_drv_rd32(d, NVME_REG_CAP + 4) << 32;

    g_assert_cmphex(cap, ==, cap_split);
    g_assert_cmpuint(NVME_CAP_MQES(cap), ==, 2047);
    g_assert_cmpuint(NVME_CAP_CQR(cap), ==, 1);
    g_assert_cmpuint(NVME_CAP_AMS(cap), ==, 0);
    g_assert_cmpuint(NVME_CAP_TO(cap), ==, 15);
    g_assert_cmpuint(NVME_CAP_DSTRD(cap), ==, 0);
    g_assert_cmpuint(NVME_CAP_NSSRS(cap), ==, 1);
    /* NVM, and I/O command sets selectable (CC.CSS 110b) */
    g_assert_cmphex(NVME_CAP_CSS(cap), ==,
                    NVME_CAP_CSS_NCSS | NVME_CAP_CSS_IOCSS);
    g_assert_cmpuint(NVME_CAP_MPSMIN(cap), ==, 0);
    g_assert_cmpuint(NVME_CAP_MPSMAX(cap), ==, 4);
    g_assert_cmpuint(NVME_CAP_PMRS(cap), ==, 0);
    g_assert_cmpuint(NVME_CAP_CMBS(cap), ==, 0);
    /* CRMS: Controller Ready With Media (bit 59) only, as 2.0 asks */
    g_assert_cmphex(cap >> 59 & 3, ==, 1);
    /* BPS (bit 45) and reserved or absent bits 63:60, 58, 47:46, 23:19 */
    g_assert_cmphex(cap & ((1ULL << 45) | (0xfULL << 60) | (1ULL << 58) |
                           (3ULL << 46) | (0x1fULL << 19)), ==, 0);

    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_VS), ==, 0x00020000);

    /* read-only: writes are ignored */
    nvme_drv_wr32(d, NVME_REG_CAP, 0);
    nvme_drv_wr32(d, NVME_REG_CAP + 4, 0);
    nvme_drv_wr32(d, NVME_REG_VS, 0x00010400);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CAP), ==, cap);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_VS), ==, 0x00020000);

    /* power-on values */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBLOC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSZ), ==, 0);
    nvme_drv_stop(d);
}

static void test_mqes_property(void)
{
    /* upstream's meaning: mqes is CAP.MQES, entries per queue - 1 */
    NvmeDrv *d = nvme_drv_start("mqes=63", NULL);

    g_assert_cmpuint(NVME_CAP_MQES(nvme_drv_rd64(d, NVME_REG_CAP)), ==, 63);
    nvme_drv_stop(d);
}

/* AQA/ASQ/ACQ are plain read/write registers while disabled. */
static void test_admin_queue_regs(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_wr32(d, NVME_REG_AQA, 0x003f001f);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0x003f001f);
    nvme_drv_wr64(d, NVME_REG_ASQ, 0x0000000123456000ULL);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==,
                    0x0000000123456000ULL);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, 0x0000000abcdef000ULL);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==,
                    0x0000000abcdef000ULL);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_ACQ + 4), ==, 0xa);
    /* reserved bits 31:28 and 15:12 of AQA */
    nvme_drv_wr32(d, NVME_REG_AQA, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0x0fff0fff);
    nvme_drv_stop(d);
}

static void test_enable_disable(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    uint32_t aqa;
    uint64_t asq, acq;
    uint32_t cc = nvme_drv_cc_value(0);

    g_assert_true(nvme_drv_enable_cc(d, 16, 8, cc));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, cc);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_READY);
    aqa = nvme_drv_rd32(d, NVME_REG_AQA);
    asq = nvme_drv_rd64(d, NVME_REG_ASQ);
    acq = nvme_drv_rd64(d, NVME_REG_ACQ);
    g_assert_cmphex(aqa, ==, (7 << 16) | 15);
    g_assert_cmphex(asq, ==, d->sq[0].addr);
    g_assert_cmphex(acq, ==, d->cq[0].addr);
    identify_ok(d);

    /* EN 1 -> 0: not ready, admin queue registers kept */
    nvme_drv_disable(d);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC) & 1, ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, aqa);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, asq);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==, acq);

    /* and again, with fresh queues */
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(identify_ok(d), ==, 0x1b36);
    nvme_drv_stop(d);
}

/* Re-enabling with the same admin queue memory restarts at slot 0. */
static void test_reenable_same_queues(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    int i;

    nvme_drv_enable(d, 4, 4);
    for (i = 0; i < 6; i++) {      /* wrap the admin queues once */
        identify_ok(d);
    }
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    /* keep AQA/ASQ/ACQ; zero the CQ so stale phase bits do not match */
    qtest_memset(d->qts, d->cq[0].addr, 0, 4 * 16);
    d->sq[0].tail = d->sq[0].head = 0;
    d->cq[0].head = 0;
    d->cq[0].phase = 1;
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                     2000));
    identify_ok(d);
    nvme_drv_stop(d);
}

static void expect_not_ready(NvmeDrv *d, uint32_t aqa, uint64_t asq,
                             uint64_t acq, uint32_t cc)
{
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_wr32(d, NVME_REG_AQA, aqa);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, asq);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, acq);
    nvme_drv_wr32(d, NVME_REG_CC, cc);
    /* give it a while: RDY must stay 0, CFS must stay 0 */
    g_assert_false(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                      300));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_FAILED, ==,
                    0);
}

static void test_enable_bad_settings(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    uint64_t q = nvme_drv_alloc_aligned(d, 0x10000, 0x10000);
    uint32_t good_aqa = (15 << 16) | 15;
    uint32_t cc0 = nvme_drv_cc_value(0);
    uint32_t cc;

    /* sanity: the good configuration works */
    nvme_drv_wr32(d, NVME_REG_AQA, good_aqa);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, q);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, q + 0x1000);
    nvme_drv_wr32(d, NVME_REG_CC, cc0);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                     2000));

    /*
     * ASQ / ACQ bits 11:0 are reserved: a controller either drops them
     * (reads back as 0) or refuses to become ready with them set.
     */
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_wr64_split(d, NVME_REG_ASQ, q + 0x100);
    if (nvme_drv_rd64(d, NVME_REG_ASQ) & 0xfff) {
        expect_not_ready(d, good_aqa, q + 0x100, q + 0x1000, cc0);
        expect_not_ready(d, good_aqa, q, q + 0x1040, cc0);
    } else {
        nvme_drv_wr64_split(d, NVME_REG_ACQ, q + 0x1040);
        g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==, q + 0x1000);
    }
    /* aligned to 4 KiB but not to an 8 KiB page (CC.MPS = 1) */
    cc = cc0 & ~(CC_MPS_MASK << CC_MPS_SHIFT);
    NVME_SET_CC_MPS(cc, 1);
    expect_not_ready(d, good_aqa, q + 0x1000, q + 0x4000, cc);
    /* ASQS / ACQS of 0 (size 1) */
    expect_not_ready(d, 15 << 16, q, q + 0x1000, cc0);
    expect_not_ready(d, 15, q, q + 0x1000, cc0);
    /* MPS above CAP.MPSMAX (4) */
    cc = cc0 & ~(CC_MPS_MASK << CC_MPS_SHIFT);
    NVME_SET_CC_MPS(cc, 5);
    expect_not_ready(d, good_aqa, q, q + 0x10000 - 0x1000, cc);
    /* CSS: reserved value, and admin-only which CAP.CSS does not offer */
    cc = cc0 & ~(CC_CSS_MASK << CC_CSS_SHIFT);
    NVME_SET_CC_CSS(cc, 1);
    expect_not_ready(d, good_aqa, q, q + 0x1000, cc);
    cc = cc0 & ~(CC_CSS_MASK << CC_CSS_SHIFT);
    NVME_SET_CC_CSS(cc, NVME_CC_CSS_ADMIN_ONLY);
    expect_not_ready(d, good_aqa, q, q + 0x1000, cc);

    /* the controller still comes up once the settings are fixed */
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_enable(d, 8, 8);
    identify_ok(d);
    nvme_drv_stop(d);
}

/* The largest page size CAP allows (64 KiB) works end to end. */
static void test_enable_mps_max(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    g_assert_true(nvme_drv_enable_cc(d, 16, 16, nvme_drv_cc_value(4)));
    g_assert_cmpuint(d->page_size, ==, 65536);
    identify_ok(d);
    nvme_drv_stop(d);
}

static void test_shutdown(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    uint32_t cc;

    nvme_drv_enable(d, 8, 8);
    cc = nvme_drv_rd32(d, NVME_REG_CC);
    nvme_drv_wr32(d, NVME_REG_CC, cc | (1 << CC_SHN_SHIFT));
    g_assert_true(nvme_drv_wait_csts(d, CSTS_SHST_MASKED,
                                     NVME_CSTS_SHST_COMPLETE, 2000));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC) >> CC_SHN_SHIFT & 3, ==, 1);

    /* a reset (EN 1 -> 0) is needed to use it again; SHST returns to 00b */
    nvme_drv_disable(d);
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    nvme_drv_enable(d, 8, 8);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & CSTS_SHST_MASKED, ==,
                    NVME_CSTS_SHST_NORMAL);
    identify_ok(d);

    /* abrupt shutdown (10b) also completes */
    cc = nvme_drv_rd32(d, NVME_REG_CC);
    nvme_drv_wr32(d, NVME_REG_CC, cc | (2 << CC_SHN_SHIFT));
    g_assert_true(nvme_drv_wait_csts(d, CSTS_SHST_MASKED,
                                     NVME_CSTS_SHST_COMPLETE, 2000));
    nvme_drv_stop(d);
}

static void test_reset_deletes_queues(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    nvme_drv_create_qpair(d, 1, 16);
    nvme_drv_create_qpair(d, 2, 16);
    nvme_drv_disable(d);
    nvme_drv_enable(d, 16, 16);
    /* the old queues are gone: deleting fails, re-creating succeeds */
    g_assert_cmphex(nvme_drv_delete_sq(d, 2), ==,
                    NVME_INVALID_QID | NVME_DNR);
    g_assert_cmphex(nvme_drv_delete_cq(d, 2), ==,
                    NVME_INVALID_QID | NVME_DNR);
    nvme_drv_create_qpair(d, 1, 16);
    nvme_drv_stop(d);
}

static void test_nssr(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_enable(d, 8, 8);
    /* any other value does nothing */
    nvme_drv_wr32(d, NVME_REG_NSSR, 0x12345678);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_READY);
    identify_ok(d);

    nvme_drv_wr32(d, NVME_REG_NSSR, NVME_DRV_NSSR_MAGIC);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_NSSRO);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, 0);
    /* a subsystem reset is not a CC.EN reset: admin queue regs reset too */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==, 0);

    /* NSSRO is RW1C; writing 0 keeps it */
    nvme_drv_wr32(d, NVME_REG_CSTS, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_NSSRO);
    nvme_drv_wr32(d, NVME_REG_CSTS, NVME_CSTS_NSSRO);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, 0);

    nvme_drv_forget_queues(d);
    nvme_drv_enable(d, 8, 8);
    identify_ok(d);
    nvme_drv_stop(d);
}

/* CSTS is read-only apart from NSSRO. */
static void test_csts_readonly(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_enable(d, 8, 8);
    nvme_drv_wr32(d, NVME_REG_CSTS, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_READY);
    nvme_drv_wr32(d, NVME_REG_CSTS, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, NVME_CSTS_READY);
    nvme_drv_stop(d);
}

static void test_intms_intmc(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_wr32(d, NVME_REG_INTMS, 0x5);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0x5);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMC), ==, 0x5);
    nvme_drv_wr32(d, NVME_REG_INTMS, 0x8);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0xd);
    nvme_drv_wr32(d, NVME_REG_INTMC, 0x4);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0x9);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMC), ==, 0x9);
    nvme_drv_wr32(d, NVME_REG_INTMC, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0);
    nvme_drv_wr32(d, NVME_REG_INTMS, 0x2);
    /* a controller reset clears the mask */
    nvme_drv_enable(d, 8, 8);
    nvme_drv_disable(d);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_INTMS), ==, 0);
    nvme_drv_stop(d);
}

/*
 * Pin-based interrupts: asserted while the admin CQ holds entries the
 * host has not acknowledged, gated by INTMS bit 0.
 */
static void test_intx(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint64_t buf = nvme_drv_alloc(d, 4096);

    nvme_drv_enable(d, 8, 8);
    g_assert_false(nvme_drv_intx_asserted(d));

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    cmd.dptr.prp1 = buf;
    nvme_drv_submit(d, 0, &cmd);
    g_assert_true(nvme_drv_poll_cqe(d, 0, &cqe, 5000, false));
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_true(nvme_drv_intx_asserted(d));

    /* masked: deasserted; unmasked: asserted again */
    nvme_drv_wr32(d, NVME_REG_INTMS, 1);
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_wr32(d, NVME_REG_INTMC, 1);
    g_assert_true(nvme_drv_intx_asserted(d));

    /* acknowledging the entry deasserts */
    nvme_drv_cq_ring(d, 0);
    g_assert_false(nvme_drv_intx_asserted(d));

    /* completion while masked: asserted only when unmasked */
    nvme_drv_wr32(d, NVME_REG_INTMS, 1);
    nvme_drv_submit(d, 0, &cmd);
    g_assert_true(nvme_drv_poll_cqe(d, 0, &cqe, 5000, false));
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_wr32(d, NVME_REG_INTMC, 1);
    g_assert_true(nvme_drv_intx_asserted(d));
    nvme_drv_cq_ring(d, 0);
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_stop(d);
}

/* MSI-X: the admin CQ uses vector 0; masked vectors latch pending. */
static void test_msix_admin(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 8, 8);
    g_assert_false(nvme_drv_msix_fired(d, 0));
    identify_ok(d);
    g_assert_true(nvme_drv_msix_wait(d, 0, 2000));
    g_assert_false(nvme_drv_intx_asserted(d));

    nvme_drv_msix_mask(d, 0, true);
    identify_ok(d);
    g_assert_false(nvme_drv_msix_fired(d, 0));
    g_assert_true(nvme_drv_msix_pending(d, 0));
    nvme_drv_msix_mask(d, 0, false);
    g_assert_true(nvme_drv_msix_wait(d, 0, 2000));
    nvme_drv_stop(d);
}

/* Registers past the defined ones read as zero and ignore writes. */
static void test_reserved_regs(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_wr32(d, 0x18, 0xffffffff);     /* reserved */
    g_assert_cmphex(nvme_drv_rd32(d, 0x18), ==, 0);
    nvme_drv_wr32(d, 0x800, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, 0x800), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCAP), ==, 0);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/nvme/regs/pci_config", test_pci_config);
    qtest_add_func("/nvme/regs/msix_qsize_property",
                   test_msix_qsize_property);
    qtest_add_func("/nvme/regs/cap_vs", test_cap_vs);
    qtest_add_func("/nvme/regs/mqes_property", test_mqes_property);
    qtest_add_func("/nvme/regs/admin_queue_regs", test_admin_queue_regs);
    qtest_add_func("/nvme/regs/enable_disable", test_enable_disable);
    qtest_add_func("/nvme/regs/reenable_same_queues",
                   test_reenable_same_queues);
    qtest_add_func("/nvme/regs/enable_bad_settings",
                   test_enable_bad_settings);
    qtest_add_func("/nvme/regs/enable_mps_max", test_enable_mps_max);
    qtest_add_func("/nvme/regs/shutdown", test_shutdown);
    qtest_add_func("/nvme/regs/reset_deletes_queues",
                   test_reset_deletes_queues);
    qtest_add_func("/nvme/regs/nssr", test_nssr);
    qtest_add_func("/nvme/regs/csts_readonly", test_csts_readonly);
    qtest_add_func("/nvme/regs/intms_intmc", test_intms_intmc);
    qtest_add_func("/nvme/regs/intx", test_intx);
    qtest_add_func("/nvme/regs/msix_admin", test_msix_admin);
    qtest_add_func("/nvme/regs/reserved_regs", test_reserved_regs);

    return g_test_run();
}

/*
 * qtest: the Controller Memory Buffer ("cmb_size_mb", "legacy-cmb").
 *
 * Its registers in both layouts (NVMe 1.4 with CMBMSC, legacy 1.3), and
 * the controller using it: admin and I/O queues in the CMB, PRP lists and
 * SGL segments there, read and write data there, each mixed with host
 * memory in one command, a window at a controller base address other than
 * the BAR's, and Invalid Controller Memory Buffer Usage for ranges across
 * the window's edge or reaching the buffer through its BAR while the
 * window is disabled or elsewhere.  Data written by the device is checked
 * against the image file; data read is checked through the BAR.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define LBASZ       512
#define CMB_MB      4
#define CMB_BYTES   (CMB_MB * MiB)
#define FAR_CBA     0x4000000000ULL     /* no RAM, no device there */

#define BAD_CMB     (NVME_INVALID_USE_OF_CMB | NVME_DNR)
#define T_DATA      (NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4)
#define T_LAST      (NVME_SGL_DESCR_TYPE_LAST_SEGMENT << 4)
#define PSDT_SGL    (NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6)

/* Controller with a CMB_MB CMB (and @props); nothing enabled yet. */
static NvmeDrv *cmb_boot(const char *props)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=cmbtest,cmb_size_mb=%d%s%s",
        CMB_MB, props ? "," : "", props ? props : "");

    return nvme_drv_start_args(args);
}

/*
 * Ready controller with the CMB enabled at its BAR; with @queues the
 * admin queues and I/O queue pair 1 live in the CMB.
 */
static NvmeDrv *cmb_start(const char *props, bool queues)
{
    NvmeDrv *d = cmb_boot(props);

    nvme_drv_cmb_enable(d);
    d->cmb_queues = queues;
    nvme_drv_ready_io(d, 64);
    return d;
}

/* Read or Write of @nblocks at @slba with PRP1/PRP2 as given. */
static uint16_t rw_prp(NvmeDrv *d, uint8_t opc, uint64_t slba,
                       uint32_t nblocks, uint64_t prp1, uint64_t prp2)
{
    return nvme_drv_rw_prp(d, 1, opc, 1, slba, nblocks - 1, prp1, prp2,
                           NULL);
}

/* The same with the data described by the one SGL descriptor @sgl. */
static uint16_t rw_sgl(NvmeDrv *d, uint8_t opc, uint64_t slba,
                       uint32_t nblocks, uint64_t addr, uint32_t len,
                       uint8_t type)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, 1);
    cmd.flags = PSDT_SGL;
    cmd.dptr.sgl.addr = cpu_to_le64(addr);
    cmd.dptr.sgl.len = cpu_to_le32(len);
    cmd.dptr.sgl.type = type;
    cmd.cdw10 = slba;
    cmd.cdw12 = nblocks - 1;
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 151 + i * 29 + (i >> 10));
    }
}

/* The image holds @want at @slba. */
static void expect_file(NvmeDrv *d, uint64_t slba, const void *want,
                        size_t len)
{
    g_autofree uint8_t *got = g_malloc(len);

    g_assert_cmpint(pread(d->img_fd, got, len, slba * LBASZ), ==, len);
    g_assert_cmpmem(got, len, want, len);
}

/* Guest memory (RAM or CMB, through the BAR) holds @want at @addr. */
static void expect_mem(NvmeDrv *d, uint64_t addr, const void *want,
                       size_t len)
{
    g_autofree uint8_t *got = g_malloc(len);

    nvme_drv_memread(d, addr, got, len);
    g_assert_cmpmem(got, len, want, len);
}

/* The newest error log entry has @status (without phase). */
static void expect_error_log(NvmeDrv *d, uint16_t status)
{
    NvmeErrorLog e = nvme_drv_last_error(d);

    g_assert_cmphex(le16_to_cpu(e.status_field) >> 1, ==, status);
}

/* ---- registers ---- */

static void test_regs_14(void)
{
    NvmeDrv *d = cmb_boot(NULL);
    QPCIBar bar;
    uint64_t size, msc;
    uint32_t loc, sz;

    g_assert_cmpuint(NVME_CAP_CMBS(d->cap), ==, 1);
    g_assert_cmpuint(NVME_CAP_PMRS(d->cap), ==, 0);
    bar = qpci_iomap(d->pdev, 2, &size);
    g_assert_cmphex(size, ==, CMB_BYTES);
    /* nothing reported before CRE */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBLOC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSZ), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, 0);

    nvme_drv_wr32(d, NVME_REG_CMBMSC, 1);
    loc = nvme_drv_rd32(d, NVME_REG_CMBLOC);
    sz = nvme_drv_rd32(d, NVME_REG_CMBSZ);
    g_assert_cmpuint(NVME_CMBLOC_BIR(loc), ==, 2);
    g_assert_cmpuint(NVME_CMBLOC_CQMMS(loc), ==, 1);
    g_assert_cmpuint(NVME_CMBLOC_CQPDS(loc), ==, 0);
    g_assert_cmpuint(NVME_CMBLOC_CDPMLS(loc), ==, 1);
    g_assert_cmpuint(NVME_CMBLOC_CDPCILS(loc), ==, 1);
    g_assert_cmpuint(NVME_CMBLOC_CDMMMS(loc), ==, 1);
    g_assert_cmpuint(NVME_CMBLOC_CQDA(loc), ==, 0);
    g_assert_cmpuint(NVME_CMBLOC_OFST(loc), ==, 0);
    g_assert_cmphex(sz & 0xff, ==, 0x1f);   /* SQS CQS LISTS RDS WDS */
    g_assert_cmpuint(NVME_CMBSZ_SZU(sz), ==, 2);        /* 1 MiB */
    g_assert_cmpuint(NVME_CMBSZ_SZ(sz), ==, CMB_MB);
    g_assert_cmphex(nvme_drv_rd32(d, A_CMBEBS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, A_CMBSWTP), ==, 0);

    /* reserved bits 2..11 are not kept; 64-bit and split writes */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, bar.addr | 0xffd);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, bar.addr | 1);
    nvme_drv_wr64_split(d, NVME_REG_CMBMSC, bar.addr | 3);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, bar.addr | 3);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 0);

    /* a window past 2^64 is refused with CBAI, a good one clears it */
    msc = 0 - CMB_BYTES + 4096;
    nvme_drv_wr64(d, NVME_REG_CMBMSC, msc | 3);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 1);
    msc = 0 - CMB_BYTES;                                /* ends at 2^64 */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, msc | 3);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 0);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, (UINT64_MAX & ~0xfffULL) | 3);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 1);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, (UINT64_MAX & ~0xfffULL) | 1);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 0);

    /* CRE off hides CMBLOC/CMBSZ again */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSZ), ==, 0);
    qpci_iounmap(d->pdev, bar);
    nvme_drv_stop(d);
}

/* CMBMSC lasts through a controller reset, not an NVM Subsystem Reset. */
static void test_regs_resets(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t msc = d->cmb_addr | 3;

    nvme_drv_disable(d);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, msc);
    nvme_drv_wr32(d, NVME_REG_NSSR, NVME_DRV_NSSR_MAGIC);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSZ), ==, 0);
    nvme_drv_stop(d);
}

static void test_regs_legacy(void)
{
    NvmeDrv *d = cmb_boot("legacy-cmb=on");
    uint32_t sz = nvme_drv_rd32(d, NVME_REG_CMBSZ);

    g_assert_cmpuint(NVME_CAP_CMBS(d->cap), ==, 0);
    g_assert_cmpuint(NVME_CMBLOC_BIR(nvme_drv_rd32(d, NVME_REG_CMBLOC)), ==,
                     2);
    g_assert_cmphex(sz & 0xff, ==, 0x1f);
    g_assert_cmpuint(NVME_CMBSZ_SZ(sz), ==, CMB_MB);
    /* no CMBMSC, CMBSTS in the 1.3 layout */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, 0x12345003);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 0);
    nvme_drv_stop(d);
}

/*
 * Without cmb_size_mb and pmrdev: no BAR 2 or 4, every CMB and PMR
 * register 0 whatever is written, CAP.CMBS and PMRS clear.
 */
static void test_regs_none(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    g_assert_cmpuint(NVME_CAP_CMBS(d->cap), ==, 0);
    g_assert_cmpuint(NVME_CAP_PMRS(d->cap), ==, 0);
    g_assert_cmphex(qpci_config_readl(d->pdev, PCI_BASE_ADDRESS_2), ==, 0);
    g_assert_cmphex(qpci_config_readl(d->pdev, PCI_BASE_ADDRESS_4), ==, 0);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, 0x10003);
    nvme_drv_wr32(d, NVME_REG_PMRCTL, 1);
    nvme_drv_wr32(d, NVME_REG_PMRMSCL, 0x10002);
    for (uint32_t off = NVME_REG_CMBLOC; off < 0x68; off += 4) {
        g_assert_cmphex(nvme_drv_rd32(d, off), ==, 0);
    }
    for (uint32_t off = NVME_REG_PMRCAP; off <= NVME_REG_PMRMSCU; off += 4) {
        g_assert_cmphex(nvme_drv_rd32(d, off), ==, 0);
    }
    nvme_drv_stop(d);
}

/* A BAR of the next power of two holds a CMB of any size. */
static void test_regs_odd_size(void)
{
    NvmeDrv *d = nvme_drv_start("cmb_size_mb=3", NULL);
    uint64_t size;
    QPCIBar bar = qpci_iomap(d->pdev, 2, &size);

    g_assert_cmphex(size, ==, 4 * MiB);
    nvme_drv_wr32(d, NVME_REG_CMBMSC, 1);
    g_assert_cmpuint(NVME_CMBSZ_SZ(nvme_drv_rd32(d, NVME_REG_CMBSZ)), ==, 3);
    qpci_iounmap(d->pdev, bar);
    nvme_drv_stop(d);
}

/* ---- the controller using the CMB ---- */

/*
 * Queues in the CMB; data in the CMB, in host memory, and in both at
 * once (PRP1 in one, PRP2 in the other).
 */
static void do_queues_and_data(const char *props)
{
    NvmeDrv *d = cmb_start(props, true);
    uint32_t len = 8 * 4096;
    g_autofree uint8_t *src = g_malloc(len);
    uint64_t cbuf = nvme_drv_cmb_alloc(d, len, 4096);
    uint64_t hbuf = nvme_drv_alloc(d, len);

    g_assert_cmphex(d->sq[1].addr - d->cmb_addr, <, CMB_BYTES);
    g_assert_cmphex(d->cq[0].addr - d->cmb_addr, <, CMB_BYTES);

    /* write from the CMB, read into host memory */
    fill(src, len, 1);
    nvme_drv_memwrite(d, cbuf, src, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 0, 8, cbuf, 0), ==,
                    NVME_SUCCESS);
    expect_file(d, 0, src, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 8, hbuf, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, hbuf, src, 4096);

    /* write from host memory, read into the CMB */
    fill(src, 4096, 2);
    nvme_drv_memwrite(d, hbuf, src, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 8, 8, hbuf, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 8, 8, cbuf, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, cbuf, src, 4096);

    /* one command, PRP1 in the CMB and PRP2 in host memory, both ways */
    fill(src, 8192, 3);
    nvme_drv_memwrite(d, cbuf, src, 4096);
    nvme_drv_memwrite(d, hbuf + 4096, src + 4096, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 16, 16, cbuf, hbuf + 4096),
                    ==, NVME_SUCCESS);
    expect_file(d, 16, src, 8192);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 16, 16, hbuf, cbuf + 4096), ==,
                    NVME_SUCCESS);
    expect_mem(d, hbuf, src, 4096);
    expect_mem(d, cbuf + 4096, src + 4096, 4096);
    nvme_drv_stop(d);
}

static void test_queues_and_data(void)
{
    do_queues_and_data(NULL);
}

static void test_queues_and_data_legacy(void)
{
    do_queues_and_data("legacy-cmb=on");
}

/*
 * A PRP list in the CMB whose entries alternate between CMB and host
 * pages, and a list in host memory pointing at CMB pages.
 */
static void test_prp_list(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    enum { PAGES = 6 };
    uint64_t list = nvme_drv_cmb_alloc(d, 4096, 4096);
    uint64_t hlist = nvme_drv_alloc(d, 4096);
    uint64_t page[PAGES], ent[PAGES];
    g_autofree uint8_t *src = g_malloc(PAGES * 4096);

    for (int i = 0; i < PAGES; i++) {
        page[i] = i % 2 ? nvme_drv_alloc(d, 4096)
                        : nvme_drv_cmb_alloc(d, 4096, 4096);
        ent[i] = cpu_to_le64(page[i]);
    }
    fill(src, PAGES * 4096, 4);
    for (int i = 0; i < PAGES; i++) {
        nvme_drv_memwrite(d, page[i], src + i * 4096, 4096);
    }
    nvme_drv_memwrite(d, list, ent + 1, (PAGES - 1) * 8);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 64, PAGES * 8, page[0], list),
                    ==, NVME_SUCCESS);
    expect_file(d, 64, src, PAGES * 4096);

    /* read back through a host list, into fresh CMB pages */
    for (int i = 0; i < PAGES; i++) {
        page[i] = nvme_drv_cmb_alloc(d, 4096, 4096);
        ent[i] = cpu_to_le64(page[i]);
    }
    nvme_drv_memwrite(d, hlist, ent + 1, (PAGES - 1) * 8);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 64, PAGES * 8, page[0], hlist),
                    ==, NVME_SUCCESS);
    for (int i = 0; i < PAGES; i++) {
        expect_mem(d, page[i], src + i * 4096, 4096);
    }
    nvme_drv_stop(d);
}

/*
 * An SGL segment in the CMB with data blocks in the CMB and in host
 * memory (unaligned, odd lengths), written and read back.
 */
static void test_sgl(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t seg = nvme_drv_cmb_alloc(d, 4096, 4096);
    uint64_t c = nvme_drv_cmb_alloc(d, 8192, 4096) + 3;
    uint64_t h = nvme_drv_alloc(d, 8192) + 5;
    uint32_t len = 4096;
    NvmeSglDescriptor s[3] = {
        { .addr = cpu_to_le64(c), .len = cpu_to_le32(1000), .type = T_DATA },
        { .addr = cpu_to_le64(h), .len = cpu_to_le32(2500), .type = T_DATA },
        { .addr = cpu_to_le64(c + 2000), .len = cpu_to_le32(596),
          .type = T_DATA },
    };
    g_autofree uint8_t *src = g_malloc(len);

    fill(src, len, 5);
    nvme_drv_memwrite(d, c, src, 1000);
    nvme_drv_memwrite(d, h, src + 1000, 2500);
    nvme_drv_memwrite(d, c + 2000, src + 3500, 596);
    nvme_drv_memwrite(d, seg, s, sizeof(s));
    g_assert_cmphex(rw_sgl(d, NVME_CMD_WRITE, 128, 8, seg, sizeof(s),
                           T_LAST), ==, NVME_SUCCESS);
    expect_file(d, 128, src, len);

    qtest_memset(d->qts, c, 0, 4096);
    qtest_memset(d->qts, h, 0, 4096);
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 128, 8, seg, sizeof(s),
                           T_LAST), ==, NVME_SUCCESS);
    expect_mem(d, c, src, 1000);
    expect_mem(d, h, src + 1000, 2500);
    expect_mem(d, c + 2000, src + 3500, 596);

    /* a single data block in the CMB, straight from the command */
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 128, 8, c, len, T_DATA), ==,
                    NVME_SUCCESS);
    expect_mem(d, c, src, len);
    nvme_drv_stop(d);
}

/*
 * Data and its separate metadata (MPTR) in different memories (CDMMMS):
 * written with the data in the CMB, read back with the metadata there.
 */
static void test_metadata(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,serial=cmbmeta,cmb_size_mb=4,id=c0 "
        "-device nvme-ns,drive=d0,nsid=1,ms=8");
    uint64_t cdata, hdata, cmeta, hmd;
    uint8_t data[4 * LBASZ], md[4 * 8];
    NvmeCmd cmd;

    nvme_drv_cmb_enable(d);
    nvme_drv_ready_io(d, 32);
    cdata = nvme_drv_cmb_alloc(d, sizeof(data), 4096);
    cmeta = nvme_drv_cmb_alloc(d, 4096, 4096);
    hdata = nvme_drv_alloc(d, sizeof(data));
    hmd = nvme_drv_alloc(d, 4096);
    fill(data, sizeof(data), 8);
    fill(md, sizeof(md), 9);
    nvme_drv_memwrite(d, cdata, data, sizeof(data));
    nvme_drv_memwrite(d, hmd, md, sizeof(md));

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
    cmd.dptr.prp1 = cdata;
    cmd.mptr = hmd;
    cmd.cdw12 = 3;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    expect_file(d, 0, data, sizeof(data));

    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    cmd.dptr.prp1 = hdata;
    cmd.mptr = cmeta;
    cmd.cdw12 = 3;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    expect_mem(d, hdata, data, sizeof(data));
    expect_mem(d, cmeta, md, sizeof(md));

    /* a metadata buffer across the CMB's end */
    cmd.mptr = d->cmb_addr + CMB_BYTES - 16;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, BAD_CMB);
    nvme_drv_stop(d);
}

/*
 * The window at a controller base address that is not the BAR's: the
 * controller's addresses in the window reach the CMB (seen through the
 * BAR), the BAR's own addresses no longer do.
 */
static void test_window_elsewhere(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t off = 64 * KiB;
    g_autofree uint8_t *src = g_malloc(4096);

    nvme_drv_wr64(d, NVME_REG_CMBMSC, FAR_CBA | 3);
    fill(src, 4096, 6);
    nvme_drv_memwrite(d, d->cmb_addr + off, src, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 256, 8, FAR_CBA + off, 0), ==,
                    NVME_SUCCESS);
    expect_file(d, 256, src, 4096);
    qtest_memset(d->qts, d->cmb_addr + off, 0, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 256, 8, FAR_CBA + off, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, d->cmb_addr + off, src, 4096);

    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 256, 8, d->cmb_addr + off, 0),
                    ==, BAD_CMB);
    expect_error_log(d, BAD_CMB);
    nvme_drv_stop(d);
}

/*
 * Every way of crossing the CMB's end, then a good command still works.
 * (PRP entries and PRP list pieces never cross a page boundary, so they
 * cannot cross the end of a CMB of whole MiBs; nor can an admin command's
 * buffer, admin commands take PRPs only.)
 */
static void do_invalid_usage(NvmeDrv *d)
{
    uint64_t end = d->cmb_addr + CMB_BYTES;
    uint64_t list = nvme_drv_alloc(d, 4096);
    uint64_t ent[2] = { cpu_to_le64(end - 4096), cpu_to_le64(end) };
    uint64_t seg = nvme_drv_alloc(d, 4096);
    NvmeSglDescriptor s = {
        .addr = cpu_to_le64(end - 100), .len = cpu_to_le32(512),
        .type = T_DATA,
    };
    NvmeCmd cmd;

    /* an SGL data block across the end, from the command */
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 0, 1, end - 100, 512, T_DATA),
                    ==, BAD_CMB);
    expect_error_log(d, BAD_CMB);
    g_assert_cmphex(rw_sgl(d, NVME_CMD_WRITE, 0, 8, end - 4095, 4096,
                           T_DATA), ==, BAD_CMB);
    /* PRP pages on both sides of the end: fine, but nothing is there */
    nvme_drv_memwrite(d, list, ent, sizeof(ent));
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 24, end - 8192, list), ==,
                    NVME_DATA_TRAS_ERROR | NVME_DNR);
    /* an SGL segment across the end, one in host memory describing data
     * across it */
    nvme_drv_memwrite(d, seg, &s, sizeof(s));
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 0, 1, end - 8, 16, T_LAST),
                    ==, BAD_CMB);
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 0, 1, seg, 16, T_LAST), ==,
                    BAD_CMB);
    /* I/O queues across the end */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_CQ, 0);
    cmd.dptr.prp1 = end - 4096;
    cmd.cdw10 = (511u << 16) | 2;
    cmd.cdw11 = NVME_CQ_PC;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, BAD_CMB);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_SQ, 0);
    cmd.dptr.prp1 = end - 4096;
    cmd.cdw10 = (127u << 16) | 2;
    cmd.cdw11 = (1u << 16) | NVME_SQ_PC;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, BAD_CMB);

    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 8, end - 4096, 0), ==,
                    NVME_SUCCESS);
}

static void test_invalid_usage(void)
{
    NvmeDrv *d = cmb_start(NULL, true);

    do_invalid_usage(d);
    nvme_drv_stop(d);
}

static void test_invalid_usage_legacy(void)
{
    NvmeDrv *d = cmb_start("legacy-cmb=on", true);

    do_invalid_usage(d);
    nvme_drv_stop(d);
}

/*
 * The BAR's addresses while the controller memory space is disabled (CRE
 * alone, or nothing): Invalid CMB Usage, and the CMB is left untouched.
 */
static void test_window_disabled(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t buf = d->cmb_addr + 8192;
    uint8_t mark[16];

    memset(mark, 0x5a, sizeof(mark));
    nvme_drv_memwrite(d, buf, mark, sizeof(mark));
    nvme_drv_wr64(d, NVME_REG_CMBMSC, d->cmb_addr | 1);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 1, buf, 0), ==, BAD_CMB);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, 0);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 1, buf, 0), ==, BAD_CMB);
    expect_mem(d, buf, mark, sizeof(mark));
    /* a PRP list, an SGL segment, a queue there */
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 24, nvme_drv_alloc(d, 4096),
                           buf), ==, BAD_CMB);
    g_assert_cmphex(rw_sgl(d, NVME_CMD_READ, 0, 1, buf, 16, T_LAST), ==,
                    BAD_CMB);
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 4096 / 16, 0, true), ==,
                    NVME_SUCCESS);
    d->cmb_queues = true;       /* the driver takes BAR memory now */
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 2, 64), ==, BAD_CMB);
    d->cmb_queues = false;
    expect_mem(d, buf, mark, sizeof(mark));
    /* enabled again: fine */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, d->cmb_addr | 3);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 1, buf, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_stop(d);
}

/*
 * An admin SQ across the CMB's end: the controller refuses to enable;
 * wholly inside it, it enables.
 */
static void test_admin_queue_across(void)
{
    NvmeDrv *d = cmb_boot(NULL);
    uint64_t end;

    nvme_drv_cmb_enable(d);
    end = d->cmb_addr + CMB_BYTES;
    nvme_drv_wr32(d, NVME_REG_AQA, (31u << 16) | 127);  /* 8 KiB of SQ */
    nvme_drv_wr64_split(d, NVME_REG_ASQ, end - 4096);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, nvme_drv_alloc(d, 4096));
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    /* enabling is synchronous: refused at once */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_READY, ==, 0);
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, end - 8192);
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                     2000));
    nvme_drv_stop(d);
}

/*
 * Many commands in flight with everything in the CMB: queues, data,
 * several queue pairs.
 */
static void test_load(void)
{
    NvmeDrv *d = cmb_start(NULL, true);
    enum { N = 48, BLK = 8 };
    uint64_t buf[N];
    uint16_t cid[N];
    g_autofree uint8_t *src = g_malloc(N * BLK * LBASZ);

    nvme_drv_create_qpair(d, 2, 32);
    fill(src, N * BLK * LBASZ, 7);
    for (int i = 0; i < N; i++) {
        NvmeCmd cmd;

        buf[i] = nvme_drv_cmb_alloc(d, BLK * LBASZ, 4096);
        nvme_drv_memwrite(d, buf[i], src + i * BLK * LBASZ, BLK * LBASZ);
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
        cmd.dptr.prp1 = buf[i];
        cmd.cdw10 = 512 + i * BLK;
        cmd.cdw12 = BLK - 1;
        cid[i] = nvme_drv_submit(d, 1 + i % 2, &cmd);
    }
    for (int i = 0; i < N; i++) {
        NvmeCqe cqe;

        nvme_drv_wait_cid(d, 1 + i % 2, cid[i], &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    }
    expect_file(d, 512, src, N * BLK * LBASZ);
    nvme_drv_stop(d);
}

/*
 * A hostile host lays the window over its live I/O queues: the
 * controller's queue accesses reach the CMB from then on (a command put
 * there through the BAR is fetched and its completion lands there), and
 * after a reset with the window back at the BAR all is well.
 */
static void test_window_over_queues(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t cba = MIN(d->sq[1].addr, d->cq[1].addr) & ~0xfffULL;
    uint64_t sq = d->cmb_addr + d->sq[1].addr - cba;
    uint64_t cq = d->cmb_addr + d->cq[1].addr - cba;
    uint32_t tail = d->sq[1].tail, head = d->cq[1].head;
    NvmeCmd cmd = { .opcode = NVME_CMD_FLUSH, .cid = cpu_to_le16(0x77),
                    .nsid = cpu_to_le32(1) };
    NvmeCqe cqe;

    g_assert_cmpuint(MAX(d->sq[1].addr, d->cq[1].addr) + 4096 - cba, <=,
                     CMB_BYTES);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, cba | 3);
    nvme_drv_memwrite(d, sq + tail * 64, &cmd, sizeof(cmd));
    nvme_drv_ring_db(d, 1, false, (tail + 1) % d->sq[1].size);
    for (int i = 0; i < 1000; i++) {
        nvme_drv_memread(d, cq + head * 16, &cqe, sizeof(cqe));
        if ((le16_to_cpu(cqe.status) & 1) == d->cq[1].phase) {
            break;
        }
        g_usleep(1000);
    }
    g_assert_cmphex(le16_to_cpu(cqe.status) & 1, ==, d->cq[1].phase);
    g_assert_cmphex(le16_to_cpu(cqe.cid), ==, 0x77);
    g_assert_cmphex(le16_to_cpu(cqe.status) >> 1, ==, NVME_SUCCESS);

    nvme_drv_wr64(d, NVME_REG_CMBMSC, d->cmb_addr | 3);
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 64);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 8,
                           nvme_drv_cmb_alloc(d, 4096, 4096), 0), ==,
                    NVME_SUCCESS);
    nvme_drv_stop(d);
}

/*
 * The CMB window laid over host RAM the queue's data went to a moment
 * ago, then taken away again: each Read lands where the controller's
 * DMA view says at that time (the device keeps its mappings of guest RAM
 * across commands and must drop them when the view changes).
 */
static void test_window_over_data(void)
{
    NvmeDrv *d = cmb_start(NULL, false);
    uint64_t buf = nvme_drv_alloc(d, 8192);
    uint64_t cba = buf & ~0xfffULL;
    uint64_t in_cmb = d->cmb_addr + (buf - cba);
    g_autofree uint8_t *src = g_malloc(4096);
    g_autofree uint8_t *mark = g_malloc(4096);

    fill(src, 4096, 9);
    memset(mark, 0x11, 4096);
    nvme_drv_memwrite(d, buf, src, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_WRITE, 512, 8, buf, 0), ==,
                    NVME_SUCCESS);
    qtest_memset(d->qts, buf, 0, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 512, 8, buf, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, buf, src, 4096);

    /* the window over it: the Read goes to the CMB, RAM stays */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, cba | 3);
    nvme_drv_memwrite(d, buf, mark, 4096);
    qtest_memset(d->qts, in_cmb, 0, 4096);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 512, 8, buf, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, in_cmb, src, 4096);
    expect_mem(d, buf, mark, 4096);

    /* and away again: RAM once more */
    nvme_drv_wr64(d, NVME_REG_CMBMSC, d->cmb_addr | 3);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 512, 8, buf, 0), ==,
                    NVME_SUCCESS);
    expect_mem(d, buf, src, 4096);
    nvme_drv_stop(d);
}

/* Junk in every CMB register, any size: only CMBMSC's fields stick. */
static void test_register_junk(void)
{
    NvmeDrv *d = cmb_start(NULL, true);

    for (uint32_t off = NVME_REG_CMBLOC; off < 0x68; off += 4) {
        nvme_drv_wr32(d, off, 0xfffffffc);
        if (!(off & 7)) {
            nvme_drv_wr64(d, off, 0xfffffffffffff000ULL | 0xffc);
        }
    }
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==,
                    0xfffffffcfffff000ULL);    /* CRE, CMSE clear */
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSZ), ==, 0);
    nvme_drv_wr64(d, NVME_REG_CMBMSC, d->cmb_addr | 3);
    g_assert_cmphex(rw_prp(d, NVME_CMD_READ, 0, 8, d->cmb_addr + 65536, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/cmb/regs_14", test_regs_14);
    qtest_add_func("/nvme/cmb/regs_resets", test_regs_resets);
    qtest_add_func("/nvme/cmb/regs_legacy", test_regs_legacy);
    qtest_add_func("/nvme/cmb/regs_none", test_regs_none);
    qtest_add_func("/nvme/cmb/regs_odd_size", test_regs_odd_size);
    qtest_add_func("/nvme/cmb/queues_and_data", test_queues_and_data);
    qtest_add_func("/nvme/cmb/queues_and_data_legacy",
                   test_queues_and_data_legacy);
    qtest_add_func("/nvme/cmb/prp_list", test_prp_list);
    qtest_add_func("/nvme/cmb/sgl", test_sgl);
    qtest_add_func("/nvme/cmb/metadata", test_metadata);
    qtest_add_func("/nvme/cmb/window_elsewhere", test_window_elsewhere);
    qtest_add_func("/nvme/cmb/window_disabled", test_window_disabled);
    qtest_add_func("/nvme/cmb/invalid_usage", test_invalid_usage);
    qtest_add_func("/nvme/cmb/invalid_usage_legacy",
                   test_invalid_usage_legacy);
    qtest_add_func("/nvme/cmb/admin_queue_across", test_admin_queue_across);
    qtest_add_func("/nvme/cmb/load", test_load);
    qtest_add_func("/nvme/cmb/window_over_queues", test_window_over_queues);
    qtest_add_func("/nvme/cmb/window_over_data", test_window_over_data);
    qtest_add_func("/nvme/cmb/register_junk", test_register_junk);
    return g_test_run();
}

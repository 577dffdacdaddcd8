/*
 * qtest: the Persistent Memory Region ("pmrdev").
 *
 * Its registers (PMRCAP, PMRCTL, PMRSTS with NRDY and CBAI, PMREBS,
 * PMRSWTP, PMRMSCL/U), BAR 4 enabled by PMRCTL.EN, stores through the BAR
 * reaching the backing file (while QEMU runs once PMRSTS was read, after
 * it exits, and again after a restart on the same file), data buffers of
 * commands in the PMR's controller memory space window, Invalid
 * Controller Memory Buffer Usage for what the PMR does not offer, resets,
 * and the configurations QEMU refuses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/units.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define PMR_SIZE    (4 * MiB)
#define LBASZ       512
#define BAD_CMB     (NVME_INVALID_USE_OF_CMB | NVME_DNR)
#define T_DATA      (NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4)
#define T_LAST      (NVME_SGL_DESCR_TYPE_LAST_SEGMENT << 4)
#define PSDT_SGL    (NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6)

#define PMRSTS_NRDY (1u << 8)
#define PMRSTS_CBAI (1u << 12)

typedef struct Pmr {
    NvmeDrv *d;
    char *file;                 /* the backend's file */
    QPCIBar bar;
    uint64_t addr;              /* BAR 4 */
} Pmr;

static char *pmr_file(uint8_t fill)
{
    char *path = nvme_drv_make_image(PMR_SIZE);
    g_autofree uint8_t *buf = g_malloc(PMR_SIZE);
    int fd = open(path, O_WRONLY);

    memset(buf, fill, PMR_SIZE);
    g_assert_cmpint(pwrite(fd, buf, PMR_SIZE, 0), ==, PMR_SIZE);
    close(fd);
    return path;
}

/* QEMU with a PMR on @file (and @props); BAR 4 mapped, PMR disabled. */
static Pmr *pmr_boot(const char *file, const char *props)
{
    Pmr *p = g_new0(Pmr, 1);
    g_autofree char *args = g_strdup_printf(
        "-object memory-backend-file,id=pmr0,share=on,mem-path=%s,size=%u "
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=pmrtest,pmrdev=pmr0%s%s",
        file, (unsigned)PMR_SIZE, props ? "," : "", props ? props : "");
    uint64_t size;

    p->file = g_strdup(file);
    p->d = nvme_drv_start_args(args);
    p->bar = qpci_iomap(p->d->pdev, 4, &size);
    g_assert_cmphex(size, ==, PMR_SIZE);
    p->addr = p->bar.addr;
    return p;
}

static void pmr_stop(Pmr *p)
{
    qpci_iounmap(p->d->pdev, p->bar);
    nvme_drv_stop(p->d);
    g_free(p->file);
    g_free(p);
}

/* Enable the PMR, and its window at the BAR's address when @window. */
static void pmr_enable(Pmr *p, bool window)
{
    nvme_drv_wr32(p->d, NVME_REG_PMRCTL, 1);
    if (window) {
        nvme_drv_wr32(p->d, NVME_REG_PMRMSCU, p->addr >> 32);
        nvme_drv_wr32(p->d, NVME_REG_PMRMSCL, (uint32_t)p->addr | 2);
    }
    g_assert_cmphex(nvme_drv_rd32(p->d, NVME_REG_PMRSTS), ==, 0);
}

/* The backing file holds @want at @off. */
static void expect_file(const char *file, uint64_t off, const void *want,
                        size_t len)
{
    g_autofree uint8_t *got = g_malloc(len);
    int fd = open(file, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, got, len, off), ==, len);
    close(fd);
    g_assert_cmpmem(got, len, want, len);
}

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed * 37 + i * 11 + (i >> 9));
    }
}

static uint16_t io(NvmeDrv *d, uint8_t opc, uint64_t slba, uint32_t nblocks,
                   uint64_t prp1, uint64_t prp2)
{
    return nvme_drv_rw_prp(d, 1, opc, 1, slba, nblocks - 1, prp1, prp2,
                           NULL);
}

/* ---- registers ---- */

static void test_regs(void)
{
    g_autofree char *file = pmr_file(0);
    Pmr *p = pmr_boot(file, NULL);
    NvmeDrv *d = p->d;
    uint32_t cap = nvme_drv_rd32(d, NVME_REG_PMRCAP);
    uint32_t bar4 = qpci_config_readl(d->pdev, PCI_BASE_ADDRESS_4);

    g_assert_cmpuint(NVME_CAP_PMRS(d->cap), ==, 1);
    g_assert_cmpuint(NVME_CAP_CMBS(d->cap), ==, 0);
    g_assert_cmphex(bar4 & 0xf, ==, PCI_BASE_ADDRESS_MEM_TYPE_64 |
                    PCI_BASE_ADDRESS_MEM_PREFETCH);
    /* RDS, WDS, BIR 4, PMRTU 0, PMRWBM 2 (PMRSTS read), PMRTO 0, CMSS */
    g_assert_cmphex(cap, ==, (1u << 3) | (1u << 4) | (4u << 5) |
                    (2u << 10) | (1u << 24));
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCTL), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, PMRSTS_NRDY);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMREBS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSWTP), ==, 0);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_PMRMSCL), ==, 0);

    /* read-only registers ignore writes; reserved bits are not kept */
    nvme_drv_wr32(d, NVME_REG_PMRCAP, 0);
    nvme_drv_wr32(d, NVME_REG_PMRSTS, 0);
    nvme_drv_wr32(d, NVME_REG_PMREBS, 0xffffffff);
    nvme_drv_wr32(d, NVME_REG_PMRSWTP, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCAP), ==, cap);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMREBS), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSWTP), ==, 0);
    nvme_drv_wr32(d, NVME_REG_PMRCTL, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCTL), ==, 1);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, 0);
    nvme_drv_wr32(d, NVME_REG_PMRMSCL, 0xfffffffd);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRMSCL), ==, 0xfffff000);
    nvme_drv_wr64(d, NVME_REG_PMRMSCL, 0x123456789000ULL | 2);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_PMRMSCL), ==, 0x123456789002ULL);

    /* a window past 2^64: CBAI, until a good one */
    nvme_drv_wr64(d, NVME_REG_PMRMSCL, (0 - PMR_SIZE + 4096) | 2);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, PMRSTS_CBAI);
    nvme_drv_wr64(d, NVME_REG_PMRMSCL, (0 - PMR_SIZE) | 2);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, 0);
    nvme_drv_wr32(d, NVME_REG_PMRCTL, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, PMRSTS_NRDY);
    pmr_stop(p);
    unlink(file);
}

/* ---- persistence ---- */

/*
 * BAR 4 shows the file only while the PMR is enabled; stores reach the
 * file, are there after a PMRSTS read while QEMU runs, after it exits,
 * and through the BAR of a QEMU started again on the file.
 */
static void test_persistence(void)
{
    g_autofree char *file = pmr_file(0x11);
    g_autofree uint8_t *data = g_malloc(8192);
    g_autofree uint8_t *got = g_malloc(8192);
    uint8_t ones[4] = { 0x11, 0x11, 0x11, 0x11 };
    Pmr *p = pmr_boot(file, NULL);

    /* disabled: reads 0, writes go nowhere */
    g_assert_cmphex(qtest_readl(p->d->qts, p->addr + 64), ==, 0);
    qtest_writel(p->d->qts, p->addr + 64, 0xdeadbeef);
    pmr_enable(p, false);
    g_assert_cmphex(qtest_readl(p->d->qts, p->addr + 64), ==, 0x11111111);

    fill(data, 8192, 1);
    nvme_drv_memwrite(p->d, p->addr + PMR_SIZE - 8192, data, 8192);
    qtest_writel(p->d->qts, p->addr, 0xcafef00d);
    nvme_drv_rd32(p->d, NVME_REG_PMRSTS);          /* flush */
    expect_file(file, PMR_SIZE - 8192, data, 8192);
    expect_file(file, 64, ones, sizeof(ones));
    pmr_stop(p);
    expect_file(file, PMR_SIZE - 8192, data, 8192);

    p = pmr_boot(file, NULL);
    pmr_enable(p, false);
    nvme_drv_memread(p->d, p->addr + PMR_SIZE - 8192, got, 8192);
    g_assert_cmpmem(got, 8192, data, 8192);
    g_assert_cmphex(qtest_readl(p->d->qts, p->addr), ==, 0xcafef00d);
    pmr_stop(p);
    unlink(file);
}

/* ---- the PMR as data buffers ---- */

/*
 * Data read into the PMR window lands in the file; data written from it
 * reaches the namespace; PRP1 in the PMR and PRP2 in host memory.
 */
static void test_data(void)
{
    g_autofree char *file = pmr_file(0);
    g_autofree uint8_t *data = g_malloc(8192);
    Pmr *p = pmr_boot(file, NULL);
    NvmeDrv *d = p->d;
    uint64_t host = nvme_drv_alloc(d, 8192);

    nvme_drv_ready_io(d, 32);
    pmr_enable(p, true);
    fill(data, 8192, 2);
    nvme_drv_memwrite(d, p->addr + 4096, data, 4096);
    nvme_drv_memwrite(d, host + 4096, data + 4096, 4096);
    g_assert_cmphex(io(d, NVME_CMD_WRITE, 0, 16, p->addr + 4096,
                       host + 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 16, p->addr + 65536,
                       p->addr + 65536 + 4096), ==, NVME_SUCCESS);
    nvme_drv_rd32(d, NVME_REG_PMRSTS);
    expect_file(file, 65536, data, 8192);
    /* SGL data blocks in the PMR */
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
        cmd.flags = PSDT_SGL;
        cmd.dptr.sgl.addr = cpu_to_le64(p->addr + 100);
        cmd.dptr.sgl.len = cpu_to_le32(8192);
        cmd.dptr.sgl.type = T_DATA;
        cmd.cdw12 = 15;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
        nvme_drv_rd32(d, NVME_REG_PMRSTS);
        expect_file(file, 100, data, 8192);
    }
    pmr_stop(p);
    unlink(file);
}

/*
 * What the PMR does not offer: queues and lists there, data across its
 * end, its BAR without the window (disabled, or the PMR off).
 */
static void test_invalid_usage(void)
{
    g_autofree char *file = pmr_file(0);
    Pmr *p = pmr_boot(file, NULL);
    NvmeDrv *d = p->d;
    uint64_t end = p->addr + PMR_SIZE;
    NvmeSglDescriptor s = {
        .addr = cpu_to_le64(nvme_drv_alloc(d, 4096)),
        .len = cpu_to_le32(512), .type = T_DATA,
    };
    NvmeCmd cmd;

    nvme_drv_ready_io(d, 32);
    pmr_enable(p, true);
    /* a PRP list in the PMR */
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 24, nvme_drv_alloc(d, 4096),
                       p->addr), ==, BAD_CMB);
    /* an SGL segment in the PMR */
    nvme_drv_memwrite(d, p->addr, &s, sizeof(s));
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    cmd.flags = PSDT_SGL;
    cmd.dptr.sgl.addr = cpu_to_le64(p->addr);
    cmd.dptr.sgl.len = cpu_to_le32(16);
    cmd.dptr.sgl.type = T_LAST;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, BAD_CMB);
    /* a data block across the PMR's end */
    cmd.dptr.sgl.addr = cpu_to_le64(end - 256);
    cmd.dptr.sgl.len = cpu_to_le32(512);
    cmd.dptr.sgl.type = T_DATA;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, BAD_CMB);
    /* queues in the PMR */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_CQ, 0);
    cmd.dptr.prp1 = p->addr + 8192;
    cmd.cdw10 = (15u << 16) | 2;
    cmd.cdw11 = NVME_CQ_PC;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, BAD_CMB);
    /* the window disabled; the PMR disabled under an enabled window */
    nvme_drv_wr32(d, NVME_REG_PMRMSCL, 0);
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 1, p->addr + 4096, 0), ==,
                    BAD_CMB);
    nvme_drv_wr32(d, NVME_REG_PMRMSCL, (uint32_t)p->addr | 2);
    nvme_drv_wr32(d, NVME_REG_PMRCTL, 0);
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 1, p->addr + 4096, 0), ==,
                    BAD_CMB);
    nvme_drv_wr32(d, NVME_REG_PMRCTL, 1);
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 1, p->addr + 4096, 0), ==,
                    NVME_SUCCESS);
    pmr_stop(p);
    unlink(file);
}

/* A controller reset keeps the PMR as it is, an NSSR disables it. */
static void test_resets(void)
{
    g_autofree char *file = pmr_file(0x22);
    Pmr *p = pmr_boot(file, NULL);
    NvmeDrv *d = p->d;

    nvme_drv_ready_io(d, 32);
    pmr_enable(p, true);
    nvme_drv_disable(d);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCTL), ==, 1);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRMSCL), ==, (uint32_t)p->addr | 2);
    g_assert_cmphex(qtest_readb(d->qts, p->addr), ==, 0x22);
    nvme_drv_wr32(d, NVME_REG_NSSR, NVME_DRV_NSSR_MAGIC);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRCTL), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_PMRSTS), ==, PMRSTS_NRDY);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_PMRMSCL), ==, 0);
    g_assert_cmphex(qtest_readb(d->qts, p->addr), ==, 0);
    pmr_stop(p);
    unlink(file);
}

/* Configurations QEMU refuses at start. */
static void test_refused(void)
{
    g_autofree char *file = pmr_file(0);
    g_autofree char *odd = g_strdup_printf(
        "-object memory-backend-file,id=pmr0,share=on,mem-path=%s,size=3M "
        "-device nvme,serial=x,pmrdev=pmr0", file);
    g_autofree char *twice = g_strdup_printf(
        "-object memory-backend-file,id=pmr0,share=on,mem-path=%s,size=4M "
        "-device nvme,serial=x,pmrdev=pmr0 "
        "-device nvme,serial=y,pmrdev=pmr0", file);
    g_autofree char *excl = g_strdup_printf(
        "-object memory-backend-file,id=pmr0,share=on,mem-path=%s,size=4M "
        "-device nvme,serial=x,pmrdev=pmr0,msix-exclusive-bar=on", file);

    nvme_drv_start_fails(odd, "pmrdev size must be a power of two");
    nvme_drv_start_fails(twice, "pmrdev 'pmr0' is already in use");
    nvme_drv_start_fails(excl, "both want BAR 4");
    unlink(file);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/pmr/regs", test_regs);
    qtest_add_func("/nvme/pmr/persistence", test_persistence);
    qtest_add_func("/nvme/pmr/data", test_data);
    qtest_add_func("/nvme/pmr/invalid_usage", test_invalid_usage);
    qtest_add_func("/nvme/pmr/resets", test_resets);
    qtest_add_func("/nvme/pmr/refused", test_refused);
    return g_test_run();
}

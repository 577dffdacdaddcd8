/*
 * qtest: NVM commands beyond Read/Write/Flush: Write Zeroes, Dataset
 * Management, Verify, Write Uncorrectable (+ Get LBA Status), Compare,
 * Copy and fused Compare and Write.  Every case checks what the command
 * left on the media by reading it back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define LBASZ 512
#define NBLOCKS (NVME_DRV_IMG_SIZE / LBASZ)
#define GET_LBA_STATUS 0x86
#define FUSE_FIRST 1
#define FUSE_SECOND 2

/* A second namespace, 1 GiB of zeroes, for the Copy limits. */
#define BIG_NS "id=c0", "-blockdev driver=null-co,node-name=big," \
               "size=1073741824,read-zeroes=on -device nvme-ns,drive=big," \
               "bus=c0,nsid=2,mssrl=65535,mcl=1048576"

static NvmeDrv *start_io(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    nvme_drv_create_qpair(d, 1, 64);
    return d;
}

static void pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    nvme_drv_pattern(buf, len, seed);
}

/* Write @n blocks at @slba with pattern @seed. */
static void put(NvmeDrv *d, uint64_t slba, uint32_t n, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(n * LBASZ);

    pattern(buf, n * LBASZ, seed);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, slba, n, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
}

/* Read @n blocks at @slba: status, data in @out (may be NULL). */
static uint16_t get(NvmeDrv *d, uint64_t slba, uint32_t n, uint8_t *out)
{
    return nvme_drv_rw(d, 1, NVME_CMD_READ, 1, slba, n, LBASZ, out, 0);
}

/* The blocks read back as pattern @seed (or zeroes for seed 0). */
static void expect(NvmeDrv *d, uint64_t slba, uint32_t n, uint32_t seed)
{
    nvme_drv_expect_blocks(d, 1, 1, slba, n, LBASZ, seed);
}

/* The blocks at @slba of the image file are zero. */
static void expect_file_zero(NvmeDrv *d, uint64_t slba, uint32_t n)
{
    g_autofree uint8_t *buf = g_malloc(n * LBASZ);
    g_autofree uint8_t *zero = g_malloc0(n * LBASZ);

    g_assert_cmpint(pread(d->img_fd, buf, n * LBASZ, slba * LBASZ), ==,
                    n * LBASZ);
    g_assert_cmpmem(buf, n * LBASZ, zero, n * LBASZ);
}

/* A command with SLBA/NLB in CDW10-12 and no data. */
static uint16_t range_cmd(NvmeDrv *d, uint8_t opc, uint32_t nsid,
                          uint64_t slba, uint32_t n, uint32_t cdw12_flags)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = ((n - 1) & 0xffff) | cdw12_flags;
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

/* ---- Identify and the effects log ---- */

static void test_identify(void)
{
    NvmeDrv *d = start_io();
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    g_autofree NvmeIdNs *ns = g_malloc(4096);
    g_autofree NvmeIdCtrlNvm *nvm = g_malloc(4096);
    g_autofree NvmeEffectsLog *e = g_malloc(sizeof(*e));
    static const uint8_t lbcc[] = {
        NVME_CMD_WRITE, NVME_CMD_WRITE_UNCOR, NVME_CMD_WRITE_ZEROES,
        NVME_CMD_DSM, NVME_CMD_COPY,
    };

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(id->oncs), ==, 0x1ff); /* + reservations */
    g_assert_cmphex(le16_to_cpu(id->ocfs), ==, 0xf);
    g_assert_cmphex(le16_to_cpu(id->fuses), ==, 1);
    g_assert_cmphex(le16_to_cpu(id->oacs) & (1 << 9), ==, 1 << 9);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ns->dlfeat, ==, 0x09);
    /* upstream's default Copy limits (nvme-ns mssrl, mcl, msrc) */
    g_assert_cmpuint(le16_to_cpu(ns->mssrl), ==, 128);
    g_assert_cmpuint(le32_to_cpu(ns->mcl), ==, 128);
    g_assert_cmpuint(ns->msrc, ==, 127);
    memset(nvm, 0xff, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0,
                                      NVME_CSI_NVM, nvm), ==, NVME_SUCCESS);
    g_assert_cmpuint(nvm->vsl, ==, 7);     /* upstream's default "vsl" */
    g_assert_cmpuint(nvm->wzsl | nvm->wusl | nvm->dmrl, ==, 0);
    g_assert_cmpuint(nvm->dmrsl, ==, 0);
    g_assert_cmpuint(nvm->dmsl, ==, 0);

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, e,
                                     sizeof(*e)), ==, NVME_SUCCESS);
    for (size_t i = 0; i < ARRAY_SIZE(lbcc); i++) {
        g_assert_cmphex(le32_to_cpu(e->iocs[lbcc[i]]), ==,
                        NVME_CMD_EFF_CSUPP | NVME_CMD_EFF_LBCC);
    }
    g_assert_cmphex(le32_to_cpu(e->iocs[NVME_CMD_COMPARE]), ==,
                    NVME_CMD_EFF_CSUPP);
    g_assert_cmphex(le32_to_cpu(e->iocs[NVME_CMD_VERIFY]), ==,
                    NVME_CMD_EFF_CSUPP);
    g_assert_cmphex(le32_to_cpu(e->acs[GET_LBA_STATUS]), ==,
                    NVME_CMD_EFF_CSUPP);
    nvme_drv_stop(d);
}

/* ---- Write Zeroes ---- */

static void test_write_zeroes(void)
{
    NvmeDrv *d = start_io();
    const uint32_t deac = 1u << 25, fua = 1u << 30;

    put(d, 100, 32, 5);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 104, 8, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 120, 4,
                              deac | fua), ==, NVME_SUCCESS);
    expect(d, 104, 8, 0);
    expect(d, 120, 4, 0);
    expect_file_zero(d, 104, 8);
    expect_file_zero(d, 120, 4);
    {   /* neighbours intact */
        g_autofree uint8_t *all = g_malloc(32 * LBASZ);
        g_autofree uint8_t *want = g_malloc(32 * LBASZ);

        pattern(want, 32 * LBASZ, 5);
        g_assert_cmphex(get(d, 100, 32, all), ==, NVME_SUCCESS);
        g_assert_cmpmem(all, 4 * LBASZ, want, 4 * LBASZ);
        g_assert_cmpmem(all + 12 * LBASZ, 8 * LBASZ, want + 12 * LBASZ,
                        8 * LBASZ);
        g_assert_cmpmem(all + 24 * LBASZ, 8 * LBASZ, want + 24 * LBASZ,
                        8 * LBASZ);
    }
    /* the largest NLB, not bounded by MDTS: no data transfer */
    put(d, 0, 8, 9);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 0, NBLOCKS, deac),
                    ==, NVME_SUCCESS);
    expect(d, 0, 8, 0);
    nvme_drv_stop(d);
}

static void test_write_zeroes_errors(void)
{
    NvmeDrv *d = start_io();
    NvmeErrorLog e;

    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, NBLOCKS - 1, 2, 0),
                    ==, NVME_LBA_RANGE | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, NBLOCKS - 1);
    g_assert_cmphex(le16_to_cpu(e.param_error_location), ==, 40);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, UINT64_MAX, 2, 0),
                    ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, NBLOCKS, 1, 0),
                    ==, NVME_LBA_RANGE | DNR);
    /* directive type (bits 23:20) unsupported, bits 19:16 reserved */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 0, 1, 1u << 20),
                    ==, NVME_INVALID_FIELD | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmphex(le16_to_cpu(e.param_error_location), ==, 50 | (4 << 8));
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 0, 1, 1u << 16),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 2, 0, 1, 0), ==,
                    NVME_INVALID_FIELD | DNR);     /* inactive NSID */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 0xffffffff, 0, 1, 0),
                    ==, NVME_INVALID_NSID | DNR);
    nvme_drv_stop(d);
}

/* ---- Dataset Management ---- */

static uint16_t dsm(NvmeDrv *d, const NvmeDsmRange *r, uint32_t nr,
                    uint32_t attr, uint32_t cdw10_extra)
{
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_memwrite(d, buf, r, nr * sizeof(*r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_DSM, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, nr * sizeof(*r));
    cmd.cdw10 = (nr - 1) | cdw10_extra;
    cmd.cdw11 = attr;
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    guest_free(&d->alloc, buf);
    return st;
}

static NvmeDsmRange dsm_range(uint64_t slba, uint32_t nlb)
{
    return (NvmeDsmRange) { .slba = cpu_to_le64(slba),
                            .nlb = cpu_to_le32(nlb) };
}

static void test_dsm(void)
{
    NvmeDrv *d = start_io();
    g_autofree NvmeDsmRange *r = g_new0(NvmeDsmRange, 256);

    put(d, 200, 40, 3);
    r[0] = dsm_range(204, 4);
    r[1] = dsm_range(230, 6);
    r[2] = dsm_range(0, 0);         /* empty range: nothing */
    /* hints only: nothing changes */
    g_assert_cmphex(dsm(d, r, 3, NVME_DSMGMT_IDR | NVME_DSMGMT_IDW, 0), ==,
                    NVME_SUCCESS);
    expect(d, 200, 40, 3);
    g_assert_cmphex(dsm(d, r, 3, NVME_DSMGMT_AD, 0), ==, NVME_SUCCESS);
    expect(d, 204, 4, 0);
    expect(d, 230, 6, 0);
    expect_file_zero(d, 204, 4);
    expect(d, 200, 4, 3);
    {
        g_autofree uint8_t *got = g_malloc(22 * LBASZ);
        g_autofree uint8_t *want = g_malloc(40 * LBASZ);

        pattern(want, 40 * LBASZ, 3);
        g_assert_cmphex(get(d, 208, 22, got), ==, NVME_SUCCESS);
        g_assert_cmpmem(got, 22 * LBASZ, want + 8 * LBASZ, 22 * LBASZ);
    }
    /* NR = 255: 256 ranges */
    put(d, 1000, 256, 4);
    for (int i = 0; i < 256; i++) {
        r[i] = dsm_range(1000 + i, i % 2);
    }
    g_assert_cmphex(dsm(d, r, 256, NVME_DSMGMT_AD, 0), ==, NVME_SUCCESS);
    {
        g_autofree uint8_t *got = g_malloc(256 * LBASZ);
        g_autofree uint8_t *want = g_malloc(256 * LBASZ);

        pattern(want, 256 * LBASZ, 4);
        g_assert_cmphex(get(d, 1000, 256, got), ==, NVME_SUCCESS);
        for (int i = 0; i < 256; i++) {
            if (i % 2) {
                memset(want + i * LBASZ, 0, LBASZ);
            }
        }
        g_assert_cmpmem(got, 256 * LBASZ, want, 256 * LBASZ);
    }
    nvme_drv_stop(d);
}

static void test_dsm_errors(void)
{
    NvmeDrv *d = start_io();
    NvmeDsmRange r[2];
    NvmeErrorLog e;

    put(d, 10, 4, 6);
    r[0] = dsm_range(10, 4);
    r[1] = dsm_range(NBLOCKS - 2, 3);
    g_assert_cmphex(dsm(d, r, 2, NVME_DSMGMT_AD, 0), ==, NVME_LBA_RANGE | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, NBLOCKS - 2);
    expect(d, 10, 4, 6);            /* checked before anything is done */
    r[1] = dsm_range(UINT64_MAX, 2);
    g_assert_cmphex(dsm(d, r, 2, NVME_DSMGMT_AD, 0), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(dsm(d, r, 1, NVME_DSMGMT_AD | 8, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(dsm(d, r, 1, NVME_DSMGMT_AD, 0x100), ==,
                    NVME_INVALID_FIELD | DNR);
    expect(d, 10, 4, 6);
    nvme_drv_stop(d);
}

/* ---- Verify ---- */

static void test_verify(void)
{
    NvmeDrv *d = start_io();

    put(d, 50, 8, 8);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 50, 8, 0), ==,
                    NVME_SUCCESS);
    /* no data transfer, no MDTS bound: VSL (7: 512 KiB) is the limit */
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 0, 1024, 1u << 30), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 0, 1025, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, NBLOCKS - 1, 2, 0), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 0, 1, 1u << 25), ==,
                    NVME_INVALID_FIELD | DNR);
    expect(d, 50, 8, 8);
    nvme_drv_stop(d);
}

/* ---- Write Uncorrectable and Get LBA Status ---- */

static uint16_t lba_status(NvmeDrv *d, uint64_t slba, uint32_t mndw,
                           uint8_t atype, uint16_t rl, uint32_t *out,
                           uint32_t outlen)
{
    uint64_t buf = nvme_drv_alloc(d, 8192);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, GET_LBA_STATUS, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf + 0x10, (mndw + 1) * 4);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = mndw;
    cmd.cdw13 = ((uint32_t)atype << 24) | rl;
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    nvme_drv_memread(d, buf + 0x10, out, outlen);
    guest_free(&d->alloc, buf);
    return st;
}

static void test_write_uncor(void)
{
    NvmeDrv *d = start_io();
    g_autofree uint8_t *buf = g_malloc(16 * LBASZ);
    NvmeErrorLog e;

    put(d, 300, 16, 2);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 304, 4, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get(d, 300, 16, buf), ==, NVME_UNRECOVERED_READ | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, 304);
    g_assert_cmphex(get(d, 306, 1, buf), ==, NVME_UNRECOVERED_READ | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 300, 16, 0), ==,
                    NVME_UNRECOVERED_READ | DNR);
    expect(d, 300, 4, 2);           /* neighbours read fine */
    {
        g_autofree uint8_t *want = g_malloc(16 * LBASZ);

        pattern(want, 16 * LBASZ, 2);
        g_assert_cmphex(get(d, 308, 8, buf), ==, NVME_SUCCESS);
        g_assert_cmpmem(buf, 8 * LBASZ, want + 8 * LBASZ, 8 * LBASZ);
    }
    /* rewriting part of the range clears only that part */
    put(d, 304, 1, 7);
    expect(d, 304, 1, 7);
    g_assert_cmphex(get(d, 305, 1, buf), ==, NVME_UNRECOVERED_READ | DNR);
    /* Write Zeroes and DSM deallocate clear the mark too */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 305, 1, 0), ==,
                    NVME_SUCCESS);
    expect(d, 305, 1, 0);
    {
        NvmeDsmRange r = dsm_range(306, 2);

        g_assert_cmphex(dsm(d, &r, 1, NVME_DSMGMT_AD, 0), ==, NVME_SUCCESS);
    }
    expect(d, 306, 2, 0);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 300, 16, 0), ==,
                    NVME_SUCCESS);
    /* errors */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, NBLOCKS - 1, 2, 0),
                    ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 0, 1, 1u << 16),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 3, 0, 1, 0), ==,
                    NVME_INVALID_FIELD | DNR);     /* inactive NSID */
    nvme_drv_stop(d);
}

static void test_get_lba_status(void)
{
    NvmeDrv *d = start_io();
    uint32_t out[64];

    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 100, 8, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 108, 2, 0), ==,
                    NVME_SUCCESS);      /* merges with the first */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 200, 4, 0), ==,
                    NVME_SUCCESS);
    memset(out, 0xee, sizeof(out));
    g_assert_cmphex(lba_status(d, 0, 63, 0x11, 0, out, sizeof(out)), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(out[0]), ==, 2);         /* NLSD */
    g_assert_cmpuint(out[1] & 0xff, ==, 2);               /* CMPC: range */
    g_assert_cmpuint(le32_to_cpu(out[2]), ==, 100);       /* DSLBA */
    g_assert_cmpuint(le32_to_cpu(out[4]), ==, 10);        /* NLB */
    g_assert_cmpuint(le32_to_cpu(out[6]), ==, 200);
    g_assert_cmpuint(le32_to_cpu(out[8]), ==, 4);
    g_assert_cmphex(out[10], ==, 0);        /* nothing more (zeroed) */
    /* clipped to SLBA/RL, action type 10h */
    g_assert_cmphex(lba_status(d, 105, 63, 0x10, 90, out, sizeof(out)), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(out[0]), ==, 1);
    g_assert_cmpuint(le32_to_cpu(out[2]), ==, 105);
    g_assert_cmpuint(le32_to_cpu(out[4]), ==, 5);
    /* room for one descriptor: CMPC says MNDW stopped it */
    g_assert_cmphex(lba_status(d, 0, 5, 0x11, 0, out, 24), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(out[0]), ==, 1);
    g_assert_cmpuint(out[1] & 0xff, ==, 1);
    /* rewriting removes a range */
    put(d, 200, 4, 1);
    g_assert_cmphex(lba_status(d, 0, 63, 0x11, 0, out, sizeof(out)), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(out[0]), ==, 1);
    /* errors */
    g_assert_cmphex(lba_status(d, 0, 63, 0x12, 0, out, 8), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(lba_status(d, NBLOCKS, 63, 0x11, 0, out, 8), ==,
                    NVME_LBA_RANGE | DNR);
    nvme_drv_stop(d);
}

/* ---- Compare ---- */

static uint16_t compare(NvmeDrv *d, uint64_t slba, uint32_t n, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(n * LBASZ);
    uint64_t gbuf = nvme_drv_alloc(d, n * LBASZ);
    NvmeCmd cmd;
    uint16_t st;

    pattern(buf, n * LBASZ, seed);
    nvme_drv_memwrite(d, gbuf, buf, n * LBASZ);
    nvme_drv_cmd_init(&cmd, NVME_CMD_COMPARE, 1);
    nvme_drv_cmd_set_prp(d, &cmd, gbuf, n * LBASZ);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = n - 1;
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    guest_free(&d->alloc, gbuf);
    return st;
}

static void test_compare(void)
{
    NvmeDrv *d = start_io();
    NvmeErrorLog e;

    put(d, 400, 16, 11);
    g_assert_cmphex(compare(d, 400, 16, 11), ==, NVME_SUCCESS);
    g_assert_cmphex(compare(d, 400, 16, 12), ==, NVME_CMP_FAILURE | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, 400);
    g_assert_cmphex(compare(d, NBLOCKS - 1, 2, 11), ==, NVME_LBA_RANGE | DNR);
    /* beyond MDTS (512 KiB) */
    g_assert_cmphex(compare(d, 0, 1025, 11), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 410, 1, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(compare(d, 400, 16, 11), ==, NVME_UNRECOVERED_READ | DNR);
    expect(d, 400, 10, 11);
    nvme_drv_stop(d);
}

/* ---- Copy ---- */

static NvmeCopySourceRangeFormat0_2 copy_range(uint64_t slba, uint32_t nlb)
{
    return (NvmeCopySourceRangeFormat0_2) {
        .slba = cpu_to_le64(slba), .nlb = cpu_to_le16(nlb - 1) };
}

static uint16_t copy(NvmeDrv *d, uint32_t nsid, uint64_t sdlba,
                     const NvmeCopySourceRangeFormat0_2 *r, uint32_t nr,
                     uint32_t cdw12_extra)
{
    uint64_t buf = nvme_drv_alloc(d, 8192);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_memwrite(d, buf, r, nr * sizeof(*r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, nr * sizeof(*r));
    cmd.cdw10 = (uint32_t)sdlba;
    cmd.cdw11 = sdlba >> 32;
    cmd.cdw12 = ((nr - 1) & 0xff) | cdw12_extra;
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    guest_free(&d->alloc, buf);
    return st;
}

static void test_copy(void)
{
    NvmeDrv *d = start_io();
    NvmeCopySourceRangeFormat0_2 r[3];
    g_autofree uint8_t *a = g_malloc(16 * LBASZ);
    g_autofree uint8_t *b = g_malloc(16 * LBASZ);
    g_autofree uint8_t *got = g_malloc(26 * LBASZ);

    put(d, 500, 16, 21);
    put(d, 600, 16, 22);
    r[0] = copy_range(504, 4);
    r[1] = copy_range(600, 16);
    r[2] = copy_range(500, 6);
    g_assert_cmphex(copy(d, 1, 3000, r, 3, 1u << 30), ==, NVME_SUCCESS);
    pattern(a, 16 * LBASZ, 21);
    pattern(b, 16 * LBASZ, 22);
    g_assert_cmphex(get(d, 3000, 26, got), ==, NVME_SUCCESS);
    g_assert_cmpmem(got, 4 * LBASZ, a + 4 * LBASZ, 4 * LBASZ);
    g_assert_cmpmem(got + 4 * LBASZ, 16 * LBASZ, b, 16 * LBASZ);
    g_assert_cmpmem(got + 20 * LBASZ, 6 * LBASZ, a, 6 * LBASZ);
    expect(d, 500, 16, 21);         /* sources unchanged */
    /* the copy rewrites uncorrectable destination blocks */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 3000, 1, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(copy(d, 1, 3000, r, 1, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(get(d, 3000, 1, got), ==, NVME_SUCCESS);
    /* ... but an uncorrectable source fails it */
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 601, 1, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(copy(d, 1, 4000, r, 2, 0), ==,
                    NVME_UNRECOVERED_READ | DNR);
    expect(d, 4000, 4, 0);          /* nothing was written */
    nvme_drv_stop(d);
}

static void test_copy_errors(void)
{
    NvmeDrv *d = nvme_drv_start(BIG_NS);
    g_autofree NvmeCopySourceRangeFormat0_2 *r =
        g_new0(NvmeCopySourceRangeFormat0_2, 256);
    NvmeErrorLog e;

    nvme_drv_ready_io(d, 64);
    for (int i = 0; i < 256; i++) {
        r[i] = copy_range(i * 65535ULL, 65535);
    }
    /* MSRC: 128 ranges fine (checked by count only), 129 too many */
    g_assert_cmphex(copy(d, 2, 0, r, 129, 0), ==, NVME_CMD_SIZE_LIMIT | DNR);
    /* MCL: 16 ranges of 65535 fit, 17 do not */
    g_assert_cmphex(copy(d, 2, 1 << 21, r, 17, 0), ==,
                    NVME_CMD_SIZE_LIMIT | DNR);
    /* MSSRL: NLB 65536 */
    r[0] = copy_range(0, 65536);
    g_assert_cmphex(copy(d, 2, 1 << 21, r, 1, 0), ==,
                    NVME_CMD_SIZE_LIMIT | DNR);
    /* descriptor formats 1 and 3 are for 64-bit guard PI only */
    r[0] = copy_range(0, 8);
    g_assert_cmphex(copy(d, 2, 1000, r, 1, 1u << 8), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(copy(d, 2, 1000, r, 1, 3u << 8), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(copy(d, 2, 1000, r, 1, 1u << 20), ==,
                    NVME_INVALID_FIELD | DNR);
    /* format 2 names its source namespace: 0 is none */
    g_assert_cmphex(copy(d, 2, 1000, r, 1, 2u << 8), ==,
                    NVME_INVALID_NSID | DNR);
    /* source and destination ranges beyond the namespace */
    r[0] = copy_range(NBLOCKS - 4, 8);
    g_assert_cmphex(copy(d, 1, 0, r, 1, 0), ==, NVME_LBA_RANGE | DNR);
    e = nvme_drv_last_error(d);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, NBLOCKS - 4);
    r[0] = copy_range(0, 8);
    g_assert_cmphex(copy(d, 1, NBLOCKS - 4, r, 1, 0), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(copy(d, 1, UINT64_MAX - 2, r, 1, 0), ==,
                    NVME_LBA_RANGE | DNR);
    /* a big copy on the null namespace works */
    for (int i = 0; i < 16; i++) {
        r[i] = copy_range(i * 65535ULL, 65535);
    }
    g_assert_cmphex(copy(d, 2, 1 << 20, r, 16, 0), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/*
 * Copy descriptor format 2: source ranges in other namespaces of the
 * controller.  Namespace 2 has the same LBA format as namespace 1 (512
 * bytes, no metadata), namespace 3 another (4096 bytes), NSID 9 is not
 * attached.  One command gathers ranges from 2 and from 1 itself.
 */
static void test_copy_cross_ns(void)
{
    g_autofree char *img2 = nvme_drv_make_image(4 * 1024 * 1024);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d2,format=raw "
        "-blockdev driver=null-co,node-name=n3,size=16777216,read-zeroes=on "
        "-device nvme,id=c0,serial=qtest-copy "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d2,bus=c0,nsid=2 "
        "-device nvme-ns,drive=n3,bus=c0,nsid=3,logical_block_size=4096,"
        "physical_block_size=4096", img2);
    NvmeCopySourceRangeFormat0_2 r[2];
    g_autofree uint8_t *a = g_malloc(8 * LBASZ), *b = g_malloc(4 * LBASZ);
    g_autofree uint8_t *got = g_malloc(12 * LBASZ);
    NvmeDrv *d = nvme_drv_start_args(args);

    unlink(img2);
    nvme_drv_ready_io(d, 64);
    pattern(a, 8 * LBASZ, 31);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 2, 10, 8, LBASZ, a, 0),
                    ==, NVME_SUCCESS);
    put(d, 20, 4, 32);
    pattern(b, 4 * LBASZ, 32);

    r[0] = copy_range(10, 8);
    r[0].sparams = cpu_to_le32(2);
    r[1] = copy_range(20, 4);
    r[1].sparams = cpu_to_le32(1);
    g_assert_cmphex(copy(d, 1, 100, r, 2, 2u << 8), ==, NVME_SUCCESS);
    g_assert_cmphex(get(d, 100, 12, got), ==, NVME_SUCCESS);
    g_assert_cmpmem(got, 8 * LBASZ, a, 8 * LBASZ);
    g_assert_cmpmem(got + 8 * LBASZ, 4 * LBASZ, b, 4 * LBASZ);
    /* the other way: namespace 1's blocks into namespace 2 */
    r[0] = copy_range(100, 12);
    r[0].sparams = cpu_to_le32(1);
    g_assert_cmphex(copy(d, 2, 1000, r, 1, 2u << 8), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 2, 1000, 12, LBASZ, got,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(got, 8 * LBASZ, a, 8 * LBASZ);

    /* another LBA format, not attached, not valid, Source Options */
    r[0] = copy_range(0, 1);
    r[0].sparams = cpu_to_le32(3);
    g_assert_cmphex(copy(d, 1, 100, r, 1, 2u << 8), ==, 0x0185 | DNR);
    r[0].sparams = cpu_to_le32(9);
    g_assert_cmphex(copy(d, 1, 100, r, 1, 2u << 8), ==,
                    NVME_INVALID_FIELD | DNR);
    r[0].sparams = cpu_to_le32(0xffffffff);
    g_assert_cmphex(copy(d, 1, 100, r, 1, 2u << 8), ==,
                    NVME_INVALID_NSID | DNR);
    r[0].sparams = cpu_to_le32(2);
    r[0].sopt = cpu_to_le16(1);
    g_assert_cmphex(copy(d, 1, 100, r, 1, 2u << 8), ==,
                    NVME_INVALID_FIELD | DNR);
    /* a range beyond the source namespace (4 MiB: 8192 blocks) */
    r[0] = copy_range(8190, 4);
    r[0].sparams = cpu_to_le32(2);
    g_assert_cmphex(copy(d, 1, 100, r, 1, 2u << 8), ==, NVME_LBA_RANGE | DNR);
    /* format 0 ignores the SNSID bytes: the command's namespace */
    r[0] = copy_range(20, 4);
    r[0].sparams = cpu_to_le32(2);
    g_assert_cmphex(copy(d, 1, 200, r, 1, 0), ==, NVME_SUCCESS);
    expect(d, 200, 4, 32);
    nvme_drv_stop(d);
}

/* ---- fused Compare and Write ---- */

/* Put a fused-capable command in SQ 1 without ringing. */
static uint16_t put_cmd(NvmeDrv *d, uint8_t opc, uint8_t fuse, uint64_t slba,
                        uint32_t n, uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(n * LBASZ);
    uint64_t gbuf = nvme_drv_alloc(d, n * LBASZ);
    static uint16_t cid = 0x4000;
    NvmeCmd cmd;

    pattern(buf, n * LBASZ, seed);
    nvme_drv_memwrite(d, gbuf, buf, n * LBASZ);
    nvme_drv_cmd_init(&cmd, opc, 1);
    cmd.flags = fuse;
    cmd.cid = ++cid;
    nvme_drv_cmd_set_prp(d, &cmd, gbuf, n * LBASZ);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = n - 1;
    nvme_drv_sq_put(d, 1, &cmd);
    return cmd.cid;
}

static uint16_t wait_status(NvmeDrv *d, uint16_t cid)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(d, 1, cid, &cqe);
    return NVME_DRV_STATUS(&cqe);
}

static void test_fused(void)
{
    NvmeDrv *d = start_io();
    uint16_t c, w, x;

    put(d, 700, 8, 31);
    /* match: the write happens */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 700, 8, 31);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 700, 8, 32);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, w), ==, NVME_SUCCESS);
    expect(d, 700, 8, 32);
    /* mismatch: Compare Failure, the write is aborted */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 700, 8, 31);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 700, 8, 33);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_CMP_FAILURE | DNR);
    g_assert_cmphex(wait_status(d, w), ==, NVME_CMD_ABORT_FAILED_FUSE);
    expect(d, 700, 8, 32);
    /* first alone, then a plain command: Missing Fused Command */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 700, 8, 32);
    x = put_cmd(d, NVME_CMD_READ, 0, 700, 8, 0);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_CMD_ABORT_MISSING_FUSE);
    g_assert_cmphex(wait_status(d, x), ==, NVME_SUCCESS);
    /* first as the last command of the doorbell */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 700, 8, 32);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_CMD_ABORT_MISSING_FUSE);
    /* second alone */
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 700, 8, 34);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, w), ==, NVME_CMD_ABORT_MISSING_FUSE);
    expect(d, 700, 8, 32);
    nvme_drv_stop(d);
}

static void test_fused_errors(void)
{
    NvmeDrv *d = start_io();
    uint16_t c, w;
    NvmeCmd cmd;

    put(d, 800, 4, 41);
    /* only Compare may be first, only Write second, FUSE 11b reserved */
    c = put_cmd(d, NVME_CMD_READ, FUSE_FIRST, 800, 4, 0);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_INVALID_FIELD | DNR);
    c = put_cmd(d, NVME_CMD_COMPARE, 3, 800, 4, 41);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_INVALID_FIELD | DNR);
    /* the first fails: the second is aborted */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, NBLOCKS, 4, 41);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, NBLOCKS, 4, 42);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(wait_status(d, w), ==, NVME_CMD_ABORT_FAILED_FUSE);
    /* the second is on another range: it fails, the first is aborted */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 800, 4, 41);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 801, 4, 42);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, w), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(wait_status(d, c), ==, NVME_CMD_ABORT_FAILED_FUSE);
    expect(d, 800, 4, 41);
    /* no fused commands on the admin queue */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.flags = FUSE_FIRST;
    cmd.cdw10 = NVME_VOLATILE_WRITE_CACHE;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

/*
 * Atomicity: commands in one doorbell.  A write queued before a pair
 * finishes before the compare reads; a write queued after the pair waits
 * for it; two pairs on one range serialize.
 */
static void test_fused_atomic(void)
{
    NvmeDrv *d = start_io();
    uint16_t c, w, x, c2, w2;

    put(d, 900, 64, 51);
    /* write B before the pair comparing the old data: compare fails */
    x = put_cmd(d, NVME_CMD_WRITE, 0, 900, 64, 52);
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 900, 64, 51);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 900, 64, 53);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, x), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, c), ==, NVME_CMP_FAILURE | DNR);
    g_assert_cmphex(wait_status(d, w), ==, NVME_CMD_ABORT_FAILED_FUSE);
    expect(d, 900, 64, 52);
    /* pair, then a second pair expecting the first's data, then write E */
    c = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 900, 64, 52);
    w = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 900, 64, 54);
    c2 = put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 900, 64, 54);
    w2 = put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 900, 64, 55);
    x = put_cmd(d, NVME_CMD_WRITE_ZEROES, 0, 900, 64, 0);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(wait_status(d, c), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, w), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, c2), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, w2), ==, NVME_SUCCESS);
    g_assert_cmphex(wait_status(d, x), ==, NVME_SUCCESS);
    expect(d, 900, 64, 0);
    nvme_drv_stop(d);
}

/* Deleting the SQ / resetting with a held first fused command. */
static void test_fused_teardown(void)
{
    NvmeDrv *d = start_io();

    put(d, 950, 4, 61);
    /* a pair and a write still running or held when the SQ goes */
    put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 950, 4, 61);
    put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 950, 4, 62);
    put_cmd(d, NVME_CMD_WRITE, 0, 950, 4, 63);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(nvme_drv_delete_sq(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, NVME_SUCCESS);
    nvme_drv_create_qpair(d, 1, 16);
    put(d, 950, 4, 64);
    expect(d, 950, 4, 64);
    put_cmd(d, NVME_CMD_COMPARE, FUSE_FIRST, 950, 4, 64);
    put_cmd(d, NVME_CMD_WRITE, FUSE_SECOND, 950, 4, 65);
    nvme_drv_sq_ring(d, 1);
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(get(d, 950, 4, NULL), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* ---- SMART counters ---- */

static void smart(NvmeDrv *d, uint64_t *rd, uint64_t *wr)
{
    NvmeSmartLog s;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &s, sizeof(s)), ==, NVME_SUCCESS);
    *rd = le64_to_cpu(s.host_read_commands[0]);
    *wr = le64_to_cpu(s.host_write_commands[0]);
}

static void test_smart(void)
{
    NvmeDrv *d = start_io();
    NvmeDsmRange r = dsm_range(0, 8);
    uint64_t rd0, wr0, rd, wr;

    put(d, 0, 8, 71);
    smart(d, &rd0, &wr0);
    g_assert_cmphex(compare(d, 0, 8, 71), ==, NVME_SUCCESS);
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 0, 8, 0), ==,
                    NVME_SUCCESS);
    smart(d, &rd, &wr);
    /* SMART Host Read commands: Compare, not Verify (NVM Command Set) */
    g_assert_cmpuint(rd, ==, rd0 + 1);
    g_assert_cmpuint(wr, ==, wr0);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 0, 8, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 0, 8, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dsm(d, &r, 1, NVME_DSMGMT_AD, 0), ==, NVME_SUCCESS);
    smart(d, &rd, &wr);
    g_assert_cmpuint(rd, ==, rd0 + 1);
    /* User Data Out commands are Write and Copy only */
    g_assert_cmpuint(wr, ==, wr0);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/nvme/nvm/identify", test_identify);
    qtest_add_func("/nvme/nvm/write_zeroes", test_write_zeroes);
    qtest_add_func("/nvme/nvm/write_zeroes_errors", test_write_zeroes_errors);
    qtest_add_func("/nvme/nvm/dsm", test_dsm);
    qtest_add_func("/nvme/nvm/dsm_errors", test_dsm_errors);
    qtest_add_func("/nvme/nvm/verify", test_verify);
    qtest_add_func("/nvme/nvm/write_uncor", test_write_uncor);
    qtest_add_func("/nvme/nvm/get_lba_status", test_get_lba_status);
    qtest_add_func("/nvme/nvm/compare", test_compare);
    qtest_add_func("/nvme/nvm/copy", test_copy);
    qtest_add_func("/nvme/nvm/copy_errors", test_copy_errors);
    qtest_add_func("/nvme/nvm/copy_cross_ns", test_copy_cross_ns);
    qtest_add_func("/nvme/nvm/fused", test_fused);
    qtest_add_func("/nvme/nvm/fused_errors", test_fused_errors);
    qtest_add_func("/nvme/nvm/fused_atomic", test_fused_atomic);
    qtest_add_func("/nvme/nvm/fused_teardown", test_fused_teardown);
    qtest_add_func("/nvme/nvm/smart", test_smart);

    return g_test_run();
}

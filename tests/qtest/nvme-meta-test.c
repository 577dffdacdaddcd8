/*
 * qtest: namespaces with metadata (nvme-ns ms/mset) and end-to-end
 * protection information (pi/pil): Identify Namespace, the LBA formats
 * and Format NVM between them, round trips of data and metadata in the
 * extended and the separate (MPTR) layout checked against the backing
 * image, Write Zeroes, PRACT insert and strip, every PRCHK check with its
 * status and error log LBA, escapes, the application tag mask, types 1-3,
 * Verify and Write Uncorrectable on metadata formats.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define IMG NVME_DRV_IMG_SIZE

#define PRACT       (1u << 29)
#define PRCHK_GUARD (1u << 28)
#define PRCHK_APP   (1u << 27)
#define PRCHK_REF   (1u << 26)
#define PRCHK_ALL   (PRCHK_GUARD | PRCHK_APP | PRCHK_REF)

#define SC_GUARD    0x0282
#define SC_APP      0x0283
#define SC_REF      0x0284

/* Geometry of the namespace's current format, as the test expects it. */
typedef struct Geo {
    uint32_t lbasz;
    uint32_t ms;
    bool ext;
    bool pil;
    uint64_t nlbas;
} Geo;

/* CDW3 of the next io() (bits 47:32 of a 48-bit reference tag). */
static uint32_t io_cdw3;

/* Controller c0 with namespace 1 of @ns_props, ready with queue pair 1. */
static NvmeDrv *start_ns(const char *ns_props)
{
    return nvme_drv_start_ns("qtest-meta", ns_props);
}

static void id_ns(NvmeDrv *d, NvmeIdNs *ns)
{
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
}

/* Geometry from Identify Namespace. */
static Geo geo(NvmeDrv *d)
{
    g_autofree NvmeIdNs *ns = g_malloc0(4096);
    unsigned f;
    Geo g;

    id_ns(d, ns);
    f = ns->flbas & 0xf;
    g.lbasz = 1u << ns->lbaf[f].ds;
    g.ms = le16_to_cpu(ns->lbaf[f].ms);
    g.ext = ns->flbas & 0x10;
    g.pil = ns->dps & 8;
    g.nlbas = le64_to_cpu(ns->nsze);
    return g;
}

static uint16_t format(NvmeDrv *d, unsigned lbaf, bool mset, unsigned pi,
                       bool pil)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 1);
    cmd.cdw10 = lbaf | mset << 4 | pi << 5 | pil << 8;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

/*
 * Read or Write of @nlb blocks with a host data buffer of @hlen bytes and,
 * if @md_len, a separate metadata buffer (MPTR).
 */
static uint16_t io(NvmeDrv *d, uint8_t opc, uint64_t slba, uint32_t nlb,
                   void *data, uint32_t hlen, void *md, uint32_t md_len,
                   uint32_t cdw12, uint32_t ilbrt, uint32_t cdw15)
{
    NvmeDrvIo c = { .opc = opc, .slba = slba, .nlb = nlb, .cdw12 = cdw12,
                    .ilbrt = ilbrt, .cdw3 = io_cdw3, .cdw15 = cdw15 };

    return nvme_drv_io(d, &c, data, hlen, md, md_len);
}

/*
 * Write blocks with data and metadata in the namespace's layout (host
 * buffers built from separate @data/@md), or read them back into them.
 */
static uint16_t rw_meta(NvmeDrv *d, const Geo *g, uint8_t opc, uint64_t slba,
                        uint32_t nlb, uint8_t *data, uint8_t *md,
                        uint32_t cdw12, uint32_t ilbrt, uint32_t cdw15)
{
    uint32_t hms = md ? g->ms : 0;     /* md NULL: PRACT strips/inserts */
    uint16_t st;

    if (g->ext) {
        uint32_t blk = g->lbasz + hms;
        g_autofree uint8_t *h = g_malloc0((size_t)nlb * blk);

        for (uint32_t i = 0; i < nlb && opc == NVME_CMD_WRITE; i++) {
            memcpy(h + i * blk, data + i * g->lbasz, g->lbasz);
            if (hms) {
                memcpy(h + i * blk + g->lbasz, md + i * g->ms, hms);
            }
        }
        st = io(d, opc, slba, nlb, h, nlb * blk, NULL, 0, cdw12, ilbrt,
                cdw15);
        for (uint32_t i = 0; i < nlb && opc == NVME_CMD_READ; i++) {
            memcpy(data + i * g->lbasz, h + i * blk, g->lbasz);
            if (hms) {
                memcpy(md + i * g->ms, h + i * blk + g->lbasz, hms);
            }
        }
        return st;
    }
    return io(d, opc, slba, nlb, data, nlb * g->lbasz, md, nlb * hms, cdw12,
              ilbrt, cdw15);
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = seed + i * 7 + (i >> 8);
    }
}

static void img_read(NvmeDrv *d, uint64_t off, void *buf, size_t len)
{
    g_assert_cmpint(pread(d->img_fd, buf, len, off), ==, len);
}

/* Round trip of @nlb blocks at @slba; checks the image layout too. */
static void round_trip(NvmeDrv *d, uint64_t slba, uint32_t nlb, uint8_t seed)
{
    Geo g = geo(d);
    g_autofree uint8_t *data = g_malloc(nlb * g.lbasz);
    g_autofree uint8_t *md = g_malloc(nlb * g.ms);
    g_autofree uint8_t *rdata = g_malloc0(nlb * g.lbasz);
    g_autofree uint8_t *rmd = g_malloc0(nlb * g.ms);

    fill(data, nlb * g.lbasz, seed);
    fill(md, nlb * g.ms, seed ^ 0x5a);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, slba, nlb, data, md, 0, 0,
                            0), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, slba, nlb, rdata, rmd, 0, 0,
                            0), ==, NVME_SUCCESS);
    g_assert_cmpmem(rdata, nlb * g.lbasz, data, nlb * g.lbasz);
    g_assert_cmpmem(rmd, nlb * g.ms, md, nlb * g.ms);
    /* the image: data area, then metadata after nlbas blocks of data */
    img_read(d, slba * g.lbasz, rdata, nlb * g.lbasz);
    g_assert_cmpmem(rdata, nlb * g.lbasz, data, nlb * g.lbasz);
    img_read(d, g.nlbas * g.lbasz + slba * g.ms, rmd, nlb * g.ms);
    g_assert_cmpmem(rmd, nlb * g.ms, md, nlb * g.ms);
}

/* Identify Namespace of a 512+8 namespace with PI type 1, PI first. */
static void test_identify(void)
{
    NvmeDrv *d = start_ns("ms=8,mset=1,pi=1,pil=1");
    g_autofree NvmeIdNs *ns = g_malloc0(4096);
    static const struct { uint8_t ds; uint16_t ms; } want[] = {
        { 9, 0 }, { 12, 0 }, { 9, 8 }, { 9, 16 }, { 12, 8 }, { 12, 64 },
    };

    id_ns(d, ns);
    g_assert_cmpuint(ns->nlbaf, ==, 5);
    for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
        g_assert_cmpuint(ns->lbaf[i].ds, ==, want[i].ds);
        g_assert_cmpuint(le16_to_cpu(ns->lbaf[i].ms), ==, want[i].ms);
    }
    g_assert_cmpuint(ns->lbaf[6].ds, ==, 0);
    g_assert_cmphex(ns->flbas, ==, 0x12);
    g_assert_cmphex(ns->mc, ==, 3);
    g_assert_cmphex(ns->dpc, ==, 0x1f);
    g_assert_cmphex(ns->dps, ==, 1 | 8);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 520);
    nvme_drv_stop(d);
}

/* 4096+64 separate, configured: layout and round trips. */
static void test_separate_4k(void)
{
    NvmeDrv *d = start_ns("ms=64,logical_block_size=4096,"
                          "physical_block_size=4096");
    Geo g = geo(d);

    g_assert_cmpuint(g.lbasz, ==, 4096);
    g_assert_cmpuint(g.ms, ==, 64);
    g_assert_false(g.ext);
    g_assert_cmpuint(g.nlbas, ==, IMG / (4096 + 64));
    round_trip(d, 0, 1, 1);
    round_trip(d, 5, 3, 2);
    round_trip(d, g.nlbas - 2, 2, 3);
    nvme_drv_stop(d);
}

/*
 * A hostile metadata pointer: MPTR in memory that does not exist or in
 * the controller's own BAR gives Data Transfer Error (DNR), leaves the
 * registers alone, and the controller keeps working.
 */
static void test_mptr_outside_ram(void)
{
    NvmeDrv *d = start_ns("ms=8");
    uint64_t bar0 = d->bar.addr;
    uint64_t bad[] = { 0xfff00000000ULL, bar0, bar0 + 0x1000 };
    uint64_t gd = nvme_drv_alloc(d, 512);
    uint32_t cc = nvme_drv_rd32(d, NVME_REG_CC);
    uint64_t asq = nvme_drv_rd64(d, NVME_REG_ASQ);
    uint8_t opc[] = { NVME_CMD_WRITE, NVME_CMD_READ };
    NvmeCmd cmd;

    for (size_t o = 0; o < ARRAY_SIZE(opc); o++) {
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
            nvme_drv_cmd_init(&cmd, opc[o], 1);
            nvme_drv_cmd_set_prp(d, &cmd, gd, 512);
            cmd.mptr = bad[i];
            g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                            NVME_DATA_TRAS_ERROR | NVME_DNR);
        }
    }
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, cc);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, asq);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & 3, ==, 1);
    round_trip(d, 3, 2, 9);
    nvme_drv_stop(d);
}

/* Every metadata format in both layouts through Format NVM. */
static void test_format_all(void)
{
    NvmeDrv *d = start_ns("ms=16");
    static const struct { uint32_t lbasz, ms; } f[] = {
        { 512, 0 }, { 4096, 0 }, { 512, 8 }, { 512, 16 }, { 4096, 8 },
        { 4096, 64 },
    };

    for (unsigned lbaf = 0; lbaf < ARRAY_SIZE(f); lbaf++) {
        for (int mset = 0; mset < 2; mset++) {
            Geo g;

            g_assert_cmphex(format(d, lbaf, mset, 0, 0), ==, NVME_SUCCESS);
            g = geo(d);
            g_assert_cmpuint(g.lbasz, ==, f[lbaf].lbasz);
            g_assert_cmpuint(g.ms, ==, f[lbaf].ms);
            g_assert_cmpuint(g.ext, ==, mset);
            g_assert_cmpuint(g.nlbas, ==, IMG / (f[lbaf].lbasz + f[lbaf].ms));
            if (f[lbaf].ms) {
                round_trip(d, 0, 2, lbaf * 2 + mset);
                round_trip(d, g.nlbas - 3, 3, lbaf * 2 + mset + 100);
            } else {
                g_autofree uint8_t *b = g_malloc(2 * g.lbasz);
                g_autofree uint8_t *r = g_malloc(2 * g.lbasz);

                fill(b, 2 * g.lbasz, lbaf);
                g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 1, 2,
                                            g.lbasz, b, 0), ==, NVME_SUCCESS);
                g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 1, 2,
                                            g.lbasz, r, 0), ==, NVME_SUCCESS);
                g_assert_cmpmem(r, 2 * g.lbasz, b, 2 * g.lbasz);
            }
        }
    }
    /* PI needs metadata; a format that is not offered */
    g_assert_cmphex(format(d, 0, 0, 1, 0), ==, NVME_INVALID_FORMAT | DNR);
    g_assert_cmphex(format(d, 6, 0, 0, 0), ==, NVME_INVALID_FORMAT | DNR);
    g_assert_cmphex(format(d, 2, 0, 4, 0), ==, NVME_INVALID_FORMAT | DNR);
    nvme_drv_stop(d);
}

/* Write Zeroes and DSM deallocate clear the metadata too. */
static void test_write_zeroes(void)
{
    NvmeDrv *d = start_ns("ms=16,mset=1");
    Geo g = geo(d);
    uint8_t data[4 * 512], md[4 * 16], zero[4 * 512] = { 0 };
    NvmeCmd cmd;

    round_trip(d, 8, 4, 9);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 1);
    cmd.cdw10 = cpu_to_le32(9);
    cmd.cdw12 = cpu_to_le32(1);         /* blocks 9 and 10 */
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 8, 4, data, md, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmpmem(data + 512, 1024, zero, 1024);
    g_assert_cmpmem(md + 16, 32, zero, 32);
    g_assert_false(!memcmp(data, zero, 512));
    g_assert_false(!memcmp(md, zero, 16));
    g_assert_false(!memcmp(md + 48, zero, 16));
    nvme_drv_stop(d);
}

/*
 * Verify and Write Uncorrectable on a metadata format; an uncorrectable
 * block fails a read.  (Compare, Copy and MPTR SGLs: nvme-meta-cmds-test.)
 */
static void test_verify_uncor(void)
{
    NvmeDrv *d = start_ns("ms=8");
    uint8_t data[512] = { 1 }, md[8] = { 2 };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(io(d, NVME_CMD_READ, 0, 1, data, 512, md, 8, 0, 0, 0),
                    ==, NVME_UNRECOVERED_READ | DNR);
    /* MPTR must be dword aligned with PRPs (byte aligned: PSDT 01b) */
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
    cmd.mptr = cpu_to_le64(nvme_drv_alloc(d, 64) + 2);
    nvme_drv_cmd_set_prp(d, &cmd, nvme_drv_alloc(d, 512), 512);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

/* LBA of the newest error log entry. */
static uint64_t err_lba(NvmeDrv *d)
{
    return le64_to_cpu(nvme_drv_last_error(d).lba);
}

/* PI of block @i in @md (8 bytes at @off of each @ms). */
static void pi_get(const uint8_t *md, uint32_t ms, uint32_t off, unsigned i,
                   uint16_t *guard, uint16_t *app, uint32_t *ref)
{
    const uint8_t *p = md + i * ms + off;

    *guard = lduw_be_p(p);
    *app = lduw_be_p(p + 2);
    *ref = ldl_be_p(p + 4);
}

/* Type 1, 512+8 separate: insert, strip, every check and its status. */
static void test_pi_type1(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1");
    Geo g = geo(d);
    uint8_t data[4 * 512], rdata[4 * 512], md[4 * 8];
    uint16_t guard, app;
    uint32_t ref;

    g_assert_cmpuint(nvme_drv_crc16(0, (const uint8_t *)"123456789", 9),
                     ==, 0xd0db);
    fill(data, sizeof(data), 0x33);
    /* PRACT: no metadata from the host; app tag 0x1234, ref from 100 */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, NULL,
                            PRACT, 100, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, NVME_SUCCESS);
    g_assert_cmpmem(rdata, sizeof(rdata), data, sizeof(data));
    for (unsigned i = 0; i < 4; i++) {
        pi_get(md, 8, 0, i, &guard, &app, &ref);
        g_assert_cmphex(guard, ==, nvme_drv_crc16(0, data + i * 512, 512));
        g_assert_cmphex(app, ==, 0x1234);
        g_assert_cmphex(ref, ==, 100 + i);
    }
    /* PRACT on read: checked, then stripped (no MPTR transfer) */
    memset(rdata, 0, sizeof(rdata));
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, NULL,
                            PRACT | PRCHK_ALL, 100, 0xffff1234), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(rdata, sizeof(rdata), data, sizeof(data));

    /* type 1: a checked reference tag must start at the SLBA */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_REF, 99, 0), ==,
                    NVME_INVALID_PROT_INFO | DNR);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_REF, 101, 0), ==,
                    NVME_INVALID_PROT_INFO | DNR);
    /* read checks: stored refs that are not the LBAs, app; bad guard */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, NULL,
                            PRACT, 200, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_REF, 100, 0), ==, SC_REF | DNR);
    g_assert_cmpuint(err_lba(d), ==, 100);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, NULL,
                            PRACT, 100, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_APP, 100, 0xffff1235), ==, SC_APP | DNR);
    /* the application tag mask: only the masked bits count */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_APP, 100, 0xfff01235), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            0, 0, 0), ==, NVME_SUCCESS);
    md[2 * 8] ^= 1;             /* guard of block 102 */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md, 0, 0,
                            0), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_GUARD, 0, 0), ==, SC_GUARD | DNR);
    g_assert_cmpuint(err_lba(d), ==, 102);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_APP | PRCHK_REF, 100, 0xffff1234), ==,
                    NVME_SUCCESS);

    /* write checks */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_GUARD, 0, 0), ==, SC_GUARD | DNR);
    g_assert_cmpuint(err_lba(d), ==, 102);
    md[2 * 8] ^= 1;
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, NVME_SUCCESS);
    md[3 * 8 + 7] ^= 1;         /* ref of block 103 */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, SC_REF | DNR);
    g_assert_cmpuint(err_lba(d), ==, 103);
    md[3 * 8 + 7] ^= 1;
    md[1 * 8 + 3] ^= 1;         /* app of block 101 */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, SC_APP | DNR);
    g_assert_cmpuint(err_lba(d), ==, 101);

    /* escape: app tag FFFFh turns every check of its block off */
    stw_be_p(md + 1 * 8 + 2, 0xffff);
    md[1 * 8] ^= 0xff;
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 100, 4, data, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 100, 4, rdata, md,
                            PRCHK_ALL, 100, 0xffff1234), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* Type 2 (ILBRT from CDW14) and type 3 (no reference tag check). */
static void test_pi_type2_type3(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=2,mset=1");
    Geo g = geo(d);
    uint8_t data[2 * 512], md[2 * 8];
    uint16_t guard, app;
    uint32_t ref;

    fill(data, sizeof(data), 0x44);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 7, 2, data, NULL, PRACT,
                            0xabcd0000, 0x55), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 7, 2, data, md, PRCHK_ALL,
                            0xabcd0000, 0xffff0055), ==, NVME_SUCCESS);
    pi_get(md, 8, 0, 1, &guard, &app, &ref);
    g_assert_cmphex(ref, ==, 0xabcd0001);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 7, 2, data, md, PRCHK_REF,
                            7, 0), ==, SC_REF | DNR);
    g_assert_cmpuint(err_lba(d), ==, 7);

    g_assert_cmphex(format(d, 2, 1, 3, 0), ==, NVME_SUCCESS);
    g = geo(d);
    g_assert_true(g.ext);
    g_assert_cmpuint(g.ms, ==, 8);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 7, 2, data, NULL, PRACT,
                            0x1000, 0x55), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 7, 2, data, md, PRCHK_ALL,
                            0x2000, 0xffff0055), ==, NVME_SUCCESS);
    /* type 3 escape needs the reference tag FFFFFFFFh too */
    stw_be_p(md + 2, 0xffff);
    md[0] ^= 1;
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 7, 2, data, md,
                            PRCHK_GUARD, 0, 0), ==, SC_GUARD | DNR);
    stl_be_p(md + 4, 0xffffffff);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 7, 2, data, md,
                            PRCHK_GUARD, 0, 0), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/*
 * 512+16: PI first (guard over the data) or last (guard over the data and
 * the 8 metadata bytes before it); PRACT with more metadata than PI keeps
 * the host's other bytes and still transfers them.
 */
static void test_pi_placement(void)
{
    NvmeDrv *d = start_ns("ms=16,pi=1,pil=1");
    uint8_t data[2 * 512], md[2 * 16], rmd[2 * 16];
    uint16_t guard, app;
    uint32_t ref;

    fill(data, sizeof(data), 0x66);
    for (int pil = 1; pil >= 0; pil--) {
        Geo g;
        uint32_t off = pil ? 0 : 8, other = pil ? 8 : 0;

        g_assert_cmphex(format(d, 3, 0, 1, pil), ==, NVME_SUCCESS);
        g = geo(d);
        g_assert_cmpuint(g.pil, ==, pil);
        fill(md, sizeof(md), 0x77);
        g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 0, 2, data, md, PRACT,
                                0, 9), ==, NVME_SUCCESS);
        /* PRACT read with ms > 8 passes the metadata through */
        g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 0, 2, data, rmd,
                                PRACT | PRCHK_ALL, 0, 0xffff0009), ==,
                        NVME_SUCCESS);
        for (unsigned i = 0; i < 2; i++) {
            uint16_t want = nvme_drv_crc16(0, data + i * 512, 512);

            if (!pil) {
                want = nvme_drv_crc16(want, md + i * 16, 8);
            }
            pi_get(rmd, 16, off, i, &guard, &app, &ref);
            g_assert_cmphex(guard, ==, want);
            g_assert_cmphex(app, ==, 9);
            g_assert_cmphex(ref, ==, i);
            g_assert_cmpmem(rmd + i * 16 + other, 8, md + i * 16 + other, 8);
        }
        /* the bytes outside the PI are guarded only when PI is last */
        rmd[other] ^= 1;
        g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 0, 2, data, rmd,
                                PRCHK_GUARD, 0, 0), ==,
                        pil ? NVME_SUCCESS : SC_GUARD | DNR);
    }
    nvme_drv_stop(d);
}

/* PRACT Write Zeroes writes PI that passes the checks; unwritten PI. */
static void test_pi_write_zeroes(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1");
    Geo g = geo(d);
    uint8_t data[3 * 512], md[3 * 8], zero[3 * 512] = { 0 };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 1);
    cmd.cdw10 = cpu_to_le32(20);
    cmd.cdw12 = cpu_to_le32(2 | PRACT);
    cmd.cdw14 = cpu_to_le32(20);
    cmd.cdw15 = cpu_to_le32(0x42);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 20, 3, data, md, PRCHK_ALL,
                            20, 0xffff0042), ==, NVME_SUCCESS);
    g_assert_cmpmem(data, sizeof(data), zero, sizeof(zero));
    g_assert_cmphex(ldl_be_p(md + 16 + 4), ==, 22);

    /*
     * Never written, or zeroed without PRACT: the PI reads as all FFh
     * (escape: unchecked), as for deallocated blocks.
     */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 1000, 3, data, md,
                            PRCHK_ALL, 1000, 0xffff0042), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < sizeof(md); i++) {
        g_assert_cmphex(md[i], ==, 0xff);
    }
    cmd.cdw12 = cpu_to_le32(2);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 20, 3, data, md, PRCHK_ALL,
                            20, 0xffff0042), ==, NVME_SUCCESS);
    g_assert_cmphex((uint32_t)ldl_be_p(md + 16 + 4), ==, 0xffffffff);
    nvme_drv_stop(d);
}

/* 64-bit guard (pif=2): ELBAF, 16-byte PI, 48-bit reference tags. */
static void test_pi_guard64(void)
{
    /* type 2: any ILBRT (type 1 wants the SLBA's low 48 bits) */
    NvmeDrv *d = start_ns("ms=16,pi=2,pif=2");
    g_autofree NvmeIdCtrl *idc = g_malloc0(4096);
    g_autofree NvmeIdNsNvm *nvm = g_malloc0(4096);
    uint8_t data[3 * 512], rdata[3 * 512], md[3 * 16];
    g_autofree uint8_t *d4 = g_malloc(2 * 4096);
    g_autofree uint8_t *m4 = g_malloc(2 * 64);
    g_autofree uint8_t *r4 = g_malloc(2 * 64);
    Geo g = geo(d);

    g_assert_cmphex(nvme_drv_crc64(0, (const uint8_t *)"123456789", 9), ==,
                    0xae8b14860a799888ULL);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, idc), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(idc->ctratt) & (1 << 15), ==, 1 << 15);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS, 1, NVME_CSI_NVM,
                                      nvm), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 6; i++) {
        /* PIF (bits 8:7) 2 for 512+16 and 4096+64 */
        g_assert_cmphex(le32_to_cpu(nvm->elbaf[i]), ==,
                        i == 3 || i == 5 ? 2 << 7 : 0);
    }

    /* PRACT: ms == 16 == PI, nothing from the host; ref 0x1_23456789 */
    fill(data, sizeof(data), 0x21);
    io_cdw3 = 1;
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 50, 3, data, NULL, PRACT,
                            0x23456789, 0x77), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 50, 3, rdata, md,
                            PRCHK_ALL, 0x23456789, 0xffff0077), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(rdata, sizeof(rdata), data, sizeof(data));
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t *pi = md + i * 16;

        g_assert_cmphex(ldq_be_p(pi), ==,
                        nvme_drv_crc64(0, data + i * 512, 512));
        g_assert_cmphex(lduw_be_p(pi + 8), ==, 0x77);
        g_assert_cmphex(lduw_be_p(pi + 10), ==, 1);
        g_assert_cmphex((uint32_t)ldl_be_p(pi + 12), ==, 0x23456789 + i);
    }
    io_cdw3 = 0;                /* bits 47:32 differ */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 50, 3, rdata, md,
                            PRCHK_REF, 0x23456789, 0), ==, SC_REF | DNR);
    g_assert_cmpuint(err_lba(d), ==, 50);
    /* (a failed read transfers nothing: read the metadata again) */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 50, 3, rdata, md, 0, 0, 0),
                    ==, NVME_SUCCESS);
    md[16 + 7] ^= 1;            /* guard of block 51 */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 50, 3, data, md, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 50, 3, rdata, md,
                            PRCHK_GUARD, 0, 0), ==, SC_GUARD | DNR);
    g_assert_cmpuint(err_lba(d), ==, 51);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 50, 3, data, md,
                            PRCHK_APP, 0, 0xffff0078), ==, SC_APP | DNR);
    g_assert_cmpuint(err_lba(d), ==, 50);
    /* never written: all-FFh PI, unchecked */
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 900, 3, rdata, md,
                            PRCHK_ALL, 900, 0xffff0000), ==, NVME_SUCCESS);

    /* 4096+64, PI last: the guard covers data and the 48 bytes before */
    g_assert_cmphex(format(d, 5, 0, 1, 0), ==, NVME_SUCCESS);
    g = geo(d);
    g_assert_cmpuint(g.ms, ==, 64);
    fill(d4, 2 * 4096, 0x31);
    fill(m4, 2 * 64, 0x41);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 3, 2, d4, m4, PRACT, 3, 5),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 3, 2, d4, r4,
                            PRACT | PRCHK_ALL, 3, 0xffff0005), ==,
                    NVME_SUCCESS);
    for (unsigned i = 0; i < 2; i++) {
        uint64_t want = nvme_drv_crc64(nvme_drv_crc64(0, d4 + i * 4096, 4096),
                                       m4 + i * 64, 48);

        g_assert_cmpmem(r4 + i * 64, 48, m4 + i * 64, 48);
        g_assert_cmphex(ldq_be_p(r4 + i * 64 + 48), ==, want);
        g_assert_cmphex((uint32_t)ldl_be_p(r4 + i * 64 + 60), ==, 3 + i);
    }

    /* 512+8 keeps the 16-bit guard */
    g_assert_cmphex(format(d, 2, 0, 1, 0), ==, NVME_SUCCESS);
    g = geo(d);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_WRITE, 0, 1, data, NULL, PRACT,
                            0, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_meta(d, &g, NVME_CMD_READ, 0, 1, rdata, md, PRCHK_ALL,
                            0, 0xffff0000), ==, NVME_SUCCESS);
    g_assert_cmphex(lduw_be_p(md), ==, nvme_drv_crc16(0, data, 512));
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/meta/identify", test_identify);
    qtest_add_func("/nvme/meta/separate_4k", test_separate_4k);
    qtest_add_func("/nvme/meta/format_all", test_format_all);
    qtest_add_func("/nvme/meta/write_zeroes", test_write_zeroes);
    qtest_add_func("/nvme/meta/verify_uncor", test_verify_uncor);
    qtest_add_func("/nvme/meta/mptr_outside_ram", test_mptr_outside_ram);
    qtest_add_func("/nvme/meta/pi_type1", test_pi_type1);
    qtest_add_func("/nvme/meta/pi_type2_type3", test_pi_type2_type3);
    qtest_add_func("/nvme/meta/pi_placement", test_pi_placement);
    qtest_add_func("/nvme/meta/pi_write_zeroes", test_pi_write_zeroes);
    qtest_add_func("/nvme/meta/pi_guard64", test_pi_guard64);
    return g_test_run();
}

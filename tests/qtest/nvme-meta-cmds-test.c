/*
 * qtest: metadata beyond Read and Write.  MPTR as an SGL (PSDT 10b:
 * Identify SGLS bit 19, single descriptors, chained segments, bit
 * buckets, every hostile case and its status), Verify checking the stored
 * protection information, Compare of data and metadata (extended LBA and
 * separate buffer, with PI and PRACT; fused with a Write), and Copy
 * moving metadata with the PI checked per PRINFOR and checked or
 * regenerated per PRINFOW, with source range descriptor formats 0 and 1.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR

#define PRACT       (1u << 29)
#define PRCHK_GUARD (1u << 28)
#define PRCHK_APP   (1u << 27)
#define PRCHK_REF   (1u << 26)
#define PRCHK_ALL   (PRCHK_GUARD | PRCHK_APP | PRCHK_REF)

#define SC_GUARD    (0x0282 | DNR)
#define SC_APP      (0x0283 | DNR)
#define SC_REF      (0x0284 | DNR)
#define SC_CMP      (NVME_CMP_FAILURE | DNR)

#define T_DATA      (NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4)
#define T_BUCKET    (NVME_SGL_DESCR_TYPE_BIT_BUCKET << 4)
#define T_SEG       (NVME_SGL_DESCR_TYPE_SEGMENT << 4)
#define T_LAST      (NVME_SGL_DESCR_TYPE_LAST_SEGMENT << 4)
#define T_KEYED     (NVME_SGL_DESCR_TYPE_KEYED_DATA_BLOCK << 4)
#define T_VENDOR    (NVME_SGL_DESCR_TYPE_VENDOR_SPECIFIC << 4)
#define PSDT_MSGL   (NVME_PSDT_SGL_MPTR_SGL << 6)

/*
 * Controller c0 with namespace 1 of @ns_props, ready with queue pair 1;
 * VSL 16 MiB and Copy limits of 64 Ki blocks per range and 1 Mi per
 * command: Verify and Copy span several of their 1 MiB backend chunks.
 */
static NvmeDrv *start_ns(const char *ns_props)
{
    g_autofree char *props = g_strdup_printf("%s,mssrl=65535,mcl=1048576",
                                             ns_props);

    return nvme_drv_start_ns("qtest-metacmd,vsl=12", props);
}

static void fill(uint8_t *p, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        p[i] = seed + i * 13 + (i >> 9);
    }
}

/* LBA and parameter error location of the newest error log entry. */
static uint64_t err_lba(NvmeDrv *d)
{
    return le64_to_cpu(nvme_drv_last_error(d).lba);
}

static uint16_t err_loc(NvmeDrv *d)
{
    return le16_to_cpu(nvme_drv_last_error(d).param_error_location);
}

/* One I/O command: the fields its tests vary (NvmeDrvIo, nvme-drv.h). */
typedef NvmeDrvIo Io;

/* nvme_drv_io() on the test's namespace 1, SQ 1. */
static uint16_t run(NvmeDrv *d, const Io *io, void *data, uint32_t hlen,
                    void *md, uint32_t md_len)
{
    return nvme_drv_io(d, io, data, hlen, md, md_len);
}

/* Write or read @nlb blocks, separate layout: @ms metadata bytes each. */
static uint16_t rw(NvmeDrv *d, uint8_t opc, uint64_t slba, uint32_t nlb,
                   uint32_t lbasz, uint8_t *data, uint8_t *md, uint32_t ms,
                   uint32_t cdw12, uint32_t ilbrt, uint32_t cdw15)
{
    Io io = { .opc = opc, .slba = slba, .nlb = nlb, .cdw12 = cdw12,
              .ilbrt = ilbrt, .cdw15 = cdw15 };

    return run(d, &io, data, nlb * lbasz, md, md ? nlb * ms : 0);
}

static NvmeSglDescriptor desc(uint64_t addr, uint32_t len, uint8_t type)
{
    NvmeSglDescriptor s = { 0 };

    s.addr = cpu_to_le64(addr);
    s.len = cpu_to_le32(len);
    s.type = type;
    return s;
}

/* Put @n descriptors at guest @addr. */
static void put_descs(NvmeDrv *d, uint64_t addr, const NvmeSglDescriptor *s,
                      unsigned n)
{
    nvme_drv_memwrite(d, addr, s, n * sizeof(*s));
}

/* ---- MPTR as an SGL ---- */

/*
 * Identify Controller SGLS: metadata through MPTR as a contiguous buffer
 * and as an SGL (the whole SGLS value: nvme-sgl-test); OCFS: Copy source
 * range formats 0-3.
 */
static void test_sgls_bits(void)
{
    NvmeDrv *d = start_ns("ms=8");
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);
    uint32_t mptr = NVME_CTRL_SGLS_MPTR_CONTIGUOUS | NVME_CTRL_SGLS_MPTR_SGL;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(id->sgls) & mptr, ==, mptr);
    g_assert_cmphex(le16_to_cpu(id->ocfs), ==, 0xf);
    nvme_drv_stop(d);
}

/*
 * 512+8 separate: metadata through MPTR SGLs of every shape, checked
 * against a plain (PSDT 00b) read and the image.
 */
static void test_mptr_sgl_shapes(void)
{
    NvmeDrv *d = start_ns("ms=8");
    uint8_t data[4 * 512], rdata[4 * 512], md[32], rmd[32], img[32];
    uint64_t seg = nvme_drv_alloc(d, 4096);
    uint64_t seg2 = nvme_drv_alloc(d, 4096);
    uint64_t mbuf = nvme_drv_alloc(d, 4096);
    uint64_t nlbas = NVME_DRV_IMG_SIZE / 520;
    NvmeSglDescriptor s[4];
    Io io = { .opc = NVME_CMD_WRITE, .slba = 40, .nlb = 4,
              .flags = PSDT_MSGL, .mptr = seg };

    fill(data, sizeof(data), 1);
    fill(md, sizeof(md), 2);

    /* one Data Block descriptor */
    nvme_drv_memwrite(d, mbuf, md, 32);
    s[0] = desc(mbuf, 32, T_DATA);
    put_descs(d, seg, s, 1);
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 40, 4, 512, rdata, rmd, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmpmem(rdata, sizeof(rdata), data, sizeof(data));
    g_assert_cmpmem(rmd, sizeof(rmd), md, sizeof(md));
    g_assert_cmpint(pread(d->img_fd, img, 32, nlbas * 512 + 40 * 8), ==, 32);
    g_assert_cmpmem(img, 32, md, 32);

    /* read through a Last Segment of three pieces, odd addresses */
    s[0] = desc(seg2, 3 * 16, T_LAST);
    put_descs(d, seg, s, 1);
    s[0] = desc(mbuf + 1001, 5, T_DATA);
    s[1] = desc(mbuf + 2003, 20, T_DATA);
    s[2] = desc(mbuf + 3, 7, T_DATA);
    put_descs(d, seg2, s, 3);
    io.opc = NVME_CMD_READ;
    memset(rdata, 0, sizeof(rdata));
    g_assert_cmphex(run(d, &io, rdata, sizeof(rdata), NULL, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(rdata, sizeof(rdata), data, sizeof(data));
    nvme_drv_memread(d, mbuf + 1001, rmd, 5);
    nvme_drv_memread(d, mbuf + 2003, rmd + 5, 20);
    nvme_drv_memread(d, mbuf + 3, rmd + 25, 7);
    g_assert_cmpmem(rmd, 32, md, 32);

    /* Segment -> Last Segment chain, a bit bucket eating block 1's */
    s[0] = desc(seg2, 2 * 16, T_SEG);
    put_descs(d, seg, s, 1);
    s[0] = desc(mbuf + 512, 8, T_DATA);
    s[1] = desc(seg2 + 1024, 2 * 16, T_LAST);
    put_descs(d, seg2, s, 2);
    s[0] = desc(0, 8, T_BUCKET);
    s[1] = desc(mbuf + 520, 16, T_DATA);
    put_descs(d, seg2 + 1024, s, 2);
    nvme_drv_memwrite(d, mbuf + 512, (uint8_t[32]) { 0 }, 32);
    g_assert_cmphex(run(d, &io, rdata, sizeof(rdata), NULL, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_memread(d, mbuf + 512, rmd, 24);
    g_assert_cmpmem(rmd, 8, md, 8);
    g_assert_cmpmem(rmd + 8, 16, md + 16, 16);
    nvme_drv_memread(d, mbuf + 536, rmd, 8);
    g_assert_cmpmem(rmd, 8, (uint8_t[8]) { 0 }, 8);

    /* a write through the chain (no bucket) stores what it describes */
    s[0] = desc(0, 0, T_DATA);  /* an empty Data Block is allowed */
    s[1] = desc(mbuf + 1536, 32, T_DATA);
    put_descs(d, seg2 + 1024, s, 2);
    s[0] = desc(mbuf + 1600, 0, T_DATA);
    s[1] = desc(seg2 + 1024, 2 * 16, T_LAST);
    put_descs(d, seg2, s, 2);
    fill(md, sizeof(md), 3);
    nvme_drv_memwrite(d, mbuf + 1536, md, 32);
    io.opc = NVME_CMD_WRITE;
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 40, 4, 512, rdata, rmd, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmpmem(rmd, sizeof(rmd), md, sizeof(md));

    /* Compare takes its metadata through the MPTR SGL too */
    io.opc = NVME_CMD_COMPARE;
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_memwrite(d, mbuf + 1536 + 17, (uint8_t[1]) { 0x5a ^ md[17] }, 1);
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==, SC_CMP);
    nvme_drv_stop(d);
}

/* Issue a one-block write or read with metadata SGL first descriptor @s. */
static uint16_t msgl_one(NvmeDrv *d, uint8_t opc, uint64_t seg,
                         NvmeSglDescriptor s)
{
    uint8_t data[512] = { 7 };
    Io io = { .opc = opc, .slba = 3, .nlb = 1, .flags = PSDT_MSGL,
              .mptr = seg };

    put_descs(d, seg, &s, 1);
    return run(d, &io, data, sizeof(data), NULL, 0);
}

/*
 * Hostile metadata SGLs: every one fails with the status the spec names
 * for it, the error log points at MPTR (byte 16), nothing outside guest
 * RAM is touched, and the controller keeps working.
 */
static void test_mptr_sgl_hostile(void)
{
    NvmeDrv *d = start_ns("ms=8");
    uint64_t seg = nvme_drv_alloc(d, 4096);
    uint64_t seg2 = nvme_drv_alloc(d, 4096);
    uint64_t mbuf = nvme_drv_alloc(d, 4096);
    uint64_t bar0 = d->bar.addr;
    uint32_t cc = nvme_drv_rd32(d, NVME_REG_CC);
    uint64_t asq = nvme_drv_rd64(d, NVME_REG_ASQ);
    uint8_t data[512] = { 7 };
    uint8_t opc[] = { NVME_CMD_WRITE, NVME_CMD_READ };
    NvmeSglDescriptor s[2];
    Io io = { .opc = NVME_CMD_WRITE, .slba = 3, .nlb = 1,
              .flags = PSDT_MSGL };

    for (size_t o = 0; o < ARRAY_SIZE(opc); o++) {
        uint8_t op = opc[o];

        /* keyed, vendor specific, a subtype other than Address */
        g_assert_cmphex(msgl_one(d, op, seg, desc(mbuf, 8, T_KEYED)), ==,
                        NVME_SGL_DESCR_TYPE_INVALID | DNR);
        g_assert_cmpuint(err_loc(d), ==, 16);
        g_assert_cmphex(msgl_one(d, op, seg, desc(mbuf, 8, T_VENDOR)), ==,
                        NVME_SGL_DESCR_TYPE_INVALID | DNR);
        g_assert_cmphex(msgl_one(d, op, seg, desc(mbuf, 8, T_DATA | 1)), ==,
                        NVME_SGL_DESCR_TYPE_INVALID | DNR);
        /* shorter than the 8 bytes of metadata */
        g_assert_cmphex(msgl_one(d, op, seg, desc(mbuf, 7, T_DATA)), ==,
                        NVME_MD_SGL_LEN_INVALID | DNR);
        g_assert_cmpuint(err_loc(d), ==, 16);
        /* longer is fine (SGLS bit 18): only the 8 bytes move */
        qtest_writeb(d->qts, mbuf + 8, 0x5a);
        g_assert_cmphex(msgl_one(d, op, seg, desc(mbuf, 9, T_DATA)), ==,
                        NVME_SUCCESS);
        g_assert_cmphex(qtest_readb(d->qts, mbuf + 8), ==, 0x5a);
        s[0] = desc(mbuf, 4, T_DATA);
        put_descs(d, seg2, s, 1);
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2, 16, T_LAST)), ==,
                        NVME_MD_SGL_LEN_INVALID | DNR);
        /* metadata, or the segment, outside guest RAM */
        g_assert_cmphex(msgl_one(d, op, seg, desc(bar0, 8, T_DATA)), ==,
                        NVME_DATA_TRAS_ERROR | DNR);
        g_assert_cmphex(msgl_one(d, op, seg,
                                 desc(0xfff00000000ULL, 8, T_DATA)), ==,
                        NVME_DATA_TRAS_ERROR | DNR);
        g_assert_cmphex(msgl_one(d, op, seg, desc(bar0, 16, T_LAST)), ==,
                        NVME_DATA_TRAS_ERROR | DNR);
        /* MPTR itself: in the BAR, nowhere, not qword aligned */
        io.opc = op;
        io.mptr = bar0;
        g_assert_cmphex(run(d, &io, data, 512, NULL, 0), ==,
                        NVME_DATA_TRAS_ERROR | DNR);
        io.mptr = 0xfff00000000ULL;
        g_assert_cmphex(run(d, &io, data, 512, NULL, 0), ==,
                        NVME_DATA_TRAS_ERROR | DNR);
        io.mptr = seg + 4;
        g_assert_cmphex(run(d, &io, data, 512, NULL, 0), ==,
                        NVME_INVALID_FIELD | DNR);
        g_assert_cmpuint(err_loc(d), ==, 16);
        /* segments: not qword aligned, empty, a segment in the last one */
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2 + 4, 16, T_LAST)), ==,
                        NVME_INVALID_SGL_SEG_DESCR | DNR);
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2, 0, T_SEG)), ==,
                        NVME_INVALID_SGL_SEG_DESCR | DNR);
        s[0] = desc(seg2, 16, T_SEG);
        put_descs(d, seg2, s, 1);
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2, 16, T_LAST)), ==,
                        NVME_INVALID_SGL_SEG_DESCR | DNR);
        /* a segment chaining to itself is an invalid segment descriptor */
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2, 16, T_SEG)), ==,
                        NVME_INVALID_SGL_SEG_DESCR | DNR);
        /* a segment descriptor that is not last in its segment */
        s[0] = desc(seg2 + 512, 16, T_LAST);
        s[1] = desc(mbuf, 8, T_DATA);
        put_descs(d, seg2, s, 2);
        g_assert_cmphex(msgl_one(d, op, seg, desc(seg2, 32, T_SEG)), ==,
                        NVME_INVALID_SGL_SEG_DESCR | DNR);
    }
    /* a bit bucket where the host sends metadata */
    g_assert_cmphex(msgl_one(d, NVME_CMD_WRITE, seg, desc(0, 8, T_BUCKET)),
                    ==, NVME_SGL_DESCR_TYPE_INVALID | DNR);
    /* reads into a bit bucket only are fine */
    g_assert_cmphex(msgl_one(d, NVME_CMD_READ, seg, desc(0, 8, T_BUCKET)),
                    ==, NVME_SUCCESS);

    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, cc);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, asq);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & 3, ==, 1);
    g_assert_cmphex(msgl_one(d, NVME_CMD_WRITE, seg, desc(mbuf, 8, T_DATA)),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* PI through an MPTR SGL and the extended layout ignoring MPTR. */
static void test_mptr_sgl_pi(void)
{
    NvmeDrv *d = start_ns("ms=16,pi=1,pil=1");
    uint8_t data[2 * 512], md[32], rmd[32];
    uint64_t seg = nvme_drv_alloc(d, 4096);
    uint64_t mbuf = nvme_drv_alloc(d, 4096);
    NvmeSglDescriptor s = desc(mbuf, 32, T_DATA);
    Io io = { .opc = NVME_CMD_WRITE, .slba = 8, .nlb = 2, .cdw12 = PRACT,
              .ilbrt = 8, .cdw15 = 0x99, .flags = PSDT_MSGL, .mptr = seg };

    fill(data, sizeof(data), 5);
    fill(md, sizeof(md), 6);
    nvme_drv_memwrite(d, mbuf, md, 32);
    put_descs(d, seg, &s, 1);
    /* PRACT, ms 16 > 8: the host's other 8 bytes come through the SGL */
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 8, 2, 512, data, rmd, 16, PRCHK_ALL,
                       8, 0xffff0099), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 2; i++) {
        g_assert_cmphex(lduw_be_p(rmd + i * 16), ==,
                        nvme_drv_crc16(0, data + i * 512, 512));
        g_assert_cmphex(ldl_be_p(rmd + i * 16 + 4), ==, 8 + i);
        g_assert_cmpmem(rmd + i * 16 + 8, 8, md + i * 16 + 8, 8);
    }
    /* a failing check on a read through the SGL, then a good read */
    io.opc = NVME_CMD_READ;
    io.cdw12 = PRCHK_REF;
    io.ilbrt = 9;               /* type 1: not the SLBA */
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_INVALID_PROT_INFO | DNR);
    io.ilbrt = 8;
    memset(rmd, 0, sizeof(rmd));
    nvme_drv_memwrite(d, mbuf, rmd, 32);
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_memread(d, mbuf, rmd, 32);
    g_assert_cmphex(ldl_be_p(rmd + 16 + 4), ==, 9);
    nvme_drv_stop(d);
}

/* ---- Verify ---- */

static uint16_t verify(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                       uint32_t cdw12, uint32_t ilbrt, uint32_t cdw15)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, 1);
    cmd.cdw10 = cpu_to_le32((uint32_t)slba);
    cmd.cdw11 = cpu_to_le32(slba >> 32);
    cmd.cdw12 = cpu_to_le32((nlb - 1) | cdw12);
    cmd.cdw14 = cpu_to_le32(ilbrt);
    cmd.cdw15 = cpu_to_le32(cdw15);
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

/*
 * Type 1, 512+8: Verify checks the stored PI of each block as PRCHK says,
 * with or without PRACT, and reports the failing block.
 */
static void test_verify_pi(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1");
    uint8_t data[4 * 512], md[4 * 8];

    fill(data, sizeof(data), 9);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 100, 4, 512, data, NULL, 8, PRACT,
                       100, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_ALL, 100, 0xffff1234), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRACT | PRCHK_ALL, 100, 0xffff1234),
                    ==, NVME_SUCCESS);
    /* type 1: a checked ILBRT must be the SLBA */
    g_assert_cmphex(verify(d, 100, 4, PRCHK_REF, 99, 0), ==,
                    NVME_INVALID_PROT_INFO | DNR);
    /* stored reference tags that are not the LBAs */
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 100, 4, 512, data, NULL, 8, PRACT,
                       300, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_REF, 100, 0), ==, SC_REF);
    g_assert_cmpuint(err_lba(d), ==, 100);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 100, 4, 512, data, NULL, 8, PRACT,
                       100, 0x1234), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_APP, 100, 0xffff1235), ==,
                    SC_APP);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_APP, 100, 0xfff01235), ==,
                    NVME_SUCCESS);

    /* store a bad guard in block 102: PRACT 0, no checks on the write */
    g_assert_cmphex(rw(d, NVME_CMD_READ, 100, 4, 512, data, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    md[2 * 8 + 1] ^= 0x40;
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 100, 4, 512, data, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_GUARD, 0, 0), ==, SC_GUARD);
    g_assert_cmpuint(err_lba(d), ==, 102);
    g_assert_cmphex(verify(d, 100, 4, PRACT | PRCHK_GUARD, 0, 0), ==,
                    SC_GUARD);
    g_assert_cmphex(verify(d, 100, 2, PRCHK_GUARD, 0, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, PRCHK_APP | PRCHK_REF, 100,
                           0xffff1234), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 100, 4, 0, 0, 0), ==, NVME_SUCCESS);

    /*
     * Across Verify's 1 MiB chunks (2048 blocks): blocks 3000..3003 with
     * reference tags 3000.., never written blocks escape (all FFh).
     */
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 3000, 4, 512, data, NULL, 8, PRACT,
                       3000, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 1000, 4096, PRCHK_ALL, 1000, 0xffff0000), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 3002, 1, 512, data, NULL, 8, PRACT,
                       7, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 1000, 4096, PRCHK_ALL, 1000, 0xffff0000), ==,
                    SC_REF);
    g_assert_cmpuint(err_lba(d), ==, 3002);
    nvme_drv_stop(d);
}

/*
 * Verify on 64-bit guard PI (48-bit reference tags; type 2, whose ILBRT
 * need not be the SLBA) and on type 3.
 */
static void test_verify_pi64_type3(void)
{
    NvmeDrv *d = start_ns("ms=16,pi=2,pif=2");
    uint8_t data[3 * 512], md[3 * 16];
    Io io = { .opc = NVME_CMD_WRITE, .slba = 20, .nlb = 3, .cdw12 = PRACT,
              .ilbrt = 0x89abcdef, .cdw3 = 0x12, .cdw15 = 0x5 };
    NvmeCmd cmd;

    fill(data, sizeof(data), 0x10);
    g_assert_cmphex(run(d, &io, data, sizeof(data), NULL, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, 1);
    cmd.cdw10 = cpu_to_le32(20);
    cmd.cdw12 = cpu_to_le32(2 | PRCHK_ALL);
    cmd.cdw14 = cpu_to_le32(0x89abcdef);
    cmd.res1 = cpu_to_le64((uint64_t)0x12 << 32);
    cmd.cdw15 = cpu_to_le32(0xffff0005);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    cmd.res1 = 0;               /* bits 47:32 differ */
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, SC_REF);
    /* corrupt the 64-bit guard of block 21 */
    io.opc = NVME_CMD_READ;
    io.cdw12 = 0;
    g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ldq_be_p(md + 16), ==, nvme_drv_crc64(0, data + 512, 512));
    md[16 + 6] ^= 1;
    io.opc = NVME_CMD_WRITE;
    g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)), ==,
                    NVME_SUCCESS);
    cmd.cdw12 = cpu_to_le32(2 | PRCHK_GUARD);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, SC_GUARD);
    g_assert_cmpuint(err_lba(d), ==, 21);
    nvme_drv_stop(d);

    /* type 3: the reference tag is never checked */
    d = start_ns("ms=8,pi=3");
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 5, 3, 512, data, NULL, 8, PRACT,
                       77, 0x42), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 5, 3, PRCHK_ALL, 1, 0xffff0042), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(verify(d, 5, 3, PRCHK_ALL, 1, 0xffff0043), ==, SC_APP);
    g_assert_cmpuint(err_lba(d), ==, 5);
    nvme_drv_stop(d);
}

/* ---- Compare ---- */

/* Compare of data and metadata, extended and separate, no PI. */
static void test_compare_meta(void)
{
    for (int ext = 0; ext < 2; ext++) {
        NvmeDrv *d = start_ns(ext ? "ms=16,mset=1" : "ms=16");
        uint8_t data[3 * 512], md[3 * 16], host[3 * 528];
        Io io = { .opc = NVME_CMD_WRITE, .slba = 60, .nlb = 3 };

        fill(data, sizeof(data), 0x20 + ext);
        fill(md, sizeof(md), 0x30 + ext);
        for (unsigned i = 0; i < 3; i++) {
            memcpy(host + i * 528, data + i * 512, 512);
            memcpy(host + i * 528 + 512, md + i * 16, 16);
        }
        if (ext) {
            g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                            NVME_SUCCESS);
            io.opc = NVME_CMD_COMPARE;
            g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                            NVME_SUCCESS);
            host[2 * 528 + 512 + 15] ^= 1;      /* block 62's metadata */
            g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                            SC_CMP);
            host[2 * 528 + 512 + 15] ^= 1;
            host[528] ^= 1;                     /* block 61's data */
            g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                            SC_CMP);
        } else {
            g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)),
                            ==, NVME_SUCCESS);
            io.opc = NVME_CMD_COMPARE;
            g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)),
                            ==, NVME_SUCCESS);
            md[20] ^= 0x80;
            g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)),
                            ==, SC_CMP);
            g_assert_cmpuint(err_lba(d), ==, 60);
            md[20] ^= 0x80;
            data[1000] ^= 1;
            g_assert_cmphex(run(d, &io, data, sizeof(data), md, sizeof(md)),
                            ==, SC_CMP);
        }
        nvme_drv_stop(d);
    }
}

/*
 * Compare with PI: the stored PI is checked as PRCHK says; PRACT with
 * metadata that is only PI compares the data alone, without PRACT the PI
 * the host sends is compared too; with more metadata than PI, PRACT
 * leaves the PI bytes out of the comparison.
 */
static void test_compare_pi(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1");
    uint8_t data[2 * 512], md[16];

    fill(data, sizeof(data), 0x40);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 30, 2, 512, data, NULL, 8, PRACT,
                       30, 0xa1), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, NULL, 8,
                       PRACT | PRCHK_ALL, 30, 0xffff00a1), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, NULL, 8,
                       PRACT | PRCHK_REF, 31, 0), ==,
                    NVME_INVALID_PROT_INFO | DNR);  /* type 1: not SLBA */
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 30, 2, 512, data, NULL, 8, PRACT,
                       60, 0xa1), ==, NVME_SUCCESS);    /* refs 60, 61 */
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, NULL, 8,
                       PRACT | PRCHK_REF, 30, 0), ==, SC_REF);
    g_assert_cmpuint(err_lba(d), ==, 30);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 30, 2, 512, data, NULL, 8, PRACT,
                       30, 0xa1), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, NULL, 8,
                       PRACT | PRCHK_APP, 30, 0xffff00a2), ==, SC_APP);
    data[600] ^= 1;
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, NULL, 8,
                       PRACT | PRCHK_ALL, 30, 0xffff00a1), ==, SC_CMP);
    data[600] ^= 1;

    /* PRACT 0: the host's PI is compared with the stored PI */
    memset(md, 0, sizeof(md));
    g_assert_cmphex(rw(d, NVME_CMD_READ, 30, 2, 512, data, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, md, 8,
                       PRCHK_ALL, 30, 0xffff00a1), ==, NVME_SUCCESS);
    md[8 + 3] ^= 1;             /* block 31's application tag */
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, md, 8, 0, 0,
                       0), ==, SC_CMP);
    /* a stored bad guard fails the check before any comparison */
    md[8 + 3] ^= 1;
    md[8] ^= 1;
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 30, 2, 512, data, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, md, 8,
                       PRCHK_GUARD, 0, 0), ==, SC_GUARD);
    g_assert_cmpuint(err_lba(d), ==, 31);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 30, 2, 512, data, md, 8, 0, 0,
                       0), ==, NVME_SUCCESS);
    nvme_drv_stop(d);

    /* 512+16, PI last, extended: PRACT skips the PI bytes only */
    d = start_ns("ms=16,pi=1,mset=1");
    {
        uint8_t host[2 * 528];
        Io io = { .opc = NVME_CMD_WRITE, .slba = 4, .nlb = 2, .cdw12 = PRACT,
                  .ilbrt = 4, .cdw15 = 3 };

        fill(host, sizeof(host), 0x50);
        g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                        NVME_SUCCESS);
        io.opc = NVME_CMD_COMPARE;
        io.cdw12 = PRACT | PRCHK_ALL;
        io.cdw15 = 0xffff0003;
        host[512 + 8] ^= 0xff;  /* PI bytes of block 4: not compared */
        g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                        NVME_SUCCESS);
        host[528 + 512 + 2] ^= 1;   /* other metadata of block 5 */
        g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                        SC_CMP);
        host[528 + 512 + 2] ^= 1;
        io.cdw12 = PRCHK_ALL;   /* without PRACT the PI bytes count */
        g_assert_cmphex(run(d, &io, host, sizeof(host), NULL, 0), ==,
                        SC_CMP);
    }
    nvme_drv_stop(d);
}

/* Queue a fused-capable one-block command (extended 512+8) unrung. */
static uint16_t put_fused(NvmeDrv *d, uint8_t opc, uint8_t fuse,
                          const uint8_t *host, uint32_t cdw12)
{
    uint64_t g = nvme_drv_alloc(d, 520);
    static uint16_t cid = 0x5000;
    NvmeCmd cmd;

    nvme_drv_memwrite(d, g, host, 520);
    nvme_drv_cmd_init(&cmd, opc, 1);
    cmd.flags = fuse;
    cmd.cid = ++cid;
    nvme_drv_cmd_set_prp(d, &cmd, g, 520);
    cmd.cdw10 = cpu_to_le32(77);
    cmd.cdw12 = cpu_to_le32(cdw12);
    cmd.cdw14 = cpu_to_le32(77);
    nvme_drv_sq_put(d, 1, &cmd);
    return cmd.cid;
}

static uint16_t fused_status(NvmeDrv *d, uint16_t cid)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(d, 1, cid, &cqe);
    return NVME_DRV_STATUS(&cqe);
}

/*
 * Fused Compare and Write on an extended 512+8 PI format: the compare
 * covers data and PI (PRACT 0), a PI mismatch fails the pair.
 */
static void test_fused_meta(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1,mset=1");
    uint8_t a[520], b[520], r[520];
    Io io = { .opc = NVME_CMD_WRITE, .slba = 77, .nlb = 1, .cdw12 = PRACT,
              .ilbrt = 77 };
    uint16_t c, w;

    fill(a, 512, 0xc1);
    g_assert_cmphex(run(d, &io, a, 512, NULL, 0), ==, NVME_SUCCESS);
    io.opc = NVME_CMD_READ;
    io.cdw12 = 0;
    g_assert_cmphex(run(d, &io, a, 520, NULL, 0), ==, NVME_SUCCESS);
    fill(b, 512, 0xc2);
    stw_be_p(b + 512, nvme_drv_crc16(0, b, 512));
    stw_be_p(b + 514, 0);
    stl_be_p(b + 516, 77);
    c = put_fused(d, NVME_CMD_COMPARE, 1, a, PRCHK_ALL);
    w = put_fused(d, NVME_CMD_WRITE, 2, b, PRCHK_ALL);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(fused_status(d, c), ==, NVME_SUCCESS);
    g_assert_cmphex(fused_status(d, w), ==, NVME_SUCCESS);
    g_assert_cmphex(run(d, &io, r, 520, NULL, 0), ==, NVME_SUCCESS);
    g_assert_cmpmem(r, 520, b, 520);
    /* same data, another application tag: the write is not done */
    memcpy(r, b, 520);
    r[514] ^= 1;
    c = put_fused(d, NVME_CMD_COMPARE, 1, r, 0);
    w = put_fused(d, NVME_CMD_WRITE, 2, a, 0);
    nvme_drv_sq_ring(d, 1);
    g_assert_cmphex(fused_status(d, c), ==, SC_CMP);
    g_assert_cmphex(fused_status(d, w), ==, NVME_CMD_ABORT_FAILED_FUSE);
    g_assert_cmphex(run(d, &io, r, 520, NULL, 0), ==, NVME_SUCCESS);
    g_assert_cmpmem(r, 520, b, 520);
    nvme_drv_stop(d);
}

/* ---- Copy ---- */

typedef struct CopyRange {
    uint64_t slba;
    uint32_t nlb;
    uint64_t eilbrt;
    uint16_t elbat, elbatm;
} CopyRange;

/*
 * Copy @nr ranges to @sdlba with descriptor format @fmt (2 and 3 name
 * namespace 1 as the source); @cdw12 adds PRINFOR/PRINFOW,
 * @ilbrt/@cdw3/@cdw15 the destination's tags.
 */
static uint16_t copy(NvmeDrv *d, uint64_t sdlba, const CopyRange *r,
                     unsigned nr, unsigned fmt, uint32_t cdw12,
                     uint32_t ilbrt, uint32_t cdw3, uint32_t cdw15)
{
    size_t dsz = fmt & 1 ? 40 : 32;
    g_autofree uint8_t *buf = g_malloc0(nr * dsz);
    uint64_t g = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    for (unsigned i = 0; i < nr; i++) {
        uint8_t *p = buf + i * dsz;

        stl_le_p(p, fmt >= 2);                  /* SNSID */
        stq_le_p(p + 8, r[i].slba);
        stw_le_p(p + 16, r[i].nlb - 1);
        if (fmt & 1) {
            stq_le_p(p + 26, r[i].eilbrt);  /* 48 bits, no storage tag */
            stw_le_p(p + 34, 0);
            stw_le_p(p + 36, r[i].elbat);
            stw_le_p(p + 38, r[i].elbatm);
        } else {
            stl_le_p(p + 24, r[i].eilbrt);
            stw_le_p(p + 28, r[i].elbat);
            stw_le_p(p + 30, r[i].elbatm);
        }
    }
    nvme_drv_memwrite(d, g, buf, nr * dsz);
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    nvme_drv_cmd_set_prp(d, &cmd, g, nr * dsz);
    cmd.cdw10 = cpu_to_le32((uint32_t)sdlba);
    cmd.cdw11 = cpu_to_le32(sdlba >> 32);
    cmd.cdw12 = cpu_to_le32((nr - 1) | fmt << 8 | cdw12);
    cmd.cdw14 = cpu_to_le32(ilbrt);
    cmd.res1 = cpu_to_le64((uint64_t)cdw3 << 32);
    cmd.cdw15 = cpu_to_le32(cdw15);
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    guest_free(&d->alloc, g);
    return st;
}

#define PRINFOR(x)  ((x) >> 14)     /* PRACT/PRCHK bits moved to 15:12 */

/*
 * Write (or read) @nlb blocks from @slba in pieces MDTS allows: host
 * buffers in the namespace's layout (@ext: data and metadata
 * interleaved in @data, else @md separate).
 */
static void rw_big(NvmeDrv *d, uint8_t opc, bool ext, uint64_t slba,
                   uint32_t nlb, uint8_t *data, uint8_t *md)
{
    for (uint32_t done = 0; done < nlb; done += 256) {
        uint32_t n = MIN(nlb - done, 256);
        Io io = { .opc = opc, .slba = slba + done, .nlb = n };

        if (ext) {
            g_assert_cmphex(run(d, &io, data + done * 528, n * 528, NULL, 0),
                            ==, NVME_SUCCESS);
        } else {
            g_assert_cmphex(run(d, &io, data + done * 512, n * 512,
                                md + done * 16, n * 16), ==, NVME_SUCCESS);
        }
    }
}

/* Copy moves the metadata, extended and separate, across chunks. */
static void test_copy_meta(void)
{
    for (int ext = 0; ext < 2; ext++) {
        NvmeDrv *d = start_ns(ext ? "ms=16,mset=1" : "ms=16");
        uint32_t n1 = 2100, n2 = 3;      /* 2100 blocks: two 1 MiB chunks */
        size_t blk = ext ? 528 : 512;
        g_autofree uint8_t *data = g_malloc((n1 + n2) * 528);
        g_autofree uint8_t *md = g_malloc((n1 + n2) * 16);
        g_autofree uint8_t *rdata = g_malloc0((n1 + n2) * 528);
        g_autofree uint8_t *rmd = g_malloc0((n1 + n2) * 16);
        CopyRange r[2] = { { .slba = 10, .nlb = n1 },
                           { .slba = 5000, .nlb = n2 } };

        fill(data, (n1 + n2) * 528, 0x60 + ext);
        fill(md, (n1 + n2) * 16, 0x70 + ext);
        rw_big(d, NVME_CMD_WRITE, ext, 10, n1, data, md);
        rw_big(d, NVME_CMD_WRITE, ext, 5000, n2, data + n1 * blk,
               md + n1 * 16);
        g_assert_cmphex(copy(d, 8000, r, 2, 0, 0, 0, 0, 0), ==,
                        NVME_SUCCESS);
        rw_big(d, NVME_CMD_READ, ext, 8000, n1 + n2, rdata, rmd);
        g_assert_cmpmem(rdata, (n1 + n2) * blk, data, (n1 + n2) * blk);
        if (!ext) {
            g_assert_cmpmem(rmd, (n1 + n2) * 16, md, (n1 + n2) * 16);
        }
        nvme_drv_stop(d);
    }
}

/*
 * Type 1, 512+8: the source PI checked per PRINFOR against each range's
 * EILBRT/ELBAT/ELBATM; PRINFOW PRACT writes new PI for the destination,
 * without PRACT the copied PI is checked against ILBRT/LBAT/LBATM.
 */
static void test_copy_pi(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=1");
    uint8_t a[3 * 512], b[2 * 512], rdata[5 * 512], md[5 * 8];
    CopyRange r[2] = {
        { .slba = 10, .nlb = 3, .eilbrt = 10, .elbat = 0x11,
          .elbatm = 0xffff },
        { .slba = 50, .nlb = 2, .eilbrt = 0x700, .elbat = 0x22,
          .elbatm = 0xffff },
    };

    fill(a, sizeof(a), 0x81);
    fill(b, sizeof(b), 0x82);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 10, 3, 512, a, NULL, 8, PRACT, 10,
                       0x11), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 50, 2, 512, b, NULL, 8, PRACT,
                       0x700, 0x22), ==, NVME_SUCCESS);

    /* checked source, regenerated destination */
    g_assert_cmphex(copy(d, 200, r, 2, 0, PRINFOR(PRCHK_ALL) | PRACT, 200, 0,
                         0x33), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 200, 5, 512, rdata, md, 8,
                       PRCHK_ALL, 200, 0xffff0033), ==, NVME_SUCCESS);
    g_assert_cmpmem(rdata, 3 * 512, a, sizeof(a));
    g_assert_cmpmem(rdata + 3 * 512, 2 * 512, b, sizeof(b));
    for (unsigned i = 0; i < 5; i++) {
        g_assert_cmphex(lduw_be_p(md + i * 8), ==,
                        nvme_drv_crc16(0, rdata + i * 512, 512));
        g_assert_cmphex(lduw_be_p(md + i * 8 + 2), ==, 0x33);
        g_assert_cmphex(ldl_be_p(md + i * 8 + 4), ==, 200 + i);
    }

    /* format 2 (SNSID 1) does the same; 3 is for the 64-bit guard */
    g_assert_cmphex(copy(d, 250, r, 2, 2, PRINFOR(PRCHK_ALL) | PRACT, 250, 0,
                         0x33), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 250, 5, 512, rdata, md, 8,
                       PRCHK_ALL, 250, 0xffff0033), ==, NVME_SUCCESS);
    g_assert_cmpmem(rdata, 3 * 512, a, sizeof(a));
    g_assert_cmphex(copy(d, 250, r, 2, 3, 0, 0, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);

    /* source checks fail with the source block's LBA */
    r[1].eilbrt = 0x6ff;
    g_assert_cmphex(copy(d, 300, r, 2, 0, PRINFOR(PRCHK_REF) | PRACT, 300, 0,
                         0), ==, SC_REF);
    g_assert_cmpuint(err_lba(d), ==, 50);
    r[1].eilbrt = 0x700;
    r[0].elbat = 0x12;
    g_assert_cmphex(copy(d, 300, r, 2, 0, PRINFOR(PRCHK_APP) | PRACT, 300, 0,
                         0), ==, SC_APP);
    g_assert_cmpuint(err_lba(d), ==, 10);
    /* ... and are not made without PRCHK */
    g_assert_cmphex(copy(d, 300, r, 2, 0, PRACT, 300, 0, 0), ==,
                    NVME_SUCCESS);
    r[0].elbat = 0x11;

    /* PRINFOW without PRACT: the source PI is kept and checked */
    g_assert_cmphex(copy(d, 400, r, 1, 0, PRCHK_REF, 400, 0, 0), ==, SC_REF);
    g_assert_cmpuint(err_lba(d), ==, 400);
    g_assert_cmphex(copy(d, 400, r, 1, 0, PRCHK_ALL, 10, 0, 0xffff0011), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 400, 3, 512, rdata, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(lduw_be_p(md + i * 8 + 2), ==, 0x11);
        g_assert_cmphex(ldl_be_p(md + i * 8 + 4), ==, 10 + i);
    }
    g_assert_cmphex(copy(d, 400, r, 1, 0, PRCHK_APP, 10, 0, 0xffff0012), ==,
                    SC_APP);

    /* a source block with a bad stored guard */
    g_assert_cmphex(rw(d, NVME_CMD_READ, 10, 3, 512, rdata, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    md[8] ^= 1;
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 10, 3, 512, rdata, md, 8, 0, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(copy(d, 500, r, 1, 0, PRINFOR(PRCHK_GUARD) | PRACT, 500,
                         0, 0), ==, SC_GUARD);
    g_assert_cmpuint(err_lba(d), ==, 11);
    /* not checked at the source, the destination PRCHK catches it */
    g_assert_cmphex(copy(d, 500, r, 1, 0, PRCHK_GUARD, 0, 0, 0), ==,
                    SC_GUARD);
    g_assert_cmpuint(err_lba(d), ==, 501);
    /* descriptor format 1 is for the 64-bit guard only */
    g_assert_cmphex(copy(d, 500, r, 1, 1, 0, 0, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

/*
 * 64-bit guard (512+16, pif=2): source range descriptor format 1 carries
 * the 48-bit EILBRT; format 0 is refused; 4096+64 keeps the other bytes.
 */
static void test_copy_pi64(void)
{
    NvmeDrv *d = start_ns("ms=16,pi=2,pif=2");  /* type 2: any ILBRT */
    uint8_t a[2 * 512], rdata[2 * 512], md[2 * 16];
    Io io = { .opc = NVME_CMD_WRITE, .slba = 70, .nlb = 2, .cdw12 = PRACT,
              .ilbrt = 0xfffffffe, .cdw3 = 0x3, .cdw15 = 0x44 };
    CopyRange r = { .slba = 70, .nlb = 2, .eilbrt = 0x3fffffffeULL,
                    .elbat = 0x44, .elbatm = 0xffff };

    fill(a, sizeof(a), 0x91);
    g_assert_cmphex(run(d, &io, a, sizeof(a), NULL, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(copy(d, 90, &r, 1, 0, 0, 0, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    /* format 3 is format 1 with an SNSID (namespace 1 itself here) */
    for (unsigned fmt = 1; fmt <= 3; fmt += 2) {
        uint64_t dst = fmt == 1 ? 90 : 120;

        r.eilbrt = 0x3fffffffeULL;
        g_assert_cmphex(copy(d, dst, &r, 1, fmt, PRINFOR(PRCHK_ALL) | PRACT,
                             0x10, 0x5, 0x45), ==, NVME_SUCCESS);
        io = (Io) { .opc = NVME_CMD_READ, .slba = dst, .nlb = 2,
                    .cdw12 = PRCHK_ALL, .ilbrt = 0x10, .cdw3 = 0x5,
                    .cdw15 = 0xffff0045 };
        g_assert_cmphex(run(d, &io, rdata, sizeof(rdata), md, sizeof(md)),
                        ==, NVME_SUCCESS);
        g_assert_cmpmem(rdata, sizeof(rdata), a, sizeof(a));
        for (unsigned i = 0; i < 2; i++) {
            g_assert_cmphex(ldq_be_p(md + i * 16), ==,
                            nvme_drv_crc64(0, a + i * 512, 512));
            g_assert_cmphex(lduw_be_p(md + i * 16 + 10), ==, 0x5);
            g_assert_cmphex(ldl_be_p(md + i * 16 + 12), ==, 0x10 + i);
        }
        /* the source's 48-bit tag: bits 47:32 matter */
        r.eilbrt = 0xfffffffeULL;
        g_assert_cmphex(copy(d, dst, &r, 1, fmt, PRINFOR(PRCHK_REF), 0, 0,
                             0), ==, SC_REF);
        g_assert_cmpuint(err_lba(d), ==, 70);
    }
    /* format 2 is for the 16-bit guard only */
    g_assert_cmphex(copy(d, 120, &r, 1, 2, 0, 0, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);

    /* 4096+64, PI last: the 48 other bytes move, the guard covers them */
    d = start_ns("ms=64,pi=1,pif=2,logical_block_size=4096,"
                 "physical_block_size=4096");
    {
        g_autofree uint8_t *b = g_malloc(2 * 4096);
        g_autofree uint8_t *rb = g_malloc(2 * 4096);
        uint8_t m[128], rm[128];

        fill(b, 2 * 4096, 0xa1);
        fill(m, sizeof(m), 0xa2);
        g_assert_cmphex(rw(d, NVME_CMD_WRITE, 1, 2, 4096, b, m, 64, PRACT, 1,
                           0), ==, NVME_SUCCESS);
        r = (CopyRange) { .slba = 1, .nlb = 2, .eilbrt = 1 };
        g_assert_cmphex(copy(d, 9, &r, 1, 1, PRINFOR(PRCHK_ALL) | PRACT, 9,
                             0, 0), ==, NVME_SUCCESS);
        g_assert_cmphex(rw(d, NVME_CMD_READ, 9, 2, 4096, rb, rm, 64,
                           PRCHK_ALL, 9, 0xffff0000), ==, NVME_SUCCESS);
        g_assert_cmpmem(rb, 2 * 4096, b, 2 * 4096);
        for (unsigned i = 0; i < 2; i++) {
            g_assert_cmpmem(rm + i * 64, 48, m + i * 64, 48);
        }
    }
    nvme_drv_stop(d);
}

/* Type 3: PRACT destination reference tags are ILBRT, not incremented. */
static void test_copy_type3(void)
{
    NvmeDrv *d = start_ns("ms=8,pi=3");
    uint8_t a[3 * 512], md[3 * 8];
    CopyRange r = { .slba = 0, .nlb = 3, .eilbrt = 12345, .elbat = 1,
                    .elbatm = 0xffff };

    fill(a, sizeof(a), 0xb1);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 0, 3, 512, a, NULL, 8, PRACT, 0x99,
                       1), ==, NVME_SUCCESS);
    g_assert_cmphex(copy(d, 10, &r, 1, 0, PRINFOR(PRCHK_ALL) | PRACT,
                         0x5555, 0, 2), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 10, 3, 512, a, md, 8, PRCHK_ALL, 0,
                       0xffff0002), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 3; i++) {
        g_assert_cmphex(ldl_be_p(md + i * 8 + 4), ==, 0x5555);
    }
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/meta-cmds/sgls_bits", test_sgls_bits);
    qtest_add_func("/nvme/meta-cmds/mptr_sgl_shapes", test_mptr_sgl_shapes);
    qtest_add_func("/nvme/meta-cmds/mptr_sgl_hostile", test_mptr_sgl_hostile);
    qtest_add_func("/nvme/meta-cmds/mptr_sgl_pi", test_mptr_sgl_pi);
    qtest_add_func("/nvme/meta-cmds/verify_pi", test_verify_pi);
    qtest_add_func("/nvme/meta-cmds/verify_pi64_type3",
                   test_verify_pi64_type3);
    qtest_add_func("/nvme/meta-cmds/compare_meta", test_compare_meta);
    qtest_add_func("/nvme/meta-cmds/compare_pi", test_compare_pi);
    qtest_add_func("/nvme/meta-cmds/fused_meta", test_fused_meta);
    qtest_add_func("/nvme/meta-cmds/copy_meta", test_copy_meta);
    qtest_add_func("/nvme/meta-cmds/copy_pi", test_copy_pi);
    qtest_add_func("/nvme/meta-cmds/copy_pi64", test_copy_pi64);
    qtest_add_func("/nvme/meta-cmds/copy_type3", test_copy_type3);
    return g_test_run();
}

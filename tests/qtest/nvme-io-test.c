/*
 * qtest: NVMe I/O command set (Read, Write, Flush), data pointers (PRPs),
 * error statuses, several queue pairs, queue-full handling, interrupts.
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
#define MDTS_BYTES (128 * 4096)

static NvmeDrv *start_io(const char *props)
{
    NvmeDrv *d = nvme_drv_start_ready(props);

    nvme_drv_create_qpair(d, 1, 64);
    return d;
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = (uint8_t)((i * 31 + seed * 7 + (i >> 9)) ^ (seed >> 3));
    }
}

/* Read/write a guest buffer at @gaddr (any alignment) with given PRPs. */
static uint16_t rw_at(NvmeDrv *d, uint16_t qid, uint8_t opcode,
                      uint64_t slba, uint32_t nblocks, uint64_t prp1,
                      uint64_t prp2, uint32_t cdw12_flags)
{
    return nvme_drv_rw_prp(d, qid, opcode, 1, slba,
                           ((nblocks - 1) & 0xffff) | cdw12_flags, prp1, prp2,
                           NULL);
}

/*
 * Write @len bytes from a buffer at page offset @off, read them back into
 * another buffer at the same offset, both described by PRPs built with
 * list offset @list_off; compare, and compare with the image file.
 */
static void roundtrip(NvmeDrv *d, uint64_t slba, uint32_t len, uint32_t off,
                      uint32_t list_off, int expect_lists)
{
    uint8_t *src = g_malloc(len), *dst = g_malloc0(len), *file = g_malloc(len);
    uint64_t wbuf = nvme_drv_alloc(d, len + off + 4096) + off;
    uint64_t rbuf = nvme_drv_alloc(d, len + off + 4096) + off;
    uint64_t p1, p2;
    int lists;

    fill_pattern(src, len, slba + len + off);
    nvme_drv_memwrite(d, wbuf, src, len);
    lists = nvme_drv_build_prp(d, wbuf, len, list_off, &p1, &p2);
    g_assert_cmpint(lists, ==, expect_lists);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, slba, len / LBASZ, p1, p2, 0),
                    ==, NVME_SUCCESS);

    lists = nvme_drv_build_prp(d, rbuf, len, list_off, &p1, &p2);
    g_assert_cmpint(lists, ==, expect_lists);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, slba, len / LBASZ, p1, p2, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_memread(d, rbuf, dst, len);
    g_assert_cmpmem(src, len, dst, len);
    /* nothing written past the end of the read buffer */
    g_assert_cmpuint(qtest_readb(d->qts, rbuf + len), ==, 0);
    if (off) {
        g_assert_cmpuint(qtest_readb(d->qts, rbuf - 1), ==, 0);
    }

    /* the data really is at that LBA of the backing file */
    g_assert_cmpint(pread(d->img_fd, file, len, slba * LBASZ), ==, len);
    g_assert_cmpmem(src, len, file, len);
    g_free(src);
    g_free(dst);
    g_free(file);
}

static void test_rw_prp1(void)
{
    NvmeDrv *d = start_io(NULL);

    roundtrip(d, 0, LBASZ, 0, 0, 0);
    roundtrip(d, 100, 4096, 0, 0, 0);
    /* dword aligned offset, still within one page */
    roundtrip(d, 200, 1024, 0x204, 0, 0);
    roundtrip(d, NBLOCKS - 1, LBASZ, 0xc00, 0, 0);
    nvme_drv_stop(d);
}

static void test_rw_prp2(void)
{
    NvmeDrv *d = start_io(NULL);

    roundtrip(d, 8, 8192, 0, 0, 0);            /* two whole pages */
    roundtrip(d, 40, 4096, 0x800, 0, 0);       /* one page across two */
    roundtrip(d, 80, 4608, 0xe00, 0, 0);       /* 512 + 4096 bytes */
    roundtrip(d, 120, 5120, 0xe00, 0, 1);      /* 3 pages: a list */
    nvme_drv_stop(d);
}

static void test_rw_prp_list(void)
{
    NvmeDrv *d = start_io(NULL);

    roundtrip(d, 0, 3 * 4096, 0, 0, 1);
    roundtrip(d, 1000, 64 * 1024, 0, 0, 1);
    roundtrip(d, 3000, 64 * 1024, 0x200, 0, 1);
    nvme_drv_stop(d);
}

/* The list pointer may have an offset (NVMe 1.4 4.3): short chained lists. */
static void test_rw_prp_list_chained(void)
{
    NvmeDrv *d = start_io(NULL);

    /* room for 2 entries in the first list page: 1 data + 1 chain */
    roundtrip(d, 0, 10 * 4096, 0, 4096 - 16, 2);
    /* exactly filling the first list page needs no chain */
    roundtrip(d, 500, 3 * 4096, 0, 4096 - 16, 1);
    /* list pointer with an offset but no chaining */
    roundtrip(d, 900, 6 * 4096, 0x100, 0x800, 1);
    /* the list starts in the last entry of its page: it chains at once */
    roundtrip(d, 1200, 3 * 4096, 0, 4096 - 8, 2);
    roundtrip(d, 1300, 40 * 4096, 0x400, 4096 - 8, 2);
    nvme_drv_stop(d);
}

/*
 * A list may chain back to a page it used before; only the transfer
 * length bounds the walk.  PRP2 points at the last entry of list page L,
 * which points back to L itself, whose first entries are the data pages:
 * 12 KiB written, then read back, through that list.
 */
static void test_rw_prp_list_chain_back(void)
{
    NvmeDrv *d = start_io(NULL);
    uint32_t len = 3 * 4096;
    uint64_t buf = nvme_drv_alloc(d, len), list = nvme_drv_alloc(d, 4096);
    uint64_t ents[2] = { cpu_to_le64(buf + 4096), cpu_to_le64(buf + 8192) };
    uint64_t back = cpu_to_le64(list);
    g_autofree uint8_t *src = g_malloc(len), *dst = g_malloc0(len);
    g_autofree uint8_t *file = g_malloc(len);

    nvme_drv_memwrite(d, list, ents, sizeof(ents));
    nvme_drv_memwrite(d, list + 4096 - 8, &back, 8);
    fill_pattern(src, len, 77);
    nvme_drv_memwrite(d, buf, src, len);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 60, len / LBASZ, buf,
                          list + 4096 - 8, 0), ==, NVME_SUCCESS);
    g_assert_cmpint(pread(d->img_fd, file, len, 60 * LBASZ), ==, len);
    g_assert_cmpmem(src, len, file, len);
    nvme_drv_memwrite(d, buf, dst, len);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 60, len / LBASZ, buf,
                          list + 4096 - 8, 0), ==, NVME_SUCCESS);
    nvme_drv_memread(d, buf, dst, len);
    g_assert_cmpmem(src, len, dst, len);
    nvme_drv_stop(d);
}

/* Page-aligned lists chained because they are long (mdts raised). */
static void test_rw_prp_list_chained_large(void)
{
    NvmeDrv *d = start_io("mdts=10");

    roundtrip(d, 64, 3 * 1024 * 1024, 0, 0, 2);
    nvme_drv_stop(d);
}

/*
 * PRP1/PRP2 for @pages pages: every other page from @base, so no two
 * are contiguous and each becomes its own sglist and iovec entry.
 */
static void scattered_prps(NvmeDrv *d, uint64_t base, uint32_t pages,
                           uint64_t *p1, uint64_t *p2)
{
    g_autofree uint64_t *list = g_new(uint64_t, pages);
    uint64_t l = 0;

    for (uint32_t i = 1; i < pages; i++) {
        list[i - 1] = cpu_to_le64(base + 2ull * i * 4096);
    }
    if (pages > 2) {
        l = nvme_drv_alloc(d, 4096);
        nvme_drv_memwrite(d, l, list, (pages - 1) * 8);
    }
    *p1 = base;
    *p2 = pages == 2 ? base + 2 * 4096 : l;
}

/*
 * Transfers of 100 scattered pages (more sglist and iovec entries than a
 * pooled request keeps) alternate with one-page ones over more commands
 * than the 64-entry queue has requests, so pooled requests grow, shrink
 * back and are reused.  Each read must return what was written, and the
 * pages in between must stay untouched.
 */
static void test_rw_prp_scattered(void)
{
    enum { N = 100, SPAN = 2 * N * 4096 };
    NvmeDrv *d = start_io(NULL);
    uint64_t wbuf = nvme_drv_alloc(d, SPAN), rbuf = nvme_drv_alloc(d, SPAN);
    g_autofree uint8_t *src = g_malloc(SPAN), *dst = g_malloc(SPAN);
    g_autofree uint8_t *zero = g_malloc0(SPAN);
    uint64_t p1, p2;

    for (int round = 0; round < 40; round++) {
        uint32_t pages = round & 1 ? 1 + round % 3 : N;
        uint64_t slba = (round * 8 * N) % (NBLOCKS - 8 * N);

        fill_pattern(src, SPAN, round);
        nvme_drv_memwrite(d, wbuf, src, SPAN);
        nvme_drv_memwrite(d, rbuf, zero, SPAN);
        scattered_prps(d, wbuf, pages, &p1, &p2);
        g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, slba, pages * 8, p1, p2,
                              0), ==, NVME_SUCCESS);
        scattered_prps(d, rbuf, pages, &p1, &p2);
        g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, slba, pages * 8, p1, p2,
                              0), ==, NVME_SUCCESS);
        nvme_drv_memread(d, rbuf, dst, SPAN);
        for (uint32_t i = 0; i < 2 * N; i++) {
            bool data = !(i & 1) && i / 2 < pages;

            g_assert_cmpmem(dst + i * 4096, 4096,
                            (data ? src : zero) + i * 4096, 4096);
        }
    }
    nvme_drv_stop(d);
}

/* The same with 64 KiB memory pages (CC.MPS = 4). */
static void test_rw_mps_64k(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);

    nvme_drv_msix_enable(d);
    g_assert_true(nvme_drv_enable_cc(d, 16, 16, nvme_drv_cc_value(4)));
    nvme_drv_create_qpair(d, 1, 32);
    roundtrip(d, 0, 4096, 0x1000, 0, 0);        /* PRP1 only */
    roundtrip(d, 300, 64 * 1024, 0x8000, 0, 0); /* PRP1 + PRP2 */
    roundtrip(d, 600, 256 * 1024, 0, 0, 1);     /* list */
    nvme_drv_stop(d);
}

static void test_rw_mdts(void)
{
    NvmeDrv *d = start_io(NULL);
    uint64_t buf = nvme_drv_alloc(d, MDTS_BYTES + 4096);
    uint64_t p1, p2;

    nvme_drv_build_prp(d, buf, MDTS_BYTES, 0, &p1, &p2);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 0, MDTS_BYTES / LBASZ, p1, p2,
                          0), ==, NVME_SUCCESS);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, MDTS_BYTES / LBASZ, p1, p2,
                          0), ==, NVME_SUCCESS);
    nvme_drv_build_prp(d, buf, MDTS_BYTES + LBASZ, 0, &p1, &p2);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 0, MDTS_BYTES / LBASZ + 1,
                          p1, p2, 0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, MDTS_BYTES / LBASZ + 1,
                          p1, p2, 0), ==, NVME_INVALID_FIELD | DNR);
    /* the largest NLB (in range of the 16 MiB namespace) is over MDTS */
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, NBLOCKS / 2, p1, p2, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

/* FUA is bit 14 of the Control half (bits 31:16) of CDW12, i.e. bit 30. */
static void test_rw_fua(void)
{
    NvmeDrv *d = start_io(NULL);
    uint8_t *a = g_malloc(4096), *b = g_malloc0(4096);
    const uint32_t fua = (uint32_t)NVME_RW_FUA << 16;

    fill_pattern(a, 4096, 77);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 16, 8, LBASZ, a,
                                fua), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 16, 8, LBASZ, b,
                                fua), ==, NVME_SUCCESS);
    g_assert_cmpmem(a, 4096, b, 4096);
    g_free(a);
    g_free(b);
    nvme_drv_stop(d);
}

/* Reading never-written blocks returns zeroes; host-side file writes show. */
static void test_rw_unwritten_and_file(void)
{
    NvmeDrv *d = start_io(NULL);
    uint8_t *buf = g_malloc(4096), *zero = g_malloc0(4096);
    uint8_t *pat = g_malloc(4096);

    memset(buf, 0xcc, 4096);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 4000, 8, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(buf, 4096, zero, 4096);

    fill_pattern(pat, 4096, 1234);
    g_assert_cmpint(pwrite(d->img_fd, pat, 4096, 5000 * LBASZ), ==, 4096);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 5000, 8, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(buf, 4096, pat, 4096);
    /* a sub-range */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 5003, 2, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(buf, 2 * LBASZ, pat + 3 * LBASZ, 2 * LBASZ);
    g_free(buf);
    g_free(zero);
    g_free(pat);
    nvme_drv_stop(d);
}

static uint16_t flush(NvmeDrv *d, uint32_t nsid)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, nsid);
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

static void test_flush(void)
{
    NvmeDrv *d = start_io(NULL);

    g_assert_cmphex(flush(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(flush(d, NVME_NSID_BROADCAST), ==, NVME_SUCCESS);
    g_assert_cmphex(flush(d, 0), ==, NVME_INVALID_NSID | DNR);
    /* a valid but inactive NSID is an Invalid Field */
    g_assert_cmphex(flush(d, 2), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(flush(d, 257), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(flush(d, 0xfffffffe), ==, NVME_INVALID_NSID | DNR);
    nvme_drv_stop(d);
}

static void test_lba_range(void)
{
    NvmeDrv *d = start_io(NULL);
    uint64_t buf = nvme_drv_alloc(d, 8192);

    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, NBLOCKS - 1, 1, buf, 0, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, NBLOCKS - 1, 1, buf, 0, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, NBLOCKS - 1, 2, buf, 0, 0), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, NBLOCKS - 1, 2, buf, 0, 0),
                    ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, NBLOCKS, 1, buf, 0, 0), ==,
                    NVME_LBA_RANGE | DNR);
    /* SLBA + NLB overflowing 64 bits */
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, UINT64_MAX, 2, buf, 0, 0), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 1ULL << 63, 1, buf, 0, 0), ==,
                    NVME_LBA_RANGE | DNR);
    nvme_drv_stop(d);
}

static void test_invalid_nsid(void)
{
    NvmeDrv *d = start_io(NULL);
    /* NSIDs outside 1..NN are invalid; 2 and 256 are valid but inactive */
    static const uint32_t bad[] = { 0, 2, 256, 257, 0xfffffffe, 0xffffffff };
    uint64_t buf = nvme_drv_alloc(d, 4096);
    uint16_t want;
    NvmeCmd cmd;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        want = bad[i] >= 1 && bad[i] <= 256 ? NVME_INVALID_FIELD | DNR
                                             : NVME_INVALID_NSID | DNR;
        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, bad[i]);
        cmd.dptr.prp1 = buf;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, want);
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, bad[i]);
        cmd.dptr.prp1 = buf;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, want);
    }
    nvme_drv_stop(d);
}

static void test_invalid_opcode(void)
{
    NvmeDrv *d = start_io(NULL);
    static const uint8_t ops[] = {
        0x03, 0x06, 0x07, 0x0a, 0x0b, 0x10, 0x12, 0x7f, 0x80, 0xff,
    };
    NvmeCmd cmd;
    size_t i;

    for (i = 0; i < ARRAY_SIZE(ops); i++) {
        nvme_drv_cmd_init(&cmd, ops[i], 1);
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                        NVME_INVALID_OPCODE | DNR);
    }
    /* admin opcodes mean nothing on an I/O queue */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                    NVME_INVALID_OPCODE | DNR);
    nvme_drv_stop(d);
}

static void test_psdt_fuse(void)
{
    NvmeDrv *d = start_io(NULL);
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    static const uint8_t flags[] = {
        0x01, 0x02, 0x03, 3 << 6,       /* SGLs: nvme-sgl-test */
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(flags); i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
        cmd.flags = flags[i];
        cmd.dptr.prp1 = buf;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.flags = 0x01;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

static void test_prp_offset_invalid(void)
{
    NvmeDrv *d = start_io(NULL);
    uint64_t buf = nvme_drv_alloc(d, 64 * 1024);
    uint64_t list = nvme_drv_alloc(d, 4096);
    uint64_t ents[3];

    /* PRP1 not dword aligned */
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, 1, buf + 2, 0, 0), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 0, 1, buf + 1, 0, 0), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    /* PRP2 as second data page with an offset */
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, 16, buf, buf + 0x1200, 0),
                    ==, NVME_INVALID_PRP_OFFSET | DNR);
    /* PRP2 as list pointer not qword aligned */
    ents[0] = cpu_to_le64(buf + 0x1000);
    ents[1] = cpu_to_le64(buf + 0x2000);
    ents[2] = cpu_to_le64(buf + 0x3000);
    nvme_drv_memwrite(d, list, ents, sizeof(ents));
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, 24, buf, list, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, 24, buf, list + 4, 0), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    /* list entry with an offset */
    ents[1] = cpu_to_le64(buf + 0x2010);
    nvme_drv_memwrite(d, list, ents, sizeof(ents));
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_READ, 0, 24, buf, list, 0), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    g_assert_cmphex(rw_at(d, 1, NVME_CMD_WRITE, 0, 24, buf, list, 0), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    nvme_drv_stop(d);
}

/* DMA to an address with no memory behind it. */
static void test_dma_error(void)
{
    NvmeDrv *d = start_io(NULL);
    uint16_t st;

    st = rw_at(d, 1, NVME_CMD_READ, 0, 1, 0xfff00000000ULL, 0, 0);
    g_assert_cmphex(st & ~DNR, ==, NVME_DATA_TRAS_ERROR);
    st = rw_at(d, 1, NVME_CMD_WRITE, 0, 1, 0xfff00000000ULL, 0, 0);
    g_assert_cmphex(st & ~DNR, ==, NVME_DATA_TRAS_ERROR);
    /* the queue keeps working */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* Small queues wrapped many times; batches under one doorbell write. */
static void test_queue_wrap_batches(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    NvmeCqe cqe;
    bool seen[3];
    int round, i;

    nvme_drv_create_qpair(d, 1, 4);
    for (round = 0; round < 10; round++) {
        for (i = 0; i < 3; i++) {       /* a 4-entry SQ holds 3 */
            nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
            cmd.cid = 0x100 + i;
            cmd.dptr.prp1 = buf;
            cmd.cdw10 = round * 3 + i;
            nvme_drv_sq_put(d, 1, &cmd);
        }
        nvme_drv_sq_ring(d, 1);
        memset(seen, 0, sizeof(seen));
        for (i = 0; i < 3; i++) {
            nvme_drv_wait_cqe(d, 1, &cqe);
            g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
            g_assert_cmpuint(cqe.sq_id, ==, 1);
            g_assert_cmpuint(cqe.cid, >=, 0x100);
            g_assert_cmpuint(cqe.cid, <, 0x103);
            g_assert_false(seen[cqe.cid - 0x100]);
            seen[cqe.cid - 0x100] = true;
        }
        g_assert_cmpuint(d->sq[1].head, ==, d->sq[1].tail);
    }
    nvme_drv_stop(d);
}

/* Several queue pairs busy at once; data written on one read on another. */
static void test_multi_queue(void)
{
    enum { NQ = 4, PER_Q = 6, BLK = 8 };
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t *src = g_malloc(BLK * LBASZ), *dst = g_malloc(BLK * LBASZ);
    uint64_t bufs[NQ][PER_Q];
    uint16_t cids[NQ][PER_Q];
    NvmeCqe cqe;
    NvmeCmd cmd;
    int q, i, j;

    for (q = 1; q <= NQ; q++) {
        nvme_drv_create_qpair(d, q, 16);
    }
    for (i = 0; i < PER_Q; i++) {
        for (q = 0; q < NQ; q++) {
            fill_pattern(src, BLK * LBASZ, q * 100 + i);
            bufs[q][i] = nvme_drv_alloc(d, BLK * LBASZ);
            nvme_drv_memwrite(d, bufs[q][i], src, BLK * LBASZ);
            nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
            nvme_drv_cmd_set_prp(d, &cmd, bufs[q][i], BLK * LBASZ);
            cmd.cdw10 = (q * PER_Q + i) * BLK;
            cmd.cdw12 = BLK - 1;
            cids[q][i] = nvme_drv_submit(d, q + 1, &cmd);
        }
    }
    for (q = 0; q < NQ; q++) {
        for (i = 0; i < PER_Q; i++) {
            nvme_drv_wait_cid(d, q + 1, cids[q][i], &cqe);
            g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
            g_assert_cmpuint(cqe.sq_id, ==, q + 1);
        }
    }
    /* read back each block through a different queue */
    for (q = 0; q < NQ; q++) {
        for (i = 0; i < PER_Q; i++) {
            fill_pattern(src, BLK * LBASZ, q * 100 + i);
            j = (q + 1) % NQ + 1;
            g_assert_cmphex(nvme_drv_rw(d, j, NVME_CMD_READ, 1,
                                        (q * PER_Q + i) * BLK, BLK, LBASZ,
                                        dst, 0), ==, NVME_SUCCESS);
            g_assert_cmpmem(src, BLK * LBASZ, dst, BLK * LBASZ);
        }
    }
    /* two SQs sharing one CQ */
    g_assert_cmphex(nvme_drv_create_sq(d, NQ + 1, 1, 8), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cids[0][0] = nvme_drv_submit(d, NQ + 1, &cmd);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cids[0][1] = nvme_drv_submit(d, 1, &cmd);
    nvme_drv_wait_cid(d, 1, cids[0][0], &cqe);
    g_assert_cmpuint(cqe.sq_id, ==, NQ + 1);
    nvme_drv_wait_cid(d, 1, cids[0][1], &cqe);
    g_assert_cmpuint(cqe.sq_id, ==, 1);
    g_free(src);
    g_free(dst);
    nvme_drv_stop(d);
}

/*
 * A full CQ (head == tail + 1) gets no new entries until the host moves
 * the head; nothing is lost.
 */
static void test_cq_full(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;
    bool seen[6] = { false };
    int i, got = 0;

    g_assert_cmphex(nvme_drv_create_cq(d, 1, 4, 1, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 16), ==, NVME_SUCCESS);
    for (i = 0; i < 6; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        cmd.cid = 0x200 + i;
        nvme_drv_sq_put(d, 1, &cmd);
    }
    nvme_drv_sq_ring(d, 1);

    /* a 4-entry CQ holds 3 */
    for (i = 0; i < 3; i++) {
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, false));
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        seen[cqe.cid - 0x200] = true;
        got++;
    }
    /* slot 3 must stay empty while the head doorbell says 0 */
    g_usleep(200 * 1000);
    g_assert_false(nvme_drv_cqe_ready(d, 1));
    /* also no overwrite of slot 0 with the next phase */
    {
        NvmeCqe raw;

        qtest_memread(d->qts, d->cq[1].addr, &raw, sizeof(raw));
        g_assert_cmpuint(le16_to_cpu(raw.status) & 1, ==, 1);
    }

    nvme_drv_cq_ring(d, 1);
    while (got < 6) {
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, true));
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        g_assert_cmpuint(cqe.cid, >=, 0x200);
        g_assert_cmpuint(cqe.cid, <, 0x206);
        g_assert_false(seen[cqe.cid - 0x200]);
        seen[cqe.cid - 0x200] = true;
        got++;
    }
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 100, true));
    nvme_drv_stop(d);
}

/* Each CQ signals its own MSI-X vector, none when IEN is clear. */
static void test_irq_msix_vectors(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    g_assert_cmphex(nvme_drv_create_cq(d, 1, 8, 3, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 8), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_cq(d, 2, 8, 64, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 2, 8), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_cq(d, 3, 8, 5, false), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 3, 3, 8), ==, NVME_SUCCESS);
    nvme_drv_msix_clear_all(d);

    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_true(nvme_drv_msix_wait(d, 3, 2000));
    g_assert_false(nvme_drv_msix_fired(d, 0));
    g_assert_false(nvme_drv_msix_fired(d, 64));

    g_assert_cmphex(nvme_drv_rw(d, 2, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_true(nvme_drv_msix_wait(d, 64, 2000));
    g_assert_false(nvme_drv_msix_fired(d, 3));

    g_assert_cmphex(nvme_drv_rw(d, 3, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);
    g_usleep(50 * 1000);
    g_assert_false(nvme_drv_msix_fired(d, 5));
    g_assert_false(nvme_drv_msix_fired(d, 0));
    nvme_drv_stop(d);
}

/* INTx: I/O completions assert the pin too (one pin for all vectors). */
static void test_irq_intx_io(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_enable(d, 8, 8);
    nvme_drv_create_qpair(d, 1, 8);
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    nvme_drv_submit(d, 1, &cmd);
    g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, false));
    g_assert_true(nvme_drv_intx_wait(d, true, 2000));
    nvme_drv_cq_ring(d, 1);
    g_assert_true(nvme_drv_intx_wait(d, false, 2000));
    nvme_drv_stop(d);
}

/* Deleting an SQ with queued commands, then its CQ, leaves things sane. */
static void test_delete_busy_queue(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeCmd cmd;
    int i;

    nvme_drv_create_qpair(d, 1, 16);
    for (i = 0; i < 8; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        nvme_drv_submit(d, 1, &cmd);
    }
    g_assert_cmphex(nvme_drv_delete_sq(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, NVME_SUCCESS);
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/nvme/io/rw_prp1", test_rw_prp1);
    qtest_add_func("/nvme/io/rw_prp2", test_rw_prp2);
    qtest_add_func("/nvme/io/rw_prp_list", test_rw_prp_list);
    qtest_add_func("/nvme/io/rw_prp_list_chained", test_rw_prp_list_chained);
    qtest_add_func("/nvme/io/rw_prp_list_chain_back",
                   test_rw_prp_list_chain_back);
    qtest_add_func("/nvme/io/rw_prp_list_chained_large",
                   test_rw_prp_list_chained_large);
    qtest_add_func("/nvme/io/rw_prp_scattered", test_rw_prp_scattered);
    qtest_add_func("/nvme/io/rw_mps_64k", test_rw_mps_64k);
    qtest_add_func("/nvme/io/rw_mdts", test_rw_mdts);
    qtest_add_func("/nvme/io/rw_fua", test_rw_fua);
    qtest_add_func("/nvme/io/rw_unwritten_and_file",
                   test_rw_unwritten_and_file);
    qtest_add_func("/nvme/io/flush", test_flush);
    qtest_add_func("/nvme/io/lba_range", test_lba_range);
    qtest_add_func("/nvme/io/invalid_nsid", test_invalid_nsid);
    qtest_add_func("/nvme/io/invalid_opcode", test_invalid_opcode);
    qtest_add_func("/nvme/io/psdt_fuse", test_psdt_fuse);
    qtest_add_func("/nvme/io/prp_offset_invalid", test_prp_offset_invalid);
    qtest_add_func("/nvme/io/dma_error", test_dma_error);
    qtest_add_func("/nvme/io/queue_wrap_batches", test_queue_wrap_batches);
    qtest_add_func("/nvme/io/multi_queue", test_multi_queue);
    qtest_add_func("/nvme/io/cq_full", test_cq_full);
    qtest_add_func("/nvme/io/irq_msix_vectors", test_irq_msix_vectors);
    qtest_add_func("/nvme/io/irq_intx_io", test_irq_intx_io);
    qtest_add_func("/nvme/io/delete_busy_queue", test_delete_busy_queue);

    return g_test_run();
}

/*
 * qtest: NVMe Scatter Gather Lists as data pointers (PSDT 01b/10b):
 * Data Block, Segment, Last Segment and Bit Bucket descriptors for I/O
 * commands (admin commands use PRPs only), SGLs longer than the data, and
 * every SGL error status.
 *
 * All buffers live in one guest "arena" filled with a sentinel pattern;
 * after every command the whole arena is compared with a host-side model,
 * so a byte written outside the described buffers fails the test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR         NVME_DNR
#define LBASZ       512
#define ARENA_SIZE  (512 * 1024)
#define NO_MEMORY   0xfff00000000ULL    /* nothing mapped there */

#define T_DATA      (NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4)
#define T_BUCKET    (NVME_SGL_DESCR_TYPE_BIT_BUCKET << 4)
#define T_SEG       (NVME_SGL_DESCR_TYPE_SEGMENT << 4)
#define T_LAST      (NVME_SGL_DESCR_TYPE_LAST_SEGMENT << 4)
#define T_KEYED     (NVME_SGL_DESCR_TYPE_KEYED_DATA_BLOCK << 4)

#define OP_REGISTER 0x0d        /* Reservation Register */
#define OP_REPORT   0x0e        /* Reservation Report */

#define PSDT_SGL    (NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6)
#define PSDT_SGL2   (NVME_PSDT_SGL_MPTR_SGL << 6)

typedef struct Env {
    NvmeDrv *d;
    uint64_t arena;             /* guest address */
    uint8_t *model;             /* what the arena must hold */
} Env;

static void sentinel(uint8_t *buf, size_t len, uint64_t base)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = 0xa5 ^ (uint8_t)((base + i) * 13);
    }
}

static void pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 7 + seed * 131 + (i >> 8));
    }
}

static Env *env_start(void)
{
    Env *e = g_new0(Env, 1);

    e->d = nvme_drv_start_ready(NULL);
    nvme_drv_create_qpair(e->d, 1, 64);
    e->arena = nvme_drv_alloc(e->d, ARENA_SIZE);
    e->model = g_malloc(ARENA_SIZE);
    sentinel(e->model, ARENA_SIZE, 0);
    nvme_drv_memwrite(e->d, e->arena, e->model, ARENA_SIZE);
    return e;
}

static void env_stop(Env *e)
{
    nvme_drv_stop(e->d);
    g_free(e->model);
    g_free(e);
}

/* Guest address of arena offset @off. */
static uint64_t A(Env *e, uint32_t off)
{
    return e->arena + off;
}

/* The whole arena must equal the model. */
static void check_arena(Env *e)
{
    uint8_t *now = g_malloc(ARENA_SIZE);

    nvme_drv_memread(e->d, e->arena, now, ARENA_SIZE);
    for (size_t i = 0; i < ARENA_SIZE; i++) {
        if (now[i] != e->model[i]) {
            g_error("arena offset 0x%zx: 0x%02x, expected 0x%02x",
                    i, now[i], e->model[i]);
        }
    }
    g_free(now);
}

/* Put bytes into the arena and the model. */
static void arena_put(Env *e, uint32_t off, const void *buf, size_t len)
{
    memcpy(e->model + off, buf, len);
    nvme_drv_memwrite(e->d, A(e, off), buf, len);
}

static NvmeSglDescriptor desc(uint64_t addr, uint32_t len, uint8_t type)
{
    NvmeSglDescriptor s = {
        .addr = cpu_to_le64(addr), .len = cpu_to_le32(len), .type = type,
    };
    return s;
}

/* Write @n descriptors as a segment at arena offset @off. */
static void put_segment(Env *e, uint32_t off, const NvmeSglDescriptor *s,
                        size_t n)
{
    arena_put(e, off, s, n * sizeof(*s));
}

static uint16_t rw_sgl(Env *e, uint8_t opcode, uint64_t slba,
                       uint32_t nblocks, NvmeSglDescriptor sgl, uint8_t psdt,
                       NvmeCqe *cqe)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opcode, 1);
    cmd.flags = psdt;
    cmd.dptr.sgl = sgl;
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = nblocks - 1;
    return nvme_drv_exec(e->d, 1, &cmd, cqe);
}

static void file_read(Env *e, uint64_t slba, void *buf, size_t len)
{
    g_assert_cmpint(pread(e->d->img_fd, buf, len, slba * LBASZ), ==, len);
}

static void file_write(Env *e, uint64_t slba, const void *buf, size_t len)
{
    g_assert_cmpint(pwrite(e->d->img_fd, buf, len, slba * LBASZ), ==, len);
}

/* A read still works after an error (the queue is healthy). */
static void check_alive(Env *e)
{
    g_assert_cmphex(nvme_drv_rw(e->d, 1, NVME_CMD_READ, 1, 0, 1, LBASZ, NULL,
                                0), ==, NVME_SUCCESS);
}

typedef struct Piece {
    uint32_t off;               /* arena offset, or UINT32_MAX: bit bucket */
    uint32_t len;
} Piece;

#define BUCKET UINT32_MAX

/*
 * Write @len bytes at @slba gathered from @wp, read them back scattered
 * to @rp, both described by @wsgl/@rsgl (built by the caller).  The model
 * is updated from the pieces; the file must hold the data.
 */
static void roundtrip(Env *e, uint64_t slba, uint32_t len,
                      const Piece *wp, size_t nw, NvmeSglDescriptor wsgl,
                      const Piece *rp, size_t nr, NvmeSglDescriptor rsgl,
                      uint8_t psdt)
{
    uint8_t *data = g_malloc(len), *file = g_malloc(len);
    uint32_t pos = 0;

    pattern(data, len, slba + len);
    for (size_t i = 0; i < nw; i++) {
        arena_put(e, wp[i].off, data + pos, wp[i].len);
        pos += wp[i].len;
    }
    g_assert_cmpuint(pos, ==, len);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, slba, len / LBASZ, wsgl, psdt,
                           NULL), ==, NVME_SUCCESS);
    file_read(e, slba, file, len);
    g_assert_cmpmem(data, len, file, len);
    check_arena(e);

    pos = 0;
    for (size_t i = 0; i < nr; i++) {
        if (rp[i].off != BUCKET) {
            memcpy(e->model + rp[i].off, data + pos, rp[i].len);
        }
        pos += rp[i].len;
    }
    g_assert_cmpuint(pos, ==, len);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, slba, len / LBASZ, rsgl, psdt,
                           NULL), ==, NVME_SUCCESS);
    check_arena(e);
    g_free(data);
    g_free(file);
}

/*
 * Describe @p as a list of descriptors in @out (bit buckets for BUCKET
 * pieces); returns the count.
 */
static size_t pieces_to_descs(Env *e, const Piece *p, size_t n,
                              NvmeSglDescriptor *out)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = p[i].off == BUCKET ? desc(0, p[i].len, T_BUCKET)
                                    : desc(A(e, p[i].off), p[i].len, T_DATA);
    }
    return n;
}

/* Identify Controller has the SGLS we implement. */
static void test_identify_sgls(void)
{
    Env *e = env_start();
    NvmeIdCtrl *id = g_malloc(4096);

    g_assert_cmphex(nvme_drv_identify(e->d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(id->sgls), ==,
                    NVME_CTRL_SGLS_SUPPORT_NO_ALIGN |
                    NVME_CTRL_SGLS_BITBUCKET |
                    NVME_CTRL_SGLS_MPTR_CONTIGUOUS |
                    NVME_CTRL_SGLS_EXCESS_LENGTH |
                    NVME_CTRL_SGLS_MPTR_SGL);
    g_free(id);
    env_stop(e);
}

/* One Data Block in the command, byte aligned buffers, PSDT 01b and 10b. */
static void test_rw_single_block(void)
{
    Env *e = env_start();
    Piece w[] = { { 0x1003, 4096 } }, r[] = { { 0x8001, 4096 } };
    Piece w2[] = { { 0x10000, 512 } }, r2[] = { { 0x20000, 512 } };
    Piece w3[] = { { 0x30002, 65536 } }, r3[] = { { 0x50005, 65536 } };

    roundtrip(e, 10, 4096, w, 1, desc(A(e, 0x1003), 4096, T_DATA),
              r, 1, desc(A(e, 0x8001), 4096, T_DATA), PSDT_SGL);
    roundtrip(e, 100, 512, w2, 1, desc(A(e, 0x10000), 512, T_DATA),
              r2, 1, desc(A(e, 0x20000), 512, T_DATA), PSDT_SGL2);
    roundtrip(e, 1000, 65536, w3, 1, desc(A(e, 0x30002), 65536, T_DATA),
              r3, 1, desc(A(e, 0x50005), 65536, T_DATA), PSDT_SGL);
    env_stop(e);
}

/* The Linux layout: a Last Segment descriptor in the command. */
static void test_rw_last_segment(void)
{
    Env *e = env_start();
    Piece w[] = { { 0x2000, 1000 }, { 0x3001, 24 }, { 0x4000, 3072 } };
    Piece r[] = { { 0x6000, 2048 }, { 0x5000, 2047 }, { 0x7003, 1 } };
    NvmeSglDescriptor s[8];
    uint32_t wl = 0x100, rl = 0x200;

    put_segment(e, wl, s, pieces_to_descs(e, w, 3, s));
    put_segment(e, rl, s, pieces_to_descs(e, r, 3, s));
    roundtrip(e, 64, 4096, w, 3, desc(A(e, wl), 3 * 16, T_LAST),
              r, 3, desc(A(e, rl), 3 * 16, T_LAST), PSDT_SGL);
    env_stop(e);
}

/*
 * Segment -> segment (Segment descriptor last) -> last segment, with
 * zero-length data blocks in between, and a long last segment whose
 * descriptors span more than one read chunk of the controller.
 */
static void test_rw_segment_chain(void)
{
    Env *e = env_start();
    Piece w[6] = {
        { 0x2000, 100 }, { 0x2100, 412 }, { 0x3000, 1024 },
        { 0x4004, 2048 }, { 0x5000, 500 }, { 0x6000, 12 },
    };
    Piece r[320];
    NvmeSglDescriptor s[330];
    uint32_t seg1 = 0x100, seg2 = 0x400, seg3 = 0x800;
    uint32_t rseg1 = 0x10000, rseg2 = 0x18000;

    /* write: [100, 412, 0-length, Segment] [1024, 2048, Last] [500, 12] */
    s[0] = desc(A(e, w[0].off), w[0].len, T_DATA);
    s[1] = desc(A(e, w[1].off), w[1].len, T_DATA);
    s[2] = desc(A(e, 0x9000), 0, T_DATA);
    s[3] = desc(A(e, seg2), 3 * 16, T_SEG);
    put_segment(e, seg1, s, 4);
    s[0] = desc(A(e, w[2].off), w[2].len, T_DATA);
    s[1] = desc(A(e, w[3].off), w[3].len, T_DATA);
    s[2] = desc(A(e, seg3), 2 * 16, T_LAST);
    put_segment(e, seg2, s, 3);
    pieces_to_descs(e, &w[4], 2, s);
    put_segment(e, seg3, s, 2);

    /*
     * read: a Segment of 257 descriptors (256 blocks of 12 bytes, then a
     * Last Segment descriptor: past the controller's first read chunk)
     * and a last segment of 64 blocks of 16 bytes.
     */
    for (int i = 0; i < 320; i++) {
        r[i].off = i < 256 ? 0x20000 + i * 32 + (i & 3)
                           : 0x30000 + (i - 256) * 32;
        r[i].len = i < 256 ? 12 : 16;
    }
    pieces_to_descs(e, r, 256, s);
    s[256] = desc(A(e, rseg2), 64 * 16, T_LAST);
    put_segment(e, rseg1, s, 257);
    pieces_to_descs(e, &r[256], 64, s);
    put_segment(e, rseg2, s, 64);
    roundtrip(e, 300, 4096, w, 6, desc(A(e, seg1), 4 * 16, T_SEG),
              r, 320, desc(A(e, rseg1), 257 * 16, T_SEG), PSDT_SGL);
    env_stop(e);
}

/* Many small descriptors over 20 blocks, read back in one segment. */
static void test_rw_many_descriptors(void)
{
    Env *e = env_start();
    Piece w[320], r[1];
    NvmeSglDescriptor s[320];

    for (int i = 0; i < 320; i++) {
        w[i].off = 0x20000 + i * 64;
        w[i].len = 32;
    }
    r[0].off = 0x40000;
    r[0].len = 10240;
    put_segment(e, 0x1000, s, pieces_to_descs(e, w, 320, s));
    roundtrip(e, 500, 10240, w, 320, desc(A(e, 0x1000), 320 * 16, T_LAST),
              r, 1, desc(A(e, 0x40000), 10240, T_DATA), PSDT_SGL);
    env_stop(e);
}

/* Bit buckets on reads: the skipped bytes reach no guest memory. */
static void test_read_bit_bucket(void)
{
    Env *e = env_start();
    Piece w[] = { { 0x8000, 8192 } };
    Piece r[] = {
        { 0x1000, 100 }, { BUCKET, 412 }, { 0x2000, 1024 }, { BUCKET, 0 },
        { BUCKET, 1536 }, { 0x3003, 5000 }, { BUCKET, 120 },
    };
    NvmeSglDescriptor s[8];
    uint8_t *data = g_malloc(8192);

    put_segment(e, 0x100, s, pieces_to_descs(e, r, 7, s));
    roundtrip(e, 40, 8192, w, 1, desc(A(e, 0x8000), 8192, T_DATA),
              r, 7, desc(A(e, 0x100), 7 * 16, T_LAST), PSDT_SGL);

    /* bucket first, in a Segment that chains to a Last Segment */
    s[0] = desc(0, 4096, T_BUCKET);
    s[1] = desc(A(e, 0x300), 16, T_LAST);
    put_segment(e, 0x200, s, 2);
    s[0] = desc(A(e, 0x5000), 4096, T_DATA);
    put_segment(e, 0x300, s, 1);
    file_read(e, 40, data, 8192);
    memcpy(e->model + 0x5000, data + 4096, 4096);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 40, 16,
                           desc(A(e, 0x200), 32, T_SEG), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    check_arena(e);

    /* the command's descriptor is a bit bucket: nothing is transferred */
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 40, 16, desc(0, 8192, T_BUCKET),
                           PSDT_SGL, NULL), ==, NVME_SUCCESS);
    check_arena(e);
    g_free(data);
    env_stop(e);
}

/* Bit buckets in a write (host to controller): SGL Descriptor Type Invalid. */
static void test_write_bit_bucket(void)
{
    Env *e = env_start();
    NvmeSglDescriptor s[2];
    uint8_t *before = g_malloc(4096), *after = g_malloc(4096);

    file_read(e, 0, before, 4096);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 0, 8, desc(0, 4096, T_BUCKET),
                           PSDT_SGL, NULL), ==,
                    NVME_SGL_DESCR_TYPE_INVALID | DNR);
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(0, 2048, T_BUCKET);
    put_segment(e, 0x100, s, 2);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 0, 8,
                           desc(A(e, 0x100), 32, T_LAST), PSDT_SGL, NULL), ==,
                    NVME_SGL_DESCR_TYPE_INVALID | DNR);
    file_read(e, 0, after, 4096);
    g_assert_cmpmem(before, 4096, after, 4096);
    check_arena(e);
    check_alive(e);
    g_free(before);
    g_free(after);
    env_stop(e);
}

/*
 * Admin commands on PCIe use PRPs only: an admin command with PSDT 01b or
 * 10b is Invalid Field in Command (byte 1, bit 6), with data or without,
 * and touches no memory.
 */
static void test_admin_psdt(void)
{
    Env *e = env_start();
    NvmeErrorLog log;
    uint32_t dw0;
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    cmd.dptr.sgl = desc(A(e, 0x1000), 4096, T_DATA);
    cmd.flags = PSDT_SGL;
    g_assert_cmphex(nvme_drv_exec(e->d, 0, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    cmd.flags = PSDT_SGL2;
    g_assert_cmphex(nvme_drv_exec(e->d, 0, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    check_arena(e);
    g_assert_cmphex(nvme_drv_get_log(e->d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(log.param_error_location), ==, 1 | 6 << 8);

    /* no data at all: Get Features (Number of Queues) */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.cdw10 = NVME_NUMBER_OF_QUEUES;
    cmd.flags = PSDT_SGL;
    g_assert_cmphex(nvme_drv_exec(e->d, 0, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    /* the same with PRPs */
    g_assert_cmphex(nvme_drv_get_features(e->d, NVME_NUMBER_OF_QUEUES, 0, 0,
                                          &dw0), ==, NVME_SUCCESS);
    check_arena(e);
    env_stop(e);
}

/* Register key @key for namespace 1 through PRPs. */
static void resv_register(Env *e, uint64_t key)
{
    uint64_t keys[2] = { 0, cpu_to_le64(key) };
    uint64_t buf = nvme_drv_alloc(e->d, 4096);
    NvmeCmd cmd;

    nvme_drv_memwrite(e->d, buf, keys, sizeof(keys));
    nvme_drv_cmd_init(&cmd, OP_REGISTER, 1);
    cmd.dptr.prp1 = buf;
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
}

/*
 * A structure shorter than the host's buffer (Reservation Report with
 * NUMD past its end) fills the buffer the SGL describes, zeroes after the
 * data, bit buckets dropped.
 */
static void test_report_padded(void)
{
    Env *e = env_start();
    uint8_t rep[48] = { 0 };
    NvmeSglDescriptor s[3];
    NvmeCmd cmd;

    resv_register(e, 0x1122334455667788ULL);
    rep[0] = 1;                 /* GEN */
    rep[5] = 1;                 /* REGCTL */
    stq_le_p(rep + 24 + 16, 0x1122334455667788ULL);   /* RKEY */

    nvme_drv_cmd_init(&cmd, OP_REPORT, 1);
    cmd.cdw10 = 1024 / 4 - 1;
    cmd.flags = PSDT_SGL;
    s[0] = desc(A(e, 0xb000), 30, T_DATA);
    s[1] = desc(0, 10, T_BUCKET);
    s[2] = desc(A(e, 0xc000), 984, T_DATA);
    put_segment(e, 0x400, s, 3);
    cmd.dptr.sgl = desc(A(e, 0x400), 48, T_LAST);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    memcpy(e->model + 0xb000, rep, 30);
    memcpy(e->model + 0xc000, rep + 40, 8);
    memset(e->model + 0xc000 + 8, 0, 984 - 8);
    check_arena(e);

    /* one data block of the whole buffer, byte aligned */
    cmd.dptr.sgl = desc(A(e, 0x10001), 1024, T_DATA);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    memcpy(e->model + 0x10001, rep, 48);
    memset(e->model + 0x10001 + 48, 0, 1024 - 48);
    check_arena(e);
    env_stop(e);
}

/*
 * Reservation Register takes 16 bytes of host data: an SGL works, a bit
 * bucket in it does not, a longer SGL gives the first 16 bytes (SGLS bit
 * 18), a shorter one is Data SGL Length Invalid.
 */
static void test_sgl_to_device(void)
{
    Env *e = env_start();
    uint64_t keys[2] = { 0, cpu_to_le64(0xabcd) };
    uint64_t more[2] = { cpu_to_le64(0xabcd), cpu_to_le64(0x5678) };
    NvmeSglDescriptor s[2];
    NvmeCmd cmd;

    arena_put(e, 0x1003, keys, sizeof(keys));
    nvme_drv_cmd_init(&cmd, OP_REGISTER, 1);
    cmd.flags = PSDT_SGL;
    cmd.dptr.sgl = desc(A(e, 0x1003), 16, T_DATA);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);

    /* replace (RREGA 2): CRKEY abcd, NRKEY 5678, then bytes to ignore */
    arena_put(e, 0x2000, more, sizeof(more));
    cmd.cdw10 = 2;
    cmd.dptr.sgl = desc(A(e, 0x2000), 4096, T_DATA);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    /* the key is now 5678: replacing abcd again conflicts */
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==,
                    NVME_NS_RESV_CONFLICT | DNR);

    s[0] = desc(A(e, 0x2000), 8, T_DATA);
    s[1] = desc(0, 8, T_BUCKET);
    put_segment(e, 0x100, s, 2);
    cmd.dptr.sgl = desc(A(e, 0x100), 32, T_LAST);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==,
                    NVME_SGL_DESCR_TYPE_INVALID | DNR);
    cmd.dptr.sgl = desc(A(e, 0x2000), 15, T_DATA);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==,
                    NVME_DATA_SGL_LEN_INVALID | DNR);
    check_arena(e);
    env_stop(e);
}

/*
 * Issue a 4096-byte read and a write of 8 blocks at LBA 0 with @sgl;
 * both must fail with @status, touching neither memory nor the disk.
 */
static void expect_error(Env *e, NvmeSglDescriptor sgl, uint16_t status)
{
    uint8_t *before = g_malloc(4096), *after = g_malloc(4096);
    uint8_t *junk = g_malloc(4096);

    /* a recognisable disk so a stray read would show in the arena */
    pattern(junk, 4096, 77);
    file_write(e, 0, junk, 4096);
    file_read(e, 0, before, 4096);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 0, 8, sgl, PSDT_SGL, NULL), ==,
                    status);
    check_arena(e);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 0, 8, sgl, PSDT_SGL, NULL), ==,
                    status);
    file_read(e, 0, after, 4096);
    g_assert_cmpmem(before, 4096, after, 4096);
    check_arena(e);
    check_alive(e);
    g_free(before);
    g_free(after);
    g_free(junk);
}

/* Error log entry of the last failed command: status and location. */
static void expect_error_log(Env *e, uint16_t status, uint16_t loc)
{
    NvmeErrorLog log;

    g_assert_cmphex(nvme_drv_get_log(e->d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(log.status_field) >> 1, ==, status);
    g_assert_cmphex(le16_to_cpu(log.param_error_location), ==, loc);
}

static void test_err_descriptor_type(void)
{
    Env *e = env_start();
    NvmeSglDescriptor s[2];
    static const uint8_t bad[] = {
        T_KEYED, 0x50, 0x60, 0xe0, 0xf0,        /* keyed, transport, ... */
        T_DATA | 1, T_DATA | 0xa, T_SEG | 1, T_LAST | 2, T_BUCKET | 1,
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        /* in the command */
        expect_error(e, desc(A(e, 0x1000), 4096, bad[i]),
                     NVME_SGL_DESCR_TYPE_INVALID | DNR);
        /* in a segment */
        s[0] = desc(A(e, 0x1000), 2048, T_DATA);
        s[1] = desc(A(e, 0x2000), 2048, bad[i]);
        put_segment(e, 0x100, s, 2);
        expect_error(e, desc(A(e, 0x100), 32, T_LAST),
                     NVME_SGL_DESCR_TYPE_INVALID | DNR);
    }
    /* keyed descriptor in the command: location is the SGL identifier */
    expect_error(e, desc(A(e, 0x1000), 4096, T_KEYED),
                 NVME_SGL_DESCR_TYPE_INVALID | DNR);
    expect_error_log(e, NVME_SGL_DESCR_TYPE_INVALID | DNR, 39);
    env_stop(e);
}

static void test_err_segment_descriptor(void)
{
    Env *e = env_start();
    NvmeSglDescriptor s[4];

    /* a Segment descriptor in the middle of a segment */
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(A(e, 0x300), 16, T_LAST);
    s[2] = desc(A(e, 0x2000), 2048, T_DATA);
    put_segment(e, 0x100, s, 3);
    s[0] = desc(A(e, 0x2000), 2048, T_DATA);
    put_segment(e, 0x300, s, 1);
    expect_error(e, desc(A(e, 0x100), 48, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    /* ... also when the following descriptor is a zero-length block */
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(A(e, 0x300), 16, T_SEG);
    s[2] = desc(0, 0, T_DATA);
    put_segment(e, 0x100, s, 3);
    expect_error(e, desc(A(e, 0x100), 48, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);

    /* the last segment holds a Segment / Last Segment descriptor */
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(A(e, 0x300), 16, T_SEG);
    put_segment(e, 0x100, s, 2);
    expect_error(e, desc(A(e, 0x100), 32, T_LAST),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    s[1] = desc(A(e, 0x300), 16, T_LAST);
    put_segment(e, 0x100, s, 2);
    expect_error(e, desc(A(e, 0x100), 32, T_LAST),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);

    /* segment lengths: zero, not a multiple of 16 */
    s[0] = desc(A(e, 0x1000), 4096, T_DATA);
    put_segment(e, 0x100, s, 1);
    expect_error(e, desc(A(e, 0x100), 0, T_LAST),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    expect_error_log(e, NVME_INVALID_SGL_SEG_DESCR | DNR, 32);
    expect_error(e, desc(A(e, 0x100), 17, T_LAST),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    expect_error(e, desc(A(e, 0x100), 8, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    /* ... the same in a chained descriptor */
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(A(e, 0x300), 24, T_LAST);
    put_segment(e, 0x200, s, 2);
    expect_error(e, desc(A(e, 0x200), 32, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    /* segments are qword aligned */
    s[0] = desc(A(e, 0x1000), 4096, T_DATA);
    put_segment(e, 0x104, s, 1);
    expect_error(e, desc(A(e, 0x104), 16, T_LAST),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    env_stop(e);
}

static void test_err_length(void)
{
    Env *e = env_start();
    NvmeSglDescriptor s[4];

    /* one block: one byte short, empty */
    expect_error(e, desc(A(e, 0x1000), 4095, T_DATA),
                 NVME_DATA_SGL_LEN_INVALID | DNR);
    expect_error(e, desc(A(e, 0x1000), 0, T_DATA),
                 NVME_DATA_SGL_LEN_INVALID | DNR);
    expect_error_log(e, NVME_DATA_SGL_LEN_INVALID | DNR, 32);
    /* a list that ends early */
    s[0] = desc(A(e, 0x1000), 2048, T_DATA);
    s[1] = desc(A(e, 0x2000), 2047, T_DATA);
    put_segment(e, 0x100, s, 2);
    expect_error(e, desc(A(e, 0x100), 32, T_LAST),
                 NVME_DATA_SGL_LEN_INVALID | DNR);
    /* a data block past the end of the 64-bit space */
    expect_error(e, desc(0xfffffffffffff800ULL, 4096, T_DATA),
                 NVME_DATA_SGL_LEN_INVALID | DNR);
    env_stop(e);
}

/*
 * SGLS bit 18: an SGL longer than the transfer moves only the command's
 * data (Linux sends passthrough commands with an SGL of the user's
 * buffer): a block, a list that goes on, a bit bucket that goes on.
 */
static void test_excess_length(void)
{
    Env *e = env_start();
    g_autofree uint8_t *data = g_malloc(4096), *file = g_malloc(4096);
    NvmeSglDescriptor s[3];

    /* read 4 KiB into an 8 KiB block: the rest stays untouched */
    pattern(data, 4096, 3);
    file_write(e, 0, data, 4096);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 0, 8,
                           desc(A(e, 0x1000), 8192, T_DATA), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    memcpy(e->model + 0x1000, data, 4096);
    check_arena(e);
    /* one 512-byte block written from a 1 KiB buffer */
    pattern(data, 1024, 4);
    arena_put(e, 0x4000, data, 1024);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 20, 1,
                           desc(A(e, 0x4000), 1024, T_DATA), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    file_read(e, 20, file, 1024);
    g_assert_cmpmem(data, 512, file, 512);
    g_assert_true(buffer_is_zero(file + 512, 512));     /* LBA 21 */
    /* a list that goes on, and a bit bucket that does: reads */
    pattern(data, 4096, 5);
    file_write(e, 0, data, 4096);
    s[0] = desc(A(e, 0x6000), 2048, T_DATA);
    s[1] = desc(A(e, 0x7000), 2049, T_DATA);
    s[2] = desc(A(e, 0x8000), 512, T_DATA);
    put_segment(e, 0x100, s, 3);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 0, 8,
                           desc(A(e, 0x100), 48, T_LAST), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    memcpy(e->model + 0x6000, data, 2048);
    memcpy(e->model + 0x7000, data + 2048, 2048);
    check_arena(e);
    s[1] = desc(0, 4096, T_BUCKET);
    put_segment(e, 0x100, s, 2);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 0, 8,
                           desc(A(e, 0x100), 32, T_LAST), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    check_arena(e);
    /* the same list for a write: 4 KiB of it reach the disk */
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 40, 8,
                           desc(A(e, 0x100), 32, T_LAST), PSDT_SGL, NULL),
                    ==, NVME_SGL_DESCR_TYPE_INVALID | DNR);
    s[1] = desc(A(e, 0x7000), 8192, T_DATA);
    put_segment(e, 0x100, s, 2);
    g_assert_cmphex(rw_sgl(e, NVME_CMD_WRITE, 40, 8,
                           desc(A(e, 0x100), 32, T_LAST), PSDT_SGL, NULL),
                    ==, NVME_SUCCESS);
    file_read(e, 40, file, 4096);
    g_assert_cmpmem(e->model + 0x6000, 2048, file, 2048);
    g_assert_cmpmem(e->model + 0x7000, 2048, file + 2048, 2048);
    check_alive(e);
    env_stop(e);
}

/* Lists that never end: the controller gives up, the queue survives. */
static void test_err_loop(void)
{
    Env *e = env_start();
    NvmeSglDescriptor s[2];

    /* a segment that points to itself: an invalid segment descriptor */
    s[0] = desc(A(e, 0x1000), 0, T_DATA);
    s[1] = desc(A(e, 0x100), 32, T_SEG);
    put_segment(e, 0x100, s, 2);
    expect_error(e, desc(A(e, 0x100), 32, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    /* ... or into its own middle */
    s[1] = desc(A(e, 0x108), 32, T_SEG);
    put_segment(e, 0x100, s, 2);
    expect_error(e, desc(A(e, 0x100), 32, T_SEG),
                 NVME_INVALID_SGL_SEG_DESCR | DNR);
    /* two segments pointing to each other */
    s[0] = desc(A(e, 0x200), 16, T_SEG);
    put_segment(e, 0x100, s, 1);
    s[0] = desc(A(e, 0x100), 16, T_SEG);
    put_segment(e, 0x200, s, 1);
    expect_error(e, desc(A(e, 0x100), 16, T_SEG),
                 NVME_INVALID_NUM_SGL_DESCRS | DNR);
    /* a segment of a million descriptors */
    expect_error(e, desc(A(e, 0x100), 16 << 20, T_LAST),
                 NVME_INVALID_NUM_SGL_DESCRS | DNR);
    env_stop(e);
}

/* A segment with no memory behind it: Data Transfer Error. */
static void test_err_dma(void)
{
    Env *e = env_start();
    uint16_t st;

    st = rw_sgl(e, NVME_CMD_READ, 0, 8, desc(NO_MEMORY, 64, T_LAST), PSDT_SGL,
                NULL);
    g_assert_cmphex(st & ~DNR, ==, NVME_DATA_TRAS_ERROR);
    st = rw_sgl(e, NVME_CMD_WRITE, 0, 8, desc(NO_MEMORY, 64, T_SEG), PSDT_SGL,
                NULL);
    g_assert_cmphex(st & ~DNR, ==, NVME_DATA_TRAS_ERROR);
    check_arena(e);
    check_alive(e);
    env_stop(e);
}

/* PSDT 11b is reserved; zero-length transfers ignore DPTR. */
static void test_psdt(void)
{
    Env *e = env_start();
    NvmeCmd cmd;

    g_assert_cmphex(rw_sgl(e, NVME_CMD_READ, 0, 8,
                           desc(A(e, 0x1000), 4096, T_DATA), 3 << 6, NULL),
                    ==, NVME_INVALID_FIELD | DNR);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.flags = PSDT_SGL;
    cmd.dptr.sgl = desc(0, 0, 0xff);
    g_assert_cmphex(nvme_drv_exec(e->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    check_arena(e);
    env_stop(e);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/sgl/identify_sgls", test_identify_sgls);
    qtest_add_func("/nvme/sgl/rw_single_block", test_rw_single_block);
    qtest_add_func("/nvme/sgl/rw_last_segment", test_rw_last_segment);
    qtest_add_func("/nvme/sgl/rw_segment_chain", test_rw_segment_chain);
    qtest_add_func("/nvme/sgl/rw_many_descriptors", test_rw_many_descriptors);
    qtest_add_func("/nvme/sgl/read_bit_bucket", test_read_bit_bucket);
    qtest_add_func("/nvme/sgl/write_bit_bucket", test_write_bit_bucket);
    qtest_add_func("/nvme/sgl/admin_psdt", test_admin_psdt);
    qtest_add_func("/nvme/sgl/report_padded", test_report_padded);
    qtest_add_func("/nvme/sgl/to_device", test_sgl_to_device);
    qtest_add_func("/nvme/sgl/excess_length", test_excess_length);
    qtest_add_func("/nvme/sgl/err_descriptor_type", test_err_descriptor_type);
    qtest_add_func("/nvme/sgl/err_segment_descriptor",
                   test_err_segment_descriptor);
    qtest_add_func("/nvme/sgl/err_length", test_err_length);
    qtest_add_func("/nvme/sgl/err_loop", test_err_loop);
    qtest_add_func("/nvme/sgl/err_dma", test_err_dma);
    qtest_add_func("/nvme/sgl/psdt", test_psdt);
    return g_test_run();
}

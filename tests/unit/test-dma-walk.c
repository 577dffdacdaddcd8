/*
 * Unit tests of hw/nvme/dma-walk.c: the PRP and SGL walks, table driven,
 * on a model of guest memory (no QEMU).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/dma-walk.h"

#define MEM_BASE    0x100000ULL     /* guest address of mem[0] */
#define MEM_SIZE    (1u << 20)
#define NOWHERE     0x80000000ULL   /* no memory there */
#define MAX_PIECES  4096

typedef struct Piece {
    uint32_t off;
    uint64_t addr;
    uint32_t len;
    bool hole;
} Piece;

typedef struct Guest {
    uint8_t mem[MEM_SIZE];
    Piece pieces[MAX_PIECES];
    unsigned npieces;
    unsigned reads;
    uint64_t refuse_lo, refuse_hi;  /* guest_check: lists may not overlap */
} Guest;

static Guest *g;

static bool guest_read(void *opaque, uint64_t addr, void *buf, uint32_t len)
{
    Guest *gu = opaque;

    gu->reads++;
    if (addr < MEM_BASE || addr + len > MEM_BASE + MEM_SIZE ||
        addr + len < addr) {
        return false;
    }
    memcpy(buf, gu->mem + (addr - MEM_BASE), len);
    return true;
}

static void guest_piece(void *opaque, uint32_t off, uint64_t addr,
                        uint32_t len, bool hole)
{
    Guest *gu = opaque;

    g_assert_cmpuint(gu->npieces, <, MAX_PIECES);
    gu->pieces[gu->npieces++] = (Piece) { off, addr, len, hole };
}

/* NvmeWalkCheck: lists and segments overlapping the refused range fail. */
static uint16_t guest_check(void *opaque, uint64_t addr, uint64_t len)
{
    Guest *gu = opaque;

    return addr < gu->refuse_hi && addr + len > gu->refuse_lo ?
           NVME_INVALID_USE_OF_CMB : NVME_SUCCESS;
}

static const NvmeWalkIo io = { guest_read, guest_piece, NULL };

static NvmeWalkIo guest_io(void)
{
    NvmeWalkIo i = io;

    i.opaque = g;
    return i;
}

static void put64(uint64_t addr, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        g->mem[addr - MEM_BASE + i] = v >> (8 * i);
    }
}

static void put_desc(uint64_t at, uint64_t addr, uint32_t len, uint8_t type)
{
    uint8_t *p = g->mem + (at - MEM_BASE);

    memset(p, 0, 16);
    for (int i = 0; i < 8; i++) {
        p[i] = addr >> (8 * i);
    }
    for (int i = 0; i < 4; i++) {
        p[8 + i] = len >> (8 * i);
    }
    p[15] = type << 4;
}

static void raw_desc(uint8_t *p, uint64_t addr, uint32_t len, uint8_t id)
{
    memset(p, 0, 16);
    for (int i = 0; i < 8; i++) {
        p[i] = addr >> (8 * i);
    }
    for (int i = 0; i < 4; i++) {
        p[8 + i] = len >> (8 * i);
    }
    p[15] = id;
}

static void reset(void)
{
    memset(g, 0, sizeof(*g));
}

/* Expect the pieces @want (count @n) and nothing else. */
static void expect_pieces(const Piece *want, unsigned n)
{
    g_assert_cmpuint(g->npieces, ==, n);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmpuint(g->pieces[i].off, ==, want[i].off);
        g_assert_cmphex(g->pieces[i].addr, ==, want[i].addr);
        g_assert_cmpuint(g->pieces[i].len, ==, want[i].len);
        g_assert_cmpint(g->pieces[i].hole, ==, want[i].hole);
    }
}

/*
 * The outcome of the walk of table row @name: status @want and, on
 * failure, the command byte at fault @byte, else pieces @want_pieces.
 */
static void expect_walk(const char *name, uint16_t status,
                        const NvmeWalkResult *res, uint16_t want,
                        uint8_t byte, const Piece *want_pieces, unsigned n)
{
    if (g_test_verbose()) {
        g_test_message("%s: status 0x%x (%s)", name, status,
                       res->why ? res->why : "ok");
    }
    g_assert_cmphex(status, ==, want);
    if (status) {
        g_assert_nonnull(res->why);
        g_assert_cmpuint(res->byte, ==, byte);
    } else {
        expect_pieces(want_pieces, n);
    }
}

/* ---- PRPs ---- */

#define PG      4096
#define D(i)    (MEM_BASE + 0x80000 + (uint64_t)(i) * PG)  /* data pages */
#define L(i)    (MEM_BASE + (uint64_t)(i) * PG)            /* list pages */

typedef struct PrpCase {
    const char *name;
    uint64_t prp1, prp2;
    uint32_t len;
    uint32_t psz;
    /* list set-up: @nent entries at @list_at */
    uint64_t list_at;
    unsigned nent;
    uint64_t ent[8];
    uint64_t list2_at;          /* a second run of entries */
    unsigned nent2;
    uint64_t ent2[8];
    uint16_t status;
    uint8_t byte;
    unsigned npieces;
    Piece pieces[8];
} PrpCase;

/* Three whole pages: D(0) from PRP1, then @a and @b from the list. */
#define THREE_PAGES(a, b) \
    .npieces = 3, .pieces = { { 0, D(0), PG }, { PG, a, PG }, \
                              { 2 * PG, b, PG } }

static const PrpCase prp_cases[] = {
    { "one page", D(0), 0, PG, PG, .npieces = 1,
      .pieces = { { 0, D(0), PG } } },
    { "offset in PRP1, rest in PRP2", D(0) + 0x200, D(1), PG, PG,
      .npieces = 2,
      .pieces = { { 0, D(0) + 0x200, PG - 0x200 }, { PG - 0x200, D(1),
                                                     0x200 } } },
    { "PRP1 not dword aligned", D(0) + 2, 0, 512, PG,
      .status = NVME_INVALID_PRP_OFFSET, .byte = NVME_WALK_BYTE_DPTR1 },
    { "PRP2 data page with an offset", D(0), D(1) + 8, 2 * PG, PG,
      .status = NVME_INVALID_PRP_OFFSET, .byte = NVME_WALK_BYTE_DPTR2 },
    { "transfer within PRP1 ignores PRP2", D(0) + 0x100, 0x3, 0x100, PG,
      .npieces = 1, .pieces = { { 0, D(0) + 0x100, 0x100 } } },
    { "list at offset 0", D(0), L(0), 3 * PG, PG,
      .list_at = L(0), .nent = 2, .ent = { D(1), D(2) },
      THREE_PAGES(D(1), D(2)) },
    { "list pointer with a qword offset", D(0), L(0) + 0x10, 3 * PG, PG,
      .list_at = L(0) + 0x10, .nent = 2, .ent = { D(5), D(6) },
      THREE_PAGES(D(5), D(6)) },
    { "list pointer not qword aligned", D(0), L(0) + 4, 3 * PG, PG,
      .status = NVME_INVALID_PRP_OFFSET, .byte = NVME_WALK_BYTE_DPTR2 },
    { "list in the last entry chains at once", D(0), L(0) + 0xff8, 3 * PG,
      PG, .list_at = L(0) + 0xff8, .nent = 1, .ent = { L(1) },
      .list2_at = L(1), .nent2 = 2, .ent2 = { D(1), D(2) },
      THREE_PAGES(D(1), D(2)) },
    { "last entry chains back to its own page", D(0), L(0) + 0xff8, 3 * PG,
      PG, .list_at = L(0) + 0xff8, .nent = 1, .ent = { L(0) },
      .list2_at = L(0), .nent2 = 2, .ent2 = { D(3), D(4) },
      THREE_PAGES(D(3), D(4)) },
    { "two entries left, both data", D(0), L(0) + 0xff0, 3 * PG, PG,
      .list_at = L(0) + 0xff0, .nent = 2, .ent = { D(1), D(2) },
      THREE_PAGES(D(1), D(2)) },
    { "three needed, two left: data, then chain", D(0), L(0) + 0xff0,
      4 * PG, PG, .list_at = L(0) + 0xff0, .nent = 2, .ent = { D(1), L(2) },
      .list2_at = L(2), .nent2 = 2, .ent2 = { D(2), D(3) },
      .npieces = 4,
      .pieces = { { 0, D(0), PG }, { PG, D(1), PG }, { 2 * PG, D(2), PG },
                  { 3 * PG, D(3), PG } } },
    { "chained pointer with an offset", D(0), L(0) + 0xff8, 3 * PG, PG,
      .list_at = L(0) + 0xff8, .nent = 1, .ent = { L(1) + 8 },
      .status = NVME_INVALID_PRP_OFFSET, .byte = NVME_WALK_BYTE_DPTR2 },
    { "list entry with an offset", D(0), L(0), 3 * PG, PG,
      .list_at = L(0), .nent = 2, .ent = { D(1), D(2) + 0x200 },
      .status = NVME_INVALID_PRP_OFFSET, .byte = NVME_WALK_BYTE_DPTR2 },
    { "list not in memory", D(0), NOWHERE, 3 * PG, PG,
      .status = NVME_DATA_TRAS_ERROR, .byte = NVME_WALK_BYTE_NONE },
    { "short last page", D(0) + 0x800, L(0), 2 * PG + 0x100, PG,
      .list_at = L(0), .nent = 2, .ent = { D(1), D(2) },
      .npieces = 3,
      .pieces = { { 0, D(0) + 0x800, 0x800 }, { 0x800, D(1), PG },
                  { 0x800 + PG, D(2), 0x900 } } },
    { "64 KiB pages", D(0), L(0), 3 * 65536, 65536,
      .list_at = L(0), .nent = 2, .ent = { D(16), D(32) },
      .npieces = 3,
      .pieces = { { 0, D(0), 65536 }, { 65536, D(16), 65536 },
                  { 2 * 65536, D(32), 65536 } } },
};

static void test_prp_table(void)
{
    for (unsigned c = 0; c < G_N_ELEMENTS(prp_cases); c++) {
        const PrpCase *t = &prp_cases[c];
        NvmeWalkIo i;
        NvmeWalkResult res;
        uint16_t status;

        reset();
        i = guest_io();
        for (unsigned e = 0; e < t->nent; e++) {
            put64(t->list_at + 8 * e, t->ent[e]);
        }
        for (unsigned e = 0; e < t->nent2; e++) {
            put64(t->list2_at + 8 * e, t->ent2[e]);
        }
        status = nvme_walk_prp(&i, t->prp1, t->prp2, t->len, t->psz, &res);
        expect_walk(t->name, status, &res, t->status, t->byte, t->pieces,
                    t->npieces);
    }
}

/*
 * A list page whose 511 entries all name one data page and whose last
 * entry points back to itself: only the transfer length ends the walk.
 */
static void test_prp_loop_bounded_by_length(void)
{
    NvmeWalkIo i;
    NvmeWalkResult res;
    uint32_t len = 1500 * PG;

    reset();
    i = guest_io();
    for (unsigned e = 0; e < 511; e++) {
        put64(L(0) + 8 * e, D(7));
    }
    put64(L(0) + 8 * 511, L(0));
    g_assert_cmphex(nvme_walk_prp(&i, D(0), L(0), len, PG, &res), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(g->npieces, ==, 1500);
    for (unsigned p = 1; p < 1500; p++) {
        g_assert_cmphex(g->pieces[p].addr, ==, D(7));
        g_assert_cmpuint(g->pieces[p].off, ==, p * PG);
    }
    /* three trips through the page: reads are bounded too */
    g_assert_cmpuint(g->reads, <=, 3);
}

/* ---- SGLs ---- */

#define T_DATA      NVME_SGL_DESCR_TYPE_DATA_BLOCK
#define T_BUCKET    NVME_SGL_DESCR_TYPE_BIT_BUCKET
#define T_SEG       NVME_SGL_DESCR_TYPE_SEGMENT
#define T_LAST      NVME_SGL_DESCR_TYPE_LAST_SEGMENT
#define T_KEYED     NVME_SGL_DESCR_TYPE_KEYED_DATA_BLOCK
#define S(i)        (MEM_BASE + 0x40000 + (uint64_t)(i) * 0x100)  /* segs */
#define B(i)        (MEM_BASE + 0x80000 + (uint64_t)(i) * 0x1000) /* bufs */

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint8_t type;
} Desc;

typedef struct SglCase {
    const char *name;
    Desc first;
    uint8_t first_id;           /* raw identifier when non-zero */
    uint32_t len;
    bool to_device, excess_ok, md;
    /* segments: @nseg of them, segment k at S(k) */
    unsigned nseg;
    unsigned seglen[3];
    Desc seg[3][6];
    uint16_t status;
    uint8_t byte;
    unsigned npieces;
    Piece pieces[6];
} SglCase;

static const SglCase sgl_cases[] = {
    { "one data block", { B(0) + 3, 4096, T_DATA }, .len = 4096,
      .npieces = 1, .pieces = { { 0, B(0) + 3, 4096 } } },
    { "data block longer, excess allowed", { B(0), 8192, T_DATA },
      .len = 512, .excess_ok = true,
      .npieces = 1, .pieces = { { 0, B(0), 512 } } },
    { "data block longer, strict", { B(0), 8192, T_DATA }, .len = 512,
      .status = NVME_DATA_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_DPTR2 },
    { "data block shorter", { B(0), 511, T_DATA }, .len = 512,
      .excess_ok = true,
      .status = NVME_DATA_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_DPTR2 },
    { "metadata SGL shorter", { B(0), 7, T_DATA }, .len = 8, .md = true,
      .excess_ok = true,
      .status = NVME_MD_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_DPTR2 },
    { "metadata SGL longer, excess allowed", { B(0), 64, T_DATA },
      .len = 8, .md = true, .excess_ok = true,
      .npieces = 1, .pieces = { { 0, B(0), 8 } } },
    { "empty data block describes nothing", { B(0), 0, T_DATA }, .len = 1,
      .excess_ok = true,
      .status = NVME_DATA_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_DPTR2 },
    { "last segment: blocks and a bit bucket", { S(0), 64, T_LAST },
      .len = 4096, .nseg = 1, .seglen = { 4 },
      .seg = { { { B(0), 1000, T_DATA }, { 0, 96, T_BUCKET },
                 { B(1) + 2, 0, T_DATA }, { B(2), 3000, T_DATA } } },
      .npieces = 3,
      .pieces = { { 0, B(0), 1000 }, { 1000, 0, 96, true },
                  { 1096, B(2), 3000 } } },
    { "bit bucket in a write", { S(0), 32, T_LAST }, .len = 1024,
      .to_device = true, .nseg = 1, .seglen = { 2 },
      .seg = { { { B(0), 512, T_DATA }, { 0, 512, T_BUCKET } } },
      .status = NVME_SGL_DESCR_TYPE_INVALID, .byte = NVME_WALK_BYTE_NONE },
    { "segment chain", { S(0), 32, T_SEG }, .len = 3072, .nseg = 3,
      .seglen = { 2, 2, 1 },
      .seg = { { { B(0), 1024, T_DATA }, { S(1), 32, T_SEG } },
               { { B(1), 1024, T_DATA }, { S(2), 16, T_LAST } },
               { { B(2), 1024, T_DATA } } },
      .npieces = 3,
      .pieces = { { 0, B(0), 1024 }, { 1024, B(1), 1024 },
                  { 2048, B(2), 1024 } } },
    { "excess stops before the next segment is read",
      { S(0), 32, T_SEG }, .len = 1024, .excess_ok = true, .nseg = 1,
      .seglen = { 2 },
      .seg = { { { B(0), 4096, T_DATA }, { NOWHERE, 4096, T_LAST } } },
      .npieces = 1, .pieces = { { 0, B(0), 1024 } } },
    { "excess cuts a bit bucket", { S(0), 32, T_LAST }, .len = 1024,
      .excess_ok = true, .nseg = 1, .seglen = { 2 },
      .seg = { { { B(0), 512, T_DATA }, { 0, 4096, T_BUCKET } } },
      .npieces = 2,
      .pieces = { { 0, B(0), 512 }, { 512, 0, 512, true } } },
    { "zero-length segment", { S(0), 0, T_LAST }, .len = 512,
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_DPTR2 },
    { "segment length not a multiple of 16", { S(0), 24, T_LAST },
      .len = 512,
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_DPTR2 },
    { "segment not qword aligned", { S(0) + 4, 16, T_LAST }, .len = 512,
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_DPTR1 },
    { "chained zero-length segment", { S(0), 32, T_SEG }, .len = 2048,
      .nseg = 1, .seglen = { 2 },
      .seg = { { { B(0), 1024, T_DATA }, { S(1), 0, T_LAST } } },
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_NONE },
    { "segment pointing at itself", { S(0), 32, T_SEG }, .len = 2048,
      .excess_ok = true, .nseg = 1, .seglen = { 2 },
      .seg = { { { B(0), 0, T_DATA }, { S(0), 32, T_SEG } } },
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_NONE },
    { "two segments pointing at each other", { S(0), 16, T_SEG },
      .len = 2048, .nseg = 2, .seglen = { 1, 1 },
      .seg = { { { S(1), 16, T_SEG } }, { { S(0), 16, T_SEG } } },
      .status = NVME_INVALID_NUM_SGL_DESCRS, .byte = NVME_WALK_BYTE_NONE },
    { "segment too long for the budget", { S(0), 16 << 20, T_LAST },
      .len = 512,
      .status = NVME_INVALID_NUM_SGL_DESCRS, .byte = NVME_WALK_BYTE_DPTR2 },
    { "segment descriptor in the last segment", { S(0), 32, T_LAST },
      .len = 2048, .nseg = 1, .seglen = { 2 },
      .seg = { { { B(0), 1024, T_DATA }, { S(1), 16, T_SEG } } },
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_NONE },
    { "segment descriptor not last", { S(0), 48, T_SEG }, .len = 2048,
      .nseg = 1, .seglen = { 3 },
      .seg = { { { B(0), 1024, T_DATA }, { S(1), 16, T_LAST },
                 { B(1), 1024, T_DATA } } },
      .status = NVME_INVALID_SGL_SEG_DESCR, .byte = NVME_WALK_BYTE_NONE },
    { "segment not in memory", { NOWHERE, 64, T_LAST }, .len = 512,
      .status = NVME_DATA_TRAS_ERROR, .byte = NVME_WALK_BYTE_NONE },
    { "keyed data block", { B(0), 512, T_KEYED }, .len = 512,
      .status = NVME_SGL_DESCR_TYPE_INVALID, .byte = NVME_WALK_BYTE_SGL_ID },
    { "offset subtype", { B(0), 512, T_DATA }, .first_id = 0x01,
      .len = 512,
      .status = NVME_SGL_DESCR_TYPE_INVALID, .byte = NVME_WALK_BYTE_SGL_ID },
    { "data block past 2^64", { 0xfffffffffffff800ULL, 4096, T_DATA },
      .len = 4096,
      .status = NVME_DATA_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_DPTR2 },
    { "list ends early", { S(0), 32, T_LAST }, .len = 4096, .nseg = 1,
      .seglen = { 2 },
      .seg = { { { B(0), 2048, T_DATA }, { B(1), 2047, T_DATA } } },
      .status = NVME_DATA_SGL_LEN_INVALID, .byte = NVME_WALK_BYTE_NONE },
};

static void test_sgl_table(void)
{
    for (unsigned c = 0; c < G_N_ELEMENTS(sgl_cases); c++) {
        const SglCase *t = &sgl_cases[c];
        NvmeSglWalkArgs a = {
            .first_in_cmd = !t->md, .len = t->len, .to_device = t->to_device,
            .excess_ok = t->excess_ok, .md = t->md, .max_descs = 16384,
        };
        NvmeWalkIo i;
        NvmeWalkResult res;
        uint16_t status;

        reset();
        i = guest_io();
        raw_desc(a.first, t->first.addr, t->first.len,
                 t->first_id ? t->first_id : t->first.type << 4);
        for (unsigned s = 0; s < t->nseg; s++) {
            for (unsigned e = 0; e < t->seglen[s]; e++) {
                put_desc(S(s) + 16 * e, t->seg[s][e].addr, t->seg[s][e].len,
                         t->seg[s][e].type);
            }
        }
        status = nvme_walk_sgl(&i, &a, &res);
        /* the metadata SGL is not in the command: no field of it */
        expect_walk(t->name, status, &res, t->status,
                    t->md ? NVME_WALK_BYTE_NONE : t->byte, t->pieces,
                    t->npieces);
    }
}

/* The descriptor budget: the command's descriptor counts as the first. */
static void test_sgl_budget(void)
{
    NvmeSglWalkArgs a = { .first_in_cmd = true, .len = 4 * 16,
                          .max_descs = 5 };
    NvmeWalkIo i;
    NvmeWalkResult res;

    reset();
    i = guest_io();
    for (unsigned e = 0; e < 4; e++) {
        put_desc(S(0) + 16 * e, B(e), 16, T_DATA);
    }
    raw_desc(a.first, S(0), 64, T_LAST << 4);
    g_assert_cmphex(nvme_walk_sgl(&i, &a, &res), ==, NVME_SUCCESS);
    g_assert_cmpuint(res.ndesc, ==, 5);
    a.max_descs = 4;
    g_assert_cmphex(nvme_walk_sgl(&i, &a, &res), ==,
                    NVME_INVALID_NUM_SGL_DESCRS);
}

/*
 * The optional check sees each PRP list page and SGL segment, whole,
 * before it is read; its status fails the walk (the device: Invalid Use
 * of Controller Memory Buffer) at the field that led there.
 */
static void test_check(void)
{
    NvmeSglWalkArgs a = { .first_in_cmd = true, .len = 2048,
                          .max_descs = 16 };
    NvmeWalkIo i;
    NvmeWalkResult res;

    reset();
    i = guest_io();
    i.check = guest_check;
    put64(L(0), D(1));
    put64(L(0) + 8, D(2));
    put_desc(S(0), B(0), 1024, T_DATA);
    put_desc(S(0) + 16, B(1), 1024, T_DATA);
    raw_desc(a.first, S(0), 32, T_LAST << 4);
    g_assert_cmphex(nvme_walk_prp(&i, D(0), L(0), 3 * PG, PG, &res), ==, 0);
    g_assert_cmphex(nvme_walk_sgl(&i, &a, &res), ==, 0);

    /* the last byte of either one is refused */
    g->refuse_lo = L(0) + 15;
    g->refuse_hi = L(0) + 16;
    g->reads = 0;
    g_assert_cmphex(nvme_walk_prp(&i, D(0), L(0), 3 * PG, PG, &res), ==,
                    NVME_INVALID_USE_OF_CMB);
    g_assert_cmpuint(res.byte, ==, NVME_WALK_BYTE_DPTR2);
    g_assert_cmpuint(g->reads, ==, 0);
    g->refuse_lo = S(0) + 31;
    g->refuse_hi = S(0) + 32;
    g_assert_cmphex(nvme_walk_sgl(&i, &a, &res), ==, NVME_INVALID_USE_OF_CMB);
    g_assert_cmpuint(res.byte, ==, NVME_WALK_BYTE_DPTR1);
    g_assert_cmpuint(g->reads, ==, 0);

    /* a chained list page is checked too, and only as far as it is used */
    g->refuse_lo = L(1) + 16;
    g->refuse_hi = L(1) + 17;
    put64(L(0) + 0xff8, L(1));
    put64(L(1), D(3));
    put64(L(1) + 8, D(4));
    g_assert_cmphex(nvme_walk_prp(&i, D(0), L(0) + 0xff8, 3 * PG, PG, &res),
                    ==, 0);
    g_assert_cmphex(nvme_walk_prp(&i, D(0), L(0) + 0xff8, 4 * PG, PG, &res),
                    ==, NVME_INVALID_USE_OF_CMB);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g = g_new0(Guest, 1);
    g_test_add_func("/dma-walk/prp/table", test_prp_table);
    g_test_add_func("/dma-walk/prp/loop_bounded_by_length",
                    test_prp_loop_bounded_by_length);
    g_test_add_func("/dma-walk/sgl/table", test_sgl_table);
    g_test_add_func("/dma-walk/sgl/budget", test_sgl_budget);
    g_test_add_func("/dma-walk/check", test_check);
    return g_test_run();
}

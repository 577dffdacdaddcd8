/*
 * Unit tests of hw/nvme/pi.c: the guard CRCs, the PI tuple layout,
 * reference tags and the PRCHK checks (NVM Command Set 2.0, 5.3).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/pi.h"

#define CHECK_STRING "123456789"

/* Bitwise references, independent of the table-driven code under test. */
static uint16_t ref_crc16(const uint8_t *p, size_t len)
{
    uint16_t crc = 0;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i] << 8;
        for (int b = 0; b < 8; b++) {
            crc = crc & 0x8000 ? (crc << 1) ^ 0x8bb7 : crc << 1;
        }
    }
    return crc;
}

static uint64_t ref_crc64(const uint8_t *p, size_t len)
{
    uint64_t crc = ~0ULL;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = crc & 1 ? (crc >> 1) ^ 0x9a6c9329ac4bc9b5ULL : crc >> 1;
        }
    }
    return ~crc;
}

/* Buffer patterns of the spec's and T10's CRC test cases. */
typedef enum { PAT_ZERO, PAT_ONES, PAT_INC, PAT_DEC, PAT_FFFF0 } Pattern;

static void fill(uint8_t *buf, size_t len, Pattern pat)
{
    for (size_t i = 0; i < len; i++) {
        switch (pat) {
        case PAT_ZERO:
            buf[i] = 0;
            break;
        case PAT_ONES:
            buf[i] = 0xff;
            break;
        case PAT_INC:
            buf[i] = i;
            break;
        case PAT_DEC:
            buf[i] = 0xff - i;
            break;
        case PAT_FFFF0:
            buf[i] = i < 2 ? 0xff : 0;
            break;
        }
    }
}

/*
 * CRC-16 T10-DIF: the check value of the CRC catalogue and T10's five
 * 32-byte codewords (the SBC End-to-End Data Protection examples).
 */
static void test_crc16_vectors(void)
{
    static const struct {
        Pattern pat;
        uint16_t crc;
    } cases[] = {
        { PAT_ZERO, 0x0000 },
        { PAT_ONES, 0xa293 },
        { PAT_INC, 0x0224 },
        { PAT_FFFF0, 0x21b8 },
        { PAT_DEC, 0xa0b7 },
    };
    uint8_t buf[32];

    g_assert_cmphex(nvme_crc16_t10dif(0, (const uint8_t *)CHECK_STRING, 9),
                    ==, 0xd0db);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fill(buf, sizeof(buf), cases[i].pat);
        g_assert_cmphex(nvme_crc16_t10dif(0, buf, sizeof(buf)), ==,
                        cases[i].crc);
    }
}

/*
 * CRC-64: the check value and the four 4 KiB test cases of the NVM
 * Command Set specification (64b CRC test cases).
 */
static void test_crc64_vectors(void)
{
    static const struct {
        Pattern pat;
        uint64_t crc;
    } cases[] = {
        { PAT_ZERO, 0x6482d367eb22b64eULL },
        { PAT_ONES, 0xc0ddba7302eca3acULL },
        { PAT_INC, 0x3e729f5f6750449cULL },
        { PAT_DEC, 0x9a2df64b8e9e517eULL },
    };
    g_autofree uint8_t *buf = g_malloc(4096);

    g_assert_cmphex(nvme_crc64_nvme(0, (const uint8_t *)CHECK_STRING, 9),
                    ==, 0xae8b14860a799888ULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        fill(buf, 4096, cases[i].pat);
        g_assert_cmphex(nvme_crc64_nvme(0, buf, 4096), ==, cases[i].crc);
    }
}

/*
 * Both CRCs continue across a split anywhere in the buffer, and agree
 * with the bitwise references on every length from 0 to 600.
 */
static void test_crc_split_and_reference(void)
{
    uint8_t buf[600];

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = g_test_rand_int_range(0, 256);
    }
    for (size_t len = 0; len <= sizeof(buf); len++) {
        size_t cut = len ? g_test_rand_int_range(0, len + 1) : 0;

        g_assert_cmphex(nvme_crc16_t10dif(0, buf, len), ==,
                        ref_crc16(buf, len));
        g_assert_cmphex(nvme_crc64_nvme(0, buf, len), ==,
                        ref_crc64(buf, len));
        g_assert_cmphex(nvme_crc16_t10dif(nvme_crc16_t10dif(0, buf, cut),
                                          buf + cut, len - cut), ==,
                        ref_crc16(buf, len));
        g_assert_cmphex(nvme_crc64_nvme(nvme_crc64_nvme(0, buf, cut),
                                        buf + cut, len - cut), ==,
                        ref_crc64(buf, len));
    }
}

/* The formats the layout tests run over. */
static const NvmePiFormat formats[] = {
    { .lbasz = 512, .ms = 8, .type = 1 },
    { .lbasz = 512, .ms = 16, .type = 2 },
    { .lbasz = 512, .ms = 16, .type = 1, .first = true },
    { .lbasz = 4096, .ms = 64, .type = 3 },
    { .lbasz = 512, .ms = 16, .type = 1, .pif = NVME_PIF_64 },
    { .lbasz = 4096, .ms = 64, .type = 2, .pif = NVME_PIF_64, .first = true },
    { .lbasz = 8192, .ms = 16, .type = 3, .pif = NVME_PIF_64 },
};

/*
 * Tuple size, offset and reference tag width: 8 bytes and 32 bits, or 16
 * and 48 with the 64-bit guard; first or last bytes of the metadata.
 */
static void test_layout(void)
{
    static const struct {
        uint32_t size, off;
        uint64_t mask;
    } want[] = {
        { 8, 0, 0xffffffff },
        { 8, 8, 0xffffffff },
        { 8, 0, 0xffffffff },
        { 8, 56, 0xffffffff },
        { 16, 0, 0xffffffffffffULL },
        { 16, 0, 0xffffffffffffULL },
        { 16, 0, 0xffffffffffffULL },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_assert_cmpuint(nvme_pi_fmt_size(&formats[i]), ==, want[i].size);
        g_assert_cmpuint(nvme_pi_fmt_off(&formats[i]), ==, want[i].off);
        g_assert_cmphex(nvme_pi_fmt_ref_mask(&formats[i]), ==, want[i].mask);
    }
}

/* Big-endian field placement within the tuple, both guard sizes. */
static void test_tuple_bytes(void)
{
    NvmePiFormat f16 = { .lbasz = 512, .ms = 16, .type = 1 };
    NvmePiFormat f64 = { .lbasz = 512, .ms = 16, .type = 1,
                         .pif = NVME_PIF_64 };
    NvmePiTuple t = { .guard = 0x1122, .app = 0x3344, .ref = 0x55667788 };
    NvmePiTuple t64 = { .guard = 0x0102030405060708ULL, .app = 0x090a,
                        .ref = 0x0b0c0d0e0f10ULL };
    static const uint8_t want16[16] = {
        0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
    };
    static const uint8_t want64[16] = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    };
    uint8_t md[16];
    NvmePiTuple back;

    memset(md, 0xee, sizeof(md));
    nvme_pi_fmt_store(&f16, md, &t);
    g_assert_cmpmem(md, sizeof(md), want16, sizeof(want16));
    nvme_pi_fmt_load(&f16, md, &back);
    g_assert_cmphex(back.guard, ==, t.guard);
    g_assert_cmphex(back.app, ==, t.app);
    g_assert_cmphex(back.ref, ==, t.ref);

    nvme_pi_fmt_store(&f64, md, &t64);
    g_assert_cmpmem(md, sizeof(md), want64, sizeof(want64));
    nvme_pi_fmt_load(&f64, md, &back);
    g_assert_cmphex(back.guard, ==, t64.guard);
    g_assert_cmphex(back.app, ==, t64.app);
    g_assert_cmphex(back.ref, ==, t64.ref);
}

/*
 * The guard covers the data and, with the PI last, the metadata before
 * it (not with the PI first); NULL data is a block of zeroes of any size.
 */
static void test_guard_coverage(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        const NvmePiFormat *f = &formats[i];
        g_autofree uint8_t *data = g_malloc(f->lbasz);
        g_autofree uint8_t *zero = g_malloc0(f->lbasz);
        g_autofree uint8_t *both = g_malloc(f->lbasz + f->ms);
        uint8_t md[64];
        uint32_t covered = nvme_pi_fmt_off(f);
        uint64_t want;

        fill(data, f->lbasz, PAT_INC);
        fill(md, sizeof(md), PAT_DEC);
        memcpy(both, data, f->lbasz);
        memcpy(both + f->lbasz, md, covered);
        want = f->pif == NVME_PIF_64 ?
               ref_crc64(both, f->lbasz + covered) :
               ref_crc16(both, f->lbasz + covered);
        g_assert_cmphex(nvme_pi_fmt_guard(f, data, md), ==, want);
        g_assert_cmphex(nvme_pi_fmt_guard(f, NULL, md), ==,
                        nvme_pi_fmt_guard(f, zero, md));

        /* a byte of the PI tuple itself is never covered */
        md[nvme_pi_fmt_off(f)] ^= 1;
        g_assert_cmphex(nvme_pi_fmt_guard(f, data, md), ==, want);
    }
}

/* Generated reference tags per type; they wrap at the tag's width. */
static void test_generate_reftags(void)
{
    static const struct {
        uint8_t type, pif;
        uint64_t start;
        uint64_t want[3];
    } cases[] = {
        { 1, 0, 7, { 7, 8, 9 } },
        { 2, 0, 0xfffffffe, { 0xfffffffe, 0xffffffff, 0 } },
        { 3, 0, 0x12345678, { 0x12345678, 0x12345678, 0x12345678 } },
        { 1, NVME_PIF_64, 0xfffffffffffeULL,
          { 0xfffffffffffeULL, 0xffffffffffffULL, 0 } },
        { 2, NVME_PIF_64, 0x100000000ULL,
          { 0x100000000ULL, 0x100000001ULL, 0x100000002ULL } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmePiFormat f = { .lbasz = 512, .ms = 16, .type = cases[i].type,
                           .pif = cases[i].pif };
        uint8_t data[3 * 512], md[3 * 16];

        fill(data, sizeof(data), PAT_INC);
        memset(md, 0x5a, sizeof(md));
        nvme_pi_fmt_generate(&f, data, md, 3, cases[i].start, 0xbeef);
        for (int b = 0; b < 3; b++) {
            NvmePiTuple t;

            nvme_pi_fmt_load(&f, md + b * 16, &t);
            g_assert_cmphex(t.ref, ==, cases[i].want[b]);
            g_assert_cmphex(t.app, ==, 0xbeef);
            g_assert_cmphex(t.guard, ==,
                            nvme_pi_fmt_guard(&f, data + b * 512,
                                              md + b * 16));
            if (f.pif != NVME_PIF_64) {     /* bytes before the PI kept */
                g_assert_cmphex(md[b * 16], ==, 0x5a);
            }
        }
    }
}

/*
 * Remapping (Zone Append with PIREMAP) moves each block's reference tag
 * by the same distance, wrapping at the tag's width, and nothing else.
 */
static void test_remap(void)
{
    static const struct {
        uint8_t pif;
        uint64_t start, delta;
        uint64_t want[3];
    } cases[] = {
        { 0, 10, 100, { 110, 111, 112 } },
        { 0, 0xfffffffe, 1, { 0xffffffff, 0, 1 } },
        { NVME_PIF_64, 0xfffffffe, 1, { 0xffffffff, 0x100000000ULL,
                                        0x100000001ULL } },
        { NVME_PIF_64, 0xffffffffffffULL, 2, { 1, 2, 3 } },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmePiFormat f = { .lbasz = 512, .ms = 16, .type = 1,
                           .pif = cases[i].pif };
        uint8_t data[3 * 512], md[3 * 16], before[3 * 16];

        fill(data, sizeof(data), PAT_INC);
        memset(md, 0x77, sizeof(md));
        nvme_pi_fmt_generate(&f, data, md, 3, cases[i].start, 0x4242);
        memcpy(before, md, sizeof(md));
        nvme_pi_fmt_remap(&f, md, 3, cases[i].delta);
        for (int b = 0; b < 3; b++) {
            NvmePiTuple t, t0;

            nvme_pi_fmt_load(&f, md + b * 16, &t);
            nvme_pi_fmt_load(&f, before + b * 16, &t0);
            g_assert_cmphex(t.ref, ==, cases[i].want[b]);
            g_assert_cmphex(t.guard, ==, t0.guard);
            g_assert_cmphex(t.app, ==, t0.app);
        }
    }
}

/* Build @nlb blocks of data with valid PI for @f from reference tag 100. */
static void make_blocks(const NvmePiFormat *f, uint8_t *data, uint8_t *md,
                        uint32_t nlb)
{
    fill(data, (size_t)nlb * f->lbasz, PAT_INC);
    memset(md, 0, (size_t)nlb * f->ms);
    nvme_pi_fmt_generate(f, data, md, nlb, 100, 0x1234);
}

typedef enum { DAMAGE_NONE, DAMAGE_DATA, DAMAGE_APP, DAMAGE_REF } Damage;

/*
 * The PRCHK checks, block 2 of 4 damaged one way: which status each
 * combination of PI type and PRCHK bits gives.  Escape values skip.
 */
static void test_check_table(void)
{
    const uint8_t all = NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_APP |
                        NVME_PRINFO_PRCHK_REF;
    static const struct {
        uint8_t type;
        uint8_t prinfo;
        Damage damage;
        uint16_t appmask;
        uint16_t status;
    } cases[] = {
        { 1, 7, DAMAGE_NONE, 0xffff, NVME_SUCCESS },
        { 1, 7, DAMAGE_DATA, 0xffff, NVME_E2E_GUARD_ERROR },
        { 1, NVME_PRINFO_PRCHK_APP | NVME_PRINFO_PRCHK_REF, DAMAGE_DATA,
          0xffff, NVME_SUCCESS },
        { 1, 7, DAMAGE_APP, 0xffff, NVME_E2E_APP_ERROR },
        { 1, 7, DAMAGE_APP, 0x0000, NVME_SUCCESS },     /* masked out */
        { 1, NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_REF, DAMAGE_APP,
          0xffff, NVME_SUCCESS },
        { 1, 7, DAMAGE_REF, 0xffff, NVME_E2E_REF_ERROR },
        { 2, 7, DAMAGE_REF, 0xffff, NVME_E2E_REF_ERROR },
        { 3, 7, DAMAGE_REF, 0xffff, NVME_SUCCESS },     /* not checked */
        { 2, NVME_PRINFO_PRCHK_GUARD | NVME_PRINFO_PRCHK_APP, DAMAGE_REF,
          0xffff, NVME_SUCCESS },
        { 3, 7, DAMAGE_DATA, 0xffff, NVME_E2E_GUARD_ERROR },
        { 2, 0, DAMAGE_DATA, 0xffff, NVME_SUCCESS },
    };

    for (int pif = 0; pif <= NVME_PIF_64; pif += NVME_PIF_64) {
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
            NvmePiFormat f = { .lbasz = 512, .ms = 16, .type = cases[i].type,
                               .pif = pif };
            NvmePiExpect e = { .prinfo = cases[i].prinfo, .ref = 100,
                               .app = 0x1234, .appmask = cases[i].appmask };
            uint8_t data[4 * 512], md[4 * 16];
            NvmePiTuple t;
            uint32_t bad = UINT32_MAX;

            g_assert_cmpuint(cases[i].prinfo & ~all, ==, 0);
            make_blocks(&f, data, md, 4);
            nvme_pi_fmt_load(&f, md + 2 * 16, &t);
            switch (cases[i].damage) {
            case DAMAGE_NONE:
                break;
            case DAMAGE_DATA:
                data[2 * 512 + 17] ^= 0x80;
                break;
            case DAMAGE_APP:
                t.app ^= 0x0100;
                break;
            case DAMAGE_REF:
                t.ref ^= 1;
                break;
            }
            nvme_pi_fmt_store(&f, md + 2 * 16, &t);
            g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 4, &e, &bad), ==,
                            cases[i].status);
            if (cases[i].status) {
                g_assert_cmpuint(bad, ==, 2);
            }
        }
    }
}

/*
 * The first failing check wins (guard, then application tag, then
 * reference tag), and the first failing block is reported.
 */
static void test_check_order(void)
{
    NvmePiFormat f = { .lbasz = 512, .ms = 8, .type = 1 };
    NvmePiExpect e = { .prinfo = 7, .ref = 100, .app = 0x1234,
                       .appmask = 0xffff };
    uint8_t data[4 * 512], md[4 * 8];
    NvmePiTuple t;
    uint32_t bad;

    make_blocks(&f, data, md, 4);
    nvme_pi_fmt_load(&f, md + 3 * 8, &t);
    t.app = 0;
    t.ref = 0;
    nvme_pi_fmt_store(&f, md + 3 * 8, &t);
    g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 4, &e, &bad), ==,
                    NVME_E2E_APP_ERROR);
    g_assert_cmpuint(bad, ==, 3);
    data[3 * 512] ^= 1;
    g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 4, &e, &bad), ==,
                    NVME_E2E_GUARD_ERROR);
    data[1 * 512] ^= 1;
    g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 4, &e, &bad), ==,
                    NVME_E2E_GUARD_ERROR);
    g_assert_cmpuint(bad, ==, 1);
}

/*
 * Escape values: application tag FFFFh disables the checks of a type 1
 * or 2 block; type 3 needs the reference tag all ones as well.  Inverted
 * all-zero metadata (the image form of never-written PI) is the escape.
 */
static void test_check_escape(void)
{
    static const struct {
        uint8_t type, pif;
        bool ref_ones;
        uint16_t status;
    } cases[] = {
        { 1, 0, false, NVME_SUCCESS },
        { 2, NVME_PIF_64, false, NVME_SUCCESS },
        { 3, 0, false, NVME_E2E_GUARD_ERROR },
        { 3, 0, true, NVME_SUCCESS },
        { 3, NVME_PIF_64, true, NVME_SUCCESS },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmePiFormat f = { .lbasz = 512, .ms = 16, .type = cases[i].type,
                           .pif = cases[i].pif };
        NvmePiExpect e = { .prinfo = 7, .ref = 5, .app = 1, .appmask = 0xffff };
        uint8_t data[512] = { 1 }, md[16] = { 0 };
        NvmePiTuple t = { .guard = 0, .app = NVME_PI_ESCAPE_APP, .ref = 5 };
        uint32_t bad;

        if (cases[i].ref_ones) {
            t.ref = nvme_pi_fmt_ref_mask(&f);
        }
        nvme_pi_fmt_store(&f, md, &t);
        g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 1, &e, &bad), ==,
                        cases[i].status);

        memset(md, 0, sizeof(md));
        nvme_pi_fmt_flip(&f, md, 1);
        g_assert_cmphex(nvme_pi_fmt_check(&f, data, md, 1, &e, &bad), ==,
                        NVME_SUCCESS);
    }
}

/* Flipping inverts exactly the tuple bytes of each block, and undoes. */
static void test_flip(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        const NvmePiFormat *f = &formats[i];
        uint8_t md[3 * 64], orig[3 * 64];

        fill(orig, sizeof(orig), PAT_INC);
        memcpy(md, orig, sizeof(md));
        nvme_pi_fmt_flip(f, md, 3);
        for (size_t b = 0; b < (size_t)3 * f->ms; b++) {
            uint32_t in = b % f->ms - nvme_pi_fmt_off(f);
            bool tuple = b % f->ms >= nvme_pi_fmt_off(f) &&
                         in < nvme_pi_fmt_size(f);

            g_assert_cmphex(md[b], ==, tuple ? (uint8_t)~orig[b] : orig[b]);
        }
        nvme_pi_fmt_flip(f, md, 3);
        g_assert_cmpmem(md, sizeof(md), orig, sizeof(orig));
    }
}

/*
 * ILBRT: CDW14, with the 64-bit guard plus CDW3 bits 15:0 as bits 47:32;
 * PRINFO from CDW12 bits 29:26, LBAT and LBATM from CDW15.
 */
static void test_command_fields(void)
{
    NvmePiFormat f16 = { .lbasz = 512, .ms = 8, .type = 1 };
    NvmePiFormat f64 = { .lbasz = 512, .ms = 16, .type = 1,
                         .pif = NVME_PIF_64 };
    NvmeCmd cmd = { 0 };
    NvmeRwCmd *rw = (NvmeRwCmd *)&cmd;
    NvmePiExpect e;

    cmd.cdw14 = cpu_to_le32(0x89abcdef);
    rw->cdw3 = cpu_to_le32(0xffff4567);
    cmd.cdw12 = cpu_to_le32(0xbu << 26 | 0xffff);
    cmd.cdw15 = cpu_to_le32(0xff00u << 16 | 0x1234);
    g_assert_cmphex(nvme_pi_fmt_ilbrt(&f16, &cmd), ==, 0x89abcdef);
    g_assert_cmphex(nvme_pi_fmt_ilbrt(&f64, &cmd), ==, 0x456789abcdefULL);
    nvme_pi_fmt_expect_rw(&f64, &cmd, &e);
    g_assert_cmphex(e.prinfo, ==, 0xb);
    g_assert_cmphex(e.ref, ==, 0x456789abcdefULL);
    g_assert_cmphex(e.app, ==, 0x1234);
    g_assert_cmphex(e.appmask, ==, 0xff00);
}

/*
 * Type 1 with the reference tag check: ILBRT must be the SLBA's low 32
 * (48) bits.  Other types, or no reference tag check: any ILBRT.
 */
static void test_ilbrt_rule(void)
{
    static const struct {
        uint8_t type, pif;
        bool prchk_ref;
        uint64_t slba;
        uint32_t ilbrt;
        bool ok;
    } cases[] = {
        { 1, 0, true, 0x1234, 0x1234, true },
        { 1, 0, true, 0x1234, 0x1235, false },
        { 1, 0, true, 0x500001234ULL, 0x1234, true },    /* low 32 bits */
        { 1, NVME_PIF_64, true, 0x500001234ULL, 0x1234, false },
        { 1, 0, false, 0x1234, 0x1235, true },
        { 2, 0, true, 0x1234, 0x9999, true },
        { 3, 0, true, 0x1234, 0x9999, true },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmePiFormat f = { .lbasz = 512, .ms = 16, .type = cases[i].type,
                           .pif = cases[i].pif };
        NvmeCmd cmd = { 0 };

        cmd.cdw14 = cpu_to_le32(cases[i].ilbrt);
        cmd.cdw12 = cpu_to_le32((uint32_t)cases[i].prchk_ref << 26);
        g_assert_cmpint(nvme_pi_fmt_ilbrt_ok(&f, &cmd, cases[i].slba), ==,
                        cases[i].ok);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pi/crc16-vectors", test_crc16_vectors);
    g_test_add_func("/pi/crc64-vectors", test_crc64_vectors);
    g_test_add_func("/pi/crc-split-and-reference",
                    test_crc_split_and_reference);
    g_test_add_func("/pi/layout", test_layout);
    g_test_add_func("/pi/tuple-bytes", test_tuple_bytes);
    g_test_add_func("/pi/guard-coverage", test_guard_coverage);
    g_test_add_func("/pi/generate-reftags", test_generate_reftags);
    g_test_add_func("/pi/remap", test_remap);
    g_test_add_func("/pi/check-table", test_check_table);
    g_test_add_func("/pi/check-order", test_check_order);
    g_test_add_func("/pi/check-escape", test_check_escape);
    g_test_add_func("/pi/flip", test_flip);
    g_test_add_func("/pi/command-fields", test_command_fields);
    g_test_add_func("/pi/ilbrt-rule", test_ilbrt_rule);
    return g_test_run();
}

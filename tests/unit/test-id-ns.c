/*
 * Unit tests of hw/nvme/id-ns.c: Identify Namespace (CNS 00h), its NVM
 * and Zoned command set specific structures (CNS 05h) and the I/O
 * Command Set Independent one (CNS 08h).
 *
 * Fields are read at the byte offsets and bit positions of NVM Command
 * Set 1.1 Figure 114 (Identify Namespace) and Figure 117 (its I/O
 * Command Set specific structure), Zoned Namespace Command Set 1.2
 * Figure 55 and NVMe Base 2.1 Figure 319 (I/O Command Set Independent).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/id-ns.h"

/* Byte offsets in Identify Namespace (NVM Command Set). */
enum {
    NSZE = 0, NCAP = 8, NUSE = 16, NSFEAT = 24, NLBAF = 25, FLBAS = 26,
    MC = 27, DPC = 28, DPS = 29, NMIC = 30, RESCAP = 31, FPI = 32,
    DLFEAT = 33, NAWUN = 34, NAWUPF = 36, NACWU = 38, NABSN = 40,
    NABO = 42, NABSPF = 44, NOIOB = 46, NVMCAP = 48, NPWG = 64,
    NPWA = 66, NPDG = 68, NPDA = 70, NOWS = 72, MSSRL = 74, MCL = 76,
    MSRC = 80, ANAGRPID = 92, NSATTR = 99, NVMSETID = 100, ENDGID = 102,
    NGUID = 104, EUI64 = 120, LBAF0 = 128,
};

/* Zoned Identify Namespace. */
enum {
    ZOC = 0, OZCS = 2, MAR = 4, MOR = 8, RRL = 12, FRL = 16,
    NUMZRWA = 44, ZRWAFG = 48, ZRWAS = 50, ZRWACAP = 52, LBAFE0 = 2816,
};

/* I/O Command Set Independent Identify Namespace. */
enum {
    I_NSFEAT = 0, I_NMIC = 1, I_RESCAP = 2, I_FPI = 3, I_ANAGRPID = 4,
    I_NSATTR = 8, I_NVMSETID = 10, I_ENDGID = 12, I_NSTAT = 14,
};

/* ldl_le_p() returns an int: compare dwords unsigned */
static uint32_t le32(const uint8_t *p)
{
    return ldl_le_p(p);
}

/* A namespace as nvme-ns configures one: 512 and 4096-byte formats. */
static NvmeIdNsIn base_in(void)
{
    NvmeIdNsIn in = {
        .nsze = 0x8000, .ncap = 0x8000, .nuse = 0x8000,
        .nlbaf = 2,
        .lbaf = { { .ds = 9 }, { .ds = 12 } },
        .pbs_lbas = 1,
        .endgid = 1,
        .eui64 = 0x0011223344556677ull,
        .nguid = { 0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
                   0xbb },
        .mssrl = 128, .mcl = 128, .msrc = 127,
    };
    return in;
}

static uint8_t *build(const NvmeIdNsIn *in)
{
    uint8_t *id = g_malloc(4096);

    g_assert_cmpuint(sizeof(NvmeIdNs), ==, 4096);
    memset(id, 0xa5, 4096);     /* the builder zeroes */
    nvme_id_ns_build((NvmeIdNs *)id, in);
    return id;
}

/* NSZE, NCAP, NUSE as given; identifiers; DLFEAT; Copy limits. */
static void test_sizes_ids(void)
{
    static const struct {
        uint64_t nsze, ncap, nuse;
        uint16_t mssrl;
        uint32_t mcl;
        uint8_t msrc;
    } cases[] = {
        { 0, 0, 0, 0, 0, 0 },
        { 0x8000, 0x8000, 0x8000, 128, 128, 127 },
        { 0x100000000ull, 0x80000000ull, 1, 1, 0x10000, 0 },
        { UINT64_MAX, UINT64_MAX - 1, 0, 0xffff, 0xffffffff, 255 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        g_autofree uint8_t *id = NULL;

        in.nsze = cases[i].nsze;
        in.ncap = cases[i].ncap;
        in.nuse = cases[i].nuse;
        in.mssrl = cases[i].mssrl;
        in.mcl = cases[i].mcl;
        in.msrc = cases[i].msrc;
        in.anagrpid = 3;
        in.rescap = 0xff;
        in.shared = true;
        id = build(&in);
        g_assert_cmphex(ldq_le_p(id + NSZE), ==, cases[i].nsze);
        g_assert_cmphex(ldq_le_p(id + NCAP), ==, cases[i].ncap);
        g_assert_cmphex(ldq_le_p(id + NUSE), ==, cases[i].nuse);
        g_assert_cmpuint(lduw_le_p(id + MSSRL), ==, cases[i].mssrl);
        g_assert_cmpuint(le32(id + MCL), ==, cases[i].mcl);
        g_assert_cmpuint(id[MSRC], ==, cases[i].msrc);
        /* Write Zeroes may deallocate (bit 3); reads return zeroes (001b) */
        g_assert_cmphex(id[DLFEAT], ==, 0x09);
        g_assert_cmpuint(id[NMIC], ==, 1);
        g_assert_cmphex(id[RESCAP], ==, 0xff);
        g_assert_cmpuint(le32(id + ANAGRPID), ==, 3);
        g_assert_cmpuint(lduw_le_p(id + ENDGID), ==, 1);
        g_assert_cmpuint(lduw_le_p(id + NVMSETID), ==, 0);
        /* NGUID as given; EUI64 big endian (byte 120 the OUI's first) */
        g_assert_cmpmem(id + NGUID, 16, in.nguid, 16);
        g_assert_cmphex(id[EUI64], ==, 0x00);
        g_assert_cmphex(id[EUI64 + 7], ==, 0x77);
        g_assert_cmphex(ldq_be_p(id + EUI64), ==, 0x0011223344556677ull);
        /* not reported: FPI, NOIOB, NVMCAP, NSATTR (CNS 08h has it) */
        g_assert_cmpuint(id[FPI], ==, 0);
        g_assert_cmpuint(lduw_le_p(id + NOIOB), ==, 0);
        g_assert_cmpuint(ldq_le_p(id + NVMCAP), ==, 0);
        g_assert_cmpuint(id[NSATTR], ==, 0);
    }
}

/*
 * NLBAF is 0's based; each LBA Format is MS (15:0), LBADS (23:16), RP
 * (25:24, 0 here).  FLBAS holds the format index's bits 3:0 in 3:0 and
 * bits 5:4 in 6:5 (NVM Command Set 1.1, 4.1.5.1), the extended-LBA
 * flag in bit 4.
 */
static void test_formats(void)
{
    static const struct {
        unsigned nlbaf, flbaf;
        bool mset;
        uint8_t nlbaf_field, flbas;
    } cases[] = {
        { 1, 0, false, 0, 0x00 },
        { 2, 1, false, 1, 0x01 },
        { 6, 5, true, 5, 0x15 },
        { 16, 15, true, 15, 0x1f },
        { 17, 16, false, 16, 0x20 },
        { 18, 17, true, 17, 0x31 },
        { 40, 34, false, 39, 0x42 },
        { 64, 63, true, 63, 0x7f },
        { 64, 48, false, 63, 0x60 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        g_autofree uint8_t *id = NULL;

        in.nlbaf = cases[i].nlbaf;
        for (unsigned f = 0; f < in.nlbaf; f++) {
            in.lbaf[f] = (NvmeIdLbaf) { .ds = 9 + f % 4, .ms = f * 8 };
        }
        in.flbaf = cases[i].flbaf;
        in.mset = cases[i].mset;
        id = build(&in);
        g_assert_cmpuint(id[NLBAF], ==, cases[i].nlbaf_field);
        g_assert_cmphex(id[FLBAS], ==, cases[i].flbas);
        for (unsigned f = 0; f < NVME_MAX_NLBAF; f++) {
            uint32_t want = f < in.nlbaf ?
                            (9 + f % 4) << 16 | (f * 8) : 0;

            g_assert_cmphex(le32(id + LBAF0 + 4 * f), ==, want);
        }
    }
}

/*
 * MC and DPC where metadata formats are offered (extended and separate;
 * PI types 1-3 in the first or last bytes), DPS the type in use and PI
 * first (bit 3); nothing of it without.
 */
static void test_meta_pi(void)
{
    static const struct {
        bool meta;
        uint8_t pi;
        bool pil;
        uint8_t mc, dpc, dps;
    } cases[] = {
        { false, 0, false, 0, 0, 0 },
        { true, 0, false, 0x03, 0x1f, 0x00 },
        { true, 1, false, 0x03, 0x1f, 0x01 },
        { true, 2, true, 0x03, 0x1f, 0x0a },
        { true, 3, true, 0x03, 0x1f, 0x0b },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        g_autofree uint8_t *id = NULL;

        in.meta = cases[i].meta;
        in.pi = cases[i].pi;
        in.pil = cases[i].pil;
        id = build(&in);
        g_assert_cmphex(id[MC], ==, cases[i].mc);
        g_assert_cmphex(id[DPC], ==, cases[i].dpc);
        g_assert_cmphex(id[DPS], ==, cases[i].dps);
    }
}

/*
 * NSFEAT: OPTPERF (bit 4) always, with NPWG/NPWA/NPDG/NPDA/NOWS the
 * physical block in blocks, 0's based; NSABP (bit 1) with NAWUN, NAWUPF,
 * NABSN, NABO, NABSPF.  NACWU and the others stay 0.
 */
static void test_nsfeat(void)
{
    static const struct {
        uint32_t pbs_lbas;
        bool atomic;
        uint8_t nsfeat;
        uint16_t npwg;
    } cases[] = {
        { 1, false, BIT(4), 0 },
        { 0, false, BIT(4), 0 },        /* no hint: one block */
        { 8, false, BIT(4), 7 },
        { 8, true, BIT(4) | BIT(1), 7 },
        { 65536, true, BIT(4) | BIT(1), 0xffff },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        g_autofree uint8_t *id = NULL;
        bool a = cases[i].atomic;

        in.pbs_lbas = cases[i].pbs_lbas;
        in.atomic.on = a;
        in.atomic.nawun = 31;
        in.atomic.nawupf = 15;
        in.atomic.nabsn = 63;
        in.atomic.nabo = 4;
        in.atomic.nabspf = 31;
        id = build(&in);
        g_assert_cmphex(id[NSFEAT], ==, cases[i].nsfeat);
        for (unsigned f = NPWG; f <= NOWS; f += 2) {
            g_assert_cmpuint(lduw_le_p(id + f), ==, cases[i].npwg);
        }
        g_assert_cmpuint(lduw_le_p(id + NAWUN), ==, a ? 31 : 0);
        g_assert_cmpuint(lduw_le_p(id + NAWUPF), ==, a ? 15 : 0);
        g_assert_cmpuint(lduw_le_p(id + NABSN), ==, a ? 63 : 0);
        g_assert_cmpuint(lduw_le_p(id + NABO), ==, a ? 4 : 0);
        g_assert_cmpuint(lduw_le_p(id + NABSPF), ==, a ? 31 : 0);
        g_assert_cmpuint(lduw_le_p(id + NACWU), ==, 0);
    }
}

/* NSID FFFFFFFFh: the formats' sizes and the Copy limits, nothing else. */
static void test_common(void)
{
    NvmeIdNsIn in = base_in();
    g_autofree uint8_t *id = g_malloc(4096);
    g_autofree uint8_t *want = g_malloc0(4096);

    in.lbaf[1].ms = 8;
    in.atomic.on = in.shared = in.meta = true;
    in.pi = 1;
    in.anagrpid = 2;
    in.pbs_lbas = 8;
    memset(id, 0xa5, 4096);
    nvme_id_ns_common_build((NvmeIdNs *)id, &in);
    want[NLBAF] = 1;
    stl_le_p(want + LBAF0, 9 << 16);
    stl_le_p(want + LBAF0 + 4, 12 << 16 | 8);
    want[DLFEAT] = 0x09;
    stw_le_p(want + MSSRL, 128);
    stl_le_p(want + MCL, 128);
    want[MSRC] = 127;
    g_assert_cmpmem(id, 4096, want, 4096);
}

/* ELBAF: the guard format of each LBA format in bits 8:7, STS 0. */
static void test_nvm(void)
{
    NvmeIdNsIn in = base_in();
    g_autofree uint8_t *id = g_malloc(4096);

    g_assert_cmpuint(sizeof(NvmeIdNsNvm), ==, 4096);
    in.nlbaf = 6;
    in.lbaf[2] = (NvmeIdLbaf) { .ds = 9, .ms = 8, .pif = 0 };
    in.lbaf[3] = (NvmeIdLbaf) { .ds = 9, .ms = 16, .pif = 2 };
    in.lbaf[4] = (NvmeIdLbaf) { .ds = 12, .ms = 8, .pif = 0 };
    in.lbaf[5] = (NvmeIdLbaf) { .ds = 12, .ms = 64, .pif = 1 };
    memset(id, 0xa5, 4096);
    nvme_id_ns_nvm_build((NvmeIdNsNvm *)id, &in);
    g_assert_cmphex(ldq_le_p(id), ==, 0);       /* LBSTM */
    g_assert_cmphex(id[8], ==, 0);              /* PIC */
    for (unsigned f = 0; f < NVME_MAX_NLBAF; f++) {
        uint32_t want = f == 3 ? 0x100 : f == 5 ? 0x080 : 0;

        g_assert_cmphex(le32(id + 12 + 4 * f), ==, want);
    }
    for (unsigned b = 12 + 4 * NVME_MAX_NLBAF; b < 4096; b++) {
        g_assert_cmphex(id[b], ==, 0);
    }
}

/*
 * Zoned: OZCS RAZB (0) and ZRWASUP (1); MAR and MOR 0's based, all ones
 * for no limit; the ZRWA fields only with ZRWAs; an LBA Format Extension
 * per format: ZSZE in blocks of that format, ZDES in 64-byte units.
 */
static void test_zoned(void)
{
    static const struct {
        bool cross_read;
        uint32_t max_active, max_open, numzrwa;
        uint16_t ozcs;
        uint32_t mar, mor, numzrwa_field;
        uint8_t zrwacap;
    } cases[] = {
        { false, 0, 0, 0, 0, 0xffffffff, 0xffffffff, 0, 0 },
        { true, 14, 10, 0, BIT(0), 13, 9, 0, 0 },
        { false, 1, 1, 4, BIT(1), 0, 0, 3, 1 },
        { true, 0, 5, 1, BIT(0) | BIT(1), 0xffffffff, 4, 0, 1 },
    };

    g_assert_cmpuint(sizeof(NvmeIdNsZoned), ==, 4096);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        NvmeIdNsZonedIn z = {
            .cross_read = cases[i].cross_read,
            .max_active = cases[i].max_active,
            .max_open = cases[i].max_open,
            .numzrwa = cases[i].numzrwa,
            .rrl = 5, .frl = 7, .zrwafg = 8, .zrwas = 16,
            .zone_size = 1024 * 1024, .zdes = 128,
        };
        g_autofree uint8_t *id = g_malloc(4096);
        bool zrwa = cases[i].numzrwa;

        memset(id, 0xa5, 4096);
        nvme_id_ns_zoned_build((NvmeIdNsZoned *)id, &in, &z);
        g_assert_cmphex(lduw_le_p(id + ZOC), ==, 0);
        g_assert_cmphex(lduw_le_p(id + OZCS), ==, cases[i].ozcs);
        g_assert_cmphex(le32(id + MAR), ==, cases[i].mar);
        g_assert_cmphex(le32(id + MOR), ==, cases[i].mor);
        g_assert_cmpuint(le32(id + RRL), ==, 5);
        g_assert_cmpuint(le32(id + FRL), ==, 7);
        g_assert_cmpuint(le32(id + NUMZRWA), ==, cases[i].numzrwa_field);
        g_assert_cmpuint(lduw_le_p(id + ZRWAFG), ==, zrwa ? 8 : 0);
        g_assert_cmpuint(lduw_le_p(id + ZRWAS), ==, zrwa ? 16 : 0);
        g_assert_cmpuint(id[ZRWACAP], ==, cases[i].zrwacap);
        /* 1 MiB zones: 2048 blocks of 512 bytes, 256 of 4096 */
        g_assert_cmpuint(ldq_le_p(id + LBAFE0), ==, 2048);
        g_assert_cmpuint(id[LBAFE0 + 8], ==, 2);
        g_assert_cmpuint(ldq_le_p(id + LBAFE0 + 16), ==, 256);
        g_assert_cmpuint(id[LBAFE0 + 24], ==, 2);
        g_assert_cmpuint(ldq_le_p(id + LBAFE0 + 32), ==, 0);
        g_assert_cmpuint(id[LBAFE0 + 40], ==, 0);
    }
}

/* More formats than Zoned's 16 LBA Format Extensions: only 16 filled. */
static void test_zoned_many(void)
{
    NvmeIdNsIn in = base_in();
    NvmeIdNsZonedIn z = { .zone_size = 1ull << 30, .zdes = 0 };
    g_autofree uint8_t *id = g_malloc(4096);

    in.nlbaf = 20;
    for (unsigned f = 0; f < in.nlbaf; f++) {
        in.lbaf[f].ds = 9 + f % 4;
    }
    memset(id, 0xa5, 4096);
    nvme_id_ns_zoned_build((NvmeIdNsZoned *)id, &in, &z);
    for (unsigned f = 0; f < 16; f++) {
        g_assert_cmpuint(ldq_le_p(id + LBAFE0 + 16 * f), ==,
                         (1ull << 30) >> (9 + f % 4));
    }
    for (unsigned b = LBAFE0 + 16 * 16; b < 4096; b++) {
        g_assert_cmphex(id[b], ==, 0);
    }
}

/* CNS 08h: NSFEAT, NMIC, RESCAP, ANAGRPID, NSATTR, ENDGID, NSTAT. */
static void test_ind(void)
{
    static const struct {
        bool shared, wp;
        uint8_t rescap;
        uint32_t anagrpid;
    } cases[] = {
        { false, false, 0, 0 },
        { true, false, 0xff, 1 },
        { false, true, 0x7f, 16 },
    };

    g_assert_cmpuint(sizeof(NvmeIdNsInd), ==, 4096);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdNsIn in = base_in();
        g_autofree uint8_t *id = g_malloc(4096);

        in.shared = cases[i].shared;
        in.write_protected = cases[i].wp;
        in.rescap = cases[i].rescap;
        in.anagrpid = cases[i].anagrpid;
        in.atomic.on = true;
        memset(id, 0xa5, 4096);
        nvme_id_ns_ind_build((NvmeIdNsInd *)id, &in);
        g_assert_cmphex(id[I_NSFEAT], ==, BIT(4));
        g_assert_cmpuint(id[I_NMIC], ==, cases[i].shared);
        g_assert_cmphex(id[I_RESCAP], ==, cases[i].rescap);
        g_assert_cmpuint(id[I_FPI], ==, 0);
        g_assert_cmpuint(le32(id + I_ANAGRPID), ==, cases[i].anagrpid);
        g_assert_cmpuint(id[I_NSATTR], ==, cases[i].wp);
        g_assert_cmpuint(lduw_le_p(id + I_NVMSETID), ==, 0);
        g_assert_cmpuint(lduw_le_p(id + I_ENDGID), ==, 1);
        g_assert_cmpuint(id[I_NSTAT], ==, 1);   /* ready */
        for (unsigned b = 15; b < 4096; b++) {
            g_assert_cmphex(id[b], ==, 0);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/id-ns/sizes-ids", test_sizes_ids);
    g_test_add_func("/id-ns/formats", test_formats);
    g_test_add_func("/id-ns/meta-pi", test_meta_pi);
    g_test_add_func("/id-ns/nsfeat", test_nsfeat);
    g_test_add_func("/id-ns/common", test_common);
    g_test_add_func("/id-ns/nvm", test_nvm);
    g_test_add_func("/id-ns/zoned", test_zoned);
    g_test_add_func("/id-ns/zoned-many", test_zoned_many);
    g_test_add_func("/id-ns/ind", test_ind);
    return g_test_run();
}

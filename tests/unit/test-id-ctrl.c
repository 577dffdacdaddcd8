/*
 * Unit tests of hw/nvme/id-ctrl.c: Identify Controller (CNS 01h) and the
 * I/O Command Set specific Identify Controller structures (CNS 06h).
 *
 * Fields are read at the byte offsets and bit positions NVMe Base 2.1
 * Figure 312 (Identify Controller), NVM Command Set 1.1 Figure 112 and
 * Zoned Namespace Command Set 1.2 Figure 52 give, not through the
 * structure the builder fills, so a wrong offset or bit name shows.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/id-ctrl.h"

/* Byte offsets in Identify Controller (NVMe Base 2.1). */
enum {
    VID = 0, SSVID = 2, SN = 4, MN = 24, FR = 64, RAB = 72, IEEE = 73,
    CMIC = 76, MDTS = 77, CNTLID = 78, VER = 80, OAES = 92, CTRATT = 96,
    CNTRLTYPE = 111, OACS = 256, ACL = 258, AERL = 259, FRMW = 260,
    LPA = 261, ELPE = 262, NPSS = 263, WCTEMP = 266, CCTEMP = 268,
    TNVMCAP = 280, UNVMCAP = 296, EDSTT = 316, DSTO = 318, FWUG = 319,
    KAS = 320, SANICAP = 328, ENDGIDMAX = 340, ANATT = 342, ANACAP = 343,
    ANAGRPMAX = 344, NANAGRPID = 348, SQES = 512, CQES = 513, NN = 516,
    ONCS = 520, FUSES = 522, FNA = 524, VWC = 525, AWUN = 526,
    AWUPF = 528, OCFS = 534, SGLS = 536, MNAN = 540, SUBNQN = 768,
    PSD0 = 2048,
};

/* ldl_le_p() returns an int: compare dwords unsigned */
static uint32_t le32(const uint8_t *p)
{
    return ldl_le_p(p);
}

/* A controller as the device configures one by default. */
static NvmeIdCtrlIn base_in(void)
{
    NvmeIdCtrlIn in = {
        .vid = 0x1b36, .ssvid = 0x1af4,
        .sn = "deadbeef", .mn = "QEMU NVMe Ctrl",
        .fr = { '1', '.', '0', ' ', ' ', ' ', ' ', ' ' },
        .subnqn = "nqn.2019-08.org.qemu:deadbeef",
        .cntlid = 0, .ver = 0x00020000,
        .mdts = 7, .aerl = 3, .nn = 256, .sqes = 6, .cqes = 4,
        .fw_slots = 2, .elog_entries = 64, .edstt_min = 1, .kas_ms = 1000,
        .wctemp_k = 343, .cctemp_k = 358, .endgidmax = 1,
    };
    return in;
}

static uint8_t *build(const NvmeIdCtrlIn *in)
{
    uint8_t *id = g_malloc(sizeof(NvmeIdCtrl));

    g_assert_cmpuint(sizeof(NvmeIdCtrl), ==, 4096);
    memset(id, 0xa5, sizeof(NvmeIdCtrl));      /* the builder zeroes */
    nvme_id_ctrl_build((NvmeIdCtrl *)id, in);
    return id;
}

/* Identity: little-endian IDs, space-padded ASCII, VER as VS, CNTLID. */
static void test_identity(void)
{
    NvmeIdCtrlIn in = base_in();
    g_autofree uint8_t *id = NULL;

    in.cntlid = 0x1234;
    in.ver = 0x00020100;
    id = build(&in);
    g_assert_cmphex(lduw_le_p(id + VID), ==, 0x1b36);
    g_assert_cmphex(lduw_le_p(id + SSVID), ==, 0x1af4);
    g_assert_cmpmem(id + SN, 20, "deadbeef            ", 20);
    g_assert_cmpmem(id + MN, 40, "QEMU NVMe Ctrl                          ",
                    40);
    g_assert_cmpmem(id + FR, 8, "1.0     ", 8);
    g_assert_cmpuint(id[RAB], ==, 6);
    /* IEEE OUI 52-54-00, least significant byte first */
    g_assert_cmphex(id[IEEE], ==, 0x00);
    g_assert_cmphex(id[IEEE + 1], ==, 0x54);
    g_assert_cmphex(id[IEEE + 2], ==, 0x52);
    g_assert_cmphex(lduw_le_p(id + CNTLID), ==, 0x1234);
    g_assert_cmphex(le32(id + VER), ==, 0x00020100);
    g_assert_cmpuint(id[CNTRLTYPE], ==, 1);     /* I/O controller */
    g_assert_cmpstr((char *)id + SUBNQN, ==,
                    "nqn.2019-08.org.qemu:deadbeef");
    g_assert_cmpuint(id[SUBNQN + 255], ==, 0);
}

/* Limits and sizes straight from the input. */
static void test_limits(void)
{
    static const struct {
        uint8_t mdts, aerl, sqes, cqes, fw_slots, elog;
        uint16_t awun, awupf, kas_ms;
        uint32_t nn;
        uint8_t frmw;           /* slot 1 RO, slots in 3:1, no reset */
        uint16_t kas;           /* 100 ms units */
    } cases[] = {
        { 0, 3, 6, 4, 2, 64, 0, 0, 1000, 256, 0x15, 10 },
        { 7, 0, 6, 4, 1, 1, 15, 7, 100, 1, 0x13, 1 },
        { 255, 255, 7, 5, 7, 255, 0xffff, 0xffff, 6500, 0xffffffff, 0x1f,
          65 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdCtrlIn in = base_in();
        g_autofree uint8_t *id = NULL;

        in.mdts = cases[i].mdts;
        in.aerl = cases[i].aerl;
        in.sqes = cases[i].sqes;
        in.cqes = cases[i].cqes;
        in.fw_slots = cases[i].fw_slots;
        in.elog_entries = cases[i].elog;
        in.awun = cases[i].awun;
        in.awupf = cases[i].awupf;
        in.kas_ms = cases[i].kas_ms;
        in.nn = cases[i].nn;
        id = build(&in);
        g_assert_cmpuint(id[MDTS], ==, cases[i].mdts);
        g_assert_cmpuint(id[AERL], ==, cases[i].aerl);
        g_assert_cmpuint(id[ACL], ==, 3);
        /* maximum and required size: the same, in 7:4 and 3:0 */
        g_assert_cmphex(id[SQES], ==, cases[i].sqes * 0x11);
        g_assert_cmphex(id[CQES], ==, cases[i].cqes * 0x11);
        g_assert_cmphex(id[FRMW], ==, cases[i].frmw);
        g_assert_cmpuint(id[ELPE], ==, cases[i].elog - 1);     /* 0's based */
        g_assert_cmpuint(lduw_le_p(id + AWUN), ==, cases[i].awun);
        g_assert_cmpuint(lduw_le_p(id + AWUPF), ==, cases[i].awupf);
        g_assert_cmpuint(lduw_le_p(id + KAS), ==, cases[i].kas);
        g_assert_cmpuint(le32(id + NN), ==, cases[i].nn);
    }
}

/*
 * What every controller announces: LPA, ONCS, FUSES, FNA, OCFS, SGLS,
 * SANICAP, self-test and temperature fields, one power state.
 */
static void test_fixed(void)
{
    NvmeIdCtrlIn in = base_in();
    g_autofree uint8_t *id = build(&in);

    /* per-namespace SMART, CSE, extended data, telemetry; not bit 5 */
    g_assert_cmphex(id[LPA], ==, BIT(0) | BIT(1) | BIT(2) | BIT(3));
    g_assert_cmpuint(id[ELPE], ==, 63);
    /*
     * Compare 0, Write Uncorrectable 1, DSM 2, Write Zeroes 3, Save/Select
     * 4, Reservations 5, Timestamp 6, Verify 7, Copy 8.
     */
    g_assert_cmphex(lduw_le_p(id + ONCS), ==, 0x1ff);
    g_assert_cmphex(lduw_le_p(id + FUSES), ==, BIT(0));  /* Compare+Write */
    g_assert_cmphex(id[FNA], ==, BIT(2));       /* crypto erase */
    g_assert_cmphex(lduw_le_p(id + OCFS), ==, 0xf);     /* formats 0-3 */
    /*
     * SGLS 1:0 01b (no alignment), bit bucket 16, contiguous MPTR 17,
     * longer than the data 18, MPTR with an SGL 19; no keyed (bit 2).
     */
    g_assert_cmphex(le32(id + SGLS), ==,
                    BIT(0) | BIT(16) | BIT(17) | BIT(18) | BIT(19));
    /* crypto, block, overwrite; NODMMAS 01b (bits 31:30) */
    g_assert_cmphex(le32(id + SANICAP), ==,
                    BIT(0) | BIT(1) | BIT(2) | BIT(30));
    g_assert_cmpuint(lduw_le_p(id + EDSTT), ==, 1);
    g_assert_cmpuint(id[DSTO], ==, 1);
    g_assert_cmphex(id[FWUG], ==, 0xff);
    g_assert_cmpuint(lduw_le_p(id + WCTEMP), ==, 343);
    g_assert_cmpuint(lduw_le_p(id + CCTEMP), ==, 358);
    g_assert_cmpuint(id[NPSS], ==, 0);          /* one power state */
    g_assert_cmpuint(lduw_le_p(id + PSD0), ==, 0x9c4);  /* MP: 25 W */
    g_assert_cmpuint(le32(id + PSD0 + 4), ==, 0x10);    /* ENLAT */
    g_assert_cmpuint(le32(id + PSD0 + 8), ==, 0x4);     /* EXLAT */
}

/*
 * The announced capability bits per configuration: OACS, CTRATT, CMIC,
 * OAES, VWC (NVMe Base 2.1 Figure 312).  Always: OACS Security 0, Format
 * 1, Firmware 2, Self-test 4, Get LBA Status 9; CTRATT 128-bit Host ID 0,
 * ELBAS 15; OAES Namespace Attribute 8, Firmware Activation 9, LBA
 * Status Information 13.
 */
static void test_caps(void)
{
    enum {
        DBBUF = 1, VF = 2, PRIMARY = 4, MEM = 8, FDP = 16, POOL = 32,
        MULTI = 64, ANA = 128, ZONED = 256, VWCF = 512, NOENDGRP = 1024,
    };
    static const struct {
        unsigned flags;
        uint16_t oacs;
        uint32_t ctratt, oaes;
        uint8_t cmic, vwc;
    } cases[] = {
        { 0, 0x217, 0x8011, 0x2300, 0, 0 },
        { NOENDGRP, 0x217, 0x8001, 0x2300, 0, 0 },
        { DBBUF, 0x217 | BIT(8), 0x8011, 0x2300, 0, 0 },
        { PRIMARY, 0x217 | BIT(7), 0x8011, 0x2300, 0, 0 },
        { VF, 0x217, 0x8011, 0x2300, BIT(2), 0 },
        { MEM, 0x217, 0x8011 | BIT(16), 0x2300, 0, 0 },
        { FDP, 0x217 | BIT(5), 0x8011 | BIT(19), 0x2300, 0, 0 },
        { POOL, 0x217 | BIT(3), 0x8011 | BIT(7), 0x2300, 0, 0 },
        { MULTI, 0x217, 0x8011, 0x2300, BIT(1), 0 },
        { MULTI | ANA, 0x217, 0x8011, 0x2300 | BIT(11), BIT(1) | BIT(3),
          0 },
        { ZONED, 0x217, 0x8011, 0x2300 | BIT(27), 0, 0 },
        /* VWC present 0, NSID FFFFFFFFh Flush supported 2:1 = 11b */
        { VWCF, 0x217, 0x8011, 0x2300, 0, 0x07 },
        { DBBUF | PRIMARY | MEM | FDP | POOL | MULTI | ANA | ZONED | VWCF,
          0x217 | BIT(3) | BIT(5) | BIT(7) | BIT(8),
          0x8011 | BIT(7) | BIT(16) | BIT(19),
          0x2300 | BIT(11) | BIT(27), BIT(1) | BIT(3), 0x07 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        unsigned f = cases[i].flags;
        NvmeIdCtrlIn in = base_in();
        g_autofree uint8_t *id = NULL;

        in.dbbuf = f & DBBUF;
        in.sriov_vf = f & VF;
        in.sriov_primary = f & PRIMARY;
        in.ctratt_mem = f & MEM;
        in.fdp = f & FDP;
        in.pool.on = f & POOL;
        in.multi_ctrl = f & MULTI;
        in.ana.on = f & ANA;
        in.zoned = f & ZONED;
        in.vwc = f & VWCF;
        in.endgidmax = f & NOENDGRP ? 0 : 1;
        id = build(&in);
        g_assert_cmphex(lduw_le_p(id + OACS), ==, cases[i].oacs);
        g_assert_cmphex(le32(id + CTRATT), ==, cases[i].ctratt);
        g_assert_cmphex(le32(id + OAES), ==, cases[i].oaes);
        g_assert_cmphex(id[CMIC], ==, cases[i].cmic);
        g_assert_cmphex(id[VWC], ==, cases[i].vwc);
        g_assert_cmpuint(lduw_le_p(id + ENDGIDMAX), ==, in.endgidmax);
    }
}

/*
 * ANA fields and the capacity pool's, and MNAN where either is there
 * (hosts size namespace lists and the ANA log by it).
 */
static void test_ns_access(void)
{
    static const struct {
        bool ana, pool;
        uint32_t mnan;
    } cases[] = {
        { false, false, 0 },
        { true, false, 256 },
        { false, true, 256 },
        { true, true, 256 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeIdCtrlIn in = base_in();
        g_autofree uint8_t *id = NULL;
        uint8_t zero[16] = { 0 };
        bool ana = cases[i].ana;
        bool pool = cases[i].pool;

        in.ana.on = ana;
        in.ana.anatt = 10;
        in.ana.anacap = 0x5f;
        in.ana.grpmax = 16;
        in.pool.on = pool;
        in.pool.tnvmcap = 0x123456789aull;
        in.pool.unvmcap = 0x800000;
        id = build(&in);
        g_assert_cmpuint(le32(id + MNAN), ==, cases[i].mnan);
        g_assert_cmpuint(id[ANATT], ==, ana ? 10 : 0);
        g_assert_cmphex(id[ANACAP], ==, ana ? 0x5f : 0);
        g_assert_cmpuint(le32(id + ANAGRPMAX), ==, ana ? 16 : 0);
        g_assert_cmpuint(le32(id + NANAGRPID), ==, ana ? 16 : 0);
        /* 128-bit byte counts: the upper halves stay zero */
        g_assert_cmphex(ldq_le_p(id + TNVMCAP), ==,
                        pool ? 0x123456789aull : 0);
        g_assert_cmphex(ldq_le_p(id + UNVMCAP), ==, pool ? 0x800000 : 0);
        g_assert_cmpmem(id + TNVMCAP + 8, 8, zero, 8);
        g_assert_cmpmem(id + UNVMCAP + 8, 8, zero, 8);
    }
}

/* Nothing but the fields above: the reserved ranges stay zero. */
static void test_reserved(void)
{
    static const struct {
        unsigned from, to;      /* bytes, inclusive */
    } rsvd[] = {
        { 100, 110 }, { 112, 255 }, { 352, 511 }, { 544, 767 },
        { 1024, 2047 }, { 2080, 4095 },
    };
    NvmeIdCtrlIn in = base_in();
    g_autofree uint8_t *id = NULL;

    in.ana.on = in.pool.on = in.fdp = in.vwc = true;
    in.ana.grpmax = in.pool.tnvmcap = in.pool.unvmcap = ~0u;
    in.ana.anatt = in.ana.anacap = 0xff;
    id = build(&in);
    for (size_t i = 0; i < G_N_ELEMENTS(rsvd); i++) {
        for (unsigned b = rsvd[i].from; b <= rsvd[i].to; b++) {
            g_assert_cmphex(id[b], ==, 0);
        }
    }
}

/* CNS 06h: VSL for NVM; ZASL for Zoned, MDTS when "zasl" is 0. */
static void test_iocs(void)
{
    static const struct {
        uint8_t zasl, mdts, want;
    } zcases[] = {
        { 0, 7, 7 }, { 5, 7, 5 }, { 0, 0, 0 }, { 9, 0, 9 },
    };
    g_autofree uint8_t *buf = g_malloc(4096);
    uint8_t zero[4095] = { 0 };

    g_assert_cmpuint(sizeof(NvmeIdCtrlNvm), ==, 4096);
    g_assert_cmpuint(sizeof(NvmeIdCtrlZoned), ==, 4096);
    memset(buf, 0xa5, 4096);
    nvme_id_ctrl_nvm_build((NvmeIdCtrlNvm *)buf, 7);
    g_assert_cmpuint(buf[0], ==, 7);
    /* WZSL, WUSL, DMRL, DMRSL, DMSL: 0, no limit */
    g_assert_cmpmem(buf + 1, 4095, zero, 4095);
    for (size_t i = 0; i < G_N_ELEMENTS(zcases); i++) {
        memset(buf, 0xa5, 4096);
        nvme_id_ctrl_zoned_build((NvmeIdCtrlZoned *)buf, zcases[i].zasl,
                                 zcases[i].mdts);
        g_assert_cmpuint(buf[0], ==, zcases[i].want);
        g_assert_cmpmem(buf + 1, 4095, zero, 4095);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/id-ctrl/identity", test_identity);
    g_test_add_func("/id-ctrl/limits", test_limits);
    g_test_add_func("/id-ctrl/fixed", test_fixed);
    g_test_add_func("/id-ctrl/caps", test_caps);
    g_test_add_func("/id-ctrl/ns-access", test_ns_access);
    g_test_add_func("/id-ctrl/reserved", test_reserved);
    g_test_add_func("/id-ctrl/iocs", test_iocs);
    return g_test_run();
}

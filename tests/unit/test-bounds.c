/*
 * Unit tests of hw/nvme/bounds.c: LBA ranges and MDTS.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/bounds.h"

/*
 * MDTS is a power of two in units of CAP.MPSMIN (4 KiB here); 0 is no
 * limit, which the device caps at its 32-bit lengths.
 */
static void test_mdts_limit(void)
{
    static const struct {
        uint8_t mdts;
        uint32_t bytes;
    } cases[] = {
        { 0, UINT32_MAX },
        { 1, 8 * 1024 },
        { 5, 128 * 1024 },
        { 7, 512 * 1024 },          /* the property's default */
        { 16, 256 * 1024 * 1024 },  /* the property's maximum */
        { 19, 2048u * 1024 * 1024 },
        { 20, UINT32_MAX },         /* 4 GiB: beyond 32-bit lengths */
        { 255, UINT32_MAX },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpuint(nvme_mdts_limit(cases[i].mdts), ==, cases[i].bytes);
    }
}

/* A transfer fits up to and including the limit; lengths are 64-bit. */
static void test_xfer_ok(void)
{
    static const struct {
        uint64_t bytes;
        uint8_t mdts;
        bool ok;
    } cases[] = {
        { 0, 7, true },
        { 512 * 1024, 7, true },
        { 512 * 1024 + 1, 7, false },
        { 4096, 1, true },
        { 8193, 1, false },
        /* 65536 blocks of 64 KiB: 2^32, which a 32-bit length wraps to 0 */
        { 65536ULL << 16, 7, false },
        { 65536ULL << 16, 0, false },
        { UINT32_MAX, 0, true },
        { (uint64_t)UINT32_MAX + 1, 0, false },
        { UINT64_MAX, 16, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(nvme_xfer_ok(cases[i].bytes, cases[i].mdts), ==,
                        cases[i].ok);
    }
}

/*
 * An LBA range is inside a namespace of NSZE blocks when SLBA < NSZE and
 * SLBA + NLB <= NSZE, computed without wrapping (NVM Command Set: LBA
 * Out of Range otherwise).
 */
static void test_lba_range(void)
{
    static const struct {
        uint64_t nlbas, slba, nlb;
        bool ok;
    } cases[] = {
        { 1000, 0, 1, true },
        { 1000, 0, 1000, true },
        { 1000, 0, 1001, false },
        { 1000, 999, 1, true },
        { 1000, 999, 2, false },
        { 1000, 1000, 1, false },
        { 1000, 1000, 0, false },           /* starts outside */
        { 1000, 500, 0, true },
        { 1000, UINT64_MAX, 1, false },
        { 1000, UINT64_MAX - 1, 3, false },     /* wraps to 1 */
        { 1000, 1ULL << 63, 1ULL << 63, false },   /* wraps to 0 */
        { UINT64_MAX, UINT64_MAX - 1, 1, true },
        { UINT64_MAX, 1, UINT64_MAX, false },
        { 0, 0, 1, false },                 /* empty namespace */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(nvme_lba_range_ok(cases[i].nlbas, cases[i].slba,
                                          cases[i].nlb), ==, cases[i].ok);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bounds/mdts-limit", test_mdts_limit);
    g_test_add_func("/bounds/xfer-ok", test_xfer_ok);
    g_test_add_func("/bounds/lba-range", test_lba_range);
    return g_test_run();
}

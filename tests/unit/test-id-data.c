/*
 * Unit tests of hw/nvme/id-data.c: Identify's ASCII fields, NSID lists
 * and Namespace Identification Descriptors (NVMe Base 2.1, 5.1.13).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/id-data.h"

/* ASCII fields are space padded on the right and never terminated. */
static void test_strpad(void)
{
    static const struct {
        const char *src;
        const char *want;       /* 8 bytes */
    } cases[] = {
        { "", "        " },
        { "1.0", "1.0     " },
        { "12345678", "12345678" },
        { "123456789", "12345678" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t field[9];

        field[8] = 0x5a;
        nvme_id_strpad(field, cases[i].src, 8);
        g_assert_cmpmem(field, 8, cases[i].want, 8);
        g_assert_cmphex(field[8], ==, 0x5a);
    }
}

/*
 * NSID lists hold the NSIDs above the one in the command, ascending, of
 * one command set for the CSI-specific CNS values; the rest is zeroes.
 */
static void test_nsid_list(void)
{
    static const struct {
        uint32_t above;
        bool by_csi;
        uint8_t csi;
        unsigned n;
        uint32_t want[4];
    } cases[] = {
        { 0, false, 0, 4, { 1, 2, 5, 256 } },
        { 1, false, 0, 3, { 2, 5, 256 } },
        { 5, false, 0, 1, { 256 } },
        { 255, false, 0, 1, { 256 } },
        { 256, false, 0, 0 },
        { 0xfffffffd, false, 0, 0 },
        { 0, true, NVME_CSI_NVM, 2, { 1, 5 } },
        { 0, true, NVME_CSI_ZONED, 2, { 2, 256 } },
        { 2, true, NVME_CSI_ZONED, 1, { 256 } },
        { 0, true, 0x7f, 0 },
    };
    uint8_t csi_of[NVME_MAX_NSID + 1];

    memset(csi_of, NVME_ID_NO_NS, sizeof(csi_of));
    csi_of[1] = NVME_CSI_NVM;
    csi_of[2] = NVME_CSI_ZONED;
    csi_of[5] = NVME_CSI_NVM;
    csi_of[256] = NVME_CSI_ZONED;
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint32_t list[NVME_ID_NSID_LIST_MAX];

        memset(list, 0xee, sizeof(list));
        g_assert_cmpuint(nvme_id_nsid_list(list, cases[i].above, csi_of,
                                           cases[i].by_csi, cases[i].csi),
                         ==, cases[i].n);
        for (unsigned j = 0; j < NVME_ID_NSID_LIST_MAX; j++) {
            g_assert_cmpuint(le32_to_cpu(list[j]), ==,
                             j < cases[i].n ? cases[i].want[j] : 0);
        }
    }
}

/*
 * Descriptors: NIDT, NIDL, two reserved bytes, then NIDL bytes of value;
 * the EUI-64 (big endian) only when the namespace has one.
 */
static void test_ns_descs(void)
{
    uint8_t nguid[16], uuid[16], buf[NVME_IDENTIFY_DATA_SIZE];
    static const uint8_t eui[8] = { 0x52, 0x54, 0, 1, 2, 3, 4, 5 };
    static const uint8_t zero[64];

    for (int i = 0; i < 16; i++) {
        nguid[i] = 0x10 + i;
        uuid[i] = 0x80 + i;
    }
    for (int with_eui = 0; with_eui < 2; with_eui++) {
        size_t off = 0;

        memset(buf, 0, sizeof(buf));
        g_assert_cmpuint(nvme_id_ns_descs(buf, with_eui ? ldq_be_p(eui) : 0,
                                          nguid, uuid, NVME_CSI_ZONED), ==,
                         (with_eui ? 12 : 0) + 20 + 20 + 5);
        if (with_eui) {
            g_assert_cmpmem(buf, 4, ((uint8_t[]) { NVME_NIDT_EUI64, 8, 0, 0 }),
                            4);
            g_assert_cmpmem(buf + 4, 8, eui, 8);
            off = 12;
        }
        g_assert_cmpmem(buf + off, 4,
                        ((uint8_t[]) { NVME_NIDT_NGUID, 16, 0, 0 }), 4);
        g_assert_cmpmem(buf + off + 4, 16, nguid, 16);
        off += 20;
        g_assert_cmpmem(buf + off, 4,
                        ((uint8_t[]) { NVME_NIDT_UUID, 16, 0, 0 }), 4);
        g_assert_cmpmem(buf + off + 4, 16, uuid, 16);
        off += 20;
        g_assert_cmpmem(buf + off, 5,
                        ((uint8_t[]) { NVME_NIDT_CSI, 1, 0, 0,
                                       NVME_CSI_ZONED }), 5);
        off += 5;
        g_assert_cmpmem(buf + off, sizeof(zero), zero, sizeof(zero));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/id-data/strpad", test_strpad);
    g_test_add_func("/id-data/nsid-list", test_nsid_list);
    g_test_add_func("/id-data/ns-descs", test_ns_descs);
    return g_test_run();
}

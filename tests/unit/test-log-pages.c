/*
 * Unit tests of hw/nvme/log-pages.c: Get Log Page parameters, Supported
 * Log Pages, the Error Information log ring, SMART / Health Information
 * (NVMe Base 2.1, 5.1.12).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/log-pages.h"

/*
 * NUMD is 0's based dwords, NUMDL in CDW10 31:16 and NUMDU in CDW11 15:0;
 * LPO is CDW13:CDW12; LSP CDW10 14:8, RAE bit 15, LID 7:0.
 */
static void test_params(void)
{
    static const struct {
        uint32_t dw10, dw11, dw12, dw13;
        uint8_t lid, lsp;
        bool rae;
        uint64_t len, off;
    } cases[] = {
        { 0x00000002, 0, 0, 0, 0x02, 0, false, 4, 0 },
        { 0x007f8102, 0, 0, 0, 0x02, 1, true, 0x80 * 4, 0 },
        { 0xffff7f07, 0xffff, 0, 0, 0x07, 0x7f, false, 0x100000000ULL * 4,
          0 },
        { 0x0000000c, 0x0001, 0x200, 0x1, 0x0c, 0, false, 0x10001ULL * 4,
          0x100000200ULL },
        { 0x03ff00ca, 0xabcd0000, 0xfffffffc, 0xffffffff, 0xca, 0, false,
          0x400 * 4, 0xfffffffffffffffcULL },  /* CDW11 31:16 not NUMDU */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeCmd cmd = { 0 };
        NvmeLogParams p;

        cmd.cdw10 = cpu_to_le32(cases[i].dw10);
        cmd.cdw11 = cpu_to_le32(cases[i].dw11);
        cmd.cdw12 = cpu_to_le32(cases[i].dw12);
        cmd.cdw13 = cpu_to_le32(cases[i].dw13);
        nvme_log_params(&cmd, &p);
        g_assert_cmphex(p.lid, ==, cases[i].lid);
        g_assert_cmphex(p.lsp, ==, cases[i].lsp);
        g_assert_cmpint(p.rae, ==, cases[i].rae);
        g_assert_cmphex(p.len, ==, cases[i].len);
        g_assert_cmphex(p.off, ==, cases[i].off);
    }
}

/* LPO must be dword aligned and inside the page. */
static void test_offset(void)
{
    static const struct {
        uint64_t off;
        size_t size;
        bool ok;
    } cases[] = {
        { 0, 512, true },
        { 508, 512, true },
        { 512, 512, false },
        { 2, 512, false },
        { 511, 512, false },
        { UINT64_MAX - 3, 512, false },
        { 0, 0, false },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmpint(nvme_log_offset_ok(cases[i].off, cases[i].size), ==,
                        cases[i].ok);
    }
}

/* One dword per LID, LSUPP (bit 0) where the LID is supported. */
static void test_supported(void)
{
    bool lids[256] = { [0x00] = true, [0x02] = true, [0x80] = true,
                       [0xff] = true };
    uint8_t buf[1024];

    memset(buf, 0xee, sizeof(buf));
    g_assert_cmpuint(nvme_log_fill_supported(buf, lids), ==, 1024);
    for (int lid = 0; lid < 256; lid++) {
        g_assert_cmphex(ldl_le_p(buf + lid * 4), ==, lids[lid] ? 1 : 0);
    }
}

static NvmeErrorLog entry(uint16_t cid)
{
    return (NvmeErrorLog) { .cid = cpu_to_le16(cid),
                            .status_field = cpu_to_le16(0x2 << 1) };
}

/*
 * The ring keeps the 64 newest entries; the page lists them newest first
 * with Error Count 1, 2, ... ever; a fresh log is an empty page.
 */
static void test_errlog_ring(void)
{
    static const unsigned adds[] = { 0, 1, 63, 64, 65, 200 };

    for (size_t c = 0; c < G_N_ELEMENTS(adds); c++) {
        g_autofree NvmeErrLog *l = g_new0(NvmeErrLog, 1);
        g_autofree NvmeErrorLog *page = g_new0(NvmeErrorLog,
                                               NVME_ERROR_LOG_ENTRIES);
        unsigned n = adds[c], shown = MIN(n, NVME_ERROR_LOG_ENTRIES);
        NvmeErrorLog zero = { 0 };

        for (unsigned i = 1; i <= n; i++) {
            g_assert_cmpuint(nvme_errlog_add(l, entry(i)), ==, i);
        }
        g_assert_cmpuint(nvme_errlog_fill(l, (uint8_t *)page), ==,
                         NVME_ERROR_LOG_ENTRIES * sizeof(NvmeErrorLog));
        for (unsigned i = 0; i < shown; i++) {
            g_assert_cmpuint(le64_to_cpu(page[i].error_count), ==, n - i);
            g_assert_cmpuint(le16_to_cpu(page[i].cid), ==, n - i);
        }
        for (unsigned i = shown; i < NVME_ERROR_LOG_ENTRIES; i++) {
            g_assert_cmpmem(&page[i], sizeof(zero), &zero, sizeof(zero));
        }
    }
}

/*
 * The phase tag joins an entry's status field once its completion is
 * posted, unless 64 newer errors overwrote the entry meanwhile.
 */
static void test_errlog_phase(void)
{
    g_autofree NvmeErrLog *l = g_new0(NvmeErrLog, 1);
    uint64_t first = nvme_errlog_add(l, entry(1));
    uint64_t second = nvme_errlog_add(l, entry(2));

    nvme_errlog_set_phase(l, second, 1);
    g_assert_cmphex(le16_to_cpu(l->entries[1].status_field), ==, 0x5);
    g_assert_cmphex(le16_to_cpu(l->entries[0].status_field), ==, 0x4);
    for (int i = 0; i < NVME_ERROR_LOG_ENTRIES; i++) {
        nvme_errlog_add(l, entry(100 + i));
    }
    nvme_errlog_set_phase(l, first, 1);     /* overwritten: untouched */
    g_assert_cmphex(le16_to_cpu(l->entries[0].status_field), ==, 0x4);
    nvme_errlog_set_phase(l, 0, 1);         /* no entry */
    for (int i = 0; i < NVME_ERROR_LOG_ENTRIES; i++) {
        g_assert_cmphex(le16_to_cpu(l->entries[i].status_field) & 1, ==,
                        0);
    }
}

/*
 * SMART / Health: Data Units Read/Written count thousands of 512-byte
 * units, rounded up; busy time in minutes and power-on time in hours,
 * rounded down; the other fields as given or fixed.
 */
static void test_smart(void)
{
    static const struct {
        uint64_t units, busy_ns;
        int64_t on_ms;
        uint64_t want_units, want_busy, want_hours;
    } cases[] = {
        { 0, 0, 0, 0, 0, 0 },
        { 1, 59999999999ULL, 3599999, 1, 0, 0 },
        { 1000, 60000000000ULL, 3600000, 1, 1, 1 },
        { 1001, 119999999999ULL, 7199999, 2, 1, 1 },
        { 999999, 3600000000000ULL, 36000000, 1000, 60, 10 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeSmartValues v = {
            .critical_warning = 0x12, .temperature = 296,
            .units_read = cases[i].units, .units_written = cases[i].units * 2,
            .read_cmds = 7, .write_cmds = 8, .busy_ns = cases[i].busy_ns,
            .power_on_ms = cases[i].on_ms, .media_errors = 3,
            .error_count = 65,
        };
        NvmeSmartLog s;

        memset(&s, 0, sizeof(s));
        g_assert_cmpuint(nvme_log_fill_smart((uint8_t *)&s, &v), ==, 512);
        g_assert_cmphex(s.critical_warning, ==, 0x12);
        g_assert_cmpuint(le16_to_cpu(s.temperature), ==, 296);
        g_assert_cmpuint(s.available_spare, ==, 100);
        g_assert_cmpuint(s.available_spare_threshold, ==, 10);
        g_assert_cmpuint(s.percentage_used, ==, 0);
        g_assert_cmpuint(le64_to_cpu(s.data_units_read[0]), ==,
                         cases[i].want_units);
        g_assert_cmpuint(le64_to_cpu(s.data_units_written[0]), ==,
                         DIV_ROUND_UP(cases[i].units * 2, 1000));
        g_assert_cmpuint(le64_to_cpu(s.data_units_read[1]), ==, 0);
        g_assert_cmpuint(le64_to_cpu(s.host_read_commands[0]), ==, 7);
        g_assert_cmpuint(le64_to_cpu(s.host_write_commands[0]), ==, 8);
        g_assert_cmpuint(le64_to_cpu(s.controller_busy_time[0]), ==,
                         cases[i].want_busy);
        g_assert_cmpuint(le64_to_cpu(s.power_cycles[0]), ==, 1);
        g_assert_cmpuint(le64_to_cpu(s.power_on_hours[0]), ==,
                         cases[i].want_hours);
        g_assert_cmpuint(le64_to_cpu(s.media_errors[0]), ==, 3);
        g_assert_cmpuint(le64_to_cpu(s.number_of_error_log_entries[0]), ==,
                         65);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/log-pages/params", test_params);
    g_test_add_func("/log-pages/offset", test_offset);
    g_test_add_func("/log-pages/supported", test_supported);
    g_test_add_func("/log-pages/errlog-ring", test_errlog_ring);
    g_test_add_func("/log-pages/errlog-phase", test_errlog_phase);
    g_test_add_func("/log-pages/smart", test_smart);
    return g_test_run();
}

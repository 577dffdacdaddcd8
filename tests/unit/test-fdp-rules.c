/*
 * Unit tests of hw/nvme/fdp-rules.c: placement identifiers, the fdp.ruhs
 * list, reclaim unit accounting, the event rings and the log pages.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/nvme/fdp-rules.h"

/* RGIF: the fewest bits that number every reclaim group. */
static void test_rgif(void)
{
    static const struct { uint32_t nrg; uint8_t rgif; } rows[] = {
        { 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 2 }, { 5, 3 }, { 8, 3 },
        { 9, 4 }, { 128, 7 }, { 129, 8 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        g_assert_cmpuint(nvme_fdp_rgif(rows[i].nrg), ==, rows[i].rgif);
    }
}

/* The reclaim group in the RGIF high bits, the handle in the rest. */
static void test_pid(void)
{
    static const struct {
        uint16_t pid;
        uint8_t rgif;
        uint16_t nph;
        uint32_t nrg;
        bool ok;
        uint16_t ph, rg;
    } rows[] = {
        { 0x0000, 0, 1, 1, true, 0, 0 },
        { 0x0001, 0, 1, 1, false, 1, 0 },       /* one handle only */
        { 0x0002, 0, 3, 1, true, 2, 0 },
        { 0xffff, 0, 3, 1, false, 0xffff, 0 },
        { 0x8001, 1, 3, 2, true, 1, 1 },        /* group 1, handle 1 */
        { 0x8003, 1, 3, 2, false, 3, 1 },       /* handle 3 of 3 */
        { 0x4000, 2, 1, 3, true, 0, 1 },
        { 0xc000, 2, 1, 3, false, 0, 3 },       /* group 3 of 3 */
        { 0x0100, 8, 4, 129, true, 0, 1 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        uint16_t ph, rg;
        bool ok = nvme_fdp_pid_parse(rows[i].pid, rows[i].rgif, rows[i].nph,
                                     rows[i].nrg, &ph, &rg);

        g_assert_cmpint(ok, ==, rows[i].ok);
        g_assert_cmpuint(ph, ==, rows[i].ph);
        g_assert_cmpuint(rg, ==, rows[i].rg);
        if (ok) {
            g_assert_cmphex(nvme_fdp_pid(ph, rg, rows[i].rgif), ==,
                            rows[i].pid);
        }
    }
}

/* fdp.ruhs: ';'-separated ids and ranges below nruh, each once. */
static void test_ruhs(void)
{
    static const struct {
        const char *list;
        uint16_t nruh;
        int n;
        uint16_t ids[8];
    } rows[] = {
        { "0", 1, 1, { 0 } },
        { "1-3", 8, 3, { 1, 2, 3 } },
        { "0;8-11", 16, 5, { 0, 8, 9, 10, 11 } },
        { "5;2", 8, 2, { 5, 2 } },              /* order kept */
        { "7-7", 8, 1, { 7 } },
        { "8", 8, -1 },                         /* beyond nruh */
        { "0-8", 8, -1 },
        { "1;1", 8, -1 },                       /* twice */
        { "0-2;2", 8, -1 },
        { "3-1", 8, -1 },                       /* backwards */
        { "", 8, -1 },
        { "1;", 8, -1 },
        { ";1", 8, -1 },
        { "1,2", 8, -1 },                       /* not the separator */
        { "a", 8, -1 },
        { "-1", 8, -1 },
        { "99999", 8, -1 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        uint16_t out[NVME_FDP_MAX_NRUH];
        const char *why = NULL;
        int n = nvme_fdp_ruhs_parse(rows[i].list, rows[i].nruh, out,
                                    NVME_FDP_MAX_NRUH, &why);

        g_assert_cmpint(n, ==, rows[i].n);
        if (n < 0) {
            g_assert_nonnull(why);
        }
        for (int j = 0; j < n; j++) {
            g_assert_cmpuint(out[j], ==, rows[i].ids[j]);
        }
    }
}

/* More handles than the caller has room for are refused. */
static void test_ruhs_max(void)
{
    uint16_t out[4];
    const char *why;

    g_assert_cmpint(nvme_fdp_ruhs_parse("0-3", 8, out, 4, &why), ==, 4);
    g_assert_cmpint(nvme_fdp_ruhs_parse("0-4", 8, out, 4, &why), ==, -1);
}

/* Writes fill a unit; a full one is replaced at once by a fresh one. */
static void test_ru_write(void)
{
    static const struct {
        uint64_t avail, bytes;
        uint32_t filled;
        uint64_t left;
    } rows[] = {
        { 1000, 0, 0, 1000 },
        { 1000, 1, 0, 999 },
        { 1000, 999, 0, 1 },
        { 1000, 1000, 1, 1000 },                /* exactly full */
        { 1000, 1001, 1, 999 },
        { 10, 10, 1, 1000 },
        { 10, 11, 1, 999 },
        { 10, 2010, 3, 1000 },                  /* 10 + 2 whole units */
        { 10, 2500, 3, 510 },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        uint64_t avail = rows[i].avail;

        g_assert_cmpuint(nvme_fdp_ru_write(&avail, 1000, rows[i].bytes), ==,
                         rows[i].filled);
        g_assert_cmpuint(avail, ==, rows[i].left);
    }
}

/* RUH Update leaves a written unit (not fully); an empty one stays. */
static void test_ru_update(void)
{
    uint64_t avail = 1000;

    g_assert_false(nvme_fdp_ru_update(&avail, 1000));
    g_assert_cmpuint(avail, ==, 1000);
    nvme_fdp_ru_write(&avail, 1000, 1);
    g_assert_true(nvme_fdp_ru_update(&avail, 1000));
    g_assert_cmpuint(avail, ==, 1000);
}

/* The event types reported, each with its own enable bit. */
static void test_ev_bits(void)
{
    g_assert_cmpint(nvme_fdp_ev_bit(0x00), ==, 0);
    g_assert_cmpint(nvme_fdp_ev_bit(0x03), ==, 1);
    g_assert_cmpint(nvme_fdp_ev_bit(0x81), ==, 2);
    g_assert_cmpint(nvme_fdp_ev_bit(0x01), ==, -1);
    g_assert_cmpint(nvme_fdp_ev_bit(0x02), ==, -1);
    g_assert_cmpint(nvme_fdp_ev_bit(0x80), ==, -1);
    g_assert_cmpint(nvme_fdp_ev_bit(0xff), ==, -1);
}

/* A ring keeps the newest 63 events, reported oldest first. */
static void test_ev_ring(void)
{
    static NvmeFdpEvRing r;
    static uint8_t buf[4096];
    NvmeFdpEventsLog *hdr = (NvmeFdpEventsLog *)buf;
    NvmeFdpEvent *ev = (NvmeFdpEvent *)(hdr + 1);

    g_assert_cmpuint(nvme_fdp_ev_fill(&r, buf), ==, 64);
    g_assert_cmpuint(le32_to_cpu(hdr->num_events), ==, 0);
    for (unsigned i = 0; i < 70; i++) {
        NvmeFdpEvent e = { .type = 0x81, .pid = cpu_to_le16(i) };

        nvme_fdp_ev_push(&r, &e);
        if (i == 1) {
            g_assert_cmpuint(nvme_fdp_ev_fill(&r, buf), ==, 64 + 2 * 64);
            g_assert_cmpuint(le16_to_cpu(ev[1].pid), ==, 1);
        }
    }
    g_assert_cmpuint(nvme_fdp_ev_fill(&r, buf), ==, 4096);
    g_assert_cmpuint(le32_to_cpu(hdr->num_events), ==, 63);
    g_assert_cmpuint(le16_to_cpu(ev[0].pid), ==, 7);
    g_assert_cmpuint(le16_to_cpu(ev[62].pid), ==, 69);
}

/* Log page 20h: one valid configuration, RGIF, sizes, handle types. */
static void test_confs(void)
{
    NvmeFdpGeo g = { .nrg = 2, .nruh = 8, .runs = 96 << 20, .rgif = 1,
                     .nnss = 256 };
    uint8_t buf[4096] = { 0 };
    NvmeFdpConfsHdr *hdr = (NvmeFdpConfsHdr *)buf;
    NvmeFdpDescrHdr *d = (NvmeFdpDescrHdr *)(hdr + 1);
    NvmeRuhDescr *ruh = (NvmeRuhDescr *)(d + 1);
    size_t size = nvme_fdp_confs_fill(&g, buf);

    g_assert_cmpuint(size, ==, 16 + 64 + 8 * 4);
    g_assert_cmpuint(size, ==, nvme_fdp_confs_size(&g));
    g_assert_cmpuint(le16_to_cpu(hdr->num_confs), ==, 0);
    g_assert_cmpuint(le32_to_cpu(hdr->size), ==, size);
    g_assert_cmpuint(le16_to_cpu(d->descr_size), ==, 64 + 8 * 4);
    g_assert_cmphex(d->fdpa, ==, 0x81);         /* valid, RGIF 1 */
    g_assert_cmpuint(le32_to_cpu(d->nrg), ==, 2);
    g_assert_cmpuint(le16_to_cpu(d->nruh), ==, 8);
    g_assert_cmpuint(le16_to_cpu(d->maxpids), ==, 7);
    g_assert_cmpuint(le32_to_cpu(d->nnss), ==, 256);
    g_assert_cmpuint(le64_to_cpu(d->runs), ==, 96 << 20);
    for (int i = 0; i < 8; i++) {
        g_assert_cmpuint(ruh[i].ruht, ==, NVME_RUHT_INITIALLY_ISOLATED);
    }
    g_assert_cmpuint(buf[size], ==, 0);
}

/* Log page 22h: three 128-bit counters. */
static void test_stats(void)
{
    uint8_t buf[64];
    NvmeFdpStatsLog *log = (NvmeFdpStatsLog *)buf;

    memset(buf, 0xff, sizeof(buf));
    g_assert_cmpuint(nvme_fdp_stats_fill(1, 2, 3, buf), ==, 64);
    g_assert_cmpuint(le64_to_cpu(log->hbmw[0]), ==, 1);
    g_assert_cmpuint(le64_to_cpu(log->hbmw[1]), ==, 0);
    g_assert_cmpuint(le64_to_cpu(log->mbmw[0]), ==, 2);
    g_assert_cmpuint(le64_to_cpu(log->mbe[0]), ==, 3);
    g_assert_cmpuint(buf[63], ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fdp-rules/rgif", test_rgif);
    g_test_add_func("/fdp-rules/pid", test_pid);
    g_test_add_func("/fdp-rules/ruhs", test_ruhs);
    g_test_add_func("/fdp-rules/ruhs-max", test_ruhs_max);
    g_test_add_func("/fdp-rules/ru-write", test_ru_write);
    g_test_add_func("/fdp-rules/ru-update", test_ru_update);
    g_test_add_func("/fdp-rules/ev-bits", test_ev_bits);
    g_test_add_func("/fdp-rules/ev-ring", test_ev_ring);
    g_test_add_func("/fdp-rules/confs", test_confs);
    g_test_add_func("/fdp-rules/stats", test_stats);
    return g_test_run();
}

/*
 * Unit tests of hw/nvme/zns-sm.c: the zone state machine of the Zoned
 * Namespace Command Set, its resources and its write rules.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/zns-sm.h"

#define E       NVME_ZONE_STATE_EMPTY
#define IO      NVME_ZONE_STATE_IMPLICITLY_OPEN
#define EO      NVME_ZONE_STATE_EXPLICITLY_OPEN
#define C       NVME_ZONE_STATE_CLOSED
#define RO      NVME_ZONE_STATE_READ_ONLY
#define F       NVME_ZONE_STATE_FULL
#define O       NVME_ZONE_STATE_OFFLINE
#define TRANS   NVME_ZONE_INVAL_TRANSITION

#define ZSLBA   0x1000
#define ZSZE    0x100
#define ZCAP    0xc0

static const NvmeZoneGeo geo = {
    .zsze = ZSZE, .zcap = ZCAP, .nr_zones = 16, .zrwas = 16, .zrwafg = 4,
};

/* Open and active resources a zone in @state holds. */
static void held(uint8_t state, uint32_t *open, uint32_t *active)
{
    *open = state == IO || state == EO;
    *active = *open || state == C;
}

/*
 * Every action from every state, with free resources: the new state or
 * the status, and the resources before and after agree with the states.
 */
static void test_transitions(void)
{
    static const uint8_t states[] = { E, IO, EO, C, RO, F, O };
    static const struct {
        NvmeZsmAction a;
        uint8_t to[7];          /* per state above; 0: refused */
        uint16_t status;        /* of the refusals */
    } rows[] = {
        { NVME_ZSM_OPEN,    { EO, EO, EO, EO, 0, 0, 0 }, TRANS },
        { NVME_ZSM_CLOSE,   { 0, C, C, C, 0, 0, 0 }, TRANS },
        { NVME_ZSM_FINISH,  { F, F, F, F, 0, F, 0 }, TRANS },
        { NVME_ZSM_RESET,   { E, E, E, E, 0, E, 0 }, TRANS },
        { NVME_ZSM_OFFLINE, { 0, 0, 0, 0, O, 0, O }, TRANS },
        { NVME_ZSM_SET_ZDE, { C, 0, 0, 0, 0, 0, 0 }, TRANS },
        { NVME_ZSM_MAKE_OFFLINE, { O, O, O, O, O, O, O }, 0 },
        { NVME_ZSM_POWER_ON, { E, C, C, C, RO, F, O }, 0 },
    };

    for (size_t r = 0; r < G_N_ELEMENTS(rows); r++) {
        for (size_t s = 0; s < G_N_ELEMENTS(states); s++) {
            NvmeZoneRes res = { 0 };
            NvmeZoneSm z = { .wp = ZSLBA + 8, .state = states[s] };
            uint32_t open, active;
            uint16_t st;

            held(states[s], &res.open, &res.active);
            st = nvme_zsm_apply(&geo, &res, &z, ZSLBA, rows[r].a);
            if (!rows[r].to[s]) {
                g_assert_cmphex(st, ==, rows[r].status);
                g_assert_cmphex(z.state, ==, states[s]);
                continue;
            }
            g_assert_cmphex(st, ==, 0);
            g_assert_cmphex(z.state, ==, rows[r].to[s]);
            held(z.state, &open, &active);
            g_assert_cmpuint(res.open, ==, open);
            g_assert_cmpuint(res.active, ==, active);
        }
    }
}

/* A write opens a zone implicitly, or says why it cannot. */
static void test_write_open(void)
{
    static const struct {
        uint8_t from;
        uint16_t status;
        uint8_t to;
    } rows[] = {
        { E, 0, IO }, { C, 0, IO }, { IO, 0, IO }, { EO, 0, EO },
        { F, NVME_ZONE_FULL, F }, { RO, NVME_ZONE_READ_ONLY, RO },
        { O, NVME_ZONE_OFFLINE, O },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        NvmeZoneRes res = { 0 };
        NvmeZoneSm z = { .wp = ZSLBA, .state = rows[i].from };

        held(rows[i].from, &res.open, &res.active);
        g_assert_cmphex(nvme_zsm_apply(&geo, &res, &z, ZSLBA,
                                       NVME_ZSM_WRITE), ==, rows[i].status);
        g_assert_cmphex(z.state, ==, rows[i].to);
    }
}

/*
 * Limits: active first, then open; a refused transition changes nothing;
 * a full open limit alone is what closing an implicitly opened zone can
 * fix.
 */
static void test_limits(void)
{
    static const struct {
        uint8_t from;
        uint32_t open, active, max_open, max_active;
        NvmeZsmAction a;
        uint16_t status;
    } rows[] = {
        { E, 0, 2, 0, 2, NVME_ZSM_WRITE, NVME_ZONE_TOO_MANY_ACTIVE },
        { E, 2, 2, 2, 0, NVME_ZSM_WRITE, NVME_ZONE_TOO_MANY_OPEN },
        { E, 2, 2, 2, 2, NVME_ZSM_OPEN, NVME_ZONE_TOO_MANY_ACTIVE },
        { C, 2, 3, 2, 3, NVME_ZSM_WRITE, NVME_ZONE_TOO_MANY_OPEN },
        { C, 1, 3, 2, 3, NVME_ZSM_OPEN, 0 },        /* already active */
        { E, 0, 1, 0, 1, NVME_ZSM_SET_ZDE, NVME_ZONE_TOO_MANY_ACTIVE },
        { E, 5, 7, 0, 0, NVME_ZSM_OPEN, 0 },        /* 0: no limit */
        { IO, 2, 2, 2, 2, NVME_ZSM_OPEN, 0 },       /* holds its own */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        NvmeZoneRes res = {
            .open = rows[i].open, .active = rows[i].active,
            .max_open = rows[i].max_open, .max_active = rows[i].max_active,
        };
        NvmeZoneSm z = { .wp = ZSLBA, .state = rows[i].from };
        NvmeZoneRes before = res;

        g_assert_cmphex(nvme_zsm_apply(&geo, &res, &z, ZSLBA, rows[i].a), ==,
                        rows[i].status);
        if (rows[i].status) {
            g_assert_cmphex(z.state, ==, rows[i].from);
            g_assert_cmpmem(&res, sizeof(res), &before, sizeof(before));
        }
    }
}

/* ZRWA resources: taken when an Empty zone opens with one, given back. */
static void test_zrwa_resources(void)
{
    NvmeZoneRes res = { .max_zrwa = 1 };
    NvmeZoneSm a = { .wp = ZSLBA, .state = E };
    NvmeZoneSm b = { .wp = ZSLBA + ZSZE, .state = E };
    NvmeZoneSm c = { .wp = ZSLBA + 8, .state = C };

    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &a, ZSLBA,
                                   NVME_ZSM_OPEN_ZRWA), ==, 0);
    g_assert_cmphex(a.attrs & NVME_ZA_ZRWA_VALID, ==, NVME_ZA_ZRWA_VALID);
    g_assert_cmpuint(res.zrwa, ==, 1);
    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &b, ZSLBA + ZSZE,
                                   NVME_ZSM_OPEN_ZRWA), ==, NVME_NOZRWA);
    g_assert_cmphex(b.state, ==, E);
    g_assert_cmpuint(res.active, ==, 1);
    /* only an Empty zone gets one */
    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &c, ZSLBA,
                                   NVME_ZSM_OPEN_ZRWA), ==, TRANS);
    /* Finish gives it back; Reset clears every attribute */
    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &a, ZSLBA, NVME_ZSM_FINISH),
                    ==, 0);
    g_assert_cmpuint(res.zrwa, ==, 0);
    g_assert_cmphex(a.attrs, ==, 0);
    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &b, ZSLBA + ZSZE,
                                   NVME_ZSM_OPEN_ZRWA), ==, 0);
    b.attrs |= NVME_ZA_ZD_EXT_VALID;
    g_assert_cmphex(nvme_zsm_apply(&geo, &res, &b, ZSLBA + ZSZE,
                                   NVME_ZSM_RESET), ==, 0);
    g_assert_cmpuint(res.zrwa, ==, 0);
    g_assert_cmpuint(res.open, ==, 0);
    g_assert_cmphex(b.attrs, ==, 0);
    g_assert_cmpuint(b.wp, ==, ZSLBA + ZSZE);
}

/* Where a write may go in a zone without a ZRWA, and what it does. */
static void test_write_check(void)
{
    static const struct {
        uint8_t state;
        uint64_t wp, slba, nlb;
        bool append;
        uint16_t status;
        uint64_t at, new_wp;
        bool open, fill;
    } rows[] = {
        { E, ZSLBA, ZSLBA, 8, false, 0, ZSLBA, ZSLBA + 8, true, false },
        { IO, ZSLBA + 8, ZSLBA + 8, 8, false, 0, ZSLBA + 8, ZSLBA + 16,
          false, false },
        { C, ZSLBA + 8, ZSLBA + 8, 8, false, 0, ZSLBA + 8, ZSLBA + 16,
          true, false },
        /* up to the capacity exactly: fills */
        { EO, ZSLBA + 8, ZSLBA + 8, ZCAP - 8, false, 0, ZSLBA + 8,
          ZSLBA + ZCAP, false, true },
        { EO, ZSLBA + 8, ZSLBA + 8, ZCAP - 7, false,
          NVME_ZONE_BOUNDARY_ERROR },
        { IO, ZSLBA + 8, ZSLBA, 8, false, NVME_ZONE_INVALID_WRITE },
        { IO, ZSLBA + 8, ZSLBA + 16, 8, false, NVME_ZONE_INVALID_WRITE },
        /* not at the write pointer and past the capacity: invalid write */
        { IO, ZSLBA + 8, ZSLBA + ZCAP, 8, false, NVME_ZONE_INVALID_WRITE },
        /* Zone Append: at the write pointer, wherever SLBA points */
        { IO, ZSLBA + 24, ZSLBA, 8, true, 0, ZSLBA + 24, ZSLBA + 32, false,
          false },
        { IO, ZSLBA + 24, ZSLBA, ZCAP - 23, true,
          NVME_ZONE_BOUNDARY_ERROR },
        { F, ZSLBA + ZCAP, ZSLBA, 8, true, NVME_ZONE_FULL },
        { RO, ZSLBA, ZSLBA, 8, false, NVME_ZONE_READ_ONLY },
        { O, ZSLBA, ZSLBA, 8, false, NVME_ZONE_OFFLINE },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        NvmeZoneSm z = { .wp = rows[i].wp, .state = rows[i].state };
        NvmeZsmWrite w;

        g_assert_cmphex(nvme_zsm_write_check(&geo, &z, ZSLBA, rows[i].slba,
                                             rows[i].nlb, rows[i].append,
                                             &w), ==, rows[i].status);
        if (!rows[i].status) {
            g_assert_cmphex(w.slba, ==, rows[i].at);
            g_assert_cmphex(w.new_wp, ==, rows[i].new_wp);
            g_assert_cmpint(w.open, ==, rows[i].open);
            g_assert_cmpint(w.fill, ==, rows[i].fill);
        }
    }
}

/*
 * A ZRWA of 16 blocks, flush granularity 4: anywhere in [WP, WP + 16);
 * ending in [WP + 16, WP + 32) moves WP by whole granules; Zone Append
 * is not for such a zone.
 */
static void test_zrwa_writes(void)
{
    static const struct {
        uint64_t wp, slba, nlb;
        uint16_t status;
        uint64_t new_wp;
    } rows[] = {
        { ZSLBA, ZSLBA + 8, 8, 0, ZSLBA },
        { ZSLBA, ZSLBA, 16, 0, ZSLBA },
        { ZSLBA, ZSLBA + 15, 1, 0, ZSLBA },
        { ZSLBA, ZSLBA + 12, 5, 0, ZSLBA + 4 },     /* 1 past: a granule */
        { ZSLBA, ZSLBA + 16, 5, 0, ZSLBA + 8 },
        { ZSLBA, ZSLBA + 16, 16, 0, ZSLBA + 16 },
        { ZSLBA, ZSLBA + 20, 13, NVME_ZONE_INVALID_WRITE },  /* past IZFR */
        { ZSLBA + 8, ZSLBA + 4, 8, NVME_ZONE_INVALID_WRITE }, /* below WP */
        /* near the capacity: the window and IZFR shrink, no flush past it */
        { ZSLBA + ZCAP - 8, ZSLBA + ZCAP - 8, 8, 0, ZSLBA + ZCAP - 8 },
        { ZSLBA + ZCAP - 8, ZSLBA + ZCAP - 8, 9, NVME_ZONE_BOUNDARY_ERROR },
        { ZSLBA + ZCAP - 20, ZSLBA + ZCAP - 4, 4, 0, ZSLBA + ZCAP - 16 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        NvmeZoneSm z = {
            .wp = rows[i].wp, .state = EO, .attrs = NVME_ZA_ZRWA_VALID,
        };
        NvmeZsmWrite w;

        g_assert_cmphex(nvme_zsm_write_check(&geo, &z, ZSLBA, rows[i].slba,
                                             rows[i].nlb, false, &w), ==,
                        rows[i].status);
        if (!rows[i].status) {
            g_assert_cmphex(w.new_wp, ==, rows[i].new_wp);
            g_assert_cmpint(w.fill, ==, w.new_wp == ZSLBA + ZCAP);
        }
    }
    {
        NvmeZoneSm z = { .wp = ZSLBA, .state = EO,
                         .attrs = NVME_ZA_ZRWA_VALID };
        NvmeZsmWrite w;

        g_assert_cmphex(nvme_zsm_write_check(&geo, &z, ZSLBA, ZSLBA, 4, true,
                                             &w), ==, NVME_INVALID_ZONE_OP);
    }
}

/* ZRWA Flush up to and including ELBA. */
static void test_zrwa_flush(void)
{
    static const struct {
        uint8_t state, attrs;
        uint64_t wp, elba;
        uint16_t status;
        uint64_t new_wp;
    } rows[] = {
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 3, 0, ZSLBA + 4 },
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 15, 0, ZSLBA + 16 },
        { C, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 7, 0, ZSLBA + 8 },
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 5, NVME_INVALID_FIELD },
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 16,
          NVME_ZONE_BOUNDARY_ERROR },
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA + 8, ZSLBA + 4,
          NVME_ZONE_BOUNDARY_ERROR },
        /* the last blocks of the capacity: whatever is left */
        { EO, NVME_ZA_ZRWA_VALID, ZSLBA + ZCAP - 6, ZSLBA + ZCAP - 1, 0,
          ZSLBA + ZCAP },
        { EO, 0, ZSLBA, ZSLBA + 3, NVME_INVALID_ZONE_OP },
        { E, NVME_ZA_ZRWA_VALID, ZSLBA, ZSLBA + 3, NVME_INVALID_ZONE_OP },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
        NvmeZoneSm z = {
            .wp = rows[i].wp, .state = rows[i].state, .attrs = rows[i].attrs,
        };
        uint64_t wp = 0;

        g_assert_cmphex(nvme_zsm_zrwa_flush(&geo, &z, ZSLBA, rows[i].elba,
                                            &wp), ==, rows[i].status);
        if (!rows[i].status) {
            g_assert_cmphex(wp, ==, rows[i].new_wp);
        }
    }
}

/*
 * Select All, the report filters, the write pointer a report shows.  The
 * states in the order of the reporting options 1-7.
 */
static void test_selection(void)
{
    static const uint8_t states[] = { E, IO, EO, C, F, RO, O };
    static const struct {
        NvmeZsmAction a;
        bool hit[7];
    } all[] = {
        { NVME_ZSM_OPEN,    { 0, 0, 0, 1, 0, 0, 0 } },
        { NVME_ZSM_CLOSE,   { 0, 1, 1, 0, 0, 0, 0 } },
        { NVME_ZSM_FINISH,  { 0, 1, 1, 1, 0, 0, 0 } },
        { NVME_ZSM_RESET,   { 0, 1, 1, 1, 1, 0, 0 } },
        { NVME_ZSM_OFFLINE, { 0, 0, 0, 0, 0, 1, 0 } },
        { NVME_ZSM_SET_ZDE, { 0, 0, 0, 0, 0, 0, 0 } },
    };

    for (size_t r = 0; r < G_N_ELEMENTS(all); r++) {
        for (size_t s = 0; s < G_N_ELEMENTS(states); s++) {
            g_assert_cmpint(nvme_zsm_select_all(all[r].a, states[s]), ==,
                            all[r].hit[s]);
        }
    }
    /* filter 0 is every zone, 1-7 one state each, the rest none */
    for (size_t s = 0; s < G_N_ELEMENTS(states); s++) {
        NvmeZoneSm z = { .wp = ZSLBA + 8, .state = states[s] };
        bool no_wp = states[s] == RO || states[s] == F || states[s] == O;

        g_assert_true(nvme_zsm_report_match(0, states[s]));
        for (uint8_t f = 1; f < 16; f++) {
            g_assert_cmpint(nvme_zsm_report_match(f, states[s]), ==,
                            f == s + 1);
        }
        g_assert_cmphex(nvme_zsm_report_wp(&z), ==,
                        no_wp ? UINT64_MAX : ZSLBA + 8);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/zns-sm/transitions", test_transitions);
    g_test_add_func("/zns-sm/write-open", test_write_open);
    g_test_add_func("/zns-sm/limits", test_limits);
    g_test_add_func("/zns-sm/zrwa-resources", test_zrwa_resources);
    g_test_add_func("/zns-sm/write-check", test_write_check);
    g_test_add_func("/zns-sm/zrwa-writes", test_zrwa_writes);
    g_test_add_func("/zns-sm/zrwa-flush", test_zrwa_flush);
    g_test_add_func("/zns-sm/selection", test_selection);
    return g_test_run();
}

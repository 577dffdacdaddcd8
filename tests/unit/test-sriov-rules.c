/*
 * Unit tests of hw/nvme/sriov-rules.c: Virtualization Management's
 * resource rules (NVMe Base 2.1, Virtualization Management command) and
 * the check of an incoming primary's state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/sriov-rules.h"

#define VQ          NVME_VIRT_RES_QUEUE
#define VI          NVME_VIRT_RES_INTERRUPT
#define OK          NVME_SUCCESS
#define NUM_RES     (NVME_INVALID_NUM_RESOURCES | NVME_DNR)
#define SEC_STATE   (NVME_INVALID_SEC_CTRL_STATE | NVME_DNR)

/*
 * The configuration of the qtests: 4 VFs, 8 flexible VQ and 4 VI, at
 * most 4 VQ and 2 VI per VF; nothing allocated.
 */
static NvmeSriov pool(NvmeSecCtrl sec[4])
{
    memset(sec, 0, 4 * sizeof(*sec));
    return (NvmeSriov) {
        .max_vfs = 4, .vq_flexible = 8, .vi_flexible = 4,
        .max_vq_per_vf = 4, .max_vi_per_vf = 2, .sec = sec,
    };
}

static void test_assigned(void)
{
    NvmeSecCtrl sec[4];
    NvmeSriov s = pool(sec);

    sec[0] = (NvmeSecCtrl) { .nvq = 3, .nvi = 2 };
    sec[2] = (NvmeSecCtrl) { .nvq = 2, .nvi = 1 };
    g_assert_cmpuint(nvme_sriov_assigned(&s, VQ, -1), ==, 5);
    g_assert_cmpuint(nvme_sriov_assigned(&s, VI, -1), ==, 3);
    g_assert_cmpuint(nvme_sriov_assigned(&s, VQ, 0), ==, 2);
    g_assert_cmpuint(nvme_sriov_assigned(&s, VI, 2), ==, 2);
}

/* Action 1h: at most what the secondaries leave of the pool. */
static void test_prim_alloc(void)
{
    NvmeSecCtrl sec[4];
    NvmeSriov s = pool(sec);

    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VQ, 8), ==, OK);
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VQ, 9), ==, NUM_RES);
    sec[1].nvq = 5;
    sec[3].nvi = 3;
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VQ, 3), ==, OK);
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VQ, 4), ==, NUM_RES);
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VI, 1), ==, OK);
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VI, 2), ==, NUM_RES);
    /* the primary's own current allocation does not count against it */
    s.vqrfap = 3;
    g_assert_cmphex(nvme_sriov_check_prim_alloc(&s, VQ, 3), ==, OK);
}

/*
 * Action 8h: an offline secondary only; at most VQFRSM/VIFRSM; what it
 * had is replaced; the primary's current or pending allocation,
 * whichever is larger, stays reserved.
 */
static void test_assign(void)
{
    static const struct {
        uint16_t vqrfap, vqrfap_next;
        uint16_t other_nvq, own_nvq;
        uint16_t nr;
        uint16_t status;
    } cases[] = {
        { 0, 0, 0, 0, 4, OK },
        { 0, 0, 0, 0, 5, NUM_RES },         /* above VQFRSM */
        { 0, 0, 4, 0, 4, OK },              /* the whole pool */
        { 0, 0, 5, 0, 4, NUM_RES },
        { 0, 0, 4, 3, 4, OK },              /* its 3 are replaced */
        { 2, 0, 4, 0, 2, OK },
        { 2, 0, 4, 0, 3, NUM_RES },         /* the primary's current */
        { 0, 3, 4, 0, 2, NUM_RES },         /* ... or pending */
        { 3, 1, 4, 0, 1, OK },
    };

    for (unsigned k = 0; k < G_N_ELEMENTS(cases); k++) {
        NvmeSecCtrl sec[4];
        NvmeSriov s = pool(sec);

        s.vqrfap = cases[k].vqrfap;
        s.vqrfap_next = cases[k].vqrfap_next;
        sec[1].nvq = cases[k].other_nvq;
        sec[0].nvq = cases[k].own_nvq;
        if (g_test_verbose()) {
            g_test_message("case %u", k);
        }
        g_assert_cmphex(nvme_sriov_check_assign(&s, 0, VQ, cases[k].nr), ==,
                        cases[k].status);
    }
    {
        NvmeSecCtrl sec[4];
        NvmeSriov s = pool(sec);

        g_assert_cmphex(nvme_sriov_check_assign(&s, 2, VI, 2), ==, OK);
        g_assert_cmphex(nvme_sriov_check_assign(&s, 2, VI, 3), ==, NUM_RES);
        sec[2] = (NvmeSecCtrl) { .online = true, .nvq = 2, .nvi = 1 };
        g_assert_cmphex(nvme_sriov_check_assign(&s, 2, VI, 1), ==,
                        SEC_STATE);
        g_assert_cmphex(nvme_sriov_check_assign(&s, 2, VQ, 0), ==,
                        SEC_STATE);
    }
}

/* Action 9h: the VF enabled, 2 VQ (admin + one I/O pair) and 1 VI. */
static void test_online(void)
{
    NvmeSecCtrl sec[4];
    NvmeSriov s = pool(sec);

    sec[1] = (NvmeSecCtrl) { .nvq = 2, .nvi = 1 };
    g_assert_cmphex(nvme_sriov_check_online(&s, 1, 2), ==, OK);
    g_assert_cmphex(nvme_sriov_check_online(&s, 1, 1), ==, SEC_STATE);
    g_assert_cmphex(nvme_sriov_check_online(&s, 1, 0), ==, SEC_STATE);
    sec[1].nvq = 1;
    g_assert_cmphex(nvme_sriov_check_online(&s, 1, 4), ==, SEC_STATE);
    sec[1] = (NvmeSecCtrl) { .nvq = 4, .nvi = 0 };
    g_assert_cmphex(nvme_sriov_check_online(&s, 1, 4), ==, SEC_STATE);
}

/* An incoming primary: each state the actions cannot produce is named. */
static void test_state(void)
{
    NvmeSecCtrl sec[4];
    NvmeSriov s = pool(sec);

    /* a valid state: two VFs enabled, one online, allocations pending */
    sec[0] = (NvmeSecCtrl) { .online = true, .nvq = 3, .nvi = 2 };
    sec[1] = (NvmeSecCtrl) { .nvq = 2, .nvi = 1 };
    s.vfs_enabled = 2;
    s.vqrfap_next = 3;
    s.virfap_next = 1;
    g_assert_null(nvme_sriov_state_invalid(&s, 2));
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 1), "enabled"));

    sec[0].nvq = 5;
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "per_vf"));
    sec[0].nvq = 3;
    sec[1].nvi = 3;
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "per_vf"));
    sec[1].nvi = 1;

    sec[1].online = true;
    g_assert_null(nvme_sriov_state_invalid(&s, 2));
    sec[1].nvi = 0;
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "online"));
    sec[1] = (NvmeSecCtrl) { .nvq = 2, .nvi = 1 };
    sec[3].online = true;               /* VF 4 is not enabled */
    sec[3].nvq = 2;
    sec[3].nvi = 1;
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "online"));
    sec[3] = (NvmeSecCtrl) { 0 };

    s.vqrfap = 4;                       /* 4 + 5 > 8 */
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "pool"));
    s.vqrfap = 3;
    g_assert_null(nvme_sriov_state_invalid(&s, 2));
    s.virfap_next = 2;                  /* 2 + 3 > 4 */
    g_assert_nonnull(strstr(nvme_sriov_state_invalid(&s, 2), "pool"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sriov-rules/assigned", test_assigned);
    g_test_add_func("/sriov-rules/prim-alloc", test_prim_alloc);
    g_test_add_func("/sriov-rules/assign", test_assign);
    g_test_add_func("/sriov-rules/online", test_online);
    g_test_add_func("/sriov-rules/state", test_state);
    return g_test_run();
}

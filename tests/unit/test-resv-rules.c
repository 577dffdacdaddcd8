/*
 * Unit tests of hw/nvme/resv-rules.c: the reservation command behaviour
 * table against the specification's table, row by row.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/resv-rules.h"

/* NVMe Base 2.0, Command Behavior in the Presence of a Reservation. */
static const struct {
    uint8_t rtype;
    const char *name;
    /* read, write for holder, registrant, non-registrant */
    bool allow[3][2];
} rows[] = {
    { NVME_RESV_WE, "Write Exclusive",
      { { true, true }, { true, false }, { true, false } } },
    { NVME_RESV_EA, "Exclusive Access",
      { { true, true }, { false, false }, { false, false } } },
    { NVME_RESV_WE_RO, "Write Exclusive - Registrants Only",
      { { true, true }, { true, true }, { true, false } } },
    { NVME_RESV_EA_RO, "Exclusive Access - Registrants Only",
      { { true, true }, { true, true }, { false, false } } },
    { NVME_RESV_WE_AR, "Write Exclusive - All Registrants",
      { { true, true }, { true, true }, { true, false } } },
    { NVME_RESV_EA_AR, "Exclusive Access - All Registrants",
      { { true, true }, { true, true }, { false, false } } },
};

static void test_table(void)
{
    static const NvmeResvRole roles[] = {
        NVME_RESV_HOLDER, NVME_RESV_REGISTRANT, NVME_RESV_NON_REGISTRANT,
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        for (unsigned r = 0; r < 3; r++) {
            if (g_test_verbose()) {
                g_test_message("%s, role %u", rows[i].name, r);
            }
            g_assert_cmpint(nvme_resv_allows(rows[i].rtype, roles[r],
                                             NVME_RESV_GRP_READ), ==,
                            rows[i].allow[r][0]);
            g_assert_cmpint(nvme_resv_allows(rows[i].rtype, roles[r],
                                             NVME_RESV_GRP_WRITE), ==,
                            rows[i].allow[r][1]);
            /* the scope flags do not change the group */
            g_assert_cmpint(nvme_resv_allows(rows[i].rtype, roles[r],
                                             NVME_RESV_GRP_WRITE |
                                             NVME_RESV_SUBSYS), ==,
                            rows[i].allow[r][1]);
            /* commands outside the groups always run */
            g_assert_true(nvme_resv_allows(rows[i].rtype, roles[r],
                                           NVME_RESV_GRP_NONE));
        }
    }
}

static void test_no_reservation(void)
{
    for (NvmeResvRole r = NVME_RESV_HOLDER; r <= NVME_RESV_NON_REGISTRANT;
         r++) {
        g_assert_true(nvme_resv_allows(NVME_RESV_NONE, r,
                                       NVME_RESV_GRP_READ));
        g_assert_true(nvme_resv_allows(NVME_RESV_NONE, r,
                                       NVME_RESV_GRP_WRITE));
    }
}

/* Who is a holder: the holding registrant; every one for All Registrants. */
static void test_roles(void)
{
    for (uint8_t t = NVME_RESV_WE; t < NVME_RESV_TYPES; t++) {
        bool ar = t == NVME_RESV_WE_AR || t == NVME_RESV_EA_AR;

        g_assert_cmpint(nvme_resv_all_regs(t), ==, ar);
        g_assert_cmpint(nvme_resv_role(t, true, true), ==, NVME_RESV_HOLDER);
        g_assert_cmpint(nvme_resv_role(t, true, false), ==,
                        ar ? NVME_RESV_HOLDER : NVME_RESV_REGISTRANT);
        g_assert_cmpint(nvme_resv_role(t, false, false), ==,
                        NVME_RESV_NON_REGISTRANT);
    }
    g_assert_cmpint(nvme_resv_role(NVME_RESV_NONE, true, false), ==,
                    NVME_RESV_REGISTRANT);
}

/* States that cannot exist are refused rather than allowed. */
static void test_out_of_range(void)
{
    g_assert_false(nvme_resv_allows(7, NVME_RESV_HOLDER,
                                    NVME_RESV_GRP_READ));
    g_assert_false(nvme_resv_allows(NVME_RESV_WE, NVME_RESV_HOLDER, 3));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/resv-rules/table", test_table);
    g_test_add_func("/resv-rules/no_reservation", test_no_reservation);
    g_test_add_func("/resv-rules/roles", test_roles);
    g_test_add_func("/resv-rules/out_of_range", test_out_of_range);
    return g_test_run();
}

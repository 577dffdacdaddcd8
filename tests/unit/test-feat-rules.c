/*
 * Unit tests of hw/nvme/feat-rules.c: Get / Set Features capabilities,
 * value checks, stored values, defaults and saved values (NVMe Base 2.1,
 * 5.1.11 Get Features, 5.1.25 Set Features, 5.1.25.1 the features).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitmap.h"
#include "hw/nvme/feat-rules.h"

#define SAVEABLE    (NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_SAVE)
#define INVALID     (NVME_INVALID_FIELD | NVME_DNR)

static const NvmeFeatLimits limits = {
    .max_ioq = 63, .vectors = 4, .temp_warn = 343, .vwc = true,
};

/* Which FIDs exist and what SEL 011b reports for each. */
static void test_caps(void)
{
    static const struct {
        uint8_t fid;
        uint8_t caps;
    } cases[] = {
        { 0x00, 0 },
        { NVME_ARBITRATION, SAVEABLE },
        { NVME_POWER_MANAGEMENT, SAVEABLE },
        { 0x03, 0 },                            /* LBA Range Type */
        { NVME_TEMPERATURE_THRESHOLD, SAVEABLE },
        { NVME_ERROR_RECOVERY, NVME_FEAT_CAP_CHANGE },
        { NVME_VOLATILE_WRITE_CACHE, SAVEABLE },
        { NVME_NUMBER_OF_QUEUES, NVME_FEAT_CAP_CHANGE },
        { NVME_INTERRUPT_COALESCING, NVME_FEAT_CAP_CHANGE },
        { NVME_INTERRUPT_VECTOR_CONF, NVME_FEAT_CAP_CHANGE },
        { NVME_WRITE_ATOMICITY, NVME_FEAT_CAP_CHANGE },
        { NVME_ASYNCHRONOUS_EVENT_CONF, NVME_FEAT_CAP_CHANGE },
        { 0x0c, 0 },                            /* APST */
        { NVME_TIMESTAMP, NVME_FEAT_CAP_CHANGE },
        { NVME_FEAT_KEEP_ALIVE, NVME_FEAT_CAP_CHANGE },
        { NVME_HOST_BEHAVIOR_SUPPORT, NVME_FEAT_CAP_CHANGE },
        { NVME_COMMAND_SET_PROFILE, NVME_FEAT_CAP_CHANGE },
        { NVME_FEAT_HOST_ID, NVME_FEAT_CAP_CHANGE },
        { NVME_FEAT_RESV_MASK, NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_NS },
        { NVME_FEAT_RESV_PERSIST, NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_NS },
        { 0x15, NVME_FEAT_CAP_CHANGE },         /* LBA Status Info. Attr. */
        { 0xc0, 0 },                            /* vendor specific */
        { 0xff, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_assert_cmphex(nvme_feat_caps(cases[i].fid), ==, cases[i].caps);
    }
}

/*
 * Get Features: an unsupported FID is Invalid Field at CDW10 byte 40
 * before SEL is looked at; SEL 100b-111b are reserved (byte 41).  Set
 * Features: Save of a feature that cannot be saved is FID Not Saveable.
 */
static void test_command_checks(void)
{
    static const struct {
        bool set;
        uint8_t fid, sel;
        bool save;
        uint16_t status;
        uint8_t byte, bit;
    } cases[] = {
        { false, NVME_ARBITRATION, 0, false, 0, 0, 0 },
        { false, NVME_ARBITRATION, 3, false, 0, 0, 0 },
        { false, NVME_ARBITRATION, 4, false, INVALID, 41, 0 },
        { false, NVME_ARBITRATION, 7, false, INVALID, 41, 0 },
        { false, 0x03, 7, false, INVALID, 40, 0 },
        { false, 0x00, 0, false, INVALID, 40, 0 },
        { true, NVME_ARBITRATION, 0, true, 0, 0, 0 },
        { true, NVME_VOLATILE_WRITE_CACHE, 0, true, 0, 0, 0 },
        { true, NVME_NUMBER_OF_QUEUES, 0, false, 0, 0, 0 },
        { true, NVME_NUMBER_OF_QUEUES, 0, true,
          NVME_FID_NOT_SAVEABLE | NVME_DNR, 43, 7 },
        { true, NVME_FEAT_KEEP_ALIVE, 0, true,
          NVME_FID_NOT_SAVEABLE | NVME_DNR, 43, 7 },
        { true, 0x0c, 0, true, INVALID, 40, 0 },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeFeatReject r = { 0 };
        uint16_t status;

        if (cases[i].set) {
            status = nvme_feat_check_set(cases[i].fid, cases[i].save, &r);
        } else {
            status = nvme_feat_check_get(cases[i].fid, cases[i].sel, &r);
        }

        g_assert_cmphex(status, ==, cases[i].status);
        if (status) {
            g_assert_cmpuint(r.byte, ==, cases[i].byte);
            g_assert_cmpuint(r.bit, ==, cases[i].bit);
            g_assert_nonnull(r.why);
        }
    }
}

/* Where a case's expected value sits in NvmeFeatures. */
typedef enum {
    F_NONE, F_ARB, F_PM, F_TOVER, F_TUNDER, F_ERR, F_VWC, F_NQ, F_IC,
    F_AEC, F_KATO, F_DN,
} Field;

static uint64_t field(const NvmeFeatures *f, Field which)
{
    switch (which) {
    case F_ARB:
        return f->arbitration;
    case F_PM:
        return f->power_mgmt;
    case F_TOVER:
        return f->temp_over;
    case F_TUNDER:
        return f->temp_under;
    case F_ERR:
        return f->err_rec;
    case F_VWC:
        return f->vwc;
    case F_NQ:
        return f->nq;
    case F_IC:
        return f->int_coalescing;
    case F_AEC:
        return f->aec;
    case F_KATO:
        return f->kato;
    case F_DN:
        return f->write_atomicity_dn;
    case F_NONE:
        break;
    }
    return 0;
}

/*
 * Set Features of the CDW11 features: what each accepts, where a bad
 * value is reported, what it stores (reserved bits dropped).  Then Get
 * Features of the same feature reports the stored value.
 */
static void test_set_table(void)
{
    static const struct {
        uint8_t fid;
        uint32_t dw11;
        bool no_vwc, ioqs_exist;
        uint16_t status;
        uint8_t byte, bit;
        Field field;
        uint64_t want;
    } cases[] = {
        { NVME_ARBITRATION, 0xffffffff, false, false, 0, 0, 0, F_ARB,
          0xffffff07 },
        { NVME_POWER_MANAGEMENT, 0x01, false, false, INVALID, 44, 0 },
        { NVME_POWER_MANAGEMENT, 0x1f, false, false, INVALID, 44, 0 },
        { NVME_POWER_MANAGEMENT, 0x1e0, false, false, 0, 0, 0, F_PM, 0xe0 },
        { NVME_TEMPERATURE_THRESHOLD, 350, false, false, 0, 0, 0, F_TOVER,
          350 },
        { NVME_TEMPERATURE_THRESHOLD, 1 << 20 | 250, false, false, 0, 0, 0,
          F_TUNDER, 250 },
        { NVME_TEMPERATURE_THRESHOLD, 1 << 16 | 350, false, false, INVALID,
          46, 0 },                              /* TMPSEL 1: no sensor */
        { NVME_TEMPERATURE_THRESHOLD, 2 << 20 | 350, false, false, INVALID,
          46, 4 },                              /* THSEL 2: reserved */
        { NVME_ERROR_RECOVERY, 0x1234, false, false, 0, 0, 0, F_ERR, 0x1234 },
        { NVME_ERROR_RECOVERY, 1 << 16, false, false, INVALID, 46, 0 },
        { NVME_VOLATILE_WRITE_CACHE, 1, false, false, 0, 0, 0, F_VWC, 1 },
        { NVME_VOLATILE_WRITE_CACHE, 0, false, false, 0, 0, 0, F_VWC, 0 },
        { NVME_VOLATILE_WRITE_CACHE, 1, true, false, INVALID, 44, 0 },
        { NVME_VOLATILE_WRITE_CACHE, 0, true, false, 0, 0, 0, F_VWC, 0 },
        { NVME_NUMBER_OF_QUEUES, 5 << 16 | 3, false, false, 0, 0, 0, F_NQ,
          5 << 16 | 3 },
        { NVME_NUMBER_OF_QUEUES, 100 << 16 | 100, false, false, 0, 0, 0,
          F_NQ, 63 << 16 | 63 },                /* granted: at most 63 */
        { NVME_NUMBER_OF_QUEUES, 0xffff, false, false, INVALID, 44, 0 },
        { NVME_NUMBER_OF_QUEUES, 0xffffu << 16, false, false, INVALID, 44,
          0 },
        { NVME_NUMBER_OF_QUEUES, 1, false, true,
          NVME_CMD_SEQ_ERROR | NVME_DNR, 0, 0 },
        { NVME_INTERRUPT_COALESCING, 0xffffffff, false, false, 0, 0, 0, F_IC,
          0xffff },
        { NVME_INTERRUPT_VECTOR_CONF, 4, false, false, INVALID, 44, 0 },
        /* SMART, NS attr, FW, telemetry, ANA, LBA status, zone changed */
        { NVME_ASYNCHRONOUS_EVENT_CONF, 0xffffffff, false, false, 0, 0, 0,
          F_AEC, 0x08002fff },
        { NVME_COMMAND_SET_PROFILE, 0, false, false, 0, 0, 0 },
        { NVME_COMMAND_SET_PROFILE, 1, false, false,
          NVME_IOCS_COMBINATION_REJECTED | NVME_DNR, 44, 0 },
        { NVME_COMMAND_SET_PROFILE, 0x1ff, false, false,
          NVME_IOCS_COMBINATION_REJECTED | NVME_DNR, 44, 0 },
        { NVME_FEAT_KEEP_ALIVE, 0, false, false, 0, 0, 0, F_KATO, 0 },
        { NVME_FEAT_KEEP_ALIVE, 1, false, false, 0, 0, 0, F_KATO, 1000 },
        { NVME_FEAT_KEEP_ALIVE, 1000, false, false, 0, 0, 0, F_KATO, 1000 },
        { NVME_FEAT_KEEP_ALIVE, 1001, false, false, 0, 0, 0, F_KATO, 2000 },
        { NVME_FEAT_KEEP_ALIVE, UINT32_MAX, false, false, 0, 0, 0, F_KATO,
          4294967000u },
        { NVME_WRITE_ATOMICITY, 0xffffffff, false, false, 0, 0, 0, F_DN, 1 },
        { NVME_WRITE_ATOMICITY, 0xfffffffe, false, false, 0, 0, 0, F_DN, 0 },
        { NVME_TIMESTAMP, 0, false, false, INVALID, 40, 0 },   /* not CDW11 */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvmeFeatLimits l = limits;
        NvmeFeatures f;
        NvmeFeatReject r = { 0 };
        uint16_t status;
        uint32_t val;

        l.vwc = !cases[i].no_vwc;
        nvme_feat_defaults(&f, &l);
        status = nvme_feat_set(&f, cases[i].fid, cases[i].dw11, &l,
                               cases[i].ioqs_exist, &r);
        g_assert_cmphex(status, ==, cases[i].status);
        if (status) {
            g_assert_cmpuint(r.byte, ==, cases[i].byte);
            g_assert_cmpuint(r.bit, ==, cases[i].bit);
            g_assert_nonnull(r.why);
            continue;
        }
        if (cases[i].field == F_NONE) {
            continue;
        }
        g_assert_cmphex(field(&f, cases[i].field), ==, cases[i].want);
        g_assert_cmphex(nvme_feat_value(&f, cases[i].fid, cases[i].dw11, &l,
                                        &val, &r), ==, NVME_SUCCESS);
        g_assert_cmphex(val, ==, cases[i].want);
    }
}

/* Interrupt Vector Configuration: CD per vector, reported with it. */
static void test_vector_config(void)
{
    g_autofree unsigned long *bits = bitmap_new(limits.vectors);
    NvmeFeatures f = { .iv_no_coalescing = bits };
    NvmeFeatReject r;
    uint32_t val;

    g_assert_cmphex(nvme_feat_set(&f, NVME_INTERRUPT_VECTOR_CONF,
                                  NVME_INTVC_NOCOALESCING | 3, &limits, false,
                                  &r), ==, NVME_SUCCESS);
    g_assert_true(test_bit(3, bits));
    g_assert_false(test_bit(2, bits));
    g_assert_cmphex(nvme_feat_value(&f, NVME_INTERRUPT_VECTOR_CONF, 3,
                                    &limits, &val, &r), ==, NVME_SUCCESS);
    g_assert_cmphex(val, ==, NVME_INTVC_NOCOALESCING | 3);
    g_assert_cmphex(nvme_feat_value(&f, NVME_INTERRUPT_VECTOR_CONF, 2,
                                    &limits, &val, &r), ==, NVME_SUCCESS);
    g_assert_cmphex(val, ==, 2);
    g_assert_cmphex(nvme_feat_set(&f, NVME_INTERRUPT_VECTOR_CONF, 3,
                                  &limits, false, &r), ==, NVME_SUCCESS);
    g_assert_false(test_bit(3, bits));
    g_assert_cmphex(nvme_feat_value(&f, NVME_INTERRUPT_VECTOR_CONF, 9,
                                    &limits, &val, &r), ==, INVALID);
    g_assert_cmpuint(r.byte, ==, 44);
}

/* Defaults: warning threshold, the cache as present, every queue. */
static void test_defaults(void)
{
    NvmeFeatLimits l = limits;
    NvmeFeatures f;

    nvme_feat_defaults(&f, &l);
    g_assert_cmpuint(f.temp_over, ==, 343);
    g_assert_cmpuint(f.temp_under, ==, 0);
    g_assert_true(f.vwc);
    g_assert_cmphex(f.nq, ==, 63 << 16 | 63);
    g_assert_false(f.nq_set);
    g_assert_cmpuint(f.kato, ==, 0);
    g_assert_false(f.write_atomicity_dn);
    l.vwc = false;
    l.max_ioq = 0;
    l.atomic_dn = true;
    nvme_feat_defaults(&f, &l);
    g_assert_false(f.vwc);
    g_assert_cmphex(f.nq, ==, 0);
    g_assert_true(f.write_atomicity_dn);
}

/*
 * Saved values (SEL 010b): the default until saved; a save of one
 * temperature threshold keeps the other; only saveable features; a
 * cache saved on reads off once the controller has none.
 */
static void test_save(void)
{
    NvmeFeatures cur, saved = { 0 }, out;
    NvmeFeatLimits l = limits;
    NvmeFeatReject r;
    uint32_t mask = 0;

    nvme_feat_defaults(&cur, &l);
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_cmpuint(out.temp_over, ==, 343);

    g_assert_cmphex(nvme_feat_set(&cur, NVME_TEMPERATURE_THRESHOLD,
                                  1 << 20 | 250, &l, false, &r), ==, 0);
    g_assert_cmphex(nvme_feat_set(&cur, NVME_TEMPERATURE_THRESHOLD, 360,
                                  &l, false, &r), ==, 0);
    nvme_feat_save(&saved, &mask, &cur, NVME_TEMPERATURE_THRESHOLD,
                   1 << 20 | 250, &l);
    g_assert_cmphex(mask, ==, 1u << NVME_TEMPERATURE_THRESHOLD);
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_cmpuint(out.temp_under, ==, 250);
    g_assert_cmpuint(out.temp_over, ==, 343);   /* not saved: default */
    nvme_feat_save(&saved, &mask, &cur, NVME_TEMPERATURE_THRESHOLD, 360, &l);
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_cmpuint(out.temp_under, ==, 250);
    g_assert_cmpuint(out.temp_over, ==, 360);

    g_assert_cmphex(nvme_feat_set(&cur, NVME_ARBITRATION, 0x03020100 | 7,
                                  &l, false, &r), ==, 0);
    g_assert_cmphex(nvme_feat_set(&cur, NVME_INTERRUPT_COALESCING, 0x0505,
                                  &l, false, &r), ==, 0);
    nvme_feat_save(&saved, &mask, &cur, NVME_ARBITRATION, 0, &l);
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_cmphex(out.arbitration, ==, 0x03020107);
    g_assert_cmphex(out.int_coalescing, ==, 0);  /* not saveable */

    g_assert_cmphex(nvme_feat_set(&cur, NVME_VOLATILE_WRITE_CACHE, 1, &l,
                                  false, &r), ==, 0);
    nvme_feat_save(&saved, &mask, &cur, NVME_VOLATILE_WRITE_CACHE, 1, &l);
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_true(out.vwc);
    l.vwc = false;
    nvme_feat_saved_values(&out, &saved, mask, &l);
    g_assert_false(out.vwc);
}

/* Host Behavior Support data: ACRE and LBAFEE 0/1, ETDAS 0. */
static void test_hbs(void)
{
    static const struct {
        uint8_t b0, b1, b2, b3;
        uint16_t status;
    } cases[] = {
        { 0, 0, 0, 0, 0 },
        { 1, 0, 0, 0, 0 },
        { 1, 0, 0, 0xff, 0 },       /* byte 3 (CDPA on 2.1) is ignored */
        { 2, 0, 0, 0, INVALID },
        { 0, 1, 0, 0, INVALID },
        { 0, 0, 1, 0, 0 },          /* LBAFEE: CTRATT ELBAS announces it */
        { 0, 0, 2, 0, INVALID },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        uint8_t data[NVME_HBS_BYTES] = { cases[i].b0, cases[i].b1,
                                         cases[i].b2, cases[i].b3 };
        NvmeFeatReject r = { .byte = 99 };

        g_assert_cmphex(nvme_feat_hbs_check(data, &r), ==, cases[i].status);
        if (cases[i].status) {
            g_assert_cmpuint(r.byte, ==, 0);    /* in the data: no location */
            g_assert_nonnull(r.why);
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/feat-rules/caps", test_caps);
    g_test_add_func("/feat-rules/command-checks", test_command_checks);
    g_test_add_func("/feat-rules/set-table", test_set_table);
    g_test_add_func("/feat-rules/vector-config", test_vector_config);
    g_test_add_func("/feat-rules/defaults", test_defaults);
    g_test_add_func("/feat-rules/save", test_save);
    g_test_add_func("/feat-rules/hbs", test_hbs);
    return g_test_run();
}

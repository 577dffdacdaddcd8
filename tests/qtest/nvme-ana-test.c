/*
 * qtest: Asymmetric Namespace Access on two controllers of one NVM
 * subsystem: Identify fields, the ANA log page (0Ch) with and without
 * RGO, group states changed through the controllers' "ana-state" QOM
 * property, ANA Change notices, the path-related I/O statuses and the log
 * changes Namespace Attachment makes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/nvme-drv.h"

#define SLOT_A          4
#define SLOT_B          5
#define EXTRA_IMG_SIZE  (4 * 1024 * 1024)
#define FID_AEC         0x0b
#define AEC_ANA         (1u << 11)
#define AER_ANA_CHANGE  0x0c0302    /* log 0Ch, info 03h, type notice */
#define LOG_ANA         0x0c
#define LOG_RAE         (1u << 15)
#define LOG_RGO         (1u << 8)
#define ST_PLOSS        0x0301
#define ST_INACCESSIBLE 0x0302
#define ST_TRANSITION   0x0303

/* Namespaces: 1 in group 1, 2 in group 2, 3 in group 3 but detached. */
typedef struct Rig {
    NvmeDrv *a;                 /* cntlid 0, QOM id c0 */
    NvmeDrv *b;                 /* cntlid 1, QOM id c1 */
    char *img[2];
} Rig;

static void rig_start(Rig *r)
{
    g_autofree char *args = NULL;

    r->img[0] = nvme_drv_make_image(EXTRA_IMG_SIZE);
    r->img[1] = nvme_drv_make_image(EXTRA_IMG_SIZE);
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-drive file=%s,if=none,id=d2,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-ana "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,anagrpid=2 "
        "-device nvme-ns,drive=d2,bus=c0,nsid=3,anagrpid=3,detached=on "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        r->img[0], r->img[1], SLOT_A, SLOT_B);
    r->a = nvme_drv_start_pair(args, SLOT_B, &r->b);
    nvme_drv_create_qpair(r->a, 1, 16);
    nvme_drv_create_qpair(r->b, 1, 16);
}

static void rig_stop(Rig *r)
{
    nvme_drv_stop_peer(r->b);
    nvme_drv_stop(r->a);
    for (int i = 0; i < 2; i++) {
        unlink(r->img[i]);
        g_free(r->img[i]);
    }
}

/* qom-set ana-state on controller @id; returns whether it succeeded. */
static bool ana_set(Rig *r, const char *id, const char *val)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);

    return nvme_drv_qom_set(r->a, path, "ana-state", val);
}

static char *ana_get(Rig *r, const char *id)
{
    g_autofree char *path = g_strdup_printf("/machine/peripheral/%s", id);
    QDict *rsp = qtest_qmp(r->a->qts,
                           "{'execute': 'qom-get', 'arguments': {"
                           " 'path': %s, 'property': 'ana-state' }}", path);
    char *s;

    g_assert(qdict_haskey(rsp, "return"));
    s = g_strdup(qdict_get_str(rsp, "return"));
    qobject_unref(rsp);
    return s;
}

/* Get Log Page 0Ch (4 KiB) with extra CDW10 bits (RGO, RAE). */
static uint16_t ana_log(NvmeDrv *d, uint32_t cdw10, uint8_t *out)
{
    NvmeCmd cmd;
    uint64_t buf = nvme_drv_alloc(d, 4096);
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0xffffffff);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = LOG_ANA | cdw10 | ((4096 / 4 - 1) << 16);
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    nvme_drv_memread(d, buf, out, 4096);
    guest_free(&d->alloc, buf);
    return st;
}

/*
 * The log as text: "chgcnt;grpid:state:chgcnt:[nsids]|..." so a test
 * states the whole expected content in one string.
 */
static char *ana_log_str(NvmeDrv *d, uint32_t cdw10)
{
    g_autofree uint8_t *b = g_malloc0(4096);
    GString *s = g_string_new("");
    unsigned ngrps, off = 16;

    g_assert_cmphex(ana_log(d, cdw10, b), ==, NVME_SUCCESS);
    ngrps = lduw_le_p(b + 8);
    g_string_append_printf(s, "%" PRIu64 ";", ldq_le_p(b));
    for (unsigned g = 0; g < ngrps; g++) {
        uint32_t nn = ldl_le_p(b + off + 4);

        for (unsigned i = 17; i < 32; i++) {
            g_assert_cmpuint(b[off + i], ==, 0);     /* reserved */
        }
        g_string_append_printf(s, "%s%u:%u:%" PRIu64 ":[", g ? "|" : "",
                               ldl_le_p(b + off), b[off + 16],
                               ldq_le_p(b + off + 8));
        for (unsigned i = 0; i < nn; i++) {
            g_string_append_printf(s, "%s%u", i ? "," : "",
                                   ldl_le_p(b + off + 32 + 4 * i));
        }
        g_string_append(s, "]");
        off += 32 + 4 * nn;
    }
    return g_string_free(s, false);
}

static void expect_log(NvmeDrv *d, uint32_t cdw10, const char *want)
{
    g_autofree char *got = ana_log_str(d, cdw10);

    g_assert_cmpstr(got, ==, want);
}

static uint16_t io(NvmeDrv *d, uint8_t opcode, uint32_t nsid)
{
    uint8_t buf[512] = { 0 };

    if (opcode == NVME_CMD_FLUSH) {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, nsid);
        return nvme_drv_exec(d, 1, &cmd, NULL);
    }
    return nvme_drv_rw(d, 1, opcode, nsid, 0, 1, 512, buf, 0);
}

/* ---------------------------------------------------------------- */

static void test_identify(void)
{
    Rig r;
    g_autofree uint8_t *id = g_malloc0(4096);
    NvmeIdCtrl *ic = (NvmeIdCtrl *)id;
    NvmeDrv *solo;

    rig_start(&r);
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ic->cmic, ==, (1 << 1) | (1 << 3));
    g_assert_cmphex(le32_to_cpu(ic->oaes) & (1 << 11), ==, 1 << 11);
    g_assert_cmpuint(id[342], !=, 0);                   /* ANATT */
    g_assert_cmphex(id[343] & 0x5f, ==, 0x5f);          /* ANACAP */
    g_assert_cmpuint(ldl_le_p(id + 344), ==, 16);       /* ANAGRPMAX */
    g_assert_cmpuint(ldl_le_p(id + 348), ==, 16);       /* NANAGRPID */
    g_assert_cmpuint(ldl_le_p(id + 540), ==, ldl_le_p(id + 516)); /* MNAN */

    /* ANAGRPID: Identify Namespace byte 92, CNS 08h byte 4 */
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_NS, 2, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(id + 92), ==, 2);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(id + 92), ==, 1);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_CS_IND_NS, 2, 0, id),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(id + 4), ==, 2);
    /* allocated but detached: CNS 11h still tells its group */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT, 3, 0, id),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(id + 92), ==, 3);
    rig_stop(&r);

    /* a controller without a subsystem reports no ANA */
    solo = nvme_drv_start_ready(NULL);
    g_assert_cmphex(nvme_drv_identify(solo, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ic->cmic, ==, 0);
    g_assert_cmphex(le32_to_cpu(ic->oaes) & (1 << 11), ==, 0);
    g_assert_cmphex(nvme_drv_identify(solo, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(id + 92), ==, 0);
    g_assert_cmphex(ana_log(solo, 0, id), ==, NVME_INVALID_LOG_ID | NVME_DNR);
    nvme_drv_stop(solo);
}

static void test_log(void)
{
    Rig r;

    rig_start(&r);
    /* groups with attached namespaces only: group 3's is detached */
    expect_log(r.a, 0, "0;1:1:0:[1]|2:1:0:[2]");
    expect_log(r.b, 0, "0;1:1:0:[1]|2:1:0:[2]");
    /* RGO: descriptors without NSID lists, Number of NSIDs 0 */
    expect_log(r.a, LOG_RGO, "0;1:1:0:[]|2:1:0:[]");
    rig_stop(&r);
}

static void test_qom_set(void)
{
    Rig r;
    g_autofree char *s0 = NULL, *s1 = NULL, *s2 = NULL;

    rig_start(&r);
    s0 = ana_get(&r, "c0");
    g_assert_cmpstr(s0, ==, "1:optimized,2:optimized,3:optimized");

    g_assert_true(ana_set(&r, "c0", "2:inaccessible"));
    expect_log(r.a, 0, "1;1:1:0:[1]|2:3:1:[2]");
    expect_log(r.b, 0, "0;1:1:0:[1]|2:1:0:[2]");       /* its own view */
    g_assert_true(ana_set(&r, "c0", "2:inaccessible"));   /* no change */
    expect_log(r.a, 0, "1;1:1:0:[1]|2:3:1:[2]");

    /* several at once, numeric states; group 3 has no attached ns */
    g_assert_true(ana_set(&r, "c0", "1:2,3:persistent-loss,2:15"));
    expect_log(r.a, 0, "4;1:2:1:[1]|2:15:2:[2]");
    s1 = ana_get(&r, "c0");
    g_assert_cmpstr(s1, ==, "1:non-optimized,2:change,3:persistent-loss");
    expect_log(r.a, LOG_RGO, "4;1:2:1:[]|2:15:2:[]");

    /* malformed values change nothing */
    g_assert_false(ana_set(&r, "c0", "1:optimized,2:bogus"));
    g_assert_false(ana_set(&r, "c0", "0:optimized"));
    g_assert_false(ana_set(&r, "c0", "17:optimized"));
    g_assert_false(ana_set(&r, "c0", "optimized"));
    g_assert_false(ana_set(&r, "c0", "1:5"));
    s2 = ana_get(&r, "c0");
    g_assert_cmpstr(s2, ==, s1);
    rig_stop(&r);
}

static void test_events(void)
{
    Rig r;
    g_autofree uint8_t *b = g_malloc0(4096);
    uint16_t aer_a, aer_b;

    rig_start(&r);
    /* AEC bit 11 clear: no notice */
    aer_a = nvme_drv_submit_aer(r.a);
    g_assert_true(ana_set(&r, "c0", "1:non-optimized"));
    nvme_drv_expect_no_aer(r.a);

    g_assert_cmphex(nvme_drv_set_features(r.a, FID_AEC, AEC_ANA, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(r.b, FID_AEC, AEC_ANA, NULL), ==,
                    NVME_SUCCESS);
    aer_b = nvme_drv_submit_aer(r.b);

    /* a change reaches the controller whose view changed, only */
    g_assert_true(ana_set(&r, "c1", "2:inaccessible"));
    nvme_drv_expect_aer(r.b, aer_b, AER_ANA_CHANGE);
    nvme_drv_expect_no_aer(r.a);

    /* masked until the log is read; RAE keeps it masked */
    aer_b = nvme_drv_submit_aer(r.b);
    g_assert_true(ana_set(&r, "c1", "2:change"));
    nvme_drv_expect_no_aer(r.b);
    g_assert_cmphex(ana_log(r.b, LOG_RAE, b), ==, NVME_SUCCESS);
    g_assert_true(ana_set(&r, "c1", "2:optimized"));
    nvme_drv_expect_no_aer(r.b);
    g_assert_cmphex(ana_log(r.b, 0, b), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);             /* nothing new since the read */
    g_assert_true(ana_set(&r, "c1", "1:inaccessible"));
    nvme_drv_expect_aer(r.b, aer_b, AER_ANA_CHANGE);

    /* every controller: each gets its own notice */
    aer_b = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(ana_log(r.b, 0, b), ==, NVME_SUCCESS);
    g_assert_true(ana_set(&r, "c0", "2:non-optimized"));
    g_assert_true(ana_set(&r, "c1", "2:non-optimized"));
    nvme_drv_expect_aer(r.a, aer_a, AER_ANA_CHANGE);
    nvme_drv_expect_aer(r.b, aer_b, AER_ANA_CHANGE);
    rig_stop(&r);
}

/*
 * Attaching or detaching a namespace changes the NSID lists of a
 * controller's ANA log: its change count and the group's advance, and
 * that controller (only) gets an ANA Change notice.
 */
static void test_attach(void)
{
    Rig r;
    uint16_t aer_a;

    rig_start(&r);
    g_assert_cmphex(nvme_drv_set_features(r.a, FID_AEC, AEC_ANA, NULL), ==,
                    NVME_SUCCESS);
    aer_a = nvme_drv_submit_aer(r.a);
    nvme_drv_submit_aer(r.b);           /* AEC bit 11 clear on b */

    /* namespace 3 (group 3) attached to a: a new descriptor */
    nvme_drv_ns_attach_ok(r.a, 3, NVME_NS_ATTACHMENT_ATTACH, 0);
    nvme_drv_expect_aer(r.a, aer_a, AER_ANA_CHANGE);
    expect_log(r.a, 0, "1;1:1:0:[1]|2:1:0:[2]|3:1:1:[3]");
    expect_log(r.b, 0, "0;1:1:0:[1]|2:1:0:[2]");

    /* and detached again: the descriptor goes, the counts stay */
    aer_a = nvme_drv_submit_aer(r.a);
    nvme_drv_ns_attach_ok(r.a, 3, NVME_NS_ATTACHMENT_DETACH, 0);
    nvme_drv_expect_aer(r.a, aer_a, AER_ANA_CHANGE);
    expect_log(r.a, 0, "2;1:1:0:[1]|2:1:0:[2]");

    /* b's list of group 2 empties: counted, no notice with AEC clear */
    nvme_drv_ns_attach_ok(r.a, 2, NVME_NS_ATTACHMENT_DETACH, 1);
    nvme_drv_expect_no_aer(r.b);
    expect_log(r.b, 0, "1;1:1:0:[1]");
    nvme_drv_ns_attach_ok(r.b, 2, NVME_NS_ATTACHMENT_ATTACH, 1);
    expect_log(r.b, 0, "2;1:1:0:[1]|2:1:2:[2]");
    expect_log(r.a, 0, "2;1:1:0:[1]|2:1:0:[2]");
    nvme_drv_expect_no_aer(r.a);
    rig_stop(&r);
}

static void test_io_status(void)
{
    static const struct {
        const char *state;
        uint16_t status;
    } cases[] = {
        { "optimized", NVME_SUCCESS },
        { "non-optimized", NVME_SUCCESS },
        { "inaccessible", ST_INACCESSIBLE },
        { "persistent-loss", ST_PLOSS },
        { "change", ST_TRANSITION },
    };
    Rig r;
    g_autofree uint8_t *id = g_malloc0(4096);

    rig_start(&r);
    for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *v = g_strdup_printf("2:%s", cases[i].state);

        g_assert_true(ana_set(&r, "c0", v));
        /* retryable (DNR clear): the host may try another path */
        g_assert_cmphex(io(r.a, NVME_CMD_READ, 2), ==, cases[i].status);
        g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 2), ==, cases[i].status);
        g_assert_cmphex(io(r.a, NVME_CMD_FLUSH, 2), ==, cases[i].status);
        /* group 1 and the other controller's path are not affected */
        g_assert_cmphex(io(r.a, NVME_CMD_READ, 1), ==, NVME_SUCCESS);
        g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 2), ==, NVME_SUCCESS);
        /* admin commands to the namespace still work */
        g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS, 2, 0, id),
                        ==, NVME_SUCCESS);
    }
    /* a broadcast Flush is not refused */
    g_assert_true(ana_set(&r, "c0", "2:inaccessible"));
    g_assert_cmphex(io(r.a, NVME_CMD_FLUSH, 0xffffffff), ==, NVME_SUCCESS);
    rig_stop(&r);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/ana/identify", test_identify);
    qtest_add_func("/nvme/ana/log", test_log);
    qtest_add_func("/nvme/ana/qom-set", test_qom_set);
    qtest_add_func("/nvme/ana/events", test_events);
    qtest_add_func("/nvme/ana/io-status", test_io_status);
    qtest_add_func("/nvme/ana/attach", test_attach);
    return g_test_run();
}

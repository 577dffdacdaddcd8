/*
 * qtest: NVM subsystems (nvme-subsys), shared and private namespaces,
 * Namespace Attachment, Identify CNS 10h-13h, the Changed Namespace List
 * log and Namespace Attribute Changed events, on two controllers of one
 * subsystem.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define SUBNQN          "nqn.2019-08.org.qemu:qtest-subsys"
#define SLOT_A          4
#define SLOT_B          5
#define EXTRA_IMG_SIZE  (4 * 1024 * 1024)
#define FID_AEC         0x0b
#define AEC_NS_ATTR     (1u << 8)
#define AER_NS_CHANGED  0x040002    /* log 04h, info 00h, type notice */

/* Namespaces: 1 shared, 2 private and detached, 3 shared and detached. */
typedef struct Rig {
    NvmeDrv *a;                 /* cntlid 0 */
    NvmeDrv *b;                 /* cntlid 1 */
    char *img[2];               /* images of NSIDs 2 and 3 */
} Rig;

static void rig_boot(Rig *r)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-drive file=%s,if=none,id=d2,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-subsys "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,shared=off,detached=on "
        "-device nvme-ns,drive=d2,bus=c0,nsid=3,detached=on "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        r->img[0], r->img[1], SLOT_A, SLOT_B);

    r->a = nvme_drv_start_pair(args, SLOT_B, &r->b);
}

static void rig_start(Rig *r)
{
    r->img[0] = nvme_drv_make_image(EXTRA_IMG_SIZE);
    r->img[1] = nvme_drv_make_image(EXTRA_IMG_SIZE);
    rig_boot(r);
}

static void rig_halt(Rig *r)
{
    nvme_drv_stop_peer(r->b);
    nvme_drv_stop(r->a);
}

static void rig_stop(Rig *r)
{
    rig_halt(r);
    for (int i = 0; i < 2; i++) {
        unlink(r->img[i]);
        g_free(r->img[i]);
    }
}

static uint16_t attach(NvmeDrv *d, uint32_t nsid, const uint16_t *ids,
                       unsigned nids)
{
    return nvme_drv_ns_attach(d, nsid, NVME_NS_ATTACHMENT_ATTACH, ids, nids);
}

static uint16_t detach(NvmeDrv *d, uint32_t nsid, const uint16_t *ids,
                       unsigned nids)
{
    return nvme_drv_ns_attach(d, nsid, NVME_NS_ATTACHMENT_DETACH, ids, nids);
}

/* Identify with CDW10.CNTID. */
static uint16_t identify_cntid(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                               uint16_t cntid, void *out4k)
{
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = cns | ((uint32_t)cntid << 16);
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    nvme_drv_memread(d, buf, out4k, 4096);
    guest_free(&d->alloc, buf);
    return st;
}

/* NSIDs of a 4 KiB NSID list, up to the first 0; returns how many. */
static unsigned nsid_list(NvmeDrv *d, uint8_t cns, uint32_t from,
                          uint32_t *out, unsigned max)
{
    g_autofree uint32_t *l = g_malloc0(4096);
    unsigned n = 0;

    g_assert_cmphex(nvme_drv_identify(d, cns, from, 0, l), ==, NVME_SUCCESS);
    while (n < 1024 && l[n]) {
        g_assert_cmpuint(n, <, max);
        out[n] = le32_to_cpu(l[n]);
        n++;
    }
    return n;
}

static bool is_active(NvmeDrv *d, uint32_t nsid)
{
    uint32_t l[8];
    unsigned n = nsid_list(d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, l, 8);

    for (unsigned i = 0; i < n; i++) {
        if (l[i] == nsid) {
            return true;
        }
    }
    return false;
}

/* Controller list (CNS 12h/13h) as "count:id,id,..." */
/*
 * The Controller List of CNS @cns for @nsid from CNTID @from is @want,
 * written "count:id,id...".
 */
static void expect_ctrl_list(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                             uint16_t from, const char *want)
{
    g_autofree uint16_t *l = g_malloc0(4096);
    g_autoptr(GString) s = g_string_new(NULL);

    g_assert_cmphex(identify_cntid(d, cns, nsid, from, l), ==, NVME_SUCCESS);
    g_string_append_printf(s, "%u:", le16_to_cpu(l[0]));
    for (unsigned i = 1; i <= le16_to_cpu(l[0]); i++) {
        g_string_append_printf(s, "%s%u", i > 1 ? "," : "",
                               le16_to_cpu(l[i]));
    }
    g_assert_cmpstr(s->str, ==, want);
}

static void enable_ns_events(NvmeDrv *d)
{
    g_assert_cmphex(nvme_drv_set_features(d, FID_AEC, AEC_NS_ATTR, NULL),
                    ==, NVME_SUCCESS);
}

/* ---------------------------------------------------------------- */

static void test_identify_ctrl(void)
{
    Rig r;
    g_autofree NvmeIdCtrl *ia = g_malloc0(4096);
    g_autofree NvmeIdCtrl *ib = g_malloc0(4096);
    NvmeDrv *solo;

    rig_start(&r);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_CTRL, 0, 0, ia), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_CTRL, 0, 0, ib), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(ia->cntlid), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ib->cntlid), ==, 1);
    g_assert_cmphex(ia->cmic & NVME_CMIC_MULTI_CTRL, ==, NVME_CMIC_MULTI_CTRL);
    g_assert_cmphex(ib->cmic & NVME_CMIC_MULTI_CTRL, ==, NVME_CMIC_MULTI_CTRL);
    g_assert_cmpstr((char *)ia->subnqn, ==, SUBNQN);
    g_assert_cmpstr((char *)ib->subnqn, ==, SUBNQN);
    g_assert_cmphex(le32_to_cpu(ia->oaes) & NVME_OAES_NS_ATTR, ==,
                    NVME_OAES_NS_ATTR);
    /* no namespace management in this device: OACS bit 3 stays clear */
    g_assert_cmphex(le16_to_cpu(ia->oacs) & (1 << 3), ==, 0);
    rig_stop(&r);

    /* without a subsystem: one controller, NQN from the serial */
    solo = nvme_drv_start_ready(NULL);
    g_assert_cmphex(nvme_drv_identify(solo, NVME_ID_CNS_CTRL, 0, 0, ia), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ia->cmic, ==, 0);
    g_assert_cmpuint(le16_to_cpu(ia->cntlid), ==, 0);
    g_assert_cmpstr((char *)ia->subnqn, ==, "nqn.2019-08.org.qemu:qtest-nvme");
    nvme_drv_stop(solo);
}

static void test_shared_ns(void)
{
    Rig r;
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    g_autofree NvmeIdNsInd *ind = g_malloc0(4096);
    g_autofree uint8_t *da = g_malloc0(4096);
    g_autofree uint8_t *db = g_malloc0(4096);
    uint8_t wbuf[512], rbuf[512];
    uint32_t l[8];

    rig_start(&r);
    /* NSID 1 is active on both, 2 and 3 are detached */
    g_assert_cmpuint(nsid_list(r.a, NVME_ID_CNS_NS_ACTIVE_LIST, 0, l, 8), ==,
                     1);
    g_assert_cmpuint(l[0], ==, 1);
    g_assert_cmpuint(nsid_list(r.b, NVME_ID_CNS_NS_ACTIVE_LIST, 0, l, 8), ==,
                     1);
    g_assert_cmpuint(l[0], ==, 1);

    /* NMIC bit 0 in CNS 00h and 08h */
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id->nmic, ==, 1);
    g_assert_cmpuint(le64_to_cpu(id->nsze), ==, NVME_DRV_IMG_SIZE / 512);
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_CS_IND_NS, 1, 0, ind),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(ind->nmic, ==, 1);

    /* the same identifiers through both controllers */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_DESCR_LIST, 1, 0,
                                      da), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_NS_DESCR_LIST, 1, 0,
                                      db), ==, NVME_SUCCESS);
    g_assert_cmpmem(da, 4096, db, 4096);

    /* written through one controller, read through the other */
    nvme_drv_create_qpair(r.a, 1, 16);
    nvme_drv_create_qpair(r.b, 1, 16);
    for (int i = 0; i < 512; i++) {
        wbuf[i] = i * 7 + 3;
    }
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_WRITE, 1, 9, 1, 512, wbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(r.b, 1, NVME_CMD_READ, 1, 9, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(wbuf, 512, rbuf, 512);

    /*
     * an inactive (detached) NSID: zeroes from CNS 00h, I/O refused
     * (a valid NSID that is not active: Invalid Field in Command)
     */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS, 3, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(id->nsze, ==, 0);
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_READ, 3, 0, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);
    rig_stop(&r);
}

static void test_cns_subsys(void)
{
    Rig r;
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    uint32_t l[8];

    rig_start(&r);
    /* CNS 10h: allocated NSIDs, from CDW1.NSID up */
    g_assert_cmpuint(nsid_list(r.b, NVME_ID_CNS_NS_PRESENT_LIST, 0, l, 8), ==,
                     3);
    g_assert_cmpuint(l[0], ==, 1);
    g_assert_cmpuint(l[1], ==, 2);
    g_assert_cmpuint(l[2], ==, 3);
    g_assert_cmpuint(nsid_list(r.b, NVME_ID_CNS_NS_PRESENT_LIST, 2, l, 8), ==,
                     1);
    g_assert_cmpuint(l[0], ==, 3);
    g_assert_cmphex(nvme_drv_identify(r.b, NVME_ID_CNS_NS_PRESENT_LIST,
                                      0xfffffffe, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);

    /* CNS 11h: Identify Namespace of an allocated, detached NSID */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT, 2, 0, id),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(id->nsze), ==, EXTRA_IMG_SIZE / 512);
    g_assert_cmphex(id->nmic, ==, 0);           /* shared=off */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT, 3, 0, id),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(id->nmic, ==, 1);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT, 9, 0, id),
                    ==, NVME_SUCCESS);           /* unallocated: zeroes */
    g_assert_cmpuint(id->nsze, ==, 0);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT, 0, 0, id),
                    ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_PRESENT,
                                      0xffffffff, 0, id), ==,
                    NVME_INVALID_NSID | DNR);

    /* CNS 12h: controllers attached to an NSID, CNTID and up */
    expect_ctrl_list(r.a, NVME_ID_CNS_NS_ATTACHED_CTRL_LIST, 1, 0, "2:0,1");
    expect_ctrl_list(r.a, NVME_ID_CNS_NS_ATTACHED_CTRL_LIST, 1, 1, "1:1");
    expect_ctrl_list(r.a, NVME_ID_CNS_NS_ATTACHED_CTRL_LIST, 3, 0, "0:");
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS_ATTACHED_CTRL_LIST,
                                      0, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);

    /* CNS 13h: controllers in the subsystem */
    expect_ctrl_list(r.b, NVME_ID_CNS_CTRL_LIST, 0, 0, "2:0,1");
    expect_ctrl_list(r.b, NVME_ID_CNS_CTRL_LIST, 0, 1, "1:1");
    expect_ctrl_list(r.b, NVME_ID_CNS_CTRL_LIST, 0, 2, "0:");
    rig_stop(&r);
}

static void test_attach_detach(void)
{
    static const uint16_t ctrl0[] = { 0 }, ctrl1[] = { 1 }, both[] = { 0, 1 };
    Rig r;
    uint8_t wbuf[512], rbuf[512];
    uint16_t aer_a, aer_b;
    char *s;

    rig_start(&r);
    enable_ns_events(r.a);
    enable_ns_events(r.b);
    aer_a = nvme_drv_submit_aer(r.a);
    aer_b = nvme_drv_submit_aer(r.b);

    /* controller 0 detaches the shared NSID 1 from controller 1 */
    g_assert_cmphex(detach(r.a, 1, ctrl1, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, aer_b, AER_NS_CHANGED);
    nvme_drv_expect_no_aer(r.a);                 /* not affected */
    g_assert_false(is_active(r.b, 1));
    g_assert_true(is_active(r.a, 1));
    expect_ctrl_list(r.a, NVME_ID_CNS_NS_ATTACHED_CTRL_LIST, 1, 0, "1:0");

    /* masked until the log is read: a second change raises nothing yet */
    aer_b = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(attach(r.a, 3, ctrl1, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);
    s = nvme_drv_changed_ns_log(r.b);
    g_assert_cmpstr(s, ==, "1,3");
    g_free(s);
    s = nvme_drv_changed_ns_log(r.b);               /* the read cleared it */
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    nvme_drv_expect_no_aer(r.b);                 /* nothing left to report */
    g_assert_true(is_active(r.b, 3));
    g_assert_false(is_active(r.a, 3));

    /* unmasked again: attach NSID 1 back to controller 1 */
    g_assert_cmphex(attach(r.b, 1, ctrl1, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, aer_b, AER_NS_CHANGED);
    s = nvme_drv_changed_ns_log(r.b);
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    g_assert_true(is_active(r.b, 1));

    /* one command, both controllers: each gets its event and log */
    aer_b = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(detach(r.b, 1, both, 2), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.a, aer_a, AER_NS_CHANGED);
    nvme_drv_expect_aer(r.b, aer_b, AER_NS_CHANGED);
    s = nvme_drv_changed_ns_log(r.a);
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    s = nvme_drv_changed_ns_log(r.b);
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    g_assert_false(is_active(r.a, 1));
    g_assert_false(is_active(r.b, 1));

    /* data survives detach and attach: write via 1, read via 0 */
    nvme_drv_create_qpair(r.a, 1, 16);
    nvme_drv_create_qpair(r.b, 1, 16);
    memset(wbuf, 0x5a, sizeof(wbuf));
    g_assert_cmphex(nvme_drv_rw(r.b, 1, NVME_CMD_WRITE, 3, 100, 1, 512, wbuf,
                                0), ==, NVME_SUCCESS);
    aer_a = nvme_drv_submit_aer(r.a);
    aer_b = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(detach(r.b, 3, ctrl1, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(attach(r.b, 3, ctrl0, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.a, aer_a, AER_NS_CHANGED);
    nvme_drv_expect_aer(r.b, aer_b, AER_NS_CHANGED);
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_READ, 3, 100, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(wbuf, 512, rbuf, 512);
    g_assert_cmphex(nvme_drv_rw(r.b, 1, NVME_CMD_READ, 3, 100, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);

    /* the private NSID 2 goes to one controller at a time */
    g_assert_cmphex(attach(r.a, 2, ctrl1, 1), ==, NVME_SUCCESS);
    g_assert_true(is_active(r.b, 2));
    g_assert_false(is_active(r.a, 2));
    rig_stop(&r);
}

static void test_events_disabled(void)
{
    static const uint16_t ctrl1[] = { 1 };
    Rig r;
    char *s;

    rig_start(&r);
    nvme_drv_submit_aer(r.b);                    /* AEC bit 8 clear: no event */
    g_assert_cmphex(detach(r.a, 1, ctrl1, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);
    s = nvme_drv_changed_ns_log(r.b);               /* but the log lists it */
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    rig_stop(&r);
}

static void test_attach_errors(void)
{
    static const uint16_t ctrl0[] = { 0 }, ctrl1[] = { 1 }, both[] = { 0, 1 };
    static const uint16_t dup[] = { 1, 1 }, bad[] = { 0, 7 };
    Rig r;
    uint16_t aer_a, aer_b;

    rig_start(&r);
    enable_ns_events(r.a);
    enable_ns_events(r.b);
    aer_a = nvme_drv_submit_aer(r.a);
    aer_b = nvme_drv_submit_aer(r.b);

    /* NSID: 0, beyond NN, broadcast */
    g_assert_cmphex(attach(r.a, 0, ctrl0, 1), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(attach(r.a, 257, ctrl0, 1), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(attach(r.a, 0xffffffff, ctrl0, 1), ==,
                    NVME_INVALID_NSID | DNR);
    /* a valid NSID that is not allocated */
    g_assert_cmphex(attach(r.a, 9, ctrl0, 1), ==, NVME_INVALID_FIELD | DNR);
    /* SEL other than attach/detach */
    g_assert_cmphex(nvme_drv_ns_attach(r.a, 3, 2, ctrl0, 1), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_ns_attach(r.a, 3, 0xf, ctrl0, 1), ==,
                    NVME_INVALID_FIELD | DNR);
    /* controller lists: empty, unknown id, an id twice */
    g_assert_cmphex(attach(r.a, 3, ctrl0, 0), ==,
                    NVME_NS_CTRL_LIST_INVALID | DNR);
    g_assert_cmphex(attach(r.a, 3, bad, 2), ==,
                    NVME_NS_CTRL_LIST_INVALID | DNR);
    g_assert_cmphex(attach(r.a, 3, dup, 2), ==,
                    NVME_NS_CTRL_LIST_INVALID | DNR);
    /* state */
    g_assert_cmphex(attach(r.a, 1, ctrl1, 1), ==,
                    NVME_NS_ALREADY_ATTACHED | DNR);
    g_assert_cmphex(detach(r.a, 3, ctrl0, 1), ==,
                    NVME_NS_NOT_ATTACHED | DNR);
    g_assert_cmphex(detach(r.a, 2, both, 2), ==, NVME_NS_NOT_ATTACHED | DNR);
    /* all or nothing: 3 is on controller 1, so 0 does not get it either */
    g_assert_cmphex(attach(r.a, 3, ctrl1, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, aer_b, AER_NS_CHANGED);
    g_assert_cmphex(attach(r.a, 3, both, 2), ==,
                    NVME_NS_ALREADY_ATTACHED | DNR);
    g_assert_false(is_active(r.a, 3));
    /* no failed command so far raised an event on controller 0 */
    nvme_drv_expect_no_aer(r.a);
    /* the private NSID 2: one controller at a time */
    g_assert_cmphex(attach(r.a, 2, both, 2), ==, NVME_NS_PRIVATE | DNR);
    g_assert_false(is_active(r.a, 2));
    g_assert_cmphex(attach(r.a, 2, ctrl0, 1), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.a, aer_a, AER_NS_CHANGED);
    g_assert_cmphex(attach(r.a, 2, ctrl1, 1), ==, NVME_NS_PRIVATE | DNR);
    g_assert_cmphex(attach(r.a, 2, ctrl0, 1), ==,
                    NVME_NS_ALREADY_ATTACHED | DNR);
    rig_stop(&r);
}

/* NGUID/EUI-64/UUID of every allocated namespace, through controller @d. */
static void collect_ids(NvmeDrv *d, uint8_t out[3][32])
{
    g_autofree NvmeIdNs *id = g_malloc0(4096);

    for (uint32_t nsid = 1; nsid <= 3; nsid++) {
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_PRESENT, nsid, 0,
                                          id), ==, NVME_SUCCESS);
        memcpy(out[nsid - 1], id->nguid, 16);
        memcpy(out[nsid - 1] + 16, &id->eui64, 8);
        memset(out[nsid - 1] + 24, 0, 8);
    }
}

static void test_ids_stable(void)
{
    Rig r;
    uint8_t a1[3][32], b1[3][32], a2[3][32];
    static const uint8_t zero[16];

    rig_start(&r);
    collect_ids(r.a, a1);
    collect_ids(r.b, b1);
    g_assert_cmpmem(a1, sizeof(a1), b1, sizeof(b1));
    for (int i = 0; i < 3; i++) {
        g_assert_true(memcmp(a1[i], zero, 16) != 0);
        for (int j = 0; j < i; j++) {
            g_assert_true(memcmp(a1[i], a1[j], 16) != 0);
        }
    }
    rig_halt(&r);
    rig_boot(&r);                       /* same command line again */
    collect_ids(r.b, a2);
    g_assert_cmpmem(a1, sizeof(a1), a2, sizeof(a2));
    rig_stop(&r);
}

static void test_nguid_property(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-nguid "
        "-device nvme-ns,drive=d0,nsid=1,"
        "nguid=00112233-4455-6677-8899-aabbccddeeff,eui64=0x1122334455667788");
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    static const uint8_t want[16] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
        0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    };

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(id->nguid, 16, want, 16);
    g_assert_cmphex(be64_to_cpu(id->eui64), ==, 0x1122334455667788ULL);
    g_assert_cmphex(id->nmic, ==, 0);   /* no subsystem: not shared */
    nvme_drv_stop(d);
}

/* Without nvme-subsys the controller is its own subsystem. */
static void test_no_subsys_attach(void)
{
    static const uint16_t ctrl0[] = { 0 }, ctrl1[] = { 1 };
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    g_assert_cmphex(detach(d, 1, ctrl1, 1), ==,
                    NVME_NS_CTRL_LIST_INVALID | DNR);
    g_assert_cmphex(detach(d, 1, ctrl0, 1), ==, NVME_SUCCESS);
    g_assert_false(is_active(d, 1));
    g_assert_cmphex(attach(d, 1, ctrl0, 1), ==, NVME_SUCCESS);
    g_assert_true(is_active(d, 1));
    expect_ctrl_list(d, NVME_ID_CNS_CTRL_LIST, 0, 0, "1:0");
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/subsys/identify-ctrl", test_identify_ctrl);
    qtest_add_func("/nvme/subsys/shared-ns", test_shared_ns);
    qtest_add_func("/nvme/subsys/cns-10h-13h", test_cns_subsys);
    qtest_add_func("/nvme/subsys/attach-detach", test_attach_detach);
    qtest_add_func("/nvme/subsys/events-disabled", test_events_disabled);
    qtest_add_func("/nvme/subsys/attach-errors", test_attach_errors);
    qtest_add_func("/nvme/subsys/ids-stable", test_ids_stable);
    qtest_add_func("/nvme/subsys/nguid-property", test_nguid_property);
    qtest_add_func("/nvme/subsys/no-subsys-attach", test_no_subsys_attach);
    return g_test_run();
}

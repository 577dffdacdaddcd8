/*
 * qtest: namespace hotplug through QMP.  device_add of an nvme-ns on a
 * running VM attaches it where a cold-plugged one would be (both
 * controllers of a subsystem when shared, none with detached=on) and each
 * of them gets the Changed Namespace List entry and the Namespace
 * Attribute Changed event; device_del detaches it with the same notices,
 * its drive is released (the node can be plugged again), and commands in
 * flight on it complete exactly once while the other namespace keeps
 * working.  A whole controller behind a pcie-root-port is plugged and
 * unplugged repeatedly, with iothreads and msix-exclusive-bar.  Runs in
 * every I/O mode.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"
#include "qobject/qdict.h"

#define SLOT_A          4
#define SLOT_B          5
#define LBASZ           512
#define AEC_NS_ATTR     (1u << 8)
#define AER_NS_CHANGED  0x040002    /* log 04h, info 00h, type notice */
#define INFLIGHT        24          /* commands on the unplugged namespace */

/*
 * Subsystem s0 with controllers c0 (slot A, driven by r->a) and c1 (slot
 * B), namespace 1 on the image; node "hp" (a slow null-co drive: each
 * request takes 50 ms) waits to be plugged.
 */
typedef struct Rig {
    NvmeDrv *a;
    NvmeDrv *b;
} Rig;

static void rig_start(Rig *r)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-blockdev driver=null-co,node-name=hp,size=8388608,"
        "read-zeroes=on,latency-ns=50000000 "
        "-device nvme-subsys,id=s0,nqn=qtest-hotplug "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        SLOT_A, SLOT_B);

    r->a = nvme_drv_start_pair(args, SLOT_B, &r->b);
    g_assert_cmphex(nvme_drv_set_features(r->a, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_NS_ATTR, NULL), ==, 0);
    g_assert_cmphex(nvme_drv_set_features(r->b, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_NS_ATTR, NULL), ==, 0);
    nvme_drv_create_qpair(r->a, 1, 64);
}

static void rig_stop(Rig *r)
{
    nvme_drv_stop_peer(r->b);
    nvme_drv_stop(r->a);
}

/* device_add nvme-ns ns2 (NSID 2) on c0. */
static void plug(NvmeDrv *d, bool shared, bool detached)
{
    qtest_qmp_device_add(d->qts, "nvme-ns", "ns2",
                         "{'drive': 'hp', 'bus': 'c0', 'nsid': 2, "
                         "'shared': %i, 'detached': %i}", shared, detached);
}

/* Identify Namespace 2 through @d: active (NSZE non-zero) or not. */
static bool ns2_active(NvmeDrv *d)
{
    g_autofree NvmeIdNs *id = g_malloc(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 2, 0, id), ==, 0);
    return id->nsze != 0;
}

/* @d got the notice for NSID 2: the event, then the log lists it. */
static void expect_notice(NvmeDrv *d, uint16_t aer)
{
    g_autofree char *log = NULL;

    nvme_drv_expect_aer(d, aer, AER_NS_CHANGED);
    log = nvme_drv_changed_ns_log(d);
    g_assert_cmpstr(log, ==, "2");
}

static void test_add_del(void)
{
    Rig r;
    uint16_t aa, ab;
    uint8_t buf[LBASZ];

    rig_start(&r);
    aa = nvme_drv_submit_aer(r.a);
    ab = nvme_drv_submit_aer(r.b);
    g_assert_false(ns2_active(r.a));

    /* shared (the default): attached to both controllers */
    plug(r.a, true, false);
    expect_notice(r.a, aa);
    expect_notice(r.b, ab);
    g_assert_true(ns2_active(r.a));
    g_assert_true(ns2_active(r.b));
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_READ, 2, 8, 1, LBASZ, buf,
                                0), ==, NVME_SUCCESS);

    aa = nvme_drv_submit_aer(r.a);
    ab = nvme_drv_submit_aer(r.b);
    qtest_qmp_device_del(r.a->qts, "ns2");
    expect_notice(r.a, aa);
    expect_notice(r.b, ab);
    g_assert_false(ns2_active(r.a));
    g_assert_false(ns2_active(r.b));
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_READ, 2, 8, 1, LBASZ, buf,
                                0), ==, NVME_INVALID_FIELD | NVME_DNR);
    /* namespace 1 is untouched */
    g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_READ, 1, 8, 1, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
    rig_stop(&r);
}

/* Private (shared=off): only the controller of its bus hears of it. */
static void test_private_and_detached(void)
{
    Rig r;
    uint16_t aa, ab;

    rig_start(&r);
    aa = nvme_drv_submit_aer(r.a);
    ab = nvme_drv_submit_aer(r.b);
    plug(r.a, false, false);
    expect_notice(r.a, aa);
    nvme_drv_expect_no_aer(r.b);
    g_assert_true(ns2_active(r.a));
    g_assert_false(ns2_active(r.b));
    aa = nvme_drv_submit_aer(r.a);
    qtest_qmp_device_del(r.a->qts, "ns2");
    expect_notice(r.a, aa);
    nvme_drv_expect_no_aer(r.b);

    /* detached=on: allocated only; nobody is told, nothing is attached */
    aa = nvme_drv_submit_aer(r.a);
    plug(r.a, true, true);
    nvme_drv_expect_no_aer(r.a);
    nvme_drv_expect_no_aer(r.b);
    g_assert_false(ns2_active(r.a));
    qtest_qmp_device_del(r.a->qts, "ns2");
    nvme_drv_expect_no_aer(r.a);
    rig_stop(&r);
    (void)ab;
}

/*
 * Commands in flight on the namespace when it is unplugged (its drive
 * takes 50 ms a request): each completes exactly once, with its data or
 * an error status; namespace 1 keeps working.  Five rounds re-plug the
 * same node: the drive was released.
 */
static void test_unplug_under_io(void)
{
    Rig r;
    uint64_t buf;
    uint8_t data[LBASZ];

    rig_start(&r);
    buf = nvme_drv_alloc(r.a, LBASZ);
    for (int round = 0; round < 5; round++) {
        bool seen[INFLIGHT] = { false };
        uint16_t cids[INFLIGHT];
        NvmeCqe cqe;

        plug(r.a, true, false);
        for (int i = 0; i < INFLIGHT; i++) {
            NvmeCmd cmd;

            nvme_drv_cmd_init(&cmd, i % 2 ? NVME_CMD_WRITE : NVME_CMD_READ,
                              2);
            nvme_drv_cmd_set_prp(r.a, &cmd, buf, LBASZ);
            cmd.cdw10 = cpu_to_le32(i * 8);
            cids[i] = nvme_drv_submit(r.a, 1, &cmd);
        }
        qtest_qmp_device_del(r.a->qts, "ns2");
        for (int n = 0; n < INFLIGHT; n++) {
            int i;

            g_assert_true(nvme_drv_poll_cqe(r.a, 1, &cqe, 10000, true));
            for (i = 0; i < INFLIGHT && cids[i] != cqe.cid; i++) {
                /* which one */
            }
            g_assert_cmpint(i, <, INFLIGHT);
            g_assert_false(seen[i]);        /* exactly once */
            seen[i] = true;
            g_assert_true(NVME_DRV_STATUS(&cqe) == NVME_SUCCESS ||
                          NVME_DRV_STATUS(&cqe) ==
                          (NVME_INVALID_FIELD | NVME_DNR));
        }
        g_assert_false(nvme_drv_poll_cqe(r.a, 1, &cqe, 100, true));
        g_assert_cmphex(nvme_drv_rw(r.a, 1, NVME_CMD_WRITE, 1, round, 1,
                                    LBASZ, data, 0), ==, NVME_SUCCESS);
    }
    rig_stop(&r);
}

static void wait_deleted(QTestState *qts, const char *id)
{
    nvme_drv_wait_deleted(qts, id);
}

/*
 * A whole controller (with a namespace on its bus, I/O queues in an
 * iothread, MSI-X in BAR 0 or its own BAR) hot-plugged behind a
 * pcie-root-port and unplugged, four times: the unplug request completes
 * at the next system reset, as a guest without an OS would do it, and
 * each round re-plugs the same drives (they were released).
 */
static void test_ctrl_replug(void)
{
    QTestState *qts = qtest_init(
        "-machine q35 -object iothread,id=io0 "
        "-device pcie-root-port,id=rp1,chassis=1,slot=1 "
        "-blockdev driver=null-co,node-name=n0,size=1048576 "
        "-blockdev driver=null-co,node-name=n1,size=1048576");

    for (int round = 0; round < 4; round++) {
        qtest_qmp_device_add(qts, "nvme", "hc",
                             "{'bus': 'rp1', 'drive': 'n0', "
                             "'serial': 'qtest-hp', 'iothread': 'io0', "
                             "'msix-exclusive-bar': %i}", round % 2);
        qtest_qmp_device_add(qts, "nvme-ns", "hcns",
                             "{'bus': 'hc', 'drive': 'n1', 'nsid': 2}");
        qtest_qmp_device_del_send(qts, "hc");
        qtest_system_reset_nowait(qts);
        wait_deleted(qts, "hc");
    }
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/hotplug/ns-add-del", test_add_del);
    qtest_add_func("/nvme/hotplug/ns-private-detached",
                   test_private_and_detached);
    qtest_add_func("/nvme/hotplug/ns-unplug-under-io", test_unplug_under_io);
    qtest_add_func("/nvme/hotplug/ctrl-replug", test_ctrl_replug);
    return g_test_run();
}

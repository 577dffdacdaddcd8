/*
 * qtest: I/O queues in iothreads.  The iothread-queue-mapping property
 * and its errors; controller reset, queue deletion and hot-unplug while
 * commands run in an iothread; INTx from an iothread; shadow doorbell
 * polling by the iothread; quiesce with chunked commands in flight;
 * MSI-X through KVM irqfds.
 * (The other I/O tests also run with iothreads: NVME_QTEST_MODE, see
 * tests/run-qtests.sh.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "libqos/nvme-drv.h"

#define LBASZ 512
#define QSIZE 64
#define BURST 48                /* commands queued before the disruption */
#define BURST_BLOCKS 128        /* 64 KiB each */

static void fill(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 13 + seed * 101 + (i >> 9));
    }
}

/* A Read or Write of @nblocks at @slba from/to guest buffer @gbuf. */
static void put_rw(NvmeDrv *d, uint16_t qid, uint8_t opc, uint16_t cid,
                   uint64_t slba, uint32_t nblocks, uint64_t gbuf)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, 1);
    nvme_drv_cmd_set_prp(d, &cmd, gbuf, nblocks * LBASZ);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = nblocks - 1;
    cmd.cid = cid;
    nvme_drv_sq_put(d, qid, &cmd);
}

/* Queue BURST writes on @qid and ring once: all in flight together. */
static void burst(NvmeDrv *d, uint16_t qid)
{
    uint32_t len = BURST_BLOCKS * LBASZ;
    uint64_t buf = nvme_drv_alloc(d, len);

    for (int i = 0; i < BURST; i++) {
        put_rw(d, qid, NVME_CMD_WRITE, 0x100 + i, i * BURST_BLOCKS,
               BURST_BLOCKS, buf);
    }
    nvme_drv_sq_ring(d, qid);
}

/*
 * Write a pattern of @nblocks at @slba through @qid, read it back through
 * @qid, compare with what was written and with the image file.
 */
static void verify_rw(NvmeDrv *d, uint16_t qid, uint64_t slba,
                      uint32_t nblocks, uint32_t seed)
{
    uint32_t len = nblocks * LBASZ;
    g_autofree uint8_t *src = g_malloc(len);
    g_autofree uint8_t *dst = g_malloc(len);
    g_autofree uint8_t *file = g_malloc(len);

    fill(src, len, seed);
    g_assert_cmphex(nvme_drv_rw(d, qid, NVME_CMD_WRITE, 1, slba, nblocks,
                                LBASZ, src, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, qid, NVME_CMD_READ, 1, slba, nblocks,
                                LBASZ, dst, 0), ==, NVME_SUCCESS);
    g_assert_cmpmem(src, len, dst, len);
    g_assert_cmpint(pread(d->img_fd, file, len, slba * LBASZ), ==, len);
    g_assert_cmpmem(src, len, file, len);
}

/* Ready controller with its I/O queues in iothread io0 (@more: options). */
static NvmeDrv *start_iothread(const char *more)
{
    g_autofree char *obj = g_strdup_printf("-object iothread,id=io0%s",
                                           more ? more : "");
    /* VSL 16 MiB: a Verify may cover the whole namespace */
    NvmeDrv *d = nvme_drv_start("iothread=io0,vsl=12", obj);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    return d;
}

/* Whether QEMU runs under KVM (a machine without usable KVM falls back). */
static bool kvm_on(NvmeDrv *d)
{
    QDict *r = qtest_qmp(d->qts, "{'execute': 'query-kvm'}");
    bool on = qdict_get_bool(qdict_get_qdict(r, "return"), "enabled");

    qobject_unref(r);
    return on;
}

/*
 * Four queue pairs over two iothreads (1, 3 on io0; 2, 4 on io1), each
 * with commands in flight at the same time; every block reads back.
 */
static void test_mapping(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-object iothread,id=io0 -object iothread,id=io1 "
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device '{\"driver\": \"nvme\", \"drive\": \"d0\", "
        "\"serial\": \"map\", \"max_ioqpairs\": 4, "
        "\"iothread-queue-mapping\": ["
        "{\"iothread\": \"io0\", \"vqs\": [1, 3]}, "
        "{\"iothread\": \"io1\", \"vqs\": [2, 4]}]}'");
    uint32_t len = 16 * LBASZ;
    g_autofree uint8_t *src = g_malloc(len);
    g_autofree uint8_t *file = g_malloc(len);
    NvmeCqe cqe;

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    for (uint16_t q = 1; q <= 4; q++) {
        nvme_drv_create_qpair(d, q, QSIZE);
    }
    /* eight 8 KiB writes per queue, all queues at once */
    for (uint16_t q = 1; q <= 4; q++) {
        for (int i = 0; i < 8; i++) {
            uint64_t buf = nvme_drv_alloc(d, len);

            fill(src, len, q * 16 + i);
            nvme_drv_memwrite(d, buf, src, len);
            put_rw(d, q, NVME_CMD_WRITE, 0x200 + i, (q * 8 + i) * 16, 16,
                   buf);
        }
        nvme_drv_sq_ring(d, q);
    }
    for (uint16_t q = 1; q <= 4; q++) {
        for (int i = 0; i < 8; i++) {
            nvme_drv_wait_cid(d, q, 0x200 + i, &cqe);
            g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
        }
    }
    for (uint16_t q = 1; q <= 4; q++) {
        for (int i = 0; i < 8; i++) {
            fill(src, len, q * 16 + i);
            g_assert_cmpint(pread(d->img_fd, file, len,
                                  (q * 8 + i) * 16 * LBASZ), ==, len);
            g_assert_cmpmem(src, len, file, len);
        }
        verify_rw(d, q, 2000 + q * 32, 32, q);
    }
    nvme_drv_stop(d);
}

/* device_add of a controller with @props (JSON members); its error. */
static char *add_error(NvmeDrv *d, const char *props)
{
    g_autofree char *json = g_strdup_printf(
        "{'driver': 'nvme', 'bus': 'rp0', 'serial': 'x', "
        "'max_ioqpairs': 4, %s}", props);
    QObject *args = qobject_from_json(json, &error_abort);
    QDict *r = qtest_qmp(d->qts, "{'execute': 'device_add', "
                         "'arguments': %p}", args);
    char *desc = NULL;

    if (qdict_haskey(r, "error")) {
        desc = g_strdup(qdict_get_str(qdict_get_qdict(r, "error"), "desc"));
    }
    qobject_unref(r);
    return desc;
}

/* Bad mappings are refused at realize with a reason. */
static void test_mapping_errors(void)
{
    NvmeDrv *d = nvme_drv_start(
        NULL, "-object iothread,id=io0 -object iothread,id=io1 "
        "-device pcie-root-port,id=rp0,slot=1,chassis=1");
    static const struct {
        const char *props, *why;
    } bad[] = {
        { "'iothread-queue-mapping': [{'iothread': 'io0', 'vqs': [0]}]",
          "not an I/O queue id" },
        { "'iothread-queue-mapping': [{'iothread': 'io0', 'vqs': [5]}]",
          "not an I/O queue id" },
        { "'iothread-queue-mapping': [{'iothread': 'io0', 'vqs': [1]}, "
          "{'iothread': 'io1', 'vqs': [2, 1]}]", "mapped twice" },
        { "'iothread-queue-mapping': [{'iothread': 'io0', 'vqs': [1]}, "
          "{'iothread': 'io1'}]", "all or no" },
        { "'iothread-queue-mapping': [{'iothread': 'nope'}]", "not found" },
        { "'iothread': 'io0', "
          "'iothread-queue-mapping': [{'iothread': 'io1'}]", "both" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *err = add_error(d, bad[i].props);

        g_assert_nonnull(err);
        g_assert_nonnull(strstr(err, bad[i].why));
    }
    /* the existing controller is unaffected */
    nvme_drv_ready_io(d, QSIZE);
    verify_rw(d, 1, 10, 8, 1);
    nvme_drv_stop(d);
}

/*
 * CC.EN = 0 while a burst runs in the iothread: the controller resets
 * (RDY = 0, no fatal status), and after enabling again I/O works.
 */
static void test_reset_inflight(void)
{
    NvmeDrv *d = start_iothread(NULL);

    for (int round = 0; round < 3; round++) {
        nvme_drv_create_qpair(d, 1, QSIZE);
        nvme_drv_create_qpair(d, 2, QSIZE);
        burst(d, 1);
        burst(d, 2);
        nvme_drv_disable(d);
        g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & 3, ==, 0);
        nvme_drv_enable(d, 32, 32);
    }
    nvme_drv_create_qpair(d, 1, QSIZE);
    verify_rw(d, 1, 5000, 64, 7);
    nvme_drv_stop(d);
}

/*
 * Delete SQ 1 and CQ 1 while a burst runs on them in the iothread; queue
 * pair 2 with its own burst is untouched: every one of its commands
 * completes successfully.  Queue 1 then comes back and works.
 */
static void test_delete_inflight(void)
{
    NvmeDrv *d = start_iothread(NULL);
    NvmeCqe cqe;

    nvme_drv_create_qpair(d, 1, QSIZE);
    nvme_drv_create_qpair(d, 2, QSIZE);
    burst(d, 2);
    burst(d, 1);
    g_assert_cmphex(nvme_drv_delete_sq(d, 1), ==, 0);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, 0);
    for (int i = 0; i < BURST; i++) {
        nvme_drv_wait_cid(d, 2, 0x100 + i, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    }
    nvme_drv_create_qpair(d, 1, QSIZE);
    verify_rw(d, 1, 6000, 16, 3);
    verify_rw(d, 2, 6100, 16, 4);
    nvme_drv_stop(d);
}

/* Whether /machine/peripheral has a child @id. */
static bool peripheral_exists(QTestState *qts, const char *id)
{
    QDict *r = qtest_qmp(qts, "{'execute': 'qom-list', 'arguments': "
                         "{'path': '/machine/peripheral'}}");
    QListEntry *e;
    bool found = false;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(r, "return"), e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));

        found |= !strcmp(qdict_get_str(p, "name"), id);
    }
    qobject_unref(r);
    return found;
}

/*
 * device_del while a burst runs in the iothread (pc machine: ACPI PCI
 * hotplug on the root bus, ejected through the PIIX4 hotplug register).
 * The controller goes away (its unrealize quiesces and drains the
 * iothread queue), is finalized (DEVICE_DELETED) and QEMU carries on.
 */
static NvmeDrv *start_unplug(const char *accel)
{
    g_autofree char *args = g_strdup_printf(
        "-machine pc -object iothread,id=io0 "
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=nv0,addr=4.0,drive=d0,serial=unplug,"
        "iothread=io0 %s", accel);

    return nvme_drv_start_args(args);
}

static void unplug_inflight(NvmeDrv *d)
{
    QDict *r, *ev = NULL;

    nvme_drv_ready_io(d, QSIZE);
    verify_rw(d, 1, 0, 8, 9);
    g_assert_true(peripheral_exists(d->qts, "nv0"));
    burst(d, 1);
    qtest_qmp_device_del_send(d->qts, "nv0");
    qtest_outl(d->qts, 0xae08, 1 << 4);     /* PCI_EJ_BASE: eject slot 4 */
    for (int i = 0; i < 1000 && peripheral_exists(d->qts, "nv0"); i++) {
        g_usleep(1000);
    }
    g_assert_false(peripheral_exists(d->qts, "nv0"));
    /* finalized too (nothing keeps a reference): DEVICE_DELETED comes */
    for (int i = 0; i < 5000 && !ev; i++) {
        qobject_unref(qtest_qmp(d->qts, "{'execute': 'query-status'}"));
        ev = qtest_qmp_event_ref(d->qts, "DEVICE_DELETED");
        if (!ev) {
            g_usleep(1000);
        }
    }
    g_assert_nonnull(ev);
    g_assert_cmpstr(qdict_get_str(qdict_get_qdict(ev, "data"), "device"),
                    ==, "nv0");
    qobject_unref(ev);
    r = qtest_qmp(d->qts, "{'execute': 'query-iothreads'}");
    g_assert_true(qdict_haskey(r, "return"));
    qobject_unref(r);
    nvme_drv_stop(d);
}

static void test_unplug_inflight(void)
{
    unplug_inflight(start_unplug(""));
}

/*
 * MSI-X off: the iothread's completion raises INTx (through the main
 * loop) and consuming the entry lowers it again.
 */
static void test_intx(void)
{
    NvmeDrv *d = nvme_drv_start("iothread=io0", "-object iothread,id=io0");
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(nvme_drv_create_cq(d, 1, QSIZE, 0, true), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, QSIZE), ==, 0);
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    nvme_drv_cmd_set_prp(d, &cmd, nvme_drv_alloc(d, LBASZ), LBASZ);
    nvme_drv_submit(d, 1, &cmd);
    for (int i = 0; i < 10000 && !nvme_drv_cqe_ready(d, 1); i++) {
        g_usleep(1000);
    }
    g_assert_true(nvme_drv_cqe_ready(d, 1));
    g_assert_true(nvme_drv_intx_wait(d, true, 1000));
    g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 1000, true));
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    g_assert_false(nvme_drv_intx_asserted(d));
    nvme_drv_stop(d);
}

/*
 * A Write Zeroes and a Verify (1 MiB chunk by chunk) of the whole
 * namespace run in the iothread while admin commands quiesce the queues
 * (each waits until the chunk in flight, and any chunk its callback
 * queued, have finished): everything succeeds, every block is zero.
 */
static void test_quiesce_multichunk(void)
{
    NvmeDrv *d = start_iothread(NULL);
    uint32_t nblocks = NVME_DRV_IMG_SIZE / LBASZ;
    g_autofree uint8_t *file = g_malloc(NVME_DRV_IMG_SIZE);
    g_autofree uint8_t *zero = g_malloc0(NVME_DRV_IMG_SIZE);
    uint8_t log[512];
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_create_qpair(d, 1, QSIZE);
    for (int round = 0; round < 3; round++) {
        verify_rw(d, 1, 0, 64, round);
        verify_rw(d, 1, nblocks - 64, 64, round + 10);
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 1);
        cmd.cdw12 = nblocks - 1;
        cmd.cid = 0x400;
        nvme_drv_sq_put(d, 1, &cmd);
        nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, 1);
        cmd.cdw12 = nblocks - 1;
        cmd.cid = 0x401;
        nvme_drv_sq_put(d, 1, &cmd);
        nvme_drv_sq_ring(d, 1);
        for (int i = 0; i < 4; i++) {
            g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO,
                                             0xffffffff, 0, log,
                                             sizeof(log)), ==, 0);
        }
        nvme_drv_wait_cid(d, 1, 0x400, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
        nvme_drv_wait_cid(d, 1, 0x401, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
        g_assert_cmpint(pread(d->img_fd, file, NVME_DRV_IMG_SIZE, 0), ==,
                        NVME_DRV_IMG_SIZE);
        g_assert_cmpmem(file, NVME_DRV_IMG_SIZE, zero, NVME_DRV_IMG_SIZE);
    }
    nvme_drv_stop(d);
}

/* Linux's EventIdx rule: ring when the new tail passed @ei. */
static bool need_event(uint16_t ei, uint16_t new, uint16_t old)
{
    return (uint16_t)(new - ei - 1) < (uint16_t)(new - old);
}

/*
 * Shadow doorbells with an iothread that may poll for up to 2 s: the
 * host writes each new SQ tail to the shadow buffer and rings only when
 * the EventIdx asks for it.  Once adaptive polling has grown, the
 * iothread finds the commands by itself and parks the EventIdx, so most
 * commands need no doorbell; all complete and the data is on disk.
 */
static void test_poll(void)
{
    NvmeDrv *d = nvme_drv_start(
        "iothread=iop,ioeventfd=on",
        "-object iothread,id=iop,poll-max-ns=2000000000");
    uint64_t dbs, eis, buf = 0;
    const int n = 60;
    int rings = 0;
    uint8_t data[LBASZ], file[LBASZ];
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    dbs = nvme_drv_alloc(d, 4096);
    eis = nvme_drv_alloc(d, 4096);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DBBUF_CONFIG, 0);
    cmd.dptr.prp1 = dbs;
    cmd.dptr.prp2 = eis;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, 0);
    nvme_drv_create_qpair(d, 1, QSIZE);
    for (int i = 0; i < n; i++) {
        uint32_t tail = cpu_to_le32(i + 1), ei;

        memset(data, i + 1, sizeof(data));
        buf = nvme_drv_alloc(d, LBASZ);
        nvme_drv_memwrite(d, buf, data, sizeof(data));
        put_rw(d, 1, NVME_CMD_WRITE, 0x300 + i, 7000 + i, 1, buf);
        nvme_drv_memwrite(d, dbs + 8, &tail, 4);
        nvme_drv_memread(d, eis + 8, &ei, 4);
        if (need_event(le32_to_cpu(ei), i + 1, i)) {
            nvme_drv_raw_db(d, 1, false, i + 1);
            rings++;
        }
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 10000, false));
        g_assert_cmphex(cqe.cid, ==, 0x300 + i);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    }
    g_test_message("%d of %d commands needed a doorbell", rings, n);
    g_assert_cmpint(rings, <, n * 2 / 3);
    g_assert_cmpint(pread(d->img_fd, file, LBASZ, (7000 + n - 1) * LBASZ),
                    ==, LBASZ);
    g_assert_cmpmem(data, LBASZ, file, LBASZ);
    nvme_drv_stop(d);
}

/* One write on @qid; its completion is polled, not waited for by MSI-X. */
static void write_one(NvmeDrv *d, uint16_t qid, uint64_t slba)
{
    uint8_t data[LBASZ];

    fill(data, LBASZ, slba);
    g_assert_cmphex(nvme_drv_rw(d, qid, NVME_CMD_WRITE, 1, slba, 1, LBASZ,
                                data, 0), ==, NVME_SUCCESS);
}

/*
 * KVM irqfd (vCPUs stopped; skipped without KVM).  The vector of queue 1,
 * in an iothread, is bound to KVM: its interrupts reach the in-kernel
 * irqchip, so the message is never written to the MSI-X address in RAM,
 * where the main loop's msix_notify writes it (as it does for the admin
 * queue).  Masked, the binding is undone and a completion sets the
 * Pending bit; unmasking delivers that one message through the main loop
 * and binds again.  A controller reset deletes and re-creates the queue,
 * which binds again.  A QEMU built without the NVME_IRQFD part (the
 * kconfig suite) never binds: every message goes through the main loop.
 */
static void test_irqfd(void)
{
    NvmeDrv *d = nvme_drv_start("iothread=io0",
                                "-object iothread,id=io0 -accel kvm -S");
    bool main_loop = nvme_drv_part_off("NVME_IRQFD");
    uint32_t wait_ms = main_loop ? 5000 : 200;

    if (!kvm_on(d)) {
        nvme_drv_stop(d);
        g_test_skip("KVM is not usable here");
        return;
    }
    nvme_drv_ready_io(d, QSIZE);
    g_assert_true(nvme_drv_msix_wait(d, 0, 1000));      /* main loop */
    for (int round = 0; round < 2; round++) {
        write_one(d, 1, 10);
        g_assert_cmpint(nvme_drv_msix_wait(d, 1, wait_ms), ==, main_loop);
        g_assert_false(nvme_drv_msix_pending(d, 1));

        nvme_drv_msix_mask(d, 1, true);
        write_one(d, 1, 11);
        g_assert_true(nvme_drv_msix_pending(d, 1));
        g_assert_false(nvme_drv_msix_fired(d, 1));
        nvme_drv_msix_mask(d, 1, false);
        g_assert_false(nvme_drv_msix_pending(d, 1));
        g_assert_true(nvme_drv_msix_fired(d, 1));

        write_one(d, 1, 12);
        g_assert_cmpint(nvme_drv_msix_wait(d, 1, wait_ms), ==, main_loop);

        nvme_drv_disable(d);
        nvme_drv_msix_clear_all(d);
        nvme_drv_enable(d, 32, 32);
        nvme_drv_create_qpair(d, 1, QSIZE);
    }
    nvme_drv_stop(d);
}

/* The unplug above with KVM irqfds bound: unrealize unbinds them. */
static void test_irqfd_unplug(void)
{
    NvmeDrv *d = start_unplug("-accel kvm -S");

    if (!kvm_on(d)) {
        nvme_drv_stop(d);
        g_test_skip("KVM is not usable here");
        return;
    }
    unplug_inflight(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/iothread/mapping", test_mapping);
    qtest_add_func("/nvme/iothread/mapping-errors", test_mapping_errors);
    qtest_add_func("/nvme/iothread/reset-inflight", test_reset_inflight);
    qtest_add_func("/nvme/iothread/delete-inflight", test_delete_inflight);
    qtest_add_func("/nvme/iothread/unplug-inflight", test_unplug_inflight);
    qtest_add_func("/nvme/iothread/intx", test_intx);
    qtest_add_func("/nvme/iothread/poll", test_poll);
    qtest_add_func("/nvme/iothread/irqfd", test_irqfd);
    qtest_add_func("/nvme/iothread/irqfd-unplug", test_irqfd_unplug);
    qtest_add_func("/nvme/iothread/quiesce-multichunk",
                   test_quiesce_multichunk);
    return g_test_run();
}

/*
 * qtest: live migration of the NVMe controller with commands in flight.
 *
 * Two QEMUs over a unix socket (QEMU's migration qtest helpers, through
 * tests/qtest/libqos/nvme-mig.c): commands are submitted and the VM is
 * migrated at once, so the switchover meets them in every state (in the
 * backend, completed but not posted because the CQ is full, parked by
 * werror=stop, outstanding AERs); on the destination each must complete
 * exactly once with the right data.  The I/O modes of NVME_QTEST_MODE
 * (iothread, ioeventfd off, shadow doorbells) apply to both QEMUs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "libqos/nvme-drv.h"
#include "libqos/nvme-mig.h"

#define LBASZ       512
#define QSIZE       64
#define NR_QUEUES   3
/* Region A is prefilled behind the device and read; writes go to B. */
#define REGION_A    0
#define REGION_B    8192
#define SEED_A      0x5a
#define SEED_B      0xc3

/*
 * A controller on the image (@drive_opts added to its -drive), MSI-X on,
 * @nq I/O queue pairs of @qsize entries.
 */
static NvmeDrv *start(const char *drive_opts, unsigned nq, uint32_t qsize)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw%s%s "
        "-device nvme,drive=d0,serial=qtest-mig", drive_opts ? "," : "",
        drive_opts ? drive_opts : "");
    NvmeDrv *d = nvme_drv_start_args(args);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    for (unsigned q = 1; q <= nq; q++) {
        nvme_drv_create_qpair(d, q, qsize);
    }
    return d;
}

/*
 * Fill @b with @per_queue commands on each of queues 1..@nq: writes of
 * pattern SEED_B into region B and reads of region A (which the image
 * holds with SEED_A), 1 to 8 blocks each, alternating.
 */
static void submit_mix(NvmeDrv *d, NvmeDrvBatch *b, unsigned nq,
                       unsigned per_queue)
{
    b->nsid = 1;
    b->lbasz = LBASZ;
    nvme_drv_img_fill(d, REGION_A, 1024, LBASZ, SEED_A);
    for (unsigned i = 0; i < per_queue; i++) {
        for (unsigned q = 1; q <= nq; q++) {
            uint32_t nlb = 1 + (i + q) % 8;
            uint64_t slot = (i * nq + q) * 8;

            if (i % 2) {
                nvme_drv_batch_add(d, b, q, NVME_CMD_READ, REGION_A + slot,
                                   nlb, SEED_A, true);
            } else {
                nvme_drv_batch_add(d, b, q, NVME_CMD_WRITE, REGION_B + slot,
                                   nlb, SEED_B, true);
            }
        }
    }
}

/* The writes of a checked batch reached the image. */
static void check_writes(NvmeDrv *d, unsigned nq, unsigned per_queue)
{
    for (unsigned i = 0; i < per_queue; i += 2) {
        for (unsigned q = 1; q <= nq; q++) {
            g_assert_true(nvme_drv_img_has(d, REGION_B + (i * nq + q) * 8,
                                           1 + (i + q) % 8, LBASZ, SEED_B));
        }
    }
}

/* After a migration: fresh I/O and admin commands work. */
static void check_alive(NvmeDrv *d)
{
    uint8_t buf[LBASZ * 2], back[LBASZ * 2];
    g_autofree uint8_t *id = g_malloc(4096);

    memset(buf, 0x77, sizeof(buf));
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 4000, 2, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 4000, 2, LBASZ, back,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(buf, sizeof(buf), back, sizeof(back));
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_FAILED, ==,
                    0);
}

/*
 * While the VM is stopped the controller posts nothing (guest memory must
 * not change after migration's last RAM pass); commands in flight have
 * reached the media and complete, once each, when it runs again.  The
 * drive is throttled so that the stop meets commands in the backend.
 */
static void test_stop_cont(void)
{
    NvmeDrv *d = start("throttling.iops-total=200", NR_QUEUES, QSIZE);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    uint32_t posted[NR_QUEUES + 1];
    g_autofree char *st = NULL;

    submit_mix(d, b, NR_QUEUES, 16);
    /* the stop must meet every command started (an iothread fetches later) */
    for (unsigned q = 1; q <= NR_QUEUES; q++) {
        g_assert_true(nvme_drv_wait_sq_fetched(d, q, 5000));
    }
    qtest_qmp_assert_success(d->qts, "{'execute': 'stop'}");
    for (unsigned q = 1; q <= NR_QUEUES; q++) {
        posted[q] = nvme_drv_cq_posted(d, q);
    }
    g_usleep(300 * 1000);
    for (unsigned q = 1; q <= NR_QUEUES; q++) {
        g_assert_cmpuint(nvme_drv_cq_posted(d, q), ==, posted[q]);
    }
    check_writes(d, NR_QUEUES, 16);     /* drained at the stop */
    st = nvme_drv_run_state(d);
    g_assert_cmpstr(st, ==, "paused");
    qtest_qmp_assert_success(d->qts, "{'execute': 'cont'}");
    nvme_drv_batch_check(d, b);
    check_alive(d);
    g_free(b);
    nvme_drv_stop(d);
}

/*
 * @per_queue commands on each of queues 1..@nq in flight when @m
 * migrates the VM: each completes once, with the right data.
 */
static void migrate_busy(NvmeDrv *d, unsigned nq, unsigned per_queue,
                         const NvmeDrvMig *m)
{
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);

    submit_mix(d, b, nq, per_queue);
    nvme_drv_migrate(d, m);
    nvme_drv_batch_check(d, b);
    check_writes(d, nq, per_queue);
    g_free(b);
}

/* Commands on several queues in flight at the moment of the migration. */
static void test_live_inflight(void)
{
    NvmeDrv *d = start(NULL, NR_QUEUES, QSIZE);

    migrate_busy(d, NR_QUEUES, 32, NULL);
    check_alive(d);
    nvme_drv_stop(d);
}

/*
 * Completions that do not fit the CQ (the host consumes none before the
 * migration) travel in the stream and are posted on the destination.
 */
static void test_unposted(void)
{
    NvmeDrv *d = start(NULL, 0, 0);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);

    g_assert_cmphex(nvme_drv_create_cq(d, 1, 8, 1, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 32), ==, NVME_SUCCESS);
    submit_mix(d, b, 1, 24);
    /* the CQ holds 7; the rest wait in the controller */
    for (int i = 0; i < 1000 && nvme_drv_cq_posted(d, 1) < 7; i++) {
        g_usleep(1000);
    }
    g_assert_cmpuint(nvme_drv_cq_posted(d, 1), ==, 7);
    nvme_drv_migrate(d, NULL);
    nvme_drv_batch_check(d, b);
    check_writes(d, 1, 24);
    check_alive(d);
    g_free(b);
    nvme_drv_stop(d);
}

/* stop, migrate, cont: the destination continues what the source froze. */
static void test_paused(void)
{
    NvmeDrv *d = start(NULL, NR_QUEUES, QSIZE);
    NvmeDrvMig m = { .paused = true };

    migrate_busy(d, NR_QUEUES, 16, &m);
    check_alive(d);
    nvme_drv_stop(d);
}

/* Postcopy: the destination runs while guest memory still arrives. */
static void test_postcopy(void)
{
    NvmeDrvMig m = { .postcopy = true };
    NvmeDrv *d;

    if (!nvme_mig_postcopy_ok()) {
        g_test_skip("no userfaultfd");
        return;
    }
    d = start(NULL, NR_QUEUES, QSIZE);
    migrate_busy(d, NR_QUEUES, 16, &m);
    check_alive(d);
    nvme_drv_stop(d);
}

/*
 * Queues in the Controller Memory Buffer (it is RAM of the device that
 * migration copies; CMBMSC travels in the stream): the commands in them
 * complete on the destination.
 */
static void test_cmb(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=qtest-mig,cmb_size_mb=4");

    nvme_drv_cmb_enable(d);
    d->cmb_queues = true;
    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    for (unsigned q = 1; q <= NR_QUEUES; q++) {
        nvme_drv_create_qpair(d, q, QSIZE);
    }
    migrate_busy(d, NR_QUEUES, 16, NULL);
    check_alive(d);
    nvme_drv_stop(d);
}

/* A to B to C to D, with commands in flight at each switchover. */
static void test_chain(void)
{
    NvmeDrv *d = start(NULL, NR_QUEUES, QSIZE);

    for (int hop = 0; hop < 3; hop++) {
        migrate_busy(d, NR_QUEUES, 8, NULL);
    }
    check_alive(d);
    nvme_drv_stop(d);
}

/*
 * werror=stop: a write that failed is parked and the VM stops; migrated
 * in that state (stopped source, destination left stopped too), the
 * command is carried and executed again when the destination runs.  The
 * destination's error rule points elsewhere, so the retry succeeds.
 */
static void test_parked(void)
{
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=blkdebug,node-name=dbg,"
        "image.driver=file,image.filename=@IMG@,"
        "inject-error.0.event=none,inject-error.0.iotype=write,"
        "inject-error.0.errno=%d,inject-error.0.once=on,"
        "inject-error.0.sector=%d "
        "-device nvme,drive=dbg,serial=qtest-mig,werror=stop", EIO,
        REGION_B + 8);
    NvmeDrv *d = nvme_drv_start_args(args);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    NvmeDrvMig m = {
        .keep_paused = true,
        .dst_was = "inject-error.0.iotype=write",
        .dst_is = "inject-error.0.iotype=flush",
    };
    g_autofree char *st = NULL;

    nvme_drv_ready_io(d, QSIZE);
    submit_mix(d, b, 1, 8);             /* the first write hits the sector */
    nvme_drv_wait_run_state(d, "io-error");
    nvme_drv_migrate(d, &m);
    st = nvme_drv_run_state(d);
    g_assert_cmpstr(st, ==, "io-error");
    qtest_qmp_assert_success(d->qts, "{'execute': 'cont'}");
    nvme_drv_batch_check(d, b);
    check_writes(d, 1, 8);
    check_alive(d);
    g_free(b);
    nvme_drv_stop(d);
}

/*
 * Asynchronous Event Requests outstanding at the migration stay
 * outstanding: an event raised on the destination completes the first,
 * and the limit still counts all of them.
 */
static void test_aer(void)
{
    NvmeDrv *d = start(NULL, 1, QSIZE);
    uint16_t cid[4];
    NvmeCmd cmd;
    NvmeCqe cqe;

    /* temperature warnings raise events (the feature migrates too) */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          NVME_SMART_TEMPERATURE, NULL), ==,
                    NVME_SUCCESS);
    for (int i = 0; i < 4; i++) {       /* aerl=3: four outstanding */
        cid[i] = nvme_drv_submit_aer(d);
    }
    nvme_drv_migrate(d, NULL);
    /* a fifth is over the limit: the four are still there */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, &cqe), ==,
                    NVME_AER_LIMIT_EXCEEDED | NVME_DNR);
    /* a temperature threshold below the composite temperature: SMART */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          200, NULL), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(d, cid[0], NVME_AER_TYPE_SMART |
                        (NVME_AER_INFO_SMART_TEMP_THRESH << 8) |
                        (NVME_LOG_SMART_INFO << 16));
    check_alive(d);
    nvme_drv_stop(d);
}

/* ---- everything the guest can see ---- */

/* Opcodes, log pages and features block/nvme.h does not name. */
#define OPC_DST             0x14    /* Device Self-test */
#define OPC_RESV_REGISTER   0x0d
#define OPC_RESV_REPORT     0x0e
#define OPC_RESV_ACQUIRE    0x11
#define LID_DST             0x06
#define LID_TELEMETRY_HOST  0x07
#define LID_ENDGRP          0x09
#define LID_LBA_STATUS      0x0e
#define LID_SANITIZE        0x81
#define FID_HOST_ID         0x81
#define FID_RESV_MASK       0x82
#define FID_RESV_PERSIST    0x83

/* Append "@what sha256" (or the hex bytes, when short) to @out. */
static void print_blob(GString *out, const char *what, const void *p,
                       size_t len)
{
    if (len <= 16) {
        g_string_append_printf(out, "%s", what);
        for (size_t i = 0; i < len; i++) {
            g_string_append_printf(out, " %02x", ((const uint8_t *)p)[i]);
        }
        g_string_append_c(out, '\n');
        return;
    }
    g_string_append_printf(out, "%s %s\n", what,
                           g_compute_checksum_for_data(G_CHECKSUM_SHA256, p,
                                                       len));
}

/* A feature's dword 0 (and data) with @sel, into @out. */
static void print_feature(NvmeDrv *d, GString *out, uint8_t fid,
                          uint8_t sel, uint32_t nsid, uint32_t dw11,
                          uint32_t len)
{
    g_autofree uint8_t *buf = g_malloc0(MAX(len, 4));
    g_autofree char *what = g_strdup_printf("feature %02x/%x sel %u", fid,
                                            dw11, sel);
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, nsid);
    cmd.cdw10 = fid | (sel << 8);
    cmd.cdw11 = dw11;
    st = nvme_drv_exec_data(d, 0, &cmd, NULL, buf, len, &cqe);
    g_string_append_printf(out, "%s: status %x dw0 %08x\n", what, st,
                           cqe.result);
    if (len && !st) {
        print_blob(out, what, buf, len);
    }
}

/* A log page (@len bytes from offset 0) into @out. */
static void print_log(NvmeDrv *d, GString *out, uint8_t lid, uint32_t nsid,
                      uint32_t len)
{
    g_autofree uint8_t *buf = g_malloc0(len);
    g_autofree char *what = g_strdup_printf("log %02x nsid %x", lid, nsid);

    g_assert_cmphex(nvme_drv_get_log(d, lid, nsid, 0, buf, len), ==,
                    NVME_SUCCESS);
    print_blob(out, what, buf, len);
}

/*
 * What the guest can read of the controller: registers, every feature
 * (current and saved), the log pages, Identify data and the reservation
 * report.  Reading has no effect that another read would see.
 */
static char *guest_view(NvmeDrv *d)
{
    static const uint8_t fids[] = {
        NVME_ARBITRATION, NVME_POWER_MANAGEMENT, NVME_ERROR_RECOVERY,
        NVME_NUMBER_OF_QUEUES, NVME_INTERRUPT_COALESCING,
        NVME_ASYNCHRONOUS_EVENT_CONF, NVME_DRV_FID_KATO,
        NVME_COMMAND_SET_PROFILE,
    };
    GString *out = g_string_new(NULL);
    g_autofree uint8_t *buf = g_malloc0(4096);

    g_string_append_printf(out, "CAP %" PRIx64 " VS %x CC %x CSTS %x AQA %x "
                           "ASQ %" PRIx64 " ACQ %" PRIx64 "\n",
                           nvme_drv_rd64(d, NVME_REG_CAP),
                           nvme_drv_rd32(d, NVME_REG_VS),
                           nvme_drv_rd32(d, NVME_REG_CC),
                           nvme_drv_rd32(d, NVME_REG_CSTS),
                           nvme_drv_rd32(d, NVME_REG_AQA),
                           nvme_drv_rd64(d, NVME_REG_ASQ),
                           nvme_drv_rd64(d, NVME_REG_ACQ));
    for (int sel = 0; sel <= 2; sel += 2) {
        for (size_t i = 0; i < ARRAY_SIZE(fids); i++) {
            print_feature(d, out, fids[i], sel, 0, 0, 0);
        }
        print_feature(d, out, NVME_TEMPERATURE_THRESHOLD, sel, 0, 0, 0);
        print_feature(d, out, NVME_TEMPERATURE_THRESHOLD, sel, 0, 1 << 20, 0);
        print_feature(d, out, NVME_INTERRUPT_VECTOR_CONF, sel, 0, 1, 0);
        print_feature(d, out, NVME_TIMESTAMP, sel, 0, 0, 8);
        print_feature(d, out, NVME_HOST_BEHAVIOR_SUPPORT, sel, 0, 0, 512);
        print_feature(d, out, FID_HOST_ID, sel, 0, 0, 8);
        print_feature(d, out, FID_RESV_MASK, sel, 1, 0, 0);
        print_feature(d, out, FID_RESV_PERSIST, sel, 1, 0, 0);
    }
    print_log(d, out, NVME_LOG_ERROR_INFO, 0, 4096);
    print_log(d, out, NVME_LOG_SMART_INFO, 0xffffffff, 512);
    print_log(d, out, NVME_LOG_SMART_INFO, 1, 512);
    {
        NvmeCmd cmd;

        /* Endurance Group Information of group 1 (LSI): live SQs' counts */
        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0);
        cmd.cdw10 = LID_ENDGRP | (512 / 4 - 1) << 16;
        cmd.cdw11 = 1u << 16;
        g_assert_cmphex(nvme_drv_exec_data(d, 0, &cmd, NULL, buf, 512,
                                           NULL), ==, NVME_SUCCESS);
        print_blob(out, "endurance group log", buf, 512);
    }
    print_log(d, out, NVME_LOG_FW_SLOT_INFO, 0, 512);
    print_log(d, out, LID_DST, 0, 564);
    print_log(d, out, LID_TELEMETRY_HOST, 0, 4096);
    print_log(d, out, LID_LBA_STATUS, 0, 512);
    print_log(d, out, LID_SANITIZE, 0, 512);
    for (uint32_t cns = 0; cns <= 2; cns++) {
        for (uint32_t nsid = cns == 1 ? 0 : 1; nsid <= (cns ? 0 : 2);
             nsid++) {
            g_autofree char *what = g_strdup_printf("identify %u nsid %u",
                                                    cns, nsid);

            g_assert_cmphex(nvme_drv_identify(d, cns, nsid, 0, buf), ==,
                            NVME_SUCCESS);
            print_blob(out, what, buf, 4096);
        }
    }
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, OPC_RESV_REPORT, 1);
        cmd.cdw10 = 4096 / 4 - 1;
        cmd.cdw11 = 1;                  /* extended data structure */
        g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, NULL, buf, 4096,
                                           NULL), ==, NVME_SUCCESS);
        print_blob(out, "reservation report", buf, 4096);
    }
    return g_string_free(out, false);
}

/* A Set Features with @len bytes of data, which must succeed. */
static void set_feature(NvmeDrv *d, uint8_t fid, bool save, uint32_t nsid,
                        uint32_t dw11, const void *data, uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, nsid);
    cmd.cdw10 = fid | (save ? 1u << 31 : 0);
    cmd.cdw11 = dw11;
    g_assert_cmphex(nvme_drv_exec_data(d, 0, &cmd, data, NULL, len,
                                       NULL), ==, NVME_SUCCESS);
}

/* An admin command with @data going to the controller; its status. */
static uint16_t admin_to(NvmeDrv *d, uint8_t opc, uint32_t nsid,
                         uint32_t cdw10, uint32_t cdw11, const void *data,
                         uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.cdw10 = cdw10;
    cmd.cdw11 = cdw11;
    return nvme_drv_exec_data(d, 0, &cmd, data, NULL, len, NULL);
}

/* A firmware image of @len bytes with revision @rev. */
static uint8_t *fw_image(const char *rev, size_t len)
{
    uint8_t *img = g_malloc0(len);

    memcpy(img, "QEMUNVFW", 8);
    memset(img + 8, ' ', 8);
    memcpy(img + 8, rev, strlen(rev));
    for (size_t i = 16; i < len; i++) {
        img[i] = i * 13;
    }
    return img;
}

/* Download @len bytes of @img from @off (a piece of the image). */
static void fw_piece(NvmeDrv *d, const uint8_t *img, uint32_t off,
                     uint32_t len)
{
    g_assert_cmphex(admin_to(d, NVME_ADM_CMD_DOWNLOAD_FW, 0, len / 4 - 1,
                             off / 4, img + off, len), ==, NVME_SUCCESS);
}

/* The reservation commands of NSID 1 through queue 1: register, acquire. */
static void resv_hold(NvmeDrv *d)
{
    uint64_t keys[2] = { 0, cpu_to_le64(0xabcd) };
    uint64_t hostid[2] = { cpu_to_le64(0x1122334455667788ULL), 0 };
    NvmeCmd cmd;

    set_feature(d, FID_HOST_ID, false, 0, 0, hostid, 8);
    nvme_drv_cmd_init(&cmd, OPC_RESV_REGISTER, 1);
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, keys, NULL, 16, NULL), ==,
                    NVME_SUCCESS);
    keys[0] = keys[1];
    nvme_drv_cmd_init(&cmd, OPC_RESV_ACQUIRE, 1);
    cmd.cdw10 = 1 << 8;                 /* acquire, Write Exclusive */
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, keys, NULL, 16, NULL), ==,
                    NVME_SUCCESS);
}

/*
 * Every kind of state the guest sets or the controller keeps: features
 * (current and saved, with data), the error log, SMART counters, Write
 * Uncorrectable marks, a pending firmware activation and a partly
 * downloaded image, a telemetry snapshot, a self-test running,
 * reservations, a namespace formatted with metadata and protection
 * information.  Everything the guest can read is the same after the
 * migration, and what was under way goes on there.
 */
static void test_state(void)
{
    g_autofree char *img2 = nvme_drv_make_image(4 * 1024 * 1024);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-device nvme,id=c0,drive=d0,serial=qtest-state "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,ms=8", img2);
    NvmeDrv *d = nvme_drv_start_args(args);
    g_autofree uint8_t *fw2 = fw_image("2.0", 8192);
    g_autofree uint8_t *fw3 = fw_image("3.0", 8192);
    g_autofree char *before = NULL, *after = NULL;
    uint8_t hbs[512] = { 1 }, ts[8] = { 0x89, 0x67, 0x45, 0x23, 0x01 };
    uint8_t data[LBASZ] = { 0 };
    NvmeFwSlotInfoLog fw;
    NvmeCmd cmd;

    nvme_drv_ready_io(d, QSIZE);
    set_feature(d, NVME_ARBITRATION, true, 0, 0x01020305, NULL, 0);
    set_feature(d, NVME_ARBITRATION, false, 0, 0x04030201, NULL, 0);
    set_feature(d, NVME_TEMPERATURE_THRESHOLD, true, 0, 330, NULL, 0);
    set_feature(d, NVME_TEMPERATURE_THRESHOLD, false, 0, 320, NULL, 0);
    set_feature(d, NVME_ERROR_RECOVERY, false, 0, 0x20, NULL, 0);
    set_feature(d, NVME_INTERRUPT_COALESCING, false, 0, 0x0a03, NULL, 0);
    set_feature(d, NVME_INTERRUPT_VECTOR_CONF, false, 0, 1 | 1 << 16, NULL,
                0);
    set_feature(d, NVME_ASYNCHRONOUS_EVENT_CONF, false, 0, 0x102, NULL, 0);
    set_feature(d, NVME_TIMESTAMP, false, 0, 0, ts, 8);
    set_feature(d, NVME_HOST_BEHAVIOR_SUPPORT, false, 0, 0, hbs, 512);
    set_feature(d, FID_RESV_MASK, false, 1, 0x4, NULL, 0);
    resv_hold(d);
    /* an error log entry, SMART counters, marks */
    nvme_drv_cmd_init(&cmd, 0xee, 0);
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==,
                    NVME_INVALID_OPCODE | NVME_DNR);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 10, 1, LBASZ, data,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 10, 1, LBASZ, data,
                                0), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = 100;
    cmd.cdw12 = 3;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    /* slot 2 activates at the next reset; half of another image is in */
    fw_piece(d, fw2, 0, 8192);
    g_assert_cmphex(admin_to(d, NVME_ADM_CMD_ACTIVATE_FW, 0, 2 | 1 << 3, 0,
                             NULL, 0), ==, NVME_SUCCESS);
    fw_piece(d, fw3, 0, 4096);
    /* namespace 2: 512 + 8 bytes, type 1 protection information */
    g_assert_cmphex(admin_to(d, NVME_ADM_CMD_FORMAT_NVM, 2, 2 | 1 << 5, 0,
                             NULL, 0), ==, NVME_SUCCESS);
    /* a telemetry snapshot, a short self-test under way */
    g_assert_cmphex(nvme_drv_get_log_ext(d, LID_TELEMETRY_HOST, 1 << 8, 0, 0,
                                         NULL, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(admin_to(d, OPC_DST, 0xffffffff, 1, 0, NULL, 0), ==,
                    NVME_SUCCESS);
    qtest_clock_step(d->qts, 1000 * 1000000LL);

    before = guest_view(d);
    nvme_drv_migrate(d, NULL);
    after = guest_view(d);
    g_assert_cmpstr(after, ==, before);

    /* what was under way goes on: the download, the self-test */
    fw_piece(d, fw3, 4096, 4096);
    g_assert_cmphex(admin_to(d, NVME_ADM_CMD_ACTIVATE_FW, 0, 2 | 3 << 3, 0,
                             NULL, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_FW_SLOT_INFO, 0, 0, &fw,
                                     sizeof(fw)), ==, NVME_SUCCESS);
    g_assert_cmphex(fw.afi & 7, ==, 2);
    g_assert_cmpmem(fw.frs2, 3, "3.0", 3);
    qtest_clock_step(d->qts, 4100 * 1000000LL);
    {
        uint8_t dst[564];

        g_assert_cmphex(nvme_drv_get_log(d, LID_DST, 0, 0, dst, sizeof(dst)),
                        ==, NVME_SUCCESS);
        g_assert_cmphex(dst[0], ==, 0);                 /* none running */
        g_assert_cmphex(dst[4], ==, 0x10);              /* short, passed */
    }
    /* the marks still fail reads */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 101, 1, LBASZ, data,
                                0), ==, NVME_UNRECOVERED_READ | NVME_DNR);
    check_alive(d);
    unlink(img2);
    nvme_drv_stop(d);
}

/* ---- zoned namespaces ---- */

#define ZSZE        2048ull                 /* 1 MiB zones of 512 bytes */
#define ZONE(i)     ((uint64_t)(i) * ZSZE)
#define ZSA_CLOSE   0x01
#define ZSA_FINISH  0x02
#define ZSA_OPEN    0x03
#define ZSA_SET_ZDE 0x10
#define ZSA_ZRWAA   (1u << 9)
#define ZS_IOPEN    0x2
#define ZS_EOPEN    0x3
#define ZS_CLOSED   0x4
#define ZNS_ZONES   16
#define ZNS_REPORT  (64 + ZNS_ZONES * (64 + 64))

/* Zone @idx from an extended report: state, attributes, write pointer. */
static void zone_at(const uint8_t *rep, uint32_t idx, uint8_t *zs,
                    uint8_t *za, uint64_t *wp)
{
    const uint8_t *zd = rep + 64 + idx * 128;

    *zs = zd[1] >> 4;
    *za = zd[2];
    *wp = ldq_le_p(zd + 24);
}

/*
 * An extended zone report of every zone (descriptors and extensions)
 * and the zoned Identify data, as text.  With
 * @power_cycled, open zones show as the restart leaves them: Closed.
 */
static char *zoned_view(NvmeDrv *d, bool power_cycled)
{
    g_autofree uint8_t *rep = g_malloc0(ZNS_REPORT);
    g_autofree uint8_t *buf = g_malloc0(4096);
    GString *out = g_string_new(NULL);

    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 1 /* extended */, rep,
                                       ZNS_REPORT), ==, NVME_SUCCESS);
    g_assert_cmpuint(ldq_le_p(rep), ==, ZNS_ZONES);
    for (uint32_t i = 0; i < ZNS_ZONES; i++) {
        uint8_t zs, za;
        uint64_t wp;

        zone_at(rep, i, &zs, &za, &wp);
        if (power_cycled && (zs == ZS_IOPEN || zs == ZS_EOPEN)) {
            zs = ZS_CLOSED;
        }
        g_string_append_printf(out, "zone %u: state %x attrs %x wp %" PRIx64
                               "\n", i, zs, za, wp);
        print_blob(out, "extension", rep + 64 + i * 128 + 64, 64);
    }
    g_assert_cmphex(nvme_drv_identify(d, 0x05, 1, 2, buf), ==, NVME_SUCCESS);
    print_blob(out, "identify ns zoned", buf, 4096);
    return g_string_free(out, false);
}

#define ZNS_PROPS \
    "zoned=on,zoned.zone_size=1M,zoned.descr_ext_size=64,zoned.max_open=3," \
    "zoned.max_active=6,zoned.numzrwa=1,zoned.zrwas=16K"
#define ZNS_ARGS \
    "-drive file=@IMG@,if=none,id=z0,format=raw " \
    "-device nvme,id=c0,serial=qtest-zmig " \
    "-device nvme-ns,drive=z0,bus=c0,nsid=1," ZNS_PROPS

/* A controller with the zoned namespace, ready (I/O queue pair 1). */
static NvmeDrv *zoned_start(const char *img)
{
    NvmeDrv *d = nvme_drv_start_image(ZNS_ARGS, img);

    nvme_drv_ready_io_css(d, NVME_CC_CSS_ALL, QSIZE);
    return d;
}

/*
 * Zones in every state: implicitly open (0, then 1), explicitly open
 * with a ZRWA (2), closed with a descriptor extension (3), closed (4),
 * full (5), the rest empty.
 */
static void zoned_states(NvmeDrv *d)
{
    uint8_t data[8 * LBASZ], ext[64];

    memset(data, 0x3c, sizeof(data));
    memset(ext, 0xe5, sizeof(ext));
    /* 3 closed with an extension, 4 closed, 5 full */
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(3), ZSA_SET_ZDE, ext,
                                       sizeof(ext)), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(4), ZSA_OPEN, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, ZONE(4), 8, LBASZ,
                                data, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(4), ZSA_CLOSE, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(5), ZSA_FINISH, NULL, 0),
                    ==, NVME_SUCCESS);
    /* then 0 and 1 implicitly open (0 first), 2 explicitly with a ZRWA */
    for (uint32_t z = 0; z < 2; z++) {
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, ZONE(z), 8,
                                    LBASZ, data, 0), ==, NVME_SUCCESS);
    }
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(2), ZSA_OPEN | ZSA_ZRWAA,
                                       NULL, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, ZONE(2) + 4, 4,
                                LBASZ, data, 0), ==, NVME_SUCCESS);
}

/*
 * A zoned namespace: zones implicitly and explicitly open (one with a
 * Zone Random Write Area), closed with a descriptor extension, full,
 * empty.  The destination shows the same zones, writes in flight at the
 * switchover land at the write pointer, the implicitly opened zones keep
 * their order (the oldest is closed to make room), and the destination
 * writes the zone state back to the image so that a restart finds it.
 */
static void test_zoned(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    NvmeDrv *d = zoned_start(img);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    g_autofree char *before = NULL, *after = NULL;
    g_autofree uint8_t *rep = g_malloc0(ZNS_REPORT);
    uint8_t data[8 * LBASZ];
    uint8_t zs, za;
    uint64_t wp;

    zoned_states(d);
    before = zoned_view(d, false);
    nvme_drv_migrate(d, NULL);
    after = zoned_view(d, false);
    g_assert_cmpstr(after, ==, before);

    /* writes at the write pointers of zones 0 and 1 in flight */
    b->nsid = 1;
    b->lbasz = LBASZ;
    for (uint32_t i = 0; i < 8; i++) {
        for (uint32_t z = 0; z < 2; z++) {
            nvme_drv_batch_add(d, b, 1, NVME_CMD_WRITE, ZONE(z) + 8 + i * 8,
                               8, SEED_B, true);
        }
    }
    nvme_drv_migrate(d, NULL);
    nvme_drv_batch_check(d, b);
    for (uint32_t z = 0; z < 2; z++) {
        g_assert_true(nvme_drv_img_has(d, ZONE(z) + 8, 64, LBASZ, SEED_B));
    }
    /* a third zone opens implicitly: zone 0, opened first, is closed */
    memset(data, 0x3c, sizeof(data));
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, ZONE(6), 8, LBASZ,
                                data, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 1, rep, ZNS_REPORT), ==,
                    NVME_SUCCESS);
    zone_at(rep, 0, &zs, &za, &wp);
    g_assert_cmphex(zs, ==, ZS_CLOSED);
    g_assert_cmphex(wp, ==, ZONE(0) + 72);
    zone_at(rep, 1, &zs, &za, &wp);
    g_assert_cmphex(zs, ==, ZS_IOPEN);
    g_assert_cmphex(wp, ==, ZONE(1) + 72);
    g_free(before);
    before = zoned_view(d, true);

    /* the destination keeps the zone state in the image */
    nvme_drv_stop(d);
    d = zoned_start(img);
    g_free(after);
    after = zoned_view(d, false);
    g_assert_cmpstr(after, ==, before);
    g_free(b);
    nvme_drv_stop(d);
    unlink(img);
}

/*
 * werror=stop on a zoned namespace: the failed write had moved the write
 * pointer past it when it was parked; carried to the destination, it is
 * executed again at the same place, not at the write pointer.
 */
static void test_zoned_parked(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=blkdebug,node-name=dbg,"
        "image.driver=file,image.filename=@IMG@,"
        "inject-error.0.event=none,inject-error.0.iotype=write,"
        "inject-error.0.errno=%d,inject-error.0.once=on,"
        "inject-error.0.sector=%u "
        "-device nvme,id=c0,serial=qtest-zmig "
        "-device nvme-ns,drive=dbg,bus=c0,nsid=1,werror=stop," ZNS_PROPS,
        EIO, (unsigned)ZONE(1) + 8);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    NvmeDrvMig m = {
        .keep_paused = true,
        .dst_was = "inject-error.0.iotype=write",
        .dst_is = "inject-error.0.iotype=flush",
    };
    g_autofree uint8_t *rep = g_malloc0(ZNS_REPORT);
    uint8_t data[8 * LBASZ];
    uint8_t zs, za;
    uint64_t wp;
    NvmeDrv *d;

    /* a first start puts the zone state area into the image */
    nvme_drv_stop(zoned_start(img));
    d = nvme_drv_start_image(args, img);
    nvme_drv_ready_io_css(d, NVME_CC_CSS_ALL, QSIZE);
    memset(data, 0x3c, sizeof(data));
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, ZONE(1), 8, LBASZ,
                                data, 0), ==, NVME_SUCCESS);
    b->nsid = 1;
    b->lbasz = LBASZ;
    for (uint32_t i = 1; i <= 3; i++) {
        nvme_drv_batch_add(d, b, 1, NVME_CMD_WRITE, ZONE(1) + i * 8, 8,
                           SEED_B, true);
    }
    nvme_drv_wait_run_state(d, "io-error");
    nvme_drv_migrate(d, &m);
    qtest_qmp_assert_success(d->qts, "{'execute': 'cont'}");
    nvme_drv_batch_check(d, b);
    g_assert_true(nvme_drv_img_has(d, ZONE(1) + 8, 24, LBASZ, SEED_B));
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 1, rep, ZNS_REPORT), ==,
                    NVME_SUCCESS);
    zone_at(rep, 1, &zs, &za, &wp);
    g_assert_cmphex(zs, ==, ZS_IOPEN);
    g_assert_cmphex(wp, ==, ZONE(1) + 32);
    g_free(b);
    nvme_drv_stop(d);
    unlink(img);
}

/* ---- SR-IOV: a primary and its secondaries ---- */

#define SRIOV_DRIVE     "-drive file=@IMG@,if=none,id=d0,format=raw"
#define SRIOV_ARGS \
    "-device nvme-subsys,id=s0,nqn=migsriov " \
    "-device nvme,id=pf,serial=migsriov,subsys=s0,sriov_max_vfs=2," \
    "sriov_vq_flexible=8,sriov_vi_flexible=4,sriov_max_vi_per_vf=2," \
    "sriov_max_vq_per_vf=4 " \
    "-device nvme-ns,drive=d0,bus=pf,nsid=1"
#define SRIOV_REGION    16384       /* the VF writes here */

/*
 * What the host and guest see of the SR-IOV resources: Identify CNS 14h
 * and 15h of the primary, both controllers' MSI-X table sizes and
 * Number of Queues, the VF's Identify Controller.
 */
static char *sriov_view(NvmeDrv *pf, NvmeDrv *vf)
{
    GString *out = g_string_new(NULL);
    g_autofree uint8_t *buf = g_malloc0(4096);
    NvmeDrv *both[] = { pf, vf };

    g_assert_cmphex(nvme_drv_identify(pf, NVME_ID_CNS_PRIMARY_CTRL_CAP, 0, 0,
                                      buf), ==, NVME_SUCCESS);
    print_blob(out, "primary capabilities", buf, 4096);
    g_assert_cmphex(nvme_drv_identify(pf, NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                      0, buf), ==, NVME_SUCCESS);
    print_blob(out, "secondary list", buf, 4096);
    for (unsigned k = 0; k < 2; k++) {
        uint32_t nq;

        g_assert_cmphex(nvme_drv_get_features(both[k], NVME_NUMBER_OF_QUEUES,
                                              0, 0, &nq), ==, NVME_SUCCESS);
        g_string_append_printf(out, "ctrl %u: msix %u queues %08x\n", k,
                               qpci_msix_table_size(both[k]->pdev), nq);
    }
    g_assert_cmphex(nvme_drv_identify(vf, NVME_ID_CNS_CTRL, 0, 0, buf), ==,
                    NVME_SUCCESS);
    print_blob(out, "vf identify controller", buf, 4096);
    return g_string_free(out, false);
}

/*
 * The primary of SRIOV_ARGS on @drive (d0) with two VFs enabled: VF 0
 * online with 3 VQ and 2 VI resources and two I/O queue pairs (returned
 * in *@vf), VF 1 assigned 2 VQ and 1 VI but offline (its id in *@id1),
 * 3 VQ and 1 VI pending for the primary.
 */
static NvmeDrv *sriov_start(const char *drive, NvmeDrv **vf, uint16_t *id1)
{
    g_autofree char *args = g_strdup_printf("%s %s", drive, SRIOV_ARGS);
    NvmeDrv *d = nvme_drv_start_args(args);
    uint16_t id0;
    uint32_t nr;

    nvme_drv_ready_io(d, QSIZE);
    nvme_drv_sriov_enable(d, 2);
    id0 = nvme_drv_vf_cntlid(d, 0);
    *id1 = nvme_drv_vf_cntlid(d, 1);
    *vf = nvme_drv_vf(d, 0);
    nvme_drv_vf_online(d, id0, 3, 2);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN,
                                       NVME_VIRT_RES_QUEUE, *id1, 2, &nr), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN,
                                       NVME_VIRT_RES_INTERRUPT, *id1, 1, &nr),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_PRM_ALLOC,
                                       NVME_VIRT_RES_QUEUE, 0, 3, &nr), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_PRM_ALLOC,
                                       NVME_VIRT_RES_INTERRUPT, 0, 1, &nr),
                    ==, NVME_SUCCESS);
    nvme_drv_msix_enable(*vf);
    nvme_drv_enable(*vf, 16, 16);
    nvme_drv_create_qpair(*vf, 1, QSIZE);
    nvme_drv_create_qpair(*vf, 2, QSIZE);
    return d;
}

/*
 * With I/O in flight on the primary and VF 0, the destination shows the
 * same resources and table sizes, every command completes once, VF 1
 * comes online there and the primary's allocation takes effect at its
 * next reset.
 */
static void test_sriov(void)
{
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1), *bv = g_new0(NvmeDrvBatch, 1);
    g_autofree char *before = NULL, *after = NULL;
    NvmePriCtrlCap cap;
    NvmeDrv *d, *v, *v1;
    uint16_t id1;
    uint32_t nr;

    d = sriov_start(SRIOV_DRIVE, &v, &id1);
    before = sriov_view(d, v);

    submit_mix(d, b, 1, 16);
    bv->nsid = 1;
    bv->lbasz = LBASZ;
    for (unsigned i = 0; i < 24; i++) {
        nvme_drv_batch_add(v, bv, 1 + i % 2, NVME_CMD_WRITE,
                           SRIOV_REGION + i * 8, 1 + i % 8, SEED_B, true);
    }
    nvme_drv_migrate(d, NULL);
    nvme_drv_batch_check(d, b);
    nvme_drv_batch_check(v, bv);
    check_writes(d, 1, 16);
    for (unsigned i = 0; i < 24; i++) {
        g_assert_true(nvme_drv_img_has(d, SRIOV_REGION + i * 8, 1 + i % 8,
                                       LBASZ, SEED_B));
    }
    after = sriov_view(d, v);
    g_assert_cmpstr(after, ==, before);
    check_alive(d);

    /* VF 1 kept its resources: it comes online and works */
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ONLINE,
                                       0, id1, 0, &nr), ==, NVME_SUCCESS);
    v1 = nvme_drv_vf(d, 1);
    nvme_drv_msix_enable(v1);
    nvme_drv_enable(v1, 16, 16);
    g_assert_cmpuint(qpci_msix_table_size(v1->pdev), ==, 1);
    nvme_drv_create_qpair(v1, 1, QSIZE);
    check_alive(v1);
    check_alive(v);
    /* the pending allocation: 3 queue pairs and a vector more */
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_PRIMARY_CTRL_CAP, 0, 0,
                                      &cap), ==, NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(cap.vqrfap), ==, 3);
    g_assert_cmpuint(le16_to_cpu(cap.virfap), ==, 1);
    g_assert_cmpuint(qpci_msix_table_size(d->pdev), ==, 65 - 4 + 1);
    g_free(b);
    g_free(bv);
    nvme_drv_stop_peer(v1);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/* ---- Flexible Data Placement ---- */

#define FDP_RU_BLOCKS   (64 * 1024 / LBASZ)     /* fdp.runs=64K */
#define FDP_PID(rg, ph) ((uint16_t)((rg) << 15 | (ph)))     /* RGIF 1 */
#define FDP_DTYPE       2
#define FID_FDP_EVENTS  0x1e
#define OPC_IOMR        0x12
#define LID_FDP_CONFS   0x20

/* A Write of @nlb blocks at @slba placed by placement id @pid. */
static uint16_t fdp_write(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                          uint16_t pid)
{
    g_autofree uint8_t *data = g_malloc(nlb * LBASZ);
    NvmeCmd cmd;

    nvme_drv_lba_pattern(data, slba, nlb, LBASZ, SEED_A);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
    cmd.cdw10 = slba;
    cmd.cdw12 = (nlb - 1) | FDP_DTYPE << 20;
    cmd.cdw13 = (uint32_t)pid << 16;
    return nvme_drv_exec_data(d, 1, &cmd, data, NULL, nlb * LBASZ, NULL);
}

/*
 * What the guest reads of FDP: the logs of endurance group 1 (configs,
 * reclaim unit usage, statistics, host and controller events), the FDP
 * feature, each handle's enabled events, the reclaim unit handle status.
 */
static char *fdp_view(NvmeDrv *d)
{
    GString *out = g_string_new(NULL);
    g_autofree uint8_t *buf = g_malloc0(4096);
    uint32_t dw0;
    NvmeCmd cmd;

    for (uint8_t lid = LID_FDP_CONFS; lid <= LID_FDP_CONFS + 3; lid++) {
        for (uint32_t lsp = 0; lsp <= (lid == LID_FDP_CONFS + 3); lsp++) {
            g_autofree char *what = g_strdup_printf("log %x lsp %u", lid,
                                                    lsp);

            g_assert_cmphex(nvme_drv_get_log_lsi(d, lid, lsp << 8, 0, 1, 0,
                                                 buf, 4096), ==,
                            NVME_SUCCESS);
            print_blob(out, what, buf, 4096);
        }
    }
    g_assert_cmphex(nvme_drv_get_features(d, 0x1d, 0, 1, &dw0), ==,
                    NVME_SUCCESS);
    g_string_append_printf(out, "fdp feature %x\n", dw0);
    for (uint16_t ph = 0; ph < 3; ph++) {
        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 1);
        cmd.cdw10 = FID_FDP_EVENTS;
        cmd.cdw11 = ph | 3u << 16;
        g_assert_cmphex(nvme_drv_exec_data(d, 0, &cmd, NULL, buf, 512, NULL),
                        ==, NVME_SUCCESS);
        print_blob(out, "fdp events", buf, 512);
    }
    nvme_drv_cmd_init(&cmd, OPC_IOMR, 1);
    cmd.cdw10 = 1;                      /* Reclaim Unit Handle Status */
    cmd.cdw11 = 4096 / 4 - 1;
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, NULL, buf, 4096, NULL), ==,
                    NVME_SUCCESS);
    print_blob(out, "ruh status", buf, 4096);
    return g_string_free(out, false);
}

/*
 * Flexible Data Placement: every reclaim unit's room, the statistics,
 * both event rings and the enabled events read the same after the
 * migration, and placement goes on from there (a unit the source had
 * partly filled fills up on the destination and raises its event).
 */
/* A subsystem with FDP, a placing namespace, the queues: started. */
static NvmeDrv *fdp_start(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=migfdp,fdp=on,fdp.runs=64K,"
        "fdp.nrg=2,fdp.nruh=4 "
        "-device nvme,id=c0,serial=migfdp,subsys=s0 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,fdp.ruhs=1-3");

    nvme_drv_ready_io(d, QSIZE);
    return d;
}

/* Events enabled, writes placed on two groups, a unit filled: an event. */
static void fdp_fill(NvmeDrv *d)
{
    static const uint8_t implicit[] = { 0x81 };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 1);
    cmd.cdw10 = FID_FDP_EVENTS;
    cmd.cdw11 = 2 | 1u << 16;           /* handle 2: Implicitly Modified */
    cmd.cdw12 = 1;
    g_assert_cmphex(nvme_drv_exec_data(d, 0, &cmd, implicit, NULL, 1, NULL),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(fdp_write(d, 0, 8, FDP_PID(1, 2)), ==, NVME_SUCCESS);
    g_assert_cmphex(fdp_write(d, 8, 4, FDP_PID(0, 1)), ==, NVME_SUCCESS);
    g_assert_cmphex(fdp_write(d, 256, FDP_RU_BLOCKS + 1, FDP_PID(0, 2)), ==,
                    NVME_SUCCESS);
}

static void test_fdp(void)
{
    NvmeDrv *d = fdp_start();
    g_autofree char *before = NULL, *after = NULL, *later = NULL;

    fdp_fill(d);
    before = fdp_view(d);
    nvme_drv_migrate(d, NULL);
    after = fdp_view(d);
    g_assert_cmpstr(after, ==, before);
    /* handle 2 of group 1 fills up here: a fresh unit, an event */
    g_assert_cmphex(fdp_write(d, 16, FDP_RU_BLOCKS - 8 + 1, FDP_PID(1, 2)),
                    ==, NVME_SUCCESS);
    later = fdp_view(d);
    g_assert_cmpstr(later, !=, after);
    g_assert_true(nvme_drv_img_has(d, 16, FDP_RU_BLOCKS - 7, LBASZ, SEED_A));
    nvme_drv_stop(d);
}

/*
 * Reads that failed: a media error (EIO) lists its blocks in the LBA
 * Status log and raises the LBA Status Information Alert, an Internal
 * Error (EINVAL) latches a controller-initiated telemetry capture.  Both
 * logs (read with RAE, so nothing is released), the LBA Status
 * Information Attributes and the alert's state read the same after the
 * migration.
 */
#define FID_LBA_STATUS_ATTR 0x15
#define LID_TEL_CTRL        0x08
#define AEC_LBAS_TEL        ((1u << 15) | (1u << 10))

static char *media_view(NvmeDrv *d)
{
    GString *out = g_string_new(NULL);
    g_autofree uint8_t *buf = g_malloc0(4096);

    print_feature(d, out, FID_LBA_STATUS_ATTR, 0, 0, 0, 0);
    print_feature(d, out, NVME_ASYNCHRONOUS_EVENT_CONF, 0, 0, 0, 0);
    g_assert_cmphex(nvme_drv_get_log_ext(d, LID_LBA_STATUS, 1u << 15, 0, 0,
                                         buf, 512), ==, NVME_SUCCESS);
    print_blob(out, "lba status", buf, 512);
    g_assert_cmphex(nvme_drv_get_log_ext(d, LID_TEL_CTRL, 1u << 15, 0, 0,
                                         buf, 4096), ==, NVME_SUCCESS);
    print_blob(out, "telemetry ctrl", buf, 4096);
    return g_string_free(out, false);
}

static void test_media(void)
{
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=blkdebug,node-name=dbg,"
        "image.driver=file,image.filename=@IMG@,"
        "inject-error.0.event=none,inject-error.0.iotype=read,"
        "inject-error.0.errno=%d,inject-error.0.once=on,"
        "inject-error.0.sector=100,"
        "inject-error.1.event=none,inject-error.1.iotype=read,"
        "inject-error.1.errno=%d,inject-error.1.once=on,"
        "inject-error.1.sector=200 "
        "-device nvme,drive=dbg,serial=qtest-mig", EIO, EINVAL);
    NvmeDrv *d = nvme_drv_start_args(args);
    g_autofree char *before = NULL, *after = NULL;
    uint8_t blk[LBASZ];

    nvme_drv_ready_io(d, QSIZE);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_LBAS_TEL, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(d, FID_LBA_STATUS_ATTR,
                                          7 | 9 << 16, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 100, 1, LBASZ, blk,
                                0), ==, NVME_UNRECOVERED_READ);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 200, 1, LBASZ, blk,
                                0), ==, NVME_INTERNAL_DEV_ERROR);
    qtest_clock_step(d->qts, 1000 * 1000000LL);
    before = media_view(d);
    nvme_drv_migrate(d, NULL);
    after = media_view(d);
    g_assert_cmpstr(after, ==, before);
    check_alive(d);
    nvme_drv_stop(d);
}

/* ---- savevm / loadvm ---- */

/* A qcow2 image of @mb MiB (internal snapshots need qcow2). */
static char *make_qcow2(int mb)
{
    g_autofree char *size = g_strdup_printf("%dM", mb);
    char *path = nvme_drv_make_image(0);
    const char *img = getenv("QTEST_QEMU_IMG");
    const char *argv[] = { img, "create", "-q", "-f", "qcow2", path, size,
                           NULL };
    gint status;

    g_assert_nonnull(img);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_cmpint(status, ==, 0);
    return path;
}

/*
 * @n commands of 8 blocks from @base through the device: writes of
 * @seed, or reads that expect it.
 */
static void rw_region(NvmeDrv *d, uint64_t base, unsigned n, uint8_t seed,
                      bool read)
{
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);

    b->nsid = 1;
    b->lbasz = LBASZ;
    for (unsigned i = 0; i < n; i++) {
        nvme_drv_batch_add(d, b, 1 + i % NR_QUEUES,
                           read ? NVME_CMD_READ : NVME_CMD_WRITE,
                           base + i * 8, 8, seed, true);
    }
    nvme_drv_batch_check(d, b);
    g_free(b);
}

/*
 * savevm with commands in flight, the VM running on (it posts their
 * completions), loadvm of that snapshot: guest memory and the
 * controller are back where savevm found them, so each command
 * completes once more, exactly once as the host sees it, and the disk
 * holds what the snapshot holds.
 */
static void test_savevm(void)
{
    g_autofree char *qcow2 = make_qcow2(16);
    g_autofree char *args = g_strdup_printf(
        "-drive file=%s,if=none,id=d0,format=qcow2 "
        "-device nvme,drive=d0,serial=qtest-savevm", qcow2);
    NvmeDrv *d = nvme_drv_start_args(args);
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    g_autofree char *out = NULL;

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    for (unsigned q = 1; q <= NR_QUEUES; q++) {
        nvme_drv_create_qpair(d, q, QSIZE);
    }
    rw_region(d, REGION_A, 64, SEED_A, false);
    b->nsid = 1;
    b->lbasz = LBASZ;
    for (unsigned i = 0; i < 48; i++) {
        nvme_drv_batch_add(d, b, 1 + i % NR_QUEUES,
                           i % 2 ? NVME_CMD_READ : NVME_CMD_WRITE,
                           (i % 2 ? REGION_A : REGION_B) + (i / 2) * 8, 8,
                           i % 2 ? SEED_A : SEED_B, true);
    }
    out = qtest_hmp(d->qts, "savevm s1");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    /* the VM ran on meanwhile and posted them; the host reads nothing */
    out = qtest_hmp(d->qts, "loadvm s1");
    g_assert_cmpstr(out, ==, "");
    nvme_drv_batch_check(d, b);
    rw_region(d, REGION_B, 24, SEED_B, true);
    check_alive(d);
    g_free(b);
    nvme_drv_stop(d);
    unlink(qcow2);
}

/*
 * savevm / loadvm of an SR-IOV primary into the running VM: its VFs stay
 * enabled (no reset by the config load), their state and the resources
 * come back, the commands in flight at the savevm complete once.
 */
static void test_savevm_sriov(void)
{
    g_autofree char *qcow2 = make_qcow2(16);
    g_autofree char *drive = g_strdup_printf(
        "-drive file=%s,if=none,id=d0,format=qcow2", qcow2);
    NvmeDrvBatch *bv = g_new0(NvmeDrvBatch, 1);
    g_autofree char *before = NULL, *after = NULL, *out = NULL;
    NvmeDrv *d, *v;
    uint16_t id1;

    d = sriov_start(drive, &v, &id1);
    before = sriov_view(d, v);
    bv->nsid = 1;
    bv->lbasz = LBASZ;
    for (unsigned i = 0; i < 24; i++) {
        nvme_drv_batch_add(v, bv, 1 + i % 2, NVME_CMD_WRITE,
                           SRIOV_REGION + i * 8, 8, SEED_B, true);
    }
    out = qtest_hmp(d->qts, "savevm s1");
    g_assert_cmpstr(out, ==, "");
    g_free(out);
    out = qtest_hmp(d->qts, "loadvm s1");
    g_assert_cmpstr(out, ==, "");
    nvme_drv_batch_check(v, bv);
    after = sriov_view(d, v);
    g_assert_cmpstr(after, ==, before);
    check_alive(v);
    check_alive(d);
    g_free(bv);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
    unlink(qcow2);
}

/* ---- a stream of today's format, kept in the tree ---- */

/*
 * The compat scenario places everything at fixed guest addresses, so a
 * later version of this test (and of the libqos driver) finds the host
 * side of the stream's state again without having recorded it.
 */
#define FX_MSI      0x0300000
#define FX_ASQ      0x0301000
#define FX_ACQ      0x0302000
#define FX_SQ1      0x0303000
#define FX_CQ1      0x0304000
#define FX_DATA     0x0400000
#define FX_CQ1_SIZE 8
#define FX_WRITES   12          /* Write commands, cid 100.. */
#define FX_AER_CID  90

/* The driver's host side of the compat scenario's queues. */
static void compat_host_state(NvmeDrv *d)
{
    uint8_t cap = qpci_find_capability(d->pdev, PCI_CAP_ID_MSIX, 0);
    uint32_t table = qpci_config_readl(d->pdev, cap + PCI_MSIX_TABLE);
    uint64_t bar0 = (qpci_config_readl(d->pdev, PCI_BASE_ADDRESS_0) & ~0xfu) |
                    (uint64_t)qpci_config_readl(d->pdev,
                                                PCI_BASE_ADDRESS_1) << 32;

    nvme_drv_forget_queues(d);
    d->bar.addr = bar0;
    d->pdev->msix_table_bar = d->bar;
    d->pdev->msix_table_off = table & ~PCI_MSIX_FLAGS_BIRMASK;
    d->pdev->msix_enabled = true;
    d->msix = true;
    d->msi_area = FX_MSI;
    d->page_size = 4096;
    d->sq[0] = (NvmeDrvSQ) { .live = true, .addr = FX_ASQ, .size = 8,
                             .tail = 5 };
    d->cq[0].live = true;
    d->cq[0].addr = FX_ACQ;
    d->cq[0].size = 8;
    d->cq[0].head = 4;          /* the four admin commands before the AER */
    d->cq[0].phase = 1;
    d->sq[1] = (NvmeDrvSQ) { .live = true, .addr = FX_SQ1, .size = 32,
                             .tail = FX_WRITES, .cqid = 1 };
    d->cq[1].live = true;
    d->cq[1].addr = FX_CQ1;
    d->cq[1].size = FX_CQ1_SIZE;
    d->cq[1].phase = 1;
    d->cq[1].vector = 1;
    d->cq[1].ien = true;
}

/* One command into SQ @qid (fixed cid), doorbell rung, completion read. */
static void compat_admin(NvmeDrv *d, NvmeCmd *cmd, uint16_t cid)
{
    NvmeCqe cqe;

    cmd->cid = cid;
    nvme_drv_sq_put(d, 0, cmd);
    nvme_drv_sq_ring(d, 0);
    nvme_drv_wait_cid(d, 0, cid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
}

/*
 * The scenario: controller enabled with admin queues of 8 and an I/O
 * queue pair (SQ 32, CQ 8) at fixed addresses, an AER outstanding, and
 * FX_WRITES writes of a pattern submitted without the CQ being read (so
 * 7 are posted, the rest wait in the controller); then the VM stops.
 */
static NvmeDrv *compat_scenario(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-nodefaults -m 32M -drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=qtest-compat");
    uint8_t data[LBASZ];
    NvmeCmd cmd;

    d->msi_area = FX_MSI;
    nvme_drv_msix_enable(d);
    qtest_memset(d->qts, FX_ASQ, 0, 0x4000);
    nvme_drv_wr32(d, NVME_REG_AQA, 7 << 16 | 7);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, FX_ASQ);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, FX_ACQ);
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                     2000));
    compat_host_state(d);
    d->sq[0].tail = 0;
    d->cq[0].head = 0;
    d->sq[1].tail = 0;
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_CQ, 0);
    cmd.dptr.prp1 = FX_CQ1;
    cmd.cdw10 = (FX_CQ1_SIZE - 1) << 16 | 1;
    cmd.cdw11 = 1 << 16 | NVME_CQ_IEN | NVME_CQ_PC;
    compat_admin(d, &cmd, 1);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_SQ, 0);
    cmd.dptr.prp1 = FX_SQ1;
    cmd.cdw10 = 31 << 16 | 1;
    cmd.cdw11 = 1 << 16 | NVME_SQ_PC;
    compat_admin(d, &cmd, 2);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = NVME_ASYNCHRONOUS_EVENT_CONF;
    cmd.cdw11 = NVME_SMART_TEMPERATURE;
    compat_admin(d, &cmd, 3);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = NVME_ARBITRATION;
    cmd.cdw11 = 0x01020303;
    compat_admin(d, &cmd, 4);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    cmd.cid = FX_AER_CID;
    nvme_drv_sq_put(d, 0, &cmd);
    nvme_drv_sq_ring(d, 0);
    for (unsigned i = 0; i < FX_WRITES; i++) {
        nvme_drv_lba_pattern(data, REGION_B + i, 1, LBASZ, SEED_B);
        qtest_memwrite(d->qts, FX_DATA + i * LBASZ, data, LBASZ);
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
        cmd.cid = 100 + i;
        cmd.dptr.prp1 = FX_DATA + i * LBASZ;
        cmd.cdw10 = REGION_B + i;
        nvme_drv_sq_put(d, 1, &cmd);
    }
    nvme_drv_sq_ring(d, 1);
    for (int i = 0; i < 1000 && nvme_drv_cq_posted(d, 1) < 7; i++) {
        g_usleep(1000);
    }
    g_assert_cmpuint(nvme_drv_cq_posted(d, 1), ==, FX_CQ1_SIZE - 1);
    qtest_qmp_assert_success(d->qts, "{'execute': 'stop'}");
    return d;
}

/*
 * /nvme/migrate/compat: the stream tests/migration/nvme-v1.stream, saved
 * by the first version of the device at the end of the scenario, loads;
 * every write completes once, the AER is outstanding, the features hold.
 * NVME_MIG_WRITE_STREAM=PATH saves a new one there instead (never needed
 * for a format that still loads: the point is an old stream).
 */
static void test_compat(void)
{
    const char *dir = getenv("NVME_QTEST_MIGRATION_DIR");
    const char *write = getenv("NVME_MIG_WRITE_STREAM");
    g_autofree char *path = dir ? g_build_filename(dir, "nvme-v1.stream",
                                                   NULL) : NULL;
    g_autofree char *why = NULL;
    NvmeDrv *d;
    uint32_t dw0;
    NvmeCqe cqe;

    if (!write && !path) {
        g_test_skip("NVME_QTEST_MIGRATION_DIR is not set "
                    "(tests/run-qtests.sh sets it)");
        return;
    }
    d = compat_scenario();
    if (write) {
        nvme_mig_save(d, write);
        nvme_drv_stop(d);
        return;
    }
    if (!nvme_mig_load(d, path, false, &why)) {
        g_error("%s does not load:\n%s", path, why);
    }
    compat_host_state(d);
    for (unsigned i = 0; i < FX_WRITES; i++) {
        nvme_drv_wait_cid(d, 1, 100 + i, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        g_assert_true(nvme_drv_img_has(d, REGION_B + i, 1, LBASZ, SEED_B));
    }
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 100, true));
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ARBITRATION, 0, 0, &dw0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0x01020303);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          200, NULL), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(d, FX_AER_CID, NVME_AER_TYPE_SMART |
                        (NVME_AER_INFO_SMART_TEMP_THRESH << 8) |
                        (NVME_LOG_SMART_INFO << 16));
    nvme_drv_stop(d);
}

/* ---- a subsystem: two controllers, shared and created namespaces ---- */

#define SLOT_A      4
#define SLOT_B      5
#define LID_ANA     0x0c

/* What either controller of the subsystem shows of namespaces and ANA. */
static char *subsys_view(NvmeDrv *d)
{
    GString *out = g_string_new(NULL);
    g_autofree uint8_t *buf = g_malloc0(4096);

    for (uint32_t nsid = 1; nsid <= 2; nsid++) {
        g_autofree char *what = g_strdup_printf("identify ns %u", nsid);

        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, nsid, 0, buf),
                        ==, NVME_SUCCESS);
        print_blob(out, what, buf, 4096);
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_DESCR_LIST,
                                          nsid, 0, buf), ==, NVME_SUCCESS);
        print_blob(out, "descriptors", buf, 4096);
    }
    g_assert_cmphex(nvme_drv_identify(d, 0x10, 0, 0, buf), ==, NVME_SUCCESS);
    print_blob(out, "allocated", buf, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, buf), ==,
                    NVME_SUCCESS);
    print_blob(out, "identify controller", buf, 4096);
    print_log(d, out, LID_ANA, 0, 4096);
    return g_string_free(out, false);
}

/*
 * Two controllers of an nvme-subsys with a capacity pool: NSID 1 is a
 * shared nvme-ns device, NSID 2 a namespace Namespace Management created
 * and attached to both; controller A sees ANA group 1 non-optimized.
 * With I/O in flight through both controllers to both namespaces, the
 * destination has the same namespaces (identifiers, format, attachment),
 * ANA states and change counts, every command completes once, and the
 * created namespace can be deleted there.
 */
static void test_subsys(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *pool = g_dir_make_tmp("nvme-mig-pool-XXXXXX", &err);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-mig,pool=%s,pool-size=%d "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        pool, 4 * 1024 * 1024, SLOT_A, SLOT_B);
    NvmeDrvBatch *ba = g_new0(NvmeDrvBatch, 1), *bb = g_new0(NvmeDrvBatch, 1);
    g_autofree char *va = NULL, *vb = NULL, *va2 = NULL, *vb2 = NULL;
    g_autofree char *img = NULL;
    uint16_t both[2] = { 0, 1 };
    NvmeDrv *b, *a;
    uint32_t nsid;

    g_assert_no_error(err);
    a = nvme_drv_start_pair(args, SLOT_B, &b);
    qtest_qmp_assert_success(a->qts, "{'execute': 'qom-set', 'arguments': "
                             "{'path': '/machine/peripheral/c0', "
                             "'property': 'ana-state', "
                             "'value': '1:non-optimized'}}");
    g_assert_cmphex(nvme_drv_ns_create(a, 4096, 4096, 0, 0, 1, 0, &nsid), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(nsid, ==, 2);
    g_assert_cmphex(nvme_drv_ns_attach(a, 2, 0, both, 2), ==, NVME_SUCCESS);
    nvme_drv_create_qpair(a, 1, QSIZE);
    nvme_drv_create_qpair(b, 1, QSIZE);
    va = subsys_view(a);
    vb = subsys_view(b);

    /* A writes to NSID 1 and reads it; B writes to NSID 2 */
    submit_mix(a, ba, 1, 16);
    bb->nsid = 2;
    bb->lbasz = LBASZ;
    for (unsigned i = 0; i < 16; i++) {
        nvme_drv_batch_add(b, bb, 1, NVME_CMD_WRITE, i * 8, 1 + i % 8,
                           SEED_B, true);
    }
    nvme_drv_migrate(a, NULL);
    nvme_drv_batch_check(a, ba);
    nvme_drv_batch_check(b, bb);
    check_writes(a, 1, 16);
    va2 = subsys_view(a);
    vb2 = subsys_view(b);
    g_assert_cmpstr(va2, ==, va);
    g_assert_cmpstr(vb2, ==, vb);
    /* the created namespace kept its data, and goes away for good */
    bb->nsid = 2;
    for (unsigned i = 0; i < 16; i++) {
        nvme_drv_batch_add(a, bb, 1, NVME_CMD_READ, i * 8, 1 + i % 8,
                           SEED_B, true);
    }
    nvme_drv_batch_check(a, bb);
    img = g_strdup_printf("%s/ns2.img", pool);
    g_assert_cmphex(nvme_drv_ns_mgmt(b, 1, 2, NULL, 0, NULL), ==,
                    NVME_SUCCESS);      /* delete */
    g_assert_false(g_file_test(img, G_FILE_TEST_EXISTS));
    check_alive(a);
    g_free(ba);
    g_free(bb);
    nvme_drv_stop_peer(b);
    nvme_drv_stop(a);
    rmdir(pool);
}

#define OPC_SANITIZE            0x84
#define OPC_DST                 0x14
#define SANACT_CRYPTO           4
#define SC_SANITIZE_IN_PROGRESS 0x001d

/* Sanitize Status (SSTAT) of @d's log 81h. */
static uint16_t sanitize_sstat(NvmeDrv *d)
{
    uint8_t log[512];

    g_assert_cmphex(nvme_drv_get_log(d, LID_SANITIZE, 0, 0, log,
                                     sizeof(log)), ==, NVME_SUCCESS);
    return lduw_le_p(log + 2);
}

/*
 * A sanitize running on controller A of an nvme-subsys when the VM
 * migrates: on the destination controller B's commands still fail with
 * Sanitize In Progress (the subsystem counts A again), until the
 * operation ends there; then B runs them.
 */
static void test_sanitize_subsys(void)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-mig-san "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        SLOT_A, SLOT_B);
    NvmeDrv *b, *a = nvme_drv_start_pair(args, SLOT_B, &b);
    int i;

    g_assert_cmphex(admin_to(a, OPC_SANITIZE, 0, SANACT_CRYPTO, 0, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(admin_to(b, OPC_DST, 0, 1, 0, NULL, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    nvme_drv_migrate(a, NULL);
    g_assert_cmphex(sanitize_sstat(a) & 7, ==, 2);      /* in progress */
    g_assert_cmphex(admin_to(b, OPC_DST, 0, 1, 0, NULL, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    for (i = 0; i < 100000 && (sanitize_sstat(a) & 7) == 2; i++) {
        qtest_clock_step(a->qts, 1000000);              /* 1 ms */
    }
    g_assert_cmphex(sanitize_sstat(a) & 7, ==, 1);      /* completed */
    g_assert_cmphex(admin_to(b, OPC_DST, 0, 0xf, 0, NULL, 0), ==,
                    NVME_SUCCESS);
    nvme_drv_stop_peer(b);
    nvme_drv_stop(a);
}

/* ---- hostile incoming streams ---- */

/* One damage to the saved stream and the message the load must give. */
typedef struct Damage {
    const char *section;        /* device section ("nvme") */
    const char *field;          /* path in it (nvme-mig.h) */
    uint64_t value;
    const char *why;            /* expected in the destination's stderr */
} Damage;

static const Damage damages[] = {
    { "nvme", "nvme/queues/queues.mig.nr_cq", 0xffffffff, "CQ count" },
    { "nvme", "nvme/queues/queues.mig.nr_sq", 70000, "SQ count" },
    { "nvme", "nvme/queues/queues.mig.cq/1/size", 0, "CQ 1 size 0" },
    { "nvme", "nvme/queues/queues.mig.cq/1/size", 0x10000000, "CQ 1 size" },
    { "nvme", "nvme/queues/queues.mig.cq/1/head", 8, "CQ 1 head 8" },
    { "nvme", "nvme/queues/queues.mig.cq/1/tail", 0xffffffff, "CQ 1 head" },
    { "nvme", "nvme/queues/queues.mig.cq/1/phase", 7, "phase 7" },
    { "nvme", "nvme/queues/queues.mig.cq/1/vector", 4000, "vector 4000" },
    { "nvme", "nvme/queues/queues.mig.cq/1/cqid", 0, "CQ id 0 invalid" },
    { "nvme", "nvme/queues/queues.mig.cq/1/cqid", 65535, "CQ id 65535" },
    { "nvme", "nvme/queues/queues.mig.cq/1/dma_addr", 0x1234, "CQ 1 address" },
    { "nvme", "nvme/queues/queues.mig.sq/1/cqid", 77, "SQ 1 names CQ 77" },
    { "nvme", "nvme/queues/queues.mig.sq/1/tail", 32, "SQ 1 head" },
    { "nvme", "nvme/queues/queues.mig.sq/1/size", 0x20000, "SQ 1 size" },
    { "nvme", "nvme/queues/queues.mig.sq/0/size", 20, "admin SQ differs" },
    { "nvme", "nvme/queues/queues.mig.nr_done", 0x7fffffff, "unposted" },
    { "nvme", "nvme/queues/queues.mig.done/0/sqid", 99, "names SQ 99" },
    { "nvme", "nvme/queues/queues.mig.nr_replay", 0xfffffff0,
      "carried commands" },
    { "nvme", "nvme/queues/queues.mig.replay/0/sqid", 5, "names SQ 5" },
    { "nvme", "nvme/aer/aer.queued", 1000, "aer_max_queued" },
    { "nvme", "nvme/regs/regs.cap", 0, "CAP differs" },
    { "nvme", "nvme/regs/regs.page_bits", 40, "page size 2^40" },
};

/* A file for a saved stream (@suffix: for its damaged copies). */
static char *stream_path(const char *suffix)
{
    return g_strdup_printf("%s/nvme-mig-%d.stream%s", g_get_tmp_dir(),
                           getpid(), suffix);
}

/*
 * Each of the @n damages of the stream saved in @path makes the
 * destination refuse it with a message naming the problem; then the
 * undamaged stream loads (and @path is removed): @d drives that QEMU.
 */
static void load_damaged(NvmeDrv *d, const char *path, const Damage *list,
                         size_t n)
{
    g_autofree char *bad = stream_path(".bad");

    for (size_t i = 0; i < n; i++) {
        const Damage *dm = &list[i];
        NvmeStream *s = nvme_stream_open(path);
        g_autofree char *why = NULL;

        nvme_stream_set(s, dm->section, dm->field, dm->value);
        nvme_stream_write(s, bad);
        nvme_stream_free(s);
        g_test_message("damage: %s = 0x%" PRIx64, dm->field, dm->value);
        g_assert_null(nvme_mig_load(d, bad, false, &why));
        g_assert_nonnull(why);
        if (!strstr(why, dm->why)) {
            g_error("%s = 0x%" PRIx64 ": expected \"%s\" in:\n%s",
                    dm->field, dm->value, dm->why, why);
        }
    }
    unlink(bad);
    g_assert_nonnull(nvme_mig_load(d, path, false, NULL));
    unlink(path);
}

/*
 * A VM with I/O queues, completions waiting (its CQ is full) and AERs
 * outstanding, saved to @path; the source stays in postmigrate.
 */
static NvmeDrv *save_busy_vm(const char *path, NvmeDrvBatch *b)
{
    NvmeDrv *d = start(NULL, 0, 0);

    g_assert_cmphex(nvme_drv_create_cq(d, 1, 8, 1, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 32), ==, NVME_SUCCESS);
    nvme_drv_submit_aer(d);
    submit_mix(d, b, 1, 12);
    for (int i = 0; i < 1000 && nvme_drv_cq_posted(d, 1) < 7; i++) {
        g_usleep(1000);
    }
    nvme_mig_save(d, path);
    return d;
}

/*
 * Each damage makes the destination refuse the stream with a message
 * naming the problem; nothing crashes (the sanitizer build runs this
 * too).  The undamaged stream then loads and the VM carries on.
 */
static void test_hostile(void)
{
    g_autofree char *path = stream_path("");
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    NvmeDrv *d = save_busy_vm(path, b);

    load_damaged(d, path, damages, ARRAY_SIZE(damages));
    nvme_drv_batch_check(d, b);
    check_alive(d);
    g_free(b);
    nvme_drv_stop(d);
}

/* The same for the zones of a zoned namespace. */
/* Fields of the zone state (zns.c) in the nvme-ns section. */
#define ZMIG(f)     "ns/nvme-namespace/zoned/zoned/mig." f

static const Damage zoned_damages[] = {
    { "nvme-ns", ZMIG("nr_zones"), 0x7fffffff, "zones within the image's" },
    { "nvme-ns", ZMIG("nr_zones"), 15, "a descriptor extension per zone" },
    { "nvme-ns", ZMIG("sm/0/state"), 0x7, "zone 0: state" },
    { "nvme-ns", ZMIG("sm/1/wp"), 0x12345678, "zone 1: write pointer" },
    { "nvme-ns", ZMIG("sm/6/wp"), ZONE(6) + 1, "zone 6: write pointer" },
    { "nvme-ns", ZMIG("sm/3/attrs"), 0x40, "zone 3: attributes" },
    { "nvme-ns", ZMIG("sm/5/attrs"), 0x08, "zone 5: attributes" },
    { "nvme-ns", ZMIG("ext_len"), 0xfffffff0,
      "a descriptor extension per zone" },
    { "nvme-ns", ZMIG("nr_lru"), 17, "implicitly open zones" },
    { "nvme-ns", ZMIG("lru/0"), 16, "list entry 0: zone 16" },
    { "nvme-ns", ZMIG("lru/1"), 0, "list entry 1: zone 0" },
    { "nvme-ns", ZMIG("lru/1"), 4, "list entry 1: zone 4" },
    { "nvme-ns", ZMIG("nr_changed"), 512, "512 changed zones" },
    { "nvme-ns", ZMIG("store_enabled"), 0, "on one side only" },
    { "nvme-ns", "ns/lbaf", 9, "LBA format 9" },
};

/* Damaged zone state is refused; the undamaged stream loads. */
static void test_hostile_zoned(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    g_autofree char *path = stream_path("");
    NvmeDrv *d = zoned_start(img);
    g_autofree char *before = NULL, *after = NULL;

    zoned_states(d);
    before = zoned_view(d, false);
    nvme_mig_save(d, path);
    if (g_test_verbose()) {
        NvmeStream *s = nvme_stream_open(path);
        g_autofree char *dump = nvme_stream_dump(s, "nvme-ns", 0);

        g_test_message("%s", dump);
        nvme_stream_free(s);
    }
    load_damaged(d, path, zoned_damages, ARRAY_SIZE(zoned_damages));
    after = zoned_view(d, false);
    g_assert_cmpstr(after, ==, before);
    nvme_drv_stop(d);
    unlink(img);
}

/* Fields of the FDP subsection (fdp.c) in the nvme-subsys section. */
#define FMIG(f)     "nvme-subsys/fdp/s.fdp." f

static const Damage fdp_damages[] = {
    { "nvme-subsys", FMIG("stream.navail"), 5, "FDP reclaim groups" },
    { "nvme-subsys", FMIG("avail/3"), 1ull << 40, "more than fdp.runs" },
    { "nvme-subsys", FMIG("ctrl_ev/start"), 63, "events ring" },
    { "nvme-subsys", FMIG("host_ev/count"), 64, "events ring" },
    { "nvme-subsys", FMIG("stream.nns"), 300, "FDP namespaces within" },
    { "nvme-subsys", FMIG("stream.ns/0/nsid"), 9, "is not so here" },
    { "nvme-subsys", FMIG("stream.ns/0/nph"), 2, "is not so here" },
    { "nvme-subsys", FMIG("stream.ns/0/ev_mask/2"), 0x80, "FDP events" },
};

/* Damaged FDP state is refused; the undamaged stream loads. */
static void test_hostile_fdp(void)
{
    g_autofree char *path = stream_path("");
    g_autofree char *before = NULL, *after = NULL;
    NvmeDrv *d = fdp_start();

    fdp_fill(d);
    before = fdp_view(d);
    nvme_mig_save(d, path);
    if (g_test_verbose()) {
        NvmeStream *s = nvme_stream_open(path);
        g_autofree char *dump = nvme_stream_dump(s, "nvme-subsys", 0);

        g_test_message("%s", dump);
        nvme_stream_free(s);
    }
    load_damaged(d, path, fdp_damages, ARRAY_SIZE(fdp_damages));
    after = fdp_view(d);
    g_assert_cmpstr(after, ==, before);
    nvme_drv_stop(d);
}

/* The same for SR-IOV: the primary's resources and a VF's own state. */
#define VFMIG(f)    "nvme/sriov-vfs/vfs/0/nvme/" f

static const Damage sriov_damages[] = {
    { "nvme", "nvme/sriov/sriov.max_vfs", 3, "sriov.max_vfs" },
    { "nvme", "nvme/sriov/sriov.vfs_enabled", 1, "VFs enabled other" },
    { "nvme", "nvme/sriov/sriov.vqrfap", 6, "than the pool has" },
    { "nvme", "nvme/sriov/sriov.virfap_next", 2, "than the pool has" },
    { "nvme", "nvme/sriov/sriov.sec/0/nvq", 5, "sriov_max_v[qi]_per_vf" },
    { "nvme", "nvme/sriov/sriov.sec/1/nvi", 0, "online secondary" },
    { "nvme", VFMIG("queues/queues.mig.nr_cq"), 0xffffffff, "CQ count" },
    { "nvme", VFMIG("queues/queues.mig.cq/1/vector"), 2, "vector" },
};

static void test_hostile_sriov(void)
{
    g_autofree char *path = stream_path("");
    NvmeDrv *d, *v;
    uint16_t id1;

    d = sriov_start(SRIOV_DRIVE, &v, &id1);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ONLINE,
                                       0, id1, 0, NULL), ==, NVME_SUCCESS);
    nvme_mig_save(d, path);
    load_damaged(d, path, sriov_damages, ARRAY_SIZE(sriov_damages));
    check_alive(v);
    nvme_drv_stop_peer(v);
    nvme_drv_stop(d);
}

/*
 * Bytes of the controller's section overwritten at random: every load
 * fails cleanly or succeeds; none crashes or hangs.
 */
static void test_hostile_random(void)
{
    g_autofree char *path = stream_path("");
    g_autofree char *bad = stream_path(".bad");
    NvmeDrvBatch *b = g_new0(NvmeDrvBatch, 1);
    NvmeDrv *d = save_busy_vm(path, b);
    GRand *rnd = g_rand_new_with_seed(0x6e766d65);
    size_t off, size;

    {
        NvmeStream *s = nvme_stream_open(path);

        g_assert_true(nvme_stream_find(s, "nvme", 0, "nvme/queues", &off,
                                       &size));
        nvme_stream_free(s);
    }
    for (int i = 0; i < 24; i++) {
        NvmeStream *s = nvme_stream_open(path);
        size_t len;
        uint8_t *bytes = nvme_stream_bytes(s, &len);
        QTestState *ok;

        for (int j = 0; j < 4; j++) {
            bytes[off + g_rand_int_range(rnd, 0, size)] = g_rand_int(rnd);
        }
        nvme_stream_write(s, bad);
        nvme_stream_free(s);
        ok = nvme_mig_load(d, bad, true, NULL);
        if (ok) {
            /* it loaded: the source is gone, so save again from here */
            nvme_mig_save(d, path);
        }
    }
    g_rand_free(rnd);
    unlink(bad);
    unlink(path);
    g_free(b);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/migrate/stop-cont", test_stop_cont);
    qtest_add_func("/nvme/migrate/live-inflight", test_live_inflight);
    qtest_add_func("/nvme/migrate/unposted", test_unposted);
    qtest_add_func("/nvme/migrate/paused", test_paused);
    qtest_add_func("/nvme/migrate/postcopy", test_postcopy);
    qtest_add_func("/nvme/migrate/chain", test_chain);
    qtest_add_func("/nvme/migrate/cmb", test_cmb);
    qtest_add_func("/nvme/migrate/parked", test_parked);
    qtest_add_func("/nvme/migrate/aer", test_aer);
    qtest_add_func("/nvme/migrate/state", test_state);
    qtest_add_func("/nvme/migrate/media", test_media);
    qtest_add_func("/nvme/migrate/subsys", test_subsys);
    qtest_add_func("/nvme/migrate/sanitize-subsys", test_sanitize_subsys);
    if (!nvme_drv_part_off("NVME_ZNS")) {
        qtest_add_func("/nvme/migrate/zoned", test_zoned);
        qtest_add_func("/nvme/migrate/zoned-parked", test_zoned_parked);
        qtest_add_func("/nvme/migrate/hostile-zoned", test_hostile_zoned);
    }
    if (!nvme_drv_part_off("NVME_SRIOV")) {
        qtest_add_func("/nvme/migrate/sriov", test_sriov);
        qtest_add_func("/nvme/migrate/hostile-sriov", test_hostile_sriov);
        qtest_add_func("/nvme/migrate/savevm-sriov", test_savevm_sriov);
    }
    qtest_add_func("/nvme/migrate/fdp", test_fdp);
    qtest_add_func("/nvme/migrate/savevm", test_savevm);
    qtest_add_func("/nvme/migrate/compat", test_compat);
    qtest_add_func("/nvme/migrate/hostile", test_hostile);
    qtest_add_func("/nvme/migrate/hostile-fdp", test_hostile_fdp);
    qtest_add_func("/nvme/migrate/hostile-random", test_hostile_random);
    return g_test_run();
}

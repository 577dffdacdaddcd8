/*
 * qtest: backend errors injected with blkdebug, the rerror/werror policy
 * (report, ignore, stop + cont, enospc) and where failures show up (the
 * completion status, the error log, SMART media errors).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define LBASZ 512
#define BAD_LBA 100         /* blkdebug fails requests touching this sector */

/*
 * One controller on blkdebug over the test image; requests of @iotype
 * ("read", "write", "flush") touching BAD_LBA fail with @err, once or
 * always; @policy is appended to the nvme device (e.g. "werror=stop").
 */
static NvmeDrv *start_faulty(const char *iotype, int err, bool once,
                             const char *policy)
{
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=blkdebug,node-name=dbg,"
        "image.driver=file,image.filename=@IMG@,"
        "inject-error.0.event=none,inject-error.0.iotype=%s,"
        "inject-error.0.errno=%d,inject-error.0.once=%s%s "
        "-device nvme,drive=dbg,serial=qtest-ioerr%s%s",
        iotype, err, once ? "on" : "off",
        strcmp(iotype, "flush") ? ",inject-error.0.sector=100" : "",
        policy ? "," : "", policy ? policy : "");
    return nvme_drv_start_io(args, 16);
}

static uint16_t rw(NvmeDrv *d, uint8_t opcode, uint64_t slba, void *buf)
{
    return nvme_drv_rw(d, 1, opcode, 1, slba, 1, LBASZ, buf, 0);
}

static uint64_t smart_media_errors(NvmeDrv *d)
{
    NvmeSmartLog log;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &log, sizeof(log)), ==, 0);
    return le64_to_cpu(log.media_errors[0]);
}

/* report (the default): the status names the failure, logged and counted */
static void test_report_write(void)
{
    NvmeDrv *d = start_faulty("write", EIO, false, NULL);
    uint8_t buf[LBASZ] = { 0x5a };
    NvmeErrorLog err;

    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA, buf), ==,
                    NVME_WRITE_FAULT);
    g_assert_cmpuint(smart_media_errors(d), ==, 1);
    err = nvme_drv_last_error(d);
    g_assert_cmphex(le16_to_cpu(err.status_field) >> 1, ==, NVME_WRITE_FAULT);
    g_assert_cmpuint(le64_to_cpu(err.lba), ==, BAD_LBA);
    g_assert_cmpuint(le16_to_cpu(err.sqid), ==, 1);
    /* other blocks are fine, and so is the controller */
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA + 8, buf), ==, 0);
    g_assert_cmphex(rw(d, NVME_CMD_READ, BAD_LBA + 8, buf), ==, 0);
    nvme_drv_stop(d);
}

static void test_report_read(void)
{
    NvmeDrv *d = start_faulty("read", EIO, false, NULL);
    uint8_t buf[LBASZ];

    g_assert_cmphex(rw(d, NVME_CMD_READ, BAD_LBA, buf), ==,
                    NVME_UNRECOVERED_READ);
    g_assert_cmpuint(smart_media_errors(d), ==, 1);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 0, buf), ==, 0);
    nvme_drv_stop(d);
}

/*
 * ENOSPC is not a media error.  (QEMU's default werror is "enospc", which
 * stops the VM: see test_enospc_stops.)
 */
static void test_report_enospc(void)
{
    NvmeDrv *d = start_faulty("write", ENOSPC, false, "werror=report");
    uint8_t buf[LBASZ] = { 0 };

    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA, buf), ==,
                    NVME_CAP_EXCEEDED | DNR);
    g_assert_cmpuint(smart_media_errors(d), ==, 0);
    nvme_drv_stop(d);
}

static void test_flush_error(void)
{
    NvmeDrv *d = start_faulty("flush", EIO, true, NULL);
    uint8_t buf[LBASZ] = { 3 };
    NvmeCmd cmd;

    /* the block layer skips flushes when nothing was written since */
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 0, buf), ==, 0);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_WRITE_FAULT);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, 0);
    nvme_drv_stop(d);
}

/* ignore: the command succeeds as if nothing happened */
static void test_ignore(void)
{
    NvmeDrv *d = start_faulty("write", EIO, false, "werror=ignore");
    uint8_t buf[LBASZ] = { 1 };

    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA, buf), ==, 0);
    g_assert_cmpuint(smart_media_errors(d), ==, 0);
    nvme_drv_stop(d);
}

/*
 * stop: the VM pauses with the command outstanding; after 'cont' it runs
 * again (the injected error was one-shot) and completes successfully,
 * with the data on the media.
 */
static void stop_and_cont(const char *iotype, const char *policy, int err)
{
    NvmeDrv *d = start_faulty(iotype, err, true, policy);
    bool write = !strcmp(iotype, "write");
    uint64_t buf = nvme_drv_alloc(d, LBASZ);
    uint8_t data[LBASZ], media[LBASZ];
    g_autofree char *st = NULL;
    NvmeCmd cmd;
    NvmeCqe cqe;

    memset(data, 0xc3, sizeof(data));
    if (write) {
        nvme_drv_memwrite(d, buf, data, sizeof(data));
    } else {
        g_assert_cmpint(pwrite(d->img_fd, data, LBASZ, BAD_LBA * LBASZ), ==,
                        LBASZ);
    }
    nvme_drv_cmd_init(&cmd, write ? NVME_CMD_WRITE : NVME_CMD_READ, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, LBASZ);
    cmd.cdw10 = BAD_LBA;
    nvme_drv_submit(d, 1, &cmd);

    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 300, true));
    st = nvme_drv_run_state(d);
    g_assert_cmpstr(st, ==, "io-error");

    qobject_unref(qtest_qmp(d->qts, "{'execute': 'cont'}"));
    g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, true));
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    g_assert_cmpuint(cqe.cid, ==, cmd.cid);
    if (write) {
        g_assert_cmpint(pread(d->img_fd, media, LBASZ, BAD_LBA * LBASZ), ==,
                        LBASZ);
    } else {
        nvme_drv_memread(d, buf, media, LBASZ);
    }
    g_assert_cmpmem(media, LBASZ, data, LBASZ);
    /* exactly one completion: nothing else shows up */
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 200, true));
    g_assert_cmpuint(smart_media_errors(d), ==, 0);
    nvme_drv_stop(d);
}

static void test_stop_write(void)
{
    stop_and_cont("write", "werror=stop", EIO);
}

static void test_stop_read(void)
{
    stop_and_cont("read", "rerror=stop", EIO);
}

static void test_enospc_stops(void)
{
    stop_and_cont("write", "werror=enospc", ENOSPC);
}

/* werror=enospc reports other errors */
static void test_enospc_reports_eio(void)
{
    NvmeDrv *d = start_faulty("write", EIO, false, "werror=enospc");
    uint8_t buf[LBASZ] = { 0 };

    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA, buf), ==,
                    NVME_WRITE_FAULT);
    nvme_drv_stop(d);
}

/* A controller reset while a command is parked forgets it cleanly. */
static void test_stop_then_reset(void)
{
    NvmeDrv *d = start_faulty("write", EIO, true, "werror=stop");
    uint64_t buf = nvme_drv_alloc(d, LBASZ);
    uint8_t data[LBASZ] = { 7 };
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, LBASZ);
    cmd.cdw10 = BAD_LBA;
    nvme_drv_submit(d, 1, &cmd);
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 300, true));

    nvme_drv_disable(d);
    qobject_unref(qtest_qmp(d->qts, "{'execute': 'cont'}"));
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, BAD_LBA, data), ==, 0);
    nvme_drv_stop(d);
}

/* Write Zeroes and DSM deallocate reach the backend as write-zeroes */
static void test_zeroes_and_discard_errors(void)
{
    NvmeDrv *d = start_faulty("write-zeroes", EIO, false, NULL);
    uint64_t ranges = nvme_drv_alloc(d, 4096);
    uint8_t r[16] = { 0 };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 1);
    cmd.cdw10 = BAD_LBA;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_WRITE_FAULT);

    stl_le_p(r + 4, 8);                 /* NLB */
    stq_le_p(r + 8, BAD_LBA - 4);       /* SLBA: the range covers BAD_LBA */
    nvme_drv_memwrite(d, ranges, r, sizeof(r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_DSM, 1);
    nvme_drv_cmd_set_prp(d, &cmd, ranges, sizeof(r));
    cmd.cdw10 = 0;                      /* one range */
    cmd.cdw11 = 1 << 2;                 /* AD: deallocate */
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_WRITE_FAULT);
    g_assert_cmpuint(smart_media_errors(d), ==, 2);

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 1);
    cmd.cdw10 = 0;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, 0);
    nvme_drv_stop(d);
}

static bool backend_writeback(NvmeDrv *d)
{
    QDict *rsp = qtest_qmp(d->qts, "{'execute': 'query-block'}");
    QList *list = qdict_get_qlist(rsp, "return");
    QDict *dev = qobject_to(QDict, qlist_peek(list));
    QDict *cache = qdict_get_qdict(qdict_get_qdict(dev, "inserted"), "cache");
    bool wb = qdict_get_bool(cache, "writeback");

    qobject_unref(rsp);
    return wb;
}

static uint8_t id_vwc(NvmeDrv *d)
{
    g_autofree NvmeIdCtrl *id = g_new0(NvmeIdCtrl, 1);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    return id->vwc;
}

/*
 * The Volatile Write Cache follows the backend's cache mode: reported
 * with cache=writeback and switched off for real by Set Features; absent
 * (and not switchable on) with cache=writethrough.
 */
static void test_vwc_cache_modes(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw,cache=writeback "
        "-device nvme,drive=d0,serial=qtest-vwc");
    uint32_t dw0;

    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(id_vwc(d) & 1, ==, 1);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_VOLATILE_WRITE_CACHE, 0, 0,
                                          &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 1);
    g_assert_true(backend_writeback(d));
    g_assert_cmphex(nvme_drv_set_features(d, NVME_VOLATILE_WRITE_CACHE, 0,
                                          NULL), ==, 0);
    g_assert_false(backend_writeback(d));
    g_assert_cmphex(nvme_drv_set_features(d, NVME_VOLATILE_WRITE_CACHE, 1,
                                          NULL), ==, 0);
    g_assert_true(backend_writeback(d));
    nvme_drv_stop(d);

    d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw,cache=writethrough "
        "-device nvme,drive=d0,serial=qtest-vwc");
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(id_vwc(d) & 1, ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_VOLATILE_WRITE_CACHE, 1,
                                          NULL), ==, NVME_INVALID_FIELD | DNR);
    g_assert_false(backend_writeback(d));
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/ioerr/report_write", test_report_write);
    qtest_add_func("/nvme/ioerr/report_read", test_report_read);
    qtest_add_func("/nvme/ioerr/report_enospc", test_report_enospc);
    qtest_add_func("/nvme/ioerr/flush", test_flush_error);
    qtest_add_func("/nvme/ioerr/ignore", test_ignore);
    qtest_add_func("/nvme/ioerr/stop_write", test_stop_write);
    qtest_add_func("/nvme/ioerr/stop_read", test_stop_read);
    qtest_add_func("/nvme/ioerr/enospc_stops", test_enospc_stops);
    qtest_add_func("/nvme/ioerr/enospc_reports_eio", test_enospc_reports_eio);
    qtest_add_func("/nvme/ioerr/stop_then_reset", test_stop_then_reset);
    qtest_add_func("/nvme/ioerr/zeroes_and_discard", test_zeroes_and_discard_errors);
    qtest_add_func("/nvme/ioerr/vwc_cache_modes", test_vwc_cache_modes);
    return g_test_run();
}

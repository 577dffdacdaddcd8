/*
 * qtest: atomic write units.  Identify AWUN / AWUPF (nvme atomic.awun,
 * atomic.awupf), NSFEAT bit 1 with NAWUN, NAWUPF, NABSN, NABO, NABSPF
 * (nvme-ns atomic.*), the Write Atomicity Normal feature (atomic.dn), the
 * errors of values the spec forbids, and the overlap lock: a write within
 * the unit is held back by an overlapping write the block layer has not
 * finished (blkdebug suspends it), reads never see half of it, writes
 * beyond the unit or across a boundary are not serialised.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define LBASZ           512
#define NSFEAT_NSABP    (1u << 1)
#define FID_WRITE_ATOM  0x0a
#define SHORT_MS        1000    /* a completion the lock must hold back */

/*
 * Namespace 1 on a blkdebug node (so a test can suspend a backend write)
 * behind controller c0 with @ctrl_props, the namespace with @ns_props;
 * enabled, MSI-X, queue pair 1.  Doorbells are MMIO (ioeventfd=off): a
 * doorbell write then schedules the SQ in the AioContext that blkdebug's
 * wait_break polls, not in the main loop's fd handlers it does not.
 */
static NvmeDrv *start(const char *ctrl_props, const char *ns_props)
{
    g_autofree char *args = g_strdup_printf(
        "-drive if=none,id=d0,driver=raw,file.driver=blkdebug,"
        "file.image.driver=file,file.image.filename=@IMG@ "
        "-device nvme,id=c0,serial=qtest-atomic,ioeventfd=off%s%s "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1%s%s",
        ctrl_props ? "," : "", ctrl_props ? ctrl_props : "",
        ns_props ? "," : "", ns_props ? ns_props : "");
    return nvme_drv_start_io(args, 32);
}

/*
 * qemu-io on drive d0 by its BlockBackend name: a node name would make it
 * attach a BlockBackend of its own, which waits for the suspended request.
 */
static void hmp(NvmeDrv *d, const char *cmd)
{
    g_autofree char *out = qtest_hmp(d->qts, "%s", cmd);

    g_assert_cmpstr(out, ==, "");
}

/* Suspend the next write that reaches the backend. */
static void break_next_write(NvmeDrv *d)
{
    hmp(d, "qemu-io d0 \"break write_aio A\"");
}

/* It is suspended now. */
static void wait_suspended(NvmeDrv *d)
{
    hmp(d, "qemu-io d0 \"wait_break A\"");
}

static void resume(NvmeDrv *d)
{
    hmp(d, "qemu-io d0 \"resume A\"");
}

/* A buffer of @nlb blocks, every byte @val; its guest address. */
static uint64_t pattern(NvmeDrv *d, uint32_t nlb, uint8_t val)
{
    uint64_t addr = nvme_drv_alloc(d, nlb * LBASZ);
    g_autofree uint8_t *buf = g_malloc(nlb * LBASZ);

    memset(buf, val, nlb * LBASZ);
    nvme_drv_memwrite(d, addr, buf, nlb * LBASZ);
    return addr;
}

/* Submit a Read or Write of @nlb blocks at @slba on queue 1; its cid. */
static uint16_t submit(NvmeDrv *d, uint8_t opc, uint64_t slba, uint32_t nlb,
                       uint64_t buf)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, nlb * LBASZ);
    cmd.cdw10 = cpu_to_le32(slba);
    cmd.cdw11 = cpu_to_le32(slba >> 32);
    cmd.cdw12 = cpu_to_le32(nlb - 1);
    return nvme_drv_submit(d, 1, &cmd);
}

/* Command @cid completes successfully. */
static void expect_done(NvmeDrv *d, uint16_t cid)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(d, 1, cid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
}

/* No completion arrives on queue 1 for a while (the lock holds it). */
static void expect_held(NvmeDrv *d)
{
    NvmeCqe cqe;

    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, SHORT_MS, true));
}

/* Every byte of blocks [@slba, @slba + @nlb) in the image is @val. */
static void expect_image(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                         uint8_t val)
{
    g_autofree uint8_t *buf = g_malloc(nlb * LBASZ);

    g_assert_cmpint(pread(d->img_fd, buf, nlb * LBASZ, slba * LBASZ), ==,
                    nlb * LBASZ);
    for (uint32_t i = 0; i < nlb * LBASZ; i++) {
        if (buf[i] != val) {
            g_error("block %" PRIu64 " byte %u is 0x%02x, want 0x%02x",
                    slba + i / LBASZ, i % LBASZ, buf[i], val);
        }
    }
}

/*
 * Write @na blocks at @sa from @a and suspend it in the backend, then
 * write @nb at @sb from @b: the second is held back until the first
 * resumes (@held), or completes meanwhile.
 */
static void second_write(NvmeDrv *d, uint64_t sa, uint32_t na, uint64_t a,
                         uint64_t sb, uint32_t nb, uint64_t b, bool held)
{
    uint16_t ca, cb;

    break_next_write(d);
    ca = submit(d, NVME_CMD_WRITE, sa, na, a);
    wait_suspended(d);
    cb = submit(d, NVME_CMD_WRITE, sb, nb, b);
    if (held) {
        expect_held(d);
    } else {
        expect_done(d, cb);
    }
    resume(d);
    expect_done(d, ca);
    if (held) {
        expect_done(d, cb);
    }
}

static void test_identify(void)
{
    NvmeDrv *d = start("atomic.awun=15,atomic.awupf=7",
                       "atomic.nawun=31,atomic.nawupf=15,atomic.nabsn=63,"
                       "atomic.nabo=4,atomic.nabspf=31");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    g_autofree NvmeIdNs *ns = g_malloc(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    g_assert_cmpuint(le16_to_cpu(id->awun), ==, 15);
    g_assert_cmpuint(le16_to_cpu(id->awupf), ==, 7);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==, 0);
    g_assert_cmphex(ns->nsfeat & NSFEAT_NSABP, ==, NSFEAT_NSABP);
    g_assert_cmpuint(le16_to_cpu(ns->nawun), ==, 31);
    g_assert_cmpuint(le16_to_cpu(ns->nawupf), ==, 15);
    g_assert_cmpuint(le16_to_cpu(ns->nabsn), ==, 63);
    g_assert_cmpuint(le16_to_cpu(ns->nabo), ==, 4);
    g_assert_cmpuint(le16_to_cpu(ns->nabspf), ==, 31);
    nvme_drv_stop(d);

    /* without namespace values: NSABP clear, the fields zero */
    d = start(NULL, NULL);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    g_assert_cmpuint(le16_to_cpu(id->awun) | le16_to_cpu(id->awupf), ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==, 0);
    g_assert_cmphex(ns->nsfeat & NSFEAT_NSABP, ==, 0);
    g_assert_cmpuint(le16_to_cpu(ns->nawun) | le16_to_cpu(ns->nawupf) |
                     le16_to_cpu(ns->nabsn) | le16_to_cpu(ns->nabspf), ==, 0);
    nvme_drv_stop(d);
}

/* Write Atomicity Normal: atomic.dn at reset, Set/Get in between. */
static void test_feature(void)
{
    for (int dn = 0; dn < 2; dn++) {
        NvmeDrv *d = start(dn ? "atomic.awun=7,atomic.dn=on"
                              : "atomic.awun=7", NULL);
        uint32_t val;

        g_assert_cmphex(nvme_drv_get_features(d, FID_WRITE_ATOM, 0, 0, &val),
                        ==, NVME_SUCCESS);
        g_assert_cmpuint(val, ==, dn);
        g_assert_cmphex(nvme_drv_get_features(d, FID_WRITE_ATOM, 3, 0, &val),
                        ==, NVME_SUCCESS);
        g_assert_cmphex(val, ==, NVME_FEAT_CAP_CHANGE);
        g_assert_cmphex(nvme_drv_set_features(d, FID_WRITE_ATOM, !dn, NULL),
                        ==, NVME_SUCCESS);
        g_assert_cmphex(nvme_drv_get_features(d, FID_WRITE_ATOM, 0, 0, &val),
                        ==, NVME_SUCCESS);
        g_assert_cmpuint(val, ==, !dn);
        /* a controller reset brings the property's value back */
        nvme_drv_disable(d);
        nvme_drv_enable(d, 32, 32);
        g_assert_cmphex(nvme_drv_get_features(d, FID_WRITE_ATOM, 0, 0, &val),
                        ==, NVME_SUCCESS);
        g_assert_cmpuint(val, ==, dn);
        nvme_drv_stop(d);
    }
}

#define NS_ARGS "-drive if=none,id=d0,driver=null-co,size=16M " \
                "-device nvme,id=c0,serial=x,atomic.awun=7,atomic.awupf=3 " \
                "-device nvme-ns,drive=d0,bus=c0,"

static void test_errors(void)
{
    nvme_drv_start_fails("-drive if=none,id=d0,driver=null-co,size=16M "
                "-device nvme,drive=d0,serial=x,atomic.awun=3,atomic.awupf=7",
                "'atomic.awupf' (7) must not exceed 'atomic.awun' (3)");
    nvme_drv_start_fails(NS_ARGS "atomic.nawun=15,atomic.nawupf=31",
                "'atomic.nawupf' must not exceed 'atomic.nawun'");
    nvme_drv_start_fails(NS_ARGS "atomic.nawun=3,atomic.nawupf=3",
                "'atomic.nawun' must be at least the controller's");
    nvme_drv_start_fails(NS_ARGS "atomic.nawun=15,atomic.nawupf=1",
                "'atomic.nawupf' must be at least the controller's");
#define NAWU "atomic.nawun=15,atomic.nawupf=7,"
    nvme_drv_start_fails(NS_ARGS NAWU "atomic.nabsn=7",
                "'atomic.nabsn' must be 0 (no boundaries) or at least");
    nvme_drv_start_fails(NS_ARGS NAWU "atomic.nabspf=3",
                "'atomic.nabspf' must be 0 (no boundaries) or at least");
    nvme_drv_start_fails(NS_ARGS NAWU "atomic.nabo=2",
                "'atomic.nabo' needs 'atomic.nabsn' or 'atomic.nabspf'");
    nvme_drv_start_fails(NS_ARGS NAWU "atomic.nabsn=15,atomic.nabo=16",
                "'atomic.nabo' must not exceed");
#undef NAWU
}

/*
 * Two overlapping writes within AWUN: the second waits for the first
 * (suspended in the block layer), so it lands last, whole.  A write
 * elsewhere passes meanwhile.
 */
static void test_write_write(void)
{
    NvmeDrv *d = start("atomic.awun=15", NULL);
    uint64_t a = pattern(d, 8, 0xaa), b = pattern(d, 8, 0xbb);
    uint64_t c = pattern(d, 8, 0xcc);
    uint16_t ca, cb;

    break_next_write(d);
    ca = submit(d, NVME_CMD_WRITE, 0, 8, a);
    wait_suspended(d);
    cb = submit(d, NVME_CMD_WRITE, 4, 8, b);
    expect_done(d, submit(d, NVME_CMD_WRITE, 100, 8, c));   /* not held */
    expect_held(d);
    resume(d);
    expect_done(d, ca);
    expect_done(d, cb);
    expect_image(d, 0, 4, 0xaa);
    expect_image(d, 4, 8, 0xbb);
    expect_image(d, 100, 8, 0xcc);
    nvme_drv_stop(d);
}

/* A read overlapping an atomic write sees all of it, never half. */
static void test_read_waits(void)
{
    NvmeDrv *d = start("atomic.awun=15", NULL);
    uint64_t a = pattern(d, 16, 0x5a), r = pattern(d, 8, 0);
    g_autofree uint8_t *got = g_malloc(8 * LBASZ);
    uint16_t ca, cr;

    break_next_write(d);
    ca = submit(d, NVME_CMD_WRITE, 16, 16, a);
    wait_suspended(d);
    cr = submit(d, NVME_CMD_READ, 20, 8, r);
    expect_held(d);
    resume(d);
    expect_done(d, ca);
    expect_done(d, cr);
    nvme_drv_memread(d, r, got, 8 * LBASZ);
    for (int i = 0; i < 8 * LBASZ; i++) {
        g_assert_cmphex(got[i], ==, 0x5a);
    }
    nvme_drv_stop(d);
}

/*
 * Writes beyond the unit ask for no atomicity: an overlapping one runs
 * while the first is suspended.
 */
static void test_beyond_unit(void)
{
    NvmeDrv *d = start("atomic.awun=7", NULL);

    second_write(d, 0, 16, pattern(d, 16, 0x11), 8, 16, pattern(d, 16, 0x22),
                 false);
    nvme_drv_stop(d);
}

/*
 * Namespace units: NAWUN 31 within boundaries of 64 blocks from LBA 0;
 * DN (Write Atomicity Normal) leaves only NAWUPF 7 (boundary NABSPF 15).
 */
static void test_ns_boundaries(void)
{
    NvmeDrv *d = start(NULL, "atomic.nawun=31,atomic.nawupf=7,"
                       "atomic.nabsn=63,atomic.nabspf=15");
    uint64_t a = pattern(d, 32, 0x33), b = pattern(d, 32, 0x44);

    /* 32 blocks at 32..63: within NAWUN, no boundary crossed: held */
    second_write(d, 32, 32, a, 40, 16, b, true);
    /* 32 blocks at 48..79 cross LBA 64: not atomic, not held */
    second_write(d, 48, 32, a, 48, 32, b, false);
    /* DN: 16 blocks are beyond NAWUPF now, 8 within NABSPF are not */
    g_assert_cmphex(nvme_drv_set_features(d, FID_WRITE_ATOM, 1, NULL), ==,
                    NVME_SUCCESS);
    second_write(d, 128, 16, a, 128, 16, b, false);
    second_write(d, 160, 8, a, 160, 8, b, true);
    expect_image(d, 160, 8, 0x44);
    nvme_drv_stop(d);
}

/*
 * A controller reset while a request waits for the lock: the reset
 * drains the suspended write only after it resumes; the waiting one is
 * released without a completion, and the queue works afterwards.
 */
static void test_reset_while_waiting(void)
{
    NvmeDrv *d = start("atomic.awun=15", NULL);
    uint64_t a = pattern(d, 8, 0x77), b = pattern(d, 8, 0x88);

    break_next_write(d);
    submit(d, NVME_CMD_WRITE, 0, 8, a);
    wait_suspended(d);
    submit(d, NVME_CMD_WRITE, 0, 8, b);
    expect_held(d);
    resume(d);
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 32);
    expect_done(d, submit(d, NVME_CMD_WRITE, 0, 8, b));
    expect_image(d, 0, 8, 0x88);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/atomic/identify", test_identify);
    qtest_add_func("/nvme/atomic/feature", test_feature);
    qtest_add_func("/nvme/atomic/errors", test_errors);
    /*
     * The overlap lock through blkdebug: with main-loop queues only, as
     * blkdebug's wait_break polls and its resume enters the suspended
     * request from the main loop, which an iothread's request must not
     * be (the guest check tests/guest/atomic.sh covers iothreads).
     */
    if (nvme_drv_mode_iothread()) {
        return g_test_run();
    }
    qtest_add_func("/nvme/atomic/write-write", test_write_write);
    qtest_add_func("/nvme/atomic/read-waits", test_read_waits);
    qtest_add_func("/nvme/atomic/beyond-unit", test_beyond_unit);
    qtest_add_func("/nvme/atomic/ns-boundaries", test_ns_boundaries);
    qtest_add_func("/nvme/atomic/reset-while-waiting",
                   test_reset_while_waiting);
    return g_test_run();
}

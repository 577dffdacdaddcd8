/*
 * qtest: a namespace that goes away, or changes its format, while
 * commands that hold it are still running.
 *
 * Namespace 2 sits on a slow drive (null-co, every request takes
 * LATENCY_MS), so each command below is still between two of its backend
 * requests when the namespace is deleted by Namespace Management,
 * detached by Namespace Attachment, unplugged (device_del) or formatted to
 * another block size: Dataset
 * Management of several ranges, Verify of several chunks, Copy (within
 * the namespace, and format 2 from it into namespace 1), Write Zeroes and
 * Read on a format with metadata, Zone Management Send Reset of several
 * zones and Zone Append with FUA (its zone state written back before the
 * completion).  Each command completes exactly once: the namespace goes
 * only once the commands that use it ended (nvme_ns_fence), which finish
 * with the namespace as it was (success), except a Copy, which checks
 * that its source namespace is still attached before each chunk and ends
 * with Command Abort Requested when it is not.  QEMU (under ASan in the
 * sanitize suite) neither touches freed memory nor writes through a drive
 * it let go.  Also: a namespace created by Namespace
 * Management and deleted under a DSM of many ranges, a Write parked by
 * werror=stop whose namespace is unplugged before the VM resumes, and a
 * first fused command that cannot get its second (no free request, a full
 * completion queue) when its namespace is unplugged.  Runs in every I/O
 * mode.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"
#include "qobject/qdict.h"

#define DNR             NVME_DNR
#define LBASZ           512
#define LATENCY_MS      20
#define SLOW_SIZE       (64 * 1024 * 1024)
#define ZONE_BLOCKS     2048                /* 1 MiB zones */
#define POOL_SIZE       (16 * 1024 * 1024)
#define ADM_NS_MGMT     0x0d
#define ZSA_RESET       0x04
#define ZNS_SELECT_ALL  (1u << 8)
#define RW_FUA          (1u << 30)

/* How namespace 2 goes away (or changes) under the command. */
typedef enum Removal {
    BY_NS_MGMT,         /* Namespace Management, delete NSID 2 */
    BY_UNPLUG,          /* device_del ns2 */
    BY_FORMAT,          /* Format NVM to a larger block (and metadata) */
    BY_DETACH,          /* Namespace Attachment, detach NSID 2 from c0 */
} Removal;

/* The command kept running over namespace 2. */
typedef enum Kind {
    K_DSM,              /* DSM deallocate, 4 ranges: 4 requests */
    K_VERIFY,           /* Verify of 3 MiB: 3 chunks */
    K_COPY,             /* Copy of 3 ranges within namespace 2 */
    K_COPY_SRC,         /* Copy format 2 on namespace 1 from namespace 2 */
    K_WZ_MD,            /* Write Zeroes with metadata: md, then data */
    K_READ_MD,          /* Read with metadata: data, then md */
    K_ZONE_RESET,       /* Zone Management Send Reset, Select All */
    K_APPEND_FUA,       /* Zone Append, FUA: data, then zone state */
} Kind;

typedef struct Rig {
    NvmeDrv *d;
    char *pool;
    Kind kind;
} Rig;

/* Namespace 2's properties for @kind. */
static const char *ns2_props(Kind kind)
{
    switch (kind) {
    case K_WZ_MD:
    case K_READ_MD:
        return ",ms=8";
    case K_ZONE_RESET:
    case K_APPEND_FUA:
        return ",zoned=on,zoned.zone_size=1M";
    default:
        return "";
    }
}

/*
 * Subsystem s0 with a capacity pool; controller c0 (Verify up to 16 MiB)
 * with namespace 1 on the image and namespace 2 (id ns2) on the slow
 * drive; every I/O command set enabled; I/O queue pair 1.
 */
static void rig_start(Rig *r, Kind kind, const char *ctrl_props)
{
    GError *err = NULL;
    g_autofree char *args = NULL;

    r->kind = kind;
    r->pool = g_dir_make_tmp("nvme-nslife-XXXXXX", &err);
    g_assert_no_error(err);
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-blockdev driver=null-co,node-name=slow,size=%d,read-zeroes=on,"
        "latency-ns=%d "
        "-device nvme-subsys,id=s0,nqn=qtest-nslife,pool=%s,pool-size=%d "
        "-device nvme,id=c0,serial=qtest-nslife,subsys=s0,vsl=12%s "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,id=ns2,drive=slow,bus=c0,nsid=2%s",
        SLOW_SIZE, LATENCY_MS * 1000000, r->pool, POOL_SIZE,
        ctrl_props ? ctrl_props : "", ns2_props(kind));
    r->d = nvme_drv_start_args(args);
    nvme_drv_ready_io_css(r->d, NVME_CC_CSS_ALL, 32);
}

static void rig_stop(Rig *r)
{
    g_autoptr(GDir) dir = g_dir_open(r->pool, 0, NULL);
    const char *name;

    nvme_drv_stop(r->d);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *path = g_build_filename(r->pool, name, NULL);

        unlink(path);
    }
    rmdir(r->pool);
    g_free(r->pool);
}

/* A buffer of @len bytes of guest memory, holding @data when given. */
static uint64_t guest_buf(NvmeDrv *d, const void *data, size_t len)
{
    uint64_t addr = nvme_drv_alloc(d, len);

    if (data) {
        nvme_drv_memwrite(d, addr, data, len);
    }
    return addr;
}

/* Copy on @nsid of @nr one-block ranges of namespace 2 (format 2). */
static void copy_cmd(Rig *r, NvmeCmd *cmd, uint32_t nsid, unsigned nr)
{
    uint8_t desc[32 * 8] = { 0 };

    for (unsigned i = 0; i < nr; i++) {
        uint8_t *f = desc + 32 * i;

        stl_le_p(f, 2);                 /* SNSID (format 2) */
        stq_le_p(f + 8, 4096 * (i + 1));   /* SLBA, one chunk each */
        stw_le_p(f + 16, 0);            /* NLB 0-based: one block */
    }
    nvme_drv_cmd_init(cmd, NVME_CMD_COPY, nsid);
    nvme_drv_cmd_set_prp(r->d, cmd, guest_buf(r->d, desc, sizeof(desc)),
                         sizeof(desc));
    cmd->cdw10 = 100;                   /* SDLBA */
    cmd->cdw12 = (nr - 1) | (2 << 8);   /* NR, descriptor format 2 */
}

/* Write zone @z of namespace 2 a little: it is Implicitly Opened. */
static void zone_touch(Rig *r, unsigned z)
{
    uint8_t data[LBASZ] = { 0x5a };

    g_assert_cmphex(nvme_drv_zone_append(r->d, 1, 2, (uint64_t)z *
                                         ZONE_BLOCKS, 1, LBASZ, data, 0,
                                         NULL), ==, NVME_SUCCESS);
}

/* Submit the command of r->kind on queue 1 (not waiting): its cid. */
static uint16_t submit(Rig *r)
{
    NvmeDrv *d = r->d;
    uint8_t ranges[16 * 4] = { 0 };
    NvmeCmd cmd;

    switch (r->kind) {
    case K_DSM:
        for (unsigned i = 0; i < 4; i++) {
            stl_le_p(ranges + 16 * i + 4, 8);              /* NLB */
            stq_le_p(ranges + 16 * i + 8, 1000 * (i + 1)); /* SLBA */
        }
        nvme_drv_cmd_init(&cmd, NVME_CMD_DSM, 2);
        nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, ranges, sizeof(ranges)),
                             sizeof(ranges));
        cmd.cdw10 = 3;                  /* four ranges */
        cmd.cdw11 = NVME_DSMGMT_AD;
        break;
    case K_VERIFY:
        nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, 2);
        cmd.cdw12 = 3 * 2048 - 1;       /* 3 MiB: three 1 MiB chunks */
        break;
    case K_COPY:
    case K_COPY_SRC:
        copy_cmd(r, &cmd, r->kind == K_COPY ? 2 : 1, 3);
        break;
    case K_WZ_MD:
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_ZEROES, 2);
        cmd.cdw10 = 64;
        cmd.cdw12 = 7;
        break;
    case K_READ_MD:
        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 2);
        nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, NULL, 8 * LBASZ),
                             8 * LBASZ);
        cmd.mptr = guest_buf(d, NULL, 4096);
        cmd.cdw12 = 7;
        break;
    case K_ZONE_RESET:
        for (unsigned z = 0; z < 3; z++) {
            zone_touch(r, z);
        }
        nvme_drv_cmd_init(&cmd, NVME_CMD_ZONE_MGMT_SEND, 2);
        cmd.cdw13 = ZSA_RESET | ZNS_SELECT_ALL;
        break;
    case K_APPEND_FUA:
        nvme_drv_cmd_init(&cmd, NVME_CMD_ZONE_APPEND, 2);
        nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, NULL, LBASZ), LBASZ);
        cmd.cdw10 = ZONE_BLOCKS;        /* zone 1 */
        cmd.cdw12 = RW_FUA;
        break;
    default:
        g_assert_not_reached();
    }
    return nvme_drv_submit(d, 1, &cmd);
}

/* Namespace Management, SEL 1: delete @nsid; the status. */
static uint16_t ns_delete(NvmeDrv *d, uint32_t nsid)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, ADM_NS_MGMT, nsid);
    cmd.cdw10 = 1;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

/*
 * Format NVM of namespace 2 to 4096-byte blocks (with metadata: the
 * 4096 + 64 format, number 5); the status.
 */
static uint16_t format_ns2(Rig *r)
{
    NvmeCmd cmd;
    bool md = r->kind == K_WZ_MD || r->kind == K_READ_MD;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 2);
    cmd.cdw10 = md ? 5 : 1;
    return nvme_drv_exec(r->d, 0, &cmd, NULL);
}

/* The controller still answers, and namespace 1 still works. */
static void expect_alive(NvmeDrv *d)
{
    g_autofree uint8_t *id = g_malloc(4096);
    uint8_t data[LBASZ] = { 0x11 }, back[LBASZ];

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 7, 1, LBASZ, data,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 7, 1, LBASZ, back,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(data, LBASZ, back, LBASZ);
}

/*
 * Let the controller fetch and start what the host just submitted.  With
 * the queues in the main loop that happened by the time the register read
 * returns; an iothread fetches on its own, so give it a moment (the
 * assertions below do not depend on it: see expect_once).
 */
static void settle(NvmeDrv *d)
{
    nvme_drv_rd32(d, NVME_REG_CSTS);
    if (nvme_drv_mode_iothread()) {
        g_usleep(LATENCY_MS * 1000 / 2);
    }
}

/*
 * Did a command that came after its namespace went away or started
 * formatting complete with @st (not attached: Invalid Field; the opcode
 * of a zoned namespace: Invalid Opcode; Format In Progress)?
 */
static bool late_status(uint16_t st)
{
    return st == (NVME_INVALID_FIELD | DNR) ||
           st == (NVME_INVALID_OPCODE | DNR) || st == NVME_FORMAT_IN_PROGRESS;
}

/*
 * The command @cid completes exactly once, with @status: it was running
 * when the namespace changed, so it finished first.  In the iothread
 * modes the controller may have fetched it only after the change: then
 * it completes (once) as a command that came late.
 */
static void expect_once(NvmeDrv *d, uint16_t cid, uint16_t status)
{
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_wait_cid(d, 1, cid, &cqe);
    st = NVME_DRV_STATUS(&cqe);
    if (!nvme_drv_mode_iothread() || !late_status(st)) {
        g_assert_cmphex(st, ==, status);
    }
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 100, true));
}

static void run_case(Kind kind, Removal how)
{
    uint16_t ctrl0 = 0;
    Rig r;
    uint16_t cid;

    rig_start(&r, kind, NULL);
    cid = submit(&r);
    settle(r.d);
    switch (how) {
    case BY_NS_MGMT:
        g_assert_cmphex(ns_delete(r.d, 2), ==, NVME_SUCCESS);
        break;
    case BY_UNPLUG:
        qtest_qmp_device_del(r.d->qts, "ns2");
        break;
    case BY_FORMAT:
        g_assert_cmphex(format_ns2(&r), ==, NVME_SUCCESS);
        break;
    case BY_DETACH:
        g_assert_cmphex(nvme_drv_ns_attach(r.d, 2, 1, &ctrl0, 1), ==,
                        NVME_SUCCESS);
        break;
    }
    /* a Copy's next chunk finds its source namespace gone */
    expect_once(r.d, cid, how != BY_FORMAT &&
                (kind == K_COPY || kind == K_COPY_SRC) ?
                NVME_CMD_ABORT_REQ : NVME_SUCCESS);
    expect_alive(r.d);
    if (how != BY_FORMAT) {
        uint8_t buf[LBASZ];

        g_assert_cmphex(nvme_drv_rw(r.d, 1, NVME_CMD_READ, 2, 0, 1, LBASZ,
                                    buf, 0), ==, NVME_INVALID_FIELD | DNR);
    }
    rig_stop(&r);
}

typedef struct Case {
    const char *name;
    Kind kind;
} Case;

static const Case cases[] = {
    { "dsm", K_DSM },
    { "verify", K_VERIFY },
    { "copy", K_COPY },
    { "copy-source", K_COPY_SRC },
    { "write-zeroes-md", K_WZ_MD },
    { "read-md", K_READ_MD },
    { "zone-reset-all", K_ZONE_RESET },
    { "zone-append-fua", K_APPEND_FUA },
};

static const char *const removals[] = {
    [BY_NS_MGMT] = "ns-mgmt",
    [BY_UNPLUG] = "unplug",
    [BY_FORMAT] = "format",
    [BY_DETACH] = "detach",
};

static void test_case(const void *opaque)
{
    uintptr_t v = (uintptr_t)opaque;

    run_case(cases[v >> 2].kind, v & 3);
}

/*
 * A namespace created by Namespace Management (its image in the pool)
 * deleted while a Copy into it reads its source ranges from the slow
 * namespace 2 (descriptor format 2): the deletion waits for the Copy,
 * then the namespace and its image go.
 */
static void test_created_ns(void)
{
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    uint16_t ctrl0 = 0;
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t cid;
    Rig r;

    rig_start(&r, K_COPY, NULL);
    id->nsze = id->ncap = cpu_to_le64(8192);
    nvme_drv_cmd_init(&cmd, ADM_NS_MGMT, 0);
    nvme_drv_cmd_set_prp(r.d, &cmd, guest_buf(r.d, id, 4096), 4096);
    g_assert_cmphex(nvme_drv_exec(r.d, 0, &cmd, &cqe), ==, NVME_SUCCESS);
    g_assert_cmpuint(cqe.result, ==, 3);
    g_assert_cmphex(nvme_drv_ns_attach(r.d, 3, 0, &ctrl0, 1), ==, 0);

    copy_cmd(&r, &cmd, 3, 3);
    cid = nvme_drv_submit(r.d, 1, &cmd);
    settle(r.d);
    g_assert_cmphex(ns_delete(r.d, 3), ==, NVME_SUCCESS);
    expect_once(r.d, cid, NVME_SUCCESS);
    expect_alive(r.d);
    rig_stop(&r);
}

/*
 * A Write parked by werror=stop (the VM paused on its error), with an
 * atomic write unit so that it holds a range in the overlap lock.  When
 * its namespace is unplugged before the VM runs again (@unplug), it
 * completes exactly once once resumed, with Invalid Field (no namespace
 * any more), and what it held (its range in the overlap lock, its place
 * in the fused-command write gate) is gone with it.  Otherwise it runs
 * again and succeeds, taking its range anew (not a second time), and
 * later overlapping writes and reads of the namespace go on.
 */
static void parked_run(bool unplug)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-blockdev driver=blkdebug,node-name=dbg,image.driver=null-co,"
        "image.size=16777216,image.read-zeroes=on,inject-error.0.event=none,"
        "inject-error.0.iotype=write,inject-error.0.errno=5,"
        "inject-error.0.once=on "
        "-device nvme,id=c0,serial=qtest-nslife,atomic.awun=7 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,id=ns2,drive=dbg,bus=c0,nsid=2,werror=stop");
    uint8_t data[4 * LBASZ] = { 0x77 }, back[LBASZ];
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_ready_io(d, 32);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 2);
    nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, data, LBASZ), LBASZ);
    nvme_drv_submit(d, 1, &cmd);
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 300, true));

    if (unplug) {
        qtest_qmp_device_del(d->qts, "ns2");
    }
    qobject_unref(qtest_qmp(d->qts, "{'execute': 'cont'}"));
    g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, true));
    g_assert_cmpuint(cqe.cid, ==, cmd.cid);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==,
                    unplug ? NVME_INVALID_FIELD | DNR : NVME_SUCCESS);
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 100, true));
    if (!unplug) {
        for (int i = 0; i < 3; i++) {
            /* (null-co keeps no data: the statuses are what counts) */
            g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 2, i, 4,
                                        LBASZ, data, 0), ==, NVME_SUCCESS);
            g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 2, 0, 1,
                                        LBASZ, back, 0), ==, NVME_SUCCESS);
        }
    }
    expect_alive(d);
    nvme_drv_stop(d);
}

static void test_parked_unplugged(void)
{
    parked_run(true);
}

static void test_parked_resumed(void)
{
    parked_run(false);
}

/*
 * A first fused command (Compare) whose second cannot be fetched: the
 * SQ has no free request left, the others hold completions the host has
 * not consumed from its full CQ.  Unplugging the namespace does not wait
 * for the pair forever: the first ends as aborted (Command Abort
 * Requested), and the second, fetched once the host consumes the CQ,
 * fails as a fused command whose first failed.
 */
static void test_fused_starved(void)
{
    static const uint16_t want[6] = {
        NVME_SUCCESS, NVME_SUCCESS, NVME_SUCCESS, NVME_SUCCESS,
        NVME_CMD_ABORT_REQ, NVME_CMD_ABORT_FAILED_FUSE,
    };
    bool seen[6] = { false };
    NvmeDrv *d;
    NvmeCmd cmd;
    NvmeCqe cqe;

    d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-blockdev driver=null-co,node-name=slow,size=16777216,"
        "read-zeroes=on "
        "-device nvme,id=c0,serial=qtest-nslife "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,id=ns2,drive=slow,bus=c0,nsid=2");
    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    /* a CQ of 2 entries (it holds one), an SQ of 4 (four requests) */
    g_assert_cmphex(nvme_drv_create_cq(d, 1, 2, 1, true), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 4), ==, 0);

    /*
     * Flush 0 fills the CQ; Flushes 1-3 complete, unposted, and keep
     * their requests (the ring has room for three entries at a time).
     */
    for (uint16_t i = 0; i < 4; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        cmd.cid = i;
        nvme_drv_sq_put(d, 1, &cmd);
        if (i == 0 || i == 2 || i == 3) {
            nvme_drv_sq_ring(d, 1);
            settle(d);
            nvme_drv_sq_fetched(d, 1);
        }
    }
    /* Compare (first) takes the last request, Write (second) waits */
    nvme_drv_cmd_init(&cmd, NVME_CMD_COMPARE, 2);
    nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, NULL, LBASZ), LBASZ);
    cmd.flags = 1;
    cmd.cid = 4;
    nvme_drv_sq_put(d, 1, &cmd);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 2);
    nvme_drv_cmd_set_prp(d, &cmd, guest_buf(d, NULL, LBASZ), LBASZ);
    cmd.flags = 2;
    cmd.cid = 5;
    nvme_drv_sq_put(d, 1, &cmd);
    nvme_drv_sq_ring(d, 1);
    settle(d);

    qtest_qmp_device_del(d->qts, "ns2");
    for (int n = 0; n < 6; n++) {
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, true));
        g_assert_cmpuint(cqe.cid, <, 6);
        g_assert_false(seen[cqe.cid]);          /* exactly once */
        seen[cqe.cid] = true;
        if (cqe.cid != 4 || !nvme_drv_mode_iothread() ||
            NVME_DRV_STATUS(&cqe) != (NVME_INVALID_FIELD | DNR)) {
            /* (an iothread may fetch the pair after the unplug) */
            g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, want[cqe.cid]);
        }
    }
    g_assert_false(nvme_drv_poll_cqe(d, 1, &cqe, 100, true));
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (unsigned c = 0; c < ARRAY_SIZE(cases); c++) {
        for (unsigned h = 0; h < ARRAY_SIZE(removals); h++) {
            g_autofree char *path = g_strdup_printf(
                "/nvme/nslife/%s/%s", removals[h], cases[c].name);

            qtest_add_data_func(path, (void *)(uintptr_t)(c << 2 | h),
                                test_case);
        }
    }
    qtest_add_func("/nvme/nslife/created-ns", test_created_ns);
    qtest_add_func("/nvme/nslife/parked-unplugged", test_parked_unplugged);
    qtest_add_func("/nvme/nslife/parked-resumed", test_parked_resumed);
    qtest_add_func("/nvme/nslife/fused-starved", test_fused_starved);
    return g_test_run();
}

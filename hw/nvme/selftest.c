/*
 * NVMe Device Self-test (admin opcode 14h) and its log page (06h).
 *
 * A test runs on the virtual clock: a short test takes
 * NVME_DST_SHORT_MS, an extended one EDSTT minutes (Identify Controller),
 * and the log reports the running operation and its completion
 * percentage.  One test at a time in the subsystem (DSTO bit 0).  The
 * extended test's media check fails on blocks marked by Write
 * Uncorrectable in the namespaces it covers (result 7, segment 7, with the
 * NSID, the first failing LBA and Unrecovered Read Error); otherwise a
 * test passes.
 *
 * A short test is aborted by a controller level reset (result 2), an
 * extended one goes on.  Format NVM of a covered namespace aborts a test
 * (result 4), a sanitize operation any test (result 9).  The log keeps
 * the 20 newest results, newest first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "ctrl.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "selftest.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

#define NVME_DST_SHORT_MS   5000
#define NVME_DST_EXT_MS     (NVME_DST_EDSTT_MIN * 60 * 1000)

enum {
    NVME_DST_NONE       = 0x0,
    NVME_DST_SHORT      = 0x1,
    NVME_DST_EXTENDED   = 0x2,
    NVME_DST_ABORT      = 0xf,
};

/* Result codes (low nibble of the result entry's first byte) */
enum {
    NVME_DST_OK             = 0x0,
    NVME_DST_ABORTED_CMD    = 0x1,
    NVME_DST_ABORTED_RESET  = 0x2,
    NVME_DST_FAILED_SEGMENT = 0x7,
    NVME_DST_UNUSED         = 0xf,
};

#define NVME_DST_SEG_MEDIA  7   /* segment: media check (extended only) */

/* Valid Diagnostic Information bits */
#define NVME_DST_VALID_NSID (1 << 0)
#define NVME_DST_VALID_FLBA (1 << 1)
#define NVME_DST_VALID_SCT  (1 << 2)
#define NVME_DST_VALID_SC   (1 << 3)

typedef struct QEMU_PACKED NvmeDstLog {
    uint8_t op;
    uint8_t percent;
    uint8_t rsvd2[2];
    NvmeDstEntry res[NVME_DST_RESULTS];
} NvmeDstLog;

QEMU_BUILD_BUG_ON(sizeof(NvmeDstEntry) != 28);
QEMU_BUILD_BUG_ON(sizeof(NvmeDstLog) != 564);

/* Context: main loop.  Power-on hours of the controller, now. */
static uint64_t nvme_dst_poh(NvmeCtrl *n)
{
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);

    return (now - n->stats.power_on_at) / 3600000;
}

/* Context: main loop.  End the running test with @e (result filled). */
static void nvme_dst_record(NvmeCtrl *n, NvmeDstEntry *e)
{
    NvmeSelfTest *t = &n->dst;

    e->status |= t->op << 4;
    e->poh = cpu_to_le64(nvme_dst_poh(n));
    trace_nvme_dst_done(t->op, e->status & 0xf);
    memmove(&t->res[1], &t->res[0], sizeof(t->res[0]) * (NVME_DST_RESULTS - 1));
    t->res[0] = *e;
    t->nr = MIN(t->nr + 1, NVME_DST_RESULTS);
    t->op = NVME_DST_NONE;
    timer_del(t->timer);
}

/* Context: main loop.  Abort the running test, if any, with @result. */
static void nvme_dst_abort(NvmeCtrl *n, uint8_t result)
{
    NvmeDstEntry e = { .status = result };

    if (n->dst.op != NVME_DST_NONE) {
        nvme_dst_record(n, &e);
    }
}

/*
 * Context: main loop.  Format NVM (namespace @nsid) or sanitize
 * (FFFFFFFFh) aborts a test covering that namespace.
 */
void nvme_selftest_abort_ns(NvmeCtrl *n, uint32_t nsid, uint8_t result)
{
    NvmeSelfTest *t = &n->dst;

    if (t->op == NVME_DST_NONE) {
        return;
    }
    if (nsid == NVME_NSID_BROADCAST || t->nsid == NVME_NSID_BROADCAST ||
        t->nsid == nsid) {
        nvme_dst_abort(n, result);
    }
}

/* Context: main loop.  A controller level reset aborts a short test. */
void nvme_selftest_reset(NvmeCtrl *n)
{
    if (n->dst.op == NVME_DST_SHORT) {
        nvme_dst_abort(n, NVME_DST_ABORTED_RESET);
    }
}

/* Context: main loop (timer).  The test ran its time: record the result. */
static void nvme_dst_timer(void *opaque)
{
    NvmeCtrl *n = opaque;
    NvmeSelfTest *t = &n->dst;
    NvmeDstEntry e = { .status = NVME_DST_OK };

    if (t->op == NVME_DST_EXTENDED && t->nsid) {
        for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
            NvmeNamespace *ns = n->ns[i];

            uint64_t flba;

            if (!ns || (t->nsid != NVME_NSID_BROADCAST && t->nsid != i) ||
                !nvme_unc_first(ns, &flba)) {
                continue;
            }
            e.status = NVME_DST_FAILED_SEGMENT;
            e.segment = NVME_DST_SEG_MEDIA;
            e.valid = NVME_DST_VALID_NSID | NVME_DST_VALID_FLBA |
                      NVME_DST_VALID_SCT | NVME_DST_VALID_SC;
            e.nsid = cpu_to_le32(i);
            e.flba = cpu_to_le64(flba);
            e.sct = NVME_UNRECOVERED_READ >> 8;
            e.sc = NVME_UNRECOVERED_READ & 0xff;
            break;
        }
    }
    nvme_dst_record(n, &e);
}

/* Context: main loop.  Device Self-test: start or abort a test. */
uint16_t nvme_admin_self_test(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeSelfTest *t = &n->dst;
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint8_t stc = le32_to_cpu(req->cmd.cdw10) & 0xf;
    const char *why;
    uint16_t status;

    trace_nvme_dst(stc, nsid);
    switch (stc) {
    case NVME_DST_ABORT:
        nvme_dst_abort(n, NVME_DST_ABORTED_CMD);
        return NVME_SUCCESS;
    case NVME_DST_SHORT:
    case NVME_DST_EXTENDED:
        break;
    default:
        why = "self-test code not supported";
        status = NVME_INVALID_FIELD | NVME_DNR;
        nvme_req_err_field(req, 40, 0);
        goto reject;
    }
    if (nsid != 0 && nsid != NVME_NSID_BROADCAST) {
        status = nvme_nsid_status(n, nsid);     /* inactive: Invalid Field */
        if (status) {
            why = "no such active namespace";
            nvme_req_err_field(req, 4, 0);
            goto reject;
        }
    }
    if (t->op != NVME_DST_NONE) {
        why = "a self-test is running";
        status = NVME_DST_IN_PROGRESS;
        nvme_req_err_field(req, 40, 0);
        goto reject;
    }
    if (!t->timer) {
        t->timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, nvme_dst_timer, n);
    }
    t->op = stc;
    t->nsid = nsid;
    t->start_ms = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
    t->duration_ms = stc == NVME_DST_SHORT ? NVME_DST_SHORT_MS
                                           : NVME_DST_EXT_MS;
    timer_mod(t->timer, t->start_ms + t->duration_ms);
    return NVME_SUCCESS;

reject:
    trace_nvme_dst_reject(le16_to_cpu(req->cmd.cid), why, status);
    return status;
}

/* Context: main loop.  Device Self-test log page; returns its size. */
size_t nvme_selftest_fill_log(NvmeCtrl *n, uint8_t *buf)
{
    NvmeSelfTest *t = &n->dst;
    NvmeDstLog *log = (NvmeDstLog *)buf;

    log->op = t->op;
    if (t->op != NVME_DST_NONE) {
        int64_t done = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) - t->start_ms;

        log->percent = MIN(done * 100 / t->duration_ms, 99);
    }
    for (unsigned i = 0; i < NVME_DST_RESULTS; i++) {
        if (i < t->nr) {
            log->res[i] = t->res[i];
        } else {
            log->res[i].status = NVME_DST_UNUSED;
        }
    }
    return sizeof(*log);
}

/* Context: main loop (unrealize). */
void nvme_selftest_cleanup(NvmeCtrl *n)
{
    if (n->dst.timer) {
        timer_free(n->dst.timer);
        n->dst.timer = NULL;
    }
    n->dst.op = NVME_DST_NONE;
}

/* ---- migration ---- */

/* Context: main loop.  A running test ends when it would have. */
static int nvme_selftest_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeSelfTest *t = &n->dst;

    if (t->nr > NVME_DST_RESULTS || t->op > NVME_DST_EXTENDED ||
        (t->op && t->duration_ms != (t->op == NVME_DST_SHORT ?
                                     NVME_DST_SHORT_MS : NVME_DST_EXT_MS)) ||
        (t->op && !nvme_nsid_valid(t->nsid) &&
         t->nsid != NVME_NSID_BROADCAST)) {
        return nvme_mig_bad(n, "device self-test %u on namespace %u, %u "
                            "results, invalid", t->op, t->nsid, t->nr);
    }
    if (!t->timer) {
        t->timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, nvme_dst_timer, n);
    }
    if (t->op) {
        timer_mod(t->timer, t->start_ms + t->duration_ms);
    } else {
        timer_del(t->timer);
    }
    return 0;
}

const VMStateDescription nvme_vmstate_selftest = {
    .name = "nvme/selftest",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_selftest_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(dst.op, NvmeCtrl),
        VMSTATE_UINT32(dst.nsid, NvmeCtrl),
        VMSTATE_INT64(dst.start_ms, NvmeCtrl),
        VMSTATE_INT64(dst.duration_ms, NvmeCtrl),
        VMSTATE_UINT32(dst.nr, NvmeCtrl),
        NVME_VMSTATE_RAW(dst.res, NvmeCtrl),    /* as the log returns them */
        VMSTATE_END_OF_LIST()
    },
};

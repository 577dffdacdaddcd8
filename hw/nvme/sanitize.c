/*
 * NVMe Sanitize (admin opcode 84h) and the Sanitize Status log (81h).
 *
 * A sanitize operation covers every namespace of the NVM subsystem,
 * attached or not, and blocks commands on all of its controllers.
 *
 * SANICAP offers Crypto Erase, Block Erase and Overwrite; No-Deallocate
 * After Sanitize is honoured (NDI clear) and does not modify the media
 * further (NODMMAS 01b).  All three run in the background on the virtual
 * clock: the command completes at once, then each chunk of each attached
 * namespace is written by one asynchronous backend request, one chunk per
 * timer tick, so progress (SPROG) is observable.  The operation goes on
 * across controller resets.
 *
 * What reads return afterwards:
 *  - Block Erase and Crypto Erase: zeroes (blocks written with zeroes,
 *    unmapped unless No-Deallocate was asked for);
 *  - Overwrite: OWPASS passes (0 means 16) of the 32-bit pattern OVRPAT,
 *    stored little endian, inverted on every other pass when OIPBP is set;
 *    then, unless No-Deallocate was asked for, every block is deallocated
 *    and reads zeroes (DLFEAT read behaviour 001b).  With No-Deallocate
 *    the blocks read the pattern of the last pass.
 *
 * While a sanitize operation is in progress, I/O commands other than
 * Flush and admin commands other than those nvme_sanitize_check lets
 * through fail with Sanitize In Progress.  A backend error ends the
 * operation as failed (SSTAT 3); the controller does not enter a
 * restricted failure mode, so Exit Failure Mode just succeeds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/timer.h"
#include "qemu/memalign.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "event.h"
#include "id-ctrl.h"
#include "iothread.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "sanitize.h"
#include "selftest.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_SANITIZE_CHUNK     (1 * MiB)   /* bytes per backend request */
#define NVME_SANITIZE_TICK_NS   (1 * SCALE_MS)  /* virtual time per chunk */

/* CDW10 */
#define NVME_SANACT(dw10)       ((dw10) & 0x7)
#define NVME_SAN_AUSE(dw10)     (((dw10) >> 3) & 0x1)
#define NVME_SAN_OWPASS(dw10)   (((dw10) >> 4) & 0xf)
#define NVME_SAN_OIPBP(dw10)    (((dw10) >> 8) & 0x1)
#define NVME_SAN_NDAS(dw10)     (((dw10) >> 9) & 0x1)

enum {
    NVME_SANACT_EXIT_FAILURE    = 1,
    NVME_SANACT_BLOCK_ERASE     = 2,
    NVME_SANACT_OVERWRITE       = 3,
    NVME_SANACT_CRYPTO_ERASE    = 4,
};

/* SSTAT: status in bits 2:0, overwrite passes done in 7:3, GDE bit 8 */
enum {
    NVME_SSTAT_NEVER        = 0,
    NVME_SSTAT_DONE         = 1,
    NVME_SSTAT_IN_PROGRESS  = 2,
    NVME_SSTAT_FAILED       = 3,
};
#define NVME_SSTAT_GDE          (1u << 8)

/* AER information of the I/O command set specific event type */
#define NVME_AER_INFO_SANITIZE_DONE 0x01

/* Sanitize Status log page (81h) */
typedef struct QEMU_PACKED NvmeSanitizeLog {
    uint16_t sprog;
    uint16_t sstat;
    uint32_t scdw10;
    uint32_t eto;               /* estimated times, FFFFFFFFh: none */
    uint32_t etbe;
    uint32_t etce;
    uint32_t etond;
    uint32_t etbend;
    uint32_t etcend;
    uint8_t rsvd32[480];
} NvmeSanitizeLog;

QEMU_BUILD_BUG_ON(sizeof(NvmeSanitizeLog) != 512);

/* Context: main loop.  Admin commands a sanitize operation lets through. */
static bool nvme_sanitize_admin_allowed(NvmeRequest *req)
{
    uint8_t lid;

    switch (req->cmd.opcode) {
    case NVME_ADM_CMD_DELETE_SQ:
    case NVME_ADM_CMD_CREATE_SQ:
    case NVME_ADM_CMD_DELETE_CQ:
    case NVME_ADM_CMD_CREATE_CQ:
    case NVME_ADM_CMD_IDENTIFY:
    case NVME_ADM_CMD_ABORT:
    case NVME_ADM_CMD_SET_FEATURES:
    case NVME_ADM_CMD_GET_FEATURES:
    case NVME_ADM_CMD_ASYNC_EV_REQ:
    case NVME_ADM_CMD_KEEP_ALIVE:
    case NVME_ADM_CMD_DBBUF_CONFIG:
        return true;
    case NVME_ADM_CMD_GET_LOG_PAGE:
        lid = le32_to_cpu(req->cmd.cdw10) & 0xff;
        return lid == NVME_LOG_ERROR_INFO || lid == NVME_LOG_SMART_INFO ||
               lid == NVME_LOG_SANITIZE;
    }
    return false;
}

/* Context: main loop.  Namespace @nsid of the subsystem, or NULL. */
static NvmeNamespace *nvme_sanitize_ns(NvmeCtrl *n, uint32_t nsid)
{
    return nvme_nsid_valid(nsid) ? n->subsys->ns[nsid] : NULL;
}

/* Context: any.  Whether a controller of the subsystem sanitizes. */
static bool nvme_sanitize_running(NvmeCtrl *n)
{
    return qatomic_read(&n->subsys->sanitizing) != 0;
}

/*
 * Context: main loop.  @n's operation starts or ends.  The subsystem
 * counts its controllers that sanitize, so that every command of every
 * controller checks one word (it walked all 256 controller slots of a
 * multi-controller subsystem before).  The count goes up before @active
 * and down after it: a queue never sees @active without the count.
 */
static void nvme_sanitize_set_active(NvmeCtrl *n, bool active)
{
    NvmeSanitize *s = &n->sanitize;

    if (s->active == active) {
        return;
    }
    if (active) {
        qatomic_inc(&n->subsys->sanitizing);
        qatomic_set(&s->active, true);
    } else {
        qatomic_set(&s->active, false);
        qatomic_dec(&n->subsys->sanitizing);
    }
}

/*
 * Context: queue (dispatch, any queue of the subsystem; admin: main
 * loop).  Called for every command: a command that changes logical blocks
 * clears Global Data Erased, and while a sanitize operation runs most
 * commands fail with Sanitize In Progress (no DNR: the command may succeed
 * once the operation ends).  @active and @sstat are the only fields the
 * queues touch (atomic; GDE is cleared with an atomic AND, and only when
 * it is set, so a write costs a read).
 */
static uint16_t __attribute__((noinline))
nvme_sanitize_check_slow(NvmeCtrl *n, NvmeRequest *req, uint32_t effects)
{
    bool admin = req->sq->sqid == 0;

    if (!admin && (effects & NVME_CMD_EFF_LBCC) &&
        (qatomic_read(&n->sanitize.sstat) & NVME_SSTAT_GDE)) {
        qatomic_and(&n->sanitize.sstat, (uint16_t)~NVME_SSTAT_GDE);
    }
    if (!nvme_sanitize_running(n)) {
        return NVME_SUCCESS;
    }
    if (admin ? nvme_sanitize_admin_allowed(req)
              : req->cmd.opcode == NVME_CMD_FLUSH) {
        return NVME_SUCCESS;
    }
    trace_nvme_sanitize_busy(req->sq->sqid, le16_to_cpu(req->cmd.cid),
                             req->cmd.opcode);
    nvme_req_err_field(req, 0, 0);
    return NVME_SANITIZE_IN_PROGRESS;
}

/* Context: as above.  GDE clear, no sanitize in the subsystem: no frame. */
uint16_t nvme_sanitize_check(NvmeCtrl *n, NvmeRequest *req,
                             uint32_t effects)
{
    if (!(qatomic_read(&n->sanitize.sstat) & NVME_SSTAT_GDE) &&
        !nvme_sanitize_running(n)) {
        return NVME_SUCCESS;
    }
    return nvme_sanitize_check_slow(n, req, effects);
}

/* Context: main loop.  Bytes of namespace @nsid a pass covers, 0 if none. */
static uint64_t nvme_sanitize_ns_bytes(NvmeCtrl *n, uint32_t nsid)
{
    NvmeNamespace *ns = nvme_sanitize_ns(n, nsid);

    return ns ? nvme_ns_bytes(ns) : 0;
}

/* Context: main loop.  Passes: overwrites, then maybe the deallocation. */
static unsigned nvme_sanitize_steps(NvmeSanitize *s)
{
    if (s->action != NVME_SANACT_OVERWRITE) {
        return 1;
    }
    return s->passes + !s->ndas;
}

/*
 * Context: main loop.  End the operation (SSTAT atomically: the queues'
 * dispatch clears GDE in it).
 */
static void nvme_sanitize_finish(NvmeCtrl *n, bool ok)
{
    NvmeSanitize *s = &n->sanitize;
    uint16_t sstat = qatomic_read(&s->sstat);

    nvme_sanitize_set_active(n, false);
    qemu_vfree(s->buf);
    s->buf = NULL;
    sstat = (sstat & ~7u) | (ok ? NVME_SSTAT_DONE : NVME_SSTAT_FAILED);
    if (ok) {
        sstat |= NVME_SSTAT_GDE;
    }
    qatomic_set(&s->sstat, sstat);
    trace_nvme_sanitize_done(ok, sstat);
    nvme_aer_enqueue(n, NVME_AER_TYPE_IO_SPECIFIC,
                     NVME_AER_INFO_SANITIZE_DONE, NVME_LOG_SANITIZE);
}

/* Context: main loop (block layer callback).  One chunk written. */
static void nvme_sanitize_cb(void *opaque, int ret)
{
    NvmeCtrl *n = opaque;
    NvmeSanitize *s = &n->sanitize;
    uint64_t len = MIN(NVME_SANITIZE_CHUNK,
                       nvme_sanitize_ns_bytes(n, s->nsid) - s->offset);

    s->aiocb = NULL;
    if (ret < 0) {
        nvme_sanitize_finish(n, false);
        return;
    }
    s->offset += len;
    s->done += len;
    timer_mod(s->timer,
              qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + NVME_SANITIZE_TICK_NS);
}

/*
 * Context: main loop (timer).  Find the next chunk (next namespace, next
 * pass) and start writing it, or end the operation.
 */
static void nvme_sanitize_tick(void *opaque)
{
    NvmeCtrl *n = opaque;
    NvmeSanitize *s = &n->sanitize;
    NvmeNamespace *ns;
    uint64_t len;
    bool overwrite;

    if (!s->active || s->aiocb) {
        return;
    }
    while (s->offset >= nvme_sanitize_ns_bytes(n, s->nsid)) {
        s->offset = 0;
        while (++s->nsid <= NVME_MAX_NSID && !nvme_sanitize_ns(n, s->nsid)) {
            /* next namespace */
        }
        if (s->nsid <= NVME_MAX_NSID) {
            continue;
        }
        /* a pass over every namespace is done */
        if (s->action == NVME_SANACT_OVERWRITE && s->step < s->passes) {
            qatomic_set(&s->sstat,
                        deposit32(qatomic_read(&s->sstat), 3, 5,
                                  s->step + 1));
        }
        if (++s->step >= nvme_sanitize_steps(s)) {
            nvme_sanitize_finish(n, true);
            return;
        }
        s->nsid = 0;
    }
    ns = nvme_sanitize_ns(n, s->nsid);
    len = MIN(NVME_SANITIZE_CHUNK, nvme_ns_bytes(ns) - s->offset);
    overwrite = s->action == NVME_SANACT_OVERWRITE && s->step < s->passes;
    if (overwrite) {
        uint32_t pat = s->pattern;

        if (s->oipbp && (s->step & 1)) {
            pat = ~pat;
        }
        for (size_t i = 0; i < NVME_SANITIZE_CHUNK; i += 4) {
            stl_le_p(s->buf + i, pat);
        }
        qemu_iovec_init_buf(&s->qiov, s->buf, len);
        s->aiocb = blk_aio_pwritev(ns->blk, s->offset, &s->qiov, 0,
                                   nvme_sanitize_cb, n);
    } else {
        s->aiocb = blk_aio_pwrite_zeroes(ns->blk, s->offset, len,
                                         s->ndas ? 0 : BDRV_REQ_MAY_UNMAP,
                                         nvme_sanitize_cb, n);
    }
}

/* Context: main loop.  Sanitize: check, then start in the background. */
uint16_t nvme_admin_sanitize(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t sanicap = le32_to_cpu(n->id_ctrl.sanicap);
    NvmeSanitize *s = &n->sanitize;
    unsigned act = NVME_SANACT(dw10);
    uint32_t capbit;
    uint64_t total = 0;

    trace_nvme_sanitize(dw10, le32_to_cpu(req->cmd.cdw11));
    switch (act) {
    case NVME_SANACT_EXIT_FAILURE:
        return NVME_SUCCESS;    /* there is no failure mode to leave */
    case NVME_SANACT_BLOCK_ERASE:
        capbit = NVME_SANICAP_BES;
        break;
    case NVME_SANACT_OVERWRITE:
        capbit = NVME_SANICAP_OWS;
        break;
    case NVME_SANACT_CRYPTO_ERASE:
        capbit = NVME_SANICAP_CES;
        break;
    default:
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "reserved sanitize action");
    }
    if (!(sanicap & capbit)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "sanitize action not supported");
    }
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = nvme_sanitize_ns(n, i);

        if (!ns) {
            continue;
        }
        if (ns->formatting) {
            return nvme_req_reject(req, NVME_FORMAT_IN_PROGRESS, 4, 0,
                                   "a namespace is being formatted");
        }
        if (!blk_is_writable(ns->blk)) {
            return nvme_req_reject(req,
                                   NVME_NS_WRITE_PROTECTED | NVME_DNR,
                                   4, 0, "namespace is write protected");
        }
        total += nvme_ns_bytes(ns);
    }

    /* field by field: the queues read @active and @sstat meanwhile */
    s->scdw10 = dw10;
    s->action = act;
    s->ndas = NVME_SAN_NDAS(dw10);
    s->oipbp = NVME_SAN_OIPBP(dw10);
    s->passes = NVME_SAN_OWPASS(dw10) ? NVME_SAN_OWPASS(dw10) : 16;
    s->pattern = le32_to_cpu(req->cmd.cdw11);
    s->step = 0;
    s->nsid = 0;
    s->offset = 0;
    s->done = 0;
    s->buf = NULL;
    s->aiocb = NULL;
    memset(&s->qiov, 0, sizeof(s->qiov));
    qatomic_set(&s->sstat, NVME_SSTAT_IN_PROGRESS);
    nvme_sanitize_set_active(n, true);
    if (act == NVME_SANACT_OVERWRITE) {
        s->buf = qemu_memalign(4 * KiB, NVME_SANITIZE_CHUNK);
    }
    s->total = total * nvme_sanitize_steps(s);
    if (!s->timer) {
        s->timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, nvme_sanitize_tick, n);
    }
    nvme_selftest_abort_ns(n, NVME_NSID_BROADCAST, NVME_DST_ABORTED_SANITIZE);
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = nvme_sanitize_ns(n, i);

        if (ns) {
            /* commands that passed the check before @active was set */
            nvme_ns_fence_all(ns);
            blk_drain(ns->blk);
            nvme_unc_free(ns);
            if (ns->zoned) {
                nvme_zns_format(ns);    /* zns.c: every zone Empty */
            }
        }
    }
    timer_mod(s->timer,
              qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + NVME_SANITIZE_TICK_NS);
    return NVME_SUCCESS;
}

/* Context: main loop.  Sanitize Status log page; returns its size. */
size_t nvme_sanitize_fill_log(NvmeCtrl *n, uint8_t *buf)
{
    NvmeSanitize *s = &n->sanitize;
    NvmeSanitizeLog *log = (NvmeSanitizeLog *)buf;
    uint32_t sprog = 0xffff;

    if (s->active) {
        sprog = s->total ? MIN(s->done * 65536 / s->total, 0xffff) : 0;
    }
    log->sprog = cpu_to_le16(sprog);
    log->sstat = cpu_to_le16(qatomic_read(&s->sstat));
    log->scdw10 = cpu_to_le32(s->scdw10);
    log->eto = log->etbe = log->etce = cpu_to_le32(UINT32_MAX);
    log->etond = log->etbend = log->etcend = cpu_to_le32(UINT32_MAX);
    return sizeof(*log);
}

/* Context: main loop (unrealize).  In-flight I/O has been drained. */
void nvme_sanitize_cleanup(NvmeCtrl *n)
{
    NvmeSanitize *s = &n->sanitize;

    if (s->timer) {
        timer_free(s->timer);
        s->timer = NULL;
    }
    qemu_vfree(s->buf);
    s->buf = NULL;
    nvme_sanitize_set_active(n, false);
}

/* ---- migration ---- */

/* Context: main loop.  The timer the stream describes exists. */
static void nvme_sanitize_timer_init(NvmeCtrl *n)
{
    if (!n->sanitize.timer) {
        n->sanitize.timer = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                         nvme_sanitize_tick, n);
    }
}

static int nvme_sanitize_pre_save(void *opaque)
{
    nvme_sanitize_timer_init(opaque);
    return 0;
}

/* Context: main loop.  A running operation goes on where it was. */
static int nvme_sanitize_pre_load(void *opaque)
{
    NvmeCtrl *n = opaque;

    nvme_sanitize_timer_init(n);
    qemu_vfree(n->sanitize.buf);
    n->sanitize.buf = NULL;
    nvme_sanitize_set_active(n, false);     /* the stream says anew */
    return 0;
}

static int nvme_sanitize_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeSanitize *s = &n->sanitize;

    if (s->active) {            /* loaded as is: now counted */
        s->active = false;
        nvme_sanitize_set_active(n, true);
    }
    if ((s->sstat & 7) > NVME_SSTAT_FAILED) {
        return nvme_mig_bad(n, "sanitize status 0x%x", s->sstat);
    }
    if (!s->active) {
        return 0;
    }
    if ((s->action != NVME_SANACT_BLOCK_ERASE &&
         s->action != NVME_SANACT_OVERWRITE &&
         s->action != NVME_SANACT_CRYPTO_ERASE) || s->passes < 1 ||
        s->passes > 16 || s->step >= nvme_sanitize_steps(s) ||
        s->nsid > NVME_MAX_NSID || s->done > s->total ||
        s->offset > nvme_sanitize_ns_bytes(n, s->nsid)) {
        return nvme_mig_bad(n, "sanitize progress (action %u, pass %u of "
                            "%u, namespace %u) invalid", s->action, s->step,
                            s->passes, s->nsid);
    }
    if (s->action == NVME_SANACT_OVERWRITE) {
        s->buf = qemu_memalign(4 * KiB, NVME_SANITIZE_CHUNK);
    }
    return 0;
}

const VMStateDescription nvme_vmstate_sanitize = {
    .name = "nvme/sanitize",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_sanitize_pre_save,
    .pre_load = nvme_sanitize_pre_load,
    .post_load = nvme_sanitize_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(sanitize.active, NvmeCtrl),
        VMSTATE_UINT16(sanitize.sstat, NvmeCtrl),
        VMSTATE_UINT32(sanitize.scdw10, NvmeCtrl),
        VMSTATE_UINT8(sanitize.action, NvmeCtrl),
        VMSTATE_BOOL(sanitize.ndas, NvmeCtrl),
        VMSTATE_BOOL(sanitize.oipbp, NvmeCtrl),
        VMSTATE_UINT8(sanitize.passes, NvmeCtrl),
        VMSTATE_UINT32(sanitize.pattern, NvmeCtrl),
        VMSTATE_UINT8(sanitize.step, NvmeCtrl),
        VMSTATE_UINT32(sanitize.nsid, NvmeCtrl),
        VMSTATE_UINT64(sanitize.offset, NvmeCtrl),
        VMSTATE_UINT64(sanitize.done, NvmeCtrl),
        VMSTATE_UINT64(sanitize.total, NvmeCtrl),
        VMSTATE_TIMER_PTR(sanitize.timer, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

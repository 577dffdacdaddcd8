/*
 * NVMe I/O queues in iothreads: the "iothread" and "iothread-queue-mapping"
 * properties, which AioContext runs each I/O queue, and quiesce/resume of
 * the iothread queues around main-loop changes.  The threading model is
 * described at the top of queue.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/qapi-visit-virtio.h"
#include "block/aio-wait.h"
#include "system/iothread.h"
#include "ctrl.h"
#include "event.h"
#include "iothread.h"
#include "ns.h"
#include "queue.h"
#include "subsys.h"
#include "types.h"
#include "trace.h"

/* Context: main loop (realize).  Reference @it once; its index. */
static uint32_t nvme_iothread_add(NvmeCtrl *n, IOThread *it)
{
    for (uint32_t i = 0; i < n->iot.nr; i++) {
        if (n->iot.threads[i] == it) {
            return i;
        }
    }
    n->iot.threads = g_renew(IOThread *, n->iot.threads, n->iot.nr + 1);
    n->iot.threads[n->iot.nr] = it;
    object_ref(OBJECT(it));
    return n->iot.nr++;
}

/*
 * Context: main loop (realize).  "iothread-queue-mapping": each entry
 * names an iothread and optionally the I/O queue ids (1-based CQ ids; an
 * SQ runs where its CQ does) it handles.  Either every entry lists queues
 * (unlisted queues stay in the main loop) or none does (queues are dealt
 * out round-robin: queue q to entry (q - 1) % entries).
 */
static bool nvme_iothread_map_apply(NvmeCtrl *n, Error **errp)
{
    IOThreadVirtQueueMappingList *l;
    uint32_t nr_entries = 0, nr_with_vqs = 0, qmax = n->params.max_ioqpairs;
    g_autofree IOThread **entry = NULL;

    for (l = n->params.iothread_map; l; l = l->next) {
        nr_entries++;
        nr_with_vqs += l->value->has_vqs;
    }
    if (nr_with_vqs && nr_with_vqs != nr_entries) {
        error_setg(errp, "nvme: either all or no iothread-queue-mapping "
                   "entries must list 'vqs'");
        return false;
    }
    entry = g_new0(IOThread *, nr_entries);
    nr_entries = 0;
    for (l = n->params.iothread_map; l; l = l->next) {
        IOThread *it = iothread_by_id(l->value->iothread);
        uint16List *q;

        if (!it) {
            error_setg(errp, "nvme: iothread '%s' not found",
                       l->value->iothread);
            return false;
        }
        entry[nr_entries++] = it;
        for (q = l->value->vqs; q; q = q->next) {
            if (q->value < 1 || q->value > qmax) {
                error_setg(errp, "nvme: iothread-queue-mapping queue %u is "
                           "not an I/O queue id (1..%u)", q->value, qmax);
                return false;
            }
            if (n->iot.qctx[q->value]) {
                error_setg(errp, "nvme: queue %u is mapped twice", q->value);
                return false;
            }
            nvme_iothread_add(n, it);
            n->iot.qctx[q->value] = iothread_get_aio_context(it);
        }
    }
    for (uint32_t q = 1; !nr_with_vqs && q <= qmax; q++) {
        IOThread *it = entry[(q - 1) % nr_entries];

        nvme_iothread_add(n, it);
        n->iot.qctx[q] = iothread_get_aio_context(it);
    }
    return true;
}

/* Context: main loop (bottom half).  CSTS.CFS for a fatal iothread error. */
static void nvme_fatal_bh(void *opaque)
{
    NvmeCtrl *n = opaque;
    const char *why = qatomic_xchg(&n->iot.fatal_why, NULL);

    if (why) {
        nvme_ctrl_fatal(n, why);
    }
}

/* Context: main loop (realize).  Assign every I/O queue id a context. */
bool nvme_iothreads_setup(NvmeCtrl *n, Error **errp)
{
    NvmeParams *p = &n->params;

    n->iot.fatal_bh = qemu_bh_new(nvme_fatal_bh, n);
    n->iot.qctx = g_new0(AioContext *, n->queues.num);
    if (p->iothread && p->iothread_map) {
        error_setg(errp, "nvme: 'iothread' and 'iothread-queue-mapping' "
                   "cannot both be set");
        return false;
    }
    if (p->iothread) {
        AioContext *ctx = iothread_get_aio_context(p->iothread);

        nvme_iothread_add(n, p->iothread);
        for (uint32_t q = 1; q < n->queues.num; q++) {
            n->iot.qctx[q] = ctx;
        }
    } else if (p->iothread_map && !nvme_iothread_map_apply(n, errp)) {
        return false;
    }
    trace_nvme_iothreads(n->iot.nr);
    return true;
}

/* Context: main loop (unrealize, failed realize).  No queue is left. */
void nvme_iothreads_cleanup(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->iot.nr; i++) {
        object_unref(OBJECT(n->iot.threads[i]));
    }
    g_free(n->iot.threads);
    n->iot.threads = NULL;
    n->iot.nr = 0;
    g_free(n->iot.qctx);
    n->iot.qctx = NULL;
    if (n->iot.fatal_bh) {
        qemu_bh_delete(n->iot.fatal_bh);
        n->iot.fatal_bh = NULL;
    }
}

/* Context: main loop.  The context of I/O CQ @cqid. */
AioContext *nvme_queue_ctx(NvmeCtrl *n, uint16_t cqid)
{
    AioContext *ctx = n->iot.qctx ? n->iot.qctx[cqid] : NULL;

    return ctx ? ctx : qemu_get_aio_context();
}

static void nvme_io_barrier_bh(void *opaque)
{
}

/*
 * Context: main loop.  Returns once a bottom half ran
 * in @ctx: a handler that started before has finished, and removed
 * handlers and deleted bottom halves will not run any more.
 */
void nvme_io_barrier(AioContext *ctx)
{
    aio_wait_bh_oneshot(ctx, nvme_io_barrier_bh, NULL);
}

/* Context: main loop.  A barrier in every iothread of @n's queues. */
void nvme_io_barrier_all(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->iot.nr; i++) {
        nvme_io_barrier(iothread_get_aio_context(n->iot.threads[i]));
    }
}

/*
 * Context: main loop.  Is an iothread queue of @n still busy?  (Its own
 * iothread answers for each: queue.c.)
 */
static bool nvme_io_busy(NvmeCtrl *n)
{
    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        if (sq && nvme_ctx_is_iothread(sq->ctx) && nvme_sq_busy(sq)) {
            return true;
        }
    }
    return false;
}

/* Context: main loop.  Wait for every in-flight backend request. */
void nvme_ns_drain_all(NvmeCtrl *n)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i]) {
            blk_drain(n->ns[i]->blk);
        }
    }
}

/*
 * Context: main loop.  Is a namespace inside someone else's drained
 * section?  Then requests queued by it do not run before that ends, and
 * waiting for them would hang.
 */
bool nvme_ns_in_drain(NvmeCtrl *n)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i] && blk_in_drain(n->ns[i]->blk)) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  Stop @n's iothread queues (and only @n's): once
 * iot.stopped is set and a barrier ran in each of its iothreads, no fetch
 * or completion posting of its queues is running or will start.  The
 * drain lets every backend callback run (completions wait on their CQ); a
 * command of several backend requests (Write Zeroes, Copy, ...) whose
 * next request was queued by the drain is waited for until it has
 * finished (each backend completion kicks AIO_WAIT_WHILE), unless an
 * outer drained section holds them.  Then the main loop may change queue
 * state.  Nests; without iothreads only counts.
 */
void nvme_io_quiesce(NvmeCtrl *n)
{
    if (n->iot.quiesce_depth++ || !n->iot.nr) {
        return;
    }
    trace_nvme_io_quiesce(true);
    qatomic_set(&n->iot.stopped, true);
    nvme_io_barrier_all(n);
    nvme_ns_drain_all(n);
    AIO_WAIT_WHILE(NULL, nvme_io_busy(n) && !nvme_ns_in_drain(n));
}

/* Context: main loop.  Let the iothread queues run and look again. */
void nvme_io_resume(NvmeCtrl *n)
{
    assert(n->iot.quiesce_depth > 0);
    if (--n->iot.quiesce_depth || !n->iot.nr) {
        return;
    }
    trace_nvme_io_quiesce(false);
    qatomic_set(&n->iot.stopped, false);
    for (uint32_t i = 1; i < n->queues.num; i++) {
        if (n->queues.cq[i] && nvme_ctx_is_iothread(n->queues.cq[i]->ctx)) {
            qemu_bh_schedule(n->queues.cq[i]->bh);
        }
        if (n->queues.sq[i] && nvme_ctx_is_iothread(n->queues.sq[i]->ctx)) {
            qemu_bh_schedule(n->queues.sq[i]->bh);
        }
    }
}

/*
 * Context: main loop.  Namespace @ns of @n is going (detached, deleted)
 * or changing (formatted, sanitized), and the caller made new commands
 * miss it (the attach table) or fail on it (a flag) already.  Wait for
 * the commands of @n's I/O queues that got it before: after a barrier in
 * each of @n's iothreads, every queue pass that read the table or the
 * flag has ended and counted its commands (nvme_req_ns_hold); the drain
 * of its backend lets requests held back (a throttle) through, and each
 * queue ends those that could wait for the host forever (a first fused
 * command whose second cannot be fetched); then until none of them is
 * counted any more.  Other namespaces and controllers keep running.
 */
void nvme_ns_fence(NvmeCtrl *n, NvmeNamespace *ns)
{
    nvme_io_barrier_all(n);
    if (nvme_ns_users(n, ns->nsid)) {
        nvme_ns_users_fenced(n, ns->nsid);      /* queue.c */
        blk_drain(ns->blk);
    }
    AIO_WAIT_WHILE(NULL, nvme_ns_users(n, ns->nsid) && !nvme_ns_in_drain(n));
}

/*
 * Context: main loop.  nvme_ns_fence() on every controller @ns is
 * attached to (it is shared by the subsystem's controllers).
 */
void nvme_ns_fence_all(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;

    for (int i = 0; s && i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i] && nvme_ns(s->ctrls[i], ns->nsid) == ns) {
            nvme_ns_fence(s->ctrls[i], ns);
        }
    }
}

/*
 * Context: any.  Admin commands that run with the controller's I/O queues
 * quiesced: those that change state every queue reads (interrupt
 * coalescing and other features, the shadow doorbells).  Commands that
 * change a namespace fence that namespace only (nvme_ns_fence); queue
 * deletion stops its queue only (queue.c); the rest touch no state an
 * I/O queue uses, or only state with its own protection.
 */
bool nvme_admin_quiesces(uint8_t opcode)
{
    switch (opcode) {
    case NVME_ADM_CMD_SET_FEATURES:
    case NVME_ADM_CMD_DBBUF_CONFIG:
        return true;
    default:
        return false;
    }
}

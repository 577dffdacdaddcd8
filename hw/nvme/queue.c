/*
 * NVMe submission and completion queues, doorbells and interrupts.
 *
 * An SQ tail doorbell schedules the SQ's bottom half, which fetches every
 * entry up to the tail (bounded by the SQ's request pool) and dispatches
 * it.  Completed requests wait on their CQ's list; the CQ's bottom half
 * posts as many as fit (the device never overwrites an entry the host has
 * not consumed) and raises one interrupt for the batch.
 *
 * Threading model (docs/architecture.rst has the whole picture)
 * ---------------
 * Each SQ/CQ pair belongs to one AioContext, its CQ's: the main loop, or
 * the iothread that "iothread" / "iothread-queue-mapping" give its queue
 * id (iothread.c).  There, and only there, the queue's bottom halves
 * fetch, dispatch and submit to the block layer (which completes a
 * request in the context that submitted it), post completions and
 * raise the interrupt; its ioeventfd and poll handlers run there too.
 * "Context: queue" means that context.  No lock is shared between
 * queues: what the pairs share has its own narrow protection, named
 * where it is defined (SMART counters are per queue, summed when read;
 * the error log, reservations, Write Uncorrectable marks and the write
 * gate have a lock or atomics of their own; Asynchronous Events are
 * handed to the main loop).
 *
 * What crosses contexts, all without locks: the main loop's doorbell
 * writes store the SQ tail / CQ head (atomic) and schedule the queue's
 * bottom half; the queue stores its CQ tail (atomic) for the main loop's
 * checks; interrupts of an iothread CQ go through an EventNotifier (or a
 * KVM irqfd, irqfd.c) to the main loop; the coalescing timer is a
 * main-loop timer that takes the pending count with an atomic exchange;
 * a fatal error stops the controller at once (running, atomic) and sets
 * CSTS.CFS from a main-loop bottom half.
 *
 * When the main loop must change what queues use, it stops only what it
 * touches: a deleted SQ stops itself (stopped, then a barrier bottom half
 * in its context, then it waits until none of its commands waits for the
 * block layer, asking its context); a namespace that goes or changes is
 * fenced (nvme_ns_fence: commands count themselves per queue while they
 * use a namespace); the controller's reset, shutdown and the admin
 * commands nvme_admin_quiesces() names quiesce that controller's queues
 * (iothread.c).  Without iothreads all of this runs in one thread.
 *
 * Re-entrancy.  Main-loop bottom halves carry the device's re-entrancy
 * guard, so DMA that targets the device's own BAR cannot recurse into
 * it; iothread ones cannot reach MMIO at all (RAM-only DMA attributes).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/defer-call.h"
#include "block/aio-wait.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "atomic.h"
#include "cmem.h"
#include "ctrl.h"
#include "dbbuf.h"
#include "dma-win.h"
#include "dma.h"
#include "event.h"
#include "iothread.h"
#include "irqfd.h"
#include "queue.h"
#include "types.h"
#include "trace.h"

static void nvme_sq_bh(void *opaque);
static void nvme_req_ns_drop(NvmeRequest *req);
static void nvme_cq_bh(void *opaque);
static void nvme_sq_fetch(NvmeSQueue *sq);
static void nvme_cq_coal_timer(void *opaque);

static inline uint32_t nvme_ring_used(uint32_t head, uint32_t tail,
                                      uint32_t size)
{
    return (tail + size - head) % size;
}

/*
 * Context: queue.  Quiesced (an iothread queue stands still), or frozen
 * while the VM is stopped (every queue: migration.c).
 */
static bool nvme_queue_stopped(NvmeCtrl *n, AioContext *ctx)
{
    return (qatomic_read(&n->iot.stopped) && nvme_ctx_is_iothread(ctx)) ||
           qatomic_read(&n->mig.vm_stopped);
}

/* Context: queue.  The SQ fetches nothing now (quiesced, being deleted). */
static bool nvme_sq_stopped(NvmeSQueue *sq)
{
    return qatomic_read(&sq->stopped) || nvme_queue_stopped(sq->n, sq->ctx);
}

/* Context: queue.  The CQ head (the main loop's doorbell stores it). */
static inline uint32_t nvme_cq_head(NvmeCQueue *cq)
{
    return qatomic_read(&cq->head);
}

/* Context: main loop.  Raise @cq's MSI-X vector, or update INTx. */
static void nvme_cq_raise(NvmeCQueue *cq)
{
    PCIDevice *pci = PCI_DEVICE(cq->n);

    if (msix_enabled(pci)) {
        trace_nvme_irq_msix(cq->vector);
        msix_notify(pci, cq->vector);
    } else {
        nvme_irq_update(cq->n);
    }
}

/*
 * Context: main loop.  Interrupt of an iothread CQ, raised under the BQL
 * (unless irqfd.c has bound the notifier to KVM).
 */
void nvme_cq_irq_notified(EventNotifier *e)
{
    NvmeCQueue *cq = container_of(e, NvmeCQueue, irq_notifier);

    if (event_notifier_test_and_clear(e)) {
        nvme_cq_raise(cq);
    }
}

/*
 * Context: main loop (realize).  Empty tables for @num queue ids; @hooks
 * is how the queues reach the command layer.
 */
void nvme_queues_init(NvmeCtrl *n, uint32_t num, const NvmeQueueHooks *hooks)
{
    n->queues.hooks = hooks;
    n->queues.num = num;
    n->queues.sq = g_new0(NvmeSQueue *, num);
    n->queues.cq = g_new0(NvmeCQueue *, num);
}

/* Context: main loop (unrealize).  Every queue is deleted already. */
void nvme_queues_cleanup(NvmeCtrl *n)
{
    g_free(n->queues.sq);
    n->queues.sq = NULL;
    g_free(n->queues.cq);
    n->queues.cq = NULL;
}

/* Context: main loop.  Bottom half and interrupt path in cq->ctx. */
static void nvme_cq_init_ctx(NvmeCtrl *n, NvmeCQueue *cq)
{
    cq->ctx = cq->cqid ? nvme_queue_ctx(n, cq->cqid) : qemu_get_aio_context();
    if (!nvme_ctx_is_iothread(cq->ctx)) {
        cq->bh = qemu_bh_new_guarded(nvme_cq_bh, cq,
                                     &DEVICE(n)->mem_reentrancy_guard);
        return;
    }
    cq->bh = aio_bh_new(cq->ctx, nvme_cq_bh, cq);
    if (event_notifier_init(&cq->irq_notifier, 0) == 0) {
        cq->has_irq_notifier = true;
        event_notifier_set_handler(&cq->irq_notifier, nvme_cq_irq_notified);
        nvme_irqfd_cq_init(n, cq);
    }
}

/*
 * A queue's ring mapped once per bottom half pass (a MemoryRegionCache),
 * so each entry costs a memcpy instead of a translated DMA access.  Only
 * guest RAM is used that way; anything else (MMIO, a ring that crosses
 * the end of a RAM block, no bus mastering) takes nvme_pci_read/write
 * (which reach guest RAM only from an iothread).
 */
typedef struct NvmeRing {
    MemoryRegionCache cache;
    hwaddr addr;                /* guest address of entry 0 */
    hwaddr len;                 /* bytes reachable through the cache */
} NvmeRing;

/*
 * Context: queue.  For a single entry (@batch false) plain DMA is
 * cheaper than setting the cache up.
 */
static void nvme_ring_open(NvmeCtrl *n, NvmeRing *r, hwaddr addr,
                           hwaddr len, bool is_write, bool batch)
{
    int64_t l;

    r->addr = addr;
    r->len = 0;
    if (!batch) {
        address_space_cache_init_empty(&r->cache);
        return;
    }
    l = address_space_cache_init(&r->cache, nvme_dma_as(n), addr, len,
                                 is_write);
    r->len = r->cache.ptr && l > 0 ? l : 0;
}

/* Context: queue.  @off, @len: bytes written, for dirty tracking. */
static void nvme_ring_close(NvmeRing *r, hwaddr off, hwaddr len)
{
    if (len && off < r->len) {
        address_space_cache_invalidate(&r->cache, off,
                                       MIN(len, r->len - off));
    }
    address_space_cache_destroy(&r->cache);
}

/* Context: queue.  Past the mapped part: checked DMA, out of line. */
static MemTxResult __attribute__((noinline))
nvme_ring_dma(NvmeCtrl *n, NvmeRing *r, hwaddr off, void *buf, hwaddr len,
              bool is_write)
{
    return is_write ? nvme_pci_write(n, r->addr + off, buf, len)
                    : nvme_pci_read(n, r->addr + off, buf, len);
}

/* Context: queue. */
static inline MemTxResult nvme_ring_read(NvmeCtrl *n, NvmeRing *r,
                                         hwaddr off, void *buf, hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_read_cached(&r->cache, off, buf, len);
    }
    return nvme_ring_dma(n, r, off, buf, len, false);
}

/* Context: queue. */
static inline MemTxResult nvme_ring_write(NvmeCtrl *n, NvmeRing *r,
                                          hwaddr off, const void *buf,
                                          hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_write_cached(&r->cache, off, buf, len);
    }
    return nvme_ring_dma(n, r, off, (void *)buf, len, true);
}

/* Context: main loop. */
uint16_t nvme_queue_create_cq(NvmeCtrl *n, uint16_t cqid, uint64_t addr,
                              uint32_t size, uint16_t vector, bool ien)
{
    NvmeCQueue *cq = g_new0(NvmeCQueue, 1);

    cq->n = n;
    cq->cqid = cqid;
    cq->dma_addr = addr;
    cq->size = size;
    cq->vector = vector;
    cq->ien = ien;
    cq->phase = 1;
    QTAILQ_INIT(&cq->done);
    QTAILQ_INIT(&cq->sqs);
    nvme_cq_init_ctx(n, cq);
    cq->coal_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, nvme_cq_coal_timer, cq);
    n->queues.cq[cqid] = cq;
    nvme_dbbuf_cq_init(n, cq);
    trace_nvme_cq_create(cqid, addr, size, vector, ien);
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_queue_create_sq(NvmeCtrl *n, uint16_t sqid, uint16_t cqid,
                              uint64_t addr, uint32_t size)
{
    NvmeSQueue *sq = g_new0(NvmeSQueue, 1);

    sq->n = n;
    sq->sqid = sqid;
    sq->cqid = cqid;
    sq->dma_addr = addr;
    sq->size = size;
    sq->reqs = g_new0(NvmeRequest, size);
    QTAILQ_INIT(&sq->free_reqs);
    QTAILQ_INIT(&sq->inflight);
    QTAILQ_INIT(&sq->parked);
    QSIMPLEQ_INIT(&sq->io_ready);
    QTAILQ_INIT(&sq->replay);
    for (uint32_t i = 0; i < size; i++) {
        sq->reqs[i].sq = sq;
        nvme_req_pool_init(n, &sq->reqs[i]);
        QTAILQ_INSERT_TAIL(&sq->free_reqs, &sq->reqs[i], entry);
    }
    sq->ctx = n->queues.cq[cqid]->ctx;
    if (nvme_ctx_is_iothread(sq->ctx)) {
        sq->bh = aio_bh_new(sq->ctx, nvme_sq_bh, sq);
    } else {
        sq->bh = qemu_bh_new_guarded(nvme_sq_bh, sq,
                                     &DEVICE(n)->mem_reentrancy_guard);
    }
    if (sqid) {
        sq->ns_users = g_new0(uint32_t, NVME_MAX_NSID + 1);
        n->queues.hooks->sq_created(n, sq);
    }
    QTAILQ_INSERT_TAIL(&n->queues.cq[cqid]->sqs, sq, cq_link);
    n->queues.sq[sqid] = sq;
    nvme_dbbuf_sq_init(n, sq);
    trace_nvme_sq_create(sqid, cqid, addr, size);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Record why a command is refused (error log field,
 * trace) and return @status for the completion path.
 */
uint16_t nvme_req_reject(NvmeRequest *req, uint16_t status, unsigned byte,
                         unsigned bit, const char *why)
{
    nvme_req_err_field(req, byte, bit);
    trace_nvme_cmd_reject(le16_to_cpu(req->cmd.cid), req->cmd.opcode, why,
                          status);
    return status;
}

/*
 * Context: queue (admin requests: main loop).  The one completion path:
 * failures are recorded in the error log and traced, then the request
 * waits for room in its CQ, whose bottom half runs in the CQ's context;
 * the completed hook lets the command layer release what the command held
 * (the namespace write gate), and the request stops counting as a user of
 * its namespace.
 */
void nvme_req_complete(NvmeRequest *req, uint16_t status)
{
    NvmeSQueue *sq = req->sq;
    NvmeCtrl *n = sq->n;
    NvmeCQueue *cq = n->queues.cq[sq->cqid];

    if (req->aborted) {
        status = req->aborted;  /* whatever it would have completed with */
    }
    if (n->queues.hooks->hold && n->queues.hooks->hold(req, status)) {
        return;
    }
    req->status = status;
    if (status & 0x7ff) {
        trace_nvme_cmd_error(sq->sqid, le16_to_cpu(req->cmd.cid),
                             req->cmd.opcode, status);
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: sq %u cid %u opcode 0x%02x failed: "
                      "status 0x%04x\n", sq->sqid,
                      le16_to_cpu(req->cmd.cid), req->cmd.opcode, status);
        nvme_log_error(n, req);
    }
    QTAILQ_REMOVE(&sq->inflight, req, entry);
    QTAILQ_INSERT_TAIL(&cq->done, req, entry);
    if (cq->pass_depth) {
        cq->post_owed = true;   /* the pass posts it, or schedules */
    } else {
        nvme_cq_schedule(cq);
    }
    n->queues.hooks->completed(req);
    nvme_req_ns_drop(req);
}

/* Context: main loop.  Admin queues from AQA/ASQ/ACQ at enable. */
void nvme_queue_init_admin(NvmeCtrl *n)
{
    uint32_t sqs = (n->regs.aqa & 0xfff) + 1;
    uint32_t cqs = ((n->regs.aqa >> 16) & 0xfff) + 1;

    nvme_queue_create_cq(n, 0, n->regs.acq, cqs, 0, true);
    nvme_queue_create_sq(n, 0, 0, n->regs.asq, sqs);
}

/* Context: queue.  Return a request to its SQ's pool. */
static void nvme_req_release(NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;

    sq->n->queues.hooks->released(req);
    nvme_req_ns_drop(req);
    if (req->parked) {
        QTAILQ_REMOVE(&sq->parked, req, park_link);
        req->parked = false;
    }
    nvme_dma_unmap(req);
    QTAILQ_REMOVE(&sq->inflight, req, entry);
    QTAILQ_INSERT_TAIL(&sq->free_reqs, req, entry);
}

/*
 * Context: queue.  @req stops at an error until the VM runs again
 * (ioerr.c): it waits on its SQ, which runs it anew then, through the
 * redispatch hook, which looks its namespace up again.
 */
void nvme_req_park(NvmeRequest *req)
{
    nvme_req_ns_drop(req);
    req->parked = true;
    QTAILQ_INSERT_TAIL(&req->sq->parked, req, park_link);
}

/* Context: queue.  Run the parked commands again once the VM runs. */
static void nvme_sq_retry_parked(NvmeSQueue *sq)
{
    NvmeRequest *req;

    while (runstate_is_running() && !nvme_sq_stopped(sq) &&
           (req = QTAILQ_FIRST(&sq->parked))) {
        QTAILQ_REMOVE(&sq->parked, req, park_link);
        req->parked = false;
        trace_nvme_io_retry(le16_to_cpu(req->cmd.cid));
        sq->n->queues.hooks->redispatch(sq->n, req);
    }
}

/*
 * Context: queue.  A command of @sq uses namespace @nsid until the
 * matching nvme_sq_ns_put: counted per queue, so that nvme_ns_fence()
 * (main loop) can wait for the namespace's commands without a shared
 * counter on the I/O path.  Its own namespace (nvme_req_ns_hold), or
 * another one it reads (Copy's source namespaces).
 */
void nvme_sq_ns_get(NvmeSQueue *sq, uint32_t nsid)
{
    uint32_t *c = &sq->ns_users[nsid];

    qatomic_set(c, *c + 1);
}

/* Context: queue.  The command no longer uses namespace @nsid. */
void nvme_sq_ns_put(NvmeSQueue *sq, uint32_t nsid)
{
    uint32_t *c = &sq->ns_users[nsid];

    qatomic_set(c, *c - 1);
    nvme_sq_wait_kick(sq);      /* a fence may wait in the main loop */
}

/*
 * Context: queue.  Something an AIO_WAIT_WHILE of the main loop may be
 * waiting for changed (a namespace count fell, a worker went idle).  A
 * kick is a full memory barrier: inside a pass of the queue's context
 * (nvme_sq_run, nvme_cq_bh) the pass's end kicks once for all of its
 * commands, after their changes; anywhere else (a backend completion)
 * it kicks at once.
 */
void nvme_sq_wait_kick(NvmeSQueue *sq)
{
    NvmeCQueue *cq = sq->n->queues.cq[sq->cqid];

    if (cq->pass_depth) {
        cq->kick_pending = true;
    } else {
        aio_wait_kick();
    }
}

/* Context: queue. */
static void nvme_cq_pass_begin(NvmeCQueue *cq)
{
    cq->pass_depth++;
}

/*
 * Context: queue.  What the pass owes, once it is over: the kick, and the
 * bottom half for completions it did not post (the CQ was full, or they
 * came after its posting).
 */
static void nvme_cq_pass_end(NvmeCQueue *cq)
{
    if (--cq->pass_depth) {
        return;
    }
    if (cq->post_owed) {
        cq->post_owed = false;
        if (!QTAILQ_EMPTY(&cq->done)) {
            nvme_cq_schedule(cq);
        }
    }
    if (cq->kick_pending) {
        cq->kick_pending = false;
        aio_wait_kick();
    }
}

/* Context: queue.  @req uses its namespace until it completes. */
void nvme_req_ns_hold(NvmeRequest *req)
{
    if (req->sq->ns_users && req->ns && !req->ns_held) {
        nvme_sq_ns_get(req->sq, req->ns->nsid);
        req->ns_held = true;
    }
}

/* Context: queue.  The command no longer uses its namespace. */
static void nvme_req_ns_drop(NvmeRequest *req)
{
    if (req->ns_held) {
        req->ns_held = false;
        nvme_sq_ns_put(req->sq, req->ns->nsid);
    }
}

/*
 * Context: main loop.  Commands of @n's I/O queues that use namespace
 * @nsid now; the counts only fall once the namespace is fenced.
 */
uint32_t nvme_ns_users(NvmeCtrl *n, uint32_t nsid)
{
    uint32_t users = 0;

    for (uint32_t i = 1; n->queues.sq && i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        if (sq && sq->ns_users) {
            users += qatomic_read(&sq->ns_users[nsid]);
        }
    }
    return users;
}

/*
 * Context: main loop.  A fence waits for namespace @nsid: each I/O queue
 * of @n, in its own context, ends its commands on it that could wait
 * for the host forever (the ns_fenced hook).
 */
void nvme_ns_users_fenced(NvmeCtrl *n, uint32_t nsid)
{
    for (uint32_t i = 1; n->queues.sq && i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        if (sq) {
            qatomic_set(&sq->fenced_nsid, nsid);
            qemu_bh_schedule(sq->bh);
        }
    }
}

/* Context: queue.  Has a command of @sq backend work outstanding? */
static bool nvme_sq_busy_here(NvmeSQueue *sq)
{
    NvmeRequest *req;

    if (qatomic_read(&sq->busy_workers)) {
        return true;            /* Read/Write worker coroutines (nvm.c) */
    }
    QTAILQ_FOREACH(req, &sq->inflight, entry) {
        if (!req->parked && (req->aiocb || req->outstanding > 0)) {
            return true;
        }
    }
    return false;
}

typedef struct NvmeSqCall {
    NvmeSQueue *sq;
    bool busy;
} NvmeSqCall;

static void nvme_sq_busy_bh(void *opaque)
{
    NvmeSqCall *c = opaque;

    c->busy = nvme_sq_busy_here(c->sq);
}

/*
 * Context: main loop, @sq standing still (quiesced or stopped).  Has a
 * command of @sq backend work outstanding?  Its lists belong to its
 * context, which answers.
 */
bool nvme_sq_busy(NvmeSQueue *sq)
{
    NvmeSqCall c = { .sq = sq };

    if (!nvme_ctx_is_iothread(sq->ctx)) {
        return nvme_sq_busy_here(sq);
    }
    aio_wait_bh_oneshot(sq->ctx, nvme_sq_busy_bh, &c);
    return c.busy;
}

/* Context: main loop.  Run @fn(@sq) in @sq's context and wait for it. */
static void nvme_sq_call(NvmeSQueue *sq, IOHandler *fn)
{
    if (nvme_ctx_is_iothread(sq->ctx)) {
        aio_wait_bh_oneshot(sq->ctx, fn, sq);
    } else {
        fn(sq);
    }
}

/*
 * Context: the SQ's (its deletion, stopped).  Commands held above the
 * queue (fused, gated) are forgotten and running ones start no more
 * backend I/O than the wait for them covers.
 */
static void nvme_sq_cancel_bh(void *opaque)
{
    NvmeSQueue *sq = opaque;

    sq->n->queues.hooks->sq_cancel(sq->n, sq);
}

/*
 * Context: the SQ's (its deletion, nothing in flight).  Completions not
 * posted yet are dropped (the spec lets a deleted SQ's commands go without
 * one), every request goes back to the pool, idle workers end.
 */
static void nvme_sq_teardown_bh(void *opaque)
{
    NvmeSQueue *sq = opaque;
    NvmeCQueue *cq = sq->n->queues.cq[sq->cqid];
    NvmeRequest *req, *next;

    QTAILQ_FOREACH_SAFE(req, &cq->done, entry, next) {
        if (req->sq == sq) {
            QTAILQ_REMOVE(&cq->done, req, entry);
            QTAILQ_INSERT_TAIL(&sq->inflight, req, entry);
        }
    }
    while ((req = QTAILQ_FIRST(&sq->replay))) {     /* never started */
        QTAILQ_REMOVE(&sq->replay, req, entry);
        QTAILQ_INSERT_TAIL(&sq->free_reqs, req, entry);
    }
    QTAILQ_FOREACH_SAFE(req, &sq->inflight, entry, next) {
        nvme_req_release(req);
    }
    nvme_dma_win_drop_all(sq);
    sq->n->queues.hooks->sq_stop(sq);
}

/*
 * Context: main loop.  Only this SQ stops; the controller's other queues
 * keep running.  Once @stopped is set and a barrier ran in the SQ's
 * context, no pass of it fetches or posts; its held commands are
 * cancelled (the rest start no further backend I/O) and their backend
 * work is waited for, then completions not posted yet are discarded, as
 * the spec lets a deleted SQ's commands be aborted without a completion.
 * The SQ's own context does what touches its lists.
 */
void nvme_queue_delete_sq(NvmeCtrl *n, uint16_t sqid)
{
    NvmeSQueue *sq = n->queues.sq[sqid];
    NvmeCQueue *cq = n->queues.cq[sq->cqid];

    qatomic_set(&sq->stopped, true);
    if (nvme_ctx_is_iothread(sq->ctx)) {
        nvme_io_barrier(sq->ctx);
    }
    nvme_sq_call(sq, nvme_sq_cancel_bh);
    if (nvme_sq_busy(sq)) {
        /*
         * Its requests in flight: the drain lets requests held back (a
         * throttle) through, the other queues' only pause meanwhile.  A
         * multi-request command (Write Zeroes, Copy, metadata...) ends at
         * its next step; a namespace in someone else's drained section
         * holds its requests until that ends, and waiting would hang.
         */
        nvme_ns_drain_all(n);
        AIO_WAIT_WHILE(NULL, nvme_sq_busy(sq) && !nvme_ns_in_drain(n));
    }
    nvme_sq_call(sq, nvme_sq_teardown_bh);
    n->queues.sq[sqid] = NULL;
    QTAILQ_REMOVE(&cq->sqs, sq, cq_link);
    nvme_dbbuf_sq_cleanup(n, sq);
    qemu_bh_delete(sq->bh);
    if (sqid) {
        n->queues.hooks->sq_deleted(n, sq);
    }
    for (uint32_t i = 0; i < sq->size; i++) {
        nvme_req_pool_free(&sq->reqs[i]);
    }
    g_free(sq->reqs);
    g_free(sq->ns_users);
    g_free(sq);
    trace_nvme_sq_delete(sqid);
}

/* Context: main loop.  The caller checked that no SQ uses the CQ. */
void nvme_queue_delete_cq(NvmeCtrl *n, uint16_t cqid)
{
    NvmeCQueue *cq = n->queues.cq[cqid];

    assert(QTAILQ_EMPTY(&cq->sqs));
    nvme_dbbuf_cq_cleanup(n, cq);
    qemu_bh_delete(cq->bh);
    timer_free(cq->coal_timer);
    if (nvme_ctx_is_iothread(cq->ctx)) {
        nvme_io_barrier(cq->ctx);
    }
    if (cq->has_irq_notifier) {
        nvme_irqfd_cq_cleanup(n, cq);
        event_notifier_set_handler(&cq->irq_notifier, NULL);
        event_notifier_cleanup(&cq->irq_notifier);
    }
    g_free(cq);
    n->queues.cq[cqid] = NULL;
    nvme_irq_update(n);
    trace_nvme_cq_delete(cqid);
}

/* Context: main loop. */
void nvme_queue_delete_all(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->queues.num; i++) {
        if (n->queues.sq[i]) {
            nvme_queue_delete_sq(n, i);
        }
    }
    for (uint32_t i = 0; i < n->queues.num; i++) {
        if (n->queues.cq[i]) {
            nvme_queue_delete_cq(n, i);
        }
    }
}

/*
 * Context: any.  Whether MSI-X is on: iothreads read the value the
 * config-space write hook cached (pci.c), the main loop the register.
 */
static bool nvme_msix_on(NvmeCtrl *n)
{
    if (qemu_in_main_thread()) {
        return msix_enabled(PCI_DEVICE(n));
    }
    return qatomic_read(&n->queues.msix_on);
}

/*
 * Interrupt Coalescing (feature 08h): THR is a 0-based count of entries,
 * TIME the longest delay in 100 us units.  Either being 0 means an
 * interrupt per pass.  The admin CQ, vectors whose Interrupt Vector
 * Configuration has CD set, and pin-based interrupts (whose level follows
 * the CQ contents) are never coalesced.
 */
static bool nvme_cq_coalesced(NvmeCQueue *cq, uint8_t *thr, uint8_t *time)
{
    NvmeCtrl *n = cq->n;

    *thr = n->feat.cur.int_coalescing & 0xff;
    *time = (n->feat.cur.int_coalescing >> 8) & 0xff;
    return cq->cqid != 0 && *thr && *time && nvme_msix_on(n) &&
           !(n->feat.cur.iv_no_coalescing &&
             cq->vector < n->params.msix_qsize &&
             test_bit(cq->vector, n->feat.cur.iv_no_coalescing));
}

/*
 * Context: main loop.  Level of the INTx pin when MSI-X is off.  An
 * iothread CQ's head and tail are its own: they are only read here
 * (atomic), the shadow head included, and its context signals again
 * whenever they move.
 */
void nvme_irq_update(NvmeCtrl *n)
{
    PCIDevice *pci = PCI_DEVICE(n);
    bool level = false;

    if (!pci->config[PCI_INTERRUPT_PIN]) {
        return;                 /* an SR-IOV VF has no INTx */
    }
    if (!msix_enabled(pci)) {
        for (uint32_t i = 0; i < n->queues.num && !level; i++) {
            NvmeCQueue *cq = n->queues.cq[i];
            uint32_t head;

            if (!cq || !cq->ien ||
                (cq->vector < 32 && (n->regs.intms & (1u << cq->vector)))) {
                continue;
            }
            if (!nvme_ctx_is_iothread(cq->ctx)) {
                nvme_dbbuf_cq_refresh(n, cq);
            }
            head = nvme_dbbuf_cq_head(n, cq);
            level = head != qatomic_read(&cq->tail);
        }
    }
    if (level != n->queues.irq_level) {
        n->queues.irq_level = level;
        pci_set_irq(pci, level);
    }
}

/*
 * Context: queue.  The INTx level may have changed (entries posted or
 * consumed); an iothread asks the main loop to look again.
 */
void nvme_cq_level_changed(NvmeCQueue *cq)
{
    if (qemu_in_main_thread()) {
        nvme_irq_update(cq->n);
    } else if (cq->has_irq_notifier && !nvme_msix_on(cq->n)) {
        event_notifier_set(&cq->irq_notifier);
    }
}

/* Context: queue, or main loop (coalescing timer). */
static void nvme_cq_notify(NvmeCQueue *cq)
{
    if (!cq->ien) {
        return;
    }
    if (!qemu_in_main_thread()) {
        if (cq->has_irq_notifier) {
            event_notifier_set(&cq->irq_notifier);
        }
        return;
    }
    nvme_cq_raise(cq);
}

/*
 * Context: queue.  @posted entries were just written: interrupt now,
 * or once THR + 1 entries are pending, or when the aggregation time
 * armed by the first pending entry runs out.  The timer stays armed
 * whatever the host does with the head doorbell, so no interrupt is lost.
 */
static void nvme_cq_notify_posted(NvmeCQueue *cq, uint32_t posted)
{
    uint8_t thr, time;
    bool coalesce;

    if (!cq->ien) {
        return;
    }
    coalesce = nvme_cq_coalesced(cq, &thr, &time);
    if (!coalesce) {
        nvme_cq_notify(cq);
        return;
    }
    /* shared with the timer: whoever takes a non-zero count notifies */
    if (qatomic_add_fetch(&cq->coal_pending, posted) > thr) {
        if (qatomic_xchg(&cq->coal_pending, 0)) {
            if (timer_pending(cq->coal_timer)) {    /* skip its lock */
                timer_del(cq->coal_timer);
            }
            nvme_cq_notify(cq);
        }
        return;
    }
    if (!timer_pending(cq->coal_timer)) {
        timer_mod(cq->coal_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)time * 100 * SCALE_US);
    }
}

/*
 * Context: main loop (timer).  The aggregation time ran out; the pending
 * count is taken with an atomic exchange, against the queue's context.
 */
static void nvme_cq_coal_timer(void *opaque)
{
    NvmeCQueue *cq = opaque;

    if (qatomic_read(&cq->n->mig.vm_stopped)) {
        return;                 /* the thaw arms the timer again */
    }
    if (qatomic_xchg(&cq->coal_pending, 0) && qatomic_read(&cq->n->running)) {
        trace_nvme_cq_coal_timeout(cq->cqid);
        nvme_cq_notify(cq);
    }
}

/* Context: any (qemu_bh_schedule is thread-safe). */
void nvme_cq_schedule(NvmeCQueue *cq)
{
    qemu_bh_schedule(cq->bh);
}

/*
 * Context: queue.  Write one completion entry; the dword holding the
 * phase tag goes last, after a write barrier, so the host never sees a
 * new phase with stale data.
 */
static bool nvme_cq_post(NvmeCQueue *cq, NvmeRing *ring, NvmeRequest *req)
{
    uint32_t tail = cq->tail;
    uint8_t phase = cq->phase;
    hwaddr off = (hwaddr)tail << NVME_CQES;
    NvmeCqe cqe = {
        .result = cpu_to_le32(req->result),
        .dw1 = cpu_to_le32(req->dw1),
        .sq_head = cpu_to_le16(req->sq->head),
        .sq_id = cpu_to_le16(req->sq->sqid),
        .cid = req->cmd.cid,
        .status = cpu_to_le16((req->status << 1) | phase),
    };

    if (nvme_ring_write(cq->n, ring, off, &cqe, 12) != MEMTX_OK) {
        return false;
    }
    if (++tail == cq->size) {
        tail = 0;
        qatomic_set(&cq->phase, phase ^ 1);     /* telemetry reads it */
    }
    /*
     * The tail goes out first: the host writes a head covering this entry
     * only after it sees the phase tag, and the main loop's check of that
     * doorbell (another thread for an iothread CQ) must see the tail.
     */
    qatomic_set(&cq->tail, tail);
    smp_wmb();      /* the entry and the tail before the phase tag's dword */
    if (nvme_ring_write(cq->n, ring, off + 12, (uint8_t *)&cqe + 12, 4) !=
        MEMTX_OK) {
        return false;
    }
    nvme_log_error_posted(cq->n, req, phase);
    return true;
}

/*
 * Context: queue.  True when the CQ has no free entry.  With a shadow
 * doorbell the host only rings once the head passes the EventIdx, so a
 * full queue publishes its head and looks again to close the race.
 */
static bool nvme_cq_full(NvmeCtrl *n, NvmeCQueue *cq)
{
    if ((cq->tail + 1) % cq->size != nvme_cq_head(cq)) {
        return false;
    }
    if (!cq->shadow) {
        return true;
    }
    nvme_dbbuf_cq_refresh(n, cq);
    if ((cq->tail + 1) % cq->size != nvme_cq_head(cq)) {
        return false;
    }
    nvme_dbbuf_cq_wait(n, cq);
    smp_mb();       /* the EventIdx out before the shadow head is read */
    nvme_dbbuf_cq_refresh(n, cq);
    return (cq->tail + 1) % cq->size == nvme_cq_head(cq);
}

/*
 * Context: queue.  Close the CQ ring mapping, marking the @count
 * entries written from slot @first dirty (in two runs if they wrapped).
 */
static void nvme_cq_ring_close(NvmeCQueue *cq, NvmeRing *ring,
                               uint32_t first, uint32_t count)
{
    uint32_t run = MIN(count, cq->size - first);

    if (count > run && ring->len) {
        address_space_cache_invalidate(&ring->cache, 0,
                                       MIN((hwaddr)(count - run) << NVME_CQES,
                                           ring->len));
    }
    nvme_ring_close(ring, (hwaddr)first << NVME_CQES,
                    (hwaddr)run << NVME_CQES);
}

/*
 * Context: queue (bottom half; also the end of an SQ pass).  Post every
 * completion that fits, through the ring mapped once for the pass, then
 * one interrupt (or the coalescing decision) for the whole batch.
 */
static void nvme_cq_bh(void *opaque)
{
    NvmeCQueue *cq = opaque;
    NvmeCtrl *n = cq->n;
    NvmeRequest *req;
    NvmeRing ring;
    uint32_t first = cq->tail, posted = 0;

    if (nvme_queue_stopped(n, cq->ctx) || QTAILQ_EMPTY(&cq->done) ||
        !qatomic_read(&n->running)) {
        return;
    }
    nvme_cq_pass_begin(cq);
    nvme_ring_open(n, &ring, cq->dma_addr, (hwaddr)cq->size << NVME_CQES,
                   true, QTAILQ_NEXT(QTAILQ_FIRST(&cq->done), entry));
    smp_wmb();                  /* the commands' data before their CQEs */
    while ((req = QTAILQ_FIRST(&cq->done))) {
        NvmeSQueue *sq = req->sq;
        bool sq_starved;

        if (nvme_cq_full(n, cq)) {
            trace_nvme_cq_full(cq->cqid);
            break;
        }
        if (!nvme_cq_post(cq, &ring, req)) {
            nvme_ctrl_fatal(n, "completion queue write failed");
            break;
        }
        trace_nvme_cqe_posted(cq->cqid, sq->sqid, le16_to_cpu(req->cmd.cid),
                              req->status);
        QTAILQ_REMOVE(&cq->done, req, entry);
        QTAILQ_INSERT_TAIL(&sq->inflight, req, entry);
        sq_starved = QTAILQ_EMPTY(&sq->free_reqs);
        nvme_req_release(req);
        if (sq_starved && sq->head != qatomic_read(&sq->tail)) {
            qemu_bh_schedule(sq->bh);
        }
        posted++;
    }
    nvme_cq_ring_close(cq, &ring, first, posted);
    if (posted && qatomic_read(&n->running)) {
        nvme_cq_notify_posted(cq, posted);
    }
    nvme_cq_pass_end(cq);
}

/* Context: queue.  Reset a pooled request for a new command. */
static void nvme_req_init(NvmeRequest *req)
{
    req->ns = NULL;
    req->result = 0;
    req->dw1 = 0;
    req->status = NVME_SUCCESS;
    req->err_loc = 0xffff;
    req->err_lba = UINT64_MAX;
    req->err_seq = 0;
    req->slba = 0;
    req->nlb = 0;
    req->fua = false;
    req->is_write = false;
    req->zns_append = false;
    req->zns_sync = false;
    req->zns_admitted = false;
    req->aiocb = NULL;
    req->outstanding = 0;
    req->opaque = NULL;
    req->fused_partner = NULL;
    req->gate = 0;              /* no role in the write gate */
    req->cancelled = false;
    req->aborted = 0;
    req->resv_wait = NULL;
    req->parked = false;
    req->ns_held = false;
}

/*
 * Context: any.  Run @req in its own SQ's context (the resume hook),
 * handed over by another queue's context or by a later pass of its own:
 * no queue runs another queue's command.
 */
void nvme_req_resume(NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;

    QSLIST_INSERT_HEAD_ATOMIC(&sq->resume, req, resume_link);
    qemu_bh_schedule(sq->bh);
}

/* Context: queue.  The requests handed back, in the order they came. */
static void nvme_sq_resume_all(NvmeSQueue *sq)
{
    QSLIST_HEAD(, NvmeRequest) lifo, fifo = QSLIST_HEAD_INITIALIZER(fifo);
    NvmeRequest *req;

    QSLIST_MOVE_ATOMIC(&lifo, &sq->resume);
    while ((req = QSLIST_FIRST(&lifo))) {
        QSLIST_REMOVE_HEAD(&lifo, resume_link);
        QSLIST_INSERT_HEAD(&fifo, req, resume_link);
    }
    while ((req = QSLIST_FIRST(&fifo))) {
        QSLIST_REMOVE_HEAD(&fifo, resume_link);
        sq->n->queues.hooks->resume(req);
    }
}

/*
 * Context: queue.  @req (off every list, its command in req->cmd) is
 * in flight now: dispatch it.
 */
static void nvme_sq_start(NvmeSQueue *sq, NvmeRequest *req)
{
    QTAILQ_INSERT_TAIL(&sq->inflight, req, entry);
    sq->n->queues.hooks->dispatch(sq->n, req);
}

/*
 * Context: queue.  Commands a migration source had fetched but not
 * started (queue-mig.c) run first, in their fetch order.
 */
static void nvme_sq_replay(NvmeSQueue *sq)
{
    NvmeRequest *req;

    while (qatomic_read(&sq->n->running) &&
           (req = QTAILQ_FIRST(&sq->replay))) {
        NvmeCmd cmd = req->cmd;
        bool admitted = req->zns_admitted;
        uint64_t lba = req->zns_lba;

        QTAILQ_REMOVE(&sq->replay, req, entry);
        nvme_req_init(req);
        req->cmd = cmd;
        req->zns_admitted = admitted;   /* a parked zoned write (zns.c) */
        req->zns_lba = lba;
        trace_nvme_sq_replay(sq->sqid, le16_to_cpu(cmd.cid));
        nvme_sq_start(sq, req);
    }
}

/* Context: queue.  Fetch and dispatch up to the tail. */
static void nvme_sq_kick(NvmeSQueue *sq)
{
    uint32_t fenced;

    nvme_dma_win_refresh(sq);
    if (nvme_sq_stopped(sq)) {
        return;
    }
    fenced = qatomic_xchg(&sq->fenced_nsid, 0);
    if (fenced) {
        sq->n->queues.hooks->ns_fenced(sq, fenced);
    }
    nvme_atomic_sq_run(sq);         /* requests granted their LBA range */
    if (qatomic_read(&sq->resume.slh_first)) {
        nvme_sq_resume_all(sq);
    }
    nvme_sq_replay(sq);
    if (!QTAILQ_EMPTY(&sq->parked)) {
        nvme_sq_retry_parked(sq);
    }
    do {
        nvme_dbbuf_sq_refresh(sq->n, sq);
        nvme_sq_fetch(sq);
    } while (qatomic_read(&sq->n->running) && QTAILQ_FIRST(&sq->free_reqs) &&
             nvme_dbbuf_sq_publish(sq->n, sq));
}

/*
 * Context: the queue's context, no lock.  Backend submissions are
 * deferred to the end of the pass so the block layer can batch them (one
 * io_submit / io_uring_enter per pass).  The commands that completed
 * meanwhile (most of them, when the backend answers at once) are posted
 * right away, one interrupt for the lot, instead of a loop iteration
 * later (an SQ's CQ runs in the same context).  Also the shadow doorbell
 * poll handler (dbbuf.c).
 */
void nvme_sq_run(NvmeSQueue *sq)
{
    NvmeCtrl *n = sq->n;
    NvmeCQueue *cq = n->queues.cq[sq->cqid];

    nvme_cq_pass_begin(cq);
    defer_call_begin();
    sq->pass_depth++;
    nvme_sq_kick(sq);
    n->queues.hooks->sq_pass_end(sq);
    sq->pass_depth--;
    defer_call_end();
    if (!QTAILQ_EMPTY(&cq->done)) {
        nvme_cq_bh(cq);
    }
    nvme_cq_pass_end(cq);
}

/* Context: the queue's context (bottom half). */
static void nvme_sq_bh(void *opaque)
{
    nvme_sq_run(opaque);
}

/*
 * Context: queue.  One pass over the SQ entries up to the tail, through
 * the ring mapped once for the pass.
 */
static void nvme_sq_fetch(NvmeSQueue *sq)
{
    NvmeCtrl *n = sq->n;
    uint32_t tail = qatomic_read(&sq->tail);
    NvmeRequest *req;
    NvmeRing ring;

    if (sq->head == tail || !qatomic_read(&n->running)) {
        return;
    }
    nvme_ring_open(n, &ring, sq->dma_addr, (hwaddr)sq->size << NVME_SQES,
                   false, nvme_ring_used(sq->head, tail, sq->size) > 1);
    smp_rmb();                  /* the entries after the tail that shows them */
    while (qatomic_read(&n->running) && sq->head != tail &&
           (req = QTAILQ_FIRST(&sq->free_reqs))) {
        nvme_req_init(req);
        if (nvme_ring_read(n, &ring, (hwaddr)sq->head << NVME_SQES,
                           &req->cmd, sizeof(req->cmd)) != MEMTX_OK) {
            nvme_ctrl_fatal(n, "submission queue read failed");
            break;
        }
        qatomic_set(&sq->head, (sq->head + 1) % sq->size);  /* telemetry */
        QTAILQ_REMOVE(&sq->free_reqs, req, entry);
        nvme_sq_start(sq, req);
    }
    nvme_ring_close(&ring, 0, 0);
}

/* Context: main loop.  An invalid doorbell write raises an error event. */
static void nvme_db_invalid(NvmeCtrl *n, uint8_t info, hwaddr offset,
                            uint32_t val)
{
    qemu_log_mask(LOG_GUEST_ERROR,
                  "nvme: invalid doorbell write 0x%" HWADDR_PRIx
                  " value %u (%s)\n", offset, val,
                  info == NVME_AER_INFO_ERR_INVALID_DB_REGISTER ?
                  "no such queue" : "bad value");
    trace_nvme_db_invalid(offset, val, info);
    nvme_log_error_nocmd(n, 0xffff);
    nvme_aer_enqueue(n, NVME_AER_TYPE_ERROR, info, NVME_LOG_ERROR_INFO);
}

/*
 * Context: queue, or main loop (doorbell write).  A new head may only
 * consume posted entries.
 */
bool nvme_cq_head_valid(NvmeCQueue *cq, uint32_t head)
{
    uint32_t cur = nvme_cq_head(cq);

    return head < cq->size &&
           nvme_ring_used(cur, head, cq->size) <=
           nvme_ring_used(cur, qatomic_read(&cq->tail), cq->size);
}

/*
 * Context: main loop (MMIO).  Without a shadow doorbell the head is
 * checked against the tail the queue published and stored (atomic); with
 * one the value lives in the shadow buffer, which an iothread CQ's own
 * context reads when its bottom half runs.
 */
static void nvme_cq_head_write(NvmeCtrl *n, NvmeCQueue *cq, hwaddr offset,
                               uint32_t val)
{
    if (cq->shadow && nvme_ctx_is_iothread(cq->ctx)) {
        qemu_bh_schedule(cq->bh);
        nvme_irq_update(n);
        return;
    }
    if (cq->shadow) {
        nvme_dbbuf_cq_refresh(n, cq);
        val = cq->head;
    }
    if (!nvme_cq_head_valid(cq, val)) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_VALUE, offset, val);
        return;
    }
    qatomic_set(&cq->head, val);
    qemu_bh_schedule(cq->bh);   /* completions may wait for room */
    nvme_irq_update(n);
}

/*
 * Context: main loop (vCPU MMIO).  @offset is relative to 0x1000.  No
 * lock: the value is stored atomically and the queue, which may run in
 * an iothread, is told through its bottom half (thread-safe).
 */
void nvme_queue_doorbell(NvmeCtrl *n, hwaddr offset, uint32_t val)
{
    uint32_t idx = offset >> 2;
    uint32_t qid = idx >> 1;
    bool is_cq = idx & 1;

    trace_nvme_doorbell(qid, is_cq, val);
    if (!qatomic_read(&n->running)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: doorbell written while controller not ready\n");
        return;
    }
    if (qid >= n->queues.num || !(is_cq ? (void *)n->queues.cq[qid] :
                                            (void *)n->queues.sq[qid])) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_REGISTER,
                        offset + NVME_DB_OFFSET, val);
        return;
    }
    if (is_cq) {
        nvme_cq_head_write(n, n->queues.cq[qid], offset + NVME_DB_OFFSET, val);
        return;
    }
    if (n->queues.sq[qid]->shadow) {       /* the BH reads the shadow tail */
        qemu_bh_schedule(n->queues.sq[qid]->bh);
        return;
    }
    if (val >= n->queues.sq[qid]->size) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_VALUE,
                        offset + NVME_DB_OFFSET, val);
        return;
    }
    qatomic_set(&n->queues.sq[qid]->tail, val);
    qemu_bh_schedule(n->queues.sq[qid]->bh);
}

/*
 * Context: main loop.  Let every queue of @n look again: parked commands
 * once the VM runs (ioerr.c), iothread queues after a quiesce.
 */
void nvme_queue_kick_all(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->queues.num; i++) {
        if (n->queues.cq[i]) {
            qemu_bh_schedule(n->queues.cq[i]->bh);
        }
        if (n->queues.sq[i]) {
            qemu_bh_schedule(n->queues.sq[i]->bh);
        }
    }
}

/*
 * NVMe submission and completion queues, doorbells and interrupts.
 *
 * An SQ tail doorbell schedules the SQ's bottom half, which fetches every
 * entry up to the tail (bounded by the SQ's request pool) and dispatches
 * it.  Completed requests wait on their CQ's list; the CQ's bottom half
 * posts as many as fit (the device never overwrites an entry the host has
 * not consumed) and raises one interrupt for the batch.
 *
 * Threading model
 * ---------------
 * Contexts.  The main loop (BQL held) runs the registers, the admin
 * queue and every admin command, QOM properties, reset, realize and
 * unplug, and raises interrupts (msix_notify, pci_set_irq).  Each I/O
 * CQ gets an AioContext when it is created: the main loop, or the
 * iothread that the "iothread" / "iothread-queue-mapping" properties
 * give its queue id (iothread.c).  An I/O SQ runs in its CQ's context.
 * There the queue's bottom halves fetch, dispatch and submit to the
 * block layer (which accepts requests from any AioContext and completes
 * them in the submitting one), post completions, and its ioeventfd and
 * shadow-doorbell poll handlers run.  "Context: queue" below means "the
 * queue's context, io_lock held".
 *
 * io_lock.  A recursive mutex per NVM subsystem (its controllers share
 * namespaces, and with them the write gate and marks) that protects all I/O
 * queue state (rings, request pools and lists, coalescing counters) and
 * the controller state the I/O path writes (error log, SMART counters,
 * Write Uncorrectable marks, the fused-command write gate, parked
 * requests).  Every I/O queue entry point takes it: the queue's bottom
 * halves, poll handlers, block completion callbacks, the coalescing
 * timer and MMIO doorbell writes.  Lock order is BQL before io_lock; a
 * thread holding io_lock never waits for another thread: it never takes
 * the BQL (DMA from an iothread is restricted to RAM, nvme_dma_attrs) and
 * never drains.  With several iothreads the lock serialises command
 * processing of one subsystem; the block I/O itself runs in parallel.
 *
 * Quiesce.  State the I/O path only reads (namespaces and their formats,
 * features, ANA, sanitize, queue tables, the doorbell buffer) is changed
 * by the main loop either under io_lock for a single update, or inside
 * nvme_io_quiesce()/nvme_io_resume() (iothread.c): quiesce sets
 * iot.stopped under io_lock, so iothread queues stop fetching and posting
 * at the next entry point, then drains the namespaces so no completion
 * callback is left; resume clears it and kicks every iothread queue.
 * Every admin command except AER, Keep Alive, Identify and Get Features
 * runs quiesced (for commands that change namespaces, every controller
 * of the subsystem), as do controller reset, shutdown and namespace
 * unplug.  Without iothreads quiesce is a counter only.
 *
 * Hand-over.  Deleting an iothread queue (always quiesced) removes its
 * handlers and bottom halves, then waits for one bottom half in that
 * iothread (nvme_io_barrier) so no handler still sees the queue before
 * it is freed.  Interrupts of an iothread CQ go through an EventNotifier
 * whose handler runs in the main loop and calls msix_notify or
 * re-evaluates the INTx level, or, with KVM, straight to the guest as an
 * irqfd while the vector is unmasked (irqfd.c); the coalescing timer is a
 * main-loop QEMU_CLOCK_VIRTUAL timer (that clock is driven by the main
 * loop) and takes io_lock.  A fatal error seen by an iothread stops the queues
 * at once and sets CSTS.CFS from a main-loop bottom half.
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
#include "dma.h"
#include "event.h"
#include "iothread.h"
#include "irqfd.h"
#include "queue.h"
#include "trace.h"

static void nvme_sq_bh(void *opaque);
static void nvme_cq_bh(void *opaque);
static void nvme_sq_fetch(NvmeSQueue *sq);
static void nvme_cq_coal_timer(void *opaque);

static inline uint32_t nvme_ring_used(uint32_t head, uint32_t tail,
                                      uint32_t size)
{
    return (tail + size - head) % size;
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

/* Context: queue. */
static MemTxResult nvme_ring_read(NvmeCtrl *n, NvmeRing *r, hwaddr off,
                                  void *buf, hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_read_cached(&r->cache, off, buf, len);
    }
    return nvme_pci_read(n, r->addr + off, buf, len);
}

/* Context: queue. */
static MemTxResult nvme_ring_write(NvmeCtrl *n, NvmeRing *r, hwaddr off,
                                   const void *buf, hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_write_cached(&r->cache, off, buf, len);
    }
    return nvme_pci_write(n, r->addr + off, buf, len);
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
 * Context: queue (any thread holding io_lock, or the main loop with the
 * I/O queues quiesced; admin requests: main loop).  The one completion
 * path: failures are recorded in the error log and traced, then the
 * request waits for room in its CQ, whose bottom half runs in the CQ's
 * context; the completed hook lets the command layer release what the
 * command held (the namespace write gate).
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
    nvme_cq_schedule(cq);
    n->queues.hooks->completed(req);
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
    nvme_dma_unmap(req);
    QTAILQ_REMOVE(&sq->inflight, req, entry);
    QTAILQ_INSERT_TAIL(&sq->free_reqs, req, entry);
}

/* Context: the SQ's iothread (oneshot bottom half of its deletion). */
static void nvme_sq_workers_stop_bh(void *opaque)
{
    NvmeSQueue *sq = opaque;

    sq->n->queues.hooks->sq_stop(sq);
}

/* Context: main loop.  Has a command of @sq backend I/O outstanding? */
bool nvme_sq_busy(NvmeSQueue *sq)
{
    NvmeRequest *req;

    NVME_IO_LOCK_GUARD(sq->n);
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

/*
 * Context: main loop.  Commands still in flight are drained (their
 * callbacks run synchronously) and their completions discarded, as the
 * spec lets a deleted SQ's commands be aborted without a completion.
 * Draining every namespace also covers commands with several backend
 * operations (a broadcast flush), which a per-request cancel would miss.
 * Callers quiesce first (admin dispatch, reset), so an iothread queue
 * stands still; the barrier lets a handler that already started finish
 * before the queue is freed.
 */
void nvme_queue_delete_sq(NvmeCtrl *n, uint16_t sqid)
{
    NvmeSQueue *sq = n->queues.sq[sqid];
    NvmeCQueue *cq = n->queues.cq[sq->cqid];
    NvmeRequest *req, *next;

    n->queues.hooks->sq_cancel(n, sq);  /* held fused/gated: cancelled */
    if (!QTAILQ_EMPTY(&sq->inflight)) {
        nvme_ns_drain_all(n);
        /*
         * A multi-request command (Write Zeroes, Copy, metadata...) whose
         * next request was queued by the drain runs it after the drained
         * section: wait for it, and for its end at the next step.
         */
        AIO_WAIT_WHILE(NULL, nvme_sq_busy(sq) && !nvme_ns_in_drain(n));
    }
    QTAILQ_FOREACH_SAFE(req, &cq->done, entry, next) {
        if (req->sq == sq) {
            QTAILQ_REMOVE(&cq->done, req, entry);
            QTAILQ_INSERT_TAIL(&sq->inflight, req, entry);
        }
    }
    QTAILQ_FOREACH_SAFE(req, &sq->inflight, entry, next) {
        nvme_req_release(req);
    }
    QTAILQ_REMOVE(&cq->sqs, sq, cq_link);
    nvme_dbbuf_sq_cleanup(n, sq);
    qemu_bh_delete(sq->bh);
    if (nvme_ctx_is_iothread(sq->ctx)) {
        /*
         * In the iothread, where each idle worker has surely yielded
         * (one may have just gone idle); this is also the barrier after
         * which no handler there sees the queue.
         */
        aio_wait_bh_oneshot(sq->ctx, nvme_sq_workers_stop_bh, sq);
    } else {
        n->queues.hooks->sq_stop(sq);   /* idle after the drain */
    }
    for (uint32_t i = 0; i < sq->size; i++) {
        nvme_req_pool_free(&sq->reqs[i]);
    }
    g_free(sq->reqs);
    g_free(sq);
    n->queues.sq[sqid] = NULL;
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

/* Context: main loop.  Level of the INTx pin when MSI-X is off. */
void nvme_irq_update(NvmeCtrl *n)
{
    PCIDevice *pci = PCI_DEVICE(n);
    bool level = false;

    NVME_IO_LOCK_GUARD(n);
    if (!pci->config[PCI_INTERRUPT_PIN]) {
        return;                 /* an SR-IOV VF has no INTx */
    }
    if (!msix_enabled(pci)) {
        for (uint32_t i = 0; i < n->queues.num && !level; i++) {
            NvmeCQueue *cq = n->queues.cq[i];

            if (cq) {
                nvme_dbbuf_cq_refresh(n, cq);
            }
            level = cq && cq->ien && cq->head != cq->tail &&
                    !(cq->vector < 32 && (n->regs.intms & (1u << cq->vector)));
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
    if (coalesce) {
        cq->coal_pending += posted;
    }
    if (!coalesce || cq->coal_pending > thr) {
        cq->coal_pending = 0;
        if (timer_pending(cq->coal_timer)) {    /* skip the timer lock */
            timer_del(cq->coal_timer);
        }
        nvme_cq_notify(cq);
        return;
    }
    if (!timer_pending(cq->coal_timer)) {
        timer_mod(cq->coal_timer, qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)time * 100 * SCALE_US);
    }
}

/*
 * Context: main loop (timer, io_lock taken).  The aggregation time ran
 * out; an iothread CQ's interrupt goes through its notifier.
 */
static void nvme_cq_coal_timer(void *opaque)
{
    NvmeCQueue *cq = opaque;

    NVME_IO_LOCK_GUARD(cq->n);
    if (cq->coal_pending && cq->n->running) {
        cq->coal_pending = 0;
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
    hwaddr off = (hwaddr)cq->tail << NVME_CQES;
    NvmeCqe cqe = {
        .result = cpu_to_le32(req->result),
        .dw1 = cpu_to_le32(req->dw1),
        .sq_head = cpu_to_le16(req->sq->head),
        .sq_id = cpu_to_le16(req->sq->sqid),
        .cid = req->cmd.cid,
        .status = cpu_to_le16((req->status << 1) | cq->phase),
    };

    if (nvme_ring_write(cq->n, ring, off, &cqe, 12) != MEMTX_OK) {
        return false;
    }
    smp_wmb();      /* the entry before the dword with its phase tag */
    if (nvme_ring_write(cq->n, ring, off + 12, (uint8_t *)&cqe + 12, 4) !=
        MEMTX_OK) {
        return false;
    }
    nvme_log_error_posted(cq->n, req, cq->phase);
    cq->tail++;
    if (cq->tail == cq->size) {
        cq->tail = 0;
        cq->phase ^= 1;
    }
    return true;
}

/*
 * Context: queue.  True when the CQ has no free entry.  With a shadow
 * doorbell the host only rings once the head passes the EventIdx, so a
 * full queue publishes its head and looks again to close the race.
 */
static bool nvme_cq_full(NvmeCtrl *n, NvmeCQueue *cq)
{
    if ((cq->tail + 1) % cq->size != cq->head) {
        return false;
    }
    if (!cq->shadow) {
        return true;
    }
    nvme_dbbuf_cq_refresh(n, cq);
    if ((cq->tail + 1) % cq->size != cq->head) {
        return false;
    }
    nvme_dbbuf_cq_wait(n, cq);
    smp_mb();       /* the EventIdx out before the shadow head is read */
    nvme_dbbuf_cq_refresh(n, cq);
    return (cq->tail + 1) % cq->size == cq->head;
}

/* Context: queue.  Quiesced: an iothread queue stands still. */
static bool nvme_queue_stopped(NvmeCtrl *n, AioContext *ctx)
{
    return n->iot.stopped && nvme_ctx_is_iothread(ctx);
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

    NVME_IO_LOCK_GUARD(n);
    if (nvme_queue_stopped(n, cq->ctx) || QTAILQ_EMPTY(&cq->done) ||
        !n->running) {
        return;
    }
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
        if (sq_starved && sq->head != sq->tail) {
            qemu_bh_schedule(sq->bh);
        }
        posted++;
    }
    nvme_cq_ring_close(cq, &ring, first, posted);
    if (posted && n->running) {
        nvme_cq_notify_posted(cq, posted);
    }
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
    req->atomic.state = NVME_ATOMIC_NONE;
}

/* Context: queue.  Fetch and dispatch up to the tail. */
static void nvme_sq_kick(NvmeSQueue *sq)
{
    if (nvme_queue_stopped(sq->n, sq->ctx)) {
        return;
    }
    nvme_atomic_sq_run(sq);         /* requests granted their LBA range */
    do {
        nvme_dbbuf_sq_refresh(sq->n, sq);
        nvme_sq_fetch(sq);
    } while (sq->n->running && QTAILQ_FIRST(&sq->free_reqs) &&
             nvme_dbbuf_sq_publish(sq->n, sq));
}

/*
 * Context: the queue's context; takes io_lock for an I/O SQ.  Backend
 * submissions are deferred to the end of the pass so the block layer can
 * batch them (one io_submit / io_uring_enter per pass); they go out after
 * io_lock is dropped.  The admin SQ runs without io_lock: admin commands
 * quiesce the I/O queues, which must not happen with io_lock held.  The
 * commands that completed meanwhile (most of them, when the backend
 * answers at once) are posted right away, one interrupt for the lot,
 * instead of a loop iteration later (an SQ's CQ runs in the same
 * context).  Also the shadow doorbell poll handler (dbbuf.c).
 */
void nvme_sq_run(NvmeSQueue *sq)
{
    NvmeCtrl *n = sq->n;
    NvmeCQueue *cq = n->queues.cq[sq->cqid];

    defer_call_begin();
    if (sq->sqid == 0) {
        nvme_sq_kick(sq);
    } else {
        qemu_rec_mutex_lock(n->iot.io_lock);
        nvme_sq_kick(sq);
        qemu_rec_mutex_unlock(n->iot.io_lock);
    }
    defer_call_end();
    if (!QTAILQ_EMPTY(&cq->done)) {
        nvme_cq_bh(cq);
    }
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
    NvmeRequest *req;
    NvmeRing ring;

    if (sq->head == sq->tail || !n->running) {
        return;
    }
    nvme_ring_open(n, &ring, sq->dma_addr, (hwaddr)sq->size << NVME_SQES,
                   false, nvme_ring_used(sq->head, sq->tail, sq->size) > 1);
    smp_rmb();                  /* the entries after the tail that shows them */
    while (n->running && sq->head != sq->tail &&
           (req = QTAILQ_FIRST(&sq->free_reqs))) {
        nvme_req_init(req);
        if (nvme_ring_read(n, &ring, (hwaddr)sq->head << NVME_SQES,
                           &req->cmd, sizeof(req->cmd)) != MEMTX_OK) {
            nvme_ctrl_fatal(n, "submission queue read failed");
            break;
        }
        sq->head = (sq->head + 1) % sq->size;
        QTAILQ_REMOVE(&sq->free_reqs, req, entry);
        QTAILQ_INSERT_TAIL(&sq->inflight, req, entry);
        n->queues.hooks->dispatch(n, req);
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

/* Context: queue.  A new head may only consume posted entries. */
bool nvme_cq_head_valid(NvmeCQueue *cq, uint32_t head)
{
    return head < cq->size &&
           nvme_ring_used(cq->head, head, cq->size) <=
           nvme_ring_used(cq->head, cq->tail, cq->size);
}

/* Context: main loop (MMIO), io_lock held. */
static void nvme_cq_head_write(NvmeCtrl *n, NvmeCQueue *cq, hwaddr offset,
                               uint32_t val)
{
    if (cq->shadow) {               /* the value lives in the shadow buffer */
        nvme_dbbuf_cq_refresh(n, cq);
        val = cq->head;
    }
    if (!nvme_cq_head_valid(cq, val)) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_VALUE, offset, val);
        return;
    }
    cq->head = val;
    if (!QTAILQ_EMPTY(&cq->done)) {
        qemu_bh_schedule(cq->bh);
    }
    nvme_irq_update(n);
}

/*
 * Context: main loop (vCPU MMIO).  @offset is relative to 0x1000.  Takes
 * io_lock: the queue may run in an iothread, which is told through its
 * bottom half (qemu_bh_schedule is thread-safe).
 */
void nvme_queue_doorbell(NvmeCtrl *n, hwaddr offset, uint32_t val)
{
    uint32_t idx = offset >> 2;
    uint32_t qid = idx >> 1;
    bool is_cq = idx & 1;

    NVME_IO_LOCK_GUARD(n);
    trace_nvme_doorbell(qid, is_cq, val);
    if (!n->running) {
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
    n->queues.sq[qid]->tail = val;
    qemu_bh_schedule(n->queues.sq[qid]->bh);
}

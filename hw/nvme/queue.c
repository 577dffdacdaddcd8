/*
 * NVMe submission and completion queues, doorbells and interrupts.
 *
 * An SQ tail doorbell schedules the SQ's bottom half, which fetches every
 * entry up to the tail (bounded by the SQ's request pool) and dispatches
 * it.  Completed requests wait on their CQ's list; the CQ's bottom half
 * posts as many as fit (the device never overwrites an entry the host has
 * not consumed) and raises one interrupt for the batch.  Both bottom halves
 * carry the device's re-entrancy guard, so DMA that targets the device's
 * own BAR cannot recurse into it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/defer-call.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci.h"
#include "hw/nvme/nvme.h"
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

/*
 * A queue's ring mapped once per bottom half pass (a MemoryRegionCache),
 * so each entry costs a memcpy instead of a translated DMA access.  Only
 * guest RAM is used that way; anything else (MMIO, a ring that crosses
 * the end of a RAM block, no bus mastering) takes pci_dma_read/write.
 */
typedef struct NvmeRing {
    MemoryRegionCache cache;
    hwaddr addr;                /* guest address of entry 0 */
    hwaddr len;                 /* bytes reachable through the cache */
} NvmeRing;

/*
 * Context: main loop.  For a single entry (@batch false) plain DMA is
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
    l = address_space_cache_init(&r->cache,
                                 pci_get_address_space(PCI_DEVICE(n)),
                                 addr, len, is_write);
    r->len = r->cache.ptr && l > 0 ? l : 0;
}

/* Context: main loop.  @off, @len: bytes written, for dirty tracking. */
static void nvme_ring_close(NvmeRing *r, hwaddr off, hwaddr len)
{
    if (len && off < r->len) {
        address_space_cache_invalidate(&r->cache, off,
                                       MIN(len, r->len - off));
    }
    address_space_cache_destroy(&r->cache);
}

/* Context: main loop. */
static MemTxResult nvme_ring_read(NvmeCtrl *n, NvmeRing *r, hwaddr off,
                                  void *buf, hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_read_cached(&r->cache, off, buf, len);
    }
    return pci_dma_read(PCI_DEVICE(n), r->addr + off, buf, len);
}

/* Context: main loop. */
static MemTxResult nvme_ring_write(NvmeCtrl *n, NvmeRing *r, hwaddr off,
                                   const void *buf, hwaddr len)
{
    if (off + len <= r->len) {
        return address_space_write_cached(&r->cache, off, buf, len);
    }
    return pci_dma_write(PCI_DEVICE(n), r->addr + off, buf, len);
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
    cq->bh = qemu_bh_new_guarded(nvme_cq_bh, cq,
                                 &DEVICE(n)->mem_reentrancy_guard);
    cq->coal_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL, nvme_cq_coal_timer, cq);
    n->cq[cqid] = cq;
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
    sq->bh = qemu_bh_new_guarded(nvme_sq_bh, sq,
                                 &DEVICE(n)->mem_reentrancy_guard);
    QTAILQ_INSERT_TAIL(&n->cq[cqid]->sqs, sq, cq_link);
    n->sq[sqid] = sq;
    nvme_dbbuf_sq_init(n, sq);
    trace_nvme_sq_create(sqid, cqid, addr, size);
    return NVME_SUCCESS;
}

/* Context: main loop.  Admin queues from AQA/ASQ/ACQ at enable. */
void nvme_queue_init_admin(NvmeCtrl *n)
{
    uint32_t sqs = (n->aqa & 0xfff) + 1;
    uint32_t cqs = ((n->aqa >> 16) & 0xfff) + 1;

    nvme_queue_create_cq(n, 0, n->acq, cqs, 0, true);
    nvme_queue_create_sq(n, 0, 0, n->asq, sqs);
}

/* Context: main loop.  Return a request to its SQ's pool. */
static void nvme_req_release(NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;

    nvme_io_error_forget(req);
    nvme_dma_unmap(req);
    QTAILQ_REMOVE(&sq->inflight, req, entry);
    QTAILQ_INSERT_TAIL(&sq->free_reqs, req, entry);
}

/*
 * Context: main loop.  Commands still in flight are drained (their
 * callbacks run synchronously) and their completions discarded, as the
 * spec lets a deleted SQ's commands be aborted without a completion.
 * Draining every namespace also covers commands with several backend
 * operations (a broadcast flush), which a per-request cancel would miss.
 */
void nvme_queue_delete_sq(NvmeCtrl *n, uint16_t sqid)
{
    NvmeSQueue *sq = n->sq[sqid];
    NvmeCQueue *cq = n->cq[sq->cqid];
    NvmeRequest *req, *next;

    nvme_gate_cancel_sq(n, sq);     /* held fused/gated commands */
    if (!QTAILQ_EMPTY(&sq->inflight)) {
        nvme_ns_drain_all(n);
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
    nvme_nvm_workers_stop(sq);      /* idle after the drain */
    QTAILQ_REMOVE(&cq->sqs, sq, cq_link);
    nvme_dbbuf_sq_cleanup(n, sq);
    qemu_bh_delete(sq->bh);
    for (uint32_t i = 0; i < sq->size; i++) {
        nvme_req_pool_free(&sq->reqs[i]);
    }
    g_free(sq->reqs);
    g_free(sq);
    n->sq[sqid] = NULL;
    trace_nvme_sq_delete(sqid);
}

/* Context: main loop.  The caller checked that no SQ uses the CQ. */
void nvme_queue_delete_cq(NvmeCtrl *n, uint16_t cqid)
{
    NvmeCQueue *cq = n->cq[cqid];

    assert(QTAILQ_EMPTY(&cq->sqs));
    nvme_dbbuf_cq_cleanup(n, cq);
    qemu_bh_delete(cq->bh);
    timer_free(cq->coal_timer);
    g_free(cq);
    n->cq[cqid] = NULL;
    nvme_irq_update(n);
    trace_nvme_cq_delete(cqid);
}

/* Context: main loop. */
void nvme_queue_delete_all(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->num_queues; i++) {
        if (n->sq[i]) {
            nvme_queue_delete_sq(n, i);
        }
    }
    for (uint32_t i = 0; i < n->num_queues; i++) {
        if (n->cq[i]) {
            nvme_queue_delete_cq(n, i);
        }
    }
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

    *thr = n->feat.int_coalescing & 0xff;
    *time = (n->feat.int_coalescing >> 8) & 0xff;
    return cq->cqid != 0 && *thr && *time && msix_enabled(PCI_DEVICE(n)) &&
           !(n->feat.iv_no_coalescing &&
             cq->vector < n->params.msix_qsize &&
             test_bit(cq->vector, n->feat.iv_no_coalescing));
}

/* Context: main loop.  Level of the INTx pin when MSI-X is off. */
void nvme_irq_update(NvmeCtrl *n)
{
    PCIDevice *pci = PCI_DEVICE(n);
    bool level = false;

    if (!msix_enabled(pci)) {
        for (uint32_t i = 0; i < n->num_queues && !level; i++) {
            NvmeCQueue *cq = n->cq[i];

            if (cq) {
                nvme_dbbuf_cq_refresh(n, cq);
            }
            level = cq && cq->ien && cq->head != cq->tail &&
                    !(cq->vector < 32 && (n->intms & (1u << cq->vector)));
        }
    }
    if (level != n->irq_level) {
        n->irq_level = level;
        pci_set_irq(pci, level);
    }
}

/* Context: main loop. */
static void nvme_cq_notify(NvmeCQueue *cq)
{
    PCIDevice *pci = PCI_DEVICE(cq->n);

    if (!cq->ien) {
        return;
    }
    if (msix_enabled(pci)) {
        trace_nvme_irq_msix(cq->vector);
        msix_notify(pci, cq->vector);
    } else {
        nvme_irq_update(cq->n);
    }
}

/*
 * Context: main loop.  @posted entries were just written: interrupt now,
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

/* Context: main loop (timer).  The aggregation time ran out. */
static void nvme_cq_coal_timer(void *opaque)
{
    NvmeCQueue *cq = opaque;

    if (cq->coal_pending && cq->n->running) {
        cq->coal_pending = 0;
        trace_nvme_cq_coal_timeout(cq->cqid);
        nvme_cq_notify(cq);
    }
}

/* Context: main loop. */
void nvme_cq_schedule(NvmeCQueue *cq)
{
    qemu_bh_schedule(cq->bh);
}

/*
 * Context: main loop.  Write one completion entry; the dword holding the
 * phase tag goes last, after a write barrier, so the host never sees a
 * new phase with stale data.
 */
static bool nvme_cq_post(NvmeCQueue *cq, NvmeRing *ring, NvmeRequest *req)
{
    hwaddr off = (hwaddr)cq->tail << NVME_CQES;
    NvmeCqe cqe = {
        .result = cpu_to_le32(req->result),
        .sq_head = cpu_to_le16(req->sq->head),
        .sq_id = cpu_to_le16(req->sq->sqid),
        .cid = req->cmd.cid,
        .status = cpu_to_le16((req->status << 1) | cq->phase),
    };

    if (nvme_ring_write(cq->n, ring, off, &cqe, 12) != MEMTX_OK) {
        return false;
    }
    smp_wmb();
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
 * Context: main loop.  True when the CQ has no free entry.  With a shadow
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
    smp_mb();
    nvme_dbbuf_cq_refresh(n, cq);
    return (cq->tail + 1) % cq->size == cq->head;
}

/*
 * Context: main loop.  Close the CQ ring mapping, marking the @count
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
 * Context: main loop (bottom half).  Post every completion that fits,
 * through the ring mapped once for the pass, then one interrupt (or the
 * coalescing decision) for the whole batch.
 */
static void nvme_cq_bh(void *opaque)
{
    NvmeCQueue *cq = opaque;
    NvmeCtrl *n = cq->n;
    NvmeRequest *req;
    NvmeRing ring;
    uint32_t first = cq->tail, posted = 0;

    if (QTAILQ_EMPTY(&cq->done) || !n->running) {
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

/* Context: main loop.  Reset a pooled request for a new command. */
static void nvme_req_init(NvmeRequest *req)
{
    req->ns = NULL;
    req->result = 0;
    req->status = NVME_SUCCESS;
    req->err_loc = 0xffff;
    req->err_lba = UINT64_MAX;
    req->err_seq = 0;
    req->slba = 0;
    req->nlb = 0;
    req->fua = false;
    req->is_write = false;
    req->aiocb = NULL;
    req->outstanding = 0;
    req->opaque = NULL;
    req->fused_partner = NULL;
    req->gate = NVME_GATE_NONE;
    req->cancelled = false;
    req->parked = false;
}

/*
 * Context: main loop (bottom half).  Fetch and dispatch up to the tail.
 * Backend submissions are deferred to the end of the pass so the block
 * layer can batch them (one io_submit / io_uring_enter per pass).  The
 * commands that completed meanwhile (most of them, when the backend
 * answers at once) are posted right away, one interrupt for the lot,
 * instead of a main loop iteration later; the CQ's bottom half then
 * finds nothing left.  An SQ's CQ runs in the same context.
 */
static void nvme_sq_bh(void *opaque)
{
    NvmeSQueue *sq = opaque;
    NvmeCQueue *cq = sq->n->cq[sq->cqid];

    defer_call_begin();
    do {
        nvme_dbbuf_sq_refresh(sq->n, sq);
        nvme_sq_fetch(sq);
    } while (sq->n->running && QTAILQ_FIRST(&sq->free_reqs) &&
             nvme_dbbuf_sq_publish(sq->n, sq));
    defer_call_end();
    if (!QTAILQ_EMPTY(&cq->done)) {
        nvme_cq_bh(cq);
    }
}

/*
 * Context: main loop.  One pass over the SQ entries up to the tail,
 * through the ring mapped once for the pass.
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
        nvme_dispatch(n, req);
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

/* Context: main loop.  A new head may only consume posted entries. */
bool nvme_cq_head_valid(NvmeCQueue *cq, uint32_t head)
{
    return head < cq->size &&
           nvme_ring_used(cq->head, head, cq->size) <=
           nvme_ring_used(cq->head, cq->tail, cq->size);
}

/* Context: main loop. */
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

/* Context: main loop (vCPU MMIO).  @offset is relative to 0x1000. */
void nvme_queue_doorbell(NvmeCtrl *n, hwaddr offset, uint32_t val)
{
    uint32_t idx = offset >> 2;
    uint32_t qid = idx >> 1;
    bool is_cq = idx & 1;

    trace_nvme_doorbell(qid, is_cq, val);
    if (!n->running) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: doorbell written while controller not ready\n");
        return;
    }
    if (qid >= n->num_queues || !(is_cq ? (void *)n->cq[qid] :
                                          (void *)n->sq[qid])) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_REGISTER,
                        offset + NVME_DB_OFFSET, val);
        return;
    }
    if (is_cq) {
        nvme_cq_head_write(n, n->cq[qid], offset + NVME_DB_OFFSET, val);
        return;
    }
    if (n->sq[qid]->shadow) {       /* the BH reads the shadow tail */
        qemu_bh_schedule(n->sq[qid]->bh);
        return;
    }
    if (val >= n->sq[qid]->size) {
        nvme_db_invalid(n, NVME_AER_INFO_ERR_INVALID_DB_VALUE,
                        offset + NVME_DB_OFFSET, val);
        return;
    }
    n->sq[qid]->tail = val;
    qemu_bh_schedule(n->sq[qid]->bh);
}

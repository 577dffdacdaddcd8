/*
 * NVMe shadow doorbells (Doorbell Buffer Config) and ioeventfd.
 *
 * With a shadow doorbell buffer the host writes new SQ tails and CQ heads
 * to memory and rings the MMIO doorbell only when the value passes the
 * EventIdx the controller published, so a busy queue rarely traps.  Once
 * the buffer is configured, the doorbells of I/O queues are ioeventfds:
 * the MMIO write only signals, and the value comes from the shadow buffer.
 * The admin queue keeps plain doorbells (Linux never shadows it).
 *
 * An SQ in an iothread also registers poll handlers on its ioeventfd, so
 * the iothread's adaptive polling (its poll-max-ns, poll-grow and
 * poll-shrink) watches the shadow tail; while it polls, the EventIdx is
 * parked out of the queue's index range so the host stops ringing (one
 * doorbell per wrap at most), and polling ending publishes the tail again.
 * A CQ's ioeventfd gets a poll function too (watching the shadow head):
 * one handler without one keeps the whole AioContext from polling.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "hw/pci/pci.h"
#include "block/aio.h"
#include "ctrl.h"
#include "dbbuf.h"
#include "dma.h"
#include "iothread.h"
#include "migration.h"
#include "queue.h"
#include "trace.h"

/* Context: any.  Offset of a queue's doorbell (DSTRD = 0). */
static hwaddr nvme_db_offset(uint16_t qid, bool cq)
{
    return (hwaddr)qid * 8 + (cq ? 4 : 0);
}

/* Context: queue, or main loop with the queues quiesced. */
static bool nvme_dbbuf_read(NvmeCtrl *n, hwaddr addr, uint32_t *val)
{
    uint32_t v;

    if (nvme_pci_read(n, addr, &v, sizeof(v)) != MEMTX_OK) {
        return false;
    }
    *val = le32_to_cpu(v);
    return true;
}

/*
 * Context: queue, or main loop with the queues quiesced.  Never while the
 * VM is stopped (guest memory must not change then, migration.c): the
 * thaw publishes every EventIdx again.
 */
static void nvme_dbbuf_write_ei(NvmeCtrl *n, hwaddr addr, uint32_t val)
{
    uint32_t v = cpu_to_le32(val);

    if (qatomic_read(&n->mig.vm_stopped)) {
        return;
    }
    nvme_pci_write(n, addr, &v, sizeof(v));
}

/*
 * Context: queue.  Refresh an SQ tail from the shadow buffer; a value
 * beyond the queue is ignored (and reported) like a bad doorbell write.
 */
void nvme_dbbuf_sq_refresh(NvmeCtrl *n, NvmeSQueue *sq)
{
    uint32_t tail;

    if (!sq->shadow || !nvme_dbbuf_read(n, sq->db_addr, &tail)) {
        return;
    }
    if (tail >= sq->size) {
        trace_nvme_dbbuf_invalid(sq->sqid, false, tail);
        return;
    }
    qatomic_set(&sq->tail, tail);
}

/*
 * Context: queue.  Publish how far the SQ was consumed; returns true
 * when the host moved the tail meanwhile, so the caller fetches again
 * instead of waiting for a doorbell that will not come.  While the
 * iothread polls the queue the EventIdx stays parked.
 */
bool nvme_dbbuf_sq_publish(NvmeCtrl *n, NvmeSQueue *sq)
{
    uint32_t old = sq->tail;

    if (!sq->shadow || sq->polling) {
        return false;
    }
    nvme_dbbuf_write_ei(n, sq->ei_addr, sq->tail);
    smp_mb();       /* the EventIdx out before the shadow tail is read */
    nvme_dbbuf_sq_refresh(n, sq);
    return sq->tail != old;
}

/* Context: queue.  Refresh a CQ head; same checks as the doorbell. */
void nvme_dbbuf_cq_refresh(NvmeCtrl *n, NvmeCQueue *cq)
{
    uint32_t head;

    if (!cq->shadow || !nvme_dbbuf_read(n, cq->db_addr, &head)) {
        return;
    }
    if (!nvme_cq_head_valid(cq, head)) {
        trace_nvme_dbbuf_invalid(cq->cqid, true, head);
        return;
    }
    qatomic_set(&cq->head, head);
}

/*
 * Context: any.  The CQ head as the host last left it, without storing
 * it: an iothread CQ's head is its own context's (the main loop only
 * reads it for the INTx level).
 */
uint32_t nvme_dbbuf_cq_head(NvmeCtrl *n, NvmeCQueue *cq)
{
    uint32_t head;

    if (cq->shadow && nvme_dbbuf_read(n, cq->db_addr, &head) &&
        nvme_cq_head_valid(cq, head)) {
        return head;
    }
    return qatomic_read(&cq->head);
}

/* Context: queue.  A full CQ asks the host to ring on its next head. */
void nvme_dbbuf_cq_wait(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (cq->shadow) {
        nvme_dbbuf_write_ei(n, cq->ei_addr, cq->head);
    }
}

/* Context: the queue's context (ioeventfd handler). */
static void nvme_sq_notified(EventNotifier *e)
{
    NvmeSQueue *sq = container_of(e, NvmeSQueue, notifier);

    if (event_notifier_test_and_clear(e)) {
        qemu_bh_schedule(sq->bh);
    }
}

/*
 * Context: the queue's context.  The host consumed CQ entries: room for
 * waiting completions, maybe a lower interrupt level.
 */
static void nvme_cq_head_moved(NvmeCQueue *cq)
{
    nvme_dbbuf_cq_refresh(cq->n, cq);
    nvme_cq_schedule(cq);
    nvme_cq_level_changed(cq);
}

/* Context: the queue's context (ioeventfd handler). */
static void nvme_cq_notified(EventNotifier *e)
{
    NvmeCQueue *cq = container_of(e, NvmeCQueue, notifier);

    if (event_notifier_test_and_clear(e)) {
        nvme_cq_head_moved(cq);
    }
}

/*
 * Context: iothread (poll handler).  Did the host consume entries of a CQ
 * whose completions wait for room?  (Every handler of an AioContext needs
 * a poll function, or the context does not poll.)
 */
static bool nvme_cq_poll(void *opaque)
{
    NvmeCQueue *cq = container_of(opaque, NvmeCQueue, notifier);
    NvmeCtrl *n = cq->n;
    uint32_t head;

    if (!qatomic_read(&n->running) || qatomic_read(&n->iot.stopped) ||
        qatomic_read(&n->mig.vm_stopped) ||
        QTAILQ_EMPTY(&cq->done) ||
        !nvme_dbbuf_read(n, cq->db_addr, &head)) {
        return false;
    }
    return head != cq->head;
}

/* Context: iothread (poll handler). */
static void nvme_cq_poll_ready(EventNotifier *e)
{
    nvme_cq_head_moved(container_of(e, NvmeCQueue, notifier));
}

/* Context: iothread (poll handler).  New entries behind the shadow tail? */
static bool nvme_sq_poll(void *opaque)
{
    NvmeSQueue *sq = container_of(opaque, NvmeSQueue, notifier);
    NvmeCtrl *n = sq->n;
    uint32_t tail;

    if (!qatomic_read(&n->running) || qatomic_read(&n->iot.stopped) ||
        qatomic_read(&n->mig.vm_stopped) ||
        qatomic_read(&sq->stopped) || !sq->shadow ||
        !QTAILQ_FIRST(&sq->free_reqs) ||
        !nvme_dbbuf_read(n, sq->db_addr, &tail)) {
        return false;
    }
    return tail != sq->head && tail < sq->size;
}

/* Context: iothread (poll handler).  Polling found entries: run them. */
static void nvme_sq_poll_ready(EventNotifier *e)
{
    nvme_sq_run(container_of(e, NvmeSQueue, notifier));
}

/*
 * Context: iothread.  Polling starts: park the EventIdx beyond the
 * queue's indices so the host does not ring meanwhile.
 */
static void nvme_sq_poll_begin(EventNotifier *e)
{
    NvmeSQueue *sq = container_of(e, NvmeSQueue, notifier);

    trace_nvme_sq_poll(sq->sqid, true);
    sq->polling = true;
    if (sq->shadow) {
        nvme_dbbuf_write_ei(sq->n, sq->ei_addr, sq->size);
    }
}

/*
 * Context: iothread.  Polling ends: publish the tail again and look once
 * more, closing the race with a host that did not ring.
 */
static void nvme_sq_poll_end(EventNotifier *e)
{
    NvmeSQueue *sq = container_of(e, NvmeSQueue, notifier);

    trace_nvme_sq_poll(sq->sqid, false);
    sq->polling = false;
    if (nvme_dbbuf_sq_publish(sq->n, sq) ||
        sq->head != qatomic_read(&sq->tail)) {
        qemu_bh_schedule(sq->bh);
    }
}

/*
 * Context: main loop (queues quiesced).  An ioeventfd for the doorbell at
 * @off, handled in @ctx; an SQ in an iothread also gets poll handlers.
 */
static bool nvme_notifier_add(NvmeCtrl *n, EventNotifier *e, hwaddr off,
                              AioContext *ctx, EventNotifierHandler *handler,
                              bool sq_poll)
{
    if (!n->params.ioeventfd || event_notifier_init(e, 0) < 0) {
        return false;
    }
    if (!nvme_ctx_is_iothread(ctx)) {
        event_notifier_set_handler(e, handler);
    } else if (sq_poll) {
        aio_set_event_notifier(ctx, e, handler, nvme_sq_poll,
                               nvme_sq_poll_ready);
        aio_set_event_notifier_poll(ctx, e, nvme_sq_poll_begin,
                                    nvme_sq_poll_end);
    } else {
        aio_set_event_notifier(ctx, e, handler, nvme_cq_poll,
                               nvme_cq_poll_ready);
    }
    memory_region_add_eventfd(&n->db_mr, off, 4, false, 0, e);
    return true;
}

/*
 * Context: main loop (queues quiesced).  An iothread's handler may still
 * be running: wait for it before closing the notifier.
 */
static void nvme_notifier_del(NvmeCtrl *n, EventNotifier *e, hwaddr off,
                              AioContext *ctx)
{
    memory_region_del_eventfd(&n->db_mr, off, 4, false, 0, e);
    if (nvme_ctx_is_iothread(ctx)) {
        aio_set_event_notifier(ctx, e, NULL, NULL, NULL);
        nvme_io_barrier(ctx);
    } else {
        event_notifier_set_handler(e, NULL);
    }
    event_notifier_cleanup(e);
}

/* Context: main loop (quiesced).  Shadow an I/O SQ if a buffer is set. */
void nvme_dbbuf_sq_init(NvmeCtrl *n, NvmeSQueue *sq)
{
    hwaddr off = nvme_db_offset(sq->sqid, false);

    if (!n->dbbuf.dbs || sq->sqid == 0 || sq->shadow) {
        return;
    }
    sq->shadow = true;
    sq->db_addr = n->dbbuf.dbs + off;
    sq->ei_addr = n->dbbuf.eis + off;
    nvme_dbbuf_write_ei(n, sq->ei_addr, sq->tail);
    sq->has_notifier = nvme_notifier_add(n, &sq->notifier, off, sq->ctx,
                                         nvme_sq_notified, true);
}

/* Context: main loop (quiesced).  Shadow an I/O CQ if a buffer is set. */
void nvme_dbbuf_cq_init(NvmeCtrl *n, NvmeCQueue *cq)
{
    hwaddr off = nvme_db_offset(cq->cqid, true);

    if (!n->dbbuf.dbs || cq->cqid == 0 || cq->shadow) {
        return;
    }
    cq->shadow = true;
    cq->db_addr = n->dbbuf.dbs + off;
    cq->ei_addr = n->dbbuf.eis + off;
    cq->has_notifier = nvme_notifier_add(n, &cq->notifier, off, cq->ctx,
                                         nvme_cq_notified, false);
}

/* Context: main loop (quiesced).  Queue deletion. */
void nvme_dbbuf_sq_cleanup(NvmeCtrl *n, NvmeSQueue *sq)
{
    if (sq->has_notifier) {
        nvme_notifier_del(n, &sq->notifier, nvme_db_offset(sq->sqid, false),
                          sq->ctx);
        sq->has_notifier = false;
    }
}

/* Context: main loop (quiesced).  Queue deletion. */
void nvme_dbbuf_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (cq->has_notifier) {
        nvme_notifier_del(n, &cq->notifier, nvme_db_offset(cq->cqid, true),
                          cq->ctx);
        cq->has_notifier = false;
    }
}

/* Context: main loop (quiesced).  Controller reset: no buffers. */
void nvme_dbbuf_reset(NvmeCtrl *n)
{
    n->dbbuf.dbs = 0;
    n->dbbuf.eis = 0;
}

/*
 * Context: main loop (quiesced).  Doorbell Buffer Config: PRP1 is the
 * shadow doorbell buffer, PRP2 the EventIdx buffer, both memory page
 * aligned.  Queues that exist already switch over at once.
 */
uint16_t nvme_admin_dbbuf_config(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t dbs = le64_to_cpu(req->cmd.dptr.prp1);
    uint64_t eis = le64_to_cpu(req->cmd.dptr.prp2);
    uint64_t mask = n->regs.page_size - 1;

    if (!n->params.dbbuf) {
        return NVME_INVALID_OPCODE | NVME_DNR;  /* not offered (OACS) */
    }
    if (NVME_CMD_FLAGS_PSDT(req->cmd.flags) != NVME_PSDT_PRP) {
        nvme_req_err_field(req, 1, 6);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (!dbs || !eis || (dbs & mask) || (eis & mask)) {
        nvme_req_err_field(req, dbs && !(dbs & mask) ? 32 : 24, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    n->dbbuf.dbs = dbs;
    n->dbbuf.eis = eis;
    trace_nvme_dbbuf_config(dbs, eis);
    for (uint32_t i = 1; i < n->queues.num; i++) {
        if (n->queues.cq[i]) {
            nvme_dbbuf_cq_init(n, n->queues.cq[i]);
        }
        if (n->queues.sq[i]) {
            nvme_dbbuf_sq_init(n, n->queues.sq[i]);
        }
    }
    return NVME_SUCCESS;
}

/* ---- migration ---- */

/*
 * Context: main loop.  Both buffers or none, page aligned, offered; the
 * queues' shadow doorbells follow from them when the queues are rebuilt
 * (queue-mig.c, after this subsection).
 */
static int nvme_dbbuf_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    uint64_t mask = n->regs.page_size - 1;

    if (!n->dbbuf.dbs != !n->dbbuf.eis ||
        (n->dbbuf.dbs && (!n->params.dbbuf || (n->dbbuf.dbs & mask) ||
                          (n->dbbuf.eis & mask)))) {
        return nvme_mig_bad(n, "doorbell buffers 0x%" PRIx64 "/0x%" PRIx64
                            " invalid", n->dbbuf.dbs, n->dbbuf.eis);
    }
    return 0;
}

const VMStateDescription nvme_vmstate_dbbuf = {
    .name = "nvme/dbbuf",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_dbbuf_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(dbbuf.dbs, NvmeCtrl),
        VMSTATE_UINT64(dbbuf.eis, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

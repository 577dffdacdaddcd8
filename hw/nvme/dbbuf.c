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
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "hw/pci/pci.h"
#include "hw/nvme/nvme.h"
#include "trace.h"

/* Context: main loop.  Offset of a queue's doorbell (DSTRD = 0). */
static hwaddr nvme_db_offset(uint16_t qid, bool cq)
{
    return (hwaddr)qid * 8 + (cq ? 4 : 0);
}

/* Context: main loop. */
static bool nvme_dbbuf_read(NvmeCtrl *n, hwaddr addr, uint32_t *val)
{
    uint32_t v;

    if (pci_dma_read(PCI_DEVICE(n), addr, &v, sizeof(v)) != MEMTX_OK) {
        return false;
    }
    *val = le32_to_cpu(v);
    return true;
}

/* Context: main loop. */
static void nvme_dbbuf_write_ei(NvmeCtrl *n, hwaddr addr, uint32_t val)
{
    uint32_t v = cpu_to_le32(val);

    pci_dma_write(PCI_DEVICE(n), addr, &v, sizeof(v));
}

/*
 * Context: main loop.  Refresh an SQ tail from the shadow buffer; a value
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
    sq->tail = tail;
}

/*
 * Context: main loop.  Publish how far the SQ was consumed; returns true
 * when the host moved the tail meanwhile, so the caller fetches again
 * instead of waiting for a doorbell that will not come.
 */
bool nvme_dbbuf_sq_publish(NvmeCtrl *n, NvmeSQueue *sq)
{
    uint32_t old = sq->tail;

    if (!sq->shadow) {
        return false;
    }
    nvme_dbbuf_write_ei(n, sq->ei_addr, sq->tail);
    smp_mb();
    nvme_dbbuf_sq_refresh(n, sq);
    return sq->tail != old;
}

/* Context: main loop.  Refresh a CQ head; same checks as the doorbell. */
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
    cq->head = head;
}

/* Context: main loop.  A full CQ asks the host to ring on its next head. */
void nvme_dbbuf_cq_wait(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (cq->shadow) {
        nvme_dbbuf_write_ei(n, cq->ei_addr, cq->head);
    }
}

/* Context: main loop (ioeventfd handler). */
static void nvme_sq_notified(EventNotifier *e)
{
    NvmeSQueue *sq = container_of(e, NvmeSQueue, notifier);

    if (event_notifier_test_and_clear(e)) {
        qemu_bh_schedule(sq->bh);
    }
}

/* Context: main loop (ioeventfd handler). */
static void nvme_cq_notified(EventNotifier *e)
{
    NvmeCQueue *cq = container_of(e, NvmeCQueue, notifier);

    if (event_notifier_test_and_clear(e)) {
        nvme_dbbuf_cq_refresh(cq->n, cq);
        nvme_cq_schedule(cq);
        nvme_irq_update(cq->n);
    }
}

/* Context: main loop. */
static bool nvme_notifier_add(NvmeCtrl *n, EventNotifier *e, hwaddr off,
                              EventNotifierHandler *handler)
{
    if (!n->params.ioeventfd || event_notifier_init(e, 0) < 0) {
        return false;
    }
    event_notifier_set_handler(e, handler);
    memory_region_add_eventfd(&n->db_mr, off, 4, false, 0, e);
    return true;
}

/* Context: main loop. */
static void nvme_notifier_del(NvmeCtrl *n, EventNotifier *e, hwaddr off)
{
    memory_region_del_eventfd(&n->db_mr, off, 4, false, 0, e);
    event_notifier_set_handler(e, NULL);
    event_notifier_cleanup(e);
}

/* Context: main loop.  Shadow an I/O SQ if a buffer is configured. */
void nvme_dbbuf_sq_init(NvmeCtrl *n, NvmeSQueue *sq)
{
    hwaddr off = nvme_db_offset(sq->sqid, false);

    if (!n->dbbuf_dbs || sq->sqid == 0 || sq->shadow) {
        return;
    }
    sq->shadow = true;
    sq->db_addr = n->dbbuf_dbs + off;
    sq->ei_addr = n->dbbuf_eis + off;
    nvme_dbbuf_write_ei(n, sq->ei_addr, sq->tail);
    sq->has_notifier = nvme_notifier_add(n, &sq->notifier, off,
                                         nvme_sq_notified);
}

/* Context: main loop.  Shadow an I/O CQ if a buffer is configured. */
void nvme_dbbuf_cq_init(NvmeCtrl *n, NvmeCQueue *cq)
{
    hwaddr off = nvme_db_offset(cq->cqid, true);

    if (!n->dbbuf_dbs || cq->cqid == 0 || cq->shadow) {
        return;
    }
    cq->shadow = true;
    cq->db_addr = n->dbbuf_dbs + off;
    cq->ei_addr = n->dbbuf_eis + off;
    cq->has_notifier = nvme_notifier_add(n, &cq->notifier, off,
                                         nvme_cq_notified);
}

/* Context: main loop.  Queue deletion. */
void nvme_dbbuf_sq_cleanup(NvmeCtrl *n, NvmeSQueue *sq)
{
    if (sq->has_notifier) {
        nvme_notifier_del(n, &sq->notifier, nvme_db_offset(sq->sqid, false));
        sq->has_notifier = false;
    }
}

/* Context: main loop.  Queue deletion. */
void nvme_dbbuf_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (cq->has_notifier) {
        nvme_notifier_del(n, &cq->notifier, nvme_db_offset(cq->cqid, true));
        cq->has_notifier = false;
    }
}

/*
 * Context: main loop.  Doorbell Buffer Config: PRP1 is the shadow doorbell
 * buffer, PRP2 the EventIdx buffer, both memory page aligned.  Queues that
 * exist already switch over at once.
 */
uint16_t nvme_admin_dbbuf_config(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t dbs = le64_to_cpu(req->cmd.dptr.prp1);
    uint64_t eis = le64_to_cpu(req->cmd.dptr.prp2);
    uint64_t mask = n->page_size - 1;

    if (NVME_CMD_FLAGS_PSDT(req->cmd.flags) != NVME_PSDT_PRP) {
        nvme_req_err_field(req, 1, 6);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (!dbs || !eis || (dbs & mask) || (eis & mask)) {
        nvme_req_err_field(req, dbs && !(dbs & mask) ? 32 : 24, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    n->dbbuf_dbs = dbs;
    n->dbbuf_eis = eis;
    trace_nvme_dbbuf_config(dbs, eis);
    for (uint32_t i = 1; i < n->num_queues; i++) {
        if (n->cq[i]) {
            nvme_dbbuf_cq_init(n, n->cq[i]);
        }
        if (n->sq[i]) {
            nvme_dbbuf_sq_init(n, n->sq[i]);
        }
    }
    return NVME_SUCCESS;
}

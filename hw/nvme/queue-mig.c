/*
 * NVMe queues in the migration stream: every submission and completion
 * queue (addresses, sizes, heads, tails, phase, vector), the completions
 * not posted yet and the commands to execute again (migration.c says
 * which commands those are and why).
 *
 * The stream holds flat records, built from the queues in pre_save and
 * checked in post_load before anything is created: a hostile or broken
 * stream fails the migration with a message naming the bad field, and
 * nothing is read or allocated out of bounds.  post_load touches no guest
 * memory (under postcopy it may not have arrived yet): rings, EventIdx
 * and interrupts wait for the VM to run.
 *
 * Context: main loop, VM stopped (queues frozen).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "migration/vmstate.h"
#include "cmem.h"
#include "ctrl.h"
#include "migration.h"
#include "queue-mig.h"
#include "queue.h"
#include "trace.h"

/* At most this many carried requests per list: plenty, and bounded. */
#define NVME_MIG_MAX_REQS   (1 << 20)

static const VMStateDescription nvme_vmstate_cq = {
    .name = "nvme-cq",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(cqid, NvmeCQMig),
        VMSTATE_UINT16(vector, NvmeCQMig),
        VMSTATE_BOOL(ien, NvmeCQMig),
        VMSTATE_UINT8(phase, NvmeCQMig),
        VMSTATE_UINT32(size, NvmeCQMig),
        VMSTATE_UINT32(head, NvmeCQMig),
        VMSTATE_UINT32(tail, NvmeCQMig),
        VMSTATE_UINT64(dma_addr, NvmeCQMig),
        VMSTATE_UINT32(coal_pending, NvmeCQMig),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription nvme_vmstate_sq = {
    .name = "nvme-sq",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(sqid, NvmeSQMig),
        VMSTATE_UINT16(cqid, NvmeSQMig),
        VMSTATE_UINT32(size, NvmeSQMig),
        VMSTATE_UINT32(head, NvmeSQMig),
        VMSTATE_UINT32(tail, NvmeSQMig),
        VMSTATE_UINT64(dma_addr, NvmeSQMig),
        VMSTATE_BOOL(fused_failed, NvmeSQMig),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription nvme_vmstate_done = {
    .name = "nvme-done",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(sqid, NvmeDoneMig),
        VMSTATE_UINT16(cid, NvmeDoneMig),
        VMSTATE_UINT16(status, NvmeDoneMig),
        VMSTATE_UINT32(result, NvmeDoneMig),
        VMSTATE_UINT64(err_seq, NvmeDoneMig),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription nvme_vmstate_replay = {
    .name = "nvme-replay",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(sqid, NvmeReplayMig),
        VMSTATE_UINT8_ARRAY(sqe, NvmeReplayMig, 64),
        VMSTATE_BOOL(zns_admitted, NvmeReplayMig),
        VMSTATE_UINT64(zns_lba, NvmeReplayMig),
        VMSTATE_END_OF_LIST()
    },
};

/* ---- save ---- */

/*
 * Context: main loop, queues frozen (their contexts ran a barrier and do
 * nothing until the thaw).  Record every CQ and its completions.
 */
static void nvme_queues_save_cqs(NvmeCtrl *n, NvmeQueuesMig *m)
{
    for (uint32_t i = 0; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];
        NvmeRequest *req;

        if (!cq) {
            continue;
        }
        m->cq = g_renew(NvmeCQMig, m->cq, m->nr_cq + 1);
        m->cq[m->nr_cq++] = (NvmeCQMig) {
            .cqid = cq->cqid, .vector = cq->vector, .ien = cq->ien,
            .phase = cq->phase, .size = cq->size, .head = cq->head,
            .tail = cq->tail, .dma_addr = cq->dma_addr,
            .coal_pending = cq->coal_pending,
        };
        QTAILQ_FOREACH(req, &cq->done, entry) {
            m->done = g_renew(NvmeDoneMig, m->done, m->nr_done + 1);
            m->done[m->nr_done++] = (NvmeDoneMig) {
                .sqid = req->sq->sqid, .cid = le16_to_cpu(req->cmd.cid),
                .status = req->status, .result = req->result,
                .err_seq = req->err_seq,
            };
        }
    }
}

/* Context: main loop, queues frozen.  Carry @req's command. */
static void nvme_queues_save_replay(NvmeQueuesMig *m, NvmeRequest *req)
{
    NvmeReplayMig *r;

    m->replay = g_renew(NvmeReplayMig, m->replay, m->nr_replay + 1);
    r = &m->replay[m->nr_replay++];
    r->sqid = req->sq->sqid;
    memcpy(r->sqe, &req->cmd, 64);
    /* a parked zoned write keeps its place (ioerr.c, zns.c) */
    r->zns_admitted = req->zns_admitted;
    r->zns_lba = req->zns_admitted ? req->zns_lba : 0;
}

/*
 * Context: main loop, queues frozen.  Record every SQ and the commands it
 * holds without I/O: those it carried from an earlier migration first,
 * then those in flight, in fetch order.  A command with backend I/O left
 * means the freeze did not drain: refuse rather than lose it.
 */
static int nvme_queues_save_sqs(NvmeCtrl *n, NvmeQueuesMig *m)
{
    for (uint32_t i = 0; i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];
        NvmeRequest *req;

        if (!sq) {
            continue;
        }
        m->sq = g_renew(NvmeSQMig, m->sq, m->nr_sq + 1);
        m->sq[m->nr_sq++] = (NvmeSQMig) {
            .sqid = sq->sqid, .cqid = sq->cqid, .size = sq->size,
            .head = sq->head, .tail = sq->tail, .dma_addr = sq->dma_addr,
            .fused_failed = sq->fused_failed,
        };
        QTAILQ_FOREACH(req, &sq->replay, entry) {
            nvme_queues_save_replay(m, req);
        }
        if (qatomic_read(&sq->busy_workers)) {
            error_report("nvme: sq %u still has I/O at the migration", i);
            return -EBUSY;
        }
        QTAILQ_FOREACH(req, &sq->inflight, entry) {
            if (!req->parked && (req->aiocb || req->outstanding > 0)) {
                error_report("nvme: sq %u cid %u still has I/O at the "
                             "migration", i, le16_to_cpu(req->cmd.cid));
                return -EBUSY;
            }
            nvme_queues_save_replay(m, req);
        }
    }
    return 0;
}

/* Context: main loop.  Drop the flat copies. */
static void nvme_queues_mig_free(NvmeQueuesMig *m)
{
    g_free(m->cq);
    g_free(m->sq);
    g_free(m->done);
    g_free(m->replay);
    m->cq = NULL;
    m->sq = NULL;
    m->done = NULL;
    m->replay = NULL;
    m->nr_cq = m->nr_sq = m->nr_done = m->nr_replay = 0;
}

static int nvme_queues_pre_save(void *opaque)
{
    NvmeCtrl *n = opaque;
    NvmeQueuesMig *m = &n->queues.mig;
    int ret;

    nvme_queues_mig_free(m);
    nvme_queues_save_cqs(n, m);
    ret = nvme_queues_save_sqs(n, m);
    m->irq_level = n->queues.irq_level;
    return ret;
}

static int nvme_queues_post_save(void *opaque)
{
    nvme_queues_mig_free(&((NvmeCtrl *)opaque)->queues.mig);
    return 0;
}

/* ---- load: checks ---- */

static bool nvme_mig_nr_cq_ok(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    return n->queues.mig.nr_cq >= 0 &&
           n->queues.mig.nr_cq <= n->queues.num;
}

static bool nvme_mig_nr_sq_ok(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    return n->queues.mig.nr_sq >= 0 &&
           n->queues.mig.nr_sq <= n->queues.num;
}

static bool nvme_mig_nr_done_ok(void *opaque, int version_id)
{
    int32_t nr = ((NvmeCtrl *)opaque)->queues.mig.nr_done;

    return nr >= 0 && nr <= NVME_MIG_MAX_REQS;
}

static bool nvme_mig_nr_replay_ok(void *opaque, int version_id)
{
    int32_t nr = ((NvmeCtrl *)opaque)->queues.mig.nr_replay;

    return nr >= 0 && nr <= NVME_MIG_MAX_REQS;
}

/* Whether a queue's ring at @addr of @entries fits the page rules. */
static bool nvme_mig_ring_ok(NvmeCtrl *n, uint64_t addr)
{
    return addr && !(addr & (n->regs.page_size - 1));
}

/* Index of the record of CQ @cqid, or -1. */
static int nvme_mig_find_cq(NvmeQueuesMig *m, uint16_t cqid)
{
    for (int32_t i = 0; i < m->nr_cq; i++) {
        if (m->cq[i].cqid == cqid) {
            return i;
        }
    }
    return -1;
}

/* Index of the record of SQ @sqid, or -1. */
static int nvme_mig_find_sq(NvmeQueuesMig *m, uint16_t sqid)
{
    for (int32_t i = 0; i < m->nr_sq; i++) {
        if (m->sq[i].sqid == sqid) {
            return i;
        }
    }
    return -1;
}

/* Check one CQ record against the controller's limits and registers. */
static int nvme_mig_check_cq(NvmeCtrl *n, NvmeQueuesMig *m, int32_t i)
{
    NvmeCQMig *c = &m->cq[i];
    uint32_t max = c->cqid ? n->params.mqes : 4096;

    if (c->cqid >= n->queues.num || nvme_mig_find_cq(m, c->cqid) != i) {
        return nvme_mig_bad(n, "CQ id %u invalid or twice", c->cqid);
    }
    if (c->size < 2 || c->size > max) {
        return nvme_mig_bad(n, "CQ %u size %u outside 2..%u", c->cqid,
                            c->size, max);
    }
    if (c->head >= c->size || c->tail >= c->size || c->phase > 1 ||
        c->coal_pending > c->size) {
        return nvme_mig_bad(n, "CQ %u head %u tail %u phase %u pending %u "
                            "do not fit size %u", c->cqid, c->head, c->tail,
                            c->phase, c->coal_pending, c->size);
    }
    if (c->vector >= n->params.msix_qsize || (!c->cqid && c->vector)) {
        return nvme_mig_bad(n, "CQ %u vector %u invalid", c->cqid, c->vector);
    }
    if (!nvme_mig_ring_ok(n, c->dma_addr) ||
        nvme_cmem_check(n, c->dma_addr, (uint64_t)c->size << NVME_CQES,
                        NVME_CMEM_QUEUE)) {
        return nvme_mig_bad(n, "CQ %u address 0x%" PRIx64 " invalid",
                            c->cqid, c->dma_addr);
    }
    if (!c->cqid && (c->dma_addr != n->regs.acq || !c->ien ||
                     c->size != ((n->regs.aqa >> 16) & 0xfff) + 1)) {
        return nvme_mig_bad(n, "admin CQ differs from ACQ/AQA");
    }
    return 0;
}

/* Check one SQ record. */
static int nvme_mig_check_sq(NvmeCtrl *n, NvmeQueuesMig *m, int32_t i)
{
    NvmeSQMig *s = &m->sq[i];
    uint32_t max = s->sqid ? n->params.mqes : 4096;

    if (s->sqid >= n->queues.num || nvme_mig_find_sq(m, s->sqid) != i) {
        return nvme_mig_bad(n, "SQ id %u invalid or twice", s->sqid);
    }
    if (nvme_mig_find_cq(m, s->cqid) < 0 || !s->sqid != !s->cqid) {
        return nvme_mig_bad(n, "SQ %u names CQ %u", s->sqid, s->cqid);
    }
    if (s->size < 2 || s->size > max) {
        return nvme_mig_bad(n, "SQ %u size %u outside 2..%u", s->sqid,
                            s->size, max);
    }
    if (s->head >= s->size || s->tail >= s->size) {
        return nvme_mig_bad(n, "SQ %u head %u tail %u do not fit size %u",
                            s->sqid, s->head, s->tail, s->size);
    }
    if (!nvme_mig_ring_ok(n, s->dma_addr) ||
        nvme_cmem_check(n, s->dma_addr, (uint64_t)s->size << NVME_SQES,
                        NVME_CMEM_QUEUE)) {
        return nvme_mig_bad(n, "SQ %u address 0x%" PRIx64 " invalid",
                            s->sqid, s->dma_addr);
    }
    if (!s->sqid && (s->dma_addr != n->regs.asq ||
                     s->size != (n->regs.aqa & 0xfff) + 1)) {
        return nvme_mig_bad(n, "admin SQ differs from ASQ/AQA");
    }
    return 0;
}

/*
 * Check the carried requests: each names an SQ that exists, and no SQ
 * holds more than its request pool (one per entry).
 */
static int nvme_mig_check_reqs(NvmeCtrl *n, NvmeQueuesMig *m)
{
    g_autofree uint32_t *used = g_new0(uint32_t, m->nr_sq);

    for (int32_t i = 0; i < m->nr_done + m->nr_replay; i++) {
        uint16_t sqid = i < m->nr_done ? m->done[i].sqid
                                       : m->replay[i - m->nr_done].sqid;
        int s = nvme_mig_find_sq(m, sqid);

        if (s < 0) {
            return nvme_mig_bad(n, "a carried command names SQ %u, which "
                                "does not exist", sqid);
        }
        if (++used[s] > m->sq[s].size) {
            return nvme_mig_bad(n, "SQ %u carries more commands than it "
                                "has entries", sqid);
        }
    }
    return 0;
}

/* Check everything the stream says about queues, before creating any. */
static int nvme_mig_check_queues(NvmeCtrl *n, NvmeQueuesMig *m)
{
    bool enabled = FIELD_EX32(n->regs.csts, CSTS, RDY) &&
                   FIELD_EX32(n->regs.cc, CC, EN);
    int ret = 0;

    if (!enabled && (m->nr_cq || m->nr_sq)) {
        return nvme_mig_bad(n, "queues while the controller is disabled");
    }
    if (enabled && (nvme_mig_find_cq(m, 0) < 0 ||
                    nvme_mig_find_sq(m, 0) < 0)) {
        return nvme_mig_bad(n, "enabled controller without admin queues");
    }
    for (int32_t i = 0; i < m->nr_cq && !ret; i++) {
        ret = nvme_mig_check_cq(n, m, i);
    }
    for (int32_t i = 0; i < m->nr_sq && !ret; i++) {
        ret = nvme_mig_check_sq(n, m, i);
    }
    return ret ? ret : nvme_mig_check_reqs(n, m);
}

/* ---- load: rebuild ---- */

/* A request of SQ @sqid's pool for a carried command, off every list. */
static NvmeRequest *nvme_mig_take_req(NvmeCtrl *n, uint16_t sqid)
{
    NvmeSQueue *sq = n->queues.sq[sqid];
    NvmeRequest *req = QTAILQ_FIRST(&sq->free_reqs);

    QTAILQ_REMOVE(&sq->free_reqs, req, entry);
    return req;
}

/* Create the queues and carried requests of checked records. */
static void nvme_mig_build_queues(NvmeCtrl *n, NvmeQueuesMig *m)
{
    for (int32_t i = 0; i < m->nr_cq; i++) {
        NvmeCQMig *c = &m->cq[i];
        NvmeCQueue *cq;

        nvme_queue_create_cq(n, c->cqid, c->dma_addr, c->size, c->vector,
                             c->ien);
        cq = n->queues.cq[c->cqid];
        cq->head = c->head;
        cq->tail = c->tail;
        cq->phase = c->phase;
        cq->coal_pending = c->coal_pending;
    }
    for (int32_t i = 0; i < m->nr_sq; i++) {
        NvmeSQMig *s = &m->sq[i];
        NvmeSQueue *sq;

        nvme_queue_create_sq(n, s->sqid, s->cqid, s->dma_addr, s->size);
        sq = n->queues.sq[s->sqid];
        sq->head = s->head;
        sq->tail = s->tail;
        sq->fused_failed = s->fused_failed;
    }
    for (int32_t i = 0; i < m->nr_done; i++) {
        NvmeDoneMig *d = &m->done[i];
        NvmeRequest *req = nvme_mig_take_req(n, d->sqid);

        req->cmd.cid = cpu_to_le16(d->cid);
        req->status = d->status;
        req->result = d->result;
        req->err_seq = d->err_seq;
        QTAILQ_INSERT_TAIL(&n->queues.cq[req->sq->cqid]->done, req, entry);
        n->queues.hooks->adopted(req);  /* as if dispatched here */
    }
    for (int32_t i = 0; i < m->nr_replay; i++) {
        NvmeReplayMig *r = &m->replay[i];
        NvmeRequest *req = nvme_mig_take_req(n, r->sqid);

        memcpy(&req->cmd, r->sqe, sizeof(req->cmd));
        req->zns_admitted = r->zns_admitted;    /* zns.c checks zns_lba */
        req->zns_lba = r->zns_lba;
        QTAILQ_INSERT_TAIL(&req->sq->replay, req, entry);
    }
    n->queues.irq_level = m->irq_level;
}

static int nvme_queues_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeQueuesMig *m = &n->queues.mig;
    int ret = nvme_mig_check_queues(n, m);

    if (!ret) {
        nvme_mig_build_queues(n, m);
        trace_nvme_mig_queues(m->nr_cq, m->nr_sq, m->nr_done, m->nr_replay);
    }
    nvme_queues_mig_free(m);
    return ret;
}

const VMStateDescription nvme_vmstate_queues = {
    .name = "nvme/queues",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_queues_pre_save,
    .post_save = nvme_queues_post_save,
    .post_load = nvme_queues_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_INT32(queues.mig.nr_cq, NvmeCtrl),
        VMSTATE_VALIDATE("CQ count within max_ioqpairs + 1",
                         nvme_mig_nr_cq_ok),
        VMSTATE_STRUCT_VARRAY_ALLOC(queues.mig.cq, NvmeCtrl,
                                    queues.mig.nr_cq, 1, nvme_vmstate_cq,
                                    NvmeCQMig),
        VMSTATE_INT32(queues.mig.nr_sq, NvmeCtrl),
        VMSTATE_VALIDATE("SQ count within max_ioqpairs + 1",
                         nvme_mig_nr_sq_ok),
        VMSTATE_STRUCT_VARRAY_ALLOC(queues.mig.sq, NvmeCtrl,
                                    queues.mig.nr_sq, 1, nvme_vmstate_sq,
                                    NvmeSQMig),
        VMSTATE_INT32(queues.mig.nr_done, NvmeCtrl),
        VMSTATE_VALIDATE("unposted completions bounded",
                         nvme_mig_nr_done_ok),
        VMSTATE_STRUCT_VARRAY_ALLOC(queues.mig.done, NvmeCtrl,
                                    queues.mig.nr_done, 1, nvme_vmstate_done,
                                    NvmeDoneMig),
        VMSTATE_INT32(queues.mig.nr_replay, NvmeCtrl),
        VMSTATE_VALIDATE("carried commands bounded", nvme_mig_nr_replay_ok),
        VMSTATE_STRUCT_VARRAY_ALLOC(queues.mig.replay, NvmeCtrl,
                                    queues.mig.nr_replay, 1,
                                    nvme_vmstate_replay, NvmeReplayMig),
        VMSTATE_BOOL(queues.mig.irq_level, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

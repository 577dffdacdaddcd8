/*
 * NVM command set I/O: Read, Write, Flush.
 *
 * Data moves between guest memory and the block backend in place: the
 * request's QEMUSGList is mapped into its iovec and a coroutine runs the
 * block I/O on it, then completes the request through the single
 * completion path.  Only an SGL read with bit buckets takes dma.c's
 * bounce path.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/coroutine.h"
#include "block/aio.h"
#include "block/aio-wait.h"
#include "system/block-backend.h"
#include "atomic.h"
#include "bounds.h"
#include "ctrl.h"
#include "dma.h"
#include "fdp.h"
#include "ioerr.h"
#include "ns.h"
#include "nvm-meta.h"
#include "nvm.h"
#include "queue.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

/* Context: queue (block layer callback).  Account and complete. */
static void nvme_nvm_rw_cb(void *opaque, int ret)
{
    NvmeRequest *req = opaque;
    BlockAcctStats *stats = blk_get_stats(req->ns->blk);
    uint16_t status = NVME_SUCCESS;

    req->aiocb = NULL;
    if (ret < 0) {
        block_acct_failed(stats, &req->acct);
        req->err_lba = req->slba;
        status = nvme_io_error(req, req->ns, ret, !req->is_write, true);
        if (status == NVME_NO_COMPLETE) {
            return;             /* parked until the VM runs again */
        }
    } else {
        block_acct_done(stats, &req->acct);
        if (req->is_write) {
            nvme_unc_clear(req->ns, req->slba, req->nlb);
        }
        nvme_stats_io(req, req->is_write ? NVME_STATS_WRITE : NVME_STATS_READ,
                      req->nlb);
    }
    trace_nvme_io_done(le16_to_cpu(req->cmd.cid), req->is_write, ret);
    nvme_req_complete(req, status);
}

/*
 * Worker coroutines of an SQ: each runs one Read or Write at a time, then
 * waits on the SQ's idle list for the next one.  A queue whose backend
 * answers at once reuses a single coroutine: no coroutine creation and no
 * allocation per command (QEMU's coroutine pool frees and allocates a
 * batch on every cycle when it holds one coroutine).  A burst of
 * concurrent I/O creates more; those beyond NVME_IDLE_WORKERS end.
 *
 * Within an SQ pass the commands only queue their I/O (sq->io_ready);
 * the pass's end enters a worker, which runs them one after the other
 * for as long as the backend answers at once: one coroutine switch per
 * pass instead of two per command.  A command whose I/O waits leaves the
 * rest to the next worker.  Outside a pass (a resumed command) the I/O
 * starts at once.
 */
#define NVME_IDLE_WORKERS   16

struct NvmeWorker {
    Coroutine *co;
    NvmeSQueue *sq;
    NvmeRequest *req;           /* the command to run next */
    bool quit;                  /* the SQ goes away */
    QSLIST_ENTRY(NvmeWorker) next;
};

/*
 * Context: coroutine in the queue's context.  The backend I/O on guest RAM that
 * nvme_dma_map_iov mapped; the mappings go before the completion.
 */
static void coroutine_fn nvme_nvm_rw_co(NvmeRequest *req)
{
    BlockBackend *blk = req->ns->blk;
    int64_t offset = (int64_t)req->slba << req->ns->lbads;
    int ret;

    if (req->is_write) {
        ret = blk_co_pwritev(blk, offset, req->iov.size, &req->iov,
                             req->fua ? BDRV_REQ_FUA : 0);
    } else {
        ret = blk_co_preadv(blk, offset, req->iov.size, &req->iov, 0);
    }
    nvme_dma_unmap_iov(req);
    nvme_nvm_rw_cb(req, ret);
}

/* Context: queue.  The next I/O a pass of @sq left to its end, or NULL. */
static NvmeRequest *nvme_io_ready_pop(NvmeSQueue *sq)
{
    NvmeRequest *req = QSIMPLEQ_FIRST(&sq->io_ready);

    if (req) {
        QSIMPLEQ_REMOVE_HEAD(&sq->io_ready, io_link);
    }
    return req;
}

/*
 * Context: coroutine in the queue's context.  A worker's life: run its command,
 * go idle (the SQ is still there: deletion drains first and then stops
 * the idle workers), wait to be entered again.
 */
static void coroutine_fn nvme_worker_co(void *opaque)
{
    NvmeWorker *w = opaque;

    while (!w->quit) {
        NvmeRequest *req = w->req;
        NvmeSQueue *sq = w->sq;
        bool keep;

        w->req = NULL;
        do {
            nvme_nvm_rw_co(req);
        } while ((req = nvme_io_ready_pop(sq)));   /* the pass's others */
        keep = sq->n_idle_workers < NVME_IDLE_WORKERS;
        if (keep) {
            QSLIST_INSERT_HEAD(&sq->idle_workers, w, next);
            sq->n_idle_workers++;
        }
        /*
         * Only now is the worker done with the SQ: the I/O left the block
         * layer (a drain may end) before the completion and the idle list
         * above, which an SQ deletion in another thread must not overtake
         * (nvme_sq_busy() waits for this).
         */
        qatomic_dec(&sq->busy_workers);
        nvme_sq_wait_kick(sq);
        if (!keep) {
            break;
        }
        qemu_coroutine_yield();
    }
    g_free(w);
}

/*
 * Context: queue.  Run @req's I/O on an idle worker of its SQ, or a
 * new one.  It may complete the request before this returns.
 */
static void nvme_worker_enter(NvmeSQueue *sq, NvmeRequest *req)
{
    NvmeWorker *w = QSLIST_FIRST(&sq->idle_workers);

    if (w) {
        QSLIST_REMOVE_HEAD(&sq->idle_workers, next);
        sq->n_idle_workers--;
    } else {
        w = g_new0(NvmeWorker, 1);
        w->sq = sq;
        w->co = qemu_coroutine_create(nvme_worker_co, w);
    }
    w->req = req;
    qatomic_inc(&sq->busy_workers);     /* until the worker is idle again */
    aio_co_enter(qemu_get_current_aio_context(), w->co);
}

/*
 * Context: queue.  @req's I/O: at the end of its SQ's pass, or now.  It
 * may complete the request before this returns.
 */
static void nvme_worker_run(NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;

    if (sq->pass_depth) {
        QSIMPLEQ_INSERT_TAIL(&sq->io_ready, req, io_link);
        return;
    }
    nvme_worker_enter(sq, req);
}

/*
 * Context: queue (the end of an SQ pass).  Workers run the I/O the pass's
 * commands queued; a worker takes the next one itself when its command's
 * I/O did not wait.
 */
void nvme_nvm_pass_end(NvmeSQueue *sq)
{
    NvmeRequest *req;

    while ((req = nvme_io_ready_pop(sq))) {
        nvme_worker_enter(sq, req);
    }
}

/*
 * Context: the SQ's context, SQ deletion after the drain (an iothread
 * queue's from a oneshot bottom half there): every worker is idle and has
 * yielded.  Each one leaves its loop and ends here.
 */
void nvme_nvm_workers_stop(NvmeSQueue *sq)
{
    NvmeWorker *w;

    while ((w = QSLIST_FIRST(&sq->idle_workers))) {
        QSLIST_REMOVE_HEAD(&sq->idle_workers, next);
        sq->n_idle_workers--;
        w->quit = true;
        aio_co_enter(qemu_get_current_aio_context(), w->co);
    }
}

/* Context: main loop.  dma_blk_io's per-chunk I/O, carrying FUA. */
static BlockAIOCB *nvme_nvm_io(int64_t offset, QEMUIOVector *iov,
                               BlockCompletionFunc *cb, void *cb_opaque,
                               void *opaque)
{
    NvmeRequest *req = opaque;

    if (req->is_write) {
        return blk_aio_pwritev(req->ns->blk, offset, iov,
                               req->fua ? BDRV_REQ_FUA : 0, cb, cb_opaque);
    }
    return blk_aio_preadv(req->ns->blk, offset, iov, 0, cb, cb_opaque);
}

/* Context: main loop.  Parse and check a Read or Write. */
static uint16_t nvme_nvm_rw_parse(NvmeCtrl *n, NvmeRequest *req,
                                  uint32_t *len)
{
    NvmeRwCmd *rw = (NvmeRwCmd *)&req->cmd;
    NvmeNamespace *ns = req->ns;
    uint16_t control = le16_to_cpu(rw->control);
    uint64_t bytes;

    req->slba = le64_to_cpu(rw->slba);
    req->nlb = le16_to_cpu(rw->nlb) + 1;
    req->fua = control & NVME_RW_FUA;
    if (!nvme_lba_range_ok(ns->nlbas, req->slba, req->nlb)) {
        req->err_lba = req->slba;
        nvme_req_err_field(req, 40, 0);
        return NVME_LBA_RANGE | NVME_DNR;
    }
    /* 65536 blocks of 64 KiB are 4 GiB: 64 bits until checked */
    bytes = (uint64_t)req->nlb << ns->lbads;
    if (!nvme_xfer_ok(bytes, n->params.mdts)) {
        nvme_req_err_field(req, 48, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    *len = bytes;
    if (req->is_write && !blk_is_writable(ns->blk)) {
        return NVME_NS_WRITE_PROTECTED | NVME_DNR;
    }
    return req->is_write ? nvme_fdp_write_check(req) : NVME_SUCCESS;
}

/*
 * Context: queue.  A parsed Read or Write whose LBA range is held
 * (atomic.c): move the data.
 */
static uint16_t nvme_nvm_rw_start(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns = req->ns;
    DMADirection dir = req->is_write ? DMA_DIRECTION_TO_DEVICE
                                     : DMA_DIRECTION_FROM_DEVICE;
    uint32_t len = req->nlb << ns->lbads;
    uint16_t status = NVME_SUCCESS;

    if (!req->is_write) {
        /* blocks marked by Write Uncorrectable (nvm-range.c) */
        status = nvme_unc_check(req, req->slba, req->nlb);
    }
    if (!status && !req->is_write && ns->zoned) {
        status = nvme_zns_read_check(req, req->slba, req->nlb);   /* zns.c */
    }
    if (!status && ns->ms) {
        return nvme_nvm_rw_meta(n, req);    /* nvm-meta.c */
    }
    if (!status) {
        status = nvme_dma_map(n, req, len);
    }
    if (status) {
        return status;
    }
    if (!req->sg_holes) {
        status = nvme_dma_map_iov(req, dir);
        if (status) {
            return status;
        }
    }
    if (req->is_write && ns->zoned) {
        /* last: it moves the write pointer (zns.c) */
        status = nvme_zns_write_admit(req, &req->slba, req->nlb,
                                      req->zns_append);
        if (status) {
            return status;
        }
    }
    trace_nvme_rw(le16_to_cpu(req->cmd.cid), req->is_write, req->slba,
                  req->nlb);
    block_acct_start(blk_get_stats(ns->blk), &req->acct, len,
                     req->is_write ? BLOCK_ACCT_WRITE : BLOCK_ACCT_READ);
    if (req->sg_holes) {        /* an SGL read with bit buckets: bounce */
        req->aiocb = nvme_dma_blk_io(req, req->slba << ns->lbads, ns->lbasz,
                                     nvme_nvm_io, req, nvme_nvm_rw_cb, req,
                                     dir);
        return NVME_NO_COMPLETE;
    }
    /*
     * A coroutine of our own instead of blk_aio_*(): no AIOCB allocation
     * and no completion bottom half per command.  It may complete the
     * request before this returns; nothing below touches it.
     */
    nvme_worker_run(req);
    return NVME_NO_COMPLETE;
}

/* Context: queue.  The overlap lock granted the range of a waiting one. */
static void nvme_nvm_rw_resume(NvmeRequest *req)
{
    uint16_t status = nvme_nvm_rw_start(nvme_req_ctrl(req), req);

    if (status != NVME_NO_COMPLETE) {
        nvme_req_complete(req, status);
    }
}

/*
 * Context: queue.  Hold the LBA range in the namespace's overlap lock
 * (atomic.c: a write within the atomic unit goes alone), then move data.
 */
static uint16_t nvme_nvm_rw(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t len;
    uint16_t status;

    status = nvme_nvm_rw_parse(n, req, &len);
    if (status) {
        return status;
    }
    if (nvme_atomic_hold(req, req->slba, req->nlb, req->is_write,
                         nvme_nvm_rw_resume)) {
        return NVME_NO_COMPLETE;
    }
    return nvme_nvm_rw_start(n, req);
}

/* Context: main loop. */
uint16_t nvme_nvm_read(NvmeCtrl *n, NvmeRequest *req)
{
    req->is_write = false;
    return nvme_nvm_rw(n, req);
}

/* Context: main loop. */
uint16_t nvme_nvm_write(NvmeCtrl *n, NvmeRequest *req)
{
    req->is_write = true;
    return nvme_nvm_rw(n, req);
}

/* Context: queue.  One backend flush finished; the last completes. */
static void nvme_nvm_flush_cb(void *opaque, int ret)
{
    NvmeRequest *req = opaque;

    if (ret < 0 && req->status == NVME_SUCCESS) {
        req->status = nvme_status_from_errno(ret, true);
    }
    if (--req->outstanding == 0) {
        nvme_req_complete(req, req->status);
    }
}

/*
 * Context: main loop.  NSID 0xFFFFFFFF flushes every namespace (VWC
 * advertises broadcast support); the extra reference held across the
 * submissions keeps a synchronous callback from completing early.
 */
uint16_t nvme_nvm_flush(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    if (nsid != NVME_NSID_BROADCAST && nvme_nsid_status(n, nsid)) {
        nvme_req_err_field(req, 4, 0);
        return nvme_nsid_status(n, nsid);
    }
    req->outstanding = 1;
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = n->ns[i];

        if (ns && (nsid == NVME_NSID_BROADCAST || i == nsid)) {
            req->outstanding++;
            if (ns->zoned) {
                /* zone state before the flush (zns-store.c) */
                nvme_zns_flush(ns, nvme_nvm_flush_cb, req);
            } else {
                blk_aio_flush(ns->blk, nvme_nvm_flush_cb, req);
            }
        }
    }
    nvme_nvm_flush_cb(req, 0);
    return NVME_NO_COMPLETE;
}

/*
 * NVMe reservations: Preempt and Abort (Reservation Acquire, RACQA 010b)
 * aborts the commands the preempted hosts sent to the namespace that have
 * not completed; they complete with Command Aborted due to Preempt and
 * Abort, and the Acquire completes after them.
 *
 * Those commands sit on I/O queues of other controllers, possibly in
 * other iothreads, so the Acquire handler (in its own queue's context)
 * only preempts and hands a job to the main loop, which owns the
 * controller and queue tables.  There the sweep quiesces each preempted
 * host's controller: its iothread queues stand still and their backend
 * I/O is drained, so the main loop may touch their requests (queue.c).
 * Requests for the namespace that completed but were not posted get the
 * abort status; the ones still running are marked (req->aborted), so
 * they complete with it and a command of several backend requests stops
 * at the next one; the sweep waits until none of them is busy any more.
 * Commands that have not started (behind a fused pair, parked by a
 * stopping error policy) complete with the status when they would run.
 * Then the controllers resume and the Acquire completes, with its own
 * controller quiesced for that moment if its queue is an iothread's.
 *
 * A queue deletion that drops the waiting Acquire (a reset) unhooks it
 * from the job; the preemption itself has happened either way.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "block/aio-wait.h"
#include "ctrl.h"
#include "event.h"
#include "iothread.h"
#include "ns.h"
#include "queue.h"
#include "resv.h"
#include "subsys.h"
#include "types.h"
#include "trace.h"

struct NvmeResvAbort {
    NvmeRequest *acq;           /* the waiting Acquire, NULL once dropped */
    NvmeCtrl *acq_ctrl;
    NvmeSubsys *s;
    NvmeNamespace *ns;          /* identity only once the wait begins */
    uint32_t nsid;
    uint32_t nhosts;
    NvmeResvReg hosts[NVME_RESV_MAX_REGS];
    uint32_t aborted;           /* commands given the abort status */
};

/* Context: main loop.  Whether @c belongs to a preempted host. */
static bool nvme_resv_abort_target(NvmeResvAbort *job, NvmeCtrl *c)
{
    if (!c || c->ns[job->nsid] != job->ns) {
        return false;
    }
    for (uint32_t i = 0; i < job->nhosts; i++) {
        if (nvme_resv_is_host(c, &job->hosts[i])) {
            return true;
        }
    }
    return false;
}

/* Context: main loop.  Whether @req is a command for the job's namespace. */
static bool nvme_resv_abort_match(NvmeResvAbort *job, NvmeRequest *req)
{
    return req != job->acq &&
           (req->ns == job->ns ||
            le32_to_cpu(req->cmd.nsid) == job->nsid);
}

/*
 * Context: main loop, @c quiesced.  Mark the commands of @c's I/O queues
 * for the namespace: completed ones not yet posted take the abort status
 * now, running or waiting ones when they complete.
 */
static void nvme_resv_abort_mark(NvmeResvAbort *job, NvmeCtrl *c)
{
    for (uint32_t q = 1; q < c->queues.num; q++) {
        NvmeSQueue *sq = c->queues.sq[q];
        NvmeCQueue *cq = sq ? c->queues.cq[sq->cqid] : NULL;
        NvmeRequest *req;

        if (!sq) {
            continue;
        }
        QTAILQ_FOREACH(req, &sq->inflight, entry) {
            if (nvme_resv_abort_match(job, req) && !req->aborted) {
                req->aborted = NVME_CMD_ABORTED_PREEMPT;
                job->aborted++;
                trace_nvme_resv_abort_cmd(c->cntlid, q,
                                          le16_to_cpu(req->cmd.cid));
            }
        }
        QTAILQ_FOREACH(req, &cq->done, entry) {
            if (req->sq == sq && nvme_resv_abort_match(job, req) &&
                req->status != NVME_CMD_ABORTED_PREEMPT) {
                req->status = NVME_CMD_ABORTED_PREEMPT;
                nvme_log_error(c, req);
                job->aborted++;
                trace_nvme_resv_abort_cmd(c->cntlid, q,
                                          le16_to_cpu(req->cmd.cid));
            }
        }
    }
}

/*
 * Context: main loop, @c quiesced: its iothread queues stand still, so
 * their lists are the main loop's to read.  Does a marked command of @c
 * still run?
 */
static bool nvme_resv_abort_busy(NvmeCtrl *c)
{
    for (uint32_t q = 1; q < c->queues.num; q++) {
        NvmeSQueue *sq = c->queues.sq[q];
        NvmeRequest *req;
        bool marked = false;

        if (!sq) {
            continue;
        }
        QTAILQ_FOREACH(req, &sq->inflight, entry) {
            marked |= req->aborted != 0;
        }
        if (marked && nvme_sq_busy(sq)) {
            return true;
        }
    }
    return false;
}

/* Context: main loop.  The preemption is complete: so is the Acquire. */
static void nvme_resv_abort_finish(NvmeResvAbort *job)
{
    NvmeRequest *acq = job->acq;
    NvmeCtrl *n = job->acq_ctrl;

    trace_nvme_resv_preempt_abort(job->nsid, job->nhosts, job->aborted,
                                  acq != NULL);
    if (!acq) {
        return;                 /* dropped with its queue */
    }
    nvme_io_quiesce(n);
    acq->resv_wait = NULL;
    job->acq = NULL;
    nvme_req_complete(acq, NVME_SUCCESS);
    nvme_io_resume(n);
}

/*
 * Context: main loop (bottom half).  Abort the preempted hosts' commands,
 * wait for the running ones, then complete the Acquire.
 */
static void nvme_resv_abort_sweep(void *opaque)
{
    NvmeResvAbort *job = opaque;
    NvmeCtrl *held[NVME_SUBSYS_MAX_CTRLS];
    unsigned nheld = 0;

    for (unsigned id = 0; id < NVME_SUBSYS_MAX_CTRLS; id++) {
        NvmeCtrl *c = job->s->ctrls[id];

        if (nvme_resv_abort_target(job, c)) {
            nvme_io_quiesce(c);
            held[nheld++] = c;
            nvme_resv_abort_mark(job, c);
        }
    }
    for (unsigned i = 0; i < nheld; i++) {
        AIO_WAIT_WHILE(NULL, nvme_resv_abort_busy(held[i]));
    }
    for (unsigned i = 0; i < nheld; i++) {
        nvme_io_resume(held[i]);
    }
    nvme_resv_abort_finish(job);
    g_free(job);
}

/*
 * Context: queue (the Acquire's handler).  @req preempted the @nhosts
 * registrants @hosts on its namespace with Preempt and Abort: abort their
 * commands there before completing.
 */
uint16_t nvme_resv_abort_start(NvmeRequest *req, const NvmeResvReg *hosts,
                               uint32_t nhosts)
{
    NvmeResvAbort *job = g_new0(NvmeResvAbort, 1);

    job->acq = req;
    job->acq_ctrl = nvme_req_ctrl(req);
    job->s = req->ns->subsys;
    job->ns = req->ns;
    job->nsid = req->ns->nsid;
    job->nhosts = nhosts;
    memcpy(job->hosts, hosts, nhosts * sizeof(hosts[0]));
    req->resv_wait = job;
    aio_bh_schedule_oneshot(qemu_get_aio_context(), nvme_resv_abort_sweep,
                            job);
    return NVME_NO_COMPLETE;
}

/*
 * Context: main loop (queue deletion; the queue is quiesced).  The waiting
 * Acquire @req is dropped without a completion.
 */
void nvme_resv_abort_dropped(NvmeRequest *req)
{
    req->resv_wait->acq = NULL;
    req->resv_wait = NULL;
}

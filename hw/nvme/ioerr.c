/*
 * NVMe backend errors: the one place errno values become NVMe statuses,
 * and the drive's rerror/werror policy (report, ignore, stop, enospc).
 *
 * With "stop" the VM pauses on the error (QMP BLOCK_IO_ERROR, run state
 * io-error) and the command is parked; when the VM runs again it is
 * executed anew from its submission entry, so the guest sees one correct
 * completion and nothing it was told is done gets lost.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "system/runstate.h"
#include "system/block-backend.h"
#include "atomic.h"
#include "ctrl.h"
#include "gate.h"
#include "ioerr.h"
#include "ns.h"
#include "queue.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

/* Context: any.  EIO is a media error: Unrecovered Read Error / Write Fault. */
uint16_t nvme_status_from_errno(int ret, bool is_write)
{
    switch (ret) {
    case 0:
        return NVME_SUCCESS;
    case -EIO:
        return is_write ? NVME_WRITE_FAULT : NVME_UNRECOVERED_READ;
    case -ENOSPC:
        return NVME_CAP_EXCEEDED | NVME_DNR;
    case -EACCES:
    case -EPERM:
    case -EROFS:
        return NVME_NS_WRITE_PROTECTED | NVME_DNR;
    case -EFAULT:
        return NVME_DATA_TRAS_ERROR;
    case -ECANCELED:
        return NVME_CMD_ABORT_REQ;
    default:
        return NVME_INTERNAL_DEV_ERROR;
    }
}

/*
 * Context: queue.  Apply @ns's error policy to a failed backend
 * operation of @req.  Returns the completion status, or NVME_NO_COMPLETE
 * when the request was parked until the VM resumes (only if @can_retry:
 * commands whose failure may be re-executed from scratch).
 */
uint16_t nvme_io_error(NvmeRequest *req, NvmeNamespace *ns, int ret,
                       bool is_read, bool can_retry)
{
    BlockErrorAction action = blk_get_error_action(ns->blk, is_read, -ret);
    uint16_t status;

    /* a fused write is not run again alone: its pair owns the gate */
    if (action == BLOCK_ERROR_ACTION_STOP &&
        (!can_retry || NVME_CMD_FLAGS_FUSE(req->cmd.flags))) {
        action = BLOCK_ERROR_ACTION_REPORT;
    }
    trace_nvme_io_error(le16_to_cpu(req->cmd.cid), ret, action);
    blk_error_action(ns->blk, action, is_read, -ret);
    switch (action) {
    case BLOCK_ERROR_ACTION_STOP:
        /*
         * A parked command holds nothing of its namespace, which may go
         * before the VM runs again: it leaves the write gate and the
         * overlap lock, and takes them anew when run again (dispatch.c).
         */
        nvme_gate_release(req);
        nvme_atomic_release(req);
        nvme_req_park(req);     /* its SQ runs it again (queue.c) */
        return NVME_NO_COMPLETE;
    case BLOCK_ERROR_ACTION_IGNORE:
        return NVME_SUCCESS;
    default:
        status = nvme_status_from_errno(ret, !is_read);
        if (status == NVME_WRITE_FAULT || status == NVME_UNRECOVERED_READ) {
            nvme_stats_media_error(req, ns);
        }
        if (status == NVME_UNRECOVERED_READ) {
            nvme_media_error_mark(req, ns);     /* nvm-range.c: log 0Eh */
        }
        return status;
    }
}

/*
 * Context: main loop (VM run state change).  Parked commands wait on
 * their SQ, which runs them again in its own context once the VM runs:
 * every queue is told to look.
 */
static void nvme_io_vm_state(void *opaque, bool running, RunState state)
{
    NvmeCtrl *n = opaque;

    if (running) {
        nvme_queue_kick_all(n);
    }
}

/* Context: main loop (realize). */
void nvme_io_error_init(NvmeCtrl *n)
{
    n->ioerr.vmstate_change =
        qemu_add_vm_change_state_handler(nvme_io_vm_state, n);
}

/* Context: main loop (unrealize). */
void nvme_io_error_cleanup(NvmeCtrl *n)
{
    qemu_del_vm_change_state_handler(n->ioerr.vmstate_change);
}

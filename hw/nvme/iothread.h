/*
 * I/O queues in iothreads (iothread.c): which AioContext runs each I/O
 * queue id, quiesce / resume of a controller's queues, the fence that
 * waits out a namespace's commands, and the hand-over of a fatal error to
 * the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_IOTHREAD_H
#define HW_NVME_IOTHREAD_H

#include "qemu/main-loop.h"
#include "block/aio.h"
#include "types.h"

/*
 * Controller state (NvmeCtrl.iot); set up at realize.  @stopped is
 * written by the main loop and read by the queues (atomic); @fatal_why
 * is set once by whichever queue sees a fatal error (cmpxchg) and taken
 * by the main loop's bottom half.  The rest is main loop only.
 */
typedef struct NvmeIothreads {
    AioContext **qctx;          /* per I/O queue id: NULL = main loop */
    struct IOThread **threads;  /* referenced, distinct */
    uint32_t nr;
    bool stopped;               /* quiesced: iothread queues stand still */
    uint32_t quiesce_depth;
    const char *fatal_why;      /* fatal status from an iothread */
    QEMUBH *fatal_bh;
} NvmeIothreads;

bool nvme_iothreads_setup(NvmeCtrl *n, Error **errp);
void nvme_iothreads_cleanup(NvmeCtrl *n);
AioContext *nvme_queue_ctx(NvmeCtrl *n, uint16_t cqid);
bool nvme_sq_busy(NvmeSQueue *sq);
void nvme_ns_drain_all(NvmeCtrl *n);
bool nvme_ns_in_drain(NvmeCtrl *n);
void nvme_io_quiesce(NvmeCtrl *n);
void nvme_io_resume(NvmeCtrl *n);
void nvme_io_barrier(AioContext *ctx);
void nvme_io_barrier_all(NvmeCtrl *n);
void nvme_ns_fence(NvmeCtrl *n, NvmeNamespace *ns);
void nvme_ns_fence_all(NvmeNamespace *ns);
bool nvme_admin_quiesces(uint8_t opcode);

/* Context: any.  An I/O queue handled outside the main loop. */
static inline bool nvme_ctx_is_iothread(AioContext *ctx)
{
    return ctx && ctx != qemu_get_aio_context();
}

#endif /* HW_NVME_IOTHREAD_H */

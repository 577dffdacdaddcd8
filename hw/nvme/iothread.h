/*
 * I/O queues in iothreads (iothread.c): which AioContext runs each I/O
 * queue id, quiesce / resume of those queues around main-loop changes,
 * and the hand-over of a fatal error to the main loop.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_IOTHREAD_H
#define HW_NVME_IOTHREAD_H

#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/lockable.h"
#include "block/aio.h"
#include "types.h"

/* Controller state (NvmeCtrl.iot); set up at realize. */
typedef struct NvmeIothreads {
    AioContext **qctx;          /* per I/O queue id: NULL = main loop */
    struct IOThread **threads;  /* referenced, distinct */
    uint32_t nr;
    QemuRecMutex *io_lock;      /* the subsystem's, see queue.c */
    bool stopped;               /* quiesced: iothread queues stand still */
    uint32_t quiesce_depth;     /* main loop only */
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
bool nvme_admin_quiesces(uint8_t opcode);

/* io_lock guard for a function that touches I/O queue state. */
#define NVME_IO_LOCK_GUARD(n) QEMU_LOCK_GUARD((n)->iot.io_lock)

/* Context: any.  An I/O queue handled outside the main loop. */
static inline bool nvme_ctx_is_iothread(AioContext *ctx)
{
    return ctx && ctx != qemu_get_aio_context();
}

#endif /* HW_NVME_IOTHREAD_H */

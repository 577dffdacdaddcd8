/*
 * Asynchronous Event Requests (aer.c): the host's outstanding AER
 * commands and the events waiting for one.  Raising an event is part of
 * the event API (event.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_AER_H
#define HW_NVME_AER_H

#include "qemu/thread.h"
#include "block/aio.h"
#include "migration/vmstate.h"
#include "types.h"

typedef struct NvmeAsyncEvent {
    uint8_t type;
    uint8_t info;
    uint8_t log_page;
} NvmeAsyncEvent;

/*
 * Controller state (NvmeCtrl.aer).  Context: main loop (AER commands are
 * admin commands), except @pending: events an iothread raises wait there,
 * under @lock, until @bh moves them to the queue in the main loop.
 */
typedef struct NvmeAer {
    NvmeRequest **reqs;         /* aerl + 1 slots, outstanding commands */
    uint32_t outstanding;
    NvmeAsyncEvent *queue;      /* aer_max_queued slots, oldest first */
    uint32_t queued;
    uint8_t masked;             /* bit per event type awaiting log read */
    QemuMutex lock;
    NvmeAsyncEvent *pending;    /* aer_max_queued slots */
    uint32_t npending;
    QEMUBH *bh;
} NvmeAer;

void nvme_aer_init(NvmeCtrl *n);
void nvme_aer_cleanup(NvmeCtrl *n);
void nvme_aer_reset(NvmeCtrl *n);
uint16_t nvme_admin_aer(NvmeCtrl *n, NvmeRequest *req);

extern const VMStateDescription nvme_vmstate_aer;

#endif /* HW_NVME_AER_H */

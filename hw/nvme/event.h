/*
 * The event API: how any part of the device reports something the host
 * must learn of, without knowing who keeps it.  An Asynchronous Event
 * (aer.c keeps the queue and the AER commands), an Error Information log
 * entry (log.c keeps the log), the Controller Fatal Status (regs.c keeps
 * CSTS).  Areas and the queue layer call these instead of each other.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_EVENT_H
#define HW_NVME_EVENT_H

#include "types.h"

/*
 * Context: any.  Queue an event; it waits for an AER command (an
 * iothread's goes to the main loop first).
 */
void nvme_aer_enqueue(NvmeCtrl *n, uint8_t type, uint8_t info,
                      uint8_t log_page);
/* Context: main loop.  The condition behind queued events is gone. */
void nvme_aer_forget(NvmeCtrl *n, uint8_t type, uint8_t log_page);
/* Context: main loop.  The host read the log page of an event @type. */
void nvme_aer_unmask(NvmeCtrl *n, uint8_t type);

/* Context: queue.  Error log entry of a failed command (completion path). */
void nvme_log_error(NvmeCtrl *n, NvmeRequest *req);
/* Context: main loop.  Error log entry tied to no command. */
void nvme_log_error_nocmd(NvmeCtrl *n, uint16_t loc);
/* Context: queue.  The phase tag of @req's posted completion. */
void nvme_log_error_posted(NvmeCtrl *n, NvmeRequest *req, uint8_t phase);

/* Context: main loop or queue.  Controller Fatal Status: queues stop. */
void nvme_ctrl_fatal(NvmeCtrl *n, const char *why);

#endif /* HW_NVME_EVENT_H */

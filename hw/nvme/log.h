/*
 * Get Log Page (log.c): the dispatcher of log identifiers, and the Error
 * Information log, whose entries are added through the event API
 * (event.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LOG_H
#define HW_NVME_LOG_H

#include "migration/vmstate.h"
#include "qemu/thread.h"
#include "log-pages.h"      /* NvmeErrLog, the page builders (pure) */
#include "types.h"

/*
 * NvmeCtrl.errlog: the Error Information log ring.  Every queue's failed
 * commands add entries: @lock protects the ring (errors only, never the
 * path of a successful command).
 */
typedef struct NvmeErrLogState {
    QemuMutex lock;
    NvmeErrLog ring;
} NvmeErrLogState;

void nvme_errlog_init(NvmeCtrl *n);
void nvme_errlog_cleanup(NvmeCtrl *n);
uint64_t nvme_errlog_count(NvmeCtrl *n);

uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);

extern const VMStateDescription nvme_vmstate_errlog;

#endif /* HW_NVME_LOG_H */

/*
 * Get Log Page (log.c): the dispatcher of log identifiers, and the Error
 * Information log, whose entries are added through the event API
 * (event.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LOG_H
#define HW_NVME_LOG_H

#include "types.h"

#define NVME_ERROR_LOG_ENTRIES  64

/*
 * The Error Information log (NvmeCtrl.errlog): a ring of the newest
 * entries; @count is the error count of the newest one.
 */
typedef struct NvmeErrLog {
    NvmeErrorLog entries[NVME_ERROR_LOG_ENTRIES];
    uint64_t count;
} NvmeErrLog;

uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_LOG_H */

/*
 * Get Log Page (log.c): the dispatcher of log identifiers, and the Error
 * Information log, whose entries are added through the event API
 * (event.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LOG_H
#define HW_NVME_LOG_H

#include "log-pages.h"      /* NvmeErrLog, the page builders (pure) */
#include "types.h"

uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_LOG_H */

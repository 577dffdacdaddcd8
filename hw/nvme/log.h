/*
 * Get Log Page (log.c): the dispatcher of log identifiers, the Error
 * Information log and the SMART / Health log's temperature.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LOG_H
#define HW_NVME_LOG_H

#include "types.h"

#define NVME_ERROR_LOG_ENTRIES  64
#define NVME_TEMPERATURE_K      296     /* reported composite temperature */
#define NVME_TEMP_WARN_K        343
#define NVME_TEMP_CRIT_K        358

/*
 * The Error Information log (NvmeCtrl.errlog): a ring of the newest
 * entries; @count is the error count of the newest one.
 */
typedef struct NvmeErrLog {
    NvmeErrorLog entries[NVME_ERROR_LOG_ENTRIES];
    uint64_t count;
} NvmeErrLog;

uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_error(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_error_nocmd(NvmeCtrl *n, uint16_t loc);
void nvme_log_error_posted(NvmeCtrl *n, NvmeRequest *req, uint8_t phase);
void nvme_log_check_temperature(NvmeCtrl *n);
uint8_t nvme_smart_critical_warning(NvmeCtrl *n);
void nvme_smart_class_init(ObjectClass *oc);

#endif /* HW_NVME_LOG_H */

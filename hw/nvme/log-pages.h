/*
 * Get Log Page over plain values: the command's parameters, the
 * Supported Log Pages page, the Error Information log ring and the SMART /
 * Health Information page (NVMe Base 2.1, 5.1.12).
 *
 * Pure: no QEMU state (tests/unit/test-log-pages.c builds it without
 * QEMU).  log.c runs the command: which controller's values, the data
 * transfer, the events a read re-arms.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LOG_PAGES_H
#define HW_NVME_LOG_PAGES_H

#include "block/nvme.h"

#define NVME_ERROR_LOG_ENTRIES  64

/*
 * The Error Information log (NvmeCtrl.errlog): a ring of the newest
 * entries; @count is the error count of the newest one.
 */
typedef struct NvmeErrLog {
    NvmeErrorLog entries[NVME_ERROR_LOG_ENTRIES];
    uint64_t count;
} NvmeErrLog;

/* A Get Log Page's parameters (CDW10 to CDW13). */
typedef struct NvmeLogParams {
    uint8_t lid;
    uint8_t lsp;                /* Log Specific Parameter, CDW10 14:8 */
    bool rae;                   /* Retain Asynchronous Event, CDW10 15 */
    uint64_t len;               /* bytes: (NUMD + 1) dwords */
    uint64_t off;               /* Log Page Offset (LPO), bytes */
} NvmeLogParams;

/* What the SMART / Health Information page reports (plain values). */
typedef struct NvmeSmartValues {
    uint8_t critical_warning;
    uint16_t temperature;       /* composite, K */
    uint64_t units_read;        /* 512-byte units */
    uint64_t units_written;
    uint64_t read_cmds;
    uint64_t write_cmds;
    uint64_t busy_ns;           /* controller busy time */
    int64_t power_on_ms;
    uint64_t media_errors;
    uint64_t error_count;       /* Error Information log entries, ever */
} NvmeSmartValues;

void nvme_log_params(const NvmeCmd *cmd, NvmeLogParams *p);
bool nvme_log_offset_ok(uint64_t off, size_t size);
size_t nvme_log_fill_supported(uint8_t *buf, const bool lids[256]);
uint64_t nvme_errlog_add(NvmeErrLog *l, NvmeErrorLog e);
void nvme_errlog_set_phase(NvmeErrLog *l, uint64_t seq, uint8_t phase);
size_t nvme_errlog_fill(const NvmeErrLog *l, uint8_t *buf);
size_t nvme_log_fill_smart(uint8_t *buf, const NvmeSmartValues *v);

#endif /* HW_NVME_LOG_PAGES_H */

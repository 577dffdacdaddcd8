/*
 * LBA Status Information notices (lba-status.c): the LBA Status
 * Information Attributes feature (15h) and the LBA Status Information
 * Alert asynchronous event of a controller (NvmeCtrl.lbas).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_LBA_STATUS_H
#define HW_NVME_LBA_STATUS_H

#include "qemu/timer.h"
#include "migration/vmstate.h"
#include "types.h"

#define NVME_LOG_LBA_STATUS         0x0e
/* OAES and AEC: LBA Status Information Alert notices */
#define NVME_AER_INFO_LBA_STATUS    0x05    /* LBA Status Information Alert */

typedef struct NvmeLbaStatus {
    uint16_t lsiri;             /* report interval, 100 ms units */
    uint16_t lsipi;             /* poll interval, 100 ms units */
    bool alerted;               /* alert sent, log 0Eh not read since */
    uint32_t read_adds;         /* marks added when the host last read */
    int64_t next_ms;            /* QEMU_CLOCK_VIRTUAL: no alert before */
    QEMUTimer *timer;           /* a report interval running */
    QEMUBH *bh;                 /* marks added (any context) */
} NvmeLbaStatus;

extern const VMStateDescription nvme_vmstate_lbas;

void nvme_lbas_init(NvmeCtrl *n);
void nvme_lbas_cleanup(NvmeCtrl *n);
void nvme_lbas_reset(NvmeCtrl *n);
void nvme_lbas_added(NvmeCtrl *n);
void nvme_lbas_aec_changed(NvmeCtrl *n);
void nvme_lbas_log_read(NvmeCtrl *n, bool rae);
uint16_t nvme_lbas_get_feature(NvmeCtrl *n, NvmeRequest *req, bool dflt);
uint16_t nvme_lbas_set_feature(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_LBA_STATUS_H */

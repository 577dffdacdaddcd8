/*
 * Block backend errors (ioerr.c): NVMe status of an errno, and the
 * rerror/werror policies, including commands parked by "stop" until the
 * VM runs again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_IOERR_H
#define HW_NVME_IOERR_H

#include "system/runstate.h"
#include "types.h"

/*
 * Controller state (NvmeCtrl.ioerr).  Parked commands wait on their own
 * SQ (NvmeSQueue.parked), so nothing here is shared with the queues.
 */
typedef struct NvmeIoErr {
    VMChangeStateEntry *vmstate_change;
} NvmeIoErr;

uint16_t nvme_status_from_errno(int ret, bool is_write);
uint16_t nvme_io_error(NvmeRequest *req, NvmeNamespace *ns, int ret,
                       bool is_read, bool can_retry);
void nvme_io_error_init(NvmeCtrl *n);
void nvme_io_error_cleanup(NvmeCtrl *n);

#endif /* HW_NVME_IOERR_H */

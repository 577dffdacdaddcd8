/*
 * OCP Datacenter NVMe SSD log pages (ocp.c): the SMART / Health
 * Information Extended log (C0h) with the nvme "ocp" property.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_OCP_H
#define HW_NVME_OCP_H

#include "migration/vmstate.h"
#include "types.h"

#define NVME_LOG_OCP_SMART_EXT      0xc0
#define NVME_OCP_SMART_EXT_BYTES    512

/*
 * Controller counters only the OCP log reports (NvmeCtrl.ocp), counted
 * by the completion path of every queue while "ocp" is on: atomic
 * increments (queues of several iothreads share them), read atomically.
 */
typedef struct NvmeOcp {
    uint64_t e2e_detected;      /* end-to-end (PI) check errors */
    uint64_t unaligned_io;      /* I/O off the NPWG/NPWA alignment */
} NvmeOcp;

void nvme_ocp_completed(NvmeRequest *req);
size_t nvme_ocp_fill_smart_ext(NvmeCtrl *n, uint8_t *buf);

extern const VMStateDescription nvme_vmstate_ocp;

#endif /* HW_NVME_OCP_H */

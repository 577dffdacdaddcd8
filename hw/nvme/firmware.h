/*
 * Firmware slots, Firmware Image Download and Commit (firmware.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FIRMWARE_H
#define HW_NVME_FIRMWARE_H

#include "migration/vmstate.h"
#include "types.h"

#define NVME_FW_SLOTS               2
#define NVME_OVERLAPPING_RANGE      0x0114  /* Firmware Image Download */

/* Controller state (NvmeCtrl.fw).  Context: main loop. */
typedef struct NvmeFirmware {
    uint8_t rev[NVME_FW_SLOTS][8];  /* slot revisions, zero: empty */
    uint8_t active;             /* running slot, 1-based */
    uint8_t next;               /* slot activated at the next reset */
    uint8_t *image;             /* downloaded pieces */
    unsigned long *have;        /* bit per downloaded dword */
    uint32_t end;               /* bytes: end of the furthest piece */
} NvmeFirmware;

void nvme_fw_init(NvmeCtrl *n);
void nvme_fw_reset(NvmeCtrl *n);
void nvme_fw_cleanup(NvmeCtrl *n);
uint16_t nvme_admin_fw_download(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_fw_commit(NvmeCtrl *n, NvmeRequest *req);
size_t nvme_fw_fill_log(NvmeCtrl *n, uint8_t *buf);

extern const VMStateDescription nvme_vmstate_fw;

#endif /* HW_NVME_FIRMWARE_H */

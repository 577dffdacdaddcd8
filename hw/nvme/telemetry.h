/*
 * Telemetry Host-Initiated and Controller-Initiated logs (telemetry.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_TELEMETRY_H
#define HW_NVME_TELEMETRY_H

#include "types.h"

#define NVME_LOG_TELEMETRY_HOST     0x07
#define NVME_LOG_TELEMETRY_CTRL     0x08
#define NVME_LPA_TELEMETRY          (1u << 3)

/* Controller state (NvmeCtrl.telemetry).  Context: main loop. */
typedef struct NvmeTelemetry {
    uint8_t *data;              /* host-initiated snapshot */
    uint32_t len;
    uint8_t gen;
} NvmeTelemetry;

size_t nvme_telemetry_log(NvmeCtrl *n, uint8_t lid, bool create,
                          const uint8_t **src);
void nvme_telemetry_cleanup(NvmeCtrl *n);

#endif /* HW_NVME_TELEMETRY_H */

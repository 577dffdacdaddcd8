/*
 * Telemetry Host-Initiated and Controller-Initiated logs (telemetry.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_TELEMETRY_H
#define HW_NVME_TELEMETRY_H

#include "migration/vmstate.h"
#include "types.h"

#define NVME_LOG_TELEMETRY_HOST     0x07
#define NVME_LOG_TELEMETRY_CTRL     0x08
/*
 * AEC bit 10 enables Telemetry Log Changed notices.  OAES has no bit for
 * them: LPA bit 3 announces the logs and their notices together.
 */
#define NVME_AEC_TELEMETRY          (1u << 10)
#define NVME_AER_INFO_TELEMETRY     0x02    /* Telemetry Log Changed */
#define NVME_TEL_REASON_LEN         128

/* Controller state (NvmeCtrl.telemetry).  Context: main loop. */
typedef struct NvmeTelemetry {
    uint8_t *data;              /* host-initiated snapshot */
    uint32_t len;
    uint8_t gen;
    /* controller-initiated capture (log 08h), latched until released */
    uint8_t *ctrl_data;
    uint32_t ctrl_len;
    uint8_t ctrl_gen;           /* Data Generation Number */
    bool ctrl_avail;            /* Data Available */
    QEMUBH *bh;                 /* capture from the main loop */
} NvmeTelemetry;

size_t nvme_telemetry_log(NvmeCtrl *n, uint8_t lid, bool create,
                          const uint8_t **src);
void nvme_telemetry_log_read(NvmeCtrl *n, uint8_t lid, bool rae);
void nvme_telemetry_capture_ctrl(NvmeCtrl *n, const char *why);
void nvme_telemetry_internal_error(NvmeCtrl *n);
void nvme_telemetry_init(NvmeCtrl *n);
void nvme_telemetry_cleanup(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_telemetry;

#endif /* HW_NVME_TELEMETRY_H */

/*
 * The one endurance group (endgrp.c): Identify CNS 19h, the Endurance
 * Group Information log and its subsystem-wide counters.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ENDGRP_H
#define HW_NVME_ENDGRP_H

#include "migration/vmstate.h"
#include "types.h"
#include "id-ctrl.h"

#define NVME_ENDGID             1       /* ENDGIDMAX, every namespace's */

/* Subsystem state (NvmeSubsys.endgrp), counted by stats.c. */
typedef struct NvmeEndGrpStats {
    uint64_t bytes_read;        /* Read, Compare, Verify, Copy source */
    uint64_t bytes_written;     /* User Data Out commands: Write, Copy */
    uint64_t media_bytes;       /* + Write Zeroes: every media write */
    uint64_t read_cmds;         /* Read, Compare, Copy, Verify */
    uint64_t write_cmds;        /* Write, Copy */
    uint64_t media_errors;
    uint64_t err_entries;       /* error log entries naming a namespace */
} NvmeEndGrpStats;

void nvme_endgrp_identify_ctrl(NvmeIdCtrlIn *in);
uint16_t nvme_endgrp_identify_list(NvmeCtrl *n, NvmeRequest *req);
size_t nvme_endgrp_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                            uint16_t *status);

extern const VMStateDescription nvme_vmstate_endgrp;
extern const VMStateDescription nvme_vmstate_subsys_endgrp;
extern const VMStateDescription nvme_vmstate_own_endgrp;

#endif /* HW_NVME_ENDGRP_H */

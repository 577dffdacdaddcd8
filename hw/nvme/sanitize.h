/*
 * Sanitize (sanitize.c): block erase, overwrite and crypto erase of every
 * namespace, and the Sanitize Status log.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SANITIZE_H
#define HW_NVME_SANITIZE_H

#include "qemu/timer.h"
#include "system/block-backend.h"
#include "migration/vmstate.h"
#include "types.h"

#define NVME_ADM_CMD_SANITIZE       0x84
#define NVME_LOG_SANITIZE           0x81
#define NVME_SANITIZE_FAILED        0x001c
#define NVME_SANITIZE_IN_PROGRESS   0x001d

/*
 * Sanitize operation state (NvmeCtrl.sanitize); survives controller
 * resets, so it has no reset function.  Context: main loop, except
 * @active and @sstat, which every queue's dispatch reads (and clears GDE
 * in): atomic.
 */
typedef struct NvmeSanitize {
    bool active;
    uint16_t sstat;             /* log SSTAT: status, passes done, GDE */
    uint32_t scdw10;            /* CDW10 of the command that started it */
    uint8_t action;             /* SANACT */
    bool ndas;                  /* No-Deallocate After Sanitize */
    bool oipbp;                 /* invert the pattern between passes */
    uint8_t passes;             /* overwrite passes, 1..16 */
    uint32_t pattern;           /* OVRPAT */
    uint8_t step;               /* pass under way (then deallocation) */
    uint32_t nsid;              /* namespace under way */
    uint64_t offset;            /* bytes of it done in this step */
    uint64_t done, total;       /* bytes, for SPROG */
    uint8_t *buf;               /* overwrite pattern chunk */
    QEMUIOVector qiov;
    BlockAIOCB *aiocb;
    QEMUTimer *timer;
} NvmeSanitize;

uint16_t nvme_admin_sanitize(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_sanitize_check(NvmeCtrl *n, NvmeRequest *req,
                             uint32_t effects);
size_t nvme_sanitize_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_sanitize_cleanup(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_sanitize;

#endif /* HW_NVME_SANITIZE_H */

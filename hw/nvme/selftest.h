/*
 * Device Self-test (selftest.c) and its log.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SELFTEST_H
#define HW_NVME_SELFTEST_H

#include "qemu/timer.h"
#include "migration/vmstate.h"
#include "types.h"

#define NVME_ADM_CMD_DEV_SELF_TEST  0x14
#define NVME_LOG_DEV_SELF_TEST      0x06
#define NVME_DST_IN_PROGRESS        0x011d
#define NVME_DST_RESULTS            20
#define NVME_DST_EDSTT_MIN          1   /* extended test, minutes */
#define NVME_DST_ABORTED_NS_REMOVED 0x3     /* Namespace Management */
#define NVME_DST_ABORTED_FORMAT     0x4
#define NVME_DST_ABORTED_SANITIZE   0x9

typedef struct QEMU_PACKED NvmeDstEntry {
    uint8_t status;             /* code << 4 | result */
    uint8_t segment;
    uint8_t valid;
    uint8_t rsvd3;
    uint64_t poh;
    uint32_t nsid;
    uint64_t flba;
    uint8_t sct;
    uint8_t sc;
    uint8_t vs[2];
} NvmeDstEntry;

/* Controller state (NvmeCtrl.dst).  Context: main loop. */
typedef struct NvmeSelfTest {
    uint8_t op;                 /* running test: 0 none, 1 short, 2 ext. */
    uint32_t nsid;
    int64_t start_ms;           /* QEMU_CLOCK_VIRTUAL */
    int64_t duration_ms;
    uint32_t nr;                /* results recorded, newest first */
    NvmeDstEntry res[NVME_DST_RESULTS];
    QEMUTimer *timer;
} NvmeSelfTest;

uint16_t nvme_admin_self_test(NvmeCtrl *n, NvmeRequest *req);
void nvme_selftest_abort_ns(NvmeCtrl *n, uint32_t nsid, uint8_t result);
void nvme_selftest_reset(NvmeCtrl *n);
size_t nvme_selftest_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_selftest_cleanup(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_selftest;

#endif /* HW_NVME_SELFTEST_H */

/*
 * NVMe queues in the migration stream (queue-mig.c): flat records of the
 * queues and of the commands they hold, built in pre_save and consumed
 * in post_load (the queues themselves hold pointers and lists).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_QUEUE_MIG_H
#define HW_NVME_QUEUE_MIG_H

#include "migration/vmstate.h"

/* A completion queue. */
typedef struct NvmeCQMig {
    uint16_t cqid;
    uint16_t vector;
    bool ien;
    uint8_t phase;
    uint32_t size;
    uint32_t head;
    uint32_t tail;
    uint64_t dma_addr;
    uint32_t coal_pending;      /* entries posted without an interrupt */
} NvmeCQMig;

/* A submission queue. */
typedef struct NvmeSQMig {
    uint16_t sqid;
    uint16_t cqid;
    uint32_t size;
    uint32_t head;
    uint32_t tail;
    uint64_t dma_addr;
    bool fused_failed;
} NvmeSQMig;

/* A completion not posted yet, in its CQ's posting order. */
typedef struct NvmeDoneMig {
    uint16_t sqid;
    uint16_t cid;
    uint16_t status;
    uint32_t result;
    uint64_t err_seq;           /* its error log entry, 0 if none */
} NvmeDoneMig;

/* A command fetched but not started: executed again on the destination. */
typedef struct NvmeReplayMig {
    uint16_t sqid;
    uint8_t sqe[64];
    bool zns_admitted;          /* a zoned write the WP moved past ... */
    uint64_t zns_lba;           /* ... writes here (zns.c) */
} NvmeReplayMig;

/* NvmeQueues.mig: what the stream carries.  Counts are vmstate's int32. */
typedef struct NvmeQueuesMig {
    int32_t nr_cq, nr_sq, nr_done, nr_replay;
    NvmeCQMig *cq;
    NvmeSQMig *sq;
    NvmeDoneMig *done;
    NvmeReplayMig *replay;
    bool irq_level;
} NvmeQueuesMig;

extern const VMStateDescription nvme_vmstate_queues;

#endif /* HW_NVME_QUEUE_MIG_H */

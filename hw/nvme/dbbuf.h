/*
 * Doorbell Buffer Config (dbbuf.c): shadow doorbells, EventIdx, the
 * ioeventfds and the iothread polling of queues that have them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DBBUF_H
#define HW_NVME_DBBUF_H

#include "migration/vmstate.h"
#include "types.h"

/* Controller state (NvmeCtrl.dbbuf); changed only quiesced. */
typedef struct NvmeDbbuf {
    uint64_t dbs;               /* shadow doorbell buffer, 0 if none */
    uint64_t eis;               /* EventIdx buffer */
} NvmeDbbuf;

void nvme_dbbuf_reset(NvmeCtrl *n);
uint16_t nvme_admin_dbbuf_config(NvmeCtrl *n, NvmeRequest *req);
void nvme_dbbuf_sq_init(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_init(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_sq_cleanup(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_sq_refresh(NvmeCtrl *n, NvmeSQueue *sq);
bool nvme_dbbuf_sq_publish(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_refresh(NvmeCtrl *n, NvmeCQueue *cq);
uint32_t nvme_dbbuf_cq_head(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_cq_wait(NvmeCtrl *n, NvmeCQueue *cq);

extern const VMStateDescription nvme_vmstate_dbbuf;

#endif /* HW_NVME_DBBUF_H */

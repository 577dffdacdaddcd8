/*
 * Compare and fused Compare and Write (nvm-compare.c); the namespace
 * write gate that makes the pair atomic is gate.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_COMPARE_H
#define HW_NVME_NVM_COMPARE_H

#include "types.h"

uint16_t nvme_nvm_compare(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_fused_check(NvmeCtrl *n, NvmeRequest *req);
void nvme_fused_break(NvmeRequest *req);
void nvme_fused_settle(NvmeRequest *req, uint16_t status);
void nvme_fused_fenced(NvmeSQueue *sq, uint32_t nsid);
uint16_t nvme_fused_submit(NvmeCtrl *n, NvmeRequest *req);
void nvme_fused_run(NvmeRequest *first);

#endif /* HW_NVME_NVM_COMPARE_H */

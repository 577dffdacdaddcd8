/*
 * Read, Write and Flush (nvm.c) on per-SQ worker coroutines.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_H
#define HW_NVME_NVM_H

#include "types.h"

uint16_t nvme_nvm_read(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_write(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_flush(NvmeCtrl *n, NvmeRequest *req);
void nvme_nvm_workers_stop(NvmeSQueue *sq);
void nvme_nvm_pass_end(NvmeSQueue *sq);

#endif /* HW_NVME_NVM_H */

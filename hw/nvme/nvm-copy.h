/*
 * Copy (nvm-copy.c); its limits are in ns.h (Identify Namespace).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_COPY_H
#define HW_NVME_NVM_COPY_H

#include "types.h"

#define NVME_INCOMPATIBLE_NS 0x0185     /* Incompatible Namespace or Format */

uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_NVM_COPY_H */

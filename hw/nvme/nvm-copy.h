/*
 * Copy (nvm-copy.c); its limits are reported in Identify Namespace.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_COPY_H
#define HW_NVME_NVM_COPY_H

#include "types.h"

#define NVME_COPY_MSRC      127         /* 0-based: 128 source ranges */
#define NVME_COPY_MSSRL     65535       /* blocks per source range */
#define NVME_COPY_MCL       (1u << 20)  /* blocks per command */

uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_NVM_COPY_H */

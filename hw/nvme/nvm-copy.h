/*
 * Copy (nvm-copy.c); its limits are reported in Identify Namespace.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_COPY_H
#define HW_NVME_NVM_COPY_H

#include "types.h"

/* Copy limits of a namespace: nvme-ns mssrl, mcl, msrc (ns->copy). */
typedef struct NvmeCopyLimits {
    uint16_t mssrl;             /* blocks per source range */
    uint32_t mcl;               /* blocks per command */
    uint8_t msrc;               /* source ranges, 0-based */
} NvmeCopyLimits;

/* The defaults: upstream's */
#define NVME_COPY_MSRC      127
#define NVME_COPY_MSSRL     128
#define NVME_COPY_MCL       128
#define NVME_COPY_DEFAULTS  ((NvmeCopyLimits) { \
    .mssrl = NVME_COPY_MSSRL, .mcl = NVME_COPY_MCL, .msrc = NVME_COPY_MSRC, })

uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_NVM_COPY_H */

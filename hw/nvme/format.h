/*
 * Format NVM (format.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FORMAT_H
#define HW_NVME_FORMAT_H

#include "types.h"

uint16_t nvme_admin_format(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_format_check(NvmeRequest *req);

#endif /* HW_NVME_FORMAT_H */

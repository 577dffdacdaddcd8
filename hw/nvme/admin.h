/*
 * Admin commands of the controller itself (admin.c): Identify, queue
 * creation and deletion, Abort, Keep Alive.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ADMIN_H
#define HW_NVME_ADMIN_H

#include "types.h"

void nvme_admin_identify_ctrl_init(NvmeCtrl *n);
uint16_t nvme_admin_identify(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_abort(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_keep_alive(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_ADMIN_H */

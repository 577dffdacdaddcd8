/*
 * NVMe SR-IOV and Virtualization Enhancements (sriov.c): a primary
 * controller (the physical function) and its secondary controllers (the
 * virtual functions), their flexible queue (VQ) and interrupt (VI)
 * resources, Virtualization Management, Identify CNS 14h and 15h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SRIOV_H
#define HW_NVME_SRIOV_H

#include "types.h"
#include "sriov-rules.h"

/* A virtual function's controller: an "nvme" QEMU creates (sriov.c). */
#define TYPE_NVME_VF "nvme-vf"


bool nvme_sriov_check_params(NvmeCtrl *n, Error **errp);
bool nvme_sriov_pci_init(NvmeCtrl *n, Error **errp);
void nvme_sriov_exit(NvmeCtrl *n);
void nvme_sriov_ctrl_reset(NvmeCtrl *n);
void nvme_sriov_pci_reset(NvmeCtrl *n);
void nvme_sriov_vfs_changed(NvmeCtrl *n);
bool nvme_sriov_is_primary(NvmeCtrl *n);
bool nvme_sriov_offline(NvmeCtrl *n);
uint16_t nvme_admin_virt_mgmt(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_identify_pri_ctrl_cap(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid);
extern const VMStateDescription nvme_vmstate_sriov;
extern const VMStateDescription nvme_vmstate_sriov_vfs;
uint16_t nvme_identify_sec_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid);

#endif /* HW_NVME_SRIOV_H */

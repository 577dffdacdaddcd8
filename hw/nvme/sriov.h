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

/* A virtual function's controller: an "nvme" QEMU creates (sriov.c). */
#define TYPE_NVME_VF "nvme-vf"

/* One secondary controller, as its primary keeps it. */
typedef struct NvmeSecCtrl {
    bool online;
    uint16_t nvq;               /* flexible VQ resources assigned */
    uint16_t nvi;               /* flexible VI resources assigned */
} NvmeSecCtrl;

/*
 * The "sriov_*" properties of a primary controller and what it allocated.
 * A VQ resource is a queue pair (the admin queue takes one), a VI
 * resource an MSI-X vector.
 */
typedef struct NvmeSriov {
    uint16_t max_vfs;           /* "sriov_max_vfs": 0, no SR-IOV */
    uint16_t vq_flexible;       /* "sriov_vq_flexible" */
    uint16_t vi_flexible;       /* "sriov_vi_flexible" */
    uint32_t max_vq_per_vf;     /* "sriov_max_vq_per_vf", 0: even share */
    uint32_t max_vi_per_vf;     /* "sriov_max_vi_per_vf", 0: even share */
    NvmeSecCtrl *sec;           /* a primary's secondaries, by VF index */
    uint16_t vfs_enabled;       /* VFs enabled at the last config write */
    uint16_t vqrfap, virfap;    /* flexible allocated to the primary */
    uint16_t vqrfap_next;       /* ... after its next Controller Level */
    uint16_t virfap_next;       /*     Reset (Primary Flexible Allocation) */
} NvmeSriov;

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

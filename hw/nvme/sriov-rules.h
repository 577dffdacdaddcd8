/*
 * SR-IOV resource rules: what Virtualization Management may do with a
 * primary controller's flexible VQ and VI resources, and whether a state
 * could have come from it (an incoming migration).  Pure logic over the
 * primary's NvmeSriov (sriov.c applies it; tests/unit/test-sriov-rules.c
 * checks it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SRIOV_RULES_H
#define HW_NVME_SRIOV_RULES_H

#include "block/nvme.h"

#define NVME_SRIOV_MIN_VQ       2       /* admin + one I/O queue pair */

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

/*
 * Flexible resources of type @rt (NVME_VIRT_RES_QUEUE or _INTERRUPT) the
 * secondaries hold, secondary @except (-1: none) left out.
 */
uint32_t nvme_sriov_assigned(const NvmeSriov *s, uint8_t rt, int except);
/*
 * The status of Virtualization Management actions, NVME_SUCCESS if the
 * action may go ahead: 1h (@nr of @rt for the primary after its next
 * reset), 8h (@nr of @rt to secondary @i), 9h (secondary @i online, with
 * @num_vfs VFs enabled).
 */
uint16_t nvme_sriov_check_prim_alloc(const NvmeSriov *s, uint8_t rt,
                                     uint16_t nr);
uint16_t nvme_sriov_check_assign(const NvmeSriov *s, unsigned i, uint8_t rt,
                                 uint16_t nr);
uint16_t nvme_sriov_check_online(const NvmeSriov *s, unsigned i,
                                 uint16_t num_vfs);
/*
 * Why a primary's state (with @num_vfs VFs enabled) is none those
 * actions could have produced, NULL if it is one.
 */
const char *nvme_sriov_state_invalid(const NvmeSriov *s, uint16_t num_vfs);

#endif /* HW_NVME_SRIOV_RULES_H */

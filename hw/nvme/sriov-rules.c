/*
 * SR-IOV resource rules (sriov-rules.h): NVMe Base 2.1, Virtualization
 * Management and the Primary Controller Capabilities it reports.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "sriov-rules.h"

uint32_t nvme_sriov_assigned(const NvmeSriov *s, uint8_t rt, int except)
{
    uint32_t sum = 0;

    for (unsigned i = 0; i < s->max_vfs; i++) {
        if ((int)i != except) {
            sum += rt == NVME_VIRT_RES_QUEUE ? s->sec[i].nvq : s->sec[i].nvi;
        }
    }
    return sum;
}

/* The pool of @rt: VQFRT or VIFRT. */
static uint32_t nvme_sriov_frt(const NvmeSriov *s, uint8_t rt)
{
    return rt == NVME_VIRT_RES_QUEUE ? s->vq_flexible : s->vi_flexible;
}

/*
 * What the primary holds of @rt for the rules: its current allocation or
 * the one pending for its next reset, whichever is larger (both must
 * stay possible).
 */
static uint32_t nvme_sriov_prim(const NvmeSriov *s, uint8_t rt)
{
    return rt == NVME_VIRT_RES_QUEUE ? MAX(s->vqrfap, s->vqrfap_next)
                                     : MAX(s->virfap, s->virfap_next);
}

uint16_t nvme_sriov_check_prim_alloc(const NvmeSriov *s, uint8_t rt,
                                     uint16_t nr)
{
    if (nr + nvme_sriov_assigned(s, rt, -1) > nvme_sriov_frt(s, rt)) {
        return NVME_INVALID_NUM_RESOURCES | NVME_DNR;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_sriov_check_assign(const NvmeSriov *s, unsigned i, uint8_t rt,
                                 uint16_t nr)
{
    uint32_t max = rt == NVME_VIRT_RES_QUEUE ? s->max_vq_per_vf
                                             : s->max_vi_per_vf;

    if (s->sec[i].online) {
        return NVME_INVALID_SEC_CTRL_STATE | NVME_DNR;
    }
    /* what @i had is replaced, so it does not count */
    if (nr > max || nr + nvme_sriov_prim(s, rt) +
                    nvme_sriov_assigned(s, rt, i) > nvme_sriov_frt(s, rt)) {
        return NVME_INVALID_NUM_RESOURCES | NVME_DNR;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_sriov_check_online(const NvmeSriov *s, unsigned i,
                                 uint16_t num_vfs)
{
    if (i >= num_vfs || s->sec[i].nvq < NVME_SRIOV_MIN_VQ ||
        s->sec[i].nvi < 1) {
        return NVME_INVALID_SEC_CTRL_STATE | NVME_DNR;
    }
    return NVME_SUCCESS;
}

const char *nvme_sriov_state_invalid(const NvmeSriov *s, uint16_t num_vfs)
{
    static const uint8_t types[] = {
        NVME_VIRT_RES_QUEUE, NVME_VIRT_RES_INTERRUPT
    };

    if (s->vfs_enabled != num_vfs) {
        return "VFs enabled other than the SR-IOV capability says";
    }
    for (unsigned i = 0; i < s->max_vfs; i++) {
        if (s->sec[i].nvq > s->max_vq_per_vf ||
            s->sec[i].nvi > s->max_vi_per_vf) {
            return "a secondary with more than sriov_max_v[qi]_per_vf";
        }
        if (s->sec[i].online && nvme_sriov_check_online(s, i, num_vfs)) {
            return "an online secondary without its VF or resources";
        }
    }
    for (unsigned k = 0; k < ARRAY_SIZE(types); k++) {
        if (nvme_sriov_prim(s, types[k]) +
            nvme_sriov_assigned(s, types[k], -1) >
            nvme_sriov_frt(s, types[k])) {
            return "more flexible resources allocated than the pool has";
        }
    }
    return NULL;
}

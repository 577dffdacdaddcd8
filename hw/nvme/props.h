/*
 * Property helpers shared by nvme, nvme-ns and nvme-subsys (props.c):
 * help texts, block accounting intervals, upstream's identity defaults.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_PROPS_H
#define HW_NVME_PROPS_H

#include "qom/object.h"
#include "system/block-backend.h"

#define NVME_DEFAULT_MODEL      "QEMU NVMe Ctrl"
#define NVME_DEFAULT_FW_VERSION "1.0"

/* The help text of one property ("-device nvme,help"). */
typedef struct NvmePropDesc {
    const char *name;
    const char *desc;
} NvmePropDesc;

void nvme_prop_descs_set(ObjectClass *oc, const NvmePropDesc *d, size_t nr);
bool nvme_stats_intervals_check(const char *dev, const uint32_t *iv,
                                uint32_t nr, Error **errp);
void nvme_stats_intervals_apply(BlockBackend *blk, const uint32_t *iv,
                                uint32_t nr);

#endif /* HW_NVME_PROPS_H */

/*
 * Get / Set Features (features.c), their saved values (features-file.c
 * keeps them across QEMU restarts) and the Keep Alive timer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FEATURES_H
#define HW_NVME_FEATURES_H

#include "qemu/timer.h"
#include "feat-rules.h"      /* NvmeFeatures, the value rules (pure) */
#include "migration/vmstate.h"
#include "types.h"

/*
 * Controller state (NvmeCtrl.feat).  Context: main loop writes (Set
 * Features runs quiesced); queues read @cur.
 */
typedef struct NvmeFeat {
    NvmeFeatures cur;
    NvmeFeatures saved;         /* SEL 010b values */
    uint32_t saved_mask;        /* bit per FID below 32 with a saved value */
    QEMUTimer *kato_timer;
    int32_t iv_bits;            /* bits of cur.iv_no_coalescing (vmstate) */
} NvmeFeat;

void nvme_features_init(NvmeCtrl *n);
void nvme_features_cleanup(NvmeCtrl *n);
void nvme_features_reset(NvmeCtrl *n);
uint16_t nvme_admin_get_features(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_set_features(NvmeCtrl *n, NvmeRequest *req);
void nvme_kato_restart(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_features;

/* features-file.c */
bool nvme_features_file_load(NvmeCtrl *n, Error **errp);
bool nvme_features_file_store(NvmeCtrl *n, const NvmeFeatures *f,
                              uint32_t mask, Error **errp);

#endif /* HW_NVME_FEATURES_H */

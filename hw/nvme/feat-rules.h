/*
 * Get / Set Features rules over plain values: which features exist and
 * what they allow (capabilities), their defaults and saved values, which
 * CDW11 values Set Features takes and what it stores, what Get Features
 * reports (NVMe Base 2.1, 5.1.11 and 5.1.25).
 *
 * Pure: no QEMU state (tests/unit/test-feat-rules.c builds it without
 * QEMU).  features.c runs the commands: data transfers, timers, the
 * effects of a value (write cache, temperature events, Keep Alive).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FEAT_RULES_H
#define HW_NVME_FEAT_RULES_H

#include "block/nvme.h"

#define NVME_FEAT_KEEP_ALIVE    0x0f
#define NVME_FEAT_HOST_ID       0x81    /* the reservation features: resv.c */
#define NVME_FEAT_RESV_MASK     0x82
#define NVME_FEAT_RESV_PERSIST  0x83
/*
 * SMART (7:0), NS attr (8), FW (9), telemetry (10), ANA (11), LBA status
 * (13), Zone Descriptor Changed (27, zns.c)
 */
#define NVME_AEC_SUPPORTED      (0x2fffu | 1u << 27)
#define NVME_FEAT_LBA_STATUS_ATTR 0x15  /* its values: lba-status.c */
#define NVME_HBS_BYTES          512     /* Host Behavior Support data */
#define NVME_KAS_MS             1000    /* keep alive granularity */

/* Feature values, one set per selection (current, saved). */
typedef struct NvmeFeatures {
    uint32_t arbitration;
    uint32_t power_mgmt;
    uint16_t temp_over;
    uint16_t temp_under;
    uint32_t err_rec;
    bool vwc;
    uint32_t nq;                /* Number of Queues result (0-based) */
    bool nq_set;
    uint32_t int_coalescing;
    uint32_t aec;
    uint32_t kato;              /* ms */
    uint64_t timestamp;         /* host-set value, ms */
    int64_t timestamp_at;       /* QEMU_CLOCK_VIRTUAL ms when set */
    bool timestamp_set;
    uint8_t hbs_acre;           /* Host Behavior Support: ACRE */
    uint8_t hbs_lbafee;         /* Host Behavior Support: LBAFEE */
    bool write_atomicity_dn;    /* Write Atomicity Normal: DN (atomic.c) */
    unsigned long *iv_no_coalescing;    /* bitmap over vectors */
} NvmeFeatures;

/* What the controller has, which feature values depend on. */
typedef struct NvmeFeatLimits {
    uint32_t max_ioq;           /* I/O queues of each kind, 0-based */
    uint16_t vectors;           /* interrupt vectors */
    uint16_t temp_warn;         /* default Over Temperature Threshold, K */
    bool vwc;                   /* a volatile write cache is present */
    bool atomic_dn;             /* Write Atomicity Normal DN by default */
} NvmeFeatLimits;

/*
 * Why a command was refused, for the error log (the byte and bit of the
 * command where the bad field starts; byte 0: no location) and the trace.
 */
typedef struct NvmeFeatReject {
    uint8_t byte;
    uint8_t bit;
    const char *why;
} NvmeFeatReject;

uint8_t nvme_feat_caps(uint8_t fid);
uint16_t nvme_feat_check_get(uint8_t fid, uint8_t sel, NvmeFeatReject *r);
uint16_t nvme_feat_check_set(uint8_t fid, bool save, NvmeFeatReject *r);
void nvme_feat_defaults(NvmeFeatures *f, const NvmeFeatLimits *l);
void nvme_feat_saved_values(NvmeFeatures *f, const NvmeFeatures *saved,
                            uint32_t mask, const NvmeFeatLimits *l);
void nvme_feat_save(NvmeFeatures *saved, uint32_t *mask,
                    const NvmeFeatures *cur, uint8_t fid, uint32_t dw11,
                    const NvmeFeatLimits *l);
uint16_t nvme_feat_value(const NvmeFeatures *f, uint8_t fid, uint32_t dw11,
                         const NvmeFeatLimits *l, uint32_t *val,
                         NvmeFeatReject *r);
uint16_t nvme_feat_set(NvmeFeatures *f, uint8_t fid, uint32_t dw11,
                       const NvmeFeatLimits *l, bool ioqs_exist,
                       NvmeFeatReject *r);
uint16_t nvme_feat_hbs_check(const uint8_t *data, NvmeFeatReject *r);

#endif /* HW_NVME_FEAT_RULES_H */

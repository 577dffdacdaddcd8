/*
 * NVMe Persistent Memory Region (pmr.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_PMR_H
#define HW_NVME_PMR_H

#include "exec/memory.h"
#include "migration/vmstate.h"
#include "types.h"

#define NVME_PMR_BAR        4
#define NVME_PMR_REGS_END   0xe1c   /* PMRCAP..PMRMSCU */

typedef struct HostMemoryBackend HostMemoryBackend;

typedef struct NvmePmr {
    HostMemoryBackend *dev;     /* "pmrdev"; NULL: no PMR */
    MemoryRegion *mem;          /* the backend's memory, BAR 4 */
    uint32_t ctl;               /* PMRCTL */
    uint64_t msc;               /* PMRMSCU:PMRMSCL */
    bool cbai;                  /* PMRSTS.CBAI */
} NvmePmr;

bool nvme_pmr_check_params(NvmeCtrl *n, Error **errp);
void nvme_pmr_init(NvmeCtrl *n);
void nvme_pmr_exit(NvmeCtrl *n);
uint64_t nvme_pmr_cap(NvmeCtrl *n, uint64_t cap);
uint64_t nvme_pmr_reg_read(NvmeCtrl *n, hwaddr off, unsigned size);
void nvme_pmr_reg_write(NvmeCtrl *n, hwaddr addr, uint32_t val);
void nvme_pmr_reset(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_pmr;

#endif /* HW_NVME_PMR_H */

/*
 * NVMe Controller Memory Buffer (cmb.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_CMB_H
#define HW_NVME_CMB_H

#include "exec/memory.h"
#include "migration/vmstate.h"
#include "types.h"

#define NVME_CMB_BAR    2

typedef struct NvmeCmb {
    uint32_t size_mb;           /* "cmb_size_mb": 0, no CMB */
    bool legacy;                /* "legacy-cmb": NVMe 1.3 registers */
    MemoryRegion bar;           /* BAR 2, a power of two */
    MemoryRegion ram;           /* the buffer, at offset 0 of the BAR */
    uint64_t msc;               /* CMBMSC */
    uint32_t sts;               /* CMBSTS */
} NvmeCmb;

bool nvme_cmb_check_params(NvmeCtrl *n, Error **errp);
bool nvme_cmb_init(NvmeCtrl *n, Error **errp);
void nvme_cmb_exit(NvmeCtrl *n);
uint64_t nvme_cmb_cap(NvmeCtrl *n, uint64_t cap);
void nvme_cmb_regs_read(NvmeCtrl *n, uint8_t *regs);
void nvme_cmb_msc_write(NvmeCtrl *n, hwaddr addr, uint32_t val);
void nvme_cmb_reset(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_cmb;

#endif /* HW_NVME_CMB_H */

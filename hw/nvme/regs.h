/*
 * NVMe controller registers: their state (the layout is public, in
 * include/hw/nvme/nvme-regs.h) and the enable / reset / shutdown state machine (regs.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_REGS_H
#define HW_NVME_REGS_H

#include "hw/nvme/nvme-regs.h"   /* the register layout */
#include "exec/memory.h"
#include "migration/vmstate.h"
#include "types.h"

/* Bits of CC that may change only while CC.EN is 0. */
#define NVME_CC_STATIC_MASK \
    (R_CC_CSS_MASK | R_CC_MPS_MASK | R_CC_AMS_MASK)
#define NVME_CC_WRITABLE_MASK \
    (R_CC_EN_MASK | NVME_CC_STATIC_MASK | R_CC_SHN_MASK | \
     R_CC_IOSQES_MASK | R_CC_IOCQES_MASK)

/* Controller registers (NvmeCtrl.regs); CC.MPS decoded as the page size. */
typedef struct NvmeRegs {
    uint64_t cap;
    uint32_t vs;
    uint32_t intms;
    uint32_t cc;
    uint32_t csts;
    uint32_t aqa;
    uint64_t asq;
    uint64_t acq;
    uint32_t page_size;
    uint8_t page_bits;
} NvmeRegs;

extern const MemoryRegionOps nvme_regs_ops;
extern const MemoryRegionOps nvme_db_ops;
void nvme_regs_power_on(NvmeCtrl *n);
void nvme_ctrl_reset(NvmeCtrl *n);

extern const VMStateDescription nvme_vmstate_regs;
const char *nvme_regs_ready_invalid(NvmeCtrl *n);

#endif /* HW_NVME_REGS_H */

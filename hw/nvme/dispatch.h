/*
 * Command dispatch (dispatch.c): the opcode tables of the admin and NVM
 * command sets, the checks every command passes, and the hooks through
 * which the queue layer hands it fetched commands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DISPATCH_H
#define HW_NVME_DISPATCH_H

#include "queue.h"
#include "resv-rules.h"

typedef uint16_t (*NvmeCmdHandler)(NvmeCtrl *n, NvmeRequest *req);

typedef struct NvmeOpcode {
    NvmeCmdHandler handler;
    uint32_t effects;           /* NVME_CMD_EFF_* without CSUPP */
    bool needs_ns;              /* NSID must name an active namespace */
    uint8_t resv;               /* NVME_RESV_GRP_* and scope (resv-rules.h) */
} NvmeOpcode;

extern const NvmeOpcode nvme_admin_ops[256];
extern const NvmeOpcode nvme_nvm_ops[256];
extern const NvmeOpcode nvme_zns_ops[256];

const NvmeOpcode *nvme_io_op(uint8_t csi, uint8_t opcode);

/* The queue layer's way to the commands (queue.h), set at realize. */
extern const NvmeQueueHooks nvme_cmd_hooks;

uint32_t nvme_effects(const NvmeOpcode *op);

#endif /* HW_NVME_DISPATCH_H */

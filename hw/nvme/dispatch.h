/*
 * Command dispatch (dispatch.c): the opcode tables of the admin and NVM
 * command sets, the checks every command passes, and the single
 * completion path of every request.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DISPATCH_H
#define HW_NVME_DISPATCH_H

#include "queue.h"

typedef uint16_t (*NvmeCmdHandler)(NvmeCtrl *n, NvmeRequest *req);

/* Which reservation rule an I/O opcode follows (NvmeOpcode.resv). */
enum {
    NVME_RESV_GRP_NONE,         /* not affected (Flush, reservations) */
    NVME_RESV_GRP_READ,         /* read command group */
    NVME_RESV_GRP_WRITE,        /* write command group */
};

struct NvmeOpcode {
    NvmeCmdHandler handler;
    uint32_t effects;           /* NVME_CMD_EFF_* without CSUPP */
    bool needs_ns;              /* NSID must name an active namespace */
    uint8_t resv;               /* NVME_RESV_GRP_*: reservation rule */
};

extern const NvmeOpcode nvme_admin_ops[256];
extern const NvmeOpcode nvme_nvm_ops[256];

void nvme_dispatch(NvmeCtrl *n, NvmeRequest *req);
void nvme_dispatch_again(NvmeCtrl *n, NvmeRequest *req);
void nvme_req_complete(NvmeRequest *req, uint16_t status);
uint32_t nvme_effects(const NvmeOpcode *op);
uint16_t nvme_req_reject(NvmeRequest *req, uint16_t status, unsigned byte,
                         unsigned bit, const char *why);

/* Set the error log's parameter location: byte of the command, bit. */
static inline void nvme_req_err_field(NvmeRequest *req, unsigned byte,
                                      unsigned bit)
{
    req->err_loc = byte | (bit << 8);
}

#endif /* HW_NVME_DISPATCH_H */

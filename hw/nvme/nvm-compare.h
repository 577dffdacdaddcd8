/*
 * Compare, fused Compare and Write, and the namespace write gate that
 * makes the fused pair atomic against other writes (nvm-compare.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_COMPARE_H
#define HW_NVME_NVM_COMPARE_H

#include "qemu/queue.h"
#include "types.h"

/* Role of a request in the write gate (NvmeRequest.gate). */
enum {
    NVME_GATE_NONE,
    NVME_GATE_COUNTED,          /* counted in gate.writes */
    NVME_GATE_WAITING,          /* on gate.waiters */
    NVME_GATE_FUSED_WRITE,      /* write half of the owning pair */
};

/*
 * Write gate of a namespace (NvmeNamespace.gate): while a fused Compare
 * and Write owns the namespace, commands that change data wait in
 * @waiters.
 */
typedef struct NvmeNsGate {
    uint32_t writes;            /* data-changing commands running */
    NvmeRequest *owner;         /* first command of the owning fused pair */
    bool owner_started;
    bool running;               /* nvme_gate_run is on the stack */
    QTAILQ_HEAD(, NvmeRequest) waiters;
} NvmeNsGate;

uint16_t nvme_nvm_compare(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_fused_check(NvmeCtrl *n, NvmeRequest *req);
void nvme_fused_break(NvmeRequest *req);
void nvme_fused_settle(NvmeRequest *req, uint16_t status);
uint16_t nvme_fused_submit(NvmeCtrl *n, NvmeRequest *req);
bool nvme_gate_hold(NvmeRequest *req, uint32_t effects);
void nvme_gate_release(NvmeRequest *req);
void nvme_gate_cancel_sq(NvmeCtrl *n, NvmeSQueue *sq);

#endif /* HW_NVME_NVM_COMPARE_H */

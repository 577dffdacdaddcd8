/*
 * The write gate of a namespace (gate.c): while a fused Compare and
 * Write owns it, commands that change the namespace's data wait, so no
 * other write lands between the pair's compare and its write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_GATE_H
#define HW_NVME_GATE_H

#include "qemu/queue.h"
#include "qemu/thread.h"
#include "types.h"

/* Role of a request in the write gate (NvmeRequest.gate). */
enum {
    NVME_GATE_NONE,
    NVME_GATE_COUNTED,          /* counted in gate.writes */
    NVME_GATE_WAITING,          /* on gate.waiters */
    NVME_GATE_FUSED_WRITE,      /* write half of the owning pair */
    NVME_GATE_OWNER,            /* first of the owning pair, handed to run */
};

/*
 * Write gate of a namespace (NvmeNamespace.gate), shared by every queue
 * of every controller it is attached to.  @writes and @closed are read
 * and changed without the lock (atomic): a data-changing command that
 * finds the gate open costs one atomic increment and one decrement, no
 * lock.  @lock protects the rest, and changes of @closed, which is set
 * while a pair owns the gate or waits for it (owner or waiters).
 */
typedef struct NvmeNsGate {
    QemuMutex lock;
    uint32_t writes;            /* data-changing commands running */
    bool closed;
    NvmeRequest *owner;         /* first command of the owning fused pair */
    bool owner_started;
    QTAILQ_HEAD(, NvmeRequest) waiters;
} NvmeNsGate;

void nvme_gate_init(NvmeNamespace *ns);
void nvme_gate_cleanup(NvmeNamespace *ns);
bool nvme_gate_hold(NvmeRequest *req, uint32_t effects);
void nvme_gate_release(NvmeRequest *req);
void nvme_gate_enter_pair(NvmeRequest *first);
void nvme_gate_pair_done(NvmeNamespace *ns);
void nvme_gate_cancel_sq(NvmeCtrl *n, NvmeSQueue *sq);

#endif /* HW_NVME_GATE_H */

/*
 * Atomic write units (atomic.c): the controller's AWUN / AWUPF and the
 * Write Atomicity Normal feature, a namespace's NAWUN / NAWUPF and atomic
 * boundaries, and the per-namespace overlap lock that makes a write
 * within the unit atomic against every other read and write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ATOMIC_H
#define HW_NVME_ATOMIC_H

#include "qemu/queue.h"
#include "qemu/thread.h"
#include "types.h"
#include "id-ctrl.h"
#include "id-ns.h"

/* nvme properties atomic.dn, atomic.awun, atomic.awupf (NvmeParams). */
typedef struct NvmeAtomicParams {
    bool dn;                    /* Write Atomicity Normal DN at reset */
    uint16_t awun;              /* 0-based blocks, normal operation */
    uint16_t awupf;             /* 0-based blocks, power fail */
} NvmeAtomicParams;

/* nvme-ns properties atomic.* (NvmeNsParams), reported with NSABP. */
typedef struct NvmeNsAtomicParams {
    uint16_t nawun;
    uint16_t nawupf;
    uint16_t nabo;              /* LBA of the first boundary */
    uint16_t nabsn;             /* 0-based boundary size, 0: none */
    uint16_t nabspf;
} NvmeNsAtomicParams;

/*
 * Per-namespace state (NvmeNamespace.atomic).  @holds lists, in arrival
 * order, the commands holding or waiting for a range of the namespace;
 * @lock protects it and the state of each request on it.
 */
typedef struct NvmeNsAtomic {
    NvmeNsAtomicParams p;
    bool nsabp;                 /* NSFEAT bit 1: @p is reported */
    bool lock_ready;
    QemuMutex lock;
    QTAILQ_HEAD(, NvmeRequest) holds;
} NvmeNsAtomic;

/* What a request's range means to the others (NvmeAtomicReq.kind). */
enum {
    NVME_ATOMIC_READ,           /* reads: waits for atomic writes only */
    NVME_ATOMIC_WRITE,          /* writes without atomicity */
    NVME_ATOMIC_UNIT,           /* a write within the unit: exclusive */
};

/* Where a request stands (NvmeAtomicReq.state). */
enum {
    NVME_ATOMIC_NONE,           /* on no list */
    NVME_ATOMIC_HELD,           /* its range is granted, it runs */
    NVME_ATOMIC_WAITING,        /* an earlier request conflicts */
    NVME_ATOMIC_READY,          /* granted; its SQ will resume it */
};

typedef void NvmeAtomicResume(NvmeRequest *req);

/* Per-request state (NvmeRequest.atomic). */
typedef struct NvmeAtomicReq {
    uint8_t state;
    uint8_t kind;
    uint64_t slba;
    uint64_t end;               /* exclusive */
    NvmeAtomicResume *resume;   /* continues the command once granted */
    QTAILQ_ENTRY(NvmeRequest) link;
} NvmeAtomicReq;

bool nvme_atomic_ctrl_setup(NvmeCtrl *n, Error **errp);
void nvme_atomic_ns_init(NvmeNamespace *ns, const NvmeNsAtomicParams *p);
bool nvme_atomic_ns_check(NvmeNamespace *ns, NvmeCtrl *n, Error **errp);
void nvme_atomic_ns_cleanup(NvmeNamespace *ns);
void nvme_atomic_id_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in);
void nvme_atomic_id_ns(NvmeNamespace *ns, NvmeIdNsIn *in);
bool nvme_atomic_hold(NvmeRequest *req, uint64_t slba, uint64_t nlb,
                      bool write, NvmeAtomicResume *resume);
void nvme_atomic_release(NvmeRequest *req);
void nvme_atomic_sq_run(NvmeSQueue *sq);

/* Pure rules (atomic.c), for unit tests. */
bool nvme_atomic_crosses(uint64_t slba, uint64_t nlb, uint64_t nabo,
                         uint32_t bsize);

#endif /* HW_NVME_ATOMIC_H */

/*
 * The namespaces of a subsystem's capacity pool (pool.c): how the ones
 * created by Namespace Management migrate, and how they come back when
 * QEMU starts again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_POOL_H
#define HW_NVME_POOL_H

#include "migration/vmstate.h"
#include "ns.h"

/*
 * A created namespace as the stream (and the pool's state file) holds it:
 * its image size, the controllers it is attached to and the namespace
 * (identity, configured block size, then its guest-set state).
 */
typedef struct NvmePoolNsMig {
    uint64_t bytes;
    uint32_t ctrls;             /* bit per controller id */
    NvmeNamespace ns;
} NvmePoolNsMig;

extern const VMStateDescription nvme_vmstate_subsys;

#endif /* HW_NVME_POOL_H */

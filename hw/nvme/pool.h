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
#include "qemu/bitops.h"
#include "ns.h"
#include "subsys.h"

/*
 * A created namespace as the stream (and the pool's state file) holds it:
 * its image size, the controllers it is attached to and the namespace
 * (identity, configured block size, then its guest-set state).
 */
typedef struct NvmePoolNsMig {
    uint64_t bytes;
    unsigned long ctrls[BITS_TO_LONGS(NVME_SUBSYS_MAX_CTRLS)]; /* by id */
    NvmeNamespace ns;
} NvmePoolNsMig;

bool nvme_pool_start(NvmeSubsys *s, const char *who, Error **errp);
void nvme_pool_changed(NvmeSubsys *s);

extern const VMStateDescription nvme_vmstate_subsys;

#endif /* HW_NVME_POOL_H */

/*
 * Clean-room NVMe controller: names every file of the device shares.
 *
 * Forward declarations of the device's main types, the device-wide
 * limits, and NVMe values that block/nvme.h does not name and that more
 * than one area uses.  Values of one area live in that area's header.
 *
 * Headers of the device live next to its code in hw/nvme/ and are
 * included with quotes ("queue.h"): QEMU looks next to the including file
 * first.  docs/architecture.rst draws the layers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_TYPES_H
#define HW_NVME_TYPES_H

#include "block/nvme.h"

typedef struct NvmeCtrl NvmeCtrl;
typedef struct NvmeRequest NvmeRequest;
typedef struct NvmeSQueue NvmeSQueue;
typedef struct NvmeCQueue NvmeCQueue;
typedef struct NvmeSubsys NvmeSubsys;
typedef struct NvmeNamespace NvmeNamespace;
typedef struct NvmeWorker NvmeWorker;
typedef struct NvmeResvAbort NvmeResvAbort;

/* Highest NSID; also Identify Controller NN. */
#define NVME_MAX_NSID           256

/* Status values and opcodes block/nvme.h does not name. */
#define NVME_NS_WRITE_PROTECTED     0x0020
#define NVME_ADM_CMD_KEEP_ALIVE     0x18

/* A run of logical blocks (Write Uncorrectable marks, DSM and Copy). */
typedef struct NvmeLbaRange {
    uint64_t slba;
    uint64_t nlb;
} NvmeLbaRange;

static inline bool nvme_nsid_valid(uint32_t nsid)
{
    return nsid >= 1 && nsid <= NVME_MAX_NSID;
}

#endif /* HW_NVME_TYPES_H */

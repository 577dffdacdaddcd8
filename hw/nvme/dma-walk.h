/*
 * NVMe data pointer walks: PRP entries and lists, Scatter Gather Lists.
 *
 * Pure functions over plain inputs (no QEMU state): the caller supplies a
 * reader of guest memory and a sink for the pieces of the transfer, so
 * the walks run the same in the device (dma.c) and in unit tests
 * (tests/unit/test-dma-walk.c).  They return a generic command status of
 * block/nvme.h (SCT 0, without DNR) and, on failure, say why in an
 * NvmeWalkResult.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DMA_WALK_H
#define HW_NVME_DMA_WALK_H

#include "block/nvme.h"

/* Bytes of the command's data pointer fields (error log location). */
#define NVME_WALK_BYTE_DPTR1    24      /* PRP1, SGL1 Address */
#define NVME_WALK_BYTE_DPTR2    32      /* PRP2, SGL1 Length */
#define NVME_WALK_BYTE_SGL_ID   39      /* SGL1 Identifier */
#define NVME_WALK_BYTE_NONE     0xff    /* not a field of the command */

#define NVME_WALK_SGL_DESC      sizeof(NvmeSglDescriptor)

/*
 * Read @len bytes of guest memory at @addr into @buf; false when that
 * memory is not there (the walk fails with Data Transfer Error).
 */
typedef bool NvmeWalkRead(void *opaque, uint64_t addr, void *buf,
                          uint32_t len);
/*
 * The next piece of the transfer, at byte @off of it: @len bytes of guest
 * memory at @addr, or with @hole an SGL bit bucket (no memory).
 */
typedef void NvmeWalkPiece(void *opaque, uint32_t off, uint64_t addr,
                           uint32_t len, bool hole);

/*
 * Optional: @len bytes at @addr are about to be read as one PRP list or
 * SGL segment.  A non-zero generic status fails the walk with it (the
 * device: a list partly in controller memory, or in the PMR, is Invalid
 * Use of Controller Memory Buffer).
 */
typedef uint16_t NvmeWalkCheck(void *opaque, uint64_t addr, uint64_t len);

typedef struct NvmeWalkIo {
    NvmeWalkRead *read;
    NvmeWalkPiece *piece;
    void *opaque;
    NvmeWalkCheck *check;       /* NULL: any readable memory will do */
} NvmeWalkIo;

/* What a walk saw: on failure, why and where; on success, the count. */
typedef struct NvmeWalkResult {
    const char *why;            /* NULL on success */
    uint64_t addr;              /* the bad entry, or descriptor address */
    uint32_t len;               /* SGL: the descriptor's length */
    uint8_t id;                 /* SGL: the descriptor's identifier */
    uint32_t ndesc;             /* SGL descriptors read, the command's too */
    uint8_t byte;               /* command byte at fault, or BYTE_NONE */
} NvmeWalkResult;

/*
 * Describe @len bytes (non-zero) with PRP1 and PRP2 for a memory page
 * size @page_size (a power of two, 4 KiB or more).
 */
uint16_t nvme_walk_prp(const NvmeWalkIo *io, uint64_t prp1, uint64_t prp2,
                       uint32_t len, uint32_t page_size, NvmeWalkResult *res);

typedef struct NvmeSglWalkArgs {
    uint8_t first[NVME_WALK_SGL_DESC];  /* first descriptor, as in memory */
    bool first_in_cmd;          /* it is the command's SGL1 (else MPTR's) */
    uint32_t len;               /* bytes the command transfers, non-zero */
    bool to_device;             /* host-to-controller: no bit buckets */
    bool excess_ok;             /* SGLS bit 18: SGL may exceed the data */
    bool md;                    /* metadata SGL: its own length status */
    uint32_t max_descs;         /* descriptors a command may use */
} NvmeSglWalkArgs;

uint16_t nvme_walk_sgl(const NvmeWalkIo *io, const NvmeSglWalkArgs *a,
                       NvmeWalkResult *res);

#endif /* HW_NVME_DMA_WALK_H */

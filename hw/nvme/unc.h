/*
 * Write Uncorrectable marks of a namespace (unc.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_UNC_H
#define HW_NVME_UNC_H

#include "migration/vmstate.h"
#include "types.h"

#define NVME_UNC_MAX_RANGES 4096        /* bound on the marks' memory */

/*
 * Blocks marked by Write Uncorrectable (NvmeNamespace.unc), or of failed
 * reads (NvmeNamespace.media): sorted, disjoint, non-adjacent ranges, so
 * the list is plain data a vmstate can describe.  The queues of every
 * controller of the namespace read and change them: NvmeNamespace.unc_lock
 * protects both lists of a namespace (unc.c says when it is taken).
 */
typedef struct NvmeUncList {
    NvmeLbaRange *r;
    uint32_t nr;
    uint32_t alloc;
    uint16_t gen;               /* bumped on every change (0Eh LSGC) */
    uint32_t adds;              /* ranges ever added (lba-status.c) */
} NvmeUncList;

uint32_t nvme_unc_search(NvmeUncList *l, uint64_t lba);
uint16_t nvme_unc_check(NvmeRequest *req, uint64_t slba, uint64_t nlb);
uint16_t nvme_unc_check_ns(NvmeRequest *req, NvmeNamespace *ns,
                           uint64_t slba, uint64_t nlb);
bool nvme_unc_mark(NvmeNamespace *ns, uint64_t slba, uint64_t nlb);
void nvme_unc_clear(NvmeNamespace *ns, uint64_t slba, uint64_t nlb);
void nvme_media_error_mark(NvmeRequest *req, NvmeNamespace *ns);
void nvme_unc_tracked(NvmeNamespace *ns, NvmeUncList *t);
void nvme_unc_free(NvmeNamespace *ns);
void nvme_unc_init(NvmeNamespace *ns);
void nvme_unc_cleanup(NvmeNamespace *ns);
uint32_t nvme_unc_adds(NvmeNamespace *ns);
bool nvme_unc_first(NvmeNamespace *ns, uint64_t *lba);
bool nvme_unc_fits(NvmeNamespace *ns);
void nvme_unc_copy(NvmeNamespace *ns, NvmeUncList *unc, NvmeUncList *media);

extern const VMStateDescription nvme_vmstate_unc;

#endif /* HW_NVME_UNC_H */

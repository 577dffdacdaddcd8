/*
 * NVM commands over LBA ranges (nvm-range.c): Write Zeroes, Dataset
 * Management, Verify, Write Uncorrectable (its marks: unc.h), Get LBA
 * Status, and the range job that Copy also uses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_RANGE_H
#define HW_NVME_NVM_RANGE_H

#include "system/block-backend.h"
#include "types.h"

#define NVME_ADM_CMD_GET_LBA_STATUS 0x86

typedef struct NvmeRangeJob NvmeRangeJob;
typedef void NvmeRangeStep(NvmeRangeJob *job, uint64_t slba, uint32_t nlb);

/*
 * A list of LBA ranges worked through one chunk at a time, each chunk
 * one asynchronous backend request (two for Copy).
 */
struct NvmeRangeJob {
    NvmeRequest *req;
    NvmeLbaRange *ranges;       /* owned */
    uint32_t nr;
    uint32_t idx;               /* range being worked on */
    uint64_t pos;               /* blocks of ranges[idx] done */
    uint64_t cur_slba;          /* chunk in flight, for the error log */
    uint32_t chunk_lbas;
    bool is_write;
    NvmeRangeStep *step;
    void (*done)(NvmeRangeJob *job);    /* after success: marks, stats */
    BdrvRequestFlags flags;
    uint8_t *buf;               /* bounce buffer (Verify, Copy) */
    uint8_t *md;                /* metadata of the chunk (Verify, Copy) */
    uint32_t cur_nlb;           /* blocks of the chunk in flight */
    QEMUIOVector qiov;
    uint64_t dst;               /* Copy: next destination LBA */
    BlockCompletionFunc *chunk_cb;      /* Copy: after the write half */
    uint8_t chunk_phase;        /* Copy: request of the chunk under way */
    void *priv;                 /* command's own state */
    void (*priv_free)(void *priv);      /* frees it, else g_free */
};

NvmeRangeJob *nvme_range_job_new(NvmeRequest *req, NvmeLbaRange *ranges,
                                 uint32_t nr, uint64_t chunk_bytes,
                                 bool bounce);
void nvme_range_job_start(NvmeRangeJob *job);
void nvme_range_job_cb(void *opaque, int ret);
void nvme_range_job_fail(NvmeRangeJob *job, uint16_t status);
uint16_t nvme_lba_check(NvmeRequest *req, uint64_t slba, uint64_t nlb,
                        unsigned byte);
uint16_t nvme_lba_check_ns(NvmeRequest *req, NvmeNamespace *ns,
                           uint64_t slba, uint64_t nlb, unsigned byte);
uint16_t nvme_writable_check(NvmeRequest *req);
uint16_t nvme_range_deallocate(NvmeRequest *req, NvmeLbaRange *r,
                               uint32_t nr);
uint16_t nvme_nvm_write_zeroes(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_dsm(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_verify(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_write_uncor(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_get_lba_status(NvmeCtrl *n, NvmeRequest *req);
uint8_t *nvme_lbas_log(NvmeCtrl *n, size_t *size);

#endif /* HW_NVME_NVM_RANGE_H */

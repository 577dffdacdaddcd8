/*
 * NVM Copy command: source ranges (descriptor format 0) copied, in order,
 * to consecutive blocks from SDLBA, through the block backend: each chunk
 * is read into a bounce buffer, then written to the destination.
 *
 * Only format 0 is offered (OCFS bit 0): format 1 differs only in the
 * 16b/64b protection information fields, and namespaces here carry no
 * protection information.  Identify Namespace reports the limits MSRC,
 * MSSRL and MCL; exceeding one is Command Size Limit Exceeded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "system/block-backend.h"
#include "hw/nvme/nvme.h"
#include "trace.h"

#define NVME_COPY_CHUNK     (1 * MiB)
#define NVME_COPY_FUA       (1u << 30)
/* NR, DESFMT, PRINFOR, STCW (24), PRINFOW, FUA, LR; DTYPE unsupported */
#define NVME_COPY_CDW12_OK  0xfd00ffffu

/* Context: queue (block layer callback).  Source chunk read: write. */
static void nvme_copy_read_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;
    NvmeNamespace *ns = job->req->ns;

    NVME_IO_LOCK_GUARD(nvme_req_ctrl(job->req));
    if (ret < 0) {
        nvme_range_job_cb(job, ret);
        return;
    }
    job->is_write = true;
    job->cur_slba = job->dst;
    job->dst += job->qiov.size >> ns->lbads;
    job->req->aiocb = blk_aio_pwritev(ns->blk, job->cur_slba << ns->lbads,
                                      &job->qiov, job->flags,
                                      nvme_range_job_cb, job);
}

/* Context: main loop.  One chunk: read the source blocks. */
static void nvme_copy_step(NvmeRangeJob *job, uint64_t slba, uint32_t nlb)
{
    NvmeNamespace *ns = job->req->ns;

    job->is_write = false;
    qemu_iovec_init_buf(&job->qiov, job->buf, (size_t)nlb << ns->lbads);
    job->req->aiocb = blk_aio_preadv(ns->blk, slba << ns->lbads, &job->qiov,
                                     0, nvme_copy_read_cb, job);
}

/* Context: main loop.  The destination blocks are rewritten. */
static void nvme_copy_done(NvmeRangeJob *job)
{
    NvmeRequest *req = job->req;

    nvme_unc_clear(req->ns, req->slba, req->nlb);
    nvme_req_ctrl(req)->stats.write_cmds++;
}

/* Context: main loop.  Check one source range and add it to the total. */
static uint16_t nvme_copy_range(NvmeRequest *req,
                                const NvmeCopySourceRangeFormat0_2 *src,
                                NvmeLbaRange *r, uint64_t *total)
{
    uint16_t status;

    r->slba = le64_to_cpu(src->slba);
    r->nlb = le16_to_cpu(src->nlb) + 1;
    if (r->nlb > NVME_COPY_MSSRL) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "source range longer than MSSRL");
    }
    *total += r->nlb;
    if (*total > NVME_COPY_MCL) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "copy longer than MCL");
    }
    status = nvme_lba_check(req, r->slba, r->nlb, 40);
    if (!status) {
        status = nvme_unc_check(req, r->slba, r->nlb);
    }
    return status;
}

/* Context: main loop.  Read and check the source range list. */
static uint16_t nvme_copy_ranges(NvmeCtrl *n, NvmeRequest *req, uint32_t nr,
                                 NvmeLbaRange **out)
{
    g_autofree NvmeCopySourceRangeFormat0_2 *raw =
        g_new(NvmeCopySourceRangeFormat0_2, nr);
    g_autofree NvmeLbaRange *r = g_new(NvmeLbaRange, nr);
    uint64_t total = 0;
    uint16_t status;

    status = nvme_dma_from_guest(n, req, raw, nr * sizeof(*raw));
    for (uint32_t i = 0; i < nr && !status; i++) {
        status = nvme_copy_range(req, &raw[i], &r[i], &total);
    }
    if (status) {
        return status;
    }
    req->nlb = total;
    *out = g_steal_pointer(&r);
    return NVME_SUCCESS;
}

/* Context: main loop.  CDW12 fields other than the ranges. */
static uint16_t nvme_copy_parse(NvmeRequest *req, uint32_t *nr)
{
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);

    *nr = (cdw12 & 0xff) + 1;
    req->slba = le32_to_cpu(req->cmd.cdw10) |
                (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    req->fua = cdw12 & NVME_COPY_FUA;
    if (cdw12 & ~NVME_COPY_CDW12_OK) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 50, 0,
                               "reserved or unsupported CDW12 bits");
    }
    if ((cdw12 >> 8) & 0xf) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 49, 0,
                               "descriptor format not supported");
    }
    if (*nr > NVME_COPY_MSRC + 1) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "more source ranges than MSRC");
    }
    if (!blk_is_writable(req->ns->blk)) {
        return nvme_req_reject(req, NVME_NS_WRITE_PROTECTED | NVME_DNR, 0, 0,
                               "namespace is write protected");
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Copy: parse, check every range, then run the job. */
uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeLbaRange *r = NULL;
    NvmeRangeJob *job;
    uint32_t nr;
    uint16_t status;

    if (req->ns->ms) {          /* copying metadata: not implemented */
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "copy on a format with metadata");
    }
    status = nvme_copy_parse(req, &nr);
    if (!status) {
        status = nvme_copy_ranges(n, req, nr, &r);
    }
    if (!status) {
        status = nvme_lba_check(req, req->slba, req->nlb, 40);
    }
    if (status) {
        g_free(r);
        return status;
    }
    trace_nvme_io_copy(le16_to_cpu(req->cmd.cid), nr, req->slba, req->nlb);
    job = nvme_range_job_new(req, r, nr, NVME_COPY_CHUNK, true);
    job->step = nvme_copy_step;
    job->done = nvme_copy_done;
    job->dst = req->slba;
    job->flags = req->fua ? BDRV_REQ_FUA : 0;
    nvme_range_job_start(job);
    return NVME_NO_COMPLETE;
}

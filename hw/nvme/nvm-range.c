/*
 * NVM commands on LBA ranges without a data transfer to the host: Write
 * Zeroes, Dataset Management, Verify, Write Uncorrectable, and the admin
 * command Get LBA Status and log page 0Eh that report the tracked blocks:
 * Write Uncorrectable marks and blocks of reads that failed (media errors).
 *
 * The work is an NvmeRangeJob: a list of ranges done one chunk at a time,
 * each chunk one asynchronous backend request whose callback issues the
 * next, so no command ever needs more than one bounded bounce buffer and
 * no request exceeds what the block layer accepts in one go.
 *
 * Deallocation (DSM AD, Write Zeroes DEAC) is a zero write that may unmap,
 * so deallocated blocks always read back as zeroes: Identify Namespace
 * DLFEAT reports exactly that.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/memalign.h"
#include "system/block-backend.h"
#include "atomic.h"
#include "bounds.h"
#include "ctrl.h"
#include "dma.h"
#include "ioerr.h"
#include "lba-status.h"
#include "ns.h"
#include "nvm-meta.h"
#include "nvm-range.h"
#include "pi.h"
#include "queue.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_ZEROES_CHUNK   (1 * GiB)   /* per backend zero write */
#define NVME_BOUNCE_CHUNK   (1 * MiB)   /* per backend read (Verify) */
#define NVME_DSM_MAX_RANGES 256

#define NVME_CDW12_DEAC     (1u << 25)
#define NVME_CDW12_FUA      (1u << 30)

/* ---- helpers shared by the NVM range commands ---- */

/*
 * Context: queue.  @slba + @nlb inside namespace @ns (the command's, or
 * a Copy source), without 64-bit wrap-around; @byte locates the SLBA
 * field for the error log.
 */
uint16_t nvme_lba_check_ns(NvmeRequest *req, NvmeNamespace *ns,
                           uint64_t slba, uint64_t nlb, unsigned byte)
{
    if (!nvme_lba_range_ok(ns->nlbas, slba, nlb)) {
        req->err_lba = slba;
        return nvme_req_reject(req, NVME_LBA_RANGE | NVME_DNR, byte, 0,
                               "LBA range beyond the namespace");
    }
    return NVME_SUCCESS;
}

/* Context: queue.  The same in the command's namespace. */
uint16_t nvme_lba_check(NvmeRequest *req, uint64_t slba, uint64_t nlb,
                        unsigned byte)
{
    return nvme_lba_check_ns(req, req->ns, slba, nlb, byte);
}

/* Context: main loop.  Data-changing commands need a writable backend. */
uint16_t nvme_writable_check(NvmeRequest *req)
{
    if (!blk_is_writable(req->ns->blk)) {
        return nvme_req_reject(req, NVME_NS_WRITE_PROTECTED | NVME_DNR, 0, 0,
                               "namespace is write protected");
    }
    return NVME_SUCCESS;
}

/* ---- the range job ---- */

/* Context: main loop. */
NvmeRangeJob *nvme_range_job_new(NvmeRequest *req, NvmeLbaRange *ranges,
                                 uint32_t nr, uint64_t chunk_bytes,
                                 bool bounce)
{
    NvmeRangeJob *job = g_new0(NvmeRangeJob, 1);
    NvmeNamespace *ns = req->ns;

    job->req = req;
    job->ranges = ranges;
    job->nr = nr;
    job->chunk_lbas = MAX(chunk_bytes >> ns->lbads, 1);
    if (bounce) {
        job->buf = blk_blockalign(ns->blk, (size_t)job->chunk_lbas <<
                                           ns->lbads);
        if (ns->ms) {
            job->md = g_malloc((size_t)job->chunk_lbas * ns->ms);
        }
    }
    req->opaque = job;
    return job;
}

/*
 * Context: main loop.  Free the job, account and complete the command:
 * with @status if it is not success (a check failed), else as @ret says.
 */
static void nvme_range_job_end(NvmeRangeJob *job, int ret, uint16_t status)
{
    NvmeRequest *req = job->req;

    if (status) {
        /* the check that failed set req->err_lba */
    } else if (ret < 0) {
        req->err_lba = job->cur_slba;
        status = nvme_io_error(req, req->ns, ret, !job->is_write, false);
    } else if (job->done) {
        job->done(job);
    }
    trace_nvme_range_done(le16_to_cpu(req->cmd.cid), req->cmd.opcode, ret);
    qemu_vfree(job->buf);
    g_free(job->md);
    if (job->priv_free) {
        job->priv_free(job->priv);
    } else {
        g_free(job->priv);
    }
    g_free(job->ranges);
    g_free(job);
    req->opaque = NULL;
    nvme_req_complete(req, status);
}

/* Context: main loop. */
static void nvme_range_job_finish(NvmeRangeJob *job, int ret)
{
    nvme_range_job_end(job, ret, NVME_SUCCESS);
}

/* Context: main loop.  A chunk failed a check (PI): complete with it. */
void nvme_range_job_fail(NvmeRangeJob *job, uint16_t status)
{
    nvme_range_job_end(job, 0, status);
}

/*
 * Context: queue.  Issue the next chunk, or finish; a command of a queue
 * being deleted (or a controller resetting) stops here.
 */
static void nvme_range_job_next(NvmeRangeJob *job)
{
    NvmeLbaRange *r;
    uint32_t n;

    if (nvme_req_stopping(job->req)) {
        nvme_range_job_fail(job, NVME_CMD_ABORT_REQ);
        return;
    }
    while (job->idx < job->nr && job->pos == job->ranges[job->idx].nlb) {
        job->idx++;
        job->pos = 0;
    }
    if (job->idx == job->nr) {
        nvme_range_job_finish(job, 0);
        return;
    }
    r = &job->ranges[job->idx];
    n = MIN(r->nlb - job->pos, job->chunk_lbas);
    job->cur_slba = r->slba + job->pos;
    job->cur_nlb = n;
    job->pos += n;
    job->step(job, job->cur_slba, n);
}

/* Context: queue (block layer callback).  One chunk finished. */
void nvme_range_job_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;

    job->req->aiocb = NULL;
    if (ret < 0) {
        nvme_range_job_finish(job, ret);
        return;
    }
    nvme_range_job_next(job);
}

/* Context: queue.  The overlap lock granted a waiting job its extent. */
static void nvme_range_job_resume(NvmeRequest *req)
{
    nvme_range_job_next(req->opaque);
}

/*
 * Context: queue.  Hold the extent of every range (and Copy's
 * destination) in the namespace's overlap lock (atomic.c), as a plain
 * write or a read: an atomic write and the job do not interleave.
 */
void nvme_range_job_start(NvmeRangeJob *job)
{
    NvmeRequest *req = job->req;
    bool copy = req->cmd.opcode == NVME_CMD_COPY;
    uint64_t lo = copy ? req->slba : UINT64_MAX;
    uint64_t hi = copy ? req->slba + req->nlb : 0;

    for (uint32_t i = 0; i < job->nr; i++) {
        lo = MIN(lo, job->ranges[i].slba);
        hi = MAX(hi, job->ranges[i].slba + job->ranges[i].nlb);
    }
    if (hi > lo && nvme_atomic_hold(req, lo, hi - lo, job->is_write || copy,
                                    nvme_range_job_resume)) {
        return;
    }
    nvme_range_job_next(job);
}

/* Context: main loop.  Zero the data of the chunk under way. */
static void nvme_zeroes_data(NvmeRangeJob *job)
{
    NvmeNamespace *ns = job->req->ns;
    uint64_t end = job->ranges[job->idx].slba + job->pos;

    job->req->aiocb = blk_aio_pwrite_zeroes(ns->blk,
                                            job->cur_slba << ns->lbads,
                                            (end - job->cur_slba) <<
                                            ns->lbads, job->flags,
                                            nvme_range_job_cb, job);
}

/* Context: queue (block layer callback).  Metadata done, now data. */
static void nvme_zeroes_md_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;

    job->req->aiocb = NULL;
    if (ret < 0) {
        nvme_range_job_cb(job, ret);
        return;
    }
    nvme_zeroes_data(job);
}

/*
 * Context: main loop.  Step of Write Zeroes and DSM deallocate.  With
 * metadata, the metadata is zeroed first; a Write Zeroes with PRACT on a
 * namespace with PI writes generated PI instead (nvm-meta.c).
 */
static void nvme_zeroes_step(NvmeRangeJob *job, uint64_t slba, uint32_t nlb)
{
    NvmeRequest *req = job->req;
    NvmeNamespace *ns = req->ns;
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);
    size_t md_len = (size_t)nlb * ns->ms;

    if (!ns->ms) {
        nvme_zeroes_data(job);
        return;
    }
    if (ns->pi && req->cmd.opcode == NVME_CMD_WRITE_ZEROES &&
        (cdw12 & (NVME_RW_PRINFO_PRACT << 16))) {
        qemu_vfree(job->buf);
        job->buf = blk_blockalign(ns->blk, md_len);
        memset(job->buf, 0, md_len);
        nvme_pi_generate(ns, NULL, job->buf, nlb,
                         nvme_pi_ilbrt(ns, &req->cmd) + (slba - req->slba),
                         le32_to_cpu(req->cmd.cdw15) & 0xffff);
        nvme_pi_flip(ns, job->buf, nlb);
        qemu_iovec_init_buf(&job->qiov, job->buf, md_len);
        req->aiocb = blk_aio_pwritev(ns->blk, nvme_ns_md_off(ns, slba),
                                     &job->qiov, job->flags & BDRV_REQ_FUA,
                                     nvme_zeroes_md_cb, job);
        return;
    }
    req->aiocb = blk_aio_pwrite_zeroes(ns->blk, nvme_ns_md_off(ns, slba),
                                       md_len, job->flags,
                                       nvme_zeroes_md_cb, job);
}

/*
 * Context: queue (block layer callback).  Verify with PI checks: the
 * chunk's data and metadata are read, check the stored PI as PRCHK says,
 * with the expected reference tag advanced to the chunk's first block.
 */
static void nvme_verify_md_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;
    NvmeRequest *req = job->req;
    NvmeNamespace *ns = req->ns;
    NvmePiExpect e;
    uint16_t status;

    req->aiocb = NULL;
    if (ret < 0) {
        nvme_range_job_cb(job, ret);
        return;
    }
    nvme_pi_flip(ns, job->md, job->cur_nlb);
    nvme_pi_expect_rw(ns, &req->cmd, &e);
    e.ref += job->cur_slba - req->slba;
    status = nvme_pi_check_blocks(ns, req, job->buf, job->md, job->cur_slba,
                                  job->cur_nlb, &e);
    if (status) {
        nvme_range_job_fail(job, status);
        return;
    }
    nvme_range_job_next(job);
}

/*
 * Context: main loop.  A Verify on a namespace with PI and a PRCHK bit set
 * reads the metadata too (PRACT changes nothing: no data moves).
 */
static bool nvme_verify_checks_pi(NvmeRequest *req)
{
    return req->ns->pi && (le32_to_cpu(req->cmd.cdw12) & (7u << 26));
}

/* Context: queue (block layer callback).  Data read: the metadata. */
static void nvme_verify_data_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;
    NvmeNamespace *ns = job->req->ns;

    job->req->aiocb = NULL;
    if (ret < 0 || !nvme_verify_checks_pi(job->req) ||
        nvme_req_stopping(job->req)) {
        nvme_range_job_cb(job, ret);     /* stopping: ends at next chunk */
        return;
    }
    qemu_iovec_init_buf(&job->qiov, job->md, (size_t)job->cur_nlb * ns->ms);
    job->req->aiocb = blk_aio_preadv(ns->blk,
                                     nvme_ns_md_off(ns, job->cur_slba),
                                     &job->qiov, 0, nvme_verify_md_cb, job);
}

/* Context: main loop.  Step of Verify: read into the bounce buffer. */
static void nvme_verify_step(NvmeRangeJob *job, uint64_t slba, uint32_t nlb)
{
    NvmeNamespace *ns = job->req->ns;

    qemu_iovec_init_buf(&job->qiov, job->buf, (size_t)nlb << ns->lbads);
    job->req->aiocb = blk_aio_preadv(ns->blk, slba << ns->lbads, &job->qiov,
                                     0, nvme_verify_data_cb, job);
}

/* Context: main loop.  Success of a zero write: the blocks are rewritten. */
static void nvme_zeroes_done(NvmeRangeJob *job)
{
    uint64_t blocks = 0;

    for (uint32_t i = 0; i < job->nr; i++) {
        nvme_unc_clear(job->req->ns, job->ranges[i].slba,
                       job->ranges[i].nlb);
        blocks += job->ranges[i].nlb;
    }
    if (job->req->cmd.opcode == NVME_CMD_WRITE_ZEROES) {
        nvme_stats_io(job->req, NVME_STATS_ZEROES, blocks);
    }
}

/* Context: main loop.  Verify reads the blocks without returning them. */
static void nvme_verify_done(NvmeRangeJob *job)
{
    nvme_stats_io(job->req, NVME_STATS_VERIFY, job->req->nlb);
}

/* ---- Write Zeroes, Verify, Write Uncorrectable: SLBA/NLB commands ---- */

/*
 * Context: main loop.  SLBA (CDW10-11) and NLB (CDW12 15:0, 0-based) of a
 * single-range command; bits of CDW12 outside @allowed must be zero.
 */
static uint16_t nvme_range_parse(NvmeRequest *req, uint32_t allowed)
{
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);

    req->slba = le32_to_cpu(req->cmd.cdw10) |
                (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    req->nlb = (cdw12 & 0xffff) + 1;
    req->fua = cdw12 & NVME_CDW12_FUA;
    if (cdw12 & ~(allowed | 0xffff)) {
        unsigned bit = ctz32(cdw12 & ~(allowed | 0xffff));

        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR,
                               48 + bit / 8, bit % 8,
                               "reserved or unsupported CDW12 bits");
    }
    return nvme_lba_check(req, req->slba, req->nlb, 40);
}

/* Context: main loop.  One range job over the command's SLBA/NLB. */
static NvmeRangeJob *nvme_single_range_job(NvmeRequest *req,
                                           uint64_t chunk, bool bounce)
{
    NvmeLbaRange *r = g_new(NvmeLbaRange, 1);

    *r = (NvmeLbaRange) { req->slba, req->nlb };
    return nvme_range_job_new(req, r, 1, chunk, bounce);
}

/*
 * Context: main loop.  CDW12: LR (31), FUA (30), PRINFO (29:26, ignored:
 * no protection information), DEAC (25), STC (24, ignored likewise).
 * Bits 23:16 (directive type, no directives) must be zero.
 */
uint16_t nvme_nvm_write_zeroes(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);
    NvmeRangeJob *job;
    uint16_t status;

    status = nvme_range_parse(req, 0xff000000);
    if (!status) {
        status = nvme_writable_check(req);
    }
    if (!status && req->ns->zoned) {
        status = nvme_zns_write_admit(req, &req->slba, req->nlb, false);
    }
    if (status) {
        return status;
    }
    trace_nvme_io_write_zeroes(le16_to_cpu(req->cmd.cid), req->slba, req->nlb,
                            !!(cdw12 & NVME_CDW12_DEAC), req->fua);
    job = nvme_single_range_job(req, NVME_ZEROES_CHUNK, false);
    job->is_write = true;
    job->step = nvme_zeroes_step;
    job->done = nvme_zeroes_done;
    job->flags = (cdw12 & NVME_CDW12_DEAC ? BDRV_REQ_MAY_UNMAP : 0) |
                 (req->fua ? BDRV_REQ_FUA : 0);
    nvme_range_job_start(job);
    return NVME_NO_COMPLETE;
}

/*
 * Context: main loop.  Verify reads the blocks from the backend and drops
 * the data, checking the stored PI as PRINFO says on a namespace with PI;
 * CDW12 as Write Zeroes without DEAC.  At most VSL (the "vsl" property)
 * bytes, metadata counted as for MDTS.
 */
uint16_t nvme_nvm_verify(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeRangeJob *job;
    uint16_t status;

    status = nvme_range_parse(req, 0xff000000 & ~NVME_CDW12_DEAC);
    if (!status &&
        nvme_limit_bytes(n, req->ns, req->nlb, req->ns->mset ?
                         (uint64_t)req->nlb * req->ns->ms : 0) >
        (4096ull << n->params.vsl)) {
        status = nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                                 "Verify beyond VSL");
    }
    if (!status) {
        status = nvme_pi_check_ilbrt(req);      /* nvm-meta.c */
    }
    if (!status) {
        status = nvme_unc_check(req, req->slba, req->nlb);
    }
    if (!status && req->ns->zoned) {
        status = nvme_zns_read_check(req, req->slba, req->nlb);
    }
    if (status) {
        return status;
    }
    trace_nvme_io_verify(le16_to_cpu(req->cmd.cid), req->slba, req->nlb);
    job = nvme_single_range_job(req, NVME_BOUNCE_CHUNK, true);
    job->step = nvme_verify_step;
    job->done = nvme_verify_done;
    nvme_range_job_start(job);
    return NVME_NO_COMPLETE;
}

/*
 * Context: main loop.  Write Uncorrectable only marks the blocks; CDW12
 * bits 31:16 are reserved or the directive type (unsupported).
 */
uint16_t nvme_nvm_write_uncor(NvmeCtrl *n, NvmeRequest *req)
{
    uint16_t status;

    status = nvme_range_parse(req, 0);
    if (!status) {
        status = nvme_writable_check(req);
    }
    if (status) {
        return status;
    }
    if (req->ns->zoned) {
        /* a write: at the write pointer, which moves past it (zns.c) */
        status = nvme_zns_write_admit(req, &req->slba, req->nlb, false);
        if (status) {
            return status;
        }
    }
    trace_nvme_io_write_uncor(le16_to_cpu(req->cmd.cid), req->slba, req->nlb);
    if (!nvme_unc_mark(req->ns, req->slba, req->nlb)) {
        return nvme_req_reject(req, NVME_INTERNAL_DEV_ERROR | NVME_DNR, 40, 0,
                               "too many uncorrectable ranges");
    }
    nvme_lbas_added(n);         /* lba-status.c: the alert */
    return NVME_SUCCESS;        /* not a User Data Out command: no stats */
}

/* ---- Dataset Management ---- */

/* Context: main loop.  Read and check the range list from guest memory. */
static uint16_t nvme_dsm_ranges(NvmeCtrl *n, NvmeRequest *req, uint32_t nr,
                                NvmeLbaRange **out)
{
    g_autofree NvmeDsmRange *raw = g_new(NvmeDsmRange, nr);
    g_autofree NvmeLbaRange *r = g_new(NvmeLbaRange, nr);
    uint16_t status;

    status = nvme_dma_from_guest(n, req, raw, nr * sizeof(*raw));
    if (status) {
        return status;
    }
    for (uint32_t i = 0; i < nr; i++) {
        r[i].slba = le64_to_cpu(raw[i].slba);
        r[i].nlb = le32_to_cpu(raw[i].nlb);
        if (r[i].nlb) {
            status = nvme_lba_check(req, r[i].slba, r[i].nlb, 40);
            if (status) {
                return status;
            }
        }
    }
    *out = g_steal_pointer(&r);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  CDW10 7:0 NR (0-based, up to 256 ranges), CDW11
 * attributes: IDR and IDW are hints and accepted, AD deallocates.  The
 * ranges are checked even without AD.
 */
uint16_t nvme_nvm_dsm(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t cdw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t attr = le32_to_cpu(req->cmd.cdw11);
    uint32_t nr = (cdw10 & 0xff) + 1;
    NvmeLbaRange *r = NULL;
    uint16_t status;

    if (cdw10 & ~0xffu) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 41, 0,
                               "reserved CDW10 bits");
    }
    if (attr & ~(uint32_t)(NVME_DSMGMT_IDR | NVME_DSMGMT_IDW |
                           NVME_DSMGMT_AD)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 3,
                               "reserved CDW11 bits");
    }
    status = (attr & NVME_DSMGMT_AD) ? nvme_writable_check(req) : 0;
    if (!status) {
        status = nvme_dsm_ranges(n, req, nr, &r);
    }
    if (status) {
        return status;
    }
    trace_nvme_io_dsm(le16_to_cpu(req->cmd.cid), nr, attr);
    for (uint32_t i = 0; req->ns->zoned && (attr & NVME_DSMGMT_AD) &&
         !status && i < nr; i++) {
        if (r[i].nlb) {
            status = nvme_zns_modify_check(req, r[i].slba, r[i].nlb);
        }
    }
    if (status || !(attr & NVME_DSMGMT_AD)) {
        g_free(r);
        return status;
    }
    return nvme_range_deallocate(req, r, nr);
}

/*
 * Context: queue.  Deallocate the @nr ranges @r (taken over): data and
 * metadata read back as zeroes.  DSM, and Reset Zone (zns-cmd.c).
 */
uint16_t nvme_range_deallocate(NvmeRequest *req, NvmeLbaRange *r, uint32_t nr)
{
    NvmeRangeJob *job = nvme_range_job_new(req, r, nr, NVME_ZEROES_CHUNK,
                                           false);

    job->is_write = true;
    job->step = nvme_zeroes_step;
    job->done = nvme_zeroes_done;
    job->flags = BDRV_REQ_MAY_UNMAP;
    nvme_range_job_start(job);
    return NVME_NO_COMPLETE;
}

/* ---- Get LBA Status ---- */

#define NVME_LBAS_ATYPE_SCAN    0x10    /* scan, report potentially bad */
#define NVME_LBAS_ATYPE_TRACKED 0x11    /* report tracked bad LBAs only */
#define NVME_LBAS_CMPC_MNDW     1       /* stopped: MNDW dwords returned */
#define NVME_LBAS_CMPC_RANGE    2       /* the whole range was examined */

typedef struct QEMU_PACKED NvmeLbaStatusDesc {
    uint64_t dslba;
    uint32_t nlb;
    uint8_t rsvd12;
    uint8_t status;
    uint16_t rsvd14;
} NvmeLbaStatusDesc;

/*
 * Context: main loop.  Descriptors for the ranges of @l inside [@slba,
 * @end), each at most UINT32_MAX blocks; fills at most @max, returns how
 * many there are in total (so the caller knows whether all fit).
 */
static uint32_t nvme_lbas_fill(NvmeUncList *l, uint64_t slba, uint64_t end,
                               NvmeLbaStatusDesc *d, uint32_t max)
{
    uint32_t cnt = 0;

    for (uint32_t i = nvme_unc_search(l, slba);
         i < l->nr && l->r[i].slba < end; i++) {
        uint64_t s = MAX(l->r[i].slba, slba);
        uint64_t e = MIN(l->r[i].slba + l->r[i].nlb, end);

        while (s < e) {
            uint32_t len = MIN(e - s, UINT32_MAX);

            if (cnt < max) {
                d[cnt] = (NvmeLbaStatusDesc) {
                    .dslba = cpu_to_le64(s), .nlb = cpu_to_le32(len) };
            }
            cnt++;
            s += len;
        }
    }
    return cnt;
}

/*
 * Context: main loop.  Get LBA Status: CDW10-11 SLBA, CDW12 MNDW (0-based
 * dwords to return), CDW13 ATYPE (31:24) and RL (15:0, 0 = to the end of
 * the namespace).  Everything known is tracked, so both action types
 * report the Write Uncorrectable marks and media error blocks in range.
 */
uint16_t nvme_admin_get_lba_status(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t slba = le32_to_cpu(req->cmd.cdw10) |
                    (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    uint64_t len = ((uint64_t)le32_to_cpu(req->cmd.cdw12) + 1) * 4;
    uint32_t cdw13 = le32_to_cpu(req->cmd.cdw13);
    uint8_t atype = cdw13 >> 24;
    uint32_t rl = cdw13 & 0xffff, max, cnt;
    g_autofree uint8_t *buf = NULL;
    NvmeUncList t;
    uint64_t end;
    uint16_t status;

    if (atype != NVME_LBAS_ATYPE_SCAN && atype != NVME_LBAS_ATYPE_TRACKED) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 55, 0,
                               "unsupported action type");
    }
    if (cdw13 & 0x00ff0000) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 54, 0,
                               "reserved CDW13 bits");
    }
    if (len > nvme_mdts_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "MNDW beyond MDTS");
    }
    status = nvme_lba_check(req, slba, 1, 40);
    if (status) {
        return status;
    }
    end = rl ? MIN(slba + rl, req->ns->nlbas) : req->ns->nlbas;
    max = len > 8 ? (len - 8) / sizeof(NvmeLbaStatusDesc) : 0;
    nvme_unc_tracked(req->ns, &t);
    cnt = nvme_lbas_fill(&t, slba, end, NULL, 0);
    max = MIN(max, cnt);
    buf = g_malloc0(8 + max * sizeof(NvmeLbaStatusDesc));
    nvme_lbas_fill(&t, slba, end, (NvmeLbaStatusDesc *)(buf + 8), max);
    g_free(t.r);
    stl_le_p(buf, max);
    buf[4] = cnt > max ? NVME_LBAS_CMPC_MNDW : NVME_LBAS_CMPC_RANGE;
    trace_nvme_get_lba_status(slba, rl, atype, max, cnt);
    return nvme_dma_to_guest(n, req, buf,
                             MIN(len, 8 + max * sizeof(NvmeLbaStatusDesc)));
}

/* ---- LBA Status Information log page (0Eh) ---- */

/*
 * Context: main loop.  One namespace element per attached namespace with
 * tracked blocks (Write Uncorrectable marks, media errors), Recommended
 * Action Type 11h (Get LBA Status with ATYPE 11h returns them), one LBA
 * Range Descriptor per range (split at 2^32 - 1 blocks).  ESTULB is the
 * number of those blocks; LSGC the sum of the namespaces' list
 * generations, so it changes whenever a list does.  Returns the page,
 * g_free by the caller, and its size in @size.
 */
uint8_t *nvme_lbas_log(NvmeCtrl *n, size_t *size)
{
    g_autofree NvmeUncList *t = g_new0(NvmeUncList, NVME_MAX_NSID + 1);
    size_t len = 16;
    uint64_t unc = 0;
    uint32_t elems = 0;
    uint16_t gen = 0;
    uint8_t *buf, *p;

    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = n->ns[nsid];

        if (!ns) {
            continue;
        }
        nvme_unc_tracked(ns, &t[nsid]);     /* a copy: unc.c */
        gen += t[nsid].gen;
        if (t[nsid].nr) {
            len += 16 + 16 * nvme_lbas_fill(&t[nsid], 0, UINT64_MAX, NULL, 0);
        }
    }
    buf = g_malloc0(len);
    p = buf + 16;
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        uint32_t cnt = nvme_lbas_fill(&t[nsid], 0, UINT64_MAX, NULL, 0);
        g_autofree NvmeLbaStatusDesc *d = NULL;

        if (!cnt) {
            g_free(t[nsid].r);
            continue;
        }
        d = g_new0(NvmeLbaStatusDesc, cnt);
        nvme_lbas_fill(&t[nsid], 0, UINT64_MAX, d, cnt);
        g_free(t[nsid].r);
        stl_le_p(p, nsid);
        stl_le_p(p + 4, cnt);
        p[8] = NVME_LBAS_ATYPE_TRACKED;
        p += 16;
        for (uint32_t i = 0; i < cnt; i++, p += 16) {
            stq_le_p(p, le64_to_cpu(d[i].dslba));
            stl_le_p(p + 8, le32_to_cpu(d[i].nlb));
            unc += le32_to_cpu(d[i].nlb);
        }
        elems++;
    }
    stl_le_p(buf, len);
    stl_le_p(buf + 4, elems);
    stl_le_p(buf + 8, MIN(unc, UINT32_MAX));
    stw_le_p(buf + 14, gen);
    *size = len;
    return buf;
}

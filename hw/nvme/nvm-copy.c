/*
 * NVM Copy command: source ranges copied, in order, to consecutive blocks
 * from SDLBA, through the block backend: each chunk is read into a bounce
 * buffer (data, then metadata), then written to the destination (data,
 * then metadata).
 *
 * Source range descriptor formats 0 (16-bit guard PI fields: 32-bit
 * EILBRT) and 1 (64-bit guard: 48-bit EILBRT in the 80-bit storage and
 * reference tag field) copy within the namespace; formats 2 and 3 are the
 * same with a Source Namespace Identifier (bytes 3:0) and Source Options
 * (bytes 23:22, none offered: must be 0), so the blocks may come from
 * another namespace attached to the controller (OCFS bits 0-3).  The
 * format must match the guard of the namespace's current format: 0 or 2
 * for the 16-bit guard and namespaces without PI, 1 or 3 for the 64-bit
 * guard (Invalid Field otherwise).  A source namespace must have the
 * destination's LBA format (block size, metadata size, PI type, guard and
 * position), else Incompatible Namespace or Format; its reservation must
 * let this host read it (Reservation Conflict).  Identify Namespace
 * reports the namespace's limits MSRC, MSSRL and MCL (ns->copy);
 * exceeding one is Command Size Limit Exceeded.
 *
 * Metadata moves with the data.  With PI, PRINFOR (CDW12 15:12) selects
 * the checks of the source blocks' stored PI against their range's
 * EILBRT (incremented per block for types 1 and 2), ELBAT and ELBATM;
 * PRINFOW (29:26) with PRACT makes the controller write new PI for the
 * destination (guard over the data, LBAT, reference tag ILBRT incremented
 * per destination block for types 1 and 2), without PRACT the copied PI is
 * checked as PRCHK says against ILBRT, LBAT and LBATM (CDW14, CDW15; the
 * 64-bit guard takes ILBRT bits 47:32 from CDW3).  A failing block ends
 * the copy with its End-to-end status, the chunks before it copied.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "dma.h"
#include "ns.h"
#include "nvm-copy.h"
#include "nvm-meta.h"
#include "nvm-range.h"
#include "pi.h"
#include "queue.h"
#include "resv.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_COPY_CHUNK     (1 * MiB)
#define NVME_COPY_FUA       (1u << 30)
/* NR, DESFMT, PRINFOR, STCW (24), PRINFOW, FUA, LR; DTYPE unsupported */
#define NVME_COPY_CDW12_OK  0xfd00ffffu
#define NVME_COPY_PRACT     (1u << 3)   /* in PRINFOR / PRINFOW */

/*
 * The source ranges' expected PI and namespaces (NvmeRangeJob.priv), one
 * per range.  A source namespace other than the command's is counted as
 * used by the command's SQ while the Copy runs (@held_sq), so that a
 * fence of it (detach, deletion, format) waits for the Copy.
 */
typedef struct NvmeCopyPi {
    NvmePiExpect *src;
    NvmeNamespace **src_ns;     /* formats 2, 3: another namespace */
    uint32_t nr;                /* ranges checked so far */
    NvmeSQueue *held_sq;        /* the other source namespaces are held */
    NvmeNamespace *dst_ns;      /* the command's namespace */
    NvmePiExpect dst;           /* PRINFOW, ILBRT, LBAT, LBATM */
} NvmeCopyPi;

/* Context: queue.  Hold the source namespaces other than @req's. */
static void nvme_copy_hold_sources(NvmeRequest *req, NvmeCopyPi *pi)
{
    if (!req->sq->ns_users) {
        return;
    }
    pi->held_sq = req->sq;
    pi->dst_ns = req->ns;
    for (uint32_t i = 0; i < pi->nr; i++) {
        if (pi->src_ns[i] != pi->dst_ns) {
            nvme_sq_ns_get(pi->held_sq, pi->src_ns[i]->nsid);
        }
    }
}

/* Context: queue.  NvmeRangeJob.priv_free of a Copy. */
static void nvme_copy_pi_free(void *priv)
{
    NvmeCopyPi *pi = priv;

    for (uint32_t i = 0; pi->held_sq && i < pi->nr; i++) {
        if (pi->src_ns[i] != pi->dst_ns) {
            nvme_sq_ns_put(pi->held_sq, pi->src_ns[i]->nsid);
        }
    }
    g_free(pi->src);
    g_free(pi->src_ns);
    g_free(pi);
}

/* Phases of a chunk, job->chunk_phase. */
enum {
    NVME_COPY_READ_DATA,
    NVME_COPY_READ_MD,
    NVME_COPY_WRITE_DATA,
    NVME_COPY_WRITE_MD,
};

static void nvme_copy_cb(void *opaque, int ret);

/*
 * Context: main loop.  Source chunk read: check its PI per PRINFOR, then
 * check or regenerate it per PRINFOW for the destination (host form in
 * between).  The chunk's blocks all come from range job->idx.
 */
static uint16_t nvme_copy_pi(NvmeRangeJob *job)
{
    NvmeRequest *req = job->req;
    NvmeNamespace *ns = req->ns;
    NvmeCopyPi *pi = job->priv;
    NvmePiExpect e = pi->src[job->idx];
    uint64_t dst_off = job->dst - req->slba;
    uint16_t status;

    nvme_pi_flip(ns, job->md, job->cur_nlb);
    e.ref += job->cur_slba - job->ranges[job->idx].slba;
    status = nvme_pi_check_blocks(ns, req, job->buf, job->md, job->cur_slba,
                                  job->cur_nlb, &e);
    if (status) {
        return status;
    }
    e = pi->dst;
    e.ref += dst_off;
    if (e.prinfo & NVME_COPY_PRACT) {
        nvme_pi_generate(ns, job->buf, job->md, job->cur_nlb,
                         ns->pi == 3 ? pi->dst.ref : e.ref, e.app);
    } else {
        status = nvme_pi_check_blocks(ns, req, job->buf, job->md, job->dst,
                                      job->cur_nlb, &e);
        if (status) {
            return status;
        }
    }
    nvme_pi_flip(ns, job->md, job->cur_nlb);
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Issue the chunk's next backend request: reads from the
 * range's source namespace, writes to the command's.
 */
static void nvme_copy_issue(NvmeRangeJob *job)
{
    NvmeCopyPi *pi = job->priv;
    NvmeNamespace *ns = job->is_write ? job->req->ns
                                      : pi->src_ns[job->idx];
    bool md = job->chunk_phase == NVME_COPY_READ_MD ||
              job->chunk_phase == NVME_COPY_WRITE_MD;
    uint64_t lba = job->is_write ? job->dst : job->cur_slba;
    int64_t off = md ? nvme_ns_md_off(ns, lba) : lba << ns->lbads;

    if (md) {
        qemu_iovec_init_buf(&job->qiov, job->md,
                            (size_t)job->cur_nlb * ns->ms);
    } else {
        qemu_iovec_init_buf(&job->qiov, job->buf,
                            (size_t)job->cur_nlb << ns->lbads);
    }
    if (job->is_write) {
        job->req->aiocb = blk_aio_pwritev(ns->blk, off, &job->qiov,
                                          job->flags, nvme_copy_cb, job);
    } else {
        job->req->aiocb = blk_aio_preadv(ns->blk, off, &job->qiov, 0,
                                         nvme_copy_cb, job);
    }
}

/*
 * Context: queue (block layer callback).  One request of the chunk
 * done: on to the next phase (the metadata ones only with metadata).
 */
static void nvme_copy_cb(void *opaque, int ret)
{
    NvmeRangeJob *job = opaque;
    NvmeNamespace *ns = job->req->ns;
    uint16_t status;

    job->req->aiocb = NULL;
    if (ret < 0) {
        if (job->is_write) {
            job->cur_slba = job->dst;   /* for the error log */
        }
        nvme_range_job_cb(job, ret);
        return;
    }
    if (nvme_req_stopping(job->req)) {
        nvme_range_job_fail(job, NVME_CMD_ABORT_REQ);
        return;
    }
    job->chunk_phase++;
    if (!ns->ms && (job->chunk_phase == NVME_COPY_READ_MD ||
                    job->chunk_phase == NVME_COPY_WRITE_MD)) {
        job->chunk_phase++;
    }
    switch (job->chunk_phase) {
    case NVME_COPY_WRITE_DATA:
        if (ns->pi) {
            status = nvme_copy_pi(job);
            if (status) {
                nvme_range_job_fail(job, status);
                return;
            }
        }
        job->is_write = true;
        break;
    case NVME_COPY_WRITE_MD + 1:
        job->dst += job->cur_nlb;
        nvme_range_job_cb(job, 0);
        return;
    }
    nvme_copy_issue(job);
}

/* Context: queue.  One chunk: read the source blocks. */
static void nvme_copy_step(NvmeRangeJob *job, uint64_t slba, uint32_t nlb)
{
    NvmeCopyPi *pi = job->priv;
    NvmeNamespace *src = pi->src_ns[job->idx];

    if (nvme_ns(nvme_req_ctrl(job->req), src->nsid) != src) {
        nvme_range_job_fail(job, NVME_CMD_ABORT_REQ);   /* detached */
        return;
    }
    job->is_write = false;
    job->chunk_phase = NVME_COPY_READ_DATA;
    nvme_copy_issue(job);
}

/* Context: main loop.  The destination blocks are rewritten. */
static void nvme_copy_done(NvmeRangeJob *job)
{
    NvmeRequest *req = job->req;

    nvme_unc_clear(req->ns, req->slba, req->nlb);
    nvme_stats_io(req, NVME_STATS_COPY, req->nlb);
}

/*
 * Context: queue.  The namespace the source range of descriptor format
 * @fmt names: the command's for formats 0 and 1, SNSID's for 2 and 3,
 * which must be attached, compatible and readable for this host.
 */
static uint16_t nvme_copy_src_ns(NvmeRequest *req, const uint8_t *raw,
                                 unsigned fmt, NvmeNamespace **out)
{
    const NvmeCopySourceRangeFormat0_2 *f = (const void *)raw;
    NvmeNamespace *dst = req->ns, *src;
    uint32_t snsid = le32_to_cpu(f->sparams);

    *out = dst;
    if (fmt < NVME_COPY_FORMAT_2) {
        return NVME_SUCCESS;
    }
    if (le16_to_cpu(f->sopt)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "Source Options not offered");
    }
    if (!nvme_nsid_valid(snsid)) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 48, 0,
                               "SNSID outside 1..NN");
    }
    src = nvme_ns(nvme_req_ctrl(req), snsid);
    if (!src) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "SNSID not attached");
    }
    if (src->lbads != dst->lbads || src->ms != dst->ms ||
        src->pi != dst->pi || src->pif != dst->pif || src->pil != dst->pil) {
        return nvme_req_reject(req, NVME_INCOMPATIBLE_NS | NVME_DNR, 48, 0,
                               "source namespace has another format");
    }
    if (src->formatting) {
        return nvme_req_reject(req, NVME_FORMAT_IN_PROGRESS, 48, 0,
                               "source namespace is being formatted");
    }
    if (!nvme_resv_permits_read(nvme_req_ctrl(req), src)) {
        return nvme_req_reject(req, NVME_RESERVATION_CONFLICT | NVME_DNR, 48,
                               0, "source namespace reserved");
    }
    *out = src;
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Check one source range (@raw in descriptor format
 * @fmt) and add it to the total; its expected PI into @e, its namespace
 * into *@src.
 */
static uint16_t nvme_copy_range(NvmeRequest *req, const uint8_t *raw,
                                unsigned fmt, NvmeLbaRange *r,
                                NvmePiExpect *e, NvmeNamespace **src,
                                uint64_t *total)
{
    const NvmeCopySourceRangeFormat0_2 *f0 = (const void *)raw;
    const NvmeCopySourceRangeFormat1_3 *f1 = (const void *)raw;
    uint16_t status;

    /* SLBA and NLB sit at the same offsets in all four formats */
    r->slba = le64_to_cpu(f0->slba);
    r->nlb = le16_to_cpu(f0->nlb) + 1;
    if (fmt == NVME_COPY_FORMAT_0 || fmt == NVME_COPY_FORMAT_2) {
        e->ref = le32_to_cpu(f0->reftag);
        e->app = le16_to_cpu(f0->apptag);
        e->appmask = le16_to_cpu(f0->appmask);
    } else {
        /* ELBST/EILBRT, little endian: no storage tag, 48-bit tag */
        e->ref = ldq_le_p(f1->sr) & 0xffffffffffffULL;
        e->app = le16_to_cpu(f1->apptag);
        e->appmask = le16_to_cpu(f1->appmask);
    }
    if (r->nlb > req->ns->copy.mssrl) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "source range longer than MSSRL");
    }
    *total += r->nlb;
    if (*total > req->ns->copy.mcl) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "copy longer than MCL");
    }
    status = nvme_copy_src_ns(req, raw, fmt, src);
    if (!status) {
        status = nvme_lba_check_ns(req, *src, r->slba, r->nlb, 40);
    }
    if (!status) {
        status = nvme_unc_check_ns(req, *src, r->slba, r->nlb);
    }
    if (!status && req->ns->zoned) {
        status = nvme_zns_read_check(req, r->slba, r->nlb);     /* zns.c */
    }
    return status;
}

/*
 * Context: queue.  Read and check the source range list (descriptor
 * format @fmt); the ranges' expected PI go to @pi->src with PRINFOR,
 * their namespaces to @pi->src_ns.
 */
static uint16_t nvme_copy_ranges(NvmeCtrl *n, NvmeRequest *req, uint32_t nr,
                                 unsigned fmt, NvmeLbaRange **out,
                                 NvmeCopyPi *pi)
{
    size_t dsz = fmt == NVME_COPY_FORMAT_0 || fmt == NVME_COPY_FORMAT_2 ?
                 sizeof(NvmeCopySourceRangeFormat0_2) :
                 sizeof(NvmeCopySourceRangeFormat1_3);
    g_autofree uint8_t *raw = g_malloc(nr * dsz);
    g_autofree NvmeLbaRange *r = g_new(NvmeLbaRange, nr);
    uint8_t prinfor = (le32_to_cpu(req->cmd.cdw12) >> 12) & 0xf;
    uint64_t total = 0;
    uint16_t status;

    pi->src = g_new0(NvmePiExpect, nr);
    pi->src_ns = g_new0(NvmeNamespace *, nr);
    pi->nr = nr;
    status = nvme_dma_from_guest(n, req, raw, nr * dsz);
    for (uint32_t i = 0; i < nr && !status; i++) {
        pi->src[i].prinfo = prinfor;
        status = nvme_copy_range(req, raw + i * dsz, fmt, &r[i], &pi->src[i],
                                 &pi->src_ns[i], &total);
    }
    if (status) {
        return status;
    }
    req->nlb = total;
    *out = g_steal_pointer(&r);
    return NVME_SUCCESS;
}

/*
 * Context: queue.  CDW12 fields other than the ranges; the destination's
 * expected PI into @pi->dst.
 */
static uint16_t nvme_copy_parse(NvmeRequest *req, uint32_t *nr,
                                unsigned *fmt, NvmeCopyPi *pi)
{
    NvmeNamespace *ns = req->ns;
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);
    uint32_t cdw15 = le32_to_cpu(req->cmd.cdw15);
    unsigned want = ns->pif == NVME_PIF_64 ? NVME_COPY_FORMAT_1
                                           : NVME_COPY_FORMAT_0;

    *nr = (cdw12 & 0xff) + 1;
    *fmt = (cdw12 >> 8) & 0xf;
    req->slba = le32_to_cpu(req->cmd.cdw10) |
                (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    req->fua = cdw12 & NVME_COPY_FUA;
    pi->dst.prinfo = (cdw12 >> 26) & 0xf;
    pi->dst.ref = nvme_pi_ilbrt(ns, &req->cmd);
    pi->dst.app = cdw15 & 0xffff;
    pi->dst.appmask = cdw15 >> 16;
    if (cdw12 & ~NVME_COPY_CDW12_OK) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 50, 0,
                               "reserved or unsupported CDW12 bits");
    }
    if (*fmt != want && *fmt != want + NVME_COPY_FORMAT_2) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 49, 0,
                               "descriptor format not supported for the "
                               "namespace's protection information format");
    }
    if (*nr > ns->copy.msrc + 1) {
        return nvme_req_reject(req, NVME_CMD_SIZE_LIMIT | NVME_DNR, 48, 0,
                               "more source ranges than MSRC");
    }
    if (!blk_is_writable(ns->blk)) {
        return nvme_req_reject(req, NVME_NS_WRITE_PROTECTED | NVME_DNR, 0, 0,
                               "namespace is write protected");
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Copy: parse, check every range, then run the job. */
uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeCopyPi *pi = g_new0(NvmeCopyPi, 1);
    NvmeLbaRange *r = NULL;
    NvmeRangeJob *job;
    uint32_t nr;
    unsigned fmt;
    uint16_t status;

    status = nvme_copy_parse(req, &nr, &fmt, pi);
    if (!status) {
        status = nvme_copy_ranges(n, req, nr, fmt, &r, pi);
    }
    if (!status) {
        status = nvme_lba_check(req, req->slba, req->nlb, 40);
    }
    if (!status && req->ns->zoned) {
        /* the destination is written: last, it moves the write pointer */
        status = nvme_zns_write_admit(req, &req->slba, req->nlb, false);
    }
    if (status) {
        nvme_copy_pi_free(pi);
        g_free(r);
        return status;
    }
    trace_nvme_io_copy(le16_to_cpu(req->cmd.cid), nr, req->slba, req->nlb);
    nvme_copy_hold_sources(req, pi);
    job = nvme_range_job_new(req, r, nr, NVME_COPY_CHUNK, true);
    job->step = nvme_copy_step;
    job->done = nvme_copy_done;
    job->dst = req->slba;
    job->flags = req->fua ? BDRV_REQ_FUA : 0;
    job->priv = pi;
    job->priv_free = nvme_copy_pi_free;
    nvme_range_job_start(job);
    return NVME_NO_COMPLETE;
}

/*
 * NVM Compare and fused Compare and Write; the namespace write gate that
 * makes the fused operation atomic is in gate.c.
 *
 * Compare copies the host's data into a buffer first (so a bad data
 * pointer fails before any backend I/O), reads the blocks from the
 * backend and compares; a mismatch is Compare Failure.  On a format with
 * metadata the host's metadata (extended LBA or MPTR) is fetched and
 * compared too.  With PI the stored PI is first checked as PRCHK says
 * (End-to-end ... Check Error); with PRACT the PI bytes are not compared
 * (the host sends none when the metadata is exactly the PI), without
 * PRACT every metadata byte is.
 *
 * Fused Compare and Write: the first command (FUSE 01b) must be a Compare
 * and is held until the next command of the same SQ arrives; that one
 * must be its Write (FUSE 10b) on the same LBA range, else the Compare
 * completes with Missing Fused Command.  The pair then takes the write
 * gate of its namespace (gate.c), so no other write lands between the
 * compare's read and the pair's write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "dma.h"
#include "gate.h"
#include "ioerr.h"
#include "ns.h"
#include "nvm-compare.h"
#include "nvm-meta.h"
#include "nvm-range.h"
#include "nvm.h"
#include "pi.h"
#include "queue.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_FUSE_FIRST     1
#define NVME_FUSE_SECOND    2
/* LR, FUA, PRINFO (checked on a namespace with PI), STC */
#define NVME_CMP_CDW12_OK   0xfd00ffffu
#define NVME_CMP_PRACT      (1u << 29)

typedef void NvmeCmpDone(NvmeRequest *req, uint16_t status);

typedef struct NvmeCmpState {
    uint8_t *host;
    uint8_t *media;
    uint8_t *host_md;           /* metadata, ms bytes per block */
    uint8_t *media_md;
    uint32_t len;
    bool md_phase;              /* the metadata read is under way */
    QEMUIOVector qiov;
    NvmeCmpDone *done;
} NvmeCmpState;

/* ---- Compare ---- */

/* Context: main loop.  SLBA, NLB and CDW12 of a Compare, as for a Read. */
static uint16_t nvme_cmp_parse(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeRwCmd *rw = (NvmeRwCmd *)&req->cmd;
    uint32_t cdw12 = le32_to_cpu(req->cmd.cdw12);
    uint16_t status;

    uint64_t hlen;

    req->slba = le64_to_cpu(rw->slba);
    req->nlb = le16_to_cpu(rw->nlb) + 1;
    if (cdw12 & ~NVME_CMP_CDW12_OK) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 50, 0,
                               "reserved CDW12 bits");
    }
    status = nvme_lba_check(req, req->slba, req->nlb, 40);
    if (!status && req->ns->zoned) {
        status = nvme_zns_read_check(req, req->slba, req->nlb);   /* zns.c */
    }
    if (status) {
        return status;
    }
    hlen = nvme_limit_bytes(n, req->ns, req->nlb, req->ns->mset ?
                            (uint64_t)req->nlb *
                            nvme_meta_host_ms(req->ns, &req->cmd) : 0);
    if (hlen > nvme_mdts_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "transfer beyond MDTS");
    }
    return nvme_pi_check_ilbrt(req);        /* nvm-meta.c */
}

/* Context: main loop. */
static void nvme_cmp_free(NvmeRequest *req)
{
    NvmeCmpState *s = req->opaque;

    g_free(s->host);
    qemu_vfree(s->media);
    g_free(s->host_md);
    g_free(s->media_md);
    g_free(s);
    req->opaque = NULL;
}

/*
 * Context: main loop.  Compare the metadata of each block: with PRACT on
 * a namespace with PI, the bytes outside the PI only.
 */
static bool nvme_cmp_md_equal(NvmeRequest *req, NvmeCmpState *s)
{
    NvmeNamespace *ns = req->ns;
    bool pract = ns->pi && (le32_to_cpu(req->cmd.cdw12) & NVME_CMP_PRACT);
    uint32_t pi_off = pract ? nvme_pi_off(ns) : 0;
    uint32_t pi_len = pract ? nvme_pi_size(ns) : 0;

    for (uint32_t i = 0; i < req->nlb; i++) {
        const uint8_t *h = s->host_md + (size_t)i * ns->ms;
        const uint8_t *m = s->media_md + (size_t)i * ns->ms;

        if (memcmp(h, m, pi_off) ||
            memcmp(h + pi_off + pi_len, m + pi_off + pi_len,
                   ns->ms - pi_off - pi_len)) {
            return false;
        }
    }
    return true;
}

/*
 * Context: main loop.  Both reads done: check the stored PI, then
 * compare data and metadata.
 */
static uint16_t nvme_cmp_check(NvmeRequest *req, NvmeCmpState *s)
{
    NvmeNamespace *ns = req->ns;
    NvmePiExpect e;
    uint16_t status;

    if (ns->pi) {
        nvme_pi_flip(ns, s->media_md, req->nlb);
        nvme_pi_expect_rw(ns, &req->cmd, &e);
        status = nvme_pi_check_blocks(ns, req, s->media, s->media_md,
                                      req->slba, req->nlb, &e);
        if (status) {
            return status;
        }
    }
    if (memcmp(s->host, s->media, s->len) ||
        (ns->ms && !nvme_cmp_md_equal(req, s))) {
        req->err_lba = req->slba;
        trace_nvme_compare_mismatch(le16_to_cpu(req->cmd.cid), req->slba);
        return NVME_CMP_FAILURE | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue (block layer callback).  Media read (the data, then
 * on a format with metadata the metadata): compare.
 */
static void nvme_cmp_read_cb(void *opaque, int ret)
{
    NvmeRequest *req = opaque;
    NvmeCmpState *s = req->opaque;
    NvmeNamespace *ns = req->ns;
    NvmeCmpDone *done = s->done;
    uint16_t status;

    req->aiocb = NULL;
    if (ret < 0) {
        req->err_lba = req->slba;
        status = nvme_io_error(req, ns, ret, true, false);
    } else if (ns->ms && !s->md_phase && !nvme_req_stopping(req)) {
        s->md_phase = true;
        qemu_iovec_init_buf(&s->qiov, s->media_md, (size_t)req->nlb * ns->ms);
        req->aiocb = blk_aio_preadv(ns->blk, nvme_ns_md_off(ns, req->slba),
                                    &s->qiov, 0, nvme_cmp_read_cb, req);
        return;
    } else if (ns->ms && !s->md_phase) {
        status = NVME_CMD_ABORT_REQ;    /* its queue is going away */
    } else {
        nvme_stats_io(req, NVME_STATS_READ, req->nlb);
        status = nvme_cmp_check(req, s);
    }
    nvme_cmp_free(req);
    done(req, status);
}

/*
 * Context: main loop.  Start a parsed Compare; @done gets the status
 * unless this returns one itself (anything but NVME_NO_COMPLETE).
 */
static uint16_t nvme_cmp_start(NvmeCtrl *n, NvmeRequest *req,
                               NvmeCmpDone *done)
{
    NvmeNamespace *ns = req->ns;
    NvmeCmpState *s;
    uint16_t status;

    status = nvme_unc_check(req, req->slba, req->nlb);
    if (status) {
        return status;
    }
    s = g_new0(NvmeCmpState, 1);
    s->len = req->nlb << ns->lbads;
    s->host = g_malloc(s->len);
    s->done = done;
    req->opaque = s;
    if (ns->ms) {
        s->host_md = g_malloc0((size_t)req->nlb * ns->ms);
        s->media_md = g_malloc((size_t)req->nlb * ns->ms);
        status = nvme_meta_fetch(n, req, s->host, s->host_md,
                                 nvme_meta_host_ms(ns, &req->cmd));
    } else {
        status = nvme_dma_from_guest(n, req, s->host, s->len);
    }
    if (status) {
        nvme_cmp_free(req);
        return status;
    }
    s->media = blk_blockalign(ns->blk, s->len);
    qemu_iovec_init_buf(&s->qiov, s->media, s->len);
    trace_nvme_io_compare(le16_to_cpu(req->cmd.cid), req->slba, req->nlb);
    req->aiocb = blk_aio_preadv(ns->blk, req->slba << ns->lbads, &s->qiov,
                                0, nvme_cmp_read_cb, req);
    return NVME_NO_COMPLETE;
}

/* Context: main loop. */
static void nvme_cmp_complete(NvmeRequest *req, uint16_t status)
{
    nvme_req_complete(req, status);
}

/* Context: main loop.  Compare (not fused). */
uint16_t nvme_nvm_compare(NvmeCtrl *n, NvmeRequest *req)
{
    uint16_t status = nvme_cmp_parse(n, req);

    return status ? status : nvme_cmp_start(n, req, nvme_cmp_complete);
}

/* ---- fused Compare and Write ---- */


/* Context: main loop.  The compare half is done: run or fail the write. */
static void nvme_fused_compared(NvmeRequest *first, uint16_t status)
{
    NvmeRequest *second = first->fused_partner;
    NvmeNamespace *ns = first->ns;
    uint16_t wstatus;

    first->fused_partner = second->fused_partner = NULL;
    nvme_req_complete(first, status);
    if (status || nvme_req_stopping(second)) {
        trace_nvme_fused_failed(le16_to_cpu(second->cmd.cid), status);
        nvme_req_complete(second, NVME_CMD_ABORT_FAILED_FUSE);
        nvme_gate_pair_done(ns);
        return;
    }
    second->gate = NVME_GATE_FUSED_WRITE;
    wstatus = nvme_nvm_write(nvme_req_ctrl(second), second);
    if (wstatus != NVME_NO_COMPLETE) {
        nvme_req_complete(second, wstatus);
    }
}

/*
 * Context: queue (the pair's, handed over by the gate).  The pair owns
 * the gate and no write is running.
 */
void nvme_fused_run(NvmeRequest *first)
{
    uint16_t status;

    first->gate = NVME_GATE_NONE;       /* the owner is the gate's */
    if (nvme_req_stopping(first)) {
        NvmeRequest *second = first->fused_partner;

        first->fused_partner = second->fused_partner = NULL;
        nvme_req_complete(first, NVME_CMD_ABORT_REQ);
        nvme_req_complete(second, NVME_CMD_ABORT_FAILED_FUSE);
        nvme_gate_pair_done(first->ns);
        return;
    }

    trace_nvme_fused_run(le16_to_cpu(first->cmd.cid),
                         le16_to_cpu(first->fused_partner->cmd.cid));
    status = nvme_cmp_start(nvme_req_ctrl(first), first, nvme_fused_compared);
    if (status != NVME_NO_COMPLETE) {
        nvme_fused_compared(first, status);
    }
}

/*
 * Context: main loop.  Replaces the plain "FUSE must be 0" check: only
 * Compare (first) and Write (second) on an I/O queue may be fused; a
 * second without its first is Missing Fused Command, or Failed Fused
 * Command when the first was rejected.
 */
static uint16_t __attribute__((noinline))
nvme_fused_check_fused(NvmeRequest *req)
{
    uint8_t fuse = NVME_CMD_FLAGS_FUSE(req->cmd.flags);
    NvmeSQueue *sq = req->sq;

    if (sq->sqid == 0 || fuse == 3 ||
        (fuse == NVME_FUSE_FIRST && req->cmd.opcode != NVME_CMD_COMPARE) ||
        (fuse == NVME_FUSE_SECOND && req->cmd.opcode != NVME_CMD_WRITE)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 1, 0,
                               "no such fused operation");
    }
    if (fuse == NVME_FUSE_SECOND && !sq->fused_first) {
        return nvme_req_reject(req, sq->fused_failed ?
                               NVME_CMD_ABORT_FAILED_FUSE :
                               NVME_CMD_ABORT_MISSING_FUSE, 1, 0,
                               "second fused command without its first");
    }
    return NVME_SUCCESS;
}

/* Context: as above.  A command that is not fused: no frame. */
uint16_t nvme_fused_check(NvmeCtrl *n, NvmeRequest *req)
{
    if (!NVME_CMD_FLAGS_FUSE(req->cmd.flags)) {
        return NVME_SUCCESS;
    }
    return nvme_fused_check_fused(req);
}

/* Context: queue.  @sq's held first fused command ends without its second. */
static void __attribute__((noinline)) nvme_fused_abandon(NvmeSQueue *sq)
{
    NvmeRequest *first = sq->fused_first;

    sq->fused_first = NULL;
    nvme_req_reject(first, NVME_CMD_ABORT_MISSING_FUSE, 1, 0,
                    "first fused command not followed by its second");
    nvme_req_complete(first, NVME_CMD_ABORT_MISSING_FUSE);
}

/*
 * Context: queue, for every command fetched, before any check: a held
 * first fused command whose second did not follow it is completed.
 */
void nvme_fused_break(NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;

    if (NVME_CMD_FLAGS_FUSE(req->cmd.flags) == NVME_FUSE_SECOND) {
        return;
    }
    sq->fused_failed = false;
    if (sq->fused_first) {
        nvme_fused_abandon(sq);
    }
}

/*
 * Context: queue.  Namespace @nsid is fenced (detached, deleted,
 * formatted, sanitized): a held first fused command on it, whose second
 * may never be fetched (the SQ out of requests, the host waiting for the
 * fence), would keep the fence waiting: it ends as aborted, and its
 * second, when it comes, fails as the second of a failed first.
 */
void nvme_fused_fenced(NvmeSQueue *sq, uint32_t nsid)
{
    NvmeRequest *first = sq->fused_first;

    if (first && first->ns->nsid == nsid) {
        sq->fused_first = NULL;
        sq->fused_failed = true;
        trace_nvme_fused_fenced(le16_to_cpu(first->cmd.cid), nsid);
        nvme_req_complete(first, NVME_CMD_ABORT_REQ);
    }
}

/*
 * Context: main loop.  @req completes right away with @status: a failed
 * first makes its second fail, a failed second aborts its held first.
 */
void nvme_fused_settle(NvmeRequest *req, uint16_t status)
{
    NvmeSQueue *sq = req->sq;
    uint8_t fuse = NVME_CMD_FLAGS_FUSE(req->cmd.flags);

    if (fuse == NVME_FUSE_FIRST) {
        sq->fused_failed = (status & 0x7ff) != NVME_CMD_ABORT_MISSING_FUSE;
    } else if (fuse == NVME_FUSE_SECOND) {
        sq->fused_failed = false;
        if (sq->fused_first) {
            NvmeRequest *first = sq->fused_first;

            sq->fused_first = NULL;
            nvme_req_complete(first, NVME_CMD_ABORT_FAILED_FUSE);
        }
    }
}

/* Context: main loop.  The second must write what the first compares. */
static uint16_t nvme_fused_pair_check(NvmeRequest *first,
                                      NvmeRequest *second)
{
    NvmeRwCmd *rw = (NvmeRwCmd *)&second->cmd;

    if (second->ns != first->ns) {
        return nvme_req_reject(second, NVME_INVALID_FIELD | NVME_DNR, 4, 0,
                               "fused commands on different namespaces");
    }
    if (le64_to_cpu(rw->slba) != first->slba ||
        le16_to_cpu(rw->nlb) + 1 != first->nlb) {
        return nvme_req_reject(second, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "fused commands on different LBA ranges");
    }
    if (!blk_is_writable(second->ns->blk)) {
        return nvme_req_reject(second, NVME_NS_WRITE_PROTECTED | NVME_DNR,
                               0, 0, "namespace is write protected");
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  A fused command that passed the generic checks:
 * hold a first until its second is fetched (it must already be in the SQ:
 * both are submitted with one doorbell write), then pair them.
 */
uint16_t nvme_fused_submit(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeSQueue *sq = req->sq;
    NvmeRequest *first;
    uint16_t status;

    if (NVME_CMD_FLAGS_FUSE(req->cmd.flags) == NVME_FUSE_FIRST) {
        status = nvme_cmp_parse(n, req);
        if (status) {
            return status;
        }
        if (sq->head == qatomic_read(&sq->tail)) {
            return nvme_req_reject(req, NVME_CMD_ABORT_MISSING_FUSE, 1, 0,
                                   "first fused command is the last in SQ");
        }
        sq->fused_first = req;
        return NVME_NO_COMPLETE;
    }
    first = sq->fused_first;
    status = nvme_fused_pair_check(first, req);
    if (status) {
        return status;
    }
    sq->fused_first = NULL;
    first->fused_partner = req;
    req->fused_partner = first;
    nvme_gate_enter_pair(first);
    return NVME_NO_COMPLETE;
}

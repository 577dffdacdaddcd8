/*
 * NVM Read and Write on a namespace formatted with metadata, and
 * end-to-end protection information (PI, 16 or 64-bit guard).
 *
 * The backing image holds the data of every block, then the metadata of
 * every block (nvme_ns_md_off), its PI bit-inverted (nvme_pi_flip).  A
 * command works through two bounce buffers, one for the data and one for
 * the metadata of its blocks, and two backend requests one after the
 * other (data, then metadata), so req->aiocb always names the one under
 * way.
 *
 * Host side: with an extended LBA format (FLBAS bit 4) the data pointer
 * carries each block's data followed by its metadata; otherwise the
 * data pointer carries the data and MPTR the metadata (dma.c,
 * nvme_dma_md: a contiguous buffer with PSDT 00b or 01b, an SGL with 10b).
 *
 * PI (Identify Namespace DPS): 8 bytes, or 16 with the 64-bit guard
 * (ELBAF PIF 2), in the first (PIL) or last bytes of the metadata: guard
 * (CRC-16 T10-DIF, polynomial 8BB7h, or the NVMe CRC-64, over the block's
 * data and, when the PI is last, the metadata bytes before it),
 * application tag, reference tag (32 or 48 bits), all big-endian.  PRACT
 * set: a write takes the PI from the controller (the host sends no
 * metadata when it is exactly the PI), a read drops it likewise; PRCHK
 * selects the checks of a write without PRACT and of every read.  An
 * application tag of FFFFh (and for type 3 also a reference tag of all
 * ones) disables the checks of its block.  Types 1 and 2 expect the
 * reference tag ILBRT (CDW14; bits 47:32 in CDW3 for the 64-bit guard)
 * plus the block's index in the command; type 3 does not check it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "dma.h"
#include "ioerr.h"
#include "ns.h"
#include "nvm-meta.h"
#include "pi.h"
#include "queue.h"
#include "stats.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

/* One Read or Write on a namespace with metadata. */
typedef struct NvmeMetaIO {
    NvmeRequest *req;
    uint8_t *data;              /* nlb * lbasz */
    uint8_t *md;                /* nlb * ms */
    uint32_t hms;               /* metadata bytes per block the host moves */
    uint32_t hlen;              /* bytes of the data pointer */
    bool md_phase;              /* the metadata request is under way */
    QEMUIOVector qiov;
} NvmeMetaIO;

/* Context: any.  The namespace's PI layout for pi.c. */
static NvmePiFormat nvme_ns_pi_format(NvmeNamespace *ns)
{
    return (NvmePiFormat) {
        .lbasz = ns->lbasz,
        .ms = ns->ms,
        .type = ns->pi,
        .pif = ns->pif,
        .first = ns->pil,
    };
}

/* Context: any.  Offset of the PI in a block's metadata. */
uint32_t nvme_pi_off(NvmeNamespace *ns)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    return nvme_pi_fmt_off(&f);
}

/* Context: any.  Initial reference tag of a command (pi.c). */
uint64_t nvme_pi_ilbrt(NvmeNamespace *ns, const NvmeCmd *cmd)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    return nvme_pi_fmt_ilbrt(&f, cmd);
}

/*
 * Context: any.  Write the PI of @nlb blocks into @md (the rest of the
 * metadata is kept): reference tags @ref, incremented per block for
 * types 1 and 2; @data NULL: the blocks are zeroes.
 */
void nvme_pi_generate(NvmeNamespace *ns, const uint8_t *data, uint8_t *md,
                      uint32_t nlb, uint64_t ref, uint16_t app)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    nvme_pi_fmt_generate(&f, data, md, nlb, ref, app);
}

/*
 * Context: any.  The image keeps the PI of each block bit-inverted, so
 * that metadata never written, zeroed by Write Zeroes or deallocation, or
 * erased by Format NVM or Sanitize reads as PI of all FFh bytes: the
 * escape values, which leave a deallocated block unchecked (zero data
 * with a zero guard would fail the reference tag check of every block
 * but the first).  Converts @nlb blocks' PI between host and image form.
 */
void nvme_pi_flip(NvmeNamespace *ns, uint8_t *md, uint32_t nlb)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    nvme_pi_fmt_flip(&f, md, nlb);
}

/*
 * Context: main loop.  The PRCHK checks (@e->prinfo, PRINFO bits 3:0) of
 * @nlb blocks from LBA @slba, host form; the failing block goes to the
 * error log.  Used by every command that checks PI: Read, Write, Verify,
 * Compare and Copy.
 */
uint16_t nvme_pi_check_blocks(NvmeNamespace *ns, NvmeRequest *req,
                              const uint8_t *data, const uint8_t *md,
                              uint64_t slba, uint32_t nlb,
                              const NvmePiExpect *e)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);
    uint32_t bad;
    uint16_t status = nvme_pi_fmt_check(&f, data, md, nlb, e, &bad);

    if (status) {
        req->err_lba = slba + bad;
        trace_nvme_pi_error(le16_to_cpu(req->cmd.cid), slba + bad, status);
        return status | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/*
 * Context: any.  What a Read, Write, Verify or Compare expects (they share
 * the layout): PRINFO in CDW12 bits 29:26, ILBRT, LBAT and LBATM in CDW15.
 */
void nvme_pi_expect_rw(NvmeNamespace *ns, const NvmeCmd *cmd,
                       NvmePiExpect *e)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    nvme_pi_fmt_expect_rw(&f, cmd, e);
}

/*
 * Context: queue.  Type 1 PI ties the reference tag to the LBA: with the
 * Reference Tag check ILBRT must be SLBA's low bits, else Invalid
 * Protection Information before any data moves.  Read, Write, Compare,
 * Verify.
 */
uint16_t nvme_pi_check_ilbrt(NvmeRequest *req)
{
    NvmePiFormat f = nvme_ns_pi_format(req->ns);

    if (nvme_pi_fmt_ilbrt_ok(&f, &req->cmd, req->slba)) {
        return NVME_SUCCESS;
    }
    return nvme_req_reject(req, NVME_INVALID_PROT_INFO | NVME_DNR, 56, 0,
                           "type 1: ILBRT is not the SLBA");
}

/* Context: main loop.  The PRCHK checks of the command's blocks. */
static uint16_t nvme_pi_check(NvmeNamespace *ns, NvmeRequest *req,
                              const uint8_t *data, const uint8_t *md)
{
    NvmePiExpect e;

    nvme_pi_expect_rw(ns, &req->cmd, &e);
    return nvme_pi_check_blocks(ns, req, data, md, req->slba, req->nlb, &e);
}

/*
 * Context: queue.  Zone Append with PIREMAP (CDW12 bit 25) on type 1 or 2
 * PI: the reference tags the host gave for the zone's first block move
 * by @delta, the distance to where the data went.
 */
static void nvme_pi_remap(NvmeNamespace *ns, uint8_t *md, uint32_t nlb,
                          uint64_t delta)
{
    NvmePiFormat f = nvme_ns_pi_format(ns);

    nvme_pi_fmt_remap(&f, md, nlb, delta);
}

/*
 * Context: queue.  A write to a zoned namespace: admitted last, when no
 * other check can fail it (zns.c); a Zone Append's PI follows its data.
 */
static uint16_t nvme_meta_zone_admit(NvmeRequest *req, NvmeMetaIO *io)
{
    NvmeNamespace *ns = req->ns;
    uint64_t zslba = req->slba;
    uint16_t status;

    status = nvme_zns_write_admit(req, &req->slba, req->nlb, req->zns_append);
    if (!status && req->zns_append && ns->pi && ns->pi != 3 &&
        (le32_to_cpu(req->cmd.cdw12) & NVME_ZNS_PIREMAP)) {
        nvme_pi_remap(ns, io->md, req->nlb, req->slba - zslba);
    }
    return status;
}

/* Context: main loop.  Free the command's buffers. */
static void nvme_meta_free(NvmeMetaIO *io)
{
    io->req->opaque = NULL;
    qemu_vfree(io->data);
    g_free(io->md);
    g_free(io);
}

/*
 * Context: main loop.  Host buffer <-> data and metadata buffers for an
 * extended LBA format: each block's data, then its @hms metadata bytes.
 */
static void nvme_meta_interleave(NvmeMetaIO *io, uint8_t *host, bool to_host)
{
    NvmeNamespace *ns = io->req->ns;

    for (uint32_t i = 0; i < io->req->nlb; i++) {
        uint8_t *h = host + (size_t)i * (ns->lbasz + io->hms);
        uint8_t *d = io->data + ((size_t)i << ns->lbads);
        uint8_t *m = io->md + (size_t)i * ns->ms;

        if (to_host) {
            memcpy(h, d, ns->lbasz);
            memcpy(h + ns->lbasz, m, io->hms);
        } else {
            memcpy(d, h, ns->lbasz);
            memcpy(m, h + ns->lbasz, io->hms);
        }
    }
}

/* Context: main loop.  Move the read's blocks to the host. */
static uint16_t nvme_meta_to_host(NvmeCtrl *n, NvmeMetaIO *io)
{
    NvmeRequest *req = io->req;
    NvmeNamespace *ns = req->ns;
    uint16_t status;

    if (ns->mset && io->hms) {
        g_autofree uint8_t *host = g_malloc(io->hlen);

        nvme_meta_interleave(io, host, true);
        return nvme_dma_to_guest(n, req, host, io->hlen);
    }
    status = nvme_dma_to_guest(n, req, io->data, io->hlen);
    if (!status && io->hms) {
        status = nvme_dma_md(n, req, io->md, req->nlb * ns->ms, true);
    }
    return status;
}

/*
 * Context: main loop.  Fetch the command's host data into @data and, if
 * @hms (the host's metadata bytes per block: ms, or 0 when PRACT leaves
 * it to the controller), the metadata into @md (ms bytes per block), from
 * the extended LBA data buffer or the data pointer and MPTR.  Host to
 * controller: Write, Compare.
 */
uint16_t nvme_meta_fetch(NvmeCtrl *n, NvmeRequest *req, uint8_t *data,
                         uint8_t *md, uint32_t hms)
{
    NvmeNamespace *ns = req->ns;
    uint32_t hlen = req->nlb * (ns->lbasz + (ns->mset ? hms : 0));
    NvmeMetaIO io = { .req = req, .data = data, .md = md, .hms = hms };
    uint16_t status;

    if (ns->mset && hms) {
        g_autofree uint8_t *host = g_malloc(hlen);

        status = nvme_dma_from_guest(n, req, host, hlen);
        if (!status) {
            nvme_meta_interleave(&io, host, false);
        }
        return status;
    }
    status = nvme_dma_from_guest(n, req, data, hlen);
    if (!status && hms) {
        status = nvme_dma_md(n, req, md, req->nlb * ns->ms, false);
    }
    return status;
}

/*
 * Context: main loop.  The metadata bytes per block a Read, Write or
 * Compare moves to or from the host: none when PRACT is set and the
 * metadata is exactly the PI, else all.
 */
uint32_t nvme_meta_host_ms(NvmeNamespace *ns, const NvmeCmd *cmd)
{
    bool pract = ns->pi && (le32_to_cpu(cmd->cdw12) & (1u << 29));

    return pract && ns->ms == nvme_pi_size(ns) ? 0 : ns->ms;
}

/* Context: main loop.  Start the data or the metadata request. */
static void nvme_meta_submit(NvmeMetaIO *io, BlockCompletionFunc *cb)
{
    NvmeRequest *req = io->req;
    NvmeNamespace *ns = req->ns;
    int64_t off;

    if (io->md_phase) {
        if (req->is_write && ns->pi) {
            nvme_pi_flip(ns, io->md, req->nlb);     /* to image form */
        }
        qemu_iovec_init_buf(&io->qiov, io->md, (size_t)req->nlb * ns->ms);
        off = nvme_ns_md_off(ns, req->slba);
    } else {
        qemu_iovec_init_buf(&io->qiov, io->data,
                            (size_t)req->nlb << ns->lbads);
        off = req->slba << ns->lbads;
    }
    if (req->is_write) {
        req->aiocb = blk_aio_pwritev(ns->blk, off, &io->qiov,
                                     req->fua ? BDRV_REQ_FUA : 0, cb, io);
    } else {
        req->aiocb = blk_aio_preadv(ns->blk, off, &io->qiov, 0, cb, io);
    }
}

/* Context: queue (block layer callback). */
static void nvme_meta_cb(void *opaque, int ret)
{
    NvmeMetaIO *io = opaque;
    NvmeRequest *req = io->req;
    NvmeNamespace *ns = req->ns;
    NvmeCtrl *n = nvme_req_ctrl(req);
    BlockAcctStats *stats = blk_get_stats(ns->blk);
    uint16_t status = NVME_SUCCESS;

    req->aiocb = NULL;
    if (ret < 0) {
        block_acct_failed(stats, &req->acct);
        req->err_lba = req->slba;
        status = nvme_io_error(req, ns, ret, !req->is_write, false);
        goto done;
    }
    if (!io->md_phase && nvme_req_stopping(req)) {
        block_acct_failed(stats, &req->acct);
        status = NVME_CMD_ABORT_REQ;    /* its queue is going away */
        goto done;
    }
    if (!io->md_phase) {
        io->md_phase = true;
        nvme_meta_submit(io, nvme_meta_cb);
        return;
    }
    block_acct_done(stats, &req->acct);
    if (req->is_write) {
        nvme_unc_clear(ns, req->slba, req->nlb);
        nvme_stats_io(req, NVME_STATS_WRITE, req->nlb);
    } else {
        if (ns->pi) {
            nvme_pi_flip(ns, io->md, req->nlb);     /* to host form */
        }
        status = ns->pi ? nvme_pi_check(ns, req, io->data, io->md) : 0;
        if (!status) {
            status = nvme_meta_to_host(n, io);
        }
        nvme_stats_io(req, NVME_STATS_READ, req->nlb);
    }
done:
    trace_nvme_io_done(le16_to_cpu(req->cmd.cid), req->is_write, ret);
    nvme_meta_free(io);
    nvme_req_complete(req, status);
}

/*
 * Context: main loop.  Read or Write (already parsed by nvm.c: SLBA, NLB,
 * FUA, range, write protection) on a namespace with metadata.
 */
uint16_t nvme_nvm_rw_meta(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns = req->ns;
    uint16_t control = le16_to_cpu(((NvmeRwCmd *)&req->cmd)->control);
    bool pract = ns->pi && (control & NVME_RW_PRINFO_PRACT);
    uint32_t hms = nvme_meta_host_ms(ns, &req->cmd);
    uint64_t hlen = (uint64_t)req->nlb * (ns->lbasz + (ns->mset ? hms : 0));
    NvmeMetaIO *io;
    uint16_t status;

    if (nvme_limit_bytes(n, ns, req->nlb, hlen - ((uint64_t)req->nlb <<
                         ns->lbads)) > nvme_mdts_bytes(n)) {
        nvme_req_err_field(req, 48, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    status = nvme_pi_check_ilbrt(req);
    if (status) {
        return status;
    }
    io = g_new0(NvmeMetaIO, 1);
    io->req = req;
    io->hms = hms;
    io->hlen = hlen;
    io->data = blk_blockalign(ns->blk, (size_t)req->nlb << ns->lbads);
    io->md = g_malloc0((size_t)req->nlb * ns->ms);
    req->opaque = io;
    if (req->is_write) {
        NvmeRwCmd *rw = (NvmeRwCmd *)&req->cmd;

        status = nvme_meta_fetch(n, req, io->data, io->md, hms);
        if (!status && pract) {
            nvme_pi_generate(ns, io->data, io->md, req->nlb,
                             nvme_pi_ilbrt(ns, &req->cmd),
                             le16_to_cpu(rw->apptag));
        } else if (!status && ns->pi) {
            status = nvme_pi_check(ns, req, io->data, io->md);
        }
        if (!status && ns->zoned) {
            status = nvme_meta_zone_admit(req, io);
        }
        if (status) {
            nvme_meta_free(io);
            return status;
        }
    }
    trace_nvme_rw(le16_to_cpu(req->cmd.cid), req->is_write, req->slba,
                  req->nlb);
    block_acct_start(blk_get_stats(ns->blk), &req->acct,
                     (uint64_t)req->nlb * (ns->lbasz + ns->ms),
                     req->is_write ? BLOCK_ACCT_WRITE : BLOCK_ACCT_READ);
    nvme_meta_submit(io, nvme_meta_cb);
    return NVME_NO_COMPLETE;
}

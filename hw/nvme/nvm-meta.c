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
#include "iothread.h"
#include "ns.h"
#include "nvm-meta.h"
#include "queue.h"
#include "stats.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_PI_ESCAPE_APP  0xffff

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

static uint16_t nvme_crc16_table[256];

/* Context: any.  Build the MSB-first table of polynomial 8BB7h once. */
static void nvme_crc16_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = i << 8;

        for (unsigned b = 0; b < 8; b++) {
            c = (c & 0x8000) ? (c << 1) ^ 0x8bb7 : c << 1;
        }
        nvme_crc16_table[i] = c;
    }
}

/*
 * Context: any.  CRC-16 T10-DIF (initial value 0, not reflected, no final
 * XOR) of @buf continued from @crc.
 */
uint16_t nvme_crc16_t10dif(uint16_t crc, const uint8_t *buf, size_t len)
{
    if (!nvme_crc16_table[1]) {
        nvme_crc16_init();
    }
    for (size_t i = 0; i < len; i++) {
        crc = (crc << 8) ^ nvme_crc16_table[((crc >> 8) ^ buf[i]) & 0xff];
    }
    return crc;
}

static uint64_t nvme_crc64_table[256];

/* Context: any.  Table of the reflected NVMe CRC-64 polynomial, once. */
static void nvme_crc64_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;

        for (unsigned b = 0; b < 8; b++) {
            c = (c & 1) ? (c >> 1) ^ 0x9a6c9329ac4bc9b5ULL : c >> 1;
        }
        nvme_crc64_table[i] = c;
    }
}

/*
 * Context: any.  Continue the NVMe CRC-64 (polynomial AD93D23594C93659h,
 * reflected, initial value and final XOR all ones) in register form:
 * start from ~0, invert the result.
 */
static uint64_t nvme_crc64_update(uint64_t reg, const uint8_t *buf,
                                  size_t len)
{
    if (!nvme_crc64_table[1]) {
        nvme_crc64_init();
    }
    for (size_t i = 0; i < len; i++) {
        reg = (reg >> 8) ^ nvme_crc64_table[(reg ^ buf[i]) & 0xff];
    }
    return reg;
}

/* Context: any.  Offset of the PI in a block's metadata. */
uint32_t nvme_pi_off(NvmeNamespace *ns)
{
    return ns->pil ? 0 : ns->ms - nvme_pi_size(ns);
}

/*
 * Context: any.  Guard of one block: over its data and, when the PI is
 * last, the metadata before it; @data NULL stands for zeroes.
 */
static uint64_t nvme_pi_guard(NvmeNamespace *ns, const uint8_t *data,
                              const uint8_t *md)
{
    static const uint8_t zeroes[4096];

    if (!data) {
        assert(ns->lbasz <= sizeof(zeroes));
        data = zeroes;
    }
    if (ns->pif == NVME_PIF_64) {
        uint64_t reg = nvme_crc64_update(~0ULL, data, ns->lbasz);

        return ~nvme_crc64_update(reg, md, nvme_pi_off(ns));
    }
    return nvme_crc16_t10dif(nvme_crc16_t10dif(0, data, ns->lbasz), md,
                             nvme_pi_off(ns));
}

/*
 * PI fields.  16-bit guard: guard (2 bytes), application tag (2), 32-bit
 * reference tag (4).  64-bit guard: guard (8), application tag (2), then
 * storage and reference tag (6 bytes; no storage tag: a 48-bit reference
 * tag).  All big-endian.
 */
typedef struct NvmePi {
    uint64_t guard;
    uint16_t app;
    uint64_t ref;
} NvmePi;

/* Context: any.  Reference tag bits of the namespace's PI. */
static uint64_t nvme_pi_ref_mask(NvmeNamespace *ns)
{
    return ns->pif == NVME_PIF_64 ? 0xffffffffffffULL : 0xffffffffULL;
}

static void nvme_pi_load(NvmeNamespace *ns, const uint8_t *pi, NvmePi *f)
{
    if (ns->pif == NVME_PIF_64) {
        f->guard = ldq_be_p(pi);
        f->app = lduw_be_p(pi + 8);
        f->ref = (uint64_t)lduw_be_p(pi + 10) << 32 |
                 (uint32_t)ldl_be_p(pi + 12);
    } else {
        f->guard = lduw_be_p(pi);
        f->app = lduw_be_p(pi + 2);
        f->ref = (uint32_t)ldl_be_p(pi + 4);
    }
}

static void nvme_pi_store(NvmeNamespace *ns, uint8_t *pi, const NvmePi *f)
{
    if (ns->pif == NVME_PIF_64) {
        stq_be_p(pi, f->guard);
        stw_be_p(pi + 8, f->app);
        stw_be_p(pi + 10, f->ref >> 32);
        stl_be_p(pi + 12, f->ref);
    } else {
        stw_be_p(pi, f->guard);
        stw_be_p(pi + 2, f->app);
        stl_be_p(pi + 4, f->ref);
    }
}

/*
 * Context: any.  Initial reference tag of a Read, Write or Write Zeroes:
 * ILBRT in CDW14, for the 64-bit guard bits 47:32 in CDW3 bits 15:0.
 */
uint64_t nvme_pi_ilbrt(NvmeNamespace *ns, const NvmeCmd *cmd)
{
    uint64_t ref = le32_to_cpu(cmd->cdw14);

    if (ns->pif == NVME_PIF_64) {
        const NvmeRwCmd *rw = (const NvmeRwCmd *)cmd;

        ref |= (uint64_t)(le32_to_cpu(rw->cdw3) & 0xffff) << 32;
    }
    return ref;
}

/*
 * Context: any.  Write the PI of @nlb blocks into @md (the rest of the
 * metadata is kept): reference tags @ref, incremented per block for
 * types 1 and 2; @data NULL: the blocks are zeroes.
 */
void nvme_pi_generate(NvmeNamespace *ns, const uint8_t *data, uint8_t *md,
                      uint32_t nlb, uint64_t ref, uint16_t app)
{
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *blk_md = md + (size_t)i * ns->ms;
        const uint8_t *blk = data ? data + ((size_t)i << ns->lbads) : NULL;
        NvmePi f = {
            .guard = nvme_pi_guard(ns, blk, blk_md),
            .app = app,
            .ref = (ns->pi == 3 ? ref : ref + i) & nvme_pi_ref_mask(ns),
        };

        nvme_pi_store(ns, blk_md + nvme_pi_off(ns), &f);
    }
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
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *pi = md + (size_t)i * ns->ms + nvme_pi_off(ns);

        for (unsigned b = 0; b < nvme_pi_size(ns); b++) {
            pi[b] = ~pi[b];
        }
    }
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
    uint64_t mask = nvme_pi_ref_mask(ns);

    for (uint32_t i = 0; i < nlb; i++) {
        const uint8_t *blk_md = md + (size_t)i * ns->ms;
        uint16_t status = NVME_SUCCESS;
        NvmePi f;

        nvme_pi_load(ns, blk_md + nvme_pi_off(ns), &f);
        if (f.app == NVME_PI_ESCAPE_APP && (ns->pi != 3 || f.ref == mask)) {
            continue;
        }
        if ((e->prinfo & NVME_PRINFO_PRCHK_GUARD) &&
            f.guard != nvme_pi_guard(ns, data + ((size_t)i << ns->lbads),
                                     blk_md)) {
            status = NVME_E2E_GUARD_ERROR;
        } else if ((e->prinfo & NVME_PRINFO_PRCHK_APP) &&
                   (f.app & e->appmask) != (e->app & e->appmask)) {
            status = NVME_E2E_APP_ERROR;
        } else if ((e->prinfo & NVME_PRINFO_PRCHK_REF) && ns->pi != 3 &&
                   f.ref != ((e->ref + i) & mask)) {
            status = NVME_E2E_REF_ERROR;
        }
        if (status) {
            req->err_lba = slba + i;
            trace_nvme_pi_error(le16_to_cpu(req->cmd.cid), slba + i, status);
            return status | NVME_DNR;
        }
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
    uint32_t cdw15 = le32_to_cpu(cmd->cdw15);

    e->prinfo = (le32_to_cpu(cmd->cdw12) >> 26) & 0xf;
    e->ref = nvme_pi_ilbrt(ns, cmd);
    e->app = cdw15 & 0xffff;
    e->appmask = cdw15 >> 16;
}

/*
 * Context: queue.  Type 1 PI ties the reference tag to the LBA: with the
 * Reference Tag check (PRCHK bit 0, CDW12 bit 26) ILBRT must be SLBA's
 * low 32 bits (48 with the 64-bit guard), else Invalid Protection
 * Information before any data moves.  Read, Write, Compare, Verify.
 */
uint16_t nvme_pi_check_ilbrt(NvmeRequest *req)
{
    NvmeNamespace *ns = req->ns;
    uint64_t mask = ns->pif == NVME_PIF_64 ? BIT_ULL(48) - 1 : UINT32_MAX;

    if (ns->pi != 1 || !(le32_to_cpu(req->cmd.cdw12) & (1u << 26)) ||
        nvme_pi_ilbrt(ns, &req->cmd) == (req->slba & mask)) {
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
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *pi = md + (size_t)i * ns->ms + nvme_pi_off(ns);
        NvmePi f;

        nvme_pi_load(ns, pi, &f);
        f.ref = (f.ref + delta) & nvme_pi_ref_mask(ns);
        nvme_pi_store(ns, pi, &f);
    }
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

    NVME_IO_LOCK_GUARD(n);
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

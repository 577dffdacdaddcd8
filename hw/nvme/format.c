/*
 * NVMe Format NVM (admin opcode 80h).
 *
 * Every namespace offers LBA format 0 (512-byte blocks) and 1 (4096-byte
 * blocks), without metadata; a namespace whose configured block size is
 * neither offers that size as format 2, one configured with metadata
 * (nvme-ns,ms=) 512+8, 512+16, 4096+8 and 4096+64 as formats 2 to 5 (ns.c
 * owns the table and the geometry).  MSET, PI (types 1-3, with at least
 * 8 bytes of metadata) and PIL take effect with the format.
 * Formatting switches the namespace to the chosen format, which changes
 * its size in blocks, and erases it: whatever SES says, every block is
 * deallocated by a zero write that may unmap, so a formatted namespace
 * reads back zeroes (and all-FFh PI: nvm-meta.c).  That satisfies SES 1
 * (user data erase) and SES 2 (cryptographic erase, advertised by FNA
 * bit 2).
 *
 * FNA bits 0 and 1 are clear: a format and its secure erase apply to the
 * namespace the command names, or to every attached namespace when NSID
 * is FFFFFFFFh (FNA bit 3 clear: broadcast supported).
 *
 * The erase runs asynchronously, one bounded chunk per backend request;
 * until it ends the command stays outstanding and other commands for the
 * namespace fail with Format In Progress, Namespace Attachment and
 * Management included.  The job erases only the namespaces it took at
 * the start: one attached meanwhile (a broadcast format is running) or
 * plugged in with the NSID of one that went away keeps its data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "format.h"
#include "ioerr.h"
#include "iothread.h"
#include "ns.h"
#include "pi.h"
#include "queue.h"
#include "selftest.h"
#include "subsys.h"
#include "types.h"
#include "unc.h"
#include "zns.h"
#include "trace.h"

#define NVME_FORMAT_CHUNK   (1 * GiB)   /* bytes per backend zero write */

/* CDW10 of Format NVM */
#define NVME_FMT_LBAFL(dw10)    ((dw10) & 0xf)
#define NVME_FMT_MSET(dw10)     (((dw10) >> 4) & 0x1)
#define NVME_FMT_PI(dw10)       (((dw10) >> 5) & 0x7)
#define NVME_FMT_PIL(dw10)      (((dw10) >> 8) & 0x1)
#define NVME_FMT_SES(dw10)      (((dw10) >> 9) & 0x7)
#define NVME_FMT_LBAFU(dw10)    (((dw10) >> 12) & 0x3)

#define NVME_SES_NONE       0
#define NVME_SES_USER_DATA  1
#define NVME_SES_CRYPTO     2

/* The work of one Format NVM command: namespaces erased in NSID order. */
typedef struct NvmeFormatJob {
    NvmeRequest *req;
    uint32_t cur;               /* namespace being erased, 0 before the first */
    uint64_t offset;            /* bytes of it done */
} NvmeFormatJob;

/* Context: main loop.  Whether the command covers namespace @nsid. */
static bool nvme_format_covers(uint32_t job_nsid, uint32_t nsid)
{
    return job_nsid == NVME_NSID_BROADCAST || job_nsid == nsid;
}

/* Context: main loop.  Namespace @nsid of @n if @job took it, else NULL. */
static NvmeNamespace *nvme_format_ns(NvmeFormatJob *job, uint32_t nsid)
{
    NvmeNamespace *ns = nvme_ns(nvme_req_ctrl(job->req), nsid);

    return ns && ns->format_job == job ? ns : NULL;
}

/* Context: main loop.  @ns is done (erased, or the erase failed). */
static void nvme_format_release(NvmeNamespace *ns)
{
    ns->format_job = NULL;
    /* I/O dispatch may read it now, from another thread */
    qatomic_store_release(&ns->formatting, false);
}

/* Context: queue.  The failure, out of the check's usual path. */
static uint16_t __attribute__((noinline)) nvme_format_busy(NvmeRequest *req)
{
    trace_nvme_format_busy(le16_to_cpu(req->cmd.cid), req->cmd.opcode,
                           req->ns->nsid);
    nvme_req_err_field(req, 4, 0);
    return NVME_FORMAT_IN_PROGRESS;
}

/*
 * Context: queue (admin: main loop).  Commands for a namespace being
 * formatted fail with Format In Progress (retrying later helps: no DNR).
 * Called by dispatch once the command's namespace is resolved.
 */
uint16_t nvme_format_check(NvmeRequest *req)
{
    if (req->ns && qatomic_load_acquire(&req->ns->formatting)) {
        return nvme_format_busy(req);
    }
    return NVME_SUCCESS;
}

static void nvme_format_step(NvmeFormatJob *job);

/* Context: main loop (block layer callback).  One chunk erased. */
static void nvme_format_cb(void *opaque, int ret)
{
    NvmeFormatJob *job = opaque;
    NvmeRequest *req = job->req;
    NvmeNamespace *ns = nvme_format_ns(job, job->cur);

    req->aiocb = NULL;
    if (ret < 0) {
        uint16_t status = nvme_status_from_errno(ret, true);

        trace_nvme_format_done(job->cur, ret);
        for (uint32_t i = job->cur; i <= NVME_MAX_NSID; i++) {
            NvmeNamespace *left = nvme_format_ns(job, i);

            if (left) {
                nvme_format_release(left);
            }
        }
        req->opaque = NULL;
        g_free(job);
        nvme_req_complete(req, status);
        return;
    }
    if (ns) {
        job->offset = MIN(job->offset + NVME_FORMAT_CHUNK,
                          nvme_ns_bytes(ns));
    }
    nvme_format_step(job);
}

/*
 * Context: main loop.  Erase the next chunk, move to the next namespace,
 * or complete the command once every namespace is done.
 */
static void nvme_format_step(NvmeFormatJob *job)
{
    NvmeRequest *req = job->req;
    NvmeNamespace *ns = nvme_format_ns(job, job->cur);

    while (!ns || job->offset >= nvme_ns_bytes(ns)) {
        if (ns) {
            nvme_format_release(ns);
            trace_nvme_format_done(ns->nsid, 0);
            /* Namespace Attribute Changed on every controller (subsys.c) */
            nvme_ns_changed_all(ns);
        }
        do {
            job->cur++;
        } while (job->cur <= NVME_MAX_NSID &&
                 !nvme_format_ns(job, job->cur));
        if (job->cur > NVME_MAX_NSID) {
            req->opaque = NULL;
            g_free(job);
            nvme_req_complete(req, NVME_SUCCESS);
            return;
        }
        ns = nvme_format_ns(job, job->cur);
        job->offset = 0;
    }
    req->aiocb = blk_aio_pwrite_zeroes(ns->blk, job->offset,
                                       MIN(NVME_FORMAT_CHUNK,
                                           nvme_ns_bytes(ns) -
                                           job->offset),
                                       BDRV_REQ_MAY_UNMAP, nvme_format_cb,
                                       job);
}

/* Context: main loop.  Checks of one target namespace. */
static uint16_t nvme_format_check_ns(NvmeRequest *req, NvmeNamespace *ns,
                                     unsigned lbaf)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);

    if (ns->formatting) {
        return nvme_req_reject(req, NVME_FORMAT_IN_PROGRESS, 4, 0,
                               "namespace is being formatted");
    }
    if (!nvme_ns_lbaf_ds(ns, lbaf) ||
        blk_getlength(ns->blk) < (1 << nvme_ns_lbaf_ds(ns, lbaf)) +
                                 nvme_ns_lbaf_ms(ns, lbaf)) {
        return nvme_req_reject(req, NVME_INVALID_FORMAT | NVME_DNR, 40, 0,
                               "LBA format not offered");
    }
    if (ns->zoned && !nvme_zns_format_ok(ns, lbaf)) {       /* zns.c */
        return nvme_req_reject(req, NVME_INVALID_FORMAT | NVME_DNR, 40, 0,
                               "zones do not fit the LBA format");
    }
    /* PI needs 8 bytes of metadata (types 1-3 all offered: DPC) */
    if (NVME_FMT_PI(dw10) > 3 ||
        (NVME_FMT_PI(dw10) && nvme_ns_lbaf_ms(ns, lbaf) < NVME_PI_SIZE)) {
        return nvme_req_reject(req, NVME_INVALID_FORMAT | NVME_DNR, 40, 5,
                               "protection information not possible");
    }
    if (!blk_is_writable(ns->blk)) {
        return nvme_req_reject(req, NVME_NS_WRITE_PROTECTED | NVME_DNR,
                               4, 0, "namespace is write protected");
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Parse and check CDW10 and the NSID. */
static uint16_t nvme_format_parse(NvmeCtrl *n, NvmeRequest *req,
                                  uint32_t nsid, unsigned *lbaf)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    unsigned ses = NVME_FMT_SES(dw10);
    uint16_t status;
    bool any = false;

    *lbaf = NVME_FMT_LBAFU(dw10) << 4 | NVME_FMT_LBAFL(dw10);
    trace_nvme_format(nsid, *lbaf, NVME_FMT_MSET(dw10), NVME_FMT_PI(dw10),
                      ses);
    if (ses > NVME_SES_CRYPTO) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 41, 1,
                               "reserved secure erase setting");
    }
    if (nsid != NVME_NSID_BROADCAST) {
        status = nvme_nsid_status(n, nsid);     /* inactive: Invalid Field */
        if (status) {
            return nvme_req_reject(req, status, 4, 0,
                                   "no such active namespace");
        }
        return nvme_format_check_ns(req, nvme_ns(n, nsid), *lbaf);
    }
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i]) {
            status = nvme_format_check_ns(req, n->ns[i], *lbaf);
            if (status) {
                return status;
            }
            any = true;
        }
    }
    if (!any) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "no namespace attached");
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Format NVM: every target namespace is marked
 * formatting (new commands fail with Format In Progress) and fenced on
 * every controller it is attached to (its commands in flight end; other
 * namespaces keep running), takes the new format, then the erase runs in
 * the background and completes the command.
 */
uint16_t nvme_admin_format(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    NvmeFormatJob *job;
    unsigned lbaf;
    uint16_t status;

    status = nvme_format_parse(n, req, nsid, &lbaf);
    if (status) {
        return status;
    }
    job = g_new0(NvmeFormatJob, 1);
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = n->ns[i];

        if (ns && nvme_format_covers(nsid, i)) {
            ns->format_job = job;
            qatomic_store_release(&ns->formatting, true);
            nvme_ns_fence_all(ns);          /* iothread.c */
        }
    }
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = n->ns[i];

        if (!ns || ns->format_job != job) {
            continue;
        }
        blk_drain(ns->blk);
        nvme_selftest_abort_ns(n, i, NVME_DST_ABORTED_FORMAT);
        nvme_unc_free(ns);
        ns->mset = ns->meta_formats && NVME_FMT_MSET(dw10);
        ns->pi = NVME_FMT_PI(dw10);
        ns->pil = ns->pi && NVME_FMT_PIL(dw10);
        nvme_ns_set_lbaf(ns, lbaf);
        if (ns->zoned) {
            nvme_zns_format(ns);        /* zns.c: every zone Empty */
        }
        nvme_ns_state_changed(ns);      /* kept across restarts (ns.c) */
    }
    job->req = req;
    req->opaque = job;
    nvme_format_step(job);
    return NVME_NO_COMPLETE;
}

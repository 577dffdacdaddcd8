/*
 * NVMe telemetry log pages: Host-Initiated (07h) and Controller-Initiated
 * (08h).
 *
 * A Get Log Page of 07h with Create Telemetry Host-Initiated Data (LSP
 * bit 0) captures a snapshot of the controller's state and bumps the
 * generation number; reads without it return the last snapshot, so a
 * host can fetch it in pieces.  The log is made of 512-byte blocks:
 * block 0 is the header, the data areas follow.  All values are little
 * endian; the layout (documented in docs/nvme.rst) is:
 *
 *   Data area 1, block 1: the controller
 *     0  "QNVMTEL1"        8  ms since power on    16 CAP
 *     24 VS    28 INTMS    32 CC    36 CSTS    40 AQA    48 ASQ  56 ACQ
 *     64 CNTLID (16)       66 queue ids (16)       68 AERs outstanding
 *     70 events queued     72 error log count (64)
 *     80 units read  88 units written  96 read cmds  104 write cmds
 *     112 media errors  120 busy ns (64 each)
 *     128 critical warning (8)   129 AER types masked (8)
 *     132 interrupt coalescing  136 AEC  140 KATO (32 each)
 *   Data area 2, blocks 2..DA2LB: 32 bytes per queue id with an SQ or CQ
 *     0 qid (16)  2 flags: 0 SQ, 1 CQ, 2 CQ IEN, 3 CQ phase (8)
 *     4 SQ's CQID (16)  6 CQ vector (16)
 *     8 SQ size  12 SQ head  16 SQ tail  20 CQ size  24 CQ head
 *     28 CQ tail (32 each)
 *   Data area 3, blocks DA2LB+1..DA3LB: 32 bytes per attached namespace
 *     0 NSID (32)  4 LBADS (8)  5 FLBAS (8)  6 flags: 0 shared,
 *     1 formatting (8)  8 NLBAS (64)  16 Write Uncorrectable ranges (32)
 *     24 Write Uncorrectable blocks (64)
 *
 * Areas 2 and 3 take at least one block each.
 *
 * The controller captures the same data by itself (log 08h) when a
 * command completes with Internal Error or the controller enters fatal
 * status: the capture is latched (Telemetry Controller-Initiated Data
 * Available, byte 382 of both pages, and its generation, byte 383, go
 * up, the reason is bytes 384-511) and announced with a Telemetry Log
 * Changed notice (AEC bit 10).  Later events leave it alone until the
 * host reads log 08h without RAE, which releases it (the data stays
 * readable until the next capture replaces it).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/main-loop.h"
#include "ctrl.h"
#include "event.h"
#include "log.h"
#include "ns.h"
#include "queue.h"
#include "stats.h"
#include "telemetry.h"
#include "types.h"
#include "trace.h"

#define NVME_TEL_BLOCK      512
#define NVME_TEL_REC        32
#define NVME_TEL_REASON     "QEMU NVMe: host-initiated capture"
#define NVME_TEL_CTRL_AVAIL 382     /* header: Controller-Initiated ... */
#define NVME_TEL_CTRL_GEN   383
#define NVME_TEL_REASON_AT  384

static void put8(uint8_t *p, uint8_t v)
{
    *p = v;
}

static void put16(uint8_t *p, uint16_t v)
{
    stw_le_p(p, v);
}

static void put32(uint8_t *p, uint32_t v)
{
    stl_le_p(p, v);
}

static void put64(uint8_t *p, uint64_t v)
{
    stq_le_p(p, v);
}

/*
 * Context: main loop.  Header common to both pages (block 0); bytes 382
 * and 383 are refreshed whenever the page is read.
 */
static void nvme_tel_header(NvmeCtrl *n, uint8_t *h, uint8_t lid)
{
    put8(h + 0, lid);
    memcpy(h + 5, n->id_ctrl.ieee, 3);
    put8(h + NVME_TEL_CTRL_AVAIL, n->telemetry.ctrl_avail);
    put8(h + NVME_TEL_CTRL_GEN, n->telemetry.ctrl_gen);
}

/* Context: main loop.  Data area 1: registers, counters, features. */
static void nvme_tel_ctrl(NvmeCtrl *n, uint8_t *p)
{
    NvmeStats st;

    nvme_stats_read(n, 0, &st);         /* stats.c: every queue's */
    memcpy(p, "QNVMTEL1", 8);
    put64(p + 8, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) - n->stats.power_on_at);
    put64(p + 16, n->regs.cap);
    put32(p + 24, n->regs.vs);
    put32(p + 28, n->regs.intms);
    put32(p + 32, n->regs.cc);
    put32(p + 36, n->regs.csts);
    put32(p + 40, n->regs.aqa);
    put64(p + 48, n->regs.asq);
    put64(p + 56, n->regs.acq);
    put16(p + 64, n->cntlid);
    put16(p + 66, n->queues.num);
    put16(p + 68, n->aer.outstanding);
    put16(p + 70, n->aer.queued);
    put64(p + 72, nvme_errlog_count(n));
    put64(p + 80, st.units_read);
    put64(p + 88, st.units_written);
    put64(p + 96, st.read_cmds);
    put64(p + 104, st.write_cmds);
    put64(p + 112, st.media_errors);
    put64(p + 120, nvme_stats_busy_ns(n));
    put8(p + 128, nvme_smart_critical_warning(n));
    put8(p + 129, n->aer.masked);
    put32(p + 132, n->feat.cur.int_coalescing);
    put32(p + 136, n->feat.cur.aec);
    put32(p + 140, n->feat.cur.kato);
}

/* Context: main loop.  Data area 2; returns the records written. */
static uint32_t nvme_tel_queues(NvmeCtrl *n, uint8_t *p)
{
    uint32_t nr = 0;

    for (uint32_t i = 0; i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq ? n->queues.sq[i] : NULL;
        NvmeCQueue *cq = n->queues.cq ? n->queues.cq[i] : NULL;
        uint8_t *r = p + nr * NVME_TEL_REC;
        uint8_t flags = 0;

        if (!sq && !cq) {
            continue;
        }
        put16(r, i);
        if (sq) {
            flags |= 1;
            put16(r + 4, sq->cqid);
            put32(r + 8, sq->size);
            put32(r + 12, qatomic_read(&sq->head));
            put32(r + 16, qatomic_read(&sq->tail));
        }
        if (cq) {
            flags |= 2 | (cq->ien << 2) | (qatomic_read(&cq->phase) << 3);
            put16(r + 6, cq->vector);
            put32(r + 20, cq->size);
            put32(r + 24, qatomic_read(&cq->head));
            put32(r + 28, qatomic_read(&cq->tail));
        }
        put8(r + 2, flags);
        nr++;
    }
    return nr;
}

/* Context: main loop.  Data area 3; returns the records written. */
static uint32_t nvme_tel_namespaces(NvmeCtrl *n, uint8_t *p)
{
    uint32_t nr = 0;

    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = n->ns[nsid];
        uint8_t *r = p + nr * NVME_TEL_REC;
        uint64_t unc = 0;

        if (!ns) {
            continue;
        }
        for (uint32_t i = 0; i < ns->unc.nr; i++) {
            unc += ns->unc.r[i].nlb;
        }
        put32(r, nsid);
        put8(r + 4, ns->lbads);
        put8(r + 5, ns->lbaf);
        put8(r + 6, ns->shared | (ns->formatting << 1));
        put64(r + 8, ns->nlbas);
        put32(r + 16, ns->unc.nr);
        put64(r + 24, unc);
        nr++;
    }
    return nr;
}

/*
 * Context: main loop.  A snapshot of the controller for log @lid: header
 * and data areas 1-3; returns it (g_free) and its size in *@len.
 */
static uint8_t *nvme_tel_snapshot(NvmeCtrl *n, uint8_t lid, uint32_t *len)
{
    uint32_t qblocks = MAX(1, DIV_ROUND_UP(n->queues.num * NVME_TEL_REC,
                                           NVME_TEL_BLOCK));
    uint32_t nsblocks = DIV_ROUND_UP((NVME_MAX_NSID) * NVME_TEL_REC,
                                     NVME_TEL_BLOCK);
    uint32_t blocks = 2 + qblocks + nsblocks;
    uint8_t *buf = g_malloc0(blocks * NVME_TEL_BLOCK);
    uint8_t *area2 = buf + 2 * NVME_TEL_BLOCK;
    uint8_t *area3;
    uint32_t nq, nns, da2lb, da3lb;

    nvme_tel_ctrl(n, buf + NVME_TEL_BLOCK);
    nq = nvme_tel_queues(n, area2);
    da2lb = 1 + MAX(1, DIV_ROUND_UP(nq * NVME_TEL_REC, NVME_TEL_BLOCK));
    area3 = buf + (da2lb + 1) * NVME_TEL_BLOCK;
    nns = nvme_tel_namespaces(n, area3);
    da3lb = da2lb + MAX(1, DIV_ROUND_UP(nns * NVME_TEL_REC, NVME_TEL_BLOCK));

    nvme_tel_header(n, buf, lid);
    put16(buf + 8, 1);
    put16(buf + 10, da2lb);
    put16(buf + 12, da3lb);
    *len = (da3lb + 1) * NVME_TEL_BLOCK;
    return buf;
}

/* Context: main loop.  Capture a new host-initiated snapshot. */
static void nvme_tel_capture(NvmeCtrl *n)
{
    g_free(n->telemetry.data);
    n->telemetry.data = nvme_tel_snapshot(n, NVME_LOG_TELEMETRY_HOST,
                                          &n->telemetry.len);
    n->telemetry.gen++;
    put8(n->telemetry.data + 381, n->telemetry.gen);
    memcpy(n->telemetry.data + NVME_TEL_REASON_AT, NVME_TEL_REASON,
           sizeof(NVME_TEL_REASON) - 1);
    trace_nvme_telemetry_capture(n->telemetry.gen,
                                 lduw_le_p(n->telemetry.data + 12));
}

/*
 * Context: main loop.  The controller captures its state because of
 * @why, unless an earlier capture is still latched; the host hears of it
 * through a Telemetry Log Changed notice.
 */
void nvme_telemetry_capture_ctrl(NvmeCtrl *n, const char *why)
{
    NvmeTelemetry *t = &n->telemetry;

    if (t->ctrl_avail) {
        return;                 /* latched until the host releases it */
    }
    t->ctrl_avail = true;
    t->ctrl_gen++;
    g_free(t->ctrl_data);
    t->ctrl_data = nvme_tel_snapshot(n, NVME_LOG_TELEMETRY_CTRL, &t->ctrl_len);
    snprintf((char *)t->ctrl_data + NVME_TEL_REASON_AT, NVME_TEL_REASON_LEN,
             "QEMU NVMe: %s", why);
    trace_nvme_telemetry_capture_ctrl(t->ctrl_gen, why);
    if (n->running && (n->feat.cur.aec & NVME_AEC_TELEMETRY)) {
        nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE, NVME_AER_INFO_TELEMETRY,
                         NVME_LOG_TELEMETRY_CTRL);
    }
}

/* Context: main loop (bottom half). */
static void nvme_tel_internal_error_bh(void *opaque)
{
    nvme_telemetry_capture_ctrl(opaque, "a command ended in Internal Error");
}

/* Context: any.  A command completed with Internal Error. */
void nvme_telemetry_internal_error(NvmeCtrl *n)
{
    qemu_bh_schedule(n->telemetry.bh);
}

/*
 * Context: main loop.  Source of log @lid (07h or 08h) for a Get Log
 * Page, capturing first when @create (07h); *@src stays valid until the
 * next capture.  Returns the page's size.
 */
size_t nvme_telemetry_log(NvmeCtrl *n, uint8_t lid, bool create,
                          const uint8_t **src)
{
    static uint8_t empty[NVME_TEL_BLOCK];
    uint8_t *page = lid == NVME_LOG_TELEMETRY_HOST ? n->telemetry.data
                                                   : n->telemetry.ctrl_data;
    uint32_t len = lid == NVME_LOG_TELEMETRY_HOST ? n->telemetry.len
                                                  : n->telemetry.ctrl_len;

    if (lid == NVME_LOG_TELEMETRY_HOST && create) {
        nvme_tel_capture(n);
        page = n->telemetry.data;
        len = n->telemetry.len;
    }
    if (page) {
        nvme_tel_header(n, page, lid);      /* bytes 382, 383: now */
        *src = page;
        return len;
    }
    /* nothing captured yet: a header without data areas */
    memset(empty, 0, sizeof(empty));
    nvme_tel_header(n, empty, lid);
    *src = empty;
    return sizeof(empty);
}

/*
 * Context: main loop.  The host read log @lid; reading 08h without RAE
 * releases the controller-initiated data.
 */
void nvme_telemetry_log_read(NvmeCtrl *n, uint8_t lid, bool rae)
{
    if (lid == NVME_LOG_TELEMETRY_CTRL && !rae) {
        n->telemetry.ctrl_avail = false;
        nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
    }
}

/* Context: main loop.  Realize. */
void nvme_telemetry_init(NvmeCtrl *n)
{
    n->telemetry.bh = qemu_bh_new_guarded(nvme_tel_internal_error_bh, n,
                                         &DEVICE(n)->mem_reentrancy_guard);
}

/* Context: main loop.  Device teardown. */
void nvme_telemetry_cleanup(NvmeCtrl *n)
{
    g_free(n->telemetry.data);
    n->telemetry.data = NULL;
    n->telemetry.len = 0;
    g_free(n->telemetry.ctrl_data);
    n->telemetry.ctrl_data = NULL;
    if (n->telemetry.bh) {
        qemu_bh_delete(n->telemetry.bh);
        n->telemetry.bh = NULL;
    }
}

/* ---- migration ---- */

/* Whether @len is the size of a snapshot this controller makes. */
static bool nvme_tel_size_ok(NvmeCtrl *n, uint32_t len)
{
    uint32_t max = (2 + DIV_ROUND_UP(n->queues.num * NVME_TEL_REC,
                                     NVME_TEL_BLOCK) +
                    DIV_ROUND_UP(NVME_MAX_NSID * NVME_TEL_REC,
                                 NVME_TEL_BLOCK)) * NVME_TEL_BLOCK;

    return len <= max && !(len % NVME_TEL_BLOCK);
}

static bool nvme_tel_len_ok(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    return nvme_tel_size_ok(n, n->telemetry.len);
}

static bool nvme_tel_ctrl_len_ok(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    return nvme_tel_size_ok(n, n->telemetry.ctrl_len);
}

/* Context: main loop.  The snapshots being replaced (loadvm) go. */
static int nvme_tel_pre_load(void *opaque)
{
    NvmeTelemetry *t = &((NvmeCtrl *)opaque)->telemetry;

    g_free(t->data);
    g_free(t->ctrl_data);
    t->data = t->ctrl_data = NULL;
    t->len = t->ctrl_len = 0;
    return 0;
}

/*
 * The last host-initiated snapshot, as the host reads it, and its number;
 * the controller-initiated capture latched for the host, its generation
 * number and whether it is available.
 */
const VMStateDescription nvme_vmstate_telemetry = {
    .name = "nvme/telemetry",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = nvme_tel_pre_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(telemetry.gen, NvmeCtrl),
        VMSTATE_UINT32(telemetry.len, NvmeCtrl),
        VMSTATE_VALIDATE("telemetry snapshot size", nvme_tel_len_ok),
        VMSTATE_VBUFFER_ALLOC_UINT32(telemetry.data, NvmeCtrl, 0, NULL,
                                     telemetry.len),
        VMSTATE_UINT8(telemetry.ctrl_gen, NvmeCtrl),
        VMSTATE_BOOL(telemetry.ctrl_avail, NvmeCtrl),
        VMSTATE_UINT32(telemetry.ctrl_len, NvmeCtrl),
        VMSTATE_VALIDATE("controller telemetry capture size",
                         nvme_tel_ctrl_len_ok),
        VMSTATE_VBUFFER_ALLOC_UINT32(telemetry.ctrl_data, NvmeCtrl, 0, NULL,
                                     telemetry.ctrl_len),
        VMSTATE_END_OF_LIST()
    },
};

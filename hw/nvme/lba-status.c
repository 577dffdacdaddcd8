/*
 * NVMe LBA Status Information notices.
 *
 * The LBA Status Information log page (0Eh, built by nvm-range.c) lists,
 * per attached namespace, the tracked Potentially Unrecoverable LBAs:
 * Write Uncorrectable marks and the blocks of reads that failed with
 * Unrecovered Read Error (media errors), until they are written again.
 * When blocks are added to a namespace's list, every controller it is
 * attached to sends an LBA Status Information Alert (notice, information
 * 05h, log 0Eh) if AEC bit 15 enables it (OAES bit 15).  The notice type
 * then stays masked until the host reads log 0Eh without RAE.  After such
 * a read the next alert waits for the report interval (LSIRI) to pass and
 * comes only if blocks were added since that read.
 *
 * Feature 15h, LBA Status Information Attributes: CDW11 bits 15:0 LSIRI,
 * 31:16 LSIPI, both in 100 ms units of the virtual clock; LSIPI (how long
 * the host should wait between reads of the log) is kept and reported.
 * Defaults: 1 s each.  Not saveable; a controller reset restores them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "ctrl.h"
#include "event.h"
#include "id-ctrl.h"
#include "lba-status.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "subsys.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

#define NVME_LBAS_LSIRI_DEFAULT     10
#define NVME_LBAS_LSIPI_DEFAULT     10

/* Context: main loop.  Blocks ever added to the attached namespaces. */
static uint32_t nvme_lbas_adds(NvmeCtrl *n)
{
    uint32_t adds = 0;

    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = n->ns[nsid];

        if (ns) {
            adds += nvme_unc_adds(ns);           /* unc.c */
        }
    }
    return adds;
}

/*
 * Context: main loop.  Send the alert if it is enabled, not already
 * outstanding, something was added since the host's last read and the
 * report interval has passed (else look again when it has).
 */
static void nvme_lbas_check(NvmeCtrl *n)
{
    NvmeLbaStatus *l = &n->lbas;
    int64_t now;

    if (!n->running || !(n->feat.cur.aec & NVME_OAES_LBA_STATUS) ||
        l->alerted || nvme_lbas_adds(n) == l->read_adds) {
        return;
    }
    now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
    if (now < l->next_ms) {
        timer_mod(l->timer, l->next_ms);
        return;
    }
    l->alerted = true;
    trace_nvme_lbas_alert(n->cntlid);
    nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE, NVME_AER_INFO_LBA_STATUS,
                     NVME_LOG_LBA_STATUS);
}

/* Context: main loop (timer). */
static void nvme_lbas_timer(void *opaque)
{
    nvme_lbas_check(opaque);
}

/*
 * Context: main loop (bottom half).  Blocks were added to a namespace of
 * the subsystem: each controller looks at what it has attached.
 */
static void nvme_lbas_bh(void *opaque)
{
    NvmeCtrl *n = opaque;

    for (unsigned id = 0; id < NVME_SUBSYS_MAX_CTRLS; id++) {
        if (n->subsys->ctrls[id]) {
            nvme_lbas_check(n->subsys->ctrls[id]);
        }
    }
}

/*
 * Context: any (queue: a mark or media error of a command of @n).  Look
 * for alerts to send from the main loop.
 */
void nvme_lbas_added(NvmeCtrl *n)
{
    qemu_bh_schedule(n->lbas.bh);
}

/* Context: main loop.  The AEC feature changed: an alert may be due. */
void nvme_lbas_aec_changed(NvmeCtrl *n)
{
    nvme_lbas_check(n);
}

/*
 * Context: main loop.  The host read log 0Eh; without RAE that consumes
 * the alert: the notice type is unmasked and the report interval starts.
 */
void nvme_lbas_log_read(NvmeCtrl *n, bool rae)
{
    NvmeLbaStatus *l = &n->lbas;

    if (rae) {
        return;
    }
    l->alerted = false;
    l->read_adds = nvme_lbas_adds(n);
    l->next_ms = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                 (int64_t)l->lsiri * 100;
    nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
}

/* Context: main loop.  Get Features 15h (SEL current, default, saved). */
uint16_t nvme_lbas_get_feature(NvmeCtrl *n, NvmeRequest *req, bool dflt)
{
    req->result = dflt ? NVME_LBAS_LSIRI_DEFAULT |
                         NVME_LBAS_LSIPI_DEFAULT << 16
                       : n->lbas.lsiri | (uint32_t)n->lbas.lsipi << 16;
    return NVME_SUCCESS;
}

/* Context: main loop.  Set Features 15h: a new interval counts from now. */
uint16_t nvme_lbas_set_feature(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);

    n->lbas.lsiri = dw11 & 0xffff;
    n->lbas.lsipi = dw11 >> 16;
    if (timer_pending(n->lbas.timer)) {
        timer_mod(n->lbas.timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
                  (int64_t)n->lbas.lsiri * 100);
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Power on and controller reset: default intervals;
 * what is listed now is not news (the host may read the log itself).
 */
void nvme_lbas_reset(NvmeCtrl *n)
{
    NvmeLbaStatus *l = &n->lbas;

    l->lsiri = NVME_LBAS_LSIRI_DEFAULT;
    l->lsipi = NVME_LBAS_LSIPI_DEFAULT;
    l->alerted = false;
    l->read_adds = nvme_lbas_adds(n);
    l->next_ms = 0;
    timer_del(l->timer);
}

/* Context: main loop (realize). */
void nvme_lbas_init(NvmeCtrl *n)
{
    n->lbas.timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, nvme_lbas_timer, n);
    n->lbas.bh = qemu_bh_new_guarded(nvme_lbas_bh, n,
                                     &DEVICE(n)->mem_reentrancy_guard);
}

/* Context: main loop (unrealize). */
void nvme_lbas_cleanup(NvmeCtrl *n)
{
    timer_free(n->lbas.timer);
    n->lbas.timer = NULL;
    qemu_bh_delete(n->lbas.bh);
    n->lbas.bh = NULL;
}

/* ---- migration ---- */

/*
 * Context: main loop.  A running report interval goes on.  The virtual
 * clock need not be the source's yet (qtest sets it later), so the
 * deadline is not compared with it.
 */
static int nvme_lbas_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeLbaStatus *l = &n->lbas;

    if (l->next_ms < 0) {
        return nvme_mig_bad(n, "LBA status alert deadline %" PRId64 " ms",
                            l->next_ms);
    }
    timer_del(l->timer);
    if (l->next_ms) {
        timer_mod(l->timer, l->next_ms);    /* at worst a check too many */
    }
    return 0;
}

/*
 * LBA Status Information Attributes (current) and the alert's state:
 * sent and not read yet, the marks counted when the host last read the
 * log, no alert before the deadline.
 */
const VMStateDescription nvme_vmstate_lbas = {
    .name = "nvme/lba-status",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_lbas_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(lbas.lsiri, NvmeCtrl),
        VMSTATE_UINT16(lbas.lsipi, NvmeCtrl),
        VMSTATE_BOOL(lbas.alerted, NvmeCtrl),
        VMSTATE_UINT32(lbas.read_adds, NvmeCtrl),
        VMSTATE_INT64(lbas.next_ms, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

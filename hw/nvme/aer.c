/*
 * NVMe Asynchronous Event Requests.
 *
 * Events queue (up to aer_max_queued) until an AER command is outstanding.
 * Once an event of a type is reported, that type stays masked until the
 * host reads the associated log page without Retain Asynchronous Event.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "aer.h"
#include "ctrl.h"
#include "event.h"
#include "migration.h"
#include "queue.h"
#include "trace.h"

/* Context: main loop.  Complete AER commands with unmasked events. */
static void nvme_aer_process(NvmeCtrl *n)
{
    while (n->aer.outstanding && n->aer.queued) {
        NvmeAsyncEvent ev;
        NvmeRequest *req;
        uint32_t i;

        for (i = 0; i < n->aer.queued; i++) {
            if (!(n->aer.masked & (1u << n->aer.queue[i].type))) {
                break;
            }
        }
        if (i == n->aer.queued) {
            return;
        }
        ev = n->aer.queue[i];
        memmove(&n->aer.queue[i], &n->aer.queue[i + 1],
                (n->aer.queued - i - 1) * sizeof(ev));
        n->aer.queued--;
        n->aer.masked |= 1u << ev.type;

        req = n->aer.reqs[0];
        memmove(&n->aer.reqs[0], &n->aer.reqs[1],
                (n->aer.outstanding - 1) * sizeof(req));
        n->aer.outstanding--;
        req->result = ev.type | (ev.info << 8) | (ev.log_page << 16);
        trace_nvme_aer_complete(ev.type, ev.info, ev.log_page);
        nvme_req_complete(req, NVME_SUCCESS);
    }
}

/* Context: main loop. */
uint16_t nvme_admin_aer(NvmeCtrl *n, NvmeRequest *req)
{
    if (n->aer.outstanding > n->params.aerl) {
        return NVME_AER_LIMIT_EXCEEDED | NVME_DNR;
    }
    n->aer.reqs[n->aer.outstanding++] = req;
    nvme_aer_process(n);
    return NVME_NO_COMPLETE;
}

/*
 * Context: any; takes aer.lock outside the main loop.  Queue an event; a
 * full queue drops the newest.  An iothread hands it to the main loop.
 */
void nvme_aer_enqueue(NvmeCtrl *n, uint8_t type, uint8_t info,
                      uint8_t log_page)
{
    if (!qemu_in_main_thread()) {
        WITH_QEMU_LOCK_GUARD(&n->aer.lock) {
            if (n->aer.npending == n->params.aer_max_queued) {
                trace_nvme_aer_dropped(type, info);
                return;
            }
            n->aer.pending[n->aer.npending++] = (NvmeAsyncEvent) {
                .type = type, .info = info, .log_page = log_page,
            };
        }
        qemu_bh_schedule(n->aer.bh);
        return;
    }
    trace_nvme_aer_enqueue(type, info, log_page);
    if (n->aer.queued == n->params.aer_max_queued) {
        trace_nvme_aer_dropped(type, info);
        return;
    }
    n->aer.queue[n->aer.queued++] = (NvmeAsyncEvent) {
        .type = type, .info = info, .log_page = log_page,
    };
    nvme_aer_process(n);
}

/*
 * Context: main loop.  Drop queued events of @type for @log_page (their
 * log has nothing left to report).
 */
void nvme_aer_forget(NvmeCtrl *n, uint8_t type, uint8_t log_page)
{
    uint32_t kept = 0;

    for (uint32_t i = 0; i < n->aer.queued; i++) {
        if (n->aer.queue[i].type != type ||
            n->aer.queue[i].log_page != log_page) {
            n->aer.queue[kept++] = n->aer.queue[i];
        }
    }
    n->aer.queued = kept;
}

/* Context: main loop.  The host read the log page of @type. */
void nvme_aer_unmask(NvmeCtrl *n, uint8_t type)
{
    n->aer.masked &= ~(1u << type);
    nvme_aer_process(n);
}

/* Context: main loop (bottom half).  Events raised in iothreads. */
static void nvme_aer_bh(void *opaque)
{
    NvmeCtrl *n = opaque;
    g_autofree NvmeAsyncEvent *ev = NULL;
    uint32_t nr;

    WITH_QEMU_LOCK_GUARD(&n->aer.lock) {
        nr = n->aer.npending;
        ev = g_memdup2(n->aer.pending, nr * sizeof(*ev));
        n->aer.npending = 0;
    }
    for (uint32_t i = 0; i < nr; i++) {
        nvme_aer_enqueue(n, ev[i].type, ev[i].info, ev[i].log_page);
    }
    nvme_aer_process(n);        /* events a save moved (below) */
}

/* Context: main loop (realize).  aerl + 1 command slots, the event queue. */
void nvme_aer_init(NvmeCtrl *n)
{
    n->aer.reqs = g_new0(NvmeRequest *, n->params.aerl + 1);
    n->aer.queue = g_new0(NvmeAsyncEvent, n->params.aer_max_queued);
    n->aer.pending = g_new0(NvmeAsyncEvent, n->params.aer_max_queued);
    qemu_mutex_init(&n->aer.lock);
    n->aer.bh = qemu_bh_new_guarded(nvme_aer_bh, n,
                                    &DEVICE(n)->mem_reentrancy_guard);
}

/* Context: main loop (unrealize). */
void nvme_aer_cleanup(NvmeCtrl *n)
{
    qemu_bh_delete(n->aer.bh);
    qemu_mutex_destroy(&n->aer.lock);
    g_free(n->aer.reqs);
    n->aer.reqs = NULL;
    g_free(n->aer.queue);
    n->aer.queue = NULL;
    g_free(n->aer.pending);
    n->aer.pending = NULL;
}

/*
 * Context: main loop, the controller's queues quiesced.  Controller
 * reset: outstanding AERs and every event are dropped.
 */
void nvme_aer_reset(NvmeCtrl *n)
{
    n->aer.outstanding = 0;
    n->aer.queued = 0;
    n->aer.masked = 0;
    WITH_QEMU_LOCK_GUARD(&n->aer.lock) {
        n->aer.npending = 0;
    }
}

/* ---- migration ---- */

/*
 * The queued events and the masks travel; the outstanding AER commands
 * are carried as commands to execute again (queue-mig.c), which on the
 * destination puts them back in order.
 */
static const VMStateDescription nvme_vmstate_event = {
    .name = "nvme-event",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(type, NvmeAsyncEvent),
        VMSTATE_UINT8(info, NvmeAsyncEvent),
        VMSTATE_UINT8(log_page, NvmeAsyncEvent),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Context: main loop (a pre_save), the queues frozen.  Events iothreads
 * raised that the bottom half has not moved yet join the queue, as it
 * would move them; the outstanding commands are carried already (the
 * queues' subsection comes first), so nothing is completed here: the
 * bottom half does that if this VM runs on.
 */
static int nvme_aer_pre_save(void *opaque)
{
    NvmeCtrl *n = opaque;

    WITH_QEMU_LOCK_GUARD(&n->aer.lock) {
        for (uint32_t i = 0; i < n->aer.npending; i++) {
            if (n->aer.queued == n->params.aer_max_queued) {
                trace_nvme_aer_dropped(n->aer.pending[i].type,
                                       n->aer.pending[i].info);
                continue;
            }
            n->aer.queue[n->aer.queued++] = n->aer.pending[i];
        }
        n->aer.npending = 0;
    }
    qemu_bh_schedule(n->aer.bh);
    return 0;
}

static bool nvme_aer_queued_ok(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    return n->aer.queued <= n->params.aer_max_queued;
}

/* Context: main loop.  Event types are 3 bits (0..7). */
static int nvme_aer_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    for (uint32_t i = 0; i < n->aer.queued; i++) {
        if (n->aer.queue[i].type > 7) {
            return nvme_mig_bad(n, "queued event %u has type %u", i,
                                n->aer.queue[i].type);
        }
    }
    return 0;
}

const VMStateDescription nvme_vmstate_aer = {
    .name = "nvme/aer",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_aer_pre_save,
    .post_load = nvme_aer_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8(aer.masked, NvmeCtrl),
        VMSTATE_UINT32(aer.queued, NvmeCtrl),
        VMSTATE_VALIDATE("queued events within aer_max_queued",
                         nvme_aer_queued_ok),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT32(aer.queue, NvmeCtrl, aer.queued,
                                             nvme_vmstate_event,
                                             NvmeAsyncEvent),
        VMSTATE_END_OF_LIST()
    },
};

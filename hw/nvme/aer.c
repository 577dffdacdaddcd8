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
#include "hw/nvme/nvme.h"
#include "trace.h"

/* Context: main loop.  Complete AER commands with unmasked events. */
static void nvme_aer_process(NvmeCtrl *n)
{
    while (n->aer_outstanding && n->aer_queued) {
        NvmeAsyncEvent ev;
        NvmeRequest *req;
        uint32_t i;

        for (i = 0; i < n->aer_queued; i++) {
            if (!(n->aer_masked & (1u << n->aer_queue[i].type))) {
                break;
            }
        }
        if (i == n->aer_queued) {
            return;
        }
        ev = n->aer_queue[i];
        memmove(&n->aer_queue[i], &n->aer_queue[i + 1],
                (n->aer_queued - i - 1) * sizeof(ev));
        n->aer_queued--;
        n->aer_masked |= 1u << ev.type;

        req = n->aer_reqs[0];
        memmove(&n->aer_reqs[0], &n->aer_reqs[1],
                (n->aer_outstanding - 1) * sizeof(req));
        n->aer_outstanding--;
        req->result = ev.type | (ev.info << 8) | (ev.log_page << 16);
        trace_nvme_aer_complete(ev.type, ev.info, ev.log_page);
        nvme_req_complete(req, NVME_SUCCESS);
    }
}

/* Context: main loop. */
uint16_t nvme_admin_aer(NvmeCtrl *n, NvmeRequest *req)
{
    if (n->aer_outstanding > n->params.aerl) {
        return NVME_AER_LIMIT_EXCEEDED | NVME_DNR;
    }
    n->aer_reqs[n->aer_outstanding++] = req;
    nvme_aer_process(n);
    return NVME_NO_COMPLETE;
}

/* Context: main loop.  Queue an event; a full queue drops the newest. */
void nvme_aer_enqueue(NvmeCtrl *n, uint8_t type, uint8_t info,
                      uint8_t log_page)
{
    trace_nvme_aer_enqueue(type, info, log_page);
    if (n->aer_queued == n->params.aer_max_queued) {
        trace_nvme_aer_dropped(type, info);
        return;
    }
    n->aer_queue[n->aer_queued++] = (NvmeAsyncEvent) {
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

    for (uint32_t i = 0; i < n->aer_queued; i++) {
        if (n->aer_queue[i].type != type ||
            n->aer_queue[i].log_page != log_page) {
            n->aer_queue[kept++] = n->aer_queue[i];
        }
    }
    n->aer_queued = kept;
}

/* Context: main loop.  The host read the log page of @type. */
void nvme_aer_unmask(NvmeCtrl *n, uint8_t type)
{
    n->aer_masked &= ~(1u << type);
    nvme_aer_process(n);
}

/* Context: main loop.  Controller reset: outstanding AERs are dropped. */
void nvme_aer_reset(NvmeCtrl *n)
{
    n->aer_outstanding = 0;
    n->aer_queued = 0;
    n->aer_masked = 0;
}

/*
 * I/O accounting for the SMART / Health log (per controller, and per
 * namespace through that controller) and for the endurance group
 * (subsystem-wide, every controller's commands).
 *
 * Which commands count where follows the NVM Command Set definitions:
 * SMART Data Units Read commands are Read, Compare and Verify; SMART Host
 * Read commands are Read, Compare and Copy; User Data Out commands (data
 * units written, host write commands) are Write and Copy.  The endurance
 * group's host read commands are Read, Compare, Copy and Verify, its data
 * read includes Copy's source blocks, and its media writes add Write
 * Zeroes.  Only commands that succeed count; metadata never does.
 *
 * Controller Busy Time counts the time during which at least one I/O
 * command is outstanding: fetched from an I/O SQ, its completion not yet
 * posted (or the command dropped with its queue).  It is the controller's
 * in every SMART log, namespace ones included, and runs on the virtual
 * clock, so a stopped VM is not busy.
 *
 * A shared namespace's SMART figures on one controller are the commands
 * that came through that controller ("read from the controller"); the
 * endurance group log adds up all of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "ctrl.h"
#include "endgrp.h"
#include "iothread.h"
#include "ns.h"
#include "queue.h"
#include "stats.h"
#include "subsys.h"
#include "types.h"

/* Context: main loop (realize).  Power On Hours count from here. */
void nvme_stats_init(NvmeCtrl *n)
{
    n->stats.power_on_at = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
}

/* Context: main loop.  Add one command's counts to a SMART set. */
static void nvme_stats_add(NvmeStats *st, NvmeStatsKind kind,
                           uint64_t units)
{
    switch (kind) {
    case NVME_STATS_READ:
        st->read_cmds++;
        st->units_read += units;
        break;
    case NVME_STATS_VERIFY:
        st->units_read += units;
        break;
    case NVME_STATS_WRITE:
        st->write_cmds++;
        st->units_written += units;
        break;
    case NVME_STATS_COPY:
        st->read_cmds++;
        st->write_cmds++;
        st->units_written += units;
        break;
    case NVME_STATS_ZEROES:
        break;
    }
}

/* Context: main loop.  The endurance group's view of the same command. */
static void nvme_stats_add_endgrp(NvmeEndGrpStats *eg, NvmeStatsKind kind,
                                  uint64_t bytes)
{
    switch (kind) {
    case NVME_STATS_READ:
    case NVME_STATS_VERIFY:
        eg->read_cmds++;
        eg->bytes_read += bytes;
        break;
    case NVME_STATS_WRITE:
        eg->write_cmds++;
        eg->bytes_written += bytes;
        eg->media_bytes += bytes;
        break;
    case NVME_STATS_COPY:
        eg->read_cmds++;
        eg->write_cmds++;
        eg->bytes_read += bytes;
        eg->bytes_written += bytes;
        eg->media_bytes += bytes;
        break;
    case NVME_STATS_ZEROES:
        eg->media_bytes += bytes;
        break;
    }
}

/*
 * Context: main loop.  @req (on its namespace) completed successfully,
 * having read or written @nlb logical blocks.
 */
void nvme_stats_io(NvmeRequest *req, NvmeStatsKind kind, uint64_t nlb)
{
    NvmeCtrl *n = nvme_req_ctrl(req);
    NvmeNamespace *ns = req->ns;
    uint64_t bytes = nlb << ns->lbads;
    uint64_t units = bytes >> BDRV_SECTOR_BITS;

    nvme_stats_add(&n->stats.ctrl, kind, units);
    if (n->ns[ns->nsid] == ns) {
        nvme_stats_add(&n->stats.ns[ns->nsid], kind, units);
    }
    if (ns->subsys) {
        nvme_stats_add_endgrp(&ns->subsys->endgrp, kind, bytes);
    }
}

/* Context: main loop.  @req hit an unrecovered media error on @ns. */
void nvme_stats_media_error(NvmeRequest *req, NvmeNamespace *ns)
{
    NvmeCtrl *n = nvme_req_ctrl(req);

    n->stats.ctrl.media_errors++;
    if (ns && n->ns[ns->nsid] == ns) {
        n->stats.ns[ns->nsid].media_errors++;
    }
    if (ns && ns->subsys) {
        ns->subsys->endgrp.media_errors++;
    }
}

/*
 * Context: main loop.  An Error Information log entry was made for @req:
 * it belongs to the endurance group when its NSID names a namespace.
 */
void nvme_stats_error_logged(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    if (req->ns || (nvme_nsid_valid(nsid) && n->subsys->ns[nsid])) {
        n->subsys->endgrp.err_entries++;
    }
}

/*
 * Context: main loop.  @nsid now names a new namespace: its figures start
 * from zero on every controller of @s.
 */
void nvme_stats_ns_new(NvmeSubsys *s, uint32_t nsid)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i]) {
            memset(&s->ctrls[i]->stats.ns[nsid], 0, sizeof(NvmeStats));
        }
    }
}

/* Context: queue.  An I/O command was fetched. */
void nvme_stats_busy_begin(NvmeCtrl *n)
{
    if (n->stats.io_outstanding++ == 0) {
        n->stats.busy_since = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    }
}

/* Context: queue.  An I/O command's completion was posted or dropped. */
void nvme_stats_busy_end(NvmeCtrl *n)
{
    assert(n->stats.io_outstanding);
    if (--n->stats.io_outstanding == 0) {
        n->stats.busy_ns += qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) -
                            n->stats.busy_since;
    }
}

/* Context: main loop.  Busy time so far, the current period included. */
uint64_t nvme_stats_busy_ns(NvmeCtrl *n)
{
    NVME_IO_LOCK_GUARD(n);
    return n->stats.busy_ns + (n->stats.io_outstanding ?
        qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - n->stats.busy_since : 0);
}

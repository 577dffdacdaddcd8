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
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "ctrl.h"
#include "endgrp.h"
#include "event.h"
#include "feat-rules.h"
#include "iothread.h"
#include "ns.h"
#include "queue.h"
#include "stats.h"
#include "subsys.h"
#include "types.h"
#include "trace.h"

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

/*
 * Context: main loop.  Raise or clear the temperature warning after the
 * thresholds changed (Set Features, reset).
 */
void nvme_stats_check_temperature(NvmeCtrl *n)
{
    const NvmeFeatures *f = &n->feat.cur;
    bool hot = NVME_TEMPERATURE_K > f->temp_over;
    bool cold = f->temp_under && NVME_TEMPERATURE_K < f->temp_under;

    if (!(hot || cold)) {
        n->stats.smart_warning &= ~NVME_SMART_TEMPERATURE;
        return;
    }
    if (n->stats.smart_warning & NVME_SMART_TEMPERATURE) {
        return;
    }
    n->stats.smart_warning |= NVME_SMART_TEMPERATURE;
    if (NVME_AEC_SMART(n->feat.cur.aec) & NVME_SMART_TEMPERATURE) {
        nvme_aer_enqueue(n, NVME_AER_TYPE_SMART,
                         NVME_AER_INFO_SMART_TEMP_THRESH,
                         NVME_LOG_SMART_INFO);
    }
}

/*
 * Context: main loop.  SMART critical warning: the temperature bit the
 * thresholds raise, plus the smart_critical_warning property's.
 */
uint8_t nvme_smart_critical_warning(NvmeCtrl *n)
{
    return n->stats.smart_warning | n->stats.smart_user;
}

/*
 * SMART critical warning bits the "smart_critical_warning" property may
 * raise: spare, temperature, reliability, read-only, volatile memory
 * backup, PMR.  The bits report a condition for host software to react
 * to; the device itself keeps working as before.
 */
#define NVME_SMART_WARN_INJECTABLE  0x3f

/* Context: main loop.  The SMART AER information for warning bit @bit. */
static uint8_t nvme_smart_aer_info(unsigned bit)
{
    switch (1u << bit) {
    case NVME_SMART_SPARE:
        return NVME_AER_INFO_SMART_SPARE_THRESH;
    case NVME_SMART_TEMPERATURE:
        return NVME_AER_INFO_SMART_TEMP_THRESH;
    }
    return NVME_AER_INFO_SMART_RELIABILITY;
}

/*
 * Context: main loop.  The user's warning bits became @val: each newly
 * raised one that AEC enables sends a SMART / Health event (aer.c keeps
 * that type masked until the host reads the SMART log).
 */
static void nvme_smart_set_user(NvmeCtrl *n, uint8_t val)
{
    uint8_t raised = val & ~nvme_smart_critical_warning(n);

    n->stats.smart_user = val;
    trace_nvme_smart_warning(val, raised);
    if (!DEVICE(n)->realized) {
        return;         /* set at start: in the log from the first read */
    }
    for (unsigned bit = 0; bit < 8; bit++) {
        if ((raised & NVME_AEC_SMART(n->feat.cur.aec)) & (1u << bit)) {
            nvme_aer_enqueue(n, NVME_AER_TYPE_SMART, nvme_smart_aer_info(bit),
                             NVME_LOG_SMART_INFO);
        }
    }
}

static void nvme_smart_prop_get(Object *obj, Visitor *v, const char *name,
                                void *opaque, Error **errp)
{
    uint8_t val = NVME(obj)->stats.smart_user;

    visit_type_uint8(v, name, &val, errp);
}

/* Context: main loop: -device option or qom-set. */
static void nvme_smart_prop_set(Object *obj, Visitor *v, const char *name,
                                void *opaque, Error **errp)
{
    uint8_t val;

    if (!visit_type_uint8(v, name, &val, errp)) {
        return;
    }
    if (val & ~NVME_SMART_WARN_INJECTABLE) {
        error_setg(errp, "nvme: smart_critical_warning: bits 0x%02x are not "
                   "SMART critical warnings (0x%02x at most)",
                   val & ~NVME_SMART_WARN_INJECTABLE,
                   NVME_SMART_WARN_INJECTABLE);
        return;
    }
    nvme_smart_set_user(NVME(obj), val);
}

/* Context: main loop (class init).  "smart_critical_warning" on nvme. */
void nvme_smart_class_init(ObjectClass *oc)
{
    object_class_property_add(oc, "smart_critical_warning", "uint8",
                              nvme_smart_prop_get, nvme_smart_prop_set,
                              NULL, NULL);
    object_class_property_set_description(oc, "smart_critical_warning",
        "SMART critical warning bits to report (0x01 spare, 0x02 "
        "temperature, 0x04 reliability, 0x08 read-only, 0x10 volatile "
        "backup, 0x20 PMR); settable with qom-set, raising SMART events");
}

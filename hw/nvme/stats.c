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
#include "fdp.h"
#include "feat-rules.h"
#include "migration.h"
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

/*
 * Counters are 64-bit fields written by one context only: an atomic store
 * of the new value (no read-modify-write instruction) keeps a reader in
 * another thread from seeing a torn value.
 */
static inline void nvme_ctr_add(uint64_t *c, uint64_t v)
{
    qatomic_set(c, *c + v);
}

/* Context: the counters' owner.  Add one command's counts to a SMART set. */
static void nvme_stats_add(NvmeStats *st, NvmeStatsKind kind,
                           uint64_t units)
{
    switch (kind) {
    case NVME_STATS_READ:
        nvme_ctr_add(&st->read_cmds, 1);
        nvme_ctr_add(&st->units_read, units);
        break;
    case NVME_STATS_VERIFY:
        nvme_ctr_add(&st->units_read, units);
        break;
    case NVME_STATS_WRITE:
        nvme_ctr_add(&st->write_cmds, 1);
        nvme_ctr_add(&st->units_written, units);
        break;
    case NVME_STATS_COPY:
        nvme_ctr_add(&st->read_cmds, 1);
        nvme_ctr_add(&st->write_cmds, 1);
        nvme_ctr_add(&st->units_written, units);
        break;
    case NVME_STATS_ZEROES:
        break;
    }
}

/* Context: the counters' owner.  The endurance group's view of it. */
static void nvme_stats_add_endgrp(NvmeEndGrpStats *eg, NvmeStatsKind kind,
                                  uint64_t bytes)
{
    switch (kind) {
    case NVME_STATS_READ:
    case NVME_STATS_VERIFY:
        nvme_ctr_add(&eg->read_cmds, 1);
        nvme_ctr_add(&eg->bytes_read, bytes);
        break;
    case NVME_STATS_WRITE:
        nvme_ctr_add(&eg->write_cmds, 1);
        nvme_ctr_add(&eg->bytes_written, bytes);
        nvme_ctr_add(&eg->media_bytes, bytes);
        break;
    case NVME_STATS_COPY:
        nvme_ctr_add(&eg->read_cmds, 1);
        nvme_ctr_add(&eg->write_cmds, 1);
        nvme_ctr_add(&eg->bytes_read, bytes);
        nvme_ctr_add(&eg->bytes_written, bytes);
        nvme_ctr_add(&eg->media_bytes, bytes);
        break;
    case NVME_STATS_ZEROES:
        nvme_ctr_add(&eg->media_bytes, bytes);
        break;
    }
}

/* Context: main loop.  @sum += @add, field by field. */
static void nvme_stats_sum(NvmeStats *sum, const NvmeStats *add)
{
    sum->units_read += qatomic_read(&add->units_read);
    sum->units_written += qatomic_read(&add->units_written);
    sum->read_cmds += qatomic_read(&add->read_cmds);
    sum->write_cmds += qatomic_read(&add->write_cmds);
    sum->media_errors += qatomic_read(&add->media_errors);
}

/* Context: main loop. */
static void nvme_stats_sum_endgrp(NvmeEndGrpStats *sum,
                                  const NvmeEndGrpStats *add)
{
    sum->bytes_read += qatomic_read(&add->bytes_read);
    sum->bytes_written += qatomic_read(&add->bytes_written);
    sum->media_bytes += qatomic_read(&add->media_bytes);
    sum->read_cmds += qatomic_read(&add->read_cmds);
    sum->write_cmds += qatomic_read(&add->write_cmds);
    sum->media_errors += qatomic_read(&add->media_errors);
    sum->err_entries += qatomic_read(&add->err_entries);
}

/* Context: main loop.  An I/O SQ gets counters of its own. */
void nvme_stats_sq_init(NvmeSQueue *sq)
{
    sq->stats = g_new0(NvmeSqStats, 1);
}

/*
 * Context: main loop, the SQ deleted (nothing runs in it any more).  Its
 * counts stay in the controller's and the subsystem's figures.
 */
void nvme_stats_sq_fini(NvmeCtrl *n, NvmeSQueue *sq)
{
    NvmeSqStats *st = sq->stats;

    if (!st) {
        return;
    }
    nvme_stats_sum(&n->stats.ctrl, &st->ctrl);
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        nvme_stats_sum(&n->stats.ns[i], &st->ns[i]);
    }
    nvme_stats_sum_endgrp(&n->subsys->endgrp, &st->endgrp);
    if (st->busy) {                     /* released with the SQ: none */
        st->busy = 1;
        nvme_stats_busy_end(sq);
    }
    g_free(st);
    sq->stats = NULL;
}

/*
 * Context: main loop.  SMART figures of @n (@nsid 0) or of namespace
 * @nsid through @n: what is kept, plus every live I/O SQ's counters.
 */
void nvme_stats_read(NvmeCtrl *n, uint32_t nsid, NvmeStats *out)
{
    *out = nsid ? n->stats.ns[nsid] : n->stats.ctrl;
    for (uint32_t i = 1; n->queues.sq && i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        if (sq && sq->stats) {
            nvme_stats_sum(out, nsid ? &sq->stats->ns[nsid]
                                     : &sq->stats->ctrl);
        }
    }
}

/* Context: main loop.  Endurance group figures: every controller's. */
void nvme_stats_endgrp(NvmeSubsys *s, NvmeEndGrpStats *out)
{
    *out = s->endgrp;
    for (int c = 0; c < NVME_SUBSYS_MAX_CTRLS; c++) {
        NvmeCtrl *n = s->ctrls[c];

        for (uint32_t i = 1; n && n->queues.sq && i < n->queues.num; i++) {
            NvmeSQueue *sq = n->queues.sq[i];

            if (sq && sq->stats) {
                nvme_stats_sum_endgrp(out, &sq->stats->endgrp);
            }
        }
    }
}

/*
 * Context: queue (the request's SQ; the admin queue's counts go straight
 * to the controller's, main loop).  @req (on its namespace) completed
 * successfully, having read or written @nlb logical blocks.
 */
void nvme_stats_io(NvmeRequest *req, NvmeStatsKind kind, uint64_t nlb)
{
    NvmeCtrl *n = nvme_req_ctrl(req);
    NvmeSqStats *st = req->sq->stats;
    NvmeNamespace *ns = req->ns;
    uint64_t bytes = nlb << ns->lbads;
    uint64_t units = bytes >> BDRV_SECTOR_BITS;

    nvme_stats_add(st ? &st->ctrl : &n->stats.ctrl, kind, units);
    if (nvme_ns(n, ns->nsid) == ns) {
        nvme_stats_add(st ? &st->ns[ns->nsid] : &n->stats.ns[ns->nsid],
                       kind, units);
    }
    if (ns->subsys) {
        nvme_stats_add_endgrp(st ? &st->endgrp : &ns->subsys->endgrp, kind,
                              bytes);
    }
    if (kind == NVME_STATS_WRITE || kind == NVME_STATS_COPY) {
        nvme_fdp_written(req, nlb);     /* fdp.c: its reclaim unit */
    }
}

/* Context: queue (as nvme_stats_io).  @req hit a media error on @ns. */
void nvme_stats_media_error(NvmeRequest *req, NvmeNamespace *ns)
{
    NvmeCtrl *n = nvme_req_ctrl(req);
    NvmeSqStats *st = req->sq->stats;

    nvme_ctr_add(st ? &st->ctrl.media_errors : &n->stats.ctrl.media_errors,
                 1);
    if (ns && nvme_ns(n, ns->nsid) == ns) {
        nvme_ctr_add(st ? &st->ns[ns->nsid].media_errors
                        : &n->stats.ns[ns->nsid].media_errors, 1);
    }
    if (ns && ns->subsys) {
        nvme_ctr_add(st ? &st->endgrp.media_errors
                        : &ns->subsys->endgrp.media_errors, 1);
    }
}

/*
 * Context: queue (as nvme_stats_io).  An Error Information log entry was
 * made for @req: it belongs to the endurance group when its NSID names a
 * namespace.
 */
void nvme_stats_error_logged(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    NvmeSqStats *st = req->sq->stats;

    if (req->ns || (nvme_nsid_valid(nsid) && n->subsys->ns[nsid])) {
        nvme_ctr_add(st ? &st->endgrp.err_entries
                        : &n->subsys->endgrp.err_entries, 1);
    }
}

/*
 * Context: main loop.  @nsid now names a new namespace: its figures start
 * from zero on every controller of @s.  The live SQs keep counting where
 * they are; the kept figure takes their sum away instead.
 */
void nvme_stats_ns_new(NvmeSubsys *s, uint32_t nsid)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *n = s->ctrls[i];
        NvmeStats now, *base;

        if (!n) {
            continue;
        }
        nvme_stats_read(n, nsid, &now);
        base = &n->stats.ns[nsid];
        base->units_read -= now.units_read;
        base->units_written -= now.units_written;
        base->read_cmds -= now.read_cmds;
        base->write_cmds -= now.write_cmds;
        base->media_errors -= now.media_errors;
    }
}

#define NVME_BUSY_CNT   0xffffULL       /* low bits of NvmeCtrlStats.busy */

/*
 * Context: queue (@sq's).  The controller-wide busy period begins when
 * the first SQ becomes busy and ends when the last goes idle; only those
 * transitions touch the shared word, never a command in a busy SQ.
 */
static void nvme_busy_change(NvmeCtrl *n, bool begin)
{
    uint64_t old = qatomic_read(&n->stats.busy), new, ret;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    for (;;) {
        if (!begin) {
            new = old - 1;
        } else if (old & NVME_BUSY_CNT) {
            new = old + 1;
        } else {
            new = ((uint64_t)now & ~NVME_BUSY_CNT) | 1;
        }
        ret = qatomic_cmpxchg(&n->stats.busy, old, new);
        if (ret == old) {
            break;
        }
        old = ret;
    }
    if (!begin && !(new & NVME_BUSY_CNT)) {
        qatomic_add(&n->stats.busy_ns,
                    MAX(now - (int64_t)(old & ~NVME_BUSY_CNT), 0));
    }
}

/* Context: queue.  An I/O command of @sq was fetched. */
void nvme_stats_busy_begin(NvmeSQueue *sq)
{
    if (sq->stats->busy++ == 0) {
        nvme_busy_change(sq->n, true);
    }
}

/* Context: queue.  An I/O command's completion was posted or dropped. */
void nvme_stats_busy_end(NvmeSQueue *sq)
{
    assert(sq->stats->busy);
    if (--sq->stats->busy == 0) {
        nvme_busy_change(sq->n, false);
    }
}

/* Context: main loop.  Busy time so far, the current period included. */
uint64_t nvme_stats_busy_ns(NvmeCtrl *n)
{
    uint64_t busy = qatomic_read(&n->stats.busy);
    uint64_t ns = qatomic_read(&n->stats.busy_ns);

    if (busy & NVME_BUSY_CNT) {
        int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

        ns += MAX(now - (int64_t)(busy & ~NVME_BUSY_CNT), 0);
    }
    return ns;
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

/* ---- migration ---- */

static const VMStateDescription nvme_vmstate_counters = {
    .name = "nvme-stats",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(units_read, NvmeStats),
        VMSTATE_UINT64(units_written, NvmeStats),
        VMSTATE_UINT64(read_cmds, NvmeStats),
        VMSTATE_UINT64(write_cmds, NvmeStats),
        VMSTATE_UINT64(media_errors, NvmeStats),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Context: main loop (a pre_save), the queues frozen.  The stream carries
 * sums: what is kept plus every live SQ's counters; the destination's
 * SQs start from zero.
 */
static int nvme_stats_pre_save(void *opaque)
{
    NvmeCtrl *n = opaque;

    nvme_stats_read(n, 0, &n->stats.carried.ctrl);
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        nvme_stats_read(n, nsid, &n->stats.carried.ns[nsid]);
    }
    n->stats.carried.busy_ns = nvme_stats_busy_ns(n);
    return 0;
}

/*
 * Context: main loop (a pre_load), the VM stopped.  Incoming counts
 * replace the live SQs' (loadvm): they are dropped rather than folded
 * into the figures the stream brings (the subsystem's endurance group is
 * loaded before its controllers').
 */
void nvme_stats_sq_forget(NvmeCtrl *n)
{
    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        if (sq && sq->stats) {
            memset(&sq->stats->ctrl, 0, sizeof(sq->stats->ctrl));
            memset(&sq->stats->endgrp, 0, sizeof(sq->stats->endgrp));
            memset(sq->stats->ns, 0, sizeof(sq->stats->ns));
        }
    }
}

/*
 * Context: main loop.  Only the warning bits the controller raises.  The
 * count of commands outstanding is not carried: the queues rebuild it
 * from the commands they carry (loaded before), and the busy period in
 * progress goes on from the load.
 */
static int nvme_stats_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    if (n->stats.smart_warning & ~(NVME_SMART_SPARE | NVME_SMART_TEMPERATURE |
                                   NVME_SMART_RELIABILITY |
                                   NVME_SMART_MEDIA_READ_ONLY |
                                   NVME_SMART_FAILED_VOLATILE_MEDIA |
                                   NVME_SMART_PMR_UNRELIABLE)) {
        return nvme_mig_bad(n, "SMART critical warning 0x%x",
                            n->stats.smart_warning);
    }
    if (n->stats.smart_user & ~NVME_SMART_WARN_INJECTABLE) {
        return nvme_mig_bad(n, "smart_critical_warning 0x%x",
                            n->stats.smart_user);
    }
    n->stats.ctrl = n->stats.carried.ctrl;
    memcpy(n->stats.ns, n->stats.carried.ns, sizeof(n->stats.ns));
    qatomic_set(&n->stats.busy_ns, n->stats.carried.busy_ns);
    return 0;
}

const VMStateDescription nvme_vmstate_stats = {
    .name = "nvme/stats",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_stats_pre_save,
    .post_load = nvme_stats_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(stats.carried.ctrl, NvmeCtrl, 1, nvme_vmstate_counters,
                       NvmeStats),
        VMSTATE_STRUCT_ARRAY(stats.carried.ns, NvmeCtrl, NVME_MAX_NSID + 1, 1,
                             nvme_vmstate_counters, NvmeStats),
        VMSTATE_UINT64(stats.carried.busy_ns, NvmeCtrl),
        VMSTATE_UINT8(stats.smart_warning, NvmeCtrl),
        VMSTATE_UINT8(stats.smart_user, NvmeCtrl),      /* qom-set */
        VMSTATE_INT64(stats.power_on_at, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

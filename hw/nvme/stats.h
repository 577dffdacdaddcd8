/*
 * SMART / Health state (stats.c): counters of the controller and of each
 * NSID through it, Controller Busy Time, Power On Hours, the critical
 * warnings (temperature).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_STATS_H
#define HW_NVME_STATS_H

#include "qom/object.h"
#include "migration/vmstate.h"
#include "types.h"
#include "endgrp.h"

#define NVME_TEMPERATURE_K      296     /* reported composite temperature */
#define NVME_TEMP_WARN_K        343
#define NVME_TEMP_CRIT_K        358

/*
 * Which commands count follows the NVM Command Set's definitions: data
 * units read from Read, Compare and Verify; host read commands are Read,
 * Compare and Copy; data units written and host write commands come from
 * the User Data Out commands, Write and Copy.
 */
typedef struct NvmeStats {
    uint64_t units_read;        /* in 512-byte units */
    uint64_t units_written;
    uint64_t read_cmds;
    uint64_t write_cmds;
    uint64_t media_errors;
} NvmeStats;

/* What a completed I/O command counts as (nvme_stats_io). */
typedef enum NvmeStatsKind {
    NVME_STATS_READ,            /* Read, Compare */
    NVME_STATS_VERIFY,
    NVME_STATS_WRITE,
    NVME_STATS_COPY,
    NVME_STATS_ZEROES,          /* Write Zeroes */
} NvmeStatsKind;

/*
 * Counters of one I/O SQ (NvmeSQueue.stats): written by the SQ's own
 * context only (atomic stores), read by the main loop, which sums them
 * (nvme_stats_read, nvme_stats_endgrp).  No counter is shared between
 * queues.
 */
typedef struct NvmeSqStats {
    NvmeStats ctrl;
    NvmeEndGrpStats endgrp;
    uint32_t busy;              /* commands fetched, completion not posted */
    NvmeStats ns[NVME_MAX_NSID + 1];        /* per NSID */
} NvmeSqStats;

/*
 * Controller state (NvmeCtrl.stats).  @ctrl and @ns hold what deleted
 * SQs and the admin queue counted, minus what a new namespace starts
 * from (main loop only); the live SQs' counters are added when read.
 * Controller Busy Time: @busy packs the number of busy SQs (low 16 bits)
 * and the QEMU_CLOCK_VIRTUAL ns when the first one became busy (the rest),
 * changed by compare-and-swap when an SQ becomes busy or idle; the
 * queue that ends a busy period adds it to @busy_ns (atomic).
 */
typedef struct NvmeCtrlStats {
    NvmeStats ctrl;
    NvmeStats ns[NVME_MAX_NSID + 1];        /* per NSID */
    uint64_t busy;
    uint64_t busy_ns;           /* earlier busy periods */
    uint8_t smart_warning;      /* Critical Warning bits raised */
    uint8_t smart_user;         /* smart_critical_warning (stats.c) */
    int64_t power_on_at;        /* ms, QEMU_CLOCK_VIRTUAL */
    /*
     * What the stream carries (stats.c): the figures summed over the kept
     * counts and every live SQ's, and the busy time so far.
     */
    struct {
        NvmeStats ctrl;
        NvmeStats ns[NVME_MAX_NSID + 1];
        uint64_t busy_ns;
    } carried;
} NvmeCtrlStats;

void nvme_stats_init(NvmeCtrl *n);
void nvme_stats_sq_init(NvmeSQueue *sq);
void nvme_stats_sq_fini(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_stats_io(NvmeRequest *req, NvmeStatsKind kind, uint64_t nlb);
void nvme_stats_media_error(NvmeRequest *req, NvmeNamespace *ns);
void nvme_stats_error_logged(NvmeCtrl *n, NvmeRequest *req);
void nvme_stats_ns_new(NvmeSubsys *s, uint32_t nsid);
void nvme_stats_read(NvmeCtrl *n, uint32_t nsid, NvmeStats *out);
void nvme_stats_endgrp(NvmeSubsys *s, NvmeEndGrpStats *out);
void nvme_stats_busy_begin(NvmeSQueue *sq);
void nvme_stats_busy_end(NvmeSQueue *sq);
uint64_t nvme_stats_busy_ns(NvmeCtrl *n);
void nvme_stats_sq_forget(NvmeCtrl *n);
void nvme_stats_check_temperature(NvmeCtrl *n);
uint8_t nvme_smart_critical_warning(NvmeCtrl *n);
void nvme_smart_class_init(ObjectClass *oc);

extern const VMStateDescription nvme_vmstate_stats;

#endif /* HW_NVME_STATS_H */

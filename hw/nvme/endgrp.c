/*
 * Endurance groups: the NVM subsystem has one, ENDGID 1, holding every
 * namespace (Identify Controller CTRATT bit 4 and ENDGIDMAX, Identify
 * Namespace ENDGID, Identify CNS 19h and the Endurance Group Information
 * log page, 09h).  Its counters are kept by stats.c for the whole
 * subsystem, whichever controller a command came through.
 *
 * With a single endurance group the Endurance Group Event Aggregate log
 * (0Fh) is not required, and no endurance group event is ever raised.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "ctrl.h"
#include "dma.h"
#include "endgrp.h"
#include "id-ctrl.h"
#include "queue.h"
#include "stats.h"
#include "subsys.h"
#include "types.h"

#define NVME_ENDGRP_SPARE       100     /* available spare, percent */
#define NVME_ENDGRP_SPARE_THR   10
#define NVME_ENDGRP_LIST_MAX    2047    /* identifiers in CNS 19h */
#define NVME_GIGA               1000000000ULL

/*
 * Endurance Group Information log page (09h), the 2.0 layout (block/nvme.h
 * has the older one, without the domain and capacity fields).  Counters
 * are 128-bit.
 */
typedef struct QEMU_PACKED NvmeEndGrpInfoLog {
    uint8_t cw;                 /* critical warning */
    uint8_t rsvd1[2];
    uint8_t avsp;               /* available spare */
    uint8_t avspt;              /* available spare threshold */
    uint8_t pused;              /* percentage used */
    uint16_t did;               /* domain identifier */
    uint8_t rsvd8[24];
    uint64_t ee[2];             /* endurance estimate, 10^9 bytes */
    uint64_t dur[2];            /* data units read, 10^9 bytes */
    uint64_t duw[2];            /* data units written, 10^9 bytes */
    uint64_t muw[2];            /* media units written, 10^9 bytes */
    uint64_t hrc[2];            /* host read commands */
    uint64_t hwc[2];            /* host write commands */
    uint64_t mdie[2];           /* media and data integrity errors */
    uint64_t neile[2];          /* error information log entries */
    uint64_t tegcap[2];         /* total capacity, bytes */
    uint64_t uegcap[2];         /* unallocated capacity, bytes */
    uint8_t rsvd192[320];
} NvmeEndGrpInfoLog;

QEMU_BUILD_BUG_ON(sizeof(NvmeEndGrpInfoLog) != 512);

/* Context: main loop.  ENDGIDMAX, with it CTRATT bit 4 (id-ctrl.c). */
void nvme_endgrp_identify_ctrl(NvmeIdCtrlIn *in)
{
    in->endgidmax = NVME_ENDGID;
}

/*
 * Context: main loop.  Identify CNS 19h: endurance group identifiers at
 * or above the CNS Specific Identifier (CDW11 15:0), ascending, after
 * their count.
 */
uint16_t nvme_endgrp_identify_list(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeIdentify *c = (NvmeIdentify *)&req->cmd;
    uint16_t list[NVME_ENDGRP_LIST_MAX + 1] = { 0 };

    if (le16_to_cpu(c->nvmsetid) <= NVME_ENDGID) {
        list[0] = cpu_to_le16(1);
        list[1] = cpu_to_le16(NVME_ENDGID);
    }
    return nvme_dma_to_guest(n, req, list, sizeof(list));
}

/*
 * Context: main loop.  The group's capacity: what TNVMCAP reports, the
 * pool plus the nvme-ns devices' drives; unallocated is what the created
 * namespaces leave of the pool.
 */
static void nvme_endgrp_capacity(NvmeSubsys *s, uint64_t *total,
                                 uint64_t *unalloc)
{
    *total = s->pool.size;
    *unalloc = s->pool.size - s->pool.used;
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        if (s->ns[nsid] && !s->pool.created[nsid]) {
            int64_t len = blk_getlength(s->ns[nsid]->blk);

            *total += len > 0 ? len : 0;
        }
    }
}

/*
 * Context: main loop.  Log page 09h of the group the Log Specific
 * Identifier (CDW11 31:16) names into @buf; its size, or 0 with *status
 * set for a group that does not exist.
 */
size_t nvme_endgrp_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                            uint16_t *status)
{
    uint16_t endgid = le32_to_cpu(req->cmd.cdw11) >> 16;
    NvmeEndGrpStats sum, *st = &sum;
    NvmeEndGrpInfoLog *log = (NvmeEndGrpInfoLog *)buf;
    uint64_t total, unalloc;

    if (endgid != NVME_ENDGID) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: endurance group log of group %u\n", endgid);
        *status = nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 46, 0,
                                  "no such endurance group");
        return 0;
    }
    nvme_stats_endgrp(n->subsys, &sum);     /* stats.c: every queue's */
    nvme_endgrp_capacity(n->subsys, &total, &unalloc);
    log->avsp = NVME_ENDGRP_SPARE;
    log->avspt = NVME_ENDGRP_SPARE_THR;
    /* byte counts in billions, rounded up */
    log->dur[0] = cpu_to_le64(DIV_ROUND_UP(st->bytes_read, NVME_GIGA));
    log->duw[0] = cpu_to_le64(DIV_ROUND_UP(st->bytes_written, NVME_GIGA));
    log->muw[0] = cpu_to_le64(DIV_ROUND_UP(st->media_bytes, NVME_GIGA));
    log->hrc[0] = cpu_to_le64(st->read_cmds);
    log->hwc[0] = cpu_to_le64(st->write_cmds);
    log->mdie[0] = cpu_to_le64(st->media_errors);
    log->neile[0] = cpu_to_le64(st->err_entries);
    log->tegcap[0] = cpu_to_le64(total);
    log->uegcap[0] = cpu_to_le64(unalloc);
    return sizeof(*log);
}

/* ---- migration ---- */

/* The counters of the endurance group, part of the subsystem's state. */
const VMStateDescription nvme_vmstate_endgrp = {
    .name = "nvme-endgrp",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(bytes_read, NvmeEndGrpStats),
        VMSTATE_UINT64(bytes_written, NvmeEndGrpStats),
        VMSTATE_UINT64(media_bytes, NvmeEndGrpStats),
        VMSTATE_UINT64(read_cmds, NvmeEndGrpStats),
        VMSTATE_UINT64(write_cmds, NvmeEndGrpStats),
        VMSTATE_UINT64(media_errors, NvmeEndGrpStats),
        VMSTATE_UINT64(err_entries, NvmeEndGrpStats),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Context: main loop (a pre_save), the queues frozen.  The group's
 * figures: what is kept plus every live SQ's counters (stats.c).
 */
static int nvme_endgrp_pre_save(void *opaque)
{
    NvmeSubsys *s = opaque;

    nvme_stats_endgrp(s, &s->endgrp_mig);
    return 0;
}

/*
 * Context: main loop.  The figures replace the kept ones; the
 * destination's SQs count from zero (their counts before a loadvm are
 * dropped: nvme_stats_sq_forget).
 */
static int nvme_endgrp_post_load(void *opaque, int version_id)
{
    NvmeSubsys *s = opaque;

    s->endgrp = s->endgrp_mig;
    return 0;
}

/* A subsystem's endurance group (nvme-subsys, or a controller's own). */
const VMStateDescription nvme_vmstate_subsys_endgrp = {
    .name = "nvme-subsys-endgrp",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_endgrp_pre_save,
    .post_load = nvme_endgrp_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(endgrp_mig, NvmeSubsys, 1, nvme_vmstate_endgrp,
                       NvmeEndGrpStats),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_own_subsys_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->own_subsys;
}

/*
 * A controller without an nvme-subsys device has a subsystem of its own;
 * its endurance group travels with the controller.
 */
const VMStateDescription nvme_vmstate_own_endgrp = {
    .name = "nvme/own-endgrp",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_own_subsys_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT_POINTER(own_subsys, NvmeCtrl,
                               nvme_vmstate_subsys_endgrp, NvmeSubsys),
        VMSTATE_END_OF_LIST()
    },
};

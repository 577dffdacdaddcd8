/*
 * NVMe Get Log Page, the error log and SMART / health information.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "ana.h"
#include "ctrl.h"
#include "dispatch.h"
#include "dma.h"
#include "endgrp.h"
#include "event.h"
#include "fdp.h"
#include "firmware.h"
#include "id-ctrl.h"
#include "lba-status.h"
#include "log-pages.h"
#include "log.h"
#include "migration.h"
#include "nvm-range.h"
#include "ocp.h"
#include "queue.h"
#include "resv.h"
#include "sanitize.h"
#include "selftest.h"
#include "sriov.h"
#include "stats.h"
#include "subsys.h"
#include "telemetry.h"
#include "zns.h"
#include "trace.h"

#define NVME_LOG_LSP_CREATE (1u << 0)   /* telemetry: LSP bit 0 */
#define NVME_LOG_SUPPORTED  0x00        /* Supported Log Pages (2.0) */

/*
 * Every log page Get Log Page returns: the others are refused with
 * Invalid Log Page before they reach a builder, and this table is what
 * the Supported Log Pages log (00h) reports.  A new log page goes here.
 */
static const bool nvme_log_lids[256] = {
    [NVME_LOG_SUPPORTED]        = true,
    [NVME_LOG_ERROR_INFO]       = true,
    [NVME_LOG_SMART_INFO]       = true,
    [NVME_LOG_FW_SLOT_INFO]     = true,
    [NVME_LOG_CHANGED_NSLIST]   = true,
    [NVME_LOG_CHANGED_ZONES]    = true,     /* zns.c */
    [NVME_LOG_CMD_EFFECTS]      = true,
    [NVME_LOG_ENDGRP]           = true,     /* endgrp.c */
    [NVME_LOG_DEV_SELF_TEST]    = true,
    [NVME_LOG_TELEMETRY_HOST]   = true,
    [NVME_LOG_TELEMETRY_CTRL]   = true,
    [NVME_LOG_ANA]              = true,     /* with ANA: CMIC bit 3 */
    [NVME_LOG_LBA_STATUS]       = true,
    [NVME_LOG_SANITIZE]         = true,
    [NVME_LOG_RESV_NOTIFY]      = true,     /* resv.c */
};

/* Context: main loop.  Whether @n returns log page @lid. */
static bool nvme_log_supported(NvmeCtrl *n, uint8_t lid)
{
    if (lid == NVME_LOG_OCP_SMART_EXT) {
        return n->params.ocp;                       /* ocp.c */
    }
    if (lid == NVME_LOG_ANA) {
        return n->id_ctrl.cmic & NVME_CMIC_ANA;     /* ana.c */
    }
    if (lid == NVME_LOG_CHANGED_ZONES) {
        return nvme_zns_built();                    /* zns.c */
    }
    if (lid >= NVME_LOG_FDP_CONFS && lid <= NVME_LOG_FDP_EVENTS) {
        return nvme_fdp_supported(n);               /* fdp.c */
    }
    return nvme_log_lids[lid];
}

/* Context: main loop.  Supported Log Pages (log-pages.c). */
static size_t nvme_log_supported_page(NvmeCtrl *n, uint8_t *buf)
{
    bool lids[256];

    for (int lid = 0; lid < 256; lid++) {
        lids[lid] = nvme_log_supported(n, lid);
    }
    return nvme_log_fill_supported(buf, lids);
}

/* Context: main loop (realize). */
void nvme_errlog_init(NvmeCtrl *n)
{
    qemu_mutex_init(&n->errlog.lock);
}

/* Context: main loop (unrealize). */
void nvme_errlog_cleanup(NvmeCtrl *n)
{
    qemu_mutex_destroy(&n->errlog.lock);
}

/* Context: any.  Error count of the newest entry. */
uint64_t nvme_errlog_count(NvmeCtrl *n)
{
    QEMU_LOCK_GUARD(&n->errlog.lock);
    return n->errlog.ring.count;
}

/*
 * Context: queue, or main loop; takes errlog.lock (every queue's failed
 * commands share the log).  Record a failed command (the completion
 * path).
 */
void nvme_log_error(NvmeCtrl *n, NvmeRequest *req)
{
    QEMU_LOCK_GUARD(&n->errlog.lock);
    req->err_seq = nvme_errlog_add(&n->errlog.ring, (NvmeErrorLog) {
        .sqid = cpu_to_le16(req->sq->sqid),
        .cid = req->cmd.cid,
        .status_field = cpu_to_le16(req->status << 1),
        .param_error_location = cpu_to_le16(req->err_loc),
        .lba = cpu_to_le64(req->err_lba == UINT64_MAX ? 0 : req->err_lba),
        .nsid = req->cmd.nsid,
    });
    nvme_stats_error_logged(n, req);
}

/*
 * Context: main loop; takes errlog.lock.  An error tied to no command (a
 * bad doorbell write): SQID and CID are FFFFh, so the Error event the
 * device raises points at an entry that says what happened.
 */
void nvme_log_error_nocmd(NvmeCtrl *n, uint16_t loc)
{
    QEMU_LOCK_GUARD(&n->errlog.lock);
    nvme_errlog_add(&n->errlog.ring, (NvmeErrorLog) {
        .sqid = cpu_to_le16(0xffff),
        .cid = cpu_to_le16(0xffff),
        .param_error_location = cpu_to_le16(loc),
    });
}

/*
 * Context: queue.  The entry's status field carries the phase tag of
 * the completion that reported the error, known only once it is posted.
 */
void nvme_log_error_posted(NvmeCtrl *n, NvmeRequest *req, uint8_t phase)
{
    if (!req->err_seq) {
        return;
    }
    QEMU_LOCK_GUARD(&n->errlog.lock);
    nvme_errlog_set_phase(&n->errlog.ring, req->err_seq, phase);
}

/* Context: main loop; takes errlog.lock.  Newest entry first. */
static size_t nvme_log_errors(NvmeCtrl *n, uint8_t *buf)
{
    QEMU_LOCK_GUARD(&n->errlog.lock);
    return nvme_errlog_fill(&n->errlog.ring, buf);
}

/*
 * Context: main loop.  SMART / Health log with the I/O counters of @st:
 * the controller's, or one namespace's through this controller (the rest
 * is the controller's either way).
 */
static size_t nvme_log_smart(NvmeCtrl *n, const NvmeStats *st,
                             uint8_t *buf)
{
    NvmeSmartValues v = {
        .critical_warning = nvme_smart_critical_warning(n),
        .temperature = NVME_TEMPERATURE_K,
        .units_read = st->units_read,
        .units_written = st->units_written,
        .read_cmds = st->read_cmds,
        .write_cmds = st->write_cmds,
        .busy_ns = nvme_stats_busy_ns(n),
        .power_on_ms = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) -
                       n->stats.power_on_at,
        .media_errors = st->media_errors,
        .error_count = nvme_errlog_count(n),
    };

    return nvme_log_fill_smart(buf, &v);
}

/* Context: main loop.  Generated from the dispatch tables. */
static void nvme_log_fill_effects(NvmeCtrl *n, uint8_t *buf, uint8_t csi)
{
    NvmeEffectsLog *log = (NvmeEffectsLog *)buf;

    for (int op = 0; op < 256; op++) {
        log->acs[op] = cpu_to_le32(nvme_effects(&nvme_admin_ops[op]));
        if (csi == NVME_CSI_NVM ||
            (csi == NVME_CSI_ZONED && nvme_zns_built())) {
            log->iocs[op] = cpu_to_le32(nvme_effects(nvme_io_op(csi, op)));
        }
    }
    if (!n->params.dbbuf) {         /* "dbbuf=off": dbbuf.c refuses it */
        log->acs[NVME_ADM_CMD_DBBUF_CONFIG] = 0;
    }
    if (!n->subsys->pool.dir) {     /* no pool: subsys.c refuses 0Dh */
        log->acs[NVME_ADM_CMD_NS_MGMT] = 0;
    }
    if (!nvme_sriov_is_primary(n)) {    /* sriov.c refuses 1Ch */
        log->acs[NVME_ADM_CMD_VIRT_MNGMT] = 0;
    }
    if (!nvme_fdp_supported(n)) {       /* fdp.c refuses them */
        log->acs[NVME_ADM_CMD_DIRECTIVE_SEND] = 0;
        log->acs[NVME_ADM_CMD_DIRECTIVE_RECV] = 0;
        log->iocs[NVME_CMD_IO_MGMT_RECV] = 0;
        log->iocs[NVME_CMD_IO_MGMT_SEND] = 0;
    }
}

/* Context: main loop.  Build log @lid into @buf; returns its size or 0. */
static size_t nvme_log_build(NvmeCtrl *n, NvmeRequest *req, uint8_t lid,
                             uint8_t *buf, uint16_t *status)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint8_t csi = le32_to_cpu(req->cmd.cdw14) >> 24;

    switch (lid) {
    case NVME_LOG_SUPPORTED:
        return nvme_log_supported_page(n, buf);
    case NVME_LOG_ERROR_INFO:
        return nvme_log_errors(n, buf);
    case NVME_LOG_SMART_INFO: {
        NvmeStats st;

        if (nsid == 0 || nsid == NVME_NSID_BROADCAST) {
            nvme_stats_read(n, 0, &st);
            return nvme_log_smart(n, &st, buf);
        }
        /* LPA bit 0: an active NSID gets that namespace's figures */
        *status = nvme_nsid_status(n, nsid);
        if (*status) {
            nvme_req_reject(req, *status, 4, 0, "SMART of an inactive NSID");
            return 0;
        }
        nvme_stats_read(n, nsid, &st);
        return nvme_log_smart(n, &st, buf);
    }
    case NVME_LOG_ENDGRP:
        return nvme_endgrp_fill_log(n, req, buf, status);   /* endgrp.c */
    case NVME_LOG_FW_SLOT_INFO:
        return nvme_fw_fill_log(n, buf);            /* firmware.c */
    case NVME_LOG_DEV_SELF_TEST:
        return nvme_selftest_fill_log(n, buf);      /* selftest.c */
    case NVME_LOG_SANITIZE:
        return nvme_sanitize_fill_log(n, buf);      /* sanitize.c */
    case NVME_LOG_OCP_SMART_EXT:
        if (nsid != 0 && nsid != NVME_NSID_BROADCAST) {
            *status = nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 4,
                                      0, "OCP SMART Extended: no NSID");
            return 0;
        }
        return nvme_ocp_fill_smart_ext(n, buf);     /* ocp.c */
    case NVME_LOG_CMD_EFFECTS:
        nvme_log_fill_effects(n, buf, csi);
        return sizeof(NvmeEffectsLog);
    case NVME_LOG_CHANGED_NSLIST:
        return nvme_log_fill_changed_ns(n, buf);    /* subsys.c */
    case NVME_LOG_ANA:
        return nvme_ana_fill_log(n, req, buf, status);  /* ana.c */
    case NVME_LOG_RESV_NOTIFY:
        return nvme_resv_fill_log(n, buf);          /* resv.c */
    case NVME_LOG_CHANGED_ZONES:
        return nvme_zns_fill_changed_log(n, req, buf, status);  /* zns.c */
    case NVME_LOG_FDP_CONFS:
    case NVME_LOG_FDP_RUH_USAGE:
    case NVME_LOG_FDP_STATS:
    case NVME_LOG_FDP_EVENTS:
        return nvme_fdp_fill_log(n, req, lid, buf, status);     /* fdp.c */
    }
    nvme_req_err_field(req, 40, 0);
    *status = NVME_INVALID_LOG_ID | NVME_DNR;
    return 0;
}

/* Context: main loop. */
uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeLogParams p;
    g_autofree uint8_t *buf = g_malloc0(sizeof(NvmeEffectsLog));
    g_autofree uint8_t *lbas = NULL;
    const uint8_t *src = buf;
    uint16_t status = NVME_SUCCESS;
    size_t size;
    uint8_t lid;

    nvme_log_params(&req->cmd, &p);
    lid = p.lid;
    trace_nvme_get_log(lid, p.off, p.len);
    if (!nvme_log_supported(n, lid)) {
        return nvme_req_reject(req, NVME_INVALID_LOG_ID | NVME_DNR, 40, 0,
                               "log page not supported");
    }
    if (p.len > nvme_mdts_bytes(n)) {
        nvme_req_err_field(req, 42, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (lid == NVME_LOG_TELEMETRY_HOST || lid == NVME_LOG_TELEMETRY_CTRL) {
        /* telemetry.c: 512-byte blocks, the offset must be one */
        if (p.off & 511) {
            nvme_req_err_field(req, 48, 0);
            return NVME_INVALID_FIELD | NVME_DNR;
        }
        size = nvme_telemetry_log(n, lid, p.lsp & NVME_LOG_LSP_CREATE, &src);
    } else if (lid == NVME_LOG_LBA_STATUS) {
        lbas = nvme_lbas_log(n, &size);         /* nvm-range.c */
        src = lbas;
    } else {
        size = nvme_log_build(n, req, lid, buf, &status);
    }
    if (status) {
        return status;
    }
    if (!nvme_log_offset_ok(p.off, size)) {
        nvme_req_err_field(req, 48, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    status = nvme_dma_to_guest_padded(n, req, src + p.off, size - p.off,
                                      p.len);
    if (!status && lid == NVME_LOG_RESV_NOTIFY) {
        nvme_resv_log_read(n, p.rae);          /* read: consumed */
    }
    if (!status && !p.rae) {
        if (lid == NVME_LOG_ERROR_INFO) {
            nvme_aer_unmask(n, NVME_AER_TYPE_ERROR);
        } else if (lid == NVME_LOG_SMART_INFO) {
            nvme_aer_unmask(n, NVME_AER_TYPE_SMART);
        } else if (lid == NVME_LOG_FW_SLOT_INFO) {
            nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
        } else if (lid == NVME_LOG_SANITIZE) {
            nvme_aer_unmask(n, NVME_AER_TYPE_IO_SPECIFIC);
        } else if (lid == NVME_LOG_CHANGED_ZONES) {
            nvme_zns_changed_log_read(n, le32_to_cpu(req->cmd.nsid));
        } else if (lid == NVME_LOG_CHANGED_NSLIST) {
            nvme_log_clear_changed_ns(n);
            nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
        } else if (lid == NVME_LOG_ANA) {
            nvme_ana_log_read(n);
        }
    }
    if (!status && lid == NVME_LOG_TELEMETRY_CTRL) {
        nvme_telemetry_log_read(n, lid, p.rae);
    }
    if (!status && lid == NVME_LOG_LBA_STATUS) {
        nvme_lbas_log_read(n, p.rae);    /* lba-status.c */
    }
    return status;
}

/* ---- migration ---- */

const VMStateDescription nvme_vmstate_errlog = {
    .name = "nvme/errlog",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        NVME_VMSTATE_RAW(errlog.ring.entries, NvmeCtrl), /* as the host reads */
        VMSTATE_UINT64(errlog.ring.count, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

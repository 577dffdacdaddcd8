/*
 * NVMe Get Features / Set Features.
 *
 * Arbitration, Power Management, Temperature Threshold (each threshold on
 * its own) and Volatile Write Cache are saveable: Set Features with Save
 * stores the value the command sets, Get Features SEL=saved reports it
 * (the default until something was saved) and a controller level reset
 * restores it as the current value.  Saved values live as long as the
 * device, or across QEMU restarts with features-file= (features-file.c).
 * Which values are valid, what they store and what Get Features reports
 * is feat-rules.c's (pure); this file runs the commands and applies what
 * a value changes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "dma.h"
#include "event.h"
#include "fdp.h"
#include "feat-rules.h"
#include "features.h"
#include "lba-status.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "resv.h"
#include "stats.h"
#include "types.h"
#include "trace.h"

#define NVME_TS_ORIGIN_HOST     (1 << 1)

/* Context: main loop. */
static void nvme_kato_expired(void *opaque)
{
    NvmeCtrl *n = opaque;

    if (n->running) {
        nvme_ctrl_fatal(n, "keep alive timer expired");
    }
}

/* Context: main loop. */
void nvme_kato_restart(NvmeCtrl *n)
{
    if (!n->feat.kato_timer) {
        n->feat.kato_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL,
                                          nvme_kato_expired, n);
    }
    if (n->feat.cur.kato) {
        timer_mod(n->feat.kato_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + n->feat.cur.kato);
    } else {
        timer_del(n->feat.kato_timer);
    }
}

/* Context: main loop.  What feature values depend on (feat-rules.c). */
static NvmeFeatLimits nvme_feat_limits(NvmeCtrl *n)
{
    return (NvmeFeatLimits) {
        .max_ioq = MAX(n->queues.avail, 2) - 2,   /* pairs available now */
        .vectors = n->queues.vectors,
        .temp_warn = NVME_TEMP_WARN_K,
        .vwc = nvme_ctrl_has_vwc(n),
        .atomic_dn = n->params.atomic.dn,
    };
}

/* Context: main loop.  Saved values: the defaults overlaid with saves. */
static void nvme_features_saved(NvmeCtrl *n, NvmeFeatures *f)
{
    NvmeFeatLimits l = nvme_feat_limits(n);

    nvme_feat_saved_values(f, &n->feat.saved, n->feat.saved_mask, &l);
}

/*
 * Context: main loop.  Refuse a Get/Set Features for the reason @r: the
 * error log's location when it has one, a trace either way.
 */
static uint16_t nvme_feat_refuse(NvmeRequest *req, uint16_t status,
                                 const NvmeFeatReject *r)
{
    if (r->byte) {
        return nvme_req_reject(req, status, r->byte, r->bit, r->why);
    }
    trace_nvme_feat_reject(NVME_GETSETFEAT_FID(le32_to_cpu(req->cmd.cdw10)),
                           r->why, status);
    return status;
}

/* Context: main loop.  Apply the Volatile Write Cache setting. */
static void nvme_apply_vwc(NvmeCtrl *n)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i] && n->ns[i]->wce_default) {
            blk_set_enable_write_cache(n->ns[i]->blk, n->feat.cur.vwc);
        }
    }
}

/* Context: main loop (realize). */
void nvme_features_init(NvmeCtrl *n)
{
    n->feat.iv_bits = n->params.msix_qsize;
    n->feat.cur.iv_no_coalescing = bitmap_new(n->params.msix_qsize);
    /* exists from the start: the migration stream refers to it */
    n->feat.kato_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, nvme_kato_expired,
                                      n);
}

/* Context: main loop (unrealize). */
void nvme_features_cleanup(NvmeCtrl *n)
{
    timer_free(n->feat.kato_timer);
    n->feat.kato_timer = NULL;
    g_free(n->feat.cur.iv_no_coalescing);
    n->feat.cur.iv_no_coalescing = NULL;
}

/* Context: main loop.  Power on and controller reset. */
void nvme_features_reset(NvmeCtrl *n)
{
    unsigned long *iv = n->feat.cur.iv_no_coalescing;

    nvme_features_saved(n, &n->feat.cur);
    n->feat.cur.iv_no_coalescing = iv;
    bitmap_zero(iv, n->params.msix_qsize);
    nvme_resv_features_reset(n);
    nvme_lbas_reset(n);
    nvme_apply_vwc(n);
    nvme_stats_check_temperature(n);
    if (n->feat.kato_timer) {
        timer_del(n->feat.kato_timer);
    }
}

/* Context: main loop.  Current value of the Timestamp feature in ms. */
static uint64_t nvme_timestamp_now(NvmeCtrl *n)
{
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);

    if (!n->feat.cur.timestamp_set) {
        return now - n->stats.power_on_at;
    }
    return n->feat.cur.timestamp + (now - n->feat.cur.timestamp_at);
}

/* Context: main loop. */
static uint16_t nvme_get_timestamp(NvmeCtrl *n, NvmeRequest *req, bool dflt)
{
    uint64_t ts = dflt ? 0 : nvme_timestamp_now(n) & MAKE_64BIT_MASK(0, 48);
    uint8_t attr = !dflt && n->feat.cur.timestamp_set ? NVME_TS_ORIGIN_HOST : 0;
    uint64_t data = cpu_to_le64(ts | ((uint64_t)attr << 48));

    return nvme_dma_to_guest(n, req, &data, sizeof(data));
}

/*
 * Context: main loop.  Host Behavior Support: 512 bytes of which ACRE
 * (byte 0) and LBAFEE (byte 2) are kept; the rest reads back as zeroes.
 */
static uint16_t nvme_get_hbs(NvmeCtrl *n, NvmeRequest *req, bool dflt)
{
    uint8_t data[NVME_HBS_BYTES] = { 0 };

    data[0] = dflt ? 0 : n->feat.cur.hbs_acre;
    data[2] = dflt ? 0 : n->feat.cur.hbs_lbafee;
    return nvme_dma_to_guest(n, req, data, sizeof(data));
}

/* Context: main loop. */
uint16_t nvme_admin_get_features(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t fid = NVME_GETSETFEAT_FID(dw10);
    uint8_t sel = NVME_GETFEAT_SELECT(dw10);
    bool use_dflt = sel == NVME_GETFEAT_SELECT_DEFAULT ||
                    sel == NVME_GETFEAT_SELECT_SAVED;
    NvmeFeatLimits l = nvme_feat_limits(n);
    NvmeFeatures other;
    NvmeFeatReject r;
    uint16_t status;

    trace_nvme_get_features(fid, sel);
    if (fid == NVME_FDP_MODE || fid == NVME_FDP_EVENTS) {
        return nvme_fdp_get_feature(n, req, fid, sel);     /* fdp.c */
    }
    status = nvme_feat_check_get(fid, sel, &r);
    if (status) {
        return nvme_feat_refuse(req, status, &r);
    }
    if (sel == NVME_GETFEAT_SELECT_CAP) {
        req->result = nvme_feat_caps(fid);
        return NVME_SUCCESS;
    }
    if (fid == NVME_TIMESTAMP) {
        return nvme_get_timestamp(n, req, use_dflt);
    }
    if (fid == NVME_HOST_BEHAVIOR_SUPPORT) {
        return nvme_get_hbs(n, req, use_dflt);
    }
    if (fid >= NVME_FEAT_HOST_ID && fid <= NVME_FEAT_RESV_PERSIST) {
        return nvme_resv_get_feature(n, req, fid, use_dflt);   /* resv.c */
    }
    if (fid == NVME_FEAT_LBA_STATUS_ATTR) {
        return nvme_lbas_get_feature(n, req, use_dflt);
    }
    if (sel == NVME_GETFEAT_SELECT_SAVED) {
        nvme_features_saved(n, &other);
    } else {
        nvme_feat_defaults(&other, &l);
    }
    status = nvme_feat_value(use_dflt ? &other : &n->feat.cur, fid,
                             le32_to_cpu(req->cmd.cdw11), &l, &req->result,
                             &r);
    return status ? nvme_feat_refuse(req, status, &r) : NVME_SUCCESS;
}

/* Context: main loop. */
static uint16_t nvme_set_timestamp(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t data;
    uint16_t status = nvme_dma_from_guest(n, req, &data, sizeof(data));

    if (status) {
        return status;
    }
    n->feat.cur.timestamp = le64_to_cpu(data) & MAKE_64BIT_MASK(0, 48);
    n->feat.cur.timestamp_at = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
    n->feat.cur.timestamp_set = true;
    return NVME_SUCCESS;
}

/* Context: main loop.  Host Behavior Support: ACRE and LBAFEE are kept. */
static uint16_t nvme_set_hbs(NvmeCtrl *n, NvmeRequest *req)
{
    uint8_t data[NVME_HBS_BYTES];
    uint16_t status = nvme_dma_from_guest(n, req, data, sizeof(data));
    NvmeFeatReject r;

    if (!status) {
        status = nvme_feat_hbs_check(data, &r);
        if (status) {
            return nvme_feat_refuse(req, status, &r);
        }
        n->feat.cur.hbs_acre = data[0];
        n->feat.cur.hbs_lbafee = data[2];
    }
    return status;
}

/* Context: main loop.  Whether an I/O queue exists (Number of Queues). */
static bool nvme_ioqs_exist(NvmeCtrl *n)
{
    for (uint32_t i = 1; i < n->queues.num; i++) {
        if (n->queues.sq[i] || n->queues.cq[i]) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  Set feature @fid from CDW11 @dw11 (feat-rules.c
 * checks and stores the value), then what the new value changes.
 */
static uint16_t nvme_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                                 uint32_t dw11)
{
    NvmeFeatLimits l = nvme_feat_limits(n);
    NvmeFeatReject r;
    uint16_t status;

    switch (fid) {
    case NVME_TIMESTAMP:
        return nvme_set_timestamp(n, req);
    case NVME_HOST_BEHAVIOR_SUPPORT:
        return nvme_set_hbs(n, req);
    case NVME_FEAT_HOST_ID:
    case NVME_FEAT_RESV_MASK:
    case NVME_FEAT_RESV_PERSIST:
        return nvme_resv_set_feature(n, req, fid);     /* resv.c */
    case NVME_FEAT_LBA_STATUS_ATTR:
        return nvme_lbas_set_feature(n, req);   /* lba-status.c */
    }
    status = nvme_feat_set(&n->feat.cur, fid, dw11, &l, nvme_ioqs_exist(n),
                           &r);
    if (status) {
        return nvme_feat_refuse(req, status, &r);
    }
    switch (fid) {
    case NVME_TEMPERATURE_THRESHOLD:
        nvme_stats_check_temperature(n);
        break;
    case NVME_ASYNCHRONOUS_EVENT_CONF:
        nvme_stats_check_temperature(n);
        nvme_lbas_aec_changed(n);   /* an LBA Status alert may be due */
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        nvme_apply_vwc(n);
        break;
    case NVME_NUMBER_OF_QUEUES:
        req->result = n->feat.cur.nq;
        break;
    case NVME_FEAT_KEEP_ALIVE:
        nvme_kato_restart(n);
        break;
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Save what a successful Set Features just set; for
 * Temperature Threshold only the threshold CDW11 selects.  With a
 * features-file the save counts once the file holds it (features-file.c):
 * if writing fails, the saved values stay as they were and the command
 * gets Internal Error (the current value is already set).
 */
static uint16_t nvme_feat_save_cmd(NvmeCtrl *n, NvmeRequest *req,
                                   uint8_t fid, uint32_t dw11)
{
    NvmeFeatLimits l = nvme_feat_limits(n);
    NvmeFeatures saved = n->feat.saved;
    uint32_t mask = n->feat.saved_mask;
    Error *err = NULL;

    nvme_feat_save(&saved, &mask, &n->feat.cur, fid, dw11, &l);
    if (n->params.features_file &&
        !nvme_features_file_store(n, &saved, mask, &err)) {
        error_report_err(err);
        return nvme_req_reject(req, NVME_INTERNAL_DEV_ERROR, 43, 7,
                               "features-file not written");
    }
    n->feat.saved = saved;
    n->feat.saved_mask = mask;
    trace_nvme_feat_saved(fid, dw11);
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_set_features(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint8_t fid = NVME_GETSETFEAT_FID(dw10);
    NvmeFeatReject r;
    uint16_t status;

    trace_nvme_set_features(fid, dw11);
    if (fid == NVME_FDP_MODE || fid == NVME_FDP_EVENTS) {
        return nvme_fdp_set_feature(n, req, fid);           /* fdp.c */
    }
    status = nvme_feat_check_set(fid, NVME_SETFEAT_SAVE(dw10), &r);
    if (status) {
        return nvme_feat_refuse(req, status, &r);
    }
    status = nvme_set_feature(n, req, fid, dw11);
    if (!status && NVME_SETFEAT_SAVE(dw10)) {
        status = nvme_feat_save_cmd(n, req, fid, dw11);
    }
    return status;
}

/* ---- migration ---- */

static const VMStateDescription nvme_vmstate_feature_values = {
    .name = "nvme-features",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(arbitration, NvmeFeatures),
        VMSTATE_UINT32(power_mgmt, NvmeFeatures),
        VMSTATE_UINT16(temp_over, NvmeFeatures),
        VMSTATE_UINT16(temp_under, NvmeFeatures),
        VMSTATE_UINT32(err_rec, NvmeFeatures),
        VMSTATE_BOOL(vwc, NvmeFeatures),
        VMSTATE_UINT32(nq, NvmeFeatures),
        VMSTATE_BOOL(nq_set, NvmeFeatures),
        VMSTATE_UINT32(int_coalescing, NvmeFeatures),
        VMSTATE_UINT32(aec, NvmeFeatures),
        VMSTATE_UINT32(kato, NvmeFeatures),
        VMSTATE_UINT64(timestamp, NvmeFeatures),
        VMSTATE_INT64(timestamp_at, NvmeFeatures),
        VMSTATE_BOOL(timestamp_set, NvmeFeatures),
        VMSTATE_UINT8(hbs_acre, NvmeFeatures),
        VMSTATE_BOOL(write_atomicity_dn, NvmeFeatures),
        VMSTATE_END_OF_LIST()
    },
};

/* Why @f holds a value Set Features would not have taken, or NULL. */
static const char *nvme_features_invalid(NvmeCtrl *n, const NvmeFeatures *f)
{
    uint32_t max = n->queues.num - 2;

    if (f->arbitration & ~0xffffff07u || f->power_mgmt & ~0xe0u) {
        return "arbitration or power management";
    }
    if (f->err_rec > 0xffff || f->int_coalescing > 0xffff) {
        return "error recovery or interrupt coalescing";
    }
    if (f->nq_set && ((f->nq & 0xffff) > max || (f->nq >> 16) > max)) {
        return "number of queues";
    }
    if (f->aec & ~NVME_AEC_SUPPORTED || f->hbs_acre > 1 ||
        f->timestamp >> 48) {
        return "event configuration, host behavior or timestamp";
    }
    return NULL;
}

/* Context: main loop.  Check both sets, then apply the write cache. */
static int nvme_features_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    const char *why = nvme_features_invalid(n, &n->feat.cur);

    if (!why) {
        why = nvme_features_invalid(n, &n->feat.saved);
    }
    if (why) {
        return nvme_mig_bad(n, "feature value out of range: %s", why);
    }
    if (n->feat.saved_mask & ~((1u << NVME_ARBITRATION) |
                               (1u << NVME_POWER_MANAGEMENT) |
                               (1u << NVME_TEMPERATURE_THRESHOLD) |
                               (1u << NVME_VOLATILE_WRITE_CACHE))) {
        return nvme_mig_bad(n, "saved features mask 0x%x",
                            n->feat.saved_mask);
    }
    nvme_apply_vwc(n);
    return 0;
}

const VMStateDescription nvme_vmstate_features = {
    .name = "nvme/features",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_features_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(feat.cur, NvmeCtrl, 1, nvme_vmstate_feature_values,
                       NvmeFeatures),
        VMSTATE_STRUCT(feat.saved, NvmeCtrl, 1, nvme_vmstate_feature_values,
                       NvmeFeatures),
        VMSTATE_UINT32(feat.saved_mask, NvmeCtrl),
        VMSTATE_INT32_EQUAL(feat.iv_bits, NvmeCtrl,
                            "nvme: msix_qsize differs"),
        VMSTATE_BITMAP(feat.cur.iv_no_coalescing, NvmeCtrl, 1, feat.iv_bits),
        VMSTATE_TIMER_PTR(feat.kato_timer, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * NVMe Get Features / Set Features.
 *
 * Arbitration, Power Management, Temperature Threshold (each threshold on
 * its own) and Volatile Write Cache are saveable: Set Features with Save
 * stores the value the command sets, Get Features SEL=saved reports it
 * (the default until something was saved) and a controller level reset
 * restores it as the current value.  Saved values live as long as the
 * device, or across QEMU restarts with features-file= (features-file.c).
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
#include "features.h"
#include "ns.h"
#include "queue.h"
#include "resv.h"
#include "stats.h"
#include "types.h"
#include "trace.h"

#define NVME_FEAT_KEEP_ALIVE    0x0f
#define NVME_AEC_SUPPORTED      0xbff   /* SMART, NS attr, FW, ANA (11) */
#define NVME_TS_ORIGIN_HOST     (1 << 1)
#define NVME_HBS_BYTES          512     /* Host Behavior Support data */
#define NVME_CAP_SAVEABLE       (NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_SAVE)

/* Capabilities (Get Features SEL=3) of each supported feature. */
static const uint8_t nvme_feat_caps[256] = {
    [NVME_ARBITRATION]              = NVME_CAP_SAVEABLE,
    [NVME_POWER_MANAGEMENT]         = NVME_CAP_SAVEABLE,
    [NVME_TEMPERATURE_THRESHOLD]    = NVME_CAP_SAVEABLE,
    [NVME_ERROR_RECOVERY]           = NVME_FEAT_CAP_CHANGE,
    [NVME_VOLATILE_WRITE_CACHE]     = NVME_CAP_SAVEABLE,
    [NVME_NUMBER_OF_QUEUES]         = NVME_FEAT_CAP_CHANGE,
    [NVME_INTERRUPT_COALESCING]     = NVME_FEAT_CAP_CHANGE,
    [NVME_INTERRUPT_VECTOR_CONF]    = NVME_FEAT_CAP_CHANGE,
    [NVME_ASYNCHRONOUS_EVENT_CONF]  = NVME_FEAT_CAP_CHANGE,
    [NVME_TIMESTAMP]                = NVME_FEAT_CAP_CHANGE,
    [NVME_FEAT_KEEP_ALIVE]          = NVME_FEAT_CAP_CHANGE,
    [NVME_HOST_BEHAVIOR_SUPPORT]    = NVME_FEAT_CAP_CHANGE,
    [NVME_FEAT_HOST_ID]             = NVME_FEAT_CAP_CHANGE,     /* resv.c */
    [NVME_FEAT_RESV_MASK]           = NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_NS,
    [NVME_FEAT_RESV_PERSIST]        = NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_NS,
    [NVME_COMMAND_SET_PROFILE]      = NVME_FEAT_CAP_CHANGE,
    [NVME_WRITE_ATOMICITY]          = NVME_FEAT_CAP_CHANGE,     /* atomic.c */
};

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

/* Context: main loop.  Highest 0-based I/O queue count to grant. */
static uint32_t nvme_nq_max(NvmeCtrl *n)
{
    return MAX(n->queues.avail, 2) - 2;     /* queue pairs available now */
}

/* Context: main loop.  Number of Queues result while nothing was set. */
static uint32_t nvme_nq_default(NvmeCtrl *n)
{
    uint32_t max = nvme_nq_max(n);

    return max | (max << 16);
}

/* Context: main loop.  Default values. */
static void nvme_features_defaults(NvmeCtrl *n, NvmeFeatures *f)
{
    *f = (NvmeFeatures) {
        .temp_over = NVME_TEMP_WARN_K,
        .vwc = nvme_ctrl_has_vwc(n),
        .nq = nvme_nq_default(n),
        .write_atomicity_dn = n->params.atomic.dn,
    };
}

/*
 * Context: main loop.  Copy the value(s) of saveable feature @fid from
 * @src to @dst; @temp, when not NULL, limits Temperature Threshold to the
 * threshold it points to in @src.
 */
static void nvme_feat_copy(NvmeFeatures *dst, const NvmeFeatures *src,
                           uint8_t fid, const uint16_t *temp)
{
    switch (fid) {
    case NVME_ARBITRATION:
        dst->arbitration = src->arbitration;
        break;
    case NVME_POWER_MANAGEMENT:
        dst->power_mgmt = src->power_mgmt;
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        if (!temp || temp == &src->temp_over) {
            dst->temp_over = src->temp_over;
        }
        if (!temp || temp == &src->temp_under) {
            dst->temp_under = src->temp_under;
        }
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        dst->vwc = src->vwc;
        break;
    }
}

/* Context: main loop.  Saved values: the defaults overlaid with saves. */
static void nvme_features_saved(NvmeCtrl *n, NvmeFeatures *f)
{
    nvme_features_defaults(n, f);
    for (uint8_t fid = 0; fid < 32; fid++) {
        if (n->feat.saved_mask & (1u << fid)) {
            nvme_feat_copy(f, &n->feat.saved, fid, NULL);
        }
    }
    /* a features-file from a run with a write cache, now without one */
    f->vwc &= nvme_ctrl_has_vwc(n);
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
    n->feat.cur.iv_no_coalescing = bitmap_new(n->params.msix_qsize);
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

/* Context: main loop.  Which threshold CDW11 TMPSEL/THSEL designate. */
static uint16_t nvme_temp_select(NvmeRequest *req, uint32_t dw11,
                                 NvmeFeatures *f, uint16_t **slot)
{
    if (NVME_TEMP_TMPSEL(dw11) != NVME_TEMP_TMPSEL_COMPOSITE) {
        nvme_req_err_field(req, 46, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    switch (NVME_TEMP_THSEL(dw11)) {
    case NVME_TEMP_THSEL_OVER:
        *slot = &f->temp_over;
        return NVME_SUCCESS;
    case NVME_TEMP_THSEL_UNDER:
        *slot = &f->temp_under;
        return NVME_SUCCESS;
    }
    nvme_req_err_field(req, 46, 4);
    return NVME_INVALID_FIELD | NVME_DNR;
}

/* Context: main loop.  Interrupt vector named by CDW11, checked. */
static uint16_t nvme_feat_vector(NvmeCtrl *n, NvmeRequest *req, uint32_t *iv)
{
    *iv = le32_to_cpu(req->cmd.cdw11) & 0xffff;
    if (*iv >= n->queues.vectors) {
        nvme_req_err_field(req, 44, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Value of @fid in the feature set @f. */
static uint16_t nvme_feat_value(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                                NvmeFeatures *f, uint32_t *val)
{
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint16_t *temp, status = NVME_SUCCESS;
    uint32_t iv;

    switch (fid) {
    case NVME_ARBITRATION:
        *val = f->arbitration;
        break;
    case NVME_POWER_MANAGEMENT:
        *val = f->power_mgmt;
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        status = nvme_temp_select(req, dw11, f, &temp);
        *val = status ? 0 : *temp;
        break;
    case NVME_ERROR_RECOVERY:
        *val = f->err_rec;
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        *val = f->vwc;
        break;
    case NVME_NUMBER_OF_QUEUES:
        *val = f->nq;
        break;
    case NVME_INTERRUPT_COALESCING:
        *val = f->int_coalescing;
        break;
    case NVME_INTERRUPT_VECTOR_CONF:
        status = nvme_feat_vector(n, req, &iv);
        *val = iv;
        if (!status && f->iv_no_coalescing &&
            test_bit(iv, f->iv_no_coalescing)) {
            *val |= NVME_INTVC_NOCOALESCING;
        }
        break;
    case NVME_ASYNCHRONOUS_EVENT_CONF:
        *val = f->aec;
        break;
    case NVME_FEAT_KEEP_ALIVE:
        *val = f->kato;
        break;
    case NVME_WRITE_ATOMICITY:
        *val = f->write_atomicity_dn;
        break;
    default:
        *val = 0;
    }
    return status;
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
 * Context: main loop.  Host Behavior Support: 512 bytes of which only
 * ACRE (byte 0) is kept; the rest reads back as zeroes.
 */
static uint16_t nvme_get_hbs(NvmeCtrl *n, NvmeRequest *req, bool dflt)
{
    uint8_t data[NVME_HBS_BYTES] = { 0 };

    data[0] = dflt ? 0 : n->feat.cur.hbs_acre;
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
    NvmeFeatures other;

    trace_nvme_get_features(fid, sel);
    if (!nvme_feat_caps[fid]) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (sel > NVME_GETFEAT_SELECT_CAP) {
        nvme_req_err_field(req, 41, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (sel == NVME_GETFEAT_SELECT_CAP) {
        req->result = nvme_feat_caps[fid];
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
    if (sel == NVME_GETFEAT_SELECT_SAVED) {
        nvme_features_saved(n, &other);
    } else {
        nvme_features_defaults(n, &other);
    }
    return nvme_feat_value(n, req, fid, use_dflt ? &other : &n->feat.cur,
                           &req->result);
}

/* Context: main loop. */
static uint16_t nvme_set_nq(NvmeCtrl *n, NvmeRequest *req, uint32_t dw11)
{
    uint32_t max = nvme_nq_max(n);
    uint32_t nsqr = dw11 & 0xffff, ncqr = dw11 >> 16;

    if (nsqr == 0xffff || ncqr == 0xffff) {
        nvme_req_err_field(req, 44, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    for (uint32_t i = 1; i < n->queues.num; i++) {
        if (n->queues.sq[i] || n->queues.cq[i]) {
            return NVME_CMD_SEQ_ERROR | NVME_DNR;
        }
    }
    n->feat.cur.nq = MIN(nsqr, max) | (MIN(ncqr, max) << 16);
    n->feat.cur.nq_set = true;
    req->result = n->feat.cur.nq;
    return NVME_SUCCESS;
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

/*
 * Context: main loop.  Host Behavior Support: ACRE 0 or 1 (the controller
 * never asks for a retry delay, so either is fine); LBAFEE and ETDAS stay
 * 0 (no extended LBA formats, no telemetry).  Later bytes are reserved.
 */
static uint16_t nvme_set_hbs(NvmeCtrl *n, NvmeRequest *req)
{
    uint8_t data[NVME_HBS_BYTES];
    uint16_t status = nvme_dma_from_guest(n, req, data, sizeof(data));
    const char *why = NULL;

    if (status) {
        return status;
    }
    if (data[0] > 1) {
        why = "ACRE is neither 0 nor 1";
    } else if (data[1]) {
        why = "ETDAS: no telemetry";
    } else if (data[2]) {
        why = "LBAFEE: no extended LBA formats";
    }
    if (why) {
        /* the field is in the data, not the command: no location */
        trace_nvme_feat_reject(NVME_HOST_BEHAVIOR_SUPPORT, why,
                               NVME_INVALID_FIELD | NVME_DNR);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    n->feat.cur.hbs_acre = data[0];
    return NVME_SUCCESS;
}

/* Context: main loop. */
static uint16_t nvme_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                                 uint32_t dw11)
{
    NvmeFeatures *f = &n->feat.cur;
    uint16_t *temp, status;
    uint32_t iv;

    switch (fid) {
    case NVME_ARBITRATION:
        f->arbitration = dw11 & 0xffffff07;
        return NVME_SUCCESS;
    case NVME_POWER_MANAGEMENT:
        if (dw11 & 0x1f) {          /* only power state 0 exists */
            nvme_req_err_field(req, 44, 0);
            return NVME_INVALID_FIELD | NVME_DNR;
        }
        f->power_mgmt = dw11 & 0xe0;
        return NVME_SUCCESS;
    case NVME_TEMPERATURE_THRESHOLD:
        status = nvme_temp_select(req, dw11, f, &temp);
        if (!status) {
            *temp = NVME_TEMP_TMPTH(dw11);
            nvme_stats_check_temperature(n);
        }
        return status;
    case NVME_ERROR_RECOVERY:
        if (NVME_ERR_REC_DULBE(dw11)) {     /* no deallocated blocks yet */
            nvme_req_err_field(req, 46, 0);
            return NVME_INVALID_FIELD | NVME_DNR;
        }
        f->err_rec = NVME_ERR_REC_TLER(dw11);
        return NVME_SUCCESS;
    case NVME_VOLATILE_WRITE_CACHE:
        if ((dw11 & 1) && !nvme_ctrl_has_vwc(n)) {
            nvme_req_err_field(req, 44, 0);
            return NVME_INVALID_FIELD | NVME_DNR;
        }
        f->vwc = dw11 & 1;
        nvme_apply_vwc(n);
        return NVME_SUCCESS;
    case NVME_NUMBER_OF_QUEUES:
        return nvme_set_nq(n, req, dw11);
    case NVME_INTERRUPT_COALESCING:
        f->int_coalescing = dw11 & 0xffff;
        return NVME_SUCCESS;
    case NVME_INTERRUPT_VECTOR_CONF:
        status = nvme_feat_vector(n, req, &iv);
        if (!status) {
            if (dw11 & NVME_INTVC_NOCOALESCING) {
                set_bit(iv, f->iv_no_coalescing);
            } else {
                clear_bit(iv, f->iv_no_coalescing);
            }
        }
        return status;
    case NVME_ASYNCHRONOUS_EVENT_CONF:
        f->aec = dw11 & NVME_AEC_SUPPORTED;
        nvme_stats_check_temperature(n);
        return NVME_SUCCESS;
    case NVME_TIMESTAMP:
        return nvme_set_timestamp(n, req);
    case NVME_HOST_BEHAVIOR_SUPPORT:
        return nvme_set_hbs(n, req);
    case NVME_FEAT_HOST_ID:
    case NVME_FEAT_RESV_MASK:
    case NVME_FEAT_RESV_PERSIST:
        return nvme_resv_set_feature(n, req, fid);     /* resv.c */
    case NVME_COMMAND_SET_PROFILE:
        /* Identify CNS 1Ch lists one combination: index 0, NVM */
        if (dw11 & 0x1ff) {
            return nvme_req_reject(req, NVME_IOCS_COMBINATION_REJECTED |
                                   NVME_DNR, 44, 0,
                                   "no such I/O Command Set combination");
        }
        return NVME_SUCCESS;
    case NVME_WRITE_ATOMICITY:
        /* DN: only AWUPF and NAWUPF need honouring (atomic.c) */
        f->write_atomicity_dn = dw11 & 1;
        return NVME_SUCCESS;
    case NVME_FEAT_KEEP_ALIVE:
        /* rounded up to the granularity Identify KAS reports */
        f->kato = MIN(QEMU_ALIGN_UP((uint64_t)dw11, NVME_KAS_MS),
                      UINT32_MAX / NVME_KAS_MS * NVME_KAS_MS);
        nvme_kato_restart(n);
        return NVME_SUCCESS;
    }
    g_assert_not_reached();
}

/*
 * Context: main loop.  Save what a successful Set Features just set; for
 * Temperature Threshold only the threshold CDW11 selects.  With a
 * features-file the save counts once the file holds it (features-file.c):
 * if writing fails, the saved values stay as they were and the command
 * gets Internal Error (the current value is already set).
 */
static uint16_t nvme_feat_save(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                               uint32_t dw11)
{
    NvmeFeatures saved = n->feat.saved, dflt;
    uint32_t mask = n->feat.saved_mask | 1u << fid;
    uint16_t *temp = NULL;
    Error *err = NULL;

    if (!(n->feat.saved_mask & (1u << fid))) {
        nvme_features_defaults(n, &dflt);
        nvme_feat_copy(&saved, &dflt, fid, NULL);
    }
    if (fid == NVME_TEMPERATURE_THRESHOLD) {
        nvme_temp_select(req, dw11, &n->feat.cur, &temp);
    }
    nvme_feat_copy(&saved, &n->feat.cur, fid, temp);
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
    uint16_t status;

    trace_nvme_set_features(fid, dw11);
    if (!nvme_feat_caps[fid]) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (NVME_SETFEAT_SAVE(dw10) &&
        !(nvme_feat_caps[fid] & NVME_FEAT_CAP_SAVE)) {
        nvme_req_err_field(req, 43, 7);
        trace_nvme_feat_reject(fid, "feature is not saveable",
                               NVME_FID_NOT_SAVEABLE | NVME_DNR);
        return NVME_FID_NOT_SAVEABLE | NVME_DNR;
    }
    status = nvme_set_feature(n, req, fid, dw11);
    if (!status && NVME_SETFEAT_SAVE(dw10)) {
        status = nvme_feat_save(n, req, fid, dw11);
    }
    return status;
}

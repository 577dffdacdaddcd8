/*
 * Get / Set Features rules over plain values (see feat-rules.h).
 *
 * Arbitration, Power Management, Temperature Threshold (each threshold on
 * its own) and Volatile Write Cache are saveable.  Every function runs in
 * any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bitops.h"
#include "feat-rules.h"

#define NVME_CAP_SAVEABLE   (NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_SAVE)
#define NVME_PS_MASK        0x1f    /* Power Management PS: state 0 only */
#define NVME_PM_WH_MASK     0xe0    /* Power Management Workload Hint */
#define NVME_ARB_MASK       0xffffff07  /* HPW MPW LPW, AB */
#define NVME_CSP_INDEX_MASK 0x1ff   /* Command Set Profile: index */

/* Capabilities (Get Features SEL=3) of each supported feature. */
static const uint8_t nvme_feat_cap_table[256] = {
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
    [NVME_FEAT_LBA_STATUS_ATTR]     = NVME_FEAT_CAP_CHANGE, /* lba-status.c */
};

/* Refuse with Invalid Field at CDW byte @byte, bit @bit. */
static uint16_t nvme_feat_invalid(NvmeFeatReject *r, uint8_t byte,
                                  uint8_t bit, const char *why)
{
    *r = (NvmeFeatReject) { .byte = byte, .bit = bit, .why = why };
    return NVME_INVALID_FIELD | NVME_DNR;
}

/* Capabilities of feature @fid; 0: not supported. */
uint8_t nvme_feat_caps(uint8_t fid)
{
    return nvme_feat_cap_table[fid];
}

/* Get Features: FID (CDW10 7:0) supported, SEL (CDW10 10:8) defined. */
uint16_t nvme_feat_check_get(uint8_t fid, uint8_t sel, NvmeFeatReject *r)
{
    if (!nvme_feat_caps(fid)) {
        return nvme_feat_invalid(r, 40, 0, "feature not supported");
    }
    if (sel > NVME_GETFEAT_SELECT_CAP) {
        return nvme_feat_invalid(r, 41, 0, "reserved SEL value");
    }
    return NVME_SUCCESS;
}

/* Set Features: FID supported, SV (CDW10 bit 31) only if saveable. */
uint16_t nvme_feat_check_set(uint8_t fid, bool save, NvmeFeatReject *r)
{
    if (!nvme_feat_caps(fid)) {
        return nvme_feat_invalid(r, 40, 0, "feature not supported");
    }
    if (save && !(nvme_feat_caps(fid) & NVME_FEAT_CAP_SAVE)) {
        *r = (NvmeFeatReject) { 43, 7, "feature is not saveable" };
        return NVME_FID_NOT_SAVEABLE | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/* Values after power on when nothing was saved. */
void nvme_feat_defaults(NvmeFeatures *f, const NvmeFeatLimits *l)
{
    *f = (NvmeFeatures) {
        .temp_over = l->temp_warn,
        .vwc = l->vwc,
        .nq = l->max_ioq | (l->max_ioq << 16),
        .write_atomicity_dn = l->atomic_dn,
    };
}

/*
 * Which threshold Temperature Threshold's CDW11 selects: TMPSEL must be
 * the composite temperature; THSEL over (0) or under (1).
 */
static uint16_t nvme_feat_temp_sel(uint32_t dw11, bool *under,
                                   NvmeFeatReject *r)
{
    if (NVME_TEMP_TMPSEL(dw11) != NVME_TEMP_TMPSEL_COMPOSITE) {
        return nvme_feat_invalid(r, 46, 0, "TMPSEL: no such sensor");
    }
    switch (NVME_TEMP_THSEL(dw11)) {
    case NVME_TEMP_THSEL_OVER:
        *under = false;
        return NVME_SUCCESS;
    case NVME_TEMP_THSEL_UNDER:
        *under = true;
        return NVME_SUCCESS;
    }
    return nvme_feat_invalid(r, 46, 4, "THSEL: reserved value");
}

/*
 * Copy the value(s) of saveable feature @fid from @src to @dst; for
 * Temperature Threshold only the over (@thsel 0) or under (1) threshold,
 * or both (-1).
 */
static void nvme_feat_copy(NvmeFeatures *dst, const NvmeFeatures *src,
                           uint8_t fid, int thsel)
{
    switch (fid) {
    case NVME_ARBITRATION:
        dst->arbitration = src->arbitration;
        break;
    case NVME_POWER_MANAGEMENT:
        dst->power_mgmt = src->power_mgmt;
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        if (thsel != 1) {
            dst->temp_over = src->temp_over;
        }
        if (thsel != 0) {
            dst->temp_under = src->temp_under;
        }
        break;
    case NVME_VOLATILE_WRITE_CACHE:
        dst->vwc = src->vwc;
        break;
    }
}

/*
 * Saved values (SEL 010b, and the current values after a reset): the
 * defaults overlaid with what @mask (a bit per FID) says was saved in
 * @saved.  A write cache saved on, then gone (a features-file of another
 * configuration), reads off.
 */
void nvme_feat_saved_values(NvmeFeatures *f, const NvmeFeatures *saved,
                            uint32_t mask, const NvmeFeatLimits *l)
{
    nvme_feat_defaults(f, l);
    for (uint8_t fid = 0; fid < 32; fid++) {
        if (mask & (1u << fid)) {
            nvme_feat_copy(f, saved, fid, -1);
        }
    }
    f->vwc &= l->vwc;
}

/*
 * Set Features with Save of @fid succeeded: save what it set in @cur into
 * @saved and @mask; for Temperature Threshold only the threshold @dw11
 * selects (the other keeps its saved or default value).
 */
void nvme_feat_save(NvmeFeatures *saved, uint32_t *mask,
                    const NvmeFeatures *cur, uint8_t fid, uint32_t dw11,
                    const NvmeFeatLimits *l)
{
    NvmeFeatReject r;
    NvmeFeatures dflt;
    bool under = false;

    if (!(*mask & (1u << fid))) {
        nvme_feat_defaults(&dflt, l);
        nvme_feat_copy(saved, &dflt, fid, -1);
    }
    if (fid == NVME_TEMPERATURE_THRESHOLD &&
        nvme_feat_temp_sel(dw11, &under, &r) != NVME_SUCCESS) {
        return;                 /* Set Features refused it: nothing set */
    }
    nvme_feat_copy(saved, cur, fid, under);
    *mask |= 1u << fid;
}

/* Interrupt Vector Configuration: the vector CDW11 15:0 names. */
static uint16_t nvme_feat_vector(uint32_t dw11, const NvmeFeatLimits *l,
                                 uint32_t *iv, NvmeFeatReject *r)
{
    *iv = dw11 & 0xffff;
    if (*iv >= l->vectors) {
        return nvme_feat_invalid(r, 44, 0, "no such interrupt vector");
    }
    return NVME_SUCCESS;
}

/*
 * Get Features: the value (completion DW0) of @fid in the set @f, for the
 * features whose value fits DW0.  Timestamp, Host Behavior Support and
 * the reservation features are features.c's and resv.c's.
 */
uint16_t nvme_feat_value(const NvmeFeatures *f, uint8_t fid, uint32_t dw11,
                         const NvmeFeatLimits *l, uint32_t *val,
                         NvmeFeatReject *r)
{
    uint16_t status = NVME_SUCCESS;
    uint32_t iv;
    bool under;

    *val = 0;
    switch (fid) {
    case NVME_ARBITRATION:
        *val = f->arbitration;
        break;
    case NVME_POWER_MANAGEMENT:
        *val = f->power_mgmt;
        break;
    case NVME_TEMPERATURE_THRESHOLD:
        status = nvme_feat_temp_sel(dw11, &under, r);
        if (!status) {
            *val = under ? f->temp_under : f->temp_over;
        }
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
        status = nvme_feat_vector(dw11, l, &iv, r);
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
    }
    return status;
}

/*
 * Number of Queues: NSQR and NCQR (0-based) of 65535 are invalid; the
 * controller grants at most what it has.  Only before any I/O queue
 * exists (@ioqs_exist: Command Sequence Error, no field to point at).
 */
static uint16_t nvme_feat_set_nq(NvmeFeatures *f, uint32_t dw11,
                                 const NvmeFeatLimits *l, bool ioqs_exist,
                                 NvmeFeatReject *r)
{
    uint32_t nsqr = dw11 & 0xffff, ncqr = dw11 >> 16;

    if (nsqr == 0xffff || ncqr == 0xffff) {
        return nvme_feat_invalid(r, 44, 0, "65536 queues requested");
    }
    if (ioqs_exist) {
        *r = (NvmeFeatReject) { .why = "I/O queues exist" };
        return NVME_CMD_SEQ_ERROR | NVME_DNR;
    }
    f->nq = MIN(nsqr, l->max_ioq) | (MIN(ncqr, l->max_ioq) << 16);
    f->nq_set = true;
    return NVME_SUCCESS;
}

/*
 * Set Features of @fid with CDW11 @dw11 into the current values @f, for
 * the features whose value is CDW11 (not Timestamp, Host Behavior
 * Support, the reservation features).
 */
uint16_t nvme_feat_set(NvmeFeatures *f, uint8_t fid, uint32_t dw11,
                       const NvmeFeatLimits *l, bool ioqs_exist,
                       NvmeFeatReject *r)
{
    uint16_t status;
    uint32_t iv;
    bool under;

    switch (fid) {
    case NVME_ARBITRATION:
        f->arbitration = dw11 & NVME_ARB_MASK;
        return NVME_SUCCESS;
    case NVME_POWER_MANAGEMENT:
        if (dw11 & NVME_PS_MASK) {
            return nvme_feat_invalid(r, 44, 0, "only power state 0 exists");
        }
        f->power_mgmt = dw11 & NVME_PM_WH_MASK;
        return NVME_SUCCESS;
    case NVME_TEMPERATURE_THRESHOLD:
        status = nvme_feat_temp_sel(dw11, &under, r);
        if (!status) {
            *(under ? &f->temp_under : &f->temp_over) = NVME_TEMP_TMPTH(dw11);
        }
        return status;
    case NVME_ERROR_RECOVERY:
        if (NVME_ERR_REC_DULBE(dw11)) {
            return nvme_feat_invalid(r, 46, 0, "DULBE: no such errors");
        }
        f->err_rec = NVME_ERR_REC_TLER(dw11);
        return NVME_SUCCESS;
    case NVME_VOLATILE_WRITE_CACHE:
        if ((dw11 & 1) && !l->vwc) {
            return nvme_feat_invalid(r, 44, 0, "no volatile write cache");
        }
        f->vwc = dw11 & 1;
        return NVME_SUCCESS;
    case NVME_NUMBER_OF_QUEUES:
        return nvme_feat_set_nq(f, dw11, l, ioqs_exist, r);
    case NVME_INTERRUPT_COALESCING:
        f->int_coalescing = dw11 & 0xffff;
        return NVME_SUCCESS;
    case NVME_INTERRUPT_VECTOR_CONF:
        status = nvme_feat_vector(dw11, l, &iv, r);
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
        return NVME_SUCCESS;
    case NVME_COMMAND_SET_PROFILE:
        /* Identify CNS 1Ch lists one combination: index 0, NVM */
        if (dw11 & NVME_CSP_INDEX_MASK) {
            *r = (NvmeFeatReject) { 44, 0,
                                    "no such I/O Command Set combination" };
            return NVME_IOCS_COMBINATION_REJECTED | NVME_DNR;
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
        return NVME_SUCCESS;
    }
    return nvme_feat_invalid(r, 40, 0, "feature not set from CDW11");
}

/*
 * Host Behavior Support data: ACRE 0 or 1 (the controller never asks for
 * a retry delay, so either is fine); ETDAS stays 0 (no telemetry data
 * area 4); LBAFEE 0 or 1: Identify Controller CTRATT bit 15 (ELBAS)
 * announces the field (Linux sets it whenever ELBAS is set), and with at
 * most 16 LBA formats either value leaves them as they are.  The field
 * is in the data, not the command: no location.  Later bytes are
 * reserved.
 */
uint16_t nvme_feat_hbs_check(const uint8_t *data, NvmeFeatReject *r)
{
    const char *why = NULL;

    if (data[0] > 1) {
        why = "ACRE is neither 0 nor 1";
    } else if (data[1]) {
        why = "ETDAS: no telemetry";
    } else if (data[2] > 1) {
        why = "LBAFEE is neither 0 nor 1";
    }
    if (why) {
        *r = (NvmeFeatReject) { .why = why };
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/*
 * The zone state machine of the Zoned Namespace Command Set: states,
 * transitions, open/active/ZRWA resources and the rules for where a write
 * may go, as pure functions (see zns-sm.h).  The callers in zns.c hold
 * the locks.
 *
 * Zone states: Empty, Implicitly Opened, Explicitly Opened, Closed, Full,
 * Read Only and Offline.  Open zones hold an open and an active resource,
 * closed ones an active resource; a zone with a Zone Random Write Area
 * also holds a ZRWA resource until it becomes Full or Empty.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "zns-sm.h"

/* Context: any. */
bool nvme_zsm_is_open(uint8_t state)
{
    return state == NVME_ZONE_STATE_IMPLICITLY_OPEN ||
           state == NVME_ZONE_STATE_EXPLICITLY_OPEN;
}

/* Context: any. */
bool nvme_zsm_is_active(uint8_t state)
{
    return nvme_zsm_is_open(state) || state == NVME_ZONE_STATE_CLOSED;
}

/* Context: any.  The states each Select All action works on. */
bool nvme_zsm_select_all(NvmeZsmAction a, uint8_t state)
{
    switch (a) {
    case NVME_ZSM_OPEN:
        return state == NVME_ZONE_STATE_CLOSED;
    case NVME_ZSM_CLOSE:
        return nvme_zsm_is_open(state);
    case NVME_ZSM_FINISH:
        return nvme_zsm_is_active(state);
    case NVME_ZSM_RESET:
        return nvme_zsm_is_active(state) || state == NVME_ZONE_STATE_FULL;
    case NVME_ZSM_OFFLINE:
        return state == NVME_ZONE_STATE_READ_ONLY;
    default:
        return false;
    }
}

/* Context: any.  Zone Management Receive reporting options (ZRASF). */
bool nvme_zsm_report_match(uint8_t zrasf, uint8_t state)
{
    static const uint8_t want[] = {
        0, NVME_ZONE_STATE_EMPTY, NVME_ZONE_STATE_IMPLICITLY_OPEN,
        NVME_ZONE_STATE_EXPLICITLY_OPEN, NVME_ZONE_STATE_CLOSED,
        NVME_ZONE_STATE_FULL, NVME_ZONE_STATE_READ_ONLY,
        NVME_ZONE_STATE_OFFLINE,
    };

    return zrasf == 0 || (zrasf < ARRAY_SIZE(want) && want[zrasf] == state);
}

/*
 * Context: any.  Take the resources a transition needs, all or none;
 * the active limit is checked first and the open limit last, so
 * NVME_ZONE_TOO_MANY_OPEN means only an open resource is missing.
 */
static uint16_t nvme_zsm_take(NvmeZoneRes *r, bool active, bool open,
                              bool zrwa)
{
    if (active && r->max_active && r->active >= r->max_active) {
        return NVME_ZONE_TOO_MANY_ACTIVE;
    }
    if (zrwa && r->zrwa >= r->max_zrwa) {
        return NVME_NOZRWA;
    }
    if (open && r->max_open && r->open >= r->max_open) {
        return NVME_ZONE_TOO_MANY_OPEN;
    }
    r->active += active;
    r->open += open;
    r->zrwa += zrwa;
    return 0;
}

/* Context: any.  Give back what a zone in its current state holds. */
static void nvme_zsm_release(NvmeZoneRes *r, NvmeZoneSm *z)
{
    if (nvme_zsm_is_open(z->state)) {
        r->open--;
    }
    if (nvme_zsm_is_active(z->state)) {
        r->active--;
    }
    if (z->attrs & NVME_ZA_ZRWA_VALID) {
        r->zrwa--;
        z->attrs &= ~NVME_ZA_ZRWA_VALID;
    }
}

/* Context: any.  Open Zone, with or without ZRWA allocation. */
static uint16_t nvme_zsm_open(NvmeZoneRes *r, NvmeZoneSm *z, bool zrwa)
{
    uint16_t status;

    zrwa = zrwa && !(z->attrs & NVME_ZA_ZRWA_VALID);
    switch (z->state) {
    case NVME_ZONE_STATE_EMPTY:
        status = nvme_zsm_take(r, true, true, zrwa);
        break;
    case NVME_ZONE_STATE_CLOSED:
    case NVME_ZONE_STATE_IMPLICITLY_OPEN:
    case NVME_ZONE_STATE_EXPLICITLY_OPEN:
        if (zrwa) {
            /* a ZRWA starts at the first LBA of an empty zone */
            return NVME_ZONE_INVAL_TRANSITION;
        }
        status = nvme_zsm_take(r, false,
                               z->state == NVME_ZONE_STATE_CLOSED, false);
        break;
    default:
        return NVME_ZONE_INVAL_TRANSITION;
    }
    if (status) {
        return status;
    }
    z->state = NVME_ZONE_STATE_EXPLICITLY_OPEN;
    if (zrwa) {
        z->attrs |= NVME_ZA_ZRWA_VALID;
    }
    return 0;
}

/* Context: any.  A write needs the zone open. */
static uint16_t nvme_zsm_write_open(NvmeZoneRes *r, NvmeZoneSm *z)
{
    uint16_t status;

    switch (z->state) {
    case NVME_ZONE_STATE_EMPTY:
        status = nvme_zsm_take(r, true, true, false);
        break;
    case NVME_ZONE_STATE_CLOSED:
        status = nvme_zsm_take(r, false, true, false);
        break;
    case NVME_ZONE_STATE_IMPLICITLY_OPEN:
    case NVME_ZONE_STATE_EXPLICITLY_OPEN:
        return 0;
    case NVME_ZONE_STATE_FULL:
        return NVME_ZONE_FULL;
    case NVME_ZONE_STATE_READ_ONLY:
        return NVME_ZONE_READ_ONLY;
    default:
        return NVME_ZONE_OFFLINE;
    }
    if (!status) {
        z->state = NVME_ZONE_STATE_IMPLICITLY_OPEN;
    }
    return status;
}

/* Context: any.  Enter Full; the write pointer is no longer reported. */
static void nvme_zsm_full(const NvmeZoneGeo *g, NvmeZoneRes *r,
                          NvmeZoneSm *z, uint64_t zslba)
{
    nvme_zsm_release(r, z);
    z->state = NVME_ZONE_STATE_FULL;
    z->wp = zslba + g->zcap;
    z->attrs &= ~(NVME_ZA_FINISH_RECOMMENDED | NVME_ZA_FINISHED_BY_CTLR);
}

/* Context: any. */
uint16_t nvme_zsm_apply(const NvmeZoneGeo *g, NvmeZoneRes *r, NvmeZoneSm *z,
                        uint64_t zslba, NvmeZsmAction a)
{
    uint8_t s = z->state;
    uint16_t status;

    switch (a) {
    case NVME_ZSM_OPEN:
    case NVME_ZSM_OPEN_ZRWA:
        return nvme_zsm_open(r, z, a == NVME_ZSM_OPEN_ZRWA);
    case NVME_ZSM_WRITE:
        return nvme_zsm_write_open(r, z);
    case NVME_ZSM_CLOSE:
        if (s == NVME_ZONE_STATE_CLOSED) {
            return 0;
        }
        if (!nvme_zsm_is_open(s)) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        r->open--;
        z->state = NVME_ZONE_STATE_CLOSED;
        return 0;
    case NVME_ZSM_FINISH:
        if (s == NVME_ZONE_STATE_FULL) {
            return 0;
        }
        if (s != NVME_ZONE_STATE_EMPTY && !nvme_zsm_is_active(s)) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        nvme_zsm_full(g, r, z, zslba);
        return 0;
    case NVME_ZSM_FILL:
        nvme_zsm_full(g, r, z, zslba);
        return 0;
    case NVME_ZSM_RESET:
        if (s != NVME_ZONE_STATE_EMPTY && s != NVME_ZONE_STATE_FULL &&
            !nvme_zsm_is_active(s)) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        nvme_zsm_release(r, z);
        z->state = NVME_ZONE_STATE_EMPTY;
        z->wp = zslba;
        z->attrs = 0;
        return 0;
    case NVME_ZSM_OFFLINE:
        if (s != NVME_ZONE_STATE_READ_ONLY && s != NVME_ZONE_STATE_OFFLINE) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        z->state = NVME_ZONE_STATE_OFFLINE;
        z->attrs = 0;
        return 0;
    case NVME_ZSM_SET_ZDE:
        if (s != NVME_ZONE_STATE_EMPTY) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        status = nvme_zsm_take(r, true, false, false);
        if (!status) {
            z->state = NVME_ZONE_STATE_CLOSED;
            z->attrs |= NVME_ZA_ZD_EXT_VALID;
        }
        return status;
    case NVME_ZSM_MAKE_READ_ONLY:
        if (s == NVME_ZONE_STATE_OFFLINE) {
            return NVME_ZONE_INVAL_TRANSITION;
        }
        nvme_zsm_release(r, z);
        z->state = NVME_ZONE_STATE_READ_ONLY;
        return 0;
    case NVME_ZSM_MAKE_OFFLINE:
        nvme_zsm_release(r, z);
        z->state = NVME_ZONE_STATE_OFFLINE;
        z->attrs = 0;
        return 0;
    case NVME_ZSM_POWER_ON:
        if (nvme_zsm_is_open(s)) {
            r->open--;
            z->state = NVME_ZONE_STATE_CLOSED;
        }
        return 0;
    }
    return NVME_INVALID_FIELD;
}

/* Context: any.  Zone Random Write Area: anywhere in the window. */
static uint16_t nvme_zsm_write_zrwa(const NvmeZoneGeo *g,
                                    const NvmeZoneSm *z, uint64_t zend,
                                    uint64_t slba, uint64_t nlb,
                                    NvmeZsmWrite *w)
{
    uint64_t win_end = MIN(z->wp + g->zrwas, zend);
    uint64_t izfr_end = MIN(z->wp + 2 * g->zrwas, zend);

    if (slba < z->wp) {
        return NVME_ZONE_INVALID_WRITE;
    }
    if (slba >= zend || nlb > zend - slba) {
        return NVME_ZONE_BOUNDARY_ERROR;
    }
    if (slba + nlb > izfr_end) {
        return NVME_ZONE_INVALID_WRITE;
    }
    w->new_wp = z->wp;
    if (slba + nlb > win_end) {
        /* implicit flush: the window moves in ZRWAFG units to cover it */
        w->new_wp += ROUND_UP(slba + nlb - win_end, g->zrwafg);
        w->new_wp = MIN(w->new_wp, zend);
    }
    return 0;
}

/* Context: any. */
uint16_t nvme_zsm_write_check(const NvmeZoneGeo *g, const NvmeZoneSm *z,
                              uint64_t zslba, uint64_t slba, uint64_t nlb,
                              bool append, NvmeZsmWrite *w)
{
    uint64_t zend = zslba + g->zcap;
    uint16_t status;

    switch (z->state) {
    case NVME_ZONE_STATE_FULL:
        return NVME_ZONE_FULL;
    case NVME_ZONE_STATE_READ_ONLY:
        return NVME_ZONE_READ_ONLY;
    case NVME_ZONE_STATE_OFFLINE:
        return NVME_ZONE_OFFLINE;
    }
    if (append) {
        if (z->attrs & NVME_ZA_ZRWA_VALID) {
            return NVME_INVALID_ZONE_OP;
        }
        slba = z->wp;
    }
    if (z->attrs & NVME_ZA_ZRWA_VALID) {
        status = nvme_zsm_write_zrwa(g, z, zend, slba, nlb, w);
        if (status) {
            return status;
        }
    } else {
        if (slba != z->wp) {
            return NVME_ZONE_INVALID_WRITE;
        }
        if (nlb > zend - slba) {
            return NVME_ZONE_BOUNDARY_ERROR;
        }
        w->new_wp = slba + nlb;
    }
    w->slba = slba;
    w->open = !nvme_zsm_is_open(z->state);
    w->fill = w->new_wp == zend;
    return 0;
}

/* Context: any. */
uint16_t nvme_zsm_zrwa_flush(const NvmeZoneGeo *g, const NvmeZoneSm *z,
                             uint64_t zslba, uint64_t elba, uint64_t *new_wp)
{
    uint64_t zend = zslba + g->zcap;

    if (!(z->attrs & NVME_ZA_ZRWA_VALID) || !nvme_zsm_is_active(z->state)) {
        return NVME_INVALID_ZONE_OP;
    }
    if (elba < z->wp || elba >= MIN(z->wp + g->zrwas, zend)) {
        return NVME_ZONE_BOUNDARY_ERROR;
    }
    if ((elba + 1 - z->wp) % g->zrwafg && elba + 1 != zend) {
        return NVME_INVALID_FIELD;
    }
    *new_wp = elba + 1;
    return 0;
}

/* Context: any.  Full, read only and offline zones have no write pointer. */
uint64_t nvme_zsm_report_wp(const NvmeZoneSm *z)
{
    switch (z->state) {
    case NVME_ZONE_STATE_FULL:
    case NVME_ZONE_STATE_READ_ONLY:
    case NVME_ZONE_STATE_OFFLINE:
        return UINT64_MAX;
    }
    return z->wp;
}

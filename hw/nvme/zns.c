/*
 * Zoned namespaces (NVMe Zoned Namespace Command Set, CSI 02h): the
 * nvme-ns "zoned" properties, Identify data, the zone rules of the NVM
 * I/O commands, Zone Append, Zone Management Send and Receive, and the
 * Changed Zone List log.  The commands of the set are in zns-cmd.c.
 *
 * Locking: the state machine (zns-sm.c) runs under the locks of
 * include/hw/nvme/zns.h.  A write to an open zone that does not fill it
 * only takes that zone's spinlock, so writes and appends to different
 * zones never wait for each other; opening, closing, filling a zone or
 * any other change of state also takes the namespace's res_lock first
 * (open and active resources are namespace-wide).  Code holding res_lock
 * may lock a second zone (closing an implicitly opened zone to make room,
 * Select All); nothing else ever holds two zone locks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "system/block-backend.h"
#include "ctrl.h"
#include "dma.h"
#include "event.h"
#include "id-ctrl.h"
#include "id-ns.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "subsys.h"
#include "zns-sm.h"
#include "zns.h"
#include "trace.h"


static void nvme_zns_limit_tick(void *opaque);
static void nvme_zns_mig_free(NvmeZonedMig *m);

/* Context: any.  Zoned namespaces are in this build (zns-stub.c: not). */
bool nvme_zns_built(void)
{
    return true;
}

/* ---- properties and geometry ---- */

/* Context: main loop (realize).  Checks that need no block size. */
bool nvme_zns_check_params(const NvmeZonedParams *p, Error **errp)
{
    if (p->zone_capacity > p->zone_size) {
        error_setg(errp, "nvme-ns: zone capacity %" PRIu64 "B exceeds zone "
                   "size %" PRIu64 "B", p->zone_capacity, p->zone_size);
        return false;
    }
    if (p->descr_ext_size % 64 || p->descr_ext_size > 255 * 64) {
        error_setg(errp, "nvme-ns: zone descriptor extension size must be "
                   "a multiple of 64B, at most 16320B");
        return false;
    }
    if (p->max_active && p->max_open > p->max_active) {
        error_setg(errp, "nvme-ns: max_open_zones (%" PRIu32 ") exceeds "
                   "max_active_zones (%" PRIu32 ")", p->max_open,
                   p->max_active);
        return false;
    }
    if (p->numzrwa && p->max_active && p->numzrwa > p->max_active) {
        error_setg(errp, "nvme-ns: zoned.numzrwa (%" PRIu32 ") exceeds "
                   "zoned.max_active (%" PRIu32 ")", p->numzrwa,
                   p->max_active);
        return false;
    }
    if (p->numzrwa && !p->zrwas) {
        error_setg(errp, "nvme-ns: zoned.numzrwa needs zoned.zrwas, the "
                   "size of a Zone Random Write Area");
        return false;
    }
    return true;
}

/*
 * Context: main loop.  The geometry in blocks of @lbasz bytes, or an
 * error naming the property that does not fit.
 */
static bool nvme_zns_geometry(const NvmeZonedParams *p, uint32_t lbasz,
                              NvmeZoneGeo *g, Error **errp)
{
    uint64_t fg = p->zrwafg == UINT64_MAX ? lbasz : p->zrwafg;

    *g = (NvmeZoneGeo) {
        .zsze = p->zone_size / lbasz,
        .zcap = (p->zone_capacity ? p->zone_capacity : p->zone_size) / lbasz,
    };
    if (!g->zcap) {
        error_setg(errp, "nvme-ns: zone size and capacity must be at least "
                   "one block (%" PRIu32 "B)", lbasz);
        return false;
    }
    if (!p->numzrwa) {
        return true;
    }
    if (p->zrwas % lbasz || fg % lbasz || !fg || p->zrwas % fg) {
        error_setg(errp, "nvme-ns: zoned.zrwas (%" PRIu64 "B) must be a "
                   "multiple of zoned.zrwafg (%" PRIu64 "B), itself a "
                   "multiple of the block size", p->zrwas, fg);
        return false;
    }
    g->zrwas = p->zrwas / lbasz;
    g->zrwafg = fg / lbasz;
    if (g->zrwas > UINT16_MAX || g->zrwas > g->zcap ||
        g->zcap % g->zrwafg) {
        error_setg(errp, "nvme-ns: the ZRWA (%" PRIu64 " blocks) must fit "
                   "in a zone's capacity, which must be a multiple of "
                   "zoned.zrwafg, and in 65535 blocks", g->zrwas);
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize).  Make @ns zoned: the zones fill the
 * image but for the area holding their state (zns-store.c), which also
 * loads the state kept there.
 */
bool nvme_zns_ns_setup(NvmeNamespace *ns, const NvmeZonedParams *p,
                       Error **errp)
{
    NvmeZoned *zd;

    if (!p->zoned) {
        return true;
    }
    if (!nvme_zns_check_params(p, errp)) {
        return false;
    }
    zd = g_new0(NvmeZoned, 1);
    zd->conf = *p;
    zd->zdes = p->descr_ext_size;
    if (!nvme_zns_geometry(p, ns->lbasz, &zd->geo, errp)) {
        g_free(zd);
        return false;
    }
    if (!is_power_of_2(zd->geo.zsze)) {
        warn_report("nvme-ns: zone size of %" PRIu64 " blocks is not a power "
                    "of two; Linux will not use the namespace", zd->geo.zsze);
    }
    zd->res = (NvmeZoneRes) {
        .max_open = p->max_open, .max_active = p->max_active,
        .max_zrwa = p->numzrwa,
    };
    qemu_mutex_init(&zd->res_lock);
    QTAILQ_INIT(&zd->imp_open);
    ns->zoned = zd;
    if (!nvme_zns_store_open(ns, errp)) {
        nvme_zns_ns_cleanup(ns);
        return false;
    }
    if (p->frl || p->rrl) {
        zd->limit_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL,
                                       nvme_zns_limit_tick, ns);
        timer_mod(zd->limit_timer,
                  qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) + 1000);
    }
    trace_nvme_zns_setup(ns->nsid, zd->geo.nr_zones, zd->geo.zsze,
                         zd->geo.zcap);
    return true;
}

/* Context: main loop (unrealize, failed realize). */
void nvme_zns_ns_cleanup(NvmeNamespace *ns)
{
    NvmeZoned *zd = ns->zoned;

    if (!zd) {
        return;
    }
    nvme_zns_mig_free(&zd->mig);
    nvme_zns_store_close(ns);
    if (zd->limit_timer) {
        timer_free(zd->limit_timer);
    }
    qemu_mutex_destroy(&zd->res_lock);
    g_free(zd->zones);
    g_free(zd->ext);
    g_free(zd);
    ns->zoned = NULL;
}

/*
 * Context: main loop.  Whether the zones fit LBA format @lbaf (Format
 * NVM): at least a block per zone, ZRWA sizes in whole blocks.
 */
bool nvme_zns_format_ok(NvmeNamespace *ns, unsigned lbaf)
{
    NvmeZoneGeo g;
    Error *err = NULL;
    bool ok = nvme_zns_geometry(&ns->zoned->conf,
                                1u << nvme_ns_lbaf_ds(ns, lbaf), &g, &err);

    error_free(err);
    return ok;
}

/*
 * Context: main loop, I/O quiesced.  Format NVM or Sanitize: the geometry
 * in the new block size (nvme_zns_format_ok() checked it), every zone
 * Empty.
 */
void nvme_zns_format(NvmeNamespace *ns)
{
    nvme_zns_geometry(&ns->zoned->conf, ns->lbasz, &ns->zoned->geo,
                      &error_abort);
    nvme_zns_store_format(ns);
}

/*
 * Context: main loop (realize of a zoned namespace's controller).  ZASL
 * (2^n pages of 4 KiB) may not exceed MDTS.
 */
bool nvme_zns_ctrl_check(NvmeCtrl *n, Error **errp)
{
    uint8_t zasl = n->params.zoned.zasl;

    if (zasl && n->params.mdts && zasl > n->params.mdts) {
        error_setg(errp, "nvme: zoned.zasl (Zone Append Size Limit) must be "
                   "less than or equal to mdts (Maximum Data Transfer Size)");
        return false;
    }
    return true;
}

/* Context: any.  Zone Append size limit in bytes. */
uint64_t nvme_zns_zasl_bytes(NvmeCtrl *n)
{
    uint8_t zasl = n->params.zoned.zasl;

    return zasl ? 4096ull << zasl : nvme_mdts_bytes(n);
}

/* ---- Identify ---- */

/*
 * Context: main loop.  CNS 05h CSI 02h: Zoned Identify Namespace of @ns
 * into @buf (id-ns.c builds it from the zone parameters and geometry).
 */
void nvme_zns_fill_id_ns(NvmeNamespace *ns, void *buf)
{
    NvmeZoned *zd = ns->zoned;
    const NvmeZonedParams *p = &zd->conf;
    NvmeIdNsZonedIn z = {
        .cross_read = p->cross_read,
        .max_active = p->max_active,
        .max_open = p->max_open,
        .rrl = p->rrl,
        .frl = p->frl,
        .numzrwa = p->numzrwa,
        .zrwafg = zd->geo.zrwafg,
        .zrwas = zd->geo.zrwas,
        .zone_size = p->zone_size,
        .zdes = zd->zdes,
    };
    NvmeIdNsIn in;

    nvme_ns_id_in(ns, &in);
    nvme_id_ns_zoned_build(buf, &in, &z);
}

/* Context: main loop.  CNS 06h CSI 02h: ZASL, in MPSMIN units as MDTS. */
uint16_t nvme_zns_identify_ctrl(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeIdCtrlZoned id;

    nvme_id_ctrl_zoned_build(&id, n->params.zoned.zasl, n->params.mdts);
    return nvme_dma_to_guest(n, req, &id, sizeof(id));
}

/* ---- zone state changes ---- */

/* Context: any, res_lock held.  Keep the implicitly opened zones list. */
static void nvme_zns_lru_update(NvmeZoned *zd, NvmeZone *z)
{
    bool imp = z->sm.state == NVME_ZONE_STATE_IMPLICITLY_OPEN;

    if (imp && !z->on_lru) {
        QTAILQ_INSERT_TAIL(&zd->imp_open, z, lru);
    } else if (!imp && z->on_lru) {
        QTAILQ_REMOVE(&zd->imp_open, z, lru);
    }
    z->on_lru = imp;
}

/*
 * Context: any, res_lock and @z's lock held.  Apply @a to @z and keep the
 * books (implicitly open list, dirty flag).
 */
uint16_t nvme_zns_apply(NvmeZoned *zd, NvmeZone *z, NvmeZsmAction a)
{
    uint32_t idx = z - zd->zones;
    uint8_t old = z->sm.state;
    uint16_t status;

    status = nvme_zsm_apply(&zd->geo, &zd->res, &z->sm,
                            nvme_zns_zslba(zd, idx), a);
    if (!status) {
        uint8_t new = z->sm.state;

        if (nvme_zsm_is_active(new) != nvme_zsm_is_active(old) ||
            (new == NVME_ZONE_STATE_FULL && old != new)) {
            z->since_ms = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);
        }
        nvme_zns_lru_update(zd, z);
        nvme_zns_mark_dirty(zd, z);
        trace_nvme_zns_transition(idx, old, z->sm.state, a);
    }
    return status;
}

/*
 * Context: any, res_lock and @z's lock (if any) held.  Close the
 * implicitly opened zone opened longest ago (not @z) to free an open
 * resource.
 */
bool nvme_zns_close_implicit(NvmeZoned *zd, NvmeZone *z)
{
    NvmeZone *v;

    QTAILQ_FOREACH(v, &zd->imp_open, lru) {
        if (v != z) {
            qemu_spin_lock(&v->lock);
            nvme_zns_apply(zd, v, NVME_ZSM_CLOSE);
            qemu_spin_unlock(&v->lock);
            return true;
        }
    }
    return false;
}

/*
 * Context: any, res_lock and @z's lock held.  Apply an opening action;
 * with zoned.auto_transition, implicitly opened zones are closed while
 * an open resource is all that is missing.
 */
uint16_t nvme_zns_open_apply(NvmeCtrl *n, NvmeZoned *zd, NvmeZone *z,
                             NvmeZsmAction a)
{
    uint16_t status = nvme_zns_apply(zd, z, a);

    while (status == NVME_ZONE_TOO_MANY_OPEN &&
           n->params.zoned.auto_transition &&
           nvme_zns_close_implicit(zd, z)) {
        status = nvme_zns_apply(zd, z, a);
    }
    return status;
}

/* Context: any.  Fail @req with a zone status (DNR set). */
static uint16_t nvme_zns_reject(NvmeRequest *req, uint16_t status,
                                uint64_t lba, unsigned byte, const char *why)
{
    req->err_lba = lba;
    return nvme_req_reject(req, status | NVME_DNR, byte, 0, why);
}

/* ---- the zone rules of I/O commands ---- */

/*
 * Context: queue.  Reads (Read, Compare, Verify, Copy sources): no
 * offline zone, and within one zone unless zoned.cross_read.
 */
uint16_t nvme_zns_read_check(NvmeRequest *req, uint64_t slba, uint64_t nlb)
{
    NvmeZoned *zd = req->ns->zoned;
    uint32_t first = nvme_zns_zidx(zd, slba);
    uint32_t last = nvme_zns_zidx(zd, slba + nlb - 1);

    if (first != last && !zd->conf.cross_read) {
        return nvme_zns_reject(req, NVME_ZONE_BOUNDARY_ERROR, slba, 40,
                               "zoned: read across a zone boundary");
    }
    for (uint32_t i = first; i <= last; i++) {
        if (qatomic_read(&zd->zones[i].sm.state) == NVME_ZONE_STATE_OFFLINE) {
            return nvme_zns_reject(req, NVME_ZONE_OFFLINE,
                                   nvme_zns_zslba(zd, i), 40,
                                   "zoned: read of an offline zone");
        }
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Deallocation (DSM) leaves write pointers alone but
 * may not touch read only or offline zones.
 */
uint16_t nvme_zns_modify_check(NvmeRequest *req, uint64_t slba, uint64_t nlb)
{
    NvmeZoned *zd = req->ns->zoned;
    uint32_t last = nvme_zns_zidx(zd, slba + nlb - 1);

    for (uint32_t i = nvme_zns_zidx(zd, slba); i <= last; i++) {
        uint8_t s = qatomic_read(&zd->zones[i].sm.state);

        if (s == NVME_ZONE_STATE_OFFLINE || s == NVME_ZONE_STATE_READ_ONLY) {
            return nvme_zns_reject(req, s == NVME_ZONE_STATE_OFFLINE ?
                                   NVME_ZONE_OFFLINE : NVME_ZONE_READ_ONLY,
                                   nvme_zns_zslba(zd, i), 40,
                                   "zoned: deallocation in a read only or "
                                   "offline zone");
        }
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue.  A write that opens or fills its zone: under res_lock,
 * checked again since the zone may have changed.
 */
static uint16_t nvme_zns_write_slow(NvmeRequest *req, NvmeZone *z,
                                    uint64_t *slba, uint64_t nlb, bool append)
{
    NvmeZoned *zd = req->ns->zoned;
    uint64_t zslba = nvme_zns_zslba(zd, z - zd->zones);
    NvmeZsmWrite w;
    uint16_t status;

    qemu_mutex_lock(&zd->res_lock);
    qemu_spin_lock(&z->lock);
    status = nvme_zsm_write_check(&zd->geo, &z->sm, zslba, *slba, nlb,
                                  append, &w);
    if (!status && w.open) {
        status = nvme_zns_open_apply(nvme_req_ctrl(req), zd, z,
                                     NVME_ZSM_WRITE);
    }
    if (!status) {
        z->sm.wp = w.new_wp;
        nvme_zns_mark_dirty(zd, z);
        if (w.fill) {
            nvme_zns_apply(zd, z, NVME_ZSM_FILL);
        }
        *slba = w.slba;
    }
    qemu_spin_unlock(&z->lock);
    qemu_mutex_unlock(&zd->res_lock);
    return status;
}

/*
 * Context: queue.  Admit a write (Write, Write Zeroes, Write
 * Uncorrectable, Copy destination, Zone Append) of @nlb blocks at *@slba
 * and move the write pointer past it; for Zone Append *@slba becomes
 * where it writes.  Call it last, once nothing else can fail the command
 * before its data goes to the backend.
 */
uint16_t nvme_zns_write_admit(NvmeRequest *req, uint64_t *slba, uint64_t nlb,
                              bool append)
{
    NvmeZoned *zd = req->ns->zoned;
    NvmeZone *z = &zd->zones[nvme_zns_zidx(zd, *slba)];
    uint64_t zslba = nvme_zns_zslba(zd, z - zd->zones);
    uint64_t want = *slba;
    NvmeZsmWrite w;
    uint16_t status;

    if (req->zns_admitted) {
        /*
         * Run again after a werror/rerror=stop (ioerr.c), maybe carried
         * by a migration (queue-mig.c): the same place, which a stream
         * could have made anything.
         */
        if (req->zns_lba >= req->ns->nlbas ||
            nlb > req->ns->nlbas - req->zns_lba ||
            nvme_zns_zidx(zd, req->zns_lba) !=
            nvme_zns_zidx(zd, req->zns_lba + nlb - 1)) {
            return nvme_zns_reject(req, NVME_ZONE_BOUNDARY_ERROR, want, 40,
                                   "zoned: carried write out of place");
        }
        *slba = req->zns_lba;
        goto admitted;
    }
    qemu_spin_lock(&z->lock);
    status = nvme_zsm_write_check(&zd->geo, &z->sm, zslba, *slba, nlb,
                                  append, &w);
    if (!status && !w.open && !w.fill) {
        z->sm.wp = w.new_wp;            /* the fast path: one zone lock */
        nvme_zns_mark_dirty(zd, z);
        *slba = w.slba;
    }
    qemu_spin_unlock(&z->lock);
    if (!status && (w.open || w.fill)) {
        status = nvme_zns_write_slow(req, z, slba, nlb, append);
    }
    if (status) {
        return nvme_zns_reject(req, status, want, 40,
                               "zoned: write refused by the zone's state");
    }
    req->zns_admitted = true;
    req->zns_lba = *slba;
admitted:
    if (append) {
        req->result = *slba;            /* DW0-1: where it was written */
        req->dw1 = *slba >> 32;
    }
    /* durable at completion: the zone state too (zns-store.c) */
    req->zns_sync = req->fua || !blk_enable_write_cache(req->ns->blk);
    trace_nvme_zns_write(le16_to_cpu(req->cmd.cid), *slba, nlb);
    return NVME_SUCCESS;
}

/* ---- changes the controller makes: Changed Zone List, notices ---- */

/*
 * Context: main loop, res_lock held.  Zone @idx changed without the host
 * asking: list it in the Changed Zone List (FFFFh once more than 511
 * changed) and raise Zone Descriptor Changed on every controller the
 * namespace is attached to whose AEC bit 27 enables it, unless one is
 * already queued or reported and the log not yet read.
 */
static void nvme_zns_changed(NvmeNamespace *ns, uint32_t idx)
{
    NvmeZoned *zd = ns->zoned;
    uint64_t zslba = nvme_zns_zslba(zd, idx);
    uint32_t i;

    for (i = 0; i < zd->nr_changed && zd->changed[i] != zslba; i++) {
        /* already listed? */
    }
    if (i == zd->nr_changed) {
        if (zd->nr_changed == NVME_CHANGED_ZONES_MAX) {
            zd->changed_overflow = true;
        } else {
            zd->changed[zd->nr_changed++] = zslba;
        }
    }
    trace_nvme_zns_changed(ns->nsid, idx, zd->nr_changed);
    for (unsigned id = 0; ns->subsys && id < NVME_SUBSYS_MAX_CTRLS; id++) {
        NvmeCtrl *n = ns->subsys->ctrls[id];
        bool queued = false;

        if (!n || n->ns[ns->nsid] != ns ||
            !(n->feat.cur.aec & NVME_OAES_ZONE_CHANGED) ||
            (n->aer.masked & (1u << NVME_AER_TYPE_NOTICE))) {
            continue;
        }
        for (uint32_t q = 0; q < n->aer.queued; q++) {
            queued |= n->aer.queue[q].log_page == NVME_LOG_CHANGED_ZONES;
        }
        if (!queued) {
            nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE,
                             NVME_AER_INFO_ZONE_CHANGED,
                             NVME_LOG_CHANGED_ZONES);
        }
    }
}

/*
 * Context: main loop.  The controller changes zone @idx: Read Only or
 * Offline (media the device gave up on), Finish or Reset Recommended.
 * Returns false when the zone's state does not allow it.
 */
static bool nvme_zns_event(NvmeNamespace *ns, uint32_t idx, NvmeZnsEvent ev)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZone *z = &zd->zones[idx];
    uint8_t attr = ev == NVME_ZNS_EV_FINISH_RECOMMENDED ?
                   NVME_ZA_FINISH_RECOMMENDED : NVME_ZA_RESET_RECOMMENDED;
    bool done;

    QEMU_LOCK_GUARD(&zd->res_lock);
    qemu_spin_lock(&z->lock);
    switch (ev) {
    case NVME_ZNS_EV_READ_ONLY:
        done = !nvme_zns_apply(zd, z, NVME_ZSM_MAKE_READ_ONLY);
        break;
    case NVME_ZNS_EV_OFFLINE:
        done = !nvme_zns_apply(zd, z, NVME_ZSM_MAKE_OFFLINE);
        break;
    default:
        done = ev == NVME_ZNS_EV_FINISH_RECOMMENDED ?
               nvme_zsm_is_active(z->sm.state) :
               z->sm.state != NVME_ZONE_STATE_OFFLINE;
        if (done) {
            z->sm.attrs |= attr;
            nvme_zns_mark_dirty(zd, z);
        }
    }
    qemu_spin_unlock(&z->lock);
    if (done) {
        nvme_zns_changed(ns, idx);
    }
    return done;
}

/*
 * Context: main loop (virtual clock timer).  zone-frl / zone-rrl: zones
 * active for FRL seconds get Finish Recommended, zones Full for RRL
 * seconds Reset Recommended.
 */
static void nvme_zns_limit_tick(void *opaque)
{
    NvmeNamespace *ns = opaque;
    NvmeZoned *zd = ns->zoned;
    int64_t now = qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL);

    for (uint32_t i = 0; i < zd->geo.nr_zones; i++) {
        NvmeZone *z = &zd->zones[i];
        uint8_t s = qatomic_read(&z->sm.state);
        int64_t age = now - qatomic_read(&z->since_ms);

        if (zd->conf.frl && nvme_zsm_is_active(s) &&
            !(z->sm.attrs & NVME_ZA_FINISH_RECOMMENDED) &&
            age >= zd->conf.frl * 1000ll) {
            nvme_zns_event(ns, i, NVME_ZNS_EV_FINISH_RECOMMENDED);
        } else if (zd->conf.rrl && s == NVME_ZONE_STATE_FULL &&
                   !(z->sm.attrs & NVME_ZA_RESET_RECOMMENDED) &&
                   age >= zd->conf.rrl * 1000ll) {
            nvme_zns_event(ns, i, NVME_ZNS_EV_RESET_RECOMMENDED);
        }
    }
    timer_mod(zd->limit_timer, now + 1000);
}

/*
 * Context: main loop (qom-set zone-inject).  "<ZSLBA>:<event>": make the
 * controller change that zone as a device would, for testing how a host
 * copes (read-only, offline, finish-recommended, reset-recommended).
 */
bool nvme_zns_inject(NvmeNamespace *ns, const char *spec, Error **errp)
{
    static const char *const names[] = {
        [NVME_ZNS_EV_READ_ONLY] = "read-only",
        [NVME_ZNS_EV_OFFLINE] = "offline",
        [NVME_ZNS_EV_FINISH_RECOMMENDED] = "finish-recommended",
        [NVME_ZNS_EV_RESET_RECOMMENDED] = "reset-recommended",
    };
    NvmeZoned *zd = ns->zoned;
    const char *colon = spec ? strchr(spec, ':') : NULL;
    const char *end = NULL;
    uint64_t zslba;

    if (!zd || !colon || qemu_strtou64(spec, &end, 0, &zslba) ||
        end != colon ||
        zslba >= ns->nlbas || zslba % zd->geo.zsze) {
        error_setg(errp, "nvme-ns: zone-inject takes <zone start LBA>:"
                   "<read-only|offline|finish-recommended|"
                   "reset-recommended> on a zoned namespace");
        return false;
    }
    for (unsigned ev = 0; ev < ARRAY_SIZE(names); ev++) {
        if (!strcmp(colon + 1, names[ev])) {
            if (!nvme_zns_event(ns, nvme_zns_zidx(zd, zslba), ev)) {
                error_setg(errp, "nvme-ns: zone %" PRIu64 " cannot become "
                           "%s in its state", zslba, names[ev]);
                return false;
            }
            return true;
        }
    }
    error_setg(errp, "nvme-ns: unknown zone event '%s'", colon + 1);
    return false;
}

/*
 * Context: main loop.  Changed Zone List (BFh) of the zoned namespace the
 * command's NSID names: the number of zone identifiers (FFFFh: more than
 * 511 changed, report the zones), then the identifiers (ZSLBAs).
 */
size_t nvme_zns_fill_changed_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                                 uint16_t *status)
{
    NvmeNamespace *ns = nvme_ns(n, le32_to_cpu(req->cmd.nsid));
    NvmeZoned *zd = ns ? ns->zoned : NULL;

    if (!zd) {
        *status = nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 4, 0,
                                  "changed zone list: no zoned namespace");
        return 0;
    }
    QEMU_LOCK_GUARD(&zd->res_lock);
    stw_le_p(buf, zd->changed_overflow ? 0xffff : zd->nr_changed);
    for (uint32_t i = 0; !zd->changed_overflow && i < zd->nr_changed; i++) {
        stq_le_p(buf + 8 + 8 * i, zd->changed[i]);
    }
    return 8 + 8 * NVME_CHANGED_ZONES_MAX;
}

/*
 * Context: main loop.  The host read the log without RAE: it starts over
 * and Zone Descriptor Changed may be reported again.
 */
void nvme_zns_changed_log_read(NvmeCtrl *n, uint32_t nsid)
{
    NvmeNamespace *ns = nvme_ns(n, nsid);

    if (ns && ns->zoned) {
        WITH_QEMU_LOCK_GUARD(&ns->zoned->res_lock) {
            ns->zoned->nr_changed = 0;
            ns->zoned->changed_overflow = false;
        }
        nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
    }
}

/* ---- migration ---- */

/* Context: main loop.  Drop the flat copies. */
static void nvme_zns_mig_free(NvmeZonedMig *m)
{
    g_free(m->sm);
    g_free(m->since);
    g_free(m->ext);
    g_free(m->lru);
    m->sm = NULL;
    m->since = NULL;
    m->ext = NULL;
    m->lru = NULL;
    m->nr_zones = m->ext_len = m->nr_lru = 0;
    m->loaded = false;
}

static const VMStateDescription nvme_vmstate_zone = {
    .name = "nvme-zone",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(wp, NvmeZoneSm),
        VMSTATE_UINT8(state, NvmeZoneSm),
        VMSTATE_UINT8(attrs, NvmeZoneSm),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop, VM stopped (queues frozen).  Flat copies. */
static int nvme_zns_pre_save(void *opaque)
{
    NvmeZoned *zd = opaque;
    NvmeZonedMig *m = &zd->mig;
    NvmeZone *z;

    nvme_zns_mig_free(m);
    QEMU_LOCK_GUARD(&zd->res_lock);
    m->nr_zones = zd->geo.nr_zones;
    m->sm = g_new(NvmeZoneSm, m->nr_zones);
    m->since = g_new(int64_t, m->nr_zones);
    for (uint32_t i = 0; i < m->nr_zones; i++) {
        qemu_spin_lock(&zd->zones[i].lock);
        m->sm[i] = zd->zones[i].sm;
        m->since[i] = zd->zones[i].since_ms;
        qemu_spin_unlock(&zd->zones[i].lock);
    }
    m->ext_len = m->nr_zones * zd->zdes;
    m->ext = g_memdup2(zd->ext, m->ext_len);
    QTAILQ_FOREACH(z, &zd->imp_open, lru) {
        m->lru = g_renew(uint32_t, m->lru, m->nr_lru + 1);
        m->lru[m->nr_lru++] = z - zd->zones;
    }
    memcpy(m->changed, zd->changed, sizeof(m->changed));
    m->nr_changed = zd->nr_changed;
    m->changed_overflow = zd->changed_overflow;
    m->store_enabled = zd->store.enabled;
    return 0;
}

static int nvme_zns_post_save(void *opaque)
{
    nvme_zns_mig_free(&((NvmeZoned *)opaque)->mig);
    return 0;
}

static int nvme_zns_pre_load(void *opaque)
{
    nvme_zns_mig_free(&((NvmeZoned *)opaque)->mig);
    return 0;
}

static int nvme_zns_mig_loaded(void *opaque, int version_id)
{
    ((NvmeZoned *)opaque)->mig.loaded = true;
    return 0;
}

/* The counts bound the buffers a load allocates: what this image holds. */
static bool nvme_zns_nr_ok(void *opaque, int version_id)
{
    NvmeZoned *zd = opaque;

    return zd->mig.nr_zones <= zd->store.nr_slots;
}

static bool nvme_zns_ext_ok(void *opaque, int version_id)
{
    NvmeZoned *zd = opaque;

    return zd->mig.ext_len == zd->mig.nr_zones * zd->zdes;
}

static bool nvme_zns_lru_ok(void *opaque, int version_id)
{
    NvmeZoned *zd = opaque;

    return zd->mig.nr_lru <= zd->mig.nr_zones;
}

static const VMStateDescription nvme_vmstate_zoned = {
    .name = "nvme-zoned",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_zns_pre_save,
    .post_save = nvme_zns_post_save,
    .pre_load = nvme_zns_pre_load,
    .post_load = nvme_zns_mig_loaded,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(mig.nr_zones, NvmeZoned),
        VMSTATE_VALIDATE("zones within the image's", nvme_zns_nr_ok),
        NVME_VMSTATE_STRUCT_VARRAY_UINT32_ALLOC(mig.sm, NvmeZoned,
                                                mig.nr_zones,
                                                nvme_vmstate_zone,
                                                NvmeZoneSm),
        VMSTATE_VARRAY_UINT32_ALLOC(mig.since, NvmeZoned, mig.nr_zones, 1,
                                    vmstate_info_int64, int64_t),
        VMSTATE_UINT32(mig.ext_len, NvmeZoned),
        VMSTATE_VALIDATE("a descriptor extension per zone", nvme_zns_ext_ok),
        VMSTATE_VBUFFER_ALLOC_UINT32(mig.ext, NvmeZoned, 0, NULL,
                                     mig.ext_len),
        VMSTATE_UINT32(mig.nr_lru, NvmeZoned),
        VMSTATE_VALIDATE("implicitly open zones within the zones",
                         nvme_zns_lru_ok),
        VMSTATE_VARRAY_UINT32_ALLOC(mig.lru, NvmeZoned, mig.nr_lru, 1,
                                    vmstate_info_uint32, uint32_t),
        VMSTATE_UINT64_ARRAY(mig.changed, NvmeZoned, NVME_CHANGED_ZONES_MAX),
        VMSTATE_UINT32(mig.nr_changed, NvmeZoned),
        VMSTATE_BOOL(mig.changed_overflow, NvmeZoned),
        VMSTATE_BOOL(mig.store_enabled, NvmeZoned),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_zns_ns_needed(void *opaque)
{
    return ((NvmeNamespace *)opaque)->zoned;
}

/* A zoned namespace's stream must meet a zoned namespace. */
static bool nvme_zns_ns_is_zoned(void *opaque, int version_id)
{
    return ((NvmeNamespace *)opaque)->zoned;
}

/*
 * The zones of a zoned namespace: every zone's write pointer, state,
 * attributes and when it entered its state (zone-frl, zone-rrl), the
 * descriptor extensions, the implicitly opened zones in
 * the order they opened, and the Changed Zone List.  The geometry comes
 * from the command line and the LBA format; the open and active counts
 * follow from the states.
 */
const VMStateDescription nvme_vmstate_ns_zoned = {
    .name = "nvme-namespace/zoned",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_zns_ns_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_VALIDATE("the namespace is zoned here too",
                         nvme_zns_ns_is_zoned),
        VMSTATE_STRUCT_POINTER(zoned, NvmeNamespace, nvme_vmstate_zoned,
                               NvmeZoned),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop.  Why zone @i of the stream cannot be, or NULL. */
static const char *nvme_zns_zone_invalid(NvmeZoned *zd, const NvmeZoneGeo *g,
                                         uint32_t i)
{
    const NvmeZoneSm *sm = &zd->mig.sm[i];
    uint64_t zslba = i * g->zsze;
    int64_t since = zd->mig.since[i];

    switch (sm->state) {
    case NVME_ZONE_STATE_EMPTY:
    case NVME_ZONE_STATE_IMPLICITLY_OPEN:
    case NVME_ZONE_STATE_EXPLICITLY_OPEN:
    case NVME_ZONE_STATE_CLOSED:
    case NVME_ZONE_STATE_READ_ONLY:
    case NVME_ZONE_STATE_FULL:
    case NVME_ZONE_STATE_OFFLINE:
        break;
    default:
        return "state";
    }
    if (sm->wp < zslba || sm->wp - zslba > g->zcap ||
        (sm->state == NVME_ZONE_STATE_EMPTY && sm->wp != zslba)) {
        return "write pointer";
    }
    if ((sm->attrs & ~(NVME_ZA_FINISHED_BY_CTLR | NVME_ZA_FINISH_RECOMMENDED |
                       NVME_ZA_RESET_RECOMMENDED | NVME_ZA_ZRWA_VALID |
                       NVME_ZA_ZD_EXT_VALID)) ||
        ((sm->attrs & NVME_ZA_ZRWA_VALID) &&
         (!g->zrwas || !nvme_zsm_is_active(sm->state))) ||
        ((sm->attrs & NVME_ZA_ZD_EXT_VALID) && !zd->zdes)) {
        return "attributes";
    }
    if (since < 0) {
        return "time it entered its state";
    }
    return NULL;
}

/*
 * Context: main loop (the namespace's post_load, its LBA format set).
 * Check the zones a load brought against the geometry of this format
 * and apply them; the state in the image follows at the next write-back.
 */
int nvme_zns_post_load(NvmeNamespace *ns)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZonedMig *m = &zd->mig;
    g_autofree char *who = g_strdup_printf("zoned namespace %u", ns->nsid);
    g_autofree unsigned long *seen = NULL;
    NvmeZoneRes r = zd->res;
    NvmeZoneGeo g;
    Error *err = NULL;
    uint32_t nr_imp = 0;
    int ret = -EINVAL;

    if (!m->loaded) {
        return nvme_mig_bad_dev(who, "its zone state is not in the stream");
    }
    if (!nvme_zns_geometry(&zd->conf, ns->lbasz, &g, &err)) {
        error_free(err);
        ret = nvme_mig_bad_dev(who, "its zones do not fit LBA format %u",
                               ns->lbaf);
        goto out;
    }
    g.nr_zones = nvme_zns_store_nr_zones(ns, &g);
    if (m->nr_zones != g.nr_zones) {
        ret = nvme_mig_bad_dev(who, "%u zones, %" PRIu64 " here",
                               m->nr_zones, g.nr_zones);
        goto out;
    }
    if (m->store_enabled != zd->store.enabled) {
        ret = nvme_mig_bad_dev(who, "its zone state is kept in the image "
                               "on one side only (is one image read-only?)");
        goto out;
    }
    r.open = r.active = r.zrwa = 0;
    for (uint32_t i = 0; i < m->nr_zones; i++) {
        const char *why = nvme_zns_zone_invalid(zd, &g, i);

        if (why) {
            ret = nvme_mig_bad_dev(who, "zone %u: %s (state 0x%x, write "
                                   "pointer %" PRIu64 ", attributes 0x%x)",
                                   i, why, m->sm[i].state, m->sm[i].wp,
                                   m->sm[i].attrs);
            goto out;
        }
        r.open += nvme_zsm_is_open(m->sm[i].state);
        r.active += nvme_zsm_is_active(m->sm[i].state);
        r.zrwa += !!(m->sm[i].attrs & NVME_ZA_ZRWA_VALID);
        nr_imp += m->sm[i].state == NVME_ZONE_STATE_IMPLICITLY_OPEN;
    }
    seen = bitmap_new(m->nr_zones);
    for (uint32_t i = 0; i < m->nr_lru; i++) {
        uint32_t idx = m->lru[i];

        if (idx >= m->nr_zones || test_and_set_bit(idx, seen) ||
            m->sm[idx].state != NVME_ZONE_STATE_IMPLICITLY_OPEN) {
            ret = nvme_mig_bad_dev(who, "implicitly open zone list entry "
                                   "%u: zone %u", i, idx);
            goto out;
        }
    }
    if (m->nr_lru != nr_imp) {
        ret = nvme_mig_bad_dev(who, "%u zones implicitly open, %u listed",
                               nr_imp, m->nr_lru);
        goto out;
    }
    if (m->nr_changed > NVME_CHANGED_ZONES_MAX) {
        ret = nvme_mig_bad_dev(who, "%u changed zones", m->nr_changed);
        goto out;
    }
    for (uint32_t i = 0; i < m->nr_changed; i++) {
        if (m->changed[i] % g.zsze || m->changed[i] / g.zsze >= g.nr_zones) {
            ret = nvme_mig_bad_dev(who, "changed zone %" PRIu64 " is not a "
                                   "zone", m->changed[i]);
            goto out;
        }
    }
    if ((r.max_open && r.open > r.max_open) ||
        (r.max_active && r.active > r.max_active) || r.zrwa > r.max_zrwa) {
        /* as a start with other limits may leave them (zns-store.c) */
        warn_report("nvme-ns %u: %u zones open, %u active, %u with a ZRWA: "
                    "more than zoned.max_open, max_active or numzrwa allow",
                    ns->nsid, r.open, r.active, r.zrwa);
    }

    WITH_QEMU_LOCK_GUARD(&zd->res_lock) {
        QTAILQ_INIT(&zd->imp_open);
        zd->geo = g;
        zd->res = r;
        for (uint32_t i = 0; i < zd->store.nr_slots; i++) {
            NvmeZone *z = &zd->zones[i];

            z->on_lru = false;
            z->sm = i < g.nr_zones ? m->sm[i] : (NvmeZoneSm) {
                .state = NVME_ZONE_STATE_EMPTY, .wp = i * g.zsze,
            };
            z->since_ms = i < g.nr_zones ? m->since[i] : 0;
        }
        for (uint32_t i = 0; i < m->nr_lru; i++) {
            NvmeZone *z = &zd->zones[m->lru[i]];

            QTAILQ_INSERT_TAIL(&zd->imp_open, z, lru);
            z->on_lru = true;
        }
        memset(zd->ext, 0, (size_t)zd->store.nr_slots * zd->zdes);
        memcpy(zd->ext, m->ext, m->ext_len);
        memcpy(zd->changed, m->changed, sizeof(zd->changed));
        zd->nr_changed = m->nr_changed;
        zd->changed_overflow = m->changed_overflow;
    }
    ns->nlbas = g.nr_zones * g.zsze;
    nvme_zns_store_loaded(ns);
    ret = 0;
out:
    nvme_zns_mig_free(m);
    return ret;
}

/*
 * Zone state kept with the data: an area at the end of the namespace's
 * image, past the zones (the zones' blocks and their metadata), holds
 * one 64-byte record per zone (write pointer, state, attributes, CRC-32C)
 * followed by its descriptor extension, and ends with a 4 KiB header
 * (magic, version, geometry, CRC-32C).  The namespace never exposes it.
 *
 * Where the area goes: a fresh image (no header in its last 4 KiB) keeps
 * the zones upstream's device would make of it (image size / zone size)
 * and puts the area in what is left past the last zone, or grows the
 * image by the area's size when that is too little.  An image that
 * cannot grow (read-only, a block device) keeps the state in memory
 * only, as upstream does, with a warning.  A header with a bad checksum
 * or version, or written for another geometry, stops QEMU with an error
 * saying how to start afresh.
 *
 * When it is written: changed records are written back (in one request
 * for the span between the first and the last changed zone) before a
 * Flush command flushes the backend, before a write with FUA or without
 * a volatile write cache completes, and synchronously when the VM stops,
 * at shutdown (CC.SHN) and at unplug.  So the state survives a restart
 * and a kill after a completed Flush.  Write-backs of a namespace run one
 * at a time; requests that arrive meanwhile share the next one.
 *
 * At start, zones that were open become Closed (a restart is a power
 * cycle), and blocks above the write pointer of every closed zone are
 * deallocated: a kill may have left data of writes whose write pointer
 * never reached the image, and such blocks must read as zeroes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/crc32c.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/bitops.h"
#include "qapi/error.h"
#include "block/aio-wait.h"
#include "system/block-backend.h"
#include "ioerr.h"
#include "ns.h"
#include "queue.h"
#include "zns-sm.h"
#include "zns.h"
#include "trace.h"

#define NVME_ZNS_MAGIC      "QEMUNVZS"
#define NVME_ZNS_VERSION    1
#define NVME_ZNS_HDR_SIZE   4096
#define NVME_ZNS_REC_SIZE   64

typedef struct QEMU_PACKED NvmeZnsHeader {
    char magic[8];
    uint32_t version;
    uint32_t crc;               /* CRC-32C of the header, this field 0 */
    uint64_t area_size;         /* bytes, the header included */
    uint64_t zone_size;         /* zone geometry in bytes */
    uint64_t zone_cap;
    uint64_t zrwas;
    uint64_t zrwafg;
    uint32_t nr_slots;          /* zones */
    uint32_t slot_size;         /* record + descriptor extension */
    uint32_t zdes;
    uint8_t rsvd[4028];
} NvmeZnsHeader;

typedef struct QEMU_PACKED NvmeZnsRecord {
    uint64_t wp_off;            /* bytes of the zone below the WP */
    uint8_t state;
    uint8_t attrs;
    uint8_t rsvd[50];
    uint32_t crc;               /* CRC-32C of the bytes before it */
} NvmeZnsRecord;

/* A caller waiting for a write-back (nvme_zns_writeback). */
typedef struct NvmeZnsWaiter {
    void (*cb)(void *opaque, int ret);
    void *opaque;
    AioContext *ctx;
    bool fua;
    int ret;
    QSIMPLEQ_ENTRY(NvmeZnsWaiter) next;
} NvmeZnsWaiter;

/* One write-back request and the waiters it answers. */
typedef struct NvmeZnsBatch {
    NvmeNamespace *ns;
    QSIMPLEQ_HEAD(, NvmeZnsWaiter) waiters;
    uint32_t lo, hi;            /* slots written */
    QEMUIOVector qiov;
} NvmeZnsBatch;

static void nvme_zns_build_checks(void)
{
    QEMU_BUILD_BUG_ON(sizeof(NvmeZnsHeader) != NVME_ZNS_HDR_SIZE);
    QEMU_BUILD_BUG_ON(sizeof(NvmeZnsRecord) != NVME_ZNS_REC_SIZE);
}

/* Context: any.  Bytes of the image one zone takes, metadata included. */
static uint64_t nvme_zns_zone_bytes(NvmeNamespace *ns)
{
    return ns->zoned->geo.zsze * (ns->lbasz + ns->ms);
}

/* Context: main loop.  The header describing this namespace's area. */
static void nvme_zns_header_fill(NvmeNamespace *ns, NvmeZnsHeader *h)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;

    memset(h, 0, sizeof(*h));
    memcpy(h->magic, NVME_ZNS_MAGIC, sizeof(h->magic));
    h->version = cpu_to_le32(NVME_ZNS_VERSION);
    h->area_size = cpu_to_le64(st->area_size);
    h->zone_size = cpu_to_le64(zd->conf.zone_size);
    h->zone_cap = cpu_to_le64(zd->conf.zone_capacity ?
                              zd->conf.zone_capacity : zd->conf.zone_size);
    h->zrwas = cpu_to_le64(zd->conf.zrwas);
    h->zrwafg = cpu_to_le64(zd->conf.zrwafg);
    h->nr_slots = cpu_to_le32(st->nr_slots);
    h->slot_size = cpu_to_le32(st->slot_size);
    h->zdes = cpu_to_le32(zd->zdes);
    h->crc = cpu_to_le32(crc32c(0xffffffff, (uint8_t *)h, sizeof(*h)));
}

/* Context: any, the zone's lock held.  Encode zone @idx into its slot. */
static void nvme_zns_encode(NvmeNamespace *ns, uint32_t idx)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    uint8_t *slot = st->slots + (size_t)idx * st->slot_size;
    NvmeZnsRecord *r = (NvmeZnsRecord *)slot;
    NvmeZoneSm *sm = &zd->zones[idx].sm;

    memset(r, 0, sizeof(*r));
    r->wp_off = cpu_to_le64((sm->wp - nvme_zns_zslba(zd, idx)) << ns->lbads);
    r->state = sm->state;
    r->attrs = sm->attrs;
    r->crc = cpu_to_le32(crc32c(0xffffffff, slot, offsetof(NvmeZnsRecord,
                                                           crc)));
    if (zd->zdes) {             /* no extensions: zd->ext is NULL */
        memcpy(slot + NVME_ZNS_REC_SIZE, zd->ext + (size_t)idx * zd->zdes,
               zd->zdes);
    }
}

/* Context: any, the zone's lock held.  A zone changed: write it back. */
void nvme_zns_mark_dirty(NvmeZoned *zd, NvmeZone *z)
{
    if (zd->store.enabled) {
        set_bit_atomic(z - zd->zones, zd->store.dirty);
    }
}

/*
 * Context: any.  Encode the changed zones into the slots; the span to
 * write is [*lo, *hi).  Returns false when nothing changed.
 */
static bool nvme_zns_collect(NvmeNamespace *ns, uint32_t *lo, uint32_t *hi)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    unsigned long i;

    *lo = UINT32_MAX;
    *hi = 0;
    for (i = find_first_bit(st->dirty, st->nr_slots); i < st->nr_slots;
         i = find_next_bit(st->dirty, st->nr_slots, i + 1)) {
        NvmeZone *z = &zd->zones[i];

        clear_bit_atomic(i, st->dirty);
        qemu_spin_lock(&z->lock);
        nvme_zns_encode(ns, i);
        qemu_spin_unlock(&z->lock);
        *lo = MIN(*lo, i);
        *hi = i + 1;
    }
    return *lo != UINT32_MAX;
}

/* Context: any.  A write of the span failed: try it again next time. */
static void nvme_zns_redirty(NvmeZnsStore *st, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = lo; i < hi; i++) {
        set_bit_atomic(i, st->dirty);
    }
}

static void nvme_zns_wb_start(NvmeNamespace *ns);

/* Context: a waiter's AioContext.  Report the write-back's result. */
static void nvme_zns_waiter_bh(void *opaque)
{
    NvmeZnsWaiter *w = opaque;

    w->cb(w->opaque, w->ret);
    g_free(w);
}

/* Context: the context that started the batch (block layer callback). */
static void nvme_zns_wb_done(void *opaque, int ret)
{
    NvmeZnsBatch *b = opaque;
    NvmeZnsStore *st = &b->ns->zoned->store;
    NvmeZnsWaiter *w;
    bool more;

    if (ret < 0) {
        nvme_zns_redirty(st, b->lo, b->hi);
    }
    trace_nvme_zns_writeback(b->ns->nsid, b->lo, b->hi, ret);
    while ((w = QSIMPLEQ_FIRST(&b->waiters))) {
        QSIMPLEQ_REMOVE_HEAD(&b->waiters, next);
        w->ret = ret;
        aio_bh_schedule_oneshot(w->ctx, nvme_zns_waiter_bh, w);
    }
    WITH_QEMU_LOCK_GUARD(&st->lock) {
        more = !QSIMPLEQ_EMPTY(&st->waiters);
        st->busy = more;
    }
    aio_wait_kick();
    if (more) {
        nvme_zns_wb_start(b->ns);
    }
    qemu_iovec_destroy(&b->qiov);
    g_free(b);
}

/* Context: any; st->busy is ours.  Write back for the queued waiters. */
static void nvme_zns_wb_start(NvmeNamespace *ns)
{
    NvmeZnsStore *st = &ns->zoned->store;
    NvmeZnsBatch *b = g_new0(NvmeZnsBatch, 1);
    BdrvRequestFlags flags = 0;
    NvmeZnsWaiter *w;

    b->ns = ns;
    QSIMPLEQ_INIT(&b->waiters);
    WITH_QEMU_LOCK_GUARD(&st->lock) {
        QSIMPLEQ_CONCAT(&b->waiters, &st->waiters);
    }
    QSIMPLEQ_FOREACH(w, &b->waiters, next) {
        flags |= w->fua ? BDRV_REQ_FUA : 0;
    }
    qemu_iovec_init(&b->qiov, 1);
    if (!nvme_zns_collect(ns, &b->lo, &b->hi)) {
        b->lo = b->hi = 0;
        nvme_zns_wb_done(b, 0);
        return;
    }
    qemu_iovec_add(&b->qiov, st->slots + (size_t)b->lo * st->slot_size,
                   (size_t)(b->hi - b->lo) * st->slot_size);
    blk_aio_pwritev(ns->blk, st->area_off +
                    (uint64_t)b->lo * st->slot_size, &b->qiov, flags,
                    nvme_zns_wb_done, b);
}

/*
 * Context: queue.  Write the changed zones back (with FUA: durably), then
 * call @cb(@opaque, ret) in the caller's AioContext.
 */
void nvme_zns_writeback(NvmeNamespace *ns, bool fua,
                        void (*cb)(void *opaque, int ret), void *opaque)
{
    NvmeZnsStore *st = &ns->zoned->store;
    NvmeZnsWaiter *w;
    bool start;

    if (!st->enabled) {
        cb(opaque, 0);
        return;
    }
    w = g_new0(NvmeZnsWaiter, 1);
    *w = (NvmeZnsWaiter) {
        .cb = cb, .opaque = opaque, .fua = fua,
        .ctx = qemu_get_current_aio_context(),
    };
    WITH_QEMU_LOCK_GUARD(&st->lock) {
        QSIMPLEQ_INSERT_TAIL(&st->waiters, w, next);
        start = !st->busy;
        st->busy = true;
    }
    if (start) {
        nvme_zns_wb_start(ns);
    }
}

/*
 * Context: main loop.  Write the changed zones back now (VM stop,
 * shutdown, unplug): wait for a write-back under way, then write.
 */
int nvme_zns_writeback_sync(NvmeNamespace *ns)
{
    NvmeZnsStore *st = &ns->zoned->store;
    uint32_t lo, hi;
    bool mine = false;
    int ret = 0;

    if (!st->enabled) {
        return 0;
    }
    while (!mine) {
        AIO_WAIT_WHILE_UNLOCKED(NULL, qatomic_read(&st->busy));
        WITH_QEMU_LOCK_GUARD(&st->lock) {
            mine = !st->busy;
            st->busy = true;
        }
    }
    if (nvme_zns_collect(ns, &lo, &hi)) {
        ret = blk_pwrite(ns->blk, st->area_off + (uint64_t)lo * st->slot_size,
                         (int64_t)(hi - lo) * st->slot_size,
                         st->slots + (size_t)lo * st->slot_size, 0);
        if (ret < 0) {
            nvme_zns_redirty(st, lo, hi);
        }
        trace_nvme_zns_writeback(ns->nsid, lo, hi, ret);
    }
    WITH_QEMU_LOCK_GUARD(&st->lock) {
        st->busy = false;
        mine = !QSIMPLEQ_EMPTY(&st->waiters);
        st->busy = mine;
    }
    if (mine) {
        nvme_zns_wb_start(ns);
    }
    return ret;
}

/* A Flush of a zoned namespace: zone state, then the backend. */
typedef struct NvmeZnsFlush {
    NvmeNamespace *ns;
    void (*cb)(void *opaque, int ret);
    void *opaque;
} NvmeZnsFlush;

/* Context: queue.  Zone state written back: flush the backend. */
static void nvme_zns_flush_wb_done(void *opaque, int ret)
{
    NvmeZnsFlush *f = opaque;

    if (ret < 0) {
        f->cb(f->opaque, ret);
    } else {
        blk_aio_flush(f->ns->blk, f->cb, f->opaque);
    }
    g_free(f);
}

/*
 * Context: queue.  Flush of a zoned namespace: write the changed zones
 * back, then flush; @cb(@opaque, ret) as blk_aio_flush would.
 */
void nvme_zns_flush(NvmeNamespace *ns, void (*cb)(void *opaque, int ret),
                    void *opaque)
{
    NvmeZnsFlush *f = g_new(NvmeZnsFlush, 1);

    *f = (NvmeZnsFlush) { .ns = ns, .cb = cb, .opaque = opaque };
    nvme_zns_writeback(ns, false, nvme_zns_flush_wb_done, f);
}

/* Context: the request's queue.  Zone state written: post the CQE. */
static void nvme_zns_sync_done(void *opaque, int ret)
{
    NvmeRequest *req = opaque;

    req->outstanding = 0;
    nvme_req_complete(req, ret < 0 ? nvme_status_from_errno(ret, true)
                                   : NVME_SUCCESS);
}

/*
 * Context: queue.  A write with FUA, or without a volatile write cache,
 * completes once its zone's state is durable too (req->zns_sync, set by
 * nvme_zns_write_admit).  Returns true when the completion is deferred.
 */
bool nvme_zns_complete_sync(NvmeRequest *req, uint16_t status)
{
    req->zns_sync = false;
    if (status) {
        return false;
    }
    req->outstanding = 1;       /* an SQ deletion waits (nvme_sq_busy) */
    nvme_zns_writeback(req->ns, true, nvme_zns_sync_done, req);
    return true;
}

/* Context: main loop.  Stopping VM (quit included): persist the zones. */
static void nvme_zns_vm_change(void *opaque, bool running, RunState state)
{
    NvmeNamespace *ns = opaque;

    if (!running && nvme_zns_writeback_sync(ns) < 0) {
        error_report("nvme-ns %u: writing the zone state failed", ns->nsid);
    }
}

/* Context: main loop.  Write every slot and the header. */
static int nvme_zns_write_all(NvmeNamespace *ns)
{
    NvmeZnsStore *st = &ns->zoned->store;
    g_autofree NvmeZnsHeader *h = g_new(NvmeZnsHeader, 1);
    int ret;

    for (uint32_t i = 0; i < st->nr_slots; i++) {
        NvmeZone *z = &ns->zoned->zones[i];

        clear_bit(i, st->dirty);
        qemu_spin_lock(&z->lock);
        nvme_zns_encode(ns, i);
        qemu_spin_unlock(&z->lock);
    }
    nvme_zns_header_fill(ns, h);
    ret = blk_pwrite(ns->blk, st->area_off,
                     (int64_t)st->nr_slots * st->slot_size, st->slots, 0);
    if (ret >= 0) {
        ret = blk_pwrite(ns->blk, st->area_off + st->area_size -
                         NVME_ZNS_HDR_SIZE, NVME_ZNS_HDR_SIZE, h, 0);
    }
    return ret < 0 ? ret : blk_flush(ns->blk);
}

/* Context: main loop (realize).  Every zone Empty. */
static void nvme_zns_zones_init(NvmeNamespace *ns)
{
    NvmeZoned *zd = ns->zoned;

    for (uint32_t i = 0; i < zd->store.nr_slots; i++) {
        zd->zones[i].sm = (NvmeZoneSm) {
            .state = NVME_ZONE_STATE_EMPTY, .wp = nvme_zns_zslba(zd, i),
        };
    }
    zd->res.open = zd->res.active = zd->res.zrwa = 0;
}

/*
 * Context: main loop (realize).  Load zone @idx from its slot: a record
 * that fails its checksum or makes no sense is an error.
 */
static bool nvme_zns_decode(NvmeNamespace *ns, uint32_t idx, Error **errp)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    uint8_t *slot = st->slots + (size_t)idx * st->slot_size;
    NvmeZnsRecord *r = (NvmeZnsRecord *)slot;
    NvmeZoneSm *sm = &zd->zones[idx].sm;
    uint64_t wp_off = le64_to_cpu(r->wp_off);
    uint32_t crc = crc32c(0xffffffff, slot, offsetof(NvmeZnsRecord, crc));

    if (crc != le32_to_cpu(r->crc) || (wp_off & (ns->lbasz - 1)) ||
        (wp_off >> ns->lbads) > zd->geo.zcap ||
        !nvme_zsm_report_match(0, r->state) || r->state == 0 ||
        (r->state > NVME_ZONE_STATE_CLOSED &&
         r->state < NVME_ZONE_STATE_READ_ONLY)) {
        error_setg(errp, "nvme-ns: the zone state record of zone %" PRIu32
                   " is corrupt", idx);
        return false;
    }
    sm->wp = nvme_zns_zslba(zd, idx) + (wp_off >> ns->lbads);
    sm->state = r->state;
    sm->attrs = r->attrs;
    if (zd->zdes) {             /* no extensions: zd->ext is NULL */
        memcpy(zd->ext + (size_t)idx * zd->zdes, slot + NVME_ZNS_REC_SIZE,
               zd->zdes);
    }
    return true;
}

/*
 * Context: main loop (realize).  Account resources of the loaded zones,
 * close the open ones and deallocate what lies above write pointers.
 */
static int nvme_zns_power_on(NvmeNamespace *ns)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZoneRes *r = &zd->res;
    int ret = 0;

    for (uint32_t i = 0; i < zd->geo.nr_zones && ret >= 0; i++) {
        NvmeZoneSm *sm = &zd->zones[i].sm;
        uint64_t end = nvme_zns_zslba(zd, i) + zd->geo.zsze, from = sm->wp;

        r->open += nvme_zsm_is_open(sm->state);
        r->active += nvme_zsm_is_active(sm->state);
        r->zrwa += !!(sm->attrs & NVME_ZA_ZRWA_VALID);
        nvme_zsm_apply(&zd->geo, r, sm, nvme_zns_zslba(zd, i),
                       NVME_ZSM_POWER_ON);
        if (!nvme_zsm_is_active(sm->state) || !zd->store.enabled) {
            continue;
        }
        if (sm->attrs & NVME_ZA_ZRWA_VALID) {
            from = MIN(from + 2 * zd->geo.zrwas, end);
        }
        ret = blk_pwrite_zeroes(ns->blk, from << ns->lbads,
                                (end - from) << ns->lbads,
                                BDRV_REQ_MAY_UNMAP);
        if (ret >= 0 && ns->ms) {
            ret = blk_pwrite_zeroes(ns->blk, nvme_ns_md_off(ns, from),
                                    (end - from) * ns->ms,
                                    BDRV_REQ_MAY_UNMAP);
        }
    }
    if ((r->max_active && r->active > r->max_active) ||
        r->zrwa > r->max_zrwa) {
        warn_report("nvme-ns %u: %u zones are active and %u hold a ZRWA, "
                    "more than zoned.max_active or zoned.numzrwa allow",
                    ns->nsid, r->active, r->zrwa);
    }
    return ret;
}

/*
 * Context: main loop (realize).  The image has a header: check it against
 * the configuration; the area, the number of zones.
 */
static bool nvme_zns_check_header(NvmeNamespace *ns, const NvmeZnsHeader *h,
                                  int64_t size, Error **errp)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    NvmeZnsHeader want;
    const char *file = blk_name(ns->blk);

    st->area_size = le64_to_cpu(h->area_size);
    if (st->area_size < NVME_ZNS_HDR_SIZE || st->area_size > size) {
        error_setg(errp, "nvme-ns: the zone state header of drive '%s' is "
                   "corrupt", file);
        return false;
    }
    st->area_off = size - st->area_size;
    st->nr_slots = MIN(st->area_off / nvme_zns_zone_bytes(ns),
                       (st->area_size - NVME_ZNS_HDR_SIZE) / st->slot_size);
    nvme_zns_header_fill(ns, &want);
    if (!st->nr_slots ||
        memcmp(&want.zone_size, &h->zone_size,
               offsetof(NvmeZnsHeader, rsvd) -
               offsetof(NvmeZnsHeader, zone_size))) {
        error_setg(errp, "nvme-ns: drive '%s' holds zone state for another "
                   "geometry (zone size %" PRIu64 "B, capacity %" PRIu64
                   "B, %" PRIu32 " zones, ZRWA %" PRIu64 "B/%" PRIu64
                   "B, extension %" PRIu32 "B); start with those settings "
                   "or drop the state by truncating the image to %" PRIu64
                   " bytes (or zeroing its last 4 KiB)", file,
                   le64_to_cpu(h->zone_size), le64_to_cpu(h->zone_cap),
                   le32_to_cpu(h->nr_slots), le64_to_cpu(h->zrwas),
                   le64_to_cpu(h->zrwafg), le32_to_cpu(h->zdes),
                   st->area_off);
        return false;
    }
    zd->geo.nr_zones = st->nr_slots;
    return true;
}

/* Context: main loop (realize).  Load the zones of a found area. */
static bool nvme_zns_load(NvmeNamespace *ns, Error **errp)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    int ret;

    ret = blk_pread(ns->blk, st->area_off,
                    (int64_t)st->nr_slots * st->slot_size, st->slots, 0);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "nvme-ns: cannot read the zone state "
                         "of drive '%s'", blk_name(ns->blk));
        return false;
    }
    for (uint32_t i = 0; i < zd->geo.nr_zones; i++) {
        if (!nvme_zns_decode(ns, i, errp)) {
            return false;
        }
    }
    if (nvme_zns_power_on(ns) < 0) {
        error_setg(errp, "nvme-ns: cannot clear unwritten blocks of drive "
                   "'%s'", blk_name(ns->blk));
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize).  No header: place the area past the
 * zones, growing the image if needed.  Returns false when the state can
 * only live in memory, as on a migration's destination (@incoming), whose
 * image the source still uses: the source had no area either.
 */
static bool nvme_zns_create(NvmeNamespace *ns, int64_t size, bool incoming)
{
    NvmeZnsStore *st = &ns->zoned->store;
    uint64_t zones_end = ns->zoned->geo.nr_zones * nvme_zns_zone_bytes(ns);
    uint64_t perm, shared;
    Error *local_err = NULL;
    int ret;

    st->nr_slots = ns->zoned->geo.nr_zones;
    st->area_size = ROUND_UP((uint64_t)st->nr_slots * st->slot_size,
                             NVME_ZNS_HDR_SIZE) + NVME_ZNS_HDR_SIZE;
    if (incoming || !blk_is_writable(ns->blk)) {
        return false;
    }
    if (size - zones_end >= st->area_size) {
        st->area_off = size - st->area_size;
        return true;
    }
    st->area_off = size;
    blk_get_perm(ns->blk, &perm, &shared);
    if (blk_set_perm(ns->blk, perm | BLK_PERM_RESIZE, shared,
                     &local_err) < 0) {
        error_free(local_err);
        return false;
    }
    ret = blk_truncate(ns->blk, size + st->area_size, true,
                       PREALLOC_MODE_OFF, 0, &local_err);
    blk_set_perm(ns->blk, perm, shared, &error_abort);
    if (ret < 0) {
        error_free(local_err);
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize).  Find or make the area; set the number
 * of zones and the namespace's size; load or initialise the zones.
 */
static bool nvme_zns_store_setup(NvmeNamespace *ns, Error **errp)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    g_autofree NvmeZnsHeader *h = g_new0(NvmeZnsHeader, 1);
    int64_t size = blk_getlength(ns->blk);
    /* a migration's destination: the stream brings the zones */
    bool incoming = runstate_check(RUN_STATE_INMIGRATE);
    bool found;

    st->slot_size = NVME_ZNS_REC_SIZE + zd->zdes;
    found = size >= NVME_ZNS_HDR_SIZE &&
            blk_pread(ns->blk, size - NVME_ZNS_HDR_SIZE, NVME_ZNS_HDR_SIZE,
                      h, 0) >= 0 &&
            !memcmp(h->magic, NVME_ZNS_MAGIC, sizeof(h->magic));
    if (found) {
        uint32_t crc = le32_to_cpu(h->crc);

        h->crc = 0;
        if (le32_to_cpu(h->version) != NVME_ZNS_VERSION ||
            crc32c(0xffffffff, (uint8_t *)h, sizeof(*h)) != crc) {
            error_setg(errp, "nvme-ns: the zone state of drive '%s' has a "
                       "bad checksum or an unknown version; zero the "
                       "image's last 4 KiB to start with empty zones",
                       blk_name(ns->blk));
            return false;
        }
        h->crc = cpu_to_le32(crc);
    }
    if (found) {
        st->enabled = blk_is_writable(ns->blk);
        if (!nvme_zns_check_header(ns, h, size, errp)) {
            return false;
        }
    } else {
        zd->geo.nr_zones = size / nvme_zns_zone_bytes(ns);
        if (!zd->geo.nr_zones) {
            error_setg(errp, "nvme-ns: insufficient drive capacity, must be "
                       "at least the size of one zone (%" PRIu64 "B)",
                       zd->geo.zsze << ns->lbads);
            return false;
        }
        st->enabled = nvme_zns_create(ns, size, incoming);
        if (!st->enabled && !incoming) {
            warn_report("nvme-ns %u: drive '%s' cannot hold the zone state: "
                        "zones start empty at every start", ns->nsid,
                        blk_name(ns->blk));
        }
    }
    zd->zones = g_new0(NvmeZone, st->nr_slots);
    zd->ext = g_malloc0((size_t)st->nr_slots * zd->zdes);
    st->slots = g_malloc0((size_t)st->nr_slots * st->slot_size);
    st->dirty = bitmap_new(st->nr_slots);
    for (uint32_t i = 0; i < st->nr_slots; i++) {
        qemu_spin_init(&zd->zones[i].lock);
    }
    nvme_zns_zones_init(ns);
    if (found && !incoming && !nvme_zns_load(ns, errp)) {
        return false;
    }
    if (!found && st->enabled && nvme_zns_write_all(ns) < 0) {
        error_setg(errp, "nvme-ns: cannot write the zone state of drive "
                   "'%s'", blk_name(ns->blk));
        return false;
    }
    ns->nlbas = zd->geo.nr_zones * zd->geo.zsze;
    if (st->enabled) {
        st->vmstate = qemu_add_vm_change_state_handler(nvme_zns_vm_change,
                                                       ns);
    }
    trace_nvme_zns_store(ns->nsid, found, st->enabled, st->area_off,
                         st->area_size);
    return true;
}

/* Context: main loop (realize). */
bool nvme_zns_store_open(NvmeNamespace *ns, Error **errp)
{
    NvmeZnsStore *st = &ns->zoned->store;

    nvme_zns_build_checks();
    qemu_mutex_init(&st->lock);
    QSIMPLEQ_INIT(&st->waiters);
    if (!nvme_zns_store_setup(ns, errp)) {
        st->enabled = false;        /* nothing to write back at cleanup */
        return false;
    }
    return true;
}

/* Context: main loop (unrealize, failed realize).  Persist and free. */
void nvme_zns_store_close(NvmeNamespace *ns)
{
    NvmeZnsStore *st = &ns->zoned->store;

    if (st->vmstate) {
        qemu_del_vm_change_state_handler(st->vmstate);
        st->vmstate = NULL;
    }
    if (st->enabled && nvme_zns_writeback_sync(ns) < 0) {
        error_report("nvme-ns %u: writing the zone state failed", ns->nsid);
    }
    g_free(st->slots);
    g_free(st->dirty);
    st->slots = NULL;
    st->dirty = NULL;
    qemu_mutex_destroy(&st->lock);
}

/*
 * Context: main loop, I/O quiesced (Format NVM, Sanitize).  Every zone is
 * Empty again; the block size may have changed the number of zones.
 */
void nvme_zns_store_format(NvmeNamespace *ns)
{
    NvmeZoned *zd = ns->zoned;
    NvmeZnsStore *st = &zd->store;
    uint64_t nr_zones = nvme_zns_store_nr_zones(ns, &zd->geo);

    qemu_mutex_lock(&zd->res_lock);
    while (!QTAILQ_EMPTY(&zd->imp_open)) {
        NvmeZone *z = QTAILQ_FIRST(&zd->imp_open);

        QTAILQ_REMOVE(&zd->imp_open, z, lru);
        z->on_lru = false;
    }
    zd->geo.nr_zones = nr_zones;
    nvme_zns_zones_init(ns);
    if (zd->ext) {
        memset(zd->ext, 0, (size_t)st->nr_slots * zd->zdes);
    }
    qemu_mutex_unlock(&zd->res_lock);
    ns->nlbas = zd->geo.nr_zones * zd->geo.zsze;
    if (st->enabled && nvme_zns_write_all(ns) < 0) {
        error_report("nvme-ns %u: writing the zone state failed", ns->nsid);
    }
}

/*
 * Context: main loop.  How many zones of geometry @g (in the current LBA
 * format) the image holds: those before the state area, at most as many
 * as the area has slots.
 */
uint64_t nvme_zns_store_nr_zones(NvmeNamespace *ns, const NvmeZoneGeo *g)
{
    NvmeZnsStore *st = &ns->zoned->store;
    uint64_t usable = st->enabled ? st->area_off : blk_getlength(ns->blk);

    return MIN(usable / (g->zsze * (ns->lbasz + ns->ms)), st->nr_slots);
}

/*
 * Context: main loop, VM stopped (nvme_zns_post_load).  The zones came
 * from a migration stream: the image holds them as the source wrote them
 * back when it stopped, but this side read its slots earlier, if at all.
 * Write every zone at the next write-back.
 */
void nvme_zns_store_loaded(NvmeNamespace *ns)
{
    NvmeZnsStore *st = &ns->zoned->store;

    if (st->enabled) {
        bitmap_set_atomic(st->dirty, 0, st->nr_slots);
    }
}

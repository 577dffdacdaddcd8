/*
 * The commands of the Zoned Namespace Command Set: Zone Management Send
 * (79h), Zone Management Receive (7Ah) and Zone Append (7Dh).
 *
 * Send: Close, Finish, Open (optionally allocating a ZRWA), Reset,
 * Offline and Set Zone Descriptor Extension, each on the zone whose first
 * LBA SLBA names or, with Select All, on every zone in a state the action
 * applies to; ZRWA Flush on the zone holding SLBA.  Reset deallocates the
 * zone's blocks (they read back as zeroes, DLFEAT) before completing.
 * Receive: Report Zones and Extended Report Zones, every reporting
 * filter, Partial Report.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "ctrl.h"
#include "dma.h"
#include "ns.h"
#include "nvm-range.h"
#include "nvm.h"
#include "queue.h"
#include "types.h"
#include "zns-cmd.h"
#include "zns-sm.h"
#include "zns.h"
#include "trace.h"

#define NVME_ZNS_ZSA_MASK       0xffu
#define NVME_ZNS_SELECT_ALL     (1u << 8)
#define NVME_ZNS_ZRWAA          (1u << 9)   /* ZSASO of Open Zone */
#define NVME_ZNS_SEND_RSVD      (~0x3ffu)
#define NVME_ZNS_ZRA_MASK       0xffu
#define NVME_ZNS_PARTIAL        (1u << 16)
#define NVME_ZNS_RECV_RSVD      (~0x1ffffu)
#define NVME_ZNS_DESCR          64

enum {
    NVME_ZSA_CLOSE = 0x01,
    NVME_ZSA_FINISH = 0x02,
    NVME_ZSA_OPEN = 0x03,
    NVME_ZSA_RESET = 0x04,
    NVME_ZSA_OFFLINE = 0x05,
    NVME_ZSA_SET_ZDE = 0x10,
    NVME_ZSA_ZRWA_FLUSH = 0x11,
};

/* ---- Zone Management Send ---- */

/* What a Send works on, gathered while parsing. */
typedef struct NvmeZnsSend {
    NvmeZsmAction action;
    uint8_t zsa;
    bool all;
    uint64_t slba;
    GArray *dealloc;            /* NvmeLbaRange: blocks a Reset frees */
} NvmeZnsSend;

/*
 * Context: queue, res_lock and the zone's lock held.  The blocks a Reset
 * of @z must deallocate, into @r: everything written (a ZRWA holds data
 * above the write pointer; Full zones up to their capacity).
 */
static bool nvme_zns_dealloc_range(NvmeZoned *zd, NvmeZone *z,
                                   NvmeLbaRange *r)
{
    uint64_t zslba = nvme_zns_zslba(zd, z - zd->zones);
    uint64_t end = z->sm.wp;

    switch (z->sm.state) {
    case NVME_ZONE_STATE_EMPTY:
        return false;
    case NVME_ZONE_STATE_FULL:
        end = zslba + zd->geo.zcap;
        break;
    default:
        if (z->sm.attrs & NVME_ZA_ZRWA_VALID) {
            end = MIN(end + 2 * zd->geo.zrwas, zslba + zd->geo.zcap);
        }
    }
    *r = (NvmeLbaRange) { zslba, end - zslba };
    return end > zslba;
}

/* Context: queue, res_lock held.  One zone; @z's lock taken here. */
static uint16_t nvme_zns_send_one(NvmeCtrl *n, NvmeZoned *zd, NvmeZone *z,
                                  NvmeZnsSend *s)
{
    bool dealloc = false;
    NvmeLbaRange r;
    uint16_t status;

    qemu_spin_lock(&z->lock);
    if (s->action == NVME_ZSM_RESET) {
        dealloc = nvme_zns_dealloc_range(zd, z, &r);
    }
    if (s->action == NVME_ZSM_OPEN || s->action == NVME_ZSM_OPEN_ZRWA) {
        status = nvme_zns_open_apply(n, zd, z, s->action);
    } else {
        status = nvme_zns_apply(zd, z, s->action);
    }
    if (!status && dealloc) {
        g_array_append_val(s->dealloc, r);
    }
    qemu_spin_unlock(&z->lock);
    return status;
}

/*
 * Context: queue, res_lock held.  Open with Select All opens every closed
 * zone or none: first make sure the open resources suffice, closing
 * implicitly opened zones if zoned.auto_transition allows it.
 */
static uint16_t nvme_zns_open_all_room(NvmeCtrl *n, NvmeZoned *zd)
{
    NvmeZoneRes *r = &zd->res;
    uint32_t closed = 0, imp = 0, need;
    NvmeZone *z;

    for (uint32_t i = 0; i < zd->geo.nr_zones; i++) {
        closed += qatomic_read(&zd->zones[i].sm.state) ==
                  NVME_ZONE_STATE_CLOSED;
    }
    if (!r->max_open || r->open + closed <= r->max_open) {
        return NVME_SUCCESS;
    }
    need = r->open + closed - r->max_open;
    QTAILQ_FOREACH(z, &zd->imp_open, lru) {
        imp++;
    }
    if (!n->params.zoned.auto_transition || imp < need) {
        return NVME_ZONE_TOO_MANY_OPEN;
    }
    while (need--) {
        nvme_zns_close_implicit(zd, NULL);
    }
    return NVME_SUCCESS;
}

/* Context: queue, res_lock held.  Select All. */
static uint16_t nvme_zns_send_all(NvmeCtrl *n, NvmeZoned *zd, NvmeZnsSend *s)
{
    uint16_t status = NVME_SUCCESS;

    if (s->action == NVME_ZSM_OPEN) {
        status = nvme_zns_open_all_room(n, zd);
    }
    for (uint32_t i = 0; !status && i < zd->geo.nr_zones; i++) {
        NvmeZone *z = &zd->zones[i];

        if (nvme_zsm_select_all(s->action, qatomic_read(&z->sm.state))) {
            status = nvme_zns_send_one(n, zd, z, s);
        }
    }
    return status;
}

/*
 * Context: queue.  Set Zone Descriptor Extension: the data first, then
 * Empty -> Closed with the extension valid.
 */
static uint16_t nvme_zns_set_zde(NvmeCtrl *n, NvmeRequest *req,
                                 NvmeZoned *zd, NvmeZone *z)
{
    g_autofree uint8_t *buf = g_malloc(zd->zdes);
    uint32_t idx = z - zd->zones;
    uint16_t status;

    status = nvme_dma_from_guest(n, req, buf, zd->zdes);
    if (status) {
        return status | NVME_DNR;     /* final: not a zone status */
    }
    qemu_mutex_lock(&zd->res_lock);
    qemu_spin_lock(&z->lock);
    status = nvme_zns_apply(zd, z, NVME_ZSM_SET_ZDE);
    if (!status) {
        memcpy(zd->ext + (size_t)idx * zd->zdes, buf, zd->zdes);
    }
    qemu_spin_unlock(&z->lock);
    qemu_mutex_unlock(&zd->res_lock);
    return status;
}

/*
 * Context: queue.  ZRWA Flush: the write pointer moves to SLBA + 1 (SLBA
 * is the last block to commit), filling the zone at its capacity.
 */
static uint16_t nvme_zns_zrwa_flush(NvmeZoned *zd, uint64_t elba)
{
    NvmeZone *z = &zd->zones[nvme_zns_zidx(zd, elba)];
    uint64_t zslba = nvme_zns_zslba(zd, z - zd->zones);
    uint64_t wp;
    uint16_t status;

    qemu_mutex_lock(&zd->res_lock);
    qemu_spin_lock(&z->lock);
    status = nvme_zsm_zrwa_flush(&zd->geo, &z->sm, zslba, elba, &wp);
    if (!status) {
        z->sm.wp = wp;
        nvme_zns_mark_dirty(zd, z);
        if (wp == zslba + zd->geo.zcap) {
            nvme_zns_apply(zd, z, NVME_ZSM_FILL);
        }
    }
    qemu_spin_unlock(&z->lock);
    qemu_mutex_unlock(&zd->res_lock);
    return status;
}

/* Context: any.  The state machine action of Zone Send Action @zsa. */
static bool nvme_zns_send_action(uint8_t zsa, NvmeZsmAction *a)
{
    switch (zsa) {
    case NVME_ZSA_CLOSE:
        *a = NVME_ZSM_CLOSE;
        return true;
    case NVME_ZSA_FINISH:
        *a = NVME_ZSM_FINISH;
        return true;
    case NVME_ZSA_OPEN:
        *a = NVME_ZSM_OPEN;
        return true;
    case NVME_ZSA_RESET:
        *a = NVME_ZSM_RESET;
        return true;
    case NVME_ZSA_OFFLINE:
        *a = NVME_ZSM_OFFLINE;
        return true;
    case NVME_ZSA_SET_ZDE:
        *a = NVME_ZSM_SET_ZDE;
        return true;
    case NVME_ZSA_ZRWA_FLUSH:
        return true;            /* not a transition: zns_zrwa_flush() */
    }
    return false;
}

/* Context: queue.  CDW10-13 of a Send: which action, which zones. */
static uint16_t nvme_zns_send_parse(NvmeRequest *req, NvmeZnsSend *s)
{
    NvmeNamespace *ns = req->ns;
    NvmeZoned *zd = ns->zoned;
    uint32_t cdw13 = le32_to_cpu(req->cmd.cdw13);
    bool zrwaa = cdw13 & NVME_ZNS_ZRWAA;

    s->zsa = cdw13 & NVME_ZNS_ZSA_MASK;
    s->all = cdw13 & NVME_ZNS_SELECT_ALL;
    s->slba = le32_to_cpu(req->cmd.cdw10) |
              (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    if (!nvme_zns_send_action(s->zsa, &s->action)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 52, 0,
                               "zone send: unknown action");
    }
    if (cdw13 & NVME_ZNS_SEND_RSVD) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 53, 2,
                               "zone send: reserved CDW13 bits");
    }
    if (zrwaa && (s->zsa != NVME_ZSA_OPEN || !zd->conf.numzrwa || s->all)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 53, 1,
                               "zone send: ZRWA allocation not possible");
    }
    if (zrwaa) {
        s->action = NVME_ZSM_OPEN_ZRWA;
    }
    if (s->all) {
        if (s->zsa == NVME_ZSA_SET_ZDE || s->zsa == NVME_ZSA_ZRWA_FLUSH) {
            return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 53, 0,
                                   "zone send: Select All not allowed");
        }
    } else if (s->slba >= ns->nlbas) {
        req->err_lba = s->slba;
        return nvme_req_reject(req, NVME_LBA_RANGE | NVME_DNR, 40, 0,
                               "zone send: SLBA beyond the namespace");
    } else if (s->zsa != NVME_ZSA_ZRWA_FLUSH && s->slba % zd->geo.zsze) {
        req->err_lba = s->slba;
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "zone send: SLBA is not a zone's first LBA");
    }
    if (s->zsa == NVME_ZSA_SET_ZDE && !zd->zdes) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 52, 0,
                               "zone send: no zone descriptor extensions");
    }
    return nvme_writable_check(req);        /* nvm-range.c */
}

/* Context: queue. */
uint16_t nvme_zns_mgmt_send(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeZoned *zd = req->ns->zoned;
    NvmeZnsSend s = { 0 };
    NvmeZone *z;
    uint16_t status;

    status = nvme_zns_send_parse(req, &s);
    if (status) {
        return status;
    }
    trace_nvme_zns_send(le16_to_cpu(req->cmd.cid), s.zsa, s.all, s.slba);
    z = s.all ? NULL : &zd->zones[nvme_zns_zidx(zd, s.slba)];
    if (s.zsa == NVME_ZSA_ZRWA_FLUSH) {
        status = nvme_zns_zrwa_flush(zd, s.slba);
    } else if (s.zsa == NVME_ZSA_SET_ZDE) {
        status = nvme_zns_set_zde(n, req, zd, z);
    } else {
        s.dealloc = g_array_new(false, false, sizeof(NvmeLbaRange));
        qemu_mutex_lock(&zd->res_lock);
        status = s.all ? nvme_zns_send_all(n, zd, &s)
                       : nvme_zns_send_one(n, zd, z, &s);
        qemu_mutex_unlock(&zd->res_lock);
        if (!status && s.dealloc->len) {
            uint32_t nr = s.dealloc->len;

            return nvme_range_deallocate(req, (NvmeLbaRange *)
                                         g_array_free(s.dealloc, false), nr);
        }
        g_array_free(s.dealloc, true);
    }
    if (status && !(status & NVME_DNR)) {
        req->err_lba = s.slba;
        return nvme_req_reject(req, status | NVME_DNR, 40, 0,
                               "zone send: refused by the zones' state");
    }
    return status;
}

/* ---- Zone Management Receive ---- */

/* Context: queue.  One Zone Descriptor (and extension) of zone @idx. */
static void nvme_zns_descr(NvmeZoned *zd, uint32_t idx, uint8_t *out,
                           bool ext)
{
    NvmeZoneDescr *d = (NvmeZoneDescr *)out;
    NvmeZone *z = &zd->zones[idx];
    NvmeZoneSm sm;

    qemu_spin_lock(&z->lock);
    sm = z->sm;
    qemu_spin_unlock(&z->lock);
    d->zt = NVME_ZONE_TYPE_SEQ_WRITE;
    d->zs = sm.state << 4;
    d->za = sm.attrs;
    d->zcap = cpu_to_le64(zd->geo.zcap);
    d->zslba = cpu_to_le64(nvme_zns_zslba(zd, idx));
    d->wp = cpu_to_le64(nvme_zsm_report_wp(&sm));
    if (ext && (sm.attrs & NVME_ZA_ZD_EXT_VALID)) {
        qemu_mutex_lock(&zd->res_lock);
        memcpy(out + NVME_ZNS_DESCR, zd->ext + (size_t)idx * zd->zdes,
               zd->zdes);
        qemu_mutex_unlock(&zd->res_lock);
    }
}

/*
 * Context: queue.  Report the zones from the one holding SLBA that match
 * the filter: the header counts all of them, or with Partial Report
 * only those returned; as many descriptors as the buffer holds.
 */
uint16_t nvme_zns_mgmt_recv(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeZoned *zd = req->ns->zoned;
    uint64_t slba = le32_to_cpu(req->cmd.cdw10) |
                    (uint64_t)le32_to_cpu(req->cmd.cdw11) << 32;
    uint64_t len = ((uint64_t)le32_to_cpu(req->cmd.cdw12) + 1) * 4;
    uint32_t cdw13 = le32_to_cpu(req->cmd.cdw13);
    uint8_t zra = cdw13 & NVME_ZNS_ZRA_MASK, zrasf = (cdw13 >> 8) & 0xff;
    bool partial = cdw13 & NVME_ZNS_PARTIAL;
    size_t dsz = NVME_ZNS_DESCR + (zra ? zd->zdes : 0);
    uint64_t max, nr = 0, found = 0;
    g_autofree uint8_t *buf = NULL;
    size_t have;

    if (zra > NVME_ZONE_REPORT_EXTENDED ||
        (zra == NVME_ZONE_REPORT_EXTENDED && !zd->zdes)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 52, 0,
                               "zone receive: unsupported action");
    }
    if (zrasf > NVME_ZONE_REPORT_OFFLINE || (cdw13 & NVME_ZNS_RECV_RSVD)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 53, 0,
                               "zone receive: bad reporting options");
    }
    if (len > nvme_mdts_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "zone receive: NUMD beyond MDTS");
    }
    if (slba >= req->ns->nlbas) {
        req->err_lba = slba;
        return nvme_req_reject(req, NVME_LBA_RANGE | NVME_DNR, 40, 0,
                               "zone receive: SLBA beyond the namespace");
    }
    max = len > NVME_ZNS_DESCR ? (len - NVME_ZNS_DESCR) / dsz : 0;
    buf = g_malloc0(NVME_ZNS_DESCR + MIN(max, zd->geo.nr_zones) * dsz);
    for (uint32_t i = nvme_zns_zidx(zd, slba); i < zd->geo.nr_zones; i++) {
        if (!nvme_zsm_report_match(zrasf,
                                   qatomic_read(&zd->zones[i].sm.state))) {
            continue;
        }
        if (nr < max) {
            nvme_zns_descr(zd, i, buf + NVME_ZNS_DESCR + nr * dsz, zra);
            nr++;
        }
        found++;
        if (partial && nr == max) {
            break;
        }
    }
    stq_le_p(buf, partial ? nr : found);
    have = NVME_ZNS_DESCR + nr * dsz;
    trace_nvme_zns_recv(le16_to_cpu(req->cmd.cid), slba, zra, zrasf,
                        partial, nr, found);
    return nvme_dma_to_guest_padded(n, req, buf, MIN(have, len), len);
}

/* ---- Zone Append ---- */

/*
 * Context: queue.  Zone Append: a Write to the zone's write pointer; SLBA
 * names the zone's first block and the command may move at most ZASL
 * bytes.  nvm.c does the rest and reports the LBA in DW0/DW1.
 */
uint16_t nvme_zns_append(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeRwCmd *rw = (NvmeRwCmd *)&req->cmd;
    NvmeZoned *zd = req->ns->zoned;
    uint64_t slba = le64_to_cpu(rw->slba);
    uint64_t nlb = le16_to_cpu(rw->nlb) + 1;

    if (slba < req->ns->nlbas && slba % zd->geo.zsze) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "zone append: SLBA is not a zone's first LBA");
    }
    if ((nlb << req->ns->lbads) > nvme_zns_zasl_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 0,
                               "zone append: larger than ZASL");
    }
    req->zns_append = true;
    return nvme_nvm_write(n, req);
}

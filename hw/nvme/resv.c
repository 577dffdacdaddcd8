/*
 * NVMe reservations: Reservation Register, Report, Acquire and Release,
 * the command blocking rules of the six reservation types, the Host
 * Identifier, Reservation Notification Mask and Reservation Persistence
 * features, and the Reservation Notification log page (80h) with its
 * asynchronous event.
 *
 * The state lives in the namespace (NvmeNamespace.resv), so every
 * controller a shared namespace is attached to sees the same registrants
 * and reservation.  The subsystem's resv_lock protects all of it, the
 * controllers' Host Identifiers, notices and masks too: the reservation
 * commands run on any I/O queue in any thread.  The per-command check
 * takes it only while the namespace has a reservation.  A registrant is
 * a host: controllers with the same non-zero Host Identifier are the same
 * host.  A controller whose Host Identifier is zero (never set) is a host
 * of its own.
 *
 * With nvme-ns,resv-state=PATH the namespace supports Persist Through
 * Power Loss: PATH always holds what a power loss keeps (the PTPL state,
 * the generation and, when PTPL is on, the registrants and the
 * reservation), rewritten atomically after every change and loaded at
 * realize.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/cutils.h"
#include "qemu/crc32c.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "dma.h"
#include "event.h"
#include "feat-rules.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "resv-rules.h"
#include "resv.h"
#include "subsys.h"
#include "types.h"
#include "trace.h"

/* Reservation Notification log page types; mask bit = 1 << type */
#define NOTICE_REG_PREEMPTED    1
#define NOTICE_RESV_RELEASED    2
#define NOTICE_RESV_PREEMPTED   3
#define NOTICE_MASK_ALL         0x0e

#define AER_INFO_RESV_LOG       0x00    /* Reservation Log Page Available */
#define RESCAP_PTPL             (1u << 0)
#define RESCAP_TYPES            0x7e    /* bits 1-6: the six types */
#define RESV_HDR                24      /* Reservation Status header */
#define RESV_HDR_EXT            64
#define RESV_ENT                24      /* Registered Controller */
#define RESV_ENT_EXT            64
#define RESV_LOG_SIZE           64

/* resv-state file: header, records, CRC-32C of everything before it */
#define RESV_FILE_MAGIC         "QNVMRESV"
#define RESV_FILE_VERSION       1
#define RESV_FILE_HDR           32
#define RESV_FILE_REC           32

/* ---- hosts and registrants ---- */

/* Context: main loop.  Whether @n's Host Identifier is zero (not set). */
static bool nvme_hostid_zero(NvmeCtrl *n)
{
    return buffer_is_zero(n->resv.hostid, sizeof(n->resv.hostid));
}

/* Context: main loop.  Whether registrant @r is the host of @n. */
bool nvme_resv_is_host(NvmeCtrl *n, const NvmeResvReg *r)
{
    if (nvme_hostid_zero(n)) {
        return r->anon && r->cntlid == n->cntlid;
    }
    return !r->anon && r->ext == n->resv.hostid_ext &&
           !memcmp(r->hostid, n->resv.hostid, sizeof(r->hostid));
}

/* Context: main loop.  The registrant that is @n's host, or NULL. */
static NvmeResvReg *nvme_resv_find(NvmeNamespace *ns, NvmeCtrl *n)
{
    for (uint32_t i = 0; i < ns->resv.nr; i++) {
        if (nvme_resv_is_host(n, &ns->resv.regs[i])) {
            return &ns->resv.regs[i];
        }
    }
    return NULL;
}

/* Context: main loop.  Whether @r holds the namespace's reservation. */
static bool nvme_resv_holds(NvmeNamespace *ns, const NvmeResvReg *r)
{
    return r && ns->resv.rtype &&
           (nvme_resv_all_regs(ns->resv.rtype) || r->holder);
}

/* Context: main loop.  Registrant record of @n's host, not yet added. */
static NvmeResvReg nvme_resv_new_reg(NvmeCtrl *n, uint64_t key)
{
    NvmeResvReg r = { .key = key, .cntlid = n->cntlid };

    if (nvme_hostid_zero(n)) {
        r.anon = true;
    } else {
        memcpy(r.hostid, n->resv.hostid, sizeof(r.hostid));
        r.ext = n->resv.hostid_ext;
    }
    return r;
}

/* ---- notices (log page 80h) ---- */

/*
 * Context: main loop.  Raise "Reservation Log Page Available" unless such
 * an event is already queued (it is delivered once the host has read the
 * log of the previous one, see aer.c).
 */
static void nvme_resv_log_event(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->aer.queued; i++) {
        if (n->aer.queue[i].type == NVME_AER_TYPE_IO_SPECIFIC &&
            n->aer.queue[i].log_page == NVME_LOG_RESV_NOTIFY) {
            return;
        }
    }
    nvme_aer_enqueue(n, NVME_AER_TYPE_IO_SPECIFIC, AER_INFO_RESV_LOG,
                     NVME_LOG_RESV_NOTIFY);
}

/*
 * Context: main loop.  Add a notice of @type for @nsid to @n's log unless
 * feature 82h masks it; a full log drops its oldest page (the Log Page
 * Count shows the gap).
 */
static void nvme_resv_log_add(NvmeCtrl *n, uint32_t nsid, uint8_t type)
{
    if (n->resv.mask[nsid] & (1u << type)) {
        return;
    }
    if (++n->resv.log_count == 0) {
        n->resv.log_count = 1;      /* 0 means an empty page */
    }
    if (n->resv.log_nr == NVME_RESV_LOG_MAX) {
        memmove(&n->resv.log[0], &n->resv.log[1],
                (NVME_RESV_LOG_MAX - 1) * sizeof(n->resv.log[0]));
        n->resv.log_nr--;
    }
    n->resv.log[n->resv.log_nr++] = (NvmeResvNotice) {
        .count = n->resv.log_count, .nsid = nsid, .type = type,
    };
    trace_nvme_resv_notice(n->cntlid, nsid, type);
    nvme_resv_log_event(n);
}

/*
 * Context: main loop.  Notify every controller of the host of @r that has
 * @ns attached.
 */
static void nvme_resv_notify(NvmeNamespace *ns, const NvmeResvReg *r,
                             uint8_t type)
{
    NvmeSubsys *s = ns->subsys;

    for (unsigned id = 0; s && id < NVME_SUBSYS_MAX_CTRLS; id++) {
        NvmeCtrl *c = s->ctrls[id];

        if (c && c->ns[ns->nsid] == ns && nvme_resv_is_host(c, r)) {
            nvme_resv_log_add(c, ns->nsid, type);
        }
    }
}

/* Context: main loop.  Notify every registrant except @self. */
static void nvme_resv_notify_others(NvmeNamespace *ns,
                                    const NvmeResvReg *self, uint8_t type)
{
    for (uint32_t i = 0; i < ns->resv.nr; i++) {
        if (&ns->resv.regs[i] != self) {
            nvme_resv_notify(ns, &ns->resv.regs[i], type);
        }
    }
}

/* Context: main loop.  Log page 80h: the oldest unread page, or empty. */
size_t nvme_resv_fill_log(NvmeCtrl *n, uint8_t *buf)
{
    QEMU_LOCK_GUARD(&n->subsys->resv_lock);

    memset(buf, 0, RESV_LOG_SIZE);
    if (n->resv.log_nr) {
        NvmeResvNotice *e = &n->resv.log[0];

        stq_le_p(buf, e->count);
        buf[8] = e->type;
        buf[9] = MIN(n->resv.log_nr - 1, 255);  /* further unread pages */
        stl_le_p(buf + 12, e->nsid);
    }
    return RESV_LOG_SIZE;
}

/*
 * Context: main loop.  The host read log 80h: that page is gone.  Without
 * RAE the event type is unmasked and, if pages remain, announced again.
 */
void nvme_resv_log_read(NvmeCtrl *n, bool rae)
{
    QEMU_LOCK_GUARD(&n->subsys->resv_lock);

    if (n->resv.log_nr) {
        memmove(&n->resv.log[0], &n->resv.log[1],
                (n->resv.log_nr - 1) * sizeof(n->resv.log[0]));
        n->resv.log_nr--;
    }
    if (!n->resv.log_nr) {
        nvme_aer_forget(n, NVME_AER_TYPE_IO_SPECIFIC, NVME_LOG_RESV_NOTIFY);
    }
    if (!rae) {
        nvme_aer_unmask(n, NVME_AER_TYPE_IO_SPECIFIC);
        if (n->resv.log_nr) {
            nvme_resv_log_event(n);
        }
    }
}

/* ---- persistence (nvme-ns,resv-state=) ---- */

/* Context: main loop.  Serialize what survives a power loss. */
static GByteArray *nvme_resv_serialize(NvmeNamespace *ns)
{
    NvmeResv *r = &ns->resv;
    uint32_t nr = r->ptpl ? r->nr : 0;
    size_t len = RESV_FILE_HDR + nr * RESV_FILE_REC;
    g_autofree uint8_t *b = g_malloc0(len + 4);

    memcpy(b, RESV_FILE_MAGIC, 8);
    stl_le_p(b + 8, RESV_FILE_VERSION);
    stl_le_p(b + 12, ns->nsid);
    b[16] = r->ptpl;
    b[17] = r->ptpl ? r->rtype : 0;
    stw_le_p(b + 18, nr);
    stl_le_p(b + 20, r->gen);
    for (uint32_t i = 0; i < nr; i++) {
        uint8_t *p = b + RESV_FILE_HDR + i * RESV_FILE_REC;

        memcpy(p, r->regs[i].hostid, 16);
        stq_le_p(p + 16, r->regs[i].key);
        stw_le_p(p + 24, r->regs[i].cntlid);
        p[26] = r->regs[i].ext | (r->regs[i].anon << 1) |
                (r->regs[i].holder << 2);
    }
    stl_le_p(b + len, crc32c(0, b, len));
    return g_byte_array_new_take(g_steal_pointer(&b), len + 4);
}

/*
 * Context: main loop.  Write the state file atomically (temporary file,
 * fsync, rename).  A failure is reported on the monitor; the command that
 * changed the state has already taken effect.
 */
static bool nvme_resv_write(NvmeNamespace *ns, Error **errp)
{
    g_autoptr(GByteArray) data = nvme_resv_serialize(ns);
    g_autofree char *tmp = g_strdup_printf("%s.tmp", ns->resv.path);
    int fd = qemu_create(tmp, O_WRONLY | O_TRUNC, 0600, errp);
    bool ok;

    if (fd < 0) {
        return false;
    }
    ok = qemu_write_full(fd, data->data, data->len) == data->len &&
         qemu_fdatasync(fd) == 0;
    qemu_close(fd);
    if (!ok || rename(tmp, ns->resv.path) < 0) {
        error_setg_errno(errp, errno, "nvme-ns: cannot write '%s'",
                         ns->resv.path);
        unlink(tmp);
        return false;
    }
    return true;
}

/* Context: main loop.  The state changed: keep the file current. */
static void nvme_resv_changed(NvmeNamespace *ns)
{
    Error *err = NULL;

    if (ns->resv.path && !nvme_resv_write(ns, &err)) {
        error_report_err(err);
    }
}

/* Context: main loop (realize).  Check one loaded registrant record. */
static bool nvme_resv_load_reg(NvmeResv *r, const uint8_t *p, Error **errp)
{
    NvmeResvReg *g = &r->regs[r->nr];

    if (p[26] & ~7 || p[27] || ldl_le_p(p + 28)) {
        error_setg(errp, "registrant %u: reserved bits set", r->nr);
        return false;
    }
    memcpy(g->hostid, p, 16);
    g->key = ldq_le_p(p + 16);
    g->cntlid = lduw_le_p(p + 24);
    g->ext = p[26] & 1;
    g->anon = p[26] & 2;
    g->holder = p[26] & 4;
    r->nr++;
    return true;
}

/*
 * Context: main loop.  Why @r is a state no sequence of commands leads to
 * (a state file or an incoming migration says so), or NULL.
 */
static const char *nvme_resv_invalid(const NvmeResv *r)
{
    uint32_t holders = 0;

    if (r->nr > NVME_RESV_MAX_REGS || r->rtype > NVME_RESV_EA_AR ||
        (r->rtype && !r->nr)) {
        return "inconsistent registrant count or reservation type";
    }
    for (uint32_t i = 0; i < r->nr; i++) {
        const NvmeResvReg *g = &r->regs[i];

        if (g->anon != buffer_is_zero(g->hostid, 16) ||
            (g->anon && g->cntlid >= NVME_SUBSYS_MAX_CTRLS) ||
            (g->holder && (r->rtype == 0 || nvme_resv_all_regs(r->rtype)))) {
            return "a registrant is inconsistent";
        }
        for (uint32_t j = 0; j < i; j++) {
            if (r->regs[j].anon == g->anon &&
                (g->anon ? r->regs[j].cntlid == g->cntlid :
                 r->regs[j].ext == g->ext && !memcmp(r->regs[j].hostid,
                                                     g->hostid, 16))) {
                return "a registrant is listed twice";
            }
        }
        holders += g->holder;
    }
    if (r->rtype && !nvme_resv_all_regs(r->rtype) && holders != 1) {
        return "a reservation of type 1-4 without one holder";
    }
    return NULL;
}

/* Context: main loop (realize).  Parse and validate a state file. */
static bool nvme_resv_parse(NvmeNamespace *ns, const uint8_t *b, size_t len,
                            Error **errp)
{
    NvmeResv *r = &ns->resv;
    const char *why;
    uint32_t nr;
    uint8_t rtype;

    if (len < RESV_FILE_HDR + 4 || memcmp(b, RESV_FILE_MAGIC, 8)) {
        error_setg(errp, "not a reservation state file");
        return false;
    }
    if (ldl_le_p(b + 8) != RESV_FILE_VERSION) {
        error_setg(errp, "unsupported version %u", ldl_le_p(b + 8));
        return false;
    }
    nr = lduw_le_p(b + 18);
    rtype = b[17];
    if (len != RESV_FILE_HDR + nr * RESV_FILE_REC + 4 ||
        ldl_le_p(b + len - 4) != crc32c(0, b, len - 4)) {
        error_setg(errp, "truncated or corrupt (size or CRC mismatch)");
        return false;
    }
    if (ldl_le_p(b + 12) != ns->nsid || b[16] > 1 || rtype > NVME_RESV_EA_AR ||
        nr > NVME_RESV_MAX_REGS || (!b[16] && (nr || rtype)) ||
        (rtype && !nr) || ldq_le_p(b + 24)) {
        error_setg(errp, "inconsistent header (NSID %u, PTPL %u, RTYPE %u, "
                   "%u registrants)", ldl_le_p(b + 12), b[16], rtype, nr);
        return false;
    }
    for (uint32_t i = 0; i < nr; i++) {
        if (!nvme_resv_load_reg(r, b + RESV_FILE_HDR + i * RESV_FILE_REC,
                                errp)) {
            return false;
        }
    }
    r->ptpl = b[16];
    qatomic_set(&r->rtype, rtype);       /* the check reads it unlocked */
    r->gen = ldl_le_p(b + 20);
    why = nvme_resv_invalid(r);
    if (why) {
        error_setg(errp, "%s", why);
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize).  With @path, load the state file (a
 * missing file is a fresh state and is created at once, so an unusable
 * path fails here rather than later).
 */
bool nvme_resv_ns_setup(NvmeNamespace *ns, const char *path, Error **errp)
{
    g_autofree gchar *data = NULL;
    g_autoptr(GError) gerr = NULL;
    gsize len;

    memset(&ns->resv, 0, sizeof(ns->resv));
    if (!path) {
        return true;
    }
    ns->resv.path = g_strdup(path);
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        if (!g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            error_setg(errp, "nvme-ns: cannot read resv-state '%s': %s",
                       path, gerr->message);
            goto fail;
        }
    } else if (!nvme_resv_parse(ns, (uint8_t *)data, len, errp)) {
        error_prepend(errp, "nvme-ns: resv-state '%s': ", path);
        goto fail;
    }
    if (!nvme_resv_write(ns, errp)) {
        goto fail;
    }
    trace_nvme_resv_loaded(ns->nsid, ns->resv.ptpl, ns->resv.rtype,
                           ns->resv.nr);
    return true;

fail:
    nvme_resv_ns_cleanup(ns);
    return false;
}

/* Context: main loop (unrealize). */
void nvme_resv_ns_cleanup(NvmeNamespace *ns)
{
    g_free(ns->resv.path);
    memset(&ns->resv, 0, sizeof(ns->resv));
}

/* Context: any.  Identify Namespace RESCAP. */
uint8_t nvme_resv_rescap(NvmeNamespace *ns)
{
    return RESCAP_TYPES | (ns->resv.path ? RESCAP_PTPL : 0);
}

/* ---- the blocking rules (the table is resv-rules.c) ---- */

/*
 * Context: queue, or main loop for admin commands; takes resv_lock while
 * @ns has a reservation, else no lock (@rtype, atomic).  Whether @n's host
 * may run a command of group @grp on @ns.
 */
static bool nvme_resv_permits(NvmeCtrl *n, NvmeNamespace *ns, uint8_t grp)
{
    NvmeResvReg *me;

    if (!qatomic_read(&ns->resv.rtype)) {
        return true;
    }
    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    if (!ns->resv.rtype) {
        return true;
    }
    me = nvme_resv_find(ns, n);
    return nvme_resv_allows(ns->resv.rtype,
                            nvme_resv_role(ns->resv.rtype, me != NULL,
                                           me && me->holder), grp);
}

/* Context: queue.  Whether @n's host may read @ns (a Copy source). */
bool nvme_resv_permits_read(NvmeCtrl *n, NvmeNamespace *ns)
{
    return nvme_resv_permits(n, ns, NVME_RESV_GRP_READ);
}

/*
 * Context: queue, or main loop for admin commands (dispatch); no lock
 * while the namespaces have no reservation (nvme_resv_permits).
 * Reservation Conflict for a command of the table's read or write group
 * (@rule: the opcode's NVME_RESV_GRP_* and scope, resv-rules.h)
 * that a namespace it affects does not allow from this controller's host:
 * the resolved namespace, else the one NSID names, every attached one for
 * FFFFFFFFh where the command applies to all (Format NVM; a broadcast
 * Flush is not checked), every namespace of the subsystem for Sanitize.
 * DNR is set: the command fails the same way through any controller of
 * the host until the reservation changes.
 */
static uint16_t __attribute__((noinline))
nvme_resv_check_slow(NvmeCtrl *n, NvmeRequest *req, uint8_t rule)
{
    uint8_t grp = rule & NVME_RESV_GRP_MASK;
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    NvmeNamespace **all = NULL;
    NvmeNamespace *bad = NULL;

    if (req->ns) {
        bad = nvme_resv_permits(n, req->ns, grp) ? NULL : req->ns;
    } else if (rule & NVME_RESV_SUBSYS) {
        all = n->subsys->ns;
    } else if (nsid == NVME_NSID_BROADCAST) {
        all = rule & NVME_RESV_BCAST_ALL ? n->ns : NULL;
    } else if (nvme_ns(n, nsid)) {
        bad = nvme_resv_permits(n, n->ns[nsid], grp) ? NULL : n->ns[nsid];
    }
    for (uint32_t i = 1; all && !bad && i <= NVME_MAX_NSID; i++) {
        if (all[i] && !nvme_resv_permits(n, all[i], grp)) {
            bad = all[i];
        }
    }
    if (!bad) {
        return NVME_SUCCESS;
    }
    trace_nvme_resv_conflict(n->cntlid, bad->nsid, req->cmd.opcode,
                             bad->resv.rtype);
    nvme_req_err_field(req, 4, 0);
    return NVME_RESERVATION_CONFLICT | NVME_DNR;
}

/* Context: as above.  No reservation on the command's namespace: no frame. */
uint16_t nvme_resv_check(NvmeCtrl *n, NvmeRequest *req, uint8_t rule)
{
    if ((rule & NVME_RESV_GRP_MASK) == NVME_RESV_GRP_NONE ||
        (req->ns && !qatomic_read(&req->ns->resv.rtype))) {
        return NVME_SUCCESS;
    }
    return nvme_resv_check_slow(n, req, rule);
}

/* ---- commands ---- */

/* Context: main loop.  Reject with Reservation Conflict, saying why. */
static uint16_t nvme_resv_conflict(NvmeRequest *req, const char *why)
{
    qemu_log_mask(LOG_GUEST_ERROR, "nvme: reservation conflict: %s\n", why);
    return nvme_req_reject(req, NVME_RESERVATION_CONFLICT | NVME_DNR, 0, 0,
                           why);
}

/* Context: main loop.  Reject a bad field (guest misuse). */
static uint16_t nvme_resv_bad(NvmeRequest *req, unsigned byte, unsigned bit,
                              const char *why)
{
    qemu_log_mask(LOG_GUEST_ERROR, "nvme: reservation command: %s\n", why);
    return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, byte, bit, why);
}

/*
 * Context: main loop.  The registrant of @n's host with key @crkey
 * (unless @iekey), else NULL after setting *@status.
 */
static NvmeResvReg *nvme_resv_me(NvmeCtrl *n, NvmeRequest *req,
                                 uint64_t crkey, bool iekey,
                                 uint16_t *status)
{
    NvmeResvReg *me = nvme_resv_find(req->ns, n);

    *status = NVME_SUCCESS;
    if (!me) {
        *status = nvme_resv_conflict(req, "host is not a registrant");
    } else if (!iekey && me->key != crkey) {
        *status = nvme_resv_conflict(req, "CRKEY does not match");
        me = NULL;
    }
    return me;
}

/* Context: main loop.  Drop the reservation (no notices). */
static void nvme_resv_drop(NvmeResv *r)
{
    qatomic_set(&r->rtype, 0);
    for (uint32_t i = 0; i < r->nr; i++) {
        r->regs[i].holder = false;
    }
}

/*
 * Context: main loop.  Remove registrant @g; a reservation it held alone
 * goes with it, as does an all-registrants one when no registrant is
 * left.
 */
static void nvme_resv_remove(NvmeResv *r, NvmeResvReg *g)
{
    if (g->holder) {
        nvme_resv_drop(r);
    }
    memmove(g, g + 1, (r->regs + r->nr - (g + 1)) * sizeof(*g));
    r->nr--;
    if (!r->nr) {
        qatomic_set(&r->rtype, 0);
    }
}

/*
 * Context: main loop.  Unregister action: a registrants-only reservation
 * held by @me ends with a Reservation Released notice to the others; a
 * Write Exclusive or Exclusive Access one ends silently.
 */
static void nvme_resv_unregister(NvmeNamespace *ns, NvmeResvReg *me)
{
    uint8_t old = ns->resv.rtype;
    bool holder = me->holder;

    nvme_resv_remove(&ns->resv, me);
    if (holder && (old == NVME_RESV_WE_RO || old == NVME_RESV_EA_RO)) {
        nvme_resv_notify_others(ns, NULL, NOTICE_RESV_RELEASED);
    }
}

/* Context: main loop.  Register action 000b. */
static uint16_t nvme_resv_do_register(NvmeCtrl *n, NvmeRequest *req,
                                      NvmeResvReg *me, uint64_t nrkey)
{
    NvmeResv *r = &req->ns->resv;

    if (me) {
        return me->key == nrkey ? NVME_SUCCESS :
               nvme_resv_conflict(req, "registered with another key");
    }
    for (uint32_t i = 0; !nvme_hostid_zero(n) && i < r->nr; i++) {
        if (!r->regs[i].anon && r->regs[i].ext != n->resv.hostid_ext) {
            return nvme_req_reject(req, NVME_HOSTID_INCONSISTENT | NVME_DNR,
                                   0, 0, "registrants use the other host "
                                   "identifier size");
        }
    }
    if (r->nr == NVME_RESV_MAX_REGS) {
        error_report("nvme: namespace %u: more than %d registrants",
                     req->ns->nsid, NVME_RESV_MAX_REGS);
        return nvme_req_reject(req, NVME_INTERNAL_DEV_ERROR, 0, 0,
                               "registrant table full");
    }
    r->regs[r->nr++] = nvme_resv_new_reg(n, nrkey);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Reservation Register (0Dh): CDW10 RREGA (2:0),
 * IEKEY (3), CPTPL (31:30); data CRKEY, NRKEY.
 */
uint16_t nvme_nvm_resv_register(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t rrega = dw10 & 7, cptpl = dw10 >> 30;
    bool iekey = dw10 & (1u << 3);
    NvmeResv *r = &req->ns->resv;
    uint64_t keys[2];
    NvmeResvReg *me;
    uint16_t status;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    trace_nvme_resv_cmd(n->cntlid, req->ns->nsid, req->cmd.opcode, dw10);
    if (rrega > 2) {
        return nvme_resv_bad(req, 40, 0, "reserved RREGA");
    }
    if (cptpl == 1 || (cptpl == 3 && !r->path)) {
        return nvme_resv_bad(req, 43, 6, cptpl == 1 ? "reserved CPTPL" :
                             "PTPL needs nvme-ns,resv-state");
    }
    status = nvme_dma_from_guest(n, req, keys, sizeof(keys));
    if (status) {
        return status;
    }
    if (rrega == 0) {
        status = nvme_resv_do_register(n, req, nvme_resv_find(req->ns, n),
                                       le64_to_cpu(keys[1]));
    } else {
        me = nvme_resv_me(n, req, le64_to_cpu(keys[0]), iekey, &status);
        if (me && rrega == 2) {
            me->key = le64_to_cpu(keys[1]);
        } else if (me) {
            nvme_resv_unregister(req->ns, me);
        }
    }
    if (status) {
        return status;
    }
    if (cptpl >= 2) {
        r->ptpl = cptpl == 3;
    }
    r->gen++;
    nvme_resv_changed(req->ns);
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Unregister every registrant (@all) or those with @key,
 * except the one at index *@me, each with a Registration Preempted
 * notice, and append them to @gone (*@ngone of them); *@me follows its
 * registrant.  Returns how many registrants, *@me included, were
 * selected.
 */
static unsigned nvme_resv_preempt_regs(NvmeNamespace *ns, uint32_t *me,
                                       bool all, uint64_t key,
                                       NvmeResvReg *gone, uint32_t *ngone)
{
    NvmeResv *r = &ns->resv;
    unsigned matched = 0;

    for (uint32_t i = 0; i < r->nr;) {
        NvmeResvReg g = r->regs[i];

        if (!all && g.key != key) {
            i++;
            continue;
        }
        matched++;
        if (i == *me) {
            i++;
            continue;
        }
        nvme_resv_remove(r, &r->regs[i]);
        if (i < *me) {
            (*me)--;
        }
        gone[(*ngone)++] = g;
        nvme_resv_notify(ns, &g, NOTICE_REG_PREEMPTED);
    }
    return matched;
}

/*
 * Context: main loop.  Make @me the holder of a new reservation of
 * @rtype (the old one, if any, was preempted).
 */
static void nvme_resv_take(NvmeResv *r, NvmeResvReg *me, uint8_t rtype)
{
    nvme_resv_drop(r);
    qatomic_set(&r->rtype, rtype);       /* the check reads it unlocked */
    me->holder = !nvme_resv_all_regs(rtype);
}

/*
 * Context: queue.  Preempt (and abort): RACQA 001b and 010b; the
 * registrants it unregisters go to @gone (*@ngone of them).
 */
static uint16_t nvme_resv_preempt(NvmeRequest *req, NvmeResvReg *me,
                                  uint64_t prkey, uint8_t rtype,
                                  NvmeResvReg *gone, uint32_t *ngone)
{
    NvmeNamespace *ns = req->ns;
    NvmeResv *r = &ns->resv;
    uint32_t idx = me - r->regs;
    uint64_t holder_key = 0;
    bool takeover;

    for (uint32_t i = 0; i < r->nr; i++) {
        if (r->regs[i].holder) {
            holder_key = r->regs[i].key;
        }
    }
    if (r->rtype && !nvme_resv_all_regs(r->rtype)) {
        takeover = prkey == holder_key;
        if (!takeover && prkey == 0) {
            return nvme_resv_bad(req, 0, 0, "PRKEY 0 is not the holder's");
        }
    } else {
        takeover = r->rtype && prkey == 0;
    }
    /* with all registrants, PRKEY 0 takes over: every other one goes */
    if (!nvme_resv_preempt_regs(ns, &idx, takeover && prkey == 0, prkey,
                                gone, ngone)) {
        return nvme_resv_conflict(req, "PRKEY matches no registrant");
    }
    if (takeover) {
        nvme_resv_take(r, &r->regs[idx], rtype);
        nvme_resv_notify_others(ns, &r->regs[idx], NOTICE_RESV_PREEMPTED);
    }
    r->gen++;
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Reservation Acquire (11h): CDW10 RACQA (2:0), IEKEY
 * (3), RTYPE (15:8); data CRKEY, PRKEY.  Preempt and Abort also aborts
 * the commands the preempted hosts sent to the namespace that have not
 * completed, and completes after them (resv-abort.c).
 */
uint16_t nvme_nvm_resv_acquire(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t racqa = dw10 & 7, rtype = (dw10 >> 8) & 0xff;
    NvmeResv *r = &req->ns->resv;
    g_autofree NvmeResvReg *gone = NULL;
    uint32_t ngone = 0;
    uint64_t keys[2];
    NvmeResvReg *me;
    uint16_t status;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    trace_nvme_resv_cmd(n->cntlid, req->ns->nsid, req->cmd.opcode, dw10);
    if (racqa > 2) {
        return nvme_resv_bad(req, 40, 0, "reserved RACQA");
    }
    if (rtype == 0 || rtype > NVME_RESV_EA_AR) {
        return nvme_resv_bad(req, 41, 0, "invalid RTYPE");
    }
    status = nvme_dma_from_guest(n, req, keys, sizeof(keys));
    if (status) {
        return status;
    }
    me = nvme_resv_me(n, req, le64_to_cpu(keys[0]), dw10 & (1u << 3),
                      &status);
    if (!me) {
        return status;
    }
    if (racqa != 0) {
        gone = g_new(NvmeResvReg, NVME_RESV_MAX_REGS);
        status = nvme_resv_preempt(req, me, le64_to_cpu(keys[1]), rtype,
                                   gone, &ngone);
    } else if (!r->rtype) {
        nvme_resv_take(r, me, rtype);
    } else if (!nvme_resv_holds(req->ns, me)) {
        return nvme_resv_conflict(req, "another host holds the reservation");
    } else if (r->rtype != rtype) {
        return nvme_resv_conflict(req, "holder asks for another type");
    } else {
        return NVME_SUCCESS;    /* already held as asked */
    }
    if (status) {
        return status;
    }
    nvme_resv_changed(req->ns);
    if (racqa == 2 && ngone) {
        return nvme_resv_abort_start(req, gone, ngone);
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Reservation Release (15h): CDW10 RRELA (2:0),
 * IEKEY (3), RTYPE (15:8); data CRKEY.
 */
uint16_t nvme_nvm_resv_release(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t rrela = dw10 & 7, rtype = (dw10 >> 8) & 0xff, old;
    NvmeNamespace *ns = req->ns;
    NvmeResv *r = &ns->resv;
    uint64_t crkey;
    NvmeResvReg *me;
    uint16_t status;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    trace_nvme_resv_cmd(n->cntlid, ns->nsid, req->cmd.opcode, dw10);
    if (rrela > 1) {
        return nvme_resv_bad(req, 40, 0, "reserved RRELA");
    }
    status = nvme_dma_from_guest(n, req, &crkey, sizeof(crkey));
    if (status) {
        return status;
    }
    me = nvme_resv_me(n, req, le64_to_cpu(crkey), dw10 & (1u << 3), &status);
    if (!me) {
        return status;
    }
    if (rrela == 1) {                       /* clear */
        nvme_resv_notify_others(ns, me, NOTICE_RESV_PREEMPTED);
        nvme_resv_drop(r);
        r->nr = 0;
        r->gen++;
    } else if (!nvme_resv_holds(ns, me)) {
        return NVME_SUCCESS;    /* nothing held by this host: no effect */
    } else if (rtype != r->rtype) {
        return nvme_resv_bad(req, 41, 0, "RTYPE is not the reservation's");
    } else {
        old = r->rtype;
        nvme_resv_drop(r);
        if (old != NVME_RESV_WE && old != NVME_RESV_EA) {
            nvme_resv_notify_others(ns, me, NOTICE_RESV_RELEASED);
        }
    }
    nvme_resv_changed(ns);
    return NVME_SUCCESS;
}

/* Context: main loop.  Whether any registrant uses 128-bit host ids. */
static bool nvme_resv_any_ext(NvmeResv *r)
{
    for (uint32_t i = 0; i < r->nr; i++) {
        if (!r->regs[i].anon && r->regs[i].ext) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  One Registered Controller entry at @p (24 bytes,
 * or 64 with @eds) for registrant @g seen through controller @cntlid.
 */
static void nvme_resv_report_entry(NvmeNamespace *ns, uint8_t *p, bool eds,
                                   const NvmeResvReg *g, uint16_t cntlid)
{
    stw_le_p(p, cntlid);
    p[2] = nvme_resv_holds(ns, g);          /* RCSTS bit 0 */
    if (eds) {
        stq_le_p(p + 8, g->key);
        memcpy(p + 16, g->hostid, 16);
    } else {
        memcpy(p + 8, g->hostid, 8);
        stq_le_p(p + 16, g->key);
    }
}

/*
 * Context: main loop.  Registered Controller entries: one per controller
 * of each registrant's host that has the namespace attached, or one with
 * CNTLID FFFFh for a host without such a controller (state kept through a
 * power loss).  Returns the count.
 */
static uint16_t nvme_resv_report_fill(NvmeNamespace *ns, uint8_t *p,
                                      bool eds)
{
    unsigned esz = eds ? RESV_ENT_EXT : RESV_ENT;
    NvmeSubsys *s = ns->subsys;
    uint16_t cnt = 0;

    for (uint32_t i = 0; i < ns->resv.nr; i++) {
        NvmeResvReg *g = &ns->resv.regs[i];
        uint16_t before = cnt;

        for (unsigned id = 0; s && id < NVME_SUBSYS_MAX_CTRLS; id++) {
            NvmeCtrl *c = s->ctrls[id];

            if (c && c->ns[ns->nsid] == ns && nvme_resv_is_host(c, g)) {
                nvme_resv_report_entry(ns, p + cnt++ * esz, eds, g, id);
            }
        }
        if (cnt == before) {
            nvme_resv_report_entry(ns, p + cnt++ * esz, eds, g, 0xffff);
        }
    }
    return cnt;
}

/*
 * Context: main loop.  Reservation Report (0Eh): CDW10 NUMD (0-based
 * dwords), CDW11 EDS (bit 0).  A buffer shorter than the report gets its
 * first part.
 */
uint16_t nvme_nvm_resv_report(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns = req->ns;
    uint64_t len = ((uint64_t)le32_to_cpu(req->cmd.cdw10) + 1) * 4;
    bool eds = le32_to_cpu(req->cmd.cdw11) & 1;
    unsigned hdr = eds ? RESV_HDR_EXT : RESV_HDR;
    size_t max = hdr + (NVME_RESV_MAX_REGS + NVME_SUBSYS_MAX_CTRLS) *
                 (eds ? RESV_ENT_EXT : RESV_ENT);
    g_autofree uint8_t *buf = g_malloc0(max);
    uint16_t cnt;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    trace_nvme_resv_cmd(n->cntlid, ns->nsid, req->cmd.opcode,
                        le32_to_cpu(req->cmd.cdw11));
    if (len > nvme_mdts_bytes(n)) {
        return nvme_resv_bad(req, 40, 0, "NUMD beyond MDTS");
    }
    if (!eds && ((n->resv.hostid_ext && !nvme_hostid_zero(n)) ||
                 nvme_resv_any_ext(&ns->resv))) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: reservation report: 128-bit "
                      "host identifiers need EDS\n");
        return nvme_req_reject(req, NVME_HOSTID_INCONSISTENT | NVME_DNR,
                               44, 0, "128-bit host identifier, EDS 0");
    }
    cnt = nvme_resv_report_fill(ns, buf + hdr, eds);
    stl_le_p(buf, ns->resv.gen);
    buf[4] = ns->resv.rtype;
    stw_le_p(buf + 5, cnt);                 /* REGCTL */
    buf[9] = ns->resv.ptpl;                 /* PTPLS */
    return nvme_dma_to_guest_padded(n, req, buf,
                                    hdr + cnt * (eds ? RESV_ENT_EXT :
                                                 RESV_ENT), len);
}

/*
 * Context: main loop (controller unrealize).  A controller whose Host
 * Identifier is zero is a host of its own: its registrations go with it,
 * so a controller that later gets the same controller id does not
 * inherit them.
 */
void nvme_resv_ctrl_removed(NvmeCtrl *n)
{
    QEMU_LOCK_GUARD(&n->subsys->resv_lock);

    if (!nvme_hostid_zero(n)) {
        return;
    }
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = n->subsys->ns[nsid];
        NvmeResvReg *me = ns ? nvme_resv_find(ns, n) : NULL;

        if (me) {
            nvme_resv_unregister(ns, me);
            ns->resv.gen++;
            nvme_resv_changed(ns);
        }
    }
}

/* ---- features 81h, 82h, 83h ---- */

/* Context: main loop.  Whether @n's host is a registrant anywhere. */
static bool nvme_resv_host_registered(NvmeCtrl *n)
{
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = n->subsys->ns[nsid];

        if (ns && nvme_resv_find(ns, n)) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  Host Identifier (81h): CDW11 EXHID selects the
 * 128-bit form (16 bytes of data) over the 64-bit one (8 bytes).  It
 * cannot change while the host is a registrant of any namespace, and is
 * kept across controller resets (the registrations are the host's).
 */
static uint16_t nvme_resv_set_hostid(NvmeCtrl *n, NvmeRequest *req)
{
    bool ext = le32_to_cpu(req->cmd.cdw11) & 1;
    uint8_t id[16] = { 0 };
    uint16_t status;

    if (nvme_resv_host_registered(n)) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: host identifier change "
                      "while registered\n");
        return nvme_req_reject(req, NVME_CMD_SEQ_ERROR | NVME_DNR, 0, 0,
                               "host identifier of a registrant");
    }
    status = nvme_dma_from_guest(n, req, id, ext ? 16 : 8);
    if (status) {
        return status;
    }
    memcpy(n->resv.hostid, id, sizeof(id));
    n->resv.hostid_ext = ext;
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Get Host Identifier: EXHID must match the form
 * that was set (any form while it is zero).
 */
static uint16_t nvme_resv_get_hostid(NvmeCtrl *n, NvmeRequest *req,
                                     bool dflt)
{
    bool ext = le32_to_cpu(req->cmd.cdw11) & 1;
    uint8_t id[16] = { 0 };

    if (!dflt && !nvme_hostid_zero(n)) {
        if (ext != n->resv.hostid_ext) {
            return nvme_req_reject(req, NVME_HOSTID_INCONSISTENT | NVME_DNR,
                                   44, 0, "EXHID is not the form set");
        }
        memcpy(id, n->resv.hostid, sizeof(id));
    }
    return nvme_dma_to_guest(n, req, id, ext ? 16 : 8);
}

/*
 * Context: main loop.  The namespace a namespace-specific feature names;
 * FFFFFFFFh (all) only when @bcast_ok.
 */
static uint16_t nvme_resv_feat_ns(NvmeCtrl *n, NvmeRequest *req,
                                  bool bcast_ok, NvmeNamespace **ns)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    *ns = NULL;
    if (nsid == NVME_NSID_BROADCAST && bcast_ok) {
        return NVME_SUCCESS;
    }
    if (!nvme_nsid_valid(nsid)) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "namespace specific feature, bad NSID");
    }
    *ns = nvme_ns(n, nsid);
    if (!*ns) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 4, 0,
                               "namespace not attached");
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Get Features 81h-83h (SEL 0-2). */
uint16_t nvme_resv_get_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                               bool dflt)
{
    NvmeNamespace *ns;
    uint16_t status;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    if (fid == NVME_FEAT_HOST_ID) {
        return nvme_resv_get_hostid(n, req, dflt);
    }
    status = nvme_resv_feat_ns(n, req, false, &ns);
    if (status) {
        return status;
    }
    if (fid == NVME_FEAT_RESV_MASK) {
        req->result = dflt ? 0 : n->resv.mask[ns->nsid];
    } else {
        req->result = dflt ? 0 : ns->resv.ptpl;
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Set Features 81h-83h; 82h and 83h take FFFFFFFFh
 * for every attached namespace.
 */
uint16_t nvme_resv_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid)
{
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    NvmeNamespace *ns;
    uint16_t status;

    QEMU_LOCK_GUARD(&n->subsys->resv_lock);
    if (fid == NVME_FEAT_HOST_ID) {
        return nvme_resv_set_hostid(n, req);
    }
    status = nvme_resv_feat_ns(n, req, true, &ns);
    if (status) {
        return status;
    }
    /* FFFFFFFFh (ns NULL): every attached namespace, all or none */
    for (uint32_t nsid = 1; fid == NVME_FEAT_RESV_PERSIST && (dw11 & 1) &&
         nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *m = n->ns[nsid];

        if (m && (!ns || ns == m) && !m->resv.path) {
            return nvme_resv_bad(req, 44, 0, "PTPL needs nvme-ns,resv-state");
        }
    }
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *m = n->ns[nsid];

        if (!m || (ns && ns != m)) {
            continue;
        }
        if (fid == NVME_FEAT_RESV_MASK) {
            n->resv.mask[nsid] = dw11 & NOTICE_MASK_ALL;
        } else if (m->resv.ptpl != (dw11 & 1)) {
            m->resv.ptpl = dw11 & 1;
            nvme_resv_changed(m);
        }
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Controller reset: notification masks to default. */
void nvme_resv_features_reset(NvmeCtrl *n)
{
    QEMU_LOCK_GUARD(&n->subsys->resv_lock);

    memset(n->resv.mask, 0, sizeof(n->resv.mask));
}

/* ---- migration ---- */

static const VMStateDescription nvme_vmstate_resv_reg = {
    .name = "nvme-resv-reg",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(hostid, NvmeResvReg, 16),
        VMSTATE_BOOL(ext, NvmeResvReg),
        VMSTATE_BOOL(anon, NvmeResvReg),
        VMSTATE_UINT16(cntlid, NvmeResvReg),
        VMSTATE_BOOL(holder, NvmeResvReg),
        VMSTATE_UINT64(key, NvmeResvReg),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_resv_nr_ok(void *opaque, int version_id)
{
    return ((NvmeResv *)opaque)->nr <= NVME_RESV_MAX_REGS;
}

/* Context: main loop.  PTPL needs the namespace's resv-state file. */
static int nvme_resv_post_load(void *opaque, int version_id)
{
    NvmeResv *r = opaque;
    const char *why = nvme_resv_invalid(r);

    if (!why && r->ptpl && !r->path) {
        why = "Persist Through Power Loss without resv-state";
    }
    return why ? nvme_mig_bad_dev("namespace", "reservations: %s", why) : 0;
}

/* A namespace's reservations (part of its state, ns.c). */
const VMStateDescription nvme_vmstate_ns_resv = {
    .name = "nvme-ns-resv",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_resv_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(nr, NvmeResv),
        VMSTATE_VALIDATE("registrants within 64", nvme_resv_nr_ok),
        VMSTATE_STRUCT_VARRAY_UINT32(regs, NvmeResv, nr, 1,
                                     nvme_vmstate_resv_reg, NvmeResvReg),
        VMSTATE_UINT8(rtype, NvmeResv),
        VMSTATE_UINT32(gen, NvmeResv),
        VMSTATE_BOOL(ptpl, NvmeResv),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription nvme_vmstate_resv_notice = {
    .name = "nvme-resv-notice",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(count, NvmeResvNotice),
        VMSTATE_UINT32(nsid, NvmeResvNotice),
        VMSTATE_UINT8(type, NvmeResvNotice),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_resv_log_nr_ok(void *opaque, int version_id)
{
    return ((NvmeCtrl *)opaque)->resv.log_nr <= NVME_RESV_LOG_MAX;
}

/* Context: main loop.  Masks and notices are what commands could set. */
static int nvme_resv_ctrl_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeResvCtrl *c = &n->resv;

    for (uint32_t i = 0; i <= NVME_MAX_NSID; i++) {
        if (c->mask[i] & ~NOTICE_MASK_ALL) {
            return nvme_mig_bad(n, "reservation notification mask 0x%x",
                                c->mask[i]);
        }
    }
    for (uint32_t i = 0; i < c->log_nr; i++) {
        if (!nvme_nsid_valid(c->log[i].nsid) || !c->log[i].type ||
            c->log[i].type > NOTICE_RESV_PREEMPTED) {
            return nvme_mig_bad(n, "reservation notice %u invalid", i);
        }
    }
    return 0;
}

const VMStateDescription nvme_vmstate_resv = {
    .name = "nvme/resv",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_resv_ctrl_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(resv.hostid, NvmeCtrl, 16),
        VMSTATE_BOOL(resv.hostid_ext, NvmeCtrl),
        VMSTATE_UINT8_ARRAY(resv.mask, NvmeCtrl, NVME_MAX_NSID + 1),
        VMSTATE_UINT32(resv.log_nr, NvmeCtrl),
        VMSTATE_VALIDATE("notices within 64", nvme_resv_log_nr_ok),
        VMSTATE_STRUCT_VARRAY_UINT32(resv.log, NvmeCtrl, resv.log_nr, 1,
                                     nvme_vmstate_resv_notice,
                                     NvmeResvNotice),
        VMSTATE_UINT64(resv.log_count, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

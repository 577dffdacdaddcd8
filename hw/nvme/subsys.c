/*
 * NVM subsystems: the nvme-subsys device, controller ids, where namespaces
 * are allocated and which controllers they are attached to, the Namespace
 * Attachment command, Identify CNS 12h, 13h and 16h and the Changed
 * Namespace List log page with its Namespace Attribute Changed events.
 *
 * Every controller belongs to exactly one NvmeSubsys.  With
 * "-device nvme,subsys=<id>" that is the nvme-subsys device's (several
 * controllers, CMIC bit 1); otherwise the controller gets a private one of
 * its own, so allocation and attachment work the same way everywhere.
 * A namespace is allocated when its NSID is in NvmeSubsys.ns and attached
 * to a controller (active there) when it is in that controller's ns[].
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "block/block-global-state.h"
#include "qemu/error-report.h"
#include "hw/qdev-properties.h"
#include "ana.h"
#include "atomic.h"
#include "ctrl.h"
#include "dma.h"
#include "event.h"
#include "fdp.h"
#include "gate.h"
#include "id-ctrl.h"
#include "iothread.h"
#include "migration.h"
#include "ns.h"
#include "pool.h"
#include "props.h"
#include "queue.h"
#include "resv.h"
#include "selftest.h"
#include "stats.h"
#include "subsys.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

#define NVME_SUBSYS_NQN_PREFIX  "nqn.2019-08.org.qemu:"
#define NVME_NQN_MAX            223     /* NQN bytes without the NUL */
#define NVME_CTRL_LIST_MAX      2047    /* identifiers in a Controller List */
#define NVME_CHANGED_NS_MAX     1024    /* entries in log page 04h */
#define NVME_POOL_GRANULARITY   512     /* bytes: LBA format 0 */

/* Context: main loop (realize). */
static bool nvme_subsys_set_nqn(NvmeSubsys *s, const char *name, Error **errp)
{
    if (strlen(NVME_SUBSYS_NQN_PREFIX) + strlen(name) > NVME_NQN_MAX) {
        error_setg(errp, "nvme: subsystem NQN '%s%s' is longer than %d bytes",
                   NVME_SUBSYS_NQN_PREFIX, name, NVME_NQN_MAX);
        return false;
    }
    snprintf(s->subnqn, sizeof(s->subnqn), "%s%s", NVME_SUBSYS_NQN_PREFIX,
             name);
    return true;
}

/* Context: main loop (realize). */
static void nvme_subsys_realize(DeviceState *dev, Error **errp)
{
    NvmeSubsysDevice *d = NVME_SUBSYS(dev);
    const char *name = d->nqn && *d->nqn ? d->nqn : dev->id;

    if (!name || !*name) {
        error_setg(errp, "nvme-subsys: 'nqn' (or an 'id') is required");
        return;
    }
    if (d->s.pool.dir &&
        (!d->s.pool.size || !g_file_test(d->s.pool.dir, G_FILE_TEST_IS_DIR))) {
        error_setg(errp, "nvme-subsys: 'pool' must be a directory and "
                   "'pool-size' non-zero");
        return;
    }
    if (!d->s.pool.dir && d->s.pool.size) {
        error_setg(errp, "nvme-subsys: 'pool-size' needs 'pool'");
        return;
    }
    if (!nvme_subsys_set_nqn(&d->s, name, errp) ||
        !nvme_fdp_subsys_setup(&d->s, errp)) {      /* fdp.c */
        return;
    }
    d->s.multi = true;
    nvme_pool_start(&d->s, name, errp);    /* pool.c: the state file */
}

/*
 * Context: main loop.  Attach namespace @ns as NSID @nsid of @c, or
 * detach it (@ns NULL).  The queues look the table up without a lock, so
 * the entry is stored atomically; a detach then waits for @c's commands
 * that got the namespace before (nvme_ns_fence), while @c's other
 * namespaces and the other controllers keep running.
 */
void nvme_ns_set_attached(NvmeCtrl *c, uint32_t nsid, NvmeNamespace *ns)
{
    NvmeNamespace *old = c->ns[nsid];

    qatomic_set(&c->ns[nsid], ns);
    if (!ns && old) {
        nvme_ns_fence(c, old);                  /* iothread.c */
    }
}

/*
 * Context: main loop (controller realize).  Join the subsystem: take the
 * lowest free controller id and attach the shared namespaces allocated
 * so far (shared namespaces follow hotplugged controllers too).
 */
bool nvme_subsys_add_ctrl(NvmeCtrl *n, Error **errp)
{
    NvmeSubsys *s;
    uint16_t id;

    if (n->subsys_dev) {
        s = &n->subsys_dev->s;
    } else {
        s = n->own_subsys = g_new0(NvmeSubsys, 1);
        if (!nvme_subsys_set_nqn(s, n->params.serial, errp)) {
            g_free(s);
            n->own_subsys = NULL;
            return false;
        }
    }
    for (id = 0; id < NVME_SUBSYS_MAX_CTRLS && s->ctrls[id]; id++) {
        /* lowest free controller id */
    }
    if (id == NVME_SUBSYS_MAX_CTRLS) {
        error_setg(errp, "nvme: subsystem %s already has %d controllers",
                   s->subnqn, NVME_SUBSYS_MAX_CTRLS);
        return false;
    }
    if (!s->resv_lock_ready) {
        qemu_mutex_init(&s->resv_lock);
        s->resv_lock_ready = true;
    }
    s->ctrls[id] = n;
    n->cntlid = id;
    n->subsys = s;
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = s->ns[nsid];

        if (ns && ((ns->shared && ns->auto_attach) ||
                   test_bit(id, s->pool.attach[nsid]))) {
            nvme_ns_set_attached(n, nsid, ns);
        }
        clear_bit(id, s->pool.attach[nsid]);    /* at start only */
    }
    trace_nvme_subsys_add_ctrl(s->subnqn, id);
    return true;
}

/* Context: main loop (unrealize, failed realize). */
void nvme_subsys_remove_ctrl(NvmeCtrl *n)
{
    NvmeSubsys *s = n->subsys;

    if (!s) {
        return;
    }
    nvme_resv_ctrl_removed(n);      /* resv.c: a host without an id */
    if (n->builtin_ns.subsys == s) {
        nvme_subsys_remove_ns(&n->builtin_ns);
    }
    memset(n->ns, 0, sizeof(n->ns));
    if (s->ctrls[n->cntlid] == n) {
        s->ctrls[n->cntlid] = NULL;
    }
    n->subsys = NULL;
    if (n->own_subsys && n->own_subsys->resv_lock_ready) {
        qemu_mutex_destroy(&n->own_subsys->resv_lock);
    }
    g_free(n->own_subsys);
    n->own_subsys = NULL;
}

/*
 * Context: main loop (realize).  Seed of a namespace's derived UUID and
 * NGUID: the subsystem NQN where NSIDs are subsystem-wide (so every
 * controller reports the same, and namespaces of different subsystems
 * differ), the controller serial otherwise (as before subsystems).
 */
const char *nvme_subsys_id_seed(NvmeCtrl *n)
{
    return n->subsys->multi ? n->subsys->subnqn : n->params.serial;
}

/*
 * Context: main loop (realize).  Allocate @ns->nsid in @n's subsystem and
 * attach it unless ns->auto_attach is clear: to every controller when
 * shared, else to @n only.
 */
bool nvme_subsys_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                        Error **errp)
{
    NvmeSubsys *s = n->subsys;

    if (s->ns[nsid]) {
        error_setg(errp, "nvme-ns: nsid %u is already in use in %s", nsid,
                   s->subnqn);
        return false;
    }
    ns->nsid = nsid;
    ns->ctrl = n;
    ns->subsys = s;
    ns->shared = ns->shared && s->multi;
    qatomic_set(&s->ns[nsid], ns);
    nvme_stats_ns_new(s, nsid);
    if (!ns->auto_attach) {
        return true;
    }
    if (!ns->shared) {
        nvme_ns_set_attached(n, nsid, ns);
        return true;
    }
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i]) {
            nvme_ns_set_attached(s->ctrls[i], nsid, ns);
        }
    }
    return true;
}

/*
 * Context: main loop.  Detach @ns from every controller (each waits for
 * its commands on it), then let its backend settle (a broadcast flush
 * holds no namespace): afterwards no queue uses it.
 */
static void nvme_ns_detach_all(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;

    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i] && s->ctrls[i]->ns[ns->nsid] == ns) {
            nvme_ns_set_attached(s->ctrls[i], ns->nsid, NULL);
        }
    }
    blk_drain(ns->blk);
}

/*
 * Context: main loop (unrealize).  Detach everywhere, free the NSID; only
 * the commands on this namespace are waited for.
 */
void nvme_subsys_remove_ns(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;

    if (!s || s->ns[ns->nsid] != ns) {
        return;
    }
    nvme_ns_detach_all(ns);
    qatomic_set(&s->ns[ns->nsid], NULL);
    ns->subsys = NULL;
}

/* Context: main loop.  Whether @n has a Namespace Attribute event due. */
static bool nvme_ns_event_pending(NvmeCtrl *n, bool log_was_empty)
{
    for (uint32_t i = 0; i < n->aer.queued; i++) {
        if (n->aer.queue[i].type == NVME_AER_TYPE_NOTICE &&
            n->aer.queue[i].log_page == NVME_LOG_CHANGED_NSLIST) {
            return true;
        }
    }
    /* reported, and the host has not read the log yet */
    return !log_was_empty && (n->aer.masked & (1u << NVME_AER_TYPE_NOTICE));
}

/*
 * Context: main loop.  The attachment or attributes of @nsid on @n
 * changed: list it in the Changed Namespace List log and, when AEC bit 8
 * enables it and no event for that log is already queued or awaiting its
 * log read, raise a Namespace Attribute Changed notice.
 */
void nvme_ns_changed(NvmeCtrl *n, uint32_t nsid)
{
    bool was_empty = find_first_bit(n->changed_ns.map, NVME_MAX_NSID + 1) >
                     NVME_MAX_NSID;

    set_bit(nsid, n->changed_ns.map);
    if (!NVME_AEC_NS_ATTR(n->feat.cur.aec) ||
        nvme_ns_event_pending(n, was_empty)) {
        return;
    }
    nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE,
                     NVME_AER_INFO_NOTICE_NS_ATTR_CHANGED,
                     NVME_LOG_CHANGED_NSLIST);
}

/*
 * Context: main loop.  The Identify Namespace data of @ns changed (Format
 * NVM): every controller it is attached to hears about it.
 */
void nvme_ns_changed_all(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;

    for (unsigned id = 0; s && id < NVME_SUBSYS_MAX_CTRLS; id++) {
        if (s->ctrls[id] && s->ctrls[id]->ns[ns->nsid] == ns) {
            nvme_ns_changed(s->ctrls[id], ns->nsid);
        }
    }
}

/* Context: main loop.  Log page 04h: changed NSIDs, ascending. */
size_t nvme_log_fill_changed_ns(NvmeCtrl *n, uint8_t *buf)
{
    uint32_t *list = (uint32_t *)buf;
    unsigned cnt = 0;
    unsigned long nsid;

    for (nsid = find_first_bit(n->changed_ns.map, NVME_MAX_NSID + 1);
         nsid <= NVME_MAX_NSID;
         nsid = find_next_bit(n->changed_ns.map, NVME_MAX_NSID + 1, nsid + 1)) {
        if (cnt == NVME_CHANGED_NS_MAX) {   /* cannot happen with 256 */
            memset(list, 0, NVME_CHANGED_NS_MAX * sizeof(*list));
            list[0] = cpu_to_le32(NVME_NSID_BROADCAST);
            break;
        }
        list[cnt++] = cpu_to_le32(nsid);
    }
    return NVME_CHANGED_NS_MAX * sizeof(*list);
}

/* Context: main loop.  The host read log 04h without RAE. */
void nvme_log_clear_changed_ns(NvmeCtrl *n)
{
    bitmap_zero(n->changed_ns.map, NVME_MAX_NSID + 1);
}

/*
 * Context: main loop.  Read and check the Controller List of a Namespace
 * Attachment command into @ctrls; returns how many or 0 after setting
 * *status.
 */
static unsigned nvme_ctrl_list_get(NvmeCtrl *n, NvmeRequest *req,
                                   NvmeCtrl **ctrls, uint16_t *status)
{
    uint16_t list[NVME_CTRL_LIST_MAX + 1];
    unsigned cnt;

    *status = nvme_dma_from_guest(n, req, list, sizeof(list));
    if (*status) {
        return 0;
    }
    cnt = le16_to_cpu(list[0]);
    if (cnt == 0 || cnt > NVME_CTRL_LIST_MAX) {
        *status = NVME_NS_CTRL_LIST_INVALID | NVME_DNR;
        return 0;
    }
    for (unsigned i = 0; i < cnt; i++) {
        uint16_t id = le16_to_cpu(list[i + 1]);
        NvmeCtrl *c = id < NVME_SUBSYS_MAX_CTRLS ? n->subsys->ctrls[id] : NULL;

        for (unsigned j = 0; c && j < i; j++) {
            if (ctrls[j] == c) {
                c = NULL;       /* listed twice */
            }
        }
        if (!c) {
            *status = NVME_NS_CTRL_LIST_INVALID | NVME_DNR;
            return 0;
        }
        ctrls[i] = c;
    }
    return cnt;
}

/* Context: main loop.  Whether @ns is attached to any controller. */
static bool nvme_ns_attached_anywhere(NvmeNamespace *ns)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = ns->subsys->ctrls[i];

        if (c && c->ns[ns->nsid] == ns) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  Namespace Attachment (admin 15h).  Every listed
 * controller is checked before any changes, so a failed command changes
 * nothing.  Each controller whose attachment changed gets the NSID in its
 * Changed Namespace List log and a Namespace Attribute Changed event.
 */
uint16_t nvme_admin_ns_attachment(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint8_t sel = le32_to_cpu(req->cmd.cdw10) & 0xf;
    NvmeCtrl *ctrls[NVME_CTRL_LIST_MAX];
    NvmeNamespace *ns;
    uint16_t status;
    unsigned cnt;

    if (!nvme_nsid_valid(nsid)) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    if (sel != NVME_NS_ATTACHMENT_ATTACH && sel != NVME_NS_ATTACHMENT_DETACH) {
        nvme_req_err_field(req, 40, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    ns = n->subsys->ns[nsid];
    if (!ns) {
        /* a valid NSID that is not allocated */
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (ns->formatting) {
        /* its Format job erases it through this attachment: retry later */
        return nvme_req_reject(req, NVME_FORMAT_IN_PROGRESS, 4, 0,
                               "ns-attachment: namespace is being "
                               "formatted");
    }
    cnt = nvme_ctrl_list_get(n, req, ctrls, &status);
    if (!cnt) {
        return status;
    }
    for (unsigned i = 0; i < cnt; i++) {
        bool attached = ctrls[i]->ns[nsid] == ns;

        if (sel == NVME_NS_ATTACHMENT_DETACH) {
            if (!attached) {
                return NVME_NS_NOT_ATTACHED | NVME_DNR;
            }
            continue;
        }
        if (attached) {
            return NVME_NS_ALREADY_ATTACHED | NVME_DNR;
        }
        if (!ns->shared && (cnt > 1 || nvme_ns_attached_anywhere(ns))) {
            return NVME_NS_PRIVATE | NVME_DNR;
        }
    }
    for (unsigned i = 0; i < cnt; i++) {
        trace_nvme_ns_attachment(nsid, ctrls[i]->cntlid, sel);
        nvme_ns_set_attached(ctrls[i], nsid,
                             sel == NVME_NS_ATTACHMENT_ATTACH ? ns : NULL);
        nvme_ns_changed(ctrls[i], nsid);
        nvme_ana_ns_attach_changed(ctrls[i], ns);   /* ana.c: log 0Ch */
    }
    nvme_pool_changed(n->subsys);
    return NVME_SUCCESS;
}

/* Context: main loop.  Controller List: ids >= @from, ascending. */
static uint16_t nvme_ctrl_list_send(NvmeCtrl *n, NvmeRequest *req,
                                    NvmeNamespace *ns, uint16_t from)
{
    uint16_t list[NVME_CTRL_LIST_MAX + 1] = { 0 };
    unsigned cnt = 0;

    for (unsigned id = from; id < NVME_SUBSYS_MAX_CTRLS; id++) {
        NvmeCtrl *c = n->subsys->ctrls[id];

        if (c && (!ns || c->ns[ns->nsid] == ns)) {
            list[++cnt] = cpu_to_le16(id);
        }
    }
    list[0] = cpu_to_le16(cnt);
    return nvme_dma_to_guest(n, req, list, sizeof(list));
}

/*
 * Context: main loop.  Identify CNS 12h: controllers (ids >= CNTID) the
 * allocated namespace @nsid is attached to; none for an unallocated one.
 */
uint16_t nvme_identify_ns_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid)
{
    uint16_t from = le16_to_cpu(((NvmeIdentify *)&req->cmd)->ctrlid);

    if (!nvme_nsid_valid(nsid)) {
        return nvme_req_reject(req, NVME_INVALID_NSID | NVME_DNR, 4, 0,
                               "identify: NSID outside 1..NN");
    }
    if (!n->subsys->ns[nsid]) {
        return nvme_ctrl_list_send(n, req, NULL, NVME_SUBSYS_MAX_CTRLS);
    }
    return nvme_ctrl_list_send(n, req, n->subsys->ns[nsid], from);
}

/* Context: main loop.  Identify CNS 13h: the subsystem's controllers. */
uint16_t nvme_identify_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                 uint32_t nsid)
{
    uint16_t from = le16_to_cpu(((NvmeIdentify *)&req->cmd)->ctrlid);

    return nvme_ctrl_list_send(n, req, NULL, from);
}

/*
 * Context: main loop.  Identify CNS 16h, Namespace Granularity List (with
 * a pool: CTRATT bit 7).  A created namespace takes exactly NSZE blocks
 * of the pool, so one descriptor for every LBA format (NGA bit 0 clear)
 * gives the smallest block size as size and capacity granularity.
 */
uint16_t nvme_identify_ns_granularity(NvmeCtrl *n, NvmeRequest *req,
                                      uint32_t nsid)
{
    uint8_t buf[NVME_IDENTIFY_DATA_SIZE] = { 0 };

    if (!n->subsys->pool.dir) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "Namespace Granularity List: no Namespace "
                               "Management (CTRATT bit 7)");
    }
    buf[31] = 0;                        /* NUMDESC, 0-based: one */
    stq_le_p(buf + 32, NVME_POOL_GRANULARITY);     /* NSZEG, bytes */
    stq_le_p(buf + 40, NVME_POOL_GRANULARITY);     /* NCAPG, bytes */
    return nvme_dma_to_guest(n, req, buf, sizeof(buf));
}

/*
 * ---- Namespace Management (admin 0Dh) ----
 *
 * With "nvme-subsys,pool=<dir>,pool-size=<bytes>" the host can create
 * namespaces: each is a raw image <dir>/ns<NSID>.img of exactly the
 * namespace's size, made when the namespace is created and removed when
 * it is deleted.  Its capacity comes out of pool-size.  Namespaces of
 * the command line (nvme-ns devices, a controller's drive=) are not the
 * pool's: they count in TNVMCAP while allocated; deleting one lets its
 * drive go and leaves its data alone.
 */

/* Context: main loop.  Image path of created namespace @nsid. */
static char *nvme_pool_path(NvmeSubsys *s, uint32_t nsid)
{
    return g_strdup_printf("%s/ns%u.img", s->pool.dir, nsid);
}

/*
 * Context: main loop.  Identify Controller fields that depend on the
 * subsystem's namespaces (id-ctrl.c): with a pool, OACS bit 3, CTRATT
 * bit 7, TNVMCAP, UNVMCAP and MNAN.
 */
void nvme_subsys_id_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in)
{
    NvmeSubsys *s = n->subsys;
    uint64_t total = s->pool.size;

    in->pool.on = s->pool.dir;
    if (!in->pool.on) {
        return;
    }
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        if (s->ns[nsid] && !s->pool.created[nsid]) {
            int64_t len = blk_getlength(s->ns[nsid]->blk);

            total += len > 0 ? len : 0;
        }
    }
    in->pool.tnvmcap = total;
    in->pool.unvmcap = s->pool.size - s->pool.used;
}

/*
 * Context: main loop.  Open the image of namespace @nsid: with @create a
 * new one of @bytes zeroes (a sparse file), else the existing one, which
 * must hold @bytes (a namespace coming back at start or by migration).
 * On an incoming migration the image stays inactive until the
 * destination takes over, like every drive (the source still writes).
 */
BlockBackend *nvme_pool_open(NvmeSubsys *s, uint32_t nsid, uint64_t bytes,
                             bool create, Error **errp)
{
    g_autofree char *path = nvme_pool_path(s, nsid);
    int flags = BDRV_O_RDWR;
    BlockDriverState *bs;
    BlockBackend *blk;
    QDict *opts;
    int64_t len;
    int fd;

    if (create) {
        fd = qemu_create(path, O_RDWR | O_TRUNC, 0644, errp);
        if (fd < 0) {
            return NULL;
        }
        if (ftruncate(fd, bytes) < 0) {
            error_setg_errno(errp, errno, "cannot size '%s'", path);
            qemu_close(fd);
            unlink(path);
            return NULL;
        }
        qemu_close(fd);
    }
    if (runstate_check(RUN_STATE_INMIGRATE)) {
        flags |= BDRV_O_INACTIVE;
    }
    opts = qdict_new();
    qdict_put_str(opts, "driver", "raw");
    bs = bdrv_open(path, NULL, opts, flags, errp);
    /*
     * Like blk_new_open(), but no device owns the backend: say first that
     * it may be inactive (until the switchover, or once migrated away).
     */
    blk = blk_new(qemu_get_aio_context(),
                  BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE, BLK_PERM_ALL);
    blk_set_force_allow_inactivate(blk);
    if (!bs || blk_insert_bs(blk, bs, errp) < 0) {
        bdrv_unref(bs);
        blk_unref(blk);
        if (create) {
            unlink(path);
        }
        return NULL;
    }
    bdrv_unref(bs);
    len = blk_getlength(blk);
    if (len < 0 || len < bytes) {
        error_setg(errp, "'%s' holds %" PRId64 " bytes, the namespace %"
                   PRIu64, path, len, bytes);
        blk_unref(blk);
        return NULL;
    }
    blk_set_enable_write_cache(blk, true);
    blk_iostatus_enable(blk);
    return blk;
}

/* Context: main loop.  Random NGUID and UUID of a created namespace. */
static void nvme_pool_ids(NvmeNamespace *ns)
{
    QemuUUID g;

    qemu_uuid_generate(&ns->uuid);
    qemu_uuid_generate(&g);
    memcpy(ns->nguid, g.data, sizeof(ns->nguid));
}

/*
 * Context: main loop.  SEL 0: the host's Identify Namespace structure
 * gives NSZE, NCAP, FLBAS, DPS and NMIC; the namespace gets the lowest
 * free NSID (CDW0) and is left unattached.
 */
static uint16_t nvme_ns_create(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeSubsys *s = n->subsys;
    uint8_t csi = le32_to_cpu(req->cmd.cdw11) >> 24;
    g_autofree NvmeIdNs *id = g_new0(NvmeIdNs, 1);
    NvmeNamespace probe = { .meta_formats = false, .conf_lbads = 9 };
    NvmeNamespace *ns;
    uint64_t nsze, ncap, bytes;
    uint8_t fmt, lbads;
    uint16_t status;
    uint32_t nsid;
    BlockBackend *blk;
    Error *err = NULL;

    if (csi != NVME_CSI_NVM) {
        nvme_req_err_field(req, 47, 0);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    status = nvme_dma_from_guest(n, req, id, sizeof(*id));
    if (status) {
        return status;
    }
    nsze = le64_to_cpu(id->nsze);
    ncap = le64_to_cpu(id->ncap);
    /* FLBAS bits 3:0 and 6:5 index the format; no metadata: bit 4 moot */
    fmt = (id->flbas & 0xf) | ((id->flbas >> 1) & 0x30);
    lbads = fmt < 2 ? nvme_ns_lbaf_ds(&probe, fmt) : 0;
    if (nsze == 0 || ncap > nsze) {
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (ncap < nsze) {
        return NVME_THIN_PROV_NOT_SUPP | NVME_DNR;
    }
    if (!lbads || (id->flbas & 0x80)) {
        return NVME_INVALID_FORMAT | NVME_DNR;
    }
    if (id->dps) {
        return NVME_INVALID_FIELD | NVME_DNR;   /* no metadata, no PI */
    }
    if ((id->nmic & ~1) || ((id->nmic & 1) && !s->multi)) {
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    if (nsze > (s->pool.size - s->pool.used) >> lbads) {
        return NVME_NS_INSUFFICIENT_CAP | NVME_DNR;
    }
    bytes = nsze << lbads;
    for (nsid = 1; nsid <= NVME_MAX_NSID && s->ns[nsid]; nsid++) {
        /* lowest free NSID */
    }
    if (nsid > NVME_MAX_NSID) {
        return NVME_NS_ID_UNAVAILABLE | NVME_DNR;
    }
    blk = nvme_pool_open(s, nsid, bytes, true, &err);
    if (!blk) {
        warn_report_err(err);
        return NVME_INTERNAL_DEV_ERROR;
    }
    ns = nvme_pool_ns_new(s, nsid, blk, bytes, lbads, id->nmic & 1);
    nvme_pool_ids(ns);
    ns->lbaf = fmt;
    ns->ctrl = n;
    req->result = nsid;
    nvme_pool_changed(s);               /* pool.c: the state file */
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Namespace @nsid of the pool on its image @blk, of
 * @bytes and configured block size 2^@lbads (its format; created
 * namespaces have no metadata): allocated, attached nowhere.
 */
NvmeNamespace *nvme_pool_ns_new(NvmeSubsys *s, uint32_t nsid,
                                BlockBackend *blk, uint64_t bytes,
                                uint8_t lbads, bool shared)
{
    NvmeNamespace *ns = g_new0(NvmeNamespace, 1);

    ns->blk = blk;
    ns->lbads = lbads;
    ns->conf_lbads = lbads;
    ns->lbasz = 1u << lbads;
    ns->lbaf = lbads == 9 ? 0 : 1;
    ns->pbs = ns->lbasz;
    ns->nlbas = bytes >> lbads;
    ns->wce_default = true;
    ns->shared = shared;
    ns->copy = NVME_COPY_DEFAULTS;      /* as nvme-ns without mssrl... */
    nvme_atomic_ns_init(ns, NULL);
    nvme_unc_init(ns);
    nvme_gate_init(ns);
    nvme_pool_ids(ns);
    nvme_fdp_ns_setup(ns, s, NULL, &error_abort);  /* handle 0 (fdp.c) */
    ns->nsid = nsid;
    ns->subsys = s;
    s->ns[nsid] = ns;
    nvme_stats_ns_new(s, nsid);
    s->pool.created[nsid] = bytes;
    s->pool.used += bytes;
    trace_nvme_ns_setup(nsid, ns->nlbas, ns->lbasz);
    return ns;
}

/*
 * Context: main loop.  A namespace of the command line (nvme-ns, or the
 * controller's drive=) was deleted: its data is flushed and left alone,
 * and the drive is let go (its permissions dropped, so its image is
 * free); the device stays, unattached, until QEMU exits, and the command
 * line brings the namespace back at the next start.
 */
static void nvme_ns_release_drive(NvmeNamespace *ns)
{
    Error *err = NULL;

    blk_flush(ns->blk);
    if (blk_set_perm(ns->blk, 0, BLK_PERM_ALL, &err) < 0) {
        warn_report_err(err);
    }
    ns->subsys = NULL;
}

/*
 * Context: main loop.  Delete allocated namespace @nsid: detach it from
 * every controller, each waiting for its commands on it (nvme_ns_fence;
 * Changed Namespace List, events), free
 * its NSID and marks; a created namespace's image and capacity go back to
 * the pool, a command-line one lets its drive go.
 */
static void nvme_ns_destroy(NvmeSubsys *s, uint32_t nsid)
{
    g_autofree char *path = nvme_pool_path(s, nsid);
    bool created = s->pool.created[nsid];

    nvme_pool_ns_free(s, nsid);
    if (created) {
        unlink(path);
    }
}

/*
 * Context: main loop.  Free namespace @nsid (detached from every
 * controller, each waiting for its commands on it), its NSID, its
 * capacity and marks; a created namespace's image stays (an incoming
 * migration or loadvm replaces the set of created namespaces: the image
 * may be the source's to delete).
 */
void nvme_pool_ns_free(NvmeSubsys *s, uint32_t nsid)
{
    NvmeNamespace *ns = s->ns[nsid];

    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = s->ctrls[i];

        if (c && c->ns[nsid] == ns) {
            nvme_ns_set_attached(c, nsid, NULL);
            nvme_ns_changed(c, nsid);
            nvme_ana_ns_attach_changed(c, ns);
        }
        if (c) {
            nvme_selftest_abort_ns(c, nsid, NVME_DST_ABORTED_NS_REMOVED);
        }
    }
    blk_drain(ns->blk);         /* a broadcast flush holds no namespace */
    qatomic_set(&s->ns[nsid], NULL);
    nvme_unc_free(ns);
    nvme_fdp_ns_cleanup(ns);
    trace_nvme_ns_delete(nsid, !s->pool.created[nsid]);
    if (!s->pool.created[nsid]) {
        nvme_ns_release_drive(ns);      /* its unrealize cleans up */
        return;
    }
    s->pool.used -= s->pool.created[nsid];
    s->pool.created[nsid] = 0;
    nvme_unc_cleanup(ns);
    nvme_gate_cleanup(ns);
    nvme_atomic_ns_cleanup(ns);     /* a command-line one keeps its own */
    blk_unref(ns->blk);
    g_free(ns);
}

/*
 * Context: main loop.  SEL 1: an allocated NSID, or FFFFFFFFh for every
 * allocated namespace, the command line's included.
 */
static uint16_t nvme_ns_delete(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeSubsys *s = n->subsys;
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    if (nsid == NVME_NSID_BROADCAST) {
        for (nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
            if (s->ns[nsid] && s->ns[nsid]->formatting) {
                return NVME_FORMAT_IN_PROGRESS;     /* nothing deleted */
            }
        }
        for (nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
            if (s->ns[nsid]) {
                nvme_ns_destroy(s, nsid);
            }
        }
        nvme_pool_changed(s);
        return NVME_SUCCESS;
    }
    if (!nvme_nsid_valid(nsid)) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_NSID | NVME_DNR;
    }
    if (!s->ns[nsid]) {
        nvme_req_err_field(req, 4, 0);
        return NVME_INVALID_FIELD | NVME_DNR;       /* unallocated */
    }
    if (s->ns[nsid]->formatting) {
        return NVME_FORMAT_IN_PROGRESS;     /* retry once Format is done */
    }
    nvme_ns_destroy(s, nsid);
    nvme_pool_changed(s);
    return NVME_SUCCESS;
}

/* Context: main loop.  Namespace Management (admin 0Dh). */
uint16_t nvme_admin_ns_mgmt(NvmeCtrl *n, NvmeRequest *req)
{
    uint8_t sel = le32_to_cpu(req->cmd.cdw10) & 0xf;

    if (!n->subsys->pool.dir) {
        return NVME_INVALID_OPCODE | NVME_DNR;
    }
    switch (sel) {
    case 0:
        return nvme_ns_create(n, req);
    case 1:
        return nvme_ns_delete(n, req);
    }
    nvme_req_err_field(req, 40, 0);
    return NVME_INVALID_FIELD | NVME_DNR;
}

/* ---- migration: a controller's namespace attachments ---- */

/* Context: main loop.  Only bits of NSIDs count (the words hold more). */
static void nvme_nsid_map_trim(unsigned long *map)
{
    clear_bit(0, map);
    bitmap_clear(map, NVME_MAX_NSID + 1,
                 BITS_TO_LONGS(NVME_MAX_NSID + 1) * BITS_PER_LONG -
                 (NVME_MAX_NSID + 1));
}

static int nvme_changed_ns_post_load(void *opaque, int version_id)
{
    nvme_nsid_map_trim(((NvmeCtrl *)opaque)->changed_ns.map);
    return 0;
}

/* Changed Namespace List log (04h): the NSIDs not read yet. */
const VMStateDescription nvme_vmstate_changed_ns = {
    .name = "nvme/changed-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_changed_ns_post_load,
    .fields = (const VMStateField[]) {
        NVME_VMSTATE_NSID_MAP(changed_ns.map, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop.  The attached NSIDs as a bitmap. */
static int nvme_attached_pre_save(void *opaque)
{
    NvmeCtrl *n = opaque;

    bitmap_zero(n->mig.attached, NVME_MAX_NSID + 1);
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        if (n->ns[nsid]) {
            set_bit(nsid, n->mig.attached);
        }
    }
    return 0;
}

/*
 * Context: main loop.  Attach what the source had attached: namespaces
 * of nvme-ns devices, the controller's own and created ones (whose
 * subsystem's section came first and made them).  The queues were
 * deleted (pre_load): nothing uses a namespace, none needs a fence.
 */
static int nvme_attached_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeSubsys *s = n->subsys;

    if (test_bit(0, n->mig.attached)) {
        return nvme_mig_bad(n, "NSID 0 attached");
    }
    nvme_nsid_map_trim(n->mig.attached);
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = s->ns[nsid];

        if (!test_bit(nsid, n->mig.attached)) {
            qatomic_set(&n->ns[nsid], NULL);    /* no queue: no fence */
            continue;
        }
        if (!ns) {
            return nvme_mig_bad(n, "namespace %u is attached there and does "
                                "not exist here", nsid);
        }
        qatomic_set(&n->ns[nsid], ns);
    }
    return 0;
}

const VMStateDescription nvme_vmstate_attached = {
    .name = "nvme/attached",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_attached_pre_save,
    .post_load = nvme_attached_post_load,
    .fields = (const VMStateField[]) {
        NVME_VMSTATE_NSID_MAP(mig.attached, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

static const Property nvme_subsys_props[] = {
    DEFINE_PROP_STRING("nqn", NvmeSubsysDevice, nqn),
    DEFINE_PROP_STRING("pool", NvmeSubsysDevice, s.pool.dir),
    DEFINE_PROP_SIZE("pool-size", NvmeSubsysDevice, s.pool.size, 0),
    DEFINE_PROP_BOOL("fdp", NvmeSubsysDevice, s.fdp.conf.fdp, false),
    DEFINE_PROP_SIZE("fdp.runs", NvmeSubsysDevice, s.fdp.conf.runs,
                     NVME_FDP_DEFAULT_RUNS),
    DEFINE_PROP_UINT32("fdp.nrg", NvmeSubsysDevice, s.fdp.conf.nrg, 1),
    DEFINE_PROP_UINT16("fdp.nruh", NvmeSubsysDevice, s.fdp.conf.nruh, 0),
};

static const NvmePropDesc nvme_subsys_prop_descs[] = {
    { "nqn", "NVM Subsystem NQN suffix: nqn.2019-08.org.qemu:<nqn> "
      "(default: the device id)" },
    { "pool", "directory of the Namespace Management capacity pool" },
    { "pool-size", "capacity of the pool (required with pool)" },
    { "fdp", "Flexible Data Placement on the endurance group" },
    { "fdp.runs", "FDP reclaim unit nominal size (default 96M)" },
    { "fdp.nrg", "FDP reclaim groups (default 1)" },
    { "fdp.nruh", "FDP reclaim unit handles (required with fdp=on)" },
};

static void nvme_subsys_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->realize = nvme_subsys_realize;
    dc->desc = "NVM Express subsystem (clean-room)";
    dc->hotpluggable = false;
    dc->vmsd = &nvme_vmstate_subsys;        /* pool.c */
    device_class_set_props(dc, nvme_subsys_props);
    nvme_prop_descs_set(oc, nvme_subsys_prop_descs,
                        ARRAY_SIZE(nvme_subsys_prop_descs));
}

static const TypeInfo nvme_subsys_types[] = {
    {
        .name = TYPE_NVME_SUBSYS,
        .parent = TYPE_DEVICE,
        .instance_size = sizeof(NvmeSubsysDevice),
        .class_init = nvme_subsys_class_init,
    },
};

DEFINE_TYPES(nvme_subsys_types)

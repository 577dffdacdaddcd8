/*
 * NVMe atomic write units: AWUN / AWUPF (nvme atomic.awun, atomic.awupf),
 * the Write Atomicity Normal feature (atomic.dn at reset), and a
 * namespace's NAWUN / NAWUPF with its atomic boundaries (nvme-ns
 * atomic.nawun, nawupf, nabo, nabsn, nabspf; NSFEAT bit 1).
 *
 * A Write that fits the unit in force (AWUN, or AWUPF once the host set
 * DN; a namespace's NAWUN / NAWUPF when it crosses none of its NABSN /
 * NABSPF boundaries) is atomic against every other command: the
 * namespace's overlap lock grants it its LBA range alone.  Reads and the
 * other writes hold their ranges too, shared, so that an atomic write
 * waits for the overlapping ones already running and they wait for it.
 * Requests take the lock in arrival order: a request waits for every
 * earlier one (running or waiting) it conflicts with, so an atomic write
 * is never starved by a stream of reads.  Only namespaces that can see
 * such writes (NSABP, or a controller of the subsystem with AWUN or
 * AWUPF above one block) pay for the lock: one mutex per namespace,
 * never a global one.
 *
 * A waiting request is resumed by its own SQ: the releasing thread marks
 * it READY and schedules the SQ's bottom half (nvme_atomic_sq_run from
 * the fetch path), so a request always continues in its queue's context.
 *
 * Against QEMU being killed, the device sends a write within the unit to
 * the block layer as one request (it is never split by the device; the
 * power-fail unit must fit the backend's maximum transfer); docs/nvme.rst
 * says what the backends guarantee for such a request.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qapi/error.h"
#include "system/block-backend.h"
#include "atomic.h"
#include "ctrl.h"
#include "id-ctrl.h"
#include "id-ns.h"
#include "ns.h"
#include "queue.h"
#include "trace.h"

/* ---- the rules (plain inputs) ---- */

/*
 * Context: any.  Does the write of @nlb blocks at @slba cross an atomic
 * boundary of size @bsize (0-based blocks) starting at LBA @nabo?  The
 * blocks before @nabo are one region of their own.
 */
bool nvme_atomic_crosses(uint64_t slba, uint64_t nlb, uint64_t nabo,
                         uint32_t bsize)
{
    uint64_t last = slba + nlb - 1;
    uint64_t size = (uint64_t)bsize + 1;

    if (last < nabo) {
        return false;
    }
    if (slba < nabo) {
        return true;
    }
    return (slba - nabo) / size != (last - nabo) / size;
}

/*
 * Context: queue.  Is a Write of @nlb blocks at @slba through @n atomic?
 * The controller's unit holds even across boundaries (as the spec asks
 * of AWUN / AWUPF); the namespace's only within them.
 */
static bool nvme_atomic_eligible(NvmeCtrl *n, NvmeNamespace *ns,
                                 uint64_t slba, uint64_t nlb)
{
    const NvmeNsAtomicParams *p = &ns->atomic.p;
    bool pf_only = n->feat.cur.write_atomicity_dn;
    uint32_t unit, bsize;

    unit = 1 + (pf_only ? n->params.atomic.awupf : n->params.atomic.awun);
    if (nlb <= unit) {
        return true;
    }
    if (!ns->atomic.nsabp) {
        return false;
    }
    unit = 1 + (pf_only ? p->nawupf : p->nawun);
    bsize = pf_only ? p->nabspf : p->nabsn;
    return nlb <= unit &&
           (!bsize || !nvme_atomic_crosses(slba, nlb, p->nabo, bsize));
}

/* Context: any, under the lock.  Must @b wait for the earlier @a? */
static bool nvme_atomic_conflict(const NvmeAtomicReq *a,
                                 const NvmeAtomicReq *b)
{
    if (a->kind != NVME_ATOMIC_UNIT && b->kind != NVME_ATOMIC_UNIT) {
        return false;           /* no atomicity asked of either */
    }
    return a->slba < b->end && b->slba < a->end;
}

/* ---- setup and Identify ---- */

/* Context: main loop (realize).  AWUPF <= AWUN, as the spec asks. */
bool nvme_atomic_ctrl_setup(NvmeCtrl *n, Error **errp)
{
    const NvmeAtomicParams *p = &n->params.atomic;

    if (p->awupf > p->awun) {
        error_setg(errp, "nvme: 'atomic.awupf' (%u) must not exceed "
                   "'atomic.awun' (%u)", p->awupf, p->awun);
        return false;
    }
    if (p->awun || p->awupf) {
        n->subsys->atomic_units = true;     /* its namespaces lock ranges */
    }
    return true;
}

/* Context: main loop (realize, namespace creation).  @p may be NULL. */
void nvme_atomic_ns_init(NvmeNamespace *ns, const NvmeNsAtomicParams *p)
{
    NvmeNsAtomic *a = &ns->atomic;

    memset(a, 0, sizeof(*a));
    if (p) {
        a->p = *p;
        a->nsabp = p->nawun || p->nawupf || p->nabo || p->nabsn ||
                   p->nabspf;
    }
    qemu_mutex_init(&a->lock);
    QTAILQ_INIT(&a->holds);
    a->lock_ready = true;
}

/* Context: main loop (realize).  The fail-safe unit fits one request. */
static bool nvme_atomic_check_transfer(NvmeNamespace *ns, uint32_t unit,
                                       const char *prop, Error **errp)
{
    uint32_t max = blk_get_max_transfer(ns->blk);
    uint64_t bytes = (uint64_t)(unit + 1) << ns->lbads;

    if (max && bytes > max) {
        error_setg(errp, "nvme-ns: '%s' gives %" PRIu64 " bytes, more than "
                   "the drive's largest single request (%u bytes)", prop,
                   bytes, max);
        return false;
    }
    return true;
}

/*
 * Context: main loop (nvme-ns realize).  The namespace's values against
 * each other and against its controller's, as the spec orders them:
 * AWUN <= NAWUN, AWUPF <= NAWUPF <= NAWUN, NAWUN <= NABSN, NAWUPF <=
 * NABSPF, NABO within the boundary sizes (and only with a boundary).
 */
bool nvme_atomic_ns_check(NvmeNamespace *ns, NvmeCtrl *n, Error **errp)
{
    const NvmeNsAtomicParams *p = &ns->atomic.p;
    const NvmeAtomicParams *c = &n->params.atomic;
    const char *why = NULL;

    if (!ns->atomic.nsabp) {
        return nvme_atomic_check_transfer(ns, c->awupf, "atomic.awupf",
                                          errp);
    }
    if (p->nawupf > p->nawun) {
        why = "'atomic.nawupf' must not exceed 'atomic.nawun'";
    } else if (p->nawun < c->awun) {
        why = "'atomic.nawun' must be at least the controller's "
              "'atomic.awun'";
    } else if (p->nawupf < c->awupf) {
        why = "'atomic.nawupf' must be at least the controller's "
              "'atomic.awupf'";
    } else if (p->nabsn && p->nabsn < p->nawun) {
        why = "'atomic.nabsn' must be 0 (no boundaries) or at least "
              "'atomic.nawun'";
    } else if (p->nabspf && p->nabspf < p->nawupf) {
        why = "'atomic.nabspf' must be 0 (no boundaries) or at least "
              "'atomic.nawupf'";
    } else if (p->nabo && !p->nabsn && !p->nabspf) {
        why = "'atomic.nabo' needs 'atomic.nabsn' or 'atomic.nabspf'";
    } else if ((p->nabsn && p->nabo > p->nabsn) ||
               (p->nabspf && p->nabo > p->nabspf)) {
        why = "'atomic.nabo' must not exceed the boundary sizes";
    }
    if (why) {
        error_setg(errp, "nvme-ns: %s", why);
        return false;
    }
    return nvme_atomic_check_transfer(ns, p->nawupf, "atomic.nawupf", errp);
}

/* Context: main loop (unrealize, namespace deletion). */
void nvme_atomic_ns_cleanup(NvmeNamespace *ns)
{
    if (ns->atomic.lock_ready) {
        assert(QTAILQ_EMPTY(&ns->atomic.holds));
        qemu_mutex_destroy(&ns->atomic.lock);
        ns->atomic.lock_ready = false;
    }
}

/* Context: main loop.  Identify Controller AWUN, AWUPF (id-ctrl.c). */
void nvme_atomic_id_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in)
{
    in->awun = n->params.atomic.awun;
    in->awupf = n->params.atomic.awupf;
}

/* Context: main loop.  Identify Namespace NSABP and its fields (id-ns.c). */
void nvme_atomic_id_ns(NvmeNamespace *ns, NvmeIdNsIn *in)
{
    const NvmeNsAtomicParams *p = &ns->atomic.p;

    in->atomic.on = ns->atomic.nsabp;
    if (in->atomic.on) {
        in->atomic.nawun = p->nawun;
        in->atomic.nawupf = p->nawupf;
        in->atomic.nabsn = p->nabsn;
        in->atomic.nabo = p->nabo;
        in->atomic.nabspf = p->nabspf;
    }
}

/* ---- the overlap lock ---- */

/* Context: any, under the lock.  Does an earlier request block @req? */
static bool nvme_atomic_blocked(NvmeNsAtomic *a, NvmeRequest *req)
{
    NvmeRequest *e;

    QTAILQ_FOREACH(e, &a->holds, atomic.link) {
        if (e == req) {
            return false;
        }
        if (nvme_atomic_conflict(&e->atomic, &req->atomic)) {
            return true;
        }
    }
    g_assert_not_reached();
}

/*
 * Context: queue.  Take @req's range [@slba, @slba + @nlb) before its
 * backend I/O.  Returns true when it must wait: @resume then continues
 * the command from its SQ's context once the range is granted.
 */
static bool __attribute__((noinline))
nvme_atomic_take(NvmeRequest *req, uint64_t slba, uint64_t nlb, bool write,
                 NvmeAtomicResume *resume)
{
    NvmeNamespace *ns = req->ns;
    NvmeNsAtomic *a = &ns->atomic;
    NvmeAtomicReq *r = &req->atomic;

    r->kind = !write ? NVME_ATOMIC_READ :
              nvme_atomic_eligible(nvme_req_ctrl(req), ns, slba, nlb) ?
              NVME_ATOMIC_UNIT : NVME_ATOMIC_WRITE;
    r->slba = slba;
    r->end = slba + nlb;
    r->resume = resume;
    qemu_mutex_lock(&a->lock);
    QTAILQ_INSERT_TAIL(&a->holds, req, atomic.link);
    r->state = nvme_atomic_blocked(a, req) ? NVME_ATOMIC_WAITING
                                           : NVME_ATOMIC_HELD;
    qemu_mutex_unlock(&a->lock);
    trace_nvme_atomic_hold(le16_to_cpu(req->cmd.cid), ns->nsid, slba, nlb,
                           r->kind, r->state == NVME_ATOMIC_WAITING);
    return r->state == NVME_ATOMIC_WAITING;
}

/* Context: as above.  A namespace without atomic writes: no frame. */
bool nvme_atomic_hold(NvmeRequest *req, uint64_t slba, uint64_t nlb,
                      bool write, NvmeAtomicResume *resume)
{
    NvmeNamespace *ns = req->ns;
    NvmeNsAtomic *a = &ns->atomic;

    if (!a->lock_ready || !(a->nsabp || ns->subsys->atomic_units) ||
        req->sq->sqid == 0) {
        return false;
    }
    return nvme_atomic_take(req, slba, nlb, write, resume);
}

/*
 * Context: any, under the lock.  Grant the waiting requests nothing
 * earlier blocks any more; their SQs resume them.
 */
static void nvme_atomic_wake(NvmeNsAtomic *a)
{
    NvmeRequest *e;

    QTAILQ_FOREACH(e, &a->holds, atomic.link) {
        if (e->atomic.state == NVME_ATOMIC_WAITING &&
            !nvme_atomic_blocked(a, e)) {
            qatomic_set(&e->atomic.state, NVME_ATOMIC_READY);
            qatomic_inc(&e->sq->atomic_ready);
            qemu_bh_schedule(e->sq->bh);
        }
    }
}

/*
 * Context: queue or main loop: the completion path, and the release of
 * a request that never completes (its SQ deleted).  Leave the list.
 */
static void __attribute__((noinline)) nvme_atomic_leave(NvmeRequest *req)
{
    NvmeNsAtomic *a = &req->ns->atomic;

    qemu_mutex_lock(&a->lock);
    QTAILQ_REMOVE(&a->holds, req, atomic.link);
    qatomic_set(&req->atomic.state, NVME_ATOMIC_NONE);
    nvme_atomic_wake(a);
    qemu_mutex_unlock(&a->lock);
}

/* Context: as above.  A request that holds nothing: no frame. */
void nvme_atomic_release(NvmeRequest *req)
{
    /* only the request's own thread moves it off NONE or back to it */
    if (qatomic_read(&req->atomic.state) != NVME_ATOMIC_NONE) {
        nvme_atomic_leave(req);
    }
}

/* Context: queue (the SQ's fetch path).  The first granted request. */
static NvmeRequest *nvme_atomic_next_ready(NvmeSQueue *sq)
{
    NvmeRequest *req;

    QTAILQ_FOREACH(req, &sq->inflight, entry) {
        NvmeNsAtomic *a;
        bool ready;

        /* a request without a namespace (a broadcast) is never READY */
        if (qatomic_read(&req->atomic.state) != NVME_ATOMIC_READY) {
            continue;
        }
        a = &req->ns->atomic;
        qemu_mutex_lock(&a->lock);
        ready = req->atomic.state == NVME_ATOMIC_READY;
        if (ready) {
            req->atomic.state = NVME_ATOMIC_HELD;
        }
        qemu_mutex_unlock(&a->lock);
        if (ready) {
            return req;
        }
    }
    return NULL;
}

/*
 * Context: queue (the SQ's fetch path, before new commands).  Continue
 * the requests whose range was granted; one whose queue is going away
 * or whose controller stopped completes with an abort status instead.
 * The scan starts over after each: resuming may complete others.
 */
void nvme_atomic_sq_run(NvmeSQueue *sq)
{
    NvmeRequest *req;

    if (!qatomic_xchg(&sq->atomic_ready, 0)) {
        return;
    }
    while ((req = nvme_atomic_next_ready(sq))) {
        trace_nvme_atomic_resume(le16_to_cpu(req->cmd.cid), sq->sqid);
        if (nvme_req_stopping(req)) {
            nvme_req_complete(req, NVME_CMD_ABORT_REQ);
            continue;
        }
        req->atomic.resume(req);
    }
}

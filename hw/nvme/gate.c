/*
 * The namespace write gate that makes a fused Compare and Write atomic
 * against other writes (the commands themselves are in nvm-compare.c).
 *
 * A pair takes the gate of its namespace: data-changing commands (LBCC in
 * the opcode table) that arrive while a pair owns the gate or waits for
 * it wait in arrival order, and the pair starts only when the
 * data-changing commands already running have finished.  The gate covers
 * the whole namespace: fused pairs are rare and the gate is held only for
 * one read and one write.
 *
 * Threads.  Commands of every queue, in their own contexts, pass the
 * gate.  An open gate costs a command an atomic increment of @writes and
 * a check of @closed (a full barrier between them pairs with the one
 * between a pair closing the gate and reading @writes, so one of the two
 * sees the other), and an atomic decrement when it completes.  Everything
 * else runs under the gate's lock.  A waiting command, or the pair once
 * it may start, is handed back to its own queue's context
 * (nvme_req_resume): no queue runs another queue's command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "ctrl.h"
#include "gate.h"
#include "ns.h"
#include "queue.h"
#include "types.h"
#include "trace.h"

/* Context: main loop (namespace setup). */
void nvme_gate_init(NvmeNamespace *ns)
{
    qemu_mutex_init(&ns->gate.lock);
    QTAILQ_INIT(&ns->gate.waiters);
}

/* Context: main loop (namespace gone, no command uses it). */
void nvme_gate_cleanup(NvmeNamespace *ns)
{
    qemu_mutex_destroy(&ns->gate.lock);
}

/* Context: any, gate.lock held.  Whether a pair owns or waits. */
static void nvme_gate_update_locked(NvmeNsGate *g)
{
    qatomic_set(&g->closed, g->owner || !QTAILQ_EMPTY(&g->waiters));
    smp_mb();       /* @closed out before @writes is read (kick) */
}

/*
 * Context: any, gate.lock held.  Start the owning pair once no write is
 * running: its own queue's context runs it.
 */
static void nvme_gate_kick_locked(NvmeNsGate *g)
{
    if (g->owner && !g->owner_started && qatomic_read(&g->writes) == 0) {
        g->owner_started = true;
        g->owner->gate = NVME_GATE_OWNER;
        nvme_req_resume(g->owner);
    }
}

/*
 * Context: any, gate.lock held.  Let waiters go, in order, until a pair
 * takes the gate; each runs in its own queue's context.
 */
static void nvme_gate_run_locked(NvmeNsGate *g)
{
    NvmeRequest *req;

    while (!g->owner && (req = QTAILQ_FIRST(&g->waiters))) {
        QTAILQ_REMOVE(&g->waiters, req, gate_entry);
        if (req->fused_partner) {
            req->gate = NVME_GATE_NONE;
            g->owner = req;
            g->owner_started = false;
            break;
        }
        req->gate = NVME_GATE_COUNTED;
        qatomic_inc(&g->writes);
        nvme_req_resume(req);
    }
    nvme_gate_update_locked(g);
    nvme_gate_kick_locked(g);
}

/*
 * Context: queue.  Called by dispatch for every I/O command before its
 * handler, with the opcode's effects: a data-changing command (LBCC) is
 * held back (true) while a fused pair owns or waits for the gate, else
 * counted as running.
 */
static bool __attribute__((noinline)) nvme_gate_hold_write(NvmeRequest *req)
{
    NvmeNsGate *g = &req->ns->gate;

    qatomic_inc(&g->writes);
    smp_mb__after_rmw();        /* counted before @closed is read */
    if (!qatomic_read(&g->closed)) {
        req->gate = NVME_GATE_COUNTED;
        return false;
    }
    QEMU_LOCK_GUARD(&g->lock);
    if (!g->closed) {
        req->gate = NVME_GATE_COUNTED;      /* it opened meanwhile */
        return false;
    }
    qatomic_dec(&g->writes);
    req->gate = NVME_GATE_WAITING;
    QTAILQ_INSERT_TAIL(&g->waiters, req, gate_entry);
    trace_nvme_gate_hold(le16_to_cpu(req->cmd.cid), req->ns->nsid);
    nvme_gate_kick_locked(g);   /* the owner may have waited for us */
    return true;
}

/* Context: as above.  A command that changes nothing: no frame. */
bool nvme_gate_hold(NvmeRequest *req, uint32_t effects)
{
    if (!(effects & NVME_CMD_EFF_LBCC) || !req->ns || req->sq->sqid == 0) {
        return false;
    }
    return nvme_gate_hold_write(req);
}

/*
 * Context: queue.  The completion path (or a release without one): leave
 * the gate.
 */
static void __attribute__((noinline)) nvme_gate_leave(NvmeRequest *req)
{
    NvmeNsGate *g = &req->ns->gate;
    uint8_t role = req->gate;

    req->gate = NVME_GATE_NONE;
    switch (role) {
    case NVME_GATE_COUNTED:
        if (qatomic_fetch_dec(&g->writes) == 1) {
            smp_mb__after_rmw();
            if (qatomic_read(&g->closed)) {
                QEMU_LOCK_GUARD(&g->lock);
                nvme_gate_kick_locked(g);
            }
        }
        break;
    case NVME_GATE_WAITING:
        WITH_QEMU_LOCK_GUARD(&g->lock) {
            QTAILQ_REMOVE(&g->waiters, req, gate_entry);
            nvme_gate_run_locked(g);
        }
        break;
    case NVME_GATE_FUSED_WRITE:
    case NVME_GATE_OWNER:
        nvme_gate_pair_done(req->ns);
        break;
    }
}

/* Context: as above.  A request outside the gate: no frame. */
void nvme_gate_release(NvmeRequest *req)
{
    if (req->gate != NVME_GATE_NONE) {
        nvme_gate_leave(req);
    }
}

/* Context: queue.  A pair asks for the gate. */
void nvme_gate_enter_pair(NvmeRequest *first)
{
    NvmeNsGate *g = &first->ns->gate;

    QEMU_LOCK_GUARD(&g->lock);
    if (g->owner || !QTAILQ_EMPTY(&g->waiters)) {
        first->gate = NVME_GATE_WAITING;
        QTAILQ_INSERT_TAIL(&g->waiters, first, gate_entry);
        trace_nvme_gate_hold(le16_to_cpu(first->cmd.cid), first->ns->nsid);
        return;
    }
    g->owner = first;
    g->owner_started = false;
    nvme_gate_update_locked(g);
    nvme_gate_kick_locked(g);
}

/* Context: queue.  The owning pair is over: hand the gate on. */
void nvme_gate_pair_done(NvmeNamespace *ns)
{
    NvmeNsGate *g = &ns->gate;

    QEMU_LOCK_GUARD(&g->lock);
    g->owner = NULL;
    nvme_gate_run_locked(g);
}

/*
 * Context: @sq's, before the SQ is deleted (its requests are then
 * released without completion): forget its held commands, and keep its
 * running ones from starting more backend I/O than the wait for them
 * covers.  Other queues' waiters may go on.
 */
void nvme_gate_cancel_sq(NvmeCtrl *n, NvmeSQueue *sq)
{
    NvmeRequest *req, *next;

    sq->fused_first = NULL;
    sq->fused_failed = false;
    QTAILQ_FOREACH(req, &sq->inflight, entry) {
        req->cancelled = true;
    }
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        NvmeNamespace *ns = qatomic_read(&n->ns[i]);
        NvmeNsGate *g;

        if (!ns) {
            continue;
        }
        g = &ns->gate;
        QEMU_LOCK_GUARD(&g->lock);
        QTAILQ_FOREACH_SAFE(req, &g->waiters, gate_entry, next) {
            if (req->sq == sq) {
                QTAILQ_REMOVE(&g->waiters, req, gate_entry);
                req->gate = NVME_GATE_NONE;
            }
        }
        if (g->owner && g->owner->sq == sq && !g->owner_started) {
            g->owner = NULL;
        }
        nvme_gate_run_locked(g);
    }
}

/*
 * NVMe controller live migration: what happens to commands in flight
 * when the VM stops, and how the device state moves.
 *
 * The guest must see every command complete exactly once, with no
 * timeout, abort or reset.  The rule (docs/migration.rst has the whole
 * design):
 *
 * - When the VM stops (any stop: migration, savevm, "stop", a werror=stop
 *   error), the controller freezes before QEMU's own block drain: no queue
 *   in any context fetches a command, posts a completion, writes an
 *   EventIdx or raises an interrupt any more, so guest memory no longer
 *   changes after the final RAM pass.  The freeze then drains: every
 *   command that has backend I/O outstanding (Read, Write, the chunks of
 *   Write Zeroes, Copy, Format NVM, ...) runs to its end.  Its completion
 *   waits on its CQ's list, unposted.
 * - What is left is plain data: completions not yet posted (carried in
 *   the stream, posted on the destination), and commands fetched but not
 *   started or waiting without I/O (outstanding Asynchronous Event
 *   Requests, commands parked by werror/rerror=stop, a first fused
 *   command waiting for its second, commands behind the fused write
 *   gate): their submission entries are carried and the destination
 *   executes them anew, in fetch order, before fetching anything else.
 * - When the VM runs again (the destination after the switchover, or
 *   the source if migration failed), the controller thaws: every queue
 *   posts what waits and fetches up to its tail, and parked commands are
 *   retried.
 *
 * Context: main loop (VM run state changes).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "block/aio-wait.h"
#include "migration/blocker.h"
#include "hw/pci/msix.h"
#include "hw/pci/pci_device.h"
#include "ctrl.h"
#include "iothread.h"
#include "migration.h"
#include "queue.h"
#include "trace.h"

/*
 * Context: main loop, the queues frozen.  Does any queue wait for I/O?
 * (Each queue's own context answers: queue.c.)
 */
static bool nvme_mig_busy(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->queues.num; i++) {
        if (n->queues.sq[i] && nvme_sq_busy(n->queues.sq[i])) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  The VM stopped: freeze every queue, then let the
 * commands with backend I/O finish.  Once vm_stopped is set and a
 * barrier ran in each of the controller's iothreads, no pass of any
 * queue fetches, posts, writes an EventIdx or raises an interrupt (the
 * main-loop queues run under the BQL, which the caller holds).  A
 * command's next backend request queued by someone else's drained
 * section runs after it; then it is not waited for here (QEMU's own
 * drain, which follows, completes it).
 */
static void nvme_mig_freeze(NvmeCtrl *n)
{
    trace_nvme_mig_freeze(true);
    qatomic_set(&n->mig.vm_stopped, true);
    nvme_io_barrier_all(n);
    nvme_ns_drain_all(n);
    AIO_WAIT_WHILE(NULL, nvme_mig_busy(n) && !nvme_ns_in_drain(n));
    /* an iothread's interrupt signalled before the freeze goes out now */
    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];

        if (cq && cq->has_irq_notifier && !cq->irqfd_bound) {
            nvme_cq_irq_notified(&cq->irq_notifier);
        }
    }
}

/*
 * Context: main loop.  The VM runs again: every queue looks at its
 * completions, its carried commands and its tail (each in its own
 * context: bottom halves); coalesced completions that waited get their
 * interrupt from the (main-loop) coalescing timer.
 */
static void nvme_mig_thaw(NvmeCtrl *n)
{
    trace_nvme_mig_freeze(false);
    qatomic_set(&n->mig.vm_stopped, false);
    for (uint32_t i = 0; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];

        if (cq) {
            if (qatomic_read(&cq->coal_pending) &&
                !timer_pending(cq->coal_timer)) {
                timer_mod(cq->coal_timer,
                          qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL));
            }
            nvme_cq_schedule(cq);
        }
        if (n->queues.sq[i]) {
            qemu_bh_schedule(n->queues.sq[i]->bh);
        }
    }
}

/*
 * Context: main loop (a pre_save).  The queues stand still while the
 * device state is read: a stopped VM froze them already; a VM that never
 * ran (-S, no run-state change) is frozen now, until its post_save.
 */
void nvme_mig_save_begin(NvmeCtrl *n)
{
    if (!qatomic_read(&n->mig.vm_stopped)) {
        nvme_mig_freeze(n);
        n->mig.save_froze = true;
    }
}

/* Context: main loop (a post_save). */
void nvme_mig_save_end(NvmeCtrl *n)
{
    if (n->mig.save_froze) {
        n->mig.save_froze = false;
        nvme_mig_thaw(n);
    }
}

/* Context: main loop (VM run state change). */
static void nvme_mig_vm_state(void *opaque, bool running, RunState state)
{
    NvmeCtrl *n = opaque;

    if (running) {
        nvme_mig_thaw(n);
    } else {
        nvme_mig_freeze(n);
    }
}

/*
 * Context: main loop (realize).  An incoming migration's destination
 * starts frozen; a VM that has not run yet (-S) is no stopped VM: its
 * devices answer (qtests drive them so).
 */
void nvme_mig_init(NvmeCtrl *n)
{
    n->mig.vm_stopped = runstate_check(RUN_STATE_INMIGRATE);
    n->mig.vmstate_change = qdev_add_vm_change_state_handler(
        DEVICE(n), nvme_mig_vm_state, n);
}

/*
 * Context: main loop (realize, before anything else).  An area whose
 * state no subsection describes yet blocks migration while it is in use,
 * rather than lose that state: SR-IOV (the secondaries' resources and
 * states, the primary's flexible allocation, the VFs' MSI-X table size).
 */
bool nvme_mig_block(NvmeCtrl *n, Error **errp)
{
    if (!n->sriov.max_vfs) {
        return true;
    }
    error_setg(&n->mig.blocker, "nvme: a controller with SR-IOV "
               "(sriov_max_vfs) does not migrate yet");
    return migrate_add_blocker(&n->mig.blocker, errp) == 0;
}

/* Context: main loop (unrealize, failed realize). */
void nvme_mig_unblock(NvmeCtrl *n)
{
    migrate_del_blocker(&n->mig.blocker);
}

/* Context: main loop (unrealize). */
void nvme_mig_cleanup(NvmeCtrl *n)
{
    qemu_del_vm_change_state_handler(n->mig.vmstate_change);
}

static int G_GNUC_PRINTF(2, 0) nvme_mig_vbad(const char *who, const char *fmt,
                                             va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);

    error_report("nvme %s: incoming state refused: %s", who, msg);
    return -EINVAL;
}

int nvme_mig_bad(NvmeCtrl *n, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = nvme_mig_vbad(DEVICE(n)->id ? DEVICE(n)->id : n->params.serial,
                        fmt, ap);
    va_end(ap);
    return ret;
}

int nvme_mig_bad_dev(const char *who, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = nvme_mig_vbad(who, fmt, ap);
    va_end(ap);
    return ret;
}

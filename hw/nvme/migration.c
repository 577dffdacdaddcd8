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
 * Also here: state kept in a file across restarts, written and read with
 * the same vmstate descriptions (nvme_mig_file_write / _read).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "block/aio-wait.h"
#include "migration/qemu-file.h"
#include "io/channel-buffer.h"
#include "qemu/crc32c.h"
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

/* Context: main loop (migration).  NVME_VMSTATE_LEFT_OUT's callbacks. */
bool nvme_mig_never(void *opaque)
{
    return false;
}

bool nvme_mig_refuse(void *opaque, int version_id)
{
    return false;
}

/*
 * Context: any.  What a power cycle keeps of @n changed (firmware slots,
 * its own namespace's format or marks): with nvme,state-file= the main
 * loop writes that file soon (pci.c).
 */
void nvme_mig_keep(NvmeCtrl *n)
{
    if (n->mig.keep_bh) {
        qemu_bh_schedule(n->mig.keep_bh);
    }
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

/* ---- state kept in a file: a vmstate description on disk ---- */

/*
 * A state file: @magic (16 bytes), the state as vmstate writes it in a
 * migration stream (version @vmsd->version_id), an end byte (a
 * subsection test looks one byte past the state), then the CRC-32C of
 * what lies between the magic and the CRC (little endian).
 */
#define NVME_MIG_FILE_END   0xee

/*
 * Context: main loop.  Write @opaque's state as @vmsd describes it to
 * @path, atomically (g_file_set_contents renames a temporary file over
 * it: a crash leaves the old file or the new one).
 */
bool nvme_mig_file_write(const char *path, const char *magic,
                         const VMStateDescription *vmsd, void *opaque,
                         Error **errp)
{
    QIOChannelBuffer *bioc = qio_channel_buffer_new(4096);
    QEMUFile *f = qemu_file_new_output(QIO_CHANNEL(bioc));
    g_autofree uint8_t *buf = NULL;
    GError *gerr = NULL;
    size_t len = 0;
    int ret;

    ret = vmstate_save_state(f, vmsd, opaque, NULL);
    qemu_put_byte(f, NVME_MIG_FILE_END);
    if (ret >= 0 && qemu_fflush(f) >= 0) {
        len = NVME_MIG_MAGIC_LEN + bioc->usage + 4;
        buf = g_malloc(len);
        memcpy(buf, magic, NVME_MIG_MAGIC_LEN);
        memcpy(buf + NVME_MIG_MAGIC_LEN, bioc->data, bioc->usage);
        stl_le_p(buf + len - 4, crc32c(0xffffffff, bioc->data,
                                       bioc->usage));
    }
    qemu_fclose(f);                     /* closing frees the buffer */
    object_unref(OBJECT(bioc));
    if (!buf) {
        error_setg(errp, "cannot describe the state for '%s'", path);
        return false;
    }
    if (!g_file_set_contents(path, (char *)buf, len, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
        return false;
    }
    return true;
}

/* Context: main loop.  Load state file contents @buf into @opaque. */
static bool nvme_mig_file_parse(const char *path, const char *magic,
                                const uint8_t *buf, size_t len,
                                const VMStateDescription *vmsd,
                                void *opaque, Error **errp)
{
    size_t hdr = NVME_MIG_MAGIC_LEN;
    QIOChannelBuffer *bioc;
    QEMUFile *f;
    int ret;

    if (len < hdr || memcmp(buf, magic, hdr)) {
        error_setg(errp, "'%s' is not this kind of state file (%s)", path,
                   vmsd->name);
        return false;
    }
    if (len < hdr + 4 ||
        ldl_le_p(buf + len - 4) != crc32c(0xffffffff, buf + hdr,
                                          len - hdr - 4)) {
        error_setg(errp, "state file '%s' is damaged", path);
        return false;
    }
    bioc = qio_channel_buffer_new(len - hdr - 4);
    memcpy(bioc->data, buf + hdr, len - hdr - 4);
    bioc->usage = len - hdr - 4;
    f = qemu_file_new_input(QIO_CHANNEL(bioc));
    object_unref(OBJECT(bioc));
    ret = vmstate_load_state(f, vmsd, opaque, vmsd->version_id);
    if (ret >= 0 && qemu_get_byte(f) == NVME_MIG_FILE_END) {
        qemu_get_byte(f);               /* nothing may follow */
        ret = qemu_file_get_error(f) ? 0 : -EINVAL;
    } else {
        ret = -EINVAL;
    }
    qemu_fclose(f);
    if (ret < 0) {
        error_setg(errp, "state file '%s' is damaged, of another version "
                   "or refused (see above)", path);
        return false;
    }
    return true;
}

/*
 * Context: main loop (realize).  Load @path into @opaque as @vmsd
 * describes it: every check of an incoming migration applies.  A
 * missing file is no error (*@found false): nothing was kept yet.
 */
bool nvme_mig_file_read(const char *path, const char *magic,
                        const VMStateDescription *vmsd, void *opaque,
                        bool *found, Error **errp)
{
    g_autofree gchar *buf = NULL;
    GError *gerr = NULL;
    gsize len;

    *found = g_file_test(path, G_FILE_TEST_EXISTS);
    if (!*found) {
        return true;
    }
    if (!g_file_get_contents(path, &buf, &len, &gerr)) {
        error_setg(errp, "%s", gerr->message);
        g_error_free(gerr);
        return false;
    }
    return nvme_mig_file_parse(path, magic, (uint8_t *)buf, len, vmsd,
                               opaque, errp);
}

/*
 * Namespace hotplug: device_add / device_del of nvme-ns on a running VM.
 *
 * The controller is the hotplug handler of its nvme bus.  A namespace
 * plugged at run time is allocated in the subsystem and attached where
 * a cold-plugged one would be (every controller when shared, else the
 * controller of its bus; none with detached=on), with the I/O queues of
 * the subsystem's controllers quiesced while the tables change; then
 * each controller it was attached to lists it in the Changed Namespace
 * List and raises Namespace Attribute Changed (as AEC allows).
 *
 * Unplug is synchronous.  The namespace is first detached everywhere
 * (quiesced), so no new command reaches it; the commands already running
 * on it, including those waiting for the fused-command gate or the
 * overlap lock, finish normally (data or an error status, once each)
 * before it goes away; commands parked by werror/rerror=stop resolve
 * their namespace again when retried and fail then.  Every controller
 * it was attached to gets the notice; then the drive is drained and
 * released with the device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "block/aio-wait.h"
#include "hw/hotplug.h"
#include "hw/qdev-core.h"
#include "ana.h"
#include "ctrl.h"
#include "hotplug.h"
#include "iothread.h"
#include "ns.h"
#include "queue.h"
#include "selftest.h"
#include "subsys.h"
#include "trace.h"

/* Context: main loop.  Quiesce (or resume) every controller of @s. */
static void nvme_hotplug_quiesce(NvmeSubsys *s, bool stop)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i]) {
            if (stop) {
                nvme_io_quiesce(s->ctrls[i]);
            } else {
                nvme_io_resume(s->ctrls[i]);
            }
        }
    }
}

/*
 * Context: main loop (nvme-ns realize).  Attach a namespace plugged at
 * run time with the queues standing still; at start, just attach.
 */
bool nvme_hotplug_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                         bool hotplugged, Error **errp)
{
    bool ok;

    if (!hotplugged) {
        return nvme_subsys_add_ns(n, ns, nsid, errp);
    }
    nvme_hotplug_quiesce(n->subsys, true);
    ok = nvme_subsys_add_ns(n, ns, nsid, errp);
    nvme_hotplug_quiesce(n->subsys, false);
    return ok;
}

/* Context: main loop.  Every controller @ns is attached to hears of it. */
static void nvme_hotplug_notify(NvmeSubsys *s, NvmeNamespace *ns,
                                const bool *attached)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = s->ctrls[i];

        if (c && attached[i]) {
            trace_nvme_hotplug_notify(c->cntlid, ns->nsid);
            nvme_ns_changed(c, ns->nsid);               /* subsys.c */
            nvme_ana_ns_attach_changed(c, ns);          /* ana.c */
        }
    }
}

/*
 * Context: main loop.  Does a command of @s's controllers still run on
 * @ns?  Parked ones do not count: they look the namespace up again.
 */
static bool nvme_hotplug_ns_busy(NvmeSubsys *s, NvmeNamespace *ns)
{
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = s->ctrls[i];

        if (!c || !c->queues.sq) {
            continue;
        }
        NVME_IO_LOCK_GUARD(c);
        for (uint32_t q = 0; q < c->queues.num; q++) {
            NvmeSQueue *sq = c->queues.sq[q];
            NvmeRequest *req;

            if (!sq) {
                continue;
            }
            QTAILQ_FOREACH(req, &sq->inflight, entry) {
                if (req->ns == ns && !req->parked) {
                    return true;
                }
            }
        }
    }
    return false;
}

/*
 * Context: main loop (nvme-ns unrealize).  Detach @ns everywhere, let the
 * commands running on it finish, and tell each controller it was
 * attached to.  The caller then frees the NSID and drains the drive.
 */
void nvme_hotplug_detach_ns(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;
    bool attached[NVME_SUBSYS_MAX_CTRLS] = { false };

    nvme_hotplug_quiesce(s, true);
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = s->ctrls[i];

        if (c && c->ns[ns->nsid] == ns) {
            attached[i] = true;
            c->ns[ns->nsid] = NULL;
        }
    }
    nvme_hotplug_quiesce(s, false);
    AIO_WAIT_WHILE(NULL, nvme_hotplug_ns_busy(s, ns));
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        if (s->ctrls[i]) {
            nvme_selftest_abort_ns(s->ctrls[i], ns->nsid,
                                   NVME_DST_ABORTED_NS_REMOVED);
        }
    }
    nvme_hotplug_notify(s, ns, attached);
}

/*
 * Context: main loop (after a realize at run time).  The namespace is
 * attached: tell its controllers.
 */
static void nvme_hotplug_plug(HotplugHandler *hotplug_dev, DeviceState *dev,
                              Error **errp)
{
    NvmeNamespace *ns = &NVME_NS(dev)->ns;
    NvmeSubsys *s = ns->subsys;
    bool attached[NVME_SUBSYS_MAX_CTRLS] = { false };

    if (!dev->hotplugged) {
        return;
    }
    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        attached[i] = s->ctrls[i] && s->ctrls[i]->ns[ns->nsid] == ns;
    }
    nvme_hotplug_notify(s, ns, attached);
}

/* Context: main loop (device_del).  Synchronous: unrealize now. */
static void nvme_hotplug_unplug(HotplugHandler *hotplug_dev,
                                DeviceState *dev, Error **errp)
{
    trace_nvme_hotplug_unplug(NVME_NS(dev)->ns.nsid);
    qdev_unrealize(dev);
}

/* Context: main loop (realize).  The controller takes its bus's plugs. */
void nvme_hotplug_init(NvmeCtrl *n)
{
    qbus_set_hotplug_handler(BUS(&n->bus), OBJECT(n));
}

/* Context: main loop (class init of nvme). */
void nvme_hotplug_class_init(ObjectClass *oc)
{
    HotplugHandlerClass *hc = HOTPLUG_HANDLER_CLASS(oc);

    hc->plug = nvme_hotplug_plug;
    hc->unplug = nvme_hotplug_unplug;
}

/*
 * Namespace hotplug: device_add / device_del of nvme-ns on a running VM.
 *
 * The controller is the hotplug handler of its nvme bus.  A namespace
 * plugged at run time is allocated in the subsystem and attached where
 * a cold-plugged one would be (every controller when shared, else the
 * controller of its bus; none with detached=on); the queues read the
 * attach tables without a lock, so nothing stands still; then each
 * controller it was attached to lists it in the Changed Namespace
 * List and raises Namespace Attribute Changed (as AEC allows).
 *
 * Unplug is synchronous.  The namespace is first detached everywhere, so
 * no new command reaches it, and each controller waits for the commands
 * that got it before (nvme_ns_fence, only this namespace): the commands
 * running on it, including those waiting for the fused-command gate or
 * the overlap lock, finish normally (data or an error status, once each)
 * before it goes away; commands parked by werror/rerror=stop hold no
 * namespace, resolve it again when retried and fail then.  Every controller
 * it was attached to gets the notice; then the drive is drained and
 * released with the device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/hotplug.h"
#include "hw/qdev-core.h"
#include "ana.h"
#include "ctrl.h"
#include "hotplug.h"
#include "ns.h"
#include "selftest.h"
#include "subsys.h"
#include "trace.h"

/*
 * Context: main loop (nvme-ns realize).  Attach a namespace plugged at
 * run time where a cold-plugged one would be: the queues read the attach
 * tables without a lock and the entries are stored atomically
 * (subsys.c), so nothing has to stand still.
 */
bool nvme_hotplug_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                         bool hotplugged, Error **errp)
{
    return nvme_subsys_add_ns(n, ns, nsid, errp);
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
 * Context: main loop (nvme-ns unrealize).  Detach @ns everywhere, let the
 * commands running on it finish, and tell each controller it was
 * attached to.  The caller then frees the NSID and drains the drive.
 */
void nvme_hotplug_detach_ns(NvmeNamespace *ns)
{
    NvmeSubsys *s = ns->subsys;
    bool attached[NVME_SUBSYS_MAX_CTRLS] = { false };

    for (int i = 0; i < NVME_SUBSYS_MAX_CTRLS; i++) {
        NvmeCtrl *c = s->ctrls[i];

        if (c && c->ns[ns->nsid] == ns) {
            attached[i] = true;
            nvme_ns_set_attached(c, ns->nsid, NULL);    /* subsys.c */
        }
    }
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

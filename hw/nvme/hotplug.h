/*
 * Namespace hotplug (hotplug.c): the controller as hotplug handler of
 * its nvme bus, attach and detach of nvme-ns devices at run time.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_HOTPLUG_H
#define HW_NVME_HOTPLUG_H

#include "types.h"

void nvme_hotplug_init(NvmeCtrl *n);
void nvme_hotplug_class_init(ObjectClass *oc);
bool nvme_hotplug_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                         bool hotplugged, Error **errp);
void nvme_hotplug_detach_ns(NvmeNamespace *ns);

#endif /* HW_NVME_HOTPLUG_H */

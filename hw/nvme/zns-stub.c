/*
 * Built instead of zns.c, zns-cmd.c and zns-store.c when the NVME_ZNS
 * switch is off (Kconfig): no zoned namespaces.  nvme-ns zoned=on is
 * refused; the controller offers the NVM command set only (Identify CNS
 * 1Ch, CSI 02h refused, no Changed Zone List).  Everything else here is
 * never reached without a zoned namespace.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "block/aio.h"
#include "ctrl.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "zns.h"

/* Context: any. */
bool nvme_zns_built(void)
{
    return false;
}

/* Context: main loop (realize). */
bool nvme_zns_ns_setup(NvmeNamespace *ns, const NvmeZonedParams *p,
                       Error **errp)
{
    if (p->zoned) {
        error_setg(errp, "nvme-ns: zoned namespaces are not in this build "
                   "(CONFIG_NVME_ZNS)");
        return false;
    }
    return true;
}

/* Context: main loop. */
void nvme_zns_ns_cleanup(NvmeNamespace *ns)
{
}

/* Context: main loop (realize). */
bool nvme_zns_ctrl_check(NvmeCtrl *n, Error **errp)
{
    return true;
}

/* Context: main loop. */
void nvme_zns_fill_id_ns(NvmeNamespace *ns, void *id)
{
}

/* Context: main loop.  Not reached: CSI 02h is refused before. */
uint16_t nvme_zns_identify_ctrl(NvmeCtrl *n, NvmeRequest *req)
{
    return NVME_INVALID_FIELD | NVME_DNR;
}

/* Context: main loop. */
bool nvme_zns_format_ok(NvmeNamespace *ns, unsigned lbaf)
{
    return true;
}

/* Context: main loop. */
void nvme_zns_format(NvmeNamespace *ns)
{
}

/* Context: queue. */
uint16_t nvme_zns_read_check(NvmeRequest *req, uint64_t slba, uint64_t nlb)
{
    return NVME_SUCCESS;
}

/* Context: queue. */
uint16_t nvme_zns_write_admit(NvmeRequest *req, uint64_t *slba, uint64_t nlb,
                              bool append)
{
    return NVME_SUCCESS;
}

/* Context: queue. */
uint16_t nvme_zns_modify_check(NvmeRequest *req, uint64_t slba,
                               uint64_t nlb)
{
    return NVME_SUCCESS;
}

/* Context: queue. */
void nvme_zns_flush(NvmeNamespace *ns, void (*cb)(void *opaque, int ret),
                    void *opaque)
{
    cb(opaque, 0);
}

/* Context: main loop. */
int nvme_zns_writeback_sync(NvmeNamespace *ns)
{
    return 0;
}

/* Context: queue. */
bool nvme_zns_complete_sync(NvmeRequest *req, uint16_t status)
{
    return false;
}

/* Context: main loop. */
bool nvme_zns_inject(NvmeNamespace *ns, const char *spec, Error **errp)
{
    error_setg(errp, "nvme-ns: zoned namespaces are not in this build");
    return false;
}

/* Context: main loop.  Not reached: log BFh is not offered. */
size_t nvme_zns_fill_changed_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                                 uint16_t *status)
{
    *status = NVME_INVALID_LOG_ID | NVME_DNR;
    return 0;
}

/* Context: main loop. */
void nvme_zns_changed_log_read(NvmeCtrl *n, uint32_t nsid)
{
}

/*
 * A stream from a build with zoned namespaces whose namespace is zoned
 * meets this one: refused, as a zoned namespace would be at start.
 */
const VMStateDescription nvme_vmstate_ns_zoned =
    NVME_VMSTATE_LEFT_OUT("nvme-namespace/zoned",
                          "zoned namespaces are not in this build");

/* Context: main loop.  Not reached: no namespace is zoned. */
int nvme_zns_post_load(NvmeNamespace *ns)
{
    return -EINVAL;
}

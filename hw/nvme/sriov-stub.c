/*
 * Built instead of sriov.c when the NVME_SRIOV switch is off (Kconfig):
 * a controller is never an SR-IOV primary, sriov_max_vfs must stay 0,
 * Virtualization Management is an Invalid Command Opcode and Identify
 * CNS 14h/15h are refused, as on any controller without SR-IOV.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "migration.h"
#include "queue.h"
#include "sriov.h"

/* Context: main loop (realize). */
bool nvme_sriov_check_params(NvmeCtrl *n, Error **errp)
{
    if (n->sriov.max_vfs) {
        error_setg(errp, "nvme: sriov_max_vfs: SR-IOV is not built into "
                   "this QEMU (CONFIG_NVME_SRIOV)");
        return false;
    }
    return true;
}

bool nvme_sriov_pci_init(NvmeCtrl *n, Error **errp)
{
    return true;
}

void nvme_sriov_exit(NvmeCtrl *n)
{
}

/* Context: main loop.  Everything the controller was built for. */
void nvme_sriov_ctrl_reset(NvmeCtrl *n)
{
    n->queues.avail = n->queues.num;
    n->queues.vectors = n->params.msix_qsize;
}

void nvme_sriov_pci_reset(NvmeCtrl *n)
{
}

void nvme_sriov_vfs_changed(NvmeCtrl *n)
{
}

bool nvme_sriov_is_primary(NvmeCtrl *n)
{
    return false;
}

bool nvme_sriov_offline(NvmeCtrl *n)
{
    return false;
}

uint16_t nvme_admin_virt_mgmt(NvmeCtrl *n, NvmeRequest *req)
{
    return NVME_INVALID_OPCODE | NVME_DNR;
}

static uint16_t nvme_sriov_stub_refuse(NvmeRequest *req)
{
    return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                           "identify: no Virtualization Management (SR-IOV "
                           "not built)");
}

uint16_t nvme_identify_pri_ctrl_cap(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid)
{
    return nvme_sriov_stub_refuse(req);
}

uint16_t nvme_identify_sec_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                     uint32_t nsid)
{
    return nvme_sriov_stub_refuse(req);
}

/*
 * A stream from a build with SR-IOV whose controller is a primary meets
 * this one: refused, as sriov_max_vfs would be at start.
 */
const VMStateDescription nvme_vmstate_sriov =
    NVME_VMSTATE_LEFT_OUT("nvme/sriov", "SR-IOV is not in this build");
const VMStateDescription nvme_vmstate_sriov_vfs =
    NVME_VMSTATE_LEFT_OUT("nvme/sriov-vfs", "SR-IOV is not in this build");

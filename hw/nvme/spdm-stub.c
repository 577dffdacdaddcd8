/*
 * Built instead of spdm.c when the NVME_SPDM switch is off (Kconfig; it
 * needs QEMU's SPDM socket client): spdm_port is refused, Security
 * Receive offers protocol 00h only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "spdm.h"

/* Context: main loop (realize). */
bool nvme_spdm_setup(NvmeCtrl *n, Error **errp)
{
    n->spdm.socket = -1;
    if (n->params.spdm_port) {
        error_setg(errp, "nvme: 'spdm_port' needs SPDM, which this QEMU "
                   "was built without (NVME_SPDM)");
        return false;
    }
    return true;
}

/* Context: main loop (unrealize). */
void nvme_spdm_cleanup(NvmeCtrl *n)
{
}

/* Context: main loop.  No DOE capability. */
bool nvme_spdm_config_read(NvmeCtrl *n, uint32_t addr, int len,
                           uint32_t *val)
{
    return false;
}

bool nvme_spdm_config_write(NvmeCtrl *n, uint32_t addr, uint32_t val,
                            int len)
{
    return false;
}

/* Context: main loop.  Protocol E8h is not offered. */
bool nvme_spdm_storage(NvmeCtrl *n)
{
    return false;
}

uint16_t nvme_spdm_if_send(NvmeCtrl *n, uint16_t spsp, const void *buf,
                           uint32_t len)
{
    return NVME_INVALID_FIELD | NVME_DNR;
}

uint16_t nvme_spdm_if_recv(NvmeCtrl *n, uint16_t spsp, uint32_t al,
                           void *buf, uint32_t *len)
{
    *len = 0;
    return NVME_INVALID_FIELD | NVME_DNR;
}

/*
 * Built instead of zns-cmd.c when the NVME_ZNS switch is off (Kconfig):
 * the Zoned Namespace Command Set's commands.  Never reached: without
 * zoned namespaces dispatch never picks the zoned opcode table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "ctrl.h"
#include "queue.h"
#include "zns-cmd.h"

/* Context: queue. */
uint16_t nvme_zns_mgmt_send(NvmeCtrl *n, NvmeRequest *req)
{
    return NVME_INVALID_OPCODE | NVME_DNR;
}

/* Context: queue. */
uint16_t nvme_zns_mgmt_recv(NvmeCtrl *n, NvmeRequest *req)
{
    return NVME_INVALID_OPCODE | NVME_DNR;
}

/* Context: queue. */
uint16_t nvme_zns_append(NvmeCtrl *n, NvmeRequest *req)
{
    return NVME_INVALID_OPCODE | NVME_DNR;
}

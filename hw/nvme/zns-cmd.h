/*
 * The commands of the Zoned Namespace Command Set (zns-cmd.c): Zone
 * Management Send and Receive, Zone Append.  The zone rules of the NVM
 * commands are in zns.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ZNS_CMD_H
#define HW_NVME_ZNS_CMD_H

#include "types.h"

uint16_t nvme_zns_mgmt_send(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_zns_mgmt_recv(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_zns_append(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_ZNS_CMD_H */

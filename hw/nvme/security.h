/*
 * Security Send / Security Receive (security.c): protocol 00h (security
 * protocol information) answered by the controller, E8h (SPDM over
 * storage) relayed to the SPDM responder (spdm.c); the spdm_trans
 * property type.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SECURITY_H
#define HW_NVME_SECURITY_H

#include "hw/qdev-properties.h"
#include "types.h"

#define NVME_SEC_PROT_INFO      0x00    /* SPC-4 security protocol info */

extern const PropertyInfo nvme_prop_spdm_trans;

uint16_t nvme_admin_security_send(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_security_recv(NvmeCtrl *n, NvmeRequest *req);

#endif /* HW_NVME_SECURITY_H */

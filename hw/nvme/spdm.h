/*
 * SPDM (DMTF DSP0274) through an external responder (spdm.c, the
 * NVME_SPDM Kconfig switch; spdm-stub.c without it): nvme spdm_port and
 * spdm_trans.  "doe" answers SPDM in a PCIe Data Object Exchange
 * capability, "nvme" relays Security Send / Receive with security
 * protocol E8h (DSP0286, SPDM over storage) to the responder.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SPDM_H
#define HW_NVME_SPDM_H

#include "types.h"

/* spdm_trans values (upstream's SpdmTransportType names). */
typedef enum NvmeSpdmTrans {
    NVME_SPDM_TRANS_DOE,
    NVME_SPDM_TRANS_NVME,
    NVME_SPDM_TRANS_MCTP,
    NVME_SPDM_TRANS_SCSI,
    NVME_SPDM_TRANS_UNSPECIFIED,
    NVME_SPDM_TRANS__MAX,
} NvmeSpdmTrans;

#define NVME_SPDM_DOE_AFTER     0x160   /* after ARI (100h), SR-IOV (120h) */
#define NVME_SPDM_MAX_MSG       0x1200  /* the socket's message buffer */
#define NVME_SEC_PROT_SPDM      0xe8    /* DMTF SPDM (DSP0286) */

/* Controller state (NvmeCtrl.spdm). */
typedef struct NvmeSpdm {
    int socket;                 /* connected responder, -1: none */
    bool doe;                   /* the DOE capability exists */
    uint16_t doe_off;           /* its config space offset */
} NvmeSpdm;

bool nvme_spdm_setup(NvmeCtrl *n, Error **errp);
void nvme_spdm_cleanup(NvmeCtrl *n);
bool nvme_spdm_config_read(NvmeCtrl *n, uint32_t addr, int len,
                           uint32_t *val);
bool nvme_spdm_config_write(NvmeCtrl *n, uint32_t addr, uint32_t val,
                            int len);
bool nvme_spdm_storage(NvmeCtrl *n);
uint16_t nvme_spdm_if_send(NvmeCtrl *n, uint16_t spsp, const void *buf,
                           uint32_t len);
uint16_t nvme_spdm_if_recv(NvmeCtrl *n, uint16_t spsp, uint32_t al,
                           void *buf, uint32_t *len);

#endif /* HW_NVME_SPDM_H */

/*
 * Read/Write on namespaces with metadata, and end-to-end protection
 * information (nvm-meta.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVM_META_H
#define HW_NVME_NVM_META_H

#include "pi.h"             /* PI over plain buffers: formats, checks */
#include "types.h"

uint16_t nvme_nvm_rw_meta(NvmeCtrl *n, NvmeRequest *req);
uint64_t nvme_pi_ilbrt(NvmeNamespace *ns, const NvmeCmd *cmd);
uint16_t nvme_pi_check_ilbrt(NvmeRequest *req);
void nvme_pi_generate(NvmeNamespace *ns, const uint8_t *data, uint8_t *md,
                      uint32_t nlb, uint64_t ref, uint16_t app);
void nvme_pi_flip(NvmeNamespace *ns, uint8_t *md, uint32_t nlb);
uint16_t nvme_pi_check_blocks(NvmeNamespace *ns, NvmeRequest *req,
                              const uint8_t *data, const uint8_t *md,
                              uint64_t slba, uint32_t nlb,
                              const NvmePiExpect *e);
void nvme_pi_expect_rw(NvmeNamespace *ns, const NvmeCmd *cmd,
                       NvmePiExpect *e);
uint32_t nvme_pi_off(NvmeNamespace *ns);
uint16_t nvme_meta_fetch(NvmeCtrl *n, NvmeRequest *req, uint8_t *data,
                         uint8_t *md, uint32_t hms);
uint32_t nvme_meta_host_ms(NvmeNamespace *ns, const NvmeCmd *cmd);

#endif /* HW_NVME_NVM_META_H */

/*
 * Identify data over plain values: ASCII fields, NSID lists and the
 * Namespace Identification Descriptor list (NVMe Base 2.1, 5.1.13).
 *
 * Pure: no QEMU state (tests/unit/test-id-data.c builds it without QEMU).
 * admin.c runs Identify: which namespaces, the data transfer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ID_DATA_H
#define HW_NVME_ID_DATA_H

#include "types.h"

#define NVME_ID_NSID_LIST_MAX   (NVME_IDENTIFY_DATA_SIZE / 4)
#define NVME_ID_NO_NS           0xff    /* nvme_id_nsid_list: no namespace */

void nvme_id_strpad(uint8_t *dst, const char *src, size_t len);
unsigned nvme_id_nsid_list(uint32_t *list, uint32_t above,
                           const uint8_t csi_of[NVME_MAX_NSID + 1],
                           bool by_csi, uint8_t csi);
size_t nvme_id_ns_descs(uint8_t *buf, uint64_t eui64, const uint8_t *nguid,
                        const uint8_t *uuid, uint8_t csi);

#endif /* HW_NVME_ID_DATA_H */

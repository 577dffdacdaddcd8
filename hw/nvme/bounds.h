/*
 * Bounds every command checks with plain inputs: an LBA range inside its
 * namespace, a data transfer within MDTS.
 *
 * Pure: no QEMU state (tests/unit/test-bounds.c builds it without QEMU).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_BOUNDS_H
#define HW_NVME_BOUNDS_H

/* CAP.MPSMIN: 4 KiB pages, the unit of Identify Controller MDTS. */
#define NVME_MPSMIN_SHIFT   12

uint32_t nvme_mdts_limit(uint8_t mdts);
bool nvme_xfer_ok(uint64_t bytes, uint8_t mdts);
bool nvme_lba_range_ok(uint64_t nlbas, uint64_t slba, uint64_t nlb);

#endif /* HW_NVME_BOUNDS_H */

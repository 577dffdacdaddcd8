/*
 * Bounds every command checks with plain inputs (see bounds.h).
 * Every function runs in any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "bounds.h"

/*
 * The largest data transfer, in bytes, Identify Controller MDTS @mdts
 * allows: 2^MDTS pages of CAP.MPSMIN.  MDTS 0 means no limit from the
 * specification; the device's own is 4 GiB - 1 (its lengths are 32-bit).
 */
uint32_t nvme_mdts_limit(uint8_t mdts)
{
    if (mdts == 0 || mdts >= 32 - NVME_MPSMIN_SHIFT) {
        return UINT32_MAX;
    }
    return 1u << (NVME_MPSMIN_SHIFT + mdts);
}

/* Whether a transfer of @bytes (computed in 64 bits) fits MDTS @mdts. */
bool nvme_xfer_ok(uint64_t bytes, uint8_t mdts)
{
    return bytes <= nvme_mdts_limit(mdts);
}

/*
 * Whether the @nlb blocks from @slba lie inside a namespace of @nlbas
 * blocks, without 64-bit wrap-around.  An empty range is inside when it
 * starts inside.
 */
bool nvme_lba_range_ok(uint64_t nlbas, uint64_t slba, uint64_t nlb)
{
    return slba < nlbas && nlb <= nlbas - slba;
}

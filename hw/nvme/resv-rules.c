/*
 * NVMe reservations: the command behaviour table (see resv-rules.h).
 * Pure code: unit tests (tests/unit/test-resv-rules.c) call it directly.
 *
 * For each reservation type and what the host is to it, whether a read
 * group and a write group command may run (A) or is refused with
 * Reservation Conflict (C):
 *
 *   type                 holder    registrant   non-registrant
 *                        R   W     R   W        R   W
 *   none                 -   -     A   A        A   A
 *   Write Exclusive      A   A     A   C        A   C
 *   Exclusive Access     A   A     C   C        C   C
 *   WE Registrants Only  A   A     A   A        A   C
 *   EA Registrants Only  A   A     A   A        C   C
 *   WE All Registrants   A   A     A   A        A   C
 *   EA All Registrants   A   A     A   A        C   C
 *
 * With an All Registrants reservation every registrant is a holder.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "resv-rules.h"

#define A   true
#define C   false

/* [rtype][role][group - 1]: group 1 read, 2 write */
static const bool nvme_resv_table[NVME_RESV_TYPES][3][2] = {
    [NVME_RESV_NONE]  = { { A, A }, { A, A }, { A, A } },
    [NVME_RESV_WE]    = { { A, A }, { A, C }, { A, C } },
    [NVME_RESV_EA]    = { { A, A }, { C, C }, { C, C } },
    [NVME_RESV_WE_RO] = { { A, A }, { A, A }, { A, C } },
    [NVME_RESV_EA_RO] = { { A, A }, { A, A }, { C, C } },
    [NVME_RESV_WE_AR] = { { A, A }, { A, A }, { A, C } },
    [NVME_RESV_EA_AR] = { { A, A }, { A, A }, { C, C } },
};

bool nvme_resv_all_regs(uint8_t rtype)
{
    return rtype == NVME_RESV_WE_AR || rtype == NVME_RESV_EA_AR;
}

NvmeResvRole nvme_resv_role(uint8_t rtype, bool registrant, bool holder)
{
    if (registrant && rtype && (holder || nvme_resv_all_regs(rtype))) {
        return NVME_RESV_HOLDER;
    }
    return registrant ? NVME_RESV_REGISTRANT : NVME_RESV_NON_REGISTRANT;
}

bool nvme_resv_allows(uint8_t rtype, NvmeResvRole role, uint8_t grp)
{
    grp &= NVME_RESV_GRP_MASK;
    if (grp == NVME_RESV_GRP_NONE) {
        return true;
    }
    if (rtype >= NVME_RESV_TYPES || grp > NVME_RESV_GRP_WRITE ||
        role > NVME_RESV_NON_REGISTRANT) {
        return false;           /* no such state: refuse */
    }
    return nvme_resv_table[rtype][role][grp - 1];
}

/*
 * NVMe reservations: the specification's command behaviour table (NVMe
 * Base 2.0, "Command Behavior in the Presence of a Reservation") as one
 * pure table, so dispatch (resv.c) and unit tests share it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_RESV_RULES_H
#define HW_NVME_RESV_RULES_H

/* Reservation types (RTYPE); 0 is no reservation. */
enum {
    NVME_RESV_NONE,
    NVME_RESV_WE,               /* Write Exclusive */
    NVME_RESV_EA,               /* Exclusive Access */
    NVME_RESV_WE_RO,            /* Write Exclusive - Registrants Only */
    NVME_RESV_EA_RO,            /* Exclusive Access - Registrants Only */
    NVME_RESV_WE_AR,            /* Write Exclusive - All Registrants */
    NVME_RESV_EA_AR,            /* Exclusive Access - All Registrants */
    NVME_RESV_TYPES,
};

/*
 * The command groups of the table (NvmeOpcode.resv, low bits): which
 * commands are in them is the dispatch tables' business (dispatch.c).
 */
enum {
    NVME_RESV_GRP_NONE,         /* not affected */
    NVME_RESV_GRP_READ,         /* read command group */
    NVME_RESV_GRP_WRITE,        /* write command group */
};
#define NVME_RESV_GRP_MASK      0x0f
/* NSID FFFFFFFFh names every attached namespace (else it is not checked) */
#define NVME_RESV_BCAST_ALL     0x10
/* the command affects every namespace of the NVM subsystem */
#define NVME_RESV_SUBSYS        0x20

/* What a host is to a namespace's reservation. */
typedef enum NvmeResvRole {
    NVME_RESV_HOLDER,           /* holds it (any registrant for AR types) */
    NVME_RESV_REGISTRANT,       /* registered, not holding it */
    NVME_RESV_NON_REGISTRANT,
} NvmeResvRole;

/*
 * The role of a host that is (@registrant) or is not a registrant and
 * holds (@holder) or does not hold a reservation of @rtype.
 */
NvmeResvRole nvme_resv_role(uint8_t rtype, bool registrant, bool holder);

/* Whether a command of group @grp from a host in @role may run. */
bool nvme_resv_allows(uint8_t rtype, NvmeResvRole role, uint8_t grp);

/* Whether @rtype is one of the All Registrants types. */
bool nvme_resv_all_regs(uint8_t rtype);

#endif /* HW_NVME_RESV_RULES_H */

/*
 * The zone state machine of the NVMe Zoned Namespace Command Set as pure
 * functions on plain data: no QEMU state, no locks, no I/O.  zns.c holds
 * the locks and calls these; tests/unit drives them with tables.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ZNS_SM_H
#define HW_NVME_ZNS_SM_H

#include "block/nvme.h"

/*
 * States, attributes and statuses are block/nvme.h's NVME_ZONE_STATE_*,
 * NVME_ZA_* and NVME_ZONE_* (without DNR: the caller adds it).
 */

/* Geometry of a zoned namespace, in logical blocks. */
typedef struct NvmeZoneGeo {
    uint64_t zsze;              /* zone size */
    uint64_t zcap;              /* writable blocks of each zone */
    uint64_t nr_zones;
    uint64_t zrwas;             /* ZRWA size, 0: no ZRWA */
    uint64_t zrwafg;            /* ZRWA flush granularity */
} NvmeZoneGeo;

/* Open, active and ZRWA resources in use, and their limits (0: none). */
typedef struct NvmeZoneRes {
    uint32_t open;              /* zones implicitly or explicitly open */
    uint32_t active;            /* open or closed zones */
    uint32_t zrwa;              /* zones with a ZRWA allocated */
    uint32_t max_open;
    uint32_t max_active;
    uint32_t max_zrwa;          /* zoned.numzrwa */
} NvmeZoneRes;

/* The part of a zone the state machine changes. */
typedef struct NvmeZoneSm {
    uint64_t wp;                /* write pointer, an LBA of the namespace */
    uint8_t state;              /* NVME_ZONE_STATE_* */
    uint8_t attrs;              /* NVME_ZA_* */
} NvmeZoneSm;

typedef enum NvmeZsmAction {
    NVME_ZSM_OPEN,              /* Open Zone */
    NVME_ZSM_OPEN_ZRWA,         /* Open Zone allocating a ZRWA */
    NVME_ZSM_CLOSE,             /* Close Zone */
    NVME_ZSM_FINISH,            /* Finish Zone */
    NVME_ZSM_RESET,             /* Reset Zone */
    NVME_ZSM_OFFLINE,           /* Offline Zone */
    NVME_ZSM_SET_ZDE,           /* Set Zone Descriptor Extension */
    NVME_ZSM_WRITE,             /* a write opens the zone implicitly */
    NVME_ZSM_FILL,              /* the write pointer reached the capacity */
    NVME_ZSM_MAKE_READ_ONLY,    /* the controller: zone became read only */
    NVME_ZSM_MAKE_OFFLINE,      /* the controller: zone went offline */
    NVME_ZSM_POWER_ON,          /* restart, controller reset: opens close */
} NvmeZsmAction;

/* Which zone states a Zone Management Send action with Select All hits. */
bool nvme_zsm_select_all(NvmeZsmAction a, uint8_t state);
/* Whether @state matches Zone Management Receive filter @zrasf (0-7). */
bool nvme_zsm_report_match(uint8_t zrasf, uint8_t state);
/* Whether a zone in @state holds an active (open, closed) resource. */
bool nvme_zsm_is_active(uint8_t state);
bool nvme_zsm_is_open(uint8_t state);

/*
 * Apply @a to zone @z (first LBA @zslba), accounting resources in @r.
 * Returns 0 or the NVMe status the command completes with; on failure
 * neither @z nor @r changed.  A transition that needs an open resource
 * fails with NVME_ZONE_TOO_MANY_OPEN only once the active resources are
 * known to suffice, so the caller may close an implicitly opened zone
 * and try again.
 */
uint16_t nvme_zsm_apply(const NvmeZoneGeo *g, NvmeZoneRes *r, NvmeZoneSm *z,
                        uint64_t zslba, NvmeZsmAction a);

/* What a write admitted by nvme_zsm_write_check does to its zone. */
typedef struct NvmeZsmWrite {
    uint64_t slba;              /* where it writes (Zone Append: the WP) */
    uint64_t new_wp;            /* write pointer after it */
    bool open;                  /* the zone must be opened first */
    bool fill;                  /* it fills the zone */
} NvmeZsmWrite;

/*
 * Check a write of @nlb blocks at @slba (for Zone Append, @slba is the
 * zone's first LBA and the write goes to the write pointer) to zone @z.
 * Returns 0 with @w filled in, or the status to fail the command with.
 */
uint16_t nvme_zsm_write_check(const NvmeZoneGeo *g, const NvmeZoneSm *z,
                              uint64_t zslba, uint64_t slba, uint64_t nlb,
                              bool append, NvmeZsmWrite *w);

/*
 * ZRWA Flush up to and including @elba: the new write pointer, or the
 * status to fail the command with.
 */
uint16_t nvme_zsm_zrwa_flush(const NvmeZoneGeo *g, const NvmeZoneSm *z,
                             uint64_t zslba, uint64_t elba, uint64_t *new_wp);

/* The write pointer a Zone Descriptor reports for @z. */
uint64_t nvme_zsm_report_wp(const NvmeZoneSm *z);

#endif /* HW_NVME_ZNS_SM_H */

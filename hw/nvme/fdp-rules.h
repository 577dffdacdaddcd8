/*
 * Flexible Data Placement rules over plain values (NVMe Base 2.1, TP4146):
 * placement identifiers, the nvme-ns "fdp.ruhs" list, reclaim unit
 * accounting, the FDP event rings and the log pages built from them.
 *
 * Pure: no QEMU state (tests/unit/test-fdp-rules.c builds it without
 * QEMU).  fdp.c runs the commands and holds the state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FDP_RULES_H
#define HW_NVME_FDP_RULES_H

#include "block/nvme.h"

#define NVME_FDP_MAX_NRUH       128     /* RUHID is 8 bits in an event */
#define NVME_FDP_MAX_EVENTS     63      /* per ring: a 4 KiB log page */
#define NVME_FDP_RUHT           NVME_RUHT_INITIALLY_ISOLATED

/* Event types the controller reports, and their enable bits. */
#define NVME_FDP_EV_RUNFW       0x00    /* host: RU Not Fully Written */
#define NVME_FDP_EV_INVALID_PID 0x03    /* host: Invalid Placement Id */
#define NVME_FDP_EV_IMPLICIT    0x81    /* ctrl: Implicitly Modified RUH */
#define NVME_FDP_EV_NTYPES      3

extern const uint8_t nvme_fdp_ev_types[NVME_FDP_EV_NTYPES];

/* The endurance group's configuration (the nvme-subsys fdp.* values). */
typedef struct NvmeFdpGeo {
    uint32_t nrg;               /* reclaim groups */
    uint16_t nruh;              /* reclaim unit handles */
    uint64_t runs;              /* reclaim unit nominal size, bytes */
    uint8_t rgif;               /* PID bits naming the reclaim group */
    bool vwc;                   /* a volatile write cache is present */
    uint32_t nnss;              /* namespaces the group may hold */
} NvmeFdpGeo;

/* FDP events of one kind (host or controller), oldest first. */
typedef struct NvmeFdpEvRing {
    NvmeFdpEvent ev[NVME_FDP_MAX_EVENTS];
    uint32_t start;             /* oldest */
    uint32_t count;
} NvmeFdpEvRing;

uint8_t nvme_fdp_rgif(uint32_t nrg);
bool nvme_fdp_pid_parse(uint16_t pid, uint8_t rgif, uint16_t nph,
                        uint32_t nrg, uint16_t *ph, uint16_t *rg);
uint16_t nvme_fdp_pid(uint16_t ph, uint16_t rg, uint8_t rgif);
int nvme_fdp_ruhs_parse(const char *list, uint16_t nruh, uint16_t *out,
                        unsigned max, const char **why);

uint32_t nvme_fdp_ru_write(uint64_t *avail, uint64_t runs, uint64_t bytes);
bool nvme_fdp_ru_update(uint64_t *avail, uint64_t runs);

int nvme_fdp_ev_bit(uint8_t type);
void nvme_fdp_ev_push(NvmeFdpEvRing *r, const NvmeFdpEvent *e);
size_t nvme_fdp_ev_fill(const NvmeFdpEvRing *r, uint8_t *buf);

size_t nvme_fdp_confs_size(const NvmeFdpGeo *g);
size_t nvme_fdp_confs_fill(const NvmeFdpGeo *g, uint8_t *buf);
size_t nvme_fdp_stats_fill(uint64_t hbmw, uint64_t mbmw, uint64_t mbe,
                           uint8_t *buf);

#endif /* HW_NVME_FDP_RULES_H */

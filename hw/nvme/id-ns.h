/*
 * Identify Namespace data over plain values: Identify Namespace (CNS 00h,
 * 11h), the I/O Command Set specific structures (CNS 05h, 1Bh: NVM and
 * Zoned) and the I/O Command Set Independent one (CNS 08h, 1Fh) (NVMe
 * Base 2.1, 5.1.13.2; NVM Command Set 1.1, 4.1.5; Zoned Namespace Command
 * Set 1.2, 4.1.5.2).
 *
 * Pure: no QEMU state (tests/unit/test-id-ns.c builds it without QEMU).
 * admin.c gathers a namespace's values (ns.c, zns.c and the areas) and
 * runs the command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ID_NS_H
#define HW_NVME_ID_NS_H

#include "block/nvme.h"

#define NVME_NSFEAT_NSABP           (1u << 1)   /* NAWUN... valid */
#define NVME_NSFEAT_OPTPERF         (1u << 4)   /* NPWG... valid */
#define NVME_ZNS_ZRWACAP_EXPFLUSH   1
#define NVME_ID_NS_ZONED_LBAFE      16          /* entries of NvmeIdNsZoned */

/* One LBA format: LBADS, metadata bytes, guard format (ELBAF PIF). */
typedef struct NvmeIdLbaf {
    uint8_t ds;
    uint16_t ms;
    uint8_t pif;
} NvmeIdLbaf;

/* Atomic write fields of a namespace (atomic.c). */
typedef struct NvmeIdNsAtomic {
    bool on;                    /* NSFEAT NSABP: the fields below hold */
    uint16_t nawun, nawupf, nabsn, nabo, nabspf;
} NvmeIdNsAtomic;

/* What a namespace's Identify Namespace structures depend on. */
typedef struct NvmeIdNsIn {
    uint64_t nsze, ncap, nuse;  /* blocks */
    unsigned nlbaf;             /* formats in lbaf[], at least one */
    NvmeIdLbaf lbaf[NVME_MAX_NLBAF];
    unsigned flbaf;             /* the format in use, < nlbaf */
    bool mset;                  /* extended LBA (FLBAS bit 4) */
    bool meta;                  /* metadata and PI formats offered */
    uint8_t pi;                 /* DPS protection type, 0: none */
    bool pil;                   /* PI in the first bytes of metadata */
    uint32_t pbs_lbas;          /* physical block, blocks (1 or more) */
    bool shared;                /* NMIC bit 0 */
    bool write_protected;       /* NSATTR bit 0 (CNS 08h) */
    uint8_t rescap;
    uint32_t anagrpid;          /* 0: not reported */
    uint16_t endgid;
    uint8_t nguid[16];
    uint64_t eui64;
    uint16_t mssrl;             /* Copy limits */
    uint32_t mcl;
    uint8_t msrc;
    NvmeIdNsAtomic atomic;
} NvmeIdNsIn;

/* What the Zoned Identify Namespace structure depends on. */
typedef struct NvmeIdNsZonedIn {
    bool cross_read;            /* OZCS RAZB */
    uint32_t max_active;        /* 0: no limit */
    uint32_t max_open;
    uint32_t rrl, frl;          /* seconds */
    uint32_t numzrwa;           /* 0: no ZRWA */
    uint16_t zrwafg, zrwas;     /* blocks */
    uint64_t zone_size;         /* bytes */
    uint32_t zdes;              /* descriptor extension bytes */
} NvmeIdNsZonedIn;

void nvme_id_ns_build(NvmeIdNs *id, const NvmeIdNsIn *in);
void nvme_id_ns_common_build(NvmeIdNs *id, const NvmeIdNsIn *in);
void nvme_id_ns_nvm_build(NvmeIdNsNvm *id, const NvmeIdNsIn *in);
void nvme_id_ns_zoned_build(NvmeIdNsZoned *id, const NvmeIdNsIn *in,
                            const NvmeIdNsZonedIn *z);
void nvme_id_ns_ind_build(NvmeIdNsInd *id, const NvmeIdNsIn *in);

#endif /* HW_NVME_ID_NS_H */

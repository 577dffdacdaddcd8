/*
 * Namespaces (ns.c): the nvme-ns device, a namespace's format and
 * identifiers, and the per-namespace state of the areas that keep some
 * (Write Uncorrectable marks, the fused-command write gate,
 * reservations).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NS_H
#define HW_NVME_NS_H

#include "hw/qdev-core.h"
#include "hw/block/block.h"
#include "qemu/uuid.h"
#include "system/block-backend.h"
#include "hw/nvme/nvme.h"      /* type names */
#include "pi.h"             /* PI sizes and formats */
#include "migration/vmstate.h"
#include "types.h"
#include "unc.h"
#include "gate.h"
#include "resv.h"
#include "zns.h"
#include "fdp.h"
#include "atomic.h"
#include "id-ns.h"


/* Protection information of a format (nvm-meta.c checks it). */

/* Copy limits of a namespace: nvme-ns mssrl, mcl, msrc (ns->copy). */
typedef struct NvmeCopyLimits {
    uint16_t mssrl;             /* blocks per source range */
    uint32_t mcl;               /* blocks per command */
    uint8_t msrc;               /* source ranges, 0-based */
} NvmeCopyLimits;

/* The defaults: upstream's */
#define NVME_COPY_MSRC      127
#define NVME_COPY_MSSRL     128
#define NVME_COPY_MCL       128
#define NVME_COPY_DEFAULTS  ((NvmeCopyLimits) { \
    .mssrl = NVME_COPY_MSSRL, .mcl = NVME_COPY_MCL, .msrc = NVME_COPY_MSRC, })

struct NvmeNamespace {
    BlockBackend *blk;
    uint32_t nsid;
    uint32_t lbasz;             /* logical block size in bytes */
    uint8_t lbads;              /* log2(lbasz) */
    uint32_t pbs;               /* physical block size hint, bytes */
    uint64_t nlbas;             /* namespace size in logical blocks */
    QemuUUID uuid;
    uint8_t nguid[16];
    uint64_t eui64;
    bool wce_default;           /* backend had its write cache on */
    NvmeCtrl *ctrl;             /* controller whose bus holds the device */
    NvmeSubsys *subsys;         /* where the NSID is allocated (subsys.c) */
    bool shared;                /* NMIC bit 0: may attach to several */
    bool auto_attach;           /* attach to controllers as they appear */
    NvmeUncList unc;            /* Write Uncorrectable marks */
    NvmeUncList media;          /* blocks of failed reads: listed, readable */
    QemuMutex unc_lock;         /* unc and media (unc.c) */
    NvmeNsGate gate;            /* fused Compare and Write atomicity */
    uint8_t lbaf;               /* current LBA format, FLBAS (ns.c) */
    uint8_t conf_lbads;         /* log2 of the configured block size */
    bool formatting;            /* Format NVM is erasing it (format.c) */
    void *format_job;           /* ... which job (main loop only) */
    /* metadata and protection information (nvm-meta.c) */
    bool meta_formats;          /* LBA formats with metadata offered */
    uint16_t ms;                /* metadata bytes per block, current */
    bool mset;                  /* FLBAS bit 4: extended LBA */
    uint8_t pi;                 /* DPS type: 0 none, 1, 2, 3 */
    bool pil;                   /* DPS bit 3: PI in the first bytes */
    uint8_t pif_conf;           /* nvme-ns,pif=: guard of formats ms >= 16 */
    uint8_t pif;                /* current: 0 16-bit guard, 2 64-bit */
    uint32_t anagrpid;          /* ANA group, 1..NVME_ANA_GRPS (ana.c) */
    NvmeResv resv;              /* reservations (resv.c) */
    NvmeCopyLimits copy;        /* Copy limits (nvm-copy.c, ns.c) */
    NvmeZoned *zoned;           /* zoned namespace (zns.c), else NULL */
    NvmeNsFdp fdp;              /* placement handles (fdp.c) */
    NvmeNsAtomic atomic;        /* atomic units, overlap lock (atomic.c) */
    /* nvme-ns,state-file=: format and marks across restarts (ns.c) */
    char *state_path;
    QEMUBH *state_bh;
};

/*
 * Backing image layout: the blocks' data, then their metadata (ms bytes
 * per block, in LBA order).  Bytes of the image a format uses.
 */
static inline uint64_t nvme_ns_bytes(NvmeNamespace *ns)
{
    return ns->nlbas * (ns->lbasz + ns->ms);
}

/* Image offset of the metadata of block @lba. */
static inline uint64_t nvme_ns_md_off(NvmeNamespace *ns, uint64_t lba)
{
    return (ns->nlbas << ns->lbads) + lba * ns->ms;
}

/* Bytes of protection information in each block's metadata. */
static inline uint32_t nvme_pi_size(NvmeNamespace *ns)
{
    return ns->pif == NVME_PIF_64 ? NVME_PI64_SIZE : NVME_PI_SIZE;
}

typedef struct NvmeNsParams {
    uint32_t nsid;
    QemuUUID uuid;
    bool uuid_set;
    uint64_t eui64;
    uint8_t nguid[16];
    bool nguid_set;
    bool shared;                /* nvme-ns,shared= (subsystem only) */
    bool detached;              /* nvme-ns,detached= */
    uint16_t ms;                /* nvme-ns,ms= metadata bytes per block */
    uint8_t mset;               /* nvme-ns,mset= 1: extended LBA */
    uint8_t pi;                 /* nvme-ns,pi= protection type */
    uint8_t pil;                /* nvme-ns,pil= 1: PI first in metadata */
    uint8_t pif;                /* nvme-ns,pif= 2: 64-bit guard */
    uint32_t anagrpid;          /* nvme-ns,anagrpid= ANA group */
    char *resv_state;           /* nvme-ns,resv-state= PTPL file */
    char *state_file;           /* nvme-ns,state-file= format, marks */
    bool eui64_default;         /* nvme-ns,eui64-default= derived EUI-64 */
    uint16_t mssrl;             /* nvme-ns,mssrl= Copy: blocks per range */
    uint32_t mcl;               /* nvme-ns,mcl= Copy: blocks per command */
    uint8_t msrc;               /* nvme-ns,msrc= Copy: ranges, 0-based */
    NvmeZonedParams zoned;      /* nvme-ns,zoned= and zoned.* (zns.c) */
    NvmeNsAtomicParams atomic;  /* nvme-ns,atomic.*= */
    char *fdp_ruhs;             /* nvme-ns,fdp.ruhs= (fdp.c) */
} NvmeNsParams;

OBJECT_DECLARE_SIMPLE_TYPE(NvmeNsDevice, NVME_NS)
struct NvmeNsDevice {
    DeviceState parent_obj;
    BlockConf blkconf;
    NvmeNsParams params;
    char *nguid_str;            /* "nguid" property, parsed at realize */
    int32_t bootindex;          /* firmware boot order of this namespace */
    uint32_t *stats_intervals;  /* "stats-intervals" (seconds) */
    uint32_t nr_stats_intervals;
    NvmeNamespace ns;
};

OBJECT_DECLARE_SIMPLE_TYPE(NvmeBus, NVME_BUS)
struct NvmeBus {
    BusState parent_bus;
};

bool nvme_ns_setup(NvmeNamespace *ns, BlockConf *conf,
                   const NvmeNsParams *params, const char *serial,
                   Error **errp);
void nvme_ns_id_in(NvmeNamespace *ns, NvmeIdNsIn *in);
bool nvme_ctrl_has_vwc(NvmeCtrl *n);
uint8_t nvme_ns_lbaf_ds(NvmeNamespace *ns, unsigned idx);
uint16_t nvme_ns_lbaf_ms(NvmeNamespace *ns, unsigned idx);
uint8_t nvme_ns_lbaf_pif(NvmeNamespace *ns, unsigned idx);
void nvme_ns_set_lbaf(NvmeNamespace *ns, unsigned idx);
void nvme_ns_state_changed(NvmeNamespace *ns);

extern const VMStateDescription nvme_vmstate_ns_state;

extern const VMStateDescription nvme_vmstate_namespace;
extern const VMStateDescription nvme_vmstate_builtin_ns;

#endif /* HW_NVME_NS_H */

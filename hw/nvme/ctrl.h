/*
 * The NVMe controller (pci.c): QOM type, properties, and NvmeCtrl, which
 * embeds the state of every area by one member each.  Each area's state
 * struct, reset and init / cleanup are in the area's own header;
 * docs/architecture.rst lists where each piece of state lives.
 *
 * Context model (docs/architecture.rst, and the top of queue.c): admin
 * work runs in the main loop with the BQL ("Context: main loop"); each
 * I/O queue pair runs in its AioContext, the main loop or an iothread
 * ("Context: queue"), with no lock shared between queues.
 * All guest-visible state lives in plain fields (no pointers that are not
 * derivable) so that it can be described by vmstate.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_CTRL_H
#define HW_NVME_CTRL_H

#include "hw/pci/pci_device.h"
#include "hw/block/block.h"
#include "qapi/qapi-types-virtio.h"
#include "types.h"
#include "atomic.h"
#include "regs.h"
#include "queue.h"
#include "iothread.h"
#include "irqfd.h"
#include "dbbuf.h"
#include "ns.h"
#include "subsys.h"
#include "ana.h"
#include "resv.h"
#include "features.h"
#include "aer.h"
#include "log.h"
#include "stats.h"
#include "sanitize.h"
#include "selftest.h"
#include "hw/nvme/nvme.h"      /* type names, PCI identity */
#include "firmware.h"
#include "telemetry.h"
#include "lba-status.h"
#include "ioerr.h"
#include "ocp.h"
#include "spdm.h"
#include "cmem.h"
#include "dma-win.h"
#include "cmb.h"
#include "pmr.h"
#include "sriov.h"
#include "migration.h"

#define NVME_MAX_IOQPAIRS   0xfffe
#define NVME_MAX_VECTORS    2048

typedef struct NvmeParams {
    char *serial;
    uint32_t max_ioqpairs;
    uint16_t msix_qsize;
    uint16_t mqes;              /* CAP.MQES: entries per queue - 1 */
    uint8_t mdts;
    uint8_t aerl;
    uint32_t aer_max_queued;
    bool ioeventfd;
    bool dbbuf;                 /* offer Doorbell Buffer Config */
    char *features_file;        /* saved features across restarts */
    char *state_file;           /* firmware slots, own namespace (pci.c) */
    struct IOThread *iothread;                  /* "iothread" link */
    IOThreadVirtQueueMappingList *iothread_map; /* "iothread-queue-mapping" */
    /* upstream's spellings and identity (pci.c, admin.c) */
    uint32_t num_queues;        /* deprecated: max_ioqpairs + 1 */
    bool dbcs;                  /* upstream's name for dbbuf */
    bool use_intel_id;          /* PCI and Identify IDs 8086:5845 */
    bool msix_exclusive_bar;    /* MSI-X table and PBA in BAR 4 */
    char *model;                /* Identify MN */
    char *fw_version;           /* Identify FR, firmware slot 1 */
    bool ctratt_mem;            /* CTRATT.MEM: limits exclude metadata */
    uint8_t vsl;                /* Verify Size Limit, 2^n MPSMIN pages */
    char *sriov_pf;             /* generic PCI "sriov-pf": refused */
    uint32_t *stats_intervals;  /* "stats-intervals" (seconds) */
    uint32_t nr_stats_intervals;
    NvmeZonedCtrlParams zoned;  /* zoned.zasl, zoned.auto_transition */
    NvmeAtomicParams atomic;    /* atomic.dn, atomic.awun, atomic.awupf */
    bool ocp;                   /* OCP Datacenter log pages (ocp.c) */
    uint16_t spdm_port;         /* SPDM responder's TCP port (spdm.c) */
    int spdm_trans;             /* NvmeSpdmTrans */
} NvmeParams;

OBJECT_DECLARE_SIMPLE_TYPE(NvmeCtrl, NVME)
struct NvmeCtrl {
    PCIDevice parent_obj;

    MemoryRegion bar0;
    MemoryRegion regs_mr;
    MemoryRegion db_mr;
    NvmeBus bus;
    BlockConf conf;
    int32_t bootindex;
    NvmeParams params;
    uint16_t cntlid;
    bool running;               /* CSTS.RDY and not failed (atomic) */
    NvmeIdCtrl id_ctrl;

    NvmeNamespace builtin_ns;
    NvmeNamespace *ns[NVME_MAX_NSID + 1];       /* attached: active NSIDs */
    struct NvmeSubsysDevice *subsys_dev;        /* "subsys" link, or NULL */
    NvmeSubsys *subsys;         /* subsys_dev's, else own_subsys */
    NvmeSubsys *own_subsys;     /* single-controller subsystem */

    /* The areas, one member each (header: what the type's name says). */
    NvmeRegs regs;              /* regs.h */
    NvmeQueues queues;          /* queue.h */
    NvmeIothreads iot;          /* iothread.h */
    NvmeIrqfd irqfd;            /* irqfd.h */
    NvmeDbbuf dbbuf;            /* dbbuf.h */
    NvmeChangedNs changed_ns;   /* subsys.h */
    NvmeAna ana;                /* ana.h */
    NvmeResvCtrl resv;          /* resv.h */
    NvmeFeat feat;              /* features.h */
    NvmeAer aer;                /* aer.h */
    NvmeErrLogState errlog;     /* log.h */
    NvmeCtrlStats stats;        /* stats.h */
    NvmeSanitize sanitize;      /* sanitize.h */
    NvmeSelfTest dst;           /* selftest.h */
    NvmeFirmware fw;            /* firmware.h */
    NvmeLbaStatus lbas;         /* lba-status.h */
    NvmeTelemetry telemetry;    /* telemetry.h */
    NvmeIoErr ioerr;            /* ioerr.h */
    NvmeOcp ocp;                /* ocp.h */
    NvmeSpdm spdm;              /* spdm.h */
    NvmeCmem cmem;              /* cmem.h: DMA view, CMB/PMR windows */
    NvmeDmaWinCtrl dmawin;      /* dma-win.h: the queues' RAM windows */
    NvmeCmb cmb;                /* cmb.h */
    NvmePmr pmr;                /* pmr.h */
    NvmeZnsCtrl zns;            /* zns.h: zoned command set enabled */
    NvmeSriov sriov;            /* sriov.h */
    NvmeMig mig;                /* migration.h */
};

/*
 * Context: queue.  A command whose queue is being deleted, or whose
 * controller is resetting: the request is about to be released.
 */
static inline bool nvme_req_dropping(NvmeRequest *req)
{
    return req->cancelled || !qatomic_read(&nvme_req_ctrl(req)->running);
}

/*
 * Context: queue.  A command that must not start more backend I/O (its
 * next chunk or phase): it is being dropped, or it was aborted by a
 * Preempt and Abort (it completes with that status).
 */
static inline bool nvme_req_stopping(NvmeRequest *req)
{
    return nvme_req_dropping(req) || req->aborted;
}

/*
 * Context: any.  Active namespace @nsid of @n: attached, and of a
 * command set CC.CSS enabled (zoned namespaces need the I/O command sets,
 * zns.h).  The main loop changes the table (subsys.c), the queues read
 * it: atomic, and a detach waits for the commands that got the namespace
 * (nvme_ns_fence).
 */
static inline NvmeNamespace *nvme_ns(NvmeCtrl *n, uint32_t nsid)
{
    NvmeNamespace *ns = nvme_nsid_valid(nsid) ? qatomic_read(&n->ns[nsid])
                                              : NULL;

    return ns && (!ns->zoned || n->zns.enabled) ? ns : NULL;
}

/*
 * Status for a command naming @nsid that needs an active namespace: an
 * NSID outside 1..NN is invalid, a valid one with no namespace attached
 * is inactive, which the spec answers with Invalid Field in Command.
 */
static inline uint16_t nvme_nsid_status(NvmeCtrl *n, uint32_t nsid)
{
    if (!nvme_nsid_valid(nsid)) {
        return NVME_INVALID_NSID | NVME_DNR;
    }
    return nvme_ns(n, nsid) ? NVME_SUCCESS : NVME_INVALID_FIELD | NVME_DNR;
}

/* pci.c: size of BAR0 for @num queue ids and @vectors MSI-X vectors. */
uint64_t nvme_bar0_size(uint32_t num, uint32_t vectors, bool msix_excl);

/* Context: any.  PCI vendor ID, also Identify VID (use-intel-id). */
static inline uint16_t nvme_pci_vendor_id(NvmeCtrl *n)
{
    return n->params.use_intel_id ? NVME_PCI_INTEL_VENDOR_ID : NVME_PCI_VENDOR_ID;
}

/*
 * Context: any.  Bytes of a command on @nlb blocks that count against
 * MDTS and the NVM size limits (VSL): the data, plus @md_bytes of
 * interleaved metadata unless CTRATT.MEM (ctratt.mem=on) excludes it.
 */
static inline uint64_t nvme_limit_bytes(NvmeCtrl *n, NvmeNamespace *ns,
                                        uint32_t nlb, uint64_t md_bytes)
{
    uint64_t bytes = (uint64_t)nlb << ns->lbads;

    return n->params.ctratt_mem ? bytes : bytes + md_bytes;
}

#endif /* HW_NVME_CTRL_H */

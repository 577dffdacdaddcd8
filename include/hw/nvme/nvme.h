/*
 * Clean-room NVMe controller: shared types of the device's files.
 *
 * Context model (the design is at the top of queue.c): admin work runs in
 * the main loop with the BQL ("Context: main loop"); each I/O queue pair
 * runs in its AioContext, the main loop or an iothread ("Context: queue"),
 * holding the controller's io_lock.
 * All guest-visible state lives in plain fields (no pointers that are not
 * derivable) so that it can be described by vmstate.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVME_H
#define HW_NVME_NVME_H

#include "block/nvme.h"
#include "hw/pci/pci_device.h"
#include "hw/block/block.h"
#include "system/dma.h"
#include "system/block-backend.h"
#include "qemu/queue.h"
#include "qemu/uuid.h"
#include "qemu/event_notifier.h"
#include "qemu/thread.h"
#include "qemu/lockable.h"
#include "qemu/main-loop.h"
#include "block/aio.h"
#include "qapi/qapi-types-virtio.h"
#include "system/runstate.h"

#define TYPE_NVME       "nvme"
#define TYPE_NVME_NS    "nvme-ns"
#define TYPE_NVME_BUS   "nvme-bus"
#define TYPE_NVME_SUBSYS "nvme-subsys"

/* Highest NSID; also Identify Controller NN. */
#define NVME_MAX_NSID           256
#define NVME_ERROR_LOG_ENTRIES  64
#define NVME_DB_OFFSET          0x1000
#define NVME_SQES               6       /* log2(64): submission entry */
#define NVME_CQES               4       /* log2(16): completion entry */
#define NVME_TEMPERATURE_K      296     /* reported composite temperature */
#define NVME_TEMP_WARN_K        343
#define NVME_TEMP_CRIT_K        358
#define NVME_ADM_CMD_KEEP_ALIVE 0x18    /* not in block/nvme.h */
#define NVME_KAS_MS             1000    /* keep alive granularity */

typedef struct NvmeCtrl NvmeCtrl;
typedef struct NvmeRequest NvmeRequest;
typedef struct NvmeSQueue NvmeSQueue;
typedef struct NvmeCQueue NvmeCQueue;
typedef struct NvmeSubsys NvmeSubsys;
typedef struct NvmeWorker NvmeWorker;

/* Status values block/nvme.h does not name. */
#define NVME_NS_WRITE_PROTECTED 0x0020
#define NVME_ADM_CMD_GET_LBA_STATUS 0x86
#define NVME_ADM_CMD_DEV_SELF_TEST  0x14
#define NVME_ADM_CMD_SANITIZE       0x84
#define NVME_LOG_DEV_SELF_TEST      0x06
#define NVME_LOG_SANITIZE           0x81
#define NVME_LOG_TELEMETRY_HOST     0x07
#define NVME_LOG_TELEMETRY_CTRL     0x08
#define NVME_LOG_LBA_STATUS         0x0e
#define NVME_LPA_TELEMETRY          (1u << 3)
#define NVME_SANITIZE_FAILED        0x001c
#define NVME_SANITIZE_IN_PROGRESS   0x001d
#define NVME_DST_IN_PROGRESS        0x011d  /* Device Self-test */
#define NVME_OVERLAPPING_RANGE      0x0114  /* Firmware Image Download */
#define NVME_SANICAP_CES            (1u << 0)
#define NVME_SANICAP_BES            (1u << 1)
#define NVME_SANICAP_OWS            (1u << 2)
#define NVME_SANICAP_NODMMAS_NOMOD  (1u << 30)
#define NVME_FNA_CRYPTO_ERASE       (1u << 2)
#define NVME_OACS_SELF_TEST         (1u << 4)
#define NVME_OAES_FW_ACTIVATION     (1u << 9)
/* Asymmetric Namespace Access (ana.c) */
#define NVME_LOG_ANA                0x0c
#define NVME_ANA_GRPS               16      /* ANAGRPMAX, NANAGRPID */
#define NVME_ANA_OPTIMIZED          0x01
#define NVME_ANA_NON_OPTIMIZED      0x02
#define NVME_ANA_INACCESSIBLE       0x03
#define NVME_ANA_PERSISTENT_LOSS    0x04
#define NVME_ANA_CHANGE             0x0f
#define NVME_ANA_PERSISTENT_LOSS_STATUS 0x0301    /* SCT 3: path related */
#define NVME_ANA_INACCESSIBLE_STATUS    0x0302
#define NVME_ANA_TRANSITION_STATUS      0x0303
#define NVME_FRMW_NO_RESET          (1u << 4)   /* activation w/o reset */
#define NVME_ADM_CMD_NS_MGMT        0x0d
#define NVME_NS_INSUFFICIENT_CAP    0x0115  /* Namespace Management */
#define NVME_NS_ID_UNAVAILABLE      0x0116
#define NVME_THIN_PROV_NOT_SUPP     0x011b

/* Reservations (resv.c) */
#define NVME_RESERVATION_CONFLICT   NVME_NS_RESV_CONFLICT   /* 0083h */
#define NVME_HOSTID_INCONSISTENT    0x0018  /* Host Identifier Inconsistent */
#define NVME_CMD_RESV_REGISTER      0x0d
#define NVME_CMD_RESV_REPORT        0x0e
#define NVME_CMD_RESV_ACQUIRE       0x11
#define NVME_CMD_RESV_RELEASE       0x15
#define NVME_FEAT_HOST_ID           0x81
#define NVME_FEAT_RESV_MASK         0x82
#define NVME_FEAT_RESV_PERSIST      0x83
#define NVME_LOG_RESV_NOTIFY        0x80
#define NVME_CTRATT_HOSTID_128      (1u << 0)
#define NVME_RESV_MAX_REGS          64      /* registrants per namespace */
#define NVME_RESV_LOG_MAX           64      /* unread notices per ctrl */

/* Which reservation rule an I/O opcode follows (NvmeOpcode.resv). */
enum {
    NVME_RESV_GRP_NONE,         /* not affected (Flush, reservations) */
    NVME_RESV_GRP_READ,         /* read command group */
    NVME_RESV_GRP_WRITE,        /* write command group */
};

/*
 * One registrant of a namespace: a host, named by its host identifier,
 * or a single controller whose host identifier is zero (@anon).
 */
typedef struct NvmeResvReg {
    uint8_t hostid[16];
    bool ext;                   /* 128-bit host identifier */
    bool anon;                  /* host identifier 0: controller @cntlid */
    uint16_t cntlid;
    bool holder;                /* holds a reservation of type 1-4 */
    uint64_t key;
} NvmeResvReg;

/* Reservation state of a namespace, shared by all its controllers. */
typedef struct NvmeResv {
    NvmeResvReg regs[NVME_RESV_MAX_REGS];
    uint32_t nr;
    uint8_t rtype;              /* 0: no reservation */
    uint32_t gen;               /* Reservation Report GEN */
    bool ptpl;                  /* Persist Through Power Loss state */
    char *path;                 /* nvme-ns,resv-state=; NULL: no PTPL */
} NvmeResv;

/* A Reservation Notification log page waiting to be read. */
typedef struct NvmeResvNotice {
    uint64_t count;
    uint32_t nsid;
    uint8_t type;
} NvmeResvNotice;

/* A run of logical blocks (Write Uncorrectable marks, DSM and Copy). */
typedef struct NvmeLbaRange {
    uint64_t slba;
    uint64_t nlb;
} NvmeLbaRange;

/*
 * Blocks marked by Write Uncorrectable (nvm-range.c): sorted, disjoint,
 * non-adjacent ranges, so the list is plain data a vmstate can describe.
 */
typedef struct NvmeUncList {
    NvmeLbaRange *r;
    uint32_t nr;
    uint32_t alloc;
    uint16_t gen;               /* bumped on every change (0Eh LSGC) */
} NvmeUncList;

/*
 * Write gate of a namespace (nvm-compare.c): while a fused Compare and
 * Write owns the namespace, commands that change data wait in @waiters.
 */
typedef struct NvmeNsGate {
    uint32_t writes;            /* data-changing commands running */
    NvmeRequest *owner;         /* first command of the owning fused pair */
    bool owner_started;
    bool running;               /* nvme_gate_run is on the stack */
    QTAILQ_HEAD(, NvmeRequest) waiters;
} NvmeNsGate;

/* ---- namespaces (ns.c) ---- */

typedef struct NvmeNamespace {
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
    NvmeNsGate gate;            /* fused Compare and Write atomicity */
    uint8_t lbaf;               /* current LBA format, FLBAS (ns.c) */
    uint8_t conf_lbads;         /* log2 of the configured block size */
    bool formatting;            /* Format NVM is erasing it (format.c) */
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
} NvmeNamespace;

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
} NvmeNsParams;

OBJECT_DECLARE_SIMPLE_TYPE(NvmeNsDevice, NVME_NS)
struct NvmeNsDevice {
    DeviceState parent_obj;
    BlockConf blkconf;
    NvmeNsParams params;
    char *nguid_str;            /* "nguid" property, parsed at realize */
    NvmeNamespace ns;
};

OBJECT_DECLARE_SIMPLE_TYPE(NvmeBus, NVME_BUS)
struct NvmeBus {
    BusState parent_bus;
};

bool nvme_ns_setup(NvmeNamespace *ns, BlockConf *conf,
                   const NvmeNsParams *params, const char *serial,
                   Error **errp);
void nvme_ns_fill_id(NvmeNamespace *ns, NvmeIdNs *id);
void nvme_ns_drain_all(NvmeCtrl *n);
bool nvme_ctrl_has_vwc(NvmeCtrl *n);
uint8_t nvme_ns_lbaf_ds(NvmeNamespace *ns, unsigned idx);
uint16_t nvme_ns_lbaf_ms(NvmeNamespace *ns, unsigned idx);
uint8_t nvme_ns_lbaf_pif(NvmeNamespace *ns, unsigned idx);
void nvme_ns_fill_id_nvm(NvmeNamespace *ns, NvmeIdNsNvm *id);
void nvme_ns_set_lbaf(NvmeNamespace *ns, unsigned idx);

/* ---- requests and queues (queue.c) ---- */

typedef uint16_t (*NvmeCmdHandler)(NvmeCtrl *n, NvmeRequest *req);

struct NvmeRequest {
    NvmeSQueue *sq;
    NvmeNamespace *ns;
    NvmeCmd cmd;
    uint32_t result;            /* completion dword 0 */
    uint16_t status;
    uint16_t err_loc;           /* error log: parameter error location */
    uint64_t err_lba;           /* error log: LBA, or UINT64_MAX */
    uint64_t err_seq;           /* error log entry written, 0 if none */
    uint64_t slba;
    uint32_t nlb;
    bool fua;
    bool is_write;
    QEMUSGList sg;              /* kept for the pool's life, reset per use */
    GArray *sg_holes;           /* SGL bit buckets of a read (dma.c) */
    QEMUIOVector iov;           /* req->sg mapped for direct block I/O */
    DMADirection iov_dir;
    bool iov_mapped;            /* iov holds address_space_map mappings */
    BlockAIOCB *aiocb;
    BlockAcctCookie acct;
    int outstanding;            /* sub-operations left (broadcast flush) */
    void *opaque;               /* command state (nvm-range.c, nvm-copy.c) */
    NvmeRequest *fused_partner; /* the other command of a fused pair */
    uint8_t gate;               /* NVME_GATE_*: role in the ns write gate */
    bool cancelled;             /* its SQ is being deleted: start no I/O */
    bool parked;                /* waits for the VM to resume (ioerr.c) */
    QTAILQ_ENTRY(NvmeRequest) park_link;
    QTAILQ_ENTRY(NvmeRequest) gate_entry;
    QTAILQ_ENTRY(NvmeRequest) entry;
};

struct NvmeSQueue {
    NvmeCtrl *n;
    uint16_t sqid;
    uint16_t cqid;
    uint32_t size;
    uint32_t head;
    uint32_t tail;
    uint64_t dma_addr;
    NvmeRequest *reqs;          /* pool, one per queue entry */
    QTAILQ_HEAD(, NvmeRequest) free_reqs;
    QTAILQ_HEAD(, NvmeRequest) inflight;
    QEMUBH *bh;
    QTAILQ_ENTRY(NvmeSQueue) cq_link;
    /* shadow doorbell (dbbuf.c) */
    bool shadow;
    bool has_notifier;
    hwaddr db_addr;
    hwaddr ei_addr;
    EventNotifier notifier;
    bool polling;               /* in the iothread's polling mode */
    AioContext *ctx;            /* its CQ's context (queue.c) */
    NvmeRequest *fused_first;   /* first fused command awaiting its second */
    bool fused_failed;          /* the last first fused command failed */
    /* idle Read/Write worker coroutines (nvm.c) */
    QSLIST_HEAD(, NvmeWorker) idle_workers;
    uint32_t n_idle_workers;
    /* workers between taking a command and being idle again (nvm.c) */
    uint32_t busy_workers;
};

struct NvmeCQueue {
    NvmeCtrl *n;
    uint16_t cqid;
    uint16_t vector;
    bool ien;
    uint8_t phase;
    uint32_t size;
    uint32_t head;
    uint32_t tail;
    uint64_t dma_addr;
    QTAILQ_HEAD(, NvmeRequest) done;    /* completed, not yet posted */
    QTAILQ_HEAD(, NvmeSQueue) sqs;
    QEMUBH *bh;
    /* interrupt coalescing (queue.c): entries posted, no interrupt yet */
    uint32_t coal_pending;
    QEMUTimer *coal_timer;      /* aggregation time, QEMU_CLOCK_VIRTUAL */
    /* shadow doorbell (dbbuf.c) */
    bool shadow;
    bool has_notifier;
    hwaddr db_addr;
    hwaddr ei_addr;
    EventNotifier notifier;
    /* iothread queues (queue.c) */
    AioContext *ctx;            /* where its BHs and handlers run */
    bool has_irq_notifier;
    EventNotifier irq_notifier; /* iothread -> main loop interrupt */
    bool irqfd_bound;           /* irq_notifier is a KVM irqfd (irqfd.c) */
};

/* ---- controller (pci.c, regs.c, ...) ---- */

typedef struct NvmeParams {
    char *serial;
    uint32_t max_ioqpairs;
    uint16_t msix_qsize;
    uint32_t mqes;
    uint8_t mdts;
    uint8_t aerl;
    uint32_t aer_max_queued;
    bool ioeventfd;
    bool dbbuf;                 /* offer Doorbell Buffer Config */
    char *features_file;        /* saved features across restarts */
    struct IOThread *iothread;                  /* "iothread" link */
    IOThreadVirtQueueMappingList *iothread_map; /* "iothread-queue-mapping" */
} NvmeParams;

typedef struct NvmeFeatures {
    uint32_t arbitration;
    uint32_t power_mgmt;
    uint16_t temp_over;
    uint16_t temp_under;
    uint32_t err_rec;
    bool vwc;
    uint32_t nq;                /* Number of Queues result (0-based) */
    bool nq_set;
    uint32_t int_coalescing;
    uint32_t aec;
    uint32_t kato;              /* ms */
    uint64_t timestamp;         /* host-set value, ms */
    int64_t timestamp_at;       /* QEMU_CLOCK_VIRTUAL ms when set */
    bool timestamp_set;
    uint8_t hbs_acre;           /* Host Behavior Support: ACRE */
    unsigned long *iv_no_coalescing;    /* bitmap over vectors */
} NvmeFeatures;

/* Sanitize operation state (sanitize.c); survives controller resets. */
typedef struct NvmeSanitize {
    bool active;
    uint16_t sstat;             /* log SSTAT: status, passes done, GDE */
    uint32_t scdw10;            /* CDW10 of the command that started it */
    uint8_t action;             /* SANACT */
    bool ndas;                  /* No-Deallocate After Sanitize */
    bool oipbp;                 /* invert the pattern between passes */
    uint8_t passes;             /* overwrite passes, 1..16 */
    uint32_t pattern;           /* OVRPAT */
    uint8_t step;               /* pass under way (then deallocation) */
    uint32_t nsid;              /* namespace under way */
    uint64_t offset;            /* bytes of it done in this step */
    uint64_t done, total;       /* bytes, for SPROG */
    uint8_t *buf;               /* overwrite pattern chunk */
    QEMUIOVector qiov;
    BlockAIOCB *aiocb;
    QEMUTimer *timer;
} NvmeSanitize;

/* Device Self-test (selftest.c) */
#define NVME_DST_RESULTS            20
#define NVME_DST_EDSTT_MIN          1   /* extended test, minutes */
#define NVME_DST_ABORTED_NS_REMOVED 0x3     /* Namespace Management */
#define NVME_DST_ABORTED_FORMAT     0x4
#define NVME_DST_ABORTED_SANITIZE   0x9

typedef struct QEMU_PACKED NvmeDstEntry {
    uint8_t status;             /* code << 4 | result */
    uint8_t segment;
    uint8_t valid;
    uint8_t rsvd3;
    uint64_t poh;
    uint32_t nsid;
    uint64_t flba;
    uint8_t sct;
    uint8_t sc;
    uint8_t vs[2];
} NvmeDstEntry;

typedef struct NvmeSelfTest {
    uint8_t op;                 /* running test: 0 none, 1 short, 2 ext. */
    uint32_t nsid;
    int64_t start_ms;           /* QEMU_CLOCK_VIRTUAL */
    int64_t duration_ms;
    uint32_t nr;                /* results recorded, newest first */
    NvmeDstEntry res[NVME_DST_RESULTS];
    QEMUTimer *timer;
} NvmeSelfTest;

/* Firmware slots (firmware.c) */
#define NVME_FW_SLOTS   2

typedef struct NvmeFirmware {
    uint8_t rev[NVME_FW_SLOTS][8];  /* slot revisions, zero: empty */
    uint8_t active;             /* running slot, 1-based */
    uint8_t next;               /* slot activated at the next reset */
    uint8_t *image;             /* downloaded pieces */
    unsigned long *have;        /* bit per downloaded dword */
    uint32_t end;               /* bytes: end of the furthest piece */
} NvmeFirmware;

typedef struct NvmeAsyncEvent {
    uint8_t type;
    uint8_t info;
    uint8_t log_page;
} NvmeAsyncEvent;

/*
 * SMART / Health counters (stats.c), of the controller and of each NSID
 * through it.  Which commands count follows the NVM Command Set's
 * definitions: data units read from Read, Compare and Verify; host read
 * commands are Read, Compare and Copy; data units written and host write
 * commands come from the User Data Out commands, Write and Copy.
 */
typedef struct NvmeStats {
    uint64_t units_read;        /* in 512-byte units */
    uint64_t units_written;
    uint64_t read_cmds;
    uint64_t write_cmds;
    uint64_t media_errors;
} NvmeStats;

/* The one endurance group (endgrp.c) and its counters, subsystem-wide. */
#define NVME_ENDGID             1       /* ENDGIDMAX, every namespace's */

typedef struct NvmeEndGrpStats {
    uint64_t bytes_read;        /* Read, Compare, Verify, Copy source */
    uint64_t bytes_written;     /* User Data Out commands: Write, Copy */
    uint64_t media_bytes;       /* + Write Zeroes: every media write */
    uint64_t read_cmds;         /* Read, Compare, Copy, Verify */
    uint64_t write_cmds;        /* Write, Copy */
    uint64_t media_errors;
    uint64_t err_entries;       /* error log entries naming a namespace */
} NvmeEndGrpStats;

/* What a completed I/O command counts as (nvme_stats_io). */
typedef enum NvmeStatsKind {
    NVME_STATS_READ,            /* Read, Compare */
    NVME_STATS_VERIFY,
    NVME_STATS_WRITE,
    NVME_STATS_COPY,
    NVME_STATS_ZEROES,          /* Write Zeroes */
} NvmeStatsKind;

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

    /* registers */
    uint64_t cap;
    uint32_t vs;
    uint32_t intms;
    uint32_t cc;
    uint32_t csts;
    uint32_t aqa;
    uint64_t asq;
    uint64_t acq;

    uint32_t page_size;
    uint8_t page_bits;
    uint16_t cntlid;
    bool irq_level;
    bool running;               /* CSTS.RDY and not failed */

    uint32_t num_queues;        /* admin + I/O */
    uint64_t dbbuf_dbs;         /* shadow doorbell buffer, 0 if none */
    uint64_t dbbuf_eis;         /* EventIdx buffer */
    NvmeSQueue **sq;
    NvmeCQueue **cq;

    /* iothreads (iothread.c; the design is at the top of queue.c) */
    AioContext **qctx;          /* per I/O queue id: NULL = main loop */
    struct IOThread **iothreads;    /* referenced, distinct */
    uint32_t nr_iothreads;
    QemuRecMutex *io_lock;      /* the subsystem's, see queue.c */
    bool io_stopped;            /* quiesced: iothread queues stand still */
    uint32_t quiesce_depth;     /* main loop only */
    bool msix_on;               /* MSI-X enable, cached for iothreads */
    int *irqfd_virq;            /* KVM route per vector, -1: none (irqfd.c) */
    unsigned long *irqfd_unmasked;      /* vectors with irqfds bound */
    const char *fatal_why;      /* fatal status from an iothread */
    QEMUBH *fatal_bh;

    NvmeNamespace builtin_ns;
    NvmeNamespace *ns[NVME_MAX_NSID + 1];       /* attached: active NSIDs */
    struct NvmeSubsysDevice *subsys_dev;        /* "subsys" link, or NULL */
    NvmeSubsys *subsys;         /* subsys_dev's, else own_subsys */
    NvmeSubsys *own_subsys;     /* single-controller subsystem */
    /* Changed Namespace List log (04h), bit per NSID (subsys.c) */
    unsigned long changed_ns[BITS_TO_LONGS(NVME_MAX_NSID + 1)];
    /* ANA (ana.c): this controller's view of each group, 0: optimized */
    uint8_t ana_state[NVME_ANA_GRPS + 1];
    uint64_t ana_grp_chgcnt[NVME_ANA_GRPS + 1];
    uint64_t ana_chgcnt;        /* log 0Ch Change Count */
    bool ana_unread;            /* ANA notice reported, log not read */
    /* reservations (resv.c): Host Identifier, notices, masks */
    uint8_t hostid[16];
    bool hostid_ext;            /* 128-bit (EXHID) */
    uint8_t resv_mask[NVME_MAX_NSID + 1];   /* feature 82h per NSID */
    NvmeResvNotice resv_log[NVME_RESV_LOG_MAX];     /* oldest first */
    uint32_t resv_log_nr;
    uint64_t resv_log_count;    /* last Log Page Count handed out */

    NvmeIdCtrl id_ctrl;
    NvmeFeatures feat;

    /* asynchronous events */
    NvmeRequest **aer_reqs;
    uint32_t aer_outstanding;
    NvmeAsyncEvent *aer_queue;
    uint32_t aer_queued;
    uint8_t aer_masked;         /* bit per event type awaiting log read */

    /* logs */
    NvmeErrorLog error_log[NVME_ERROR_LOG_ENTRIES];
    uint64_t error_count;
    NvmeStats stats;
    NvmeStats ns_stats[NVME_MAX_NSID + 1];      /* per NSID (stats.c) */
    /* Controller Busy Time (stats.c), QEMU_CLOCK_VIRTUAL ns, io_lock */
    uint32_t io_outstanding;    /* I/O commands fetched, CQE not posted */
    int64_t busy_since;         /* when io_outstanding left 0 */
    uint64_t busy_ns;           /* earlier busy periods */
    uint8_t smart_warning;
    int64_t power_on_at;        /* ms, QEMU_CLOCK_VIRTUAL */

    QEMUTimer *kato_timer;

    /* saved feature values (features.c): bit per FID below 32 */
    NvmeFeatures feat_saved;
    uint32_t feat_saved_mask;
    NvmeSanitize sanitize;      /* sanitize.c */
    NvmeSelfTest dst;           /* selftest.c */
    NvmeFirmware fw;            /* firmware.c */
    uint8_t *telemetry;         /* host-initiated snapshot (telemetry.c) */
    uint32_t telemetry_len;
    uint8_t telemetry_gen;

    /* commands parked by a werror/rerror=stop error (ioerr.c) */
    QTAILQ_HEAD(, NvmeRequest) parked;
    QEMUBH *retry_bh;
    VMChangeStateEntry *vmstate_change;
};

/* ---- NVM subsystem (subsys.c) ---- */

#define NVME_SUBSYS_MAX_CTRLS   32

/*
 * The NVM subsystem a controller belongs to: allocated NSIDs and the
 * controllers, indexed by controller id.  A controller without an
 * nvme-subsys device gets its own (multi == false).
 */
struct NvmeSubsys {
    char subnqn[256];           /* Identify Controller SUBNQN */
    bool multi;                 /* nvme-subsys: CMIC bit 1, NMIC usable */
    NvmeCtrl *ctrls[NVME_SUBSYS_MAX_CTRLS];
    NvmeNamespace *ns[NVME_MAX_NSID + 1];   /* allocated NSIDs */
    /* Namespace Management capacity pool (nsmgmt in subsys.c) */
    char *pool_dir;             /* nvme-subsys,pool=: NULL, no pool */
    uint64_t pool_size;         /* nvme-subsys,pool-size= bytes */
    uint64_t pool_used;         /* bytes of the created namespaces */
    uint64_t created[NVME_MAX_NSID + 1];    /* image bytes, 0: nvme-ns */
    NvmeEndGrpStats endgrp;     /* endurance group 1: every namespace */
    /* io_lock of its controllers (queue.c): namespaces are shared */
    QemuRecMutex io_lock;
    bool io_lock_ready;
};

OBJECT_DECLARE_SIMPLE_TYPE(NvmeSubsysDevice, NVME_SUBSYS)
struct NvmeSubsysDevice {
    DeviceState parent_obj;
    char *nqn;
    NvmeSubsys s;
};

bool nvme_subsys_add_ctrl(NvmeCtrl *n, Error **errp);
void nvme_subsys_remove_ctrl(NvmeCtrl *n);
bool nvme_subsys_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                        Error **errp);
void nvme_subsys_remove_ns(NvmeNamespace *ns);
const char *nvme_subsys_id_seed(NvmeCtrl *n);
uint16_t nvme_admin_ns_attachment(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_identify_ns_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid);
uint16_t nvme_identify_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                 uint32_t nsid);
uint16_t nvme_identify_ns_granularity(NvmeCtrl *n, NvmeRequest *req,
                                      uint32_t nsid);
size_t nvme_log_fill_changed_ns(NvmeCtrl *n, uint8_t *buf);
void nvme_ns_changed(NvmeCtrl *n, uint32_t nsid);
void nvme_ns_changed_all(NvmeNamespace *ns);
void nvme_log_clear_changed_ns(NvmeCtrl *n);
uint16_t nvme_admin_ns_mgmt(NvmeCtrl *n, NvmeRequest *req);
void nvme_subsys_id_ctrl(NvmeCtrl *n, NvmeIdCtrl *id);

/* dispatch.c: opcode tables and the single completion path */
typedef struct NvmeOpcode {
    NvmeCmdHandler handler;
    uint32_t effects;           /* NVME_CMD_EFF_* without CSUPP */
    bool needs_ns;              /* NSID must name an active namespace */
    uint8_t resv;               /* NVME_RESV_GRP_*: reservation rule */
} NvmeOpcode;

extern const NvmeOpcode nvme_admin_ops[256];
extern const NvmeOpcode nvme_nvm_ops[256];

void nvme_dispatch(NvmeCtrl *n, NvmeRequest *req);
void nvme_dispatch_again(NvmeCtrl *n, NvmeRequest *req);
void nvme_req_complete(NvmeRequest *req, uint16_t status);
uint32_t nvme_effects(const NvmeOpcode *op);
uint16_t nvme_req_reject(NvmeRequest *req, uint16_t status, unsigned byte,
                         unsigned bit, const char *why);

/* queue.c */
void nvme_queue_init_admin(NvmeCtrl *n);
uint16_t nvme_queue_create_cq(NvmeCtrl *n, uint16_t cqid, uint64_t addr,
                              uint32_t size, uint16_t vector, bool ien);
uint16_t nvme_queue_create_sq(NvmeCtrl *n, uint16_t sqid, uint16_t cqid,
                              uint64_t addr, uint32_t size);
void nvme_queue_delete_sq(NvmeCtrl *n, uint16_t sqid);
void nvme_queue_delete_cq(NvmeCtrl *n, uint16_t cqid);
void nvme_queue_delete_all(NvmeCtrl *n);
void nvme_queue_doorbell(NvmeCtrl *n, hwaddr offset, uint32_t val);
void nvme_irq_update(NvmeCtrl *n);
void nvme_cq_schedule(NvmeCQueue *cq);
bool nvme_cq_head_valid(NvmeCQueue *cq, uint32_t head);
void nvme_cq_irq_notified(EventNotifier *e);

/* iothread.c */
bool nvme_iothreads_setup(NvmeCtrl *n, Error **errp);
void nvme_iothreads_cleanup(NvmeCtrl *n);
AioContext *nvme_queue_ctx(NvmeCtrl *n, uint16_t cqid);
bool nvme_sq_busy(NvmeSQueue *sq);
bool nvme_ns_in_drain(NvmeCtrl *n);
void nvme_io_quiesce(NvmeCtrl *n);
void nvme_io_resume(NvmeCtrl *n);
void nvme_io_barrier(AioContext *ctx);
bool nvme_admin_quiesces(uint8_t opcode);

/* irqfd.c: KVM irqfds for iothread CQ interrupts */
void nvme_irqfd_init(NvmeCtrl *n);
void nvme_irqfd_cleanup(NvmeCtrl *n);
void nvme_irqfd_cq_init(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_irqfd_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq);

/* Context: any.  An I/O queue handled outside the main loop. */
static inline bool nvme_ctx_is_iothread(AioContext *ctx)
{
    return ctx && ctx != qemu_get_aio_context();
}

/*
 * Context: any.  Memory attributes of the controller's DMA: from an
 * iothread only RAM is reachable, so DMA never enters an MMIO handler
 * (which would need the BQL while io_lock is held).
 */
static inline MemTxAttrs nvme_dma_attrs(void)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    if (!qemu_in_main_thread()) {
        attrs.unspecified = false;
        attrs.memory = 1;
    }
    return attrs;
}

static inline MemTxResult nvme_pci_read(NvmeCtrl *n, dma_addr_t addr,
                                        void *buf, dma_addr_t len)
{
    return pci_dma_rw(PCI_DEVICE(n), addr, buf, len, DMA_DIRECTION_TO_DEVICE,
                      nvme_dma_attrs());
}

static inline MemTxResult nvme_pci_write(NvmeCtrl *n, dma_addr_t addr,
                                         const void *buf, dma_addr_t len)
{
    return pci_dma_rw(PCI_DEVICE(n), addr, (void *)buf, len,
                      DMA_DIRECTION_FROM_DEVICE, nvme_dma_attrs());
}

/* io_lock guard for a function that touches I/O queue state. */
#define NVME_IO_LOCK_GUARD(n) QEMU_LOCK_GUARD((n)->io_lock)

/* dbbuf.c */
uint16_t nvme_admin_dbbuf_config(NvmeCtrl *n, NvmeRequest *req);
void nvme_dbbuf_sq_init(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_init(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_sq_cleanup(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_sq_refresh(NvmeCtrl *n, NvmeSQueue *sq);
bool nvme_dbbuf_sq_publish(NvmeCtrl *n, NvmeSQueue *sq);
void nvme_dbbuf_cq_refresh(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_dbbuf_cq_wait(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_sq_run(NvmeSQueue *sq);
void nvme_cq_level_changed(NvmeCQueue *cq);

/* regs.c */
extern const MemoryRegionOps nvme_regs_ops;
extern const MemoryRegionOps nvme_db_ops;
void nvme_regs_power_on(NvmeCtrl *n);
void nvme_ctrl_reset(NvmeCtrl *n);
void nvme_ctrl_fatal(NvmeCtrl *n, const char *why);

/*
 * dma.c.  nvme_dma_map accepts SGL bit buckets only when !req->is_write
 * (controller-to-host); a command that takes host data without is_write
 * must use nvme_dma_from_guest, which never accepts them.
 */
uint16_t nvme_dma_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len);
uint16_t nvme_dma_to_guest(NvmeCtrl *n, NvmeRequest *req, const void *buf,
                           uint32_t len);
uint16_t nvme_dma_to_guest_padded(NvmeCtrl *n, NvmeRequest *req,
                                  const void *buf, uint32_t have,
                                  uint32_t len);
uint16_t nvme_dma_from_guest(NvmeCtrl *n, NvmeRequest *req, void *buf,
                             uint32_t len);
uint16_t nvme_dma_md(NvmeCtrl *n, NvmeRequest *req, void *buf, uint32_t len,
                     bool to_guest);
uint32_t nvme_mdts_bytes(NvmeCtrl *n);
bool nvme_dma_range_ok(NvmeCtrl *n, dma_addr_t addr, dma_addr_t len,
                       bool is_write);
void nvme_dma_unmap(NvmeRequest *req);
void nvme_req_pool_init(NvmeCtrl *n, NvmeRequest *req);
void nvme_req_pool_free(NvmeRequest *req);
uint16_t nvme_dma_map_iov(NvmeRequest *req, DMADirection dir);
void nvme_dma_unmap_iov(NvmeRequest *req);
BlockAIOCB *nvme_dma_blk_io(NvmeRequest *req, int64_t offset, uint32_t align,
                            DMAIOFunc *io_func, void *io_opaque,
                            BlockCompletionFunc *cb, void *opaque,
                            DMADirection dir);

/* admin.c */
void nvme_admin_identify_ctrl_init(NvmeCtrl *n);
uint16_t nvme_admin_identify(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_abort(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_keep_alive(NvmeCtrl *n, NvmeRequest *req);

/* ioerr.c */
uint16_t nvme_status_from_errno(int ret, bool is_write);
uint16_t nvme_io_error(NvmeRequest *req, NvmeNamespace *ns, int ret,
                       bool is_read, bool can_retry);
void nvme_io_error_forget(NvmeRequest *req);
void nvme_io_error_init(NvmeCtrl *n);
void nvme_io_error_cleanup(NvmeCtrl *n);

/* ana.c */
uint32_t nvme_ana_grpid(NvmeNamespace *ns);
bool nvme_ana_ns_setup(NvmeNamespace *ns, uint32_t grpid, Error **errp);
void nvme_ana_identify_ctrl(NvmeCtrl *n, NvmeIdCtrl *id);
uint16_t nvme_ana_check(NvmeCtrl *n, NvmeRequest *req);
size_t nvme_ana_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                         uint16_t *status);
void nvme_ana_log_read(NvmeCtrl *n);
void nvme_ana_ns_attach_changed(NvmeCtrl *n, NvmeNamespace *ns);
void nvme_ana_class_init(ObjectClass *oc);

/* resv.c */
bool nvme_resv_ns_setup(NvmeNamespace *ns, const char *path, Error **errp);
void nvme_resv_ns_cleanup(NvmeNamespace *ns);
uint8_t nvme_resv_rescap(NvmeNamespace *ns);
uint16_t nvme_resv_check(NvmeCtrl *n, NvmeRequest *req,
                         const struct NvmeOpcode *op);
uint16_t nvme_nvm_resv_register(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_report(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_acquire(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_release(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_resv_get_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                               bool dflt);
uint16_t nvme_resv_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid);
void nvme_resv_features_reset(NvmeCtrl *n);
void nvme_resv_ctrl_removed(NvmeCtrl *n);
size_t nvme_resv_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_resv_log_read(NvmeCtrl *n, bool rae);

/* aer.c */
uint16_t nvme_admin_aer(NvmeCtrl *n, NvmeRequest *req);
void nvme_aer_enqueue(NvmeCtrl *n, uint8_t type, uint8_t info,
                      uint8_t log_page);
void nvme_aer_unmask(NvmeCtrl *n, uint8_t type);
void nvme_aer_forget(NvmeCtrl *n, uint8_t type, uint8_t log_page);
void nvme_aer_reset(NvmeCtrl *n);

/* format.c, sanitize.c, selftest.c, firmware.c */
uint16_t nvme_admin_format(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_format_check(NvmeRequest *req);
uint16_t nvme_admin_sanitize(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_sanitize_check(NvmeCtrl *n, NvmeRequest *req,
                             const struct NvmeOpcode *op);
size_t nvme_sanitize_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_sanitize_cleanup(NvmeCtrl *n);
uint16_t nvme_admin_self_test(NvmeCtrl *n, NvmeRequest *req);
void nvme_selftest_abort_ns(NvmeCtrl *n, uint32_t nsid, uint8_t result);
void nvme_selftest_reset(NvmeCtrl *n);
size_t nvme_selftest_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_selftest_cleanup(NvmeCtrl *n);
uint16_t nvme_admin_fw_download(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_fw_commit(NvmeCtrl *n, NvmeRequest *req);
void nvme_fw_init(NvmeCtrl *n);
void nvme_fw_reset(NvmeCtrl *n);
size_t nvme_fw_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_fw_cleanup(NvmeCtrl *n);

/* telemetry.c */
size_t nvme_telemetry_log(NvmeCtrl *n, uint8_t lid, bool create,
                          const uint8_t **src);
void nvme_telemetry_cleanup(NvmeCtrl *n);

/* features.c */
uint16_t nvme_admin_get_features(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_set_features(NvmeCtrl *n, NvmeRequest *req);
void nvme_features_reset(NvmeCtrl *n);
void nvme_kato_restart(NvmeCtrl *n);

/* stats.c */
void nvme_stats_io(NvmeRequest *req, NvmeStatsKind kind, uint64_t nlb);
void nvme_stats_media_error(NvmeRequest *req, NvmeNamespace *ns);
void nvme_stats_error_logged(NvmeCtrl *n, NvmeRequest *req);
void nvme_stats_ns_new(NvmeSubsys *s, uint32_t nsid);
void nvme_stats_busy_begin(NvmeCtrl *n);
void nvme_stats_busy_end(NvmeCtrl *n);
uint64_t nvme_stats_busy_ns(NvmeCtrl *n);

/* endgrp.c */
void nvme_endgrp_identify_ctrl(NvmeIdCtrl *id);
uint16_t nvme_endgrp_identify_list(NvmeCtrl *n, NvmeRequest *req);
size_t nvme_endgrp_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                            uint16_t *status);

/* features-file.c */
bool nvme_features_file_load(NvmeCtrl *n, Error **errp);
bool nvme_features_file_store(NvmeCtrl *n, const NvmeFeatures *f,
                              uint32_t mask, Error **errp);

/* log.c */
uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_error(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_error_nocmd(NvmeCtrl *n, uint16_t loc);
void nvme_log_error_posted(NvmeCtrl *n, NvmeRequest *req, uint8_t phase);
void nvme_log_check_temperature(NvmeCtrl *n);

/* nvm.c */
uint16_t nvme_nvm_read(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_write(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_flush(NvmeCtrl *n, NvmeRequest *req);
void nvme_nvm_workers_stop(NvmeSQueue *sq);

/* nvm-meta.c: Read/Write on namespaces with metadata, PI */
#define NVME_PI_SIZE    8       /* 16-bit guard protection information */
#define NVME_PI64_SIZE  16      /* 64-bit guard protection information */
#define NVME_PIF_64     2       /* ELBAF PIF: 64-bit guard */
uint16_t nvme_nvm_rw_meta(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_crc16_t10dif(uint16_t crc, const uint8_t *buf, size_t len);
uint64_t nvme_pi_ilbrt(NvmeNamespace *ns, const NvmeCmd *cmd);
uint16_t nvme_pi_check_ilbrt(NvmeRequest *req);
void nvme_pi_generate(NvmeNamespace *ns, const uint8_t *data, uint8_t *md,
                      uint32_t nlb, uint64_t ref, uint16_t app);

static inline uint32_t nvme_pi_size(NvmeNamespace *ns)
{
    return ns->pif == NVME_PIF_64 ? NVME_PI64_SIZE : NVME_PI_SIZE;
}
void nvme_pi_flip(NvmeNamespace *ns, uint8_t *md, uint32_t nlb);

/* What the PRCHK checks of a run of blocks expect (the first block's). */
typedef struct NvmePiExpect {
    uint8_t prinfo;             /* PRINFO: PRACT (bit 3), PRCHK (2:0) */
    uint64_t ref;               /* reference tag of the first block */
    uint16_t app;
    uint16_t appmask;
} NvmePiExpect;

uint16_t nvme_pi_check_blocks(NvmeNamespace *ns, NvmeRequest *req,
                              const uint8_t *data, const uint8_t *md,
                              uint64_t slba, uint32_t nlb,
                              const NvmePiExpect *e);
void nvme_pi_expect_rw(NvmeNamespace *ns, const NvmeCmd *cmd,
                       NvmePiExpect *e);
uint32_t nvme_pi_off(NvmeNamespace *ns);
uint16_t nvme_meta_fetch(NvmeCtrl *n, NvmeRequest *req, uint8_t *data,
                         uint8_t *md, uint32_t hms);
uint32_t nvme_meta_host_ms(NvmeNamespace *ns, const NvmeCmd *cmd);

/* nvm-range.c: Write Zeroes, DSM, Verify, Write Uncorrectable */
typedef struct NvmeRangeJob NvmeRangeJob;
typedef void NvmeRangeStep(NvmeRangeJob *job, uint64_t slba, uint32_t nlb);

/*
 * A list of LBA ranges worked through one chunk at a time, each chunk
 * one asynchronous backend request (two for Copy).
 */
struct NvmeRangeJob {
    NvmeRequest *req;
    NvmeLbaRange *ranges;       /* owned */
    uint32_t nr;
    uint32_t idx;               /* range being worked on */
    uint64_t pos;               /* blocks of ranges[idx] done */
    uint64_t cur_slba;          /* chunk in flight, for the error log */
    uint32_t chunk_lbas;
    bool is_write;
    NvmeRangeStep *step;
    void (*done)(NvmeRangeJob *job);    /* after success: marks, stats */
    BdrvRequestFlags flags;
    uint8_t *buf;               /* bounce buffer (Verify, Copy) */
    uint8_t *md;                /* metadata of the chunk (Verify, Copy) */
    uint32_t cur_nlb;           /* blocks of the chunk in flight */
    QEMUIOVector qiov;
    uint64_t dst;               /* Copy: next destination LBA */
    BlockCompletionFunc *chunk_cb;      /* Copy: after the write half */
    uint8_t chunk_phase;        /* Copy: request of the chunk under way */
    void *priv;                 /* command's own state */
    void (*priv_free)(void *priv);      /* frees it, else g_free */
};

NvmeRangeJob *nvme_range_job_new(NvmeRequest *req, NvmeLbaRange *ranges,
                                 uint32_t nr, uint64_t chunk_bytes,
                                 bool bounce);
void nvme_range_job_start(NvmeRangeJob *job);
void nvme_range_job_cb(void *opaque, int ret);
void nvme_range_job_fail(NvmeRangeJob *job, uint16_t status);
uint16_t nvme_lba_check(NvmeRequest *req, uint64_t slba, uint64_t nlb,
                        unsigned byte);
uint16_t nvme_nvm_write_zeroes(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_dsm(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_verify(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_write_uncor(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_get_lba_status(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_unc_check(NvmeRequest *req, uint64_t slba, uint64_t nlb);
void nvme_unc_clear(NvmeNamespace *ns, uint64_t slba, uint64_t nlb);
void nvme_unc_free(NvmeNamespace *ns);
uint8_t *nvme_lbas_log(NvmeCtrl *n, size_t *size);

/* nvm-copy.c; limits reported in Identify Namespace */
#define NVME_COPY_MSRC      127         /* 0-based: 128 source ranges */
#define NVME_COPY_MSSRL     65535       /* blocks per source range */
#define NVME_COPY_MCL       (1u << 20)  /* blocks per command */
uint16_t nvme_nvm_copy(NvmeCtrl *n, NvmeRequest *req);

/* nvm-compare.c: Compare, fused Compare and Write, the ns write gate */
enum {
    NVME_GATE_NONE,
    NVME_GATE_COUNTED,          /* counted in gate.writes */
    NVME_GATE_WAITING,          /* on gate.waiters */
    NVME_GATE_FUSED_WRITE,      /* write half of the owning pair */
};

uint16_t nvme_nvm_compare(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_fused_check(NvmeCtrl *n, NvmeRequest *req);
void nvme_fused_break(NvmeRequest *req);
void nvme_fused_settle(NvmeRequest *req, uint16_t status);
uint16_t nvme_fused_submit(NvmeCtrl *n, NvmeRequest *req);
bool nvme_gate_hold(NvmeRequest *req, const NvmeOpcode *op);
void nvme_gate_release(NvmeRequest *req);
void nvme_gate_cancel_sq(NvmeCtrl *n, NvmeSQueue *sq);

static inline NvmeCtrl *nvme_req_ctrl(NvmeRequest *req)
{
    return req->sq->n;
}

/*
 * Context: queue.  A command whose queue is being deleted, or whose
 * controller is resetting, must not start more backend I/O (its next
 * chunk or phase): the request is about to be released.
 */
static inline bool nvme_req_stopping(NvmeRequest *req)
{
    return req->cancelled || !nvme_req_ctrl(req)->running;
}

static inline bool nvme_nsid_valid(uint32_t nsid)
{
    return nsid >= 1 && nsid <= NVME_MAX_NSID;
}

static inline NvmeNamespace *nvme_ns(NvmeCtrl *n, uint32_t nsid)
{
    return nvme_nsid_valid(nsid) ? n->ns[nsid] : NULL;
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

/* Set the error log's parameter location: byte of the command, bit. */
static inline void nvme_req_err_field(NvmeRequest *req, unsigned byte,
                                      unsigned bit)
{
    req->err_loc = byte | (bit << 8);
}

#endif /* HW_NVME_NVME_H */

/*
 * Clean-room NVMe controller: shared types of the device's files.
 *
 * Context model: today every function runs in the main loop with the BQL
 * held ("Context: main loop").  Queue processing and completion posting
 * are already bottom halves bound to one AioContext per queue so that a
 * later iothread mapping only has to change which context a queue uses.
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

#define TYPE_NVME       "nvme"
#define TYPE_NVME_NS    "nvme-ns"
#define TYPE_NVME_BUS   "nvme-bus"

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

typedef struct NvmeCtrl NvmeCtrl;
typedef struct NvmeRequest NvmeRequest;
typedef struct NvmeSQueue NvmeSQueue;
typedef struct NvmeCQueue NvmeCQueue;

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
    NvmeCtrl *ctrl;
} NvmeNamespace;

typedef struct NvmeNsParams {
    uint32_t nsid;
    QemuUUID uuid;
    bool uuid_set;
    uint64_t eui64;
} NvmeNsParams;

OBJECT_DECLARE_SIMPLE_TYPE(NvmeNsDevice, NVME_NS)
struct NvmeNsDevice {
    DeviceState parent_obj;
    BlockConf blkconf;
    NvmeNsParams params;
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
    uint64_t slba;
    uint32_t nlb;
    bool fua;
    bool is_write;
    QEMUSGList sg;
    BlockAIOCB *aiocb;
    BlockAcctCookie acct;
    int outstanding;            /* sub-operations left (broadcast flush) */
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
    unsigned long *iv_no_coalescing;    /* bitmap over vectors */
} NvmeFeatures;

typedef struct NvmeAsyncEvent {
    uint8_t type;
    uint8_t info;
    uint8_t log_page;
} NvmeAsyncEvent;

typedef struct NvmeStats {
    uint64_t units_read;        /* in 512-byte units */
    uint64_t units_written;
    uint64_t read_cmds;
    uint64_t write_cmds;
    uint64_t media_errors;
    uint64_t busy_ns;
} NvmeStats;

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
    NvmeSQueue **sq;
    NvmeCQueue **cq;

    NvmeNamespace builtin_ns;
    NvmeNamespace *ns[NVME_MAX_NSID + 1];

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
    uint8_t smart_warning;
    int64_t power_on_at;        /* ms, QEMU_CLOCK_VIRTUAL */

    QEMUTimer *kato_timer;
};

/* dispatch.c: opcode tables and the single completion path */
typedef struct NvmeOpcode {
    NvmeCmdHandler handler;
    uint32_t effects;           /* NVME_CMD_EFF_* without CSUPP */
    bool needs_ns;              /* NSID must name an active namespace */
} NvmeOpcode;

extern const NvmeOpcode nvme_admin_ops[256];
extern const NvmeOpcode nvme_nvm_ops[256];

void nvme_dispatch(NvmeCtrl *n, NvmeRequest *req);
void nvme_req_complete(NvmeRequest *req, uint16_t status);
uint32_t nvme_effects(const NvmeOpcode *op);

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

/* regs.c */
extern const MemoryRegionOps nvme_regs_ops;
extern const MemoryRegionOps nvme_db_ops;
void nvme_regs_power_on(NvmeCtrl *n);
void nvme_ctrl_reset(NvmeCtrl *n);
void nvme_ctrl_fatal(NvmeCtrl *n, const char *why);

/* dma.c */
uint16_t nvme_dma_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len);
uint16_t nvme_dma_to_guest(NvmeCtrl *n, NvmeRequest *req, const void *buf,
                           uint32_t len);
uint16_t nvme_dma_from_guest(NvmeCtrl *n, NvmeRequest *req, void *buf,
                             uint32_t len);
uint32_t nvme_mdts_bytes(NvmeCtrl *n);

/* admin.c */
void nvme_admin_identify_ctrl_init(NvmeCtrl *n);
uint16_t nvme_admin_identify(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_create_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_sq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_delete_cq(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_abort(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_keep_alive(NvmeCtrl *n, NvmeRequest *req);

/* aer.c */
uint16_t nvme_admin_aer(NvmeCtrl *n, NvmeRequest *req);
void nvme_aer_enqueue(NvmeCtrl *n, uint8_t type, uint8_t info,
                      uint8_t log_page);
void nvme_aer_unmask(NvmeCtrl *n, uint8_t type);
void nvme_aer_reset(NvmeCtrl *n);

/* features.c */
uint16_t nvme_admin_get_features(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_set_features(NvmeCtrl *n, NvmeRequest *req);
void nvme_features_reset(NvmeCtrl *n);
void nvme_kato_restart(NvmeCtrl *n);

/* log.c */
uint16_t nvme_admin_get_log_page(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_error(NvmeCtrl *n, NvmeRequest *req);
void nvme_log_check_temperature(NvmeCtrl *n);

/* nvm.c */
uint16_t nvme_nvm_read(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_write(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_flush(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_status_from_errno(int ret, bool is_write);

static inline NvmeCtrl *nvme_req_ctrl(NvmeRequest *req)
{
    return req->sq->n;
}

static inline bool nvme_nsid_valid(uint32_t nsid)
{
    return nsid >= 1 && nsid <= NVME_MAX_NSID;
}

static inline NvmeNamespace *nvme_ns(NvmeCtrl *n, uint32_t nsid)
{
    return nvme_nsid_valid(nsid) ? n->ns[nsid] : NULL;
}

/* Set the error log's parameter location: byte of the command, bit. */
static inline void nvme_req_err_field(NvmeRequest *req, unsigned byte,
                                      unsigned bit)
{
    req->err_loc = byte | (bit << 8);
}

#endif /* HW_NVME_NVME_H */

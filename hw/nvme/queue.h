/*
 * NVMe submission and completion queues, their requests, doorbells and
 * interrupts (queue.c; the threading model is at the top of queue.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_QUEUE_H
#define HW_NVME_QUEUE_H

#include "qemu/queue.h"
#include "qemu/event_notifier.h"
#include "block/aio.h"
#include "system/dma.h"
#include "system/block-backend.h"
#include "types.h"
#include "atomic.h"
#include "dma-win.h"
#include "queue-mig.h"

#define NVME_DB_OFFSET          0x1000
#define NVME_SQES               6       /* log2(64): submission entry */
#define NVME_CQES               4       /* log2(16): completion entry */

struct NvmeRequest {
    NvmeSQueue *sq;
    NvmeNamespace *ns;
    NvmeCmd cmd;
    uint32_t result;            /* completion dword 0 */
    uint32_t dw1;               /* completion dword 1 */
    uint16_t status;
    uint16_t err_loc;           /* error log: parameter error location */
    uint64_t err_lba;           /* error log: LBA, or UINT64_MAX */
    uint64_t err_seq;           /* error log entry written, 0 if none */
    uint64_t slba;
    uint32_t nlb;
    bool fua;
    bool is_write;
    bool zns_append;            /* Zone Append: SLBA is the zone (zns.c) */
    bool zns_sync;              /* zone state written back before the CQE */
    bool zns_admitted;          /* the write pointer moved past it ... */
    uint64_t zns_lba;           /* ... and it writes here (zns.c) */
    QEMUSGList sg;              /* kept for the pool's life, reset per use */
    GArray *sg_holes;           /* SGL bit buckets of a read (dma.c) */
    QEMUIOVector iov;           /* req->sg mapped for direct block I/O */
    DMADirection iov_dir;
    bool iov_mapped;            /* iov holds mappings of req->sg */
    NvmeDmaWin *iov_win;        /* ... through this window (dma-win.c) */
    BlockAIOCB *aiocb;
    BlockAcctCookie acct;
    int outstanding;            /* sub-operations left (broadcast flush) */
    void *opaque;               /* command state (nvm-range.c, nvm-copy.c) */
    NvmeRequest *fused_partner; /* the other command of a fused pair */
    uint8_t gate;               /* NVME_GATE_*: role in the ns write gate */
    bool cancelled;             /* its SQ is being deleted: start no I/O */
    uint16_t aborted;           /* aborted (Preempt and Abort): its status */
    NvmeResvAbort *resv_wait;   /* Preempt and Abort waiting (resv-abort) */
    bool parked;                /* waits for the VM to resume (ioerr.c) */
    NvmeAtomicReq atomic;       /* range in the ns overlap lock (atomic.c) */
    bool ns_held;               /* counted in sq->ns_users[ns->nsid] */
    QTAILQ_ENTRY(NvmeRequest) park_link;
    QSLIST_ENTRY(NvmeRequest) resume_link;
    QSIMPLEQ_ENTRY(NvmeRequest) io_link;    /* on sq->io_ready (nvm.c) */
    QTAILQ_ENTRY(NvmeRequest) gate_entry;
    QTAILQ_ENTRY(NvmeRequest) entry;
};

/*
 * An SQ and everything hanging off it belong to its AioContext (@ctx,
 * its CQ's): only code running there touches them, except
 * - @tail, which the main loop's doorbell write stores (atomic) while the
 *   SQ has no shadow doorbell;
 * - @stopped and the @ns_users counters, which the main loop sets and
 *   reads (atomic);
 * - @resume, a list any context may push to (atomic insert);
 * - the main loop while the SQ stands still (quiesced or being deleted,
 *   after a barrier in @ctx and once no backend work is left).
 */
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
    /* fetched on a migration source, executed before new fetches */
    QTAILQ_HEAD(, NvmeRequest) replay;
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
    /* its passes running (nvme_sq_run), and the I/O they leave to the end */
    uint32_t pass_depth;
    QSIMPLEQ_HEAD(, NvmeRequest) io_ready;
    uint32_t atomic_ready;      /* requests granted a range (atomic.c) */
    bool stopped;               /* being deleted: fetch and post nothing */
    /* handed back by another context to run here (nvme_req_resume) */
    QSLIST_HEAD(, NvmeRequest) resume;
    QTAILQ_HEAD(, NvmeRequest) parked;  /* wait for the VM to run (ioerr.c) */
    uint32_t *ns_users;         /* I/O SQ: commands using each NSID */
    uint32_t fenced_nsid;       /* a fence waits (nvme_sq_ns_fenced) */
    struct NvmeSqStats *stats;  /* I/O SQ: its SMART counters (stats.c) */
    /* windows on guest RAM for its data (dma-win.c; main loop: atomic) */
    NvmeDmaWin *dma_win[NVME_DMA_WINS];
};

/*
 * A CQ belongs to its AioContext (@ctx) like its SQs, except @tail,
 * which the queue stores and the main loop reads (atomic) to check head
 * doorbells and the INTx level, @head, which the main loop's doorbell
 * write stores (atomic) while the CQ has no shadow doorbell, and
 * @coal_pending, shared with the coalescing timer of the main loop
 * (atomic exchange).
 */
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
    /*
     * Passes of its SQs or itself running (queue.c), and what they owe at
     * their end: a waiter kick, the bottom half for completions left.
     */
    uint32_t pass_depth;
    bool kick_pending;
    bool post_owed;
};

/*
 * What the queue layer calls above itself: the command layer (dispatch.c,
 * nvme_cmd_hooks) fills this in; the queues know nothing of commands.
 */
typedef struct NvmeQueueHooks {
    /* Context: queue.  A command was fetched into @req: run it. */
    void (*dispatch)(NvmeCtrl *n, NvmeRequest *req);
    /*
     * Context: queue.  @req is about to complete with @status: true keeps
     * it from its CQ for now (the hook completes it again later).
     */
    bool (*hold)(NvmeRequest *req, uint16_t status);
    /* Context: queue.  Run a parked command again (ioerr.c, queue.c). */
    void (*redispatch)(NvmeCtrl *n, NvmeRequest *req);
    /* Context: queue.  @req's status is set and it waits for its CQ. */
    void (*completed)(NvmeRequest *req);
    /* Context: queue.  @req goes back to its SQ's pool. */
    void (*released)(NvmeRequest *req);
    /* Context: queue.  @req, handed back by nvme_req_resume, runs now. */
    void (*resume)(NvmeRequest *req);
    /* Context: main loop, quiesced.  @sq is being deleted. */
    void (*sq_cancel)(NvmeCtrl *n, NvmeSQueue *sq);
    /* Context: @sq's context, nothing in flight.  Free its idle state. */
    void (*sq_stop)(NvmeSQueue *sq);
    /*
     * Context: queue.  @sq's pass dispatched what it fetched: start the
     * backend I/O its commands left for the pass's end.
     */
    void (*sq_pass_end)(NvmeSQueue *sq);
    /*
     * Context: queue.  A fence waits for @sq's commands on namespace
     * @nsid: end those that wait for something the host may never give
     * (a first fused command's second).
     */
    void (*ns_fenced)(NvmeSQueue *sq, uint32_t nsid);
    /* Context: main loop.  An I/O SQ was created, before it runs. */
    void (*sq_created)(NvmeCtrl *n, NvmeSQueue *sq);
    /* Context: main loop.  An I/O SQ is deleted, after it stopped. */
    void (*sq_deleted)(NvmeCtrl *n, NvmeSQueue *sq);
    /*
     * Context: main loop (a migration's load).  @req is a completion the
     * stream carried, waiting in its CQ: account it as if dispatched.
     */
    void (*adopted)(NvmeRequest *req);
} NvmeQueueHooks;

/*
 * The controller's queues (NvmeCtrl.queues): tables indexed by queue id,
 * admin queue 0, and the interrupt state the queues drive.
 */
typedef struct NvmeQueues {
    const NvmeQueueHooks *hooks;
    uint32_t num;               /* admin + I/O queue ids */
    uint32_t avail;             /* of those, what the host may use now */
    uint16_t vectors;           /* MSI-X vectors the host may use now */
    NvmeSQueue **sq;
    NvmeCQueue **cq;
    bool irq_level;             /* INTx pin level last set */
    bool msix_on;               /* MSI-X enable, cached for iothreads */
    NvmeQueuesMig mig;          /* the stream's records (queue-mig.c) */
} NvmeQueues;

void nvme_queues_init(NvmeCtrl *n, uint32_t num, const NvmeQueueHooks *hooks);
void nvme_queues_cleanup(NvmeCtrl *n);
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
void nvme_sq_run(NvmeSQueue *sq);
void nvme_cq_level_changed(NvmeCQueue *cq);
void nvme_queue_kick_all(NvmeCtrl *n);
uint32_t nvme_ns_users(NvmeCtrl *n, uint32_t nsid);
void nvme_ns_users_fenced(NvmeCtrl *n, uint32_t nsid);
void nvme_sq_ns_get(NvmeSQueue *sq, uint32_t nsid);
void nvme_sq_ns_put(NvmeSQueue *sq, uint32_t nsid);
void nvme_sq_wait_kick(NvmeSQueue *sq);
void nvme_req_park(NvmeRequest *req);
void nvme_req_ns_hold(NvmeRequest *req);
void nvme_req_resume(NvmeRequest *req);

static inline NvmeCtrl *nvme_req_ctrl(NvmeRequest *req)
{
    return req->sq->n;
}

/*
 * The request completion API, the one way a command ends, whichever
 * layer ran it.  A handler returns its status (NVME_NO_COMPLETE when it
 * completes later, then calls nvme_req_complete itself); a refused
 * command names the field at fault with nvme_req_reject or
 * nvme_req_err_field, which the error log entry reports.
 */
void nvme_req_complete(NvmeRequest *req, uint16_t status);
uint16_t nvme_req_reject(NvmeRequest *req, uint16_t status, unsigned byte,
                         unsigned bit, const char *why);

/* Set the error log's parameter location: byte of the command, bit. */
static inline void nvme_req_err_field(NvmeRequest *req, unsigned byte,
                                      unsigned bit)
{
    req->err_loc = byte | (bit << 8);
}

#endif /* HW_NVME_QUEUE_H */

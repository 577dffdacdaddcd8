/*
 * NVMe load generator for the benchmark (scripts/bench.sh): drives an NVMe
 * controller (PCI 1b36:0010, ours or upstream QEMU's) with no guest CPU,
 * through the qtest protocol, and reports how many commands the QEMU
 * process completes per host-CPU second.
 *
 * Not a test: tests/run-qtests.sh only runs names ending in "-test".  Run
 * with no environment it does a short smoke run, so "meson test" passes.
 *
 * The device sits on a null-co block node (no data is touched on the
 * backend), namespace 1, NVME_BENCH_QUEUES (default 1) I/O queue pairs of
 * NVME_BENCH_QSIZE entries with MSI-X; with NVME_BENCH_IOTHREADS=K the
 * queues are dealt out over K iothreads (iothread-queue-mapping, ours
 * only).  Phases (NVME_BENCH_PHASES, comma separated MODE:OP):
 *   qdN:OP    keep N commands in flight per queue: poll each CQ in turn,
 *             consume what completed, ring its head, refill as many, ring
 *             its SQ tail
 *   batch:OP  fill every SQ (QSIZE - 1 commands each), ring each tail
 *             once, then per queue wait for the last completion, read all
 *             CQEs, ring the head once (the device works on one queue
 *             while the generator fills the next)
 *   OP        read, write or mixed (alternating), 4 KiB at random
 *             4 KiB-aligned offsets; on a zoned namespace write and append
 *             (Zone Append) only, each queue filling zones of its own in
 *             turn (writes at the write pointer, appends to the zone start)
 *   lean-batch:OP, lean-qdN:OP
 *             the generator kept cheap per command, so that the device is
 *             what is measured (the phases above pay qtest's string and
 *             base64 work for every SQE and CQE): the queues are created
 *             anew with NVME_BENCH_LEAN_QSIZE entries (default 2048) and
 *             interrupts off (IEN=0), every SQ slot is written once with
 *             its command (OP as above, offsets fixed per slot), and the
 *             generator only rings doorbells: it keeps D commands in
 *             flight per queue in chunks of C (lean-batch: D = C = QSIZE
 *             - 1, a whole queue per doorbell; lean-qdN: D = N, C = N / 2),
 *             polls only the phase tag of a chunk's last CQE, then rings
 *             the CQ head and the SQ tail once each.  It sleeps between
 *             polls for most of the time a chunk took before, so it and
 *             QEMU's qtest main loop use little CPU.  Every queue is kept
 *             full.  The status of each chunk's last CQE is checked, and
 *             the whole CQ at the end; the queues are made again with the
 *             first size and IEN=1 afterwards.
 * Each phase runs NVME_BENCH_SECONDS (default 2) of wall time, or exactly
 * NVME_BENCH_COMMANDS commands when that is set (for callgrind; lean
 * phases round it up to whole chunks).  With
 * NVME_BENCH_NOOP=1, batch phases produce the same qtest traffic (SQE
 * writes, doorbell writes, CQ reads) but the doorbells repeat the current
 * values, so the device does no work: the protocol-only baseline that
 * scripts/bench.sh subtracts from callgrind's instruction counts; lean
 * phases likewise ring doorbells that repeat the current values and poll
 * once per chunk.
 *
 * NVME_BENCH_ZONED=ZSIZE makes namespace 1 an nvme-ns with zoned=on and
 * zoned.zone_size=ZSIZE (both devices take that line); its phases print
 * as "zns/MODE:OP".
 *
 * Other knobs: NVME_BENCH_QUEUES and NVME_BENCH_IOTHREADS (above),
 * NVME_BENCH_IOTHREAD_PROPS (appended to each -object iothread, e.g.
 * ",poll-max-ns=0"), NVME_BENCH_MQES (with iothreads: the device's mqes,
 * default 2047; with NVME_BENCH_QSIZE and NVME_BENCH_LEAN_QSIZE up to
 * mqes + 1, bigger queues and lean chunks), NVME_BENCH_NS_PER_QUEUE=1
 * (with iothreads: queue i reads and writes namespace i + 1, each on a
 * null-co node of its own,
 * so that queues share no block node),
 * NVME_BENCH_DEVPROPS (appended to -device nvme,...; not with iothreads),
 * NVME_BENCH_ACCEL (default "-accel tcg -S": Debian's QEMU has no qtest
 * accelerator, and a vCPU that never runs makes both binaries comparable;
 * set it to "" for libqtest's own -accel qtest).
 *
 * Output: one line per phase,
 *   NVME-BENCH phase=qd32:read cmds=N errors=N wall_s=X cpu_s=X
 *              cmds_per_s=X cmds_per_cpu_s=X doorbells=N
 *              iot_cpu_s=X cmds_per_iot_cpu_s=X main_cpu_s=X
 *              cmds_per_main_cpu_s=X polls=N
 * plus "NVME-BENCH pid=PID" (the QEMU process) first.  cpu_s is the whole
 * process; iot_cpu_s its iothreads' threads (named "IO ID": QEMU runs
 * with -name debug-threads=on), main_cpu_s its main thread (the main
 * loop: qtest, and the device when it has no iothread); polls counts
 * the CQE reads of lean phases.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include <sys/resource.h>
#ifdef CONFIG_LINUX
#include <sys/prctl.h>
#endif
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define BENCH_NBUF      64      /* distinct 4 KiB data buffers */
#define BENCH_MAXQ      8       /* I/O queue pairs */
#define BENCH_IO_BYTES  4096
#define SQE_BYTES       64
#define CQE_BYTES       16

typedef struct BenchQ {
    uint16_t qid;
    uint64_t sq_addr, cq_addr;
    uint32_t sq_tail;           /* next SQ slot we fill */
    uint32_t cq_head;           /* next CQ slot we consume */
    uint8_t cq_phase;
} BenchQ;

typedef struct Bench {
    NvmeDrv *d;
    pid_t pid;
    uint32_t qsize;
    uint32_t nq;
    BenchQ q[BENCH_MAXQ];
    uint64_t buf[BENCH_NBUF];
    uint32_t nlb0;              /* 0-based block count of one 4 KiB I/O */
    uint64_t n_ios;             /* 4 KiB units in the namespace */
    uint64_t rng;
    uint64_t op_seq;
    uint64_t errors;
    uint64_t doorbells;
    uint64_t polls;
    bool noop;
    bool ns_per_queue;          /* queue i reads namespace i + 1 */
    uint32_t qsize0;            /* the size the queues were made with */
    uint64_t zone_blocks;       /* zoned namespace: zone size, else 0 */
    uint64_t zcur[BENCH_MAXQ];  /* the zone a queue fills */
    uint64_t zoff[BENCH_MAXQ];  /* blocks it sent to that zone */
} Bench;

typedef enum { OP_READ, OP_WRITE, OP_MIXED, OP_APPEND } BenchOp;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);

    return s && *s ? g_ascii_strtoull(s, NULL, 0) : dflt;
}

static uint64_t bench_rand(Bench *b)
{
    /* xorshift64: cheap and reproducible, the same sequence per run */
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    return b->rng;
}

/* utime + stime of the QEMU process, in seconds (all its threads). */
static double proc_cpu_s(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/stat", (int)pid);
    g_autofree char *text = NULL;
    char **f;
    const char *p;
    double s;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return -1;
    }
    /* fields after "(comm)": state is field 3, utime 14, stime 15 */
    p = strrchr(text, ')');
    g_assert_nonnull(p);
    f = g_strsplit(p + 2, " ", 0);
    g_assert_cmpuint(g_strv_length(f), >, 13);
    s = (g_ascii_strtod(f[11], NULL) + g_ascii_strtod(f[12], NULL)) /
        sysconf(_SC_CLK_TCK);
    g_strfreev(f);
    return s;
}

typedef struct BenchCpu {
    double iot;                 /* the iothreads' threads */
    double iot_wait;            /* their time runnable but not running */
    double main;                /* the main thread (main loop) */
    double gen;                 /* this process, the generator */
} BenchCpu;

/* Seconds a thread waited on a run queue (schedstat's run_delay). */
static double thread_wait_s(const char *dir, const char *tid)
{
    g_autofree char *path = g_strdup_printf("%s/%s/schedstat", dir, tid);
    g_autofree char *text = NULL;
    unsigned long long run, wait;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        sscanf(text, "%llu %llu", &run, &wait) != 2) {
        return 0;
    }
    return wait / 1e9;
}

/*
 * utime + stime of QEMU's iothreads and of its main thread, and of the
 * generator itself, in seconds.
 */
static BenchCpu threads_cpu_s(pid_t pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/task", (int)pid);
    GDir *d = g_dir_open(dir, 0, NULL);
    BenchCpu c = { 0 };
    struct rusage ru;
    const char *tid;

    g_assert_nonnull(d);
    while ((tid = g_dir_read_name(d))) {
        g_autofree char *path = g_strdup_printf("%s/%s/stat", dir, tid);
        g_autofree char *text = NULL;
        g_auto(GStrv) f = NULL;
        const char *comm, *end;
        double s;

        if (!g_file_get_contents(path, &text, NULL, NULL)) {
            continue;               /* the thread just ended */
        }
        comm = strchr(text, '(');
        end = strrchr(text, ')');
        g_assert_true(comm && end && end > comm);
        f = g_strsplit(end + 2, " ", 0);
        g_assert_cmpuint(g_strv_length(f), >, 13);
        s = (g_ascii_strtod(f[11], NULL) + g_ascii_strtod(f[12], NULL)) /
            sysconf(_SC_CLK_TCK);
        if (g_str_has_prefix(comm + 1, "IO ")) {
            c.iot += s;
            c.iot_wait += thread_wait_s(dir, tid);
        } else if (atoi(tid) == (int)pid) {
            c.main += s;
        }
    }
    g_dir_close(d);
    getrusage(RUSAGE_SELF, &ru);
    c.gen = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
            (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    return c;
}

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

static void sq_db(Bench *b, BenchQ *q, uint32_t val)
{
    nvme_drv_raw_db(b->d, q->qid, false, val);
    b->doorbells++;
}

static void cq_db(Bench *b, BenchQ *q, uint32_t val)
{
    nvme_drv_raw_db(b->d, q->qid, true, val);
    b->doorbells++;
}

/*
 * Zoned namespace: where queue @qi's next 4 KiB go (the write pointer, or
 * the zone start for an append); a full zone makes it take its next one.
 * Queue i fills zones i, i + queues, ...
 */
static uint64_t zoned_slba(Bench *b, uint32_t qi, bool append)
{
    uint64_t zslba;

    if (b->zoff[qi] + b->nlb0 + 1 > b->zone_blocks) {
        b->zcur[qi] += b->nq;
        b->zoff[qi] = 0;
    }
    zslba = b->zcur[qi] * b->zone_blocks;
    b->zoff[qi] += b->nlb0 + 1;
    return append ? zslba : zslba + b->zoff[qi] - (b->nlb0 + 1);
}

/* Fill one little-endian SQE for SQ slot @slot of queue @qi. */
static void make_sqe(Bench *b, BenchOp op, uint32_t qi, uint32_t slot,
                     NvmeCmd *c)
{
    bool wr = op == OP_WRITE || (op == OP_MIXED && (b->op_seq & 1));
    uint64_t slba = b->zone_blocks ?
                    zoned_slba(b, qi, op == OP_APPEND) :
                    (bench_rand(b) % b->n_ios) * (b->nlb0 + 1);

    b->op_seq++;
    memset(c, 0, sizeof(*c));
    c->opcode = op == OP_APPEND ? NVME_CMD_ZONE_APPEND :
                wr ? NVME_CMD_WRITE : NVME_CMD_READ;
    c->cid = cpu_to_le16(slot);
    c->nsid = cpu_to_le32(b->ns_per_queue ? qi + 1 : 1);
    c->dptr.prp1 = cpu_to_le64(b->buf[slot % BENCH_NBUF]);
    c->cdw10 = cpu_to_le32((uint32_t)slba);
    c->cdw11 = cpu_to_le32((uint32_t)(slba >> 32));
    c->cdw12 = cpu_to_le32(b->nlb0);
}

/*
 * Write @n SQEs from the current tail (split at the ring's end) and, unless
 * @ring is false, ring the new tail.  In no-op mode the tail stays put.
 */
static void submit(Bench *b, BenchQ *q, BenchOp op, uint32_t n, bool ring)
{
    g_autofree NvmeCmd *cmds = g_new(NvmeCmd, n);
    uint32_t i, first = MIN(n, b->qsize - q->sq_tail);

    for (i = 0; i < n; i++) {
        make_sqe(b, op, q - b->q, (q->sq_tail + i) % b->qsize, &cmds[i]);
    }
    nvme_drv_memwrite(b->d, q->sq_addr + (uint64_t)q->sq_tail * SQE_BYTES,
                      cmds, first * SQE_BYTES);
    if (n > first) {
        nvme_drv_memwrite(b->d, q->sq_addr, cmds + first,
                          (n - first) * SQE_BYTES);
    }
    if (!b->noop) {
        q->sq_tail = (q->sq_tail + n) % b->qsize;
    }
    if (ring) {
        sq_db(b, q, q->sq_tail);
    }
}

/*
 * Read up to @max CQEs at the head (one read, not across the ring's end),
 * consume the leading ones that carry the current phase, ring the head if
 * any were consumed.  Returns how many.
 */
static uint32_t reap(Bench *b, BenchQ *q, uint32_t max)
{
    uint32_t n = MIN(max, b->qsize - q->cq_head), k;
    g_autofree NvmeCqe *e = g_new(NvmeCqe, n);

    nvme_drv_memread(b->d, q->cq_addr + (uint64_t)q->cq_head * CQE_BYTES,
                     e, n * CQE_BYTES);
    for (k = 0; k < n; k++) {
        uint16_t st = le16_to_cpu(e[k].status);

        if ((st & 1) != q->cq_phase) {
            break;
        }
        if (st >> 1) {
            b->errors++;
        }
    }
    if (k) {
        q->cq_head += k;
        if (q->cq_head == b->qsize) {
            q->cq_head = 0;
            q->cq_phase ^= 1;
        }
        cq_db(b, q, q->cq_head);
    }
    return k;
}

/*
 * Keep @qd commands in flight on every queue until the deadline or
 * @count commands (in all).
 */
static uint64_t run_qd(Bench *b, BenchOp op, uint32_t qd, double deadline,
                       uint64_t count)
{
    uint64_t submitted = 0, done = 0;
    uint32_t inflight[BENCH_MAXQ], total = 0, k;

    g_assert_cmpuint(qd, <, b->qsize);
    for (uint32_t i = 0; i < b->nq; i++) {
        inflight[i] = count ? MIN(qd, count - submitted) : qd;
        if (inflight[i]) {
            submit(b, &b->q[i], op, inflight[i], true);
        }
        submitted += inflight[i];
        total += inflight[i];
    }
    while (total) {
        for (uint32_t i = 0; i < b->nq; i++) {
            if (!inflight[i]) {
                continue;
            }
            k = reap(b, &b->q[i], inflight[i]);
            if (!k) {
                continue;
            }
            inflight[i] -= k;
            total -= k;
            done += k;
            if (count) {
                k = MIN(k, count - submitted);
            } else if (now_s() >= deadline) {
                k = 0;
            }
            if (k) {
                submit(b, &b->q[i], op, k, true);
                submitted += k;
                inflight[i] += k;
                total += k;
            }
        }
    }
    return done;
}

/* Wait until the CQE @n - 1 slots past the head carries its phase. */
static void wait_slot(Bench *b, BenchQ *q, uint32_t n)
{
    uint32_t slot = (q->cq_head + n - 1) % b->qsize;
    uint8_t phase = q->cq_phase ^ (q->cq_head + n - 1 >= b->qsize);
    double limit = now_s() + 30;
    NvmeCqe e;

    for (;;) {
        nvme_drv_memread(b->d, q->cq_addr + (uint64_t)slot * CQE_BYTES,
                         &e, sizeof(e));
        if (b->noop || (le16_to_cpu(e.status) & 1) == phase) {
            return;
        }
        if (now_s() > limit) {
            g_error("nvme-loadgen: batch of %u commands did not complete "
                    "(CSTS=0x%x)", n, nvme_drv_rd32(b->d, NVME_REG_CSTS));
        }
        g_usleep(50);
    }
}

/* The batch of @n commands of queue @q done: consume it. */
static uint32_t batch_reap(Bench *b, BenchQ *q, uint32_t n)
{
    uint32_t got = 0;

    wait_slot(b, q, n);
    if (b->noop) {
        /* same reads and head doorbell, nothing consumed */
        g_autofree NvmeCqe *e = g_new(NvmeCqe, n);
        uint32_t first = MIN(n, b->qsize - q->cq_head);

        nvme_drv_memread(b->d, q->cq_addr +
                         (uint64_t)q->cq_head * CQE_BYTES,
                         e, first * CQE_BYTES);
        if (n > first) {
            nvme_drv_memread(b->d, q->cq_addr, e, (n - first) *
                             CQE_BYTES);
        }
        cq_db(b, q, q->cq_head);
        return n;
    }
    while (got < n) {
        uint32_t k = reap(b, q, n - got);

        g_assert_cmpuint(k, >, 0);
        got += k;
    }
    return got;
}

/* Rounds of QSIZE - 1 commands per doorbell write, on every queue. */
static uint64_t run_batch(Bench *b, BenchOp op, double deadline,
                          uint64_t count)
{
    uint64_t done = 0;

    for (;;) {
        uint32_t n[BENCH_MAXQ];
        uint64_t planned = done;

        if (count ? done >= count : done && now_s() >= deadline) {
            break;
        }
        for (uint32_t i = 0; i < b->nq; i++) {
            n[i] = b->qsize - 1;
            if (count) {
                n[i] = MIN(n[i], count - planned);
            }
            planned += n[i];
            if (n[i]) {
                submit(b, &b->q[i], op, n[i], true);
            }
        }
        for (uint32_t i = 0; i < b->nq; i++) {
            if (n[i]) {
                done += batch_reap(b, &b->q[i], n[i]);
            }
        }
    }
    return done;
}

/*
 * (Re)create every queue pair with @qsize entries and interrupts on or
 * off, at the addresses of the first ones (nothing leaks); the rings
 * start empty.
 */
static void bench_queues(Bench *b, uint32_t qsize, bool ien)
{
    NvmeDrv *d = b->d;

    for (uint32_t i = 0; i < b->nq; i++) {
        BenchQ *q = &b->q[i];
        uint16_t vector = d->msix ? q->qid % d->msix_vectors : 0;

        if (q->sq_addr) {
            g_assert_cmphex(nvme_drv_delete_sq(d, q->qid), ==, NVME_SUCCESS);
            g_assert_cmphex(nvme_drv_delete_cq(d, q->qid), ==, NVME_SUCCESS);
            /* no stale entry of the old ring may pass for a new one */
            qtest_memset(d->qts, q->cq_addr, 0, (size_t)qsize * CQE_BYTES);
            g_assert_cmphex(nvme_drv_create_cq_at(d, q->qid, qsize, vector,
                                                  ien, q->cq_addr), ==,
                            NVME_SUCCESS);
            g_assert_cmphex(nvme_drv_create_sq_at(d, q->qid, q->qid, qsize,
                                                  q->sq_addr), ==,
                            NVME_SUCCESS);
        } else {
            g_assert_cmphex(nvme_drv_create_cq(d, q->qid, qsize, vector,
                                               ien), ==, NVME_SUCCESS);
            g_assert_cmphex(nvme_drv_create_sq(d, q->qid, q->qid, qsize),
                            ==, NVME_SUCCESS);
            q->sq_addr = d->sq[q->qid].addr;
            q->cq_addr = d->cq[q->qid].addr;
        }
        q->sq_tail = 0;
        q->cq_head = 0;
        q->cq_phase = 1;
    }
    b->qsize = qsize;
}

/* A lean queue's progress: chunks in flight, and when to poll next. */
typedef struct LeanQ {
    uint32_t chunks;            /* chunks submitted and not consumed */
    double last_done;           /* when its previous chunk completed */
    double est;                 /* time one chunk takes (moving average) */
    double next_poll;
    bool missed;                /* a poll found the oldest chunk running */
} LeanQ;

/* Write every SQ slot of every queue once: the commands of a lean phase. */
static void lean_fill(Bench *b, BenchOp op)
{
    g_autofree NvmeCmd *cmds = g_new(NvmeCmd, b->qsize);

    for (uint32_t i = 0; i < b->nq; i++) {
        for (uint32_t slot = 0; slot < b->qsize; slot++) {
            make_sqe(b, op, i, slot, &cmds[slot]);
        }
        nvme_drv_memwrite(b->d, b->q[i].sq_addr, cmds,
                          (size_t)b->qsize * SQE_BYTES);
    }
}

/* Ring @q's SQ tail @c commands further (the same value in no-op mode). */
static void lean_submit(Bench *b, BenchQ *q, LeanQ *l, uint32_t c)
{
    if (!b->noop) {
        q->sq_tail = (q->sq_tail + c) % b->qsize;
    }
    sq_db(b, q, q->sq_tail);
    l->chunks++;
}

/*
 * Has @q's oldest chunk of @c commands completed?  One 4-byte read: the
 * status and phase tag of the chunk's last CQE.
 */
static bool lean_poll(Bench *b, BenchQ *q, uint32_t c)
{
    uint32_t end = q->cq_head + c - 1;
    uint8_t phase = q->cq_phase ^ (end >= b->qsize);
    uint32_t dw3;

    b->polls++;
    dw3 = qtest_readl(b->d->qts, q->cq_addr +
                      (uint64_t)(end % b->qsize) * CQE_BYTES + 12);
    if (b->noop) {
        return true;
    }
    if (((dw3 >> 16) & 1) != phase) {
        return false;
    }
    if (dw3 >> 17) {
        b->errors++;
    }
    return true;
}

/* Consume @q's oldest chunk of @c commands: ring the CQ head past it. */
static void lean_consume(Bench *b, BenchQ *q, LeanQ *l, uint32_t c)
{
    if (!b->noop) {
        q->cq_head += c;
        if (q->cq_head >= b->qsize) {
            q->cq_head -= b->qsize;
            q->cq_phase ^= 1;
        }
    }
    cq_db(b, q, q->cq_head);
    l->chunks--;
}

/* Count the failed entries in the last lap of every CQ. */
static void lean_check_cqs(Bench *b)
{
    g_autofree NvmeCqe *e = g_new(NvmeCqe, b->qsize);

    if (b->noop) {
        return;
    }
    for (uint32_t i = 0; i < b->nq; i++) {
        nvme_drv_memread(b->d, b->q[i].cq_addr, e,
                         (size_t)b->qsize * CQE_BYTES);
        for (uint32_t k = 0; k < b->qsize; k++) {
            uint16_t st = le16_to_cpu(e[k].status);

            /* entries not yet written in this queue's life are zero */
            if (st >> 1) {
                b->errors++;
            }
        }
    }
}

/*
 * Keep @depth commands in flight on every queue, in chunks of @c per
 * doorbell, until the deadline or @count commands (rounded up to whole
 * chunks).  Sleeps until a chunk is likely done; polls a queue that is
 * not done again after an eighth of its chunk time.
 */
static uint64_t run_lean(Bench *b, BenchOp op, uint32_t depth, uint32_t c,
                         double deadline, uint64_t count)
{
    LeanQ lq[BENCH_MAXQ] = { 0 };
    uint32_t per_q = depth / c;
    uint64_t done = 0, submitted = 0, chunks_left = 0;
    bool stop = false;

    g_assert_cmpuint(per_q, >=, 1);
    g_assert_cmpuint(per_q * c, <, b->qsize);
    if (count) {
        chunks_left = (count + c - 1) / c;
    }
    lean_fill(b, op);
#ifdef CONFIG_LINUX
    prctl(PR_SET_TIMERSLACK, 1000UL);   /* short sleeps mean short */
#endif
    for (uint32_t i = 0; i < b->nq; i++) {
        lq[i].last_done = now_s();
        for (uint32_t k = 0; k < per_q; k++) {
            if (count && !chunks_left) {
                break;
            }
            lean_submit(b, &b->q[i], &lq[i], c);
            submitted += c;
            chunks_left -= count ? 1 : 0;
        }
    }
    for (;;) {
        double t = now_s(), next = t + 1;
        bool busy = false;

        for (uint32_t i = 0; i < b->nq; i++) {
            BenchQ *q = &b->q[i];
            LeanQ *l = &lq[i];

            if (!l->chunks) {
                continue;
            }
            if (l->next_poll > t) {
                next = MIN(next, l->next_poll);
                continue;
            }
            if (!lean_poll(b, q, c)) {
                l->missed = true;
                l->next_poll = t + l->est / 4;
                next = MIN(next, l->next_poll);
                continue;
            }
            lean_consume(b, q, l, c);
            done += c;
            t = now_s();
            /*
             * The time between two completions is a chunk's time only if
             * the poll found it running first; else it ended earlier than
             * the generator looked: wake up sooner.
             */
            if (!l->missed) {
                l->est *= 0.85;
            } else if (l->est) {
                l->est = 0.75 * l->est + 0.25 * (t - l->last_done);
            } else {
                l->est = t - l->last_done;
            }
            l->missed = false;
            l->last_done = t;
            l->next_poll = t + 0.9 * l->est;
            stop = stop || (count ? !chunks_left : t >= deadline);
            if (!stop) {
                lean_submit(b, q, l, c);
                submitted += c;
                chunks_left -= count ? 1 : 0;
            }
            next = MIN(next, l->chunks ? l->next_poll : next);
        }
        for (uint32_t i = 0; i < b->nq; i++) {
            busy = busy || lq[i].chunks;
        }
        if (!busy) {
            break;
        }
        t = now_s();
        if ((next - t) * 1e6 > 20) {   /* else spin: sleeps are longer */
            g_usleep(MIN(next - t, 0.1) * 1e6);
        }
    }
    g_assert_cmpuint(done, ==, submitted);
    lean_check_cqs(b);
    return done;
}

/* A lean phase: its own queues (IEN=0, lean size), then the first ones. */
static uint64_t run_lean_phase(Bench *b, const char *mode, BenchOp op,
                               double deadline, uint64_t count)
{
    uint32_t qsize = MIN(env_u64("NVME_BENCH_LEAN_QSIZE", 2048), b->qsize0);
    uint32_t depth, c;
    uint64_t done;

    g_assert_cmpuint(b->zone_blocks, ==, 0);    /* SQEs written once */
    bench_queues(b, qsize, false);
    if (g_str_equal(mode, "lean-batch")) {
        uint32_t n = MAX(env_u64("NVME_BENCH_LEAN_CHUNKS", 2), 1);

        c = (qsize - 1) / n;
        depth = c * n;
    } else {
        g_assert_true(g_str_has_prefix(mode, "lean-qd"));
        depth = g_ascii_strtoull(mode + 7, NULL, 10);
        g_assert_cmpuint(depth, >, 0);
        c = MAX(depth / 2, 1);
    }
    done = run_lean(b, op, depth, c, deadline, count);
    bench_queues(b, b->qsize0, true);
    return done;
}

/*
 * The -device of our nvme with its queues over @k iothreads (JSON, the
 * only syntax for iothread-queue-mapping), or the plain one with @props.
 */
static char *bench_device(uint32_t k, uint32_t nq, const char *props,
                          const char *zoned, bool ns_per_queue, uint64_t size)
{
    GString *s;

    if (zoned) {
        g_assert_cmpuint(k, ==, 0);
        return g_strdup_printf("-device nvme,id=c0,serial=nvmebench%s "
                               "-device nvme-ns,drive=d0,bus=c0,nsid=1,"
                               "zoned=on,zoned.zone_size=%s",
                               props ? props : "", zoned);
    }
    if (!k) {
        return g_strdup_printf("-device nvme,drive=d0,serial=nvmebench%s",
                               props ? props : "");
    }
    g_assert_true(!props || !*props);
    s = g_string_new("");
    for (uint32_t i = 0; i < k; i++) {
        g_string_append_printf(s, "-object iothread,id=bio%u%s ", i,
                               getenv("NVME_BENCH_IOTHREAD_PROPS") ?: "");
    }
    g_string_append_printf(s, "-device '{\"driver\": \"nvme\", \"id\": \"c0\", "
                           "\"drive\": \"d0\", \"serial\": "
                           "\"nvmebench\", \"max_ioqpairs\": %u, "
                           "\"mqes\": %u, "
                           "\"iothread-queue-mapping\": [", MAX(nq, 1),
                           (unsigned)env_u64("NVME_BENCH_MQES", 2047));
    for (uint32_t i = 0; i < k; i++) {
        g_string_append_printf(s, "%s{\"iothread\": \"bio%u\"}",
                               i ? ", " : "", i);
    }
    g_string_append(s, "]}'");
    /* a namespace and a null-co node of its own for each further queue */
    for (uint32_t i = 1; ns_per_queue && i < nq; i++) {
        g_string_append_printf(s, " -blockdev driver=null-co,node-name=d%u,"
                               "size=%" PRIu64 ",read-zeroes=off -device "
                               "'{\"driver\": \"nvme-ns\", \"drive\": "
                               "\"d%u\", \"bus\": \"c0\", \"nsid\": %u}'",
                               i, size, i, i + 1);
    }
    return g_string_free(s, false);
}

static void bench_setup(Bench *b)
{
    const char *accel = getenv("NVME_BENCH_ACCEL");
    g_autofree char *args = NULL;
    g_autofree char *dev = NULL;
    g_autofree NvmeIdNs *id = g_new0(NvmeIdNs, 1);
    uint32_t lbads, i;

    b->nq = MIN(MAX(env_u64("NVME_BENCH_QUEUES", 1), 1), BENCH_MAXQ);
    b->ns_per_queue = env_u64("NVME_BENCH_NS_PER_QUEUE", 0) != 0;
    dev = bench_device(env_u64("NVME_BENCH_IOTHREADS", 0), b->nq,
                       getenv("NVME_BENCH_DEVPROPS"),
                       getenv("NVME_BENCH_ZONED"), b->ns_per_queue,
                       env_u64("NVME_BENCH_SIZE", 1ull << 30));
    /* debug-threads: the iothreads' names tell their CPU time apart */
    args = g_strdup_printf(
        "%s -name nvmebench,debug-threads=on -blockdev driver=null-co,"
        "node-name=d0,size=%" PRIu64 ",read-zeroes=off %s",
        accel ? accel : "-accel tcg -S",
        env_u64("NVME_BENCH_SIZE", 1ull << 30), dev);
    b->d = nvme_drv_start_args(args);
    b->pid = qtest_pid(b->d->qts);
    b->d->timeout_ms = 60000;   /* valgrind is slow */
    nvme_drv_msix_enable(b->d);
    /* CC.CSS 110b: every I/O command set, so a zoned namespace is active */
    nvme_drv_enable_css(b->d, 32, 32, getenv("NVME_BENCH_ZONED") ? 6 : 0);

    b->qsize0 = env_u64("NVME_BENCH_QSIZE", 2048);
    b->qsize0 = MIN(b->qsize0, NVME_CAP_MQES(b->d->cap) + 1);
    for (i = 0; i < b->nq; i++) {
        b->q[i].qid = i + 1;
    }
    bench_queues(b, b->qsize0, true);

    g_assert_cmphex(nvme_drv_identify(b->d, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    lbads = id->lbaf[id->flbas & 0xf].ds;
    g_assert_cmpuint(lbads, >=, 9);
    g_assert_cmpuint(lbads, <=, 12);
    b->nlb0 = (BENCH_IO_BYTES >> lbads) - 1;
    b->n_ios = (le64_to_cpu(id->nsze) << lbads) / BENCH_IO_BYTES;
    g_assert_cmpuint(b->n_ios, >, 0);
    for (i = 0; i < BENCH_NBUF; i++) {
        b->buf[i] = nvme_drv_alloc(b->d, BENCH_IO_BYTES);
    }
    if (getenv("NVME_BENCH_ZONED")) {
        /* Zoned Identify Namespace: the format's zone size (ZSZE) */
        g_autofree NvmeIdNsZoned *zid = g_new0(NvmeIdNsZoned, 1);

        g_assert_cmphex(nvme_drv_identify(b->d, 0x05, 1, NVME_CSI_ZONED,
                                          zid), ==, NVME_SUCCESS);
        b->zone_blocks = le64_to_cpu(zid->lbafe[id->flbas & 0xf].zsze);
        g_assert_cmpuint(b->zone_blocks, >, b->nlb0);
        for (i = 0; i < b->nq; i++) {
            b->zcur[i] = i;
        }
    }
    b->rng = 0x9e3779b97f4a7c15ull;
}

static void run_phase(Bench *b, const char *spec, double secs, uint64_t count)
{
    g_auto(GStrv) part = g_strsplit(spec, ":", 2);
    const char *mode = part[0], *ops = part[1] ? part[1] : "read";
    BenchOp op = g_str_equal(ops, "write") ? OP_WRITE :
                 g_str_equal(ops, "mixed") ? OP_MIXED :
                 g_str_equal(ops, "append") ? OP_APPEND : OP_READ;
    double t0, t1, c0, c1;
    BenchCpu th0, th1;
    uint64_t done, err0 = b->errors, db0 = b->doorbells, polls0 = b->polls;

    g_assert_true(b->zone_blocks ?
                  op == OP_WRITE || op == OP_APPEND :
                  op != OP_APPEND && (op != OP_READ ||
                                      g_str_equal(ops, "read")));
    c0 = proc_cpu_s(b->pid);
    th0 = threads_cpu_s(b->pid);
    t0 = now_s();
    if (g_str_has_prefix(mode, "lean-")) {
        done = run_lean_phase(b, mode, op, t0 + secs, count);
    } else if (g_str_equal(mode, "batch")) {
        done = run_batch(b, op, t0 + secs, count);
    } else {
        g_assert_true(g_str_has_prefix(mode, "qd"));
        g_assert_false(b->noop);
        done = run_qd(b, op, g_ascii_strtoull(mode + 2, NULL, 10),
                      t0 + secs, count);
    }
    t1 = now_s();
    c1 = proc_cpu_s(b->pid);
    th1 = threads_cpu_s(b->pid);
    th1.iot -= th0.iot;
    th1.iot_wait -= th0.iot_wait;
    th1.main -= th0.main;
    th1.gen -= th0.gen;
    printf("NVME-BENCH phase=%s%s cmds=%" PRIu64 " errors=%" PRIu64
           " wall_s=%.3f cpu_s=%.2f cmds_per_s=%.0f cmds_per_cpu_s=%.0f"
           " doorbells=%" PRIu64 " iot_cpu_s=%.2f cmds_per_iot_cpu_s=%.0f"
           " main_cpu_s=%.2f cmds_per_main_cpu_s=%.0f polls=%" PRIu64
           " iot_wait_s=%.2f gen_cpu_s=%.2f\n",
           b->zone_blocks ? "zns/" : "", spec, done, b->errors - err0,
           t1 - t0, c1 - c0, done / (t1 - t0),
           c1 > c0 ? done / (c1 - c0) : 0.0,
           b->doorbells - db0, th1.iot,
           th1.iot > 0 ? done / th1.iot : 0.0, th1.main,
           th1.main > 0 ? done / th1.main : 0.0, b->polls - polls0,
           th1.iot_wait, th1.gen);
    fflush(stdout);
}

static void loadgen(void)
{
    const char *phases = getenv("NVME_BENCH_PHASES");
    double secs = g_ascii_strtod(getenv("NVME_BENCH_SECONDS") ?: "2", NULL);
    uint64_t count = env_u64("NVME_BENCH_COMMANDS", 0);
    g_auto(GStrv) list = NULL;
    Bench b = { 0 };
    int i;

    b.noop = env_u64("NVME_BENCH_NOOP", 0) != 0;
    if (!phases) {
        /* smoke run for meson test */
        phases = "qd1:read,qd32:mixed,batch:write,lean-qd32:mixed,"
                 "lean-batch:read";
        secs = MIN(secs, 0.5);
    }
    bench_setup(&b);
    printf("NVME-BENCH pid=%d qsize=%u queues=%u lba_bytes=%u\n", (int)b.pid,
           b.qsize, b.nq, BENCH_IO_BYTES / (b.nlb0 + 1));
    list = g_strsplit(phases, ",", 0);
    for (i = 0; list[i]; i++) {
        if (*list[i]) {
            run_phase(&b, list[i], secs, count);
        }
    }
    nvme_drv_stop(b.d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/loadgen-bench", loadgen);
    return g_test_run();
}

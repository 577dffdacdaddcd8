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
 * backend), namespace 1, one I/O queue pair of NVME_BENCH_QSIZE entries
 * with MSI-X.  Phases (NVME_BENCH_PHASES, comma separated MODE:OP):
 *   qdN:OP    keep N commands in flight: poll the CQ, consume what
 *             completed, ring the CQ head, refill as many, ring the SQ tail
 *   batch:OP  fill the SQ (QSIZE - 1 commands), ring the tail once, wait
 *             for the last completion, read all CQEs, ring the head once
 *   OP        read, write or mixed (alternating), 4 KiB at random
 *             4 KiB-aligned offsets
 * Each phase runs NVME_BENCH_SECONDS (default 2) of wall time, or exactly
 * NVME_BENCH_COMMANDS commands when that is set (for callgrind).  With
 * NVME_BENCH_NOOP=1, batch phases produce the same qtest traffic (SQE
 * writes, doorbell writes, CQ reads) but the doorbells repeat the current
 * values, so the device does no work: the protocol-only baseline that
 * scripts/bench.sh subtracts from callgrind's instruction counts.
 *
 * Other knobs: NVME_BENCH_DEVPROPS (appended to -device nvme,...),
 * NVME_BENCH_ACCEL (default "-accel tcg -S": Debian's QEMU has no qtest
 * accelerator, and a vCPU that never runs makes both binaries comparable;
 * set it to "" for libqtest's own -accel qtest).
 *
 * Output: one line per phase,
 *   NVME-BENCH phase=qd32:read cmds=N errors=N wall_s=X cpu_s=X
 *              cmds_per_s=X cmds_per_cpu_s=X doorbells=N
 * plus "NVME-BENCH pid=PID" (the QEMU process) first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define BENCH_NBUF      64      /* distinct 4 KiB data buffers */
#define BENCH_IO_BYTES  4096
#define SQE_BYTES       64
#define CQE_BYTES       16

typedef struct Bench {
    NvmeDrv *d;
    pid_t pid;
    uint32_t qsize;
    uint64_t sq_addr, cq_addr;
    uint32_t sq_tail;           /* next SQ slot we fill */
    uint32_t cq_head;           /* next CQ slot we consume */
    uint8_t cq_phase;
    uint64_t buf[BENCH_NBUF];
    uint32_t nlb0;              /* 0-based block count of one 4 KiB I/O */
    uint64_t n_ios;             /* 4 KiB units in the namespace */
    uint64_t rng;
    uint64_t op_seq;
    uint64_t errors;
    uint64_t doorbells;
    bool noop;
} Bench;

typedef enum { OP_READ, OP_WRITE, OP_MIXED } BenchOp;

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

static double now_s(void)
{
    return g_get_monotonic_time() / 1e6;
}

static void sq_db(Bench *b, uint32_t val)
{
    nvme_drv_raw_db(b->d, 1, false, val);
    b->doorbells++;
}

static void cq_db(Bench *b, uint32_t val)
{
    nvme_drv_raw_db(b->d, 1, true, val);
    b->doorbells++;
}

/* Fill one little-endian SQE for SQ slot @slot. */
static void make_sqe(Bench *b, BenchOp op, uint32_t slot, NvmeCmd *c)
{
    bool wr = op == OP_WRITE || (op == OP_MIXED && (b->op_seq & 1));
    uint64_t slba = (bench_rand(b) % b->n_ios) * (b->nlb0 + 1);

    b->op_seq++;
    memset(c, 0, sizeof(*c));
    c->opcode = wr ? NVME_CMD_WRITE : NVME_CMD_READ;
    c->cid = cpu_to_le16(slot);
    c->nsid = cpu_to_le32(1);
    c->dptr.prp1 = cpu_to_le64(b->buf[slot % BENCH_NBUF]);
    c->cdw10 = cpu_to_le32((uint32_t)slba);
    c->cdw11 = cpu_to_le32((uint32_t)(slba >> 32));
    c->cdw12 = cpu_to_le32(b->nlb0);
}

/*
 * Write @n SQEs from the current tail (split at the ring's end) and, unless
 * @ring is false, ring the new tail.  In no-op mode the tail stays put.
 */
static void submit(Bench *b, BenchOp op, uint32_t n, bool ring)
{
    g_autofree NvmeCmd *cmds = g_new(NvmeCmd, n);
    uint32_t i, first = MIN(n, b->qsize - b->sq_tail);

    for (i = 0; i < n; i++) {
        make_sqe(b, op, (b->sq_tail + i) % b->qsize, &cmds[i]);
    }
    nvme_drv_memwrite(b->d, b->sq_addr + (uint64_t)b->sq_tail * SQE_BYTES,
                      cmds, first * SQE_BYTES);
    if (n > first) {
        nvme_drv_memwrite(b->d, b->sq_addr, cmds + first,
                          (n - first) * SQE_BYTES);
    }
    if (!b->noop) {
        b->sq_tail = (b->sq_tail + n) % b->qsize;
    }
    if (ring) {
        sq_db(b, b->sq_tail);
    }
}

/*
 * Read up to @max CQEs at the head (one read, not across the ring's end),
 * consume the leading ones that carry the current phase, ring the head if
 * any were consumed.  Returns how many.
 */
static uint32_t reap(Bench *b, uint32_t max)
{
    uint32_t n = MIN(max, b->qsize - b->cq_head), k;
    g_autofree NvmeCqe *e = g_new(NvmeCqe, n);

    nvme_drv_memread(b->d, b->cq_addr + (uint64_t)b->cq_head * CQE_BYTES,
                     e, n * CQE_BYTES);
    for (k = 0; k < n; k++) {
        uint16_t st = le16_to_cpu(e[k].status);

        if ((st & 1) != b->cq_phase) {
            break;
        }
        if (st >> 1) {
            b->errors++;
        }
    }
    if (k) {
        b->cq_head += k;
        if (b->cq_head == b->qsize) {
            b->cq_head = 0;
            b->cq_phase ^= 1;
        }
        cq_db(b, b->cq_head);
    }
    return k;
}

/* Keep @qd commands in flight until the deadline or @count commands. */
static uint64_t run_qd(Bench *b, BenchOp op, uint32_t qd, double deadline,
                       uint64_t count)
{
    uint64_t submitted = 0, done = 0;
    uint32_t inflight, k;

    g_assert_cmpuint(qd, <, b->qsize);
    inflight = count ? MIN(qd, count) : qd;
    submit(b, op, inflight, true);
    submitted = inflight;
    while (inflight) {
        k = reap(b, inflight);
        if (!k) {
            continue;
        }
        inflight -= k;
        done += k;
        if (count) {
            k = MIN(k, count - submitted);
        } else if (now_s() >= deadline) {
            k = 0;
        }
        if (k) {
            submit(b, op, k, true);
            submitted += k;
            inflight += k;
        }
    }
    return done;
}

/* Wait until the CQE @n - 1 slots past the head carries its phase. */
static void wait_slot(Bench *b, uint32_t n)
{
    uint32_t slot = (b->cq_head + n - 1) % b->qsize;
    uint8_t phase = b->cq_phase ^ (b->cq_head + n - 1 >= b->qsize);
    double limit = now_s() + 30;
    NvmeCqe e;

    for (;;) {
        nvme_drv_memread(b->d, b->cq_addr + (uint64_t)slot * CQE_BYTES,
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

/* Rounds of QSIZE - 1 commands per doorbell write. */
static uint64_t run_batch(Bench *b, BenchOp op, double deadline,
                          uint64_t count)
{
    uint64_t done = 0;

    for (;;) {
        uint32_t n = b->qsize - 1, got = 0;

        if (count) {
            if (done >= count) {
                break;
            }
            n = MIN(n, count - done);
        } else if (done && now_s() >= deadline) {
            break;
        }
        submit(b, op, n, true);
        wait_slot(b, n);
        if (b->noop) {
            /* same reads and head doorbell, nothing consumed */
            g_autofree NvmeCqe *e = g_new(NvmeCqe, n);
            uint32_t first = MIN(n, b->qsize - b->cq_head);

            nvme_drv_memread(b->d, b->cq_addr +
                             (uint64_t)b->cq_head * CQE_BYTES,
                             e, first * CQE_BYTES);
            if (n > first) {
                nvme_drv_memread(b->d, b->cq_addr, e, (n - first) *
                                 CQE_BYTES);
            }
            cq_db(b, b->cq_head);
            got = n;
        } else {
            while (got < n) {
                uint32_t k = reap(b, n - got);

                g_assert_cmpuint(k, >, 0);
                got += k;
            }
        }
        done += got;
    }
    return done;
}

static void bench_setup(Bench *b)
{
    const char *accel = getenv("NVME_BENCH_ACCEL");
    const char *props = getenv("NVME_BENCH_DEVPROPS");
    g_autofree char *args = NULL;
    g_autofree NvmeIdNs *id = g_new0(NvmeIdNs, 1);
    uint32_t lbads, i;

    args = g_strdup_printf(
        "%s -blockdev driver=null-co,node-name=d0,size=%" PRIu64
        ",read-zeroes=off -device nvme,drive=d0,serial=nvmebench%s",
        accel ? accel : "-accel tcg -S",
        env_u64("NVME_BENCH_SIZE", 1ull << 30), props ? props : "");
    b->d = nvme_drv_start_args(args);
    b->pid = qtest_pid(b->d->qts);
    b->d->timeout_ms = 60000;   /* valgrind is slow */
    nvme_drv_msix_enable(b->d);
    nvme_drv_enable(b->d, 32, 32);

    b->qsize = env_u64("NVME_BENCH_QSIZE", 2048);
    b->qsize = MIN(b->qsize, NVME_CAP_MQES(b->d->cap) + 1);
    nvme_drv_create_qpair(b->d, 1, b->qsize);
    b->sq_addr = b->d->sq[1].addr;
    b->cq_addr = b->d->cq[1].addr;
    b->cq_phase = 1;

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
    b->rng = 0x9e3779b97f4a7c15ull;
}

static void run_phase(Bench *b, const char *spec, double secs, uint64_t count)
{
    g_auto(GStrv) part = g_strsplit(spec, ":", 2);
    const char *mode = part[0], *ops = part[1] ? part[1] : "read";
    BenchOp op = g_str_equal(ops, "write") ? OP_WRITE :
                 g_str_equal(ops, "mixed") ? OP_MIXED : OP_READ;
    double t0, t1, c0, c1;
    uint64_t done, err0 = b->errors, db0 = b->doorbells;

    g_assert_true(g_str_equal(ops, "read") || g_str_equal(ops, "write") ||
                  g_str_equal(ops, "mixed"));
    c0 = proc_cpu_s(b->pid);
    t0 = now_s();
    if (g_str_equal(mode, "batch")) {
        done = run_batch(b, op, t0 + secs, count);
    } else {
        g_assert_true(g_str_has_prefix(mode, "qd"));
        g_assert_false(b->noop);
        done = run_qd(b, op, g_ascii_strtoull(mode + 2, NULL, 10),
                      t0 + secs, count);
    }
    t1 = now_s();
    c1 = proc_cpu_s(b->pid);
    printf("NVME-BENCH phase=%s cmds=%" PRIu64 " errors=%" PRIu64
           " wall_s=%.3f cpu_s=%.2f cmds_per_s=%.0f cmds_per_cpu_s=%.0f"
           " doorbells=%" PRIu64 "\n",
           spec, done, b->errors - err0, t1 - t0, c1 - c0,
           done / (t1 - t0), c1 > c0 ? done / (c1 - c0) : 0.0,
           b->doorbells - db0);
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
        phases = "qd1:read,qd32:mixed,batch:write";
        secs = MIN(secs, 0.5);
    }
    bench_setup(&b);
    printf("NVME-BENCH pid=%d qsize=%u lba_bytes=%u\n", (int)b.pid, b.qsize,
           BENCH_IO_BYTES / (b.nlb0 + 1));
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

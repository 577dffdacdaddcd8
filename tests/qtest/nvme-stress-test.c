/*
 * Stress qtest of the NVMe controller: I/O on every queue while admin
 * commands delete and recreate queues, format the namespace, reset the
 * controller and change reservations.
 *
 * Each round submits a batch of one-block reads and writes on every live
 * I/O queue pair without waiting, then runs one admin action, then reaps
 * every completion.  Each queue owns its own LBAs, and each block holds a
 * tag naming the write that put it there, so every read is checked
 * against the last write that completed (or zeroes after a format).
 * Every command submitted on a queue that survives the round must complete
 * exactly once; commands of a queue that was deleted (or of every queue,
 * at a controller reset) may be dropped, as the spec allows, but never
 * completed twice or on another queue.  In the iothread modes the queues
 * run in their iothreads while the main loop runs the admin commands.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqos/nvme-drv.h"

#define NQ          4           /* I/O queue pairs */
#define QSIZE       32
#define BATCH       8           /* commands per queue and round */
#define LBASZ       512
#define LBAS_PER_Q  64
#define ROUNDS      24

#define OP_REGISTER     0x0d
#define OP_ACQUIRE      0x11
#define OP_RELEASE      0x15
#define RESV_KEY        0x5157u
#define SC_FORMAT_BUSY  0x0084  /* Format In Progress (generic) */

enum { ACT_NONE, ACT_DELETE, ACT_FORMAT, ACT_RESET, ACT_RESV };

typedef struct Slot {
    bool busy;                  /* submitted, no completion seen yet */
    bool write;
    uint16_t cid;
    uint32_t lba;
    uint64_t tag;               /* written, or expected when a read */
    bool any;                   /* read: old tag or zeroes both fine */
    uint64_t buf;               /* guest buffer, one block */
} Slot;

typedef struct Stress {
    NvmeDrv *d;
    Slot slot[NQ + 1][BATCH];
    uint64_t expect[NQ * LBAS_PER_Q];   /* tag of each block, 0: zeroes */
    bool unsure[NQ * LBAS_PER_Q];       /* a dropped write may have landed */
    uint64_t next_tag;
    bool resv_held;
    unsigned completed, dropped;
} Stress;

static void stress_queues(Stress *s)
{
    for (uint16_t q = 1; q <= NQ; q++) {
        nvme_drv_create_qpair(s->d, q, QSIZE);
    }
}

/* Write @tag into a block's buffer the way the data is checked. */
static void fill_block(uint8_t *b, uint64_t tag, uint32_t lba)
{
    for (unsigned i = 0; i < LBASZ; i += 16) {
        stq_le_p(b + i, tag);
        stq_le_p(b + i + 8, lba);
    }
}

static void submit_rw(Stress *s, uint16_t q, unsigned i, bool write,
                      bool any)
{
    Slot *sl = &s->slot[q][i];
    uint32_t lba = (q - 1) * LBAS_PER_Q + g_test_rand_int_range(0,
                                                                LBAS_PER_Q);
    uint8_t block[LBASZ];
    NvmeCmd cmd;

    /* one command per block and round: distinct LBAs within the batch */
    for (unsigned j = 0; j < i; j++) {
        if (s->slot[q][j].lba == lba) {
            lba = (q - 1) * LBAS_PER_Q + (lba + 1 + j) % LBAS_PER_Q;
            j = -1u;
        }
    }
    sl->write = write;
    sl->lba = lba;
    sl->any = any || s->unsure[lba];
    if (write) {
        sl->tag = ++s->next_tag;
        fill_block(block, sl->tag, lba);
        nvme_drv_memwrite(s->d, sl->buf, block, LBASZ);
    } else {
        sl->tag = s->expect[lba];
    }
    nvme_drv_cmd_init(&cmd, write ? NVME_CMD_WRITE : NVME_CMD_READ, 1);
    nvme_drv_cmd_set_prp(s->d, &cmd, sl->buf, LBASZ);
    cmd.cdw10 = lba;
    sl->cid = nvme_drv_submit(s->d, q, &cmd);
    sl->busy = true;
}

/* Check one completion of queue @q against what was submitted there. */
static void check_cqe(Stress *s, uint16_t q, const NvmeCqe *cqe,
                      bool format_round)
{
    uint16_t st = NVME_DRV_STATUS(cqe) & 0x7ff;
    uint8_t block[LBASZ], want[LBASZ];
    Slot *sl = NULL;

    for (unsigned i = 0; i < BATCH; i++) {
        if (s->slot[q][i].busy && s->slot[q][i].cid == cqe->cid) {
            sl = &s->slot[q][i];
        }
    }
    g_assert_nonnull(sl);           /* unknown or doubled completion */
    g_assert_cmpuint(le16_to_cpu(cqe->sq_id), ==, q);
    sl->busy = false;
    s->completed++;
    if (format_round && st == SC_FORMAT_BUSY) {
        return;
    }
    g_assert_cmphex(st, ==, NVME_SUCCESS);
    if (sl->write) {
        s->expect[sl->lba] = sl->tag;
        s->unsure[sl->lba] = format_round;
        return;
    }
    nvme_drv_memread(s->d, sl->buf, block, LBASZ);
    fill_block(want, sl->tag, sl->lba);
    if (!sl->tag) {
        memset(want, 0, LBASZ);
    }
    if (memcmp(block, want, LBASZ)) {
        /* a format or a dropped write may or may not have come first */
        g_assert_true(sl->any);
    }
}

/* Reap every command of queue @q; @keep false: the queue went away. */
static void reap(Stress *s, uint16_t q, bool keep, bool format_round)
{
    NvmeCqe cqe;

    for (;;) {
        bool busy = false;

        for (unsigned i = 0; i < BATCH; i++) {
            busy |= s->slot[q][i].busy;
        }
        if (!busy) {
            return;
        }
        if (!keep) {
            for (unsigned i = 0; i < BATCH; i++) {
                Slot *sl = &s->slot[q][i];

                if (sl->busy && sl->write) {
                    s->unsure[sl->lba] = true;
                }
                s->dropped += sl->busy;
                sl->busy = false;
            }
            return;
        }
        g_assert_true(nvme_drv_poll_cqe(s->d, q, &cqe, 20000, true));
        check_cqe(s, q, &cqe, format_round);
    }
}

static uint16_t resv_cmd(Stress *s, uint16_t q, uint8_t op, uint32_t cdw10,
                         uint64_t k0, uint64_t k1)
{
    uint64_t buf = nvme_drv_alloc(s->d, 4096);
    uint8_t keys[16];
    NvmeCmd cmd;
    uint16_t st;

    stq_le_p(keys, k0);
    stq_le_p(keys + 8, k1);
    nvme_drv_memwrite(s->d, buf, keys, sizeof(keys));
    nvme_drv_cmd_init(&cmd, op, 1);
    nvme_drv_cmd_set_prp(s->d, &cmd, buf, sizeof(keys));
    cmd.cdw10 = cdw10;
    st = nvme_drv_exec(s->d, q, &cmd, NULL);
    guest_free(&s->d->alloc, buf);
    return st;
}

/* Format NVM of namespace 1 (LBA format 0, no secure erase). */
static void format_ns(Stress *s)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 1);
    cmd.cdw10 = 0;
    g_assert_cmphex(nvme_drv_exec(s->d, 0, &cmd, NULL), ==, NVME_SUCCESS);
}

static void stress_round(Stress *s, unsigned r)
{
    static const uint8_t acts[] = {
        ACT_NONE, ACT_DELETE, ACT_RESV, ACT_FORMAT, ACT_DELETE, ACT_RESET,
        ACT_RESV, ACT_NONE,
    };
    uint8_t act = acts[r % ARRAY_SIZE(acts)];
    uint16_t victim = 1 + r % NQ;
    bool format_round = act == ACT_FORMAT;

    for (uint16_t q = 1; q <= NQ; q++) {
        /* where the queue or its writes may go, only reads: see above */
        bool ro = act == ACT_FORMAT || act == ACT_RESET ||
                  (act == ACT_DELETE && q == victim);

        for (unsigned i = 0; i < BATCH; i++) {
            submit_rw(s, q, i, !ro && g_test_rand_bit(), format_round);
        }
    }
    switch (act) {
    case ACT_DELETE:
        g_assert_cmphex(nvme_drv_delete_sq(s->d, victim), ==, NVME_SUCCESS);
        reap(s, victim, false, false);
        g_assert_cmphex(nvme_drv_delete_cq(s->d, victim), ==, NVME_SUCCESS);
        nvme_drv_create_qpair(s->d, victim, QSIZE);
        break;
    case ACT_FORMAT:
        format_ns(s);
        break;
    case ACT_RESET:
        nvme_drv_disable(s->d);
        for (uint16_t q = 1; q <= NQ; q++) {
            reap(s, q, false, false);
        }
        /* the reservation is the namespace's: it survives the reset */
        nvme_drv_enable(s->d, QSIZE, QSIZE);
        stress_queues(s);
        break;
    case ACT_RESV: {
        /* on the queue after the victim, while the others do I/O */
        uint16_t q = 1 + (victim % NQ);

        reap(s, q, true, false);
        if (s->resv_held) {
            g_assert_cmphex(resv_cmd(s, q, OP_RELEASE, 1 << 8, RESV_KEY, 0),
                            ==, NVME_SUCCESS);
        } else {
            g_assert_cmphex(resv_cmd(s, q, OP_ACQUIRE, 1 << 8, RESV_KEY, 0),
                            ==, NVME_SUCCESS);
        }
        s->resv_held = !s->resv_held;
        break;
    }
    default:
        break;
    }
    for (uint16_t q = 1; q <= NQ; q++) {
        reap(s, q, true, format_round);
    }
    if (format_round) {
        /* settled: dropped writes ended before their queue went */
        memset(s->expect, 0, sizeof(s->expect));
        memset(s->unsure, 0, sizeof(s->unsure));
    }
}

static void test_stress(void)
{
    g_autofree char *dev = g_strdup_printf("max_ioqpairs=%d", NQ);
    Stress *s = g_new0(Stress, 1);

    s->d = nvme_drv_start(dev, NULL);
    nvme_drv_enable(s->d, QSIZE, QSIZE);
    nvme_drv_msix_enable(s->d);
    stress_queues(s);
    for (uint16_t q = 1; q <= NQ; q++) {
        for (unsigned i = 0; i < BATCH; i++) {
            s->slot[q][i].buf = nvme_drv_alloc(s->d, 4096);
        }
    }
    g_assert_cmphex(resv_cmd(s, 1, OP_REGISTER, 0, 0, RESV_KEY), ==,
                    NVME_SUCCESS);
    for (unsigned r = 0; r < ROUNDS; r++) {
        stress_round(s, r);
    }
    /* every command either completed once or went with its queue */
    g_assert_cmpuint(s->completed + s->dropped, ==, ROUNDS * NQ * BATCH);
    g_assert_cmpuint(s->completed, >, s->dropped);
    nvme_drv_stop(s->d);
    g_free(s);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/stress/io-with-admin", test_stress);
    return g_test_run();
}

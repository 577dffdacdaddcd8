/*
 * qtest: a hostile guest.  Every case misbehaves in one way (doorbells,
 * queue management, data pointers, command fields, controller state) and
 * then checks three things:
 *
 *   - the exact completion status (with DNR) the device returned;
 *   - that the controller keeps working: CSTS ready and not failed, and
 *     a write/read round trip through an I/O queue pair afterwards;
 *   - that no guest memory outside the command's buffers changed: every
 *     buffer and queue this file allocates is surrounded by guard pages
 *     filled with an address-derived pattern, and pages the device may
 *     only read (PRP lists, data of failed commands) are guarded whole.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR         NVME_DNR
#define LBASZ       512
#define NBLOCKS     (NVME_DRV_IMG_SIZE / LBASZ)
#define GUARD       4096
#define MSIX_QSIZE  65          /* default msix_qsize */
#define SLOW_DRIVE  ",throttling.iops-total=1"
#define NS_PER_S    1000000000LL

#define PC_IEN      (NVME_CQ_PC | NVME_CQ_IEN)
#define FUSE_FIRST  1
#define FUSE_SECOND 2

#define AER_RESULT(type, info, lid) \
    ((uint32_t)(type) | ((uint32_t)(info) << 8) | ((uint32_t)(lid) << 16))

/* One region of guest memory that must keep its pattern. */
typedef struct Guarded {
    uint64_t addr;
    uint32_t len;
} Guarded;

typedef struct H {
    NvmeDrv *d;
    GArray *guards;
    uint64_t next_lba;          /* round trips use fresh blocks */
    bool throttled;
} H;

/* ---------------------------------------------------------------- */
/* guard regions                                                     */

static uint8_t guard_byte(uint64_t a)
{
    return (uint8_t)(((a * 0x9e3779b1u) >> 11) ^ 0xa5);
}

static void fill_guard(NvmeDrv *d, uint64_t addr, uint32_t len)
{
    g_autofree uint8_t *p = g_malloc(len);

    for (uint32_t i = 0; i < len; i++) {
        p[i] = guard_byte(addr + i);
    }
    nvme_drv_memwrite(d, addr, p, len);
}

/* [addr, addr + len) must keep the guard pattern until the test ends. */
static void protect(H *h, uint64_t addr, uint32_t len)
{
    Guarded g = { addr, len };

    fill_guard(h->d, addr, len);
    g_array_append_val(h->guards, g);
}

/* Stop checking a region (a buffer the device is now allowed to fill). */
static void unprotect(H *h, uint64_t addr)
{
    for (guint i = 0; i < h->guards->len; i++) {
        if (g_array_index(h->guards, Guarded, i).addr == addr) {
            g_array_remove_index(h->guards, i);
            return;
        }
    }
    g_assert_not_reached();
}

static void check_guards(H *h)
{
    for (guint i = 0; i < h->guards->len; i++) {
        Guarded *g = &g_array_index(h->guards, Guarded, i);
        g_autofree uint8_t *p = g_malloc(g->len);

        nvme_drv_memread(h->d, g->addr, p, g->len);
        for (uint32_t j = 0; j < g->len; j++) {
            if (p[j] != guard_byte(g->addr + j)) {
                g_error("guest memory at 0x%" PRIx64 " changed: 0x%02x, "
                        "guard 0x%02x (region 0x%" PRIx64 "+0x%x)",
                        g->addr + j, p[j], guard_byte(g->addr + j),
                        g->addr, g->len);
            }
        }
    }
}

/* Zeroed page-aligned buffer with guard pages on both sides. */
static uint64_t galloc(H *h, uint32_t len)
{
    uint32_t span = ROUND_UP(len, 4096);
    uint64_t a = nvme_drv_alloc(h->d, span + 2 * GUARD);

    protect(h, a, GUARD);
    protect(h, a + GUARD + span, GUARD);
    if (span > len) {
        protect(h, a + GUARD + len, span - len);
    }
    return a + GUARD;
}

/* A buffer the device must not write at all (read-only for it). */
static uint64_t galloc_ro(H *h, uint32_t len)
{
    uint64_t a = galloc(h, len);

    protect(h, a, len);
    return a;
}

/* ---------------------------------------------------------------- */
/* controller set-up with guarded queues                             */

static void h_enable(H *h, uint16_t entries)
{
    NvmeDrv *d = h->d;
    uint64_t asq = galloc(h, entries * 64);
    uint64_t acq = galloc(h, entries * 16);

    nvme_drv_forget_queues(d);
    nvme_drv_wr32(d, NVME_REG_AQA, ((uint32_t)(entries - 1) << 16) |
                  (entries - 1));
    nvme_drv_wr64_split(d, NVME_REG_ASQ, asq);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, acq);
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY | NVME_CSTS_FAILED,
                                     NVME_CSTS_READY, 2000));
    d->page_size = 4096;
    d->sq[0] = (NvmeDrvSQ) { .live = true, .addr = asq, .size = entries };
    d->cq[0].live = true;
    d->cq[0].addr = acq;
    d->cq[0].size = entries;
    d->cq[0].head = 0;
    d->cq[0].phase = 1;
    d->cq[0].vector = 0;
    d->cq[0].ien = true;
}

static H *h_new(const char *dev_props, const char *drive_opts)
{
    H *h = g_new0(H, 1);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw%s "
        "-device nvme,drive=d0,serial=hostile%s%s",
        drive_opts ? drive_opts : "", dev_props ? "," : "",
        dev_props ? dev_props : "");

    h->d = nvme_drv_start_args(args);
    h->guards = g_array_new(false, false, sizeof(Guarded));
    h->next_lba = 4096;
    h->throttled = drive_opts && strstr(drive_opts, "throttling");
    return h;
}

/* Started, MSI-X on, enabled with 32-entry guarded admin queues. */
static H *h_start(const char *dev_props)
{
    H *h = h_new(dev_props, NULL);

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    return h;
}

static uint16_t admin(H *h, NvmeCmd *cmd, NvmeCqe *cqe)
{
    return nvme_drv_exec(h->d, 0, cmd, cqe);
}

static uint16_t create_cq_raw(H *h, uint16_t qid, uint16_t qsize0,
                              uint16_t flags, uint16_t vector, uint64_t addr)
{
    return nvme_drv_create_cq_raw(h->d, qid, qsize0, flags, vector, addr);
}

static uint16_t create_sq_raw(H *h, uint16_t qid, uint16_t qsize0,
                              uint16_t flags, uint16_t cqid, uint64_t addr)
{
    return nvme_drv_create_sq_raw(h->d, qid, qsize0, flags, cqid, addr);
}

/* Guarded I/O CQ; the driver's state follows on success. */
static uint16_t h_create_cq(H *h, uint16_t qid, uint32_t entries,
                            uint16_t vector)
{
    return nvme_drv_create_cq_at(h->d, qid, entries, vector, true,
                                 galloc(h, entries * 16));
}

static uint16_t h_create_sq(H *h, uint16_t qid, uint16_t cqid,
                            uint32_t entries)
{
    return nvme_drv_create_sq_at(h->d, qid, cqid, entries,
                                 galloc(h, entries * 64));
}

static void h_qpair(H *h, uint16_t qid, uint32_t entries)
{
    uint16_t vector = h->d->msix ? qid % h->d->msix_vectors : 0;

    g_assert_cmphex(h_create_cq(h, qid, entries, vector), ==, NVME_SUCCESS);
    g_assert_cmphex(h_create_sq(h, qid, qid, entries), ==, NVME_SUCCESS);
}

/* Delete I/O SQ @qid; it must succeed. */
static void h_delete_sq(H *h, uint16_t qid)
{
    g_assert_cmphex(nvme_drv_delete_sq(h->d, qid), ==, NVME_SUCCESS);
}

/* ---------------------------------------------------------------- */
/* I/O and checks                                                    */

static void fill_data(uint8_t *p, uint32_t len, uint32_t seed)
{
    for (uint32_t i = 0; i < len; i++) {
        p[i] = (uint8_t)(i * 7 + seed * 13 + (i >> 9));
    }
}

static uint16_t rw_raw(H *h, uint16_t qid, uint8_t opc, uint32_t nsid,
                       uint64_t slba, uint32_t nlb0, uint64_t prp1,
                       uint64_t prp2, NvmeCqe *cqe)
{
    return nvme_drv_rw_prp(h->d, qid, opc, nsid, slba, nlb0, prp1, prp2, cqe);
}

/* Write 8 blocks through guarded PRPs on @qid, read them back, compare. */
static void roundtrip(H *h, uint16_t qid)
{
    enum { LEN = 8 * LBASZ };
    uint8_t src[LEN], dst[LEN];
    uint64_t w = galloc(h, LEN), r = galloc(h, LEN);
    uint64_t lba = h->next_lba;

    h->next_lba += 8;
    fill_data(src, LEN, lba);
    nvme_drv_memwrite(h->d, w, src, LEN);
    g_assert_cmphex(rw_raw(h, qid, NVME_CMD_WRITE, 1, lba, 7, w, 0, NULL),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(rw_raw(h, qid, NVME_CMD_READ, 1, lba, 7, r, 0, NULL),
                    ==, NVME_SUCCESS);
    nvme_drv_memread(h->d, r, dst, LEN);
    g_assert_cmpmem(src, LEN, dst, LEN);
}

static void unthrottle(H *h)
{
    QDict *rsp;

    if (!h->throttled) {
        return;
    }
    rsp = qtest_qmp(h->d->qts, "{'execute': 'block_set_io_throttle', "
                    "'arguments': {'device': 'd0', 'bps': 0, 'bps_rd': 0, "
                    "'bps_wr': 0, 'iops': 0, 'iops_rd': 0, 'iops_wr': 0}}");
    g_assert_false(qdict_haskey(rsp, "error"));
    qobject_unref(rsp);
    h->throttled = false;
}

static void assert_ready(H *h)
{
    uint32_t csts = nvme_drv_rd32(h->d, NVME_REG_CSTS);

    g_assert_cmphex(csts & (NVME_CSTS_READY | NVME_CSTS_FAILED), ==,
                    NVME_CSTS_READY);
}

/*
 * The controller still works: ready, not failed, and a round trip on an
 * I/O queue pair (created if none is live; a free qid is picked).
 */
static void alive(H *h)
{
    NvmeDrv *d = h->d;
    uint16_t qid;

    unthrottle(h);
    assert_ready(h);
    for (qid = 1; qid <= NVME_DRV_MAX_QID; qid++) {
        if (d->sq[qid].live && d->cq[d->sq[qid].cqid].live) {
            break;
        }
    }
    if (qid > NVME_DRV_MAX_QID) {
        for (qid = 1; d->sq[qid].live || d->cq[qid].live; qid++) {
            /* first qid with neither queue */
        }
        h_qpair(h, qid, 16);
    }
    roundtrip(h, qid);
    check_guards(h);
}

static void h_finish(H *h)
{
    alive(h);
    g_array_free(h->guards, true);
    nvme_drv_stop(h->d);
    g_free(h);
}

/* No completion shows up on CQ @qid within @ms. */
static void expect_no_cqe(H *h, uint16_t qid, uint32_t ms)
{
    NvmeCqe cqe;

    if (nvme_drv_poll_cqe(h->d, qid, &cqe, ms, false)) {
        g_error("unexpected completion on CQ %u: sq %u cid %u status 0x%x",
                qid, cqe.sq_id, cqe.cid, NVME_DRV_STATUS(&cqe));
    }
}

/* Registers 00h-37h and the whole MSI-X table. */
typedef struct RegSnap {
    uint32_t regs[14];
    uint32_t msix[MSIX_QSIZE * 4];
} RegSnap;

static void snap_regs(H *h, RegSnap *s)
{
    NvmeDrv *d = h->d;

    for (int i = 0; i < 14; i++) {
        s->regs[i] = nvme_drv_rd32(d, i * 4);
    }
    for (int i = 0; i < d->msix_vectors * 4; i++) {
        s->msix[i] = qpci_io_readl(d->pdev, d->pdev->msix_table_bar,
                                   d->pdev->msix_table_off + i * 4);
    }
}

static void assert_regs_unchanged(H *h, const RegSnap *before)
{
    RegSnap now;

    snap_regs(h, &now);
    g_assert_cmpmem(before->regs, sizeof(before->regs), now.regs,
                    sizeof(now.regs));
    g_assert_cmpmem(before->msix, h->d->msix_vectors * 16, now.msix,
                    h->d->msix_vectors * 16);
}

static uint64_t bar0(H *h)
{
    return h->d->bar.addr;
}

static uint64_t msix_table(H *h)
{
    return h->d->pdev->msix_table_bar.addr + h->d->pdev->msix_table_off;
}

/* ---- asynchronous events ---- */

static uint16_t aer_submit(H *h)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    return nvme_drv_submit(h->d, 0, &cmd);
}

static void aer_expect(H *h, uint16_t cid, uint8_t info)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(h->d, 0, cid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result, ==,
                    AER_RESULT(NVME_AER_TYPE_ERROR, info,
                               NVME_LOG_ERROR_INFO));
}

static uint16_t get_log(H *h, uint8_t lid, uint32_t nsid, bool rae,
                        uint32_t len, NvmeCqe *cqe)
{
    NvmeCmd cmd;
    uint64_t buf = galloc(h, len);
    uint32_t numd = len / 4 - 1;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, nsid);
    nvme_drv_cmd_set_prp(h->d, &cmd, buf, len);
    cmd.cdw10 = lid | (rae ? 1u << 15 : 0) | ((numd & 0xffff) << 16);
    cmd.cdw11 = numd >> 16;
    return admin(h, &cmd, cqe);
}

/* Read the error log without RAE (unmasks error events). */
static void read_error_log(H *h)
{
    g_assert_cmphex(get_log(h, NVME_LOG_ERROR_INFO, 0, false, 64, NULL), ==,
                    NVME_SUCCESS);
}

/*
 * An invalid doorbell write raises an Error event with @info (Invalid
 * Doorbell Register 0 / Invalid Doorbell Write Value 1), log page 01h.
 */
static void expect_db_event(H *h, uint8_t info)
{
    uint16_t cid = aer_submit(h);

    aer_expect(h, cid, info);
    read_error_log(h);
}

/* ---------------------------------------------------------------- */
/* doorbells                                                         */

/* SQ tail doorbell of an I/O queue that was never created. */
static void test_db_sq_missing(void)
{
    H *h = h_start(NULL);
    uint16_t cid = aer_submit(h);

    nvme_drv_raw_db(h->d, 5, false, 1);
    aer_expect(h, cid, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    read_error_log(h);
    h_finish(h);
}

/* CQ head doorbell of a queue that was deleted. */
static void test_db_cq_deleted(void)
{
    H *h = h_start(NULL);

    h_qpair(h, 3, 8);
    h_delete_sq(h, 3);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 3), ==, NVME_SUCCESS);
    nvme_drv_raw_db(h->d, 3, true, 1);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    nvme_drv_raw_db(h->d, 3, false, 1);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    h_finish(h);
}

/*
 * Doorbells of qids above max_ioqpairs, up to the last dword before the
 * MSI-X table: each is an Invalid Doorbell Register event.
 */
static void test_db_qid_beyond_max(void)
{
    H *h = h_start("max_ioqpairs=4");
    uint32_t last = h->d->pdev->msix_table_off - 4;
    RegSnap s;

    g_assert_cmphex(h->d->pdev->msix_table_off, >, 0x1000 + 5 * 8);
    snap_regs(h, &s);
    nvme_drv_raw_db(h->d, 5, false, 1);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    nvme_drv_raw_db(h->d, 200, true, 0);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    nvme_drv_wr32(h->d, last, 0xffffffff);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    s.regs[NVME_REG_CSTS / 4] = nvme_drv_rd32(h->d, NVME_REG_CSTS);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

/* SQ tail >= queue size: value event, nothing fetched. */
static void test_db_sq_tail_beyond_size(void)
{
    H *h = h_start(NULL);
    static const uint32_t vals[] = { 8, 9, 0x10000, 0xffffffff };

    h_qpair(h, 1, 8);
    for (unsigned i = 0; i < ARRAY_SIZE(vals); i++) {
        nvme_drv_raw_db(h->d, 1, false, vals[i]);
        expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
        expect_no_cqe(h, 1, 20);
    }
    h_finish(h);
}

/*
 * A CQ head doorbell value that would consume entries the controller has
 * not posted (an 8-entry CQ; @done Flushes completed and consumed first).
 */
typedef struct CqHeadCase {
    unsigned done;
    uint32_t head;
} CqHeadCase;

static const CqHeadCase cq_head_eq_size = { 0, 8 };     /* out of range */
static const CqHeadCase cq_head_nothing_posted = { 0, 1 };
static const CqHeadCase cq_head_past_posted = { 1, 3 };
static const CqHeadCase cq_head_past_posted_end = { 1, 7 };
static const CqHeadCase cq_head_backwards = { 3, 1 };   /* re-consume all */

static void test_db_cq_head(const void *opaque)
{
    const CqHeadCase *c = opaque;
    H *h = h_start(NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;

    h_qpair(h, 1, 8);
    for (unsigned i = 0; i < c->done; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, &cqe), ==, 0);
    }
    g_assert_cmpuint(h->d->cq[1].head, ==, c->done);
    nvme_drv_raw_db(h->d, 1, true, c->head);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
    h_finish(h);
}

/* Admin SQ tail beyond the admin queue: the admin queue survives. */
static void test_db_admin_sq_tail_beyond(void)
{
    H *h = h_start(NULL);
    uint16_t cid = aer_submit(h);

    nvme_drv_raw_db(h->d, 0, false, 32);
    aer_expect(h, cid, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
    read_error_log(h);
    nvme_drv_raw_db(h->d, 0, true, 33);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
    h_finish(h);
}

/*
 * Doorbell accesses narrower than 32 bits are not valid register accesses
 * (NVMe Base 3.1: registers are accessed in their native width): they
 * must be dropped without fetching anything or raising an event.
 */
static void db_narrow(int width)
{
    H *h = h_start(NULL);
    NvmeCmd cmd;
    uint32_t db;

    h_qpair(h, 1, 8);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.cid = 0x77;
    nvme_drv_sq_put(h->d, 1, &cmd);
    db = nvme_drv_sq_db(h->d, 1);
    for (int off = 0; off < 4; off += width) {
        if (width == 1) {
            qpci_io_writeb(h->d->pdev, h->d->bar, db + off, 1);
        } else {
            qpci_io_writew(h->d->pdev, h->d->bar, db + off, 1);
        }
    }
    expect_no_cqe(h, 1, 100);
    /* no event either: an AER stays outstanding */
    aer_submit(h);
    expect_no_cqe(h, 0, 100);
    /* the proper write submits the command that was waiting */
    nvme_drv_sq_ring(h->d, 1);
    nvme_drv_wait_cid(h->d, 1, 0x77, &(NvmeCqe){ 0 });
    h_finish(h);
}

static void test_db_width_1(void)
{
    db_narrow(1);
}

static void test_db_width_2(void)
{
    db_narrow(2);
}

/* 32-bit writes at offsets not dword aligned are dropped too. */
static void test_db_misaligned(void)
{
    H *h = h_start(NULL);
    NvmeCmd cmd;
    uint32_t db;

    h_qpair(h, 1, 8);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.cid = 0x78;
    nvme_drv_sq_put(h->d, 1, &cmd);
    db = nvme_drv_sq_db(h->d, 1);
    for (int off = 1; off < 4; off++) {
        qtest_writel(h->d->qts, bar0(h) + db + off, 1);
    }
    expect_no_cqe(h, 1, 100);
    aer_submit(h);
    expect_no_cqe(h, 0, 100);
    nvme_drv_sq_ring(h->d, 1);
    nvme_drv_wait_cid(h->d, 1, 0x78, &(NvmeCqe){ 0 });
    h_finish(h);
}

/*
 * A 64-bit write over SQ y tail and CQ y head: QEMU splits it into the
 * two 32-bit doorbells, which then act as two ordinary writes.
 */
static void test_db_width_8(void)
{
    H *h = h_start(NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;

    h_qpair(h, 1, 8);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.cid = 0x79;
    nvme_drv_sq_put(h->d, 1, &cmd);
    nvme_drv_wr64(h->d, nvme_drv_sq_db(h->d, 1), 1);   /* tail 1, head 0 */
    g_assert_true(nvme_drv_poll_cqe(h->d, 1, &cqe, 5000, true));
    g_assert_cmpuint(cqe.cid, ==, 0x79);
    aer_submit(h);
    expect_no_cqe(h, 0, 100);
    h_finish(h);
}

/*
 * Error events stay masked until the Error log is read without RAE: a
 * read with RAE=1 keeps the mask, a read with RAE=0 lifts it (NVMe Base
 * 5.2, Asynchronous Event Request; 5.16 Get Log Page, RAE).
 */
static void test_db_event_masked_until_log(void)
{
    H *h = h_start(NULL);
    uint16_t cid = aer_submit(h);

    nvme_drv_raw_db(h->d, 9, false, 1);
    aer_expect(h, cid, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    cid = aer_submit(h);
    nvme_drv_raw_db(h->d, 9, true, 1);
    expect_no_cqe(h, 0, 100);
    g_assert_cmphex(get_log(h, NVME_LOG_ERROR_INFO, 0, true, 64, NULL), ==,
                    NVME_SUCCESS);
    expect_no_cqe(h, 0, 100);
    read_error_log(h);
    aer_expect(h, cid, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    read_error_log(h);
    h_finish(h);
}

/* An event raised with no AER outstanding completes the next AER. */
static void test_db_event_before_request(void)
{
    H *h = h_start(NULL);

    h_qpair(h, 1, 8);
    nvme_drv_raw_db(h->d, 1, false, 100);
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
    h_finish(h);
}

/* Thousands of invalid doorbell writes: bounded, one event at a time. */
static void test_db_flood(void)
{
    H *h = h_start(NULL);

    h_qpair(h, 1, 8);
    for (int i = 0; i < 2000; i++) {
        nvme_drv_raw_db(h->d, 1 + (i % 40), i & 1, 0x8000 + i);
    }
    expect_db_event(h, NVME_AER_INFO_ERR_INVALID_DB_VALUE);
    aer_submit(h);
    /* more events were queued: the next one arrives once unmasked */
    nvme_drv_wait_cqe(h->d, 0, &(NvmeCqe){ 0 });
    read_error_log(h);
    h_finish(h);
}

/* Doorbells while the controller is disabled: ignored, no phantom I/O. */
static void test_db_while_disabled(void)
{
    H *h = h_new(NULL, NULL);

    nvme_drv_msix_enable(h->d);
    for (int q = 0; q < 8; q++) {
        nvme_drv_raw_db(h->d, q, false, 3);
        nvme_drv_raw_db(h->d, q, true, 3);
    }
    h_enable(h, 32);
    expect_no_cqe(h, 0, 100);
    aer_submit(h);
    expect_no_cqe(h, 0, 100);
    h_finish(h);
}

/*
 * An invalid doorbell write is an error not specific to a command: the
 * Error Information log the event points to gets an entry for it, with
 * SQID and CID FFFFh (NVMe Base 2.0 5.16.1.2, Error Information: "report
 * an error that is not specific to a particular command"; "If the error
 * is not specific to a particular command, this field shall be set to
 * FFFFh").  README: "Invalid register/doorbell writes raise AER + error
 * log".
 */
static void test_db_error_log_entry(void)
{
    H *h = h_start(NULL);
    uint64_t buf = galloc(h, 64);
    NvmeErrorLog before, after;
    NvmeCmd cmd;
    uint16_t cid;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0);
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = NVME_LOG_ERROR_INFO | (15u << 16);
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_memread(h->d, buf, &before, sizeof(before));
    cid = aer_submit(h);
    nvme_drv_raw_db(h->d, 7, false, 1);
    aer_expect(h, cid, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0);
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = NVME_LOG_ERROR_INFO | (15u << 16);
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_memread(h->d, buf, &after, sizeof(after));
    g_assert_cmpuint(le64_to_cpu(after.error_count), ==,
                     le64_to_cpu(before.error_count) + 1);
    g_assert_cmphex(le16_to_cpu(after.sqid), ==, 0xffff);
    g_assert_cmphex(le16_to_cpu(after.cid), ==, 0xffff);
    h_finish(h);
}

/*
 * SQ and CQ of a pair on the same memory: completions overwrite entries
 * already fetched.  Odd but harmless; the device must survive it.
 */
static void test_q_sq_cq_overlap(void)
{
    H *h = h_start(NULL);
    uint64_t mem = galloc(h, 16 * 64);
    NvmeCmd cmd;
    NvmeCqe cqe;

    g_assert_cmphex(create_cq_raw(h, 1, 15, PC_IEN, 1, mem), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(create_sq_raw(h, 1, 15, NVME_SQ_PC, 1, mem), ==,
                    NVME_SUCCESS);
    h->d->sq[1] = (NvmeDrvSQ) { .live = true, .addr = mem, .size = 16,
                                .cqid = 1 };
    h->d->cq[1].live = true;
    h->d->cq[1].addr = mem;
    h->d->cq[1].size = 16;
    h->d->cq[1].phase = 1;
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cmd.cid = 0x7a;
    nvme_drv_sq_put(h->d, 1, &cmd);
    nvme_drv_sq_ring(h->d, 1);
    g_assert_true(nvme_drv_poll_cqe(h->d, 1, &cqe, 5000, true));
    g_assert_cmpuint(cqe.cid, ==, 0x7a);
    h_delete_sq(h, 1);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 1), ==, NVME_SUCCESS);
    h_finish(h);
}

/* ---------------------------------------------------------------- */
/* queue management                                                  */

/* One Create I/O CQ that must fail with @want; guarded queue memory. */
static void bad_create_cq(const char *props, uint16_t qid, uint16_t qsize0,
                          uint16_t flags, uint16_t vector, uint32_t addr_off,
                          uint16_t want)
{
    H *h = h_start(props);
    uint64_t mem = galloc_ro(h, 64 * 1024);

    g_assert_cmphex(create_cq_raw(h, qid, qsize0, flags, vector,
                                  mem + addr_off), ==, want);
    h_finish(h);
}

static void bad_create_sq(uint16_t qid, uint16_t qsize0, uint16_t flags,
                          uint16_t cqid, uint32_t addr_off, uint16_t want)
{
    H *h = h_start(NULL);
    uint64_t mem = galloc_ro(h, 64 * 1024);

    g_assert_cmphex(h_create_cq(h, 1, 16, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(create_sq_raw(h, qid, qsize0, flags, cqid,
                                  mem + addr_off), ==, want);
    h_finish(h);
}

static void test_q_create_cq_qid0(void)
{
    bad_create_cq(NULL, 0, 15, PC_IEN, 1, 0, NVME_INVALID_QID | DNR);
}

static void test_q_create_sq_qid0(void)
{
    bad_create_sq(0, 15, NVME_SQ_PC, 1, 0, NVME_INVALID_QID | DNR);
}

static void test_q_create_cq_qid_ffff(void)
{
    bad_create_cq(NULL, 0xffff, 15, PC_IEN, 1, 0, NVME_INVALID_QID | DNR);
}

static void test_q_create_sq_qid_ffff(void)
{
    bad_create_sq(0xffff, 15, NVME_SQ_PC, 1, 0, NVME_INVALID_QID | DNR);
}

static void test_q_create_cq_size1(void)
{
    bad_create_cq(NULL, 1, 0, PC_IEN, 1, 0, NVME_MAX_QSIZE_EXCEEDED | DNR);
}

static void test_q_create_sq_size1(void)
{
    bad_create_sq(1, 0, NVME_SQ_PC, 1, 0, NVME_MAX_QSIZE_EXCEEDED | DNR);
}

/* CAP.MQES + 1 entries (0-based field MQES + 1): one too many. */
static void test_q_create_cq_over_mqes(void)
{
    bad_create_cq("mqes=63", 1, 64, PC_IEN, 1, 0,
                  NVME_MAX_QSIZE_EXCEEDED | DNR);
}

static void test_q_create_sq_size_65536(void)
{
    bad_create_sq(1, 0xffff, NVME_SQ_PC, 1, 0, NVME_MAX_QSIZE_EXCEEDED | DNR);
}

/* CAP.CQR = 1: PC = 0 is Invalid Field in Command. */
static void test_q_create_cq_pc0(void)
{
    bad_create_cq(NULL, 1, 15, NVME_CQ_IEN, 1, 0, NVME_INVALID_FIELD | DNR);
}

static void test_q_create_sq_pc0(void)
{
    bad_create_sq(1, 15, 0, 1, 0, NVME_INVALID_FIELD | DNR);
}

/* PRP1 of a contiguous queue must be page aligned (CC.MPS). */
static void test_q_create_cq_misaligned(void)
{
    bad_create_cq(NULL, 1, 15, PC_IEN, 1, 0x10, NVME_INVALID_FIELD | DNR);
}

static void test_q_create_sq_misaligned(void)
{
    bad_create_sq(1, 15, NVME_SQ_PC, 1, 0x800, NVME_INVALID_FIELD | DNR);
}

static void test_q_create_cq_vector_range(void)
{
    bad_create_cq(NULL, 1, 15, PC_IEN, MSIX_QSIZE,
                  0, NVME_INVALID_IRQ_VECTOR | DNR);
}

/* MSI-X off: only vector 0 (the pin) exists. */
static void test_q_create_cq_vector_intx(void)
{
    H *h = h_new(NULL, NULL);
    uint64_t mem;

    h_enable(h, 32);
    mem = galloc_ro(h, 4096);
    g_assert_cmphex(create_cq_raw(h, 1, 15, PC_IEN, 1, mem), ==,
                    NVME_INVALID_IRQ_VECTOR | DNR);
    h_finish(h);
}

static void test_q_create_sq_missing_cq(void)
{
    bad_create_sq(1, 15, NVME_SQ_PC, 2, 0, NVME_INVALID_CQID | DNR);
}

/* CQID 0 (the admin CQ) is invalid for an I/O SQ. */
static void test_q_create_sq_admin_cq(void)
{
    bad_create_sq(1, 15, NVME_SQ_PC, 0, 0, NVME_INVALID_CQID | DNR);
}

static void test_q_create_duplicate(void)
{
    H *h = h_start(NULL);
    uint64_t mem = galloc_ro(h, 4096);

    h_qpair(h, 2, 8);
    g_assert_cmphex(create_cq_raw(h, 2, 15, PC_IEN, 2, mem), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(create_sq_raw(h, 2, 15, NVME_SQ_PC, 2, mem), ==,
                    NVME_INVALID_QID | DNR);
    roundtrip(h, 2);
    h_finish(h);
}

/*
 * Set Features Number of Queues allocates 2 SQs and 2 CQs: qid 3 is over
 * the negotiated count for both (NVMe Base 5.27.1.5).
 */
static void test_q_create_over_nq(void)
{
    H *h = h_start(NULL);
    uint64_t mem = galloc_ro(h, 4096);
    uint32_t dw0;

    g_assert_cmphex(nvme_drv_set_features(h->d, NVME_NUMBER_OF_QUEUES,
                                          0x00010001, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0x00010001);
    g_assert_cmphex(create_cq_raw(h, 3, 15, PC_IEN, 3, mem), ==,
                    NVME_INVALID_QID | DNR);
    h_qpair(h, 2, 8);
    g_assert_cmphex(create_sq_raw(h, 3, 15, NVME_SQ_PC, 2, mem), ==,
                    NVME_INVALID_QID | DNR);
    h_finish(h);
}

/* Number of Queues after I/O queues exist: Command Sequence Error. */
static void test_q_set_nq_after_create(void)
{
    H *h = h_start(NULL);

    h_qpair(h, 1, 8);
    g_assert_cmphex(nvme_drv_set_features(h->d, NVME_NUMBER_OF_QUEUES,
                                          0x00030003, NULL), ==,
                    NVME_CMD_SEQ_ERROR | DNR);
    h_qpair(h, 5, 8);       /* the old (unlimited) count still applies */
    roundtrip(h, 5);
    h_finish(h);
}

static void test_q_delete_cq_with_sq(void)
{
    H *h = h_start(NULL);

    h_qpair(h, 1, 8);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 1), ==,
                    NVME_INVALID_QUEUE_DEL | DNR);
    roundtrip(h, 1);
    h_finish(h);
}

static void test_q_delete_qid0(void)
{
    H *h = h_start(NULL);

    g_assert_cmphex(nvme_drv_delete_sq(h->d, 0), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 0), ==, NVME_INVALID_QID | DNR);
    h_finish(h);
}

static void test_q_delete_missing(void)
{
    H *h = h_start(NULL);
    NvmeCmd cmd;

    g_assert_cmphex(nvme_drv_delete_sq(h->d, 9), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 9), ==, NVME_INVALID_QID | DNR);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DELETE_SQ, 0);
    cmd.cdw10 = 0xffff;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_INVALID_QID | DNR);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DELETE_CQ, 0);
    cmd.cdw10 = 0xffff;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_INVALID_QID | DNR);
    h_finish(h);
}

/* Submit @n one-block reads of LBA i on @qid, no waiting. */
static void queue_reads(H *h, uint16_t qid, int n, uint64_t buf)
{
    NvmeCmd cmd;

    for (int i = 0; i < n; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
        cmd.cid = 0x400 + i;
        cmd.dptr.prp1 = buf + (i % 8) * LBASZ;
        cmd.cdw10 = i;
        nvme_drv_sq_put(h->d, qid, &cmd);
    }
    nvme_drv_sq_ring(h->d, qid);
}

/* Entries in CQ memory that carry phase 1 (posted in the first pass). */
static int count_posted(H *h, uint16_t qid, uint16_t sqid)
{
    NvmeDrvCQ *cq = &h->d->cq[qid];
    g_autofree NvmeCqe *e = g_new(NvmeCqe, cq->size);
    int n = 0;

    nvme_drv_memread(h->d, cq->addr, e, cq->size * sizeof(*e));
    for (uint32_t i = 0; i < cq->size; i++) {
        if ((le16_to_cpu(e[i].status) & 1) && le16_to_cpu(e[i].sq_id) == sqid) {
            n++;
        }
    }
    return n;
}

/*
 * 64 reads stuck behind an iops throttle (the virtual clock does not run
 * under qtest), then Delete I/O SQ: it completes, and no completion for
 * the deleted SQ appears afterwards, even once the backend could run.
 */
static void test_q_delete_sq_inflight(void)
{
    H *h = h_new(NULL, SLOW_DRIVE);
    uint64_t buf;
    g_autofree uint8_t *before = NULL, *after = NULL;
    int posted;

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    h_qpair(h, 1, 128);
    buf = galloc(h, 8 * LBASZ);
    queue_reads(h, 1, 64, buf);
    g_usleep(50 * 1000);
    posted = count_posted(h, 1, 1);
    g_assert_cmpint(posted, <, 64);             /* really in flight */
    h_delete_sq(h, 1);
    before = g_malloc(128 * 16);
    after = g_malloc(128 * 16);
    nvme_drv_memread(h->d, h->d->cq[1].addr, before, 128 * 16);
    qtest_clock_step(h->d->qts, 100 * NS_PER_S);
    unthrottle(h);
    g_usleep(100 * 1000);
    nvme_drv_memread(h->d, h->d->cq[1].addr, after, 128 * 16);
    g_assert_cmpmem(before, 128 * 16, after, 128 * 16);
    g_assert_cmphex(nvme_drv_delete_cq(h->d, 1), ==, NVME_SUCCESS);
    h_qpair(h, 1, 16);
    roundtrip(h, 1);
    h_finish(h);
}

/* Two SQs on one CQ; deleting the busy one leaves the other's entries. */
static void test_q_delete_sq_inflight_shared_cq(void)
{
    H *h = h_new(NULL, SLOW_DRIVE);
    uint64_t buf;
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t cid;

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    h_qpair(h, 1, 64);
    g_assert_cmphex(h_create_sq(h, 2, 1, 64), ==, NVME_SUCCESS);
    buf = galloc(h, 8 * LBASZ);
    queue_reads(h, 2, 32, buf);
    g_usleep(20 * 1000);
    h_delete_sq(h, 2);
    /*
     * Entries of SQ 2 posted before the delete completed are visible now
     * (the CQ 1 entries were written before the admin completion); consume
     * them.  Nothing of SQ 2 may follow.
     */
    while (nvme_drv_poll_cqe(h->d, 1, &cqe, 0, true)) {
        g_assert_cmpuint(cqe.sq_id, ==, 2);
    }
    unthrottle(h);
    g_usleep(20 * 1000);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    cid = nvme_drv_submit(h->d, 1, &cmd);
    nvme_drv_wait_cqe(h->d, 1, &cqe);
    /* the next entry on the shared CQ is SQ 1's flush, nothing of SQ 2 */
    g_assert_cmpuint(cqe.sq_id, ==, 1);
    g_assert_cmpuint(cqe.cid, ==, cid);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    expect_no_cqe(h, 1, 100);
    h_finish(h);
}

/*
 * An I/O CQ whose base is the device's own doorbells: posting must not
 * write BAR0 (that would ring SQ 0).  Expected: a clean failure (here
 * CSTS.CFS) with no register touched; a reset brings the controller back.
 */
static void test_q_cq_in_bar0(void)
{
    H *h = h_start(NULL);
    RegSnap s;
    NvmeCmd cmd;
    uint32_t csts;

    g_assert_cmphex(create_cq_raw(h, 1, 15, PC_IEN, 1, bar0(h) + 0x1000),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(h_create_sq(h, 1, 1, 16), ==, NVME_SUCCESS);
    snap_regs(h, &s);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    nvme_drv_submit(h->d, 1, &cmd);
    g_usleep(100 * 1000);
    csts = nvme_drv_rd32(h->d, NVME_REG_CSTS);
    g_assert_cmphex(csts, ==, NVME_CSTS_READY | NVME_CSTS_FAILED);
    s.regs[NVME_REG_CSTS / 4] = csts;
    assert_regs_unchanged(h, &s);
    nvme_drv_disable(h->d);
    h_enable(h, 32);
    h_finish(h);
}

/* An I/O SQ in the MSI-X table: fetching must not read the device. */
static void test_q_sq_in_msix_table(void)
{
    H *h = h_start(NULL);
    RegSnap s;
    uint32_t csts;

    g_assert_cmphex(h_create_cq(h, 1, 16, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(create_sq_raw(h, 1, 15, NVME_SQ_PC, 1, msix_table(h)),
                    ==, NVME_SUCCESS);
    snap_regs(h, &s);
    nvme_drv_raw_db(h->d, 1, false, 4);
    g_usleep(100 * 1000);
    expect_no_cqe(h, 1, 50);
    csts = nvme_drv_rd32(h->d, NVME_REG_CSTS);
    g_assert_cmphex(csts, ==, NVME_CSTS_READY | NVME_CSTS_FAILED);
    s.regs[NVME_REG_CSTS / 4] = csts;
    assert_regs_unchanged(h, &s);
    nvme_drv_disable(h->d);
    h_enable(h, 32);
    h_finish(h);
}

/*
 * Rings that run past the end of guest RAM (QEMU's default 128 MiB for
 * q35; nothing is mapped above it up to the PCI window): the device maps
 * the RAM part of a ring once per pass, and the rest must still go
 * through checked DMA, so the first entry outside RAM is a clean failure.
 */
#define RAM_END     (128 * 1024 * 1024)

/* Flushes on @qid, @n per SQ doorbell write; returns the first cid. */
static uint16_t submit_flushes(H *h, uint16_t qid, uint32_t n)
{
    uint16_t first = h->d->next_cid;
    NvmeCmd cmd;

    for (uint32_t i = 0; i < n; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        cmd.cid = h->d->next_cid++;
        nvme_drv_sq_put(h->d, qid, &cmd);
    }
    nvme_drv_sq_ring(h->d, qid);
    return first;
}

/* Consume @n successful completions of cids @first.. in any order. */
static void expect_flushes(H *h, uint16_t qid, uint16_t first, uint32_t n)
{
    g_autofree bool *seen = g_new0(bool, n);
    NvmeCqe cqe;

    for (uint32_t i = 0; i < n; i++) {
        nvme_drv_wait_cqe(h->d, qid, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        g_assert_cmpuint((uint16_t)(cqe.cid - first), <, n);
        g_assert_false(seen[(uint16_t)(cqe.cid - first)]);
        seen[(uint16_t)(cqe.cid - first)] = true;
    }
}

/* Fatal status, no register touched; a reset brings the controller back. */
static void expect_fatal_and_recover(H *h, RegSnap *s)
{
    uint32_t csts;

    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_FAILED,
                                     NVME_CSTS_FAILED, 2000));
    csts = nvme_drv_rd32(h->d, NVME_REG_CSTS);
    g_assert_cmphex(csts, ==, NVME_CSTS_READY | NVME_CSTS_FAILED);
    s->regs[NVME_REG_CSTS / 4] = csts;
    assert_regs_unchanged(h, s);
    nvme_drv_disable(h->d);
    h_enable(h, 32);
    h_finish(h);
}

/*
 * An I/O CQ of 512 entries whose second half lies past the end of RAM:
 * 250 completions in RAM, then one batch of 10 whose first 6 fit in RAM.
 * Those 6 are posted whole (phase tag and all); the 7th fails.
 */
static void test_q_cq_past_ram_end(void)
{
    H *h = h_start(NULL);
    NvmeDrvCQ *cq = &h->d->cq[1];
    uint64_t base = RAM_END - 256 * 16;
    uint16_t first;
    RegSnap s;
    NvmeCqe cqe;

    g_assert_cmphex(create_cq_raw(h, 1, 511, PC_IEN, 1, base), ==,
                    NVME_SUCCESS);
    *cq = (NvmeDrvCQ) {
        .live = true, .addr = base, .size = 512, .phase = 1, .vector = 1,
        .ien = true, .stash = cq->stash,
    };
    g_array_set_size(cq->stash, 0);
    g_assert_cmphex(h_create_sq(h, 1, 1, 64), ==, NVME_SUCCESS);
    for (int i = 0; i < 5; i++) {
        first = submit_flushes(h, 1, 50);
        expect_flushes(h, 1, first, 50);
    }
    g_assert_cmpuint(cq->head, ==, 250);
    snap_regs(h, &s);
    first = submit_flushes(h, 1, 10);
    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_FAILED,
                                     NVME_CSTS_FAILED, 2000));
    for (uint32_t slot = 250; slot < 256; slot++) {
        qtest_memread(h->d->qts, base + slot * 16, &cqe, sizeof(cqe));
        g_assert_cmpuint(le16_to_cpu(cqe.status), ==, 1);  /* phase 1, OK */
        g_assert_cmpuint((uint16_t)(le16_to_cpu(cqe.cid) - first), <, 10);
        g_assert_cmpuint(le16_to_cpu(cqe.sq_id), ==, 1);
    }
    expect_fatal_and_recover(h, &s);
}

/*
 * An I/O SQ of 128 entries whose second half lies past the end of RAM:
 * the 64 entries in RAM run (two passes over them), the first fetch
 * outside RAM fails cleanly.
 */
static void test_q_sq_past_ram_end(void)
{
    H *h = h_start(NULL);
    uint64_t base = RAM_END - 64 * 64;
    uint16_t first;
    RegSnap s;

    g_assert_cmphex(h_create_cq(h, 1, 256, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(create_sq_raw(h, 1, 127, NVME_SQ_PC, 1, base), ==,
                    NVME_SUCCESS);
    h->d->sq[1] = (NvmeDrvSQ) {
        .live = true, .addr = base, .size = 128, .cqid = 1,
    };
    first = submit_flushes(h, 1, 40);
    expect_flushes(h, 1, first, 40);
    first = submit_flushes(h, 1, 24);
    expect_flushes(h, 1, first, 24);
    snap_regs(h, &s);
    /* entries 64..65: the writes are lost, the fetch must fail */
    submit_flushes(h, 1, 2);
    expect_no_cqe(h, 1, 100);
    expect_fatal_and_recover(h, &s);
}

/* ---------------------------------------------------------------- */
/* data pointers                                                     */

static H *h_start_io(const char *props)
{
    H *h = h_start(props);

    h_qpair(h, 1, 32);
    return h;
}

/*
 * A read of 3 pages whose PRP list is the device's own BAR0 (@in_msix:
 * the MSI-X table).  The list read must not reach the device.
 */
static void prp_list_in_device(bool in_msix, uint8_t opc)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 3 * 4096);
    uint64_t list = in_msix ? msix_table(h) : bar0(h);
    RegSnap s;

    snap_regs(h, &s);
    g_assert_cmphex(rw_raw(h, 1, opc, 1, 0, 23, buf, list, NULL), ==,
                    NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

static void test_prp_list_in_bar0(void)
{
    prp_list_in_device(false, NVME_CMD_READ);
}

static void test_prp_list_in_msix_table(void)
{
    prp_list_in_device(true, NVME_CMD_WRITE);
}

/* Data pages in BAR0 (doorbells, MSI-X table), directly or in a list. */
static void test_prp_data_in_doorbells(void)
{
    H *h = h_start_io(NULL);
    RegSnap s;

    snap_regs(h, &s);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 7, bar0(h) + 0x1000, 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 0, bar0(h) + 0x14, 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

static void test_prp_data_in_msix_table(void)
{
    H *h = h_start_io(NULL);
    RegSnap s;

    snap_regs(h, &s);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 7, msix_table(h), 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, 7, msix_table(h), 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

/* PRP1 in RAM, PRP2 in BAR0: rejected before any data moves. */
static void test_prp_prp2_in_bar0(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);
    RegSnap s;

    snap_regs(h, &s);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 15, buf, bar0(h), NULL),
                    ==, NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

/* Write a PRP list (host side) into guarded memory the device only reads. */
static uint64_t make_list(H *h, const uint64_t *ents, int n, uint32_t off)
{
    uint64_t page = galloc(h, 4096);
    g_autofree uint64_t *le = g_new(uint64_t, n);

    for (int i = 0; i < n; i++) {
        le[i] = cpu_to_le64(ents[i]);
    }
    nvme_drv_memwrite(h->d, page + off, le, n * 8);
    /* the device only reads the list page: guard what is not the list */
    if (off) {
        protect(h, page, off);
    }
    protect(h, page + off + n * 8, 4096 - off - n * 8);
    return page + off;
}

/* A list entry in BAR0 among good ones. */
static void test_prp_list_entry_in_bar0(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4 * 4096);
    uint64_t ents[3] = { buf + 0x1000, bar0(h) + 0x1000, buf + 0x3000 };
    uint64_t list = make_list(h, ents, 3, 0);
    RegSnap s;

    snap_regs(h, &s);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 31, buf, list, NULL),
                    ==, NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

/* A list entry after the first with a non-zero page offset. */
static void test_prp_list_entry_offset(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4 * 4096);
    uint64_t ents[3] = { buf + 0x1000, buf + 0x2200, buf + 0x3000 };
    uint64_t list = make_list(h, ents, 3, 0);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 31, buf, list, NULL),
                    ==, NVME_INVALID_PRP_OFFSET | DNR);
    h_finish(h);
}

/* PRP2 used as a list pointer must be qword aligned. */
static void test_prp_list_pointer_misaligned(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4 * 4096);
    uint64_t ents[4] = { 0, buf + 0x1000, buf + 0x2000, buf + 0x3000 };
    uint64_t list = make_list(h, ents, 4, 0);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, 31, buf, list + 8 + 4,
                           NULL), ==, NVME_INVALID_PRP_OFFSET | DNR);
    h_finish(h);
}

/* PRP1 must be dword aligned; PRP2 as a data page must be page aligned. */
static void test_prp_offsets_direct(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 2 * 4096);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 0, buf + 1, 0, NULL),
                    ==, NVME_INVALID_PRP_OFFSET | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 15, buf, buf + 0x1008,
                           NULL), ==, NVME_INVALID_PRP_OFFSET | DNR);
    h_finish(h);
}

/*
 * A list whose last entry points back to itself (mdts=0 so one command
 * needs more than one list page).  The walk is bounded by the transfer
 * length: 1024 pages = PRP1 + 511 list entries + the same list again,
 * now read as 512 data entries (the remainder fits), so the last page of
 * the transfer is the list page itself.  Nothing in the spec makes that
 * invalid, so it succeeds; the other pages are the one data page.
 */
static void test_prp_list_loop_self(void)
{
    enum { PAGES = 1024, NLB = PAGES * 4096 / LBASZ };
    H *h = h_start_io("mdts=0");
    uint64_t data = galloc_ro(h, 4096);
    uint64_t list = galloc_ro(h, 4096);
    g_autofree uint64_t *ents = g_new(uint64_t, 512);
    g_autofree uint8_t *page = g_malloc(4096), *img = g_malloc(4096);

    unprotect(h, list);
    for (int i = 0; i < 511; i++) {
        ents[i] = cpu_to_le64(data);
    }
    ents[511] = cpu_to_le64(list);
    nvme_drv_memwrite(h->d, list, ents, 4096);
    unprotect(h, data);
    fill_data(page, 4096, 99);
    nvme_drv_memwrite(h->d, data, page, 4096);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, NLB - 1, data, list,
                           NULL), ==, NVME_SUCCESS);
    for (int p = 0; p < PAGES; p += 97) {
        g_assert_cmpint(pread(h->d->img_fd, img, 4096, p * 4096ULL), ==, 4096);
        g_assert_cmpmem(page, 4096, img, 4096);
    }
    h_finish(h);
}

/*
 * A list starting in the last qword of a page holds no data entry, only a
 * pointer to the next list page, here back to itself: following it would
 * never end.  A chained list pointer has no page offset (only PRP1 and
 * the command's list pointer do), so the device rejects it as an invalid
 * PRP offset.
 */
static void test_prp_list_loop_last_slot(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4 * 4096);
    uint64_t page = galloc(h, 4096);
    uint64_t list = page + 4096 - 8;
    uint64_t ent = cpu_to_le64(list);

    nvme_drv_memwrite(h->d, list, &ent, 8);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 31, buf, list, NULL),
                    ==, NVME_INVALID_PRP_OFFSET | DNR);
    h_finish(h);
}

/* NLB over MDTS (4 KiB << 7): refused before any data moves. */
static void test_prp_over_mdts(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 130 * 4096);
    uint64_t p1, p2;

    nvme_drv_build_prp(h->d, buf, 129 * 4096, 0, &p1, &p2);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 129 * 8 - 1, p1, p2,
                           NULL), ==, NVME_INVALID_FIELD | DNR);
    h_finish(h);
}

/* Memory that does not exist (0xfff00000000) as a data page. */
static void test_prp_nonexistent_data(void)
{
    H *h = h_start_io(NULL);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 7, 0xfff00000000ULL, 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, 7, 0xfff00000000ULL, 0,
                           NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    h_finish(h);
}

/* A PRP list that lives in memory that does not exist. */
static void test_prp_nonexistent_list(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 23, buf,
                           0xfff00000000ULL, NULL), ==,
                    NVME_DATA_TRAS_ERROR | DNR);
    h_finish(h);
}

/* A list entry pointing at memory that does not exist. */
static void test_prp_nonexistent_list_entry(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4 * 4096);
    uint64_t ents[3] = { buf + 0x1000, 0xfff00000000ULL, buf + 0x3000 };
    uint64_t list = make_list(h, ents, 3, 0);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, 31, buf, list, NULL),
                    ==, NVME_DATA_TRAS_ERROR | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 31, buf, list, NULL),
                    ==, NVME_DATA_TRAS_ERROR | DNR);
    h_finish(h);
}

/* Identify (admin, 4 KiB) into BAR0: the registers stay as they were. */
static void test_prp_admin_into_bar0(void)
{
    H *h = h_start(NULL);
    NvmeCmd cmd;
    RegSnap s;

    snap_regs(h, &s);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.dptr.prp1 = bar0(h);
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_DATA_TRAS_ERROR | DNR);
    assert_regs_unchanged(h, &s);
    h_finish(h);
}

/* ---------------------------------------------------------------- */
/* command fields                                                    */

/*
 * Reserved and unused fields of a Read set to all ones: CDW2-3, MPTR
 * (no metadata), CDW12 bits 16-25 (reserved / DTYPE), CDW13 (DSM hints),
 * CDW14-15 (no protection information).  They are ignored.
 */
static void test_cmd_read_reserved_ignored(void)
{
    H *h = h_start_io(NULL);
    uint8_t src[4 * LBASZ], dst[4 * LBASZ];
    uint64_t w = galloc(h, sizeof(src)), r = galloc(h, sizeof(dst));
    NvmeCmd cmd;

    fill_data(src, sizeof(src), 7);
    nvme_drv_memwrite(h->d, w, src, sizeof(src));
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 100, 3, w, 0, NULL), ==,
                    NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    cmd.res1 = ~0ULL;
    cmd.mptr = 0xfff00000000ULL;
    cmd.dptr.prp1 = r;
    cmd.cdw10 = 100;
    cmd.cdw12 = 3 | 0x03ff0000;
    cmd.cdw13 = 0xffffffff;
    cmd.cdw14 = 0xffffffff;
    cmd.cdw15 = 0xffffffff;
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_memread(h->d, r, dst, sizeof(dst));
    g_assert_cmpmem(src, sizeof(src), dst, sizeof(dst));
    h_finish(h);
}

/* Identify Controller with reserved CDW2-3, CDW12-15 and NSID set. */
static void test_cmd_identify_reserved_ignored(void)
{
    H *h = h_start(NULL);
    uint64_t buf = galloc(h, 4096);
    NvmeIdCtrl id;
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.res1 = ~0ULL;
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = NVME_ID_CNS_CTRL | 0x0000ff00;     /* bits 15:8 reserved */
    cmd.cdw12 = cmd.cdw13 = cmd.cdw15 = 0xffffffff;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_memread(h->d, buf, &id, sizeof(id));
    g_assert_cmpmem(id.sn, 7, "hostile", 7);
    h_finish(h);
}

/* Invalid NSIDs 0, FFFFFFFFh, over NN (257, 80000000h) on Read/Write. */
static void bad_nsid_rw(uint8_t opc)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);
    static const uint32_t nsids[] = { 0, NVME_NSID_BROADCAST, 257,
                                      0x80000000 };

    for (unsigned i = 0; i < ARRAY_SIZE(nsids); i++) {
        g_assert_cmphex(rw_raw(h, 1, opc, nsids[i], 0, 7, buf, 0, NULL), ==,
                        NVME_INVALID_NSID | DNR);
    }
    h_finish(h);
}

static void test_cmd_read_bad_nsid(void)
{
    bad_nsid_rw(NVME_CMD_READ);
}

static void test_cmd_write_bad_nsid(void)
{
    bad_nsid_rw(NVME_CMD_WRITE);
}

/*
 * An inactive NSID (2: valid, no namespace attached) on I/O commands.
 * NVMe Base 1.4 6.1.5 / 2.0 3.2.1.5 (NSID and namespace usage):
 * "Specifying an inactive NSID in a command that uses the NSID field
 * shall cause the controller to abort the command with status Invalid
 * Field in Command unless otherwise specified"; Invalid Namespace or
 * Format is for invalid NSIDs (0, over NN, broadcast where not allowed).
 */
static void test_cmd_io_inactive_nsid(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);
    NvmeCmd cmd;

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 2, 0, 7, buf, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 2, 0, 7, buf, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 2);
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    h_finish(h);
}

static void test_cmd_flush_bad_nsid(void)
{
    H *h = h_start_io(NULL);
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 0);
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 257);
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    h_finish(h);
}

static uint16_t identify_into(H *h, uint8_t cns, uint32_t nsid, uint64_t buf)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, nsid);
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = cns;
    return admin(h, &cmd, NULL);
}

/*
 * Identify Namespace: NSID 0 and over NN are invalid, FFFFFFFFh too
 * without namespace management; an inactive NSID returns zeroes.
 */
static void test_cmd_identify_ns_nsids(void)
{
    H *h = h_start(NULL);
    uint64_t ro = galloc_ro(h, 4096);
    uint64_t buf = galloc(h, 4096);
    uint8_t id[4096], zero[4096] = { 0 };

    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS, 0, ro), ==,
                    NVME_INVALID_NSID | DNR);
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS, NVME_NSID_BROADCAST, ro),
                    ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS, 257, ro), ==,
                    NVME_INVALID_NSID | DNR);
    memset(id, 0xee, sizeof(id));
    nvme_drv_memwrite(h->d, buf, id, sizeof(id));
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS, 2, buf), ==,
                    NVME_SUCCESS);
    nvme_drv_memread(h->d, buf, id, sizeof(id));
    g_assert_cmpmem(id, sizeof(id), zero, sizeof(zero));
    h_finish(h);
}

/* Active NS list from FFFFFFFEh / FFFFFFFFh: Invalid Namespace. */
static void test_cmd_identify_list_nsids(void)
{
    H *h = h_start(NULL);
    uint64_t ro = galloc_ro(h, 4096);

    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS_ACTIVE_LIST, 0xfffffffe,
                                  ro), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS_ACTIVE_LIST,
                                  NVME_NSID_BROADCAST, ro), ==,
                    NVME_INVALID_NSID | DNR);
    /* descriptors of a valid but inactive NSID: Invalid Field (1.4+) */
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS_DESCR_LIST, 2, ro), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(identify_into(h, NVME_ID_CNS_NS_DESCR_LIST, 257, ro), ==,
                    NVME_INVALID_NSID | DNR);
    h_finish(h);
}

/*
 * Get Log Page NSIDs: the Error log is controller scope (NSID 0 or
 * FFFFFFFFh); SMART per namespace (LPA bit 0) takes an active NSID, and
 * rejects an inactive one with Invalid Field, an invalid one with Invalid
 * Namespace or Format.
 */
static void test_cmd_get_log_nsids(void)
{
    H *h = h_start(NULL);

    g_assert_cmphex(get_log(h, NVME_LOG_ERROR_INFO, 0, true, 64, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get_log(h, NVME_LOG_ERROR_INFO, NVME_NSID_BROADCAST, true,
                            64, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(get_log(h, NVME_LOG_SMART_INFO, NVME_NSID_BROADCAST,
                            true, 512, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(get_log(h, NVME_LOG_SMART_INFO, 1, true, 512, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get_log(h, NVME_LOG_SMART_INFO, 2, true, 512, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(get_log(h, NVME_LOG_SMART_INFO, 257, true, 512, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    h_finish(h);
}

/* SLBA + NLB wrapping past 2^64 must not pass the range check. */
static void test_cmd_lba_wrap_64(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 8 * LBASZ);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, UINT64_MAX, 1, buf, 0,
                           NULL), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, UINT64_MAX - 1, 3, buf, 0,
                           NULL), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 1ULL << 63, 7, buf, 0,
                           NULL), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, NBLOCKS - 1, 1, buf, 0,
                           NULL), ==, NVME_LBA_RANGE | DNR);
    h_finish(h);
}

/*
 * NLB field 0x3fff (8 MiB, inside the 16 MiB namespace) with a one-page
 * buffer: over MDTS.  (0xffff would be out of the namespace, and LBA Out
 * of Range is just as valid an answer then.)
 */
static void test_cmd_nlb_over_mdts(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);

    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_WRITE, 1, 0, 0x3fff, buf, 0, NULL),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 128 * 8, buf, 0, NULL),
                    ==, NVME_INVALID_FIELD | DNR);
    h_finish(h);
}

/*
 * 65536 blocks of 64 KiB are 4 GiB, which a 32-bit transfer length wraps
 * to 0: the Read must still be over MDTS, not an empty success.
 */
static void test_cmd_nlb_over_mdts_64k(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive driver=null-co,size=8G,read-zeroes=on,if=none,id=d0 "
        "-device nvme,drive=d0,serial=hostile,logical_block_size=65536,"
        "physical_block_size=65536");
    uint64_t buf;
    NvmeCmd cmd;

    nvme_drv_ready_io(d, 32);
    buf = nvme_drv_alloc(d, 4096);
    for (uint8_t opc = NVME_CMD_WRITE; opc <= NVME_CMD_READ; opc++) {
        nvme_drv_cmd_init(&cmd, opc, 1);
        cmd.dptr.prp1 = buf;
        cmd.cdw12 = 0xffff;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    nvme_drv_stop(d);
}

/* Abort of commands that do not exist: completes, "not aborted". */
static void test_cmd_abort_unknown(void)
{
    H *h = h_start_io(NULL);
    static const uint32_t targets[][2] = {
        { 1, 0x1234 }, { 0, 0xffff }, { 77, 1 }, { 0xffff, 0xffff },
    };
    NvmeCmd cmd;
    NvmeCqe cqe;

    for (unsigned i = 0; i < ARRAY_SIZE(targets); i++) {
        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ABORT, 0);
        cmd.cdw10 = targets[i][0] | (targets[i][1] << 16);
        g_assert_cmphex(admin(h, &cmd, &cqe), ==, NVME_SUCCESS);
        g_assert_cmphex(cqe.result & 1, ==, 1);
    }
    h_finish(h);
}

/* aerl=0: one AER may be outstanding, the second is over the limit. */
static void test_cmd_aer_over_aerl(void)
{
    H *h = h_start("aerl=0");
    NvmeCmd cmd;
    uint16_t first;

    first = aer_submit(h);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_AER_LIMIT_EXCEEDED | DNR);
    /* the first is still outstanding and still works */
    nvme_drv_raw_db(h->d, 9, false, 1);
    aer_expect(h, first, NVME_AER_INFO_ERR_INVALID_DB_REGISTER);
    read_error_log(h);
    h_finish(h);
}

/* Put a fused Compare/Write of block 50 on @qid (not rung). */
static uint16_t put_fused(H *h, uint16_t qid, uint8_t opc, uint8_t fuse,
                          uint64_t buf, uint16_t cid)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, 1);
    cmd.flags = fuse;
    cmd.cid = cid;
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = 50;
    nvme_drv_sq_put(h->d, qid, &cmd);
    return cid;
}

static uint16_t wait_status(H *h, uint16_t cqid, uint16_t cid)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(h->d, cqid, cid, &cqe);
    return NVME_DRV_STATUS(&cqe);
}

/* Block 50 still holds what was written before the fused attempt. */
static void expect_block50(H *h, uint8_t val)
{
    uint8_t blk[LBASZ], want[LBASZ];

    memset(want, val, sizeof(want));
    g_assert_cmpint(pread(h->d->img_fd, blk, LBASZ, 50 * LBASZ), ==, LBASZ);
    g_assert_cmpmem(want, LBASZ, blk, LBASZ);
}

/*
 * Fused halves split across queues: the first is the last entry of SQ 1
 * and the second has no first on SQ 2.  Both are Missing Fused Command;
 * the write does not happen.
 */
static void test_cmd_fused_split_queues(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc(h, LBASZ);

    h_qpair(h, 2, 8);
    put_fused(h, 1, NVME_CMD_COMPARE, FUSE_FIRST, buf, 0x500);
    put_fused(h, 2, NVME_CMD_WRITE, FUSE_SECOND, buf, 0x501);
    nvme_drv_sq_ring(h->d, 1);
    nvme_drv_sq_ring(h->d, 2);
    g_assert_cmphex(wait_status(h, 1, 0x500), ==,
                    NVME_CMD_ABORT_MISSING_FUSE);
    g_assert_cmphex(wait_status(h, 2, 0x501), ==,
                    NVME_CMD_ABORT_MISSING_FUSE);
    h_finish(h);
}

/* A second fused command with no first at all. */
static void test_cmd_fused_second_alone(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc(h, LBASZ);

    put_fused(h, 1, NVME_CMD_WRITE, FUSE_SECOND, buf, 0x510);
    nvme_drv_sq_ring(h->d, 1);
    g_assert_cmphex(wait_status(h, 1, 0x510), ==,
                    NVME_CMD_ABORT_MISSING_FUSE);
    expect_block50(h, 0);
    h_finish(h);
}

/* A first fused command followed by an unfused Read. */
static void test_cmd_fused_first_then_plain(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc(h, LBASZ), rbuf = galloc(h, LBASZ);
    NvmeCmd cmd;

    put_fused(h, 1, NVME_CMD_COMPARE, FUSE_FIRST, buf, 0x520);
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    cmd.cid = 0x521;
    cmd.dptr.prp1 = rbuf;
    nvme_drv_sq_put(h->d, 1, &cmd);
    nvme_drv_sq_ring(h->d, 1);
    g_assert_cmphex(wait_status(h, 1, 0x520), ==,
                    NVME_CMD_ABORT_MISSING_FUSE);
    g_assert_cmphex(wait_status(h, 1, 0x521), ==, NVME_SUCCESS);
    h_finish(h);
}

/* FUSE 11b is reserved; fused Read/Write is no fused operation. */
static void test_cmd_fused_invalid_combos(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc(h, LBASZ);

    put_fused(h, 1, NVME_CMD_WRITE, 3, buf, 0x530);
    nvme_drv_sq_ring(h->d, 1);
    g_assert_cmphex(wait_status(h, 1, 0x530), ==, NVME_INVALID_FIELD | DNR);
    put_fused(h, 1, NVME_CMD_READ, FUSE_FIRST, buf, 0x531);
    put_fused(h, 1, NVME_CMD_WRITE, FUSE_SECOND, buf, 0x532);
    nvme_drv_sq_ring(h->d, 1);
    g_assert_cmphex(wait_status(h, 1, 0x531), ==, NVME_INVALID_FIELD | DNR);
    /* its second then has a failed first */
    g_assert_cmphex(wait_status(h, 1, 0x532), ==, NVME_CMD_ABORT_FAILED_FUSE);
    expect_block50(h, 0);
    h_finish(h);
}

/* Fused commands on the admin queue. */
static void test_cmd_fused_admin(void)
{
    H *h = h_start(NULL);
    uint64_t buf = galloc_ro(h, 4096);
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.flags = FUSE_FIRST;
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_INVALID_FIELD | DNR);
    cmd.flags = FUSE_SECOND;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_INVALID_FIELD | DNR);
    h_finish(h);
}

/* Admin opcodes on an I/O queue and I/O opcodes on the admin queue. */
static void test_cmd_opcode_wrong_queue(void)
{
    H *h = h_start_io(NULL);
    uint64_t buf = galloc_ro(h, 4096);
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 1);
    cmd.dptr.prp1 = buf;
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==,
                    NVME_INVALID_OPCODE | DNR);
    /* Get Features (0Ah) is no NVM opcode */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.cdw10 = NVME_NUMBER_OF_QUEUES;
    g_assert_cmphex(nvme_drv_exec(h->d, 1, &cmd, NULL), ==,
                    NVME_INVALID_OPCODE | DNR);
    /* Copy (19h) is no admin opcode */
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    cmd.dptr.prp1 = buf;
    g_assert_cmphex(admin(h, &cmd, NULL), ==, NVME_INVALID_OPCODE | DNR);
    h_finish(h);
}

/* Same CID used twice in flight on one SQ: both complete, nothing lost. */
static void test_cmd_duplicate_cid(void)
{
    H *h = h_start_io(NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;

    for (int i = 0; i < 4; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        cmd.cid = 0x600;
        nvme_drv_sq_put(h->d, 1, &cmd);
    }
    nvme_drv_sq_ring(h->d, 1);
    for (int i = 0; i < 4; i++) {
        nvme_drv_wait_cqe(h->d, 1, &cqe);
        g_assert_cmpuint(cqe.cid, ==, 0x600);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    }
    expect_no_cqe(h, 1, 50);
    h_finish(h);
}

/* ---------------------------------------------------------------- */
/* controller state                                                  */

/*
 * CC.EN 1->0 with reads in flight: RDY drops, and no completion appears
 * in the old queues' memory afterwards, even once the backend runs.
 */
static void test_ctrl_disable_with_io(void)
{
    H *h = h_new(NULL, SLOW_DRIVE);
    uint64_t buf, cq;
    g_autofree uint8_t *before = g_malloc(64 * 16), *after = g_malloc(64 * 16);

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    h_qpair(h, 1, 64);
    buf = galloc(h, 8 * LBASZ);
    cq = h->d->cq[1].addr;
    queue_reads(h, 1, 32, buf);
    g_usleep(20 * 1000);
    g_assert_cmpint(count_posted(h, 1, 1), <, 32);
    nvme_drv_wr32(h->d, NVME_REG_CC,
                  nvme_drv_rd32(h->d, NVME_REG_CC) & ~(uint32_t)CC_EN_MASK);
    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_memread(h->d, cq, before, 64 * 16);
    qtest_clock_step(h->d->qts, 100 * NS_PER_S);
    unthrottle(h);
    g_usleep(100 * 1000);
    nvme_drv_memread(h->d, cq, after, 64 * 16);
    g_assert_cmpmem(before, 64 * 16, after, 64 * 16);
    nvme_drv_forget_queues(h->d);
    h_enable(h, 32);
    h_finish(h);
}

/* EN toggled repeatedly while I/O is queued. */
static void test_ctrl_enable_toggle_storm(void)
{
    H *h = h_new(NULL, SLOW_DRIVE);

    nvme_drv_msix_enable(h->d);
    for (int round = 0; round < 5; round++) {
        h_enable(h, 32);
        h_qpair(h, 1, 32);
        queue_reads(h, 1, 16, galloc(h, 8 * LBASZ));
        nvme_drv_wr32(h->d, NVME_REG_CC, 0);
        g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_READY, 0, 2000));
        nvme_drv_forget_queues(h->d);
    }
    h_enable(h, 32);
    h_finish(h);
}

/*
 * Shutdown notification (normal, then abrupt) with reads in flight:
 * CSTS.SHST reaches 10b, then a reset and enable bring it back.
 */
static void ctrl_shutdown_with_io(uint32_t shn)
{
    H *h = h_new(NULL, SLOW_DRIVE);
    uint32_t cc;

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    h_qpair(h, 1, 64);
    queue_reads(h, 1, 32, galloc(h, 8 * LBASZ));
    g_usleep(20 * 1000);
    cc = nvme_drv_rd32(h->d, NVME_REG_CC);
    nvme_drv_wr32(h->d, NVME_REG_CC, cc | (shn << CC_SHN_SHIFT));
    g_assert_true(nvme_drv_wait_csts(h->d, CSTS_SHST_MASK << CSTS_SHST_SHIFT,
                                     NVME_CSTS_SHST_COMPLETE, 5000));
    g_assert_cmphex(nvme_drv_rd32(h->d, NVME_REG_CSTS) & NVME_CSTS_FAILED,
                    ==, 0);
    nvme_drv_wr32(h->d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_READY, 0, 2000));
    h_enable(h, 32);
    h_finish(h);
}

static void test_ctrl_shutdown_normal_with_io(void)
{
    ctrl_shutdown_with_io(1);
}

static void test_ctrl_shutdown_abrupt_with_io(void)
{
    ctrl_shutdown_with_io(2);
}

/* NSSR while reads are in flight. */
static void test_ctrl_nssr_with_io(void)
{
    H *h = h_new(NULL, SLOW_DRIVE);
    uint64_t cq;
    g_autofree uint8_t *before = g_malloc(64 * 16), *after = g_malloc(64 * 16);

    nvme_drv_msix_enable(h->d);
    h_enable(h, 32);
    h_qpair(h, 1, 64);
    cq = h->d->cq[1].addr;
    queue_reads(h, 1, 32, galloc(h, 8 * LBASZ));
    g_usleep(20 * 1000);
    nvme_drv_wr32(h->d, NVME_REG_NSSR, NVME_DRV_NSSR_MAGIC);
    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_memread(h->d, cq, before, 64 * 16);
    unthrottle(h);
    g_usleep(50 * 1000);
    nvme_drv_memread(h->d, cq, after, 64 * 16);
    g_assert_cmpmem(before, 64 * 16, after, 64 * 16);
    nvme_drv_forget_queues(h->d);
    h_enable(h, 32);
    h_finish(h);
}

/* Enabling with @cc (EN set) must not make the controller ready. */
static void ctrl_bad_enable(uint32_t cc)
{
    H *h = h_new(NULL, NULL);
    uint64_t asq = galloc(h, 32 * 64), acq = galloc(h, 32 * 16);

    nvme_drv_msix_enable(h->d);
    nvme_drv_wr32(h->d, NVME_REG_AQA, 0x001f001f);
    nvme_drv_wr64_split(h->d, NVME_REG_ASQ, asq);
    nvme_drv_wr64_split(h->d, NVME_REG_ACQ, acq);
    nvme_drv_wr32(h->d, NVME_REG_CC, cc);
    g_usleep(50 * 1000);
    g_assert_cmphex(nvme_drv_rd32(h->d, NVME_REG_CSTS) & NVME_CSTS_READY, ==,
                    0);
    /* a doorbell on the would-be admin queue does nothing */
    nvme_drv_raw_db(h->d, 0, false, 1);
    nvme_drv_wr32(h->d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(h->d, NVME_CSTS_READY, 0, 2000));
    h_enable(h, 32);
    h_finish(h);
}

static void test_ctrl_cc_bad_mps(void)
{
    uint32_t cc = nvme_drv_cc_value(0);

    NVME_SET_CC_MPS(cc, 15);
    ctrl_bad_enable(cc);
}

static void test_ctrl_cc_bad_css(void)
{
    uint32_t cc = nvme_drv_cc_value(0);

    NVME_SET_CC_CSS(cc, 3);
    ctrl_bad_enable(cc);
}

static void test_ctrl_cc_bad_ams(void)
{
    uint32_t cc = nvme_drv_cc_value(0);

    NVME_SET_CC_AMS(cc, 7);
    ctrl_bad_enable(cc);
}

/*
 * CC.IOSQES / IOCQES other than 6 / 4 (SQES/CQES in Identify): the admin
 * queue works, creating an I/O queue fails with Invalid Field.
 */
static void test_ctrl_cc_bad_ioqes(void)
{
    H *h = h_new(NULL, NULL);
    uint64_t asq = galloc(h, 32 * 64), acq = galloc(h, 32 * 16);
    uint64_t mem = galloc_ro(h, 4096);
    NvmeDrv *d = h->d;
    uint32_t cc = nvme_drv_cc_value(0);

    cc &= ~(0xffu << 16);           /* NVME_SET_CC_* only OR bits in */
    NVME_SET_CC_IOSQES(cc, 7);
    NVME_SET_CC_IOCQES(cc, 0);
    nvme_drv_msix_enable(d);
    nvme_drv_wr32(d, NVME_REG_AQA, 0x001f001f);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, asq);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, acq);
    nvme_drv_wr32(d, NVME_REG_CC, cc);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, NVME_CSTS_READY,
                                     2000));
    d->sq[0] = (NvmeDrvSQ) { .live = true, .addr = asq, .size = 32 };
    d->cq[0] = (NvmeDrvCQ) { .live = true, .addr = acq, .size = 32,
                             .phase = 1, .ien = true,
                             .stash = d->cq[0].stash };
    g_assert_cmphex(create_cq_raw(h, 1, 15, PC_IEN, 1, mem), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_disable(d);
    h_enable(h, 32);
    h_finish(h);
}

/* CC.MPS/CSS/AMS changed while enabled: ignored, I/O goes on at 4 KiB. */
static void test_ctrl_cc_static_while_enabled(void)
{
    H *h = h_start_io(NULL);
    uint32_t cc = nvme_drv_rd32(h->d, NVME_REG_CC);
    uint32_t bad = cc;

    NVME_SET_CC_MPS(bad, 4);
    NVME_SET_CC_CSS(bad, 1);
    nvme_drv_wr32(h->d, NVME_REG_CC, bad);
    g_assert_cmphex(nvme_drv_rd32(h->d, NVME_REG_CC), ==, cc);
    /* a 2-page transfer with 4 KiB PRPs still works */
    {
        uint64_t b = galloc(h, 8192);

        g_assert_cmphex(rw_raw(h, 1, NVME_CMD_READ, 1, 0, 15, b, b + 4096,
                               NULL), ==, NVME_SUCCESS);
    }
    h_finish(h);
}

/*
 * AQA with every bit set: the reserved bits are dropped, which leaves the
 * maximum 4096-entry admin queues (the fields are 12 bits, 0-based).
 * CAP.MQES only limits I/O queues, so a 4096-entry admin queue is fine
 * while MQES is 2048.
 */
static void test_ctrl_aqa_max(void)
{
    H *h = h_new(NULL, NULL);
    NvmeDrv *d = h->d;
    uint64_t asq = galloc(h, 4096 * 64), acq = galloc(h, 4096 * 16);

    nvme_drv_msix_enable(d);
    nvme_drv_wr32(d, NVME_REG_AQA, 0xffffffff);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0x0fff0fff);
    nvme_drv_wr64_split(d, NVME_REG_ASQ, asq | 0xfff);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, acq | 0x800);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ASQ), ==, asq);
    g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_ACQ), ==, acq);
    nvme_drv_wr32(d, NVME_REG_CC, nvme_drv_cc_value(0));
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY | NVME_CSTS_FAILED,
                                     NVME_CSTS_READY, 2000));
    d->sq[0] = (NvmeDrvSQ) { .live = true, .addr = asq, .size = 4096 };
    d->cq[0] = (NvmeDrvCQ) { .live = true, .addr = acq, .size = 4096,
                             .phase = 1, .ien = true,
                             .stash = d->cq[0].stash };
    h_finish(h);
}

/*
 * mqes=15 (16 entries) yet a 64-entry admin queue: valid (MQES is for I/O
 * queues).
 */
static void test_ctrl_admin_queue_over_mqes(void)
{
    H *h = h_new("mqes=15", NULL);

    nvme_drv_msix_enable(h->d);
    h_enable(h, 64);
    for (int i = 0; i < 70; i++) {      /* wraps the admin queues */
        g_assert_cmphex(nvme_drv_get_features(h->d, NVME_NUMBER_OF_QUEUES, 0,
                                              0, NULL), ==, NVME_SUCCESS);
    }
    h_finish(h);
}

/*
 * A 2-entry CQ (holds one completion) with 8 commands: the device posts
 * one, waits for the head doorbell, and never overwrites an unconsumed
 * entry; all 8 arrive, each once.
 */
static void test_ctrl_cq_full_2_entries(void)
{
    H *h = h_start(NULL);
    NvmeDrv *d = h->d;
    bool seen[8] = { false };
    NvmeCmd cmd;
    NvmeCqe cqe, raw[2];

    g_assert_cmphex(h_create_cq(h, 1, 2, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(h_create_sq(h, 1, 1, 16), ==, NVME_SUCCESS);
    for (int i = 0; i < 8; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
        cmd.cid = 0x700 + i;
        nvme_drv_sq_put(d, 1, &cmd);
    }
    nvme_drv_sq_ring(d, 1);
    for (int i = 0; i < 8; i++) {
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, false));
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        g_assert_cmpuint(cqe.cid - 0x700, <, 8);
        g_assert_false(seen[cqe.cid - 0x700]);
        seen[cqe.cid - 0x700] = true;
        /* full now: the consumed entry stays as it was */
        g_usleep(20 * 1000);
        nvme_drv_memread(d, d->cq[1].addr, raw, sizeof(raw));
        g_assert_false(nvme_drv_cqe_ready(d, 1));
        g_assert_cmpuint(le16_to_cpu(raw[i % 2].cid), ==, cqe.cid);
        nvme_drv_cq_ring(d, 1);
    }
    expect_no_cqe(h, 1, 50);
    h_finish(h);
}

/* Narrow (1/2-byte) writes to CC and AQA are dropped. */
static void test_ctrl_narrow_register_writes(void)
{
    H *h = h_new(NULL, NULL);
    NvmeDrv *d = h->d;

    nvme_drv_msix_enable(d);
    qpci_io_writeb(d->pdev, d->bar, NVME_REG_CC, 1);
    qpci_io_writew(d->pdev, d->bar, NVME_REG_AQA, 0x1f);
    g_usleep(20 * 1000);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CC), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_AQA), ==, 0);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS), ==, 0);
    h_enable(h, 32);
    qpci_io_writeb(d->pdev, d->bar, NVME_REG_CC, 0);
    assert_ready(h);
    h_finish(h);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/nvme/hostile/db/sq_missing", test_db_sq_missing);
    qtest_add_func("/nvme/hostile/db/cq_deleted", test_db_cq_deleted);
    qtest_add_func("/nvme/hostile/db/qid_beyond_max", test_db_qid_beyond_max);
    qtest_add_func("/nvme/hostile/db/sq_tail_beyond_size",
                   test_db_sq_tail_beyond_size);
    qtest_add_data_func("/nvme/hostile/db/cq_head_eq_size",
                        &cq_head_eq_size, test_db_cq_head);
    qtest_add_data_func("/nvme/hostile/db/cq_head_past_posted",
                        &cq_head_past_posted, test_db_cq_head);
    qtest_add_data_func("/nvme/hostile/db/cq_head_past_posted_end",
                        &cq_head_past_posted_end, test_db_cq_head);
    qtest_add_data_func("/nvme/hostile/db/cq_head_nothing_posted",
                        &cq_head_nothing_posted, test_db_cq_head);
    qtest_add_data_func("/nvme/hostile/db/cq_head_backwards",
                        &cq_head_backwards, test_db_cq_head);
    qtest_add_func("/nvme/hostile/db/admin_sq_tail_beyond",
                   test_db_admin_sq_tail_beyond);
    qtest_add_func("/nvme/hostile/db/width_1", test_db_width_1);
    qtest_add_func("/nvme/hostile/db/width_2", test_db_width_2);
    qtest_add_func("/nvme/hostile/db/width_8", test_db_width_8);
    qtest_add_func("/nvme/hostile/db/misaligned", test_db_misaligned);
    qtest_add_func("/nvme/hostile/db/event_masked_until_log",
                   test_db_event_masked_until_log);
    qtest_add_func("/nvme/hostile/db/event_before_request",
                   test_db_event_before_request);
    qtest_add_func("/nvme/hostile/db/flood", test_db_flood);
    qtest_add_func("/nvme/hostile/db/while_disabled", test_db_while_disabled);

    qtest_add_func("/nvme/hostile/q/create_cq_qid0", test_q_create_cq_qid0);
    qtest_add_func("/nvme/hostile/q/create_sq_qid0", test_q_create_sq_qid0);
    qtest_add_func("/nvme/hostile/q/create_cq_qid_ffff",
                   test_q_create_cq_qid_ffff);
    qtest_add_func("/nvme/hostile/q/create_sq_qid_ffff",
                   test_q_create_sq_qid_ffff);
    qtest_add_func("/nvme/hostile/q/create_cq_size1", test_q_create_cq_size1);
    qtest_add_func("/nvme/hostile/q/create_sq_size1", test_q_create_sq_size1);
    qtest_add_func("/nvme/hostile/q/create_cq_over_mqes",
                   test_q_create_cq_over_mqes);
    qtest_add_func("/nvme/hostile/q/create_sq_size_65536",
                   test_q_create_sq_size_65536);
    qtest_add_func("/nvme/hostile/q/create_cq_pc0", test_q_create_cq_pc0);
    qtest_add_func("/nvme/hostile/q/create_sq_pc0", test_q_create_sq_pc0);
    qtest_add_func("/nvme/hostile/q/create_cq_misaligned",
                   test_q_create_cq_misaligned);
    qtest_add_func("/nvme/hostile/q/create_sq_misaligned",
                   test_q_create_sq_misaligned);
    qtest_add_func("/nvme/hostile/q/create_cq_vector_range",
                   test_q_create_cq_vector_range);
    qtest_add_func("/nvme/hostile/q/create_cq_vector_intx",
                   test_q_create_cq_vector_intx);
    qtest_add_func("/nvme/hostile/q/create_sq_missing_cq",
                   test_q_create_sq_missing_cq);
    qtest_add_func("/nvme/hostile/q/create_sq_admin_cq",
                   test_q_create_sq_admin_cq);
    qtest_add_func("/nvme/hostile/q/create_duplicate",
                   test_q_create_duplicate);
    qtest_add_func("/nvme/hostile/q/create_over_nq", test_q_create_over_nq);
    qtest_add_func("/nvme/hostile/q/set_nq_after_create",
                   test_q_set_nq_after_create);
    qtest_add_func("/nvme/hostile/q/delete_cq_with_sq",
                   test_q_delete_cq_with_sq);
    qtest_add_func("/nvme/hostile/q/delete_qid0", test_q_delete_qid0);
    qtest_add_func("/nvme/hostile/q/delete_missing", test_q_delete_missing);
    qtest_add_func("/nvme/hostile/q/delete_sq_inflight",
                   test_q_delete_sq_inflight);
    qtest_add_func("/nvme/hostile/q/delete_sq_inflight_shared_cq",
                   test_q_delete_sq_inflight_shared_cq);
    qtest_add_func("/nvme/hostile/q/cq_in_bar0", test_q_cq_in_bar0);
    qtest_add_func("/nvme/hostile/q/cq_past_ram_end", test_q_cq_past_ram_end);
    qtest_add_func("/nvme/hostile/q/sq_past_ram_end", test_q_sq_past_ram_end);
    qtest_add_func("/nvme/hostile/q/sq_cq_overlap", test_q_sq_cq_overlap);
    qtest_add_func("/nvme/hostile/q/sq_in_msix_table",
                   test_q_sq_in_msix_table);

    qtest_add_func("/nvme/hostile/prp/list_in_bar0", test_prp_list_in_bar0);
    qtest_add_func("/nvme/hostile/prp/list_in_msix_table",
                   test_prp_list_in_msix_table);
    qtest_add_func("/nvme/hostile/prp/data_in_doorbells",
                   test_prp_data_in_doorbells);
    qtest_add_func("/nvme/hostile/prp/data_in_msix_table",
                   test_prp_data_in_msix_table);
    qtest_add_func("/nvme/hostile/prp/prp2_in_bar0", test_prp_prp2_in_bar0);
    qtest_add_func("/nvme/hostile/prp/list_entry_in_bar0",
                   test_prp_list_entry_in_bar0);
    qtest_add_func("/nvme/hostile/prp/list_entry_offset",
                   test_prp_list_entry_offset);
    qtest_add_func("/nvme/hostile/prp/list_pointer_misaligned",
                   test_prp_list_pointer_misaligned);
    qtest_add_func("/nvme/hostile/prp/offsets_direct",
                   test_prp_offsets_direct);
    qtest_add_func("/nvme/hostile/prp/list_loop_self",
                   test_prp_list_loop_self);
    qtest_add_func("/nvme/hostile/prp/list_loop_last_slot",
                   test_prp_list_loop_last_slot);
    qtest_add_func("/nvme/hostile/prp/over_mdts", test_prp_over_mdts);
    qtest_add_func("/nvme/hostile/prp/nonexistent_data",
                   test_prp_nonexistent_data);
    qtest_add_func("/nvme/hostile/prp/nonexistent_list",
                   test_prp_nonexistent_list);
    qtest_add_func("/nvme/hostile/prp/nonexistent_list_entry",
                   test_prp_nonexistent_list_entry);
    qtest_add_func("/nvme/hostile/prp/admin_into_bar0",
                   test_prp_admin_into_bar0);

    qtest_add_func("/nvme/hostile/cmd/read_reserved_ignored",
                   test_cmd_read_reserved_ignored);
    qtest_add_func("/nvme/hostile/cmd/identify_reserved_ignored",
                   test_cmd_identify_reserved_ignored);
    qtest_add_func("/nvme/hostile/cmd/read_bad_nsid", test_cmd_read_bad_nsid);
    qtest_add_func("/nvme/hostile/cmd/write_bad_nsid",
                   test_cmd_write_bad_nsid);
    qtest_add_func("/nvme/hostile/cmd/flush_bad_nsid",
                   test_cmd_flush_bad_nsid);
    qtest_add_func("/nvme/hostile/cmd/identify_ns_nsids",
                   test_cmd_identify_ns_nsids);
    qtest_add_func("/nvme/hostile/cmd/identify_list_nsids",
                   test_cmd_identify_list_nsids);
    qtest_add_func("/nvme/hostile/cmd/get_log_nsids", test_cmd_get_log_nsids);
    qtest_add_func("/nvme/hostile/cmd/lba_wrap_64", test_cmd_lba_wrap_64);
    qtest_add_func("/nvme/hostile/cmd/nlb_over_mdts", test_cmd_nlb_over_mdts);
    qtest_add_func("/nvme/hostile/cmd/nlb_over_mdts_64k",
                   test_cmd_nlb_over_mdts_64k);
    qtest_add_func("/nvme/hostile/cmd/abort_unknown", test_cmd_abort_unknown);
    qtest_add_func("/nvme/hostile/cmd/aer_over_aerl", test_cmd_aer_over_aerl);
    qtest_add_func("/nvme/hostile/cmd/fused_split_queues",
                   test_cmd_fused_split_queues);
    qtest_add_func("/nvme/hostile/cmd/fused_second_alone",
                   test_cmd_fused_second_alone);
    qtest_add_func("/nvme/hostile/cmd/fused_first_then_plain",
                   test_cmd_fused_first_then_plain);
    qtest_add_func("/nvme/hostile/cmd/fused_invalid_combos",
                   test_cmd_fused_invalid_combos);
    qtest_add_func("/nvme/hostile/cmd/fused_admin", test_cmd_fused_admin);
    qtest_add_func("/nvme/hostile/cmd/opcode_wrong_queue",
                   test_cmd_opcode_wrong_queue);
    qtest_add_func("/nvme/hostile/cmd/duplicate_cid", test_cmd_duplicate_cid);

    qtest_add_func("/nvme/hostile/ctrl/disable_with_io",
                   test_ctrl_disable_with_io);
    qtest_add_func("/nvme/hostile/ctrl/enable_toggle_storm",
                   test_ctrl_enable_toggle_storm);
    qtest_add_func("/nvme/hostile/ctrl/shutdown_normal_with_io",
                   test_ctrl_shutdown_normal_with_io);
    qtest_add_func("/nvme/hostile/ctrl/shutdown_abrupt_with_io",
                   test_ctrl_shutdown_abrupt_with_io);
    qtest_add_func("/nvme/hostile/ctrl/nssr_with_io", test_ctrl_nssr_with_io);
    qtest_add_func("/nvme/hostile/ctrl/cc_bad_mps", test_ctrl_cc_bad_mps);
    qtest_add_func("/nvme/hostile/ctrl/cc_bad_css", test_ctrl_cc_bad_css);
    qtest_add_func("/nvme/hostile/ctrl/cc_bad_ams", test_ctrl_cc_bad_ams);
    qtest_add_func("/nvme/hostile/ctrl/cc_bad_ioqes", test_ctrl_cc_bad_ioqes);
    qtest_add_func("/nvme/hostile/ctrl/cc_static_while_enabled",
                   test_ctrl_cc_static_while_enabled);
    qtest_add_func("/nvme/hostile/ctrl/aqa_max", test_ctrl_aqa_max);
    qtest_add_func("/nvme/hostile/ctrl/admin_queue_over_mqes",
                   test_ctrl_admin_queue_over_mqes);
    qtest_add_func("/nvme/hostile/ctrl/cq_full_2_entries",
                   test_ctrl_cq_full_2_entries);
    qtest_add_func("/nvme/hostile/ctrl/narrow_register_writes",
                   test_ctrl_narrow_register_writes);
    qtest_add_func("/nvme/hostile/db/error_log_entry",
                   test_db_error_log_entry);
    qtest_add_func("/nvme/hostile/cmd/io_inactive_nsid",
                   test_cmd_io_inactive_nsid);
    return g_test_run();
}

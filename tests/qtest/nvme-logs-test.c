/*
 * qtest: NVMe interrupt coalescing and the newer log pages (telemetry,
 * host- and controller-initiated, LBA status information) with their
 * asynchronous events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/timer.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define IOQ 1                   /* I/O queue pair, MSI-X vector 1 */
#define TIME_NS(t) ((int64_t)(t) * 100 * 1000)  /* 100 us units */

/* ---------------------------------------------------------------- */
/* Interrupt coalescing (feature 08h)                                */

static NvmeDrv *start_coal(uint8_t thr, uint8_t time)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    nvme_drv_create_qpair(d, IOQ, 16);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_COALESCING,
                                          (time << 8) | thr, NULL), ==,
                    NVME_SUCCESS);
    nvme_drv_msix_clear_all(d);
    return d;
}

/* One Flush on the I/O queue; its completion is consumed (head rung). */
static void io_flush(NvmeDrv *d)
{
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    g_assert_cmphex(nvme_drv_exec(d, IOQ, &cmd, &cqe), ==, NVME_SUCCESS);
}

static void test_coal_threshold(void)
{
    NvmeDrv *d = start_coal(3, 0xff);

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3; i++) {
            io_flush(d);
            g_assert_false(nvme_drv_msix_fired(d, IOQ));
        }
        io_flush(d);                /* THR + 1 = 4 entries */
        g_assert_true(nvme_drv_msix_fired(d, IOQ));
    }
    /* the count restarted: the aggregation time covers the rest */
    io_flush(d);
    qtest_clock_step(d->qts, TIME_NS(0xff));
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

static void test_coal_time(void)
{
    NvmeDrv *d = start_coal(7, 10);         /* 1 ms */

    io_flush(d);
    qtest_clock_step(d->qts, TIME_NS(5));
    io_flush(d);                /* a second entry does not re-arm */
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    qtest_clock_step(d->qts, TIME_NS(5) - 1);
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    qtest_clock_step(d->qts, 1);
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    /* nothing pending: the timer does not fire again */
    qtest_clock_step(d->qts, TIME_NS(20));
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

/* The head doorbell consumed every entry: the interrupt still comes. */
static void test_coal_head_doorbell(void)
{
    NvmeDrv *d = start_coal(3, 2);
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    nvme_drv_submit(d, IOQ, &cmd);
    g_assert_true(nvme_drv_poll_cqe(d, IOQ, &cqe, NVME_DRV_TIMEOUT_MS,
                                    false));
    nvme_drv_cq_ring(d, IOQ);
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    qtest_clock_step(d->qts, TIME_NS(2));
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

/* A masked vector: the coalesced interrupt shows as pending. */
static void test_coal_masked_pending(void)
{
    NvmeDrv *d = start_coal(1, 0xff);

    nvme_drv_msix_mask(d, IOQ, true);
    io_flush(d);
    g_assert_false(nvme_drv_msix_pending(d, IOQ));
    io_flush(d);
    g_assert_true(nvme_drv_msix_pending(d, IOQ));
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_msix_mask(d, IOQ, false);
    g_assert_false(nvme_drv_msix_pending(d, IOQ));
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

/* Coalescing Disable on the vector, and the admin CQ: never coalesced. */
static void test_coal_disabled(void)
{
    NvmeDrv *d = start_coal(3, 0xff);
    uint32_t dw0;

    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_VECTOR_CONF,
                                          NVME_INTVC_NOCOALESCING | IOQ,
                                          NULL), ==, NVME_SUCCESS);
    nvme_drv_msix_clear_all(d);
    io_flush(d);
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    g_assert_cmphex(nvme_drv_get_features(d, NVME_INTERRUPT_COALESCING, 0, 0,
                                          &dw0), ==, NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0xff03);
    g_assert_true(nvme_drv_msix_fired(d, 0));
    /* CD cleared again: coalesced */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_VECTOR_CONF,
                                          IOQ, NULL), ==, NVME_SUCCESS);
    io_flush(d);
    g_assert_false(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

/* THR 0 or TIME 0: an interrupt per completion. */
static void test_coal_off(void)
{
    NvmeDrv *d = start_coal(3, 0);

    io_flush(d);
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_COALESCING,
                                          0xff00, NULL), ==, NVME_SUCCESS);
    io_flush(d);
    g_assert_true(nvme_drv_msix_fired(d, IOQ));
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Telemetry (07h, 08h)                                              */

#define LID_TEL_HOST 0x07
#define LID_TEL_CTRL 0x08
#define LSP_CREATE   (1u << 8)

/* Get Log Page (all namespaces) with CDW10 extra bits (LSP, RAE). */
static uint16_t get_log_raw(NvmeDrv *d, uint8_t lid, uint32_t dw10_extra,
                            uint64_t offset, void *out, uint32_t len)
{
    return nvme_drv_get_log_ext(d, lid, dw10_extra, NVME_NSID_BROADCAST,
                                offset, out, len);
}

static void test_telemetry_lpa(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id->lpa & (1 << 3), ==, 1 << 3);
    nvme_drv_stop(d);
}

static void test_telemetry_host(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t hdr[512], hdr2[512];
    g_autofree uint8_t *all = NULL;
    uint16_t da1, da2, da3;
    uint32_t len;
    uint8_t *ctl, *q, *ns;
    bool seen_q1 = false;

    nvme_drv_create_qpair(d, IOQ, 16);
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, LSP_CREATE, 0, hdr, 512),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(hdr[0], ==, LID_TEL_HOST);
    g_assert_cmpuint(hdr[5], ==, 0x00);         /* OUI of Identify */
    g_assert_cmpuint(hdr[6], ==, 0x54);
    g_assert_cmpuint(hdr[7], ==, 0x52);
    da1 = lduw_le_p(hdr + 8);
    da2 = lduw_le_p(hdr + 10);
    da3 = lduw_le_p(hdr + 12);
    g_assert_cmpuint(da1, ==, 1);
    g_assert_cmpuint(da2, >, da1);
    g_assert_cmpuint(da3, >, da2);
    g_assert_cmpuint(hdr[381], ==, 1);          /* generation */
    g_assert_cmpuint(hdr[382], ==, 0);          /* no ctrl-initiated */
    g_assert_cmpuint(hdr[384], !=, 0);          /* reason identifier */

    /* the snapshot, read in one go without Create */
    len = (da3 + 1) * 512;
    all = g_malloc0(len);
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, 0, all, len), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(all, 512, hdr, 512);
    ctl = all + 512;
    g_assert_cmpmem(ctl, 8, "QNVMTEL1", 8);
    g_assert_cmphex(ldl_le_p(ctl + 32) & 1, ==, 1);     /* CC.EN */
    g_assert_cmphex(ldl_le_p(ctl + 36) & 1, ==, 1);     /* CSTS.RDY */
    g_assert_cmphex(ldq_le_p(ctl + 16), ==, nvme_drv_rd64(d, 0));
    /* area 2: admin queue pair first, then queue 1 */
    q = all + 2 * 512;
    g_assert_cmpuint(lduw_le_p(q), ==, 0);
    g_assert_cmphex(q[2] & 3, ==, 3);
    g_assert_cmpuint(ldl_le_p(q + 8), ==, 32);          /* admin SQ size */
    for (uint8_t *r = q; r < all + (da2 + 1) * 512; r += 32) {
        if (lduw_le_p(r) == IOQ && (r[2] & 3) == 3) {
            g_assert_cmpuint(ldl_le_p(r + 8), ==, 16);
            g_assert_cmpuint(lduw_le_p(r + 6), ==, IOQ);
            seen_q1 = true;
        }
    }
    g_assert_true(seen_q1);
    /* area 3: namespace 1 */
    ns = all + (da2 + 1) * 512;
    g_assert_cmpuint(ldl_le_p(ns), ==, 1);
    g_assert_cmpuint(ldq_le_p(ns + 8), ==, NVME_DRV_IMG_SIZE / 512);

    /* a piece at a block offset */
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, 512, hdr2, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(hdr2, 512, ctl, 512);
    /* offsets not on a block, or past the end */
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, 4, hdr2, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, len, hdr2, 512), ==,
                    NVME_INVALID_FIELD | DNR);

    /* a new capture bumps the generation */
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, LSP_CREATE, 0, hdr2, 512),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(hdr2[381], ==, 2);
    nvme_drv_stop(d);
}

static void test_telemetry_ctrl(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t hdr[512];

    /* before any capture the host page is a header without data */
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[0], ==, LID_TEL_HOST);
    g_assert_cmpuint(lduw_le_p(hdr + 8), ==, 0);
    g_assert_cmpuint(hdr[381], ==, 0);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[0], ==, LID_TEL_CTRL);
    g_assert_cmpuint(lduw_le_p(hdr + 8), ==, 0);
    g_assert_cmpuint(lduw_le_p(hdr + 10), ==, 0);
    g_assert_cmpuint(lduw_le_p(hdr + 12), ==, 0);
    g_assert_cmpuint(hdr[382], ==, 0);
    g_assert_cmpuint(hdr[383], ==, 0);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* LBA Status Information (0Eh)                                      */

#define LID_LBA_STATUS 0x0e

static void write_uncor(NvmeDrv *d, uint64_t slba, uint32_t nlb)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = nlb - 1;
    g_assert_cmphex(nvme_drv_exec(d, IOQ, &cmd, NULL), ==, NVME_SUCCESS);
}

static void test_lba_status_log(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t log[256], blk[512];
    uint16_t gen0, gen1;

    nvme_drv_create_qpair(d, IOQ, 16);
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log), ==, 16);            /* LSLPLEN */
    g_assert_cmpuint(ldl_le_p(log + 4), ==, 0);         /* NLSLNE */
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 0);         /* ESTULB */
    gen0 = lduw_le_p(log + 14);

    write_uncor(d, 10, 4);
    write_uncor(d, 100, 1);
    memset(log, 0xaa, sizeof(log));
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log), ==, 16 + 16 + 2 * 16);
    g_assert_cmpuint(ldl_le_p(log + 4), ==, 1);
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 5);
    gen1 = lduw_le_p(log + 14);
    g_assert_cmpuint(gen1, !=, gen0);
    g_assert_cmpuint(ldl_le_p(log + 16), ==, 1);        /* NEID */
    g_assert_cmpuint(ldl_le_p(log + 20), ==, 2);        /* NLRD */
    g_assert_cmphex(log[24], ==, 0x11);                 /* tracked LBAs */
    g_assert_cmpuint(ldq_le_p(log + 32), ==, 10);
    g_assert_cmpuint(ldl_le_p(log + 40), ==, 4);
    g_assert_cmpuint(ldq_le_p(log + 48), ==, 100);
    g_assert_cmpuint(ldl_le_p(log + 56), ==, 1);
    g_assert_cmphex(log[64], ==, 0);                    /* past the end */

    /* rewriting the first range clears it */
    memset(blk, 0x5a, sizeof(blk));
    for (int i = 10; i < 14; i++) {
        g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_WRITE, 1, i, 1, 512,
                                    blk, 0), ==, NVME_SUCCESS);
    }
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log), ==, 16 + 16 + 16);
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 1);
    g_assert_cmpuint(lduw_le_p(log + 14), !=, gen1);
    g_assert_cmpuint(ldl_le_p(log + 20), ==, 1);
    g_assert_cmpuint(ldq_le_p(log + 32), ==, 100);
    /* a read at an offset inside the page */
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 32, log, 16), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldq_le_p(log), ==, 100);
    nvme_drv_stop(d);
}

/*
 * The LBA Status Information Alert (OAES/AEC bit 13, notice 05h, log
 * 0Eh): sent when marks appear, held while it is outstanding (also across
 * a read with RAE), after a read without RAE only for new marks and only
 * once the report interval (LSIRI, feature 15h) has passed.
 */
#define AEC_LBA_STATUS      (1u << 13)
#define AER_LBA_STATUS      0x0e0502    /* log 0Eh, info 05h, notice */
#define FID_LBAS_ATTR       0x15

static void test_lba_status_alert(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);
    uint8_t log[256];
    uint32_t dw0;
    uint16_t aer;

    nvme_drv_create_qpair(d, IOQ, 16);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(id->oaes) & AEC_LBA_STATUS, ==,
                    AEC_LBA_STATUS);
    /* feature 15h: LSIRI 15:0, LSIPI 31:16, 1 s each by default */
    g_assert_cmphex(nvme_drv_get_features(d, FID_LBAS_ATTR, 0, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0x000a000a);
    g_assert_cmphex(nvme_drv_set_features(d, FID_LBAS_ATTR, 0x00070014,
                                          NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_features(d, FID_LBAS_ATTR, 0, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0x00070014);                  /* LSIRI 2 s */
    g_assert_cmphex(nvme_drv_get_features(d, FID_LBAS_ATTR, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0x000a000a);

    /* not enabled: marks raise nothing */
    aer = nvme_drv_submit_aer(d);
    write_uncor(d, 10, 1);
    nvme_drv_expect_no_aer(d);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_LBA_STATUS, NULL), ==,
                    NVME_SUCCESS);
    write_uncor(d, 20, 2);
    nvme_drv_expect_aer(d, aer, AER_LBA_STATUS);
    /* outstanding: more marks, a read with RAE, nothing new */
    aer = nvme_drv_submit_aer(d);
    write_uncor(d, 30, 1);
    g_assert_cmphex(nvme_drv_get_log_ext(d, LID_LBA_STATUS, 1u << 15, 0, 0,
                                         log, 256), ==, NVME_SUCCESS);
    write_uncor(d, 40, 1);
    nvme_drv_expect_no_aer(d);
    /* read without RAE: nothing new, nothing sent */
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 20), ==, 4);        /* four ranges */
    qtest_clock_step(d->qts, 5 * NANOSECONDS_PER_SECOND);
    nvme_drv_expect_no_aer(d);
    /* a new mark: held for LSIRI after the read, then sent */
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    write_uncor(d, 50, 1);
    qtest_clock_step(d->qts, 1900 * 1000 * 1000);
    nvme_drv_expect_no_aer(d);
    qtest_clock_step(d->qts, 200 * 1000 * 1000);
    nvme_drv_expect_aer(d, aer, AER_LBA_STATUS);
    /* rewriting marks (no new ones) raises nothing */
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    aer = nvme_drv_submit_aer(d);
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_WRITE_ZEROES, 1, 10, 1, 512,
                                NULL, 0), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 5 * NANOSECONDS_PER_SECOND);
    nvme_drv_expect_no_aer(d);
    nvme_drv_stop(d);
}

/*
 * Backend failures with blkdebug at sector 100: @errno_ on reads, every
 * time unless @once.
 */
static NvmeDrv *start_faulty_read(int errno_, bool once)
{
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=blkdebug,node-name=dbg,"
        "image.driver=file,image.filename=@IMG@,"
        "inject-error.0.event=none,inject-error.0.iotype=read,"
        "inject-error.0.errno=%d,inject-error.0.once=%s,"
        "inject-error.0.sector=100 "
        "-device nvme,drive=dbg,serial=qtest-logs", errno_,
        once ? "on" : "off");
    NvmeDrv *d = nvme_drv_start_args(args);

    nvme_drv_ready_io(d, 16);
    return d;
}

/*
 * A read that fails with Unrecovered Read Error (a media error) puts its
 * blocks in the LBA Status log and Get LBA Status with an alert; reads of
 * them are not refused afterwards, and a write takes them off.
 */
static void test_lba_status_media_error(void)
{
    NvmeDrv *d = start_faulty_read(EIO, true);
    uint8_t log[256], blk[4 * 512] = { 0 };
    uint16_t aer;

    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_LBA_STATUS, NULL), ==,
                    NVME_SUCCESS);
    aer = nvme_drv_submit_aer(d);
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_READ, 1, 98, 4, 512, blk, 0),
                    ==, NVME_UNRECOVERED_READ);
    nvme_drv_expect_aer(d, aer, AER_LBA_STATUS);
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 4), ==, 1);         /* one namespace */
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 4);         /* ESTULB */
    g_assert_cmpuint(ldq_le_p(log + 32), ==, 98);
    g_assert_cmpuint(ldl_le_p(log + 40), ==, 4);
    /* the backend recovered: the read works, the blocks stay listed */
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_READ, 1, 98, 4, 512, blk, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 4);
    /* a Write Uncorrectable on top merges with them */
    write_uncor(d, 102, 2);
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 20), ==, 1);
    g_assert_cmpuint(ldl_le_p(log + 40), ==, 6);
    /* writing them takes them off */
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_WRITE, 1, 98, 4, 512, blk,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(d, LID_LBA_STATUS, 0, 0, log, 256), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 8), ==, 2);
    g_assert_cmpuint(ldq_le_p(log + 32), ==, 102);
    nvme_drv_stop(d);
}

/*
 * Controller-initiated telemetry: a command ending in Internal Error (a
 * backend EINVAL) makes the controller capture its state into log 08h,
 * latch it (Data Available, generation) and send Telemetry Log Changed
 * (AEC bit 10, LPA bit 3); later errors leave the latched data alone until the
 * host reads 08h without RAE.  A controller fatal status captures too.
 */
#define AEC_TELEMETRY       (1u << 10)
#define LPA_TELEMETRY       (1u << 3)
#define AER_TELEMETRY       0x080202    /* log 08h, info 02h, notice */

static void test_telemetry_ctrl_initiated(void)
{
    NvmeDrv *d = start_faulty_read(EINVAL, false);
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);
    g_autofree uint8_t *all = NULL;
    uint8_t hdr[512], blk[512];
    uint16_t aer, da3;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id->lpa & LPA_TELEMETRY, ==, LPA_TELEMETRY);
    g_assert_cmphex(le32_to_cpu(id->oaes) & AEC_TELEMETRY, ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_TELEMETRY, NULL), ==,
                    NVME_SUCCESS);
    aer = nvme_drv_submit_aer(d);
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_READ, 1, 100, 1, 512, blk,
                                0), ==, NVME_INTERNAL_DEV_ERROR);
    nvme_drv_expect_aer(d, aer, AER_TELEMETRY);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 1u << 15, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[0], ==, LID_TEL_CTRL);
    g_assert_cmpuint(hdr[382], ==, 1);          /* data available */
    g_assert_cmpuint(hdr[383], ==, 1);          /* generation */
    g_assert_nonnull(strstr((char *)hdr + 384, "Internal Error"));
    da3 = lduw_le_p(hdr + 12);
    g_assert_cmpuint(lduw_le_p(hdr + 8), ==, 1);
    g_assert_cmpuint(da3, >, 2);
    all = g_malloc0((da3 + 1) * 512);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 1u << 15, 0, all,
                                (da3 + 1) * 512), ==, NVME_SUCCESS);
    g_assert_cmpmem(all + 512, 8, "QNVMTEL1", 8);
    g_assert_cmphex(ldl_le_p(all + 512 + 36) & 1, ==, 1);   /* CSTS.RDY */
    /* the host page tells of it too */
    g_assert_cmphex(get_log_raw(d, LID_TEL_HOST, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[382], ==, 1);
    g_assert_cmpuint(hdr[383], ==, 1);

    /* latched: another error changes nothing, and sends nothing */
    aer = nvme_drv_submit_aer(d);
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_READ, 1, 100, 1, 512, blk,
                                0), ==, NVME_INTERNAL_DEV_ERROR);
    nvme_drv_expect_no_aer(d);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 1u << 15, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[383], ==, 1);
    /* released by a read without RAE; the next error captures anew */
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[382], ==, 0);
    g_assert_cmpuint(hdr[383], ==, 1);
    g_assert_cmphex(nvme_drv_rw(d, IOQ, NVME_CMD_READ, 1, 100, 1, 512, blk,
                                0), ==, NVME_INTERNAL_DEV_ERROR);
    nvme_drv_expect_aer(d, aer, AER_TELEMETRY);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[383], ==, 2);

    /* a fatal controller status (Keep Alive expired) captures too */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_DRV_FID_KATO, 1000, NULL),
                    ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 3 * NANOSECONDS_PER_SECOND);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_FAILED, NVME_CSTS_FAILED,
                                     5000));
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(get_log_raw(d, LID_TEL_CTRL, 0, 0, hdr, 512), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(hdr[382], ==, 1);
    g_assert_cmpuint(hdr[383], ==, 3);
    g_assert_nonnull(strstr((char *)hdr + 384, "keep alive"));
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Namespace Attribute Changed after Format NVM                      */

#define AEC_NS_ATTR     (1u << 8)
#define AER_NS_CHANGED  0x040002    /* log 04h, info 00h, type notice */

static void expect_changed_ns(NvmeDrv *d, uint32_t nsid)
{
    uint32_t list[1024];

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CHANGED_NSLIST, 0, 0, list,
                                     sizeof(list)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, nsid);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 0);
}

static void test_format_ns_changed(void)
{
    NvmeDrv *a, *b;
    NvmeCmd cmd;
    uint16_t aer_a, aer_b;

    a = nvme_drv_start_pair(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-logs "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=4 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=5", 5, &b);
    g_assert_cmphex(nvme_drv_set_features(a, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_NS_ATTR, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(b, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_NS_ATTR, NULL), ==,
                    NVME_SUCCESS);
    aer_a = nvme_drv_submit_aer(a);
    aer_b = nvme_drv_submit_aer(b);

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 1);
    g_assert_cmphex(nvme_drv_exec(a, 0, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(a, aer_a, AER_NS_CHANGED);
    nvme_drv_expect_aer(b, aer_b, AER_NS_CHANGED);
    expect_changed_ns(a, 1);
    expect_changed_ns(b, 1);
    nvme_drv_stop_peer(b);
    nvme_drv_stop(a);
}

/* Without AEC bit 8 the log still lists the namespace, no event. */
static void test_format_ns_changed_masked(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeCmd cmd;
    NvmeCqe cqe;

    nvme_drv_submit_aer(d);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 1);
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, NVME_SUCCESS);
    expect_changed_ns(d, 1);
    g_assert_false(nvme_drv_poll_cqe(d, 0, &cqe, 100, true));
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/logs/coalescing/threshold", test_coal_threshold);
    qtest_add_func("/nvme/logs/coalescing/time", test_coal_time);
    qtest_add_func("/nvme/logs/coalescing/head_doorbell",
                   test_coal_head_doorbell);
    qtest_add_func("/nvme/logs/coalescing/masked_pending",
                   test_coal_masked_pending);
    qtest_add_func("/nvme/logs/coalescing/disabled", test_coal_disabled);
    qtest_add_func("/nvme/logs/coalescing/off", test_coal_off);
    qtest_add_func("/nvme/logs/telemetry/lpa", test_telemetry_lpa);
    qtest_add_func("/nvme/logs/telemetry/host", test_telemetry_host);
    qtest_add_func("/nvme/logs/telemetry/ctrl", test_telemetry_ctrl);
    qtest_add_func("/nvme/logs/lba_status/log", test_lba_status_log);
    qtest_add_func("/nvme/logs/lba_status/alert", test_lba_status_alert);
    qtest_add_func("/nvme/logs/lba_status/media_error",
                   test_lba_status_media_error);
    qtest_add_func("/nvme/logs/telemetry/ctrl_initiated",
                   test_telemetry_ctrl_initiated);
    qtest_add_func("/nvme/logs/format/ns_changed", test_format_ns_changed);
    qtest_add_func("/nvme/logs/format/ns_changed_masked",
                   test_format_ns_changed_masked);
    return g_test_run();
}

/*
 * qtest: the classes of guest input upstream QEMU fixed bugs in after
 * 10.0, each pinned to the right behaviour here: Abort naming an SQ id out
 * of range; Delete I/O SQ and CC.EN=0 while an Asynchronous Event Request
 * and I/O are outstanding; a controller reset with I/O in flight on
 * several queues, then reuse; Copy with protection information and every
 * bad range and descriptor format (cross-namespace formats 2 and 3
 * included); MSI-X enabled after the admin CQ was created; Set Features
 * with out-of-range counts and masks.  (SGL chains of zero-length
 * segments and segments pointing at themselves: nvme-sgl-test err_seg,
 * err_loop.)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define INVALID_FIELD   (NVME_INVALID_FIELD | DNR)
#define LBASZ           512
#define SLOW_MS         100         /* each backend request of the slow drive */

/* The controller on a drive whose every request takes SLOW_MS. */
static NvmeDrv *start_slow(const char *props)
{
    g_autofree char *args = g_strdup_printf(
        "-blockdev driver=null-co,node-name=slow,size=16777216,"
        "read-zeroes=on,latency-ns=%d "
        "-device nvme,drive=slow,serial=qtest-bugs%s%s",
        SLOW_MS * 1000000, props ? "," : "", props ? props : "");
    NvmeDrv *d = nvme_drv_start_args(args);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    return d;
}

/* Submit @n reads on queue @qid without waiting; the first cid. */
static uint16_t reads(NvmeDrv *d, uint16_t qid, int n)
{
    uint64_t buf = nvme_drv_alloc(d, LBASZ);
    uint16_t first = 0;

    for (int i = 0; i < n; i++) {
        NvmeCmd cmd;
        uint16_t cid;

        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
        nvme_drv_cmd_set_prp(d, &cmd, buf, LBASZ);
        cmd.cdw10 = cpu_to_le32(i);
        cid = nvme_drv_submit(d, qid, &cmd);
        first = i ? first : cid;
    }
    return first;
}

/* The controller still works: a read on a fresh queue pair @qid. */
static void check_alive(NvmeDrv *d, uint16_t qid)
{
    uint8_t buf[LBASZ];

    nvme_drv_create_qpair(d, qid, 16);
    g_assert_cmphex(nvme_drv_rw(d, qid, NVME_CMD_READ, 1, 0, 1, LBASZ, buf,
                                0), ==, NVME_SUCCESS);
}

/* Abort with SQIDs beyond the controller's: "not aborted", no harm. */
static void test_abort_sqid_range(void)
{
    NvmeDrv *d = nvme_drv_start_ready("max_ioqpairs=4");
    static const uint16_t sqids[] = { 5, 64, 0x7fff, 0xfffe, 0xffff };

    for (unsigned i = 0; i < ARRAY_SIZE(sqids); i++) {
        NvmeCmd cmd;
        NvmeCqe cqe;

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ABORT, 0);
        cmd.cdw10 = cpu_to_le32(0x1234u << 16 | sqids[i]);
        g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, &cqe), ==, NVME_SUCCESS);
        g_assert_cmphex(le32_to_cpu(cqe.result) & 1, ==, 1);
    }
    check_alive(d, 1);
    nvme_drv_stop(d);
}

/*
 * Delete I/O SQ with reads in flight and an AER outstanding: the SQ goes
 * (its commands need no completion), the AER stays and still works.
 */
static void test_delete_sq_busy(void)
{
    NvmeDrv *d = start_slow(NULL);
    NvmeCqe cqe;
    uint16_t aer;

    nvme_drv_create_qpair(d, 1, 32);
    aer = nvme_drv_submit_aer(d);
    reads(d, 1, 16);
    g_assert_cmphex(nvme_drv_delete_sq(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, NVME_SUCCESS);
    g_assert_false(nvme_drv_poll_cqe(d, 0, &cqe, 200, true));  /* AER */
    check_alive(d, 2);
    /* the AER outlived it: a temperature event completes it */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          0x02, NULL), ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          200, NULL), ==, 0);
    nvme_drv_expect_aer(d, aer, 0x020101);
    nvme_drv_stop(d);
}

/*
 * CC.EN = 0 with an AER and reads on two queues in flight: the reset
 * ends them without completions, RDY goes to 0, and the controller is
 * usable again at once, twice.
 */
static void test_reset_busy(void)
{
    NvmeDrv *d = start_slow("max_ioqpairs=4");

    for (int round = 0; round < 2; round++) {
        nvme_drv_create_qpair(d, 1, 32);
        nvme_drv_create_qpair(d, 2, 32);
        nvme_drv_submit_aer(d);
        reads(d, 1, 24);
        reads(d, 2, 24);
        nvme_drv_disable(d);
        nvme_drv_enable(d, 32, 32);
        check_alive(d, 3);
        nvme_drv_disable(d);
        nvme_drv_enable(d, 32, 32);
    }
    nvme_drv_stop(d);
}

/*
 * MSI-X enabled after the admin queues exist (and after a command
 * completed through INTx): completions interrupt through vector 0.
 */
static void test_msix_after_admin_cq(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    g_autofree NvmeIdCtrl *id = g_malloc(4096);

    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    nvme_drv_msix_enable(d);
    nvme_drv_msix_clear_all(d);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    g_assert_true(nvme_drv_msix_wait(d, 0, 5000));
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_true(nvme_drv_msix_fired(d, 0));
    nvme_drv_stop(d);
}

/*
 * Set Features with counts and masks out of range: Number of Queues
 * asking for 65536 (FFFFh), Interrupt Vector Configuration of a vector
 * the controller lacks, Temperature Threshold selecting a sensor or type
 * that is not there, Asynchronous Event Configuration with bits nothing
 * reports (ignored: AEC keeps what exists), Arbitration and Power
 * Management with reserved values.
 */
static void test_set_features_range(void)
{
    NvmeDrv *d = nvme_drv_start_ready("msix_qsize=4");
    uint32_t val;

    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          0xffffffff, NULL), ==,
                    INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          0x0000ffff, NULL), ==,
                    INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_VECTOR_CONF, 4,
                                          NULL), ==, INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_VECTOR_CONF,
                                          0xffff, NULL), ==, INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          350 | 9u << 16, NULL), ==,
                    INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          350 | 3u << 20, NULL), ==,
                    INVALID_FIELD);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          0xffffffff, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0,
                                          0, &val), ==, NVME_SUCCESS);
    /*
     * The SMART bits stay; reserved bits 16-26 and 28-30 and Discovery
     * Log Page Change (31, fabrics only) do not.
     */
    g_assert_cmphex(val & 0xff, ==, 0xff);
    g_assert_cmphex(val & 0xf7ff0000u, ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_POWER_MANAGEMENT, 1, NULL),
                    ==, INVALID_FIELD);
    check_alive(d, 1);
    nvme_drv_stop(d);
}

/* A Copy of @nr format-@fmt descriptors (@r) to @sdlba on queue 1. */
static uint16_t copy(NvmeDrv *d, uint64_t sdlba, const void *r, uint32_t nr,
                     uint32_t fmt, uint32_t extra)
{
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;

    nvme_drv_memwrite(d, buf, r, nr * 32);
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = cpu_to_le32(sdlba);
    cmd.cdw11 = cpu_to_le32(sdlba >> 32);
    cmd.cdw12 = cpu_to_le32((nr - 1) | fmt << 8 | extra);
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

/*
 * Copy on a namespace with type 1 PI: the 64-bit-guard descriptor formats
 * 1 and 3 are Invalid Field, format 2 naming no namespace is Invalid
 * Namespace; source and destination ranges beyond the namespace, overflowing
 * LBAs, a length above MSSRL / MCL, too many ranges are refused with the
 * spec's statuses; a good copy with PRINFO works.
 */
static void test_copy_pi_ranges(void)
{
    NvmeDrv *d = nvme_drv_start_io(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-bugs "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,ms=8,pi=1", 16);
    uint64_t nlbas = NVME_DRV_IMG_SIZE / (LBASZ + 8);
    NvmeCopySourceRangeFormat0_2 r[2] = { 0 };
    uint8_t blk[8 * LBASZ] = { 0 };

    /* 8 blocks with generated PI at 0, copied with PRINFOR/W checks */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 8, LBASZ, blk,
                                NVME_RW_PRINFO_PRACT << 16), ==,
                    NVME_SUCCESS);
    r[0].slba = 0;
    r[0].nlb = cpu_to_le16(7);
    r[0].reftag = 0;
    g_assert_cmphex(copy(d, 100, r, 1, 0, 0x7u << 12 | 0x8u << 26), ==,
                    NVME_SUCCESS);

    /*
     * formats: 1 and 3 are for the 64-bit guard; 2 names its source
     * namespace, and NSID 0 is none
     */
    g_assert_cmphex(copy(d, 200, r, 1, 1, 0), ==, INVALID_FIELD);
    g_assert_cmphex(copy(d, 200, r, 1, 3, 0), ==, INVALID_FIELD);
    g_assert_cmphex(copy(d, 200, r, 1, 2, 0), ==, NVME_INVALID_NSID | DNR);
    /* ranges */
    r[0].slba = cpu_to_le64(nlbas - 4);
    g_assert_cmphex(copy(d, 200, r, 1, 0, 0), ==, NVME_LBA_RANGE | DNR);
    r[0].slba = cpu_to_le64(UINT64_MAX - 2);
    g_assert_cmphex(copy(d, 200, r, 1, 0, 0), ==, NVME_LBA_RANGE | DNR);
    r[0].slba = 0;
    g_assert_cmphex(copy(d, nlbas - 4, r, 1, 0, 0), ==, NVME_LBA_RANGE | DNR);
    g_assert_cmphex(copy(d, UINT64_MAX - 2, r, 1, 0, 0), ==,
                    NVME_LBA_RANGE | DNR);
    /* limits: 128 blocks per range and per command, 128 ranges */
    r[0].nlb = cpu_to_le16(128);
    g_assert_cmphex(copy(d, 200, r, 1, 0, 0), ==, NVME_CMD_SIZE_LIMIT | DNR);
    r[0].nlb = cpu_to_le16(99);
    r[1].slba = cpu_to_le64(1000);
    r[1].nlb = cpu_to_le16(99);
    g_assert_cmphex(copy(d, 200, r, 2, 0, 0), ==, NVME_CMD_SIZE_LIMIT | DNR);
    /* a reference tag check fails on the wrong EILBRT, nothing moves */
    r[0].nlb = cpu_to_le16(7);
    r[0].reftag = cpu_to_le32(5);
    g_assert_cmphex(copy(d, 300, r, 1, 0, 0x1u << 12), ==,
                    NVME_E2E_REF_ERROR | DNR);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/upstream-bugs/abort-sqid-range",
                   test_abort_sqid_range);
    qtest_add_func("/nvme/upstream-bugs/delete-sq-busy", test_delete_sq_busy);
    qtest_add_func("/nvme/upstream-bugs/reset-busy", test_reset_busy);
    qtest_add_func("/nvme/upstream-bugs/msix-after-admin-cq",
                   test_msix_after_admin_cq);
    qtest_add_func("/nvme/upstream-bugs/set-features-range",
                   test_set_features_range);
    qtest_add_func("/nvme/upstream-bugs/copy-pi-ranges",
                   test_copy_pi_ranges);
    return g_test_run();
}

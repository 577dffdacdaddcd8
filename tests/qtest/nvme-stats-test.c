/*
 * qtest: I/O statistics.  Per-namespace SMART / Health logs (LPA bit 0)
 * next to the controller's, which commands count where, and the one
 * endurance group (CTRATT bit 4, ENDGID, Identify CNS 19h, log 09h) whose
 * figures add up every controller of the subsystem.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/timer.h"
#include "qemu/cutils.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define SLOT_A          4
#define SLOT_B          5
#define MiB             (1024 * 1024)
#define NS2_SIZE        (16 * MiB)
#define LOG_ENDGRP      0x09
#define CNS_ENDGRP_LIST 0x19

/* ns 1: the driver's 16 MiB image, 512-byte blocks; ns 2: 4 KiB blocks. */
#define TWO_NS "id=c0", \
    "-blockdev driver=null-co,node-name=n2,size=16777216,read-zeroes=on " \
    "-device nvme-ns,drive=n2,bus=c0,nsid=2,logical_block_size=4096," \
    "physical_block_size=4096"

/* The figures a test checks, from either log page. */
typedef struct Fig {
    uint64_t dur, duw, hrc, hwc, media;
} Fig;

static NvmeDrv *start_two_ns(void)
{
    NvmeDrv *d = nvme_drv_start(TWO_NS);

    nvme_drv_ready_io(d, 32);
    return d;
}

/* SMART / Health log of @nsid: the counters (high halves must be 0). */
static Fig smart(NvmeDrv *d, uint32_t nsid)
{
    NvmeSmartLog s;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, nsid, 0, &s,
                                     sizeof(s)), ==, NVME_SUCCESS);
    g_assert_cmpuint(s.data_units_read[1] | s.data_units_written[1] |
                     s.host_read_commands[1] | s.host_write_commands[1] |
                     s.media_errors[1], ==, 0);
    g_assert_cmpuint(le16_to_cpu(s.temperature), ==, 296);
    return (Fig) {
        .dur = le64_to_cpu(s.data_units_read[0]),
        .duw = le64_to_cpu(s.data_units_written[0]),
        .hrc = le64_to_cpu(s.host_read_commands[0]),
        .hwc = le64_to_cpu(s.host_write_commands[0]),
        .media = le64_to_cpu(s.media_errors[0]),
    };
}

static void expect_smart(NvmeDrv *d, uint32_t nsid, uint64_t dur,
                         uint64_t duw, uint64_t hrc, uint64_t hwc)
{
    Fig f = smart(d, nsid);

    g_assert_cmpuint(f.dur, ==, dur);
    g_assert_cmpuint(f.duw, ==, duw);
    g_assert_cmpuint(f.hrc, ==, hrc);
    g_assert_cmpuint(f.hwc, ==, hwc);
}

/* Endurance Group Information log of group 1 (512 bytes). */
static void endgrp_log(NvmeDrv *d, uint8_t *b)
{
    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 0, 1,
                                         0, b, 512), ==,
                    NVME_SUCCESS);
    for (unsigned i = 32; i < 192; i += 16) {
        g_assert_cmphex(ldq_le_p(b + i + 8), ==, 0);    /* 128-bit fields */
    }
    for (unsigned i = 192; i < 512; i++) {
        g_assert_cmphex(b[i], ==, 0);                   /* reserved */
    }
}

/* Its DUR, DUW, MUW (10^9 bytes), HRC, HWC, MDIE as "dur,duw,muw,...". */
static char *endgrp_str(NvmeDrv *d)
{
    uint8_t b[512];

    endgrp_log(d, b);
    return g_strdup_printf("%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                           ",%" PRIu64 ",%" PRIu64, ldq_le_p(b + 48),
                           ldq_le_p(b + 64), ldq_le_p(b + 80),
                           ldq_le_p(b + 96), ldq_le_p(b + 112),
                           ldq_le_p(b + 128));
}

static void expect_endgrp(NvmeDrv *d, const char *want)
{
    g_autofree char *got = endgrp_str(d);

    g_assert_cmpstr(got, ==, want);
}

/* An SLBA/NLB command (Verify, Write Zeroes, Write Uncorrectable). */
static uint16_t range_cmd(NvmeDrv *d, uint8_t opc, uint32_t nsid,
                          uint64_t slba, uint32_t n)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = n - 1;
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

/* Copy one range of @n blocks from @src to @dst on namespace 1. */
static uint16_t copy(NvmeDrv *d, uint64_t src, uint32_t n, uint64_t dst)
{
    NvmeCopySourceRangeFormat0_2 r = {
        .slba = cpu_to_le64(src), .nlb = cpu_to_le16(n - 1) };
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_memwrite(d, buf, &r, sizeof(r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, sizeof(r));
    cmd.cdw10 = (uint32_t)dst;
    cmd.cdw11 = dst >> 32;
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    guest_free(&d->alloc, buf);
    return st;
}

static uint16_t rw(NvmeDrv *d, uint8_t opc, uint32_t nsid, uint64_t slba,
                   uint32_t n, uint32_t lbasz)
{
    g_autofree uint8_t *buf = g_malloc0((size_t)n * lbasz);

    return nvme_drv_rw(d, 1, opc, nsid, slba, n, lbasz, buf, 0);
}

/* ---------------------------------------------------------------- */

static void test_identify(void)
{
    NvmeDrv *d = start_two_ns();
    g_autofree uint8_t *id = g_malloc0(4096);
    NvmeIdCtrl *ic = (NvmeIdCtrl *)id;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ic->lpa & 1, ==, 1);                /* per-ns SMART */
    g_assert_cmphex(le32_to_cpu(ic->ctratt) & (1 << 4), ==, 1 << 4);
    g_assert_cmpuint(lduw_le_p(id + 340), ==, 1);       /* ENDGIDMAX */
    for (uint32_t nsid = 1; nsid <= 2; nsid++) {
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, nsid, 0, id),
                        ==, NVME_SUCCESS);
        g_assert_cmpuint(lduw_le_p(id + 102), ==, 1);   /* ENDGID */
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_IND_NS, nsid, 0,
                                          id), ==, NVME_SUCCESS);
        g_assert_cmpuint(lduw_le_p(id + 14), ==, 1);    /* ENDGID */
    }
    /* an inactive NSID: zeroes */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 3, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(lduw_le_p(id + 102), ==, 0);

    /* CNS 19h: groups >= CDW11 15:0, after their count */
    for (uint16_t from = 0; from <= 2; from++) {
        NvmeCmd cmd;
        uint64_t buf = nvme_drv_alloc(d, 4096);

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
        nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
        cmd.cdw10 = CNS_ENDGRP_LIST;
        cmd.cdw11 = from;               /* CNS Specific Identifier */
        g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, NVME_SUCCESS);
        nvme_drv_memread(d, buf, id, 4096);
        g_assert_cmpuint(lduw_le_p(id), ==, from <= 1 ? 1 : 0);
        g_assert_cmpuint(lduw_le_p(id + 2), ==, from <= 1 ? 1 : 0);
        g_assert_cmpuint(lduw_le_p(id + 4), ==, 0);
        guest_free(&d->alloc, buf);
    }
    nvme_drv_stop(d);
}

/*
 * Write on namespace 1, read on namespace 2: each namespace's log has its
 * own figures, the controller's (NSID FFFFFFFFh or 0) the sum.  Data
 * units are thousands of 512-byte units, rounded up: 1000 units are 1,
 * 1001 are 2; a 4 KiB block is 8 units.
 */
static void test_smart_per_ns(void)
{
    NvmeDrv *d = start_two_ns();
    uint8_t b[512];

    expect_smart(d, 1, 0, 0, 0, 0);
    expect_smart(d, 2, 0, 0, 0, 0);
    expect_endgrp(d, "0,0,0,0,0,0");

    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 1, 0, 1000, 512), ==, NVME_SUCCESS);
    expect_smart(d, 1, 0, 1, 0, 1);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 1, 2000, 1, 512), ==, NVME_SUCCESS);
    expect_smart(d, 1, 0, 2, 0, 2);
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(rw(d, NVME_CMD_READ, 2, 64 * i, 64, 4096), ==,
                        NVME_SUCCESS);
    }
    expect_smart(d, 2, 2, 0, 3, 0);                     /* 1536 units */
    expect_smart(d, 1, 0, 2, 0, 2);
    expect_smart(d, NVME_NSID_BROADCAST, 2, 2, 3, 2);
    expect_smart(d, 0, 2, 2, 3, 2);

    /* the group: bytes in billions rounded up, exact command counts */
    expect_endgrp(d, "1,1,1,3,2,0");
    endgrp_log(d, b);
    g_assert_cmphex(b[0], ==, 0);                       /* no warning */
    g_assert_cmpuint(b[3], ==, 100);                    /* spare */
    g_assert_cmpuint(b[4], ==, 10);                     /* threshold */
    g_assert_cmpuint(b[5], ==, 0);                      /* used */
    g_assert_cmpuint(ldq_le_p(b + 160), ==, NVME_DRV_IMG_SIZE + NS2_SIZE);
    g_assert_cmpuint(ldq_le_p(b + 176), ==, 0);         /* no pool */
    /* offsets inside the page */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 2, 80, b, 16),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(ldq_le_p(b), ==, 0);               /* host writes */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 2, 64, b, 16),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(ldq_le_p(b), ==, 3);               /* host reads */
    nvme_drv_stop(d);
}

/*
 * Which commands count: Compare reads like Read; Verify adds data read but
 * no host read command (the group counts it); Copy is a host read and a
 * host write command with its blocks written; Write Zeroes and Write
 * Uncorrectable are neither (Write Zeroes writes media); a read of a
 * marked block is a media error of the namespace, the controller and the
 * group, whose error entries count only commands naming a namespace.
 */
static void test_commands(void)
{
    NvmeDrv *d = start_two_ns();
    NvmeSmartLog s;
    uint8_t b[512];
    Fig f;

    g_assert_cmphex(rw(d, NVME_CMD_READ, 1, 0, 996, 512), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_COMPARE, 1, 0, 4, 512), ==, NVME_SUCCESS);
    expect_smart(d, 1, 1, 0, 2, 0);                     /* 1000 units */
    g_assert_cmphex(range_cmd(d, NVME_CMD_VERIFY, 1, 0, 1), ==, NVME_SUCCESS);
    expect_smart(d, 1, 2, 0, 2, 0);                     /* 1001 units */
    expect_endgrp(d, "1,0,0,3,0,0");

    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_ZEROES, 1, 0, 8), ==,
                    NVME_SUCCESS);
    expect_smart(d, 1, 2, 0, 2, 0);
    expect_endgrp(d, "1,0,1,3,0,0");                    /* media only */

    g_assert_cmphex(copy(d, 0, 4, 100), ==, NVME_SUCCESS);
    expect_smart(d, 1, 2, 1, 3, 1);
    expect_endgrp(d, "1,1,1,4,1,0");

    g_assert_cmphex(range_cmd(d, NVME_CMD_WRITE_UNCOR, 1, 50, 1), ==,
                    NVME_SUCCESS);
    expect_smart(d, 1, 2, 1, 3, 1);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 1, 50, 1, 512), ==,
                    NVME_UNRECOVERED_READ | DNR);
    f = smart(d, 1);
    g_assert_cmpuint(f.hrc, ==, 3);                     /* failed: no */
    g_assert_cmpuint(f.media, ==, 1);
    g_assert_cmpuint(smart(d, 2).media, ==, 0);
    g_assert_cmpuint(smart(d, NVME_NSID_BROADCAST).media, ==, 1);
    expect_endgrp(d, "1,1,1,4,1,1");

    /* a failed admin command naming no namespace: not the group's */
    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 0, 2,
                                         0, NULL, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    endgrp_log(d, b);
    g_assert_cmpuint(ldq_le_p(b + 144), ==, 1);         /* NEILE */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &s, sizeof(s)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(s.number_of_error_log_entries[0]), ==, 2);
    nvme_drv_stop(d);
}

/*
 * SMART of an NSID that is not active gets Invalid Field (valid NSID) or
 * Invalid Namespace or Format; the group log of a group that does not
 * exist gets Invalid Field, with the LSI's location in the error log.
 */
static void test_bad_ids(void)
{
    NvmeDrv *d = start_two_ns();
    NvmeErrorLog e;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 3, 0, NULL,
                                     512), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 256, 0, NULL,
                                     512), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 257, 0, NULL,
                                     512), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xfffffffe, 0,
                                     NULL, 512), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &e,
                                     sizeof(e)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(e.nsid), ==, 0xfffffffe);
    g_assert_cmpuint(le16_to_cpu(e.param_error_location), ==, 4);

    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 0, 0,
                                         0, NULL, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 0, 2,
                                         0, NULL, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 0, 0xffff,
                                         0, NULL, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &e,
                                     sizeof(e)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(e.param_error_location), ==, 46);
    /* the NSID does not matter to a group's log */
    g_assert_cmphex(nvme_drv_get_log_lsi(d, LOG_ENDGRP, 0, 7, 1,
                                         0, NULL, 512), ==,
                    NVME_SUCCESS);
    nvme_drv_stop(d);
}

/*
 * A shared namespace on two controllers: each controller's SMART counts
 * the commands that came through it; the group counts all of them.
 */
static void test_shared(void)
{
    g_autofree char *img = nvme_drv_make_image(4 * MiB);
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-stats "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=3,detached=on "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        img, SLOT_A, SLOT_B);
    NvmeDrv *b, *a = nvme_drv_start_pair(args, SLOT_B, &b);

    nvme_drv_create_qpair(a, 1, 16);
    nvme_drv_create_qpair(b, 1, 16);
    for (int i = 0; i < 2; i++) {
        g_assert_cmphex(rw(a, NVME_CMD_WRITE, 1, 8 * i, 8, 512), ==,
                        NVME_SUCCESS);
    }
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(rw(b, NVME_CMD_READ, 1, 8 * i, 8, 512), ==,
                        NVME_SUCCESS);
    }
    expect_smart(a, 1, 0, 1, 0, 2);
    expect_smart(b, 1, 1, 0, 3, 0);
    expect_smart(a, NVME_NSID_BROADCAST, 0, 1, 0, 2);
    expect_endgrp(a, "1,1,1,3,2,0");
    expect_endgrp(b, "1,1,1,3,2,0");
    /* allocated but attached nowhere: not active here */
    g_assert_cmphex(nvme_drv_get_log(a, NVME_LOG_SMART_INFO, 3, 0, NULL,
                                     512), ==, NVME_INVALID_FIELD | DNR);
    nvme_drv_stop_peer(b);
    nvme_drv_stop(a);
    unlink(img);
}

/* Namespace Management: create @nsze 512-byte blocks, or delete. */
static uint32_t ns_mgmt(NvmeDrv *d, uint32_t sel, uint32_t nsid,
                        uint64_t nsze)
{
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    uint32_t dw0;

    id->nsze = cpu_to_le64(nsze);
    id->ncap = cpu_to_le64(nsze);
    g_assert_cmphex(nvme_drv_ns_mgmt(d, sel, nsid, sel ? NULL : id, 0, &dw0),
                    ==, NVME_SUCCESS);
    return dw0;
}

/*
 * A namespace's figures last while it exists (across detach and attach);
 * a new namespace on the same NSID starts from zero, while the group
 * keeps counting over its whole life.
 */
static void test_ns_lifetime(void)
{
    GError *err = NULL;
    g_autofree char *dir = g_dir_make_tmp("nvme-stats-XXXXXX", &err);
    g_autofree char *args = NULL;
    g_autofree char *path = NULL;
    NvmeDrv *d;
    uint8_t b[512];
    uint32_t nsid;

    g_assert_no_error(err);
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-stats-pool,pool=%s,"
        "pool-size=%d "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1", dir, 8 * MiB);
    d = nvme_drv_start_args(args);
    nvme_drv_ready_io(d, 16);

    nsid = ns_mgmt(d, 0, 0, 2048);                      /* 1 MiB */
    g_assert_cmpuint(nsid, ==, 2);
    endgrp_log(d, b);
    g_assert_cmpuint(ldq_le_p(b + 160), ==, NVME_DRV_IMG_SIZE + 8 * MiB);
    g_assert_cmpuint(ldq_le_p(b + 176), ==, 7 * MiB);
    nvme_drv_ns_attach_ok(d, 2, NVME_NS_ATTACHMENT_ATTACH, 0);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 2, 0, 8, 512), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_WRITE, 2, 8, 8, 512), ==, NVME_SUCCESS);
    expect_smart(d, 2, 0, 1, 0, 2);
    nvme_drv_ns_attach_ok(d, 2, NVME_NS_ATTACHMENT_DETACH, 0);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 2, 0, NULL,
                                     512), ==, NVME_INVALID_FIELD | DNR);
    nvme_drv_ns_attach_ok(d, 2, NVME_NS_ATTACHMENT_ATTACH, 0);
    expect_smart(d, 2, 0, 1, 0, 2);

    ns_mgmt(d, 1, 2, 0);
    g_assert_cmpuint(ns_mgmt(d, 0, 0, 2048), ==, 2);
    nvme_drv_ns_attach_ok(d, 2, NVME_NS_ATTACHMENT_ATTACH, 0);
    expect_smart(d, 2, 0, 0, 0, 0);
    expect_smart(d, NVME_NSID_BROADCAST, 0, 1, 0, 2);
    expect_endgrp(d, "0,1,1,0,2,0");
    ns_mgmt(d, 1, 2, 0);
    nvme_drv_stop(d);
    path = g_strdup_printf("%s/ns2.img", dir);
    unlink(path);
    rmdir(dir);
}

/* Controller Busy Time (minutes) of the SMART log of @nsid. */
static uint64_t busy_minutes(NvmeDrv *d, uint32_t nsid)
{
    NvmeSmartLog s;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, nsid, 0, &s,
                                     sizeof(s)), ==, NVME_SUCCESS);
    g_assert_cmpuint(s.controller_busy_time[1], ==, 0);
    return le64_to_cpu(s.controller_busy_time[0]);
}

/*
 * Controller Busy Time: the controller is busy while an I/O command's
 * completion is not posted.  A CQ of two entries holds one completion the
 * host has not consumed, so the next command's cannot be posted and the
 * controller stays busy across 150 s of virtual time: 2 minutes, in the
 * controller's log and in a namespace's.  Once the host consumes the
 * entries both are posted, and idle time does not count.
 */
static void test_busy_time(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint64_t buf = nvme_drv_alloc(d, 512);
    uint32_t seen = 0;
    NvmeCmd cmd;
    NvmeCqe cqe;

    qtest_clock_step(d->qts, 90 * 1000000000LL);
    g_assert_cmpuint(busy_minutes(d, NVME_NSID_BROADCAST), ==, 0);
    g_assert_cmphex(nvme_drv_create_cq(d, 1, 2, 1, true), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(d, 1, 1, 16), ==, 0);
    for (int i = 0; i < 2; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
        nvme_drv_cmd_set_prp(d, &cmd, buf, 512);
        cmd.cid = 0x10 + i;
        nvme_drv_sq_put(d, 1, &cmd);
    }
    nvme_drv_sq_ring(d, 1);
    for (int i = 0; i < 5000 && !nvme_drv_cqe_ready(d, 1); i++) {
        g_usleep(1000);
    }
    g_assert_true(nvme_drv_cqe_ready(d, 1));
    qtest_clock_step(d->qts, 150 * 1000000000LL);
    g_assert_cmpuint(busy_minutes(d, NVME_NSID_BROADCAST), ==, 2);
    g_assert_cmpuint(busy_minutes(d, 1), ==, 2);
    for (int i = 0; i < 2; i++) {       /* in either order */
        g_assert_true(nvme_drv_poll_cqe(d, 1, &cqe, 5000, true));
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
        g_assert_cmpuint(cqe.cid - 0x10u, <, 2);
        seen |= 1u << (cqe.cid - 0x10);
    }
    g_assert_cmphex(seen, ==, 3);
    qtest_clock_step(d->qts, 150 * 1000000000LL);
    g_assert_cmpuint(busy_minutes(d, NVME_NSID_BROADCAST), ==, 2);
    nvme_drv_stop(d);
}

/* The whole SMART / Health log of the controller (NSID FFFFFFFFh). */
static void smart_raw(NvmeDrv *d, uint8_t *b)
{
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     b, 512), ==, NVME_SUCCESS);
}

/*
 * Every field of the SMART / Health log against what the guest did:
 * counters move only with what counts for them, the health fields stay
 * what the device is (full spare, nothing used, 296 K below WCTEMP, so no
 * minutes above it), power cycles and unsafe shutdowns stay at the one
 * power-on of the QEMU run (controller resets and NVM subsystem resets
 * are neither), power-on hours follow the virtual clock, and reserved
 * bytes are zero.
 */
static void test_smart_fields(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t b[512], c[512];

    nvme_drv_create_qpair(d, 1, 16);
    smart_raw(d, b);
    g_assert_cmpuint(b[0], ==, 0);                      /* critical warn */
    g_assert_cmpuint(lduw_le_p(b + 1), ==, 296);        /* temperature */
    g_assert_cmpuint(b[3], ==, 100);                    /* spare */
    g_assert_cmpuint(b[4], ==, 10);                     /* threshold */
    g_assert_cmpuint(b[5], ==, 0);                      /* used */
    g_assert_cmpuint(b[6], ==, 0);                      /* EG warning */
    g_assert_true(buffer_is_zero(b + 7, 25));
    g_assert_true(buffer_is_zero(b + 32, 80));          /* I/O, busy */
    g_assert_cmpuint(ldq_le_p(b + 112), ==, 1);         /* power cycles */
    g_assert_true(buffer_is_zero(b + 120, 8 + 16 * 4)); /* POH..errors */
    g_assert_true(buffer_is_zero(b + 192, 320));        /* temps, rsvd */

    /* 2 hours and a minute of virtual time: POH 2, nothing else */
    qtest_clock_step(d->qts, 121 * 60 * NANOSECONDS_PER_SECOND);
    smart_raw(d, c);
    g_assert_cmpuint(ldq_le_p(c + 112), ==, 1);
    g_assert_cmpuint(ldq_le_p(c + 128), ==, 2);
    stq_le_p(c + 128, 0);
    g_assert_cmpmem(b, 512, c, 512);

    /* one read (1 data unit, 1 command), one that fails (1 entry) */
    g_assert_cmphex(rw(d, NVME_CMD_READ, 1, 0, 1, 512), ==, NVME_SUCCESS);
    g_assert_cmphex(rw(d, NVME_CMD_READ, 1, NVME_DRV_IMG_SIZE / 512, 1, 512),
                    ==, NVME_LBA_RANGE | DNR);
    smart_raw(d, c);
    g_assert_cmpuint(ldq_le_p(c + 32), ==, 1);          /* DUR */
    g_assert_cmpuint(ldq_le_p(c + 64), ==, 1);          /* HRC */
    g_assert_cmpuint(ldq_le_p(c + 176), ==, 1);         /* error entries */
    g_assert_cmpuint(ldq_le_p(c + 160), ==, 0);         /* media errors */
    g_assert_cmpuint(ldq_le_p(c + 48) | ldq_le_p(c + 80), ==, 0);

    /* a controller reset and an NVM subsystem reset: lifetime figures */
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_wr32(d, 0x20, NVME_DRV_NSSR_MAGIC);
    nvme_drv_forget_queues(d);
    nvme_drv_enable(d, 32, 32);
    smart_raw(d, b);
    g_assert_cmpuint(ldq_le_p(b + 112), ==, 1);         /* power cycles */
    g_assert_cmpuint(ldq_le_p(b + 128), ==, 2);         /* POH */
    g_assert_cmpuint(ldq_le_p(b + 144), ==, 0);         /* unsafe */
    g_assert_cmpuint(ldq_le_p(b + 32), ==, 1);
    g_assert_cmpuint(ldq_le_p(b + 64), ==, 1);
    g_assert_cmpuint(ldq_le_p(b + 176), ==, 1);

    /* an over-temperature threshold below 296 K warns, no WCTT */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD, 290,
                                          NULL), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 10 * 60 * NANOSECONDS_PER_SECOND);
    smart_raw(d, b);
    g_assert_cmphex(b[0], ==, NVME_SMART_TEMPERATURE);
    g_assert_cmpuint(ldl_le_p(b + 192) | ldl_le_p(b + 196), ==, 0);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/stats/identify", test_identify);
    qtest_add_func("/nvme/stats/smart-per-ns", test_smart_per_ns);
    qtest_add_func("/nvme/stats/commands", test_commands);
    qtest_add_func("/nvme/stats/bad-ids", test_bad_ids);
    qtest_add_func("/nvme/stats/shared", test_shared);
    qtest_add_func("/nvme/stats/ns-lifetime", test_ns_lifetime);
    qtest_add_func("/nvme/stats/busy-time", test_busy_time);
    qtest_add_func("/nvme/stats/smart-fields", test_smart_fields);
    return g_test_run();
}

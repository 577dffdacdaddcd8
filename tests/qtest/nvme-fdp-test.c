/*
 * qtest: Flexible Data Placement on upstream's command line (nvme-subsys
 * fdp=on, fdp.runs, fdp.nrg, fdp.nruh; nvme-ns fdp.ruhs): CTRATT, the FDP
 * and FDP Events features, log pages 20h-23h, I/O Management Receive and
 * Send, writes with the data placement directive, reclaim unit
 * accounting, statistics and events as writes go, and every refusal.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define LBASZ           512
#define RUNS            (64 * 1024)
#define RU_BLOCKS       (RUNS / LBASZ)
#define NRG             2
#define NRUH            8
#define ENDGID          1
#define FID_FDP         0x1d
#define FID_FDP_EVENTS  0x1e
#define OP_IOMR         0x12
#define OP_IOMS         0x1d
#define DTYPE_DP        2
#define EV_RUNFW        0x00
#define EV_INVALID_PID  0x03
#define EV_IMPLICIT     0x81
#define CTRATT_FDPS     (1u << 19)
#define PID(rg, ph)     ((uint16_t)((rg) << 15 | (ph)))  /* RGIF 1 */
#define ST_INVALID      (NVME_INVALID_FIELD | DNR)

/*
 * NSID 1 places through handles 1-3 (fdp.ruhs), NSID 2 through handle 0
 * (chosen by the controller), NSID 3 is zoned: no placement (not in a
 * QEMU built without zoned namespaces).
 */
typedef struct Rig {
    NvmeDrv *d;
    char *img[2];
    bool zoned;                 /* NSID 3 exists */
} Rig;

static void rig_start(Rig *r)
{
    g_autofree char *args = NULL;

    r->img[0] = nvme_drv_make_image(4 * 1024 * 1024);
    r->img[1] = nvme_drv_make_image(4 * 1024 * 1024);
    r->zoned = !nvme_drv_part_off("NVME_ZNS");
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-drive file=%s,if=none,id=d2,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-fdp,fdp=on,fdp.runs=64K,"
        "fdp.nrg=%d,fdp.nruh=%d "
        "-device nvme,id=c0,serial=qtest-fdp,subsys=s0 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,fdp.ruhs=1-3 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2 %s",
        r->img[0], r->img[1], NRG, NRUH,
        r->zoned ? "-device nvme-ns,drive=d2,bus=c0,nsid=3,zoned=true,"
                   "zoned.zone_size=1M" : "");
    r->d = nvme_drv_start_args(args);
    nvme_drv_ready_io_css(r->d, NVME_CC_CSS_ALL, 32);
}

static void rig_stop(Rig *r)
{
    nvme_drv_stop(r->d);
    for (int i = 0; i < 2; i++) {
        unlink(r->img[i]);
        g_free(r->img[i]);
    }
}

/* Log page @lid of endurance group @lsi with LSP @lsp. */
static uint16_t fdp_log(NvmeDrv *d, uint8_t lid, uint8_t lsp, uint16_t lsi,
                        void *out, uint32_t len)
{
    return nvme_drv_get_log_lsi(d, lid, (uint32_t)lsp << 8, 0, lsi, 0, out,
                                len);
}

/* A Write of @nlb blocks with directive type @dtype and DSPEC @dspec. */
static uint16_t fdp_write(NvmeDrv *d, uint32_t nsid, uint64_t slba,
                          uint32_t nlb, uint8_t dtype, uint16_t dspec)
{
    g_autofree uint8_t *data = g_malloc(nlb * LBASZ);
    NvmeCmd cmd;

    nvme_drv_pattern(data, nlb * LBASZ, slba + 1);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, nsid);
    cmd.cdw10 = slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = (nlb - 1) | (uint32_t)dtype << 20;
    cmd.cdw13 = (uint32_t)dspec << 16;
    return nvme_drv_exec_data(d, 1, &cmd, data, NULL, nlb * LBASZ, NULL);
}

/* I/O Management Receive of @len bytes with operation @mo. */
static uint16_t iomr(NvmeDrv *d, uint32_t nsid, uint8_t mo, void *out,
                     uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, OP_IOMR, nsid);
    cmd.cdw10 = mo;
    cmd.cdw11 = len / 4 - 1;
    return nvme_drv_exec_data(d, 1, &cmd, NULL, out, len, NULL);
}

/* I/O Management Send, Reclaim Unit Handle Update of @n identifiers. */
static uint16_t ruh_update(NvmeDrv *d, uint32_t nsid, const uint16_t *pids,
                           unsigned n)
{
    uint16_t le[16];
    NvmeCmd cmd;

    for (unsigned i = 0; i < n; i++) {
        le[i] = cpu_to_le16(pids[i]);
    }
    nvme_drv_cmd_init(&cmd, OP_IOMS, nsid);
    cmd.cdw10 = 1 | (n - 1) << 16;
    return nvme_drv_exec_data(d, 1, &cmd, le, NULL, n * 2, NULL);
}

/* RUAMW of the RUH Status descriptor of @pid on @nsid (asserts it). */
static uint64_t ruamw(NvmeDrv *d, uint32_t nsid, uint16_t pid)
{
    uint8_t buf[4096];
    uint16_t n;

    g_assert_cmphex(iomr(d, nsid, 1, buf, sizeof(buf)), ==, NVME_SUCCESS);
    n = lduw_le_p(buf + 14);
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = buf + 16 + i * 32;

        if (lduw_le_p(e) == pid) {
            return ldq_le_p(e + 8);
        }
    }
    g_assert_not_reached();
}

/* FDP Statistics: HBMW, MBMW, MBE (low halves; the high ones are 0). */
static void fdp_stats(NvmeDrv *d, uint64_t out[3])
{
    uint8_t buf[64];

    g_assert_cmphex(fdp_log(d, NVME_LOG_FDP_STATS, 0, ENDGID, buf, 64), ==,
                    NVME_SUCCESS);
    for (int i = 0; i < 3; i++) {
        out[i] = ldq_le_p(buf + i * 16);
        g_assert_cmphex(ldq_le_p(buf + i * 16 + 8), ==, 0);
    }
}

/* Set FDP Events: enable or disable @n event types of handle @ph. */
static uint16_t set_events(NvmeDrv *d, uint32_t nsid, uint16_t ph,
                           bool enable, const uint8_t *types, unsigned n)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, nsid);
    cmd.cdw10 = FID_FDP_EVENTS;
    cmd.cdw11 = ph | n << 16;
    cmd.cdw12 = enable;
    return nvme_drv_exec_data(d, 0, &cmd, types, NULL, n, NULL);
}

/* Get FDP Events of handle @ph, NOET @noet, into @out; CQE dw0. */
static uint16_t get_events(NvmeDrv *d, uint32_t nsid, uint16_t ph,
                           uint8_t noet, uint8_t *out, uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, nsid);
    cmd.cdw10 = FID_FDP_EVENTS;
    cmd.cdw11 = ph | (uint32_t)noet << 16;
    st = nvme_drv_exec_data(d, 0, &cmd, NULL, out, 512, &cqe);
    *dw0 = cqe.result;
    return st;
}

/* The FDP feature (1Dh) with SEL @sel of endurance group @endgid. */
static uint16_t get_fdp(NvmeDrv *d, uint8_t sel, uint16_t endgid,
                        uint32_t *dw0)
{
    return nvme_drv_get_features(d, FID_FDP, sel, endgid, dw0);
}

static uint16_t set_fdp(NvmeDrv *d, uint32_t cdw10_extra, uint16_t endgid,
                        uint32_t cdw12)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = FID_FDP | cdw10_extra;
    cmd.cdw11 = endgid;
    cmd.cdw12 = cdw12;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

/* The newest error log entry names byte @byte, bit @bit. */
static void expect_err_loc(NvmeDrv *d, unsigned byte, unsigned bit)
{
    NvmeErrorLog e = nvme_drv_last_error(d);

    g_assert_cmphex(le16_to_cpu(e.param_error_location), ==,
                    byte | bit << 8);
}

/*
 * Events log (23h) @host (LSP bit 0) or controller: the number, and the
 * first event into *@ev.
 */
static uint32_t fdp_events(NvmeDrv *d, bool host, NvmeFdpEvent *ev,
                           unsigned idx)
{
    g_autofree uint8_t *buf = g_malloc(4096);

    g_assert_cmphex(fdp_log(d, NVME_LOG_FDP_EVENTS, host, ENDGID, buf, 4096),
                    ==, NVME_SUCCESS);
    if (ev) {
        memcpy(ev, buf + 64 + idx * 64, sizeof(*ev));
    }
    return ldl_le_p(buf);
}

/* Directive Receive / Send of the Identify directive (CDW11 DOPER, DTYPE). */
static uint16_t dir_cmd(NvmeDrv *d, uint8_t opc, uint32_t nsid,
                        uint32_t cdw11, uint32_t cdw12, uint8_t *out,
                        uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.cdw10 = len ? len / 4 - 1 : 0;
    cmd.cdw11 = cdw11;
    cmd.cdw12 = cdw12;
    return nvme_drv_exec_data(d, 0, &cmd, NULL, out, len, NULL);
}

/* CTRATT bit 19, supported log pages, effects: only with fdp=on. */
static void test_identify(void)
{
    static const char *nofdp =
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-nofdp "
        "-device nvme,id=c0,serial=qtest-nofdp,subsys=s0 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1";
    for (int fdp = 0; fdp < 2; fdp++) {
        Rig r = { 0 };
        NvmeDrv *d;
        g_autofree uint8_t *buf = g_malloc(4096);
        uint32_t dw0;

        if (fdp) {
            rig_start(&r);
            d = r.d;
        } else {
            d = nvme_drv_start_io(nofdp, 32);
        }
        g_assert_cmphex(nvme_drv_identify(d, 0x01, 0, 0, buf), ==, 0);
        g_assert_cmphex(ldl_le_p(buf + 96) & CTRATT_FDPS, ==,
                        fdp ? CTRATT_FDPS : 0);
        g_assert_cmphex(lduw_le_p(buf + 256) & NVME_OACS_DIRECTIVES, ==,
                        fdp ? NVME_OACS_DIRECTIVES : 0);
        g_assert_cmphex(nvme_drv_get_log(d, 0x00, 0, 0, buf, 4096), ==, 0);
        for (int lid = 0x20; lid <= 0x23; lid++) {
            g_assert_cmphex(ldl_le_p(buf + lid * 4) & 1, ==, fdp);
        }
        g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, buf,
                                         4096), ==, 0);
        g_assert_cmphex(ldl_le_p(buf + NVME_ADM_CMD_DIRECTIVE_SEND * 4) & 1,
                        ==, fdp);
        g_assert_cmphex(ldl_le_p(buf + NVME_ADM_CMD_DIRECTIVE_RECV * 4) & 1,
                        ==, fdp);
        g_assert_cmphex(ldl_le_p(buf + 1024 + OP_IOMR * 4) & 1, ==, fdp);
        g_assert_cmphex(ldl_le_p(buf + 1024 + OP_IOMS * 4) & 1, ==, fdp);
        if (!fdp) {
            g_assert_cmphex(fdp_log(d, 0x20, 0, ENDGID, buf, 512), ==,
                            NVME_INVALID_LOG_ID | DNR);
            g_assert_cmphex(get_fdp(d, 0, ENDGID, &dw0), ==, ST_INVALID);
            g_assert_cmphex(set_fdp(d, 0, ENDGID, 1), ==, ST_INVALID);
            g_assert_cmphex(iomr(d, 1, 1, buf, 64), ==,
                            NVME_INVALID_OPCODE | DNR);
            g_assert_cmphex(dir_cmd(d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 1, 0,
                                    buf, 4096), ==,
                            NVME_INVALID_OPCODE | DNR);
            g_assert_cmphex(ruh_update(d, 1, (uint16_t[]){ 0 }, 1), ==,
                            NVME_INVALID_OPCODE | DNR);
            /* the directive is refused where nothing places writes */
            g_assert_cmphex(fdp_write(d, 1, 0, 1, DTYPE_DP, 0), ==,
                            ST_INVALID);
            expect_err_loc(d, 50, 4);
            nvme_drv_stop(d);
        } else {
            rig_stop(&r);
        }
    }
}

/*
 * Directives: Identify Return Parameters report data placement enabled
 * where a namespace places writes; Directive Send cannot change it.
 */
static void test_directives(void)
{
    Rig r = { 0 };
    g_autofree uint8_t *buf = g_malloc(4096);

    rig_start(&r);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 1, 0, buf,
                            4096), ==, 0);
    g_assert_cmphex(buf[0], ==, 0x05);          /* supported: 0 and 2 */
    g_assert_cmphex(buf[32], ==, 0x05);         /* enabled */
    g_assert_cmphex(buf[64], ==, 0x05);         /* persistent */
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 2, 1, 0, buf,
                            64), ==, 0);
    g_assert_cmphex(buf[32], ==, 0x05);
    if (r.zoned) {
        g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 3, 1, 0,
                                buf, 64), ==, 0);
        g_assert_cmphex(buf[32], ==, 0x01);     /* no placement */
    }
    /* other operations, types, DSPEC, NSIDs; and Enable Directive */
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 2, 0, buf,
                            64), ==, ST_INVALID);
    expect_err_loc(r.d, 44, 0);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 1 | 2 << 8,
                            0, buf, 64), ==, ST_INVALID);
    expect_err_loc(r.d, 45, 0);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 1 | 1 << 16,
                            0, buf, 64), ==, ST_INVALID);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 9, 1, 0, buf,
                            64), ==, ST_INVALID);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 0, 1, 0, buf,
                            64), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_SEND, 1, 1,
                            0 | 2 << 8, NULL, 0), ==, ST_INVALID);
    expect_err_loc(r.d, 49, 0);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_SEND, 1, 1,
                            1 | 2 << 8, NULL, 0), ==, ST_INVALID);
    g_assert_cmphex(dir_cmd(r.d, NVME_ADM_CMD_DIRECTIVE_RECV, 1, 1, 0, buf,
                            64), ==, 0);
    g_assert_cmphex(buf[32], ==, 0x05);         /* still enabled */
    rig_stop(&r);
}

/* Log 20h: one configuration as the command line says. */
static void test_configs_log(void)
{
    Rig r = { 0 };
    uint8_t buf[1024];

    rig_start(&r);
    g_assert_cmphex(fdp_log(r.d, 0x20, 0, ENDGID, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf), ==, 0);                /* NUMFDPC */
    g_assert_cmpuint(ldl_le_p(buf + 4), ==, 16 + 64 + NRUH * 4);
    g_assert_cmpuint(lduw_le_p(buf + 16), ==, 64 + NRUH * 4);   /* DSZE */
    g_assert_cmphex(buf[18], ==, 0x81);         /* valid, RGIF 1 */
    g_assert_cmpuint(ldl_le_p(buf + 20), ==, NRG);
    g_assert_cmpuint(lduw_le_p(buf + 24), ==, NRUH);
    g_assert_cmpuint(lduw_le_p(buf + 26), ==, NRUH - 1);    /* MAXPIDS */
    g_assert_cmpuint(ldq_le_p(buf + 32), ==, RUNS);
    for (int i = 0; i < NRUH; i++) {
        g_assert_cmpuint(buf[80 + i * 4], ==, NVME_RUHT_INITIALLY_ISOLATED);
    }
    /* offsets into the page, and only endurance group 1 */
    g_assert_cmphex(nvme_drv_get_log_lsi(r.d, 0x20, 0, 0, ENDGID, 16, buf,
                                         64), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf), ==, 64 + NRUH * 4);
    for (int lid = 0x20; lid <= 0x23; lid++) {
        g_assert_cmphex(fdp_log(r.d, lid, 0, 2, buf, 64), ==, ST_INVALID);
        expect_err_loc(r.d, 46, 0);
        g_assert_cmphex(fdp_log(r.d, lid, 0, 0, buf, 64), ==, ST_INVALID);
    }
    rig_stop(&r);
}

/* Log 21h: handles 1-3 the host's (NSID 1), 0 the controller's (NSID 2). */
static void test_ruh_usage_log(void)
{
    static const uint8_t want[NRUH] = {
        NVME_RUHA_CTRL, NVME_RUHA_HOST, NVME_RUHA_HOST, NVME_RUHA_HOST,
    };
    Rig r = { 0 };
    uint8_t buf[512];

    rig_start(&r);
    g_assert_cmphex(fdp_log(r.d, 0x21, 0, ENDGID, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf), ==, NRUH);
    for (int i = 0; i < NRUH; i++) {
        g_assert_cmpuint(buf[8 + i * 8], ==, want[i]);
    }
    rig_stop(&r);
}

/* Feature 1Dh: enabled, group 1 only; changes need no namespaces. */
static void test_fdp_feature(void)
{
    Rig r = { 0 };
    uint32_t dw0 = 0;

    rig_start(&r);
    for (uint8_t sel = 0; sel < 3; sel++) {
        g_assert_cmphex(get_fdp(r.d, sel, ENDGID, &dw0), ==, 0);
        g_assert_cmphex(dw0, ==, 1);            /* FDPE, configuration 0 */
    }
    g_assert_cmphex(get_fdp(r.d, 3, ENDGID, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, NVME_FEAT_CAP_CHANGE);
    g_assert_cmphex(get_fdp(r.d, 4, ENDGID, &dw0), ==, ST_INVALID);
    g_assert_cmphex(get_fdp(r.d, 0, 2, &dw0), ==, ST_INVALID);
    expect_err_loc(r.d, 44, 0);
    g_assert_cmphex(get_fdp(r.d, 0, 0, &dw0), ==, ST_INVALID);
    /* the current value again: nothing changes */
    g_assert_cmphex(set_fdp(r.d, 0, ENDGID, 1), ==, 0);
    g_assert_cmphex(set_fdp(r.d, 0, ENDGID, 0), ==, NVME_CMD_SEQ_ERROR | DNR);
    g_assert_cmphex(set_fdp(r.d, 0, ENDGID, 1 | 1 << 8), ==, ST_INVALID);
    expect_err_loc(r.d, 49, 0);
    g_assert_cmphex(set_fdp(r.d, 0, ENDGID, 1 | 1 << 1), ==, ST_INVALID);
    g_assert_cmphex(set_fdp(r.d, 0, 2, 1), ==, ST_INVALID);
    g_assert_cmphex(set_fdp(r.d, 1u << 31, ENDGID, 1), ==,
                    NVME_FID_NOT_SAVEABLE | DNR);
    g_assert_cmphex(get_fdp(r.d, 0, ENDGID, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 1);
    rig_stop(&r);
}

/* Feature 1Dh in a group without namespaces: off and on again. */
static void test_fdp_disable(void)
{
    NvmeDrv *d;
    uint32_t dw0 = 0;

    d = nvme_drv_start_args(
        "-device nvme-subsys,id=s0,nqn=qtest-fdp0,fdp=on,fdp.nruh=1 "
        "-device nvme,id=c0,serial=qtest-fdp0,subsys=s0");
    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(set_fdp(d, 0, ENDGID, 0), ==, 0);
    g_assert_cmphex(get_fdp(d, 0, ENDGID, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 0);
    g_assert_cmphex(get_fdp(d, 1, ENDGID, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 1);                /* the default */
    g_assert_cmphex(set_fdp(d, 0, ENDGID, 1), ==, 0);
    g_assert_cmphex(get_fdp(d, 0, ENDGID, &dw0), ==, 0);
    g_assert_cmphex(dw0, ==, 1);
    nvme_drv_stop(d);
}

/* Feature 1Eh: the event types, enabled per handle, bad handles. */
static void test_events_feature(void)
{
    static const uint8_t two[] = { EV_RUNFW, EV_IMPLICIT };
    static const uint8_t bad[] = { EV_RUNFW, 0x80 };
    Rig r = { 0 };
    uint8_t buf[512];
    uint32_t dw0 = 0;

    rig_start(&r);
    g_assert_cmphex(get_events(r.d, 1, 0, 255, buf, &dw0), ==, 0);
    g_assert_cmpuint(dw0, ==, 3);
    g_assert_cmphex(buf[0], ==, EV_RUNFW);
    g_assert_cmphex(buf[2], ==, EV_INVALID_PID);
    g_assert_cmphex(buf[4], ==, EV_IMPLICIT);
    g_assert_cmphex(buf[1] | buf[3] | buf[5], ==, 0);   /* all disabled */
    g_assert_cmphex(set_events(r.d, 1, 2, true, two, 2), ==, 0);
    g_assert_cmphex(get_events(r.d, 1, 2, 3, buf, &dw0), ==, 0);
    g_assert_cmphex(buf[1], ==, 1);
    g_assert_cmphex(buf[3], ==, 0);
    g_assert_cmphex(buf[5], ==, 1);
    /* the other handles and namespaces keep theirs */
    g_assert_cmphex(get_events(r.d, 1, 1, 3, buf, &dw0), ==, 0);
    g_assert_cmphex(buf[1] | buf[5], ==, 0);
    g_assert_cmphex(get_events(r.d, 1, 2, 1, buf, &dw0), ==, 0);
    g_assert_cmpuint(dw0, ==, 1);
    g_assert_cmphex(set_events(r.d, 1, 2, false, two, 1), ==, 0);
    g_assert_cmphex(get_events(r.d, 1, 2, 3, buf, &dw0), ==, 0);
    g_assert_cmphex(buf[1], ==, 0);
    g_assert_cmphex(buf[5], ==, 1);
    /* refused: a type never reported (nothing changes), bad handles */
    g_assert_cmphex(set_events(r.d, 1, 1, true, bad, 2), ==, ST_INVALID);
    g_assert_cmphex(get_events(r.d, 1, 1, 3, buf, &dw0), ==, 0);
    g_assert_cmphex(buf[1], ==, 0);
    g_assert_cmphex(set_events(r.d, 1, 3, true, two, 2), ==, ST_INVALID);
    expect_err_loc(r.d, 44, 0);
    g_assert_cmphex(get_events(r.d, 2, 1, 3, buf, &dw0), ==, ST_INVALID);
    g_assert_cmphex(get_events(r.d, 9, 0, 3, buf, &dw0), ==, ST_INVALID);
    g_assert_cmphex(get_events(r.d, 0, 0, 3, buf, &dw0), ==,
                    NVME_INVALID_NSID | DNR);
    if (r.zoned) {
        g_assert_cmphex(get_events(r.d, 3, 0, 3, buf, &dw0), ==,
                        NVME_FDP_DISABLED | DNR);
    }
    g_assert_cmphex(set_events(r.d, 1, 0, true, two, 2), ==, 0);
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 1);
        cmd.cdw10 = FID_FDP_EVENTS | 1u << 31;
        g_assert_cmphex(nvme_drv_exec(r.d, 0, &cmd, NULL), ==,
                        NVME_FID_NOT_SAVEABLE | DNR);
    }
    g_assert_cmphex(get_events(r.d, 1, 0, 0, buf, &dw0), ==, 0);
    g_assert_cmpuint(dw0, ==, 0);
    rig_stop(&r);
}

/* RUH Status: a descriptor per handle and group, full units at start. */
static void test_ruh_status(void)
{
    Rig r = { 0 };
    uint8_t buf[4096];

    rig_start(&r);
    g_assert_cmphex(iomr(r.d, 1, 1, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf + 14), ==, 3 * NRG);
    for (unsigned i = 0; i < 3 * NRG; i++) {
        const uint8_t *e = buf + 16 + i * 32;
        unsigned ph = i / NRG, rg = i % NRG;

        g_assert_cmphex(lduw_le_p(e), ==, PID(rg, ph));
        g_assert_cmpuint(lduw_le_p(e + 2), ==, ph + 1);     /* fdp.ruhs */
        g_assert_cmpuint(ldl_le_p(e + 4), ==, 0);           /* EARUTR */
        g_assert_cmpuint(ldq_le_p(e + 8), ==, RU_BLOCKS);
    }
    g_assert_cmphex(iomr(r.d, 2, 1, buf, sizeof(buf)), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf + 14), ==, NRG);
    g_assert_cmpuint(lduw_le_p(buf + 16 + 2), ==, 0);       /* handle 0 */
    /* NUMD cuts the data short */
    memset(buf, 0xaa, sizeof(buf));
    g_assert_cmphex(iomr(r.d, 1, 1, buf, 16 + 32), ==, 0);
    g_assert_cmpuint(lduw_le_p(buf + 14), ==, 3 * NRG);
    g_assert_cmpuint(ldq_le_p(buf + 16 + 8), ==, RU_BLOCKS);
    /* NUMD beyond MDTS, even one that wraps 32 bits in bytes */
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, OP_IOMR, 1);
        cmd.cdw10 = 1;
        cmd.cdw11 = 0xffffffff;
        g_assert_cmphex(nvme_drv_exec(r.d, 1, &cmd, NULL), ==, ST_INVALID);
        expect_err_loc(r.d, 44, 0);
        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DIRECTIVE_RECV, 1);
        cmd.cdw10 = 0xffffffff;
        cmd.cdw11 = 1;
        g_assert_cmphex(nvme_drv_exec(r.d, 0, &cmd, NULL), ==, ST_INVALID);
    }
    /* operations: 0 does nothing, the others are refused */
    g_assert_cmphex(iomr(r.d, 1, 0, buf, 64), ==, 0);
    g_assert_cmphex(iomr(r.d, 1, 2, buf, 64), ==, ST_INVALID);
    expect_err_loc(r.d, 40, 0);
    g_assert_cmphex(iomr(r.d, 1, 0xff, buf, 64), ==, ST_INVALID);
    if (r.zoned) {
        g_assert_cmphex(iomr(r.d, 3, 1, buf, 64), ==,
                        NVME_FDP_DISABLED | DNR);
    }
    g_assert_cmphex(iomr(r.d, 9, 1, buf, 64), ==, ST_INVALID);
    rig_stop(&r);
}

/* Writes fill the unit of the placement identifier they name. */
static void test_write_placement(void)
{
    static const uint8_t implicit[] = { EV_IMPLICIT };
    Rig r = { 0 };
    uint64_t st0[3], st[3];
    NvmeFdpEvent ev;

    rig_start(&r);
    fdp_stats(r.d, st0);
    g_assert_cmphex(fdp_write(r.d, 1, 0, 8, DTYPE_DP, PID(1, 2)), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 2)), ==, RU_BLOCKS - 8);
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 2)), ==, RU_BLOCKS);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 1)), ==, RU_BLOCKS);
    fdp_stats(r.d, st);
    g_assert_cmpuint(st[0] - st0[0], ==, 8 * LBASZ);
    g_assert_cmpuint(st[1] - st0[1], ==, 8 * LBASZ);
    g_assert_cmpuint(st[2], ==, st0[2]);
    /* no directive, and NSID 2's only handle: handle 0 of group 0 */
    g_assert_cmphex(fdp_write(r.d, 1, 8, 4, 0, 0), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 0)), ==, RU_BLOCKS - 4);
    g_assert_cmphex(fdp_write(r.d, 2, 0, 2, DTYPE_DP, PID(1, 0)), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 2, PID(1, 0)), ==, RU_BLOCKS - 2);
    g_assert_cmpuint(ruamw(r.d, 2, PID(0, 0)), ==, RU_BLOCKS);
    /* the data is where it was written */
    nvme_drv_expect_blocks(r.d, 1, 1, 0, 8, LBASZ, 1);
    /* filling a unit moves the handle to a fresh one: event 81h */
    g_assert_cmphex(set_events(r.d, 1, 2, true, implicit, 1), ==, 0);
    g_assert_cmpuint(fdp_events(r.d, false, NULL, 0), ==, 0);
    g_assert_cmphex(fdp_write(r.d, 1, 64, RU_BLOCKS - 8 + 3, DTYPE_DP,
                              PID(1, 2)), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 2)), ==, RU_BLOCKS - 3);
    fdp_stats(r.d, st);
    g_assert_cmpuint(st[0] - st0[0], ==, (RU_BLOCKS + 9) * LBASZ);
    g_assert_cmpuint(st[2] - st0[2], ==, RUNS);
    g_assert_cmpuint(fdp_events(r.d, false, &ev, 0), ==, 1);
    g_assert_cmphex(ev.type, ==, EV_IMPLICIT);
    g_assert_cmphex(ev.flags, ==, FDPEF_PIV | FDPEF_NSIDV);
    g_assert_cmphex(le16_to_cpu(ev.pid), ==, PID(1, 2));
    g_assert_cmpuint(le32_to_cpu(ev.nsid), ==, 1);
    g_assert_cmpuint(le16_to_cpu(ev.rgid), ==, 1);
    g_assert_cmpuint(ev.ruhid, ==, 3);
    g_assert_cmpuint(fdp_events(r.d, true, NULL, 0), ==, 0);
    rig_stop(&r);
}

/* RUH Update: fresh units, RU Not Fully Written, all or nothing. */
static void test_ruh_update(void)
{
    static const uint8_t runfw[] = { EV_RUNFW };
    Rig r = { 0 };
    uint64_t st0[3], st[3];
    NvmeFdpEvent ev;

    rig_start(&r);
    g_assert_cmphex(set_events(r.d, 1, 1, true, runfw, 1), ==, 0);
    g_assert_cmphex(fdp_write(r.d, 1, 0, 5, DTYPE_DP, PID(0, 1)), ==, 0);
    g_assert_cmphex(fdp_write(r.d, 1, 5, 6, DTYPE_DP, PID(1, 0)), ==, 0);
    fdp_stats(r.d, st0);
    /* an invalid identifier anywhere in the list: nothing moves */
    g_assert_cmphex(ruh_update(r.d, 1, (uint16_t[]){ PID(0, 1), PID(0, 3) },
                               2), ==, ST_INVALID);
    g_assert_cmphex(ruh_update(r.d, 1, (uint16_t[]){ PID(0, 1), 0x4000 },
                               2), ==, ST_INVALID);
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 1)), ==, RU_BLOCKS - 5);
    /* handle 1 of group 0 was written, handle 2 of group 1 not */
    g_assert_cmphex(ruh_update(r.d, 1, (uint16_t[]){ PID(0, 1), PID(1, 2) },
                               2), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 1)), ==, RU_BLOCKS);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 0)), ==, RU_BLOCKS - 6);
    fdp_stats(r.d, st);
    g_assert_cmpuint(st[2] - st0[2], ==, RUNS);     /* one fresh unit */
    g_assert_cmpuint(st[0], ==, st0[0]);
    g_assert_cmpuint(fdp_events(r.d, true, &ev, 0), ==, 1);
    g_assert_cmphex(ev.type, ==, EV_RUNFW);
    g_assert_cmphex(le16_to_cpu(ev.pid), ==, PID(0, 1));
    g_assert_cmpuint(ev.ruhid, ==, 2);
    g_assert_cmpuint(le16_to_cpu(ev.rgid), ==, 0);
    /* handle 0 has RU Not Fully Written disabled: no event */
    g_assert_cmphex(ruh_update(r.d, 1, (uint16_t[]){ PID(1, 0) }, 1), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 0)), ==, RU_BLOCKS);
    g_assert_cmpuint(fdp_events(r.d, true, NULL, 0), ==, 1);
    /* operation 0 does nothing; others and namespaces without FDP */
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, OP_IOMS, 1);
        cmd.cdw10 = 0;
        g_assert_cmphex(nvme_drv_exec(r.d, 1, &cmd, NULL), ==, 0);
        cmd.cdw10 = 2;
        g_assert_cmphex(nvme_drv_exec(r.d, 1, &cmd, NULL), ==, ST_INVALID);
    }
    if (r.zoned) {
        g_assert_cmphex(ruh_update(r.d, 3, (uint16_t[]){ 0 }, 1), ==,
                        NVME_FDP_DISABLED | DNR);
    }
    g_assert_cmphex(ruh_update(r.d, 2, (uint16_t[]){ PID(0, 1) }, 1), ==,
                    ST_INVALID);
    rig_stop(&r);
}

/* Bad directives: other types refused; an unknown identifier reported. */
static void test_bad_directives(void)
{
    static const uint8_t inval[] = { EV_INVALID_PID };
    Rig r = { 0 };
    NvmeFdpEvent ev;

    rig_start(&r);
    for (uint8_t dtype = 1; dtype < 16; dtype++) {
        if (dtype != DTYPE_DP) {
            g_assert_cmphex(fdp_write(r.d, 1, 0, 1, dtype, 0), ==,
                            ST_INVALID);
        }
    }
    expect_err_loc(r.d, 50, 4);
    if (r.zoned) {          /* zoned namespace: no placement */
        g_assert_cmphex(fdp_write(r.d, 3, 0, 1, DTYPE_DP, 0), ==,
                        ST_INVALID);
    }
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 0)), ==, RU_BLOCKS);
    /* an identifier NSID 1 lacks: written through handle 0, group 0 */
    g_assert_cmphex(set_events(r.d, 1, 0, true, inval, 1), ==, 0);
    g_assert_cmphex(fdp_write(r.d, 1, 0, 2, DTYPE_DP, PID(0, 3)), ==, 0);
    g_assert_cmphex(fdp_write(r.d, 1, 2, 1, DTYPE_DP, 0x4001), ==, 0);
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 0)), ==, RU_BLOCKS - 3);
    g_assert_cmpuint(fdp_events(r.d, true, &ev, 1), ==, 2);
    g_assert_cmphex(ev.type, ==, EV_INVALID_PID);
    g_assert_cmphex(le16_to_cpu(ev.pid), ==, 0x4001);
    g_assert_cmpuint(le32_to_cpu(ev.nsid), ==, 1);
    g_assert_cmpuint(ev.ruhid, ==, 1);
    nvme_drv_expect_blocks(r.d, 1, 1, 0, 2, LBASZ, 1);
    rig_stop(&r);
}

/*
 * Writes in flight on two queues at once (two iothreads in the iothreads
 * mode) through two handles: every byte is accounted, once.
 */
static void test_concurrent(void)
{
    enum { ROUNDS = 24, DEPTH = 8, NLB = 7, EACH = ROUNDS * DEPTH * NLB };
    Rig r = { 0 };
    uint64_t st0[3], st[3], buf;
    uint16_t cids[2][DEPTH];
    NvmeCqe cqe;

    rig_start(&r);
    nvme_drv_create_qpair(r.d, 2, 32);
    buf = nvme_drv_alloc(r.d, NLB * LBASZ);
    fdp_stats(r.d, st0);
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < DEPTH; i++) {
            for (uint16_t q = 1; q <= 2; q++) {
                uint64_t slba = ((round * DEPTH + i) * 2 + q) * NLB;
                NvmeCmd cmd;

                nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
                nvme_drv_cmd_set_prp(r.d, &cmd, buf, NLB * LBASZ);
                cmd.cdw10 = slba;
                cmd.cdw12 = (NLB - 1) | DTYPE_DP << 20;
                cmd.cdw13 = (uint32_t)PID(q - 1, q) << 16;
                cids[q - 1][i] = nvme_drv_submit(r.d, q, &cmd);
            }
        }
        for (int i = 0; i < DEPTH; i++) {
            for (uint16_t q = 1; q <= 2; q++) {
                nvme_drv_wait_cid(r.d, q, cids[q - 1][i], &cqe);
                g_assert_cmphex(le16_to_cpu(cqe.status) >> 1, ==, 0);
            }
        }
    }
    fdp_stats(r.d, st);
    g_assert_cmpuint(st[0] - st0[0], ==, 2 * EACH * LBASZ);
    /* each handle filled EACH / RU_BLOCKS units, and some of the next */
    g_assert_cmpuint(ruamw(r.d, 1, PID(0, 1)), ==,
                     RU_BLOCKS - EACH % RU_BLOCKS);
    g_assert_cmpuint(ruamw(r.d, 1, PID(1, 2)), ==,
                     RU_BLOCKS - EACH % RU_BLOCKS);
    g_assert_cmpuint(st[2] - st0[2], ==, 2 * (EACH / RU_BLOCKS) * RUNS);
    rig_stop(&r);
}

/* The host events ring keeps the newest 63. */
static void test_events_wrap(void)
{
    static const uint8_t runfw[] = { EV_RUNFW };
    Rig r = { 0 };
    NvmeFdpEvent ev;

    rig_start(&r);
    g_assert_cmphex(set_events(r.d, 2, 0, true, runfw, 1), ==, 0);
    for (int i = 0; i < 70; i++) {
        uint16_t pid = PID(i & 1, 0);

        g_assert_cmphex(fdp_write(r.d, 2, i, 1, DTYPE_DP, pid), ==, 0);
        g_assert_cmphex(ruh_update(r.d, 2, &pid, 1), ==, 0);
    }
    g_assert_cmpuint(fdp_events(r.d, true, &ev, 62), ==, 63);
    g_assert_cmphex(le16_to_cpu(ev.pid), ==, PID(1, 0));    /* the 70th */
    g_assert_cmpuint(le32_to_cpu(ev.nsid), ==, 2);
    rig_stop(&r);
}

/* Command lines upstream refuses, and ours with it. */
static void test_props(void)
{
    static const struct { const char *args, *msg; } rows[] = {
        { "-device nvme-subsys,id=s0,fdp=on", "fdp.nruh" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=129", "fdp.nruh" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=1,fdp.nrg=0",
          "fdp.nrg" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=1,fdp.runs=0",
          "fdp.runs" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=8,fdp.nrg=70000",
          "fdp.nrg" },
        { "-device nvme-subsys,id=s0 -device nvme,serial=a,subsys=s0 "
          "-drive file=null-co://,if=none,id=d0,format=raw "
          "-device nvme-ns,drive=d0,fdp.ruhs=0", "fdp.ruhs" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=4 "
          "-device nvme,serial=a,subsys=s0 "
          "-drive file=null-co://,if=none,id=d0,format=raw "
          "-device nvme-ns,drive=d0,fdp.ruhs=2-4", "beyond fdp.nruh" },
        { "-device nvme-subsys,id=s0,fdp=on,fdp.nruh=4 "
          "-device nvme,serial=a,subsys=s0 "
          "-drive file=null-co://,if=none,id=d0,format=raw "
          "-device nvme-ns,drive=d0,'fdp.ruhs=1;1'", "twice" },
    };

    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        nvme_drv_start_fails(rows[i].args, rows[i].msg);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/fdp/identify", test_identify);
    qtest_add_func("/nvme/fdp/directives", test_directives);
    qtest_add_func("/nvme/fdp/configs-log", test_configs_log);
    qtest_add_func("/nvme/fdp/ruh-usage-log", test_ruh_usage_log);
    qtest_add_func("/nvme/fdp/fdp-feature", test_fdp_feature);
    qtest_add_func("/nvme/fdp/fdp-disable", test_fdp_disable);
    qtest_add_func("/nvme/fdp/events-feature", test_events_feature);
    qtest_add_func("/nvme/fdp/ruh-status", test_ruh_status);
    qtest_add_func("/nvme/fdp/write-placement", test_write_placement);
    qtest_add_func("/nvme/fdp/ruh-update", test_ruh_update);
    qtest_add_func("/nvme/fdp/bad-directives", test_bad_directives);
    qtest_add_func("/nvme/fdp/events-wrap", test_events_wrap);
    qtest_add_func("/nvme/fdp/concurrent", test_concurrent);
    qtest_add_func("/nvme/fdp/props", test_props);
    return g_test_run();
}

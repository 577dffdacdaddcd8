/*
 * qtest: zoned namespaces (Zoned Namespace Command Set): the properties
 * and their checks, Identify, the zone state machine through Zone
 * Management Send and writes, Zone Management Receive, Zone Append, the
 * zone rules of the other NVM commands, Zone Random Write Areas, and the
 * zone state kept in the image across restarts and kills.
 *
 * Zones here are 1 MiB (2048 blocks of 512 bytes): the 16 MiB test image
 * holds 16 of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qobject/qdict.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR         NVME_DNR
#define LBASZ       512
#define ZSZE        2048ull
#define NZONES      (NVME_DRV_IMG_SIZE / (ZSZE * LBASZ))
#define ZONE(i)     ((uint64_t)(i) * ZSZE)

#define ZSA_CLOSE   0x01
#define ZSA_FINISH  0x02
#define ZSA_OPEN    0x03
#define ZSA_RESET   0x04
#define ZSA_OFFLINE 0x05
#define ZSA_SET_ZDE 0x10
#define ZSA_FLUSH   0x11
#define ALL         (1u << 8)
#define ZRWAA       (1u << 9)
#define PARTIAL     (1u << 16)
#define EXTENDED    1

#define ZS_EMPTY    0x1
#define ZS_IOPEN    0x2
#define ZS_EOPEN    0x3
#define ZS_CLOSED   0x4
#define ZS_RONLY    0xd
#define ZS_FULL     0xe
#define ZS_OFFLINE  0xf

#define ZA_FZR      (1u << 1)
#define ZA_RZR      (1u << 2)
#define ZA_ZRWAV    (1u << 3)
#define ZA_ZDEV     (1u << 7)
#define NO_WP       UINT64_MAX

#define ST_BOUNDARY     (NVME_ZONE_BOUNDARY_ERROR | DNR)
#define ST_FULL         (NVME_ZONE_FULL | DNR)
#define ST_INV_WRITE    (NVME_ZONE_INVALID_WRITE | DNR)
#define ST_ACTIVE       (NVME_ZONE_TOO_MANY_ACTIVE | DNR)
#define ST_OPEN         (NVME_ZONE_TOO_MANY_OPEN | DNR)
#define ST_TRANS        (NVME_ZONE_INVAL_TRANSITION | DNR)
#define ST_FIELD        (NVME_INVALID_FIELD | DNR)

/* ---- helpers ---- */

static char *zns_args(const char *ctrl, const char *ns)
{
    return g_strdup_printf("-drive file=@IMG@,if=none,id=z0,format=raw "
                           "-device nvme,id=c0,serial=zns0%s%s "
                           "-device nvme-ns,id=zns1,drive=z0,bus=c0,nsid=1,"
                           "zoned=on,"
                           "zoned.zone_size=1M%s%s", ctrl ? "," : "",
                           ctrl ? ctrl : "", ns ? "," : "", ns ? ns : "");
}

/* Enable with all I/O command sets, I/O queue pair 1. */
static NvmeDrv *zns_ready(NvmeDrv *d)
{
    nvme_drv_ready_io_css(d, NVME_CC_CSS_ALL, 64);
    return d;
}

static NvmeDrv *zstart(const char *ctrl, const char *ns)
{
    g_autofree char *args = zns_args(ctrl, ns);

    return zns_ready(nvme_drv_start_args(args));
}

/* The same on the image @path, kept across restarts. */
static NvmeDrv *zstart_image(const char *path, const char *ctrl,
                             const char *ns, bool killable)
{
    g_autofree char *args = zns_args(ctrl, ns);

    return zns_ready(killable ? nvme_drv_start_killable(args, path)
                              : nvme_drv_start_image(args, path));
}

static uint16_t zsend(NvmeDrv *d, uint64_t slba, uint32_t cdw13)
{
    return nvme_drv_zone_send(d, 1, 1, slba, cdw13, NULL, 0);
}

/* Write (or another command of that layout) of @n blocks, data @seed. */
static uint16_t zcmd(NvmeDrv *d, uint8_t opc, uint64_t slba, uint32_t n,
                     uint32_t seed)
{
    g_autofree uint8_t *buf = g_malloc(n * LBASZ);

    nvme_drv_pattern(buf, n * LBASZ, seed);
    return nvme_drv_rw(d, 1, opc, 1, slba, n, LBASZ, buf, 0);
}

static uint16_t zwrite(NvmeDrv *d, uint64_t slba, uint32_t n, uint32_t seed)
{
    return zcmd(d, NVME_CMD_WRITE, slba, n, seed);
}

static uint16_t zread_status(NvmeDrv *d, uint64_t slba, uint32_t n)
{
    return zcmd(d, NVME_CMD_READ, slba, n, 0);
}

/* The blocks read back as written with @seed (0: as zeroes). */
static void expect_data(NvmeDrv *d, uint64_t slba, uint32_t n, uint32_t seed)
{
    nvme_drv_expect_blocks(d, 1, 1, slba, n, LBASZ, seed);
}

typedef struct Zone {
    uint8_t zt, zs, za;
    uint64_t zcap, zslba, wp;
} Zone;

static Zone zone_decode(const uint8_t *p)
{
    return (Zone) {
        .zt = p[0], .zs = p[1] >> 4, .za = p[2],
        .zcap = ldq_le_p(p + 8), .zslba = ldq_le_p(p + 16),
        .wp = ldq_le_p(p + 24),
    };
}

/* Zone @idx as a partial report of one descriptor shows it. */
static Zone zone(NvmeDrv *d, uint32_t idx)
{
    uint8_t buf[128];

    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, ZONE(idx), PARTIAL, buf,
                                       sizeof(buf)), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, 1);
    return zone_decode(buf + 64);
}

static void expect_zone(NvmeDrv *d, uint32_t idx, uint8_t zs, uint64_t wp)
{
    Zone z = zone(d, idx);

    g_assert_cmpuint(z.zt, ==, 2);          /* sequential write required */
    g_assert_cmphex(z.zs, ==, zs);
    g_assert_cmpuint(z.zslba, ==, ZONE(idx));
    g_assert_cmphex(z.wp, ==, wp);
}

static NvmeErrorLog last_error(NvmeDrv *d)
{
    NvmeErrorLog log;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, 0);
    return log;
}

/* qom-set zone-inject: the controller changes a zone. */
static bool inject(NvmeDrv *d, const char *spec)
{
    return nvme_drv_qom_set(d, "/machine/peripheral/zns1", "zone-inject",
                            spec);
}

/* ---- configuration ---- */

/* Property checks: each bad configuration keeps QEMU from starting. */
static void test_props(void)
{
    static const struct {
        const char *ctrl, *ns, *msg;
    } bad[] = {
        { NULL, "zoned.zone_capacity=2M", "exceeds zone size" },
        { NULL, "zoned.descr_ext_size=65", "multiple of 64B" },
        { NULL, "zoned.max_open=5,zoned.max_active=3", "exceeds max_active" },
        { NULL, "zoned.zone_size=32M", "at least the size of one zone" },
        { "zoned.zasl=8", NULL, "zoned.zasl" },
        { NULL, "zoned.numzrwa=2", "needs zoned.zrwas" },
        { NULL, "zoned.numzrwa=2,zoned.zrwas=3000", "multiple of" },
        { NULL, "zoned.numzrwa=2,zoned.zrwas=16k,zoned.zrwafg=12k",
          "multiple of" },
        { NULL, "zoned.numzrwa=4,zoned.zrwas=16k,zoned.max_active=2",
          "exceeds zoned.max_active" },
        { NULL, "zoned.zone_size=256", "at least one block" },
    };
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);

    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        g_autofree char *args = g_strdup_printf(
            "-drive file=%s,if=none,id=z0,format=raw "
            "-device nvme,id=c0,serial=zns0%s%s "
            "-device nvme-ns,drive=z0,bus=c0,zoned=on,zoned.zone_size=1M%s%s",
            img, bad[i].ctrl ? "," : "", bad[i].ctrl ? bad[i].ctrl : "",
            bad[i].ns ? "," : "", bad[i].ns ? bad[i].ns : "");
        g_autofree char *err = NULL;

        g_assert_cmpint(nvme_drv_run_qemu(args, &err), ==, 1);
        g_assert_nonnull(strstr(err, bad[i].msg));
    }
    unlink(img);
}

/* Identify: CSI 02h wherever it shows. */
static void test_identify(void)
{
    NvmeDrv *d = zstart("zoned.zasl=5", "zoned.zone_capacity=768K,"
                        "zoned.max_open=4,zoned.max_active=6,"
                        "zoned.descr_ext_size=128,zoned.cross_read=on");
    uint8_t buf[4096];
    uint32_t list[1024];

    /* CAP.CSS: NVM and the I/O command sets */
    g_assert_cmphex(NVME_CAP_CSS(d->cap) & 0x41, ==, 0x41);
    /* CNS 1Ch: combination 0 is NVM + Zoned */
    g_assert_cmphex(nvme_drv_identify(d, 0x1c, 0, 0, buf), ==, 0);
    g_assert_cmphex(ldq_le_p(buf), ==, 0x5);
    /* CNS 06h CSI 2: ZASL */
    g_assert_cmphex(nvme_drv_identify(d, 0x06, 0, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmpuint(buf[0], ==, 5);
    /* CNS 05h CSI 2 */
    g_assert_cmphex(nvme_drv_identify(d, 0x05, 1, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmphex(lduw_le_p(buf), ==, 0);             /* ZOC */
    g_assert_cmphex(lduw_le_p(buf + 2), ==, 1);         /* OZCS: RAZB */
    g_assert_cmpuint(ldl_le_p(buf + 4), ==, 5);         /* MAR, 0's based */
    g_assert_cmpuint(ldl_le_p(buf + 8), ==, 3);         /* MOR */
    g_assert_cmpuint(ldq_le_p(buf + 2816), ==, ZSZE);   /* LBAFE 0 ZSZE */
    g_assert_cmpuint(buf[2816 + 8], ==, 2);             /* ZDES: 128 B */
    g_assert_cmpuint(ldq_le_p(buf + 2816 + 16), ==, ZSZE / 8);  /* 4 KiB */
    /* CNS 00h: the zones fill the image */
    g_assert_cmphex(nvme_drv_identify(d, 0x00, 1, 0, buf), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES * ZSZE);
    g_assert_cmpuint(ldq_le_p(buf + 8), ==, NZONES * ZSZE);
    /* CNS 03h: the CSI descriptor says Zoned */
    g_assert_cmphex(nvme_drv_identify(d, 0x03, 1, 0, buf), ==, 0);
    for (unsigned off = 0; buf[off]; off += 4 + buf[off + 1]) {
        if (buf[off] == NVME_NIDT_CSI) {
            g_assert_cmpuint(buf[off + 4], ==, NVME_CSI_ZONED);
            break;
        }
        g_assert_cmpuint(off, <, 4000);
    }
    /* CNS 07h: active NSIDs per command set; CSI 1 is not supported */
    g_assert_cmphex(nvme_drv_identify(d, 0x07, 0, NVME_CSI_ZONED, list), ==,
                    0);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    g_assert_cmphex(nvme_drv_identify(d, 0x07, 0, NVME_CSI_NVM, list), ==, 0);
    g_assert_cmpuint(list[0], ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, 0x07, 0, 1, list), ==, ST_FIELD);
    nvme_drv_stop(d);

    /* no limits: MAR/MOR all ones; ZASL 0 reports MDTS */
    d = zstart(NULL, NULL);
    g_assert_cmphex(nvme_drv_identify(d, 0x05, 1, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmphex((uint32_t)ldl_le_p(buf + 4), ==, UINT32_MAX);
    g_assert_cmphex((uint32_t)ldl_le_p(buf + 8), ==, UINT32_MAX);
    g_assert_cmphex(lduw_le_p(buf + 2), ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, 0x06, 0, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmpuint(buf[0], ==, 7);
    nvme_drv_stop(d);
}

/* Commands Supported and Effects, per command set. */
static void test_effects(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    g_autofree NvmeEffectsLog *log = g_new0(NvmeEffectsLog, 1);

    g_assert_cmphex(nvme_drv_get_log_ext(d, NVME_LOG_CMD_EFFECTS, 0, 0, 0,
                                         log, sizeof(*log)), ==, 0);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_WRITE]), ==, 3);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_ZONE_APPEND]), ==, 0);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_ZONE_MGMT_SEND]), ==, 0);
    /* CSI in CDW14 bits 31:24 */
    {
        NvmeCmd cmd;
        uint64_t buf = nvme_drv_alloc(d, sizeof(*log));

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0);
        nvme_drv_cmd_set_prp(d, &cmd, buf, sizeof(*log));
        cmd.cdw10 = NVME_LOG_CMD_EFFECTS | ((sizeof(*log) / 4 - 1) << 16);
        cmd.cdw14 = NVME_CSI_ZONED << 24;
        g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, 0);
        nvme_drv_memread(d, buf, log, sizeof(*log));
    }
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_WRITE]), ==, 3);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_ZONE_APPEND]), ==, 3);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_ZONE_MGMT_SEND]), ==, 3);
    g_assert_cmphex(le32_to_cpu(log->iocs[NVME_CMD_ZONE_MGMT_RECV]), ==, 1);
    nvme_drv_stop(d);
}

/*
 * With CC.CSS = NVM only, a zoned namespace is inactive: not listed, its
 * Identify data zeroes, its I/O refused as for an inactive NSID.
 */
static void test_css_nvm(void)
{
    g_autofree char *args = zns_args(NULL, NULL);
    NvmeDrv *d = nvme_drv_start_args(args);
    uint32_t list[1024];
    uint8_t buf[4096];

    nvme_drv_ready_io(d, 32);
    g_assert_cmphex(nvme_drv_identify(d, 0x02, 0, 0, list), ==, 0);
    g_assert_cmpuint(list[0], ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, 0x00, 1, 0, buf), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, 0);
    g_assert_cmphex(zwrite(d, 0, 8, 1), ==, ST_FIELD);
    nvme_drv_stop(d);
}

/* ---- the state machine ---- */

/*
 * Writes: only at the write pointer, within the capacity; a write opens
 * its zone implicitly and filling it makes it Full.
 */
static void test_write_rules(void)
{
    NvmeDrv *d = zstart(NULL, "zoned.zone_capacity=64K");   /* 128 blocks */
    NvmeErrorLog e;

    expect_zone(d, 0, ZS_EMPTY, 0);
    g_assert_cmpuint(zone(d, 0).zcap, ==, 128);
    g_assert_cmphex(zwrite(d, 0, 8, 1), ==, 0);
    expect_zone(d, 0, ZS_IOPEN, 8);
    g_assert_cmphex(zwrite(d, 0, 8, 2), ==, ST_INV_WRITE);
    e = last_error(d);
    g_assert_cmphex(le16_to_cpu(e.status_field) >> 1, ==, ST_INV_WRITE);
    g_assert_cmpuint(le64_to_cpu(e.lba), ==, 0);
    g_assert_cmphex(zwrite(d, 16, 8, 2), ==, ST_INV_WRITE);
    /* at the write pointer but past the capacity */
    g_assert_cmphex(zwrite(d, 8, 121, 2), ==, ST_BOUNDARY);
    expect_zone(d, 0, ZS_IOPEN, 8);
    g_assert_cmphex(zwrite(d, 8, 120, 3), ==, 0);
    expect_zone(d, 0, ZS_FULL, NO_WP);
    g_assert_cmphex(zwrite(d, 128, 8, 4), ==, ST_FULL);
    expect_data(d, 0, 8, 1);
    expect_data(d, 8, 120, 3);
    /* blocks past the capacity read as zeroes */
    expect_data(d, 128, 8, 0);
    /* a read across a zone boundary without zoned.cross_read */
    g_assert_cmphex(zcmd(d, NVME_CMD_READ, ZSZE - 4, 8, 0), ==, ST_BOUNDARY);
    nvme_drv_stop(d);

    d = zstart(NULL, "zoned.cross_read=on");
    g_assert_cmphex(zwrite(d, ZSZE - 4, 8, 1), ==, ST_INV_WRITE);
    g_assert_cmphex(zcmd(d, NVME_CMD_READ, ZSZE - 4, 8, 0), ==, 0);
    nvme_drv_stop(d);
}

/* Zone Management Send on single zones: each transition and refusal. */
static void test_send(void)
{
    NvmeDrv *d = zstart(NULL, NULL);

    /* Open: Empty -> Explicitly Opened; Close: -> Closed */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);
    expect_zone(d, 1, ZS_EOPEN, ZONE(1));
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_CLOSE), ==, 0);
    expect_zone(d, 1, ZS_CLOSED, ZONE(1));
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_CLOSE), ==, 0);
    /* a write to a closed zone opens it implicitly */
    g_assert_cmphex(zwrite(d, ZONE(1), 4, 1), ==, 0);
    expect_zone(d, 1, ZS_IOPEN, ZONE(1) + 4);
    /* Implicitly -> Explicitly Opened */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);
    expect_zone(d, 1, ZS_EOPEN, ZONE(1) + 4);
    /* Finish -> Full; Empty -> Full too */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_FINISH), ==, 0);
    expect_zone(d, 1, ZS_FULL, NO_WP);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_FINISH), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_FINISH), ==, 0);
    expect_zone(d, 2, ZS_FULL, NO_WP);
    /* invalid transitions */
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_OPEN), ==, ST_TRANS);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_CLOSE), ==, ST_TRANS);
    g_assert_cmphex(zsend(d, ZONE(3), ZSA_CLOSE), ==, ST_TRANS);
    g_assert_cmphex(zsend(d, ZONE(3), ZSA_OFFLINE), ==, ST_TRANS);
    /* Reset: -> Empty, on Empty too */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_RESET), ==, 0);
    expect_zone(d, 1, ZS_EMPTY, ZONE(1));
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_RESET), ==, 0);
    /* refusals: SLBA not a zone start, beyond the namespace, bad fields */
    g_assert_cmphex(zsend(d, ZONE(1) + 1, ZSA_OPEN), ==, ST_FIELD);
    g_assert_cmphex(zsend(d, ZONE(NZONES), ZSA_OPEN), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(zsend(d, 0, 0x07), ==, ST_FIELD);
    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | (1u << 12)), ==, ST_FIELD);
    g_assert_cmphex(zsend(d, 0, ZSA_CLOSE | ZRWAA), ==, ST_FIELD);
    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | ZRWAA), ==, ST_FIELD); /* no ZRWA */
    g_assert_cmphex(zsend(d, 0, ZSA_SET_ZDE), ==, ST_FIELD);  /* no ZDES */
    g_assert_cmphex(zsend(d, 0, ZSA_FLUSH), ==, NVME_INVALID_ZONE_OP | DNR);
    nvme_drv_stop(d);
}

/* Select All: each action on the zones in the states it applies to. */
static void test_select_all(void)
{
    NvmeDrv *d = zstart(NULL, NULL);

    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);       /* imp. open */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);    /* exp. open */
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_CLOSE), ==, 0);   /* closed */
    g_assert_cmphex(zsend(d, ZONE(3), ZSA_FINISH), ==, 0);  /* full */

    g_assert_cmphex(zsend(d, 0, ZSA_CLOSE | ALL), ==, 0);
    expect_zone(d, 0, ZS_CLOSED, 8);
    expect_zone(d, 1, ZS_CLOSED, ZONE(1));
    expect_zone(d, 2, ZS_CLOSED, ZONE(2) + 8);
    expect_zone(d, 3, ZS_FULL, NO_WP);
    expect_zone(d, 4, ZS_EMPTY, ZONE(4));

    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | ALL), ==, 0);
    for (int i = 0; i < 3; i++) {
        g_assert_cmphex(zone(d, i).zs, ==, ZS_EOPEN);
    }
    expect_zone(d, 4, ZS_EMPTY, ZONE(4));

    g_assert_cmphex(zsend(d, ZONE(7), ZSA_FINISH | ALL), ==, 0);
    for (int i = 0; i < 4; i++) {
        expect_zone(d, i, ZS_FULL, NO_WP);
    }
    expect_zone(d, 4, ZS_EMPTY, ZONE(4));

    g_assert_cmphex(zsend(d, 0, ZSA_RESET | ALL), ==, 0);
    for (int i = 0; i < NZONES; i++) {
        expect_zone(d, i, ZS_EMPTY, ZONE(i));
    }
    /* nothing read only: Offline with Select All changes nothing */
    g_assert_cmphex(zsend(d, 0, ZSA_OFFLINE | ALL), ==, 0);
    g_assert_cmphex(zsend(d, 0, ZSA_FLUSH | ALL), ==, ST_FIELD);
    nvme_drv_stop(d);
}

/*
 * Open and active resources: max_open and max_active; with
 * zoned.auto_transition (the default) the implicitly opened zone opened
 * first is closed to make room, without it the command fails.
 */
static void test_resources(void)
{
    NvmeDrv *d = zstart(NULL, "zoned.max_open=2,zoned.max_active=3");

    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(1), 8, 1), ==, 0);
    /* a third open zone: zone 0 closes */
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, 0);
    expect_zone(d, 0, ZS_CLOSED, 8);
    expect_zone(d, 1, ZS_IOPEN, ZONE(1) + 8);
    expect_zone(d, 2, ZS_IOPEN, ZONE(2) + 8);
    /* a fourth active zone: refused, and nothing else changed */
    g_assert_cmphex(zwrite(d, ZONE(3), 8, 1), ==, ST_ACTIVE);
    g_assert_cmphex(zsend(d, ZONE(3), ZSA_OPEN), ==, ST_ACTIVE);
    expect_zone(d, 1, ZS_IOPEN, ZONE(1) + 8);
    expect_zone(d, 3, ZS_EMPTY, ZONE(3));
    /* explicitly opened zones are never closed for room */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_OPEN), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(0) + 8, 8, 1), ==, ST_OPEN);
    /* finishing one frees both resources */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_FINISH), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(0) + 8, 8, 1), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(3), 8, 1), ==, 0);
    expect_zone(d, 0, ZS_CLOSED, 16);
    expect_zone(d, 3, ZS_IOPEN, ZONE(3) + 8);
    g_assert_cmphex(zwrite(d, ZONE(4), 8, 1), ==, ST_ACTIVE);
    /* Select All Open needs room for every closed zone, or opens none */
    g_assert_cmphex(zsend(d, 0, ZSA_CLOSE | ALL), ==, 0);
    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | ALL), ==, ST_OPEN);
    expect_zone(d, 2, ZS_CLOSED, ZONE(2) + 8);
    g_assert_cmphex(zsend(d, ZONE(0), ZSA_RESET), ==, 0);
    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | ALL), ==, 0);
    g_assert_cmphex(zone(d, 2).zs, ==, ZS_EOPEN);
    g_assert_cmphex(zone(d, 3).zs, ==, ZS_EOPEN);
    nvme_drv_stop(d);

    d = zstart("zoned.auto_transition=off", "zoned.max_open=2");
    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(1), 8, 1), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, ST_OPEN);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_OPEN), ==, ST_OPEN);
    expect_zone(d, 0, ZS_IOPEN, 8);
    g_assert_cmphex(zsend(d, ZONE(0), ZSA_CLOSE), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, 0);
    /* two closed zones, one open slot: Select All Open refused whole */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_CLOSE), ==, 0);
    g_assert_cmphex(zsend(d, 0, ZSA_OPEN | ALL), ==, ST_OPEN);
    expect_zone(d, 0, ZS_CLOSED, 8);
    expect_zone(d, 1, ZS_CLOSED, ZONE(1) + 8);
    nvme_drv_stop(d);
}

/* ---- Zone Management Receive ---- */

static void test_report(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    g_autofree uint8_t *buf = g_malloc(64 * (NZONES + 1));
    uint64_t len = 64 * (NZONES + 1);

    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(5), ZSA_FINISH), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(9), ZSA_OPEN), ==, 0);

    /* every zone */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 0, buf, len), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES);
    for (int i = 0; i < NZONES; i++) {
        Zone z = zone_decode(buf + 64 + 64 * i);

        g_assert_cmpuint(z.zslba, ==, ZONE(i));
        g_assert_cmpuint(z.zcap, ==, ZSZE);
    }
    g_assert_cmphex(zone_decode(buf + 64 + 64 * 2).zs, ==, ZS_IOPEN);
    /* from a block in the middle of zone 3: zones 3.. */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, ZONE(3) + 100, 0, buf, len),
                    ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES - 3);
    g_assert_cmpuint(zone_decode(buf + 64).zslba, ==, ZONE(3));
    /* filters: each state */
    static const struct {
        uint8_t zrasf, zs;
        uint64_t n, first;
    } f[] = {
        { 1, ZS_EMPTY, NZONES - 3, 0 }, { 2, ZS_IOPEN, 1, 2 },
        { 3, ZS_EOPEN, 1, 9 }, { 4, ZS_CLOSED, 0, 0 }, { 5, ZS_FULL, 1, 5 },
        { 6, 0, 0, 0 }, { 7, 0, 0, 0 },
    };
    for (unsigned i = 0; i < ARRAY_SIZE(f); i++) {
        g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, f[i].zrasf << 8, buf,
                                           len), ==, 0);
        g_assert_cmpuint(ldq_le_p(buf), ==, f[i].n);
        if (f[i].n) {
            Zone z = zone_decode(buf + 64);

            g_assert_cmpuint(z.zslba, ==, ZONE(f[i].first));
            g_assert_cmphex(z.zs, ==, f[i].zs);
        }
    }
    /* a buffer for 2 descriptors: all counted, or with Partial those sent */
    memset(buf, 0xaa, len);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 1 << 8, buf, 64 * 3), ==,
                    0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES - 3);
    g_assert_cmpuint(zone_decode(buf + 128).zslba, ==, ZONE(1));
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, (1 << 8) | PARTIAL, buf,
                                       64 * 3), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, 2);
    /* header only */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, PARTIAL, buf, 64), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, 0);
    /* refusals */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 2, buf, len), ==,
                    ST_FIELD);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, EXTENDED, buf, len), ==,
                    ST_FIELD);                  /* no extensions */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 8 << 8, buf, len), ==,
                    ST_FIELD);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, ZONE(NZONES), 0, buf, len),
                    ==, NVME_LBA_RANGE | DNR);
    nvme_drv_stop(d);
}

/* Set Zone Descriptor Extension and the extended report. */
static void test_zde(void)
{
    NvmeDrv *d = zstart(NULL, "zoned.descr_ext_size=64,zoned.max_active=1");
    uint8_t ext[64], buf[64 + 2 * 128];

    nvme_drv_pattern(ext, sizeof(ext), 9);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(4), ZSA_SET_ZDE, ext,
                                       sizeof(ext)), ==, 0);
    /* Empty -> Closed, holding an active resource */
    expect_zone(d, 4, ZS_CLOSED, ZONE(4));
    g_assert_cmphex(zone(d, 4).za & ZA_ZDEV, ==, ZA_ZDEV);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(5), ZSA_SET_ZDE, ext,
                                       sizeof(ext)), ==, ST_ACTIVE);
    /* only on an Empty zone */
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(4), ZSA_SET_ZDE, ext,
                                       sizeof(ext)), ==, ST_TRANS);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, 0, ZSA_SET_ZDE | ALL, ext,
                                       sizeof(ext)), ==, ST_FIELD);
    /* extended report: descriptor, then its extension */
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, ZONE(4), EXTENDED, buf,
                                       sizeof(buf)), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES - 4);
    g_assert_cmpuint(zone_decode(buf + 64).zslba, ==, ZONE(4));
    g_assert_cmpmem(buf + 128, 64, ext, 64);
    g_assert_cmpuint(zone_decode(buf + 192).zslba, ==, ZONE(5));
    /* Reset drops the extension */
    g_assert_cmphex(zsend(d, ZONE(4), ZSA_RESET), ==, 0);
    expect_zone(d, 4, ZS_EMPTY, ZONE(4));
    g_assert_cmphex(zone(d, 4).za, ==, 0);
    nvme_drv_stop(d);
}

/* ---- Zone Append ---- */

static void test_append(void)
{
    NvmeDrv *d = zstart("zoned.zasl=1", "zoned.zone_capacity=64K");
    g_autofree uint8_t *data = g_malloc(16 * LBASZ);
    uint64_t lba = 0;

    nvme_drv_pattern(data, 16 * LBASZ, 5);
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 8, LBASZ, data, 0,
                                         &lba), ==, 0);
    g_assert_cmpuint(lba, ==, ZONE(3));
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 16, LBASZ, data,
                                         0, &lba), ==, 0);
    g_assert_cmpuint(lba, ==, ZONE(3) + 8);
    expect_zone(d, 3, ZS_IOPEN, ZONE(3) + 24);
    expect_data(d, ZONE(3) + 8, 16, 5);
    /* ZASL 1: 8 KiB */
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 17, LBASZ, NULL,
                                         0, NULL), ==, ST_FIELD);
    /* SLBA must be the zone's first block */
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3) + 8, 8, LBASZ,
                                         data, 0, NULL), ==, ST_FIELD);
    /* fill the zone: 104 blocks left, then it is Full */
    for (int i = 0; i < 6; i++) {
        g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 16, LBASZ,
                                             data, 0, &lba), ==, 0);
        g_assert_cmpuint(lba, ==, ZONE(3) + 24 + 16 * i);
    }
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 16, LBASZ, data,
                                         0, NULL), ==, ST_BOUNDARY);
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 8, LBASZ, data,
                                         0, NULL), ==, 0);
    expect_zone(d, 3, ZS_FULL, NO_WP);
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(3), 8, LBASZ, data,
                                         0, NULL), ==, ST_FULL);
    /* a conventional command set has no Zone Append */
    nvme_drv_stop(d);
}

/* ---- deallocation and the other NVM commands ---- */

/* A reset zone reads as zeroes, in the image too. */
static void test_reset_dealloc(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    uint8_t block[LBASZ], zero[LBASZ] = { 0 };

    g_assert_cmphex(zwrite(d, ZONE(6), 64, 3), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(7), 64, 4), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(7), ZSA_FINISH), ==, 0);
    expect_data(d, ZONE(6), 64, 3);
    g_assert_cmphex(zsend(d, ZONE(6), ZSA_RESET), ==, 0);
    g_assert_cmphex(zsend(d, 0, ZSA_RESET | ALL), ==, 0);
    expect_data(d, ZONE(6), 64, 0);
    expect_data(d, ZONE(7), 64, 0);
    g_assert_cmpint(pread(d->img_fd, block, LBASZ, ZONE(7) * LBASZ + 512), ==,
                    LBASZ);
    g_assert_cmpmem(block, LBASZ, zero, LBASZ);
    /* the zone takes writes from its start again */
    g_assert_cmphex(zwrite(d, ZONE(6), 8, 5), ==, 0);
    expect_data(d, ZONE(6), 8, 5);
    nvme_drv_stop(d);
}

/*
 * Write Zeroes and Write Uncorrectable are writes (at the write pointer),
 * Copy writes its destination so, and reads its sources, Verify and
 * Compare read, under the zone rules; DSM deallocates without moving
 * write pointers.
 */
static void test_other_cmds(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    NvmeCopySourceRangeFormat0_2 r = { 0 };
    NvmeDsmRange dsm = { 0 };
    NvmeCmd cmd;

    g_assert_cmphex(zwrite(d, ZONE(0), 16, 1), ==, 0);
    g_assert_cmphex(zcmd(d, NVME_CMD_WRITE_ZEROES, ZONE(0) + 16, 8, 0), ==,
                    0);
    g_assert_cmphex(zcmd(d, NVME_CMD_WRITE_ZEROES, ZONE(0), 8, 0), ==,
                    ST_INV_WRITE);
    expect_zone(d, 0, ZS_IOPEN, 24);
    g_assert_cmphex(zcmd(d, NVME_CMD_WRITE_UNCOR, ZONE(0) + 24, 4, 0), ==, 0);
    g_assert_cmphex(zcmd(d, NVME_CMD_WRITE_UNCOR, ZONE(0), 4, 0), ==,
                    ST_INV_WRITE);
    expect_zone(d, 0, ZS_IOPEN, 28);
    /* Verify and Compare: reads */
    g_assert_cmphex(zcmd(d, NVME_CMD_VERIFY, ZONE(0), 16, 0), ==, 0);
    g_assert_cmphex(zcmd(d, NVME_CMD_VERIFY, ZSZE - 4, 8, 0), ==,
                    ST_BOUNDARY);
    g_assert_cmphex(zcmd(d, NVME_CMD_COMPARE, ZONE(0), 16, 1), ==, 0);
    g_assert_cmphex(zcmd(d, NVME_CMD_COMPARE, ZSZE - 4, 8, 1), ==,
                    ST_BOUNDARY);
    /* Copy 16 blocks of zone 0 to zone 1: at its write pointer only */
    r.slba = cpu_to_le64(ZONE(0));
    r.nlb = cpu_to_le16(15);
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    cmd.cdw10 = ZONE(1) + 4;
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, &r, NULL, sizeof(r), NULL),
                    ==, ST_INV_WRITE);
    cmd.cdw10 = ZONE(1);
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, &r, NULL, sizeof(r), NULL),
                    ==, 0);
    /* a source across a zone boundary */
    r.slba = cpu_to_le64(ZSZE - 8);
    cmd.cdw10 = ZONE(1) + 16;
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, &r, NULL, sizeof(r), NULL),
                    ==, ST_BOUNDARY);
    expect_zone(d, 1, ZS_IOPEN, ZONE(1) + 16);
    expect_data(d, ZONE(1), 16, 1);
    /* DSM deallocation: data gone, write pointer kept */
    dsm.slba = cpu_to_le64(ZONE(1));
    dsm.nlb = cpu_to_le32(8);
    nvme_drv_cmd_init(&cmd, NVME_CMD_DSM, 1);
    cmd.cdw11 = NVME_DSMGMT_AD;
    g_assert_cmphex(nvme_drv_exec_data(d, 1, &cmd, &dsm, NULL, sizeof(dsm),
                                       NULL), ==, 0);
    expect_data(d, ZONE(1), 8, 0);
    expect_zone(d, 1, ZS_IOPEN, ZONE(1) + 16);
    nvme_drv_stop(d);
}

/* ---- Zone Random Write Area ---- */

/*
 * ZRWA of 16 blocks, flush granularity 4: writes anywhere in [WP, WP+16);
 * a write ending in the next 16 blocks moves the WP in steps of 4; a ZRWA
 * Flush commits up to a block; Zone Append is refused.
 */
static void test_zrwa(void)
{
    NvmeDrv *d = zstart(NULL, "zoned.numzrwa=1,zoned.zrwas=8k,"
                        "zoned.zrwafg=2k,zoned.zone_capacity=64K");
    uint8_t buf[4096];

    g_assert_cmphex(nvme_drv_identify(d, 0x05, 1, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmphex(lduw_le_p(buf + 2), ==, 2);         /* OZCS: ZRWASUP */
    g_assert_cmpuint(ldl_le_p(buf + 44), ==, 0);        /* NUMZRWA - 1 */
    g_assert_cmpuint(lduw_le_p(buf + 48), ==, 4);       /* ZRWAFG */
    g_assert_cmpuint(lduw_le_p(buf + 50), ==, 16);      /* ZRWAS */
    g_assert_cmpuint(buf[52], ==, 1);                   /* explicit flush */

    g_assert_cmphex(zsend(d, ZONE(0), ZSA_OPEN | ZRWAA), ==, 0);
    expect_zone(d, 0, ZS_EOPEN, 0);
    g_assert_cmphex(zone(d, 0).za & ZA_ZRWAV, ==, ZA_ZRWAV);
    /* one ZRWA resource only */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN | ZRWAA), ==,
                    NVME_NOZRWA | DNR);
    /* anywhere in the window, in any order, overwrites too */
    g_assert_cmphex(zwrite(d, 8, 4, 1), ==, 0);
    g_assert_cmphex(zwrite(d, 0, 8, 2), ==, 0);
    g_assert_cmphex(zwrite(d, 8, 8, 3), ==, 0);
    expect_zone(d, 0, ZS_EOPEN, 0);
    /* ending 5 blocks past the window: the WP moves by 8 */
    g_assert_cmphex(zwrite(d, 16, 5, 4), ==, 0);
    expect_zone(d, 0, ZS_EOPEN, 8);
    g_assert_cmphex(zwrite(d, 4, 4, 5), ==, ST_INV_WRITE);  /* below WP */
    g_assert_cmphex(zwrite(d, 30, 20, 5), ==, ST_INV_WRITE); /* past IZFR */
    expect_data(d, 0, 8, 2);
    expect_data(d, 8, 8, 3);
    /* explicit flush: up to block 15 (WP 16); granularity and window */
    g_assert_cmphex(zsend(d, 13, ZSA_FLUSH), ==, ST_FIELD);
    g_assert_cmphex(zsend(d, 4, ZSA_FLUSH), ==, ST_BOUNDARY);
    g_assert_cmphex(zsend(d, 15, ZSA_FLUSH), ==, 0);
    expect_zone(d, 0, ZS_EOPEN, 16);
    g_assert_cmphex(nvme_drv_zone_append(d, 1, 1, ZONE(0), 4, LBASZ, NULL, 0,
                                         NULL), ==,
                    NVME_INVALID_ZONE_OP | DNR);
    /* committing the last block fills the zone and frees the ZRWA */
    g_assert_cmphex(zsend(d, ZONE(0), ZSA_FINISH), ==, 0);
    expect_zone(d, 0, ZS_FULL, NO_WP);
    g_assert_cmphex(zone(d, 0).za & ZA_ZRWAV, ==, 0);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN | ZRWAA), ==, 0);
    /* a ZRWA only opens an Empty zone */
    g_assert_cmphex(zwrite(d, ZONE(2), 4, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_OPEN | ZRWAA), ==, ST_TRANS);
    /* flushing to the end fills the zone */
    for (uint64_t wp = ZONE(1); wp < ZONE(1) + 128; wp += 16) {
        g_assert_cmphex(zwrite(d, wp, 16, 6), ==, 0);
        g_assert_cmphex(zsend(d, wp + 15, ZSA_FLUSH), ==, 0);
    }
    expect_zone(d, 1, ZS_FULL, NO_WP);
    expect_data(d, ZONE(1), 128, 6);
    nvme_drv_stop(d);
}

/* ---- zone state in the image ---- */

/* The state of every zone is the same after a restart. */
static void test_persist(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    const char *ns = "zoned.descr_ext_size=64,zoned.numzrwa=2,"
                     "zoned.zrwas=8k,zoned.zrwafg=2k";
    uint8_t ext[64], buf[128 + 64];
    NvmeDrv *d = zstart_image(img, NULL, ns, false);
    struct stat st;

    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);              /* IO */
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OPEN), ==, 0);           /* EO */
    g_assert_cmphex(zwrite(d, ZONE(2), 24, 2), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_CLOSE), ==, 0);          /* C */
    g_assert_cmphex(zwrite(d, ZONE(3), 8, 3), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(3), ZSA_FINISH), ==, 0);         /* F */
    nvme_drv_pattern(ext, sizeof(ext), 4);
    g_assert_cmphex(nvme_drv_zone_send(d, 1, 1, ZONE(4), ZSA_SET_ZDE, ext,
                                       sizeof(ext)), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(5), ZSA_OPEN | ZRWAA), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(5) + 4, 8, 5), ==, 0);          /* ZRWA */
    g_assert_true(inject(d, "0x3000:read-only"));                  /* RO */
    g_assert_true(inject(d, "0x3800:offline"));                    /* O */
    nvme_drv_stop(d);
    /* the image grew by the area holding the state */
    g_assert_cmpint(stat(img, &st), ==, 0);
    g_assert_cmpint(st.st_size, >, NVME_DRV_IMG_SIZE);

    d = zstart_image(img, NULL, ns, false);
    expect_zone(d, 0, ZS_CLOSED, 8);                /* opens closed */
    expect_zone(d, 1, ZS_CLOSED, ZONE(1));
    expect_zone(d, 2, ZS_CLOSED, ZONE(2) + 24);
    expect_zone(d, 3, ZS_FULL, NO_WP);
    expect_zone(d, 4, ZS_CLOSED, ZONE(4));
    g_assert_cmphex(zone(d, 4).za, ==, ZA_ZDEV);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, ZONE(4), EXTENDED | PARTIAL,
                                       buf, sizeof(buf)), ==, 0);
    g_assert_cmpmem(buf + 128, 64, ext, 64);
    expect_zone(d, 5, ZS_CLOSED, ZONE(5));
    g_assert_cmphex(zone(d, 5).za, ==, ZA_ZRWAV);
    expect_data(d, ZONE(5) + 4, 8, 5);              /* ZRWA data kept */
    expect_zone(d, 6, ZS_RONLY, NO_WP);
    expect_zone(d, 7, ZS_OFFLINE, NO_WP);
    expect_data(d, ZONE(2), 24, 2);
    /* writes go on at the write pointers */
    g_assert_cmphex(zwrite(d, ZONE(2) + 24, 8, 6), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(0), 8, 6), ==, ST_INV_WRITE);
    g_assert_cmphex(zsend(d, ZONE(5) + 15, ZSA_FLUSH), ==, 0);
    expect_zone(d, 5, ZS_CLOSED, ZONE(5) + 16);
    nvme_drv_stop(d);
    unlink(img);
}

/*
 * Killed after a completed Flush: the zones are as they were at the
 * Flush; blocks above the write pointer read as zeroes.
 */
static void test_kill(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    NvmeDrv *d = zstart_image(img, NULL, NULL, true);
    NvmeCmd cmd;

    g_assert_cmphex(zwrite(d, ZONE(0), 16, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_FINISH), ==, 0);
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 2), ==, 0);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, 0);
    /* after the Flush: its data reaches the image, its zone state not */
    g_assert_cmphex(zwrite(d, ZONE(0) + 16, 8, 3), ==, 0);
    nvme_drv_kill(d);

    d = zstart_image(img, NULL, NULL, false);
    expect_zone(d, 0, ZS_CLOSED, 16);
    expect_zone(d, 1, ZS_FULL, NO_WP);
    expect_zone(d, 2, ZS_CLOSED, ZONE(2) + 8);
    expect_data(d, ZONE(0), 16, 1);
    expect_data(d, ZONE(0) + 16, 16, 0);
    g_assert_cmphex(zwrite(d, ZONE(0) + 16, 8, 4), ==, 0);
    expect_data(d, ZONE(0) + 16, 8, 4);
    nvme_drv_stop(d);
    unlink(img);
}

/* A damaged or foreign zone state stops QEMU with a clear error. */
static void test_bad_state(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    g_autofree char *good = g_strdup_printf(
        "-drive file=%s,if=none,id=z0,format=raw -device nvme,id=c0,"
        "serial=zns0 -device nvme-ns,drive=z0,bus=c0,zoned=on,"
        "zoned.zone_size=1M", img);
    g_autofree char *other = g_strdup_printf("%s,zoned.zone_capacity=512K",
                                             good);
    NvmeDrv *d = zstart_image(img, NULL, NULL, false);
    char *err = NULL;
    uint8_t byte;
    off_t size;
    int fd;

    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);
    nvme_drv_stop(d);
    g_assert_cmpint(nvme_drv_run_qemu(other, &err), ==, 1);
    g_assert_nonnull(strstr(err, "zone state for another geometry"));
    g_free(err);

    /* a flipped bit in the header */
    fd = open(img, O_RDWR);
    size = lseek(fd, 0, SEEK_END);
    g_assert_cmpint(pread(fd, &byte, 1, size - 4096 + 40), ==, 1);
    byte ^= 0x10;
    g_assert_cmpint(pwrite(fd, &byte, 1, size - 4096 + 40), ==, 1);
    g_assert_cmpint(nvme_drv_run_qemu(good, &err), ==, 1);
    g_assert_nonnull(strstr(err, "bad checksum"));
    g_free(err);
    byte ^= 0x10;
    g_assert_cmpint(pwrite(fd, &byte, 1, size - 4096 + 40), ==, 1);

    /* a damaged zone record */
    g_assert_cmpint(pread(fd, &byte, 1, NVME_DRV_IMG_SIZE), ==, 1);
    byte ^= 0x01;
    g_assert_cmpint(pwrite(fd, &byte, 1, NVME_DRV_IMG_SIZE), ==, 1);
    g_assert_cmpint(nvme_drv_run_qemu(good, &err), ==, 1);
    g_assert_nonnull(strstr(err, "zone 0 is corrupt"));
    g_free(err);

    /* truncated back to its data: a fresh start */
    g_assert_cmpint(ftruncate(fd, NVME_DRV_IMG_SIZE), ==, 0);
    close(fd);
    d = zstart_image(img, NULL, NULL, false);
    expect_zone(d, 0, ZS_EMPTY, 0);
    nvme_drv_stop(d);
    unlink(img);
}

/* A Format NVM empties every zone; block sizes change the geometry. */
static void test_format(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    NvmeCmd cmd;
    uint8_t buf[4096];

    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(2), ZSA_FINISH), ==, 0);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, 1);
    cmd.cdw10 = 1;                                      /* 4 KiB blocks */
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, 0x00, 1, 0, buf), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES * ZSZE / 8);
    g_assert_cmphex(nvme_drv_zone_recv(d, 1, 1, 0, 0, buf, 4096), ==, 0);
    g_assert_cmpuint(ldq_le_p(buf), ==, NZONES);
    for (int i = 0; i < NZONES; i++) {
        Zone z = zone_decode(buf + 64 + 64 * i);

        g_assert_cmphex(z.zs, ==, ZS_EMPTY);
        g_assert_cmpuint(z.zslba, ==, ZSZE / 8 * i);
    }
    nvme_drv_stop(d);
}

/* ---- changes the controller makes ---- */

#define CHANGED_ZONES   0xbf
#define AEC_ZONE        (1u << 27)
#define ZONE_NOTICE     (NVME_AER_TYPE_NOTICE | 0xef << 8 | CHANGED_ZONES << 16)

/* The Changed Zone List of NSID 1: its count (FFFFh: too many). */
static uint16_t changed_zones(NvmeDrv *d, uint64_t *zslba, uint32_t rae)
{
    uint8_t buf[4096];

    g_assert_cmphex(nvme_drv_get_log_ext(d, CHANGED_ZONES, rae, 1, 0, buf,
                                         sizeof(buf)), ==, 0);
    if (zslba) {
        *zslba = ldq_le_p(buf + 8);
    }
    return lduw_le_p(buf);
}

/*
 * Zones the controller changes (zone-inject, for testing hosts): Read Only
 * and Offline with their statuses, Finish and Reset Recommended; each
 * lands in the Changed Zone List and raises Zone Descriptor Changed.
 */
static void test_changed_zones(void)
{
    NvmeDrv *d = zstart(NULL, NULL);
    uint64_t zslba = 0;
    uint8_t block[LBASZ];
    uint16_t cid;

    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_ZONE, NULL), ==, 0);
    cid = nvme_drv_submit_aer(d);
    g_assert_cmphex(zwrite(d, ZONE(1), 8, 1), ==, 0);
    g_assert_true(inject(d, "2048:read-only"));
    nvme_drv_expect_aer(d, cid, ZONE_NOTICE);
    expect_zone(d, 1, ZS_RONLY, NO_WP);
    g_assert_cmphex(zwrite(d, ZONE(1) + 8, 8, 1), ==,
                    NVME_ZONE_READ_ONLY | DNR);
    expect_data(d, ZONE(1), 8, 1);              /* still readable */
    /* a second change before the log is read: listed, no new notice */
    cid = nvme_drv_submit_aer(d);
    g_assert_true(inject(d, "0x1800:offline"));
    nvme_drv_expect_no_aer(d);
    /* with RAE the list stays and the notice stays masked */
    g_assert_cmpuint(changed_zones(d, &zslba, 1u << 15), ==, 2);
    g_assert_cmpuint(zslba, ==, ZONE(1));
    g_assert_cmpuint(changed_zones(d, NULL, 0), ==, 2);
    g_assert_cmpuint(changed_zones(d, NULL, 0), ==, 0);
    /* Offline zones: reads refused; host Offline on a read only zone */
    g_assert_cmphex(zread_status(d, ZONE(3), 1), ==,
                    NVME_ZONE_OFFLINE | DNR);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_OFFLINE), ==, 0);
    expect_zone(d, 1, ZS_OFFLINE, NO_WP);
    g_assert_cmphex(zsend(d, ZONE(1), ZSA_RESET), ==, ST_TRANS);
    /* recommendations: on an active zone, cleared by finishing */
    g_assert_cmphex(zwrite(d, ZONE(0), 8, 1), ==, 0);
    g_assert_true(inject(d, "0:finish-recommended"));
    nvme_drv_expect_aer(d, cid, ZONE_NOTICE);
    g_assert_false(inject(d, "0x1000:finish-recommended"));   /* Empty */
    g_assert_cmphex(zone(d, 0).za & ZA_FZR, ==, ZA_FZR);
    g_assert_cmphex(zsend(d, ZONE(0), ZSA_FINISH), ==, 0);
    g_assert_cmphex(zone(d, 0).za, ==, 0);
    g_assert_true(inject(d, "0:reset-recommended"));
    g_assert_cmphex(zone(d, 0).za & ZA_RZR, ==, ZA_RZR);
    g_assert_cmphex(zsend(d, ZONE(0), ZSA_RESET), ==, 0);
    g_assert_cmphex(zone(d, 0).za, ==, 0);
    /* refusals */
    g_assert_false(inject(d, "100:offline"));
    g_assert_false(inject(d, "0:broken"));
    g_assert_false(inject(d, "0"));
    g_assert_cmphex(nvme_drv_get_log(d, CHANGED_ZONES, 0xffffffff, 0, block,
                                     sizeof(block)), ==, ST_FIELD);
    nvme_drv_stop(d);
}

/* More than 511 changed zones: the count says FFFFh. */
static void test_changed_overflow(void)
{
    NvmeDrv *d = zstart(NULL, "zoned.zone_size=16k");

    for (int i = 0; i < 512; i++) {
        g_autofree char *spec = g_strdup_printf("%d:offline", i * 32);

        g_assert_true(inject(d, spec));
    }
    g_assert_cmphex(changed_zones(d, NULL, 0), ==, 0xffff);
    g_assert_cmphex(changed_zones(d, NULL, 0), ==, 0);
    nvme_drv_stop(d);
}

/* zone-frl, zone-rrl: recommendations once the zone stayed long enough. */
static void test_limits(void)
{
    NvmeDrv *d = zstart(NULL, "zone-frl=3,zone-rrl=5");
    uint64_t zslba = 0;
    uint8_t buf[4096];
    uint16_t cid;

    g_assert_cmphex(nvme_drv_identify(d, 0x05, 1, NVME_CSI_ZONED, buf), ==,
                    0);
    g_assert_cmpuint(ldl_le_p(buf + 12), ==, 5);         /* RRL */
    g_assert_cmpuint(ldl_le_p(buf + 16), ==, 3);         /* FRL */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          AEC_ZONE, NULL), ==, 0);
    cid = nvme_drv_submit_aer(d);
    g_assert_cmphex(zwrite(d, ZONE(2), 8, 1), ==, 0);
    g_assert_cmphex(zsend(d, ZONE(4), ZSA_FINISH), ==, 0);
    qtest_clock_step(d->qts, 2000 * 1000000LL);
    nvme_drv_expect_no_aer(d);
    qtest_clock_step(d->qts, 2000 * 1000000LL);
    nvme_drv_expect_aer(d, cid, ZONE_NOTICE);
    g_assert_cmphex(zone(d, 2).za, ==, ZA_FZR);
    g_assert_cmphex(zone(d, 4).za, ==, 0);
    g_assert_cmpuint(changed_zones(d, &zslba, 0), ==, 1);
    g_assert_cmpuint(zslba, ==, ZONE(2));
    qtest_clock_step(d->qts, 2000 * 1000000LL);
    g_assert_cmphex(zone(d, 4).za, ==, ZA_RZR);
    g_assert_cmpuint(changed_zones(d, &zslba, 0), ==, 1);
    g_assert_cmpuint(zslba, ==, ZONE(4));
    nvme_drv_stop(d);
}

/*
 * A QEMU built without NVME_ZNS (the kconfig suite): zoned=on is refused,
 * the controller offers the NVM command set alone.
 */
static void test_not_built(void)
{
    g_autofree char *img = nvme_drv_make_image(NVME_DRV_IMG_SIZE);
    g_autofree char *args = g_strdup_printf(
        "-drive file=%s,if=none,id=z0,format=raw -device nvme,id=c0,"
        "serial=zns0 -device nvme-ns,drive=z0,bus=c0,zoned=on", img);
    g_autofree char *err = NULL;
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t buf[4096];

    g_assert_cmpint(nvme_drv_run_qemu(args, &err), ==, 1);
    g_assert_nonnull(strstr(err, "not in this build"));
    g_assert_cmphex(nvme_drv_identify(d, 0x1c, 0, 0, buf), ==, 0);
    g_assert_cmphex(ldq_le_p(buf), ==, 1);
    g_assert_cmphex(nvme_drv_identify(d, 0x06, 0, NVME_CSI_ZONED, buf), ==,
                    ST_FIELD);
    nvme_drv_stop(d);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (nvme_drv_part_off("NVME_ZNS")) {
        qtest_add_func("/nvme/zns/not_built", test_not_built);
        return g_test_run();
    }
    qtest_add_func("/nvme/zns/props", test_props);
    qtest_add_func("/nvme/zns/identify", test_identify);
    qtest_add_func("/nvme/zns/effects", test_effects);
    qtest_add_func("/nvme/zns/css_nvm", test_css_nvm);
    qtest_add_func("/nvme/zns/write_rules", test_write_rules);
    qtest_add_func("/nvme/zns/send", test_send);
    qtest_add_func("/nvme/zns/select_all", test_select_all);
    qtest_add_func("/nvme/zns/resources", test_resources);
    qtest_add_func("/nvme/zns/report", test_report);
    qtest_add_func("/nvme/zns/zde", test_zde);
    qtest_add_func("/nvme/zns/append", test_append);
    qtest_add_func("/nvme/zns/reset_dealloc", test_reset_dealloc);
    qtest_add_func("/nvme/zns/other_cmds", test_other_cmds);
    qtest_add_func("/nvme/zns/zrwa", test_zrwa);
    qtest_add_func("/nvme/zns/persist", test_persist);
    qtest_add_func("/nvme/zns/kill", test_kill);
    qtest_add_func("/nvme/zns/bad_state", test_bad_state);
    qtest_add_func("/nvme/zns/format", test_format);
    qtest_add_func("/nvme/zns/changed_zones", test_changed_zones);
    qtest_add_func("/nvme/zns/changed_overflow", test_changed_overflow);
    qtest_add_func("/nvme/zns/limits", test_limits);
    return g_test_run();
}

/*
 * qtest: NVMe 2.0 controller identity.  VS 2.0, CAP.CSS with I/O command
 * sets and CC.CSS 110b, CAP.CRMS/CRTO, the I/O Command Set Profile
 * feature, the Supported Log Pages log, and every Identify CNS value of
 * NVMe Base 2.0: contents of the ones offered (with and without an
 * nvme-subsys capacity pool), Invalid Field in Command for the others,
 * and the NSID, CSI and CNTID checks.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define NN              256
#define INVALID_FIELD   (NVME_INVALID_FIELD | DNR)
#define INVALID_NSID    (NVME_INVALID_NSID | DNR)
#define CAP_CRWMS       (1ull << R_CAP_CRMS_SHIFT)
#define CAP_CRIMS       (2ull << R_CAP_CRMS_SHIFT)
#define FID_IOCS_PROF   0x19
#define ST_IOCS_REJECT  0x012b
#define CTRATT_NG       (1u << 7)
#define CTRATT_ELBAS    (1u << 15)
#define CTRATT_HOSTID   (1u << 0)       /* 128-bit host identifier */
#define CTRATT_ENDGRP   (1u << 4)       /* endurance groups */
#define CTRATT_ALWAYS   (CTRATT_ELBAS | CTRATT_HOSTID | CTRATT_ENDGRP)
#define SLOT_A          4
#define SLOT_B          5
#define POOL_SIZE       (8 * 1024 * 1024)

/* Identify with every CDW10/CDW11 field under the test's control. */
static uint16_t identify(NvmeDrv *d, uint8_t cns, uint16_t cntid,
                         uint32_t nsid, uint8_t csi, void *out4k)
{
    NvmeCmd cmd;
    uint64_t buf = nvme_drv_alloc(d, 4096);
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = cns | (uint32_t)cntid << 16;
    cmd.cdw11 = (uint32_t)csi << 24;
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    if (out4k) {
        nvme_drv_memread(d, buf, out4k, 4096);
    }
    return st;
}

/* the Zoned Namespace Command Set is a build switch (NVME_ZNS) */
static bool zns_built(void)
{
    return !nvme_drv_part_off("NVME_ZNS");
}

static bool all_zero(const void *buf, size_t len)
{
    const uint8_t *p = buf;

    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/*
 * Pool + two controllers: NSID 1 (nvme-ns, attached to A), NSID 2
 * (shared, detached, 512+16 with the 64-bit guard, so its NVM structure
 * is not all zeroes) and an empty capacity pool.
 */
typedef struct Rig {
    NvmeDrv *a;                 /* cntlid 0 */
    NvmeDrv *b;                 /* cntlid 1 */
    char *dir;
    char *img2;
} Rig;

static void rig_start(Rig *r)
{
    GError *err = NULL;
    g_autofree char *args = NULL;

    r->dir = g_dir_make_tmp("nvme-id-XXXXXX", &err);
    g_assert_no_error(err);
    r->img2 = nvme_drv_make_image(4 * 1024 * 1024);
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-id,pool=%s,pool-size=%d "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,shared=off "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,detached=on,"
        "ms=16,pi=1,pif=2 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        r->img2, r->dir, POOL_SIZE, SLOT_A, SLOT_B);
    r->a = nvme_drv_start_pair(args, SLOT_B, &r->b);
}

static void rig_stop(Rig *r)
{
    nvme_drv_stop_peer(r->b);
    nvme_drv_stop(r->a);
    rmdir(r->dir);
    unlink(r->img2);
    g_free(r->dir);
    g_free(r->img2);
}

/* ---------------------------------------------------------------- */

/* VS, CAP.CSS, CAP.CRMS, CRTO and the Identify Controller 2.0 fields. */
static void test_version(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeIdCtrl *id = g_malloc0(4096);
    uint64_t cap = nvme_drv_rd64(d, NVME_REG_CAP);
    uint32_t crto = nvme_drv_rd32(d, A_CRTO);

    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_VS), ==, 0x00020000);
    g_assert_cmphex(NVME_CAP_CSS(cap), ==,
                    NVME_CAP_CSS_NCSS | NVME_CAP_CSS_IOCSS);
    g_assert_true(cap & CAP_CRWMS);
    g_assert_false(cap & CAP_CRIMS);
    /* CRWMT = CAP.TO (500 ms units), CRIMT unused */
    g_assert_cmpuint(crto & 0xffff, ==, NVME_CAP_TO(cap));
    g_assert_cmpuint(crto >> 16, ==, 0);
    /* registers between ACQ and CRTO: no CMB, no boot partitions */
    for (uint32_t off = 0x38; off < A_CRTO; off += 4) {
        g_assert_cmphex(nvme_drv_rd32(d, off), ==, 0);
    }

    g_assert_cmphex(identify(d, NVME_ID_CNS_CTRL, 0, 0, 0, id), ==, 0);
    g_assert_cmphex(le32_to_cpu(id->ver), ==, 0x00020000);
    g_assert_cmpuint(id->cntrltype, ==, 1);
    /* no pool: extended LBA formats only, no Namespace Granularity */
    g_assert_cmphex(le32_to_cpu(id->ctratt), ==, CTRATT_ALWAYS);
    /*
     * Namespace Attribute, Firmware Activation, LBA Status Information and
     * Zone Descriptor Changed notices (Telemetry Log notices go with LPA
     * bit 3; OAES bit 10 is reserved)
     */
    g_assert_cmphex(le32_to_cpu(id->oaes), ==,
                    (1u << 8) | (1u << 9) | (1u << 13) |
                    (zns_built() ? 1u << 27 : 0));
    /*
     * LPA (byte 261 of the NVMe Base 2.1 figure "Identify Controller Data
     * Structure, I/O Command Set Independent"): per-namespace
     * SMART (bit 0), Commands Supported and Effects (1), extended data:
     * NUMDU and the log page offset, which Get Log Page honours (2),
     * telemetry logs and notices (3).  Not bit 5, which would promise the
     * Feature Identifiers and NVMe-MI Commands Supported and Effects logs
     * too; no persistent event log (4), no data area 4 (6).
     */
    g_assert_cmphex(id->lpa, ==, (1u << 0) | (1u << 1) | (1u << 2) |
                    (1u << 3));
    /* no Namespace Management, no Virtualization Management */
    g_assert_cmphex(le16_to_cpu(id->oacs) & ((1 << 3) | (1 << 7)), ==, 0);
    /* CRDT1-3 (bytes 134-139): no retry delays */
    g_assert_true(all_zero((uint8_t *)id + 134, 6));
    g_free(id);
    nvme_drv_stop(d);
}

/*
 * CC.CSS 110b (all supported I/O command sets) enables the controller and
 * NVM I/O works; 111b (admin only) is refused since CAP.CSS bit 7 is 0.
 */
static void test_cc_css(void)
{
    NvmeDrv *d = nvme_drv_start(NULL, NULL);
    uint32_t cc = nvme_drv_cc_value(0);
    uint8_t *w = g_malloc(512), *r = g_malloc0(512);
    uint32_t dw0 = 0xdead;

    cc &= ~(CC_CSS_MASK << CC_CSS_SHIFT);
    NVME_SET_CC_CSS(cc, NVME_CC_CSS_ADMIN_ONLY);
    g_assert_false(nvme_drv_enable_cc(d, 16, 16, cc | 1));
    nvme_drv_disable(d);

    cc &= ~(CC_CSS_MASK << CC_CSS_SHIFT);
    NVME_SET_CC_CSS(cc, NVME_CC_CSS_IOCS);
    nvme_drv_msix_enable(d);
    g_assert_true(nvme_drv_enable_cc(d, 16, 16, cc | 1));
    g_assert_cmpuint(NVME_CC_CSS(nvme_drv_rd32(d, NVME_REG_CC)), ==,
                     NVME_CC_CSS_IOCS);

    /* I/O Command Set Profile: combination 0 (NVM) only */
    g_assert_cmphex(nvme_drv_get_features(d, FID_IOCS_PROF, 0, 0, &dw0),
                    ==, 0);
    g_assert_cmphex(dw0, ==, 0);
    g_assert_cmphex(nvme_drv_get_features(d, FID_IOCS_PROF, 3, 0, &dw0),
                    ==, 0);
    g_assert_cmphex(dw0, ==, NVME_FEAT_CAP_CHANGE);
    g_assert_cmphex(nvme_drv_set_features(d, FID_IOCS_PROF, 0, NULL), ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, FID_IOCS_PROF, 1, NULL), ==,
                    ST_IOCS_REJECT | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, FID_IOCS_PROF, 0x1ff, NULL),
                    ==, ST_IOCS_REJECT | DNR);

    nvme_drv_create_qpair(d, 1, 16);
    memset(w, 0x5c, 512);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 3, 1, 512, w, 0),
                    ==, 0);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 3, 1, 512, r, 0),
                    ==, 0);
    g_assert_cmpmem(w, 512, r, 512);
    g_free(w);
    g_free(r);
    nvme_drv_stop(d);
}

/*
 * Every CNS value with plain parameters on a controller without a pool:
 * the offered ones succeed, every other one (NVM Sets, virtualization,
 * granularity without Namespace Management, UUID and Domain lists,
 * reserved values) is Invalid Field in Command with an
 * error log entry naming CDW10 (byte 40).
 */
static void test_cns_table(void)
{
    static const uint8_t ok[] = {
        0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08,
        0x10, 0x11, 0x12, 0x13, 0x19, 0x1a, 0x1b, 0x1c, 0x1f,
    };
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeErrorLog *log = g_malloc0(4096);

    for (unsigned cns = 0; cns < 256; cns++) {
        bool offered = memchr(ok, cns, sizeof(ok)) != NULL;
        uint16_t cntid = cns == 0x1c ? 0xffff : 0;
        uint16_t st = identify(d, cns, cntid, 1, 0, NULL);

        if (offered) {
            g_assert_cmphex(st, ==, NVME_SUCCESS);
            continue;
        }
        g_assert_cmphex(st, ==, INVALID_FIELD);
        g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                         sizeof(*log)), ==, 0);
        g_assert_cmpuint(le16_to_cpu(log->param_error_location), ==, 40);
        g_assert_cmphex(le16_to_cpu(log->status_field) >> 1, ==,
                        INVALID_FIELD);
    }
    g_free(log);
    nvme_drv_stop(d);
}

/*
 * CSI selects the command set for 05h, 06h, 07h, 1Ah, 1Bh: NVM or Zoned
 * (for the namespace structures, of a zoned namespace only: nvme-zns-test
 * has one).
 */
static void test_csi(void)
{
    static const uint8_t cs_cns[] = { 0x05, 0x06, 0x07, 0x1a, 0x1b };
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    NvmeErrorLog *log = g_malloc0(4096);

    for (size_t i = 0; i < ARRAY_SIZE(cs_cns); i++) {
        bool per_ns = cs_cns[i] == 0x05 || cs_cns[i] == 0x1b;

        g_assert_cmphex(identify(d, cs_cns[i], 0, 1, NVME_CSI_NVM, NULL), ==,
                        NVME_SUCCESS);
        for (unsigned csi = 1; csi < 256; csi <<= 1) {
            g_assert_cmphex(identify(d, cs_cns[i], 0, 1, csi, NULL), ==,
                            csi == NVME_CSI_ZONED && !per_ns && zns_built()
                            ? NVME_SUCCESS : INVALID_FIELD);
        }
        g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                         sizeof(*log)), ==, 0);
        g_assert_cmpuint(le16_to_cpu(log->param_error_location), ==, 47);
    }
    /* structures that are not command set specific ignore CSI */
    g_assert_cmphex(identify(d, NVME_ID_CNS_CTRL, 0, 0, 2, NULL), ==, 0);
    g_assert_cmphex(identify(d, NVME_ID_CNS_CS_IND_NS, 0, 1, 2, NULL), ==, 0);
    g_free(log);
    nvme_drv_stop(d);
}

/* NSID rules of the namespace structures and lists. */
static void test_nsid_checks(void)
{
    static const uint8_t per_ns[] = { 0x00, 0x05, 0x08, 0x11, 0x1b, 0x1f };
    static const uint8_t lists[] = { 0x02, 0x07, 0x10, 0x1a };
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint8_t *buf = g_malloc(4096);

    for (size_t i = 0; i < ARRAY_SIZE(per_ns); i++) {
        g_assert_cmphex(identify(d, per_ns[i], 0, 0, 0, NULL), ==,
                        INVALID_NSID);
        g_assert_cmphex(identify(d, per_ns[i], 0, NN + 1, 0, NULL), ==,
                        INVALID_NSID);
        /* FFFFFFFFh: no Namespace Management, so no common structure */
        g_assert_cmphex(identify(d, per_ns[i], 0, 0xffffffff, 0, NULL), ==,
                        INVALID_NSID);
        /* valid, neither active nor allocated: zeroes */
        memset(buf, 0xa5, 4096);
        g_assert_cmphex(identify(d, per_ns[i], 0, 9, 0, buf), ==, 0);
        g_assert_true(all_zero(buf, 4096));
    }
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        g_assert_cmphex(identify(d, lists[i], 0, 0xfffffffe, 0, NULL), ==,
                        INVALID_NSID);
        g_assert_cmphex(identify(d, lists[i], 0, 0xffffffff, 0, NULL), ==,
                        INVALID_NSID);
        g_assert_cmphex(identify(d, lists[i], 0, 0, 0, buf), ==, 0);
        g_assert_cmpuint(ldl_le_p(buf), ==, 1);
        g_assert_cmpuint(ldl_le_p(buf + 4), ==, 0);
        g_assert_cmphex(identify(d, lists[i], 0, 1, 0, buf), ==, 0);
        g_assert_true(all_zero(buf, 4096));
    }
    /* descriptors only for an active NSID: inactive is Invalid Field */
    g_assert_cmphex(identify(d, NVME_ID_CNS_NS_DESCR_LIST, 0, 9, 0, NULL),
                    ==, INVALID_FIELD);
    g_assert_cmphex(identify(d, NVME_ID_CNS_NS_DESCR_LIST, 0, 0, 0, NULL),
                    ==, INVALID_NSID);
    g_free(buf);
    nvme_drv_stop(d);
}

/*
 * CNS 1Ch: one combination, the NVM and Zoned Namespace command sets;
 * CNTID checked.
 */
static void test_iocs(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint64_t *vec = g_malloc(4096);
    uint64_t both = 1ull << NVME_CSI_NVM |
                    (zns_built() ? 1ull << NVME_CSI_ZONED : 0);

    memset(vec, 0xa5, 4096);
    g_assert_cmphex(identify(d, NVME_ID_CNS_IO_COMMAND_SET, 0xffff, 0, 0,
                             vec), ==, 0);
    g_assert_cmphex(le64_to_cpu(vec[0]), ==, both);
    g_assert_true(all_zero(vec + 1, 4096 - 8));
    /* its own controller id (0) works, others do not exist */
    g_assert_cmphex(identify(d, NVME_ID_CNS_IO_COMMAND_SET, 0, 0, 0, vec),
                    ==, 0);
    g_assert_cmphex(le64_to_cpu(vec[0]), ==, both);
    g_assert_cmphex(identify(d, NVME_ID_CNS_IO_COMMAND_SET, 1, 0, 0, NULL),
                    ==, INVALID_FIELD);
    g_assert_cmphex(identify(d, NVME_ID_CNS_IO_COMMAND_SET, 0xfffe, 0, 0,
                             NULL), ==, INVALID_FIELD);
    g_free(vec);
    nvme_drv_stop(d);
}

/*
 * With a subsystem and a pool: allocated versus active lists and
 * structures (10h/1Ah vs 02h/07h, 11h/1Bh/1Fh of a detached namespace),
 * the controller lists (12h, 13h with CNTID), CTRATT bit 7 with the
 * Namespace Granularity List (16h) and the common Identify Namespace
 * (NSID FFFFFFFFh).
 */
static void test_subsystem(void)
{
    Rig r;
    uint8_t *buf = g_malloc(4096), *buf2 = g_malloc(4096);
    NvmeIdCtrl *id = g_malloc(4096);
    NvmeIdNs *ns = (NvmeIdNs *)buf;
    NvmeIdNsInd *ind = (NvmeIdNsInd *)buf;
    uint16_t *ctrls = (uint16_t *)buf;

    rig_start(&r);
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_CTRL, 0, 0, 0, id), ==, 0);
    g_assert_cmphex(le32_to_cpu(id->ctratt), ==, CTRATT_ALWAYS | CTRATT_NG);
    g_assert_cmphex(le16_to_cpu(id->oacs) & (1 << 3), ==, 1 << 3);

    /* allocated: 1, 2; active on A: 1 */
    for (int cns = 0x10; cns <= 0x1a; cns += 0x0a) {
        g_assert_cmphex(identify(r.a, cns, 0, 0, 0, buf), ==, 0);
        g_assert_cmpuint(ldl_le_p(buf), ==, 1);
        g_assert_cmpuint(ldl_le_p(buf + 4), ==, 2);
        g_assert_cmpuint(ldl_le_p(buf + 8), ==, 0);
        g_assert_cmphex(identify(r.a, cns, 0, 1, 0, buf), ==, 0);
        g_assert_cmpuint(ldl_le_p(buf), ==, 2);
        g_assert_cmpuint(ldl_le_p(buf + 4), ==, 0);
    }
    /* no zoned namespace allocated */
    if (zns_built()) {
        g_assert_cmphex(identify(r.a, 0x1a, 0, 0, NVME_CSI_ZONED, buf), ==, 0);
        g_assert_true(all_zero(buf, 4096));
    }
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0, 0, 0,
                             buf), ==, 0);
    g_assert_cmpuint(ldl_le_p(buf), ==, 1);
    g_assert_cmpuint(ldl_le_p(buf + 4), ==, 0);

    /* detached NSID 2: zeroes when active is asked, data when allocated */
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_NS, 0, 2, 0, buf), ==, 0);
    g_assert_true(all_zero(buf, 4096));
    g_assert_cmphex(identify(r.a, 0x11, 0, 2, 0, buf), ==, 0);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, 4 * 1024 * 1024 / 528);
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_CS_NS, 0, 2, 0, buf), ==, 0);
    g_assert_true(all_zero(buf, 4096));
    g_assert_cmphex(identify(r.a, 0x1b, 0, 2, 0, buf), ==, 0);
    g_assert_false(all_zero(buf, 4096));        /* ELBAF: PIF 64-bit */
    /* 1Bh of an active NSID is 05h's structure */
    g_assert_cmphex(identify(r.a, 0x1b, 0, 1, 0, buf), ==, 0);
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_CS_NS, 0, 1, 0, buf2), ==, 0);
    g_assert_cmpmem(buf, 4096, buf2, 4096);
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_CS_IND_NS, 0, 2, 0, buf), ==,
                    0);
    g_assert_true(all_zero(buf, 4096));
    g_assert_cmphex(identify(r.a, 0x1f, 0, 2, 0, buf), ==, 0);
    g_assert_cmpuint(ind->nstat & 1, ==, 1);
    g_assert_cmpuint(ind->nmic & 1, ==, 1);         /* shared */
    g_assert_cmphex(identify(r.a, 0x1f, 0, 1, 0, buf), ==, 0);
    g_assert_cmpuint(ind->nmic & 1, ==, 0);         /* private */
    g_assert_cmpuint(le32_to_cpu(ind->anagrpid), ==, 1);

    /* 12h: NSID 1 attached to A only, NSID 2 to none; 13h: both */
    g_assert_cmphex(identify(r.a, 0x12, 0, 1, 0, buf), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[0]), ==, 1);
    g_assert_cmpuint(le16_to_cpu(ctrls[1]), ==, 0);
    g_assert_cmphex(identify(r.a, 0x12, 1, 1, 0, buf), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[0]), ==, 0);
    g_assert_cmphex(identify(r.a, 0x12, 0, 2, 0, buf), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[0]), ==, 0);
    g_assert_cmphex(identify(r.a, 0x12, 0, 0, 0, NULL), ==, INVALID_NSID);
    g_assert_cmphex(identify(r.b, 0x13, 0, 0, 0, buf), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[0]), ==, 2);
    g_assert_cmpuint(le16_to_cpu(ctrls[1]), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[2]), ==, 1);
    g_assert_cmphex(identify(r.b, 0x13, 1, 0, 0, buf), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ctrls[0]), ==, 1);
    g_assert_cmpuint(le16_to_cpu(ctrls[1]), ==, 1);

    /* 1Ch from B: controller 0 and 1 exist, 2 does not */
    g_assert_cmphex(identify(r.b, 0x1c, 0, 0, 0, buf), ==, 0);
    g_assert_cmphex(ldq_le_p(buf), ==, 1 << NVME_CSI_NVM |
                    (zns_built() ? 1 << NVME_CSI_ZONED : 0));
    g_assert_cmphex(identify(r.b, 0x1c, 1, 0, 0, NULL), ==, 0);
    g_assert_cmphex(identify(r.b, 0x1c, 2, 0, 0, NULL), ==, INVALID_FIELD);

    /* 16h: one descriptor, 512-byte size and capacity granularity */
    memset(buf, 0xa5, 4096);
    g_assert_cmphex(identify(r.a, 0x16, 0, 0, 0, buf), ==, 0);
    g_assert_cmphex(ldl_le_p(buf), ==, 0);          /* NGA */
    g_assert_cmpuint(buf[31], ==, 0);               /* NUMDESC, 0-based */
    g_assert_cmpuint(ldq_le_p(buf + 32), ==, 512);
    g_assert_cmpuint(ldq_le_p(buf + 40), ==, 512);
    g_assert_true(all_zero(buf + 48, 4096 - 48));

    /* Supported Log Pages lists ANA (0Ch) with a subsystem */
    g_assert_cmphex(nvme_drv_get_log(r.a, 0x00, 0, 0, buf, 1024), ==, 0);
    g_assert_cmphex(ldl_le_p(buf + 4 * 0x0c), ==, 1);
    g_assert_cmphex(ldl_le_p(buf + 4 * 0x02), ==, 1);

    /* NSID FFFFFFFFh: what created namespaces have in common */
    g_assert_cmphex(identify(r.a, NVME_ID_CNS_NS, 0, 0xffffffff, 0, buf), ==,
                    0);
    g_assert_cmpuint(ns->nsze, ==, 0);
    g_assert_cmpuint(ns->nlbaf, ==, 1);
    g_assert_cmpuint(ns->lbaf[0].ds, ==, 9);
    g_assert_cmpuint(ns->lbaf[1].ds, ==, 12);
    g_assert_cmpuint(ns->lbaf[2].ds, ==, 0);
    g_assert_cmpuint(le16_to_cpu(ns->mssrl), >, 0);

    g_free(buf);
    g_free(buf2);
    g_free(id);
    rig_stop(&r);
}

/*
 * Supported Log Pages (LID 00h): exactly the log pages Get Log Page
 * returns; every listed one reads, every other one is Invalid Log Page.
 * ANA (0Ch) only with a subsystem (test_subsystem).  Endurance Group
 * Information (09h) needs the group in LSI: 0 is Invalid Field; the
 * Changed Zone List (BFh) a zoned namespace's NSID (nvme-zns-test).
 */
static void test_supported_logs(void)
{
    static const uint8_t want[] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0e,
        0x80, 0x81, 0xbf,
    };
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint32_t *lids = g_malloc(1024);
    uint8_t *buf = g_malloc(512);

    g_assert_cmphex(nvme_drv_get_log(d, 0x00, 0, 0, lids, 1024), ==, 0);
    for (unsigned lid = 0; lid < 256; lid++) {
        bool listed = memchr(want, lid, sizeof(want)) != NULL &&
                      (lid != 0xbf || zns_built());
        uint16_t st = nvme_drv_get_log(d, lid, 0xffffffff, 0, buf, 512);
        uint16_t want_st = !listed ? NVME_INVALID_LOG_ID | DNR :
                           lid == 0x09 || lid == 0xbf ? INVALID_FIELD : 0;

        g_assert_cmphex(le32_to_cpu(lids[lid]), ==, listed ? 1 : 0);
        g_assert_cmphex(st, ==, want_st);
    }
    g_free(lids);
    g_free(buf);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/identify/version", test_version);
    qtest_add_func("/nvme/identify/cc_css", test_cc_css);
    qtest_add_func("/nvme/identify/cns_table", test_cns_table);
    qtest_add_func("/nvme/identify/csi", test_csi);
    qtest_add_func("/nvme/identify/nsid_checks", test_nsid_checks);
    qtest_add_func("/nvme/identify/iocs", test_iocs);
    qtest_add_func("/nvme/identify/subsystem", test_subsystem);
    qtest_add_func("/nvme/identify/supported_logs", test_supported_logs);
    return g_test_run();
}

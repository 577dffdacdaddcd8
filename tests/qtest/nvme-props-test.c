/*
 * qtest: the properties nvme, nvme-ns and nvme-subsys share with upstream
 * QEMU (drop-in command lines), each set and checked through what the
 * guest sees: identity (model, firmware-version, use-intel-id), queue
 * and limit spellings (num_queues, mqes, dbcs, vsl, ctratt.mem), Copy
 * limits, eui64-default, SMART critical warnings at start and through
 * qom-set, the OCP SMART Extended log, MSI-X in its own BAR, bootindex of
 * a namespace, block accounting intervals, the help text of every
 * property, and the errors bad values give at start.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"
#include "libqos/fw_cfg.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"

#define DNR             NVME_DNR
#define CTRATT_MEM      (1u << 16)
#define OACS_DBCS       (1u << 8)
#define AER_SMART       0x01
#define LOG_SMART       0x02

/* Identify Controller of @d. */
static void id_ctrl(NvmeDrv *d, NvmeIdCtrl *id)
{
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
}

/* A space-padded Identify string equals @want. */
static void assert_padded(const uint8_t *field, size_t len, const char *want)
{
    g_autofree char *exp = g_strnfill(len, ' ');

    memcpy(exp, want, strlen(want));
    g_assert_cmpmem(field, len, exp, len);
}

#define DRIVE "-drive if=none,id=d0,driver=null-co,size=16M "

static void test_model_firmware(void)
{
    NvmeDrv *d = nvme_drv_start_ready("model=\"Acme Drive 9000\","
                                      "firmware-version=AB12.3");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    NvmeFwSlotInfoLog fw;

    id_ctrl(d, id);
    assert_padded(id->mn, sizeof(id->mn), "Acme Drive 9000");
    assert_padded(id->fr, sizeof(id->fr), "AB12.3");
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_FW_SLOT_INFO, 0, 0, &fw,
                                     sizeof(fw)), ==, NVME_SUCCESS);
    assert_padded(fw.frs1, sizeof(fw.frs1), "AB12.3");
    nvme_drv_stop(d);

    /* the full lengths fit; the defaults otherwise */
    d = nvme_drv_start_ready("model=0123456789012345678901234567890123456789,"
                             "firmware-version=12345678");
    id_ctrl(d, id);
    assert_padded(id->mn, sizeof(id->mn),
                  "0123456789012345678901234567890123456789");
    assert_padded(id->fr, sizeof(id->fr), "12345678");
    nvme_drv_stop(d);
    d = nvme_drv_start_ready(NULL);
    id_ctrl(d, id);
    assert_padded(id->mn, sizeof(id->mn), "QEMU NVMe Ctrl");
    assert_padded(id->fr, sizeof(id->fr), "1.0");
    nvme_drv_stop(d);

    /* never a silent cut */
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,"
                "model=0123456789012345678901234567890123456789X",
                "'model' is longer than 40 characters");
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,"
                "firmware-version=123456789",
                "'firmware-version' is longer than 8 characters");
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,"
                "serial=123456789012345678901",
                "'serial' is longer than 20 characters");
}

static void test_use_intel_id(void)
{
    NvmeDrv *d = nvme_drv_start_ready("use-intel-id=on");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);

    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_VENDOR_ID), ==, 0x8086);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_DEVICE_ID), ==, 0x5845);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_SUBSYSTEM_VENDOR_ID), ==,
                    0x1af4);
    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->vid), ==, 0x8086);
    g_assert_cmphex(le16_to_cpu(id->ssvid), ==, 0x1af4);
    nvme_drv_stop(d);

    d = nvme_drv_start_ready(NULL);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_VENDOR_ID), ==, 0x1b36);
    g_assert_cmphex(qpci_config_readw(d->pdev, PCI_DEVICE_ID), ==, 0x0010);
    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->vid), ==, 0x1b36);
    nvme_drv_stop(d);
}

/* num_queues (deprecated) counts the admin queue; dbcs is dbbuf. */
static void test_queue_spellings(void)
{
    NvmeDrv *d = nvme_drv_start_ready("num_queues=5");
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    uint32_t nq;

    g_assert_cmphex(nvme_drv_get_features(d, NVME_NUMBER_OF_QUEUES, 0, 0,
                                          &nq), ==, NVME_SUCCESS);
    g_assert_cmphex(nq, ==, 0x00030003);        /* 4 pairs, 0-based */
    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->oacs) & OACS_DBCS, ==, OACS_DBCS);
    nvme_drv_stop(d);

    d = nvme_drv_start_ready("dbcs=off");
    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->oacs) & OACS_DBCS, ==, 0);
    nvme_drv_stop(d);

    /* mqes is CAP.MQES (upstream's meaning) */
    d = nvme_drv_start("mqes=100", NULL);
    g_assert_cmpuint(NVME_CAP_MQES(d->cap), ==, 100);
    nvme_drv_stop(d);
    d = nvme_drv_start(NULL, NULL);
    g_assert_cmpuint(NVME_CAP_MQES(d->cap), ==, 2047);
    nvme_drv_stop(d);

    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,num_queues=1",
                "'num_queues' (deprecated) counts the admin queue");
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,mqes=0",
                "'mqes' (CAP.MQES");
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,sriov-pf=pf0",
                "'sriov-pf' is not supported");
}

/* Verify on @nsid of @nlb blocks from 0: the status. */
static uint16_t verify(NvmeDrv *d, uint32_t nsid, uint32_t nlb)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_VERIFY, nsid);
    cmd.cdw12 = nlb - 1;
    return nvme_drv_exec(d, 1, &cmd, NULL);
}

static void test_vsl(void)
{
    NvmeDrv *d = nvme_drv_start_ready("vsl=3");
    g_autofree NvmeIdCtrlNvm *nvm = g_malloc(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0,
                                      NVME_CSI_NVM, nvm), ==, NVME_SUCCESS);
    g_assert_cmpuint(nvm->vsl, ==, 3);
    nvme_drv_create_qpair(d, 1, 16);
    /* 4 KiB << 3 = 32 KiB: 64 blocks of 512 bytes */
    g_assert_cmphex(verify(d, 1, 64), ==, NVME_SUCCESS);
    g_assert_cmphex(verify(d, 1, 65), ==, NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,vsl=0",
                "'vsl' must be between 1 and 20");
}

/*
 * ctratt.mem: MDTS excludes interleaved metadata.  mdts=1 is 8 KiB: 16
 * blocks of 512 + 8 bytes (extended LBAs) are 8320 bytes with it.
 */
static void test_ctratt_mem(void)
{
    for (int mem = 0; mem < 2; mem++) {
        g_autofree char *args = g_strdup_printf(
            "-drive file=@IMG@,if=none,id=d0,format=raw "
            "-device nvme,id=c0,serial=qtest-nvme,mdts=1,ctratt.mem=%s "
            "-device nvme-ns,drive=d0,bus=c0,nsid=1,ms=8,mset=1",
            mem ? "on" : "off");
        NvmeDrv *d = nvme_drv_start_args(args);
        g_autofree NvmeIdCtrl *id = g_malloc(4096);
        g_autofree uint8_t *data = g_malloc0(17 * 520);

        nvme_drv_ready_io(d, 16);
        id_ctrl(d, id);
        g_assert_cmphex(le32_to_cpu(id->ctratt) & CTRATT_MEM, ==,
                        mem ? CTRATT_MEM : 0);
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 16, 520,
                                    data, 0), ==,
                        mem ? NVME_SUCCESS : NVME_INVALID_FIELD | DNR);
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 16, 520,
                                    data, 0), ==,
                        mem ? NVME_SUCCESS : NVME_INVALID_FIELD | DNR);
        /* the data alone is the limit either way */
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 17, 520,
                                    data, 0), ==, NVME_INVALID_FIELD | DNR);
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 15, 520,
                                    data, 0), ==, NVME_SUCCESS);
        nvme_drv_stop(d);
    }
}

static void test_copy_limits(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-nvme "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,mssrl=8,mcl=12,msrc=1");
    g_autofree NvmeIdNs *ns = g_malloc(4096);
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCopySourceRangeFormat0_2 r[3] = { 0 };
    NvmeCmd cmd;

    nvme_drv_ready_io(d, 16);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(ns->mssrl), ==, 8);
    g_assert_cmpuint(le32_to_cpu(ns->mcl), ==, 12);
    g_assert_cmpuint(ns->msrc, ==, 1);
    for (int i = 0; i < 3; i++) {
        r[i].slba = cpu_to_le64(i * 100);
    }
    r[0].nlb = cpu_to_le16(7);      /* 8 blocks */
    r[1].nlb = cpu_to_le16(3);      /* 4 blocks: 12 in all */
    r[2].nlb = cpu_to_le16(0);
    nvme_drv_memwrite(d, buf, r, sizeof(r));
    /* ranges: 2 fit, 3 do not; MCL 12 fits; then one range too long */
    for (int nr = 2; nr <= 3; nr++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
        nvme_drv_cmd_set_prp(d, &cmd, buf, sizeof(r));
        cmd.cdw10 = 1000;
        cmd.cdw12 = nr - 1;
        g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                        nr == 2 ? NVME_SUCCESS : NVME_CMD_SIZE_LIMIT | DNR);
    }
    r[1].nlb = cpu_to_le16(4);      /* 13 blocks: beyond MCL */
    nvme_drv_memwrite(d, buf, r, sizeof(r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, sizeof(r));
    cmd.cdw10 = 1000;
    cmd.cdw12 = 1;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                    NVME_CMD_SIZE_LIMIT | DNR);
    r[0].nlb = cpu_to_le16(8);      /* 9 blocks: beyond MSSRL */
    nvme_drv_memwrite(d, buf, r, sizeof(r));
    nvme_drv_cmd_init(&cmd, NVME_CMD_COPY, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, sizeof(r));
    cmd.cdw10 = 1000;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==,
                    NVME_CMD_SIZE_LIMIT | DNR);
    nvme_drv_stop(d);
    nvme_drv_start_fails(DRIVE "-device nvme,id=c0,serial=x "
                "-device nvme-ns,drive=d0,bus=c0,mssrl=16,mcl=8",
                "'mcl' at least 'mssrl'");
}

static void test_eui64_default(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive if=none,id=d1,driver=null-co,size=1M "
        "-drive if=none,id=d2,driver=null-co,size=1M "
        "-device nvme,id=c0,serial=qtest-nvme "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,eui64-default=on "
        "-device nvme-ns,drive=d2,bus=c0,nsid=3,eui64-default=on,"
        "eui64=0x1122334455667788");
    g_autofree NvmeIdNs *ns = g_malloc(4096);
    uint64_t eui;

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns);
    g_assert_cmphex(be64_to_cpu(ns->eui64), ==, 0);
    nvme_drv_identify(d, NVME_ID_CNS_NS, 2, 0, ns);
    eui = be64_to_cpu(ns->eui64);
    g_assert_cmphex(eui >> 40, ==, 0x525400);   /* QEMU's OUI */
    g_assert_cmphex(eui & 0xffffffffffULL, !=, 0);
    nvme_drv_identify(d, NVME_ID_CNS_NS, 3, 0, ns);
    g_assert_cmphex(be64_to_cpu(ns->eui64), ==, 0x1122334455667788ULL);
    nvme_drv_stop(d);

    /* derived from serial and NSID: the same after a restart */
    d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-nvme "
        "-device nvme-ns,drive=d0,bus=c0,nsid=2,eui64-default=on");
    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_identify(d, NVME_ID_CNS_NS, 2, 0, ns);
    g_assert_cmphex(be64_to_cpu(ns->eui64), ==, eui);
    nvme_drv_stop(d);
}

/* qom-set smart_critical_warning on the controller with id c0. */
static bool qom_set_warning(NvmeDrv *d, unsigned val)
{
    QDict *rsp = qtest_qmp(d->qts, "{'execute': 'qom-set', 'arguments': {"
                           "'path': '/machine/peripheral/c0', "
                           "'property': 'smart_critical_warning', "
                           "'value': %u}}", val);
    bool ok = !qdict_haskey(rsp, "error");

    qobject_unref(rsp);
    return ok;
}

static uint8_t critical_warning(NvmeDrv *d)
{
    NvmeSmartLog log;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &log, sizeof(log)), ==, NVME_SUCCESS);
    return log.critical_warning;
}

static void test_smart_critical_warning(void)
{
    NvmeDrv *d = nvme_drv_start_ready("id=c0,smart_critical_warning=0x4");
    uint16_t cid;
    uint32_t aec;

    /* set at start: in the log, no event */
    cid = nvme_drv_submit_aer(d);
    nvme_drv_expect_no_aer(d);
    g_assert_cmphex(critical_warning(d), ==, 0x04);

    /* no SMART warning event is enabled by default (AEC 7:0) */
    nvme_drv_get_features(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0, 0, &aec);
    g_assert_cmphex(aec & 0xff, ==, 0);
    g_assert_true(qom_set_warning(d, 0x06));
    nvme_drv_expect_no_aer(d);
    g_assert_true(qom_set_warning(d, 0x04));

    /* qom-set with every warning event enabled: spare */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          0xff, NULL), ==, NVME_SUCCESS);
    g_assert_true(qom_set_warning(d, 0x05));
    nvme_drv_expect_aer(d, cid, AER_SMART | NVME_AER_INFO_SMART_SPARE_THRESH
                        << 8 | LOG_SMART << 16);
    g_assert_cmphex(critical_warning(d), ==, 0x05);

    /* a bit AEC masks is logged without an event */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          0xff & ~0x08, NULL), ==,
                    NVME_SUCCESS);
    cid = nvme_drv_submit_aer(d);
    g_assert_true(qom_set_warning(d, 0x0d));
    nvme_drv_expect_no_aer(d);
    g_assert_cmphex(critical_warning(d), ==, 0x0d);

    /* volatile memory backup: a reliability event */
    g_assert_true(qom_set_warning(d, 0x1d));
    nvme_drv_expect_aer(d, cid, AER_SMART | NVME_AER_INFO_SMART_RELIABILITY
                        << 8 | LOG_SMART << 16);
    g_assert_cmphex(critical_warning(d), ==, 0x1d);

    /* cleared again; bad bits refused */
    g_assert_true(qom_set_warning(d, 0));
    g_assert_cmphex(critical_warning(d), ==, 0);
    g_assert_false(qom_set_warning(d, 0x40));
    g_assert_cmphex(critical_warning(d), ==, 0);
    nvme_drv_stop(d);
    nvme_drv_start_fails(DRIVE "-device nvme,drive=d0,serial=x,"
                "smart_critical_warning=0x80",
                "are not SMART critical warnings");
}

static void test_msix_exclusive_bar(void)
{
    NvmeDrv *d = nvme_drv_start_ready("msix-exclusive-bar=on");
    uint8_t cap = qpci_find_capability(d->pdev, PCI_CAP_ID_MSIX, 0);
    g_autofree NvmeIdCtrl *id = g_malloc(4096);

    g_assert_cmpuint(cap, !=, 0);
    g_assert_cmpuint(qpci_config_readl(d->pdev, cap + PCI_MSIX_TABLE) &
                     PCI_MSIX_FLAGS_BIRMASK, ==, 4);
    g_assert_cmpuint(qpci_config_readl(d->pdev, cap + PCI_MSIX_PBA) &
                     PCI_MSIX_FLAGS_BIRMASK, ==, 4);
    /* completions still interrupt, on the admin and an I/O queue */
    nvme_drv_msix_clear_all(d);
    id_ctrl(d, id);
    g_assert_true(nvme_drv_msix_wait(d, 0, 5000));
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(verify(d, 1, 8), ==, NVME_SUCCESS);
    g_assert_true(nvme_drv_msix_wait(d, 1, 5000));
    nvme_drv_stop(d);
}

/* The firmware's boot order names a namespace of the controller. */
static void test_ns_bootindex(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive if=none,id=d1,driver=null-co,size=1M "
        "-device nvme,id=c0,serial=qtest-nvme,addr=4 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,bootindex=1");
    QFWCFG *fw = pc_fw_cfg_init(d->qts);
    char buf[512] = "";

    g_assert_cmpuint(qfw_cfg_get_file(fw, "bootorder", buf, sizeof(buf) - 1),
                     >, 0);
    if (!strstr(buf, "/pci@i0cf8/pci1b36,0010@4/namespace@2,0")) {
        g_error("bootorder: %s", buf);
    }
    g_assert_null(strstr(buf, "namespace@1,0"));
    pc_fw_cfg_uninit(fw);
    nvme_drv_stop(d);
}

/* query-blockstats shows the accounting intervals of each drive. */
static void test_stats_intervals(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive if=none,id=d1,driver=null-co,size=1M "
        "-device '{\"driver\": \"nvme\", \"id\": \"c0\", \"drive\": \"d0\", "
        "\"serial\": \"qtest-nvme\", \"stats-intervals\": [10, 60]}' "
        "-device '{\"driver\": \"nvme-ns\", \"bus\": \"c0\", \"drive\": "
        "\"d1\", \"nsid\": 2, \"stats-intervals\": [30]}'");
    QDict *rsp = qtest_qmp(d->qts, "{'execute': 'query-blockstats'}");
    QList *list = qdict_get_qlist(rsp, "return");
    QListEntry *e;
    unsigned seen = 0;

    QLIST_FOREACH_ENTRY(list, e) {
        QDict *bs = qobject_to(QDict, qlist_entry_obj(e));
        QList *timed = qdict_get_qlist(qdict_get_qdict(bs, "stats"),
                                       "timed_stats");
        const char *dev = qdict_get_str(bs, "device");
        g_autoptr(GString) iv = g_string_new("");
        QListEntry *t;

        QLIST_FOREACH_ENTRY(timed, t) {
            g_string_append_printf(iv, "%" PRId64 " ", qdict_get_int(
                qobject_to(QDict, qlist_entry_obj(t)), "interval_length"));
        }
        if (!strcmp(dev, "d0")) {
            g_assert_cmpstr(iv->str, ==, "10 60 ");
            seen |= 1;
        } else if (!strcmp(dev, "d1")) {
            g_assert_cmpstr(iv->str, ==, "30 ");
            seen |= 2;
        }
    }
    g_assert_cmpuint(seen, ==, 3);
    qobject_unref(rsp);
    nvme_drv_stop(d);
    nvme_drv_start_fails(DRIVE "-device '{\"driver\": \"nvme\", "
                "\"drive\": \"d0\", "
                "\"serial\": \"x\", \"stats-intervals\": [0]}'",
                "'stats-intervals' entries must be at least 1 second");
}

/* Get Log Page C0h (OCP SMART / Health Information Extended). */
static uint16_t ocp_log(NvmeDrv *d, uint8_t *buf)
{
    return nvme_drv_get_log(d, 0xc0, 0xffffffff, 0, buf, 512);
}

/*
 * ocp=on: log C0h (and in the Supported Log Pages) with real counters:
 * media bytes written and read, unaligned I/O (512-byte I/O on a 4 KiB
 * physical block size), end-to-end check errors, NUSE, firmware revision,
 * version 5 and the OCP GUID.
 */
static void test_ocp(void)
{
    static const uint8_t guid[16] = {
        0xc5, 0xaf, 0x10, 0x28, 0xea, 0xbf, 0xf2, 0xa4,
        0x9c, 0x4f, 0x6f, 0x7c, 0xc9, 0x14, 0xd5, 0xaf,
    };
    NvmeDrv *d = nvme_drv_start_io(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-nvme,ocp=on,firmware-version=OCP1 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,physical_block_size=4096",
        16);
    uint8_t log[512], data[8 * 512] = { 0 };
    uint32_t sup[256];

    g_assert_cmphex(nvme_drv_get_log(d, 0, 0, 0, sup, sizeof(sup)), ==, 0);
    g_assert_cmphex(le32_to_cpu(sup[0xc0]) & 1, ==, 1);
    g_assert_cmphex(ocp_log(d, log), ==, NVME_SUCCESS);
    g_assert_cmpmem(log + 496, 16, guid, 16);
    g_assert_cmpuint(lduw_le_p(log + 494), ==, 5);
    g_assert_cmpmem(log + 270, 8, "OCP1    ", 8);
    g_assert_cmpuint(ldq_le_p(log + 152), ==, NVME_DRV_IMG_SIZE / 512);
    g_assert_cmpuint(ldq_le_p(log + 136), ==, 0);
    g_assert_cmpuint(log[222], ==, 23);         /* 296 K */

    /* 8 aligned blocks written and read, then 1 unaligned */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 8, 8, 512, data, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 8, 8, 512, data, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 3, 1, 512, data, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(ocp_log(d, log), ==, NVME_SUCCESS);
    g_assert_cmpuint(ldq_le_p(log + 0), ==, 8 * 512);
    g_assert_cmpuint(ldq_le_p(log + 16), ==, 9 * 512);
    g_assert_cmpuint(ldq_le_p(log + 136), ==, 1);
    g_assert_cmphex(nvme_drv_get_log(d, 0xc0, 1, 0, log, 512), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);

    /* end-to-end errors: a bad guard written without checks, then read */
    d = nvme_drv_start_io(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-nvme,ocp=on "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,ms=8,pi=1,mset=1", 16);
    {
        uint8_t blk[520];

        memset(blk, 0x5a, sizeof(blk));         /* guard 5a5a: wrong */
        stl_be_p(blk + 516, 7);                 /* reference tag 7 */
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 7, 1, 520, blk,
                                    0), ==, NVME_SUCCESS);
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 7, 1, 520, blk,
                                    NVME_RW_PRINFO_PRCHK_GUARD << 16), ==,
                        NVME_E2E_GUARD_ERROR | DNR);
    }
    g_assert_cmphex(ocp_log(d, log), ==, NVME_SUCCESS);
    g_assert_cmpuint(ldl_le_p(log + 72), ==, 1);
    nvme_drv_stop(d);

    /* ocp=off (the default): no C0h */
    d = nvme_drv_start_ready(NULL);
    g_assert_cmphex(nvme_drv_get_log(d, 0, 0, 0, sup, sizeof(sup)), ==, 0);
    g_assert_cmphex(le32_to_cpu(sup[0xc0]), ==, 0);
    g_assert_cmphex(ocp_log(d, log), ==, NVME_INVALID_LOG_ID | DNR);
    nvme_drv_stop(d);
}

/*
 * Properties every PCI device has, described (or not) by QEMU's PCI
 * core: nvme's own help texts are the rest.
 */
static const char *const pci_core_props[] = {
    "addr", "romfile", "romsize", "rombar", "multifunction",
    "x-pcie-lnksta-dllla", "x-pcie-extcap-init", "failover_pair_id",
    "acpi-index", "x-pcie-err-unc-mask", "x-pcie-ari-nextfn-1",
    "x-max-bounce-buffer-size", "x-pcie-ext-tag", "busnr", NULL,
};

/* -device TYPE,help: every property of @type has a help text. */
static void check_descriptions(QTestState *qts, const char *type)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'device-list-properties', "
                           "'arguments': {'typename': %s}}", type);
    QList *list = qdict_get_qlist(rsp, "return");
    QListEntry *e;
    unsigned n = 0;

    QLIST_FOREACH_ENTRY(list, e) {
        QDict *p = qobject_to(QDict, qlist_entry_obj(e));
        const char *name = qdict_get_str(p, "name");
        const char *desc = qdict_get_try_str(p, "description");

        if (g_strv_contains(pci_core_props, name)) {
            continue;
        }
        if (!desc || !*desc || !strcmp(desc, "on/off") ||
            !strcmp(desc, "on/off/auto")) {
            g_error("%s property '%s' has no help text", type, name);
        }
        n++;
    }
    g_assert_cmpuint(n, >, 2);
    qobject_unref(rsp);
}

static void test_help_texts(void)
{
    QTestState *qts = qtest_init("-machine q35");

    check_descriptions(qts, "nvme");
    check_descriptions(qts, "nvme-ns");
    check_descriptions(qts, "nvme-subsys");
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/props/model-firmware", test_model_firmware);
    qtest_add_func("/nvme/props/use-intel-id", test_use_intel_id);
    qtest_add_func("/nvme/props/queue-spellings", test_queue_spellings);
    qtest_add_func("/nvme/props/vsl", test_vsl);
    qtest_add_func("/nvme/props/ctratt-mem", test_ctratt_mem);
    qtest_add_func("/nvme/props/copy-limits", test_copy_limits);
    qtest_add_func("/nvme/props/eui64-default", test_eui64_default);
    qtest_add_func("/nvme/props/smart-critical-warning",
                   test_smart_critical_warning);
    qtest_add_func("/nvme/props/msix-exclusive-bar",
                   test_msix_exclusive_bar);
    qtest_add_func("/nvme/props/ns-bootindex", test_ns_bootindex);
    qtest_add_func("/nvme/props/stats-intervals", test_stats_intervals);
    qtest_add_func("/nvme/props/ocp", test_ocp);
    qtest_add_func("/nvme/props/help-texts", test_help_texts);
    return g_test_run();
}

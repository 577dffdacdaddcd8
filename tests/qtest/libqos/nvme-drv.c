/*
 * Minimal NVMe host driver for qtests of the clean-room NVMe controller.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "qobject/qdict.h"
#include "nvme-drv.h"
#include "pci-pc.h"
#include "malloc-pc.h"

#define SQE_SIZE 64
#define CQE_SIZE 16

/* ---------------------------------------------------------------- */
/* life cycle                                                        */

static void find_nvme(QPCIDevice *dev, int devfn, void *data)
{
    QPCIDevice **found = data;

    if (*found) {
        g_free(dev);
        return;
    }
    *found = dev;
}

char *nvme_drv_make_image(uint64_t size)
{
    GError *err = NULL;
    char *path = NULL;
    int fd = g_file_open_tmp("nvme-qtest-XXXXXX.img", &path, &err);

    g_assert_no_error(err);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
    close(fd);
    return path;
}

static char *replace_all(const char *s, const char *what, const char *with)
{
    char **parts = g_strsplit(s, what, -1);
    char *r = g_strjoinv(with, parts);

    g_strfreev(parts);
    return r;
}

/*
 * Properties of -device nvme, nvme-ns whose values are strings even when
 * they look numeric.
 */
static const char *const nvme_drv_str_props[] = {
    "serial", "id", "drive", "subsys", "addr", "bus", "features-file",
    "model", "firmware-version", "ana-state", "uuid", "nguid",
    "resv-state", "pmrdev", "sriov-pf", "fdp.ruhs", NULL,
};

/* Whether a later "k=v" of @kv (after index @i) sets the same key. */
static bool nvme_drv_key_repeated(char **kv, int i)
{
    size_t len = strcspn(kv[i], "=");

    for (int j = i + 1; kv[j]; j++) {
        if (strcspn(kv[j], "=") == len && !strncmp(kv[i], kv[j], len)) {
            return true;
        }
    }
    return false;
}

/*
 * One "-device DRIVER,k=v,..." (@props: the text after "DRIVER,", up to a
 * blank) as JSON with @extra added, for properties only JSON can give;
 * NULL when the line names its own iothread (the test's choice wins).  A
 * key given twice keeps its last value, as on the legacy syntax (JSON
 * refuses duplicates).
 */
static char *nvme_drv_device_json(const char *driver, const char *props,
                                  const char *extra)
{
    g_auto(GStrv) kv = g_strsplit(props, ",", -1);
    GString *j = g_string_new(NULL);

    g_string_printf(j, "-device '{\"driver\": \"%s\"", driver);

    for (int i = 0; kv[i]; i++) {
        char *eq = strchr(kv[i], '=');
        const char *v;
        uint64_t num;

        if (!*kv[i] || nvme_drv_key_repeated(kv, i)) {
            continue;
        }
        g_assert_nonnull(eq);
        *eq = 0;
        v = eq + 1;
        if (g_str_has_prefix(kv[i], "iothread")) {
            g_string_free(j, true);
            return NULL;
        }
        g_string_append_printf(j, ", \"%s\": ", kv[i]);
        if (!strcmp(v, "on") || !strcmp(v, "true")) {
            g_string_append(j, "true");
        } else if (!strcmp(v, "off") || !strcmp(v, "false")) {
            g_string_append(j, "false");
        } else if (!g_strv_contains(nvme_drv_str_props, kv[i]) &&
                   (!qemu_strtou64(v, NULL, 0, &num) ||
                    !qemu_strtosz(v, NULL, &num))) {
            g_string_append_printf(j, "%" PRIu64, num);
        } else {
            g_string_append_printf(j, "\"%s\"", v);
        }
    }
    g_string_append_printf(j, "%s}'", extra);
    return g_string_free(j, false);
}

/*
 * "iothreads" modes: every "-device nvme," line becomes JSON with its I/O
 * queues dealt out over the iothreads nvmeio0 and nvmeio1.  Its "-device
 * nvme-ns," lines become JSON too: QEMU creates the JSON devices after
 * the others, and a namespace needs its controller's bus.
 */
static char *nvme_drv_iothreads_args(const char *args)
{
    static const char map[] = ", \"iothread-queue-mapping\": "
        "[{\"iothread\": \"nvmeio0\"}, {\"iothread\": \"nvmeio1\"}]";
    GString *r = g_string_new("-object iothread,id=nvmeio0 "
                              "-object iothread,id=nvmeio1 ");
    const char *p = args, *dev;

    while ((dev = strstr(p, "-device nvme"))) {
        bool ctrl = g_str_has_prefix(dev, "-device nvme,");
        bool ns = g_str_has_prefix(dev, "-device nvme-ns,");
        const char *props = dev + strlen(ctrl ? "-device nvme," :
                                         "-device nvme-ns,");
        bool quoted = false, in_q = false;
        size_t len = 0;
        g_autofree char *line = NULL;
        g_autofree char *json = NULL;

        if (!ctrl && !ns) {
            props = dev + strlen("-device nvme");
            g_string_append_len(r, p, props - p);
            p = props;
            continue;
        }
        /* to a blank outside shell quotes; quoted lines stay as they are */
        while (props[len] && (in_q || !g_ascii_isspace(props[len]))) {
            if (props[len] == '"' || props[len] == '\'') {
                in_q = !in_q;
                quoted = true;
            }
            len++;
        }
        line = g_strndup(props, len);
        json = quoted ? NULL :
               nvme_drv_device_json(ctrl ? TYPE_NVME : TYPE_NVME_NS, line,
                                    ctrl ? map : "");

        g_string_append_len(r, p, dev - p);
        if (json) {
            g_string_append(r, json);
        } else {
            g_string_append_len(r, dev, props + len - dev);
        }
        p = props + len;
    }
    g_string_append(r, p);
    return g_string_free(r, false);
}

/*
 * NVME_QTEST_MODE runs the same test bodies with the controllers set up
 * differently: "iothread" puts every controller's I/O queues in the
 * iothread nvmeio0, "iothreads" deals them out over two iothreads
 * (nvmeio0, nvmeio1: queue 1 in the first, 2 in the second, ...),
 * "ioeventfd-off" turns the doorbell ioeventfds off,
 * "iothread-ioeventfd-off" both; unset or "default" changes nothing.  A
 * test's own properties come later on the -device line, so they win (a
 * test that names an iothread itself keeps its own in "iothreads").
 * "shadow", "iothread-shadow" and "iothreads-shadow" change the driver
 * as well: it configures shadow doorbells at each nvme_drv_enable() and
 * rings the I/O queues' doorbells the way Linux does (shadow value first,
 * MMIO only when the EventIdx asks for it).
 */
static char *nvme_drv_mode_args(const char *args)
{
    const char *mode = nvme_drv_mode();
    const char *props = NULL;
    bool iothread = false;
    char *with, *r;

    if (!strcmp(mode, "iothreads") || !strcmp(mode, "iothreads-shadow")) {
        return nvme_drv_iothreads_args(args);
    }
    if (!strcmp(mode, "iothread") || !strcmp(mode, "iothread-shadow")) {
        props = "iothread=nvmeio0,";
        iothread = true;
    } else if (!strcmp(mode, "ioeventfd-off")) {
        props = "ioeventfd=off,";
    } else if (!strcmp(mode, "iothread-ioeventfd-off")) {
        props = "iothread=nvmeio0,ioeventfd=off,";
        iothread = true;
    } else {
        g_assert_true(!strcmp(mode, "default") || !strcmp(mode, "shadow"));
        return g_strdup(args);
    }
    with = g_strconcat("-device nvme,", props, NULL);
    r = replace_all(args, "-device nvme,", with);
    g_free(with);
    if (iothread) {
        with = g_strconcat("-object iothread,id=nvmeio0 ", r, NULL);
        g_free(r);
        r = with;
    }
    return r;
}

const char *nvme_drv_mode(void)
{
    const char *mode = getenv("NVME_QTEST_MODE");

    return mode && *mode ? mode : "default";
}

bool nvme_drv_mode_iothread(void)
{
    return g_str_has_prefix(nvme_drv_mode(), "iothread");
}

bool nvme_drv_mode_shadow(void)
{
    return g_str_has_suffix(nvme_drv_mode(), "shadow");
}

/*
 * NVME_QTEST_PARTS_OFF: the Kconfig switches of the optional parts the
 * QEMU under test was built without (the kconfig suite), space-separated.
 */
bool nvme_drv_part_off(const char *name)
{
    const char *off = getenv("NVME_QTEST_PARTS_OFF");
    g_auto(GStrv) parts = g_strsplit(off ? off : "", " ", -1);

    return g_strv_contains((const char * const *)parts, name);
}

/* Start QEMU on image @path, which a temporary image (@keep false) is. */
static NvmeDrv *nvme_drv_start_on(const char *args, char *path, bool keep)
{
    g_autofree char *mode_args = nvme_drv_mode_args(args);

    NvmeDrv *d = g_new0(NvmeDrv, 1);
    char *cmdline;
    int i;

    d->img_path = path;
    d->timeout_ms = NVME_DRV_TIMEOUT_MS;
    d->page_size = 4096;
    d->next_cid = 1;

    d->img_fd = open(d->img_path, O_RDWR);
    g_assert_cmpint(d->img_fd, >=, 0);
    d->img_size = lseek(d->img_fd, 0, SEEK_END);
    d->args = g_strdup(mode_args);
    cmdline = nvme_drv_cmdline(d, NULL);
    d->qts = qtest_initf("-machine q35 %s", cmdline);
    g_free(cmdline);
    if (!keep) {
        /* QEMU has it open now; nothing is left behind if a test aborts */
        unlink(d->img_path);
    }

    pc_alloc_init(&d->alloc, d->qts, ALLOC_NO_FLAGS);
    d->pcibus = qpci_new_pc(d->qts, &d->alloc);
    qpci_device_foreach(d->pcibus, NVME_PCI_VENDOR_ID, NVME_PCI_DEVICE_ID,
                        find_nvme, &d->pdev);
    if (!d->pdev) {             /* use-intel-id=on */
        qpci_device_foreach(d->pcibus, NVME_PCI_INTEL_VENDOR_ID,
                            NVME_PCI_INTEL_DEVICE_ID, find_nvme, &d->pdev);
    }
    g_assert_nonnull(d->pdev);
    qpci_device_enable(d->pdev);
    d->bar = qpci_iomap(d->pdev, 0, &d->bar_size);
    g_assert_false(d->bar.is_io);

    d->msi_area = nvme_drv_alloc(d, 4096);
    for (i = 0; i <= NVME_DRV_MAX_QID; i++) {
        d->cq[i].stash = g_array_new(false, false, sizeof(NvmeCqe));
    }
    d->cap = nvme_drv_rd64(d, NVME_REG_CAP);
    return d;
}

NvmeDrv *nvme_drv_start_args(const char *args)
{
    return nvme_drv_start_on(args, nvme_drv_make_image(NVME_DRV_IMG_SIZE),
                             false);
}

NvmeDrv *nvme_drv_start_image(const char *args, const char *path)
{
    return nvme_drv_start_on(args, g_strdup(path), true);
}

/*
 * The killable variant runs QEMU under a shell that waits for it and then
 * exits 0, so libqtest sees a normal exit when the test kills QEMU.
 */
NvmeDrv *nvme_drv_start_killable(const char *args, const char *path)
{
    g_autofree char *bin = g_strdup(getenv("QTEST_QEMU_BINARY"));
    g_autofree char *shim = g_strdup_printf("sh -c '\"$0\" \"$@\"; exit 0' %s",
                                            bin);
    NvmeDrv *d;

    g_assert_nonnull(bin);
    g_setenv("QTEST_QEMU_BINARY", shim, true);
    d = nvme_drv_start_image(args, path);
    g_setenv("QTEST_QEMU_BINARY", bin, true);
    return d;
}

void nvme_drv_kill(NvmeDrv *d)
{
    pid_t sh = qtest_pid(d->qts);
    g_autofree char *path = g_strdup_printf("/proc/%d/task/%d/children",
                                            sh, sh);
    g_autofree char *children = NULL;

    g_assert_true(g_file_get_contents(path, &children, NULL, NULL));
    g_assert_cmpint(atoi(children), >, 0);
    kill(atoi(children), SIGKILL);
    /* the shell exits 0 once QEMU is gone: reap it before qtest_quit() */
    for (int i = 0; qtest_probe_child(d->qts); i++) {
        g_assert_cmpint(i, <, 1000);
        g_usleep(10 * 1000);
    }
    nvme_drv_stop(d);
}

NvmeDrv *nvme_drv_start(const char *dev_props, const char *extra)
{
    char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=qtest-nvme%s%s %s",
        dev_props ? "," : "", dev_props ? dev_props : "",
        extra ? extra : "");
    NvmeDrv *d = nvme_drv_start_args(args);

    g_free(args);
    return d;
}

void nvme_drv_ready_io_css(NvmeDrv *d, uint8_t css, uint32_t qsize)
{
    nvme_drv_msix_enable(d);
    nvme_drv_enable_css(d, 32, 32, css);
    nvme_drv_create_qpair(d, 1, qsize);
}

void nvme_drv_ready_io(NvmeDrv *d, uint32_t qsize)
{
    nvme_drv_ready_io_css(d, NVME_CC_CSS_NVM, qsize);
}

NvmeDrv *nvme_drv_start_io(const char *args, uint32_t qsize)
{
    NvmeDrv *d = nvme_drv_start_args(args);

    nvme_drv_ready_io(d, qsize);
    return d;
}

NvmeDrv *nvme_drv_start_ns(const char *serial, const char *ns_props)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,serial=%s,id=c0 "
        "-device nvme-ns,drive=d0,nsid=1,%s", serial, ns_props);

    return nvme_drv_start_io(args, 32);
}

uint16_t nvme_drv_ns_attach(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                            const uint16_t *ids, unsigned nids)
{
    uint16_t list[2048] = { cpu_to_le16(nids) };
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    g_assert_cmpuint(nids, <, 2048);
    for (unsigned i = 0; i < nids; i++) {
        list[i + 1] = cpu_to_le16(ids[i]);
    }
    nvme_drv_memwrite(d, buf, list, sizeof(list));
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_NS_ATTACHMENT, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = sel;
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    guest_free(&d->alloc, buf);
    return st;
}

uint16_t nvme_drv_ns_attach1(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                             uint16_t cntlid)
{
    return nvme_drv_ns_attach(d, nsid, sel, &cntlid, 1);
}

void nvme_drv_ns_attach_ok(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                           uint16_t cntlid)
{
    g_assert_cmphex(nvme_drv_ns_attach1(d, nsid, sel, cntlid), ==,
                    NVME_SUCCESS);
}

uint16_t nvme_drv_ns_mgmt(NvmeDrv *d, uint32_t sel, uint32_t nsid,
                          const NvmeIdNs *id, uint32_t cdw11, uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_DRV_ADM_NS_MGMT, nsid);
    cmd.cdw10 = sel;
    cmd.cdw11 = cdw11;
    st = id ? nvme_drv_exec_data(d, 0, &cmd, id, NULL, 4096, &cqe)
            : nvme_drv_exec(d, 0, &cmd, &cqe);
    if (dw0) {
        *dw0 = cqe.result;
    }
    return st;
}

uint16_t nvme_drv_ns_create(NvmeDrv *d, uint64_t nsze, uint64_t ncap,
                            uint8_t flbas, uint8_t dps, uint8_t nmic,
                            uint32_t cdw11, uint32_t *nsid)
{
    g_autofree NvmeIdNs *id = g_malloc0(4096);
    uint16_t st;

    id->nsze = cpu_to_le64(nsze);
    id->ncap = cpu_to_le64(ncap);
    id->flbas = flbas;
    id->dps = dps;
    id->nmic = nmic;
    st = nvme_drv_ns_mgmt(d, 0, 0, id, cdw11, nsid);
    if (nsid && st) {
        *nsid = 0;
    }
    return st;
}

uint16_t nvme_drv_crc16(uint16_t crc, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i] << 8;
        for (int b = 0; b < 8; b++) {
            crc = crc & 0x8000 ? (crc << 1) ^ 0x8bb7 : crc << 1;
        }
    }
    return crc;
}

uint64_t nvme_drv_crc64(uint64_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = crc & 1 ? (crc >> 1) ^ 0x9a6c9329ac4bc9b5ULL : crc >> 1;
        }
    }
    return ~crc;
}

NvmeDrv *nvme_drv_start_ready(const char *dev_props)
{
    NvmeDrv *d = nvme_drv_start(dev_props, NULL);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    return d;
}

void nvme_drv_stop(NvmeDrv *d)
{
    int i;

    for (i = 0; i <= NVME_DRV_MAX_QID; i++) {
        g_array_free(d->cq[i].stash, true);
    }
    if (d->cmb_on) {
        alloc_destroy(&d->cmb_alloc);
        qpci_iounmap(d->pdev, d->cmb_bar);
    }
    qpci_iounmap(d->pdev, d->bar);
    g_free(d->pdev);
    qpci_free_pc(d->pcibus);
    alloc_destroy(&d->alloc);
    qtest_quit(d->qts);
    close(d->img_fd);
    d->img_fd = -1;
    g_free(d->img_path);
    g_free(d->args);
    g_free(d);
}

/*
 * QEMU opens the image through the test's descriptor, a name that stays
 * valid once the file is unlinked: QEMU reopens images by name (to change
 * their permissions, e.g. when a migration hands them over), and a second
 * QEMU (a migration's destination) opens the same one.
 */
char *nvme_drv_cmdline(NvmeDrv *d, const char *img)
{
    g_autofree char *fdpath = g_strdup_printf("/proc/%d/fd/%d", getpid(),
                                              d->img_fd);

    return replace_all(d->args, "@IMG@", img ? img : fdpath);
}

char *nvme_drv_run_state(NvmeDrv *d)
{
    QDict *rsp = qtest_qmp(d->qts, "{'execute': 'query-status'}");
    char *st = g_strdup(qdict_get_str(qdict_get_qdict(rsp, "return"),
                                      "status"));

    qobject_unref(rsp);
    return st;
}

void nvme_drv_wait_run_state(NvmeDrv *d, const char *want)
{
    g_autofree char *st = nvme_drv_run_state(d);

    for (int i = 0; i < 5000 && strcmp(st, want); i++) {
        g_free(st);
        g_usleep(1000);
        st = nvme_drv_run_state(d);
    }
    g_assert_cmpstr(st, ==, want);
}

/* ---------------------------------------------------------------- */
/* registers                                                         */

uint32_t nvme_drv_rd32(NvmeDrv *d, uint32_t off)
{
    return qpci_io_readl(d->pdev, d->bar, off);
}

uint64_t nvme_drv_rd64(NvmeDrv *d, uint32_t off)
{
    return qpci_io_readq(d->pdev, d->bar, off);
}

void nvme_drv_wr32(NvmeDrv *d, uint32_t off, uint32_t val)
{
    qpci_io_writel(d->pdev, d->bar, off, val);
}

void nvme_drv_wr64(NvmeDrv *d, uint32_t off, uint64_t val)
{
    qpci_io_writeq(d->pdev, d->bar, off, val);
}

void nvme_drv_wr64_split(NvmeDrv *d, uint32_t off, uint64_t val)
{
    qpci_io_writel(d->pdev, d->bar, off, (uint32_t)val);
    qpci_io_writel(d->pdev, d->bar, off + 4, (uint32_t)(val >> 32));
}

static uint32_t db_stride(NvmeDrv *d)
{
    return 4u << NVME_CAP_DSTRD(d->cap);
}

uint32_t nvme_drv_sq_db(NvmeDrv *d, uint16_t qid)
{
    return 0x1000 + (2 * qid) * db_stride(d);
}

uint32_t nvme_drv_cq_db(NvmeDrv *d, uint16_t qid)
{
    return 0x1000 + (2 * qid + 1) * db_stride(d);
}

void nvme_drv_raw_db(NvmeDrv *d, uint16_t qid, bool cq, uint32_t val)
{
    nvme_drv_wr32(d, cq ? nvme_drv_cq_db(d, qid) : nvme_drv_sq_db(d, qid),
                  val);
}

static int64_t now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

bool nvme_drv_wait_csts(NvmeDrv *d, uint32_t mask, uint32_t want,
                        uint32_t timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;

    for (;;) {
        if ((nvme_drv_rd32(d, NVME_REG_CSTS) & mask) == want) {
            return true;
        }
        if (now_ms() > deadline) {
            return false;
        }
        g_usleep(200);
    }
}

/* ---------------------------------------------------------------- */
/* controller state                                                  */

uint32_t nvme_drv_cc_value(uint8_t mps)
{
    uint32_t cc = 0;

    NVME_SET_CC_EN(cc, 1);
    NVME_SET_CC_CSS(cc, NVME_CC_CSS_NVM);
    NVME_SET_CC_MPS(cc, mps);
    NVME_SET_CC_AMS(cc, 0);
    NVME_SET_CC_IOSQES(cc, 6);
    NVME_SET_CC_IOCQES(cc, 4);
    return cc;
}

void nvme_drv_forget_queues(NvmeDrv *d)
{
    int i;

    for (i = 0; i <= NVME_DRV_MAX_QID; i++) {
        GArray *stash = d->cq[i].stash;

        g_array_set_size(stash, 0);
        memset(&d->sq[i], 0, sizeof(d->sq[i]));
        memset(&d->cq[i], 0, sizeof(d->cq[i]));
        d->cq[i].stash = stash;
    }
    d->dbs = d->eis = 0;        /* a reset ends Doorbell Buffer Config */
}

bool nvme_drv_enable_cc(NvmeDrv *d, uint16_t asq_entries,
                        uint16_t acq_entries, uint32_t cc)
{
    uint32_t ps = 1u << (12 + NVME_CC_MPS(cc));
    uint64_t asq, acq;
    bool ready;

    if (d->cmb_queues) {
        asq = nvme_drv_cmb_alloc(d, asq_entries * SQE_SIZE, ps);
        acq = nvme_drv_cmb_alloc(d, acq_entries * CQE_SIZE, ps);
    } else {
        asq = nvme_drv_alloc_aligned(d, asq_entries * SQE_SIZE, ps);
        acq = nvme_drv_alloc_aligned(d, acq_entries * CQE_SIZE, ps);
    }

    nvme_drv_forget_queues(d);
    nvme_drv_wr32(d, NVME_REG_AQA,
                  ((uint32_t)(acq_entries - 1) << AQA_ACQS_SHIFT) |
                  (asq_entries - 1));
    nvme_drv_wr64_split(d, NVME_REG_ASQ, asq);
    nvme_drv_wr64_split(d, NVME_REG_ACQ, acq);
    nvme_drv_wr32(d, NVME_REG_CC, cc);
    ready = nvme_drv_wait_csts(d, NVME_CSTS_READY | NVME_CSTS_FAILED,
                               NVME_CSTS_READY, 2000);
    if (ready) {
        d->page_size = ps;
        d->sq[0] = (NvmeDrvSQ) {
            .live = true, .addr = asq, .size = asq_entries, .cqid = 0,
        };
        d->cq[0].live = true;
        d->cq[0].addr = acq;
        d->cq[0].size = acq_entries;
        d->cq[0].head = 0;
        d->cq[0].phase = 1;
        d->cq[0].vector = 0;
        d->cq[0].ien = true;
    }
    return ready;
}

/* Doorbell Buffer Config with zeroed buffers (the "shadow" modes). */
static void shadow_config(NvmeDrv *d)
{
    NvmeCmd cmd;

    if (!d->shadow_pages) {
        d->shadow_pages = nvme_drv_alloc_aligned(d, 2 * 4096, 4096);
    }
    qtest_memset(d->qts, d->shadow_pages, 0, 2 * 4096);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DBBUF_CONFIG, 0);
    cmd.dptr.prp1 = d->shadow_pages;
    cmd.dptr.prp2 = d->shadow_pages + 4096;
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==, NVME_SUCCESS);
    d->dbs = cmd.dptr.prp1;
    d->eis = cmd.dptr.prp2;
}

void nvme_drv_enable(NvmeDrv *d, uint16_t asq_entries, uint16_t acq_entries)
{
    nvme_drv_enable_css(d, asq_entries, acq_entries, NVME_CC_CSS_NVM);
}

void nvme_drv_enable_css(NvmeDrv *d, uint16_t asq_entries,
                         uint16_t acq_entries, uint8_t css)
{
    uint32_t cc = nvme_drv_cc_value(0);

    NVME_SET_CC_CSS(cc, css);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_READY, ==, 0);
    g_assert_true(nvme_drv_enable_cc(d, asq_entries, acq_entries, cc));
    if (nvme_drv_mode_shadow()) {
        shadow_config(d);
    }
}

/* A new queue's shadow doorbell and EventIdx start at 0 (as Linux does). */
static void shadow_clear(NvmeDrv *d, uint32_t off)
{
    if (d->dbs) {
        qtest_writel(d->qts, d->dbs + off - 0x1000, 0);
        qtest_writel(d->qts, d->eis + off - 0x1000, 0);
    }
}

/*
 * Ring the doorbell at @off (SQ tail or CQ head) with @val.  With shadow
 * doorbells, as Linux does: the new value goes to the shadow buffer and
 * the MMIO doorbell is written only when the value passed the EventIdx
 * the controller published (16-bit arithmetic).  The admin queue has no
 * shadow.
 */
static void ring_db(NvmeDrv *d, uint16_t qid, uint32_t off, uint32_t val)
{
    uint64_t shadow = off - 0x1000;     /* laid out like the doorbells */
    uint32_t old, ei;

    if (!d->dbs || !qid) {
        nvme_drv_wr32(d, off, val);
        return;
    }
    old = qtest_readl(d->qts, d->dbs + shadow);
    qtest_writel(d->qts, d->dbs + shadow, val);
    ei = qtest_readl(d->qts, d->eis + shadow);
    if ((uint16_t)(val - ei - 1) < (uint16_t)(val - old)) {
        nvme_drv_wr32(d, off, val);
    }
}

void nvme_drv_ring_db(NvmeDrv *d, uint16_t qid, bool cq, uint32_t val)
{
    ring_db(d, qid, cq ? nvme_drv_cq_db(d, qid) : nvme_drv_sq_db(d, qid), val);
}

void nvme_drv_disable(NvmeDrv *d)
{
    uint32_t cc = nvme_drv_rd32(d, NVME_REG_CC);

    nvme_drv_wr32(d, NVME_REG_CC, cc & ~(uint32_t)CC_EN_MASK);
    g_assert_true(nvme_drv_wait_csts(d, NVME_CSTS_READY, 0, 2000));
    nvme_drv_forget_queues(d);
}

/* ---------------------------------------------------------------- */
/* interrupts                                                        */

static uint32_t msi_data(uint16_t vector)
{
    return 0x4d530000u | (vector + 1);
}

/*
 * MSI-X of a VF: its BARs are not in its config space (qpci_msix_enable
 * cannot map them), they follow from the PF's SR-IOV capability.
 */
static void vf_msix_enable(NvmeDrv *d)
{
    QPCIDevice *p = d->pdev;
    uint8_t cap = qpci_find_capability(p, PCI_CAP_ID_MSIX, 0);
    uint16_t flags = qpci_config_readw(p, cap + PCI_MSIX_FLAGS);

    g_assert_cmpuint(qpci_config_readl(p, cap + PCI_MSIX_TABLE) &
                     PCI_MSIX_FLAGS_BIRMASK, ==, 0);
    qpci_config_writew(p, cap + PCI_MSIX_FLAGS, flags | PCI_MSIX_FLAGS_ENABLE);
    p->msix_table_bar = p->msix_pba_bar = d->bar;
    p->msix_table_off = qpci_config_readl(p, cap + PCI_MSIX_TABLE);
    p->msix_pba_off = qpci_config_readl(p, cap + PCI_MSIX_PBA);
    p->msix_enabled = true;
}

void nvme_drv_msix_enable(NvmeDrv *d)
{
    uint16_t v;

    if (d->vf) {
        vf_msix_enable(d);
    } else {
        qpci_msix_enable(d->pdev);
    }
    /*
     * qpci_msix_enable() maps the table's BAR again, which moves it; the
     * table lives in BAR0, so follow the new mapping.
     */
    if (d->pdev->msix_table_bar.addr != d->bar.addr) {
        uint8_t cap = qpci_find_capability(d->pdev, PCI_CAP_ID_MSIX, 0);
        uint32_t table = qpci_config_readl(d->pdev, cap + PCI_MSIX_TABLE);

        if ((table & PCI_MSIX_FLAGS_BIRMASK) == 0) {
            d->bar = d->pdev->msix_table_bar;
        }
    }
    d->msix = true;
    d->msix_vectors = qpci_msix_table_size(d->pdev);
    g_assert_cmpuint(d->msix_vectors, <=, 4096 / 4);
    for (v = 0; v < d->msix_vectors; v++) {
        uint64_t off = d->pdev->msix_table_off + v * PCI_MSIX_ENTRY_SIZE;
        uint64_t addr = d->msi_area + 4 * v;

        qpci_io_writel(d->pdev, d->pdev->msix_table_bar,
                       off + PCI_MSIX_ENTRY_LOWER_ADDR, (uint32_t)addr);
        qpci_io_writel(d->pdev, d->pdev->msix_table_bar,
                       off + PCI_MSIX_ENTRY_UPPER_ADDR, addr >> 32);
        qpci_io_writel(d->pdev, d->pdev->msix_table_bar,
                       off + PCI_MSIX_ENTRY_DATA, msi_data(v));
        qpci_io_writel(d->pdev, d->pdev->msix_table_bar,
                       off + PCI_MSIX_ENTRY_VECTOR_CTRL, 0);
    }
    nvme_drv_msix_clear_all(d);
}

void nvme_drv_msix_disable(NvmeDrv *d)
{
    qpci_msix_disable(d->pdev);
    d->msix = false;
}

bool nvme_drv_msix_fired(NvmeDrv *d, uint16_t vector)
{
    uint32_t val = qtest_readl(d->qts, d->msi_area + 4 * vector);

    if (val == 0) {
        return false;
    }
    g_assert_cmphex(val, ==, msi_data(vector));
    qtest_writel(d->qts, d->msi_area + 4 * vector, 0);
    return true;
}

bool nvme_drv_msix_wait(NvmeDrv *d, uint16_t vector, uint32_t timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;

    while (!nvme_drv_msix_fired(d, vector)) {
        if (now_ms() > deadline) {
            return false;
        }
        g_usleep(200);
    }
    return true;
}

void nvme_drv_msix_clear_all(NvmeDrv *d)
{
    qtest_memset(d->qts, d->msi_area, 0, 4096);
}

void nvme_drv_msix_mask(NvmeDrv *d, uint16_t vector, bool masked)
{
    uint64_t off = d->pdev->msix_table_off + vector * PCI_MSIX_ENTRY_SIZE;

    qpci_io_writel(d->pdev, d->pdev->msix_table_bar,
                   off + PCI_MSIX_ENTRY_VECTOR_CTRL,
                   masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0);
}

bool nvme_drv_msix_pending(NvmeDrv *d, uint16_t vector)
{
    return qpci_msix_pending(d->pdev, vector);
}

bool nvme_drv_intx_asserted(NvmeDrv *d)
{
    return qpci_config_readw(d->pdev, PCI_STATUS) & PCI_STATUS_INTERRUPT;
}

bool nvme_drv_intx_wait(NvmeDrv *d, bool level, uint32_t timeout_ms)
{
    for (uint32_t i = 0; i < timeout_ms; i++) {
        if (nvme_drv_intx_asserted(d) == level) {
            return true;
        }
        g_usleep(1000);
    }
    return nvme_drv_intx_asserted(d) == level;
}

/* ---------------------------------------------------------------- */
/* guest memory                                                      */

uint64_t nvme_drv_alloc(NvmeDrv *d, size_t size)
{
    uint64_t a = guest_alloc(&d->alloc, size);

    g_assert_cmphex(a, !=, 0);
    qtest_memset(d->qts, a, 0, size);
    return a;
}

uint64_t nvme_drv_alloc_aligned(NvmeDrv *d, size_t size, size_t align)
{
    uint64_t a;

    if (align <= 4096) {
        return nvme_drv_alloc(d, size);
    }
    a = guest_alloc(&d->alloc, size + align);
    g_assert_cmphex(a, !=, 0);
    a = ROUND_UP(a, align);
    qtest_memset(d->qts, a, 0, size);
    return a;
}

void nvme_drv_memread(NvmeDrv *d, uint64_t gaddr, void *buf, size_t len)
{
    if (len > 256) {
        qtest_bufread(d->qts, gaddr, buf, len);
    } else {
        qtest_memread(d->qts, gaddr, buf, len);
    }
}

void nvme_drv_memwrite(NvmeDrv *d, uint64_t gaddr, const void *buf,
                       size_t len)
{
    if (len > 256) {
        qtest_bufwrite(d->qts, gaddr, buf, len);
    } else {
        qtest_memwrite(d->qts, gaddr, buf, len);
    }
}

int nvme_drv_build_prp(NvmeDrv *d, uint64_t gaddr, uint32_t len,
                       uint32_t list_off, uint64_t *prp1, uint64_t *prp2)
{
    uint64_t ps = d->page_size;
    uint64_t first = ps - (gaddr & (ps - 1));
    uint64_t page = gaddr & ~(ps - 1);
    uint32_t npages, done = 0;
    int lists = 0;
    uint64_t list, *ents;

    *prp1 = gaddr;
    *prp2 = 0;
    if (len <= first) {
        return 0;
    }
    npages = DIV_ROUND_UP(len - first, ps);
    if (npages == 1) {
        *prp2 = page + ps;
        return 0;
    }

    g_assert_cmpuint(list_off % 8, ==, 0);
    g_assert_cmpuint(list_off, <=, ps - 8);
    ents = g_new0(uint64_t, ps / 8);
    list = nvme_drv_alloc_aligned(d, ps, ps) + list_off;
    *prp2 = list;
    while (done < npages) {
        uint32_t slots = (ps - (list & (ps - 1))) / 8;
        uint32_t n = 0;

        lists++;
        while (done < npages && (n < slots - 1 || npages - done == 1)) {
            ents[n++] = cpu_to_le64(page + ps * (done + 1));
            done++;
        }
        if (done < npages) {
            uint64_t next = nvme_drv_alloc_aligned(d, ps, ps);

            ents[n++] = cpu_to_le64(next);
            nvme_drv_memwrite(d, list, ents, n * 8);
            list = next;
        } else {
            nvme_drv_memwrite(d, list, ents, n * 8);
        }
    }
    g_free(ents);
    return lists;
}

void nvme_drv_cmd_set_prp(NvmeDrv *d, NvmeCmd *cmd, uint64_t gaddr,
                          uint32_t len)
{
    uint64_t p1, p2;

    nvme_drv_build_prp(d, gaddr, len, 0, &p1, &p2);
    cmd->dptr.prp1 = p1;
    cmd->dptr.prp2 = p2;
}

/* ---------------------------------------------------------------- */
/* Controller Memory Buffer                                          */

void nvme_drv_cmb_enable(NvmeDrv *d)
{
    uint32_t sz;

    g_assert_false(d->cmb_on);
    d->cmb_bar = qpci_iomap(d->pdev, 2, NULL);
    g_assert_false(d->cmb_bar.is_io);
    d->cmb_addr = d->cmb_bar.addr;
    if (NVME_CAP_CMBS(d->cap)) {
        nvme_drv_wr32(d, NVME_REG_CMBMSC, 1);       /* CRE */
        nvme_drv_wr64_split(d, NVME_REG_CMBMSC, d->cmb_addr | 3);
        g_assert_cmphex(nvme_drv_rd64(d, NVME_REG_CMBMSC), ==,
                        d->cmb_addr | 3);
        g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CMBSTS), ==, 0);
    }
    sz = nvme_drv_rd32(d, NVME_REG_CMBSZ);
    g_assert_cmphex(NVME_CMBLOC_BIR(nvme_drv_rd32(d, NVME_REG_CMBLOC)), ==, 2);
    g_assert_cmphex(NVME_CMBLOC_OFST(nvme_drv_rd32(d, NVME_REG_CMBLOC)), ==,
                    0);
    d->cmb_size = (uint64_t)NVME_CMBSZ_SZ(sz) << (12 + 4 * NVME_CMBSZ_SZU(sz));
    g_assert_cmpuint(d->cmb_size, >, 0);
    alloc_init(&d->cmb_alloc, ALLOC_NO_FLAGS, d->cmb_addr,
               d->cmb_addr + d->cmb_size, 4096);
    d->cmb_on = true;
}

uint64_t nvme_drv_cmb_alloc(NvmeDrv *d, size_t size, size_t align)
{
    uint64_t a;

    g_assert_true(d->cmb_on);
    a = guest_alloc(&d->cmb_alloc, size + (align > 4096 ? align : 0));
    g_assert_cmphex(a, !=, 0);
    a = ROUND_UP(a, MAX(align, 4096));
    qtest_memset(d->qts, a, 0, size);
    return a;
}

void nvme_drv_cmb_free(NvmeDrv *d, uint64_t addr)
{
    guest_free(&d->cmb_alloc, addr);
}

uint64_t nvme_drv_queue_alloc(NvmeDrv *d, size_t bytes)
{
    if (d->cmb_queues) {
        return nvme_drv_cmb_alloc(d, bytes, d->page_size);
    }
    return nvme_drv_alloc_aligned(d, bytes, d->page_size);
}

/* ---------------------------------------------------------------- */
/* queues and commands                                               */

void nvme_drv_cmd_init(NvmeCmd *cmd, uint8_t opcode, uint32_t nsid)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->opcode = opcode;
    cmd->nsid = nsid;
}

void nvme_drv_sq_put(NvmeDrv *d, uint16_t qid, const NvmeCmd *cmd)
{
    NvmeDrvSQ *sq = &d->sq[qid];
    NvmeCmd le = *cmd;

    g_assert_true(sq->live);
    g_assert_cmpuint((sq->tail + 1) % sq->size, !=, sq->head);
    le.cid = cpu_to_le16(cmd->cid);
    le.nsid = cpu_to_le32(cmd->nsid);
    le.res1 = cpu_to_le64(cmd->res1);
    le.mptr = cpu_to_le64(cmd->mptr);
    le.dptr.prp1 = cpu_to_le64(cmd->dptr.prp1);
    le.dptr.prp2 = cpu_to_le64(cmd->dptr.prp2);
    le.cdw10 = cpu_to_le32(cmd->cdw10);
    le.cdw11 = cpu_to_le32(cmd->cdw11);
    le.cdw12 = cpu_to_le32(cmd->cdw12);
    le.cdw13 = cpu_to_le32(cmd->cdw13);
    le.cdw14 = cpu_to_le32(cmd->cdw14);
    le.cdw15 = cpu_to_le32(cmd->cdw15);
    qtest_memwrite(d->qts, sq->addr + (uint64_t)sq->tail * SQE_SIZE,
                   &le, sizeof(le));
    sq->tail = (sq->tail + 1) % sq->size;
}

void nvme_drv_sq_ring(NvmeDrv *d, uint16_t qid)
{
    ring_db(d, qid, nvme_drv_sq_db(d, qid), d->sq[qid].tail);
}

void nvme_drv_sq_fetched(NvmeDrv *d, uint16_t qid)
{
    d->sq[qid].head = d->sq[qid].tail;
}

uint16_t nvme_drv_submit(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd)
{
    cmd->cid = d->next_cid++;
    if (d->next_cid == 0xffff) {
        d->next_cid = 1;
    }
    nvme_drv_sq_put(d, qid, cmd);
    nvme_drv_sq_ring(d, qid);
    return cmd->cid;
}

static void read_cqe_at(NvmeDrv *d, NvmeDrvCQ *cq, uint32_t slot,
                        NvmeCqe *cqe)
{
    qtest_memread(d->qts, cq->addr + (uint64_t)slot * CQE_SIZE, cqe,
                  sizeof(*cqe));
}

bool nvme_drv_cqe_ready(NvmeDrv *d, uint16_t qid)
{
    NvmeDrvCQ *cq = &d->cq[qid];
    NvmeCqe cqe;

    g_assert_true(cq->live);
    read_cqe_at(d, cq, cq->head, &cqe);
    return (le16_to_cpu(cqe.status) & 1) == cq->phase;
}

uint32_t nvme_drv_cq_posted(NvmeDrv *d, uint16_t qid)
{
    NvmeDrvCQ *cq = &d->cq[qid];
    uint32_t n = 0, slot = cq->head;
    uint8_t phase = cq->phase;
    NvmeCqe cqe;

    g_assert_true(cq->live);
    while (n < cq->size) {
        read_cqe_at(d, cq, slot, &cqe);
        if ((le16_to_cpu(cqe.status) & 1) != phase) {
            break;
        }
        n++;
        if (++slot == cq->size) {
            slot = 0;
            phase ^= 1;
        }
    }
    return n;
}

bool nvme_drv_wait_sq_fetched(NvmeDrv *d, uint16_t qid, uint32_t timeout_ms)
{
    NvmeDrvSQ *sq = &d->sq[qid];
    NvmeDrvCQ *cq = &d->cq[sq->cqid];

    for (uint32_t t = 0; t <= timeout_ms; t++) {
        uint32_t n = nvme_drv_cq_posted(d, sq->cqid);

        for (uint32_t i = 0; i < n; i++) {
            NvmeCqe cqe;

            read_cqe_at(d, cq, (cq->head + i) % cq->size, &cqe);
            if (le16_to_cpu(cqe.sq_id) == qid &&
                le16_to_cpu(cqe.sq_head) == sq->tail) {
                return true;
            }
        }
        g_usleep(1000);
    }
    return false;
}

void nvme_drv_cq_ring(NvmeDrv *d, uint16_t qid)
{
    ring_db(d, qid, nvme_drv_cq_db(d, qid), d->cq[qid].head);
}

/* Consume the next entry of the ring itself (not the stash). */
static bool poll_ring(NvmeDrv *d, uint16_t qid, NvmeCqe *cqe,
                      uint32_t timeout_ms, bool ring)
{
    NvmeDrvCQ *cq = &d->cq[qid];
    int64_t deadline = now_ms() + timeout_ms;
    unsigned spins = 0;

    g_assert_true(cq->live);
    for (;;) {
        read_cqe_at(d, cq, cq->head, cqe);
        if ((le16_to_cpu(cqe->status) & 1) == cq->phase) {
            break;
        }
        if (now_ms() > deadline) {
            return false;
        }
        if (++spins > 16) {
            g_usleep(200);
        }
    }
    cqe->result = le32_to_cpu(cqe->result);
    cqe->dw1 = le32_to_cpu(cqe->dw1);
    cqe->sq_head = le16_to_cpu(cqe->sq_head);
    cqe->sq_id = le16_to_cpu(cqe->sq_id);
    cqe->cid = le16_to_cpu(cqe->cid);
    cqe->status = le16_to_cpu(cqe->status);

    if (cqe->sq_id <= NVME_DRV_MAX_QID && d->sq[cqe->sq_id].live) {
        d->sq[cqe->sq_id].head = cqe->sq_head;
    }
    cq->head++;
    if (cq->head == cq->size) {
        cq->head = 0;
        cq->phase ^= 1;
    }
    if (ring) {
        nvme_drv_cq_ring(d, qid);
    }
    return true;
}

bool nvme_drv_poll_cqe(NvmeDrv *d, uint16_t qid, NvmeCqe *cqe,
                       uint32_t timeout_ms, bool ring)
{
    NvmeDrvCQ *cq = &d->cq[qid];

    if (cq->stash->len) {
        *cqe = g_array_index(cq->stash, NvmeCqe, 0);
        g_array_remove_index(cq->stash, 0);
        return true;
    }
    return poll_ring(d, qid, cqe, timeout_ms, ring);
}

void nvme_drv_wait_cqe(NvmeDrv *d, uint16_t qid, NvmeCqe *cqe)
{
    if (!nvme_drv_poll_cqe(d, qid, cqe, d->timeout_ms, true)) {
        g_error("nvme-drv: no completion on CQ %u within %u ms "
                "(CSTS=0x%x)", qid, d->timeout_ms,
                nvme_drv_rd32(d, NVME_REG_CSTS));
    }
}

void nvme_drv_wait_cid(NvmeDrv *d, uint16_t cqid, uint16_t cid,
                       NvmeCqe *cqe)
{
    NvmeDrvCQ *cq = &d->cq[cqid];
    guint i;

    for (i = 0; i < cq->stash->len; i++) {
        if (g_array_index(cq->stash, NvmeCqe, i).cid == cid) {
            *cqe = g_array_index(cq->stash, NvmeCqe, i);
            g_array_remove_index(cq->stash, i);
            return;
        }
    }
    for (;;) {
        if (!poll_ring(d, cqid, cqe, d->timeout_ms, true)) {
            g_error("nvme-drv: cid %u never completed on CQ %u "
                    "(CSTS=0x%x)", cid, cqid,
                    nvme_drv_rd32(d, NVME_REG_CSTS));
        }
        if (cqe->cid == cid) {
            return;
        }
        g_array_append_val(cq->stash, *cqe);
    }
}

uint16_t nvme_drv_exec(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd, NvmeCqe *cqe)
{
    NvmeCqe local;
    uint16_t cid;

    if (!cqe) {
        cqe = &local;
    }
    cid = nvme_drv_submit(d, qid, cmd);
    nvme_drv_wait_cid(d, d->sq[qid].cqid, cid, cqe);
    g_assert_cmpuint(cqe->sq_id, ==, qid);
    return NVME_DRV_STATUS(cqe);
}

uint16_t nvme_drv_exec_data(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd,
                            const void *in, void *out, uint32_t len,
                            NvmeCqe *cqe)
{
    uint64_t buf = len ? nvme_drv_alloc(d, len) : 0;
    uint16_t st;

    if (len) {
        if (in) {
            nvme_drv_memwrite(d, buf, in, len);
        }
        nvme_drv_cmd_set_prp(d, cmd, buf, len);
    }
    st = nvme_drv_exec(d, qid, cmd, cqe);
    if (len) {
        if (out) {
            nvme_drv_memread(d, buf, out, len);
        }
        guest_free(&d->alloc, buf);
    }
    return st;
}

uint16_t nvme_drv_zone_send(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t cdw13, const void *data,
                            uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_ZONE_MGMT_SEND, nsid);
    cmd.cdw10 = slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw13 = cdw13;
    return nvme_drv_exec_data(d, qid, &cmd, data, NULL, len, NULL);
}

uint16_t nvme_drv_zone_recv(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t cdw13, void *out,
                            uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_CMD_ZONE_MGMT_RECV, nsid);
    cmd.cdw10 = slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = len / 4 - 1;
    cmd.cdw13 = cdw13;
    return nvme_drv_exec_data(d, qid, &cmd, NULL, out, len, NULL);
}

uint16_t nvme_drv_zone_append(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                              uint64_t zslba, uint32_t nblocks,
                              uint32_t lbasz, const void *data,
                              uint32_t cdw12_flags, uint64_t *lba)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_CMD_ZONE_APPEND, nsid);
    cmd.cdw10 = zslba;
    cmd.cdw11 = zslba >> 32;
    cmd.cdw12 = ((nblocks - 1) & 0xffff) | cdw12_flags;
    st = nvme_drv_exec_data(d, qid, &cmd, data, NULL, nblocks * lbasz, &cqe);
    if (lba) {
        *lba = cqe.result | (uint64_t)cqe.dw1 << 32;
    }
    return st;
}

uint16_t nvme_drv_rw_prp(NvmeDrv *d, uint16_t qid, uint8_t opc,
                         uint32_t nsid, uint64_t slba, uint32_t cdw12,
                         uint64_t prp1, uint64_t prp2, NvmeCqe *cqe)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.dptr.prp1 = prp1;
    cmd.dptr.prp2 = prp2;
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = cdw12;
    return nvme_drv_exec(d, qid, &cmd, cqe);
}

uint16_t nvme_drv_io(NvmeDrv *d, const NvmeDrvIo *io, void *data,
                     uint32_t hlen, void *md, uint32_t md_len)
{
    uint64_t gd = nvme_drv_alloc(d, hlen);
    uint64_t gm = md_len && !io->flags ? nvme_drv_alloc(d, md_len) : 0;
    bool to_dev = io->opc != NVME_CMD_READ;
    NvmeCmd cmd;
    uint16_t st;

    if (to_dev) {
        nvme_drv_memwrite(d, gd, data, hlen);
        if (gm) {
            nvme_drv_memwrite(d, gm, md, md_len);
        }
    }
    nvme_drv_cmd_init(&cmd, io->opc, 1);
    if (io->flags) {
        cmd.flags |= io->flags;
        cmd.dptr.sgl.addr = cpu_to_le64(gd);
        cmd.dptr.sgl.len = cpu_to_le32(hlen);
        cmd.dptr.sgl.type = NVME_SGL_DESCR_TYPE_DATA_BLOCK << 4;
        cmd.mptr = cpu_to_le64(io->mptr);
    } else {
        nvme_drv_cmd_set_prp(d, &cmd, gd, hlen);
        cmd.mptr = cpu_to_le64(gm);
    }
    cmd.cdw10 = cpu_to_le32((uint32_t)io->slba);
    cmd.cdw11 = cpu_to_le32(io->slba >> 32);
    cmd.cdw12 = cpu_to_le32((io->nlb - 1) | io->cdw12);
    cmd.cdw14 = cpu_to_le32(io->ilbrt);
    cmd.res1 = cpu_to_le64((uint64_t)io->cdw3 << 32);
    cmd.cdw15 = cpu_to_le32(io->cdw15);
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    if (!to_dev) {
        nvme_drv_memread(d, gd, data, hlen);
        if (gm) {
            nvme_drv_memread(d, gm, md, md_len);
        }
    }
    guest_free(&d->alloc, gd);
    if (gm) {
        guest_free(&d->alloc, gm);
    }
    return st;
}

uint16_t nvme_drv_create_cq_raw(NvmeDrv *d, uint16_t qid, uint16_t qsize0,
                                uint16_t flags, uint16_t vector, uint64_t addr)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_CQ, 0);
    cmd.dptr.prp1 = addr;
    cmd.cdw10 = ((uint32_t)qsize0 << 16) | qid;
    cmd.cdw11 = ((uint32_t)vector << 16) | flags;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

uint16_t nvme_drv_create_sq_raw(NvmeDrv *d, uint16_t qid, uint16_t qsize0,
                                uint16_t flags, uint16_t cqid, uint64_t addr)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_CREATE_SQ, 0);
    cmd.dptr.prp1 = addr;
    cmd.cdw10 = ((uint32_t)qsize0 << 16) | qid;
    cmd.cdw11 = ((uint32_t)cqid << 16) | flags;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

uint16_t nvme_drv_create_cq_at(NvmeDrv *d, uint16_t qid, uint32_t entries,
                               uint16_t vector, bool ien, uint64_t addr)
{
    uint16_t st;

    shadow_clear(d, nvme_drv_cq_db(d, qid));
    st = nvme_drv_create_cq_raw(d, qid, entries - 1,
                                (ien ? NVME_CQ_IEN : 0) | NVME_CQ_PC, vector,
                                addr);
    if (st == NVME_SUCCESS) {
        g_assert_cmpuint(qid, <=, NVME_DRV_MAX_QID);
        d->cq[qid].live = true;
        d->cq[qid].addr = addr;
        d->cq[qid].size = entries;
        d->cq[qid].head = 0;
        d->cq[qid].phase = 1;
        d->cq[qid].vector = vector;
        d->cq[qid].ien = ien;
        g_array_set_size(d->cq[qid].stash, 0);
    }
    return st;
}

uint16_t nvme_drv_create_cq(NvmeDrv *d, uint16_t qid, uint32_t entries,
                            uint16_t vector, bool ien)
{
    return nvme_drv_create_cq_at(d, qid, entries, vector, ien,
                                 nvme_drv_queue_alloc(d, entries * CQE_SIZE));
}

uint16_t nvme_drv_create_sq_at(NvmeDrv *d, uint16_t qid, uint16_t cqid,
                               uint32_t entries, uint64_t addr)
{
    uint16_t st;

    shadow_clear(d, nvme_drv_sq_db(d, qid));
    st = nvme_drv_create_sq_raw(d, qid, entries - 1, NVME_SQ_PC, cqid, addr);
    if (st == NVME_SUCCESS) {
        g_assert_cmpuint(qid, <=, NVME_DRV_MAX_QID);
        d->sq[qid] = (NvmeDrvSQ) {
            .live = true, .addr = addr, .size = entries, .cqid = cqid,
        };
    }
    return st;
}

uint16_t nvme_drv_create_sq(NvmeDrv *d, uint16_t qid, uint16_t cqid,
                            uint32_t entries)
{
    return nvme_drv_create_sq_at(d, qid, cqid, entries,
                                 nvme_drv_queue_alloc(d, entries * SQE_SIZE));
}

static uint16_t delete_q(NvmeDrv *d, uint8_t opcode, uint16_t qid)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opcode, 0);
    cmd.cdw10 = qid;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

uint16_t nvme_drv_delete_sq(NvmeDrv *d, uint16_t qid)
{
    uint16_t st = delete_q(d, NVME_ADM_CMD_DELETE_SQ, qid);

    if (st == NVME_SUCCESS && qid <= NVME_DRV_MAX_QID) {
        memset(&d->sq[qid], 0, sizeof(d->sq[qid]));
    }
    return st;
}

uint16_t nvme_drv_delete_cq(NvmeDrv *d, uint16_t qid)
{
    uint16_t st = delete_q(d, NVME_ADM_CMD_DELETE_CQ, qid);

    if (st == NVME_SUCCESS && qid <= NVME_DRV_MAX_QID) {
        d->cq[qid].live = false;
        g_array_set_size(d->cq[qid].stash, 0);
    }
    return st;
}

void nvme_drv_create_qpair(NvmeDrv *d, uint16_t qid, uint32_t entries)
{
    uint16_t vector = d->msix ? qid % d->msix_vectors : 0;

    g_assert_cmphex(nvme_drv_create_cq(d, qid, entries, vector, true), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq(d, qid, qid, entries), ==,
                    NVME_SUCCESS);
}

/* ---------------------------------------------------------------- */
/* common commands                                                   */

uint16_t nvme_drv_identify(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                           uint8_t csi, void *out4k)
{
    NvmeCmd cmd;
    uint64_t buf = nvme_drv_alloc(d, 4096);
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 4096);
    cmd.cdw10 = cns;
    cmd.cdw11 = (uint32_t)csi << 24;
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    if (out4k) {
        nvme_drv_memread(d, buf, out4k, 4096);
    }
    guest_free(&d->alloc, buf);
    return st;
}

uint16_t nvme_drv_get_features(NvmeDrv *d, uint8_t fid, uint8_t sel,
                               uint32_t cdw11, uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.cdw10 = fid | ((uint32_t)sel << NVME_GETFEAT_SELECT_SHIFT);
    cmd.cdw11 = cdw11;
    st = nvme_drv_exec(d, 0, &cmd, &cqe);
    if (dw0) {
        *dw0 = cqe.result;
    }
    return st;
}

uint16_t nvme_drv_set_features(NvmeDrv *d, uint8_t fid, uint32_t cdw11,
                               uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = fid;
    cmd.cdw11 = cdw11;
    st = nvme_drv_exec(d, 0, &cmd, &cqe);
    if (dw0) {
        *dw0 = cqe.result;
    }
    return st;
}

uint16_t nvme_drv_get_log(NvmeDrv *d, uint8_t lid, uint32_t nsid,
                          uint64_t offset, void *out, uint32_t len)
{
    return nvme_drv_get_log_ext(d, lid, 0, nsid, offset, out, len);
}

NvmeErrorLog nvme_drv_last_error(NvmeDrv *d)
{
    NvmeErrorLog e;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &e,
                                     sizeof(e)), ==, NVME_SUCCESS);
    return e;
}

uint16_t nvme_drv_get_log_ext(NvmeDrv *d, uint8_t lid, uint32_t dw10_extra,
                              uint32_t nsid, uint64_t offset, void *out,
                              uint32_t len)
{
    return nvme_drv_get_log_lsi(d, lid, dw10_extra, nsid, 0, offset, out,
                                len);
}

uint16_t nvme_drv_get_log_lsi(NvmeDrv *d, uint8_t lid, uint32_t dw10_extra,
                              uint32_t nsid, uint16_t lsi, uint64_t offset,
                              void *out, uint32_t len)
{
    NvmeCmd cmd;
    uint64_t buf = nvme_drv_alloc(d, len);
    uint32_t numd = len / 4 - 1;
    uint16_t st;

    g_assert_cmpuint(len % 4, ==, 0);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, len);
    cmd.cdw10 = lid | dw10_extra | ((numd & 0xffff) << 16);
    cmd.cdw11 = numd >> 16 | (uint32_t)lsi << 16;
    cmd.cdw12 = (uint32_t)offset;
    cmd.cdw13 = offset >> 32;
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    if (out) {
        nvme_drv_memread(d, buf, out, len);
    }
    guest_free(&d->alloc, buf);
    return st;
}

uint16_t nvme_drv_rw(NvmeDrv *d, uint16_t qid, uint8_t opcode,
                     uint32_t nsid, uint64_t slba, uint32_t nblocks,
                     uint32_t lbasz, void *data, uint32_t cdw12_flags)
{
    NvmeCmd cmd;
    uint32_t len = nblocks * lbasz;
    uint64_t buf = nvme_drv_alloc(d, len);
    uint16_t st;

    g_assert_cmpuint(nblocks, >=, 1);
    if ((opcode == NVME_CMD_WRITE || opcode == NVME_CMD_COMPARE) && data) {
        nvme_drv_memwrite(d, buf, data, len);
    }
    nvme_drv_cmd_init(&cmd, opcode, nsid);
    nvme_drv_cmd_set_prp(d, &cmd, buf, len);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = ((nblocks - 1) & 0xffff) | cdw12_flags;
    st = nvme_drv_exec(d, qid, &cmd, NULL);
    if (opcode == NVME_CMD_READ && data) {
        nvme_drv_memread(d, buf, data, len);
    }
    guest_free(&d->alloc, buf);
    return st;
}

void nvme_drv_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(i * 13 + seed * 7 + 1) | 1;  /* never zero */
    }
}

void nvme_drv_expect_blocks(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t nblocks, uint32_t lbasz,
                            uint32_t seed)
{
    size_t len = (size_t)nblocks * lbasz;
    g_autofree uint8_t *want = g_malloc0(len);
    g_autofree uint8_t *got = g_malloc(len);

    if (seed) {
        nvme_drv_pattern(want, len, seed);
    }
    g_assert_cmphex(nvme_drv_rw(d, qid, NVME_CMD_READ, nsid, slba, nblocks,
                                lbasz, got, 0), ==, NVME_SUCCESS);
    g_assert_cmpmem(got, len, want, len);
}

bool nvme_drv_qom_set(NvmeDrv *d, const char *path, const char *prop,
                      const char *val)
{
    QDict *rsp = qtest_qmp(d->qts, "{'execute': 'qom-set', 'arguments': {"
                           " 'path': %s, 'property': %s, 'value': %s }}",
                           path, prop, val);
    bool ok = qdict_haskey(rsp, "return");

    qobject_unref(rsp);
    return ok;
}

/* ---------------------------------------------------------------- */
/* I/O batches                                                       */

void nvme_drv_lba_pattern(uint8_t *buf, uint64_t slba, uint32_t nlb,
                          uint32_t lbasz, uint8_t seed)
{
    for (uint32_t b = 0; b < nlb; b++) {
        uint64_t lba = slba + b;

        for (uint32_t i = 0; i < lbasz; i++) {
            buf[(size_t)b * lbasz + i] = seed ^ (lba * 131) ^ (i * 7) ^
                                         (i >> 8);
        }
    }
}

void nvme_drv_img_fill(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                       uint32_t lbasz, uint8_t seed)
{
    size_t len = (size_t)nlb * lbasz;
    g_autofree uint8_t *buf = g_malloc(len);

    nvme_drv_lba_pattern(buf, slba, nlb, lbasz, seed);
    g_assert_cmpint(pwrite(d->img_fd, buf, len, slba * lbasz), ==, len);
}

bool nvme_drv_img_has(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                      uint32_t lbasz, uint8_t seed)
{
    size_t len = (size_t)nlb * lbasz;
    g_autofree uint8_t *want = g_malloc(len);
    g_autofree uint8_t *got = g_malloc(len);

    nvme_drv_lba_pattern(want, slba, nlb, lbasz, seed);
    g_assert_cmpint(pread(d->img_fd, got, len, slba * lbasz), ==, len);
    return !memcmp(want, got, len);
}

void nvme_drv_batch_add(NvmeDrv *d, NvmeDrvBatch *b, uint16_t qid,
                        uint8_t opcode, uint64_t slba, uint32_t nlb,
                        uint8_t seed, bool ring)
{
    NvmeDrvBatchIo *io = &b->io[b->nr];
    uint32_t len = nlb * b->lbasz;
    NvmeCmd cmd;

    g_assert_cmpuint(b->nr, <, NVME_DRV_BATCH_MAX);
    b->nr++;
    *io = (NvmeDrvBatchIo) {
        .qid = qid, .opcode = opcode, .slba = slba, .nlb = nlb,
        .seed = seed, .buf = nvme_drv_alloc(d, len),
    };
    if (opcode == NVME_CMD_WRITE) {
        g_autofree uint8_t *data = g_malloc(len);

        nvme_drv_lba_pattern(data, slba, nlb, b->lbasz, seed);
        nvme_drv_memwrite(d, io->buf, data, len);
    }
    nvme_drv_cmd_init(&cmd, opcode, b->nsid);
    nvme_drv_cmd_set_prp(d, &cmd, io->buf, len);
    cmd.cdw10 = (uint32_t)slba;
    cmd.cdw11 = slba >> 32;
    cmd.cdw12 = nlb - 1;
    cmd.cid = d->next_cid++;
    if (d->next_cid == 0xffff) {
        d->next_cid = 1;
    }
    io->cid = cmd.cid;
    nvme_drv_sq_put(d, qid, &cmd);
    if (ring) {
        nvme_drv_sq_ring(d, qid);
    }
}

/* Account a completion to the command of @b it belongs to. */
static void batch_done(NvmeDrvBatch *b, const NvmeCqe *cqe)
{
    for (unsigned i = 0; i < b->nr; i++) {
        NvmeDrvBatchIo *io = &b->io[i];

        if (io->qid == cqe->sq_id && io->cid == cqe->cid) {
            g_assert_cmpuint(io->done, ==, 0);      /* exactly once */
            g_assert_cmphex(NVME_DRV_STATUS(cqe), ==, NVME_SUCCESS);
            io->done++;
            return;
        }
    }
    g_error("nvme-drv: completion of sq %u cid %u nobody submitted",
            cqe->sq_id, cqe->cid);
}

void nvme_drv_batch_check(NvmeDrv *d, NvmeDrvBatch *b)
{
    bool cqs[NVME_DRV_MAX_QID + 1] = { false };
    int64_t deadline = now_ms() + d->timeout_ms;
    unsigned left = b->nr;
    NvmeCqe cqe;

    for (unsigned i = 0; i < b->nr; i++) {
        cqs[d->sq[b->io[i].qid].cqid] = true;
    }
    while (left) {
        bool got = false;

        for (unsigned q = 0; q <= NVME_DRV_MAX_QID; q++) {
            while (cqs[q] && nvme_drv_poll_cqe(d, q, &cqe, 0, true)) {
                batch_done(b, &cqe);
                left--;
                got = true;
            }
        }
        if (!got && now_ms() > deadline) {
            for (unsigned i = 0; i < b->nr; i++) {
                if (!b->io[i].done) {
                    g_error("nvme-drv: sq %u cid %u never completed "
                            "(CSTS=0x%x)", b->io[i].qid, b->io[i].cid,
                            nvme_drv_rd32(d, NVME_REG_CSTS));
                }
            }
        }
        if (!got) {
            g_usleep(200);
        }
    }
    for (unsigned q = 0; q <= NVME_DRV_MAX_QID; q++) {
        g_assert_false(cqs[q] && nvme_drv_poll_cqe(d, q, &cqe, 100, true));
    }
    for (unsigned i = 0; i < b->nr; i++) {
        NvmeDrvBatchIo *io = &b->io[i];
        uint32_t len = io->nlb * b->lbasz;

        if (io->opcode == NVME_CMD_READ) {
            g_autofree uint8_t *want = g_malloc(len);
            g_autofree uint8_t *got = g_malloc(len);

            nvme_drv_lba_pattern(want, io->slba, io->nlb, b->lbasz, io->seed);
            nvme_drv_memread(d, io->buf, got, len);
            g_assert_cmpmem(got, len, want, len);
        }
        guest_free(&d->alloc, io->buf);
    }
    b->nr = 0;
}

/* ---------------------------------------------------------------- */
/* more controllers in the same QEMU                                 */

#define NVME_DRV_PEER_POOL  (8 * 1024 * 1024)

/* Another controller's driver in @d's QEMU, its device not found yet. */
static NvmeDrv *peer_new(NvmeDrv *d)
{
    NvmeDrv *p = g_new0(NvmeDrv, 1);
    uint64_t pool = guest_alloc(&d->alloc, NVME_DRV_PEER_POOL);
    int i;

    g_assert_cmpuint(pool, !=, 0);
    p->qts = d->qts;
    p->pcibus = d->pcibus;
    p->parent = d;
    for (i = 0; i < NVME_DRV_MAX_PEERS && d->peers[i]; i++) {
        /* first free slot */
    }
    g_assert_cmpint(i, <, NVME_DRV_MAX_PEERS);
    d->peers[i] = p;
    p->img_fd = d->img_fd;
    p->img_size = d->img_size;
    p->timeout_ms = d->timeout_ms;
    p->page_size = 4096;
    p->next_cid = 1;
    alloc_init(&p->alloc, ALLOC_NO_FLAGS, pool, pool + NVME_DRV_PEER_POOL,
               4096);
    p->msi_area = nvme_drv_alloc(p, 4096);
    for (i = 0; i <= NVME_DRV_MAX_QID; i++) {
        p->cq[i].stash = g_array_new(false, false, sizeof(NvmeCqe));
    }
    return p;
}

NvmeDrv *nvme_drv_peer(NvmeDrv *d, int slot)
{
    NvmeDrv *p = peer_new(d);

    p->pdev = qpci_device_find(d->pcibus, QPCI_DEVFN(slot, 0));
    g_assert_nonnull(p->pdev);
    g_assert_cmphex(qpci_config_readw(p->pdev, PCI_VENDOR_ID), ==,
                    NVME_PCI_VENDOR_ID);
    qpci_device_enable(p->pdev);
    p->bar = qpci_iomap(p->pdev, 0, &p->bar_size);
    g_assert_false(p->bar.is_io);
    p->cap = nvme_drv_rd64(p, NVME_REG_CAP);
    return p;
}

void nvme_drv_stop_peer(NvmeDrv *p)
{
    int i;

    for (i = 0; i < NVME_DRV_MAX_PEERS; i++) {
        if (p->parent->peers[i] == p) {
            p->parent->peers[i] = NULL;
        }
    }
    for (i = 0; i <= NVME_DRV_MAX_QID; i++) {
        g_array_free(p->cq[i].stash, true);
    }
    qpci_iounmap(p->pdev, p->bar);
    g_free(p->pdev);
    alloc_destroy(&p->alloc);
    g_free(p);
}

/* ---------------------------------------------------------------- */
/* SR-IOV                                                            */

#define ECFG_BASE       0xb0000000ULL   /* q35 MMCONFIG, 256 buses */
#define Q35_PCIEXBAR    0x60

static uint64_t ecfg_addr(NvmeDrv *d, int devfn, uint16_t off)
{
    QPCIDevice *host = qpci_device_find(d->pcibus, 0);

    g_assert_nonnull(host);
    if (!(qpci_config_readl(host, Q35_PCIEXBAR) & 1)) {
        qpci_config_writel(host, Q35_PCIEXBAR + 4, 0);
        qpci_config_writel(host, Q35_PCIEXBAR, ECFG_BASE | 1);
    }
    g_free(host);
    g_assert_cmpuint(off, <, 4096);
    return ECFG_BASE + ((uint64_t)devfn << 12) + off;
}

uint32_t nvme_drv_ecfg_readl(NvmeDrv *d, int devfn, uint16_t off)
{
    return qtest_readl(d->qts, ecfg_addr(d, devfn, off));
}

uint16_t nvme_drv_ecfg_readw(NvmeDrv *d, int devfn, uint16_t off)
{
    return qtest_readw(d->qts, ecfg_addr(d, devfn, off));
}

void nvme_drv_ecfg_writel(NvmeDrv *d, int devfn, uint16_t off, uint32_t v)
{
    qtest_writel(d->qts, ecfg_addr(d, devfn, off), v);
}

void nvme_drv_ecfg_writew(NvmeDrv *d, int devfn, uint16_t off, uint16_t v)
{
    qtest_writew(d->qts, ecfg_addr(d, devfn, off), v);
}

uint16_t nvme_drv_ecap(NvmeDrv *d, int devfn, uint16_t id)
{
    for (uint16_t off = 0x100; off; ) {
        uint32_t hdr = nvme_drv_ecfg_readl(d, devfn, off);

        if (!hdr || hdr == 0xffffffff) {
            return 0;
        }
        if ((hdr & 0xffff) == id) {
            return off;
        }
        off = hdr >> 20;
    }
    return 0;
}

static uint16_t sriov_cap(NvmeDrv *d)
{
    uint16_t cap = nvme_drv_ecap(d, d->pdev->devfn, PCI_EXT_CAP_ID_SRIOV);

    g_assert_cmphex(cap, !=, 0);
    return cap;
}

/* Place VF BAR0 (64-bit) of every VF in the PCI memory window, once. */
static void sriov_place_bars(NvmeDrv *d, uint16_t cap)
{
    int fn = d->pdev->devfn;
    uint16_t total = nvme_drv_ecfg_readw(d, fn, cap + PCI_SRIOV_TOTAL_VF);
    uint16_t bar = cap + PCI_SRIOV_BAR;
    uint32_t lo;

    if (d->vf_bar) {
        return;
    }
    nvme_drv_ecfg_writel(d, fn, bar, 0xffffffff);
    nvme_drv_ecfg_writel(d, fn, bar + 4, 0xffffffff);
    lo = nvme_drv_ecfg_readl(d, fn, bar);
    g_assert_cmphex(lo & 0xf, ==, PCI_BASE_ADDRESS_MEM_TYPE_64);
    d->vf_bar_size = ~((uint64_t)nvme_drv_ecfg_readl(d, fn, bar + 4) << 32 |
                       (lo & ~0xfu)) + 1;
    d->vf_bar = QEMU_ALIGN_UP(d->pcibus->mmio_alloc_ptr, d->vf_bar_size);
    d->pcibus->mmio_alloc_ptr = d->vf_bar + d->vf_bar_size * total;
    g_assert_cmphex(d->pcibus->mmio_alloc_ptr, <=, d->pcibus->mmio_limit);
    nvme_drv_ecfg_writel(d, fn, bar, (uint32_t)d->vf_bar);
    nvme_drv_ecfg_writel(d, fn, bar + 4, d->vf_bar >> 32);
}

void nvme_drv_sriov_enable(NvmeDrv *d, uint16_t numvfs)
{
    uint16_t cap = sriov_cap(d);
    int fn = d->pdev->devfn;

    sriov_place_bars(d, cap);
    nvme_drv_ecfg_writew(d, fn, cap + PCI_SRIOV_NUM_VF, numvfs);
    nvme_drv_ecfg_writew(d, fn, cap + PCI_SRIOV_CTRL,
                         PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
    g_assert_cmphex(nvme_drv_ecfg_readw(d, fn, cap + PCI_SRIOV_CTRL), ==,
                    PCI_SRIOV_CTRL_VFE | PCI_SRIOV_CTRL_MSE);
}

void nvme_drv_sriov_disable(NvmeDrv *d)
{
    nvme_drv_ecfg_writew(d, d->pdev->devfn, sriov_cap(d) + PCI_SRIOV_CTRL, 0);
}

NvmeDrv *nvme_drv_vf(NvmeDrv *d, unsigned i)
{
    uint16_t cap = sriov_cap(d);
    int fn = d->pdev->devfn;
    uint16_t off = nvme_drv_ecfg_readw(d, fn, cap + PCI_SRIOV_VF_OFFSET);
    uint16_t stride = nvme_drv_ecfg_readw(d, fn, cap + PCI_SRIOV_VF_STRIDE);
    NvmeDrv *v;

    g_assert_cmpuint(i, <, nvme_drv_ecfg_readw(d, fn, cap + PCI_SRIOV_NUM_VF));
    v = peer_new(d);
    v->pdev = g_new0(QPCIDevice, 1);
    v->pdev->bus = d->pcibus;
    v->pdev->devfn = fn + off + i * stride;
    /* VF vendor and device IDs read FFFFh; its command register is used */
    g_assert_cmphex(qpci_config_readw(v->pdev, PCI_VENDOR_ID), ==, 0xffff);
    qpci_device_enable(v->pdev);
    v->vf = true;
    v->bar = (QPCIBar) { .addr = d->vf_bar + i * d->vf_bar_size };
    v->bar_size = d->vf_bar_size;
    v->cap = nvme_drv_rd64(v, NVME_REG_CAP);
    return v;
}

uint16_t nvme_drv_vf_cntlid(NvmeDrv *d, unsigned i)
{
    g_autofree NvmeSecCtrlList *l = g_malloc(sizeof(*l));

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_SECONDARY_CTRL_LIST, 0,
                                      0, l), ==, NVME_SUCCESS);
    for (unsigned k = 0; k < l->numcntl; k++) {
        if (le16_to_cpu(l->sec[k].vfn) == i + 1) {
            return le16_to_cpu(l->sec[k].scid);
        }
    }
    g_error("nvme-drv: no secondary controller for VF %u", i);
}

uint16_t nvme_drv_virt_mgmt(NvmeDrv *d, uint8_t act, uint8_t rt,
                            uint16_t cntlid, uint16_t nr, uint32_t *nrm)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_VIRT_MNGMT, 0);
    cmd.cdw10 = act | (uint32_t)rt << 8 | (uint32_t)cntlid << 16;
    cmd.cdw11 = nr;
    st = nvme_drv_exec(d, 0, &cmd, &cqe);
    if (nrm) {
        *nrm = cqe.result;
    }
    return st;
}

void nvme_drv_vf_online(NvmeDrv *d, uint16_t cntlid, uint16_t nvq,
                        uint16_t nvi)
{
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN,
                                       NVME_VIRT_RES_QUEUE, cntlid, nvq,
                                       NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ASSIGN,
                                       NVME_VIRT_RES_INTERRUPT, cntlid, nvi,
                                       NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_virt_mgmt(d, NVME_VIRT_MNGMT_ACTION_SEC_ONLINE,
                                       0, cntlid, 0, NULL), ==, NVME_SUCCESS);
}

uint16_t nvme_drv_submit_aer(NvmeDrv *d)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    return nvme_drv_submit(d, 0, &cmd);
}

void nvme_drv_expect_aer(NvmeDrv *d, uint16_t cid, uint32_t want)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(d, 0, cid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result, ==, want);
}

void nvme_drv_expect_no_aer(NvmeDrv *d)
{
    NvmeCqe cqe;

    /* a round trip on the admin queue first flushes earlier completions */
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0,
                                          0, NULL), ==, NVME_SUCCESS);
    g_assert_false(nvme_drv_poll_cqe(d, 0, &cqe, 100, true));
}

char *nvme_drv_changed_ns_log(NvmeDrv *d)
{
    g_autofree uint32_t *l = g_malloc0(4096);
    GString *s = g_string_new(NULL);

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CHANGED_NSLIST, 0xffffffff,
                                     0, l, 4096), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 1024 && l[i]; i++) {
        g_string_append_printf(s, "%s%u", i ? "," : "", le32_to_cpu(l[i]));
    }
    return g_string_free(s, false);
}

NvmeDrv *nvme_drv_start_pair(const char *args, int peer_slot,
                             NvmeDrv **peer)
{
    NvmeDrv *d = nvme_drv_start_args(args);

    *peer = nvme_drv_peer(d, peer_slot);
    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_msix_enable(*peer);
    nvme_drv_enable(*peer, 32, 32);
    return d;
}

int nvme_drv_run_qemu(const char *args, char **err)
{
    g_autofree char *cmd = g_strdup_printf(
        "timeout 60 %s -machine q35 -accel qtest -display none -nodefaults "
        "-S %s", getenv("QTEST_QEMU_BINARY"), args);
    g_auto(GStrv) argv = NULL;
    GError *gerr = NULL;
    int status;

    g_assert_true(g_shell_parse_argv(cmd, NULL, &argv, &gerr));
    g_assert_true(g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL |
                               G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, NULL,
                               err, &status, &gerr));
    g_assert_no_error(gerr);
    g_assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

void nvme_drv_wait_deleted(QTestState *qts, const char *id)
{
    for (;;) {
        QDict *rsp = qtest_qmp_eventwait_ref(qts, "DEVICE_DELETED");
        QDict *data = qdict_get_qdict(rsp, "data");
        bool it = data && qdict_haskey(data, "device") &&
                  !strcmp(qdict_get_str(data, "device"), id);

        qobject_unref(rsp);
        if (it) {
            return;
        }
    }
}

void nvme_drv_start_fails(const char *args, const char *msg)
{
    g_autofree char *err = NULL;
    int status = nvme_drv_run_qemu(args, &err);

    g_assert_cmpint(status, !=, 0);
    if (!strstr(err, msg)) {
        g_error("QEMU said '%s', expected '%s'", err, msg);
    }
}

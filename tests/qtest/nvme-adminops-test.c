/*
 * qtest: NVMe admin operations on the media and the firmware: Format NVM,
 * Sanitize (+ log 81h), Device Self-test (+ log 06h), Firmware Image
 * Download / Commit (+ log 03h), saveable features and Host Behavior
 * Support.  Every failure status is checked, and what Format and Sanitize
 * leave on the media is read back both through the device and from the
 * backing image.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define IMG NVME_DRV_IMG_SIZE

#define OPC_DST         0x14
#define OPC_SANITIZE    0x84
#define LID_DST         0x06
#define LID_SANITIZE    0x81

#define SC_SANITIZE_IN_PROGRESS 0x001d
#define SC_DST_IN_PROGRESS      0x011d
#define SC_OVERLAPPING_RANGE    0x0114
#define SC_WRITE_PROTECTED      0x0020

#define SANACT_BLOCK    2
#define SANACT_OVERWRITE 3
#define SANACT_CRYPTO   4

static NvmeDrv *start(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    nvme_drv_create_qpair(d, 1, 32);
    return d;
}

/* Re-enable the controller (a controller level reset) and the I/O queue. */
static void ctrl_reset(NvmeDrv *d)
{
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 32);
}

/* Admin command with a data buffer of @len bytes, in or out. */
static uint16_t admin_data(NvmeDrv *d, NvmeCmd *cmd, void *buf, uint32_t len,
                           bool to_ctrl, NvmeCqe *cqe)
{
    uint64_t g = nvme_drv_alloc(d, len);
    uint16_t st;

    if (to_ctrl) {
        nvme_drv_memwrite(d, g, buf, len);
    }
    nvme_drv_cmd_set_prp(d, cmd, g, len);
    st = nvme_drv_exec(d, 0, cmd, cqe);
    if (!to_ctrl) {
        nvme_drv_memread(d, g, buf, len);
    }
    guest_free(&d->alloc, g);
    return st;
}

static uint16_t admin(NvmeDrv *d, uint8_t opc, uint32_t nsid, uint32_t cdw10,
                      uint32_t cdw11)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, opc, nsid);
    cmd.cdw10 = cdw10;
    cmd.cdw11 = cdw11;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

/* Parameter error location of the newest error log entry. */
static uint16_t last_err_loc(NvmeDrv *d)
{
    return le16_to_cpu(nvme_drv_last_error(d).param_error_location);
}

static void id_ctrl(NvmeDrv *d, NvmeIdCtrl *id)
{
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
}

static void id_ns(NvmeDrv *d, NvmeIdNs *id)
{
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = seed + i * 13;
    }
}

/* Whether @len bytes of the backing image at @off all equal @byte. */
static bool img_is(NvmeDrv *d, off_t off, size_t len, uint8_t byte)
{
    g_autofree uint8_t *buf = g_malloc(len);

    g_assert_cmpint(pread(d->img_fd, buf, len, off), ==, len);
    for (size_t i = 0; i < len; i++) {
        if (buf[i] != byte) {
            return false;
        }
    }
    return true;
}

/* Whether blocks [slba, slba + nlb) read back as @byte everywhere. */
static bool reads_as(NvmeDrv *d, uint64_t slba, uint32_t nlb, uint32_t lbasz,
                     uint8_t byte)
{
    g_autofree uint8_t *buf = g_malloc(nlb * lbasz);

    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, slba, nlb, lbasz,
                                buf, 0), ==, NVME_SUCCESS);
    for (size_t i = 0; i < nlb * lbasz; i++) {
        if (buf[i] != byte) {
            return false;
        }
    }
    return true;
}

static void write_pattern(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                          uint32_t lbasz)
{
    g_autofree uint8_t *buf = g_malloc(nlb * lbasz);

    fill(buf, nlb * lbasz, slba + 1);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, slba, nlb, lbasz,
                                buf, 0), ==, NVME_SUCCESS);
}

/* ---------------------------------------------------------------- */
/* Format NVM                                                        */

static uint32_t fmt_cdw10(unsigned lbaf, unsigned ses)
{
    return (lbaf & 0xf) | ((lbaf >> 4) << 12) | (ses << 9);
}

static void test_format_identify(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    NvmeIdNs *ns = g_malloc0(4096);

    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_FORMAT, ==,
                    NVME_OACS_FORMAT);
    g_assert_cmphex(id->fna, ==, 1 << 2);   /* per ns, crypto erase */
    id_ns(d, ns);
    g_assert_cmpuint(ns->nlbaf, ==, 1);     /* two formats */
    g_assert_cmpuint(ns->flbas, ==, 0);
    g_assert_cmpuint(ns->lbaf[0].ds, ==, 9);
    g_assert_cmpuint(ns->lbaf[1].ds, ==, 12);
    g_assert_cmpuint(le16_to_cpu(ns->lbaf[0].ms), ==, 0);
    g_assert_cmpuint(le16_to_cpu(ns->lbaf[1].ms), ==, 0);
    g_assert_cmpuint(ns->lbaf[2].ds, ==, 0);
    g_free(id);
    g_free(ns);
    nvme_drv_stop(d);
}

/* 512 -> 4096 -> 512: geometry, zeroed media, I/O in the new size. */
static void test_format_lbaf(void)
{
    NvmeDrv *d = start();
    NvmeIdNs *ns = g_malloc0(4096);

    write_pattern(d, 0, 16, 512);
    write_pattern(d, IMG / 512 - 8, 8, 512);
    g_assert_false(img_is(d, 0, 8192, 0));

    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(1, 0), 0),
                    ==, NVME_SUCCESS);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas & 0xf, ==, 1);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 4096);
    g_assert_cmpuint(le64_to_cpu(ns->ncap), ==, IMG / 4096);
    g_assert_true(img_is(d, 0, IMG, 0));
    g_assert_true(reads_as(d, 0, 2, 4096, 0));
    /* 4096-byte blocks now: the last one is IMG / 4096 - 1 */
    write_pattern(d, IMG / 4096 - 1, 1, 4096);
    g_assert_false(img_is(d, IMG - 4096, 4096, 0));
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, IMG / 4096, 1, 4096,
                                NULL, 0), ==, NVME_LBA_RANGE | DNR);

    /* back to 512 with a user data erase */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(0, 1), 0),
                    ==, NVME_SUCCESS);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas & 0xf, ==, 0);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 512);
    g_assert_true(img_is(d, 0, IMG, 0));
    g_assert_true(reads_as(d, IMG / 512 - 1, 1, 512, 0));
    g_free(ns);
    nvme_drv_stop(d);
}

/* NSID FFFFFFFFh with a cryptographic erase; marks are gone after it. */
static void test_format_broadcast_crypto(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;

    write_pattern(d, 100, 8, 512);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = 104;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 0xffffffff,
                          fmt_cdw10(0, 2), 0), ==, NVME_SUCCESS);
    g_assert_true(img_is(d, 0, IMG, 0));
    g_assert_true(reads_as(d, 100, 8, 512, 0));     /* mark at 104 gone */
    nvme_drv_stop(d);
}

static void test_format_errors(void)
{
    NvmeDrv *d = start();
    NvmeIdNs *ns = g_malloc0(4096);

    write_pattern(d, 0, 8, 512);
    /* LBA format 2 is not offered (also through LBAFU) */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(2, 0), 0),
                    ==, NVME_INVALID_FORMAT | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(0x10, 0),
                          0), ==, NVME_INVALID_FORMAT | DNR);
    /* protection information without metadata */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, 1 << 5, 0), ==,
                    NVME_INVALID_FORMAT | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40 | 5 << 8);
    /* reserved secure erase setting */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(0, 3), 0),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 41 | 1 << 8);
    /* namespaces: 0, inactive, out of range */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 0, 0, 0), ==,
                    NVME_INVALID_NSID | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 4);
    /* valid but inactive NSID: Invalid Field in Command */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 2, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 0xfffffffe, 0, 0), ==,
                    NVME_INVALID_NSID | DNR);
    /* nothing changed */
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas, ==, 0);
    g_assert_false(img_is(d, 0, 4096, 0));
    g_free(ns);
    nvme_drv_stop(d);
}

/* A read-only drive can be neither formatted nor sanitized. */
static void test_format_write_protected(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw,readonly=on "
        "-device nvme,drive=d0,serial=qtest-nvme");

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 32, 32);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, 0, 0), ==,
                    SC_WRITE_PROTECTED | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 4);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, SANACT_BLOCK, 0), ==,
                    SC_WRITE_PROTECTED | DNR);
    nvme_drv_stop(d);
}

/* A configured 1 KiB block size is LBA format 2, offered next to 0 and 1. */
static void test_format_configured_size(void)
{
    NvmeDrv *d = nvme_drv_start_ready(
        "logical_block_size=1024,physical_block_size=1024");
    NvmeIdNs *ns = g_malloc0(4096);

    id_ns(d, ns);
    g_assert_cmpuint(ns->nlbaf, ==, 2);
    g_assert_cmpuint(ns->flbas, ==, 2);
    g_assert_cmpuint(ns->lbaf[2].ds, ==, 10);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 1024);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(0, 0), 0),
                    ==, NVME_SUCCESS);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas, ==, 0);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 512);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(2, 0), 0),
                    ==, NVME_SUCCESS);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas, ==, 2);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 1024);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(3, 0), 0),
                    ==, NVME_INVALID_FORMAT | DNR);
    g_free(ns);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Sanitize                                                          */

typedef struct QEMU_PACKED SanLog {
    uint16_t sprog;
    uint16_t sstat;
    uint32_t scdw10;
    uint32_t est[6];
    uint8_t rsvd[480];
} SanLog;

static void san_log(NvmeDrv *d, SanLog *l)
{
    g_assert_cmphex(nvme_drv_get_log(d, LID_SANITIZE, 0, 0, l, sizeof(*l)),
                    ==, NVME_SUCCESS);
    l->sprog = le16_to_cpu(l->sprog);
    l->sstat = le16_to_cpu(l->sstat);
    l->scdw10 = le32_to_cpu(l->scdw10);
}

/* Step the virtual clock until the sanitize operation ends. */
static void san_wait(NvmeDrv *d, SanLog *l)
{
    for (int i = 0; i < 100000; i++) {
        san_log(d, l);
        if ((l->sstat & 7) != 2) {
            return;
        }
        qtest_clock_step(d->qts, 1000000);     /* 1 ms */
    }
    g_assert_not_reached();
}

static void test_sanitize_identify(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    SanLog l;

    id_ctrl(d, id);
    /* crypto, block erase, overwrite; NDI 0; NODMMAS 01b */
    g_assert_cmphex(le32_to_cpu(id->sanicap), ==, 0x40000007);
    san_log(d, &l);
    g_assert_cmphex(l.sprog, ==, 0xffff);
    g_assert_cmphex(l.sstat, ==, 0);            /* never sanitized */
    g_free(id);
    nvme_drv_stop(d);
}

/* Block erase: in progress blocks I/O and most admin commands; zeroes. */
static void test_sanitize_block_erase(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;
    uint16_t aer;
    NvmeCqe cqe;
    SanLog l;

    write_pattern(d, 0, 64, 512);
    write_pattern(d, IMG / 512 - 64, 64, 512);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    aer = nvme_drv_submit(d, 0, &cmd);

    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, SANACT_BLOCK, 0), ==,
                    NVME_SUCCESS);
    san_log(d, &l);
    g_assert_cmphex(l.sstat & 7, ==, 2);
    g_assert_cmphex(l.scdw10, ==, SANACT_BLOCK);
    g_assert_cmpuint(l.sprog, <, 0xffff);
    /* I/O fails, Flush does not */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, 512, NULL, 0),
                    ==, SC_SANITIZE_IN_PROGRESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 1, 512, NULL, 0),
                    ==, SC_SANITIZE_IN_PROGRESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 1);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    /* admin: Identify, Get Features, SMART / error logs pass */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ARBITRATION, 0, 0, NULL),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0, 0, NULL,
                                     512), ==, NVME_SUCCESS);
    /* others fail */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, NULL,
                                     4096), ==, SC_SANITIZE_IN_PROGRESS);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, 0, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    g_assert_cmphex(admin(d, OPC_DST, 1, 1, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, SANACT_BLOCK, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    /* the operation goes on across a controller reset */
    nvme_drv_disable(d);
    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 32);
    san_log(d, &l);
    g_assert_cmphex(l.sstat & 7, ==, 2);
    for (int i = 0; i < 1000 && !l.sprog; i++) {
        qtest_clock_step(d->qts, 1000000);
        san_log(d, &l);
    }
    g_assert_cmphex(l.sstat & 7, ==, 2);
    g_assert_cmpuint(l.sprog, >, 0);
    g_assert_cmpuint(l.sprog, <, 0xffff);

    /* the reset dropped the AER; ask again for the completion notice */
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    aer = nvme_drv_submit(d, 0, &cmd);
    san_wait(d, &l);
    g_assert_cmphex(l.sstat, ==, 0x101);        /* done, Global Data Erased */
    g_assert_cmphex(l.sprog, ==, 0xffff);
    nvme_drv_wait_cid(d, 0, aer, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result, ==, 6 | 1 << 8 | LID_SANITIZE << 16);

    g_assert_true(img_is(d, 0, IMG, 0));
    g_assert_true(reads_as(d, 0, 64, 512, 0));
    g_assert_true(reads_as(d, IMG / 512 - 64, 64, 512, 0));
    /* a write clears Global Data Erased */
    write_pattern(d, 5, 1, 512);
    san_log(d, &l);
    g_assert_cmphex(l.sstat, ==, 0x001);
    nvme_drv_stop(d);
}

/* Overwrite, No-Deallocate: the last pass' pattern (inverted: 2 passes). */
static void test_sanitize_overwrite_nodealloc(void)
{
    NvmeDrv *d = start();
    uint32_t cdw10 = SANACT_OVERWRITE | 2 << 4 | 1 << 8 | 1 << 9;
    g_autofree uint8_t *buf = g_malloc(4096);
    SanLog l;

    write_pattern(d, 0, 8, 512);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, cdw10, 0x11223344), ==,
                    NVME_SUCCESS);
    san_wait(d, &l);
    g_assert_cmphex(l.sstat & 7, ==, 1);
    g_assert_cmphex((l.sstat >> 3) & 0x1f, ==, 2);  /* passes done */
    g_assert_cmphex(l.scdw10, ==, cdw10);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 8, 512, buf, 0),
                    ==, NVME_SUCCESS);
    for (int i = 0; i < 4096; i += 4) {
        g_assert_cmphex((uint32_t)ldl_le_p(buf + i), ==, ~0x11223344u);
    }
    g_assert_cmpint(pread(d->img_fd, buf, 4096, IMG - 4096), ==, 4096);
    g_assert_cmphex((uint32_t)ldl_le_p(buf + 4092), ==, ~0x11223344u);
    nvme_drv_stop(d);
}

/* Overwrite, then deallocation: zeroes; crypto erase: zeroes. */
static void test_sanitize_overwrite_crypto(void)
{
    NvmeDrv *d = start();
    SanLog l;

    write_pattern(d, 0, 8, 512);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, SANACT_OVERWRITE | 1 << 4,
                          0xa5a5a5a5), ==, NVME_SUCCESS);
    san_wait(d, &l);
    g_assert_cmphex(l.sstat & 0xff, ==, 1 | 1 << 3);
    g_assert_true(img_is(d, 0, IMG, 0));

    write_pattern(d, 0, 8, 512);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, SANACT_CRYPTO, 0), ==,
                    NVME_SUCCESS);
    san_wait(d, &l);
    g_assert_cmphex(l.sstat, ==, 0x101);
    g_assert_true(reads_as(d, 0, 8, 512, 0));
    g_assert_true(img_is(d, 0, IMG, 0));
    nvme_drv_stop(d);
}

/*
 * Two controllers in an nvme-subsys: a sanitize started on one blocks the
 * other and erases every namespace of the subsystem, detached ones too.
 */
static void test_sanitize_subsystem(void)
{
    GError *err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *args = NULL;
    g_autofree uint8_t *buf = g_malloc(IMG);
    int fd = g_file_open_tmp("nvme-aops-XXXXXX.img", &path, &err);
    NvmeDrv *a, *b;
    SanLog l;

    g_assert_no_error(err);
    memset(buf, 0xab, IMG);
    g_assert_cmpint(write(fd, buf, IMG), ==, IMG);
    args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=%s,if=none,id=d1,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-aops "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=4 "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2,detached=on "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=5", path);
    a = nvme_drv_start_pair(args, 5, &b);

    g_assert_cmphex(admin(a, OPC_SANITIZE, 0, SANACT_CRYPTO, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(admin(b, OPC_DST, 0, 1, 0), ==, SC_SANITIZE_IN_PROGRESS);
    g_assert_cmphex(admin(b, OPC_SANITIZE, 0, SANACT_BLOCK, 0), ==,
                    SC_SANITIZE_IN_PROGRESS);
    san_wait(a, &l);
    g_assert_cmphex(l.sstat, ==, 0x101);
    g_assert_cmphex(admin(b, OPC_DST, 0, 0xf, 0), ==, NVME_SUCCESS);
    g_assert_true(img_is(a, 0, IMG, 0));
    g_assert_cmpint(pread(fd, buf, IMG, 0), ==, IMG);
    g_assert_true(buffer_is_zero(buf, IMG));
    close(fd);
    unlink(path);
    nvme_drv_stop_peer(b);
    nvme_drv_stop(a);
}

static void test_sanitize_errors(void)
{
    NvmeDrv *d = start();
    SanLog l;

    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, 0, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, 5, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, 7, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    /* Exit Failure Mode without a failure: nothing to do */
    g_assert_cmphex(admin(d, OPC_SANITIZE, 0, 1, 0), ==, NVME_SUCCESS);
    san_log(d, &l);
    g_assert_cmphex(l.sstat, ==, 0);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Device Self-test                                                  */

typedef struct QEMU_PACKED DstEntry {
    uint8_t status;
    uint8_t segment;
    uint8_t valid;
    uint8_t rsvd;
    uint64_t poh;
    uint32_t nsid;
    uint64_t flba;
    uint8_t sct;
    uint8_t sc;
    uint8_t vs[2];
} DstEntry;

typedef struct QEMU_PACKED DstLog {
    uint8_t op;
    uint8_t percent;
    uint8_t rsvd[2];
    DstEntry res[20];
} DstLog;

static void dst_log(NvmeDrv *d, DstLog *l)
{
    g_assert_cmphex(nvme_drv_get_log(d, LID_DST, 0, 0, l, sizeof(*l)), ==,
                    NVME_SUCCESS);
}

static void test_dst_short(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    DstLog l;
    int i;

    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->oacs) & (1 << 4), ==, 1 << 4);
    g_assert_cmpuint(le16_to_cpu(id->edstt), ==, 1);
    g_assert_cmpuint(id->dsto & 1, ==, 1);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    for (i = 0; i < 20; i++) {
        g_assert_cmphex(l.res[i].status & 0xf, ==, 0xf);    /* unused */
    }

    g_assert_cmphex(admin(d, OPC_DST, 0xffffffff, 1, 0), ==, NVME_SUCCESS);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 1);
    g_assert_cmpuint(l.percent, ==, 0);
    qtest_clock_step(d->qts, 2500 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 1);
    g_assert_cmpuint(l.percent, ==, 50);
    /* one at a time */
    g_assert_cmphex(admin(d, OPC_DST, 1, 2, 0), ==, SC_DST_IN_PROGRESS);
    qtest_clock_step(d->qts, 2600 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    g_assert_cmphex(l.res[0].status, ==, 0x10);     /* short, no error */
    g_assert_cmphex(l.res[1].status & 0xf, ==, 0xf);
    g_free(id);
    nvme_drv_stop(d);
}

static void test_dst_abort_reset(void)
{
    NvmeDrv *d = start();
    DstLog l;
    int i;

    /* abort command */
    g_assert_cmphex(admin(d, OPC_DST, 0, 2, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(admin(d, OPC_DST, 0, 0xf, 0), ==, NVME_SUCCESS);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    g_assert_cmphex(l.res[0].status, ==, 0x21);
    /* a reset aborts a short test ... */
    g_assert_cmphex(admin(d, OPC_DST, 1, 1, 0), ==, NVME_SUCCESS);
    ctrl_reset(d);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    g_assert_cmphex(l.res[0].status, ==, 0x12);
    g_assert_cmphex(l.res[1].status, ==, 0x21);
    /* ... not an extended one */
    g_assert_cmphex(admin(d, OPC_DST, 1, 2, 0), ==, NVME_SUCCESS);
    ctrl_reset(d);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 2);
    qtest_clock_step(d->qts, 30 * 1000 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmpuint(l.percent, ==, 50);
    /* Format NVM of the namespace aborts it */
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, 0, 0), ==,
                    NVME_SUCCESS);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    g_assert_cmphex(l.res[0].status, ==, 0x24);
    /* the 20 newest results are kept */
    for (i = 0; i < 20; i++) {
        g_assert_cmphex(admin(d, OPC_DST, 0, 1, 0), ==, NVME_SUCCESS);
        g_assert_cmphex(admin(d, OPC_DST, 0, 0xf, 0), ==, NVME_SUCCESS);
    }
    dst_log(d, &l);
    for (i = 0; i < 20; i++) {
        g_assert_cmphex(l.res[i].status, ==, 0x11);
    }
    nvme_drv_stop(d);
}

/* Extended test over a namespace with an uncorrectable block fails. */
static void test_dst_extended_failure(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;
    DstLog l;

    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = 77;
    cmd.cdw12 = 2;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    /* a short test does not scan the media */
    g_assert_cmphex(admin(d, OPC_DST, 1, 1, 0), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 6000 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmphex(l.res[0].status, ==, 0x10);
    g_assert_cmphex(admin(d, OPC_DST, 1, 2, 0), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 61 * 1000 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmpuint(l.op, ==, 0);
    g_assert_cmphex(l.res[0].status, ==, 0x27);
    g_assert_cmpuint(l.res[0].segment, ==, 7);
    g_assert_cmphex(l.res[0].valid, ==, 0xf);
    g_assert_cmpuint(le32_to_cpu(l.res[0].nsid), ==, 1);
    g_assert_cmpuint(le64_to_cpu(l.res[0].flba), ==, 77);
    g_assert_cmphex(l.res[0].sct << 8 | l.res[0].sc, ==,
                    NVME_UNRECOVERED_READ);
    /* no namespace (NSID 0): passes */
    g_assert_cmphex(admin(d, OPC_DST, 0, 2, 0), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, 61 * 1000 * 1000000LL);
    dst_log(d, &l);
    g_assert_cmphex(l.res[0].status, ==, 0x20);
    nvme_drv_stop(d);
}

static void test_dst_errors(void)
{
    NvmeDrv *d = start();

    g_assert_cmphex(admin(d, OPC_DST, 1, 0, 0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40);
    g_assert_cmphex(admin(d, OPC_DST, 1, 3, 0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(admin(d, OPC_DST, 1, 0xe, 0), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(admin(d, OPC_DST, 2, 1, 0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 4);
    g_assert_cmphex(admin(d, OPC_DST, 257, 1, 0), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(admin(d, OPC_DST, 0xfffffffe, 1, 0), ==,
                    NVME_INVALID_NSID | DNR);
    /* abort with nothing running */
    g_assert_cmphex(admin(d, OPC_DST, 0, 0xf, 0), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Firmware                                                          */

static uint16_t fw_download(NvmeDrv *d, const uint8_t *img, uint32_t off,
                            uint32_t len)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DOWNLOAD_FW, 0);
    cmd.cdw10 = len / 4 - 1;
    cmd.cdw11 = off / 4;
    return admin_data(d, &cmd, (uint8_t *)img + off, len, true, NULL);
}

static uint16_t fw_commit(NvmeDrv *d, unsigned fs, unsigned ca)
{
    return admin(d, NVME_ADM_CMD_ACTIVATE_FW, 0, fs | ca << 3, 0);
}

static uint8_t *fw_image(const char *rev, size_t len)
{
    uint8_t *img = g_malloc(len);

    fill(img, len, 7);
    memcpy(img, "QEMUNVFW", 8);
    memset(img + 8, ' ', 8);
    memcpy(img + 8, rev, strlen(rev));
    return img;
}

static void fw_log(NvmeDrv *d, NvmeFwSlotInfoLog *l)
{
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_FW_SLOT_INFO, 0, 0, l,
                                     sizeof(*l)), ==, NVME_SUCCESS);
}

static void test_fw_commit_reset(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    g_autofree uint8_t *img = fw_image("2.0", 8192);
    NvmeFwSlotInfoLog l;
    uint8_t fr1[8];

    id_ctrl(d, id);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_FW, ==, NVME_OACS_FW);
    g_assert_cmphex(id->frmw, ==, 0x15);    /* 2 slots, 1 RO, no reset */
    g_assert_cmphex(id->fwug, ==, 0xff);
    g_assert_cmphex(le32_to_cpu(id->oaes) & (1 << 9), ==, 1 << 9);
    memcpy(fr1, id->fr, 8);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 1);
    g_assert_cmpmem(l.frs1, 8, fr1, 8);
    g_assert_cmphex(l.frs2[0], ==, 0);

    /* out of order pieces */
    g_assert_cmphex(fw_download(d, img, 4096, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_download(d, img, 0, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 1), ==, NVME_SUCCESS);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 1 | 2 << 4);
    g_assert_cmpmem(l.frs2, 8, "2.0     ", 8);
    id_ctrl(d, id);
    g_assert_cmpmem(id->fr, 8, fr1, 8);     /* not yet */
    ctrl_reset(d);
    id_ctrl(d, id);
    g_assert_cmpmem(id->fr, 8, "2.0     ", 8);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 2);

    /* back to slot 1 at the next reset */
    g_assert_cmphex(fw_commit(d, 1, 2), ==, NVME_SUCCESS);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 2 | 1 << 4);
    ctrl_reset(d);
    id_ctrl(d, id);
    g_assert_cmpmem(id->fr, 8, fr1, 8);

    /* action 0 stores without activating, even across a reset */
    memcpy(img + 8, "3.0     ", 8);
    g_assert_cmphex(fw_download(d, img, 0, 8192), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 0, 0), ==, NVME_SUCCESS);  /* slot 2 */
    ctrl_reset(d);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 1);
    g_assert_cmpmem(l.frs2, 8, "3.0     ", 8);
    g_free(id);
    nvme_drv_stop(d);
}

/* Action 3: activation at once, with the notice when AEC bit 9 is set. */
static void test_fw_activate_now(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    g_autofree uint8_t *img = fw_image("4.1a", 4096);
    NvmeFwSlotInfoLog l;
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t aer;

    g_assert_cmphex(nvme_drv_set_features(d, NVME_ASYNCHRONOUS_EVENT_CONF,
                                          1 << 9, NULL), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ASYNC_EV_REQ, 0);
    aer = nvme_drv_submit(d, 0, &cmd);
    g_assert_cmphex(fw_download(d, img, 0, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 3), ==, NVME_SUCCESS);
    nvme_drv_wait_cid(d, 0, aer, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result, ==, 2 | 1 << 8 | NVME_LOG_FW_SLOT_INFO << 16);
    id_ctrl(d, id);
    g_assert_cmpmem(id->fr, 8, "4.1a    ", 8);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 2);
    g_free(id);
    nvme_drv_stop(d);
}

static void test_fw_errors(void)
{
    NvmeDrv *d = start();
    g_autofree uint8_t *img = fw_image("5.0", 16384);
    g_autofree uint8_t *bad = g_malloc0(4096);

    /* no image yet; empty slot 2 cannot be activated */
    g_assert_cmphex(fw_commit(d, 2, 1), ==, NVME_INVALID_FW_IMAGE | DNR);
    g_assert_cmphex(fw_commit(d, 2, 2), ==, NVME_INVALID_FW_IMAGE | DNR);
    /* slots: 3 does not exist, 1 is read-only */
    g_assert_cmphex(fw_commit(d, 3, 1), ==, NVME_INVALID_FW_SLOT | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40);
    g_assert_cmphex(fw_commit(d, 1, 0), ==, NVME_INVALID_FW_SLOT | DNR);
    g_assert_cmphex(fw_commit(d, 1, 3), ==, NVME_INVALID_FW_SLOT | DNR);
    /* boot partitions and reserved actions */
    g_assert_cmphex(fw_commit(d, 2, 6), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 40 | 3 << 8);
    g_assert_cmphex(fw_commit(d, 2, 4), ==, NVME_INVALID_FIELD | DNR);

    /* overlapping pieces */
    g_assert_cmphex(fw_download(d, img, 0, 8192), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_download(d, img, 4096, 8192), ==,
                    SC_OVERLAPPING_RANGE | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 44);
    g_assert_cmphex(fw_download(d, img, 0, 4), ==,
                    SC_OVERLAPPING_RANGE | DNR);
    /* beyond the largest image (1 MiB) */
    {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DOWNLOAD_FW, 0);
        cmd.cdw10 = 0;
        cmd.cdw11 = 1024 * 1024 / 4;
        g_assert_cmphex(admin_data(d, &cmd, img, 4, true, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
        g_assert_cmphex(last_err_loc(d), ==, 44);
        /* beyond MDTS (7: 512 KiB) */
        cmd.cdw10 = 512 * 1024 / 4;
        cmd.cdw11 = 0;
        g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    /* a hole: pieces 0-8191 and 12288-16383 */
    g_assert_cmphex(fw_download(d, img, 12288, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 0), ==, NVME_INVALID_FW_IMAGE | DNR);
    g_assert_cmphex(fw_download(d, img, 8192, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 0), ==, NVME_SUCCESS);
    /* not an image: wrong magic */
    g_assert_cmphex(fw_download(d, bad, 0, 4096), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 0), ==, NVME_INVALID_FW_IMAGE | DNR);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* Features: saved values, Host Behavior Support                     */

static uint32_t get_feat(NvmeDrv *d, uint8_t fid, uint8_t sel, uint32_t dw11)
{
    uint32_t dw0 = 0xdeadbeef;

    g_assert_cmphex(nvme_drv_get_features(d, fid, sel, dw11, &dw0), ==,
                    NVME_SUCCESS);
    return dw0;
}

static uint16_t set_feat_save(NvmeDrv *d, uint8_t fid, uint32_t dw11)
{
    return admin(d, NVME_ADM_CMD_SET_FEATURES, 0, fid | 1u << 31, dw11);
}

static void test_feat_saved(void)
{
    NvmeDrv *d = start();
    uint32_t dflt_arb = get_feat(d, NVME_ARBITRATION, 1, 0);
    uint32_t under = 1 << 20;   /* THSEL 01b: under temperature */

    /* capabilities: saveable and changeable, or changeable only */
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 3, 0), ==, 5);
    g_assert_cmphex(get_feat(d, NVME_POWER_MANAGEMENT, 3, 0), ==, 5);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 3, 0), ==, 5);
    g_assert_cmphex(get_feat(d, NVME_VOLATILE_WRITE_CACHE, 3, 0), ==, 5);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 3, 0), ==, 4);
    g_assert_cmphex(get_feat(d, NVME_HOST_BEHAVIOR_SUPPORT, 3, 0), ==, 4);
    /* nothing saved yet: SEL=saved reports the default */
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 2, 0), ==, dflt_arb);

    g_assert_cmphex(set_feat_save(d, NVME_ARBITRATION, 0x30201003), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(set_feat_save(d, NVME_POWER_MANAGEMENT, 0x40), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(set_feat_save(d, NVME_TEMPERATURE_THRESHOLD, under | 250),
                    ==, NVME_SUCCESS);
    /* current changes without Save are not saved */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD, 330,
                                          NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ARBITRATION, 2, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 2, 0), ==, 0x30201003);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 0, 0), ==, 2);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 1, 0), ==, dflt_arb);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 2, under), ==,
                    250);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 2, 0), ==, 343);

    /* a non-saveable feature with Save */
    g_assert_cmphex(set_feat_save(d, NVME_INTERRUPT_COALESCING, 0x0101), ==,
                    NVME_FID_NOT_SAVEABLE | DNR);
    g_assert_cmphex(last_err_loc(d), ==, 43 | 7 << 8);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0, 0), ==, 0);

    /* a controller reset restores the saved values */
    nvme_drv_set_features(d, NVME_INTERRUPT_COALESCING, 0x0202, NULL);
    ctrl_reset(d);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 0, 0), ==, 0x30201003);
    g_assert_cmphex(get_feat(d, NVME_POWER_MANAGEMENT, 0, 0), ==, 0x40);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 0, under), ==,
                    250);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 0, 0), ==, 343);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0, 0), ==, 0);
    /* a later save of one feature keeps the others' */
    g_assert_cmphex(set_feat_save(d, NVME_VOLATILE_WRITE_CACHE, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 2, 0), ==, 0x30201003);
    g_assert_cmphex(get_feat(d, NVME_VOLATILE_WRITE_CACHE, 2, 0), ==, 0);
    ctrl_reset(d);
    g_assert_cmphex(get_feat(d, NVME_VOLATILE_WRITE_CACHE, 0, 0), ==, 0);
    nvme_drv_stop(d);
}

static uint16_t hbs(NvmeDrv *d, bool set, uint8_t sel, uint8_t *data)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, set ? NVME_ADM_CMD_SET_FEATURES
                                : NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.cdw10 = NVME_HOST_BEHAVIOR_SUPPORT | sel << 8;
    return admin_data(d, &cmd, data, 512, set, NULL);
}

static void test_feat_hbs(void)
{
    NvmeDrv *d = start();
    uint8_t data[512], zero[512] = { 0 };

    memset(data, 0xaa, sizeof(data));
    g_assert_cmphex(hbs(d, false, 0, data), ==, NVME_SUCCESS);
    g_assert_cmpmem(data, 512, zero, 512);
    memset(data, 0, sizeof(data));
    data[0] = 1;                            /* ACRE */
    g_assert_cmphex(hbs(d, true, 0, data), ==, NVME_SUCCESS);
    g_assert_cmphex(hbs(d, false, 0, data), ==, NVME_SUCCESS);
    g_assert_cmphex(data[0], ==, 1);
    g_assert_cmphex(hbs(d, false, 1, data), ==, NVME_SUCCESS);  /* default */
    g_assert_cmphex(data[0], ==, 0);
    memset(data, 0, sizeof(data));
    data[0] = 2;
    g_assert_cmphex(hbs(d, true, 0, data), ==, NVME_INVALID_FIELD | DNR);
    data[0] = 0;
    data[2] = 2;                            /* LBAFEE: bits 7:1 reserved */
    g_assert_cmphex(hbs(d, true, 0, data), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(hbs(d, false, 0, data), ==, NVME_SUCCESS);
    g_assert_cmphex(data[0], ==, 1);        /* unchanged by the failures */
    g_assert_cmphex(data[2], ==, 0);
    /*
     * LBAFEE 1 is taken and kept: CTRATT bit 15 (ELBAS) announces the
     * field (NVMe Base 2.1 figure "Host Behavior Support - Data
     * Structure", byte 2; Linux sets it whenever ELBAS is set).
     */
    memset(data, 0, sizeof(data));
    data[0] = 1;
    data[2] = 1;
    g_assert_cmphex(hbs(d, true, 0, data), ==, NVME_SUCCESS);
    memset(data, 0, sizeof(data));
    g_assert_cmphex(hbs(d, false, 0, data), ==, NVME_SUCCESS);
    g_assert_cmphex(data[0], ==, 1);
    g_assert_cmphex(data[2], ==, 1);
    ctrl_reset(d);
    g_assert_cmphex(hbs(d, false, 0, data), ==, NVME_SUCCESS);
    g_assert_cmphex(data[0], ==, 0);
    g_assert_cmphex(data[2], ==, 0);
    nvme_drv_stop(d);
}

/* Effects log entries of the new commands. */
static void test_effects(void)
{
    NvmeDrv *d = start();
    NvmeEffectsLog *e = g_malloc0(sizeof(*e));
    uint32_t erase = NVME_CMD_EFF_CSUPP | NVME_CMD_EFF_LBCC |
                     NVME_CMD_EFF_NCC | NVME_CMD_EFF_NIC;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, e,
                                     sizeof(*e)), ==, NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(e->acs[NVME_ADM_CMD_FORMAT_NVM]), ==,
                    erase | 1 << 16);
    g_assert_cmphex(le32_to_cpu(e->acs[OPC_SANITIZE]), ==, erase | 2 << 16);
    g_assert_cmphex(le32_to_cpu(e->acs[NVME_ADM_CMD_ACTIVATE_FW]), ==,
                    NVME_CMD_EFF_CSUPP | NVME_CMD_EFF_CCC);
    g_assert_cmphex(le32_to_cpu(e->acs[NVME_ADM_CMD_DOWNLOAD_FW]), ==,
                    NVME_CMD_EFF_CSUPP);
    g_assert_cmphex(le32_to_cpu(e->acs[OPC_DST]), ==, NVME_CMD_EFF_CSUPP);
    g_free(e);
    nvme_drv_stop(d);
}

/* nvme-ns on @img with state-file @state, NSID @nsid: started, a queue. */
static NvmeDrv *start_kept(const char *img, const char *state, int nsid)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,id=c0,serial=qtest-kept "
        "-device nvme-ns,drive=d0,bus=c0,nsid=%d,state-file=%s", nsid,
        state);
    NvmeDrv *d = nvme_drv_start_image(args, img);

    nvme_drv_ready_io(d, 32);
    return d;
}

/*
 * nvme-ns,state-file=: the format and the Write Uncorrectable marks come
 * back after a restart, as on an SSD after a power cycle; another
 * namespace's or a damaged file stops QEMU at start.
 */
static void test_state_file(void)
{
    g_autofree char *img = nvme_drv_make_image(IMG);
    g_autofree char *dir = g_dir_make_tmp("nvme-ns-XXXXXX", NULL);
    g_autofree char *state = g_build_filename(dir, "ns1.state", NULL);
    g_autofree char *other = NULL, *damaged = NULL, *data = NULL;
    NvmeIdNs *ns = g_malloc0(4096);
    NvmeDrv *d = start_kept(img, state, 1);
    gsize len;
    NvmeCmd cmd;

    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(1, 0), 0),
                    ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = 3;
    cmd.cdw12 = 1;                      /* 4 KiB blocks 3 and 4 */
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    write_pattern(d, 5, 1, 4096);       /* a write: the file is up to date */
    nvme_drv_stop(d);

    d = start_kept(img, state, 1);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas & 0xf, ==, 1);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, IMG / 4096);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 4, 1, 4096, NULL, 0),
                    ==, NVME_UNRECOVERED_READ | DNR);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 5, 1, 4096, NULL, 0),
                    ==, NVME_SUCCESS);
    /* a write clears a mark, and the next start knows it */
    write_pattern(d, 4, 1, 4096);
    nvme_drv_stop(d);
    d = start_kept(img, state, 1);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 4, 1, 4096, NULL, 0),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 3, 1, 4096, NULL, 0),
                    ==, NVME_UNRECOVERED_READ | DNR);
    nvme_drv_stop(d);

    /* another namespace's file; a damaged one; a foreign one */
    other = g_strdup_printf(
        "-drive file=%s,if=none,id=d0,format=raw -device nvme,id=c0,serial=x "
        "-device nvme-ns,drive=d0,bus=c0,nsid=2,state-file=%s", img, state);
    nvme_drv_start_fails(other, "another namespace's");
    g_assert_true(g_file_get_contents(state, &data, &len, NULL));
    data[len / 2] ^= 0x40;
    g_assert_true(g_file_set_contents(state, data, len, NULL));
    damaged = g_strdup_printf(
        "-drive file=%s,if=none,id=d0,format=raw -device nvme,id=c0,serial=x "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1,state-file=%s", img, state);
    nvme_drv_start_fails(damaged, "is damaged");
    g_assert_true(g_file_set_contents(state, "QEMU nvme pool\n", 16, NULL));
    nvme_drv_start_fails(damaged, "is not this kind of state file");
    g_free(ns);
    unlink(state);
    rmdir(dir);
    unlink(img);
}

/* nvme with its own namespace on @img and state-file @state, started. */
static NvmeDrv *start_ctrl_kept(const char *img, const char *state)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme,drive=d0,serial=qtest-keep,state-file=%s", state);
    NvmeDrv *d = nvme_drv_start_image(args, img);

    nvme_drv_ready_io(d, 32);
    return d;
}

/*
 * nvme,state-file=: a power cycle runs the firmware a commit asked to
 * activate at the next reset, keeps the slots, and the format and marks
 * of the controller's own namespace; a damaged or foreign file stops
 * QEMU at start.
 */
static void test_fw_state_file(void)
{
    g_autofree char *img = nvme_drv_make_image(IMG);
    g_autofree char *dir = g_dir_make_tmp("nvme-ctrl-XXXXXX", NULL);
    g_autofree char *state = g_build_filename(dir, "c0.state", NULL);
    g_autofree uint8_t *fw = fw_image("2.0", 8192);
    g_autofree char *args = NULL, *data = NULL;
    NvmeIdCtrl *id = g_malloc0(4096);
    NvmeIdNs *ns = g_malloc0(4096);
    NvmeDrv *d = start_ctrl_kept(img, state);
    NvmeFwSlotInfoLog l;
    NvmeCmd cmd;
    gsize len;

    g_assert_cmphex(fw_download(d, fw, 0, 8192), ==, NVME_SUCCESS);
    g_assert_cmphex(fw_commit(d, 2, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(admin(d, NVME_ADM_CMD_FORMAT_NVM, 1, fmt_cdw10(1, 0), 0),
                    ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 1);
    cmd.cdw10 = 3;
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    write_pattern(d, 5, 1, 4096);
    nvme_drv_stop(d);

    d = start_ctrl_kept(img, state);
    fw_log(d, &l);
    g_assert_cmphex(l.afi, ==, 2);                  /* slot 2 runs */
    g_assert_cmpmem(l.frs2, 8, "2.0     ", 8);
    id_ctrl(d, id);
    g_assert_cmpmem(id->fr, 8, "2.0     ", 8);
    id_ns(d, ns);
    g_assert_cmpuint(ns->flbas & 0xf, ==, 1);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 3, 1, 4096, NULL, 0),
                    ==, NVME_UNRECOVERED_READ | DNR);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 5, 1, 4096, NULL, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);

    args = g_strdup_printf("-drive file=%s,if=none,id=d0,format=raw "
                           "-device nvme,drive=d0,serial=x,state-file=%s",
                           img, state);
    g_assert_true(g_file_get_contents(state, &data, &len, NULL));
    data[len / 2] ^= 0x08;
    g_assert_true(g_file_set_contents(state, data, len, NULL));
    nvme_drv_start_fails(args, "is damaged");
    g_assert_true(g_file_set_contents(state, "QEMU nvme pool\n", 16, NULL));
    nvme_drv_start_fails(args, "is not this kind of state file");
    g_free(id);
    g_free(ns);
    unlink(state);
    rmdir(dir);
    unlink(img);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/adminops/format/identify", test_format_identify);
    qtest_add_func("/nvme/adminops/format/lbaf", test_format_lbaf);
    qtest_add_func("/nvme/adminops/format/state-file", test_state_file);
    qtest_add_func("/nvme/adminops/fw/state-file", test_fw_state_file);
    qtest_add_func("/nvme/adminops/format/broadcast_crypto",
                   test_format_broadcast_crypto);
    qtest_add_func("/nvme/adminops/format/errors", test_format_errors);
    qtest_add_func("/nvme/adminops/format/write_protected",
                   test_format_write_protected);
    qtest_add_func("/nvme/adminops/format/configured_size",
                   test_format_configured_size);
    qtest_add_func("/nvme/adminops/sanitize/identify",
                   test_sanitize_identify);
    qtest_add_func("/nvme/adminops/sanitize/block_erase",
                   test_sanitize_block_erase);
    qtest_add_func("/nvme/adminops/sanitize/overwrite_nodealloc",
                   test_sanitize_overwrite_nodealloc);
    qtest_add_func("/nvme/adminops/sanitize/overwrite_crypto",
                   test_sanitize_overwrite_crypto);
    qtest_add_func("/nvme/adminops/sanitize/errors", test_sanitize_errors);
    qtest_add_func("/nvme/adminops/sanitize/subsystem",
                   test_sanitize_subsystem);
    qtest_add_func("/nvme/adminops/selftest/short", test_dst_short);
    qtest_add_func("/nvme/adminops/selftest/abort_reset",
                   test_dst_abort_reset);
    qtest_add_func("/nvme/adminops/selftest/extended_failure",
                   test_dst_extended_failure);
    qtest_add_func("/nvme/adminops/selftest/errors", test_dst_errors);
    qtest_add_func("/nvme/adminops/firmware/commit_reset",
                   test_fw_commit_reset);
    qtest_add_func("/nvme/adminops/firmware/activate_now",
                   test_fw_activate_now);
    qtest_add_func("/nvme/adminops/firmware/errors", test_fw_errors);
    qtest_add_func("/nvme/adminops/features/saved", test_feat_saved);
    qtest_add_func("/nvme/adminops/features/host_behavior", test_feat_hbs);
    qtest_add_func("/nvme/adminops/effects", test_effects);
    return g_test_run();
}

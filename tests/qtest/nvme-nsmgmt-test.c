/*
 * qtest: Namespace Management (admin 0Dh) with an nvme-subsys capacity
 * pool: create, attach, I/O, detach, delete; capacity accounting in
 * Identify Controller; every failure status; Namespace Attribute Changed
 * events when a deletion detaches a namespace; the ANA log changes.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define SLOT_A          4
#define SLOT_B          5
#define MiB             (1024 * 1024)
#define POOL_SIZE       (8 * MiB)
#define SEL_CREATE      0
#define SEL_DELETE      1
#define ST_NS_NO_CAP    0x0115
#define ST_NSID_UNAVAIL 0x0116
#define ST_THIN_PROV    0x011b
#define FID_AEC         0x0b
#define AEC_NS_ATTR     (1u << 8)
#define AER_NS_CHANGED  0x040002    /* log 04h, info 00h, type notice */
#define AEC_ANA         (1u << 11)
#define AER_ANA_CHANGE  0x0c0302    /* log 0Ch, info 03h, type notice */
#define LOG_ANA         0x0c

typedef struct Pool {
    NvmeDrv *a;                 /* cntlid 0 */
    NvmeDrv *b;                 /* cntlid 1 */
    char *dir;
} Pool;

/* The command line of pool_start(), for the pool in @p->dir. */
static char *pool_args(Pool *p)
{
    return g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-pool,pool=%s,pool-size=%d "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        p->dir, POOL_SIZE, SLOT_A, SLOT_B);
}

/* NSID 1 is an nvme-ns on the driver's 16 MiB image; the pool is empty. */
static void pool_start(Pool *p)
{
    GError *err = NULL;
    g_autofree char *args = NULL;

    p->dir = g_dir_make_tmp("nvme-pool-XXXXXX", &err);
    g_assert_no_error(err);
    args = pool_args(p);
    p->a = nvme_drv_start_pair(args, SLOT_B, &p->b);
}

/* QEMU stops (the pool stays) and starts again with the same pool. */
static void pool_restart(Pool *p)
{
    g_autofree char *args = pool_args(p);

    nvme_drv_stop_peer(p->b);
    nvme_drv_stop(p->a);
    p->a = nvme_drv_start_pair(args, SLOT_B, &p->b);
}

static void pool_stop(Pool *p)
{
    g_autoptr(GDir) dir = NULL;
    const char *name;

    nvme_drv_stop_peer(p->b);
    nvme_drv_stop(p->a);
    dir = g_dir_open(p->dir, 0, NULL);
    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *f = g_build_filename(p->dir, name, NULL);

        unlink(f);
    }
    rmdir(p->dir);
    g_free(p->dir);
}

static bool image_exists(Pool *p, uint32_t nsid)
{
    g_autofree char *f = g_strdup_printf("%s/ns%u.img", p->dir, nsid);

    return g_file_test(f, G_FILE_TEST_EXISTS);
}

static uint32_t ns_create(NvmeDrv *d, uint64_t nsze, uint8_t flbas,
                          uint8_t nmic)
{
    uint32_t nsid;

    g_assert_cmphex(nvme_drv_ns_create(d, nsze, nsze, flbas, 0, nmic, 0, &nsid),
                    ==, NVME_SUCCESS);
    return nsid;
}

static uint16_t ns_mgmt_sel(NvmeDrv *d, uint32_t nsid, uint32_t sel)
{
    return nvme_drv_ns_mgmt(d, sel, nsid, NULL, 0, NULL);
}

static uint16_t ns_delete(NvmeDrv *d, uint32_t nsid)
{
    return ns_mgmt_sel(d, nsid, SEL_DELETE);
}

static void attach(NvmeDrv *d, uint32_t nsid, uint16_t cntlid)
{
    nvme_drv_ns_attach_ok(d, nsid, NVME_NS_ATTACHMENT_ATTACH, cntlid);
}

static void detach(NvmeDrv *d, uint32_t nsid, uint16_t cntlid)
{
    nvme_drv_ns_attach_ok(d, nsid, NVME_NS_ATTACHMENT_DETACH, cntlid);
}

/* TNVMCAP and UNVMCAP (low 64 bits; the high ones must be 0). */
static void capacity(NvmeDrv *d, uint64_t *total, uint64_t *unalloc)
{
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ldq_le_p(id->tnvmcap + 8), ==, 0);
    g_assert_cmphex(ldq_le_p(id->unvmcap + 8), ==, 0);
    *total = ldq_le_p(id->tnvmcap);
    *unalloc = ldq_le_p(id->unvmcap);
}

static uint64_t unallocated(NvmeDrv *d)
{
    uint64_t t, u;

    capacity(d, &t, &u);
    return u;
}

/* Identify Namespace of @nsid with CNS @cns; returns NSZE. */
static uint64_t id_ns_nsze(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                           uint8_t *flbas, uint8_t *lbads, uint8_t *nmic)
{
    g_autofree NvmeIdNs *id = g_malloc0(4096);

    g_assert_cmphex(nvme_drv_identify(d, cns, nsid, 0, id), ==,
                    NVME_SUCCESS);
    if (flbas) {
        *flbas = id->flbas;
    }
    if (lbads) {
        *lbads = id->lbaf[id->flbas & 0xf].ds;
    }
    if (nmic) {
        *nmic = id->nmic;
    }
    return le64_to_cpu(id->nsze);
}

/* The NSID list of Identify @cns (02h active, 10h allocated), "1,2,..." */
static char *nsid_list(NvmeDrv *d, uint8_t cns)
{
    g_autofree uint32_t *l = g_malloc0(4096);
    GString *s = g_string_new(NULL);

    g_assert_cmphex(nvme_drv_identify(d, cns, 0, 0, l), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < 1024 && l[i]; i++) {
        g_string_append_printf(s, "%s%u", i ? "," : "", le32_to_cpu(l[i]));
    }
    return g_string_free(s, false);
}

static char *allocated(NvmeDrv *d)
{
    return nsid_list(d, NVME_ID_CNS_NS_PRESENT_LIST);
}

static char *active(NvmeDrv *d)
{
    return nsid_list(d, NVME_ID_CNS_NS_ACTIVE_LIST);
}

/* ---------------------------------------------------------------- */

static void test_identify(void)
{
    Pool p;
    g_autofree NvmeIdCtrl *id = g_malloc0(4096);
    uint64_t t, u;
    NvmeDrv *solo;

    pool_start(&p);
    g_assert_cmphex(nvme_drv_identify(p.b, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_NMS, ==,
                    NVME_OACS_NMS);
    g_assert_cmpuint(le32_to_cpu(id->nn), ==, 256);
    g_assert_cmpuint(ldl_le_p(id->rsvd540), ==, 256);      /* MNAN */
    capacity(p.a, &t, &u);
    g_assert_cmpuint(t, ==, POOL_SIZE + NVME_DRV_IMG_SIZE);
    g_assert_cmpuint(u, ==, POOL_SIZE);
    pool_stop(&p);

    /* no pool: not advertised, and the opcode is refused */
    solo = nvme_drv_start_ready(NULL);
    g_assert_cmphex(nvme_drv_identify(solo, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_NMS, ==, 0);
    g_assert_cmphex(ldq_le_p(id->tnvmcap), ==, 0);
    g_assert_cmphex(nvme_drv_ns_create(solo, 8, 8, 0, 0, 0, 0, NULL), ==,
                    NVME_INVALID_OPCODE | DNR);
    nvme_drv_stop(solo);
}

static void test_lifecycle(void)
{
    Pool p;
    uint8_t wbuf[1024], rbuf[1024], zero[1024] = { 0 };
    uint8_t flbas, lbads, nmic;
    uint32_t nsid, nsid4k;
    char *s;

    pool_start(&p);
    nvme_drv_create_qpair(p.a, 1, 16);
    nvme_drv_create_qpair(p.b, 1, 16);

    /* 1 MiB of 512-byte blocks: lowest free NSID, allocated, unattached */
    nsid = ns_create(p.a, 2048, 0, 0);
    g_assert_cmpuint(nsid, ==, 2);
    g_assert_true(image_exists(&p, 2));
    g_assert_cmpuint(unallocated(p.b), ==, POOL_SIZE - MiB);
    s = allocated(p.b);
    g_assert_cmpstr(s, ==, "1,2");
    g_free(s);
    g_assert_cmpuint(id_ns_nsze(p.a, NVME_ID_CNS_NS_PRESENT, 2, &flbas,
                                &lbads, &nmic), ==, 2048);
    g_assert_cmpuint(flbas, ==, 0);
    g_assert_cmpuint(lbads, ==, 9);
    g_assert_cmpuint(nmic, ==, 0);
    g_assert_cmpuint(id_ns_nsze(p.a, NVME_ID_CNS_NS, 2, NULL, NULL, NULL),
                     ==, 0);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 0, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);

    /* attach, write, read; detach and attach: the data is still there */
    attach(p.a, 2, 0);
    g_assert_cmpuint(id_ns_nsze(p.a, NVME_ID_CNS_NS, 2, NULL, NULL, NULL),
                     ==, 2048);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 2047, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(rbuf, 512, zero, 512);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 2048, 1, 512, rbuf,
                                0), ==, NVME_LBA_RANGE | DNR);
    for (unsigned i = 0; i < sizeof(wbuf); i++) {
        wbuf[i] = i * 7 + 3;
    }
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_WRITE, 2, 10, 2, 512, wbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 10, 2, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(wbuf, 1024, rbuf, 1024);
    detach(p.a, 2, 0);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 10, 2, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);
    attach(p.a, 2, 1);                  /* private: now on controller 1 */
    memset(rbuf, 0, sizeof(rbuf));
    g_assert_cmphex(nvme_drv_rw(p.b, 1, NVME_CMD_READ, 2, 10, 2, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(wbuf, 1024, rbuf, 1024);

    /* 4096-byte blocks: FLBAS 1 */
    nsid4k = ns_create(p.b, 256, 1, 0);
    g_assert_cmpuint(nsid4k, ==, 3);
    g_assert_cmpuint(id_ns_nsze(p.b, NVME_ID_CNS_NS_PRESENT, 3, &flbas,
                                &lbads, NULL), ==, 256);
    g_assert_cmpuint(flbas, ==, 1);
    g_assert_cmpuint(lbads, ==, 12);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE - 2 * MiB);

    /* delete 2 (attached): gone everywhere, capacity and file freed */
    g_assert_cmphex(ns_delete(p.a, 2), ==, NVME_SUCCESS);
    g_assert_false(image_exists(&p, 2));
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE - MiB);
    s = allocated(p.a);
    g_assert_cmpstr(s, ==, "1,3");
    g_free(s);
    g_assert_cmphex(nvme_drv_rw(p.b, 1, NVME_CMD_READ, 2, 10, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_ns_attach1(p.a, 2, NVME_NS_ATTACHMENT_ATTACH,
                                        0), ==, NVME_INVALID_FIELD | DNR);

    /* NSID 2 is reused, with new (zeroed) storage */
    g_assert_cmpuint(ns_create(p.a, 2048, 0, 0), ==, 2);
    attach(p.a, 2, 0);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 10, 2, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(rbuf, 1024, zero, 1024);

    /* FFFFFFFFh deletes every namespace, the nvme-ns one too */
    g_assert_cmphex(ns_delete(p.b, 0xffffffff), ==, NVME_SUCCESS);
    s = allocated(p.a);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE);
    g_assert_false(image_exists(&p, 2));
    g_assert_false(image_exists(&p, 3));
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 1, 0, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);
    pool_stop(&p);
}

/*
 * The "delete all, create, attach" flow of test suites and SSD tooling:
 * Namespace Management with NSID FFFFFFFFh deletes every namespace, the
 * command line's (nvme-ns) included.  Its drive is let go with its data
 * untouched; the NSID is free for a created namespace, which starts out
 * zeroed in its own pool image.
 */
static void test_delete_all_cmdline(void)
{
    Pool p;
    uint8_t wbuf[512], rbuf[512], img[512], zero[512] = { 0 };
    uint64_t t, u;
    char *s;

    pool_start(&p);
    nvme_drv_create_qpair(p.a, 1, 16);
    nvme_drv_create_qpair(p.b, 1, 16);
    for (unsigned i = 0; i < sizeof(wbuf); i++) {
        wbuf[i] = i * 5 + 1;
    }
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_WRITE, 1, 5, 1, 512, wbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpuint(ns_create(p.a, 2048, 0, 1), ==, 2);
    attach(p.a, 2, 0);
    g_free(nvme_drv_changed_ns_log(p.a));
    g_free(nvme_drv_changed_ns_log(p.b));

    g_assert_cmphex(ns_delete(p.a, 0xffffffff), ==, NVME_SUCCESS);
    s = allocated(p.b);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    s = active(p.b);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    s = nvme_drv_changed_ns_log(p.a);
    g_assert_cmpstr(s, ==, "1,2");
    g_free(s);
    s = nvme_drv_changed_ns_log(p.b);
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    g_assert_cmphex(nvme_drv_rw(p.b, 1, NVME_CMD_READ, 1, 5, 1, 512, rbuf,
                                0), ==, NVME_INVALID_FIELD | DNR);
    /* the drive's data is left alone; only the pool counts now */
    g_assert_cmpint(pread(p.a->img_fd, img, 512, 5 * 512), ==, 512);
    g_assert_cmpmem(img, 512, wbuf, 512);
    capacity(p.a, &t, &u);
    g_assert_cmpuint(t, ==, POOL_SIZE);
    g_assert_cmpuint(u, ==, POOL_SIZE);

    /* create takes NSID 1 again, a fresh pool image; attach; I/O */
    g_assert_cmpuint(ns_create(p.b, 4096, 0, 1), ==, 1);
    g_assert_true(image_exists(&p, 1));
    attach(p.b, 1, 0);
    attach(p.b, 1, 1);
    s = active(p.a);
    g_assert_cmpstr(s, ==, "1");
    g_free(s);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 1, 5, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(rbuf, 512, zero, 512);
    g_assert_cmphex(nvme_drv_rw(p.b, 1, NVME_CMD_WRITE, 1, 5, 1, 512, zero,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpint(pread(p.a->img_fd, img, 512, 5 * 512), ==, 512);
    g_assert_cmpmem(img, 512, wbuf, 512);
    pool_stop(&p);

    /* one command-line namespace by its own NSID */
    pool_start(&p);
    g_assert_cmphex(ns_delete(p.b, 1), ==, NVME_SUCCESS);
    s = allocated(p.a);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    g_assert_cmphex(ns_delete(p.b, 1), ==, NVME_INVALID_FIELD | DNR);
    pool_stop(&p);
}

static void test_capacity(void)
{
    Pool p;
    uint32_t nsid;

    pool_start(&p);
    /* all of the pool in one namespace, then nothing more fits */
    nsid = ns_create(p.a, POOL_SIZE / 4096, 1, 0);
    g_assert_cmpuint(unallocated(p.a), ==, 0);
    g_assert_cmphex(nvme_drv_ns_create(p.a, 1, 1, 0, 0, 0, 0, NULL), ==,
                    ST_NS_NO_CAP | DNR);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    /* one block more than the pool */
    g_assert_cmphex(nvme_drv_ns_create(p.a, POOL_SIZE / 512 + 1,
                                   POOL_SIZE / 512 + 1, 0, 0, 0, 0, NULL),
                    ==, ST_NS_NO_CAP | DNR);
    /* NSZE whose byte size overflows 64 bits */
    g_assert_cmphex(nvme_drv_ns_create(p.a, 1ull << 60, 1ull << 60, 1, 0, 0, 0,
                                   NULL), ==, ST_NS_NO_CAP | DNR);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE);
    pool_stop(&p);
}

static void test_errors(void)
{
    /* Create's refusals: the host's Identify Namespace fields and CDW11 */
    static const struct {
        uint64_t nsze, ncap;
        uint8_t flbas, dps, nmic;
        uint32_t cdw11;
        uint16_t status;
    } bad[] = {
        /* NSZE 0; NCAP above NSZE; thin provisioning (NCAP below NSZE) */
        { 0, 0, 0, 0, 0, 0, NVME_INVALID_FIELD | DNR },
        { 8, 9, 0, 0, 0, 0, NVME_INVALID_FIELD | DNR },
        { 8, 4, 0, 0, 0, 0, ST_THIN_PROV | DNR },
        /* LBA formats not offered: 2, 15, and via the FLBAS high bits */
        { 8, 8, 2, 0, 0, 0, NVME_INVALID_FORMAT | DNR },
        { 8, 8, 15, 0, 0, 0, NVME_INVALID_FORMAT | DNR },
        { 8, 8, 0x20, 0, 0, 0, NVME_INVALID_FORMAT | DNR },
        /* protection information needs metadata; NMIC reserved bits; CSI */
        { 8, 8, 0, 1, 0, 0, NVME_INVALID_FIELD | DNR },
        { 8, 8, 0, 0, 2, 0, NVME_INVALID_FIELD | DNR },
        { 8, 8, 0, 0, 0, 2u << 24, NVME_INVALID_FIELD | DNR },
    };
    Pool p;
    uint32_t nsid;

    pool_start(&p);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_cmphex(nvme_drv_ns_create(p.a, bad[i].nsze, bad[i].ncap,
                                           bad[i].flbas, bad[i].dps,
                                           bad[i].nmic, bad[i].cdw11, NULL),
                        ==, bad[i].status);
    }
    /* reserved SEL */
    g_assert_cmphex(ns_mgmt_sel(p.a, 0, 2), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(ns_mgmt_sel(p.a, 0, 0xf), ==, NVME_INVALID_FIELD | DNR);
    /* delete: NSID 0 and above NN, unallocated */
    g_assert_cmphex(ns_delete(p.a, 0), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(ns_delete(p.a, 257), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(ns_delete(p.a, 5), ==, NVME_INVALID_FIELD | DNR);
    /* nothing was allocated by the failures; a deleted NSID is gone */
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE);
    nsid = ns_create(p.a, 8, 0, 1);
    g_assert_cmpuint(nsid, ==, 2);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_INVALID_FIELD | DNR);
    pool_stop(&p);
}

static void test_nsid_unavailable(void)
{
    Pool p;

    pool_start(&p);
    for (uint32_t i = 2; i <= 256; i++) {
        g_assert_cmpuint(ns_create(p.a, 1, 0, 0), ==, i);
    }
    g_assert_cmphex(nvme_drv_ns_create(p.a, 1, 1, 0, 0, 0, 0, NULL), ==,
                    ST_NSID_UNAVAIL | DNR);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE - 255 * 512);
    g_assert_cmphex(ns_delete(p.a, 100), ==, NVME_SUCCESS);
    g_assert_cmpuint(ns_create(p.a, 1, 0, 0), ==, 100);
    g_assert_cmphex(ns_delete(p.a, 0xffffffff), ==, NVME_SUCCESS);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE);
    pool_stop(&p);
}

static void test_events(void)
{
    Pool p;
    uint16_t aer_a, aer_b;
    uint8_t nmic;
    uint32_t nsid;
    char *s;

    pool_start(&p);
    g_assert_cmphex(nvme_drv_set_features(p.a, FID_AEC, AEC_NS_ATTR, NULL),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(p.b, FID_AEC, AEC_NS_ATTR, NULL),
                    ==, NVME_SUCCESS);
    aer_a = nvme_drv_submit_aer(p.a);
    aer_b = nvme_drv_submit_aer(p.b);

    /* creation changes no controller's active list: no event */
    nsid = ns_create(p.a, 64, 0, 1);
    g_assert_cmpuint(id_ns_nsze(p.b, NVME_ID_CNS_NS_PRESENT, nsid, NULL,
                                NULL, &nmic), ==, 64);
    g_assert_cmpuint(nmic, ==, 1);
    nvme_drv_expect_no_aer(p.a);
    nvme_drv_expect_no_aer(p.b);

    /* shared: attach to both (each gets its event), read the logs */
    attach(p.a, nsid, 0);
    attach(p.a, nsid, 1);
    nvme_drv_expect_aer(p.a, aer_a, AER_NS_CHANGED);
    nvme_drv_expect_aer(p.b, aer_b, AER_NS_CHANGED);
    s = nvme_drv_changed_ns_log(p.a);
    g_assert_cmpstr(s, ==, "2");
    g_free(s);
    s = nvme_drv_changed_ns_log(p.b);
    g_assert_cmpstr(s, ==, "2");
    g_free(s);

    /* deleting it detaches it from both: events and logs again */
    aer_a = nvme_drv_submit_aer(p.a);
    aer_b = nvme_drv_submit_aer(p.b);
    g_assert_cmphex(ns_delete(p.b, nsid), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(p.a, aer_a, AER_NS_CHANGED);
    nvme_drv_expect_aer(p.b, aer_b, AER_NS_CHANGED);
    s = nvme_drv_changed_ns_log(p.a);
    g_assert_cmpstr(s, ==, "2");
    g_free(s);
    s = nvme_drv_changed_ns_log(p.b);
    g_assert_cmpstr(s, ==, "2");
    g_free(s);

    /* deleting an unattached namespace raises nothing */
    aer_a = nvme_drv_submit_aer(p.a);
    nsid = ns_create(p.a, 64, 0, 0);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(p.a);
    s = nvme_drv_changed_ns_log(p.a);
    g_assert_cmpstr(s, ==, "");
    g_free(s);
    pool_stop(&p);
}

/* ANA log (0Ch) as "chgcnt;grpid:chgcnt:[nsid,...]|..." (read clears). */
static char *ana_log(NvmeDrv *d)
{
    g_autofree uint8_t *b = g_malloc0(4096);
    GString *s = g_string_new(NULL);
    unsigned off = 16;

    g_assert_cmphex(nvme_drv_get_log(d, LOG_ANA, 0xffffffff, 0, b, 4096),
                    ==, NVME_SUCCESS);
    g_string_append_printf(s, "%" PRIu64 ";", ldq_le_p(b));
    for (unsigned g = 0; g < lduw_le_p(b + 8); g++) {
        uint32_t nn = ldl_le_p(b + off + 4);

        g_string_append_printf(s, "%s%u:%" PRIu64 ":[", g ? "|" : "",
                               ldl_le_p(b + off), ldq_le_p(b + off + 8));
        for (unsigned i = 0; i < nn; i++) {
            g_string_append_printf(s, "%s%u", i ? "," : "",
                                   ldl_le_p(b + off + 32 + 4 * i));
        }
        g_string_append(s, "]");
        off += 32 + 4 * nn;
    }
    return g_string_free(s, false);
}

static void expect_ana(NvmeDrv *d, const char *want)
{
    g_autofree char *got = ana_log(d);

    g_assert_cmpstr(got, ==, want);
}

/*
 * Attaching a created namespace and deleting it change the NSID list of
 * its ANA group: the log's and the group's change counts advance, and
 * an ANA Change notice follows the Namespace Attribute Changed one once
 * the host has read the Changed Namespace List.
 */
static void test_ana(void)
{
    Pool p;
    uint16_t aer;
    uint32_t nsid;
    char *s;

    pool_start(&p);
    g_assert_cmphex(nvme_drv_set_features(p.a, FID_AEC,
                                          AEC_NS_ATTR | AEC_ANA, NULL),
                    ==, NVME_SUCCESS);
    expect_ana(p.a, "0;1:0:[1]");
    nsid = ns_create(p.a, 64, 0, 1);
    expect_ana(p.a, "0;1:0:[1]");       /* allocated, attached nowhere */

    aer = nvme_drv_submit_aer(p.a);
    attach(p.a, nsid, 0);
    nvme_drv_expect_aer(p.a, aer, AER_NS_CHANGED);
    aer = nvme_drv_submit_aer(p.a);
    nvme_drv_expect_no_aer(p.a);        /* notices wait for log 04h */
    s = nvme_drv_changed_ns_log(p.a);
    g_free(s);
    nvme_drv_expect_aer(p.a, aer, AER_ANA_CHANGE);
    expect_ana(p.a, "1;1:1:[1,2]");
    expect_ana(p.b, "0;1:0:[1]");

    aer = nvme_drv_submit_aer(p.a);
    g_assert_cmphex(ns_delete(p.b, nsid), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(p.a, aer, AER_NS_CHANGED);
    aer = nvme_drv_submit_aer(p.a);
    s = nvme_drv_changed_ns_log(p.a);
    g_free(s);
    nvme_drv_expect_aer(p.a, aer, AER_ANA_CHANGE);
    expect_ana(p.a, "2;1:2:[1]");
    expect_ana(p.b, "0;1:0:[1]");
    pool_stop(&p);
}

/* Format NVM on a created namespace keeps its capacity in the pool. */
static void test_format(void)
{
    Pool p;
    uint8_t lbads;
    uint32_t nsid;
    NvmeCmd cmd;

    pool_start(&p);
    nsid = ns_create(p.a, 2048, 0, 0);
    attach(p.a, nsid, 0);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, nsid);
    cmd.cdw10 = 1;                      /* LBA format 1: 4096 bytes */
    g_assert_cmphex(nvme_drv_exec(p.a, 0, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmpuint(id_ns_nsze(p.a, NVME_ID_CNS_NS, nsid, NULL, &lbads,
                                NULL), ==, 256);
    g_assert_cmpuint(lbads, ==, 12);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE - MiB);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    g_assert_cmpuint(unallocated(p.a), ==, POOL_SIZE);
    pool_stop(&p);
}

/*
 * A broadcast Format NVM erases the namespaces attached when it starts
 * and no other: one attached while it runs keeps what the host writes to
 * it.  The namespace being formatted can be neither
 * detached nor deleted until it is done (Format In Progress, no DNR).
 */
static void test_format_attach_during(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *args = NULL;
    uint8_t w[512], r[512];
    uint32_t nsid;
    uint16_t fcid;
    NvmeCmd cmd;
    NvmeCqe cqe;
    Pool p;

    p.dir = g_dir_make_tmp("nvme-pool-XXXXXX", &err);
    g_assert_no_error(err);
    /*
     * Namespace 1 is slow to erase: the block layer writes its 1 GiB of
     * zeroes in pieces that take 25 ms each, a second or two in all.
     * Namespace 2 is created before (creating one drains every drive).
     */
    args = g_strdup_printf(
        "-drive driver=null-co,size=%" PRIu64 ",latency-ns=25000000,"
        "if=none,id=d0 "
        "-device nvme-subsys,id=s0,nqn=qtest-pool,pool=%s,pool-size=%d "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        (uint64_t)1024 * MiB, p.dir, POOL_SIZE, SLOT_A, SLOT_B);
    p.a = nvme_drv_start_pair(args, SLOT_B, &p.b);
    nvme_drv_create_qpair(p.a, 1, 16);

    nsid = ns_create(p.a, 64, 0, 0);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_FORMAT_NVM, NVME_NSID_BROADCAST);
    fcid = nvme_drv_submit(p.a, 0, &cmd);
    attach(p.a, nsid, 0);
    memset(w, 0xa5, sizeof(w));
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_WRITE, nsid, 3, 1, 512, w,
                                0), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_ns_attach1(p.a, 1, NVME_NS_ATTACHMENT_DETACH,
                                        0), ==, NVME_FORMAT_IN_PROGRESS);
    g_assert_cmphex(ns_delete(p.a, 1), ==, NVME_FORMAT_IN_PROGRESS);
    nvme_drv_wait_cid(p.a, 0, fcid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, nsid, 3, 1, 512, r,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(r, sizeof(r), w, sizeof(w));
    detach(p.a, 1, 0);
    pool_stop(&p);
}

/* Deleting a namespace aborts a self-test that includes it (result 3h). */
static void test_selftest_abort(void)
{
    Pool p;
    g_autofree uint8_t *log = g_malloc0(564);
    uint32_t nsid;
    NvmeCmd cmd;

    pool_start(&p);
    nsid = ns_create(p.a, 64, 0, 0);
    attach(p.a, nsid, 0);
    nvme_drv_cmd_init(&cmd, 0x14, nsid);
    cmd.cdw10 = 2;                      /* extended device self-test */
    g_assert_cmphex(nvme_drv_exec(p.a, 0, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(p.a, 0x06, 0, 0, log, 564), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(log[0], ==, 0);            /* no test running */
    g_assert_cmphex(log[4], ==, 0x23);          /* extended, aborted: 3h */

    /* a test of another namespace is left alone */
    nsid = ns_create(p.a, 64, 0, 0);
    nvme_drv_cmd_init(&cmd, 0x14, 1);
    cmd.cdw10 = 2;
    g_assert_cmphex(nvme_drv_exec(p.a, 0, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(ns_delete(p.a, nsid), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(p.a, 0x06, 0, 0, log, 564), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(log[0], ==, 2);            /* still running */
    pool_stop(&p);
}

/* What a restart must keep: the NSID lists, Identify data of @nsids. */
static char *pool_view(Pool *p, const uint32_t *nsids, unsigned n)
{
    g_autofree uint8_t *id = g_malloc0(4096);
    GString *out = g_string_new(NULL);
    g_autofree char *all = allocated(p->a);
    g_autofree char *act_a = active(p->a);
    g_autofree char *act_b = active(p->b);

    g_string_append_printf(out, "allocated %s active %s / %s\n", all, act_a,
                           act_b);
    for (unsigned i = 0; i < n; i++) {
        g_assert_cmphex(nvme_drv_identify(p->a, NVME_ID_CNS_NS_PRESENT,
                                          nsids[i], 0, id), ==,
                        NVME_SUCCESS);
        for (unsigned j = 0; j < 4096; j++) {
            g_string_append_printf(out, "%02x", id[j]);
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_printf(out, "unallocated %" PRIu64 "\n",
                           unallocated(p->a));
    return g_string_free(out, false);
}

/* Write a state file of @len bytes of @data in @p's pool. */
static void pool_state_write(Pool *p, const void *data, size_t len)
{
    g_autofree char *f = g_build_filename(p->dir, "nvme-pool.state", NULL);

    g_assert_true(g_file_set_contents(f, data, len, NULL));
}

/*
 * A restart: created namespaces come back from the pool's state file with
 * their NSIDs, identifiers, formats, attachments, data and Write
 * Uncorrectable marks; a deleted one stays deleted.  A damaged or foreign
 * state file stops QEMU at start with a message.
 */
static void test_restart(void)
{
    static const uint32_t nsids[] = { 2, 3 };
    g_autofree char *path = NULL, *state = NULL;
    g_autofree char *before = NULL, *after = NULL, *args = NULL;
    g_autofree char *bad = NULL;
    g_auto(GStrv) parts = NULL;
    uint8_t wbuf[512], rbuf[512];
    gsize len;
    NvmeCmd cmd;
    Pool p;

    pool_start(&p);
    nvme_drv_create_qpair(p.a, 1, 16);
    g_assert_cmpuint(ns_create(p.a, 2048, 0, 0), ==, 2);    /* private */
    g_assert_cmpuint(ns_create(p.a, 256, 1, 1), ==, 3);     /* shared, 4K */
    g_assert_cmpuint(ns_create(p.a, 64, 0, 0), ==, 4);
    attach(p.a, 2, 0);
    attach(p.a, 3, 0);
    attach(p.a, 3, 1);
    attach(p.a, 4, 1);
    g_assert_cmphex(ns_delete(p.a, 4), ==, NVME_SUCCESS);
    memset(wbuf, 0x5a, sizeof(wbuf));
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_WRITE, 2, 7, 1, 512, wbuf,
                                0), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE_UNCOR, 2);
    cmd.cdw10 = 20;
    cmd.cdw12 = 3;                      /* 4 blocks: 20..23 */
    g_assert_cmphex(nvme_drv_exec(p.a, 1, &cmd, NULL), ==, NVME_SUCCESS);
    before = pool_view(&p, nsids, ARRAY_SIZE(nsids));

    pool_restart(&p);
    nvme_drv_create_qpair(p.a, 1, 16);
    after = pool_view(&p, nsids, ARRAY_SIZE(nsids));
    g_assert_cmpstr(after, ==, before);
    g_assert_false(image_exists(&p, 4));
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 7, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);
    g_assert_cmpmem(rbuf, 512, wbuf, 512);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 23, 1, 512, rbuf,
                                0), ==, NVME_UNRECOVERED_READ | DNR);
    g_assert_cmphex(nvme_drv_rw(p.a, 1, NVME_CMD_READ, 2, 24, 1, 512, rbuf,
                                0), ==, NVME_SUCCESS);

    /* a damaged, a foreign state file: QEMU does not start */
    nvme_drv_stop_peer(p.b);
    nvme_drv_stop(p.a);
    path = g_build_filename(p.dir, "nvme-pool.state", NULL);
    g_assert_true(g_file_get_contents(path, &state, &len, NULL));
    args = pool_args(&p);
    parts = g_strsplit(args, "@IMG@", -1);      /* the subsystem fails first */
    bad = g_strjoinv("/dev/null", parts);
    pool_state_write(&p, state, len - 9);
    nvme_drv_start_fails(bad, "is damaged");
    state[len / 2] ^= 0x10;
    pool_state_write(&p, state, len);
    nvme_drv_start_fails(bad, "is damaged");
    state[len / 2] ^= 0x10;
    pool_state_write(&p, "not a state file", 16);
    nvme_drv_start_fails(bad, "is not this kind of state file");
    pool_state_write(&p, state, len);
    p.a = nvme_drv_start_pair(args, SLOT_B, &p.b);
    pool_stop(&p);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/nsmgmt/identify", test_identify);
    qtest_add_func("/nvme/nsmgmt/lifecycle", test_lifecycle);
    qtest_add_func("/nvme/nsmgmt/restart", test_restart);
    qtest_add_func("/nvme/nsmgmt/delete-all-cmdline",
                   test_delete_all_cmdline);
    qtest_add_func("/nvme/nsmgmt/capacity", test_capacity);
    qtest_add_func("/nvme/nsmgmt/errors", test_errors);
    qtest_add_func("/nvme/nsmgmt/nsid-unavailable", test_nsid_unavailable);
    qtest_add_func("/nvme/nsmgmt/events", test_events);
    qtest_add_func("/nvme/nsmgmt/ana", test_ana);
    qtest_add_func("/nvme/nsmgmt/format", test_format);
    qtest_add_func("/nvme/nsmgmt/format-attach-during",
                   test_format_attach_during);
    qtest_add_func("/nvme/nsmgmt/selftest-abort", test_selftest_abort);
    return g_test_run();
}

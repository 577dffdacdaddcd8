/*
 * qtest: NVMe admin command set (Identify, queue management, features,
 * log pages, asynchronous events, Abort, Keep Alive).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define NN  256
#define MAX_IOQPAIRS 64
#define MSIX_QSIZE 65
#define AERL 3
#define ERR_ENTRIES 64

static NvmeDrv *start(void)
{
    return nvme_drv_start_ready(NULL);
}

static uint16_t admin_raw(NvmeDrv *d, NvmeCmd *cmd, NvmeCqe *cqe)
{
    return nvme_drv_exec(d, 0, cmd, cqe);
}

/* ---------------------------------------------------------------- */
/* Identify                                                          */

static void test_identify_ctrl(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    char sn[21];

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(id->vid), ==, 0x1b36);
    g_assert_cmphex(le16_to_cpu(id->ssvid), ==,
                    qpci_config_readw(d->pdev, PCI_SUBSYSTEM_VENDOR_ID));
    memcpy(sn, id->sn, 20);
    sn[20] = 0;
    g_assert_cmpstr(sn, ==, "qtest-nvme          ");
    g_assert_cmpuint(id->mn[0], !=, 0);
    g_assert_cmpuint(id->mn[0], !=, ' ');
    g_assert_cmpuint(id->fr[0], !=, 0);
    g_assert_cmpuint(id->mdts, ==, 7);
    g_assert_cmphex(le32_to_cpu(id->ver), ==, 0x00020000);
    g_assert_cmpuint(id->cntrltype, ==, 1);         /* I/O controller */
    g_assert_cmpuint(id->aerl, ==, AERL);
    g_assert_cmpuint(id->elpe, ==, ERR_ENTRIES - 1);
    g_assert_cmpuint(id->npss, ==, 0);
    g_assert_cmpuint(le16_to_cpu(id->wctemp), ==, 343);
    g_assert_cmpuint(le16_to_cpu(id->cctemp), ==, 358);
    g_assert_cmphex(id->sqes, ==, 0x66);
    g_assert_cmphex(id->cqes, ==, 0x44);
    g_assert_cmpuint(le32_to_cpu(id->nn), ==, NN);
    /* 1.4 and later require an NQN; SGLs (no alignment, bit bucket, MPTR) */
    g_assert_cmpuint(id->subnqn[0], !=, 0);
    g_assert_cmphex(le32_to_cpu(id->sgls), ==, 0x000f0001);
    g_assert_cmphex(le16_to_cpu(id->fuses), ==, 1);   /* Compare and Write */
    /* Get LBA Status (nvme-nvm-test checks the command) */
    g_assert_cmphex(le16_to_cpu(id->oacs) & (1 << 9), ==, 1 << 9);
    /* Identify with CNS 01h ignores NSID */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0xffffffff, 0,
                                      NULL), ==, NVME_SUCCESS);
    g_free(id);
    nvme_drv_stop(d);
}

static void test_identify_ns(void)
{
    NvmeDrv *d = start();
    NvmeIdNs *ns = g_malloc0(4096);
    uint8_t *zero = g_malloc0(4096);
    uint64_t nblocks = NVME_DRV_IMG_SIZE / 512;
    uint8_t fmt;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, nblocks);
    g_assert_cmpuint(le64_to_cpu(ns->ncap), ==, nblocks);
    g_assert_cmpuint(le64_to_cpu(ns->nuse), <=, nblocks);
    fmt = ns->flbas & 0xf;
    g_assert_cmpuint(fmt, <=, ns->nlbaf);
    g_assert_cmpuint(ns->lbaf[fmt].ds, ==, 9);
    g_assert_cmpuint(le16_to_cpu(ns->lbaf[fmt].ms), ==, 0);

    /* inactive but valid NSID: zero-filled */
    memset(ns, 0xaa, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 2, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(ns, 4096, zero, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, NN, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(ns, 4096, zero, 4096);

    /* invalid NSIDs */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 0, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, NN + 1, 0, NULL),
                    ==, NVME_INVALID_NSID | DNR);
    g_free(ns);
    g_free(zero);
    nvme_drv_stop(d);
}

static void test_identify_active_list(void)
{
    NvmeDrv *d = start();
    uint32_t *list = g_malloc0(4096);
    int i;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, 0,
                                      list), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    for (i = 1; i < 1024; i++) {
        g_assert_cmpuint(list[i], ==, 0);
    }
    /* only NSIDs greater than the given one */
    memset(list, 0xaa, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 1, 0,
                                      list), ==, NVME_SUCCESS);
    g_assert_cmpuint(list[0], ==, 0);
    /* FFFFFFFEh and FFFFFFFFh are invalid here */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST,
                                      0xfffffffe, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST,
                                      0xffffffff, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);

    /* CNS 07h, CSI NVM: same list */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0, 0,
                                      list), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 1);
    g_assert_cmpuint(list[1], ==, 0);
    g_free(list);
    nvme_drv_stop(d);
}

/* Several namespaces through nvme-ns devices. */
static void test_identify_multi_ns(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-drive file=@IMG@,if=none,id=d1,format=raw,file.locking=off "
        "-device nvme,id=c0,serial=qtest-nvme "
        "-device nvme-ns,bus=c0,drive=d0,nsid=3 "
        "-device nvme-ns,bus=c0,drive=d1,nsid=7");
    uint32_t *list = g_malloc0(4096);
    NvmeIdNs *ns = g_malloc0(4096);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 16, 16);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 0, 0,
                                      list), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 3);
    g_assert_cmpuint(le32_to_cpu(list[1]), ==, 7);
    g_assert_cmpuint(list[2], ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_ACTIVE_LIST, 3, 0,
                                      list), ==, NVME_SUCCESS);
    g_assert_cmpuint(le32_to_cpu(list[0]), ==, 7);
    g_assert_cmpuint(list[1], ==, 0);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 7, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(ns->nsze), ==, NVME_DRV_IMG_SIZE / 512);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ns->nsze, ==, 0);
    g_free(list);
    g_free(ns);
    nvme_drv_stop(d);
}

static void test_identify_ns_descriptors(void)
{
    NvmeDrv *d = start();
    uint8_t *buf = g_malloc0(4096);
    size_t off = 0;
    int count = 0;
    bool seen[256] = { false };

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_DESCR_LIST, 1, 0,
                                      buf), ==, NVME_SUCCESS);
    while (off + 4 <= 4096 && buf[off] != 0) {
        uint8_t nidt = buf[off], nidl = buf[off + 1];

        g_assert_cmpuint(nidt, >=, 1);
        g_assert_cmpuint(nidt, <=, 4);
        g_assert_false(seen[nidt]);
        seen[nidt] = true;
        switch (nidt) {
        case 1:
            g_assert_cmpuint(nidl, ==, NVME_NIDL_EUI64);
            break;
        case 2:
            g_assert_cmpuint(nidl, ==, NVME_NIDL_NGUID);
            break;
        case 3:
            g_assert_cmpuint(nidl, ==, NVME_NIDL_UUID);
            break;
        case 4:
            g_assert_cmpuint(nidl, ==, NVME_NIDL_CSI);
            g_assert_cmpuint(buf[off + 4], ==, 0);      /* NVM */
            break;
        }
        off += 4 + nidl;
        count++;
    }
    g_assert_cmpint(count, >=, 1);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_DESCR_LIST, 0, 0,
                                      NULL), ==, NVME_INVALID_NSID | DNR);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS_DESCR_LIST, NN + 1,
                                      0, NULL), ==, NVME_INVALID_NSID | DNR);
    g_free(buf);
    nvme_drv_stop(d);
}

static void test_identify_csi(void)
{
    NvmeDrv *d = start();
    uint8_t *buf = g_malloc0(4096);
    uint8_t *zero = g_malloc0(4096);

    /* CNS 05h: NVM command set specific namespace data */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS, 1, 0, buf), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS, 2, 0, buf), ==,
                    NVME_SUCCESS);
    g_assert_cmpmem(buf, 4096, zero, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS, 0, 0, NULL), ==,
                    NVME_INVALID_NSID | DNR);
    /* Zoned data of a namespace that is not zoned (nvme-zns-test) */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS, 1, 2, NULL), ==,
                    NVME_INVALID_FIELD | DNR);

    /* CNS 06h: NVM command set specific controller data; Zoned: ZASL */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0, 0, buf), ==,
                    NVME_SUCCESS);
    if (nvme_drv_part_off("NVME_ZNS")) {
        /* a build without the Zoned Namespace Command Set */
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0, 2, NULL),
                        ==, NVME_INVALID_FIELD | DNR);
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0,
                                          2, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    } else {
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0, 2, buf),
                        ==, NVME_SUCCESS);
        g_assert_cmpuint(buf[0], ==, 7);        /* ZASL 0: MDTS */
        g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0,
                                          2, buf), ==, NVME_SUCCESS);
        g_assert_cmpmem(buf, 4096, zero, 4096);
    }
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_CTRL, 0, 1, NULL), ==,
                    NVME_INVALID_FIELD | DNR);

    /* CNS 07h: no zoned namespace (above); an unknown CSI */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_NS_ACTIVE_LIST, 0, 1,
                                      NULL), ==, NVME_INVALID_FIELD | DNR);

    /* CNS 08h: command set independent namespace data */
    memset(buf, 0, 4096);
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_IND_NS, 1, 0, buf),
                    ==, NVME_SUCCESS);
    g_assert_cmpuint(((NvmeIdNsInd *)buf)->nstat & 1, ==, 1);   /* ready */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CS_IND_NS, 0, 0, NULL),
                    ==, NVME_INVALID_NSID | DNR);
    g_free(buf);
    g_free(zero);
    nvme_drv_stop(d);
}

static void test_identify_bad_cns(void)
{
    NvmeDrv *d = start();
    static const uint8_t bad[] = { 0x04, 0x09, 0x14, 0x15, 0x17, 0x7f, 0xff };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(bad); i++) {
        g_assert_cmphex(nvme_drv_identify(d, bad[i], 0, 0, NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    nvme_drv_stop(d);
}

/* Data buffer starting mid-page: PRP1 with offset plus PRP2. */
static void test_identify_prp_offset(void)
{
    NvmeDrv *d = start();
    uint8_t *a = g_malloc0(4096), *b = g_malloc0(4096);
    uint64_t buf = nvme_drv_alloc(d, 3 * 4096);
    NvmeCmd cmd;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, a), ==,
                    NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    cmd.dptr.prp1 = buf + 0x804;
    cmd.dptr.prp2 = buf + 0x1000;
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_memread(d, buf + 0x804, b, 4096);
    g_assert_cmpmem(a, 4096, b, 4096);
    /* bytes before the buffer untouched */
    g_assert_cmpuint(qtest_readl(d->qts, buf + 0x800), ==, 0);

    /* PRP2 with an offset is invalid */
    cmd.dptr.prp2 = buf + 0x1800;
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==,
                    NVME_INVALID_PRP_OFFSET | DNR);
    g_free(a);
    g_free(b);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* queue management                                                  */

static void test_create_cq_errors(void)
{
    NvmeDrv *d = start();
    uint16_t mqes = NVME_CAP_MQES(d->cap);
    uint64_t mem = nvme_drv_alloc(d, 64 * 1024);
    const uint16_t pc_ien = NVME_CQ_PC | NVME_CQ_IEN;

    g_assert_cmphex(nvme_drv_create_cq_raw(d, 0, 15, pc_ien, 1, mem), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, MAX_IOQPAIRS + 1, 15, pc_ien,
                                           1, mem), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 0xffff, 15, pc_ien, 1, mem),
                    ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 0, pc_ien, 1, mem), ==,
                    NVME_MAX_QSIZE_EXCEEDED | DNR);
    if (mqes < 0xffff) {
        g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, mqes + 1, pc_ien, 1, mem),
                        ==, NVME_MAX_QSIZE_EXCEEDED | DNR);
    }
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, NVME_CQ_IEN, 1, mem), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, pc_ien, 1, mem + 0x200),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, pc_ien, MSIX_QSIZE, mem),
                    ==, NVME_INVALID_IRQ_VECTOR | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, pc_ien, 0xffff, mem), ==,
                    NVME_INVALID_IRQ_VECTOR | DNR);

    /* boundary values that are fine */
    g_assert_cmphex(nvme_drv_create_cq_raw(d, MAX_IOQPAIRS, 1, pc_ien,
                                           MSIX_QSIZE - 1, mem), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, pc_ien, 1, mem + 0x1000),
                    ==, NVME_SUCCESS);
    /* in use */
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 15, pc_ien, 1, mem + 0x2000),
                    ==, NVME_INVALID_QID | DNR);
    nvme_drv_stop(d);
}

static void test_create_cq_max_size(void)
{
    NvmeDrv *d = nvme_drv_start("mqes=63", NULL);
    uint64_t mem;

    nvme_drv_enable(d, 8, 8);
    mem = nvme_drv_alloc(d, 64 * 16);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 64, NVME_CQ_PC, 0, mem), ==,
                    NVME_MAX_QSIZE_EXCEEDED | DNR);
    g_assert_cmphex(nvme_drv_create_cq_raw(d, 1, 63, NVME_CQ_PC, 0, mem), ==,
                    NVME_SUCCESS);
    mem = nvme_drv_alloc(d, 64 * 64);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 64, NVME_SQ_PC, 1, mem), ==,
                    NVME_MAX_QSIZE_EXCEEDED | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 63, NVME_SQ_PC, 1, mem), ==,
                    NVME_SUCCESS);
    nvme_drv_stop(d);
}

static void test_create_sq_errors(void)
{
    NvmeDrv *d = start();
    uint16_t mqes = NVME_CAP_MQES(d->cap);
    uint64_t mem = nvme_drv_alloc(d, 64 * 1024);

    g_assert_cmphex(nvme_drv_create_cq(d, 1, 16, 1, true), ==, NVME_SUCCESS);

    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC, 0, mem), ==,
                    NVME_INVALID_CQID | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC, 2, mem), ==,
                    NVME_INVALID_CQID | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC,
                                           MAX_IOQPAIRS + 1, mem), ==,
                    NVME_INVALID_CQID | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 0, 15, NVME_SQ_PC, 1, mem), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, MAX_IOQPAIRS + 1, 15,
                                           NVME_SQ_PC, 1, mem), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 0, NVME_SQ_PC, 1, mem), ==,
                    NVME_MAX_QSIZE_EXCEEDED | DNR);
    if (mqes < 0xffff) {
        g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, mqes + 1, NVME_SQ_PC, 1,
                                               mem), ==,
                        NVME_MAX_QSIZE_EXCEEDED | DNR);
    }
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, 0, 1, mem), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC, 1, mem + 0x40),
                    ==, NVME_INVALID_FIELD | DNR);

    /* fine, with any priority; then in use */
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC |
                                           (NVME_SQ_PRIO_LOW << 1), 1, mem),
                    ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 1, 15, NVME_SQ_PC, 1,
                                           mem + 0x1000), ==,
                    NVME_INVALID_QID | DNR);
    /* several SQs may share one CQ */
    g_assert_cmphex(nvme_drv_create_sq_raw(d, 2, 15, NVME_SQ_PC, 1,
                                           mem + 0x2000), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

static void test_delete_queues(void)
{
    NvmeDrv *d = start();

    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(nvme_drv_create_sq(d, 2, 1, 16), ==, NVME_SUCCESS);

    g_assert_cmphex(nvme_drv_delete_sq(d, 0), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_sq(d, 3), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_sq(d, MAX_IOQPAIRS + 1), ==,
                    NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(d, 0), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(d, 2), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(d, 0xffff), ==, NVME_INVALID_QID | DNR);

    /* CQ with SQs attached */
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==,
                    NVME_INVALID_QUEUE_DEL | DNR);
    g_assert_cmphex(nvme_drv_delete_sq(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==,
                    NVME_INVALID_QUEUE_DEL | DNR);
    g_assert_cmphex(nvme_drv_delete_sq(d, 2), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_sq(d, 2), ==, NVME_INVALID_QID | DNR);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_delete_cq(d, 1), ==, NVME_INVALID_QID | DNR);

    /* ids are free again */
    nvme_drv_create_qpair(d, 1, 8);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* features                                                          */

static uint32_t get_feat(NvmeDrv *d, uint8_t fid, uint32_t cdw11)
{
    uint32_t dw0 = 0xdeadbeef;

    g_assert_cmphex(nvme_drv_get_features(d, fid, NVME_GETFEAT_SELECT_CURRENT,
                                          cdw11, &dw0), ==, NVME_SUCCESS);
    return dw0;
}

static void set_feat_ok(NvmeDrv *d, uint8_t fid, uint32_t cdw11)
{
    g_assert_cmphex(nvme_drv_set_features(d, fid, cdw11, NULL), ==,
                    NVME_SUCCESS);
}

static void test_feat_arbitration(void)
{
    NvmeDrv *d = start();
    uint32_t v = 0x30201003;    /* HPW 30h, MPW 20h, LPW 10h, AB 3 */

    set_feat_ok(d, NVME_ARBITRATION, v);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 0), ==, v);
    set_feat_ok(d, NVME_ARBITRATION, NVME_ARB_AB_NOLIMIT);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 0), ==, NVME_ARB_AB_NOLIMIT);
    nvme_drv_stop(d);
}

static void test_feat_power_mgmt(void)
{
    NvmeDrv *d = start();

    g_assert_cmphex(get_feat(d, NVME_POWER_MANAGEMENT, 0), ==, 0);
    set_feat_ok(d, NVME_POWER_MANAGEMENT, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_POWER_MANAGEMENT, 1, NULL),
                    ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_POWER_MANAGEMENT, 0x1f,
                                          NULL), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(get_feat(d, NVME_POWER_MANAGEMENT, 0) & 0x1f, ==, 0);
    nvme_drv_stop(d);
}

static void test_feat_temperature(void)
{
    NvmeDrv *d = start();
    const uint32_t under = 1 << 20;

    /* defaults: over = WCTEMP, under = 0 */
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 0) & 0xffff, ==,
                    343);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, under) & 0xffff,
                    ==, 0);
    set_feat_ok(d, NVME_TEMPERATURE_THRESHOLD, 350);
    set_feat_ok(d, NVME_TEMPERATURE_THRESHOLD, under | 200);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, 0) & 0xffff, ==,
                    350);
    g_assert_cmphex(get_feat(d, NVME_TEMPERATURE_THRESHOLD, under) & 0xffff,
                    ==, 200);
    /* THSEL 2/3 reserved */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_TEMPERATURE_THRESHOLD,
                                          (2 << 20) | 300, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_TEMPERATURE_THRESHOLD, 0,
                                          3 << 20, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

/* Get/Set Features naming a namespace. */
static uint16_t feat_ns(NvmeDrv *d, uint8_t opcode, uint8_t fid,
                        uint8_t sel, uint32_t nsid, uint32_t cdw11,
                        uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, opcode, nsid);
    cmd.cdw10 = fid | ((uint32_t)sel << NVME_GETFEAT_SELECT_SHIFT);
    cmd.cdw11 = cdw11;
    st = admin_raw(d, &cmd, &cqe);
    if (dw0) {
        *dw0 = cqe.result;
    }
    return st;
}

/* Error Recovery (TLER; DULBE only with namespace support). */
static void test_feat_error_recovery(void)
{
    NvmeDrv *d = start();
    NvmeIdNs *ns = g_malloc0(4096);
    uint32_t dw0;

    g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_SET_FEATURES,
                            NVME_ERROR_RECOVERY, 0, 1, 0x20, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_GET_FEATURES,
                            NVME_ERROR_RECOVERY, 0, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0 & 0xffff, ==, 0x20);
    g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_SET_FEATURES,
                            NVME_ERROR_RECOVERY, 0, 1, 0, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_GET_FEATURES,
                            NVME_ERROR_RECOVERY, 0, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0 & 0xffff, ==, 0);
    /* DULBE needs namespace support (NSFEAT bit 2) */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_NS, 1, 0, ns), ==,
                    NVME_SUCCESS);
    if (!(ns->nsfeat & 4)) {
        g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_SET_FEATURES,
                                NVME_ERROR_RECOVERY, 0, 1, 1 << 16, NULL),
                        ==, NVME_INVALID_FIELD | DNR);
    }
    g_free(ns);
    nvme_drv_stop(d);
}

static void test_feat_write_cache(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    if (id->vwc & NVME_VWC_PRESENT) {
        set_feat_ok(d, NVME_VOLATILE_WRITE_CACHE, 0);
        g_assert_cmphex(get_feat(d, NVME_VOLATILE_WRITE_CACHE, 0), ==, 0);
        set_feat_ok(d, NVME_VOLATILE_WRITE_CACHE, 1);
        g_assert_cmphex(get_feat(d, NVME_VOLATILE_WRITE_CACHE, 0), ==, 1);
    } else {
        g_assert_cmphex(nvme_drv_set_features(d, NVME_VOLATILE_WRITE_CACHE, 1,
                                              NULL), ==,
                        NVME_INVALID_FIELD | DNR);
    }
    g_free(id);
    nvme_drv_stop(d);
}

static void test_feat_num_queues(void)
{
    NvmeDrv *d = start();
    uint32_t dw0;
    const uint32_t max = MAX_IOQPAIRS - 1;

    g_assert_cmphex(get_feat(d, NVME_NUMBER_OF_QUEUES, 0), ==,
                    (max << 16) | max);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          0xffff0003, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          0x0003ffff, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          (5 << 16) | 3, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, (5 << 16) | 3);
    g_assert_cmphex(get_feat(d, NVME_NUMBER_OF_QUEUES, 0), ==, dw0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          0xfffefffe, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, (max << 16) | max);

    /* once an I/O queue exists it is too late */
    g_assert_cmphex(nvme_drv_create_cq(d, 1, 8, 1, true), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_NUMBER_OF_QUEUES,
                                          (1 << 16) | 1, NULL), ==,
                    NVME_CMD_SEQ_ERROR | DNR);
    nvme_drv_stop(d);
}

static void test_feat_int_coalescing(void)
{
    NvmeDrv *d = start();

    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0), ==, 0);
    set_feat_ok(d, NVME_INTERRUPT_COALESCING, 0x0a05);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0), ==, 0x0a05);
    nvme_drv_stop(d);
}

static void test_feat_iv_config(void)
{
    NvmeDrv *d = start();

    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_VECTOR_CONF, 5), ==, 5);
    set_feat_ok(d, NVME_INTERRUPT_VECTOR_CONF, NVME_INTVC_NOCOALESCING | 5);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_VECTOR_CONF, 5), ==,
                    NVME_INTVC_NOCOALESCING | 5);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_VECTOR_CONF, 6), ==, 6);
    set_feat_ok(d, NVME_INTERRUPT_VECTOR_CONF, 5);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_VECTOR_CONF, 5), ==, 5);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_INTERRUPT_VECTOR_CONF,
                                          MSIX_QSIZE, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_INTERRUPT_VECTOR_CONF, 0,
                                          MSIX_QSIZE, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_stop(d);
}

static void test_feat_async_event_config(void)
{
    NvmeDrv *d = start();

    set_feat_ok(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0x1f);
    g_assert_cmphex(get_feat(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0) & 0xff, ==,
                    0x1f);
    set_feat_ok(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0x2);
    g_assert_cmphex(get_feat(d, NVME_ASYNCHRONOUS_EVENT_CONF, 0) & 0xff, ==,
                    0x2);
    nvme_drv_stop(d);
}

static uint16_t timestamp_cmd(NvmeDrv *d, uint8_t opcode, uint8_t ts[8])
{
    uint64_t buf = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, opcode, 0);
    cmd.cdw10 = NVME_TIMESTAMP;
    cmd.dptr.prp1 = buf;
    if (opcode == NVME_ADM_CMD_SET_FEATURES) {
        nvme_drv_memwrite(d, buf, ts, 8);
    }
    st = admin_raw(d, &cmd, NULL);
    if (opcode == NVME_ADM_CMD_GET_FEATURES) {
        nvme_drv_memread(d, buf, ts, 8);
    }
    return st;
}

static uint64_t ts_value(const uint8_t ts[8])
{
    uint64_t v = 0;
    int i;

    for (i = 5; i >= 0; i--) {
        v = (v << 8) | ts[i];
    }
    return v;
}

static void test_feat_timestamp(void)
{
    NvmeDrv *d = start();
    uint8_t ts[8] = { 0 };
    const uint64_t set = 0x0123456789aULL;
    uint64_t got;
    int i;

    for (i = 0; i < 6; i++) {
        ts[i] = set >> (8 * i);
    }
    g_assert_cmphex(timestamp_cmd(d, NVME_ADM_CMD_SET_FEATURES, ts), ==,
                    NVME_SUCCESS);
    memset(ts, 0, sizeof(ts));
    g_assert_cmphex(timestamp_cmd(d, NVME_ADM_CMD_GET_FEATURES, ts), ==,
                    NVME_SUCCESS);
    got = ts_value(ts);
    g_assert_cmpuint(got, >=, set);
    g_assert_cmpuint(got, <, set + 1000);
    g_assert_cmphex((ts[6] >> 1) & 7, ==, 1);      /* origin: set by host */

    /* the controller counts milliseconds of (virtual) time */
    qtest_clock_step(d->qts, 5000 * 1000000LL);
    g_assert_cmphex(timestamp_cmd(d, NVME_ADM_CMD_GET_FEATURES, ts), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(ts_value(ts), >=, set + 5000);
    g_assert_cmpuint(ts_value(ts), <, set + 6000);
    nvme_drv_stop(d);
}

static void test_feat_keep_alive(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    NvmeCmd cmd;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_DRV_ADM_KEEP_ALIVE, 0);
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(get_feat(d, NVME_DRV_FID_KATO, 0), ==, 0);
    if (le16_to_cpu(id->kas)) {
        uint32_t gran = le16_to_cpu(id->kas) * 100;

        set_feat_ok(d, NVME_DRV_FID_KATO, 10 * gran);
        g_assert_cmphex(get_feat(d, NVME_DRV_FID_KATO, 0), ==, 10 * gran);
        /* rounded up to the granularity */
        set_feat_ok(d, NVME_DRV_FID_KATO, 10 * gran + 1);
        g_assert_cmphex(get_feat(d, NVME_DRV_FID_KATO, 0), ==, 11 * gran);
        set_feat_ok(d, NVME_DRV_FID_KATO, 0);
    }
    nvme_drv_cmd_init(&cmd, NVME_DRV_ADM_KEEP_ALIVE, 0);
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_SUCCESS);
    g_free(id);
    nvme_drv_stop(d);
}

/* An expired Keep Alive Timer is a fatal controller status (1.4 7.12). */
static void test_keep_alive_expiry(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    NvmeCmd cmd;
    uint32_t kato;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    if (!le16_to_cpu(id->kas)) {
        g_test_skip("Keep Alive not supported (KAS = 0)");
        goto out;
    }
    kato = le16_to_cpu(id->kas) * 100 * 10;
    set_feat_ok(d, NVME_DRV_FID_KATO, kato);
    qtest_clock_step(d->qts, (kato / 2) * 1000000LL);
    nvme_drv_cmd_init(&cmd, NVME_DRV_ADM_KEEP_ALIVE, 0);
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_SUCCESS);
    qtest_clock_step(d->qts, (kato * 3 / 4) * 1000000LL);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_FAILED, ==, 0);
    qtest_clock_step(d->qts, (kato * 2) * 1000000LL);
    g_assert_cmphex(nvme_drv_rd32(d, NVME_REG_CSTS) & NVME_CSTS_FAILED, ==,
                    NVME_CSTS_FAILED);
out:
    g_free(id);
    nvme_drv_stop(d);
}

static void test_feat_select_and_errors(void)
{
    NvmeDrv *d = start();
    NvmeIdCtrl *id = g_malloc0(4096);
    static const uint8_t fids[] = {
        NVME_ARBITRATION, NVME_POWER_MANAGEMENT, NVME_TEMPERATURE_THRESHOLD,
        NVME_NUMBER_OF_QUEUES,
        NVME_INTERRUPT_COALESCING, NVME_INTERRUPT_VECTOR_CONF,
        NVME_ASYNCHRONOUS_EVENT_CONF, NVME_TIMESTAMP, NVME_DRV_FID_KATO,
    };
    uint32_t dw0, cur, def;
    bool saveable;
    size_t i;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    saveable = le16_to_cpu(id->oncs) & NVME_ONCS_FEATURES;
    for (i = 0; i < ARRAY_SIZE(fids); i++) {
        g_assert_cmphex(nvme_drv_get_features(d, fids[i],
                                              NVME_GETFEAT_SELECT_CAP, 1,
                                              &dw0), ==, NVME_SUCCESS);
        g_assert_cmphex(dw0 & NVME_FEAT_CAP_CHANGE, ==, NVME_FEAT_CAP_CHANGE);
        if (!saveable) {
            g_assert_cmphex(dw0 & NVME_FEAT_CAP_SAVE, ==, 0);
        }
        g_assert_cmphex(dw0 & ~7u, ==, 0);
    }
    g_assert_cmphex(feat_ns(d, NVME_ADM_CMD_GET_FEATURES,
                            NVME_ERROR_RECOVERY, NVME_GETFEAT_SELECT_CAP, 1,
                            0, &dw0), ==, NVME_SUCCESS);
    g_assert_cmphex(dw0 & NVME_FEAT_CAP_CHANGE, ==, NVME_FEAT_CAP_CHANGE);
    /* controller-wide features are not namespace specific */
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ARBITRATION,
                                          NVME_GETFEAT_SELECT_CAP, 1,
                                          &dw0), ==, NVME_SUCCESS);
    g_assert_cmphex(dw0 & NVME_FEAT_CAP_NS, ==, 0);

    /* SEL=default keeps reporting the default after a change */
    g_assert_cmphex(nvme_drv_get_features(d, NVME_INTERRUPT_COALESCING,
                                          NVME_GETFEAT_SELECT_DEFAULT, 0,
                                          &def), ==, NVME_SUCCESS);
    set_feat_ok(d, NVME_INTERRUPT_COALESCING, 0x0102);
    cur = get_feat(d, NVME_INTERRUPT_COALESCING, 0);
    g_assert_cmphex(cur, ==, 0x0102);
    g_assert_cmphex(nvme_drv_get_features(d, NVME_INTERRUPT_COALESCING,
                                          NVME_GETFEAT_SELECT_DEFAULT, 0,
                                          &dw0), ==, NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, def);
    if (!saveable) {
        /* no saved values: SEL=saved reports the default */
        g_assert_cmphex(nvme_drv_get_features(d, NVME_INTERRUPT_COALESCING,
                                              NVME_GETFEAT_SELECT_SAVED, 0,
                                              &dw0), ==, NVME_SUCCESS);
        g_assert_cmphex(dw0, ==, def);
    }
    /*
     * Save bit for a feature that is not saveable: Feature Identifier Not
     * Saveable (NVMe 1.4 5.21, Set Features)
     */
    if (!saveable) {
        NvmeCmd cmd;

        nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
        cmd.cdw10 = NVME_INTERRUPT_COALESCING | (1u << 31);
        cmd.cdw11 = 0x0101;
        g_assert_cmphex(admin_raw(d, &cmd, NULL) & ~DNR, ==,
                        NVME_FID_NOT_SAVEABLE);
        g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0), ==, cur);
    }
    /* reserved SEL values */
    g_assert_cmphex(nvme_drv_get_features(d, NVME_ARBITRATION, 4, 0, NULL),
                    ==, NVME_INVALID_FIELD | DNR);

    /* unsupported feature identifiers */
    g_assert_cmphex(nvme_drv_get_features(d, 0x00, 0, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_features(d, 0x7d, 0, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, 0x7d, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_set_features(d, 0xff, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    g_free(id);
    nvme_drv_stop(d);
}

/* Feature values go back to their defaults on a controller reset. */
static void test_feat_reset(void)
{
    NvmeDrv *d = start();

    set_feat_ok(d, NVME_INTERRUPT_COALESCING, 0x0303);
    set_feat_ok(d, NVME_ARBITRATION, 0x5);
    nvme_drv_disable(d);
    nvme_drv_enable(d, 16, 16);
    g_assert_cmphex(get_feat(d, NVME_INTERRUPT_COALESCING, 0), ==, 0);
    g_assert_cmphex(get_feat(d, NVME_ARBITRATION, 0) & 7, !=, 5);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* log pages                                                         */

static void test_log_error(void)
{
    NvmeDrv *d = start();
    NvmeErrorLog *log = g_malloc0(ERR_ENTRIES * sizeof(NvmeErrorLog));
    NvmeErrorLog one;
    NvmeCmd cmd;
    NvmeCqe cqe1, cqe2;
    int i;

    /* empty at start */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                     4096), ==, NVME_SUCCESS);
    for (i = 0; i < ERR_ENTRIES; i++) {
        g_assert_cmpuint(log[i].error_count, ==, 0);
    }

    nvme_drv_cmd_init(&cmd, 0x03, 0);           /* reserved opcode */
    g_assert_cmphex(admin_raw(d, &cmd, &cqe1), ==, NVME_INVALID_OPCODE | DNR);
    g_assert_cmphex(nvme_drv_identify(d, 0x7f, 0, 0, NULL), ==,
                    NVME_INVALID_FIELD | DNR);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    g_assert_cmphex(admin_raw(d, &cmd, &cqe2), ==, NVME_INVALID_NSID | DNR);

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                     4096), ==, NVME_SUCCESS);
    /* newest first */
    g_assert_cmpuint(le64_to_cpu(log[0].error_count), ==, 3);
    g_assert_cmpuint(le64_to_cpu(log[1].error_count), ==, 2);
    g_assert_cmpuint(le64_to_cpu(log[2].error_count), ==, 1);
    g_assert_cmpuint(log[3].error_count, ==, 0);
    g_assert_cmpuint(le16_to_cpu(log[0].sqid), ==, 0);
    g_assert_cmpuint(le16_to_cpu(log[0].cid), ==, cqe2.cid);
    g_assert_cmphex(le16_to_cpu(log[0].status_field), ==,
                    cqe2.status);        /* status << 1 | phase */
    g_assert_cmpuint(le32_to_cpu(log[0].nsid), ==, 0);
    g_assert_cmpuint(le16_to_cpu(log[2].cid), ==, cqe1.cid);
    g_assert_cmphex(le16_to_cpu(log[2].status_field) >> 1, ==,
                    NVME_INVALID_OPCODE | DNR);

    /* partial read at an offset: entry 1 */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0,
                                     sizeof(NvmeErrorLog), &one,
                                     sizeof(one)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(one.error_count), ==, 2);

    /* an I/O error names its SQ, NSID and LBA */
    nvme_drv_create_qpair(d, 1, 8);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1,
                                NVME_DRV_IMG_SIZE / 512, 1, 512, NULL, 0), ==,
                    NVME_LBA_RANGE | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &one,
                                     sizeof(one)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(one.error_count), ==, 4);
    g_assert_cmpuint(le16_to_cpu(one.sqid), ==, 1);
    g_assert_cmpuint(le32_to_cpu(one.nsid), ==, 1);
    g_assert_cmphex(le16_to_cpu(one.status_field) >> 1, ==,
                    NVME_LBA_RANGE | DNR);
    g_free(log);
    nvme_drv_stop(d);
}

/* More errors than entries: the log keeps the newest ones. */
static void test_log_error_wrap(void)
{
    NvmeDrv *d = start();
    NvmeErrorLog *log = g_malloc0(ERR_ENTRIES * sizeof(NvmeErrorLog));
    NvmeSmartLog smart;
    NvmeCmd cmd;
    int i;

    for (i = 0; i < ERR_ENTRIES + 6; i++) {
        nvme_drv_cmd_init(&cmd, 0xc7, 0);
        g_assert_cmphex(admin_raw(d, &cmd, NULL), ==,
                        NVME_INVALID_OPCODE | DNR);
    }
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, log,
                                     4096), ==, NVME_SUCCESS);
    for (i = 0; i < ERR_ENTRIES; i++) {
        g_assert_cmpuint(le64_to_cpu(log[i].error_count), ==,
                         ERR_ENTRIES + 6 - i);
    }
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &smart, sizeof(smart)), ==,
                    NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(smart.number_of_error_log_entries[0]), ==,
                     ERR_ENTRIES + 6);
    g_free(log);
    nvme_drv_stop(d);
}

static void test_log_smart(void)
{
    NvmeDrv *d = start();
    NvmeSmartLog a, b;
    uint8_t *data = g_malloc0(8 * 512);
    int i;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &a, sizeof(a)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le16_to_cpu(a.temperature), ==, 296);
    g_assert_cmphex(a.critical_warning, ==, 0);
    g_assert_cmpuint(a.available_spare, <=, 100);
    g_assert_cmpuint(le64_to_cpu(a.host_read_commands[0]), ==, 0);
    g_assert_cmpuint(le64_to_cpu(a.host_write_commands[0]), ==, 0);
    g_assert_cmpuint(le64_to_cpu(a.data_units_read[0]), ==, 0);
    g_assert_cmpuint(le64_to_cpu(a.data_units_written[0]), ==, 0);

    nvme_drv_create_qpair(d, 1, 16);
    for (i = 0; i < 3; i++) {
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 8 * i, 8, 512,
                                    data, 0), ==, NVME_SUCCESS);
    }
    for (i = 0; i < 5; i++) {
        g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, 512, data,
                                    0), ==, NVME_SUCCESS);
    }
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &b, sizeof(b)), ==, NVME_SUCCESS);
    g_assert_cmpuint(le64_to_cpu(b.host_write_commands[0]), ==, 3);
    g_assert_cmpuint(le64_to_cpu(b.host_read_commands[0]), ==, 5);
    /* thousands of 512-byte units, rounded up */
    g_assert_cmpuint(le64_to_cpu(b.data_units_written[0]), ==, 1);
    g_assert_cmpuint(le64_to_cpu(b.data_units_read[0]), ==, 1);
    g_free(data);
    nvme_drv_stop(d);
}

static void test_log_fw_slot(void)
{
    NvmeDrv *d = start();
    NvmeFwSlotInfoLog fw;
    NvmeIdCtrl *id = g_malloc0(4096);

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_FW_SLOT_INFO, 0xffffffff, 0,
                                     &fw, sizeof(fw)), ==, NVME_SUCCESS);
    g_assert_cmpuint(fw.afi & 7, ==, 1);
    g_assert_cmpmem(fw.frs1, 8, id->fr, 8);
    g_free(id);
    nvme_drv_stop(d);
}

static void test_log_effects(void)
{
    NvmeDrv *d = start();
    NvmeEffectsLog *e = g_malloc0(sizeof(*e));
    static const uint8_t admin_ops[] = {
        NVME_ADM_CMD_DELETE_SQ, NVME_ADM_CMD_CREATE_SQ,
        NVME_ADM_CMD_GET_LOG_PAGE, NVME_ADM_CMD_DELETE_CQ,
        NVME_ADM_CMD_CREATE_CQ, NVME_ADM_CMD_IDENTIFY, NVME_ADM_CMD_ABORT,
        NVME_ADM_CMD_SET_FEATURES, NVME_ADM_CMD_GET_FEATURES,
        NVME_ADM_CMD_ASYNC_EV_REQ, NVME_DRV_ADM_KEEP_ALIVE,
        0x86 /* Get LBA Status */, NVME_ADM_CMD_DBBUF_CONFIG,
        NVME_ADM_CMD_NS_ATTACHMENT,
        /* nvme-adminops-test checks these */
        NVME_ADM_CMD_ACTIVATE_FW, NVME_ADM_CMD_DOWNLOAD_FW,
        0x14 /* Device Self-test */, NVME_ADM_CMD_FORMAT_NVM,
        0x84 /* Sanitize */,
        /* nvme-security-test checks these */
        0x81 /* Security Send */, 0x82 /* Security Receive */,
    };
    static const uint8_t io_ops[] = {
        NVME_CMD_FLUSH, NVME_CMD_WRITE, NVME_CMD_READ, NVME_CMD_WRITE_UNCOR,
        NVME_CMD_COMPARE, NVME_CMD_WRITE_ZEROES, NVME_CMD_DSM,
        NVME_CMD_VERIFY, NVME_CMD_COPY,
        0x0d, 0x0e, 0x11, 0x15,     /* reservations */
    };
    bool want;
    size_t i, j;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, e,
                                     sizeof(*e)), ==, NVME_SUCCESS);
    for (i = 0; i < 256; i++) {
        want = false;
        for (j = 0; j < ARRAY_SIZE(admin_ops); j++) {
            want |= admin_ops[j] == i;
        }
        g_assert_cmphex(le32_to_cpu(e->acs[i]) & NVME_CMD_EFF_CSUPP, ==,
                        want ? NVME_CMD_EFF_CSUPP : 0);
        if (!want) {
            g_assert_cmphex(e->acs[i], ==, 0);
        }
        want = false;
        for (j = 0; j < ARRAY_SIZE(io_ops); j++) {
            want |= io_ops[j] == i;
        }
        g_assert_cmphex(le32_to_cpu(e->iocs[i]) & NVME_CMD_EFF_CSUPP, ==,
                        want ? NVME_CMD_EFF_CSUPP : 0);
        if (!want) {
            g_assert_cmphex(e->iocs[i], ==, 0);
        }
    }
    /* Write changes logical block content, Read does not */
    g_assert_cmphex(le32_to_cpu(e->iocs[NVME_CMD_WRITE]) & NVME_CMD_EFF_LBCC,
                    ==, NVME_CMD_EFF_LBCC);
    g_assert_cmphex(le32_to_cpu(e->iocs[NVME_CMD_READ]) & NVME_CMD_EFF_LBCC,
                    ==, 0);
    g_free(e);
    nvme_drv_stop(d);
}

static void test_log_errors(void)
{
    NvmeDrv *d = start();
    uint8_t buf[512];

    /* offset not dword aligned */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 2,
                                     buf, 64), ==, NVME_INVALID_FIELD | DNR);
    /* offset beyond the log */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff,
                                     4096, buf, 64), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0,
                                     ERR_ENTRIES * 64 + 64, buf, 64), ==,
                    NVME_INVALID_FIELD | DNR);
    /* unsupported log identifiers */
    g_assert_cmphex(nvme_drv_get_log(d, 0x7f, 0, 0, buf, 64), ==,
                    NVME_INVALID_LOG_ID | DNR);
    g_assert_cmphex(nvme_drv_get_log(d, 0x0a, 0, 0, buf, 64), ==,
                    NVME_INVALID_LOG_ID | DNR);
    /* the tail of a log at a valid offset works */
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff,
                                     448, buf, 64), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* asynchronous events                                               */

static void expect_no_cqe(NvmeDrv *d, uint16_t qid)
{
    NvmeCqe cqe;

    g_assert_false(nvme_drv_poll_cqe(d, qid, &cqe, 200, true));
}

static void test_aer_limit(void)
{
    NvmeDrv *d = start();
    NvmeCqe cqe;
    uint16_t cid;
    int i;

    for (i = 0; i <= AERL; i++) {
        nvme_drv_submit_aer(d);
    }
    expect_no_cqe(d, 0);
    cid = nvme_drv_submit_aer(d);
    nvme_drv_wait_cqe(d, 0, &cqe);
    g_assert_cmpuint(cqe.cid, ==, cid);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_AER_LIMIT_EXCEEDED | DNR);
    /* the outstanding ones do not block other commands */
    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, NULL), ==,
                    NVME_SUCCESS);
    nvme_drv_stop(d);
}

static void wait_aer(NvmeDrv *d, uint16_t cid, uint8_t type, uint8_t info,
                     uint8_t lid)
{
    NvmeCqe cqe;

    nvme_drv_wait_cid(d, 0, cid, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result, ==,
                    type | (info << 8) | ((uint32_t)lid << 16));
}

static void test_aer_invalid_doorbell(void)
{
    NvmeDrv *d = start();
    uint16_t cid;
    NvmeErrorLog log;

    cid = nvme_drv_submit_aer(d);
    expect_no_cqe(d, 0);
    nvme_drv_raw_db(d, 5, false, 1);           /* SQ 5 does not exist */
    wait_aer(d, cid, NVME_AER_TYPE_ERROR,
             NVME_AER_INFO_ERR_INVALID_DB_REGISTER, NVME_LOG_ERROR_INFO);

    /* masked until the log page is read */
    cid = nvme_drv_submit_aer(d);
    nvme_drv_raw_db(d, 6, true, 1);            /* CQ 6 does not exist */
    expect_no_cqe(d, 0);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);
    nvme_drv_raw_db(d, 6, true, 1);
    wait_aer(d, cid, NVME_AER_TYPE_ERROR,
             NVME_AER_INFO_ERR_INVALID_DB_REGISTER, NVME_LOG_ERROR_INFO);
    nvme_drv_stop(d);
}

static void test_aer_invalid_doorbell_value(void)
{
    NvmeDrv *d = start();
    NvmeErrorLog log;
    uint16_t cid;

    nvme_drv_create_qpair(d, 1, 8);
    cid = nvme_drv_submit_aer(d);
    nvme_drv_raw_db(d, 1, false, 8);           /* tail == size */
    wait_aer(d, cid, NVME_AER_TYPE_ERROR, NVME_AER_INFO_ERR_INVALID_DB_VALUE,
             NVME_LOG_ERROR_INFO);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);

    cid = nvme_drv_submit_aer(d);
    nvme_drv_raw_db(d, 1, true, 100);          /* head beyond CQ */
    wait_aer(d, cid, NVME_AER_TYPE_ERROR, NVME_AER_INFO_ERR_INVALID_DB_VALUE,
             NVME_LOG_ERROR_INFO);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);

    /* the queue pair still works afterwards */
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_READ, 1, 0, 1, 512, NULL, 0),
                    ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* An event raised with no AER outstanding is delivered later. */
static void test_aer_queued(void)
{
    NvmeDrv *d = start();
    uint16_t cid;

    nvme_drv_raw_db(d, 9, false, 3);
    expect_no_cqe(d, 0);
    cid = nvme_drv_submit_aer(d);
    wait_aer(d, cid, NVME_AER_TYPE_ERROR,
             NVME_AER_INFO_ERR_INVALID_DB_REGISTER, NVME_LOG_ERROR_INFO);
    nvme_drv_stop(d);
}

/* Over-temperature threshold: SMART event when enabled in AEC. */
static void test_aer_temperature(void)
{
    NvmeDrv *d = start();
    NvmeSmartLog smart;
    uint16_t cid;

    cid = nvme_drv_submit_aer(d);
    set_feat_ok(d, NVME_ASYNCHRONOUS_EVENT_CONF, NVME_SMART_TEMPERATURE);
    set_feat_ok(d, NVME_TEMPERATURE_THRESHOLD, 290);     /* below 296 K */
    wait_aer(d, cid, NVME_AER_TYPE_SMART, NVME_AER_INFO_SMART_TEMP_THRESH,
             NVME_LOG_SMART_INFO);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &smart, sizeof(smart)), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(smart.critical_warning & NVME_SMART_TEMPERATURE, ==,
                    NVME_SMART_TEMPERATURE);
    /* back to normal clears the warning */
    set_feat_ok(d, NVME_TEMPERATURE_THRESHOLD, 343);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_SMART_INFO, 0xffffffff, 0,
                                     &smart, sizeof(smart)), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(smart.critical_warning & NVME_SMART_TEMPERATURE, ==, 0);
    nvme_drv_stop(d);
}

/* A controller reset ends outstanding AERs without completing them. */
static void test_aer_reset(void)
{
    NvmeDrv *d = start();
    uint16_t cid;
    int i;

    for (i = 0; i <= AERL; i++) {
        nvme_drv_submit_aer(d);
    }
    nvme_drv_disable(d);
    nvme_drv_enable(d, 16, 16);
    /* all AER slots are free again */
    for (i = 0; i <= AERL; i++) {
        nvme_drv_submit_aer(d);
    }
    expect_no_cqe(d, 0);
    cid = nvme_drv_submit_aer(d);
    {
        NvmeCqe cqe;

        nvme_drv_wait_cid(d, 0, cid, &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==,
                        NVME_AER_LIMIT_EXCEEDED | DNR);
    }
    nvme_drv_stop(d);
}

/* ---------------------------------------------------------------- */
/* misc                                                              */

static void test_abort(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t aer;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ABORT, 0);
    cmd.cdw10 = (0x1234u << 16) | 0;
    g_assert_cmphex(admin_raw(d, &cmd, &cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result & 1, ==, 1);

    /* an outstanding AER may be left alone too */
    aer = nvme_drv_submit_aer(d);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_ABORT, 0);
    cmd.cdw10 = ((uint32_t)aer << 16) | 0;
    g_assert_cmphex(admin_raw(d, &cmd, &cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(cqe.result & 1, ==, 1);
    nvme_drv_stop(d);
}

/*
 * Every admin opcode the Commands Supported and Effects log does not mark
 * supported must fail with Invalid Opcode: dispatch and the log agree.
 */
static void test_admin_invalid_opcode(void)
{
    NvmeDrv *d = start();
    g_autofree uint32_t *acs = g_new0(uint32_t, 1024);
    static const uint8_t never[] = { 0x03, 0x07, 0x0b, 0xc0, 0xff };
    NvmeCmd cmd;
    unsigned op, rejected = 0;
    size_t i;

    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, acs,
                                     4096), ==, NVME_SUCCESS);
    for (i = 0; i < ARRAY_SIZE(never); i++) {
        g_assert_false(le32_to_cpu(acs[never[i]]) & NVME_CMD_EFF_CSUPP);
    }
    for (op = 0; op < 256; op++) {
        if (le32_to_cpu(acs[op]) & NVME_CMD_EFF_CSUPP) {
            continue;
        }
        nvme_drv_cmd_init(&cmd, op, 0);
        g_assert_cmphex(admin_raw(d, &cmd, NULL), ==,
                        NVME_INVALID_OPCODE | DNR);
        rejected++;
    }
    g_assert_cmpuint(rejected, >, 200);
    nvme_drv_stop(d);
}

static void test_admin_fused_sgl(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_IDENTIFY, 0);
    cmd.cdw10 = NVME_ID_CNS_CTRL;
    cmd.dptr.prp1 = nvme_drv_alloc(d, 4096);
    cmd.flags = 1;                      /* fused, first */
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_INVALID_FIELD | DNR);
    cmd.flags = 3 << 6;                 /* PSDT 11b is reserved */
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_INVALID_FIELD | DNR);
    /* PSDT 01b: admin commands on PCIe use PRPs only */
    cmd.flags = NVME_PSDT_SGL_MPTR_CONTIGUOUS << 6;
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_INVALID_FIELD | DNR);
    cmd.flags = 0;
    g_assert_cmphex(admin_raw(d, &cmd, NULL), ==, NVME_SUCCESS);
    nvme_drv_stop(d);
}

/* Completion entries carry the SQ head and id and the command id. */
static void test_cqe_fields(void)
{
    NvmeDrv *d = start();
    NvmeCmd cmd;
    NvmeCqe cqe;
    int i;

    for (i = 1; i <= 40; i++) {   /* wraps the 32-entry admin queues */
        nvme_drv_cmd_init(&cmd, NVME_DRV_ADM_KEEP_ALIVE, 0);
        g_assert_cmphex(admin_raw(d, &cmd, &cqe), ==, NVME_SUCCESS);
        g_assert_cmpuint(cqe.sq_id, ==, 0);
        g_assert_cmpuint(cqe.sq_head, ==, i % 32);
        g_assert_cmpuint(cqe.cid, ==, cmd.cid);
    }
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_func("/nvme/admin/identify/ctrl", test_identify_ctrl);
    qtest_add_func("/nvme/admin/identify/ns", test_identify_ns);
    qtest_add_func("/nvme/admin/identify/active_list",
                   test_identify_active_list);
    qtest_add_func("/nvme/admin/identify/multi_ns", test_identify_multi_ns);
    qtest_add_func("/nvme/admin/identify/ns_descriptors",
                   test_identify_ns_descriptors);
    qtest_add_func("/nvme/admin/identify/csi", test_identify_csi);
    qtest_add_func("/nvme/admin/identify/bad_cns", test_identify_bad_cns);
    qtest_add_func("/nvme/admin/identify/prp_offset",
                   test_identify_prp_offset);
    qtest_add_func("/nvme/admin/queues/create_cq_errors",
                   test_create_cq_errors);
    qtest_add_func("/nvme/admin/queues/create_max_size",
                   test_create_cq_max_size);
    qtest_add_func("/nvme/admin/queues/create_sq_errors",
                   test_create_sq_errors);
    qtest_add_func("/nvme/admin/queues/delete", test_delete_queues);
    qtest_add_func("/nvme/admin/features/arbitration",
                   test_feat_arbitration);
    qtest_add_func("/nvme/admin/features/power_mgmt", test_feat_power_mgmt);
    qtest_add_func("/nvme/admin/features/temperature",
                   test_feat_temperature);
    qtest_add_func("/nvme/admin/features/error_recovery",
                   test_feat_error_recovery);
    qtest_add_func("/nvme/admin/features/write_cache",
                   test_feat_write_cache);
    qtest_add_func("/nvme/admin/features/num_queues", test_feat_num_queues);
    qtest_add_func("/nvme/admin/features/int_coalescing",
                   test_feat_int_coalescing);
    qtest_add_func("/nvme/admin/features/iv_config", test_feat_iv_config);
    qtest_add_func("/nvme/admin/features/async_event_config",
                   test_feat_async_event_config);
    qtest_add_func("/nvme/admin/features/timestamp", test_feat_timestamp);
    qtest_add_func("/nvme/admin/features/keep_alive", test_feat_keep_alive);
    qtest_add_func("/nvme/admin/features/keep_alive_expiry",
                   test_keep_alive_expiry);
    qtest_add_func("/nvme/admin/features/select_and_errors",
                   test_feat_select_and_errors);
    qtest_add_func("/nvme/admin/features/reset", test_feat_reset);
    qtest_add_func("/nvme/admin/log/error", test_log_error);
    qtest_add_func("/nvme/admin/log/error_wrap", test_log_error_wrap);
    qtest_add_func("/nvme/admin/log/smart", test_log_smart);
    qtest_add_func("/nvme/admin/log/fw_slot", test_log_fw_slot);
    qtest_add_func("/nvme/admin/log/effects", test_log_effects);
    qtest_add_func("/nvme/admin/log/errors", test_log_errors);
    qtest_add_func("/nvme/admin/aer/limit", test_aer_limit);
    qtest_add_func("/nvme/admin/aer/invalid_doorbell",
                   test_aer_invalid_doorbell);
    qtest_add_func("/nvme/admin/aer/invalid_doorbell_value",
                   test_aer_invalid_doorbell_value);
    qtest_add_func("/nvme/admin/aer/queued", test_aer_queued);
    qtest_add_func("/nvme/admin/aer/temperature", test_aer_temperature);
    qtest_add_func("/nvme/admin/aer/reset", test_aer_reset);
    qtest_add_func("/nvme/admin/abort", test_abort);
    qtest_add_func("/nvme/admin/invalid_opcode", test_admin_invalid_opcode);
    qtest_add_func("/nvme/admin/fused_sgl", test_admin_fused_sgl);
    qtest_add_func("/nvme/admin/cqe_fields", test_cqe_fields);

    return g_test_run();
}

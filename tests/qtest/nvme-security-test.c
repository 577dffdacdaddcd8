/*
 * qtest: Security Send / Security Receive and SPDM.  Protocol 00h (the
 * supported-protocols list, the certificate data, bad SPSP values, a
 * receive-only protocol, NSSF, lengths); SPDM through a small responder
 * this test runs in a thread, speaking QEMU's SPDM socket protocol: over
 * the NVMe transport (spdm_trans=nvme: Security Send / Receive with
 * protocol E8h, the responder's status passed on) and over PCIe DOE
 * (spdm_trans=doe: the capability's mailbox through ECAM); and the
 * errors of spdm_port without a responder or with another transport.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/sockets.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR             NVME_DNR
#define INVALID_FIELD   (NVME_INVALID_FIELD | DNR)
#define SEC_SEND        0x81
#define SEC_RECV        0x82
#define SECP_SPDM       0xe8
#define SPSP_MESSAGE    (5 << 2)        /* DSP0286 operation: message */
#define SPSP_BAD        (9 << 2)        /* an operation the responder lacks */
#define SLOT            4
#define ECAM_BASE       0xb0000000ULL   /* q35's PCIEXBAR, set by the test */

/* ---- the responder (a thread) ---- */

#define SOCK_NORMAL     0x0001
#define SOCK_IF_SEND    0x0002
#define SOCK_IF_RECV    0x0003
#define SOCK_ACK        0x0004
#define SOCK_SHUTDOWN   0xfffe
#define TT_DOE          0x02
#define TT_NVME         0x04

typedef struct Responder {
    int listen_fd;
    uint16_t port;
    GThread *thread;
    /* what it saw: the last storage header */
    uint8_t secp;
    uint16_t spsp;
    uint32_t len;
    unsigned doe_msgs;
    uint8_t pending[64];        /* the answer an IF_RECV fetches */
    uint32_t pending_len;
} Responder;

/* SPDM 1.x: VERSION (04h) answering GET_VERSION (84h), else ERROR (7Fh). */
static uint32_t spdm_answer(const uint8_t *req, uint32_t len, uint8_t *rsp)
{
    if (len >= 4 && req[1] == 0x84) {
        static const uint8_t version[] = {
            0x10, 0x04, 0, 0, 0, 2, 0x00, 0x11, 0x00, 0x12,
        };

        memcpy(rsp, version, sizeof(version));
        return sizeof(version);
    }
    rsp[0] = 0x10;
    rsp[1] = 0x7f;              /* ERROR */
    rsp[2] = 0x07;              /* UnsupportedRequest */
    rsp[3] = len >= 2 ? req[1] : 0;
    return 4;
}

static bool rd(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t n = recv(fd, p, len, 0);

        if (n <= 0) {
            return false;
        }
        p += n;
        len -= n;
    }
    return true;
}

static void frame(int fd, uint32_t cmd, uint32_t tt, const void *data,
                  uint32_t len)
{
    uint32_t hdr[3] = { cpu_to_be32(cmd), cpu_to_be32(tt), cpu_to_be32(len) };

    g_assert_cmpint(qemu_send_full(fd, hdr, sizeof(hdr)), ==, sizeof(hdr));
    g_assert_cmpint(qemu_send_full(fd, data, len), ==, len);
}

static void ack(int fd, uint16_t status)
{
    uint16_t st = cpu_to_be16(status);

    frame(fd, SOCK_ACK, TT_NVME, &st, sizeof(st));
}

/* One storage command (IF_SEND / IF_RECV) of the NVMe transport. */
static void serve_storage(Responder *r, int fd, uint32_t cmd,
                          const uint8_t *p, uint32_t len)
{
    r->secp = p[0];
    r->spsp = lduw_le_p(p + 1);
    r->len = ldl_le_p(p + 3);
    if (r->secp != SECP_SPDM || r->spsp != SPSP_MESSAGE) {
        ack(fd, INVALID_FIELD);
        return;
    }
    if (cmd == SOCK_IF_SEND) {
        g_assert_cmpuint(len, ==, 7 + r->len);
        r->pending_len = spdm_answer(p + 7, r->len, r->pending);
        ack(fd, 0);
        return;
    }
    if (!r->pending_len) {
        ack(fd, INVALID_FIELD);
        return;
    }
    ack(fd, 0);
    frame(fd, SOCK_IF_RECV, TT_NVME, r->pending, MIN(r->pending_len, r->len));
    r->pending_len = 0;
}

/* A DOE object: 8-byte header (PCI-SIG, CMA), then the SPDM message. */
static void serve_doe(Responder *r, int fd, const uint8_t *p, uint32_t len)
{
    uint8_t rsp[64] = { 0x01, 0x00, 0x01, 0x00 };
    uint32_t n = spdm_answer(p + 8, len - 8, rsp + 8);
    uint32_t dw = DIV_ROUND_UP(8 + n, 4);

    r->doe_msgs++;
    stl_le_p(rsp + 4, dw);
    frame(fd, SOCK_NORMAL, TT_DOE, rsp, dw * 4);
}

static gpointer responder_run(gpointer opaque)
{
    Responder *r = opaque;
    int fd = accept(r->listen_fd, NULL, NULL);
    uint8_t buf[8192];

    if (fd < 0) {
        return NULL;            /* closed before QEMU connected */
    }
    for (;;) {
        uint32_t hdr[3], cmd, len;

        if (!rd(fd, hdr, sizeof(hdr))) {
            break;
        }
        cmd = be32_to_cpu(hdr[0]);
        len = be32_to_cpu(hdr[2]);
        g_assert_cmpuint(len, <=, sizeof(buf));
        if (len && !rd(fd, buf, len)) {
            break;
        }
        if (cmd == SOCK_SHUTDOWN) {
            break;
        } else if (cmd == SOCK_NORMAL) {
            g_assert_cmpuint(be32_to_cpu(hdr[1]), ==, TT_DOE);
            serve_doe(r, fd, buf, len);
        } else {
            g_assert_cmpuint(be32_to_cpu(hdr[1]), ==, TT_NVME);
            serve_storage(r, fd, cmd, buf, len);
        }
    }
    close(fd);
    return NULL;
}

static void responder_start(Responder *r)
{
    struct sockaddr_in a = { .sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);

    memset(r, 0, sizeof(*r));
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    g_assert_cmpint(bind(r->listen_fd, (struct sockaddr *)&a, sizeof(a)), ==,
                    0);
    g_assert_cmpint(listen(r->listen_fd, 1), ==, 0);
    g_assert_cmpint(getsockname(r->listen_fd, (struct sockaddr *)&a, &alen),
                    ==, 0);
    r->port = ntohs(a.sin_port);
    r->thread = g_thread_new("spdm-responder", responder_run, r);
}

static void responder_stop(Responder *r)
{
    g_thread_join(r->thread);
    close(r->listen_fd);
}

/* ---- the commands ---- */

/* Security Send (@opc 81h) or Receive (82h); @buf of @len bytes. */
static uint16_t security(NvmeDrv *d, uint8_t opc, uint8_t secp, uint16_t spsp,
                         uint8_t nssf, uint32_t len, void *buf)
{
    uint64_t mem = nvme_drv_alloc(d, 8192);
    NvmeCmd cmd;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, opc, 0);
    cmd.cdw10 = cpu_to_le32((uint32_t)secp << 24 | (uint32_t)spsp << 8 | nssf);
    cmd.cdw11 = cpu_to_le32(len);
    nvme_drv_cmd_set_prp(d, &cmd, mem, MAX(len, 1));
    if (buf && len) {
        /* a Send's data; for a Receive, to see what moved */
        nvme_drv_memwrite(d, mem, buf, len);
    }
    st = nvme_drv_exec(d, 0, &cmd, NULL);
    if (opc == SEC_RECV && buf && len) {
        nvme_drv_memread(d, mem, buf, len);
    }
    return st;
}

static void test_protocol_info(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    g_autofree NvmeIdCtrl *id = g_malloc(4096);
    uint8_t buf[64], small[4];

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    g_assert_cmphex(le16_to_cpu(id->oacs) & NVME_OACS_SECURITY, ==,
                    NVME_OACS_SECURITY);
    memset(buf, 0xee, sizeof(buf));
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 0, 64, buf), ==, 0);
    g_assert_cmpuint(lduw_be_p(buf + 6), ==, 1);    /* one protocol */
    g_assert_cmphex(buf[8], ==, 0x00);
    g_assert_cmphex(buf[9], ==, 0);                 /* zeroes after */
    g_assert_cmphex(buf[63], ==, 0);
    /* certificate data: none */
    memset(buf, 0xee, sizeof(buf));
    g_assert_cmphex(security(d, SEC_RECV, 0, 1, 0, 64, buf), ==, 0);
    g_assert_cmpuint(lduw_be_p(buf + 2), ==, 0);
    /* a short allocation length gets the start; zero moves nothing */
    memset(small, 0xee, sizeof(small));
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 0, 4, small), ==, 0);
    g_assert_cmphex(small[0] | small[3], ==, 0);
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 0, 0, NULL), ==, 0);
    /* what is refused */
    g_assert_cmphex(security(d, SEC_RECV, 0, 2, 0, 64, buf), ==,
                    INVALID_FIELD);
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 1, 64, buf), ==,
                    INVALID_FIELD);
    g_assert_cmphex(security(d, SEC_SEND, 0, 0, 0, 64, buf), ==,
                    INVALID_FIELD);
    g_assert_cmphex(security(d, SEC_RECV, 1, 1, 0, 64, buf), ==,
                    INVALID_FIELD);
    g_assert_cmphex(security(d, SEC_RECV, SECP_SPDM, SPSP_MESSAGE, 0, 64,
                             buf), ==, INVALID_FIELD);   /* no SPDM here */
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 0, 1u << 24, NULL), ==,
                    INVALID_FIELD);                     /* beyond MDTS */
    nvme_drv_stop(d);
}

static void test_spdm_nvme(void)
{
    static const uint8_t get_version[] = { 0x10, 0x84, 0, 0 };
    Responder r;
    g_autofree char *props = NULL;
    NvmeDrv *d;
    uint8_t buf[64];

    responder_start(&r);
    props = g_strdup_printf("spdm_port=%u,spdm_trans=nvme", r.port);
    d = nvme_drv_start_ready(props);
    g_assert_cmphex(security(d, SEC_RECV, 0, 0, 0, 64, buf), ==, 0);
    g_assert_cmpuint(lduw_be_p(buf + 6), ==, 2);
    g_assert_cmphex(buf[8], ==, 0x00);
    g_assert_cmphex(buf[9], ==, SECP_SPDM);

    /* GET_VERSION through Security Send, VERSION through Receive */
    memcpy(buf, get_version, sizeof(get_version));
    g_assert_cmphex(security(d, SEC_SEND, SECP_SPDM, SPSP_MESSAGE, 0,
                             sizeof(get_version), buf), ==, 0);
    g_assert_cmphex(r.secp, ==, SECP_SPDM);
    g_assert_cmphex(r.spsp, ==, SPSP_MESSAGE);
    g_assert_cmpuint(r.len, ==, sizeof(get_version));
    memset(buf, 0xee, sizeof(buf));
    g_assert_cmphex(security(d, SEC_RECV, SECP_SPDM, SPSP_MESSAGE, 0, 64,
                             buf), ==, 0);
    g_assert_cmpuint(r.len, ==, 64);
    g_assert_cmphex(buf[1], ==, 0x04);              /* VERSION */
    g_assert_cmphex(buf[5], ==, 2);                 /* two entries */
    g_assert_cmphex(buf[10], ==, 0);                /* zeroes after */

    /* the responder's status reaches the host: nothing pending, bad SPSP */
    g_assert_cmphex(security(d, SEC_RECV, SECP_SPDM, SPSP_MESSAGE, 0, 64,
                             buf), ==, INVALID_FIELD);
    g_assert_cmphex(security(d, SEC_SEND, SECP_SPDM, SPSP_BAD, 0,
                             sizeof(get_version), buf), ==, INVALID_FIELD);
    g_assert_cmphex(r.spsp, ==, SPSP_BAD);
    nvme_drv_stop(d);
    responder_stop(&r);
}

/* Config space of the controller at SLOT through ECAM (q35 MMCONFIG). */
static uint32_t ecam_rd(QTestState *qts, uint32_t off)
{
    return qtest_readl(qts, ECAM_BASE + (SLOT << 15) + off);
}

static void ecam_wr(QTestState *qts, uint32_t off, uint32_t val)
{
    qtest_writel(qts, ECAM_BASE + (SLOT << 15) + off, val);
}

/* Offset of the DOE extended capability (ID 2Eh), 0 if none. */
static uint32_t find_doe(QTestState *qts)
{
    uint32_t off = 0x100;

    while (off) {
        uint32_t hdr = ecam_rd(qts, off);

        if ((hdr & 0xffff) == 0x2e) {
            return off;
        }
        off = hdr >> 20;
    }
    return 0;
}

static void test_spdm_doe(void)
{
    Responder r;
    g_autofree char *args = NULL;
    QTestState *qts;
    uint32_t doe, obj[3], rsp[8], n = 0;

    responder_start(&r);
    args = g_strdup_printf("-machine q35 -drive if=none,id=d0,driver=null-co,"
                           "size=1M -device nvme,drive=d0,serial=x,addr=%d,"
                           "spdm_port=%u", SLOT, r.port);
    qts = qtest_init(args);
    /* MMCONFIG on at ECAM_BASE (the firmware's job) */
    qtest_outl(qts, 0xcf8, 0x80000000 | 0x60);
    qtest_outl(qts, 0xcfc, (uint32_t)ECAM_BASE | 1);
    qtest_outl(qts, 0xcf8, 0x80000000 | 0x64);
    qtest_outl(qts, 0xcfc, 0);
    doe = find_doe(qts);
    g_assert_cmphex(doe, !=, 0);

    /* a CMA object: DOE header, then GET_VERSION */
    obj[0] = cpu_to_le32(0x00010001);       /* PCI-SIG, type 1 (CMA) */
    obj[1] = cpu_to_le32(3);                /* dwords */
    obj[2] = cpu_to_le32(0x00008410);       /* 10h 84h 00h 00h */
    for (int i = 0; i < 3; i++) {
        ecam_wr(qts, doe + 0x10, le32_to_cpu(obj[i]));
    }
    ecam_wr(qts, doe + 0x08, 1u << 31);    /* Go */
    g_assert_cmphex(ecam_rd(qts, doe + 0x0c) >> 31, ==, 1); /* Object Ready */
    while ((ecam_rd(qts, doe + 0x0c) >> 31) && n < ARRAY_SIZE(rsp)) {
        rsp[n++] = ecam_rd(qts, doe + 0x14);
        ecam_wr(qts, doe + 0x14, 0);        /* next dword */
    }
    g_assert_cmpuint(r.doe_msgs, ==, 1);
    g_assert_cmphex(rsp[0], ==, 0x00010001);
    g_assert_cmpuint(rsp[1], ==, n);
    g_assert_cmphex((rsp[2] >> 8) & 0xff, ==, 0x04);    /* VERSION */
    qtest_quit(qts);
    responder_stop(&r);
}

static void test_spdm_errors(void)
{
    Responder r;
    g_autofree char *args = NULL;

    responder_start(&r);
    args = g_strdup_printf("-drive if=none,id=d0,driver=null-co,size=1M "
                           "-device nvme,drive=d0,serial=x,spdm_port=%u,"
                           "spdm_trans=mctp", r.port);
    nvme_drv_start_fails(args, "'spdm_trans' must be 'doe' or 'nvme'");
    /* nobody listens any more (shutdown wakes the thread's accept()) */
    shutdown(r.listen_fd, SHUT_RDWR);
    responder_stop(&r);
    g_free(args);
    args = g_strdup_printf("-drive if=none,id=d0,driver=null-co,size=1M "
                           "-device nvme,drive=d0,serial=x,spdm_port=%u",
                           r.port);
    nvme_drv_start_fails(args, "spdm_port");
}

/*
 * With the NVME_SPDM switch off (the kconfig suite's parts-off QEMU):
 * spdm_port is refused with a message; protocol 00h still works
 * (protocol-info).
 */
static void test_not_built(void)
{
    nvme_drv_start_fails("-drive if=none,id=d0,driver=null-co,size=1M "
                         "-device nvme,drive=d0,serial=x,spdm_port=2323",
                         "built without (NVME_SPDM)");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/security/protocol-info", test_protocol_info);
    if (nvme_drv_part_off("NVME_SPDM")) {
        qtest_add_func("/nvme/security/not-built", test_not_built);
        return g_test_run();
    }
    qtest_add_func("/nvme/security/spdm-nvme", test_spdm_nvme);
    qtest_add_func("/nvme/security/spdm-doe", test_spdm_doe);
    qtest_add_func("/nvme/security/spdm-errors", test_spdm_errors);
    return g_test_run();
}

/*
 * SPDM through an external responder: nvme spdm_port (the TCP port of a
 * responder on this host, e.g. spdm-utils or spdm-emu) and spdm_trans.
 * QEMU's SPDM socket client (backends/spdm-socket.c) connects at realize
 * and carries each message in its framing: a big-endian command,
 * transport type and size, then the payload.
 *
 * spdm_trans=doe: a PCIe Data Object Exchange extended capability (the
 * first one, or at 160h after ARI and SR-IOV) offers the CMA/SPDM data
 * object type; each
 * request object goes to the responder (transport PCI DOE) and its
 * answer, a whole DOE object, is read back from the read mailbox.
 *
 * spdm_trans=nvme (DSP0286, SPDM over storage): Security Send / Receive
 * with protocol E8h (security.c) are relayed as storage commands,
 * transport NVMe (4): IF_SEND (2) and IF_RECV (3), whose payload is the
 * security protocol (1 byte), SPSP (2 bytes) and the transfer or
 * allocation length (4 bytes), little endian, then the data of a send.
 * The responder answers each with ACK_STATUS (4): two bytes, big endian,
 * the NVMe status to complete the command with; a successful IF_RECV is
 * followed by its data (command 3).  QEMU 10.0's client only sends
 * normal messages, so this file frames these itself on the client's
 * socket.  A responder that does not answer within NVME_SPDM_TIMEOUT_S
 * makes the command fail with Internal Error instead of hanging QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/sockets.h"
#include "qapi/error.h"
#include "hw/pci/pcie_doe.h"
#include "system/spdm-socket.h"
#include "ctrl.h"
#include "spdm.h"
#include "trace.h"

#define NVME_SPDM_TIMEOUT_S     10
#define SOCK_CMD_IF_SEND        0x0002
#define SOCK_CMD_IF_RECV        0x0003
#define SOCK_CMD_ACK_STATUS     0x0004
#define SOCK_TRANSPORT_NVME     0x04
#define NVME_SPDM_STORAGE_HDR   7       /* protocol, SPSP, length */

/* ---- DOE ---- */

/* Context: main loop (config write: the DOE Go bit).  One exchange. */
static bool nvme_spdm_doe_exchange(DOECap *doe)
{
    void *req = pcie_doe_get_write_mbox_ptr(doe);
    uint32_t req_len = pcie_doe_get_obj_len(req) * sizeof(uint32_t);
    uint32_t room = (PCI_DOE_DW_SIZE_MAX - doe->read_mbox_len) *
                    sizeof(uint32_t);
    uint32_t got;

    got = spdm_socket_rsp(doe->spdm_socket, SPDM_SOCKET_TRANSPORT_TYPE_PCI_DOE,
                          req, req_len, doe->read_mbox + doe->read_mbox_len,
                          MIN(room, NVME_SPDM_MAX_MSG));
    trace_nvme_spdm_doe(req_len, got);
    doe->read_mbox_len += DIV_ROUND_UP(got, sizeof(uint32_t));
    return got != 0;
}

static DOEProtocol nvme_spdm_doe_protocols[] = {
    { PCI_VENDOR_ID_PCI_SIG, PCI_SIG_DOE_CMA, nvme_spdm_doe_exchange },
    { }
};

/* Context: main loop.  Config space read inside the DOE capability. */
bool nvme_spdm_config_read(NvmeCtrl *n, uint32_t addr, int len,
                           uint32_t *val)
{
    PCIDevice *pci = PCI_DEVICE(n);

    return n->spdm.doe && pcie_doe_read_config(&pci->doe_spdm, addr, len,
                                               val);
}

/* Context: main loop.  Config space write: the DOE registers too. */
bool nvme_spdm_config_write(NvmeCtrl *n, uint32_t addr, uint32_t val,
                            int len)
{
    PCIDevice *pci = PCI_DEVICE(n);

    if (!n->spdm.doe || addr < n->spdm.doe_off ||
        addr >= n->spdm.doe_off + PCI_DOE_SIZEOF) {
        return false;
    }
    pcie_doe_write_config(&pci->doe_spdm, addr, val, len);
    return true;
}

/* ---- the storage transport (spdm_trans=nvme) ---- */

/* Context: main loop.  One framed message to the responder. */
static bool nvme_spdm_put(NvmeSpdm *s, uint32_t cmd, const void *hdr,
                          uint32_t hdr_len, const void *data, uint32_t len)
{
    uint32_t frame[3] = {
        cpu_to_be32(cmd), cpu_to_be32(SOCK_TRANSPORT_NVME),
        cpu_to_be32(hdr_len + len),
    };

    return qemu_send_full(s->socket, frame, sizeof(frame)) == sizeof(frame) &&
           qemu_send_full(s->socket, hdr, hdr_len) == hdr_len &&
           (!len || qemu_send_full(s->socket, data, len) == len);
}

/* Context: main loop.  Read exactly @len bytes (false: closed, timeout). */
static bool nvme_spdm_read(NvmeSpdm *s, void *buf, size_t len)
{
    uint8_t *p = buf;

    while (len) {
        ssize_t r = recv(s->socket, p, len, 0);

        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return false;
        }
        p += r;
        len -= r;
    }
    return true;
}

/*
 * Context: main loop.  The next message from the responder: command
 * @cmd expected, payload of at most @max bytes into @buf, its size in
 * *@len.  False on anything else (the connection is then unusable).
 */
static bool nvme_spdm_get(NvmeSpdm *s, uint32_t cmd, void *buf,
                          uint32_t max, uint32_t *len)
{
    uint32_t frame[3];

    if (!nvme_spdm_read(s, frame, sizeof(frame)) ||
        be32_to_cpu(frame[0]) != cmd ||
        be32_to_cpu(frame[1]) != SOCK_TRANSPORT_NVME ||
        be32_to_cpu(frame[2]) > max) {
        return false;
    }
    *len = be32_to_cpu(frame[2]);
    return nvme_spdm_read(s, buf, *len);
}

/*
 * Context: main loop.  An NVMe status the responder gave: SC, SCT and
 * DNR only; anything else is not one.
 */
static uint16_t nvme_spdm_ack(NvmeSpdm *s)
{
    uint16_t st;
    uint32_t len;

    if (!nvme_spdm_get(s, SOCK_CMD_ACK_STATUS, &st, sizeof(st), &len) ||
        len != sizeof(st)) {
        return NVME_INTERNAL_DEV_ERROR;
    }
    st = be16_to_cpu(st);
    return st & ~(NVME_DNR | 0x7ff) ? NVME_INTERNAL_DEV_ERROR : st;
}

/* Context: main loop.  Is protocol E8h (SPDM over storage) offered? */
bool nvme_spdm_storage(NvmeCtrl *n)
{
    return n->spdm.socket >= 0 && n->params.spdm_trans == NVME_SPDM_TRANS_NVME;
}

/* Context: main loop.  The storage header of a send or receive. */
static void nvme_spdm_storage_hdr(uint8_t *hdr, uint16_t spsp, uint32_t len)
{
    hdr[0] = NVME_SEC_PROT_SPDM;
    stw_le_p(hdr + 1, spsp);
    stl_le_p(hdr + 3, len);
}

/* Context: main loop.  Security Send, protocol E8h: IF_SEND. */
uint16_t nvme_spdm_if_send(NvmeCtrl *n, uint16_t spsp, const void *buf,
                           uint32_t len)
{
    uint8_t hdr[NVME_SPDM_STORAGE_HDR];
    uint16_t status;

    nvme_spdm_storage_hdr(hdr, spsp, len);
    if (!nvme_spdm_put(&n->spdm, SOCK_CMD_IF_SEND, hdr, sizeof(hdr), buf,
                       len)) {
        status = NVME_INTERNAL_DEV_ERROR;
    } else {
        status = nvme_spdm_ack(&n->spdm);
    }
    trace_nvme_spdm_storage(false, spsp, len, status);
    return status;
}

/*
 * Context: main loop.  Security Receive, protocol E8h: IF_RECV with
 * allocation length @al; the data (at most @al bytes) into @buf.
 */
uint16_t nvme_spdm_if_recv(NvmeCtrl *n, uint16_t spsp, uint32_t al,
                           void *buf, uint32_t *len)
{
    uint8_t hdr[NVME_SPDM_STORAGE_HDR];
    uint16_t status;

    *len = 0;
    nvme_spdm_storage_hdr(hdr, spsp, al);
    if (!nvme_spdm_put(&n->spdm, SOCK_CMD_IF_RECV, hdr, sizeof(hdr), NULL,
                       0)) {
        status = NVME_INTERNAL_DEV_ERROR;
    } else {
        status = nvme_spdm_ack(&n->spdm);
    }
    if (status == NVME_SUCCESS &&
        !nvme_spdm_get(&n->spdm, SOCK_CMD_IF_RECV, buf, al, len)) {
        status = NVME_INTERNAL_DEV_ERROR;
    }
    trace_nvme_spdm_storage(true, spsp, *len, status);
    return status;
}

/* ---- setup ---- */

/*
 * Context: main loop (realize).  Connect to the responder at spdm_port
 * and add the DOE capability (spdm_trans=doe) or offer protocol E8h
 * (spdm_trans=nvme); the other transports are not an NVMe controller's.
 */
bool nvme_spdm_setup(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    struct timeval tv = { .tv_sec = NVME_SPDM_TIMEOUT_S };
    NvmeSpdmTrans trans = n->params.spdm_trans;

    n->spdm.socket = -1;
    if (!n->params.spdm_port) {
        return true;
    }
    if (trans != NVME_SPDM_TRANS_DOE && trans != NVME_SPDM_TRANS_NVME) {
        error_setg(errp, "nvme: 'spdm_trans' must be 'doe' or 'nvme' for an "
                   "NVMe controller");
        return false;
    }
    n->spdm.socket = spdm_socket_connect(n->params.spdm_port, errp);
    if (n->spdm.socket < 0) {
        error_prepend(errp, "nvme: spdm_port %u: ", n->params.spdm_port);
        return false;
    }
    setsockopt(n->spdm.socket, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (trans == NVME_SPDM_TRANS_DOE) {
        /* first in the extended capabilities, or after ARI and SR-IOV */
        n->spdm.doe_off = pci_get_long(pci->config + PCI_CONFIG_SPACE_SIZE) ?
                          NVME_SPDM_DOE_AFTER : PCI_CONFIG_SPACE_SIZE;
        pcie_doe_init(pci, &pci->doe_spdm, n->spdm.doe_off,
                      nvme_spdm_doe_protocols, true, 0);
        pci->doe_spdm.spdm_socket = n->spdm.socket;
        n->spdm.doe = true;
    }
    return true;
}

/* Context: main loop (unrealize). */
void nvme_spdm_cleanup(NvmeCtrl *n)
{
    PCIDevice *pci = PCI_DEVICE(n);

    if (n->spdm.doe) {
        pcie_doe_fini(&pci->doe_spdm);
        n->spdm.doe = false;
    }
    if (n->spdm.socket >= 0) {
        spdm_socket_close(n->spdm.socket, n->spdm.doe ?
                          SPDM_SOCKET_TRANSPORT_TYPE_PCI_DOE :
                          SOCK_TRANSPORT_NVME);
        n->spdm.socket = -1;
    }
}

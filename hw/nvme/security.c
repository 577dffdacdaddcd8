/*
 * Security Send (admin 81h) and Security Receive (82h).  CDW10: SECP
 * (31:24), SPSP (23:8), NSSF (7:0); CDW11: the transfer length (Send) or
 * allocation length (Receive) in bytes.
 *
 * Protocol 00h, security protocol information (SPC-4), is the
 * controller's own and receive-only: SPSP 0000h lists the supported
 * protocols (00h, and E8h while SPDM over storage is connected:
 * spdm_trans=nvme), 0001h returns the certificate data (none: length
 * 0); other SPSP values are Invalid Field in Command.  Protocol E8h
 * (DMTF SPDM, DSP0286) goes to the SPDM responder (spdm.c), which
 * decides the status of each command.  Every other protocol, a Send with
 * protocol 00h and a non-zero NSSF are Invalid Field in Command; a
 * length beyond MDTS or the responder's message buffer too.  A Receive
 * returns min(allocation length, data) bytes and zeroes to the rest of
 * the allocation length; an allocation length of 0 moves nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "hw/qdev-properties.h"
#include "hw/core/qdev-prop-internal.h"
#include "ctrl.h"
#include "dma.h"
#include "queue.h"
#include "security.h"
#include "spdm.h"
#include "trace.h"

#define NVME_SEC_SPSP_LIST      0x0000  /* supported security protocols */
#define NVME_SEC_SPSP_CERT      0x0001  /* certificate data */

static const QEnumLookup nvme_spdm_trans_lookup = {
    .array = (const char *const[]) {
        [NVME_SPDM_TRANS_DOE] = "doe",
        [NVME_SPDM_TRANS_NVME] = "nvme",
        [NVME_SPDM_TRANS_MCTP] = "mctp",
        [NVME_SPDM_TRANS_SCSI] = "scsi",
        [NVME_SPDM_TRANS_UNSPECIFIED] = "unspecified",
    },
    .size = NVME_SPDM_TRANS__MAX,
};

/* "spdm_trans": upstream's SpdmTransportType values. */
const PropertyInfo nvme_prop_spdm_trans = {
    .type = "SpdmTransportType",
    .description = "Spdm Transport, doe/nvme/mctp/scsi/unspecified",
    .enum_table = &nvme_spdm_trans_lookup,
    .get = qdev_propinfo_get_enum,
    .set = qdev_propinfo_set_enum,
    .set_default_value = qdev_propinfo_set_default_value_enum,
};

/* Context: main loop.  Protocol 00h: build SPSP @spsp into @buf. */
static uint16_t nvme_security_info(NvmeCtrl *n, NvmeRequest *req,
                                   uint16_t spsp, uint8_t *buf,
                                   uint32_t *len)
{
    uint16_t nr = 1;

    switch (spsp) {
    case NVME_SEC_SPSP_LIST:
        /* 6 reserved bytes, the list length (big endian), the IDs */
        buf[8] = NVME_SEC_PROT_INFO;
        if (nvme_spdm_storage(n)) {
            buf[8 + nr++] = NVME_SEC_PROT_SPDM;
        }
        stw_be_p(buf + 6, nr);
        *len = 8 + nr;
        return NVME_SUCCESS;
    case NVME_SEC_SPSP_CERT:
        *len = 4;               /* 2 reserved bytes, certificate length 0 */
        return NVME_SUCCESS;
    }
    return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 41, 0,
                           "security protocol 00h: unsupported SPSP");
}

/*
 * Context: main loop.  The fields both commands share; the length in
 * CDW11 must fit MDTS and the responder's message buffer.
 */
static uint16_t nvme_security_parse(NvmeCtrl *n, NvmeRequest *req,
                                    uint8_t *secp, uint16_t *spsp,
                                    uint32_t *len)
{
    uint32_t cdw10 = le32_to_cpu(req->cmd.cdw10);

    *secp = cdw10 >> 24;
    *spsp = (cdw10 >> 8) & 0xffff;
    *len = le32_to_cpu(req->cmd.cdw11);
    trace_nvme_security(req->cmd.opcode, *secp, *spsp, *len);
    if (*secp != NVME_SEC_PROT_INFO &&
        !(*secp == NVME_SEC_PROT_SPDM && nvme_spdm_storage(n))) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 43, 0,
                               "security protocol not supported");
    }
    if (cdw10 & 0xff) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "NSSF must be 0");
    }
    if (*len > MIN(nvme_mdts_bytes(n), NVME_SPDM_MAX_MSG)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "security transfer too long");
    }
    return NVME_SUCCESS;
}

/* Context: main loop. */
uint16_t nvme_admin_security_send(NvmeCtrl *n, NvmeRequest *req)
{
    g_autofree uint8_t *buf = NULL;
    uint16_t spsp, status;
    uint32_t tl;
    uint8_t secp;

    status = nvme_security_parse(n, req, &secp, &spsp, &tl);
    if (status) {
        return status;
    }
    if (secp == NVME_SEC_PROT_INFO) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 43, 0,
                               "security protocol 00h is receive-only");
    }
    buf = g_malloc0(MAX(tl, 1));
    if (tl) {
        status = nvme_dma_from_guest(n, req, buf, tl);
        if (status) {
            return status;
        }
    }
    return nvme_spdm_if_send(n, spsp, buf, tl);
}

/* Context: main loop. */
uint16_t nvme_admin_security_recv(NvmeCtrl *n, NvmeRequest *req)
{
    g_autofree uint8_t *buf = NULL;
    uint32_t al, len = 0;
    uint16_t spsp, status;
    uint8_t secp;

    status = nvme_security_parse(n, req, &secp, &spsp, &al);
    if (status) {
        return status;
    }
    buf = g_malloc0(NVME_SPDM_MAX_MSG);
    if (secp == NVME_SEC_PROT_INFO) {
        status = nvme_security_info(n, req, spsp, buf, &len);
    } else {
        status = nvme_spdm_if_recv(n, spsp, al, buf, &len);
    }
    if (status || !al) {
        return status;
    }
    return nvme_dma_to_guest_padded(n, req, buf, MIN(len, al), al);
}

/*
 * OCP Datacenter NVMe SSD Specification log pages ("ocp" property): the
 * SMART / Health Information Extended log, log identifier C0h, 512 bytes,
 * log page version 5 (upstream QEMU's) with the OCP GUID.
 *
 * Filled from real figures where the emulation has them: physical media
 * units written and read (bytes of the endurance group: every media
 * write including Write Zeroes, every read), uncorrectable read errors
 * (media errors), end-to-end detected errors (protection information
 * check failures), unaligned I/O (Reads and Writes not aligned to the
 * namespace's preferred write granularity and alignment), the total
 * NUSE of the attached namespaces, the highest temperature the
 * controller reported, and the firmware revision in use.  Figures of
 * NAND, power loss protection or PCIe link health the emulation does not
 * have are zero.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "ctrl.h"
#include "endgrp.h"
#include "ns.h"
#include "ocp.h"
#include "queue.h"
#include "stats.h"
#include "types.h"

/* Byte offsets in the C0h log (OCP Datacenter NVMe SSD, SMART Extended). */
enum {
    OCP_PMUW        = 0,        /* 16 bytes */
    OCP_PMUR        = 16,       /* 16 bytes */
    OCP_UNCORR_READ = 56,       /* 8 */
    OCP_E2E_DETECT  = 72,       /* 4 */
    OCP_UNALIGNED   = 136,      /* 8 */
    OCP_TOTAL_NUSE  = 152,      /* 8 */
    OCP_MAX_TEMP    = 222,      /* 1, Celsius */
    OCP_FW_REV      = 270,      /* 8 */
    OCP_LOG_VERSION = 494,      /* 2 */
    OCP_LOG_GUID    = 496,      /* 16 */
};

#define NVME_OCP_LOG_VERSION    5

/* AFD514C9-7C6F-4F9C-A4F2-BFEA2810AFC5, least significant byte first */
static const uint8_t nvme_ocp_smart_guid[16] = {
    0xc5, 0xaf, 0x10, 0x28, 0xea, 0xbf, 0xf2, 0xa4,
    0x9c, 0x4f, 0x6f, 0x7c, 0xc9, 0x14, 0xd5, 0xaf,
};

/*
 * Context: queue (the completion path).  Count what the OCP log reports
 * and nothing else does: failed end-to-end checks and unaligned I/O.
 */
void nvme_ocp_completed(NvmeRequest *req)
{
    NvmeCtrl *n = nvme_req_ctrl(req);
    NvmeNamespace *ns = req->ns;
    uint16_t st = req->status & 0x7ff;      /* SCT and SC */
    uint32_t gran;

    if (!n->params.ocp || !req->sq->sqid || !ns) {
        return;
    }
    if (st >= NVME_E2E_GUARD_ERROR && st <= NVME_E2E_REF_ERROR) {
        qatomic_inc(&n->ocp.e2e_detected);
    }
    if (req->cmd.opcode != NVME_CMD_READ &&
        req->cmd.opcode != NVME_CMD_WRITE) {
        return;
    }
    gran = MAX(ns->pbs / ns->lbasz, 1);
    if (req->slba % gran || req->nlb % gran) {
        qatomic_inc(&n->ocp.unaligned_io);
    }
}

/* Context: main loop.  Log page C0h into @buf (zeroed); its size. */
size_t nvme_ocp_fill_smart_ext(NvmeCtrl *n, uint8_t *buf)
{
    NvmeEndGrpStats eg;
    NvmeStats st;
    uint64_t nuse = 0;

    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        if (n->ns[nsid]) {
            nuse += n->ns[nsid]->nlbas;     /* fully provisioned */
        }
    }
    nvme_stats_endgrp(n->subsys, &eg);     /* the queues' counts summed */
    nvme_stats_read(n, 0, &st);
    stq_le_p(buf + OCP_PMUW, eg.media_bytes);
    stq_le_p(buf + OCP_PMUR, eg.bytes_read);
    stq_le_p(buf + OCP_UNCORR_READ, st.media_errors);
    stl_le_p(buf + OCP_E2E_DETECT,
             MIN(qatomic_read(&n->ocp.e2e_detected), UINT32_MAX));
    stq_le_p(buf + OCP_UNALIGNED, qatomic_read(&n->ocp.unaligned_io));
    stq_le_p(buf + OCP_TOTAL_NUSE, nuse);
    buf[OCP_MAX_TEMP] = NVME_TEMPERATURE_K - 273;
    memcpy(buf + OCP_FW_REV, n->id_ctrl.fr, sizeof(n->id_ctrl.fr));
    stw_le_p(buf + OCP_LOG_VERSION, NVME_OCP_LOG_VERSION);
    memcpy(buf + OCP_LOG_GUID, nvme_ocp_smart_guid,
           sizeof(nvme_ocp_smart_guid));
    return NVME_OCP_SMART_EXT_BYTES;
}

/* ---- migration ---- */

static bool nvme_ocp_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->params.ocp;
}

/* The counters only the OCP log reports (kept across resets). */
const VMStateDescription nvme_vmstate_ocp = {
    .name = "nvme/ocp",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_ocp_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(ocp.e2e_detected, NvmeCtrl),
        VMSTATE_UINT64(ocp.unaligned_io, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

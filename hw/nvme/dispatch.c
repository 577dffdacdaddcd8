/*
 * NVMe command dispatch: one opcode table per command set, and the single
 * completion path every command takes.
 *
 * The tables carry the handler and the Commands Supported and Effects
 * bits, so the effects log (log.c) is generated from exactly what
 * dispatch accepts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "admin.h"
#include "aer.h"
#include "ana.h"
#include "atomic.h"
#include "ctrl.h"
#include "dbbuf.h"
#include "dispatch.h"
#include "dma.h"
#include "fdp.h"
#include "features.h"
#include "firmware.h"
#include "format.h"
#include "gate.h"
#include "iothread.h"
#include "log.h"
#include "ns.h"
#include "nvm-compare.h"
#include "nvm-copy.h"
#include "nvm-range.h"
#include "nvm.h"
#include "ocp.h"
#include "queue.h"
#include "resv-rules.h"
#include "resv.h"
#include "sanitize.h"
#include "security.h"
#include "selftest.h"
#include "sriov.h"
#include "stats.h"
#include "subsys.h"
#include "telemetry.h"
#include "types.h"
#include "zns-cmd.h"
#include "zns.h"
#include "trace.h"

#define EFF_LBCC    NVME_CMD_EFF_LBCC
#define EFF_CCC     NVME_CMD_EFF_CCC
/* Format NVM and Sanitize: blocks, namespace capacity and inventory */
#define EFF_ERASE   (NVME_CMD_EFF_LBCC | NVME_CMD_EFF_NCC | NVME_CMD_EFF_NIC)
#define EFF_CSE_NS  (1u << 16)  /* one at a time per namespace */
#define EFF_CSE_ALL (2u << 16)  /* no other command to any namespace */

/*
 * The last field puts a command in the read or write command group of the
 * reservation command behaviour table (resv-rules.c), with the namespaces
 * it affects.  Copy reads too, but every reservation that blocks reads
 * also blocks writes.
 */
#define RD          NVME_RESV_GRP_READ
#define WR          NVME_RESV_GRP_WRITE

const NvmeOpcode nvme_admin_ops[256] = {
    [NVME_ADM_CMD_DELETE_SQ]    = { nvme_admin_delete_sq },
    [NVME_ADM_CMD_CREATE_SQ]    = { nvme_admin_create_sq },
    [NVME_ADM_CMD_GET_LOG_PAGE] = { nvme_admin_get_log_page },
    [NVME_ADM_CMD_DELETE_CQ]    = { nvme_admin_delete_cq },
    [NVME_ADM_CMD_CREATE_CQ]    = { nvme_admin_create_cq },
    [NVME_ADM_CMD_IDENTIFY]     = { nvme_admin_identify },
    [NVME_ADM_CMD_ABORT]        = { nvme_admin_abort },
    [NVME_ADM_CMD_SET_FEATURES] = { nvme_admin_set_features, EFF_CCC },
    [NVME_ADM_CMD_GET_FEATURES] = { nvme_admin_get_features },
    [NVME_ADM_CMD_ASYNC_EV_REQ] = { nvme_admin_aer },
    [NVME_ADM_CMD_KEEP_ALIVE]   = { nvme_admin_keep_alive },
    [NVME_ADM_CMD_DBBUF_CONFIG] = { nvme_admin_dbbuf_config },
    [NVME_ADM_CMD_GET_LBA_STATUS] = { nvme_admin_get_lba_status, 0, true },
    [NVME_ADM_CMD_ACTIVATE_FW]  = { nvme_admin_fw_commit, EFF_CCC },
    [NVME_ADM_CMD_DOWNLOAD_FW]  = { nvme_admin_fw_download },
    [NVME_ADM_CMD_DEV_SELF_TEST] = { nvme_admin_self_test },
    [NVME_ADM_CMD_FORMAT_NVM]   = { nvme_admin_format,
                                    EFF_ERASE | EFF_CSE_NS, false,
                                    WR | NVME_RESV_BCAST_ALL },
    [NVME_ADM_CMD_SANITIZE]     = { nvme_admin_sanitize,
                                    EFF_ERASE | EFF_CSE_ALL, false,
                                    WR | NVME_RESV_SUBSYS },
    [NVME_ADM_CMD_NS_ATTACHMENT] = { nvme_admin_ns_attachment,
                                     NVME_CMD_EFF_NIC },
    [NVME_ADM_CMD_NS_MGMT]      = { nvme_admin_ns_mgmt,
                                    NVME_CMD_EFF_NIC | NVME_CMD_EFF_NCC },
    [NVME_ADM_CMD_VIRT_MNGMT]   = { nvme_admin_virt_mgmt, EFF_CCC },
    [NVME_ADM_CMD_SECURITY_SEND] = { nvme_admin_security_send },
    [NVME_ADM_CMD_SECURITY_RECV] = { nvme_admin_security_recv },
    /* the data placement directive (fdp.c) */
    [NVME_ADM_CMD_DIRECTIVE_SEND] = { nvme_admin_directive_send },
    [NVME_ADM_CMD_DIRECTIVE_RECV] = { nvme_admin_directive_recv },
};


const NvmeOpcode nvme_nvm_ops[256] = {
    [NVME_CMD_FLUSH]    = { nvme_nvm_flush, 0, false, WR },
    [NVME_CMD_WRITE]    = { nvme_nvm_write, EFF_LBCC, true, WR },
    [NVME_CMD_READ]     = { nvme_nvm_read, 0, true, RD },
    [NVME_CMD_WRITE_UNCOR]  = { nvme_nvm_write_uncor, EFF_LBCC, true, WR },
    [NVME_CMD_COMPARE]      = { nvme_nvm_compare, 0, true, RD },
    [NVME_CMD_WRITE_ZEROES] = { nvme_nvm_write_zeroes, EFF_LBCC, true, WR },
    [NVME_CMD_DSM]          = { nvme_nvm_dsm, EFF_LBCC, true, WR },
    [NVME_CMD_VERIFY]       = { nvme_nvm_verify, 0, true, RD },
    [NVME_CMD_COPY]         = { nvme_nvm_copy, EFF_LBCC, true, WR },
    [NVME_CMD_RESV_REGISTER] = { nvme_nvm_resv_register, 0, true },
    [NVME_CMD_RESV_REPORT]  = { nvme_nvm_resv_report, 0, true },
    [NVME_CMD_RESV_ACQUIRE] = { nvme_nvm_resv_acquire, 0, true },
    [NVME_CMD_RESV_RELEASE] = { nvme_nvm_resv_release, 0, true },
    /* Flexible Data Placement (fdp.c) */
    [NVME_CMD_IO_MGMT_RECV] = { nvme_nvm_io_mgmt_recv, 0, true, RD },
    [NVME_CMD_IO_MGMT_SEND] = { nvme_nvm_io_mgmt_send, 0, true, WR },
};

/*
 * The Zoned Namespace Command Set: the NVM commands (their zone rules are
 * in the NVM handlers) and these (zns-cmd.c).
 */
const NvmeOpcode nvme_zns_ops[256] = {
    [NVME_CMD_ZONE_MGMT_SEND] = { nvme_zns_mgmt_send, EFF_LBCC, true, WR },
    [NVME_CMD_ZONE_MGMT_RECV] = { nvme_zns_mgmt_recv, 0, true, RD },
    [NVME_CMD_ZONE_APPEND]    = { nvme_zns_append, EFF_LBCC, true, WR },
};

/*
 * Context: any.  The I/O opcode table entry for @opcode in command set
 * @csi (NVME_CSI_NVM or NVME_CSI_ZONED).
 */
const NvmeOpcode *nvme_io_op(uint8_t csi, uint8_t opcode)
{
    if (csi == NVME_CSI_ZONED && nvme_zns_ops[opcode].handler) {
        return &nvme_zns_ops[opcode];
    }
    return &nvme_nvm_ops[opcode];
}

/*
 * Context: queue.  The table of the command set of the namespace the
 * command names (an inactive or no namespace: NVM).
 */
static const NvmeOpcode *nvme_req_io_op(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns = nvme_ns(n, le32_to_cpu(req->cmd.nsid));

    return nvme_io_op(ns && ns->zoned ? NVME_CSI_ZONED : NVME_CSI_NVM,
                      req->cmd.opcode);
}

/* Context: any.  The effects log entry of one opcode. */
uint32_t nvme_effects(const NvmeOpcode *op)
{
    return op->handler ? NVME_CMD_EFF_CSUPP | op->effects : 0;
}

/* Context: main loop.  Resolve CDW1 NSID to an active namespace. */
static uint16_t nvme_resolve_ns(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);

    uint16_t status = nvme_nsid_status(n, nsid);

    if (status) {
        nvme_req_err_field(req, 4, 0);
        return status;
    }
    req->ns = nvme_ns(n, nsid);
    nvme_req_ns_hold(req);      /* a fence waits for it (iothread.c) */
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  What the namespace and the controller's state
 * allow now: an active namespace, an accessible ANA group, no sanitize or
 * format in the way.  Also run again for a command parked by an error
 * policy, since the namespace may have gone meanwhile.
 */
static uint16_t nvme_dispatch_ns_checks(NvmeCtrl *n, NvmeRequest *req,
                                        const NvmeOpcode *op)
{
    uint16_t status = NVME_SUCCESS;

    if (op->needs_ns) {
        status = nvme_resolve_ns(n, req);
    }
    if (!status) {
        status = nvme_ana_check(n, req);            /* ana.c */
    }
    if (!status) {
        status = nvme_resv_check(n, req, op->resv);     /* resv.c */
    }
    if (!status) {
        status = nvme_sanitize_check(n, req, op->effects);  /* sanitize.c */
    }
    if (!status) {
        status = nvme_format_check(req);            /* format.c */
    }
    return status;
}

/* Context: main loop.  Checks common to every command, then the handler. */
static uint16_t nvme_dispatch_checks(NvmeCtrl *n, NvmeRequest *req,
                                     const NvmeOpcode *op)
{
    uint8_t flags = req->cmd.flags;
    uint16_t status;

    if (!op->handler) {
        nvme_req_err_field(req, 0, 0);
        return NVME_INVALID_OPCODE | NVME_DNR;
    }
    status = nvme_fused_check(n, req);      /* nvm-compare.c */
    if (status) {
        return status;
    }
    if (NVME_CMD_FLAGS_PSDT(flags) == 3) {     /* reserved; dma.c does SGLs */
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 1, 6,
                               "PSDT 11b is reserved");
    }
    if (req->sq->sqid == 0 && NVME_CMD_FLAGS_PSDT(flags)) {
        /* NVMe over PCIe: admin commands use PRPs only */
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 1, 6,
                               "SGL in an admin command");
    }
    status = nvme_dispatch_ns_checks(n, req, op);
    if (status) {
        return status;
    }
    if (NVME_CMD_FLAGS_FUSE(flags)) {
        return nvme_fused_submit(n, req);
    }
    if (nvme_gate_hold(req, op->effects)) {     /* a fused write owns ns */
        return NVME_NO_COMPLETE;
    }
    return op->handler(n, req);
}

/*
 * Context: queue, or main loop for the admin queue.  The few admin
 * commands that change what every I/O queue of the controller reads run
 * with that controller's queues quiesced (nvme_admin_quiesces); the others
 * stop only what they touch themselves (a queue, a namespace).
 */
static void nvme_dispatch(NvmeCtrl *n, NvmeRequest *req)
{
    bool admin = req->sq->sqid == 0;
    const NvmeOpcode *op = admin ? &nvme_admin_ops[req->cmd.opcode]
                                 : nvme_req_io_op(n, req);
    bool quiesce = admin && nvme_admin_quiesces(req->cmd.opcode);
    uint16_t status;

    trace_nvme_cmd(req->sq->sqid, le16_to_cpu(req->cmd.cid),
                   req->cmd.opcode, le32_to_cpu(req->cmd.nsid));
    nvme_fused_break(req);
    if (quiesce) {
        nvme_io_quiesce(n);
    }
    status = nvme_dispatch_checks(n, req, op);
    if (quiesce) {
        nvme_io_resume(n);
    }
    if (status != NVME_NO_COMPLETE) {
        nvme_fused_settle(req, status);
        nvme_req_complete(req, status);
    }
}

/*
 * Context: queue (the parked command's SQ, once the VM runs).  Execute a
 * parked command anew (ioerr.c, queue.c): the namespace is resolved
 * again (it may have been detached or deleted while the VM was stopped),
 * the handler parses the submission entry again and maps its data pointer
 * afresh; the command enters the write gate and the overlap lock anew
 * (it left them when parked: ioerr.c).
 */
static void nvme_dispatch_again(NvmeCtrl *n, NvmeRequest *req)
{
    const NvmeOpcode *op = req->sq->sqid ? nvme_req_io_op(n, req)
                                         : &nvme_admin_ops[req->cmd.opcode];
    uint16_t status;

    nvme_dma_unmap(req);
    req->status = NVME_SUCCESS;
    req->result = 0;
    req->aiocb = NULL;
    req->ns = NULL;             /* parked requests hold no namespace */
    status = nvme_dispatch_ns_checks(n, req, op);
    if (!status && !req->aborted) {      /* not aborted while parked */
        if (nvme_gate_hold(req, op->effects)) {
            return;                         /* a fused pair owns ns */
        }
        status = op->handler(n, req);
    }
    if (status != NVME_NO_COMPLETE) {
        nvme_req_complete(req, status);
    }
}

/* Context: queue.  A fetched command: Controller Busy Time, then run it. */
static void nvme_dispatch_fetched(NvmeCtrl *n, NvmeRequest *req)
{
    if (req->sq->sqid) {
        nvme_stats_busy_begin(req->sq);
    }
    nvme_dispatch(n, req);
}

/*
 * Context: queue.  A command completed: what it held (the fused write
 * gate, its range in the overlap lock) goes to the next; an Internal
 * Error makes the controller capture telemetry; the OCP log counts it.
 */
static void nvme_dispatch_completed(NvmeRequest *req)
{
    nvme_gate_release(req);
    nvme_atomic_release(req);
    if ((req->status & 0x7ff) == NVME_INTERNAL_DEV_ERROR) {
        nvme_telemetry_internal_error(nvme_req_ctrl(req));  /* log 08h */
    }
    nvme_ocp_completed(req);        /* ocp.c: counters of its log */
}

/* Context: queue.  A request goes back to its pool, maybe uncompleted. */
static void nvme_dispatch_released(NvmeRequest *req)
{
    nvme_gate_release(req);
    nvme_atomic_release(req);       /* one that never completed */
    if (req->resv_wait) {
        nvme_resv_abort_dropped(req);   /* a waiting Preempt and Abort */
    }
    if (req->sq->sqid) {
        nvme_stats_busy_end(req->sq);
    }
}

/*
 * Context: queue.  A write with FUA, or without a volatile write cache,
 * to a zoned namespace completes once its zone state is durable too.
 */
static bool nvme_dispatch_hold(NvmeRequest *req, uint16_t status)
{
    return req->zns_sync && nvme_zns_complete_sync(req, status);
}

/*
 * Context: queue (the request's own).  A command the write gate held, or
 * the fused pair it lets start, runs now (gate.c hands it over).
 */
static void nvme_dispatch_resume(NvmeRequest *req)
{
    NvmeCmdHandler handler = nvme_io_op(req->ns && req->ns->zoned ?
                                        NVME_CSI_ZONED : NVME_CSI_NVM,
                                        req->cmd.opcode)->handler;
    uint16_t status;

    if (req->gate == NVME_GATE_OWNER) {
        nvme_fused_run(req);            /* nvm-compare.c */
        return;
    }
    if (nvme_req_stopping(req)) {
        status = NVME_CMD_ABORT_REQ;
    } else {
        status = handler(nvme_req_ctrl(req), req);
    }
    if (status != NVME_NO_COMPLETE) {
        nvme_req_complete(req, status);
    }
}

/* Context: main loop.  An I/O SQ was created: its SMART counters. */
static void nvme_dispatch_sq_created(NvmeCtrl *n, NvmeSQueue *sq)
{
    nvme_stats_sq_init(sq);
}

/*
 * Context: main loop, the queues frozen (a migration's load).  A
 * completion the stream carried, as if fetched here.
 */
static void nvme_dispatch_adopted(NvmeRequest *req)
{
    if (req->sq->sqid) {
        nvme_stats_busy_begin(req->sq);
    }
}

const NvmeQueueHooks nvme_cmd_hooks = {
    .dispatch = nvme_dispatch_fetched,
    .hold = nvme_dispatch_hold,
    .redispatch = nvme_dispatch_again,
    .completed = nvme_dispatch_completed,
    .released = nvme_dispatch_released,
    .resume = nvme_dispatch_resume,
    .sq_cancel = nvme_gate_cancel_sq,
    .ns_fenced = nvme_fused_fenced,
    .sq_stop = nvme_nvm_workers_stop,
    .sq_pass_end = nvme_nvm_pass_end,
    .sq_created = nvme_dispatch_sq_created,
    .sq_deleted = nvme_stats_sq_fini,
    .adopted = nvme_dispatch_adopted,
};

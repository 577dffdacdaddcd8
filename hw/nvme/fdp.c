/*
 * Flexible Data Placement (NVMe Base 2.1, TP4146) on the subsystem's one
 * endurance group (endgrp.c), configured on nvme-subsys as upstream does:
 * fdp=on, fdp.runs (reclaim unit nominal size), fdp.nrg (reclaim groups),
 * fdp.nruh (reclaim unit handles, required).  A namespace's placement
 * handles are the handles its fdp.ruhs lists; without the list it gets
 * one, handle 0 chosen by the controller.  Zoned namespaces take no part.
 *
 * Identify Controller CTRATT bit 19, the FDP feature (1Dh, enabled from
 * the start as upstream's) and FDP Events feature (1Eh), log pages 20h
 * (configurations: one), 21h (handle usage), 22h (statistics), 23h
 * (events), I/O Management Receive (Reclaim Unit Handle Status) and Send
 * (Reclaim Unit Handle Update), and writes with the data placement
 * directive (DTYPE 2, DSPEC the placement identifier), which Directive
 * Receive (Identify, Return Parameters) reports: enabled wherever a
 * namespace places writes, by the FDP feature, never by Directive Send.
 * Writes without the directive, and Copy, go through placement handle 0
 * of reclaim group 0.  A write naming a placement identifier the
 * namespace does not have is placed there too and, if enabled, reported
 * as an Invalid Placement Identifier event.
 *
 * Statistics and reclaim units count what a write completed (Write and
 * Copy, data plus metadata).  Media bytes erased count a fresh reclaim
 * unit each time a handle moves to one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "dma.h"
#include "endgrp.h"
#include "fdp-rules.h"
#include "fdp.h"
#include "id-ctrl.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "subsys.h"
#include "types.h"
#include "trace.h"

#define NVME_FDP_DTYPE          2       /* data placement directive */
#define NVME_FDP_MO_NOP         0
#define NVME_FDP_MO_RUH         1       /* RUH Status / RUH Update */
#define NVME_FDP_STATUS_MAX     UINT16_MAX      /* RUH Status descriptors */

/* ---- configuration ---- */

/*
 * Context: main loop (nvme-subsys realize; the device is never
 * unplugged).  Check fdp.* and set up.
 */
bool nvme_fdp_subsys_setup(NvmeSubsys *s, Error **errp)
{
    NvmeFdp *f = &s->fdp;
    const NvmeFdpParams *p = &f->conf;

    if (!p->fdp) {
        return true;
    }
    if (p->nruh == 0 || p->nruh > NVME_FDP_MAX_NRUH) {
        error_setg(errp, "nvme-subsys: fdp.nruh must be 1 to %d with fdp=on",
                   NVME_FDP_MAX_NRUH);
        return false;
    }
    /* a placement identifier must name every group and handle */
    if (p->nrg == 0 ||
        nvme_fdp_rgif(p->nrg) + nvme_fdp_rgif(p->nruh) > 16) {
        error_setg(errp, "nvme-subsys: fdp.nrg must be non-zero, and "
                   "fdp.nrg times fdp.nruh at most 65536");
        return false;
    }
    if (p->runs == 0) {
        error_setg(errp, "nvme-subsys: fdp.runs must be non-zero");
        return false;
    }
    f->geo = (NvmeFdpGeo) {
        .nrg = p->nrg, .nruh = p->nruh, .runs = p->runs,
        .rgif = nvme_fdp_rgif(p->nrg), .nnss = NVME_MAX_NSID,
    };
    f->avail = g_new(uint64_t, (size_t)p->nrg * p->nruh);
    for (size_t i = 0; i < (size_t)p->nrg * p->nruh; i++) {
        f->avail[i] = p->runs;
    }
    qemu_mutex_init(&f->lock);
    f->enabled = true;
    f->ready = true;
    return true;
}

/*
 * Context: main loop (realize, Namespace Management create).  The
 * namespace's placement handles from @ruhs (nvme-ns fdp.ruhs, may be
 * NULL) in subsystem @s.
 */
bool nvme_fdp_ns_setup(NvmeNamespace *ns, NvmeSubsys *s, const char *ruhs,
                       Error **errp)
{
    NvmeFdp *f = &s->fdp;
    uint16_t ids[NVME_FDP_MAX_NRUH];
    const char *why;
    int n = 1;

    ns->fdp = (NvmeNsFdp) { 0 };
    if (ruhs && (!f->ready || ns->zoned)) {
        error_setg(errp, "nvme-ns: fdp.ruhs needs a conventional namespace "
                   "in an nvme-subsys with fdp=on");
        return false;
    }
    if (!f->ready || ns->zoned) {
        return true;
    }
    if (ruhs) {
        n = nvme_fdp_ruhs_parse(ruhs, f->geo.nruh, ids, NVME_FDP_MAX_NRUH,
                                &why);
        if (n < 0) {
            error_setg(errp, "nvme-ns: fdp.ruhs='%s': %s", ruhs, why);
            return false;
        }
    } else {
        ids[0] = 0;
        ns->fdp.by_ctrl = true;
    }
    ns->fdp.nph = n;
    ns->fdp.ruhid = g_memdup2(ids, n * sizeof(ids[0]));
    ns->fdp.ev_mask = g_new0(uint8_t, n);
    return true;
}

/* Context: main loop. */
void nvme_fdp_ns_cleanup(NvmeNamespace *ns)
{
    g_free(ns->fdp.ruhid);
    g_free(ns->fdp.ev_mask);
    ns->fdp = (NvmeNsFdp) { 0 };
}

/* Context: any.  Whether @n's endurance group supports FDP. */
bool nvme_fdp_supported(NvmeCtrl *n)
{
    return n->subsys->fdp.ready;
}

/*
 * Context: main loop.  FDP supported: CTRATT bit 19 and OACS bit 5, the
 * directives that report data placement (id-ctrl.c).
 */
void nvme_fdp_identify_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in)
{
    in->fdp = nvme_fdp_supported(n);
}

/* Context: any.  Whether writes to @ns are placed now. */
static bool nvme_fdp_placing(NvmeNamespace *ns)
{
    return ns->subsys && ns->subsys->fdp.ready &&
           qatomic_read(&ns->subsys->fdp.enabled) && ns->fdp.nph;
}

/* ---- events ---- */

/*
 * Context: any, with fdp.lock held.  Record event @type of handle @ph
 * of @ns in reclaim group @rg if the host enabled it for that handle.
 */
static void nvme_fdp_event(NvmeFdp *f, NvmeNamespace *ns, uint8_t type,
                           uint16_t pid, uint16_t ph, uint16_t rg)
{
    int bit = nvme_fdp_ev_bit(type);
    NvmeFdpEvent e = { 0 };

    if (bit < 0 || ph >= ns->fdp.nph || !(ns->fdp.ev_mask[ph] & (1u << bit))) {
        return;
    }
    e.type = type;
    e.flags = FDPEF_PIV | FDPEF_NSIDV;
    e.pid = cpu_to_le16(pid);
    e.timestamp = cpu_to_le64(qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) &
                              MAKE_64BIT_MASK(0, 48));
    e.nsid = cpu_to_le32(ns->nsid);
    e.rgid = cpu_to_le16(rg);
    e.ruhid = ns->fdp.ruhid[ph];
    nvme_fdp_ev_push(type & 0x80 ? &f->ctrl_ev : &f->host_ev, &e);
    trace_nvme_fdp_event(type, pid, ns->nsid);
}

/* ---- writes ---- */

/*
 * Context: queue.  A Write's directive (CDW12 DTYPE 23:20): none, or
 * data placement on a namespace that places writes now.
 */
uint16_t nvme_fdp_write_check(NvmeRequest *req)
{
    uint8_t dtype = (le32_to_cpu(req->cmd.cdw12) >> 20) & 0xf;

    if (dtype == 0) {
        return NVME_SUCCESS;
    }
    if (dtype != NVME_FDP_DTYPE || !nvme_fdp_placing(req->ns)) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: write with directive type %u "
                      "on nsid %u without FDP placement\n", dtype,
                      req->ns->nsid);
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 50, 4,
                               "directive type not supported or enabled");
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue (completion).  @req wrote @nlb blocks of @ns: account
 * them to the reclaim unit of the placement identifier it named (a Write
 * with DTYPE 2), else of handle 0 in group 0.
 */
void nvme_fdp_written(NvmeRequest *req, uint64_t nlb)
{
    NvmeNamespace *ns = req->ns;
    NvmeFdp *f;
    uint64_t bytes, *avail;
    uint16_t pid = 0, ph = 0, rg = 0;
    bool bad = false;
    uint32_t filled;

    if (!nvme_fdp_placing(ns)) {
        return;
    }
    f = &ns->subsys->fdp;
    if (req->cmd.opcode == NVME_CMD_WRITE &&
        ((le32_to_cpu(req->cmd.cdw12) >> 20) & 0xf) == NVME_FDP_DTYPE) {
        pid = le32_to_cpu(req->cmd.cdw13) >> 16;
        if (!nvme_fdp_pid_parse(pid, f->geo.rgif, ns->fdp.nph, f->geo.nrg,
                                &ph, &rg)) {
            qemu_log_mask(LOG_GUEST_ERROR, "nvme: write to nsid %u with "
                          "invalid placement identifier 0x%x\n", ns->nsid,
                          pid);
            bad = true;
            ph = rg = 0;
        }
    }
    bytes = nlb * (ns->lbasz + ns->ms);
    QEMU_LOCK_GUARD(&f->lock);
    if (bad) {
        nvme_fdp_event(f, ns, NVME_FDP_EV_INVALID_PID, pid, 0, 0);
        pid = 0;
    }
    avail = &f->avail[(size_t)rg * f->geo.nruh + ns->fdp.ruhid[ph]];
    filled = nvme_fdp_ru_write(avail, f->geo.runs, bytes);
    f->hbmw += bytes;
    f->mbmw += bytes;
    f->mbe += filled * f->geo.runs;
    if (filled) {
        nvme_fdp_event(f, ns, NVME_FDP_EV_IMPLICIT, pid, ph, rg);
    }
}

/* ---- features ---- */

/* Context: main loop.  FDP feature (1Dh): CDW11 15:0 the group. */
static uint16_t nvme_fdp_endgid_check(NvmeRequest *req)
{
    if ((le32_to_cpu(req->cmd.cdw11) & 0xffff) != NVME_ENDGID) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: FDP feature of endurance "
                      "group %u\n", le32_to_cpu(req->cmd.cdw11) & 0xffff);
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "no such endurance group");
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  FDP Events (1Eh): the placement handle CDW11 15:0
 * names in the namespace CDW1 names.
 */
static uint16_t nvme_fdp_phndl(NvmeCtrl *n, NvmeRequest *req,
                               NvmeNamespace **ns, uint16_t *ph)
{
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint16_t status = nvme_nsid_status(n, nsid);

    if (status) {
        return nvme_req_reject(req, status, 4, 0,
                               "FDP Events of an inactive NSID");
    }
    *ns = nvme_ns(n, nsid);
    *ph = le32_to_cpu(req->cmd.cdw11) & 0xffff;
    if (!nvme_fdp_placing(*ns)) {
        return nvme_req_reject(req, NVME_FDP_DISABLED | NVME_DNR, 4, 0,
                               "FDP Events: namespace without placement");
    }
    if (*ph >= (*ns)->fdp.nph) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: FDP Events of placement "
                      "handle %u\n", *ph);
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "no such placement handle");
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Get FDP Events: up to NOET (CDW11 23:16) event
 * descriptors (type, enabled) of the handle; CQE dword 0 their count.
 */
static uint16_t nvme_fdp_get_events(NvmeCtrl *n, NvmeRequest *req)
{
    uint8_t noet = (le32_to_cpu(req->cmd.cdw11) >> 16) & 0xff;
    NvmeFdpEventDescr d[NVME_FDP_EV_NTYPES] = { 0 };
    NvmeNamespace *ns;
    unsigned cnt = MIN(noet, NVME_FDP_EV_NTYPES);
    uint16_t ph, status;

    status = nvme_fdp_phndl(n, req, &ns, &ph);
    if (status) {
        return status;
    }
    qemu_mutex_lock(&n->subsys->fdp.lock);
    for (unsigned i = 0; i < cnt; i++) {
        d[i].evt = nvme_fdp_ev_types[i];
        d[i].evta = !!(ns->fdp.ev_mask[ph] & (1u << i));
    }
    qemu_mutex_unlock(&n->subsys->fdp.lock);
    req->result = cnt;
    return cnt ? nvme_dma_to_guest(n, req, d, cnt * sizeof(d[0]))
               : NVME_SUCCESS;
}

/* Context: main loop.  Get Features 1Dh / 1Eh (features.c calls). */
uint16_t nvme_fdp_get_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                              uint8_t sel)
{
    uint16_t status;

    if (!nvme_fdp_supported(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "FDP not configured (nvme-subsys fdp=on)");
    }
    if (sel > NVME_GETFEAT_SELECT_CAP) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 41, 0,
                               "reserved SEL value");
    }
    if (sel == NVME_GETFEAT_SELECT_CAP) {
        req->result = NVME_FEAT_CAP_CHANGE |
                      (fid == NVME_FDP_EVENTS ? NVME_FEAT_CAP_NS : 0);
        return NVME_SUCCESS;
    }
    if (fid == NVME_FDP_EVENTS) {
        return nvme_fdp_get_events(n, req);
    }
    status = nvme_fdp_endgid_check(req);
    if (status) {
        return status;
    }
    /* default and saved: enabled, configuration 0 (as at power on) */
    req->result = sel == NVME_GETFEAT_SELECT_CURRENT ?
                  qatomic_read(&n->subsys->fdp.enabled) : 1;
    return NVME_SUCCESS;
}

/* Context: main loop.  Whether subsystem @s has a namespace. */
static bool nvme_fdp_has_ns(NvmeSubsys *s)
{
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (s->ns[i]) {
            return true;
        }
    }
    return false;
}

/*
 * Context: main loop.  Set FDP (1Dh): CDW12 bit 0 FDPE, 15:8 the
 * configuration index.  Changing it needs a group without namespaces;
 * enabling starts every handle on an empty reclaim unit.
 */
static uint16_t nvme_fdp_set_mode(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t dw12 = le32_to_cpu(req->cmd.cdw12);
    NvmeFdp *f = &n->subsys->fdp;
    bool fdpe = dw12 & 1;
    uint16_t status = nvme_fdp_endgid_check(req);

    if (status) {
        return status;
    }
    if (dw12 & ~0xff01u) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 48, 1,
                               "reserved CDW12 bits");
    }
    if ((dw12 >> 8) & 0xff) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 49, 0,
                               "no such FDP configuration");
    }
    if (fdpe == f->enabled) {
        return NVME_SUCCESS;
    }
    if (nvme_fdp_has_ns(n->subsys)) {
        return nvme_req_reject(req, NVME_CMD_SEQ_ERROR | NVME_DNR, 48, 0,
                               "FDP changes need a group without "
                               "namespaces");
    }
    qemu_mutex_lock(&f->lock);
    for (size_t i = 0; i < (size_t)f->geo.nrg * f->geo.nruh; i++) {
        f->avail[i] = f->geo.runs;
    }
    qatomic_set(&f->enabled, fdpe);
    qemu_mutex_unlock(&f->lock);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Set FDP Events (1Eh): enable (CDW12 bit 0) or
 * disable the NOET (CDW11 23:16) event types listed in the data for the
 * handle.  A type the controller does not report is refused.
 */
static uint16_t nvme_fdp_set_events(NvmeCtrl *n, NvmeRequest *req)
{
    uint8_t noet = (le32_to_cpu(req->cmd.cdw11) >> 16) & 0xff;
    bool enable = le32_to_cpu(req->cmd.cdw12) & 1;
    uint8_t types[256];
    uint8_t mask = 0;
    NvmeNamespace *ns;
    uint16_t ph, status;

    status = nvme_fdp_phndl(n, req, &ns, &ph);
    if (!status && noet) {
        status = nvme_dma_from_guest(n, req, types, noet);
    }
    if (status) {
        return status;
    }
    for (unsigned i = 0; i < noet; i++) {
        int bit = nvme_fdp_ev_bit(types[i]);

        if (bit < 0) {
            qemu_log_mask(LOG_GUEST_ERROR, "nvme: FDP event type 0x%x\n",
                          types[i]);
            return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 0, 0,
                                   "FDP event type not supported");
        }
        mask |= 1u << bit;
    }
    QEMU_LOCK_GUARD(&n->subsys->fdp.lock);
    if (enable) {
        ns->fdp.ev_mask[ph] |= mask;
    } else {
        ns->fdp.ev_mask[ph] &= ~mask;
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Set Features 1Dh / 1Eh (features.c calls). */
uint16_t nvme_fdp_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid)
{
    if (!nvme_fdp_supported(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "FDP not configured (nvme-subsys fdp=on)");
    }
    if (NVME_SETFEAT_SAVE(le32_to_cpu(req->cmd.cdw10))) {
        return nvme_req_reject(req, NVME_FID_NOT_SAVEABLE | NVME_DNR, 43, 7,
                               "feature is not saveable");
    }
    trace_nvme_fdp_set_feature(fid, le32_to_cpu(req->cmd.cdw11),
                               le32_to_cpu(req->cmd.cdw12));
    return fid == NVME_FDP_MODE ? nvme_fdp_set_mode(n, req)
                                : nvme_fdp_set_events(n, req);
}

/* ---- log pages ---- */

/* Context: main loop.  Reclaim Unit Handle Usage (21h) into @buf. */
static size_t nvme_fdp_fill_ruhu(NvmeSubsys *s, uint8_t *buf)
{
    NvmeRuhuLog *hdr = (NvmeRuhuLog *)buf;
    NvmeRuhuDescr *d = (NvmeRuhuDescr *)(hdr + 1);

    hdr->nruh = cpu_to_le16(s->fdp.geo.nruh);
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = s->ns[nsid];

        for (unsigned ph = 0; ns && ph < ns->fdp.nph; ph++) {
            uint8_t *a = &d[ns->fdp.ruhid[ph]].ruha;

            /* a handle some namespace lists is the host's */
            if (!ns->fdp.by_ctrl) {
                *a = NVME_RUHA_HOST;
            } else if (*a == NVME_RUHA_UNUSED) {
                *a = NVME_RUHA_CTRL;
            }
        }
    }
    return sizeof(*hdr) + s->fdp.geo.nruh * sizeof(*d);
}

/*
 * Context: main loop.  Log pages 20h-23h of the endurance group the Log
 * Specific Identifier (CDW11 31:16) names into @buf (4 KiB); its size,
 * or 0 with *status set.  23h: LSP bit 0 host events, else controller.
 */
size_t nvme_fdp_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t lid,
                         uint8_t *buf, uint16_t *status)
{
    uint16_t endgid = le32_to_cpu(req->cmd.cdw11) >> 16;
    bool host = (le32_to_cpu(req->cmd.cdw10) >> 8) & 1;
    NvmeFdp *f = &n->subsys->fdp;

    if (endgid != NVME_ENDGID) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: FDP log of endurance group "
                      "%u\n", endgid);
        *status = nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 46, 0,
                                  "no such endurance group");
        return 0;
    }
    switch (lid) {
    case NVME_LOG_FDP_CONFS:
        return nvme_fdp_confs_fill(&f->geo, buf);
    case NVME_LOG_FDP_RUH_USAGE:
        return nvme_fdp_fill_ruhu(n->subsys, buf);
    case NVME_LOG_FDP_STATS: {
        QEMU_LOCK_GUARD(&f->lock);
        return nvme_fdp_stats_fill(f->hbmw, f->mbmw, f->mbe, buf);
    }
    default: {
        QEMU_LOCK_GUARD(&f->lock);
        return nvme_fdp_ev_fill(host ? &f->host_ev : &f->ctrl_ev, buf);
    }
    }
}

/* ---- directives ---- */

/*
 * Context: main loop.  The Identify directive's DOPER, DTYPE (CDW11 7:0,
 * 15:8; DSPEC 31:16 must be 0) and the namespace CDW1 names; FDP
 * configured, else the opcodes do not exist.
 */
static uint16_t nvme_fdp_dir_check(NvmeCtrl *n, NvmeRequest *req,
                                   NvmeNamespace **ns)
{
    uint32_t dw11 = le32_to_cpu(req->cmd.cdw11);
    uint32_t nsid = le32_to_cpu(req->cmd.nsid);
    uint16_t status;

    if (!nvme_fdp_supported(n)) {
        return nvme_req_reject(req, NVME_INVALID_OPCODE | NVME_DNR, 0, 0,
                               "directives without FDP");
    }
    status = nvme_nsid_status(n, nsid);
    if (status) {
        return nvme_req_reject(req, status, 4, 0,
                               "directive of an inactive NSID");
    }
    *ns = nvme_ns(n, nsid);
    if (((dw11 >> 8) & 0xff) != NVME_DIRECTIVE_IDENTIFY || dw11 >> 16) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: directive type %u\n",
                      (dw11 >> 8) & 0xff);
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 45, 0,
                               "directive type or DSPEC not supported");
    }
    if ((dw11 & 0xff) != NVME_DIRECTIVE_RETURN_PARAMS) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "directive operation not supported");
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Directive Receive (1Ah), Identify Return
 * Parameters of the namespace: Identify and Data Placement supported,
 * Data Placement enabled where the namespace places writes; both kept
 * across a controller reset.  NUMD (CDW10, 0's based) of the 4 KiB.
 */
uint16_t nvme_admin_directive_recv(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t len = (le32_to_cpu(req->cmd.cdw10) + 1ull) * 4;
    g_autofree NvmeDirectiveIdentify *id = g_new0(NvmeDirectiveIdentify, 1);
    uint8_t both = 1u << NVME_DIRECTIVE_IDENTIFY |
                   1u << NVME_DIRECTIVE_DATA_PLACEMENT;
    NvmeNamespace *ns;
    uint16_t status = nvme_fdp_dir_check(n, req, &ns);

    if (status) {
        return status;
    }
    if (len > sizeof(*id)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "NUMD beyond the Return Parameters");
    }
    id->supported = both;
    id->enabled = nvme_fdp_placing(ns) ? both : 1u << NVME_DIRECTIVE_IDENTIFY;
    id->persistent = both;
    return nvme_dma_to_guest(n, req, id, len);
}

/*
 * Context: main loop.  Directive Send (19h), Identify Enable Directive
 * (CDW12 bit 0 ENDIR, 15:8 DTYPE): data placement is the FDP feature's to
 * enable, so it is refused, as upstream refuses it.
 */
uint16_t nvme_admin_directive_send(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns;
    uint16_t status = nvme_fdp_dir_check(n, req, &ns);

    if (status) {
        return status;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "nvme: Directive Send Enable Directive "
                  "0x%x: the FDP feature controls data placement\n",
                  le32_to_cpu(req->cmd.cdw12));
    return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 49, 0,
                           "data placement follows the FDP feature");
}

/* ---- I/O Management ---- */

/*
 * Context: queue.  The FDP state an I/O Management command needs: FDP
 * configured (else the opcode does not exist) and enabled, and the
 * management operation CDW10 7:0 names.
 */
static uint16_t nvme_fdp_io_mgmt_check(NvmeCtrl *n, NvmeRequest *req,
                                       uint8_t *mo)
{
    *mo = le32_to_cpu(req->cmd.cdw10) & 0xff;
    if (!nvme_fdp_supported(n)) {
        return nvme_req_reject(req, NVME_INVALID_OPCODE | NVME_DNR, 0, 0,
                               "I/O Management without FDP");
    }
    if (*mo != NVME_FDP_MO_NOP && *mo != NVME_FDP_MO_RUH) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: I/O management operation "
                      "0x%x\n", *mo);
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "management operation not supported");
    }
    if (*mo == NVME_FDP_MO_RUH && !nvme_fdp_placing(req->ns)) {
        return nvme_req_reject(req, NVME_FDP_DISABLED | NVME_DNR, 40, 0,
                               "FDP disabled or namespace without "
                               "placement");
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue.  I/O Management Receive (12h), Reclaim Unit Handle
 * Status: a descriptor per placement handle and reclaim group of the
 * namespace, NUMD (CDW11, 0's based dwords) of it.
 */
uint16_t nvme_nvm_io_mgmt_recv(NvmeCtrl *n, NvmeRequest *req)
{
    uint64_t len = (le32_to_cpu(req->cmd.cdw11) + 1ull) * 4;
    NvmeNamespace *ns = req->ns;
    NvmeFdp *f = &n->subsys->fdp;
    g_autofree uint8_t *buf = NULL;
    NvmeRuhStatusDescr *d;
    uint32_t nd, i = 0;
    size_t size;
    uint8_t mo;
    uint16_t status = nvme_fdp_io_mgmt_check(n, req, &mo);

    if (status || mo == NVME_FDP_MO_NOP) {
        return status;
    }
    if (len > nvme_mdts_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "NUMD beyond MDTS");
    }
    nd = MIN((uint32_t)ns->fdp.nph * f->geo.nrg, NVME_FDP_STATUS_MAX);
    size = sizeof(NvmeRuhStatus) + nd * sizeof(*d);
    buf = g_malloc0(size);
    ((NvmeRuhStatus *)buf)->nruhsd = cpu_to_le16(nd);
    d = (NvmeRuhStatusDescr *)(buf + sizeof(NvmeRuhStatus));
    qemu_mutex_lock(&f->lock);
    for (uint16_t ph = 0; ph < ns->fdp.nph; ph++) {
        for (uint16_t rg = 0; rg < f->geo.nrg && i < nd; rg++, i++) {
            uint16_t ruhid = ns->fdp.ruhid[ph];
            uint64_t avail = f->avail[(size_t)rg * f->geo.nruh + ruhid];

            d[i].pid = cpu_to_le16(nvme_fdp_pid(ph, rg, f->geo.rgif));
            d[i].ruhid = cpu_to_le16(ruhid);
            d[i].earutr = 0;        /* no reclaim unit time limit */
            d[i].ruamw = cpu_to_le64(avail / (ns->lbasz + ns->ms));
        }
    }
    qemu_mutex_unlock(&f->lock);
    return nvme_dma_to_guest_padded(n, req, buf, MIN(size, len), len);
}

/*
 * Context: queue.  I/O Management Send (1Dh), Reclaim Unit Handle
 * Update: NPID (CDW10 31:16, 0's based) placement identifiers in the
 * data; each handle moves to a fresh reclaim unit in its group.  All are
 * checked before any moves.
 */
uint16_t nvme_nvm_io_mgmt_send(NvmeCtrl *n, NvmeRequest *req)
{
    uint32_t npid = (le32_to_cpu(req->cmd.cdw10) >> 16) + 1;
    NvmeNamespace *ns = req->ns;
    NvmeFdp *f = &n->subsys->fdp;
    g_autofree uint16_t *pids = NULL;
    uint16_t ph, rg;
    uint8_t mo;
    uint16_t status = nvme_fdp_io_mgmt_check(n, req, &mo);

    if (status || mo == NVME_FDP_MO_NOP) {
        return status;
    }
    pids = g_new(uint16_t, npid);
    status = nvme_dma_from_guest(n, req, pids, npid * sizeof(*pids));
    if (status) {
        return status;
    }
    for (uint32_t i = 0; i < npid; i++) {
        if (!nvme_fdp_pid_parse(le16_to_cpu(pids[i]), f->geo.rgif,
                                ns->fdp.nph, f->geo.nrg, &ph, &rg)) {
            qemu_log_mask(LOG_GUEST_ERROR, "nvme: RUH Update of invalid "
                          "placement identifier 0x%x\n",
                          le16_to_cpu(pids[i]));
            return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 0, 0,
                                   "invalid placement identifier");
        }
    }
    QEMU_LOCK_GUARD(&f->lock);
    for (uint32_t i = 0; i < npid; i++) {
        uint16_t pid = le16_to_cpu(pids[i]);
        uint64_t *avail;

        nvme_fdp_pid_parse(pid, f->geo.rgif, ns->fdp.nph, f->geo.nrg, &ph,
                           &rg);
        avail = &f->avail[(size_t)rg * f->geo.nruh + ns->fdp.ruhid[ph]];
        trace_nvme_fdp_ruh_update(ns->nsid, pid);
        if (nvme_fdp_ru_update(avail, f->geo.runs)) {
            f->mbe += f->geo.runs;
            nvme_fdp_event(f, ns, NVME_FDP_EV_RUNFW, pid, ph, rg);
        }
    }
    return NVME_SUCCESS;
}

/* ---- migration ---- */

/* A namespace's enabled events, per placement handle (the stream's). */
typedef struct NvmeFdpNsMig {
    uint32_t nsid;
    uint16_t nph;
    uint8_t ev_mask[NVME_FDP_MAX_NRUH];
} NvmeFdpNsMig;

static const VMStateDescription nvme_vmstate_fdp_ring = {
    .name = "nvme-fdp-events",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        NVME_VMSTATE_RAW(ev, NvmeFdpEvRing),    /* as the host reads them */
        VMSTATE_UINT32(start, NvmeFdpEvRing),
        VMSTATE_UINT32(count, NvmeFdpEvRing),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription nvme_vmstate_fdp_ns = {
    .name = "nvme-fdp-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(nsid, NvmeFdpNsMig),
        VMSTATE_UINT16(nph, NvmeFdpNsMig),
        VMSTATE_UINT8_ARRAY(ev_mask, NvmeFdpNsMig, NVME_FDP_MAX_NRUH),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * Context: main loop (a pre_save), the queues frozen.  The counts the
 * stream names and every placing namespace's event enables.
 */
static int nvme_fdp_pre_save(void *opaque)
{
    NvmeFdp *f = &((NvmeSubsysDevice *)opaque)->s.fdp;
    NvmeSubsys *s = &((NvmeSubsysDevice *)opaque)->s;

    g_free(f->stream.ns);
    f->stream.navail = f->geo.nrg * f->geo.nruh;
    f->stream.ns = g_new0(NvmeFdpNsMig, NVME_MAX_NSID);
    f->stream.nns = 0;
    for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
        NvmeNamespace *ns = s->ns[nsid];
        NvmeFdpNsMig *m = &f->stream.ns[f->stream.nns];

        if (ns && ns->fdp.nph) {
            m->nsid = nsid;
            m->nph = ns->fdp.nph;
            memcpy(m->ev_mask, ns->fdp.ev_mask, ns->fdp.nph);
            f->stream.nns++;
        }
    }
    return 0;
}

static int nvme_fdp_post_save(void *opaque)
{
    NvmeFdp *f = &((NvmeSubsysDevice *)opaque)->s.fdp;

    g_free(f->stream.ns);
    f->stream.ns = NULL;
    f->stream.nns = 0;
    return 0;
}

static bool nvme_fdp_needed(void *opaque)
{
    return ((NvmeSubsysDevice *)opaque)->s.fdp.ready;
}

/* The destination's geometry is the source's (same command lines). */
static bool nvme_fdp_navail_ok(void *opaque, int version_id)
{
    NvmeFdp *f = &((NvmeSubsysDevice *)opaque)->s.fdp;

    return f->ready && f->stream.navail == f->geo.nrg * f->geo.nruh;
}

static bool nvme_fdp_nns_ok(void *opaque, int version_id)
{
    return ((NvmeSubsysDevice *)opaque)->s.fdp.stream.nns <= NVME_MAX_NSID;
}

/* Context: main loop.  An events ring as its commands leave it. */
static bool nvme_fdp_ring_ok(const NvmeFdpEvRing *r)
{
    return r->start < NVME_FDP_MAX_EVENTS && r->count <= NVME_FDP_MAX_EVENTS;
}

/*
 * Context: main loop.  What a reclaim unit can hold and what the event
 * rings can be; the namespaces' masks wait for the subsystem's post_load
 * (created namespaces are adopted there): nvme_fdp_mig_apply().
 */
static int nvme_fdp_post_load(void *opaque, int version_id)
{
    NvmeSubsysDevice *d = opaque;
    NvmeFdp *f = &d->s.fdp;
    const char *who = DEVICE(d)->id ? DEVICE(d)->id : "nvme-subsys";

    for (uint32_t i = 0; i < f->stream.navail; i++) {
        if (f->avail[i] > f->geo.runs) {
            return nvme_mig_bad_dev(who, "FDP reclaim unit %u holds %" PRIu64
                                    " bytes, more than fdp.runs", i,
                                    f->avail[i]);
        }
    }
    if (!nvme_fdp_ring_ok(&f->host_ev) || !nvme_fdp_ring_ok(&f->ctrl_ev)) {
        return nvme_mig_bad_dev(who, "FDP events ring out of range");
    }
    return 0;
}

/*
 * Context: main loop (the subsystem's post_load, after the created
 * namespaces came).  Each placing namespace's event enables, from the
 * stream: the namespace must exist with as many placement handles, and
 * only event types the controller reports may be enabled.
 */
int nvme_fdp_mig_apply(NvmeSubsys *s, const char *who)
{
    NvmeFdp *f = &s->fdp;
    uint8_t valid = (1u << NVME_FDP_EV_NTYPES) - 1;
    int ret = 0;

    for (uint32_t i = 0; !ret && f->stream.ns && i < f->stream.nns; i++) {
        NvmeFdpNsMig *m = &f->stream.ns[i];
        NvmeNamespace *ns = nvme_nsid_valid(m->nsid) ? s->ns[m->nsid] : NULL;

        if (!ns || ns->fdp.nph != m->nph) {
            ret = nvme_mig_bad_dev(who, "FDP namespace %u with %u placement "
                                   "handles is not so here", m->nsid,
                                   m->nph);
            break;
        }
        for (uint16_t ph = 0; ph < m->nph; ph++) {
            if (m->ev_mask[ph] & ~valid) {
                ret = nvme_mig_bad_dev(who, "FDP events 0x%x enabled",
                                       m->ev_mask[ph]);
                break;
            }
        }
        if (!ret) {
            memcpy(ns->fdp.ev_mask, m->ev_mask, m->nph);
        }
    }
    g_free(f->stream.ns);
    f->stream.ns = NULL;
    f->stream.nns = 0;
    return ret;
}

/*
 * The endurance group's Flexible Data Placement: FDPE, every reclaim
 * unit's room, the statistics, both event rings, and the namespaces'
 * event enables.  The configuration (fdp.runs, fdp.nrg, fdp.nruh,
 * fdp.ruhs) comes from the command line and must be the source's.
 */
const VMStateDescription nvme_vmstate_subsys_fdp = {
    .name = "nvme-subsys/fdp",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_fdp_needed,
    .pre_save = nvme_fdp_pre_save,
    .post_save = nvme_fdp_post_save,
    .post_load = nvme_fdp_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(s.fdp.enabled, NvmeSubsysDevice),
        VMSTATE_UINT32(s.fdp.stream.navail, NvmeSubsysDevice),
        VMSTATE_VALIDATE("FDP reclaim groups and handles as here",
                         nvme_fdp_navail_ok),
        VMSTATE_VARRAY_UINT32(s.fdp.avail, NvmeSubsysDevice,
                              s.fdp.stream.navail, 1, vmstate_info_uint64,
                              uint64_t),
        VMSTATE_UINT64(s.fdp.hbmw, NvmeSubsysDevice),
        VMSTATE_UINT64(s.fdp.mbmw, NvmeSubsysDevice),
        VMSTATE_UINT64(s.fdp.mbe, NvmeSubsysDevice),
        VMSTATE_STRUCT(s.fdp.host_ev, NvmeSubsysDevice, 1,
                       nvme_vmstate_fdp_ring, NvmeFdpEvRing),
        VMSTATE_STRUCT(s.fdp.ctrl_ev, NvmeSubsysDevice, 1,
                       nvme_vmstate_fdp_ring, NvmeFdpEvRing),
        VMSTATE_UINT32(s.fdp.stream.nns, NvmeSubsysDevice),
        VMSTATE_VALIDATE("FDP namespaces within 256", nvme_fdp_nns_ok),
        NVME_VMSTATE_STRUCT_VARRAY_UINT32_ALLOC(s.fdp.stream.ns,
                                                NvmeSubsysDevice,
                                                s.fdp.stream.nns,
                                                nvme_vmstate_fdp_ns,
                                                NvmeFdpNsMig),
        VMSTATE_END_OF_LIST()
    },
};

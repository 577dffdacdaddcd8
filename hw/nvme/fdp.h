/*
 * Flexible Data Placement (fdp.c; the pure rules: fdp-rules.c) on the
 * subsystem's endurance group: the nvme-subsys fdp.* and nvme-ns fdp.ruhs
 * properties, the FDP features (1Dh, 1Eh), log pages 20h-23h, I/O
 * Management Receive/Send, and writes with the data placement directive.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_FDP_H
#define HW_NVME_FDP_H

#include "qemu/thread.h"
#include "migration/vmstate.h"
#include "fdp-rules.h"
#include "types.h"
#include "id-ctrl.h"

#define NVME_FDP_DEFAULT_RUNS   (96 * 1024 * 1024)

/* nvme-subsys fdp.* properties: upstream's names, defaults and meanings. */
typedef struct NvmeFdpParams {
    bool fdp;                   /* fdp= */
    uint64_t runs;              /* fdp.runs=, bytes */
    uint32_t nrg;               /* fdp.nrg= */
    uint16_t nruh;              /* fdp.nruh=, required with fdp=on */
} NvmeFdpParams;

/*
 * Subsystem state (NvmeSubsys.fdp): the endurance group's FDP.  @lock
 * guards what writes change (reclaim units, statistics, events, the
 * namespaces' event enables); it is held for a few instructions only.
 * The rest changes in the main loop.
 *
 * Kept in memory: after a QEMU restart every handle starts on an empty
 * reclaim unit and the statistics and events start from zero.  It
 * migrates (the subsystem's subsection "nvme-subsys/fdp", fdp.c).
 */
typedef struct NvmeFdp {
    NvmeFdpParams conf;
    NvmeFdpGeo geo;
    bool enabled;               /* FDP feature FDPE */
    bool ready;                 /* set up (fdp=on, valid) */
    QemuMutex lock;
    uint64_t *avail;            /* [rg * nruh + ruhid]: bytes left */
    uint64_t hbmw;              /* host bytes with metadata written */
    uint64_t mbmw;              /* media bytes with metadata written */
    uint64_t mbe;               /* media bytes erased */
    NvmeFdpEvRing host_ev;
    NvmeFdpEvRing ctrl_ev;
    /* what the stream carries besides (fdp.c): counts, namespaces' masks */
    struct {
        uint32_t navail;
        uint32_t nns;
        struct NvmeFdpNsMig *ns;
    } stream;
} NvmeFdp;

/* Namespace state (NvmeNamespace.fdp). */
typedef struct NvmeNsFdp {
    uint16_t nph;               /* placement handles; 0: no placement */
    bool by_ctrl;               /* no fdp.ruhs: the controller chose */
    uint16_t *ruhid;            /* [ph]: its reclaim unit handle */
    uint8_t *ev_mask;           /* [ph]: enabled events (fdp-rules.h) */
} NvmeNsFdp;

bool nvme_fdp_subsys_setup(NvmeSubsys *s, Error **errp);
bool nvme_fdp_ns_setup(NvmeNamespace *ns, NvmeSubsys *s, const char *ruhs,
                       Error **errp);
void nvme_fdp_ns_cleanup(NvmeNamespace *ns);
bool nvme_fdp_supported(NvmeCtrl *n);
void nvme_fdp_identify_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in);
uint16_t nvme_fdp_get_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                              uint8_t sel);
uint16_t nvme_fdp_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid);
size_t nvme_fdp_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t lid,
                         uint8_t *buf, uint16_t *status);
uint16_t nvme_fdp_write_check(NvmeRequest *req);
void nvme_fdp_written(NvmeRequest *req, uint64_t nlb);
uint16_t nvme_admin_directive_recv(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_admin_directive_send(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_io_mgmt_recv(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_io_mgmt_send(NvmeCtrl *n, NvmeRequest *req);
int nvme_fdp_mig_apply(NvmeSubsys *s, const char *who);

extern const VMStateDescription nvme_vmstate_subsys_fdp;

#endif /* HW_NVME_FDP_H */

/*
 * The NVM subsystem (subsys.c): the nvme-subsys device, NSID allocation,
 * Namespace Attachment and Management (with its capacity pool), the
 * Changed Namespace List.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_SUBSYS_H
#define HW_NVME_SUBSYS_H

#include "hw/qdev-core.h"
#include "qemu/thread.h"
#include "qemu/bitops.h"
#include "hw/nvme/nvme.h"      /* type names */
#include "migration/vmstate.h"
#include "types.h"
#include "id-ctrl.h"
#include "endgrp.h"
#include "fdp.h"

#define NVME_SUBSYS_MAX_CTRLS   256     /* SR-IOV: a PF and its VFs */

#define NVME_ADM_CMD_NS_MGMT        0x0d
#define NVME_NS_INSUFFICIENT_CAP    0x0115  /* Namespace Management */
#define NVME_NS_ID_UNAVAILABLE      0x0116
#define NVME_THIN_PROV_NOT_SUPP     0x011b

/* Namespace Management capacity pool (NvmeSubsys.pool). */
typedef struct NvmeNsPool {
    char *dir;                  /* nvme-subsys,pool=: NULL, no pool */
    uint64_t size;              /* nvme-subsys,pool-size= bytes */
    uint64_t used;              /* bytes of the created namespaces */
    uint64_t created[NVME_MAX_NSID + 1];    /* image bytes, 0: nvme-ns */
    /* the created namespaces as the stream carries them (pool.c) */
    uint32_t nr_mig;
    struct NvmePoolNsMig *mig;
    /* the state file (pool.c): its writer, whom to attach at start */
    QEMUBH *save_bh;
    unsigned long attach[NVME_MAX_NSID + 1]
                        [BITS_TO_LONGS(NVME_SUBSYS_MAX_CTRLS)];
} NvmeNsPool;

/*
 * The NVM subsystem a controller belongs to: allocated NSIDs and the
 * controllers, indexed by controller id.  A controller without an
 * nvme-subsys device gets its own (multi == false).
 */
struct NvmeSubsys {
    char subnqn[256];           /* Identify Controller SUBNQN */
    bool multi;                 /* nvme-subsys: CMIC bit 1, NMIC usable */
    NvmeCtrl *ctrls[NVME_SUBSYS_MAX_CTRLS];
    NvmeNamespace *ns[NVME_MAX_NSID + 1];   /* allocated NSIDs */
    NvmeNsPool pool;
    NvmeEndGrpStats endgrp;     /* endurance group 1: every namespace */
    NvmeFdp fdp;                /* its Flexible Data Placement (fdp.c) */
    NvmeEndGrpStats endgrp_mig; /* the sum the stream carries (endgrp.c) */
    /*
     * Reservations (resv.c): its namespaces' registrants and reservations,
     * its controllers' Host Identifiers, notices and notice masks.  Taken
     * by the reservation commands and features, and by an I/O command's
     * check only while its namespace has a reservation.
     */
    QemuMutex resv_lock;
    bool resv_lock_ready;
    bool atomic_units;          /* a controller with AWUN/AWUPF (atomic.c) */
    uint32_t sanitizing;        /* controllers sanitizing (sanitize.c; atomic) */
};

OBJECT_DECLARE_SIMPLE_TYPE(NvmeSubsysDevice, NVME_SUBSYS)
struct NvmeSubsysDevice {
    DeviceState parent_obj;
    char *nqn;
    NvmeSubsys s;
};

/*
 * Controller state (NvmeCtrl.changed_ns): the Changed Namespace List log
 * (04h), bit per NSID.  Context: main loop.
 */
typedef struct NvmeChangedNs {
    unsigned long map[BITS_TO_LONGS(NVME_MAX_NSID + 1)];
} NvmeChangedNs;

BlockBackend *nvme_pool_open(NvmeSubsys *s, uint32_t nsid, uint64_t bytes,
                             bool create, Error **errp);
NvmeNamespace *nvme_pool_ns_new(NvmeSubsys *s, uint32_t nsid,
                                BlockBackend *blk, uint64_t bytes,
                                uint8_t lbads, bool shared);
void nvme_pool_ns_free(NvmeSubsys *s, uint32_t nsid);
bool nvme_subsys_add_ctrl(NvmeCtrl *n, Error **errp);
void nvme_subsys_remove_ctrl(NvmeCtrl *n);
bool nvme_subsys_add_ns(NvmeCtrl *n, NvmeNamespace *ns, uint32_t nsid,
                        Error **errp);
void nvme_subsys_remove_ns(NvmeNamespace *ns);
void nvme_ns_set_attached(NvmeCtrl *c, uint32_t nsid, NvmeNamespace *ns);
const char *nvme_subsys_id_seed(NvmeCtrl *n);
uint16_t nvme_admin_ns_attachment(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_identify_ns_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t nsid);
uint16_t nvme_identify_ctrl_list(NvmeCtrl *n, NvmeRequest *req,
                                 uint32_t nsid);
uint16_t nvme_identify_ns_granularity(NvmeCtrl *n, NvmeRequest *req,
                                      uint32_t nsid);
size_t nvme_log_fill_changed_ns(NvmeCtrl *n, uint8_t *buf);
void nvme_ns_changed(NvmeCtrl *n, uint32_t nsid);
void nvme_ns_changed_all(NvmeNamespace *ns);
void nvme_log_clear_changed_ns(NvmeCtrl *n);
uint16_t nvme_admin_ns_mgmt(NvmeCtrl *n, NvmeRequest *req);
void nvme_subsys_id_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in);

extern const VMStateDescription nvme_vmstate_changed_ns;
extern const VMStateDescription nvme_vmstate_attached;

#endif /* HW_NVME_SUBSYS_H */

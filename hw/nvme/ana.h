/*
 * Asymmetric Namespace Access (ana.c): each controller's state of each
 * ANA group, the ANA log and the "ana-state" property.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ANA_H
#define HW_NVME_ANA_H

#include "qom/object.h"
#include "migration/vmstate.h"
#include "types.h"
#include "id-ctrl.h"

#define NVME_LOG_ANA                0x0c
#define NVME_ANA_GRPS               16      /* ANAGRPMAX, NANAGRPID */
#define NVME_ANA_OPTIMIZED          0x01
#define NVME_ANA_NON_OPTIMIZED      0x02
#define NVME_ANA_INACCESSIBLE       0x03
#define NVME_ANA_PERSISTENT_LOSS    0x04
#define NVME_ANA_CHANGE             0x0f
#define NVME_ANA_PERSISTENT_LOSS_STATUS 0x0301    /* SCT 3: path related */
#define NVME_ANA_INACCESSIBLE_STATUS    0x0302
#define NVME_ANA_TRANSITION_STATUS      0x0303

/* Controller state (NvmeCtrl.ana): its view of each group. */
typedef struct NvmeAna {
    uint8_t state[NVME_ANA_GRPS + 1];       /* 0: optimized */
    uint64_t grp_chgcnt[NVME_ANA_GRPS + 1];
    uint64_t chgcnt;            /* log 0Ch Change Count */
    bool unread;                /* ANA notice reported, log not read */
} NvmeAna;

uint32_t nvme_ana_grpid(NvmeNamespace *ns);
bool nvme_ana_ns_setup(NvmeNamespace *ns, uint32_t grpid, Error **errp);
void nvme_ana_identify_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in);
uint16_t nvme_ana_check(NvmeCtrl *n, NvmeRequest *req);
size_t nvme_ana_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                         uint16_t *status);
void nvme_ana_log_read(NvmeCtrl *n);
void nvme_ana_ns_attach_changed(NvmeCtrl *n, NvmeNamespace *ns);
void nvme_ana_class_init(ObjectClass *oc);

extern const VMStateDescription nvme_vmstate_ana;

#endif /* HW_NVME_ANA_H */

/*
 * Reservations (resv.c): registrants and the reservation of each
 * namespace, the Host Identifier, Reservation Notification log and mask
 * of each controller, and Persist Through Power Loss.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_RESV_H
#define HW_NVME_RESV_H

#include "feat-rules.h"     /* the FIDs of the reservation features */
#include "migration/vmstate.h"
#include "types.h"

#define NVME_RESERVATION_CONFLICT   NVME_NS_RESV_CONFLICT   /* 0083h */
#define NVME_HOSTID_INCONSISTENT    0x0018  /* Host Identifier Inconsistent */
#define NVME_CMD_RESV_REGISTER      0x0d
#define NVME_CMD_RESV_REPORT        0x0e
#define NVME_CMD_RESV_ACQUIRE       0x11
#define NVME_CMD_RESV_RELEASE       0x15
#define NVME_LOG_RESV_NOTIFY        0x80
#define NVME_CMD_ABORTED_PREEMPT    0x001b  /* Preempt and Abort */
#define NVME_RESV_MAX_REGS          64      /* registrants per namespace */
#define NVME_RESV_LOG_MAX           64      /* unread notices per ctrl */

/*
 * One registrant of a namespace: a host, named by its host identifier,
 * or a single controller whose host identifier is zero (@anon).
 */
typedef struct NvmeResvReg {
    uint8_t hostid[16];
    bool ext;                   /* 128-bit host identifier */
    bool anon;                  /* host identifier 0: controller @cntlid */
    uint16_t cntlid;
    bool holder;                /* holds a reservation of type 1-4 */
    uint64_t key;
} NvmeResvReg;

/*
 * Reservation state of a namespace (NvmeNamespace.resv), shared by all its
 * controllers.
 */
typedef struct NvmeResv {
    NvmeResvReg regs[NVME_RESV_MAX_REGS];
    uint32_t nr;
    uint8_t rtype;              /* 0: no reservation */
    uint32_t gen;               /* Reservation Report GEN */
    bool ptpl;                  /* Persist Through Power Loss state */
    char *path;                 /* nvme-ns,resv-state=; NULL: no PTPL */
} NvmeResv;

/* A Reservation Notification log page waiting to be read. */
typedef struct NvmeResvNotice {
    uint64_t count;
    uint32_t nsid;
    uint8_t type;
} NvmeResvNotice;

/* Controller state (NvmeCtrl.resv): Host Identifier, notices, masks. */
typedef struct NvmeResvCtrl {
    uint8_t hostid[16];
    bool hostid_ext;            /* 128-bit (EXHID) */
    uint8_t mask[NVME_MAX_NSID + 1];        /* feature 82h per NSID */
    NvmeResvNotice log[NVME_RESV_LOG_MAX];  /* oldest first */
    uint32_t log_nr;
    uint64_t log_count;         /* last Log Page Count handed out */
} NvmeResvCtrl;

bool nvme_resv_ns_setup(NvmeNamespace *ns, const char *path, Error **errp);
void nvme_resv_ns_cleanup(NvmeNamespace *ns);
uint8_t nvme_resv_rescap(NvmeNamespace *ns);
uint16_t nvme_resv_check(NvmeCtrl *n, NvmeRequest *req, uint8_t rule);
uint16_t nvme_nvm_resv_register(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_report(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_acquire(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_nvm_resv_release(NvmeCtrl *n, NvmeRequest *req);
uint16_t nvme_resv_get_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid,
                               bool dflt);
uint16_t nvme_resv_set_feature(NvmeCtrl *n, NvmeRequest *req, uint8_t fid);
void nvme_resv_features_reset(NvmeCtrl *n);
void nvme_resv_ctrl_removed(NvmeCtrl *n);
size_t nvme_resv_fill_log(NvmeCtrl *n, uint8_t *buf);
void nvme_resv_log_read(NvmeCtrl *n, bool rae);
bool nvme_resv_is_host(NvmeCtrl *n, const NvmeResvReg *r);
bool nvme_resv_permits_read(NvmeCtrl *n, NvmeNamespace *ns);

/* resv-abort.c: Preempt and Abort */
uint16_t nvme_resv_abort_start(NvmeRequest *req, const NvmeResvReg *hosts,
                               uint32_t nhosts);
void nvme_resv_abort_dropped(NvmeRequest *req);

extern const VMStateDescription nvme_vmstate_resv;
extern const VMStateDescription nvme_vmstate_ns_resv;

#endif /* HW_NVME_RESV_H */

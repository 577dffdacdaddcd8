/*
 * Identify Controller data over plain values: the Identify Controller
 * structure (CNS 01h) and the I/O Command Set specific ones (CNS 06h:
 * NVM, Zoned) (NVMe Base 2.1, 5.1.13.2; NVM Command Set 1.1, 4.1.5.3;
 * Zoned Namespace Command Set 1.2, 4.1.5.1).
 *
 * Pure: no QEMU state (tests/unit/test-id-ctrl.c builds it without QEMU).
 * admin.c gathers the values from the controller and its areas (each
 * area fills its part of NvmeIdCtrlIn) and runs the command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ID_CTRL_H
#define HW_NVME_ID_CTRL_H

#include "block/nvme.h"

/* Identify Controller bits block/nvme.h does not name. */
#define NVME_CMIC_SRIOV_VF          (1u << 2)   /* an SR-IOV VF */
#define NVME_CMIC_ANA               (1u << 3)
#define NVME_OAES_FW_ACTIVATION     (1u << 9)
#define NVME_OAES_ANA_CHANGE        (1u << 11)
#define NVME_OAES_LBA_STATUS        (1u << 13)
#define NVME_OAES_ZONE_CHANGED      (1u << 27)
#define NVME_CTRATT_HOSTID_128      (1u << 0)
#define NVME_CTRATT_NG              (1u << 7)   /* Namespace Granularity */
#define NVME_OACS_SELF_TEST         (1u << 4)
#define NVME_OACS_GET_LBA_STATUS    (1u << 9)
#define NVME_FRMW_NO_RESET          (1u << 4)   /* activation w/o reset */
#define NVME_LPA_TELEMETRY          (1u << 3)
#define NVME_SANICAP_CES            (1u << 0)
#define NVME_SANICAP_BES            (1u << 1)
#define NVME_SANICAP_OWS            (1u << 2)
#define NVME_SANICAP_NODMMAS_NOMOD  (1u << 30)
#define NVME_FNA_CRYPTO_ERASE       (1u << 2)
#define NVME_FUSES_COMPARE_WRITE    (1u << 0)

/* Asymmetric Namespace Access reporting (ana.c) */
typedef struct NvmeIdCtrlAna {
    bool on;
    uint8_t anatt;              /* transition time, seconds */
    uint8_t anacap;
    uint32_t grpmax;            /* ANAGRPMAX and NANAGRPID */
} NvmeIdCtrlAna;

/* Namespace Management from a capacity pool (subsys.c) */
typedef struct NvmeIdCtrlPool {
    bool on;
    uint64_t tnvmcap;           /* bytes */
    uint64_t unvmcap;
} NvmeIdCtrlPool;

/*
 * What Identify Controller depends on.  The commands and capabilities
 * every controller of this device has (ONCS, SGLS, SANICAP, LPA, ...)
 * are the builder's; these are what configurations, the controller's
 * areas and the moment change.
 */
typedef struct NvmeIdCtrlIn {
    /* identity */
    uint16_t vid;
    uint16_t ssvid;
    const char *sn;             /* ASCII, at most 20 bytes (pci.c checks) */
    const char *mn;             /* at most 40 */
    uint8_t fr[8];              /* the active firmware revision, padded */
    const char *subnqn;
    uint16_t cntlid;
    uint32_t ver;               /* as the VS register */

    /* limits */
    uint8_t mdts;
    uint8_t aerl;
    uint32_t nn;                /* also MNAN where announced */
    uint8_t sqes, cqes;         /* log2 of the entry sizes */
    uint8_t fw_slots;
    uint8_t elog_entries;       /* Error Information log entries */
    uint16_t edstt_min;         /* extended device self-test, minutes */
    uint16_t kas_ms;            /* Keep Alive granularity */
    uint16_t wctemp_k, cctemp_k;
    uint16_t awun, awupf;       /* 0's based blocks */
    uint16_t endgidmax;         /* endurance groups: CTRATT bit 4 */

    /* what this controller has */
    bool zoned;                 /* zoned namespaces built in */
    bool multi_ctrl;            /* in a subsystem with several */
    bool sriov_vf;              /* a secondary controller */
    bool sriov_primary;         /* Virtualization Management */
    bool ctratt_mem;            /* MEM: Memory Domain / CMB */
    bool dbbuf;                 /* Doorbell Buffer Config */
    bool fdp;                   /* Flexible Data Placement */
    bool vwc;                   /* a namespace has a volatile cache */
    NvmeIdCtrlAna ana;
    NvmeIdCtrlPool pool;
} NvmeIdCtrlIn;

void nvme_id_ctrl_build(NvmeIdCtrl *id, const NvmeIdCtrlIn *in);
void nvme_id_ctrl_nvm_build(NvmeIdCtrlNvm *id, uint8_t vsl);
void nvme_id_ctrl_zoned_build(NvmeIdCtrlZoned *id, uint8_t zasl,
                              uint8_t mdts);

#endif /* HW_NVME_ID_CTRL_H */

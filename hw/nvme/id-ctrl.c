/*
 * Identify Controller data over plain values (see id-ctrl.h).  Every
 * function runs in any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "id-ctrl.h"
#include "id-data.h"

/* Byte offsets of fields block/nvme.h leaves in reserved ranges. */
#define NVME_ID_CTRL_ANATT      342
#define NVME_ID_CTRL_ANACAP     343
#define NVME_ID_CTRL_ANAGRPMAX  344
#define NVME_ID_CTRL_NANAGRPID  348
#define NVME_ID_CTRL_MNAN       540

/* OACS: Security Send/Receive, Format NVM, firmware, self-test, ... */
static uint16_t nvme_id_ctrl_oacs(const NvmeIdCtrlIn *in)
{
    return NVME_OACS_SECURITY | NVME_OACS_FORMAT | NVME_OACS_FW |
           NVME_OACS_SELF_TEST | NVME_OACS_GET_LBA_STATUS |
           (in->dbbuf ? NVME_OACS_DBCS : 0) |
           (in->sriov_primary ? NVME_OACS_VMS : 0) |
           (in->fdp ? NVME_OACS_DIRECTIVES : 0) |   /* data placement */
           (in->pool.on ? NVME_OACS_NMS : 0);
}

/* CTRATT: extended LBA formats, 128-bit Host Identifier, ... */
static uint32_t nvme_id_ctrl_ctratt(const NvmeIdCtrlIn *in)
{
    return NVME_CTRATT_ELBAS | NVME_CTRATT_HOSTID_128 |
           (in->ctratt_mem ? NVME_CTRATT_MEM : 0) |
           (in->endgidmax ? NVME_CTRATT_ENDGRPS : 0) |
           (in->fdp ? NVME_CTRATT_FDPS : 0) |
           (in->pool.on ? NVME_CTRATT_NG : 0);
}

/* CMIC and OAES */
static void nvme_id_ctrl_events(NvmeIdCtrl *id, const NvmeIdCtrlIn *in)
{
    id->cmic = (in->multi_ctrl ? NVME_CMIC_MULTI_CTRL : 0) |
               (in->sriov_vf ? NVME_CMIC_SRIOV_VF : 0) |
               (in->ana.on ? NVME_CMIC_ANA : 0);
    id->oaes = cpu_to_le32(NVME_OAES_NS_ATTR | NVME_OAES_FW_ACTIVATION |
                           NVME_OAES_LBA_STATUS |
                           (in->ana.on ? NVME_OAES_ANA_CHANGE : 0) |
                           (in->zoned ? NVME_OAES_ZONE_CHANGED : 0));
}

/* ANA and Namespace Management fields; MNAN where either is there. */
static void nvme_id_ctrl_ns_access(NvmeIdCtrl *id, const NvmeIdCtrlIn *in)
{
    uint8_t *b = (uint8_t *)id;

    if (in->ana.on) {
        b[NVME_ID_CTRL_ANATT] = in->ana.anatt;
        b[NVME_ID_CTRL_ANACAP] = in->ana.anacap;
        stl_le_p(b + NVME_ID_CTRL_ANAGRPMAX, in->ana.grpmax);
        stl_le_p(b + NVME_ID_CTRL_NANAGRPID, in->ana.grpmax);
    }
    if (in->pool.on) {
        stq_le_p(id->tnvmcap, in->pool.tnvmcap);
        stq_le_p(id->unvmcap, in->pool.unvmcap);
    }
    if (in->ana.on || in->pool.on) {
        /* hosts size the ANA log and namespace lists by it */
        stl_le_p(b + NVME_ID_CTRL_MNAN, in->nn);
    }
}

/*
 * The commands and data transfers every controller of this device
 * supports (ONCS, FUSES, OCFS, SGLS), what its admin commands offer
 * (FRMW, SANICAP, FNA, LPA) and its power state.
 */
static void nvme_id_ctrl_caps(NvmeIdCtrl *id, const NvmeIdCtrlIn *in)
{
    /* slot 1 read-only, activation without reset */
    id->frmw = (in->fw_slots << 1) | NVME_FRMW_SLOT1_RO | NVME_FRMW_NO_RESET;
    id->fwug = 0xff;        /* any download granularity */
    id->dsto = 1;           /* one self-test at a time */
    id->sanicap = cpu_to_le32(NVME_SANICAP_CES | NVME_SANICAP_BES |
                              NVME_SANICAP_OWS | NVME_SANICAP_NODMMAS_NOMOD);
    id->fna = NVME_FNA_CRYPTO_ERASE;    /* per namespace */
    /*
     * Per-namespace SMART, Commands Supported and Effects, extended data
     * (NUMDU, LPO), telemetry.  Not bit 5: no Feature Identifiers or
     * NVMe-MI Commands Supported and Effects logs.
     */
    id->lpa = NVME_LPA_NS_SMART | NVME_LPA_CSE | NVME_LPA_EXTENDED |
              NVME_LPA_TELEMETRY;
    id->oncs = cpu_to_le16(NVME_ONCS_FEATURES | NVME_ONCS_TIMESTAMP |
                           NVME_ONCS_COMPARE | NVME_ONCS_WRITE_UNCORR |
                           NVME_ONCS_DSM | NVME_ONCS_WRITE_ZEROES |
                           NVME_ONCS_VERIFY | NVME_ONCS_COPY |
                           NVME_ONCS_RESRVATIONS);
    /* Copy source range formats 0-3 (16/64-bit guard, across namespaces) */
    id->ocfs = cpu_to_le16(NVME_OCFS_COPY_FORMAT_0 | NVME_OCFS_COPY_FORMAT_1 |
                           NVME_OCFS_COPY_FORMAT_2 | NVME_OCFS_COPY_FORMAT_3);
    id->fuses = cpu_to_le16(NVME_FUSES_COMPARE_WRITE);
    /*
     * SGLs without alignment rules, bit buckets; metadata in a
     * byte-aligned contiguous MPTR buffer or an SGL MPTR points to; SGLs
     * longer than the transfer (Linux sizes passthrough SGLs to the
     * user's buffer).  No keyed or transport descriptors, no offsets.
     */
    id->sgls = cpu_to_le32(NVME_CTRL_SGLS_SUPPORT_NO_ALIGN |
                           NVME_CTRL_SGLS_BITBUCKET |
                           NVME_CTRL_SGLS_MPTR_CONTIGUOUS |
                           NVME_CTRL_SGLS_EXCESS_LENGTH |
                           NVME_CTRL_SGLS_MPTR_SGL);
    id->npss = 0;
    id->psd[0].mp = cpu_to_le16(0x9c4);     /* 25 W */
    id->psd[0].enlat = cpu_to_le32(0x10);
    id->psd[0].exlat = cpu_to_le32(0x4);
}

/* Identify Controller (CNS 01h) into @id, zeroed first. */
void nvme_id_ctrl_build(NvmeIdCtrl *id, const NvmeIdCtrlIn *in)
{
    memset(id, 0, sizeof(*id));
    id->vid = cpu_to_le16(in->vid);
    id->ssvid = cpu_to_le16(in->ssvid);
    nvme_id_strpad(id->sn, in->sn, sizeof(id->sn));
    nvme_id_strpad(id->mn, in->mn, sizeof(id->mn));
    memcpy(id->fr, in->fr, sizeof(id->fr));
    id->rab = 6;
    id->ieee[0] = 0x00;     /* QEMU's OUI 52-54-00, least significant first */
    id->ieee[1] = 0x54;
    id->ieee[2] = 0x52;
    id->mdts = in->mdts;
    id->cntlid = cpu_to_le16(in->cntlid);
    id->ver = cpu_to_le32(in->ver);
    nvme_id_ctrl_events(id, in);
    id->cntrltype = 1;      /* I/O controller */
    /* CRDT1-3 stay 0: no completion asks for a retry delay */
    id->ctratt = cpu_to_le32(nvme_id_ctrl_ctratt(in));
    id->endgidmax = cpu_to_le16(in->endgidmax);
    id->oacs = cpu_to_le16(nvme_id_ctrl_oacs(in));
    id->acl = 3;
    id->aerl = in->aerl;
    id->elpe = in->elog_entries - 1;
    id->edstt = cpu_to_le16(in->edstt_min);
    id->wctemp = cpu_to_le16(in->wctemp_k);
    id->cctemp = cpu_to_le16(in->cctemp_k);
    id->kas = cpu_to_le16(in->kas_ms / 100);
    id->sqes = (in->sqes << 4) | in->sqes;
    id->cqes = (in->cqes << 4) | in->cqes;
    id->nn = cpu_to_le32(in->nn);
    if (in->vwc) {
        id->vwc = NVME_VWC_PRESENT | NVME_VWC_NSID_BROADCAST_SUPPORT;
    }
    id->awun = cpu_to_le16(in->awun);
    id->awupf = cpu_to_le16(in->awupf);
    nvme_id_ctrl_caps(id, in);
    nvme_id_ctrl_ns_access(id, in);
    snprintf((char *)id->subnqn, sizeof(id->subnqn), "%s", in->subnqn);
}

/*
 * NVM Command Set Identify Controller (CNS 06h, CSI 00h): VSL (Verify
 * enforces it).  WZSL, WUSL, DMRL, DMRSL, DMSL 0: no limit (Write Zeroes
 * and DSM work in bounded chunks; DSM's NR caps the ranges at 256).
 */
void nvme_id_ctrl_nvm_build(NvmeIdCtrlNvm *id, uint8_t vsl)
{
    memset(id, 0, sizeof(*id));
    id->vsl = vsl;
}

/*
 * Zoned Namespace Command Set Identify Controller (CNS 06h, CSI 02h):
 * ZASL in MPSMIN units as MDTS; 0 ("zasl" unset) is MDTS itself.
 */
void nvme_id_ctrl_zoned_build(NvmeIdCtrlZoned *id, uint8_t zasl,
                              uint8_t mdts)
{
    memset(id, 0, sizeof(*id));
    id->zasl = zasl ? zasl : mdts;
}

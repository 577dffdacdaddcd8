/*
 * Identify Namespace data over plain values (see id-ns.h).  Every
 * function runs in any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "id-ns.h"

#define NVME_ID_NS_ANAGRPID     92      /* byte offset, in rsvd81 */
#define NVME_ID_NS_DPC_ALL      0x1f    /* types 1-3, first or last bytes */
/* Write Zeroes may deallocate; deallocated blocks read as zeroes (001b) */
#define NVME_ID_NS_DLFEAT       ((1 << 3) | 1)

/* NLBAF (0's based) and the LBA Format list. */
static void nvme_id_ns_lbafs(NvmeIdNs *id, const NvmeIdNsIn *in)
{
    unsigned n = MIN(in->nlbaf, NVME_MAX_NLBAF);

    id->nlbaf = n ? n - 1 : 0;
    for (unsigned i = 0; i < n; i++) {
        id->lbaf[i].ds = in->lbaf[i].ds;
        id->lbaf[i].ms = cpu_to_le16(in->lbaf[i].ms);
    }
}

/*
 * FLBAS: format index bits 3:0, extended LBA bit 4, and the index's bits
 * 5:4 in bits 6:5 (meaningful when there are more than 16 formats).
 */
static uint8_t nvme_id_ns_flbas(const NvmeIdNsIn *in)
{
    return (in->flbaf & 0xf) | (in->mset ? NVME_ID_NS_FLBAS_EXTENDED : 0) |
           ((in->flbaf >> 4) & 0x3) << 5;
}

/* What the host can rely on, whichever structure it reads. */
static uint8_t nvme_id_ns_nsfeat(const NvmeIdNsIn *in)
{
    /* NPWG/NPWA/NPDG/NPDA/NOWS are valid: the guest learns the pbs */
    return NVME_NSFEAT_OPTPERF | (in->atomic.on ? NVME_NSFEAT_NSABP : 0);
}

/* Identify Namespace (CNS 00h, 11h) of a namespace into @id. */
void nvme_id_ns_build(NvmeIdNs *id, const NvmeIdNsIn *in)
{
    uint16_t pbs = cpu_to_le16(MAX(in->pbs_lbas, 1) - 1);

    memset(id, 0, sizeof(*id));
    id->nsze = cpu_to_le64(in->nsze);
    id->ncap = cpu_to_le64(in->ncap);
    id->nuse = cpu_to_le64(in->nuse);
    nvme_id_ns_lbafs(id, in);
    id->flbas = nvme_id_ns_flbas(in);
    if (in->meta) {
        /* metadata extended or separate; PI types 1-3, first or last */
        id->mc = NVME_ID_NS_MC_EXTENDED | NVME_ID_NS_MC_SEPARATE;
        id->dpc = NVME_ID_NS_DPC_ALL;
        id->dps = in->pi | (in->pil ? NVME_ID_NS_DPS_FIRST_EIGHT : 0);
    }
    id->nsfeat = nvme_id_ns_nsfeat(in);
    id->nmic = in->shared;
    id->rescap = in->rescap;
    id->endgid = cpu_to_le16(in->endgid);
    stl_le_p((uint8_t *)id + NVME_ID_NS_ANAGRPID, in->anagrpid);
    id->npwg = pbs;
    id->npwa = pbs;
    id->npdg = pbs;
    id->npda = pbs;
    id->nows = pbs;
    memcpy(id->nguid, in->nguid, sizeof(id->nguid));
    id->eui64 = cpu_to_be64(in->eui64);
    id->dlfeat = NVME_ID_NS_DLFEAT;
    id->mssrl = cpu_to_le16(in->mssrl);
    id->mcl = cpu_to_le32(in->mcl);
    id->msrc = in->msrc;
    if (in->atomic.on) {
        id->nawun = cpu_to_le16(in->atomic.nawun);
        id->nawupf = cpu_to_le16(in->atomic.nawupf);
        id->nabsn = cpu_to_le16(in->atomic.nabsn);
        id->nabo = cpu_to_le16(in->atomic.nabo);
        id->nabspf = cpu_to_le16(in->atomic.nabspf);
    }
}

/*
 * Identify Namespace of NSID FFFFFFFFh with Namespace Management: what
 * every namespace the host can create has in common (@in's formats,
 * their sizes only, and Copy limits); sizes zero.
 */
void nvme_id_ns_common_build(NvmeIdNs *id, const NvmeIdNsIn *in)
{
    memset(id, 0, sizeof(*id));
    nvme_id_ns_lbafs(id, in);
    id->dlfeat = NVME_ID_NS_DLFEAT;
    id->mssrl = cpu_to_le16(in->mssrl);
    id->mcl = cpu_to_le32(in->mcl);
    id->msrc = in->msrc;
}

/* NVM Command Set Identify Namespace (CNS 05h, CSI 00h): ELBAF PIF. */
void nvme_id_ns_nvm_build(NvmeIdNsNvm *id, const NvmeIdNsIn *in)
{
    memset(id, 0, sizeof(*id));
    for (unsigned i = 0; i < MIN(in->nlbaf, NVME_MAX_NLBAF); i++) {
        id->elbaf[i] = cpu_to_le32((in->lbaf[i].pif & 0x3) << 7);
    }
}

/* Zoned Namespace Command Set Identify Namespace (CNS 05h, CSI 02h). */
void nvme_id_ns_zoned_build(NvmeIdNsZoned *id, const NvmeIdNsIn *in,
                            const NvmeIdNsZonedIn *z)
{
    memset(id, 0, sizeof(*id));
    id->ozcs = cpu_to_le16((z->cross_read ? NVME_ID_NS_ZONED_OZCS_RAZB : 0) |
                           (z->numzrwa ? NVME_ID_NS_ZONED_OZCS_ZRWASUP : 0));
    /* 0's based; 0 (no limit) becomes all ones */
    id->mar = cpu_to_le32(z->max_active - 1);
    id->mor = cpu_to_le32(z->max_open - 1);
    id->rrl = cpu_to_le32(z->rrl);
    id->frl = cpu_to_le32(z->frl);
    if (z->numzrwa) {
        id->numzrwa = cpu_to_le32(z->numzrwa - 1);
        id->zrwafg = cpu_to_le16(z->zrwafg);
        id->zrwas = cpu_to_le16(z->zrwas);
        id->zrwacap = NVME_ZNS_ZRWACAP_EXPFLUSH;
    }
    for (unsigned i = 0; i < MIN(in->nlbaf, NVME_ID_NS_ZONED_LBAFE); i++) {
        id->lbafe[i].zsze = cpu_to_le64(z->zone_size >> in->lbaf[i].ds);
        id->lbafe[i].zdes = z->zdes / 64;
    }
}

/* I/O Command Set Independent Identify Namespace (CNS 08h, 1Fh). */
void nvme_id_ns_ind_build(NvmeIdNsInd *id, const NvmeIdNsIn *in)
{
    memset(id, 0, sizeof(*id));
    /*
     * As CNS 00h: NPWG... valid.  (NSABP is not here: the fields it
     * qualifies are in the NVM structures only.)
     */
    id->nsfeat = NVME_NSFEAT_OPTPERF;
    id->nmic = in->shared;
    id->rescap = in->rescap;
    id->anagrpid = cpu_to_le32(in->anagrpid);
    id->endgrpid = cpu_to_le16(in->endgid);
    id->nsattr = in->write_protected;
    id->nstat = NVME_ID_NS_IND_NSTAT_NRDY;      /* ready */
}

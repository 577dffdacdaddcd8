/*
 * NVMe Controller Memory Buffer ("cmb_size_mb", "legacy-cmb").
 *
 * The CMB is RAM of the device at offset 0 of BAR 2 (64-bit,
 * prefetchable; the BAR is the next power of two).  Host stores to it are
 * plain memory writes, so submission entries, completions, PRP lists,
 * SGLs and data can live there at no MMIO cost.  It supports submission
 * and completion queues, PRP lists and SGLs, and read and write data
 * (CMBSZ SQS, CQS, LISTS, RDS, WDS), mixed with host memory in any way:
 * a queue pair split between CMB and host memory (CMBLOC.CQMMS), data
 * pointers and the data or metadata they describe in either place
 * (CDPMLS, CDPCILS, CDMMMS).  Queues in the CMB must be page aligned like
 * any other (CQDA clear; CAP.CQR makes them contiguous, CQPDS clear).
 *
 * By default the registers follow the NVMe 1.4 scheme: CAP.CMBS is set,
 * CMBLOC and CMBSZ read 0 until the host sets CMBMSC.CRE, and the buffer
 * is controller memory only once the host enables its controller memory
 * space (CMBMSC.CMSE) at a controller base address (CBA; cmem.c).  A CBA
 * whose window would pass 2^64 is refused with CMBSTS.CBAI.  CMBMSC
 * survives controller resets (Linux writes it once per probe) and returns
 * to 0 on a PCI reset or NVM Subsystem Reset.  With legacy-cmb=on the
 * controller looks like NVMe 1.3: CAP.CMBS clear, CMBLOC and CMBSZ
 * always valid, no CMBMSC, and the buffer is wherever BAR 2 is mapped.
 * CMBEBS and CMBSWTP read 0 (no elasticity buffer, no throughput hint).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/nvme-regs.h"
#include "qemu/log.h"
#include "qemu/units.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "cmb.h"
#include "cmem.h"
#include "ctrl.h"
#include "migration.h"
#include "trace.h"

#define NVME_CMB_SZU_1M     2       /* CMBSZ.SZU: 1 MiB units */
#define NVME_CMB_MAX_MB     (R_CMBSZ_SZ_MASK >> R_CMBSZ_SZ_SHIFT)

/* Context: main loop (realize). */
bool nvme_cmb_check_params(NvmeCtrl *n, Error **errp)
{
    if (n->cmb.size_mb > NVME_CMB_MAX_MB) {
        error_setg(errp, "nvme: 'cmb_size_mb' must be at most %u",
                   NVME_CMB_MAX_MB);
        return false;
    }
    if (n->cmb.legacy && !n->cmb.size_mb) {
        error_setg(errp, "nvme: 'legacy-cmb' needs 'cmb_size_mb'");
        return false;
    }
    return true;
}

/* Context: main loop (realize).  The buffer and BAR 2. */
bool nvme_cmb_init(NvmeCtrl *n, Error **errp)
{
    NvmeCmb *cmb = &n->cmb;
    uint64_t size = (uint64_t)cmb->size_mb * MiB;

    if (!size) {
        return true;
    }
    if (!memory_region_init_ram(&cmb->ram, OBJECT(n), "nvme-cmb", size,
                                errp)) {
        return false;
    }
    memory_region_init(&cmb->bar, OBJECT(n), "nvme-cmb-bar", pow2ceil(size));
    memory_region_add_subregion(&cmb->bar, 0, &cmb->ram);
    pci_register_bar(PCI_DEVICE(n), NVME_CMB_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &cmb->bar);
    nvme_cmem_add(n, NVME_CMEM_CMB, &cmb->ram, size, NVME_CMB_BAR,
                  cmb->legacy, false);
    return true;
}

/* Context: main loop (unrealize).  The subregion references the device. */
void nvme_cmb_exit(NvmeCtrl *n)
{
    if (n->cmb.size_mb) {
        memory_region_del_subregion(&n->cmb.bar, &n->cmb.ram);
    }
}

/* Context: main loop.  CAP with CMBS for the NVMe 1.4 scheme. */
uint64_t nvme_cmb_cap(NvmeCtrl *n, uint64_t cap)
{
    return FIELD_DP64(cap, CAP, CMBS, n->cmb.size_mb && !n->cmb.legacy);
}

/* Context: main loop.  What the buffer offers: one value, both schemes. */
static void nvme_cmb_caps(NvmeCtrl *n, uint32_t *loc, uint32_t *sz)
{
    *loc = FIELD_DP32(0, CMBLOC, BIR, NVME_CMB_BAR);
    *loc = FIELD_DP32(*loc, CMBLOC, CQMMS, 1);
    *loc = FIELD_DP32(*loc, CMBLOC, CDPMLS, 1);
    *loc = FIELD_DP32(*loc, CMBLOC, CDPCILS, 1);
    *loc = FIELD_DP32(*loc, CMBLOC, CDMMMS, 1);
    *sz = FIELD_DP32(0, CMBSZ, SQS, 1);
    *sz = FIELD_DP32(*sz, CMBSZ, CQS, 1);
    *sz = FIELD_DP32(*sz, CMBSZ, LISTS, 1);
    *sz = FIELD_DP32(*sz, CMBSZ, RDS, 1);
    *sz = FIELD_DP32(*sz, CMBSZ, WDS, 1);
    *sz = FIELD_DP32(*sz, CMBSZ, SZU, NVME_CMB_SZU_1M);
    *sz = FIELD_DP32(*sz, CMBSZ, SZ, n->cmb.size_mb);
}

/*
 * Context: main loop (register read).  Fill CMBLOC..CMBSWTP of the
 * register image @regs (zero when there is no CMB).
 */
void nvme_cmb_regs_read(NvmeCtrl *n, uint8_t *regs)
{
    NvmeCmb *cmb = &n->cmb;
    uint32_t loc, sz;

    if (!cmb->size_mb) {
        return;
    }
    nvme_cmb_caps(n, &loc, &sz);
    if (cmb->legacy || FIELD_EX64(cmb->msc, CMBMSC, CRE)) {
        stl_le_p(regs + A_CMBLOC, loc);
        stl_le_p(regs + A_CMBSZ, sz);
    }
    if (!cmb->legacy) {
        stq_le_p(regs + A_CMBMSC, cmb->msc);
        stl_le_p(regs + A_CMBSTS, cmb->sts);
    }
}

/*
 * Context: main loop.  Apply CMBMSC: the window is enabled while CRE and
 * CMSE are set; an enable whose window would pass 2^64 sets CBAI.
 */
static void nvme_cmb_apply(NvmeCtrl *n)
{
    NvmeCmb *cmb = &n->cmb;
    bool want = FIELD_EX64(cmb->msc, CMBMSC, CRE) &&
                FIELD_EX64(cmb->msc, CMBMSC, CMSE);
    uint64_t cba = cmb->msc & R_CMBMSC_CBA_MASK;
    bool valid = nvme_cmem_set_window(n, NVME_CMEM_CMB, want, cba);

    cmb->sts = FIELD_DP32(cmb->sts, CMBSTS, CBAI, want && !valid);
    if (want && !valid) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: CMBMSC.CBA 0x%" PRIx64
                      " puts the CMB past 2^64\n", cba);
    }
}

/* Context: main loop (register write).  Either half of CMBMSC. */
void nvme_cmb_msc_write(NvmeCtrl *n, hwaddr addr, uint32_t val)
{
    NvmeCmb *cmb = &n->cmb;
    uint64_t mask = R_CMBMSC_CRE_MASK | R_CMBMSC_CMSE_MASK |
                    R_CMBMSC_CBA_MASK;

    if (!cmb->size_mb || cmb->legacy) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: CMBMSC written without a 1.4-style CMB\n");
        return;
    }
    if (addr == A_CMBMSC) {
        cmb->msc = deposit64(cmb->msc, 0, 32, val) & mask;
    } else {
        cmb->msc = deposit64(cmb->msc, 32, 32, val) & mask;
    }
    trace_nvme_cmb_msc(cmb->msc);
    nvme_cmb_apply(n);
}

/* Context: main loop.  Power-on values (realize, PCI reset, NSSR). */
void nvme_cmb_reset(NvmeCtrl *n)
{
    NvmeCmb *cmb = &n->cmb;

    cmb->msc = 0;
    cmb->sts = 0;
    if (cmb->size_mb && !cmb->legacy) {
        nvme_cmb_apply(n);
    }
}

/* ---- migration ---- */

static bool nvme_cmb_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->cmb.size_mb;
}

/* Context: main loop.  The window where CMBMSC puts it. */
static int nvme_cmb_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeCmb *cmb = &n->cmb;

    if ((cmb->legacy && cmb->msc) ||
        cmb->msc & ~(R_CMBMSC_CRE_MASK | R_CMBMSC_CMSE_MASK |
                     R_CMBMSC_CBA_MASK)) {
        return nvme_mig_bad(n, "CMBMSC 0x%" PRIx64, cmb->msc);
    }
    if (!cmb->legacy) {
        nvme_cmb_apply(n);
    }
    return 0;
}

/*
 * The Controller Memory Buffer's registers; its contents are guest
 * visible RAM that migration copies with the rest (a RAM block of the
 * device), so queues and data in it move too.
 */
const VMStateDescription nvme_vmstate_cmb = {
    .name = "nvme/cmb",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_cmb_needed,
    .post_load = nvme_cmb_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(cmb.msc, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

/*
 * NVMe Persistent Memory Region ("pmrdev").
 *
 * The PMR is the memory of a host memory backend, mapped as BAR 4
 * (64-bit, prefetchable; the backend's size, a power of two).  With
 * "-object memory-backend-file,share=on,mem-path=FILE" what the guest
 * stores through the BAR lands in FILE: it is there while QEMU runs, after
 * it exits and the next time it starts.  A read of PMRSTS makes the
 * stores before it durable (PMRCAP.PMRWBM bit 1): the backend is
 * msync()ed first.
 *
 * PMRCAP: read and write data support (RDS, WDS: the PMR may hold data
 * buffers of commands), BIR 4, timeouts in 500 ms units with PMRTO 0 (the
 * PMR is ready at once), controller memory space supported (CMSS).
 * PMRCTL.EN enables the BAR: while it is clear, host accesses to BAR 4
 * reach nothing (reads return 0, writes are dropped) and PMRSTS.NRDY is
 * set.  PMRMSCL/PMRMSCU (CMSE, CBA) place the PMR in the controller's own
 * view like CMBMSC does for the CMB (cmem.c), while the PMR is enabled; a
 * window past 2^64 sets PMRSTS.CBAI.  PMREBS and PMRSWTP read 0 (no
 * elasticity buffer, no throughput figure); HSTS is Normal, ERR 0.
 *
 * The registers return to their power-on values (PMR disabled, no window)
 * on a PCI reset and an NVM Subsystem Reset, not on a controller reset:
 * the contents are the backend's and never change on a reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/nvme/nvme-regs.h"
#include "qemu/error-report.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "system/hostmem.h"
#include "cmem.h"
#include "ctrl.h"
#include "migration.h"
#include "pmr.h"
#include "trace.h"

#define NVME_PMRWBM_PMRSTS_READ 0x2     /* PMRSTS read flushes writes */

/* Context: main loop (realize). */
bool nvme_pmr_check_params(NvmeCtrl *n, Error **errp)
{
    HostMemoryBackend *dev = n->pmr.dev;
    uint64_t size;

    if (!dev) {
        return true;
    }
    if (host_memory_backend_is_mapped(dev)) {
        error_setg(errp, "nvme: pmrdev '%s' is already in use",
                   object_get_canonical_path_component(OBJECT(dev)));
        return false;
    }
    size = memory_region_size(host_memory_backend_get_memory(dev));
    if (!is_power_of_2(size)) {
        error_setg(errp, "nvme: pmrdev size must be a power of two "
                   "(BAR 4 is the PMR)");
        return false;
    }
    if (n->params.msix_exclusive_bar) {
        error_setg(errp, "nvme: pmrdev and msix-exclusive-bar both want "
                   "BAR 4");
        return false;
    }
    if (!object_property_get_bool(OBJECT(dev), "share", &error_abort)) {
        warn_report("nvme: pmrdev '%s' is not share=on: what the guest "
                    "writes to the PMR reaches no file",
                    object_get_canonical_path_component(OBJECT(dev)));
    }
    return true;
}

/* Context: main loop (realize).  BAR 4, disabled until PMRCTL.EN. */
void nvme_pmr_init(NvmeCtrl *n)
{
    NvmePmr *pmr = &n->pmr;

    if (!pmr->dev) {
        return;
    }
    host_memory_backend_set_mapped(pmr->dev, true);
    pmr->mem = host_memory_backend_get_memory(pmr->dev);
    memory_region_set_enabled(pmr->mem, false);
    pci_register_bar(PCI_DEVICE(n), NVME_PMR_BAR,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, pmr->mem);
    nvme_cmem_add(n, NVME_CMEM_PMR, pmr->mem, memory_region_size(pmr->mem),
                  NVME_PMR_BAR, false, true);
}

/* Context: main loop (unrealize).  The backend may serve again. */
void nvme_pmr_exit(NvmeCtrl *n)
{
    if (n->pmr.dev) {
        memory_region_set_enabled(n->pmr.mem, true);
        host_memory_backend_set_mapped(n->pmr.dev, false);
    }
}

/* Context: main loop.  CAP with PMRS when there is a PMR. */
uint64_t nvme_pmr_cap(NvmeCtrl *n, uint64_t cap)
{
    return FIELD_DP64(cap, CAP, PMRS, !!n->pmr.dev);
}

static bool nvme_pmr_enabled(NvmePmr *pmr)
{
    return FIELD_EX32(pmr->ctl, PMRCTL, EN);
}

/* Context: main loop.  The BAR and the window as PMRCTL and PMRMSC say. */
static void nvme_pmr_apply(NvmeCtrl *n)
{
    NvmePmr *pmr = &n->pmr;
    bool want = nvme_pmr_enabled(pmr) && FIELD_EX32(pmr->msc, PMRMSCL, CMSE);
    uint64_t cba = pmr->msc & ~0xfffULL;        /* CBA: bits 63:12 */
    bool valid = nvme_cmem_set_window(n, NVME_CMEM_PMR, want, cba);

    memory_region_set_enabled(pmr->mem, nvme_pmr_enabled(pmr));
    pmr->cbai = want && !valid;
    if (pmr->cbai) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: PMRMSC.CBA 0x%" PRIx64
                      " puts the PMR past 2^64\n", cba);
    }
}

/* Context: main loop.  PMRCAP..PMRMSCU as the host reads them. */
static void nvme_pmr_regs(NvmeCtrl *n, uint8_t *img)
{
    NvmePmr *pmr = &n->pmr;
    uint32_t cap = 0, sts = 0;

    cap = FIELD_DP32(cap, PMRCAP, RDS, 1);
    cap = FIELD_DP32(cap, PMRCAP, WDS, 1);
    cap = FIELD_DP32(cap, PMRCAP, BIR, NVME_PMR_BAR);
    cap = FIELD_DP32(cap, PMRCAP, PMRWBM, NVME_PMRWBM_PMRSTS_READ);
    cap = FIELD_DP32(cap, PMRCAP, CMSS, 1);
    sts = FIELD_DP32(sts, PMRSTS, NRDY, !nvme_pmr_enabled(pmr));
    sts = FIELD_DP32(sts, PMRSTS, CBAI, pmr->cbai);
    stl_le_p(img + A_PMRCAP - A_PMRCAP, cap);
    stl_le_p(img + A_PMRCTL - A_PMRCAP, pmr->ctl);
    stl_le_p(img + A_PMRSTS - A_PMRCAP, sts);
    stq_le_p(img + A_PMRMSCL - A_PMRCAP, pmr->msc);
}

/*
 * Context: main loop (register read at @off from PMRCAP).  A read that
 * covers PMRSTS first makes every earlier store to the PMR durable.
 */
uint64_t nvme_pmr_reg_read(NvmeCtrl *n, hwaddr off, unsigned size)
{
    uint8_t img[NVME_PMR_REGS_END - A_PMRCAP] = { 0 };
    hwaddr sts = A_PMRSTS - A_PMRCAP;

    if (!n->pmr.dev || off + size > sizeof(img)) {
        return 0;
    }
    if (off <= sts && sts < off + size && nvme_pmr_enabled(&n->pmr)) {
        trace_nvme_pmr_flush();
        memory_region_msync(n->pmr.mem, 0, memory_region_size(n->pmr.mem));
    }
    nvme_pmr_regs(n, img);
    return ldn_le_p(img + off, size);
}

/* Context: main loop (register write).  PMRCTL, PMRMSCL, PMRMSCU. */
void nvme_pmr_reg_write(NvmeCtrl *n, hwaddr addr, uint32_t val)
{
    NvmePmr *pmr = &n->pmr;

    if (!pmr->dev) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: PMR register written without a PMR\n");
        return;
    }
    switch (addr) {
    case A_PMRCTL:
        pmr->ctl = val & R_PMRCTL_EN_MASK;
        break;
    case A_PMRMSCL:
        pmr->msc = deposit64(pmr->msc, 0, 32,
                             val & (R_PMRMSCL_CMSE_MASK |
                                    R_PMRMSCL_CBA_MASK));
        break;
    default:                    /* A_PMRMSCU */
        pmr->msc = deposit64(pmr->msc, 32, 32, val);
        break;
    }
    trace_nvme_pmr_write(pmr->ctl, pmr->msc);
    nvme_pmr_apply(n);
}

/* Context: main loop.  Power-on values (realize, PCI reset, NSSR). */
void nvme_pmr_reset(NvmeCtrl *n)
{
    NvmePmr *pmr = &n->pmr;

    if (!pmr->dev) {
        return;
    }
    pmr->ctl = 0;
    pmr->msc = 0;
    pmr->cbai = false;
    nvme_pmr_apply(n);
}

/* ---- migration ---- */

static bool nvme_pmr_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->pmr.dev;
}

/* Context: main loop.  The region enabled and placed as PMRCTL says. */
static int nvme_pmr_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmePmr *pmr = &n->pmr;

    if (pmr->ctl & ~R_PMRCTL_EN_MASK ||
        (pmr->msc & 0xfff & ~(R_PMRMSCL_CMSE_MASK | R_PMRMSCL_CBA_MASK))) {
        return nvme_mig_bad(n, "PMRCTL 0x%x PMRMSC 0x%" PRIx64, pmr->ctl,
                            pmr->msc);
    }
    nvme_pmr_apply(n);
    return 0;
}

/*
 * The Persistent Memory Region's registers; its contents are the memory
 * backend's, which migration copies as RAM (or shares, x-ignore-shared).
 */
const VMStateDescription nvme_vmstate_pmr = {
    .name = "nvme/pmr",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_pmr_needed,
    .post_load = nvme_pmr_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(pmr.ctl, NvmeCtrl),
        VMSTATE_UINT64(pmr.msc, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

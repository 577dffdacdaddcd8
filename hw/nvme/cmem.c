/*
 * NVMe controller memory in the controller's own DMA view.
 *
 * A Controller Memory Buffer (cmb.c) or Persistent Memory Region (pmr.c)
 * is memory of the controller that the host maps through a BAR.  Once
 * the host enables its controller memory space (CMBMSC.CMSE, PMRMSC.CMSE)
 * with a controller base address (CBA), the addresses [CBA, CBA + size)
 * in commands, queues, PRP lists and SGLs name that memory instead of
 * host memory.  The controller sees this through an address space of its
 * own: the PCI bus master view, with each enabled window laid over it at
 * its CBA (an alias of the region, higher priority).  Every DMA of the
 * controller (nvme_pci_read/write, the request sglists, the queue rings)
 * goes through that address space, so a window needs no special case in
 * the data path and is bounds-checked by the memory API like any other
 * target.  A controller without such memory uses the bus master view
 * directly.
 *
 * A legacy CMB (legacy-cmb=on, the NVMe 1.3 scheme) has no CMBMSC: the
 * controller recognizes the BAR's own PCI address, which the bus master
 * view already reaches.
 *
 * nvme_cmem_check() is the rule for guest addresses: a range entirely in
 * an enabled window is controller memory (the PMR takes data buffers
 * only); a range entirely outside every window and BAR is host memory;
 * anything else (across a window's edge, or reaching the region through
 * its BAR while the window is disabled or elsewhere, or a queue or list
 * in the PMR) is Invalid Controller Memory Buffer Usage.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "hw/pci/pci.h"
#include "cmem.h"
#include "ctrl.h"
#include "trace.h"

/* Priority of a window over the host view in the DMA address space. */
#define NVME_CMEM_WINDOW_PRIO   1

/* Context: any.  The address space every DMA of the controller uses. */
AddressSpace *nvme_dma_as(NvmeCtrl *n)
{
    return n->cmem.as;
}

/*
 * Context: main loop (realize, before nvme_cmem_init).  Region @idx is
 * @mem (@size bytes at offset 0 of BAR @bar); @at_bar for a legacy CMB,
 * @data_only for memory that holds data buffers only (the PMR).
 */
void nvme_cmem_add(NvmeCtrl *n, unsigned idx, MemoryRegion *mem,
                   uint64_t size, uint8_t bar, bool at_bar, bool data_only)
{
    NvmeCmemWindow *w = &n->cmem.win[idx];

    w->mem = mem;
    w->size = size;
    w->bar = bar;
    w->at_bar = at_bar;
    w->data_only = data_only;
    n->cmem.any = true;
}

/*
 * Context: main loop (realize).  The controller's DMA address space: the
 * bus master view alone, or that with the (disabled) windows over it.
 */
void nvme_cmem_init(NvmeCtrl *n)
{
    NvmeCmem *c = &n->cmem;
    AddressSpace *pci_as = pci_get_address_space(PCI_DEVICE(n));

    if (!c->any) {
        c->as = pci_as;
        return;
    }
    memory_region_init(&c->root, OBJECT(n), "nvme-dma", UINT64_MAX);
    memory_region_init_alias(&c->host, OBJECT(n), "nvme-dma-host",
                             pci_as->root, 0, UINT64_MAX);
    memory_region_add_subregion(&c->root, 0, &c->host);
    for (unsigned i = 0; i < NVME_CMEM_NR; i++) {
        NvmeCmemWindow *w = &c->win[i];

        if (!w->mem || w->at_bar) {
            continue;
        }
        memory_region_init_alias(&w->alias, OBJECT(n), "nvme-cmem-window",
                                 w->mem, 0, w->size);
        memory_region_set_enabled(&w->alias, false);
        memory_region_add_subregion_overlap(&c->root, 0, &w->alias,
                                            NVME_CMEM_WINDOW_PRIO);
    }
    address_space_init(&c->dma_as, &c->root, "nvme-dma");
    c->as = &c->dma_as;
}

/*
 * Context: main loop (unrealize).  The subregions hold references to
 * this device: they must go for it to be finalized.
 */
void nvme_cmem_exit(NvmeCtrl *n)
{
    NvmeCmem *c = &n->cmem;

    if (!c->any) {
        return;
    }
    address_space_destroy(&c->dma_as);
    for (unsigned i = 0; i < NVME_CMEM_NR; i++) {
        if (c->win[i].mem && !c->win[i].at_bar) {
            memory_region_del_subregion(&c->root, &c->win[i].alias);
        }
    }
    memory_region_del_subregion(&c->root, &c->host);
    c->as = NULL;
}

/*
 * Context: main loop (register write).  Enable region @idx's window at
 * @cba, or disable it.  A window that would run past 2^64 stays disabled:
 * returns false (the caller reports CBAI).
 */
bool nvme_cmem_set_window(NvmeCtrl *n, unsigned idx, bool enable,
                          uint64_t cba)
{
    NvmeCmemWindow *w = &n->cmem.win[idx];
    bool valid = cba + w->size - 1 >= cba;

    assert(w->mem && !w->at_bar);
    enable = enable && valid;
    if (enable) {
        trace_nvme_cmem_window_on(idx, cba);
    } else {
        trace_nvme_cmem_window_off(idx);
    }
    memory_region_transaction_begin();
    memory_region_set_enabled(&w->alias, enable);
    if (enable) {
        memory_region_set_address(&w->alias, cba);
    }
    memory_region_transaction_commit();
    qatomic_set(&w->cba, cba);
    qatomic_set(&w->enabled, enable);
    return valid;
}

/* Context: any.  Inclusive end of [@addr, @addr + @len), capped at 2^64. */
static uint64_t nvme_cmem_last(uint64_t addr, uint64_t len)
{
    uint64_t last = addr + len - 1;

    return last < addr ? UINT64_MAX : last;
}

/* Context: any.  Do [@a, @alast] and [@b, @b + @blen) overlap? */
static bool nvme_cmem_overlap(uint64_t a, uint64_t alast, uint64_t b,
                              uint64_t blen)
{
    return a <= nvme_cmem_last(b, blen) && b <= alast;
}

/*
 * Context: any (the window and the BAR address change in the main loop;
 * an iothread sees the old or the new value, either of which is a
 * consistent answer).  Is [@addr, @last] a valid use of window @w?
 */
static bool nvme_cmem_valid(NvmeCtrl *n, NvmeCmemWindow *w, uint64_t addr,
                            uint64_t last, NvmeCmemUse use)
{
    PCIDevice *pci = PCI_DEVICE(n);
    pcibus_t bar = pci_get_bar_addr(pci, w->bar);
    bool enabled = w->at_bar ? bar != PCI_BAR_UNMAPPED
                             : qatomic_read(&w->enabled);
    uint64_t base = w->at_bar ? bar : qatomic_read(&w->cba);

    if (enabled && addr >= base && last <= nvme_cmem_last(base, w->size)) {
        /* wholly controller memory: is it offered for that? */
        return use == NVME_CMEM_DATA || !w->data_only;
    }
    if (enabled && nvme_cmem_overlap(addr, last, base, w->size)) {
        return false;           /* across the window's edge */
    }
    /* reaching the region through its BAR but not through its window */
    return bar == PCI_BAR_UNMAPPED ||
           !nvme_cmem_overlap(addr, last, bar, pci->io_regions[w->bar].size);
}

/*
 * Context: any.  Is @addr where controller memory or its BAR begins or
 * ends?  Contiguous pieces of a data pointer are not merged there.
 */
bool nvme_cmem_edge(NvmeCtrl *n, uint64_t addr)
{
    PCIDevice *pci = PCI_DEVICE(n);

    if (!n->cmem.any) {
        return false;
    }
    for (unsigned i = 0; i < NVME_CMEM_NR; i++) {
        NvmeCmemWindow *w = &n->cmem.win[i];
        pcibus_t bar;

        if (!w->mem) {
            continue;
        }
        bar = pci_get_bar_addr(pci, w->bar);
        if ((qatomic_read(&w->enabled) &&
             (addr == qatomic_read(&w->cba) ||
              addr == qatomic_read(&w->cba) + w->size)) ||
            (bar != PCI_BAR_UNMAPPED &&
             (addr == bar || addr == bar + w->size ||
              addr == bar + pci->io_regions[w->bar].size))) {
            return true;
        }
    }
    return false;
}

/*
 * Context: any.  Status for a guest memory range of @len (> 0) bytes the
 * controller is about to use as @use.
 */
static uint16_t __attribute__((noinline))
nvme_cmem_check_windows(NvmeCtrl *n, uint64_t addr, uint64_t len,
                        NvmeCmemUse use)
{
    NvmeCmem *c = &n->cmem;
    uint64_t last = nvme_cmem_last(addr, len);

    for (unsigned i = 0; i < NVME_CMEM_NR; i++) {
        if (c->win[i].mem &&
            !nvme_cmem_valid(n, &c->win[i], addr, last, use)) {
            trace_nvme_cmem_invalid(i, addr, len, use);
            return NVME_INVALID_USE_OF_CMB | NVME_DNR;
        }
    }
    return NVME_SUCCESS;
}

/* Context: as above.  A controller without CMB or PMR: no frame. */
uint16_t nvme_cmem_check(NvmeCtrl *n, uint64_t addr, uint64_t len,
                         NvmeCmemUse use)
{
    if (!n->cmem.any || !len) {
        return NVME_SUCCESS;    /* an empty range touches nothing */
    }
    return nvme_cmem_check_windows(n, addr, len, use);
}

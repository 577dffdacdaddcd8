/*
 * NVMe controller memory (CMB, PMR) in the controller's own DMA view.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_CMEM_H
#define HW_NVME_CMEM_H

#include "exec/memory.h"
#include "types.h"

/* The controller memory regions a controller may have. */
enum {
    NVME_CMEM_CMB,
    NVME_CMEM_PMR,
    NVME_CMEM_NR,
};

/* What the controller uses a range of guest memory for. */
typedef enum NvmeCmemUse {
    NVME_CMEM_DATA,             /* data or metadata buffer */
    NVME_CMEM_QUEUE,            /* submission or completion queue */
    NVME_CMEM_LIST,             /* PRP list, SGL segment */
} NvmeCmemUse;

/*
 * One region of controller memory: mapped for the host at offset 0 of BAR
 * @bar, and for the controller's own DMA at its controller base address
 * while the host has enabled its controller memory space (CMBMSC or
 * PMRMSC).  A legacy CMB (@at_bar) has no such window: the controller
 * finds it at the BAR's current address, through the PCI bus.
 */
typedef struct NvmeCmemWindow {
    MemoryRegion *mem;          /* NULL: the controller has no such region */
    uint64_t size;
    uint8_t bar;
    bool at_bar;                /* legacy CMB: the window is the BAR */
    bool data_only;             /* PMR: no queues or lists there */
    bool enabled;               /* window at @cba (qatomic: iothreads read) */
    uint64_t cba;
    MemoryRegion alias;         /* @mem at @cba in the DMA address space */
} NvmeCmemWindow;

typedef struct NvmeCmem {
    AddressSpace *as;           /* what every DMA of the controller uses */
    bool any;                   /* some window exists: check addresses */
    AddressSpace dma_as;        /* with windows: host view + windows */
    MemoryRegion root;
    MemoryRegion host;          /* alias of the PCI bus master view */
    NvmeCmemWindow win[NVME_CMEM_NR];
} NvmeCmem;

void nvme_cmem_add(NvmeCtrl *n, unsigned idx, MemoryRegion *mem,
                   uint64_t size, uint8_t bar, bool at_bar, bool data_only);
void nvme_cmem_init(NvmeCtrl *n);
void nvme_cmem_exit(NvmeCtrl *n);
bool nvme_cmem_set_window(NvmeCtrl *n, unsigned idx, bool enable,
                          uint64_t cba);
uint16_t nvme_cmem_check(NvmeCtrl *n, uint64_t addr, uint64_t len,
                         NvmeCmemUse use);
AddressSpace *nvme_dma_as(NvmeCtrl *n);
bool nvme_cmem_edge(NvmeCtrl *n, uint64_t addr);

#endif /* HW_NVME_CMEM_H */

/*
 * Data movement between guest memory and the device (dma.c): PRP lists,
 * SGLs, metadata pointers, and block I/O straight from mapped guest RAM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DMA_H
#define HW_NVME_DMA_H

#include "hw/pci/pci_device.h"
#include "qemu/main-loop.h"
#include "system/dma.h"
#include "system/block-backend.h"
#include "cmem.h"
#include "types.h"

/*
 * nvme_dma_map accepts SGL bit buckets only when !req->is_write
 * (controller-to-host); a command that takes host data without is_write
 * must use nvme_dma_from_guest, which never accepts them.
 */
uint16_t nvme_dma_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len);
uint16_t nvme_dma_to_guest(NvmeCtrl *n, NvmeRequest *req, const void *buf,
                           uint32_t len);
uint16_t nvme_dma_to_guest_padded(NvmeCtrl *n, NvmeRequest *req,
                                  const void *buf, uint32_t have,
                                  uint32_t len);
uint16_t nvme_dma_from_guest(NvmeCtrl *n, NvmeRequest *req, void *buf,
                             uint32_t len);
uint16_t nvme_dma_md(NvmeCtrl *n, NvmeRequest *req, void *buf, uint32_t len,
                     bool to_guest);
uint32_t nvme_mdts_bytes(NvmeCtrl *n);
bool nvme_dma_range_ok(NvmeCtrl *n, dma_addr_t addr, dma_addr_t len,
                       bool is_write);
void nvme_dma_unmap(NvmeRequest *req);
void nvme_req_pool_init(NvmeCtrl *n, NvmeRequest *req);
void nvme_req_pool_free(NvmeRequest *req);
uint16_t nvme_dma_map_iov(NvmeRequest *req, DMADirection dir);
void nvme_dma_unmap_iov(NvmeRequest *req);
BlockAIOCB *nvme_dma_blk_io(NvmeRequest *req, int64_t offset, uint32_t align,
                            DMAIOFunc *io_func, void *io_opaque,
                            BlockCompletionFunc *cb, void *opaque,
                            DMADirection dir);

/*
 * Context: any.  Memory attributes of the controller's DMA: from an
 * iothread only RAM is reachable, so DMA never enters an MMIO handler
 * (which would need the BQL, which an iothread never takes).
 */
static inline MemTxAttrs nvme_dma_attrs(void)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    if (!qemu_in_main_thread()) {
        attrs.unspecified = false;
        attrs.memory = 1;
    }
    return attrs;
}

/* Through the controller's DMA view, with its CMB/PMR windows (cmem.c). */
static inline MemTxResult nvme_pci_read(NvmeCtrl *n, dma_addr_t addr,
                                        void *buf, dma_addr_t len)
{
    return dma_memory_rw(nvme_dma_as(n), addr, buf, len,
                         DMA_DIRECTION_TO_DEVICE, nvme_dma_attrs());
}

static inline MemTxResult nvme_pci_write(NvmeCtrl *n, dma_addr_t addr,
                                         const void *buf, dma_addr_t len)
{
    return dma_memory_rw(nvme_dma_as(n), addr, (void *)buf, len,
                         DMA_DIRECTION_FROM_DEVICE, nvme_dma_attrs());
}

#endif /* HW_NVME_DMA_H */

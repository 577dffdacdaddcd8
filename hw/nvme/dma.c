/*
 * NVMe data pointers: PRP entries and lists to a QEMUSGList, and copies
 * between device buffers and guest memory for admin commands.
 *
 * Every rule of the PRP format is checked against guest input: dword
 * alignment of PRP1, zero page offset of every later data entry, qword
 * alignment of list pointers.  The walk consumes at least one page of the
 * transfer per list page it reads, so a list that loops cannot hang it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/pci/pci.h"
#include "hw/nvme/nvme.h"
#include "trace.h"

#define PRP_CHUNK   512     /* list entries read per DMA */

/* Context: any. */
uint32_t nvme_mdts_bytes(NvmeCtrl *n)
{
    return n->params.mdts ? 4096u << n->params.mdts : UINT32_MAX;
}

/* Context: main loop.  Append, merging with a contiguous previous entry. */
static void nvme_sg_add(QEMUSGList *sg, dma_addr_t addr, dma_addr_t len)
{
    ScatterGatherEntry *last = sg->nsg ? &sg->sg[sg->nsg - 1] : NULL;

    if (last && last->base + last->len == addr) {
        last->len += len;
        sg->size += len;
        return;
    }
    qemu_sglist_add(sg, addr, len);
}

/* Context: main loop. */
static uint16_t nvme_prp_bad_offset(NvmeRequest *req, uint64_t prp,
                                    unsigned byte)
{
    trace_nvme_prp_invalid(le16_to_cpu(req->cmd.cid), prp);
    nvme_req_err_field(req, byte, 0);
    return NVME_INVALID_PRP_OFFSET | NVME_DNR;
}

/* Context: main loop.  Walk a PRP list starting at @list for @len bytes. */
static uint16_t nvme_dma_map_list(NvmeCtrl *n, NvmeRequest *req,
                                  uint64_t list, uint32_t len)
{
    uint64_t ent[PRP_CHUNK];
    uint64_t psz = n->page_size;

    while (len) {
        uint32_t slots = (psz - (list & (psz - 1))) / 8;
        uint32_t needed = DIV_ROUND_UP(len, psz);
        uint32_t data = needed <= slots ? needed : slots - 1;
        uint32_t total = data + (needed > slots);

        if ((list & 7) || data == 0) {
            return nvme_prp_bad_offset(req, list, 32);
        }
        for (uint32_t done = 0; done < total; done += PRP_CHUNK) {
            uint32_t cnt = MIN(total - done, PRP_CHUNK);

            if (pci_dma_read(PCI_DEVICE(n), list + done * 8, ent, cnt * 8)) {
                return NVME_DATA_TRAS_ERROR;
            }
            for (uint32_t i = 0; i < cnt; i++) {
                uint64_t e = le64_to_cpu(ent[i]);
                uint32_t chunk = MIN(len, psz);

                if (done + i == data) {     /* pointer to the next list */
                    list = e;
                    break;
                }
                if (e & (psz - 1)) {
                    return nvme_prp_bad_offset(req, e, 32);
                }
                nvme_sg_add(&req->sg, e, chunk);
                len -= chunk;
            }
        }
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Build req->sg from PRP1/PRP2 for @len bytes. */
uint16_t nvme_dma_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len)
{
    uint64_t prp1 = le64_to_cpu(req->cmd.dptr.prp1);
    uint64_t prp2 = le64_to_cpu(req->cmd.dptr.prp2);
    uint64_t psz = n->page_size;
    uint32_t first;

    qemu_sglist_init(&req->sg, DEVICE(n), 4,
                     pci_get_address_space(PCI_DEVICE(n)));
    if (len == 0) {
        return NVME_SUCCESS;
    }
    if (prp1 & 3) {
        return nvme_prp_bad_offset(req, prp1, 24);
    }
    first = MIN(len, psz - (prp1 & (psz - 1)));
    nvme_sg_add(&req->sg, prp1, first);
    len -= first;
    if (len == 0) {
        return NVME_SUCCESS;
    }
    if (len <= psz) {
        if (prp2 & (psz - 1)) {
            return nvme_prp_bad_offset(req, prp2, 32);
        }
        nvme_sg_add(&req->sg, prp2, len);
        return NVME_SUCCESS;
    }
    return nvme_dma_map_list(n, req, prp2, len);
}

/* Context: main loop.  Device buffer -> guest memory. */
uint16_t nvme_dma_to_guest(NvmeCtrl *n, NvmeRequest *req, const void *buf,
                           uint32_t len)
{
    uint16_t status = nvme_dma_map(n, req, len);

    if (status) {
        return status;
    }
    if (dma_buf_read((void *)buf, len, NULL, &req->sg,
                     MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
        return NVME_DATA_TRAS_ERROR;
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Guest memory -> device buffer. */
uint16_t nvme_dma_from_guest(NvmeCtrl *n, NvmeRequest *req, void *buf,
                             uint32_t len)
{
    uint16_t status = nvme_dma_map(n, req, len);

    if (status) {
        return status;
    }
    if (dma_buf_write(buf, len, NULL, &req->sg,
                      MEMTXATTRS_UNSPECIFIED) != MEMTX_OK) {
        return NVME_DATA_TRAS_ERROR;
    }
    return NVME_SUCCESS;
}

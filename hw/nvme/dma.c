/*
 * NVMe data pointers: PRP entries and lists, or Scatter Gather Lists, to
 * a QEMUSGList, and copies between device buffers and guest memory.
 *
 * The walks themselves, with every rule of the PRP and SGL formats, are
 * the pure functions of dma-walk.c; here they read guest RAM (a list or
 * segment elsewhere is a Data Transfer Error) and their pieces become
 * req->sg, or holes for bit buckets.  SGLS bit 18 is offered: an SGL may
 * describe more than the command transfers (Linux sizes the SGL of a
 * passthrough command to the user's buffer), and only the command's data
 * moves.  A command reads at most NVME_SGL_MAX_DESCS descriptors.
 *
 * Bit buckets are only valid where the controller writes guest memory:
 * their byte ranges of the transfer are recorded as holes (req->sg_holes)
 * and skipped when data is scattered to the guest.  A block read with
 * holes goes through a bounce buffer; plain reads and writes map req->sg
 * into req->iov (nvme_dma_map_iov) and the block layer works on guest
 * RAM in place.  Both arrays belong to the pooled request and are reused.
 *
 * The separate metadata buffer (nvme_dma_md): with PSDT 00b MPTR is the
 * dword aligned address of a contiguous buffer, with 01b the same byte
 * aligned (SGLS bit 17), with 10b (SGLS bit 19) the qword aligned address
 * of an SGL segment holding exactly one descriptor, the first of the
 * metadata SGL: a Data Block, a Bit Bucket (reads only), or a Segment or
 * Last Segment leading to more, walked by the same rules as the data SGL
 * (shorter than the metadata: Metadata SGL Length Invalid; longer: SGLS
 * bit 18 covers data and metadata SGLs alike).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "hw/pci/pci.h"
#include "bounds.h"
#include "cmem.h"
#include "ctrl.h"
#include "dma-walk.h"
#include "dma-win.h"
#include "dma.h"
#include "queue.h"
#include "trace.h"

#define NVME_SGL_MAX_DESCS  16384   /* descriptors walked per command */
#define NVME_SG_KEEP        64      /* sglist/iovec entries a request keeps */

#define MPTR_BYTE   16          /* the command's MPTR field */

typedef struct NvmeSgHole {
    uint32_t off;               /* byte offset in the transfer */
    uint32_t len;
} NvmeSgHole;

/* Context: any.  The controller's largest transfer (bounds.c). */
uint32_t nvme_mdts_bytes(NvmeCtrl *n)
{
    return nvme_mdts_limit(n->params.mdts);
}

/*
 * Context: main loop.  Append, merging with a contiguous previous entry
 * unless @addr is an edge of controller memory: each entry is then
 * wholly host or controller memory, as nvme_dma_check() wants.
 */
static void nvme_sg_add(QEMUSGList *sg, dma_addr_t addr, dma_addr_t len)
{
    ScatterGatherEntry *last = sg->nsg ? &sg->sg[sg->nsg - 1] : NULL;
    NvmeCtrl *n = container_of(sg->dev, NvmeCtrl, parent_obj.qdev);

    if (last && last->base + last->len == addr && !nvme_cmem_edge(n, addr)) {
        last->len += len;
        sg->size += len;
        return;
    }
    qemu_sglist_add(sg, addr, len);
}

/*
 * Context: main loop.  A pooled request's sglist and iovec live as long
 * as its queue: their arrays grow to the largest transfer seen and are
 * reused, so the I/O path allocates nothing per command.
 */
void nvme_req_pool_init(NvmeCtrl *n, NvmeRequest *req)
{
    qemu_sglist_init(&req->sg, DEVICE(n), 4, nvme_dma_as(n));
    qemu_iovec_init(&req->iov, 4);
}

/* Context: main loop.  Queue deletion: the request is idle. */
void nvme_req_pool_free(NvmeRequest *req)
{
    nvme_dma_unmap(req);
    qemu_sglist_destroy(&req->sg);
    qemu_iovec_destroy(&req->iov);
}

/*
 * Context: queue.  Map req->sg (guest RAM only: nvme_dma_map checked
 * every range) into req->iov, so the block layer reads or writes guest
 * memory in place: no bounce buffer, no DMA helper state.
 */
uint16_t nvme_dma_map_iov(NvmeRequest *req, DMADirection dir)
{
    nvme_dma_unmap_iov(req);
    req->iov_dir = dir;
    req->iov_mapped = true;
    if (nvme_dma_win_map(req)) {
        return NVME_SUCCESS;    /* no reference taken per range */
    }
    for (int i = 0; i < req->sg.nsg; i++) {
        dma_addr_t addr = req->sg.sg[i].base, left = req->sg.sg[i].len;

        while (left) {
            dma_addr_t len = left;
            void *p = dma_memory_map(req->sg.as, addr, &len, dir,
                                     nvme_dma_attrs());

            if (!p) {
                trace_nvme_dma_invalid(le16_to_cpu(req->cmd.cid), addr, left);
                nvme_dma_unmap_iov(req);
                return NVME_DATA_TRAS_ERROR | NVME_DNR;
            }
            qemu_iovec_add(&req->iov, p, len);
            addr += len;
            left -= len;
        }
    }
    return NVME_SUCCESS;
}

/*
 * Context: queue.  Release the mappings once the I/O is over; a
 * device-to-guest transfer marks the whole range dirty (migration, TCG).
 */
void nvme_dma_unmap_iov(NvmeRequest *req)
{
    if (!req->iov_mapped) {
        return;
    }
    if (req->iov_win) {
        nvme_dma_win_unmap(req);
    } else {
        for (int i = 0; i < req->iov.niov; i++) {
            dma_memory_unmap(req->sg.as, req->iov.iov[i].iov_base,
                             req->iov.iov[i].iov_len, req->iov_dir,
                             req->iov.iov[i].iov_len);
        }
    }
    qemu_iovec_reset(&req->iov);
    req->iov_mapped = false;
}

/* Context: queue.  Arrays grown past the usual, SGL holes: let them go. */
static void __attribute__((noinline)) nvme_dma_shrink(NvmeRequest *req)
{
    if (req->sg.nalloc > NVME_SG_KEEP) {
        DeviceState *dev = req->sg.dev;
        AddressSpace *as = req->sg.as;

        qemu_sglist_destroy(&req->sg);
        qemu_sglist_init(&req->sg, dev, 4, as);
    }
    if (req->iov.nalloc > NVME_SG_KEEP) {
        qemu_iovec_destroy(&req->iov);
        qemu_iovec_init(&req->iov, 4);
    }
    if (req->sg_holes) {
        g_array_free(req->sg_holes, true);
        req->sg_holes = NULL;
    }
}

/*
 * Context: queue (an idle request's: main loop, its queue being deleted).
 * Drop what nvme_dma_map built (idempotent).  The
 * arrays are kept for the next command unless one unusually long data
 * pointer grew them: a guest must not pin that much memory per entry.
 */
void nvme_dma_unmap(NvmeRequest *req)
{
    nvme_dma_unmap_iov(req);
    if (unlikely(req->sg.nalloc > NVME_SG_KEEP ||
                 req->iov.nalloc > NVME_SG_KEEP || req->sg_holes)) {
        nvme_dma_shrink(req);
    }
    req->sg.nsg = 0;
    req->sg.size = 0;
}

/* ---- PRPs and SGLs: the walks of dma-walk.c on guest memory ---- */

/* Context: main loop.  Record bytes of the transfer that a bit bucket eats. */
static void nvme_sgl_add_hole(NvmeRequest *req, uint32_t off, uint32_t len)
{
    NvmeSgHole h = { .off = off, .len = len };
    NvmeSgHole *last;

    if (!req->sg_holes) {
        req->sg_holes = g_array_new(false, false, sizeof(NvmeSgHole));
    }
    if (req->sg_holes->len) {
        last = &g_array_index(req->sg_holes, NvmeSgHole,
                              req->sg_holes->len - 1);
        if (last->off + last->len == off) {
            last->len += len;
            return;
        }
    }
    g_array_append_val(req->sg_holes, h);
}

/* Context: main loop.  NvmeWalkRead: lists and segments live in RAM. */
static bool nvme_walk_read(void *opaque, uint64_t addr, void *buf,
                           uint32_t len)
{
    NvmeRequest *req = opaque;
    NvmeCtrl *n = nvme_req_ctrl(req);

    return nvme_dma_range_ok(n, addr, len, false) &&
           nvme_pci_read(n, addr, buf, len) == MEMTX_OK;
}

/*
 * Context: main loop.  NvmeWalkCheck: a list or segment wholly in host
 * memory or wholly in a controller memory that may hold lists (cmem.c).
 */
static uint16_t nvme_walk_check(void *opaque, uint64_t addr, uint64_t len)
{
    return nvme_cmem_check(nvme_req_ctrl(opaque), addr, len,
                           NVME_CMEM_LIST) & ~NVME_DNR;
}

/* Context: main loop.  NvmeWalkPiece: into req->sg, or a hole. */
static void nvme_walk_piece(void *opaque, uint32_t off, uint64_t addr,
                            uint32_t len, bool hole)
{
    NvmeRequest *req = opaque;

    if (hole) {
        nvme_sgl_add_hole(req, off, len);
    } else {
        nvme_sg_add(&req->sg, addr, len);
    }
}

/* Context: main loop.  Build req->sg from PRP1/PRP2 for @len bytes. */
static uint16_t nvme_prp_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len)
{
    NvmeWalkIo io = {
        .read = nvme_walk_read, .piece = nvme_walk_piece, .opaque = req,
        .check = nvme_walk_check,
    };
    NvmeWalkResult res;
    uint16_t status;

    status = nvme_walk_prp(&io, le64_to_cpu(req->cmd.dptr.prp1),
                           le64_to_cpu(req->cmd.dptr.prp2), len,
                           n->regs.page_size, &res);
    if (status) {
        trace_nvme_prp_invalid(le16_to_cpu(req->cmd.cid), res.why, res.addr,
                               status);
        if (res.byte != NVME_WALK_BYTE_NONE) {
            nvme_req_err_field(req, res.byte, 0);
        }
    }
    return status ? status | NVME_DNR : NVME_SUCCESS;
}

/*
 * Context: main loop.  Build req->sg (and holes) for @len bytes from the
 * SGL that starts with @first: the command's SGL1, or for @md the
 * descriptor MPTR points to (the error log then points at MPTR).  The SGL
 * may be longer than @len as SGLS bit 18 says.
 */
static uint16_t nvme_sgl_map(NvmeCtrl *n, NvmeRequest *req,
                             const NvmeSglDescriptor *first, uint32_t len,
                             bool to_device, bool md)
{
    NvmeWalkIo io = {
        .read = nvme_walk_read, .piece = nvme_walk_piece, .opaque = req,
        .check = nvme_walk_check,
    };
    NvmeSglWalkArgs a = {
        .first_in_cmd = !md, .len = len, .to_device = to_device, .md = md,
        .excess_ok = le32_to_cpu(n->id_ctrl.sgls) &
                     NVME_CTRL_SGLS_EXCESS_LENGTH,
        .max_descs = NVME_SGL_MAX_DESCS,
    };
    NvmeWalkResult res;
    uint16_t status;

    memcpy(a.first, first, sizeof(a.first));
    status = nvme_walk_sgl(&io, &a, &res);
    if (!status) {
        trace_nvme_sgl_map(le16_to_cpu(req->cmd.cid), len, res.ndesc,
                           req->sg_holes ? req->sg_holes->len : 0);
        return NVME_SUCCESS;
    }
    trace_nvme_sgl_invalid(le16_to_cpu(req->cmd.cid), res.why, res.addr,
                           res.len, res.id, res.ndesc, status);
    if (status != NVME_DATA_TRAS_ERROR) {
        nvme_req_err_field(req, md ? MPTR_BYTE :
                           res.byte != NVME_WALK_BYTE_NONE ? res.byte :
                           NVME_WALK_BYTE_DPTR1, 0);
    }
    return status | NVME_DNR;
}

/*
 * Context: main loop.  Is [@addr, @addr + @len) guest RAM all along?
 * MMIO (another device's BAR, our own, nothing at all) is not: dma_blk_io
 * would bounce it through a single shared buffer and park requests the
 * block layer does not count as in flight, and would ignore its errors.
 */
static bool nvme_dma_is_ram(AddressSpace *as, dma_addr_t addr,
                            dma_addr_t len, bool is_write)
{
    RCU_READ_LOCK_GUARD();

    while (len) {
        hwaddr xlat, plen = len;
        MemoryRegion *mr = address_space_translate(as, addr, &xlat, &plen,
                                                   is_write,
                                                   MEMTXATTRS_UNSPECIFIED);

        if (!plen || !memory_region_is_ram(mr) ||
            memory_region_is_ram_device(mr) || (is_write && mr->readonly)) {
            return false;
        }
        addr += plen;
        len -= plen;
    }
    return true;
}

/* Context: main loop.  A buffer the device reads or fills outside req->sg. */
bool nvme_dma_range_ok(NvmeCtrl *n, dma_addr_t addr, dma_addr_t len,
                       bool is_write)
{
    return addr + len >= addr &&
           nvme_dma_is_ram(nvme_dma_as(n), addr, len, is_write);
}

/*
 * Context: main loop.  Every mapped range must be guest RAM, so the data
 * of a command never goes through a bounce buffer, never re-enters a
 * device, and a transfer to nowhere fails instead of vanishing.
 */
static uint16_t nvme_dma_check(NvmeCtrl *n, NvmeRequest *req, bool to_device)
{
    AddressSpace *as = req->sg.as;  /* the PCI device's, no QOM cast */

    for (int i = 0; i < req->sg.nsg; i++) {
        dma_addr_t base = req->sg.sg[i].base, len = req->sg.sg[i].len;
        uint16_t status = nvme_cmem_check(n, base, len, NVME_CMEM_DATA);

        if (status) {
            return status;      /* partly CMB/PMR: Invalid CMB Usage */
        }
        if (!nvme_dma_win_ram(req->sq, base, len) &&
            !nvme_dma_is_ram(as, base, len, !to_device)) {
            trace_nvme_dma_invalid(le16_to_cpu(req->cmd.cid), base, len);
            return NVME_DATA_TRAS_ERROR | NVME_DNR;
        }
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Build req->sg (and holes) for @len bytes from
 * PRPs or an SGL as PSDT says; bit buckets only if !@to_device.
 */
static uint16_t nvme_dma_map_dir(NvmeCtrl *n, NvmeRequest *req, uint32_t len,
                                 bool to_device)
{
    uint16_t status;

    nvme_dma_unmap(req);
    if (len == 0) {
        return NVME_SUCCESS;
    }
    switch (NVME_CMD_FLAGS_PSDT(req->cmd.flags)) {
    case NVME_PSDT_PRP:
        status = nvme_prp_map(n, req, len);
        break;
    case NVME_PSDT_SGL_MPTR_CONTIGUOUS:
    case NVME_PSDT_SGL_MPTR_SGL:
        status = nvme_sgl_map(n, req, &req->cmd.dptr.sgl, len, to_device,
                              false);
        if (status && req->sg_holes) {
            g_array_free(req->sg_holes, true);
            req->sg_holes = NULL;
        }
        break;
    default:                    /* dispatch rejects 11b */
        nvme_req_err_field(req, 1, 6);
        return NVME_INVALID_FIELD | NVME_DNR;
    }
    return status ? status : nvme_dma_check(n, req, to_device);
}

/* Context: main loop.  Bit buckets are valid when the command reads. */
uint16_t nvme_dma_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len)
{
    return nvme_dma_map_dir(n, req, len, req->is_write);
}

/*
 * Context: main loop.  Copy @len bytes of the transfer from @buf to the
 * guest along req->sg, skipping the bit bucket holes.
 */
static MemTxResult nvme_dma_scatter(NvmeRequest *req, const uint8_t *buf,
                                    uint32_t len)
{
    NvmeCtrl *n = nvme_req_ctrl(req);
    GArray *holes = req->sg_holes;
    uint32_t off = 0, h = 0, e = 0;
    dma_addr_t eoff = 0;

    while (off < len) {
        NvmeSgHole *hole = holes && h < holes->len ?
                           &g_array_index(holes, NvmeSgHole, h) : NULL;
        uint32_t end = hole ? hole->off : len;
        ScatterGatherEntry *ent;
        uint32_t chunk;

        if (off == end && hole) {
            off += hole->len;
            h++;
            continue;
        }
        assert(e < req->sg.nsg);
        ent = &req->sg.sg[e];
        chunk = MIN(end - off, ent->len - eoff);
        if (nvme_pci_write(n, ent->base + eoff, buf + off,
                           chunk) != MEMTX_OK) {
            return MEMTX_ERROR;
        }
        off += chunk;
        eoff += chunk;
        if (eoff == ent->len) {
            e++;
            eoff = 0;
        }
    }
    return MEMTX_OK;
}

/* Context: main loop.  Device buffer -> the guest memory req->sg maps. */
static uint16_t nvme_dma_copy_out(NvmeRequest *req, const void *buf,
                                  uint32_t len)
{
    if (req->sg_holes) {
        if (nvme_dma_scatter(req, buf, len) != MEMTX_OK) {
            return NVME_DATA_TRAS_ERROR | NVME_DNR;
        }
        return NVME_SUCCESS;
    }
    if (dma_buf_read((void *)buf, len, NULL, &req->sg,
                     nvme_dma_attrs()) != MEMTX_OK) {
        return NVME_DATA_TRAS_ERROR | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  The guest memory req->sg maps -> device buffer. */
static uint16_t nvme_dma_copy_in(NvmeRequest *req, void *buf, uint32_t len)
{
    if (dma_buf_write(buf, len, NULL, &req->sg,
                      nvme_dma_attrs()) != MEMTX_OK) {
        return NVME_DATA_TRAS_ERROR | NVME_DNR;
    }
    return NVME_SUCCESS;
}

/* Context: main loop.  Device buffer -> guest memory. */
uint16_t nvme_dma_to_guest(NvmeCtrl *n, NvmeRequest *req, const void *buf,
                           uint32_t len)
{
    uint16_t status = nvme_dma_map_dir(n, req, len, false);

    return status ? status : nvme_dma_copy_out(req, buf, len);
}

/*
 * Context: main loop.  Zero what req->sg maps beyond the first @have bytes
 * of the transfer (bit bucket holes below @have take no room in req->sg).
 */
static uint16_t nvme_dma_zero_tail(NvmeRequest *req, uint32_t have)
{
    GArray *holes = req->sg_holes;
    dma_addr_t skip = have;

    for (guint h = 0; holes && h < holes->len; h++) {
        NvmeSgHole *hole = &g_array_index(holes, NvmeSgHole, h);

        if (hole->off < have) {
            skip -= MIN(hole->len, have - hole->off);
        }
    }
    for (int i = 0; i < req->sg.nsg; i++) {
        ScatterGatherEntry *ent = &req->sg.sg[i];

        if (skip >= ent->len) {
            skip -= ent->len;
            continue;
        }
        if (dma_memory_set(req->sg.as, ent->base + skip, 0, ent->len - skip,
                           nvme_dma_attrs()) != MEMTX_OK) {
            return NVME_DATA_TRAS_ERROR | NVME_DNR;
        }
        skip = 0;
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  @have bytes of @buf, then zeroes up to @len: a
 * structure shorter than the host's buffer (log pages, Reservation
 * Report) fills the whole buffer, so an SGL describing exactly that
 * buffer is valid (Data SGL Length Invalid otherwise).  The zeroes are
 * written in place: @len may be as large as MDTS allows (or unlimited).
 */
uint16_t nvme_dma_to_guest_padded(NvmeCtrl *n, NvmeRequest *req,
                                  const void *buf, uint32_t have,
                                  uint32_t len)
{
    uint16_t status;

    if (have >= len) {
        return nvme_dma_to_guest(n, req, buf, len);
    }
    status = nvme_dma_map_dir(n, req, len, false);
    if (!status) {
        status = nvme_dma_copy_out(req, buf, have);
    }
    return status ? status : nvme_dma_zero_tail(req, have);
}

/* Context: main loop.  Guest memory -> device buffer. */
uint16_t nvme_dma_from_guest(NvmeCtrl *n, NvmeRequest *req, void *buf,
                             uint32_t len)
{
    uint16_t status = nvme_dma_map_dir(n, req, len, true);

    return status ? status : nvme_dma_copy_in(req, buf, len);
}

/* ---- the separate metadata buffer (MPTR) ---- */

/*
 * Context: main loop.  PSDT 10b: MPTR is the qword aligned address of an
 * SGL segment of one descriptor in guest RAM; map the metadata SGL it
 * starts into req->sg (and holes).
 */
static uint16_t nvme_dma_map_md_sgl(NvmeCtrl *n, NvmeRequest *req,
                                    uint32_t len, bool to_device)
{
    uint64_t mptr = le64_to_cpu(req->cmd.mptr);
    NvmeSglDescriptor first;
    uint16_t status;

    if (mptr & 7) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR,
                               MPTR_BYTE, 0,
                               "metadata SGL segment not qword aligned");
    }
    status = nvme_cmem_check(n, mptr, sizeof(first), NVME_CMEM_LIST);
    if (status) {
        return nvme_req_reject(req, status, MPTR_BYTE, 0,
                               "metadata SGL segment partly in controller "
                               "memory");
    }
    if (!nvme_dma_range_ok(n, mptr, sizeof(first), false) ||
        nvme_pci_read(n, mptr, &first, sizeof(first))) {
        trace_nvme_dma_invalid(le16_to_cpu(req->cmd.cid), mptr,
                               sizeof(first));
        return nvme_req_reject(req, NVME_DATA_TRAS_ERROR | NVME_DNR,
                               MPTR_BYTE, 0,
                               "metadata SGL segment is not guest RAM");
    }
    status = nvme_sgl_map(n, req, &first, len, to_device, true);
    if (status && req->sg_holes) {
        g_array_free(req->sg_holes, true);
        req->sg_holes = NULL;
    }
    return status ? status : nvme_dma_check(n, req, to_device);
}

/*
 * Context: main loop.  Map the command's separate metadata buffer of
 * @len bytes into req->sg (replacing the data's mapping).
 */
static uint16_t nvme_dma_map_md(NvmeCtrl *n, NvmeRequest *req, uint32_t len,
                                bool to_device)
{
    uint64_t mptr = le64_to_cpu(req->cmd.mptr);

    nvme_dma_unmap(req);        /* the pooled sglist, emptied */
    switch (NVME_CMD_FLAGS_PSDT(req->cmd.flags)) {
    case NVME_PSDT_SGL_MPTR_SGL:
        return nvme_dma_map_md_sgl(n, req, len, to_device);
    case NVME_PSDT_PRP:
        if (mptr & 3) {
            return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR,
                                   MPTR_BYTE, 0, "MPTR not dword aligned");
        }
        break;
    default:                    /* 01b: byte aligned, SGLS bit 17 */
        break;
    }
    if (nvme_cmem_check(n, mptr, len, NVME_CMEM_DATA)) {
        return nvme_req_reject(req, NVME_INVALID_USE_OF_CMB | NVME_DNR,
                               MPTR_BYTE, 0,
                               "MPTR buffer partly in controller memory");
    }
    if (!nvme_dma_range_ok(n, mptr, len, !to_device)) {
        trace_nvme_dma_invalid(le16_to_cpu(req->cmd.cid), mptr, len);
        return nvme_req_reject(req, NVME_DATA_TRAS_ERROR | NVME_DNR,
                               MPTR_BYTE, 0, "MPTR buffer is not guest RAM");
    }
    qemu_sglist_add(&req->sg, mptr, len);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Move @len bytes of metadata between @buf and the
 * command's separate metadata buffer, as PSDT says; @to_guest for reads.
 */
uint16_t nvme_dma_md(NvmeCtrl *n, NvmeRequest *req, void *buf, uint32_t len,
                     bool to_guest)
{
    uint16_t status = nvme_dma_map_md(n, req, len, !to_guest);

    if (status) {
        return status;
    }
    return to_guest ? nvme_dma_copy_out(req, buf, len)
                    : nvme_dma_copy_in(req, buf, len);
}

/* ---- block I/O on a mapped request ---- */

typedef struct NvmeBounce {
    NvmeRequest *req;
    QEMUIOVector qiov;
    void *buf;
    uint32_t len;
    BlockCompletionFunc *cb;
    void *opaque;
} NvmeBounce;

/* Context: queue (block layer callback).  Scatter, then complete. */
static void nvme_bounce_cb(void *opaque, int ret)
{
    NvmeBounce *b = opaque;
    BlockCompletionFunc *cb = b->cb;
    void *cb_opaque = b->opaque;

    if (ret == 0 && nvme_dma_scatter(b->req, b->buf, b->len) != MEMTX_OK) {
        ret = -EFAULT;
    }
    qemu_iovec_destroy(&b->qiov);
    qemu_vfree(b->buf);
    g_free(b);
    cb(cb_opaque, ret);
}

/*
 * Context: main loop.  dma_blk_io() on req->sg, or for a read with bit
 * buckets one @io_func call into a bounce buffer that is scattered to
 * the guest when it completes (-EFAULT if that DMA fails).
 */
BlockAIOCB *nvme_dma_blk_io(NvmeRequest *req, int64_t offset, uint32_t align,
                            DMAIOFunc *io_func, void *io_opaque,
                            BlockCompletionFunc *cb, void *opaque,
                            DMADirection dir)
{
    NvmeBounce *b;
    uint32_t len;

    if (!req->sg_holes) {
        return dma_blk_io(&req->sg, offset, align, io_func, io_opaque, cb,
                          opaque, dir);
    }
    assert(dir == DMA_DIRECTION_FROM_DEVICE);
    len = req->sg.size;
    for (guint i = 0; i < req->sg_holes->len; i++) {
        len += g_array_index(req->sg_holes, NvmeSgHole, i).len;
    }
    b = g_new0(NvmeBounce, 1);
    b->req = req;
    b->len = len;
    b->buf = qemu_memalign(qemu_real_host_page_size(), len);
    b->cb = cb;
    b->opaque = opaque;
    qemu_iovec_init(&b->qiov, 1);
    qemu_iovec_add(&b->qiov, b->buf, len);
    return io_func(offset, &b->qiov, nvme_bounce_cb, b, io_opaque);
}

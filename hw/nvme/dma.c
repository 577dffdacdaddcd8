/*
 * NVMe data pointers: PRP entries and lists, or Scatter Gather Lists, to
 * a QEMUSGList, and copies between device buffers and guest memory.
 *
 * Every rule of the PRP format is checked against guest input: dword
 * alignment of PRP1, zero page offset of every later data entry, qword
 * alignment of list pointers.  The walk consumes at least one page of the
 * transfer per list page it reads, so a list that loops cannot hang it.
 *
 * SGLs (PSDT 01b or 10b): Data Block, Bit Bucket, Segment and Last
 * Segment descriptors with the Address subtype.  The walk enforces the
 * SGL rules of the NVMe Base specification (segments must be guest RAM):
 * segment lengths non-zero multiples of 16 and qword
 * aligned segments, a Segment or Last Segment descriptor only as the last
 * descriptor of a segment and never inside the last segment, the
 * described length exactly the command's transfer length (SGLS does not
 * offer longer SGLs), no Address + Length past 2^64, no keyed or other
 * descriptor types.  It reads at most NVME_SGL_MAX_DESCS descriptors per
 * command, so a segment chain that loops ends in Invalid Number of SGL
 * Descriptors.
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
 * (a length other than the metadata's is Metadata SGL Length Invalid).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/memalign.h"
#include "hw/pci/pci.h"
#include "bounds.h"
#include "cmem.h"
#include "ctrl.h"
#include "dma.h"
#include "iothread.h"
#include "queue.h"
#include "trace.h"

#define PRP_CHUNK           512     /* list entries read per DMA */
#define SGL_CHUNK           256     /* descriptors read per DMA (4 KiB) */
#define NVME_SGL_MAX_DESCS  16384   /* descriptors walked per command */
#define NVME_SG_KEEP        64      /* sglist/iovec entries a request keeps */

/* Offsets of the fields of the command's SGL descriptor (SGL1, DPTR). */
#define SGL1_ADDR   24
#define SGL1_LEN    32
#define SGL1_ID     39
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
    for (int i = 0; i < req->iov.niov; i++) {
        dma_memory_unmap(req->sg.as, req->iov.iov[i].iov_base,
                         req->iov.iov[i].iov_len, req->iov_dir,
                         req->iov.iov[i].iov_len);
    }
    qemu_iovec_reset(&req->iov);
    req->iov_mapped = false;
}

/*
 * Context: main loop.  Drop what nvme_dma_map built (idempotent).  The
 * arrays are kept for the next command unless one unusually long data
 * pointer grew them: a guest must not pin that much memory per entry.
 */
void nvme_dma_unmap(NvmeRequest *req)
{
    nvme_dma_unmap_iov(req);
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
    req->sg.nsg = 0;
    req->sg.size = 0;
    if (req->sg_holes) {
        g_array_free(req->sg_holes, true);
        req->sg_holes = NULL;
    }
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
    uint64_t psz = n->regs.page_size;

    while (len) {
        uint32_t slots = (psz - (list & (psz - 1))) / 8;
        uint32_t needed = DIV_ROUND_UP(len, psz);
        uint32_t data = needed <= slots ? needed : slots - 1;
        uint32_t total = data + (needed > slots);

        if ((list & 7) || data == 0) {
            return nvme_prp_bad_offset(req, list, 32);
        }
        if (nvme_cmem_check(n, list, (uint64_t)total * 8, NVME_CMEM_LIST)) {
            nvme_req_err_field(req, 32, 0);
            return NVME_INVALID_USE_OF_CMB | NVME_DNR;
        }
        for (uint32_t done = 0; done < total; done += PRP_CHUNK) {
            uint32_t cnt = MIN(total - done, PRP_CHUNK);

            if (nvme_pci_read(n, list + done * 8, ent, cnt * 8)) {
                return NVME_DATA_TRAS_ERROR | NVME_DNR;
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
static uint16_t nvme_prp_map(NvmeCtrl *n, NvmeRequest *req, uint32_t len)
{
    uint64_t prp1 = le64_to_cpu(req->cmd.dptr.prp1);
    uint64_t prp2 = le64_to_cpu(req->cmd.dptr.prp2);
    uint64_t psz = n->regs.page_size;
    uint32_t first;

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

/* ---- SGLs ---- */

typedef struct NvmeSglWalk {
    NvmeCtrl *n;
    NvmeRequest *req;
    uint32_t len;               /* bytes the command transfers */
    uint32_t done;              /* bytes described so far */
    uint32_t ndesc;             /* descriptors walked so far */
    bool to_device;             /* host-to-controller: no bit buckets */
    bool in_cmd;                /* current descriptor is the command's */
    bool md;                    /* the metadata SGL (MPTR, PSDT 10b) */
} NvmeSglWalk;

/*
 * Context: main loop.  Reject the SGL: trace why, point the error log at
 * the command's SGL field @byte when the culprit is the command's own
 * descriptor (else at DPTR, or MPTR for the metadata SGL), return @status
 * with DNR.  A wrong length of the metadata SGL is Metadata SGL Length
 * Invalid rather than Data SGL Length Invalid.
 */
static uint16_t nvme_sgl_fail(NvmeSglWalk *w, uint16_t status,
                              const char *why, const NvmeSglDescriptor *d,
                              unsigned byte)
{
    NvmeRequest *req = w->req;

    if (w->md && status == NVME_DATA_SGL_LEN_INVALID) {
        status = NVME_MD_SGL_LEN_INVALID;
    }
    trace_nvme_sgl_invalid(le16_to_cpu(req->cmd.cid), why,
                           le64_to_cpu(d->addr), le32_to_cpu(d->len),
                           d->type, w->ndesc, status);
    if (w->md) {
        nvme_req_err_field(req, MPTR_BYTE, 0);
    } else {
        nvme_req_err_field(req, w->in_cmd ? byte : SGL1_ADDR, 0);
    }
    return status | NVME_DNR;
}

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

/*
 * Context: main loop.  Check a descriptor's type and subtype: Data Block
 * and Bit Bucket (where allowed), Segment and Last Segment, subtype
 * Address only.  Keyed, Transport and vendor descriptors are not offered.
 */
static uint16_t nvme_sgl_check_type(NvmeSglWalk *w, const NvmeSglDescriptor *d)
{
    uint8_t type = NVME_SGL_TYPE(d->type);

    if (NVME_SGL_SUBTYPE(d->type) != NVME_SGL_DESCR_SUBTYPE_ADDRESS) {
        return nvme_sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                             "unsupported descriptor subtype", d, SGL1_ID);
    }
    switch (type) {
    case NVME_SGL_DESCR_TYPE_DATA_BLOCK:
    case NVME_SGL_DESCR_TYPE_SEGMENT:
    case NVME_SGL_DESCR_TYPE_LAST_SEGMENT:
        return NVME_SUCCESS;
    case NVME_SGL_DESCR_TYPE_BIT_BUCKET:
        if (w->to_device) {
            return nvme_sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                                 "bit bucket in a host-to-controller transfer",
                                 d, SGL1_ID);
        }
        return NVME_SUCCESS;
    case NVME_SGL_DESCR_TYPE_KEYED_DATA_BLOCK:
        return nvme_sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                             "keyed data block", d, SGL1_ID);
    default:
        return nvme_sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                             "unsupported descriptor type", d, SGL1_ID);
    }
}

/* Context: main loop.  A Data Block or Bit Bucket (type already checked). */
static uint16_t nvme_sgl_data(NvmeSglWalk *w, const NvmeSglDescriptor *d)
{
    uint64_t addr = le64_to_cpu(d->addr);
    uint32_t dlen = le32_to_cpu(d->len);
    bool bucket = NVME_SGL_TYPE(d->type) == NVME_SGL_DESCR_TYPE_BIT_BUCKET;

    if (dlen == 0) {
        return NVME_SUCCESS;    /* describes no data */
    }
    if (!bucket && addr + dlen - 1 < addr) {
        return nvme_sgl_fail(w, NVME_DATA_SGL_LEN_INVALID,
                             "data block wraps past 2^64", d, SGL1_LEN);
    }
    if (dlen > w->len - w->done) {
        return nvme_sgl_fail(w, NVME_DATA_SGL_LEN_INVALID,
                             "SGL longer than the transfer", d, SGL1_LEN);
    }
    if (bucket) {
        nvme_sgl_add_hole(w->req, w->done, dlen);
    } else {
        nvme_sg_add(&w->req->sg, addr, dlen);
    }
    w->done += dlen;
    return NVME_SUCCESS;
}

/* Context: main loop.  The rules for a Segment or Last Segment descriptor. */
static uint16_t nvme_sgl_check_seg(NvmeSglWalk *w, const NvmeSglDescriptor *d)
{
    uint64_t addr = le64_to_cpu(d->addr);
    uint32_t slen = le32_to_cpu(d->len);

    if (slen == 0 || slen % sizeof(NvmeSglDescriptor)) {
        return nvme_sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                             "segment length not a non-zero multiple of 16",
                             d, SGL1_LEN);
    }
    if (addr & 7) {
        return nvme_sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                             "segment not qword aligned", d, SGL1_ADDR);
    }
    if (addr + slen - 1 < addr) {
        return nvme_sgl_fail(w, NVME_DATA_SGL_LEN_INVALID,
                             "segment wraps past 2^64", d, SGL1_LEN);
    }
    if (slen / sizeof(NvmeSglDescriptor) > NVME_SGL_MAX_DESCS - w->ndesc) {
        return nvme_sgl_fail(w, NVME_INVALID_NUM_SGL_DESCRS,
                             "too many descriptors", d, SGL1_LEN);
    }
    if (nvme_cmem_check(w->n, addr, slen, NVME_CMEM_LIST)) {
        return nvme_sgl_fail(w, NVME_INVALID_USE_OF_CMB,
                             "segment partly in controller memory", d,
                             SGL1_ADDR);
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Walk the SGL from its first descriptor @first (the
 * command's SGL1, or for @md the one MPTR points to).  @seg is the
 * descriptor being followed; each pass reads the segment it points to,
 * whose last descriptor may point to the next one.
 */
static uint16_t nvme_sgl_map(NvmeCtrl *n, NvmeRequest *req,
                             const NvmeSglDescriptor *first, uint32_t len,
                             bool to_device, bool md)
{
    NvmeSglWalk w = {
        .n = n, .req = req, .len = len, .to_device = to_device,
        .in_cmd = true, .ndesc = 1, .md = md,
    };
    NvmeSglDescriptor seg = *first;
    NvmeSglDescriptor buf[SGL_CHUNK];
    uint16_t status;

    status = nvme_sgl_check_type(&w, &seg);
    if (status) {
        return status;
    }
    while (NVME_SGL_TYPE(seg.type) == NVME_SGL_DESCR_TYPE_SEGMENT ||
           NVME_SGL_TYPE(seg.type) == NVME_SGL_DESCR_TYPE_LAST_SEGMENT) {
        bool last = NVME_SGL_TYPE(seg.type) ==
                    NVME_SGL_DESCR_TYPE_LAST_SEGMENT;
        uint64_t addr = le64_to_cpu(seg.addr);
        uint32_t count = le32_to_cpu(seg.len) / sizeof(NvmeSglDescriptor);
        bool chained = false;

        status = nvme_sgl_check_seg(&w, &seg);
        if (status) {
            return status;
        }
        w.in_cmd = false;
        for (uint32_t i = 0; i < count && !chained; i += SGL_CHUNK) {
            uint32_t cnt = MIN(count - i, SGL_CHUNK);

            if (!nvme_dma_range_ok(n, addr + i * sizeof(buf[0]),
                                   cnt * sizeof(buf[0]), false) ||
                nvme_pci_read(n, addr + i * sizeof(buf[0]), buf,
                              cnt * sizeof(buf[0]))) {
                trace_nvme_sgl_invalid(le16_to_cpu(req->cmd.cid),
                                       "segment read failed", addr,
                                       le32_to_cpu(seg.len), seg.type,
                                       w.ndesc, NVME_DATA_TRAS_ERROR);
                return NVME_DATA_TRAS_ERROR | NVME_DNR;
            }
            for (uint32_t j = 0; j < cnt; j++) {
                NvmeSglDescriptor *d = &buf[j];
                uint8_t type = NVME_SGL_TYPE(d->type);

                w.ndesc++;
                status = nvme_sgl_check_type(&w, d);
                if (status) {
                    return status;
                }
                if (type == NVME_SGL_DESCR_TYPE_SEGMENT ||
                    type == NVME_SGL_DESCR_TYPE_LAST_SEGMENT) {
                    if (last) {
                        return nvme_sgl_fail(&w, NVME_INVALID_SGL_SEG_DESCR,
                                             "segment descriptor in the "
                                             "last segment", d, 0);
                    }
                    if (i + j != count - 1) {
                        return nvme_sgl_fail(&w, NVME_INVALID_SGL_SEG_DESCR,
                                             "segment descriptor not last "
                                             "in its segment", d, 0);
                    }
                    seg = *d;
                    chained = true;
                    break;
                }
                status = nvme_sgl_data(&w, d);
                if (status) {
                    return status;
                }
            }
        }
        if (!chained) {
            break;              /* that segment ended the list */
        }
    }
    if (w.in_cmd) {
        status = nvme_sgl_data(&w, &seg);
        if (status) {
            return status;
        }
    }
    if (w.done != len) {
        w.in_cmd = NVME_SGL_TYPE(first->type) <=
                   NVME_SGL_DESCR_TYPE_BIT_BUCKET;
        return nvme_sgl_fail(&w, NVME_DATA_SGL_LEN_INVALID,
                             "SGL shorter than the transfer", first,
                             SGL1_LEN);
    }
    trace_nvme_sgl_map(le16_to_cpu(req->cmd.cid), len, w.ndesc,
                       req->sg_holes ? req->sg_holes->len : 0);
    return NVME_SUCCESS;
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
        if (!nvme_dma_is_ram(as, base, len, !to_device)) {
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

    NVME_IO_LOCK_GUARD(nvme_req_ctrl(b->req));
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

/*
 * NVMe data pointer walks: PRP entries and lists, Scatter Gather Lists.
 * Pure code over plain inputs (see dma-walk.h): unit tests drive it
 * directly.
 *
 * PRPs (NVMe Base 2.0, 4.1.1).  PRP1 may have a dword aligned offset in
 * its page.  When the rest of the transfer fits one page, PRP2 is that
 * page (offset 0).  Otherwise PRP2 is a PRP List pointer: qword aligned,
 * with any offset in its page, and the list runs from there to the end of
 * that page.  Entries are data pages (offset 0) until the transfer is
 * covered; when more entries are needed than the page has left, its last
 * entry instead points to the next list page (offset 0: only the first
 * PRP entry and the command's list pointer carry an offset).  So a list
 * whose first entry is the last of its page chains at once, and a list may
 * chain back to a page used before: only the transfer length bounds the
 * walk.  Every chained page holds at least 511 data entries, so the walk
 * always moves on.
 *
 * SGLs (4.1.2).  Data Block, Bit Bucket, Segment and Last Segment
 * descriptors with the Address subtype.  A segment is a non-zero multiple
 * of 16 bytes, qword aligned, does not wrap past 2^64 and does not hold
 * the descriptor that points to it; only its last descriptor may lead to
 * another segment, and never inside the last segment.  Bit buckets
 * describe bytes of a controller-to-host transfer that are dropped; in a
 * host-to-controller transfer they are SGL Descriptor Type Invalid.  A
 * Data Block of length 0 describes no data.  The SGL must describe at
 * least the transfer; with SGLS bit 18 (@excess_ok) it may describe more,
 * and the walk stops once the transfer is covered (the rest is not even
 * read), otherwise it must describe exactly the transfer.  At most
 * @max_descs descriptors are read, so lists that loop end in Invalid
 * Number of SGL Descriptors.
 *
 * Each PRP list page (as far as the transfer uses it) and each SGL
 * segment is shown whole to the optional io->check before it is read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "dma-walk.h"

#define PRP_CHUNK   512         /* list entries read at a time (4 KiB) */
#define SGL_CHUNK   256         /* descriptors read at a time (4 KiB) */

/* Status of io->check for a list or segment of @len bytes at @addr. */
static uint16_t walk_check(const NvmeWalkIo *io, uint64_t addr, uint64_t len)
{
    return io->check ? io->check(io->opaque, addr, len) : NVME_SUCCESS;
}

/* ---- PRPs ---- */

static uint16_t prp_fail(NvmeWalkResult *res, uint16_t status,
                         const char *why, uint64_t addr, uint8_t byte)
{
    res->why = why;
    res->addr = addr;
    res->byte = byte;
    return status;
}

/*
 * The PRP list at @list (qword aligned) for the bytes from @done to @len;
 * more than one page of them is left.
 */
static uint16_t prp_list(const NvmeWalkIo *io, uint64_t list, uint32_t done,
                         uint32_t len, uint32_t psz, NvmeWalkResult *res)
{
    uint8_t raw[PRP_CHUNK * 8];
    uint64_t next = 0;

    while (done < len) {
        uint32_t slots = (psz - (list & (psz - 1))) / 8;
        uint32_t needed = (len - done + psz - 1) / psz;
        bool chain = needed > slots;
        uint32_t total = chain ? slots : needed;
        uint16_t status = walk_check(io, list, (uint64_t)total * 8);

        if (status) {
            return prp_fail(res, status, "PRP list in memory it may not use",
                            list, NVME_WALK_BYTE_DPTR2);
        }
        for (uint32_t i = 0; i < total; i += PRP_CHUNK) {
            uint32_t cnt = MIN(total - i, PRP_CHUNK);

            if (!io->read(io->opaque, list + i * 8, raw, cnt * 8)) {
                return prp_fail(res, NVME_DATA_TRAS_ERROR,
                                "PRP list unreadable", list + i * 8,
                                NVME_WALK_BYTE_NONE);
            }
            for (uint32_t j = 0; j < cnt; j++) {
                uint64_t e = ldq_le_p(raw + j * 8);
                uint32_t chunk = MIN(len - done, psz);

                if (chain && i + j == slots - 1) {
                    next = e;
                    break;
                }
                if (e & (psz - 1)) {
                    return prp_fail(res, NVME_INVALID_PRP_OFFSET,
                                    "PRP list entry with an offset", e,
                                    NVME_WALK_BYTE_DPTR2);
                }
                io->piece(io->opaque, done, e, chunk, false);
                done += chunk;
            }
        }
        if (!chain) {
            break;
        }
        if (next & (psz - 1)) {
            return prp_fail(res, NVME_INVALID_PRP_OFFSET,
                            "chained PRP list pointer with an offset", next,
                            NVME_WALK_BYTE_DPTR2);
        }
        list = next;
    }
    return NVME_SUCCESS;
}

uint16_t nvme_walk_prp(const NvmeWalkIo *io, uint64_t prp1, uint64_t prp2,
                       uint32_t len, uint32_t page_size, NvmeWalkResult *res)
{
    uint64_t mask = page_size - 1;
    uint32_t done;

    *res = (NvmeWalkResult) { .byte = NVME_WALK_BYTE_NONE };
    if (prp1 & 3) {
        return prp_fail(res, NVME_INVALID_PRP_OFFSET, "PRP1 not dword aligned",
                        prp1, NVME_WALK_BYTE_DPTR1);
    }
    done = MIN(len, page_size - (prp1 & mask));
    io->piece(io->opaque, 0, prp1, done, false);
    if (done == len) {
        return NVME_SUCCESS;
    }
    if (len - done <= page_size) {
        if (prp2 & mask) {
            return prp_fail(res, NVME_INVALID_PRP_OFFSET,
                            "PRP2 data page with an offset", prp2,
                            NVME_WALK_BYTE_DPTR2);
        }
        io->piece(io->opaque, done, prp2, len - done, false);
        return NVME_SUCCESS;
    }
    if (prp2 & 7) {
        return prp_fail(res, NVME_INVALID_PRP_OFFSET,
                        "PRP list pointer not qword aligned", prp2,
                        NVME_WALK_BYTE_DPTR2);
    }
    return prp_list(io, prp2, done, len, page_size, res);
}

/* ---- SGLs ---- */

typedef struct SglDesc {
    uint64_t addr;
    uint32_t len;
    uint8_t id;                 /* type (7:4), subtype (3:0) */
} SglDesc;

typedef struct SglWalk {
    const NvmeWalkIo *io;
    const NvmeSglWalkArgs *a;
    NvmeWalkResult *res;
    uint32_t done;              /* bytes of the transfer described */
    bool in_cmd;                /* the descriptor at hand is SGL1 */
} SglWalk;

/* What a segment walk ended on. */
enum {
    SGL_SEG_END,                /* its last descriptor described data */
    SGL_SEG_NEXT,               /* it leads to another segment */
    SGL_SEG_FULL,               /* the transfer is covered (excess_ok) */
};

static SglDesc sgl_parse(const uint8_t *p)
{
    return (SglDesc) {
        .addr = ldq_le_p(p), .len = ldl_le_p(p + 8), .id = p[15],
    };
}

static uint8_t sgl_type(const SglDesc *d)
{
    return d->id >> 4;
}

static bool sgl_is_seg(const SglDesc *d)
{
    return sgl_type(d) == NVME_SGL_DESCR_TYPE_SEGMENT ||
           sgl_type(d) == NVME_SGL_DESCR_TYPE_LAST_SEGMENT;
}

/*
 * Fail on descriptor @d; @byte is the command's field at fault when @d is
 * the command's own.  A wrong length of a metadata SGL has its own status.
 */
static uint16_t sgl_fail(SglWalk *w, uint16_t status, const char *why,
                         const SglDesc *d, uint8_t byte)
{
    if (w->a->md && status == NVME_DATA_SGL_LEN_INVALID) {
        status = NVME_MD_SGL_LEN_INVALID;
    }
    w->res->why = why;
    w->res->addr = d->addr;
    w->res->len = d->len;
    w->res->id = d->id;
    w->res->byte = w->in_cmd ? byte : NVME_WALK_BYTE_NONE;
    return status;
}

static uint16_t sgl_check_type(SglWalk *w, const SglDesc *d)
{
    if ((d->id & 0xf) != NVME_SGL_DESCR_SUBTYPE_ADDRESS) {
        return sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                        "unsupported descriptor subtype", d,
                        NVME_WALK_BYTE_SGL_ID);
    }
    switch (sgl_type(d)) {
    case NVME_SGL_DESCR_TYPE_DATA_BLOCK:
    case NVME_SGL_DESCR_TYPE_SEGMENT:
    case NVME_SGL_DESCR_TYPE_LAST_SEGMENT:
        return NVME_SUCCESS;
    case NVME_SGL_DESCR_TYPE_BIT_BUCKET:
        if (w->a->to_device) {
            return sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                            "bit bucket in a host-to-controller transfer", d,
                            NVME_WALK_BYTE_SGL_ID);
        }
        return NVME_SUCCESS;
    case NVME_SGL_DESCR_TYPE_KEYED_DATA_BLOCK:
        return sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID, "keyed data block",
                        d, NVME_WALK_BYTE_SGL_ID);
    default:
        return sgl_fail(w, NVME_SGL_DESCR_TYPE_INVALID,
                        "unsupported descriptor type", d,
                        NVME_WALK_BYTE_SGL_ID);
    }
}

/* A Data Block or Bit Bucket (type checked): the next bytes. */
static uint16_t sgl_data(SglWalk *w, const SglDesc *d)
{
    bool bucket = sgl_type(d) == NVME_SGL_DESCR_TYPE_BIT_BUCKET;
    uint32_t take = d->len, left = w->a->len - w->done;

    if (d->len == 0) {
        return NVME_SUCCESS;    /* describes no data */
    }
    if (!bucket && d->addr + d->len - 1 < d->addr) {
        return sgl_fail(w, NVME_DATA_SGL_LEN_INVALID,
                        "data block wraps past 2^64", d,
                        NVME_WALK_BYTE_DPTR2);
    }
    if (take > left) {
        if (!w->a->excess_ok) {
            return sgl_fail(w, NVME_DATA_SGL_LEN_INVALID,
                            "SGL longer than the transfer", d,
                            NVME_WALK_BYTE_DPTR2);
        }
        take = left;            /* only the command's data moves */
    }
    if (take) {
        w->io->piece(w->io->opaque, w->done, d->addr, take, bucket);
        w->done += take;
    }
    return NVME_SUCCESS;
}

/*
 * The rules of a Segment or Last Segment descriptor @d, which sits at
 * guest address @where (UINT64_MAX for the command's own).
 */
static uint16_t sgl_check_seg(SglWalk *w, const SglDesc *d, uint64_t where)
{
    uint16_t status;

    if (d->len == 0 || d->len % NVME_WALK_SGL_DESC) {
        return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                        "segment length not a non-zero multiple of 16", d,
                        NVME_WALK_BYTE_DPTR2);
    }
    if (d->addr & 7) {
        return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                        "segment not qword aligned", d, NVME_WALK_BYTE_DPTR1);
    }
    if (d->addr + d->len - 1 < d->addr) {
        return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                        "segment wraps past 2^64", d, NVME_WALK_BYTE_DPTR2);
    }
    if (where - d->addr < d->len) {
        return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                        "segment holds the descriptor pointing to it", d,
                        NVME_WALK_BYTE_NONE);
    }
    if (d->len / NVME_WALK_SGL_DESC > w->a->max_descs - w->res->ndesc) {
        return sgl_fail(w, NVME_INVALID_NUM_SGL_DESCRS,
                        "too many descriptors", d, NVME_WALK_BYTE_DPTR2);
    }
    status = walk_check(w->io, d->addr, d->len);
    if (status) {
        return sgl_fail(w, status, "segment in memory it may not use", d,
                        NVME_WALK_BYTE_DPTR1);
    }
    return NVME_SUCCESS;
}

/*
 * Walk the segment that *@d (at *@where) points to.  When it leads on,
 * *@d and *@where become its last descriptor; *@next says how it ended.
 */
static uint16_t sgl_segment(SglWalk *w, SglDesc *d, uint64_t *where,
                            int *next)
{
    bool last = sgl_type(d) == NVME_SGL_DESCR_TYPE_LAST_SEGMENT;
    uint64_t base = d->addr;
    uint32_t count = d->len / NVME_WALK_SGL_DESC;
    uint8_t raw[SGL_CHUNK * NVME_WALK_SGL_DESC];
    uint16_t status;

    *next = SGL_SEG_END;
    status = sgl_check_seg(w, d, *where);
    if (status) {
        return status;
    }
    w->in_cmd = false;
    for (uint32_t i = 0; i < count; i += SGL_CHUNK) {
        uint32_t cnt = MIN(count - i, SGL_CHUNK);
        uint64_t at = base + (uint64_t)i * NVME_WALK_SGL_DESC;

        if (!w->io->read(w->io->opaque, at, raw, cnt * NVME_WALK_SGL_DESC)) {
            return sgl_fail(w, NVME_DATA_TRAS_ERROR,
                            "segment unreadable", d, NVME_WALK_BYTE_NONE);
        }
        for (uint32_t j = 0; j < cnt; j++) {
            SglDesc e = sgl_parse(raw + j * NVME_WALK_SGL_DESC);

            w->res->ndesc++;
            status = sgl_check_type(w, &e);
            if (status) {
                return status;
            }
            if (sgl_is_seg(&e)) {
                if (last) {
                    return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                                    "segment descriptor in the last segment",
                                    &e, NVME_WALK_BYTE_NONE);
                }
                if (i + j != count - 1) {
                    return sgl_fail(w, NVME_INVALID_SGL_SEG_DESCR,
                                    "segment descriptor not last in its "
                                    "segment", &e, NVME_WALK_BYTE_NONE);
                }
                *d = e;
                *where = at + (uint64_t)j * NVME_WALK_SGL_DESC;
                *next = SGL_SEG_NEXT;
                return NVME_SUCCESS;
            }
            status = sgl_data(w, &e);
            if (status) {
                return status;
            }
            if (w->a->excess_ok && w->done == w->a->len) {
                *next = SGL_SEG_FULL;
                return NVME_SUCCESS;
            }
        }
    }
    return NVME_SUCCESS;
}

uint16_t nvme_walk_sgl(const NvmeWalkIo *io, const NvmeSglWalkArgs *a,
                       NvmeWalkResult *res)
{
    SglWalk w = { .io = io, .a = a, .res = res, .in_cmd = a->first_in_cmd };
    SglDesc first = sgl_parse(a->first), d = first;
    uint64_t where = UINT64_MAX;
    uint16_t status;
    int next = SGL_SEG_NEXT;

    *res = (NvmeWalkResult) { .byte = NVME_WALK_BYTE_NONE, .ndesc = 1 };
    status = sgl_check_type(&w, &d);
    while (!status && sgl_is_seg(&d) && next == SGL_SEG_NEXT) {
        status = sgl_segment(&w, &d, &where, &next);
    }
    if (!status && !sgl_is_seg(&d)) {
        status = sgl_data(&w, &d);      /* the first descriptor is data */
    }
    if (!status && w.done != a->len) {
        w.in_cmd = a->first_in_cmd && !sgl_is_seg(&first);
        status = sgl_fail(&w, NVME_DATA_SGL_LEN_INVALID,
                          "SGL shorter than the transfer", &first,
                          NVME_WALK_BYTE_DPTR2);
    }
    return status;
}

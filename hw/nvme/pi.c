/*
 * End-to-end protection information over plain buffers (see pi.h).
 *
 * A block's PI tuple sits in the last bytes of its metadata, or the first
 * with DPS PIL.  16-bit guard: guard (2 bytes), application tag (2),
 * 32-bit reference tag (4).  64-bit guard: guard (8), application tag
 * (2), then storage and reference tag (6 bytes; no storage tag here: a
 * 48-bit reference tag).  All big-endian.  The guard covers the block's
 * data and, when the PI is last, the metadata bytes before it.
 *
 * An application tag of FFFFh (and for type 3 also a reference tag of all
 * ones) disables the checks of its block.  Types 1 and 2 expect the
 * reference tag of the command's first block plus the block's index;
 * type 3 does not check it.
 *
 * Every function runs in any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "pi.h"

#define NVME_CRC64_POLY_REFLECTED   0x9a6c9329ac4bc9b5ULL
#define NVME_CRC16_POLY             0x8bb7

static uint16_t nvme_crc16_table[256];
static uint64_t nvme_crc64_table[256];

/* The MSB-first table of polynomial 8BB7h, built once. */
static void nvme_crc16_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = i << 8;

        for (unsigned b = 0; b < 8; b++) {
            c = (c & 0x8000) ? (c << 1) ^ NVME_CRC16_POLY : c << 1;
        }
        nvme_crc16_table[i] = c;
    }
}

uint16_t nvme_crc16_t10dif(uint16_t crc, const uint8_t *buf, size_t len)
{
    if (!nvme_crc16_table[1]) {
        nvme_crc16_init();
    }
    for (size_t i = 0; i < len; i++) {
        crc = (crc << 8) ^ nvme_crc16_table[((crc >> 8) ^ buf[i]) & 0xff];
    }
    return crc;
}

/* The table of the reflected CRC-64 polynomial, built once. */
static void nvme_crc64_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;

        for (unsigned b = 0; b < 8; b++) {
            c = (c & 1) ? (c >> 1) ^ NVME_CRC64_POLY_REFLECTED : c >> 1;
        }
        nvme_crc64_table[i] = c;
    }
}

uint64_t nvme_crc64_nvme(uint64_t crc, const uint8_t *buf, size_t len)
{
    uint64_t reg = ~crc;

    if (!nvme_crc64_table[1]) {
        nvme_crc64_init();
    }
    for (size_t i = 0; i < len; i++) {
        reg = (reg >> 8) ^ nvme_crc64_table[(reg ^ buf[i]) & 0xff];
    }
    return ~reg;
}

/* Bytes of a PI tuple. */
uint32_t nvme_pi_fmt_size(const NvmePiFormat *f)
{
    return f->pif == NVME_PIF_64 ? NVME_PI64_SIZE : NVME_PI_SIZE;
}

/* Offset of the PI tuple in a block's metadata. */
uint32_t nvme_pi_fmt_off(const NvmePiFormat *f)
{
    return f->first ? 0 : f->ms - nvme_pi_fmt_size(f);
}

/* The bits a reference tag has. */
uint64_t nvme_pi_fmt_ref_mask(const NvmePiFormat *f)
{
    return f->pif == NVME_PIF_64 ? 0xffffffffffffULL : 0xffffffffULL;
}

/* Continue the guard CRC of @f over @len bytes; @buf NULL: zeroes. */
static uint64_t nvme_pi_crc(const NvmePiFormat *f, uint64_t crc,
                            const uint8_t *buf, size_t len)
{
    static const uint8_t zeroes[512];

    if (!buf) {
        for (size_t done = 0; done < len; done += sizeof(zeroes)) {
            crc = nvme_pi_crc(f, crc, zeroes,
                              MIN(sizeof(zeroes), len - done));
        }
        return crc;
    }
    if (f->pif == NVME_PIF_64) {
        return nvme_crc64_nvme(crc, buf, len);
    }
    return nvme_crc16_t10dif(crc, buf, len);
}

/*
 * Guard of one block: over its data (@data NULL: a block of zeroes) and,
 * when the PI is last, the metadata @md holds before it.
 */
uint64_t nvme_pi_fmt_guard(const NvmePiFormat *f, const uint8_t *data,
                           const uint8_t *md)
{
    uint64_t crc = nvme_pi_crc(f, 0, data, f->lbasz);

    return nvme_pi_crc(f, crc, md, nvme_pi_fmt_off(f));
}

/* Read the PI tuple of the block whose metadata is @md. */
void nvme_pi_fmt_load(const NvmePiFormat *f, const uint8_t *md,
                      NvmePiTuple *t)
{
    const uint8_t *pi = md + nvme_pi_fmt_off(f);

    if (f->pif == NVME_PIF_64) {
        t->guard = ldq_be_p(pi);
        t->app = lduw_be_p(pi + 8);
        t->ref = (uint64_t)lduw_be_p(pi + 10) << 32 |
                 (uint32_t)ldl_be_p(pi + 12);
    } else {
        t->guard = lduw_be_p(pi);
        t->app = lduw_be_p(pi + 2);
        t->ref = (uint32_t)ldl_be_p(pi + 4);
    }
}

/* Write the PI tuple of the block whose metadata is @md. */
void nvme_pi_fmt_store(const NvmePiFormat *f, uint8_t *md,
                       const NvmePiTuple *t)
{
    uint8_t *pi = md + nvme_pi_fmt_off(f);

    if (f->pif == NVME_PIF_64) {
        stq_be_p(pi, t->guard);
        stw_be_p(pi + 8, t->app);
        stw_be_p(pi + 10, t->ref >> 32);
        stl_be_p(pi + 12, t->ref);
    } else {
        stw_be_p(pi, t->guard);
        stw_be_p(pi + 2, t->app);
        stl_be_p(pi + 4, t->ref);
    }
}

/*
 * Write the PI of @nlb blocks into @md (ms bytes each; the rest of the
 * metadata is kept): reference tags from @ref, incremented per block for
 * types 1 and 2; @data NULL: the blocks are zeroes.
 */
void nvme_pi_fmt_generate(const NvmePiFormat *f, const uint8_t *data,
                          uint8_t *md, uint32_t nlb, uint64_t ref,
                          uint16_t app)
{
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *blk_md = md + (size_t)i * f->ms;
        const uint8_t *blk = data ? data + (size_t)i * f->lbasz : NULL;
        NvmePiTuple t = {
            .guard = nvme_pi_fmt_guard(f, blk, blk_md),
            .app = app,
            .ref = (f->type == 3 ? ref : ref + i) & nvme_pi_fmt_ref_mask(f),
        };

        nvme_pi_fmt_store(f, blk_md, &t);
    }
}

/* Invert every bit of the PI tuples of @nlb blocks' metadata @md. */
void nvme_pi_fmt_flip(const NvmePiFormat *f, uint8_t *md, uint32_t nlb)
{
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *pi = md + (size_t)i * f->ms + nvme_pi_fmt_off(f);

        for (unsigned b = 0; b < nvme_pi_fmt_size(f); b++) {
            pi[b] = ~pi[b];
        }
    }
}

/*
 * Add @delta to the reference tag of each of @nlb blocks, at the tag's
 * width (Zone Append with PIREMAP: the tags move with the data).
 */
void nvme_pi_fmt_remap(const NvmePiFormat *f, uint8_t *md, uint32_t nlb,
                       uint64_t delta)
{
    for (uint32_t i = 0; i < nlb; i++) {
        uint8_t *blk_md = md + (size_t)i * f->ms;
        NvmePiTuple t;

        nvme_pi_fmt_load(f, blk_md, &t);
        t.ref = (t.ref + delta) & nvme_pi_fmt_ref_mask(f);
        nvme_pi_fmt_store(f, blk_md, &t);
    }
}

/*
 * The PRCHK checks (@e->prinfo bits 2:0) of @nlb blocks: their data
 * @data (lbasz bytes each) against the PI in their metadata @md.  Returns
 * NVME_SUCCESS, or the End-to-end status of the first failing block
 * (without DNR), whose index goes to *@bad.
 */
uint16_t nvme_pi_fmt_check(const NvmePiFormat *f, const uint8_t *data,
                           const uint8_t *md, uint32_t nlb,
                           const NvmePiExpect *e, uint32_t *bad)
{
    uint64_t mask = nvme_pi_fmt_ref_mask(f);

    for (uint32_t i = 0; i < nlb; i++) {
        const uint8_t *blk_md = md + (size_t)i * f->ms;
        uint16_t status = NVME_SUCCESS;
        NvmePiTuple t;

        nvme_pi_fmt_load(f, blk_md, &t);
        if (t.app == NVME_PI_ESCAPE_APP && (f->type != 3 || t.ref == mask)) {
            continue;
        }
        if ((e->prinfo & NVME_PRINFO_PRCHK_GUARD) &&
            t.guard != nvme_pi_fmt_guard(f, data + (size_t)i * f->lbasz,
                                         blk_md)) {
            status = NVME_E2E_GUARD_ERROR;
        } else if ((e->prinfo & NVME_PRINFO_PRCHK_APP) &&
                   (t.app & e->appmask) != (e->app & e->appmask)) {
            status = NVME_E2E_APP_ERROR;
        } else if ((e->prinfo & NVME_PRINFO_PRCHK_REF) && f->type != 3 &&
                   t.ref != ((e->ref + i) & mask)) {
            status = NVME_E2E_REF_ERROR;
        }
        if (status) {
            *bad = i;
            return status;
        }
    }
    return NVME_SUCCESS;
}

/*
 * Initial reference tag of a Read, Write, Write Zeroes, Compare or
 * Verify: ILBRT in CDW14, for the 64-bit guard bits 47:32 in CDW3 15:0.
 */
uint64_t nvme_pi_fmt_ilbrt(const NvmePiFormat *f, const NvmeCmd *cmd)
{
    uint64_t ref = le32_to_cpu(cmd->cdw14);

    if (f->pif == NVME_PIF_64) {
        const NvmeRwCmd *rw = (const NvmeRwCmd *)cmd;

        ref |= (uint64_t)(le32_to_cpu(rw->cdw3) & 0xffff) << 32;
    }
    return ref;
}

/*
 * What a Read, Write, Verify or Compare expects (they share the layout):
 * PRINFO in CDW12 bits 29:26, ILBRT, LBAT and LBATM in CDW15.
 */
void nvme_pi_fmt_expect_rw(const NvmePiFormat *f, const NvmeCmd *cmd,
                           NvmePiExpect *e)
{
    uint32_t cdw15 = le32_to_cpu(cmd->cdw15);

    e->prinfo = (le32_to_cpu(cmd->cdw12) >> 26) & 0xf;
    e->ref = nvme_pi_fmt_ilbrt(f, cmd);
    e->app = cdw15 & 0xffff;
    e->appmask = cdw15 >> 16;
}

/*
 * Type 1 PI ties the reference tag to the LBA: with the Reference Tag
 * check (PRCHK bit 0, CDW12 bit 26) ILBRT must be the low 32 bits of
 * @slba (48 with the 64-bit guard).  Whether @cmd keeps that rule.
 */
bool nvme_pi_fmt_ilbrt_ok(const NvmePiFormat *f, const NvmeCmd *cmd,
                          uint64_t slba)
{
    return f->type != 1 || !(le32_to_cpu(cmd->cdw12) & (1u << 26)) ||
           nvme_pi_fmt_ilbrt(f, cmd) == (slba & nvme_pi_fmt_ref_mask(f));
}

/*
 * End-to-end protection information (PI) over plain buffers: the guard
 * CRCs, the layout of a block's PI tuple, reference tags and the PRCHK
 * checks (NVM Command Set 2.0, 5.3).
 *
 * Pure: no QEMU state, no I/O, no tracing.  The unit tests
 * (tests/unit/test-pi.c) build it without QEMU; nvm-meta.c wraps it for
 * namespaces and requests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_PI_H
#define HW_NVME_PI_H

#include "block/nvme.h"

#define NVME_PI_SIZE        8   /* 16-bit guard protection information */
#define NVME_PI64_SIZE      16  /* 64-bit guard protection information */
#define NVME_PIF_64         2   /* ELBAF PIF: 64-bit guard */
#define NVME_PI_ESCAPE_APP  0xffff

/* How a namespace's blocks carry PI (the current LBA format and DPS). */
typedef struct NvmePiFormat {
    uint32_t lbasz;             /* data bytes of a block */
    uint16_t ms;                /* metadata bytes of a block */
    uint8_t type;               /* DPS type: 0 none, 1, 2, 3 */
    uint8_t pif;                /* 0: 16-bit guard, NVME_PIF_64: 64-bit */
    bool first;                 /* DPS PIL: PI in the first bytes */
} NvmePiFormat;

/* The fields of one PI tuple (big-endian on the medium and the wire). */
typedef struct NvmePiTuple {
    uint64_t guard;
    uint16_t app;
    uint64_t ref;               /* 32 bits, or 48 with the 64-bit guard */
} NvmePiTuple;

/* What the PRCHK checks of a run of blocks expect (the first block's). */
typedef struct NvmePiExpect {
    uint8_t prinfo;             /* PRINFO: PRACT (bit 3), PRCHK (2:0) */
    uint64_t ref;               /* reference tag of the first block */
    uint16_t app;
    uint16_t appmask;
} NvmePiExpect;

/* CRC-16 T10-DIF (poly 8BB7h, init 0, not reflected); @crc 0 to start. */
uint16_t nvme_crc16_t10dif(uint16_t crc, const uint8_t *buf, size_t len);
/*
 * The NVMe CRC-64 (poly AD93D23594C93659h, reflected, init and final XOR
 * all ones); @crc 0 to start, or a previous result to continue.
 */
uint64_t nvme_crc64_nvme(uint64_t crc, const uint8_t *buf, size_t len);

uint32_t nvme_pi_fmt_size(const NvmePiFormat *f);
uint32_t nvme_pi_fmt_off(const NvmePiFormat *f);
uint64_t nvme_pi_fmt_ref_mask(const NvmePiFormat *f);
uint64_t nvme_pi_fmt_guard(const NvmePiFormat *f, const uint8_t *data,
                           const uint8_t *md);
void nvme_pi_fmt_load(const NvmePiFormat *f, const uint8_t *md,
                      NvmePiTuple *t);
void nvme_pi_fmt_store(const NvmePiFormat *f, uint8_t *md,
                       const NvmePiTuple *t);
void nvme_pi_fmt_generate(const NvmePiFormat *f, const uint8_t *data,
                          uint8_t *md, uint32_t nlb, uint64_t ref,
                          uint16_t app);
void nvme_pi_fmt_flip(const NvmePiFormat *f, uint8_t *md, uint32_t nlb);
void nvme_pi_fmt_remap(const NvmePiFormat *f, uint8_t *md, uint32_t nlb,
                       uint64_t delta);
uint16_t nvme_pi_fmt_check(const NvmePiFormat *f, const uint8_t *data,
                           const uint8_t *md, uint32_t nlb,
                           const NvmePiExpect *e, uint32_t *bad);
uint64_t nvme_pi_fmt_ilbrt(const NvmePiFormat *f, const NvmeCmd *cmd);
void nvme_pi_fmt_expect_rw(const NvmePiFormat *f, const NvmeCmd *cmd,
                           NvmePiExpect *e);
bool nvme_pi_fmt_ilbrt_ok(const NvmePiFormat *f, const NvmeCmd *cmd,
                          uint64_t slba);

#endif /* HW_NVME_PI_H */

/*
 * The NVMe controller's register layout (NVMe Base 2.1, section 3.1) as
 * registerfields: what the device implements (hw/nvme/regs.c, cmb.c,
 * pmr.c) and what tests read it with.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVME_REGS_H
#define HW_NVME_NVME_REGS_H

#include "hw/registerfields.h"

REG64(CAP, 0x00)
    FIELD(CAP, MQES, 0, 16)
    FIELD(CAP, CQR, 16, 1)
    FIELD(CAP, AMS, 17, 2)
    FIELD(CAP, TO, 24, 8)
    FIELD(CAP, DSTRD, 32, 4)
    FIELD(CAP, NSSRS, 36, 1)
    FIELD(CAP, CSS, 37, 8)
    FIELD(CAP, BPS, 45, 1)
    FIELD(CAP, MPSMIN, 48, 4)
    FIELD(CAP, MPSMAX, 52, 4)
    FIELD(CAP, PMRS, 56, 1)
    FIELD(CAP, CMBS, 57, 1)
    FIELD(CAP, CRMS, 59, 2)         /* bit 59 CRWMS, bit 60 CRIMS */
REG32(VS, 0x08)
REG32(INTMS, 0x0c)
REG32(INTMC, 0x10)
REG32(CC, 0x14)
    FIELD(CC, EN, 0, 1)
    FIELD(CC, CSS, 4, 3)
    FIELD(CC, MPS, 7, 4)
    FIELD(CC, AMS, 11, 3)
    FIELD(CC, SHN, 14, 2)
    FIELD(CC, IOSQES, 16, 4)
    FIELD(CC, IOCQES, 20, 4)
REG32(CSTS, 0x1c)
    FIELD(CSTS, RDY, 0, 1)
    FIELD(CSTS, CFS, 1, 1)
    FIELD(CSTS, SHST, 2, 2)
    FIELD(CSTS, NSSRO, 4, 1)
    FIELD(CSTS, PP, 5, 1)
REG32(NSSR, 0x20)
REG32(AQA, 0x24)
    FIELD(AQA, ASQS, 0, 12)
    FIELD(AQA, ACQS, 16, 12)
REG64(ASQ, 0x28)
REG64(ACQ, 0x30)
REG32(CMBLOC, 0x38)                 /* Controller Memory Buffer (cmb.c) */
    FIELD(CMBLOC, BIR, 0, 3)
    FIELD(CMBLOC, CQMMS, 3, 1)
    FIELD(CMBLOC, CQPDS, 4, 1)
    FIELD(CMBLOC, CDPMLS, 5, 1)
    FIELD(CMBLOC, CDPCILS, 6, 1)
    FIELD(CMBLOC, CDMMMS, 7, 1)
    FIELD(CMBLOC, CQDA, 8, 1)
    FIELD(CMBLOC, OFST, 12, 20)
REG32(CMBSZ, 0x3c)
    FIELD(CMBSZ, SQS, 0, 1)
    FIELD(CMBSZ, CQS, 1, 1)
    FIELD(CMBSZ, LISTS, 2, 1)
    FIELD(CMBSZ, RDS, 3, 1)
    FIELD(CMBSZ, WDS, 4, 1)
    FIELD(CMBSZ, SZU, 8, 4)
    FIELD(CMBSZ, SZ, 12, 20)
REG64(CMBMSC, 0x50)
    FIELD(CMBMSC, CRE, 0, 1)
    FIELD(CMBMSC, CMSE, 1, 1)
    FIELD(CMBMSC, CBA, 12, 52)
REG32(CMBSTS, 0x58)
    FIELD(CMBSTS, CBAI, 0, 1)
REG32(CMBEBS, 0x5c)
REG32(CMBSWTP, 0x60)
REG32(CRTO, 0x68)                   /* Controller Ready Timeouts */
    FIELD(CRTO, CRWMT, 0, 16)
    FIELD(CRTO, CRIMT, 16, 16)

/* Persistent Memory Region (pmr.c) */
REG32(PMRCAP, 0xe00)
    FIELD(PMRCAP, RDS, 3, 1)
    FIELD(PMRCAP, WDS, 4, 1)
    FIELD(PMRCAP, BIR, 5, 3)
    FIELD(PMRCAP, PMRTU, 8, 2)
    FIELD(PMRCAP, PMRWBM, 10, 4)
    FIELD(PMRCAP, PMRTO, 16, 8)
    FIELD(PMRCAP, CMSS, 24, 1)
REG32(PMRCTL, 0xe04)
    FIELD(PMRCTL, EN, 0, 1)
REG32(PMRSTS, 0xe08)
    FIELD(PMRSTS, ERR, 0, 8)
    FIELD(PMRSTS, NRDY, 8, 1)
    FIELD(PMRSTS, HSTS, 9, 3)
    FIELD(PMRSTS, CBAI, 12, 1)
REG32(PMREBS, 0xe0c)
    FIELD(PMREBS, PMRSZU, 0, 4)
    FIELD(PMREBS, RBB, 4, 1)
    FIELD(PMREBS, PMRWBZ, 8, 24)
REG32(PMRSWTP, 0xe10)
    FIELD(PMRSWTP, PMRSWTU, 0, 4)
    FIELD(PMRSWTP, PMRSWTV, 8, 24)
REG32(PMRMSCL, 0xe14)
    FIELD(PMRMSCL, CMSE, 1, 1)
    FIELD(PMRMSCL, CBA, 12, 20)
REG32(PMRMSCU, 0xe18)

#define NVME_NSSR_RESET     0x4E564D65  /* "NVMe" */
#define NVME_SHST_NORMAL    0
#define NVME_SHST_COMPLETE  2
#define NVME_CAP_CRMS_CRWMS 1       /* CAP.CRMS: ready with media */
#define NVME_CC_CSS_IOCS    6       /* CC.CSS: all supported I/O sets */

#endif /* HW_NVME_NVME_REGS_H */

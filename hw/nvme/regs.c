/*
 * NVMe controller registers and the enable / reset / shutdown state machine.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/pci/msix.h"
#include "aer.h"
#include "cmb.h"
#include "cmem.h"
#include "ctrl.h"
#include "dbbuf.h"
#include "event.h"
#include "features.h"
#include "firmware.h"
#include "iothread.h"
#include "migration.h"
#include "pmr.h"
#include "queue.h"
#include "regs.h"
#include "selftest.h"
#include "sriov.h"
#include "telemetry.h"
#include "types.h"
#include "zns.h"
#include "trace.h"

#define NVME_REGS_SIZE  0x6c    /* defined registers we decode (to CRTO) */
#define NVME_VS_2_0     0x00020000

/* Context: main loop.  Power-on values of every register. */
void nvme_regs_power_on(NvmeCtrl *n)
{
    uint64_t cap = 0;

    cap = FIELD_DP64(cap, CAP, MQES, n->params.mqes);
    cap = FIELD_DP64(cap, CAP, CQR, 1);
    cap = FIELD_DP64(cap, CAP, TO, 15);         /* 7.5 s to ready */
    cap = FIELD_DP64(cap, CAP, NSSRS, 1);
    /* NVM command set, also selectable as CC.CSS 110b (I/O sets) */
    cap = FIELD_DP64(cap, CAP, CSS, NVME_CAP_CSS_NCSS | NVME_CAP_CSS_IOCSS);
    cap = FIELD_DP64(cap, CAP, MPSMIN, 0);      /* 4 KiB */
    cap = FIELD_DP64(cap, CAP, MPSMAX, 4);      /* 64 KiB */
    /* 2.0 controllers report Controller Ready With Media (CRTO) */
    cap = FIELD_DP64(cap, CAP, CRMS, NVME_CAP_CRMS_CRWMS);
    n->regs.cap = nvme_pmr_cap(n, nvme_cmb_cap(n, cap));    /* PMRS, CMBS */
    nvme_cmb_reset(n);
    nvme_pmr_reset(n);
    n->regs.vs = NVME_VS_2_0;
    n->regs.intms = 0;
    n->regs.cc = 0;
    n->regs.csts = 0;
    n->regs.aqa = 0;
    n->regs.asq = 0;
    n->regs.acq = 0;
    n->regs.page_bits = 12;
    n->regs.page_size = 4096;
}

/*
 * Context: main loop.  Controller reset (CC.EN 1->0, NSSR, PCI reset):
 * in-flight I/O is drained while !running so its completions are dropped
 * rather than written to memory the host may already have reclaimed.
 */
void nvme_ctrl_reset(NvmeCtrl *n)
{
    trace_nvme_ctrl_reset();
    nvme_io_quiesce(n);
    qatomic_set(&n->running, false);
    qatomic_set(&n->iot.fatal_why, NULL);
    nvme_ns_drain_all(n);
    nvme_aer_reset(n);
    nvme_queue_delete_all(n);
    nvme_dbbuf_reset(n);
    nvme_sriov_ctrl_reset(n);   /* resources; before the NQ default */
    nvme_features_reset(n);
    nvme_fw_reset(n);           /* pending firmware activation */
    nvme_selftest_reset(n);     /* a short self-test is aborted */
    n->regs.intms = 0;
    n->regs.csts &= R_CSTS_NSSRO_MASK;
    nvme_irq_update(n);
    nvme_io_resume(n);
}

/*
 * Context: main loop, or queue.  An iothread stops the controller's
 * queues at once (running, atomic) and leaves CSTS, a main-loop register,
 * to a bottom half; the first reason wins.
 */
void nvme_ctrl_fatal(NvmeCtrl *n, const char *why)
{
    if (!qemu_in_main_thread()) {
        qatomic_set(&n->running, false);
        qatomic_cmpxchg(&n->iot.fatal_why, NULL, why);
        qemu_bh_schedule(n->iot.fatal_bh);
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "nvme: controller fatal status: %s\n",
                  why);
    trace_nvme_ctrl_fatal(why);
    qatomic_set(&n->running, false);
    n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, CFS, 1);
    nvme_telemetry_capture_ctrl(n, why);    /* telemetry.c: log 08h */
}

/* Context: main loop.  Returns NULL when CC/AQA/ASQ/ACQ allow enabling. */
static const char *nvme_enable_check(NvmeCtrl *n)
{
    uint32_t mps = FIELD_EX32(n->regs.cc, CC, MPS);
    uint64_t page_mask = (4096ULL << mps) - 1;

    if (mps < FIELD_EX64(n->regs.cap, CAP, MPSMIN) ||
        mps > FIELD_EX64(n->regs.cap, CAP, MPSMAX)) {
        return "CC.MPS outside CAP.MPSMIN..MPSMAX";
    }
    if (FIELD_EX32(n->regs.cc, CC, CSS) != NVME_CC_CSS_NVM &&
        FIELD_EX32(n->regs.cc, CC, CSS) != NVME_CC_CSS_IOCS) {
        return "CC.CSS is neither NVM nor all supported I/O command sets";
    }
    if (FIELD_EX32(n->regs.cc, CC, AMS) != 0) {
        return "CC.AMS selects an unsupported arbitration";
    }
    if (FIELD_EX32(n->regs.aqa, AQA, ASQS) == 0 ||
        FIELD_EX32(n->regs.aqa, AQA, ACQS) == 0) {
        return "AQA queue size below 2 entries";
    }
    if (!n->regs.asq || !n->regs.acq ||
        (n->regs.asq & page_mask) || (n->regs.acq & page_mask)) {
        return "ASQ/ACQ zero or not page aligned";
    }
    if (nvme_cmem_check(n, n->regs.asq,
                        (FIELD_EX32(n->regs.aqa, AQA, ASQS) + 1) << NVME_SQES,
                        NVME_CMEM_QUEUE) ||
        nvme_cmem_check(n, n->regs.acq,
                        (FIELD_EX32(n->regs.aqa, AQA, ACQS) + 1) << NVME_CQES,
                        NVME_CMEM_QUEUE)) {
        return "admin queue across the edge of controller memory";
    }
    return NULL;
}

/* Context: main loop. */
static void nvme_ctrl_enable(NvmeCtrl *n)
{
    const char *why = nvme_sriov_offline(n) ?
                      "offline secondary controller" : nvme_enable_check(n);

    if (why) {
        qemu_log_mask(LOG_GUEST_ERROR, "nvme: enable refused: %s\n", why);
        trace_nvme_enable_refused(why);
        return;
    }
    n->regs.page_bits = 12 + FIELD_EX32(n->regs.cc, CC, MPS);
    n->regs.page_size = 1u << n->regs.page_bits;
    /* zoned namespaces are active with the I/O command sets only */
    n->zns.enabled = FIELD_EX32(n->regs.cc, CC, CSS) == NVME_CC_CSS_IOCS;
    nvme_queue_init_admin(n);
    n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, SHST, NVME_SHST_NORMAL);
    n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, CFS, 0);
    n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, RDY, 1);
    qatomic_set(&n->running, true);
    trace_nvme_ctrl_enabled(n->regs.page_size);
}

/* Context: main loop.  Shutdown notification: quiesce and flush. */
static void nvme_ctrl_shutdown(NvmeCtrl *n)
{
    nvme_io_quiesce(n);
    nvme_ns_drain_all(n);
    for (uint32_t i = 1; i <= NVME_MAX_NSID; i++) {
        if (n->ns[i] && blk_is_writable(n->ns[i]->blk)) {
            if (n->ns[i]->zoned) {
                nvme_zns_writeback_sync(n->ns[i]);      /* zns-store.c */
            }
            blk_flush(n->ns[i]->blk);
        }
    }
    n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, SHST, NVME_SHST_COMPLETE);
    nvme_io_resume(n);
    trace_nvme_ctrl_shutdown();
}

/* Context: main loop. */
static void nvme_cc_write(NvmeCtrl *n, uint32_t val)
{
    uint32_t old = n->regs.cc;
    bool was_en = FIELD_EX32(old, CC, EN);
    bool en = FIELD_EX32(val, CC, EN);

    val &= NVME_CC_WRITABLE_MASK;
    if (was_en && en && ((old ^ val) & NVME_CC_STATIC_MASK)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: CC.CSS/MPS/AMS changed while enabled\n");
        val = (val & ~NVME_CC_STATIC_MASK) | (old & NVME_CC_STATIC_MASK);
    }
    n->regs.cc = val;

    if (!was_en && en) {
        nvme_ctrl_enable(n);
    } else if (was_en && !en) {
        nvme_ctrl_reset(n);
        n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, SHST, NVME_SHST_NORMAL);
    } else if (FIELD_EX32(val, CC, SHN) && !FIELD_EX32(old, CC, SHN)) {
        nvme_ctrl_shutdown(n);
    } else if (!FIELD_EX32(val, CC, SHN) && FIELD_EX32(old, CC, SHN)) {
        n->regs.csts = FIELD_DP32(n->regs.csts, CSTS, SHST, NVME_SHST_NORMAL);
    }
}

/*
 * Context: main loop.  NVM Subsystem Reset: unlike a CC.EN reset it also
 * returns AQA/ASQ/ACQ to their power-on values.
 */
static void nvme_nssr(NvmeCtrl *n)
{
    nvme_ctrl_reset(n);
    nvme_regs_power_on(n);
    n->regs.csts = R_CSTS_NSSRO_MASK;
}

/* Context: main loop.  Writes to ASQ/ACQ halves; only while disabled. */
static void nvme_write_half(uint64_t *reg, hwaddr off, uint32_t val)
{
    if (off & 4) {
        *reg = deposit64(*reg, 32, 32, val);
    } else {
        *reg = deposit64(*reg, 0, 32, val & ~0xfffu);
    }
}

/* Context: main loop. */
static void nvme_reg_write32(NvmeCtrl *n, hwaddr addr, uint32_t val)
{
    bool en = FIELD_EX32(n->regs.cc, CC, EN);

    trace_nvme_reg_write(addr, val);
    switch (addr) {
    case A_INTMS:
    case A_INTMC:
        if (msix_enabled(PCI_DEVICE(n))) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "nvme: INTMS/INTMC written with MSI-X on\n");
            return;
        }
        n->regs.intms = addr == A_INTMS ? n->regs.intms | val
                                        : n->regs.intms & ~val;
        nvme_irq_update(n);
        return;
    case A_CC:
        nvme_cc_write(n, val);
        return;
    case A_CSTS:
        n->regs.csts &= ~(val & R_CSTS_NSSRO_MASK);
        return;
    case A_NSSR:
        if (val == NVME_NSSR_RESET) {
            nvme_nssr(n);
        }
        return;
    case A_CMBMSC:
    case A_CMBMSC + 4:
        nvme_cmb_msc_write(n, addr, val);
        return;
    case A_PMRCTL:
    case A_PMRMSCL:
    case A_PMRMSCU:
        nvme_pmr_reg_write(n, addr, val);
        return;
    case A_AQA:
    case A_ASQ:
    case A_ASQ + 4:
    case A_ACQ:
    case A_ACQ + 4:
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: write to read-only or reserved register "
                      "0x%" HWADDR_PRIx "\n", addr);
        return;
    }

    if (en) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "nvme: AQA/ASQ/ACQ written while enabled\n");
        return;
    }
    if (addr == A_AQA) {
        n->regs.aqa = val & (R_AQA_ASQS_MASK | R_AQA_ACQS_MASK);
    } else if (addr < A_ACQ) {
        nvme_write_half(&n->regs.asq, addr - A_ASQ, val);
    } else {
        nvme_write_half(&n->regs.acq, addr - A_ACQ, val);
    }
}

/* Context: main loop (vCPU MMIO with the BQL). */
static uint64_t nvme_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    NvmeCtrl *n = opaque;
    uint8_t regs[NVME_REGS_SIZE] = { 0 };
    uint64_t val = 0;

    stq_le_p(regs + A_CAP, n->regs.cap);
    stl_le_p(regs + A_VS, n->regs.vs);
    stl_le_p(regs + A_INTMS, n->regs.intms);
    stl_le_p(regs + A_INTMC, n->regs.intms);
    stl_le_p(regs + A_CC, n->regs.cc);
    /* an offline secondary controller cannot work: CFS */
    stl_le_p(regs + A_CSTS, n->regs.csts |
             (nvme_sriov_offline(n) ? R_CSTS_CFS_MASK : 0));
    stl_le_p(regs + A_AQA, n->regs.aqa);
    stq_le_p(regs + A_ASQ, n->regs.asq);
    stq_le_p(regs + A_ACQ, n->regs.acq);
    /* CRWMT: CSTS.RDY within CAP.TO (500 ms units); CRIMS is not offered */
    stl_le_p(regs + A_CRTO, FIELD_DP32(0, CRTO, CRWMT,
                                       FIELD_EX64(n->regs.cap, CAP, TO)));
    nvme_cmb_regs_read(n, regs);        /* CMBLOC..CMBSWTP */

    if (addr + size <= NVME_REGS_SIZE) {
        val = ldn_le_p(regs + addr, size);
    } else if (addr >= A_PMRCAP && addr + size <= NVME_PMR_REGS_END) {
        val = nvme_pmr_reg_read(n, addr - A_PMRCAP, size);
    }
    trace_nvme_reg_read(addr, size, val);
    return val;
}

/* Context: main loop (vCPU MMIO with the BQL). */
static void nvme_regs_write(void *opaque, hwaddr addr, uint64_t val,
                            unsigned size)
{
    NvmeCtrl *n = opaque;

    nvme_reg_write32(n, addr, (uint32_t)val);
    if (size == 8) {
        nvme_reg_write32(n, addr + 4, val >> 32);
    }
}

const MemoryRegionOps nvme_regs_ops = {
    .read = nvme_regs_read,
    .write = nvme_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 8 },
    .impl = { .min_access_size = 4, .max_access_size = 8 },
};

/* Context: main loop.  Doorbells read as zero. */
static uint64_t nvme_db_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

/* Context: main loop (vCPU MMIO with the BQL). */
static void nvme_db_write(void *opaque, hwaddr addr, uint64_t val,
                          unsigned size)
{
    nvme_queue_doorbell(opaque, addr, val);
}

const MemoryRegionOps nvme_db_ops = {
    .read = nvme_db_read,
    .write = nvme_db_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 4, .max_access_size = 4 },
    .impl = { .min_access_size = 4, .max_access_size = 4 },
};

/* ---- migration ---- */

/*
 * Context: main loop.  Why a controller ready with these registers could
 * not have become ready, or NULL.  Incoming state is checked once every
 * area loaded (the admin queues may be in controller memory).
 */
const char *nvme_regs_ready_invalid(NvmeCtrl *n)
{
    return FIELD_EX32(n->regs.csts, CSTS, RDY) ? nvme_enable_check(n) : NULL;
}

/* Context: main loop.  Registers as the controller could have them. */
static int nvme_regs_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeRegs *r = &n->regs;
    bool en = FIELD_EX32(r->cc, CC, EN);
    bool ready = FIELD_EX32(r->csts, CSTS, RDY);

    if (r->cc & ~NVME_CC_WRITABLE_MASK || r->aqa & ~(R_AQA_ASQS_MASK |
                                                      R_AQA_ACQS_MASK) ||
        (r->asq & 0xfff) || (r->acq & 0xfff) ||
        r->csts & ~(R_CSTS_RDY_MASK | R_CSTS_CFS_MASK | R_CSTS_SHST_MASK |
                    R_CSTS_NSSRO_MASK)) {
        return nvme_mig_bad(n, "reserved register bits set (CC 0x%x AQA "
                            "0x%x CSTS 0x%x)", r->cc, r->aqa, r->csts);
    }
    if (ready && !en) {
        return nvme_mig_bad(n, "CSTS.RDY without CC.EN");
    }
    /* set when the controller became ready, stale otherwise */
    if (r->page_bits < 12 || r->page_bits > 16 ||
        (ready && r->page_bits != 12 + FIELD_EX32(r->cc, CC, MPS))) {
        return nvme_mig_bad(n, "memory page size 2^%u", r->page_bits);
    }
    r->page_size = 1u << r->page_bits;
    /* set when the controller became ready (nvme_ctrl_enable) */
    n->zns.enabled = ready &&
                     FIELD_EX32(r->cc, CC, CSS) == NVME_CC_CSS_IOCS;
    return 0;
}

const VMStateDescription nvme_vmstate_regs = {
    .name = "nvme/regs",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_regs_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_EQUAL(regs.cap, NvmeCtrl,
                             "nvme: CAP differs (mqes differs?)"),
        VMSTATE_UINT32_EQUAL(regs.vs, NvmeCtrl, "nvme: VS differs"),
        VMSTATE_UINT16_EQUAL(cntlid, NvmeCtrl,
                             "nvme: controller id differs: the subsystem's "
                             "controllers are created in another order"),
        VMSTATE_UINT32(regs.intms, NvmeCtrl),
        VMSTATE_UINT32(regs.cc, NvmeCtrl),
        VMSTATE_UINT32(regs.csts, NvmeCtrl),
        VMSTATE_UINT32(regs.aqa, NvmeCtrl),
        VMSTATE_UINT64(regs.asq, NvmeCtrl),
        VMSTATE_UINT64(regs.acq, NvmeCtrl),
        VMSTATE_UINT8(regs.page_bits, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};

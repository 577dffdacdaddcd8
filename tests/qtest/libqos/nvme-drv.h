/*
 * Minimal NVMe host driver for qtests of the clean-room NVMe controller.
 *
 * One NvmeDrv owns one QEMU instance (q35, qtest accelerator) with one
 * NVMe controller (PCI 1b36:0010) backed by a temporary raw image.  The
 * driver keeps host-side queue state (tails, heads, phase tags) so tests
 * can submit commands, wait for completions with a bounded timeout and
 * poke registers and doorbells directly when they want to misbehave.
 *
 * All multi-byte values written to or read from guest memory are little
 * endian; the helpers convert commands and completions, tests convert
 * the data structures they inspect (le16_to_cpu() and friends).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef QTEST_LIBQOS_NVME_DRV_H
#define QTEST_LIBQOS_NVME_DRV_H

#include "../libqtest.h"
#include "pci.h"
#include "hw/pci/pci_regs.h"
#include "libqos-malloc.h"
#include "block/nvme.h"
#include "hw/nvme/nvme.h"       /* the device's type names and PCI identity */
#include "hw/nvme/nvme-regs.h"  /* its register layout (A_*, R_*_MASK) */

/* Highest queue id the driver keeps state for. */
#define NVME_DRV_MAX_QID        128

/* Controllers besides the first one driven in one QEMU (nvme_drv_peer). */
#define NVME_DRV_MAX_PEERS      4

/* Default size of the backing image. */
#define NVME_DRV_IMG_SIZE       (16 * 1024 * 1024)

/* How long wait_cqe() waits before failing the test. */
#define NVME_DRV_TIMEOUT_MS     10000

/* Admin opcodes block/nvme.h does not name. */
#define NVME_DRV_ADM_KEEP_ALIVE 0x18
#define NVME_DRV_ADM_NS_MGMT    0x0d

/* Feature identifier block/nvme.h does not name. */
#define NVME_DRV_FID_KATO       0x0f

/* Magic value of the NSSR register ("NVMe"). */
#define NVME_DRV_NSSR_MAGIC     0x4e564d65

/*
 * Full status (SCT/SC/M/DNR, no phase) of a completion entry as returned
 * by the driver (CQEs handed to callers are in host byte order).
 */
#define NVME_DRV_STATUS(cqe)    ((cqe)->status >> 1)

typedef struct NvmeDrvSQ {
    bool live;
    uint64_t addr;              /* guest address of entry 0 */
    uint32_t size;              /* entries */
    uint32_t tail;              /* next slot the host fills */
    uint32_t head;              /* last SQ head reported in a CQE */
    uint16_t cqid;
} NvmeDrvSQ;

typedef struct NvmeDrvCQ {
    bool live;
    uint64_t addr;
    uint32_t size;
    uint32_t head;              /* next slot the host consumes */
    uint8_t phase;              /* phase tag of a new entry at head */
    uint16_t vector;
    bool ien;
    GArray *stash;              /* consumed entries nobody asked for yet */
} NvmeDrvCQ;

typedef struct NvmeDrv {
    QTestState *qts;
    QGuestAllocator alloc;
    QPCIBus *pcibus;
    QPCIDevice *pdev;
    QPCIBar bar;
    uint64_t bar_size;
    char *img_path;             /* already unlinked once QEMU runs */
    int img_fd;                 /* the backing image, for pread/pwrite */
    uint64_t img_size;

    uint64_t cap;
    uint32_t page_size;         /* from CC.MPS at the last enable */
    uint32_t timeout_ms;

    /* MSI-X: every vector writes its number + 1 to msi_area + 4 * vector */
    bool msix;
    uint16_t msix_vectors;
    uint64_t msi_area;

    /*
     * Shadow doorbells (the "shadow" modes): the buffers of the last
     * Doorbell Buffer Config, 0 while the controller has none.
     */
    uint64_t dbs, eis;
    uint64_t shadow_pages;      /* allocated once: dbs, then eis */

    /*
     * Controller Memory Buffer (nvme_drv_cmb_enable): BAR 2 mapped at
     * cmb_addr, an allocator over it; with cmb_queues set, queues the
     * driver creates (admin queues at the next enable) live there.
     */
    QPCIBar cmb_bar;
    uint64_t cmb_addr, cmb_size;
    QGuestAllocator cmb_alloc;
    bool cmb_on;
    bool cmb_queues;

    /*
     * SR-IOV: a VF driven by nvme_drv_vf() (its BAR0 is placed through
     * the PF's SR-IOV capability); on the PF, where its VFs' BAR0s are.
     */
    bool vf;
    uint64_t vf_bar, vf_bar_size;

    uint16_t next_cid;
    NvmeDrvSQ sq[NVME_DRV_MAX_QID + 1];
    NvmeDrvCQ cq[NVME_DRV_MAX_QID + 1];

    /*
     * What a migration needs to start the destination (nvme-mig.c): the
     * command line with the mode applied and "@IMG@" still in it, and
     * the peers whose QEMU moves along.
     */
    char *args;
    struct NvmeDrv *parent;     /* of a peer: the driver owning the QEMU */
    struct NvmeDrv *peers[NVME_DRV_MAX_PEERS];
} NvmeDrv;

/* ---- life cycle ---- */

/*
 * Start QEMU (q35) with one NVMe controller on a fresh zeroed raw image of
 * NVME_DRV_IMG_SIZE bytes as namespace 1: "-device nvme,drive=d0,
 * serial=qtest-nvme" plus ",@dev_props" and then @extra on the command
 * line (both may be NULL).  The device is found, enabled (memory, bus
 * master) and BAR0 mapped; the controller itself is left disabled.
 */
NvmeDrv *nvme_drv_start(const char *dev_props, const char *extra);
/*
 * Same with a caller-built command line (after -machine q35); every
 * "@IMG@" in @args is replaced by the image path.
 */
/*
 * Start QEMU with @args, enable MSI-X and the controller (32-entry admin
 * queues) and create I/O queue pair 1 of @qsize entries.
 */
NvmeDrv *nvme_drv_start_io(const char *args, uint32_t qsize);
/*
 * Ready controller c0 (serial @serial) whose namespace 1 is an nvme-ns on
 * the image with @ns_props (e.g. "ms=8,pi=1"), MSI-X on, I/O queue pair 1
 * of 32 entries.
 */
NvmeDrv *nvme_drv_start_ns(const char *serial, const char *ns_props);

/*
 * Reference checksums of protection information, bitwise and independent
 * of the device's: CRC-16 T10-DIF (polynomial 8BB7h) continuing from
 * @crc (0 to start), and the NVMe CRC-64 (reflected, polynomial
 * AD93D23594C93659h) continuing from @crc (0 to start).
 */
uint16_t nvme_drv_crc16(uint16_t crc, const uint8_t *p, size_t len);
uint64_t nvme_drv_crc64(uint64_t crc, const uint8_t *p, size_t len);

/*
 * Namespace Attachment of @nsid, @sel attach (0) or detach (1), for the
 * @nids controllers in @ids; returns the status.
 */
uint16_t nvme_drv_ns_attach(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                            const uint16_t *ids, unsigned nids);
/* The same for the one controller @cntlid. */
uint16_t nvme_drv_ns_attach1(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                             uint16_t cntlid);
/* Attach (NVME_NS_ATTACHMENT_ATTACH) or detach, asserting success. */
void nvme_drv_ns_attach_ok(NvmeDrv *d, uint32_t nsid, uint32_t sel,
                           uint16_t cntlid);

/*
 * Namespace Management with SEL @sel for @nsid: create (0) sends @id (the
 * Identify Namespace structure), delete (1) nothing (@id NULL).  Returns
 * the status; dword 0 (a new NSID) in *@dw0 if not NULL.
 */
uint16_t nvme_drv_ns_mgmt(NvmeDrv *d, uint32_t sel, uint32_t nsid,
                          const NvmeIdNs *id, uint32_t cdw11, uint32_t *dw0);
/*
 * Create a namespace: Identify Namespace NSZE @nsze, NCAP @ncap, FLBAS
 * @flbas, DPS @dps, NMIC @nmic, CDW11 @cdw11 (CSI); returns the status and
 * the new NSID in *@nsid (0 on failure) when @nsid is not NULL.
 */
uint16_t nvme_drv_ns_create(NvmeDrv *d, uint64_t nsze, uint64_t ncap,
                            uint8_t flbas, uint8_t dps, uint8_t nmic,
                            uint32_t cdw11, uint32_t *nsid);

/* NVME_QTEST_MODE: "default", "iothread", "ioeventfd-off", ... */
const char *nvme_drv_mode(void);
bool nvme_drv_mode_iothread(void);
bool nvme_drv_mode_shadow(void);
/* Whether QEMU was built with Kconfig switch @name (NVME_IRQFD...) off. */
bool nvme_drv_part_off(const char *name);
NvmeDrv *nvme_drv_start_args(const char *args);
/*
 * The same on the existing image @path (e.g. from nvme_drv_make_image()),
 * which stays after nvme_drv_stop(): a test can restart QEMU on it.
 */
NvmeDrv *nvme_drv_start_image(const char *args, const char *path);
void nvme_drv_stop(NvmeDrv *d);
/*
 * nvme_drv_start_image() for a QEMU the test may SIGKILL with
 * nvme_drv_kill() (no clean shutdown), which then frees @d as
 * nvme_drv_stop() does.
 */
NvmeDrv *nvme_drv_start_killable(const char *args, const char *path);
void nvme_drv_kill(NvmeDrv *d);
/*
 * @d's command line with every "@IMG@" replaced by @img, or by a name for
 * @d's image that lasts as long as @d (NULL); g_free it.
 */
char *nvme_drv_cmdline(NvmeDrv *d, const char *img);
/* The VM's run state ("running", "paused", "io-error", ...; g_free it). */
char *nvme_drv_run_state(NvmeDrv *d);
/* Wait (up to 5 s) until the run state is @want; fail the test if not. */
void nvme_drv_wait_run_state(NvmeDrv *d, const char *want);

/* Start, enable with a 32-entry admin queue pair, MSI-X on. */
NvmeDrv *nvme_drv_start_ready(const char *dev_props);
/*
 * Ready a started @d for I/O: MSI-X on, the controller enabled with
 * 32-entry admin queues and CC.CSS @css (NVME_CC_CSS_NVM, or
 * NVME_CC_CSS_ALL for every I/O command set), I/O queue pair 1 of @qsize
 * entries created.
 */
void nvme_drv_ready_io_css(NvmeDrv *d, uint8_t css, uint32_t qsize);
/* The same with the NVM command set. */
void nvme_drv_ready_io(NvmeDrv *d, uint32_t qsize);

/* ---- registers ---- */

uint32_t nvme_drv_rd32(NvmeDrv *d, uint32_t off);
uint64_t nvme_drv_rd64(NvmeDrv *d, uint32_t off);
void nvme_drv_wr32(NvmeDrv *d, uint32_t off, uint32_t val);
void nvme_drv_wr64(NvmeDrv *d, uint32_t off, uint64_t val);
/* 64-bit register written as two 32-bit accesses, low dword first. */
void nvme_drv_wr64_split(NvmeDrv *d, uint32_t off, uint64_t val);

/* Doorbell offsets (CAP.DSTRD honoured). */
uint32_t nvme_drv_sq_db(NvmeDrv *d, uint16_t qid);
uint32_t nvme_drv_cq_db(NvmeDrv *d, uint16_t qid);
/* Write any value to any doorbell, bypassing driver state. */
void nvme_drv_raw_db(NvmeDrv *d, uint16_t qid, bool cq, uint32_t val);
/*
 * Ring a doorbell as the driver rings its own (through the shadow doorbell
 * buffer in the shadow modes), bypassing driver state.
 */
void nvme_drv_ring_db(NvmeDrv *d, uint16_t qid, bool cq, uint32_t val);

/* Poll CSTS until (CSTS & mask) == want or timeout_ms elapse. */
bool nvme_drv_wait_csts(NvmeDrv *d, uint32_t mask, uint32_t want,
                        uint32_t timeout_ms);

/* ---- controller state ---- */

/* The usual CC value: NVM command set, given MPS, 64/16-byte entries. */
uint32_t nvme_drv_cc_value(uint8_t mps);

/*
 * Program AQA/ASQ/ACQ with freshly allocated, zeroed queues and set
 * CC = @cc (must have EN set).  Returns whether CSTS.RDY became 1.
 */
bool nvme_drv_enable_cc(NvmeDrv *d, uint16_t asq_entries,
                        uint16_t acq_entries, uint32_t cc);
/* As above with nvme_drv_cc_value(0); asserts RDY. */
void nvme_drv_enable(NvmeDrv *d, uint16_t asq_entries, uint16_t acq_entries);
/* The same with CC.CSS @css (NVME_CC_CSS_NVM, 6: all I/O command sets). */
void nvme_drv_enable_css(NvmeDrv *d, uint16_t asq_entries,
                         uint16_t acq_entries, uint8_t css);
/* CC.EN = 0, wait for RDY = 0 (asserted), forget all queues. */
void nvme_drv_disable(NvmeDrv *d);
/* Forget host state of all queues (after a reset the test caused). */
void nvme_drv_forget_queues(NvmeDrv *d);

/* ---- interrupts ---- */

/* Enable MSI-X; program every vector to write into msi_area, unmasked. */
void nvme_drv_msix_enable(NvmeDrv *d);
void nvme_drv_msix_disable(NvmeDrv *d);
/* Whether @vector fired since the last call; clears the record. */
bool nvme_drv_msix_fired(NvmeDrv *d, uint16_t vector);
/* Wait up to @timeout_ms for @vector to fire (clears the record). */
bool nvme_drv_msix_wait(NvmeDrv *d, uint16_t vector, uint32_t timeout_ms);
void nvme_drv_msix_clear_all(NvmeDrv *d);
void nvme_drv_msix_mask(NvmeDrv *d, uint16_t vector, bool masked);
bool nvme_drv_msix_pending(NvmeDrv *d, uint16_t vector);
/* INTx: PCI status interrupt bit (MSI-X off). */
bool nvme_drv_intx_asserted(NvmeDrv *d);
/*
 * Wait up to @timeout_ms for the INTx pin to reach @level: a queue of an
 * iothread, or one read through its shadow doorbell, changes the pin from
 * its own context, a moment after the doorbell or the completion.
 */
/*
 * Wait up to @timeout_ms until a completion posted on SQ @qid's CQ (not
 * yet consumed) reports the SQ head at the driver's tail: the controller
 * has fetched every command submitted there.
 */
bool nvme_drv_wait_sq_fetched(NvmeDrv *d, uint16_t qid, uint32_t timeout_ms);
bool nvme_drv_intx_wait(NvmeDrv *d, bool level, uint32_t timeout_ms);

/* ---- guest memory ---- */

uint64_t nvme_drv_alloc(NvmeDrv *d, size_t size);       /* zeroed, 4K aligned */
uint64_t nvme_drv_alloc_aligned(NvmeDrv *d, size_t size, size_t align);
void nvme_drv_memread(NvmeDrv *d, uint64_t gaddr, void *buf, size_t len);
void nvme_drv_memwrite(NvmeDrv *d, uint64_t gaddr, const void *buf,
                       size_t len);

/*
 * Describe the guest buffer [gaddr, gaddr + len) with PRPs for the current
 * memory page size.  When a list is needed, the first list starts at
 * offset @list_off of a fresh page (0 for page aligned; a value near the
 * page end forces chained lists: page size - 8 puts the first entry in the
 * page's last slot, which then points to the next list page at once).
 * Returns the number of list pages used.
 */
int nvme_drv_build_prp(NvmeDrv *d, uint64_t gaddr, uint32_t len,
                       uint32_t list_off, uint64_t *prp1, uint64_t *prp2);
void nvme_drv_cmd_set_prp(NvmeDrv *d, NvmeCmd *cmd, uint64_t gaddr,
                          uint32_t len);

/* ---- Controller Memory Buffer ---- */

/*
 * Map BAR 2 and use it as a CMB of @size bytes: with the NVMe 1.4
 * registers (CAP.CMBS) set CMBMSC.CRE, then CMSE with the BAR's address
 * as the controller base address; with the legacy ones nothing to do.
 */
void nvme_drv_cmb_enable(NvmeDrv *d);
/* Zeroed CMB memory, @align aligned (4096 at least). */
uint64_t nvme_drv_cmb_alloc(NvmeDrv *d, size_t size, size_t align);
void nvme_drv_cmb_free(NvmeDrv *d, uint64_t addr);
/* Memory for a queue of @bytes: in the CMB with cmb_queues, else RAM. */
uint64_t nvme_drv_queue_alloc(NvmeDrv *d, size_t bytes);

/* ---- queues and commands ---- */

/* Put @cmd in SQ @qid with a fresh cid (returned), ring the doorbell. */
uint16_t nvme_drv_submit(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd);
/* Same but keep cmd->cid as given, and optionally do not ring. */
void nvme_drv_sq_put(NvmeDrv *d, uint16_t qid, const NvmeCmd *cmd);
void nvme_drv_sq_ring(NvmeDrv *d, uint16_t qid);
/*
 * The controller has fetched every entry up to the tail (the test knows
 * it, though no completion said so, e.g. its CQ is full): the ring's
 * slots are free for new entries.
 */
void nvme_drv_sq_fetched(NvmeDrv *d, uint16_t qid);

/*
 * Next completion of CQ @qid (stashed ones first).  With @ring the CQ
 * head doorbell is written after consuming.  Returns false on timeout.
 */
bool nvme_drv_poll_cqe(NvmeDrv *d, uint16_t qid, NvmeCqe *cqe,
                       uint32_t timeout_ms, bool ring);
/* Peek: is a new entry visible at the CQ head (no consumption)? */
bool nvme_drv_cqe_ready(NvmeDrv *d, uint16_t qid);
/* Peek: how many new entries the CQ holds from its head on. */
uint32_t nvme_drv_cq_posted(NvmeDrv *d, uint16_t qid);
void nvme_drv_cq_ring(NvmeDrv *d, uint16_t qid);
/* Next completion; fails the test on timeout. */
void nvme_drv_wait_cqe(NvmeDrv *d, uint16_t qid, NvmeCqe *cqe);
/* Completion with @cid on CQ @cqid; others are stashed. */
void nvme_drv_wait_cid(NvmeDrv *d, uint16_t cqid, uint16_t cid,
                       NvmeCqe *cqe);
/* Submit to SQ @qid and wait; returns NVME_DRV_STATUS(). */
uint16_t nvme_drv_exec(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd,
                       NvmeCqe *cqe);

/*
 * One NVM command moving data and maybe metadata: the fields metadata
 * and PI tests vary.  @nlb counts blocks (NLB + 1); @cdw12 holds the bits
 * above NLB (PRINFO, FUA, ...).
 */
typedef struct NvmeDrvIo {
    uint8_t opc;
    uint64_t slba;
    uint32_t nlb;
    uint32_t cdw12;
    uint32_t ilbrt;             /* CDW14 */
    uint32_t cdw3;              /* ILBRT bits 47:32 (64-bit guard) */
    uint32_t cdw15;             /* LBATM << 16 | LBAT */
    uint8_t flags;              /* PSDT */
    uint64_t mptr;              /* used as is when flags has PSDT 10b */
} NvmeDrvIo;

/*
 * Run @io on namespace 1 through SQ 1 with @hlen bytes of host data at
 * @data (extended LBA: data and metadata interleaved) and, unless @md_len
 * is 0, a contiguous separate metadata buffer (PSDT 00b) or, with PSDT
 * 10b, the metadata SGL the caller built at io->mptr (then @md is
 * unused).  With PSDT 10b the data pointer is one SGL Data Block.  A Read
 * copies the buffers back.  Returns the status.
 */
uint16_t nvme_drv_io(NvmeDrv *d, const NvmeDrvIo *io, void *data,
                     uint32_t hlen, void *md, uint32_t md_len);

/*
 * NVM command @opc (Read, Write...) on SQ @qid to namespace @nsid at
 * @slba, CDW12 @cdw12 as is (NLB 0's based and the bits above it), with
 * PRP1 and PRP2 exactly as given (nothing built or checked: tests of
 * odd pointers, CMB/PMR addresses, lists of their own).  The completion
 * goes to @cqe unless NULL.  Returns the status.
 */
uint16_t nvme_drv_rw_prp(NvmeDrv *d, uint16_t qid, uint8_t opc,
                         uint32_t nsid, uint64_t slba, uint32_t cdw12,
                         uint64_t prp1, uint64_t prp2, NvmeCqe *cqe);

/*
 * Create I/O CQ / SQ commands with every field given (QSIZE 0's based,
 * flags as CDW11 bits 15:0), and nothing tracked: for tests of bad values.
 */
uint16_t nvme_drv_create_cq_raw(NvmeDrv *d, uint16_t qid, uint16_t qsize0,
                                uint16_t flags, uint16_t vector, uint64_t addr);
uint16_t nvme_drv_create_sq_raw(NvmeDrv *d, uint16_t qid, uint16_t qsize0,
                                uint16_t flags, uint16_t cqid, uint64_t addr);
/*
 * Admin queue creation/deletion; return the status.  A created queue is
 * tracked by the driver; the _at forms put it at @addr (a test's own
 * allocation), the others in memory of the driver's.
 */
uint16_t nvme_drv_create_cq(NvmeDrv *d, uint16_t qid, uint32_t entries,
                            uint16_t vector, bool ien);
uint16_t nvme_drv_create_cq_at(NvmeDrv *d, uint16_t qid, uint32_t entries,
                               uint16_t vector, bool ien, uint64_t addr);
uint16_t nvme_drv_create_sq(NvmeDrv *d, uint16_t qid, uint16_t cqid,
                            uint32_t entries);
uint16_t nvme_drv_create_sq_at(NvmeDrv *d, uint16_t qid, uint16_t cqid,
                               uint32_t entries, uint64_t addr);
uint16_t nvme_drv_delete_sq(NvmeDrv *d, uint16_t qid);
uint16_t nvme_drv_delete_cq(NvmeDrv *d, uint16_t qid);
/* CQ qid (vector qid when MSI-X is on) + SQ qid; asserts success. */
void nvme_drv_create_qpair(NvmeDrv *d, uint16_t qid, uint32_t entries);

/* ---- common commands ---- */

uint16_t nvme_drv_identify(NvmeDrv *d, uint8_t cns, uint32_t nsid,
                           uint8_t csi, void *out4k);
uint16_t nvme_drv_get_features(NvmeDrv *d, uint8_t fid, uint8_t sel,
                               uint32_t cdw11, uint32_t *dw0);
uint16_t nvme_drv_set_features(NvmeDrv *d, uint8_t fid, uint32_t cdw11,
                               uint32_t *dw0);
uint16_t nvme_drv_get_log(NvmeDrv *d, uint8_t lid, uint32_t nsid,
                          uint64_t offset, void *out, uint32_t len);
/* The newest Error Information log entry (the Get Log Page must succeed). */
NvmeErrorLog nvme_drv_last_error(NvmeDrv *d);
/* The same with CDW10 bits besides LID and NUMDL (LSP, RAE). */
uint16_t nvme_drv_get_log_ext(NvmeDrv *d, uint8_t lid, uint32_t dw10_extra,
                              uint32_t nsid, uint64_t offset, void *out,
                              uint32_t len);
/* The same with a Log Specific Identifier (CDW11 31:16, e.g. ENDGID). */
uint16_t nvme_drv_get_log_lsi(NvmeDrv *d, uint8_t lid, uint32_t dw10_extra,
                              uint32_t nsid, uint16_t lsi, uint64_t offset,
                              void *out, uint32_t len);
/*
 * Submit @cmd to SQ @qid with a fresh @len byte data buffer (PRPs) filled
 * from @in, or read back into @out, and wait; returns the status.
 */
uint16_t nvme_drv_exec_data(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd,
                            const void *in, void *out, uint32_t len,
                            NvmeCqe *cqe);
/* qom-set string property @prop of @path to @val: whether it worked. */
bool nvme_drv_qom_set(NvmeDrv *d, const char *path, const char *prop,
                      const char *val);
/* Fill @buf with the test pattern of @seed (never a zero byte). */
void nvme_drv_pattern(uint8_t *buf, size_t len, uint32_t seed);
/* @nblocks at @slba read back as pattern @seed (zeroes for seed 0). */
void nvme_drv_expect_blocks(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t nblocks, uint32_t lbasz,
                            uint32_t seed);
/*
 * Zoned namespaces: Zone Management Send (@cdw13: action, Select All,
 * ZSASO; @data of @len bytes for Set Zone Descriptor Extension) and
 * Receive (@cdw13: action, filter, partial; NUMD from @len), and Zone
 * Append of @nblocks blocks to the zone starting at @zslba (the LBA it
 * wrote to in *@lba).
 */
uint16_t nvme_drv_zone_send(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t cdw13, const void *data,
                            uint32_t len);
uint16_t nvme_drv_zone_recv(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                            uint64_t slba, uint32_t cdw13, void *out,
                            uint32_t len);
uint16_t nvme_drv_zone_append(NvmeDrv *d, uint16_t qid, uint32_t nsid,
                              uint64_t zslba, uint32_t nblocks,
                              uint32_t lbasz, const void *data,
                              uint32_t cdw12_flags, uint64_t *lba);
/* Read/Write/etc. of @nblocks blocks at @slba through a fresh buffer. */
uint16_t nvme_drv_rw(NvmeDrv *d, uint16_t qid, uint8_t opcode,
                     uint32_t nsid, uint64_t slba, uint32_t nblocks,
                     uint32_t lbasz, void *data, uint32_t cdw12_flags);

void nvme_drv_cmd_init(NvmeCmd *cmd, uint8_t opcode, uint32_t nsid);

/* ---- more controllers in the same QEMU ---- */

/*
 * Drive another NVMe controller of @d's QEMU, the one at PCI slot @slot
 * (e.g. "-device nvme,...,addr=5" is slot 5; @d drives the one found
 * first).  It has its own queues and MSI area; its guest memory comes
 * from a pool carved out of @d's.  It shares @d's image fd (not owned).
 * Stop it with nvme_drv_stop_peer() before nvme_drv_stop(@d).
 */
NvmeDrv *nvme_drv_peer(NvmeDrv *d, int slot);
void nvme_drv_stop_peer(NvmeDrv *p);
/*
 * Start QEMU with @args (two controllers, the second at PCI slot
 * @peer_slot), find both, and enable both with MSI-X and 32-entry admin
 * queues.  Returns the first; *@peer is the second (stop it first).
 */
NvmeDrv *nvme_drv_start_pair(const char *args, int peer_slot,
                             NvmeDrv **peer);
/* A zeroed temporary image file of @size bytes; the caller unlinks it. */
char *nvme_drv_make_image(uint64_t size);
/*
 * Run QEMU (q35, qtest accelerator, stopped) with @args (shell quoting)
 * until it exits by itself, as a start that must fail does: its exit
 * status, and its stderr in *@err (g_free it).
 */
int nvme_drv_run_qemu(const char *args, char **err);
/* DEVICE_DELETED for @id (others may come first: its namespaces). */
void nvme_drv_wait_deleted(QTestState *qts, const char *id);
/* QEMU with @args must fail to start, saying @msg on stderr. */
void nvme_drv_start_fails(const char *args, const char *msg);

/* ---- SR-IOV ---- */

/*
 * Extended configuration space (offsets up to 4 KiB: ARI, SR-IOV) of the
 * function @devfn on bus 0, through q35's MMCONFIG (enabled on first use).
 */
uint32_t nvme_drv_ecfg_readl(NvmeDrv *d, int devfn, uint16_t off);
uint16_t nvme_drv_ecfg_readw(NvmeDrv *d, int devfn, uint16_t off);
void nvme_drv_ecfg_writel(NvmeDrv *d, int devfn, uint16_t off, uint32_t v);
void nvme_drv_ecfg_writew(NvmeDrv *d, int devfn, uint16_t off, uint16_t v);
/* Offset of extended capability @id of @devfn, 0 if there is none. */
uint16_t nvme_drv_ecap(NvmeDrv *d, int devfn, uint16_t id);
/*
 * Enable @numvfs VFs of the PF @d: NumVFs, VF BAR0 placed in the PCI
 * memory window (once), VF Memory Space Enable and VF Enable.
 * nvme_drv_sriov_disable() clears VF Enable.
 */
void nvme_drv_sriov_enable(NvmeDrv *d, uint16_t numvfs);
void nvme_drv_sriov_disable(NvmeDrv *d);
/*
 * Drive VF @i (0-based) of the PF @d, enabled already: its own queues,
 * MSI area and guest memory pool, like nvme_drv_peer(); MSI-X set up
 * with nvme_drv_msix_enable() as usual.  Stop it with
 * nvme_drv_stop_peer() before nvme_drv_stop(@d).
 */
NvmeDrv *nvme_drv_vf(NvmeDrv *d, unsigned i);
/* Controller id of VF @i of @d (Secondary Controller List, CNS 15h). */
uint16_t nvme_drv_vf_cntlid(NvmeDrv *d, unsigned i);
/* Virtualization Management; the status, completion dword 0 in *@nrm. */
uint16_t nvme_drv_virt_mgmt(NvmeDrv *d, uint8_t act, uint8_t rt,
                            uint16_t cntlid, uint16_t nr, uint32_t *nrm);
/* Assign @nvq VQ and @nvi VI resources to @cntlid and bring it online. */
void nvme_drv_vf_online(NvmeDrv *d, uint16_t cntlid, uint16_t nvq,
                        uint16_t nvi);

/* ---- I/O batches, each command checked to complete exactly once ---- */

#define NVME_DRV_BATCH_MAX      512

typedef struct NvmeDrvBatchIo {
    uint16_t qid;
    uint16_t cid;
    uint8_t opcode;             /* NVME_CMD_READ or NVME_CMD_WRITE */
    uint64_t slba;
    uint32_t nlb;
    uint8_t seed;               /* pattern written, or expected by a read */
    uint64_t buf;               /* guest buffer */
    unsigned done;              /* completions seen */
} NvmeDrvBatchIo;

typedef struct NvmeDrvBatch {
    uint32_t nsid;
    uint32_t lbasz;
    unsigned nr;
    NvmeDrvBatchIo io[NVME_DRV_BATCH_MAX];
} NvmeDrvBatch;

/*
 * The data blocks [@slba, @slba + @nlb) hold after a write with pattern
 * @seed: every byte depends on the seed, the block and its offset.
 */
void nvme_drv_lba_pattern(uint8_t *buf, uint64_t slba, uint32_t nlb,
                          uint32_t lbasz, uint8_t seed);
/* Write the pattern into the image file directly, behind the device. */
void nvme_drv_img_fill(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                       uint32_t lbasz, uint8_t seed);
/* Whether the image file holds the pattern there. */
bool nvme_drv_img_has(NvmeDrv *d, uint64_t slba, uint32_t nlb,
                      uint32_t lbasz, uint8_t seed);
/*
 * Submit a Read or Write of @nlb blocks at @slba on SQ @qid for @b's
 * namespace: a write carries pattern @seed, a read expects it.  With
 * @ring false the doorbell is left for nvme_drv_sq_ring().
 */
void nvme_drv_batch_add(NvmeDrv *d, NvmeDrvBatch *b, uint16_t qid,
                        uint8_t opcode, uint64_t slba, uint32_t nlb,
                        uint8_t seed, bool ring);
/*
 * Wait for every command of @b: each completes exactly once and
 * successfully, a read with the expected data, and nothing else shows up
 * on their CQs.  The buffers are freed; @b is empty again.
 */
void nvme_drv_batch_check(NvmeDrv *d, NvmeDrvBatch *b);

/* ---- asynchronous events ---- */

/* Submit an Asynchronous Event Request on the admin queue; its cid. */
uint16_t nvme_drv_submit_aer(NvmeDrv *d);
/* The AER @cid completed successfully with DW0 @want. */
void nvme_drv_expect_aer(NvmeDrv *d, uint16_t cid, uint32_t want);
/* No completion is waiting on the admin CQ (after a round trip). */
void nvme_drv_expect_no_aer(NvmeDrv *d);
/* Changed Namespace List log as "nsid,nsid,..." (reading clears it). */
char *nvme_drv_changed_ns_log(NvmeDrv *d);

#endif

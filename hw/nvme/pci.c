/*
 * NVMe controller: QOM type, properties, PCI realize and reset.
 *
 * BAR0 layout: registers (0x0-0xfff), doorbells from 0x1000 (stride 4,
 * one SQ tail and one CQ head per queue id), then the MSI-X table and PBA,
 * each 4 KiB aligned.  The BAR is a power of two in size.  With
 * msix-exclusive-bar=on the MSI-X table and PBA are alone in BAR 4
 * (msix_init_exclusive_bar()) and BAR0 ends after the doorbells.  BAR 2
 * is the Controller Memory Buffer (cmb.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/error-report.h"
#include "qom/object.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/hotplug.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "system/hostmem.h"
#include "system/system.h"
#include "system/iothread.h"
#include "admin.h"
#include "aer.h"
#include "ana.h"
#include "atomic.h"
#include "cmb.h"
#include "cmem.h"
#include "ctrl.h"
#include "dbbuf.h"
#include "dispatch.h"
#include "dma-win.h"
#include "endgrp.h"
#include "features.h"
#include "firmware.h"
#include "hotplug.h"
#include "ioerr.h"
#include "iothread.h"
#include "irqfd.h"
#include "lba-status.h"
#include "log.h"
#include "migration.h"
#include "ns.h"
#include "ocp.h"
#include "pmr.h"
#include "props.h"
#include "queue-mig.h"
#include "queue.h"
#include "regs.h"
#include "resv.h"
#include "sanitize.h"
#include "security.h"
#include "selftest.h"
#include "spdm.h"
#include "sriov.h"
#include "stats.h"
#include "subsys.h"
#include "telemetry.h"
#include "zns.h"
#include "trace.h"

#define NVME_MAX_VSL        20      /* 4 KiB << 20: 4 GiB */

QEMU_BUILD_BUG_ON(NVME_PCI_VENDOR_ID != PCI_VENDOR_ID_REDHAT ||
                  NVME_PCI_DEVICE_ID != PCI_DEVICE_ID_REDHAT_NVME ||
                  NVME_PCI_INTEL_VENDOR_ID != PCI_VENDOR_ID_INTEL);
#define NVME_MSIX_EXCLUSIVE_BAR 4       /* msix-exclusive-bar=on */

/*
 * Context: main loop (realize).  A string for a space-padded ASCII field
 * of Identify Controller: printable, and never cut to fit.
 */
static bool nvme_check_ascii(const char *prop, const char *val, size_t max,
                             Error **errp)
{
    if (strlen(val) > max) {
        error_setg(errp, "nvme: '%s' is longer than %zu characters", prop,
                   max);
        return false;
    }
    for (const char *c = val; *c; c++) {
        if (*c < 0x20 || *c > 0x7e) {
            error_setg(errp, "nvme: '%s' must be printable ASCII", prop);
            return false;
        }
    }
    return true;
}

/*
 * Context: main loop (realize).  Upstream's deprecated and alternative
 * spellings: num_queues counts the admin queue, dbcs is dbbuf.
 */
static bool nvme_check_aliases(NvmeParams *p, Error **errp)
{
    if (p->num_queues) {
        warn_report("nvme: 'num_queues' is deprecated; use 'max_ioqpairs' "
                    "(num_queues - 1)");
        if (p->num_queues < 2) {
            error_setg(errp, "nvme: 'num_queues' (deprecated) counts the "
                       "admin queue and must be at least 2");
            return false;
        }
        p->max_ioqpairs = p->num_queues - 1;
    }
    p->dbbuf = p->dbbuf && p->dbcs;
    if (p->sriov_pf) {
        error_setg(errp, "nvme: 'sriov-pf' is not supported: an nvme "
                   "controller is not a composable SR-IOV function");
        return false;
    }
    return true;
}

/* Context: main loop (realize). */
static bool nvme_check_params(NvmeCtrl *n, Error **errp)
{
    NvmeParams *p = &n->params;

    if (!nvme_sriov_check_params(n, errp) || !nvme_check_aliases(p, errp)) {
        return false;
    }
    if (!p->model) {
        p->model = g_strdup(NVME_DEFAULT_MODEL);
    }
    if (!p->fw_version) {
        p->fw_version = g_strdup(NVME_DEFAULT_FW_VERSION);
    }
    if (!p->serial || !*p->serial) {
        error_setg(errp, "nvme: 'serial' property is required");
        return false;
    }
    if (!nvme_check_ascii("serial", p->serial, sizeof(n->id_ctrl.sn), errp) ||
        !nvme_check_ascii("model", p->model, sizeof(n->id_ctrl.mn), errp) ||
        !nvme_check_ascii("firmware-version", p->fw_version,
                          sizeof(n->id_ctrl.fr), errp)) {
        return false;
    }
    if (!*p->fw_version) {
        error_setg(errp, "nvme: 'firmware-version' must not be empty");
        return false;
    }
    if (p->max_ioqpairs < 1 || p->max_ioqpairs > NVME_MAX_IOQPAIRS) {
        error_setg(errp, "nvme: 'max_ioqpairs' must be between 1 and %d",
                   NVME_MAX_IOQPAIRS);
        return false;
    }
    if (p->msix_qsize < 1 || p->msix_qsize > NVME_MAX_VECTORS) {
        error_setg(errp, "nvme: 'msix_qsize' must be between 1 and %d",
                   NVME_MAX_VECTORS);
        return false;
    }
    if (p->mqes < 1) {
        error_setg(errp, "nvme: 'mqes' (CAP.MQES, entries per queue - 1) "
                   "must be between 1 and 65535");
        return false;
    }
    if (p->mdts > 16) {
        error_setg(errp, "nvme: 'mdts' must be 0 (no limit) or 1..16");
        return false;
    }
    if (p->vsl < 1 || p->vsl > NVME_MAX_VSL) {
        error_setg(errp, "nvme: 'vsl' must be between 1 and %d",
                   NVME_MAX_VSL);
        return false;
    }
    if (p->aerl > 15) {
        error_setg(errp, "nvme: 'aerl' must be at most 15");
        return false;
    }
    if (p->aer_max_queued < 1 || p->aer_max_queued > 256) {
        error_setg(errp, "nvme: 'aer_max_queued' must be between 1 and 256");
        return false;
    }
    return nvme_stats_intervals_check("nvme", p->stats_intervals,
                                      p->nr_stats_intervals, errp) &&
           nvme_cmb_check_params(n, errp) && nvme_pmr_check_params(n, errp);
}

/* Context: any.  Where BAR0's MSI-X table and PBA go (4 KiB aligned). */
static void nvme_bar0_layout(uint32_t num, uint32_t vectors,
                             uint64_t *table_off, uint64_t *pba_off)
{
    uint64_t db_size = (uint64_t)num * 8;

    *table_off = ROUND_UP(NVME_DB_OFFSET + db_size, 4 * KiB);
    *pba_off = ROUND_UP(*table_off + (uint64_t)vectors * PCI_MSIX_ENTRY_SIZE,
                        4 * KiB);
}

/*
 * Context: any.  BAR0 of a controller with @num queue ids and @vectors
 * MSI-X vectors (also what a VF's BAR0 is, sriov.c).
 */
uint64_t nvme_bar0_size(uint32_t num, uint32_t vectors, bool msix_excl)
{
    uint64_t table_off, pba_off;

    nvme_bar0_layout(num, vectors, &table_off, &pba_off);
    return pow2ceil(msix_excl ? table_off
                              : pba_off + ROUND_UP(vectors, 64) / 8);
}

/*
 * Context: main loop (realize).  BAR0: registers and doorbells, then the
 * MSI-X table and PBA unless msix-exclusive-bar puts them in BAR 4.
 */
static void nvme_init_bar0(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    bool excl = n->params.msix_exclusive_bar;
    uint64_t table_off, pba_off;
    uint64_t bar_size = nvme_bar0_size(n->queues.num, n->params.msix_qsize,
                                       excl);
    int ret;

    nvme_bar0_layout(n->queues.num, n->params.msix_qsize, &table_off,
                     &pba_off);

    memory_region_init(&n->bar0, OBJECT(n), "nvme-bar0", bar_size);
    memory_region_init_io(&n->regs_mr, OBJECT(n), &nvme_regs_ops, n,
                          "nvme-regs", NVME_DB_OFFSET);
    memory_region_add_subregion(&n->bar0, 0, &n->regs_mr);
    /*
     * The doorbell region covers everything up to the MSI-X table (or the
     * end of the BAR), so a write for a queue id beyond the controller's
     * reaches nvme_db_write and raises the Invalid Doorbell Register event.
     */
    memory_region_init_io(&n->db_mr, OBJECT(n), &nvme_db_ops, n,
                          "nvme-doorbells",
                          (excl ? bar_size : table_off) - NVME_DB_OFFSET);
    memory_region_add_subregion(&n->bar0, NVME_DB_OFFSET, &n->db_mr);

    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &n->bar0);
    if (excl) {
        ret = msix_init_exclusive_bar(pci, n->params.msix_qsize,
                                      NVME_MSIX_EXCLUSIVE_BAR, errp);
    } else {
        ret = msix_init(pci, n->params.msix_qsize, &n->bar0, 0, table_off,
                        &n->bar0, 0, pba_off, 0, errp);
    }
    if (ret < 0) {
        return;
    }
    for (unsigned i = 0; i < n->params.msix_qsize; i++) {
        msix_vector_use(pci, i);
    }
}

/* Context: main loop (realize).  QEMU's PCI IDs, or upstream's old ones. */
static void nvme_init_ids(NvmeCtrl *n, uint8_t *conf)
{
    pci_config_set_vendor_id(conf, nvme_pci_vendor_id(n));
    pci_config_set_device_id(conf, n->params.use_intel_id ?
                             NVME_PCI_INTEL_DEVICE_ID : NVME_PCI_DEVICE_ID);
    pci_config_set_revision(conf, 0x02);
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID,
                 PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU);
}

/* Context: main loop (realize). */
static bool nvme_init_pci(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    uint8_t *conf = pci->config;

    conf[PCI_INTERRUPT_PIN] = pci_is_vf(pci) ? 0 : 1;   /* VFs: no INTx */
    conf[PCI_CLASS_PROG] = 0x02;        /* NVM Express */
    pci_config_set_class(conf, PCI_CLASS_STORAGE_EXPRESS);
    nvme_init_ids(n, conf);

    if (pci_pm_init(pci, 0x60, errp) < 0) {
        return false;
    }
    if (pcie_endpoint_cap_init(pci, 0x80) < 0) {
        error_setg(errp, "nvme: cannot add the PCIe capability");
        return false;
    }
    pcie_cap_flr_init(pci);
    nvme_init_bar0(n, errp);
    if (*errp || !nvme_cmb_init(n, errp)) {
        return false;
    }
    nvme_pmr_init(n);
    nvme_cmem_init(n);      /* after every region is known */
    /* a primary's VFs realize; then SPDM's DOE capability (spdm.c) */
    return nvme_sriov_pci_init(n, errp) && nvme_spdm_setup(n, errp);
}

/* Context: main loop (realize). */
static bool nvme_init_state(NvmeCtrl *n, Error **errp)
{
    nvme_queues_init(n, n->params.max_ioqpairs + 1, &nvme_cmd_hooks);
    nvme_aer_init(n);
    nvme_errlog_init(n);
    nvme_features_init(n);
    nvme_stats_init(n);
    return true;
}

/* Context: main loop (realize). */
static bool nvme_init_builtin_ns(NvmeCtrl *n, Error **errp)
{
    NvmeNsParams params = {
        .nsid = 1, .mssrl = NVME_COPY_MSSRL, .mcl = NVME_COPY_MCL,
        .msrc = NVME_COPY_MSRC,
    };

    if (!n->conf.blk) {
        return true;        /* namespaces come from nvme-ns devices */
    }
    if (!nvme_ns_setup(&n->builtin_ns, &n->conf, &params,
                       nvme_subsys_id_seed(n), errp)) {
        return false;
    }
    n->builtin_ns.auto_attach = true;   /* private to this controller */
    if (!nvme_atomic_ns_check(&n->builtin_ns, n, errp) ||
        !nvme_subsys_add_ns(n, &n->builtin_ns, 1, errp)) {
        nvme_atomic_ns_cleanup(&n->builtin_ns);
        return false;
    }
    return true;
}

static void nvme_exit(PCIDevice *pci);

/* ---- nvme,state-file=: what a power cycle keeps, across restarts ---- */

static const char nvme_ctrl_state_magic[NVME_MIG_MAGIC_LEN] =
    "QEMU nvme ctrl\n";

static bool nvme_ctrl_state_ns_needed(void *opaque)
{
    return ((NvmeCtrl *)opaque)->builtin_ns.blk;
}

/* The controller's own namespace (drive=): its format and marks. */
static const VMStateDescription nvme_vmstate_ctrl_state_ns = {
    .name = "nvme-ctrl-state/builtin-ns",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = nvme_ctrl_state_ns_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_STRUCT(builtin_ns, NvmeCtrl, 1, nvme_vmstate_ns_state,
                       NvmeNamespace),
        VMSTATE_END_OF_LIST()
    },
};

/* Context: main loop.  A power cycle activates the pending slot. */
static int nvme_ctrl_state_pre_save(void *opaque)
{
    NvmeCtrl *n = opaque;

    n->mig.keep_active = n->fw.next ? n->fw.next : n->fw.active;
    return 0;
}

/*
 * Context: main loop (realize).  The slot that runs must hold firmware;
 * slot 1 (read only) is the command line's (firmware-version), whatever
 * the file says.
 */
static int nvme_ctrl_state_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeFirmware *fw = &n->fw;
    uint8_t slot = n->mig.keep_active;

    memcpy(fw->rev[0], n->id_ctrl.fr, sizeof(fw->rev[0]));
    if (slot < 1 || slot > NVME_FW_SLOTS || !fw->rev[slot - 1][0]) {
        return nvme_mig_bad(n, "firmware slot %u to run is empty or "
                            "invalid", slot);
    }
    fw->active = slot;
    fw->next = 0;
    memcpy(n->id_ctrl.fr, fw->rev[slot - 1], sizeof(n->id_ctrl.fr));
    return 0;
}

/*
 * What an SSD keeps through a power cycle and no drive or other file
 * holds: the firmware slots and the slot that runs (the pending one, if
 * a commit asked for activation at the next reset), and the format and
 * marks of the controller's own namespace.  Saved features have their
 * file (features-file), namespace devices theirs (nvme-ns,state-file=).
 */
static const VMStateDescription nvme_vmstate_ctrl_state = {
    .name = "nvme-ctrl-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = nvme_ctrl_state_pre_save,
    .post_load = nvme_ctrl_state_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_2DARRAY(fw.rev, NvmeCtrl, NVME_FW_SLOTS, 8),
        VMSTATE_UINT8(mig.keep_active, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &nvme_vmstate_ctrl_state_ns,
        NULL
    },
};

/* Context: main loop (bottom half).  Write the state file anew. */
static void nvme_ctrl_state_bh(void *opaque)
{
    NvmeCtrl *n = opaque;
    Error *err = NULL;

    if (!nvme_mig_file_write(n->mig.keep_path, nvme_ctrl_state_magic,
                             &nvme_vmstate_ctrl_state, n, &err)) {
        warn_reportf_err(err, "nvme: state not kept: ");
    }
}

/*
 * Context: main loop (realize, at its end).  What the state file kept
 * comes back, with every check of an incoming migration; a damaged or
 * foreign file stops the start.  A migration's destination takes it from
 * the stream.
 */
static bool nvme_ctrl_state_setup(NvmeCtrl *n, Error **errp)
{
    bool found;

    if (!n->params.state_file) {
        return true;
    }
    if (!runstate_check(RUN_STATE_INMIGRATE) &&
        !nvme_mig_file_read(n->params.state_file, nvme_ctrl_state_magic,
                            &nvme_vmstate_ctrl_state, n, &found, errp)) {
        error_prepend(errp, "nvme: ");
        return false;
    }
    n->mig.keep_path = g_strdup(n->params.state_file);
    n->mig.keep_bh = qemu_bh_new(nvme_ctrl_state_bh, n);
    n->builtin_ns.state_bh = n->mig.keep_bh;    /* ns.c: its changes */
    return true;
}

/* Context: main loop (unrealize). */
static void nvme_ctrl_state_cleanup(NvmeCtrl *n)
{
    if (n->mig.keep_bh) {
        qemu_bh_delete(n->mig.keep_bh);
        n->mig.keep_bh = NULL;
        n->builtin_ns.state_bh = NULL;
    }
    g_free(n->mig.keep_path);
    n->mig.keep_path = NULL;
}

/* Context: main loop. */
static void nvme_realize_ctrl(NvmeCtrl *n, Error **errp)
{
    if (!nvme_check_params(n, errp) || !nvme_zns_ctrl_check(n, errp) ||
        !nvme_features_file_load(n, errp) || !nvme_init_state(n, errp)) {
        return;
    }
    if (!nvme_iothreads_setup(n, errp)) {
        nvme_iothreads_cleanup(n);
        return;
    }
    qbus_init(&n->bus, sizeof(NvmeBus), TYPE_NVME_BUS, DEVICE(n),
              DEVICE(n)->id);
    nvme_hotplug_init(n);
    if (!nvme_subsys_add_ctrl(n, errp)) {
        nvme_iothreads_cleanup(n);
        return;
    }
    if (!nvme_atomic_ctrl_setup(n, errp)) {
        nvme_subsys_remove_ctrl(n);
        nvme_iothreads_cleanup(n);
        return;
    }
    if (!nvme_init_builtin_ns(n, errp) || !nvme_init_pci(n, errp)) {
        nvme_subsys_remove_ctrl(n);
        nvme_iothreads_cleanup(n);
        return;
    }
    if (n->conf.blk) {
        nvme_stats_intervals_apply(n->conf.blk, n->params.stats_intervals,
                                   n->params.nr_stats_intervals);
    }
    nvme_sriov_ctrl_reset(n);   /* the queues and vectors usable now */
    nvme_irqfd_init(n);
    nvme_dma_win_listen(n);
    nvme_io_error_init(n);
    nvme_mig_init(n);
    nvme_regs_power_on(n);
    nvme_admin_identify_ctrl_init(n);
    nvme_lbas_init(n);
    nvme_telemetry_init(n);
    nvme_fw_init(n);
    nvme_features_reset(n);
}

/* Context: main loop. */
static void nvme_realize(PCIDevice *pci, Error **errp)
{
    ERRP_GUARD();
    NvmeCtrl *n = NVME(pci);

    nvme_realize_ctrl(n, errp);
    if (!*errp && !nvme_ctrl_state_setup(n, errp)) {
        nvme_exit(pci);         /* everything was set up: as an unplug */
    }
}

/* Context: main loop. */
static void nvme_exit(PCIDevice *pci)
{
    NvmeCtrl *n = NVME(pci);

    nvme_sriov_exit(n);         /* a primary's VFs go first */
    nvme_ctrl_reset(n);
    nvme_ctrl_state_cleanup(n);
    nvme_mig_cleanup(n);
    nvme_io_error_cleanup(n);
    nvme_errlog_cleanup(n);
    nvme_sanitize_cleanup(n);
    nvme_selftest_cleanup(n);
    nvme_fw_cleanup(n);
    nvme_telemetry_cleanup(n);
    nvme_lbas_cleanup(n);
    nvme_features_cleanup(n);
    nvme_irqfd_cleanup(n);
    nvme_spdm_cleanup(n);
    if (n->params.msix_exclusive_bar) {
        msix_uninit_exclusive_bar(pci);
    } else {
        msix_uninit(pci, &n->bar0, &n->bar0);
    }
    nvme_dma_win_unlisten(n);
    nvme_cmem_exit(n);
    nvme_cmb_exit(n);
    nvme_pmr_exit(n);
    /*
     * A subregion holds a reference to its owner, this device: left in
     * BAR0 they would keep it from ever being finalized (no
     * DEVICE_DELETED after an unplug).
     */
    memory_region_del_subregion(&n->bar0, &n->db_mr);
    memory_region_del_subregion(&n->bar0, &n->regs_mr);
    nvme_queues_cleanup(n);
    nvme_aer_cleanup(n);
    nvme_subsys_remove_ctrl(n);
    nvme_atomic_ns_cleanup(&n->builtin_ns);
    nvme_iothreads_cleanup(n);
}

/*
 * Context: main loop (config space write).  Iothread queues read the
 * MSI-X enable bit from this copy rather than from config space.  An
 * FLR resets the function; VFs no longer enabled lose their secondary
 * controllers' state.
 */
static void nvme_pci_config_write(PCIDevice *pci, uint32_t addr,
                                  uint32_t val, int len)
{
    NvmeCtrl *n = NVME(pci);

    nvme_spdm_config_write(n, addr, val, len);  /* the DOE mailbox */
    pci_default_write_config(pci, addr, val, len);
    pcie_cap_flr_write_config(pci, addr, val, len);
    nvme_sriov_vfs_changed(n);
    qatomic_set(&n->queues.msix_on, msix_enabled(pci));
}

/* Context: main loop (config space read): the DOE registers are spdm.c's. */
static uint32_t nvme_pci_config_read(PCIDevice *pci, uint32_t addr, int len)
{
    uint32_t val;

    if (nvme_spdm_config_read(NVME(pci), addr, len, &val)) {
        return val;
    }
    return pci_default_read_config(pci, addr, len);
}

/* Context: main loop (system reset). */
static void nvme_pci_reset(DeviceState *dev)
{
    NvmeCtrl *n = NVME(dev);

    nvme_sriov_pci_reset(n);    /* a primary: VF Enable is cleared */
    nvme_ctrl_reset(n);
    nvme_regs_power_on(n);
    qatomic_set(&n->queues.msix_on, msix_enabled(PCI_DEVICE(n)));
}

static void nvme_instance_init(Object *obj)
{
    NvmeCtrl *n = NVME(obj);

    n->bootindex = -1;
    device_add_bootindex_property(obj, &n->bootindex, "bootindex",
                                  "/namespace@1,0", DEVICE(obj));
    object_property_set_description(obj, "bootindex",
                                    "firmware boot order of namespace 1 "
                                    "(the 'drive' namespace)");
}

static const Property nvme_props[] = {
    DEFINE_BLOCK_PROPERTIES(NvmeCtrl, conf),
    DEFINE_BLOCK_ERROR_PROPERTIES(NvmeCtrl, conf),
    DEFINE_PROP_STRING("serial", NvmeCtrl, params.serial),
    DEFINE_PROP_STRING("model", NvmeCtrl, params.model),
    DEFINE_PROP_STRING("firmware-version", NvmeCtrl, params.fw_version),
    DEFINE_PROP_LINK("subsys", NvmeCtrl, subsys_dev, TYPE_NVME_SUBSYS,
                     NvmeSubsysDevice *),
    DEFINE_PROP_UINT32("max_ioqpairs", NvmeCtrl, params.max_ioqpairs, 64),
    DEFINE_PROP_UINT32("num_queues", NvmeCtrl, params.num_queues, 0),
    DEFINE_PROP_UINT16("msix_qsize", NvmeCtrl, params.msix_qsize, 65),
    DEFINE_PROP_BOOL("msix-exclusive-bar", NvmeCtrl,
                     params.msix_exclusive_bar, false),
    DEFINE_PROP_UINT16("mqes", NvmeCtrl, params.mqes, 0x7ff),
    DEFINE_PROP_UINT8("mdts", NvmeCtrl, params.mdts, 7),
    DEFINE_PROP_UINT8("vsl", NvmeCtrl, params.vsl, 7),
    DEFINE_PROP_BOOL("ctratt.mem", NvmeCtrl, params.ctratt_mem, false),
    DEFINE_PROP_UINT8("aerl", NvmeCtrl, params.aerl, 3),
    DEFINE_PROP_UINT32("aer_max_queued", NvmeCtrl, params.aer_max_queued, 64),
    DEFINE_PROP_BOOL("ioeventfd", NvmeCtrl, params.ioeventfd, true),
    DEFINE_PROP_BOOL("dbbuf", NvmeCtrl, params.dbbuf, true),
    DEFINE_PROP_BOOL("dbcs", NvmeCtrl, params.dbcs, true),
    DEFINE_PROP_BOOL("use-intel-id", NvmeCtrl, params.use_intel_id, false),
    DEFINE_PROP_STRING("features-file", NvmeCtrl, params.features_file),
    DEFINE_PROP_STRING("state-file", NvmeCtrl, params.state_file),
    DEFINE_PROP_LINK("iothread", NvmeCtrl, params.iothread, TYPE_IOTHREAD,
                     IOThread *),
    DEFINE_PROP_IOTHREAD_VQ_MAPPING_LIST("iothread-queue-mapping", NvmeCtrl,
                                         params.iothread_map),
    DEFINE_PROP_STRING("sriov-pf", NvmeCtrl, params.sriov_pf),
    DEFINE_PROP_ARRAY("stats-intervals", NvmeCtrl, params.nr_stats_intervals,
                      params.stats_intervals, qdev_prop_uint32, uint32_t),
    DEFINE_PROP_UINT32("cmb_size_mb", NvmeCtrl, cmb.size_mb, 0),
    DEFINE_PROP_UINT16("sriov_max_vfs", NvmeCtrl, sriov.max_vfs, 0),
    DEFINE_PROP_UINT16("sriov_vq_flexible", NvmeCtrl, sriov.vq_flexible, 0),
    DEFINE_PROP_UINT16("sriov_vi_flexible", NvmeCtrl, sriov.vi_flexible, 0),
    DEFINE_PROP_UINT32("sriov_max_vq_per_vf", NvmeCtrl, sriov.max_vq_per_vf,
                       0),
    DEFINE_PROP_UINT32("sriov_max_vi_per_vf", NvmeCtrl, sriov.max_vi_per_vf,
                       0),
    DEFINE_PROP_BOOL("legacy-cmb", NvmeCtrl, cmb.legacy, false),
    DEFINE_PROP_LINK("pmrdev", NvmeCtrl, pmr.dev, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_UINT8("zoned.zasl", NvmeCtrl, params.zoned.zasl, 0),
    DEFINE_PROP_BOOL("zoned.auto_transition", NvmeCtrl,
                     params.zoned.auto_transition, true),
    DEFINE_PROP_BOOL("atomic.dn", NvmeCtrl, params.atomic.dn, false),
    DEFINE_PROP_UINT16("atomic.awun", NvmeCtrl, params.atomic.awun, 0),
    DEFINE_PROP_UINT16("atomic.awupf", NvmeCtrl, params.atomic.awupf, 0),
    DEFINE_PROP_BOOL("ocp", NvmeCtrl, params.ocp, false),
    DEFINE_PROP_UINT16("spdm_port", NvmeCtrl, params.spdm_port, 0),
    DEFINE_PROP_SIGNED("spdm_trans", NvmeCtrl, params.spdm_trans,
                       NVME_SPDM_TRANS_DOE, nvme_prop_spdm_trans, int),
};

/* What -device nvme,help says about each property of nvme_props. */
static const NvmePropDesc nvme_prop_descs[] = {
    { "drive", "block backend of namespace 1 (optional: nvme-ns devices "
      "add namespaces)" },
    { "logical_block_size", "namespace 1 block size (512 B to 64 KiB)" },
    { "physical_block_size", "namespace 1 physical block size (NPWG...)" },
    { "min_io_size", "namespace 1 minimum I/O size hint" },
    { "opt_io_size", "namespace 1 optimal I/O size hint" },
    { "discard_granularity", "namespace 1 discard granularity" },
    { "write-cache", "namespace 1 volatile write cache (VWC, Flush, FUA)" },
    { "share-rw", "allow other writers of namespace 1's image" },
    { "account-invalid", "account invalid requests in query-blockstats" },
    { "account-failed", "account failed requests in query-blockstats" },
    { "backend_defaults", "take block sizes from the backend" },
    { "rerror", "action on a read error: report, ignore, stop (+retry)" },
    { "werror", "action on a write error: report, ignore, stop, enospc" },
    { "serial", "Identify SN, at most 20 characters (required)" },
    { "model", "Identify MN, at most 40 characters "
      "(default: QEMU NVMe Ctrl)" },
    { "firmware-version", "Identify FR and firmware slot 1, at most 8 "
      "characters (default: 1.0)" },
    { "subsys", "nvme-subsys this controller belongs to" },
    { "max_ioqpairs", "I/O queue pairs offered, 1..65534" },
    { "num_queues", "deprecated: max_ioqpairs + 1 (0: unused)" },
    { "msix_qsize", "MSI-X vectors, 1..2048" },
    { "msix-exclusive-bar", "MSI-X table and PBA in BAR 4 instead of BAR 0" },
    { "mqes", "CAP.MQES: entries per I/O queue - 1, 1..65535" },
    { "mdts", "Maximum Data Transfer Size, 2^n 4 KiB pages (0: no limit)" },
    { "vsl", "Verify Size Limit, 2^n 4 KiB pages, 1..20" },
    { "ctratt.mem", "CTRATT.MEM: MDTS and size limits exclude metadata" },
    { "aerl", "Asynchronous Event Request Limit, 0-based, 0..15" },
    { "aer_max_queued", "events kept while no AER is outstanding, 1..256" },
    { "ioeventfd", "I/O queue doorbells as ioeventfds (shadow doorbells)" },
    { "dbbuf", "offer Doorbell Buffer Config (shadow doorbells)" },
    { "dbcs", "upstream's name for dbbuf (both must be on)" },
    { "use-intel-id", "PCI and Identify IDs 8086:5845 instead of "
      "1b36:0010" },
    { "features-file", "file keeping saved features across restarts" },
    { "state-file", "file keeping the firmware slots and the own "
      "namespace's format and marks across restarts" },
    { "iothread", "iothread running every I/O queue" },
    { "iothread-queue-mapping", "I/O queues spread over iothreads (JSON)" },
    { "sriov-pf", "generic PCI property: refused, nvme is no composable "
      "SR-IOV function" },
    { "stats-intervals", "namespace 1 accounting intervals (seconds) in "
      "query-blockstats (JSON list)" },
    { "cmb_size_mb", "Controller Memory Buffer in BAR 2, MiB (0: none)" },
    { "legacy-cmb", "CMB registers of NVMe 1.3 instead of 1.4 (CMBMSC)" },
    { "pmrdev", "memory backend of the Persistent Memory Region (BAR 4)" },
    { "zoned.zasl", "Zone Append Size Limit, 2^n 4 KiB pages (0: mdts)" },
    { "zoned.auto_transition", "close implicitly opened zones to open "
      "others when the open resources run out" },
    { "atomic.dn", "Write Atomicity Normal DN at reset: only the "
      "power-fail units are honoured" },
    { "atomic.awun", "AWUN: atomic write unit (normal), 0-based blocks" },
    { "atomic.awupf", "AWUPF: atomic write unit (power fail), 0-based "
      "blocks, at most atomic.awun" },
    { "ocp", "OCP Datacenter NVMe SSD SMART / Health Information Extended "
      "log (C0h)" },
    { "spdm_port", "TCP port of an SPDM responder on this host (0: none)" },
    { "spdm_trans", "SPDM transport: doe (PCIe DOE capability) or nvme "
      "(Security Send/Receive, protocol E8h)" },
    { "sriov_max_vfs", "SR-IOV virtual functions (secondary controllers); "
      "needs 'subsys' (0: no SR-IOV)" },
    { "sriov_vq_flexible", "flexible queue pairs for the secondaries; the "
      "primary keeps max_ioqpairs - this" },
    { "sriov_vi_flexible", "flexible MSI-X vectors for the secondaries; the "
      "primary keeps msix_qsize - this" },
    { "sriov_max_vq_per_vf", "queue pairs a secondary may get, admin "
      "included (0: sriov_vq_flexible / sriov_max_vfs)" },
    { "sriov_max_vi_per_vf", "MSI-X vectors a secondary may get "
      "(0: sriov_vi_flexible / sriov_max_vfs)" },
};

/* ---- the controller's section ---- */

/*
 * Every area's subsection, in load order: an area's post_load may rely on
 * those above it (the queues on the registers, controller memory and the
 * doorbell buffer).  A new area adds one line, at the end (above the
 * VFs) or above the areas that rely on it (docs/migration.rst): streams
 * without its subsection still load, its state stays as realize left it.
 */
static const VMStateDescription *const nvme_vmstate_areas[] = {
    &nvme_vmstate_regs,
    &nvme_vmstate_sriov,
    &nvme_vmstate_cmb,
    &nvme_vmstate_pmr,
    &nvme_vmstate_dbbuf,
    &nvme_vmstate_features,
    &nvme_vmstate_queues,
    &nvme_vmstate_aer,
    &nvme_vmstate_errlog,
    &nvme_vmstate_stats,
    &nvme_vmstate_ana,
    &nvme_vmstate_resv,
    &nvme_vmstate_changed_ns,
    &nvme_vmstate_attached,
    &nvme_vmstate_builtin_ns,
    &nvme_vmstate_sanitize,
    &nvme_vmstate_selftest,
    &nvme_vmstate_fw,
    &nvme_vmstate_telemetry,
    &nvme_vmstate_own_endgrp,
    &nvme_vmstate_lbas,
    &nvme_vmstate_ocp,
    &nvme_vmstate_sriov_vfs,    /* last: the VFs after all of the primary */
    NULL
};

/*
 * A VF's: the same without nvme/sriov-vfs (a description may not contain
 * itself), filled in by nvme_class_init().
 */
static const VMStateDescription *nvme_vmstate_vf_areas[
    ARRAY_SIZE(nvme_vmstate_areas) - 1];

/* Context: main loop (migration thread, BQL held).  Queues stand still. */
static int nvme_mig_pre_save(void *opaque)
{
    nvme_mig_save_begin(opaque);        /* migration.c */
    return 0;
}

static int nvme_mig_post_save(void *opaque)
{
    nvme_mig_save_end(opaque);
    return 0;
}

/*
 * Context: main loop, VM stopped.  Incoming state replaces the running
 * state (loadvm; a fresh destination has none): the queues and their
 * requests go first, outstanding AERs with them; their counts are
 * dropped, not folded into the figures the stream brings.
 */
static int nvme_mig_pre_load(void *opaque)
{
    NvmeCtrl *n = opaque;

    nvme_stats_sq_forget(n);
    nvme_queue_delete_all(n);
    nvme_aer_reset(n);
    return 0;
}

/* Context: main loop.  What follows from the loaded registers. */
static int nvme_mig_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    bool ready = FIELD_EX32(n->regs.csts, CSTS, RDY);
    bool failed = FIELD_EX32(n->regs.csts, CSTS, CFS);
    const char *why = nvme_regs_ready_invalid(n);

    if (why) {
        return nvme_mig_bad(n, "ready with %s", why);
    }
    qatomic_set(&n->running, ready && !failed);
    qatomic_set(&n->queues.msix_on, msix_enabled(PCI_DEVICE(n)));
    return 0;
}

static const VMStateField nvme_vmstate_fields[] = {
    VMSTATE_PCI_DEVICE(parent_obj, NvmeCtrl),
    VMSTATE_MSIX(parent_obj, NvmeCtrl),
    VMSTATE_END_OF_LIST()
};

/* The controller's description, with the subsections @_subs. */
#define NVME_VMSTATE_CTRL(_subs) {                                      \
    .name = "nvme",                                                     \
    .version_id = 1,                                                    \
    .minimum_version_id = 1,                                            \
    .pre_save = nvme_mig_pre_save,                                      \
    .post_save = nvme_mig_post_save,                                    \
    .pre_load = nvme_mig_pre_load,                                      \
    .post_load = nvme_mig_post_load,                                    \
    .fields = nvme_vmstate_fields,                                      \
    .subsections = (_subs),                                             \
}

static const VMStateDescription nvme_vmstate =
    NVME_VMSTATE_CTRL(nvme_vmstate_areas);

/* A VF's state, inside its primary's section (sriov.c). */
const VMStateDescription nvme_vmstate_vf =
    NVME_VMSTATE_CTRL(nvme_vmstate_vf_areas);

static void nvme_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = nvme_realize;
    pc->exit = nvme_exit;
    pc->config_write = nvme_pci_config_write;
    pc->config_read = nvme_pci_config_read;
    pc->class_id = PCI_CLASS_STORAGE_EXPRESS;
    pc->vendor_id = NVME_PCI_VENDOR_ID;
    pc->device_id = NVME_PCI_DEVICE_ID;
    pc->revision = 2;

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->desc = "Non-Volatile Memory Express (clean-room)";
    device_class_set_props(dc, nvme_props);
    nvme_prop_descs_set(oc, nvme_prop_descs, ARRAY_SIZE(nvme_prop_descs));
    device_class_set_legacy_reset(dc, nvme_pci_reset);
    dc->vmsd = &nvme_vmstate;
    assert(nvme_vmstate_areas[ARRAY_SIZE(nvme_vmstate_areas) - 2] ==
           &nvme_vmstate_sriov_vfs);
    memcpy(nvme_vmstate_vf_areas, nvme_vmstate_areas,
           sizeof(nvme_vmstate_vf_areas) - sizeof(nvme_vmstate_vf_areas[0]));
    nvme_ana_class_init(oc);    /* ana.c: "ana-state" */
    nvme_hotplug_class_init(oc);    /* hotplug.c: nvme-ns device_add/del */
    nvme_smart_class_init(oc);  /* stats.c: "smart_critical_warning" */
}

static const TypeInfo nvme_types[] = {
    {
        .name = TYPE_NVME,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(NvmeCtrl),
        .instance_init = nvme_instance_init,
        .class_init = nvme_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_PCIE_DEVICE },
            { TYPE_HOTPLUG_HANDLER },
            { }
        },
    },
};

DEFINE_TYPES(nvme_types)

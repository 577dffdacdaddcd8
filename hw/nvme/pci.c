/*
 * NVMe controller: QOM type, properties, PCI realize and reset.
 *
 * BAR0 layout: registers (0x0-0xfff), doorbells from 0x1000 (stride 4,
 * one SQ tail and one CQ head per queue id), then the MSI-X table and PBA,
 * each 4 KiB aligned.  The BAR is a power of two in size.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/pci/msix.h"
#include "hw/pci/pcie.h"
#include "hw/pci/pci.h"
#include "migration/vmstate.h"
#include "system/system.h"
#include "system/iothread.h"
#include "admin.h"
#include "aer.h"
#include "ana.h"
#include "ctrl.h"
#include "features.h"
#include "firmware.h"
#include "ioerr.h"
#include "iothread.h"
#include "irqfd.h"
#include "ns.h"
#include "queue.h"
#include "regs.h"
#include "sanitize.h"
#include "selftest.h"
#include "subsys.h"
#include "telemetry.h"
#include "trace.h"

#define NVME_MAX_IOQPAIRS   0xfffe
#define NVME_MAX_VECTORS    2048

/* Context: main loop (realize). */
static bool nvme_check_params(NvmeCtrl *n, Error **errp)
{
    NvmeParams *p = &n->params;

    if (!p->serial || !*p->serial) {
        error_setg(errp, "nvme: 'serial' property is required");
        return false;
    }
    if (strlen(p->serial) > sizeof(n->id_ctrl.sn)) {
        error_setg(errp, "nvme: 'serial' is longer than %zu characters",
                   sizeof(n->id_ctrl.sn));
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
    if (p->mqes < 2 || p->mqes > 0x10000) {
        error_setg(errp, "nvme: 'mqes' must be between 2 and 65536");
        return false;
    }
    if (p->mdts > 0 && (p->mdts < 1 || p->mdts > 16)) {
        error_setg(errp, "nvme: 'mdts' must be 0 (no limit) or 1..16");
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
    return true;
}

/* Context: main loop (realize). */
static void nvme_init_bar0(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    uint64_t db_size = (uint64_t)n->queues.num * 8;
    uint64_t table_off = ROUND_UP(NVME_DB_OFFSET + db_size, 4 * KiB);
    uint64_t table_size = (uint64_t)n->params.msix_qsize * PCI_MSIX_ENTRY_SIZE;
    uint64_t pba_off = ROUND_UP(table_off + table_size, 4 * KiB);
    uint64_t pba_size = ROUND_UP(n->params.msix_qsize, 64) / 8;
    uint64_t bar_size = pow2ceil(pba_off + pba_size);

    memory_region_init(&n->bar0, OBJECT(n), "nvme-bar0", bar_size);
    memory_region_init_io(&n->regs_mr, OBJECT(n), &nvme_regs_ops, n,
                          "nvme-regs", NVME_DB_OFFSET);
    memory_region_add_subregion(&n->bar0, 0, &n->regs_mr);
    /*
     * The doorbell region covers everything up to the MSI-X table, so a
     * write for a queue id beyond the controller's reaches nvme_db_write
     * and raises the Invalid Doorbell Register event.
     */
    memory_region_init_io(&n->db_mr, OBJECT(n), &nvme_db_ops, n,
                          "nvme-doorbells", table_off - NVME_DB_OFFSET);
    memory_region_add_subregion(&n->bar0, NVME_DB_OFFSET, &n->db_mr);

    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64, &n->bar0);
    if (msix_init(pci, n->params.msix_qsize, &n->bar0, 0, table_off,
                  &n->bar0, 0, pba_off, 0, errp) < 0) {
        return;
    }
    for (unsigned i = 0; i < n->params.msix_qsize; i++) {
        msix_vector_use(pci, i);
    }
}

/* Context: main loop (realize). */
static bool nvme_init_pci(NvmeCtrl *n, Error **errp)
{
    PCIDevice *pci = PCI_DEVICE(n);
    uint8_t *conf = pci->config;

    conf[PCI_INTERRUPT_PIN] = 1;
    conf[PCI_CLASS_PROG] = 0x02;        /* NVM Express */
    pci_config_set_class(conf, PCI_CLASS_STORAGE_EXPRESS);
    pci_config_set_vendor_id(conf, PCI_VENDOR_ID_REDHAT);
    pci_config_set_device_id(conf, PCI_DEVICE_ID_REDHAT_NVME);
    pci_config_set_revision(conf, 0x02);
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID,
                 PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU);

    if (pci_pm_init(pci, 0x60, errp) < 0) {
        return false;
    }
    if (pcie_endpoint_cap_init(pci, 0x80) < 0) {
        error_setg(errp, "nvme: cannot add the PCIe capability");
        return false;
    }
    nvme_init_bar0(n, errp);
    return !*errp;
}

/* Context: main loop (realize). */
static bool nvme_init_state(NvmeCtrl *n, Error **errp)
{
    nvme_queues_init(n, n->params.max_ioqpairs + 1);
    nvme_aer_init(n);
    nvme_features_init(n);
    nvme_stats_init(n);
    return true;
}

/* Context: main loop (realize). */
static bool nvme_init_builtin_ns(NvmeCtrl *n, Error **errp)
{
    NvmeNsParams params = { .nsid = 1 };

    if (!n->conf.blk) {
        return true;        /* namespaces come from nvme-ns devices */
    }
    if (!nvme_ns_setup(&n->builtin_ns, &n->conf, &params,
                       nvme_subsys_id_seed(n), errp)) {
        return false;
    }
    n->builtin_ns.auto_attach = true;   /* private to this controller */
    return nvme_subsys_add_ns(n, &n->builtin_ns, 1, errp);
}

/* Context: main loop. */
static void nvme_realize(PCIDevice *pci, Error **errp)
{
    NvmeCtrl *n = NVME(pci);

    if (!nvme_check_params(n, errp) || !nvme_features_file_load(n, errp) ||
        !nvme_init_state(n, errp)) {
        return;
    }
    if (!nvme_iothreads_setup(n, errp)) {
        nvme_iothreads_cleanup(n);
        return;
    }
    qbus_init(&n->bus, sizeof(NvmeBus), TYPE_NVME_BUS, DEVICE(n),
              DEVICE(n)->id);
    if (!nvme_subsys_add_ctrl(n, errp)) {
        nvme_iothreads_cleanup(n);
        return;
    }
    if (!nvme_init_builtin_ns(n, errp) || !nvme_init_pci(n, errp)) {
        nvme_subsys_remove_ctrl(n);
        nvme_iothreads_cleanup(n);
        return;
    }
    nvme_irqfd_init(n);
    nvme_io_error_init(n);
    nvme_regs_power_on(n);
    nvme_admin_identify_ctrl_init(n);
    nvme_fw_init(n);
    nvme_features_reset(n);
}

/* Context: main loop. */
static void nvme_exit(PCIDevice *pci)
{
    NvmeCtrl *n = NVME(pci);

    nvme_ctrl_reset(n);
    nvme_io_error_cleanup(n);
    nvme_sanitize_cleanup(n);
    nvme_selftest_cleanup(n);
    nvme_fw_cleanup(n);
    nvme_telemetry_cleanup(n);
    nvme_features_cleanup(n);
    nvme_irqfd_cleanup(n);
    msix_uninit(pci, &n->bar0, &n->bar0);
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
    nvme_iothreads_cleanup(n);
}

/*
 * Context: main loop (config space write).  Iothread queues read the
 * MSI-X enable bit from this copy rather than from config space.
 */
static void nvme_pci_config_write(PCIDevice *pci, uint32_t addr,
                                  uint32_t val, int len)
{
    NvmeCtrl *n = NVME(pci);

    pci_default_write_config(pci, addr, val, len);
    qatomic_set(&n->queues.msix_on, msix_enabled(pci));
}

/* Context: main loop (system reset). */
static void nvme_pci_reset(DeviceState *dev)
{
    NvmeCtrl *n = NVME(dev);

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
}

static const Property nvme_props[] = {
    DEFINE_BLOCK_PROPERTIES(NvmeCtrl, conf),
    DEFINE_BLOCK_ERROR_PROPERTIES(NvmeCtrl, conf),
    DEFINE_PROP_STRING("serial", NvmeCtrl, params.serial),
    DEFINE_PROP_LINK("subsys", NvmeCtrl, subsys_dev, TYPE_NVME_SUBSYS,
                     NvmeSubsysDevice *),
    DEFINE_PROP_UINT32("max_ioqpairs", NvmeCtrl, params.max_ioqpairs, 64),
    DEFINE_PROP_UINT16("msix_qsize", NvmeCtrl, params.msix_qsize, 65),
    DEFINE_PROP_UINT32("mqes", NvmeCtrl, params.mqes, 0x800),
    DEFINE_PROP_UINT8("mdts", NvmeCtrl, params.mdts, 7),
    DEFINE_PROP_UINT8("aerl", NvmeCtrl, params.aerl, 3),
    DEFINE_PROP_UINT32("aer_max_queued", NvmeCtrl, params.aer_max_queued, 64),
    DEFINE_PROP_BOOL("ioeventfd", NvmeCtrl, params.ioeventfd, true),
    DEFINE_PROP_BOOL("dbbuf", NvmeCtrl, params.dbbuf, true),
    DEFINE_PROP_STRING("features-file", NvmeCtrl, params.features_file),
    DEFINE_PROP_LINK("iothread", NvmeCtrl, params.iothread, TYPE_IOTHREAD,
                     IOThread *),
    DEFINE_PROP_IOTHREAD_VQ_MAPPING_LIST("iothread-queue-mapping", NvmeCtrl,
                                         params.iothread_map),
};

/* Live migration is not described yet: refuse rather than lose state. */
static const VMStateDescription nvme_vmstate = {
    .name = "nvme",
    .unmigratable = 1,
};

static void nvme_class_init(ObjectClass *oc, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);
    PCIDeviceClass *pc = PCI_DEVICE_CLASS(oc);

    pc->realize = nvme_realize;
    pc->exit = nvme_exit;
    pc->config_write = nvme_pci_config_write;
    pc->class_id = PCI_CLASS_STORAGE_EXPRESS;
    pc->vendor_id = PCI_VENDOR_ID_REDHAT;
    pc->device_id = PCI_DEVICE_ID_REDHAT_NVME;
    pc->revision = 2;

    set_bit(DEVICE_CATEGORY_STORAGE, dc->categories);
    dc->desc = "Non-Volatile Memory Express (clean-room)";
    device_class_set_props(dc, nvme_props);
    device_class_set_legacy_reset(dc, nvme_pci_reset);
    dc->vmsd = &nvme_vmstate;
    nvme_ana_class_init(oc);    /* ana.c: "ana-state" */
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
            { }
        },
    },
};

DEFINE_TYPES(nvme_types)

/*
 * The NVMe device's public face: its QOM type names and PCI identity,
 * what command lines, management tools and tests name it by.  Everything
 * else about the device lives next to its code in hw/nvme/
 * (docs/architecture.rst); the register layout is in nvme-regs.h here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_NVME_H
#define HW_NVME_NVME_H

#define TYPE_NVME           "nvme"          /* the controller (PCI) */
#define TYPE_NVME_NS        "nvme-ns"       /* a namespace */
#define TYPE_NVME_BUS       "nvme-bus"      /* a controller's namespaces */
#define TYPE_NVME_SUBSYS    "nvme-subsys"   /* an NVM subsystem */

/*
 * PCI identity: QEMU's (PCI_VENDOR_ID_REDHAT, PCI_DEVICE_ID_REDHAT_NVME;
 * pci.c checks they agree), or Intel's with use-intel-id=on.  Plain
 * numbers, so that tests need no PCI headers of the emulator.
 */
#define NVME_PCI_VENDOR_ID          0x1b36
#define NVME_PCI_DEVICE_ID          0x0010
#define NVME_PCI_INTEL_VENDOR_ID    0x8086
#define NVME_PCI_INTEL_DEVICE_ID    0x5845

#endif /* HW_NVME_NVME_H */

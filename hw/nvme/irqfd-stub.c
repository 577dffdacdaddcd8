/*
 * Built instead of irqfd.c when the NVME_IRQFD switch is off (Kconfig; it
 * needs KVM): iothread completion queues signal their MSI-X interrupts
 * through the main loop, as they do without KVM (queue.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "ctrl.h"
#include "irqfd.h"
#include "queue.h"

/* Context: main loop.  Realize: nothing to bind. */
void nvme_irqfd_init(NvmeCtrl *n)
{
}

/* Context: main loop.  Unrealize. */
void nvme_irqfd_cleanup(NvmeCtrl *n)
{
}

/* Context: main loop.  A new iothread CQ. */
void nvme_irqfd_cq_init(NvmeCtrl *n, NvmeCQueue *cq)
{
}

/* Context: main loop.  An iothread CQ about to be deleted. */
void nvme_irqfd_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq)
{
}

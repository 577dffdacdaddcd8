/*
 * KVM irqfds for the interrupts of iothread CQs (irqfd.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_IRQFD_H
#define HW_NVME_IRQFD_H

#include "types.h"

/* Controller state (NvmeCtrl.irqfd).  Context: main loop. */
typedef struct NvmeIrqfd {
    int *virq;                  /* KVM route per vector, -1: none */
    unsigned long *unmasked;    /* vectors with irqfds bound */
} NvmeIrqfd;

void nvme_irqfd_init(NvmeCtrl *n);
void nvme_irqfd_cleanup(NvmeCtrl *n);
void nvme_irqfd_cq_init(NvmeCtrl *n, NvmeCQueue *cq);
void nvme_irqfd_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq);

#endif /* HW_NVME_IRQFD_H */

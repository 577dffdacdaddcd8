/*
 * KVM irqfd for the MSI-X interrupts of iothread completion queues.
 *
 * An iothread CQ signals its interrupt by setting cq->irq_notifier
 * (queue.c).  Without KVM that event notifier's handler runs in the main
 * loop and calls msix_notify under the BQL.  With KVM's in-kernel irqchip
 * the notifier is instead bound, as an irqfd, to a KVM MSI route holding
 * the vector's message, so the iothread's write to the eventfd interrupts
 * the guest with no main-loop hop.
 *
 * KVM delivers an irqfd whatever the MSI-X mask says, so the binding
 * follows the mask: MSI-X's vector notifiers (called under the BQL when a
 * vector becomes unmasked or masked, by its Mask bit, the Function Mask or
 * the MSI-X Enable bit) bind every iothread CQ of the vector on unmask,
 * with the route updated to the vector's current message, and unbind them
 * on mask.  An unbound notifier has its main-loop handler back, which
 * turns a signal that arrives while masked into the vector's Pending bit
 * (msix_notify on a masked vector); the poll notifier does the same when
 * the guest reads the PBA, so the bit is never stale.
 *
 * Routes are allocated per vector on its first unmask and released at
 * unrealize.  Every function here runs in the main loop with the BQL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/pci/msi.h"
#include "hw/pci/msix.h"
#include "system/kvm.h"
#include "ctrl.h"
#include "irqfd.h"
#include "queue.h"
#include "trace.h"

/* Whether this controller binds iothread interrupts to KVM irqfds. */
static bool nvme_irqfd_wanted(NvmeCtrl *n)
{
    return n->iot.nr && kvm_irqfds_enabled() &&
           kvm_msi_via_irqfd_enabled();
}

/* Bind @cq's interrupt notifier to its vector's route. */
static void nvme_irqfd_bind(NvmeCtrl *n, NvmeCQueue *cq)
{
    int virq = n->irqfd.virq[cq->vector];
    int ret;

    if (cq->irqfd_bound || virq < 0) {
        return;
    }
    /* KVM consumes the eventfd now; the main-loop handler must not */
    event_notifier_set_handler(&cq->irq_notifier, NULL);
    ret = kvm_irqchip_add_irqfd_notifier_gsi(kvm_state, &cq->irq_notifier,
                                             NULL, virq);
    if (ret < 0) {
        event_notifier_set_handler(&cq->irq_notifier, nvme_cq_irq_notified);
        trace_nvme_irqfd_error(cq->cqid, cq->vector, ret);
        return;
    }
    cq->irqfd_bound = true;
    trace_nvme_irqfd_bind(cq->cqid, cq->vector, virq);
}

/*
 * Unbind @cq: its signals go to the main loop again.  One that KVM had
 * not consumed yet is handled at once (a Pending bit if masked).
 */
static void nvme_irqfd_unbind(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (!cq->irqfd_bound) {
        return;
    }
    kvm_irqchip_remove_irqfd_notifier_gsi(kvm_state, &cq->irq_notifier,
                                          n->irqfd.virq[cq->vector]);
    cq->irqfd_bound = false;
    event_notifier_set_handler(&cq->irq_notifier, nvme_cq_irq_notified);
    nvme_cq_irq_notified(&cq->irq_notifier);
    trace_nvme_irqfd_unbind(cq->cqid, cq->vector);
}

/* Route of @vector with message @msg: allocated once, then updated. */
static bool nvme_irqfd_route(NvmeCtrl *n, unsigned vector, MSIMessage msg)
{
    PCIDevice *pci = PCI_DEVICE(n);
    int virq = n->irqfd.virq[vector];

    if (virq < 0) {
        KVMRouteChange c = kvm_irqchip_begin_route_changes(kvm_state);

        virq = kvm_irqchip_add_msi_route(&c, vector, pci);
        if (virq < 0) {
            trace_nvme_irqfd_error(0, vector, virq);
            return false;
        }
        kvm_irqchip_commit_route_changes(&c);
        n->irqfd.virq[vector] = virq;
    }
    if (kvm_irqchip_update_msi_route(kvm_state, virq, msg, pci) < 0) {
        trace_nvme_irqfd_error(0, vector, -EINVAL);
        return false;
    }
    kvm_irqchip_commit_routes(kvm_state);
    return true;
}

/* MSI-X vector notifier: @vector became unmasked with message @msg. */
static int nvme_irqfd_vector_use(PCIDevice *pci, unsigned int vector,
                                 MSIMessage msg)
{
    NvmeCtrl *n = NVME(pci);

    /* a failure leaves the vector to the main loop; never fail MSI-X */
    if (!nvme_irqfd_route(n, vector, msg)) {
        return 0;
    }
    set_bit(vector, n->irqfd.unmasked);
    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];

        if (cq && cq->has_irq_notifier && cq->vector == vector) {
            nvme_irqfd_bind(n, cq);
        }
    }
    return 0;
}

/* MSI-X vector notifier: @vector became masked. */
static void nvme_irqfd_vector_release(PCIDevice *pci, unsigned int vector)
{
    NvmeCtrl *n = NVME(pci);

    clear_bit(vector, n->irqfd.unmasked);
    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];

        if (cq && cq->vector == vector) {
            nvme_irqfd_unbind(n, cq);
        }
    }
}

/*
 * MSI-X poll notifier (PBA read): signals of masked vectors' CQs become
 * Pending bits before the guest sees the PBA.
 */
static void nvme_irqfd_vector_poll(PCIDevice *pci, unsigned int start,
                                   unsigned int end)
{
    NvmeCtrl *n = NVME(pci);

    for (uint32_t i = 1; i < n->queues.num; i++) {
        NvmeCQueue *cq = n->queues.cq[i];

        if (cq && cq->has_irq_notifier && !cq->irqfd_bound &&
            cq->vector >= start && cq->vector < end) {
            nvme_cq_irq_notified(&cq->irq_notifier);
        }
    }
}

/* A new iothread CQ: bind it now if its vector is unmasked. */
void nvme_irqfd_cq_init(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (n->irqfd.virq && cq->has_irq_notifier &&
        cq->vector < n->params.msix_qsize &&
        test_bit(cq->vector, n->irqfd.unmasked)) {
        nvme_irqfd_bind(n, cq);
    }
}

/* An iothread CQ about to be deleted. */
void nvme_irqfd_cq_cleanup(NvmeCtrl *n, NvmeCQueue *cq)
{
    if (n->irqfd.virq) {
        nvme_irqfd_unbind(n, cq);
    }
}

/* Realize, after msix_init: register the vector notifiers if used. */
void nvme_irqfd_init(NvmeCtrl *n)
{
    uint16_t nvec = n->params.msix_qsize;

    if (!nvme_irqfd_wanted(n)) {
        return;
    }
    n->irqfd.virq = g_new(int, nvec);
    for (unsigned i = 0; i < nvec; i++) {
        n->irqfd.virq[i] = -1;
    }
    n->irqfd.unmasked = bitmap_new(nvec);
    if (msix_set_vector_notifiers(PCI_DEVICE(n), nvme_irqfd_vector_use,
                                  nvme_irqfd_vector_release,
                                  nvme_irqfd_vector_poll) < 0) {
        nvme_irqfd_cleanup(n);
    }
}

/* Unrealize, queues deleted, before msix_uninit. */
void nvme_irqfd_cleanup(NvmeCtrl *n)
{
    PCIDevice *pci = PCI_DEVICE(n);

    if (!n->irqfd.virq) {
        return;
    }
    if (pci->msix_vector_use_notifier) {
        msix_unset_vector_notifiers(pci);
    }
    for (unsigned i = 0; i < n->params.msix_qsize; i++) {
        if (n->irqfd.virq[i] >= 0) {
            kvm_irqchip_release_virq(kvm_state, n->irqfd.virq[i]);
        }
    }
    g_free(n->irqfd.virq);
    n->irqfd.virq = NULL;
    g_free(n->irqfd.unmasked);
    n->irqfd.unmasked = NULL;
}

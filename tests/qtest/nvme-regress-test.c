/*
 * Regression tests for device bugs found by fuzzing (tests/run-fuzz.sh)
 * and the sanitizer run (tests/run-sanitize.sh).  One test case per
 * finding, named after what it does; the comment says what went wrong.
 * Under the sanitized build a reintroduced bug is an ASan/UBSan report;
 * the normal build checks QEMU survives and the controller still works.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define LBASZ 512

/* PCI slots: the controller under test first (the driver takes the
 * lowest), a second controller whose registers serve as MMIO "memory". */
#define SLOT_DUT  4
#define SLOT_PEER 5

/*
 * Fuzzer finding (generic-fuzz, heap-use-after-free in dma_blk_cb):
 * a Write whose data lives in MMIO is transferred through QEMU's DMA
 * bounce buffer (4 KiB per address space).  While one command holds the
 * bounce buffer, a second one cannot map its buffer: dma_blk_io() parks
 * it on a map-client bottom half, and the block layer does not count it
 * as in flight.  A controller reset then drained the namespaces (only the
 * first command), deleted the SQ and freed its requests, including the
 * parked one whose QEMUSGList dma_blk_cb() still used when the bounce
 * buffer came free:
 *
 *   READ of size 4 ... in dma_blk_cb system/dma-helpers.c:128
 *   freed by ... nvme_queue_delete_sq hw/nvme/queue.c:133
 *                nvme_queue_delete_all / nvme_ctrl_reset
 *   allocated by ... nvme_admin_create_sq hw/nvme/admin.c:343
 *
 * Here: namespace 1 on null-co with 200 ms latency keeps the first Write
 * in flight; both Writes read from the peer controller's register BAR;
 * then CC.EN = 0 while the second is parked.  Since the fix (DMA only to
 * guest RAM) both Writes fail with Data Transfer Error instead; what this
 * checks is that QEMU survives the sequence and the controller works.
 */
static void test_reset_with_dma_waiting_for_bounce_buffer(void)
{
    NvmeDrv *d = nvme_drv_start_args(
        "-drive if=none,id=d0,driver=null-co,size=16M,latency-ns=200000000 "
        "-device nvme,drive=d0,serial=qtest-nvme,addr=" stringify(SLOT_DUT)
        " -device nvme,serial=peer,addr=" stringify(SLOT_PEER));
    QPCIDevice *peer;
    QPCIBar peer_bar;
    NvmeCmd cmd;
    int i;

    peer = qpci_device_find(d->pcibus, QPCI_DEVFN(SLOT_PEER, 0));
    g_assert_nonnull(peer);
    qpci_device_enable(peer);
    peer_bar = qpci_iomap(peer, 0, NULL);

    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 16);

    /* 4 KiB from MMIO (fills the bounce buffer), then 512 bytes more */
    for (i = 0; i < 2; i++) {
        nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
        cmd.cid = 0x100 + i;                /* host order: sq_put converts */
        cmd.dptr.prp1 = peer_bar.addr;
        cmd.cdw12 = i == 0 ? 7 : 0;         /* 8 blocks, then 1 */
        nvme_drv_sq_put(d, 1, &cmd);
    }
    nvme_drv_sq_ring(d, 1);

    /* controller reset while the second Write waits for the bounce buffer */
    nvme_drv_wr32(d, NVME_REG_CC, 0);
    g_assert_true(nvme_drv_wait_csts(d, 1, 0, 5000));
    nvme_drv_forget_queues(d);
    /* let the parked transfer's bottom half run; the device must survive */
    g_usleep(300 * 1000);
    qtest_clock_step(d->qts, 1000000);

    nvme_drv_enable(d, 32, 32);
    nvme_drv_create_qpair(d, 1, 16);
    g_assert_cmphex(nvme_drv_rw(d, 1, NVME_CMD_WRITE, 1, 0, 1, LBASZ, NULL, 0),
                    ==, NVME_SUCCESS);

    qpci_iounmap(peer, peer_bar);
    g_free(peer);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/regress/reset_with_dma_waiting_for_bounce_buffer",
                   test_reset_with_dma_waiting_for_bounce_buffer);
    return g_test_run();
}

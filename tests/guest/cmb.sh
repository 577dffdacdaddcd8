# Guest test of the Controller Memory Buffer, NVMe 1.4 registers: Linux
# sets CMBMSC.CRE, reads CMBLOC/CMBSZ and enables the controller memory
# space at BAR 2's address (the host checks that a CMB window was enabled).
# Debian's kernel has no P2PDMA, so it cannot register the CMB ("failed to
# register the CMB"), clears CMBMSC again and keeps its queues in host
# memory.  The guest then reads the registers itself (devmem), runs fio
# verify over both queues and controller resets under I/O, and the kernel
# log must stay clean.  cmb-legacy.sh: the NVMe 1.3 layout.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,drive=d0,serial=NVMETEST0001,cmb_size_mb=64
# guest-append: iomem=relaxed
# host-trace: nvme_cmem_window_on
. /tests/lib.sh

cmb_checks cmb- 0x4021f 0xea 1
io_paths_check cmb- 2
done_

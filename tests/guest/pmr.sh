# Guest test of the Persistent Memory Region (pmrdev, a shared file next
# to the disk image): CAP.PMRS and PMRCAP as the guest reads them, BAR 4
# dead while PMRCTL.EN is clear, then enabled (PMRSTS.NRDY clears), a
# pattern stored through BAR 4 reads back, PMRSTS is read to make it
# durable, and the namespace keeps working (fio verify).  pmr-check.sh,
# the next boot on the same file, finds the pattern.
# qemu-args: -object memory-backend-file,id=pmr0,share=on,mem-path=@IMG@.pmr,size=16M -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,drive=d0,serial=NVMETEST0001,pmrdev=pmr0
# guest-append: iomem=relaxed
# host-trace: nvme_pmr_flush
. /tests/lib.sh

pmr_checks pmr-
pmr_store
ok pmr-pattern "BAR 4 reads $(pmr_pattern_bad)" [ -z "$(pmr_pattern_bad)" ]
reg32 0xe08 > /dev/null             # PMRSTS: the stores are durable
io_paths_check pmr- 2
done_

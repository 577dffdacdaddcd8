# Second boot of the PMR test on the file pmr.sh left: the PMR starts
# disabled; once enabled, BAR 4 shows the pattern the previous QEMU
# stored, so it was in the file after that QEMU exited.
# reuse-image: yes
# qemu-args: -object memory-backend-file,id=pmr0,share=on,mem-path=@IMG@.pmr,size=16M -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,drive=d0,serial=NVMETEST0001,pmrdev=pmr0
# guest-append: iomem=relaxed
. /tests/lib.sh

pmr_checks pmr-check-
ok pmr-check-persisted "BAR 4 reads $(pmr_pattern_bad)" [ -z "$(pmr_pattern_bad)" ]
done_

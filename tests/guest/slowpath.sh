# Guest test of the slow doorbell path in the main loop: no Doorbell
# Buffer Config offered ("dbbuf=off", so Linux rings every doorbell) and no
# ioeventfds (every doorbell write is handled in the vCPU thread).  The
# checks of iothread.sh: fio verify over both queues, resets under a
# verified write job, a clean kernel log.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,drive=d0,serial=NVMETEST0001,ioeventfd=off,dbbuf=off
. /tests/lib.sh

ok slowpath-no-dbbuf "OACS bit 8 set" [ "$(dbbuf_oacs)" = 0 ]
io_paths_check slowpath- 2
done_

# Guest test of the slow doorbell path with I/O queues in two iothreads:
# no Doorbell Buffer Config ("dbbuf=off"), no ioeventfds, so each doorbell
# write is an MMIO access that hands the queue to its iothread.  The checks
# of iothread.sh.
# qemu-args: -object iothread,id=io0 -object iothread,id=io1 -drive file=@IMG@,if=none,id=d0,format=raw -device {"driver":"nvme","id":"c0","drive":"d0","serial":"NVMETEST0001","ioeventfd":false,"dbbuf":false,"iothread-queue-mapping":[{"iothread":"io0"},{"iothread":"io1"}]}
. /tests/lib.sh

ok iothread-slowpath-no-dbbuf "OACS bit 8 set" [ "$(dbbuf_oacs)" = 0 ]
io_paths_check iothread-slowpath- 2
done_

# Guest test of I/O queues in iothreads: two I/O queues (2 vCPUs) mapped
# to two iothreads, the first polling with a generous poll-max-ns.  fio
# verify over both queues, then controller resets (nvme reset) while a
# verified write job runs; the kernel log must stay clean.  Linux uses
# shadow doorbells (ioeventfds); the host checks that the shadow doorbell
# polling of an iothread started.  slowpath.sh and iothread-slowpath.sh
# run the same checks without shadow doorbells and ioeventfds.
# qemu-args: -object iothread,id=io0,poll-max-ns=200000 -object iothread,id=io1 -drive file=@IMG@,if=none,id=d0,format=raw -device {"driver":"nvme","id":"c0","drive":"d0","serial":"NVMETEST0001","iothread-queue-mapping":[{"iothread":"io0"},{"iothread":"io1"}]}
# host-trace: nvme_sq_poll
. /tests/lib.sh

ok iothread-dbbuf-offered "OACS bit 8 clear" [ "$(dbbuf_oacs)" = 256 ]
io_paths_check iothread- 3
done_

# Guest test of live migration under I/O with iothreads: as migrate.sh
# (fio with verify at QD32, A to B to C to D: live, live, stop/migrate/cont,
# postcopy), with four I/O queues (nvme.write_queues=2) dealt out over two
# iothreads, so that commands in flight in both iothreads meet the freeze
# at each switchover.
# guest-append: nvme.write_queues=2
# qemu-args: -object iothread,id=io0 -object iothread,id=io1 -drive file=@IMG@,if=none,id=d0,format=raw -device {"driver":"nvme","id":"c0","serial":"NVMETEST0001","iothread-queue-mapping":[{"iothread":"io0"},{"iothread":"io1"}]} -device {"driver":"nvme-ns","drive":"d0","bus":"c0","nsid":1}
# host-migrate-at: MIGRATE-1
# host-migrate-at: MIGRATE-2
# host-migrate-at: MIGRATE-3 paused
# host-migrate-at: MIGRATE-4 postcopy
. /tests/lib.sh

migrate_under_fio ""
done_

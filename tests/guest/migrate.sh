# Guest test of live migration under I/O: fio with verify at QD32 on two
# queues (one job per vCPU) runs while the host migrates the VM A to B to
# C to D: twice live (precopy) while fio writes, once stop/migrate/cont
# and once postcopy while it verifies.  Every block must verify; the
# kernel log must show no nvme timeout, abort or controller reset, and
# the controller keeps its queues (no new queue setup after boot).
# host-migrate-at: MIGRATE-1
# host-migrate-at: MIGRATE-2
# host-migrate-at: MIGRATE-3 paused
# host-migrate-at: MIGRATE-4 postcopy
. /tests/lib.sh

migrate_under_fio ""
done_

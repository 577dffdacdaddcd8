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

# migrate_under_fio PREFIX: the checks above; the markers are printed a
# few seconds apart while fio runs (rate-limited, so it outlasts them).
migrate_under_fio() {
    local prefix=$1 rc=0 mib=48 pid bad setups0 setups1
    setups0=$(dmesg | grep -c 'default/read/poll queues')
    fio_run /tmp/fiom.log --rw=randwrite --iodepth=32 --numjobs=2 \
        --size=${mib}M --offset_increment=${mib}M --cpus_allowed=0-1 \
        --cpus_allowed_policy=split --rate_iops=1200 \
        --verify=crc32c --verify_fatal=1 &
    pid=$!
    for i in 1 2 3 4; do
        sleep 2
        echo "MIGRATE-$i"
        # the next marker only once this hop is over: the host answers
        # by migrating, which the guest cannot see; give it time
        sleep 3
    done
    wait $pid || rc=$?
    fio_check ${prefix}fio-verify-across-migrations /tmp/fiom.log $rc \
        $((2 * mib * 1024))
    setups1=$(dmesg | grep -c 'default/read/poll queues')
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|reset|I/O error|failed|disabling)|blk_update_request|Buffer I/O error' | head -n3)
    ok ${prefix}kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
    ok ${prefix}no-controller-reset "queue setups $setups0 -> $setups1" \
        [ "$setups0" = "$setups1" ]
    ok ${prefix}controller-live "state $(cat /sys/class/nvme/nvme0/state)" \
        [ "$(cat /sys/class/nvme/nvme0/state)" = live ]
}

migrate_under_fio ""
done_

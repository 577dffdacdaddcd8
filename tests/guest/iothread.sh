# Guest test of I/O queues in iothreads: two I/O queues (2 vCPUs) mapped
# to two iothreads, the first polling with a generous poll-max-ns.  fio
# verify over both queues, then controller resets (nvme reset) while a
# verified write job runs; the kernel log must stay clean.  The host
# checks that the shadow doorbell polling of an iothread started.
# qemu-args: -object iothread,id=io0,poll-max-ns=200000 -object iothread,id=io1 -drive file=@IMG@,if=none,id=d0,format=raw -device {"driver":"nvme","id":"c0","drive":"d0","serial":"NVMETEST0001","iothread-queue-mapping":[{"iothread":"io0"},{"iothread":"io1"}]}
# host-trace: nvme_sq_poll
. /tests/lib.sh

check_fio() {
    local rc=0 mib=32
    queue_irqs > /tmp/irq0
    fio_run /tmp/fio.log --rw=randwrite --iodepth=16 --numjobs=2 \
        --size=${mib}M --offset_increment=${mib}M --cpus_allowed=0-1 \
        --cpus_allowed_policy=split --verify=crc32c --verify_fatal=1 || rc=$?
    fio_check iothread-fio-verify /tmp/fio.log $rc $((2 * mib * 1024))
    queue_irqs > /tmp/irq1
    n=$(queues_grown /tmp/irq0 /tmp/irq1)
    ok iothread-multi-queue "only $n I/O queue vector(s) fired: $(tr '\n' ' ' < /tmp/irq1)" [ "$n" -ge 2 ]
}

check_kernel_log() {
    local bad
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|I/O error|failed|disabling)|blk_update_request|Buffer I/O error' | head -n3)
    ok iothread-kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
}

check_fio
reset_under_io iothread- 3
check_kernel_log
done_

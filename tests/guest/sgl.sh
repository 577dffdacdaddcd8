# Guest test with Scatter Gather Lists forced: nvme.sgl_threshold=1 (set
# through sysfs: the init's busybox insmod ignores module parameters on the
# kernel command line) makes Linux describe every I/O that is not a single
# <= 8 KiB piece with SGLs instead of PRPs; fio verifies the data.  run.sh
# traces the device's SGL walk and fails unless SGLs were really used for
# (nearly) all of fio's 2560 commands (the guest cannot see which data
# pointer Linux chose).
# host-trace: nvme_sgl_map 2500
. /tests/lib.sh

check_sgl_setup() {
    local thr sgls
    echo 1 > /sys/module/nvme/parameters/sgl_threshold 2>/dev/null
    thr=$(cat /sys/module/nvme/parameters/sgl_threshold 2>/dev/null)
    ok sgl-threshold "nvme.sgl_threshold is '$thr', want 1" [ "$thr" = 1 ]
    sgls=$(nvme id-ctrl $CTRL 2>/dev/null | field sgls)
    ok sgl-id-ctrl-sgls "Identify Controller SGLS is '$sgls'" \
        [ -n "$sgls" ] && [ "$(num "$sgls")" -gt 0 ]
}

# Large blocks (many pages each) at QD16, then 12 KiB blocks at QD4.
check_fio_sgl() {
    local rc=0 mib=32
    fio_run /tmp/fsgl1.log --rw=randwrite --bs=128k --iodepth=16 --size=${mib}M \
        --verify=crc32c --verify_fatal=1 || rc=$?
    fio_check fio-sgl-128k-verify /tmp/fsgl1.log $rc $((mib * 1024))
    rc=0 mib=12
    fio_run /tmp/fsgl2.log --rw=randwrite --bs=12k --iodepth=4 --size=${mib}M \
        --offset=64M --verify=crc32c --verify_fatal=1 || rc=$?
    fio_check fio-sgl-12k-verify /tmp/fsgl2.log $rc $((mib * 1024))
}

check_kernel_log() {
    local bad
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|I/O error|failed|disabling)|blk_update_request|Buffer I/O error' | head -n3)
    ok sgl-kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
}

check_sgl_setup
check_fio_sgl
check_kernel_log
done_

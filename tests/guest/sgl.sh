# Guest test with Scatter Gather Lists forced: nvme.sgl_threshold=1 (set
# through sysfs: the init's busybox insmod ignores module parameters on the
# kernel command line) makes Linux describe every I/O that is not a single
# <= 8 KiB piece with SGLs instead of PRPs; fio verifies the data.  run.sh
# traces the device's SGL walk and fails unless SGLs were really used for
# (nearly) all of fio's 2560 commands (the guest cannot see which data
# pointer Linux chose).  nvme-cli passthrough reads and writes with a
# buffer larger than the block.
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
    fio_verify fio-sgl-128k-verify /tmp/fsgl1.log $((32 * 1024)) --bs=128k \
        --iodepth=16 --size=32M
    fio_verify fio-sgl-12k-verify /tmp/fsgl2.log $((12 * 1024)) --bs=12k \
        --iodepth=4 --size=12M --offset=64M
}

# Passthrough with a buffer larger than the data: Linux sends user
# passthrough commands with an SGL as long as the user's buffer (SGLS bit
# 18 lets it be longer than the transfer).  One 512-byte block written and
# read back through 1 KiB buffers; only the block moves.
check_passthru_larger_buffer() {
    local rc=0
    dd if=/dev/urandom of=/tmp/pt.w bs=1024 count=1 2>/dev/null
    nvme write $NS --start-block=8000 --block-count=0 --data-size=1024 \
        --data=/tmp/pt.w > /tmp/pt.out 2>&1 || rc=$?
    ok sgl-passthru-write-larger-buffer "rc $rc: $(cat /tmp/pt.out)" [ $rc = 0 ]
    rc=0
    nvme read $NS --start-block=8000 --block-count=0 --data-size=1024 \
        --data=/tmp/pt.r > /tmp/pt.out 2>&1 || rc=$?
    ok sgl-passthru-read-larger-buffer "rc $rc: $(cat /tmp/pt.out)" [ $rc = 0 ]
    head -c 512 /tmp/pt.w > /tmp/pt.w512
    head -c 512 /tmp/pt.r > /tmp/pt.r512
    dd if=$NS of=/tmp/pt.d bs=512 skip=8000 count=1 2>/dev/null
    same_block() { cmp -s /tmp/pt.w512 /tmp/pt.r512 && cmp -s /tmp/pt.w512 /tmp/pt.d; }
    ok sgl-passthru-data "read back and on disk equal what was written" \
        same_block
}

check_sgl_setup
check_fio_sgl
check_passthru_larger_buffer
kernel_log_clean sgl-kernel-log-clean
done_

# Guest test of end-to-end protection: namespace 1 is 512+8 with PI type 1
# in a separate metadata buffer.  Linux must enable block integrity with
# the T10-DIF type 1 CRC profile (so it generates the PI on writes and the
# device checks it, and checks it again on reads), and fio verify must
# pass over it.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,id=c0,serial=NVMETEST0001 -device nvme-ns,drive=d0,bus=c0,nsid=1,ms=8,pi=1
. /tests/lib.sh

check_integrity() {
    local fmt dps
    fmt=$(cat /sys/block/nvme0n1/integrity/format 2>/dev/null)
    ok pi-integrity-format "integrity format '$fmt'" [ "$fmt" = T10-DIF-TYPE1-CRC ]
    dps=$(nvme id-ns $NS 2>/dev/null | field dps)
    ok pi-id-ns-dps "dps '$dps'" [ "$(num "$dps")" = 1 ]
}

check_fio_pi() {
    local rc=0 mib=16
    fio_run /tmp/fpi1.log --rw=randwrite --iodepth=8 --size=${mib}M \
        --verify=crc32c --verify_fatal=1 || rc=$?
    fio_check fio-pi-4k-verify /tmp/fpi1.log $rc $((mib * 1024))
    rc=0 mib=8
    fio_run /tmp/fpi2.log --rw=randwrite --bs=64k --iodepth=4 --size=${mib}M \
        --offset=32M --verify=crc32c --verify_fatal=1 || rc=$?
    fio_check fio-pi-64k-verify /tmp/fpi2.log $rc $((mib * 1024))
}

check_kernel_log() {
    local bad
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|I/O error|failed|disabling|guard|tag)|blk_update_request|Buffer I/O error|integrity' | grep -v 'integrity: ' | head -n3)
    ok pi-kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
}

check_integrity
check_fio_pi
check_kernel_log
done_

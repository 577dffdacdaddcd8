# Guest test of the 64-bit guard: namespace 1 is 512+16 with PI type 1,
# 16-byte protection information (ELBAF PIF 2, NVMe CRC-64 guard, 48-bit
# reference tag) in a separate metadata buffer.  Linux must read the guard
# format (CTRATT ELBAS, Identify CNS 05h) and enable block integrity with
# its CRC-64 profile; fio verify must pass over it.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,id=c0,serial=NVMETEST0001 -device nvme-ns,drive=d0,bus=c0,nsid=1,ms=16,pi=1,pif=2
. /tests/lib.sh

check_integrity() {
    local fmt
    fmt=$(cat /sys/block/nvme0n1/integrity/format 2>/dev/null)
    ok pi64-integrity-format "integrity format '$fmt'" [ "$fmt" = EXT-DIF-TYPE1-CRC64 ]
}

check_fio_pi64() {
    fio_verify fio-pi64-4k-verify /tmp/fpi64.log $((16 * 1024)) \
        --iodepth=8 --size=16M
}

check_integrity
check_fio_pi64
kernel_log_clean pi64-kernel-log-clean 'timeout|abort|I/O error|failed|disabling|guard|tag'
done_

# Guest test of end-to-end protection: namespace 1 is 512+8 with PI type 1
# in a separate metadata buffer.  Linux must enable block integrity with
# the T10-DIF type 1 CRC profile (so it generates the PI on writes and the
# device checks it, and checks it again on reads), and fio verify must
# pass over it.  nvme-cli verify and compare with PRINFO then check the
# stored PI (after the kernel log check: they fail on purpose).
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
    fio_verify fio-pi-4k-verify /tmp/fpi1.log $((16 * 1024)) --iodepth=8 \
        --size=16M
    fio_verify fio-pi-64k-verify /tmp/fpi2.log $((8 * 1024)) --bs=64k \
        --iodepth=4 --size=8M --offset=32M
}

# nvme-cli verify and compare with PRINFO on the PI namespace: 8 blocks
# written by the controller's PRACT (reference tags from 100000, app tag
# 1234h), then checks that pass, and ones that fail with the end-to-end
# status of the wrong tag (or Invalid Protection Information: type 1
# wants ILBRT = SLBA); then blocks with a stored bad guard.
S=100000
pi_pat() {
    awk -v n=4096 -v s="$1" 'BEGIN { for (i = 0; i < n; i++)
        printf "%c", 65 + (i * 11 + s) % 26 }'
}

# pi_fails NAME PATTERN CMD...: CMD must fail, its output matching PATTERN.
pi_fails() {
    local name=$1 re=$2; shift 2
    if "$@" > /tmp/pic.out 2>&1; then
        fail "$name" "succeeded: $(tail -n2 /tmp/pic.out | tr '\n' ' ')"
    elif ! grep -qiE "$re" /tmp/pic.out; then
        fail "$name" "wrong error: $(tail -n2 /tmp/pic.out | tr '\n' ' ')"
    else
        echo "# $name: $(grep -m1 -iE "$re" /tmp/pic.out)"
        pass "$name"
    fi
}

# pi_passes NAME CMD...: CMD must succeed.
pi_passes() {
    local name=$1; shift
    if "$@" > /tmp/pic.out 2>&1; then
        pass "$name"
    else
        fail "$name" "$(tail -n2 /tmp/pic.out | tr '\n' ' ')"
    fi
}

check_cli_pi() {
    pi_pat 1 > /tmp/pi1.bin; pi_pat 2 > /tmp/pi2.bin
    if ! nvme write $NS -s $S -c 7 -z 4096 -d /tmp/pi1.bin -p 8 -r $S \
            -a 0x1234 -m 0xffff > /tmp/pic.out 2>&1; then
        fail cli-pi-write "$(tail -n2 /tmp/pic.out | tr '\n' ' ')"; return
    fi
    pi_passes cli-pi-verify nvme verify $NS -s $S -c 7 -p 7 -r $S \
        -a 0x1234 -m 0xffff
    # type 1: a checked reference tag must start at the SLBA
    pi_fails cli-pi-verify-ilbrt 'Invalid Protection Information' \
        nvme verify $NS -s $S -c 7 -p 1 -r $((S + 1))
    # stored reference tags that are not the LBAs (PRACT from S + 100)
    nvme write $NS -s $S -c 7 -z 4096 -d /tmp/pi1.bin -p 8 -r $((S + 100)) \
        -a 0x1234 -m 0xffff > /tmp/pic.out 2>&1
    pi_fails cli-pi-verify-reftag 'Reference Tag Check' \
        nvme verify $NS -s $S -c 7 -p 1 -r $S
    pi_passes cli-pi-rewrite nvme write $NS -s $S -c 7 -z 4096 \
        -d /tmp/pi1.bin -p 8 -r $S -a 0x1234 -m 0xffff
    pi_fails cli-pi-verify-apptag 'Application Tag Check' \
        nvme verify $NS -s $S -c 7 -p 2 -a 0x1235 -m 0xffff
    pi_passes cli-pi-compare nvme compare $NS -s $S -c 7 -z 4096 \
        -d /tmp/pi1.bin -p 15 -r $S -a 0x1234 -m 0xffff
    pi_fails cli-pi-compare-mismatch 'Compare Failure' \
        nvme compare $NS -s $S -c 7 -z 4096 -d /tmp/pi2.bin -p 15 -r $S \
        -a 0x1234 -m 0xffff
    pi_fails cli-pi-compare-ilbrt 'Invalid Protection Information' \
        nvme compare $NS -s $S -c 7 -z 4096 -d /tmp/pi1.bin -p 9 \
        -r $((S + 8))
    # PRACT 0 with all-zero PI from the host: stored, then the guard fails
    head -c 64 /dev/zero > /tmp/pimd.bin
    if ! nvme write $NS -s $((S + 8)) -c 7 -z 4096 -d /tmp/pi1.bin \
            -M /tmp/pimd.bin -y 64 -p 0 > /tmp/pic.out 2>&1; then
        fail cli-pi-write-badguard "$(tail -n2 /tmp/pic.out | tr '\n' ' ')"
        return
    fi
    pi_fails cli-pi-verify-guard 'Guard Check' \
        nvme verify $NS -s $((S + 8)) -c 7 -p 4
    pi_passes cli-pi-verify-nocheck nvme verify $NS -s $((S + 8)) -c 7 -p 0
}

check_kernel_log() {
    local bad
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|I/O error|failed|disabling|guard|tag)|blk_update_request|Buffer I/O error|integrity' | grep -v 'integrity: ' | head -n3)
    ok pi-kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
}

check_integrity
check_fio_pi
check_kernel_log
check_cli_pi
done_

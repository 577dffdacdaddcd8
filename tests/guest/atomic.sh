# Guest test of atomic writes (Linux 6.11+ queue/atomic_write_* and
# pwritev2 RWF_ATOMIC through tests/guest/atomicio.c): AWUN/AWUPF on the
# controller, NAWUN/NAWUPF and boundaries on the namespace, I/O queues in
# an iothread.  Linux takes the power-fail unit: NAWUPF 31 is 16 KiB,
# NABSPF 63 a 32 KiB boundary.  Writes within the unit succeed, larger or
# boundary-crossing ones are refused by the kernel, and two writers with
# two readers on one 16 KiB range never produce or see a torn buffer.
# qemu-args: -object iothread,id=io0 -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,id=c0,serial=NVMETEST0001,iothread=io0,atomic.awun=7,atomic.awupf=7 -device nvme-ns,drive=d0,bus=c0,nsid=1,atomic.nawun=63,atomic.nawupf=31,atomic.nabsn=127,atomic.nabspf=63
. /tests/lib.sh

Q=/sys/block/nvme0n1/queue

# sysfs NAME WANT: queue/atomic_write_NAME is WANT
sysfs() {
    local got
    got=$(cat $Q/atomic_write_$1 2>/dev/null)
    ok sysfs-atomic-$1 "atomic_write_$1 is '$got', want $2" [ "$got" = "$2" ]
}

check_identify() {
    local c n
    c=$(nvme id-ctrl $CTRL); n=$(nvme id-ns $NS)
    ok id-ctrl-awun "awun $(echo "$c" | field awun)" [ "$(echo "$c" | field awun)" = 7 ]
    ok id-ctrl-awupf "awupf $(echo "$c" | field awupf)" [ "$(echo "$c" | field awupf)" = 7 ]
    ok id-ns-nsabp "nsfeat $(echo "$n" | field nsfeat)" \
        [ $(( $(num "$(echo "$n" | field nsfeat)") & 2 )) = 2 ]
    ok id-ns-atomic "nawun/nawupf/nabsn/nabspf: $(echo "$n" | grep -E '^na(wun|wupf|bsn|bspf|bo)' | tr -s ' \n' ' ')" \
        [ "$(echo "$n" | field nawun)" = 63 -a "$(echo "$n" | field nawupf)" = 31 -a \
          "$(echo "$n" | field nabsn)" = 127 -a "$(echo "$n" | field nabspf)" = 63 ]
    ok feature-write-atomicity "$(nvme get-feature $CTRL -f 0xa 2>&1)" \
        sh -c "nvme get-feature $CTRL -f 0xa 2>&1 | grep -q 'Current value:0*$'"
}

# bytes OFFSET LEN: the distinct byte values of that range, one line
bytes() {
    dd if=$NS bs=512 skip=$(($1 / 512)) count=$(($2 / 512)) iflag=direct 2>/dev/null |
        od -An -tx1 -v | tr -s ' ' '\n' | grep . | sort -u | tr '\n' ' '
}

check_writes() {
    local out
    out=$(/tests/atomicio write $NS 0 16384 0xab)
    ok rwf-atomic-16k "pwritev2(RWF_ATOMIC) 16 KiB: $out" [ "$out" = ok ]
    ok rwf-atomic-data "read back: $(bytes 0 16384)" [ "$(bytes 0 16384)" = "ab " ]
    out=$(/tests/atomicio write $NS 0 32768 0xcd)
    ok rwf-atomic-beyond-unit "32 KiB atomic write: $out" [ "$out" = "Invalid argument" ]
    out=$(/tests/atomicio write $NS 24576 16384 0xcd)
    ok rwf-atomic-boundary "16 KiB across the 32 KiB boundary: $out" [ "$out" = "Invalid argument" ]
    ok rwf-atomic-refused-untouched "after refused writes: $(bytes 0 16384)" \
        [ "$(bytes 0 16384)" = "ab " ]
}

check_stress() {
    local out
    out=$(/tests/atomicio stress $NS 65536 16384 6)
    echo "atomicio stress: $out"
    ok rwf-atomic-never-torn "$out" sh -c "echo '$out' | grep -q ' torn 0 errors 0'"
}

sysfs unit_min_bytes 512
sysfs unit_max_bytes 16384
sysfs max_bytes 16384
sysfs boundary_bytes 32768
check_identify
check_writes
check_stress
done_

# Demo guest script (scripts/demo.sh): what the controller looks like to Linux
# and a short fio run.  The host prints the part between DEMO-BEGIN/DEMO-END.
. /tests/lib.sh

# fio_line RW FIELD_OFFSET: one readable line from a 5 s QD16 4k run.
# Terse v3: read stats start at field 6, write stats at field 47
# (+1 bandwidth KiB/s, +2 IOPS, +34 mean total latency in us).
fio_line() {
    local rw=$1 base=$2 log=/tmp/demo-$1.log
    if fio_run $log --rw=$rw --iodepth=16 --size=64M --runtime=5 --time_based; then
        awk -F';' -v rw=$rw -v b=$base '/^3;/ {
            printf "  %-10s %8.0f IOPS  %7.1f MiB/s  mean latency %7.0f us\n",
                   rw, $(b + 2), $(b + 1) / 1024, $(b + 34) }' $log
    else
        echo "  $rw: fio failed: $(tail -n2 $log | tr '\n' ' ')"
    fi
}

echo DEMO-BEGIN
echo "== nvme list"
nvme list
echo
echo "== nvme id-ctrl $CTRL (summary)"
nvme id-ctrl $CTRL | grep -E '^(vid|ssvid|sn|mn|fr|mdts|cntlid|ver|oacs|oncs|vwc|nn|sqes|cqes|subnqn) '
echo
echo "== nvme id-ns $NS (summary)"
nvme id-ns $NS | grep -E '^(nsze|ncap|nuse|nlbaf|flbas) |in use'
echo
# Linux logs how many I/O queues it created, e.g. "2/0/0 default/read/poll queues".
echo "== queues: $(dmesg | sed -n 's/.*nvme0: \(.*default.*queues\).*/\1/p' | tail -n1)," \
     "$(grep -c 'nvme0q' /proc/interrupts) interrupt vectors (admin + I/O)"
echo
echo "== fio 4k random I/O, libaio, QD16, 5 s each ($(cat /sys/block/nvme0n1/queue/logical_block_size)-byte LBAs)"
fio_line randwrite 47
fio_line randread 6
echo DEMO-END
done_

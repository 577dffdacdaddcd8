# Guest test of queues that run in parallel iothreads: four I/O queues
# (2 vCPUs with nvme.write_queues=2: two default and two write queues)
# dealt out over two iothreads.  A verified fio job writes and reads
# back namespace 1 over every queue while the guest resets the controller
# and detaches and re-attaches namespace 2, again and again; the data must
# verify, the commands and the namespace must come back, and the kernel
# log must stay clean.  (Every -device is JSON: QEMU creates JSON devices
# after the others, and a namespace needs its controller's bus.)
# guest-append: nvme.write_queues=2
# qemu-args: -object iothread,id=io0 -object iothread,id=io1 -drive file=@IMG@,if=none,id=d0,format=raw -blockdev driver=null-co,node-name=n2,size=67108864 -device {"driver":"nvme","id":"c0","serial":"NVMETEST0001","iothread-queue-mapping":[{"iothread":"io0"},{"iothread":"io1"}]} -device {"driver":"nvme-ns","drive":"d0","bus":"c0","nsid":1} -device {"driver":"nvme-ns","drive":"n2","bus":"c0","nsid":2}
. /tests/lib.sh

# The disk of namespace @1 (namespaces are named in discovery order).
disk_of() {
    local d
    for d in /sys/block/nvme*n*; do
        case ${d##*/} in *c*) continue ;; esac      # paths, not heads
        [ "$(cat $d/nsid 2>/dev/null)" = "$1" ] && { basename $d; return; }
    done
}


NS=/dev/$(disk_of 1)
queues=$(dmesg | grep -o '[0-9]*/[0-9]*/[0-9]* default/read/poll' | tail -n1)
nq=$(echo "${queues%% *}" | awk -F/ '{ print $1 + $2 }')
ok iothreads4-four-queues "Linux set up: $queues" [ "${nq:-0}" -ge 4 ]

mib=16
fio_run /tmp/fio4.log --rw=randwrite --iodepth=16 --numjobs=2 --size=${mib}M \
    --offset_increment=${mib}M --cpus_allowed=0-1 --cpus_allowed_policy=split \
    --rate_iops=600 --verify=crc32c --verify_fatal=1 &
pid=$!
i=0 resets=0 detaches=0 attaches=0 bad=
while kill -0 $pid 2>/dev/null && [ -z "$bad" ]; do
    i=$((i + 1))
    sleep 1
    case $((i % 3)) in
    1)  nvme reset $CTRL > /tmp/act.log 2>&1 && resets=$((resets + 1)) ||
            bad="reset $i: $(cat /tmp/act.log)" ;;
    2)  nvme detach-ns $CTRL --namespace-id=2 --controllers=0 > /tmp/act.log 2>&1 &&
            detaches=$((detaches + 1)) || bad="detach $i: $(cat /tmp/act.log)" ;;
    0)  nvme attach-ns $CTRL --namespace-id=2 --controllers=0 > /tmp/act.log 2>&1 &&
            attaches=$((attaches + 1)) || bad="attach $i: $(cat /tmp/act.log)" ;;
    esac
done
rc=0
wait $pid || rc=$?
fio_check iothreads4-fio-verify /tmp/fio4.log $rc $((2 * mib * 1024))
ok iothreads4-admin-under-io "$bad ($resets resets, $detaches detaches, $attaches attaches)" \
    [ -z "$bad" -a $resets -ge 2 -a $detaches -ge 2 -a $attaches -ge 2 ]
# namespace 2 ends attached: the last detach is followed by an attach
if [ $((i % 3)) = 2 ]; then
    nvme attach-ns $CTRL --namespace-id=2 --controllers=0 > /dev/null 2>&1
fi
ok iothreads4-ns-back "namespace 2 has no disk after the last attach" wait_ns_disk disk_of 2 yes
# Which queues carry I/O, counted after the last reset (a reset gives the
# queues new interrupts, whose counts start again at 0): reads and writes
# from both vCPUs use the two default and the two write queues.
queue_irqs > /tmp/irq0
fio_run /tmp/fio5.log --rw=randrw --iodepth=8 --numjobs=2 --size=8M \
    --cpus_allowed=0-1 --cpus_allowed_policy=split --time_based --runtime=2
queue_irqs > /tmp/irq1
n=$(queues_grown /tmp/irq0 /tmp/irq1)
ok iothreads4-queues-used "only $n I/O queue vector(s) fired: $(tr '\n' ' ' < /tmp/irq1)" \
    [ "$n" -ge 4 ]
bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|I/O error|failed|disabling)|blk_update_request|Buffer I/O error' |
      grep -v 'failed to register the CMB' | head -n3)
ok iothreads4-kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
done_

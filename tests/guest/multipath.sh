# Multipath guest test: two controllers of one NVM subsystem share
# namespace 1.  Linux native multipath must show one disk (nvmeXn1, X the
# subsystem's instance, not necessarily 0) with a path
# through each controller, nvme list-subsys both controllers; fio verify
# stays clean while each controller in turn is reset.  Namespace
# Attachment from the guest: detaching the namespace from one controller
# makes Linux drop that path (Namespace Attribute Changed event), attaching
# it brings the path back, and the data is still there.  (Not under I/O:
# commands racing the detach fail (inactive NSID), which Linux rightly
# does not treat as a path error.)
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme-subsys,id=s0,nqn=mpath -device nvme,id=c0,serial=MPATH0001,subsys=s0 -device nvme-ns,drive=d0,bus=c0,nsid=1 -device nvme,id=c1,serial=MPATH0001,subsys=s0
. /tests/lib.sh

SUBNQN=nqn.2019-08.org.qemu:mpath

# The multipath disk: the one nvme block device that is not a path.
head_disk() { ls /sys/block | grep -E '^nvme[0-9]+n1$' | head -n1; }

check_topology() {
    local disks subsys out
    wait_paths 2
    disks=$(ls /sys/block | grep -E '^nvme' | grep -vcE 'c[0-9]+n')
    ok mpath-one-disk "block devices: $(ls /sys/block | grep '^nvme' | tr '\n' ' ')" \
        [ "$disks" = 1 ] && [ -b "$NS" ]
    ok mpath-two-paths "paths: $(ls /sys/block | grep '^nvme' | tr '\n' ' ')" \
        [ "$(paths)" = 2 ]
    subsys=$(cat /sys/class/nvme/nvme0/subsysnqn 2>/dev/null)
    ok mpath-subsysnqn "nvme0 subsysnqn '$subsys'" [ "$subsys" = "$SUBNQN" ] &&
        [ "$(cat /sys/class/nvme/nvme1/subsysnqn 2>/dev/null)" = "$SUBNQN" ]
    out=$(nvme list-subsys 2>&1)
    if echo "$out" | grep -q "$SUBNQN" && echo "$out" | grep -qw nvme0 &&
       echo "$out" | grep -qw nvme1; then
        pass mpath-list-subsys
    else
        fail mpath-list-subsys "$(echo "$out" | tr '\n' ' ')"
    fi
    out=$(nvme id-ctrl /dev/nvme1 2>&1 | field cmic)
    ok mpath-cmic "cmic '$out'" [ $(( $(num "$out") & 2 )) = 2 ]
    out=$(nvme id-ns "$NS" 2>&1 | field nmic)
    ok mpath-nmic "nmic '$out'" [ $(( $(num "$out") & 1 )) = 1 ]
}

# fio verify on the multipath disk (round-robin over both paths) while
# ACTION runs once fio is going.
fio_during() {
    local name=$1 action=$2 rc=0 mib=32 pid bad=
    fio_run /tmp/f-$name.log --rw=randwrite --iodepth=16 --size=${mib}M \
        --verify=crc32c --verify_fatal=1 &
    pid=$!
    sleep 1
    kill -0 $pid 2>/dev/null || bad="fio ended before $action"
    [ -n "$bad" ] || $action || bad="$action failed"
    wait $pid || rc=$?
    fio_check fio-verify-$name /tmp/f-$name.log $rc $((mib * 1024))
    ok mpath-$name "${bad:-}; paths $(paths)" [ -z "$bad" ]
}

reset_both() {
    nvme reset /dev/nvme1 || return 1
    sleep 1
    nvme reset /dev/nvme0
}

# Detach namespace 1 from controller 1 (through controller 0), wait for
# Linux to drop that path, then attach it again and wait for it to return.
detach_attach() {
    nvme detach-ns /dev/nvme0 --namespace-id=1 --controllers=1 > /tmp/det.log 2>&1 ||
        { cat /tmp/det.log; return 1; }
    wait_paths 1 || { echo "paths $(paths) after detach"; return 1; }
    nvme attach-ns /dev/nvme0 --namespace-id=1 --controllers=1 > /tmp/att.log 2>&1 ||
        { cat /tmp/att.log; return 1; }
    wait_paths 2 || { echo "paths $(paths) after attach"; return 1; }
}

HEAD=$(head_disk)
NS=/dev/$HEAD
check_topology
for f in /sys/class/nvme-subsystem/nvme-subsys*/iopolicy; do
    echo round-robin > "$f" 2>/dev/null
done
if [ -b "$NS" ]; then
    fio_during reset reset_both
    if out=$(detach_attach 2>&1); then
        pass mpath-detach-attach
    else
        fail mpath-detach-attach "$(echo "$out" | tr '\n' ' ')"
    fi
    rc=0
    fio_run /tmp/f-after.log --rw=read --size=32M --verify=crc32c \
        --verify_only=1 --do_verify=1 || rc=$?
    ok mpath-data-after-attach "$(tail -n3 /tmp/f-after.log | tr '\n' ' ')" \
        [ $rc = 0 ] && ! grep -qi 'verify.*\(bad\|fail\)' /tmp/f-after.log
else
    fail mpath-fio "no multipath block device ($NS)"
fi
kernel_log_clean mpath-kernel-log-clean 'timeout|I/O error|disabling|duplicate|rejecting'
done_

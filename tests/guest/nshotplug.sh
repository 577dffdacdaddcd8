# Guest test of namespace hotplug under fio: QEMU hot-plugs nvme-ns NSID 2
# (device_add through QMP) and Linux shows its disk without a rescan by
# hand (Namespace Attribute Changed, Changed Namespace List); fio then
# runs on it and, verified, on namespace 1 while QEMU hot-unplugs it
# (device_del): the disk goes away, fio on namespace 2 ends (with I/O
# errors) instead of hanging, namespace 1's fio verifies every block, and
# the controller stays live.  Twice, with the I/O queues in an iothread.
# qemu-args: -object iothread,id=io0 -drive file=@IMG@,if=none,id=d0,format=raw -blockdev driver=null-co,node-name=hp,size=268435456,read-zeroes=on -device nvme,id=c0,drive=d0,serial=NVMETEST0001,iothread=io0
# host-qmp-at: HP-ADD-1 {"execute":"device_add","arguments":{"driver":"nvme-ns","id":"ns2","drive":"hp","bus":"c0","nsid":2}}
# host-qmp-at: HP-DEL-1 {"execute":"device_del","arguments":{"id":"ns2"}}
# host-qmp-at: HP-ADD-2 {"execute":"device_add","arguments":{"driver":"nvme-ns","id":"ns2","drive":"hp","bus":"c0","nsid":2}}
# host-qmp-at: HP-DEL-2 {"execute":"device_del","arguments":{"id":"ns2"}}
. /tests/lib.sh

# ns2_disk: the head disk of NSID 2, or nothing
ns2_disk() {
    local f
    for f in /sys/block/nvme0n*/nsid; do
        [ -f "$f" ] && [ "$(cat "$f")" = 2 ] && { basename "$(dirname "$f")"; return; }
    done
}

# size_ok DISK: NSID 2's 256 MiB drive, in 512-byte sectors
size_ok() {
    ok ns-hotplug-size "$1 size $(cat /sys/block/$1/size)" \
        [ "$(cat /sys/block/$1/size)" = 524288 ]
}

# round R: plug, unplug under fio; the controller stays live
round() {
    hotplug_round ns-hotplug-$1 HP-ADD-$1 HP-DEL-$1 ns2_disk size_ok
    ok ns-hotplug-ctrl-live-$1 "state $(cat /sys/class/nvme/nvme0/state)" \
        [ "$(cat /sys/class/nvme/nvme0/state)" = live ]
}

round 1
round 2
bad=$(dmesg | grep -iE 'nvme.*(timeout|reset controller|disabling|controller is down)' | head -n3)
ok kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
done_

# Guest test of whole-controller hotplug under fio: QEMU hot-plugs a second
# nvme controller (its namespace on a null-co drive, I/O queues in an
# iothread, MSI-X in BAR 0 or in its own BAR) behind a pcie-root-port;
# Linux binds it and fio runs on it and, verified, on the first
# controller's namespace; then QEMU hot-unplugs it under that I/O (Linux
# releases it, QEMU removes it): its disk goes away, its fio ends instead
# of hanging, the first controller's fio verifies every block.  Three
# rounds, re-plugging the same drive.
# qemu-args: -object iothread,id=io0 -drive file=@IMG@,if=none,id=d0,format=raw -blockdev driver=null-co,node-name=hp,size=268435456,read-zeroes=on -device nvme,id=c0,drive=d0,serial=NVMETEST0001 -device pcie-root-port,id=rp1,chassis=1,slot=1
# host-qmp-at: CH-ADD-1 {"execute":"device_add","arguments":{"driver":"nvme","id":"hc","bus":"rp1","drive":"hp","serial":"HOTPLUG1","iothread":"io0","msix-exclusive-bar":true}}
# host-qmp-at: CH-DEL-1 {"execute":"device_del","arguments":{"id":"hc"}}
# host-qmp-at: CH-ADD-2 {"execute":"device_add","arguments":{"driver":"nvme","id":"hc","bus":"rp1","drive":"hp","serial":"HOTPLUG1","iothread":"io0"}}
# host-qmp-at: CH-DEL-2 {"execute":"device_del","arguments":{"id":"hc"}}
# host-qmp-at: CH-ADD-3 {"execute":"device_add","arguments":{"driver":"nvme","id":"hc","bus":"rp1","drive":"hp","serial":"HOTPLUG1","iothread":"io0","msix-exclusive-bar":true}}
# host-qmp-at: CH-DEL-3 {"execute":"device_del","arguments":{"id":"hc"}}
. /tests/lib.sh

# hp_ctrl: the nvmeN of serial HOTPLUG1, or nothing
hp_ctrl() {
    local c
    for c in /sys/class/nvme/nvme*; do
        [ -f "$c/serial" ] && [ "$(tr -d ' ' < "$c/serial")" = HOTPLUG1 ] &&
            { basename "$c"; return; }
    done
}

# hp_disk: the head disk of the hot-plugged controller's namespace
hp_disk() {
    local c d
    c=$(hp_ctrl)
    [ -n "$c" ] || return
    for d in /sys/block/${c}n*; do
        [ -e "$d" ] && { basename "$d"; return; }
    done
}

round() {
    hotplug_round ctrl-hotplug-$1 CH-ADD-$1 CH-DEL-$1 hp_disk
}

round 1
round 2
round 3
ok ctrl0-live "state $(cat /sys/class/nvme/nvme0/state)" \
    [ "$(cat /sys/class/nvme/nvme0/state)" = live ]
bad=$(dmesg | grep -E 'nvme0.*(timeout|reset|disabling)|BUG:|Oops|WARNING:' | head -n3)
ok kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
done_

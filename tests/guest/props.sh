# Guest test of the identity and health properties as Linux sees them:
# model and firmware-version in Identify Controller and sysfs;
# smart_critical_warning set by the host with qom-set shows in the SMART /
# Health log and, once the guest enables the SMART bits of Asynchronous
# Event Configuration, arrives as a SMART / Health event (the kernel's
# nvme_async_event trace); clearing it sends nothing; ocp=on gives
# nvme-cli's OCP plugin the extended SMART log, whose media counters follow
# the guest's writes; use-intel-id=on makes Linux apply its quirks for
# QEMU's Intel ID on a second controller (no Write Zeroes).
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,id=c0,drive=d0,serial=NVMETEST0001,model=PropsModel-7,firmware-version=FW1.2.3,ocp=on -blockdev driver=null-co,node-name=n1,size=67108864,read-zeroes=on -device nvme,id=c1,drive=n1,serial=INTELID0001,use-intel-id=on
# host-qmp-at: SMART-SET {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c0","property":"smart_critical_warning","value":4}}
# host-qmp-at: SMART-CLEAR {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c0","property":"smart_critical_warning","value":0}}
. /tests/lib.sh

# ctrl_by_serial SERIAL: the controller (nvmeN) with that serial number
ctrl_by_serial() {
    local d
    for d in /sys/class/nvme/nvme*; do
        [ "$(tr -d ' ' < "$d/serial")" = "$1" ] && { basename "$d"; return; }
    done
}

wait_until 30 has_output ctrl_by_serial NVMETEST0001
wait_until 30 has_output ctrl_by_serial INTELID0001
c=$(ctrl_by_serial NVMETEST0001)
i=$(ctrl_by_serial INTELID0001)
ok ctrls-found "props ctrl '$c', intel ctrl '$i'" [ -n "$c" -a -n "$i" ]

# --- model, firmware-version ---
mn=$(nvme id-ctrl /dev/$c | field mn)
fr=$(nvme id-ctrl /dev/$c | field fr)
ok id-ctrl-model "mn '$mn'" [ "$mn" = PropsModel-7 ]
ok id-ctrl-firmware "fr '$fr'" [ "$fr" = FW1.2.3 ]
ok sysfs-model "model '$(cat /sys/class/nvme/$c/model)'" \
    [ "$(tr -d ' ' < /sys/class/nvme/$c/model)" = PropsModel-7 ]
ok sysfs-firmware "firmware_rev '$(cat /sys/class/nvme/$c/firmware_rev)'" \
    [ "$(tr -d ' ' < /sys/class/nvme/$c/firmware_rev)" = FW1.2.3 ]

# --- SMART critical warning, set and cleared by the host ---
cw() { nvme smart-log /dev/$c -o json 2>/dev/null | jfield critical_warning; }
cw_is() { [ "$(cw)" = "$1" ]; }
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T
echo 1 > $T/events/nvme/nvme_async_event/enable
echo > $T/trace
ok smart-warning-none "critical_warning $(cw)" cw_is 0
aec=$(nvme get-feature /dev/$c -f 0xb | sed -n 's/.*Current value:\(0x[0-9a-f]*\).*/\1/p')
nvme set-feature /dev/$c -f 0xb -v $(($(num "$aec") | 0xff)) > /dev/null
echo SMART-SET
ok smart-warning-set "critical_warning $(cw) after qom-set 4" \
    wait_until 30 cw_is 4
# type 1 (SMART / Health), information 00h (reliability), log page 02h
aen() { grep -i "nvme_async_event.*$c.*0x0*20001" $T/trace; }
ok smart-warning-event "trace: $(grep nvme_async_event $T/trace | tail -n2)" \
    wait_until 30 has_output aen
echo > $T/trace
echo SMART-CLEAR
ok smart-warning-cleared "critical_warning $(cw) after qom-set 0" \
    wait_until 30 cw_is 0
sleep 2
ok smart-warning-clear-no-event "trace: $(grep nvme_async_event $T/trace)" \
    no_output grep nvme_async_event $T/trace
echo 0 > $T/events/nvme/nvme_async_event/enable
nvme set-feature /dev/$c -f 0xb -v $(num "$aec") > /dev/null

# --- OCP SMART / Health Information Extended log ---
ocp() { nvme ocp smart-add-log /dev/$c 2>&1; }
ocp_field() { ocp | awk -v k="$1" 'index($0, k) { print $NF; exit }'; }
ok ocp-version "$(ocp | grep -i 'page version')" \
    [ "$(ocp_field 'Log page version')" = 5 ]
ok ocp-guid "$(ocp | grep -i 'GUID')" \
    [ "$(ocp_field 'Log page GUID')" = 0xafd514c97c6f4f9ca4f2bfea2810afc5 ]
w0=$(ocp_field 'Physical media units written')
r0=$(ocp_field 'Physical media units read')
dd if=/dev/zero of=/dev/${c}n1 bs=1M count=4 oflag=direct 2>/dev/null
dd if=/dev/${c}n1 of=/dev/null bs=1M count=2 iflag=direct 2>/dev/null
w1=$(ocp_field 'Physical media units written')
r1=$(ocp_field 'Physical media units read')
ok ocp-media-written "bytes written $w0 -> $w1, want +4 MiB" \
    [ "$((w1 - w0))" = 4194304 ]
ok ocp-media-read "bytes read $r0 -> $r1, want +2 MiB" \
    [ "$((r1 - r0))" = 2097152 ]

# --- use-intel-id: Linux's quirks for 8086:5845 ---
pci=$(basename "$(readlink -f /sys/class/nvme/$i/device)")
ok intel-pci-id "$pci $(cat /sys/bus/pci/devices/$pci/vendor):$(cat /sys/bus/pci/devices/$pci/device)" \
    [ "$(cat /sys/bus/pci/devices/$pci/vendor):$(cat /sys/bus/pci/devices/$pci/device)" = 0x8086:0x5845 ]
ok intel-no-write-zeroes "write_zeroes_max_bytes $(cat /sys/block/${i}n1/queue/write_zeroes_max_bytes), other ctrl $(cat /sys/block/${c}n1/queue/write_zeroes_max_bytes)" \
    [ "$(cat /sys/block/${i}n1/queue/write_zeroes_max_bytes)" = 0 -a \
      "$(cat /sys/block/${c}n1/queue/write_zeroes_max_bytes)" != 0 ]
ok intel-io "read from the intel ctrl's namespace" \
    dd if=/dev/${i}n1 of=/dev/null bs=4k count=16 iflag=direct
done_

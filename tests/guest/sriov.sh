# Guest test of SR-IOV: the issue's PF (4 VFs, 8 flexible queue pairs and
# 4 vectors, at most 4 and 2 per VF) behind a pcie-root-port (ARI), its
# namespace 2 private to it, namespace 1 private and detached.  nvme-cli
# reads the Primary Controller Capabilities and Secondary Controller List;
# the steps of upstream's documentation follow: no flexible resources for
# the primary, an FLR of the PF, 2 VFs, resources assigned with
# virt-mgmt and the secondaries brought online, namespace 1 attached to
# VF 1, and the nvme driver bound to the VFs (driver_override: VF
# autoprobe is off, an offline VF would fail its probe).  fio verify runs
# on VF 1's namespace and the PF's at once while the VF controller and
# the PF controller are reset (each leaves the other working).  Then the
# host migrates the VM twice (live, postcopy) while fio verifies on both
# again: the VF's controller travels inside the PF's state, and neither
# controller resets.  Disabling the VFs detaches them cleanly and returns
# their resources.
# host-migrate-at: SRIOV-MIGRATE-1
# host-migrate-at: SRIOV-MIGRATE-2 postcopy
# qemu-args: -device pcie-root-port,id=rp0,chassis=1 -blockdev driver=raw,node-name=d1,offset=0,size=134217728,file.driver=file,file.filename=@IMG@,file.locking=off -blockdev driver=raw,node-name=d2,offset=134217728,size=134217728,file.driver=file,file.filename=@IMG@,file.locking=off -device nvme-subsys,id=s0,nqn=sriov0 -device nvme,id=pf,bus=rp0,serial=sriov0,subsys=s0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,sriov_max_vi_per_vf=2,sriov_max_vq_per_vf=4 -device nvme-ns,drive=d1,bus=pf,nsid=1,shared=off,detached=on -device nvme-ns,drive=d2,bus=pf,nsid=2,shared=off
. /tests/lib.sh

PF=$(basename "$(readlink -f /sys/class/nvme/nvme0/device)")
PFD=/sys/bus/pci/devices/$PF

# sec_field CNTLID KEY: a field of secondary CNTLID in list-secondary JSON.
sec_field() {
    nvme list-secondary $CTRL -o json | tr -d ' \n' | sed 's/},{/}\n{/g' |
        grep "\"secondary-controller-identifier\":$1," | jfield "$2"
}

# The secondary controller id of VF N (1-based VFN).
vf_cntlid() {
    nvme list-secondary $CTRL -o json | tr -d ' \n' | sed 's/},{/}\n{/g' |
        grep "\"virtual-function-number\":$1," |
        jfield secondary-controller-identifier
}

# ctrl_of BDF: the nvmeN controller bound to PCI function BDF (waits 30 s).
ctrl_of() {
    local i=0
    while [ $i -lt 60 ]; do
        for c in /sys/bus/pci/devices/$1/nvme/nvme*; do
            [ -e "$c" ] && [ "$(cat "$c/state")" = live ] &&
                { basename "$c"; return; }
        done
        sleep 0.5; i=$((i + 1))
    done
}

# blk_of NSID: the namespace head block device with that NSID.
blk_of() {
    local b
    for b in /sys/block/nvme*n*; do
        case ${b##*/} in nvme*c*) continue ;; esac
        [ "$(cat "$b/nsid" 2>/dev/null)" = "$1" ] && { echo "/dev/${b##*/}"; return; }
    done
}

out=$(nvme primary-ctrl-caps $CTRL)
want="vqfrt=8 vqprt=57 vqfrsm=4 vifrt=4 viprt=61 vifrsm=2 vqrfa=0 virfa=0"
got=""
for kv in $want; do got="$got ${kv%%=*}=$(echo "$out" | field "${kv%%=*}")"; done
ok sriov-primary-caps "got$got, want $want" [ "$got" = " $want" ]
ok sriov-secondaries "$(nvme list-secondary $CTRL -o json | tr -d ' \n' | head -c 200)" \
    [ "$(nvme list-secondary $CTRL -o json | jfield num)" = 4 -a \
      "$(sec_field 1 secondary-controller-state)" = 0 ]

# upstream's steps: the primary's flexible resources away, FLR
nvme virt-mgmt $CTRL -c 0 -r 1 -a 1 -n 0 > /dev/null &&
    nvme virt-mgmt $CTRL -c 0 -r 0 -a 1 -n 0 > /dev/null
ok sriov-primary-alloc "virt-mgmt act 1 failed" [ $? = 0 ]
echo 1 > $PFD/reset
ok sriov-pf-flr "nvme0 $(cat /sys/class/nvme/nvme0/state) after the FLR" \
    [ "$(ctrl_of $PF)" = nvme0 ]

echo 0 > $PFD/sriov_drivers_autoprobe
echo 2 > $PFD/sriov_numvfs
VF1=$(basename "$(readlink -f $PFD/virtfn0)")
VF2=$(basename "$(readlink -f $PFD/virtfn1)")
ID1=$(vf_cntlid 1)
ID2=$(vf_cntlid 2)
bad=
for a in "$ID1 0 4" "$ID1 1 2" "$ID2 0 2" "$ID2 1 1"; do
    set -- $a
    nvme virt-mgmt $CTRL -c $1 -r $2 -a 8 -n $3 | grep -q "NRM):0x$3" || bad="$bad assign($a)"
done
nvme virt-mgmt $CTRL -c $ID1 -a 9 > /dev/null || bad="$bad online1"
nvme virt-mgmt $CTRL -c $ID2 -a 9 > /dev/null || bad="$bad online2"
ok sriov-virt-mgmt "$bad" [ -z "$bad" ]
ok sriov-online "VF1 state $(sec_field $ID1 secondary-controller-state) nvq $(sec_field $ID1 num-virtual-queues)" \
    [ "$(sec_field $ID1 secondary-controller-state)" = 1 -a \
      "$(sec_field $ID1 num-virtual-queues)" = 4 -a \
      "$(sec_field $ID2 num-virtual-interrupts)" = 1 ]
nvme attach-ns $CTRL -n 1 -c $ID1 > /dev/null
ok sriov-attach-ns "attach-ns to $ID1 failed" [ $? = 0 ]

for vf in $VF1 $VF2; do
    echo nvme > /sys/bus/pci/devices/$vf/driver_override
    echo $vf > /sys/bus/pci/drivers_probe
done
C1=$(ctrl_of $VF1); C2=$(ctrl_of $VF2)
ok sriov-vf-bound "VF controllers '$C1' '$C2'" [ -n "$C1" -a -n "$C2" ]
ok sriov-vf-cntlid "VF1 cntlid $(nvme id-ctrl /dev/$C1 | field cntlid), want $ID1" \
    [ "$(num "$(nvme id-ctrl /dev/$C1 | field cntlid)")" = "$ID1" ]
NS1=$(blk_of 1); NS2=$(blk_of 2)
ok sriov-namespaces "nsid 1 '$NS1' nsid 2 '$NS2'" [ -n "$NS1" -a -n "$NS2" ]
has_path() { ls -d /sys/class/nvme/$1/nvme*c*n* > /dev/null 2>&1; }
no_path() { ! has_path "$1"; }
ok sriov-vf-path "no namespace path through $C1: $(ls /sys/class/nvme/$C1 | tr '\n' ' ')" \
    has_path $C1
ok sriov-vf2-no-ns "VF 2 ($C2) has a namespace" no_path $C2

# fio verify on VF 1's namespace and the PF's at once, resets under it
mib=16
fio --name=vf --filename=$NS1 --ioengine=libaio --direct=1 --bs=4k --rw=randwrite \
    --iodepth=8 --size=${mib}M --rate_iops=1000 --verify=crc32c --verify_fatal=1 \
    --output-format=terse --terse-version=3 > /tmp/fvf.log 2>&1 &
p1=$!
fio --name=pf --filename=$NS2 --ioengine=libaio --direct=1 --bs=4k --rw=randwrite \
    --iodepth=8 --size=${mib}M --rate_iops=1000 --verify=crc32c --verify_fatal=1 \
    --output-format=terse --terse-version=3 > /tmp/fpf.log 2>&1 &
p2=$!
sleep 2
nvme reset /dev/$C1 || bad="vf reset"
sleep 2
nvme reset $CTRL || bad="$bad pf reset"
rc1=0; rc2=0
wait $p1 || rc1=$?
wait $p2 || rc2=$?
fio_check sriov-fio-vf /tmp/fvf.log $rc1 $((mib * 1024))
fio_check sriov-fio-pf /tmp/fpf.log $rc2 $((mib * 1024))
ok sriov-resets "$bad; states $(cat /sys/class/nvme/$C1/state) $(cat /sys/class/nvme/nvme0/state)" \
    [ -z "$bad" -a "$(cat /sys/class/nvme/$C1/state)" = live -a \
      "$(cat /sys/class/nvme/nvme0/state)" = live ]

# live migration with both controllers at work (sriov-excl: no hops)
setups0=$(dmesg | grep -c 'default/read/poll queues')
mib=24              # at 800 IOPS fio outlasts both hops
for j in vf:$NS1 pf:$NS2; do
    fio --name=${j%%:*} --filename=${j#*:} --ioengine=libaio --direct=1 --bs=4k \
        --rw=randwrite --iodepth=16 --size=${mib}M --rate_iops=800 \
        --verify=crc32c --verify_fatal=1 --output-format=terse \
        --terse-version=3 > /tmp/fm-${j%%:*}.log 2>&1 &
    eval p_${j%%:*}=\$!
done
for i in 1 2; do
    sleep 2
    echo "SRIOV-MIGRATE-$i"
    sleep 3             # the host migrates meanwhile; the guest cannot see it
done
rc1=0; rc2=0
wait $p_vf || rc1=$?
wait $p_pf || rc2=$?
fio_check sriov-migrate-fio-vf /tmp/fm-vf.log $rc1 $((mib * 1024))
fio_check sriov-migrate-fio-pf /tmp/fm-pf.log $rc2 $((mib * 1024))
setups1=$(dmesg | grep -c 'default/read/poll queues')
ok sriov-migrate-kept "queue setups $setups0 -> $setups1; VF1 state $(sec_field $ID1 secondary-controller-state) nvq $(sec_field $ID1 num-virtual-queues); $C1 $(cat /sys/class/nvme/$C1/state)" \
    [ "$setups0" = "$setups1" -a "$(sec_field $ID1 secondary-controller-state)" = 1 -a \
      "$(sec_field $ID1 num-virtual-queues)" = 4 -a \
      "$(cat /sys/class/nvme/$C1/state)" = live ]

echo 0 > $PFD/sriov_numvfs
ok sriov-vfs-gone "VF controllers left: $(ls /sys/class/nvme)" \
    [ ! -e /sys/class/nvme/$C1 -a ! -e /sys/class/nvme/$C2 ]
ok sriov-offline-after-disable "VF1 state $(sec_field $ID1 secondary-controller-state) nvq $(sec_field $ID1 num-virtual-queues)" \
    [ "$(sec_field $ID1 secondary-controller-state)" = 0 -a \
      "$(sec_field $ID1 num-virtual-queues)" = 0 -a \
      "$(nvme primary-ctrl-caps $CTRL | field vqrfa)" = 0 ]
kernel_log_clean sriov-kernel-log-clean
done_

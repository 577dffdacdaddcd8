# Namespace Management from nvme-cli: the subsystem has a 64 MiB capacity
# pool (one image per created namespace in a directory of this boot).
# create-ns, attach-ns (Linux adds the disk on the Namespace Attribute
# Changed event, or after ns-rescan), fio verify on it, detach-ns (the
# disk goes), attach-ns again (the data is still there), detach-ns +
# delete-ns (capacity back), and delete-ns of an attached namespace (it
# is detached first, the disk goes).  nvme smart-log -n and endurance-log
# count the I/O of known size done on namespace 2.  Also the Namespace
# Granularity List and the allocated NVM NSID list (Identify CNS 16h, 1Ah),
# and the "delete all (NSID FFFFFFFFh), create, attach" flow, which takes
# the command line's namespace 1 too.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme-subsys,id=s0,nqn=nsmgmt,pool=@TMP@,pool-size=67108864 -device nvme,id=c0,serial=NVMETEST0001,subsys=s0 -device nvme-ns,drive=d0,bus=c0,nsid=1
. /tests/lib.sh

POOL=67108864
SIZE=$(arg nvmesize 0)
T=/tmp/nsm
mkdir -p $T

# id_ctrl FIELD: numeric Identify Controller field (commas dropped).
id_ctrl() { num "$(nvme id-ctrl $CTRL 2>/dev/null | field "$1" | tr -d ',')"; }

# The block device of namespace N (multipath head: nvme<subsys>nN).
disk() { ls /sys/block 2>/dev/null | grep -E "^nvme[0-9]+n$1\$" | head -n1; }

# wait_disk N yes|no: namespace N's disk (dis)appears (lib.sh).
wait_disk() { wait_ns_disk disk "$@"; }

check_id_ctrl() {
    local oacs tnvmcap unvmcap
    oacs=$(id_ctrl oacs)
    tnvmcap=$(id_ctrl tnvmcap)
    unvmcap=$(id_ctrl unvmcap)
    ok nsm-oacs-nms "oacs $oacs" [ $((oacs & 8)) = 8 ]
    ok nsm-tnvmcap "tnvmcap $tnvmcap, want $((POOL + SIZE))" \
        [ "$tnvmcap" = $((POOL + SIZE)) ]
    ok nsm-unvmcap "unvmcap $unvmcap, want $POOL" [ "$unvmcap" = $POOL ]
    # Namespace Granularity (CTRATT bit 7, Identify CNS 16h): one
    # descriptor, 512-byte NSZE and NCAP granularity
    ok nsm-ctratt-ng "ctratt $(id_ctrl ctratt)" [ $(( $(id_ctrl ctratt) & 128 )) = 128 ]
    nvme id-ns-granularity $CTRL -o binary > $T/gran.bin 2> $T/gran.out
    ok nsm-ns-granularity "numdesc $(od -An -tu1 -j31 -N1 $T/gran.bin) nszeg $(od -An -tu4 -j32 -N4 $T/gran.bin) ncapg $(od -An -tu4 -j40 -N4 $T/gran.bin); $(cat $T/gran.out)" \
        [ "$(od -An -tu1 -j31 -N1 $T/gran.bin | tr -d ' ')" = 0 -a \
          "$(od -An -tu4 -j32 -N4 $T/gran.bin | tr -d ' ')" = 512 -a \
          "$(od -An -tu4 -j40 -N4 $T/gran.bin | tr -d ' ')" = 512 ]
}

# create BLOCKS FLBAS: prints the new NSID.
create() {
    nvme create-ns $CTRL --nsze=$1 --ncap=$1 --flbas=$2 --dps=0 --nmic=0 \
        > $T/create.out 2>&1 || return 1
    sed -n 's/.*nsid[: ]*\([0-9][0-9]*\).*/\1/p' $T/create.out | head -n1
}

attach() { nvme attach-ns $CTRL --namespace-id=$1 --controllers=0 > $T/att.out 2>&1; }
detach() { nvme detach-ns $CTRL --namespace-id=$1 --controllers=0 > $T/det.out 2>&1; }

check_id_ctrl
nsid=$(create 16384 0)          # 8 MiB of 512-byte blocks
ok nsm-create "create-ns: $(cat $T/create.out)" [ "$nsid" = 2 ]
ok nsm-unvmcap-after-create "unvmcap $(id_ctrl unvmcap)" \
    [ "$(id_ctrl unvmcap)" = $((POOL - 8388608)) ]
nvme list-ns $CTRL --all > $T/list.out 2>&1
ok nsm-list-allocated "list-ns --all: $(tr '\n' ' ' < $T/list.out)" \
    grep -q ':0x2$' $T/list.out
nvme list-ns $CTRL --all --csi=0 > $T/list.out 2>&1
ok nsm-list-allocated-nvm "list-ns --all --csi=0: $(tr '\n' ' ' < $T/list.out)" \
    grep -q ':0x2$' $T/list.out
ok nsm-not-active "disk $(disk 2) before attach" [ -z "$(disk 2)" ]

attach 2
ok nsm-attach "$(cat $T/att.out); disks $(ls /sys/block | tr '\n' ' ')" wait_disk 2 yes
NS=/dev/$(disk 2)
sz=$(cat /sys/block/$(disk 2)/size 2>/dev/null)
ok nsm-disk-size "size $sz sectors, want 16384" [ "$sz" = 16384 ]
fio_verify nsm-fio-verify $T/f1.log 4096 --iodepth=8 --size=4M

detach 2
ok nsm-detach "$(cat $T/det.out); disks $(ls /sys/block | tr '\n' ' ')" wait_disk 2 no
attach 2
ok nsm-reattach "$(cat $T/att.out)" wait_disk 2 yes
NS=/dev/$(disk 2)
rc=0
fio_run $T/f2.log --rw=read --size=4M --verify=crc32c --verify_only=1 \
    --do_verify=1 || rc=$?
reattach_ok() { [ $rc = 0 ] && ! grep -qi 'verify.*\(bad\|fail\)' $T/f2.log; }
ok nsm-data-after-reattach "$(tail -n3 $T/f2.log | tr '\n' ' ')" reattach_ok

# Per-namespace SMART (nvme smart-log -n) and the endurance group log
# after I/O of known size on namespace 2: 32 writes of 128 KiB, 64 reads
# of 64 KiB (O_DIRECT, one at a time: one command each), 8192 512-byte
# units each way, which moves the rounded-up thousands by 8 or 9.
# smart_f NSID|all KEY
smart_f() {
    if [ $1 = all ]; then
        nvme smart-log $CTRL -o json 2>/dev/null | jfield $2
    else
        nvme smart-log $CTRL --namespace-id=$1 -o json 2>/dev/null |
            jfield $2
    fi
}
endu_f() {
    nvme endurance-log $CTRL --group-id=1 -o json 2>/dev/null | jfield $1
}
# KEY.NSID=value lines (NSID 1, 2 or all), eg.KEY=value for the group
stats_snap() {
    local f
    for f in host_write_commands host_read_commands data_units_written \
             data_units_read; do
        echo "$f.1=$(smart_f 1 $f)"
        echo "$f.2=$(smart_f 2 $f)"
        echo "$f.all=$(smart_f all $f)"
    done
    for f in host_write_cmds host_read_cmds data_units_written; do
        echo "eg.$f=$(endu_f $f)"
    done
}
# d KEY: how much KEY grew from $T/s0 to $T/s1 ("?" if missing)
d() {
    local a b
    a=$(sed -n "s/^$1=//p" $T/s0); b=$(sed -n "s/^$1=//p" $T/s1)
    [ -n "$a" ] && [ -n "$b" ] && echo $((b - a)) || echo "?"
}
# in_range V LO HI
in_range() { [ "$1" -ge "$2" ] 2>/dev/null && [ "$1" -le "$3" ]; }
# is KEY WANT...: d KEY is one of WANT
is() {
    local v w
    v=$(d $1); shift
    for w in "$@"; do [ "$v" = "$w" ] && return 0; done
    return 1
}
ns2_ok() {
    is host_write_commands.2 32 && is host_read_commands.2 64 &&
        is data_units_written.2 8 9 && is data_units_read.2 8 9
}
ns1_ok() { is host_write_commands.1 0 && is host_read_commands.1 0; }
ctrl_ok() {
    is host_write_commands.all 32 && is host_read_commands.all 64 &&
        is data_units_written.all 8 9
}
eg_ok() {
    is eg.host_write_cmds 32 && is eg.host_read_cmds 64 &&
        in_range "$(sed -n 's/^eg.data_units_written=//p' $T/s1)" 1 1
}
stats_snap > $T/s0
rc=0
fio_run $T/f3.log --rw=write --bs=128k --size=4M --iodepth=1 || rc=$?
fio_run $T/f4.log --rw=read --bs=64k --size=4M --iodepth=1 || rc=$?
stats_snap > $T/s1
echo "nsm stats before: $(tr '\n' ' ' < $T/s0)"
echo "nsm stats after: $(tr '\n' ' ' < $T/s1)"
ok nsm-stats-io "fio rc $rc" [ $rc = 0 ]
why="writes +$(d host_write_commands.2) (32), reads"
why="$why +$(d host_read_commands.2) (64), units written"
why="$why +$(d data_units_written.2), read +$(d data_units_read.2) (8-9)"
ok nsm-smart-ns2 "$why" ns2_ok
why="writes +$(d host_write_commands.1), reads +$(d host_read_commands.1)"
ok nsm-smart-ns1-untouched "$why" ns1_ok
why="writes +$(d host_write_commands.all), reads"
why="$why +$(d host_read_commands.all)"
ok nsm-smart-controller "$why" ctrl_ok
why="writes +$(d eg.host_write_cmds), reads +$(d eg.host_read_cmds);"
why="$why $(tr '\n' ' ' < $T/s1)"
ok nsm-endurance-log "$why" eg_ok
rc=0
nvme smart-log $CTRL --namespace-id=9 > $T/sm9.out 2>&1 || rc=$?
ok nsm-smart-inactive-ns "rc $rc: $(cat $T/sm9.out)" [ $rc != 0 ]

detach 2
wait_disk 2 no
rc=0
nvme delete-ns $CTRL --namespace-id=2 > $T/del.out 2>&1 || rc=$?
ok nsm-delete "rc $rc: $(cat $T/del.out)" [ $rc = 0 ]
ok nsm-unvmcap-after-delete "unvmcap $(id_ctrl unvmcap)" \
    [ "$(id_ctrl unvmcap)" = $POOL ]
nsze=$(num "$(nvme id-ns $CTRL --namespace-id=2 --force 2>/dev/null | field nsze)")
ok nsm-deleted-unallocated "id-ns --force nsze $nsze" [ "$nsze" = 0 ]

# 4 KiB blocks; deleted while attached: detached first, the disk goes
nsid=$(create 1024 1)
ok nsm-create-4k "create-ns: $(cat $T/create.out)" [ "$nsid" = 2 ]
attach 2
ok nsm-attach-4k "$(cat $T/att.out)" wait_disk 2 yes
lbs=$(cat /sys/block/$(disk 2)/queue/logical_block_size 2>/dev/null)
ok nsm-4k-block-size "logical_block_size $lbs" [ "$lbs" = 4096 ]
nvme delete-ns $CTRL --namespace-id=2 > $T/del.out 2>&1
ok nsm-delete-attached "$(cat $T/del.out); disks $(ls /sys/block | tr '\n' ' ')" \
    wait_disk 2 no
ok nsm-ns1-still-there "disks $(ls /sys/block | tr '\n' ' ')" [ -n "$(disk 1)" ]
rc=0
nvme create-ns $CTRL --nsze=200000 --ncap=200000 --flbas=0 > $T/cap.out 2>&1 || rc=$?
no_cap_ok() { [ $rc != 0 ] && grep -qi 'capacity' $T/cap.out; }
ok nsm-insufficient-capacity "rc $rc: $(cat $T/cap.out)" no_cap_ok

# The "delete all, create, attach" flow of test suites and SSD tooling:
# NSID FFFFFFFFh deletes namespace 1 too (the command line's nvme-ns), and
# a namespace created in its place takes NSID 1 with fresh storage.
rc=0
nvme delete-ns $CTRL --namespace-id=0xffffffff > $T/del.out 2>&1 || rc=$?
ok nsm-delete-all "rc $rc: $(cat $T/del.out)" [ $rc = 0 ]
ok nsm-delete-all-disk-gone "disks $(ls /sys/block | tr '\n' ' ')" \
    wait_disk 1 no
nvme list-ns $CTRL --all > $T/list.out 2>&1
ok nsm-delete-all-none-allocated "list-ns --all: $(tr '\n' ' ' < $T/list.out)" \
    [ -z "$(grep ':0x' $T/list.out)" ]
nsid=$(create 16384 0)
ok nsm-create-after-delete-all "create-ns: $(cat $T/create.out)" [ "$nsid" = 1 ]
attach 1
ok nsm-attach-after-delete-all "$(cat $T/att.out)" wait_disk 1 yes
NS=/dev/$(disk 1)
fio_verify nsm-fio-after-delete-all $T/f5.log 4096 --iodepth=8 --size=4M
kernel_log_clean nsm-kernel-log-clean 'timeout|I/O error|disabling'
done_

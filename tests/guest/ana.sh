# Asymmetric Namespace Access guest test: two controllers of one NVM
# subsystem share namespace 1 (ANA group 1).  Controller 1 starts with
# group 1 non-optimized (-device nvme,ana-state=...), so Linux native
# multipath must send I/O through controller 0.  The host then changes the
# group's states with qom-set while the guest runs (host-qmp-at): each
# time Linux must learn the new states (ANA Change notice, ANA log),
# show them in /sys/block/nvme*c*n1/ana_state and move I/O to the
# optimized path, which the per-path I/O counters (sysfs stat) and the
# controllers' own SMART command counters show.  The second change happens
# under fio verify, which must stay clean.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme-subsys,id=s0,nqn=ana -device nvme,id=c0,serial=ANA0001,subsys=s0 -device nvme-ns,drive=d0,bus=c0,nsid=1 -device nvme,id=c1,serial=ANA0001,subsys=s0,ana-state=1:non-optimized
# host-qmp-at: ANA-STEP-A {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c0","property":"ana-state","value":"1:inaccessible"}}
# host-qmp-at: ANA-STEP-A {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c1","property":"ana-state","value":"1:optimized"}}
# host-qmp-at: ANA-STEP-B {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c0","property":"ana-state","value":"1:optimized"}}
# host-qmp-at: ANA-STEP-B {"execute":"qom-set","arguments":{"path":"/machine/peripheral/c1","property":"ana-state","value":"1:change"}}
. /tests/lib.sh

# ctrl_of CNTLID: controller instance (nvmeY) with that controller id.
ctrl_of() {
    local c
    for c in /sys/class/nvme/nvme*; do
        [ "$(cat "$c/cntlid" 2>/dev/null)" = "$1" ] && { basename "$c"; return; }
    done
}

# path_of CNTLID: the hidden path disk of namespace 1 through it.
path_of() {
    local y
    y=$(ctrl_of "$1" | sed 's/^nvme//')
    ls /sys/block | grep -E "^nvme[0-9]+c${y}n1\$" | head -n1
}

ana_state() { cat "/sys/block/$(path_of "$1")/ana_state" 2>/dev/null; }

# wait_states S0 S1: up to 20 s for the paths through cntlid 0 and 1.
wait_states() {
    local i=0
    while { [ "$(ana_state 0)" != "$1" ] || [ "$(ana_state 1)" != "$2" ]; } &&
          [ $i -lt 100 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    [ "$(ana_state 0)" = "$1" ] && [ "$(ana_state 1)" = "$2" ]
}

# ios CNTLID: reads + writes completed on that path (sysfs stat).
ios() {
    awk '{ print $1 + $5 }' "/sys/block/$(path_of "$1")/stat" 2>/dev/null || echo 0
}

# cmds CNTLID: read + write commands the controller counted (SMART log).
cmds() {
    local out r w
    out=$(nvme smart-log "/dev/$(ctrl_of "$1")" -o json 2>/dev/null)
    r=$(echo "$out" | jfield host_read_commands)
    w=$(echo "$out" | jfield host_write_commands)
    echo $(( ${r:-0} + ${w:-0} ))
}

snap() { echo "$(ios 0) $(ios 1) $(cmds 0) $(cmds 1)"; }

# lands NAME CNTLID: fio random reads and writes on the multipath disk;
# PASS when they went through controller CNTLID's path only.
lands() {
    local name=$1 want=$2 other=$((1 - $2)) a b rc=0
    a=$(snap)
    fio_run /tmp/f-$name.log --rw=randrw --size=8M --iodepth=8 || rc=$?
    b=$(snap)
    set -- $a $b
    # $1..$4 before, $5..$8 after: ios0 ios1 cmds0 cmds1
    local d_ios0=$(($5 - $1)) d_ios1=$(($6 - $2)) d_cmd0=$(($7 - $3)) d_cmd1=$(($8 - $4))
    local mine_ios mine_cmd other_ios other_cmd
    if [ "$want" = 0 ]; then
        mine_ios=$d_ios0 other_ios=$d_ios1 mine_cmd=$d_cmd0 other_cmd=$d_cmd1
    else
        mine_ios=$d_ios1 other_ios=$d_ios0 mine_cmd=$d_cmd1 other_cmd=$d_cmd0
    fi
    ok ana-io-$name "fio rc $rc; path I/Os c0 +$d_ios0 c1 +$d_ios1, ctrl commands c0 +$d_cmd0 c1 +$d_cmd1 (want all on cntlid $want)" \
        [ $rc = 0 ] && [ "$mine_ios" -ge 2048 ] && [ "$other_ios" = 0 ] &&
        [ "$mine_cmd" -ge 2048 ] && [ "$other_cmd" -le 4 ]
}

HEAD=$(ls /sys/block | grep -E '^nvme[0-9]+n1$' | head -n1)
NS=/dev/$HEAD
wait_paths 2
ok ana-two-paths "paths: $(ls /sys/block | grep '^nvme' | tr '\n' ' ')" \
    [ "$(paths)" = 2 ] && [ -b "$NS" ]
for f in /sys/class/nvme-subsystem/nvme-subsys*/iopolicy; do
    echo numa > "$f" 2>/dev/null
done

C0=$(ctrl_of 0)
C1=$(ctrl_of 1)
out=$(nvme id-ctrl "/dev/$C1" 2>&1)
cmic=$(echo "$out" | field cmic)
anagrpmax=$(echo "$out" | field anagrpmax)
ok ana-id-ctrl "cmic '$cmic' anagrpmax '$anagrpmax'" \
    [ $(( $(num "$cmic") & 8 )) = 8 ] && [ "$(num "$anagrpmax")" -ge 1 ]
out=$(nvme id-ns "$NS" 2>&1 | field anagrpid)
ok ana-id-ns "anagrpid '$out', sysfs ana_grpid '$(cat /sys/block/$(path_of 0)/ana_grpid 2>/dev/null)'" \
    [ "$(num "$out")" = 1 ] && [ "$(cat /sys/block/$(path_of 0)/ana_grpid 2>/dev/null)" = 1 ]

ok ana-initial-states "c0 '$(ana_state 0)' c1 '$(ana_state 1)'" \
    wait_states optimized non-optimized
lands optimized-c0 0

# host: c0 inaccessible, c1 optimized
echo ANA-STEP-A
ok ana-states-after-change "c0 '$(ana_state 0)' c1 '$(ana_state 1)'" \
    wait_states inaccessible optimized
lands moved-to-c1 1
out=$(nvme read "/dev/$C0" --namespace-id=1 --start-block=0 --block-count=0 \
      --data-size=512 --data=/dev/null 2>&1)
ok ana-inaccessible-status "nvme read via $C0: $(echo "$out" | tr '\n' ' ')" \
    eval 'echo "$out" | grep -qiE "inaccessible|0x302"'

# host, while fio verify runs: c0 optimized again, c1 in transition
rc=0
fio_run /tmp/f-verify.log --rw=randwrite --iodepth=16 --size=32M \
    --verify=crc32c --verify_fatal=1 &
pid=$!
sleep 1
echo ANA-STEP-B
wait $pid || rc=$?
fio_check ana-fio-verify-during-change /tmp/f-verify.log $rc $((32 * 1024))
ok ana-states-during-io "c0 '$(ana_state 0)' c1 '$(ana_state 1)'" \
    wait_states optimized change
lands back-to-c0 0

kernel_log_clean ana-kernel-log-clean 'timeout|disabling|duplicate|rejecting' \
    'I/O error'
done_

# Guest test of Flexible Data Placement through nvme-cli's fdp plugin, on
# upstream's command line (nvme-subsys fdp=on, fdp.runs, fdp.nrg, fdp.nruh;
# nvme-ns fdp.ruhs): CTRATT, the configuration and handle usage logs, the
# Reclaim Unit Handle Status, writes with the data placement directive
# (nvme write --dir-type 2 --dir-spec PID) that fill their reclaim unit and
# the statistics, events enabled with set-events, RUH Update with its Reclaim
# Unit Not Fully Written event, the data placement directive as Directive
# Receive reports it.  The raw (-b) outputs are read at the
# offsets of NVMe Base 2.1.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme-subsys,id=s0,nqn=fdp0,fdp=on,fdp.runs=1M,fdp.nrg=2,fdp.nruh=8 -device nvme,id=c0,serial=NVMETEST0001,subsys=s0 -device nvme-ns,drive=d0,bus=c0,nsid=1,fdp.ruhs=1-3
. /tests/lib.sh

# u16/u32/u64 FILE OFFSET: little-endian value in a raw output
u16() { od -An -tu2 -j"$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '; }
u64() { od -An -tu8 -j"$2" -N8 "$1" | tr -d ' '; }

RU_BLOCKS=2048                  # fdp.runs=1M of 512-byte blocks
PID_RG1_PH1=$((0x8001))         # RGIF 1: group 1, placement handle 1

wait_until 30 [ -b $NS ]
ctratt=$(nvme id-ctrl $CTRL | field ctratt)
ok ctratt-fdps "ctratt $ctratt" [ $(($(num "$ctratt") & 0x80000)) != 0 ]

# --- Directive Receive, Identify Return Parameters: data placement on ---
nvme dir-receive $NS -n 1 -D 0 -O 1 -l 4096 -b > /tmp/dir 2> /tmp/err
ok dir-identify "supported $(od -An -tu1 -j0 -N1 /tmp/dir) enabled $(od -An -tu1 -j32 -N1 /tmp/dir) $(cat /tmp/err)" \
    [ "$(od -An -tu1 -j0 -N1 /tmp/dir | tr -d ' ')" = 5 -a \
      "$(od -An -tu1 -j32 -N1 /tmp/dir | tr -d ' ')" = 5 ]

# --- FDP Configurations (20h) ---
nvme fdp configs $CTRL -e 1 -b > /tmp/conf 2> /tmp/err
fdpa=$(od -An -tu1 -j18 -N1 /tmp/conf | tr -d ' ')
ok configs "nrg $(u32 /tmp/conf 20) nruh $(u16 /tmp/conf 24) runs $(u64 /tmp/conf 32) fdpa $fdpa $(cat /tmp/err)" \
    [ "$(u32 /tmp/conf 20)" = 2 -a "$(u16 /tmp/conf 24)" = 8 -a \
      "$(u64 /tmp/conf 32)" = 1048576 -a \
      "$fdpa" = 129 ]

# --- Reclaim Unit Handle Usage (21h): handles 1-3 host specified ---
nvme fdp usage $CTRL -e 1 -b > /tmp/usage 2> /tmp/err
ruha() { od -An -tu1 -j$((8 + $1 * 8)) -N1 /tmp/usage | tr -d ' '; }
ok usage "nruh $(u16 /tmp/usage 0) ruha $(ruha 0) $(ruha 1) $(ruha 3)" \
    [ "$(u16 /tmp/usage 0)" = 8 -a "$(ruha 0)" = 0 -a "$(ruha 1)" = 1 -a \
      "$(ruha 3)" = 1 -a "$(ruha 4)" = 0 ]

# --- RUH Status: a descriptor per handle and group ---
status() { nvme fdp status $NS -n 1 -b > /tmp/status 2> /tmp/err; }
# ruamw PID: RUAMW of the descriptor with that placement identifier
ruamw() {
    local i n
    status
    n=$(u16 /tmp/status 14)
    for i in $(seq 0 $((n - 1))); do
        if [ "$(u16 /tmp/status $((16 + i * 32)))" = "$1" ]; then
            u64 /tmp/status $((16 + i * 32 + 8))
            return
        fi
    done
}
status
ok ruh-status "nruhsd $(u16 /tmp/status 14) ruamw $(ruamw $PID_RG1_PH1) $(cat /tmp/err)" \
    [ "$(u16 /tmp/status 14)" = 6 -a "$(ruamw $PID_RG1_PH1)" = $RU_BLOCKS ]

stats() { nvme fdp stats $CTRL -e 1 -b > /tmp/stats 2> /tmp/err; u64 /tmp/stats "$1"; }
hbmw0=$(stats 0)
mbe0=$(stats 32)

# --- a placed write fills its unit, statistics follow ---
dd if=/dev/urandom of=/tmp/data bs=4096 count=1 2> /dev/null
ok write-placed "nvme write --dir-type 2 --dir-spec $PID_RG1_PH1" \
    nvme write $NS -s 0 -c 7 -z 4096 -d /tmp/data -T 2 -S $PID_RG1_PH1
ok ruamw-placed "ruamw $(ruamw $PID_RG1_PH1), other group $(ruamw 1)" \
    [ "$(ruamw $PID_RG1_PH1)" = $((RU_BLOCKS - 8)) -a "$(ruamw 1)" = $RU_BLOCKS ]
ok stats-hbmw "hbmw $hbmw0 -> $(stats 0)" [ "$(stats 0)" = $((hbmw0 + 4096)) ]
dd if=$NS of=/tmp/back bs=4096 count=1 iflag=direct 2> /dev/null
ok data-back "read back what was written" cmp -s /tmp/data /tmp/back
dt1=$(nvme write $NS -s 8 -c 7 -z 4096 -d /tmp/data -T 1 -S 0 2>&1)
ok write-dtype-refused "directive type 1: $dt1" \
    eval 'echo "$dt1" | grep -qi "invalid field"'

# --- events: RU Not Fully Written on RUH Update of handle 1 ---
ok set-events "set-events: $(nvme fdp set-events $NS -n 1 -p 1 -t 0 -e 2>&1)" \
    nvme fdp set-events $NS -n 1 -p 1 -t 0 -e
upd=$(nvme fdp update $NS -n 1 -p $PID_RG1_PH1 2>&1)
ok ruh-update "update: $upd; ruamw $(ruamw $PID_RG1_PH1)" \
    [ "$(ruamw $PID_RG1_PH1)" = $RU_BLOCKS ]
nvme fdp events $CTRL -e 1 -E -b > /tmp/events 2> /tmp/err
evtype=$(od -An -tu1 -j64 -N1 /tmp/events | tr -d ' ')
ok host-event "events $(u32 /tmp/events 0) type $evtype pid $(u16 /tmp/events 66) $(cat /tmp/err)" \
    [ "$(u32 /tmp/events 0)" = 1 -a "$evtype" = 0 -a \
      "$(u16 /tmp/events 66)" = $PID_RG1_PH1 ]
ok stats-mbe "mbe $mbe0 -> $(stats 32)" [ "$(stats 32)" = $((mbe0 + 1048576)) ]
kernel_log_clean kernel-log
done_

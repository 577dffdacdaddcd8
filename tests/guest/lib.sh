# Helpers for the guest test scripts (sourced by busybox sh inside the guest).
# Each check prints exactly one line the host runner parses:
#   GUEST-TEST PASS <name>        or        GUEST-TEST FAIL <name>: <why>
# and a script ends with GUEST-DONE.  Inputs come from the kernel command line
# the runner builds: nvmeserial=<serial>, nvmesize=<image bytes>.

CTRL=/dev/nvme0
NS=/dev/nvme0n1

pass() { echo "GUEST-TEST PASS $1"; }
fail() { echo "GUEST-TEST FAIL $1: $2"; }

# ok NAME WHY CMD...: PASS if CMD succeeds, else FAIL with WHY.
ok() {
    local name=$1 why=$2; shift 2
    if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds (true)
# or SECONDS pass (false).
wait_until() {
    local i=0 n=$(($1 * 10))
    shift
    while [ $i -lt $n ]; do
        "$@" && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# gone PID: the process has ended.
gone() { ! kill -0 "$1" 2>/dev/null; }

# arg NAME DEFAULT: value of NAME=... on the kernel command line.
arg() {
    local w
    for w in $(cat /proc/cmdline); do
        case "$w" in "$1"=*) echo "${w#*=}"; return ;; esac
    done
    echo "$2"
}

# field KEY < nvme-cli text output: value of the "KEY : value" line, trimmed.
field() {
    awk -v k="$1" -F: '{ key = $1; gsub(/[ \t]+$/, "", key) }
        key == k { v = substr($0, index($0, ":") + 1); gsub(/^[ \t]+|[ \t]+$/, "", v); print v; exit }'
}

# jfield KEY < nvme-cli JSON: numeric value of "KEY" (nvme-cli quotes 64-bit
# counters as strings; both forms are accepted).
jfield() {
    sed -n "s/.*\"$1\"[ ]*:[ ]*\"\{0,1\}\([0-9][0-9]*\).*/\1/p" | head -n1
}

# Numeric value of a "0x.." or decimal string.
num() { printf '%d' "$1" 2>/dev/null || echo -1; }

# Interrupt count of every nvme0 I/O queue vector, as "qN count" lines.
queue_irqs() {
    awk 'NR == 1 { ncpu = NF; next }
         $NF ~ /^nvme0q[1-9][0-9]*$/ {
             s = 0; for (i = 2; i <= ncpu + 1; i++) s += $i; print $NF, s }' /proc/interrupts
}

# How many queues' counts grew between two queue_irqs snapshots.
queues_grown() {
    awk 'NR == FNR { before[$1] = $2; next } $2 > before[$1] { n++ } END { print n + 0 }' "$1" "$2"
}

# fio_run LOG ARGS...: run fio (libaio, O_DIRECT, terse v3 output) on the
# namespace; returns fio's status.  Terse fields used: 5 error, 6 read KiB,
# 47 write KiB.
fio_run() {
    local log=$1; shift
    fio --name=t --filename=$NS --ioengine=libaio --direct=1 --bs=4k \
        --group_reporting --output-format=terse --terse-version=3 "$@" > "$log" 2>&1
}

# fio_load DEV LOG SECONDS: SECONDS of 4k random reads and writes on DEV,
# QD16, no verification (a device that goes away meanwhile ends it).
fio_load() {
    fio --name=load --filename="$1" --ioengine=libaio --direct=1 --bs=4k \
        --rw=randrw --iodepth=16 --time_based --runtime="$3" \
        --output-format=terse --terse-version=3 > "$2" 2>&1
}

# unplug_under_io PREFIX DEV MARKER ABSENT...: fio load on DEV and a
# verified write job on $NS, then MARKER (the host unplugs what DEV is
# on).  DEV must go (the command ABSENT... succeeds within 60 s), its fio
# end instead of hanging, and $NS's job verify every block.  Checks
# PREFIX-io, PREFIX-gone, PREFIX-fio-ends, PREFIX-verify.
unplug_under_io() {
    local prefix=$1 dev=$2 marker=$3 rc=0 p1 p2
    shift 3
    fio_load "$dev" /tmp/fio-unplug.log 60 &
    p2=$!
    fio_run /tmp/fio-stay.log --rw=randwrite --iodepth=16 --size=16M \
        --rate_iops=1500 --verify=crc32c --verify_fatal=1 &
    p1=$!
    sleep 3
    ok $prefix-io "fio on $dev ended before the unplug" kill -0 $p2
    echo "$marker"
    ok $prefix-gone "$dev still there" wait_until 60 "$@"
    ok $prefix-fio-ends "fio on $dev still runs" wait_until 40 gone $p2
    kill $p2 2>/dev/null
    wait $p2
    wait $p1 || rc=$?
    fio_check $prefix-verify /tmp/fio-stay.log $rc $((16 * 1024))
}

# Whether CMD... prints something / nothing.
has_output() { [ -n "$("$@")" ]; }
no_output() { [ -z "$("$@")" ]; }

# hotplug_round PREFIX ADD-MARKER DEL-MARKER FIND [CHECK]: MARKERs make
# the host plug and unplug a device; FIND prints the name of its disk.
# The disk appears within 60 s, CHECK DISK runs on it, then it goes under
# I/O (unplug_under_io).  Checks PREFIX-add and PREFIX-del-*.
hotplug_round() {
    local prefix=$1 add=$2 del=$3 find=$4 check=${5:-true} disk
    echo "$add"
    ok $prefix-add "no disk appeared" wait_until 60 has_output $find
    disk=$($find)
    [ -n "$disk" ] || return 1
    $check "$disk"
    unplug_under_io $prefix-del /dev/$disk "$del" no_output $find
}

# terse LOG FIELD: a field of fio's (last) terse line.
terse() { grep '^3;' "$1" | tail -n1 | cut -d';' -f"$2"; }

# fio_check NAME LOG STATUS WRITE_KIB: PASS when fio exited 0, reported no
# error, wrote WRITE_KIB and read the same amount back for verification.
fio_check() {
    local name=$1 log=$2 rc=$3 want=$4 err rkb wkb
    err=$(terse "$log" 5); rkb=$(terse "$log" 6); wkb=$(terse "$log" 47)
    if [ "$rc" = 0 ] && [ "$err" = 0 ] && [ "$wkb" = "$want" ] && [ "$rkb" = "$want" ] &&
       ! grep -qi 'verify.*\(bad\|fail\)' "$log"; then
        pass "$name"
    else
        fail "$name" "rc=$rc err=$err wrote=${wkb}KiB read=${rkb}KiB want=${want}KiB; $(grep -v '^3;' "$log" | tail -n3 | tr '\n' ' ')"
    fi
}

# fio_verify NAME LOG KIB FIO-ARGS...: random writes on $NS verified with
# crc32c (FIO-ARGS: size, depth, block size, jobs...); NAME passes when fio
# wrote and read back KIB KiB without an error (fio_check).
fio_verify() {
    local name=$1 log=$2 kib=$3 rc=0
    shift 3
    fio_run "$log" --rw=randwrite --verify=crc32c --verify_fatal=1 "$@" ||
        rc=$?
    fio_check "$name" "$log" $rc "$kib"
}

# reset_under_io PREFIX RESETS: RESETS controller resets, a second apart,
# while a verified write job runs.  The kernel requeues in-flight commands,
# so fio must finish with every block verified.  Linux logs "default/read/
# poll queues" each time it re-creates the I/O queues, which proves the
# resets really happened (at least two of them: a reset issued while the
# previous one still re-creates the queues may be folded into it).  Checks
# PREFIXfio-verify-across-reset and PREFIXcontroller-reset.
reset_under_io() {
    local prefix=$1 resets=$2 rc=0 mib=16 pid before after i bad=
    before=$(dmesg | grep -c 'default/read/poll queues')
    # rate-limited, so the job outlasts the resets however fast the guest
    # is: about 2.7 s of writes, then as long for the verifying reads
    fio_run /tmp/fior.log --rw=randwrite --iodepth=16 --size=${mib}M \
        --rate_iops=1500 --verify=crc32c --verify_fatal=1 &
    pid=$!
    i=0
    while [ $i -lt "$resets" ]; do
        i=$((i + 1))
        sleep 1
        kill -0 $pid 2>/dev/null || { bad="fio ended before reset $i"; break; }
        nvme reset $CTRL || bad="nvme reset $i failed"
    done
    wait $pid || rc=$?
    after=$(dmesg | grep -c 'default/read/poll queues')
    fio_check ${prefix}fio-verify-across-reset /tmp/fior.log $rc $((mib * 1024))
    if [ -z "$bad" ] && [ $((after - before)) -ge 2 ] &&
       [ "$(cat /sys/class/nvme/nvme0/state)" = live ]; then
        pass ${prefix}controller-reset
    else
        fail ${prefix}controller-reset "${bad:-queue setups $before -> $after, state $(cat /sys/class/nvme/nvme0/state)}"
    fi
}

# io_paths_check PREFIX RESETS: the I/O path of a configuration (iothreads,
# doorbells) under load.  fio verify over both vCPUs' queues (each must
# have interrupted), controller resets under a verified write job, and a
# kernel log free of nvme errors.  Checks PREFIX{fio-verify,multi-queue,
# fio-verify-across-reset,controller-reset,kernel-log-clean}.
io_paths_check() {
    local prefix=$1 resets=$2 mib=32 n
    queue_irqs > /tmp/irq0
    fio_verify ${prefix}fio-verify /tmp/fio.log $((2 * mib * 1024)) \
        --iodepth=16 --numjobs=2 --size=${mib}M --offset_increment=${mib}M \
        --cpus_allowed=0-1 --cpus_allowed_policy=split
    queue_irqs > /tmp/irq1
    n=$(queues_grown /tmp/irq0 /tmp/irq1)
    ok ${prefix}multi-queue "only $n I/O queue vector(s) fired: $(tr '\n' ' ' < /tmp/irq1)" [ "$n" -ge 2 ]
    reset_under_io "$prefix" "$resets"
    kernel_log_clean ${prefix}kernel-log-clean
}

# kernel_log_clean NAME [NVME_WORDS] [MORE]: PASS when dmesg shows none
# of the nvme messages NVME_WORDS names (an extended regex alternation;
# default timeouts, aborts, I/O errors, failures, disabling), no block
# layer I/O error, and nothing matching MORE.  (A kernel without P2PDMA
# cannot use a CMB: "failed to register the CMB" is no error here.)
kernel_log_clean() {
    local name=$1 words=${2:-timeout|abort|I/O error|failed|disabling}
    local bad
    bad=$(dmesg | grep -iE "nvme.*($words)|blk_update_request|Buffer I/O error${3:+|$3}" |
          grep -v 'failed to register the CMB' | head -n3)
    ok "$name" "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
}

# fsck_clean NAME: PASS when fsck.ext4 finds the namespace's file system
# clean (read-only check).
fsck_clean() {
    if fsck.ext4 -n -f $NS > /tmp/fsck.log 2>&1; then
        pass "$1"
    else
        fail "$1" "$(tail -n3 /tmp/fsck.log | tr '\n' ' ')"
    fi
}

# paths: how many multipath paths namespace 1 has (nvmeXcYn1 disks).
paths() { ls -d /sys/block/nvme*c*n1 2>/dev/null | wc -l; }

# wait_ns_disk FINDER N yes|no: up to 15 s for namespace N's disk (the
# block device FINDER N names) to (dis)appear; after 5 s ask for a rescan
# in case the event was missed.
wait_ns_disk() {
    local find=$1 i=0 d
    while [ $i -lt 75 ]; do
        d=$($find $2)
        if [ "$3" = yes ]; then
            [ -n "$d" ] && [ -b /dev/$d ] && return 0
        else
            [ -z "$d" ] && return 0
        fi
        [ $i = 25 ] && nvme ns-rescan $CTRL > /dev/null 2>&1
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# durable_pattern: 16 MiB of per-MiB distinct data in /tmp/pattern, what
# durable.sh writes and durable-check.sh finds after the kill.
durable_pattern() {
    local i=0
    while [ $i -lt 16 ]; do
        yes "durable block $i $(arg nvmeserial x)" | head -c 1048576
        i=$((i + 1))
    done > /tmp/pattern
}

# wait_paths N: up to 15 s for namespace 1 to have N paths.
wait_paths() {
    local i=0
    while [ "$(paths)" != "$1" ] && [ $i -lt 75 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    [ "$(paths)" = "$1" ]
}

# dbbuf_oacs: OACS bit 8 of Identify Controller (Doorbell Buffer Config,
# which decides whether Linux uses shadow doorbells): 256 or 0.
dbbuf_oacs() {
    echo $(( $(num "$(nvme id-ctrl $CTRL | field oacs)") & 0x100 ))
}

# The nvme0 PCI function's BAR N start address (hex, 0x...).
bar_addr() {
    sed -n "$(($1 + 1))p" /sys/class/nvme/nvme0/device/resource | cut -d' ' -f1
}

# reg32 OFF [VALUE]: read (or write) a 32-bit controller register with
# busybox devmem (needs iomem=relaxed: the nvme driver holds BAR 0).
reg32() {
    devmem $(( $(bar_addr 0) + $1 )) 32 $2
}

# cmb_checks PREFIX CMBSZ CMBLOC V14: Linux found the CMB (a kernel
# without P2PDMA says "failed to register the CMB" after reading CMBSZ and
# writing CMBMSC), CAP.CMBS = V14, and the registers as a guest sees them:
# with the 1.4 scheme CMBLOC/CMBSZ only while CMBMSC.CRE is set (Linux
# clears CMBMSC again when it cannot use the CMB), with the legacy one
# always, CMBMSC then ignoring writes.
cmb_checks() {
    local p=$1 cap sz loc msc
    ok ${p}linux-found "no 'failed to register the CMB' in dmesg" \
        dmesg_has 'failed to register the CMB'
    cap=$(reg32 4)
    ok ${p}cap-cmbs "CAP high dword $cap" [ $(( (cap >> 25) & 1 )) = "$4" ]
    [ "$4" = 1 ] && reg32 0x50 1
    sz=$(reg32 0x3c); loc=$(reg32 0x38); msc=$(reg32 0x50)
    ok ${p}cmbsz "CMBSZ $sz, want $2" [ "$(num "$sz")" = "$(num "$2")" ]
    ok ${p}cmbloc "CMBLOC $loc, want $3" [ "$(num "$loc")" = "$(num "$3")" ]
    ok ${p}cmbmsc "CMBMSC $msc" [ "$(num "$msc")" = "$4" ]
    reg32 0x50 0
    [ "$4" = 1 ] && sz=$(reg32 0x3c) && ok ${p}cmbsz-hidden \
        "CMBSZ $sz with CMBMSC.CRE clear" [ "$(num "$sz")" = 0 ]
}

dmesg_has() { dmesg | grep -q "$1"; }

# Offsets in the 16 MiB PMR that pmr_store writes and their values.
PMR_OFFS="0 4 4096 65536 16777212"
pmr_word() { printf '0x%08x' $(( ($1 * 2654435761 + 0x5eed) & 0xffffffff )); }

# pmr_checks PREFIX: CAP.PMRS, PMRCAP (RDS WDS BIR 4 PMRWBM 2 CMSS:
# 1000898h), BAR 4 reading 0 while PMRCTL.EN is clear, then enabling it.
pmr_checks() {
    local p=$1 cap pmrcap sts bar4
    cap=$(reg32 4)
    ok ${p}cap-pmrs "CAP high dword $cap" [ $(( (cap >> 24) & 1 )) = 1 ]
    pmrcap=$(reg32 0xe00)
    ok ${p}pmrcap "PMRCAP $pmrcap" [ "$(num "$pmrcap")" = $((0x1000898)) ]
    sts=$(reg32 0xe08)
    bar4=$(devmem $(bar_addr 4) 32)
    ok ${p}disabled "PMRSTS $sts, BAR 4 word 0 $bar4" \
        [ "$(num "$sts")" = 256 -a "$(num "$bar4")" = 0 ]
    reg32 0xe04 1
    sts=$(reg32 0xe08)
    ok ${p}enabled "PMRCTL $(reg32 0xe04) PMRSTS $sts" [ "$(num "$sts")" = 0 ]
}

# Store the pattern through BAR 4.
pmr_store() {
    local o
    for o in $PMR_OFFS; do devmem $(( $(bar_addr 4) + o )) 32 $(pmr_word $o); done
}

# The offsets where BAR 4 does not hold the pattern (empty: all do).
pmr_pattern_bad() {
    local o v
    for o in $PMR_OFFS; do
        v=$(devmem $(( $(bar_addr 4) + o )) 32)
        [ "$(num "$v")" = "$(num "$(pmr_word $o)")" ] || printf '%s=%s ' $o "$v"
    done
}

done_() { echo "GUEST-DONE"; }

# migrate_under_fio PREFIX: fio with verify at QD32 on two queues while
# the host migrates the VM at the markers MIGRATE-1..4 (a boot's
# host-migrate-at lines); every block verifies, the kernel log shows no
# nvme timeout, abort or reset, the controller keeps its queues.  The
# markers are printed a few seconds apart while fio runs (rate-limited,
# so it outlasts them).
migrate_under_fio() {
    local prefix=$1 rc=0 mib=48 pid bad setups0 setups1
    setups0=$(dmesg | grep -c 'default/read/poll queues')
    fio_run /tmp/fiom.log --rw=randwrite --iodepth=32 --numjobs=2 \
        --size=${mib}M --offset_increment=${mib}M --cpus_allowed=0-1 \
        --cpus_allowed_policy=split --rate_iops=1200 \
        --verify=crc32c --verify_fatal=1 &
    pid=$!
    for i in 1 2 3 4; do
        sleep 2
        echo "MIGRATE-$i"
        # the next marker only once this hop is over: the host answers
        # by migrating, which the guest cannot see; give it time
        sleep 3
    done
    wait $pid || rc=$?
    fio_check ${prefix}fio-verify-across-migrations /tmp/fiom.log $rc \
        $((2 * mib * 1024))
    setups1=$(dmesg | grep -c 'default/read/poll queues')
    bad=$(dmesg | grep -iE 'nvme.*(timeout|abort|reset|I/O error|failed|disabling)|blk_update_request|Buffer I/O error' | head -n3)
    ok ${prefix}kernel-log-clean "$(echo "$bad" | tr '\n' ' ')" [ -z "$bad" ]
    ok ${prefix}no-controller-reset "queue setups $setups0 -> $setups1" \
        [ "$setups0" = "$setups1" ]
    ok ${prefix}controller-live "state $(cat /sys/class/nvme/nvme0/state)" \
        [ "$(cat /sys/class/nvme/nvme0/state)" = live ]
}

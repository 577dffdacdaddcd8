#!/usr/bin/env bash
# The project's benchmark (`make bench`): informational, never a test.
#
#   1. Device cost without a guest CPU: tests/qtest/nvme-loadgen-bench drives
#      (a) our nvme and (b) upstream QEMU's nvme (Debian's qemu-system-x86
#      10.0, ioeventfd=on) on a null-co node through the qtest socket, at
#      QD1, QD32 and in batches of thousands of commands per doorbell, and
#      reports commands per host-CPU second of the QEMU process; then the
#      same batches run under callgrind: instructions per command, with the
#      protocol-only traffic (same qtest bytes, doorbells that change
#      nothing) subtracted.  The "lean-" phases beside them keep the
#      generator cheap (SQEs written once, only doorbells and one CQE read
#      per chunk of commands, interrupts off), so that the device rather
#      than the qtest protocol is measured; callgrind runs them too
#      (lean-batch:read: instructions per 4 KiB read).  Part "zoned": the generator on a zoned
#      namespace (both devices), writes at the write pointer and Zone
#      Appends at QD1 and QD32 beside the plain writes.
#   2. The test guest (scripts/build-guest.sh) runs fio 4k random read and
#      write at QD1 and QD32 (libaio and io_uring, numjobs = vCPUs) and 128k
#      sequential read on (a) our nvme, (a') our nvme with its I/O queues in
#      an iothread, (b) upstream's nvme, (c) virtio-blk with an iothread in
#      our build; backends null-co and a raw image on
#      tmpfs; configurations alternate, each repeated.  Host CPU of the QEMU
#      process is sampled from /proc/PID/stat during each job's steady state.
#   3. Scaling (part "scaling"): the load generator on our nvme with its
#      queue pairs dealt out over iothreads, K iothreads x Q pairs for each
#      of BENCH_SCALING (default "1:1 2:2 2:4 2:2:ns"; ":ns" gives each
#      queue a namespace on a null-co node of its own), batch and QD32 reads,
#      plain and lean, and lean batch reads on queues of 16384 entries
#      (lean16k: the generator rings a doorbell per 8191 commands, little
#      enough for two iothreads): commands per wall second, per CPU second of the
#      QEMU process and per CPU second of its iothreads (the figure that
#      does not depend on the generator), and how long the iothreads
#      waited for a CPU.
#   4. Live migration (part "migrate", runnable alone: BENCH_PARTS=migrate):
#      the guest runs fio 4k random read/write at QD32 on the tmpfs image
#      while the host migrates the VM to a fresh QEMU BENCH_MIG_HOPS times
#      (A to B to C ...) for (a), (a') and (c); query-migrate's downtime
#      and total time per hop.  Upstream's nvme is tried once: it refuses.
#   5. scripts/bench-report.py prints the table, the ratios to (b) and (c)
#      and the goals of the performance issue; from the callgrind files it
#      also counts the mutex acquisitions per command (all of them, and
#      those taken by hw/nvme) and lists where the instructions go.
#
# Env: BENCH_QUICK=1 (about 3 min instead of about 12), BENCH_REPEATS,
# BENCH_TIME / BENCH_RAMP (fio seconds measured / warm-up per job),
# BENCH_PARTS="loadgen zoned callgrind scaling guest migrate" (subset),
# BENCH_SCALING, BENCH_BACKENDS="null file",
# BENCH_MIG_HOPS (migrations per boot), BENCH_MIG_DEVICES ("ours oursio
# virtio upstream"),
# BENCH_DEVICES="ours oursio upstream virtio", BENCH_JOBS (RW:BS:QD:ENGINE,...),
# ACCEL=kvm|tcg (skips the KVM probe), QEMU (our build), UPSTREAM_QEMU
# (/usr/bin/qemu-system-x86_64), BENCH_OUT (results folder), BENCH_OURS_PROPS
# (appended to our -device nvme in the guest runs, e.g. ",ioeventfd=off").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/common.sh"

QEMU=${QEMU:-$QEMU_BUILD_DIR/qemu-system-x86_64}
UPSTREAM_QEMU=${UPSTREAM_QEMU:-/usr/bin/qemu-system-x86_64}
LOADGEN=$QEMU_BUILD_DIR/tests/qtest/nvme-loadgen-bench
GUEST="$NVME_CACHE/guest"
BENCH_OUT=${BENCH_OUT:-$NVME_CACHE/bench/$(date +%Y%m%d-%H%M%S)}

if [ -n "${BENCH_QUICK:-}" ]; then
    : "${BENCH_REPEATS:=1}" "${BENCH_TIME:=2}" "${BENCH_RAMP:=1}"
    : "${BENCH_LOADGEN_SECONDS:=1}" "${BENCH_CALLGRIND_CMDS:=20000}"
    : "${BENCH_JOBS:=randread:4k:1:libaio,randread:4k:32:libaio,randwrite:4k:32:io_uring,read:128k:16:libaio}"
else
    : "${BENCH_REPEATS:=2}" "${BENCH_TIME:=3}" "${BENCH_RAMP:=1}"
    : "${BENCH_LOADGEN_SECONDS:=2}" "${BENCH_CALLGRIND_CMDS:=40000}"
    : "${BENCH_JOBS:=randread:4k:1:libaio,randwrite:4k:1:libaio,randread:4k:32:libaio,randwrite:4k:32:libaio,randread:4k:1:io_uring,randwrite:4k:1:io_uring,randread:4k:32:io_uring,randwrite:4k:32:io_uring,read:128k:16:libaio}"
fi
BENCH_PARTS=${BENCH_PARTS:-loadgen zoned callgrind scaling guest migrate}
BENCH_SCALING=${BENCH_SCALING:-1:1 2:2 2:4 2:2:ns}
BENCH_MIG_HOPS=${BENCH_MIG_HOPS:-$([ -n "${BENCH_QUICK:-}" ] && echo 2 || echo 4)}
BENCH_MIG_DEVICES=${BENCH_MIG_DEVICES:-ours oursio virtio upstream}
# the guest's fio outlasts the hops (about 6 s each under TCG)
BENCH_MIG_SECONDS=$(( 15 + 8 * BENCH_MIG_HOPS ))
BENCH_BACKENDS=${BENCH_BACKENDS:-null file}
BENCH_DEVICES=${BENCH_DEVICES:-ours oursio upstream virtio}
LOADGEN_PHASES=qd1:read,qd1:write,qd32:read,qd32:write,batch:read,batch:write
# the lean generator (SQEs written once, doorbells and one CQE read per
# chunk, IEN=0): the device's cost rather than the qtest protocol's
LEAN_PHASES=lean-qd32:read,lean-batch:read,lean-batch:write
# zoned namespace (16 MiB zones on 8 GiB): writes at the write pointer and
# Zone Appends, each queue filling zones of its own
ZONED_PHASES=qd1:write,qd32:write,qd1:append,qd32:append
IMG_MB=1024
# A copy of our binary outside the build tree finds no firmware by itself.
FIRMWARE="-L /usr/share/seabios -L /usr/share/qemu"
BOOT_TIMEOUT=$(( 60 + 30 * $(echo "$BENCH_JOBS" | tr ',' '\n' | wc -l) * (BENCH_TIME + BENCH_RAMP + 2) / 3 ))

tmp=$(mktemp -d)
img=/dev/shm/nvme-bench-$$.img
qpid=
cleanup() {
    if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null || true; fi
    rm -rf "$tmp"; rm -f "$img"
}
trap cleanup EXIT
say() { printf '%s\n' "$*"; }
has_part() { case " $BENCH_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
has_dev() { case " $BENCH_DEVICES " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- setup

# Upstream's nvme comes from Debian's qemu-system-x86 10.0 (bookworm-backports,
# an apt source setup-deps.sh derives); valgrind for instruction counts.
ensure_tools() {
    bash "$here/setup-deps.sh"
    if [ "$UPSTREAM_QEMU" = /usr/bin/qemu-system-x86_64 ] && [ ! -x "$UPSTREAM_QEMU" ]; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
            -t bookworm-backports qemu-system-x86
    fi
    if has_part callgrind && ! command -v valgrind > /dev/null; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends valgrind
    fi
    [ -x "$UPSTREAM_QEMU" ] || { say "bench: no upstream QEMU at $UPSTREAM_QEMU" >&2; exit 1; }
}

# KVM only if a guest really boots under it (same probe and cache as
# tests/guest/run.sh): ACCEL overrides.
pick_accel() {
    local bin=$1 key cache verdict=tcg
    if [ -n "${ACCEL:-}" ]; then echo "$ACCEL"; return; fi
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
    key=$(printf '%s %s' "$(uname -r)" "$(readlink -f "$bin")" | md5sum | cut -c1-12)
    cache="$GUEST/accel.$key"
    if [ -f "$cache" ]; then cat "$cache"; return; fi
    if timeout -k 5 15 "$bin" -machine q35 -accel kvm -m 1G -smp 2 -nographic -no-reboot \
           -nic none -L /usr/share/seabios -L /usr/share/qemu -kernel "$GUEST/vmlinux" \
           -initrd "$GUEST/initramfs.cpio.gz" -append "console=ttyS0 panic=-1 nvmetest=probe" \
           < /dev/null > "$tmp/probe.log" 2>&1 && grep -q GUEST-PROBE-OK "$tmp/probe.log"; then
        verdict=kvm
    fi
    echo "$verdict" > "$cache"
    echo "$verdict"
}

machine_info() {
    say "host: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))," \
        "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
        "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    say "ours: $QEMU"
    say "upstream: $UPSTREAM_QEMU ($(dpkg-query -W -f '${Package} ${Version}' qemu-system-x86 2>/dev/null || echo unknown package))"
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

# ---------------------------------------------------------------- loadgen

# loadgen_run DEV [ENV...]: run the generator against DEV with extra env.
loadgen_run() {
    local dev=$1 bin=$QEMU_RUN props=; shift
    if [ "$dev" = upstream ]; then bin=$UPSTREAM_QEMU; props=,ioeventfd=on; fi
    env QTEST_QEMU_BINARY="${QTEST_WRAPPER:-$bin}" REAL_QEMU="$bin" \
        NVME_BENCH_DEVPROPS="$props" NVME_BENCH_ACCEL="-accel tcg -S $FIRMWARE" "$@" \
        timeout 600 "$LOADGEN_RUN" 2> "$tmp/loadgen.err" | grep '^NVME-BENCH' || {
        say "bench: load generator failed on $dev:" >&2; tail -n 5 "$tmp/loadgen.err" >&2; return 1; }
}

# run_loadgen TITLE PHASES [ENV...]: the generator on both devices, each
# repeat alternating them.
run_loadgen() {
    local title=$1 phases=$2 r dev
    shift 2
    say "== $title (load $(load))"
    for r in $(seq 1 "$BENCH_REPEATS"); do
        for dev in ours upstream; do
            loadgen_run "$dev" NVME_BENCH_PHASES="$phases" \
                NVME_BENCH_SECONDS="$BENCH_LOADGEN_SECONDS" "$@" |
            while read -r _ first rest; do
                case $first in phase=*) say "L $dev $r $first $rest" >> "$results" ;; esac
                say "  $dev #$r: $first $rest"
            done
        done
    done
}

# Instructions of the whole QEMU process under callgrind, N commands minus
# the same qtest traffic with doorbells that start nothing: batch:mixed
# (the history) and lean-batch:read (the lean generator's 4 KiB reads).
run_callgrind() {
    local dev mode ir n=$BENCH_CALLGRIND_CMDS line cmds polls
    say "== callgrind: $n commands (batch:mixed, lean-batch:read) per device (load $(load))"
    mkdir -p "$tmp/cg"
    # libqtest execs QTEST_QEMU_BINARY; the wrapper keeps the name's
    # "-system-x86_64" suffix libqtest derives the target from.
    cat > "$tmp/cg/qemu-system-x86_64" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$tmp/cg/out.%p \
    --dump-instr=no --compress-strings=no "\$REAL_QEMU" "\$@" 2> $tmp/cg/valgrind.log
EOF
    chmod +x "$tmp/cg/qemu-system-x86_64"
    for dev in ours upstream; do
        for mode in 1 0; do
            rm -f "$tmp"/cg/out.*
            QTEST_WRAPPER=$tmp/cg/qemu-system-x86_64 loadgen_run "$dev" \
                NVME_BENCH_PHASES=batch:mixed NVME_BENCH_COMMANDS="$n" \
                NVME_BENCH_NOOP="$mode" > /dev/null
            ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp"/cg/out.* | head -n1)
            # kept for callgrind_annotate (inclusive costs per function)
            cp "$(ls "$tmp"/cg/out.* | head -n1)" "$BENCH_OUT/callgrind-$dev-noop$mode.out"
            say "C $dev noop=$mode cmds=$n ir=$ir" >> "$results"
            say "  $dev $([ "$mode" = 1 ] && echo "protocol only" || echo "$n commands"): $ir instructions"
            # lean: n rounded up to whole chunks; the polls that found a
            # chunk running are the protocol left in the difference
            rm -f "$tmp"/cg/out.*
            line=$(QTEST_WRAPPER=$tmp/cg/qemu-system-x86_64 loadgen_run "$dev" \
                NVME_BENCH_PHASES=lean-batch:read NVME_BENCH_COMMANDS="$n" \
                NVME_BENCH_NOOP="$mode" | grep phase=) || return 1
            cmds=$(sed -n 's/.* cmds=\([0-9]*\).*/\1/p' <<< "$line")
            polls=$(sed -n 's/.* polls=\([0-9]*\).*/\1/p' <<< "$line")
            ir=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$tmp"/cg/out.* | head -n1)
            cp "$(ls "$tmp"/cg/out.* | head -n1)" "$BENCH_OUT/callgrind-$dev-lean-noop$mode.out"
            say "CL $dev noop=$mode cmds=$cmds ir=$ir polls=$polls" >> "$results"
            say "  $dev lean $([ "$mode" = 1 ] && echo "protocol only" || echo "$cmds commands"): $ir instructions, $polls polls"
        done
    done
}

# K iothreads driving Q queue pairs: does command processing scale over
# iothreads?  Configurations alternate within each repeat.
# K:Q:ns gives each queue a namespace on a null-co node of its own (no
# block node shared between the iothreads); reported as Q "Qns".
run_scaling() {
    local r cfg k q ns
    say "== scaling: iothreads x queue pairs, load generator (load $(load))"
    for r in $(seq 1 "$BENCH_REPEATS"); do
        for cfg in $BENCH_SCALING; do
            IFS=: read -r k q ns <<< "$cfg"
            { loadgen_run ours NVME_BENCH_PHASES=batch:read,qd32:read,lean-batch:read,lean-qd32:read \
                NVME_BENCH_SECONDS="$BENCH_LOADGEN_SECONDS" \
                NVME_BENCH_IOTHREADS="$k" NVME_BENCH_QUEUES="$q" \
                NVME_BENCH_NS_PER_QUEUE="$([ "$ns" = ns ] && echo 1 || echo 0)"
              # the largest queues (mqes): a doorbell per 8191 commands, so
              # that the generator is not what two iothreads wait for
              loadgen_run ours NVME_BENCH_PHASES=lean-batch:read \
                NVME_BENCH_SECONDS="$BENCH_LOADGEN_SECONDS" \
                NVME_BENCH_MQES=16383 NVME_BENCH_QSIZE=16384 NVME_BENCH_LEAN_QSIZE=16384 \
                NVME_BENCH_IOTHREADS="$k" NVME_BENCH_QUEUES="$q" \
                NVME_BENCH_NS_PER_QUEUE="$([ "$ns" = ns ] && echo 1 || echo 0)" |
                sed 's/phase=lean-batch:read/phase=lean16k-batch:read/'; } |
            while read -r _ first rest; do
                case $first in phase=*)
                    say "S $k $q$ns $r $first $rest" >> "$results"
                    say "  $k iothread(s) x $q pair(s)${ns:+ (a namespace each)} #$r: $first $rest" ;;
                esac
            done
        done
    done
}

# ---------------------------------------------------------------- guest

pack_initrd() {
    mkdir -p "$tmp/cpio/tests"
    cp "$repo/tests/guest/lib.sh" "$repo/tests/guest/bench.sh" "$tmp/cpio/tests/"
    (cd "$tmp/cpio" && find tests | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
        gzip -n > "$tmp/tests.cpio.gz"
    cat "$GUEST/initramfs.cpio.gz" "$tmp/tests.cpio.gz" > "$tmp/initrd.gz"
}

# QEMU process CPU seconds (utime + stime, all threads).
proc_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' \
        "/proc/$1/stat" 2>/dev/null || echo 0
}

# guest_cmd DEV BACKEND: the QEMU command line, one word per line.
guest_cmd() {
    local dev=$1 backend=$2 accel=$ACCEL_OURS bin=$QEMU_RUN bdev=nvme0n1 append
    [ "$dev" = upstream ] && { bin=$UPSTREAM_QEMU; accel=$ACCEL_UPSTREAM; }
    append="console=ttyS0 loglevel=4 panic=-1 nvmetest=bench benchjobs=$BENCH_JOBS"
    append="$append benchtime=$BENCH_TIME benchramp=$BENCH_RAMP ${BENCH_APPEND:-}"
    printf '%s\n' "$bin" -machine q35 -accel "$accel" -m 1G -smp 2 -nographic -no-reboot \
        -nic none -L /usr/share/seabios -L /usr/share/qemu \
        -kernel "$GUEST/vmlinux" -initrd "$tmp/initrd.gz"
    case $backend in
        null) printf '%s\n' -blockdev \
                  "driver=null-co,node-name=d0,size=$((IMG_MB << 20)),read-zeroes=on" ;;
        file) printf '%s\n' -blockdev \
                  "driver=raw,node-name=d0,file.driver=file,file.filename=$img" ;;
    esac
    case $dev in
        ours) printf '%s\n' -device nvme,drive=d0,serial=BENCH0001${BENCH_OURS_PROPS:-} ;;
        oursio) printf '%s\n' -object iothread,id=iot0 \
                    -device nvme,drive=d0,serial=BENCH0001,iothread=iot0${BENCH_OURS_PROPS:-} ;;
        upstream) printf '%s\n' -device nvme,drive=d0,serial=BENCH0001,ioeventfd=on ;;
        virtio) printf '%s\n' -object iothread,id=iot0 \
                    -device virtio-blk-pci,drive=d0,iothread=iot0,num-queues=2
                bdev=vda; append="$append nvmewait=0" ;;
    esac
    printf '%s\n' -append "$append benchdev=$bdev"
}

# guest_lines DEV BACKEND REP: handle the console lines that arrived since
# the last call (log, seen and qpid are guest_boot's).  On BENCH-RUN, sample
# QEMU's CPU time over the job's steady state (after the ramp).
guest_lines() {
    local dev=$1 backend=$2 rep=$3 n line spec c0 c1 t0 t1
    n=$(wc -l < "$log" 2>/dev/null || echo 0)
    [ "$n" -gt "$seen" ] || return 0
    while IFS= read -r line; do
        case $line in
            BENCH-RUN\ *)
                spec=${line#BENCH-RUN }
                kill -0 "$qpid" 2>/dev/null || continue
                sleep "$(awk -v r="$BENCH_RAMP" 'BEGIN { print r + 0.7 }')"
                c0=$(proc_cpu "$qpid"); t0=$(date +%s.%N)
                sleep "$(awk -v t="$BENCH_TIME" 'BEGIN { print t - 0.9 }')"
                c1=$(proc_cpu "$qpid"); t1=$(date +%s.%N)
                say "U $backend $spec $dev $rep $(awk -v a="$c0" -v b="$c1" -v s="$t0" -v e="$t1" \
                    'BEGIN { printf "%.3f", (b - a) / (e - s) }')" >> "$results" ;;
            BENCH-RESULT\ *)
                set -- ${line#BENCH-RESULT }
                say "G $backend $1 $dev $rep ${*:2}" >> "$results"
                say "    $dev $1: ${*:2}" ;;
            BENCH-INFO\ *) [ "$rep" != 1 ] || say "    $dev: ${line#BENCH-INFO }" ;;
            BENCH-ERROR*|BENCH-FIO-MSG*|*Kernel\ panic*) say "    $dev: $line" ;;
        esac
    done < <(sed -n "$((seen + 1)),${n}p" "$log" | tr -d '\r')
    seen=$n
}

# guest_boot DEV BACKEND REP: boot one configuration, collect its results.
guest_boot() {
    local dev=$1 backend=$2 rep=$3 log cmd seen=0 t_start
    log="$BENCH_OUT/guest-$backend-$dev-$rep.log"
    mapfile -t cmd < <(guest_cmd "$dev" "$backend")
    if [ "$rep" = 1 ] && [ "$backend" = "${BENCH_BACKENDS%% *}" ]; then
        say "$dev: $(printf '%s ' "${cmd[@]}" | sed "s|$tmp|TMP|g")" >> "$BENCH_OUT/cmdlines.txt"
    fi
    t_start=$SECONDS
    : > "$log"   # exists before the monitor below reads it
    "${cmd[@]}" < /dev/null >> "$log" 2>&1 &
    qpid=$!
    while kill -0 "$qpid" 2>/dev/null; do
        if [ $((SECONDS - t_start)) -gt "$BOOT_TIMEOUT" ]; then
            say "  $dev/$backend #$rep: timed out after ${BOOT_TIMEOUT}s"
            kill "$qpid"; sleep 2; kill -9 "$qpid" 2>/dev/null || true
            break
        fi
        guest_lines "$dev" "$backend" "$rep"
        sleep 0.2
    done
    wait "$qpid" 2>/dev/null || true
    guest_lines "$dev" "$backend" "$rep"   # what arrived just before exit
    qpid=
    grep -q BENCH-DONE "$log" || say "  $dev/$backend #$rep: guest did not finish; see $log"
}

run_guest() {
    local backend r dev
    "$here/build-guest.sh" > /dev/null
    pack_initrd
    ACCEL_OURS=$(pick_accel "$QEMU")
    ACCEL_UPSTREAM=$(pick_accel "$UPSTREAM_QEMU")
    for dev in $BENCH_DEVICES; do
        if [ "$dev" = upstream ]; then say "A $dev $ACCEL_UPSTREAM"; else say "A $dev $ACCEL_OURS"; fi >> "$results"
    done
    for backend in $BENCH_BACKENDS; do
        if [ "$backend" = file ]; then
            rm -f "$img"
            fallocate -l "${IMG_MB}M" "$img" 2>/dev/null || truncate -s "${IMG_MB}M" "$img"
        fi
        for r in $(seq 1 "$BENCH_REPEATS"); do
            say "== guest fio, backend $backend, round $r/$BENCH_REPEATS (load $(load))"
            for dev in $BENCH_DEVICES; do
                guest_boot "$dev" "$backend" "$r"
            done
        done
        rm -f "$img"
    done
}

# ---------------------------------------------------------------- migrate

# mig_until PATTERN PID DEADLINE LOGS...: wait until the joined console
# LOGS show PATTERN, while QEMU PID runs and before DEADLINE (epoch s).
mig_until() {
    local pat=$1 pid=$2 deadline=$3; shift 3
    until cat "$@" 2>/dev/null | tr -d '\r' | grep -aq -- "$pat"; do
        kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# mig_field JSON KEY: a value of migrate.py's result line.
mig_field() {
    python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"
}

# mig_boot DEV REP: boot DEV on the image with the fio load, migrate it
# BENCH_MIG_HOPS times once the load runs, record each hop's figures.
mig_boot() {
    local dev=$1 rep=$2 g=0 pid next hop res cmd=() logs=()
    local deadline=$(( $(date +%s) + BOOT_TIMEOUT + BENCH_MIG_SECONDS ))
    mapfile -t cmd < <(BENCH_APPEND="benchmig=$BENCH_MIG_SECONDS" guest_cmd "$dev" file)
    logs=("$BENCH_OUT/mig-$dev-$rep.0.log")
    "${cmd[@]}" -qmp "unix:$tmp/mig.qmp0,server=on,wait=off" < /dev/null > "${logs[0]}" 2>&1 &
    pid=$!
    qpid=$pid
    if ! mig_until BENCH-MIG-READY "$pid" "$deadline" "${logs[@]}"; then
        say "  $dev #$rep: the guest load never started; see ${logs[0]}"
        kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; qpid=
        return
    fi
    for hop in $(seq 1 "$BENCH_MIG_HOPS"); do
        sleep 2
        logs+=("$BENCH_OUT/mig-$dev-$rep.$((g + 1)).log")
        "${cmd[@]}" -qmp "unix:$tmp/mig.qmp$((g + 1)),server=on,wait=off" -incoming defer \
            < /dev/null > "${logs[g + 1]}" 2>&1 &
        next=$!
        if res=$(python3 "$repo/tests/guest/migrate.py" "$tmp/mig.qmp$g" \
                 "$tmp/mig.qmp$((g + 1))" "unix:$tmp/mig.sock$g" live); then
            say "MIG $dev $rep $hop downtime=$(mig_field "$res" downtime)" \
                "total=$(mig_field "$res" total-time) setup=$(mig_field "$res" setup-time)" >> "$results"
            say "    $dev #$rep hop $hop: downtime $(mig_field "$res" downtime) ms," \
                "total $(mig_field "$res" total-time) ms"
            wait "$pid" 2>/dev/null || true
            pid=$next qpid=$next g=$((g + 1))
        else
            say "MIGFAIL $dev $rep $hop $(mig_field "$res" error)" >> "$results"
            say "    $dev #$rep hop $hop: $(mig_field "$res" status): $(mig_field "$res" error)"
            kill -9 "$next" 2>/dev/null || true; wait "$next" 2>/dev/null || true
            break
        fi
    done
    while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    qpid=
    cat "${logs[@]}" | tr -d '\r' | sed -n 's/^BENCH-RESULT migrate /G mig migrate '"$dev $rep"' /p' >> "$results"
}

run_migrate() {
    local r dev
    "$here/build-guest.sh" > /dev/null
    pack_initrd
    ACCEL_OURS=$(pick_accel "$QEMU")
    ACCEL_UPSTREAM=$(pick_accel "$UPSTREAM_QEMU")
    rm -f "$img"
    fallocate -l "${IMG_MB}M" "$img" 2>/dev/null || truncate -s "${IMG_MB}M" "$img"
    for r in $(seq 1 "$BENCH_REPEATS"); do
        say "== live migration under fio QD32, $BENCH_MIG_HOPS hops, round $r/$BENCH_REPEATS (load $(load))"
        for dev in $BENCH_MIG_DEVICES; do
            [ "$dev" = upstream ] && [ "$r" -gt 1 ] && continue
            mig_boot "$dev" "$r"
        done
    done
    rm -f "$img"
}

# ---------------------------------------------------------------- main

main() {
    local start=$SECONDS
    ensure_tools
    bash "$here/build-qemu.sh" qemu-system-x86_64 tests/qtest/nvme-loadgen-bench > "$tmp/build.log" 2>&1 || {
        tail -n 20 "$tmp/build.log" >&2; say "bench: build failed" >&2; exit 1; }
    # Other developers rebuild the shared build folder at any time: run
    # private copies, taken under the build lock (never a half-linked file).
    mkdir -p "$tmp/bin"
    flock "$NVME_CACHE/build.lock" cp "$QEMU" "$LOADGEN" "$tmp/bin/"
    QEMU_RUN=$tmp/bin/qemu-system-x86_64
    LOADGEN_RUN=$tmp/bin/nvme-loadgen-bench
    mkdir -p "$BENCH_OUT"
    results="$BENCH_OUT/results.txt"
    : > "$results"
    {
        machine_info
        say "mode: ${BENCH_QUICK:+quick, }repeats $BENCH_REPEATS, fio ${BENCH_TIME}s after ${BENCH_RAMP}s ramp per job, loadgen ${BENCH_LOADGEN_SECONDS}s per phase"
        say "load average at start: $(load)"
    } | tee "$BENCH_OUT/machine.txt"
    say "M load_start $(load)" >> "$results"
    has_part loadgen && run_loadgen \
        "load generator: qtest, null-co, no guest CPU" "$LOADGEN_PHASES,$LEAN_PHASES"
    # the same on a zoned namespace: phases "zns/..." of the same table
    has_part zoned && run_loadgen \
        "load generator, zoned namespace: qtest, null-co, no guest CPU" \
        "$ZONED_PHASES" NVME_BENCH_ZONED=16M NVME_BENCH_SIZE=$((8 << 30))
    has_part callgrind && run_callgrind
    has_part scaling && run_scaling
    has_part guest && run_guest
    has_part migrate && run_migrate
    say "M load_end $(load)" >> "$results"
    say "M elapsed $((SECONDS - start))" >> "$results"
    say
    /usr/bin/python3 "$here/bench-report.py" "$results" "$BENCH_OUT/machine.txt" | tee "$BENCH_OUT/report.txt"
    say "results: $BENCH_OUT (report.txt, results.txt, guest logs); $((SECONDS - start)) s"
}

main "$@"

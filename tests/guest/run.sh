#!/usr/bin/env bash
# Host-side runner of the guest tests: builds the guest if needed, boots QEMU
# once per test script with a fresh NVMe disk image, collects the serial
# console into a log, enforces a timeout per boot (QEMU can hang), and turns
# the guest's "GUEST-TEST PASS|FAIL" lines into a summary.
#
# Usage: tests/guest/run.sh [BOOT...]      default: every boot the root
#                                          meson.build lists (nvme_guest_boots)
#        tests/guest/run.sh --shell        interactive guest shell on the disk
# A BOOT is a script tests/guest/BOOT.sh; "persist" and scripts with a line
# "# reuse-image: yes" use the image the boot before left (persist checks
# what main.sh wrote), every other boot gets a new one.
# A line "# host-kill: MARKER" makes the runner SIGKILL QEMU once the guest
# prints MARKER, as a power cut would.
# A line "# host-trace: EVENT [MIN]" in a BOOT script traces that QEMU event
# into LOG_DIR/BOOT.trace and adds a check that it fired at least MIN (1) times.
# Lines "# host-qmp-at: MARKER COMMAND" (any number, in order) make the
# runner send COMMAND (one line of QMP JSON) to QEMU's QMP socket once the
# guest prints MARKER (tests/guest/qmp-send.py; replies in
# LOG_DIR/BOOT.qmp.log), e.g. to qom-set a device property during the boot.
# Lines "# host-migrate-at: MARKER [MODE]" (any number, in order) make the
# runner live-migrate the VM to a fresh QEMU (same command line plus
# -incoming) once the guest prints MARKER: A to B to C...  MODE is live
# (precopy, the default), postcopy or paused (stop, migrate, cont); each
# hop adds a check host-migrate-N with its downtime (tests/guest/
# migrate.py; figures in LOG_DIR/BOOT.mig.log).  The console logs of all
# QEMUs are joined into LOG_DIR/BOOT.log.
# A line "# guest-append: ARGS" adds ARGS to that boot's kernel command line
# (e.g. "nvme_core.multipath=N"; NAME.param= reaches the module NAME).
# A line "# qemu-args: ARGS" replaces the default -drive/-device nvme pair
# with ARGS (split on spaces; @IMG@ is the boot's disk image, @TMP@ an
# empty directory of the boot's own, e.g. an nvme-subsys pool).
#
# Env: QEMU (default: "$QEMU_BUILD_DIR/qemu-system-x86_64"), ACCEL=kvm|tcg
# (skips the KVM probe), BOOT_TIMEOUT seconds per boot (300), DISK_MB (256),
# NVME_SERIAL, NVME_DEVICE_OPTS (appended to -device nvme,...; e.g. ",mdts=5"),
# GUEST_APPEND (extra kernel parameters, e.g. "nvme.poll_queues=1"),
# LOG_DIR (default "$NVME_CACHE/guest/logs"), VERBOSE=1 streams the console.
# Prints "N passed, N failed" last; exits non-zero on any failure.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/scripts/common.sh"

QEMU=${QEMU:-$QEMU_BUILD_DIR/qemu-system-x86_64}
GUEST="$NVME_CACHE/guest"
LOG_DIR=${LOG_DIR:-$GUEST/logs}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
DISK_MB=${DISK_MB:-256}
NVME_SERIAL=${NVME_SERIAL:-NVMETEST0001}
NVME_DEVICE_OPTS=${NVME_DEVICE_OPTS:-}
KVM_PROBE_TIMEOUT=15   # a working KVM boots the probe in ~1 s

passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() { printf '%s\n' "$*"; }

# Second cpio with /tests/*.sh and the helpers built from tests/guest/*.c
# (static, with the host's gcc): appended to the cached base initramfs so a
# test edit needs no guest rebuild (Linux unpacks concatenated archives).
pack_tests() {
    local c
    mkdir -p "$tmp/cpio/tests"
    find "$here" -maxdepth 1 -name '*.sh' ! -name run.sh -exec cp {} "$tmp/cpio/tests/" \;
    # helpers in C (tests/guest/*.c): static binaries /tests/NAME
    for c in "$here"/*.c; do
        [ -e "$c" ] || continue
        gcc -static -O2 -o "$tmp/cpio/tests/$(basename "$c" .c)" "$c"
    done
    (cd "$tmp/cpio" && find tests | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
        gzip -n > "$tmp/tests.cpio.gz"
    cat "$GUEST/initramfs.cpio.gz" "$tmp/tests.cpio.gz" > "$tmp/initrd.gz"
}

# qemu_cmd ACCEL TEST [IMG]: print the QEMU command line, one word per line.
qemu_cmd() {
    local accel=$1 test=$2 img=${3:-} ev
    # loglevel=4 keeps kernel chatter off the console (dmesg still has it);
    # panic=-1 + -no-reboot turn a guest panic into a QEMU exit.
    local append="console=ttyS0 loglevel=4 panic=-1 nvmetest=$test ${GUEST_APPEND:-}"
    append="$append $(directive "$test" guest-append)"
    printf '%s\n' "$QEMU" -machine q35 -accel "$accel" -m 1G -smp 2 \
        -nographic -no-reboot -nic none \
        -L /usr/share/seabios -L /usr/share/qemu \
        -kernel "$GUEST/vmlinux" -initrd "$tmp/initrd.gz"
    if [ -n "$img" ]; then
        append="$append nvmeserial=$NVME_SERIAL nvmesize=$(stat -c %s "$img")"
        local args words
        args=$(directive "$test" qemu-args)
        if [ -n "$args" ]; then
            args=${args//@IMG@/$img}
            if [[ $args == *@TMP@* ]]; then
                rm -rf "$tmp/$test.tmp"
                mkdir -p "$tmp/$test.tmp"
                args=${args//@TMP@/$tmp/$test.tmp}
            fi
            read -ra words <<< "$args"
            printf '%s\n' "${words[@]}"
        else
            printf '%s\n' -drive "file=$img,if=none,id=d0,format=raw" \
                -device "nvme,drive=d0,serial=$NVME_SERIAL$NVME_DEVICE_OPTS"
        fi
    fi
    if [ -n "$(directive "$test" host-qmp-at)" ]; then
        printf '%s\n' -qmp "unix:$tmp/$test.qmp,server=on,wait=off"
    fi
    ev=$(directive "$test" host-trace | cut -d' ' -f1)
    if [ -n "$ev" ]; then
        printf '%s\n' -trace "enable=$ev,file=$LOG_DIR/$test.trace"
    fi
    printf '%s\n' -append "$append"
}

# directive TEST NAME: value of a "# NAME: value" line of tests/guest/TEST.sh.
directive() {
    [ -f "$here/$1.sh" ] || return 0
    sed -n "s/^# $2: *//p" "$here/$1.sh" | head -n1
}

# directives TEST NAME: the values of every "# NAME: value" line, in order.
directives() {
    [ -f "$here/$1.sh" ] || return 0
    sed -n "s/^# $2: *//p" "$here/$1.sh"
}

# qmp_watch TEST LOG: for each host-qmp-at line in order, wait until LOG
# shows its MARKER, then send its COMMAND to the boot's QMP socket.  Runs
# in the background until the boot ends (run_boot kills it).
qmp_watch() {
    local name=$1 log=$2 marker json
    while read -r marker json; do
        until tr -d '\r' < "$log" 2>/dev/null | grep -aqF -- "$marker"; do
            sleep 0.2
        done
        echo "at $marker: $json" >> "$LOG_DIR/$name.qmp.log"
        python3 "$here/qmp-send.py" "$tmp/$name.qmp" "$json" \
            >> "$LOG_DIR/$name.qmp.log" 2>&1 || true
    done < <(directives "$name" host-qmp-at)
}

# After a boot with a host-trace directive: PASS if the event fired.
check_trace() {
    local name=$1 ev min n
    read -r ev min < <(directive "$name" host-trace) || true
    [ -n "$ev" ] || return 0
    min=${min:-1}
    n=$(grep -c "$ev" "$LOG_DIR/$name.trace" 2>/dev/null || true)
    if [ "${n:-0}" -ge "$min" ]; then
        say "  PASS host-trace-$ev ($n events, want >= $min)"
        passed=$((passed + 1))
    else
        say "  FAIL host-trace-$ev: QEMU traced $ev ${n:-0} times, want >= $min"
        failed=$((failed + 1))
    fi
}

# boot TIMEOUT LOG CMD...: run QEMU with a hard timeout (TERM, then KILL:
# a QEMU stuck after a KVM internal error ignores the guest's poweroff).
# Returns QEMU's status; 124/137 mean timeout.
boot() {
    local t=$1 log=$2; shift 2
    local rc=0
    if [ -n "${VERBOSE:-}" ]; then
        timeout -k 5 "$t" "$@" < /dev/null 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
    else
        timeout -k 5 "$t" "$@" < /dev/null > "$log" 2>&1 || rc=$?
    fi
    return $rc
}

# boot_kill MARKER TIMEOUT LOG CMD...: run QEMU until the guest prints
# MARKER, then SIGKILL it, as a power cut would (no shutdown, no flush).
boot_kill() {
    local marker=$1 t=$2 log=$3 pid i=0; shift 3
    : > "$log"      # the previous boot's marker, before the child truncates
    "$@" < /dev/null > "$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null && [ $i -lt $((t * 5)) ]; do
        if tr -d '\r' < "$log" | grep -aq "$marker"; then
            kill -KILL "$pid"
            wait "$pid" 2>/dev/null
            return 0
        fi
        sleep 0.2
        i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 124
}

# KVM is usable only if a guest really boots under it (here /dev/kvm may be a
# module that cannot run stock guests).  The verdict is cached per host
# kernel and QEMU binary.
pick_accel() {
    if [ -n "${ACCEL:-}" ]; then echo "$ACCEL"; return; fi
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
    local key cache verdict=tcg
    key=$(printf '%s %s' "$(uname -r)" "$(readlink -f "$QEMU")" | md5sum | cut -c1-12)
    cache="$GUEST/accel.$key"
    if [ -f "$cache" ]; then cat "$cache"; return; fi
    mapfile -t cmd < <(qemu_cmd kvm probe)
    if boot "$KVM_PROBE_TIMEOUT" "$tmp/probe.log" "${cmd[@]}" &&
       grep -q GUEST-PROBE-OK "$tmp/probe.log"; then
        verdict=kvm
    fi
    echo "$verdict" > "$cache"
    echo "$verdict"
}

# The guest's marker lines from a log.  A marker can follow console output
# that lacks a newline (SeaBIOS' "Booting from ROM.."), so match anywhere.
markers() { tr -d '\r' < "$1" | grep -aoE 'GUEST-(TEST (PASS|FAIL) .*|DONE|BOOTED .*)' || true; }

# Count and echo a boot's GUEST-TEST lines; a missing GUEST-DONE is a failure.
report() {
    local name=$1 log=$2 rc=$3 why p f
    markers "$log" > "$tmp/markers"
    p=$(grep -c '^GUEST-TEST PASS ' "$tmp/markers" || true)
    f=$(grep -c '^GUEST-TEST FAIL ' "$tmp/markers" || true)
    sed -n 's/^GUEST-TEST /  /p' "$tmp/markers"
    passed=$((passed + p)); failed=$((failed + f))
    if ! grep -qx GUEST-DONE "$tmp/markers"; then
        case $rc in
            124|137) why="timed out after ${BOOT_TIMEOUT}s" ;;
            *) why="QEMU exited with status $rc" ;;
        esac
        say "  FAIL boot-$name: no GUEST-DONE ($why); last lines:"
        tr -d '\r' < "$log" | tail -n 8 | sed 's/^/    | /'
        failed=$((failed + 1))
    fi
}

run_boot() {
    local name=$1 accel=$2 img=$3 rc=0 t0 cmd ready kill_marker qpid=
    [ -f "$here/$name.sh" ] || { say "no such test: $here/$name.sh"; failed=$((failed + 1)); return; }
    rm -f "$LOG_DIR/$name.trace" "$LOG_DIR/$name.qmp.log"
    if [ -n "$(directive "$name" host-qmp-at)" ]; then
        : > "$LOG_DIR/$name.log"    # no stale markers from a previous boot
        qmp_watch "$name" "$LOG_DIR/$name.log" &
        qpid=$!
    fi
    mapfile -t cmd < <(qemu_cmd "$accel" "$name" "$img")
    t0=$(date +%s.%N)
    kill_marker=$(directive "$name" host-kill)
    if [ -n "$kill_marker" ]; then
        boot_kill "$kill_marker" "$BOOT_TIMEOUT" "$LOG_DIR/$name.log" \
            "${cmd[@]}" || rc=$?
    else
        boot "$BOOT_TIMEOUT" "$LOG_DIR/$name.log" "${cmd[@]}" || rc=$?
    fi
    if [ -n "$qpid" ]; then
        kill "$qpid" 2>/dev/null || true
        wait "$qpid" 2>/dev/null || true
    fi
    ready=$(markers "$LOG_DIR/$name.log" | sed -n 's/^GUEST-BOOTED /guest ready at /p' | head -n1)
    say "boot $name: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s wall," \
        "${ready:-guest never got ready}, log $LOG_DIR/$name.log"
    report "$name" "$LOG_DIR/$name.log" "$rc"
    check_trace "$name"
}

# alive PID: whether that QEMU still runs.
alive() { kill -0 "$1" 2>/dev/null; }

# mig_wait_marker MARKER PID DEADLINE LOGS...: wait until the joined LOGS
# show MARKER; fails if QEMU PID exits or the deadline (epoch s) passes.
mig_wait_marker() {
    local marker=$1 pid=$2 deadline=$3; shift 3
    until cat "$@" 2>/dev/null | tr -d '\r' | grep -aqF -- "$marker"; do
        alive "$pid" && [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# run_migrating NAME ACCEL IMG: a boot with host-migrate-at directives.
# Generation G of QEMU has QMP socket NAME.qmpG and console log NAME.G.log;
# each hop starts G+1 with -incoming defer and migrates G to it.
run_migrating() {
    local name=$1 accel=$2 img=$3 g=0 pid marker mode rc=0 res t0 hop=0
    local deadline=$(( $(date +%s) + BOOT_TIMEOUT )) logs=() cmd=()
    mapfile -t cmd < <(qemu_cmd "$accel" "$name" "$img")
    : > "$LOG_DIR/$name.mig.log"
    t0=$(date +%s.%N)
    logs=("$LOG_DIR/$name.0.log")
    "${cmd[@]}" -qmp "unix:$tmp/$name.qmp0,server=on,wait=off" \
        < /dev/null > "${logs[0]}" 2>&1 &
    pid=$!
    while read -r marker mode; do
        hop=$((hop + 1))
        if ! mig_wait_marker "$marker" "$pid" "$deadline" "${logs[@]}"; then
            say "  FAIL host-migrate-$hop: the guest never printed $marker"
            failed=$((failed + 1))
            break
        fi
        logs+=("$LOG_DIR/$name.$((g + 1)).log")
        "${cmd[@]}" -qmp "unix:$tmp/$name.qmp$((g + 1)),server=on,wait=off" \
            -incoming defer < /dev/null > "${logs[g + 1]}" 2>&1 &
        local next=$!
        if res=$(python3 "$here/migrate.py" "$tmp/$name.qmp$g" \
                 "$tmp/$name.qmp$((g + 1))" "unix:$tmp/$name.mig$g" \
                 "${mode:-live}"); then
            say "  PASS host-migrate-$hop (${mode:-live}: $res)"
            passed=$((passed + 1))
            wait "$pid" 2>/dev/null || true
            pid=$next g=$((g + 1))
        else
            say "  FAIL host-migrate-$hop (${mode:-live}): $res"
            failed=$((failed + 1))
            kill -KILL "$next" 2>/dev/null || true
            wait "$next" 2>/dev/null || true
            break
        fi
        echo "$hop $res" >> "$LOG_DIR/$name.mig.log"
    done < <(directives "$name" host-migrate-at)
    while alive "$pid" && [ "$(date +%s)" -lt "$deadline" ]; do
        sleep 0.5
    done
    if alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true
        rc=124
    else
        wait "$pid" 2>/dev/null || rc=$?
    fi
    cat "${logs[@]}" > "$LOG_DIR/$name.log"
    say "boot $name: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s wall," \
        "$g migration(s), log $LOG_DIR/$name.log"
    report "$name" "$LOG_DIR/$name.log" "$rc"
}

new_image() { rm -f "$1"; truncate -s "${DISK_MB}M" "$1"; }

check_qemu() {
    [ -x "$QEMU" ] && return 0
    say "QEMU binary not found: $QEMU (build it with scripts/build-qemu.sh, or set QEMU=...)" >&2
    say "0 passed, 1 failed"
    exit 2
}

main() {
    check_qemu
    "$repo/scripts/build-guest.sh"
    mkdir -p "$LOG_DIR"
    pack_tests
    local accel img="$tmp/disk.img" name
    accel=$(pick_accel)
    say "QEMU $QEMU ($accel), disk ${DISK_MB} MiB, serial $NVME_SERIAL"
    if [ "${1:-}" = --shell ]; then
        new_image "$img"
        mapfile -t cmd < <(qemu_cmd "$accel" shell "$img")
        "${cmd[@]}"   # interactive: no timeout, console on this terminal
        return
    fi
    # Default: every boot of the root meson.build's nvme_guest_boots.
    [ $# -gt 0 ] || set -- $(cat "$(nvme_lists)/guest-boots.txt")
    local start=$SECONDS
    for name in "$@"; do
        # "persist" and scripts with "# reuse-image: yes" see the image
        # the previous boot left; every other boot gets a fresh one.
        { [ "$name" = persist ] || [ -n "$(directive "$name" reuse-image)" ]; } &&
            [ -f "$img" ] || new_image "$img"
        if [ -n "$(directive "$name" host-migrate-at)" ]; then
            run_migrating "$name" "$accel" "$img"
        else
            run_boot "$name" "$accel" "$img"
        fi
    done
    say "total $((SECONDS - start))s"
    say "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

main "$@"

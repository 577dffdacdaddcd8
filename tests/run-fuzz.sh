#!/usr/bin/env bash
# Fuzz our NVMe controller for a bounded time with QEMU's generic-fuzz
# target (libFuzzer, ASan + UBSan) in the NVME_BUILD=asan variant.
#
# The fuzzer drives BAR0 (registers, doorbells, MSI-X), config space and
# the virtual clock; every DMA read the device makes (SQ entries, PRP/SGL
# lists, write data, shadow doorbells) is filled from fuzzer-chosen
# patterns.  It starts from tests/fuzz/nvme-corpus.py's seeds (valid
# command sequences) plus the corpus grown by earlier runs on this machine
# ($NVME_CACHE/fuzz/corpus).
#
# Usage: tests/run-fuzz.sh                 bounded run (CI)
#        tests/run-fuzz.sh INPUT...        replay inputs once (a crash file)
# Env:   FUZZ_SECONDS   run time (default 120)
#        FUZZ_JOBS      parallel fuzzers (default 1): independent processes
#                       (libFuzzer -jobs/-workers) sharing the corpus folder
#        FUZZ_ARGS      extra libFuzzer flags, e.g. "-max_len=16384"
#        NVME_FUZZ_DEVICE_ARGS  QEMU arguments of the fuzzed device(s)
#        FUZZ_FRESH=1   start from the seeds only, in a temporary corpus
#                       (what make check does: a grown corpus of thousands of
#                       inputs takes a minute or more just to load)
#        NO_BUILD=1     skip scripts/build-qemu.sh
# A crash, leak or timeout is saved under $NVME_CACHE/fuzz/artifacts/ and
# fails the run; see docs/testing.rst for turning it into a regression qtest.
# Prints "N passed, N failed" last (1 passed: no crash).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
export NVME_BUILD=asan
. "$repo/scripts/common.sh"

FUZZ_SECONDS=${FUZZ_SECONDS:-120}
FUZZ_JOBS=${FUZZ_JOBS:-1}
fuzz_dir="$NVME_CACHE/fuzz"
corpus="$fuzz_dir/corpus"
seeds="$fuzz_dir/seeds"
artifacts="$fuzz_dir/artifacts"
bin="$QEMU_BUILD_DIR/qemu-fuzz-x86_64"

fail() { echo "run-fuzz: $*"; echo "0 passed, 1 failed"; exit 1; }

if [ -z "${NO_BUILD:-}" ]; then
    bash "$repo/scripts/build-qemu.sh" || fail "build failed"
fi
[ -x "$bin" ] || fail "no $bin (NVME_BUILD=asan scripts/build-qemu.sh)"

if [ -n "${FUZZ_FRESH:-}" ]; then
    corpus="$fuzz_dir/corpus-fresh"
    rm -rf "$corpus"
fi
mkdir -p "$corpus" "$artifacts"
rm -rf "$seeds"
python3 "$here/fuzz/nvme-corpus.py" "$seeds" || fail "seed generation failed"

# The device under test, in an NVM subsystem (Namespace Attachment): an
# atomic write unit of 8 blocks; namespace 1 on the controller's drive, 2
# with 4 KiB blocks, 3 zoned (1 MiB zones), 4 a second 512-byte one (the
# source of Copy formats 2/3); null-co backends (fast, no host files).  The
# seeds (tests/fuzz/nvme-corpus.py) name these namespaces.
: "${NVME_FUZZ_DEVICE_ARGS:=-machine q35 \
-drive if=none,id=d0,driver=null-co,read-zeroes=on,size=16M \
-drive if=none,id=d1,driver=null-co,read-zeroes=on,size=4M \
-drive if=none,id=d2,driver=null-co,read-zeroes=on,size=8M \
-drive if=none,id=d3,driver=null-co,read-zeroes=on,size=4M \
-device nvme-subsys,id=s0,nqn=fuzz \
-device nvme,id=c0,drive=d0,serial=fuzz,max_ioqpairs=4,msix_qsize=5,subsys=s0,atomic.awun=7 \
-device nvme-ns,bus=c0,drive=d1,nsid=2,logical_block_size=4096,physical_block_size=4096 \
-device nvme-ns,bus=c0,drive=d2,nsid=3,zoned=on,zoned.zone_size=1M \
-device nvme-ns,bus=c0,drive=d3,nsid=4}"
export QEMU_FUZZ_ARGS="$NVME_FUZZ_DEVICE_ARGS"
# Fuzz the controller's memory regions and config space ("nvme" is the
# controller's QOM type; its children are nvme-regs, nvme-doorbells and the
# MSI-X table and PBA).
export QEMU_FUZZ_OBJECTS="nvme"
# Fill each DMA region once per operation, so crashes replay exactly.
export QEMU_AVOID_DOUBLE_FETCH=1
# Any sanitizer report is a crash for libFuzzer.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=${FUZZ_DETECT_LEAKS:-0}:symbolize=1:print_summary=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:symbolize=1:suppressions=$here/sanitize/ubsan.supp"
if [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
    export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
fi

common=(--fuzz-target=generic-fuzz -timeout=20 -rss_limit_mb=4096
        -max_len=8192 -print_final_stats=1)
# shellcheck disable=SC2206
extra=(${FUZZ_ARGS:-})

if [ $# -gt 0 ]; then
    # Replay: run each input once, with QEMU's qtest log of what it does.
    rc=0
    QTEST_LOG=${QTEST_LOG:-1} FUZZ_SERIALIZE_QTEST=1 "$bin" "${common[@]}" "${extra[@]}" "$@" || rc=$?
    if [ "$rc" = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
    exit "$rc"
fi

stamp=$(mktemp "$fuzz_dir/.run.XXXXXX")
log="$fuzz_dir/last-run.log"
echo "run-fuzz: ${FUZZ_SECONDS}s, $FUZZ_JOBS job(s), corpus $corpus" \
     "($(find "$corpus" -type f | wc -l) inputs) + $(find "$seeds" -type f | wc -l) seeds"
rc=0
if [ "$FUZZ_JOBS" -gt 1 ]; then
    # libFuzzer's -fork mode restarts QEMU for every short job (half the
    # throughput here); N independent fuzzers on one corpus folder do better.
    # Each writes fuzz-<n>.log in the current folder.
    rm -rf "$fuzz_dir/jobs"; mkdir -p "$fuzz_dir/jobs"
    (cd "$fuzz_dir/jobs" &&
     "$bin" "${common[@]}" -jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS" \
         -max_total_time="$FUZZ_SECONDS" -artifact_prefix="$artifacts/" \
         "${extra[@]}" "$corpus" "$seeds") > "$log" 2>&1 || rc=$?
    cat "$fuzz_dir"/jobs/fuzz-*.log >> "$log" 2>/dev/null
    # A job that crashed exits non-zero, which -jobs does not pass on.
    grep -qE '^==[0-9]+==ERROR|^SUMMARY: |Test unit written to' "$log" && [ "$rc" = 0 ] && rc=1
else
    "$bin" "${common[@]}" -max_total_time="$FUZZ_SECONDS" \
        -artifact_prefix="$artifacts/" "${extra[@]}" "$corpus" "$seeds" \
        > "$log" 2>&1 || rc=$?
fi

# libFuzzer's final statistics, summed over the fuzzers.
sum() { sed -n "s/^stat::$1: *//p" "$log" | awk '{ s += $1; n++ } END { if (n) print s }'; }
execs=$(sum number_of_executed_units)
rate=$(sum average_exec_per_sec)
if [ -z "$execs" ]; then      # killed before the end: its last status line
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -n1 | tr -d '#')
    rate=$(grep -oE 'exec/s: [0-9]+' "$log" | tail -n1 | sed 's/exec\/s: //')
fi
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1)
new=$(find "$artifacts" -type f -newer "$stamp" | sort)
rm -f "$stamp"
ncrash=$(printf '%s' "$new" | grep -c . || true)
echo "run-fuzz: ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-no coverage line}," \
     "corpus $(find "$corpus" -type f | wc -l) inputs, $ncrash crash(es); log $log"

if [ "$ncrash" != 0 ] || [ "$rc" != 0 ]; then
    # The sanitizer or libFuzzer report: first lines and the stack.
    grep -E 'ERROR: |runtime error:|SUMMARY:|freed by|allocated by|^ +#[0-9]+ ' "$log" |
        sed "s|$QEMU_BUILD_DIR/../||" | head -n 80 | sed 's/^/  | /'
    for f in $new; do echo "run-fuzz: saved $f (replay: tests/run-fuzz.sh $f)"; done
    [ "$rc" != 0 ] && [ "$ncrash" = 0 ] && echo "run-fuzz: fuzzer exited with status $rc"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"

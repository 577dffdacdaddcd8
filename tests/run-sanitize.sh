#!/usr/bin/env bash
# The sanitizer run: build the NVME_BUILD=asan variant (clang, ASan + UBSan;
# its own cached build folder), run every qtest of ours against that QEMU
# (the test programs are sanitized too) and boot the guest smoke test
# ("main" boot of tests/guest/run.sh) on the sanitized qemu-system-x86_64.
#
# Every sanitizer report fails the run: halt_on_error stops the process at
# the first one, and reports are also written to files (log_path), so one
# that does not change an exit status (or is hidden by a test runner's
# output filter) is still found and printed.
#
# Usage: tests/run-sanitize.sh [qtest-name...]
# Env:   SANITIZE_GUEST_BOOTS   guest boots to run (default "main"; "" none)
#        SANITIZE_QTEST_MODES   qtest modes (default "default iothread": the
#                               main-loop and iothread paths; the ioeventfd-off
#                               modes add only the MMIO doorbell path, which
#                               the plain qtest stage runs)
#        NO_BUILD=1             skip scripts/build-qemu.sh
#        DETECT_LEAKS=1         also LeakSanitizer (QEMU itself leaks at exit)
# Prints "N passed, N failed" last.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
export NVME_BUILD=asan
. "$repo/scripts/common.sh"

SANITIZE_GUEST_BOOTS=${SANITIZE_GUEST_BOOTS-main}

if [ -z "${NO_BUILD:-}" ]; then
    bash "$repo/scripts/build-qemu.sh" ||
        { echo "run-sanitize: build failed"; echo "0 passed, 1 failed"; exit 1; }
fi

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
sym=
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] &&
    sym=":external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=${DETECT_LEAKS:-0}:print_summary=1:log_path=$reports/asan$sym"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1:log_path=$reports/ubsan$sym:suppressions=$here/sanitize/ubsan.supp"
# ASan needs more time and memory: give each qtest more room.
export QTEST_TIMEOUT=${QTEST_TIMEOUT:-600}

passed=0 failed=0
suite() {
    local name=$1 out line rc=0
    shift
    out=$(mktemp)
    "$@" 2>&1 | tee "$out" || rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    [ -n "$line" ] || line="0 passed, 1 failed"
    set -- $line
    passed=$((passed + $1)); failed=$((failed + $3))
    [ "$rc" != 0 ] && [ "$3" = 0 ] && failed=$((failed + 1))
    echo "== sanitize $name: $line"
    rm -f "$out"
}

NVME_QTEST_MODES=${SANITIZE_QTEST_MODES:-default iothread} \
    suite qtests bash "$here/run-qtests.sh" "$@"
if [ -n "$SANITIZE_GUEST_BOOTS" ]; then
    # shellcheck disable=SC2086
    QEMU="$QEMU_BUILD_DIR/qemu-system-x86_64" BOOT_TIMEOUT=${BOOT_TIMEOUT:-600} \
        LOG_DIR="$NVME_CACHE/guest/logs-asan" \
        suite guest bash "$here/guest/run.sh" $SANITIZE_GUEST_BOOTS
fi

# Any report file is a failure, whatever the exit statuses said (files with
# only ASan's makecontext/swapcontext warning about coroutines are not).
nrep=0
for f in "$reports"/*; do
    [ -s "$f" ] || continue
    grep -qE 'ERROR: |runtime error:|SUMMARY: ' "$f" || continue
    nrep=$((nrep + 1))
    echo "== sanitizer report $(basename "$f"):"
    grep -v 'makecontext/swapcontext' "$f" | sed "s|$QEMU_BUILD_DIR/../||" |
        head -n 100 | sed 's/^/  | /'
done
if [ "$nrep" != 0 ]; then
    echo "run-sanitize: $nrep sanitizer report(s)"
    failed=$((failed + nrep))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Run our qtests against the built QEMU, each program in the modes the root
# meson.build lists for it (nvme_qtests), one after the other, and sum the
# results: the quick way to run a few programs while developing.
# `meson test -C build --suite qtest` runs the same, in parallel.
#
# Usage: tests/run-qtests.sh [program...]   (default: every program)
# Env:   NVME_QTEST_MODES="default iothread"   only these modes
#        QTEST_TIMEOUT   seconds per program and mode (default 300)
#        NVME_BUILD      which build's QEMU (scripts/common.sh)
# Prints a line per program and mode, then "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/scripts/common.sh"

QTEST_TIMEOUT=${QTEST_TIMEOUT:-300}
lists=$(nvme_lists)

# "program mode" pairs: mode-major, as the modes list them.
declare -A want=()
for t in "$@"; do
    want[$t]=1
done
runs=()
for mode in ${NVME_QTEST_MODES:-default iothread iothreads ioeventfd-off \
                iothread-ioeventfd-off shadow iothread-shadow \
                iothreads-shadow}; do
    while read -r t _timeout modes; do
        [ $# -eq 0 ] || [ -n "${want[$t]:-}" ] || continue
        if [[ " $modes " == *" $mode "* ]]; then
            runs+=("$t $mode")
        fi
    done < "$lists/qtests.txt"
done
for t in "$@"; do
    grep -q "^$t " "$lists/qtests.txt" ||
        { echo "run-qtests: $t is not in the root meson.build's nvme_qtests" >&2; exit 2; }
done

passed=0 failed=0
for run in "${runs[@]}"; do
    read -r t mode <<< "$run"
    out=$(mktemp)
    rc=0
    timeout "$QTEST_TIMEOUT" bash "$here/qtest-run.sh" "$mode" "$t" \
        > "$out" 2>&1 || rc=$?
    p=$(grep -c '^ok ' "$out" || true)
    f=$(grep -c '^not ok ' "$out" || true)
    # A crash or timeout loses the rest of the plan: count it as a failure.
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "# $t ($mode) exited with status $rc"
    fi
    # Failures and the assertion messages behind them, not the chatter.
    grep -E '^not ok|ERROR|Bail out|assert|qtest-run|sanitize' "$out" |
        sed "s|^|$t ($mode): |" || true
    echo "qtest $t ($mode): $p passed, $f failed"
    passed=$((passed + p)); failed=$((failed + f))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

#!/usr/bin/env bash
# Run our qtests (every nvme-*-test listed in tests/qtest/nvme/meson.build)
# against the built qemu-system-x86_64, in TAP mode, and sum the results.
# Usage: tests/run-qtests.sh [test-name...]   Prints "N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/scripts/common.sh"

export QTEST_QEMU_BINARY="$QEMU_BUILD_DIR/qemu-system-x86_64"
export QTEST_QEMU_IMG="$QEMU_BUILD_DIR/qemu-img"
QTEST_TIMEOUT=${QTEST_TIMEOUT:-300}

tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
    mapfile -t tests < <(sed -n "s/^ *'\(nvme-[a-z0-9-]*-test\)': *files(.*/\1/p" \
                             "$repo/tests/qtest/nvme/meson.build")
fi

passed=0 failed=0
for t in "${tests[@]}"; do
    bin="$QEMU_BUILD_DIR/tests/qtest/$t"
    out=$(mktemp)
    rc=0
    timeout "$QTEST_TIMEOUT" "$bin" --tap -k > "$out" 2>&1 || rc=$?
    p=$(grep -c '^ok ' "$out" || true)
    f=$(grep -c '^not ok ' "$out" || true)
    # A crash or timeout loses the rest of the plan: count it as a failure.
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "# $t exited with status $rc"
    fi
    # Failures and the assertion messages behind them, not the chatter.
    grep -E '^not ok|ERROR|Bail out|assert' "$out" | sed "s|^|$t: |" || true
    echo "qtest $t: $p passed, $f failed"
    passed=$((passed + p)); failed=$((failed + f))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

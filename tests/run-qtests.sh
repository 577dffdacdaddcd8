#!/usr/bin/env bash
# Run our qtests (every nvme-*-test listed in tests/qtest/nvme/meson.build)
# against the built qemu-system-x86_64, in TAP mode, and sum the results.
# Usage: tests/run-qtests.sh [test-name...]   Prints "N passed, N failed".
#
# Each test runs in the default mode and in the iothread mode; the
# I/O-relevant ones (IO_TESTS) also in the other modes of NVME_QTEST_MODES
# (the libqos driver's NVME_QTEST_MODE: ioeventfd-off,
# iothread-ioeventfd-off), and SHADOW_TESTS in shadow and iothread-shadow
# (the driver uses shadow doorbells).
# NVME_QTEST_MODES=default runs the default mode only.
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

modes=(${NVME_QTEST_MODES:-default iothread ioeventfd-off iothread-ioeventfd-off shadow iothread-shadow})
IO_TESTS=" nvme-io-test nvme-nvm-test nvme-dbbuf-test nvme-hostile-test
 nvme-regress-test nvme-ioerr-test nvme-iothread-test nvme-sgl-test
 nvme-meta-test nvme-cmb-test nvme-zns-test
 nvme-sriov-test "
# The shadow modes: the I/O tests that ring doorbells only through the
# driver (not the ones writing raw or bad doorbell values, nor those that
# set up shadow doorbells themselves).
SHADOW_TESTS=" nvme-io-test nvme-nvm-test nvme-regress-test nvme-ioerr-test
 nvme-sgl-test nvme-meta-test nvme-cmb-test nvme-zns-test
 nvme-sriov-test "

runs=()
for mode in "${modes[@]}"; do
    for t in "${tests[@]}"; do
        case $mode in
            default|iothread) runs+=("$mode:$t") ;;
            *shadow) [[ "$SHADOW_TESTS" != *" $t"[[:space:]]* ]] ||
                         runs+=("$mode:$t") ;;
            *) [[ "$IO_TESTS" != *" $t"[[:space:]]* ]] || runs+=("$mode:$t") ;;
        esac
    done
done

passed=0 failed=0
for run in "${runs[@]}"; do
    mode=${run%%:*} t=${run#*:}
    bin="$QEMU_BUILD_DIR/tests/qtest/$t"
    out=$(mktemp)
    rc=0
    NVME_QTEST_MODE=$mode timeout "$QTEST_TIMEOUT" "$bin" --tap -k \
        > "$out" 2>&1 || rc=$?
    p=$(grep -c '^ok ' "$out" || true)
    f=$(grep -c '^not ok ' "$out" || true)
    # A crash or timeout loses the rest of the plan: count it as a failure.
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        echo "# $t ($mode) exited with status $rc"
    fi
    # Failures and the assertion messages behind them, not the chatter.
    grep -E '^not ok|ERROR|Bail out|assert' "$out" | sed "s|^|$t ($mode): |" || true
    echo "qtest $t ($mode): $p passed, $f failed"
    passed=$((passed + p)); failed=$((failed + f))
    rm -f "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]

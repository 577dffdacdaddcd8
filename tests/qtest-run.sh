#!/usr/bin/env bash
# Run one of our qtest programs in one mode of the libqos driver, in TAP
# mode on stdout (what `meson test` parses; tests/run-qtests.sh counts it).
# Usage: tests/qtest-run.sh MODE PROGRAM [qtest options, e.g. -p PATH]
# The QEMU under test is NVME_BUILD's (scripts/common.sh: default, asan,
# parts-off); the programs come from QTEST_BUILD_DIR, which is that build
# except for parts-off, whose build has QEMU only and borrows the default
# build's programs (they do not depend on the device's configuration).
# NVME_QTEST_PARTS_OFF tells the programs which optional parts are absent.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/common.sh"

mode=$1 prog=$2
shift 2
export QTEST_QEMU_BINARY="$QEMU_BUILD_DIR/qemu-system-x86_64"
export QTEST_QEMU_IMG="$QTEST_BUILD_DIR/qemu-img"
export NVME_QTEST_MODE=$mode
# nvme-migrate-test's stream of an earlier format (/nvme/migrate/compat)
export NVME_QTEST_MIGRATION_DIR="$repo/tests/migration"
if [ "$NVME_BUILD" = parts-off ]; then
    lists=$(nvme_lists)
    NVME_QTEST_PARTS_OFF=$(cut -d' ' -f1 "$lists/parts.txt" | tr '\n' ' ')
    export NVME_QTEST_PARTS_OFF
fi
bin="$QTEST_BUILD_DIR/tests/qtest/$prog"
for f in "$QTEST_QEMU_BINARY" "$bin"; do
    if [ ! -x "$f" ]; then
        echo "qtest-run: no $f: build first (NVME_BUILD=$NVME_BUILD" \
             "scripts/build-qemu.sh; meson test runs build/* first)" >&2
        exit 1
    fi
done
exec "$bin" --tap -k "$@"

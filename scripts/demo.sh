#!/usr/bin/env bash
# The project's demo: boot the tiny guest on the NVMe device and show what
# Linux sees (nvme list, identify summaries, queues) and a short fio run.
# Env: as tests/guest/run.sh (QEMU, ACCEL, DISK_MB, NVME_DEVICE_OPTS, ...).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

rc=0
LOG_DIR=$logs "$here/../tests/guest/run.sh" demo > "$logs/run.out" 2>&1 || rc=$?
# Boot line (timings) and the guest's demo section, without console noise.
grep -E '^(QEMU|boot demo)' "$logs/run.out" | sed "s|, log $logs/demo.log||" || true
echo
if [ -f "$logs/demo.log" ]; then
    tr -d '\r' < "$logs/demo.log" | sed -n '/DEMO-BEGIN/,/DEMO-END/p' | grep -v '^DEMO-' | grep -v '^\[ *[0-9.]*\]'
fi
if [ $rc != 0 ]; then
    echo "demo failed; runner output:" >&2
    cat "$logs/run.out" >&2
    [ -f "$logs/demo.log" ] && tail -n 20 "$logs/demo.log" >&2
    exit $rc
fi

#!/usr/bin/env bash
# The README's test command: build everything, then run the qtests, the
# guest end-to-end tests, the sanitizer run and a bounded fuzz run.  Prints
# one "N passed, N failed" line last.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

start=$(date +%s)
bash "$repo/scripts/build-qemu.sh" || { echo "0 passed, 1 failed"; exit 1; }
bash "$repo/scripts/build-guest.sh" || { echo "0 passed, 1 failed"; exit 1; }
echo "build: $(( $(date +%s) - start )) s"

total_p=0 total_f=0
run_suite() {
    local name=$1 out rc=0 line
    shift
    out=$(mktemp)
    local t0=$(date +%s)
    "$@" 2>&1 | tee "$out" || rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    if [ -z "$line" ]; then
        line="0 passed, 1 failed"
    fi
    set -- $line
    total_p=$((total_p + $1)); total_f=$((total_f + $3))
    if [ "$rc" != 0 ] && [ "$3" = 0 ]; then
        total_f=$((total_f + 1))
    fi
    echo "== $name: $line ($(( $(date +%s) - t0 )) s)"
    rm -f "$out"
}

# hw/nvme's #include graph against its layers (docs/architecture.rst).
run_suite layers python3 "$repo/tests/layers/check-layers.py"
run_suite qtests bash "$repo/tests/run-qtests.sh"
run_suite guest bash "$repo/tests/guest/run.sh"
# The clang ASan+UBSan+libFuzzer variant (its own cached build folder):
# all qtests + the main guest boot sanitized, then a bounded fuzz run.
run_suite sanitize bash "$repo/tests/run-sanitize.sh"
run_suite fuzz env FUZZ_FRESH=1 bash "$repo/tests/run-fuzz.sh"

echo "total time: $(( $(date +%s) - start )) s"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]

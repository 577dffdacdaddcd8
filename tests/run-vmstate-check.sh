#!/usr/bin/env bash
# The migration format check: dump the vmstate descriptions of nvme,
# nvme-ns and nvme-subsys from the built QEMU (-dump-vmstate) and compare
# them with the dump kept in tests/migration/nvme-vmstate.json, using
# QEMU's scripts/vmstate-static-checker.py, so a change that breaks the
# streams of today's format fails here (and in CI).  The stream kept next
# to it is loaded by nvme-migrate-test (/nvme/migrate/compat).
#
# Usage: tests/run-vmstate-check.sh [--update]
# --update rewrites the kept dump, after a deliberate change that keeps
# old streams loading (a new subsection, a field added with a version).
# Prints "N passed, N failed" last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$repo/scripts/common.sh"

kept="$repo/tests/migration/nvme-vmstate.json"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$QEMU_BUILD_DIR/qemu-system-x86_64" -M q35 -nodefaults -display none \
    -dump-vmstate "$tmp/all.json"
# Only our devices (and the machine type the checker compares first).
python3 - "$tmp/all.json" "$tmp/nvme.json" <<'PY'
import json, sys
src = json.load(open(sys.argv[1]))
keep = {k: v for k, v in src.items()
        if k in ("vmschkmachine", "nvme", "nvme-ns", "nvme-subsys")}
json.dump(keep, open(sys.argv[2], "w"), indent=2, sort_keys=True)
open(sys.argv[2], "a").write("\n")
PY
if [ "${1:-}" = --update ]; then
    cp "$tmp/nvme.json" "$kept"
    echo "updated $kept"
    exit 0
fi
if python3 "$QEMU_SRC_DIR/scripts/vmstate-static-checker.py" \
       -s "$kept" -d "$tmp/nvme.json"; then
    echo "vmstate: today's format loads in this build"
    echo "1 passed, 0 failed"
else
    echo "vmstate: the kept format (tests/migration/nvme-vmstate.json) no" \
         "longer loads: see above"
    echo "0 passed, 1 failed"
    exit 1
fi

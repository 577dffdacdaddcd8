#!/usr/bin/env bash
# The kconfig test "parts": each optional part (root Kconfig, nvme_parts in
# the root meson.build) is built in the default QEMU build and left out of
# the parts-off build, whose stubs are built instead, as QEMU's Kconfig
# decided (the builds' compile_commands.json say what was compiled).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/common.sh"
lists=$(nvme_lists)
default_cc="$QEMU_DEFAULT_BUILD_DIR/compile_commands.json"
NVME_BUILD=parts-off
. "$repo/scripts/common.sh"
off_cc="$QEMU_BUILD_DIR/compile_commands.json"

# compiled CC FILE: whether build CC compiles hw/nvme/FILE.
compiled() { grep -q "\"file\": \"[^\"]*/hw/nvme/$2\"" "$1"; }

bad=0
check() {       # check CC FILE WANT(yes|no) WHAT
    local got=no
    compiled "$1" "$2" && got=yes
    if [ "$got" = "$3" ]; then
        echo "ok: $4 $( [ "$3" = yes ] || echo not )builds hw/nvme/$2"
    else
        echo "FAIL: $4 $( [ "$3" = yes ] && echo "does not build" || echo builds) hw/nvme/$2"
        bad=1
    fi
}
for cc in "$default_cc" "$off_cc"; do
    [ -f "$cc" ] || { echo "no $cc: build first"; exit 1; }
done
while read -r switch rest; do
    [ -n "$switch" ] || continue
    sources=${rest%%--*} stubs=${rest#*--}
    for f in $sources; do
        check "$default_cc" "$f" yes "$switch on: the default build"
        check "$off_cc" "$f" no "$switch off: the parts-off build"
    done
    for f in $stubs; do
        check "$default_cc" "$f" no "$switch on: the default build"
        check "$off_cc" "$f" yes "$switch off: the parts-off build"
    done
done < "$lists/parts.txt"
exit "$bad"

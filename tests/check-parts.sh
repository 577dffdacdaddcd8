#!/usr/bin/env bash
# The kconfig test "parts": each optional part (root Kconfig, nvme_parts in
# the root meson.build) is linked into the default build's
# qemu-system-x86_64 and left out of the parts-off build's, which links
# its stubs instead, as QEMU's Kconfig decided (ninja says which objects
# each binary's link step takes).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
. "$repo/scripts/common.sh"
lists=$(nvme_lists)
default_dir=$QEMU_DEFAULT_BUILD_DIR
NVME_BUILD=parts-off
. "$repo/scripts/common.sh"
off_dir=$QEMU_BUILD_DIR

# linked DIR FILE: whether build DIR's QEMU links hw/nvme/FILE's object.
linked() {
    ninja -C "$1" -t query qemu-system-x86_64 |
        grep -x " *libcommon.a.p/hw_nvme_$2.o" > /dev/null
}

bad=0
check() {       # check DIR FILE WANT(yes|no) WHAT
    local got=no
    linked "$1" "$2" && got=yes
    if [ "$got" = "$3" ]; then
        echo "ok: $4 $( [ "$3" = yes ] || echo "does not ")link$( [ "$3" = no ] || echo s) hw/nvme/$2"
    else
        echo "FAIL: $4 $( [ "$3" = yes ] && echo "does not link" || echo links) hw/nvme/$2"
        bad=1
    fi
}
for d in "$default_dir" "$off_dir"; do
    [ -x "$d/qemu-system-x86_64" ] || { echo "no $d/qemu-system-x86_64: build first"; exit 1; }
done
while read -r switch rest; do
    [ -n "$switch" ] || continue
    sources=${rest%%--*} stubs=${rest#*--}
    for f in $sources; do
        check "$default_dir" "$f" yes "$switch on: the default QEMU"
        check "$off_dir" "$f" no "$switch off: the parts-off QEMU"
    done
    for f in $stubs; do
        check "$default_dir" "$f" no "$switch on: the default QEMU"
        check "$off_dir" "$f" yes "$switch off: the parts-off QEMU"
    done
done < "$lists/parts.txt"
exit "$bad"

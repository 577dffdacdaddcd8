#!/usr/bin/env bash
# Build QEMU with our hw/nvme in place of upstream's, plus our qtests.
#
#   1. install dependencies and obtain the pinned QEMU source (cached);
#   2. mirror our overlay into the source tree: the files the root
#      meson.build lists, and what it generates from its lists for QEMU's
#      tree (hw/nvme/meson.build, tests/qtest/nvme/meson.build, a devices
#      file with every optional part off); the root Kconfig becomes
#      hw/nvme/Kconfig.  Only changed files are copied, so ninja rebuilds
#      just what changed;
#   3. hook our qtest list into tests/qtest/meson.build (once, marked);
#   4. configure once per QEMU version + options, then ninja the targets.
#
# Idempotent: run it after every edit.  Usage: build-qemu.sh [ninja targets]
# NVME_BUILD=asan builds the clang ASan+UBSan+libFuzzer variant in its own
# folder (see common.sh): qemu-system-x86_64, qemu-fuzz-x86_64 and the qtests;
# NVME_BUILD=parts-off a qemu-system-x86_64 with every optional part off.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/common.sh"

bash "$here/setup.sh"

# One build at a time per cache: parallel runs would race on the mirrored
# source tree and on ninja's state.
mkdir -p "$NVME_CACHE"
exec 9>"$NVME_CACHE/build.lock"
flock 9

# Copy $1 (file) to $2 unless identical, keeping mtimes of unchanged files.
sync_file() {
    if ! cmp -s "$1" "$2"; then
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2"
    fi
}

# What the root meson.build lists (the overlay) and generates from its lists.
lists=$(nvme_lists)
mapfile -t overlay < "$lists/overlay.txt"
for f in "${overlay[@]}"; do
    sync_file "$top/$f" "$QEMU_SRC_DIR/$f"
done
sync_file "$top/Kconfig" "$QEMU_SRC_DIR/hw/nvme/Kconfig"
sync_file "$lists/qemu-hw-nvme.build" "$QEMU_SRC_DIR/hw/nvme/meson.build"
sync_file "$lists/qemu-qtest-nvme.build" "$QEMU_SRC_DIR/tests/qtest/nvme/meson.build"
sync_file "$lists/nvme-parts-off.mak" \
    "$QEMU_SRC_DIR/configs/devices/x86_64-softmmu/nvme-parts-off.mak"

# The device's folders hold exactly our files: upstream's (its nvme.h
# would shadow ours) and ones we removed go.  The area headers live next to
# the code in hw/nvme/, the public face in include/hw/nvme/
# (docs/architecture.rst).
(cd "$QEMU_SRC_DIR" && find hw/nvme include/hw/nvme -type f 2>/dev/null) |
while read -r f; do
    case " ${overlay[*]} hw/nvme/Kconfig hw/nvme/meson.build " in
        *" $f "*) ;;
        *) rm -f "$QEMU_SRC_DIR/$f" ;;
    esac
done

# Our qtests are listed in tests/qtest/nvme/meson.build; QEMU's qtest loop
# builds and registers them like its own.
qmeson="$QEMU_SRC_DIR/tests/qtest/meson.build"
if ! grep -q "nvme-qemu overlay" "$qmeson"; then
    sed -i "s|^qtest_executables = {}|# nvme-qemu overlay: our qtests\nsubdir('nvme')\n\n&|" "$qmeson"
    grep -q "subdir('nvme')" "$qmeson" || { echo "build-qemu: hook failed" >&2; exit 1; }
fi

mkdir -p "$QEMU_BUILD_DIR" "$CCACHE_DIR"
if [ ! -f "$QEMU_BUILD_DIR/build.ninja" ]; then
    # shellcheck disable=SC2086
    (cd "$QEMU_BUILD_DIR" && "$QEMU_SRC_DIR/configure" --cc="$QEMU_CC" \
        ${QEMU_CXX:+--cxx="$QEMU_CXX"} $QEMU_CONFIGURE_OPTS $QEMU_VARIANT_CONFIGURE \
        ${QEMU_EXTRA_CONFIGURE:-})
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    case $NVME_BUILD in
        default) targets=(qemu-system-x86_64 qemu-img) ;;
        # Sanitizer/fuzzing variant: the sanitize and fuzz suites (qemu-img:
        # the qtests that make qcow2 images, e.g. savevm in nvme-migrate-test).
        asan) targets=(qemu-system-x86_64 qemu-img qemu-fuzz-x86_64) ;;
        # QEMU only: its tests run the default build's qtest programs.
        parts-off) targets=(qemu-system-x86_64) ;;
    esac
    if [ "$NVME_BUILD" != parts-off ]; then
        while read -r t _; do
            targets+=("tests/qtest/$t")
        done < "$lists/qtests.txt"
    fi
fi
ninja -C "$QEMU_BUILD_DIR" "${targets[@]}"


# A binary run from the build tree relocates --firmwarepath under
# qemu-bundle/: point those folders at Debian's firmware packages.
for d in usr/share/seabios usr/lib/ipxe/qemu usr/share/qemu; do
    link="$QEMU_BUILD_DIR/qemu-bundle/$d"
    if [ ! -e "$link" ]; then
        mkdir -p "$(dirname "$link")"
        ln -sfn "/$d" "$link"
    fi
done

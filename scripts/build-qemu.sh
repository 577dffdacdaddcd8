#!/usr/bin/env bash
# Build QEMU with our hw/nvme in place of upstream's, plus our qtests.
#
#   1. install dependencies and obtain the pinned QEMU source (cached);
#   2. mirror our overlay into the source tree (only changed files are
#      copied, so ninja rebuilds just what changed);
#   3. hook our qtest list into tests/qtest/meson.build (once, marked);
#   4. configure once per QEMU version + options, then ninja the targets.
#
# Idempotent: run it after every edit.  Usage: build-qemu.sh [ninja targets]
# NVME_BUILD=asan builds the clang ASan+UBSan+libFuzzer variant in its own
# folder (see common.sh): qemu-system-x86_64, qemu-fuzz-x86_64 and the qtests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/common.sh"

bash "$here/setup-deps.sh"
[ "$NVME_BUILD" = default ] || bash "$here/setup-sanitize-deps.sh"
bash "$here/get-qemu.sh"

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

# Make directory $2 an exact mirror of directory $1.
sync_dir() {
    local src=$1 dst=$2 f
    mkdir -p "$dst"
    (cd "$src" && find . -type f) | while read -r f; do
        sync_file "$src/$f" "$dst/$f"
    done
    (cd "$dst" && find . -type f) | while read -r f; do
        [ -e "$src/$f" ] || rm -f "$dst/$f"
    done
}

sync_dir "$top/hw/nvme" "$QEMU_SRC_DIR/hw/nvme"
# Our headers live next to the code in hw/nvme/ (docs/architecture.rst);
# an include/hw/nvme/ mirrored by an older checkout would shadow nothing
# but could go stale, so it is removed.
rm -rf "$QEMU_SRC_DIR/include/hw/nvme"
sync_dir "$top/tests/qtest/nvme" "$QEMU_SRC_DIR/tests/qtest/nvme"
for f in "$top"/tests/qtest/*.c "$top"/tests/qtest/libqos/*.[ch]; do
    [ -e "$f" ] || continue
    sync_file "$f" "$QEMU_SRC_DIR/${f#"$top"/}"
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
        # Sanitizer/fuzzing variant: what run-sanitize.sh and run-fuzz.sh use.
        *) targets=(qemu-system-x86_64 qemu-fuzz-x86_64) ;;
    esac
    for t in $(sed -n "s/^ *'\(nvme-[a-z0-9-]*-test\)': *files(.*/\1/p" \
                   "$top/tests/qtest/nvme/meson.build"); do
        targets+=("tests/qtest/$t")
    done
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

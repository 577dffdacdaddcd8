# Shared settings for the project's scripts (sourced, not run).
# Everything heavy lives outside the checkout, keyed by QEMU version, so a
# fresh clone on the same machine reuses the build.  The +ds source has no
# firmware blobs: --firmwarepath points at Debian's SeaBIOS and iPXE ROMs.
: "${NVME_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/nvme-qemu}"
QEMU_DEB_VERSION=1:10.0.13+ds-0+deb13u1
QEMU_VERSION=10.0.13
QEMU_CONFIGURE_OPTS="--python=/usr/bin/python3 --target-list=x86_64-softmmu \
--without-default-features --enable-kvm --enable-tcg --enable-tools --enable-linux-aio \
--enable-linux-io-uring --enable-slirp --enable-fdt=system --disable-docs \
--disable-werror --disable-install-blobs \
--firmwarepath=/usr/share/seabios:/usr/lib/ipxe/qemu:/usr/share/qemu"
# Build variant: NVME_BUILD=default (gcc, what the demo and the normal tests
# use), NVME_BUILD=asan (clang with AddressSanitizer + UBSan and libFuzzer
# instrumentation: the sanitize and fuzz test suites) or
# NVME_BUILD=parts-off (gcc, every optional part of the device switched off
# in Kconfig: QEMU only, the kconfig test suite) or NVME_BUILD=tsan (clang
# with ThreadSanitizer: the threading checks of docs/testing.rst; build it
# with explicit targets).  The variant changes the compiler and configure
# options, hence the folder.
NVME_BUILD=${NVME_BUILD:-default}
QEMU_CC="ccache gcc"
QEMU_CXX=
QEMU_VARIANT_CONFIGURE=
case $NVME_BUILD in
    default) ;;
    asan)
        QEMU_CC="ccache clang-14"
        QEMU_CXX="ccache clang++-14"
        QEMU_VARIANT_CONFIGURE="--enable-asan --enable-ubsan --enable-fuzzing"
        ;;
    parts-off)
        # configs/devices/x86_64-softmmu/nvme-parts-off.mak, generated from
        # the root meson.build's nvme_parts by scripts/build-qemu.sh
        QEMU_VARIANT_CONFIGURE="--with-devices-x86_64=nvme-parts-off"
        ;;
    tsan)
        QEMU_CC="ccache clang-14"
        QEMU_CXX="ccache clang++-14"
        QEMU_VARIANT_CONFIGURE="--enable-tsan"
        ;;
    *) echo "common.sh: unknown NVME_BUILD=$NVME_BUILD (default|asan|parts-off|tsan)" >&2
       exit 2 ;;
esac
opts_key=$(printf '%s' "$QEMU_CONFIGURE_OPTS ${QEMU_EXTRA_CONFIGURE:-}" | md5sum | cut -c1-8)
QEMU_DEFAULT_BUILD_DIR="$NVME_CACHE/build-$QEMU_VERSION-$opts_key"
if [ "$NVME_BUILD" = default ]; then
    QEMU_BUILD_DIR=$QEMU_DEFAULT_BUILD_DIR
else
    opts_key=$(printf '%s' "$QEMU_CC $QEMU_CXX $QEMU_CONFIGURE_OPTS $QEMU_VARIANT_CONFIGURE \
${QEMU_EXTRA_CONFIGURE:-}" | md5sum | cut -c1-8)
    QEMU_BUILD_DIR="$NVME_CACHE/build-$QEMU_VERSION-$NVME_BUILD-$opts_key"
fi
# Where the qtest programs are: the parts-off build has QEMU only and
# borrows the default build's (they do not depend on the device's Kconfig).
QTEST_BUILD_DIR=$QEMU_BUILD_DIR
[ "$NVME_BUILD" != parts-off ] || QTEST_BUILD_DIR=$QEMU_DEFAULT_BUILD_DIR
QEMU_SRC_DIR="$NVME_CACHE/qemu-$QEMU_VERSION-src"
export CCACHE_DIR="${CCACHE_DIR:-$NVME_CACHE/ccache}"
# Paths under the cache are hashed relative, so a re-created build folder,
# another variant's folder or another cache sharing CCACHE_DIR hits.  QEMU
# compiles with -g, for which ccache would also hash the build folder's
# absolute path (debug info records it): not here, so the folders share
# objects (their debug info may then name the folder that compiled first).
export CCACHE_BASEDIR="$NVME_CACHE"
export CCACHE_NOHASHDIR=1

# Root commands go through sudo unless the scripts already run as root.
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# deps_done NAME: whether the install step NAME already ran on this machine
# (its stamp is in the cache; FORCE_DEPS=1 redoes it).  deps_mark NAME
# records that it did.
deps_done() { [ -f "$NVME_CACHE/$1.stamp" ] && [ -z "${FORCE_DEPS:-}" ]; }
deps_mark() { mkdir -p "$NVME_CACHE" && touch "$NVME_CACHE/$1.stamp"; }

# nvme_lists: print the folder holding what the root meson.build generates
# from its lists (overlay.txt, qtests.txt, guest-boots.txt, parts.txt and
# QEMU's meson.build files): a private meson set-up of this checkout in
# the cache, re-generated whenever a meson.build or template changes.
nvme_lists() {
    local top dir
    top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    dir="$NVME_CACHE/lists-$(printf %s "$top" | md5sum | cut -c1-8)"
    mkdir -p "$NVME_CACHE"
    (
        flock 8
        if [ -f "$dir/build.ninja" ]; then
            ninja -C "$dir" build.ninja > "$dir.log" 2>&1
        else
            rm -rf "$dir"
            meson setup "$dir" "$top" > "$dir.log" 2>&1
        fi || { cat "$dir.log" >&2; exit 1; }
    ) 8> "$dir.lock" || return 1
    echo "$dir"
}

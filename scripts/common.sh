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
# use) or NVME_BUILD=asan (clang with AddressSanitizer + UBSan and libFuzzer
# instrumentation: serves tests/run-sanitize.sh and tests/run-fuzz.sh).  The
# variant changes the compiler and configure options, hence the folder.
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
    *) echo "common.sh: unknown NVME_BUILD=$NVME_BUILD (default|asan)" >&2; exit 2 ;;
esac
if [ "$NVME_BUILD" = default ]; then
    opts_key=$(printf '%s' "$QEMU_CONFIGURE_OPTS ${QEMU_EXTRA_CONFIGURE:-}" | md5sum | cut -c1-8)
    QEMU_BUILD_DIR="$NVME_CACHE/build-$QEMU_VERSION-$opts_key"
else
    opts_key=$(printf '%s' "$QEMU_CC $QEMU_CXX $QEMU_CONFIGURE_OPTS $QEMU_VARIANT_CONFIGURE \
${QEMU_EXTRA_CONFIGURE:-}" | md5sum | cut -c1-8)
    QEMU_BUILD_DIR="$NVME_CACHE/build-$QEMU_VERSION-$NVME_BUILD-$opts_key"
fi
QEMU_SRC_DIR="$NVME_CACHE/qemu-$QEMU_VERSION-src"
export CCACHE_DIR="${CCACHE_DIR:-$NVME_CACHE/ccache}"
# Paths under the cache are hashed relative, so a re-created build folder hits.
export CCACHE_BASEDIR="$NVME_CACHE"

# Root commands go through sudo unless the scripts already run as root.
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

# deps_done NAME: whether the install step NAME already ran on this machine
# (its stamp is in the cache; FORCE_DEPS=1 redoes it).  deps_mark NAME
# records that it did.
deps_done() { [ -f "$NVME_CACHE/$1.stamp" ] && [ -z "${FORCE_DEPS:-}" ]; }
deps_mark() { mkdir -p "$NVME_CACHE" && touch "$NVME_CACHE/$1.stamp"; }

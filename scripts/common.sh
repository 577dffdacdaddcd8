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
opts_key=$(printf '%s' "$QEMU_CONFIGURE_OPTS ${QEMU_EXTRA_CONFIGURE:-}" | md5sum | cut -c1-8)
QEMU_SRC_DIR="$NVME_CACHE/qemu-$QEMU_VERSION-src"
QEMU_BUILD_DIR="$NVME_CACHE/build-$QEMU_VERSION-$opts_key"
export CCACHE_DIR="${CCACHE_DIR:-$NVME_CACHE/ccache}"
# Paths under the cache are hashed relative, so a re-created build folder hits.
export CCACHE_BASEDIR="$NVME_CACHE"

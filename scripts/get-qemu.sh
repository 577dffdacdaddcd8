#!/usr/bin/env bash
# Obtain the pinned QEMU source into $QEMU_SRC_DIR (pristine copy in
# $QEMU_SRC_DIR.orig is never touched again).  Sources, in order:
#   QEMU_SRC=<dir>          an already unpacked QEMU 10.0.x tree
#   QEMU_TARBALL=<file>     an upstream release tarball (qemu-10.0.x.tar.xz)
#   default                 Debian's source package $QEMU_DEB_VERSION (trixie
#                           deb-src), unpacked by dpkg-source so Debian's
#                           patches (no bundled firmware blobs) apply.
# The version is checked; the checksums of what was obtained are recorded.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

if [ -f "$QEMU_SRC_DIR/.nvme-src-ok" ]; then
    exit 0
fi
mkdir -p "$NVME_CACHE"
rm -rf "$QEMU_SRC_DIR" "$QEMU_SRC_DIR.tmp"
mkdir -p "$QEMU_SRC_DIR.tmp"
cd "$QEMU_SRC_DIR.tmp"

if [ -n "${QEMU_SRC:-}" ]; then
    cp -a "$QEMU_SRC/." src/
elif [ -n "${QEMU_TARBALL:-}" ]; then
    sha256sum "$QEMU_TARBALL" > checksums.txt
    mkdir src && tar -xf "$QEMU_TARBALL" -C src --strip-components=1
else
    # apt-get source checks every file against the signed Sources index.
    apt-get source --download-only "qemu=$QEMU_DEB_VERSION"
    sha256sum qemu_* > checksums.txt
    dpkg-source -x qemu_*.dsc src
fi

ver=$(cat src/VERSION)
case "$ver" in
    10.0.*) ;;
    *) echo "get-qemu: expected QEMU 10.0.x, got '$ver'" >&2; exit 1 ;;
esac
echo "get-qemu: QEMU $ver"
cat checksums.txt 2>/dev/null || true
mv src "$QEMU_SRC_DIR"
mv checksums.txt "$QEMU_SRC_DIR/.nvme-checksums" 2>/dev/null || true
cd /
rm -rf "$QEMU_SRC_DIR.tmp"
touch "$QEMU_SRC_DIR/.nvme-src-ok"

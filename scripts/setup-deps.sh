#!/usr/bin/env bash
# Install every host dependency the builds (gcc and the clang ASan+UBSan+
# libFuzzer variant), the guest image and the tests need.  Idempotent: when
# every package is there it touches nothing (no apt lock).  Needs root (or
# sudo) on Debian 12.
#
# Extra apt sources (bookworm-backports for meson >= 1.5, trixie deb-src for the
# QEMU 10.0 source package) are derived from the machine's own Debian entry:
# we copy its URIs and Signed-By and change only Types and Suites.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

deps_done deps-v4 && exit 0

# From bookworm: the builds, the guest image, the tests.  The clang 14
# packages serve the sanitizer build: ASan, UBSan and libFuzzer live in
# libclang-rt-14-dev, llvm-symbolizer (llvm-14) makes their stacks readable.
pkgs=(build-essential pkg-config ccache ninja-build flex bison python3-venv
      libglib2.0-dev libpixman-1-dev libaio-dev liburing-dev libslirp-dev
      libfdt-dev zlib1g-dev dpkg-dev devscripts xz-utils zstd cpio
      seabios ipxe-qemu qemu-system-data e2fsprogs binutils file
      python3-docutils clang-14 libclang-rt-14-dev llvm-14)
# From bookworm-backports: QEMU 10 needs meson >= 1.5.
bpo_pkgs=(meson python3-pycotap)

# installed PKG...: whether every package is installed.
installed() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q 'install ok installed' || return 1
    done
}

extra=/etc/apt/sources.list.d/nvme-qemu-extra.sources

# Print "URIS|SIGNED_BY" of the machine's main Debian entry (the one whose
# suites include the release codename, not -security).
find_debian_entry() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        [ "$f" = "$extra" ] && continue
        awk '
            function flush() {
                if (types ~ /deb/ && suites ~ /(^| )bookworm( |$)/ && uris != "")
                    print uris "|" signed
                types = suites = uris = signed = ""
            }
            /^[[:space:]]*$/ { flush(); next }
            /^Types:/     { sub(/^Types:[[:space:]]*/, ""); types = $0 }
            /^Suites:/    { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
            /^URIs:/      { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
            /^Signed-By:/ { sub(/^Signed-By:[[:space:]]*/, ""); signed = $0 }
            END { flush() }
        ' "$f"
    done
    # One-line format fallback (/etc/apt/sources.list).
    if [ -f /etc/apt/sources.list ]; then
        awk '$1 == "deb" && $0 ~ / bookworm / {
                 for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i "|"; exit }
             }' /etc/apt/sources.list
    fi
}

if [ ! -f "$extra" ]; then
    entry=$(find_debian_entry | head -n1)
    if [ -z "$entry" ]; then
        echo "setup-deps: no bookworm entry in the apt sources to derive from" >&2
        exit 1
    fi
    uris=${entry%%|*}
    signed=${entry#*|}
    {
        echo "# Added by nvme-qemu scripts/setup-deps.sh, derived from the existing entry."
        echo "Types: deb"
        echo "URIs: $uris"
        echo "Suites: bookworm-backports"
        echo "Components: main"
        [ -n "$signed" ] && echo "Signed-By: $signed"
        echo
        echo "Types: deb-src"
        echo "URIs: $uris"
        echo "Suites: trixie"
        echo "Components: main"
        [ -n "$signed" ] && echo "Signed-By: $signed"
    } | $SUDO tee "$extra" >/dev/null
fi

if ! installed "${pkgs[@]}" "${bpo_pkgs[@]}" ||
   ! dpkg --compare-versions "$(dpkg-query -W -f='${Version}' meson)" ge 1.5; then
    export DEBIAN_FRONTEND=noninteractive
    # Several users of one machine may set up at once: wait for apt's locks.
    apt=($SUDO apt-get -q -o DPkg::Lock::Timeout=600)
    "${apt[@]}" update
    "${apt[@]}" install -y --no-install-recommends "${pkgs[@]}"
    "${apt[@]}" install -y --no-install-recommends -t bookworm-backports \
        "${bpo_pkgs[@]}"
fi

deps_mark deps-v4

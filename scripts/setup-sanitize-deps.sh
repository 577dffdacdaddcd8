#!/usr/bin/env bash
# Extra host dependencies of the sanitizer/fuzzing build (NVME_BUILD=asan):
# Debian bookworm's clang 14 with its runtime libraries (ASan, UBSan and
# libFuzzer live in libclang-rt-14-dev) and llvm-symbolizer for readable
# sanitizer stacks.  Idempotent; needs root (or sudo) on Debian 12.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

deps_done sanitize-deps-v1 && exit 0

export DEBIAN_FRONTEND=noninteractive
pkgs=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
        missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

deps_mark sanitize-deps-v1

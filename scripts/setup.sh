#!/usr/bin/env bash
# The project's set-up (`make setup`): host packages (setup-deps.sh) and
# QEMU's source in the cache (get-qemu.sh).  Idempotent and quick once
# done; scripts/build-qemu.sh runs it first, and the root meson project
# needs it (its unit tests compile against QEMU's headers).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/setup-deps.sh"
bash "$here/get-qemu.sh"

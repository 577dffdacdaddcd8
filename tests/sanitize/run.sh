#!/usr/bin/env bash
# Run a command against the sanitizer build (NVME_BUILD=asan): ASan and
# UBSan stop at the first report (halt_on_error) and also write every
# report to a file, so one that changes no exit status (or is hidden in a
# test runner's output) still fails the command.  The reports go to stderr.
# Usage: tests/sanitize/run.sh COMMAND [ARG...]
# Env:   DETECT_LEAKS=1   LeakSanitizer too (QEMU itself leaks at exit)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
export NVME_BUILD=asan
. "$repo/scripts/common.sh"

reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
sym=
[ -x /usr/lib/llvm-14/bin/llvm-symbolizer ] &&
    sym=":external_symbolizer_path=/usr/lib/llvm-14/bin/llvm-symbolizer"
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=0:detect_leaks=${DETECT_LEAKS:-0}:print_summary=1:log_path=$reports/asan$sym"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:print_summary=1:log_path=$reports/ubsan$sym:suppressions=$here/ubsan.supp"
# The sanitized guest boots log apart from the plain ones.
export LOG_DIR=${LOG_DIR:-$NVME_CACHE/guest/logs-asan}
export QEMU=${QEMU:-$QEMU_BUILD_DIR/qemu-system-x86_64}

rc=0
"$@" || rc=$?

# Any report file is a failure, whatever the exit status said (files with
# only ASan's makecontext/swapcontext warning about coroutines are not).
nrep=0
for f in "$reports"/*; do
    [ -s "$f" ] || continue
    grep -qE 'ERROR: |runtime error:|SUMMARY: ' "$f" || continue
    nrep=$((nrep + 1))
    echo "== sanitizer report $(basename "$f"):" >&2
    grep -v 'makecontext/swapcontext' "$f" | sed "s|$QEMU_BUILD_DIR/../||" |
        head -n 100 | sed 's/^/  | /' >&2
done
if [ "$nrep" != 0 ]; then
    echo "sanitize: $nrep sanitizer report(s)" >&2
    [ "$rc" != 0 ] || rc=1
fi
exit "$rc"

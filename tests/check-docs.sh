#!/usr/bin/env bash
# The unit tests "rst/*": each page parses as reStructuredText without a
# warning (docutils, halting at warnings).  Skipped (77) without docutils.
# Usage: tests/check-docs.sh FILE.rst...
set -uo pipefail
# Debian's python3-docutils (scripts/setup-deps.sh), or any python3's.
py=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import docutils' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "no docutils: skipped"; exit 77; }
bad=0
for f in "$@"; do
    if out=$("$py" -m docutils --halt=warning --report=warning \
                 "$f" /dev/null 2>&1); then
        echo "ok $f"
    else
        echo "$out"
        bad=1
    fi
done
exit "$bad"

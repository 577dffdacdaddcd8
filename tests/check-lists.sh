#!/usr/bin/env bash
# The unit test "lists": the root meson.build is the one list of the
# project's files.  Fails when a file under the listed folders is in no
# list (it would silently not be built, copied or run), or a listed file
# does not exist.
# Usage: tests/check-lists.sh LISTED_FILE   (one repo path a line; the
# root meson.build writes it as listed.txt)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
listed=$1
cd "$repo"

# What the tree holds under the folders the lists cover: what git tracks
# or would track (new files count), or every file outside a checkout.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    have=$(git ls-files --cached --others --exclude-standard -- \
               hw include tests/qtest tests/unit tests/guest docs)
else
    have=$(find hw include tests/qtest tests/unit tests/guest docs -type f)
fi

bad=0
while read -r f; do
    [ -n "$f" ] && [ -e "$f" ] || continue
    if ! grep -qxF -- "$f" "$listed"; then
        echo "not in the root meson.build: $f"
        bad=1
    fi
done <<< "$have"
while read -r f; do
    [ -n "$f" ] || continue
    if [ ! -e "$f" ]; then
        echo "listed in the root meson.build but missing: $f"
        bad=1
    fi
done < "$listed"
[ "$bad" = 0 ] && echo "every file is listed ($(wc -l < "$listed") entries)"
exit "$bad"

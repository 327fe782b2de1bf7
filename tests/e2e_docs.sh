#!/bin/sh
# Docs that are generated must match the program: docs/keys.md against
# --help-keys, and the man page must mention every flag of --help.
set -u
BIN=${BUILD:-build}/iftop-logs
got=$($BIN --help-keys)
want=$(sed -n '/^```$/,/^```$/p' docs/keys.md | sed '1d;$d')
[ "$got" = "$want" ] || { echo "docs/keys.md is stale; regenerate it from --help-keys"; exit 1; }
for flag in $($BIN --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	grep -q -- "$(echo "$flag" | sed 's/-/\\\\-/g')" docs/iftop-logs.1 || { echo "man page lacks $flag"; exit 1; }
done
echo "docs ok"

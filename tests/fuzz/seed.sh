#!/bin/sh
# tests/fuzz/seed.sh DIR: writes one corpus file per query of the shared
# LogQL conformance files (first tab-separated column) into DIR.
set -e
DIR=$1
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CONF=${LQ_CONFORMANCE:-$ROOT/../shared/conformance/logql}
mkdir -p "$DIR"
i=0
for f in valid.txt invalid.txt format.txt; do
	[ -f "$CONF/$f" ] || continue
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		i=$((i + 1))
		printf '%s' "${line%%	*}" > "$DIR/seed-$i"
	done < "$CONF/$f"
done
echo "seeded $i queries from $CONF into $DIR"

#!/bin/sh
# Golden snapshots: renders each case of tests/golden/cases.txt with the
# headless backend (--snapshot) and compares it byte for byte with
# tests/golden/<name>.screen.  UPDATE_GOLDEN=1 rewrites the files.
set -u
BIN=${BUILD:-build}/iftop-logs
export TZ=UTC NO_COLOR= XDG_CONFIG_HOME=/nonexistent
unset LOKI_ADDR
fail=0 n=0
while IFS='|' read -r name args; do
	name=$(echo "$name" | tr -d ' ')
	case "$name" in ''|\#*) continue ;; esac
	n=$((n + 1))
	want=tests/golden/$name.screen
	# shellcheck disable=SC2086
	got=$($BIN --now 2026-01-01T00:00:00Z --utc --seed 7 $args 2>&1; echo "exit=$?")
	if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
		printf '%s\n' "$got" > "$want"
		continue
	fi
	if [ ! -f "$want" ]; then
		echo "missing golden file $want (UPDATE_GOLDEN=1 make test creates it)"
		fail=$((fail + 1))
		continue
	fi
	if ! printf '%s\n' "$got" | diff -u "$want" - > /tmp/golden.diff.$$; then
		echo "golden mismatch: $name"
		head -40 /tmp/golden.diff.$$
		fail=$((fail + 1))
	fi
done < tests/golden/cases.txt
rm -f /tmp/golden.diff.$$
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]

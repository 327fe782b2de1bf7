#!/bin/sh
# Runs every test: each cmocka binary in $BUILD/tests, then each
# tests/e2e_*.sh script.  Real servers (Loki, Prometheus) are started once
# here by tests/servers.sh when it exists.  Ends with "N passed, N failed".
BUILD=${BUILD:-build}
export BUILD
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT
cd "$ROOT" || exit 1
pass=0 fail=0 failed=""
if [ -f tests/servers.sh ]; then
	. tests/servers.sh
	servers_start || { echo "FAIL: could not start test servers"; exit 1; }
	trap 'servers_stop' EXIT INT TERM
fi
run_one() {
	name=$1; shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		pass=$((pass + 1)); echo "ok   $name"
	else
		fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name"
		sed 's/^/    /' "$log" | tail -40
	fi
	rm -f "$log"
}
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	run_one "$(basename "$t")" "$t"
done
for t in tests/e2e_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t")" sh "$t"
done
echo "$pass passed, $fail failed"
[ -n "$failed" ] && echo "failed:$failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# `iftop-logs check` against the real Loki and Prometheus of the test run:
# it names what is up and what is not, and its exit status is 0 healthy,
# 1 degraded, 2 unreachable.
set -u
BIN=${BUILD:-build}/iftop-logs
[ -n "${LOKI_TEST_ADDR:-}" ] && [ -n "${PROM_TEST_ADDR:-}" ] || { echo "needs LOKI_TEST_ADDR and PROM_TEST_ADDR (tests/run.sh)"; exit 1; }
export XDG_CONFIG_HOME=/nonexistent
D=$(mktemp -d)
$BIN demo --write "$D" --duration 1m >/dev/null 2>&1
$BIN demo --push "$LOKI_TEST_ADDR" --duration 2m --seed 5 >/dev/null 2>&1
fail() { echo "FAIL: $*"; echo "$out"; rm -rf "$D"; exit 1; }
# Fresh files only: healthy, exit 0.
out=$($BIN check --files "$D/*.log" 2>&1); rc=$?
echo "$out" | grep -q "^healthy$" || fail "fresh files not healthy"
[ "$rc" = 0 ] || fail "exit $rc for fresh files, want 0"
# Loki and fresh files: healthy.
out=$($BIN check --addr "$LOKI_TEST_ADDR" --files "$D/*.log" 2>&1); rc=$?
echo "$out" | grep -q "^ok    ready" || fail "Loki not reported ready"
echo "$out" | grep -q "^ok    version 2.8.0" || fail "no Loki version"
echo "$out" | grep -q "labels: .*agent_id" || fail "labels not listed"
echo "$out" | grep -q "^ok    40 files" || fail "files not counted"
echo "$out" | grep -q "parse as JSON" || fail "files not parsed"
# The demo push is two minutes old: ingestion may be idle now; healthy or degraded, never unreachable.
[ "$rc" -le 1 ] || fail "exit $rc with Loki up"
# Prometheus of the test run has a down target and a firing alert: degraded.
i=0
while [ $i -lt 15 ]; do
	out=$($BIN check --prom-addr "$PROM_TEST_ADDR" --files "$D/*.log" 2>&1); rc=$?
	echo "$out" | grep -q "firing since" && break
	sleep 1; i=$((i + 1))
done
echo "$out" | grep -q "^WARN  target .* is down" || fail "down target not reported"
echo "$out" | grep -q "^WARN  alert .* firing since" || fail "firing alert not reported"
[ "$rc" = 1 ] || fail "exit $rc, want 1 (degraded)"
# A dead Loki: unreachable, with what to try.
out=$($BIN check --addr http://127.0.0.1:9 --files "$D/*.log" 2>&1); rc=$?
echo "$out" | grep -q "^FAIL  not ready" || fail "dead Loki not reported"
echo "$out" | grep -q "try: curl" || fail "no hint"
[ "$rc" = 2 ] || fail "exit $rc, want 2 (unreachable)"
# Stale files: degraded.
touch -d '1 hour ago' "$D"/*.log
out=$($BIN check --files "$D/*.log" 2>&1); rc=$?
echo "$out" | grep -q "not written for 5 minutes" || fail "stale files not reported"
[ "$rc" = 1 ] || fail "exit $rc for stale files, want 1"
rm -rf "$D"
echo "check ok"

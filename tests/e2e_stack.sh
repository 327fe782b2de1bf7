#!/bin/sh
# The stack strip and alerts against the real Loki and Prometheus of the
# test run (tests/servers.sh): ready states, targets up/down, the firing
# Prometheus alert counted in the status bar; and a dead server says down.
set -u
BIN=${BUILD:-build}/iftop-logs
[ -n "${LOKI_TEST_ADDR:-}" ] && [ -n "${PROM_TEST_ADDR:-}" ] || { echo "needs LOKI_TEST_ADDR and PROM_TEST_ADDR (tests/run.sh)"; exit 1; }
export XDG_CONFIG_HOME=/nonexistent TZ=UTC
out=$($BIN --snapshot health --size 200x12 --addr "$LOKI_TEST_ADDR" --prom-addr "$PROM_TEST_ADDR" demo 2>&1)
echo "$out" | grep -q "Loki: ready" || { echo "FAIL: Loki not shown ready"; echo "$out" | head -4; exit 1; }
echo "$out" | grep -Eq "Prometheus: ready, targets [1-9][0-9]* up [1-9][0-9]* down" ||
	{ echo "FAIL: Prometheus targets not shown"; echo "$out" | head -4; exit 1; }
# Prometheus' firing alert counts in every view's status bar (after its first evaluations).
CFG=$(mktemp)
echo 'alert Never sum(count_over_time({level="NONE"}[1m])) > 1' > "$CFG"
i=0
while [ $i -lt 20 ]; do
	out=$($BIN --snapshot tail --size 200x6 --prom-addr "$PROM_TEST_ADDR" --config "$CFG" demo 2>&1)
	echo "$out" | grep -q "alerts\? firing" && break
	sleep 1; i=$((i + 1))
done
rm -f "$CFG"
echo "$out" | tail -1 | grep -q "firing" || { echo "FAIL: the firing Prometheus alert is not in the status bar"; echo "$out" | tail -2; exit 1; }
out=$($BIN --snapshot alerts --size 200x30 --prom-addr "$PROM_TEST_ADDR" demo 2>&1)
echo "$out" | grep -A3 "PROMETHEUS ALERTS" | grep -q "FIRING" || { echo "FAIL: alerts view lacks the Prometheus alert"; echo "$out"; exit 1; }
# A dead server: down, with the reason.
out=$($BIN --snapshot health --size 200x12 --addr http://127.0.0.1:9 --prom-addr http://127.0.0.1:9 demo 2>&1)
echo "$out" | grep -q "Loki: down" || { echo "FAIL: dead Loki not shown down"; echo "$out" | head -3; exit 1; }
echo "$out" | grep -q "Prometheus: down" || { echo "FAIL: dead Prometheus not shown down"; exit 1; }
echo "stack ok"

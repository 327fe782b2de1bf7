#!/bin/sh
# The whole stack with the real Loki of the test run: demo --push fills it,
# then iftop-logs pointed at it (LOKI_ADDR) tails it live over the
# websocket, with the polling fallback when the websocket is refused, and
# the views work on those lines.
set -u
BIN=${BUILD:-build}/iftop-logs
[ -n "${LOKI_TEST_ADDR:-}" ] || { echo "needs LOKI_TEST_ADDR (tests/run.sh starts Loki)"; exit 1; }
export XDG_CONFIG_HOME=/nonexistent TZ=UTC
$BIN demo --push "$LOKI_TEST_ADDR" --duration 2m --seed 11 2>/tmp/push.$$ || { echo "FAIL: demo --push"; cat /tmp/push.$$; exit 1; }
grep -q "lines pushed" /tmp/push.$$ || { echo "FAIL: push did not report"; cat /tmp/push.$$; exit 1; }
rm -f /tmp/push.$$
# Live tail over the websocket: history from 3 minutes back.
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN --snapshot tail --size 220x12 --loki-history 10m --loki-query '{job="infrafabric"}' 2>&1)
echo "$out" | head -1 | grep -q "loki" || { echo "FAIL: title does not name Loki as the source"; echo "$out"; exit 1; }
echo "$out" | grep -q "A[0-9]*-\(haiku\|sonnet\|opus\)-" || { echo "FAIL: no demo lines from Loki"; echo "$out"; exit 1; }
n=$(echo "$out" | tail -1 | grep -o '[0-9]* lines' | head -1 | cut -d' ' -f1)
[ "${n:-0}" -gt 1000 ] || { echo "FAIL: only ${n:-0} lines held from Loki"; echo "$out" | tail -2; exit 1; }
# The same lines through the headless query agree with Loki's count.
cnt=$(curl -s -G "$LOKI_TEST_ADDR/loki/api/v1/query" --data-urlencode 'query=sum(count_over_time({job="infrafabric", level="ERROR"}[10m]))' |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(int(float(r[0]["value"][1])) if r else 0)')
[ "$cnt" -gt 0 ] || { echo "FAIL: Loki counts no ERROR lines"; exit 1; }
# The errors view on Loki's lines shows errors.
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN --snapshot errors --size 160x20 --loki-history 10m --loki-query '{job="infrafabric"}' 2>&1)
echo "$out" | grep -q "all errors" || { echo "FAIL: errors view on Loki"; echo "$out" | head -5; exit 1; }
# With the websocket refused (a proxy answering the upgrade with 429), the
# tail polls query_range instead and says so.
if [ -n "${FAULT_TEST_ADDR:-}" ]; then
	out=$(LOKI_ADDR=$FAULT_TEST_ADDR/f/wsrefuse/0/e2e $BIN --snapshot tail --size 220x8 --loki-history 10m --loki-query '{job="infrafabric"}' 2>&1)
	echo "$out" | head -1 | grep -q "loki poll" || { echo "FAIL: no polling fallback named in the title"; echo "$out"; exit 1; }
	m=$(echo "$out" | tail -1 | grep -o '[0-9]* lines' | head -1 | cut -d' ' -f1)
	# Other suites share this Loki and the window's start moves between the
	# two runs, so a few lines at its edge may differ; most must agree.
	[ "${m:-0}" -ge $((n * 98 / 100)) ] || { echo "FAIL: polling got ${m:-0} lines, websocket $n"; echo "$out" | tail -2; exit 1; }
fi
echo "loki ok ($n lines tailed, $cnt ERROR lines in Loki)"

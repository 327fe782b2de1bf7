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
# Headless commands against Loki: query (jsonl parses and matches what was
# pushed), labels, label values, series.
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN query '{job="infrafabric", level="ERROR"} |= "if://log/"' --since 10m --limit 5000 -o jsonl 2>&1) ||
	{ echo "FAIL: query on Loki"; echo "$out" | head -3; exit 1; }
echo "$out" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
assert rows, "no lines"
for r in rows:
    line = json.loads(r["line"])
    assert r["labels"]["level"] == "ERROR" and line["level"] == "ERROR", r
    assert r["labels"]["agent_id"] == line["agent_id"], r
print(len(rows), "ERROR lines from Loki")' || { echo "FAIL: Loki jsonl"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN labels 2>&1)
echo "$out" | grep -q "^agent_id$" || { echo "FAIL: Loki labels"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN labels level 2>&1)
echo "$out" | grep -q "^ERROR$" || { echo "FAIL: Loki label values"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN series '{job="infrafabric", level="FATAL"}' --since 10m 2>&1)
echo "$out" | grep -q 'level="FATAL"' || { echo "FAIL: Loki series"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN query '{job="infrafabric"} | json duration_ms > 100' 2>&1); rc=$?
[ "$rc" = 2 ] || { echo "FAIL: a bad query to Loki exits $rc, want 2"; echo "$out"; exit 1; }
echo "$out" | grep -qi "parse error" || { echo "FAIL: Loki's parse error not shown"; echo "$out"; exit 1; }
# tail: follows Loki live; history from --since; Ctrl-C (SIGINT) ends it; | head ends quietly.
T=$(mktemp)
LOKI_ADDR=$LOKI_TEST_ADDR $BIN tail '{job="infrafabric", service="infrafabric"}' --since 5s -o jsonl > "$T" 2>"$T.err" &
tp=$!
sleep 2
$BIN demo --push "$LOKI_TEST_ADDR" --duration 5s --seed 12 >/dev/null 2>&1
sleep 3
kill -INT $tp; wait $tp; trc=$?
[ "$trc" = 0 ] || { echo "FAIL: tail exit $trc after SIGINT"; cat "$T.err"; exit 1; }
k=$(python3 -c 'import json,sys; print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["line"].startswith("{")))' "$T")
[ "$k" -gt 10 ] || { echo "FAIL: tail printed $k lines"; head -3 "$T"; cat "$T.err"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR timeout 20 $BIN tail '{job="infrafabric"}' --since 10m -o raw 2>"$T.err" | head -2)
[ "$(echo "$out" | wc -l)" = 2 ] && [ ! -s "$T.err" ] || { echo "FAIL: tail | head"; cat "$T.err"; exit 1; }
rm -f "$T" "$T.err"
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

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
J=${BUILD:-build}/tools/jsonl
echo "$out" | $J label:level label:agent_id line | python3 -c '
import json, sys
rows = [l.rstrip("\n").split("\t", 2) for l in sys.stdin]
assert rows, "no lines"
for level, agent, text in rows:
    line = json.loads(text)
    assert level == "ERROR" and line["level"] == "ERROR", text
    assert agent == line["agent_id"], text
print(len(rows), "ERROR lines from Loki")' || { echo "FAIL: Loki jsonl"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN query '{job="infrafabric"}' --since 10m --limit 5000 2>&1 | head -1)
echo "$out" | grep -q '^20[0-9-]*T.* {agent_id=' || { echo "FAIL: Loki query | head: $out"; exit 1; }
# A secret in a line stored in Loki is masked in every output mode.
ns=$(date +%s)000000000
curl -sf -H 'Content-Type: application/json' "$LOKI_TEST_ADDR/loki/api/v1/push" --data-binary \
	"{\"streams\":[{\"stream\":{\"job\":\"secrets\"},\"values\":[[\"$ns\",\"login password=hunter2 token: Bearer abc.SECRETTOKEN\"]]}]}" ||
	{ echo "FAIL: push of the secret line"; exit 1; }
for mode in default raw jsonl json; do
	out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN query '{job="secrets"}' --since 5m -o $mode 2>&1)
	echo "$out" | grep -q 'password=\*\*\*\*' || { echo "FAIL: -o $mode: secret line not found masked"; echo "$out"; exit 1; }
	echo "$out" | grep -q 'hunter2\|SECRETTOKEN' && { echo "FAIL: -o $mode shows a secret from Loki"; echo "$out"; exit 1; }
done
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN labels 2>&1)
echo "$out" | grep -q "^agent_id$" || { echo "FAIL: Loki labels"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN labels level 2>&1)
echo "$out" | grep -q "^ERROR$" || { echo "FAIL: Loki label values"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN series '{job="infrafabric", level="FATAL"}' --since 10m 2>&1)
echo "$out" | grep -q 'level="FATAL"' || { echo "FAIL: Loki series"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN query '{job="infrafabric"} | json duration_ms > 100' 2>&1); rc=$?
[ "$rc" = 2 ] || { echo "FAIL: a bad query to Loki exits $rc, want 2"; echo "$out"; exit 1; }
echo "$out" | grep -qi "parse error" || { echo "FAIL: Loki's parse error not shown"; echo "$out"; exit 1; }
# A trace of a request older than the tailed window is fetched from Loki.
id=$(curl -s -G "$LOKI_TEST_ADDR/loki/api/v1/query_range" --data-urlencode 'query={job="infrafabric", component="api_gateway"} |= "Response sent"' \
	--data-urlencode "start=$(( $(date +%s) - 600 ))000000000" --data-urlencode 'limit=1' |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(json.loads(r[0]["values"][0][1])["correlation_id"])')
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN --snapshot trace --size 160x24 --loki-history 2s --loki-query '{job="infrafabric"}' --trace "$id" 2>&1)
echo "$out" | sed -n 2p | grep -q "$id  total .* spans [1-9]" || { echo "FAIL: trace of $id not fetched from Loki"; echo "$out"; exit 1; }
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
# Lines with known timestamps in a stream of their own: push N lines
# (n = FROM..TO-1) at SECONDS_AGO + n ms.
run=r$$-$(date +%s)
push() { # from to seconds_ago
	python3 - "$LOKI_TEST_ADDR" "$run" "$@" <<'PY' || { echo "FAIL: push"; exit 1; }
import json, sys, time, urllib.request
addr, run, lo, hi, ago = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
t0 = int((time.time() - ago) * 1e9)
vals = [[str(t0 + n * 1000000), json.dumps({"level": "INFO", "n": n, "message": "line %d" % n})] for n in range(lo, hi)]
body = json.dumps({"streams": [{"stream": {"job": "e2e", "run": run}, "values": vals}]}).encode()
urllib.request.urlopen(urllib.request.Request(addr + "/loki/api/v1/push", body, {"Content-Type": "application/json"}))
PY
}
S="{job=\"e2e\", run=\"$run\"}"
# --batch: query --limit L pages by B entries; exactly L lines, in order, no
# duplicate, and the requests -v shows are as many as paging needs: B new
# lines in the first page, B-1 in the next ones (the boundary line is asked
# again), plus one count for the total.
push 0 100 60
T=$(mktemp)
LOKI_ADDR=$LOKI_TEST_ADDR $BIN query "$S" --since 5m --limit 25 --batch 10 -v -o jsonl >"$T" 2>"$T.err" || { echo "FAIL: query --batch"; cat "$T.err"; exit 1; }
got=$($J line < "$T" | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["n"]) for l in sys.stdin))')
[ "$got" = "$(seq -s ' ' 99 -1 75)" ] || { echo "FAIL: --limit 25 --batch 10 gave: $got"; exit 1; }
[ "$(grep -c 'GET .*/query_range -> 200' "$T.err")" = 3 ] && [ "$(grep -c 'GET .*/query -> 200' "$T.err")" = 1 ] ||
	{ echo "FAIL: want 3 pages and 1 count request"; cat "$T.err"; exit 1; }
grep -q "25 shown of 100" "$T.err" || { echo "FAIL: the cut is not reported"; cat "$T.err"; exit 1; }
LOKI_ADDR=$LOKI_TEST_ADDR $BIN query "$S" --since 5m --limit 30 --batch 10 --forward -v -o raw >"$T" 2>"$T.err"
got=$(python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["n"]) for l in open(sys.argv[1])))' "$T")
[ "$got" = "$(seq -s ' ' 0 29)" ] && [ "$(grep -c '/query_range ->' "$T.err")" = 4 ] ||
	{ echo "FAIL: --forward --limit 30 --batch 10: $got"; cat "$T.err"; exit 1; }
LOKI_ADDR=$LOKI_TEST_ADDR $BIN query "$S" --since 5m --limit 100 -v -o raw >"$T" 2>"$T.err"
[ "$(wc -l < "$T")" = 100 ] && [ "$(grep -c '/query_range ->' "$T.err")" = 1 ] || { echo "FAIL: no --batch: one request"; cat "$T.err"; exit 1; }
# tail on Loki: history (the newest --limit of --since), then live lines;
# its jsonl is query's jsonl line for line (labels an object), and every
# line parses with jansson and is what was pushed.
LOKI_ADDR=$LOKI_TEST_ADDR $BIN tail "$S" --since 2m --limit 4 -o jsonl >"$T" 2>"$T.err" &
tp=$!
sleep 2
push 100 110 0
sleep 3
kill -INT $tp; wait $tp; trc=$?
[ "$trc" = 0 ] && [ ! -s "$T.err" ] || { echo "FAIL: tail exit $trc"; cat "$T.err"; exit 1; }
got=$($J line < "$T" | python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["n"]) for l in sys.stdin))')
[ "$got" = "$(seq -s ' ' 96 109)" ] || { echo "FAIL: tail printed: $got"; exit 1; }
LOKI_ADDR=$LOKI_TEST_ADDR $BIN query "$S" --since 5m --limit 14 -o jsonl 2>/dev/null | tac | cmp -s - "$T" ||
	{ echo "FAIL: tail and query jsonl differ"; diff "$T" - ; exit 1; }
$J labels < "$T" | sort -u | grep -qx "job=e2e,run=$run" || { echo "FAIL: tail labels"; head -2 "$T"; exit 1; }
# tail: a metric query or an unreachable Loki are errors, not a retry loop.
out=$(LOKI_ADDR=$LOKI_TEST_ADDR timeout 10 $BIN tail "rate($S[1m])" 2>&1); rc=$?
[ "$rc" = 2 ] || { echo "FAIL: tail of a metric query exit $rc"; echo "$out"; exit 1; }
out=$(LOKI_ADDR=http://127.0.0.1:9 timeout 20 $BIN tail "$S" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "cannot reach Loki" || { echo "FAIL: tail on a dead Loki exit $rc"; echo "$out"; exit 1; }
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

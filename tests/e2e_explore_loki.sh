#!/bin/sh
# Explore on the real Loki of the test run (LOKI_TEST_ADDR) and the fault
# proxy in front of it (FAULT_TEST_ADDR):
#   - a query's rows are the lines pushed (the tail follows another
#     selector, so they can only have come from Loki), and the summary
#     says Loki answered;
#   - a result cut by the limit says by how much; O appends the older lines
#     (1,200 then: the last rows count down to line 0, each once) and L
#     fetches the rest;
#   - a slow Loki: the estimate, the plan and a progress bar whose elapsed
#     time moves; Esc cancels and the summary says the result is partial;
#   - Tab completes a label value that only Loki knows.
set -u
BIN=$(pwd)/${BUILD:-build}/iftop-logs
. tests/tmux_env.sh
[ -n "${LOKI_TEST_ADDR:-}" ] || { echo "needs LOKI_TEST_ADDR (tests/run.sh starts Loki)"; exit 1; }
export XDG_CONFIG_HOME=/nonexistent TZ=UTC
RUN=xe$$_$(date +%s)
STATE=$(mktemp -d)
S=iftop-xloki-$$
fail() { echo "FAIL: $*"; tmux capture-pane -p -t "$S" 2>/dev/null | sed 's/^/| /'; tmux kill-session -t "$S" 2>/dev/null; rm -rf "$STATE"; exit 1; }

# Push N seed-schema lines "xe2e line I" of {job="xe2e", run=RUN, level=...},
# one every 10 ms, ending 30 s ago.
push() { # N
	python3 - "$LOKI_TEST_ADDR" "$RUN" "$1" <<'EOF'
import json, sys, time, urllib.request
addr, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
end = time.time_ns() - 30 * 10**9
streams = {}
for i in range(n):
    lvl = "ERROR" if i % 3 == 0 else "INFO"
    ts = end - (n - i) * 10**7
    line = json.dumps({"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts // 10**9)) + "Z",
                       "level": lvl, "agent_id": "A1-haiku-001", "component": "e2e",
                       "message": "xe2e line %d" % i})
    streams.setdefault(lvl, []).append([str(ts), line])
body = {"streams": [{"stream": {"job": "xe2e", "run": run, "level": l}, "values": v} for l, v in streams.items()]}
req = urllib.request.Request(addr + "/loki/api/v1/push", json.dumps(body).encode(), {"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
EOF
}
push 1200 || fail "push to Loki"
SEL="{job=\"xe2e\", run=\"$RUN\"}"
snap() { # size keys query
	LOKI_ADDR=$LOKI_TEST_ADDR $BIN --snapshot explore --size "$1" --keys "$2" --loki-query '{job="nothing-here"}' \
		--loki-history 1s --query "$3" 2>&1
}

# 1. Rows from Loki equal the pushed lines (ERROR ones: 400 of them).
out=$(snap 140x460 '' "$SEL |= \"line\" | json | level=\"ERROR\"")
echo "$out" | grep -q "─ 400 lines in [0-9]* ms (Loki, 1 request, " || { echo "FAIL: summary of the Loki query"; echo "$out" | sed -n 1,8p; exit 1; }
echo "$out" | python3 -c '
import re, sys
got = [int(m.group(1)) for m in re.finditer(r"ERROR A1-haiku-001   xe2e line (\d+)\s*$", sys.stdin.read(), re.M)]
want = [i for i in range(1200) if i % 3 == 0]
assert sorted(got) == want, "rows %d, first %s" % (len(got), sorted(got)[:5])
assert got == sorted(got, reverse=True), "not newest first"
' || { echo "FAIL: the rows are not the lines pushed"; exit 1; }

# 2. The limit: 1,000 of 1,200 shown, the layer named, L fetches the rest.
out=$(snap 140x12 '' "$SEL")
echo "$out" | grep -q "─ 1,000 shown of 1,200; client limit 1,000 in [0-9]* ms (Loki, .*: O fetches more" ||
	{ echo "FAIL: the cut does not say how much is missing"; echo "$out" | sed -n 1,6p; exit 1; }
out=$(snap 140x1000 'OG' "$SEL")
echo "$out" | grep -q "─ 1,200 lines in [0-9]* ms (Loki, 2 requests" || { echo "FAIL: O did not fetch the older lines"; echo "$out" | sed -n 1,6p; exit 1; }
# G: the last rows, across the join of the two pages (rows 1,000 and 1,001)
echo "$out" | python3 -c '
import re, sys
got = [int(m.group(1)) for m in re.finditer(r"A1-haiku-001   xe2e line (\d+)\s*$", sys.stdin.read(), re.M)]
assert len(got) > 900 and got == list(range(got[0], -1, -1)), "rows %d, first %s" % (len(got), got[:5])
' || { echo "FAIL: the rows after O are not the older lines, newest first, each once"; exit 1; }
out=$(snap 140x12 'L' "$SEL")
echo "$out" | grep -q "─ 1,200 lines in [0-9]* ms (Loki" || { echo "FAIL: L did not fetch more"; echo "$out" | sed -n 1,6p; exit 1; }

# 2b. The label browser (b starts at the selector's first label, run) counts
#     the lines of each value on Loki; a 7d range is capped and says so.
out=$(snap 140x60 'b' "{run=\"$RUN\"}")
echo "$out" | grep -q "\[ \] $RUN  *1200 *$" || { echo "FAIL: browser count of run=$RUN"; echo "$out"; exit 1; }
echo "$out" | grep -q "^ lines per value over the last 15m *$" || { echo "FAIL: browser counts note"; echo "$out"; exit 1; }
out=$(snap 140x60 't7d<Enter>b' "{run=\"$RUN\"}")
echo "$out" | grep -q "\[ \] $RUN  *1200 *$" || { echo "FAIL: capped browser count of run=$RUN"; echo "$out"; exit 1; }
echo "$out" | grep -q "lines per value over the last 6h (capped from 1w: counting reads every line)" ||
	{ echo "FAIL: the cap is not said"; echo "$out"; exit 1; }
if [ -n "${FAULT_TEST_ADDR:-}" ]; then
	out=$(LOKI_ADDR=$FAULT_TEST_ADDR/f/err503/0/cnt$RUN $BIN --snapshot explore --size 140x16 --keys 'b' \
		--loki-query '{job="nothing-here"}' --loki-history 1s --query "$SEL" 2>&1)
	echo "$out" | grep -q "^ labels: Loki: Loki server error (HTTP 503" || { echo "FAIL: browser on a failing Loki"; echo "$out"; exit 1; }
fi

# 3. A slow Loki (each request waits 700 ms), chunks of 1 minute over 15:
#    estimate, plan, a bar that moves, Esc keeps a partial result.
if [ -n "${FAULT_TEST_ADDR:-}" ]; then
	tmux kill-session -t "$S" 2>/dev/null
	tmux new-session -d -s "$S" -x 140 -y 24 "env XDG_STATE_HOME=$STATE LOKI_ADDR=$FAULT_TEST_ADDR/f/slow700/0/$RUN $BIN --loki-query '{job=\"nothing-here\"}' --loki-history 1s --query-chunk 1m --query '$SEL |= \"no such line\"'; echo EXITED rc=\$?; sleep 30"
	wait_for "asking Loki what the query will read" 5 || fail "no estimate phase"
	wait_for "running on Loki: chunk [0-9]*/15, " 5 || fail "no progress in the summary"
	wait_for "estimate (index/stats): [0-9]* streams, [0-9]* chunks" 2 || fail "no estimate line"
	wait_for "plan: 15 time chunks of 1m, newest first; stops at the line limit" 2 || fail "no plan line"
	wait_for "[0-9]*/15 chunks  elapsed [0-9.]* s  received [0-9.]* [KMG]*i*B  [0-9,]* lines" 2 || fail "no progress line"
	t1=$(tmux capture-pane -p -t "$S" | grep -o "elapsed [0-9.]*" | head -1)
	sleep 1
	t2=$(tmux capture-pane -p -t "$S" | grep -o "elapsed [0-9.]*" | head -1)
	[ -n "$t1" ] && [ "$t1" != "$t2" ] || fail "elapsed time does not move ($t1, $t2)"
	tmux send-keys -t "$S" Escape
	wait_for "PARTIAL: cancelled after [0-9]* of 15 chunks" 3 || fail "Esc did not cancel into a partial result"
	tmux capture-pane -p -t "$S" | grep -q "Running on Loki" && fail "the progress panel stayed after Esc"
	tmux kill-session -t "$S"
	# 3b. The volume histogram goes through the same chunked path: after
	#     the (cut) query its 15 chunks show in the summary, Esc stops it,
	#     and q then quits at once with nothing left in flight (ASan build:
	#     a leaked request would be reported and fail the exit status).
	tmux new-session -d -s "$S" -x 160 -y 24 "env XDG_STATE_HOME=$STATE LOKI_ADDR=$FAULT_TEST_ADDR/f/slow700/0/v$RUN $BIN --loki-query '{job=\"nothing-here\"}' --loki-history 1s --query-chunk 1m --query '$SEL'; echo EXITED rc=\$?; sleep 30"
	wait_for "1,000 shown of 1,200; .*O fetches more; volume: chunk [0-9]*/1[56], [0-9.]* s, Esc stops it" 8 || fail "no volume progress"
	tmux send-keys -t "$S" Escape
	wait_for "volume cancelled: the bars count the lines shown" 2 || fail "Esc did not stop the volume"
	tmux capture-pane -p -t "$S" | grep -q "volume: chunk" && fail "the volume progress stayed after Esc"
	tmux send-keys -t "$S" q
	wait_for "EXITED rc=0" 2 || fail "q did not quit cleanly after the volume was cancelled"
	tmux kill-session -t "$S"
fi

# 4. Tab completes a value of a label only Loki has (the store is empty).
tmux new-session -d -s "$S" -x 120 -y 24 "env XDG_STATE_HOME=$STATE LOKI_ADDR=$LOKI_TEST_ADDR $BIN --loki-query '{job=\"nothing-here\"}' --loki-history 1s; echo EXITED rc=\$?; sleep 30"
sleep 1
tmux send-keys -t "$S" 5
wait_for "LogQL (editing)" 3 || fail "no explore tab"
tmux send-keys -t "$S" -l "{run=\"$(echo "$RUN" | cut -c1-4)"
tmux send-keys -t "$S" Tab
wait_for "$RUN" 3 || fail "Tab did not offer the run label's value from Loki"
tmux send-keys -t "$S" Enter
sleep 0.3
tmux capture-pane -p -t "$S" | grep -q "> {run=\"$RUN\"" || fail "the value was not inserted"
tmux send-keys -t "$S" -l '}'
tmux send-keys -t "$S" Enter
wait_for "─ 1,000 shown of 1,200" 5 || fail "the completed query did not run on Loki"
# q quits at once with the websocket tail, the stack poller and Loki
# requests alive (the loop once waited on the poller's timer forever).
tmux send-keys -t "$S" Escape q
wait_for "EXITED rc=0" 2 || fail "q did not quit within 2 s on Loki"
tmux kill-session -t "$S"
rm -rf "$STATE"
echo "explore on loki ok"

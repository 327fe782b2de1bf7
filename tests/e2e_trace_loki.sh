#!/bin/sh
# A request's lines fetched from the real Loki of the test run when they
# are older than the tailed window (issue 6): two hours back, so the
# fetch has to widen past its first hour.  Once with correlation_id only
# in the JSON (line filter + `| json | correlation_id="..."`), once with it
# also a stream label (by label).  Each time the trace gets every line of
# the id and none of another id whose text merely contains it (req-X vs
# req-Xd).
set -u
BIN=${BUILD:-build}/iftop-logs
[ -n "${LOKI_TEST_ADDR:-}" ] || { echo "needs LOKI_TEST_ADDR (tests/run.sh starts Loki)"; exit 1; }
export XDG_CONFIG_HOME=/nonexistent TZ=UTC
R=$$$(date +%s)
fail() { echo "FAIL: $*"; exit 1; }

# push KIND LABEL(0|1) ID N: N lines of ID, two hours ago, messages "KIND ID step k"
push() {
	python3 - "$LOKI_TEST_ADDR" "$R" "$1" "$2" "$3" "$4" <<'EOF' || fail "push $3"
import json, sys, time, urllib.request
addr, run, kind, label, cid, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5], int(sys.argv[6])
t0 = int(time.time()) - 7200
stream = {"job": "tracetest", "run": run, "kind": kind}
if label:
    stream["correlation_id"] = cid
values = []
for k in range(n):
    ts = t0 + k
    line = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + ".000Z",
            "level": "ERROR" if k == n - 1 else "INFO", "correlation_id": cid,
            "agent_id": "A%d-haiku-00%d" % (k + 1, k + 1), "component": "api_gateway",
            "message": "%s %s step %d" % (kind, cid, k), "context": {"duration_ms": 100.0 * (k + 1)}}
    values.append([str(ts * 10**9), json.dumps(line)])
body = json.dumps({"streams": [{"stream": stream, "values": values}]}).encode()
req = urllib.request.Request(addr + "/loki/api/v1/push", body, {"Content-Type": "application/json"})
assert urllib.request.urlopen(req).status == 204
EOF
}

# check KIND ID N MODE: `trace ID --json` holds exactly the N messages of ID
check() {
	out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN trace "$2" --json --loki-history 1s \
		--loki-query "{job=\"tracetest\", run=\"$R\"}" 2>/tmp/trace-err.$$) || { cat /tmp/trace-err.$$; fail "trace $2"; }
	grep -q "$3 lines from Loki" /tmp/trace-err.$$ || { cat /tmp/trace-err.$$; fail "$2: not $3 lines from Loki"; }
	grep -q "$4" /tmp/trace-err.$$ || { cat /tmp/trace-err.$$; fail "$2: not fetched by $4"; }
	echo "$out" | python3 -c '
import json, sys
kind, cid, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = json.load(sys.stdin)
got = sorted(s["message"] for s in t["spans"])
want = sorted("%s %s step %d" % (kind, cid, k) for k in range(n))
assert got == want, (got, want)
assert t["errors"] == 1, t["errors"]
' "$1" "$2" "$3" || fail "$2: the trace is not exactly its lines"
}

# 1. correlation_id only in the JSON
push json 0 "req-a$R" 4
push json 0 "req-a${R}d" 3
check json "req-a$R" 4 "line filter + json"
check json "req-a${R}d" 3 "line filter + json"
# the waterfall view on the same fetch
out=$(LOKI_ADDR=$LOKI_TEST_ADDR $BIN --snapshot trace --size 160x24 --loki-history 1s \
	--loki-query "{job=\"tracetest\", run=\"$R\"}" --trace "req-a$R" 2>&1)
echo "$out" | sed -n 2p | grep -q "req-a$R  total .* spans 4 " || { echo "$out" | head -4; fail "trace view of req-a$R"; }

# 2. correlation_id also a stream label
push label 1 "req-b$R" 5
push label 1 "req-b${R}d" 2
check label "req-b$R" 5 "by label correlation_id"
check label "req-b${R}d" 2 "by label correlation_id"
# a JSON-only id is still found once the label exists (line filter after the label finds nothing)
check json "req-a$R" 4 "line filter + json"
rm -f /tmp/trace-err.$$
echo "trace from loki ok"

#!/bin/sh
# The command line: exit codes, errors that name their origin, secrets
# never printed, the logql subcommand, demo --write.
set -u
BIN=${BUILD:-build}/iftop-logs
export XDG_CONFIG_HOME=/nonexistent
n=0
check() { # description, expected rc, command...
	desc=$1 want=$2; shift 2
	out=$("$@" 2>&1); rc=$?
	n=$((n + 1))
	[ "$rc" = "$want" ] || { echo "FAIL: $desc: exit $rc, want $want"; echo "$out" | head -5; exit 1; }
	LAST=$out
}
has() { echo "$LAST" | grep -q -- "$1" || { echo "FAIL: output lacks '$1'"; echo "$LAST" | head -10; exit 1; }; }
lacks() { echo "$LAST" | grep -q -- "$1" && { echo "FAIL: output shows '$1'"; exit 1; }; return 0; }

check "help" 0 $BIN --help; has "usage: iftop-logs"; has "LOKI_ADDR"
check "version" 0 $BIN --version; has "iftop-logs 0."
check "unknown flag" 2 $BIN --frobnicate; has "--frobnicate: unknown option"
check "bad size" 2 $BIN --max-memory lots demo; has "--max-memory: bad value 'lots'; expected a size"
check "bad env" 2 env LOKI_TLS_SKIP_VERIFY=maybe $BIN --print-config; has "LOKI_TLS_SKIP_VERIFY: bad value 'maybe'"
check "bad url" 2 $BIN --addr localhost:3100 --print-config; has "is not a URL"
check "flag missing value" 2 $BIN --theme; has "--theme: needs a value"
check "unknown theme" 2 $BIN --theme nosuch --snapshot tail demo; has "theme 'nosuch' not found"
check "unknown view" 2 $BIN --snapshot nosuch demo; has "unknown view 'nosuch'"
# Secrets never printed, from env or flags, even in errors.
check "secret masked" 0 env LOKI_PASSWORD=hunter2 LOKI_BEARER_TOKEN=tok-SECRET $BIN --print-config
lacks hunter2; lacks tok-SECRET; has "loki_password = \*\*\*\*\*\*\*\*"
# Precedence: flag > env > file.
D=$(mktemp -d)
mkdir -p "$D/iftop-logs"
printf 'theme = light\nrate = 7\nseed = 3\n' > "$D/iftop-logs/config"
check "file" 0 env XDG_CONFIG_HOME="$D" $BIN --print-config; has "theme = light"; has "rate = 7"
check "env over file" 0 env XDG_CONFIG_HOME="$D" IFTOP_LOGS_THEME=mono $BIN --print-config; has "theme = mono"
check "flag over env" 0 env XDG_CONFIG_HOME="$D" IFTOP_LOGS_THEME=mono $BIN --theme dark --print-config; has "theme = dark"
printf 'rate = fast\n' > "$D/iftop-logs/config"
check "bad file line" 2 env XDG_CONFIG_HOME="$D" $BIN --print-config; has "config:1: rate: bad value 'fast'"
# logql subcommand.
check "logql valid" 0 $BIN logql check 'rate({level="ERROR"}[5m])'; has "valid"
check "logql invalid" 1 $BIN logql check '{component="redis_bus"} | json duration_ms > 100'
has '{component="redis_bus"} | json | context_duration_ms > 100'
check "logql usage" 2 $BIN logql
# demo --write makes one file per agent, parseable JSON lines.
check "demo write" 0 $BIN demo --write "$D/logs" --duration 30s
[ "$(ls "$D/logs" | wc -l)" -ge 30 ] || { echo "FAIL: demo --write made too few files"; exit 1; }
head -1 "$D/logs/A1-haiku-001.log" | python3 -c 'import json,sys; d=json.loads(sys.stdin.read()); assert d["agent_id"]=="A1-haiku-001" and d["correlation_id"][:4] in ("req-","task","swar")' ||
	{ echo "FAIL: demo line is not seed-schema JSON"; exit 1; }
# query over files reads them whole, whatever --max-memory holds.
nerr=$(cat "$D"/logs/*.log | grep -c '"level":"ERROR"')
check "query files" 0 $BIN query 'sum(count_over_time({level="ERROR"}[1y]))' --instant --since 1000d --max-memory 1M "$D/logs/*.log"
got=$(echo "$LAST" | awk '{print $NF}')
[ "$got" = "$nerr" ] || { echo "FAIL: query over files counted $got ERROR lines, grep $nerr"; exit 1; }
check "query files none" 1 $BIN query '{level="ERROR"}' "$D/nothing/*.log"; has "no file matches"
# The files then open in the tail.
check "files snapshot" 0 $BIN --snapshot tail --size 180x8 "$D/logs/*.log"; has "files: $D/logs"
# query: local evaluator; jsonl parses line by line; counts agree.
Q="$BIN --now 2026-01-01T00:00:00Z --utc --seed 7"
check "query jsonl" 0 $Q query '{level="ERROR"}' --since 10m --limit 5000 -o jsonl demo
echo "$LAST" > "$D/err.jsonl"
check "query raw all" 0 $Q query '{agent_id=~".+"}' --since 10m --limit 100000 -o raw demo
echo "$LAST" > "$D/all.raw"
check "query count" 0 $Q query 'sum(count_over_time({level="ERROR"}[10m]))' --instant demo
echo "$LAST" > "$D/count.txt"
python3 - "$D" <<'PY' || exit 1
import json, sys
d = sys.argv[1]
errs = [json.loads(l) for l in open(d + "/err.jsonl") if l.strip()]
assert errs and all(e["labels"]["level"] == "ERROR" for e in errs), "jsonl lines are not all ERROR"
assert all(json.loads(e["line"])["level"] == "ERROR" for e in errs)
ts = [e["timestamp"] for e in errs]
assert ts == sorted(ts, reverse=True), "not newest first"
raw = [json.loads(l) for l in open(d + "/all.raw") if l.strip()]
n_err = sum(1 for r in raw if r["level"] == "ERROR")
assert n_err == len(errs), (n_err, len(errs))
count = float(open(d + "/count.txt").read().split()[-1])
assert count == n_err, (count, n_err)
print("query agrees:", n_err, "ERROR lines")
PY
check "query parse error" 2 $Q query '{level="ERROR"' demo; has "expected"; has "logql check"
check "query output mode" 2 $Q query '{level="ERROR"}' -o xml demo; has "expected default, raw, jsonl or json"
check "query json" 0 $Q query 'count_over_time({level="FATAL"}[10m])' --instant -o json demo
echo "$LAST" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["status"]=="success" and d["data"]["resultType"]=="vector"' ||
	{ echo "FAIL: -o json is not a Loki response body"; exit 1; }
# labels / series on the local source.
check "labels" 0 $Q labels demo; has "^agent_id$"; has "^level$"
check "label values" 0 $Q labels level demo; has "^ERROR$"; has "^FATAL$"
[ "$(echo "$LAST" | wc -l)" = 5 ] || { echo "FAIL: level has not 5 values"; exit 1; }
check "series" 0 $Q series '{level="FATAL"}' demo; has 'level="FATAL"'
[ "$(echo "$LAST" | wc -l)" = 2 ] || { echo "FAIL: want the 2 FATAL streams"; echo "$LAST"; exit 1; }
check "series bad selector" 2 $Q series '{level=}' demo
# A closed pipe ends quietly.
out=$($Q query '{agent_id=~".+"}' --limit 5000 -o raw demo 2>"$D/stderr" | head -1)
echo "$out" | grep -q '"timestamp"' || { echo "FAIL: query | head printed: $out"; exit 1; }
[ ! -s "$D/stderr" ] || { echo "FAIL: query | head wrote to stderr:"; cat "$D/stderr"; exit 1; }
# Every command that prints many lines ends quietly on a closed pipe.
quiet_head() { # command... : prints a first line, nothing on stderr
	out=$("$@" 2>"$D/stderr" | head -1)
	[ -n "$out" ] && [ ! -s "$D/stderr" ] || { echo "FAIL: $* | head: '$out'"; cat "$D/stderr"; exit 1; }
	n=$((n + 1))
}
quiet_head $Q query '{agent_id=~".+"}' --limit 5000 demo
quiet_head $Q labels demo
quiet_head $Q labels agent_id demo
quiet_head $Q series '{agent_id=~".+"}' demo
quiet_head $Q trace "$(head -1 "$D/all.raw" | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["correlation_id"])')" demo
# query flags on the local evaluator: --from/--to bound the range, --forward
# orders oldest first, --batch (Loki paging) changes nothing locally.
J=${BUILD:-build}/tools/jsonl
$Q query '{level="INFO"}' --from 2025-12-31T23:57:00Z --to 2025-12-31T23:58:00Z --limit 100000 --forward -o jsonl demo > "$D/range.jsonl" ||
	{ echo "FAIL: query --from --to"; exit 1; }
$J ts label:level < "$D/range.jsonl" > "$D/range.txt" || exit 1
python3 - "$D/range.txt" <<'PY' || exit 1
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()]
ts = [int(r[0]) for r in rows]
lo, hi = 1767225420 * 10**9, 1767225480 * 10**9
assert len(ts) > 100 and all(lo <= t < hi for t in ts), (len(ts), min(ts), max(ts))
assert ts == sorted(ts), "--forward is not oldest first"
assert all(r[1] == "INFO" for r in rows)
PY
a=$($Q query '{level="WARN"}' --since 10m --limit 50 -o raw demo); b=$($Q query '{level="WARN"}' --since 10m --limit 50 --batch 7 -o raw demo)
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: --batch changed a local query"; exit 1; }
# A metric range query prints a table: one row per series and step.
check "query matrix" 0 $Q query 'sum by (level) (count_over_time({level=~"ERROR|FATAL"}[1m]))' --since 5m --step 1m demo
[ "$(echo "$LAST" | grep -c '^2025-12-31T23:5[5-9]:00.000000000Z {level="ERROR"} [0-9]*$')" -ge 4 ] ||
	{ echo "FAIL: no ERROR rows per minute in the table"; echo "$LAST"; exit 1; }
check "query bad batch" 2 $Q query '{level="WARN"}' --batch 0 demo; has "--batch: bad value '0'"
# trace as text: header, critical path marked, --ascii is ASCII, --json parses, unknown id exits 1.
id=$(grep '"Response sent' "$D/all.raw" | head -1 | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["correlation_id"])')
check "trace" 0 $Q trace "$id" demo; has "^$id .* spans .* critical path"; has "^\*"
check "trace ascii" 0 $Q trace "$id" --ascii demo
echo "$LAST" | LC_ALL=C grep -q '[^ -~]' && { echo "FAIL: trace --ascii has non-ASCII bytes"; exit 1; }
echo "$LAST" | grep -q "^\*.*|#" || { echo "FAIL: trace --ascii bars"; echo "$LAST" | head; exit 1; }
check "trace json" 0 $Q trace "$id" --json demo
echo "$LAST" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["correlation_id"]==sys.argv[1] and d["spans"] and any(s["critical"] for s in d["spans"])' "$id" ||
	{ echo "FAIL: trace --json"; exit 1; }
check "trace unknown" 1 $Q trace req-0000000000000000 demo; has "no line of req-0000000000000000"
# tail on local sources: a log query only, not stdin, not -o json.
check "tail metric" 2 $BIN tail 'rate({level="ERROR"}[1m])' demo; has "is a metric query"
check "tail parse error" 2 $BIN tail '{level=' demo; has "logql check"
check "tail json" 2 $BIN tail '{level="ERROR"}' -o json demo; has "expected default, raw or jsonl"
check "tail stdin" 2 $BIN tail '{level="ERROR"}' -; has "not standard input"
# tail on the demo: | head ends it at once, status 0, nothing on stderr.
out=$(timeout 10 $BIN tail '{level="INFO"}' -o raw demo 2>"$D/stderr" | head -3)
[ "$(echo "$out" | grep -c '"level":"INFO"')" = 3 ] && [ ! -s "$D/stderr" ] || { echo "FAIL: tail demo | head: $out"; cat "$D/stderr"; exit 1; }
# tail on files: history first (the newest --limit of --since, oldest first,
# as query would give them), then appended lines through the pipeline, with
# secrets masked; every line is jsonl as query prints it; SIGTERM ends it with 0.
T="$D/tail"
mkdir -p "$T"
$BIN demo --write "$T" --duration 2m >/dev/null 2>&1
$BIN query '{level="ERROR"} | json | component!="x"' --since 1h --limit 5 -o jsonl "$T/*.log" | $J ts line labels | sort > "$D/want" || exit 1
$BIN tail '{level="ERROR"} | json | component!="x"' --since 1h --limit 5 -o jsonl "$T/*.log" > "$D/tail.jsonl" 2>"$D/stderr" &
tp=$!
sleep 1
now=$(date -u +%Y-%m-%dT%H:%M:%S)
for c in api_gateway x task_queue; do
	printf '{"timestamp":"%s.%03dZ","level":"ERROR","agent_id":"A1-haiku-001","component":"%s","message":"appended password=hunter2"}\n' "$now" $((${#c} * 10)) "$c" >> "$T/A1-haiku-001.log"
	printf '{"timestamp":"%s.999Z","level":"INFO","agent_id":"A1-haiku-001","component":"%s","message":"info"}\n' "$now" "$c" >> "$T/A1-haiku-001.log"
done
sleep 1.5
kill -TERM $tp; wait $tp; trc=$?
[ "$trc" = 0 ] && [ ! -s "$D/stderr" ] || { echo "FAIL: tail on files exit $trc"; cat "$D/stderr"; exit 1; }
$J ts line labels < "$D/tail.jsonl" > "$D/got" || { echo "FAIL: tail jsonl does not parse"; exit 1; }
head -5 "$D/got" | sort | cmp -s - "$D/want" || { echo "FAIL: tail history is not query's newest 5"; diff "$D/want" "$D/got"; exit 1; }
[ "$(head -5 "$D/got" | cut -f1)" = "$(head -5 "$D/got" | cut -f1 | sort -n)" ] || { echo "FAIL: tail history not oldest first"; exit 1; }
tail -n +6 "$D/got" > "$D/live"
[ "$(wc -l < "$D/live")" = 2 ] || { echo "FAIL: want 2 appended ERROR lines"; cat "$D/live"; exit 1; }
grep -q "component=api_gateway,.*filename=$T/A1-haiku-001.log,level=ERROR," "$D/live" && grep -q "component=task_queue" "$D/live" &&
	! grep -q 'component=x,\|hunter2' "$D/live" && grep -q 'password=\*\*\*\*' "$D/live" ||
	{ echo "FAIL: appended lines"; cat "$D/live"; exit 1; }
# A quiet tail notices its reader is gone without waiting for a line.
start=$(date +%s)
timeout 10 $BIN tail '{level="ERROR"}' --since 1h --limit 1 "$T/*.log" 2>"$D/stderr" | head -1 >/dev/null
[ $(($(date +%s) - start)) -lt 5 ] && [ ! -s "$D/stderr" ] || { echo "FAIL: quiet tail | head did not end"; cat "$D/stderr"; exit 1; }
# -o raw keeps the bytes for a pipe, but a terminal never gets escape sequences.
printf '{"timestamp":"%s","level":"ERROR","message":"evil \033[2J\033]0;pwned\007 end"}\n' "$now.000Z" > "$D/evil.log"
$BIN query '{level="ERROR"}' -o raw "$D/evil.log" | grep -q "$(printf '\033')\[2J" || { echo "FAIL: raw to a pipe changed the line"; exit 1; }
if command -v script >/dev/null 2>&1; then
	out=$(script -qc "$BIN query '{level=\"ERROR\"}' -o raw '$D/evil.log'" /dev/null)
	echo "$out" | grep -q 'evil ' && ! echo "$out" | grep -q "$(printf '\033')" || { echo "FAIL: raw to a terminal: $out"; exit 1; }
fi
n=$((n + 9))
rm -rf "$D"
echo "$n passed, 0 failed"

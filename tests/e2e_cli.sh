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
rm -rf "$D"
echo "$n passed, 0 failed"

#!/bin/sh
# bench/profile.sh: where the paths `make bench` measures spend their time.
# Run by bench/run.sh with BENCH_PROFILE=1, or alone after `make bench`.
#
# Uses perf when hardware counters work (`perf stat -e instructions true`),
# otherwise valgrind --tool=callgrind (instructions, not time: fine for
# hot spots, blind to cache misses and page faults).  Profiles on the
# first 100k lines of bench/data/bench.log:
#   store    build/bench/bench_store (scan, store_push, trace_build)
#   open     iftop-logs --snapshot tail --history -1 FILE
#   stdin    cat FILE | iftop-logs --snapshot tail -
#   demo     iftop-logs --snapshot tail demo (startup)
#   q-count  iftop-logs query 'sum(count_over_time({level="ERROR"}[1h]))'
#   q-byagent iftop-logs query 'sum by (agent_id) (count_over_time({agent_id=~".+"}[1h]))'
#   q-field  case 2's {component="redis_bus"} | json | context_duration_ms > 100 count
#   q-p99    case 3's quantile_over_time(0.99, ... | unwrap context_duration_ms) by (agent_id)
#            (the queries only when the binary has the query command)
# For each: the top functions by own cost (self) and by inclusive cost.
# Full outputs stay in bench/data/profile/ (callgrind_annotate them).
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BIN=${BENCH_BIN:-$ROOT/$BUILD/iftop-logs}
BB=$ROOT/$BUILD/bench
DATA=$ROOT/bench/data
P=$DATA/profile
TOP=${PROFILE_TOP:-12}
mkdir -p "$P"
[ -s "$DATA/bench.log" ] || { echo "profile: run make bench first (no bench/data/bench.log)" >&2; exit 1; }
head -n 100000 "$DATA/bench.log" > "$P/100k.log"
export TZ=UTC XDG_CONFIG_HOME=$P/xdg

tool=none
if perf stat -e instructions true 2>&1 | grep -q 'instructions' &&
	! perf stat -e instructions true 2>&1 | grep -q 'not supported'; then
	tool=perf
elif command -v valgrind >/dev/null 2>&1; then
	tool=callgrind
fi
echo "profile: $tool (perf hardware counters: $(perf stat -e instructions true 2>&1 | grep -q 'not supported' && echo 'not supported' || echo ok))"
[ $tool = none ] && { echo "profile: neither perf nor valgrind; skipped"; exit 0; }

# prof NAME CMD [INPUT]: profile CMD (with INPUT piped to it by cat).
prof() {
	name=$1 cmd=$2 feed=""
	[ $# -gt 2 ] && feed="cat '$3' | "
	echo
	echo "== $name: $feed$cmd"
	if [ $tool = perf ]; then
		sh -c "$feed perf record -q -g -o '$P/$name.perf' -- $cmd" > /dev/null 2>&1
		perf report -i "$P/$name.perf" --stdio --no-children --sort symbol 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -n "$TOP"
		return
	fi
	sh -c "$feed valgrind --tool=callgrind --callgrind-out-file='$P/$name.cg' $cmd" > /dev/null 2>"$P/$name.err"
	total=$(callgrind_annotate "$P/$name.cg" 2>/dev/null | awk '/PROGRAM TOTALS/ {print $1}')
	echo "instructions: $total"
	echo "-- self"
	callgrind_annotate "$P/$name.cg" 2>/dev/null | awk '/file:function/ {on = 1; getline; next} on && NF' |
		head -n "$TOP" | sed -e 's| \[.*\]$||' -e "s|$ROOT/||" -e 's|\./[^ ]*/||'
	echo "-- inclusive"
	callgrind_annotate --inclusive=yes "$P/$name.cg" 2>/dev/null | awk '/file:function/ {on = 1; getline; next} on && NF' |
		grep -v -e '(below main)' -e '???:0x' -e 'libc-start' -e 'main.c:main' -e 'uv_run' |
		sed -e 's| \[.*\]$||' -e "s|$ROOT/||" -e 's|\./[^ ]*/||' | awk '!seen[$0]++' | head -n "$TOP"
}

prof store "'$BB/bench_store' --runs 1 '$P/100k.log'"
prof open "'$BIN' --snapshot tail --history -1 --max-memory 1G '$P/100k.log'"
prof stdin "'$BIN' --snapshot tail --max-memory 1G -" "$P/100k.log"
prof demo "'$BIN' --snapshot tail demo"
if "$BIN" --help 2>&1 | grep -q "iftop-logs query"; then
	last_s=$(date -u -d "$(tail -n 1 "$P/100k.log" | jq -r .timestamp)" +%s)
	to=$(date -u -d "@$((last_s + 60))" +%Y-%m-%dT%H:%M:%SZ)
	prof q-count "'$BIN' query 'sum(count_over_time({level=\"ERROR\"}[1h]))' --instant --to $to --history -1 --max-memory 2G '$P/100k.log'"
	prof q-byagent "'$BIN' query 'sum by (agent_id) (count_over_time({agent_id=~\".+\"}[1h]))' --instant --to $to --history -1 --max-memory 2G '$P/100k.log'"
	prof q-field "'$BIN' query 'sum(count_over_time({component=\"redis_bus\"} | json | context_duration_ms > 100 [1h]))' --instant --to $to --history -1 --max-memory 2G '$P/100k.log'"
	prof q-p99 "'$BIN' query 'quantile_over_time(0.99, {agent_id=~\".+\"} | json | unwrap context_duration_ms | __error__=\"\" [1h]) by (agent_id)' --instant --to $to --history -1 --max-memory 2G '$P/100k.log'"
fi

#!/bin/sh
# bench/run.sh: `make bench` (issue 9).  Never part of `make test`.
#
# Generates bench/data/bench.log once (1M seed-schema lines, ~420 MB; again
# when the generator's sources change), then runs each case beside its
# peer (grep, jq, lnav) on the same file in the same run: medians of
# several runs, ratios from those medians.  Prints a table and writes
# bench/results.json.  Machines here are shared: read the ratios, not the
# absolute times.
#
# Environment:
#   BENCH_RUNS=5        runs of the fast commands (grep, iftop-logs, ptys)
#   BENCH_SLOW_RUNS=3   runs of jq and lnav (each ~5-10 s on the file)
#   BENCH_QUICK=1       idle CPU after 5 s instead of 60 s, fewer runs
#   BENCH_PROFILE=1     also run bench/profile.sh (valgrind callgrind)
#   BENCH_BIN=path      the iftop-logs binary (default $BUILD/iftop-logs)
#   BENCH_CASES="1 4"   only these cases (default: all)
#
# Ratio = peer median / iftop-logs median: above 1, iftop-logs is faster.
set -u
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
BIN=${BENCH_BIN:-$ROOT/$BUILD/iftop-logs}
BB=$ROOT/$BUILD/bench
DATA=$ROOT/bench/data
LOG=$DATA/bench.log
SMALL=$DATA/small.log
OUT=$ROOT/bench/results.json
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-3}; SLOW_RUNS=${BENCH_SLOW_RUNS:-1}; IDLE_WAIT=5; IDLE_WINDOW=5
else
	RUNS=${BENCH_RUNS:-5}; SLOW_RUNS=${BENCH_SLOW_RUNS:-3}; IDLE_WAIT=60; IDLE_WINDOW=10
fi
TMP=$(mktemp -d)
SESSION=iftop-bench-$$
export TZ=UTC XDG_CONFIG_HOME=$TMP/xdg
cleanup() { tmux kill-session -t "$SESSION" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*" >&2; }
want() { case " ${BENCH_CASES:-1 2 3 4 5 6 7 8} " in *" $1 "*) return 0 ;; esac; return 1; }
have() { command -v "$1" >/dev/null 2>&1; }
for t in jq hyperfine; do
	have "$t" || { say "bench: $t is missing (make deps-bench installs it)"; exit 1; }
done
[ -x "$BIN" ] || { say "bench: no $BIN (run make)"; exit 1; }

# ---- data: generate once, again when the generator changes ----
mkdir -p "$DATA"
stamp=$(cat bench/gen.c sources/demo.c core/rng.h core/scan.c core/sbuf.c | md5sum | cut -d' ' -f1)
if [ ! -s "$LOG" ] || [ "$(cat "$LOG.stamp" 2>/dev/null)" != "$stamp" ]; then
	say "bench: generating $LOG (1M lines)"
	"$BB/gen" "$LOG.tmp" && mv "$LOG.tmp" "$LOG" && echo "$stamp" > "$LOG.stamp" ||
		{ say "bench: gen failed"; exit 1; }
fi
[ -s "$SMALL" ] && [ "$SMALL" -nt "$LOG" ] || head -n 10000 "$LOG" > "$SMALL"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
LINES=$(wc -l < "$LOG")
BYTES=$(wc -c < "$LOG")
say "bench: $LOG: $LINES lines, $BYTES bytes; runs $RUNS (jq/lnav $SLOW_RUNS)"

# lnav: the seed-schema format in a throwaway HOME.
# Every run gets a fresh HOME: lnav restores the last session's position
# from ~/.lnav, which would hide the file's end in the next run.
LNAV=""
if have lnav; then
	cat > "$TMP/lnav" <<EOF
#!/bin/sh
h=\$(mktemp -d "$TMP/lnav-home.XXXXXX")
mkdir -p "\$h/.lnav/formats/installed"
cp "$ROOT/bench/lnav/infrafabric_log.json" "\$h/.lnav/formats/installed/"
HOME=\$h exec lnav "\$@"
EOF
	chmod +x "$TMP/lnav"
	LNAV=$TMP/lnav
fi

# ---- helpers ----
ROWS=$TMP/rows.tsv
: > "$ROWS"
# row CASE NAME IFTOP PEER_NAME PEER UNIT RATIO TARGET PASS NOTE
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$ROWS"; }
median() { sort -n | awk '{a[NR]=$1} END {if (!NR) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
calc() {
	case "$1" in
	*nan*|*"( "*|*" )"*|*"/ "|"/ "*) echo nan ;;
	*) awk "BEGIN {x = $1; printf \"%.${2:-3}f\", x}" ;;
	esac
}
# ok EXPR: "pass" when the awk expression holds, "fail" otherwise, "n/a" with nan.
ok() { case "$1" in *nan*|" "*|*"  "*|*" ") echo n/a ;; *) awk "BEGIN {print ($1) ? \"pass\" : \"fail\"}" ;; esac; }
# hf NAME RUNS CMD: median wall seconds of `sh -c CMD` (hyperfine).
hf() {
	n=$1 r=$2; shift 2
	if hyperfine --style none --runs "$r" --export-json "$TMP/hf-$n.json" "$@" >/dev/null 2>"$TMP/hf-$n.err"; then
		jq '.results[0].median * 10000 | round / 10000' "$TMP/hf-$n.json"
	else
		say "bench: $n failed: $(tail -3 "$TMP/hf-$n.err")"
		echo nan
	fi
}
# pty NAME RUNS KEY ARGS...: median of ptyrun's KEY over RUNS runs.
pty() {
	n=$1 r=$2 k=$3; shift 3
	i=0
	: > "$TMP/pty-$n"
	while [ $i -lt "$r" ]; do
		"$BB/ptyrun" "$@" >> "$TMP/pty-$n" 2>>"$TMP/pty-$n.err"
		i=$((i + 1))
	done
	awk -v k="$k" '$1 == k && $2 >= 0 {print $2}' "$TMP/pty-$n" | median
}
lastnum() { tr -c '0-9.\n' ' ' < "$1" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) v = $i} END {print v == "" ? "?" : v}'; }

# ---- cases 1-3: queries ----
# `iftop-logs query 'LOGQL' --instant --to T --history -1 --max-memory 2G FILE`:
# the whole file (--history -1) held (2G: more than its 424 MB plus
# indexes), evaluated at one minute after its last line.  Used when the
# binary has the query command: `query --help` names it, or the general
# --help does and a probe on two lines answers 1.
HAVE_QUERY=0
printf '%s\n' '{"timestamp":"2025-11-30T00:00:00Z","level":"ERROR","agent_id":"a"}' \
	'{"timestamp":"2025-11-30T00:00:01Z","level":"INFO","agent_id":"a"}' > "$TMP/probe.log"
if { "$BIN" query --help 2>&1 || "$BIN" --help 2>&1; } | grep -q "iftop-logs query" &&
	"$BIN" query 'sum(count_over_time({level="ERROR"}[1h]))' --instant --to 2025-11-30T00:30:00Z \
		--history -1 "$TMP/probe.log" 2>&1 | grep -q ' 1$'; then
	HAVE_QUERY=1
fi
last_s=$(date -u -d "$(tail -n 1 "$LOG" | jq -r .timestamp)" +%s)
QTO=$(date -u -d "@$((last_s + 60))" +%Y-%m-%dT%H:%M:%SZ)
NOQ="skipped: iftop-logs has no query command yet"
query_case() {  # query_case NAME LOGQL: median seconds or nan
	if [ $HAVE_QUERY = 1 ]; then
		hf "$1" "$RUNS" "'$BIN' query '$2' --instant --to $QTO --history -1 --max-memory 2G '$LOG' > '$TMP/out-$1'"
	else
		echo nan
	fi
}
# agree NAME: how many agents' values iftop-logs and jq agree on (1e-6 relative).
agree() {
	[ $HAVE_QUERY = 1 ] || { echo "$NOQ"; return; }
	sed -n 's/.*agent_id="\([^"]*\)"} \([-0-9.e+]*\)$/\1 \2/p' "$TMP/out-$1" > "$TMP/kv-$1"
	awk 'NR == FNR {v[$1] = $2; next} ($1 in v) {d = v[$1] - $2; if (d < 0) d = -d; m = $2 < 0 ? -$2 : $2; n++; if (d <= 1e-6 * (m > 1 ? m : 1)) ok++}
		END {printf "iftop-logs and jq agree on %d of %d agents", ok, n}' "$TMP/kv-$1" "$TMP/out-$1-jq"
}
qnote() { [ $HAVE_QUERY = 1 ] && echo "iftop-logs: $(lastnum "$TMP/out-$1")${2:+; $2}" || echo "$NOQ"; }

if want 1; then
say "bench: case 1 (count ERROR)"
t_grep=$(hf c1-grep "$RUNS" "LC_ALL=C grep -c '\"level\":\"ERROR\"' '$LOG' > '$TMP/out-c1-grep'")
t_jq1=$(hf c1-jq "$SLOW_RUNS" "jq -n 'reduce (inputs | select(.level == \"ERROR\")) as \$x (0; . + 1)' '$LOG' > '$TMP/out-c1-jq'")
t_q1=$(query_case c1 'sum(count_over_time({level="ERROR"}[1h]))')
n_grep=$(cat "$TMP/out-c1-grep" 2>/dev/null)
row 1 "count ERROR (grep -c: $n_grep)" "$t_q1" "grep -c" "$t_grep" s "$(calc "$t_grep / $t_q1")" "ratio >= 0.333 (<= 3x grep)" "$(ok "$t_grep / $t_q1 >= 1/3")" "$(qnote c1)"
row 1 "count ERROR (jq: $(cat "$TMP/out-c1-jq" 2>/dev/null))" "$t_q1" "jq reduce" "$t_jq1" s "$(calc "$t_jq1 / $t_q1")" "ratio >= 10" "$(ok "$t_jq1 / $t_q1 >= 10")" "$(qnote c1)"
if [ $HAVE_QUERY = 1 ]; then
	# The same query under the default --max-memory (256M): what is counted.
	"$BIN" query 'sum(count_over_time({level="ERROR"}[1h]))' --instant --to "$QTO" --history -1 "$LOG" > "$TMP/out-c1-cap" 2> "$TMP/err-c1-cap"
	n_cap=$(lastnum "$TMP/out-c1-cap")
	row 1 "count ERROR at the default --max-memory 256M" "$n_cap" "grep -c" "$n_grep" lines "" "same count" "$([ "$n_cap" = "$n_grep" ] && echo pass || echo fail)" "stderr: $(head -c 120 "$TMP/err-c1-cap" | tr '\n' ' ')"
fi

fi

if want 2; then
say "bench: case 2 (redis_bus, duration_ms > 100)"
t_jq2=$(hf c2-jq "$SLOW_RUNS" "jq -n 'reduce (inputs | select(.component == \"redis_bus\" and (.context.duration_ms // 0) > 100)) as \$x (0; . + 1)' '$LOG' > '$TMP/out-c2-jq'")
t_q2=$(query_case c2 'sum(count_over_time({component="redis_bus"} | json | context_duration_ms > 100 [1h]))')
if [ -n "$LNAV" ]; then
	t_ln2=$(hf c2-lnav "$SLOW_RUNS" "$LNAV -n -c \";SELECT count(*) FROM infrafabric_log WHERE component = 'redis_bus' AND \\\"context/duration_ms\\\" > 100\" '$LOG' > '$TMP/out-c2-lnav'")
	row 2 "redis_bus > 100 ms (lnav: $(lastnum "$TMP/out-c2-lnav"))" "$t_q2" "lnav SQL" "$t_ln2" s "$(calc "$t_ln2 / $t_q2")" "ratio >= 5" "$(ok "$t_ln2 / $t_q2 >= 5")" "$(qnote c2)"
else
	row 2 "redis_bus > 100 ms" "$t_q2" "lnav SQL" nan s nan "ratio >= 5" n/a "lnav not installed"
fi
row 2 "redis_bus > 100 ms (jq: $(cat "$TMP/out-c2-jq" 2>/dev/null))" "$t_q2" "jq reduce" "$t_jq2" s "$(calc "$t_jq2 / $t_q2")" "ratio >= 10" "$(ok "$t_jq2 / $t_q2 >= 10")" "$(qnote c2)"

fi

if want 3; then
say "bench: case 3 (by agent_id: count, p99 duration)"
t_jq3a=$(hf c3a-jq "$SLOW_RUNS" "jq -n -r 'reduce inputs as \$x ({}; .[\$x.agent_id] += 1) | to_entries[] | \"\\(.key) \\(.value)\"' '$LOG' > '$TMP/out-c3a-jq'")
t_q3a=$(query_case c3a 'sum by (agent_id) (count_over_time({agent_id=~".+"}[1h]))')
row 3 "sum by agent_id (jq: $(wc -l < "$TMP/out-c3a-jq") agents)" "$t_q3a" "jq reduce" "$t_jq3a" s "$(calc "$t_jq3a / $t_q3a")" "ratio >= 10" "$(ok "$t_jq3a / $t_q3a >= 10")" "$(agree c3a)"
if [ -n "$LNAV" ]; then
	t_ln3a=$(hf c3a-lnav "$SLOW_RUNS" "$LNAV -n -c ';SELECT agent_id, count(*) FROM infrafabric_log GROUP BY agent_id' '$LOG' > '$TMP/out-c3a-lnav'")
	row 3 "sum by agent_id" "$t_q3a" "lnav SQL" "$t_ln3a" s "$(calc "$t_ln3a / $t_q3a")" "(info)" "$(ok "$t_ln3a / $t_q3a >= 1")" "$(agree c3a)"
fi
# p99 by linear interpolation between the two nearest ranks, as Loki does.
t_jq3b=$(hf c3b-jq "$SLOW_RUNS" "jq -n -r 'reduce (inputs | select(.context.duration_ms != null)) as \$x ({}; .[\$x.agent_id] += [\$x.context.duration_ms]) | map_values(sort as \$s | (\$s | length) as \$n | (0.99 * (\$n - 1)) as \$r | (\$r | floor) as \$lo | \$s[\$lo] + (\$s[[\$lo + 1, \$n - 1] | min] - \$s[\$lo]) * (\$r - \$lo)) | to_entries[] | \"\\(.key) \\(.value)\"' '$LOG' > '$TMP/out-c3b-jq'")
t_q3b=$(query_case c3b 'quantile_over_time(0.99, {agent_id=~".+"} | json | unwrap context_duration_ms | __error__="" [1h]) by (agent_id)')
row 3 "p99 duration by agent_id" "$t_q3b" "jq reduce+sort" "$t_jq3b" s "$(calc "$t_jq3b / $t_q3b")" "ratio >= 10" "$(ok "$t_jq3b / $t_q3b >= 10")" "$(agree c3b)"

fi

# ---- case 4: open the file to the first frame; memory ----
if want 4; then
say "bench: case 4 (open $LINES lines to the first frame)"
# Two frames: the first with log lines in it (a DEBUG row: every screen of
# this file has one), and the one showing the file's last line (its
# request id; the request column shows its first 11 characters).
last_id=$(tail -n 1 "$LOG" | jq -r .correlation_id | cut -c1-11)
for m in first last; do
	[ $m = first ] && mk=DEBUG || mk=$last_id
	f_if=$(pty c4-if-$m "$RUNS" marker_ms --timeout 120 --marker "$mk" --quit q -- "$BIN" --history -1 --max-memory 1G "$LOG")
	f_ln=nan
	[ -n "$LNAV" ] && f_ln=$(pty c4-lnav-$m "$SLOW_RUNS" marker_ms --timeout 90 --marker "$mk" --quit q -- "$LNAV" "$LOG")
	seen=$(awk '$1 == "marker_ms" && $2 >= 0' "$TMP/pty-c4-lnav-$m" 2>/dev/null | wc -l)
	[ $m = first ] && what="first frame with log lines (pty)" || what="frame showing the last line (pty)"
	row 4 "$what" "$(calc "$f_if / 1000")" lnav "$(calc "$f_ln / 1000")" s "$(calc "$f_ln / $f_if")" "ratio > 1" "$(ok "$f_ln / $f_if > 1")" "--history -1 --max-memory 1G; marker '$mk'; lnav drew it in $seen of $SLOW_RUNS runs"
done
t_snap=$(hf c4-snap "$RUNS" "'$BIN' --snapshot tail --size 120x40 --history -1 --max-memory 1G '$LOG' > '$TMP/out-c4-snap'")
if [ -n "$LNAV" ]; then
	t_lnn=$(hf c4-lnav-n "$SLOW_RUNS" "$LNAV -n -c ';SELECT 1' '$LOG' > /dev/null")
else
	t_lnn=nan
fi
row 4 "headless open (snapshot vs lnav -n)" "$t_snap" "lnav -n" "$t_lnn" s "$(calc "$t_lnn / $t_snap")" "ratio > 1" "$(ok "$t_lnn / $t_snap > 1")" "snapshot waits ~160 ms for the sources to settle"
# Memory: max RSS against the bytes the store holds and against --max-memory.
tobytes() { awk -v s="$1" 'BEGIN {n = s + 0; u = substr(s, length(s)); m = u == "K" ? 1024 : u == "M" ? 1048576 : u == "G" ? 1073741824 : 1; printf "%.0f", n * m}'; }
for mm in 1G 256M 64M; do
	/usr/bin/time -o "$TMP/time-$mm" -f '%M' "$BIN" --snapshot tail --size 120x40 --history -1 --max-memory "$mm" "$LOG" > "$TMP/snap-$mm" 2>/dev/null
	rss=$(( $(tail -n 1 "$TMP/time-$mm") * 1024 ))
	held=$(tail -n 1 "$TMP/snap-$mm" | grep -o '[0-9.]*[KMG]*/[0-9.]*[KMG]' | tail -n 1 | cut -d/ -f1)
	held_b=$(tobytes "$held")
	cap_b=$(tobytes "$mm")
	nl=$(tail -n 1 "$TMP/snap-$mm" | grep -o '[0-9]* lines' | head -n 1)
	row 4 "RSS vs bytes held, --max-memory $mm ($nl held)" "$(calc "$rss / 1048576" 1)" "held" "$(calc "$held_b / 1048576" 1)" MiB "$(calc "$rss / $held_b" 2)" "RSS <= 2x held" "$(ok "$rss <= 2 * $held_b")" "max RSS (time -v)"
	row 4 "RSS vs --max-memory $mm" "$(calc "$rss / 1048576" 1)" "cap" "$(calc "$cap_b / 1048576" 1)" MiB "$(calc "$rss / $cap_b" 2)" "RSS <= cap" "$(ok "$rss <= $cap_b")" ""
done
if [ -n "$LNAV" ]; then
	/usr/bin/time -o "$TMP/time-lnav" -f '%M' $LNAV -n -c ';SELECT 1' "$LOG" > /dev/null 2>&1
	row 4 "lnav max RSS on the same file" "" "lnav" "$(calc "$(tail -n 1 "$TMP/time-lnav") / 1024" 1)" MiB "" "(info)" "" "lnav -n"
fi

fi

# ---- case 5: ingest ----
if want 5 || want 6; then
say "bench: case 5 (ingest)"
"$BB/bench_store" --runs "$RUNS" "$LOG" > "$TMP/store" || say "bench: bench_store failed"
sv() { awk -v k="$1" '$1 == k {v = $2} END {print v == "" ? "nan" : v}' "$TMP/store"; }
row 5 "store_push with scan, all held (C)" "$(sv push_lines_per_s)" "" "" lines/s "" ">= 100000" "$(ok "$(sv push_lines_per_s) >= 100000")" "scan_line alone: $(sv scan_lines_per_s) lines/s"
row 5 "store_push, cap 256M (evicting)" "$(sv push_capped_lines_per_s)" "" "" lines/s "" ">= 100000" "$(ok "$(sv push_capped_lines_per_s) >= 100000")" "$(sv capped_held) lines held"
t_pipe=$(hf c5-pipe "$RUNS" "cat '$LOG' | '$BIN' --snapshot tail --max-memory 1G - > '$TMP/out-c5-pipe'")
row 5 "cat | iftop-logs --snapshot tail - (end to end)" "$(calc "$LINES / $t_pipe" 0)" "" "" lines/s "" ">= 100000" "$(ok "$LINES / $t_pipe >= 100000")" "wall $(calc "$t_pipe" 2) s incl. ~160 ms settle"
: > "$TMP/c5-keys"
i=0
while [ $i -lt "$RUNS" ]; do
	TZ=Asia/Tokyo "$BB/ptyrun" --timeout 120 --marker "? help" --done "stdin closed" --toggle "u:UTC),u:local)" --gap 20 --quit q \
		-- sh -c "cat '$LOG' | exec '$BIN' --max-memory 1G -" > "$TMP/c5-pty-$i" 2>/dev/null
	awk '$1 == "key_all" {for (i = 2; i <= NF; i++) print $i}' "$TMP/c5-pty-$i" >> "$TMP/c5-keys"
	i=$((i + 1))
done
d_ui=$(cat "$TMP"/c5-pty-* | awk '$1 == "done_ms" && $2 >= 0 {print $2}' | median)
row 5 "ingest with the UI running (pty, cat | iftop-logs -)" "$(calc "$LINES / ($d_ui / 1000)" 0)" "" "" lines/s "" ">= 100000" "$(ok "$LINES / ($d_ui / 1000) >= 100000")" "until 'stdin closed' is drawn: $(calc "$d_ui / 1000" 2) s"
nk=$(wc -l < "$TMP/c5-keys")
k99=$(sort -n "$TMP/c5-keys" | awk '{a[NR]=$1} END {if (!NR) print "nan"; else print a[int(0.99 * (NR - 1) + 0.5) + 1]}')
k50=$(median < "$TMP/c5-keys")
row 5 "key-to-frame p99 while ingesting ($nk keys)" "$k99" "" "" ms "" "< 50" "$(ok "$k99 < 50")" "p50 $k50 ms; key u, until the header changes"

: > "$TMP/c5-idle"
i=0
while [ $i -lt "$RUNS" ]; do
	TZ=Asia/Tokyo "$BB/ptyrun" --timeout 60 --marker "? help" --toggle "u:UTC),u:local)" --gap 20 --presses 40 --quit q \
		-- "$BIN" "$SMALL" 2>/dev/null | awk '$1 == "key_all" {for (i = 2; i <= NF; i++) print $i}' >> "$TMP/c5-idle"
	i=$((i + 1))
done
nk=$(wc -l < "$TMP/c5-idle")
k99=$(sort -n "$TMP/c5-idle" | awk '{a[NR]=$1} END {if (!NR) print "nan"; else print a[int(0.99 * (NR - 1) + 0.5) + 1]}')
row 5 "key-to-frame p99, idle screen ($nk keys, reference)" "$k99" "" "" ms "" "< 50" "$(ok "$k99 < 50")" "p50 $(median < "$TMP/c5-idle") ms; 10k-line file, nothing arriving"
row 5 "worst single store_push (stall)" "$(sv push_worst_ms)" "" "" ms "" "(info)" "" "worst 5 (ms@line): $(awk '$1 == "push_worst5" {$1 = ""; print}' "$TMP/store" | sed 's/^ //'); $(sv push_over_1ms) pushes > 1 ms"

fi

# ---- case 6: trace lookup ----
if want 6; then
row 6 "open a request's trace, $(sv held_lines) lines held (p50)" "$(sv trace_p50_ms)" "" "" ms "" "< 10" "$(ok "$(sv trace_p50_ms) < 10")" "store_lookup+store_index+trace_build, $(sv trace_ids) ids, avg $(sv trace_avg_lines) lines"
row 6 "open a request's trace (p99)" "$(sv trace_p99_ms)" "" "" ms "" "< 10" "$(ok "$(sv trace_p99_ms) < 10")" "max $(sv trace_max_ms) ms"
row 6 "biggest correlation id ($(sv trace_biggest_lines) lines)" "$(sv trace_biggest_ms)" "" "" ms "" "< 10" "$(ok "$(sv trace_biggest_ms) < 10")" "$(sv trace_biggest_id)"

fi

# ---- case 7: startup, idle ----
if want 7; then
say "bench: case 7 (startup, idle CPU)"
s_demo=$(pty c7-demo "$RUNS" marker_ms --timeout 30 --marker "? help" --quit q -- "$BIN" demo)
row 7 "startup to first frame, demo (pty)" "$s_demo" "" "" ms "" "< 50" "$(ok "$s_demo < 50")" "until the status bar is drawn"
t_sdemo=$(hf c7-snap "$RUNS" "'$BIN' --snapshot tail demo > /dev/null")
row 7 "iftop-logs --snapshot tail demo (wall)" "$(calc "$t_sdemo * 1000" 1)" "" "" ms "" "(info)" "" "includes the ~160 ms settle wait"
tmux kill-session -t "$SESSION" 2>/dev/null
tmux new-session -d -s "$SESSION" -x 120 -y 40 "exec '$BIN' '$SMALL'"
pid=$(tmux list-panes -t "$SESSION" -F '#{pane_pid}' 2>/dev/null | head -n 1)
cpu=nan
if [ -n "$pid" ]; then
	say "bench: idle CPU: waiting $IDLE_WAIT s, measuring $IDLE_WINDOW s"
	sleep "$IDLE_WAIT"
	c0=$(awk '{print $1}' "/proc/$pid/schedstat" 2>/dev/null)
	sleep "$IDLE_WINDOW"
	c1=$(awk '{print $1}' "/proc/$pid/schedstat" 2>/dev/null)
	[ -n "$c0" ] && [ -n "$c1" ] && cpu=$(calc "($c1 - $c0) / ($IDLE_WINDOW * 1e9) * 100" 3)
fi
tmux kill-session -t "$SESSION" 2>/dev/null
row 7 "idle CPU after $IDLE_WAIT s (tmux, 10k-line file)" "$cpu" "" "" "%" "" "< 0.5" "$(ok "$cpu < 0.5")" "schedstat over $IDLE_WINDOW s"

fi

# ---- case 8: dashboard panels over a big store ----
# 500k lines stamped the last ~2 minutes (gen --start), one more line
# every 0.1 s (so panels refresh every 5 s), the "Agent load distribution"
# dashboard (four panels over every line, two with `| json`): key-to-frame
# latency of ? (help) on and off.
if want 8; then
say "bench: case 8 (dashboard over 500k lines, key-to-frame)"
DL=$TMP/dash.log
: > "$TMP/c8-keys"
i=0
while [ $i -lt "$RUNS" ]; do
	"$BB/gen" --lines 500000 --rate 2000 --start $(( $(date +%s) - 135 )) "$DL" 2>/dev/null
	( while :; do printf '{"timestamp":"%s","level":"INFO","agent_id":"A01-haiku-001","component":"api_gateway","message":"Request received"}\n' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" >> "$DL"; sleep 0.1; done ) &
	wp=$!
	"$BB/ptyrun" --size 120x40 --timeout 90 --marker "? help" --pre "7]]" --ready "Agent load distribution" \
		--toggle "?:Navigation,?:Busiest agents" --gap 100 --presses 150 --quit q \
		-- "$BIN" --history -1 --max-memory 1G "$DL" 2>/dev/null | awk '$1 == "key_all" {for (i = 2; i <= NF; i++) print $i}' >> "$TMP/c8-keys"
	kill $wp 2>/dev/null
	wait $wp 2>/dev/null
	i=$((i + 1))
done
rm -f "$DL"
nk=$(wc -l < "$TMP/c8-keys")
k99=$(sort -n "$TMP/c8-keys" | awk '{a[NR]=$1} END {if (!NR) print "nan"; else print a[int(0.99 * (NR - 1) + 0.5) + 1]}')
kmax=$(sort -n "$TMP/c8-keys" | tail -n 1)
row 8 "dashboard key-to-frame p99, 500k lines ($nk keys)" "$k99" "" "" ms "" "< 50" "$(ok "$k99 < 50")" "p50 $(median < "$TMP/c8-keys") ms, max $kmax ms; panels refresh every 5 s while lines arrive"

fi

# ---- output ----
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
jq -R -s --arg lines "$LINES" --arg bytes "$BYTES" --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -n)" \
	--arg nproc "$(nproc)" --arg quick "$QUICK" --arg load0 "$LOAD0" --arg load1 "$LOAD1" '
	def num: if . == "" or . == "nan" then null else (tonumber? // .) end;
	{date: $date, host: $host, cpus: ($nproc | tonumber), quick: ($quick == "1"),
	 loadavg_start: ($load0 | tonumber), loadavg_end: ($load1 | tonumber),
	 file: {path: "bench/data/bench.log", lines: ($lines | tonumber), bytes: ($bytes | tonumber)},
	 ratio: "peer / iftop-logs (above 1: iftop-logs faster)",
	 rows: [split("\n")[] | select(length > 0) | split("\t") |
		{case: (.[0] | tonumber), name: .[1], iftop_logs: (.[2] | num), peer: (if .[3] == "" then null else .[3] end),
		 peer_value: (.[4] | num), unit: .[5], ratio: (.[6] | num), target: .[7],
		 result: (if .[8] == "" then null else .[8] end), note: .[9]}]}' "$ROWS" > "$OUT"
awk -F '\t' 'BEGIN {printf "%-4s %-52s %12s %-15s %12s %-7s %8s  %-28s %s\n", "case", "what", "iftop-logs", "peer", "peer value", "unit", "ratio", "target", "result"}
	{iv = $3 == "nan" ? "-" : $3; pv = $5 == "nan" ? "-" : $5; r = $7 == "nan" ? "-" : $7
	 printf "%-4s %-52s %12s %-15s %12s %-7s %8s  %-28s %s%s\n", $1, substr($2, 1, 52), iv, $4, pv, $6, r, $8, $9, $10 == "" ? "" : "  (" $10 ")"}' "$ROWS"
fails=$(awk -F '\t' '$9 == "fail"' "$ROWS" | wc -l)
echo "bench: $(wc -l < "$ROWS") rows, $fails below target; written to bench/results.json"
echo "bench: load average $LOAD0 at the start, $LOAD1 at the end, $(nproc) CPUs$(awk -v a="$LOAD0" -v b="$LOAD1" -v n="$(nproc)" 'BEGIN {if (a > n || b > n) print " (busy machine: latencies and startup times are inflated)"}')"
if [ "${BENCH_PROFILE:-0}" = 1 ]; then
	BUILD=$BUILD sh bench/profile.sh
fi
exit 0

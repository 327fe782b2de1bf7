#!/bin/sh
# End to end on files: iftop-logs follows a log file in a tmux pane; lines
# appended to it appear, escape sequences in them are shown as text (the
# pane title does not change), a rotated file keeps being followed, a
# pipe into `iftop-logs -` works with keys from the tty, and an idle
# iftop-logs uses next to no CPU.
set -u
BIN=$(pwd)/${BUILD:-build}/iftop-logs
. tests/tmux_env.sh
S=iftop-files-$$
D=$(mktemp -d)
export TZ=UTC
cleanup() { tmux kill-session -t "$S" 2>/dev/null; rm -rf "$D"; }
fail() { echo "FAIL: $*"; tmux capture-pane -p -t "$S" 2>/dev/null | sed 's/^/| /'; cleanup; exit 1; }
LOG=$D/A1-haiku-001.log
printf '{"timestamp":"2026-01-01T00:00:00Z","level":"INFO","agent_id":"A1-haiku-001","message":"first line"}\n' > "$LOG"
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 120 -y 30 "env XDG_CONFIG_HOME=/nonexistent $BIN '$D/*.log'; echo EXITED rc=\$?; sleep 30"
tmux set-option -t "$S" set-titles on >/dev/null 2>&1
wait_for "first line" 5 || fail "history line not shown"
wait_for "files: $D" 1 || fail "status bar does not name the files"
printf '{"level":"ERROR","agent_id":"A1-haiku-001","message":"appended \\u001b]2;HACKED\\u0007 \\u001b[31mred"}\n' >> "$LOG"
wait_for "appended" 5 || fail "appended line did not appear"
wait_for '\^\[\]2;HACKED\^G' 1 || fail "escape sequence not shown as visible text"
title=$(tmux display-message -p -t "$S" '#{pane_title}')
case "$title" in *HACKED*) fail "log line changed the pane title" ;; esac
# Idle: no new lines for 3 s costs (almost) no CPU.
pid=$(pgrep -f "$BIN '$D" | head -1)
[ -n "$pid" ] || fail "no iftop-logs process"
t0=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
sleep 3
t1=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
ticks=$((t1 - t0))
[ "$ticks" -le 10 ] || fail "idle iftop-logs used $ticks clock ticks in 3 s"
echo "idle CPU: $ticks ticks in 3 s"
# Rotation: rename and start a new file at the same path.
mv "$LOG" "$LOG.1"
printf '{"level":"WARN","agent_id":"A1-haiku-001","message":"after rotation"}\n' > "$LOG"
wait_for "after rotation" 5 || fail "line after rotation not shown"
tmux send-keys -t "$S" q
wait_for "EXITED rc=0" 3 || fail "q did not quit"
tmux kill-session -t "$S"

# stdin: a pipe feeds lines, keys still come from the terminal.
tmux new-session -d -s "$S" -x 100 -y 20 "(echo 'plain ERROR from a pipe'; sleep 3) | $BIN -; echo EXITED rc=\$?; sleep 30"
wait_for "plain ERROR from a pipe" 5 || fail "piped line not shown"
tmux send-keys -t "$S" "?"
wait_for "Keys (Esc closes" 3 || fail "keys do not work with stdin piped"
tmux send-keys -t "$S" Escape q
i=0
while pgrep -f "$BIN -\$" >/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
pgrep -f "$BIN -\$" >/dev/null && fail "q did not quit (stdin mode)"
wait_for "EXITED rc=0" 5 || fail "no clean exit (stdin mode)"
cleanup
echo "tmux files e2e ok"

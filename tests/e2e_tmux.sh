#!/bin/sh
# End to end: the real binary in a 120x40 tmux pane, driven by keys.
# Checks the first frame, the help overlay, detail view and back, pause,
# resize down to 10x3 and back, and that q quits and restores the terminal.
set -u
BIN=$(pwd)/${BUILD:-build}/iftop-logs
. tests/tmux_env.sh
S=iftop-e2e-$$
export TZ=UTC
fail() { echo "FAIL: $*"; tmux capture-pane -p -t "$S" 2>/dev/null | sed 's/^/| /'; tmux kill-session -t "$S" 2>/dev/null; exit 1; }
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 120 -y 40 "env XDG_CONFIG_HOME=/nonexistent $BIN --seed 3 demo; echo EXITED rc=\$?; sleep 30"
wait_for "LIVE" 5 || fail "no live frame within 5 s"
wait_for "demo swarm" 1 || fail "status does not name the source"
tmux capture-pane -p -t "$S" | grep -q "TIME (local)" || fail "no column header"
# Idle CPU: the demo is live, so just check the frame keeps coming.
tmux send-keys -t "$S" "?"
wait_for "Keys (Esc closes" 2 || fail "help overlay did not open"
wait_for "Move down one line" 1 || fail "help lacks the navigation keys"
tmux send-keys -t "$S" PgDn PgDn
wait_for "Pause / resume following" 2 || fail "help does not scroll to the tail keys"
tmux send-keys -t "$S" Escape
sleep 0.3
tmux capture-pane -p -t "$S" | grep -q "Keys (Esc closes" && fail "Esc did not close help"
tmux send-keys -t "$S" " "
wait_for "PAUSED" 2 || fail "space did not pause"
sleep 1
tmux capture-pane -p -t "$S" | grep -Eq "PAUSED [1-9][0-9]* new" || fail "paused view does not count waiting lines"
tmux send-keys -t "$S" Enter
wait_for '"timestamp":' 2 || fail "Enter did not open the detail view"
wait_for "> detail" 1 || fail "title does not show the view stack"
tmux send-keys -t "$S" Escape
wait_for "PAUSED" 2 || fail "Esc did not return to the tail"
tmux send-keys -t "$S" F
wait_for "LIVE" 2 || fail "F did not resume following"
# From a line to its request's waterfall, and back with Esc.
tmux send-keys -t "$S" " " k k
wait_for "PAUSED" 2 || fail "did not pause before opening a trace"
tmux send-keys -t "$S" t
wait_for "critical path" 3 || fail "t did not open the request waterfall"
wait_for "busy / idle" 1 || fail "waterfall lacks the busy strip"
tmux send-keys -t "$S" Enter
wait_for '"correlation_id": "req-' 2 || fail "Enter on a span did not open its line"
tmux send-keys -t "$S" Escape
wait_for "critical path" 2 || fail "Esc did not return to the waterfall"
tmux send-keys -t "$S" Escape
wait_for "TIME (local)" 2 || fail "Esc did not walk back to the tail"
tmux send-keys -t "$S" 2
wait_for "critical path" 2 || fail "key 2 did not switch to the trace tab"
tmux send-keys -t "$S" Tab
wait_for "SERIES" 2 || fail "Tab did not switch to the errors view"
tmux send-keys -t "$S" Tab
wait_for "Prometheus:" 2 || fail "Tab did not switch to the health view"
tmux send-keys -t "$S" BTab
wait_for "SERIES" 2 || fail "Shift-Tab did not go back to the errors view"
tmux send-keys -t "$S" 1
wait_for "TIME (local)" 2 || fail "key 1 did not switch to the tail"
tmux send-keys -t "$S" F
tmux resize-window -t "$S" -x 10 -y 3
wait_for "too small" 3 || fail "no 'too small' notice at 10x3"
tmux resize-window -t "$S" -x 100 -y 30
wait_for "LIVE" 3 || fail "did not recover after resizing back"
tmux send-keys -t "$S" q
wait_for "EXITED rc=0" 3 || fail "q did not quit cleanly"
tmux kill-session -t "$S"
# A crash signal restores the terminal too: the shell line after it shows.
tmux new-session -d -s "$S" -x 100 -y 20 "env XDG_CONFIG_HOME=/nonexistent $BIN --seed 3 demo; echo EXITED rc=\$?; sleep 30"
wait_for "LIVE" 5 || fail "no frame before the crash test"
pid=$(tmux list-panes -t "$S" -F '#{pane_pid}')
kill -SEGV "$(pgrep -P "$pid" -f iftop-logs | head -1)"
wait_for "EXITED rc=139" 3 || fail "no exit 139 after SIGSEGV"
tmux capture-pane -p -t "$S" | grep -q "iftop-logs   1" && fail "screen not restored after a crash"
# The terminal is restored: the shell line is on a normal screen.
tmux capture-pane -p -t "$S" | grep -q "iftop-logs   1 tail" && fail "screen not restored after quit"
tmux kill-session -t "$S"
echo "tmux e2e ok"

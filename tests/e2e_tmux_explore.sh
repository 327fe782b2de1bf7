#!/bin/sh
# End to end for the Explore view: the real binary in a 120x40 tmux pane
# on the live demo swarm.  Types a query, completes a label value with
# Tab, runs it, opens a line, adds a line with Alt-Enter, switches to a
# metric query (graph, table), checks the history file and Ctrl-R, and
# that Tab / q work again once the editor is left.
set -u
BIN=$(pwd)/${BUILD:-build}/iftop-logs
. tests/tmux_env.sh
S=iftop-explore-$$
STATE=$(mktemp -d)
export TZ=UTC
fail() { echo "FAIL: $*"; tmux capture-pane -p -t "$S" 2>/dev/null | sed 's/^/| /'; tmux kill-session -t "$S" 2>/dev/null; rm -rf "$STATE"; exit 1; }
type_text() { tmux send-keys -t "$S" -l "$1"; }
tmux kill-session -t "$S" 2>/dev/null
tmux new-session -d -s "$S" -x 120 -y 40 "env XDG_CONFIG_HOME=/nonexistent XDG_STATE_HOME=$STATE $BIN --seed 3 demo; echo EXITED rc=\$?; sleep 30"
wait_for "LIVE" 5 || fail "no live frame within 5 s"
sleep 1
tmux send-keys -t "$S" 5
wait_for "LogQL (editing)" 2 || fail "key 5 did not open the explore tab"
wait_for "5 explore" 1 || fail "the tab bar does not name explore"
# Type a selector and complete the agent's value.
type_text '{agent_id="A1'
wait_for "never closed" 2 || fail "no parse error while typing an open string"
tmux send-keys -t "$S" Tab
wait_for "A1-haiku-001" 2 || fail "Tab did not offer label values"
wait_for "A10-" 1 || fail "completion popup lacks other agents"
tmux send-keys -t "$S" Enter
wait_for '{agent_id="A1-haiku-001"' 2 || fail "Enter did not insert the completed value"
type_text '}'
tmux capture-pane -p -t "$S" | grep -q "never closed" && fail "the error stayed after the query became valid"
tmux send-keys -t "$S" Enter
wait_for " lines" 5 || fail "Enter did not run the query"
wait_for "MESSAGE (newest first)" 1 || fail "no log list"
tmux capture-pane -p -t "$S" | grep "^ [0-9][0-9]:" | grep -v "A1-haiku-001" | grep -q . && fail "a line of another agent in the result"
tmux capture-pane -p -t "$S" | grep -q "^ [0-9][0-9]:.*A1-haiku-001" || fail "no line of A1-haiku-001"
wait_for "RESULTS" 1 || fail "focus did not move to the results"
# Results keys: Enter opens the line in the detail view, Esc comes back.
tmux send-keys -t "$S" j Enter
wait_for '"agent_id": "A1-haiku-001"' 3 || fail "Enter did not open the line"
tmux send-keys -t "$S" Escape
wait_for "MESSAGE (newest first)" 2 || fail "Esc did not return to the results"
# Back to the editor; Alt-Enter adds a line, which is part of the query.
tmux send-keys -t "$S" i End M-Enter
sleep 0.3
type_text '|= "Task"'
wait_for '^  |= "Task"' 2 || fail "Alt-Enter did not start a second line"
tmux send-keys -t "$S" Enter
wait_for " lines" 3 || fail "the two-line query did not run"
# A metric query: graph with legend, then the table.
tmux send-keys -t "$S" i C-u Up C-k C-k
sleep 0.2
type_text 'sum by (level) (count_over_time({agent_id=~".+"}[1m]))'
tmux send-keys -t "$S" Enter
wait_for " series in " 5 || fail "metric query did not run"
wait_for '{level="INFO"}' 2 || fail "no legend"
tmux send-keys -t "$S" v
wait_for "MEAN" 2 || fail "v did not switch to the table"
# History: persisted, and Ctrl-R finds an older query.
grep -q 'agent_id="A1-haiku-001"' "$STATE/iftop-logs/history" || fail "history file lacks the first query"
tmux send-keys -t "$S" C-r
type_text 'haiku'
wait_for 'history search: haiku' 2 || fail "Ctrl-R did not open history search"
tmux send-keys -t "$S" Enter
wait_for '> {agent_id="A1-haiku-001"}' 2 || fail "Ctrl-R did not recall the query"
# Leaving the editor gives the view keys back: Tab switches tabs.
tmux send-keys -t "$S" Escape Tab
wait_for "6 alerts" 2 || fail "Tab after Esc did not switch to the next tab"
tmux send-keys -t "$S" q
wait_for "EXITED rc=0" 3 || fail "q did not quit cleanly"
tmux kill-session -t "$S"
# --query opens Explore with the query run once the demo history is in.
tmux new-session -d -s "$S" -x 120 -y 30 "env XDG_CONFIG_HOME=/nonexistent XDG_STATE_HOME=$STATE $BIN --query '{level=\"ERROR\"}' --seed 3 demo; echo EXITED rc=\$?; sleep 30"
wait_for " lines in " 5 || fail "--query did not run the query"
tmux capture-pane -p -t "$S" | grep "^ [0-9][0-9]:" | grep -qv " ERROR " && fail "--query result holds non-ERROR lines"
tmux send-keys -t "$S" q
wait_for "EXITED rc=0" 3 || fail "q did not quit from the results"
tmux kill-session -t "$S"
rm -rf "$STATE"
echo "tmux explore e2e ok"

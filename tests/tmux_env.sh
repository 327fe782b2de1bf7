# Sourced by the tmux tests: a tmux server of their own (tests or people
# using tmux at the same time never share it), with a keeper session so
# killing a test's session never races the server's exit with the next
# new-session; the server and its socket go when the script exits.
# wait_for PATTERN SECONDS polls the pane of session $S.
TSOCK=$(mktemp -u /tmp/iftop-tmux.XXXXXX)
tmux() { command tmux -S "$TSOCK" "$@"; }
unset TMUX
tmux new-session -d -s keep "sleep 600"
trap 'tmux kill-server 2>/dev/null; rm -f "$TSOCK"' EXIT
wait_for() {
	i=0
	while [ $i -lt $(($2 * 10)) ]; do
		tmux capture-pane -p -t "$S" | grep -q -- "$1" && return 0
		sleep 0.1; i=$((i + 1))
	done
	return 1
}

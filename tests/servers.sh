# tests/servers.sh: real servers for the test run (sourced by tests/run.sh).
#
# servers_start starts, once per run, on 127.0.0.1 and free ports:
#   - Loki 2.8.0 from ../shared/loki (start-loki.sh), about 10 s to ready;
#   - the fault proxy (build/tools/faultproxy) in front of that Loki, which
#     also serves a static /metrics page used as a Prometheus scrape target;
#   - Prometheus (Debian package) with a 1 s scrape/evaluation interval, a
#     second target that is always down, and an alert rule that fires.
#   - when the openssl CLI exists: a throw-away CA, server and client
#     certificates and `openssl s_server -www` requiring a client cert;
#     and build/tools/tlsrelay, a TLS front (same server certificate, no
#     client certificate) of the fault proxy, so of Loki.
# It exports LOKI_TEST_ADDR, PROM_TEST_ADDR, FAULT_TEST_ADDR (proxy to Loki),
# PROM_DOWN_TARGET, and TLS_TEST_ADDR + TLS_TEST_DIR (ca.pem, cli.pem,
# cli.key) + FAULT_TLS_ADDR (https front of FAULT_TEST_ADDR) when TLS is
# available.  servers_stop kills everything by PID and removes
# the temp dir.  Neither reads stdin.

SRV_DIR=
SRV_PIDS=

srv_free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

srv_wait_http() { # URL TIMEOUT_S -> 0 when it answers 200
	_n=0
	while [ "$_n" -lt $(($2 * 10)) ]; do
		[ "$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
		_n=$((_n + 1))
	done
	return 1
}

srv_start_tls() {
	command -v openssl >/dev/null 2>&1 || return 0
	_t=$SRV_DIR/tls
	mkdir -p "$_t" || return 0
	_ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	printf 'subjectAltName=IP:127.0.0.1\n' >"$_t/ext"
	# shellcheck disable=SC2086
	{ openssl req -x509 $_ec -keyout "$_t/ca.key" -out "$_t/ca.pem" -days 2 -subj /CN=iftop-test-ca &&
	  openssl req $_ec -keyout "$_t/srv.key" -out "$_t/srv.csr" -subj /CN=127.0.0.1 &&
	  openssl x509 -req -in "$_t/srv.csr" -CA "$_t/ca.pem" -CAkey "$_t/ca.key" -CAcreateserial \
		-out "$_t/srv.pem" -days 2 -extfile "$_t/ext" &&
	  openssl req $_ec -keyout "$_t/cli.key" -out "$_t/cli.csr" -subj /CN=client &&
	  openssl x509 -req -in "$_t/cli.csr" -CA "$_t/ca.pem" -CAkey "$_t/ca.key" -CAcreateserial \
		-out "$_t/cli.pem" -days 2; } >/dev/null 2>&1 </dev/null || return 0
	_tls_port=$(srv_free_port)
	openssl s_server -accept "127.0.0.1:$_tls_port" -cert "$_t/srv.pem" -key "$_t/srv.key" \
		-CAfile "$_t/ca.pem" -Verify 1 -www -quiet >"$_t/s_server.log" 2>&1 </dev/null &
	SRV_PIDS="$SRV_PIDS $!"
	export TLS_TEST_ADDR="https://127.0.0.1:$_tls_port"
	export TLS_TEST_DIR="$_t"
	_relay=$ROOT/${BUILD:-build}/tools/tlsrelay
	[ -x "$_relay" ] || return 0
	"$_relay" 0 "$_t/srv.pem" "$_t/srv.key" "127.0.0.1:$1" >"$_t/relay.port" 2>"$_t/relay.log" </dev/null &
	SRV_PIDS="$SRV_PIDS $!"
	_n=0
	while [ ! -s "$_t/relay.port" ] && [ $_n -lt 50 ]; do sleep 0.1; _n=$((_n + 1)); done
	[ -s "$_t/relay.port" ] && export FAULT_TLS_ADDR="https://127.0.0.1:$(cat "$_t/relay.port")"
	return 0
}

# Reports a failed start and stops whatever was already started (run.sh
# installs its EXIT trap only after servers_start succeeded).
srv_fail() {
	echo "servers.sh: $1" >&2
	[ -n "${_loki_starter:-}" ] && kill "$_loki_starter" 2>/dev/null && wait "$_loki_starter" 2>/dev/null
	servers_stop
	return 1
}

servers_start() {
	_loki_starter=
	command -v prometheus >/dev/null 2>&1 || { echo "servers.sh: prometheus not installed (make deps-test)" >&2; return 1; }
	command -v curl >/dev/null 2>&1 || { echo "servers.sh: curl not installed (make deps-test)" >&2; return 1; }
	SRV_DIR=$(mktemp -d /tmp/iftop-servers.XXXXXX) || return 1
	_loki_dir=$ROOT/../shared/loki
	[ -x "$_loki_dir/start-loki.sh" ] || { echo "servers.sh: no $_loki_dir/start-loki.sh" >&2; return 1; }
	_fp=$ROOT/${BUILD:-build}/tools/faultproxy
	[ -x "$_fp" ] || { echo "servers.sh: $_fp not built" >&2; return 1; }

	_loki_port=$(srv_free_port)
	# Loki first: it is the slow one (runs in the background while the rest start)
	"$_loki_dir/start-loki.sh" "$SRV_DIR/loki" "$_loki_port" \
		>"$SRV_DIR/loki.start" 2>"$SRV_DIR/loki.err" </dev/null &
	_loki_starter=$!

	"$_fp" 0 "127.0.0.1:$_loki_port" >"$SRV_DIR/fp.port" 2>"$SRV_DIR/fp.log" </dev/null &
	SRV_PIDS="$SRV_PIDS $!"
	_n=0
	while [ ! -s "$SRV_DIR/fp.port" ] && [ $_n -lt 50 ]; do sleep 0.1; _n=$((_n + 1)); done
	_fp_port=$(cat "$SRV_DIR/fp.port")
	[ -n "$_fp_port" ] || { srv_fail "fault proxy did not start"; return 1; }

	_prom_port=$(srv_free_port)
	_dead_port=$(srv_free_port)
	mkdir -p "$SRV_DIR/prom-data"
	cat >"$SRV_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $SRV_DIR/rules.yml
scrape_configs:
  - job_name: fixture
    static_configs:
      - targets: ['127.0.0.1:$_fp_port']
  - job_name: down
    static_configs:
      - targets: ['127.0.0.1:$_dead_port']
EOF
	cat >"$SRV_DIR/rules.yml" <<'EOF'
groups:
  - name: iftop-test
    rules:
      - alert: FixtureErrors
        expr: iftop_test_errors_total > 0
        labels:
          severity: warning
        annotations:
          summary: fixture reports errors
      - record: component:iftop_test_errors:sum
        expr: sum by (component) (iftop_test_errors_total)
EOF
	prometheus --config.file="$SRV_DIR/prometheus.yml" \
		--storage.tsdb.path="$SRV_DIR/prom-data" \
		--web.listen-address="127.0.0.1:$_prom_port" \
		--log.level=warn >"$SRV_DIR/prom.log" 2>&1 </dev/null &
	SRV_PIDS="$SRV_PIDS $!"

	srv_start_tls "$_fp_port"
	export FAULT_TEST_ADDR="http://127.0.0.1:$_fp_port"
	export PROM_TEST_ADDR="http://127.0.0.1:$_prom_port"
	export PROM_DOWN_TARGET="127.0.0.1:$_dead_port"
	export LOKI_TEST_ADDR="http://127.0.0.1:$_loki_port"

	srv_wait_http "$PROM_TEST_ADDR/-/ready" 20 ||
		{ tail -5 "$SRV_DIR/prom.log" >&2; srv_fail "prometheus not ready"; return 1; }
	if ! wait "$_loki_starter"; then
		_loki_starter=
		cat "$SRV_DIR/loki.err" >&2
		srv_fail "loki did not start"
		return 1
	fi
	_loki_starter=
	SRV_PIDS="$SRV_PIDS $(cat "$SRV_DIR/loki.start")"
	return 0
}

servers_stop() {
	for _p in $SRV_PIDS; do kill "$_p" 2>/dev/null; done
	# Loki may have been started but not reported yet
	[ -n "$SRV_DIR" ] && [ -f "$SRV_DIR/loki/loki.pid" ] && kill "$(cat "$SRV_DIR/loki/loki.pid")" 2>/dev/null
	_n=0
	for _p in $SRV_PIDS $( [ -n "$SRV_DIR" ] && cat "$SRV_DIR/loki/loki.pid" 2>/dev/null); do
		while kill -0 "$_p" 2>/dev/null && [ $_n -lt 80 ]; do sleep 0.1; _n=$((_n + 1)); done
		kill -9 "$_p" 2>/dev/null
	done
	[ -n "$SRV_DIR" ] && rm -rf "$SRV_DIR"
	SRV_PIDS=
	SRV_DIR=
}

/*
 * tests/test_ws.c: sources/ws.c.  Codec checks against RFC 6455's own
 * examples and the handshake recorded from Loki 2.8; then the client
 * against the fault proxy's scripted websocket server (ping, fragments,
 * 64-bit lengths, pong check, close), failure paths (upgrade never
 * answered, upgrade refused, connection refused) and the real Loki tail.
 * The live cases run over each transport: plain TCP, a curl connection,
 * curl through the fault proxy's CONNECT tunnel, and curl with TLS through
 * the TLS front (FAULT_TLS_ADDR, CA in TLS_TEST_DIR).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/http.h"
#include "sources/ws.h"

static void
test_accept_key(void **state)
{
	(void)state;
	char out[29];
	ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out);      /* RFC 6455 1.3 */
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	ws_accept_key("mm6fUXoySioEfsXBN9vFEg==", out);      /* Loki 2.8 sample */
	assert_string_equal(out, "Uhma5dKfNXNkfe3M9RJ/zRFfreE=");
	struct sbuf b = SBUF_INIT;
	ws_base64(&b, (const unsigned char *)"alice:pw", 8);
	assert_string_equal(sbuf_str(&b), "YWxpY2U6cHc=");
	sbuf_release(&b);
}

static void
test_frames(void **state)
{
	(void)state;
	struct sbuf f = SBUF_INIT;
	/* RFC 6455 5.7 examples */
	ws_frame(&f, WS_TEXT, true, "Hello", 5, NULL);
	assert_memory_equal(f.buf, "\x81\x05Hello", 7);
	sbuf_reset(&f);
	const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	ws_frame(&f, WS_TEXT, true, "Hello", 5, mask);
	assert_int_equal(f.len, 11);
	assert_memory_equal(f.buf, "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11);
	bool fin, masked;
	int op;
	uint64_t len;
	unsigned char mk[4];
	assert_int_equal(ws_parse_header((unsigned char *)f.buf, f.len, &fin, &op, &masked, &len, mk), 6);
	assert_true(fin && masked && op == WS_TEXT && len == 5);
	assert_memory_equal(mk, mask, 4);
	sbuf_reset(&f);
	ws_frame(&f, WS_TEXT, false, "Hel", 3, NULL);
	assert_memory_equal(f.buf, "\x01\x03Hel", 5);
	sbuf_reset(&f);
	char big[70000];
	memset(big, 'x', sizeof(big));
	ws_frame(&f, WS_BINARY, true, big, 256, NULL);
	assert_memory_equal(f.buf, "\x82\x7e\x01\x00", 4);
	sbuf_reset(&f);
	ws_frame(&f, WS_BINARY, true, big, 65536, NULL);
	assert_memory_equal(f.buf, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	assert_int_equal(ws_parse_header((unsigned char *)f.buf, 9, &fin, &op, &masked, &len, mk), 0);
	assert_int_equal(ws_parse_header((unsigned char *)f.buf, 10, &fin, &op, &masked, &len, mk), 10);
	assert_true(len == 65536);
	sbuf_release(&f);
	/* invalid: RSV bit, fragmented control, long control, bad opcode */
	static const unsigned char bad[][2] = { { 0xc1, 0x00 }, { 0x09, 0x00 }, { 0x89, 0x7e },
						{ 0x83, 0x00 } };
	for (size_t i = 0; i < LX_ARRAY_LEN(bad); i++)
		assert_int_equal(ws_parse_header(bad[i], 4, &fin, &op, &masked, &len, mk), -1);
}

/* ---------------- live ---------------- */

static const char *fp;
static const char *loki;
static const char *tls_fp, *tls_dir;
static uv_loop_t loop;
/* how open_url() connects: the transport and the auth/TLS options */
static enum ws_via via;
static const struct http_auth *use_auth;

struct rec {
	int opened, closed, messages;
	int err, code;
	long status;
	char msg[300];
	struct sbuf all;
	struct ws *w;
	bool sent_bye;
	size_t big;
};

static void
on_open(void *ud)
{
	struct rec *r = ud;
	r->opened++;
}

static void
on_message(void *ud, enum ws_opcode op, const char *data, size_t len)
{
	struct rec *r = ud;
	assert_int_equal(op, WS_TEXT);
	r->messages++;
	if (len == 70000)
		r->big++;
	else {
		sbuf_add(&r->all, data, len);
		sbuf_addc(&r->all, '|');
	}
	if (len == 8 && !memcmp(data, "pongs-ok", 8) && !r->sent_bye) {
		r->sent_bye = true;
		assert_int_equal(ws_send_text(r->w, "bye", 3), 0);
	}
}

static void
on_close(void *ud, int err, long status, int code, const char *msg)
{
	struct rec *r = ud;
	r->closed++;
	r->err = err;
	r->status = status;
	r->code = code;
	snprintf(r->msg, sizeof(r->msg), "%s", msg);
}

static struct ws *
open_url(const char *base, const char *path, struct rec *r, long hs_ms)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", base, path);
	struct ws_config cfg = { .url = url, .handshake_timeout_ms = hs_ms, .via = via,
				 .auth = use_auth };
	struct ws_callbacks cb = { .ud = r, .on_open = on_open, .on_message = on_message,
				   .on_close = on_close };
	r->w = ws_open(&loop, &cfg, &cb);
	return r->w;
}

/* ---- transports: each live test runs once per route ---- */

enum route { R_TCP, R_CURL, R_PROXY, R_TLS, R_N };
static const char *const route_names[R_N] = { "tcp", "curl", "proxy", "tls" };
static char ca_path[512];
static struct http_auth tls_auth;

/* Sets up `rt`; returns the base URL, or NULL when it cannot run here. */
static const char *
route_begin(enum route rt)
{
	via = rt == R_TCP ? WS_VIA_TCP : rt == R_CURL ? WS_VIA_CURL : WS_VIA_AUTO;
	use_auth = NULL;
	unsetenv("http_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	if (rt == R_PROXY) {
		setenv("http_proxy", fp, 1);
		unsetenv("no_proxy");
		unsetenv("NO_PROXY");
	}
	if (rt == R_TLS) {
		if (!tls_fp || !tls_dir)
			return NULL;
		snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", tls_dir);
		tls_auth = (struct http_auth){ .ca_file = ca_path };
		use_auth = &tls_auth;
		return tls_fp;
	}
	return fp;
}

static void
route_end(void)
{
	unsetenv("http_proxy");
	via = WS_VIA_AUTO;
	use_auth = NULL;
}

/* The fault proxy's count of CONNECT tunnels and the last CONNECT head. */
static int
tunnels(char *last, size_t n)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "curl -s --noproxy '*' %s/tunnels", fp);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char buf[4096];
	size_t k = fread(buf, 1, sizeof(buf) - 1, f);
	pclose(f);
	buf[k] = '\0';
	int count = -1;
	sscanf(buf, "tunnels=%d", &count);
	if (last)
		snprintf(last, n, "%s", buf);
	return count;
}

static int
setup(void **state)
{
	(void)state;
	uv_loop_init(&loop);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static void
test_script(void **state)
{
	(void)state;
	if (!fp)
		skip();
	for (enum route rt = 0; rt < R_N; rt++) {
		const char *base = route_begin(rt);
		if (!base)
			continue;
		int t0 = tunnels(NULL, 0);
		struct rec r = { 0 };
		assert_non_null(open_url(base, "/wsscript", &r, 5000));
		uv_run(&loop, UV_RUN_DEFAULT);
		if (r.opened != 1 || r.closed != 1 || r.big != 1 || r.err || r.code != 1000 ||
		    strcmp(sbuf_str(&r.all), "frag-mented|pongs-ok|") || !strstr(r.msg, "1000: done"))
			fail_msg("%s: opened %d closed %d big %zu err %d code %d all '%s' msg '%s'",
				 route_names[rt], r.opened, r.closed, r.big, r.err, r.code,
				 sbuf_str(&r.all), r.msg);
		/* only the proxy route goes through a tunnel */
		assert_int_equal(tunnels(NULL, 0) - t0, rt == R_PROXY);
		sbuf_release(&r.all);
		route_end();
	}
}

static char *
upgrade_head(const char *base, const struct http_auth *a, struct rec *r)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/wsecho", base);
	struct ws_config cfg = { .url = url, .auth = a, .via = via };
	struct ws_callbacks cb = { .ud = r, .on_open = on_open, .on_message = on_message,
				   .on_close = on_close };
	r->w = ws_open(&loop, &cfg, &cb);
	assert_non_null(r->w);
	for (int i = 0; i < 400 && r->messages < 1 && !r->closed; i++)
		uv_run(&loop, UV_RUN_ONCE);
	ws_close(r->w);
	return r->all.buf ? r->all.buf : "";
}

/* The upgrade request carries the same auth headers as curl would send:
 * basic, or a bearer token that wins over it; org id; custom headers.  On
 * every route; through the proxy, the CONNECT request carries none of them. */
static void
test_auth_headers(void **state)
{
	(void)state;
	if (!fp)
		skip();
	for (enum route rt = 0; rt < R_N; rt++) {
		const char *base = route_begin(rt);
		if (!base)
			continue;
		const char *hdrs[] = { "X-Custom: 1", NULL };
		struct http_auth basic = { .username = "alice", .password = "pw", .org_id = "a|b",
					   .headers = hdrs, .ca_file = ca_path };
		struct http_auth both = { .username = "alice", .password = "pw",
					  .bearer_token = "tok-1", .ca_file = ca_path };
		struct rec r1 = { 0 }, r2 = { 0 };
		const char *m = upgrade_head(base, &basic, &r1);
		if (!strstr(m, "GET /wsecho HTTP/1.1\r\n") ||
		    !strstr(m, "Authorization: Basic YWxpY2U6cHc=\r\n") ||
		    !strstr(m, "X-Scope-OrgID: a|b\r\n") || !strstr(m, "X-Custom: 1\r\n") ||
		    !strstr(m, "Sec-WebSocket-Version: 13\r\n"))
			fail_msg("%s: upgrade head:\n%s", route_names[rt], m);
		if (rt == R_PROXY) {
			char last[4096];
			tunnels(last, sizeof(last));
			assert_non_null(strstr(last, "CONNECT 127.0.0.1:"));
			assert_null(strstr(last, "Authorization:"));
			assert_null(strstr(last, "X-Scope-OrgID"));
			assert_null(strstr(last, "X-Custom"));
		}
		m = upgrade_head(base, &both, &r2);
		assert_non_null(strstr(m, "Authorization: Bearer tok-1\r\n"));
		assert_null(strstr(m, "Basic"));
		sbuf_release(&r1.all);
		sbuf_release(&r2.all);
		route_end();
	}
}

/* A refused upgrade quotes the server's answer, which may echo our request
 * (here the fault proxy's /echo, answering 403): no secret in the message. */
static void
test_refusal_scrubbed(void **state)
{
	(void)state;
	if (!fp)
		skip();
	for (enum route rt = 0; rt < R_N; rt++) {
		const char *base = route_begin(rt);
		if (!base)
			continue;
		const char *hdrs[] = { "X-Api-Key: key-secret-42", NULL };
		struct http_auth a = { .bearer_token = "tok-secret-1", .headers = hdrs,
				       .ca_file = ca_path };
		use_auth = &a;
		struct rec r = { 0 };
		assert_non_null(open_url(base, "/echo/status=403/ws", &r, 5000));
		uv_run(&loop, UV_RUN_DEFAULT);
		if (r.closed != 1 || r.err != LX_EHTTP || r.status != 403 ||
		    !strstr(r.msg, "upgrade refused (HTTP 403): GET /echo") ||
		    strstr(r.msg, "tok-secret-1") || strstr(r.msg, "key-secret-42"))
			fail_msg("%s: err %d status %ld msg '%s'", route_names[rt], r.err, r.status,
				 r.msg);
		route_end();
	}
}

static void
test_failures(void **state)
{
	(void)state;
	if (!fp)
		skip();
	for (enum route rt = 0; rt < R_N; rt++) {
		const char *base = route_begin(rt);
		if (!base)
			continue;
		struct rec hang = { 0 }, refused = { 0 }, nolisten = { 0 }, early = { 0 };
		assert_non_null(open_url(base, "/f/hang/0/wshang/loki/api/v1/tail", &hang, 300));
		assert_non_null(open_url(base, "/status/429", &refused, 5000));
		assert_non_null(open_url(rt == R_TLS ? "https://127.0.0.1:1" : "http://127.0.0.1:1",
					 "/x", &nolisten, 5000));
		assert_non_null(open_url(base, "/wsscript", &early, 5000));
		ws_close(early.w);                        /* before it even connected */
		uv_run(&loop, UV_RUN_DEFAULT);
		if (hang.closed != 1 || hang.opened || hang.err != LX_ETIMEDOUT ||
		    !strstr(hang.msg, "no websocket upgrade answer") ||
		    refused.err != LX_EHTTP || refused.status != 429 ||
		    !strstr(refused.msg, "upgrade refused (HTTP 429): status 429") ||
		    early.opened + early.closed != 0)
			fail_msg("%s: hang %d/%d '%s'; refused %d %ld '%s'", route_names[rt],
				 hang.closed, hang.err, hang.msg, refused.err, refused.status,
				 refused.msg);
		/* through the proxy, port 1 is the proxy's problem: it answers 502 */
		bool ok = rt == R_PROXY ?
			  nolisten.err == LX_EHTTP && strstr(nolisten.msg, "refused the tunnel") :
			  nolisten.err == LX_ECONN &&
			  strstr(nolisten.msg, rt == R_TCP ? "cannot connect" : "cannot talk to server");
		if (!ok)
			fail_msg("%s: nolisten %d '%s'", route_names[rt], nolisten.err, nolisten.msg);
		route_end();
	}
	struct rec t = { 0 };
	via = WS_VIA_TCP;                         /* TLS needs curl */
	assert_null(open_url("https://127.0.0.1:1", "/", &t, 100));
	via = WS_VIA_AUTO;
	assert_null(open_url("gopher://x", "/", &t, 100));
}

/* TLS: skip-verify works without the CA; an unknown CA is refused with a
 * clear message; a proxy that refuses or never answers the CONNECT ends
 * the attempt with the proxy's status or a timeout. */
static void
test_tls_and_proxy_faults(void **state)
{
	(void)state;
	if (!fp)
		skip();
	char proxy[300];
	if (tls_fp) {
		struct http_auth skipv = { .insecure_skip_verify = true };
		struct http_auth none = { 0 };
		struct rec ok = { 0 }, bad = { 0 };
		use_auth = &skipv;
		assert_non_null(open_url(tls_fp, "/wsscript", &ok, 5000));
		use_auth = &none;
		assert_non_null(open_url(tls_fp, "/wsscript", &bad, 5000));
		use_auth = NULL;
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(ok.opened, 1);
		assert_int_equal(ok.code, 1000);
		assert_int_equal(bad.opened, 0);
		assert_int_equal(bad.err, LX_ECONN);
		if (!strstr(bad.msg, "certificate"))
			fail_msg("unknown CA: '%s'", bad.msg);
		sbuf_release(&ok.all);
	}
	/* one at a time: curl reads http_proxy when it connects */
	struct rec refused = { 0 }, hang = { 0 };
	snprintf(proxy, sizeof(proxy), "http://refuse:x@%s", fp + 7);
	setenv("http_proxy", proxy, 1);
	assert_non_null(open_url(fp, "/wsscript", &refused, 5000));
	uv_run(&loop, UV_RUN_DEFAULT);
	snprintf(proxy, sizeof(proxy), "http://hang:x@%s", fp + 7);
	setenv("http_proxy", proxy, 1);
	assert_non_null(open_url(fp, "/wsscript", &hang, 400));
	uv_run(&loop, UV_RUN_DEFAULT);
	unsetenv("http_proxy");
	assert_int_equal(refused.err, LX_EHTTP);
	assert_int_equal(refused.status, 403);
	if (!strstr(refused.msg, "proxy refused the tunnel") || strstr(refused.msg, "refuse:x"))
		fail_msg("refused: '%s'", refused.msg);
	assert_int_equal(hang.err, LX_ETIMEDOUT);
}

static void
test_loki_tail_handshake(void **state)
{
	(void)state;
	if (!loki)
		skip();
	struct rec r = { 0 };
	assert_non_null(open_url(loki, "/loki/api/v1/tail?query=%7Bjob%3D%22nothing-here%22%7D",
				 &r, 5000));
	/* run until open, then close from our side */
	for (int i = 0; i < 200 && !r.opened && !r.closed; i++)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(r.opened, 1);
	ws_close(r.w);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r.closed, 0);          /* silenced by ws_close */
}

static void
test_unsupported(void **state)
{
	(void)state;
	assert_null(ws_unsupported("http://loki.example:3100/x"));
	assert_null(ws_unsupported("https://loki.example/x"));
	assert_null(ws_unsupported("wss://[::1]:8443/x?q"));
	assert_non_null(strstr(ws_unsupported("gopher://x/"), "not a ws(s)"));
	assert_non_null(ws_unsupported("http://:80/x"));
	assert_non_null(ws_unsupported("http://h:99999/x"));
	assert_non_null(ws_unsupported("loki:3100"));
	assert_non_null(ws_unsupported(NULL));
}

int
main(void)
{
	fp = getenv("FAULT_TEST_ADDR");
	loki = getenv("LOKI_TEST_ADDR");
	tls_fp = getenv("FAULT_TLS_ADDR");
	tls_dir = getenv("TLS_TEST_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test_setup_teardown(test_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_scrubbed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_and_proxy_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loki_tail_handshake, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_ws.c: sources/ws.c.  Codec checks against RFC 6455's own
 * examples and the handshake recorded from Loki 2.8; then the client
 * against the fault proxy's scripted websocket server (ping, fragments,
 * 64-bit lengths, pong check, close), failure paths (upgrade never
 * answered, upgrade refused, connection refused) and the real Loki tail.
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
static uv_loop_t loop;

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
	struct ws_config cfg = { .url = url, .handshake_timeout_ms = hs_ms };
	struct ws_callbacks cb = { .ud = r, .on_open = on_open, .on_message = on_message,
				   .on_close = on_close };
	r->w = ws_open(&loop, &cfg, &cb);
	return r->w;
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
	struct rec r = { 0 };
	assert_non_null(open_url(fp, "/wsscript", &r, 5000));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(r.opened, 1);
	assert_int_equal(r.closed, 1);
	assert_string_equal(sbuf_str(&r.all), "frag-mented|pongs-ok|");
	assert_int_equal(r.big, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.code, 1000);
	assert_non_null(strstr(r.msg, "1000: done"));
	sbuf_release(&r.all);
}

static char *
upgrade_head(const struct http_auth *a, struct rec *r)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/wsecho", fp);
	struct ws_config cfg = { .url = url, .auth = a };
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
 * basic, or a bearer token that wins over it; org id; custom headers. */
static void
test_auth_headers(void **state)
{
	(void)state;
	if (!fp)
		skip();
	const char *hdrs[] = { "X-Custom: 1", NULL };
	struct http_auth basic = { .username = "alice", .password = "pw", .org_id = "a|b",
				   .headers = hdrs };
	struct http_auth both = { .username = "alice", .password = "pw", .bearer_token = "tok-1" };
	struct rec r1 = { 0 }, r2 = { 0 };
	const char *m = upgrade_head(&basic, &r1);
	assert_non_null(strstr(m, "GET /wsecho HTTP/1.1\r\n"));
	assert_non_null(strstr(m, "Authorization: Basic YWxpY2U6cHc=\r\n"));
	assert_non_null(strstr(m, "X-Scope-OrgID: a|b\r\n"));
	assert_non_null(strstr(m, "X-Custom: 1\r\n"));
	assert_non_null(strstr(m, "Sec-WebSocket-Version: 13\r\n"));
	m = upgrade_head(&both, &r2);
	assert_non_null(strstr(m, "Authorization: Bearer tok-1\r\n"));
	assert_null(strstr(m, "Basic"));
	sbuf_release(&r1.all);
	sbuf_release(&r2.all);
}

static void
test_failures(void **state)
{
	(void)state;
	if (!fp)
		skip();
	struct rec hang = { 0 }, refused = { 0 }, nolisten = { 0 }, early = { 0 };
	assert_non_null(open_url(fp, "/f/hang/0/wshang/loki/api/v1/tail", &hang, 300));
	assert_non_null(open_url(fp, "/status/429", &refused, 5000));
	assert_non_null(open_url("http://127.0.0.1:1", "/x", &nolisten, 5000));
	assert_non_null(open_url(fp, "/wsscript", &early, 5000));
	ws_close(early.w);                        /* before it even connected */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(hang.closed, 1);
	assert_int_equal(hang.opened, 0);
	assert_int_equal(hang.err, LX_ETIMEDOUT);
	assert_non_null(strstr(hang.msg, "no websocket upgrade answer"));
	assert_int_equal(refused.err, LX_EHTTP);
	assert_int_equal(refused.status, 429);
	assert_non_null(strstr(refused.msg, "upgrade refused (HTTP 429): status 429"));
	assert_int_equal(nolisten.err, LX_ECONN);
	assert_non_null(strstr(nolisten.msg, "cannot connect"));
	assert_int_equal(early.opened + early.closed, 0);
	/* TLS is not ours: NULL so the caller polls through curl */
	struct rec t = { 0 };
	assert_null(open_url("https://127.0.0.1:1", "/", &t, 100));
	assert_null(open_url("gopher://x", "/", &t, 100));
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
	unsetenv("http_proxy");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	assert_null(ws_unsupported("http://loki.example:3100/x"));
	assert_non_null(strstr(ws_unsupported("https://loki.example/x"), "plain http only"));
	setenv("http_proxy", "http://proxy:3128", 1);
	assert_non_null(strstr(ws_unsupported("http://loki.example:3100/x"), "HTTP proxy"));
	setenv("no_proxy", "localhost, .example", 1);
	assert_null(ws_unsupported("http://loki.example:3100/x"));
	assert_null(ws_unsupported("http://a.b.example/x"));
	assert_non_null(ws_unsupported("http://notexample/x"));
	setenv("no_proxy", "*", 1);
	assert_null(ws_unsupported("http://anything/x"));
	unsetenv("http_proxy");
	unsetenv("no_proxy");
}

int
main(void)
{
	fp = getenv("FAULT_TEST_ADDR");
	loki = getenv("LOKI_TEST_ADDR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test_setup_teardown(test_script, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loki_tail_handshake, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_http.c: sources/http.c against the fault proxy on loopback
 * (tests/tools/faultproxy.c, started by tests/servers.sh as
 * FAULT_TEST_ADDR).  Counts callbacks libuv-style and ends every test with
 * uv_loop_close() == 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/http.h"

static const char *base;
static uv_loop_t loop;
static struct http *H;

struct res {
	int called;
	int err;
	long status;
	struct sbuf body;
	char msg[600];
	int attempts;
	double elapsed;
};

static void
done_cb(void *ud, const struct http_resp *r)
{
	struct res *s = ud;
	s->called++;
	s->err = r->err;
	s->status = r->status;
	sbuf_reset(&s->body);
	sbuf_add(&s->body, r->body->buf ? r->body->buf : "", r->body->len);
	snprintf(s->msg, sizeof(s->msg), "%s", r->msg);
	s->attempts = r->attempts;
	s->elapsed = r->elapsed_s;
}

static void
never_cb(void *ud, const struct http_resp *r)
{
	(void)ud;
	(void)r;
	fail_msg("callback after cancel");
}

static void
watchdog_cb(uv_timer_t *t)
{
	(void)t;
	fail_msg("test hung (watchdog)");
}

static uv_timer_t watchdog;

static int
setup(void **state)
{
	(void)state;
	if (!base)
		return 0;
	assert_int_equal(uv_loop_init(&loop), 0);
	H = http_new(&loop);
	assert_non_null(H);
	uv_timer_init(&loop, &watchdog);
	uv_timer_start(&watchdog, watchdog_cb, 30000, 0);
	uv_unref((uv_handle_t *)&watchdog);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (!base)
		return 0;
	http_free(H);
	uv_close((uv_handle_t *)&watchdog, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

#define NEED_SERVER() do { if (!base) skip(); } while (0)

static char *
url(const char *path)
{
	static char buf[8][512];
	static int i;
	i = (i + 1) % 8;
	char mode[64], id[64];
	long n;
	int used = 0;
	/* make fault ids unique per process: the proxy counts per id */
	if (!strncmp(path, "/f/", 3) &&
	    sscanf(path + 3, "%63[^/]/%ld/%63[^/]%n", mode, &n, id, &used) == 3)
		snprintf(buf[i], sizeof(buf[i]), "%s/f/%s/%ld/%s-%d%s", base, mode, n, id,
			 (int)getpid(), path + 3 + used);
	else
		snprintf(buf[i], sizeof(buf[i]), "%s%s", base, path);
	return buf[i];
}

static void
run(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
}

static void
test_get_echo(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	struct http_req req = { .url = url("/echo/hello?x=1") };
	assert_non_null(http_get(H, &req, done_cb, &r));
	assert_int_equal(r.called, 0);       /* never synchronous */
	assert_int_equal(http_pending(H), 1);
	run();
	assert_int_equal(r.called, 1);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(sbuf_str(&r.body), "GET /echo/hello?x=1 HTTP/1.1"));
	assert_non_null(strstr(sbuf_str(&r.body), "Accept-Encoding:"));
	assert_int_equal(r.attempts, 1);
	assert_int_equal(http_pending(H), 0);
	sbuf_release(&r.body);
}

static void
test_post_body(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	char body[5000];
	memset(body, 'a', sizeof(body));
	struct http_req req = { .url = url("/echo"), .body = body, .body_len = sizeof(body),
				.content_type = "text/plain" };
	assert_non_null(http_post(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.called, 1);
	assert_int_equal(r.err, 0);
	assert_non_null(strstr(sbuf_str(&r.body), "POST /echo HTTP/1.1"));
	assert_non_null(strstr(sbuf_str(&r.body), "Content-Type: text/plain"));
	assert_non_null(strstr(sbuf_str(&r.body), "body-bytes: 5000"));
	sbuf_release(&r.body);
}

static void
test_auth_headers(void **state)
{
	(void)state;
	NEED_SERVER();
	char tf[] = "/tmp/lx-token-XXXXXX";
	int fd = mkstemp(tf);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "  file-token-123\n", 17), 17);
	close(fd);
	const char *hdrs[] = { "X-Custom: yes", NULL };
	struct http_auth a = { .username = "alice", .password = "pw", .org_id = "t1|t2",
			       .headers = hdrs };
	struct http_auth b = { .bearer_token_file = tf };
	struct http_auth c = { .bearer_token = "direct-token" };
	struct res r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct http_req q1 = { .url = url("/echo"), .auth = &a };
	struct http_req q2 = { .url = url("/echo"), .auth = &b };
	struct http_req q3 = { .url = url("/echo"), .auth = &c };
	assert_non_null(http_get(H, &q1, done_cb, &r1));
	assert_non_null(http_get(H, &q2, done_cb, &r2));
	assert_non_null(http_get(H, &q3, done_cb, &r3));
	run();
	assert_int_equal(r1.called + r2.called + r3.called, 3);
	/* base64("alice:pw") */
	assert_non_null(strstr(sbuf_str(&r1.body), "Authorization: Basic YWxpY2U6cHc="));
	assert_non_null(strstr(sbuf_str(&r1.body), "X-Scope-OrgID: t1|t2"));
	assert_non_null(strstr(sbuf_str(&r1.body), "X-Custom: yes"));
	assert_non_null(strstr(sbuf_str(&r2.body), "Authorization: Bearer file-token-123\r\n"));
	assert_non_null(strstr(sbuf_str(&r3.body), "Authorization: Bearer direct-token"));
	/* basic and bearer both set: the bearer token wins, as over the websocket */
	struct http_auth d = { .username = "alice", .password = "pw", .bearer_token = "tok-2" };
	struct res r5 = { 0 };
	struct http_req q5 = { .url = url("/echo"), .auth = &d };
	assert_non_null(http_get(H, &q5, done_cb, &r5));
	run();
	assert_non_null(strstr(sbuf_str(&r5.body), "Authorization: Bearer tok-2\r\n"));
	assert_null(strstr(sbuf_str(&r5.body), "Basic"));
	sbuf_release(&r5.body);
	unlink(tf);
	/* unreadable token file: NULL and no callback */
	struct res r4 = { 0 };
	assert_null(http_get(H, &q2, done_cb, &r4));
	run();
	assert_int_equal(r4.called, 0);
	sbuf_release(&r1.body);
	sbuf_release(&r2.body);
	sbuf_release(&r3.body);
}

static struct sbuf dbg;

static void
debug_cb(void *ud, const char *line)
{
	(void)ud;
	sbuf_adds(&dbg, line);
	sbuf_addc(&dbg, '\n');
}

static void
test_no_secrets_in_errors(void **state)
{
	(void)state;
	NEED_SERVER();
	http_set_debug(H, debug_cb, NULL);
	const char *hdrs[] = { "X-Api-Key: hdr-secret-777", NULL };
	struct http_auth a = { .username = "bob", .password = "pw-secret-999",
			       .bearer_token = "tok-secret-555", .headers = hdrs };
	char u[512];
	/* userinfo in the URL, a 401 answer and a refused port */
	const char *p = strstr(base, "://") + 3;
	snprintf(u, sizeof(u), "http://bob:url-secret-333@%s/status/401", p);
	struct res r1 = { 0 }, r2 = { 0 }, r3 = { 0 };
	struct http_req q1 = { .url = u, .auth = &a };
	struct http_req q2 = { .url = "http://carol:url-secret-333@127.0.0.1:1/x?pw=1",
			       .auth = &a, .max_retries = -1 };
	struct http_req q3 = { .url = url("/f/err503/0/sec/echo"), .auth = &a,
			       .max_retries = 1, .retry_base_ms = 10 };
	assert_non_null(http_get(H, &q1, done_cb, &r1));
	assert_non_null(http_get(H, &q2, done_cb, &r2));
	assert_non_null(http_get(H, &q3, done_cb, &r3));
	run();
	assert_int_equal(r1.status, 401);
	assert_int_equal(r1.err, LX_EHTTP);
	assert_int_equal(r2.err, LX_ECONN);
	assert_int_equal(r3.status, 503);
	const char *all[] = { r1.msg, r2.msg, r3.msg, sbuf_str(&dbg) };
	const char *secrets[] = { "pw-secret-999", "tok-secret-555", "hdr-secret-777",
				  "url-secret-333", "Ym9i" /* base64 "bob" prefix */ };
	for (size_t i = 0; i < 4; i++)
		for (size_t j = 0; j < 5; j++)
			if (strstr(all[i], secrets[j]))
				fail_msg("secret %s leaked in: %s", secrets[j], all[i]);
	assert_non_null(strstr(r2.msg, "http://127.0.0.1:1/x"));
	assert_null(strstr(r2.msg, "pw=1"));
	assert_true(strlen(sbuf_str(&dbg)) > 0);
	sbuf_release(&dbg);
	sbuf_release(&r1.body);
	sbuf_release(&r2.body);
	sbuf_release(&r3.body);
}

static void
test_gzip_and_keepalive(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	struct http_req req = { .url = url("/gzip") };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.err, 0);
	assert_int_equal(r.body.len, 1100);
	assert_memory_equal(r.body.buf, "gzip works gzip works ", 22);
	/* two sequential requests reuse one connection */
	struct res k1 = { 0 }, k2 = { 0 };
	struct http_req kr = { .url = url("/ka") };
	assert_non_null(http_get(H, &kr, done_cb, &k1));
	run();
	assert_non_null(http_get(H, &kr, done_cb, &k2));
	run();
	int c1 = -1, c2 = -2, q2 = 0;
	sscanf(sbuf_str(&k1.body), "conn=%d", &c1);
	sscanf(sbuf_str(&k2.body), "conn=%d req=%d", &c2, &q2);
	assert_int_equal(c1, c2);
	assert_true(q2 >= 2);
	sbuf_release(&r.body);
	sbuf_release(&k1.body);
	sbuf_release(&k2.body);
}

static void
test_refused(void **state)
{
	(void)state;
	NEED_SERVER();
	/* a port nobody listens on: bind one, note it, close it */
	uv_tcp_t t;
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", 0, &a);
	uv_tcp_init(&loop, &t);
	assert_int_equal(uv_tcp_bind(&t, (struct sockaddr *)&a, 0), 0);
	int len = sizeof(a);
	uv_tcp_getsockname(&t, (struct sockaddr *)&a, &len);
	uv_close((uv_handle_t *)&t, NULL);
	run();
	char u[128];
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/loki/api/v1/labels", ntohs(a.sin_port));
	struct res r = { 0 };
	struct http_req req = { .url = u, .max_retries = 2, .retry_base_ms = 20 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.called, 1);
	assert_int_equal(r.err, LX_ECONN);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.attempts, 3);
	assert_non_null(strstr(r.msg, "cannot talk to server"));
	assert_non_null(strstr(r.msg, "(3 attempts)"));
	sbuf_release(&r.body);
}

static void
test_retry_5xx_then_ok(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 }, f = { 0 };
	struct http_req req = { .url = url("/f/err503/2/r5xx/echo"), .retry_base_ms = 20 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	/* always failing: gives up after max_retries */
	struct http_req fr = { .url = url("/f/err500/0/r5xxb/echo"), .max_retries = 2,
			       .retry_base_ms = 20 };
	assert_non_null(http_get(H, &fr, done_cb, &f));
	run();
	assert_int_equal(r.err, 0);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.attempts, 3);
	assert_int_equal(f.err, LX_EHTTP);
	assert_int_equal(f.status, 500);
	assert_int_equal(f.attempts, 3);
	assert_string_equal(sbuf_str(&f.body), "upstream unavailable (fault proxy)");
	sbuf_release(&r.body);
	sbuf_release(&f.body);
}

static void
test_429_retry_after(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	struct http_req req = { .url = url("/f/rl1/1/r429/echo"), .retry_base_ms = 10 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.err, 0);
	assert_int_equal(r.attempts, 2);
	assert_true(r.elapsed >= 0.95);      /* waited for Retry-After: 1 */
	sbuf_release(&r.body);
}

static void
test_4xx_not_retried(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	struct http_req req = { .url = url("/status/400"), .retry_base_ms = 10 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.err, LX_EHTTP);
	assert_int_equal(r.status, 400);
	assert_int_equal(r.attempts, 1);
	assert_string_equal(sbuf_str(&r.body), "status 400 from fault proxy");
	assert_non_null(strstr(r.msg, "HTTP 400"));
	sbuf_release(&r.body);
}

static void
test_timeout(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res r = { 0 };
	struct http_req req = { .url = url("/f/slow3000/0/tmo/echo"), .timeout_ms = 300 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	assert_int_equal(r.err, LX_ETIMEDOUT);
	assert_int_equal(r.attempts, 1);      /* connected, so not retried */
	assert_true(r.elapsed < 2.0);
	assert_non_null(strstr(r.msg, "timed out"));
	/* slow but within the timeout: fine */
	struct res s = { 0 };
	struct http_req sr = { .url = url("/f/slow200/0/tmo2/echo"), .timeout_ms = 5000 };
	assert_non_null(http_get(H, &sr, done_cb, &s));
	run();
	assert_int_equal(s.err, 0);
	assert_true(s.elapsed >= 0.19);
	sbuf_release(&r.body);
	sbuf_release(&s.body);
}

static void
test_size_cap(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res a = { 0 }, b = { 0 }, c = { 0 };
	/* 200 MB with Content-Length: refused at once */
	struct http_req ra = { .url = url("/f/big200/0/big/"), .max_body = 1 << 20 };
	/* 200 MB without length: cut while streaming at the default 64 MiB */
	struct http_req rb = { .url = url("/f/bignolen200/0/big2/") };
	/* small enough: ok */
	struct http_req rc = { .url = url("/f/big2/0/big3/"), .max_body = 4 << 20 };
	assert_non_null(http_get(H, &ra, done_cb, &a));
	assert_non_null(http_get(H, &rb, done_cb, &b));
	assert_non_null(http_get(H, &rc, done_cb, &c));
	run();
	assert_int_equal(a.err, LX_ETOOBIG);
	assert_int_equal(a.attempts, 1);
	assert_non_null(strstr(a.msg, "larger than the 1 MiB cap"));
	assert_int_equal(b.err, LX_ETOOBIG);
	assert_int_equal(b.attempts, 1);
	assert_true(b.body.len <= (64u << 20));
	assert_non_null(strstr(b.msg, "64 MiB cap"));
	assert_int_equal(c.err, 0);
	assert_int_equal(c.body.len, 2u << 20);
	sbuf_release(&a.body);
	sbuf_release(&b.body);
	sbuf_release(&c.body);
}

static void
test_reset_mid_body(void **state)
{
	(void)state;
	NEED_SERVER();
	struct res a = { 0 }, b = { 0 }, c = { 0 };
	struct http_req ra = { .url = url("/f/resetbody/0/rb1/"), .max_retries = 1,
			       .retry_base_ms = 10 };
	struct http_req rb = { .url = url("/f/resetbody/1/rb2/echo"), .retry_base_ms = 10 };
	struct http_req rc = { .url = url("/f/reset/2/rb3/echo"), .retry_base_ms = 10 };
	assert_non_null(http_get(H, &ra, done_cb, &a));
	assert_non_null(http_get(H, &rb, done_cb, &b));
	assert_non_null(http_get(H, &rc, done_cb, &c));
	run();
	assert_int_equal(a.err, LX_ECONN);
	assert_int_equal(a.attempts, 2);
	assert_non_null(strstr(a.msg, "cannot talk to server"));
	assert_int_equal(b.err, 0);        /* recovered on the 2nd attempt */
	assert_int_equal(b.attempts, 2);
	assert_int_equal(c.err, 0);
	/* 3 attempts, or 2 when curl itself silently re-sent the request after
	 * a reset on a reused keep-alive connection */
	assert_true(c.attempts == 3 || c.attempts == 2);
	sbuf_release(&a.body);
	sbuf_release(&b.body);
	sbuf_release(&c.body);
}

static struct http_xfer *to_cancel;
static int cancel_timer_called;

static void
cancel_cb(uv_timer_t *t)
{
	cancel_timer_called++;
	http_cancel(to_cancel);
	uv_close((uv_handle_t *)t, NULL);
}

static void
test_cancel(void **state)
{
	(void)state;
	NEED_SERVER();
	struct http_req req = { .url = url("/f/hang/0/hang1/") };
	to_cancel = http_get(H, &req, never_cb, NULL);
	assert_non_null(to_cancel);
	/* cancel one right away, too */
	struct http_xfer *x = http_get(H, &req, never_cb, NULL);
	http_cancel(x);
	uv_timer_t t;
	uv_timer_init(&loop, &t);
	uv_timer_start(&t, cancel_cb, 100, 0);
	run();
	assert_int_equal(cancel_timer_called, 1);
	assert_int_equal(http_pending(H), 0);
}

static void
test_many_in_flight(void **state)
{
	(void)state;
	NEED_SERVER();
	enum { N = 24 };
	struct res r[N];
	memset(r, 0, sizeof(r));
	for (int i = 0; i < N; i++) {
		char p[64];
		snprintf(p, sizeof(p), "/f/slow%d/0/many%d/echo", 50 + i * 5, i);
		struct http_req req = { .url = url(p) };
		assert_non_null(http_get(H, &req, done_cb, &r[i]));
	}
	assert_int_equal(http_pending(H), N);
	run();
	int called = 0;
	for (int i = 0; i < N; i++) {
		called += r[i].called;
		assert_int_equal(r[i].err, 0);
		sbuf_release(&r[i].body);
	}
	assert_int_equal(called, N);
}

static void
test_free_with_pending(void **state)
{
	(void)state;
	NEED_SERVER();
	struct http_req req = { .url = url("/f/hang/0/hang2/") };
	for (int i = 0; i < 3; i++)
		assert_non_null(http_get(H, &req, never_cb, NULL));
	uv_run(&loop, UV_RUN_NOWAIT);
	http_free(H);
	H = http_new(&loop);   /* teardown frees this one */
	run();
}

static int freed_in_cb;

static void
free_in_cb(void *ud, const struct http_resp *r)
{
	(void)r;
	struct http **hp = ud;
	freed_in_cb++;
	http_free(*hp);          /* others in flight: never called back */
	*hp = NULL;
}

/* http_free() from inside a completion callback. */
static void
test_free_in_callback(void **state)
{
	(void)state;
	NEED_SERVER();
	struct http *h2 = http_new(&loop);
	struct http_req fast = { .url = url("/echo") };
	struct http_req slow = { .url = url("/f/hang/0/fic/") };
	assert_non_null(http_get(h2, &slow, never_cb, NULL));
	assert_non_null(http_get(h2, &fast, free_in_cb, &h2));
	run();
	assert_int_equal(freed_in_cb, 1);
	assert_null(h2);
}

/* curl's default: the http_proxy variable is honoured. */
static void
test_proxy_env(void **state)
{
	(void)state;
	NEED_SERVER();
	setenv("http_proxy", base, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
	struct res r = { 0 };
	struct http_req req = { .url = "http://proxied.invalid/echo/via-proxy", .max_retries = -1 };
	assert_non_null(http_get(H, &req, done_cb, &r));
	run();
	unsetenv("http_proxy");
	assert_int_equal(r.err, 0);
	/* the request line in absolute form proves it went through the proxy */
	assert_non_null(strstr(sbuf_str(&r.body), "GET http://proxied.invalid/echo/via-proxy HTTP/1.1"));
	sbuf_release(&r.body);
}

static void
test_redact_url(void **state)
{
	(void)state;
	char o[128];
	http_redact_url("https://u:p@h.example:3100/loki/api/v1/query?query=x#f", o, sizeof(o));
	assert_string_equal(o, "https://h.example:3100/loki/api/v1/query");
	http_redact_url("http://h/p", o, sizeof(o));
	assert_string_equal(o, "http://h/p");
	struct sbuf sb = SBUF_INIT;
	http_add_escaped(&sb, "{job=\"a b\"} |= `x`");
	assert_string_equal(sbuf_str(&sb), "%7Bjob%3D%22a%20b%22%7D%20%7C%3D%20%60x%60");
	sbuf_release(&sb);
}

int
main(void)
{
	base = getenv("FAULT_TEST_ADDR");
	if (base && !*base)
		base = NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_url),
		cmocka_unit_test_setup_teardown(test_get_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auth_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_secrets_in_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gzip_and_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_5xx_then_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429_retry_after, setup, teardown),
		cmocka_unit_test_setup_teardown(test_4xx_not_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_with_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxy_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_callback, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_loki_faults.c: the fault matrix.  The Loki client talks to
 * the real Loki through tests/tools/faultproxy (FAULT_TEST_ADDR) which
 * injects one fault per case.  For each: no crash, no hang (a watchdog
 * fails the test), a plain-words error, and recovery once the fault stops.
 * Websocket faults (upgrade never answered, dropped after N frames) are in
 * test_loki_tail.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/http.h"
#include "sources/loki.h"

static const char *fp, *loki_addr;
static uv_loop_t loop;
static struct http *H;
static uv_timer_t watchdog;
static char run[64];
static int64_t t0;

struct got {
	int called;
	bool failed;
	struct res_error err;
	struct result *res;
	double secs;
	uint64_t started;
};

static void
got_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct got *g = ud;
	g->called++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->res = res;
	g->secs = (double)(uv_hrtime() - g->started) / 1e9;
}

static void
watchdog_cb(uv_timer_t *t)
{
	(void)t;
	fail_msg("hang: watchdog fired");
}

static int
setup(void **state)
{
	(void)state;
	if (!fp || !loki_addr)
		return 0;
	uv_loop_init(&loop);
	H = http_new(&loop);
	uv_timer_init(&loop, &watchdog);
	uv_timer_start(&watchdog, watchdog_cb, 60000, 0);
	uv_unref((uv_handle_t *)&watchdog);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (!fp || !loki_addr)
		return 0;
	http_free(H);
	uv_close((uv_handle_t *)&watchdog, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

/* A client whose base URL injects `mode` for the first `n` requests. */
static struct loki *
client(const char *mode, int n, const char *id, long timeout_ms, int retries)
{
	char url[300];
	snprintf(url, sizeof(url), "%s/f/%s/%d/%s-%s", fp, mode, n, id, run);
	struct loki_config c = { .url = url, .timeout_ms = timeout_ms, .max_retries = retries,
				 .retry_base_ms = 20 };
	return loki_new(H, &c);
}

static void
query(struct loki *lk, struct got *g)
{
	struct loki_query q = { .query = "{job=\"faults\"}", .limit = 100,
				.start_ns = t0 - 60000000000LL,
				.end_ns = loki_now_ns() + 1000000000LL };
	g->started = uv_hrtime();
	assert_non_null(loki_query_range(lk, &q, got_cb, g));
}

static void
push_some(void)
{
	struct loki_config c = { .url = loki_addr };
	struct loki *lk = loki_new(H, &c);
	struct sbuf b = SBUF_INIT;
	sbuf_addf(&b, "{\"streams\":[{\"stream\":{\"job\":\"faults\",\"run\":\"%s\"},\"values\":[", run);
	for (int i = 0; i < 20; i++)
		sbuf_addf(&b, "%s[\"%" PRId64 "\",\"{\\\"level\\\":\\\"WARN\\\",\\\"message\\\":\\\"fault %d\\\"}\"]",
			  i ? "," : "", t0 + i, i);
	sbuf_adds(&b, "]}]}");
	struct got g = { 0 };
	assert_non_null(loki_push(lk, b.buf, b.len, got_cb, &g));
	uv_run(&loop, UV_RUN_DEFAULT);
	if (g.failed)
		fail_msg("push: %s", g.err.msg);
	result_free(g.res);
	sbuf_release(&b);
	loki_free(lk);
}

#define NEED() do { if (!fp || !loki_addr) skip(); } while (0)

static void
expect_fail(struct got *g, int code, const char *words)
{
	assert_int_equal(g->called, 1);
	if (!g->failed || g->err.code != code || !strstr(g->err.msg, words))
		fail_msg("want code %d with '%s'; got failed=%d code=%d msg='%s'", code, words,
			 g->failed, g->err.code, g->err.msg);
}

static void
expect_ok(struct got *g)
{
	assert_int_equal(g->called, 1);
	if (g->failed)
		fail_msg("unexpected error: %s", g->err.msg);
	assert_int_equal(g->res->type, RES_STREAMS);
	assert_true(result_entries(g->res) >= 20);
	result_free(g->res);
}

static void
test_refused(void **state)
{
	(void)state;
	NEED();
	struct loki_config c = { .url = "http://127.0.0.1:1", .max_retries = 1,
				 .retry_base_ms = 10 };
	struct loki *lk = loki_new(H, &c);
	struct got g = { 0 };
	query(lk, &g);
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&g, LX_ECONN, "cannot reach Loki (query)");
	loki_free(lk);
}

static void
test_reset_mid_body(void **state)
{
	(void)state;
	NEED();
	push_some();
	struct loki *bad = client("resetbody", 0, "rb", 5000, 1);
	struct loki *rec = client("resetbody", 2, "rbr", 5000, 3);
	struct got a = { 0 }, b = { 0 };
	query(bad, &a);
	query(rec, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&a, LX_ECONN, "cannot reach Loki");
	expect_ok(&b);
	loki_free(bad);
	loki_free(rec);
}

static void
test_slow(void **state)
{
	(void)state;
	NEED();
	push_some();
	struct loki *slow = client("slow1500", 0, "slow", 400, 2);
	struct loki *ok = client("slow300", 0, "slowok", 5000, 2);
	struct got a = { 0 }, b = { 0 };
	query(slow, &a);
	query(ok, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* the range is split in halves on timeouts, then gives up */
	expect_fail(&a, LX_ETIMEDOUT, "Loki did not answer in time");
	assert_true(a.secs < 30);
	expect_ok(&b);
	loki_free(slow);
	loki_free(ok);
}

static void
test_5xx(void **state)
{
	(void)state;
	NEED();
	push_some();
	struct loki *down = client("err503", 0, "e503", 5000, 2);
	struct loki *back = client("err502", 2, "e502", 5000, 3);
	struct got a = { 0 }, b = { 0 };
	query(down, &a);
	query(back, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&a, LX_EHTTP, "Loki server error (HTTP 503, 3 attempts): upstream unavailable");
	expect_ok(&b);
	loki_free(down);
	loki_free(back);
}

static void
test_429(void **state)
{
	(void)state;
	NEED();
	push_some();
	struct loki *lim = client("rl1", 0, "rl", 5000, 1);
	struct loki *back = client("rl1", 1, "rlb", 5000, 3);
	struct got a = { 0 }, b = { 0 };
	query(lim, &a);
	query(back, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&a, LX_EHTTP, "Loki is rate limiting (HTTP 429, 2 attempts): too many outstanding requests");
	assert_true(a.secs >= 0.95);         /* honoured Retry-After: 1 */
	expect_ok(&b);
	assert_true(b.secs >= 0.95);
	loki_free(lim);
	loki_free(back);
}

static void
test_bad_json(void **state)
{
	(void)state;
	NEED();
	struct loki *tr = client("trunc", 0, "tr", 5000, 1);
	struct loki *mal = client("badjson", 0, "bj", 5000, 1);
	struct got a = { 0 }, b = { 0 }, c = { 0 };
	query(tr, &a);
	query(mal, &b);
	assert_non_null(loki_labels(mal, 0, 0, got_cb, &c));
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&a, LX_EPARSE, "Loki sent an unreadable query_range answer: invalid JSON");
	expect_fail(&b, LX_EPARSE, "unreadable query_range answer: invalid JSON");
	expect_fail(&c, LX_EPARSE, "unreadable labels answer");
	loki_free(tr);
	loki_free(mal);
}

static void
test_huge_body(void **state)
{
	(void)state;
	NEED();
	struct loki *big = client("bignolen200", 0, "big", 30000, 1);
	struct loki *bigl = client("big200", 0, "bigl", 30000, 1);
	struct got a = { 0 }, b = { 0 };
	query(big, &a);
	query(bigl, &b);
	uv_run(&loop, UV_RUN_DEFAULT);
	expect_fail(&a, LX_ETOOBIG, "larger than the 64 MiB cap");
	expect_fail(&b, LX_ETOOBIG, "larger than the 64 MiB cap");
	loki_free(big);
	loki_free(bigl);
}

/* A server whose error text echoes our request headers must not put the
 * credentials on screen. */
static void
test_secrets_echoed(void **state)
{
	(void)state;
	NEED();
	static const char *const hdrs[] = { "X-Api-Key: key-secret-4242", NULL };
	struct {
		struct http_auth a;
		const char *secret;
	} cases[] = {
		{ { .bearer_token = "tok-secret-7777" }, "tok-secret-7777" },
		{ { .username = "alice", .password = "pw-secret-1" }, "YWxpY2U6cHctc2VjcmV0LTE=" },
		{ { .headers = hdrs }, "key-secret-4242" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		char url[200];
		snprintf(url, sizeof(url), "%s/echo-status=401", fp);
		struct loki_config c = { .url = url, .auth = cases[i].a };
		struct loki *lk = loki_new(H, &c);
		struct got g = { 0 };
		assert_non_null(loki_labels(lk, 0, 0, got_cb, &g));
		uv_run(&loop, UV_RUN_DEFAULT);
		expect_fail(&g, LX_EHTTP, "Loki refused access to labels (HTTP 401)");
		if (strstr(g.err.msg, cases[i].secret) || !strstr(g.err.msg, "***"))
			fail_msg("case %zu: %s", i, g.err.msg);
		loki_free(lk);
	}
}

int
main(void)
{
	fp = getenv("FAULT_TEST_ADDR");
	loki_addr = getenv("LOKI_TEST_ADDR");
	snprintf(run, sizeof(run), "%d_%" PRId64, (int)getpid(), loki_now_ns() % 1000000007);
	t0 = loki_now_ns() - 5 * 60 * 1000000000LL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_mid_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_5xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_429, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_body, setup, teardown),
		cmocka_unit_test_setup_teardown(test_secrets_echoed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

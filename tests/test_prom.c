/*
 * tests/test_prom.c: sources/prom.c.  Parsers against answers recorded
 * from the Debian prometheus 2.42 (tests/fixtures/prom/), then end to end
 * against the Prometheus started by tests/servers.sh (PROM_TEST_ADDR):
 * queries, targets (one up, one down), the firing alert, rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/http.h"
#include "sources/prom.h"
#include "sources/result.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	const char *root = getenv("ROOT");
	snprintf(path, sizeof(path), "%s%stests/fixtures/prom/%s", root ? root : "",
		 root ? "/" : "", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	return sbuf_detach(&sb, len);
}

static void
test_fixture_status(void **state)
{
	(void)state;
	size_t len;
	struct prom_status *st;
	struct res_error e;
	char *b = slurp("targets.json", &len);
	assert_int_equal(prom_parse_status(b, len, &st, &e), 0);
	assert_int_equal(st->ntargets, 2);
	int up = 0, down = 0;
	for (size_t i = 0; i < st->ntargets; i++) {
		if (!strcmp(st->targets[i].health, "up"))
			up++;
		if (!strcmp(st->targets[i].health, "down")) {
			down++;
			assert_non_null(strstr(st->targets[i].last_error, "connection refused"));
			assert_string_equal(res_labels_get(&st->targets[i].labels, "job"), "down");
		}
	}
	assert_int_equal(up, 1);
	assert_int_equal(down, 1);
	prom_status_free(st);
	free(b);

	b = slurp("alerts.json", &len);
	assert_int_equal(prom_parse_status(b, len, &st, &e), 0);
	assert_int_equal(st->nalerts, 2);
	assert_string_equal(st->alerts[0].state, "firing");
	assert_string_equal(res_labels_get(&st->alerts[0].labels, "alertname"), "FixtureErrors");
	assert_string_equal(res_labels_get(&st->alerts[0].annotations, "summary"),
			    "fixture reports errors");
	assert_true(st->alerts[0].value == 5);
	prom_status_free(st);
	free(b);

	b = slurp("rules.json", &len);
	assert_int_equal(prom_parse_status(b, len, &st, &e), 0);
	assert_int_equal(st->nrules, 2);
	assert_string_equal(st->rules[0].type, "alerting");
	assert_string_equal(st->rules[0].state, "firing");
	assert_int_equal(st->rules[0].nalerts, 2);
	assert_string_equal(st->rules[0].query, "iftop_test_errors_total > 0");
	assert_string_equal(st->rules[1].type, "recording");
	assert_string_equal(st->rules[1].group, "iftop-test");
	prom_status_free(st);
	free(b);

	st = (struct prom_status *)1;
	assert_int_equal(prom_parse_status("{\"status\":\"success\",\"data\":{}}", 31, &st, &e),
			 LX_EPARSE);
	assert_null(st);
	assert_int_equal(prom_parse_status("{\"data\":", 8, &st, &e), LX_EPARSE);
	assert_non_null(strstr(e.msg, "invalid JSON"));
}

static void
test_fixture_errors(void **state)
{
	(void)state;
	char *b = slurp("error-bad-query.txt", NULL);
	const char *body = strstr(b, "\r\n\r\n") + 4;
	struct sbuf sb = SBUF_INIT;
	sbuf_adds(&sb, body);
	struct http_resp r = { .err = LX_EHTTP, .status = 400, .body = &sb, .msg = "" };
	struct res_error e;
	prom_error_from_http(&r, "query", &e);
	assert_string_equal(e.msg, "Prometheus rejected the query (HTTP 400): invalid parameter "
			    "\"query\": 1:5: parse error: unclosed left parenthesis");
	struct http_resp c = { .err = LX_ECONN, .body = &sb, .msg = "refused" };
	prom_error_from_http(&c, "targets", &e);
	assert_string_equal(e.msg, "cannot reach Prometheus (targets): refused");
	sbuf_release(&sb);
	free(b);
}

static char *
fake_env(const char *name)
{
	if (!strcmp(name, "PROM_ADDR"))
		return "http://prom:9090";
	if (!strcmp(name, "PROM_BEARER_TOKEN"))
		return "tok";
	if (!strcmp(name, "PROM_TLS_SKIP_VERIFY"))
		return "0";
	return NULL;
}

static void
test_config_env(void **state)
{
	(void)state;
	struct prom_config c = { 0 };
	prom_config_from_env(&c, fake_env, NULL);
	assert_string_equal(c.url, "http://prom:9090");
	assert_string_equal(c.auth.bearer_token, "tok");
	assert_false(c.auth.insecure_skip_verify);
	assert_null(c.auth.username);
}

/* ---------------- live ---------------- */

static const char *addr;
static uv_loop_t loop;
static struct http *H;
static struct prom *P;

struct got {
	int called;
	bool failed;
	struct res_error err;
	struct result *res;
	struct prom_status *st;
};

static void
res_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct got *g = ud;
	g->called++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->res = res;
}

static void
st_cb(void *ud, const struct res_error *err, struct prom_status *st)
{
	struct got *g = ud;
	g->called++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->st = st;
}

static int
setup(void **state)
{
	(void)state;
	if (!addr)
		return 0;
	uv_loop_init(&loop);
	H = http_new(&loop);
	struct prom_config cfg = { .url = addr };
	P = prom_new(H, &cfg);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (!addr)
		return 0;
	prom_free(P);
	http_free(H);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

#define NEED_PROM() do { if (!addr) skip(); } while (0)

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Asks for alerts until the fixture alert fires (Prometheus just started). */
static struct prom_status *
wait_firing(void)
{
	for (int i = 0; i < 60; i++) {
		struct got g = { 0 };
		assert_non_null(prom_alerts(P, st_cb, &g));
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(g.called, 1);
		if (g.failed)
			fail_msg("%s", g.err.msg);
		for (size_t k = 0; k < g.st->nalerts; k++)
			if (!strcmp(g.st->alerts[k].state, "firing"))
				return g.st;
		prom_status_free(g.st);
		sleep_ms(250);
	}
	fail_msg("alert never fired");
	return NULL;
}

static void
test_live_alerts_rules(void **state)
{
	(void)state;
	NEED_PROM();
	struct prom_status *st = wait_firing();
	bool found = false;
	for (size_t k = 0; k < st->nalerts; k++)
		if (!strcmp(res_labels_get(&st->alerts[k].labels, "alertname"), "FixtureErrors") &&
		    !strcmp(st->alerts[k].state, "firing"))
			found = true;
	assert_true(found);
	prom_status_free(st);

	struct got r = { 0 };
	assert_non_null(prom_rules(P, st_cb, &r));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_false(r.failed);
	assert_int_equal(r.st->nrules, 2);
	assert_string_equal(r.st->rules[0].name, "FixtureErrors");
	assert_string_equal(r.st->rules[0].state, "firing");
	assert_string_equal(r.st->rules[0].health, "ok");
	prom_status_free(r.st);
}

static void
test_live_targets(void **state)
{
	(void)state;
	NEED_PROM();
	const char *dead = getenv("PROM_DOWN_TARGET");
	for (int i = 0; i < 60; i++) {
		struct got g = { 0 };
		assert_non_null(prom_targets(P, st_cb, &g));
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(g.called, 1);
		assert_false(g.failed);
		assert_int_equal(g.st->ntargets, 2);
		int up = 0, down = 0;
		for (size_t k = 0; k < g.st->ntargets; k++) {
			struct prom_target *t = &g.st->targets[k];
			if (!strcmp(t->health, "up"))
				up++;
			if (!strcmp(t->health, "down")) {
				down++;
				assert_string_equal(res_labels_get(&t->labels, "job"), "down");
				if (dead)
					assert_string_equal(res_labels_get(&t->labels, "instance"), dead);
				assert_true(strlen(t->last_error) > 0);
			}
		}
		prom_status_free(g.st);
		if (up == 1 && down == 1)
			return;
		sleep_ms(250);
	}
	fail_msg("targets never settled to one up, one down");
}

static void
test_live_queries(void **state)
{
	(void)state;
	NEED_PROM();
	struct prom_status *st = wait_firing();   /* data is there by now */
	prom_status_free(st);
	struct got v = { 0 }, m = { 0 }, s = { 0 }, b = { 0 }, rd = { 0 }, bad = { 0 };
	int64_t now = (int64_t)time(NULL) * 1000;
	assert_non_null(prom_query(P, "sum by (component) (iftop_test_errors_total)", 0,
				   res_cb, &v));
	assert_non_null(prom_query_range(P, "iftop_test_up", now - 30000, now, 1, res_cb, &m));
	assert_non_null(prom_query(P, "scalar(sum(iftop_test_errors_total))", now, res_cb, &s));
	assert_non_null(prom_buildinfo(P, res_cb, &b));
	assert_non_null(prom_ready(P, res_cb, &rd));
	assert_non_null(prom_query(P, "sum(", 0, res_cb, &bad));
	assert_null(prom_query_range(P, "up", now, now - 1, 1, res_cb, &bad));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(v.called + m.called + s.called + b.called + rd.called + bad.called, 6);
	if (v.failed)
		fail_msg("%s", v.err.msg);
	assert_int_equal(v.res->type, RES_VECTOR);
	assert_int_equal(v.res->nseries, 2);
	double sum = v.res->series[0].v[0].v + v.res->series[1].v[0].v;
	assert_true(sum == 7);
	assert_false(m.failed);
	assert_int_equal(m.res->type, RES_MATRIX);
	assert_int_equal(m.res->nseries, 1);
	assert_true(m.res->series[0].n >= 2);
	assert_false(s.failed);
	assert_int_equal(s.res->type, RES_SCALAR);
	assert_true(s.res->scalar.v == 7);
	assert_false(b.failed);
	assert_non_null(strstr(res_labels_get(&b.res->info, "version"), "2."));
	assert_false(rd.failed);
	assert_true(bad.failed);
	assert_int_equal(bad.err.http_status, 400);
	assert_non_null(strstr(bad.err.msg, "Prometheus rejected the query (HTTP 400): invalid parameter"));
	result_free(v.res);
	result_free(m.res);
	result_free(s.res);
	result_free(b.res);
	result_free(rd.res);
}

/* Faults between us and Prometheus: the fault proxy's /u/PORT/ route. */
static void
test_live_faults(void **state)
{
	(void)state;
	const char *fp = getenv("FAULT_TEST_ADDR");
	if (!addr || !fp)
		skip();
	const char *port = strrchr(addr, ':') + 1;
	static const struct { const char *mode; int n; int err; const char *words; } cases[] = {
		{ "err503", 2, 0, "" },
		{ "err500", 0, LX_EHTTP, "Prometheus query failed (HTTP 500): upstream unavailable" },
		{ "trunc", 0, LX_EPARSE, "Prometheus sent an unreadable query answer: invalid JSON" },
		{ "rl1", 0, LX_EHTTP, "Prometheus is rate limiting (HTTP 429): too many outstanding requests" },
		{ "resetbody", 1, 0, "" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		char url[256];
		snprintf(url, sizeof(url), "%s/f/%s/%d/prom%zu-%d/u/%s", fp, cases[i].mode,
			 cases[i].n, i, (int)getpid(), port);
		struct prom_config cfg = { .url = url, .max_retries = 2, .retry_base_ms = 20 };
		struct prom *p = prom_new(H, &cfg);
		struct got g = { 0 };
		assert_non_null(prom_query(p, "vector(1)", 0, res_cb, &g));
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(g.called, 1);
		if (cases[i].err == 0) {
			if (g.failed)
				fail_msg("%s: %s", cases[i].mode, g.err.msg);
			assert_int_equal(g.res->type, RES_VECTOR);
			assert_true(g.res->series[0].v[0].v == 1);
			result_free(g.res);
		} else if (!g.failed || g.err.code != cases[i].err ||
			   !strstr(g.err.msg, cases[i].words)) {
			fail_msg("%s: code %d msg '%s'", cases[i].mode, g.err.code, g.err.msg);
		}
		prom_free(p);
	}
}

int
main(void)
{
	addr = getenv("PROM_TEST_ADDR");
	if (addr && !*addr)
		addr = NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_status),
		cmocka_unit_test(test_fixture_errors),
		cmocka_unit_test(test_config_env),
		cmocka_unit_test_setup_teardown(test_live_alerts_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_queries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_faults, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

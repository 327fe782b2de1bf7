/* tests/test_alerts.c: alert rule parsing and the pending/firing/resolved cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sources/alerts.h"
#include "sources/demo.h"
#include "sources/local_query.h"

#define SEC 1000000000LL
static const int64_t T0 = 1767225600LL * SEC;

static void
test_parse(void **state)
{
	(void)state;
	struct alerts al = { 0 };
	struct sbuf err = SBUF_INIT;
	assert_int_equal(alerts_add_rule(&al, "Burst sum by (agent_id) (count_over_time({level=\"ERROR\"}[1m])) > 5 for 30s", &err), 0);
	assert_string_equal(al.rules[0].name, "Burst");
	assert_string_equal(al.rules[0].expr, "sum by (agent_id) (count_over_time({level=\"ERROR\"}[1m]))");
	assert_int_equal(al.rules[0].op, AOP_GT);
	assert_true(al.rules[0].threshold == 5);
	assert_int_equal(al.rules[0].for_ns, 30 * SEC);
	assert_int_equal(alerts_add_rule(&al, "Low count_over_time({a=\"b\"}[5m]) <= 0.5", &err), 0);
	assert_int_equal(al.rules[1].op, AOP_LE);
	assert_int_equal(al.rules[1].for_ns, 0);
	static const char *const bad[] = { "NoExpr > 5", "X sum(x) >> 5", "Y rate({a=\"b\"}[1m]) > five", "Z q > 1 for soon", "Lonely" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (alerts_add_rule(&al, bad[i], &err) == 0)
			fail_msg("accepted '%s'", bad[i]);
	assert_non_null(strstr(sbuf_str(&err), "expected 'alert NAME EXPR OP VALUE [for DUR]'"));
	assert_int_equal(al.nrules, 2);
	sbuf_release(&err);
	alerts_release(&al);
}

static void
push(struct store *st, int sec, const char *agent, const char *level)
{
	char line[256];
	snprintf(line, sizeof(line), "{\"timestamp\":\"2026-01-01T00:%02d:%02dZ\",\"level\":\"%s\",\"agent_id\":\"%s\",\"message\":\"x\"}",
		 sec / 60, sec % 60, level, agent);
	store_push(st, line, strlen(line), strlen(line), "t", 0, T0 + sec * SEC);
}

static void
test_cycle(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 16 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	struct alerts al = { 0 };
	struct sbuf err = SBUF_INIT;
	assert_int_equal(alerts_add_rule(&al, "Burst sum by (agent_id) (count_over_time({level=\"ERROR\"}[1m])) > 2 for 20s", &err), 0);
	assert_int_equal(alerts_add_rule(&al, "Broken sum(rate({level=\"ERROR\"}[1m]) > 1", &err), 0);
	for (int s = 0; s < 5; s++)
		push(st, 100 + s, "A1", "ERROR");
	push(st, 101, "A2", "ERROR");
	alerts_eval(&al, st, T0 + 105 * SEC);
	assert_int_equal(al.n, 1);
	assert_int_equal(al.a[0].state, ALERT_PENDING);
	assert_string_equal(al.a[0].agent, "A1");
	assert_string_equal(al.a[0].labels, "{agent_id=\"A1\"}");
	assert_true(al.a[0].value == 5);
	assert_true(al.rules[1].err[0] != '\0');   /* the broken rule says why */
	/* Still holding 20 s later: firing. */
	for (int s = 0; s < 4; s++)
		push(st, 120 + s, "A1", "ERROR");
	alerts_eval(&al, st, T0 + 126 * SEC);
	assert_int_equal(alerts_count(&al, ALERT_FIRING), 1);
	assert_int_equal(al.a[0].active_since, T0 + 105 * SEC);
	/* A minute later without errors: resolved and gone. */
	alerts_eval(&al, st, T0 + 200 * SEC);
	assert_int_equal(al.n, 0);
	sbuf_release(&err);
	alerts_release(&al);
	store_free(st);
}

static void
push_demo(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	(void)agent;
	store_push(ud, line, len, len, "demo", ts, ts);
}

static void
add_rules(struct alerts *al)
{
	struct sbuf err = SBUF_INIT;
	alerts_add_defaults(al);
	static const char *const more[] = {
		"Busy sum by (agent_id) (count_over_time({level=~\".+\"}[1m])) > 12 for 20s",
		"Latency quantile_over_time(0.9, {level=~\".+\"} | json | unwrap context_duration_ms | __error__=\"\" [2m]) by (component) > 100",
		"Quiet sum by (level) (rate({level=~\"WARN|ERROR\"}[30s])) < 100",
		"Broken sum(rate({level=\"INFO\"} | json | unwrap message [1m])) > 1",
	};
	for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		assert_int_equal(alerts_add_rule(al, more[i], &err), 0);
	sbuf_release(&err);
}

/*
 * Alerts evaluated in small steps while lines keep arriving (and, with a
 * small store, old lines are evicted) equal one whole evaluation from
 * scratch at the same time over the same lines: instances, states,
 * values, since-times and rule errors.
 */
static void
run_sliced(size_t max_bytes)
{
	struct store_opts o = { .max_bytes = max_bytes, .max_line = 65536 };
	struct store *st = store_new(&o);
	struct demo_gen *g = demo_gen_new(7, 60, T0);
	struct alerts sliced = { 0 }, whole = { 0 };
	add_rules(&sliced);
	add_rules(&whole);
	sliced.slice_cap = 97;
	size_t firing = 0, pending = 0, compared = 0;
	int64_t now = T0 + 400 * SEC;
	/* The lines of the last 3 s before `now` arrive during the pass:
	 * they must not count (the whole evaluation does not see them). */
	demo_gen_run(g, now - 3 * SEC, push_demo, st);
	for (int round = 0; round < 12; round++) {
		alerts_begin(&sliced, st, now);
		/* One whole evaluation from scratch over the lines held now. */
		for (size_t r = 0; r < whole.nrules; r++) {
			local_inc_free(whole.rules[r].inc);
			whole.rules[r].inc = NULL;
		}
		alerts_eval(&whole, st, now);
		uint64_t upto = store_next_seq(st);
		/* Steps of at most 97 lines; a tenth of a second of lines
		 * arrives every few steps. */
		int steps = 0;
		int64_t t = now - 3 * SEC;
		while (!alerts_work(&sliced, st, 0)) {
			if (++steps % 5 == 0) {
				t += SEC / 10;
				demo_gen_run(g, t, push_demo, st);
			}
		}
		if (round == 0)
			assert_true(steps > 100);
		assert_true(store_next_seq(st) > upto);
		assert_int_equal(sliced.last_eval, now);
		assert_int_equal(sliced.n, whole.n);
		for (size_t i = 0; i < whole.n; i++) {
			const struct alert *a = &sliced.a[i], *b = &whole.a[i];
			assert_int_equal(a->rule, b->rule);
			assert_string_equal(a->labels, b->labels);
			assert_int_equal(a->state, b->state);
			assert_int_equal(a->active_since, b->active_since);
			if (fabs(a->value - b->value) > 1e-9 * (fabs(b->value) > 1 ? fabs(b->value) : 1))
				fail_msg("%s %s: %.12g, want %.12g", whole.rules[b->rule].name, b->labels, a->value,
					 b->value);
			firing += b->state == ALERT_FIRING;
			pending += b->state == ALERT_PENDING;
			compared++;
		}
		for (size_t r = 0; r < whole.nrules; r++)
			assert_string_equal(sliced.rules[r].err, whole.rules[r].err);
		assert_non_null(strstr(whole.rules[whole.nrules - 1].err, "unwrap"));
		/* More lines arrive before the next evaluation. */
		now = (t > now ? t : now) + 7 * SEC;
		demo_gen_run(g, now - 3 * SEC, push_demo, st);
	}
	assert_true(firing > 0);
	assert_true(pending > 0);
	assert_true(compared > 20);
	if (max_bytes < (64u << 20))
		assert_true(store_dropped(st) > 0);
	alerts_release(&sliced);
	alerts_release(&whole);
	demo_gen_free(g);
	store_free(st);
}

static void
test_sliced_equals_whole(void **state)
{
	(void)state;
	run_sliced(1u << 30);
}

/* A store small enough to evict while the alerts are evaluated. */
static void
test_sliced_evicting(void **state)
{
	(void)state;
	run_sliced(6u << 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cycle),
		cmocka_unit_test(test_sliced_equals_whole),
		cmocka_unit_test(test_sliced_evicting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

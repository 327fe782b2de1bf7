/* tests/test_alerts.c: alert rule parsing and the pending/firing/resolved cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sources/alerts.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/test_lq_parse.c: LogQL conformance (valid/invalid/format corpora),
 * round trips through both printers, error carets, literals and
 * number/duration helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/sbuf.h"
#include "logql/lq.h"
#include "tests/lq_corpus.h"

static int
roundtrip(const char *q, char *why, size_t whysize)
{
	struct arena a, b, c;
	struct lq_error err;
	arena_init(&a, 0);
	arena_init(&b, 0);
	arena_init(&c, 0);
	int rc = -1;
	struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
	if (!e) {
		snprintf(why, whysize, "parse: %s (col %d)", err.msg, err.col);
		goto out;
	}
	struct sbuf s = SBUF_INIT, pr = SBUF_INIT;
	lq_format(e, &s);
	struct lq_expr *e2 = lq_parse(&b, s.buf, s.len, &err);
	if (!e2) {
		snprintf(why, whysize, "reparse of `%s`: %s", s.buf, err.msg);
	} else if (!lq_expr_equal(e, e2)) {
		snprintf(why, whysize, "format changed the tree: `%s`", s.buf);
	} else {
		lq_format_pretty(e, 40, &pr);
		struct lq_expr *e3 = lq_parse(&c, pr.buf, pr.len, &err);
		if (!e3)
			snprintf(why, whysize, "reparse of pretty `%s`: %s", pr.buf, err.msg);
		else if (!lq_expr_equal(e, e3))
			snprintf(why, whysize, "pretty changed the tree: `%s`", pr.buf);
		else
			rc = 0;
	}
	sbuf_release(&s);
	sbuf_release(&pr);
out:
	arena_free(&a);
	arena_free(&b);
	arena_free(&c);
	return rc;
}

static void
test_valid_corpus(void **state)
{
	(void)state;
	struct corpus c;
	assert_int_equal(corpus_load(&c, "valid.txt"), 0);
	int fails = 0;
	for (size_t i = 0; i < c.n; i++) {
		char why[400];
		if (roundtrip(c.lines[i].a, why, sizeof(why)) < 0) {
			fails++;
			print_error("valid.txt:%d: %s\n    %s\n", c.lines[i].lineno,
				    c.lines[i].a, why);
		}
	}
	print_message("valid.txt: %zu lines, %zu ok\n", c.n, c.n - (size_t)fails);
	corpus_free(&c);
	assert_int_equal(fails, 0);
}

static void
test_invalid_corpus(void **state)
{
	(void)state;
	struct corpus c;
	assert_int_equal(corpus_load(&c, "invalid.txt"), 0);
	int fails = 0;
	for (size_t i = 0; i < c.n; i++) {
		struct arena a;
		struct lq_error err;
		arena_init(&a, 0);
		const char *q = c.lines[i].a;
		struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
		if (e) {
			struct sbuf s = SBUF_INIT;
			lq_format(e, &s);
			fails++;
			print_error("invalid.txt:%d accepted: %s\n    as %s\n    want: %s\n",
				    c.lines[i].lineno, q, s.buf, c.lines[i].b ? c.lines[i].b : "");
			sbuf_release(&s);
		} else {
			assert_true(err.msg[0] != 0);
			assert_true(err.offset <= strlen(q));
		}
		arena_free(&a);
	}
	print_message("invalid.txt: %zu lines, %zu rejected\n", c.n, c.n - (size_t)fails);
	corpus_free(&c);
	assert_int_equal(fails, 0);
}

static void
test_format_corpus(void **state)
{
	(void)state;
	struct corpus c;
	assert_int_equal(corpus_load(&c, "format.txt"), 0);
	int fails = 0;
	for (size_t i = 0; i < c.n; i++) {
		struct arena a;
		struct lq_error err;
		arena_init(&a, 0);
		const char *q = c.lines[i].a, *want = c.lines[i].b;
		struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
		if (!e || !want) {
			fails++;
			print_error("format.txt:%d: does not parse: %s (%s)\n",
				    c.lines[i].lineno, q, e ? "no expected column" : err.msg);
		} else {
			struct sbuf s = SBUF_INIT;
			lq_format(e, &s);
			if (strcmp(s.buf, want)) {
				fails++;
				print_error("format.txt:%d:\n    in:   %s\n    got:  %s\n    want: %s\n",
					    c.lines[i].lineno, q, s.buf, want);
			}
			sbuf_release(&s);
		}
		arena_free(&a);
	}
	print_message("format.txt: %zu pairs, %zu ok\n", c.n, c.n - (size_t)fails);
	corpus_free(&c);
	assert_int_equal(fails, 0);
}

static const struct fmt_case {
	const char *in, *want;
} fmt_cases[] = {
	{ "{a=\"b\"}", "{a=\"b\"}" },
	{ "sum by(a,b)(rate({x=\"y\"}[5m]))", "sum by (a, b) (rate({x=\"y\"}[5m]))" },
	{ "topk(5,rate({x=\"y\"}[1h30m]))", "topk(5, rate({x=\"y\"}[1h30m]))" },
	{ "{x=\"y\"} | json | latency > 250ms", "{x=\"y\"} | json | latency>250ms" },
	{ "{x=\"y\"} | json | size > 2.5KiB", "{x=\"y\"} | json | size>2560B" },
	{ "{x=\"y\"} | json | size > 20MB", "{x=\"y\"} | json | size>20MB" },
	{ "count_over_time({x=\"y\"}[5m] offset -5m)", "count_over_time({x=\"y\"}[5m] offset -5m)" },
	{ "{x=\"y\"} | json a, b=\"c.d\"", "{x=\"y\"} | json a,b=\"c.d\"" },
	{ "vector(1.000000)", "vector(1)" },
	{ "1e6", "1e+06" },
	{ "2 ^ 3 ^ 2", "512" },
	{ "10 - 2 - 3", "5" },
	{ "{x=\"a\\tb\"}", "{x=\"a\\tb\"}" },
	{ "{x=`a\"b`}", "{x=\"a\\\"b\"}" },
	{ "{x=\"y\"} | logfmt | duration >= 1h15m30.5s", "{x=\"y\"} | logfmt | duration>=1h15m30s500ms" },
	{ "{x=\"y\"} | logfmt | d > 1.5us", "{x=\"y\"} | logfmt | d>1.5\xc2\xb5s" },
	{ "sum(rate({x=\"y\"}[5m])) / on(a) group_left(b) sum(rate({x=\"y\"}[5m]))",
	  "(sum(rate({x=\"y\"}[5m])) / on (a) group_left (b) sum(rate({x=\"y\"}[5m])))" },
	{ "{x=\"y\"} |= \"a\" # comment", "{x=\"y\"} |= \"a\"" },
};

static void
test_format_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		struct arena a;
		struct lq_error err;
		arena_init(&a, 0);
		struct lq_expr *e = lq_parse(&a, fmt_cases[i].in, strlen(fmt_cases[i].in), &err);
		if (!e)
			fail_msg("case %zu `%s`: %s", i, fmt_cases[i].in, err.msg);
		struct sbuf s = SBUF_INIT;
		lq_format(e, &s);
		if (strcmp(s.buf, fmt_cases[i].want))
			fail_msg("case %zu `%s`: got `%s` want `%s`", i, fmt_cases[i].in,
				 s.buf, fmt_cases[i].want);
		char why[300];
		if (roundtrip(fmt_cases[i].in, why, sizeof(why)) < 0)
			fail_msg("case %zu: %s", i, why);
		sbuf_release(&s);
		arena_free(&a);
	}
}

static void
test_pretty(void **state)
{
	(void)state;
	const char *q = "sum by (agent_id) (avg_over_time({component=\"redis_bus\"} | json | unwrap context_duration_ms | __error__=\"\" [5m]))";
	struct arena a;
	struct lq_error err;
	arena_init(&a, 0);
	struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
	assert_non_null(e);
	struct sbuf s = SBUF_INIT;
	lq_format_pretty(e, 40, &s);
	assert_string_equal(s.buf,
		"sum by (agent_id) (\n"
		"  avg_over_time(\n"
		"    {component=\"redis_bus\"}\n"
		"      | json\n"
		"      | unwrap context_duration_ms\n"
		"      | __error__=\"\"\n"
		"    [5m]\n"
		"  )\n"
		")");
	sbuf_reset(&s);
	lq_format_pretty(e, 200, &s);
	assert_null(strchr(s.buf, '\n'));
	sbuf_release(&s);
	arena_free(&a);
}

static const struct err_case {
	const char *q, *want;
} err_cases[] = {
	{ "{component=\"redis_bus\"} | json | stats avg(duration_ms) by agent_id",
	  "line 1, col 34: `stats` is not a LogQL pipeline stage; stages are json, logfmt, regexp, pattern, unpack, line_format, label_format, drop, keep, unwrap or a label filter\n"
	  "{component=\"redis_bus\"} | json | stats avg(duration_ms) by agent_id\n"
	  "                                 ^^^^^\n" },
	{ "rate({foo=\"bar\"}[5 m])",
	  "line 1, col 17: a range duration may not contain spaces: write [5m]\n"
	  "rate({foo=\"bar\"}[5 m])\n"
	  "                ^^^^^\n" },
	{ "{foo=\"bar\"}\n  | json | x > \"5\"",
	  "line 2, col 16: `>` cannot compare with a string; remove the quotes to compare numbers\n"
	  "  | json | x > \"5\"\n"
	  "               ^^^\n" },
	{ "{}",
	  "line 1, col 1: the selector needs a matcher that cannot match an empty value, like app=\"x\" or app=~\".+\" (app=~\".*\" and app!=\"x\" select every stream)\n"
	  "{}\n"
	  "^^\n" },
};

static void
test_error_caret(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct arena a;
		struct lq_error err;
		arena_init(&a, 0);
		assert_null(lq_parse(&a, err_cases[i].q, strlen(err_cases[i].q), &err));
		char buf[600];
		lq_error_format(&err, err_cases[i].q, buf, sizeof(buf));
		if (strcmp(buf, err_cases[i].want))
			fail_msg("case %zu:\n%s\nwant:\n%s", i, buf, err_cases[i].want);
		arena_free(&a);
	}
}

static void
test_too_long_and_oom(void **state)
{
	(void)state;
	size_t n = LQ_MAX_QUERY_LEN;
	char *q = malloc(n + 1);
	memset(q, ' ', n);
	memcpy(q, "{a=\"b\"}", 7);
	q[n] = 0;
	struct arena a;
	struct lq_error err;
	arena_init(&a, 0);
	assert_null(lq_parse(&a, q, n, &err));
	assert_int_equal(err.code, LX_ETOOBIG);
	assert_non_null(lq_parse(&a, q, n - 1, &err));
	arena_free(&a);
	free(q);
}

static int fail_after;
static int
fail_hook(void *ud)
{
	(void)ud;
	return fail_after-- <= 0;
}

static void
test_alloc_failures(void **state)
{
	(void)state;
	const char *q = "sum by (a) (rate({x=~\"a.+\"} |= \"z\" | json b=\"c\" | b > 5 [5m]))";
	for (int k = 0; k < 200; k++) {
		struct arena a;
		struct lq_error err;
		arena_init(&a, 64);
		a.fail_hook = fail_hook;
		fail_after = k;
		struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
		if (!e)
			assert_true(err.code == LX_ENOMEM || err.msg[0]);
		arena_free(&a);
		if (e)
			break;
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_corpus),
		cmocka_unit_test(test_invalid_corpus),
		cmocka_unit_test(test_format_corpus),
		cmocka_unit_test(test_format_cases),
		cmocka_unit_test(test_pretty),
		cmocka_unit_test(test_error_caret),
		cmocka_unit_test(test_too_long_and_oom),
		cmocka_unit_test(test_alloc_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

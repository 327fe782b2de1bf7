/* tests/test_lq_re.c: the RE2-syntax regex engine (lq_re.c): leftmost-
 * first matches and captures as Go's regexp gives them, flags, classes,
 * anchors, errors, and linear time on a pattern that makes backtracking
 * engines explode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "logql/lq_internal.h"

static const struct re_case {
	const char *pat;
	int flags;
	const char *in;
	int match;
	long s0, e0, s1, e1;    /* group 0 and 1 spans (-1 when unset) */
} cases[] = {
	{ "abc", 0, "xxabcxx", 1, 2, 5, -1, -1 },
	{ "a.c", 0, "a\nc", 0, 0, 0, 0, 0 },
	{ "(?s)a.c", 0, "a\nc", 1, 0, 3, -1, -1 },
	{ "a|ab", 0, "ab", 1, 0, 1, -1, -1 },
	{ "(a+)(b*)", 0, "xaaabb", 1, 1, 6, 1, 4 },
	{ "(a*?)b", 0, "aaab", 1, 0, 4, 0, 3 },
	{ "(a+?)", 0, "aaa", 1, 0, 1, 0, 1 },
	{ "(?U)(a+)", 0, "aaa", 1, 0, 1, 0, 1 },
	{ "\\d{3}", 0, "ab1234", 1, 2, 5, -1, -1 },
	{ "[^a-c]+", 0, "abcxyz", 1, 3, 6, -1, -1 },
	{ "(?i)HeLLo", 0, "say hello", 1, 4, 9, -1, -1 },
	{ "(?i)[a-c]+", 0, "xABCy", 1, 1, 4, -1, -1 },
	{ "\\bfoo\\b", 0, "a foo b", 1, 2, 5, -1, -1 },
	{ "\\bfoo\\b", 0, "afoob", 0, 0, 0, 0, 0 },
	{ "[[:alpha:]]+", 0, "12ab3", 1, 2, 4, -1, -1 },
	{ "\\pL+", 0, "1h\xc3\xa9llo", 1, 1, 7, -1, -1 },
	{ "x{2,3}", 0, "xxxx", 1, 0, 3, -1, -1 },
	{ "(a|b)*c", 0, "ababc", 1, 0, 5, 3, 4 },
	{ "\\Qa.b\\E", 0, "axb a.b", 1, 4, 7, -1, -1 },
	{ "(?m)^b$", 0, "a\nb\nc", 1, 2, 3, -1, -1 },
	{ "^b$", 0, "a\nb\nc", 0, 0, 0, 0, 0 },
	{ "b", LQ_RE_ANCHOR, "abc", 0, 0, 0, 0, 0 },
	{ "a.c", LQ_RE_ANCHOR, "abc", 1, 0, 3, -1, -1 },
	{ ".+bar", LQ_RE_ANCHOR, "foobar", 1, 0, 6, -1, -1 },
	{ "(?P<year>\\d{4})-(\\d\\d)", 0, "on 2026-11-25", 1, 3, 10, 3, 7 },
	{ ".", 0, "\xc3\xa9", 1, 0, 2, -1, -1 },
	{ "\\x41\\x{42}\\101", 0, "ABA", 1, 0, 3, -1, -1 },
	{ "[\\d\\s]+", 0, "ab 12 x", 1, 2, 6, -1, -1 },
	{ "(?i)stra\xc3\x9f" "e", 0, "STRA\xc3\x9f" "E", 1, 0, 7, -1, -1 },
	{ "a{,2}", 0, "a{,2}", 1, 0, 5, -1, -1 },
	{ "", 0, "abc", 1, 0, 0, -1, -1 },
	{ "abc*d", 0, "xxabd", 1, 2, 5, -1, -1 },
	{ "abc{0,2}d", 0, "abdabccd", 1, 0, 3, -1, -1 },
	{ "redis (p)ub", 0, "redis x redis pub", 1, 8, 17, 14, 15 },
	{ "redis.*failed", 0, "publish failed", 0, 0, 0, 0, 0 },
	{ "err(or)?", 0, "an er err", 1, 6, 9, -1, -1 },
};

static void
test_matches(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct re_case *c = &cases[i];
		struct arena a;
		char eb[120];
		arena_init(&a, 0);
		struct lq_regex *re = lq__re_compile(&a, c->pat, strlen(c->pat), c->flags, eb, sizeof(eb));
		if (!re)
			fail_msg("case %zu `%s`: %s", i, c->pat, eb);
		long caps[2 * 66];
		int m = lq__re_exec(re, c->in, strlen(c->in), caps);
		if (m != c->match)
			fail_msg("case %zu `%s` on `%s`: match %d", i, c->pat, c->in, m);
		if (m && (caps[0] != c->s0 || caps[1] != c->e0))
			fail_msg("case %zu `%s`: group 0 [%ld,%ld) want [%ld,%ld)", i, c->pat,
				 caps[0], caps[1], c->s0, c->e0);
		if (m && lq__re_ncap(re) >= 1 && (caps[2] != c->s1 || caps[3] != c->e1))
			fail_msg("case %zu `%s`: group 1 [%ld,%ld) want [%ld,%ld)", i, c->pat,
				 caps[2], caps[3], c->s1, c->e1);
		assert_int_equal(lq__re_exec(re, c->in, strlen(c->in), NULL), c->match);
		arena_free(&a);
	}
}

static void
test_names_and_empty(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 0);
	const char *pn = "(?P<year>\\d+)-(x)-(?<m>y)";
	struct lq_regex *re = lq__re_compile(&a, pn, strlen(pn), 0, NULL, 0);
	assert_non_null(re);
	assert_int_equal(lq__re_ncap(re), 3);
	assert_string_equal(lq__re_capname(re, 1), "year");
	assert_null(lq__re_capname(re, 2));
	assert_string_equal(lq__re_capname(re, 3), "m");
	static const struct { const char *p; bool empty; } em[] = {
		{ ".*", true }, { ".+", false }, { "", true }, { "a|", true },
		{ "(a)?", true }, { "a*b", false }, { "bar|baz", false },
	};
	for (size_t i = 0; i < sizeof(em) / sizeof(em[0]); i++) {
		re = lq__re_compile(&a, em[i].p, strlen(em[i].p), LQ_RE_ANCHOR, NULL, 0);
		assert_non_null(re);
		if (lq__re_matches_empty(re) != em[i].empty)
			fail_msg("`%s` matches empty: %d", em[i].p, !em[i].empty);
	}
	arena_free(&a);
}

/* Anchored `.*`, `.+` and literals skip the VM: same answers as the VM
 * gives for the same pattern in a group (which takes the general path). */
static void
test_fast_paths(void **state)
{
	(void)state;
	static const char *pats[] = { ".*", ".+", "redis_bus", "", "a", "A7-haiku-003" };
	static const char *ins[] = {
		"", "a", "A", "a\nb", "\n", "redis_bus", "redis_bus ", "redis_bu", "xredis_bus",
		"A7-haiku-003", "\xff", "\xc3\xa9", "a\x00b",
	};
	struct arena a;
	arena_init(&a, 0);
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		char wrapped[64];
		snprintf(wrapped, sizeof(wrapped), "(?:%s)", pats[i]);
		struct lq_regex *fast = lq__re_compile(&a, pats[i], strlen(pats[i]), LQ_RE_ANCHOR, NULL, 0);
		struct lq_regex *vm = lq__re_compile(&a, wrapped, strlen(wrapped), LQ_RE_ANCHOR, NULL, 0);
		assert_non_null(fast);
		assert_non_null(vm);
		for (size_t k = 0; k < sizeof(ins) / sizeof(ins[0]); k++) {
			size_t n = k == sizeof(ins) / sizeof(ins[0]) - 1 ? 3 : strlen(ins[k]);
			int want = lq__re_exec(vm, ins[k], n, NULL);
			if (lq__re_exec(fast, ins[k], n, NULL) != want)
				fail_msg("`%s` on input %zu: VM says %d", pats[i], k, want);
		}
	}
	arena_free(&a);
}

static void
test_errors(void **state)
{
	(void)state;
	static const char *bad[] = {
		"(", ")", "a**", "[z-a]", "(?=x)", "(?!x)", "(?<=x)", "\\1", "a{1001}",
		"x{2,1}", "[abc", "*a", "\\", "(?P<a>x)(?P<a>y)", "(?P<>x)", "\\q", "(?z)",
		"\xff",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct arena a;
		char eb[120] = "";
		arena_init(&a, 0);
		if (lq__re_compile(&a, bad[i], strlen(bad[i]), 0, eb, sizeof(eb)))
			fail_msg("`%s` compiled", bad[i]);
		assert_true(eb[0] != 0);
		arena_free(&a);
	}
}

static void
test_linear_time(void **state)
{
	(void)state;
	char in[20001];
	memset(in, 'a', sizeof(in) - 1);
	in[sizeof(in) - 1] = 0;
	struct arena a;
	arena_init(&a, 0);
	struct lq_regex *re = lq__re_compile(&a, "(a*)*(a|aa)*b", 13, 0, NULL, 0);
	assert_non_null(re);
	clock_t t = clock();
	assert_int_equal(lq__re_exec(re, in, sizeof(in) - 1, NULL), 0);
	double secs = (double)(clock() - t) / CLOCKS_PER_SEC;
	if (secs > 2.0)
		fail_msg("took %.2fs", secs);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_names_and_empty),
		cmocka_unit_test(test_fast_paths),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_linear_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/test_lq_complete.c: highlight tokens and completion contexts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "logql/lq.h"

/* Renders tokens as "class:text" joined by spaces. */
static void
render(const char *q, struct sbuf *out)
{
	size_t n;
	struct lq_token *t = lq_tokens(q, strlen(q), &n);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_addc(out, ' ');
		sbuf_addf(out, "%s:%.*s", lq_tok_class_name(t[i].cls), (int)t[i].len,
			  q + t[i].off);
	}
	free(t);
}

static const struct tok_case {
	const char *q, *want;
} tok_cases[] = {
	{ "{app=\"x\"} |= \"err\" | json | rate=\"a\"",
	  "punct:{ label:app operator:= string:\"x\" punct:} operator:|= string:\"err\" "
	  "punct:| parser:json punct:| label:rate operator:= string:\"a\"" },
	{ "sum by (host) (rate({a=\"b\"}[5m] offset 1h)) > bool 2 # hi",
	  "function:sum keyword:by punct:( label:host punct:) punct:( function:rate "
	  "punct:( punct:{ label:a operator:= string:\"b\" punct:} duration:[5m] "
	  "keyword:offset duration:1h punct:) punct:) operator:> keyword:bool number:2 "
	  "comment:# hi" },
	{ "{a=\"b\"} | logfmt --strict | unwrap bytes(x) | d > 20MB",
	  "punct:{ label:a operator:= string:\"b\" punct:} punct:| parser:logfmt "
	  "keyword:--strict punct:| stage:unwrap function:bytes punct:( label:x punct:) "
	  "punct:| label:d operator:> duration:20MB" },
	{ "{a=\"b", "punct:{ label:a operator:= error:\"b" },
	{ "{a='b'}", "punct:{ label:a operator:= error:' label:b error:' punct:}" },
};

static void
test_tokens(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tok_cases) / sizeof(tok_cases[0]); i++) {
		struct sbuf s = SBUF_INIT;
		render(tok_cases[i].q, &s);
		if (strcmp(sbuf_str(&s), tok_cases[i].want))
			fail_msg("case %zu `%s`:\n got  %s\n want %s", i, tok_cases[i].q,
				 sbuf_str(&s), tok_cases[i].want);
		sbuf_release(&s);
	}
	size_t n = 99;
	assert_null(lq_tokens("", 0, &n));
	assert_int_equal(n, 0);
}

static const struct comp_case {
	const char *q;
	unsigned expect;        /* bits that must be set */
	const char *label;      /* for LABEL_VALUE */
	const char *first;      /* first suggestion or NULL */
} comp_cases[] = {
	{ "", LQ_X_SELECTOR | LQ_X_FUNCTION, NULL, "count_over_time" },
	{ "{", LQ_X_LABEL_NAME, NULL, NULL },
	{ "{app", LQ_X_LABEL_NAME, NULL, NULL },
	{ "{app ", LQ_X_MATCH_OP, NULL, "=" },
	{ "{app=", LQ_X_LABEL_VALUE, "app", NULL },
	{ "{app=\"inf", LQ_X_LABEL_VALUE, "app", NULL },
	{ "{app=\"x\", ", LQ_X_LABEL_NAME, NULL, NULL },
	{ "{app=\"x\", level=~\"E", LQ_X_LABEL_VALUE, "level", NULL },
	{ "{app=\"x\"} ", LQ_X_LINE_FILTER | LQ_X_PIPELINE_STAGE, NULL, "|=" },
	{ "{app=\"x\"} | ", LQ_X_PIPELINE_STAGE | LQ_X_LABEL_NAME, NULL, "json" },
	{ "{app=\"x\"} | lo", LQ_X_PIPELINE_STAGE, NULL, "logfmt" },
	{ "{app=\"x\"} |= ", LQ_X_STRING, NULL, NULL },
	{ "{app=\"x\"} | json | status ", LQ_X_CMP_OP, NULL, "=" },
	{ "{app=\"x\"} | json | status >= ", LQ_X_NUMBER, NULL, NULL },
	{ "rate(", LQ_X_SELECTOR, NULL, NULL },
	{ "rate({app=\"x\"} ", LQ_X_RANGE | LQ_X_LINE_FILTER, NULL, NULL },
	{ "rate({app=\"x\"}[", LQ_X_DURATION, NULL, "1m" },
	{ "rate({app=\"x\"}[5m] offset ", LQ_X_DURATION, NULL, "1m" },
	{ "sum(", LQ_X_FUNCTION, NULL, "count_over_time" },
	{ "sum by (", LQ_X_LABEL_NAME, NULL, NULL },
	{ "sum by (host, ", LQ_X_LABEL_NAME, NULL, NULL },
	{ "sum(rate({a=\"b\"}[5m])) ", LQ_X_BINARY_OP | LQ_X_GROUPING, NULL, "by" },
	{ "sum(rate({a=\"b\"}[5m])) / ", LQ_X_FUNCTION | LQ_X_NUMBER, NULL, NULL },
	{ "avg_over_time({a=\"b\"} | json | unwrap ", LQ_X_LABEL_NAME | LQ_X_CONV, NULL, "bytes(" },
	{ "topk(", LQ_X_NUMBER | LQ_X_FUNCTION, NULL, NULL },
	{ "cou", LQ_X_FUNCTION, NULL, "count_over_time" },
	{ "{app=\"x\"} | json | level=\"er", LQ_X_LABEL_VALUE, "level", NULL },
	{ "{app=\"x\"} | json | level=", LQ_X_LABEL_VALUE, "level", NULL },
	{ "{app=\"x\"} | json | a=\"1\" or code!=\"", LQ_X_LABEL_VALUE, "code", NULL },
	{ "{app=\"x\"} |= \"tim", LQ_X_STRING, NULL, NULL },
};

static void
test_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(comp_cases) / sizeof(comp_cases[0]); i++) {
		const struct comp_case *cc = &comp_cases[i];
		struct lq_completion c;
		size_t n = strlen(cc->q);
		lq_complete(cc->q, n, n, &c);
		if ((c.expect & cc->expect) != cc->expect)
			fail_msg("case %zu `%s`: expect %#x lacks %#x", i, cc->q, c.expect,
				 cc->expect);
		if (cc->label && strcmp(c.label, cc->label))
			fail_msg("case %zu `%s`: label `%s` want `%s`", i, cc->q, c.label, cc->label);
		if (cc->first && (!c.suggest[0] || strcmp(c.suggest[0], cc->first)))
			fail_msg("case %zu `%s`: first suggestion `%s` want `%s`", i, cc->q,
				 c.suggest[0] ? c.suggest[0] : "(none)", cc->first);
	}
	/* cursor in the middle: text after it is ignored; word bounds */
	struct lq_completion c;
	const char *q = "{app=\"x\"} | lo | json";
	lq_complete(q, strlen(q), 14, &c);
	assert_int_equal(c.word_off, 12);
	assert_int_equal(c.word_len, 2);
	assert_string_equal(c.suggest[0], "logfmt");
	assert_null(c.suggest[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_complete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

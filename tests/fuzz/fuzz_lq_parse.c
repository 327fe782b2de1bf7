/* tests/fuzz/fuzz_lq_parse.c: libFuzzer target for the LogQL front end.
 *
 * For every input: parse; when it parses, both printers must give text
 * that parses back to an equal tree (abort otherwise).  The highlighter,
 * the completer (at a few cursor positions) and the doctor run on every
 * input as well.  Built by `make fuzz` with clang -fsanitize=fuzzer,
 * address,undefined. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/sbuf.h"
#include "logql/lq.h"
#include "logql/lq_eval.h"

static const struct lq_label L1[] = { { "app", "api" }, { "level", "error" } };
static const struct lq_label L2[] = { { "app", "web" }, { "job", "x" } };
#define E(ts, l, s) { (ts) * 1000000000LL, l, 2, s, sizeof(s) - 1, 0 }
static const struct lq_entry data[] = {
	E(10, L1, "{\"level\":\"info\",\"lat\":10,\"msg\":\"ok\",\"req\":{\"path\":\"/a\"},\"t\":[1,2]}"),
	E(20, L1, "{\"level\":\"error\",\"lat\":\"30ms\",\"msg\":\"boom \\u00e9\"}"),
	E(25, L2, "level=info lat=5 msg=\"hello world\" path=/x size=2KB"),
	E(30, L2, "GET /api/users 200 12ms 10.0.0.1"),
	E(40, L1, "not json \x1b[31mred\x1b[0m"),
	E(50, L2, "{\"_entry\":\"inner\",\"k\":\"v\"}"),
};

/* Runs the query over a tiny data set as a log/instant/range query. */
static void
run_eval(const char *q)
{
	struct lq_mem_source m;
	struct lq_source src;
	lq_mem_source_init(&src, &m, data, sizeof(data) / sizeof(data[0]));
	struct lq_eval_params ps[2] = {
		{ .start_ns = 0, .end_ns = 60000000000LL, .step_ns = 15000000000LL, .limit = 10 },
		{ .end_ns = 45000000000LL, .instant = true },
	};
	for (int i = 0; i < 2; i++) {
		struct lq_result *r = NULL;
		struct lq_error err;
		if (lq_eval(q, &ps[i], &src, &r, &err) == 0) {
			char *js = lq_result_json(r);
			free(js);
			lq_result_free(r);
		}
	}
}

static void
check_roundtrip(const struct lq_expr *e, const char *what, const struct sbuf *s)
{
	struct arena a;
	struct lq_error err;
	arena_init(&a, 0);
	struct lq_expr *e2 = lq_parse(&a, s->buf ? s->buf : "", s->len, &err);
	if (!e2) {
		fprintf(stderr, "%s output does not parse: %s\n%s\n", what, err.msg, s->buf);
		abort();
	}
	if (!lq_expr_equal(e, e2)) {
		fprintf(stderr, "%s output changes the tree:\n%s\n", what, s->buf);
		abort();
	}
	arena_free(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *q = malloc(size + 1);
	memcpy(q, data, size);
	q[size] = 0;
	struct arena a;
	struct lq_error err;
	arena_init(&a, 0);
	struct lq_expr *e = lq_parse(&a, q, size, &err);
	if (e) {
		struct sbuf s = SBUF_INIT;
		lq_format(e, &s);
		check_roundtrip(e, "lq_format", &s);
		sbuf_reset(&s);
		lq_format_pretty(e, 30, &s);
		check_roundtrip(e, "lq_format_pretty", &s);
		sbuf_release(&s);
		if (size < 512)
			run_eval(q);
	} else {
		char buf[512];
		lq_error_format(&err, q, buf, sizeof(buf));
		if (err.offset > size)
			abort();
	}
	arena_free(&a);

	size_t n;
	struct lq_token *t = lq_tokens(q, size, &n);
	for (size_t i = 0; i < n; i++)
		if (t[i].off + t[i].len > size)
			abort();
	free(t);

	struct lq_completion c;
	lq_complete(q, size, size, &c);
	lq_complete(q, size, size / 2, &c);
	if (c.word_off + c.word_len > size)
		abort();

	if (size < 2048) {
		struct lq_diag d;
		lq_diagnose(q, size, &d);
		lq_diag_release(&d);
	}
	free(q);
	return 0;
}

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

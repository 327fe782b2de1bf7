/* tests/test_redact.c: secrets are masked before lines are stored or shown. */
#define _GNU_SOURCE 1
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/redact.h"
#include "core/store.h"

static void
test_cases(void **state)
{
	(void)state;
	static const struct { const char *in, *want; } cases[] = {
		{ "{\"user\":\"bob\",\"password\":\"hunter2\"}", "{\"user\":\"bob\",\"password\":\"****\"}" },
		{ "{\"db_password\": \"p@ss w0rd\", \"x\": 1}", "{\"db_password\": \"****\", \"x\": 1}" },
		{ "{\"api_key\":\"sk-12345\",\"token\":\"ab\"}", "{\"api_key\":\"****\",\"token\":\"**\"}" },
		{ "{\"escaped\":\"a\",\"secret\":\"x\\\"y\\\"z\"}", "{\"escaped\":\"a\",\"secret\":\"****\"}" },
		{ "login ok password=hunter2 user=bob", "login ok password=**** user=bob" },
		{ "GET /x?token=abcdef&page=2", "GET /x?token=****&page=2" },
		{ "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Authorization: Bearer ****" },
		{ "hdr authorization=\"Basic dXNlcjpwYXNzd29yZA==\"", "hdr authorization=\"Basic ****\"" },
		{ "connect postgres://app:s3cr3t@db:5432/x", "connect postgres://app:****@db:5432/x" },
		{ "{\"context\":{\"token_count\":42}}", "{\"context\":{\"token_count\":42}}" },
		{ "Tokenizer overflow: 9000 tokens", "Tokenizer overflow: 9000 tokens" },
		{ "{\"message\":\"Task claimed successfully\"}", "{\"message\":\"Task claimed successfully\"}" },
		{ "mail bob@example.com", "mail bob@example.com" },
		{ "{\"session_id\":\"abc123\"}", "{\"session_id\":\"****\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[256];
		size_t n = redact_copy(cases[i].in, strlen(cases[i].in), out);
		out[n] = '\0';
		if (strcmp(out, cases[i].want))
			fail_msg("case %zu: got '%s' want '%s'", i, out, cases[i].want);
		assert_true(n <= strlen(cases[i].in));
	}
}

/* The prefilter reads eight bytes at a time: a key is found (or rightly
 * not, inside a word) at every offset, next to every kind of byte. */
static void
test_word_starts_everywhere(void **state)
{
	(void)state;
	static const struct { char before; bool masked; } seps[] = {
		{ ' ', true }, { '"', true }, { '_', true }, { '-', true }, { '\xe9', true },
		{ 'x', false }, { 'Q', false }, { '7', false },
	};
	static const char *const secrets[] = { "password=hunter2", "Bearer abcdefghij", "TOKEN=abcdef" };
	for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
		for (size_t sp = 0; sp < sizeof(seps) / sizeof(seps[0]); sp++)
			for (int off = 0; off < 40; off++) {
				char in[128], out[128];
				memset(in, '.', (size_t)off);
				in[off] = seps[sp].before;
				snprintf(in + off + 1, sizeof(in) - (size_t)off - 1, "%s tail", secrets[k]);
				size_t n = strlen(in);
				size_t m = redact_copy(in, n, out);
				out[m] = 0;
				bool masked = strstr(out, "****") != NULL;
				if (masked != seps[sp].masked)
					fail_msg("`%s` -> `%s`", in, out);
				/* and at the very start of the text */
				m = redact_copy(secrets[k], strlen(secrets[k]), out);
				assert_true(m < strlen(secrets[k]));
			}
}

static void
test_store_never_holds_secrets(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 8 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	const char *l = "{\"level\":\"ERROR\",\"message\":\"auth failed\",\"password\":\"hunter2\",\"agent_id\":\"A1\"}";
	uint64_t s = store_push(st, l, strlen(l), strlen(l), "t", 0, 1);
	const struct log_rec *r = store_get(st, s);
	assert_null(memmem(r->text, r->len, "hunter2", 7));
	assert_non_null(memmem(r->text, r->len, "\"password\":\"****\"", 17));
	/* Fields after the secret still scan. */
	assert_string_equal(store_str(st, DIM_AGENT, r->id[DIM_AGENT]), "A1");
	assert_int_equal(r->level, LVL_ERROR);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_word_starts_everywhere),
		cmocka_unit_test(test_store_never_holds_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* tests/test_core.c: sbuf, arena and error names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/sbuf.h"

static void
test_sbuf(void **state)
{
	(void)state;
	struct sbuf sb = SBUF_INIT;
	assert_string_equal(sbuf_str(&sb), "");
	sbuf_addf(&sb, "%d-%s", 42, "x");
	sbuf_addc(&sb, '!');
	assert_string_equal(sbuf_str(&sb), "42-x!");
	sbuf_reset(&sb);
	sbuf_add_json_str(&sb, "a\"b\\\n\x1b", 6);
	assert_string_equal(sbuf_str(&sb), "\"a\\\"b\\\\\\n\\u001b\"");
	sbuf_release(&sb);
}

static int fail_after;
static int
fail_hook(void *ud)
{
	(void)ud;
	return fail_after-- <= 0;
}

static void
test_arena(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64);
	char *s = arena_strndup(&a, "hello world", 5);
	assert_string_equal(s, "hello");
	void *big = arena_alloc(&a, 1000);
	assert_non_null(big);
	assert_true(((uintptr_t)big & 15) == 0);
	fail_after = 1;
	a.fail_hook = fail_hook;
	assert_non_null(arena_alloc(&a, 8));
	assert_null(arena_alloc(&a, 8));
	arena_free(&a);
}

static void
test_err(void **state)
{
	(void)state;
	assert_string_equal(err_name(LX_ENOMEM), "ENOMEM");
	assert_string_equal(err_str(LX_EPARSE), "parse error");
	assert_string_equal(err_name(12345), "EUNKNOWN");
	assert_true(LX_ENOMEM < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sbuf),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_err),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

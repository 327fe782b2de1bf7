/* tests/test_scan_store.c: the field scanner and the log store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "core/store.h"

static void
span_eq(const char *line, struct span sp, const char *want)
{
	char got[256];
	snprintf(got, sizeof(got), "%.*s", (int)sp.len, line + sp.off);
	assert_string_equal(got, want);
}

static void
test_scan_seed_line(void **state)
{
	(void)state;
	const char *l = "{\"timestamp\": \"2025-11-30T12:34:56.789Z\", \"level\": \"INFO\","
			"\"correlation_id\":\"req-abc123def456\",\"agent_id\":\"A1-haiku-001\","
			"\"component\":\"redis_bus\",\"message\":\"Task claimed successfully\","
			"\"context\":{\"task_id\":\"task:001\",\"duration_ms\":2.1,\"batch_size\":100},"
			"\"tags\":[\"redis\",\"task-processing\"],\"hostname\":\"agent-node-01\",\"service\":\"infrafabric\"}";
	struct scan_result r;
	scan_line(l, strlen(l), &r);
	assert_true(r.flags & SCAN_F_JSON);
	assert_true(r.flags & SCAN_F_TS);
	assert_int_equal(r.ts_ns, 1764506096789000000LL);
	assert_int_equal(r.level, LVL_INFO);
	span_eq(l, r.corr, "req-abc123def456");
	span_eq(l, r.agent, "A1-haiku-001");
	span_eq(l, r.component, "redis_bus");
	span_eq(l, r.message, "Task claimed successfully");
	span_eq(l, r.task, "task:001");
	span_eq(l, r.hostname, "agent-node-01");
	span_eq(l, r.service, "infrafabric");
	assert_true(r.flags & SCAN_F_DURATION);
	assert_true(fabs(r.duration_ms - 2.1) < 1e-9);
}

static void
test_scan_odd_inputs(void **state)
{
	(void)state;
	static const struct {
		const char *name, *in;
		int level;
		bool json, bad, ts;
		const char *msg;
	} cases[] = {
		{ "plain error word", "2025-11-30T12:00:00Z ERROR redis down", LVL_ERROR, false, false, true, "ERROR redis down" },
		{ "logfmt", "ts=1 level=warn msg=\"slow\"", LVL_WARN, false, false, false, "ts=1 level=warn msg=\"slow\"" },
		{ "no level", "hello world", LVL_NONE, false, false, false, "hello world" },
		{ "lower-case word is not a level", "an error occurred", LVL_NONE, false, false, false, "an error occurred" },
		{ "broken json keeps level", "{\"level\":\"ERROR\",\"message\":\"x", LVL_ERROR, false, true, false, NULL },
		{ "escaped quote in message", "{\"message\":\"say \\\"hi\\\"\",\"level\":\"warning\"}", LVL_WARN, true, false, false, NULL },
		{ "nested objects skipped", "{\"a\":{\"level\":\"ERROR\"},\"b\":[1,{\"c\":\"]\"}],\"level\":\"debug\"}", LVL_DEBUG, true, false, false, NULL },
		{ "empty object", "{}", LVL_NONE, true, false, false, NULL },
		{ "empty line", "", LVL_NONE, false, false, false, "" },
		{ "fatal", "{\"level\":\"FATAL\"}", LVL_FATAL, true, false, false, NULL },
		{ "crit maps to fatal", "{\"severity\":\"CRITICAL\"}", LVL_FATAL, true, false, false, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scan_result r;
		scan_line(cases[i].in, strlen(cases[i].in), &r);
		if (r.level != cases[i].level || !!(r.flags & SCAN_F_JSON) != cases[i].json ||
		    !!(r.flags & SCAN_F_BAD_JSON) != cases[i].bad || !!(r.flags & SCAN_F_TS) != cases[i].ts)
			fail_msg("case '%s': level %d json %d bad %d ts %d", cases[i].name, r.level,
				 !!(r.flags & SCAN_F_JSON), !!(r.flags & SCAN_F_BAD_JSON), !!(r.flags & SCAN_F_TS));
		if (cases[i].msg)
			span_eq(cases[i].in, r.message, cases[i].msg);
	}
	/* Escaped message flagged and decoded. */
	const char *l = "{\"message\":\"a\\n\\u001b[31mred\\ud83d\\ude00\"}";
	struct scan_result r;
	scan_line(l, strlen(l), &r);
	assert_true(r.flags & SCAN_F_MSG_ESCAPED);
	char out[64];
	size_t n = scan_unescape(l + r.message.off, r.message.len, out, sizeof(out));
	assert_int_equal(n, strlen("a\n\x1b[31mred\xf0\x9f\x98\x80"));
	assert_string_equal(out, "a\n\x1b[31mred\xf0\x9f\x98\x80");
	/* A lone surrogate and \u0000 become U+FFFD. */
	n = scan_unescape("\\ud800x\\u0000", 13, out, sizeof(out));
	assert_string_equal(out, "\xef\xbf\xbdx\xef\xbf\xbd");
}

static void
test_scan_time(void **state)
{
	(void)state;
	static const struct { const char *in; int64_t want; int rc; } cases[] = {
		{ "1970-01-01T00:00:00Z", 0, 0 },
		{ "2025-11-30T12:34:56.789Z", 1764506096789000000LL, 0 },
		{ "2025-11-30T14:34:56.789+02:00", 1764506096789000000LL, 0 },
		{ "2025-11-30 12:34:56.789123456Z", 1764506096789123456LL, 0 },
		{ "2025-11-30T12:34:56-0100", 1764509696000000000LL, 0 },
		{ "1764506096", 1764506096000000000LL, 0 },
		{ "1764506096789", 1764506096789000000LL, 0 },
		{ "1764506096789123456", 1764506096789123456LL, 0 },
		{ "1764506096.5", 1764506096500000000LL, 0 },
		{ "2000-02-29T00:00:00Z", 951782400000000000LL, 0 },
		{ "2025-13-01T00:00:00Z", 0, -1 },
		{ "yesterday", 0, -1 },
		{ "12", 0, -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = 0;
		int rc = scan_time(cases[i].in, strlen(cases[i].in), &ns);
		if (rc != cases[i].rc || (rc == 0 && ns != cases[i].want))
			fail_msg("%s: rc %d ns %lld", cases[i].in, rc, (long long)ns);
	}
}

static uint64_t
push(struct store *st, const char *line, int64_t now)
{
	return store_push(st, line, strlen(line), strlen(line), "test", 0, now);
}

static void
test_store_indexes(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 64 << 20, .max_line = 1024 };
	struct store *st = store_new(&o);
	char line[256];
	for (int i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line),
			 "{\"timestamp\":\"2026-01-01T00:00:%02d.%03dZ\",\"level\":\"%s\",\"correlation_id\":\"req-%d\","
			 "\"agent_id\":\"A%d-haiku-001\",\"component\":\"c%d\",\"message\":\"m%d\"}",
			 i / 100, i % 1000, i % 10 == 0 ? "ERROR" : "INFO", i % 50, i % 7, i % 3, i);
		assert_int_equal(push(st, line, 1767225600LL * 1000000000LL), (uint64_t)i + 1);
	}
	assert_int_equal(store_count(st), 1000);
	const uint64_t *seqs;
	size_t n = store_index(st, DIM_CORR, store_lookup(st, DIM_CORR, "req-7", 5), &seqs);
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		const struct log_rec *r = store_get(st, seqs[i]);
		assert_string_equal(store_str(st, DIM_CORR, r->id[DIM_CORR]), "req-7");
		if (i)
			assert_true(seqs[i] > seqs[i - 1]);
	}
	n = store_level_index(st, LVL_ERROR, &seqs);
	assert_int_equal(n, 100);
	n = store_index(st, DIM_AGENT, store_lookup(st, DIM_AGENT, "A3-haiku-001", 12), &seqs);
	assert_int_equal(n, 143);
	/* Per-second counters: 100 lines per second, 10 errors. */
	const struct series *tot = store_series_total(st);
	int64_t sec0 = 1767225600LL;
	assert_int_equal(series_at(tot, tot->lines, sec0 + 3), 100);
	assert_int_equal(series_at(tot, tot->errors, sec0 + 3), 10);
	assert_int_equal(series_at(tot, tot->lines, sec0 + 11), 0);
	const struct series *ag = store_series(st, DIM_AGENT, store_lookup(st, DIM_AGENT, "A0-haiku-001", 12));
	assert_non_null(ag);
	uint32_t sum = 0;
	for (int s = 0; s < 10; s++)
		sum += series_at(ag, ag->lines, sec0 + s);
	assert_int_equal(sum, 143);
	assert_int_equal(store_seek_time(st, (sec0 + 5) * 1000000000LL), 501);
	store_free(st);
}

static void
test_store_cap_and_eviction(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 2 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	char line[600];
	memset(line, 'x', sizeof(line));
	uint64_t last = 0;
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(line, sizeof(line), "{\"correlation_id\":\"req-%d\",\"level\":\"INFO\",\"message\":\"", i);
		memset(line + n, 'y', 400);
		strcpy(line + n + 400, "\"}");
		last = push(st, line, 1);
		assert_true(store_bytes(st) <= store_max_bytes(st));
	}
	assert_int_equal(last, 20000);
	assert_true(store_dropped(st) > 0);
	assert_int_equal(store_count(st) + store_dropped(st), 20000);
	assert_int_equal(store_first_seq(st), store_dropped(st) + 1);
	assert_null(store_get(st, 1));
	assert_non_null(store_get(st, 20000));
	/* Evicted correlation ids are gone from the index; live ones remain. */
	assert_int_equal(store_lookup(st, DIM_CORR, "req-0", 5), 0);
	const uint64_t *seqs;
	assert_int_equal(store_index(st, DIM_CORR, store_lookup(st, DIM_CORR, "req-19999", 9), &seqs), 1);
	assert_int_equal(seqs[0], 20000);
	store_free(st);
}

/* The record ring grows while wrapped (evictions moved its head): every
 * held line is still found, in order, with its own text. */
static void
test_store_growth_wrapped(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 4 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	char pad[501];
	memset(pad, 'z', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = 0;
	for (int i = 1; i <= 60000; i++) {
		/* long lines until the cap evicts, then short ones: more fit */
		char line[600];
		snprintf(line, sizeof(line), "{\"message\":\"n%d %s\"}", i, i <= 8000 ? pad : "short");
		push(st, line, 1);
	}
	assert_true(store_dropped(st) > 0);
	assert_true(store_count(st) > 8192);   /* the ring grew past 8192 while wrapped */
	for (uint64_t seq = store_first_seq(st); seq < store_next_seq(st); seq++) {
		const struct log_rec *r = store_get(st, seq);
		assert_non_null(r);
		assert_int_equal(r->seq, seq);
		char want[32];
		int n = snprintf(want, sizeof(want), "{\"message\":\"n%llu ", (unsigned long long)seq);
		if (r->len < (uint32_t)n || memcmp(r->text, want, (size_t)n))
			fail_msg("seq %llu: %.*s", (unsigned long long)seq, (int)r->len, r->text);
	}
	store_free(st);
}

static void
test_store_long_line_and_flags(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 64 << 20, .max_line = 100 };
	struct store *st = store_new(&o);
	size_t big = 10u << 20;
	char *line = malloc(big);
	memset(line, 'a', big);
	uint64_t s = store_push(st, line, big, big, "f", 0, 5);
	const struct log_rec *r = store_get(st, s);
	assert_int_equal(r->len, 100);
	assert_int_equal(r->full_len, big);
	assert_true(r->flags & LOG_F_TRUNCATED);
	assert_true(r->flags & LOG_F_TS_ARRIVAL);
	assert_int_equal(r->ts_ns, 5);
	assert_int_equal(store_truncated(st), 1);
	free(line);
	/* Out of order and clock skew marks. */
	int64_t now = 1767225600LL * 1000000000LL;
	push(st, "{\"timestamp\":\"2026-01-01T00:00:10Z\"}", now);
	s = push(st, "{\"timestamp\":\"2026-01-01T00:00:05Z\"}", now);
	assert_true(store_get(st, s)->flags & LOG_F_OUT_OF_ORDER);
	s = push(st, "{\"timestamp\":\"2026-01-01T01:00:00Z\"}", now);
	assert_true(store_get(st, s)->flags & LOG_F_CLOCK_SKEW);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_seed_line),
		cmocka_unit_test(test_scan_odd_inputs),
		cmocka_unit_test(test_scan_time),
		cmocka_unit_test(test_store_indexes),
		cmocka_unit_test(test_store_cap_and_eviction),
		cmocka_unit_test(test_store_growth_wrapped),
		cmocka_unit_test(test_store_long_line_and_flags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

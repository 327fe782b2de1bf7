/* tests/test_spans.c: spans from log lines, parents, critical path, gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/store.h"
#include "views/spans.h"

#define MS 1000000LL
static const int64_t T0 = 1767225600LL * 1000000000LL;  /* 2026-01-01T00:00:00Z */

static void
line(struct store *st, const char *agent, const char *comp, int end_ms, int dur_ms, const char *level)
{
	char buf[512], ctx[64] = "";
	if (dur_ms > 0)
		snprintf(ctx, sizeof(ctx), ",\"context\":{\"duration_ms\":%d}", dur_ms);
	snprintf(buf, sizeof(buf),
		 "{\"timestamp\":\"2026-01-01T00:00:00.%03dZ\",\"level\":\"%s\",\"correlation_id\":\"req-1\","
		 "\"agent_id\":\"%s\",\"component\":\"%s\",\"message\":\"m\"%s}",
		 end_ms, level, agent, comp, ctx);
	store_push(st, buf, strlen(buf), strlen(buf), "t", 0, T0);
}

static const struct span_item *
find(const struct trace *t, const struct store *st, const char *agent, const char *comp, bool point)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(store_str(st, DIM_AGENT, t->s[i].agent), agent) &&
		    !strcmp(store_str(st, DIM_COMPONENT, t->s[i].component), comp) && t->s[i].point == point)
			return &t->s[i];
	fail_msg("no span %s/%s", agent, comp);
	return NULL;
}

static int
idx(const struct trace *t, const struct span_item *s)
{
	return (int)(s - t->s);
}

static void
test_waterfall(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 16 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	/* gateway G [0,100], coordinator C [1,99], stage 1: W1 [2,40] with a
	 * nested redis call [10,15], W2 [2,20] in parallel (inside W1 by time
	 * only); stage 2: W3 [45,98]; a point event at 0 and an error point. */
	line(st, "A1", "api_gateway", 0, 0, "INFO");
	line(st, "A4", "chromadb", 20, 18, "INFO");
	line(st, "A3", "redis_bus", 15, 5, "INFO");
	line(st, "A3", "llm_router", 40, 38, "INFO");
	line(st, "A5", "memory_store", 70, 0, "ERROR");
	line(st, "A5", "memory_store", 98, 53, "INFO");
	line(st, "A2", "swarm_coordinator", 99, 98, "INFO");
	line(st, "A1", "api_gateway", 100, 100, "INFO");
	const uint64_t *seqs;
	size_t n = store_index(st, DIM_CORR, store_lookup(st, DIM_CORR, "req-1", 5), &seqs);
	assert_int_equal(n, 8);
	struct trace t = { 0 };
	trace_build(&t, st, seqs, n);
	assert_int_equal(t.n, 8);
	assert_int_equal(t.t0, T0);
	assert_int_equal(t.t1, T0 + 100 * MS);
	assert_int_equal(t.nspans, 6);
	assert_int_equal(t.agents, 5);
	assert_int_equal(t.errors, 1);
	const struct span_item *G = find(&t, st, "A1", "api_gateway", false);
	const struct span_item *C = find(&t, st, "A2", "swarm_coordinator", false);
	const struct span_item *W1 = find(&t, st, "A3", "llm_router", false);
	const struct span_item *R = find(&t, st, "A3", "redis_bus", false);
	const struct span_item *W2 = find(&t, st, "A4", "chromadb", false);
	const struct span_item *W3 = find(&t, st, "A5", "memory_store", false);
	assert_int_equal(G->start, T0);
	assert_int_equal(W1->start, T0 + 2 * MS);
	/* Parents: W2 belongs to the coordinator, not to W1 that happens to contain it. */
	assert_int_equal(G->parent, -1);
	assert_int_equal(C->parent, idx(&t, G));
	assert_int_equal(W1->parent, idx(&t, C));
	assert_int_equal(W2->parent, idx(&t, C));
	assert_int_equal(W3->parent, idx(&t, C));
	assert_int_equal(R->parent, idx(&t, W1));
	/* Critical path: G, C, W3, W1 and its nested call; not W2. */
	assert_true(G->critical && C->critical && W3->critical && W1->critical && R->critical);
	assert_false(W2->critical);
	assert_int_equal(t.ncrit, 5);
	assert_int_equal(t.crit_ns, 100 * MS);
	/* Idle: [0,2) + [40,45) + [98,100) = 9 ms when no agent was busy. */
	assert_int_equal(t.gap_ns, 9 * MS);
	assert_true(trace_busy(&t, T0 + 41 * MS, T0 + 44 * MS) == 0.0);
	assert_true(trace_busy(&t, T0 + 50 * MS, T0 + 60 * MS) == 1.0);
	double half = trace_busy(&t, T0 + 35 * MS, T0 + 45 * MS);
	assert_true(half > 0.499 && half < 0.501);
	trace_release(&t);
	store_free(st);
}

static void
test_running_and_points_only(void **state)
{
	(void)state;
	struct store_opts o = { .max_bytes = 16 << 20, .max_line = 4096 };
	struct store *st = store_new(&o);
	line(st, "A1", "api_gateway", 0, 0, "INFO");
	line(st, "A2", "swarm_coordinator", 5, 0, "INFO");
	const uint64_t *seqs;
	size_t n = store_index(st, DIM_CORR, store_lookup(st, DIM_CORR, "req-1", 5), &seqs);
	struct trace t = { 0 };
	trace_build(&t, st, seqs, n);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.nspans, 0);
	assert_int_equal(t.ncrit, 0);
	assert_int_equal(t.gap_ns, 0);
	/* A span arrives: the request grows. */
	line(st, "A3", "chromadb", 30, 20, "INFO");
	n = store_index(st, DIM_CORR, store_lookup(st, DIM_CORR, "req-1", 5), &seqs);
	trace_build(&t, st, seqs, n);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.t1 - t.t0, 30 * MS);
	assert_int_equal(t.ncrit, 1);
	trace_release(&t);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waterfall),
		cmocka_unit_test(test_running_and_points_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

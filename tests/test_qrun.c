/*
 * tests/test_qrun.c: Explore's Loki backend (sources/qrun.c) and label
 * cache (sources/label_cache.c) against the real Loki of the test run
 * (LOKI_TEST_ADDR) and the fault proxy in front of it (FAULT_TEST_ADDR):
 * a query's lines equal what was pushed; a query in time chunks gives the
 * same lines as one query (lines sit exactly on the chunk boundaries, two
 * streams share each timestamp); pages of 101 lines, each going on from
 * the oldest (forward: newest) line held, concatenate to one big query
 * even though every page ends inside a timestamp; cancelling mid-query keeps the newest
 * lines and frees everything; a slow server shows progress; a server
 * without /index/stats still answers; label values come from Loki and are
 * cached with a TTL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/http.h"
#include "sources/label_cache.h"
#include "sources/loki.h"
#include "sources/qrun.h"

#define NS 1000000000LL
#define STEP_NS (100 * 1000000LL)    /* one timestamp every 100 ms */
enum { NTS = 600 };                   /* timestamps 1..599 over 60 s, x2 streams */
#define NLINES ((NTS - 1) * 2)

static const char *loki_addr, *fault_addr;
static uv_loop_t loop;
static struct http *H;
static struct loki *LK;
static char run_id[40];
static int64_t base_ns;

/* ---- pure parts ---- */

static void
test_plan(void **state)
{
	(void)state;
	const int64_t H1 = 3600 * NS;
	assert_int_equal(qrun_plan(-1, H1, 0, 0), 1);
	assert_int_equal(qrun_plan(1 << 20, H1, 0, 0), 1);
	/* 1 GiB at 64 MiB a chunk */
	assert_int_equal(qrun_plan(1LL << 30, H1, 0, 0), 16);
	/* 7 days, ranges of at most 1 day */
	assert_int_equal(qrun_plan(-1, 7 * 24 * H1, 0, 0), 7);
	assert_int_equal(qrun_plan(-1, 60 * NS, 0, 10 * NS), 6);
	/* capped, and never below a second a chunk */
	assert_int_equal(qrun_plan(1LL << 40, 365 * 24 * H1, 0, 0), QRUN_MAX_CHUNKS);
	assert_int_equal(qrun_plan(1LL << 40, 5 * NS, 1, 0), 5);
	char sel[256];
	assert_true(qrun_selector("sum by (level) (rate({a=\"b\", c=~\"d\"} |= \"x\" [5m]))", sel, sizeof(sel)));
	assert_string_equal(sel, "{a=\"b\", c=~\"d\"}");
	assert_true(qrun_selector("{x=\"1\"} | json", sel, sizeof(sel)));
	assert_string_equal(sel, "{x=\"1\"}");
	assert_false(qrun_selector("vector(1)", sel, sizeof(sel)));
	assert_false(qrun_selector("{x=", sel, sizeof(sel)));
}

/* ---- live ---- */

struct got {
	int called;
	struct res_error err;
	bool failed;
	struct result *res;
	int ticks;
	struct qrun *q;
	double max_elapsed;
	uint64_t max_bytes;
	size_t max_done;
};

static void
got_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct got *g = ud;
	g->called++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->res = res;
	g->q = NULL;
}

static void
tick_cb(void *ud)
{
	struct got *g = ud;
	g->ticks++;
	struct qrun_status st;
	qrun_get_status(g->q, &st);
	if (st.elapsed_s > g->max_elapsed)
		g->max_elapsed = st.elapsed_s;
	if (st.p.bytes > g->max_bytes)
		g->max_bytes = st.p.bytes;
	if (st.p.chunks_done > g->max_done)
		g->max_done = st.p.chunks_done;
}

static void
run(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
}

static int64_t
ts_of(int j)
{
	return base_ns + (int64_t)j * STEP_NS;
}

/* Timestamps 1..NTS-1, each with one line in each of two streams. */
static void
push_lines(void)
{
	struct loki_push_buf pb;
	loki_push_begin(&pb);
	for (int s = 0; s < 2; s++) {
		struct res_labels l = { 0 };
		res_labels_set(&l, "job", "qrun");
		res_labels_set(&l, "run", run_id);
		res_labels_set(&l, "level", s ? "WARN" : "INFO");
		loki_push_stream(&pb, &l);
		res_labels_release(&l);
		for (int j = 1; j < NTS; j++) {
			char line[128];
			int n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"message\":\"line %d of %d\"}",
					 s ? "WARN" : "INFO", j, s);
			loki_push_entry(&pb, ts_of(j), line, (size_t)n);
		}
	}
	loki_push_end(&pb);
	struct got g = { 0 };
	assert_non_null(loki_push(LK, pb.body.buf, pb.body.len, got_cb, &g));
	run();
	if (g.failed)
		fail_msg("push: %s", g.err.msg);
	result_free(g.res);
	loki_push_buf_release(&pb);
}

static int
live_setup(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	uv_loop_init(&loop);
	H = http_new(&loop);
	struct loki_config cfg = { .url = loki_addr, .timeout_ms = 20000 };
	LK = loki_new(H, &cfg);
	snprintf(run_id, sizeof(run_id), "q%d_%" PRId64, (int)getpid(), loki_now_ns() % 1000000007);
	/*
	 * Whole seconds, 5 minutes back, and the minute of lines inside one
	 * half hour: Loki's frontend splits queries at 30 m boundaries, and a
	 * metric sample on such a boundary is a Loki matter, not ours.
	 */
	base_ns = (loki_now_ns() - 5 * 60 * NS) / NS * NS;
	const int64_t half = 1800 * NS;
	if ((base_ns + 61 * NS) / half != base_ns / half)
		base_ns -= 2 * 60 * NS;
	push_lines();
	return 0;
}

static int
live_teardown(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	loki_free(LK);
	http_free(H);
	run();
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

#define NEED_LOKI() do { if (!loki_addr) skip(); } while (0)

static const char *
sel(void)
{
	static char b[128];
	snprintf(b, sizeof(b), "{job=\"qrun\", run=\"%s\"}", run_id);
	return b;
}

/*
 * Checks `r` holds each pushed line at most once, with the right
 * timestamp; returns the count and fills seen[j * 2 + s].
 */
static size_t
check_lines(const struct result *r, char *seen)
{
	size_t n = 0;
	memset(seen, 0, NTS * 2);
	for (size_t i = 0; i < r->nstreams; i++)
		for (size_t k = 0; k < r->streams[i].n; k++) {
			const struct res_entry *e = &r->streams[i].v[k];
			int j = -1, s = -1;
			const char *p = strstr(e->line, "\"line ");
			assert_non_null(p);
			assert_int_equal(sscanf(p, "\"line %d of %d", &j, &s), 2);
			assert_true(j >= 1 && j < NTS && (s == 0 || s == 1));
			if (seen[j * 2 + s])
				fail_msg("line %d of %d twice", j, s);
			seen[j * 2 + s] = 1;
			assert_true(e->ts_ns == ts_of(j));
			assert_string_equal(res_labels_get(&r->streams[i].labels, "level"), s ? "WARN" : "INFO");
			n++;
		}
	return n;
}

static struct result *
run_query(struct loki *lk, const struct qrun_params *p, struct qrun_status *st)
{
	struct got g = { 0 };
	g.q = qrun_start(&loop, lk, p, got_cb, tick_cb, &g);
	assert_non_null(g.q);
	if (st)
		qrun_get_status(g.q, st);
	struct qrun *q = g.q;
	/* the status is readable until the answer; keep the last one */
	while (g.called == 0 && uv_run(&loop, UV_RUN_ONCE))
		if (st && g.q)
			qrun_get_status(q, st);
	run();
	assert_int_equal(g.called, 1);
	if (g.failed)
		fail_msg("%s", g.err.msg);
	return g.res;
}

static void
test_live_query_lines(void **state)
{
	(void)state;
	NEED_LOKI();
	struct qrun_params p = { .query = sel(), .start_ns = base_ns, .end_ns = base_ns + 60 * NS,
				 .limit = 5000 };
	struct qrun_status st;
	struct result *r = run_query(LK, &p, &st);
	char seen[NTS * 2];
	assert_int_equal(r->type, RES_STREAMS);
	assert_int_equal(check_lines(r, seen), NLINES);
	assert_false(r->limit.cut);
	/* the estimate came first: Loki 2.8 answers /index/stats */
	assert_true(st.estimated);
	assert_string_equal(st.note, "");
	assert_int_equal(st.chunks, 1);
	result_free(r);

	/* a metric query comes back as the matrix the local evaluator gives */
	char mq[200];
	snprintf(mq, sizeof(mq), "sum by (level) (count_over_time(%s [10s]))", sel());
	struct qrun_params m = { .query = mq, .start_ns = base_ns + 10 * NS, .end_ns = base_ns + 60 * NS,
				 .step_ns = 10 * NS };
	r = run_query(LK, &m, NULL);
	assert_int_equal(r->type, RES_MATRIX);
	assert_int_equal(r->nseries, 2);
	double total = 0;
	for (size_t i = 0; i < r->nseries; i++)
		for (size_t k = 0; k < r->series[i].n; k++)
			total += r->series[i].v[k].v;
	/* (base, base+60s]: timestamps 1..599 in both streams */
	assert_true(total == NLINES);
	result_free(r);
}

static void
test_live_chunks_equal_one_query(void **state)
{
	(void)state;
	NEED_LOKI();
	char one[NTS * 2], many[NTS * 2];
	struct qrun_params p = { .query = sel(), .start_ns = base_ns, .end_ns = base_ns + 60 * NS,
				 .limit = 5000, .no_estimate = true };
	struct result *r1 = run_query(LK, &p, NULL);
	assert_int_equal(check_lines(r1, one), NLINES);
	/* 6 chunks of 10 s: boundaries at timestamps 100, 200, ... */
	p.max_chunk_ns = 10 * NS;
	struct qrun_status st;
	struct result *r6 = run_query(LK, &p, &st);
	assert_int_equal(st.chunks, 6);
	assert_true(st.chunk_ns == 10 * NS);
	assert_int_equal(st.p.chunks_total, 6);
	assert_int_equal(check_lines(r6, many), NLINES);
	assert_memory_equal(one, many, sizeof(one));
	assert_true(r6->pages >= 6);
	result_free(r6);

	/* a limit inside the chunks: the newest 500 lines, then it stops */
	p.limit = 500;
	struct result *rl = run_query(LK, &p, &st);
	assert_int_equal(check_lines(rl, many), 500);
	for (int j = 1; j < NTS; j++)
		for (int s = 0; s < 2; s++)
			if (many[j * 2 + s] != (j >= NTS - 250))
				fail_msg("line %d of %d %s", j, s, many[j * 2 + s] ? "held" : "missing");
	assert_true(rl->limit.cut);
	assert_string_equal(rl->limit.layer, "client limit");
	assert_int_equal(rl->limit.total, NLINES);
	assert_true(st.p.chunks_done < 6);     /* the older chunks were never asked */
	char words[200];
	res_limit_format(&rl->limit, words, sizeof(words));
	assert_string_equal(words, "500 shown of 1,198; client limit 500");
	result_free(rl);
	result_free(r1);
}

/* Appends "ts labels line" rows of `r` in display order to `out`. */
static void
add_rows(const struct result *r, bool forward, struct sbuf *out)
{
	size_t n;
	struct res_ref *refs = result_sorted(r, forward, &n);
	for (size_t i = 0; i < n; i++) {
		const struct res_stream *s = &r->streams[refs[i].stream];
		const struct res_entry *e = &s->v[refs[i].entry];
		sbuf_addf(out, "%" PRId64 " ", e->ts_ns);
		res_labels_format(&s->labels, out);
		sbuf_addf(out, " %s\n", e->line);
	}
	free(refs);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sorts each run of rows with the same timestamp by their text.  Which
 * lines of a timestamp Loki hands out first when a limit cuts it varies
 * from query to query, so the order inside one timestamp is not Loki's
 * to promise; Explore sorts the timestamp at a page join (explore_run.c).
 */
static void
tie_sort(struct sbuf *rows)
{
	char *text = sbuf_detach(rows, NULL);
	size_t n = 0, cap = 0;
	char **v = NULL;
	for (char *p = text, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		*nl = '\0';
		xgrow(&v, &cap, n + 1, sizeof(*v));
		v[n++] = p;
	}
	for (size_t i = 0, j; i < n; i = j) {
		size_t tl = strcspn(v[i], " ");
		for (j = i + 1; j < n && !strncmp(v[i], v[j], tl + 1); j++)
			;
		qsort(v + i, j - i, sizeof(*v), str_cmp);
	}
	for (size_t i = 0; i < n; i++)
		sbuf_addf(rows, "%s\n", v[i]);
	free(v);
	free(text);
}

/* One page of a log query through loki_query_range (either direction). */
static struct result *
range_page(bool forward, int64_t start, int64_t end, size_t limit, const struct result *seen)
{
	struct got g = { 0 };
	struct loki_query q = { .query = sel(), .start_ns = start, .end_ns = end, .limit = limit,
				.forward = forward, .seen = seen };
	assert_non_null(loki_query_range(LK, &q, got_cb, &g));
	run();
	assert_int_equal(g.called, 1);
	if (g.failed)
		fail_msg("%s", g.err.msg);
	return g.res;
}

/*
 * Pages through the minute of lines `page` lines at a time (forward, or
 * backward through qrun in 10 s chunks), each page going on from the
 * edge of the lines held so far; the rows of all pages in order go to
 * `out`.  Returns the number of pages.
 */
static int
page_all(bool forward, bool qrun, size_t page, struct sbuf *out)
{
	struct result *held = result_new(RES_STREAMS);
	int64_t start = base_ns, end = base_ns + 60 * NS;
	int pages = 0;
	for (;;) {
		struct result *r;
		if (qrun) {
			struct qrun_params p = { .query = sel(), .start_ns = start, .end_ns = end, .limit = page,
						 .no_estimate = true, .no_count = true, .seen = held,
						 .max_chunk_ns = 10 * NS };
			r = run_query(LK, &p, NULL);
		} else {
			r = range_page(forward, start, end, page, held);
		}
		pages++;
		size_t n;
		struct res_ref *refs = result_sorted(r, forward, &n);
		assert_true(n <= page);
		if (pages == 1)
			assert_int_equal(n, page);
		add_rows(r, forward, out);
		for (size_t i = 0; i < n; i++) {
			const struct res_stream *s = &r->streams[refs[i].stream];
			const struct res_entry *e = &s->v[refs[i].entry];
			res_stream_add(result_stream(held, &s->labels), e->ts_ns, e->line, e->len);
		}
		bool cut = r->limit.cut;
		int64_t edge = n ? r->streams[refs[n - 1].stream].v[refs[n - 1].entry].ts_ns : 0;
		free(refs);
		result_free(r);
		if (!cut)
			break;
		assert_true(pages < 100);
		if (forward)
			start = edge;
		else
			end = edge + 1;
	}
	char seen[NTS * 2];
	assert_int_equal(check_lines(held, seen), NLINES);
	result_free(held);
	return pages;
}

static void
test_live_pages_equal_one_query(void **state)
{
	(void)state;
	NEED_LOKI();
	for (int fwd = 0; fwd < 2; fwd++) {
		struct result *all = range_page(fwd, base_ns, base_ns + 60 * NS, 5000, NULL);
		struct sbuf one = SBUF_INIT;
		add_rows(all, fwd, &one);
		tie_sort(&one);
		result_free(all);
		/* 101 a page: every page ends inside a two-line timestamp group */
		for (int q = 0; q < (fwd ? 1 : 2); q++) {
			struct sbuf paged = SBUF_INIT;
			int pages = page_all(fwd, q, 101, &paged);
			assert_int_equal(pages, (NLINES + 100) / 101);
			tie_sort(&paged);
			if (strcmp(sbuf_str(&one), sbuf_str(&paged)))
				fail_msg("%s%s: the pages differ from one query", fwd ? "forward" : "backward",
					 q ? " (qrun, chunks)" : "");
			sbuf_release(&paged);
		}
		sbuf_release(&one);
	}
}

/* A client through the fault proxy with `mode` for requests tagged `id`. */
static struct loki *
fault_client(const char *mode, const char *id)
{
	char url[256];
	snprintf(url, sizeof(url), "%s/f/%s/%s", fault_addr, mode, id);
	struct loki_config cfg = { .url = url, .timeout_ms = 20000, .max_retries = -1 };
	return loki_new(H, &cfg);
}

static void
test_live_slow_progress_and_cancel(void **state)
{
	(void)state;
	NEED_LOKI();
	if (!fault_addr)
		skip();
	char id[96];
	snprintf(id, sizeof(id), "slow%s", run_id);
	/* every request waits 400 ms: 6 chunks take about 3 s */
	struct loki *slow = fault_client("slow400/0", id);
	struct qrun_params p = { .query = sel(), .start_ns = base_ns, .end_ns = base_ns + 60 * NS,
				 .limit = 5000, .max_chunk_ns = 10 * NS };
	struct got g = { 0 };
	g.q = qrun_start(&loop, slow, &p, got_cb, tick_cb, &g);
	assert_non_null(g.q);
	struct qrun_status st;
	qrun_get_status(g.q, &st);
	assert_int_equal(st.phase, QRUN_ESTIMATE);
	/* wait until three chunks are in */
	while (g.called == 0 && g.max_done < 3)
		uv_run(&loop, UV_RUN_ONCE);
	assert_int_equal(g.called, 0);
	qrun_get_status(g.q, &st);
	assert_int_equal(st.phase, QRUN_QUERY);
	assert_true(st.estimated);
	assert_int_equal(st.chunks, 6);
	assert_true(st.p.chunks_done >= 3 && st.p.chunks_done < 6);
	assert_true(st.p.bytes > 0);
	assert_true(st.elapsed_s >= 1.2);        /* stats + 3 chunks at 400 ms */
	assert_true(g.ticks >= 5);                /* the clock ticked while waiting */
	assert_true(g.max_elapsed > 0.8);
	/* cancel: the newest chunks' lines stay, nothing else comes */
	struct result *part = qrun_cancel(g.q);
	assert_non_null(part);
	char seen[NTS * 2];
	size_t n = check_lines(part, seen);
	assert_true(n >= 3 * 200 - 2 && n < (size_t)NLINES);
	/* contiguous from the newest line down */
	int lowest = NTS;
	for (int j = NTS - 1; j >= 1; j--)
		if (seen[j * 2] && seen[j * 2 + 1])
			lowest = j;
		else
			break;
	for (int j = 1; j < lowest; j++)
		assert_false(seen[j * 2] || seen[j * 2 + 1]);
	result_free(part);
	int ticks = g.ticks;
	run();
	assert_int_equal(g.called, 0);
	assert_int_equal(g.ticks, ticks);
	loki_free(slow);

	/* cancelled while estimating: nothing to keep */
	slow = fault_client("slow400/0", id);
	struct got e = { 0 };
	e.q = qrun_start(&loop, slow, &p, got_cb, tick_cb, &e);
	assert_non_null(e.q);
	uv_run(&loop, UV_RUN_NOWAIT);
	assert_null(qrun_cancel(e.q));
	run();
	assert_int_equal(e.called, 0);
	loki_free(slow);
}

static void
test_live_no_index_stats(void **state)
{
	(void)state;
	NEED_LOKI();
	if (!fault_addr)
		skip();
	char id[96];
	snprintf(id, sizeof(id), "nostats%s", run_id);
	/* the first request (index/stats) gets 404, the query passes */
	struct loki *lk = fault_client("err404/1", id);
	struct qrun_params p = { .query = sel(), .start_ns = base_ns, .end_ns = base_ns + 60 * NS,
				 .limit = 5000 };
	struct qrun_status st;
	struct result *r = run_query(lk, &p, &st);
	assert_false(st.estimated);
	assert_string_equal(st.note, "no estimate: this Loki has no /index/stats");
	char seen[NTS * 2];
	assert_int_equal(check_lines(r, seen), NLINES);
	result_free(r);
	loki_free(lk);
}

struct changes {
	int n;
	char last[64];
	bool names;
};

static void
changed_cb(void *ud, const char *name)
{
	struct changes *c = ud;
	c->n++;
	c->names = name == NULL;
	snprintf(c->last, sizeof(c->last), "%s", name ? name : "");
}

static bool
has(const struct result *r, const char *s)
{
	for (size_t i = 0; r && i < r->nstrings; i++)
		if (!strcmp(r->strings[i], s))
			return true;
	return false;
}

static void
test_live_label_cache(void **state)
{
	(void)state;
	NEED_LOKI();
	struct changes ch = { 0 };
	struct label_cache *c = label_cache_new(LK, 300 * 1000000LL, changed_cb, &ch);
	bool fetching;
	/* nothing cached: the answer comes later, the call does not wait */
	assert_null(label_cache_get(c, "run", &fetching));
	assert_true(fetching);
	assert_null(label_cache_get(c, NULL, &fetching));
	assert_int_equal(label_cache_inflight(c), 2);
	assert_null(label_cache_get(c, "run", NULL));   /* no second request */
	assert_int_equal(label_cache_fetches(c), 2);
	run();
	assert_int_equal(ch.n, 2);
	assert_int_equal(label_cache_inflight(c), 0);
	const struct result *v = label_cache_get(c, "run", &fetching);
	assert_false(fetching);
	assert_true(has(v, run_id));
	assert_true(has(label_cache_get(c, NULL, NULL), "run"));
	assert_int_equal(label_cache_fetches(c), 2);
	/* after the TTL the cached list still answers, and a refresh goes out */
	usleep(350 * 1000);
	v = label_cache_get(c, "run", &fetching);
	assert_true(fetching);
	assert_true(has(v, run_id));
	assert_int_equal(label_cache_fetches(c), 3);
	run();
	assert_int_equal(ch.n, 3);
	assert_string_equal(ch.last, "run");
	/* freed with a request in flight: no callback, nothing leaks */
	usleep(350 * 1000);
	label_cache_get(c, "level", NULL);
	label_cache_free(c);
	run();
	assert_int_equal(ch.n, 3);
}

/* The count of `val` in a counts result, -1 when absent. */
static double
count_of(const struct result *r, const char *label, const char *val)
{
	for (size_t i = 0; r && i < r->nseries; i++) {
		const char *v = res_labels_get(&r->series[i].labels, label);
		if (v && !strcmp(v, val) && r->series[i].n)
			return r->series[i].v[0].v;
	}
	return -1;
}

static void
test_live_label_counts(void **state)
{
	(void)state;
	NEED_LOKI();
	struct changes ch = { 0 };
	struct label_cache *c = label_cache_new(LK, 0, changed_cb, &ch);
	struct label_counts lc;
	/* a range around the pushed minute: nothing cached, one fetch out */
	int64_t from = base_ns - 60 * NS, to = base_ns + 120 * NS;
	label_cache_counts(c, "run", from, to, &lc);
	assert_null(lc.res);
	assert_true(lc.fetching);
	assert_string_equal(lc.err, "");
	run();
	/* Loki 2.8 has no /index/volume: the metric query answered */
	label_cache_counts(c, "run", from, to, &lc);
	assert_false(lc.fetching);
	assert_string_equal(lc.err, "");
	assert_non_null(lc.res);
	assert_false(lc.bytes);
	assert_false(lc.capped);
	assert_true(lc.span_ns == to - from);
	assert_int_equal((int)count_of(lc.res, "run", run_id), NLINES);
	/* per value of a label the lines have: both levels, 599 lines each */
	label_cache_counts(c, "level", from, to, &lc);
	run();
	label_cache_counts(c, "level", from, to, &lc);
	assert_non_null(lc.res);
	assert_true(count_of(lc.res, "level", "INFO") >= NTS - 1);
	size_t fetches = label_cache_fetches(c);
	/* cached: the same range again (or a relative one that moved a little) asks nothing */
	label_cache_counts(c, "run", from + NS, to + NS, &lc);
	assert_false(lc.fetching);
	assert_int_equal((int)count_of(lc.res, "run", run_id), NLINES);
	assert_int_equal(label_cache_fetches(c), fetches);
	/* 7 days: capped to the last 6 hours, which still hold every line */
	int64_t now = loki_now_ns();
	label_cache_counts(c, "run", now - 7 * 86400 * NS, now, &lc);
	assert_null(lc.res);        /* a different range: the old counts are not shown */
	assert_true(lc.fetching);
	run();
	label_cache_counts(c, "run", now - 7 * 86400 * NS, now, &lc);
	assert_true(lc.capped);
	assert_true(lc.span_ns == LABEL_COUNT_MAX_NS);
	assert_int_equal((int)count_of(lc.res, "run", run_id), NLINES);
	/* a range with none of the lines */
	label_cache_counts(c, "run", base_ns - 3600 * NS, base_ns - 1800 * NS, &lc);
	run();
	label_cache_counts(c, "run", base_ns - 3600 * NS, base_ns - 1800 * NS, &lc);
	assert_non_null(lc.res);
	assert_true(count_of(lc.res, "run", run_id) < 0);
	label_cache_free(c);
	if (!fault_addr)
		return;
	/* a failing Loki: its words, no counts */
	char id[96];
	snprintf(id, sizeof(id), "cnterr%s", run_id);
	struct loki *lk = fault_client("err503/0", id);
	c = label_cache_new(lk, 0, changed_cb, &ch);
	label_cache_counts(c, "run", from, to, &lc);
	run();
	label_cache_counts(c, "run", from, to, &lc);
	assert_null(lc.res);
	assert_false(lc.fetching);
	if (!strstr(lc.err, "unavailable"))
		fail_msg("error words: %s", lc.err);
	/* freed with a request in flight: no callback, nothing leaks */
	int n = ch.n;
	label_cache_counts(c, "level", from, to, &lc);
	label_cache_free(c);
	run();
	assert_int_equal(ch.n, n);
	loki_free(lk);
}

int
main(void)
{
	loki_addr = getenv("LOKI_TEST_ADDR");
	if (loki_addr && !*loki_addr)
		loki_addr = NULL;
	fault_addr = getenv("FAULT_TEST_ADDR");
	if (fault_addr && !*fault_addr)
		fault_addr = NULL;
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_plan),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_live_query_lines),
		cmocka_unit_test(test_live_chunks_equal_one_query),
		cmocka_unit_test(test_live_pages_equal_one_query),
		cmocka_unit_test(test_live_slow_progress_and_cancel),
		cmocka_unit_test(test_live_no_index_stats),
		cmocka_unit_test(test_live_label_cache),
		cmocka_unit_test(test_live_label_counts),
	};
	int rc = cmocka_run_group_tests_name("qrun", unit, NULL, NULL);
	rc |= cmocka_run_group_tests_name("qrun-live", live, live_setup, live_teardown);
	return rc;
}

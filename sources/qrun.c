/*
 * sources/qrun.c: an Explore query run against Loki: /index/stats
 * estimate, chunk plan, the (chunked) query, progress ticks and a cancel
 * that keeps the partial result.  Paging, splitting and merging are
 * loki_query_range()'s; this file decides how to split and reports.
 */
#include "sources/qrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/xalloc.h"
#include "logql/lq.h"

#define NS 1000000000LL
#define DEF_CHUNK_BYTES (64ull << 20)
#define DEF_MAX_CHUNK_NS (86400LL * NS)

struct qrun {
	uv_timer_t timer;
	struct loki *lk;
	struct loki_req *req;
	char *query;
	struct qrun_params p;        /* p.query points at `query` */
	struct qrun_status st;
	uint64_t t0;                 /* uv_hrtime() at start */
	qrun_done_fn done;
	qrun_tick_fn tick;
	void *ud;
	bool sending;                /* inside loki_query_range() */
};

/* ---- planning ---- */

size_t
qrun_plan(int64_t bytes, int64_t range_ns, uint64_t chunk_bytes, int64_t max_chunk_ns)
{
	if (!chunk_bytes)
		chunk_bytes = DEF_CHUNK_BYTES;
	if (max_chunk_ns <= 0)
		max_chunk_ns = DEF_MAX_CHUNK_NS;
	uint64_t n = 1;
	if (bytes > 0 && (uint64_t)bytes > chunk_bytes)
		n = ((uint64_t)bytes + chunk_bytes - 1) / chunk_bytes;
	if (range_ns > max_chunk_ns) {
		uint64_t t = (uint64_t)((range_ns + max_chunk_ns - 1) / max_chunk_ns);
		if (t > n)
			n = t;
	}
	/* chunks shorter than a second buy nothing */
	if (range_ns > 0 && n > (uint64_t)(range_ns / NS))
		n = range_ns / NS > 1 ? (uint64_t)(range_ns / NS) : 1;
	return n > QRUN_MAX_CHUNKS ? QRUN_MAX_CHUNKS : (size_t)n;
}

static const struct lq_expr *
first_log(const struct lq_expr *x)
{
	if (!x)
		return NULL;
	if (x->kind == LQ_EXPR_LOG || x->kind == LQ_EXPR_LOG_RANGE)
		return x;
	const struct lq_expr *f = first_log(x->inner);
	if (!f)
		f = first_log(x->lhs);
	if (!f)
		f = first_log(x->rhs);
	return f;
}

bool
qrun_selector(const char *query, char *out, size_t n)
{
	struct arena a;
	arena_init(&a, 0);
	const struct lq_expr *x = first_log(lq_parse(&a, query, strlen(query), NULL));
	bool ok = x && x->sel.len && x->sel.len < n;
	if (ok)
		snprintf(out, n, "%.*s", (int)x->sel.len, query + x->sel.off);
	arena_free(&a);
	return ok;
}

/* ---- the run ---- */

static void
close_cb(uv_handle_t *h)
{
	struct qrun *q = h->data;
	free(q->query);
	free(q);
}

/* Stops the clock and lets the loop free `q`. */
static void
release(struct qrun *q)
{
	uv_timer_stop(&q->timer);
	uv_close((uv_handle_t *)&q->timer, close_cb);
}

static void
tick_cb(uv_timer_t *t)
{
	struct qrun *q = t->data;
	if (q->tick)
		q->tick(q->ud);
}

static void
query_done(void *ud, const struct res_error *err, struct result *res)
{
	struct qrun *q = ud;
	q->req = NULL;
	if (q->sending) {
		/* loki_query_range() failed to send and answered at once */
		result_free(res);
		return;
	}
	qrun_done_fn done = q->done;
	void *cud = q->ud;
	release(q);
	done(cud, err, res);
}

static void
progress_cb(void *ud, size_t done, size_t total, size_t entries)
{
	(void)done;
	(void)total;
	(void)entries;
	tick_cb(&((struct qrun *)ud)->timer);
}

/* Sends the query; false when it cannot be sent (no callback then). */
static bool
send_query(struct qrun *q)
{
	struct qrun_status *st = &q->st;
	const struct qrun_params *p = &q->p;
	st->phase = QRUN_QUERY;
	struct loki_query lq = {
		.query = q->query, .start_ns = p->start_ns, .end_ns = p->end_ns,
		.time_ns = p->end_ns, .limit = p->limit ? p->limit : 1000,
		.step_s = (double)p->step_ns / 1e9, .progress = progress_cb,
		.count_total = !p->no_count, .seen = p->seen,
	};
	st->chunks = 1;
	q->sending = true;
	if (p->instant) {
		q->req = loki_query(q->lk, &lq, query_done, q);
	} else {
		int64_t range = p->end_ns - p->start_ns;
		st->chunks = qrun_plan(st->estimated ? st->est.bytes : -1, range, p->chunk_bytes,
				       p->max_chunk_ns);
		if (st->chunks > 1) {
			lq.split_ns = (range + (int64_t)st->chunks - 1) / (int64_t)st->chunks;
			st->chunk_ns = lq.split_ns;
		}
		q->req = loki_query_range(q->lk, &lq, query_done, q);
	}
	q->sending = false;
	return q->req != NULL;
}

static void
stats_done(void *ud, const struct res_error *err, struct result *res)
{
	struct qrun *q = ud;
	q->req = NULL;
	if (err) {
		if (err->http_status == 404)
			snprintf(q->st.note, sizeof(q->st.note), "no estimate: this Loki has no /index/stats");
		else
			snprintf(q->st.note, sizeof(q->st.note), "no estimate: %.140s", err->msg);
	} else {
		q->st.estimated = true;
		q->st.est = res->index;
	}
	result_free(res);
	if (!send_query(q)) {
		struct res_error e = { .code = LX_EINVAL };
		snprintf(e.msg, sizeof(e.msg), "cannot send the query to Loki (bad settings?)");
		query_done(q, &e, NULL);
	}
}

struct qrun *
qrun_start(uv_loop_t *loop, struct loki *lk, const struct qrun_params *p,
	   qrun_done_fn done, qrun_tick_fn tick, void *ud)
{
	if (!loop || !lk || !p || !p->query || !*p->query || !done ||
	    (!p->instant && p->end_ns <= p->start_ns))
		return NULL;
	struct qrun *q = xcalloc(1, sizeof(*q));
	q->lk = lk;
	q->query = xstrdup(p->query);
	q->p = *p;
	q->p.query = q->query;
	q->done = done;
	q->tick = tick;
	q->ud = ud;
	q->t0 = uv_hrtime();
	uv_timer_init(loop, &q->timer);
	q->timer.data = q;
	uv_timer_start(&q->timer, tick_cb, QRUN_TICK_MS, QRUN_TICK_MS);
	char sel[1024];
	if (!p->instant && !p->no_estimate) {
		if (qrun_selector(q->query, sel, sizeof(sel)))
			q->req = loki_index_stats(lk, sel, p->start_ns, p->end_ns, stats_done, q);
		if (q->req)
			return q;
		snprintf(q->st.note, sizeof(q->st.note), "no estimate for this query");
	}
	if (send_query(q))
		return q;
	release(q);
	return NULL;
}

void
qrun_get_status(const struct qrun *q, struct qrun_status *st)
{
	memset(st, 0, sizeof(*st));
	if (!q)
		return;
	*st = q->st;
	if (q->st.phase == QRUN_QUERY)
		loki_req_progress(q->req, &st->p);
	st->elapsed_s = (double)(uv_hrtime() - q->t0) / 1e9;
}

struct result *
qrun_cancel(struct qrun *q)
{
	if (!q)
		return NULL;
	struct result *res = NULL;
	if (q->st.phase == QRUN_QUERY)
		res = loki_cancel_keep(q->req);
	else
		loki_cancel(q->req);
	q->req = NULL;
	release(q);
	return res;
}

/*
 * views/explore_run.c: running Explore's query, on the local store or on
 * Loki, into one result path.
 *
 * Local: the evaluator over the store (sources/local_query.c), at once,
 * from request().  Loki (when the app has a Loki client): sources/qrun.c
 * asks /index/stats for an estimate, runs the query in time chunks with
 * progress, and answers from a loop callback; Esc cancels and keeps what
 * came.  Both hand a `struct result` to finish(), which builds the rows,
 * the limit words and the volume histogram query.  A new run cancels the
 * one in flight.  The summary line (explore__summary) and the progress
 * panel (explore__draw_progress) say which backend answered and how far a
 * run has come.
 * Must not: draw outside the canvas it gets, or block on the network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "logql/lq.h"
#include "sources/local_query.h"
#include "sources/qrun.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "views/explore.h"
#include "views/graph.h"

/* ---- helpers ---- */

static int64_t
plot_cols(struct view *v)
{
	int w = v->cols > 20 ? v->cols : 120;
	return w - 8;
}

/* 12345 -> "12,345". */
static void
thousands(size_t n, char *buf, size_t size)
{
	char raw[32];
	int len = snprintf(raw, sizeof(raw), "%zu", n);
	size_t o = 0;
	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
}

void
explore__fmt_bytes(uint64_t b, char *buf, size_t size)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double x = (double)b;
	int u = 0;
	while (x >= 1024 && u < 4) {
		x /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", x, unit[u]);
}

void
explore__current_range(struct view *v, int64_t *from, int64_t *to)
{
	struct explore *e = E(v);
	if (e->range_ns > 0) {
		*to = app_now(v->app);
		*from = *to - e->range_ns;
	} else {
		*from = e->from_ns;
		*to = e->to_ns;
	}
}

static uint8_t
row_level(const struct res_stream *s, const struct res_entry *en)
{
	const char *l = res_labels_get(&s->labels, "level");
	if (!l)
		l = res_labels_get(&s->labels, "detected_level");
	if (l)
		return (uint8_t)scan_level_name(l, strlen(l));
	struct scan_result sr;
	scan_line(en->line, en->len, &sr);
	return sr.level;
}

/* ---- life cycle of a run ---- */

/* Stops what is in flight, dropping it. */
static void
stop_requests(struct view *v)
{
	struct explore *e = E(v);
	if (e->job) {
		result_free(qrun_cancel(e->job));
		e->job = NULL;
		app_fetch_end(v->app);
	}
	if (e->vol_job) {
		result_free(qrun_cancel(e->vol_job));
		e->vol_job = NULL;
		app_fetch_end(v->app);
	}
	e->paging = false;
}

void
explore__run_free(struct view *v)
{
	struct explore *e = E(v);
	stop_requests(v);
	result_free(e->res);
	result_free(e->vol);
	e->res = e->vol = NULL;
	free(e->rows);
	e->rows = NULL;
	e->nrows = 0;
	free(e->ran);
	e->ran = NULL;
	e->r_partial = false;
}

/*
 * The volume query of a log query: count_over_time by level in as many
 * buckets as the histogram has columns.  Fills vol_bucket / vol_from and
 * returns the query text (sbuf_release() it) and the evaluation window.
 */
static void
volume_query(struct view *v, int nb, struct sbuf *vq, int64_t *start, int64_t *end)
{
	struct explore *e = E(v);
	int64_t span = e->r_to - e->r_from;
	/*
	 * Whole milliseconds, so [range] and step agree; columns start at a
	 * multiple of the bucket because the evaluator aligns steps to them
	 * (as Loki's frontend does).  nb - 1 buckets cover the span, one
	 * more absorbs the alignment.
	 */
	int64_t bucket = nb > 1 ? (span + nb - 2) / (nb - 1) : span;
	bucket = (bucket + 999999) / 1000000 * 1000000;
	if (bucket < 1000000)
		bucket = 1000000;
	e->vol_bucket = bucket;
	e->vol_from = e->r_from / bucket * bucket;
	e->vol_want = nb;
	char dur[32];
	lq_fmt_prom_duration(bucket / 1000000, dur, sizeof(dur));
	sbuf_addf(vq, "sum by (level) (count_over_time(%s [%s]))", e->ran, dur);
	*start = e->vol_from + bucket;
	*end = (e->r_to + bucket - 1) / bucket * bucket;
}

static void
volume_done(void *ud, const struct res_error *err, struct result *res)
{
	struct view *v = ud;
	struct explore *e = E(v);
	e->vol_job = NULL;
	app_fetch_end(v->app);
	if (!err && res->type == RES_MATRIX) {
		e->vol = res;
		e->vol_nb = e->vol_want;
	} else {
		result_free(res);   /* a failure only means no histogram */
	}
	app_dirty(v->app);
}

static void
volume_tick(void *ud)
{
	struct view *v = ud;
	struct explore *e = E(v);
	qrun_get_status(e->vol_job, &e->vol_st);
	app_dirty(v->app);
}

/*
 * On Loki the volume goes through qrun like the query (time chunks on
 * long ranges, progress, Esc), without an estimate: the query just read
 * the same lines.
 */
static void
run_volume(struct view *v, int nb)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	struct sbuf vq = SBUF_INIT;
	int64_t start, end;
	volume_query(v, nb, &vq, &start, &end);
	if (a->loki) {
		struct qrun_params p = {
			.query = sbuf_str(&vq), .start_ns = start, .end_ns = end,
			.step_ns = e->vol_bucket, .no_estimate = true,
			.max_chunk_ns = a->cfg ? a->cfg->query_chunk_ns : 0,
		};
		memset(&e->vol_st, 0, sizeof(e->vol_st));
		e->vol_job = qrun_start(a->loop, a->loki, &p, volume_done, volume_tick, v);
		if (e->vol_job) {
			app_fetch_begin(a);
			qrun_get_status(e->vol_job, &e->vol_st);
		}
	} else {
		struct lq_eval_params p = { .start_ns = start, .end_ns = end, .step_ns = e->vol_bucket,
					    .split_ns = -1 };
		struct lq_result *lr = NULL;
		struct lq_error err;
		if (local_query(a->store, sbuf_str(&vq), &p, &lr, &err) == 0) {
			e->vol = local_result(lr);
			e->vol_nb = e->vol_want;
			lq_result_free(lr);
		}
	}
	sbuf_release(&vq);
}

/*
 * Local: when the limit cut the lines, counts them all over the range
 * (the Loki client does the same with Loki) so the summary can say how
 * many are missing.
 */
static void
local_cut(struct view *v, struct result *res, size_t shown)
{
	struct explore *e = E(v);
	struct res_limit *l = &res->limit;
	l->cut = true;
	l->layer = "client limit";
	l->limit = e->limit;
	l->shown = shown;
	l->at_least = shown + 1;
	char dur[32];
	lq_fmt_prom_duration((e->r_to - e->r_from + 999999) / 1000000, dur, sizeof(dur));
	struct sbuf cq = SBUF_INIT;
	sbuf_addf(&cq, "sum(count_over_time(%s [%s]))", e->ran, dur);
	struct lq_eval_params p = { .start_ns = e->r_to, .end_ns = e->r_to, .instant = true };
	struct lq_result *lr = NULL;
	struct lq_error err;
	if (local_query(v->app->store, sbuf_str(&cq), &p, &lr, &err) == 0) {
		struct result *c = local_result(lr);
		double n = c->type == RES_VECTOR && c->nseries && c->series[0].n ? c->series[0].v[0].v : -1;
		if (n > (double)shown) {
			l->total = (size_t)n;
			l->at_least = l->total;
		}
		result_free(c);
		lq_result_free(lr);
	}
	sbuf_release(&cq);
}

/* The one result path: `res` (owned) or an error message. */
static void
finish(struct view *v, struct result *res, const char *err)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	e->r_ms = clock_mono_ns() / 1e6 - e->r_t0;
	if (err) {
		e->run_failed = true;
		snprintf(e->run_err, sizeof(e->run_err), "%s", err);
		app_message(a, 2, "query failed: %s", err);
		return;
	}
	if (!e->r_log && res->type == RES_STREAMS && !res->nstreams)
		res->type = RES_MATRIX;     /* a metric run cancelled before any answer */
	e->res = res;
	if (!e->r_log)
		return;
	size_t n;
	struct res_ref *refs = result_sorted(res, false, &n);
	e->rows = xcalloc(n ? n : 1, sizeof(*e->rows));
	for (size_t i = 0; i < n; i++) {
		const struct res_stream *s = &res->streams[refs[i].stream];
		e->rows[i] = (struct row){ refs[i].stream, refs[i].entry,
					   row_level(s, &s->v[refs[i].entry]) };
	}
	e->nrows = n;
	free(refs);
	if (!e->r_loki && n >= e->limit)
		local_cut(v, res, n);
	e->r_cut = res->limit.cut;
	if (!e->r_partial)
		run_volume(v, v->cols > GRAPH_VOLUME_AXIS + 10 ? v->cols - GRAPH_VOLUME_AXIS : 100);
}

void
explore__volume_fit(struct view *v, int nb)
{
	struct explore *e = E(v);
	if (!e->ran || e->r_partial || e->vol_job || e->vol_want == nb || nb < 2)
		return;
	result_free(e->vol);
	e->vol = NULL;
	run_volume(v, nb);
}

static void
loki_done(void *ud, const struct res_error *err, struct result *res)
{
	struct view *v = ud;
	struct explore *e = E(v);
	e->job = NULL;
	app_fetch_end(v->app);
	finish(v, res, err ? err->msg : NULL);
	app_dirty(v->app);
}

static void
loki_tick(void *ud)
{
	struct view *v = ud;
	struct explore *e = E(v);
	qrun_get_status(e->job, &e->r_st);
	app_dirty(v->app);
}

void
explore__run(struct view *v)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	explore__comp_close(e);
	explore__reparse(v);
	e->pending = false;
	if (!e->parsed_ok) {
		if (e->err.msg[0])
			app_message(a, 2, "not run: %s", e->err.msg);
		else
			app_message(a, 1, "type a query first, like {level=\"ERROR\"}");
		return;
	}
	explore__run_free(v);
	e->run_failed = false;
	e->run_err[0] = '\0';
	e->ran = xstrdup(e->ed.buf);
	explore__current_range(v, &e->r_from, &e->r_to);
	e->r_step = e->step_ns > 0 ? e->step_ns : graph_auto_step(e->r_to - e->r_from, (int)plot_cols(v));
	e->r_log = e->is_log;
	e->r_cut = false;
	e->r_loki = a->loki != NULL;
	e->sel = e->top = 0;
	e->pick = -1;
	e->hscroll = 0;
	e->editing = false;
	memset(&e->r_st, 0, sizeof(e->r_st));
	history_add(&e->hist, e->ran);   /* in memory only when the clock is frozen */
	e->hpos = (long)e->hist.n;
	e->r_t0 = clock_mono_ns() / 1e6;
	bool instant = e->instant && !e->is_log;
	if (a->loki) {
		struct qrun_params p = {
			.query = e->ran, .start_ns = e->r_from, .end_ns = e->r_to,
			.step_ns = e->r_step, .limit = e->limit, .instant = instant,
			.max_chunk_ns = a->cfg ? a->cfg->query_chunk_ns : 0,
		};
		e->job = qrun_start(a->loop, a->loki, &p, loki_done, loki_tick, v);
		if (!e->job) {
			finish(v, NULL, "cannot send the query to Loki (check the address and the time range)");
			return;
		}
		app_fetch_begin(a);
		qrun_get_status(e->job, &e->r_st);
		return;
	}
	struct lq_eval_params p = {
		.start_ns = e->r_from, .end_ns = e->r_to, .step_ns = e->r_step,
		.limit = e->limit, .direction = LQ_BACKWARD, .instant = instant,
	};
	struct lq_result *lr = NULL;
	if (local_query(a->store, e->ran, &p, &lr, &e->run_perr)) {
		finish(v, NULL, e->run_perr.msg);
		return;
	}
	struct result *res = local_result(lr);
	lq_result_free(lr);
	finish(v, res, NULL);
}

static const struct result *join_res;

static int64_t
row_ts(const struct result *r, const struct row *w)
{
	return r->streams[w->stream].v[w->entry].ts_ns;
}

/* Rows of one timestamp as result_sorted() orders them: labels, then stream order. */
static int
join_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	if (a->stream == b->stream)
		return a->entry < b->entry ? -1 : a->entry > b->entry;
	int c = res_labels_cmp(&join_res->streams[a->stream].labels, &join_res->streams[b->stream].labels);
	return c ? c : a->stream < b->stream ? -1 : 1;
}

/* Appends the lines of `page` (freed here) below the rows shown. */
static void
append_page(struct view *v, struct result *page)
{
	struct explore *e = E(v);
	size_t n, old = e->nrows;
	struct res_ref *refs = result_sorted(page, false, &n);
	e->rows = xrealloc(e->rows, (e->nrows + n + 1) * sizeof(*e->rows));
	for (size_t i = 0; i < n; i++) {
		const struct res_stream *ps = &page->streams[refs[i].stream];
		const struct res_entry *pe = &ps->v[refs[i].entry];
		struct res_stream *s = result_stream(e->res, &ps->labels);
		struct res_entry *en = res_stream_add(s, pe->ts_ns, pe->line, pe->len);
		res_labels_copy(&en->meta, &pe->meta);
		res_labels_copy(&en->parsed, &pe->parsed);
		e->rows[e->nrows++] = (struct row){ (uint32_t)(s - e->res->streams), (uint32_t)(s->n - 1),
						    row_level(s, en) };
	}
	free(refs);
	if (old && e->nrows > old) {
		/* Which lines of a timestamp Loki hands out first when a limit
		 * cuts it varies: the timestamp at the join is sorted as one
		 * query would sort it. */
		int64_t edge = row_ts(e->res, &e->rows[old - 1]);
		size_t lo = old - 1, hi = old;
		while (lo > 0 && row_ts(e->res, &e->rows[lo - 1]) == edge)
			lo--;
		while (hi < e->nrows && row_ts(e->res, &e->rows[hi]) == edge)
			hi++;
		join_res = e->res;
		qsort(e->rows + lo, hi - lo, sizeof(*e->rows), join_cmp);
	}
	struct res_limit *l = &e->res->limit;
	l->shown = e->nrows;
	if (page->limit.cut && l->at_least <= e->nrows)
		l->at_least = e->nrows + 1;
	l->cut = page->limit.cut && (!l->total || e->nrows < l->total);
	e->r_cut = l->cut;
	e->res->pages += page->pages;
	e->res->bytes += page->bytes;
	result_free(page);
	char num[32];
	thousands(n, num, sizeof(num));
	app_message(v->app, 0, "%s older line%s%s", num, n == 1 ? "" : "s", l->cut ? "" : "; that is all");
}

static void
page_done(void *ud, const struct res_error *err, struct result *res)
{
	struct view *v = ud;
	struct explore *e = E(v);
	e->job = NULL;
	e->paging = false;
	app_fetch_end(v->app);
	if (err)
		app_message(v->app, 2, "older lines failed: %s", err->msg);
	else
		append_page(v, res);
	app_dirty(v->app);
}

void
explore__older(struct view *v)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	if (e->job) {
		app_message(a, 1, "a query is running: wait for it, or Esc stops it");
		return;
	}
	if (!e->res || !e->r_log || !e->r_cut || !e->nrows) {
		app_message(a, 1, "no older lines to fetch: only a log result cut by the limit has more");
		return;
	}
	/* Rows run newest first: the last one is the oldest shown. */
	const struct row *last = &e->rows[e->nrows - 1];
	int64_t end = e->res->streams[last->stream].v[last->entry].ts_ns + 1;
	if (e->r_loki && a->loki) {
		struct qrun_params p = {
			.query = e->ran, .start_ns = e->r_from, .end_ns = end, .limit = e->limit,
			.no_estimate = true, .no_count = true, .seen = e->res,
			.max_chunk_ns = a->cfg ? a->cfg->query_chunk_ns : 0,
		};
		memset(&e->r_st, 0, sizeof(e->r_st));
		e->job = qrun_start(a->loop, a->loki, &p, page_done, loki_tick, v);
		if (!e->job) {
			app_message(a, 2, "cannot send the query to Loki");
			return;
		}
		e->paging = true;
		app_fetch_begin(a);
		qrun_get_status(e->job, &e->r_st);
		return;
	}
	struct lq_eval_params p = { .start_ns = e->r_from, .end_ns = end, .limit = e->limit,
				    .direction = LQ_BACKWARD };
	struct result *page = NULL;
	struct lq_error err;
	if (local_query_page(a->store, e->ran, &p, e->res, &page, &err))
		app_message(a, 2, "older lines failed: %s", err.msg);
	else
		append_page(v, page);
}

bool
explore__cancel(struct view *v)
{
	struct explore *e = E(v);
	if (e->paging) {
		result_free(qrun_cancel(e->job));
		e->job = NULL;
		e->paging = false;
		app_fetch_end(v->app);
		app_message(v->app, 1, "older lines cancelled: the lines shown stay");
		return true;
	}
	if (!e->job && e->vol_job) {
		result_free(qrun_cancel(e->vol_job));
		e->vol_job = NULL;
		app_fetch_end(v->app);
		app_message(v->app, 1, "volume cancelled: the bars count the lines shown");
		return true;
	}
	if (!e->job)
		return false;
	qrun_get_status(e->job, &e->r_st);
	struct result *part = qrun_cancel(e->job);
	e->job = NULL;
	app_fetch_end(v->app);
	if (!part)
		part = result_new(e->r_log ? RES_STREAMS : RES_MATRIX);
	/* Cut by the limit already: only the count of the rest was stopped. */
	e->r_partial = !part->limit.cut;
	finish(v, part, NULL);
	app_message(v->app, 1, e->r_partial ? "query cancelled: the result is partial" :
			       "count cancelled: how many lines the limit left out is unknown");
	return true;
}

/* ---- words ---- */

/* "Loki, 3 requests, 1.2 MiB" or "local store". */
static void
backend_words(struct view *v, char *buf, size_t size)
{
	struct explore *e = E(v);
	if (!e->r_loki) {
		snprintf(buf, size, "local store");
		return;
	}
	char b[32];
	explore__fmt_bytes(e->res && e->res->bytes ? e->res->bytes : e->r_st.p.bytes, b, sizeof(b));
	size_t pages = e->res && e->res->pages ? e->res->pages : e->r_st.p.pages;
	if (pages)
		snprintf(buf, size, "Loki, %zu request%s, %s", pages, pages == 1 ? "" : "s", b);
	else
		snprintf(buf, size, "Loki");
}

void
explore__summary(struct view *v, char *buf, size_t size)
{
	struct explore *e = E(v);
	char ms[32] = "", be[96];
	if (!v->app->fixed_now)
		snprintf(ms, sizeof(ms), " in %.0f ms", e->r_ms);
	backend_words(v, be, sizeof(be));
	if (e->job) {
		char b[32];
		explore__fmt_bytes(e->r_st.p.bytes, b, sizeof(b));
		const struct qrun_status *st = &e->r_st;
		if (st->phase == QRUN_ESTIMATE)
			snprintf(buf, size, " asking Loki what the query will read... %.1f s; Esc cancels ", st->elapsed_s);
		else
			snprintf(buf, size, " %s on Loki: chunk %zu/%zu, %.1f s, %s, %zu lines; Esc cancels ",
				 e->paging ? "fetching older lines" : "running", st->p.chunks_done < st->chunks ? st->p.chunks_done + 1 : st->chunks,
				 st->chunks, st->elapsed_s, b, st->p.entries);
	} else if (e->run_failed) {
		snprintf(buf, size, " failed: %.200s ", e->run_err);
	} else if (!e->res) {
		snprintf(buf, size, " no result yet: Enter runs the query ");
	} else if (e->r_partial) {
		char n[32];
		thousands(e->r_log ? e->nrows : e->res->nseries, n, sizeof(n));
		/* Log chunks run newest first: the part held is the newest. */
		char span[64] = "";
		if (e->r_log && e->r_st.chunk_ns > 0 && e->r_st.p.chunks_done > 0) {
			char d[32];
			lq_fmt_prom_duration((int64_t)e->r_st.p.chunks_done * e->r_st.chunk_ns / 1000000, d, sizeof(d));
			snprintf(span, sizeof(span), ", the newest %s", d);
		}
		snprintf(buf, size, " PARTIAL: cancelled after %zu of %zu chunks%s; %s %s (%s): r runs again ",
			 e->r_st.p.chunks_done, e->r_st.chunks ? e->r_st.chunks : 1, span, n,
			 e->r_log ? "lines" : "series", be);
	} else if (e->r_log) {
		char n[32], lim[200];
		thousands(e->nrows, n, sizeof(n));
		res_limit_format(&e->res->limit, lim, sizeof(lim));
		char vol[120] = "";
		if (e->vol_job) {
			const struct qrun_status *vs = &e->vol_st;
			snprintf(vol, sizeof(vol), "; volume: chunk %zu/%zu, %.1f s, Esc stops it",
				 vs->p.chunks_done < vs->chunks ? vs->p.chunks_done + 1 : vs->chunks,
				 vs->chunks ? vs->chunks : 1, vs->elapsed_s);
		}
		if (e->r_cut)
			snprintf(buf, size, " %s%s (%s): O fetches more%s ", lim, ms, be, vol);
		else
			snprintf(buf, size, " %s lines%s (%s)%s ", n, ms, be, vol);
	} else if (e->res->type == RES_SCALAR) {
		snprintf(buf, size, " scalar%s (%s) ", ms, be);
	} else if (e->res->type == RES_VECTOR) {
		char at[40];
		app_fmt_time(v->app, e->r_to, true, at, sizeof(at));
		snprintf(buf, size, " %zu series at %.19s%s (%s; instant: I for the range) ", e->res->nseries, at,
			 ms, be);
	} else {
		char st[32];
		lq_fmt_prom_duration(e->r_step / 1000000, st, sizeof(st));
		snprintf(buf, size, " %zu series%s (%s), step %s%s%s ", e->res->nseries, ms, be, st,
			 e->res->type == RES_MATRIX ? (e->table ? " (table: v graph)" : " (graph: v table)") : "",
			 e->pick >= 0 ? " [ ] pick" : "");
	}
}

/* "estimate (index/stats): 4 streams, 12 chunks, 3.1 MiB, 20,000 entries". */
static void
estimate_words(const struct qrun_status *st, char *buf, size_t size)
{
	if (!st->estimated) {
		snprintf(buf, size, "%s", st->note[0] ? st->note : "estimating...");
		return;
	}
	char b[32], en[32];
	explore__fmt_bytes((uint64_t)(st->est.bytes > 0 ? st->est.bytes : 0), b, sizeof(b));
	thousands((size_t)(st->est.entries > 0 ? st->est.entries : 0), en, sizeof(en));
	snprintf(buf, size, "estimate (index/stats): %lld streams, %lld chunks, %s, %s entries%s",
		 (long long)st->est.streams, (long long)st->est.chunks, b, en,
		 st->est.bytes ? "" : " (lines not yet flushed from Loki's ingesters are not counted)");
}

void
explore__draw_progress(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	const struct qrun_status *st = &e->r_st;
	char line[300];
	int y = 1;
	tui_move(c, y++, 2);
	tui_put_text(c, THEME_TITLE, "Running on Loki");
	tui_move(c, y++, 2);
	estimate_words(st, line, sizeof(line));
	tui_put_text(c, st->estimated ? THEME_NORMAL : THEME_MUTED, line);
	if (st->phase == QRUN_QUERY) {
		tui_move(c, y++, 2);
		if (st->chunks > 1) {
			char d[32];
			lq_fmt_prom_duration(st->chunk_ns / 1000000, d, sizeof(d));
			snprintf(line, sizeof(line), "plan: %zu time chunks of %s, %s; %s", st->chunks, d,
				 e->r_log ? "newest first" : "in order",
				 e->r_log ? "stops at the line limit" : "samples merged");
		} else {
			snprintf(line, sizeof(line), "plan: one request%s", e->r_log ? ", paged to the line limit" : "");
		}
		tui_put_text(c, THEME_NORMAL, line);
	}
	/* The bar: chunks done of the total. */
	size_t total = st->chunks ? st->chunks : 1, done = st->p.chunks_done;
	int bw = c->w - 4 > 60 ? 60 : c->w - 4;
	if (bw > 4) {
		int fill = st->phase == QRUN_QUERY ? (int)((size_t)bw * done / total) : 0;
		tui_move(c, ++y, 2);
		for (int i = 0; i < bw; i++)
			tui_put_cp(c, i < fill ? THEME_OK : THEME_MUTED,
				   tui_ascii ? (i < fill ? '#' : '.') : (i < fill ? 0x2588 : 0x2591));
		y++;
	}
	char b[32], n[32];
	explore__fmt_bytes(st->p.bytes, b, sizeof(b));
	thousands(st->p.entries, n, sizeof(n));
	snprintf(line, sizeof(line), "%zu/%zu chunks  elapsed %.1f s  received %s  %s lines", done, total,
		 st->elapsed_s, b, n);
	tui_move(c, y++, 2);
	tui_put_text(c, THEME_NORMAL, line);
	tui_move(c, ++y, 2);
	tui_put_text(c, THEME_MUTED, "Esc cancels and keeps the lines so far; a new query replaces this one");
}

/*
 * sources/local_query.c: the store as an lq_source.  Walks candidate seqs
 * (an index list or a time range of the ring) and hands each line with
 * its labels to the evaluator.  Labels are rebuilt per line from the
 * record and a rescan of the line (hostname, service); nothing is kept.
 */
#include "sources/local_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/scan.h"
#include "core/xalloc.h"

enum { L_LEVEL, L_AGENT, L_COMPONENT, L_CORR, L_HOST, L_SERVICE, L_FILE, L__N };

struct walk {
	const struct store *st;
	uint64_t min_seq, max_seq;   /* only lines [min_seq, max_seq) */
	int64_t start, end;
	/* Either an index list, or the seq range [cur, stop). */
	const uint64_t *idx;
	size_t nidx, pos;
	uint64_t cur, stop;
	bool use_idx;
	bool backward;               /* newest first: pos and stop count down */
	int64_t floor;               /* lines older than this are not needed */
	struct lq_label labels[L__N];
	char host[128], service[128];
};

static int
walk_open(void *ud, int64_t start_ns, int64_t end_ns, const struct lq_selector *sel)
{
	struct walk *w = ud;
	const struct store *st = w->st;
	w->start = start_ns;
	w->end = end_ns;
	w->use_idx = false;
	static const struct { const char *name; enum store_dim dim; } dims[] = {
		{ "correlation_id", DIM_CORR }, { "agent_id", DIM_AGENT }, { "component", DIM_COMPONENT },
	};
	for (size_t d = 0; sel && d < sizeof(dims) / sizeof(dims[0]) && !w->use_idx; d++)
		for (size_t i = 0; i < sel->n; i++) {
			const struct lq_matcher *m = &sel->m[i];
			if (m->op != LQ_EQ || strcmp(m->name, dims[d].name))
				continue;
			uint32_t id = store_lookup(st, dims[d].dim, m->value, m->value_len);
			w->nidx = id ? store_index(st, dims[d].dim, id, &w->idx) : 0;
			/* index lists are oldest first: skip to min_seq */
			size_t lo = 0, hi = w->nidx;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (w->idx[mid] < w->min_seq)
					lo = mid + 1;
				else
					hi = mid;
			}
			w->pos = lo;
			w->use_idx = true;
			break;
		}
	/* Lines are mostly in time order: start a little before `start`. */
	w->cur = store_seek_time(st, start_ns - 60 * 1000000000LL);
	if (w->cur < w->min_seq)
		w->cur = w->min_seq;
	w->stop = store_next_seq(st);
	if (w->stop > w->max_seq)
		w->stop = w->max_seq;
	w->floor = INT64_MIN;
	if (w->backward && w->use_idx) {
		/* from the last index entry below max_seq down to pos */
		size_t hi = w->nidx;
		while (hi > w->pos && w->idx[hi - 1] >= w->max_seq)
			hi--;
		w->stop = w->pos;
		w->pos = hi;
	}
	return 0;
}

static void
walk_floor(void *ud, int64_t ts_ns)
{
	((struct walk *)ud)->floor = ts_ns;
}

/* The next candidate seq in walk order; false at the end. */
static bool
walk_seq(struct walk *w, uint64_t *seq)
{
	if (w->use_idx && w->backward) {
		if (w->pos <= w->stop)
			return false;
		*seq = w->idx[--w->pos];
	} else if (w->use_idx) {
		if (w->pos >= w->nidx || w->idx[w->pos] >= w->max_seq)
			return false;
		*seq = w->idx[w->pos++];
	} else if (w->backward) {
		if (w->stop <= w->cur)
			return false;
		*seq = --w->stop;
	} else {
		if (w->cur >= w->stop)
			return false;
		*seq = w->cur++;
	}
	return true;
}

static void
set_span(struct walk *w, int k, const char *text, struct span sp, char *buf, size_t size)
{
	size_t n = sp.len < size - 1 ? sp.len : size - 1;
	memcpy(buf, text + sp.off, n);
	buf[n] = '\0';
	w->labels[k].value = buf;
}

static int
walk_next(void *ud, struct lq_entry *e)
{
	struct walk *w = ud;
	const struct store *st = w->st;
	uint64_t seq;
	while (walk_seq(w, &seq)) {
		const struct log_rec *r = store_get(st, seq);
		if (!r || r->ts_ns < w->start || r->ts_ns > w->end || r->ts_ns < w->floor)
			continue;
		size_t n = 0;
		static const char *const names[L__N] = {
			"level", "agent_id", "component", "correlation_id", "hostname", "service", "filename",
		};
		const char *vals[L__N] = {
			r->level ? scan_level_str(r->level) : "",
			store_str(st, DIM_AGENT, r->id[DIM_AGENT]),
			store_str(st, DIM_COMPONENT, r->id[DIM_COMPONENT]),
			store_str(st, DIM_CORR, r->id[DIM_CORR]),
			"", "",
			store_str(st, DIM_ORIGIN, r->id[DIM_ORIGIN]),
		};
		struct scan_result sr;
		scan_line(r->text, r->len, &sr);
		for (int k = 0; k < L__N; k++) {
			w->labels[k].name = names[k];
			w->labels[k].value = vals[k];
		}
		set_span(w, L_HOST, r->text, sr.hostname, w->host, sizeof(w->host));
		set_span(w, L_SERVICE, r->text, sr.service, w->service, sizeof(w->service));
		/* Empty values are not labels (as in Loki). */
		struct lq_label tmp[L__N];
		for (int k = 0; k < L__N; k++)
			if (w->labels[k].value[0])
				tmp[n++] = w->labels[k];
		memcpy(w->labels, tmp, n * sizeof(tmp[0]));
		e->ts_ns = r->ts_ns;
		e->labels = w->labels;
		e->nlabels = n;
		e->line = r->text;
		e->len = r->len;
		e->pos = seq;
		return 1;
	}
	return 0;
}

/* `backward`: newest first, skipping lines the evaluator no longer needs
 * (for BACKWARD log queries with a limit). */
static int
query_seqs(const struct store *st, const char *query, const struct lq_eval_params *p,
	   uint64_t min_seq, uint64_t max_seq, bool backward, struct lq_result **out,
	   struct lq_error *err)
{
	struct walk w = { .st = st, .min_seq = min_seq, .max_seq = max_seq, .backward = backward };
	struct lq_source src = { .ud = &w, .open = walk_open, .next = walk_next,
				 .backward = backward, .floor = backward ? walk_floor : NULL };
	/* Step times as Loki's query frontend aligns them, so local numbers
	 * and Loki's agree point for point. */
	struct lq_eval_params ap = *p;
	ap.step_align = true;
	return lq_eval(query, &ap, &src, out, err);
}

int
local_query(const struct store *st, const char *query, const struct lq_eval_params *p,
	    struct lq_result **out, struct lq_error *err)
{
	return query_seqs(st, query, p, 0, UINT64_MAX, false, out, err);
}

int
local_query_page(const struct store *st, const char *query, const struct lq_eval_params *p,
		 const struct result *seen, struct result **out, struct lq_error *err)
{
	bool fwd = p->direction == LQ_FORWARD;
	int64_t edge = fwd ? p->start_ns : p->end_ns - 1;
	size_t want = p->limit ? p->limit : 100;
	struct lq_eval_params q = *p;
	/* the held lines at the edge come again, and one more says whether
	 * lines are left after this page */
	q.limit = (unsigned)(want + result_entries_at(seen, edge) + 1);
	struct lq_result *lr = NULL;
	int rc = local_query(st, query, &q, &lr, err);
	if (rc)
		return rc;
	struct result *all = local_result(lr);
	lq_result_free(lr);
	if (all->type != RES_STREAMS) {
		result_free(all);
		memset(err, 0, sizeof(*err));
		err->code = LX_EINVAL;
		snprintf(err->msg, sizeof(err->msg), "only log queries have pages");
		return LX_EINVAL;
	}
	struct result *r = result_new(RES_STREAMS);
	size_t n, added = 0;
	struct res_ref *refs = result_sorted(all, fwd, &n);
	for (size_t i = 0; i < n; i++) {
		const struct res_stream *s = &all->streams[refs[i].stream];
		const struct res_entry *en = &s->v[refs[i].entry];
		if (en->ts_ns == edge && result_holds(seen, &s->labels, en))
			continue;
		if (added == want) {
			struct res_limit *l = &r->limit;
			l->cut = true;
			l->layer = "client limit";
			l->limit = want;
			l->shown = added;
			l->at_least = added + 1;
			break;
		}
		res_stream_add(result_stream(r, &s->labels), en->ts_ns, en->line, en->len);
		added++;
	}
	free(refs);
	result_free(all);
	*out = r;
	return 0;
}

/* ---- incremental: a metric query kept up to date ---- */

struct local_inc {
	char *query;
	struct lq_cache *cache;
	uint64_t next;          /* first seq not fed yet */
	int64_t start;          /* range start of the last call */
	bool log;               /* a log query: no cache, evaluated whole */
};

struct local_inc *
local_inc_new(const char *query)
{
	struct local_inc *q = xcalloc(1, sizeof(*q));
	q->query = xstrdup(query);
	q->cache = lq_cache_new();
	if (!q->cache) {
		local_inc_free(q);
		return NULL;
	}
	/* Log queries (and queries that do not parse: the error comes
	 * from local_inc_eval) are evaluated whole. */
	struct arena a;
	arena_init(&a, 4096);
	struct lq_error e;
	const struct lq_expr *x = lq_parse(&a, query, strlen(query), &e);
	q->log = !x || x->kind == LQ_EXPR_LOG;
	arena_free(&a);
	return q;
}

void
local_inc_free(struct local_inc *q)
{
	if (!q)
		return;
	lq_cache_free(q->cache);
	free(q->query);
	free(q);
}

/* Runs the query with the cache over [q->next, stop). */
static int
inc_run(struct local_inc *q, const struct store *st, const struct lq_eval_params *p,
	uint64_t stop, bool only, struct lq_result **out, struct lq_error *err)
{
	if (p->start_ns < q->start) {
		lq_cache_reset(q->cache);
		q->next = 0;
	}
	q->start = p->start_ns;
	if (q->next < store_first_seq(st))
		q->next = store_first_seq(st);
	struct lq_eval_params cp = *p;
	cp.cache = q->cache;
	cp.cache_min_pos = store_first_seq(st);
	cp.cache_only = only;
	struct lq_result *r = NULL;
	int rc = query_seqs(st, q->query, &cp, q->next, stop, false, &r, err);
	if (rc == LX_ERANGE && q->next > store_first_seq(st)) {
		/* The range moved back (a smaller step aligns its start
		 * earlier): the cache was emptied; feed from the start. */
		q->next = store_first_seq(st);
		if (only)
			return 0;
		rc = query_seqs(st, q->query, &cp, q->next, stop, false, &r, err);
	}
	if (rc) {
		q->next = 0;    /* the cache was emptied: start over */
		return rc;
	}
	q->next = stop;
	if (out)
		*out = r;
	else
		lq_result_free(r);
	return 0;
}

int
local_inc_feed(struct local_inc *q, const struct store *st, const struct lq_eval_params *p,
	       uint64_t upto, size_t max_lines, struct lq_error *err)
{
	if (q->log)
		return 1;
	if (q->next < store_first_seq(st))
		q->next = store_first_seq(st);
	if (q->next >= upto)
		return 1;
	uint64_t stop = upto - q->next > max_lines ? q->next + max_lines : upto;
	int rc = inc_run(q, st, p, stop, true, NULL, err);
	return rc < 0 ? rc : q->next >= upto;
}

int
local_inc_eval(struct local_inc *q, const struct store *st, const struct lq_eval_params *p,
	       uint64_t upto, struct lq_result **out, struct lq_error *err)
{
	if (q->log)
		return query_seqs(st, q->query, p, 0, upto, p->direction == LQ_BACKWARD, out, err);
	return inc_run(q, st, p, upto, false, out, err);
}

size_t
local_inc_slice(size_t slice, int64_t dt_ns)
{
	if (dt_ns < 1000000 && slice < (1u << 17))
		return slice * 2;
	if (dt_ns > 3000000 && slice > 256)
		return slice / 2;
	return slice;
}

static void
to_labels(struct res_labels *dst, const struct lq_label *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		res_labels_set(dst, l[i].name, l[i].value);
}

struct result *
local_result(const struct lq_result *r)
{
	static const enum res_type types[] = {
		[LQ_RES_STREAMS] = RES_STREAMS, [LQ_RES_MATRIX] = RES_MATRIX,
		[LQ_RES_VECTOR] = RES_VECTOR, [LQ_RES_SCALAR] = RES_SCALAR,
	};
	struct result *out = result_new(types[r->type]);
	for (size_t i = 0; i < r->nstreams; i++) {
		struct res_labels l = { 0 };
		to_labels(&l, r->streams[i].labels, r->streams[i].nlabels);
		struct res_stream *s = result_stream(out, &l);
		for (size_t j = 0; j < r->streams[i].n; j++)
			res_stream_add(s, r->streams[i].entries[j].ts_ns, r->streams[i].entries[j].line,
				       r->streams[i].entries[j].len);
		res_labels_release(&l);
	}
	for (size_t i = 0; i < r->nseries; i++) {
		struct res_labels l = { 0 };
		to_labels(&l, r->series[i].labels, r->series[i].nlabels);
		struct res_series *s = result_series(out, &l);
		for (size_t j = 0; j < r->series[i].n; j++)
			res_series_add(s, r->series[i].points[j].t_ms, r->series[i].points[j].v);
		res_labels_release(&l);
	}
	out->scalar.ts_ms = r->scalar.t_ms;
	out->scalar.v = r->scalar.v;
	return out;
}

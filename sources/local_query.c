/*
 * sources/local_query.c: the store as an lq_source.  Walks candidate seqs
 * (an index list or a time range of the ring) and hands each line with
 * its labels to the evaluator.  Labels are rebuilt per line from the
 * record and a rescan of the line (hostname, service); nothing is kept.
 */
#include "sources/local_query.h"

#include <string.h>

#include "core/scan.h"

enum { L_LEVEL, L_AGENT, L_COMPONENT, L_CORR, L_HOST, L_SERVICE, L_FILE, L__N };

struct walk {
	const struct store *st;
	int64_t start, end;
	/* Either an index list, or the seq range [cur, stop). */
	const uint64_t *idx;
	size_t nidx, pos;
	uint64_t cur, stop;
	bool use_idx;
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
			w->pos = 0;
			w->use_idx = true;
			break;
		}
	/* Lines are mostly in time order: start a little before `start`. */
	w->cur = store_seek_time(st, start_ns - 60 * 1000000000LL);
	w->stop = store_next_seq(st);
	return 0;
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
	for (;;) {
		uint64_t seq;
		if (w->use_idx) {
			if (w->pos >= w->nidx)
				return 0;
			seq = w->idx[w->pos++];
		} else {
			if (w->cur >= w->stop)
				return 0;
			seq = w->cur++;
		}
		const struct log_rec *r = store_get(st, seq);
		if (!r || r->ts_ns < w->start || r->ts_ns > w->end)
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
		return 1;
	}
}

int
local_query(const struct store *st, const char *query, const struct lq_eval_params *p,
	    struct lq_result **out, struct lq_error *err)
{
	struct walk w = { .st = st };
	struct lq_source src = { .ud = &w, .open = walk_open, .next = walk_next };
	/* Step times as Loki's query frontend aligns them, so local numbers
	 * and Loki's agree point for point. */
	struct lq_eval_params ap = *p;
	ap.step_align = true;
	return lq_eval(query, &ap, &src, out, err);
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

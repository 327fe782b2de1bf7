/*
 * logql/lq_eval.c: evaluating parsed queries over a `struct lq_source`.
 *
 * Owns: reading the source once per log leaf (selector, then line filters
 * on raw bytes, then the rest of the pipeline), collecting log results
 * (limit, direction, stream order as Loki sorts them) and metric samples,
 * range windows (t - range, t] shifted by offset, steps start..end,
 * range and vector aggregations, binary operations with vector matching,
 * label_replace, and the result structures.  Per-line work lives in
 * lq_pipeline.c, JSON output in lq_result.c.
 */
#include "logql/lq_eval.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "logql/lq_pipeline.h"

/* ---- interned label sets ---- */

struct lset {
	struct lq_label *l;
	size_t n;
	const char *key;
	uint64_t hash;
	/* O(1) lookups: `slot` is valid while `gen` matches the current
	 * context's generation (leaf collection, grouping, matching);
	 * `mslot`/`mgen` is for assembling the matrix around them. */
	void *slot;
	unsigned gen;
	void *mslot;
	unsigned mgen;
};

struct smpl {
	int64_t ts;
	double v;
	uint64_t pos;            /* the entry's pos (for the cache) */
};

struct xseries {
	struct lset *ls;
	struct smpl *s;
	size_t n, cap;
};

struct leaf {
	const struct lq_expr *node;
	struct xseries **series;
	size_t nseries, cap;
	int64_t range_ns;
	int64_t from;            /* oldest sample time the leaf needs */
	int op;                  /* range op of the parent */
	const struct lq_grouping *grouping;
	unsigned gen;
};

struct vsample {
	struct lset *ls;
	double v;
};

struct vec {
	struct vsample *s;
	size_t n;
	bool scalar;
	double sv;
};

struct ev {
	struct arena a;
	const struct lq_eval_params *p;
	const struct lq_source *src;
	struct lq_error *err;
	const char *query;
	int rc;
	struct lset **tab;
	size_t tabcap, tabn;
	struct leaf *leaves;
	size_t nleaves;
	bool sortable;
	unsigned gen;
	uint64_t pos;            /* pos of the entry being scanned */
};

/* ---- the sample cache (lq_eval_params.cache) ---- */

struct cseries {
	struct lq_label *l;      /* owned copies, sorted as the lset's */
	size_t n;
	struct smpl *s;
	size_t ns, cap;
};

struct cleaf {
	struct cseries *ser;
	size_t nser;
	int64_t from;            /* oldest ts the samples cover */
};

struct lq_cache {
	char *query;
	struct cleaf *leaves;
	size_t nleaves;
};

struct lq_cache *
lq_cache_new(void)
{
	return calloc(1, sizeof(struct lq_cache));
}

static void
cseries_release(struct cseries *cs)
{
	for (size_t k = 0; k < cs->n; k++) {
		free((char *)cs->l[k].name);
		free((char *)cs->l[k].value);
	}
	free(cs->l);
	free(cs->s);
}

void
lq_cache_reset(struct lq_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nleaves; i++) {
		for (size_t j = 0; j < c->leaves[i].nser; j++)
			cseries_release(&c->leaves[i].ser[j]);
		free(c->leaves[i].ser);
	}
	free(c->leaves);
	free(c->query);
	memset(c, 0, sizeof(*c));
}

size_t
lq_cache_samples(const struct lq_cache *c)
{
	size_t n = 0;
	for (size_t i = 0; c && i < c->nleaves; i++)
		for (size_t j = 0; j < c->leaves[i].nser; j++)
			n += c->leaves[i].ser[j].ns;
	return n;
}

void
lq_cache_free(struct lq_cache *c)
{
	lq_cache_reset(c);
	free(c);
}

static int
evfail(struct ev *e, int code, const char *fmt, const char *arg)
{
	if (e->rc == 0) {
		e->rc = code;
		if (e->err) {
			memset(e->err, 0, sizeof(*e->err));
			e->err->code = code;
			e->err->line = 1;
			e->err->col = 1;
			e->err->len = 1;
			snprintf(e->err->msg, sizeof(e->err->msg), fmt, arg ? arg : "");
		}
	}
	return code;
}

static int
cmp_label(const void *a, const void *b)
{
	const struct lq_label *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static uint64_t
fnv_add(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;   /* a separator no string holds */
}

/* True when set `s` holds exactly the sorted labels l[0..n). */
static bool
same_labels(const struct lset *s, const struct lq_label *l, size_t n)
{
	if (s->n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s->l[i].name, l[i].name) || strcmp(s->l[i].value, l[i].value))
			return false;
	return true;
}

/*
 * Interns labels l[0..n) (any order; may be modified). NULL on OOM.
 * Called per line: the lookup hashes and compares the labels themselves;
 * the printed key is built only when a new set is stored.
 */
static void
sort_labels(struct lq_label *l, size_t n)
{
	if (n > 16) {
		sort_n(l, n, sizeof(*l), cmp_label);
		return;
	}
	/* Few labels: insertion sort, no call per comparison. */
	for (size_t i = 1; i < n; i++) {
		struct lq_label x = l[i];
		size_t j = i;
		while (j > 0 && strcmp(l[j - 1].name, x.name) > 0) {
			l[j] = l[j - 1];
			j--;
		}
		l[j] = x;
	}
}

static struct lset *
intern(struct ev *e, struct lq_label *l, size_t n)
{
	sort_labels(l, n);
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = fnv_add(fnv_add(h, l[i].name), l[i].value);
	if (e->tabn * 2 >= e->tabcap) {
		size_t nc = e->tabcap ? e->tabcap * 2 : 256;
		struct lset **nt = calloc(nc, sizeof(*nt));
		if (!nt)
			return NULL;
		for (size_t i = 0; i < e->tabcap; i++)
			if (e->tab[i]) {
				size_t j = e->tab[i]->hash & (nc - 1);
				while (nt[j])
					j = (j + 1) & (nc - 1);
				nt[j] = e->tab[i];
			}
		free(e->tab);
		e->tab = nt;
		e->tabcap = nc;
	}
	size_t j = h & (e->tabcap - 1);
	while (e->tab[j]) {
		if (e->tab[j]->hash == h && same_labels(e->tab[j], l, n))
			return e->tab[j];
		j = (j + 1) & (e->tabcap - 1);
	}
	struct sbuf k = SBUF_INIT;
	sbuf_addc(&k, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_adds(&k, ", ");
		sbuf_adds(&k, l[i].name);
		sbuf_addc(&k, '=');
		lq_quote(&k, l[i].value, strlen(l[i].value));
	}
	sbuf_addc(&k, '}');
	struct lset *s = arena_alloc(&e->a, sizeof(*s));
	struct lq_label *ll = s ? arena_alloc(&e->a, (n ? n : 1) * sizeof(*ll)) : NULL;
	char *key = ll ? arena_strndup(&e->a, k.buf, k.len) : NULL;
	sbuf_release(&k);
	if (!key)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		ll[i].name = arena_strndup(&e->a, l[i].name, strlen(l[i].name));
		ll[i].value = arena_strndup(&e->a, l[i].value, strlen(l[i].value));
		if (!ll[i].name || !ll[i].value)
			return NULL;
	}
	s->l = ll;
	s->n = n;
	s->key = key;
	s->hash = h;
	s->slot = s->mslot = NULL;
	s->gen = s->mgen = 0;
	e->tab[j] = s;
	e->tabn++;
	return s;
}

static int
labels_compare(const struct lset *a, const struct lset *b)
{
	size_t l = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < l; i++) {
		int c = strcmp(a->l[i].name, b->l[i].name);
		if (c)
			return c;
		c = strcmp(a->l[i].value, b->l[i].value);
		if (c)
			return c;
	}
	return (int)a->n - (int)b->n;
}

static const char *
lset_get(const struct lset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->l[i].name, name))
			return s->l[i].value;
	return NULL;
}

/* Labels kept by `by` (only those) or removed by `without`. */
static struct lset *
group_labels(struct ev *e, const struct lset *s, const struct lq_grouping *g)
{
	struct lq_label tmp[s->n ? s->n : 1];
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		bool listed = false;
		for (size_t k = 0; k < g->n; k++)
			if (!strcmp(g->labels[k], s->l[i].name))
				listed = true;
		if (listed != g->without)
			tmp[n++] = s->l[i];
	}
	return intern(e, tmp, n);
}

/* ---- reading the source ---- */

struct srcrun {
	struct ev *e;
	struct arena tmp;
	struct lq__lb lb;
	struct lq_label *sorted;
	size_t scap;
};

static const struct lq_label *
sort_stream(struct srcrun *r, const struct lq_entry *en)
{
	if (r->scap < en->nlabels) {
		size_t nc = en->nlabels + 16;
		struct lq_label *ns = realloc(r->sorted, nc * sizeof(*ns));
		if (!ns)
			return NULL;
		r->sorted = ns;
		r->scap = nc;
	}
	memcpy(r->sorted, en->labels, en->nlabels * sizeof(*en->labels));
	sort_labels(r->sorted, en->nlabels);
	return r->sorted;
}

/*
 * How one leaf reads the source.  All zero: every label, as written.
 * Parser hints (`need`) let json/logfmt extract less; `want` is what the
 * source is asked for; `proj` keeps only its labels before a line's
 * series is looked up (the grouping that follows merges the rest).
 */
struct plan {
	const struct lq_grouping *g;     /* range grouping, per line */
	const char **need;
	size_t nneed;
	const char **want;
	size_t nwant;
	const struct lq_grouping *proj;
};

/* scan() result: a pipeline error under `want`; run again with all labels
 * so the error names the whole stream. */
#define SCAN_AGAIN 1

typedef int (*entry_fn)(struct ev *e, void *ud, int64_t ts, struct lset *ls,
			const char *line, size_t len, double v);

/* Interns the labels of `lb` that grouping `g` keeps (a `by` list). */
static struct lset *
project(struct ev *e, const struct lq__lb *lb, const struct lq_grouping *g)
{
	struct lq_label tmp[g->n ? g->n : 1];
	size_t n = 0;
	for (size_t i = 0; i < lb->n && n < g->n; i++)
		for (size_t k = 0; k < g->n; k++)
			if (!strcmp(g->labels[k], lb->v[i].name)) {
				tmp[n++] = lb->v[i];
				break;
			}
	return intern(e, tmp, n);
}

/* Whether the pipeline makes labels or line text out of the line. */
static bool
derives_text(const struct lq_expr *log)
{
	if (log->unwrap)
		return true;
	for (size_t i = 0; i < log->nstages; i++)
		switch (log->stages[i].kind) {
		case LQ_ST_JSON: case LQ_ST_LOGFMT: case LQ_ST_REGEXP: case LQ_ST_PATTERN:
		case LQ_ST_UNPACK: case LQ_ST_LINE_FORMAT: case LQ_ST_LABEL_FORMAT:
			return true;
		default:
			break;
		}
	return false;
}

/*
 * Runs one log leaf over the source: entries with from <= ts <= to (ns,
 * inclusive; callers narrow further), stream selector, cheap filters,
 * pipeline, optional unwrap; calls fn for each kept line.
 */
static int
scan(struct ev *e, const struct lq_expr *log, int64_t from, int64_t to,
     bool metric, int value_kind, const struct plan *pl, entry_fn fn, void *ud)
{
	struct srcrun r;
	memset(&r, 0, sizeof(r));
	r.e = e;
	arena_init(&r.tmp, 16384);
	if (e->src->want)
		e->src->want(e->src->ud, pl->want, pl->nwant);
	size_t (*mask)(const char *, size_t, char *) = derives_text(log) ? e->p->mask : NULL;
	char *masked = NULL;
	size_t mcap = 0;
	int rc = e->src->open ? e->src->open(e->src->ud, from, to, &log->sel) : 0;
	if (rc < 0)
		return evfail(e, rc, "source error: %s", err_str(rc));
	for (;;) {
		struct lq_entry en;
		rc = e->src->next(e->src->ud, &en);
		if (rc <= 0)
			break;
		if (en.ts_ns < from || en.ts_ns > to)
			continue;
		e->pos = en.pos;
		if (!lq__selector_match(&log->sel, en.labels, en.nlabels))
			continue;
		if (mask) {
			if (mcap < en.len + 1) {
				char *nm = realloc(masked, en.len + 1);
				if (!nm) {
					rc = LX_ENOMEM;
					break;
				}
				masked = nm;
				mcap = en.len + 1;
			}
			en.len = mask(en.line, en.len, masked);
			en.line = masked;
		}
		if (!lq__line_filters_pass(log, en.line, en.len))
			continue;
		arena_reset(&r.tmp);
		const struct lq_label *base = sort_stream(&r, &en);
		if (!base) {
			rc = LX_ENOMEM;
			break;
		}
		lq__lb_reset(&r.lb, &r.tmp, base, en.nlabels);
		r.lb.need = pl->need;
		r.lb.nneed = pl->nneed;
		const char *line = en.line;
		size_t len = en.len;
		if (!lq__pipeline_run(log, en.ts_ns, &r.lb, &line, &len)) {
			if (r.lb.oom) {
				rc = LX_ENOMEM;
				break;
			}
			continue;
		}
		double v = 1;
		if (metric) {
			if (log->unwrap) {
				if (!lq__unwrap(log->unwrap, en.ts_ns, &r.lb, line, len, &v))
					continue;
			} else if (value_kind == 1) {
				v = (double)len;
			}
			if (lq__lb_has_err(&r.lb)) {
				if (pl->want) {
					rc = SCAN_AGAIN;
					break;
				}
				struct lset *ls = intern(e, r.lb.v, r.lb.n);
				rc = evfail(e, LX_EPARSE,
					    "pipeline error: '%s'. Use a label filter to skip it (e.g. | __error__=\"\")",
					    ls ? ls->key : "");
				break;
			}
		}
		struct lset *ls;
		if (pl->proj)
			ls = project(e, &r.lb, pl->proj);
		else if ((ls = intern(e, r.lb.v, r.lb.n)) && pl->g)
			ls = group_labels(e, ls, pl->g);
		if (!ls) {
			rc = LX_ENOMEM;
			break;
		}
		rc = fn(e, ud, en.ts_ns, ls, line, len, v);
		if (rc < 0)
			break;
	}
	if (e->src->close)
		e->src->close(e->src->ud);
	arena_free(&r.tmp);
	free(r.lb.v);
	free(r.sorted);
	free(masked);
	if (rc < 0)
		return evfail(e, rc, "%s", err_str(rc));
	return rc == SCAN_AGAIN ? SCAN_AGAIN : 0;
}

/* ---- log queries ---- */

struct lentry {
	int64_t ts;
	int64_t order;           /* ts, or -ts for backward queries */
	struct lset *ls;
	const char *line;
	size_t len;
	size_t seq;
	bool desc_streams;       /* streams in descending label order */
};

struct logacc {
	struct lentry *v;
	size_t n, cap;
	size_t count;            /* entries handed so far */
	size_t limit;
	bool forward;
	bool floored;            /* BACKWARD: entries older than floor_ts */
	int64_t floor_ts;        /* cannot be answered any more */
};

static int cmp_entry(const void *a, const void *b);

static int
log_cb(struct ev *e, void *ud, int64_t ts, struct lset *ls, const char *line,
       size_t len, double v)
{
	(void)v;
	struct logacc *acc = ud;
	/* BACKWARD: only the newest `limit` can be answered; keep at most
	 * twice that, and tell the source older entries are not needed. */
	if (!acc->forward && acc->n == 2 * acc->limit) {
		sort_n(acc->v, acc->n, sizeof(*acc->v), cmp_entry);
		acc->n = acc->limit;
		acc->floored = true;
		acc->floor_ts = acc->v[acc->n - 1].ts;
		if (e->src->floor)
			e->src->floor(e->src->ud, acc->floor_ts);
	}
	if (acc->floored && ts < acc->floor_ts)
		return 0;
	if (acc->n == acc->cap) {
		size_t nc = acc->cap ? acc->cap * 2 : 256;
		struct lentry *nv = realloc(acc->v, nc * sizeof(*nv));
		if (!nv)
			return LX_ENOMEM;
		acc->v = nv;
		acc->cap = nc;
	}
	char *copy = arena_strndup(&e->a, line, len);
	if (!copy)
		return LX_ENOMEM;
	/* Ties in input order, as if handed forward. */
	size_t seq = e->src->backward ? SIZE_MAX - acc->count : acc->count;
	acc->count++;
	acc->v[acc->n++] = (struct lentry){ ts, acc->forward ? ts : -ts, ls, copy, len, seq, false };
	return 0;
}

/* Newest (or oldest) first over all streams; ties by stream, then input. */
static int
cmp_entry(const void *a, const void *b)
{
	const struct lentry *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	int c = strcmp(x->ls->key, y->ls->key);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Grouped by stream (in Loki's stream order), entries in query order. */
static int
cmp_lentry_stream(const void *a, const void *b)
{
	const struct lentry *x = a, *y = b;
	int c = strcmp(x->ls->key, y->ls->key);
	if (c)
		return x->desc_streams ? -c : c;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
copy_labels(struct lq_result *res, const struct lset *s, struct lq_label **out, size_t *n)
{
	*out = arena_alloc(&res->a, (s->n ? s->n : 1) * sizeof(**out));
	*n = 0;
	if (!*out)
		return;
	for (size_t i = 0; i < s->n; i++) {
		(*out)[i].name = arena_strndup(&res->a, s->l[i].name, strlen(s->l[i].name));
		(*out)[i].value = arena_strndup(&res->a, s->l[i].value, strlen(s->l[i].value));
	}
	*n = s->n;
}

static int
eval_log(struct ev *e, const struct lq_expr *q, struct lq_result *res)
{
	bool forward = e->p->direction == LQ_FORWARD;
	size_t limit = e->p->limit ? e->p->limit : 100;
	struct logacc acc = { .limit = limit, .forward = forward };
	int64_t end = e->p->end_ns;
	int64_t start = e->p->instant ? end : e->p->start_ns;
	/* log queries: start <= ts < end (Loki excludes the end); an instant
	 * log query covers [time - 30s, time), as Loki 2.8 answers /query */
	if (e->p->instant)
		start = end - 30 * 1000000000LL;
	static const struct plan all;
	if (scan(e, q, start, end - 1, false, 0, &all, log_cb, &acc) < 0) {
		free(acc.v);
		return -1;
	}
	sort_n(acc.v, acc.n, sizeof(*acc.v), cmp_entry);
	if (acc.n > limit)
		acc.n = limit;
	int64_t split = e->p->split_ns ? e->p->split_ns : 30 * 60 * 1000000000LL;
	bool merged = split > 0 && !e->p->instant && start / split != (end - 1) / split;
	for (size_t i = 0; i < acc.n; i++)
		acc.v[i].desc_streams = merged && !forward;
	sort_n(acc.v, acc.n, sizeof(*acc.v), cmp_lentry_stream);
	res->type = LQ_RES_STREAMS;
	size_t ns = 0;
	for (size_t i = 0; i < acc.n; i++)
		if (i == 0 || acc.v[i].ls != acc.v[i - 1].ls)
			ns++;
	res->streams = arena_calloc(&res->a, (ns ? ns : 1) * sizeof(*res->streams));
	if (!res->streams) {
		free(acc.v);
		return evfail(e, LX_ENOMEM, "out of memory", NULL);
	}
	size_t i = 0;
	while (i < acc.n) {
		size_t j = i;
		while (j < acc.n && acc.v[j].ls == acc.v[i].ls)
			j++;
		struct lq_stream *st = &res->streams[res->nstreams++];
		copy_labels(res, acc.v[i].ls, &st->labels, &st->nlabels);
		st->entries = arena_alloc(&res->a, (j - i) * sizeof(*st->entries));
		if (!st->entries) {
			free(acc.v);
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		}
		for (size_t k = i; k < j; k++) {
			struct lq_log_entry *le = &st->entries[st->n++];
			le->ts_ns = acc.v[k].ts;
			le->line = arena_strndup(&res->a, acc.v[k].line, acc.v[k].len);
			le->len = acc.v[k].len;
		}
		i = j;
	}
	free(acc.v);
	return 0;
}

/* ---- metric samples ---- */

/* The leaf's series for label set `ls` (created when new). */
static struct xseries *
leaf_series(struct ev *e, struct leaf *lf, struct lset *ls)
{
	struct xseries *x = ls->gen == lf->gen ? ls->slot : NULL;
	if (x)
		return x;
	if (lf->nseries == lf->cap) {
		size_t nc = lf->cap ? lf->cap * 2 : 16;
		struct xseries **n = realloc(lf->series, nc * sizeof(*n));
		if (!n)
			return NULL;
		lf->series = n;
		lf->cap = nc;
	}
	x = arena_calloc(&e->a, sizeof(*x));
	if (!x)
		return NULL;
	x->ls = ls;
	lf->series[lf->nseries++] = x;
	ls->slot = x;
	ls->gen = lf->gen;
	return x;
}

static int
sample_cb(struct ev *e, void *ud, int64_t ts, struct lset *ls, const char *line,
	  size_t len, double v)
{
	(void)line;
	(void)len;
	struct xseries *x = leaf_series(e, ud, ls);
	if (!x)
		return LX_ENOMEM;
	if (x->n == x->cap) {
		size_t nc = x->cap ? x->cap * 2 : 64;
		struct smpl *n = realloc(x->s, nc * sizeof(*n));
		if (!n)
			return LX_ENOMEM;
		x->s = n;
		x->cap = nc;
	}
	x->s[x->n++] = (struct smpl){ ts, v, e->pos };
	return 0;
}

static int
cmp_smpl(const void *a, const void *b)
{
	const struct smpl *x = a, *y = b;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static bool
sorted_smpl(const struct smpl *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (s[i].ts < s[i - 1].ts)
			return false;
	return true;
}

/* Moves leaf `idx`'s cached samples that are still needed into `lf`. */
static int
cache_take(struct ev *e, struct leaf *lf, size_t idx)
{
	struct lq_cache *c = e->p->cache;
	if (idx >= c->nleaves)
		return 0;
	struct cleaf *cl = &c->leaves[idx];
	if (cl->nser && lf->from < cl->from)
		return evfail(e, LX_ERANGE, "the range starts before the cached samples", NULL);
	for (size_t j = 0; j < cl->nser; j++) {
		struct cseries *cs = &cl->ser[j];
		struct lq_label tmp[cs->n ? cs->n : 1];
		memcpy(tmp, cs->l, cs->n * sizeof(tmp[0]));
		struct lset *ls = intern(e, tmp, cs->n);
		struct xseries *x = ls ? leaf_series(e, lf, ls) : NULL;
		if (!x)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		size_t k = 0;
		for (size_t i = 0; i < cs->ns; i++)
			if (cs->s[i].ts >= lf->from && cs->s[i].pos >= e->p->cache_min_pos)
				cs->s[k++] = cs->s[i];
		free(x->s);
		x->s = cs->s;
		x->n = k;
		x->cap = cs->cap;
		cs->s = NULL;
		cs->ns = cs->cap = 0;
	}
	return 0;
}

/* Moves every leaf's samples into the cache, for the next call. */
static int
cache_store(struct ev *e)
{
	struct lq_cache *c = e->p->cache;
	char *query = c->query;
	c->query = NULL;
	lq_cache_reset(c);
	c->query = query;
	c->leaves = calloc(e->nleaves ? e->nleaves : 1, sizeof(*c->leaves));
	if (!c->leaves)
		return LX_ENOMEM;
	c->nleaves = e->nleaves;
	for (size_t i = 0; i < e->nleaves; i++) {
		struct leaf *lf = &e->leaves[i];
		struct cleaf *cl = &c->leaves[i];
		cl->from = lf->from;
		cl->ser = calloc(lf->nseries ? lf->nseries : 1, sizeof(*cl->ser));
		if (!cl->ser)
			return LX_ENOMEM;
		for (size_t j = 0; j < lf->nseries; j++) {
			struct xseries *x = lf->series[j];
			if (!x->n)
				continue;
			struct cseries *cs = &cl->ser[cl->nser++];
			cs->l = calloc(x->ls->n ? x->ls->n : 1, sizeof(*cs->l));
			if (!cs->l)
				return LX_ENOMEM;
			for (size_t k = 0; k < x->ls->n; k++, cs->n++) {
				cs->l[k].name = strdup(x->ls->l[k].name);
				cs->l[k].value = strdup(x->ls->l[k].value);
				if (!cs->l[k].name || !cs->l[k].value) {
					cs->n++;
					return LX_ENOMEM;
				}
			}
			cs->s = x->s;
			cs->ns = x->n;
			cs->cap = x->cap;
			x->s = NULL;
		}
	}
	return 0;
}

static bool
range_grouped(int op)
{
	return op == LQ_R_AVG_OVER_TIME || op == LQ_R_STDDEV_OVER_TIME ||
	       op == LQ_R_STDVAR_OVER_TIME || op == LQ_R_QUANTILE_OVER_TIME ||
	       op == LQ_R_MAX_OVER_TIME || op == LQ_R_MIN_OVER_TIME ||
	       op == LQ_R_FIRST_OVER_TIME || op == LQ_R_LAST_OVER_TIME;
}

/* ---- parser hints ---- */

struct names {
	const char **v;
	size_t n, cap;
	bool oom;
};

static void
names_add(struct ev *e, struct names *nm, const char *s)
{
	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], s))
			return;
	if (nm->n == nm->cap) {
		size_t nc = nm->cap ? nm->cap * 2 : 16;
		const char **nv = arena_alloc(&e->a, nc * sizeof(*nv));
		if (!nv) {
			nm->oom = true;
			return;
		}
		if (nm->n)
			memcpy(nv, nm->v, nm->n * sizeof(*nv));
		nm->v = nv;
		nm->cap = nc;
	}
	nm->v[nm->n++] = s;
}

static void
filter_names(struct ev *e, struct names *nm, const struct lq_label_filter *f)
{
	switch (f->kind) {
	case LQ_LF_AND:
	case LQ_LF_OR:
		filter_names(e, nm, f->l);
		filter_names(e, nm, f->r);
		break;
	case LQ_LF_STRING:
		names_add(e, nm, f->m.name);
		break;
	default:
		names_add(e, nm, f->name);
	}
}

/*
 * The labels a range aggregation's pipeline must extract, when the
 * grouping applied to its output keeps only some (Loki's parser hints).
 * Only where merging series early cannot change the result: a grouping
 * on the range function itself (it merges anyway), or an outer `sum`
 * over an additive function.  Returns false when every label may matter.
 * Sets *merge to the grouping when series may also be merged before the
 * range function: the grouping is the range function's own, or the
 * values are counts (integers add exactly in any order; a sum of rates
 * would round differently from the rate of the merged series).
 */
static bool
hints(struct ev *e, const struct lq_expr *x, const struct lq_expr *parent,
      struct names *nm, const struct lq_grouping **merge)
{
	const struct lq_grouping *g = NULL;
	static const struct lq_grouping none = { true, false, NULL, 0 };
	if (x->grouping.present && range_grouped(x->op)) {
		g = &x->grouping;
	} else if (parent && parent->kind == LQ_EXPR_VEC_AGG && parent->inner == x &&
		   parent->op == LQ_V_SUM &&
		   (x->op == LQ_R_COUNT_OVER_TIME || x->op == LQ_R_RATE ||
		    x->op == LQ_R_BYTES_OVER_TIME || x->op == LQ_R_BYTES_RATE ||
		    x->op == LQ_R_SUM_OVER_TIME)) {
		/* sum of per-series sums equals the sum over merged series */
		g = parent->grouping.present ? &parent->grouping : &none;
	}
	if (!g || g->without)
		return false;
	/* Merging series before the range function is exact for counts and
	 * bytes under sum, or under the range's own grouping; for the rest
	 * (rates) it only rounds differently, which cached dashboard panels
	 * accept to keep a few series instead of one per stream. */
	if (e->p->cache || g == &x->grouping || x->op == LQ_R_COUNT_OVER_TIME || x->op == LQ_R_BYTES_OVER_TIME)
		*merge = g;
	const struct lq_expr *lr = x->inner;
	for (size_t i = 0; i < g->n; i++)
		names_add(e, nm, g->labels[i]);
	for (size_t i = 0; i < lr->nstages; i++) {
		const struct lq_stage *st = &lr->stages[i];
		if (st->kind == LQ_ST_LABEL_FORMAT || st->kind == LQ_ST_LINE_FORMAT)
			return false;
		if (st->kind == LQ_ST_LABEL_FILTER)
			filter_names(e, nm, st->filter);
	}
	if (lr->unwrap) {
		names_add(e, nm, lr->unwrap->label);
		for (size_t i = 0; i < lr->unwrap->npost; i++)
			filter_names(e, nm, lr->unwrap->post[i]);
	}
	return !nm->oom;
}

/* Finds range aggregations and extracts their samples once. */
static int
collect_leaves(struct ev *e, const struct lq_expr *x, const struct lq_expr *parent,
	       int64_t first, int64_t last)
{
	switch (x->kind) {
	case LQ_EXPR_RANGE_AGG: {
		const struct lq_expr *lr = x->inner;
		struct leaf *nl = realloc(e->leaves, (e->nleaves + 1) * sizeof(*nl));
		if (!nl)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		e->leaves = nl;
		struct leaf *lf = &e->leaves[e->nleaves++];
		memset(lf, 0, sizeof(*lf));
		lf->node = x;
		lf->op = x->op;
		lf->range_ns = lr->range_ms * 1000000;
		lf->grouping = x->grouping.present && range_grouped(x->op) ? &x->grouping : NULL;
		int kind = (x->op == LQ_R_BYTES_OVER_TIME || x->op == LQ_R_BYTES_RATE) ? 1 : 0;
		int64_t from = first - lf->range_ns - lr->offset_ns + 1;
		int64_t to = last - lr->offset_ns;
		size_t idx = e->nleaves - 1;
		lf->gen = ++e->gen;
		lf->from = from;
		if (e->p->cache) {
			/* Cached samples, then only what the source hands now,
			 * however new (a later call's range may need it). */
			if (cache_take(e, lf, idx) < 0)
				return -1;
			to = INT64_MAX;
		}
		struct plan pl = { .g = lf->grouping };
		struct names nm = { 0 }, want = { 0 };
		const struct lq_grouping *hg = NULL;
		static const char *nothing[1];
		if (!getenv("LQ_NO_HINTS") && hints(e, x, parent, &nm, &hg)) {
			pl.need = nm.v ? nm.v : nothing;
			pl.nneed = nm.n;
			/* The stream labels that matter: the selector's, the
			 * hinted ones, and X for X_extracted (a parser names
			 * a label so only when the stream has X). */
			for (size_t i = 0; i < lr->sel.n; i++)
				names_add(e, &want, lr->sel.m[i].name);
			for (size_t i = 0; i < nm.n; i++) {
				names_add(e, &want, nm.v[i]);
				size_t l = strlen(nm.v[i]), sl = strlen("_extracted");
				if (l > sl && !strcmp(nm.v[i] + l - sl, "_extracted")) {
					char *base = arena_strndup(&e->a, nm.v[i], l - sl);
					if (base)
						names_add(e, &want, base);
					else
						want.oom = true;
				}
			}
			if (hg && !want.oom && !getenv("LQ_NO_WANT")) {
				pl.want = want.v ? want.v : nothing;
				pl.nwant = want.n;
				pl.proj = hg;
			}
		}
		/* Cached samples are merged by the grouping applied to them
		 * (see hints()): a few series to keep, not one per stream. */
		if (e->p->cache && hg && !pl.g && !pl.proj)
			pl.g = hg;
		int rc = scan(e, lr, from, to, true, kind, &pl, sample_cb, lf);
		lf = &e->leaves[idx];
		if (rc == SCAN_AGAIN) {
			for (size_t i = 0; i < lf->nseries; i++)
				free(lf->series[i]->s);
			lf->nseries = 0;
			lf->gen = ++e->gen;
			pl.want = NULL;
			pl.nwant = 0;
			rc = scan(e, lr, from, to, true, kind, &pl, sample_cb, lf);
			lf = &e->leaves[idx];
		}
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < lf->nseries; i++)
			if (!sorted_smpl(lf->series[i]->s, lf->series[i]->n))
				sort_n(lf->series[i]->s, lf->series[i]->n, sizeof(struct smpl), cmp_smpl);
		return 0;
	}
	case LQ_EXPR_VEC_AGG:
	case LQ_EXPR_LABEL_REPLACE:
		if (x->kind == LQ_EXPR_VEC_AGG && (x->op == LQ_V_SORT || x->op == LQ_V_SORT_DESC))
			e->sortable = true;
		return collect_leaves(e, x->inner, x, first, last);
	case LQ_EXPR_BINOP:
		if (collect_leaves(e, x->lhs, x, first, last) < 0)
			return -1;
		return collect_leaves(e, x->rhs, x, first, last);
	default:
		return 0;
	}
}

static struct leaf *
leaf_of(struct ev *e, const struct lq_expr *x)
{
	for (size_t i = 0; i < e->nleaves; i++)
		if (e->leaves[i].node == x)
			return &e->leaves[i];
	return NULL;
}

/* ---- range functions ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
quantile(double q, double *v, size_t n)
{
	if (n == 0)
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	sort_n(v, n, sizeof(*v), cmp_double);
	double rank = q * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	size_t hi = lo + 1 < n ? lo + 1 : n - 1;
	double w = rank - floor(rank);
	return v[lo] * (1 - w) + v[hi] * w;
}

/*
 * rate_counter: Loki 2.8's copy of Prometheus' extrapolatedRate (counter,
 * rate).  Fewer than two samples give 0.  The range is measured from the
 * samples themselves (first - range .. last), and Loki's points carry
 * nanosecond times while the range is subtracted in milliseconds; the
 * arithmetic below keeps those units so the values agree with Loki.
 */
static double
counter_rate(const struct smpl *s, size_t n, int64_t range)
{
	if (n < 2)
		return 0;
	int64_t t0 = s[0].ts, tn = s[n - 1].ts;
	int64_t rstart = t0 - range / 1000000, rend = tn;   /* integer math, as Loki */
	double result = s[n - 1].v - s[0].v;
	double prev = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].v < prev)
			result += prev;
		prev = s[i].v;
	}
	double dstart = (double)(t0 - rstart) / 1000;
	double dend = (double)(rend - tn) / 1000;
	double sampled = (double)(tn - t0) / 1000;
	double avg = sampled / (double)(n - 1);
	if (result > 0 && s[0].v >= 0) {
		double zero = sampled * (s[0].v / result);
		if (zero < dstart)
			dstart = zero;
	}
	double thr = avg * 1.1;
	double ext = sampled;
	ext += dstart < thr ? dstart : avg / 2;
	ext += dend < thr ? dend : avg / 2;
	result = result * (ext / sampled);
	return result / ((double)range / 1e9);
}

static double
range_fn(const struct lq_expr *x, const struct leaf *lf, const struct smpl *s, size_t n,
	 struct ev *e)
{
	double secs = (double)lf->range_ns / 1e9;
	switch (x->op) {
	case LQ_R_COUNT_OVER_TIME:
		return (double)n;
	case LQ_R_RATE: {
		if (!x->inner->unwrap)
			return (double)n / secs;
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += s[i].v;
		return sum / secs;
	}
	case LQ_R_BYTES_OVER_TIME:
	case LQ_R_SUM_OVER_TIME:
	case LQ_R_BYTES_RATE: {
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += s[i].v;
		return x->op == LQ_R_BYTES_RATE ? sum / secs : sum;
	}
	case LQ_R_AVG_OVER_TIME: {
		double mean = 0, cnt = 0;
		for (size_t i = 0; i < n; i++) {
			cnt++;
			if (isinf(mean)) {
				if (isinf(s[i].v) && (mean > 0) == (s[i].v > 0))
					continue;
				if (!isinf(s[i].v) && !isnan(s[i].v))
					continue;
			}
			mean += s[i].v / cnt - mean / cnt;
		}
		return mean;
	}
	case LQ_R_MIN_OVER_TIME:
	case LQ_R_MAX_OVER_TIME: {
		double m = s[0].v;
		for (size_t i = 1; i < n; i++)
			if (x->op == LQ_R_MAX_OVER_TIME ? (s[i].v > m || isnan(m)) :
			    (s[i].v < m || isnan(m)))
				m = s[i].v;
		return m;
	}
	case LQ_R_STDVAR_OVER_TIME:
	case LQ_R_STDDEV_OVER_TIME: {
		double mean = 0, aux = 0, cnt = 0;
		for (size_t i = 0; i < n; i++) {
			cnt++;
			double d = s[i].v - mean;
			mean += d / cnt;
			aux += d * (s[i].v - mean);
		}
		double var = aux / cnt;
		return x->op == LQ_R_STDDEV_OVER_TIME ? sqrt(var) : var;
	}
	case LQ_R_QUANTILE_OVER_TIME: {
		double *v = arena_alloc(&e->a, n * sizeof(*v));
		if (!v)
			return NAN;
		for (size_t i = 0; i < n; i++)
			v[i] = s[i].v;
		return quantile(x->param, v, n);
	}
	case LQ_R_FIRST_OVER_TIME:
		return s[0].v;
	case LQ_R_LAST_OVER_TIME:
		return s[n - 1].v;
	case LQ_R_RATE_COUNTER:
		return counter_rate(s, n, lf->range_ns);
	case LQ_R_ABSENT_OVER_TIME:
		return 1;
	}
	return NAN;
}

static size_t
lower_bound(const struct smpl *s, size_t n, int64_t ts)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s[mid].ts < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
vpush(struct ev *e, struct vec *v, size_t *cap, struct lset *ls, double val)
{
	if (v->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct vsample *ns = arena_alloc(&e->a, nc * sizeof(*ns));
		if (!ns)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		if (v->n)
			memcpy(ns, v->s, v->n * sizeof(*ns));
		v->s = ns;
		*cap = nc;
	}
	v->s[v->n].ls = ls;
	v->s[v->n].v = val;
	v->n++;
	return 0;
}

static int eval_at(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out);

static int
eval_range(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out)
{
	const struct leaf *lf = leaf_of(e, x);
	size_t cap = 0;
	int64_t wend = t - x->inner->offset_ns;
	int64_t wstart = wend - lf->range_ns;   /* exclusive */
	bool any = false;
	for (size_t i = 0; i < lf->nseries; i++) {
		const struct xseries *xs = lf->series[i];
		size_t a = lower_bound(xs->s, xs->n, wstart + 1);
		size_t b = lower_bound(xs->s, xs->n, wend + 1);
		if (b <= a)
			continue;
		any = true;
		if (x->op == LQ_R_ABSENT_OVER_TIME)
			continue;
		double v = range_fn(x, lf, xs->s + a, b - a, e);
		if (vpush(e, out, &cap, xs->ls, v) < 0)
			return -1;
	}
	if (x->op == LQ_R_ABSENT_OVER_TIME && !any) {
		const struct lq_selector *sel = &x->inner->sel;
		struct lq_label tmp[sel->n ? sel->n : 1];
		size_t n = 0;
		for (size_t i = 0; i < sel->n; i++) {
			if (sel->m[i].op != LQ_EQ)
				continue;
			bool dup = false;
			for (size_t k = 0; k < n; k++)
				if (!strcmp(tmp[k].name, sel->m[i].name))
					dup = true;
			if (!dup)
				tmp[n++] = (struct lq_label){ sel->m[i].name, sel->m[i].value };
		}
		struct lset *ls = intern(e, tmp, n);
		if (!ls || vpush(e, out, &cap, ls, 1) < 0)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
	}
	return 0;
}

/* ---- vector aggregation ---- */

struct group {
	struct lset *ls;
	double value, mean;
	double count;
	struct vsample *members;
	size_t nm, cap;
};

/* By value (NaN last), ties by label string so results are stable. */
static int
cmp_vs_desc(const void *a, const void *b)
{
	const struct vsample *x = a, *y = b;
	if (isnan(x->v) || isnan(y->v)) {
		if (isnan(x->v) != isnan(y->v))
			return isnan(x->v) ? 1 : -1;
	} else if (x->v != y->v) {
		return x->v > y->v ? -1 : 1;
	}
	return strcmp(x->ls->key, y->ls->key);
}

static int
cmp_vs_asc(const void *a, const void *b)
{
	const struct vsample *x = a, *y = b;
	if (isnan(x->v) || isnan(y->v)) {
		if (isnan(x->v) != isnan(y->v))
			return isnan(x->v) ? 1 : -1;
	} else if (x->v != y->v) {
		return x->v < y->v ? -1 : 1;
	}
	return strcmp(x->ls->key, y->ls->key);
}

static int
eval_vec(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out)
{
	struct vec in = { 0 };
	if (eval_at(e, x->inner, t, &in) < 0)
		return -1;
	size_t cap = 0;
	if (x->op == LQ_V_SORT || x->op == LQ_V_SORT_DESC) {
		*out = in;
		sort_n(out->s, out->n, sizeof(*out->s),
		      x->op == LQ_V_SORT ? cmp_vs_asc : cmp_vs_desc);
		return 0;
	}
	static const struct lq_grouping none = { true, false, NULL, 0 };
	const struct lq_grouping *g = x->grouping.present ? &x->grouping : &none;
	struct group *gs = NULL;
	size_t ng = 0, gcap = 0;
	unsigned gen = ++e->gen;
	for (size_t i = 0; i < in.n; i++) {
		struct lset *gl = group_labels(e, in.s[i].ls, g);
		if (!gl)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		size_t k = gl->gen == gen ? (size_t)(uintptr_t)gl->slot : ng;
		if (k == ng) {
			if (ng == gcap) {
				size_t nc = gcap ? gcap * 2 : 16;
				struct group *n2 = arena_alloc(&e->a, nc * sizeof(*n2));
				if (!n2)
					return evfail(e, LX_ENOMEM, "out of memory", NULL);
				if (ng)
					memcpy(n2, gs, ng * sizeof(*gs));
				gs = n2;
				gcap = nc;
			}
			gl->gen = gen;
			gl->slot = (void *)(uintptr_t)ng;
			memset(&gs[ng], 0, sizeof(gs[0]));
			gs[ng].ls = gl;
			gs[ng].value = in.s[i].v;
			gs[ng].mean = in.s[i].v;
			ng++;
			if (x->op == LQ_V_STDDEV || x->op == LQ_V_STDVAR) {
				gs[k].value = 0;
				gs[k].mean = 0;
			}
		}
		struct group *gr = &gs[k];
		double v = in.s[i].v;
		bool first = gr->count == 0;
		gr->count++;
		switch (x->op) {
		case LQ_V_SUM:
			if (!first)
				gr->value += v;
			break;
		case LQ_V_AVG:
			if (!first)
				gr->mean += v / gr->count - gr->mean / gr->count;
			break;
		case LQ_V_MAX:
			if (v > gr->value || isnan(gr->value))
				gr->value = v;
			break;
		case LQ_V_MIN:
			if (v < gr->value || isnan(gr->value))
				gr->value = v;
			break;
		case LQ_V_COUNT:
			break;
		case LQ_V_STDDEV:
		case LQ_V_STDVAR: {
			double d = v - gr->mean;
			gr->mean += d / gr->count;
			gr->value += d * (v - gr->mean);
			break;
		}
		case LQ_V_TOPK:
		case LQ_V_BOTTOMK:
		case LQ_V_APPROX_TOPK:
			if (gr->nm == gr->cap) {
				size_t nc = gr->cap ? gr->cap * 2 : 8;
				struct vsample *nm = arena_alloc(&e->a, nc * sizeof(*nm));
				if (!nm)
					return evfail(e, LX_ENOMEM, "out of memory", NULL);
				if (gr->nm)
					memcpy(nm, gr->members, gr->nm * sizeof(*nm));
				gr->members = nm;
				gr->cap = nc;
			}
			gr->members[gr->nm++] = in.s[i];
			break;
		}
	}
	for (size_t k = 0; k < ng; k++) {
		struct group *gr = &gs[k];
		double v = gr->value;
		switch (x->op) {
		case LQ_V_AVG: v = gr->mean; break;
		case LQ_V_COUNT: v = gr->count; break;
		case LQ_V_STDVAR: v = gr->value / gr->count; break;
		case LQ_V_STDDEV: v = sqrt(gr->value / gr->count); break;
		case LQ_V_TOPK:
		case LQ_V_BOTTOMK:
		case LQ_V_APPROX_TOPK: {
			sort_n(gr->members, gr->nm, sizeof(*gr->members),
			      x->op == LQ_V_BOTTOMK ? cmp_vs_asc : cmp_vs_desc);
			size_t kk = (size_t)x->param;
			for (size_t m = 0; m < gr->nm && m < kk; m++)
				if (vpush(e, out, &cap, gr->members[m].ls, gr->members[m].v) < 0)
					return -1;
			continue;
		}
		default: break;
		}
		if (vpush(e, out, &cap, gr->ls, v) < 0)
			return -1;
	}
	return 0;
}

/* ---- binary operations ---- */

static bool
is_cmp_op(int op)
{
	return op >= LQ_B_EQ && op <= LQ_B_LTE;
}

/* Signature labels for matching: on(...) keeps, ignoring(...) drops. */
static struct lset *
match_sig(struct ev *e, const struct lq_expr *x, const struct lset *s)
{
	struct lq_grouping g = { true, !x->on, x->match_labels, x->nmatch };
	if (!x->has_matching) {
		g.without = true;
		g.n = 0;
	}
	return group_labels(e, s, &g);
}

static struct lset *
result_labels(struct ev *e, const struct lq_expr *x, const struct lset *l,
	      const struct lset *r)
{
	if (x->card == 0) {
		if (!x->has_matching)
			return (struct lset *)l;
		struct lq_grouping g = { true, !x->on, x->match_labels, x->nmatch };
		return group_labels(e, l, &g);
	}
	/* group_left/right: the "many" side keeps its labels, plus includes */
	struct lq_label tmp[l->n + x->ninclude + 1];
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		tmp[n++] = l->l[i];
	for (size_t i = 0; i < x->ninclude; i++) {
		const char *v = lset_get(r, x->include[i]);
		size_t k;
		for (k = 0; k < n; k++)
			if (!strcmp(tmp[k].name, x->include[i]))
				break;
		if (v && *v) {
			if (k == n)
				n++;
			tmp[k] = (struct lq_label){ x->include[i], v };
		} else if (k < n) {
			tmp[k] = tmp[--n];
		}
	}
	return intern(e, tmp, n);
}

static int
eval_binop(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out)
{
	struct vec l = { 0 }, r = { 0 };
	if (eval_at(e, x->lhs, t, &l) < 0 || eval_at(e, x->rhs, t, &r) < 0)
		return -1;
	size_t cap = 0;
	int op = x->op;
	if (l.scalar && r.scalar) {
		out->scalar = true;
		out->sv = lq__fold(op, l.sv, r.sv);
		return 0;
	}
	if (l.scalar || r.scalar) {
		struct vec *v = l.scalar ? &r : &l;
		double sc = l.scalar ? l.sv : r.sv;
		for (size_t i = 0; i < v->n; i++) {
			double a = l.scalar ? sc : v->s[i].v, b = l.scalar ? v->s[i].v : sc;
			double res = lq__fold(op, a, b);
			if (is_cmp_op(op)) {
				if (x->ret_bool) {
					if (vpush(e, out, &cap, v->s[i].ls, res) < 0)
						return -1;
				} else if (res != 0) {
					if (vpush(e, out, &cap, v->s[i].ls, v->s[i].v) < 0)
						return -1;
				}
				continue;
			}
			if (vpush(e, out, &cap, v->s[i].ls, res) < 0)
				return -1;
		}
		return 0;
	}
	/* vector - vector */
	struct lset **ls = arena_alloc(&e->a, (l.n + 1) * sizeof(*ls));
	struct lset **rs = arena_alloc(&e->a, (r.n + 1) * sizeof(*rs));
	if (!ls || !rs)
		return evfail(e, LX_ENOMEM, "out of memory", NULL);
	for (size_t i = 0; i < l.n; i++)
		if (!(ls[i] = match_sig(e, x, l.s[i].ls)))
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
	for (size_t i = 0; i < r.n; i++)
		if (!(rs[i] = match_sig(e, x, r.s[i].ls)))
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
	unsigned gen = ++e->gen;
	if (op == LQ_B_AND || op == LQ_B_UNLESS) {
		for (size_t k = 0; k < r.n; k++) {
			rs[k]->gen = gen;
			rs[k]->slot = NULL;
		}
		for (size_t i = 0; i < l.n; i++) {
			bool found = ls[i]->gen == gen;
			if (found == (op == LQ_B_AND) && vpush(e, out, &cap, l.s[i].ls, l.s[i].v) < 0)
				return -1;
		}
		return 0;
	}
	if (op == LQ_B_OR) {
		for (size_t i = 0; i < l.n; i++) {
			ls[i]->gen = gen;
			if (vpush(e, out, &cap, l.s[i].ls, l.s[i].v) < 0)
				return -1;
		}
		for (size_t k = 0; k < r.n; k++) {
			bool found = rs[k]->gen == gen;
			if (!found && vpush(e, out, &cap, r.s[k].ls, r.s[k].v) < 0)
				return -1;
		}
		return 0;
	}
	/* one-to-one or group_left (many on the left) / group_right */
	bool right_many = x->card == 2;
	struct vec *many = right_many ? &r : &l, *one = right_many ? &l : &r;
	struct lset **msig = right_many ? rs : ls, **osig = right_many ? ls : rs;
	for (size_t k = 0; k < one->n; k++) {
		if (osig[k]->gen == gen)
			return evfail(e, LX_EPARSE,
				      "found duplicate series for the match group %s on the one side of the operation; many-to-many matching not allowed",
				      osig[k]->key);
		osig[k]->gen = gen;
		osig[k]->slot = (void *)(uintptr_t)k;
	}
	unsigned seen = ++e->gen;
	for (size_t i = 0; i < many->n; i++) {
		if (msig[i]->gen != gen && msig[i]->gen != seen)
			continue;
		size_t k = (size_t)(uintptr_t)msig[i]->slot;
		if (x->card == 0) {
			if (msig[i]->gen == seen)
				return evfail(e, LX_EPARSE,
					      "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right) %s",
					      msig[i]->key);
			msig[i]->gen = seen;
		}
		double a = right_many ? one->s[k].v : many->s[i].v;
		double b = right_many ? many->s[i].v : one->s[k].v;
		double res = lq__fold(op, a, b);
		if (is_cmp_op(op) && !x->ret_bool) {
			if (res == 0)
				continue;
			res = a;
		}
		struct lset *rl = result_labels(e, x, many->s[i].ls, one->s[k].ls);
		if (!rl || vpush(e, out, &cap, rl, res) < 0)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
	}
	return 0;
}

/* ---- label_replace ---- */

static int
eval_label_replace(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out)
{
	struct vec in = { 0 };
	if (eval_at(e, x->inner, t, &in) < 0)
		return -1;
	size_t cap = 0;
	int nc = lq__re_ncap(x->lr_re);
	for (size_t i = 0; i < in.n; i++) {
		const struct lset *s = in.s[i].ls;
		const char *src = lset_get(s, x->lr_src);
		if (!src)
			src = "";
		long caps[2 * 65];
		struct lset *res = (struct lset *)s;
		if (nc <= 64 && lq__re_exec(x->lr_re, src, strlen(src), caps) == 1) {
			struct sbuf val = SBUF_INIT;
			for (const char *p = x->lr_repl; *p; p++) {
				if (*p != '$') {
					sbuf_addc(&val, *p);
					continue;
				}
				if (p[1] == '$') {
					sbuf_addc(&val, '$');
					p++;
					continue;
				}
				char name[64];
				size_t nl = 0;
				const char *q = p + 1;
				bool brace = *q == '{';
				if (brace)
					q++;
				while ((isalnum((unsigned char)*q) || *q == '_') && nl < sizeof(name) - 1)
					name[nl++] = *q++;
				name[nl] = 0;
				if (brace) {
					if (*q != '}') {
						sbuf_addc(&val, '$');
						continue;
					}
					q++;
				}
				if (!nl) {
					sbuf_addc(&val, '$');
					continue;
				}
				int g = -1;
				bool digits = true;
				for (size_t z = 0; z < nl; z++)
					if (name[z] < '0' || name[z] > '9')
						digits = false;
				if (digits)
					g = atoi(name);
				else
					for (int z = 1; z <= nc; z++)
						if (lq__re_capname(x->lr_re, z) &&
						    !strcmp(lq__re_capname(x->lr_re, z), name))
							g = z;
				if (g >= 0 && g <= nc && caps[2 * g] >= 0)
					sbuf_add(&val, src + caps[2 * g], (size_t)(caps[2 * g + 1] - caps[2 * g]));
				p = q - 1;
			}
			struct lq_label tmp[s->n + 1];
			size_t n = 0;
			for (size_t k = 0; k < s->n; k++)
				if (strcmp(s->l[k].name, x->lr_dst))
					tmp[n++] = s->l[k];
			if (val.len)
				tmp[n++] = (struct lq_label){ x->lr_dst, sbuf_str(&val) };
			res = intern(e, tmp, n);
			sbuf_release(&val);
			if (!res)
				return evfail(e, LX_ENOMEM, "out of memory", NULL);
		}
		if (vpush(e, out, &cap, res, in.s[i].v) < 0)
			return -1;
	}
	return 0;
}

static int
eval_at(struct ev *e, const struct lq_expr *x, int64_t t, struct vec *out)
{
	memset(out, 0, sizeof(*out));
	switch (x->kind) {
	case LQ_EXPR_RANGE_AGG:
		return eval_range(e, x, t, out);
	case LQ_EXPR_VEC_AGG:
		return eval_vec(e, x, t, out);
	case LQ_EXPR_BINOP:
		return eval_binop(e, x, t, out);
	case LQ_EXPR_LITERAL:
		out->scalar = true;
		out->sv = x->value;
		return 0;
	case LQ_EXPR_VECTOR: {
		size_t cap = 0;
		struct lset *ls = intern(e, NULL, 0);
		if (!ls)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		return vpush(e, out, &cap, ls, x->value);
	}
	case LQ_EXPR_LABEL_REPLACE:
		return eval_label_replace(e, x, t, out);
	default:
		return evfail(e, LX_EINVAL, "not a metric expression", NULL);
	}
}

/* ---- results ---- */

/* Matrix series come back from Loki's frontend ordered by label string. */
static int
cmp_series_ptr(const void *a, const void *b)
{
	const struct lset *x = *(struct lset *const *)a, *y = *(struct lset *const *)b;
	return strcmp(x->key, y->key);
}

struct mser {
	struct lset *ls;
	struct lq_point *p;
	size_t n, cap;
};

static int
eval_metric(struct ev *e, const struct lq_expr *q, struct lq_result *res)
{
	int64_t end = e->p->end_ns;
	int64_t start = e->p->instant ? end : e->p->start_ns;
	int64_t step = e->p->instant ? 1 : e->p->step_ns;
	if (step <= 0)
		return evfail(e, LX_EINVAL, "step must be positive", NULL);
	if (!e->p->instant && e->p->step_align) {
		/* Loki's frontend aligns the start down and the end up to
		 * multiples of the step (in milliseconds; measured on 2.8) */
		int64_t sms = step / 1000000;
		if (sms > 0) {
			int64_t ems = end / 1000000;
			start = start / 1000000 / sms * sms * 1000000;
			end = (ems + sms - 1) / sms * sms * 1000000;
		}
	}
	if (!e->p->instant && (end - start) / step > 11000)
		return evfail(e, LX_ERANGE, "too many points (more than 11000): use a larger step", NULL);
	if (collect_leaves(e, q, NULL, start, end) < 0)
		return -1;
	if (e->p->cache_only) {
		res->type = LQ_RES_MATRIX;
		return 0;
	}
	if (e->p->instant) {
		struct vec v;
		if (eval_at(e, q, end, &v) < 0)
			return -1;
		if (v.scalar) {
			res->type = LQ_RES_SCALAR;
			res->scalar.t_ms = end / 1000000;
			res->scalar.v = v.sv;
			return 0;
		}
		res->type = LQ_RES_VECTOR;
		if (!e->sortable) {
			/* sort samples by labels */
			for (size_t i = 1; i < v.n; i++)
				for (size_t j = i; j > 0 && labels_compare(v.s[j - 1].ls, v.s[j].ls) > 0; j--) {
					struct vsample t = v.s[j];
					v.s[j] = v.s[j - 1];
					v.s[j - 1] = t;
				}
		}
		res->series = arena_calloc(&res->a, (v.n ? v.n : 1) * sizeof(*res->series));
		if (!res->series)
			return evfail(e, LX_ENOMEM, "out of memory", NULL);
		for (size_t i = 0; i < v.n; i++) {
			struct lq_series *s = &res->series[res->nseries++];
			copy_labels(res, v.s[i].ls, &s->labels, &s->nlabels);
			s->points = arena_alloc(&res->a, sizeof(*s->points));
			if (!s->points)
				return evfail(e, LX_ENOMEM, "out of memory", NULL);
			s->points[0].t_ms = end / 1000000;
			s->points[0].v = v.s[i].v;
			s->n = 1;
		}
		return 0;
	}
	/* range query: a matrix */
	struct mser *ms = NULL;
	size_t nms = 0, mcap = 0;
	int rc = 0;
	unsigned mgen = ++e->gen;
	for (int64_t t = start; t <= end; t += step) {
		struct vec v;
		if (eval_at(e, q, t, &v) < 0) {
			rc = -1;
			break;
		}
		if (v.scalar) {
			struct lset *ls = intern(e, NULL, 0);
			size_t cap = 0;
			double sv = v.sv;
			memset(&v, 0, sizeof(v));
			if (!ls || vpush(e, &v, &cap, ls, sv) < 0) {
				rc = -1;
				break;
			}
		}
		for (size_t i = 0; i < v.n; i++) {
			struct lset *vl = v.s[i].ls;
			size_t k = vl->mgen == mgen ? (size_t)(uintptr_t)vl->mslot : nms;
			if (k == nms) {
				if (nms == mcap) {
					size_t nc = mcap ? mcap * 2 : 16;
					struct mser *nm = realloc(ms, nc * sizeof(*nm));
					if (!nm) {
						rc = evfail(e, LX_ENOMEM, "out of memory", NULL);
						break;
					}
					ms = nm;
					mcap = nc;
				}
				memset(&ms[nms], 0, sizeof(ms[0]));
				vl->mgen = mgen;
				vl->mslot = (void *)(uintptr_t)nms;
				ms[nms++].ls = vl;
			}
			struct mser *m = &ms[k];
			if (m->n && m->p[m->n - 1].t_ms == t / 1000000) {
				/* duplicate labels at one step (e.g. label_replace) */
				rc = evfail(e, LX_EPARSE, "vector cannot contain metrics with the same labelset %s",
					    m->ls->key);
				break;
			}
			if (m->n == m->cap) {
				size_t nc = m->cap ? m->cap * 2 : 16;
				struct lq_point *np = realloc(m->p, nc * sizeof(*np));
				if (!np) {
					rc = evfail(e, LX_ENOMEM, "out of memory", NULL);
					break;
				}
				m->p = np;
				m->cap = nc;
			}
			m->p[m->n++] = (struct lq_point){ t / 1000000, v.s[i].v };
		}
		if (rc < 0)
			break;
	}
	if (rc == 0) {
		struct lset **order = malloc((nms ? nms : 1) * sizeof(*order));
		if (!order) {
			rc = evfail(e, LX_ENOMEM, "out of memory", NULL);
		} else {
			for (size_t i = 0; i < nms; i++)
				order[i] = ms[i].ls;
			sort_n(order, nms, sizeof(*order), cmp_series_ptr);
			res->type = LQ_RES_MATRIX;
			res->series = arena_calloc(&res->a, (nms ? nms : 1) * sizeof(*res->series));
			for (size_t i = 0; res->series && i < nms; i++) {
				size_t k = (size_t)(uintptr_t)order[i]->mslot;
				struct lq_series *s = &res->series[res->nseries++];
				copy_labels(res, ms[k].ls, &s->labels, &s->nlabels);
				s->points = arena_alloc(&res->a, (ms[k].n ? ms[k].n : 1) * sizeof(*s->points));
				if (s->points) {
					memcpy(s->points, ms[k].p, ms[k].n * sizeof(*s->points));
					s->n = ms[k].n;
				}
			}
			free(order);
		}
	}
	for (size_t i = 0; i < nms; i++)
		free(ms[i].p);
	free(ms);
	return rc;
}

static bool
check_filters(struct ev *e, const struct lq_expr *x)
{
	switch (x->kind) {
	case LQ_EXPR_LOG:
	case LQ_EXPR_LOG_RANGE:
		for (size_t i = 0; i < x->nstages; i++) {
			const struct lq_stage *st = &x->stages[i];
			if (st->kind != LQ_ST_LINE_FILTER ||
			    (st->lf.op != LQ_LINE_MATCH && st->lf.op != LQ_LINE_NOT_MATCH))
				continue;
			for (size_t k = 0; k < st->lf.nalt; k++)
				if (!st->lf.alt[k].ip && !st->lf.alt[k].re) {
					evfail(e, LX_EPARSE, "error parsing regexp in line filter: %s",
					       st->lf.alt[k].s);
					return false;
				}
		}
		return true;
	case LQ_EXPR_RANGE_AGG:
	case LQ_EXPR_VEC_AGG:
	case LQ_EXPR_LABEL_REPLACE:
		return check_filters(e, x->inner);
	case LQ_EXPR_BINOP:
		return check_filters(e, x->lhs) && check_filters(e, x->rhs);
	default:
		return true;
	}
}

int
lq_eval(const char *query, const struct lq_eval_params *p, const struct lq_source *src,
	struct lq_result **out, struct lq_error *err)
{
	*out = NULL;
	struct ev e;
	memset(&e, 0, sizeof(e));
	arena_init(&e.a, 65536);
	e.p = p;
	e.src = src;
	e.err = err;
	e.query = query;
	struct lq_expr *x = lq_parse(&e.a, query, strlen(query), err);
	if (!x) {
		arena_free(&e.a);
		return err ? (err->code ? err->code : LX_EPARSE) : LX_EPARSE;
	}
	struct lq_result *res = calloc(1, sizeof(*res));
	if (!res) {
		arena_free(&e.a);
		return evfail(&e, LX_ENOMEM, "out of memory", NULL);
	}
	arena_init(&res->a, 65536);
	struct lq_cache *c = x->kind == LQ_EXPR_LOG ? NULL : p->cache;
	if (c && (!c->query || strcmp(c->query, query))) {
		lq_cache_reset(c);
		c->query = strdup(query);
		if (!c->query)
			evfail(&e, LX_ENOMEM, "out of memory", NULL);
	}
	if (e.rc == 0 && check_filters(&e, x)) {
		if (x->kind == LQ_EXPR_LOG)
			eval_log(&e, x, res);
		else
			eval_metric(&e, x, res);
	}
	if (c && e.rc == 0 && cache_store(&e) < 0)
		evfail(&e, LX_ENOMEM, "out of memory", NULL);
	if (c && e.rc < 0)
		lq_cache_reset(c);
	for (size_t i = 0; i < e.nleaves; i++) {
		for (size_t k = 0; k < e.leaves[i].nseries; k++)
			free(e.leaves[i].series[k]->s);
		free(e.leaves[i].series);
	}
	free(e.leaves);
	free(e.tab);
	arena_free(&e.a);
	if (e.rc < 0) {
		lq_result_free(res);
		return e.rc;
	}
	*out = res;
	return 0;
}

void
lq_result_free(struct lq_result *r)
{
	if (!r)
		return;
	arena_free(&r->a);
	free(r);
}

static int
mem_next(void *ud, struct lq_entry *e)
{
	struct lq_mem_source *m = ud;
	if (m->pos >= m->n)
		return 0;
	*e = m->entries[m->pos++];
	if (m->names && e->nlabels <= LX_ARRAY_LEN(m->buf)) {
		size_t k = 0;
		for (size_t i = 0; i < e->nlabels; i++)
			for (size_t j = 0; j < m->nnames; j++)
				if (!strcmp(e->labels[i].name, m->names[j])) {
					m->buf[k++] = e->labels[i];
					break;
				}
		e->labels = m->buf;
		e->nlabels = k;
	}
	return 1;
}

static void
mem_want(void *ud, const char *const *names, size_t n)
{
	struct lq_mem_source *m = ud;
	m->names = names;
	m->nnames = n;
}

static int
mem_open(void *ud, int64_t start, int64_t end, const struct lq_selector *sel)
{
	(void)start;
	(void)end;
	(void)sel;
	((struct lq_mem_source *)ud)->pos = 0;
	return 0;
}

void
lq_mem_source_init(struct lq_source *src, struct lq_mem_source *m,
		   const struct lq_entry *entries, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->entries = entries;
	m->n = n;
	*src = (struct lq_source){ .ud = m, .open = mem_open, .next = mem_next, .want = mem_want };
}

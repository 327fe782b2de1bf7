/*
 * sources/result.c: building and reading query results.  Pure data: no
 * I/O, no JSON, no loop.  Streams are found by label set through a small
 * open-addressing table kept in result->priv.
 */
#include "sources/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/xalloc.h"

struct stream_index {
	size_t cap;              /* power of two */
	uint32_t *slot;          /* stream index + 1; 0 = empty */
};

struct result *
result_new(enum res_type type)
{
	struct result *r = xcalloc(1, sizeof(*r));
	r->type = type;
	sbuf_init(&r->warnings);
	return r;
}

void
res_labels_release(struct res_labels *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static void
entry_release(struct res_entry *e)
{
	free(e->line);
	res_labels_release(&e->meta);
	res_labels_release(&e->parsed);
}

void
result_free(struct result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nstreams; i++) {
		struct res_stream *s = &r->streams[i];
		for (size_t j = 0; j < s->n; j++)
			entry_release(&s->v[j]);
		free(s->v);
		res_labels_release(&s->labels);
	}
	free(r->streams);
	for (size_t i = 0; i < r->nseries; i++) {
		free(r->series[i].v);
		res_labels_release(&r->series[i].labels);
	}
	free(r->series);
	for (size_t i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	res_labels_release(&r->info);
	sbuf_release(&r->warnings);
	struct stream_index *ix = r->priv;
	if (ix) {
		free(ix->slot);
		free(ix);
	}
	free(r);
}

/* ---- label sets ---- */

void
res_labels_set(struct res_labels *l, const char *name, const char *value)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0) {
			free(l->v[mid].value);
			l->v[mid].value = xstrdup(value);
			return;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	xgrow(&l->v, &l->cap, l->n + 1, sizeof(l->v[0]));
	memmove(&l->v[lo + 1], &l->v[lo], (l->n - lo) * sizeof(l->v[0]));
	l->v[lo].name = xstrdup(name);
	l->v[lo].value = xstrdup(value);
	l->n++;
}

const char *
res_labels_get(const struct res_labels *l, const char *name)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->v[mid].name, name);
		if (c == 0)
			return l->v[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
res_labels_cmp(const struct res_labels *a, const struct res_labels *b)
{
	size_t n = a->n < b->n ? a->n : b->n;
	for (size_t i = 0; i < n; i++) {
		int c = strcmp(a->v[i].name, b->v[i].name);
		if (c)
			return c;
		c = strcmp(a->v[i].value, b->v[i].value);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

void
res_labels_copy(struct res_labels *dst, const struct res_labels *src)
{
	dst->n = dst->cap = 0;
	dst->v = NULL;
	if (!src->n)
		return;
	dst->v = xmalloc(src->n * sizeof(dst->v[0]));
	dst->cap = dst->n = src->n;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].name = xstrdup(src->v[i].name);
		dst->v[i].value = xstrdup(src->v[i].value);
	}
}

void
res_labels_format(const struct res_labels *l, struct sbuf *out)
{
	sbuf_addc(out, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sbuf_adds(out, ", ");
		sbuf_adds(out, l->v[i].name);
		sbuf_addc(out, '=');
		sbuf_add_json_str(out, l->v[i].value, strlen(l->v[i].value));
	}
	sbuf_addc(out, '}');
}

/* ---- streams ---- */

static uint64_t
labels_hash(const struct res_labels *l)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < l->n; i++) {
		for (const char *p = l->v[i].name; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
		for (const char *p = l->v[i].value; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xfe) * 1099511628211ull;
	}
	return h;
}

static void
index_insert(struct stream_index *ix, uint64_t h, uint32_t idx)
{
	size_t m = ix->cap - 1;
	for (size_t i = h & m;; i = (i + 1) & m)
		if (!ix->slot[i]) {
			ix->slot[i] = idx + 1;
			return;
		}
}

static void
index_grow(struct result *r)
{
	struct stream_index *ix = r->priv;
	if (!ix) {
		ix = r->priv = xcalloc(1, sizeof(*ix));
	}
	if (ix->cap && r->nstreams * 2 < ix->cap)
		return;
	size_t cap = ix->cap ? ix->cap * 2 : 64;
	free(ix->slot);
	ix->slot = xcalloc(cap, sizeof(ix->slot[0]));
	ix->cap = cap;
	for (size_t i = 0; i < r->nstreams; i++)
		index_insert(ix, labels_hash(&r->streams[i].labels), (uint32_t)i);
}

struct res_stream *
result_stream(struct result *r, const struct res_labels *labels)
{
	index_grow(r);
	struct stream_index *ix = r->priv;
	uint64_t h = labels_hash(labels);
	size_t m = ix->cap - 1;
	for (size_t i = h & m; ix->slot[i]; i = (i + 1) & m) {
		struct res_stream *s = &r->streams[ix->slot[i] - 1];
		if (res_labels_cmp(&s->labels, labels) == 0)
			return s;
	}
	xgrow(&r->streams, &r->capstreams, r->nstreams + 1, sizeof(r->streams[0]));
	struct res_stream *s = &r->streams[r->nstreams];
	memset(s, 0, sizeof(*s));
	res_labels_copy(&s->labels, labels);
	index_insert(ix, h, (uint32_t)r->nstreams);
	r->nstreams++;
	return s;
}

struct res_entry *
res_stream_add(struct res_stream *s, int64_t ts_ns, const char *line, size_t len)
{
	xgrow(&s->v, &s->cap, s->n + 1, sizeof(s->v[0]));
	struct res_entry *e = &s->v[s->n++];
	memset(e, 0, sizeof(*e));
	e->ts_ns = ts_ns;
	/* Masked here so lines from any backend (Loki answers too) never
	 * show a secret, whatever view or command prints them. */
	e->line = xmalloc(len + 1);
	e->len = redact_copy(line, len, e->line);
	e->line[e->len] = '\0';
	return e;
}

struct res_series *
result_series(struct result *r, const struct res_labels *labels)
{
	xgrow(&r->series, &r->capseries, r->nseries + 1, sizeof(r->series[0]));
	struct res_series *s = &r->series[r->nseries++];
	memset(s, 0, sizeof(*s));
	res_labels_copy(&s->labels, labels);
	return s;
}

void
res_series_add(struct res_series *s, int64_t ts_ms, double v)
{
	xgrow(&s->v, &s->cap, s->n + 1, sizeof(s->v[0]));
	s->v[s->n].ts_ms = ts_ms;
	s->v[s->n].v = v;
	s->n++;
}

void
result_add_string(struct result *r, const char *s)
{
	xgrow(&r->strings, &r->capstrings, r->nstrings + 1, sizeof(r->strings[0]));
	r->strings[r->nstrings++] = xstrdup(s);
}

/* ---- reading ---- */

/* 12345 -> "12,345" */
static void
thousands(char *out, size_t n, size_t v)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof(tmp), "%zu", v);
	size_t j = 0;
	for (int i = 0; i < len && j + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			out[j++] = ',';
		out[j++] = tmp[i];
	}
	out[j] = '\0';
}

void
res_limit_format(const struct res_limit *l, char *buf, size_t n)
{
	if (!n)
		return;
	buf[0] = '\0';
	if (!l->cut) {
		if (l->why[0])
			snprintf(buf, n, "%s", l->why);
		return;
	}
	char shown[32], total[32], lim[32];
	thousands(shown, sizeof(shown), l->shown);
	thousands(total, sizeof(total), l->total ? l->total : l->at_least);
	thousands(lim, sizeof(lim), l->limit);
	snprintf(buf, n, "%s shown of %s%s; %s %s%s%s", shown, l->total ? "" : "\u2265 ", total,
		 l->layer ? l->layer : "limit", lim, l->why[0] ? "; " : "", l->why);
}

size_t
result_entries(const struct result *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nstreams; i++)
		n += r->streams[i].n;
	return n;
}

bool
result_holds(const struct result *r, const struct res_labels *labels, const struct res_entry *e)
{
	for (size_t i = 0; i < r->nstreams; i++) {
		const struct res_stream *s = &r->streams[i];
		if (res_labels_cmp(&s->labels, labels))
			continue;
		for (size_t j = 0; j < s->n; j++)
			if (s->v[j].ts_ns == e->ts_ns && s->v[j].len == e->len &&
			    !memcmp(s->v[j].line, e->line, e->len))
				return true;
	}
	return false;
}

size_t
result_entries_at(const struct result *r, int64_t ts_ns)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nstreams; i++)
		for (size_t j = 0; j < r->streams[i].n; j++)
			n += r->streams[i].v[j].ts_ns == ts_ns;
	return n;
}

static const struct result *sort_r;
static bool sort_fwd;

static int
ref_cmp(const void *pa, const void *pb)
{
	const struct res_ref *a = pa, *b = pb;
	int64_t ta = sort_r->streams[a->stream].v[a->entry].ts_ns;
	int64_t tb = sort_r->streams[b->stream].v[b->entry].ts_ns;
	if (ta != tb)
		return (ta < tb) == sort_fwd ? -1 : 1;
	/* ties by labels, in either direction, as Loki and the evaluator
	 * order them: a limit then cuts a timestamp group where they do */
	if (a->stream != b->stream) {
		int c = res_labels_cmp(&sort_r->streams[a->stream].labels, &sort_r->streams[b->stream].labels);
		if (c)
			return c;
	}
	if (a->stream != b->stream)
		return a->stream < b->stream ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

struct res_ref *
result_sorted(const struct result *r, bool forward, size_t *n)
{
	size_t total = result_entries(r), k = 0;
	struct res_ref *v = xmalloc((total ? total : 1) * sizeof(*v));
	for (size_t i = 0; i < r->nstreams; i++)
		for (size_t j = 0; j < r->streams[i].n; j++) {
			v[k].stream = (uint32_t)i;
			v[k].entry = (uint32_t)j;
			k++;
		}
	sort_r = r;
	sort_fwd = forward;
	qsort(v, total, sizeof(*v), ref_cmp);
	*n = total;
	return v;
}

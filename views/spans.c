/*
 * views/spans.c: span building, parent inference and the critical path.
 * Sizes are small (one request: tens of lines), so O(n^2) is fine.
 */
#include "views/spans.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void
trace_release(struct trace *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static int
span_cmp(const void *x, const void *y)
{
	const struct span_item *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1;   /* enclosing spans first */
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool
contains(const struct span_item *p, const struct span_item *c)
{
	return !p->point && p->start <= c->start && c->end <= p->end &&
	       (p->end - p->start) > (c->end - c->start);
}

/* Marks `i` and, recursively, the chain of its children that decides its end. */
static void
walk_critical(struct trace *t, int i)
{
	struct span_item *p = &t->s[i];
	p->critical = true;
	int64_t cur = p->end;
	for (;;) {
		int best = -1;
		for (size_t k = 0; k < t->n; k++) {
			const struct span_item *c = &t->s[k];
			if (c->parent != i || c->point || c->end > cur || c->critical)
				continue;
			if (best < 0 || c->end > t->s[best].end)
				best = (int)k;
		}
		if (best < 0)
			break;
		walk_critical(t, best);
		cur = t->s[best].start;
		if (cur <= p->start)
			break;
	}
}

void
trace_build(struct trace *t, const struct store *st, const uint64_t *seqs, size_t n)
{
	trace_release(t);
	t->s = xcalloc(n ? n : 1, sizeof(*t->s));
	for (size_t i = 0; i < n; i++) {
		const struct log_rec *r = store_get(st, seqs[i]);
		if (!r)
			continue;
		struct span_item *s = &t->s[t->n++];
		s->seq = r->seq;
		s->end = r->ts_ns;
		s->point = !(r->flags & LOG_F_DURATION) || !(r->duration_ms > 0);
		s->start = s->point ? r->ts_ns : r->ts_ns - (int64_t)llround(r->duration_ms * 1e6);
		s->agent = r->id[DIM_AGENT];
		s->component = r->id[DIM_COMPONENT];
		s->level = r->level;
		s->parent = -1;
	}
	if (t->n == 0)
		return;
	qsort(t->s, t->n, sizeof(*t->s), span_cmp);
	t->t0 = t->s[0].start;
	t->t1 = t->s[0].end;
	uint32_t seen_agents[256];
	int nseen = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct span_item *s = &t->s[i];
		if (s->start < t->t0) t->t0 = s->start;
		if (s->end > t->t1) t->t1 = s->end;
		if (s->level >= LVL_ERROR) t->errors++;
		if (!s->point) t->nspans++;
		bool known = false;
		for (int k = 0; k < nseen; k++)
			known |= seen_agents[k] == s->agent;
		if (!known && nseen < 256)
			seen_agents[nseen++] = s->agent;
	}
	/*
	 * Parents by containment.  Parallel siblings often contain one
	 * another by time, so a span of another agent is taken as parent only
	 * when it waits: it ends right after (within 5% of its length, or
	 * 2 ms) a span of another agent that it contains.  A span of the same
	 * agent (a nested call) can always be a parent.
	 */
	bool *disp = xcalloc(t->n, sizeof(bool));
	for (size_t k = 0; k < t->n; k++) {
		const struct span_item *p = &t->s[k];
		int64_t slack = (p->end - p->start) / 20;
		if (slack < 2000000)
			slack = 2000000;
		for (size_t i = 0; i < t->n && !disp[k]; i++) {
			const struct span_item *c = &t->s[i];
			if (i != k && !c->point && c->agent != p->agent && contains(p, c) && p->end - c->end <= slack)
				disp[k] = true;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		struct span_item *s = &t->s[i];
		int best = -1;
		for (size_t k = 0; k < t->n; k++) {
			if (k == i || !contains(&t->s[k], s))
				continue;
			if (t->s[k].agent != s->agent && !disp[k])
				continue;
			if (best < 0 || t->s[k].end - t->s[k].start < t->s[best].end - t->s[best].start)
				best = (int)k;
		}
		s->parent = best;
	}
	free(disp);
	t->agents = nseen;
	for (size_t i = 0; i < t->n; i++)
		t->s[i].leaf = !t->s[i].point;
	/* A span that waits on another agent's span is dispatching, not busy;
	 * nested calls inside the same agent are part of its own work. */
	for (size_t i = 0; i < t->n; i++)
		if (t->s[i].parent >= 0 && !t->s[i].point && t->s[t->s[i].parent].agent != t->s[i].agent)
			t->s[t->s[i].parent].leaf = false;
	/* Critical path from every root span that ends last. */
	int root = -1;
	for (size_t i = 0; i < t->n; i++)
		if (!t->s[i].point && t->s[i].parent < 0 && (root < 0 || t->s[i].end > t->s[root].end))
			root = (int)i;
	if (root >= 0)
		walk_critical(t, root);
	for (size_t i = 0; i < t->n; i++) {
		const struct span_item *s = &t->s[i];
		if (!s->critical)
			continue;
		t->ncrit++;
		/* Self time: the span minus its critical children. */
		int64_t self = s->end - s->start;
		for (size_t k = 0; k < t->n; k++)
			if (t->s[k].parent == (int)i && t->s[k].critical)
				self -= t->s[k].end - t->s[k].start;
		t->crit_ns += self > 0 ? self : 0;
	}
	/* Gaps: [t0, t1] minus the union of leaf spans. */
	int64_t *iv = xmalloc(t->n * 2 * sizeof(int64_t));
	size_t m = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->s[i].leaf) {
			iv[2 * m] = t->s[i].start;
			iv[2 * m + 1] = t->s[i].end;
			m++;
		}
	/* Sort intervals by start (pairs). */
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && iv[2 * (j - 1)] > iv[2 * j]; j--) {
			int64_t a = iv[2 * j], b = iv[2 * j + 1];
			iv[2 * j] = iv[2 * (j - 1)];
			iv[2 * j + 1] = iv[2 * (j - 1) + 1];
			iv[2 * (j - 1)] = a;
			iv[2 * (j - 1) + 1] = b;
		}
	int64_t busy = 0, cs = 0, ce = 0;
	bool open = false;
	for (size_t i = 0; i < m; i++) {
		if (!open || iv[2 * i] > ce) {
			if (open)
				busy += ce - cs;
			cs = iv[2 * i];
			ce = iv[2 * i + 1];
			open = true;
		} else if (iv[2 * i + 1] > ce) {
			ce = iv[2 * i + 1];
		}
	}
	if (open)
		busy += ce - cs;
	t->gap_ns = (t->t1 - t->t0) - busy;
	if (m == 0)
		t->gap_ns = 0;
	free(iv);
}

double
trace_busy(const struct trace *t, int64_t a, int64_t b)
{
	if (b <= a)
		return 0;
	/* Coverage of [a, b) by the union of leaf spans. */
	int64_t covered = 0, cur = a;
	for (;;) {
		/* The leaf span covering `cur` that reaches furthest. */
		int64_t reach = cur;
		int64_t next_start = b;
		for (size_t i = 0; i < t->n; i++) {
			const struct span_item *s = &t->s[i];
			if (!s->leaf)
				continue;
			if (s->start <= cur && s->end > reach)
				reach = s->end;
			else if (s->start > cur && s->start < next_start)
				next_start = s->start;
		}
		if (reach > cur) {
			int64_t e = reach < b ? reach : b;
			covered += e - cur;
			cur = e;
		} else {
			cur = next_start;
		}
		if (cur >= b)
			break;
	}
	return (double)covered / (double)(b - a);
}

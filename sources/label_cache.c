/*
 * sources/label_cache.c: a small TTL cache of Loki /labels and
 * /label/NAME/values answers and of counts per label value, one entry per
 * key, filled asynchronously.
 */
#include "sources/label_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "logql/lq.h"

/* A failed fetch is not retried sooner, so a browser redrawn on each
 * answer does not ask a failing Loki in a loop. */
#define RETRY_NS (5LL * 1000000000LL)

struct lc_entry {
	struct lc_entry *next;
	struct label_cache *c;
	char *name;                  /* NULL: the label names */
	struct result *res;
	int64_t fetched_ns;          /* 0: never answered */
	int64_t failed_ns;           /* the last failure (retried after RETRY_NS) */
	struct loki_req *req;
	char err[200];
	/* Counts entries: the range held (span, end) and the one asked. */
	bool counts;
	bool bytes, capped;          /* of `res` */
	int64_t span, end, rspan;    /* counted, end, the range asked */
	int64_t req_start, req_end;
	bool req_volume;             /* the request in flight is /index/volume */
};

struct label_cache {
	struct loki *lk;
	int64_t ttl_ns;
	label_cache_fn changed;
	void *ud;
	struct lc_entry *entries;
	size_t inflight, fetches;
	bool no_volume;              /* /index/volume answered 404 */
};

struct label_cache *
label_cache_new(struct loki *lk, int64_t ttl_ns, label_cache_fn changed, void *ud)
{
	if (!lk)
		return NULL;
	struct label_cache *c = xcalloc(1, sizeof(*c));
	c->lk = lk;
	c->ttl_ns = ttl_ns > 0 ? ttl_ns : LABEL_CACHE_TTL_NS;
	c->changed = changed;
	c->ud = ud;
	return c;
}

void
label_cache_free(struct label_cache *c)
{
	if (!c)
		return;
	while (c->entries) {
		struct lc_entry *e = c->entries;
		c->entries = e->next;
		loki_cancel(e->req);
		result_free(e->res);
		free(e->name);
		free(e);
	}
	free(c);
}

static struct lc_entry *
find(const struct label_cache *c, const char *name, bool counts)
{
	for (struct lc_entry *e = c->entries; e; e = e->next)
		if (e->counts == counts && (name ? e->name && !strcmp(e->name, name) : !e->name))
			return e;
	return NULL;
}

static struct lc_entry *
find_or_add(struct label_cache *c, const char *name, bool counts)
{
	struct lc_entry *e = find(c, name, counts);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->c = c;
		e->name = name ? xstrdup(name) : NULL;
		e->counts = counts;
		e->next = c->entries;
		c->entries = e;
	}
	return e;
}

static bool send_counts(struct lc_entry *e);

static void
answer(void *ud, const struct res_error *err, struct result *res)
{
	struct lc_entry *e = ud;
	struct label_cache *c = e->c;
	e->req = NULL;
	c->inflight--;
	if (err && e->req_volume) {
		/* No (usable) /index/volume: count lines with a metric query. */
		if (err->code == LX_ENOENT)
			c->no_volume = true;
		e->req_volume = false;
		if (send_counts(e))
			return;
	}
	if (err) {
		snprintf(e->err, sizeof(e->err), "%.199s", err->msg);
		e->failed_ns = loki_now_ns();
	} else {
		e->err[0] = '\0';
		result_free(e->res);
		e->res = res;
		e->fetched_ns = loki_now_ns();
		if (e->counts) {
			e->bytes = e->req_volume;
			e->span = e->req_end - e->req_start;
			e->end = e->req_end;
			e->rspan = e->req_end - e->req_start;
			e->capped = false;
			if (!e->bytes && e->span > LABEL_COUNT_MAX_NS) {
				e->span = LABEL_COUNT_MAX_NS;
				e->capped = true;
			}
		}
	}
	if (c->changed)
		c->changed(c->ud, e->name);
}

static bool
backing_off(const struct lc_entry *e, int64_t now)
{
	return e->err[0] && now - e->failed_ns < RETRY_NS;
}

const struct result *
label_cache_get(struct label_cache *c, const char *name, bool *fetching)
{
	if (fetching)
		*fetching = false;
	if (!c || (name && !*name))
		return NULL;
	struct lc_entry *e = find_or_add(c, name, false);
	int64_t now = loki_now_ns();
	if (!e->req && (!e->fetched_ns || now - e->fetched_ns >= c->ttl_ns) && !backing_off(e, now)) {
		e->req = name ? loki_label_values(c->lk, name, NULL, 0, 0, answer, e)
			      : loki_labels(c->lk, 0, 0, answer, e);
		if (e->req) {
			c->inflight++;
			c->fetches++;
		}
	}
	if (fetching)
		*fetching = e->req != NULL;
	return e->res;
}

/*
 * Sends the counts request of `e` for [req_start, req_end]: /index/volume
 * unless this Loki lacks it or it just failed (req_volume cleared), else
 * the metric query.  False when nothing could be sent.
 */
static bool
send_counts(struct lc_entry *e)
{
	struct label_cache *c = e->c;
	char sel[160];
	snprintf(sel, sizeof(sel), "{%s=~\".+\"}", e->name);
	e->req = NULL;
	if (!c->no_volume && e->req_volume)
		e->req = loki_index_volume(c->lk, sel, e->req_start, e->req_end, 1000, answer, e);
	if (!e->req) {
		e->req_volume = false;
		int64_t span = e->req_end - e->req_start;
		if (span > LABEL_COUNT_MAX_NS)
			span = LABEL_COUNT_MAX_NS;
		char dur[32];
		lq_fmt_prom_duration((span + 999999999) / 1000000000 * 1000, dur, sizeof(dur));
		char q[256];
		snprintf(q, sizeof(q), "sum by (%s) (count_over_time(%s [%s]))", e->name, sel, dur);
		struct loki_query lq = { .query = q, .time_ns = e->req_end, .limit = 1 };
		e->req = loki_query(c->lk, &lq, answer, e);
	}
	if (e->req) {
		c->inflight++;
		c->fetches++;
	}
	return e->req != NULL;
}

/* A range of the same length ending within `slack` of `end`. */
static bool
same_range(int64_t span, int64_t end, int64_t e_span, int64_t e_end, int64_t slack)
{
	int64_t d = end - e_end;
	return span == e_span && d < slack && d > -slack;
}

void
label_cache_counts(struct label_cache *c, const char *name, int64_t start_ns, int64_t end_ns,
		   struct label_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->err = "";
	if (!c || !name || !*name || end_ns <= start_ns || strlen(name) > 100)
		return;
	struct lc_entry *e = find_or_add(c, name, true);
	int64_t span = end_ns - start_ns, now = loki_now_ns();
	bool have = e->res && same_range(span, end_ns, e->rspan, e->end, c->ttl_ns);
	bool fresh = have && now - e->fetched_ns < c->ttl_ns;
	bool asked = same_range(span, end_ns, e->req_end - e->req_start, e->req_end, c->ttl_ns) &&
		     (e->req || backing_off(e, now));
	if (!fresh && !asked) {
		if (e->req) {
			loki_cancel(e->req);
			e->req = NULL;
			c->inflight--;
		}
		if (!have) {
			result_free(e->res);
			e->res = NULL;
		}
		e->err[0] = '\0';
		e->req_start = start_ns;
		e->req_end = end_ns;
		e->req_volume = !c->no_volume;
		send_counts(e);
	}
	out->fetching = e->req != NULL;
	out->err = e->err;
	if (!e->res)
		return;
	out->res = e->res;
	out->bytes = e->bytes;
	out->capped = e->capped;
	out->span_ns = e->span;
}

size_t
label_cache_inflight(const struct label_cache *c)
{
	return c ? c->inflight : 0;
}

size_t
label_cache_fetches(const struct label_cache *c)
{
	return c ? c->fetches : 0;
}

const char *
label_cache_error(const struct label_cache *c, const char *name)
{
	const struct lc_entry *e = c ? find(c, name, false) : NULL;
	return e ? e->err : "";
}

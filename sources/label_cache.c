/*
 * sources/label_cache.c: a small TTL cache of Loki /labels and
 * /label/NAME/values answers, one entry per key, filled asynchronously.
 */
#include "sources/label_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct lc_entry {
	struct lc_entry *next;
	struct label_cache *c;
	char *name;                  /* NULL: the label names */
	struct result *res;
	int64_t fetched_ns;          /* 0: never answered */
	struct loki_req *req;
	char err[200];
};

struct label_cache {
	struct loki *lk;
	int64_t ttl_ns;
	label_cache_fn changed;
	void *ud;
	struct lc_entry *entries;
	size_t inflight, fetches;
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
find(const struct label_cache *c, const char *name)
{
	for (struct lc_entry *e = c->entries; e; e = e->next)
		if (name ? e->name && !strcmp(e->name, name) : !e->name)
			return e;
	return NULL;
}

static void
answer(void *ud, const struct res_error *err, struct result *res)
{
	struct lc_entry *e = ud;
	struct label_cache *c = e->c;
	e->req = NULL;
	c->inflight--;
	if (err) {
		snprintf(e->err, sizeof(e->err), "%.199s", err->msg);
	} else {
		e->err[0] = '\0';
		result_free(e->res);
		e->res = res;
		e->fetched_ns = loki_now_ns();
	}
	if (c->changed)
		c->changed(c->ud, e->name);
}

const struct result *
label_cache_get(struct label_cache *c, const char *name, bool *fetching)
{
	if (fetching)
		*fetching = false;
	if (!c || (name && !*name))
		return NULL;
	struct lc_entry *e = find(c, name);
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->c = c;
		e->name = name ? xstrdup(name) : NULL;
		e->next = c->entries;
		c->entries = e;
	}
	int64_t now = loki_now_ns();
	if (!e->req && (!e->fetched_ns || now - e->fetched_ns >= c->ttl_ns)) {
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
	const struct lc_entry *e = c ? find(c, name) : NULL;
	return e ? e->err : "";
}

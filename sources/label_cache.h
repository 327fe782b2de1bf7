/**
 * sources/label_cache.h: Loki label names and values for completion and
 * the label browser, cached for a short time and fetched in the
 * background, so the UI never waits on them.
 *
 * label_cache_get() answers at once with what is cached (maybe nothing)
 * and, when that is missing or older than the TTL, asks Loki (one request
 * per key in flight).  When an answer arrives `changed(ud, name)` is
 * called (name NULL for the label names); a failed fetch keeps the old
 * list and reports through `changed` too.  Never draws.
 *
 * Counts per value (label_cache_counts) come from /index/volume where
 * Loki has it (3.x: bytes per value, from the index, over the whole
 * range), else from one instant metric query at the range end:
 *   sum by (NAME) (count_over_time({NAME=~".+"}[RANGE]))
 * with RANGE the range length capped to LABEL_COUNT_MAX_NS (it reads
 * every line, so a 7 d range would hammer Loki).  One entry per label:
 * a different range replaces it.
 */
#ifndef LX_SOURCES_LABEL_CACHE_H
#define LX_SOURCES_LABEL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/loki.h"
#include "sources/result.h"

#define LABEL_CACHE_TTL_NS (30LL * 1000000000LL)
/** Line counts by metric query look back at most this far (6 h). */
#define LABEL_COUNT_MAX_NS (6LL * 3600 * 1000000000LL)

struct label_cache;

typedef void (*label_cache_fn)(void *ud, const char *name);

/** `ttl_ns` 0: LABEL_CACHE_TTL_NS.  `lk` must outlive the cache. */
struct label_cache *label_cache_new(struct loki *lk, int64_t ttl_ns, label_cache_fn changed,
				    void *ud);
/** Cancels the fetches in flight (no callbacks) and frees.  NULL ok. */
void label_cache_free(struct label_cache *c);
/**
 * The cached RES_STRINGS for label names (`name` NULL) or the values of
 * `name`; borrowed until the next answer for that key arrives.  NULL when
 * nothing is cached yet.  `*fetching` (may be NULL) is set when a request
 * for the key is in flight after the call.
 */
const struct result *label_cache_get(struct label_cache *c, const char *name, bool *fetching);
/** What label_cache_counts() knows about one label's values. */
struct label_counts {
	/* RES_VECTOR, one series per value (labels {NAME="value"}), the count
	 * in v[0].v; NULL while nothing for this range has arrived.  Borrowed
	 * until the next answer for the label. */
	const struct result *res;
	bool bytes;                  /* /index/volume: bytes, not lines */
	bool capped;                 /* the metric range was cut to the cap */
	int64_t span_ns;             /* the length of time counted */
	bool fetching;               /* a request is in flight */
	const char *err;             /* "" or the last failure, in plain words */
};

/**
 * Counts for the values of `name` over [start_ns, end_ns]: what is cached
 * for that range at once, and a fetch when missing or older than the TTL.
 * A range with the same length whose end moved by less than the TTL (a
 * relative range ending now) counts as the same range.
 */
void label_cache_counts(struct label_cache *c, const char *name, int64_t start_ns,
			int64_t end_ns, struct label_counts *out);

/** Requests in flight (answers still to come). */
size_t label_cache_inflight(const struct label_cache *c);
/** Requests sent since label_cache_new(), for tests. */
size_t label_cache_fetches(const struct label_cache *c);
/** The last error for the key ("" when none); borrowed. */
const char *label_cache_error(const struct label_cache *c, const char *name);

#endif

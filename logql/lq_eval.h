/**
 * logql/lq_eval.h: the local LogQL evaluator and its result types.
 *
 * Runs log and metric queries over any log source with Loki 2.8
 * semantics and returns results in the shapes of Loki's query API
 * (streams / matrix / vector / scalar), which lq_result_json() renders as
 * the same JSON Loki sends.  The evaluator does not know the store: the
 * caller passes a `struct lq_source` iterator.
 *
 * Ownership: lq_eval() returns a new `struct lq_result` that the caller
 * frees with lq_result_free(); every string and array in it belongs to
 * the result.  Nothing the source hands out is kept after the call that
 * returned it.
 */
#ifndef LX_LOGQL_LQ_EVAL_H
#define LX_LOGQL_LQ_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "logql/lq.h"

struct lq_label {
	const char *name;
	const char *value;
};

/** One log line as a source hands it to the evaluator. */
struct lq_entry {
	int64_t ts_ns;
	const struct lq_label *labels;   /* stream labels, any order */
	size_t nlabels;
	const char *line;
	size_t len;
	uint64_t pos;                    /* where the source holds it (a store
					  * seq); only lq_cache uses it */
};

/**
 * The source protocol: for each log query inside the expression the
 * evaluator calls open() once, then next() until it returns 0, then
 * close() (when non-NULL).  open() gets the time span the query needs
 * ([start_ns, end_ns], inclusive) and the stream selector so a store may
 * skip streams and time it does not need; it may ignore both, as the
 * evaluator filters again.  next() fills *e and returns 1, returns 0 at
 * the end, or a negative LX_E* code to abort the query.  Pointers in *e
 * are borrowed until the next call to next() or close().  Entries may
 * come in any order.  If open() fails, next()/close() are not called.
 */
struct lq_source {
	void *ud;
	int (*open)(void *ud, int64_t start_ns, int64_t end_ns,
		    const struct lq_selector *sel);
	int (*next)(void *ud, struct lq_entry *e);
	void (*close)(void *ud);
	/*
	 * Optional, called before every open(): the stream labels the
	 * query can see through.  With names non-NULL, entries until the
	 * next open() may leave out every other label (a source that must
	 * scan lines to find labels scans less); with NULL, all are needed.
	 * The evaluator asks only when leaving labels out cannot change
	 * the result.
	 */
	void (*want)(void *ud, const char *const *names, size_t n);
	/*
	 * Optional, for log queries.  `backward`: next() hands the entries
	 * in the reverse of the order it would otherwise (newest first);
	 * ties (same time and stream) are still broken as if handed in that
	 * other order, so the answer is the same.  floor(): a BACKWARD query
	 * has `limit` entries newer than ts_ns, so entries with ts < ts_ns
	 * are not needed any more: the source may skip them.
	 */
	bool backward;
	void (*floor)(void *ud, int64_t ts_ns);
};

enum lq_direction { LQ_BACKWARD, LQ_FORWARD };

/** Query parameters, as in Loki's /query_range and /query. */
struct lq_eval_params {
	int64_t start_ns, end_ns;        /* range queries; end inclusive for metrics */
	int64_t step_ns;                 /* range metric queries (> 0) */
	bool instant;                    /* /query: evaluate at end_ns only */
	unsigned limit;                  /* log queries: max entries (0 = 100) */
	enum lq_direction direction;     /* log queries: default BACKWARD */
	/*
	 * Loki's query frontend splits ranges at multiples of this interval
	 * and, when it did split, merges log streams in label order
	 * descending for BACKWARD queries (ascending otherwise).  0 means
	 * Loki 2.8's default of 30m; negative means never split.
	 */
	int64_t split_ns;
	/* Range metric queries: Loki's frontend aligns start down and end
	 * up to multiples of the step.  Set this to do the same (results
	 * then match Loki's exactly); unset evaluates at start, start+step,
	 * ... <= end as given. */
	bool step_align;
	/*
	 * Metric queries run again and again over a growing source (dashboard
	 * panels): with `cache` set, the samples each range aggregation
	 * extracted are kept there between calls, and the source must hand
	 * only the entries it did not hand in earlier calls (the caller keeps
	 * track, e.g. by store seq).  Cached samples older than a range needs
	 * or of entries with pos < cache_min_pos (evicted from the source)
	 * are dropped.  `cache_only` updates the cache without evaluating (the
	 * result is an empty matrix), so a big source can be fed in slices.
	 * A range that starts earlier than the cached one is an error
	 * (LX_ERANGE) and empties the cache: start again from the beginning.
	 * Log queries ignore the cache.
	 */
	struct lq_cache *cache;
	uint64_t cache_min_pos;
	bool cache_only;
	/* When set, lines of a log leaf whose pipeline extracts labels or
	 * rewrites lines (parsers, formats, unwrap) go through it after the
	 * selector, before the line filters: out has room for n bytes; it
	 * returns the new length.  A source of unmasked text (files) masks
	 * secrets with it so that nothing derived from a line shows one. */
	size_t (*mask)(const char *in, size_t n, char *out);
};

/** A cache for lq_eval_params.cache: for one query at a time. */
struct lq_cache *lq_cache_new(void);
/** Empties the cache (the next call starts over). */
void lq_cache_reset(struct lq_cache *c);
/** Samples held (all leaves), for tests and the memory shown. */
size_t lq_cache_samples(const struct lq_cache *c);
void lq_cache_free(struct lq_cache *c);

enum lq_result_type { LQ_RES_STREAMS, LQ_RES_MATRIX, LQ_RES_VECTOR, LQ_RES_SCALAR };

struct lq_log_entry {
	int64_t ts_ns;
	const char *line;
	size_t len;
};

struct lq_stream {
	struct lq_label *labels;         /* sorted by name */
	size_t nlabels;
	struct lq_log_entry *entries;    /* in the query's direction */
	size_t n;
};

struct lq_point {
	int64_t t_ms;
	double v;
};

struct lq_series {
	struct lq_label *labels;         /* sorted by name */
	size_t nlabels;
	struct lq_point *points;         /* time order; one for vectors */
	size_t n;
};

struct lq_result {
	enum lq_result_type type;
	struct lq_stream *streams;       /* STREAMS, sorted like Loki */
	size_t nstreams;
	struct lq_series *series;        /* MATRIX and VECTOR, sorted like Loki */
	size_t nseries;
	struct lq_point scalar;          /* SCALAR */
	struct arena a;                  /* owns everything above */
};

/**
 * Parses and runs `query`.  On success returns 0 and a new result in
 * *out (free with lq_result_free()).  On failure returns a negative
 * LX_E* code, fills `err` (parse errors with their position; runtime
 * errors such as Loki's "pipeline error" with offset 0) and leaves *out
 * NULL.
 */
int lq_eval(const char *query, const struct lq_eval_params *p,
	    const struct lq_source *src, struct lq_result **out,
	    struct lq_error *err);

void lq_result_free(struct lq_result *r);

/**
 * Renders `r` as Loki's response body: {"status":"success","data":
 * {"resultType":..., "result":[...]}}.  Returns a new NUL-terminated
 * string (free with free()), or NULL when out of memory.
 */
char *lq_result_json(const struct lq_result *r);

/**
 * An in-memory source over an array of entries (for tests and for small
 * local stores): `ud` must point to a `struct lq_mem_source`.
 */
struct lq_mem_source {
	const struct lq_entry *entries;
	size_t n;
	size_t pos;
	/* want(): only these labels are handed out (all when !names, or
	 * when an entry has more labels than buf holds) */
	const char *const *names;
	size_t nnames;
	struct lq_label buf[32];
};
void lq_mem_source_init(struct lq_source *src, struct lq_mem_source *m,
			const struct lq_entry *entries, size_t n);

#endif

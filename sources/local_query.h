/**
 * sources/local_query.h: LogQL over the local store.
 *
 * Adapts core/store to the evaluator's source protocol (logql/lq_eval.h).
 * Local lines get stream labels from their scalar top-level fields:
 * level, agent_id, component, correlation_id, hostname, service, plus
 * filename (the file or stream the line came from).  A selector with an
 * equality matcher on agent_id, component or correlation_id is answered
 * from the store's index instead of a scan.
 */
#ifndef LX_SOURCES_LOCAL_QUERY_H
#define LX_SOURCES_LOCAL_QUERY_H

#include "core/store.h"
#include "logql/lq_eval.h"
#include "sources/result.h"

/** Runs `query` over `st` (see lq_eval()); same ownership and errors. */
int local_query(const struct store *st, const char *query, const struct lq_eval_params *p,
		struct lq_result **out, struct lq_error *err);

/**
 * The next page of a log query after the lines `seen` holds, the local
 * twin of loki_query.seen: the edge is p->end_ns - 1 (backward; the end
 * is exclusive, so end = the oldest line held + 1) or p->start_ns
 * (forward); lines of `seen` at the edge are skipped, the rest of that
 * timestamp comes back, at most p->limit new lines in all.  *out is a new
 * RES_STREAMS result whose limit says whether more are left.  A metric
 * query is LX_EINVAL.
 */
int local_query_page(const struct store *st, const char *query, const struct lq_eval_params *p,
		     const struct result *seen, struct result **out, struct lq_error *err);

/**
 * A metric query kept up to date over a growing store (dashboard panels):
 * each line goes through the query's pipelines once, and the samples are
 * kept between calls (lq_eval_params.cache).  local_inc_feed() takes at
 * most `max_lines` lines not fed yet, below seq `upto`, so a big store is
 * fed in slices that keep the UI responsive; it returns 1 when fed up to
 * `upto`, 0 when more is left, or a negative LX_E* error (err set).
 * local_inc_eval() feeds what is left below `upto` and evaluates: the
 * answer equals local_query() at the same parameters over the lines below
 * `upto`.  The range must not move back in time (the cache then starts
 * over).  Log queries are not cached: local_inc_eval() runs them whole,
 * BACKWARD ones from the newest line back, skipping lines older than the
 * newest `limit` matches (the same answer as local_query()).
 */
struct local_inc;
struct local_inc *local_inc_new(const char *query);
void local_inc_free(struct local_inc *q);
int local_inc_feed(struct local_inc *q, const struct store *st, const struct lq_eval_params *p,
		   uint64_t upto, size_t max_lines, struct lq_error *err);
int local_inc_eval(struct local_inc *q, const struct store *st, const struct lq_eval_params *p,
		   uint64_t upto, struct lq_result **out, struct lq_error *err);
/**
 * The `max_lines` for the next local_inc_feed() call (start with
 * LOCAL_INC_SLICE), given that the last one took `dt_ns`: about a
 * millisecond or two per call.
 */
#define LOCAL_INC_SLICE 2048
size_t local_inc_slice(size_t slice, int64_t dt_ns);

/**
 * Converts an evaluator result into the API result type Loki answers are
 * parsed into (sources/result.h), so views and the CLI handle both
 * alike.  Returns a new result (result_free()); `r` is left as it is.
 */
struct result *local_result(const struct lq_result *r);

#endif

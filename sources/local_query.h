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
 * Converts an evaluator result into the API result type Loki answers are
 * parsed into (sources/result.h), so views and the CLI handle both
 * alike.  Returns a new result (result_free()); `r` is left as it is.
 */
struct result *local_result(const struct lq_result *r);

#endif

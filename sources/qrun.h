/**
 * sources/qrun.h: one Explore query run against Loki, on the loop.
 *
 * A run goes through two phases:
 *   1. estimate: /index/stats for the query's first stream selector says
 *      what the query will read (streams, chunks, entries, bytes).  A
 *      server without it (or an error) leaves no estimate and a note; the
 *      run goes on.
 *   2. query: range queries are split into time chunks when the estimate
 *      is above `chunk_bytes` or the range is longer than `max_chunk_ns`
 *      (at most QRUN_MAX_CHUNKS), fetched in order (newest first for log
 *      queries, which stop at the limit) and merged by loki_query_range();
 *      instant queries are one /query.
 * Both phases are cancellable: qrun_cancel() hands back the lines merged so
 * far.  A log result cut by the limit gets the full count from Loki
 * (result->limit.total) when it can be counted.
 *
 * Protocol: qrun_start() returns a handle or NULL (bad arguments; no
 * callback then).  `tick` is called every QRUN_TICK_MS while the run is
 * live (for redraws); `done` exactly once, unless qrun_cancel() came first.
 * The handle is invalid once `done` returned or after qrun_cancel().  The
 * memory is released when the loop runs the timer's close callback, so run
 * the loop before closing it.  Never draws.
 */
#ifndef LX_SOURCES_QRUN_H
#define LX_SOURCES_QRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sources/loki.h"
#include "sources/result.h"

#define QRUN_MAX_CHUNKS 64
#define QRUN_TICK_MS 200

struct qrun;

struct qrun_params {
	const char *query;           /* LogQL, copied */
	int64_t start_ns, end_ns;    /* range (instant: evaluated at end_ns) */
	int64_t step_ns;             /* metric range step; 0: Loki's default */
	size_t limit;                /* log lines wanted; 0: 1000 */
	bool instant;                /* metric: one /query at end_ns */
	uint64_t chunk_bytes;        /* split above this estimate; 0: 64 MiB */
	int64_t max_chunk_ns;        /* split ranges longer than this; 0: 1 day */
	bool no_estimate;            /* skip /index/stats */
	bool no_count;               /* no full count when the limit cuts */
	const struct result *seen;   /* log queries: the next (older) page after
				      * these lines, end_ns = their oldest
				      * timestamp + 1 (loki_query.seen);
				      * borrowed until `done` or qrun_cancel() */
};

enum qrun_phase { QRUN_ESTIMATE, QRUN_QUERY };

struct qrun_status {
	enum qrun_phase phase;
	bool estimated;              /* `est` holds /index/stats' answer */
	char note[160];              /* why there is no estimate, "" otherwise */
	struct res_index est;
	size_t chunks;               /* time chunks planned (1: one query) */
	int64_t chunk_ns;            /* their length (0: not split) */
	struct loki_progress p;      /* chunks done, entries, pages, bytes */
	double elapsed_s;
};

typedef void (*qrun_done_fn)(void *ud, const struct res_error *err, struct result *res);
typedef void (*qrun_tick_fn)(void *ud);

struct qrun *qrun_start(uv_loop_t *loop, struct loki *lk, const struct qrun_params *p,
			qrun_done_fn done, qrun_tick_fn tick, void *ud);
void qrun_get_status(const struct qrun *q, struct qrun_status *st);
/**
 * Stops the run (no callback) and returns the partial result: the lines or
 * samples merged so far (a new result, maybe empty), or NULL when the
 * query had not started (estimate phase).  NULL handle ok.
 */
struct result *qrun_cancel(struct qrun *q);

/**
 * The number of time chunks a range query is split into: enough for
 * `bytes` / chunk_bytes and for the range / max_chunk_ns, 1..QRUN_MAX_CHUNKS.
 * `bytes` < 0: unknown.  0 for chunk_bytes / max_chunk_ns: the defaults.
 */
size_t qrun_plan(int64_t bytes, int64_t range_ns, uint64_t chunk_bytes, int64_t max_chunk_ns);

/**
 * Writes the first stream selector of `query` ("{a="b"}") into `out`
 * (size n); returns false when the query does not parse or has none.
 */
bool qrun_selector(const char *query, char *out, size_t n);

#endif

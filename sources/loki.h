/**
 * sources/loki.h: Grafana Loki HTTP API client (2.8 and 3.x responses).
 *
 * Builds URLs, sends them through sources/http.h, parses the JSON with
 * jansson into `struct result` (sources/result.h) and words errors the way
 * a user can act on them, quoting Loki's own message.  It never draws.
 *
 * Life cycle: loki_new() -> requests -> loki_free().  The `struct http`
 * passed to loki_new() must outlive the client.
 *
 * Request protocol (every loki_* call that takes a loki_done_fn):
 *   - Returns a handle for loki_cancel(), or NULL when the arguments are
 *     unusable; then the callback is never called.
 *   - Otherwise `cb` is called exactly once from a loop callback, unless
 *     loki_cancel() or loki_free() comes first (then never).
 *   - `err` is NULL on success and `res` is a new result that the callback
 *     owns (free it with result_free()).  On failure `err` is borrowed for
 *     the call and `res` is NULL.
 *   - The handle is invalid once the callback returned or after
 *     loki_cancel().
 *
 * Paging: loki_query_range() on a log query fetches pages of at most
 * `page_size` entries and moves the time window past the last entry seen
 * (end exclusive, so the boundary timestamp is asked for again and its
 * entries are de-duplicated), until `limit` entries are collected or the
 * range is exhausted.  loki_query.seen continues from lines held
 * elsewhere the same way.  A server "max entries limit" answer lowers the page
 * size and retries.  When the result is cut, result->limit says by whom.
 * A range the server rejects as too long or too slow is split in halves
 * and run piece by piece; metric (matrix) pieces are cut on the step grid
 * and their samples merged in time order.
 */
#ifndef LX_SOURCES_LOKI_H
#define LX_SOURCES_LOKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sources/http.h"
#include "sources/result.h"
#include "sources/source.h"

struct loki;
struct loki_req;

/** Connection settings.  Strings are copied by loki_new(). */
struct loki_config {
	const char *url;             /* "http://127.0.0.1:3100" (+ path prefix) */
	struct http_auth auth;       /* LOKI_* env names are the app's business */
	long timeout_ms;             /* per HTTP attempt; 0: 30000 */
	long connect_timeout_ms;     /* 0: 5000 */
	size_t max_body;             /* per response; 0: 64 MiB */
	int max_retries;             /* 0: 3; <0: none */
	long retry_base_ms;          /* 0: 200 */
};

typedef void (*loki_done_fn)(void *ud, const struct res_error *err, struct result *res);
/** Progress of a chunked query: `done` of `total` chunks, `entries` so far. */
typedef void (*loki_progress_fn)(void *ud, size_t done, size_t total, size_t entries);

struct loki_query {
	const char *query;           /* LogQL */
	int64_t start_ns, end_ns;    /* range; end 0: now; start 0: end - 1 h */
	int64_t time_ns;             /* instant query time; 0: now */
	size_t limit;                /* log entries wanted in total; 0: 1000 */
	size_t page_size;            /* per request; 0: min(limit, 5000) */
	bool forward;                /* oldest first (default newest first) */
	double step_s;               /* metric step; 0: server default */
	int64_t split_ns;            /* run the range in chunks this long; 0: one */
	loki_progress_fn progress;   /* optional, called after each chunk */
	bool count_total;            /* when `limit` cuts a log query, ask Loki
				      * sum(count_over_time(...)) for the full
				      * count (result->limit.total) */
	const struct result *seen;   /* range log queries: the next page after
				      * these lines (borrowed for the call): its
				      * entries at the edge timestamp (end_ns - 1
				      * backward, start_ns forward) are not
				      * returned again, the rest of that
				      * timestamp is; `limit` counts new lines */
};

/**
 * Fills `cfg` from logcli's environment variables (all optional):
 * LOKI_ADDR, LOKI_ORG_ID (tenants "a|b"), LOKI_USERNAME, LOKI_PASSWORD,
 * LOKI_BEARER_TOKEN, LOKI_BEARER_TOKEN_FILE, LOKI_CA_CERT_PATH,
 * LOKI_CLIENT_CERT_PATH, LOKI_CLIENT_KEY_PATH, LOKI_TLS_SKIP_VERIFY
 * ("1"/"true").  `getenv_fn` is getenv() or a test double; the strings
 * are borrowed from it until loki_new() copies them.  Fields without a
 * variable are left as they were.  `headers` (NULL-terminated, borrowed)
 * become extra headers.
 */
void loki_config_from_env(struct loki_config *cfg, char *(*getenv_fn)(const char *),
			  const char *const *headers);

/* ---- Life cycle ---- */

/** Returns a new client, or NULL when cfg->url is missing. */
struct loki *loki_new(struct http *http, const struct loki_config *cfg);
/** Cancels every request (no callbacks) and frees the client.  NULL ok. */
void loki_free(struct loki *lk);
/** Cancels one request; its callback is never called.  NULL ok. */
void loki_cancel(struct loki_req *r);

/**
 * How far a request has come, for progress displays: for range queries the
 * time chunks done of the total, entries merged so far, HTTP requests sent
 * and response bytes received (finished pages plus the one in flight).
 */
struct loki_progress {
	size_t chunks_done, chunks_total;
	size_t entries;
	size_t pages;
	uint64_t bytes;
};
void loki_req_progress(const struct loki_req *r, struct loki_progress *p);
/**
 * Cancels a range query like loki_cancel() but hands back what it had
 * merged so far (a new result the caller frees; never NULL for a range
 * query, maybe empty), so a cancelled query can show its partial lines.
 * Other requests give NULL.  The callback is never called.
 */
struct result *loki_cancel_keep(struct loki_req *r);

/* ---- Queries ---- */

/** /loki/api/v1/query: streams or vector/scalar at q->time_ns. */
struct loki_req *loki_query(struct loki *lk, const struct loki_query *q,
			    loki_done_fn cb, void *ud);
/** /loki/api/v1/query_range with paging (logs) or one matrix (metrics). */
struct loki_req *loki_query_range(struct loki *lk, const struct loki_query *q,
				  loki_done_fn cb, void *ud);
/** /loki/api/v1/labels -> RES_STRINGS.  Times 0: server defaults. */
struct loki_req *loki_labels(struct loki *lk, int64_t start_ns, int64_t end_ns,
			     loki_done_fn cb, void *ud);
/** /loki/api/v1/label/NAME/values -> RES_STRINGS; `selector` may be NULL. */
struct loki_req *loki_label_values(struct loki *lk, const char *name,
				   const char *selector, int64_t start_ns,
				   int64_t end_ns, loki_done_fn cb, void *ud);
/** /loki/api/v1/series?match[]=... -> RES_LABELSETS. */
struct loki_req *loki_series(struct loki *lk, const char *match, int64_t start_ns,
			     int64_t end_ns, loki_done_fn cb, void *ud);
/**
 * /loki/api/v1/index/stats -> RES_INFO with result->index filled (what a
 * query would read: streams, chunks, entries, bytes).
 */
struct loki_req *loki_index_stats(struct loki *lk, const char *query, int64_t start_ns,
				  int64_t end_ns, loki_done_fn cb, void *ud);
/**
 * /loki/api/v1/index/volume -> RES_VECTOR (bytes per label set).  A server
 * without it (Loki < 2.9 answers 404) gives err->code LX_ENOENT and a
 * message saying so: callers should hide the feature, not fail.
 */
struct loki_req *loki_index_volume(struct loki *lk, const char *query, int64_t start_ns,
				   int64_t end_ns, size_t limit, loki_done_fn cb, void *ud);
/** /ready -> RES_NONE on success. */
struct loki_req *loki_ready(struct loki *lk, loki_done_fn cb, void *ud);
/** /loki/api/v1/status/buildinfo -> RES_INFO (version, revision, ...). */
struct loki_req *loki_buildinfo(struct loki *lk, loki_done_fn cb, void *ud);
/** /metrics -> RES_STRINGS with one string, the exposition text. */
struct loki_req *loki_metrics(struct loki *lk, loki_done_fn cb, void *ud);
/** POST /loki/api/v1/push of a JSON body (copied) -> RES_NONE. */
struct loki_req *loki_push(struct loki *lk, const char *json, size_t len,
			   loki_done_fn cb, void *ud);

/**
 * Chooses a chunk length for loki_query.split_ns from /index/stats, so
 * each chunk reads about `target_bytes` (0: 256 MiB) assuming data is
 * spread evenly over [start_ns, end_ns).  Returns 0 (no split) when one
 * chunk is enough; never less than one minute.
 */
int64_t loki_plan_split(const struct res_index *st, int64_t start_ns, int64_t end_ns,
			uint64_t target_bytes);

/* ---- Building push bodies (for `demo --push` and tests) ---- */

/**
 * A JSON body for loki_push(): begin, then for each stream one
 * loki_push_stream() followed by its loki_push_entry() calls, then end.
 * Embedded by value; `body` is the text to send; release with
 * loki_push_buf_release().  Example:
 *   struct loki_push_buf pb;
 *   loki_push_begin(&pb);
 *   loki_push_stream(&pb, &labels);
 *   loki_push_entry(&pb, ts_ns, line, len);
 *   loki_push_end(&pb);
 *   loki_push(lk, pb.body.buf, pb.body.len, cb, ud);
 *   loki_push_buf_release(&pb);
 */
struct loki_push_buf {
	struct sbuf body;
	size_t streams, entries;     /* counts so far */
	size_t in_stream;            /* entries in the open stream */
	bool open;                   /* a stream is open */
};
void loki_push_begin(struct loki_push_buf *pb);
/** Starts a stream with these labels (copied into the text). */
void loki_push_stream(struct loki_push_buf *pb, const struct res_labels *labels);
void loki_push_entry(struct loki_push_buf *pb, int64_t ts_ns, const char *line, size_t len);
void loki_push_end(struct loki_push_buf *pb);
void loki_push_buf_release(struct loki_push_buf *pb);

/* ---- Parsing (exposed for fixture tests and the tail) ---- */

/**
 * Parses a query/query_range body into a new result (*out, caller frees).
 * Returns 0 or LX_EPARSE with `err` filled.
 */
int loki_parse_query(const char *body, size_t len, struct result **out,
		     struct res_error *err);
/**
 * Parses one tail frame ({"streams":[...],"dropped_entries":[...]}) into
 * a new RES_STREAMS result; `*dropped` receives the dropped entry count.
 */
int loki_parse_tail_frame(const char *body, size_t len, struct result **out,
			  size_t *dropped, struct res_error *err);
/**
 * Words a failed HTTP answer from Loki: `resp` as given to an http_done_fn,
 * `what` names the endpoint ("query", "labels").
 */
void loki_error_from_http(const struct http_resp *resp, const char *what,
			  struct res_error *err);

/** Current wall clock in nanoseconds. */
int64_t loki_now_ns(void);

/* ---- Live tail as a source ---- */

struct loki_tail_config {
	const char *query;           /* LogQL log query */
	int64_t start_ns;            /* first line wanted; 0: now - 10 s */
	long poll_ms;                /* polling interval; 0: 1000 */
	long reconnect_ms;           /* first reconnect delay; 0: 500 */
	bool force_polling;          /* skip the websocket */
	int delay_for_s;             /* Loki delay_for (0..5) */
	long handshake_timeout_ms;   /* websocket upgrade deadline; 0: 5000 */
	long ping_interval_ms;       /* websocket keepalive; 0: 10000 */
	size_t backfill_limit;       /* most lines one backfill fetches; 0: 50000 */
	bool history_limit_asked;    /* the user asked for only backfill_limit
				      * history lines: a cut history is no warning */
	long backfill_overlap_ms;    /* backfill re-reads this far before the last
				      * line seen (late/out-of-order lines); 0: 10000 */
	long poll_overlap_ms;        /* same for each poll; 0: 2000 */
	long ws_retry_ms;            /* polling after a failed upgrade: try the
				      * websocket again this often; 0: 60000;
				      * <0: never */
	long sweep_ms;               /* websocket mode: re-read the last
				      * backfill_overlap_ms this often, because
				      * Loki's tail does not send lines that arrive
				      * out of order; 0: 5000; <0: never */
};

/**
 * Returns a new source named "loki" that tails `tc->query`, or NULL for
 * bad arguments.  How it works:
 *   - History (start_ns .. now, when start_ns is more than 2 s back) comes
 *     from a paged backward query_range: the newest backfill_limit lines,
 *     delivered oldest first.  Loki's own tail would replay only `limit`.
 *   - Live lines come over the websocket /loki/api/v1/tail (sources/ws.c:
 *     plain TCP, or through curl for https and configured proxies, so TLS
 *     options and CONNECT tunnels apply).  When the upgrade hangs or is
 *     refused (a proxy refusing the tunnel, the server's tailer limit), it
 *     polls query_range forward from the last timestamp instead, and
 *     probes the websocket every ws_retry_ms.
 *   - After a websocket drop it reconnects with backoff and backfills
 *     from the last line seen; after 3 failed reconnects it polls.
 *   - Every sweep_ms it re-reads the last backfill_overlap_ms, because
 *     Loki's tail skips lines ingested out of order.
 *   - Each line is delivered once: replays are dropped by a key of
 *     (timestamp, labels, text) kept for 10 minutes behind the newest line.
 * Lines go to sink->line (origin = the stream's label set like
 * {job="x", level="ERROR"}, ts_ns = Loki's timestamp), in time order
 * within a batch; late lines arrive after newer ones.  sink->status tells
 * the mode and why, reconnects, lines recovered by each backfill, lines
 * Loki reported dropped (dropped_entries: known lost) and failures.  desc
 * reads like "loki websocket {job="x"} lag 0.2s" and follows the mode.
 * The client `lk` must outlive the source.  Free with source_free() after
 * (or instead of) source_stop().
 */
struct source *loki_tail_source_new(uv_loop_t *loop, struct loki *lk,
				    const struct loki_tail_config *tc,
				    const struct source_sink *sink);

/** Counters of a tail source, for tests and the status bar; valid until
 * source_stop(). */
struct loki_tail_stats {
	bool websocket;              /* current mode */
	size_t lines;                /* delivered to the sink */
	size_t duplicates;           /* dropped by de-dup */
	size_t reconnects;
	size_t recovered;            /* delivered by backfill after reconnects */
	size_t late;                 /* out-of-order lines found by sweeps */
	size_t lost;                 /* known lost (dropped_entries) */
	int64_t last_ts_ns;
	double lag_s;
};
void loki_tail_get_stats(const struct source *s, struct loki_tail_stats *st);

#endif

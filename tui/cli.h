/**
 * tui/cli.h: headless command helpers: printing results, and the tail.
 *
 * `iftop-logs tail 'LOGQL'` prints the lines of a log query as they
 * arrive, until SIGINT/SIGTERM or until standard output is closed
 * (| head), both of which end it quietly with status 0.
 *
 * Sources:
 *   - Loki: its live tail (sources/loki.h, websocket or polling), after a
 *     /ready probe so an unreachable Loki is an error, not a retry loop.
 *   - Files (followed like tail -F over globs) and the demo swarm: every
 *     line goes through the local evaluator (logql/lq_eval.h) with the
 *     labels local queries give it (sources/file_query.h), secrets masked.
 * History first: the newest `limit` lines of the last `since_ns`, oldest
 * first; then the live lines, in batches every 100 ms.  Output is that of
 * `iftop-logs query` (views/query_text.h): the same line shapes for
 * default, raw and jsonl.
 */
#ifndef LX_TUI_CLI_H
#define LX_TUI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sources/demo.h"
#include "sources/loki.h"
#include "sources/result.h"
#include "views/query_text.h"

struct cli_tail_opts {
	const char *query;               /* LogQL log query */
	int output;                      /* enum query_output: QO_DEFAULT, QO_RAW, QO_JSONL */
	bool utc;                        /* default output: times in UTC */
	bool verbose;                    /* Loki: each HTTP request on stderr */
	int64_t since_ns;                /* history from this long ago; 0: 10 s */
	long limit;                      /* history: the newest N lines; 0: 30 */
	/* The source: Loki when `loki` is set, else the files, else the demo. */
	const struct loki_config *loki;
	const char *const *files;        /* paths, globs or comma-separated lists */
	size_t nfiles;
	long history_lines;              /* files: most lines read back per file */
	size_t max_line;                 /* files: line cap */
	const struct demo_opts *demo;    /* history_ns and live are set here */
};

/**
 * Runs the tail on `loop` (which must have nothing else to do) and
 * returns the exit status: 0 (interrupted or output closed), 1 (Loki
 * unreachable), 2 (not a log query).  Messages go to stderr.
 */
int cli_tail(uv_loop_t *loop, const struct cli_tail_opts *o);

/**
 * Writes `r` to stdout as views/query_text.h renders it in `mode`, except
 * that raw lines going to a terminal get control characters escaped as on
 * screen.  Returns 0, or -1 when the write failed (a closed pipe): the
 * caller then stops quietly.
 */
int cli_print_result(const struct result *r, enum query_output mode, bool forward, bool utc);

/** An http_debug_fn (sources/http.h) writing each line to stderr. */
void cli_http_debug(void *ud, const char *line);

#endif

/**
 * sources/file_query.h: LogQL straight over log files, without the store.
 *
 * For `iftop-logs query` on files: every line of every file is read in
 * big chunks, scanned once for its labels (level, agent_id, component,
 * correlation_id, hostname, service, filename, as in
 * sources/local_query.h) and handed to the evaluator.  Nothing is held,
 * so the answer covers whole files whatever --max-memory is.  Secrets
 * (core/redact.h) never show: lines are masked before a pipeline parses
 * or formats them, and printed lines, label values and errors after.
 * Only the stream labels a query reads are scanned for (see `want` in
 * logql/lq_eval.h).
 */
#ifndef LX_SOURCES_FILE_QUERY_H
#define LX_SOURCES_FILE_QUERY_H

#include <stddef.h>

#include "core/scan.h"
#include "logql/lq_eval.h"

/**
 * Runs `query` over the files matching `globs` (comma-separated list of
 * globs or paths); see lq_eval() for the result and errors.  Returns
 * LX_ENOENT (with err->msg set) when no file matches.
 */
int file_query(const char *const *globs, size_t nglobs, const char *query,
	       const struct lq_eval_params *p, struct lq_result **out, struct lq_error *err);

/**
 * The stream labels a local line gets: level, agent_id, component,
 * correlation_id, hostname, service (from the scan `r` of `line`; the
 * SCAN_W_* bits of `want` say which) and filename (`origin`, when `want`
 * has LINE_W_FILE); empty values are left out, as Loki does.  `v` points
 * into `buf`, into `origin` and to static strings: valid until the next
 * call on `ll` and while `origin` is.
 */
enum { LINE_W_FILE = 1 << 8, LINE_W_ALL = SCAN_W_ALL | LINE_W_FILE };
struct line_labels {
	struct lq_label v[7];
	size_t n;
	char buf[5][128];
};
void line_labels_set(struct line_labels *ll, const char *line, const struct scan_result *r,
		     const char *origin, unsigned want);

#endif

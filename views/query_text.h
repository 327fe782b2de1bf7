/**
 * views/query_text.h: LogQL results as text for `iftop-logs query`.
 *
 * Log results (streams) are merged into one list in the query's direction
 * and printed logcli-style: `default` is "TIME {labels} line", `raw` the
 * line alone, `jsonl` one JSON object per line ({"timestamp", "labels",
 * "line"}).  Metric results print as a table (one row per series and
 * point) or, with `json`, as Loki's response body.  Works on results
 * from Loki and from the local evaluator alike (sources/result.h).  Log text passes
 * through unchanged in raw/jsonl (scripts want bytes); in `default` control
 * characters are escaped as on screen.
 */
#ifndef LX_VIEWS_QUERY_TEXT_H
#define LX_VIEWS_QUERY_TEXT_H

#include <stdbool.h>

#include "core/sbuf.h"
#include "sources/result.h"

enum query_output { QO_DEFAULT, QO_RAW, QO_JSONL, QO_JSON };

/** Parses "default", "raw", "jsonl", "json"; -1 when unknown. */
int query_output_parse(const char *s);
/**
 * Appends `r` rendered as `mode` to out; `utc` picks the time zone of
 * the default mode.  QO_JSON writes Loki's response body
 * ({"status":"success","data":{"resultType":...,"result":[...]}}).
 */
void query_text(const struct result *r, enum query_output mode, bool forward, bool utc,
		struct sbuf *out);

#endif

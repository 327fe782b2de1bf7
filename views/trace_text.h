/**
 * views/trace_text.h: a request's waterfall as plain text or JSON, for
 * `iftop-logs trace ID` (scripts, ssh one-liners, bug reports).
 */
#ifndef LX_VIEWS_TRACE_TEXT_H
#define LX_VIEWS_TRACE_TEXT_H

#include <stdbool.h>

#include "core/sbuf.h"
#include "core/store.h"

/**
 * Appends the waterfall of correlation id `corr` to out: a header, one row
 * per line (offset, duration, agent, component, bar of `bar_width` cells,
 * markers: * critical path, ! error), a legend.  `ascii` draws bars with
 * '#' and '=' only; `utc` picks the zone of the start time.  With `json`,
 * a JSON document of the spans instead.  Returns 0, or LX_ENOENT (with a
 * message in out) when no line of `corr` is held.
 */
int trace_text(const struct store *st, const char *corr, bool ascii, bool json, bool utc,
	       int bar_width, struct sbuf *out);

#endif

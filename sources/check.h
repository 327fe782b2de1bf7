/**
 * sources/check.h: `iftop-logs check`, the seed's troubleshooting section
 * as a command.  Looks at Loki (reachable, ready, version, labels,
 * ingestion, agents gone quiet), Prometheus (ready, targets, firing
 * alerts) and the local agent log files (present, growing, parseable),
 * and says what is wrong in plain words with what to try.
 *
 * Returns the exit status: 0 healthy, 1 degraded, 2 unreachable (a
 * configured server does not answer, or there is nothing to check).
 */
#ifndef LX_SOURCES_CHECK_H
#define LX_SOURCES_CHECK_H

#include <uv.h>

#include "core/sbuf.h"
#include "sources/loki.h"
#include "sources/prom.h"

/** Runs the checks on `loop` (run here); NULL configs are skipped. */
int stack_check(uv_loop_t *loop, const struct loki_config *loki, const struct prom_config *prom,
		const char *files_globs, struct sbuf *out);

#endif

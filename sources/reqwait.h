/**
 * sources/reqwait.h: wait on the loop for one Loki or Prometheus answer,
 * for headless commands that read top to bottom (check, query, labels).
 *
 * Pass req_wait_result / req_wait_status as the callback with a zeroed
 * `struct req_wait` (loop set) as ud, then req_wait_run().  Afterwards
 * `res` / `st` are owned by the caller (result_free / prom_status_free),
 * or `failed` is set with `err`.  Never use it from a loop callback.
 */
#ifndef LX_SOURCES_REQWAIT_H
#define LX_SOURCES_REQWAIT_H

#include <stdbool.h>
#include <uv.h>

#include "sources/prom.h"
#include "sources/result.h"

struct req_wait {
	uv_loop_t *loop;
	bool done, failed;
	struct res_error err;
	struct result *res;
	struct prom_status *st;
};

void req_wait_result(void *ud, const struct res_error *err, struct result *res);
void req_wait_status(void *ud, const struct res_error *err, struct prom_status *st);
/** Runs the loop until the answer came; `started` false: the request was not sent. */
void req_wait_run(struct req_wait *w, bool started);

#endif

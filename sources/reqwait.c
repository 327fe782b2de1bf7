/* sources/reqwait.c: blocking-style waits on the loop for headless commands. */
#include "sources/reqwait.h"

#include <stdio.h>

void
req_wait_result(void *ud, const struct res_error *err, struct result *res)
{
	struct req_wait *w = ud;
	w->done = true;
	w->failed = err != NULL;
	if (err)
		w->err = *err;
	w->res = res;
}

void
req_wait_status(void *ud, const struct res_error *err, struct prom_status *st)
{
	struct req_wait *w = ud;
	w->done = true;
	w->failed = err != NULL;
	if (err)
		w->err = *err;
	w->st = st;
}

void
req_wait_run(struct req_wait *w, bool started)
{
	if (!started) {
		w->done = w->failed = true;
		snprintf(w->err.msg, sizeof(w->err.msg), "could not start the request");
		return;
	}
	while (!w->done)
		uv_run(w->loop, UV_RUN_ONCE);
}

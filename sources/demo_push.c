/*
 * sources/demo_push.c: demo lines into Loki's push API, one batch at a
 * time (at most 2000 lines), waiting for each answer before the next so a
 * slow Loki is never flooded.
 */
#include "sources/demo_push.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/scan.h"
#include "sources/demo.h"

#define BATCH 2000

struct pusher {
	uv_loop_t *loop;
	struct loki *lk;
	struct loki_push_buf pb;
	size_t pending, pushed;
	int err;
	bool done;
};

static void
push_done(void *ud, const struct res_error *err, struct result *res)
{
	struct pusher *p = ud;
	result_free(res);
	if (err) {
		fprintf(stderr, "iftop-logs: demo --push: %s\n", err->msg);
		p->err = err->code ? err->code : LX_EHTTP;
	}
	p->done = true;
}

static void
flush(struct pusher *p)
{
	if (!p->pending || p->err)
		return;
	loki_push_end(&p->pb);
	p->done = false;
	if (!loki_push(p->lk, p->pb.body.buf, p->pb.body.len, push_done, p)) {
		fprintf(stderr, "iftop-logs: demo --push: cannot send\n");
		p->err = LX_EINVAL;
	} else {
		while (!p->done)
			uv_run(p->loop, UV_RUN_ONCE);
	}
	p->pushed += p->pending;
	p->pending = 0;
	loki_push_buf_release(&p->pb);
	loki_push_begin(&p->pb);
}

static void
span_value(char *buf, size_t size, const char *line, struct span sp)
{
	size_t n = sp.len < size - 1 ? sp.len : size - 1;
	memcpy(buf, line + sp.off, n);
	buf[n] = '\0';
}

static void
on_line(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	struct pusher *p = ud;
	if (p->err)
		return;
	struct scan_result r;
	scan_line(line, len, &r);
	char comp[64];
	span_value(comp, sizeof(comp), line, r.component);
	struct res_labels l = { 0 };
	res_labels_set(&l, "job", "infrafabric");
	res_labels_set(&l, "service", "infrafabric");
	res_labels_set(&l, "agent_id", agent);
	res_labels_set(&l, "component", comp);
	res_labels_set(&l, "level", scan_level_str(r.level));
	loki_push_stream(&p->pb, &l);
	loki_push_entry(&p->pb, ts, line, len);
	res_labels_release(&l);
	if (++p->pending == BATCH)
		flush(p);
}

static int64_t
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
demo_push(uv_loop_t *loop, struct loki *lk, uint64_t seed, long rate, int64_t history_ns, int follow)
{
	struct pusher p = { .loop = loop, .lk = lk };
	loki_push_begin(&p.pb);
	int64_t now = now_ns();
	struct demo_gen *g = demo_gen_new(seed, rate, now - history_ns);
	demo_gen_run(g, now, on_line, &p);
	flush(&p);
	if (!p.err)
		fprintf(stderr, "iftop-logs: demo --push: %zu lines pushed\n", p.pushed);
	while (follow && !p.err) {
		sleep(1);
		demo_gen_run(g, now_ns(), on_line, &p);
		flush(&p);
	}
	demo_gen_free(g);
	loki_push_buf_release(&p.pb);
	return p.err;
}

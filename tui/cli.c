/*
 * tui/cli.c: headless output, and the headless tail.  The tail has one
 * sink for every source: Loki lines (already filtered by Loki) are
 * collected into a result; local lines are held (secrets masked) and run
 * through the evaluator, the history once when it is complete, then each
 * batch of live lines.  A timer prints the batches; a closed stdout,
 * SIGINT or SIGTERM stop the loop.  Never draws.
 */
#include "tui/cli.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/redact.h"
#include "core/scan.h"
#include "core/xalloc.h"
#include "logql/lq.h"
#include "sources/file.h"
#include "sources/file_query.h"
#include "sources/local_query.h"
#include "sources/reqwait.h"

#define FLUSH_MS 100

/* A local line waiting for the evaluator. */
struct pend {
	size_t off, len;             /* in tail_run.text */
	int64_t arrived_ns;          /* its time when the line has none */
	size_t origin;               /* index in tail_run.origins */
};

struct tail_run {
	const struct cli_tail_opts *o;
	uv_loop_t *loop;
	int64_t since_ns;
	bool in_history, running, stopped;
	int rc;
	/* Loki: lines to print, and the labels of the last origin seen. */
	struct result *batch;
	char *origin;
	struct res_labels labels;
	/* Local: lines to evaluate. */
	struct sbuf text;
	struct pend *pend;
	size_t npend, cap_pend;
	char **origins;
	size_t norigins, cap_origins;
	char last_msg[600];
	uv_timer_t timer;
	uv_signal_t sigint, sigterm;
	uv_poll_t out;
	bool out_watched;
};

static void
stop(struct tail_run *t, int rc)
{
	if (t->stopped)
		return;
	t->stopped = true;
	t->rc = rc;
	if (t->running)
		uv_stop(t->loop);
}

int
cli_print_result(const struct result *r, enum query_output mode, bool forward, bool utc)
{
	struct sbuf out = SBUF_INIT;
	query_text(r, mode, forward, utc, &out);
	if (mode == QO_RAW && isatty(1)) {
		/* Line by line, so the newlines stay. */
		struct sbuf vis = SBUF_INIT;
		for (size_t i = 0; i < out.len;) {
			const char *nl = memchr(out.buf + i, '\n', out.len - i);
			size_t n = nl ? (size_t)(nl - out.buf) - i : out.len - i;
			sbuf_add_visible(&vis, out.buf + i, n);
			if (nl)
				sbuf_addc(&vis, '\n');
			i += n + 1;
		}
		sbuf_release(&out);
		out = vis;
	}
	int rc = out.len && (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout)) ? -1 : 0;
	sbuf_release(&out);
	return rc;
}

/* Prints a result as `query` does; a closed pipe stops quietly. */
static void
print_result(struct tail_run *t, const struct result *r)
{
	if (cli_print_result(r, (enum query_output)t->o->output, true, t->o->utc))
		stop(t, 0);
}

/* ---- local lines through the evaluator ---- */

struct pend_walk {
	const struct tail_run *t;
	size_t pos;
	struct line_labels ll;
};

static int
pw_open(void *ud, int64_t start_ns, int64_t end_ns, const struct lq_selector *sel)
{
	(void)start_ns;
	(void)end_ns;
	(void)sel;
	((struct pend_walk *)ud)->pos = 0;
	return 0;
}

static int
pw_next(void *ud, struct lq_entry *e)
{
	struct pend_walk *w = ud;
	if (w->pos >= w->t->npend)
		return 0;
	const struct pend *p = &w->t->pend[w->pos++];
	const char *line = w->t->text.buf + p->off;
	struct scan_result r;
	scan_line(line, p->len, &r);
	line_labels_set(&w->ll, line, &r, w->t->origins[p->origin], LINE_W_ALL);
	*e = (struct lq_entry){
		.ts_ns = (r.flags & SCAN_F_TS) ? r.ts_ns : p->arrived_ns,
		.labels = w->ll.v,
		.nlabels = w->ll.n,
		.line = line,
		.len = p->len,
	};
	return 1;
}

/* Evaluates the held lines: the history (newest `limit` of the last
 * `since`) or a batch of live lines (all that match), then prints them. */
static void
flush_local(struct tail_run *t)
{
	if (!t->npend || t->stopped)
		return;
	bool hist = t->in_history;
	struct lq_eval_params p = {
		.start_ns = hist ? loki_now_ns() - t->since_ns : 0,
		.end_ns = INT64_MAX / 2,
		.limit = hist ? (unsigned)(t->o->limit > 0 ? t->o->limit : 30) : (unsigned)t->npend,
		.direction = hist ? LQ_BACKWARD : LQ_FORWARD,
		.split_ns = -1,
	};
	struct pend_walk w = { .t = t };
	struct lq_source src = { .ud = &w, .open = pw_open, .next = pw_next };
	struct lq_result *res = NULL;
	struct lq_error err;
	int rc = lq_eval(t->o->query, &p, &src, &res, &err);
	t->npend = 0;
	sbuf_reset(&t->text);
	if (rc) {
		fprintf(stderr, "iftop-logs: tail: %s\n", err.msg);
		stop(t, 1);
		return;
	}
	struct result *r = local_result(res);
	lq_result_free(res);
	print_result(t, r);
	result_free(r);
}

static size_t
origin_index(struct tail_run *t, const char *origin)
{
	for (size_t i = t->norigins; i-- > 0;)
		if (!strcmp(t->origins[i], origin))
			return i;
	xgrow(&t->origins, &t->cap_origins, t->norigins + 1, sizeof(char *));
	t->origins[t->norigins] = xstrdup(origin);
	return t->norigins++;
}

/* ---- Loki lines ---- */

/* `{a="x", b="y"}` (an origin from the Loki tail) back into labels. */
static void
parse_labels(const char *s, struct res_labels *l)
{
	struct arena a;
	arena_init(&a, 0);
	struct lq_expr *e = lq_parse(&a, s, strlen(s), NULL);
	for (size_t i = 0; e && i < e->sel.n; i++) {
		char *v = xstrndup(e->sel.m[i].value, e->sel.m[i].value_len);
		res_labels_set(l, e->sel.m[i].name, v);
		free(v);
	}
	arena_free(&a);
}

static void
add_loki_line(struct tail_run *t, const char *origin, int64_t ts_ns, const char *text, size_t len)
{
	if (!t->origin || strcmp(t->origin, origin)) {
		free(t->origin);
		t->origin = xstrdup(origin);
		res_labels_release(&t->labels);
		parse_labels(origin, &t->labels);
	}
	if (!t->batch)
		t->batch = result_new(RES_STREAMS);
	res_stream_add(result_stream(t->batch, &t->labels), ts_ns, text, len);
}

/* ---- the sink ---- */

static void
on_line(void *ud, const char *text, size_t len, size_t full_len, const char *origin, int64_t ts_ns)
{
	struct tail_run *t = ud;
	(void)full_len;
	if (t->stopped)
		return;
	if (t->o->loki) {
		add_loki_line(t, origin ? origin : "", ts_ns, text, len);
		return;
	}
	xgrow(&t->pend, &t->cap_pend, t->npend + 1, sizeof(*t->pend));
	sbuf_grow(&t->text, len + 1);
	size_t n = redact_copy(text, len, t->text.buf + t->text.len);
	t->pend[t->npend++] = (struct pend){
		.off = t->text.len, .len = n, .arrived_ns = loki_now_ns(),
		.origin = origin_index(t, origin ? origin : ""),
	};
	t->text.len += n;
}

static void
on_status(void *ud, enum source_status_level lvl, const char *msg)
{
	struct tail_run *t = ud;
	/* Retries repeat their message: say it once. */
	if (lvl == SRC_INFO || !strcmp(msg, t->last_msg))
		return;
	snprintf(t->last_msg, sizeof(t->last_msg), "%s", msg);
	fprintf(stderr, "iftop-logs: %s\n", msg);
}

static void
on_history_done(void *ud)
{
	struct tail_run *t = ud;
	flush_local(t);
	t->in_history = false;
}

static void
on_timer(uv_timer_t *h)
{
	struct tail_run *t = h->data;
	if (t->batch) {
		struct result *r = t->batch;
		t->batch = NULL;
		print_result(t, r);
		result_free(r);
	}
	if (!t->in_history)
		flush_local(t);
}

static void
on_signal(uv_signal_t *h, int sig)
{
	(void)sig;
	stop(h->data, 0);
}

static void
on_out_closed(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	stop(h->data, 0);
}

/* When stdout is a pipe, its reader going away (| head) ends the tail at
 * once, even while no line is printed. */
static void
watch_stdout(struct tail_run *t)
{
	struct stat sb;
	int fl = fcntl(1, F_GETFL);
	if (fl < 0 || fstat(1, &sb) || !S_ISFIFO(sb.st_mode) || uv_poll_init(t->loop, &t->out, 1))
		return;
	/* uv_poll_init made the pipe non-blocking; writes stay blocking. */
	fcntl(1, F_SETFL, fl);
	t->out.data = t;
	uv_poll_start(&t->out, UV_DISCONNECT, on_out_closed);
	t->out_watched = true;
}

/* ---- the command ---- */

void
cli_http_debug(void *ud, const char *line)
{
	(void)ud;
	fprintf(stderr, "iftop-logs: %s\n", line);
}

/* Loki answers /ready, or says why not (exit 1). */
static bool
loki_is_ready(uv_loop_t *loop, struct loki *lk)
{
	struct req_wait w = { .loop = loop };
	struct loki_req *rq = loki_ready(lk, req_wait_result, &w);
	req_wait_run(&w, rq != NULL);
	if (w.failed)
		fprintf(stderr, "iftop-logs: tail: %s\n", w.err.msg);
	result_free(w.res);
	return !w.failed;
}

/* A file source over every path of the comma-separated lists. */
static struct source *
files_source(struct tail_run *t, const struct source_sink *sink)
{
	const struct cli_tail_opts *o = t->o;
	const char **paths = NULL;
	char **copies = xcalloc(o->nfiles, sizeof(char *));
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < o->nfiles; i++) {
		char *save = NULL;
		copies[i] = xstrdup(o->files[i]);
		for (char *g = strtok_r(copies[i], ",", &save); g; g = strtok_r(NULL, ",", &save)) {
			xgrow(&paths, &cap, n + 1, sizeof(char *));
			paths[n++] = g;
		}
	}
	struct file_source_opts fo = {
		.paths = paths,
		.npaths = n,
		.history_lines = o->history_lines,
		.max_line = o->max_line,
		.since_ns = loki_now_ns() - t->since_ns,
		.line_ts = scan_line_ts,
		.merge_history = true,
	};
	struct source *s = n ? file_source_new(t->loop, &fo, sink) : NULL;
	for (size_t i = 0; i < o->nfiles; i++)
		free(copies[i]);
	free(copies);
	free(paths);
	return s;
}

/* 0 for a log query; else says why on stderr and returns 2. */
static int
check_query(const char *q)
{
	struct arena a;
	arena_init(&a, 0);
	struct lq_error err;
	struct lq_expr *e = lq_parse(&a, q, strlen(q), &err);
	int rc = 0;
	if (!e) {
		char buf[1024];
		lq_error_format(&err, q, buf, sizeof(buf));
		fprintf(stderr, "iftop-logs: tail: %s\n(iftop-logs logql check 'QUERY' explains and proposes a fix)\n",
			buf);
		rc = 2;
	} else if (!lq_is_log_query(e)) {
		fprintf(stderr, "iftop-logs: tail: '%s' is a metric query; tail follows log queries "
			"(use iftop-logs query for metrics)\n", q);
		rc = 2;
	}
	arena_free(&a);
	return rc;
}

int
cli_tail(uv_loop_t *loop, const struct cli_tail_opts *o)
{
	int rc = check_query(o->query);
	if (rc)
		return rc;
	struct tail_run t = {
		.o = o, .loop = loop, .in_history = true,
		.since_ns = o->since_ns > 0 ? o->since_ns : 10 * 1000000000LL,
	};
	struct source_sink sink = { .ud = &t, .line = on_line, .status = on_status, .history_done = on_history_done };
	struct http *http = NULL;
	struct loki *lk = NULL;
	struct source *src = NULL;
	if (o->loki) {
		http = http_new(loop);
		if (o->verbose)
			http_set_debug(http, cli_http_debug, NULL);
		lk = loki_new(http, o->loki);
		struct loki_tail_config tc = {
			.query = o->query,
			.start_ns = loki_now_ns() - t.since_ns,
			.backfill_limit = o->limit > 0 ? (size_t)o->limit : 30,
			.history_limit_asked = true,
		};
		if (lk && loki_is_ready(loop, lk))
			src = loki_tail_source_new(loop, lk, &tc, &sink);
		else
			rc = 1;
	} else if (o->nfiles) {
		src = files_source(&t, &sink);
	} else if (o->demo) {
		struct demo_opts d = *o->demo;
		d.history_ns = t.since_ns;
		d.live = 1;
		src = demo_source_new(loop, &d, &sink);
	}
	if (!rc && (!src || source_start(src))) {
		fprintf(stderr, "iftop-logs: tail: cannot start the source\n");
		rc = 1;
	}
	if (!rc) {
		/* The demo emits its history inside source_start(). */
		if (!o->loki && !o->nfiles)
			on_history_done(&t);
		uv_timer_init(loop, &t.timer);
		t.timer.data = &t;
		uv_timer_start(&t.timer, on_timer, FLUSH_MS, FLUSH_MS);
		uv_signal_init(loop, &t.sigint);
		uv_signal_init(loop, &t.sigterm);
		t.sigint.data = t.sigterm.data = &t;
		uv_signal_start(&t.sigint, on_signal, SIGINT);
		uv_signal_start(&t.sigterm, on_signal, SIGTERM);
		watch_stdout(&t);
		t.running = !t.stopped;
		if (t.running)
			uv_run(loop, UV_RUN_DEFAULT);
		rc = t.rc;
		source_stop(src);
		uv_close((uv_handle_t *)&t.timer, NULL);
		uv_close((uv_handle_t *)&t.sigint, NULL);
		uv_close((uv_handle_t *)&t.sigterm, NULL);
		if (t.out_watched)
			uv_close((uv_handle_t *)&t.out, NULL);
	}
	if (src)
		source_free(src);
	loki_free(lk);
	http_free(http);
	uv_run(loop, UV_RUN_DEFAULT);
	result_free(t.batch);
	free(t.origin);
	res_labels_release(&t.labels);
	sbuf_release(&t.text);
	free(t.pend);
	for (size_t i = 0; i < t.norigins; i++)
		free(t.origins[i]);
	free(t.origins);
	return rc;
}

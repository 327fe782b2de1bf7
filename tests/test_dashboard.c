/*
 * tests/test_dashboard.c: dashboard panels against separate queries.
 *
 *   - local_inc (sources/local_query.h): every built-in panel's query fed
 *     in small slices equals local_query() over the same lines, at first,
 *     after more lines arrive (only new lines are fed) and while the store
 *     evicts;
 *   - the dashboard view in a headless app over a demo store: the numbers
 *     Enter shows for each panel of every built-in dashboard equal a
 *     separate evaluation of the panel's query (what `iftop-logs query`
 *     prints);
 *   - PromQL panels against the real Prometheus of the test run
 *     (PROM_TEST_ADDR): each panel's numbers equal a separate query to
 *     Prometheus at the same time; Prometheus' errors and a missing
 *     PROMETHEUS_ADDR are said in the panel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/store.h"
#include "sources/demo.h"
#include "sources/local_query.h"
#include "sources/prom.h"
#include "tui/app.h"
#include "tui/config.h"
#include "tui/keys.h"
#include "views/dashboard.h"
#include "views/query_text.h"

#define NS 1000000000LL
#define T0 (1764460800LL * NS)   /* 2025-11-30T00:00:00Z */

static void
push_line(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	(void)agent;
	store_push(ud, line, len, len, "demo", ts, ts);
}

static bool
same_labels(const struct lq_label *a, size_t na, const struct lq_label *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || strcmp(a[i].value, b[i].value))
			return false;
	return true;
}

static void
same_result(const struct lq_result *got, const struct lq_result *want, const char *what)
{
	if (got->type != want->type || got->nseries != want->nseries || got->nstreams != want->nstreams) {
		print_error("%s: type %d/%d, %zu/%zu series\n", what, got->type, want->type, got->nseries,
			    want->nseries);
		fail();
	}
	for (size_t i = 0; i < want->nseries; i++) {
		const struct lq_series *g = &got->series[i], *w = &want->series[i];
		if (!same_labels(g->labels, g->nlabels, w->labels, w->nlabels) || g->n != w->n) {
			print_error("%s: series %zu differs (%zu/%zu points)\n", what, i, g->n, w->n);
			fail();
		}
		for (size_t k = 0; k < w->n; k++) {
			double a = g->points[k].v, b = w->points[k].v;
			if (g->points[k].t_ms != w->points[k].t_ms ||
			    (isnan(b) ? !isnan(a) : fabs(a - b) > 1e-9 * (fabs(b) > 1 ? fabs(b) : 1))) {
				print_error("%s: series %zu point %zu: %.12g at %lld, want %.12g at %lld\n", what, i,
					    k, a, (long long)g->points[k].t_ms, b, (long long)w->points[k].t_ms);
				fail();
			}
		}
	}
}

/* The parameters the view uses: instant, or 5 minutes in 60 steps. */
static struct lq_eval_params
params(bool spark, int64_t now)
{
	struct lq_eval_params p = { .end_ns = now, .limit = 50, .direction = LQ_BACKWARD };
	if (spark) {
		p.start_ns = now - 300 * NS;
		p.step_ns = 5 * NS;
	} else {
		p.start_ns = now;
		p.instant = true;
	}
	return p;
}

/* Feeds `q` in slices of `slice` lines, evaluates, compares to a fresh run. */
static int
check_inc(struct local_inc *q, const struct store *st, const char *query, bool spark, int64_t now,
	  size_t slice)
{
	struct lq_eval_params p = params(spark, now);
	uint64_t upto = store_next_seq(st);
	struct lq_error e;
	int rc;
	while ((rc = local_inc_feed(q, st, &p, upto, slice, &e)) == 0)
		;
	assert_int_equal(rc, 1);
	struct lq_result *got = NULL, *want = NULL;
	assert_int_equal(local_inc_eval(q, st, &p, upto, &got, &e), 0);
	assert_int_equal(local_query(st, query, &p, &want, &e), 0);
	same_result(got, want, query);
	int n = (int)want->nseries;
	lq_result_free(got);
	lq_result_free(want);
	return n;
}

static void
run_inc(size_t max_bytes)
{
	struct store_opts so = { .max_bytes = max_bytes, .max_line = 65536 };
	struct store *st = store_new(&so);
	struct demo_gen *g = demo_gen_new(5, 30, T0);
	struct dashboard_set set = { 0 };
	struct sbuf err = SBUF_INIT;
	assert_int_equal(dashboard_load_all(&set, &err), 0);
	struct local_inc *q[64] = { 0 };
	int nonempty = 0, checked = 0;
	/* Round 0 fills each panel in slices of 997 lines; later rounds add
	 * 45 s of lines (fed whole: only the new ones go through). */
	for (int round = 0; round < 3; round++) {
		int64_t now = T0 + (300 + 45 * round) * NS;
		demo_gen_run(g, now, push_line, st);
		size_t k = 0;
		for (size_t d = 0; d < set.n; d++)
			for (size_t i = 0; i < set.d[d].npanels && k < 64; i++) {
				const struct panel_def *p = &set.d[d].panels[i];
				if (p->vis == VIS_LOGS)
					continue;
				if (!q[k])
					q[k] = local_inc_new(p->query);
				int n = check_inc(q[k++], st, p->query, p->vis == VIS_SPARKLINE, now,
						  round ? 100000 : 997);
				nonempty += n > 0;
				checked++;
			}
	}
	assert_true(checked >= 45);
	assert_true(nonempty >= 45);
	if (max_bytes < (16u << 20))
		assert_true(store_dropped(st) > 0);
	for (size_t k = 0; k < 64; k++)
		local_inc_free(q[k]);
	dashboard_set_release(&set);
	sbuf_release(&err);
	demo_gen_free(g);
	store_free(st);
}

static void
test_inc_equals_fresh(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	run_inc(1u << 30);
}

/* A store small enough to evict while the panels are fed. */
static void
test_inc_evicting(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	run_inc(3u << 20);
}

/* A log query is evaluated whole, a bad query says why. */
static void
test_inc_log_and_errors(void **state)
{
	(void)state;
	struct store_opts so = { .max_bytes = 1u << 28, .max_line = 65536 };
	struct store *st = store_new(&so);
	struct demo_gen *g = demo_gen_new(3, 100, T0);
	demo_gen_run(g, T0 + 120 * NS, push_line, st);
	struct local_inc *q = local_inc_new("{level=~\"ERROR|FATAL\"}");
	struct lq_eval_params p = { .start_ns = T0, .end_ns = T0 + 120 * NS, .limit = 50 };
	struct lq_error e;
	assert_int_equal(local_inc_feed(q, st, &p, store_next_seq(st), 10, &e), 1);
	struct lq_result *got = NULL, *want = NULL;
	assert_int_equal(local_inc_eval(q, st, &p, store_next_seq(st), &got, &e), 0);
	assert_int_equal(local_query(st, "{level=~\"ERROR|FATAL\"}", &p, &want, &e), 0);
	assert_int_equal(got->nstreams, want->nstreams);
	assert_true(want->nstreams > 0);
	lq_result_free(got);
	lq_result_free(want);
	local_inc_free(q);
	q = local_inc_new("sum(rate({level=\"ERROR\"} | json | unwrap message [1m]))");
	p.instant = true;
	p.start_ns = p.end_ns;
	int rc;
	while ((rc = local_inc_feed(q, st, &p, store_next_seq(st), 100, &e)) == 0)
		;
	if (rc == 1)
		rc = local_inc_eval(q, st, &p, store_next_seq(st), &got, &e);
	assert_true(rc < 0);
	assert_non_null(strstr(e.msg, "unwrap"));
	local_inc_free(q);
	demo_gen_free(g);
	store_free(st);
}

static void
same_streams(const struct lq_result *got, const struct lq_result *want, const char *what)
{
	if (got->type != want->type || got->nstreams != want->nstreams)
		fail_msg("%s: type %d/%d, %zu/%zu streams", what, got->type, want->type, got->nstreams,
			 want->nstreams);
	for (size_t i = 0; i < want->nstreams; i++) {
		const struct lq_stream *g = &got->streams[i], *w = &want->streams[i];
		if (!same_labels(g->labels, g->nlabels, w->labels, w->nlabels) || g->n != w->n)
			fail_msg("%s: stream %zu differs (%zu/%zu entries)", what, i, g->n, w->n);
		for (size_t k = 0; k < w->n; k++)
			if (g->entries[k].ts_ns != w->entries[k].ts_ns || g->entries[k].len != w->entries[k].len ||
			    memcmp(g->entries[k].line, w->entries[k].line, w->entries[k].len))
				fail_msg("%s: stream %zu entry %zu differs", what, i, k);
	}
}

/*
 * Logs panels: a BACKWARD query walks the store from the newest line and
 * skips what cannot be among the newest `limit`; the lines equal the
 * whole (forward) evaluation for selective and unselective queries, via
 * the index or a scan, while lines arrive and the store evicts.
 */
static void
test_inc_logs(void **state)
{
	(void)state;
	struct store_opts so = { .max_bytes = 4u << 20, .max_line = 65536 };
	struct store *st = store_new(&so);
	struct demo_gen *g = demo_gen_new(11, 60, T0);
	static const char *const queries[] = {
		"{agent_id=~\".+\"}",                              /* every line */
		"{level=~\"ERROR|FATAL\"}",                        /* the "Latest errors" panel */
		"{component=\"api_gateway\", level=\"ERROR\"}",     /* index walk, few lines */
		"{agent_id=\"A1-haiku-001\"} |= \"Request\"",       /* index walk and a filter */
		"{level=\"FATAL\"}",                               /* fewer than the limit */
		"{level=~\".+\"} | json | context_duration_ms > 500",
		"{agent_id=\"B-burst\"}",                          /* ties at the limit */
	};
	size_t nq = sizeof(queries) / sizeof(queries[0]);
	struct local_inc *q[8] = { 0 };
	size_t full = 0, partial = 0;
	for (int round = 0; round < 4; round++) {
		int64_t now = T0 + (240 + 70 * round) * NS;
		demo_gen_run(g, now, push_line, st);
		/* 40 lines of one stream at the same time: the limit cuts
		 * through them (ties go in store order, as Loki's do). */
		for (int k = 0; k < 40; k++) {
			char line[160];
			int len = snprintf(line, sizeof(line), "{\"level\":\"INFO\",\"agent_id\":\"B-burst\",\"message\":\"burst %d.%d\"}",
					   round, k);
			store_push(st, line, (size_t)len, (size_t)len, "demo", now - 5 * NS, now - 5 * NS);
		}
		for (size_t i = 0; i < nq; i++) {
			if (!q[i])
				q[i] = local_inc_new(queries[i]);
			for (int dir = 0; dir < 2; dir++) {
				/* a panel's window; the newest seconds of lines arrive later */
				struct lq_eval_params p = { .start_ns = now - 3600 * NS, .end_ns = now - 2 * NS,
							    .limit = round == 3 ? 7 : 50,
							    .direction = dir ? LQ_FORWARD : LQ_BACKWARD };
				struct lq_error e;
				struct lq_result *got = NULL, *want = NULL;
				assert_int_equal(local_inc_feed(q[i], st, &p, store_next_seq(st), 10, &e), 1);
				assert_int_equal(local_inc_eval(q[i], st, &p, store_next_seq(st), &got, &e), 0);
				assert_int_equal(local_query(st, queries[i], &p, &want, &e), 0);
				same_streams(got, want, queries[i]);
				size_t n = 0;
				for (size_t k = 0; k < want->nstreams; k++)
					n += want->streams[k].n;
				full += n == p.limit;
				partial += n > 0 && n < p.limit;
				lq_result_free(got);
				lq_result_free(want);
			}
		}
	}
	assert_true(full >= 20);      /* unselective: the limit is reached */
	assert_true(partial >= 4);    /* selective: fewer lines than the limit */
	assert_true(store_dropped(st) > 0);
	for (size_t i = 0; i < nq; i++)
		local_inc_free(q[i]);
	demo_gen_free(g);
	store_free(st);
}

/* A sparkline's step changes with the terminal width: the range may then
 * start earlier than the cached samples; the answer is still exact. */
static void
test_inc_step_change(void **state)
{
	(void)state;
	struct store_opts so = { .max_bytes = 1u << 28, .max_line = 65536 };
	struct store *st = store_new(&so);
	struct demo_gen *g = demo_gen_new(3, 30, T0);
	demo_gen_run(g, T0 + 400 * NS, push_line, st);
	const char *q = "sum by (level) (rate({level=~\"WARN|ERROR|FATAL\"}[1m]))";
	struct local_inc *inc = local_inc_new(q);
	struct lq_error e;
	int64_t steps[] = { 5 * NS, 60 * NS, 5 * NS };   /* 60 s aligns the start 40 s back */
	for (int i = 0; i < 3; i++) {
		int64_t now = T0 + (400 + i) * NS;
		struct lq_eval_params p = { .start_ns = now - 300 * NS, .end_ns = now, .step_ns = steps[i] };
		while (local_inc_feed(inc, st, &p, store_next_seq(st), 500, &e) == 0)
			;
		struct lq_result *got = NULL, *want = NULL;
		assert_int_equal(local_inc_eval(inc, st, &p, store_next_seq(st), &got, &e), 0);
		assert_int_equal(local_query(st, q, &p, &want, &e), 0);
		assert_true(want->nseries > 0);
		same_result(got, want, q);
		lq_result_free(got);
		lq_result_free(want);
	}
	local_inc_free(inc);
	demo_gen_free(g);
	store_free(st);
}

/* ---- the view in a headless app ---- */

struct fixture {
	uv_loop_t loop;
	struct config cfg;
	struct app app;
};

static void
app_up(struct fixture *f, const char *prom)
{
	struct sbuf err = SBUF_INIT;
	uv_loop_init(&f->loop);
	config_init(&f->cfg);
	assert_int_equal(config_finish(&f->cfg, &err), 0);
	if (prom)
		assert_int_equal(config_set_flag(&f->cfg, "--prom-addr", prom, &err), 1);
	assert_int_equal(app_init(&f->app, &f->loop, &f->cfg, &err), 0);
	sbuf_release(&err);
	if (prom) {
		struct prom_config pc = { .url = prom, .timeout_ms = 5000 };
		app_watch_stack(&f->app, NULL, &pc);
	}
}

static void
app_down(struct fixture *f)
{
	app_release(&f->app);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	config_release(&f->cfg);
}

/* Presses Enter on the selected panel and returns the modal's text. */
static char *
panel_text(struct fixture *f)
{
	app_key(&f->app, TUI_KEY_ENTER);
	assert_int_equal(f->app.overlay, OV_MODAL);
	char *t = strdup(sbuf_str(&f->app.modal_text));
	app_key(&f->app, TUI_KEY_ESC);
	return t;
}

/* What the modal shows for `r`: the query, a blank line, the numbers. */
static char *
expect_text(const char *query, const struct result *r, bool utc)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_addf(&sb, "%s\n\n", query);
	query_text(r, QO_DEFAULT, false, utc, &sb);
	size_t lines = 0;
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\n' && ++lines == 30) {
			sb.len = i;
			sb.buf[i] = '\0';
			break;
		}
	return sbuf_detach(&sb, NULL);
}

static void
test_view_local_panels(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	struct fixture f;
	app_up(&f, NULL);
	int64_t now = T0 + 400 * NS;
	f.app.fixed_now = now;
	struct demo_gen *g = demo_gen_new(7, 30, T0);
	demo_gen_run(g, now, push_line, f.app.store);
	demo_gen_free(g);
	assert_non_null(app_switch_to(&f.app, "dashboard", NULL));
	struct dashboard_set set = { 0 };
	struct sbuf err = SBUF_INIT;
	dashboard_load_all(&set, &err);
	int compared = 0;
	for (size_t d = 0; d < set.n; d++) {
		for (size_t i = 0; i < set.d[d].npanels; i++) {
			const struct panel_def *p = &set.d[d].panels[i];
			char *got = panel_text(&f);
			struct lq_eval_params prm = params(p->vis == VIS_SPARKLINE, now);
			if (p->vis == VIS_LOGS) {
				prm.start_ns = now - 3600 * NS;
				prm.instant = false;
			}
			struct lq_result *lr = NULL;
			struct lq_error e;
			assert_int_equal(local_query(f.app.store, p->query, &prm, &lr, &e), 0);
			struct result *r = local_result(lr);
			char *want = expect_text(p->query, r, f.app.utc);
			if (strcmp(got, want)) {
				FILE *fp = fopen("/tmp/dash-got.txt", "w");
				fputs(got, fp);
				fclose(fp);
				fp = fopen("/tmp/dash-want.txt", "w");
				fputs(want, fp);
				fclose(fp);
				fail_msg("panel '%s': the view's text differs (/tmp/dash-got.txt, /tmp/dash-want.txt)", p->title);
			}
			compared++;
			free(got);
			free(want);
			result_free(r);
			lq_result_free(lr);
			app_key(&f.app, 'j');
		}
		app_key(&f.app, ']');
	}
	assert_true(compared >= 18);
	dashboard_set_release(&set);
	sbuf_release(&err);
	app_down(&f);
}

/* ---- PromQL ---- */

struct answer {
	bool done;
	char err[600];
	struct result *res;
};

static void
got_answer(void *ud, const struct res_error *err, struct result *res)
{
	struct answer *a = ud;
	a->done = true;
	if (err)
		snprintf(a->err, sizeof(a->err), "%s", err->msg);
	a->res = res;
}

static struct result *
prom_direct(uv_loop_t *loop, const char *addr, const char *q, bool range, int64_t now_ms)
{
	struct http *h = http_new(loop);
	struct prom_config pc = { .url = addr, .timeout_ms = 5000 };
	struct prom *p = prom_new(h, &pc);
	struct answer a = { 0 };
	if (range)
		assert_non_null(prom_query_range(p, q, now_ms - 300000, now_ms, 5, got_answer, &a));
	else
		assert_non_null(prom_query(p, q, now_ms, got_answer, &a));
	while (!a.done)
		uv_run(loop, UV_RUN_ONCE);
	prom_free(p);
	http_free(h);
	if (a.err[0])
		fail_msg("separate query %s: %s", q, a.err);
	return a.res;
}

static const char prom_dash[] =
	"dashboard Prometheus test\n"
	"panel stat \"targets up\" promql sum(up)\n"
	"panel table \"up by job\" every 2s promql up\n"
	"panel bar \"scrape samples\" promql scrape_samples_scraped\n"
	"panel sparkline \"samples scraped\" promql sum by (job) (scrape_samples_scraped)\n"
	"panel stat \"a number\" promql scalar(count(up))\n"
	"panel stat \"broken\" promql sum(rate(up[1m]\n";

static void
write_dash(char *dir, size_t size)
{
	snprintf(dir, size, "/tmp/iftop-dash-XXXXXX");
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/iftop-logs", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/iftop-logs/dashboards", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/iftop-logs/dashboards/prom.dash", dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(prom_dash, fp);
	fclose(fp);
	setenv("XDG_CONFIG_HOME", dir, 1);
}

static void
rm_dash(const char *dir)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_view_prom_panels(void **state)
{
	(void)state;
	const char *addr = getenv("PROM_TEST_ADDR");
	if (!addr || !*addr)
		fail_msg("needs PROM_TEST_ADDR (tests/run.sh starts Prometheus)");
	char dir[64];
	write_dash(dir, sizeof(dir));
	struct fixture f;
	app_up(&f, addr);
	/* Prometheus may have just started: wait until both targets were
	 * scraped, then ask two seconds back (every scrape up to then is in;
	 * they run every second). */
	struct timespec ts;
	for (int tries = 0;; tries++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		struct result *r = prom_direct(&f.loop, addr, "count(up)", false, (int64_t)ts.tv_sec * 1000);
		bool ready = r->nseries == 1 && r->series[0].n == 1 && r->series[0].v[0].v >= 2;
		result_free(r);
		if (ready)
			break;
		if (tries == 30)
			fail_msg("Prometheus has not scraped its two targets after 30 s");
		sleep(1);
	}
	sleep(2);
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now_ms = ((int64_t)ts.tv_sec - 2) * 1000;
	f.app.fixed_now = now_ms * 1000000;
	assert_non_null(app_switch_to(&f.app, "dashboard", NULL));
	app_key(&f.app, '[');             /* the last dashboard: the file's */
	assert_true(f.app.fetching > 0);  /* asked, not waited for */
	app_settle(&f.app, 1, 15000);
	assert_int_equal(f.app.fetching, 0);
	static const struct { const char *q; bool range; } panels[] = {
		{ "sum(up)", false }, { "up", false }, { "scrape_samples_scraped", false },
		{ "sum by (job) (scrape_samples_scraped)", true },
		{ "scalar(count(up))", false },
	};
	for (size_t i = 0; i < sizeof(panels) / sizeof(panels[0]); i++) {
		char *got = panel_text(&f);
		struct result *r = prom_direct(&f.loop, addr, panels[i].q, panels[i].range, now_ms);
		if (r->type == RES_SCALAR) {
			/* the panel shows a number as a series without labels */
			assert_non_null(strstr(got, "\n\n"));
			char num[64];
			snprintf(num, sizeof(num), "%g", r->scalar.v);
			assert_non_null(strstr(got, num));
			assert_true(r->scalar.v >= 2);
		} else {
			if (r->nseries == 0)
				fail_msg("panel %zu (%s): Prometheus has no series at the time", i, panels[i].q);
			char *want = expect_text(panels[i].q, r, f.app.utc);
			if (strcmp(got, want)) {
				print_error("panel %zu:\n--- view\n%s\n--- Prometheus\n%s\n", i, got, want);
				fail();
			}
			free(want);
		}
		result_free(r);
		free(got);
		app_key(&f.app, 'j');
	}
	char *broken = panel_text(&f);
	assert_non_null(strstr(broken, "Prometheus rejected the query (HTTP 400)"));
	assert_non_null(strstr(broken, "parse error"));
	free(broken);
	/* Intervals: 2.2 s later only the "every 2s" panel asks again. */
	struct view *v = app_top(&f.app);
	usleep(2200000);
	v->ops->tick(v);
	assert_int_equal(f.app.fetching, 1);
	app_settle(&f.app, 1, 15000);
	assert_int_equal(f.app.fetching, 0);
	app_down(&f);
	rm_dash(dir);
}

static void
test_view_prom_not_configured(void **state)
{
	(void)state;
	char dir[64];
	write_dash(dir, sizeof(dir));
	struct fixture f;
	app_up(&f, NULL);
	assert_non_null(app_switch_to(&f.app, "dashboard", NULL));
	app_key(&f.app, '[');
	assert_int_equal(f.app.fetching, 0);
	char *t = panel_text(&f);
	assert_non_null(strstr(t, "Prometheus not configured"));
	free(t);
	app_down(&f);
	rm_dash(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inc_equals_fresh),
		cmocka_unit_test(test_inc_evicting),
		cmocka_unit_test(test_inc_log_and_errors),
		cmocka_unit_test(test_inc_step_change),
		cmocka_unit_test(test_inc_logs),
		cmocka_unit_test(test_view_local_panels),
		cmocka_unit_test(test_view_prom_not_configured),
		cmocka_unit_test(test_view_prom_panels),
	};
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}

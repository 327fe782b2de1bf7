/*
 * tui/app.c: the app shell: loop handles, tabs and view stacks, overlays,
 * key dispatch, title and status bars, frame pacing, snapshots.
 *
 * Callbacks only change state and call app_dirty(); one frame timer draws
 * at most cfg->fps times a second.  Views draw into the grid; the curses
 * backend (term_*) copies changed rows to the terminal.
 */
#include "tui/app.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "tui/canvas.h"
#include "tui/grid_dump.h"
#include "tui/keymap.h"
#include "tui/keys.h"
#include "tui/term.h"

/* A Loki fetch of one request's lines (app_fetch_corr). */
struct corr_fetch {
	struct app *a;
	struct loki_req *req;
	char corr[128];
	int win;                /* index into fetch_windows */
	bool by_label;          /* {..., correlation_id="X"}, else |= | json */
	bool waiting;           /* for the /labels answer */
};

/* The time windows tried, widening while nothing is found. */
static const int64_t fetch_windows[] = {
	3600LL * 1000000000LL, 6 * 3600LL * 1000000000LL, 24 * 3600LL * 1000000000LL,
	7 * 24 * 3600LL * 1000000000LL,
};
#define NWINDOWS ((int)(sizeof(fetch_windows) / sizeof(fetch_windows[0])))

#define MIN_ROWS 3
#define MIN_COLS 10
#define WORK_SLICE_NS (6LL * 1000000LL)   /* alert work per loop turn */

int64_t
app_now(const struct app *a)
{
	if (a->fixed_now)
		return a->fixed_now;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void
app_fmt_time(const struct app *a, int64_t ns, bool with_date, char *buf, size_t size)
{
	time_t s = (time_t)(ns / 1000000000LL);
	int ms = (int)((ns % 1000000000LL) / 1000000LL);
	if (ns < 0) {
		s--;
		ms += 1000;
	}
	struct tm tm;
	if (a->utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	if (with_date)
		snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
	else
		snprintf(buf, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* ---- sink ---- */

void
app_expect_history(struct app *a)
{
	a->hist_waiting++;
}

static void
sink_history_done(void *ud)
{
	struct app *a = ud;
	if (a->hist_waiting > 0)
		a->hist_waiting--;
	app_dirty(a);
}

static void
sink_line(void *ud, const char *text, size_t len, size_t full_len, const char *origin, int64_t ts_ns)
{
	struct app *a = ud;
	store_push(a->store, text, len, full_len, origin, ts_ns, app_now(a));
	a->lines_in++;
	app_dirty(a);
}

static void
sink_status(void *ud, enum source_status_level lvl, const char *msg)
{
	struct app *a = ud;
	app_message(a, lvl == SRC_ERROR ? 2 : lvl == SRC_WARN ? 1 : 0, "%s", msg);
}

struct source_sink
app_sink(struct app *a)
{
	return (struct source_sink){ .ud = a, .line = sink_line, .status = sink_status,
				     .history_done = sink_history_done };
}

/* ---- life cycle ---- */

int
app_init(struct app *a, uv_loop_t *loop, struct config *cfg, struct sbuf *err)
{
	memset(a, 0, sizeof(*a));
	a->loop = loop;
	a->cfg = cfg;
	a->utc = cfg->utc_on;
	a->frame_ms = (int)(1000 / (cfg->fps_val > 0 ? cfg->fps_val : 30));
	a->health = health_defaults;
	a->health.silent_ns = strtol(cfg->health_silent_s, NULL, 10) * 1000000000LL;
	a->health.error_ratio = (double)strtol(cfg->health_error_pct, NULL, 10) / 100.0;
	a->health.warn_ratio = (double)strtol(cfg->health_warn_pct, NULL, 10) / 100.0;
	a->health.slow_p95_ms = (double)strtol(cfg->health_p95_ms, NULL, 10);
	sbuf_init(&a->modal_text);
	/* --max-memory is the process's budget: the store gets what is left
	 * after 15% (at least 16 MiB, at most half) for the program, its
	 * libraries, the screen and the allocator's overhead. */
	uint64_t reserve = cfg->max_memory_bytes / 100 * 15;
	if (reserve < (16u << 20))
		reserve = 16u << 20;
	if (reserve > cfg->max_memory_bytes / 2)
		reserve = cfg->max_memory_bytes / 2;
	struct store_opts so = { .max_bytes = cfg->max_memory_bytes - reserve, .max_line = cfg->max_line_bytes };
	a->store = store_new(&so);
	char terr[2048] = "";
	const char *nc = getenv("NO_COLOR");
	int n;
	if (nc && *nc)
		n = theme_load(&a->theme, "mono", terr, sizeof(terr));
	else
		n = theme_load(&a->theme, cfg->theme, terr, sizeof(terr));
	if (n < 0) {
		sbuf_addf(err, "--theme: %s\n", terr);
		return LX_EINVAL;
	}
	if (n > 0)
		app_message(a, 1, "theme: %d error%s (first: %.120s)", n, n > 1 ? "s" : "", terr);
	for (size_t i = 0; i < cfg->nbinds; i++) {
		struct sbuf e = SBUF_INIT;
		if (keymap_bind(cfg->binds[i], &e))
			app_message(a, 1, "config: %s", sbuf_str(&e));
		sbuf_release(&e);
	}
	for (size_t i = 0; i < cfg->nalerts; i++) {
		struct sbuf e = SBUF_INIT;
		if (alerts_add_rule(&a->alerts, cfg->alerts[i], &e))
			app_message(a, 1, "config: %s", sbuf_str(&e));
		sbuf_release(&e);
	}
	if (cfg->nalerts == 0)
		alerts_add_defaults(&a->alerts);
	/* Tabs: every tab view in registry order. */
	for (int i = 0; view_registry[i]; i++) {
		if ((view_registry[i]->flags & VIEW_TAB) && a->ntabs < APP_MAX_TABS)
			a->ntabs++;
	}
	a->cur = 0;
	return 0;
}

static void
view_free(struct view *v)
{
	if (!v)
		return;
	if (v->ops->close)
		v->ops->close(v);
	free(v->priv);
	free(v);
}

/*
 * Stops everything that keeps the loop busy (views and their requests,
 * sources, fetches, the stack poller's timer), so a drain of the loop ends.
 * Safe to call twice.
 */
static void
app_stop_all(struct app *a)
{
	for (int t = 0; t < APP_MAX_TABS; t++) {
		for (int i = 0; i < a->tabs[t].depth; i++)
			view_free(a->tabs[t].stack[i]);
		a->tabs[t].depth = 0;
	}
	for (int i = 0; i < a->nsources; i++) {
		source_stop(a->sources[i]);
		source_free(a->sources[i]);
	}
	a->nsources = 0;
	for (int i = 0; i < 8; i++)
		if (a->fetches[i]) {
			loki_cancel(a->fetches[i]->req);
			free(a->fetches[i]);
			a->fetches[i] = NULL;
		}
	loki_cancel(a->labels_req);
	a->labels_req = NULL;
	alerts_release(&a->alerts);
	stack_free(a->stack);
	a->stack = NULL;
}

void
app_release(struct app *a)
{
	app_stop_all(a);
	store_free(a->store);
	tui_grid_free(a->grid);
	tui_prompt_free_history(&a->prompt);
	sbuf_release(&a->modal_text);
}

int
app_add_source(struct app *a, struct source *s, struct sbuf *err)
{
	if (a->nsources == APP_MAX_SOURCES) {
		sbuf_addf(err, "too many sources (max %d)\n", APP_MAX_SOURCES);
		source_free(s);
		return LX_EINVAL;
	}
	int r = source_start(s);
	if (r) {
		sbuf_addf(err, "%s: %s\n", s->ops->name, err_str(r));
		source_free(s);
		return r;
	}
	a->sources[a->nsources++] = s;
	return 0;
}

void
app_source_desc(const struct app *a, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < a->nsources && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " + " : "", a->sources[i]->desc);
	if (a->nsources == 0)
		snprintf(buf, size, "no source");
}

/* ---- dirty / frames ---- */

static void
frame_cb(uv_timer_t *t)
{
	struct app *a = t->data;
	if (!a->dirty || !a->term)
		return;
	app_render(a);
	term_draw(a->term, a->grid);
	a->last_frame_ns = clock_mono_ns();
}

static void
fetch_end(struct app *a, struct corr_fetch *f)
{
	for (int i = 0; i < 8; i++)
		if (a->fetches[i] == f)
			a->fetches[i] = NULL;
	a->fetching--;
	free(f);
}

static void fetch_window(struct app *a, struct corr_fetch *f);

void
app_fetch_begin(struct app *a)
{
	a->fetching++;
}

void
app_fetch_end(struct app *a)
{
	if (a->fetching > 0)
		a->fetching--;
}

/* True when the store already holds this exact line of the request. */
static bool
held(const struct store *st, uint32_t id, int64_t ts, const char *line, size_t len)
{
	const uint64_t *seqs;
	size_t n = id ? store_index(st, DIM_CORR, id, &seqs) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct log_rec *r = store_get(st, seqs[i]);
		if (r && r->ts_ns == ts && r->len == len && !memcmp(r->text, line, len))
			return true;
	}
	return false;
}

static void
fetch_done(void *ud, const struct res_error *err, struct result *res)
{
	struct corr_fetch *f = ud;
	struct app *a = f->a;
	size_t added = 0, found = 0;
	f->req = NULL;
	if (err) {
		app_message(a, 2, "trace %s: %s", f->corr, err->msg);
	} else {
		uint32_t id = store_lookup(a->store, DIM_CORR, f->corr, strlen(f->corr));
		for (size_t i = 0; i < res->nstreams; i++)
			for (size_t j = 0; j < res->streams[i].n; j++) {
				const struct res_entry *e = &res->streams[i].v[j];
				found++;
				if (held(a->store, id, e->ts_ns, e->line, e->len))
					continue;
				store_push(a->store, e->line, e->len, e->len, "loki", e->ts_ns, app_now(a));
				added++;
				id = store_lookup(a->store, DIM_CORR, f->corr, strlen(f->corr));
			}
	}
	result_free(res);
	if (!err && found == 0) {
		/* Nothing yet: a wider window; after the widest, by label
		 * without result, the line filter (some streams may not
		 * carry the label). */
		if (f->win + 1 < NWINDOWS) {
			f->win++;
			fetch_window(a, f);
			return;
		}
		if (f->by_label) {
			f->by_label = false;
			f->win = 0;
			fetch_window(a, f);
			return;
		}
	}
	if (!err) {
		char w[16];
		int64_t h = fetch_windows[f->win] / (3600LL * 1000000000LL);
		snprintf(w, sizeof(w), h % 24 ? "%lldh" : "%lldd", (long long)(h % 24 ? h : h / 24));
		app_message(a, 0, "trace %s: %zu lines from Loki, %zu new (%s, last %s)", f->corr, found, added,
			    f->by_label ? "by label correlation_id" : "line filter + json", w);
	}
	fetch_end(a, f);
	app_dirty(a);
}

/*
 * `{job="x"}` + correlation_id="X" -> `{job="x", correlation_id="X"}`:
 * the matcher goes before the selector's closing brace (the first one
 * outside a quoted string); anything after it (a pipeline) is kept.
 */
static void
selector_with_corr(const char *sel, const char *corr, char *out, size_t size)
{
	const char *p = sel;
	char q = 0;
	for (; *p; p++) {
		if (q) {
			if (q == '"' && *p == '\\' && p[1])
				p++;
			else if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '`') {
			q = *p;
		} else if (*p == '}') {
			break;
		}
	}
	const char *open = strchr(sel, '{');
	bool empty = open && open < p && strspn(open + 1, " \t") == (size_t)(p - open - 1);
	if (!*p || !open || open > p)
		snprintf(out, size, "{correlation_id=\"%s\"}", corr);
	else
		snprintf(out, size, "%.*s%scorrelation_id=\"%s\"%s", (int)(p - sel), sel, empty ? "" : ", ", corr, p);
}

static void
fetch_window(struct app *a, struct corr_fetch *f)
{
	char q[1024];
	if (f->by_label)
		selector_with_corr(a->loki_selector, f->corr, q, sizeof(q));
	else
		snprintf(q, sizeof(q), "%s |= \"%s\" | json | correlation_id=\"%s\"", a->loki_selector, f->corr,
			 f->corr);
	int64_t now = app_now(a);
	struct loki_query lq = { .query = q, .start_ns = now - fetch_windows[f->win], .end_ns = now,
				 .limit = 5000, .forward = true };
	f->req = loki_query_range(a->loki, &lq, fetch_done, f);
	if (!f->req) {
		app_message(a, 2, "trace %s: cannot ask Loki", f->corr);
		fetch_end(a, f);
	}
}

/* Is correlation_id a label on this Loki?  Asked once (last 7 days). */
static void
labels_done(void *ud, const struct res_error *err, struct result *res)
{
	struct app *a = ud;
	a->labels_req = NULL;
	a->corr_label = 2;
	for (size_t i = 0; !err && i < res->nstrings; i++)
		if (!strcmp(res->strings[i], "correlation_id"))
			a->corr_label = 1;
	result_free(res);
	for (int i = 0; i < 8; i++) {
		struct corr_fetch *f = a->fetches[i];
		if (f && f->waiting) {
			f->waiting = false;
			f->by_label = a->corr_label == 1;
			fetch_window(a, f);
		}
	}
}

void
app_fetch_corr(struct app *a, const char *corr)
{
	/* Only ids that are plain words: they go into a LogQL string. */
	if (!a->loki || !*corr || strpbrk(corr, "\"\\\n`"))
		return;
	int slot = 0;
	while (slot < 8 && a->fetches[slot])
		slot++;
	if (slot == 8)
		return;   /* enough in flight; the lines held still show */
	struct corr_fetch *f = xcalloc(1, sizeof(*f));
	a->fetches[slot] = f;
	f->a = a;
	snprintf(f->corr, sizeof(f->corr), "%s", corr);
	a->fetching++;
	if (a->corr_label == 0 && !a->labels_req) {
		int64_t now = app_now(a);
		a->labels_req = loki_labels(a->loki, now - fetch_windows[NWINDOWS - 1], now, labels_done, a);
		if (!a->labels_req)
			a->corr_label = 2;
	}
	if (a->labels_req) {
		f->waiting = true;
		return;
	}
	f->by_label = a->corr_label == 1;
	fetch_window(a, f);
}

struct prom *
app_prom(const struct app *a)
{
	return a->stack ? stack_prom(a->stack) : NULL;
}

/* An idle handle: once per loop turn, and the poll for input and lines
 * between turns does not wait while it is active.  The alert evaluation
 * and the top view's work take turns, one slice per turn. */
static void work_cb(uv_idle_t *h);

static void
work_arm(struct app *a)
{
	if (a->handles_live && !uv_is_active((uv_handle_t *)&a->work))
		uv_idle_start(&a->work, work_cb);
}

static void
work_cb(uv_idle_t *h)
{
	struct app *a = h->data;
	struct view *v = app_top(a);
	bool view = a->view_work;
	uv_idle_stop(h);
	a->alerts_turn = !a->alerts_turn;
	if (a->alerts.busy && (a->alerts_turn || !view)) {
		if (alerts_work(&a->alerts, a->store, WORK_SLICE_NS))
			app_dirty(a);
		if (a->alerts.busy || view)
			work_arm(a);
		return;
	}
	a->view_work = false;
	if (view && v && v->ops->tick)
		v->ops->tick(v);
	if (a->alerts.busy)
		work_arm(a);
}

void
app_more_work(struct app *a)
{
	a->view_work = true;
	work_arm(a);
}

static void
stack_changed(void *ud)
{
	app_dirty(ud);
}

void
app_watch_stack(struct app *a, const struct loki_config *loki, const struct prom_config *prom)
{
	a->stack = stack_new(a->loop, loki, prom, stack_changed, a);
}

void
app_eval_alerts(struct app *a)
{
	alerts_begin(&a->alerts, a->store, app_now(a));
	a->alerts_next = clock_mono_ns() + 5 * 1000000000LL;
	/* Interactive: in slices between frames (work_cb); headless: now. */
	if (a->handles_live)
		work_arm(a);
	else if (alerts_work(&a->alerts, a->store, -1))
		app_dirty(a);
}

void
app_dirty(struct app *a)
{
	if (a->dirty && a->handles_live && uv_is_active((uv_handle_t *)&a->frame))
		return;
	a->dirty = true;
	if (!a->handles_live)
		return;
	int64_t since = (clock_mono_ns() - a->last_frame_ns) / 1000000;
	int64_t delay = since >= a->frame_ms ? 0 : a->frame_ms - since;
	uv_timer_start(&a->frame, frame_cb, (uint64_t)delay, 0);
}

void
app_message(struct app *a, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof(a->msg), fmt, ap);
	va_end(ap);
	a->msg_level = level;
	a->msg_until = clock_mono_ns() + (level ? 8 : 4) * 1000000000LL;
	app_dirty(a);
}

void
app_modal(struct app *a, const char *title, const char *text)
{
	snprintf(a->modal_title, sizeof(a->modal_title), "%s", title);
	sbuf_reset(&a->modal_text);
	sbuf_adds(&a->modal_text, text);
	a->overlay = OV_MODAL;
	app_dirty(a);
}

void
app_menu(struct app *a, const char *text, int (*cb)(struct view *v, int key))
{
	snprintf(a->menu_text, sizeof(a->menu_text), "%s", text);
	a->menu_cb = cb;
	a->overlay = OV_MENU;
	app_dirty(a);
}

/* ---- views ---- */

struct view *
app_top(const struct app *a)
{
	const struct app_tab *t = &a->tabs[a->cur];
	return t->depth ? t->stack[t->depth - 1] : NULL;
}

static struct view *
view_new(struct app *a, const struct view_ops *ops, const struct view_args *args)
{
	struct view *v = xcalloc(1, sizeof(*v));
	v->ops = ops;
	v->app = a;
	v->priv = xcalloc(1, ops->private_size ? ops->private_size : 1);
	static const struct view_args none;
	if (ops->open && ops->open(v, args ? args : &none)) {
		free(v->priv);
		free(v);
		return NULL;
	}
	return v;
}

struct view *
app_push(struct app *a, const struct view_ops *ops, const struct view_args *args)
{
	struct app_tab *t = &a->tabs[a->cur];
	if (t->depth == APP_MAX_STACK) {
		view_free(t->stack[1]);
		memmove(t->stack + 1, t->stack + 2, (APP_MAX_STACK - 2) * sizeof(t->stack[0]));
		t->depth--;
	}
	struct view *v = view_new(a, ops, args);
	if (!v)
		return NULL;
	t->stack[t->depth++] = v;
	app_dirty(a);
	return v;
}

static int
tab_index(const char *name)
{
	int t = 0;
	for (int i = 0; view_registry[i]; i++) {
		if (!(view_registry[i]->flags & VIEW_TAB))
			continue;
		if (!strcmp(view_registry[i]->name, name))
			return t;
		t++;
	}
	return -1;
}

static const struct view_ops *
tab_ops(int idx)
{
	int t = 0;
	for (int i = 0; view_registry[i]; i++) {
		if (!(view_registry[i]->flags & VIEW_TAB))
			continue;
		if (t++ == idx)
			return view_registry[i];
	}
	return NULL;
}

static void
switch_tab(struct app *a, int idx, const struct view_args *args)
{
	if (idx < 0 || idx >= a->ntabs)
		return;
	a->cur = idx;
	struct app_tab *t = &a->tabs[idx];
	if (t->depth == 0 || args) {
		/* (Re)open the tab's root view with the arguments. */
		struct view *v = view_new(a, tab_ops(idx), args);
		if (v) {
			while (t->depth)
				view_free(t->stack[--t->depth]);
			t->stack[t->depth++] = v;
		}
	}
	app_dirty(a);
}

struct view *
app_switch_to(struct app *a, const char *name, const struct view_args *args)
{
	int idx = tab_index(name);
	if (idx >= 0) {
		/* Following a link: remember where from, so Esc walks back. */
		if (idx != a->cur) {
			if (a->nback == APP_MAX_STACK)
				memmove(a->back, a->back + 1, (APP_MAX_STACK - 1) * sizeof(int));
			else
				a->nback++;
			a->back[a->nback - 1] = a->cur;
		}
		switch_tab(a, idx, args);
		return app_top(a);
	}
	const struct view_ops *ops = view_find(name);
	return ops ? app_push(a, ops, args) : NULL;
}

static void
pop_view(struct app *a)
{
	struct app_tab *t = &a->tabs[a->cur];
	if (t->depth > 1) {
		view_free(t->stack[--t->depth]);
		app_dirty(a);
	} else if (a->nback > 0) {
		switch_tab(a, a->back[--a->nback], NULL);
	}
}

/* ---- commands ---- */

static const char command_help[] =
	":trace ID        open the request waterfall of a correlation id\n"
	":agent NAME      tail only this agent\n"
	":view NAME       open a view (tail, detail)\n"
	":theme NAME      switch theme (dark, light, high-contrast, mono)\n"
	":utc / :local    time zone of displayed times\n"
	":help            this list;  ? shows the keys\n"
	":q               quit";

void
app_command(struct app *a, const char *line)
{
	while (*line == ' ' || *line == ':')
		line++;
	char cmd[32] = "", arg[TUI_PROMPT_MAX] = "";
	sscanf(line, "%31s %2047[^\n]", cmd, arg);
	if (!*cmd)
		return;
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
		a->quit = true;
	} else if (!strcmp(cmd, "help")) {
		app_modal(a, "Commands", command_help);
	} else if (!strcmp(cmd, "theme")) {
		char err[1024] = "";
		struct theme t;
		int n = theme_load(&t, arg, err, sizeof(err));
		if (n < 0) {
			app_message(a, 2, "%s", err);
			return;
		}
		a->theme = t;
		if (a->term)
			term_set_theme(a->term, &a->theme);
		if (n > 0)
			app_message(a, 1, "theme %s: %d error(s): %.150s", arg, n, err);
		else
			app_message(a, 0, "theme %s", t.name);
	} else if (!strcmp(cmd, "utc") || !strcmp(cmd, "local")) {
		a->utc = cmd[0] == 'u';
		app_dirty(a);
	} else if (!strcmp(cmd, "trace")) {
		struct view_args args = { .corr = *arg ? arg : NULL };
		if (!app_switch_to(a, "trace", &args))
			app_message(a, 2, "no trace view in this build");
	} else if (!strcmp(cmd, "agent")) {
		struct view_args args = { .agent = arg };
		app_switch_to(a, "tail", &args);
	} else if (!strcmp(cmd, "view")) {
		if (!app_switch_to(a, arg, NULL))
			app_message(a, 2, "unknown view '%s'", arg);
	} else {
		app_message(a, 2, "unknown command ':%s' (:help lists them)", cmd);
	}
}

/* ---- keys ---- */

static void
help_text(const struct app *a, struct sbuf *out)
{
	const struct view *v = app_top(a);
	keymap_help(v ? v->ops->name : "generic", out);
	sbuf_adds(out, "\nMarks in the gutter: < out of order, > ahead of the local clock, ~ cut at the line cap\n");
}

void
app_key(struct app *a, int key)
{
	struct view *v = app_top(a);
	if (key == TUI_KEY_RESIZE) {
		app_dirty(a);
		return;
	}
	switch (a->overlay) {
	case OV_HELP:
		if (key == 'j' || key == TUI_KEY_DOWN)
			a->help_scroll++;
		else if ((key == 'k' || key == TUI_KEY_UP) && a->help_scroll > 0)
			a->help_scroll--;
		else if (key == TUI_KEY_PGDN || key == ' ')
			a->help_scroll += 10;
		else if (key == TUI_KEY_PGUP)
			a->help_scroll = a->help_scroll > 10 ? a->help_scroll - 10 : 0;
		else if (key == 'q' || key == TUI_KEY_ESC || key == '?' || key == TUI_KEY_ENTER)
			a->overlay = OV_NONE;
		app_dirty(a);
		return;
	case OV_MODAL:
		if (key == TUI_KEY_ESC || key == TUI_KEY_ENTER || key == 'q' || key == ' ')
			a->overlay = OV_NONE;
		app_dirty(a);
		return;
	case OV_MENU:
		a->overlay = OV_NONE;
		if (key != TUI_KEY_ESC && a->menu_cb && v)
			a->menu_cb(v, key);
		app_dirty(a);
		return;
	case OV_PROMPT: {
		enum tui_prompt_result r = tui_prompt_key(&a->prompt, key);
		if (r == PROMPT_CANCEL) {
			a->overlay = OV_NONE;
		} else if (r == PROMPT_DONE) {
			a->overlay = OV_NONE;
			if (a->prompt_kind == PK_COMMAND)
				app_command(a, a->prompt.buf);
			else if (v && v->ops->search) {
				snprintf(a->search, sizeof(a->search), "%s", a->prompt.buf);
				v->ops->search(v, a->search, 1);
			}
		} else if (r == PROMPT_CHANGED && a->prompt_kind == PK_SEARCH && v && v->ops->search) {
			v->ops->search(v, a->prompt.buf, 0);   /* incremental */
		}
		app_dirty(a);
		return;
	}
	case OV_NONE:
		break;
	}
	enum request req = keymap_lookup(v ? v->ops->name : "generic", key);
	if (v && v->ops->request) {
		int r = v->ops->request(v, req, key);
		if (r & RES_QUIT)
			a->quit = true;
		if (r & RES_CLOSE)
			pop_view(a);
		if (r != RES_UNHANDLED) {
			app_dirty(a);
			return;
		}
	}
	switch (req) {
	case REQ_QUIT:
		a->quit = true;
		break;
	case REQ_BACK:
		pop_view(a);
		break;
	case REQ_HELP:
		a->overlay = OV_HELP;
		a->help_scroll = 0;
		break;
	case REQ_COMMAND:
		a->prompt_kind = PK_COMMAND;
		tui_prompt_begin(&a->prompt, ":", "");
		a->overlay = OV_PROMPT;
		break;
	case REQ_SEARCH:
		if (v && v->ops->search) {
			a->prompt_kind = PK_SEARCH;
			tui_prompt_begin(&a->prompt, "/", "");
			a->overlay = OV_PROMPT;
		}
		break;
	case REQ_SEARCH_NEXT:
	case REQ_SEARCH_PREV:
		if (v && v->ops->search && a->search[0])
			v->ops->search(v, a->search, req == REQ_SEARCH_NEXT ? 1 : -1);
		else if (!a->search[0])
			app_message(a, 0, "no search yet: press / to search");
		break;
	case REQ_NEXT_VIEW:
		switch_tab(a, (a->cur + 1) % a->ntabs, NULL);
		break;
	case REQ_PREV_VIEW:
		switch_tab(a, (a->cur + a->ntabs - 1) % a->ntabs, NULL);
		break;
	case REQ_VIEW_1: case REQ_VIEW_2: case REQ_VIEW_3: case REQ_VIEW_4:
	case REQ_VIEW_5: case REQ_VIEW_6: case REQ_VIEW_7: case REQ_VIEW_8:
		if ((int)(req - REQ_VIEW_1) < a->ntabs)
			switch_tab(a, req - REQ_VIEW_1, NULL);
		break;
	case REQ_REDRAW:
		if (a->term)
			term_resize(a->term);
		break;
	case REQ_NONE:
		break;
	default:
		app_message(a, 0, "%s: not available here", request_help(req));
		break;
	}
	app_dirty(a);
}

/* ---- drawing ---- */

static void
draw_title(struct app *a, struct tui_canvas *c)
{
	/* Right side first: source and time zone, so time is never ambiguous. */
	char src[160], right[220], zone[16];
	app_source_desc(a, src, sizeof(src));
	if (a->utc) {
		snprintf(zone, sizeof(zone), "UTC");
	} else {
		time_t now = (time_t)(app_now(a) / 1000000000LL);
		struct tm tm;
		localtime_r(&now, &tm);
		strftime(zone, sizeof(zone), "%Z", &tm);
	}
	snprintf(right, sizeof(right), " %s | %s ", src, zone);
	int rw = tui_text_width(right, strlen(right));
	tui_move(c, 0, 0);
	tui_put_text(c, THEME_TAB_ACTIVE, " iftop-logs ");
	/* Tabs with names when there is room, else numbers and the current name. */
	int full = 0;
	for (int i = 0; i < a->ntabs; i++)
		full += 4 + (int)strlen(tab_ops(i)->name) + 1;
	bool compact = 12 + full + rw > c->w;
	for (int i = 0; i < a->ntabs; i++) {
		const struct view_ops *ops = tab_ops(i);
		char label[40];
		if (compact && i != a->cur)
			snprintf(label, sizeof(label), "%d", i + 1);
		else
			snprintf(label, sizeof(label), " %d %s ", i + 1, ops->name);
		tui_put_cp(c, THEME_TAB, ' ');
		tui_put_text(c, i == a->cur ? THEME_TAB_ACTIVE : THEME_TAB, label);
	}
	struct view *v = app_top(a);
	if (v && a->tabs[a->cur].depth > 1) {
		tui_put_text(c, THEME_TAB, " > ");
		tui_put_text(c, THEME_TAB, v->ops->name);
	}
	int left = c->cx;
	tui_fill(c, THEME_TAB, ' ');
	/* Still too long: the source gives way, the zone stays. */
	if (left + 1 + rw > c->w) {
		snprintf(right, sizeof(right), " %s ", zone);
		rw = tui_text_width(right, strlen(right));
	}
	if (left + 1 + rw <= c->w) {
		tui_move(c, 0, c->w - rw);
		tui_put_text(c, THEME_TAB, right);
	}
}

static void
human_bytes(uint64_t b, char *buf, size_t size)
{
	if (b >= (1ull << 30))
		snprintf(buf, size, "%.1fG", (double)b / (1ull << 30));
	else if (b >= (1ull << 20))
		snprintf(buf, size, "%.0fM", (double)b / (1ull << 20));
	else
		snprintf(buf, size, "%.0fK", (double)b / 1024);
}

static void
draw_status(struct app *a, struct tui_canvas *c, int y)
{
	tui_move(c, y, 0);
	if (a->overlay == OV_PROMPT) {
		struct tui_canvas row = tui_canvas_sub(c, y, 0, 1, c->w);
		tui_prompt_draw(&a->prompt, &row);
		return;
	}
	if (a->overlay == OV_MENU) {
		tui_put_text(c, THEME_STATUS_KEY, a->menu_text);
		tui_fill(c, THEME_STATUS, ' ');
		return;
	}
	struct view *v = app_top(a);
	char left[256] = "";
	if (v && v->ops->status)
		v->ops->status(v, left, sizeof(left));
	uint16_t lstyle = THEME_STATUS;
	if (!strncmp(left, "LIVE", 4))
		lstyle = THEME_STATUS_LIVE;
	else if (!strncmp(left, "PAUSED", 6))
		lstyle = THEME_STATUS_PAUSED;
	/* The first word (mode) in its own colour, the rest plain. */
	char *sp = strchr(left, ' ');
	size_t ml = sp ? (size_t)(sp - left) : strlen(left);
	tui_put_cp(c, lstyle, ' ');
	tui_put_textn(c, lstyle, left, ml);
	tui_put_cp(c, lstyle, ' ');
	if (sp)
		tui_put_text(c, THEME_STATUS, sp + 1);
	size_t firing = alerts_count(&a->alerts, ALERT_FIRING);
	if (a->stack)
		firing += stack_status(a->stack)->prom_firing;
	if (firing) {
		char al[64];
		snprintf(al, sizeof(al), "  %s %zu alert%s firing ", tui_ascii ? "!" : "\u25b2", firing, firing > 1 ? "s" : "");
		tui_put_text(c, THEME_ERROR, al);
	}
	if (a->msg[0] && clock_mono_ns() < a->msg_until) {
		tui_put_text(c, THEME_STATUS, "  ");
		tui_put_text(c, a->msg_level == 2 ? THEME_ERROR : a->msg_level == 1 ? THEME_WARN : THEME_STATUS, a->msg);
	}
	tui_fill(c, THEME_STATUS, ' ');
	char mem[16], cap[16], right[160];
	human_bytes(store_bytes(a->store), mem, sizeof(mem));
	human_bytes(a->cfg->max_memory_bytes, cap, sizeof(cap));
	int n = snprintf(right, sizeof(right), " %zu lines", store_count(a->store));
	if (store_dropped(a->store))
		n += snprintf(right + n, sizeof(right) - (size_t)n, "  %llu dropped",
			      (unsigned long long)store_dropped(a->store));
	snprintf(right + n, sizeof(right) - (size_t)n, "  %s/%s  ? help ", mem, cap);
	int w = (int)strlen(right);
	if (w < c->w - 20) {
		tui_move(c, y, c->w - w);
		tui_put_text(c, THEME_STATUS, right);
	}
}

static void
draw_help(struct app *a, struct tui_canvas *c)
{
	struct sbuf text = SBUF_INIT;
	help_text(a, &text);
	int w = c->w - 4 > 90 ? 90 : c->w - 4, h = c->h - 2;
	if (w < 10 || h < 3) {
		sbuf_release(&text);
		return;
	}
	struct tui_canvas box = tui_canvas_sub(c, 1, (c->w - w) / 2, h, w);
	tui_clear(&box, THEME_MODAL);
	tui_box(&box, THEME_BORDER, "Keys (Esc closes, j/k scroll)");
	int y = 1, line = 0;
	const char *p = sbuf_str(&text);
	while (*p && y < h - 1) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (line++ >= a->help_scroll) {
			struct tui_canvas row = tui_canvas_sub(&box, y++, 2, 1, w - 4);
			if (n > 2 && p[0] == ' ') {
				/* "  keys<pad>help": keys in the key colour. */
				tui_put_textn(&row, THEME_HELP_KEY, p, n < 19 ? n : 19);
				if (n > 19)
					tui_put_textn(&row, THEME_MODAL, p + 19, n - 19);
			} else {
				tui_put_textn(&row, THEME_TITLE, p, n);
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
	sbuf_release(&text);
}

void
app_render(struct app *a)
{
	struct tui_grid *g = a->grid;
	tui_grid_clear(g, THEME_NORMAL);
	struct tui_canvas c = tui_canvas_of(g);
	struct view *v = app_top(a);
	int min_r = v && v->ops->min_rows ? v->ops->min_rows : MIN_ROWS;
	int min_c = v && v->ops->min_cols ? v->ops->min_cols : MIN_COLS;
	if (g->rows < min_r + 2 || g->cols < min_c) {
		/* ncdu-style notice instead of a broken layout. */
		bool tiny = g->cols < 20;
		const char *l1 = tiny ? "too small" : "terminal too small";
		const char *l2 = tiny ? "q quits" : "enlarge it, or q quits";
		char sz[32];
		snprintf(sz, sizeof(sz), "%dx%d < %dx%d", g->cols, g->rows, min_c, min_r + 2);
		const char *lines[3] = { l1, sz, l2 };
		for (int i = 0; i < 3 && i < g->rows; i++) {
			int y = g->rows >= 3 ? (g->rows - 3) / 2 + i : i;
			tui_move(&c, y, 0);
			tui_put_field(&c, i == 0 ? THEME_ERROR : THEME_MUTED, lines[i], strlen(lines[i]), g->cols, TUI_CENTER);
		}
		a->dirty = false;
		return;
	}
	draw_title(a, &c);
	struct tui_canvas body = tui_canvas_sub(&c, 1, 0, g->rows - 2, g->cols);
	if (v) {
		v->rows = body.h;
		v->cols = body.w;
		v->ops->draw(v, &body);
	}
	draw_status(a, &c, g->rows - 1);
	if (a->overlay == OV_HELP)
		draw_help(a, &body);
	else if (a->overlay == OV_MODAL)
		tui_modal(&body, a->modal_title, sbuf_str(&a->modal_text), THEME_MODAL);
	a->dirty = false;
}

/* ---- interactive loop ---- */

static void
input_cb(uv_poll_t *h, int status, int events)
{
	struct app *a = h->data;
	(void)events;
	if (status < 0)
		return;
	int key;
	while ((key = term_getkey(a->term)) != 0) {
		if (key == TUI_KEY_RESIZE) {
			int r, cc;
			term_size(a->term, &r, &cc);
			tui_grid_resize(a->grid, r, cc);
		}
		app_key(a, key);
		if (a->quit)
			break;
	}
	if (a->quit)
		uv_stop(a->loop);
}

static void
signal_cb(uv_signal_t *h, int signum)
{
	struct app *a = h->data;
	if (signum == SIGWINCH) {
		term_resize(a->term);
		int r, c;
		term_size(a->term, &r, &c);
		tui_grid_resize(a->grid, r, c);
		app_dirty(a);
		return;
	}
	a->quit = true;
	uv_stop(a->loop);
}

static void
clock_cb(uv_timer_t *t)
{
	struct app *a = t->data;
	struct view *v = app_top(a);
	if (clock_mono_ns() >= a->alerts_next)
		app_eval_alerts(a);
	if (v && v->ops->tick)
		v->ops->tick(v);
	/* Relative times and rates on screen move with the clock. */
	app_dirty(a);
}

static void
close_noop(uv_handle_t *h)
{
	(void)h;
}

static void
drain_guard_cb(uv_timer_t *t)
{
	uv_stop(t->loop);
}

int
app_run_tui(struct app *a, struct sbuf *err)
{
	char msg[256];
	a->term = term_open(&a->theme, getenv("NO_COLOR") == NULL || !*getenv("NO_COLOR"), msg, sizeof(msg));
	if (!a->term) {
		sbuf_addf(err, "%s\n", msg);
		return LX_EIO;
	}
	term_install_crash_handlers();
	int rows, cols;
	term_size(a->term, &rows, &cols);
	a->grid = tui_grid_new(rows, cols);
	if (a->tabs[a->cur].depth == 0)
		switch_tab(a, a->cur, NULL);

	uv_timer_init(a->loop, &a->frame);
	uv_timer_init(a->loop, &a->clock);
	uv_idle_init(a->loop, &a->work);
	uv_poll_init(a->loop, &a->input, term_input_fd(a->term));
	uv_signal_init(a->loop, &a->sig_winch);
	uv_signal_init(a->loop, &a->sig_int);
	uv_signal_init(a->loop, &a->sig_term);
	uv_signal_init(a->loop, &a->sig_hup);
	a->frame.data = a->clock.data = a->work.data = a->input.data = a;
	a->sig_winch.data = a->sig_int.data = a->sig_term.data = a->sig_hup.data = a;
	a->handles_live = true;
	uv_poll_start(&a->input, UV_READABLE, input_cb);
	uv_signal_start(&a->sig_winch, signal_cb, SIGWINCH);
	uv_signal_start(&a->sig_int, signal_cb, SIGINT);
	uv_signal_start(&a->sig_term, signal_cb, SIGTERM);
	uv_signal_start(&a->sig_hup, signal_cb, SIGHUP);
	uv_timer_start(&a->clock, clock_cb, 1000, 1000);
	a->dirty = false;
	app_dirty(a);

	uv_run(a->loop, UV_RUN_DEFAULT);

	a->handles_live = false;
	uv_handle_t *hs[] = {
		(uv_handle_t *)&a->frame, (uv_handle_t *)&a->clock, (uv_handle_t *)&a->work,
		(uv_handle_t *)&a->input,
		(uv_handle_t *)&a->sig_winch, (uv_handle_t *)&a->sig_int, (uv_handle_t *)&a->sig_term,
		(uv_handle_t *)&a->sig_hup,
	};
	for (size_t i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
		uv_close(hs[i], close_noop);
	/* The terminal is the user's again at once; then the loop drains. */
	term_close(a->term);
	a->term = NULL;
	app_stop_all(a);
	/* A handle that never closes (a bug, a stuck peer) must not keep the
	 * process alive: after 2 s the drain gives up. */
	uv_timer_t guard;
	uv_timer_init(a->loop, &guard);
	uv_timer_start(&guard, drain_guard_cb, 2000, 0);
	uv_unref((uv_handle_t *)&guard);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&guard, NULL);
	uv_run(a->loop, UV_RUN_NOWAIT);
	return 0;
}

/* ---- headless snapshot ---- */

struct settle {
	struct app *a;
	uint64_t last_lines;
	int quiet_ms, settle_ms, waited_ms, max_ms;
};

static void
settle_cb(uv_timer_t *t)
{
	struct settle *s = t->data;
	s->waited_ms += 20;
	if (s->a->lines_in == s->last_lines)
		s->quiet_ms += 20;
	else
		s->quiet_ms = 0;
	s->last_lines = s->a->lines_in;
	/* Also wait for the first answer of Loki/Prometheus readiness. */
	const struct stack_status *ss = s->a->stack ? stack_status(s->a->stack) : NULL;
	bool checking = (ss && (ss->loki == STACK_CHECKING || ss->prom == STACK_CHECKING)) ||
			s->a->hist_waiting > 0 || s->a->fetching > 0;
	if ((s->quiet_ms >= s->settle_ms && !checking) || s->waited_ms >= s->max_ms)
		uv_stop(t->loop);
}

void
app_settle(struct app *a, int settle_ms, int max_ms)
{
	if (settle_ms <= 0)
		return;
	uv_timer_t t;
	struct settle s = { .a = a, .last_lines = a->lines_in, .settle_ms = settle_ms, .max_ms = max_ms };
	uv_timer_init(a->loop, &t);
	t.data = &s;
	uv_timer_start(&t, settle_cb, 20, 20);
	uv_run(a->loop, UV_RUN_DEFAULT);
	uv_close((uv_handle_t *)&t, close_noop);
	uv_run(a->loop, UV_RUN_NOWAIT);
}

int
app_snapshot(struct app *a, int rows, int cols, const char *keys, int settle_ms, int max_ms,
	     bool styles, struct sbuf *out)
{
	a->grid = tui_grid_new(rows, cols);
	app_settle(a, settle_ms, max_ms);
	app_eval_alerts(a);
	if (a->tabs[a->cur].depth == 0)
		switch_tab(a, a->cur, NULL);
	/* Views may need one layout pass before keys (page sizes). */
	app_render(a);
	for (const char *p = keys ? keys : ""; *p && !a->quit;) {
		size_t used;
		int key = tui_key_parse(p, &used);
		p += used ? used : 1;
		if (key != TUI_KEY_NONE) {
			app_key(a, key);
			/* A key may have started requests (an Explore query, a label
			 * list, PromQL panels): the next key sees their answer. */
			if (a->fetching > 0)
				app_settle(a, settle_ms, max_ms);
			app_render(a);
		}
	}
	app_render(a);
	tui_grid_dump(a->grid, styles, out);
	return 0;
}

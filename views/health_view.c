/*
 * views/health_view.c: one panel per agent, in a grid that reflows.
 *
 * Each panel shows the agent's state (ok / degraded / silent / erroring)
 * with the rule that decided it (views/stats.h health_eval, thresholds in
 * health_defaults), when it was last seen, its log-rate sparkline, its
 * error share, p50/p95/p99 of context.duration_ms over the window, the
 * task of its newest line and its busiest component.  A strip on top
 * says where the lines come from and what the stack looks like.
 *
 * Keys: s cycles the sort (state, name, error rate), f shows only
 * unhealthy agents, w cycles the window, Enter opens the agent's tail.
 * The model is rebuilt when the clock, the store, the window or the panel
 * width changed; draw reads nothing else.  Must not include curses.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sort.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/stats.h"
#include "views/view.h"

#define PANEL_W 36   /* narrowest panel that holds the rule text */
#define PANEL_H 8
#define NAME_MAX_LEN 64

enum sort_by { SORT_STATE, SORT_NAME, SORT_ERRORS, SORT__COUNT };
static const char *const sort_names[SORT__COUNT] = { "state", "name", "error rate" };

struct agent {
	uint32_t id;
	char name[NAME_MAX_LEN];
	enum health_state state;
	char why[96];
	int64_t last_seen;
	uint64_t lines, errors, warns;  /* in the window */
	double now;                     /* lines in the last minute */
	double p50, p95, p99;
	size_t samples;
	char task[48];
	char top_comp[48];
	double top_share;
	size_t voff;                    /* rate sparkline values */
};

struct model {
	int64_t now;
	uint64_t next_seq, first_seq;
	int win, cells, sort;
	bool valid;
	struct stats_buckets bk;
	struct agent *agents;
	size_t n, cap;
	double *vals;
	size_t nvals, vcap;
	size_t counts[HEALTH__COUNT];
};

struct health {
	int win;
	enum sort_by sort;
	bool only_bad;
	size_t sel;               /* index into the visible list */
	char sel_name[NAME_MAX_LEN];
	size_t top_row;
	int ncols, page_rows;
	struct model m;
	size_t *vis;              /* visible agents, sorted */
	size_t nvis, viscap;
	double *dur;              /* scratch: durations */
	size_t dcap;
};

static struct health *
H(struct view *v)
{
	return v->priv;
}

/* ---- the model ---- */

/* Natural order: "A2" before "A10". */
static int
natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

struct comp_count {
	uint32_t id, n;
};

static void
dur_push(struct health *h, size_t *n, double d)
{
	xgrow(&h->dur, &h->dcap, *n + 1, sizeof(double));
	h->dur[(*n)++] = d;
}

/*
 * Fills one agent from its index and series: counts from the per-second
 * series (same windows as the errors view), durations, task and top
 * component from its lines in the window, newest first.
 */
static void
build_agent(struct view *v, struct agent *ag, int64_t end)
{
	struct health *h = H(v);
	struct model *m = &h->m;
	const struct store *st = v->app->store;
	const struct health_thresholds *t = &v->app->health;
	const struct series *s = store_series(st, DIM_AGENT, ag->id);
	int w = stats_windows[m->win];
	int64_t now = m->now;

	xgrow(&m->vals, &m->vcap, m->nvals + (size_t)m->bk.n, sizeof(double));
	ag->voff = m->nvals;
	stats_bucket_sum(s, STATS_LINES, &m->bk, m->vals + m->nvals);
	m->nvals += (size_t)m->bk.n;
	ag->lines = stats_series_sum(s, STATS_LINES, end - w, end);
	ag->errors = stats_series_sum(s, STATS_ERRORS, end - w, end);
	ag->warns = stats_series_sum(s, STATS_WARNS, end - w, end);
	ag->now = (double)stats_series_sum(s, STATS_LINES, end - 60, end);

	const uint64_t *idx;
	size_t n = store_index(st, DIM_AGENT, ag->id, &idx);
	int64_t from = (end - w) * 1000000000LL, to = end * 1000000000LL;
	int64_t lat_from = (end - t->latency_window) * 1000000000LL;
	int64_t oldest = from < lat_from ? from : lat_from;
	size_t nd = 0;
	struct comp_count comps[16];
	int ncomp = 0;
	uint32_t seen = 0;   /* lines in the window; components past 16 count here only */
	ag->last_seen = 0;
	ag->task[0] = '\0';
	/* Durations of the latency window, for the p95 rule. */
	double *lat = NULL;
	size_t nlat = 0, latcap = 0;
	for (size_t i = n; i-- > 0;) {
		const struct log_rec *r = store_get(st, idx[i]);
		if (!r)
			break;
		if (r->ts_ns > ag->last_seen && r->ts_ns <= to)
			ag->last_seen = r->ts_ns;
		if (r->ts_ns < oldest)
			break;
		if (r->ts_ns >= to)
			continue;
		if (!ag->task[0] && r->task.len)
			snprintf(ag->task, sizeof(ag->task), "%.*s", (int)r->task.len, r->text + r->task.off);
		bool dur = (r->flags & LOG_F_DURATION) && !isnan(r->duration_ms);
		if (dur && r->ts_ns >= lat_from) {
			xgrow(&lat, &latcap, nlat + 1, sizeof(double));
			lat[nlat++] = r->duration_ms;
		}
		if (r->ts_ns < from)
			continue;
		if (dur)
			dur_push(h, &nd, r->duration_ms);
		uint32_t c = r->id[DIM_COMPONENT];
		int k = 0;
		while (k < ncomp && comps[k].id != c)
			k++;
		if (k < ncomp)
			comps[k].n++;
		else if (ncomp < 16)
			comps[ncomp++] = (struct comp_count){ c, 1 };
		seen++;
	}
	/* A line newer than the window end (clock skew) still counts as seen. */
	if (!ag->last_seen && n) {
		const struct log_rec *r = store_get(st, idx[n - 1]);
		if (r)
			ag->last_seen = r->ts_ns;
	}
	stats_sort(h->dur, nd);
	ag->samples = nd;
	ag->p50 = stats_quantile(h->dur, nd, 0.50);
	ag->p95 = stats_quantile(h->dur, nd, 0.95);
	ag->p99 = stats_quantile(h->dur, nd, 0.99);
	ag->top_comp[0] = '\0';
	ag->top_share = 0;
	int best = -1;
	for (int k = 0; k < ncomp; k++)
		if (best < 0 || comps[k].n > comps[best].n)
			best = k;
	if (best >= 0 && seen) {
		snprintf(ag->top_comp, sizeof(ag->top_comp), "%s", store_str(st, DIM_COMPONENT, comps[best].id));
		ag->top_share = (double)comps[best].n / (double)seen;
	}

	stats_sort(lat, nlat);
	struct health_input in = {
		.now_ns = now,
		.last_seen_ns = ag->last_seen,
		.lines = stats_series_sum(s, STATS_LINES, end - t->error_window, end),
		.errors = stats_series_sum(s, STATS_ERRORS, end - t->error_window, end),
		.warns = stats_series_sum(s, STATS_WARNS, end - t->error_window, end),
		.p95_ms = stats_quantile(lat, nlat, 0.95),
		.samples = nlat,
	};
	free(lat);
	ag->state = health_eval(t, &in, ag->why, sizeof(ag->why));
}

static double
err_share(const struct agent *a)
{
	return a->lines ? (double)a->errors / (double)a->lines : 0;
}

static const struct agent *cmp_base;
static enum sort_by cmp_sort;

static int
cmp_vis(const void *pa, const void *pb)
{
	const struct agent *a = &cmp_base[*(const size_t *)pa], *b = &cmp_base[*(const size_t *)pb];
	if (cmp_sort == SORT_STATE) {
		int ra = health_state_rank(a->state), rb = health_state_rank(b->state);
		if (ra != rb)
			return ra < rb ? -1 : 1;
	}
	if (cmp_sort == SORT_STATE || cmp_sort == SORT_ERRORS) {
		double ea = err_share(a), eb = err_share(b);
		if (ea != eb)
			return ea > eb ? -1 : 1;
	}
	return natcmp(a->name, b->name);
}

static void
build(struct view *v, int cells)
{
	struct health *h = H(v);
	struct model *m = &h->m;
	const struct store *st = v->app->store;
	int64_t now = app_now(v->app);
	/* Rebuilt at most once a second of the clock (see errors_view.c). */
	bool was_empty = m->next_seq == m->first_seq;
	bool same = m->valid && m->now / 1000000000LL == now / 1000000000LL && !(was_empty && store_count(st)) &&
		    m->win == h->win && m->cells == cells;
	if (!same) {
		m->valid = true;
		m->now = now;
		m->next_seq = store_next_seq(st);
		m->first_seq = store_first_seq(st);
		m->win = h->win;
		m->cells = cells;
		m->n = m->nvals = 0;
		memset(m->counts, 0, sizeof(m->counts));
		int64_t end = stats_window_end(now);
		stats_bucket_plan(stats_windows[h->win], cells, end, &m->bk);
		for (uint32_t id = 1; id <= store_dim_max(st, DIM_AGENT); id++) {
			const char *name = store_str(st, DIM_AGENT, id);
			if (!*name)
				continue;
			xgrow(&m->agents, &m->cap, m->n + 1, sizeof(*m->agents));
			struct agent *ag = &m->agents[m->n++];
			memset(ag, 0, sizeof(*ag));
			ag->id = id;
			snprintf(ag->name, sizeof(ag->name), "%s", name);
			build_agent(v, ag, end);
			m->counts[ag->state]++;
		}
	}
	/* The visible list: filter, sort, then find the selection again. */
	h->nvis = 0;
	for (size_t i = 0; i < m->n; i++) {
		if (h->only_bad && m->agents[i].state == HEALTH_OK)
			continue;
		xgrow(&h->vis, &h->viscap, h->nvis + 1, sizeof(size_t));
		h->vis[h->nvis++] = i;
	}
	cmp_base = m->agents;
	cmp_sort = h->sort;
	sort_n(h->vis, h->nvis, sizeof(size_t), cmp_vis);
	if (h->sel_name[0]) {
		for (size_t i = 0; i < h->nvis; i++)
			if (!strcmp(m->agents[h->vis[i]].name, h->sel_name)) {
				h->sel = i;
				break;
			}
	}
	if (h->sel >= h->nvis)
		h->sel = h->nvis ? h->nvis - 1 : 0;
}

/* ---- open / close ---- */

static int
health_open(struct view *v, const struct view_args *args)
{
	struct health *h = H(v);
	h->win = 1;   /* 5m */
	h->sort = SORT_STATE;
	/* Opened for an agent (from another view): its panel is selected. */
	if (args && args->agent && *args->agent)
		snprintf(h->sel_name, sizeof(h->sel_name), "%s", args->agent);
	return 0;
}

static void
health_close(struct view *v)
{
	struct health *h = H(v);
	free(h->m.agents);
	free(h->m.vals);
	free(h->vis);
	free(h->dur);
}

/* ---- drawing ---- */

static uint16_t
state_style(enum health_state s)
{
	switch (s) {
	case HEALTH_OK: return THEME_OK;
	case HEALTH_DEGRADED: return THEME_WARN;
	case HEALTH_SILENT: return THEME_LOG_FATAL;
	case HEALTH_ERRORING: return THEME_ERROR;
	default: return THEME_NORMAL;
	}
}

static void
fmt_pct(double frac, char *buf, size_t size)
{
	if (frac * 100 >= 10 || frac == 0)
		snprintf(buf, size, "%.0f%%", frac * 100);
	else
		snprintf(buf, size, "%.1f%%", frac * 100);
}

/* Sparkline cells inside a panel of width pw: "rate " + spark + " 1234/m". */
static int
spark_cells(int pw)
{
	int n = pw - 2 - 2 - 5 - 8;
	return n < 1 ? 1 : n;
}

static void
draw_panel(struct view *v, struct tui_canvas *c, const struct agent *ag, bool selected)
{
	struct model *m = &H(v)->m;
	char buf[96], a1[32], a2[32], a3[32];
	uint16_t border = selected ? THEME_SELECTION : THEME_BORDER;
	tui_box(c, border, NULL);
	/* Title: name on the left, state on the right. */
	const char *st = health_state_name(ag->state);
	int stw = (int)strlen(st) + 2;
	struct tui_canvas t = tui_canvas_sub(c, 0, 1, 1, c->w - 2);
	tui_put_text(&t, border, selected ? (tui_ascii ? ">" : "\u25b8") : " ");
	int nw = t.w - stw - 3;
	if (nw > 0)
		tui_put_field(&t, (uint16_t)theme_palette_for(ag->name, strlen(ag->name)), ag->name, strlen(ag->name),
			      (int)strlen(ag->name) < nw ? (int)strlen(ag->name) : nw, TUI_LEFT);
	tui_put_cp(&t, border, ' ');
	if (t.w - stw - 1 >= 0) {
		tui_move(&t, 0, t.w - stw - 1);
		tui_put_cp(&t, border, ' ');
		tui_put_text(&t, state_style(ag->state), st);
		tui_put_cp(&t, border, ' ');
	}
	struct tui_canvas in = tui_canvas_sub(c, 1, 2, c->h - 2, c->w - 4);
	int y = 0;
	/* 1: the rule that decided. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		tui_put_text(&in, state_style(ag->state), ag->why);
	}
	/* 2: last seen and the current task. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		tui_put_text(&in, THEME_MUTED, "seen ");
		if (ag->last_seen) {
			stats_fmt_age(m->now - ag->last_seen, a1, sizeof(a1));
			snprintf(buf, sizeof(buf), "%s ago", a1);
		} else {
			snprintf(buf, sizeof(buf), "never");
		}
		tui_put_text(&in, THEME_NORMAL, buf);
		tui_put_text(&in, THEME_MUTED, "  task ");
		tui_put_text(&in, ag->task[0] ? THEME_CORR : THEME_MUTED, ag->task[0] ? ag->task : "-");
	}
	/* 3: log rate. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		tui_put_text(&in, THEME_MUTED, "rate ");
		const double *vals = m->vals + ag->voff;
		int cells = in.w - 5 - 8;
		int n = m->bk.n < cells ? m->bk.n : cells;
		if (n > 0)
			tui_sparkline(&in, THEME_SPARK, vals + (m->bk.n - n), n, 0,
				      stats_spike_threshold(vals, m->bk.n), THEME_SPARK_PEAK);
		stats_fmt_rate(ag->now, a1, sizeof(a1));
		snprintf(buf, sizeof(buf), " %s/m", a1);
		tui_put_text(&in, THEME_NORMAL, buf);
	}
	/* 4: errors in the window. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		tui_put_text(&in, THEME_MUTED, "errors ");
		fmt_pct(err_share(ag), a1, sizeof(a1));
		tui_put_text(&in, ag->errors ? THEME_LOG_ERROR : THEME_NORMAL, a1);
		snprintf(buf, sizeof(buf), " %llu/%llu", (unsigned long long)ag->errors, (unsigned long long)ag->lines);
		tui_put_text(&in, THEME_MUTED, buf);
		snprintf(buf, sizeof(buf), "  warn %llu", (unsigned long long)ag->warns);
		tui_put_text(&in, ag->warns ? THEME_LOG_WARN : THEME_MUTED, buf);
	}
	/* 5: latency percentiles. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		stats_fmt_ms(ag->p50, a1, sizeof(a1));
		stats_fmt_ms(ag->p95, a2, sizeof(a2));
		stats_fmt_ms(ag->p99, a3, sizeof(a3));
		tui_put_text(&in, THEME_MUTED, "p50 ");
		tui_put_text(&in, THEME_DURATION, a1);
		tui_put_text(&in, THEME_MUTED, " p95 ");
		tui_put_text(&in, ag->p95 > v->app->health.slow_p95_ms ? THEME_DURATION_SLOW : THEME_DURATION, a2);
		tui_put_text(&in, THEME_MUTED, " p99 ");
		tui_put_text(&in, ag->p99 > v->app->health.slow_p95_ms ? THEME_DURATION_SLOW : THEME_DURATION, a3);
	}
	/* 6: busiest component. */
	if (y < in.h) {
		tui_move(&in, y++, 0);
		tui_put_text(&in, THEME_MUTED, "top ");
		if (ag->top_comp[0]) {
			tui_put_text(&in, THEME_COMPONENT, ag->top_comp);
			fmt_pct(ag->top_share, a1, sizeof(a1));
			snprintf(buf, sizeof(buf), " %s of lines", a1);
			tui_put_text(&in, THEME_MUTED, buf);
		} else {
			tui_put_text(&in, THEME_MUTED, "-");
		}
	}
}

/*
 * Flows " a | b | c" segments over at most `max` rows, breaking before a
 * segment that does not fit; a segment wider than the row is cut.  Returns
 * the rows used.  `style` per segment, "|" in muted.
 */
static int
flow(struct tui_canvas *c, int y, int max, const char *const *seg, const uint16_t *style, int n, bool newline_at,
     int break_before)
{
	int row = 0;
	tui_move(c, y, 0);
	tui_put_cp(c, THEME_NORMAL, ' ');
	bool first = true;
	for (int i = 0; i < n; i++) {
		int w = tui_text_width(seg[i], strlen(seg[i]));
		bool brk = !first && (c->cx + 3 + w > c->w || (newline_at && i == break_before));
		if (brk) {
			if (row + 1 >= max)
				return row + 1;
			row++;
			tui_move(c, y + row, 0);
			tui_put_cp(c, THEME_NORMAL, ' ');
			first = true;
		}
		if (!first)
			tui_put_text(c, THEME_MUTED, " | ");
		tui_put_text(c, style[i], seg[i]);
		first = false;
	}
	return row + 1;
}

static int
draw_strip(struct view *v, struct tui_canvas *c, int max)
{
	struct health *h = H(v);
	struct model *m = &h->m;
	struct app *a = v->app;
	char src[160], held[48], dropped[48], counts[128], win[32], sort[32];
	app_source_desc(a, src, sizeof(src));
	snprintf(held, sizeof(held), "%zu lines held", store_count(a->store));
	snprintf(dropped, sizeof(dropped), "%llu dropped", (unsigned long long)store_dropped(a->store));
	snprintf(counts, sizeof(counts), "%zu agents: %zu erroring, %zu silent, %zu degraded, %zu ok", m->n,
		 m->counts[HEALTH_ERRORING], m->counts[HEALTH_SILENT], m->counts[HEALTH_DEGRADED], m->counts[HEALTH_OK]);
	stats_fmt_secs(stats_windows[h->win], win, sizeof(win));
	char wl[40];
	snprintf(wl, sizeof(wl), "window %s", win);
	snprintf(sort, sizeof(sort), "sort: %s", sort_names[h->sort]);
	/* The stack: Loki and Prometheus readiness, Prometheus targets. */
	const struct stack_status *ss = a->stack ? stack_status(a->stack) : NULL;
	char loki[80], prom[160];
	enum stack_state ls = ss ? ss->loki : STACK_OFF, ps = ss ? ss->prom : STACK_OFF;
	snprintf(loki, sizeof(loki), "Loki: %s", stack_state_str(ls));
	if (ps == STACK_UP)
		snprintf(prom, sizeof(prom), "Prometheus: ready, targets %d up %d down%s%.60s", ss->targets_up,
			 ss->targets_down, ss->targets_down ? " (" : "", ss->targets_down ? ss->down_targets : "");
	else
		snprintf(prom, sizeof(prom), "Prometheus: %s", stack_state_str(ps));
	if (ps == STACK_UP && ss->targets_down)
		strncat(prom, ")", sizeof(prom) - strlen(prom) - 1);
	const char *seg[] = { src, held, dropped, loki, prom,
			      counts, wl, sort, h->only_bad ? "only unhealthy" : "all agents" };
	bool bad = m->counts[HEALTH_ERRORING] || m->counts[HEALTH_SILENT];
	uint16_t lst = ls == STACK_UP ? THEME_OK : ls == STACK_DOWN ? THEME_ERROR : THEME_MUTED;
	uint16_t pst = ps == STACK_UP ? (ss->targets_down ? THEME_WARN : THEME_OK) : ps == STACK_DOWN ? THEME_ERROR : THEME_MUTED;
	const uint16_t style[] = { THEME_TITLE, THEME_NORMAL, store_dropped(a->store) ? THEME_WARN : THEME_NORMAL,
				   lst, pst, bad ? THEME_ERROR : m->counts[HEALTH_DEGRADED] ? THEME_WARN : THEME_OK,
				   THEME_NORMAL, THEME_NORMAL, THEME_NORMAL };
	return flow(c, 0, max, seg, style, (int)LX_ARRAY_LEN(seg), max > 1, 5);
}

static void
health_draw(struct view *v, struct tui_canvas *c)
{
	struct health *h = H(v);
	struct model *m = &h->m;
	int ncols = c->w / PANEL_W;
	if (ncols < 1)
		ncols = 1;
	int pw = c->w / ncols;
	build(v, spark_cells(pw));
	h->ncols = ncols;

	/* The strip: where lines come from, what the stack says, the counts. */
	int strip = draw_strip(v, c, c->h >= 12 ? 3 : 1);

	int avail = c->h - strip;
	int ph = avail < PANEL_H ? avail : PANEL_H;
	if (ph < 3)
		ph = 3;
	int rows = avail / ph;
	if (rows < 1)
		rows = 1;
	h->page_rows = rows;
	if (h->nvis == 0) {
		tui_move(c, strip + avail / 2, 0);
		const char *msg = m->n ? "every agent is ok (f shows all)" : "no agent has logged yet";
		tui_put_field(c, THEME_MUTED, msg, strlen(msg), c->w, TUI_CENTER);
		return;
	}
	size_t sel_row = h->sel / (size_t)ncols;
	if (sel_row < h->top_row)
		h->top_row = sel_row;
	if (sel_row >= h->top_row + (size_t)rows)
		h->top_row = sel_row - (size_t)rows + 1;
	for (int r = 0; r < rows; r++) {
		for (int k = 0; k < ncols; k++) {
			size_t i = (h->top_row + (size_t)r) * (size_t)ncols + (size_t)k;
			if (i >= h->nvis)
				break;
			/* Spread the spare columns over the first panels. */
			int spare = c->w - pw * ncols;
			int x = k * pw + (k < spare ? k : spare);
			int wk = pw + (k < spare ? 1 : 0);
			struct tui_canvas pc = tui_canvas_sub(c, strip + r * ph, x, ph, wk);
			draw_panel(v, &pc, &m->agents[h->vis[i]], i == h->sel);
		}
	}
}

/* ---- keys ---- */

static int
health_request(struct view *v, enum request req, int key)
{
	struct health *h = H(v);
	(void)key;
	long nc = h->ncols > 0 ? h->ncols : 1;
	long d = 0;
	switch (req) {
	case REQ_SCROLL_DOWN: d = nc; break;
	case REQ_SCROLL_UP: d = -nc; break;
	case REQ_SCROLL_RIGHT: d = 1; break;
	case REQ_SCROLL_LEFT: d = -1; break;
	case REQ_PAGE_DOWN: d = nc * (h->page_rows > 0 ? h->page_rows : 1); break;
	case REQ_PAGE_UP: d = -nc * (h->page_rows > 0 ? h->page_rows : 1); break;
	case REQ_MOVE_FIRST: h->sel = 0; break;
	case REQ_MOVE_LAST: h->sel = h->nvis ? h->nvis - 1 : 0; break;
	case REQ_SORT:
		h->sort = (h->sort + 1) % SORT__COUNT;
		app_message(v->app, 0, "sorted by %s", sort_names[h->sort]);
		break;
	case REQ_WINDOW:
		h->win = (h->win + 1) % 4;
		break;
	case REQ_TOGGLE_UNHEALTHY:
		h->only_bad = !h->only_bad;
		h->top_row = 0;
		break;
	case REQ_ENTER:
		if (h->sel < h->nvis) {
			char name[NAME_MAX_LEN];
			snprintf(name, sizeof(name), "%s", h->m.agents[h->vis[h->sel]].name);
			if (!app_switch_to(v->app, "tail", &(struct view_args){ .agent = name }))
				app_message(v->app, 1, "no tail view");
		}
		return RES_HANDLED | RES_REDRAW;
	default:
		return RES_UNHANDLED;
	}
	if (d) {
		long s = (long)h->sel + d;
		if (s >= (long)h->nvis)
			s = d == 1 || d == -1 ? (long)h->sel : (long)h->nvis - 1;
		if (s < 0)
			s = d == 1 || d == -1 ? (long)h->sel : 0;
		h->sel = (size_t)s;
	}
	if (h->sel < h->nvis)
		snprintf(h->sel_name, sizeof(h->sel_name), "%s", h->m.agents[h->vis[h->sel]].name);
	return RES_HANDLED | RES_REDRAW;
}

static void
health_status(struct view *v, char *buf, size_t size)
{
	struct health *h = H(v);
	char win[16];
	stats_fmt_secs(stats_windows[h->win], win, sizeof(win));
	snprintf(buf, size, "HEALTH %s  s sort  f filter  w window", win);
}

const struct view_ops health_view_ops = {
	.name = "health",
	.flags = VIEW_LIVE | VIEW_TAB,
	.private_size = sizeof(struct health),
	.open = health_open,
	.close = health_close,
	.draw = health_draw,
	.request = health_request,
	.status = health_status,
	.min_rows = 6,
	.min_cols = 30,
};

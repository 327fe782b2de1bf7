/*
 * views/errors_view.c: error rates over time and the top error messages.
 *
 * Upper pane: one row per series (all errors, WARN/ERROR/FATAL, each agent
 * and each component with errors in the window or the one before), with
 * a sparkline of the window bucketed from the store's per-second
 * counters, the rate of the last minute, the window's peak, the change
 * against the previous window and the window total.  Buckets well above
 * the row's median are spikes (sparkline.peak style, ^ in the gutter).
 * Lower pane: ERROR/FATAL lines of the window grouped by normalised
 * message (views/stats.h) with count, first/last seen and agents.
 *
 * Enter on an agent row opens the tail of that agent around its peak;
 * on any other row or a message group it lists the lines behind it here
 * (Enter on a line opens its detail, t its request's waterfall, Esc
 * returns).  The model is rebuilt
 * from the store when the clock, the store or the layout changed; draw
 * reads nothing else, so snapshots with --now are deterministic.
 * Must not include curses or do I/O.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/logline.h"
#include "views/stats.h"
#include "views/view.h"

#define NAME_MAX_LEN 64
#define KEY_MAX_LEN 240
#define MSG_CAP 4096
#define MAX_CELLS 120

enum row_kind { ROW_TOTAL, ROW_LEVEL, ROW_AGENT, ROW_COMP };
enum sort_by { SORT_RATE, SORT_CHANGE, SORT__COUNT };

struct erow {
	enum row_kind kind;
	uint32_t id;              /* level, or intern id */
	char name[NAME_MAX_LEN];
	size_t voff;              /* bucket values at model.vals + voff */
	uint64_t total, prev;
	bool prev_known;
	double now, peak;         /* per minute */
	double spike;             /* bucket value from which it is a spike */
	bool has_spike;
	int peak_i;               /* latest bucket holding the maximum */
};

struct egroup {
	char key[KEY_MAX_LEN];
	uint64_t hash;
	int64_t first, last;
	uint8_t level;            /* highest level seen */
	uint32_t *agents;
	size_t nagents, acap;
	uint64_t *seqs;           /* ascending */
	size_t nseqs, scap;
};

/* One line of the upper pane: a section heading (row -1) or a row. */
struct dline {
	int row;
	char text[64];
};

struct model {
	int64_t now;
	uint64_t next_seq, first_seq;
	int win, cells, sort;
	bool valid;
	struct stats_buckets bk;
	int64_t end;              /* window end, exclusive unix second */
	bool prev_known;
	struct erow *rows;
	size_t nrows, rcap;
	double *vals;
	size_t nvals, vcap;
	struct egroup *groups;
	size_t ngroups, gcap;
	struct dline *lines;
	size_t nlines, lcap;
	uint64_t n_err, n_warn;
	uint32_t agents_total, comps_total, agents_err, comps_err;
};

/* The list of lines behind a row or a group. */
struct list {
	bool on;
	char title[200];
	uint64_t *seqs;
	size_t n, cap;
	size_t sel, top;
	int page;
};

struct errs {
	int win;                  /* index into stats_windows */
	enum sort_by sort;
	size_t sel;               /* index into rows, then groups */
	/* Identity of the selection, to keep it across rebuilds. */
	enum row_kind sel_kind;
	uint32_t sel_id;
	uint64_t sel_hash;
	bool sel_group;
	size_t rtop, gtop;
	int rpage, gpage;
	struct model m;
	struct list l;
};

static struct errs *
E(struct view *v)
{
	return v->priv;
}

/* ---- the model ---- */

static void
model_free_groups(struct model *m)
{
	for (size_t i = 0; i < m->ngroups; i++) {
		free(m->groups[i].agents);
		free(m->groups[i].seqs);
	}
	m->ngroups = 0;
}

static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
add_row(struct model *m, enum row_kind kind, uint32_t id, const char *name, const struct series *s,
	enum stats_count which)
{
	xgrow(&m->rows, &m->rcap, m->nrows + 1, sizeof(*m->rows));
	xgrow(&m->vals, &m->vcap, m->nvals + (size_t)m->bk.n, sizeof(double));
	struct erow *r = &m->rows[m->nrows];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->id = id;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->voff = m->nvals;
	double *b = m->vals + m->nvals;
	int64_t w = stats_windows[m->win];
	r->total = stats_bucket_sum(s, which, &m->bk, b);
	r->prev_known = m->prev_known;
	r->prev = m->prev_known ? stats_series_sum(s, which, m->end - 2 * w, m->end - w) : 0;
	/* Agents and components without errors here or before stay out. */
	if ((kind == ROW_AGENT || kind == ROW_COMP) && r->total == 0 && r->prev == 0)
		return;
	r->now = (double)stats_series_sum(s, which, m->end - 60, m->end);
	double maxv = 0;
	r->peak_i = -1;
	for (int i = 0; i < m->bk.n; i++)
		if (b[i] >= maxv && b[i] > 0) {
			maxv = b[i];
			r->peak_i = i;
		}
	r->peak = maxv * 60.0 / m->bk.secs;
	r->spike = stats_spike_threshold(b, m->bk.n);
	for (int i = 0; i < m->bk.n; i++)
		if (b[i] > 0 && b[i] >= r->spike)
			r->has_spike = true;
	m->nvals += (size_t)m->bk.n;
	m->nrows++;
}

/* Change against the previous window, for sorting: new errors first. */
static double
change_key(const struct erow *r)
{
	if (!r->prev_known)
		return 0;
	if (r->prev == 0)
		return r->total ? INFINITY : 0;
	return ((double)r->total - (double)r->prev) / (double)r->prev;
}

static enum sort_by cmp_sort;

static int
cmp_rows(const void *pa, const void *pb)
{
	const struct erow *a = pa, *b = pb;
	if (cmp_sort == SORT_CHANGE) {
		double ca = change_key(a), cb = change_key(b);
		if (ca != cb)
			return ca > cb ? -1 : 1;
	}
	if (a->now != b->now)
		return a->now > b->now ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
cmp_groups(const void *pa, const void *pb)
{
	const struct egroup *a = pa, *b = pb;
	if (a->nseqs != b->nseqs)
		return a->nseqs > b->nseqs ? -1 : 1;
	if (a->last != b->last)
		return a->last > b->last ? -1 : 1;
	return strcmp(a->key, b->key);
}

static void
add_to_group(struct model *m, const struct log_rec *r)
{
	static char msg[MSG_CAP], key[KEY_MAX_LEN];
	size_t n = logline_message(r, false, msg, sizeof(msg));
	stats_normalize(msg, n, key, sizeof(key));
	uint64_t h = fnv(key);
	struct egroup *g = NULL;
	for (size_t i = 0; i < m->ngroups; i++)
		if (m->groups[i].hash == h && !strcmp(m->groups[i].key, key)) {
			g = &m->groups[i];
			break;
		}
	if (!g) {
		xgrow(&m->groups, &m->gcap, m->ngroups + 1, sizeof(*m->groups));
		g = &m->groups[m->ngroups++];
		memset(g, 0, sizeof(*g));
		snprintf(g->key, sizeof(g->key), "%s", key);
		g->hash = h;
		g->first = r->ts_ns;
		g->last = r->ts_ns;
	}
	if (r->ts_ns < g->first)
		g->first = r->ts_ns;
	if (r->ts_ns > g->last)
		g->last = r->ts_ns;
	if (r->level > g->level)
		g->level = r->level;
	xgrow(&g->seqs, &g->scap, g->nseqs + 1, sizeof(uint64_t));
	g->seqs[g->nseqs++] = r->seq;
	uint32_t a = r->id[DIM_AGENT];
	for (size_t i = 0; i < g->nagents; i++)
		if (g->agents[i] == a)
			return;
	xgrow(&g->agents, &g->acap, g->nagents + 1, sizeof(uint32_t));
	g->agents[g->nagents++] = a;
}

/* Seqs of an index (ascending) whose lines fall in [from_ns, to_ns). */
static size_t
index_from(const uint64_t *idx, size_t n, uint64_t seq)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (idx[mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
cmp_u64(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
	return a < b ? -1 : a > b;
}

static void
build_groups(struct model *m, const struct store *st)
{
	int64_t from = (m->end - stats_windows[m->win]) * 1000000000LL, to = m->end * 1000000000LL;
	uint64_t s0 = store_seek_time(st, from);
	for (int lvl = LVL_ERROR; lvl <= LVL_FATAL; lvl++) {
		const uint64_t *idx;
		size_t n = store_level_index(st, (enum log_level)lvl, &idx);
		for (size_t i = index_from(idx, n, s0); i < n; i++) {
			const struct log_rec *r = store_get(st, idx[i]);
			if (r && r->ts_ns >= from && r->ts_ns < to)
				add_to_group(m, r);
		}
	}
	for (size_t i = 0; i < m->ngroups; i++)
		sort_n(m->groups[i].seqs, m->groups[i].nseqs, sizeof(uint64_t), cmp_u64);
	sort_n(m->groups, m->ngroups, sizeof(*m->groups), cmp_groups);
}

static void
add_dline(struct model *m, int row, const char *text)
{
	xgrow(&m->lines, &m->lcap, m->nlines + 1, sizeof(*m->lines));
	struct dline *d = &m->lines[m->nlines++];
	d->row = row;
	snprintf(d->text, sizeof(d->text), "%s", text ? text : "");
}

static void
build(struct view *v, int cells)
{
	struct errs *e = E(v);
	struct model *m = &e->m;
	const struct store *st = v->app->store;
	int64_t now = app_now(v->app);
	/*
	 * Rebuilt at most once a second of the clock (rates are per second),
	 * or when the window, the layout or the sort changed, or when the
	 * store got its first lines; a live tail at 30 fps does not rebuild
	 * the model 30 times a second.
	 */
	bool was_empty = m->next_seq == m->first_seq;
	if (m->valid && m->now / 1000000000LL == now / 1000000000LL && !(was_empty && store_count(st)) &&
	    m->win == e->win && m->cells == cells && m->sort == (int)e->sort)
		return;
	model_free_groups(m);
	m->nrows = m->nvals = m->nlines = 0;
	m->now = now;
	m->next_seq = store_next_seq(st);
	m->first_seq = store_first_seq(st);
	m->win = e->win;
	m->cells = cells;
	m->sort = (int)e->sort;
	m->valid = true;
	m->end = stats_window_end(now);
	int w = stats_windows[e->win];
	stats_bucket_plan(w, cells, m->end, &m->bk);
	/* The previous window is known when the held lines reach back to it. */
	const struct log_rec *oldest = store_get(st, store_first_seq(st));
	m->prev_known = oldest && 2 * w <= STORE_SERIES_SECS && oldest->ts_ns <= (m->end - 2 * w) * 1000000000LL;

	add_row(m, ROW_TOTAL, 0, "all errors", store_series_total(st), STATS_ERRORS);
	add_row(m, ROW_LEVEL, LVL_WARN, "WARN", store_series_level(st, LVL_WARN), STATS_WARNS);
	add_row(m, ROW_LEVEL, LVL_ERROR, "ERROR", store_series_level(st, LVL_ERROR), STATS_ERRORS);
	add_row(m, ROW_LEVEL, LVL_FATAL, "FATAL", store_series_level(st, LVL_FATAL), STATS_ERRORS);
	m->n_err = m->rows[0].total;
	m->n_warn = m->rows[1].total;
	size_t fixed = m->nrows;
	m->agents_total = m->comps_total = 0;
	for (uint32_t id = 1; id <= store_dim_max(st, DIM_AGENT); id++) {
		const struct series *s = store_series(st, DIM_AGENT, id);
		if (!s)
			continue;
		m->agents_total++;
		add_row(m, ROW_AGENT, id, store_str(st, DIM_AGENT, id), s, STATS_ERRORS);
	}
	size_t agents_end = m->nrows;
	for (uint32_t id = 1; id <= store_dim_max(st, DIM_COMPONENT); id++) {
		const struct series *s = store_series(st, DIM_COMPONENT, id);
		if (!s)
			continue;
		m->comps_total++;
		add_row(m, ROW_COMP, id, store_str(st, DIM_COMPONENT, id), s, STATS_ERRORS);
	}
	m->agents_err = (uint32_t)(agents_end - fixed);
	m->comps_err = (uint32_t)(m->nrows - agents_end);
	cmp_sort = e->sort;
	sort_n(m->rows + fixed, agents_end - fixed, sizeof(*m->rows), cmp_rows);
	sort_n(m->rows + agents_end, m->nrows - agents_end, sizeof(*m->rows), cmp_rows);

	char buf[64];
	for (size_t i = 0; i < fixed; i++)
		add_dline(m, (int)i, NULL);
	snprintf(buf, sizeof(buf), "agents: %u of %u with errors", m->agents_err, m->agents_total);
	add_dline(m, -1, buf);
	for (size_t i = fixed; i < agents_end; i++)
		add_dline(m, (int)i, NULL);
	snprintf(buf, sizeof(buf), "components: %u of %u with errors", m->comps_err, m->comps_total);
	add_dline(m, -1, buf);
	for (size_t i = agents_end; i < m->nrows; i++)
		add_dline(m, (int)i, NULL);

	build_groups(m, st);

	/* Put the selection back on the same row or group. */
	size_t nsel = m->nrows + m->ngroups;
	if (e->sel_group) {
		for (size_t i = 0; i < m->ngroups; i++)
			if (m->groups[i].hash == e->sel_hash) {
				e->sel = m->nrows + i;
				return;
			}
	} else {
		for (size_t i = 0; i < m->nrows; i++)
			if (m->rows[i].kind == e->sel_kind && m->rows[i].id == e->sel_id) {
				e->sel = i;
				return;
			}
	}
	if (e->sel >= nsel)
		e->sel = nsel ? nsel - 1 : 0;
}

static void
remember_sel(struct errs *e)
{
	struct model *m = &e->m;
	e->sel_group = e->sel >= m->nrows;
	if (e->sel_group && e->sel - m->nrows < m->ngroups) {
		e->sel_hash = m->groups[e->sel - m->nrows].hash;
	} else if (!e->sel_group && e->sel < m->nrows) {
		e->sel_kind = m->rows[e->sel].kind;
		e->sel_id = m->rows[e->sel].id;
	}
}

/* ---- open / close ---- */

static int
errors_open(struct view *v, const struct view_args *args)
{
	struct errs *e = E(v);
	e->win = 1;               /* 5m */
	e->sort = SORT_RATE;
	e->sel_kind = ROW_TOTAL;
	/* Opened for an agent (from another view): its row is selected. */
	if (args && args->agent && *args->agent) {
		e->sel_kind = ROW_AGENT;
		e->sel_id = store_lookup(v->app->store, DIM_AGENT, args->agent, strlen(args->agent));
	}
	return 0;
}

static void
errors_close(struct view *v)
{
	struct errs *e = E(v);
	model_free_groups(&e->m);
	free(e->m.groups);
	free(e->m.rows);
	free(e->m.vals);
	free(e->m.lines);
	free(e->l.seqs);
}

/* ---- drawing ---- */

enum rcol { RC_NAME, RC_SPARK, RC_NOW, RC_PEAK, RC_CHANGE, RC_TOTAL, RC__N };
enum gcol { GC_COUNT, GC_FIRST, GC_LAST, GC_AGENTS, GC_MSG, GC__N };

static void
rate_layout(int width, int *w, struct tui_column *cols)
{
	struct tui_column c[RC__N] = {
		[RC_NAME] = { "SERIES", 12, 32, 1, TUI_LEFT, false },
		[RC_SPARK] = { "", 10, MAX_CELLS, 6, TUI_RIGHT, false },
		[RC_NOW] = { "NOW/m", 6, 6, 0, TUI_RIGHT, false },
		[RC_PEAK] = { "PEAK/m", 6, 6, 0, TUI_RIGHT, width < 60 },
		[RC_CHANGE] = { "CHANGE", 6, 6, 0, TUI_RIGHT, false },
		[RC_TOTAL] = { "TOTAL", 6, 6, 0, TUI_RIGHT, width < 70 },
	};
	memcpy(cols, c, sizeof(c));
	tui_columns_layout(cols, RC__N, width, w);
}

static void
fmt_change(const struct erow *r, char *buf, size_t size, uint16_t *style)
{
	*style = THEME_MUTED;
	if (!r->prev_known) {
		snprintf(buf, size, "n/a");
	} else if (r->prev == 0) {
		snprintf(buf, size, r->total ? "new" : "=");
		if (r->total)
			*style = THEME_WARN;
	} else {
		double c = ((double)r->total - (double)r->prev) / (double)r->prev * 100;
		if (fabs(c) < 0.5)
			snprintf(buf, size, "0%%");
		else if (c >= 900)
			snprintf(buf, size, "x%.0f", (double)r->total / (double)r->prev);
		else
			snprintf(buf, size, "%+.0f%%", c);
		if (c > 0.5)
			*style = THEME_WARN;
		else if (c < -0.5)
			*style = THEME_OK;
	}
}

static uint16_t
name_style(const struct erow *r)
{
	switch (r->kind) {
	case ROW_TOTAL: return THEME_TITLE;
	case ROW_LEVEL: return (uint16_t)theme_level_slot((int)r->id);
	case ROW_AGENT: return (uint16_t)theme_palette_for(r->name, strlen(r->name));
	case ROW_COMP: return THEME_COMPONENT;
	}
	return THEME_NORMAL;
}

static void
draw_row(struct view *v, struct tui_canvas *c, int y, const struct erow *r, const int *w, bool selected)
{
	struct model *m = &E(v)->m;
	uint16_t base = selected ? THEME_SELECTION : THEME_NORMAL;
	char buf[32];
	tui_move(c, y, 0);
	if (r->has_spike)
		tui_put_cp(c, THEME_SPARK_PEAK, tui_ascii ? '^' : 0x25b2);
	else
		tui_put_cp(c, base, ' ');
	tui_put_field(c, selected ? base : name_style(r), r->name, strlen(r->name), w[RC_NAME], TUI_LEFT);
	tui_put_cp(c, base, ' ');
	int pad = w[RC_SPARK] - m->bk.n;
	for (int i = 0; i < pad; i++)
		tui_put_cp(c, base, ' ');
	int n = m->bk.n < w[RC_SPARK] ? m->bk.n : w[RC_SPARK];
	tui_sparkline(c, THEME_SPARK, m->vals + r->voff + (m->bk.n - n), n, 0, r->spike, THEME_SPARK_PEAK);
	tui_put_cp(c, base, ' ');
	stats_fmt_rate(r->now, buf, sizeof(buf));
	tui_put_field(c, r->now > 0 && !selected ? THEME_NORMAL : base, buf, strlen(buf), w[RC_NOW], TUI_RIGHT);
	if (w[RC_PEAK]) {
		tui_put_cp(c, base, ' ');
		stats_fmt_rate(r->peak, buf, sizeof(buf));
		tui_put_field(c, base, buf, strlen(buf), w[RC_PEAK], TUI_RIGHT);
	}
	if (w[RC_CHANGE]) {
		uint16_t cs;
		tui_put_cp(c, base, ' ');
		fmt_change(r, buf, sizeof(buf), &cs);
		tui_put_field(c, selected ? base : cs, buf, strlen(buf), w[RC_CHANGE], TUI_RIGHT);
	}
	if (w[RC_TOTAL]) {
		tui_put_cp(c, base, ' ');
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)r->total);
		tui_put_field(c, base, buf, strlen(buf), w[RC_TOTAL], TUI_RIGHT);
	}
	if (selected)
		tui_fill(c, base, ' ');
}

static void
group_layout(int width, int *w, struct tui_column *cols)
{
	struct tui_column c[GC__N] = {
		[GC_COUNT] = { "COUNT", 5, 5, 0, TUI_RIGHT, false },
		[GC_FIRST] = { "FIRST", 8, 8, 0, TUI_LEFT, width < 60 },
		[GC_LAST] = { "LAST", 8, 8, 0, TUI_LEFT, false },
		[GC_AGENTS] = { "AGENTS", 6, 6, 0, TUI_RIGHT, width < 50 },
		[GC_MSG] = { "TOP ERROR MESSAGES (numbers and ids masked)", 10, 0, 1, TUI_LEFT, false },
	};
	memcpy(cols, c, sizeof(c));
	tui_columns_layout(cols, GC__N, width, w);
}

static void
draw_group(struct view *v, struct tui_canvas *c, int y, const struct egroup *g, const int *w, bool selected)
{
	uint16_t base = selected ? THEME_SELECTION : THEME_NORMAL;
	char buf[32];
	tui_move(c, y, 0);
	tui_put_cp(c, base, ' ');
	snprintf(buf, sizeof(buf), "%zu", g->nseqs);
	tui_put_field(c, base, buf, strlen(buf), w[GC_COUNT], TUI_RIGHT);
	if (w[GC_FIRST]) {
		tui_put_cp(c, base, ' ');
		app_fmt_time(v->app, g->first, false, buf, sizeof(buf));
		tui_put_field(c, selected ? base : THEME_TIME, buf, 8, w[GC_FIRST], TUI_LEFT);
	}
	tui_put_cp(c, base, ' ');
	app_fmt_time(v->app, g->last, false, buf, sizeof(buf));
	tui_put_field(c, selected ? base : THEME_TIME, buf, 8, w[GC_LAST], TUI_LEFT);
	if (w[GC_AGENTS]) {
		tui_put_cp(c, base, ' ');
		snprintf(buf, sizeof(buf), "%zu", g->nagents);
		tui_put_field(c, base, buf, strlen(buf), w[GC_AGENTS], TUI_RIGHT);
	}
	tui_put_cp(c, base, ' ');
	uint16_t ms = g->level >= LVL_FATAL ? THEME_LOG_FATAL : THEME_LOG_ERROR;
	tui_put_field(c, selected ? base : ms, g->key, strlen(g->key), w[GC_MSG], TUI_LEFT);
	if (selected)
		tui_fill(c, base, ' ');
}

/* Keeps `sel` within [top, top + page) by moving top. */
static size_t
scroll_to(size_t top, size_t sel, int page, size_t n)
{
	size_t p = page > 0 ? (size_t)page : 1;
	if (sel < top)
		top = sel;
	if (sel >= top + p)
		top = sel - p + 1;
	if (n > p && top > n - p)
		top = n - p;
	if (n <= p)
		top = 0;
	return top;
}

static void draw_list(struct view *v, struct tui_canvas *c);

static void
errors_draw(struct view *v, struct tui_canvas *c)
{
	struct errs *e = E(v);
	struct model *m = &e->m;
	if (e->l.on) {
		draw_list(v, c);
		return;
	}
	struct tui_column rcols[RC__N], gcols[GC__N];
	int rw[RC__N], gw[GC__N];
	rate_layout(c->w - 1, rw, rcols);
	group_layout(c->w - 1, gw, gcols);
	build(v, rw[RC_SPARK]);
	/* The sparkline may need fewer cells than it got: give them to the names. */
	if (m->bk.n > 0 && rw[RC_SPARK] > m->bk.n) {
		rw[RC_NAME] += rw[RC_SPARK] - m->bk.n;
		rw[RC_SPARK] = m->bk.n;
	}

	/* Summary line. */
	char win[16], bsz[16], line[256];
	stats_fmt_secs(stats_windows[e->win], win, sizeof(win));
	stats_fmt_secs(m->bk.secs, bsz, sizeof(bsz));
	snprintf(line, sizeof(line), " %llu errors, %llu warnings in %s | %d x %s buckets | sort: %s",
		 (unsigned long long)m->n_err, (unsigned long long)m->n_warn, win, m->bk.n, bsz,
		 e->sort == SORT_RATE ? "rate" : "change");
	tui_move(c, 0, 0);
	tui_put_text(c, THEME_TITLE, line);
	tui_fill(c, THEME_NORMAL, ' ');

	int avail = c->h - 1;
	int gh = 0;
	if (m->ngroups || avail >= 8) {
		gh = avail * 2 / 5;
		if (gh < 3)
			gh = 3;
		if (gh > (int)m->ngroups + 1)
			gh = (int)m->ngroups + 1 < 2 ? 2 : (int)m->ngroups + 1;
		if (avail - gh < 3)
			gh = avail - 3 > 0 ? avail - 3 : 0;
	}
	int rh = avail - gh;

	/* Rate pane: header, then rows and section headings. */
	char stitle[48];
	if (rw[RC_SPARK] >= 18)
		snprintf(stitle, sizeof(stitle), "LAST %s, %s/cell", win, bsz);
	else
		snprintf(stitle, sizeof(stitle), "%s by %s", win, bsz);
	rcols[RC_SPARK].title = stitle;
	struct tui_canvas rp = tui_canvas_sub(c, 1, 1, rh, c->w - 1);
	tui_columns_header(&rp, 0, rcols, rw, RC__N);
	struct tui_canvas gut = tui_canvas_sub(c, 1, 0, 1, 1);
	tui_fill(&gut, THEME_HEADER, ' ');
	e->rpage = rh - 1;
	size_t sel_line = 0;
	for (size_t i = 0; i < m->nlines; i++)
		if (m->lines[i].row == (int)e->sel && e->sel < m->nrows)
			sel_line = i;
	if (e->sel < m->nrows) {
		e->rtop = scroll_to(e->rtop, sel_line, e->rpage, m->nlines);
		/* Show the heading above the first row of a section too. */
		if (sel_line > 0 && e->rtop == sel_line && e->rpage > 1 && m->lines[sel_line - 1].row < 0)
			e->rtop--;
	}
	if (e->rtop >= m->nlines)
		e->rtop = 0;
	for (int y = 1; y < rh && e->rtop + (size_t)(y - 1) < m->nlines; y++) {
		const struct dline *d = &m->lines[e->rtop + (size_t)(y - 1)];
		if (d->row < 0) {
			tui_move(c, 1 + y, 0);
			tui_put_text(c, THEME_MUTED, "  ");
			tui_put_text(c, THEME_MUTED, d->text);
			continue;
		}
		draw_row(v, c, 1 + y, &m->rows[d->row], rw, (size_t)d->row == e->sel);
	}

	/* Message groups. */
	if (gh <= 0)
		return;
	struct tui_canvas gp = tui_canvas_sub(c, 1 + rh, 0, gh, c->w);
	tui_move(&gp, 0, 0);
	tui_put_cp(&gp, THEME_HEADER, ' ');
	struct tui_canvas gph = tui_canvas_sub(&gp, 0, 1, 1, gp.w - 1);
	tui_columns_header(&gph, 0, gcols, gw, GC__N);
	e->gpage = gh - 1;
	if (m->ngroups == 0) {
		tui_move(&gp, 1, 0);
		tui_put_text(&gp, THEME_MUTED, "  no ERROR or FATAL line in the window");
		return;
	}
	if (e->sel >= m->nrows)
		e->gtop = scroll_to(e->gtop, e->sel - m->nrows, e->gpage, m->ngroups);
	if (e->gtop >= m->ngroups)
		e->gtop = 0;
	for (int y = 1; y < gh && e->gtop + (size_t)(y - 1) < m->ngroups; y++) {
		size_t gi = e->gtop + (size_t)(y - 1);
		draw_group(v, &gp, y, &m->groups[gi], gw, e->sel == m->nrows + gi);
	}
}

/* ---- the list of lines behind a row or group ---- */

static void
list_open(struct view *v, const char *title, size_t sel)
{
	struct errs *e = E(v);
	snprintf(e->l.title, sizeof(e->l.title), "%s", title);
	e->l.on = true;
	e->l.sel = sel < e->l.n ? sel : (e->l.n ? e->l.n - 1 : 0);
	e->l.top = e->l.sel;
}

static void
list_push(struct list *l, uint64_t seq)
{
	xgrow(&l->seqs, &l->cap, l->n + 1, sizeof(uint64_t));
	l->seqs[l->n++] = seq;
}

/* The lines behind a non-agent row: its level(s) in the window, and the component. */
static void
open_row_list(struct view *v, const struct erow *r)
{
	struct errs *e = E(v);
	struct model *m = &e->m;
	const struct store *st = v->app->store;
	int w = stats_windows[m->win];
	int64_t from = (m->end - w) * 1000000000LL, to = m->end * 1000000000LL;
	int64_t peak_ns = r->peak_i >= 0 ? (m->bk.start + (int64_t)r->peak_i * m->bk.secs) * 1000000000LL : to;
	e->l.n = 0;
	int lo = r->kind == ROW_LEVEL ? (int)r->id : LVL_ERROR, hi = r->kind == ROW_LEVEL ? (int)r->id : LVL_FATAL;
	uint64_t s0 = store_seek_time(st, from);
	for (int lvl = lo; lvl <= hi; lvl++) {
		const uint64_t *idx;
		size_t n = store_level_index(st, (enum log_level)lvl, &idx);
		for (size_t i = index_from(idx, n, s0); i < n; i++) {
			const struct log_rec *rec = store_get(st, idx[i]);
			if (!rec || rec->ts_ns < from || rec->ts_ns >= to)
				continue;
			if (r->kind == ROW_COMP && rec->id[DIM_COMPONENT] != r->id)
				continue;
			list_push(&e->l, idx[i]);
		}
	}
	sort_n(e->l.seqs, e->l.n, sizeof(uint64_t), cmp_u64);
	size_t sel = 0;
	while (sel + 1 < e->l.n) {
		const struct log_rec *rec = store_get(st, e->l.seqs[sel]);
		if (rec && rec->ts_ns >= peak_ns)
			break;
		sel++;
	}
	char win[16], title[200];
	stats_fmt_secs(w, win, sizeof(win));
	if (r->kind == ROW_COMP)
		snprintf(title, sizeof(title), "component %s: %zu ERROR/FATAL lines in the last %s", r->name, e->l.n, win);
	else
		snprintf(title, sizeof(title), "%zu %s lines in the last %s", e->l.n,
			 r->kind == ROW_LEVEL ? r->name : "ERROR/FATAL", win);
	list_open(v, title, sel);
}

static void
draw_list(struct view *v, struct tui_canvas *c)
{
	struct errs *e = E(v);
	struct list *l = &e->l;
	const struct store *st = v->app->store;
	struct app *a = v->app;
	tui_move(c, 0, 0);
	tui_put_text(c, THEME_TITLE, " ");
	tui_put_text(c, THEME_TITLE, l->title);
	tui_put_text(c, THEME_MUTED, "   Enter: line detail  t: its request  Esc: back");
	tui_fill(c, THEME_NORMAL, ' ');
	enum { L_TIME, L_LEVEL, L_AGENT, L_COMP, L_MSG, L__N };
	struct tui_column cols[L__N] = {
		[L_TIME] = { a->utc ? "TIME (UTC)" : "TIME (local)", 12, 12, 0, TUI_LEFT, false },
		[L_LEVEL] = { "LEVEL", 5, 5, 0, TUI_LEFT, false },
		[L_AGENT] = { "AGENT", 14, 14, 0, TUI_LEFT, c->w < 50 },
		[L_COMP] = { "COMPONENT", 17, 17, 0, TUI_LEFT, c->w < 100 },
		[L_MSG] = { "MESSAGE", 10, 0, 1, TUI_LEFT, false },
	};
	int w[L__N];
	tui_columns_layout(cols, L__N, c->w - 1, w);
	struct tui_canvas hc = tui_canvas_sub(c, 1, 1, 1, c->w - 1);
	tui_columns_header(&hc, 0, cols, w, L__N);
	struct tui_canvas gut = tui_canvas_sub(c, 1, 0, 1, 1);
	tui_fill(&gut, THEME_HEADER, ' ');
	l->page = c->h - 2;
	if (l->n == 0) {
		tui_move(c, 2, 0);
		tui_put_text(c, THEME_MUTED, "  no line (evicted, or outside the window)");
		return;
	}
	l->top = scroll_to(l->top, l->sel, l->page, l->n);
	static char msg[MSG_CAP];
	char buf[64];
	for (int y = 2; y < c->h && l->top + (size_t)(y - 2) < l->n; y++) {
		size_t i = l->top + (size_t)(y - 2);
		bool sel = i == l->sel;
		uint16_t base = sel ? THEME_SELECTION : THEME_NORMAL;
		const struct log_rec *r = store_get(st, l->seqs[i]);
		tui_move(c, y, 0);
		tui_put_cp(c, base, ' ');
		if (!r) {
			tui_put_text(c, THEME_MUTED, "(evicted by the memory cap)");
			continue;
		}
		app_fmt_time(a, r->ts_ns, false, buf, sizeof(buf));
		tui_put_field(c, sel ? base : THEME_TIME, buf, strlen(buf), w[L_TIME], TUI_LEFT);
		tui_put_cp(c, base, ' ');
		const char *lv = scan_level_str(r->level);
		tui_put_field(c, sel ? base : (uint16_t)theme_level_slot(r->level), lv, strlen(lv), w[L_LEVEL], TUI_LEFT);
		if (w[L_AGENT]) {
			const char *s = store_str(st, DIM_AGENT, r->id[DIM_AGENT]);
			tui_put_cp(c, base, ' ');
			tui_put_field(c, sel ? base : (uint16_t)theme_palette_for(s, strlen(s)), s, strlen(s), w[L_AGENT], TUI_LEFT);
		}
		if (w[L_COMP]) {
			const char *s = store_str(st, DIM_COMPONENT, r->id[DIM_COMPONENT]);
			tui_put_cp(c, base, ' ');
			tui_put_field(c, sel ? base : THEME_COMPONENT, s, strlen(s), w[L_COMP], TUI_LEFT);
		}
		tui_put_cp(c, base, ' ');
		size_t n = logline_message(r, false, msg, sizeof(msg));
		struct tui_canvas mc = tui_canvas_sub(c, y, c->cx, 1, c->w - c->cx);
		logline_draw(&mc, sel ? base : r->level >= LVL_FATAL ? THEME_LOG_FATAL : THEME_LOG_ERROR, msg, n, NULL, false);
		if (sel)
			tui_fill(&mc, base, ' ');
	}
}

static int
list_request(struct view *v, enum request req)
{
	struct list *l = &E(v)->l;
	long page = l->page > 1 ? l->page : 1;
	long d = 0;
	switch (req) {
	case REQ_SCROLL_DOWN: d = 1; break;
	case REQ_SCROLL_UP: d = -1; break;
	case REQ_PAGE_DOWN: d = page; break;
	case REQ_PAGE_UP: d = -page; break;
	case REQ_MOVE_FIRST: l->sel = 0; return RES_HANDLED | RES_REDRAW;
	case REQ_MOVE_LAST: l->sel = l->n ? l->n - 1 : 0; return RES_HANDLED | RES_REDRAW;
	case REQ_BACK:
		l->on = false;
		return RES_HANDLED | RES_REDRAW;
	case REQ_OPEN_TRACE: {
		/* The selected line's request waterfall. */
		const struct log_rec *r = l->sel < l->n ? store_get(v->app->store, l->seqs[l->sel]) : NULL;
		if (!r || !r->id[DIM_CORR]) {
			app_message(v->app, 0, "this line has no correlation id");
			return RES_HANDLED;
		}
		char corr[96];
		snprintf(corr, sizeof(corr), "%s", store_str(v->app->store, DIM_CORR, r->id[DIM_CORR]));
		if (!app_switch_to(v->app, "trace", &(struct view_args){ .corr = corr }))
			app_message(v->app, 1, "request %s: no trace view", corr);
		return RES_HANDLED | RES_REDRAW;
	}
	case REQ_ENTER:
		if (l->n == 0)
			return RES_HANDLED;
		if (l->sel < l->n && store_get(v->app->store, l->seqs[l->sel]))
			app_push(v->app, &detail_view_ops, &(struct view_args){ .seq = l->seqs[l->sel] });
		else
			app_message(v->app, 1, "that line is no longer held");
		return RES_HANDLED | RES_REDRAW;
	default:
		return RES_UNHANDLED;
	}
	long s = (long)l->sel + d;
	if (s >= (long)l->n)
		s = (long)l->n - 1;
	if (s < 0)
		s = 0;
	l->sel = (size_t)s;
	return RES_HANDLED | RES_REDRAW;
}

/* ---- keys ---- */

static void
enter(struct view *v)
{
	struct errs *e = E(v);
	struct model *m = &e->m;
	if (e->sel < m->nrows) {
		const struct erow *r = &m->rows[e->sel];
		if (r->kind == ROW_AGENT) {
			/* The tail of this agent, around its peak bucket. */
			int64_t around = 0;
			if (r->peak_i >= 0)
				around = (m->bk.start + (int64_t)r->peak_i * m->bk.secs) * 1000000000LL;
			char name[NAME_MAX_LEN];
			snprintf(name, sizeof(name), "%s", r->name);
			if (!app_switch_to(v->app, "tail", &(struct view_args){ .agent = name, .around_ns = around }))
				app_message(v->app, 1, "no tail view");
			return;
		}
		open_row_list(v, r);
		return;
	}
	size_t gi = e->sel - m->nrows;
	if (gi >= m->ngroups)
		return;
	const struct egroup *g = &m->groups[gi];
	struct list *l = &e->l;
	l->n = 0;
	for (size_t i = 0; i < g->nseqs; i++)
		list_push(l, g->seqs[i]);
	char title[200];
	snprintf(title, sizeof(title), "%zu lines: %.150s", g->nseqs, g->key);
	list_open(v, title, l->n ? l->n - 1 : 0);
}

static int
errors_request(struct view *v, enum request req, int key)
{
	struct errs *e = E(v);
	struct model *m = &e->m;
	(void)key;
	if (e->l.on) {
		int r = list_request(v, req);
		if (r != RES_UNHANDLED || req == REQ_SORT || req == REQ_WINDOW)
			return r;
	}
	size_t n = m->nrows + m->ngroups;
	long d = 0;
	switch (req) {
	case REQ_SCROLL_DOWN: d = 1; break;
	case REQ_SCROLL_UP: d = -1; break;
	case REQ_PAGE_DOWN: d = e->sel < m->nrows ? e->rpage : e->gpage; break;
	case REQ_PAGE_UP: d = -(e->sel < m->nrows ? e->rpage : e->gpage); break;
	case REQ_MOVE_FIRST: e->sel = 0; break;
	case REQ_MOVE_LAST: e->sel = n ? n - 1 : 0; break;
	case REQ_SORT:
		e->sort = (e->sort + 1) % SORT__COUNT;
		app_message(v->app, 0, "sorted by %s", e->sort == SORT_RATE ? "rate" : "change");
		break;
	case REQ_WINDOW:
		e->win = (e->win + 1) % 4;
		break;
	case REQ_ENTER:
		enter(v);
		break;
	case REQ_OPEN_TRACE:
		/* On a message group: the request of its newest line. */
		if (e->sel >= m->nrows && e->sel - m->nrows < m->ngroups) {
			const struct egroup *g = &m->groups[e->sel - m->nrows];
			for (size_t i = g->nseqs; i-- > 0;) {
				const struct log_rec *r = store_get(v->app->store, g->seqs[i]);
				if (r && r->id[DIM_CORR]) {
					char corr[96];
					snprintf(corr, sizeof(corr), "%s", store_str(v->app->store, DIM_CORR, r->id[DIM_CORR]));
					if (!app_switch_to(v->app, "trace", &(struct view_args){ .corr = corr }))
						app_message(v->app, 1, "request %s: no trace view", corr);
					return RES_HANDLED | RES_REDRAW;
				}
			}
			app_message(v->app, 0, "no line of this group has a correlation id");
		} else {
			app_message(v->app, 0, "t opens a line's request: select a message, or Enter to list lines");
		}
		break;
	default:
		return RES_UNHANDLED;
	}
	if (d) {
		long s = (long)e->sel + d;
		if (s >= (long)n)
			s = (long)n - 1;
		if (s < 0)
			s = 0;
		e->sel = (size_t)s;
	}
	remember_sel(e);
	return RES_HANDLED | RES_REDRAW;
}

static void
errors_status(struct view *v, char *buf, size_t size)
{
	struct errs *e = E(v);
	char win[16];
	stats_fmt_secs(stats_windows[e->win], win, sizeof(win));
	if (e->l.on)
		snprintf(buf, size, "LINES %zu of %zu | Enter detail  t trace  Esc back", e->l.n ? e->l.sel + 1 : 0, e->l.n);
	else
		snprintf(buf, size, "ERRORS %s  s sort  w window  Enter open", win);
}

const struct view_ops errors_view_ops = {
	.name = "errors",
	.flags = VIEW_LIVE | VIEW_TAB,
	.private_size = sizeof(struct errs),
	.open = errors_open,
	.close = errors_close,
	.draw = errors_draw,
	.request = errors_request,
	.status = errors_status,
	.min_rows = 6,
	.min_cols = 36,
};

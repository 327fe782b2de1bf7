/*
 * views/trace_view.c: a request's waterfall.
 *
 * Gathers every line of one correlation id from the store's index, builds
 * spans (views/spans.c) and draws one lane per agent and component,
 * ordered by first activity, on a time axis scaled to the width with
 * eighth-block precision.  The critical path is drawn in its own style,
 * errors in the error style, idle gaps on the axis strip.  With no id it
 * opens the slowest recent request; L lists requests, [ ] step through
 * them.  The trace is rebuilt when new lines arrive, so a running request
 * grows live.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/logline.h"
#include "views/spans.h"
#include "views/view.h"

#define LABEL_W 34
#define MAX_LANES 256
#define MAX_COLLAPSED 64

struct lane {
	uint32_t agent, component;   /* component 0 when the agent is collapsed */
	int64_t first;
};

struct req_info {
	uint32_t id;
	int64_t start, dur;
	int lines, errors;
};

struct tracev {
	char corr[96];
	struct trace tr;
	uint64_t built_next;          /* store_next_seq() at the last build */
	uint64_t picked_next;         /* store_next_seq() when a default was last sought */
	struct lane lanes[MAX_LANES];
	int nlanes;
	int sel;                      /* index into tr.s */
	int scroll;                   /* first lane shown */
	int64_t z0, z1;               /* zoom window; 0,0 = whole */
	uint32_t collapsed[MAX_COLLAPSED];
	int ncollapsed;
	bool list;                    /* showing the request list */
	struct req_info *reqs;
	size_t nreqs;
	int lsel, lscroll;
};

static bool
is_collapsed(const struct tracev *t, uint32_t agent)
{
	for (int i = 0; i < t->ncollapsed; i++)
		if (t->collapsed[i] == agent)
			return true;
	return false;
}

static int
lane_of(const struct tracev *t, const struct span_item *s)
{
	uint32_t comp = is_collapsed(t, s->agent) ? 0 : s->component;
	for (int i = 0; i < t->nlanes; i++)
		if (t->lanes[i].agent == s->agent && t->lanes[i].component == comp)
			return i;
	return -1;
}

static int
lane_cmp(const void *x, const void *y)
{
	const struct lane *a = x, *b = y;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* Lanes: grouped by agent (agents by first activity), components inside. */
static void
build_lanes(struct tracev *t)
{
	t->nlanes = 0;
	struct lane agents[MAX_LANES];
	int na = 0;
	for (size_t i = 0; i < t->tr.n; i++) {
		const struct span_item *s = &t->tr.s[i];
		int k = 0;
		while (k < na && agents[k].agent != s->agent)
			k++;
		if (k == na && na < MAX_LANES)
			agents[na++] = (struct lane){ s->agent, 0, s->start };
		else if (k < na && s->start < agents[k].first)
			agents[k].first = s->start;
	}
	qsort(agents, (size_t)na, sizeof(agents[0]), lane_cmp);
	for (int a = 0; a < na; a++) {
		struct lane comps[MAX_LANES];
		int nc = 0;
		bool col = is_collapsed(t, agents[a].agent);
		for (size_t i = 0; i < t->tr.n; i++) {
			const struct span_item *s = &t->tr.s[i];
			if (s->agent != agents[a].agent)
				continue;
			uint32_t c = col ? 0 : s->component;
			int k = 0;
			while (k < nc && comps[k].component != c)
				k++;
			if (k == nc && nc < MAX_LANES)
				comps[nc++] = (struct lane){ s->agent, c, s->start };
		}
		qsort(comps, (size_t)nc, sizeof(comps[0]), lane_cmp);
		for (int k = 0; k < nc && t->nlanes < MAX_LANES; k++)
			t->lanes[t->nlanes++] = comps[k];
	}
}

static void
rebuild(struct view *v)
{
	struct tracev *t = v->priv;
	const struct store *st = v->app->store;
	uint64_t keep = t->tr.n && t->sel < (int)t->tr.n ? t->tr.s[t->sel].seq : 0;
	const uint64_t *seqs = NULL;
	size_t n = 0;
	uint32_t id = store_lookup(st, DIM_CORR, t->corr, strlen(t->corr));
	if (id)
		n = store_index(st, DIM_CORR, id, &seqs);
	trace_build(&t->tr, st, seqs, n);
	build_lanes(t);
	t->built_next = store_next_seq(st);
	t->sel = 0;
	for (size_t i = 0; i < t->tr.n; i++)
		if (t->tr.s[i].seq == keep)
			t->sel = (int)i;
}

/* Requests held now (req-/task-/swarm-), for the list and [ ]. */
static int
req_cmp_start(const void *x, const void *y)
{
	const struct req_info *a = x, *b = y;
	return a->start < b->start ? -1 : a->start > b->start;
}

static int
req_cmp_list(const void *x, const void *y)
{
	const struct req_info *a = x, *b = y;
	if ((a->errors > 0) != (b->errors > 0))
		return a->errors > 0 ? -1 : 1;
	return a->dur > b->dur ? -1 : a->dur < b->dur;
}

static void
collect_requests(struct view *v, bool only_req)
{
	struct tracev *t = v->priv;
	const struct store *st = v->app->store;
	free(t->reqs);
	t->reqs = NULL;
	t->nreqs = 0;
	size_t cap = 0;
	uint32_t max = store_dim_max(st, DIM_CORR);
	for (uint32_t id = 1; id <= max; id++) {
		const char *s = store_str(st, DIM_CORR, id);
		if (!*s || (only_req && strncmp(s, "req-", 4)))
			continue;
		const uint64_t *seqs;
		size_t n = store_index(st, DIM_CORR, id, &seqs);
		if (!n)
			continue;
		struct req_info ri = { .id = id, .start = INT64_MAX, .lines = (int)n };
		int64_t end = INT64_MIN;
		for (size_t i = 0; i < n; i++) {
			const struct log_rec *r = store_get(st, seqs[i]);
			if (!r)
				continue;
			int64_t s0 = r->ts_ns;
			if ((r->flags & LOG_F_DURATION) && r->duration_ms > 0)
				s0 -= (int64_t)llround(r->duration_ms * 1e6);
			if (s0 < ri.start) ri.start = s0;
			if (r->ts_ns > end) end = r->ts_ns;
			if (r->level >= LVL_ERROR) ri.errors++;
		}
		ri.dur = end - ri.start;
		xgrow(&t->reqs, &cap, t->nreqs + 1, sizeof(*t->reqs));
		t->reqs[t->nreqs++] = ri;
	}
}

static void
open_corr(struct view *v, const char *corr)
{
	struct tracev *t = v->priv;
	snprintf(t->corr, sizeof(t->corr), "%s", corr);
	t->z0 = t->z1 = 0;
	t->scroll = 0;
	t->ncollapsed = 0;
	t->tr.n = 0;
	rebuild(v);
	/* On Loki, lines outside the tailed window are fetched and stored. */
	app_fetch_corr(v->app, corr);
}

/* The slowest request that started in the last 5 minutes (or ever). */
static bool
pick_slowest(struct view *v)
{
	struct tracev *t = v->priv;
	collect_requests(v, true);
	int64_t since = app_now(v->app) - 300LL * 1000000000LL;
	struct req_info *best = NULL;
	for (int pass = 0; pass < 2 && !best; pass++)
		for (size_t i = 0; i < t->nreqs; i++)
			if ((pass || t->reqs[i].start >= since) && (!best || t->reqs[i].dur > best->dur))
				best = &t->reqs[i];
	if (!best)
		return false;
	open_corr(v, store_str(v->app->store, DIM_CORR, best->id));
	return true;
}

static int
trace_open(struct view *v, const struct view_args *args)
{
	struct tracev *t = v->priv;
	if (args->corr && *args->corr)
		open_corr(v, args->corr);
	else if (!pick_slowest(v))
		t->corr[0] = '\0';
	return 0;
}

static void
trace_close(struct view *v)
{
	struct tracev *t = v->priv;
	trace_release(&t->tr);
	free(t->reqs);
}

/* ---- drawing ---- */

static void
fmt_dur(int64_t ns, char *buf, size_t size)
{
	logline_duration((double)ns / 1e6, buf, size);
}

/* A "nice" tick step for a span of `ns` over about `ticks` ticks. */
static int64_t
tick_step(int64_t ns, int ticks)
{
	static const int64_t steps[] = {
		1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 500000,
		1000000, 2000000, 5000000, 10000000, 20000000, 50000000, 100000000,
		200000000, 500000000, 1000000000LL, 2000000000LL, 5000000000LL,
		10000000000LL, 30000000000LL, 60000000000LL, 300000000000LL, 600000000000LL,
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (ns / steps[i] <= ticks)
			return steps[i];
	return ns / ticks + 1;
}

static void
draw_bar(struct tui_canvas *c, int y, int x, double fx0, double fx1, uint16_t style, bool point, bool err)
{
	static const uint32_t eighths[8] = { ' ', 0x258f, 0x258e, 0x258d, 0x258c, 0x258b, 0x258a, 0x2589 };
	if (point) {
		int px = (int)floor(fx0);
		tui_move(c, y, x + px);
		tui_put_cp(c, style, err ? (tui_ascii ? 'x' : 0x2716) : (tui_ascii ? '|' : 0x2502));
		return;
	}
	int a = (int)floor(fx0);
	double end = fx1 < fx0 + 0.125 ? fx0 + 0.125 : fx1;
	int full_end = (int)floor(end);
	int frac = (int)((end - full_end) * 8);
	tui_move(c, y, x + a);
	/* A start in the right half of its cell gets the right half block. */
	if (fx0 - a >= 0.5 && a < full_end) {
		tui_put_cp(c, style, tui_ascii ? '[' : 0x2590);
		a++;
	}
	for (int i = a; i < full_end; i++)
		tui_put_cp(c, style, tui_ascii ? '=' : 0x2588);
	if (frac > 0)
		tui_put_cp(c, style, tui_ascii ? '-' : eighths[frac]);
	if (err) {
		tui_put_cp(c, THEME_ERROR, tui_ascii ? 'x' : 0x2716);
	}
}

static void
draw_list(struct view *v, struct tui_canvas *c)
{
	struct tracev *t = v->priv;
	const struct store *st = v->app->store;
	struct tui_column cols[] = {
		{ "STARTED", 12, 12, 0, TUI_LEFT, false },
		{ "REQUEST", 20, 36, 1, TUI_LEFT, false },
		{ "DURATION", 9, 9, 0, TUI_RIGHT, false },
		{ "LINES", 5, 5, 0, TUI_RIGHT, false },
		{ "ERRORS", 6, 6, 0, TUI_RIGHT, false },
	};
	int w[5];
	tui_columns_layout(cols, 5, c->w - 1, w);
	struct tui_canvas hc = tui_canvas_sub(c, 0, 1, 1, c->w - 1);
	tui_columns_header(&hc, 0, cols, w, 5);
	tui_move(c, 0, 0);
	tui_put_cp(c, THEME_HEADER, ' ');
	int rows = c->h - 1;
	if (t->lsel < t->lscroll)
		t->lscroll = t->lsel;
	if (t->lsel >= t->lscroll + rows)
		t->lscroll = t->lsel - rows + 1;
	for (int r = 0; r < rows && t->lscroll + r < (int)t->nreqs; r++) {
		const struct req_info *ri = &t->reqs[t->lscroll + r];
		bool sel = t->lscroll + r == t->lsel;
		uint16_t base = sel ? THEME_SELECTION : THEME_NORMAL;
		struct tui_canvas row = tui_canvas_sub(c, 1 + r, 1, 1, c->w - 1);
		char b[64];
		app_fmt_time(v->app, ri->start, false, b, sizeof(b));
		tui_put_field(&row, sel ? base : THEME_TIME, b, strlen(b), w[0], TUI_LEFT);
		const char *id = store_str(st, DIM_CORR, ri->id);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, sel ? base : THEME_CORR, id, strlen(id), w[1], TUI_LEFT);
		fmt_dur(ri->dur, b, sizeof(b));
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, ri->dur >= 1000000000LL ? THEME_DURATION_SLOW : base, b, strlen(b), w[2], TUI_RIGHT);
		snprintf(b, sizeof(b), "%d", ri->lines);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, base, b, strlen(b), w[3], TUI_RIGHT);
		snprintf(b, sizeof(b), "%d", ri->errors);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, ri->errors ? THEME_LOG_ERROR : base, b, strlen(b), w[4], TUI_RIGHT);
		if (sel)
			tui_fill(&row, base, ' ');
	}
}

static void
trace_draw(struct view *v, struct tui_canvas *c)
{
	struct tracev *t = v->priv;
	struct app *a = v->app;
	const struct store *st = a->store;
	if (t->list) {
		draw_list(v, c);
		return;
	}
	if (t->corr[0] && store_next_seq(st) != t->built_next)
		rebuild(v);
	/* Opened before any request arrived (history still loading): the
	 * slowest one is shown as soon as there is one. */
	if (!t->corr[0] && store_next_seq(st) != t->picked_next) {
		t->picked_next = store_next_seq(st);
		pick_slowest(v);
	}
	if (!t->corr[0] || t->tr.n == 0) {
		char msg[200];
		if (t->corr[0])
			snprintf(msg, sizeof(msg), "no line of %s is held (evicted, or not seen yet)", t->corr);
		else
			snprintf(msg, sizeof(msg), "no request seen yet; :trace ID opens one, L lists them");
		tui_move(c, c->h / 2, 0);
		tui_put_field(c, THEME_MUTED, msg, strlen(msg), c->w, TUI_CENTER);
		return;
	}
	const struct trace *tr = &t->tr;
	char b1[32], b2[32], b3[32], hdr[400];
	fmt_dur(tr->t1 - tr->t0, b1, sizeof(b1));
	fmt_dur(tr->crit_ns, b2, sizeof(b2));
	fmt_dur(tr->gap_ns, b3, sizeof(b3));
	/* Header: what an operator asks first. */
	tui_move(c, 0, 1);
	tui_put_text(c, THEME_CORR, t->corr);
	snprintf(hdr, sizeof(hdr), "  total %s  spans %d  agents %d  ", b1, tr->nspans, tr->agents);
	tui_put_text(c, THEME_TITLE, hdr);
	snprintf(hdr, sizeof(hdr), "errors %d", tr->errors);
	tui_put_text(c, tr->errors ? THEME_ERROR : THEME_OK, hdr);
	snprintf(hdr, sizeof(hdr), "  critical path %s (%d span%s)  idle %s", b2, tr->ncrit, tr->ncrit == 1 ? "" : "s", b3);
	tui_put_text(c, THEME_MUTED, hdr);

	int64_t z0 = t->z1 > t->z0 ? t->z0 : tr->t0, z1 = t->z1 > t->z0 ? t->z1 : tr->t1;
	if (z1 <= z0)
		z1 = z0 + 1000000;
	int lw = c->w >= 80 ? LABEL_W : c->w / 3;
	int bw = c->w - lw - 2;
	if (bw < 4) {
		tui_move(c, 1, 0);
		tui_put_text(c, THEME_MUTED, " too narrow for the waterfall");
		return;
	}
	double scale = (double)bw / (double)(z1 - z0);
	/* Axis with ticks, relative to the request start. */
	int64_t step = tick_step(z1 - z0, bw / 10 > 1 ? bw / 10 : 1);
	tui_move(c, 1, 0);
	char start[40];
	app_fmt_time(a, tr->t0, false, start, sizeof(start));
	tui_put_field(c, THEME_TIME, start, strlen(start), lw, TUI_LEFT);
	for (int64_t tk = ((z0 - tr->t0) / step) * step; tr->t0 + tk <= z1; tk += step) {
		if (tr->t0 + tk < z0)
			continue;
		int x = lw + 1 + (int)((double)(tr->t0 + tk - z0) * scale);
		char lab[24];
		fmt_dur(tk, lab, sizeof(lab));
		if (tk == 0)
			snprintf(lab, sizeof(lab), "0");
		if (x + (int)strlen(lab) + 1 > c->w)
			break;
		tui_move(c, 1, x);
		tui_put_cp(c, THEME_BORDER, tui_ascii ? '|' : 0x2502);
		tui_put_text(c, THEME_MUTED, lab);
	}
	/* Busy strip: idle gaps where no leaf span runs. */
	tui_move(c, 2, 0);
	tui_put_field(c, THEME_MUTED, "busy / idle", 11, lw, TUI_RIGHT);
	tui_move(c, 2, lw + 1);
	for (int x = 0; x < bw; x++) {
		int64_t ca = z0 + (int64_t)((double)x / scale), cb = z0 + (int64_t)((double)(x + 1) / scale);
		double f = trace_busy(tr, ca, cb);
		tui_put_cp(c, f > 0.05 ? THEME_BAR : THEME_WARN,
			   f > 0.05 ? (tui_ascii ? '=' : 0x2594) : (tui_ascii ? '.' : 0x2591));
	}
	/* Lanes. */
	int rows = c->h - 4;
	if (rows < 1)
		rows = 1;
	int sel_lane = lane_of(t, &tr->s[t->sel]);
	if (sel_lane < t->scroll)
		t->scroll = sel_lane;
	if (sel_lane >= t->scroll + rows)
		t->scroll = sel_lane - rows + 1;
	if (t->scroll < 0)
		t->scroll = 0;
	for (int li = t->scroll; li < t->nlanes && li - t->scroll < rows; li++) {
		int y = 3 + li - t->scroll;
		const struct lane *ln = &t->lanes[li];
		const char *an = store_str(st, DIM_AGENT, ln->agent);
		const char *cn = ln->component ? store_str(st, DIM_COMPONENT, ln->component) : "(all components)";
		bool first_of_agent = li == 0 || t->lanes[li - 1].agent != ln->agent;
		struct tui_canvas lab = tui_canvas_sub(c, y, 0, 1, lw);
		uint16_t lbase = li == sel_lane ? THEME_SELECTION : THEME_NORMAL;
		tui_put_cp(&lab, lbase, is_collapsed(t, ln->agent) ? '+' : ' ');
		if (first_of_agent)
			tui_put_field(&lab, li == sel_lane ? lbase : (uint16_t)theme_palette_for(an, strlen(an)),
				      an, strlen(an), 15, TUI_LEFT);
		else
			tui_put_field(&lab, lbase, "", 0, 15, TUI_LEFT);
		tui_put_cp(&lab, lbase, ' ');
		tui_put_field(&lab, li == sel_lane ? lbase : THEME_COMPONENT, cn, strlen(cn), lw - 17, TUI_LEFT);
		for (size_t i = 0; i < tr->n; i++) {
			const struct span_item *s = &tr->s[i];
			if (lane_of(t, s) != li || s->end < z0 || s->start > z1)
				continue;
			double fx0 = (double)((s->start > z0 ? s->start : z0) - z0) * scale;
			double fx1 = (double)((s->end < z1 ? s->end : z1) - z0) * scale;
			if (fx0 >= bw)
				fx0 = bw - 1;
			if (fx1 > bw)
				fx1 = bw;
			uint16_t st_ = (uint16_t)theme_palette_for(an, strlen(an));
			if (s->critical)
				st_ = THEME_CRITICAL;
			if (s->level >= LVL_ERROR)
				st_ = THEME_LOG_ERROR;
			if ((int)i == t->sel)
				st_ = THEME_MARK;
			struct tui_canvas bc = tui_canvas_sub(c, y, 0, 1, lw + 1 + bw + 1);
			draw_bar(&bc, 0, lw + 1, fx0, fx1, st_, s->point, s->level >= LVL_ERROR);
		}
	}
	/* The selected item in words, on the last row. */
	if (c->h >= 6) {
		const struct span_item *s = &tr->s[t->sel];
		const struct log_rec *r = store_get(st, s->seq);
		if (r) {
			char msg[512], d[32] = "point", off[32];
			logline_message(r, false, msg, sizeof(msg));
			if (!s->point)
				fmt_dur(s->end - s->start, d, sizeof(d));
			fmt_dur(s->start - tr->t0, off, sizeof(off));
			struct tui_canvas row = tui_canvas_sub(c, c->h - 1, 0, 1, c->w);
			tui_clear(&row, THEME_MODAL);
			tui_printf(&row, THEME_MODAL, " +%s %s %s %s ", off, d, store_str(st, DIM_AGENT, r->id[DIM_AGENT]),
				   scan_level_str(r->level));
			if (s->critical)
				tui_put_text(&row, THEME_CRITICAL, "[critical] ");
			tui_put_text(&row, r->level >= LVL_ERROR ? THEME_ERROR : THEME_MODAL, msg);
		}
	}
}

/* ---- keys ---- */

static void
step_trace(struct view *v, int dir)
{
	struct tracev *t = v->priv;
	collect_requests(v, false);
	qsort(t->reqs, t->nreqs, sizeof(*t->reqs), req_cmp_start);
	const struct store *st = v->app->store;
	uint32_t cur = store_lookup(st, DIM_CORR, t->corr, strlen(t->corr));
	long at = -1;
	for (size_t i = 0; i < t->nreqs; i++)
		if (t->reqs[i].id == cur)
			at = (long)i;
	long nx = at < 0 ? (dir > 0 ? 0 : (long)t->nreqs - 1) : at + dir;
	if (nx < 0 || nx >= (long)t->nreqs) {
		app_message(v->app, 0, "no %s request", dir > 0 ? "later" : "earlier");
		return;
	}
	open_corr(v, store_str(st, DIM_CORR, t->reqs[nx].id));
}

static int
trace_request(struct view *v, enum request req, int key)
{
	struct tracev *t = v->priv;
	struct app *a = v->app;
	(void)key;
	if (t->list) {
		switch (req) {
		case REQ_SCROLL_DOWN: if (t->lsel + 1 < (int)t->nreqs) t->lsel++; break;
		case REQ_SCROLL_UP: if (t->lsel > 0) t->lsel--; break;
		case REQ_PAGE_DOWN: t->lsel += v->rows - 2; if (t->lsel >= (int)t->nreqs) t->lsel = (int)t->nreqs - 1; break;
		case REQ_PAGE_UP: t->lsel -= v->rows - 2; if (t->lsel < 0) t->lsel = 0; break;
		case REQ_MOVE_FIRST: t->lsel = 0; break;
		case REQ_MOVE_LAST: t->lsel = (int)t->nreqs - 1; break;
		case REQ_ENTER:
			if (t->lsel >= 0 && t->lsel < (int)t->nreqs)
				open_corr(v, store_str(a->store, DIM_CORR, t->reqs[t->lsel].id));
			t->list = false;
			break;
		case REQ_TRACE_LIST:
		case REQ_BACK:
			t->list = false;
			break;
		default:
			return RES_UNHANDLED;
		}
		return RES_HANDLED;
	}
	if (req == REQ_TRACE_LIST) {
		collect_requests(v, false);
		qsort(t->reqs, t->nreqs, sizeof(*t->reqs), req_cmp_list);
		t->list = true;
		t->lsel = t->lscroll = 0;
		return RES_HANDLED;
	}
	if (req == REQ_PREV_TRACE || req == REQ_NEXT_TRACE) {
		step_trace(v, req == REQ_NEXT_TRACE ? 1 : -1);
		return RES_HANDLED;
	}
	if (t->tr.n == 0)
		return RES_UNHANDLED;
	const struct span_item *s = &t->tr.s[t->sel];
	switch (req) {
	case REQ_SCROLL_DOWN: if (t->sel + 1 < (int)t->tr.n) t->sel++; break;
	case REQ_SCROLL_UP: if (t->sel > 0) t->sel--; break;
	case REQ_MOVE_FIRST: t->sel = 0; break;
	case REQ_MOVE_LAST: t->sel = (int)t->tr.n - 1; break;
	case REQ_PAGE_DOWN:
	case REQ_PAGE_UP: {
		/* Jump to the first item of the next / previous lane. */
		int lane = lane_of(t, s), dir = req == REQ_PAGE_DOWN ? 1 : -1;
		for (int l = lane + dir; l >= 0 && l < t->nlanes; l += dir)
			for (size_t i = 0; i < t->tr.n; i++)
				if (lane_of(t, &t->tr.s[i]) == l) {
					t->sel = (int)i;
					return RES_HANDLED;
				}
		break;
	}
	case REQ_NEXT_ERROR:
	case REQ_PREV_ERROR: {
		int dir = req == REQ_NEXT_ERROR ? 1 : -1;
		for (int i = t->sel + dir; i >= 0 && i < (int)t->tr.n; i += dir)
			if (t->tr.s[i].level >= LVL_ERROR) {
				t->sel = i;
				return RES_HANDLED;
			}
		app_message(a, 0, "no %s error in this request", dir > 0 ? "later" : "earlier");
		break;
	}
	case REQ_COLLAPSE:
		if (is_collapsed(t, s->agent)) {
			for (int i = 0; i < t->ncollapsed; i++)
				if (t->collapsed[i] == s->agent)
					t->collapsed[i] = t->collapsed[--t->ncollapsed];
		} else if (t->ncollapsed < MAX_COLLAPSED) {
			t->collapsed[t->ncollapsed++] = s->agent;
		}
		build_lanes(t);
		break;
	case REQ_ZOOM_IN: {
		int64_t a0 = s->start, a1 = s->point ? s->start + 1000000 : s->end;
		int64_t pad = (a1 - a0) / 10 + 1;
		t->z0 = a0 - pad;
		t->z1 = a1 + pad;
		break;
	}
	case REQ_ZOOM_OUT:
		t->z0 = t->z1 = 0;
		break;
	case REQ_ENTER:
		app_push(a, &detail_view_ops, &(struct view_args){ .seq = s->seq });
		break;
	case REQ_AGENT_TAIL:
	case REQ_FILTER_AGENT:
		app_switch_to(a, "tail", &(struct view_args){
			.agent = store_str(a->store, DIM_AGENT, s->agent), .around_ns = s->start });
		break;
	case REQ_AGENT_HEALTH:
		app_switch_to(a, "health", &(struct view_args){ .agent = store_str(a->store, DIM_AGENT, s->agent) });
		break;
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED;
}

static void
trace_status(struct view *v, char *buf, size_t size)
{
	struct tracev *t = v->priv;
	if (t->list)
		snprintf(buf, size, "REQUESTS %zu held, failed first, then slowest  Enter opens", t->nreqs);
	else if (t->corr[0])
		snprintf(buf, size, "TRACE %s  j/k span  Enter line  a tail  H health  z zoom  [ ] requests  L list",
			 t->z1 > t->z0 ? "(zoomed)" : "");
	else
		snprintf(buf, size, "TRACE");
}

const struct view_ops trace_view_ops = {
	.name = "trace",
	.flags = VIEW_LIVE | VIEW_TAB,
	.private_size = sizeof(struct tracev),
	.open = trace_open,
	.close = trace_close,
	.draw = trace_draw,
	.request = trace_request,
	.status = trace_status,
	.min_rows = 4,
	.min_cols = 30,
};

/*
 * views/dashboard_view.c: dashboards of panels from dashboard files.
 *
 * Each panel is refreshed on its interval (in tick(), never in draw())
 * into a `struct result`, the type Loki answers use too, and drawn as a
 * sparkline, bar gauge, table, big number or log list.  LogQL runs on the
 * local evaluator over the store, incrementally: each line goes through a
 * panel's pipeline once (sources/local_query.h, local_inc), and a refresh
 * is done in slices of a few milliseconds between key presses and frames
 * (app_more_work), so a heavy `| json` panel over a big store never
 * stalls the screen.  PromQL panels ask Prometheus (query_range for
 * sparklines, an instant query otherwise) and show its answer when it
 * comes.  Panels flow into one or two columns by width; j/k select a
 * panel, Enter shows its query and numbers as text, [ ] switch dashboards.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "sources/local_query.h"
#include "sources/prom.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/dashboard.h"
#include "views/logline.h"
#include "views/query_text.h"
#include "views/view.h"

#define SPARK_RANGE_NS (300LL * 1000000000LL)
#define SLICE_NS (6LL * 1000000LL)      /* work per loop turn */

struct panel_state {
	struct view *v;
	struct result *res;     /* the last complete answer */
	char err[300];
	int64_t ms;             /* time spent on the last refresh */
	int64_t due;            /* monotonic ns of the next refresh */
	/* LogQL: a refresh in progress covers lines below `upto` with `prm`. */
	struct local_inc *inc;
	bool pending;
	struct lq_eval_params prm;
	int64_t work_ns;
	uint64_t upto, done_next;
	size_t slice;
	/* PromQL: the request in flight. */
	struct prom_req *req;
	int64_t sent;
};

struct dashv {
	struct dashboard_set set;
	int cur;
	struct panel_state *ps;
	size_t nps;
	int sel, scroll;
	int width;              /* sparkline width of the last draw */
};

static void
clear_results(struct view *v)
{
	struct dashv *d = v->priv;
	for (size_t i = 0; i < d->nps; i++) {
		struct panel_state *s = &d->ps[i];
		if (s->req) {
			prom_cancel(s->req);
			v->app->fetching--;
		}
		result_free(s->res);
		local_inc_free(s->inc);
	}
	free(d->ps);
	d->ps = NULL;
	d->nps = 0;
}

/* The evaluation parameters of a panel at `now`. */
static struct lq_eval_params
panel_params(const struct dashv *d, const struct panel_def *p, int64_t now)
{
	int points = d->width > 10 ? d->width : 60;
	struct lq_eval_params prm = { .end_ns = now, .limit = 50, .direction = LQ_BACKWARD };
	if (p->vis == VIS_SPARKLINE) {
		prm.start_ns = now - SPARK_RANGE_NS;
		prm.step_ns = SPARK_RANGE_NS / points;
		if (prm.step_ns < 1000000000LL)
			prm.step_ns = 1000000000LL;
	} else if (p->vis == VIS_LOGS) {
		prm.start_ns = now - 3600LL * 1000000000LL;
	} else {
		prm.start_ns = now;
		prm.instant = true;
	}
	return prm;
}

static void
set_result(struct panel_state *s, struct result *r, const char *err)
{
	if (err) {
		snprintf(s->err, sizeof(s->err), "%.299s", err);
		result_free(r);
		return;
	}
	s->err[0] = '\0';
	result_free(s->res);
	s->res = r;
}

/* ---- PromQL ---- */

static void
prom_done(void *ud, const struct res_error *err, struct result *res)
{
	struct panel_state *s = ud;
	struct app *a = s->v->app;
	s->req = NULL;
	a->fetching--;
	s->ms = (clock_mono_ns() - s->sent) / 1000000;
	if (err) {
		set_result(s, NULL, err->msg);
	} else if (res->type == RES_SCALAR) {
		/* A number: one series without labels, like `sum(...)`. */
		struct result *r = result_new(RES_VECTOR);
		struct res_labels none = { 0 };
		res_series_add(result_series(r, &none), res->scalar.ts_ms, res->scalar.v);
		result_free(res);
		set_result(s, r, NULL);
	} else if (res->type != RES_VECTOR && res->type != RES_MATRIX) {
		result_free(res);
		set_result(s, NULL, "Prometheus answered with a string, not numbers: use a metric expression");
	} else {
		set_result(s, res, NULL);
	}
	app_dirty(a);
}

static void
prom_refresh(struct view *v, const struct panel_def *p, struct panel_state *s)
{
	struct app *a = v->app;
	struct prom *pc = app_prom(a);
	if (!pc) {
		set_result(s, NULL, *a->cfg->prom_addr ? "Prometheus is not polled in this mode"
						 : "Prometheus not configured: set PROMETHEUS_ADDR or --prom-addr");
		return;
	}
	if (s->req)
		return;   /* the last one is still out: no pile-up */
	int64_t now_ms = app_now(a) / 1000000;
	struct dashv *d = v->priv;
	if (p->vis == VIS_SPARKLINE) {
		struct lq_eval_params prm = panel_params(d, p, app_now(a));
		s->req = prom_query_range(pc, p->query, now_ms - SPARK_RANGE_NS / 1000000, now_ms,
					  (double)(prm.step_ns / 1000000000LL), prom_done, s);
	} else {
		s->req = prom_query(pc, p->query, now_ms, prom_done, s);
	}
	if (!s->req) {
		set_result(s, NULL, "cannot ask Prometheus (bad query text?)");
		return;
	}
	s->sent = clock_mono_ns();
	a->fetching++;
}

/* ---- LogQL, in slices ---- */

static void
local_start(struct view *v, struct panel_state *s, const struct panel_def *p)
{
	struct store *st = v->app->store;
	if (!s->inc)
		s->inc = local_inc_new(p->query);
	s->pending = true;
	s->prm = panel_params(v->priv, p, app_now(v->app));
	s->upto = store_next_seq(st);
	s->work_ns = 0;
	if (!s->slice)
		s->slice = LOCAL_INC_SLICE;
}

/* Works on pending LogQL panels for up to `budget` ns; true when done. */
static bool
local_work(struct view *v, int64_t budget)
{
	struct dashv *d = v->priv;
	struct store *st = v->app->store;
	const struct dashboard_def *db = &d->set.d[d->cur];
	int64_t t0 = clock_mono_ns();
	for (size_t i = 0; i < d->nps; i++) {
		struct panel_state *s = &d->ps[i];
		const struct panel_def *p = &db->panels[i];
		while (s->pending) {
			int64_t t1 = clock_mono_ns();
			if (budget >= 0 && t1 - t0 >= budget)
				return false;
			struct lq_error e;
			int rc = local_inc_feed(s->inc, st, &s->prm, s->upto, s->slice, &e);
			s->slice = local_inc_slice(s->slice, clock_mono_ns() - t1);
			struct lq_result *lr = NULL;
			if (rc == 1)
				rc = local_inc_eval(s->inc, st, &s->prm, s->upto, &lr, &e);
			s->work_ns += clock_mono_ns() - t1;
			if (rc == 0 && !lr)
				continue;
			s->pending = false;
			s->done_next = s->upto;
			s->ms = s->work_ns / 1000000;
			if (rc < 0) {
				char msg[sizeof(s->err)];
				lq_error_format(&e, p->query, msg, sizeof(msg));
				set_result(s, NULL, msg);
			} else {
				set_result(s, local_result(lr), NULL);
				lq_result_free(lr);
			}
			app_dirty(v->app);
		}
	}
	return true;
}

/* Starts the refreshes that are due; `all`: every panel now. */
static void
refresh(struct view *v, bool all)
{
	struct dashv *d = v->priv;
	struct app *a = v->app;
	if (d->set.n == 0)
		return;
	const struct dashboard_def *db = &d->set.d[d->cur];
	if (d->nps != db->npanels) {
		clear_results(v);
		d->nps = db->npanels;
		d->ps = xcalloc(d->nps ? d->nps : 1, sizeof(*d->ps));
		for (size_t i = 0; i < d->nps; i++)
			d->ps[i].v = v;
		all = true;
	}
	int64_t now = clock_mono_ns();
	for (size_t i = 0; i < d->nps; i++) {
		const struct panel_def *p = &db->panels[i];
		struct panel_state *s = &d->ps[i];
		if (!all && now < s->due)
			continue;
		s->due = now + p->every_ns;
		if (p->lang == LANG_PROMQL)
			prom_refresh(v, p, s);
		else if (!s->pending && (all || store_next_seq(a->store) != s->done_next))
			local_start(v, s, p);
	}
	/* Interactive: slices between frames; headless: all now. */
	if (!local_work(v, a->handles_live ? SLICE_NS : -1))
		app_more_work(a);
}

static int
dash_open(struct view *v, const struct view_args *args)
{
	struct dashv *d = v->priv;
	(void)args;
	struct sbuf err = SBUF_INIT;
	int n = dashboard_load_all(&d->set, &err);
	if (n)
		app_message(v->app, 1, "dashboards: %d error%s: %.150s", n, n > 1 ? "s" : "", sbuf_str(&err));
	sbuf_release(&err);
	refresh(v, true);
	return 0;
}

static void
dash_close(struct view *v)
{
	struct dashv *d = v->priv;
	clear_results(v);
	dashboard_set_release(&d->set);
}

static void
dash_tick(struct view *v)
{
	refresh(v, false);
}

/* "A1-haiku-001" or "level=ERROR, agent_id=..." or "total". */
static void
series_name(const struct res_labels *l, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "", l->v[i].value);
	if (!l->n)
		snprintf(buf, size, "total");
}

static void
fmt_value(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (fabs(v) >= 1e6)
		snprintf(buf, size, "%.2fM", v / 1e6);
	else if (fabs(v) >= 1000 || v == floor(v))
		snprintf(buf, size, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, size, "%.1f", v);
	else
		snprintf(buf, size, "%.3g", v);
}

static int
series_desc(const void *x, const void *y)
{
	const struct res_series *a = x, *b = y;
	double va = a->n ? a->v[a->n - 1].v : 0, vb = b->n ? b->v[b->n - 1].v : 0;
	return va < vb ? 1 : va > vb ? -1 : 0;
}

static int
panel_rows(const struct panel_def *p, const struct panel_state *s)
{
	size_t n = s->res ? s->res->nseries : 1;
	switch (p->vis) {
	case VIS_SPARKLINE: return 2 + (int)(n < 1 ? 1 : n > 5 ? 5 : n);
	case VIS_BAR: return 2 + (int)(n < 1 ? 1 : n > 8 ? 8 : n);
	case VIS_TABLE: return 2 + (int)(n < 1 ? 1 : n > 10 ? 10 : n);
	case VIS_STAT: return 4;
	case VIS_LOGS: return 10;
	}
	return 4;
}

static void
draw_panel(struct view *v, struct tui_canvas *box, const struct panel_def *p, struct panel_state *s, bool sel)
{
	struct dashv *d = v->priv;
	char title[200];
	snprintf(title, sizeof(title), "%s", p->title);
	tui_box(box, sel ? THEME_TITLE : THEME_BORDER, title);
	struct tui_canvas in = tui_canvas_sub(box, 1, 1, box->h - 2, box->w - 2);
	if (s->err[0] || !s->res) {
		tui_move(&in, 0, 0);
		if (s->err[0])
			tui_put_text(&in, THEME_ERROR, s->err);
		else
			tui_put_text(&in, THEME_MUTED, s->pending ? "evaluating..." : s->req ? "asking Prometheus..." : "no data");
		return;
	}
	struct result *r = s->res;
	char name[160], val[32];
	if (p->vis == VIS_LOGS) {
		size_t n;
		struct res_ref *refs = result_sorted(r, false, &n);
		for (int y = 0; y < in.h && (size_t)y < n; y++) {
			const struct res_stream *st = &r->streams[refs[y].stream];
			const struct res_entry *e = &st->v[refs[y].entry];
			struct tui_canvas row = tui_canvas_sub(&in, y, 0, 1, in.w);
			app_fmt_time(v->app, e->ts_ns, false, name, sizeof(name));
			tui_put_text(&row, THEME_TIME, name);
			const char *agent = res_labels_get(&st->labels, "agent_id");
			tui_put_cp(&row, THEME_NORMAL, ' ');
			tui_put_field(&row, THEME_AGENT, agent ? agent : "", agent ? strlen(agent) : 0, 14, TUI_LEFT);
			tui_put_cp(&row, THEME_NORMAL, ' ');
			struct scan_result sr;
			scan_line(e->line, e->len, &sr);
			char msg[512];
			size_t ml = sr.message.len ? scan_unescape(e->line + sr.message.off, sr.message.len, msg, sizeof(msg))
						   : (size_t)snprintf(msg, sizeof(msg), "%.*s", (int)(e->len < 500 ? e->len : 500), e->line);
			tui_put_textn(&row, sr.level >= LVL_ERROR ? THEME_LOG_ERROR : THEME_NORMAL, msg, ml);
		}
		if (n == 0) {
			tui_move(&in, 0, 0);
			tui_put_text(&in, THEME_MUTED, "no lines in the last hour");
		}
		free(refs);
		return;
	}
	if (r->nseries == 0) {
		tui_move(&in, 0, 0);
		tui_put_text(&in, THEME_MUTED, "no series (nothing matched)");
		return;
	}
	qsort(r->series, r->nseries, sizeof(r->series[0]), series_desc);
	if (p->vis == VIS_STAT) {
		double sum = 0;
		for (size_t i = 0; i < r->nseries; i++)
			if (r->series[i].n)
				sum += r->series[i].v[r->series[i].n - 1].v;
		fmt_value(sum, val, sizeof(val));
		tui_move(&in, in.h / 2, 0);
		tui_put_field(&in, THEME_TITLE, val, strlen(val), in.w, TUI_CENTER);
		return;
	}
	int lw = in.w / 3 > 24 ? 24 : in.w / 3;
	double max = 0;
	for (size_t i = 0; i < r->nseries; i++)
		for (size_t j = 0; j < r->series[i].n; j++)
			if (r->series[i].v[j].v > max)
				max = r->series[i].v[j].v;
	for (int y = 0; y < in.h && (size_t)y < r->nseries; y++) {
		const struct res_series *se = &r->series[y];
		struct tui_canvas row = tui_canvas_sub(&in, y, 0, 1, in.w);
		series_name(&se->labels, name, sizeof(name));
		tui_put_field(&row, (uint16_t)theme_palette_for(name, strlen(name)), name, strlen(name), lw, TUI_LEFT);
		tui_put_cp(&row, THEME_NORMAL, ' ');
		double last = se->n ? se->v[se->n - 1].v : 0;
		fmt_value(last, val, sizeof(val));
		int vw = 8, gw = in.w - lw - vw - 2;
		if (p->vis == VIS_SPARKLINE && gw > 0) {
			d->width = gw;
			double *pts = xcalloc((size_t)gw, sizeof(double));
			/* The newest gw points, right-aligned. */
			size_t from = se->n > (size_t)gw ? se->n - (size_t)gw : 0;
			for (size_t j = from; j < se->n; j++)
				pts[(size_t)gw - (se->n - j)] = se->v[j].v;
			tui_sparkline(&row, THEME_SPARK, pts, gw, max, 0, THEME_SPARK_PEAK);
			free(pts);
		} else if (p->vis == VIS_BAR && gw > 0) {
			tui_hbar(&row, THEME_BAR, max > 0 ? last / max : 0, gw);
		} else if (gw > 0) {
			tui_put_field(&row, THEME_NORMAL, "", 0, gw, TUI_LEFT);
		}
		tui_put_cp(&row, THEME_NORMAL, ' ');
		tui_put_field(&row, THEME_TITLE, val, strlen(val), vw, TUI_RIGHT);
	}
}

static void
dash_draw(struct view *v, struct tui_canvas *c)
{
	struct dashv *d = v->priv;
	if (d->set.n == 0) {
		tui_move(c, c->h / 2, 0);
		tui_put_field(c, THEME_MUTED, "no dashboards", 13, c->w, TUI_CENTER);
		return;
	}
	const struct dashboard_def *db = &d->set.d[d->cur];
	tui_move(c, 0, 1);
	tui_put_text(c, THEME_TITLE, db->title);
	char info[160];
	snprintf(info, sizeof(info), "   dashboard %d of %zu  [ ] switch  j/k panel  Enter numbers  refreshed every 5 s",
		 d->cur + 1, d->set.n);
	tui_put_text(c, THEME_MUTED, info);
	int ncol = c->w >= 100 ? 2 : 1;
	int colw = (c->w - (ncol - 1)) / ncol;
	int coly[2] = { 1, 1 }, nlogs[2] = { 0, 0 };
	size_t np = db->npanels < d->nps ? db->npanels : d->nps;
	int *pcol = xcalloc(np ? np : 1, sizeof(int)), *ph = xcalloc(np ? np : 1, sizeof(int));
	for (size_t i = 0; i < np; i++) {
		pcol[i] = ncol == 2 && coly[1] < coly[0] ? 1 : 0;
		ph[i] = panel_rows(&db->panels[i], &d->ps[i]);
		coly[pcol[i]] += ph[i];
		nlogs[pcol[i]] += db->panels[i].vis == VIS_LOGS;
	}
	/* Rows left below a column go to its logs panels (more lines shown);
	 * the last one takes the remainder. */
	int seen[2] = { 0, 0 };
	for (size_t i = 0; i < np; i++) {
		int col = pcol[i], spare = c->h - coly[col];
		if (db->panels[i].vis != VIS_LOGS || spare <= 0)
			continue;
		int share = spare / nlogs[col];
		ph[i] += ++seen[col] == nlogs[col] ? spare - share * (nlogs[col] - 1) : share;
	}
	coly[0] = coly[1] = 1;
	for (size_t i = 0; i < np; i++) {
		int col = pcol[i], h = ph[i];
		int y = coly[col] - d->scroll;
		coly[col] += h;
		if (y + h <= 1 || y >= c->h)
			continue;
		struct tui_canvas box = tui_canvas_sub(c, y, col * (colw + 1), h, colw);
		if (y < 1)
			continue;   /* partly scrolled off the top: skip rather than cut the box */
		draw_panel(v, &box, &db->panels[i], &d->ps[i], (int)i == d->sel);
	}
	free(pcol);
	free(ph);
}

static int
dash_request(struct view *v, enum request req, int key)
{
	struct dashv *d = v->priv;
	(void)key;
	if (d->set.n == 0)
		return RES_UNHANDLED;
	const struct dashboard_def *db = &d->set.d[d->cur];
	switch (req) {
	case REQ_NEXT_BOARD:
	case REQ_PREV_BOARD:
		d->cur = (int)((d->cur + (req == REQ_NEXT_BOARD ? 1 : (int)d->set.n - 1)) % (int)d->set.n);
		d->sel = d->scroll = 0;
		clear_results(v);
		refresh(v, true);
		break;
	case REQ_SCROLL_DOWN:
		if (d->sel + 1 < (int)db->npanels)
			d->sel++;
		break;
	case REQ_SCROLL_UP:
		if (d->sel > 0)
			d->sel--;
		break;
	case REQ_PAGE_DOWN: d->scroll += v->rows / 2; break;
	case REQ_PAGE_UP: d->scroll = d->scroll > v->rows / 2 ? d->scroll - v->rows / 2 : 0; break;
	case REQ_REDRAW: refresh(v, true); break;
	case REQ_ENTER: {
		if (d->sel >= (int)d->nps)
			break;
		struct sbuf text = SBUF_INIT;
		sbuf_addf(&text, "%s\n\n", db->panels[d->sel].query);
		if (d->ps[d->sel].res)
			query_text(d->ps[d->sel].res, QO_DEFAULT, false, v->app->utc, &text);
		else
			sbuf_adds(&text, d->ps[d->sel].err);
		/* Keep the modal readable: at most 30 lines. */
		size_t lines = 0;
		for (size_t i = 0; i < text.len; i++)
			if (text.buf[i] == '\n' && ++lines == 30) {
				text.len = i;
				text.buf[i] = '\0';
				break;
			}
		app_modal(v->app, db->panels[d->sel].title, sbuf_str(&text));
		sbuf_release(&text);
		break;
	}
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED;
}

static void
dash_status(struct view *v, char *buf, size_t size)
{
	struct dashv *d = v->priv;
	snprintf(buf, size, "DASHBOARD %s", d->set.n ? d->set.d[d->cur].title : "");
}

const struct view_ops dashboard_view_ops = {
	.name = "dashboard",
	.flags = VIEW_LIVE | VIEW_TAB,
	.private_size = sizeof(struct dashv),
	.open = dash_open,
	.close = dash_close,
	.draw = dash_draw,
	.request = dash_request,
	.tick = dash_tick,
	.status = dash_status,
	.min_rows = 6,
	.min_cols = 30,
};

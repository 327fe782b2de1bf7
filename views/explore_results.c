/*
 * views/explore_results.c: the result half of the Explore view: log lines
 * (with the log-volume histogram above them), metric results as a graph
 * or a table, search in the lines, and opening a line.  Draws from
 * `struct result` only, so Loki answers plug in as local ones do.
 * Must not: run queries or do I/O (views/explore_view.c runs them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "logql/lq.h"
#include "sources/local_query.h"
#include "tui/app.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "views/explore.h"
#include "views/graph.h"
#include "views/logline.h"

/* ---- drawing: log results ---- */

static void
volume_counts(struct view *v, uint32_t *counts, int nb)
{
	struct explore *e = E(v);
	memset(counts, 0, (size_t)nb * LVL__COUNT * sizeof(uint32_t));
	int64_t span = e->r_to - e->r_from;
	if (span <= 0)
		return;
	if (e->vol && e->vol_nb == nb) {
		int64_t bucket = e->vol_bucket;
		for (size_t i = 0; i < e->vol->nseries; i++) {
			const struct res_series *s = &e->vol->series[i];
			const char *l = res_labels_get(&s->labels, "level");
			int lvl = l ? scan_level_name(l, strlen(l)) : LVL_NONE;
			for (size_t j = 0; j < s->n; j++) {
				/* The sample at t counts (t - bucket, t]: column t - bucket. */
				int64_t t = s->v[j].ts_ms * 1000000LL - bucket;
				int b = (int)((t - e->vol_from) / bucket);
				if (b >= 0 && b < nb)
					counts[b * LVL__COUNT + lvl] += (uint32_t)llround(s->v[j].v);
			}
		}
		return;
	}
	/* No volume query: count the lines shown. */
	for (size_t i = 0; i < e->nrows; i++) {
		const struct res_entry *en = &e->res->streams[e->rows[i].stream].v[e->rows[i].entry];
		int b = (int)((double)(en->ts_ns - e->r_from) / (double)span * nb);
		if (b >= 0 && b < nb)
			counts[b * LVL__COUNT + e->rows[i].level]++;
	}
}

/* A log_rec over a result line so the tail's message rules apply. */
static void
fake_rec(const struct res_entry *en, struct log_rec *r, struct scan_result *sr)
{
	scan_line(en->line, en->len, sr);
	memset(r, 0, sizeof(*r));
	r->ts_ns = en->ts_ns;
	r->text = en->line;
	r->len = r->full_len = (uint32_t)en->len;
	r->message = sr->message;
	r->level = sr->level;
	if (sr->flags & SCAN_F_JSON) r->flags |= LOG_F_JSON;
	if (sr->flags & SCAN_F_BAD_JSON) r->flags |= LOG_F_BAD_JSON;
	if (sr->flags & SCAN_F_MSG_ESCAPED) r->flags |= LOG_F_MSG_ESCAPED;
}

static void
draw_log_row(struct view *v, struct tui_canvas *c, int y, size_t i, bool selected)
{
	struct explore *e = E(v);
	const struct row *rw = &e->rows[i];
	const struct res_stream *s = &e->res->streams[rw->stream];
	const struct res_entry *en = &s->v[rw->entry];
	uint16_t base = selected ? THEME_SELECTION : THEME_NORMAL;
	struct log_rec r;
	struct scan_result sr;
	fake_rec(en, &r, &sr);
	tui_move(c, y, 0);
	tui_put_cp(c, base, ' ');
	char buf[64];
	bool wide_time = e->r_to - e->r_from > 86400 * NS;
	app_fmt_time(v->app, en->ts_ns, wide_time, buf, sizeof(buf));
	tui_put_field(c, selected ? base : THEME_TIME, buf, strlen(buf), wide_time ? 23 : 12, TUI_LEFT);
	tui_put_cp(c, base, ' ');
	const char *l = rw->level ? scan_level_str(rw->level) : "-";
	tui_put_field(c, (uint16_t)theme_level_slot(rw->level), l, strlen(l), 5, TUI_LEFT);
	tui_put_cp(c, base, ' ');
	if (c->w >= 60) {
		const char *ag = res_labels_get(&s->labels, "agent_id");
		char tmp[64] = "";
		if (!ag) {
			snprintf(tmp, sizeof(tmp), "%.*s", (int)sr.agent.len, en->line + sr.agent.off);
			ag = tmp;
		}
		tui_put_field(c, selected ? base : (uint16_t)theme_palette_for(ag, strlen(ag)), ag,
			      strlen(ag), 14, TUI_LEFT);
		tui_put_cp(c, base, ' ');
	}
	static char msg[MSG_CAP];
	size_t n = logline_message(&r, false, msg, sizeof(msg));
	uint16_t ms = rw->level >= LVL_ERROR && !selected ? THEME_LOG_ERROR : base;
	struct tui_canvas mc = tui_canvas_sub(c, y, c->cx, 1, c->w - c->cx);
	mc.skip = e->hscroll;
	logline_draw(&mc, ms, msg, n, e->pat[0] ? e->pat : NULL, false);
	if (selected)
		tui_fill(&mc, base, ' ');
}

void
explore__draw_logs(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	int y = 0;
	if (c->h >= 12) {
		int nb = c->w - GRAPH_VOLUME_AXIS;
		explore__volume_fit(v, nb);
		uint32_t *counts = xcalloc((size_t)nb * LVL__COUNT, sizeof(uint32_t));
		volume_counts(v, counts, nb);
		struct tui_canvas vc = tui_canvas_sub(c, 0, 0, VOLUME_ROWS, c->w);
		/* The columns' own span when the volume query ran, else the range. */
		int64_t f = e->r_from, t = e->r_to;
		if (e->vol && e->vol_nb == nb) {
			f = e->vol_from;
			t = e->vol_from + (int64_t)nb * e->vol_bucket;
		}
		graph_volume(&vc, counts, nb, f, t, v->app->utc);
		free(counts);
		y = VOLUME_ROWS;
	}
	tui_move(c, y, 0);
	tui_put_text(c, THEME_HEADER, e->r_to - e->r_from > 86400 * NS ? " TIME                   " : " TIME        ");
	tui_put_text(c, THEME_HEADER, " LEVEL ");
	if (c->w >= 60)
		tui_put_text(c, THEME_HEADER, "AGENT          ");
	tui_put_text(c, THEME_HEADER, "MESSAGE (newest first)");
	tui_fill(c, THEME_HEADER, ' ');
	y++;
	int rows = c->h - y;
	e->page = rows > 1 ? rows : 1;
	if (!e->nrows) {
		tui_move(c, y + rows / 2, 0);
		const char *m = "no lines in this time range (t changes it)";
		tui_put_field(c, THEME_MUTED, m, strlen(m), c->w, TUI_CENTER);
		return;
	}
	if (e->sel >= e->nrows)
		e->sel = e->nrows - 1;
	if (e->sel < e->top)
		e->top = e->sel;
	if (e->sel >= e->top + (size_t)rows)
		e->top = e->sel - (size_t)rows + 1;
	for (int r = 0; r < rows && e->top + (size_t)r < e->nrows; r++)
		draw_log_row(v, c, y + r, e->top + (size_t)r, !e->editing && e->top + (size_t)r == e->sel);
}

/* ---- drawing: metric results ---- */

static void
series_stats(const struct res_series *s, double *last, double *mn, double *mx, double *avg)
{
	*last = NAN;
	*mn = INFINITY;
	*mx = -INFINITY;
	double sum = 0;
	size_t k = 0;
	for (size_t j = 0; j < s->n; j++) {
		double x = s->v[j].v;
		if (!isfinite(x))
			continue;
		*last = x;
		if (x < *mn) *mn = x;
		if (x > *mx) *mx = x;
		sum += x;
		k++;
	}
	if (!k)
		*mn = *mx = NAN;
	*avg = k ? sum / (double)k : NAN;
}

static void
draw_table(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	const struct result *r = e->res;
	bool vec = r->type == RES_VECTOR;
	int numw = 9, nnum = vec ? 1 : 4;
	int sparkw = !vec && c->w >= 80 ? 20 : 0;
	if (vec && c->w >= 60)
		sparkw = 20;
	int labw = c->w - 1 - nnum * (numw + 1) - (sparkw ? sparkw + 1 : 0);
	if (labw < 10)
		labw = 10;
	tui_move(c, 0, 0);
	tui_put_cp(c, THEME_HEADER, ' ');
	tui_put_field(c, THEME_HEADER, "SERIES", 6, labw, TUI_LEFT);
	static const char *const heads[] = { "LAST", "MIN", "MAX", "MEAN" };
	for (int k = 0; k < nnum; k++) {
		tui_put_cp(c, THEME_HEADER, ' ');
		const char *h = vec ? "VALUE" : heads[k];
		tui_put_field(c, THEME_HEADER, h, strlen(h), numw, TUI_RIGHT);
	}
	if (sparkw) {
		tui_put_cp(c, THEME_HEADER, ' ');
		tui_put_field(c, THEME_HEADER, vec ? "" : "OVER TIME", vec ? 0 : 9, sparkw, TUI_LEFT);
	}
	tui_fill(c, THEME_HEADER, ' ');
	int rows = c->h - 1;
	e->page = rows > 1 ? rows : 1;
	size_t n = r->nseries;
	if (!n) {
		tui_move(c, 1 + rows / 2, 0);
		const char *m = "no series in this time range";
		tui_put_field(c, THEME_MUTED, m, strlen(m), c->w, TUI_CENTER);
		return;
	}
	double vmax = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < r->series[i].n; j++)
			if (isfinite(r->series[i].v[j].v) && fabs(r->series[i].v[j].v) > vmax)
				vmax = fabs(r->series[i].v[j].v);
	if (e->sel >= n)
		e->sel = n - 1;
	if (e->sel < e->top)
		e->top = e->sel;
	if (e->sel >= e->top + (size_t)rows)
		e->top = e->sel - (size_t)rows + 1;
	for (int row = 0; row < rows && e->top + (size_t)row < n; row++) {
		size_t i = e->top + (size_t)row;
		const struct res_series *s = &r->series[i];
		bool sel = !e->editing && i == e->sel;
		uint16_t base = sel ? THEME_SELECTION : THEME_NORMAL;
		tui_move(c, 1 + row, 0);
		tui_put_cp(c, base, ' ');
		struct sbuf lab = SBUF_INIT;
		res_labels_format(&s->labels, &lab);
		if (!lab.len)
			sbuf_adds(&lab, "{}");
		tui_put_field(c, sel ? base : THEME_LABEL_VALUE, lab.buf, lab.len, labw, TUI_LEFT);
		sbuf_release(&lab);
		double st[4];
		series_stats(s, &st[0], &st[1], &st[2], &st[3]);
		for (int k = 0; k < nnum; k++) {
			char b[32];
			graph_fmt(st[k], b, sizeof(b));
			tui_put_cp(c, base, ' ');
			tui_put_field(c, base, b, strlen(b), numw, TUI_RIGHT);
		}
		if (sparkw) {
			tui_put_cp(c, base, ' ');
			if (vec) {
				tui_hbar(c, THEME_BAR, vmax > 0 && isfinite(st[0]) ? fabs(st[0]) / vmax : 0, sparkw);
			} else {
				/* Resample to sparkw cells: the max in each. */
				double cells[64];
				int64_t span = e->r_to - e->r_from;
				for (int k = 0; k < sparkw; k++)
					cells[k] = 0;
				for (size_t j = 0; j < s->n; j++) {
					int k = span > 0 ? (int)((double)(s->v[j].ts_ms * 1000000LL - e->r_from) / (double)span * sparkw) : 0;
					if (k >= sparkw) k = sparkw - 1;
					if (k < 0) k = 0;
					if (isfinite(s->v[j].v) && s->v[j].v > cells[k])
						cells[k] = s->v[j].v;
				}
				tui_sparkline(c, THEME_SPARK, cells, sparkw, st[2] > 0 ? st[2] : 0, 0, THEME_SPARK);
			}
		}
		if (sel)
			tui_fill(c, base, ' ');
	}
}

void
explore__draw_metric(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	const struct result *r = e->res;
	if (r->type == RES_SCALAR) {
		char b[64];
		graph_fmt(r->scalar.v, b, sizeof(b));
		tui_move(c, c->h / 2, 0);
		tui_put_field(c, THEME_TITLE, b, strlen(b), c->w, TUI_CENTER);
		e->page = 1;
		return;
	}
	if (e->table || r->type == RES_VECTOR || c->h < 8 || r->nseries == 0) {
		draw_table(v, c);
		return;
	}
	int legend = r->nseries < 6 ? (int)r->nseries : 6;
	if (legend > c->h / 3)
		legend = c->h / 3 > 0 ? c->h / 3 : 1;
	struct graph_opts o = {
		.from_ms = e->r_from / 1000000, .to_ms = e->r_to / 1000000,
		.step_ms = e->r_step / 1000000, .pick = e->pick, .utc = v->app->utc,
	};
	struct tui_canvas gc = tui_canvas_sub(c, 0, 0, c->h - legend, c->w);
	graph_lines(&gc, r->series, r->nseries, &o);
	size_t first = 0;
	if (e->pick >= legend)
		first = (size_t)(e->pick - legend + 1);
	struct tui_canvas lc = tui_canvas_sub(c, c->h - legend, 0, legend, c->w);
	graph_legend(&lc, r->series, r->nseries, first, e->pick);
	e->page = 1;
}

/* ---- the result's line: detail view or a modal ---- */

/*
 * Opens the selected log line: in the detail view when it is still in the
 * store (found by timestamp and text), else in a modal with the line and
 * its labels (lines from Loki, or rewritten by line_format).
 */
void
explore__open_line(struct view *v)
{
	struct explore *e = E(v);
	if (!e->res || !e->r_log || e->sel >= e->nrows)
		return;
	const struct row *rw = &e->rows[e->sel];
	const struct res_stream *s = &e->res->streams[rw->stream];
	const struct res_entry *en = &s->v[rw->entry];
	const struct store *st = v->app->store;
	uint64_t seq = store_seek_time(st, en->ts_ns), next = store_next_seq(st);
	for (int k = 0; k < 4096 && seq < next; k++, seq++) {
		const struct log_rec *r = store_get(st, seq);
		if (!r)
			continue;
		if (r->ts_ns > en->ts_ns)
			break;
		if (r->ts_ns == en->ts_ns && r->len == en->len && !memcmp(r->text, en->line, en->len)) {
			app_push(v->app, &detail_view_ops, &(struct view_args){ .seq = seq });
			return;
		}
	}
	struct sbuf t = SBUF_INIT;
	res_labels_format(&s->labels, &t);
	sbuf_addc(&t, '\n');
	sbuf_add(&t, en->line, en->len);
	app_modal(v->app, "Log line", sbuf_str(&t));
	sbuf_release(&t);
}

int
explore__search(struct view *v, const char *pat, int dir)
{
	struct explore *e = E(v);
	snprintf(e->pat, sizeof(e->pat), "%s", pat);
	if (!*pat || !e->res || !e->r_log || !e->nrows)
		return RES_REDRAW;
	bool icase = logline_icase(pat);
	size_t n = e->nrows, start = e->sel < n ? e->sel : 0;
	int step = dir < 0 ? -1 : 1;
	static char msg[MSG_CAP];
	for (size_t k = dir == 0 ? 0 : 1; k <= n; k++) {
		size_t i = (start + n + (size_t)(step * (long)k)) % n;
		const struct row *rw = &e->rows[i];
		const struct res_entry *en = &e->res->streams[rw->stream].v[rw->entry];
		struct log_rec r;
		struct scan_result sr;
		fake_rec(en, &r, &sr);
		size_t len = logline_message(&r, false, msg, sizeof(msg)), ml;
		if (logline_find(msg, len, 0, pat, icase, &ml) >= 0) {
			e->sel = i;
			return RES_REDRAW;
		}
	}
	app_message(v->app, 1, "not found: %s", pat);
	return RES_REDRAW;
}

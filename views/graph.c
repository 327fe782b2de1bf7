/*
 * views/graph.c: braille line graphs, stacked volume columns and their
 * axes.  Pure drawing over a canvas; no state kept between calls.
 */
#include "views/graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xalloc.h"
#include "tui/theme.h"

void
graph_nice(double min, double max, int ticks, struct graph_axis *ax)
{
	if (!isfinite(min) || !isfinite(max) || min > max) {
		min = 0;
		max = 1;
	}
	if (ticks < 1)
		ticks = 1;
	if (max == min) {
		double d = fabs(max) > 0 ? fabs(max) * 0.5 : 1;
		min = min >= 0 && min - d < 0 ? 0 : min - d;
		max = max + d;
	}
	double raw = (max - min) / ticks;
	double mag = pow(10, floor(log10(raw)));
	static const double mult[] = { 1, 2, 2.5, 5, 10 };
	double step = mag * 10;
	for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
		if (mag * mult[i] >= raw * (1 - 1e-9)) {
			step = mag * mult[i];
			break;
		}
	ax->step = step;
	ax->lo = floor(min / step + 1e-9) * step;
	ax->hi = ceil(max / step - 1e-9) * step;
	if (ax->hi <= ax->lo)
		ax->hi = ax->lo + step;
	ax->n = (int)llround((ax->hi - ax->lo) / step);
}

void
graph_fmt(double v, char *buf, size_t size)
{
	double a = fabs(v);
	if (!isfinite(v)) {
		snprintf(buf, size, "%s", isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return;
	}
	static const char suf[] = { 0, 'k', 'M', 'G', 'T' };
	int k = 0;
	while (a >= 1000 && k < 4) {
		a /= 1000;
		v /= 1000;
		k++;
	}
	char num[32];
	if (a == 0)
		snprintf(num, sizeof(num), "0");
	else if (a >= 100 || a == floor(a))
		snprintf(num, sizeof(num), "%.0f", v);
	else if (a >= 10)
		snprintf(num, sizeof(num), "%.1f", v);
	else if (a >= 0.01)
		snprintf(num, sizeof(num), "%.3g", v);
	else
		snprintf(num, sizeof(num), "%.2g", v);
	/* "%.1f" may print "10.0": drop a trailing ".0". */
	size_t l = strlen(num);
	if (l > 2 && !strcmp(num + l - 2, ".0"))
		num[l - 2] = '\0';
	if (k)
		snprintf(buf, size, "%s%c", num, suf[k]);
	else
		snprintf(buf, size, "%s", num);
}

int64_t
graph_auto_step(int64_t range_ns, int cols)
{
	static const int64_t nice_s[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800,
					  3600, 7200, 10800, 21600, 43200, 86400 };
	if (cols < 1)
		cols = 1;
	int64_t want = range_ns / cols;
	for (size_t i = 0; i < sizeof(nice_s) / sizeof(nice_s[0]); i++)
		if (nice_s[i] * 1000000000LL >= want)
			return nice_s[i] * 1000000000LL;
	/* Whole days beyond that. */
	int64_t day = 86400 * 1000000000LL;
	return (want + day - 1) / day * day;
}

int
graph_axis_width(const struct graph_axis *ax)
{
	int w = 1;
	for (int i = 0; i <= ax->n; i++) {
		char b[32];
		graph_fmt(ax->lo + ax->step * i, b, sizeof(b));
		int l = (int)strlen(b);
		if (l > w)
			w = l;
	}
	return w + 1;
}

/* "15:04:05", or "01-02 15:04" when `date`. */
static void
fmt_clock(int64_t ms, bool utc, bool date, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
	struct tm tm;
	if (utc)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	strftime(buf, size, date ? "%m-%d %H:%M" : "%H:%M:%S", &tm);
}

/*
 * Time axis labels under a plot of `w` cells from x0: labels at nice
 * multiples of an interval chosen so they do not collide.
 */
static void
time_axis(struct tui_canvas *c, int y, int x0, int w, int64_t from_ms, int64_t to_ms, bool utc,
	  bool ticks)
{
	if (w < 10 || to_ms <= from_ms)
		return;
	bool date = to_ms - from_ms > 86400000LL;
	int lw = date ? 11 : 8;
	static const int64_t ivs[] = { 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000,
				       600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000,
				       43200000, 86400000, 172800000, 604800000 };
	int64_t span = to_ms - from_ms, iv = ivs[sizeof(ivs) / sizeof(ivs[0]) - 1];
	int maxlabels = w / (lw + 3);
	if (maxlabels < 1)
		maxlabels = 1;
	for (size_t i = 0; i < sizeof(ivs) / sizeof(ivs[0]); i++)
		if (span / ivs[i] <= maxlabels) {
			iv = ivs[i];
			break;
		}
	int64_t t = (from_ms + iv - 1) / iv * iv;
	int last_end = -1;
	for (; t <= to_ms; t += iv) {
		int x = (int)((double)(t - from_ms) / (double)span * (w - 1));
		int lx = x - lw / 2;
		if (lx < 0)
			lx = 0;
		if (lx + lw > w)
			lx = w - lw;
		if (lx <= last_end)
			continue;
		char b[32];
		fmt_clock(t, utc, date, b, sizeof(b));
		tui_move(c, y, x0 + lx);
		tui_put_text(c, THEME_MUTED, b);
		if (ticks) {
			tui_move(c, y - 1, x0 + x);
			tui_put_cp(c, THEME_BORDER, tui_ascii ? '+' : 0x2534);
		}
		last_end = lx + lw;
	}
}

struct plot {
	int w, h;                 /* cells */
	uint8_t *bits;            /* braille dots per cell */
	int16_t *series;          /* series index per cell (last drawn) */
};

static void
dot(struct plot *p, int px, int py, int si)
{
	if (px < 0 || py < 0 || px >= p->w * 2 || py >= p->h * 4)
		return;
	static const uint8_t bit[4][2] = { { 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 } };
	int cell = (py / 4) * p->w + px / 2;
	p->bits[cell] |= bit[py % 4][px % 2];
	p->series[cell] = (int16_t)si;
}

static void
segment(struct plot *p, int x0, int y0, int x1, int y1, int si)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy;
	for (;;) {
		dot(p, x0, y0, si);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

void
graph_lines(struct tui_canvas *c, const struct res_series *s, size_t n, const struct graph_opts *o)
{
	if (c->h < 3 || c->w < 12)
		return;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (o->pick >= 0 && (size_t)o->pick != i)
			continue;
		for (size_t j = 0; j < s[i].n; j++) {
			double v = s[i].v[j].v;
			if (!isfinite(v))
				continue;
			if (v < lo) lo = v;
			if (v > hi) hi = v;
		}
	}
	if (lo > hi)
		lo = hi = 0;
	if (lo > 0)
		lo = 0;
	int ph = c->h - 2;          /* plot rows: axis line and labels below */
	struct graph_axis ax;
	graph_nice(lo, hi, ph >= 8 ? 4 : ph >= 4 ? 2 : 1, &ax);
	int aw = graph_axis_width(&ax);
	int pw = c->w - aw - 1;
	if (pw < 4)
		return;
	/* Value axis: labels right-aligned at their rows. */
	for (int i = 0; i <= ax.n; i++) {
		double v = ax.lo + ax.step * i;
		int y = (int)llround((1 - (v - ax.lo) / (ax.hi - ax.lo)) * (ph - 1));
		char b[32];
		graph_fmt(v, b, sizeof(b));
		tui_move(c, y, 0);
		tui_put_field(c, THEME_MUTED, b, strlen(b), aw - 1, TUI_RIGHT);
	}
	for (int y = 0; y < ph; y++) {
		tui_move(c, y, aw);
		tui_put_cp(c, THEME_BORDER, tui_ascii ? '|' : 0x2502);
	}
	tui_move(c, ph, aw);
	tui_put_cp(c, THEME_BORDER, tui_ascii ? '+' : 0x2514);
	for (int x = 0; x < pw; x++)
		tui_put_cp(c, THEME_BORDER, tui_ascii ? '-' : 0x2500);

	struct plot p = { pw, ph, xcalloc((size_t)(pw * ph), 1), xcalloc((size_t)(pw * ph), sizeof(int16_t)) };
	int64_t span = o->to_ms > o->from_ms ? o->to_ms - o->from_ms : 1;
	int W = pw * 2, H = ph * 4;
	for (size_t i = 0; i < n; i++) {
		/* The picked series is drawn alone. */
		if (o->pick >= 0 && (size_t)o->pick != i)
			continue;
		int px = 0, py = 0;
		int64_t pt = 0;
		bool have = false;
		for (size_t j = 0; j < s[i].n; j++) {
			double v = s[i].v[j].v;
			int64_t t = s[i].v[j].ts_ms;
			if (!isfinite(v) || t < o->from_ms || t > o->to_ms) {
				have = false;
				continue;
			}
			int x = (int)llround((double)(t - o->from_ms) / (double)span * (W - 1));
			int y = (int)llround((1 - (v - ax.lo) / (ax.hi - ax.lo)) * (H - 1));
			bool gap = o->step_ms > 0 && t - pt > o->step_ms * 3 / 2;
			if (have && !gap && !tui_ascii)
				segment(&p, px, py, x, y, (int)i);
			else
				dot(&p, x, y, (int)i);
			px = x;
			py = y;
			pt = t;
			have = true;
		}
	}
	for (int y = 0; y < ph; y++)
		for (int x = 0; x < pw; x++) {
			uint8_t b = p.bits[y * pw + x];
			if (!b)
				continue;
			tui_move(c, y, aw + 1 + x);
			uint16_t st = (uint16_t)(THEME_PALETTE_0 + p.series[y * pw + x] % THEME_PALETTE_N);
			tui_put_cp(c, st, tui_ascii ? '*' : 0x2800 + b);
		}
	free(p.bits);
	free(p.series);
	time_axis(c, ph + 1, aw + 1, pw, o->from_ms, o->to_ms, o->utc, true);
}

void
graph_legend(struct tui_canvas *c, const struct res_series *s, size_t n, size_t first, int pick)
{
	for (int y = 0; y < c->h && first + (size_t)y < n; y++) {
		size_t i = first + (size_t)y;
		const struct res_series *se = &s[i];
		double last = NAN, mn = INFINITY, mx = -INFINITY;
		for (size_t j = 0; j < se->n; j++) {
			double v = se->v[j].v;
			if (!isfinite(v))
				continue;
			last = v;
			if (v < mn) mn = v;
			if (v > mx) mx = v;
		}
		char l[32], a[32], b[32], stats[128];
		graph_fmt(last, l, sizeof(l));
		graph_fmt(mn > mx ? NAN : mn, a, sizeof(a));
		graph_fmt(mn > mx ? NAN : mx, b, sizeof(b));
		snprintf(stats, sizeof(stats), "  last %s  min %s  max %s", l, a, b);
		struct sbuf lab = SBUF_INIT;
		res_labels_format(&se->labels, &lab);
		if (!lab.len)
			sbuf_adds(&lab, "{}");
		tui_move(c, y, 0);
		bool picked = pick >= 0 && (size_t)pick == i;
		tui_put_cp(c, picked ? THEME_SELECTION : THEME_NORMAL, picked ? '>' : ' ');
		tui_put_cp(c, (uint16_t)(THEME_PALETTE_0 + i % THEME_PALETTE_N), tui_ascii ? '#' : 0x25A0);
		tui_put_cp(c, THEME_NORMAL, ' ');
		int sw = (int)strlen(stats);
		int room = c->w - 3 - sw;
		if (room < 10)
			room = c->w - 3;
		tui_put_field(c, picked ? THEME_SELECTION : THEME_LABEL_VALUE, lab.buf, lab.len,
			      room, TUI_LEFT);
		if (room < c->w - 3)
			tui_put_text(c, THEME_MUTED, stats);
		sbuf_release(&lab);
	}
}

void
graph_volume(struct tui_canvas *c, const uint32_t *counts, int nb, int64_t from_ns, int64_t to_ns,
	     bool utc)
{
	int ph = c->h - 1;
	if (ph < 1 || nb < 1)
		return;
	uint32_t peak = 0;
	for (int i = 0; i < nb; i++) {
		uint32_t t = 0;
		for (int l = 0; l < LVL__COUNT; l++)
			t += counts[i * LVL__COUNT + l];
		if (t > peak)
			peak = t;
	}
	char b[32];
	graph_fmt(peak, b, sizeof(b));
	tui_move(c, 0, 0);
	tui_put_field(c, THEME_MUTED, b, strlen(b), GRAPH_VOLUME_AXIS - 1, TUI_RIGHT);
	tui_move(c, ph - 1, 0);
	tui_put_field(c, THEME_MUTED, "0", 1, GRAPH_VOLUME_AXIS - 1, TUI_RIGHT);
	/* Bottom-up stacking order. */
	static const int order[] = { LVL_FATAL, LVL_ERROR, LVL_WARN, LVL_INFO, LVL_DEBUG, LVL_TRACE, LVL_NONE };
	for (int i = 0; i < nb && GRAPH_VOLUME_AXIS + i < c->w; i++) {
		if (!peak)
			break;
		/* Cumulative tops in eighths of a cell. */
		int top[7];
		uint32_t cum = 0;
		for (int k = 0; k < 7; k++) {
			cum += counts[i * LVL__COUNT + order[k]];
			top[k] = (int)((uint64_t)cum * (uint64_t)(ph * 8) / peak);
			if (cum && top[k] == 0)
				top[k] = 1;   /* one line still shows */
		}
		int total = top[6];
		for (int r = 0; r < ph; r++) {
			int base = r * 8;
			if (total <= base)
				break;
			/* The level covering the middle of this cell (or its top). */
			int mid = total >= base + 8 ? base + 4 : base + (total - base) / 2;
			int k = 0;
			while (k < 6 && top[k] <= mid)
				k++;
			uint16_t st = (uint16_t)theme_level_slot(order[k]);
			if (order[k] == LVL_NONE)
				st = THEME_MUTED;
			int fill = total - base >= 8 ? 8 : total - base;
			uint32_t cp = tui_ascii ? (fill >= 4 ? '#' : '.') : fill == 8 ? 0x2588 : 0x2580 + (uint32_t)fill;
			tui_move(c, ph - 1 - r, GRAPH_VOLUME_AXIS + i);
			tui_put_cp(c, st, cp);
		}
	}
	time_axis(c, ph, GRAPH_VOLUME_AXIS, nb, from_ns / 1000000, to_ns / 1000000, utc, false);
}

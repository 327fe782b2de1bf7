/*
 * views/tail_view.c: the live tail.
 *
 * Shows the store's lines, newest at the bottom, following new ones until
 * the user pauses (space) or scrolls up; the screen then stays frozen and
 * the status bar counts what is waiting.  Filters (level, agent,
 * component, correlation id) keep a list of matching seqs, built once from
 * the store and extended as lines arrive.  The view holds seqs only and
 * copes with eviction by clamping to the store's oldest seq.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "views/logline.h"
#include "views/view.h"

#define MSG_CAP 8192

struct tail {
	bool follow;
	uint64_t sel;            /* selected seq (0 = none yet) */
	uint64_t top;            /* first seq on screen when not following */
	uint64_t paused_next;    /* store_next_seq() when following stopped */
	/* Filters; strings, as store ids of correlation ids can be reused. */
	int min_level;
	char agent[64], component[64], corr[80];
	bool filtered;
	uint64_t *m;             /* matching seqs, ascending */
	size_t mhead, mn, mcap;
	uint64_t scanned;        /* next seq to test for the filter */
	/* Display. */
	bool show_corr, show_comp, show_dur, wrap, sgr, raw;
	int hscroll;
	char pat[TUI_PROMPT_MAX];
	int page;                /* rows of the last draw */
};

static struct tail *
T(struct view *v)
{
	return v->priv;
}

/* ---- the visible sequence: all lines, or the filtered list ---- */

static bool
matches(const struct tail *t, const struct store *st, const struct log_rec *r)
{
	if (t->min_level && r->level < t->min_level)
		return false;
	if (t->agent[0] && strcmp(store_str(st, DIM_AGENT, r->id[DIM_AGENT]), t->agent))
		return false;
	if (t->component[0] && strcmp(store_str(st, DIM_COMPONENT, r->id[DIM_COMPONENT]), t->component))
		return false;
	if (t->corr[0] && strcmp(store_str(st, DIM_CORR, r->id[DIM_CORR]), t->corr))
		return false;
	return true;
}

static void
m_push(struct tail *t, uint64_t seq)
{
	if (t->mhead + t->mn == t->mcap && t->mhead > t->mn) {
		memmove(t->m, t->m + t->mhead, t->mn * sizeof(uint64_t));
		t->mhead = 0;
	}
	xgrow(&t->m, &t->mcap, t->mhead + t->mn + 1, sizeof(uint64_t));
	t->m[t->mhead + t->mn++] = seq;
}

/* Brings the filtered list up to date: prune evicted, scan new lines. */
static void
sync_filter(struct view *v)
{
	struct tail *t = T(v);
	const struct store *st = v->app->store;
	if (!t->filtered)
		return;
	uint64_t first = store_first_seq(st), next = store_next_seq(st);
	while (t->mn && t->m[t->mhead] < first) {
		t->mhead++;
		t->mn--;
	}
	if (t->scanned < first)
		t->scanned = first;
	/* Narrow scans through an index when one applies. */
	const uint64_t *idx = NULL;
	size_t ni = 0;
	bool use_index = false;
	if (t->corr[0] || t->agent[0]) {
		enum store_dim d = t->corr[0] ? DIM_CORR : DIM_AGENT;
		const char *s = t->corr[0] ? t->corr : t->agent;
		ni = store_index(st, d, store_lookup(st, d, s, strlen(s)), &idx);
		use_index = true;
	}
	if (use_index) {
		size_t lo = 0, hi = ni;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (idx[mid] < t->scanned)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < ni; i++) {
			const struct log_rec *r = store_get(st, idx[i]);
			if (r && matches(t, st, r))
				m_push(t, idx[i]);
		}
	} else {
		for (uint64_t s = t->scanned; s < next; s++) {
			const struct log_rec *r = store_get(st, s);
			if (r && matches(t, st, r))
				m_push(t, s);
		}
	}
	t->scanned = next;
}

static size_t
vis_count(struct view *v)
{
	struct tail *t = T(v);
	return t->filtered ? t->mn : store_count(v->app->store);
}

static uint64_t
vis_seq(struct view *v, size_t i)
{
	struct tail *t = T(v);
	return t->filtered ? t->m[t->mhead + i] : store_first_seq(v->app->store) + i;
}

/* Index of the first visible line with seq >= `seq` (count if none). */
static size_t
vis_index(struct view *v, uint64_t seq)
{
	struct tail *t = T(v);
	if (!t->filtered) {
		uint64_t first = store_first_seq(v->app->store);
		if (seq < first)
			return 0;
		size_t i = (size_t)(seq - first);
		size_t n = vis_count(v);
		return i > n ? n : i;
	}
	size_t lo = 0, hi = t->mn;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->m[t->mhead + mid] < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
set_filter(struct view *v)
{
	struct tail *t = T(v);
	t->filtered = t->min_level || t->agent[0] || t->component[0] || t->corr[0];
	t->mhead = t->mn = 0;
	t->scanned = 0;
	sync_filter(v);
	/* Keep the selection near where it was. */
	size_t n = vis_count(v);
	if (n == 0) {
		t->sel = 0;
	} else if (!t->follow && t->sel) {
		size_t i = vis_index(v, t->sel);
		if (i >= n)
			i = n - 1;
		t->sel = vis_seq(v, i);
		/* Keep the selection in the middle of the screen. */
		size_t half = (size_t)(t->page > 2 ? t->page / 2 : 1);
		t->top = vis_seq(v, i > half ? i - half : 0);
	}
}

/* ---- open / close ---- */

static int
tail_open(struct view *v, const struct view_args *args)
{
	struct tail *t = T(v);
	t->follow = true;
	t->show_comp = t->show_dur = true;
	t->show_corr = true;
	if (args->agent && *args->agent)
		snprintf(t->agent, sizeof(t->agent), "%s", args->agent);
	if (args->corr && *args->corr)
		snprintf(t->corr, sizeof(t->corr), "%s", args->corr);
	set_filter(v);
	if (args->around_ns || args->seq) {
		t->follow = false;
		t->paused_next = store_next_seq(v->app->store);
		uint64_t s = args->seq ? args->seq : store_seek_time(v->app->store, args->around_ns);
		size_t n = vis_count(v);
		if (n) {
			size_t i = vis_index(v, s);
			t->sel = vis_seq(v, i < n ? i : n - 1);
			t->top = t->sel;
		}
	}
	return 0;
}

static void
tail_close(struct view *v)
{
	free(T(v)->m);
}

/* ---- drawing ---- */

enum col { COL_TIME, COL_LEVEL, COL_AGENT, COL_COMP, COL_CORR, COL_DUR, COL_MSG, COL__N };

static void
layout(struct view *v, int width, int *w)
{
	struct tail *t = T(v);
	struct tui_column cols[COL__N] = {
		[COL_TIME] = { "TIME", 12, 12, 0, TUI_LEFT, false },
		[COL_LEVEL] = { "LEVEL", 5, 5, 0, TUI_LEFT, false },
		[COL_AGENT] = { "AGENT", 14, 14, 0, TUI_LEFT, false },
		[COL_COMP] = { "COMPONENT", width >= 110 ? 17 : 12, 17, 1, TUI_LEFT, !t->show_comp },
		[COL_CORR] = { "REQUEST", 12, 12, 0, TUI_LEFT, !t->show_corr },
		[COL_DUR] = { "DURATION", 8, 8, 0, TUI_RIGHT, !t->show_dur },
		[COL_MSG] = { "MESSAGE", 10, 0, 20, TUI_LEFT, false },
	};
	/* Narrow terminals: the message matters most, then time and level. */
	if (width < 100)
		cols[COL_COMP].hidden = true;
	if (width < 80)
		cols[COL_CORR].hidden = true;
	if (width < 60)
		cols[COL_DUR].hidden = true;
	if (width < 45)
		cols[COL_AGENT].hidden = true;
	tui_columns_layout(cols, COL__N, width, w);
	if (w[COL_MSG] == 0) {
		/* Give the message what is left at least. */
		int used = 0;
		for (int i = 0; i < COL__N - 1; i++)
			used += w[i] ? w[i] + 1 : 0;
		w[COL_MSG] = width - used > 0 ? width - used : 0;
	}
}

/* Rows a line takes with wrapping on. */
static int
line_rows(struct view *v, const struct log_rec *r, int msgw)
{
	struct tail *t = T(v);
	if (!t->wrap || msgw <= 0)
		return 1;
	static char buf[MSG_CAP];
	size_t n = logline_message(r, t->raw, buf, sizeof(buf));
	int w = tui_text_width(buf, n);
	int rows = (w + msgw - 1) / msgw;
	return rows < 1 ? 1 : rows > 50 ? 50 : rows;
}

static void
draw_line(struct view *v, struct tui_canvas *c, int y, const struct log_rec *r, const int *w,
	  bool selected, int rows)
{
	struct tail *t = T(v);
	struct app *a = v->app;
	const struct store *st = a->store;
	uint16_t base = selected ? THEME_SELECTION : THEME_NORMAL;
	tui_move(c, y, 0);
	/* Gutter: < out of order, > ahead of the clock, ~ cut. */
	char g = ' ';
	if (r->flags & LOG_F_TRUNCATED) g = '~';
	if (r->flags & LOG_F_OUT_OF_ORDER) g = '<';
	if (r->flags & LOG_F_CLOCK_SKEW) g = '>';
	tui_put_cp(c, g == ' ' ? base : THEME_WARN, (uint32_t)g);
	char buf[64];
	bool first = true;
#define SEP() do { if (!first) tui_put_cp(c, base, ' '); first = false; } while (0)
	if (w[COL_TIME]) {
		SEP();
		app_fmt_time(a, r->ts_ns, false, buf, sizeof(buf));
		tui_put_field(c, selected ? base : THEME_TIME, buf, strlen(buf), w[COL_TIME], TUI_LEFT);
	}
	if (w[COL_LEVEL]) {
		SEP();
		const char *l = r->level ? scan_level_str(r->level) : "-";
		tui_put_field(c, (uint16_t)theme_level_slot(r->level), l, strlen(l), w[COL_LEVEL], TUI_LEFT);
	}
	if (w[COL_AGENT]) {
		SEP();
		const char *s = store_str(st, DIM_AGENT, r->id[DIM_AGENT]);
		tui_put_field(c, selected ? base : (uint16_t)theme_palette_for(s, strlen(s)), s, strlen(s), w[COL_AGENT], TUI_LEFT);
	}
	if (w[COL_COMP]) {
		SEP();
		const char *s = store_str(st, DIM_COMPONENT, r->id[DIM_COMPONENT]);
		tui_put_field(c, selected ? base : THEME_COMPONENT, s, strlen(s), w[COL_COMP], TUI_LEFT);
	}
	if (w[COL_CORR]) {
		SEP();
		const char *s = store_str(st, DIM_CORR, r->id[DIM_CORR]);
		tui_put_field(c, selected ? base : THEME_CORR, s, strlen(s), w[COL_CORR], TUI_LEFT);
	}
	if (w[COL_DUR]) {
		SEP();
		buf[0] = '\0';
		if (r->flags & LOG_F_DURATION)
			logline_duration(r->duration_ms, buf, sizeof(buf));
		uint16_t ds = r->duration_ms >= 1000 ? THEME_DURATION_SLOW : THEME_DURATION;
		tui_put_field(c, selected ? base : ds, buf, strlen(buf), w[COL_DUR], TUI_RIGHT);
	}
	SEP();
#undef SEP
	int x0 = c->cx;
	static char msg[MSG_CAP];
	size_t n = logline_message(r, t->raw, msg, sizeof(msg));
	uint16_t ms = r->level >= LVL_ERROR && !selected ? THEME_LOG_ERROR : base;
	if (r->level == LVL_FATAL && !selected)
		ms = THEME_LOG_FATAL;
	if (!t->wrap) {
		struct tui_canvas mc = tui_canvas_sub(c, y, x0, 1, c->w - x0);
		mc.skip = t->hscroll;
		logline_draw(&mc, ms, msg, n, t->pat[0] ? t->pat : NULL, t->sgr);
		if (r->flags & LOG_F_TRUNCATED && mc.cx < mc.w) {
			char cut[64];
			snprintf(cut, sizeof(cut), " [cut: %u of %u bytes]", r->len, r->full_len);
			tui_put_text(&mc, THEME_MUTED, cut);
		}
		if (selected)
			tui_fill(&mc, base, ' ');
	} else {
		/* Wrap: draw into a tall sub-canvas, one row per chunk. */
		int mw = c->w - x0;
		size_t i = 0;
		for (int row = 0; row < rows && i < n && y + row < c->h; row++) {
			struct tui_canvas mc = tui_canvas_sub(c, y + row, x0, 1, mw);
			size_t j = i;
			int width = 0;
			while (j < n) {
				uint32_t cp;
				size_t l = utf8_decode(msg + j, n - j, &cp);
				int cw = tui_text_width(msg + j, l);
				if (width + cw > mw)
					break;
				width += cw;
				j += l;
			}
			if (j == i)
				j = i + 1;
			logline_draw(&mc, ms, msg + i, j - i, t->pat[0] ? t->pat : NULL, t->sgr);
			if (selected)
				tui_fill(&mc, base, ' ');
			i = j;
		}
		if (selected)
			for (int row = 1; row < rows && y + row < c->h; row++) {
				struct tui_canvas pc = tui_canvas_sub(c, y + row, 0, 1, x0);
				tui_fill(&pc, base, ' ');
			}
	}
}

static void
tail_draw(struct view *v, struct tui_canvas *c)
{
	struct tail *t = T(v);
	struct app *a = v->app;
	sync_filter(v);
	int w[COL__N];
	layout(v, c->w - 2, w);
	/* Header, with the gutter column first. */
	static const char *const titles[COL__N] = { "TIME", "LEVEL", "AGENT", "COMPONENT", "REQUEST", "DURATION", "MESSAGE" };
	tui_move(c, 0, 0);
	tui_put_cp(c, THEME_HEADER, ' ');
	bool first = true;
	for (int i = 0; i < COL__N; i++) {
		if (!w[i])
			continue;
		if (!first)
			tui_put_cp(c, THEME_HEADER, ' ');
		first = false;
		const char *title = titles[i];
		if (i == COL_TIME)
			title = a->utc ? "TIME (UTC)" : "TIME (local)";
		tui_put_field(c, THEME_HEADER, title, strlen(title), w[i],
			      i == COL_DUR ? TUI_RIGHT : TUI_LEFT);
	}
	tui_fill(c, THEME_HEADER, ' ');

	int rows = c->h - 1;
	t->page = rows > 1 ? rows : 1;
	size_t n = vis_count(v);
	if (n == 0) {
		char src[160], line[220];
		app_source_desc(a, src, sizeof(src));
		if (t->filtered)
			snprintf(line, sizeof(line), "no line matches the filter (x clears it)");
		else
			snprintf(line, sizeof(line), "waiting for lines from %s", src);
		tui_move(c, 1 + rows / 2, 0);
		tui_put_field(c, THEME_MUTED, line, strlen(line), c->w, TUI_CENTER);
		return;
	}
	int msgw = c->w - 1;   /* what draw_line leaves after the gutter and columns */
	for (int i = 0; i < COL__N - 1; i++)
		msgw -= w[i] ? w[i] + 1 : 0;
	const struct store *st = a->store;
	size_t top;
	if (t->follow) {
		t->sel = vis_seq(v, n - 1);
		/* Fill from the bottom up. */
		size_t i = n;
		int used = 0;
		while (i > 0) {
			int h = line_rows(v, store_get(st, vis_seq(v, i - 1)), msgw);
			if (used + h > rows && used > 0)
				break;
			used += h;
			i--;
		}
		top = i;
	} else {
		if (t->sel < store_first_seq(st))
			t->sel = store_first_seq(st);
		size_t si = vis_index(v, t->sel);
		if (si >= n)
			si = n - 1;
		t->sel = vis_seq(v, si);
		top = vis_index(v, t->top);
		if (top > si)
			top = si;
		/* Make sure sel is on screen. */
		for (;;) {
			int used = 0;
			size_t i = top;
			while (i <= si && used <= rows)
				used += line_rows(v, store_get(st, vis_seq(v, i++)), msgw);
			if (used <= rows || top >= si)
				break;
			top++;
		}
		t->top = vis_seq(v, top);
	}
	int y = 1;
	for (size_t i = top; i < n && y <= rows; i++) {
		uint64_t s = vis_seq(v, i);
		const struct log_rec *r = store_get(st, s);
		if (!r)
			continue;
		int h = line_rows(v, r, msgw);
		draw_line(v, c, y, r, w, s == t->sel && !t->follow, h);
		y += h;
	}
}

/* ---- moving ---- */

static void
pause_at(struct view *v)
{
	struct tail *t = T(v);
	if (t->follow) {
		t->follow = false;
		t->paused_next = store_next_seq(v->app->store);
		size_t n = vis_count(v);
		/* Top so that the screen does not jump. */
		size_t top = n > (size_t)t->page ? n - (size_t)t->page : 0;
		if (n)
			t->top = vis_seq(v, top);
	}
}

static void
move_sel(struct view *v, long delta)
{
	struct tail *t = T(v);
	size_t n = vis_count(v);
	if (n == 0)
		return;
	pause_at(v);
	size_t i = vis_index(v, t->sel);
	if (i >= n)
		i = n - 1;
	long ni = (long)i + delta;
	if (ni < 0)
		ni = 0;
	if (ni >= (long)n)
		ni = (long)n - 1;
	t->sel = vis_seq(v, (size_t)ni);
	if (delta < 0 && t->sel < t->top)
		t->top = t->sel;
	if (delta == -(long)t->page || delta == (long)t->page) {
		long ti = (long)vis_index(v, t->top) + delta;
		if (ti < 0)
			ti = 0;
		if (ti >= (long)n)
			ti = (long)n - 1;
		t->top = vis_seq(v, (size_t)ti);
	}
}

static void
resume(struct view *v)
{
	struct tail *t = T(v);
	t->follow = true;
	t->hscroll = 0;
}

static void
find_level(struct view *v, int dir)
{
	struct tail *t = T(v);
	const struct store *st = v->app->store;
	size_t n = vis_count(v);
	if (!n)
		return;
	pause_at(v);
	size_t i = vis_index(v, t->sel);
	for (long k = (long)i + dir; k >= 0 && k < (long)n; k += dir) {
		const struct log_rec *r = store_get(st, vis_seq(v, (size_t)k));
		if (r && r->level >= LVL_ERROR) {
			t->sel = r->seq;
			if (t->sel < t->top)
				t->top = t->sel;
			return;
		}
	}
	app_message(v->app, 0, "no %s error line", dir > 0 ? "later" : "earlier");
}

static int
tail_search(struct view *v, const char *pat, int dir)
{
	struct tail *t = T(v);
	snprintf(t->pat, sizeof(t->pat), "%s", pat);
	if (!*pat)
		return RES_REDRAW;
	size_t n = vis_count(v);
	if (!n)
		return RES_REDRAW;
	/* From the live bottom, the newest match is the one wanted: go up. */
	if (t->follow && dir >= 0)
		dir = dir == 0 ? -2 : -1;
	pause_at(v);
	bool icase = logline_icase(pat);
	const struct store *st = v->app->store;
	size_t start = vis_index(v, t->sel);
	if (start >= n)
		start = n - 1;
	int step = dir < 0 ? -1 : 1;
	static char msg[MSG_CAP];
	/* dir 0 / -2: incremental, the current line counts too. */
	for (size_t k = (dir == 0 || dir == -2) ? 0 : 1; k <= n; k++) {
		size_t i = (start + n + (size_t)(step * (long)k)) % n;
		const struct log_rec *r = store_get(st, vis_seq(v, i));
		if (!r)
			continue;
		size_t len = logline_message(r, t->raw, msg, sizeof(msg)), ml;
		if (logline_find(msg, len, 0, pat, icase, &ml) >= 0) {
			if ((step > 0 && i < start) || (step < 0 && i > start))
				app_message(v->app, 0, "search wrapped");
			t->sel = r->seq;
			if (t->sel < t->top || i > vis_index(v, t->top) + (size_t)t->page - 1)
				t->top = t->sel;
			return RES_REDRAW;
		}
	}
	app_message(v->app, 1, "not found: %s", pat);
	return RES_REDRAW;
}

static const struct log_rec *
selected(struct view *v)
{
	struct tail *t = T(v);
	size_t n = vis_count(v);
	if (!n)
		return NULL;
	if (t->follow)
		return store_get(v->app->store, vis_seq(v, n - 1));
	return store_get(v->app->store, t->sel);
}

static int
filter_menu_cb(struct view *v, int key)
{
	struct tail *t = T(v);
	const struct store *st = v->app->store;
	const struct log_rec *r = selected(v);
	switch (key) {
	case 'd': t->min_level = LVL_DEBUG; break;
	case 'i': t->min_level = LVL_INFO; break;
	case 'w': t->min_level = LVL_WARN; break;
	case 'e': t->min_level = LVL_ERROR; break;
	case 'F': t->min_level = LVL_FATAL; break;
	case 'a':
		if (r)
			snprintf(t->agent, sizeof(t->agent), "%s", store_str(st, DIM_AGENT, r->id[DIM_AGENT]));
		break;
	case 'o':
		if (r)
			snprintf(t->component, sizeof(t->component), "%s", store_str(st, DIM_COMPONENT, r->id[DIM_COMPONENT]));
		break;
	case 'r':
		if (r)
			snprintf(t->corr, sizeof(t->corr), "%s", store_str(st, DIM_CORR, r->id[DIM_CORR]));
		break;
	case 'x':
		t->min_level = 0;
		t->agent[0] = t->component[0] = t->corr[0] = '\0';
		break;
	default:
		return 0;
	}
	set_filter(v);
	return 1;
}

static int
tail_request(struct view *v, enum request req, int key)
{
	struct tail *t = T(v);
	(void)key;
	const struct log_rec *r;
	switch (req) {
	case REQ_SCROLL_DOWN: move_sel(v, 1); break;
	case REQ_SCROLL_UP: move_sel(v, -1); break;
	case REQ_PAGE_DOWN: move_sel(v, t->page); break;
	case REQ_PAGE_UP: move_sel(v, -t->page); break;
	case REQ_MOVE_FIRST:
		pause_at(v);
		if (vis_count(v)) {
			t->sel = t->top = vis_seq(v, 0);
		}
		break;
	case REQ_MOVE_LAST:
	case REQ_FOLLOW:
		resume(v);
		break;
	case REQ_PAUSE:
		if (t->follow)
			pause_at(v);
		else
			resume(v);
		break;
	case REQ_SCROLL_LEFT:
		t->hscroll = t->hscroll > 8 ? t->hscroll - 8 : 0;
		break;
	case REQ_SCROLL_RIGHT:
		t->hscroll += 8;
		break;
	case REQ_NEXT_ERROR: find_level(v, 1); break;
	case REQ_PREV_ERROR: find_level(v, -1); break;
	case REQ_TOGGLE_UTC: v->app->utc = !v->app->utc; break;
	case REQ_TOGGLE_CORR: t->show_corr = !t->show_corr; break;
	case REQ_TOGGLE_COMPONENT: t->show_comp = !t->show_comp; break;
	case REQ_TOGGLE_DURATION: t->show_dur = !t->show_dur; break;
	case REQ_TOGGLE_WRAP: t->wrap = !t->wrap; break;
	case REQ_TOGGLE_RAW: t->raw = !t->raw; break;
	case REQ_TOGGLE_SGR:
		t->sgr = !t->sgr;
		app_message(v->app, 0, "ANSI colours in messages: %s", t->sgr ? "rendered" : "shown as text");
		break;
	case REQ_FILTER:
		app_menu(v->app, " filter: [d]ebug+ [i]nfo+ [w]arn+ [e]rror+ [F]atal  this line's [a]gent c[o]mponent [r]equest  [x] clear ",
			 filter_menu_cb);
		break;
	case REQ_CLEAR_FILTER:
		filter_menu_cb(v, 'x');
		break;
	case REQ_FILTER_AGENT:
		if (t->agent[0])
			t->agent[0] = '\0';
		else if ((r = selected(v)))
			snprintf(t->agent, sizeof(t->agent), "%s", store_str(v->app->store, DIM_AGENT, r->id[DIM_AGENT]));
		set_filter(v);
		break;
	case REQ_OPEN_TRACE:
		if ((r = selected(v)) && r->id[DIM_CORR]) {
			struct view_args args = { .corr = store_str(v->app->store, DIM_CORR, r->id[DIM_CORR]) };
			if (!app_switch_to(v->app, "trace", &args))
				app_message(v->app, 1, "request %s: the trace view is not in this build", args.corr);
		} else {
			app_message(v->app, 0, "this line has no correlation id");
		}
		break;
	case REQ_ENTER:
		if ((r = selected(v))) {
			if (t->follow)
				pause_at(v);
			t->sel = r->seq;
			app_push(v->app, &detail_view_ops, &(struct view_args){ .seq = r->seq });
		}
		break;
	case REQ_BACK:
		if (t->filtered) {
			filter_menu_cb(v, 'x');
			break;
		}
		if (t->pat[0]) {
			t->pat[0] = '\0';
			break;
		}
		return RES_UNHANDLED;
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED | RES_REDRAW;
}

static void
tail_status(struct view *v, char *buf, size_t size)
{
	struct tail *t = T(v);
	const struct store *st = v->app->store;
	size_t len;
	if (t->follow) {
		len = (size_t)snprintf(buf, size, "LIVE");
	} else {
		uint64_t waiting = store_next_seq(st) - t->paused_next;
		len = (size_t)snprintf(buf, size, "PAUSED %llu new (F follows)", (unsigned long long)waiting);
	}
	if (t->filtered && len < size) {
		len += (size_t)snprintf(buf + len, size - len, " | filter:");
		if (t->min_level && len < size)
			len += (size_t)snprintf(buf + len, size - len, " level>=%s", scan_level_str(t->min_level));
		if (t->agent[0] && len < size)
			len += (size_t)snprintf(buf + len, size - len, " agent=%s", t->agent);
		if (t->component[0] && len < size)
			len += (size_t)snprintf(buf + len, size - len, " component=%s", t->component);
		if (t->corr[0] && len < size)
			len += (size_t)snprintf(buf + len, size - len, " request=%s", t->corr);
		if (len < size)
			len += (size_t)snprintf(buf + len, size - len, " (%zu)", t->mn);
	}
	if (t->pat[0] && len < size)
		snprintf(buf + len, size - len, " | /%s", t->pat);
}

const struct view_ops tail_view_ops = {
	.name = "tail",
	.flags = VIEW_LIVE | VIEW_SEARCHABLE | VIEW_TAB,
	.private_size = sizeof(struct tail),
	.open = tail_open,
	.close = tail_close,
	.draw = tail_draw,
	.request = tail_request,
	.search = tail_search,
	.status = tail_status,
	.min_rows = 2,
	.min_cols = 20,
};

/*
 * views/explore_view.c: Explore, a LogQL editor over the log store.
 *
 * The top of the screen is a multi-line query editor with syntax
 * highlighting (lq_tokens), the parse error under the spot as you type
 * (lq_parse), completion (lq_complete plus label values from the store),
 * pretty-formatting and the query doctor.  Below it the result of the last
 * run: log queries as a log list with a log-volume histogram stacked by
 * level above it, metric queries as a braille line graph or a table.
 * Results are `struct result` (sources/result.h) whichever backend
 * answered: the local evaluator over the store, or Loki when the app has a
 * Loki client (explore_run.c).
 *
 * Focus: keys go to the editor while it has focus (typing, Tab completes,
 * Enter runs, Esc leaves it); otherwise to the results, where the normal
 * view keys (Tab, q, ?, /) work and `i` returns to the editor.
 *
 * Local queries run synchronously in request() (bounded by the time
 * range and the line limit); Loki queries answer from loop callbacks, with
 * a progress panel meanwhile, and Esc cancels them.  A query given at open
 * time (--query) before the store holds lines runs on the first draw that
 * finds lines (locally; on Loki at once), as a cache fill.
 * Must not: include curses, do I/O in draw() (history files are read and
 * written from request() only, and only when the clock is not frozen).
 * This file: the editor, prompts, history and keys; running is in
 * explore_run.c, results are drawn in explore_results.c, completion and
 * the label browser live in explore_labels.c (shared state:
 * views/explore.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "logql/lq.h"
#include "tui/app.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "views/editor.h"
#include "views/graph.h"
#include "views/history.h"
#include "views/logline.h"
#include "views/view.h"

#include "views/explore.h"

/* ---- parse state ---- */

void
explore__reparse(struct view *v)
{
	struct explore *e = E(v);
	memset(&e->err, 0, sizeof(e->err));
	e->parsed_ok = false;
	const char *s = e->ed.buf;
	size_t n = e->ed.len;
	bool blank = true;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t')
			blank = false;
	if (blank)
		return;
	struct arena a;
	arena_init(&a, 0);
	struct lq_expr *x = lq_parse(&a, s, n, &e->err);
	if (x) {
		e->parsed_ok = true;
		e->is_log = lq_is_log_query(x);
	}
	arena_free(&a);
}

void
explore__comp_close(struct explore *e)
{
	for (int i = 0; i < e->ncomp; i++)
		free(e->comp[i]);
	e->ncomp = 0;
	e->comp_sel = 0;
}

/* ---- open / close ---- */

static void
load_history(struct view *v)
{
	struct explore *e = E(v);
	if (e->hist_loaded)
		return;
	e->hist_loaded = true;
	char hp[512] = "", sp[512] = "";
	/* A frozen clock means a snapshot or test: no files. */
	if (!v->app->fixed_now) {
		history_path("history", hp, sizeof(hp));
		history_path("saved", sp, sizeof(sp));
	}
	history_release(&e->hist);
	history_release(&e->saved);
	history_load(&e->hist, hp, false);
	history_load(&e->saved, sp, true);
	e->hpos = (long)e->hist.n;
}

static int
explore_open(struct view *v, const struct view_args *args)
{
	struct explore *e = E(v);
	e->range_ns = 15 * 60 * NS;
	e->limit = DEFAULT_LIMIT;
	e->pick = -1;
	e->editing = true;
	history_load(&e->hist, NULL, false);
	history_load(&e->saved, NULL, true);
	load_history(v);
	if (v->app->loki)
		e->lc = label_cache_new(v->app->loki, 0, explore__labels_changed, v);
	if (args->query && *args->query) {
		editor_set(&e->ed, args->query);
		explore__reparse(v);
		/* Loki answers whatever the store holds yet. */
		if (v->app->loki || store_count(v->app->store))
			explore__run(v);
		else
			e->pending = true;
	}
	return 0;
}

static void
explore_close(struct view *v)
{
	struct explore *e = E(v);
	explore__run_free(v);
	for (size_t i = label_cache_inflight(e->lc); i > 0; i--)
		app_fetch_end(v->app);
	label_cache_free(e->lc);
	explore__comp_close(e);
	explore__browser_free(e);
	history_release(&e->hist);
	history_release(&e->saved);
	tui_prompt_free_history(&e->pr);
}

/* ---- drawing: the editor ---- */

static uint16_t
tok_style(enum lq_tok_class c)
{
	switch (c) {
	case LQ_TC_KEYWORD: return THEME_HELP_KEY;
	case LQ_TC_LABEL: return THEME_LABEL_KEY;
	case LQ_TC_STRING: return THEME_LABEL_VALUE;
	case LQ_TC_OPERATOR: return THEME_WARN;
	case LQ_TC_NUMBER: case LQ_TC_DURATION: return THEME_OK;
	case LQ_TC_FUNCTION: return THEME_AGENT;
	case LQ_TC_PARSER: case LQ_TC_STAGE: return THEME_COMPONENT;
	case LQ_TC_PUNCT: case LQ_TC_COMMENT: return THEME_MUTED;
	case LQ_TC_ERROR: return THEME_ERROR;
	}
	return THEME_NORMAL;
}

static void
fmt_range(struct view *v, char *buf, size_t size)
{
	struct explore *e = E(v);
	if (e->range_ns > 0) {
		char d[32];
		lq_fmt_prom_duration(e->range_ns / 1000000, d, sizeof(d));
		snprintf(buf, size, "last %s", d);
	} else {
		char f[40], t[40];
		app_fmt_time(v->app, e->from_ns, true, f, sizeof(f));
		app_fmt_time(v->app, e->to_ns, true, t, sizeof(t));
		snprintf(buf, size, "%.19s to %.19s", f, t);
	}
}

/*
 * Draws the editor from row y; returns the next free row.  Lines scroll
 * to keep the cursor visible; a caret row with the parse error goes under
 * the line the error points at.
 */
static int
draw_editor(struct view *v, struct tui_canvas *c, int y, int maxrows, int *cur_y, int *cur_x)
{
	struct explore *e = E(v);
	const struct editor *ed = &e->ed;
	int nlines = editor_lines(ed);
	int col, cline = editor_line_of(ed, ed->cur, &col);
	bool show_err = !e->parsed_ok && e->err.msg[0];
	int eline = -1;
	if (show_err)
		eline = editor_line_of(ed, e->err.offset, NULL);
	int room = maxrows - (show_err ? 1 : 0);
	if (room < 1)
		room = 1;
	if (cline < e->ed_top)
		e->ed_top = cline;
	if (cline >= e->ed_top + room)
		e->ed_top = cline - room + 1;
	if (e->ed_top > nlines - 1)
		e->ed_top = nlines - 1 > 0 ? nlines - 1 : 0;
	size_t ntok;
	struct lq_token *tok = lq_tokens(ed->buf, ed->len, &ntok);
	size_t ti = 0;
	int shown = 0;
	*cur_y = *cur_x = -1;
	/* Horizontal scroll keeps the cursor in view (lines are not wrapped). */
	int tw = c->w - 2;
	size_t cstart = editor_line_start(ed, cline);
	int ccol = tui_text_width(ed->buf + cstart, ed->cur - cstart);
	if (!e->editing)
		e->ed_hscroll = 0;
	else if (tw > 4 && ccol - e->ed_hscroll >= tw)
		e->ed_hscroll = ccol - tw + 1 + tw / 4;
	else if (ccol < e->ed_hscroll)
		e->ed_hscroll = ccol - tw / 4 > 0 ? ccol - tw / 4 : 0;
	int hs = e->ed_hscroll;
	for (int l = e->ed_top; l < nlines && shown < room; l++, shown++) {
		size_t start = editor_line_start(ed, l), end = editor_line_end(ed, start);
		tui_move(c, y, 0);
		char gut[3] = { l == 0 && e->editing ? '>' : ' ', hs > 0 ? '<' : ' ', '\0' };
		tui_put_text(c, e->editing ? THEME_HELP_KEY : THEME_MUTED, gut);
		struct tui_canvas tc = tui_canvas_sub(c, y, 2, 1, tw);
		tc.skip = hs;
		/* Text, token by token; blanks between tokens plain. */
		size_t i = start;
		while (i < end) {
			while (ti < ntok && tok[ti].off + tok[ti].len <= i)
				ti++;
			size_t stop = end;
			uint16_t st = THEME_NORMAL;
			if (ti < ntok && tok[ti].off <= i) {
				st = tok_style(tok[ti].cls);
				stop = tok[ti].off + tok[ti].len < end ? tok[ti].off + tok[ti].len : end;
			} else if (ti < ntok && tok[ti].off < end) {
				stop = tok[ti].off;
			}
			tui_put_textn(&tc, st, ed->buf + i, stop - i);
			i = stop;
		}
		if (e->editing && l == cline) {
			*cur_y = y;
			*cur_x = 2 + ccol - hs;
		}
		y++;
		if (show_err && l == eline) {
			int ecol = tui_text_width(ed->buf + start, e->err.offset - start) - hs;
			if (ecol < 0)
				ecol = 0;
			int len = (int)(e->err.len ? e->err.len : 1);
			if (e->err.offset + (size_t)len > end)
				len = (int)(end > e->err.offset ? end - e->err.offset : 1);
			if (len > 60)
				len = 60;
			int mw = tui_text_width(e->err.msg, strlen(e->err.msg));
			if (ecol >= tw) {
				/* The spot is scrolled off: say where it is. */
				tui_move(c, y, 2);
				tui_printf(c, THEME_ERROR, "col %d: %s", e->err.col, e->err.msg);
			} else if (ecol + len + 1 + mw > tw && ecol - mw - 1 >= 0) {
				/* No room on the right: the message ends at the caret. */
				tui_move(c, y, 2 + ecol - mw - 1);
				tui_put_text(c, THEME_ERROR, e->err.msg);
				tui_put_cp(c, THEME_ERROR, ' ');
				for (int k = 0; k < len; k++)
					tui_put_cp(c, THEME_ERROR, '^');
			} else {
				tui_move(c, y, 2 + ecol);
				for (int k = 0; k < len; k++)
					tui_put_cp(c, THEME_ERROR, '^');
				tui_put_cp(c, THEME_ERROR, ' ');
				tui_put_text(c, THEME_ERROR, e->err.msg);
			}
			y++;
		}
	}
	if (show_err && (eline < e->ed_top || eline >= e->ed_top + shown)) {
		tui_move(c, y++, 2);
		tui_printf(c, THEME_ERROR, "line %d, col %d: %s", e->err.line, e->err.col, e->err.msg);
	}
	free(tok);
	e->ed_rows = shown;
	return y;
}

static void
draw_completion(struct view *v, struct tui_canvas *c, int cy, int cx)
{
	struct explore *e = E(v);
	if (!e->ncomp || cy < 0)
		return;
	int w = 8;
	for (int i = 0; i < e->ncomp; i++) {
		int l = (int)strlen(e->comp[i]) + 2;
		if (l > w)
			w = l;
	}
	if (w > 48)
		w = 48;
	int h = e->ncomp < 8 ? e->ncomp : 8;
	/* Below the cursor when 3 items fit there, else above; never clipped
	 * (tui_put_field must not get a row outside its canvas). */
	int below = c->h - cy - 1, above = cy;
	int y;
	if (below - 2 >= (h < 3 ? h : 3) || below >= above) {
		y = cy + 1;
		if (h > below - 2)
			h = below - 2;
	} else {
		if (h > above - 2)
			h = above - 2;
		y = cy - h - 2;
	}
	if (h < 1)
		return;
	int x = cx - (int)e->comp_len;
	if (x + w + 2 > c->w)
		x = c->w - w - 2;
	if (x < 0)
		x = 0;
	struct tui_canvas box = tui_canvas_sub(c, y, x, h + 2, w + 2);
	tui_clear(&box, THEME_MODAL);
	char title[32];
	snprintf(title, sizeof(title), "%d/%d", e->comp_sel + 1, e->ncomp);
	tui_box(&box, THEME_BORDER, title);
	int first = e->comp_sel >= h ? e->comp_sel - h + 1 : 0;
	for (int i = 0; i < h && first + i < e->ncomp; i++) {
		struct tui_canvas row = tui_canvas_sub(&box, 1 + i, 1, 1, w);
		bool s = first + i == e->comp_sel;
		tui_put_cp(&row, s ? THEME_SELECTION : THEME_MODAL, ' ');
		tui_put_field(&row, s ? THEME_SELECTION : THEME_MODAL, e->comp[first + i],
			      strlen(e->comp[first + i]), w - 1, TUI_LEFT);
	}
}

/* ---- drawing: the whole view ---- */

static void
explore_draw(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	/* A query given at open time runs once lines are in (cache fill). */
	if (e->pending && store_count(a->store) && a->hist_waiting == 0)
		explore__run(v);
	/* Header: what runs over which range. */
	char range[96], st[64], head[220];
	fmt_range(v, range, sizeof(range));
	if (e->step_ns > 0) {
		char d[32];
		lq_fmt_prom_duration(e->step_ns / 1000000, d, sizeof(d));
		snprintf(st, sizeof(st), "step %s", d);
	} else {
		snprintf(st, sizeof(st), "step auto");
	}
	if (e->instant)
		snprintf(st, sizeof(st), "instant");
	snprintf(head, sizeof(head), "%s | %s | limit %u ", range, st, e->limit);
	tui_move(c, 0, 0);
	tui_put_text(c, THEME_HEADER, e->editing ? " LogQL (editing)" : " LogQL");
	tui_fill(c, THEME_HEADER, ' ');
	int hw = (int)strlen(head);
	if (hw < c->w - 18) {
		tui_move(c, 0, c->w - hw);
		tui_put_text(c, THEME_HEADER, head);
	}
	/* The editor takes a third of the view, up to half for long queries. */
	int maxed = c->h / 3 > 1 ? c->h / 3 : 1;
	int want = editor_lines(&e->ed) + (!e->parsed_ok && e->err.msg[0] ? 1 : 0);
	if (want > maxed)
		maxed = want < c->h / 2 ? want : c->h / 2 > 1 ? c->h / 2 : 1;
	int cy, cx;
	int y = draw_editor(v, c, 1, maxed, &cy, &cx);
	/* Hint line. */
	tui_move(c, y, 0);
	if (e->editing)
		tui_put_text(c, THEME_MUTED, "  Enter run  Esc results  Tab complete  C-o newline  C-f format  F2 doctor  C-r history  F1 keys");
	else
		tui_put_text(c, THEME_MUTED, "  i edit  t range  S step  I instant  L limit  v graph/table  b labels  d doctor  ? keys");
	y++;
	/* Separator carrying the result summary. */
	char sum[300];
	explore__summary(v, sum, sizeof(sum));
	tui_move(c, y, 0);
	tui_put_cp(c, THEME_BORDER, tui_ascii ? '-' : 0x2500);
	tui_put_text(c, e->run_failed ? THEME_ERROR : e->r_cut || e->r_partial ? THEME_WARN : THEME_TITLE, sum);
	tui_fill(c, THEME_BORDER, tui_ascii ? '-' : 0x2500);
	y++;
	int prompt_rows = e->pk != PR_NONE ? 1 : 0;
	struct tui_canvas rc = tui_canvas_sub(c, y, 0, c->h - y - prompt_rows, c->w);
	if (e->browsing)
		explore__draw_browser(v, &rc);
	else if (e->job && !e->paging)
		explore__draw_progress(v, &rc);
	else if (e->res && e->r_log)
		explore__draw_logs(v, &rc);
	else if (e->res)
		explore__draw_metric(v, &rc);
	else if (e->run_failed && rc.h > 0) {
		tui_move(&rc, 1, 2);
		tui_put_text(&rc, THEME_ERROR, e->run_err);
	}
	if (e->pk != PR_NONE) {
		struct tui_canvas pc = tui_canvas_sub(c, c->h - 1, 0, 1, c->w);
		tui_clear(&pc, THEME_INPUT);
		tui_prompt_draw(&e->pr, &pc);
	}
	/* The cursor and the completion popup go on top. */
	if (e->editing && cy >= 0 && e->pk == PR_NONE) {
		const char *p = e->ed.buf + e->ed.cur;
		uint32_t cp = ' ';
		if (*p && *p != '\n')
			utf8_decode(p, e->ed.len - e->ed.cur, &cp);
		if (cp < 0x20)
			cp = ' ';
		tui_move(c, cy, cx);
		tui_put_cp(c, THEME_MARK, cp);
		draw_completion(v, c, cy, cx);
	}
}

/* ---- prompts ---- */

static int
parse_dur(const char *s, int64_t *ns)
{
	char *end;
	double x = strtod(s, &end);
	if (end == s || x <= 0)
		return -1;
	double mul;
	if (!strcmp(end, "ms")) mul = 1e6;
	else if (!strcmp(end, "s") || !*end) mul = 1e9;
	else if (!strcmp(end, "m")) mul = 60e9;
	else if (!strcmp(end, "h")) mul = 3600e9;
	else if (!strcmp(end, "d")) mul = 86400e9;
	else if (!strcmp(end, "w")) mul = 7 * 86400e9;
	else return -1;
	*ns = (int64_t)(x * mul);
	return 0;
}

/*
 * Sets the time range from prompt text: "1h" (the last hour), or
 * "FROM,TO" / "FROM TO" in RFC 3339, or "FROM" alone (to now).
 */
static int
set_range(struct view *v, const char *text)
{
	struct explore *e = E(v);
	while (*text == ' ')
		text++;
	int64_t d;
	if (parse_dur(text, &d) == 0) {
		e->range_ns = d;
		return 0;
	}
	char a[80] = "", b[80] = "";
	const char *sep = strpbrk(text, ", ");
	if (sep) {
		snprintf(a, sizeof(a), "%.*s", (int)(sep - text), text);
		while (*sep == ',' || *sep == ' ')
			sep++;
		snprintf(b, sizeof(b), "%s", sep);
	} else {
		snprintf(a, sizeof(a), "%.79s", text);
	}
	int64_t f, t = app_now(v->app);
	if (scan_time(a, strlen(a), &f) || (b[0] && scan_time(b, strlen(b), &t)) || t <= f) {
		app_message(v->app, 2, "time range: '%s'? use 5m, 1h, 24h, 7d or FROM,TO in RFC 3339", text);
		return -1;
	}
	e->range_ns = 0;
	e->from_ns = f;
	e->to_ns = t;
	return 0;
}

static void
prompt_open(struct view *v, enum prompt_kind k, const char *label, const char *init)
{
	struct explore *e = E(v);
	e->pk = k;
	e->hfound = -1;
	tui_prompt_begin(&e->pr, label, init);
}

static void
prompt_done(struct view *v)
{
	struct explore *e = E(v);
	enum prompt_kind k = e->pk;
	e->pk = PR_NONE;
	const char *t = e->pr.buf;
	int64_t d;
	switch (k) {
	case PR_RANGE:
		if (set_range(v, t) == 0 && e->parsed_ok)
			explore__run(v);
		break;
	case PR_STEP:
		if (!*t || !strcmp(t, "auto")) {
			e->step_ns = 0;
		} else if (parse_dur(t, &d) == 0 && d >= NS / 1000) {
			e->step_ns = d;
		} else {
			app_message(v->app, 2, "step: '%s'? use auto or a duration like 30s", t);
			return;
		}
		if (e->parsed_ok && !e->is_log)
			explore__run(v);
		break;
	case PR_HISTORY:
		/* The editor already shows the match. */
		e->editing = true;
		break;
	case PR_SAVE:
		if (*t) {
			history_save_named(&e->saved, t, e->ed.buf);
			app_message(v->app, 0, "saved as '%s'%s", t, e->saved.path[0] ? "" : " (this session only)");
		}
		break;
	case PR_NONE:
		break;
	}
}

/*
 * History search shows the match in the editor as you type (bash's
 * reverse-i-search); Esc puts back what was there.
 */
static void
history_preview(struct view *v)
{
	struct explore *e = E(v);
	editor_set(&e->ed, e->hfound >= 0 ? e->hist.q[e->hfound] : e->hs_before);
	snprintf(e->pr.label, sizeof(e->pr.label), "%s", e->hfound >= 0 ? "history search: " : "history (no match): ");
	explore__reparse(v);
}

static void
history_search_open(struct view *v)
{
	struct explore *e = E(v);
	snprintf(e->hs_before, sizeof(e->hs_before), "%s", e->ed.buf);
	prompt_open(v, PR_HISTORY, "history search: ", "");
	e->hfound = history_find(&e->hist, "", e->hist.n);
	history_preview(v);
}

static int
prompt_key(struct view *v, int key)
{
	struct explore *e = E(v);
	if (e->pk == PR_HISTORY && key == TUI_CTRL('r')) {
		/* Again: the next older match. */
		long f = history_find(&e->hist, e->pr.buf, e->hfound >= 0 ? (size_t)e->hfound : e->hist.n);
		if (f >= 0)
			e->hfound = f;
		history_preview(v);
		return RES_HANDLED | RES_REDRAW;
	}
	enum tui_prompt_result r = tui_prompt_key(&e->pr, key);
	if (r == PROMPT_CANCEL) {
		if (e->pk == PR_HISTORY) {
			editor_set(&e->ed, e->hs_before);
			explore__reparse(v);
		}
		e->pk = PR_NONE;
	} else if (r == PROMPT_DONE) {
		prompt_done(v);
	} else if (r == PROMPT_CHANGED && e->pk == PR_HISTORY) {
		e->hfound = history_find(&e->hist, e->pr.buf, e->hist.n);
		history_preview(v);
	}
	return RES_HANDLED | RES_REDRAW;
}

/* ---- doctor, format, saved queries ---- */

/*
 * Word-wraps `s` to `width` columns into out, keeping its line breaks and
 * the indentation of each line on its continuation lines.
 */
static void
wrap_text(const char *s, int width, struct sbuf *out)
{
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		size_t indent = 0;
		while (indent < n && s[indent] == ' ')
			indent++;
		size_t i = 0;
		bool first = true;
		while (i < n || first) {
			size_t room = (size_t)width - (first ? 0 : indent);
			size_t take = n - i;
			if (take > room) {
				size_t k = room;
				while (k > 0 && s[i + k] != ' ')
					k--;
				take = k > 0 ? k : room;
			}
			if (!first)
				for (size_t k = 0; k < indent; k++)
					sbuf_addc(out, ' ');
			sbuf_add(out, s + i, take);
			i += take;
			while (i < n && s[i] == ' ')
				i++;
			first = false;
			if (i < n)
				sbuf_addc(out, '\n');
		}
		if (!nl)
			break;
		sbuf_addc(out, '\n');
		s = nl + 1;
	}
}

static void
doctor(struct view *v)
{
	struct explore *e = E(v);
	if (!e->ed.len) {
		app_message(v->app, 0, "the doctor needs a query");
		return;
	}
	struct lq_diag d;
	lq_diagnose(e->ed.buf, e->ed.len, &d);
	struct sbuf t = SBUF_INIT;
	sbuf_adds(&t, d.text.len ? sbuf_str(&d.text) : (d.valid ? "The query is valid; no advice.\n" : ""));
	if (d.fix.len)
		sbuf_addf(&t, "\nProposed fix:\n  %s\n", sbuf_str(&d.fix));
	while (t.len && t.buf[t.len - 1] == '\n')
		t.buf[--t.len] = '\0';
	struct sbuf w = SBUF_INIT;
	wrap_text(sbuf_str(&t), v->cols > 30 ? v->cols - 6 : 60, &w);
	app_modal(v->app, d.valid ? "Query doctor: valid" : "Query doctor: invalid", sbuf_str(&w));
	sbuf_release(&w);
	sbuf_release(&t);
	lq_diag_release(&d);
}

static void
pretty(struct view *v)
{
	struct explore *e = E(v);
	struct arena a;
	arena_init(&a, 0);
	struct lq_error err;
	struct lq_expr *x = lq_parse(&a, e->ed.buf, e->ed.len, &err);
	if (x) {
		struct sbuf out = SBUF_INIT;
		lq_format_pretty(x, v->cols > 64 ? 60 : v->cols > 20 ? v->cols - 4 : 60, &out);
		editor_set(&e->ed, sbuf_str(&out));
		sbuf_release(&out);
		explore__reparse(v);
	} else {
		app_message(v->app, 1, "cannot format: %s", err.msg);
	}
	arena_free(&a);
}

static int
saved_menu_cb(struct view *v, int key)
{
	struct explore *e = E(v);
	int i = key >= '1' && key <= '9' ? key - '1' : key >= 'a' && key <= 'z' ? key - 'a' + 9 : -1;
	if (i < 0 || (size_t)i >= e->saved.n)
		return 0;
	editor_set(&e->ed, e->saved.q[i]);
	explore__reparse(v);
	explore__run(v);
	return 1;
}

static void
open_saved(struct view *v)
{
	struct explore *e = E(v);
	if (!e->saved.n) {
		app_message(v->app, 0, "no saved queries yet (w saves one)");
		return;
	}
	static char text[256];
	size_t len = (size_t)snprintf(text, sizeof(text), " open:");
	for (size_t i = 0; i < e->saved.n && i < 35 && len < sizeof(text); i++) {
		char k = i < 9 ? (char)('1' + i) : (char)('a' + i - 9);
		len += (size_t)snprintf(text + len, sizeof(text) - len, " [%c] %s", k, e->saved.name[i]);
	}
	app_menu(v->app, text, saved_menu_cb);
}

/* ---- keys ---- */

static void
history_step(struct view *v, int dir)
{
	struct explore *e = E(v);
	if (!e->hist.n)
		return;
	if (e->hpos < 0 || e->hpos > (long)e->hist.n)
		e->hpos = (long)e->hist.n;
	long np = e->hpos + dir;
	if (np < 0 || np > (long)e->hist.n)
		return;
	if (e->hpos == (long)e->hist.n)
		snprintf(e->hsaved, sizeof(e->hsaved), "%s", e->ed.buf);
	e->hpos = np;
	editor_set(&e->ed, np == (long)e->hist.n ? e->hsaved : e->hist.q[np]);
	if (dir > 0) {
		/* Coming down: the cursor on the first line, so Down goes on. */
		e->ed.cur = editor_line_end(&e->ed, 0);
	}
	explore__reparse(v);
}

static const char editor_help[] =
	"Enter                run the query (results get the focus)\n"
	"C-o C-j Alt-Enter    new line\n"
	"Tab                  complete: labels, values, functions, parsers, fields;\n"
	"                     Tab/Up/Down pick, Enter inserts, Esc closes\n"
	"C-f                  pretty-format the query\n"
	"F2                   query doctor: the problem, a fix, cost advice\n"
	"Up Down              on the first / last line: older / newer queries\n"
	"C-r                  search the history (C-r again: an older match)\n"
	"Left Right Home End  move; C-a C-e line start / end\n"
	"BS Del               delete back / forward\n"
	"C-u C-k C-w          delete to line start / to line end / a word\n"
	"Esc                  leave the editor: view keys work again (i returns)\n"
	"PgUp PgDn            scroll the results";

static int
editor_keys(struct view *v, int key)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	/* The completion popup takes its keys first. */
	if (e->ncomp) {
		switch (key) {
		case TUI_KEY_TAB: case TUI_KEY_DOWN: case TUI_CTRL('n'):
			e->comp_sel = (e->comp_sel + 1) % e->ncomp;
			return RES_HANDLED | RES_REDRAW;
		case TUI_KEY_BTAB: case TUI_KEY_UP: case TUI_CTRL('p'):
			e->comp_sel = (e->comp_sel + e->ncomp - 1) % e->ncomp;
			return RES_HANDLED | RES_REDRAW;
		case TUI_KEY_ENTER:
			explore__comp_accept(v, e->comp_sel);
			return RES_HANDLED | RES_REDRAW;
		case TUI_KEY_ESC:
			explore__comp_close(e);
			return RES_HANDLED | RES_REDRAW;
		default:
			explore__comp_close(e);
			break;
		}
	}
	/* Alt-Enter arrives as Esc then Enter at once: a newline. */
	if (key == TUI_KEY_ENTER && !e->editing)
		return RES_UNHANDLED;
	switch (key) {
	case TUI_KEY_ENTER:
		explore__run(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_CTRL('j'): case TUI_CTRL('o'):
		editor_insert(&e->ed, "\n", 1);
		explore__reparse(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_KEY_TAB:
		explore__complete(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_KEY_ESC:
		e->editing = false;
		e->esc_ns = a->term ? app_now(a) : 0;
		return RES_HANDLED | RES_REDRAW;
	case TUI_CTRL('f'):
		pretty(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_KEY_F2:
		doctor(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_CTRL('r'):
		history_search_open(v);
		return RES_HANDLED | RES_REDRAW;
	case TUI_KEY_F1:
		app_modal(a, "Query editor keys (Esc: results, then ? for all keys)", editor_help);
		return RES_HANDLED | RES_REDRAW;
	case TUI_CTRL('l'): case TUI_KEY_PGUP: case TUI_KEY_PGDN:
		return RES_UNHANDLED;
	}
	enum editor_result r = editor_key(&e->ed, key);
	switch (r) {
	case ED_CHANGED:
		e->hpos = (long)e->hist.n;
		explore__reparse(v);
		break;
	case ED_TOP:
		history_step(v, -1);
		break;
	case ED_BOTTOM:
		history_step(v, 1);
		break;
	case ED_MOVED:
	case ED_UNHANDLED:
		break;
	}
	return RES_HANDLED | RES_REDRAW;
}

static size_t
result_rows(struct explore *e)
{
	if (!e->res)
		return 0;
	return e->r_log ? e->nrows : e->res->nseries;
}

static int
explore_request(struct view *v, enum request req, int key)
{
	struct explore *e = E(v);
	struct app *a = v->app;
	if (e->pk != PR_NONE)
		return prompt_key(v, key);
	if (e->editing)
		return editor_keys(v, key);
	/* Alt-Enter: Esc and Enter within a few ms (never when replaying keys). */
	if (key == TUI_KEY_ENTER && e->esc_ns && a->term && app_now(a) - e->esc_ns < 30000000LL) {
		e->editing = true;
		e->esc_ns = 0;
		editor_insert(&e->ed, "\n", 1);
		explore__reparse(v);
		return RES_HANDLED | RES_REDRAW;
	}
	e->esc_ns = 0;
	/* Esc stops a Loki run in flight, keeping what came. */
	if (req == REQ_BACK && explore__cancel(v))
		return RES_HANDLED | RES_REDRAW;
	if (e->browsing)
		return explore__browser_request(v, req, key);
	size_t n = result_rows(e);
	switch (req) {
	case REQ_EDIT_QUERY:
		e->editing = true;
		break;
	case REQ_SCROLL_DOWN:
		if (e->sel + 1 < n)
			e->sel++;
		break;
	case REQ_SCROLL_UP:
		if (e->sel > 0)
			e->sel--;
		break;
	case REQ_PAGE_DOWN:
		e->sel = e->sel + (size_t)e->page < n ? e->sel + (size_t)e->page : (n ? n - 1 : 0);
		break;
	case REQ_PAGE_UP:
		e->sel = e->sel > (size_t)e->page ? e->sel - (size_t)e->page : 0;
		break;
	case REQ_MOVE_FIRST:
		e->sel = 0;
		break;
	case REQ_MOVE_LAST:
		e->sel = n ? n - 1 : 0;
		break;
	case REQ_SCROLL_LEFT:
		e->hscroll = e->hscroll > 8 ? e->hscroll - 8 : 0;
		break;
	case REQ_SCROLL_RIGHT:
		e->hscroll += 8;
		break;
	case REQ_ENTER:
		if (e->res && e->r_log)
			explore__open_line(v);
		else if (e->res && e->res->type == RES_MATRIX && e->res->nseries) {
			/* On a table row: graph that series alone. */
			e->table = false;
			e->pick = (int)e->sel;
		} else
			e->editing = true;
		break;
	case REQ_RUN_QUERY:
		explore__run(v);
		break;
	case REQ_TIME_RANGE: {
		prompt_open(v, PR_RANGE, "range (5m 1h 24h 7d, or FROM,TO): ", "");
		break;
	}
	case REQ_STEP:
		prompt_open(v, PR_STEP, "step (auto or 10s, 1m...): ", "");
		break;
	case REQ_TOGGLE_GRAPH:
		e->table = !e->table;
		break;
	case REQ_TOGGLE_INSTANT:
		e->instant = !e->instant;
		app_message(a, 0, "metric queries: %s", e->instant ? "instant, at the end of the range" : "over the range");
		if (e->parsed_ok && !e->is_log)
			explore__run(v);
		break;
	case REQ_NEXT_SERIES:
	case REQ_PREV_SERIES:
		if (e->res && e->res->nseries) {
			int ns = (int)e->res->nseries;
			int d = req == REQ_NEXT_SERIES ? 1 : -1;
			/* -1 (all) is part of the cycle. */
			e->pick = (e->pick + 1 + d + ns + 1) % (ns + 1) - 1;
			e->table = false;
		}
		break;
	case REQ_RAISE_LIMIT:
		if (e->limit >= MAX_LIMIT) {
			app_message(a, 1, "the limit is at its maximum, %u", e->limit);
			break;
		}
		e->limit = e->limit * 10 > MAX_LIMIT ? MAX_LIMIT : e->limit * 10;
		app_message(a, 0, "limit %u", e->limit);
		if (e->parsed_ok)
			explore__run(v);
		break;
	case REQ_OLDER_LINES:
		explore__older(v);
		break;
	case REQ_DOCTOR:
		doctor(v);
		break;
	case REQ_FORMAT_QUERY:
		pretty(v);
		break;
	case REQ_HISTORY_SEARCH:
		history_search_open(v);
		break;
	case REQ_SAVE_QUERY:
		if (!e->ed.len)
			app_message(a, 0, "nothing to save");
		else
			prompt_open(v, PR_SAVE, "save query as: ", "");
		break;
	case REQ_OPEN_SAVED:
		open_saved(v);
		break;
	case REQ_LABELS:
		explore__browser_open(v);
		break;
	case REQ_BACK:
		if (e->pat[0]) {
			e->pat[0] = '\0';
			break;
		}
		if (e->pick >= 0) {
			e->pick = -1;
			break;
		}
		return RES_UNHANDLED;
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED | RES_REDRAW;
}

static void
explore_status(struct view *v, char *buf, size_t size)
{
	struct explore *e = E(v);
	const char *mode = e->pk != PR_NONE ? "PROMPT" : e->editing ? "EDIT" : e->browsing ? "LABELS" : "RESULTS";
	size_t len = (size_t)snprintf(buf, size, "%s", mode);
	if (e->ran && len < size)
		len += (size_t)snprintf(buf + len, size - len, " | %s", e->r_log ? "logs" : "metrics");
	if (e->pat[0] && len < size)
		snprintf(buf + len, size - len, " | /%s", e->pat);
}

const struct view_ops explore_view_ops = {
	.name = "explore",
	.flags = VIEW_SEARCHABLE | VIEW_TAB,
	.private_size = sizeof(struct explore),
	.open = explore_open,
	.close = explore_close,
	.draw = explore_draw,
	.request = explore_request,
	.search = explore__search,
	.status = explore_status,
	.min_rows = 8,
	.min_cols = 40,
};

/*
 * tui/widgets.c: sparkline, bar, gauge, column layout, prompt, modal.
 * Pure drawing and edit state; no terminal access, no log knowledge.
 */
#include "tui/widgets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "tui/keys.h"
#include "tui/theme.h"

void
tui_sparkline(struct tui_canvas *c, uint16_t style, const double *v, int n, double max,
	      double spike, uint16_t spike_style)
{
	static const uint32_t blocks[9] = { ' ', 0x2581, 0x2582, 0x2583, 0x2584,
					    0x2585, 0x2586, 0x2587, 0x2588 };
	static const char ramp[9] = " ._-=+*#@";
	if (max <= 0)
		for (int i = 0; i < n; i++)
			if (v[i] > max)
				max = v[i];
	for (int i = 0; i < n; i++) {
		int lvl = 0;
		if (max > 0 && v[i] > 0) {
			lvl = (int)ceil(v[i] / max * 8.0);
			if (lvl < 1)
				lvl = 1;
			if (lvl > 8)
				lvl = 8;
		}
		uint16_t st = (spike > 0 && v[i] >= spike) ? spike_style : style;
		if (tui_put_cp(c, st, tui_ascii ? (uint32_t)ramp[lvl] : blocks[lvl]))
			return;
	}
}

void
tui_hbar(struct tui_canvas *c, uint16_t style, double frac, int width)
{
	static const uint32_t eighths[8] = { ' ', 0x258f, 0x258e, 0x258d, 0x258c, 0x258b, 0x258a, 0x2589 };
	if (!(frac >= 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	int units = (int)lround(frac * width * 8);
	for (int i = 0; i < width; i++) {
		int u = units - i * 8;
		uint32_t cp;
		if (u >= 8)
			cp = tui_ascii ? '#' : 0x2588;
		else if (u <= 0)
			cp = ' ';
		else
			cp = tui_ascii ? (u >= 4 ? '#' : ' ') : eighths[u];
		if (tui_put_cp(c, style, cp))
			return;
	}
}

void
tui_gauge(struct tui_canvas *c, double frac, double warn, double bad, int width, const char *label)
{
	uint16_t st = frac >= bad ? THEME_GAUGE_BAD : frac >= warn ? THEME_GAUGE_WARN : THEME_GAUGE_OK;
	int lw = label ? tui_text_width(label, strlen(label)) : 0;
	int bw = width - lw - (lw ? 1 : 0);
	if (bw < 1) {
		tui_put_field(c, st, label ? label : "", label ? strlen(label) : 0, width, TUI_LEFT);
		return;
	}
	tui_hbar(c, st, frac, bw);
	if (lw) {
		tui_put_cp(c, THEME_NORMAL, ' ');
		tui_put_text(c, st, label);
	}
}

void
tui_columns_layout(const struct tui_column *cols, int n, int width, int *out)
{
	int used = 0, wsum = 0;
	for (int i = 0; i < n; i++) {
		out[i] = 0;
		if (cols[i].hidden)
			continue;
		int need = cols[i].min + (used ? 1 : 0);
		if (used + need > width)
			continue;
		out[i] = cols[i].min;
		used += need;
		wsum += cols[i].weight;
	}
	int spare = width - used;
	if (spare <= 0 || wsum == 0)
		return;
	/* Hand out spare width by weight, respecting max; repeat for leftovers. */
	for (int round = 0; round < 4 && spare > 0 && wsum > 0; round++) {
		int given = 0, nextw = 0, total = spare;
		for (int i = 0; i < n; i++) {
			if (!out[i] || !cols[i].weight)
				continue;
			int add = total * cols[i].weight / wsum;
			if (cols[i].max && out[i] + add > cols[i].max)
				add = cols[i].max - out[i];
			out[i] += add;
			given += add;
			if (!cols[i].max || out[i] < cols[i].max)
				nextw += cols[i].weight;
		}
		spare -= given;
		wsum = nextw;
		if (given == 0) {
			/* Rounding left a few cells: give them to the last flexible column. */
			for (int i = n - 1; i >= 0; i--)
				if (out[i] && cols[i].weight && (!cols[i].max || out[i] < cols[i].max)) {
					out[i] += spare;
					if (cols[i].max && out[i] > cols[i].max)
						out[i] = cols[i].max;
					break;
				}
			break;
		}
	}
}

void
tui_columns_header(struct tui_canvas *c, int y, const struct tui_column *cols, const int *widths, int n)
{
	tui_move(c, y, 0);
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (!widths[i])
			continue;
		if (!first)
			tui_put_cp(c, THEME_HEADER, ' ');
		first = false;
		tui_put_field(c, THEME_HEADER, cols[i].title, strlen(cols[i].title), widths[i], cols[i].align);
	}
	tui_fill(c, THEME_HEADER, ' ');
}

/* ---- prompt ---- */

void
tui_prompt_begin(struct tui_prompt *p, const char *label, const char *init)
{
	snprintf(p->label, sizeof(p->label), "%s", label);
	size_t n = init ? strlen(init) : 0;
	if (n >= sizeof(p->buf))
		n = sizeof(p->buf) - 1;
	memcpy(p->buf, init ? init : "", n);
	p->buf[n] = '\0';
	p->len = p->cur = n;
	p->hpos = p->nhist;
}

void
tui_prompt_add_history(struct tui_prompt *p, const char *line)
{
	if (!*line)
		return;
	if (p->nhist && !strcmp(p->hist[p->nhist - 1], line))
		return;
	if (p->nhist == TUI_PROMPT_HIST) {
		free(p->hist[0]);
		memmove(p->hist, p->hist + 1, (TUI_PROMPT_HIST - 1) * sizeof(char *));
		p->nhist--;
	}
	p->hist[p->nhist++] = xstrdup(line);
}

void
tui_prompt_free_history(struct tui_prompt *p)
{
	for (int i = 0; i < p->nhist; i++)
		free(p->hist[i]);
	p->nhist = 0;
}

static size_t
prev_boundary(const char *s, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
		i--;
	return i;
}

static size_t
next_boundary(const char *s, size_t len, size_t i)
{
	if (i >= len)
		return len;
	i++;
	while (i < len && ((unsigned char)s[i] & 0xc0) == 0x80)
		i++;
	return i;
}

static void
prompt_set(struct tui_prompt *p, const char *s)
{
	size_t n = strlen(s);
	if (n >= sizeof(p->buf))
		n = sizeof(p->buf) - 1;
	memmove(p->buf, s, n);
	p->buf[n] = '\0';
	p->len = p->cur = n;
}

static void
prompt_delete(struct tui_prompt *p, size_t from, size_t to)
{
	memmove(p->buf + from, p->buf + to, p->len - to + 1);
	p->len -= to - from;
	p->cur = from;
}

enum tui_prompt_result
tui_prompt_key(struct tui_prompt *p, int key)
{
	switch (key) {
	case TUI_KEY_ENTER:
		tui_prompt_add_history(p, p->buf);
		return PROMPT_DONE;
	case TUI_KEY_ESC:
	case TUI_CTRL('g'):
		return PROMPT_CANCEL;
	case TUI_KEY_LEFT: case TUI_CTRL('b'):
		p->cur = prev_boundary(p->buf, p->cur);
		return PROMPT_NONE;
	case TUI_KEY_RIGHT: case TUI_CTRL('f'):
		p->cur = next_boundary(p->buf, p->len, p->cur);
		return PROMPT_NONE;
	case TUI_KEY_HOME: case TUI_CTRL('a'):
		p->cur = 0;
		return PROMPT_NONE;
	case TUI_KEY_END: case TUI_CTRL('e'):
		p->cur = p->len;
		return PROMPT_NONE;
	case TUI_KEY_BACKSPACE: case TUI_CTRL('h'):
		if (p->cur == 0)
			return PROMPT_NONE;
		prompt_delete(p, prev_boundary(p->buf, p->cur), p->cur);
		return PROMPT_CHANGED;
	case TUI_KEY_DELETE: case TUI_CTRL('d'):
		if (p->cur >= p->len)
			return PROMPT_NONE;
		prompt_delete(p, p->cur, next_boundary(p->buf, p->len, p->cur));
		return PROMPT_CHANGED;
	case TUI_CTRL('u'):
		prompt_delete(p, 0, p->cur);
		return PROMPT_CHANGED;
	case TUI_CTRL('k'):
		p->buf[p->cur] = '\0';
		p->len = p->cur;
		return PROMPT_CHANGED;
	case TUI_CTRL('w'): {
		size_t i = p->cur;
		while (i > 0 && p->buf[i - 1] == ' ')
			i--;
		while (i > 0 && p->buf[i - 1] != ' ')
			i--;
		prompt_delete(p, i, p->cur);
		return PROMPT_CHANGED;
	}
	case TUI_KEY_UP: case TUI_CTRL('p'):
		if (p->hpos == 0)
			return PROMPT_NONE;
		if (p->hpos == p->nhist)
			snprintf(p->saved, sizeof(p->saved), "%s", p->buf);
		prompt_set(p, p->hist[--p->hpos]);
		return PROMPT_CHANGED;
	case TUI_KEY_DOWN: case TUI_CTRL('n'):
		if (p->hpos >= p->nhist)
			return PROMPT_NONE;
		p->hpos++;
		prompt_set(p, p->hpos == p->nhist ? p->saved : p->hist[p->hpos]);
		return PROMPT_CHANGED;
	}
	if (key >= 0x20 && key < TUI_KEY_BASE && key != 0x7f) {
		char u[4];
		size_t n = utf8_encode((uint32_t)key, u);
		if (p->len + n >= sizeof(p->buf))
			return PROMPT_NONE;
		memmove(p->buf + p->cur + n, p->buf + p->cur, p->len - p->cur + 1);
		memcpy(p->buf + p->cur, u, n);
		p->len += n;
		p->cur += n;
		return PROMPT_CHANGED;
	}
	return PROMPT_NONE;
}

void
tui_prompt_draw(const struct tui_prompt *p, struct tui_canvas *c)
{
	tui_move(c, 0, 0);
	tui_put_text(c, THEME_INPUT, p->label);
	int avail = c->w - c->cx - 1;
	if (avail < 1)
		return;
	/* Scroll so the cursor stays visible. */
	size_t start = 0;
	while (tui_text_width(p->buf + start, p->cur - start) > avail - 1)
		start = next_boundary(p->buf, p->len, start);
	int x0 = c->cx;
	tui_put_textn(c, THEME_INPUT, p->buf + start, p->len - start);
	tui_fill(c, THEME_INPUT, ' ');
	int cx = x0 + tui_text_width(p->buf + start, p->cur - start);
	tui_restyle(c, 0, cx, 1, THEME_SELECTION);
}

void
tui_modal(struct tui_canvas *c, const char *title, const char *text, uint16_t style)
{
	int lines = 1, longest = title ? (int)strlen(title) + 4 : 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		int w = tui_text_width(p, n);
		if (w > longest)
			longest = w;
		if (!e)
			break;
		lines++;
		p = e + 1;
	}
	int w = longest + 4, h = lines + 2;
	if (w > c->w)
		w = c->w;
	if (h > c->h)
		h = c->h;
	struct tui_canvas box = tui_canvas_sub(c, (c->h - h) / 2, (c->w - w) / 2, h, w);
	tui_clear(&box, style);
	tui_box(&box, THEME_BORDER, title);
	int y = 1;
	for (const char *p = text; *p && y < h - 1; y++) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		struct tui_canvas row = tui_canvas_sub(&box, y, 2, 1, w - 4);
		tui_put_textn(&row, style, p, n);
		if (!e)
			break;
		p = e + 1;
	}
}

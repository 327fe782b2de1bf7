/*
 * tui/canvas.c: clipped text drawing into a grid, and text sanitising.
 *
 * Every string drawn goes through put_run(): it decodes UTF-8 and turns
 * anything a terminal would act on into visible escape text.  The grid
 * therefore only ever holds printable code points.
 */
#include "tui/canvas.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui/theme.h"

bool tui_ascii = false;

struct tui_canvas
tui_canvas_of(struct tui_grid *g)
{
	return (struct tui_canvas){ .g = g, .x = 0, .y = 0, .w = g->cols, .h = g->rows };
}

struct tui_canvas
tui_canvas_sub(const struct tui_canvas *c, int y, int x, int h, int w)
{
	struct tui_canvas s = { .g = c->g };
	if (x < 0) { w += x; x = 0; }
	if (y < 0) { h += y; y = 0; }
	if (x > c->w) x = c->w;
	if (y > c->h) y = c->h;
	if (w > c->w - x) w = c->w - x;
	if (h > c->h - y) h = c->h - y;
	s.x = c->x + x;
	s.y = c->y + y;
	s.w = w < 0 ? 0 : w;
	s.h = h < 0 ? 0 : h;
	return s;
}

bool
tui_put_cp(struct tui_canvas *c, uint16_t style, uint32_t cp)
{
	if (c->cy < 0 || c->cy >= c->h)
		return true;
	int w = tui_cp_width(cp);
	if (w == 0)
		return c->cx >= c->w;
	if (c->skip > 0) {
		c->skip -= w;
		return false;
	}
	if (c->cx + w > c->w) {
		/* A wide char that does not fit: pad the last cell. */
		if (c->cx < c->w) {
			struct tui_cell *cell = tui_grid_at(c->g, c->y + c->cy, c->x + c->cx);
			*cell = (struct tui_cell){ .cp = ' ', .width = 1, .style = style };
			c->cx = c->w;
		}
		return true;
	}
	if (c->cx < 0) {
		c->cx += w;
		return false;
	}
	struct tui_cell *cell = tui_grid_at(c->g, c->y + c->cy, c->x + c->cx);
	/* Overwriting half of a wide char: blank its other half. */
	if (cell->width == 0 && c->cx > 0)
		cell[-1] = (struct tui_cell){ .cp = ' ', .width = 1, .style = cell[-1].style };
	if (cell->width == 2 && c->cx + 1 < c->w && w == 1)
		cell[1] = (struct tui_cell){ .cp = ' ', .width = 1, .style = cell[1].style };
	*cell = (struct tui_cell){ .cp = cp, .width = (uint8_t)w, .style = style };
	if (w == 2)
		cell[1] = (struct tui_cell){ .cp = ' ', .width = 0, .style = style };
	c->cx += w;
	return c->cx >= c->w;
}

bool
tui_put_textn(struct tui_canvas *c, uint16_t style, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_decode(s + i, n - i, &cp);
		if (cp == '\t') {
			int col = c->cx + 1;
			bool full = tui_put_cp(c, style, ' ');
			while (!full && col % 8) {
				full = tui_put_cp(c, style, ' ');
				col++;
			}
			if (full)
				return true;
			continue;
		}
		if (utf8_is_unsafe(cp)) {
			char esc[16];
			size_t el = utf8_escape(cp, esc);
			for (size_t k = 0; k < el; k++)
				if (tui_put_cp(c, THEME_CTRL, (unsigned char)esc[k]))
					return true;
			continue;
		}
		if (cp == 0xfffd) {
			if (tui_put_cp(c, THEME_CTRL, cp))
				return true;
			continue;
		}
		if (tui_put_cp(c, style, cp))
			return true;
	}
	return c->cx >= c->w;
}

bool
tui_put_text(struct tui_canvas *c, uint16_t style, const char *s)
{
	return tui_put_textn(c, style, s, strlen(s));
}

bool
tui_printf(struct tui_canvas *c, uint16_t style, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	return tui_put_textn(c, style, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

int
tui_text_width(const char *s, size_t n)
{
	int w = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_decode(s + i, n - i, &cp);
		if (cp == '\t')
			w += 8 - w % 8;
		else if (utf8_is_unsafe(cp)) {
			char esc[16];
			w += (int)utf8_escape(cp, esc);
		} else
			w += tui_cp_width(cp);
	}
	return w;
}

bool
tui_put_field(struct tui_canvas *c, uint16_t style, const char *s, size_t n,
	      int width, enum tui_align align)
{
	if (width <= 0)
		return c->cx >= c->w;
	/* A row outside the canvas draws nothing (and must not loop below). */
	if (c->cy < 0 || c->cy >= c->h)
		return true;
	int tw = tui_text_width(s, n);
	int start = c->cx, end = c->cx + width;
	if (tw > width) {
		/* Cut: draw into a sub-canvas one column narrower, then "…". */
		struct tui_canvas sub = tui_canvas_sub(c, c->cy, c->cx, 1, width - 1);
		tui_put_textn(&sub, style, s, n);
		c->cx = start + width - 1;
		if (sub.cx < width - 1)
			c->cx = start + sub.cx;
		while (c->cx < end - 1)
			tui_put_cp(c, style, ' ');
		return tui_put_cp(c, THEME_MUTED, tui_ascii ? '~' : 0x2026);
	}
	int pad = width - tw;
	int left = align == TUI_RIGHT ? pad : align == TUI_CENTER ? pad / 2 : 0;
	for (int i = 0; i < left; i++)
		tui_put_cp(c, style, ' ');
	tui_put_textn(c, style, s, n);
	while (c->cx < end && c->cx < c->w)
		tui_put_cp(c, style, ' ');
	return c->cx >= c->w;
}

void
tui_fill(struct tui_canvas *c, uint16_t style, uint32_t cp)
{
	if (c->cy < 0 || c->cy >= c->h)
		return;
	while (c->cx < c->w)
		if (tui_put_cp(c, style, cp))
			break;
}

void
tui_clear(struct tui_canvas *c, uint16_t style)
{
	for (int y = 0; y < c->h; y++) {
		tui_move(c, y, 0);
		tui_fill(c, style, ' ');
	}
	tui_move(c, 0, 0);
}

void
tui_restyle(struct tui_canvas *c, int y, int x, int n, uint16_t style)
{
	if (y < 0 || y >= c->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + n && i < c->w; i++)
		tui_grid_at(c->g, c->y + y, c->x + i)->style = style;
}

void
tui_box(struct tui_canvas *c, uint16_t style, const char *title)
{
	if (c->w < 2 || c->h < 2)
		return;
	uint32_t h = tui_ascii ? '-' : 0x2500, v = tui_ascii ? '|' : 0x2502;
	uint32_t tl = tui_ascii ? '+' : 0x256d, tr = tui_ascii ? '+' : 0x256e;
	uint32_t bl = tui_ascii ? '+' : 0x2570, br = tui_ascii ? '+' : 0x256f;
	tui_move(c, 0, 0);
	tui_put_cp(c, style, tl);
	for (int x = 1; x < c->w - 1; x++)
		tui_put_cp(c, style, h);
	tui_put_cp(c, style, tr);
	for (int y = 1; y < c->h - 1; y++) {
		tui_move(c, y, 0);
		tui_put_cp(c, style, v);
		tui_move(c, y, c->w - 1);
		tui_put_cp(c, style, v);
	}
	tui_move(c, c->h - 1, 0);
	tui_put_cp(c, style, bl);
	for (int x = 1; x < c->w - 1; x++)
		tui_put_cp(c, style, h);
	tui_put_cp(c, style, br);
	if (title && *title && c->w > 6) {
		tui_move(c, 0, 2);
		struct tui_canvas t = tui_canvas_sub(c, 0, 2, 1, c->w - 4);
		tui_put_cp(&t, style, ' ');
		tui_put_text(&t, THEME_TITLE, title);
		tui_put_cp(&t, style, ' ');
	}
	tui_move(c, 1, 1);
}

/**
 * tui/canvas.h: a clipped rectangle over a grid with a cursor.
 *
 * This is the only way text reaches a grid, and the place where untrusted
 * log text is made safe: tui_put_textn() decodes UTF-8 (invalid bytes
 * become U+FFFD), and shows every control character as a visible escape in
 * the THEME_CTRL style (ESC as "^[", DEL as "^?", C1 controls and bidi
 * overrides as "<U+202E>"), so a log line can never send a sequence to
 * the terminal.  Tabs expand to the next multiple of 8 columns.
 *
 * Drawing calls return true once the current row is full, so callers can
 * stop early (tig's draw_text convention).
 */
#ifndef LX_TUI_CANVAS_H
#define LX_TUI_CANVAS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/utf8.h"
#include "tui/grid.h"

struct tui_canvas {
	struct tui_grid *g;
	int x, y, w, h;   /* rectangle in grid coordinates (clipped to it) */
	int cx, cy;       /* cursor relative to the rectangle */
	int skip;         /* columns of the next text to skip (horizontal scroll) */
};

enum tui_align { TUI_LEFT, TUI_RIGHT, TUI_CENTER };

/** A canvas covering the whole grid. */
struct tui_canvas tui_canvas_of(struct tui_grid *g);
/** A canvas for a sub-rectangle of `c` (clipped to it). */
struct tui_canvas tui_canvas_sub(const struct tui_canvas *c, int y, int x, int h, int w);

static inline void
tui_move(struct tui_canvas *c, int y, int x)
{
	c->cy = y;
	c->cx = x;
}

/** Puts one code point (must be printable); returns true when row full. */
bool tui_put_cp(struct tui_canvas *c, uint16_t style, uint32_t cp);
/** Puts sanitised text; returns true when the row is full. */
bool tui_put_textn(struct tui_canvas *c, uint16_t style, const char *s, size_t n);
bool tui_put_text(struct tui_canvas *c, uint16_t style, const char *s);
bool tui_printf(struct tui_canvas *c, uint16_t style, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/**
 * Puts `s` in a field of `width` columns: cut with "…" when longer, padded
 * with spaces when shorter, aligned as asked.
 */
bool tui_put_field(struct tui_canvas *c, uint16_t style, const char *s, size_t n,
		   int width, enum tui_align align);
/** Fills from the cursor to the end of the row with `cp`. */
void tui_fill(struct tui_canvas *c, uint16_t style, uint32_t cp);
/** Fills the whole rectangle. */
void tui_clear(struct tui_canvas *c, uint16_t style);
/** Sets the style of `n` cells starting at (y, x) without changing text. */
void tui_restyle(struct tui_canvas *c, int y, int x, int n, uint16_t style);
/** Draws a box border around the rectangle with an optional title. */
void tui_box(struct tui_canvas *c, uint16_t style, const char *title);

/**
 * Display width of `s[0..n)` as tui_put_textn() would draw it (escapes
 * counted).  `tab_col` is the starting column for tab expansion.
 */
int tui_text_width(const char *s, size_t n);


/** Global switch: ASCII-only drawing (no block or box characters). */
extern bool tui_ascii;

#endif

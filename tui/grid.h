/**
 * tui/grid.h: the in-memory screen model every view draws into.
 *
 * A grid is rows x cols cells.  A cell holds one code point that is safe to
 * show (tui/canvas.c guarantees no control characters ever get here), its
 * display width (1, or 2 for wide characters, whose right half is a
 * padding cell of width 0) and a style, which is a theme slot id.
 * Backends (curses, text dump) copy grids out; they never draw directly.
 */
#ifndef LX_TUI_GRID_H
#define LX_TUI_GRID_H

#include <stdbool.h>
#include <stdint.h>

struct tui_cell {
	uint32_t cp;
	uint8_t width;     /* 1 or 2; 0 marks the padding half of a wide cell */
	uint8_t pad_;
	uint16_t style;
};

struct tui_grid {
	int rows, cols;
	struct tui_cell *cells;
};

/** Returns a new blank grid (spaces in style 0); free with tui_grid_free(). */
struct tui_grid *tui_grid_new(int rows, int cols);
void tui_grid_free(struct tui_grid *g);
/** Resizes and blanks the grid. Sizes below 1 are raised to 1. */
void tui_grid_resize(struct tui_grid *g, int rows, int cols);
void tui_grid_clear(struct tui_grid *g, uint16_t style);
static inline struct tui_cell *
tui_grid_at(struct tui_grid *g, int y, int x)
{
	return &g->cells[y * g->cols + x];
}
/** True when row `y` of `a` and `b` (same size) hold the same cells. */
bool tui_grid_row_equal(const struct tui_grid *a, const struct tui_grid *b, int y);

/**
 * Display width of a code point: 2 for East Asian wide and emoji, 0 for
 * combining marks and zero-width characters, else 1.  Own table, so text
 * layout does not depend on the process locale.
 */
int tui_cp_width(uint32_t cp);

#endif

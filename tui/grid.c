/* tui/grid.c: the cell grid and code point widths.  No terminal I/O. */
#include "tui/grid.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

struct tui_grid *
tui_grid_new(int rows, int cols)
{
	struct tui_grid *g = xcalloc(1, sizeof(*g));
	tui_grid_resize(g, rows, cols);
	return g;
}

void
tui_grid_free(struct tui_grid *g)
{
	if (!g)
		return;
	free(g->cells);
	free(g);
}

void
tui_grid_resize(struct tui_grid *g, int rows, int cols)
{
	if (rows < 1)
		rows = 1;
	if (cols < 1)
		cols = 1;
	g->cells = xrealloc(g->cells, (size_t)rows * (size_t)cols * sizeof(struct tui_cell));
	g->rows = rows;
	g->cols = cols;
	tui_grid_clear(g, 0);
}

void
tui_grid_clear(struct tui_grid *g, uint16_t style)
{
	size_t n = (size_t)g->rows * (size_t)g->cols;
	for (size_t i = 0; i < n; i++)
		g->cells[i] = (struct tui_cell){ .cp = ' ', .width = 1, .style = style };
}

bool
tui_grid_row_equal(const struct tui_grid *a, const struct tui_grid *b, int y)
{
	if (a->cols != b->cols || a->rows != b->rows)
		return false;
	return !memcmp(a->cells + (size_t)y * a->cols, b->cells + (size_t)y * b->cols,
		       (size_t)a->cols * sizeof(struct tui_cell));
}

struct range {
	uint32_t lo, hi;
};

static bool
in_table(uint32_t cp, const struct range *t, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (cp < t[mid].lo)
			hi = mid;
		else if (cp > t[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int
tui_cp_width(uint32_t cp)
{
	static const struct range zero[] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
		{ 0x064b, 0x065f }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x2028, 0x202e }, { 0x2060, 0x206f },
		{ 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff },
		{ 0xe0000, 0xe0fff },
	};
	static const struct range wide[] = {
		{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
		{ 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
		{ 0x2648, 0x2653 }, { 0x267f, 0x267f }, { 0x2693, 0x2693 }, { 0x26a1, 0x26a1 },
		{ 0x26aa, 0x26ab }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 }, { 0x26ce, 0x26ce },
		{ 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea }, { 0x26f2, 0x26f3 }, { 0x26f5, 0x26f5 },
		{ 0x26fa, 0x26fa }, { 0x26fd, 0x26fd }, { 0x2705, 0x2705 }, { 0x270a, 0x270b },
		{ 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x274e, 0x274e }, { 0x2753, 0x2755 },
		{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x27b0, 0x27b0 }, { 0x27bf, 0x27bf },
		{ 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 }, { 0x2b55, 0x2b55 }, { 0x2e80, 0x303e },
		{ 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
		{ 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe10, 0xfe19 },
		{ 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x16fe0, 0x16fe4 },
		{ 0x17000, 0x18cff }, { 0x1b000, 0x1b2ff }, { 0x1f004, 0x1f004 }, { 0x1f0cf, 0x1f0cf },
		{ 0x1f18e, 0x1f18e }, { 0x1f191, 0x1f19a }, { 0x1f200, 0x1f251 }, { 0x1f300, 0x1f64f },
		{ 0x1f680, 0x1f6ff }, { 0x1f7e0, 0x1f7eb }, { 0x1f90c, 0x1f9ff }, { 0x1fa70, 0x1faff },
		{ 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};
	if (cp < 0x300)
		return 1;
	if (in_table(cp, zero, sizeof(zero) / sizeof(zero[0])))
		return 0;
	if (in_table(cp, wide, sizeof(wide) / sizeof(wide[0])))
		return 2;
	return 1;
}

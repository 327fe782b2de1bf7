/* tui/grid_dump.c: grid to text.  The headless backend of the screen layer. */
#include "tui/grid_dump.h"

#include "tui/canvas.h"

void
tui_grid_dump(const struct tui_grid *g, bool styles, struct sbuf *out)
{
	for (int y = 0; y < g->rows; y++) {
		const struct tui_cell *row = g->cells + (size_t)y * g->cols;
		size_t start = out->len, keep = out->len;
		for (int x = 0; x < g->cols; x++) {
			if (row[x].width == 0)
				continue;
			char b[4];
			sbuf_add(out, b, utf8_encode(row[x].cp, b));
			if (row[x].cp != ' ')
				keep = out->len;
		}
		(void)start;
		out->len = keep;
		sbuf_addc(out, '\n');
		if (styles) {
			size_t skeep = out->len;
			for (int x = 0; x < g->cols; x++) {
				if (row[x].width == 0)
					continue;
				char c = row[x].style ? (char)('a' + row[x].style % 26) : '.';
				if (row[x].style >= 26)
					c = (char)('A' + (row[x].style - 26) % 26);
				sbuf_addc(out, c);
				if (c != '.')
					skeep = out->len;
			}
			out->len = skeep;
			sbuf_addc(out, '\n');
		}
	}
}

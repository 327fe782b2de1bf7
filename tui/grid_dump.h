/**
 * tui/grid_dump.h: a grid as plain UTF-8 text, for --snapshot and tests.
 *
 * One line per row, trailing blanks trimmed, padding cells skipped.  With
 * `styles` set, each text row is followed by a row of style letters
 * (slot id as 'a'+id, '.' for the normal style) so golden files also
 * catch colour regressions.
 */
#ifndef LX_TUI_GRID_DUMP_H
#define LX_TUI_GRID_DUMP_H

#include <stdbool.h>

#include "core/sbuf.h"
#include "tui/grid.h"

void tui_grid_dump(const struct tui_grid *g, bool styles, struct sbuf *out);

#endif

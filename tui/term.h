/**
 * tui/term.h: the terminal backend (curses).  The only door to the tty.
 *
 * It copies a grid to the screen, writing only rows that changed since the
 * last frame, and reads keys without blocking.  When standard input is not
 * a terminal (a pipe into `iftop-logs -`), it talks to /dev/tty instead.
 *
 * Protocol: term_open() once; term_draw()/term_getkey()/term_resize() from
 * loop callbacks; term_close() restores the terminal (also safe to call
 * from a fatal-signal handler through term_emergency_restore()).
 */
#ifndef LX_TUI_TERM_H
#define LX_TUI_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/grid.h"
#include "tui/theme.h"

struct term;

/** Returns a new terminal or NULL with a message in err. */
struct term *term_open(const struct theme *theme, bool color, char *err, size_t errlen);
void term_close(struct term *t);
/** The fd to poll for key input. */
int term_input_fd(const struct term *t);
/** Current size in rows and columns (after term_resize()). */
void term_size(const struct term *t, int *rows, int *cols);
/** Re-reads the size from the tty (SIGWINCH) and resizes curses. */
void term_resize(struct term *t);
/** Applies a theme (colour pairs are rebuilt). */
void term_set_theme(struct term *t, const struct theme *theme);
/** Shows the grid: writes changed rows, then one doupdate(). */
void term_draw(struct term *t, const struct tui_grid *g);
/** Returns the next key (tui/keys.h) or TUI_KEY_NONE when none waits. */
int term_getkey(struct term *t);
/** Installs handlers that restore the terminal on SIGSEGV/SIGABRT/... */
void term_install_crash_handlers(void);
/** Number of colours the terminal supports (0 when none). */
int term_colors(const struct term *t);

#endif

/*
 * tui/term_curses.c: the only file that includes <curses.h>.
 *
 * Maps theme slots to colour pairs (256 colours, truecolor where the
 * terminal reports direct colour, nearest of 8 otherwise, attributes only
 * without colour), copies changed grid rows to the screen and translates
 * curses keys to tui keys.
 */
#define _XOPEN_SOURCE_EXTENDED 1
#include "tui/term.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "core/xalloc.h"
#include "tui/keys.h"

struct term {
	SCREEN *scr;
	FILE *tty;
	int fd;
	bool color;
	int rows, cols;
	struct tui_grid *prev;
	attr_t attrs[THEME__COUNT];
	short pair[THEME__COUNT];
};

static struct term *active;

static int
rgb_to_256(int rgb)
{
	int r = (rgb >> 16) & 255, g = (rgb >> 8) & 255, b = rgb & 255;
	if (r == g && g == b) {
		if (r < 8)
			return 16;
		if (r > 248)
			return 231;
		return 232 + (r - 8) / 10;
	}
	int ri = (r * 5 + 127) / 255, gi = (g * 5 + 127) / 255, bi = (b * 5 + 127) / 255;
	return 16 + 36 * ri + 6 * gi + bi;
}

/* Nearest of the 8 basic colours for a 256-colour index. */
static int
to_8(int c)
{
	if (c < 16)
		return c & 7;
	int r, g, b;
	if (c >= 232) {
		r = g = b = (c - 232) * 10 + 8;
	} else {
		c -= 16;
		r = (c / 36) * 51;
		g = ((c / 6) % 6) * 51;
		b = (c % 6) * 51;
	}
	return (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0);
}

static int
map_color(int32_t c)
{
	if (c < 0)
		return -1;
	bool rgb = c & THEME_RGB_FLAG;
	int v = c & 0xffffff;
	if (COLORS >= 0x1000000)
		return rgb ? v : v;  /* direct colour: ncurses takes rgb values */
	if (rgb)
		v = rgb_to_256(v);
	if (COLORS >= 256)
		return v;
	if (COLORS >= 16 && v < 16)
		return v;
	return to_8(v);
}

void
term_set_theme(struct term *t, const struct theme *theme)
{
	for (int s = 0; s < THEME__COUNT; s++) {
		const struct theme_style *st = &theme->slot[s];
		attr_t a = 0;
		if (st->attrs & THEME_A_BOLD) a |= WA_BOLD;
		if (st->attrs & THEME_A_DIM) a |= WA_DIM;
		if (st->attrs & THEME_A_UNDERLINE) a |= WA_UNDERLINE;
		if (st->attrs & THEME_A_REVERSE) a |= WA_REVERSE;
		if (st->attrs & THEME_A_ITALIC) a |= WA_ITALIC;
		t->attrs[s] = a;
		t->pair[s] = 0;
		if (t->color && s + 1 < COLOR_PAIRS) {
			init_extended_pair(s + 1, map_color(st->fg), map_color(st->bg));
			t->pair[s] = (short)(s + 1);
		}
	}
	if (t->prev)
		tui_grid_clear(t->prev, 0xffff);  /* force a full redraw */
}

struct term *
term_open(const struct theme *theme, bool color, char *err, size_t errlen)
{
	struct term *t = xcalloc(1, sizeof(*t));
	FILE *in = stdin, *out = stdout;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		t->tty = fopen("/dev/tty", "r+");
		if (!t->tty) {
			snprintf(err, errlen, "no terminal: standard input is not a tty and /dev/tty cannot be opened");
			free(t);
			return NULL;
		}
		in = out = t->tty;
	}
	if (!getenv("ESCDELAY"))
		set_escdelay(25);
	t->scr = newterm(NULL, out, in);
	if (!t->scr) {
		snprintf(err, errlen, "cannot initialise terminal type '%s'", getenv("TERM") ? getenv("TERM") : "(unset)");
		if (t->tty)
			fclose(t->tty);
		free(t);
		return NULL;
	}
	set_term(t->scr);
	t->fd = fileno(in);
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	leaveok(stdscr, TRUE);
	t->color = color && has_colors();
	if (t->color) {
		start_color();
		use_default_colors();
	}
	getmaxyx(stdscr, t->rows, t->cols);
	t->prev = tui_grid_new(t->rows, t->cols);
	term_set_theme(t, theme);
	active = t;
	return t;
}

void
term_close(struct term *t)
{
	if (!t)
		return;
	endwin();
	delscreen(t->scr);
	if (t->tty)
		fclose(t->tty);
	tui_grid_free(t->prev);
	if (active == t)
		active = NULL;
	free(t);
}

int term_input_fd(const struct term *t) { return t->fd; }
int term_colors(const struct term *t) { return t->color ? COLORS : 0; }

void
term_size(const struct term *t, int *rows, int *cols)
{
	*rows = t->rows;
	*cols = t->cols;
}

void
term_resize(struct term *t)
{
	struct winsize ws;
	if (ioctl(t->fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	getmaxyx(stdscr, t->rows, t->cols);
	tui_grid_resize(t->prev, t->rows, t->cols);
	tui_grid_clear(t->prev, 0xffff);
	clearok(curscr, TRUE);
}

void
term_draw(struct term *t, const struct tui_grid *g)
{
	if (t->prev->rows != g->rows || t->prev->cols != g->cols) {
		tui_grid_resize(t->prev, g->rows, g->cols);
		tui_grid_clear(t->prev, 0xffff);
	}
	for (int y = 0; y < g->rows && y < t->rows; y++) {
		if (tui_grid_row_equal(g, t->prev, y))
			continue;
		for (int x = 0; x < g->cols && x < t->cols; x++) {
			const struct tui_cell *c = &g->cells[(size_t)y * g->cols + x];
			if (c->width == 0)
				continue;
			if (c->width == 2 && x + 1 >= t->cols)
				break;
			wchar_t wc[2] = { (wchar_t)c->cp, 0 };
			int s = c->style < THEME__COUNT ? c->style : 0;
			cchar_t cc;
			setcchar(&cc, wc, t->attrs[s], t->pair[s], NULL);
			mvadd_wch(y, x, &cc);
		}
		memcpy(t->prev->cells + (size_t)y * g->cols, g->cells + (size_t)y * g->cols,
		       (size_t)g->cols * sizeof(struct tui_cell));
	}
	wnoutrefresh(stdscr);
	doupdate();
}

int
term_getkey(struct term *t)
{
	wint_t ch;
	int r = wget_wch(stdscr, &ch);
	if (r == ERR)
		return TUI_KEY_NONE;
	if (r == KEY_CODE_YES) {
		switch (ch) {
		case KEY_UP: return TUI_KEY_UP;
		case KEY_DOWN: return TUI_KEY_DOWN;
		case KEY_LEFT: return TUI_KEY_LEFT;
		case KEY_RIGHT: return TUI_KEY_RIGHT;
		case KEY_PPAGE: return TUI_KEY_PGUP;
		case KEY_NPAGE: return TUI_KEY_PGDN;
		case KEY_HOME: return TUI_KEY_HOME;
		case KEY_END: return TUI_KEY_END;
		case KEY_ENTER: return TUI_KEY_ENTER;
		case KEY_BTAB: return TUI_KEY_BTAB;
		case KEY_BACKSPACE: return TUI_KEY_BACKSPACE;
		case KEY_DC: return TUI_KEY_DELETE;
		case KEY_IC: return TUI_KEY_INSERT;
		case KEY_RESIZE:
			/* curses already resized itself (resizeterm queues this key);
			 * calling resizeterm again here would queue another. */
			getmaxyx(stdscr, t->rows, t->cols);
			return TUI_KEY_RESIZE;
		case KEY_F(1): return TUI_KEY_F1;
		case KEY_F(2): return TUI_KEY_F2;
		case KEY_F(3): return TUI_KEY_F3;
		case KEY_F(4): return TUI_KEY_F4;
		case KEY_F(5): return TUI_KEY_F5;
		}
		return TUI_KEY_NONE;
	}
	switch (ch) {
	case '\r': case '\n': return TUI_KEY_ENTER;
	case 27: return TUI_KEY_ESC;
	case '\t': return TUI_KEY_TAB;
	case 127: case 8: return TUI_KEY_BACKSPACE;
	}
	return (int)ch;
}

static void
crash_handler(int sig)
{
	if (active)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
term_install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = crash_handler;
		sa.sa_flags = SA_RESETHAND;
		sigaction(sigs[i], &sa, NULL);
	}
}

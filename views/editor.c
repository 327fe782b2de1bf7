/*
 * views/editor.c: the multi-line text model behind the Explore editor.
 * Pure string work over a fixed buffer; no drawing, no allocation.
 */
#include "views/editor.h"

#include <string.h>

#include "core/utf8.h"
#include "tui/keys.h"

void
editor_set(struct editor *e, const char *s)
{
	size_t n = strlen(s);
	if (n >= EDITOR_MAX)
		n = EDITOR_MAX - 1;
	/* Do not cut inside a UTF-8 sequence. */
	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	e->len = e->cur = n;
	e->goal = -1;
}

bool
editor_insert(struct editor *e, const char *s, size_t n)
{
	if (e->len + n >= EDITOR_MAX)
		return false;
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, s, n);
	e->len += n;
	e->cur += n;
	e->goal = -1;
	return true;
}

void
editor_delete(struct editor *e, size_t from, size_t to)
{
	if (to > e->len)
		to = e->len;
	if (from >= to)
		return;
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	e->cur = from;
	e->goal = -1;
}

static size_t
prev_cp(const struct editor *e, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((unsigned char)e->buf[i] & 0xC0) == 0x80)
		i--;
	return i;
}

static size_t
next_cp(const struct editor *e, size_t i)
{
	if (i >= e->len)
		return e->len;
	uint32_t cp;
	return i + utf8_decode(e->buf + i, e->len - i, &cp);
}

size_t
editor_line_end(const struct editor *e, size_t off)
{
	const char *nl = memchr(e->buf + off, '\n', e->len - off);
	return nl ? (size_t)(nl - e->buf) : e->len;
}

static size_t
line_begin(const struct editor *e, size_t off)
{
	while (off > 0 && e->buf[off - 1] != '\n')
		off--;
	return off;
}

int
editor_lines(const struct editor *e)
{
	int n = 1;
	for (size_t i = 0; i < e->len; i++)
		n += e->buf[i] == '\n';
	return n;
}

int
editor_line_of(const struct editor *e, size_t off, int *col)
{
	int line = 0;
	size_t start = 0;
	if (off > e->len)
		off = e->len;
	for (size_t i = 0; i < off; i++)
		if (e->buf[i] == '\n') {
			line++;
			start = i + 1;
		}
	if (col) {
		int c = 0;
		for (size_t i = start; i < off; i = next_cp(e, i))
			c++;
		*col = c;
	}
	return line;
}

size_t
editor_line_start(const struct editor *e, int line)
{
	size_t i = 0;
	while (line > 0 && i < e->len) {
		const char *nl = memchr(e->buf + i, '\n', e->len - i);
		if (!nl)
			return line_begin(e, e->len);
		i = (size_t)(nl - e->buf) + 1;
		line--;
	}
	return i;
}

/* Offset of column `col` (code points) on the line starting at `start`. */
static size_t
at_col(const struct editor *e, size_t start, int col)
{
	size_t end = editor_line_end(e, start), i = start;
	while (col-- > 0 && i < end)
		i = next_cp(e, i);
	return i;
}

static enum editor_result
vertical(struct editor *e, int dir)
{
	int col, line = editor_line_of(e, e->cur, &col);
	if (dir < 0 && line == 0)
		return ED_TOP;
	if (dir > 0 && line == editor_lines(e) - 1)
		return ED_BOTTOM;
	if (e->goal < 0)
		e->goal = col;
	int goal = e->goal;
	e->cur = at_col(e, editor_line_start(e, line + dir), goal);
	e->goal = goal;
	return ED_MOVED;
}

enum editor_result
editor_key(struct editor *e, int key)
{
	size_t i;
	switch (key) {
	case TUI_KEY_LEFT: case TUI_CTRL('b'):
		e->cur = prev_cp(e, e->cur);
		e->goal = -1;
		return ED_MOVED;
	case TUI_KEY_RIGHT:
		e->cur = next_cp(e, e->cur);
		e->goal = -1;
		return ED_MOVED;
	case TUI_KEY_UP: case TUI_CTRL('p'):
		return vertical(e, -1);
	case TUI_KEY_DOWN: case TUI_CTRL('n'):
		return vertical(e, 1);
	case TUI_KEY_HOME: case TUI_CTRL('a'):
		e->cur = line_begin(e, e->cur);
		e->goal = -1;
		return ED_MOVED;
	case TUI_KEY_END: case TUI_CTRL('e'):
		e->cur = editor_line_end(e, e->cur);
		e->goal = -1;
		return ED_MOVED;
	case TUI_KEY_BACKSPACE: case TUI_CTRL('h'):
		if (e->cur > 0)
			editor_delete(e, prev_cp(e, e->cur), e->cur);
		return ED_CHANGED;
	case TUI_KEY_DELETE: case TUI_CTRL('d'):
		editor_delete(e, e->cur, next_cp(e, e->cur));
		return ED_CHANGED;
	case TUI_CTRL('u'):
		editor_delete(e, line_begin(e, e->cur), e->cur);
		return ED_CHANGED;
	case TUI_CTRL('k'):
		i = editor_line_end(e, e->cur);
		/* At the end of a line, join the next one (as readline does at EOL). */
		editor_delete(e, e->cur, i == e->cur ? next_cp(e, i) : i);
		return ED_CHANGED;
	case TUI_CTRL('w'):
		i = e->cur;
		while (i > 0 && (e->buf[i - 1] == ' ' || e->buf[i - 1] == '\n'))
			i--;
		while (i > 0 && e->buf[i - 1] != ' ' && e->buf[i - 1] != '\n')
			i--;
		editor_delete(e, i, e->cur);
		return ED_CHANGED;
	}
	if (key >= 0x20 && key < TUI_KEY_BASE && key != 0x7f) {
		char u[4];
		size_t n = utf8_encode((uint32_t)key, u);
		editor_insert(e, u, n);
		return ED_CHANGED;
	}
	return ED_UNHANDLED;
}

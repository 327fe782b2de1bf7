/**
 * views/editor.h: a small multi-line text editor model (the Explore
 * query editor).
 *
 * Holds up to EDITOR_MAX-1 bytes of UTF-8 text and a cursor (a byte offset
 * on a code point boundary).  Lines are separated by '\n'.  Columns are
 * counted in code points, which is what Up/Down keep (the "goal column").
 * No drawing and no terminal here: the view maps keys and draws.
 * Everything lives inside the struct; nothing to free.
 */
#ifndef LX_VIEWS_EDITOR_H
#define LX_VIEWS_EDITOR_H

#include <stdbool.h>
#include <stddef.h>

#define EDITOR_MAX 8192

struct editor {
	char buf[EDITOR_MAX];    /* NUL-terminated */
	size_t len, cur;
	int goal;                /* column Up/Down aim for; -1 = the cursor's */
};

enum editor_result {
	ED_UNHANDLED,            /* not an editing key */
	ED_MOVED,                /* the cursor moved */
	ED_CHANGED,              /* the text changed */
	ED_TOP,                  /* Up on the first line (history) */
	ED_BOTTOM,               /* Down on the last line (history) */
};

/** Replaces the text (cut to fit) and puts the cursor at its end. */
void editor_set(struct editor *e, const char *s);
/** Inserts s[0..n) at the cursor; false (nothing inserted) when full. */
bool editor_insert(struct editor *e, const char *s, size_t n);
/** Deletes [from, to) and puts the cursor at `from`. */
void editor_delete(struct editor *e, size_t from, size_t to);
/**
 * Handles an editing key: printable code points, Backspace, Delete,
 * Left/Right, Up/Down, Home/End (line), Ctrl-A/E (line), Ctrl-U (to line
 * start), Ctrl-K (to line end), Ctrl-W (word before).  Enter, Tab and
 * Esc are left to the caller (ED_UNHANDLED).
 */
enum editor_result editor_key(struct editor *e, int key);

/** Number of lines (1 for empty text). */
int editor_lines(const struct editor *e);
/** Line (0-based) and column (code points) of byte offset `off`. */
int editor_line_of(const struct editor *e, size_t off, int *col);
/** Byte offset of the start of line `line` (clamped). */
size_t editor_line_start(const struct editor *e, int line);
/** Byte offset of the end of the line that holds `off` (its '\n' or len). */
size_t editor_line_end(const struct editor *e, size_t off);

#endif

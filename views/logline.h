/**
 * views/logline.h: helpers shared by views that show log lines.
 *
 * Message text for display, search matching that ignores ANSI colour
 * codes, duration formatting, and drawing text with SGR colours mapped to
 * theme palette slots (every other escape stays visible).
 */
#ifndef LX_VIEWS_LOGLINE_H
#define LX_VIEWS_LOGLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/store.h"
#include "tui/canvas.h"

/**
 * Writes the text a log list shows for `r` into buf (NUL-terminated, at
 * most cap-1 bytes): the decoded message of a JSON line, or the raw line
 * when `raw` is set or there is no message.  Returns its length.
 */
size_t logline_message(const struct log_rec *r, bool raw, char *buf, size_t cap);

/** Smart case: true when `pat` has no upper-case letter. */
bool logline_icase(const char *pat);
/**
 * Finds `pat` in s[0..n) from `from`, ignoring ANSI escape sequences in
 * `s`.  Returns the byte offset of the match (in `s`) or -1; *mlen gets
 * the matched span length in `s` (escapes inside included).
 */
long logline_find(const char *s, size_t n, size_t from, const char *pat, bool icase, size_t *mlen);

/** "12.3ms", "1.25s", "2m03s". */
void logline_duration(double ms, char *buf, size_t size);

/**
 * Draws s[0..n) with search matches highlighted and, when `sgr` is set,
 * SGR colour sequences applied as palette colours instead of shown.
 */
void logline_draw(struct tui_canvas *c, uint16_t style, const char *s, size_t n,
		  const char *pat, bool sgr);

#endif

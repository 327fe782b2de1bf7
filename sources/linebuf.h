/**
 * sources/linebuf.h: splits a byte stream into lines, with a line cap.
 *
 * Shared by the file and stdin sources.  Feed it chunks as they are read;
 * it calls back once per complete line ('\n'-terminated).  Lines that lie
 * whole inside a chunk are handed out straight from the caller's chunk (no
 * copy); only the unfinished tail of a chunk is copied into the linebuf,
 * and at most `max` bytes of it: bytes of a line past the cap are counted
 * and skipped, so a 10 MB line costs `max` bytes of memory, never more.
 *
 * Rules for each line handed out:
 *   - the '\n' is removed, and a '\r' right before it too (CRLF);
 *   - `full_len` is the line's real length (after those removals) and
 *     `len` = min(full_len, max), moved back by up to 3 bytes when the cut
 *     would split a UTF-8 sequence; so `full_len > len` means "cut";
 *   - any other byte (NUL, invalid UTF-8, control characters) passes
 *     through untouched; marking them is the display layer's job.
 *
 * Embedded by value: linebuf_init() / linebuf_release().
 */
#ifndef LX_SOURCES_LINEBUF_H
#define LX_SOURCES_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

/** Default line cap: 1 MiB. */
#define LINEBUF_DEFAULT_MAX ((size_t)1 << 20)

/**
 * Called once per line.  `text[0..len)` is borrowed for the call only.
 * Return 0 to go on, nonzero to make linebuf_feed() return at once (the
 * rest of the chunk is then dropped: use it when the consumer stopped).
 */
typedef int (*linebuf_line_fn)(void *ud, const char *text, size_t len,
			       size_t full_len);

struct linebuf {
	char *buf;      /* kept bytes of the unfinished line */
	size_t len;     /* bytes in buf, <= max */
	size_t cap;     /* allocated size of buf */
	size_t full;    /* bytes of the unfinished line seen, skipped included */
	size_t max;     /* line cap */
	bool last_cr;   /* the last byte seen was '\r' */
};

/* Life cycle */

/** Empties `lb` and sets its cap (0 = LINEBUF_DEFAULT_MAX). */
void linebuf_init(struct linebuf *lb, size_t max);
/** Frees the pending bytes; `lb` can be initialised again. */
void linebuf_release(struct linebuf *lb);
/** Drops the unfinished line (if any) and keeps nothing. */
void linebuf_reset(struct linebuf *lb);

/* Feeding */

/**
 * Splits `data[0..n)`: completes the unfinished line, hands out every
 * complete line to `fn`, keeps the unfinished tail.  Returns the number
 * of lines handed out; stops early (and returns what it counted) when
 * `fn` returns nonzero.
 */
size_t linebuf_feed(struct linebuf *lb, const char *data, size_t n,
		    linebuf_line_fn fn, void *ud);
/**
 * Hands out the unfinished line, if any, as if it ended with '\n' (end of
 * stream, file closed).  Returns 1 if a line was handed out, else 0.
 */
size_t linebuf_flush(struct linebuf *lb, linebuf_line_fn fn, void *ud);
/** True when bytes of an unfinished line are pending. */
static inline bool linebuf_pending(const struct linebuf *lb) { return lb->full > 0; }

/**
 * Returns how many bytes of `text` to keep when cutting it at `max`: `max`,
 * or less (by up to 3) so that a UTF-8 sequence is not split.  Only bytes
 * before `max` are looked at.
 */
size_t linebuf_cut_len(const char *text, size_t max);

#endif

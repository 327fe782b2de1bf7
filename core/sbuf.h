/**
 * core/sbuf.h: a growable byte buffer, always NUL-terminated.
 *
 * Embedded by value: sbuf_init() / sbuf_release(); sbuf_reset() empties it
 * and keeps the memory; sbuf_detach() hands the bytes to the caller, who
 * frees them with free().  Allocation failure exits (xalloc).
 */
#ifndef LX_CORE_SBUF_H
#define LX_CORE_SBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/err.h"

struct sbuf {
	char *buf;
	size_t len, cap;
};

#define SBUF_INIT { NULL, 0, 0 }

void sbuf_init(struct sbuf *sb);
void sbuf_release(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
/** Returns the bytes (caller frees) and leaves `sb` empty. */
char *sbuf_detach(struct sbuf *sb, size_t *len);
void sbuf_grow(struct sbuf *sb, size_t extra);
void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addc(struct sbuf *sb, char c);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) LX_PRINTF(2, 3);
void sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap);
/**
 * Appends untrusted text for a terminal: UTF-8 kept, invalid bytes as
 * U+FFFD, control characters and bidi overrides as visible escapes (the
 * same rules as the screen, core/utf8.h).
 */
void sbuf_add_visible(struct sbuf *sb, const char *s, size_t n);
/** Appends `s[0..n)` as a JSON string literal, quotes included. */
void sbuf_add_json_str(struct sbuf *sb, const char *s, size_t n);
/** Returns the NUL-terminated contents ("" when empty); borrowed. */
static inline const char *sbuf_str(const struct sbuf *sb) { return sb->buf ? sb->buf : ""; }

#endif

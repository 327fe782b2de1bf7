/**
 * core/utf8.h: UTF-8 encoding and strict decoding.
 *
 * Decoding never fails: an invalid, overlong, surrogate or truncated
 * sequence yields U+FFFD for one byte, so callers always advance.
 */
#ifndef LX_CORE_UTF8_H
#define LX_CORE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/**
 * Decodes one UTF-8 sequence at s[0..n) (n >= 1); returns its byte length
 * (>= 1) and sets *cp (U+FFFD for an invalid byte, which then counts as 1).
 */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/** Encodes `cp` into out (room for 4 bytes); returns the bytes written. */
size_t utf8_encode(uint32_t cp, char *out);

/**
 * True for code points a terminal may act on: C0 controls, DEL, C1
 * controls, bidi overrides and marks.  Untrusted text shows them escaped.
 */
int utf8_is_unsafe(uint32_t cp);
/**
 * Writes the visible escape of an unsafe code point ("^[", "^?",
 * "<U+202E>") into buf (room for 12 bytes); returns its length.
 */
size_t utf8_escape(uint32_t cp, char *buf);

#endif

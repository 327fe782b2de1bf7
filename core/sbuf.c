/* core/sbuf.c: growable buffer.  No knowledge of what it holds. */
#include "core/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/xalloc.h"

void
sbuf_init(struct sbuf *sb)
{
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

void
sbuf_release(struct sbuf *sb)
{
	free(sb->buf);
	sbuf_init(sb);
}

void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *
sbuf_detach(struct sbuf *sb, size_t *len)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	if (len)
		*len = sb->len;
	sbuf_init(sb);
	return p;
}

void
sbuf_grow(struct sbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t c = sb->cap ? sb->cap : 64;
	while (c < need)
		c *= 2;
	sb->buf = xrealloc(sb->buf, c);
	sb->cap = c;
}

void
sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	sbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void
sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

void
sbuf_addc(struct sbuf *sb, char c)
{
	sbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

void
sbuf_vaddf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	sbuf_grow(sb, (size_t)n);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void
sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
sbuf_add_json_str(struct sbuf *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sbuf_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': sbuf_add(sb, "\\\"", 2); break;
		case '\\': sbuf_add(sb, "\\\\", 2); break;
		case '\n': sbuf_add(sb, "\\n", 2); break;
		case '\r': sbuf_add(sb, "\\r", 2); break;
		case '\t': sbuf_add(sb, "\\t", 2); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				sbuf_add(sb, e, 6);
			} else {
				sbuf_addc(sb, (char)c);
			}
		}
	}
	sbuf_addc(sb, '"');
}

void
sbuf_add_visible(struct sbuf *sb, const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		i += utf8_decode(s + i, n - i, &cp);
		char b[16];
		if (utf8_is_unsafe(cp))
			sbuf_add(sb, b, utf8_escape(cp, b));
		else
			sbuf_add(sb, b, utf8_encode(cp, b));
	}
}

/*
 * sources/linebuf.c: line splitting with a cap, for the file and stdin
 * sources.  Pure bytes in, lines out: no I/O, no loop, no parsing.
 */
#include "sources/linebuf.h"

#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

/* Pending buffers larger than this are freed after their line is handed
 * out, so one huge line does not pin `max` bytes per file for good. */
#define LINEBUF_KEEP_CAP ((size_t)64 << 10)

void
linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max ? max : LINEBUF_DEFAULT_MAX;
}

void
linebuf_release(struct linebuf *lb)
{
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = lb->full = 0;
	lb->last_cr = false;
}

void
linebuf_reset(struct linebuf *lb)
{
	lb->len = lb->full = 0;
	lb->last_cr = false;
	if (lb->cap > LINEBUF_KEEP_CAP) {
		free(lb->buf);
		lb->buf = NULL;
		lb->cap = 0;
	}
}

size_t
linebuf_cut_len(const char *text, size_t max)
{
	const unsigned char *s = (const unsigned char *)text;
	for (size_t back = 1; back <= 4 && back <= max; back++) {
		unsigned char b = s[max - back];
		if ((b & 0xC0) == 0x80)
			continue;               /* continuation byte: look further */
		size_t need = b >= 0xF8 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
		return need > back ? max - back : max;
	}
	return max;                     /* not UTF-8 here: cut anywhere */
}

/* Appends `p[0..n)` to the unfinished line: keeps what fits under the cap,
 * counts the rest.  Example: max 4, pending "ab", add "cdef" -> keeps
 * "abcd", full = 6. */
static void
pending_add(struct linebuf *lb, const char *p, size_t n)
{
	if (n == 0)
		return;
	lb->full += n;
	lb->last_cr = p[n - 1] == '\r';
	size_t room = lb->max - lb->len;
	size_t keep = n < room ? n : room;
	if (keep == 0)
		return;
	if (lb->len + keep > lb->cap) {
		size_t c = lb->cap ? lb->cap : 256;
		while (c < lb->len + keep)
			c *= 2;
		if (c > lb->max)
			c = lb->max;
		lb->buf = xrealloc(lb->buf, c);
		lb->cap = c;
	}
	memcpy(lb->buf + lb->len, p, keep);
	lb->len += keep;
}

/* Hands out a line that lies whole in the caller's chunk. */
static int
emit_direct(const struct linebuf *lb, const char *text, size_t len,
	    linebuf_line_fn fn, void *ud)
{
	if (len > 0 && text[len - 1] == '\r')
		len--;
	size_t full = len;
	if (len > lb->max)
		len = linebuf_cut_len(text, lb->max);
	return fn(ud, text, len, full);
}

/* Hands out the pending line and empties the buffer. */
static int
emit_pending(struct linebuf *lb, linebuf_line_fn fn, void *ud)
{
	size_t full = lb->full - (lb->last_cr ? 1 : 0);
	size_t len = lb->len < full ? lb->len : full;
	if (full > len)
		len = linebuf_cut_len(lb->buf, len);
	int rc = fn(ud, lb->buf ? lb->buf : "", len, full);
	linebuf_reset(lb);
	return rc;
}

size_t
linebuf_feed(struct linebuf *lb, const char *data, size_t n,
	     linebuf_line_fn fn, void *ud)
{
	size_t i = 0, lines = 0;
	if (lb->full > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t seg = nl ? (size_t)(nl - data) : n;
		pending_add(lb, data, seg);
		if (!nl)
			return 0;
		lines++;
		if (emit_pending(lb, fn, ud))
			return lines;
		i = seg + 1;
	}
	while (i < n) {
		const char *p = data + i;
		const char *nl = memchr(p, '\n', n - i);
		if (!nl) {
			pending_add(lb, p, n - i);
			break;
		}
		size_t len = (size_t)(nl - p);
		lines++;
		if (emit_direct(lb, p, len, fn, ud))
			return lines;
		i += len + 1;
	}
	return lines;
}

size_t
linebuf_flush(struct linebuf *lb, linebuf_line_fn fn, void *ud)
{
	if (lb->full == 0)
		return 0;
	emit_pending(lb, fn, ud);
	return 1;
}

/*
 * views/logline.c: display text of log lines, search matching, SGR colours.
 * Pure functions over store records and canvases.
 */
#include "views/logline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tui/theme.h"

size_t
logline_message(const struct log_rec *r, bool raw, char *buf, size_t cap)
{
	if (cap == 0)
		return 0;
	if (raw || r->message.len == 0 || !(r->flags & (LOG_F_JSON | LOG_F_BAD_JSON)) ) {
		const char *s = r->text;
		size_t n = r->len;
		if (!raw && r->message.len) {
			s = r->text + r->message.off;
			n = r->message.len;
		}
		if (n >= cap)
			n = cap - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return n;
	}
	const char *s = r->text + r->message.off;
	if (!(r->flags & LOG_F_MSG_ESCAPED)) {
		size_t n = r->message.len < cap ? r->message.len : cap - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return n;
	}
	return scan_unescape(s, r->message.len, buf, cap);
}

bool
logline_icase(const char *pat)
{
	for (; *pat; pat++)
		if (isupper((unsigned char)*pat))
			return false;
	return true;
}

/* Length of an escape sequence starting at s[i] (ESC ...), 0 if none. */
static size_t
esc_len(const char *s, size_t n, size_t i)
{
	if (s[i] != 0x1b || i + 1 >= n)
		return 0;
	if (s[i + 1] == '[') {
		size_t j = i + 2;
		while (j < n && ((s[j] >= 0x30 && s[j] <= 0x3f) || (s[j] >= 0x20 && s[j] <= 0x2f)))
			j++;
		return j < n ? j - i + 1 : n - i;
	}
	return 2;
}

long
logline_find(const char *s, size_t n, size_t from, const char *pat, bool icase, size_t *mlen)
{
	size_t pl = strlen(pat);
	if (pl == 0)
		return -1;
	for (size_t i = from; i < n; i++) {
		size_t j = i, k = 0;
		if (esc_len(s, n, i))
			continue;
		while (k < pl && j < n) {
			size_t e = esc_len(s, n, j);
			if (e) {
				j += e;
				continue;
			}
			char a = s[j], b = pat[k];
			if (icase) {
				a = (char)tolower((unsigned char)a);
				b = (char)tolower((unsigned char)b);
			}
			if (a != b)
				break;
			j++;
			k++;
		}
		if (k == pl) {
			*mlen = j - i;
			return (long)i;
		}
	}
	return -1;
}

void
logline_duration(double ms, char *buf, size_t size)
{
	if (ms < 10)
		snprintf(buf, size, "%.2fms", ms);
	else if (ms < 1000)
		snprintf(buf, size, "%.1fms", ms);
	else if (ms < 60000)
		snprintf(buf, size, "%.2fs", ms / 1000);
	else
		snprintf(buf, size, "%dm%02ds", (int)(ms / 60000), (int)(ms / 1000) % 60);
}

/* Applies an SGR parameter list to *style; false if not a colour SGR. */
static bool
apply_sgr(const char *p, size_t n, uint16_t base, uint16_t *style)
{
	int v = 0;
	bool have = false;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && isdigit((unsigned char)p[i])) {
			v = v * 10 + (p[i] - '0');
			have = true;
			continue;
		}
		if (i < n && p[i] != ';')
			return false;
		if (!have || v == 0 || v == 39)
			*style = base;
		else if (v >= 30 && v <= 37)
			*style = (uint16_t)(THEME_PALETTE_0 + (v - 30));
		else if (v >= 90 && v <= 97)
			*style = (uint16_t)(THEME_PALETTE_0 + (v - 90));
		v = 0;
		have = false;
	}
	return true;
}

static void
draw_plain(struct tui_canvas *c, uint16_t *style, uint16_t base, const char *s, size_t n, bool sgr)
{
	if (!sgr) {
		tui_put_textn(c, *style, s, n);
		return;
	}
	size_t i = 0, start = 0;
	while (i < n) {
		size_t e = esc_len(s, n, i);
		if (e && s[i + 1] == '[' && s[i + e - 1] == 'm' &&
		    apply_sgr(s + i + 2, e - 3, base, &(uint16_t){ *style })) {
			tui_put_textn(c, *style, s + start, i - start);
			apply_sgr(s + i + 2, e - 3, base, style);
			i += e;
			start = i;
			continue;
		}
		i++;
	}
	tui_put_textn(c, *style, s + start, n - start);
}

void
logline_draw(struct tui_canvas *c, uint16_t style, const char *s, size_t n, const char *pat, bool sgr)
{
	uint16_t cur = style;
	size_t pos = 0;
	bool icase = pat ? logline_icase(pat) : false;
	while (pat && *pat && pos < n) {
		size_t ml;
		long m = logline_find(s, n, pos, pat, icase, &ml);
		if (m < 0)
			break;
		draw_plain(c, &cur, style, s + pos, (size_t)m - pos, sgr);
		uint16_t hl = THEME_SEARCH;
		draw_plain(c, &hl, THEME_SEARCH, s + m, ml, sgr);
		pos = (size_t)m + ml;
	}
	if (pos < n)
		draw_plain(c, &cur, style, s + pos, n - pos, sgr);
}

/*
 * logql/lq_lex.c: the LogQL lexer and the number, duration and bytes
 * readers and writers shared by the parser and the printer.
 *
 * Owns: splitting query text into tokens with byte spans, unescaping
 * strings (Go rules) into the arena, Prometheus and Go duration syntax,
 * go-humanize byte sizes, Go's float formatting.  Does not own: deciding
 * what an identifier means (keywords are contextual; the parser decides).
 */
#include "logql/lq_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lq__lex_init(struct lq__lexer *lx, struct arena *a, const char *src, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->a = a;
	lx->src = src;
	lx->len = len;
}

bool
lq__ieq(const char *s, size_t n, const char *kw)
{
	size_t k = strlen(kw);
	if (k != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c += 32;
		if (c != kw[i])
			return false;
	}
	return true;
}

bool
lq__is_label_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (size_t i = 0; s[i]; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

const char *
lq__memmem(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	if (nn > hn)
		return NULL;
	const char *end = h + hn - nn;
	for (const char *p = h; p <= end; p++) {
		p = memchr(p, nd[0], (size_t)(end - p) + 1);
		if (!p)
			return NULL;
		if (!memcmp(p, nd, nn))
			return p;
	}
	return NULL;
}

/* ---- durations ---- */

int
lq__parse_prom_duration(const char *s, size_t n, int64_t *ms)
{
	static const struct { const char *u; int64_t mult; } units[] = {
		{ "y", 365LL * 24 * 3600 * 1000 }, { "w", 7LL * 24 * 3600 * 1000 },
		{ "d", 24LL * 3600 * 1000 }, { "h", 3600LL * 1000 },
		{ "m", 60LL * 1000 }, { "s", 1000 }, { "ms", 1 },
	};
	if (n == 0)
		return -1;
	if (n == 1 && s[0] == '0') {
		*ms = 0;
		return 0;
	}
	size_t i = 0;
	int last = -1;
	int64_t total = 0;
	while (i < n) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		int64_t v = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (v > (INT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (s[i++] - '0');
		}
		int u = -1;
		if (i + 1 < n && s[i] == 'm' && s[i + 1] == 's') {
			u = 6;
			i += 2;
		} else if (i < n) {
			for (int k = 0; k < 6; k++)
				if (s[i] == units[k].u[0] && k != 6) {
					u = k;
					break;
				}
			if (u < 0)
				return -1;
			i++;
		} else {
			return -1;
		}
		if (u <= last)
			return -1;
		last = u;
		if (v > INT64_MAX / units[u].mult)
			return -1;
		v *= units[u].mult;
		if (total > INT64_MAX - v)
			return -1;
		total += v;
	}
	*ms = total;
	return 0;
}

int
lq__parse_go_duration(const char *s, size_t n, int64_t *ns)
{
	size_t i = 0;
	bool neg = false;
	if (i < n && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	if (i == n - 1 && s[i] == '0') {
		*ns = 0;
		return 0;
	}
	if (i >= n)
		return -1;
	uint64_t total = 0;
	while (i < n) {
		uint64_t v = 0;
		size_t st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return -1;
			v = v * 10 + (uint64_t)(s[i++] - '0');
		}
		bool pre = i != st;
		uint64_t f = 0;
		double scale = 1;
		bool post = false;
		if (i < n && s[i] == '.') {
			i++;
			size_t fs = i;
			while (i < n && s[i] >= '0' && s[i] <= '9') {
				if (f < UINT64_MAX / 100) {
					f = f * 10 + (uint64_t)(s[i] - '0');
					scale *= 10;
				}
				i++;
			}
			post = i != fs;
		}
		if (!pre && !post)
			return -1;
		size_t us = i;
		while (i < n && s[i] != '.' && !(s[i] >= '0' && s[i] <= '9'))
			i++;
		size_t ul = i - us;
		const char *u = s + us;
		uint64_t mult;
		if (ul == 2 && !memcmp(u, "ns", 2)) mult = 1;
		else if (ul == 2 && !memcmp(u, "us", 2)) mult = 1000;
		else if (ul == 3 && !memcmp(u, "\xc2\xb5s", 3)) mult = 1000;
		else if (ul == 3 && !memcmp(u, "\xce\xbcs", 3)) mult = 1000;
		else if (ul == 2 && !memcmp(u, "ms", 2)) mult = 1000000;
		else if (ul == 1 && u[0] == 's') mult = 1000000000ULL;
		else if (ul == 1 && u[0] == 'm') mult = 60000000000ULL;
		else if (ul == 1 && u[0] == 'h') mult = 3600000000000ULL;
		else
			return -1;
		if (v > (1ULL << 63) / mult)
			return -1;
		v *= mult;
		if (f > 0) {
			uint64_t add = (uint64_t)((double)f * ((double)mult / scale));
			v += add;
			if (v > (1ULL << 63))
				return -1;
		}
		total += v;
		if (total > (1ULL << 63))
			return -1;
	}
	if (total == (1ULL << 63) && !neg)
		return -1;
	*ns = neg ? (int64_t)(0 - total) : (int64_t)total;
	return 0;
}

int
lq__parse_bytes(const char *s, size_t n, uint64_t *out)
{
	static const struct { const char *u; double mult; } units[] = {
		{ "B", 1 }, { "kB", 1e3 }, { "KB", 1e3 }, { "MB", 1e6 },
		{ "GB", 1e9 }, { "TB", 1e12 }, { "PB", 1e15 },
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "TiB", 1099511627776.0 }, { "PiB", 1125899906842624.0 },
	};
	size_t i = 0;
	while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
		i++;
	if (i == 0)
		return -1;
	char num[64];
	if (i >= sizeof(num))
		return -1;
	memcpy(num, s, i);
	num[i] = 0;
	if (strchr(num, '.') != strrchr(num, '.'))
		return -1;
	double v = strtod(num, NULL);
	for (size_t k = 0; k < LX_ARRAY_LEN(units); k++) {
		if (strlen(units[k].u) == n - i && !memcmp(units[k].u, s + i, n - i)) {
			double b = v * units[k].mult;
			if (b >= 18446744073709551615.0)
				return -1;
			*out = (uint64_t)b;
			return 0;
		}
	}
	return -1;
}

/* ---- float formatting ---- */

/* Shortest digits that round-trip: fills digits (no dot) and exp10 such
 * that value = 0.d1d2d3... * 10^dp.  Returns number of digits. */
static int
shortest(double v, char *digits, int *dp)
{
	char buf[64];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf: d.ddddde[+-]XX */
	int nd = 0;
	char *p = buf;
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	int e = atoi(p + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	*dp = e + 1;
	return nd;
}

static bool
special(double v, char *buf, size_t size)
{
	if (isnan(v)) {
		snprintf(buf, size, "NaN");
		return true;
	}
	if (isinf(v)) {
		snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
		return true;
	}
	return false;
}

static void
fmt_fixed(const char *digits, int nd, int dp, bool neg, char *buf, size_t size)
{
	char out[400];
	size_t o = 0;
	if (neg)
		out[o++] = '-';
	if (dp <= 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -dp && o < sizeof(out) - 30; i++)
			out[o++] = '0';
		for (int i = 0; i < nd; i++)
			out[o++] = digits[i];
	} else {
		for (int i = 0; i < dp && o < sizeof(out) - 30; i++)
			out[o++] = i < nd ? digits[i] : '0';
		if (nd > dp) {
			out[o++] = '.';
			for (int i = dp; i < nd; i++)
				out[o++] = digits[i];
		}
	}
	out[o] = 0;
	snprintf(buf, size, "%s", out);
}

void
lq__fmt_float_f(double v, char *buf, size_t size)
{
	if (special(v, buf, size))
		return;
	if (v == 0) {
		snprintf(buf, size, signbit(v) ? "-0" : "0");
		return;
	}
	char digits[32];
	int dp;
	int nd = shortest(fabs(v), digits, &dp);
	fmt_fixed(digits, nd, dp, v < 0, buf, size);
}

void
lq__fmt_float_v(double v, char *buf, size_t size)
{
	if (special(v, buf, size))
		return;
	if (v == 0) {
		snprintf(buf, size, signbit(v) ? "-0" : "0");
		return;
	}
	char digits[32];
	int dp;
	int nd = shortest(fabs(v), digits, &dp);
	int exp = dp - 1;
	if (exp < -4 || exp >= 6) {
		char m[40];
		size_t o = 0;
		m[o++] = digits[0];
		if (nd > 1) {
			m[o++] = '.';
			for (int i = 1; i < nd; i++)
				m[o++] = digits[i];
		}
		m[o] = 0;
		snprintf(buf, size, "%s%se%c%02d", v < 0 ? "-" : "", m,
			 exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	fmt_fixed(digits, nd, dp, v < 0, buf, size);
}

/* ---- the lexer proper ---- */

static void
tok_err(struct lq__tok *t, size_t off, size_t len, const char *msg)
{
	t->t = T_ERROR;
	t->off = off;
	t->len = len ? len : 1;
	t->err = msg;
}

static bool
is_ident_start(const unsigned char *p, size_t n)
{
	if (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
		return true;
	if (*p >= 0x80) {
		uint32_t r;
		size_t w = lq__utf8_decode(p, n, &r);
		return !(r == 0xFFFD && w == 1) && r != 0xB5 && r != 0x3BC &&
		       r != 0xA0 && !(r >= 0x2000 && r <= 0x206F) && r != 0x3000;
	}
	return false;
}

static size_t
ident_len(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		const unsigned char *p = (const unsigned char *)s + i;
		if (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9')) {
			i++;
			continue;
		}
		if (*p >= 0x80 && is_ident_start(p, n - i)) {
			uint32_t r;
			i += lq__utf8_decode(p, n - i, &r);
			continue;
		}
		break;
	}
	return i;
}

/*
 * Reads a "..." string starting at s[0] == '"'.  Unescapes into the
 * arena with Go's rules.  Returns the consumed length or 0 with *err.
 */
static size_t
lex_dquote(struct lq__lexer *lx, size_t start, struct lq__tok *t)
{
	const char *s = lx->src;
	size_t n = lx->len, i = start + 1;
	/* find the end first to size the buffer */
	size_t e = i;
	while (e < n && s[e] != '"') {
		if (s[e] == '\n') {
			tok_err(t, start, e - start, "newline in string literal");
			return 0;
		}
		if (s[e] == '\\')
			e++;
		e++;
	}
	if (e >= n) {
		tok_err(t, start, n - start, "string literal never closed");
		return 0;
	}
	char *out = arena_alloc(lx->a, e - i + 1);
	if (!out) {
		tok_err(t, start, 1, "out of memory");
		return 0;
	}
	size_t o = 0;
	while (i < e) {
		if (s[i] != '\\') {
			out[o++] = s[i++];
			continue;
		}
		size_t esc = i++;
		char c = s[i++];
		uint32_t r = 0;
		int hex = 0;
		switch (c) {
		case 'a': out[o++] = 7; continue;
		case 'b': out[o++] = 8; continue;
		case 'f': out[o++] = 12; continue;
		case 'n': out[o++] = 10; continue;
		case 'r': out[o++] = 13; continue;
		case 't': out[o++] = 9; continue;
		case 'v': out[o++] = 11; continue;
		case '\\': out[o++] = '\\'; continue;
		case '"': out[o++] = '"'; continue;
		case 'x': hex = 2; break;
		case 'u': hex = 4; break;
		case 'U': hex = 8; break;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7': {
			unsigned v = (unsigned)(c - '0');
			for (int k = 0; k < 2; k++) {
				if (i >= e || s[i] < '0' || s[i] > '7') {
					tok_err(t, esc, i - esc, "invalid escape in string");
					return 0;
				}
				v = v * 8 + (unsigned)(s[i++] - '0');
			}
			if (v > 255) {
				tok_err(t, esc, i - esc, "invalid escape in string");
				return 0;
			}
			out[o++] = (char)v;
			continue;
		}
		default:
			tok_err(t, esc, 2, "invalid escape in string (use \\\\ for a backslash)");
			return 0;
		}
		for (int k = 0; k < hex; k++) {
			int h = i < e ? (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' :
				 (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'f' ?
				 (s[i] | 0x20) - 'a' + 10 : -1) : -1;
			if (h < 0) {
				tok_err(t, esc, i - esc + 1, "invalid escape in string");
				return 0;
			}
			r = r * 16 + (uint32_t)h;
			i++;
		}
		if (hex == 2) {
			out[o++] = (char)r;
			continue;
		}
		if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
			tok_err(t, esc, i - esc, "invalid Unicode escape in string");
			return 0;
		}
		/* encode UTF-8; the buffer is big enough: a \u escape with four hex digits is 6 bytes */
		if (r < 0x80) {
			out[o++] = (char)r;
		} else if (r < 0x800) {
			out[o++] = (char)(0xC0 | (r >> 6));
			out[o++] = (char)(0x80 | (r & 0x3F));
		} else if (r < 0x10000) {
			out[o++] = (char)(0xE0 | (r >> 12));
			out[o++] = (char)(0x80 | ((r >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (r & 0x3F));
		} else {
			out[o++] = (char)(0xF0 | (r >> 18));
			out[o++] = (char)(0x80 | ((r >> 12) & 0x3F));
			out[o++] = (char)(0x80 | ((r >> 6) & 0x3F));
			out[o++] = (char)(0x80 | (r & 0x3F));
		}
	}
	out[o] = 0;
	t->t = T_STRING;
	t->s = out;
	t->slen = o;
	return e + 1 - start;
}

/* Number (plus attached unit) at s[i]; neg when a '-' was already read. */
static void
lex_number(struct lq__lexer *lx, size_t start, size_t i, struct lq__tok *t)
{
	const char *s = lx->src;
	size_t n = lx->len;
	size_t ns = i;
	if (s[i] == '0' && i + 2 < n && strchr("xXbBoO", s[i + 1]) &&
	    ((s[i + 2] >= '0' && s[i + 2] <= '9') ||
	     ((s[i + 1] | 0x20) == 'x' && (s[i + 2] | 0x20) >= 'a' &&
	      (s[i + 2] | 0x20) <= 'f'))) {
		i += 2;
		while (i < n && ((s[i] >= '0' && s[i] <= '9') ||
		       ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') || s[i] == '_'))
			i++;
		tok_err(t, start, i - start,
			"hexadecimal, octal and binary numbers are not supported; write a decimal number");
		return;
	}
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	size_t numend = i;
	if (i + 1 < n && (s[i] == 'e' || s[i] == 'E') &&
	    ((s[i + 1] >= '0' && s[i + 1] <= '9') ||
	     ((s[i + 1] == '+' || s[i + 1] == '-') && i + 2 < n &&
	      s[i + 2] >= '0' && s[i + 2] <= '9'))) {
		i += 2;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		numend = i;
	}
	/* attached unit: letters, digits, dots, µ */
	size_t us = i;
	if (numend == i && i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
	    (unsigned char)s[i] == 0xC2 || (unsigned char)s[i] == 0xCE)) {
		while (i < n && (((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
		       (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		       (unsigned char)s[i] == 0xC2 || (unsigned char)s[i] == 0xB5 ||
		       (unsigned char)s[i] == 0xCE || (unsigned char)s[i] == 0xBC))
			i++;
	}
	t->off = start;
	t->len = i - start;
	if (i > us) {
		const char *txt = s + ns;
		size_t tl = i - ns;
		int64_t ms, dns;
		uint64_t b;
		bool neg = ns > start;
		if (lq__parse_prom_duration(txt, tl, &ms) == 0 && ms <= INT64_MAX / 1000000) {
			t->t = T_DURATION;
			t->dur = ms * 1000000 * (neg ? -1 : 1);
			return;
		}
		if (lq__parse_go_duration(txt, tl, &dns) == 0) {
			t->t = T_DURATION;
			t->dur = neg ? -dns : dns;
			return;
		}
		if (!neg && lq__parse_bytes(txt, tl, &b) == 0) {
			t->t = T_BYTES;
			t->bytes = b;
			return;
		}
		tok_err(t, start, i - start,
			"bad number unit: durations use ns us ms s m h d w y and no spaces (250ms, 1h30m); sizes use B kB MB GB KiB MiB...");
		return;
	}
	char buf[128];
	size_t nl = numend - ns;
	if (nl >= sizeof(buf)) {
		tok_err(t, start, nl, "number too long");
		return;
	}
	memcpy(buf, s + ns, nl);
	buf[nl] = 0;
	if (nl == 1 && buf[0] == '.') {
		tok_err(t, start, 1, "unexpected `.`");
		return;
	}
	t->t = T_NUMBER;
	t->num = strtod(buf, NULL);
}

void
lq__lex_next(struct lq__lexer *lx, struct lq__tok *t)
{
	const char *s = lx->src;
	size_t n = lx->len;
	memset(t, 0, sizeof(*t));
again:
	while (lx->pos < n && (s[lx->pos] == ' ' || s[lx->pos] == '\t' ||
	       s[lx->pos] == '\n' || s[lx->pos] == '\r' || s[lx->pos] == '\f' ||
	       s[lx->pos] == '\v'))
		lx->pos++;
	size_t i = lx->pos;
	t->off = i;
	if (i >= n) {
		t->t = T_EOF;
		t->len = 0;
		return;
	}
	char c = s[i];
	if (c == '#') {
		size_t e = i;
		while (e < n && s[e] != '\n')
			e++;
		lx->pos = e;
		if (lx->keep_comments) {
			t->t = T_COMMENT;
			t->len = e - i;
			return;
		}
		goto again;
	}
	if (is_ident_start((const unsigned char *)s + i, n - i)) {
		size_t l = ident_len(s + i, n - i);
		t->t = T_IDENT;
		t->len = l;
		t->s = arena_strndup(lx->a, s + i, l);
		t->slen = l;
		if (!t->s)
			tok_err(t, i, l, "out of memory");
		lx->pos = i + l;
		return;
	}
	if ((c >= '0' && c <= '9') || (c == '.' && i + 1 < n && s[i + 1] >= '0' &&
	    s[i + 1] <= '9')) {
		lex_number(lx, i, i, t);
		lx->pos = t->off + t->len;
		return;
	}
	if (c == '"') {
		size_t l = lex_dquote(lx, i, t);
		lx->pos = l ? i + l : t->off + t->len;
		if (l)
			t->len = l;
		return;
	}
	if (c == '`') {
		const char *e = memchr(s + i + 1, '`', n - i - 1);
		if (!e) {
			tok_err(t, i, n - i, "raw string literal never closed (missing `)");
			lx->pos = n;
			return;
		}
		size_t l = (size_t)(e - (s + i + 1));
		char *out = arena_alloc(lx->a, l + 1);
		if (!out) {
			tok_err(t, i, 1, "out of memory");
			lx->pos = n;
			return;
		}
		size_t o = 0;
		for (size_t k = 0; k < l; k++)
			if (s[i + 1 + k] != '\r')
				out[o++] = s[i + 1 + k];
		out[o] = 0;
		t->t = T_STRING;
		t->s = out;
		t->slen = o;
		t->len = l + 2;
		lx->pos = i + l + 2;
		return;
	}
	if (c == '[') {
		const char *e = memchr(s + i + 1, ']', n - i - 1);
		if (!e) {
			tok_err(t, i, n - i, "range `[` never closed");
			lx->pos = n;
			return;
		}
		t->t = T_RANGE;
		t->s = s + i + 1;
		t->slen = (size_t)(e - (s + i + 1));
		t->len = t->slen + 2;
		lx->pos = i + t->len;
		return;
	}
	char d = i + 1 < n ? s[i + 1] : 0;
	t->len = 2;
	switch (c) {
	case '|':
		if (d == '=') { t->t = T_PIPE_EXACT; break; }
		if (d == '~') { t->t = T_PIPE_MATCH; break; }
		if (d == '>') { t->t = T_PIPE_PATTERN; break; }
		t->t = T_PIPE; t->len = 1;
		break;
	case '!':
		if (d == '=') { t->t = T_NEQ; break; }
		if (d == '~') { t->t = T_NRE; break; }
		if (d == '>') { t->t = T_NPATTERN; break; }
		tok_err(t, i, 1, "unexpected `!` (use != or !~)");
		break;
	case '=':
		if (d == '~') { t->t = T_RE; break; }
		if (d == '=') { t->t = T_EQEQ; break; }
		t->t = T_EQ; t->len = 1;
		break;
	case '>':
		if (d == '=') { t->t = T_GTE; break; }
		t->t = T_GT; t->len = 1;
		break;
	case '<':
		if (d == '=') { t->t = T_LTE; break; }
		t->t = T_LT; t->len = 1;
		break;
	case '-':
		if (d == '-' && i + 2 < n && (s[i + 2] | 0x20) >= 'a' &&
		    (s[i + 2] | 0x20) <= 'z') {
			size_t e = i + 2;
			while (e < n && (((s[e] | 0x20) >= 'a' && (s[e] | 0x20) <= 'z') ||
			       s[e] == '-' || s[e] == '_'))
				e++;
			t->t = T_FLAG;
			t->len = e - i;
			break;
		}
		if (d >= '0' && d <= '9') {
			/* a negative duration like -5m is one token */
			struct lq__tok nt;
			memset(&nt, 0, sizeof(nt));
			lex_number(lx, i, i + 1, &nt);
			if (nt.t == T_DURATION) {
				*t = nt;
				break;
			}
		}
		t->t = T_SUB; t->len = 1;
		break;
	case '{': t->t = T_LBRACE; t->len = 1; break;
	case '}': t->t = T_RBRACE; t->len = 1; break;
	case '(': t->t = T_LPAREN; t->len = 1; break;
	case ')': t->t = T_RPAREN; t->len = 1; break;
	case ',': t->t = T_COMMA; t->len = 1; break;
	case '.': t->t = T_DOT; t->len = 1; break;
	case '+': t->t = T_ADD; t->len = 1; break;
	case '*': t->t = T_MUL; t->len = 1; break;
	case '/': t->t = T_DIV; t->len = 1; break;
	case '%': t->t = T_MOD; t->len = 1; break;
	case '^': t->t = T_POW; t->len = 1; break;
	case ']':
		tok_err(t, i, 1, "unexpected `]`");
		break;
	case '\'':
		tok_err(t, i, 1, "single quotes are not strings in LogQL; use \"double quotes\" or `backticks`");
		break;
	default: {
		uint32_t r;
		size_t w = lq__utf8_decode((const unsigned char *)s + i, n - i, &r);
		tok_err(t, i, w, "unexpected character");
		break;
	}
	}
	lx->pos = t->off + t->len;
}

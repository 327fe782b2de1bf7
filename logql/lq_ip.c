/*
 * logql/lq_ip.c: the ip("...") matcher of line and label filters.
 *
 * Owns: parsing an address, a CIDR prefix or an a-b range (IPv4 or IPv6)
 * and testing values against it.  An address of one family never matches
 * a pattern of the other.  A pattern that does not parse compiles to NULL
 * (Loki reports such errors only when the pipeline runs).
 */
#include "logql/lq_internal.h"

#include <string.h>

struct ipm {
	int fam;                 /* 4 or 16 (bytes) */
	unsigned char lo[16], hi[16];
};

static int
parse_v4(const char *s, size_t n, unsigned char *out)
{
	size_t i = 0;
	for (int k = 0; k < 4; k++) {
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		unsigned v = 0;
		size_t st = i;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i++] - '0');
			if (v > 255 || i - st > 3)
				return -1;
		}
		if (i - st > 1 && s[st] == '0')
			return -1;
		out[k] = (unsigned char)v;
		if (k < 3) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
	}
	return i == n ? 0 : -1;
}

static int
hexd(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
parse_v6(const char *s, size_t n, unsigned char *out)
{
	unsigned char b[16];
	int gap = -1, k = 0;
	size_t i = 0;
	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
		if (n == 2) {
			memset(out, 0, 16);
			return 0;
		}
	}
	while (i < n && k < 16) {
		/* embedded IPv4 at the tail */
		const char *dot = memchr(s + i, '.', n - i);
		if (dot && k <= 12) {
			if (parse_v4(s + i, n - i, b + k) < 0)
				return -1;
			k += 4;
			i = n;
			break;
		}
		unsigned v = 0;
		size_t st = i;
		while (i < n && hexd(s[i]) >= 0 && i - st < 4)
			v = v * 16 + (unsigned)hexd(s[i++]);
		if (i == st)
			return -1;
		b[k++] = (unsigned char)(v >> 8);
		b[k++] = (unsigned char)v;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = k;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return -1;
		}
	}
	if (i != n)
		return -1;
	if (gap >= 0) {
		if (k == 16)
			return -1;
		int tail = k - gap;
		memset(out, 0, 16);
		memcpy(out, b, (size_t)gap);
		memcpy(out + 16 - tail, b + gap, (size_t)tail);
	} else {
		if (k != 16)
			return -1;
		memcpy(out, b, 16);
	}
	return 0;
}

static int
parse_addr(const char *s, size_t n, unsigned char *out)
{
	if (memchr(s, ':', n))
		return parse_v6(s, n, out) == 0 ? 16 : -1;
	return parse_v4(s, n, out) == 0 ? 4 : -1;
}

void *
lq__ip_compile(struct arena *a, const char *s, size_t n)
{
	struct ipm m;
	memset(&m, 0, sizeof(m));
	const char *slash = memchr(s, '/', n);
	const char *dash = memchr(s, '-', n);
	if (slash) {
		int fam = parse_addr(s, (size_t)(slash - s), m.lo);
		if (fam < 0)
			return NULL;
		size_t pl = n - (size_t)(slash - s) - 1;
		unsigned bits = 0;
		if (pl == 0 || pl > 3)
			return NULL;
		for (size_t i = 0; i < pl; i++) {
			char c = slash[1 + i];
			if (c < '0' || c > '9')
				return NULL;
			bits = bits * 10 + (unsigned)(c - '0');
		}
		if (bits > (unsigned)fam * 8)
			return NULL;
		m.fam = fam;
		for (int i = 0; i < fam; i++) {
			int keep = (int)bits - i * 8;
			unsigned char mask = keep >= 8 ? 0xFF : keep <= 0 ? 0 :
					     (unsigned char)(0xFF << (8 - keep));
			m.lo[i] &= mask;
			m.hi[i] = m.lo[i] | (unsigned char)~mask;
		}
	} else if (dash) {
		int f1 = parse_addr(s, (size_t)(dash - s), m.lo);
		int f2 = parse_addr(dash + 1, n - (size_t)(dash - s) - 1, m.hi);
		if (f1 < 0 || f1 != f2 || memcmp(m.lo, m.hi, (size_t)f1) > 0)
			return NULL;
		m.fam = f1;
	} else {
		int fam = parse_addr(s, n, m.lo);
		if (fam < 0)
			return NULL;
		m.fam = fam;
		memcpy(m.hi, m.lo, 16);
	}
	struct ipm *p = arena_alloc(a, sizeof(*p));
	if (p)
		*p = m;
	return p;
}

bool
lq__ip_match_value(const void *mv, const char *s, size_t n)
{
	const struct ipm *m = mv;
	unsigned char b[16];
	if (!m)
		return false;
	int fam = parse_addr(s, n, b);
	if (fam != m->fam)
		return false;
	return memcmp(b, m->lo, (size_t)fam) >= 0 && memcmp(b, m->hi, (size_t)fam) <= 0;
}

bool
lq__ip_match_line(const void *m, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		char c = s[i];
		if (hexd(c) < 0 && c != ':') {
			i++;
			continue;
		}
		size_t st = i;
		while (i < n && (hexd(s[i]) >= 0 || s[i] == ':' || s[i] == '.'))
			i++;
		size_t e = i;
		while (e > st && s[e - 1] == '.')
			e--;
		if (lq__ip_match_value(m, s + st, e - st))
			return true;
	}
	return false;
}

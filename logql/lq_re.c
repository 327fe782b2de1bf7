/*
 * logql/lq_re.c: regular expressions with RE2 syntax (the subset Go's
 * regexp accepts: classes, Perl and POSIX classes, (?P<name>), (?flags),
 * lazy quantifiers, \Q..\E) compiled to a Pike VM program.  Matching is
 * linear in the input (no backtracking), which keeps fuzzed or hostile
 * patterns from hanging the query.  Leftmost-first semantics like RE2.
 *
 * Owns: pattern parsing, compilation, execution.  Does not own: deciding
 * where regexes are anchored (callers pass LQ_RE_ANCHOR).
 * Unicode: runes are decoded from UTF-8; case folding covers ASCII, Latin-1,
 * Greek and Cyrillic; \p classes are approximations.
 */
#include "logql/lq_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"

#define MAX_INST 10000
#define MAX_REPEAT 1000
#define MAX_CAP 64
#define MAX_RUNE 0x10FFFF

enum { RN_EMPTY, RN_LIT, RN_CLASS, RN_ANY, RN_ANYNL, RN_ASSERT, RN_CAT,
       RN_ALT, RN_REPEAT, RN_CAP };
enum { AS_BOL, AS_EOL, AS_BOT, AS_EOT, AS_WORDB, AS_NWORDB };
enum { I_CHAR, I_ANY, I_ANYNL, I_CLASS, I_MATCH, I_JMP, I_SPLIT, I_SAVE,
       I_ASSERT };

struct rnode {
	int kind;
	uint32_t c;
	bool fold, greedy;
	uint32_t *r;             /* class ranges lo,hi pairs */
	int nr;
	struct rnode **kids;
	int nkids;
	int min, max, cap;
};

struct inst {
	uint8_t op, fold;
	int x, y;
	uint32_t c;
	const uint32_t *r;
	int nr;
};

struct lq_regex {
	struct inst *prog;
	int ninst;
	int ncap;
	const char **names;      /* [ncap+1] */
	/* Literal text every match starts with (unanchored patterns only):
	 * lines without it are rejected with memmem before the VM runs. */
	const char *prefix;
	size_t plen;
	/* Anchored patterns common in selectors, matched without the VM. */
	enum { FAST_NONE, FAST_ANY, FAST_NONEMPTY, FAST_LITERAL } fast;
	const char *lit;         /* FAST_LITERAL: the whole pattern */
	size_t litlen;
};

/* The literal text at the start of the pattern that every match must
 * begin with, or 0 when there is none (alternation, flags, classes...). */
static size_t
literal_prefix(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '|')
			return 0;
	size_t k = 0;
	while (k < n) {
		unsigned char c = (unsigned char)p[k];
		if (c >= 0x80 || strchr("\\.+*?()|[]{}^$", c))
			break;
		k++;
	}
	if (k < n && k > 0 && strchr("*?{", p[k]))
		k--;   /* the last char may repeat zero times */
	return k;
}

struct rparse {
	struct arena *a;
	const char *p, *end;
	bool fi, fm, fs, fU;     /* flags */
	int ncap;
	const char *names[MAX_CAP + 1];
	const char *err;
	char *errbuf;
	size_t errsize;
	int depth;
};

/* ---- small helpers ---- */

static uint32_t
fold_rune(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c >= 0x391 && c <= 0x3A9)
		return c + 32;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	return c;
}

size_t
lq__utf8_decode(const unsigned char *s, size_t n, uint32_t *r)
{
	if (n == 0) {
		*r = 0xFFFD;
		return 1;
	}
	unsigned c = s[0];
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	int len;
	uint32_t v, min;
	if ((c & 0xE0) == 0xC0) {
		len = 2; v = c & 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3; v = c & 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4; v = c & 0x07; min = 0x10000;
	} else {
		*r = 0xFFFD;
		return 1;
	}
	if ((size_t)len > n) {
		*r = 0xFFFD;
		return 1;
	}
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*r = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > MAX_RUNE || (v >= 0xD800 && v <= 0xDFFF)) {
		*r = 0xFFFD;
		return 1;
	}
	*r = v;
	return (size_t)len;
}

bool
lq__utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t r;
		size_t w = lq__utf8_decode((const unsigned char *)s + i, n - i, &r);
		if (r == 0xFFFD && w == 1)
			return false;
		i += w;
	}
	return true;
}

static void
set_err(struct rparse *ps, const char *msg, const char *at)
{
	if (ps->err)
		return;
	if (at && ps->errbuf && ps->errsize) {
		snprintf(ps->errbuf, ps->errsize, "%s: `%.*s`", msg,
			 (int)(ps->end - at > 20 ? 20 : ps->end - at), at);
		ps->err = ps->errbuf;
	} else {
		ps->err = msg;
	}
}

static struct rnode *
node(struct rparse *ps, int kind)
{
	struct rnode *n = arena_calloc(ps->a, sizeof(*n));
	if (!n) {
		set_err(ps, "out of memory", NULL);
		return NULL;
	}
	n->kind = kind;
	return n;
}

/* ---- character classes ---- */

struct rbuf {
	uint32_t *r;
	int n, cap;
	bool oom;
};

static void
rb_add(struct rbuf *b, uint32_t lo, uint32_t hi)
{
	if (b->n + 2 > b->cap) {
		int nc = b->cap ? b->cap * 2 : 16;
		uint32_t *nr = realloc(b->r, (size_t)nc * sizeof(uint32_t));
		if (!nr) {
			b->oom = true;
			return;
		}
		b->r = nr;
		b->cap = nc;
	}
	b->r[b->n++] = lo;
	b->r[b->n++] = hi;
}

static int
cmp_range(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void
rb_normalize(struct rbuf *b)
{
	if (b->n == 0)
		return;
	sort_n(b->r, (size_t)b->n / 2, 2 * sizeof(uint32_t), cmp_range);
	int w = 0;
	for (int i = 0; i < b->n; i += 2) {
		if (w > 0 && b->r[i] <= b->r[w - 1] + 1) {
			if (b->r[i + 1] > b->r[w - 1])
				b->r[w - 1] = b->r[i + 1];
		} else {
			b->r[w++] = b->r[i];
			b->r[w++] = b->r[i + 1];
		}
	}
	b->n = w;
}

static void
rb_negate(struct rbuf *b)
{
	rb_normalize(b);
	struct rbuf o = { 0 };
	uint32_t next = 0;
	for (int i = 0; i < b->n; i += 2) {
		if (b->r[i] > next)
			rb_add(&o, next, b->r[i] - 1);
		next = b->r[i + 1] + 1;
	}
	if (next <= MAX_RUNE)
		rb_add(&o, next, MAX_RUNE);
	free(b->r);
	*b = o;
}

static void
rb_fold(struct rbuf *b)
{
	static const uint32_t spans[][3] = {
		{ 'A', 'Z', 32 }, { 0xC0, 0xDE, 32 }, { 0x391, 0x3A9, 32 },
		{ 0x410, 0x42F, 32 },
	};
	int n = b->n;
	for (int i = 0; i < n; i += 2) {
		for (size_t k = 0; k < LX_ARRAY_LEN(spans); k++) {
			uint32_t lo = spans[k][0], hi = spans[k][1], d = spans[k][2];
			uint32_t a = b->r[i] > lo ? b->r[i] : lo;
			uint32_t z = b->r[i + 1] < hi ? b->r[i + 1] : hi;
			if (a <= z)
				rb_add(b, a + d, z + d);
			a = b->r[i] > lo + d ? b->r[i] : lo + d;
			z = b->r[i + 1] < hi + d ? b->r[i + 1] : hi + d;
			if (a <= z)
				rb_add(b, a - d, z - d);
		}
	}
}

static void
add_perl(struct rbuf *b, char c)
{
	struct rbuf t = { 0 };
	switch (c | 0x20) {
	case 'd':
		rb_add(&t, '0', '9');
		break;
	case 's':
		rb_add(&t, '\t', '\n');
		rb_add(&t, '\f', '\r');
		rb_add(&t, ' ', ' ');
		break;
	case 'w':
		rb_add(&t, '0', '9');
		rb_add(&t, 'A', 'Z');
		rb_add(&t, '_', '_');
		rb_add(&t, 'a', 'z');
		break;
	}
	if (c >= 'A' && c <= 'Z')
		rb_negate(&t);
	for (int i = 0; i < t.n; i += 2)
		rb_add(b, t.r[i], t.r[i + 1]);
	if (t.oom)
		b->oom = true;
	free(t.r);
}

static bool
add_posix(struct rbuf *b, const char *name, size_t n, bool neg)
{
	static const struct { const char *name; const char *ranges; } tab[] = {
		{ "alnum", "09AZaz" }, { "alpha", "AZaz" }, { "ascii", "\x01\x7f" },
		{ "blank", "\t\t  " }, { "cntrl", "\x01\x1f\x7f\x7f" },
		{ "digit", "09" }, { "graph", "!~" }, { "lower", "az" },
		{ "print", " ~" }, { "punct", "!/:@[`{~" },
		{ "space", "\t\r  " }, { "upper", "AZ" },
		{ "word", "09AZ__az" }, { "xdigit", "09AFaf" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(tab); i++) {
		if (strlen(tab[i].name) != n || memcmp(tab[i].name, name, n))
			continue;
		struct rbuf t = { 0 };
		const char *r = tab[i].ranges;
		if (i == 4)  /* cntrl includes NUL */
			rb_add(&t, 0, 0);
		for (; r[0]; r += 2)
			rb_add(&t, (unsigned char)r[0], (unsigned char)r[1]);
		if (neg)
			rb_negate(&t);
		for (int k = 0; k < t.n; k += 2)
			rb_add(b, t.r[k], t.r[k + 1]);
		free(t.r);
		return true;
	}
	return false;
}

/* \pL and friends: rough ranges, good enough for log text. */
static bool
add_unicode(struct rbuf *b, const char *name, size_t n, bool neg)
{
	struct rbuf t = { 0 };
#define IS(s) (n == strlen(s) && !memcmp(name, s, n))
	if (IS("L") || IS("Letter")) {
		rb_add(&t, 'A', 'Z'); rb_add(&t, 'a', 'z'); rb_add(&t, 0xAA, 0xAA);
		rb_add(&t, 0xB5, 0xB5); rb_add(&t, 0xBA, 0xBA);
		rb_add(&t, 0xC0, 0xD6); rb_add(&t, 0xD8, 0xF6);
		rb_add(&t, 0xF8, 0x2FF); rb_add(&t, 0x370, 0x3FF);
		rb_add(&t, 0x400, 0x52F); rb_add(&t, 0x530, 0x58F);
		rb_add(&t, 0x5D0, 0x5EA); rb_add(&t, 0x620, 0x64A);
		rb_add(&t, 0x3040, 0x30FF); rb_add(&t, 0x4E00, 0x9FFF);
		rb_add(&t, 0xAC00, 0xD7A3);
	} else if (IS("Lu")) {
		rb_add(&t, 'A', 'Z'); rb_add(&t, 0xC0, 0xD6); rb_add(&t, 0xD8, 0xDE);
		rb_add(&t, 0x391, 0x3A9); rb_add(&t, 0x410, 0x42F);
	} else if (IS("Ll")) {
		rb_add(&t, 'a', 'z'); rb_add(&t, 0xDF, 0xF6); rb_add(&t, 0xF8, 0xFF);
		rb_add(&t, 0x3B1, 0x3C9); rb_add(&t, 0x430, 0x44F);
	} else if (IS("N") || IS("Nd")) {
		rb_add(&t, '0', '9'); rb_add(&t, 0x660, 0x669);
		rb_add(&t, 0xFF10, 0xFF19);
	} else if (IS("P")) {
		rb_add(&t, '!', '#'); rb_add(&t, '%', '*'); rb_add(&t, ',', '/');
		rb_add(&t, ':', ';'); rb_add(&t, '?', '@'); rb_add(&t, '[', ']');
		rb_add(&t, '_', '_'); rb_add(&t, '{', '{'); rb_add(&t, '}', '}');
		rb_add(&t, 0x2010, 0x2027);
	} else if (IS("S")) {
		rb_add(&t, '$', '$'); rb_add(&t, '+', '+'); rb_add(&t, '<', '>');
		rb_add(&t, '^', '^'); rb_add(&t, '`', '`'); rb_add(&t, '|', '|');
		rb_add(&t, '~', '~');
	} else if (IS("Z") || IS("Zs")) {
		rb_add(&t, ' ', ' '); rb_add(&t, 0xA0, 0xA0);
		rb_add(&t, 0x2000, 0x200A); rb_add(&t, 0x3000, 0x3000);
	} else if (IS("Greek")) {
		rb_add(&t, 0x370, 0x3FF);
	} else if (IS("Cyrillic")) {
		rb_add(&t, 0x400, 0x4FF);
	} else if (IS("Han")) {
		rb_add(&t, 0x4E00, 0x9FFF);
	} else if (IS("Latin")) {
		rb_add(&t, 'A', 'Z'); rb_add(&t, 'a', 'z'); rb_add(&t, 0xC0, 0x24F);
	} else if (IS("Any")) {
		rb_add(&t, 0, MAX_RUNE);
	} else {
		free(t.r);
		return false;
	}
#undef IS
	if (neg)
		rb_negate(&t);
	for (int k = 0; k < t.n; k += 2)
		rb_add(b, t.r[k], t.r[k + 1]);
	free(t.r);
	return true;
}

static struct rnode *
class_node(struct rparse *ps, struct rbuf *b, bool neg)
{
	if (ps->fi)
		rb_fold(b);
	if (neg)
		rb_negate(b);
	else
		rb_normalize(b);
	struct rnode *n = node(ps, RN_CLASS);
	if (b->oom)
		set_err(ps, "out of memory", NULL);
	if (n && !ps->err) {
		n->r = arena_alloc(ps->a, (size_t)(b->n ? b->n : 1) * sizeof(uint32_t));
		if (!n->r) {
			set_err(ps, "out of memory", NULL);
		} else {
			if (b->n)
				memcpy(n->r, b->r, (size_t)b->n * sizeof(uint32_t));
			n->nr = b->n;
		}
	}
	free(b->r);
	b->r = NULL;
	return ps->err ? NULL : n;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses one escape after the backslash (ps->p points past it).  Sets
 * *rune for a literal, or adds to `b` (when non-NULL) and returns 1 for a
 * class escape; returns 2 for an assertion (stored in *rune) when
 * allowed, -1 on error.
 */
static int
parse_escape(struct rparse *ps, uint32_t *rune, struct rbuf *b, bool in_class)
{
	const char *start = ps->p - 1;
	if (ps->p >= ps->end) {
		set_err(ps, "trailing backslash at end of expression", NULL);
		return -1;
	}
	char c = *ps->p++;
	switch (c) {
	case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
		add_perl(b, c);
		return 1;
	case 'p': case 'P': {
		const char *name;
		size_t n;
		bool neg = c == 'P';
		if (ps->p < ps->end && *ps->p == '{') {
			const char *e = memchr(ps->p, '}', (size_t)(ps->end - ps->p));
			if (!e) {
				set_err(ps, "invalid character class range", start);
				return -1;
			}
			name = ps->p + 1;
			n = (size_t)(e - name);
			ps->p = e + 1;
			if (n && name[0] == '^') {
				neg = !neg;
				name++;
				n--;
			}
		} else if (ps->p < ps->end) {
			name = ps->p++;
			n = 1;
		} else {
			set_err(ps, "invalid character class range", start);
			return -1;
		}
		if (!add_unicode(b, name, n, neg)) {
			set_err(ps, "invalid character class range", start);
			return -1;
		}
		return 1;
	}
	case 'b': case 'B': case 'A': case 'z':
		if (in_class)
			break;
		*rune = c == 'b' ? AS_WORDB : c == 'B' ? AS_NWORDB :
			c == 'A' ? AS_BOT : AS_EOT;
		return 2;
	case 'a': *rune = 7; return 0;
	case 'f': *rune = 12; return 0;
	case 't': *rune = 9; return 0;
	case 'n': *rune = 10; return 0;
	case 'r': *rune = 13; return 0;
	case 'v': *rune = 11; return 0;
	case 'x': {
		uint32_t v = 0;
		if (ps->p < ps->end && *ps->p == '{') {
			ps->p++;
			int nd = 0;
			while (ps->p < ps->end && hexval(*ps->p) >= 0) {
				v = v * 16 + (uint32_t)hexval(*ps->p++);
				if (v > MAX_RUNE)
					break;
				nd++;
			}
			if (ps->p >= ps->end || *ps->p != '}' || nd == 0 ||
			    v > MAX_RUNE) {
				set_err(ps, "invalid escape sequence", start);
				return -1;
			}
			ps->p++;
		} else {
			if (ps->end - ps->p < 2 || hexval(ps->p[0]) < 0 ||
			    hexval(ps->p[1]) < 0) {
				set_err(ps, "invalid escape sequence", start);
				return -1;
			}
			v = (uint32_t)(hexval(ps->p[0]) * 16 + hexval(ps->p[1]));
			ps->p += 2;
		}
		*rune = v;
		return 0;
	}
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '7')
			break;  /* backreference: unsupported */
		/* fallthrough */
	case '0': {
		uint32_t v = (uint32_t)(c - '0');
		for (int i = 0; i < 2 && ps->p < ps->end && *ps->p >= '0' &&
		     *ps->p <= '7'; i++)
			v = v * 8 + (uint32_t)(*ps->p++ - '0');
		*rune = v;
		return 0;
	}
	default:
		if ((unsigned char)c < 0x80 && !((c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) {
			*rune = (unsigned char)c;
			return 0;
		}
		break;
	}
	set_err(ps, "invalid escape sequence", start);
	return -1;
}

static struct rnode *
parse_class(struct rparse *ps)
{
	const char *start = ps->p - 1;
	struct rbuf b = { 0 };
	bool neg = false;
	if (ps->p < ps->end && *ps->p == '^') {
		neg = true;
		ps->p++;
	}
	bool first = true;
	for (;;) {
		if (ps->p >= ps->end) {
			set_err(ps, "missing closing ]", start);
			goto fail;
		}
		if (*ps->p == ']' && !first) {
			ps->p++;
			break;
		}
		first = false;
		if (*ps->p == '[' && ps->end - ps->p > 1 && ps->p[1] == ':') {
			const char *e = ps->p + 2;
			while (e + 1 < ps->end && !(e[0] == ':' && e[1] == ']'))
				e++;
			if (e + 1 < ps->end) {
				const char *name = ps->p + 2;
				bool pneg = false;
				if (name < e && *name == '^') {
					pneg = true;
					name++;
				}
				if (!add_posix(&b, name, (size_t)(e - name), pneg)) {
					set_err(ps, "invalid character class range", ps->p);
					goto fail;
				}
				ps->p = e + 2;
				continue;
			}
		}
		uint32_t lo;
		if (*ps->p == '\\') {
			ps->p++;
			int k = parse_escape(ps, &lo, &b, true);
			if (k < 0)
				goto fail;
			if (k == 1)
				continue;
		} else {
			ps->p += lq__utf8_decode((const unsigned char *)ps->p,
						 (size_t)(ps->end - ps->p), &lo);
		}
		uint32_t hi = lo;
		if (ps->end - ps->p >= 2 && ps->p[0] == '-' && ps->p[1] != ']') {
			ps->p++;
			if (*ps->p == '\\') {
				ps->p++;
				struct rbuf dummy = { 0 };
				int k = parse_escape(ps, &hi, &dummy, true);
				free(dummy.r);
				if (k != 0) {
					set_err(ps, "invalid character class range", start);
					goto fail;
				}
			} else {
				ps->p += lq__utf8_decode((const unsigned char *)ps->p,
							 (size_t)(ps->end - ps->p), &hi);
			}
			if (hi < lo) {
				set_err(ps, "invalid character class range", start);
				goto fail;
			}
		}
		rb_add(&b, lo, hi);
	}
	return class_node(ps, &b, neg);
fail:
	free(b.r);
	return NULL;
}

/* ---- expressions ---- */

static struct rnode *parse_alt(struct rparse *ps);

static bool
parse_repeat_braces(const char *p, const char *end, int *min, int *max,
		    const char **after)
{
	if (p >= end || *p != '{')
		return false;
	p++;
	long a = -1, b;
	const char *s = p;
	while (p < end && *p >= '0' && *p <= '9') {
		a = (a < 0 ? 0 : a) * 10 + (*p++ - '0');
		if (a > 100000)
			a = 100000;
	}
	if (p == s)
		return false;
	b = a;
	if (p < end && *p == ',') {
		p++;
		b = -1;
		const char *s2 = p;
		long v = 0;
		while (p < end && *p >= '0' && *p <= '9') {
			v = v * 10 + (*p++ - '0');
			if (v > 100000)
				v = 100000;
		}
		if (p != s2)
			b = v;
	}
	if (p >= end || *p != '}')
		return false;
	*min = (int)a;
	*max = (int)b;
	*after = p + 1;
	return true;
}

static struct rnode *
lit(struct rparse *ps, uint32_t c)
{
	struct rnode *n = node(ps, RN_LIT);
	if (n) {
		n->c = ps->fi ? fold_rune(c) : c;
		n->fold = ps->fi;
	}
	return n;
}

static bool
parse_flags(struct rparse *ps, bool *had_colon)
{
	/* at "(?" + flags, ps->p after "?" */
	bool neg = false, any = false;
	const char *start = ps->p - 2;
	for (;;) {
		if (ps->p >= ps->end) {
			set_err(ps, "missing closing )", start);
			return false;
		}
		char c = *ps->p++;
		switch (c) {
		case 'i': ps->fi = !neg; any = true; break;
		case 'm': ps->fm = !neg; any = true; break;
		case 's': ps->fs = !neg; any = true; break;
		case 'U': ps->fU = !neg; any = true; break;
		case '-':
			if (neg) {
				set_err(ps, "invalid or unsupported Perl syntax", start);
				return false;
			}
			neg = true;
			any = false;
			break;
		case ':':
		case ')':
			if (neg && !any) {
				set_err(ps, "invalid or unsupported Perl syntax", start);
				return false;
			}
			*had_colon = c == ':';
			return true;
		default:
			set_err(ps, "invalid or unsupported Perl syntax", start);
			return false;
		}
	}
}

static struct rnode *
parse_atom(struct rparse *ps)
{
	const char *start = ps->p;
	char c = *ps->p;
	if (c == '(') {
		ps->p++;
		int cap = -1;
		const char *name = NULL;
		bool save_i = ps->fi, save_m = ps->fm, save_s = ps->fs,
		     save_U = ps->fU;
		if (ps->p < ps->end && *ps->p == '?') {
			ps->p++;
			if (ps->p < ps->end && (*ps->p == 'P' || *ps->p == '<')) {
				if (*ps->p == 'P')
					ps->p++;
				if (ps->p >= ps->end || *ps->p != '<') {
					set_err(ps, "invalid or unsupported Perl syntax", start);
					return NULL;
				}
				ps->p++;
				if (ps->p < ps->end && (*ps->p == '=' || *ps->p == '!')) {
					set_err(ps, "invalid or unsupported Perl syntax (lookbehind)", start);
					return NULL;
				}
				const char *ns = ps->p;
				while (ps->p < ps->end && *ps->p != '>') {
					char k = *ps->p;
					if (!((k >= 'a' && k <= 'z') || (k >= 'A' && k <= 'Z') ||
					      (k >= '0' && k <= '9') || k == '_')) {
						set_err(ps, "invalid named capture", start);
						return NULL;
					}
					ps->p++;
				}
				if (ps->p >= ps->end || ps->p == ns) {
					set_err(ps, "invalid named capture", start);
					return NULL;
				}
				name = arena_strndup(ps->a, ns, (size_t)(ps->p - ns));
				ps->p++;
				for (int i = 1; i <= ps->ncap; i++)
					if (ps->names[i] && name && !strcmp(ps->names[i], name)) {
						set_err(ps, "duplicate capture group name", start);
						return NULL;
					}
				cap = 0;
			} else if (ps->p < ps->end && (*ps->p == '=' || *ps->p == '!')) {
				set_err(ps, "invalid or unsupported Perl syntax (lookahead)", start);
				return NULL;
			} else {
				bool colon = false;
				if (!parse_flags(ps, &colon))
					return NULL;
				if (!colon) {
					/* (?i) : flags stay for the rest of the group */
					return node(ps, RN_EMPTY);
				}
			}
		} else {
			cap = 0;
		}
		if (cap == 0) {
			if (ps->ncap >= MAX_CAP) {
				set_err(ps, "too many capture groups", start);
				return NULL;
			}
			cap = ++ps->ncap;
			ps->names[cap] = name;
		}
		if (++ps->depth > 200) {
			set_err(ps, "expression nests too deeply", start);
			return NULL;
		}
		struct rnode *in = parse_alt(ps);
		ps->depth--;
		ps->fi = save_i; ps->fm = save_m; ps->fs = save_s; ps->fU = save_U;
		if (!in)
			return NULL;
		if (ps->p >= ps->end || *ps->p != ')') {
			set_err(ps, "missing closing )", start);
			return NULL;
		}
		ps->p++;
		if (cap > 0) {
			struct rnode *n = node(ps, RN_CAP);
			if (!n)
				return NULL;
			n->cap = cap;
			n->kids = arena_alloc(ps->a, sizeof(*n->kids));
			if (!n->kids) {
				set_err(ps, "out of memory", NULL);
				return NULL;
			}
			n->kids[0] = in;
			n->nkids = 1;
			return n;
		}
		return in;
	}
	if (c == '[') {
		ps->p++;
		return parse_class(ps);
	}
	if (c == '.') {
		ps->p++;
		return node(ps, ps->fs ? RN_ANY : RN_ANYNL);
	}
	if (c == '^' || c == '$') {
		ps->p++;
		struct rnode *n = node(ps, RN_ASSERT);
		if (n)
			n->c = c == '^' ? (ps->fm ? AS_BOL : AS_BOT) :
				(ps->fm ? AS_EOL : AS_EOT);
		return n;
	}
	if (c == '*' || c == '+' || c == '?') {
		set_err(ps, "missing argument to repetition operator", start);
		return NULL;
	}
	if (c == '{') {
		int mn, mx;
		const char *after;
		if (parse_repeat_braces(ps->p, ps->end, &mn, &mx, &after)) {
			set_err(ps, "missing argument to repetition operator", start);
			return NULL;
		}
		ps->p++;
		return lit(ps, '{');
	}
	if (c == '\\') {
		ps->p++;
		if (ps->p < ps->end && *ps->p == 'Q') {
			ps->p++;
			const char *e = ps->p;
			while (e < ps->end && !(e[0] == '\\' && e + 1 < ps->end && e[1] == 'E'))
				e++;
			struct rnode *cat = node(ps, RN_CAT);
			if (!cat)
				return NULL;
			size_t cnt = (size_t)(e - ps->p);
			cat->kids = arena_alloc(ps->a, (cnt ? cnt : 1) * sizeof(*cat->kids));
			if (!cat->kids) {
				set_err(ps, "out of memory", NULL);
				return NULL;
			}
			while (ps->p < e) {
				uint32_t r;
				ps->p += lq__utf8_decode((const unsigned char *)ps->p,
							 (size_t)(e - ps->p), &r);
				if (!(cat->kids[cat->nkids++] = lit(ps, r)))
					return NULL;
			}
			ps->p = e < ps->end ? e + 2 : e;
			return cat;
		}
		uint32_t r;
		struct rbuf b = { 0 };
		int k = parse_escape(ps, &r, &b, false);
		if (k < 0) {
			free(b.r);
			return NULL;
		}
		if (k == 1)
			return class_node(ps, &b, false);
		free(b.r);
		if (k == 2) {
			struct rnode *n = node(ps, RN_ASSERT);
			if (n)
				n->c = r;
			return n;
		}
		return lit(ps, r);
	}
	uint32_t r;
	ps->p += lq__utf8_decode((const unsigned char *)ps->p,
				 (size_t)(ps->end - ps->p), &r);
	return lit(ps, r);
}

static struct rnode *
parse_concat(struct rparse *ps)
{
	struct rnode *cat = node(ps, RN_CAT);
	if (!cat)
		return NULL;
	int cap = 0;
	while (ps->p < ps->end && *ps->p != '|' && *ps->p != ')') {
		struct rnode *a = parse_atom(ps);
		if (!a)
			return NULL;
		/* repetition */
		bool repeated = false;
		while (ps->p < ps->end) {
			int mn, mx;
			const char *after = NULL;
			char c = *ps->p;
			if (c == '*') { mn = 0; mx = -1; after = ps->p + 1; }
			else if (c == '+') { mn = 1; mx = -1; after = ps->p + 1; }
			else if (c == '?') { mn = 0; mx = 1; after = ps->p + 1; }
			else if (!parse_repeat_braces(ps->p, ps->end, &mn, &mx, &after))
				break;
			if (repeated) {
				set_err(ps, "invalid nested repetition operator", ps->p);
				return NULL;
			}
			if (mn > MAX_REPEAT || mx > MAX_REPEAT || (mx >= 0 && mx < mn)) {
				set_err(ps, "invalid repeat count", ps->p);
				return NULL;
			}
			ps->p = after;
			bool greedy = true;
			if (ps->p < ps->end && *ps->p == '?') {
				greedy = false;
				ps->p++;
			}
			if (ps->fU)
				greedy = !greedy;
			struct rnode *r = node(ps, RN_REPEAT);
			if (!r)
				return NULL;
			r->min = mn;
			r->max = mx;
			r->greedy = greedy;
			r->kids = arena_alloc(ps->a, sizeof(*r->kids));
			if (!r->kids) {
				set_err(ps, "out of memory", NULL);
				return NULL;
			}
			r->kids[0] = a;
			r->nkids = 1;
			a = r;
			repeated = true;
		}
		if (cat->nkids == cap) {
			int nc = cap ? cap * 2 : 8;
			struct rnode **nk = arena_alloc(ps->a, (size_t)nc * sizeof(*nk));
			if (!nk) {
				set_err(ps, "out of memory", NULL);
				return NULL;
			}
			if (cat->nkids)
				memcpy(nk, cat->kids, (size_t)cat->nkids * sizeof(*nk));
			cat->kids = nk;
			cap = nc;
		}
		cat->kids[cat->nkids++] = a;
	}
	return cat;
}

static struct rnode *
parse_alt(struct rparse *ps)
{
	struct rnode *first = parse_concat(ps);
	if (!first)
		return NULL;
	if (ps->p >= ps->end || *ps->p != '|')
		return first;
	struct rnode *alt = node(ps, RN_ALT);
	if (!alt)
		return NULL;
	int cap = 4;
	alt->kids = arena_alloc(ps->a, (size_t)cap * sizeof(*alt->kids));
	if (!alt->kids) {
		set_err(ps, "out of memory", NULL);
		return NULL;
	}
	alt->kids[alt->nkids++] = first;
	while (ps->p < ps->end && *ps->p == '|') {
		ps->p++;
		struct rnode *n = parse_concat(ps);
		if (!n)
			return NULL;
		if (alt->nkids == cap) {
			struct rnode **nk = arena_alloc(ps->a, (size_t)cap * 2 * sizeof(*nk));
			if (!nk) {
				set_err(ps, "out of memory", NULL);
				return NULL;
			}
			memcpy(nk, alt->kids, (size_t)cap * sizeof(*nk));
			alt->kids = nk;
			cap *= 2;
		}
		alt->kids[alt->nkids++] = n;
	}
	return alt;
}

/* ---- compiler ---- */

struct comp {
	struct inst *p;
	int n, cap;
	bool fail;
};

static int
emit(struct comp *c, int op)
{
	if (c->fail)
		return 0;
	if (c->n >= MAX_INST) {
		c->fail = true;
		return 0;
	}
	if (c->n == c->cap) {
		int nc = c->cap ? c->cap * 2 : 32;
		struct inst *np = realloc(c->p, (size_t)nc * sizeof(*np));
		if (!np) {
			c->fail = true;
			return 0;
		}
		c->p = np;
		c->cap = nc;
	}
	memset(&c->p[c->n], 0, sizeof(c->p[0]));
	c->p[c->n].op = (uint8_t)op;
	return c->n++;
}

static void
compile(struct comp *c, const struct rnode *n)
{
	if (c->fail)
		return;
	int pc;
	switch (n->kind) {
	case RN_EMPTY:
		break;
	case RN_LIT:
		pc = emit(c, I_CHAR);
		if (!c->fail) {
			c->p[pc].c = n->c;
			c->p[pc].fold = n->fold;
		}
		break;
	case RN_CLASS:
		pc = emit(c, I_CLASS);
		if (!c->fail) {
			c->p[pc].r = n->r;
			c->p[pc].nr = n->nr;
		}
		break;
	case RN_ANY:
		emit(c, I_ANY);
		break;
	case RN_ANYNL:
		emit(c, I_ANYNL);
		break;
	case RN_ASSERT:
		pc = emit(c, I_ASSERT);
		if (!c->fail)
			c->p[pc].x = (int)n->c;
		break;
	case RN_CAT:
		for (int i = 0; i < n->nkids; i++)
			compile(c, n->kids[i]);
		break;
	case RN_CAP:
		pc = emit(c, I_SAVE);
		if (!c->fail)
			c->p[pc].x = 2 * n->cap;
		compile(c, n->kids[0]);
		pc = emit(c, I_SAVE);
		if (!c->fail)
			c->p[pc].x = 2 * n->cap + 1;
		break;
	case RN_ALT: {
		int jmps[n->nkids];
		for (int i = 0; i < n->nkids - 1; i++) {
			int s = emit(c, I_SPLIT);
			compile(c, n->kids[i]);
			jmps[i] = emit(c, I_JMP);
			if (c->fail)
				return;
			c->p[s].x = s + 1;
			c->p[s].y = c->n;
		}
		compile(c, n->kids[n->nkids - 1]);
		if (c->fail)
			return;
		for (int i = 0; i < n->nkids - 1; i++)
			c->p[jmps[i]].x = c->n;
		break;
	}
	case RN_REPEAT: {
		const struct rnode *k = n->kids[0];
		for (int i = 0; i < n->min; i++)
			compile(c, k);
		if (n->max < 0) {
			int s = emit(c, I_SPLIT);
			compile(c, k);
			int j = emit(c, I_JMP);
			if (c->fail)
				return;
			c->p[j].x = s;
			c->p[s].x = n->greedy ? s + 1 : c->n;
			c->p[s].y = n->greedy ? c->n : s + 1;
		} else {
			int cnt = n->max - n->min;
			int splits[cnt > 0 ? cnt : 1];
			for (int i = 0; i < cnt; i++) {
				splits[i] = emit(c, I_SPLIT);
				compile(c, k);
				if (c->fail)
					return;
			}
			for (int i = 0; i < cnt; i++) {
				int s = splits[i];
				c->p[s].x = n->greedy ? s + 1 : c->n;
				c->p[s].y = n->greedy ? c->n : s + 1;
			}
		}
		break;
	}
	}
}

static bool
ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

struct lq_regex *
lq__re_compile(struct arena *a, const char *pat, size_t n, int flags,
	       char *errbuf, size_t errsize)
{
	struct rparse ps;
	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.p = pat;
	ps.end = pat + n;
	ps.errbuf = errbuf;
	ps.errsize = errsize;
	if (!lq__utf8_valid(pat, n)) {
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "invalid UTF-8");
		return NULL;
	}
	struct rnode *root = parse_alt(&ps);
	if (root && ps.p < ps.end && !ps.err)
		set_err(&ps, "unexpected )", ps.p);
	if (!root || ps.err) {
		if (errbuf && errsize && ps.err != errbuf)
			snprintf(errbuf, errsize, "%s", ps.err ? ps.err : "invalid regex");
		return NULL;
	}
	struct comp c = { 0 };
	int pc;
	if (flags & LQ_RE_ANCHOR) {
		pc = emit(&c, I_ASSERT);
		if (!c.fail)
			c.p[pc].x = AS_BOT;
	}
	pc = emit(&c, I_SAVE);
	if (!c.fail)
		c.p[pc].x = 0;
	compile(&c, root);
	pc = emit(&c, I_SAVE);
	if (!c.fail)
		c.p[pc].x = 1;
	if (flags & LQ_RE_ANCHOR) {
		pc = emit(&c, I_ASSERT);
		if (!c.fail)
			c.p[pc].x = AS_EOT;
	}
	emit(&c, I_MATCH);
	if (c.fail) {
		free(c.p);
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "expression too large");
		return NULL;
	}
	struct lq_regex *re = arena_calloc(a, sizeof(*re));
	struct inst *prog = re ? arena_alloc(a, (size_t)c.n * sizeof(*prog)) : NULL;
	const char **names = prog ? arena_calloc(a, (size_t)(ps.ncap + 1) * sizeof(*names)) : NULL;
	if (!names) {
		free(c.p);
		if (errbuf && errsize)
			snprintf(errbuf, errsize, "out of memory");
		return NULL;
	}
	memcpy(prog, c.p, (size_t)c.n * sizeof(*prog));
	free(c.p);
	for (int i = 1; i <= ps.ncap; i++)
		names[i] = ps.names[i];
	re->prog = prog;
	re->ninst = c.n;
	re->ncap = ps.ncap;
	re->names = names;
	if (flags & LQ_RE_ANCHOR) {
		/* `.` matches any rune but \n; every non-empty text has a rune */
		if (n == 2 && pat[0] == '.' && (pat[1] == '*' || pat[1] == '+')) {
			re->fast = pat[1] == '*' ? FAST_ANY : FAST_NONEMPTY;
		} else if (lq__re_is_literal(pat, n) && ascii(pat, n)) {
			re->lit = arena_strndup(a, pat, n);
			re->fast = re->lit ? FAST_LITERAL : FAST_NONE;
			re->litlen = n;
		}
	} else {
		size_t pl = literal_prefix(pat, n);
		if (pl >= 2) {
			re->prefix = arena_strndup(a, pat, pl);
			re->plen = re->prefix ? pl : 0;
		}
	}
	return re;
}

int
lq__re_ncap(const struct lq_regex *re)
{
	return re->ncap;
}

const char *
lq__re_capname(const struct lq_regex *re, int i)
{
	return i >= 1 && i <= re->ncap ? re->names[i] : NULL;
}

/* ---- Pike VM ---- */

struct tlist {
	int *pc;
	long *caps;
	int n;
	unsigned gen;
};

struct vm {
	const struct lq_regex *re;
	const unsigned char *s;
	size_t n;
	int ns;
	unsigned *mark;
	struct { int pc, slot; long old; } *stack;
	long *work;
};

static bool
is_word(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
assert_ok(const struct vm *vm, int kind, size_t pos)
{
	switch (kind) {
	case AS_BOT: return pos == 0;
	case AS_EOT: return pos == vm->n;
	case AS_BOL: return pos == 0 || vm->s[pos - 1] == '\n';
	case AS_EOL: return pos == vm->n || vm->s[pos] == '\n';
	case AS_WORDB:
	case AS_NWORDB: {
		bool a = pos > 0 && is_word(vm->s[pos - 1]);
		bool b = pos < vm->n && is_word(vm->s[pos]);
		return (a != b) == (kind == AS_WORDB);
	}
	}
	return false;
}

static void
addthread(struct vm *vm, struct tlist *l, int pc0, size_t pos, const long *caps)
{
	const struct inst *prog = vm->re->prog;
	int ns = vm->ns;
	if (ns)
		memcpy(vm->work, caps, (size_t)ns * sizeof(long));
	int sp = 0;
	vm->stack[sp].pc = pc0;
	vm->stack[sp].slot = -1;
	sp++;
	while (sp > 0) {
		sp--;
		if (vm->stack[sp].slot >= 0) {
			vm->work[vm->stack[sp].slot] = vm->stack[sp].old;
			continue;
		}
		int pc = vm->stack[sp].pc;
		for (;;) {
			if (vm->mark[pc] == l->gen)
				break;
			vm->mark[pc] = l->gen;
			const struct inst *in = &prog[pc];
			if (in->op == I_JMP) {
				pc = in->x;
				continue;
			}
			if (in->op == I_SPLIT) {
				vm->stack[sp].pc = in->y;
				vm->stack[sp].slot = -1;
				sp++;
				pc = in->x;
				continue;
			}
			if (in->op == I_SAVE) {
				if (in->x < ns) {
					vm->stack[sp].slot = in->x;
					vm->stack[sp].old = vm->work[in->x];
					sp++;
					vm->work[in->x] = (long)pos;
				}
				pc++;
				continue;
			}
			if (in->op == I_ASSERT) {
				if (!assert_ok(vm, in->x, pos))
					break;
				pc++;
				continue;
			}
			l->pc[l->n] = pc;
			if (ns)
				memcpy(l->caps + (size_t)l->n * (size_t)ns, vm->work,
				       (size_t)ns * sizeof(long));
			l->n++;
			break;
		}
	}
}

static bool
class_has(const struct inst *in, uint32_t r)
{
	for (int i = 0; i < in->nr; i += 2) {
		if (r < in->r[i])
			return false;
		if (r <= in->r[i + 1])
			return true;
	}
	return false;
}

int
lq__re_exec(const struct lq_regex *re, const char *s, size_t n, long *caps)
{
	if (re->fast && !caps) {
		switch (re->fast) {
		case FAST_ANY: return !memchr(s, '\n', n);
		case FAST_NONEMPTY: return n > 0 && !memchr(s, '\n', n);
		default: return n == re->litlen && !memcmp(s, re->lit, n);
		}
	}
	size_t from = 0;
	if (re->plen) {
		const char *f = lq__memmem(s, n, re->prefix, re->plen);
		if (!f)
			return 0;
		from = (size_t)(f - s);   /* no match can start earlier */
	}
	int ni = re->ninst;
	int ns = caps ? 2 * (re->ncap + 1) : 0;
	size_t need = (size_t)ni * sizeof(unsigned) +
		      2 * (size_t)ni * sizeof(int) +
		      2 * (size_t)ni * (size_t)ns * sizeof(long) +
		      (size_t)(ni + 2) * (sizeof(int) * 2 + sizeof(long)) +
		      2 * (size_t)(ns ? ns : 1) * sizeof(long);
	char stackbuf[8192];
	char *mem = need <= sizeof(stackbuf) ? stackbuf : malloc(need);
	if (!mem)
		return -1;
	/* lay out: longs first for alignment */
	long *caps0 = (long *)mem;
	long *caps1 = caps0 + (size_t)ni * (size_t)ns;
	long *work = caps1 + (size_t)ni * (size_t)ns;
	long *init = work + (ns ? ns : 1);
	struct vm vm;
	vm.stack = (void *)(init + (ns ? ns : 1));
	unsigned *mark = (unsigned *)((char *)vm.stack +
			 (size_t)(ni + 2) * sizeof(*vm.stack));
	int *pc0 = (int *)(mark + ni);
	int *pc1 = pc0 + ni;
	memset(mark, 0, (size_t)ni * sizeof(unsigned));
	vm.re = re;
	vm.s = (const unsigned char *)s;
	vm.n = n;
	vm.ns = ns;
	vm.mark = mark;
	vm.work = work;
	for (int i = 0; i < ns; i++)
		init[i] = -1;
	struct tlist la = { pc0, caps0, 0, 0 }, lb = { pc1, caps1, 0, 0 };
	struct tlist *cl = &la, *nl = &lb;
	unsigned gen = 1;
	cl->gen = gen;
	bool matched = false;
	bool anchored = re->prog[0].op == I_ASSERT && re->prog[0].x == AS_BOT;
	size_t pos = from;
	for (;;) {
		if (!matched && (!anchored || pos == 0))
			addthread(&vm, cl, 0, pos, init);
		if (cl->n == 0 && (matched || anchored))
			break;
		uint32_t r = 0;
		size_t w = 1;
		if (pos < n)
			w = lq__utf8_decode(vm.s + pos, n - pos, &r);
		nl->n = 0;
		nl->gen = ++gen;
		for (int i = 0; i < cl->n; i++) {
			const struct inst *in = &re->prog[cl->pc[i]];
			long *tc = cl->caps + (size_t)i * (size_t)ns;
			bool ok = false;
			switch (in->op) {
			case I_MATCH:
				matched = true;
				if (!ns)
					goto done;
				memcpy(caps, tc, (size_t)ns * sizeof(long));
				goto cut;
			case I_CHAR:
				ok = pos < n && (in->fold ? fold_rune(r) == in->c : r == in->c);
				break;
			case I_ANY:
				ok = pos < n;
				break;
			case I_ANYNL:
				ok = pos < n && r != '\n';
				break;
			case I_CLASS:
				ok = pos < n && class_has(in, r);
				break;
			}
			if (ok)
				addthread(&vm, nl, cl->pc[i] + 1, pos + w, tc);
		}
cut:;
		struct tlist *t = cl;
		cl = nl;
		nl = t;
		if (pos >= n) {
			/* let the surviving threads reach MATCH at end */
			if (cl->n == 0)
				break;
			for (int i = 0; i < cl->n; i++) {
				if (re->prog[cl->pc[i]].op == I_MATCH) {
					matched = true;
					if (ns)
						memcpy(caps, cl->caps + (size_t)i * (size_t)ns,
						       (size_t)ns * sizeof(long));
					break;
				}
			}
			break;
		}
		pos += w;
	}
done:
	if (mem != stackbuf)
		free(mem);
	return matched ? 1 : 0;
}

bool
lq__re_matches_empty(const struct lq_regex *re)
{
	return lq__re_exec(re, "", 0, NULL) == 1;
}

bool
lq__re_is_literal(const char *pat, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("\\.+*?()|[]{}^$", pat[i]))
			return false;
	return true;
}

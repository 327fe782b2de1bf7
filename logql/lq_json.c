/*
 * logql/lq_json.c: the JSON reading the `json` and `unpack` stages need,
 * written to keep Loki's behaviour: nested objects flatten into
 * prefix_key labels, arrays and nulls are skipped, numbers keep their
 * source text, keys are sanitized to label names, and names that clash
 * with a stream label get the `_extracted` suffix.
 *
 * Owns: a small validating scanner over one line.  Values are unescaped
 * into the caller's per-line arena.  Does not own: the labels builder
 * (lq_pipeline.c).
 */
#include "logql/lq_pipeline.h"

#include <string.h>

struct jscan {
	const char *s, *end;
	struct arena *a;
	int depth;
};

static void
ws(struct jscan *j)
{
	while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' ||
	       *j->s == '\r'))
		j->s++;
}

static int
hex4(const char *p, uint32_t *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int h = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ?
			(c | 0x20) - 'a' + 10 : -1;
		if (h < 0)
			return -1;
		*v = *v * 16 + (uint32_t)h;
	}
	return 0;
}

static size_t
utf8_put(char *o, uint32_t r)
{
	if (r < 0x80) {
		o[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		o[0] = (char)(0xC0 | (r >> 6));
		o[1] = (char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		o[0] = (char)(0xE0 | (r >> 12));
		o[1] = (char)(0x80 | ((r >> 6) & 0x3F));
		o[2] = (char)(0x80 | (r & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (r >> 18));
	o[1] = (char)(0x80 | ((r >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((r >> 6) & 0x3F));
	o[3] = (char)(0x80 | (r & 0x3F));
	return 4;
}

/* Nonzero when a byte of x is zero. */
#define ZERO_BYTE(x) (((x) - 0x0101010101010101ULL) & ~(x) & 0x8080808080808080ULL)
/* The byte (in memory order) of the first flag in such a mask: exact on
 * little-endian; on big-endian possibly an earlier, unflagged byte. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FIRST_FLAG(m) ((size_t)__builtin_clzll(m) >> 3)
#else
#define FIRST_FLAG(m) ((size_t)__builtin_ctzll(m) >> 3)
#endif

/*
 * Reads a string at j->s == '"' without copying it: [*start, *stop) is
 * its raw text, *esc whether it holds escapes.  False when it is not a
 * valid JSON string (what jstring() would refuse to decode).
 */
static bool
jstr_span(struct jscan *j, const char **start, const char **stop, bool *esc)
{
	const char *p = j->s + 1;
	const char *e = p;
	*esc = false;
	for (;;) {
		/* 8 bytes at a time while none is '"', '\\' or a control byte;
		 * then to the first such byte */
		while (j->end - e >= 8) {
			uint64_t x;
			memcpy(&x, e, 8);
			uint64_t m = ZERO_BYTE(x ^ 0x2222222222222222ULL) | ZERO_BYTE(x ^ 0x5c5c5c5c5c5c5c5cULL) |
				     ((x - 0x2020202020202020ULL) & ~x & 0x8080808080808080ULL);
			if (m) {
				e += FIRST_FLAG(m);
				break;
			}
			e += 8;
		}
		if (e >= j->end || *e == '"')
			break;
		if ((unsigned char)*e < 0x20)
			return false;
		if (*e == '\\') {
			*esc = true;
			e++;
		}
		e++;
	}
	if (e >= j->end)
		return false;
	for (const char *q = *esc ? memchr(p, '\\', (size_t)(e - p)) : NULL; q;
	     q = memchr(q, '\\', (size_t)(e - q))) {
		uint32_t v;
		if (q[1] == 'u') {
			if (e - q < 6 || hex4(q + 2, &v) < 0)
				return false;
			q += 6;
		} else if (strchr("\"\\/bfnrt", q[1]) && q[1]) {
			q += 2;
		} else {
			return false;
		}
		if (q >= e)
			break;
	}
	*start = p;
	*stop = e;
	j->s = e + 1;
	return true;
}

/* The text of string span [p, e) (from jstr_span), unescaped, in the
 * arena (or NULL). */
static const char *
jdecode(struct jscan *j, const char *p, const char *e, bool esc, size_t *len)
{
	if (!esc) {
		*len = (size_t)(e - p);
		char *o = arena_strndup(j->a, p, *len);
		return o;
	}
	char *o = arena_alloc(j->a, (size_t)(e - p) + 4);
	if (!o)
		return NULL;
	size_t n = 0;
	while (p < e) {
		if (*p != '\\') {
			o[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"': o[n++] = '"'; p++; break;
		case '\\': o[n++] = '\\'; p++; break;
		case '/': o[n++] = '/'; p++; break;
		case 'b': o[n++] = '\b'; p++; break;
		case 'f': o[n++] = '\f'; p++; break;
		case 'n': o[n++] = '\n'; p++; break;
		case 'r': o[n++] = '\r'; p++; break;
		case 't': o[n++] = '\t'; p++; break;
		case 'u': {
			uint32_t v;
			if (e - p < 5 || hex4(p + 1, &v) < 0)
				return NULL;
			p += 5;
			if (v >= 0xD800 && v < 0xDC00 && e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
				uint32_t lo;
				if (hex4(p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
					v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
					p += 6;
				} else {
					v = 0xFFFD;
				}
			} else if (v >= 0xD800 && v < 0xE000) {
				v = 0xFFFD;
			}
			n += utf8_put(o + n, v);
			break;
		}
		default:
			return NULL;
		}
	}
	o[n] = 0;
	*len = n;
	return o;
}

/* Reads a string at j->s == '"'; returns unescaped copy (or NULL). */
static const char *
jstring(struct jscan *j, size_t *len)
{
	const char *p, *e;
	bool esc;
	if (!jstr_span(j, &p, &e, &esc))
		return NULL;
	return jdecode(j, p, e, esc, len);
}

static bool
jskip(struct jscan *j);

static bool
jnumber(struct jscan *j, const char **s, size_t *n)
{
	const char *p = j->s;
	if (p < j->end && *p == '-')
		p++;
	if (p >= j->end || *p < '0' || *p > '9')
		return false;
	if (*p == '0')
		p++;
	else
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	if (p < j->end && *p == '.') {
		p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return false;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return false;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	*s = j->s;
	*n = (size_t)(p - j->s);
	j->s = p;
	return true;
}

static bool
jlit(struct jscan *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->s) < n || memcmp(j->s, w, n))
		return false;
	j->s += n;
	return true;
}

static bool
jskip(struct jscan *j)
{
	ws(j);
	if (j->s >= j->end)
		return false;
	if (++j->depth > 200)
		return false;
	bool ok = true;
	size_t n;
	const char *s;
	switch (*j->s) {
	case '"': {
		const char *a, *b;
		bool esc;
		ok = jstr_span(j, &a, &b, &esc);
		break;
	}
	case '{':
	case '[': {
		char close = *j->s == '{' ? '}' : ']';
		bool obj = close == '}';
		j->s++;
		ws(j);
		if (j->s < j->end && *j->s == close) {
			j->s++;
			break;
		}
		for (;;) {
			ws(j);
			if (obj) {
				const char *a, *b;
				bool esc;
				if (j->s >= j->end || *j->s != '"' || !jstr_span(j, &a, &b, &esc)) {
					ok = false;
					break;
				}
				ws(j);
				if (j->s >= j->end || *j->s != ':') {
					ok = false;
					break;
				}
				j->s++;
			}
			if (!jskip(j)) {
				ok = false;
				break;
			}
			ws(j);
			if (j->s < j->end && *j->s == ',') {
				j->s++;
				continue;
			}
			if (j->s < j->end && *j->s == close) {
				j->s++;
				break;
			}
			ok = false;
			break;
		}
		break;
	}
	case 't': ok = jlit(j, "true"); break;
	case 'f': ok = jlit(j, "false"); break;
	case 'n': ok = jlit(j, "null"); break;
	default:
		ok = jnumber(j, &s, &n);
	}
	j->depth--;
	return ok;
}

/* Sanitizes a JSON key into a label name part (Loki sanitizeLabelKey). */
static const char *
sanitize(struct arena *a, const char *k, size_t n, bool first)
{
	while (n && (*k == ' ' || *k == '\t' || *k == '\n' || *k == '\r')) {
		k++;
		n--;
	}
	while (n && (k[n - 1] == ' ' || k[n - 1] == '\t' || k[n - 1] == '\n' ||
		     k[n - 1] == '\r'))
		n--;
	char *o = arena_alloc(a, n + 2);
	if (!o)
		return NULL;
	size_t w = 0;
	if (first && n && k[0] >= '0' && k[0] <= '9')
		o[w++] = '_';
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)k[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		    (c >= '0' && c <= '9')) {
			o[w++] = (char)c;
			i++;
		} else {
			uint32_t r;
			i += lq__utf8_decode((const unsigned char *)k + i, n - i, &r);
			o[w++] = '_';
		}
	}
	o[w] = 0;
	return o;
}

/* Whether `nd` is the flattened name prefix_k (k alone without a prefix)
 * followed by `tail`, or, with tail NULL, by '_' and anything. */
static bool
flat_is(const char *nd, const char *prefix, const char *k, size_t kl, const char *tail)
{
	if (prefix) {
		size_t pl = strlen(prefix);
		if (strncmp(nd, prefix, pl) || nd[pl] != '_')
			return false;
		nd += pl + 1;
	}
	if (strncmp(nd, k, kl) || strlen(nd) < kl)
		return false;
	return tail ? !strcmp(nd + kl, tail) : nd[kl] == '_';
}

/*
 * Whether the value of raw key k needs no work beyond validation: the
 * parser hints name neither the label it would make (nor its _extracted
 * form) nor, for an object, any label under it.  Only for keys that
 * sanitize to themselves; the rest take the general path.
 */
static bool
skippable(const struct lq__lb *lb, const char *prefix, const char *k, size_t kl, bool obj)
{
	if (!lb->need || kl == 0 || (!prefix && k[0] >= '0' && k[0] <= '9'))
		return false;
	for (size_t i = 0; i < kl; i++) {
		unsigned char c = (unsigned char)k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (c >= '0' && c <= '9')))
			return false;
	}
	for (size_t i = 0; i < lb->nneed; i++) {
		const char *nd = lb->need[i];
		if (nd[0] != (prefix ? prefix[0] : k[0]))
			continue;
		if (obj ? flat_is(nd, prefix, k, kl, NULL) :
		    flat_is(nd, prefix, k, kl, "") || flat_is(nd, prefix, k, kl, "_extracted"))
			return false;
	}
	return true;
}

static bool jobject(struct jscan *j, struct lq__lb *lb, const char *prefix, bool skip);

/* Reads the value at j->s as jobject() does, validating it and setting
 * nothing (same nesting limits). */
static bool
jvalue_skip(struct jscan *j, struct lq__lb *lb)
{
	const char *a, *b;
	size_t n;
	bool esc;
	char c = *j->s;
	if (c == '{')
		return jobject(j, lb, NULL, true);
	if (c == '"')
		return jstr_span(j, &a, &b, &esc);
	if (c == 't' || c == 'f')
		return jlit(j, c == 't' ? "true" : "false");
	if (c == '-' || (c >= '0' && c <= '9'))
		return jnumber(j, &a, &n);
	return jskip(j);
}

/* Flattens the object at j->s into labels (none when `skip`). */
static bool
jobject(struct jscan *j, struct lq__lb *lb, const char *prefix, bool skip)
{
	/* at '{' */
	j->s++;
	ws(j);
	if (j->s < j->end && *j->s == '}') {
		j->s++;
		return true;
	}
	if (++j->depth > 200)
		return false;
	for (;;) {
		ws(j);
		if (j->s >= j->end || *j->s != '"')
			return false;
		const char *ks, *ke;
		bool kesc;
		if (!jstr_span(j, &ks, &ke, &kesc))
			return false;
		ws(j);
		if (j->s >= j->end || *j->s != ':')
			return false;
		j->s++;
		ws(j);
		if (j->s >= j->end)
			return false;
		if (skip || (!kesc && skippable(lb, prefix, ks, (size_t)(ke - ks), *j->s == '{'))) {
			if (!jvalue_skip(j, lb))
				return false;
			goto next;
		}
		size_t kl = (size_t)(ke - ks);
		const char *k = kesc ? jdecode(j, ks, ke, true, &kl) : ks;
		if (!k)
			return false;
		const char *part = sanitize(j->a, k, kl, !prefix);
		if (!part)
			return false;
		const char *key = part;
		if (prefix) {
			size_t pl = strlen(prefix), ql = strlen(part);
			char *b = arena_alloc(j->a, pl + ql + 2);
			if (!b)
				return false;
			memcpy(b, prefix, pl);
			b[pl] = '_';
			memcpy(b + pl + 1, part, ql + 1);
			key = b;
		}
		char c = *j->s;
		if (c == '{') {
			if (!jobject(j, lb, key, false))
				return false;
		} else if (c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' ||
			   c == 'f') {
			const char *v;
			size_t vl;
			if (c == '"') {
				v = jstring(j, &vl);
				if (!v)
					return false;
			} else if (c == 't' || c == 'f') {
				if (!jlit(j, c == 't' ? "true" : "false"))
					return false;
				v = c == 't' ? "true" : "false";
			} else {
				const char *ns;
				if (!jnumber(j, &ns, &vl))
					return false;
				v = arena_strndup(j->a, ns, vl);
				if (!v)
					return false;
			}
			if (*key) {
				const char *name = key;
				if (lq__lb_base_has(lb, key)) {
					size_t l = strlen(key);
					char *b = arena_alloc(j->a, l + 11);
					if (!b)
						return false;
					memcpy(b, key, l);
					memcpy(b + l, "_extracted", 11);
					name = b;
				}
				if (lq__lb_want(lb, key, name))
					lq__lb_set(lb, name, v);
			}
		} else {
			if (!jskip(j))
				return false;
		}
next:
		ws(j);
		if (j->s < j->end && *j->s == ',') {
			j->s++;
			continue;
		}
		if (j->s < j->end && *j->s == '}') {
			j->s++;
			break;
		}
		return false;
	}
	j->depth--;
	return true;
}

bool
lq__json_flatten(struct arena *tmp, const char *line, size_t len, struct lq__lb *lb)
{
	struct jscan j = { line, line + len, tmp, 0 };
	ws(&j);
	if (j.s >= j.end || *j.s != '{')
		return false;
	if (!jobject(&j, lb, NULL, false))
		return false;
	ws(&j);
	return j.s == j.end;
}

/* Walks a path like a.b[0]["c d"] and returns the value text: strings
 * unescaped, other values as their JSON text. */
const char *
lq__json_path(struct arena *tmp, const char *line, size_t len, const char *path)
{
	struct jscan j = { line, line + len, tmp, 0 };
	const char *p = path;
	ws(&j);
	while (*p) {
		char key[256];
		size_t kl = 0;
		long idx = -1;
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			p++;
			if (*p == '"' || *p == '\'') {
				char q = *p++;
				while (*p && *p != q && kl < sizeof(key) - 1) {
					if (*p == '\\' && p[1])
						p++;
					key[kl++] = *p++;
				}
				if (*p != q)
					return NULL;
				p++;
			} else {
				idx = 0;
				while (*p >= '0' && *p <= '9')
					idx = idx * 10 + (*p++ - '0');
			}
			if (*p != ']')
				return NULL;
			p++;
		} else {
			while (*p && *p != '.' && *p != '[' && kl < sizeof(key) - 1)
				key[kl++] = *p++;
		}
		key[kl] = 0;
		ws(&j);
		if (j.s >= j.end)
			return NULL;
		if (idx >= 0) {
			if (*j.s != '[')
				return NULL;
			j.s++;
			for (long i = 0;; i++) {
				ws(&j);
				if (j.s < j.end && *j.s == ']')
					return NULL;
				if (i == idx)
					break;
				if (!jskip(&j))
					return NULL;
				ws(&j);
				if (j.s >= j.end || *j.s != ',')
					return NULL;
				j.s++;
			}
			continue;
		}
		if (*j.s != '{')
			return NULL;
		j.s++;
		bool found = false;
		for (;;) {
			ws(&j);
			size_t l;
			if (j.s >= j.end || *j.s != '"')
				return NULL;
			const char *k = jstring(&j, &l);
			if (!k)
				return NULL;
			ws(&j);
			if (j.s >= j.end || *j.s != ':')
				return NULL;
			j.s++;
			ws(&j);
			if (l == kl && !memcmp(k, key, kl)) {
				found = true;
				break;
			}
			if (!jskip(&j))
				return NULL;
			ws(&j);
			if (j.s < j.end && *j.s == ',') {
				j.s++;
				continue;
			}
			return NULL;
		}
		if (!found)
			return NULL;
	}
	ws(&j);
	if (j.s >= j.end)
		return NULL;
	if (*j.s == '"') {
		size_t l;
		return jstring(&j, &l);
	}
	const char *st = j.s;
	if (!jskip(&j))
		return NULL;
	if (st[0] == 'n')
		return NULL;
	return arena_strndup(tmp, st, (size_t)(j.s - st));
}

/* Loki's unpack: string values of a packed object become labels, but
 * only when the object has the `_entry` key (which replaces the line). */
bool
lq__json_unpack(struct arena *tmp, const char *line, size_t len, struct lq__lb *lb,
		const char **entry, size_t *entry_len)
{
	struct jscan j = { line, line + len, tmp, 0 };
	const char *names[128], *values[128];
	size_t nb = 0;
	ws(&j);
	if (j.s >= j.end || *j.s != '{')
		return false;
	j.s++;
	ws(&j);
	if (j.s < j.end && *j.s == '}')
		return true;
	for (;;) {
		ws(&j);
		size_t kl, vl;
		if (j.s >= j.end || *j.s != '"')
			return false;
		const char *k = jstring(&j, &kl);
		if (!k)
			return false;
		ws(&j);
		if (j.s >= j.end || *j.s != ':')
			return false;
		j.s++;
		ws(&j);
		if (j.s < j.end && *j.s == '"') {
			const char *v = jstring(&j, &vl);
			if (!v)
				return false;
			if (!strcmp(k, "_entry")) {
				*entry = v;
				*entry_len = vl;
			} else if (nb < 128) {
				names[nb] = k;
				values[nb++] = v;
			}
		} else if (!jskip(&j)) {
			return false;
		}
		ws(&j);
		if (j.s < j.end && *j.s == ',') {
			j.s++;
			continue;
		}
		if (j.s < j.end && *j.s == '}')
			break;
		return false;
	}
	if (!*entry)
		return true;
	for (size_t i = 0; i < nb; i++) {
		const char *name = names[i];
		if (lq__lb_base_has(lb, name)) {
			size_t l = strlen(name);
			char *b = arena_alloc(tmp, l + 11);
			if (!b)
				return false;
			memcpy(b, name, l);
			memcpy(b + l, "_extracted", 11);
			name = b;
		}
		lq__lb_set(lb, name, values[i]);
	}
	return true;
}

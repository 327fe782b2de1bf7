/*
 * logql/lq_pattern.c: Loki's `pattern` parser expressions and the |> line
 * filter patterns: literal text with <name> and <_> captures.
 *
 * Owns: compiling ("<ip> - <_> \"<method>\"") and matching the way Loki's
 * pattern package does (each capture runs to the first occurrence of the
 * literal after it; a missing literal ends the match, keeping the
 * captures found so far).
 */
#include "logql/lq_internal.h"

#include <string.h>

struct pnode {
	bool cap;
	const char *s;           /* literal bytes or capture name (NULL: <_>) */
	size_t n;
};

struct lq__pattern {
	struct pnode *nodes;
	size_t nn, ncap;
	const char **names;
};

static bool
ident_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

struct lq__pattern *
lq__pattern_compile(struct arena *a, const char *s, size_t n, bool need_named,
		    const char **errmsg)
{
	struct lq__pattern *p = arena_calloc(a, sizeof(*p));
	struct pnode *nodes = p ? arena_alloc(a, (n + 1) * sizeof(*nodes)) : NULL;
	const char **names = nodes ? arena_alloc(a, (n + 1) * sizeof(*names)) : NULL;
	if (!names) {
		*errmsg = "out of memory";
		return NULL;
	}
	size_t nn = 0, ncap = 0, i = 0, lit = 0;
	while (i < n) {
		if (s[i] == '<') {
			const char *e = memchr(s + i + 1, '>', n - i - 1);
			size_t l = e ? (size_t)(e - (s + i + 1)) : 0;
			if (e && (ident_ok(s + i + 1, l))) {
				if (i > lit) {
					nodes[nn].cap = false;
					nodes[nn].s = s + lit;
					nodes[nn].n = i - lit;
					nn++;
				}
				if (nn > 0 && nodes[nn - 1].cap) {
					*errmsg = "pattern has two captures in a row; put literal text between them";
					return NULL;
				}
				bool unnamed = l == 1 && s[i + 1] == '_';
				const char *name = unnamed ? NULL : arena_strndup(a, s + i + 1, l);
				if (!unnamed) {
					if (!name) {
						*errmsg = "out of memory";
						return NULL;
					}
					for (size_t k = 0; k < ncap; k++)
						if (!strcmp(names[k], name)) {
							*errmsg = "pattern uses the same capture name twice";
							return NULL;
						}
					names[ncap++] = name;
				}
				nodes[nn].cap = true;
				nodes[nn].s = name;
				nodes[nn].n = l;
				nn++;
				i += l + 2;
				lit = i;
				continue;
			}
		}
		i++;
	}
	if (n > lit) {
		nodes[nn].cap = false;
		nodes[nn].s = s + lit;
		nodes[nn].n = n - lit;
		nn++;
	}
	if (need_named && ncap == 0) {
		*errmsg = "pattern needs at least one named capture like <name> (`*` is not a wildcard; <_> skips text)";
		return NULL;
	}
	p->nodes = nodes;
	p->nn = nn;
	p->ncap = ncap;
	p->names = names;
	return p;
}

size_t
lq__pattern_ncap(const struct lq__pattern *p)
{
	return p->ncap;
}

const char *
lq__pattern_capname(const struct lq__pattern *p, size_t i)
{
	return i < p->ncap ? p->names[i] : NULL;
}

static const char *
find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0)
		return h;
	return lq__memmem(h, hn, nd, nn);
}

bool
lq__pattern_match(const struct lq__pattern *p, const char *s, size_t n,
		  size_t *caps)
{
	size_t k = 0, pos = 0, got = 0;
	if (caps) {
		/* parser semantics: captures so far; returns true if any */
		if (n == 0 || p->nn == 0)
			return false;
		if (!p->nodes[0].cap) {
			if (p->nodes[0].n > n || memcmp(s, p->nodes[0].s, p->nodes[0].n))
				return false;
			pos = p->nodes[0].n;
			k = 1;
		}
		while (k < p->nn) {
			const struct pnode *c = &p->nodes[k];
			if (k + 1 == p->nn) {
				if (c->s) {
					caps[2 * got] = pos;
					caps[2 * got + 1] = n;
					got++;
				}
				break;
			}
			const struct pnode *l = &p->nodes[k + 1];
			k += 2;
			const char *f = find(s + pos, n - pos, l->s, l->n);
			if (!f) {
				if (c->s) {
					caps[2 * got] = pos;
					caps[2 * got + 1] = n;
					got++;
				}
				break;
			}
			size_t at = (size_t)(f - s);
			if (c->s) {
				caps[2 * got] = pos;
				caps[2 * got + 1] = at;
				got++;
			}
			pos = at + l->n;
		}
		for (size_t i = got; i < p->ncap; i++)
			caps[2 * i] = caps[2 * i + 1] = (size_t)-1;
		return got > 0;
	}
	/* line filter: literals in order, anchored where the pattern is */
	for (k = 0; k < p->nn; k++) {
		const struct pnode *c = &p->nodes[k];
		if (c->cap)
			continue;
		if (k == 0) {
			if (c->n > n || memcmp(s, c->s, c->n))
				return false;
			pos = c->n;
			continue;
		}
		if (k == p->nn - 1) {
			if (c->n > n - pos || memcmp(s + n - c->n, c->s, c->n))
				return false;
			pos = n;
			continue;
		}
		const char *f = find(s + pos, n - pos, c->s, c->n);
		if (!f)
			return false;
		pos = (size_t)(f - s) + c->n;
	}
	return true;
}

/*
 * logql/lq_pipeline.c: running pipeline stages on one log line with
 * Loki 2.8 semantics: line filters on raw bytes, parsers that add labels
 * (clashes with stream labels get `_extracted`), label filters that set
 * __error__=LabelFilterErr instead of dropping when a value does not
 * convert, line_format/label_format templates (a subset of Go's
 * text/template: fields, __line__, literals and common string
 * functions), drop/keep, decolorize and unwrap conversions.
 *
 * Owns: per-line work.  Does not own: iterating sources, windows or
 * aggregation (lq_eval.c).
 */
#include "logql/lq_pipeline.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- labels builder ---- */

void
lq__lb_reset(struct lq__lb *lb, struct arena *tmp, const struct lq_label *base,
	     size_t nbase)
{
	lb->tmp = tmp;
	lb->base = base;
	lb->nbase = nbase;
	lb->n = 0;
	lb->oom = false;
	if (lb->cap < nbase + 16) {
		size_t nc = nbase + 32;
		struct lq_label *nv = realloc(lb->v, nc * sizeof(*nv));
		if (!nv) {
			lb->oom = true;
			return;
		}
		lb->v = nv;
		lb->cap = nc;
	}
	memcpy(lb->v, base, nbase * sizeof(*base));
	lb->n = nbase;
}

const char *
lq__lb_get(const struct lq__lb *lb, const char *name)
{
	for (size_t i = 0; i < lb->n; i++)
		if (!strcmp(lb->v[i].name, name))
			return lb->v[i].value;
	return NULL;
}

void
lq__lb_set(struct lq__lb *lb, const char *name, const char *value)
{
	for (size_t i = 0; i < lb->n; i++)
		if (!strcmp(lb->v[i].name, name)) {
			lb->v[i].value = value;
			return;
		}
	if (lb->n == lb->cap) {
		size_t nc = lb->cap ? lb->cap * 2 : 32;
		struct lq_label *nv = realloc(lb->v, nc * sizeof(*nv));
		if (!nv) {
			lb->oom = true;
			return;
		}
		lb->v = nv;
		lb->cap = nc;
	}
	lb->v[lb->n].name = name;
	lb->v[lb->n].value = value;
	lb->n++;
}

void
lq__lb_del(struct lq__lb *lb, const char *name)
{
	for (size_t i = 0; i < lb->n; i++)
		if (!strcmp(lb->v[i].name, name)) {
			lb->v[i] = lb->v[--lb->n];
			return;
		}
}

bool
lq__lb_want(const struct lq__lb *lb, const char *name, const char *final_name)
{
	if (!lb->need)
		return true;
	for (size_t i = 0; i < lb->nneed; i++)
		if (!strcmp(lb->need[i], name) || !strcmp(lb->need[i], final_name))
			return true;
	return false;
}

bool
lq__lb_base_has(const struct lq__lb *lb, const char *name)
{
	for (size_t i = 0; i < lb->nbase; i++)
		if (!strcmp(lb->base[i].name, name))
			return true;
	return false;
}

bool
lq__lb_has_err(const struct lq__lb *lb)
{
	const char *e = lq__lb_get(lb, "__error__");
	return e && *e;
}

void
lq__lb_set_err(struct lq__lb *lb, const char *err, const char *details)
{
	if (lq__lb_has_err(lb))
		return;
	lq__lb_set(lb, "__error__", err);
	if (details)
		lq__lb_set(lb, "__error_details__", details);
}

/* ---- conversions ---- */

bool
lq__parse_float(const char *s, double *v)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	char *end;
	*v = strtod(s, &end);
	if (*end)
		return false;
	/* Go does not accept hex floats without p exponent: strtod does */
	const char *p = s + (*s == '-' || *s == '+');
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && !strpbrk(p, "pP"))
		return false;
	return true;
}

static bool
parse_human_bytes(const char *s, double *out)
{
	static const struct { const char *u; double m; } units[] = {
		{ "", 1 }, { "b", 1 }, { "kib", 1024.0 }, { "ki", 1024.0 }, { "kb", 1e3 },
		{ "k", 1e3 }, { "mib", 1048576.0 }, { "mi", 1048576.0 }, { "mb", 1e6 },
		{ "m", 1e6 }, { "gib", 1073741824.0 }, { "gi", 1073741824.0 },
		{ "gb", 1e9 }, { "g", 1e9 }, { "tib", 1099511627776.0 },
		{ "ti", 1099511627776.0 }, { "tb", 1e12 }, { "t", 1e12 },
		{ "pib", 1125899906842624.0 }, { "pi", 1125899906842624.0 },
		{ "pb", 1e15 }, { "p", 1e15 }, { "eib", 1152921504606846976.0 },
		{ "ei", 1152921504606846976.0 }, { "eb", 1e18 }, { "e", 1e18 },
	};
	size_t i = 0;
	char num[64];
	size_t nl = 0;
	while (s[i] && (isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == ',')) {
		if (s[i] != ',' && nl < sizeof(num) - 1)
			num[nl++] = s[i];
		i++;
	}
	num[nl] = 0;
	if (!nl)
		return false;
	char *end;
	double v = strtod(num, &end);
	if (*end)
		return false;
	while (s[i] == ' ')
		i++;
	char unit[8];
	size_t ul = 0;
	while (s[i] && ul < sizeof(unit) - 1)
		unit[ul++] = (char)tolower((unsigned char)s[i++]);
	unit[ul] = 0;
	if (s[i])
		return false;
	for (size_t k = 0; k < LX_ARRAY_LEN(units); k++)
		if (!strcmp(units[k].u, unit)) {
			*out = floor(v * units[k].m);
			return true;
		}
	return false;
}

/* ---- line filters ---- */

static bool
alt_match(enum lq_line_op op, const struct lq_line_alt *a, const char *line, size_t len)
{
	if (a->ip)
		return lq__ip_match_line(a->ipm, line, len);
	switch (op) {
	case LQ_LINE_CONTAINS:
	case LQ_LINE_NOT_CONTAINS:
		return lq__memmem(line, len, a->s, a->len) != NULL;
	case LQ_LINE_MATCH:
	case LQ_LINE_NOT_MATCH:
		return a->re && lq__re_exec(a->re, line, len, NULL) == 1;
	case LQ_LINE_PATTERN:
	case LQ_LINE_NOT_PATTERN:
		return lq__pattern_match((const struct lq__pattern *)a->re, line, len, NULL);
	}
	return false;
}

static bool
line_filter(const struct lq_line_filter *f, const char *line, size_t len)
{
	bool neg = f->op == LQ_LINE_NOT_CONTAINS || f->op == LQ_LINE_NOT_MATCH ||
		   f->op == LQ_LINE_NOT_PATTERN;
	bool any = false;
	for (size_t i = 0; i < f->nalt && !any; i++)
		any = alt_match(f->op, &f->alt[i], line, len);
	return neg ? !any : any;
}

bool
lq__line_filters_pass(const struct lq_expr *log, const char *line, size_t len)
{
	/* only the filters before the first stage that can change the line */
	for (size_t i = 0; i < log->nstages; i++) {
		const struct lq_stage *st = &log->stages[i];
		if (st->kind == LQ_ST_LINE_FORMAT || st->kind == LQ_ST_DECOLORIZE ||
		    st->kind == LQ_ST_UNPACK)
			break;
		if (st->kind == LQ_ST_LINE_FILTER && !line_filter(&st->lf, line, len))
			return false;
	}
	return true;
}

/* ---- matchers ---- */

static bool
matcher_match(const struct lq_matcher *m, const char *v)
{
	if (!v)
		v = "";
	switch (m->op) {
	case LQ_EQ:
		return strlen(v) == m->value_len && !memcmp(v, m->value, m->value_len);
	case LQ_NEQ:
		return !(strlen(v) == m->value_len && !memcmp(v, m->value, m->value_len));
	case LQ_RE:
		return lq__re_exec(m->re, v, strlen(v), NULL) == 1;
	case LQ_NRE:
		return lq__re_exec(m->re, v, strlen(v), NULL) != 1;
	}
	return false;
}

bool
lq__selector_match(const struct lq_selector *sel, const struct lq_label *l, size_t n)
{
	for (size_t i = 0; i < sel->n; i++) {
		const char *v = NULL;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(l[k].name, sel->m[i].name)) {
				v = l[k].value;
				break;
			}
		if (!matcher_match(&sel->m[i], v))
			return false;
	}
	return true;
}

/* ---- label filters ---- */

static bool
cmp(enum lq_cmp_op op, double a, double b)
{
	switch (op) {
	case LQ_CMP_EQ: case LQ_CMP_EQEQ: return a == b;
	case LQ_CMP_NEQ: return a != b;
	case LQ_CMP_GT: return a > b;
	case LQ_CMP_GTE: return a >= b;
	case LQ_CMP_LT: return a < b;
	case LQ_CMP_LTE: return a <= b;
	}
	return false;
}

static bool
label_filter(const struct lq_label_filter *f, struct lq__lb *lb)
{
	switch (f->kind) {
	case LQ_LF_AND: {
		bool l = label_filter(f->l, lb);
		bool r = label_filter(f->r, lb);
		return l && r;
	}
	case LQ_LF_OR: {
		bool l = label_filter(f->l, lb);
		if (l)
			return true;
		return label_filter(f->r, lb);
	}
	case LQ_LF_STRING:
		return matcher_match(&f->m, lq__lb_get(lb, f->m.name));
	case LQ_LF_IP: {
		const char *v = lq__lb_get(lb, f->name);
		bool m = v && lq__ip_match_value(f->ipm, v, strlen(v));
		return f->cmp == LQ_CMP_NEQ ? !m : m;
	}
	case LQ_LF_NUMBER:
	case LQ_LF_DURATION:
	case LQ_LF_BYTES: {
		if (lq__lb_has_err(lb))
			return true;
		const char *v = lq__lb_get(lb, f->name);
		if (!v)
			return false;   /* Loki: a missing label does not match */
		double x;
		bool ok;
		if (f->kind == LQ_LF_NUMBER) {
			ok = lq__parse_float(v, &x);
		} else if (f->kind == LQ_LF_DURATION) {
			int64_t ns;
			ok = lq__parse_go_duration(v, strlen(v), &ns) == 0;
			x = (double)ns;
		} else {
			ok = parse_human_bytes(v, &x);
		}
		if (!ok) {
			lq__lb_set_err(lb, "LabelFilterErr", "cannot convert label value");
			return true;
		}
		double want = f->kind == LQ_LF_NUMBER ? f->num :
			      f->kind == LQ_LF_DURATION ? (double)f->dur_ns : (double)f->bytes;
		return cmp(f->cmp, x, want);
	}
	}
	return false;
}

/* ---- logfmt ---- */

/*
 * Loki 2.8's logfmt decoder: bytes <= ' ' separate pairs, a key runs to
 * '=' or a blank; a '"' inside a key is a syntax error that stops the
 * scan (labels found before it stay) and sets LogfmtParserErr.  Values
 * may be quoted with escapes.  Empty values are kept (2.8 has no
 * --keep-empty; --strict only makes the first error final, as in 2.8).
 */
static void
logfmt(struct lq__lb *lb, const struct lq_stage *st, const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (unsigned char)s[i] <= ' ')
			i++;
		if (i >= n)
			break;
		size_t ks = i;
		while (i < n && (unsigned char)s[i] > ' ' && s[i] != '=' && s[i] != '"')
			i++;
		size_t kl = i - ks;
		if (i < n && (s[i] == '"' || (s[i] == '=' && kl == 0))) {
			char *d = arena_alloc(lb->tmp, 96);
			if (d)
				snprintf(d, 96, "logfmt syntax error at pos %zu : unexpected '%c'",
					 i + 1, s[i]);
			lq__lb_set_err(lb, "LogfmtParserErr", d);
			return;
		}
		const char *val = "";
		if (i < n && s[i] == '=') {
			i++;
			if (i < n && s[i] == '"') {
				i++;
				char *o = arena_alloc(lb->tmp, n - i + 1);
				if (!o)
					return;
				size_t w = 0;
				bool closed = false;
				while (i < n) {
					if (s[i] == '"') {
						closed = true;
						i++;
						break;
					}
					if (s[i] == '\\' && i + 1 < n) {
						i++;
						char c = s[i];
						o[w++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
						i++;
						continue;
					}
					o[w++] = s[i++];
				}
				o[w] = 0;
				if (!closed) {
					char *d = arena_alloc(lb->tmp, 96);
					if (d)
						snprintf(d, 96, "logfmt syntax error at pos %zu : unterminated quoted value", n + 1);
					lq__lb_set_err(lb, "LogfmtParserErr", d);
					return;
				}
				val = o;
			} else {
				size_t vs = i;
				while (i < n && (unsigned char)s[i] > ' ') {
					if (s[i] == '"' || s[i] == '=') {
						char *d = arena_alloc(lb->tmp, 96);
						if (d)
							snprintf(d, 96, "logfmt syntax error at pos %zu : unexpected '%c'",
								 i + 1, s[i]);
						lq__lb_set_err(lb, "LogfmtParserErr", d);
						return;
					}
					i++;
				}
				val = arena_strndup(lb->tmp, s + vs, i - vs);
				if (!val)
					return;
			}
		}
		/* sanitize key */
		char *k = arena_alloc(lb->tmp, kl + 12);
		if (!k)
			return;
		size_t w = 0;
		if (s[ks] >= '0' && s[ks] <= '9')
			k[w++] = '_';
		for (size_t z = 0; z < kl;) {
			unsigned char c = (unsigned char)s[ks + z];
			if (isalnum(c) || c == '_') {
				k[w++] = (char)c;
				z++;
			} else {
				uint32_t r;
				z += lq__utf8_decode((const unsigned char *)s + ks + z, kl - z, &r);
				k[w++] = '_';
			}
		}
		k[w] = 0;
		if (st->nex) {
			bool want = false;
			for (size_t e = 0; e < st->nex; e++)
				if (!strcmp(st->ex[e].path, k)) {
					want = true;
					k = (char *)st->ex[e].name;
					break;
				}
			if (!want)
				continue;
		} else {
			char *base = arena_strndup(lb->tmp, k, w);
			if (lq__lb_base_has(lb, k))
				memcpy(k + w, "_extracted", 11);
			if (base && !lq__lb_want(lb, base, k))
				continue;
		}
		lq__lb_set(lb, k, val);
	}
}

/* ---- templates (line_format / label_format) ---- */

struct tval {
	const char *s;
	size_t n;
	int b;                   /* -1: a string; 0/1: a boolean */
};

static const struct tval TV_FALSE = { "false", 5, 0 };
static const struct tval TV_TRUE = { "true", 4, 1 };

static bool
truthy(struct tval v)
{
	return v.b >= 0 ? v.b : v.n > 0;
}

struct tctx {
	struct lq__lb *lb;
	const char *line;
	size_t len;
	int64_t ts;
	struct arena *a;
	bool err;
};

static const char *
skip_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n'))
		p++;
	return p;
}

static struct tval
tv_str(struct tctx *c, const char *s)
{
	(void)c;
	struct tval v = { s ? s : "", s ? strlen(s) : 0, -1 };
	return v;
}

static struct tval
tv_copy(struct tctx *c, const char *s, size_t n)
{
	struct tval v = { "", 0, -1 };
	char *o = arena_strndup(c->a, s, n);
	if (o) {
		v.s = o;
		v.n = n;
	}
	return v;
}

static struct tval action(struct tctx *c, const char *p, const char *e);

/* Reads one operand: .label, "str", `raw`, number, __line__, __timestamp__,
 * or a parenthesized pipeline. */
static bool
operand(struct tctx *c, const char **pp, const char *e, struct tval *out)
{
	const char *p = skip_ws(*pp, e);
	if (p >= e)
		return false;
	if (*p == '(') {
		/* a parenthesized pipeline: find the matching ) outside strings */
		int depth = 0;
		char q = 0;
		const char *x = p;
		for (; x < e; x++) {
			if (q) {
				if (*x == '\\' && q == '"')
					x++;
				else if (*x == q)
					q = 0;
			} else if (*x == '"' || *x == '`') {
				q = *x;
			} else if (*x == '(') {
				depth++;
			} else if (*x == ')' && --depth == 0) {
				break;
			}
		}
		if (x >= e)
			return false;
		*out = action(c, p + 1, x);
		*pp = x + 1;
		return true;
	}
	if (*p == '.') {
		const char *s = ++p;
		while (p < e && (isalnum((unsigned char)*p) || *p == '_'))
			p++;
		char name[256];
		size_t l = (size_t)(p - s) < sizeof(name) - 1 ? (size_t)(p - s) : sizeof(name) - 1;
		memcpy(name, s, l);
		name[l] = 0;
		*out = tv_str(c, lq__lb_get(c->lb, name));
	} else if (*p == '"' || *p == '`') {
		char q = *p++;
		const char *s = p;
		char buf[512];
		size_t n = 0;
		while (p < e && *p != q) {
			if (q == '"' && *p == '\\' && p + 1 < e) {
				p++;
				char ch = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
				if (n < sizeof(buf))
					buf[n++] = ch;
				p++;
				continue;
			}
			if (n < sizeof(buf))
				buf[n++] = *p;
			p++;
		}
		(void)s;
		if (p >= e)
			return false;
		p++;
		*out = tv_copy(c, buf, n);
	} else if (!strncmp(p, "__line__", 8)) {
		p += 8;
		out->s = c->line;
		out->n = c->len;
		out->b = -1;
	} else if (!strncmp(p, "__timestamp__", 13)) {
		/* Go's time.Time String() in UTC: 2006-01-02 15:04:05.999999999 +0000 UTC */
		p += 13;
		char buf[80], frac[16] = "";
		int64_t sec = c->ts / 1000000000, ns = c->ts % 1000000000;
		if (ns < 0) {
			ns += 1000000000;
			sec--;
		}
		time_t tt = (time_t)sec;
		struct tm tm;
		gmtime_r(&tt, &tm);
		if (ns) {
			snprintf(frac, sizeof(frac), ".%09lld", (long long)ns);
			size_t l = strlen(frac);
			while (frac[l - 1] == '0')
				frac[--l] = 0;
		}
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d%s +0000 UTC",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, frac);
		*out = tv_copy(c, buf, strlen(buf));
	} else if (isdigit((unsigned char)*p) || *p == '-') {
		const char *s = p++;
		while (p < e && (isdigit((unsigned char)*p) || *p == '.'))
			p++;
		*out = tv_copy(c, s, (size_t)(p - s));
	} else {
		return false;
	}
	*pp = p;
	return true;
}

static struct tval
apply_fn(struct tctx *c, const char *fn, size_t fl, struct tval *args, int nargs)
{
	struct tval r = { "", 0, -1 };
#define FN(x) (fl == strlen(x) && !memcmp(fn, x, fl))
	if ((FN("eq") || FN("ne")) && nargs >= 2) {
		bool eq = false;
		for (int i = 1; i < nargs && !eq; i++)
			eq = args[0].n == args[i].n && !memcmp(args[0].s, args[i].s, args[0].n);
		return (eq == FN("eq")) ? TV_TRUE : TV_FALSE;
	}
	if ((FN("lt") || FN("le") || FN("gt") || FN("ge")) && nargs == 2) {
		char a[64], b[64];
		double x, y;
		int cmpv;
		snprintf(a, sizeof(a), "%.*s", (int)args[0].n, args[0].s);
		snprintf(b, sizeof(b), "%.*s", (int)args[1].n, args[1].s);
		if (lq__parse_float(a, &x) && lq__parse_float(b, &y)) {
			cmpv = x < y ? -1 : x > y;
		} else {
			size_t m = args[0].n < args[1].n ? args[0].n : args[1].n;
			cmpv = memcmp(args[0].s, args[1].s, m);
			if (!cmpv)
				cmpv = args[0].n < args[1].n ? -1 : args[0].n > args[1].n;
		}
		bool ok = FN("lt") ? cmpv < 0 : FN("le") ? cmpv <= 0 : FN("gt") ? cmpv > 0 : cmpv >= 0;
		return ok ? TV_TRUE : TV_FALSE;
	}
	if ((FN("and") || FN("or")) && nargs >= 1) {
		for (int i = 0; i < nargs; i++)
			if (truthy(args[i]) != FN("and") || i == nargs - 1)
				return args[i];
	}
	if (FN("not") && nargs == 1)
		return truthy(args[0]) ? TV_FALSE : TV_TRUE;
	if ((FN("contains") || FN("hasPrefix") || FN("hasSuffix")) && nargs == 2) {
		const struct tval *nd = &args[0], *h = &args[1];
		bool ok = nd->n <= h->n &&
			  (FN("contains") ? lq__memmem(h->s, h->n, nd->s, nd->n) != NULL :
			   FN("hasPrefix") ? !memcmp(h->s, nd->s, nd->n) :
			   !memcmp(h->s + h->n - nd->n, nd->s, nd->n));
		return ok ? TV_TRUE : TV_FALSE;
	}
	if ((FN("upper") || FN("ToUpper") || FN("lower") || FN("ToLower")) && nargs == 1) {
		char *o = arena_alloc(c->a, args[0].n + 1);
		if (!o)
			return r;
		bool up = FN("upper") || FN("ToUpper");
		for (size_t i = 0; i < args[0].n; i++)
			o[i] = (char)(up ? toupper((unsigned char)args[0].s[i]) :
					   tolower((unsigned char)args[0].s[i]));
		o[args[0].n] = 0;
		r.s = o;
		r.n = args[0].n;
	} else if ((FN("trim") || FN("TrimSpace") || FN("trimSpace")) && nargs == 1) {
		const char *s = args[0].s;
		size_t n = args[0].n;
		while (n && isspace((unsigned char)*s))
			s++, n--;
		while (n && isspace((unsigned char)s[n - 1]))
			n--;
		r = tv_copy(c, s, n);
	} else if (FN("default") && nargs == 2) {
		r = args[1].n ? args[1] : args[0];
	} else if (FN("len") && nargs == 1) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%zu", args[0].n);
		r = tv_copy(c, buf, strlen(buf));
	} else if (FN("count") && nargs == 2) {
		size_t cnt = 0;
		if (args[0].n) {
			const char *p = args[1].s, *e = args[1].s + args[1].n;
			const char *f;
			while ((f = lq__memmem(p, (size_t)(e - p), args[0].s, args[0].n))) {
				cnt++;
				p = f + args[0].n;
			}
		}
		char buf[32];
		snprintf(buf, sizeof(buf), "%zu", cnt);
		r = tv_copy(c, buf, strlen(buf));
	} else if ((FN("replace") || FN("Replace")) && nargs >= 3) {
		struct sbuf sb = SBUF_INIT;
		const char *p = args[nargs - 1].s, *e = p + args[nargs - 1].n;
		const char *f;
		while (args[0].n && (f = lq__memmem(p, (size_t)(e - p), args[0].s, args[0].n))) {
			sbuf_add(&sb, p, (size_t)(f - p));
			sbuf_add(&sb, args[1].s, args[1].n);
			p = f + args[0].n;
		}
		sbuf_add(&sb, p, (size_t)(e - p));
		r = tv_copy(c, sbuf_str(&sb), sb.len);
		sbuf_release(&sb);
	} else if (FN("printf") && nargs >= 1) {
		r = nargs > 1 ? args[1] : args[0];
	} else {
		c->err = true;
	}
#undef FN
	return r;
}

/* One action between {{ }}: a pipeline of commands. */
static struct tval
action(struct tctx *c, const char *p, const char *e)
{
	struct tval cur = { "", 0, -1 };
	bool have = false;
	for (;;) {
		p = skip_ws(p, e);
		if (p >= e)
			break;
		struct tval args[8];
		int nargs = 0;
		const char *fn = NULL;
		size_t fl = 0;
		if (isalpha((unsigned char)*p) && strncmp(p, "__line__", 8) &&
		    strncmp(p, "__timestamp__", 13)) {
			fn = p;
			while (p < e && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			fl = (size_t)(p - fn);
		}
		for (;;) {
			p = skip_ws(p, e);
			if (p >= e || *p == '|')
				break;
			if (nargs >= 7 || !operand(c, &p, e, &args[nargs])) {
				c->err = true;
				return cur;
			}
			nargs++;
		}
		if (have && fn)
			args[nargs++] = cur;
		if (fn)
			cur = apply_fn(c, fn, fl, args, nargs);
		else if (nargs == 1)
			cur = args[0];
		else
			c->err = true;
		have = true;
		if (p < e && *p == '|') {
			p++;
			continue;
		}
		break;
	}
	return cur;
}

/* A template as text and action segments ({{- and -}} already applied). */
struct tseg {
	bool action;
	const char *s, *e;
};

static int
split_template(const char *tpl, struct tseg *seg, int max)
{
	int n = 0;
	const char *p = tpl;
	bool trim_next = false;
	for (;;) {
		const char *o = strstr(p, "{{");
		const char *te = o ? o : p + strlen(p);
		const char *ts = p;
		if (trim_next)
			while (ts < te && isspace((unsigned char)*ts))
				ts++;
		const char *a = o ? o + 2 : NULL;
		if (a && *a == '-' && isspace((unsigned char)a[1])) {
			a++;
			while (te > ts && isspace((unsigned char)te[-1]))
				te--;
		}
		if (te > ts) {
			if (n >= max)
				return -1;
			seg[n++] = (struct tseg){ false, ts, te };
		}
		if (!o)
			return n;
		const char *cl = strstr(a, "}}");
		if (!cl)
			return -1;
		const char *ae = cl;
		trim_next = ae - 1 > a && ae[-1] == '-' && isspace((unsigned char)ae[-2]);
		if (trim_next)
			ae--;
		while (a < ae && isspace((unsigned char)*a))
			a++;
		while (ae > a && isspace((unsigned char)ae[-1]))
			ae--;
		if (n >= max)
			return -1;
		seg[n++] = (struct tseg){ true, a, ae };
		p = cl + 2;
	}
}

enum { K_VALUE, K_IF, K_ELSE, K_ELSEIF, K_END, K_BAD };

static int
seg_kind(const struct tseg *g)
{
	size_t l = (size_t)(g->e - g->s);
	if (l >= 3 && !memcmp(g->s, "if", 2) && isspace((unsigned char)g->s[2]))
		return K_IF;
	if (l == 4 && !memcmp(g->s, "else", 4))
		return K_ELSE;
	if (l > 8 && !memcmp(g->s, "else if", 7) && isspace((unsigned char)g->s[7]))
		return K_ELSEIF;
	if (l == 3 && !memcmp(g->s, "end", 3))
		return K_END;
	if ((l >= 5 && (!memcmp(g->s, "range", 5) || !memcmp(g->s, "with ", 5))) ||
	    (l >= 6 && !memcmp(g->s, "define", 6)) || (l >= 8 && !memcmp(g->s, "template", 8)) ||
	    (l >= 2 && g->s[0] == '/' && g->s[1] == '*') || (l && g->s[0] == '$'))
		return K_BAD;
	return K_VALUE;
}

/* Runs segments from *i until else/else if/end at this depth (returned). */
static int
exec_segs(struct tctx *c, const struct tseg *g, int n, int *i, bool emit, struct sbuf *out)
{
	while (*i < n && !c->err) {
		const struct tseg *s = &g[(*i)++];
		if (!s->action) {
			if (emit)
				sbuf_add(out, s->s, (size_t)(s->e - s->s));
			continue;
		}
		int k = seg_kind(s);
		if (k == K_ELSE || k == K_ELSEIF || k == K_END)
			return k;
		if (k == K_BAD) {
			c->err = true;
			return K_BAD;
		}
		if (k == K_VALUE) {
			struct tval v = action(c, s->s, s->e);
			if (emit)
				sbuf_add(out, v.s, v.n);
			continue;
		}
		/* if / else if / else / end */
		bool cond = truthy(action(c, s->s + 3, s->e));
		bool done = cond;
		int r = exec_segs(c, g, n, i, emit && cond, out);
		while (r == K_ELSEIF || r == K_ELSE) {
			const struct tseg *e2 = &g[*i - 1];
			bool take = !done;
			if (r == K_ELSEIF) {
				take = take && truthy(action(c, e2->s + 8, e2->e));
				done = done || take;
			} else {
				done = true;
			}
			int r2 = exec_segs(c, g, n, i, emit && take, out);
			if (r == K_ELSE && r2 != K_END) {
				c->err = true;
				return K_BAD;
			}
			r = r2;
		}
		if (r != K_END) {
			c->err = true;
			return K_BAD;
		}
	}
	return K_VALUE;
}

static bool
render(struct tctx *c, const char *tpl, struct sbuf *out)
{
	struct tseg seg[256];
	int n = split_template(tpl, seg, (int)LX_ARRAY_LEN(seg));
	if (n < 0)
		return false;
	int i = 0;
	int k = exec_segs(c, seg, n, &i, true, out);
	if (k != K_VALUE || i != n)
		return false;
	return !c->err;
}

/* ---- the stage loop ---- */

static const char *
decolorize(struct arena *a, const char *s, size_t n, size_t *outn)
{
	char *o = arena_alloc(a, n + 1);
	if (!o)
		return NULL;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == 0x1b && i + 1 < n && s[i + 1] == '[') {
			size_t k = i + 2;
			while (k < n && ((s[k] >= '0' && s[k] <= '9') || s[k] == ';'))
				k++;
			if (k < n && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= 'a' && s[k] <= 'z'))) {
				i = k;
				continue;
			}
		}
		o[w++] = s[i];
	}
	o[w] = 0;
	*outn = w;
	return o;
}

bool
lq__pipeline_run(const struct lq_expr *log, int64_t ts, struct lq__lb *lb,
		 const char **line, size_t *len)
{
	for (size_t i = 0; i < log->nstages; i++) {
		const struct lq_stage *st = &log->stages[i];
		switch (st->kind) {
		case LQ_ST_LINE_FILTER:
			if (!line_filter(&st->lf, *line, *len))
				return false;
			break;
		case LQ_ST_JSON:
			if (st->nex == 0) {
				if (!lq__json_flatten(lb->tmp, *line, *len, lb))
					lq__lb_set_err(lb, "JSONParserErr",
						       "Value looks like object, but can't find closing '}' symbol");
			} else {
				for (size_t k = 0; k < st->nex; k++) {
					const char *v = lq__json_path(lb->tmp, *line, *len, st->ex[k].path);
					lq__lb_set(lb, st->ex[k].name, v ? v : "");
				}
			}
			break;
		case LQ_ST_LOGFMT:
			logfmt(lb, st, *line, *len);
			break;
		case LQ_ST_REGEXP: {
			int nc = lq__re_ncap(st->re);
			long caps[2 * 65];
			if (nc > 64)
				break;
			if (lq__re_exec(st->re, *line, *len, caps) != 1)
				break;
			for (int g = 1; g <= nc; g++) {
				const char *name = lq__re_capname(st->re, g);
				if (!name)
					continue;
				const char *v = "";
				if (caps[2 * g] >= 0)
					v = arena_strndup(lb->tmp, *line + caps[2 * g],
							  (size_t)(caps[2 * g + 1] - caps[2 * g]));
				if (!v)
					return false;
				if (lq__lb_base_has(lb, name)) {
					size_t l = strlen(name);
					char *b = arena_alloc(lb->tmp, l + 11);
					if (!b)
						return false;
					memcpy(b, name, l);
					memcpy(b + l, "_extracted", 11);
					name = b;
				}
				lq__lb_set(lb, name, v);
			}
			break;
		}
		case LQ_ST_PATTERN: {
			const struct lq__pattern *pt = st->pat;
			size_t nc = lq__pattern_ncap(pt);
			size_t caps[2 * 64];
			if (nc > 64 || !lq__pattern_match(pt, *line, *len, caps))
				break;
			for (size_t g = 0; g < nc; g++) {
				if (caps[2 * g] == (size_t)-1)
					break;
				const char *name = lq__pattern_capname(pt, g);
				const char *v = arena_strndup(lb->tmp, *line + caps[2 * g],
							      caps[2 * g + 1] - caps[2 * g]);
				if (!v)
					return false;
				if (lq__lb_base_has(lb, name)) {
					size_t l = strlen(name);
					char *b = arena_alloc(lb->tmp, l + 11);
					if (!b)
						return false;
					memcpy(b, name, l);
					memcpy(b + l, "_extracted", 11);
					name = b;
				}
				lq__lb_set(lb, name, v);
			}
			break;
		}
		case LQ_ST_UNPACK: {
			const char *entry = NULL;
			size_t el = 0;
			if (!lq__json_unpack(lb->tmp, *line, *len, lb, &entry, &el))
				lq__lb_set_err(lb, "JSONParserErr",
					       "expecting json object(6), but it is not");
			else if (entry) {
				*line = entry;
				*len = el;
			}
			break;
		}
		case LQ_ST_LABEL_FILTER:
			if (!label_filter(st->filter, lb))
				return false;
			break;
		case LQ_ST_LINE_FORMAT: {
			struct tctx c = { lb, *line, *len, ts, lb->tmp, false };
			struct sbuf out = SBUF_INIT;
			if (render(&c, st->str, &out)) {
				char *s = arena_strndup(lb->tmp, sbuf_str(&out), out.len);
				if (s) {
					*line = s;
					*len = out.len;
				}
			} else {
				lq__lb_set_err(lb, "TemplateFormatErr", "template error");
			}
			sbuf_release(&out);
			break;
		}
		case LQ_ST_LABEL_FORMAT:
			for (size_t k = 0; k < st->nfmt; k++) {
				const struct lq_label_fmt *f = &st->fmt[k];
				if (!f->is_template) {
					const char *v = lq__lb_get(lb, f->src);
					lq__lb_del(lb, f->src);
					lq__lb_set(lb, f->dst, v ? v : "");
					continue;
				}
				struct tctx c = { lb, *line, *len, ts, lb->tmp, false };
				struct sbuf out = SBUF_INIT;
				if (render(&c, f->src, &out)) {
					char *s = arena_strndup(lb->tmp, sbuf_str(&out), out.len);
					if (s)
						lq__lb_set(lb, f->dst, s);
				} else {
					lq__lb_set_err(lb, "TemplateFormatErr", "template error");
				}
				sbuf_release(&out);
			}
			break;
		case LQ_ST_DECOLORIZE: {
			size_t nl;
			const char *s = decolorize(lb->tmp, *line, *len, &nl);
			if (s) {
				*line = s;
				*len = nl;
			}
			break;
		}
		case LQ_ST_DROP:
			for (size_t k = 0; k < st->nnamed; k++) {
				const struct lq_named *nm = &st->named[k];
				if (nm->has_matcher) {
					const char *v = lq__lb_get(lb, nm->m.name);
					if (v && matcher_match(&nm->m, v))
						lq__lb_del(lb, nm->m.name);
				} else {
					lq__lb_del(lb, nm->m.name);
				}
			}
			break;
		case LQ_ST_KEEP:
			for (size_t j = 0; j < lb->n;) {
				bool keep = false;
				for (size_t k = 0; k < st->nnamed && !keep; k++) {
					const struct lq_named *nm = &st->named[k];
					if (strcmp(nm->m.name, lb->v[j].name))
						continue;
					keep = !nm->has_matcher || matcher_match(&nm->m, lb->v[j].value);
				}
				if (keep)
					j++;
				else
					lb->v[j] = lb->v[--lb->n];
			}
			break;
		}
		if (lb->oom)
			return false;
	}
	return true;
}

bool
lq__unwrap(const struct lq_unwrap *u, int64_t ts, struct lq__lb *lb, const char *line,
	   size_t len, double *v)
{
	(void)ts;
	(void)line;
	(void)len;
	const char *s = lq__lb_get(lb, u->label);
	*v = 0;
	if (!lq__lb_has_err(lb)) {
		bool ok = false;
		if (!s || !*s) {
			ok = false;
		} else if (u->conv == LQ_CONV_NONE) {
			ok = lq__parse_float(s, v);
		} else if (u->conv == LQ_CONV_BYTES) {
			ok = parse_human_bytes(s, v);
		} else {
			int64_t ns;
			ok = lq__parse_go_duration(s, strlen(s), &ns) == 0;
			*v = (double)ns / 1e9;
		}
		if (!ok) {
			*v = 0;
			lq__lb_set_err(lb, "SampleExtractionErr", "cannot convert unwrapped value");
		}
	}
	lq__lb_del(lb, u->label);
	for (size_t i = 0; i < u->npost; i++)
		if (!label_filter(u->post[i], lb))
			return false;
	return true;
}

/*
 * logql/lq_parse.c: recursive-descent / precedence-climbing LogQL parser.
 *
 * Owns: building the tree from tokens, folding literal binary operations,
 * the syntax-level checks Loki's grammar makes (what may follow what) and
 * compiling regexes, ip and pattern matchers where Loki does so at parse
 * time.  The post-parse rules live in lq_check.c.  Everything is
 * allocated from the caller's arena; the first error wins.
 */
#include "logql/lq_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

struct parser {
	struct arena *a;
	const char *src;
	size_t len;
	struct lq__lexer lx;
	struct lq__tok tok;
	struct lq_error *err;
	bool failed;
	int depth;
};


static const char *range_ops[] = {
	"count_over_time", "rate", "rate_counter", "bytes_over_time",
	"bytes_rate", "avg_over_time", "sum_over_time", "min_over_time",
	"max_over_time", "stdvar_over_time", "stddev_over_time",
	"quantile_over_time", "first_over_time", "last_over_time",
	"absent_over_time",
};
static const char *vec_ops[] = {
	"sum", "avg", "count", "max", "min", "stddev", "stdvar", "bottomk",
	"topk", "sort", "sort_desc", "approx_topk",
};
static const char *bin_ops[] = {
	"or", "and", "unless", "==", "!=", ">", ">=", "<", "<=", "+", "-",
	"*", "/", "%", "^",
};

const char *
lq_range_op_name(int op)
{
	return op >= 0 && op < LQ_R__COUNT ? range_ops[op] : "?";
}

const char *
lq_vec_op_name(int op)
{
	return op >= 0 && op < LQ_V__COUNT ? vec_ops[op] : "?";
}

const char *
lq_bin_op_name(int op)
{
	return op >= 0 && op < LQ_B__COUNT ? bin_ops[op] : "?";
}

static int
lookup(const char **tab, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (lq__ieq(s, len, tab[i]))
			return (int)i;
	return -1;
}

void
lq__error_set(struct lq_error *err, const char *src, size_t srclen, int code,
	      size_t off, size_t len, const char *fmt, ...)
{
	if (!err)
		return;
	err->code = code;
	if (off > srclen)
		off = srclen;
	if (off + len > srclen)
		len = srclen - off;
	err->offset = off;
	err->len = len ? len : 1;
	int line = 1;
	size_t ls = 0;
	for (size_t i = 0; i < off; i++)
		if (src[i] == '\n') {
			line++;
			ls = i + 1;
		}
	err->line = line;
	err->col = (int)(off - ls) + 1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static void *
fail(struct parser *p, size_t off, size_t len, const char *fmt, ...)
	LX_PRINTF(4, 5);

static void *
fail(struct parser *p, size_t off, size_t len, const char *fmt, ...)
{
	if (p->failed)
		return NULL;
	p->failed = true;
	if (!p->err)
		return NULL;
	char msg[sizeof(p->err->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	lq__error_set(p->err, p->src, p->len, LX_EPARSE, off, len, "%s", msg);
	return NULL;
}

static void *
oom(struct parser *p)
{
	if (!p->failed && p->err) {
		lq__error_set(p->err, p->src, p->len, LX_ENOMEM, p->tok.off, 1,
			      "out of memory");
		p->failed = true;
	}
	p->failed = true;
	return NULL;
}

static void
next(struct parser *p)
{
	lq__lex_next(&p->lx, &p->tok);
	if (p->tok.t == T_ERROR && !p->failed)
		fail(p, p->tok.off, p->tok.len, "%s", p->tok.err);
}

static void
peek(struct parser *p, struct lq__tok *t)
{
	struct lq__lexer save = p->lx;
	lq__lex_next(&p->lx, t);
	p->lx = save;
}

/* Strings kept without a length in the tree may not contain NUL. */
static bool
no_nul(struct parser *p)
{
	if (p->tok.t == T_STRING && memchr(p->tok.s, 0, p->tok.slen)) {
		fail(p, p->tok.off, p->tok.len, "NUL bytes are not supported in this string");
		return false;
	}
	return true;
}

static bool
is_kw(const struct lq__tok *t, const char *kw)
{
	return t->t == T_IDENT && lq__ieq(t->s, t->slen, kw);
}

/* A short description of a token for error messages. */
static const char *
describe(const struct parser *p, const struct lq__tok *t, char *buf, size_t size)
{
	switch (t->t) {
	case T_EOF:
		return "end of query";
	case T_IDENT:
		snprintf(buf, size, "`%.*s`", (int)(t->len > 30 ? 30 : t->len),
			 p->src + t->off);
		return buf;
	case T_STRING:
		snprintf(buf, size, "string %.*s%s", (int)(t->len > 24 ? 24 : t->len),
			 p->src + t->off, t->len > 24 ? "..." : "");
		return buf;
	case T_NUMBER:
	case T_DURATION:
	case T_BYTES:
		snprintf(buf, size, "`%.*s`", (int)(t->len > 30 ? 30 : t->len),
			 p->src + t->off);
		return buf;
	case T_RANGE:
		snprintf(buf, size, "range `%.*s`", (int)(t->len > 30 ? 30 : t->len),
			 p->src + t->off);
		return buf;
	default:
		snprintf(buf, size, "`%.*s`", (int)(t->len > 30 ? 30 : t->len),
			 p->src + t->off);
		return buf;
	}
}

static void *
unexpected(struct parser *p, const char *expected)
{
	char buf[80];
	if (p->tok.t == T_ERROR)
		return NULL;
	return fail(p, p->tok.off, p->tok.len, "unexpected %s, expected %s",
		    describe(p, &p->tok, buf, sizeof(buf)), expected);
}

static bool
expect(struct parser *p, enum lq_tok t, const char *what)
{
	if (p->failed)
		return false;
	if (p->tok.t != t) {
		unexpected(p, what);
		return false;
	}
	next(p);
	return !p->failed;
}

static void *
grow(struct parser *p, void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	size_t nc = *cap ? *cap * 2 : 4;
	void *na = arena_alloc(p->a, nc * size);
	if (!na)
		return oom(p);
	if (n)
		memcpy(na, arr, n * size);
	*cap = nc;
	return na;
}

static struct lq_expr *
new_expr(struct parser *p, enum lq_expr_kind k, size_t off)
{
	struct lq_expr *e = arena_calloc(p->a, sizeof(*e));
	if (!e)
		return oom(p);
	e->kind = k;
	e->off = off;
	return e;
}

static void
end_span(struct parser *p, struct lq_expr *e)
{
	size_t end = p->lx.pos;
	/* the current token is lookahead: the span ends before it */
	if (p->tok.t != T_EOF)
		end = p->tok.off;
	while (end > e->off && (p->src[end - 1] == ' ' || p->src[end - 1] == '\t' ||
	       p->src[end - 1] == '\n'))
		end--;
	e->len = end > e->off ? end - e->off : 1;
}

static struct lq_expr *parse_expr(struct parser *p, int minprec);

/* ---- selector ---- */

static bool
parse_matcher(struct parser *p, struct lq_matcher *m, bool for_filter)
{
	(void)for_filter;
	m->off = p->tok.off;
	if (p->tok.t == T_STRING)
		return fail(p, p->tok.off, p->tok.len,
			    "label names are bare identifiers, not strings (write foo=\"bar\")"), false;
	if (p->tok.t != T_IDENT)
		return unexpected(p, "a label name"), false;
	m->name = p->tok.s;
	next(p);
	if (p->failed)
		return false;
	if (p->tok.t == T_DOT || p->tok.t == T_SUB)
		return fail(p, p->tok.off, p->tok.len,
			    "label names may contain only letters, digits and _ (no `%.*s`)",
			    (int)p->tok.len, p->src + p->tok.off), false;
	switch (p->tok.t) {
	case T_EQ: m->op = LQ_EQ; break;
	case T_NEQ: m->op = LQ_NEQ; break;
	case T_RE: m->op = LQ_RE; break;
	case T_NRE: m->op = LQ_NRE; break;
	default:
		return unexpected(p, "a matcher operator (= != =~ !~)"), false;
	}
	next(p);
	if (p->failed)
		return false;
	if (p->tok.t != T_STRING)
		return unexpected(p, "a quoted string value"), false;
	m->value = p->tok.s;
	m->value_len = p->tok.slen;
	if (m->op == LQ_RE || m->op == LQ_NRE) {
		char eb[120];
		m->re = lq__re_compile(p->a, m->value, m->value_len, LQ_RE_ANCHOR,
				       eb, sizeof(eb));
		if (!m->re)
			return fail(p, p->tok.off, p->tok.len, "bad regex: %s", eb), false;
	}
	m->len = p->tok.off + p->tok.len - m->off;
	next(p);
	return !p->failed;
}

static bool
parse_selector(struct parser *p, struct lq_selector *sel)
{
	sel->off = p->tok.off;
	next(p);
	size_t cap = 0;
	while (!p->failed && p->tok.t != T_RBRACE) {
		if (sel->n > 0) {
			if (p->tok.t == T_IDENT)
				return fail(p, p->tok.off, p->tok.len,
					    "matchers must be separated by commas"), false;
			if (!expect(p, T_COMMA, "`,` or `}`"))
				return false;
			if (p->tok.t == T_RBRACE)
				return fail(p, p->tok.off, 1,
					    "trailing comma in stream selector"), false;
		}
		if (p->tok.t == T_EOF)
			return fail(p, sel->off, 1, "stream selector `{` never closed"), false;
		sel->m = grow(p, sel->m, sel->n, &cap, sizeof(*sel->m));
		if (!sel->m)
			return false;
		memset(&sel->m[sel->n], 0, sizeof(sel->m[0]));
		if (!parse_matcher(p, &sel->m[sel->n], false))
			return false;
		sel->n++;
	}
	if (p->failed)
		return false;
	sel->len = p->tok.off + 1 - sel->off;
	next(p);
	return !p->failed;
}

/* ---- label filters ---- */

static struct lq_label_filter *parse_lf_or(struct parser *p);

static bool
lf_starts(struct parser *p)
{
	if (p->tok.t == T_LPAREN)
		return true;
	if (p->tok.t != T_IDENT)
		return false;
	struct lq__tok n;
	peek(p, &n);
	switch (n.t) {
	case T_EQ: case T_NEQ: case T_RE: case T_NRE: case T_EQEQ:
	case T_GT: case T_GTE: case T_LT: case T_LTE:
		return true;
	default:
		return false;
	}
}

static struct lq_label_filter *
parse_lf_primary(struct parser *p)
{
	struct lq_label_filter *f = arena_calloc(p->a, sizeof(*f));
	if (!f)
		return oom(p);
	f->off = p->tok.off;
	if (p->tok.t == T_LPAREN) {
		if (++p->depth > 200)
			return fail(p, p->tok.off, 1, "expression nests too deeply");
		next(p);
		struct lq_label_filter *in = parse_lf_or(p);
		p->depth--;
		if (!in || !expect(p, T_RPAREN, "`)` closing the label filter"))
			return NULL;
		return in;
	}
	if (p->tok.t != T_IDENT)
		return unexpected(p, "a label filter like level=\"error\" or status>=500");
	struct lq__tok name = p->tok;
	next(p);
	if (p->failed)
		return NULL;
	if (p->tok.t == T_DOT)
		return fail(p, p->tok.off, 1,
			    "label names may contain only letters, digits and _; json flattens nested keys with _ (a_b)");
	enum lq_tok op = p->tok.t;
	size_t opoff = p->tok.off;
	switch (op) {
	case T_EQ: f->cmp = LQ_CMP_EQ; break;
	case T_NEQ: f->cmp = LQ_CMP_NEQ; break;
	case T_EQEQ: f->cmp = LQ_CMP_EQEQ; break;
	case T_GT: f->cmp = LQ_CMP_GT; break;
	case T_GTE: f->cmp = LQ_CMP_GTE; break;
	case T_LT: f->cmp = LQ_CMP_LT; break;
	case T_LTE: f->cmp = LQ_CMP_LTE; break;
	case T_RE: case T_NRE: break;
	default:
		return unexpected(p, "a comparison (= != =~ !~ > >= < <= ==)");
	}
	next(p);
	if (p->failed)
		return NULL;
	f->name = name.s;
	if (op == T_RE || op == T_NRE || ((op == T_EQ || op == T_NEQ) &&
	    p->tok.t == T_STRING)) {
		if (p->tok.t != T_STRING)
			return unexpected(p, "a quoted regex");
		f->kind = LQ_LF_STRING;
		f->m.name = name.s;
		f->m.op = op == T_EQ ? LQ_EQ : op == T_NEQ ? LQ_NEQ :
			  op == T_RE ? LQ_RE : LQ_NRE;
		f->m.value = p->tok.s;
		f->m.value_len = p->tok.slen;
		f->m.off = name.off;
		f->m.len = p->tok.off + p->tok.len - name.off;
		if (op == T_RE || op == T_NRE) {
			char eb[120];
			f->m.re = lq__re_compile(p->a, f->m.value, f->m.value_len,
						 LQ_RE_ANCHOR, eb, sizeof(eb));
			if (!f->m.re)
				return fail(p, p->tok.off, p->tok.len, "bad regex: %s", eb);
		}
		f->len = f->m.len;
		next(p);
		return p->failed ? NULL : f;
	}
	if (p->tok.t == T_STRING) {
		if (op == T_EQEQ)
			return fail(p, opoff, 2,
				    "`==` compares numbers; use `=` to compare with a string");
		return fail(p, p->tok.off, p->tok.len,
			    "`%.*s` cannot compare with a string; remove the quotes to compare numbers",
			    (int)(op == T_GT || op == T_LT ? 1 : 2), p->src + opoff);
	}
	if (is_kw(&p->tok, "ip")) {
		if (op != T_EQ && op != T_NEQ)
			return fail(p, opoff, op == T_GT || op == T_LT ? 1 : 2,
				    "ip() label filters work only with = and !=");
		next(p);
		if (!expect(p, T_LPAREN, "`(` after ip"))
			return NULL;
		if (p->tok.t != T_STRING)
			return unexpected(p, "a quoted address, range or CIDR");
		if (!no_nul(p))
			return NULL;
		f->kind = LQ_LF_IP;
		f->str = p->tok.s;
		f->ipm = lq__ip_compile(p->a, p->tok.s, p->tok.slen);
		next(p);
		if (!expect(p, T_RPAREN, "`)`"))
			return NULL;
		f->len = p->lx.pos - f->off;
		return f;
	}
	bool neg = false;
	if (p->tok.t == T_SUB || p->tok.t == T_ADD) {
		neg = p->tok.t == T_SUB;
		next(p);
		if (p->failed)
			return NULL;
		if (p->tok.t != T_NUMBER)
			return unexpected(p, "a number");
	}
	switch (p->tok.t) {
	case T_NUMBER:
		f->kind = LQ_LF_NUMBER;
		f->num = neg ? -p->tok.num : p->tok.num;
		break;
	case T_DURATION:
		f->kind = LQ_LF_DURATION;
		f->dur_ns = p->tok.dur;
		break;
	case T_BYTES:
		f->kind = LQ_LF_BYTES;
		f->bytes = p->tok.bytes;
		break;
	default:
		return unexpected(p, "a value: a quoted string, a number, a duration (5s) or a size (20MB)");
	}
	f->len = p->tok.off + p->tok.len - f->off;
	next(p);
	return p->failed ? NULL : f;
}

static struct lq_label_filter *
lf_bin(struct parser *p, enum lq_lf_kind k, struct lq_label_filter *l,
       struct lq_label_filter *r)
{
	struct lq_label_filter *f = arena_calloc(p->a, sizeof(*f));
	if (!f)
		return oom(p);
	f->kind = k;
	f->l = l;
	f->r = r;
	f->off = l->off;
	f->len = r->off + r->len > l->off ? r->off + r->len - l->off : 1;
	return f;
}

static struct lq_label_filter *
parse_lf_and(struct parser *p)
{
	struct lq_label_filter *l = parse_lf_primary(p);
	while (l && !p->failed) {
		if (is_kw(&p->tok, "and") || p->tok.t == T_COMMA) {
			next(p);
		} else if (!lf_starts(p) || is_kw(&p->tok, "or")) {
			break;
		}
		struct lq_label_filter *r = parse_lf_primary(p);
		if (!r)
			return NULL;
		l = lf_bin(p, LQ_LF_AND, l, r);
	}
	return p->failed ? NULL : l;
}

static struct lq_label_filter *
parse_lf_or(struct parser *p)
{
	struct lq_label_filter *l = parse_lf_and(p);
	while (l && !p->failed && is_kw(&p->tok, "or")) {
		next(p);
		struct lq_label_filter *r = parse_lf_and(p);
		if (!r)
			return NULL;
		l = lf_bin(p, LQ_LF_OR, l, r);
	}
	return p->failed ? NULL : l;
}

/* ---- pipeline ---- */

static bool
is_line_op(enum lq_tok t)
{
	return t == T_PIPE_EXACT || t == T_NEQ || t == T_PIPE_MATCH ||
	       t == T_NRE || t == T_PIPE_PATTERN || t == T_NPATTERN;
}

static const char *stage_kws[] = {
	"json", "logfmt", "regexp", "pattern", "unpack", "line_format",
	"label_format", "decolorize", "drop", "keep", "unwrap",
};

static bool
is_stage_kw(const struct lq__tok *t)
{
	return t->t == T_IDENT &&
	       lookup(stage_kws, LX_ARRAY_LEN(stage_kws), t->s, t->slen) >= 0;
}

static bool
parse_line_alt(struct parser *p, struct lq_line_alt *alt, enum lq_line_op op)
{
	memset(alt, 0, sizeof(*alt));
	if (is_kw(&p->tok, "ip")) {
		next(p);
		if (!expect(p, T_LPAREN, "`(` after ip"))
			return false;
		if (p->tok.t != T_STRING)
			return unexpected(p, "a quoted address, range or CIDR"), false;
		if (!no_nul(p))
			return false;
		alt->ip = true;
		alt->s = p->tok.s;
		alt->len = p->tok.slen;
		alt->ipm = lq__ip_compile(p->a, p->tok.s, p->tok.slen);
		next(p);
		return expect(p, T_RPAREN, "`)`");
	}
	if (p->tok.t != T_STRING)
		return unexpected(p, "a quoted string after the line filter operator"), false;
	alt->s = p->tok.s;
	alt->len = p->tok.slen;
	if (op == LQ_LINE_MATCH || op == LQ_LINE_NOT_MATCH) {
		char eb[120];
		/* Loki compiles line filter regexes only when the query runs:
		 * a bad one is not a parse error (re stays NULL). */
		alt->re = lq__re_compile(p->a, alt->s, alt->len, 0, eb, sizeof(eb));
	} else if (op == LQ_LINE_PATTERN || op == LQ_LINE_NOT_PATTERN) {
		const char *em = NULL;
		alt->re = (struct lq_regex *)lq__pattern_compile(p->a, alt->s, alt->len,
								 false, &em);
		if (!alt->re)
			return fail(p, p->tok.off, p->tok.len, "bad pattern: %s", em), false;
	}
	next(p);
	return !p->failed;
}

static bool
parse_extracts(struct parser *p, struct lq_stage *st, const char *what)
{
	size_t cap = 0;
	while (!p->failed && p->tok.t == T_IDENT && !is_kw(&p->tok, "or") &&
	       !is_kw(&p->tok, "and") && !is_kw(&p->tok, "offset") &&
	       !is_kw(&p->tok, "unless")) {
		st->ex = grow(p, st->ex, st->nex, &cap, sizeof(*st->ex));
		if (!st->ex)
			return false;
		struct lq_extract *x = &st->ex[st->nex++];
		x->name = x->path = p->tok.s;
		next(p);
		if (p->failed)
			return false;
		if (p->tok.t == T_EQ) {
			next(p);
			if (p->failed)
				return false;
			if (p->tok.t != T_STRING)
				return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
					    "%s extraction path must be a quoted string, like name=\"a.b\"",
					    what), false;
			if (!no_nul(p))
				return false;
			x->path = p->tok.s;
			next(p);
		}
		if (p->tok.t != T_COMMA)
			break;
		next(p);
		if (p->tok.t != T_IDENT)
			return unexpected(p, "a label name after `,`"), false;
	}
	return !p->failed;
}

static bool
check_template(struct parser *p, const char *s, size_t off, size_t len)
{
	const char *q = s;
	for (;;) {
		const char *o = strstr(q, "{{");
		if (!o)
			return true;
		const char *c = strstr(o + 2, "}}");
		if (!c)
			return fail(p, off, len, "template has `{{` without a closing `}}`"), false;
		const char *o2 = strstr(o + 2, "{{");
		if (o2 && o2 < c)
			return fail(p, off, len, "template has `{{` without a closing `}}`"), false;
		q = c + 2;
	}
}

static bool
parse_named_list(struct parser *p, struct lq_stage *st, const char *what)
{
	size_t cap = 0;
	for (;;) {
		if (p->tok.t != T_IDENT)
			return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
				    "%s needs at least one label name or matcher", what), false;
		st->named = grow(p, st->named, st->nnamed, &cap, sizeof(*st->named));
		if (!st->named)
			return false;
		struct lq_named *nm = &st->named[st->nnamed++];
		memset(nm, 0, sizeof(*nm));
		struct lq__tok n;
		peek(p, &n);
		if (n.t == T_EQ || n.t == T_NEQ || n.t == T_RE || n.t == T_NRE) {
			nm->has_matcher = true;
			if (!parse_matcher(p, &nm->m, true))
				return false;
		} else {
			nm->m.name = p->tok.s;
			nm->m.off = p->tok.off;
			nm->m.len = p->tok.len;
			next(p);
		}
		if (p->tok.t != T_COMMA)
			return !p->failed;
		next(p);
	}
}

static struct lq_label_filter *
parse_post_filter(struct parser *p)
{
	return parse_lf_or(p);
}

static bool
parse_unwrap(struct parser *p, struct lq_unwrap **out)
{
	struct lq_unwrap *u = arena_calloc(p->a, sizeof(*u));
	if (!u)
		return oom(p), false;
	u->off = p->tok.off;
	next(p);  /* unwrap */
	if (p->failed)
		return false;
	if (p->tok.t != T_IDENT)
		return unexpected(p, "a label name to unwrap"), false;
	struct lq__tok n;
	peek(p, &n);
	if (n.t == T_LPAREN) {
		if (is_kw(&p->tok, "bytes"))
			u->conv = LQ_CONV_BYTES;
		else if (is_kw(&p->tok, "duration"))
			u->conv = LQ_CONV_DURATION;
		else if (is_kw(&p->tok, "duration_seconds"))
			u->conv = LQ_CONV_DURATION_SECONDS;
		else
			return fail(p, p->tok.off, p->tok.len,
				    "unknown unwrap conversion; use bytes(), duration() or duration_seconds()"), false;
		next(p);
		next(p);
		if (p->tok.t != T_IDENT)
			return unexpected(p, "a label name"), false;
		u->label = p->tok.s;
		next(p);
		if (!expect(p, T_RPAREN, "`)`"))
			return false;
	} else {
		u->label = p->tok.s;
		next(p);
	}
	size_t cap = 0;
	while (!p->failed && p->tok.t == T_PIPE) {
		struct lq__tok nt;
		peek(p, &nt);
		if (is_stage_kw(&nt) || (nt.t != T_IDENT && nt.t != T_LPAREN))
			break;
		next(p);
		struct lq_label_filter *f = parse_post_filter(p);
		if (!f)
			return false;
		u->post = grow(p, u->post, u->npost, &cap, sizeof(*u->post));
		if (!u->post)
			return false;
		u->post[u->npost++] = f;
	}
	u->len = (p->tok.off > u->off ? p->tok.off : u->off + 1) - u->off;
	*out = u;
	return !p->failed;
}

/* Parses stages until something that is not a stage. */
static bool
parse_pipeline(struct parser *p, struct lq_expr *e, size_t *cap)
{
	while (!p->failed) {
		struct lq_stage st;
		memset(&st, 0, sizeof(st));
		st.off = p->tok.off;
		if (is_line_op(p->tok.t)) {
			enum lq_line_op op;
			switch (p->tok.t) {
			case T_PIPE_EXACT: op = LQ_LINE_CONTAINS; break;
			case T_NEQ: op = LQ_LINE_NOT_CONTAINS; break;
			case T_PIPE_MATCH: op = LQ_LINE_MATCH; break;
			case T_NRE: op = LQ_LINE_NOT_MATCH; break;
			case T_PIPE_PATTERN: op = LQ_LINE_PATTERN; break;
			default: op = LQ_LINE_NOT_PATTERN; break;
			}
			next(p);
			if (p->failed)
				return false;
			size_t acap = 0, nalt = 0;
			struct lq_line_alt *alts = NULL;
			for (;;) {
				alts = grow(p, alts, nalt, &acap, sizeof(*alts));
				if (!alts)
					return false;
				if (!parse_line_alt(p, &alts[nalt], op))
					return false;
				nalt++;
				if (!is_kw(&p->tok, "or"))
					break;
				struct lq__tok n;
				peek(p, &n);
				if (n.t != T_STRING && !is_kw(&n, "ip"))
					break;
				next(p);
			}
			bool negative = op == LQ_LINE_NOT_CONTAINS ||
					op == LQ_LINE_NOT_MATCH || op == LQ_LINE_NOT_PATTERN;
			size_t nst = negative ? nalt : 1;
			for (size_t k = 0; k < nst; k++) {
				struct lq_stage s2 = st;
				s2.kind = LQ_ST_LINE_FILTER;
				s2.lf.op = op;
				s2.lf.alt = negative ? &alts[k] : alts;
				s2.lf.nalt = negative ? 1 : nalt;
				s2.len = p->tok.off - st.off;
				e->stages = grow(p, e->stages, e->nstages, cap, sizeof(st));
				if (!e->stages)
					return false;
				e->stages[e->nstages++] = s2;
			}
			continue;
		}
		if (p->tok.t != T_PIPE)
			break;
		struct lq__tok n;
		peek(p, &n);
		if (is_kw(&n, "unwrap")) {
			next(p);
			if (e->unwrap)
				return fail(p, p->tok.off, p->tok.len, "only one unwrap is allowed"), false;
			return parse_unwrap(p, &e->unwrap);
		}
		next(p);
		if (p->failed)
			return false;
		if (p->tok.t == T_EOF || p->tok.t == T_RANGE || p->tok.t == T_RPAREN)
			return fail(p, st.off, 1,
				    "`|` must be followed by a stage (json, logfmt, a label filter...)"), false;
		struct lq__tok kw = p->tok;
		if (is_kw(&kw, "json") || is_kw(&kw, "logfmt")) {
			bool lf = is_kw(&kw, "logfmt");
			st.kind = lf ? LQ_ST_LOGFMT : LQ_ST_JSON;
			next(p);
			while (!p->failed && p->tok.t == T_FLAG) {
				const char *fs = p->src + p->tok.off;
				if (!lf)
					return fail(p, p->tok.off, p->tok.len,
						    "flags like %.*s are accepted only by logfmt",
						    (int)p->tok.len, fs), false;
				if (p->tok.len == 8 && !memcmp(fs, "--strict", 8))
					st.strict = true;
				else if (p->tok.len == 12 && !memcmp(fs, "--keep-empty", 12))
					st.keep_empty = true;
				else
					return fail(p, p->tok.off, p->tok.len,
						    "unknown logfmt flag %.*s; only --strict and --keep-empty exist",
						    (int)p->tok.len, fs), false;
				next(p);
			}
			if (!parse_extracts(p, &st, lf ? "logfmt" : "json"))
				return false;
		} else if (is_kw(&kw, "regexp") || is_kw(&kw, "pattern")) {
			bool re = is_kw(&kw, "regexp");
			st.kind = re ? LQ_ST_REGEXP : LQ_ST_PATTERN;
			next(p);
			if (p->failed)
				return false;
			if (p->tok.t != T_STRING)
				return unexpected(p, re ? "a quoted regular expression" :
						  "a quoted pattern like \"<ip> - <_>\""), false;
			if (!no_nul(p))
				return false;
			st.str = p->tok.s;
			if (re) {
				char eb[120];
				st.re = lq__re_compile(p->a, p->tok.s, p->tok.slen, 0, eb, sizeof(eb));
				if (!st.re)
					return fail(p, p->tok.off, p->tok.len, "bad regex: %s", eb), false;
				int named = 0;
				for (int i = 1; i <= lq__re_ncap(st.re); i++) {
					const char *nm = lq__re_capname(st.re, i);
					if (!nm)
						continue;
					named++;
					if (!lq__is_label_name(nm))
						return fail(p, p->tok.off, p->tok.len,
							    "capture name `%s` is not a valid label name", nm), false;
				}
				if (!named)
					return fail(p, p->tok.off, p->tok.len,
						    "regexp needs at least one named capture group like (?P<name>...)"), false;
			} else {
				const char *em = NULL;
				st.pat = lq__pattern_compile(p->a, p->tok.s, p->tok.slen, true, &em);
				if (!st.pat)
					return fail(p, p->tok.off, p->tok.len, "%s", em), false;
			}
			next(p);
		} else if (is_kw(&kw, "unpack")) {
			st.kind = LQ_ST_UNPACK;
			next(p);
		} else if (is_kw(&kw, "decolorize")) {
			st.kind = LQ_ST_DECOLORIZE;
			next(p);
		} else if (is_kw(&kw, "line_format")) {
			st.kind = LQ_ST_LINE_FORMAT;
			next(p);
			if (p->failed)
				return false;
			if (p->tok.t != T_STRING)
				return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
					    "line_format needs a quoted template, like line_format \"{{.msg}}\""), false;
			if (!no_nul(p))
				return false;
			st.str = p->tok.s;
			if (!check_template(p, st.str, p->tok.off, p->tok.len))
				return false;
			next(p);
		} else if (is_kw(&kw, "label_format")) {
			st.kind = LQ_ST_LABEL_FORMAT;
			next(p);
			size_t fcap = 0;
			for (;;) {
				if (p->failed)
					return false;
				if (p->tok.t != T_IDENT)
					return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
						    "label_format needs dst=src or dst=\"template\""), false;
				st.fmt = grow(p, st.fmt, st.nfmt, &fcap, sizeof(*st.fmt));
				if (!st.fmt)
					return false;
				struct lq_label_fmt *f = &st.fmt[st.nfmt++];
				memset(f, 0, sizeof(*f));
				f->dst = p->tok.s;
				size_t doff = p->tok.off;
				next(p);
				if (p->tok.t != T_EQ)
					return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
						    "label_format entries need `=`: dst=src or dst=\"template\""), false;
				next(p);
				if (p->tok.t == T_IDENT) {
					f->src = p->tok.s;
				} else if (p->tok.t == T_STRING) {
					if (!no_nul(p))
						return false;
					f->src = p->tok.s;
					f->is_template = true;
					if (!check_template(p, f->src, p->tok.off, p->tok.len))
						return false;
				} else {
					return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
						    "label_format right side must be a label name or a quoted template"), false;
				}
				for (size_t k = 0; k + 1 < st.nfmt; k++)
					if (!strcmp(st.fmt[k].dst, f->dst))
						return fail(p, doff, strlen(f->dst),
							    "label `%s` is formatted twice in one label_format", f->dst), false;
				next(p);
				if (p->tok.t != T_COMMA)
					break;
				next(p);
			}
		} else if (is_kw(&kw, "drop") || is_kw(&kw, "keep")) {
			bool drop = is_kw(&kw, "drop");
			st.kind = drop ? LQ_ST_DROP : LQ_ST_KEEP;
			next(p);
			if (p->failed || !parse_named_list(p, &st, drop ? "drop" : "keep"))
				return false;
		} else if (kw.t == T_IDENT && !lf_starts(p)) {
			struct lq__tok n2;
			peek(p, &n2);
			if (n2.t == T_IDENT || n2.t == T_LPAREN || n2.t == T_EOF)
				return fail(p, kw.off, kw.len,
					    "`%.*s` is not a LogQL pipeline stage; stages are json, logfmt, regexp, pattern, unpack, line_format, label_format, drop, keep, unwrap or a label filter",
					    (int)(kw.len > 20 ? 20 : kw.len), p->src + kw.off), false;
			return unexpected(p, "a pipeline stage or label filter"), false;
		} else {
			st.kind = LQ_ST_LABEL_FILTER;
			st.filter = parse_lf_or(p);
			if (!st.filter)
				return false;
		}
		if (p->failed)
			return false;
		st.len = (p->tok.off > st.off ? p->tok.off : st.off + 1) - st.off;
		e->stages = grow(p, e->stages, e->nstages, cap, sizeof(st));
		if (!e->stages)
			return false;
		e->stages[e->nstages++] = st;
	}
	return !p->failed;
}

static bool
parse_range_suffix(struct parser *p, struct lq_expr *e)
{
	const struct lq__tok *t = &p->tok;
	int64_t ms;
	if (t->slen == 0)
		return fail(p, t->off, t->len, "empty range: write a duration like [5m]"), false;
	if (memchr(t->s, ':', t->slen))
		return fail(p, t->off, t->len,
			    "subqueries like [10m:1m] are not supported in LogQL"), false;
	if (lq__parse_prom_duration(t->s, t->slen, &ms) < 0) {
		if (memchr(t->s, ' ', t->slen))
			return fail(p, t->off, t->len,
				    "a range duration may not contain spaces: write [5m]"), false;
		return fail(p, t->off, t->len,
			    "bad range duration `%.*s`: use whole numbers with units y w d h m s ms, largest first (1h30m)",
			    (int)(t->slen > 30 ? 30 : t->slen), t->s), false;
	}
	e->kind = LQ_EXPR_LOG_RANGE;
	e->range_ms = ms;
	next(p);
	if (p->failed)
		return false;
	if (is_kw(&p->tok, "offset")) {
		next(p);
		if (p->failed)
			return false;
		if (p->tok.t != T_DURATION)
			return unexpected(p, "a duration after offset, like offset 1h"), false;
		e->offset_ns = p->tok.dur;
		next(p);
	}
	return !p->failed;
}

static struct lq_expr *
parse_log(struct parser *p)
{
	struct lq_expr *e = new_expr(p, LQ_EXPR_LOG, p->tok.off);
	if (!e || !parse_selector(p, &e->sel))
		return NULL;
	size_t cap = 0;
	if (!parse_pipeline(p, e, &cap))
		return NULL;
	if (p->tok.t == T_RANGE) {
		bool had = e->nstages > 0 || e->unwrap;
		if (!parse_range_suffix(p, e))
			return NULL;
		if (!had && !parse_pipeline(p, e, &cap))
			return NULL;
	}
	if (p->tok.t == T_STRING)
		return fail(p, p->tok.off, p->tok.len,
			    "a bare string after the selector: line filters need an operator, like |= \"text\"");
	end_span(p, e);
	return e;
}

static bool
parse_grouping(struct parser *p, struct lq_grouping *g)
{
	g->present = true;
	g->without = is_kw(&p->tok, "without");
	next(p);
	if (!expect(p, T_LPAREN, "`(` with label names after by/without"))
		return false;
	size_t cap = 0;
	while (!p->failed && p->tok.t != T_RPAREN) {
		if (g->n > 0 && !expect(p, T_COMMA, "`,` or `)`"))
			return false;
		if (p->tok.t != T_IDENT)
			return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
				    "by/without takes a list of label names; the aggregated expression goes in its own parentheses"), false;
		struct lq__tok n;
		peek(p, &n);
		if (n.t == T_LPAREN || n.t == T_DOT)
			return fail(p, p->tok.off, p->tok.len + 1,
				    n.t == T_DOT ? "label names cannot contain dots" :
				    "by/without takes a list of label names; the aggregated expression goes in its own parentheses"), false;
		g->labels = grow(p, g->labels, g->n, &cap, sizeof(*g->labels));
		if (!g->labels)
			return false;
		g->labels[g->n++] = p->tok.s;
		next(p);
	}
	return expect(p, T_RPAREN, "`)`");
}

static bool
is_grouping_kw(const struct lq__tok *t)
{
	return is_kw(t, "by") || is_kw(t, "without");
}

static bool
parse_param(struct parser *p, struct lq_expr *e, bool *is_int)
{
	struct lq__tok n;
	peek(p, &n);
	*is_int = true;
	if (n.t != T_COMMA)
		return true;
	if (p->tok.t == T_NUMBER) {
		e->has_param = true;
		e->param = p->tok.num;
		for (size_t i = 0; i < p->tok.len; i++) {
			char c = p->src[p->tok.off + i];
			if (c < '0' || c > '9')
				*is_int = false;
		}
		next(p);
		next(p);
		return !p->failed;
	}
	if (p->tok.t == T_SUB)
		return fail(p, p->tok.off, p->tok.len + n.len,
			    "the parameter must be a positive number"), false;
	return fail(p, p->tok.off, p->tok.len ? p->tok.len : 1,
		    "the parameter must be a number, not %.*s",
		    (int)(p->tok.len > 20 ? 20 : p->tok.len), p->src + p->tok.off), false;
}

static struct lq_expr *
parse_call(struct parser *p)
{
	struct lq__tok name = p->tok;
	struct lq__tok n;
	peek(p, &n);
	int rop = lookup(range_ops, LX_ARRAY_LEN(range_ops), name.s, name.slen);
	int vop = lookup(vec_ops, LX_ARRAY_LEN(vec_ops), name.s, name.slen);
	if (rop >= 0 && n.t == T_LPAREN) {
		struct lq_expr *e = new_expr(p, LQ_EXPR_RANGE_AGG, name.off);
		if (!e)
			return NULL;
		e->op = rop;
		next(p);
		next(p);
		bool is_int;
		if (!parse_param(p, e, &is_int))
			return NULL;
		if (++p->depth > 200)
			return fail(p, p->tok.off, 1, "expression nests too deeply");
		struct lq_expr *in = parse_expr(p, 0);
		p->depth--;
		if (!in)
			return NULL;
		if (in->kind == LQ_EXPR_LOG)
			return fail(p, in->off, in->len,
				    "%s needs a range: add a duration like [5m] after the log query",
				    range_ops[rop]);
		if (in->kind != LQ_EXPR_LOG_RANGE)
			return fail(p, in->off, in->len,
				    "%s takes a log query with a range, like {app=\"x\"}[5m]",
				    range_ops[rop]);
		e->inner = in;
		if (!expect(p, T_RPAREN, "`)` closing the range aggregation"))
			return NULL;
		if (is_grouping_kw(&p->tok) && !parse_grouping(p, &e->grouping))
			return NULL;
		end_span(p, e);
		return e;
	}
	if (vop >= 0 && (n.t == T_LPAREN || is_grouping_kw(&n))) {
		struct lq_expr *e = new_expr(p, LQ_EXPR_VEC_AGG, name.off);
		if (!e)
			return NULL;
		e->op = vop;
		next(p);
		if (is_grouping_kw(&p->tok) && !parse_grouping(p, &e->grouping))
			return NULL;
		if (!expect(p, T_LPAREN, "`(`"))
			return NULL;
		bool is_int;
		if (!parse_param(p, e, &is_int))
			return NULL;
		if (e->has_param && (vop == LQ_V_TOPK || vop == LQ_V_BOTTOMK ||
		    vop == LQ_V_APPROX_TOPK) && !is_int)
			return fail(p, name.off, name.len,
				    "%s needs a whole number k, like %s(5, ...)", vec_ops[vop],
				    vec_ops[vop]);
		if (++p->depth > 200)
			return fail(p, p->tok.off, 1, "expression nests too deeply");
		struct lq_expr *in = parse_expr(p, 0);
		p->depth--;
		if (!in)
			return NULL;
		if (in->kind == LQ_EXPR_LOG || in->kind == LQ_EXPR_LOG_RANGE)
			return fail(p, in->off, in->len,
				    "%s aggregates metrics, not log lines: wrap the log query in a range function like count_over_time(...[5m])",
				    vec_ops[vop]);
		e->inner = in;
		if (!expect(p, T_RPAREN, "`)` closing the aggregation"))
			return NULL;
		if (is_grouping_kw(&p->tok)) {
			if (e->grouping.present)
				return fail(p, p->tok.off, p->tok.len,
					    "only one by/without clause is allowed");
			if (!parse_grouping(p, &e->grouping))
				return NULL;
		}
		end_span(p, e);
		return e;
	}
	if (is_kw(&name, "label_replace") && n.t == T_LPAREN) {
		struct lq_expr *e = new_expr(p, LQ_EXPR_LABEL_REPLACE, name.off);
		if (!e)
			return NULL;
		next(p);
		next(p);
		if (++p->depth > 200)
			return fail(p, p->tok.off, 1, "expression nests too deeply");
		struct lq_expr *in = parse_expr(p, 0);
		p->depth--;
		if (!in)
			return NULL;
		if (in->kind == LQ_EXPR_LOG || in->kind == LQ_EXPR_LOG_RANGE)
			return fail(p, in->off, in->len,
				    "label_replace takes a metric expression, not a log query");
		e->inner = in;
		const char **slots[4] = { &e->lr_dst, &e->lr_repl, &e->lr_src, &e->lr_regex };
		size_t reoff = 0, relen = 0;
		for (int i = 0; i < 4; i++) {
			if (!expect(p, T_COMMA, "`,` and the next label_replace argument"))
				return NULL;
			if (p->tok.t != T_STRING)
				return unexpected(p, "a quoted string argument");
			if (!no_nul(p))
				return NULL;
			*slots[i] = p->tok.s;
			reoff = p->tok.off;
			relen = p->tok.len;
			next(p);
		}
		if (!expect(p, T_RPAREN, "`)`"))
			return NULL;
		char eb[120];
		e->lr_re = lq__re_compile(p->a, e->lr_regex, strlen(e->lr_regex),
					  LQ_RE_ANCHOR, eb, sizeof(eb));
		if (!e->lr_re)
			return fail(p, reoff, relen, "bad regex in label_replace: %s", eb);
		if (!lq__is_label_name(e->lr_dst))
			return fail(p, e->off, name.len,
				    "invalid destination label name in label_replace(): %s", e->lr_dst);
		end_span(p, e);
		return e;
	}
	if (is_kw(&name, "vector") && n.t == T_LPAREN) {
		struct lq_expr *e = new_expr(p, LQ_EXPR_VECTOR, name.off);
		if (!e)
			return NULL;
		next(p);
		next(p);
		if (p->tok.t != T_NUMBER)
			return unexpected(p, "a number, like vector(0)");
		e->value = p->tok.num;
		next(p);
		if (!expect(p, T_RPAREN, "`)`"))
			return NULL;
		end_span(p, e);
		return e;
	}
	if (n.t == T_LPAREN)
		return fail(p, name.off, name.len, "unknown function `%.*s`",
			    (int)(name.len > 40 ? 40 : name.len), p->src + name.off);
	return fail(p, name.off, name.len,
		    "unexpected `%.*s`: a query starts with a stream selector {label=\"value\"} or a function",
		    (int)(name.len > 40 ? 40 : name.len), p->src + name.off);
}

static struct lq_expr *
parse_operand(struct parser *p)
{
	switch (p->tok.t) {
	case T_LBRACE:
		return parse_log(p);
	case T_LPAREN: {
		size_t off = p->tok.off;
		if (++p->depth > 200)
			return fail(p, p->tok.off, 1, "expression nests too deeply");
		next(p);
		struct lq_expr *in = parse_expr(p, 0);
		p->depth--;
		if (!in || !expect(p, T_RPAREN, "`)`"))
			return NULL;
		if (in->kind == LQ_EXPR_LOG && p->tok.t == T_RANGE) {
			in->off = off;
			if (!parse_range_suffix(p, in))
				return NULL;
			end_span(p, in);
		}
		return in;
	}
	case T_NUMBER:
	case T_ADD:
	case T_SUB: {
		struct lq_expr *e = new_expr(p, LQ_EXPR_LITERAL, p->tok.off);
		if (!e)
			return NULL;
		double sign = 1;
		if (p->tok.t != T_NUMBER) {
			sign = p->tok.t == T_SUB ? -1 : 1;
			next(p);
			if (p->failed)
				return NULL;
			if (p->tok.t != T_NUMBER)
				return unexpected(p, "a number (unary minus applies only to numbers)");
		}
		e->value = sign * p->tok.num;
		next(p);
		end_span(p, e);
		return p->failed ? NULL : e;
	}
	case T_IDENT:
		if (is_kw(&p->tok, "bool"))
			return fail(p, p->tok.off, p->tok.len,
				    "`bool` goes right after a comparison operator, like x > bool 1");
		return parse_call(p);
	case T_STRING:
		return fail(p, p->tok.off, p->tok.len,
			    "a query cannot start with a string: start with a stream selector like {app=\"x\"}");
	case T_EOF:
		return fail(p, p->tok.off, 1, "unexpected end of query");
	case T_ERROR:
		return NULL;
	default:
		return unexpected(p, "a stream selector {...}, a function or a number");
	}
}

static int
binop_of(const struct lq__tok *t, int *prec)
{
	int op = -1;
	switch (t->t) {
	case T_EQEQ: op = LQ_B_EQ; break;
	case T_NEQ: op = LQ_B_NEQ; break;
	case T_GT: op = LQ_B_GT; break;
	case T_GTE: op = LQ_B_GTE; break;
	case T_LT: op = LQ_B_LT; break;
	case T_LTE: op = LQ_B_LTE; break;
	case T_ADD: op = LQ_B_ADD; break;
	case T_SUB: op = LQ_B_SUB; break;
	case T_MUL: op = LQ_B_MUL; break;
	case T_DIV: op = LQ_B_DIV; break;
	case T_MOD: op = LQ_B_MOD; break;
	case T_POW: op = LQ_B_POW; break;
	case T_IDENT:
		if (is_kw(t, "or")) op = LQ_B_OR;
		else if (is_kw(t, "and")) op = LQ_B_AND;
		else if (is_kw(t, "unless")) op = LQ_B_UNLESS;
		break;
	default:
		break;
	}
	switch (op) {
	case LQ_B_OR: *prec = 1; break;
	case LQ_B_AND: case LQ_B_UNLESS: *prec = 2; break;
	case LQ_B_EQ: case LQ_B_NEQ: case LQ_B_GT: case LQ_B_GTE: case LQ_B_LT:
	case LQ_B_LTE: *prec = 3; break;
	case LQ_B_ADD: case LQ_B_SUB: *prec = 4; break;
	case LQ_B_MUL: case LQ_B_DIV: case LQ_B_MOD: *prec = 5; break;
	case LQ_B_POW: *prec = 6; break;
	}
	return op;
}

static bool
is_cmp(int op)
{
	return op >= LQ_B_EQ && op <= LQ_B_LTE;
}

static bool
is_set(int op)
{
	return op == LQ_B_OR || op == LQ_B_AND || op == LQ_B_UNLESS;
}

double
lq__fold(int op, double a, double b)
{
	switch (op) {
	case LQ_B_ADD: return a + b;
	case LQ_B_SUB: return a - b;
	case LQ_B_MUL: return a * b;
	case LQ_B_DIV: return a / b;
	case LQ_B_MOD: return fmod(a, b);
	case LQ_B_POW: return pow(a, b);
	case LQ_B_EQ: return a == b;
	case LQ_B_NEQ: return a != b;
	case LQ_B_GT: return a > b;
	case LQ_B_GTE: return a >= b;
	case LQ_B_LT: return a < b;
	case LQ_B_LTE: return a <= b;
	}
	return 0;
}

static bool
parse_labels_paren(struct parser *p, const char ***out, size_t *n)
{
	if (!expect(p, T_LPAREN, "`(` with label names"))
		return false;
	size_t cap = 0;
	while (!p->failed && p->tok.t != T_RPAREN) {
		if (*n > 0 && !expect(p, T_COMMA, "`,` or `)`"))
			return false;
		if (p->tok.t != T_IDENT)
			return unexpected(p, "a label name"), false;
		*out = grow(p, *out, *n, &cap, sizeof(**out));
		if (!*out)
			return false;
		(*out)[(*n)++] = p->tok.s;
		next(p);
	}
	return expect(p, T_RPAREN, "`)`");
}

static struct lq_expr *
parse_expr(struct parser *p, int minprec)
{
	struct lq_expr *lhs = parse_operand(p);
	while (lhs && !p->failed) {
		int prec = 0;
		int op = binop_of(&p->tok, &prec);
		if (op < 0 || prec < minprec)
			break;
		size_t opoff = p->tok.off, oplen = p->tok.len;
		struct lq_expr *b = new_expr(p, LQ_EXPR_BINOP, lhs->off);
		if (!b)
			return NULL;
		b->op = op;
		next(p);
		if (is_kw(&p->tok, "bool")) {
			if (!is_cmp(op))
				return fail(p, p->tok.off, p->tok.len,
					    "bool can only be used with comparison operators");
			b->ret_bool = true;
			next(p);
		}
		if (is_kw(&p->tok, "on") || is_kw(&p->tok, "ignoring")) {
			b->has_matching = true;
			b->on = is_kw(&p->tok, "on");
			next(p);
			if (!parse_labels_paren(p, &b->match_labels, &b->nmatch))
				return NULL;
			if (is_kw(&p->tok, "group_left") || is_kw(&p->tok, "group_right")) {
				if (is_set(op))
					return fail(p, p->tok.off, p->tok.len,
						    "group_left/group_right cannot be used with and, or, unless");
				b->card = is_kw(&p->tok, "group_left") ? 1 : 2;
				next(p);
				if (p->tok.t == T_LPAREN) {
					b->has_include = true;
					if (!parse_labels_paren(p, &b->include, &b->ninclude))
						return NULL;
				}
			}
		} else if (is_kw(&p->tok, "group_left") || is_kw(&p->tok, "group_right")) {
			return fail(p, p->tok.off, p->tok.len,
				    "group_left/group_right must follow on(...) or ignoring(...)");
		}
		if (p->failed)
			return NULL;
		struct lq_expr *rhs = parse_expr(p, op == LQ_B_POW ? prec : prec + 1);
		if (!rhs)
			return NULL;
		for (int side = 0; side < 2; side++) {
			struct lq_expr *x = side ? rhs : lhs;
			if (x->kind == LQ_EXPR_LOG || x->kind == LQ_EXPR_LOG_RANGE)
				return fail(p, side ? x->off : opoff, side ? x->len : oplen,
					    "`%s` needs metric expressions on both sides, but the %s side is a log query; wrap it in a function like count_over_time(...[5m])",
					    bin_ops[op], side ? "right" : "left");
			if (is_set(op) && x->kind == LQ_EXPR_LITERAL)
				return fail(p, x->off, x->len,
					    "`%s` works on vectors; a plain number cannot be one side (use vector(%s) instead)",
					    bin_ops[op], "N");
		}
		if (lhs->kind == LQ_EXPR_LITERAL && rhs->kind == LQ_EXPR_LITERAL) {
			lhs->value = lq__fold(op, lhs->value, rhs->value);
			lhs->len = rhs->off + rhs->len - lhs->off;
			continue;
		}
		b->lhs = lhs;
		b->rhs = rhs;
		b->len = rhs->off + rhs->len - b->off;
		lhs = b;
	}
	return p->failed ? NULL : lhs;
}

bool
lq_is_log_query(const struct lq_expr *e)
{
	return e && e->kind == LQ_EXPR_LOG;
}

struct lq_expr *
lq_parse(struct arena *a, const char *src, size_t len, struct lq_error *err)
{
	struct parser p;
	memset(&p, 0, sizeof(p));
	p.a = a;
	p.src = src;
	p.len = len;
	p.err = err;
	if (err)
		memset(err, 0, sizeof(*err));
	if (len >= LQ_MAX_QUERY_LEN) {
		lq__error_set(err, src, len, LX_ETOOBIG, 0, 1,
			      "query too long: %zu bytes (the limit is %d)", len,
			      LQ_MAX_QUERY_LEN);
		return NULL;
	}
	if (!lq__utf8_valid(src, len)) {
		size_t i = 0;
		while (i < len) {
			uint32_t r;
			size_t w = lq__utf8_decode((const unsigned char *)src + i, len - i, &r);
			if (r == 0xFFFD && w == 1)
				break;
			i += w;
		}
		lq__error_set(err, src, len, LX_EPARSE, i, 1, "query is not valid UTF-8");
		return NULL;
	}
	lq__lex_init(&p.lx, a, src, len);
	next(&p);
	if (p.failed)
		return NULL;
	if (p.tok.t == T_EOF) {
		lq__error_set(err, src, len, LX_EPARSE, 0, 1,
			      "empty query (a comment hides everything after #)");
		return NULL;
	}
	struct lq_expr *e = parse_expr(&p, 0);
	if (!e)
		return NULL;
	if (p.tok.t != T_EOF) {
		if (p.tok.t == T_STRING && lq_is_log_query(e))
			return fail(&p, p.tok.off, p.tok.len,
				    "a bare string after the selector: line filters need an operator, like |= \"text\"");
		if (is_grouping_kw(&p.tok) && e->kind == LQ_EXPR_VEC_AGG)
			return fail(&p, p.tok.off, p.tok.len,
				    "only one by/without clause is allowed");
		if (p.tok.t == T_IDENT && lq_is_log_query(e))
			return fail(&p, p.tok.off, p.tok.len,
				    "unexpected `%.*s` after the log query; pipeline stages start with |",
				    (int)(p.tok.len > 30 ? 30 : p.tok.len), src + p.tok.off);
		return unexpected(&p, "end of query or an operator");
	}
	if (e->kind == LQ_EXPR_LOG_RANGE)
		return fail(&p, e->off, e->len,
			    "a log query with a range is not a query by itself: wrap it in a function like count_over_time(...) or rate(...)");
	if (lq__validate(e, err, src, len) < 0)
		return NULL;
	return e;
}

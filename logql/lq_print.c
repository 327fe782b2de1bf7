/*
 * logql/lq_print.c: turning trees back into text: the canonical one-line
 * form (close to Loki's String()), the pretty multi-line form, tree
 * equality (to check round trips) and error messages with a caret.
 *
 * Owns: spacing and quoting rules.  Both printers must produce text that
 * lq_parse() reads back into an equal tree.
 */
#include "logql/lq_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- scalars ---- */

void
lq_quote(struct sbuf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sbuf_addc(out, '"');
	size_t i = 0;
	while (i < n) {
		uint32_t r;
		size_t w = lq__utf8_decode((const unsigned char *)s + i, n - i, &r);
		if (r == 0xFFFD && w == 1) {
			unsigned char b = (unsigned char)s[i];
			char e[4] = { '\\', 'x', hex[b >> 4], hex[b & 15] };
			sbuf_add(out, e, 4);
			i++;
			continue;
		}
		if (r == '"' || r == '\\') {
			sbuf_addc(out, '\\');
			sbuf_addc(out, (char)r);
		} else if (r >= 0x20 && r != 0x7F && !(r >= 0x80 && r < 0xA0) &&
			   r != 0xAD && r != 0x2028 && r != 0x2029 && r != 0xFEFF) {
			sbuf_add(out, s + i, w);
		} else {
			switch (r) {
			case 7: sbuf_adds(out, "\\a"); break;
			case 8: sbuf_adds(out, "\\b"); break;
			case 12: sbuf_adds(out, "\\f"); break;
			case 10: sbuf_adds(out, "\\n"); break;
			case 13: sbuf_adds(out, "\\r"); break;
			case 9: sbuf_adds(out, "\\t"); break;
			case 11: sbuf_adds(out, "\\v"); break;
			default:
				if (r < 0x80)
					sbuf_addf(out, "\\x%02x", r);
				else if (r < 0x10000)
					sbuf_addf(out, "\\u%04x", r);
				else
					sbuf_addf(out, "\\U%08x", r);
			}
		}
		i += w;
	}
	sbuf_addc(out, '"');
}

void
lq_fmt_prom_duration(int64_t ms, char *buf, size_t size)
{
	static const struct { const char *u; int64_t mult; bool exact; } units[] = {
		{ "y", 365LL * 24 * 3600 * 1000, true }, { "w", 7LL * 24 * 3600 * 1000, true },
		{ "d", 24LL * 3600 * 1000, false }, { "h", 3600LL * 1000, false },
		{ "m", 60LL * 1000, false }, { "s", 1000, false }, { "ms", 1, false },
	};
	if (ms == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	size_t o = 0;
	buf[0] = 0;
	if (ms < 0) {
		o += (size_t)snprintf(buf, size, "-");
		ms = -ms;
	}
	for (size_t i = 0; i < LX_ARRAY_LEN(units) && o < size; i++) {
		if (units[i].exact && ms % units[i].mult)
			continue;
		int64_t v = ms / units[i].mult;
		if (v > 0) {
			o += (size_t)snprintf(buf + o, size - o, "%lld%s", (long long)v, units[i].u);
			ms -= v * units[i].mult;
		}
	}
}

static size_t
fmt_frac(char *buf, size_t w, uint64_t *v, int prec)
{
	bool print = false;
	for (int i = 0; i < prec; i++) {
		unsigned digit = (unsigned)(*v % 10);
		print = print || digit != 0;
		if (print)
			buf[--w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		buf[--w] = '.';
	return w;
}

static size_t
fmt_int(char *buf, size_t w, uint64_t v)
{
	if (v == 0) {
		buf[--w] = '0';
		return w;
	}
	while (v > 0) {
		buf[--w] = (char)('0' + v % 10);
		v /= 10;
	}
	return w;
}

void
lq_fmt_go_duration(int64_t d, char *out, size_t size)
{
	char buf[40];
	size_t w = sizeof(buf);
	uint64_t u = (uint64_t)d;
	bool neg = d < 0;
	if (neg)
		u = 0 - u;
	if (u < 1000000000ULL) {
		int prec;
		buf[--w] = 's';
		if (u == 0) {
			snprintf(out, size, "0s");
			return;
		} else if (u < 1000) {
			prec = 0;
			buf[--w] = 'n';
		} else if (u < 1000000) {
			prec = 3;
			buf[--w] = '\xb5';
			buf[--w] = '\xc2';
		} else {
			prec = 6;
			buf[--w] = 'm';
		}
		w = fmt_frac(buf, w, &u, prec);
		w = fmt_int(buf, w, u);
	} else {
		buf[--w] = 's';
		w = fmt_frac(buf, w, &u, 9);
		w = fmt_int(buf, w, u % 60);
		u /= 60;
		if (u > 0) {
			buf[--w] = 'm';
			w = fmt_int(buf, w, u % 60);
			u /= 60;
			if (u > 0) {
				buf[--w] = 'h';
				w = fmt_int(buf, w, u);
			}
		}
	}
	if (neg)
		buf[--w] = '-';
	snprintf(out, size, "%.*s", (int)(sizeof(buf) - w), buf + w);
}

/* Durations in label filters and offsets: short Prometheus form when the
 * value is whole milliseconds, Go form otherwise; both parse back. */
static void
add_duration(struct sbuf *sb, int64_t ns)
{
	char buf[64];
	if (ns % 1000000 == 0)
		lq_fmt_prom_duration(ns / 1000000, buf, sizeof(buf));
	else
		lq_fmt_go_duration(ns, buf, sizeof(buf));
	sbuf_adds(sb, buf);
}

static void
add_bytes(struct sbuf *sb, uint64_t b)
{
	static const struct { const char *u; uint64_t m; } units[] = {
		{ "PiB", 1ULL << 50 }, { "PB", 1000000000000000ULL },
		{ "TiB", 1ULL << 40 }, { "TB", 1000000000000ULL },
		{ "GiB", 1ULL << 30 }, { "GB", 1000000000ULL },
		{ "MiB", 1ULL << 20 }, { "MB", 1000000ULL },
		{ "KiB", 1ULL << 10 }, { "kB", 1000ULL },
	};
	if (b) {
		for (size_t i = 0; i < LX_ARRAY_LEN(units); i++) {
			if (b % units[i].m == 0) {
				sbuf_addf(sb, "%llu%s", (unsigned long long)(b / units[i].m),
					  units[i].u);
				return;
			}
		}
	}
	sbuf_addf(sb, "%lluB", (unsigned long long)b);
}

/* Non-finite numbers print as text that parses back to them. */
static bool
add_nonfinite(struct sbuf *sb, double v)
{
	if (isnan(v))
		sbuf_adds(sb, "(0 / 0)");
	else if (isinf(v))
		sbuf_adds(sb, v > 0 ? "1e999" : "-1e999");
	else
		return false;
	return true;
}

static void
add_float_f(struct sbuf *sb, double v)
{
	if (add_nonfinite(sb, v))
		return;
	char buf[400];
	lq__fmt_float_f(v, buf, sizeof(buf));
	sbuf_adds(sb, buf);
}

static void
add_float_v(struct sbuf *sb, double v)
{
	if (add_nonfinite(sb, v))
		return;
	char buf[400];
	lq__fmt_float_v(v, buf, sizeof(buf));
	sbuf_adds(sb, buf);
}

/* ---- pieces ---- */

static const char *
match_op(enum lq_match_op op)
{
	switch (op) {
	case LQ_EQ: return "=";
	case LQ_NEQ: return "!=";
	case LQ_RE: return "=~";
	case LQ_NRE: return "!~";
	}
	return "=";
}

static const char *
cmp_op(enum lq_cmp_op op)
{
	switch (op) {
	case LQ_CMP_EQ: return "=";
	case LQ_CMP_NEQ: return "!=";
	case LQ_CMP_GT: return ">";
	case LQ_CMP_GTE: return ">=";
	case LQ_CMP_LT: return "<";
	case LQ_CMP_LTE: return "<=";
	case LQ_CMP_EQEQ: return "==";
	}
	return "=";
}

static void
add_matcher(struct sbuf *sb, const struct lq_matcher *m)
{
	sbuf_adds(sb, m->name);
	sbuf_adds(sb, match_op(m->op));
	lq_quote(sb, m->value, m->value_len);
}

static bool
regex_is_simple(const char *s, size_t n)
{
	if (n == 2 && s[0] == '.' && s[1] == '*')
		return true;
	for (size_t i = 0; i < n; i++)
		if (strchr("\\.+*?()[]{}^$", s[i]))
			return false;
	return true;
}

/* Regex label filters print in backticks like Loki, unless the regex
 * simplifies to a plain comparison or cannot be written raw. */
static void
add_filter_matcher(struct sbuf *sb, const struct lq_matcher *m)
{
	if ((m->op == LQ_RE || m->op == LQ_NRE) &&
	    !regex_is_simple(m->value, m->value_len) &&
	    !memchr(m->value, '`', m->value_len) &&
	    !memchr(m->value, '\r', m->value_len) &&
	    strlen(m->value) == m->value_len && lq__utf8_valid(m->value, m->value_len)) {
		sbuf_adds(sb, m->name);
		sbuf_adds(sb, match_op(m->op));
		sbuf_addc(sb, '`');
		sbuf_add(sb, m->value, m->value_len);
		sbuf_addc(sb, '`');
		return;
	}
	add_matcher(sb, m);
}

static void
add_selector(struct sbuf *sb, const struct lq_selector *sel)
{
	sbuf_addc(sb, '{');
	for (size_t i = 0; i < sel->n; i++) {
		if (i)
			sbuf_adds(sb, ", ");
		add_matcher(sb, &sel->m[i]);
	}
	sbuf_addc(sb, '}');
}

static void
add_label_filter(struct sbuf *sb, const struct lq_label_filter *f)
{
	switch (f->kind) {
	case LQ_LF_AND:
	case LQ_LF_OR:
		sbuf_adds(sb, "( ");
		add_label_filter(sb, f->l);
		sbuf_adds(sb, f->kind == LQ_LF_AND ? " , " : " or ");
		add_label_filter(sb, f->r);
		sbuf_adds(sb, " )");
		break;
	case LQ_LF_STRING:
		add_filter_matcher(sb, &f->m);
		break;
	case LQ_LF_IP:
		sbuf_adds(sb, f->name);
		sbuf_adds(sb, cmp_op(f->cmp));
		sbuf_adds(sb, "ip(");
		lq_quote(sb, f->str, strlen(f->str));
		sbuf_addc(sb, ')');
		break;
	case LQ_LF_NUMBER:
		sbuf_adds(sb, f->name);
		sbuf_adds(sb, cmp_op(f->cmp));
		add_float_f(sb, f->num);
		break;
	case LQ_LF_DURATION:
		sbuf_adds(sb, f->name);
		sbuf_adds(sb, cmp_op(f->cmp));
		add_duration(sb, f->dur_ns);
		break;
	case LQ_LF_BYTES:
		sbuf_adds(sb, f->name);
		sbuf_adds(sb, cmp_op(f->cmp));
		add_bytes(sb, f->bytes);
		break;
	}
}

static const char *
line_op(enum lq_line_op op)
{
	switch (op) {
	case LQ_LINE_CONTAINS: return "|=";
	case LQ_LINE_NOT_CONTAINS: return "!=";
	case LQ_LINE_MATCH: return "|~";
	case LQ_LINE_NOT_MATCH: return "!~";
	case LQ_LINE_PATTERN: return "|>";
	case LQ_LINE_NOT_PATTERN: return "!>";
	}
	return "|=";
}

static void
add_extracts(struct sbuf *sb, const struct lq_stage *st)
{
	for (size_t i = 0; i < st->nex; i++) {
		sbuf_adds(sb, i ? "," : " ");
		sbuf_adds(sb, st->ex[i].name);
		if (strcmp(st->ex[i].name, st->ex[i].path)) {
			sbuf_addc(sb, '=');
			lq_quote(sb, st->ex[i].path, strlen(st->ex[i].path));
		}
	}
}

/* One stage, without leading space. */
static void
add_stage(struct sbuf *sb, const struct lq_stage *st)
{
	switch (st->kind) {
	case LQ_ST_LINE_FILTER:
		sbuf_adds(sb, line_op(st->lf.op));
		for (size_t i = 0; i < st->lf.nalt; i++) {
			const struct lq_line_alt *a = &st->lf.alt[i];
			sbuf_adds(sb, i ? " or " : " ");
			if (a->ip) {
				sbuf_adds(sb, "ip(");
				lq_quote(sb, a->s, a->len);
				sbuf_addc(sb, ')');
			} else {
				lq_quote(sb, a->s, a->len);
			}
		}
		break;
	case LQ_ST_JSON:
		sbuf_adds(sb, "| json");
		add_extracts(sb, st);
		break;
	case LQ_ST_LOGFMT:
		sbuf_adds(sb, "| logfmt");
		if (st->strict)
			sbuf_adds(sb, " --strict");
		if (st->keep_empty)
			sbuf_adds(sb, " --keep-empty");
		add_extracts(sb, st);
		break;
	case LQ_ST_REGEXP:
		sbuf_adds(sb, "| regexp ");
		lq_quote(sb, st->str, strlen(st->str));
		break;
	case LQ_ST_PATTERN:
		sbuf_adds(sb, "| pattern ");
		lq_quote(sb, st->str, strlen(st->str));
		break;
	case LQ_ST_UNPACK:
		sbuf_adds(sb, "| unpack");
		break;
	case LQ_ST_DECOLORIZE:
		sbuf_adds(sb, "| decolorize");
		break;
	case LQ_ST_LABEL_FILTER:
		sbuf_adds(sb, "| ");
		add_label_filter(sb, st->filter);
		break;
	case LQ_ST_LINE_FORMAT:
		sbuf_adds(sb, "| line_format ");
		lq_quote(sb, st->str, strlen(st->str));
		break;
	case LQ_ST_LABEL_FORMAT:
		sbuf_adds(sb, "| label_format ");
		for (size_t i = 0; i < st->nfmt; i++) {
			if (i)
				sbuf_addc(sb, ',');
			sbuf_adds(sb, st->fmt[i].dst);
			sbuf_addc(sb, '=');
			if (st->fmt[i].is_template)
				lq_quote(sb, st->fmt[i].src, strlen(st->fmt[i].src));
			else
				sbuf_adds(sb, st->fmt[i].src);
		}
		break;
	case LQ_ST_DROP:
	case LQ_ST_KEEP:
		sbuf_adds(sb, st->kind == LQ_ST_DROP ? "| drop " : "| keep ");
		for (size_t i = 0; i < st->nnamed; i++) {
			if (i)
				sbuf_addc(sb, ',');
			if (st->named[i].has_matcher)
				add_matcher(sb, &st->named[i].m);
			else
				sbuf_adds(sb, st->named[i].m.name);
		}
		break;
	}
}

static void
add_unwrap(struct sbuf *sb, const struct lq_unwrap *u, const char *sep)
{
	static const char *conv[] = { "", "bytes", "duration", "duration_seconds" };
	sbuf_adds(sb, "| unwrap ");
	if (u->conv) {
		sbuf_adds(sb, conv[u->conv]);
		sbuf_addc(sb, '(');
		sbuf_adds(sb, u->label);
		sbuf_addc(sb, ')');
	} else {
		sbuf_adds(sb, u->label);
	}
	for (size_t i = 0; i < u->npost; i++) {
		sbuf_adds(sb, sep);
		sbuf_adds(sb, "| ");
		add_label_filter(sb, u->post[i]);
	}
}

static void
add_grouping(struct sbuf *sb, const struct lq_grouping *g)
{
	sbuf_adds(sb, g->without ? "without (" : "by (");
	for (size_t i = 0; i < g->n; i++) {
		if (i)
			sbuf_adds(sb, ", ");
		sbuf_adds(sb, g->labels[i]);
	}
	sbuf_addc(sb, ')');
}

static void
add_labels(struct sbuf *sb, const char **l, size_t n)
{
	sbuf_addc(sb, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_adds(sb, ", ");
		sbuf_adds(sb, l[i]);
	}
	sbuf_addc(sb, ')');
}

static void
add_binop_op(struct sbuf *sb, const struct lq_expr *e)
{
	sbuf_adds(sb, lq_bin_op_name(e->op));
	if (e->ret_bool)
		sbuf_adds(sb, " bool");
	if (e->has_matching) {
		sbuf_adds(sb, e->on ? " on " : " ignoring ");
		add_labels(sb, e->match_labels, e->nmatch);
		if (e->card) {
			sbuf_adds(sb, e->card == 1 ? " group_left" : " group_right");
			if (e->has_include) {
				sbuf_addc(sb, ' ');
				add_labels(sb, e->include, e->ninclude);
			}
		}
	}
}

static void
add_range_suffix(struct sbuf *sb, const struct lq_expr *e)
{
	char buf[64];
	lq_fmt_prom_duration(e->range_ms, buf, sizeof(buf));
	sbuf_addc(sb, '[');
	sbuf_adds(sb, buf);
	sbuf_addc(sb, ']');
	if (e->offset_ns) {
		sbuf_adds(sb, " offset ");
		add_duration(sb, e->offset_ns);
	}
}

static void
fmt_expr(struct sbuf *sb, const struct lq_expr *e)
{
	switch (e->kind) {
	case LQ_EXPR_LOG:
	case LQ_EXPR_LOG_RANGE:
		add_selector(sb, &e->sel);
		for (size_t i = 0; i < e->nstages; i++) {
			sbuf_addc(sb, ' ');
			add_stage(sb, &e->stages[i]);
		}
		if (e->unwrap) {
			sbuf_addc(sb, ' ');
			add_unwrap(sb, e->unwrap, " ");
		}
		if (e->kind == LQ_EXPR_LOG_RANGE)
			add_range_suffix(sb, e);
		break;
	case LQ_EXPR_RANGE_AGG:
		sbuf_adds(sb, lq_range_op_name(e->op));
		sbuf_addc(sb, '(');
		if (e->has_param) {
			add_float_f(sb, e->param);
			sbuf_adds(sb, ", ");
		}
		fmt_expr(sb, e->inner);
		sbuf_addc(sb, ')');
		if (e->grouping.present) {
			sbuf_addc(sb, ' ');
			add_grouping(sb, &e->grouping);
		}
		break;
	case LQ_EXPR_VEC_AGG:
		sbuf_adds(sb, lq_vec_op_name(e->op));
		if (e->grouping.present) {
			sbuf_addc(sb, ' ');
			add_grouping(sb, &e->grouping);
			sbuf_addc(sb, ' ');
		}
		sbuf_addc(sb, '(');
		if (e->has_param) {
			add_float_f(sb, e->param);
			sbuf_adds(sb, ", ");
		}
		fmt_expr(sb, e->inner);
		sbuf_addc(sb, ')');
		break;
	case LQ_EXPR_BINOP:
		sbuf_addc(sb, '(');
		fmt_expr(sb, e->lhs);
		sbuf_addc(sb, ' ');
		add_binop_op(sb, e);
		sbuf_addc(sb, ' ');
		fmt_expr(sb, e->rhs);
		sbuf_addc(sb, ')');
		break;
	case LQ_EXPR_LITERAL:
		add_float_v(sb, e->value);
		break;
	case LQ_EXPR_VECTOR:
		sbuf_adds(sb, "vector(");
		add_float_v(sb, e->value);
		sbuf_addc(sb, ')');
		break;
	case LQ_EXPR_LABEL_REPLACE:
		sbuf_adds(sb, "label_replace(");
		fmt_expr(sb, e->inner);
		const char *args[4] = { e->lr_dst, e->lr_repl, e->lr_src, e->lr_regex };
		for (int i = 0; i < 4; i++) {
			sbuf_adds(sb, ", ");
			lq_quote(sb, args[i], strlen(args[i]));
		}
		sbuf_addc(sb, ')');
		break;
	}
}

void
lq_format(const struct lq_expr *e, struct sbuf *out)
{
	fmt_expr(out, e);
}

/* ---- pretty printer ---- */

static void
indent(struct sbuf *sb, int n)
{
	sbuf_addc(sb, '\n');
	for (int i = 0; i < n; i++)
		sbuf_addc(sb, ' ');
}

static size_t
flat_len(const struct lq_expr *e)
{
	struct sbuf t = SBUF_INIT;
	fmt_expr(&t, e);
	size_t n = t.len;
	sbuf_release(&t);
	return n;
}

static void
pp(struct sbuf *sb, const struct lq_expr *e, int ind, int width)
{
	if ((int)flat_len(e) + ind <= width) {
		fmt_expr(sb, e);
		return;
	}
	switch (e->kind) {
	case LQ_EXPR_LOG:
	case LQ_EXPR_LOG_RANGE:
		add_selector(sb, &e->sel);
		for (size_t i = 0; i < e->nstages; i++) {
			indent(sb, ind + 2);
			add_stage(sb, &e->stages[i]);
		}
		if (e->unwrap) {
			indent(sb, ind + 2);
			struct sbuf sep = SBUF_INIT;
			sbuf_addc(&sep, '\n');
			for (int i = 0; i < ind + 2; i++)
				sbuf_addc(&sep, ' ');
			add_unwrap(sb, e->unwrap, sbuf_str(&sep));
			sbuf_release(&sep);
		}
		if (e->kind == LQ_EXPR_LOG_RANGE) {
			indent(sb, ind);
			add_range_suffix(sb, e);
		}
		break;
	case LQ_EXPR_RANGE_AGG:
		sbuf_adds(sb, lq_range_op_name(e->op));
		sbuf_addc(sb, '(');
		if (e->has_param) {
			add_float_f(sb, e->param);
			sbuf_addc(sb, ',');
		}
		indent(sb, ind + 2);
		pp(sb, e->inner, ind + 2, width);
		indent(sb, ind);
		sbuf_addc(sb, ')');
		if (e->grouping.present) {
			sbuf_addc(sb, ' ');
			add_grouping(sb, &e->grouping);
		}
		break;
	case LQ_EXPR_VEC_AGG:
		sbuf_adds(sb, lq_vec_op_name(e->op));
		if (e->grouping.present) {
			sbuf_addc(sb, ' ');
			add_grouping(sb, &e->grouping);
			sbuf_addc(sb, ' ');
		}
		sbuf_addc(sb, '(');
		if (e->has_param) {
			indent(sb, ind + 2);
			add_float_f(sb, e->param);
			sbuf_addc(sb, ',');
		}
		indent(sb, ind + 2);
		pp(sb, e->inner, ind + 2, width);
		indent(sb, ind);
		sbuf_addc(sb, ')');
		break;
	case LQ_EXPR_BINOP:
		sbuf_addc(sb, '(');
		indent(sb, ind + 2);
		pp(sb, e->lhs, ind + 2, width);
		indent(sb, ind);
		add_binop_op(sb, e);
		indent(sb, ind + 2);
		pp(sb, e->rhs, ind + 2, width);
		indent(sb, ind);
		sbuf_addc(sb, ')');
		break;
	case LQ_EXPR_LABEL_REPLACE: {
		sbuf_adds(sb, "label_replace(");
		indent(sb, ind + 2);
		pp(sb, e->inner, ind + 2, width);
		sbuf_addc(sb, ',');
		const char *args[4] = { e->lr_dst, e->lr_repl, e->lr_src, e->lr_regex };
		for (int i = 0; i < 4; i++) {
			indent(sb, ind + 2);
			lq_quote(sb, args[i], strlen(args[i]));
			if (i < 3)
				sbuf_addc(sb, ',');
		}
		indent(sb, ind);
		sbuf_addc(sb, ')');
		break;
	}
	default:
		fmt_expr(sb, e);
	}
}

void
lq_format_pretty(const struct lq_expr *e, int width, struct sbuf *out)
{
	pp(out, e, 0, width > 20 ? width : 20);
}

/* ---- equality ---- */

static bool
str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static bool
bytes_eq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && (an == 0 || !memcmp(a, b, an));
}

static bool
matcher_eq(const struct lq_matcher *a, const struct lq_matcher *b)
{
	return str_eq(a->name, b->name) && a->op == b->op &&
	       bytes_eq(a->value, a->value_len, b->value, b->value_len);
}

static bool
lf_eq(const struct lq_label_filter *a, const struct lq_label_filter *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case LQ_LF_AND:
	case LQ_LF_OR:
		return lf_eq(a->l, b->l) && lf_eq(a->r, b->r);
	case LQ_LF_STRING:
		return matcher_eq(&a->m, &b->m);
	case LQ_LF_IP:
		return str_eq(a->name, b->name) && a->cmp == b->cmp && str_eq(a->str, b->str);
	case LQ_LF_NUMBER:
		return str_eq(a->name, b->name) && a->cmp == b->cmp && a->num == b->num;
	case LQ_LF_DURATION:
		return str_eq(a->name, b->name) && a->cmp == b->cmp && a->dur_ns == b->dur_ns;
	case LQ_LF_BYTES:
		return str_eq(a->name, b->name) && a->cmp == b->cmp && a->bytes == b->bytes;
	}
	return false;
}

static bool
stage_eq(const struct lq_stage *a, const struct lq_stage *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case LQ_ST_LINE_FILTER:
		if (a->lf.op != b->lf.op || a->lf.nalt != b->lf.nalt)
			return false;
		for (size_t i = 0; i < a->lf.nalt; i++)
			if (a->lf.alt[i].ip != b->lf.alt[i].ip ||
			    !bytes_eq(a->lf.alt[i].s, a->lf.alt[i].len, b->lf.alt[i].s,
				      b->lf.alt[i].len))
				return false;
		return true;
	case LQ_ST_JSON:
	case LQ_ST_LOGFMT:
		if (a->nex != b->nex || a->strict != b->strict || a->keep_empty != b->keep_empty)
			return false;
		for (size_t i = 0; i < a->nex; i++)
			if (!str_eq(a->ex[i].name, b->ex[i].name) ||
			    !str_eq(a->ex[i].path, b->ex[i].path))
				return false;
		return true;
	case LQ_ST_REGEXP:
	case LQ_ST_PATTERN:
	case LQ_ST_LINE_FORMAT:
		return str_eq(a->str, b->str);
	case LQ_ST_UNPACK:
	case LQ_ST_DECOLORIZE:
		return true;
	case LQ_ST_LABEL_FILTER:
		return lf_eq(a->filter, b->filter);
	case LQ_ST_LABEL_FORMAT:
		if (a->nfmt != b->nfmt)
			return false;
		for (size_t i = 0; i < a->nfmt; i++)
			if (!str_eq(a->fmt[i].dst, b->fmt[i].dst) ||
			    !str_eq(a->fmt[i].src, b->fmt[i].src) ||
			    a->fmt[i].is_template != b->fmt[i].is_template)
				return false;
		return true;
	case LQ_ST_DROP:
	case LQ_ST_KEEP:
		if (a->nnamed != b->nnamed)
			return false;
		for (size_t i = 0; i < a->nnamed; i++) {
			if (a->named[i].has_matcher != b->named[i].has_matcher)
				return false;
			if (a->named[i].has_matcher ? !matcher_eq(&a->named[i].m, &b->named[i].m) :
			    !str_eq(a->named[i].m.name, b->named[i].m.name))
				return false;
		}
		return true;
	}
	return false;
}

static bool
labels_eq(const char **a, size_t an, const char **b, size_t bn)
{
	if (an != bn)
		return false;
	for (size_t i = 0; i < an; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

bool
lq_expr_equal(const struct lq_expr *a, const struct lq_expr *b)
{
	if (!a || !b)
		return a == b;
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case LQ_EXPR_LOG:
	case LQ_EXPR_LOG_RANGE:
		if (a->sel.n != b->sel.n || a->nstages != b->nstages)
			return false;
		for (size_t i = 0; i < a->sel.n; i++)
			if (!matcher_eq(&a->sel.m[i], &b->sel.m[i]))
				return false;
		for (size_t i = 0; i < a->nstages; i++)
			if (!stage_eq(&a->stages[i], &b->stages[i]))
				return false;
		if (!a->unwrap != !b->unwrap)
			return false;
		if (a->unwrap) {
			if (!str_eq(a->unwrap->label, b->unwrap->label) ||
			    a->unwrap->conv != b->unwrap->conv ||
			    a->unwrap->npost != b->unwrap->npost)
				return false;
			for (size_t i = 0; i < a->unwrap->npost; i++)
				if (!lf_eq(a->unwrap->post[i], b->unwrap->post[i]))
					return false;
		}
		return a->kind == LQ_EXPR_LOG ||
		       (a->range_ms == b->range_ms && a->offset_ns == b->offset_ns);
	case LQ_EXPR_RANGE_AGG:
	case LQ_EXPR_VEC_AGG:
		return a->op == b->op && a->has_param == b->has_param &&
		       (!a->has_param || a->param == b->param) &&
		       a->grouping.present == b->grouping.present &&
		       a->grouping.without == b->grouping.without &&
		       labels_eq(a->grouping.labels, a->grouping.n, b->grouping.labels,
				 b->grouping.n) &&
		       lq_expr_equal(a->inner, b->inner);
	case LQ_EXPR_BINOP:
		return a->op == b->op && a->ret_bool == b->ret_bool &&
		       a->has_matching == b->has_matching && a->on == b->on &&
		       labels_eq(a->match_labels, a->nmatch, b->match_labels, b->nmatch) &&
		       a->card == b->card && a->has_include == b->has_include &&
		       labels_eq(a->include, a->ninclude, b->include, b->ninclude) &&
		       lq_expr_equal(a->lhs, b->lhs) && lq_expr_equal(a->rhs, b->rhs);
	case LQ_EXPR_LITERAL:
	case LQ_EXPR_VECTOR:
		return a->value == b->value || (a->value != a->value && b->value != b->value);
	case LQ_EXPR_LABEL_REPLACE:
		return str_eq(a->lr_dst, b->lr_dst) && str_eq(a->lr_repl, b->lr_repl) &&
		       str_eq(a->lr_src, b->lr_src) && str_eq(a->lr_regex, b->lr_regex) &&
		       lq_expr_equal(a->inner, b->inner);
	}
	return false;
}

/* ---- errors ---- */

size_t
lq_error_format(const struct lq_error *err, const char *src, char *buf, size_t size)
{
	struct sbuf sb = SBUF_INIT;
	size_t n = src ? strlen(src) : 0;
	sbuf_addf(&sb, "line %d, col %d: %s\n", err->line, err->col, err->msg);
	if (src) {
		size_t off = err->offset > n ? n : err->offset;
		size_t ls = off, le = off;
		while (ls > 0 && src[ls - 1] != '\n')
			ls--;
		while (le < n && src[le] != '\n')
			le++;
		sbuf_add(&sb, src + ls, le - ls);
		sbuf_addc(&sb, '\n');
		/* caret: one column per character (UTF-8 aware), tabs kept */
		size_t i = ls;
		while (i < off) {
			uint32_t r;
			size_t w = lq__utf8_decode((const unsigned char *)src + i, n - i, &r);
			sbuf_addc(&sb, src[i] == '\t' ? '\t' : ' ');
			i += w;
		}
		size_t len = err->len ? err->len : 1;
		size_t end = off + len > le ? le : off + len;
		size_t carets = 0;
		while (i < end) {
			uint32_t r;
			i += lq__utf8_decode((const unsigned char *)src + i, n - i, &r);
			carets++;
		}
		if (carets == 0)
			carets = 1;
		for (size_t k = 0; k < carets; k++)
			sbuf_addc(&sb, '^');
		sbuf_addc(&sb, '\n');
	}
	size_t want = sb.len;
	if (size) {
		size_t c = want < size - 1 ? want : size - 1;
		memcpy(buf, sbuf_str(&sb), c);
		buf[c] = 0;
	}
	sbuf_release(&sb);
	return want;
}

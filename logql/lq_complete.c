/*
 * logql/lq_complete.c: what may be typed at the cursor.
 *
 * Owns: a small state machine over the tokens before the cursor (brace
 * and parenthesis nesting, the last one or two tokens) that tells the
 * editor which kind of thing is expected, plus static keyword suggestions.
 * It works on incomplete and invalid text; it never allocates for the
 * caller.  Label names and values come from the caller's data source.
 */
#include "logql/lq_internal.h"

#include <stdio.h>
#include <string.h>

static const char *s_functions[] = {
	"count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate",
	"avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
	"stdvar_over_time", "stddev_over_time", "quantile_over_time",
	"first_over_time", "last_over_time", "absent_over_time", "sum", "avg",
	"count", "max", "min", "stddev", "stdvar", "topk", "bottomk", "sort",
	"sort_desc", "label_replace", "vector", NULL,
};
static const char *s_range_functions[] = {
	"count_over_time", "rate", "bytes_over_time", "bytes_rate",
	"avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
	"quantile_over_time", "first_over_time", "last_over_time",
	"absent_over_time", "rate_counter", "stddev_over_time", "stdvar_over_time",
	NULL,
};
static const char *s_stages[] = {
	"json", "logfmt", "regexp", "pattern", "unpack", "line_format",
	"label_format", "drop", "keep", "decolorize", "unwrap", NULL,
};
static const char *s_parsers[] = {
	"json", "logfmt", "regexp", "pattern", "unpack", NULL,
};
static const char *s_line_ops[] = { "|=", "!=", "|~", "!~", "|", NULL };
static const char *s_match_ops[] = { "=", "!=", "=~", "!~", NULL };
static const char *s_cmp_ops[] = { "=", "!=", "=~", "!~", ">", ">=", "<", "<=", NULL };
static const char *s_bin_ops[] = {
	"+", "-", "*", "/", "%", "^", "==", "!=", ">", ">=", "<", "<=",
	"and", "or", "unless", NULL,
};
static const char *s_grouping[] = { "by", "without", NULL };
static const char *s_durations[] = { "1m", "5m", "15m", "1h", "6h", "24h", NULL };
static const char *s_conv[] = { "bytes(", "duration(", "duration_seconds(", NULL };
static const char *s_after_range[] = { "offset", NULL };

enum pk { P_PLAIN, P_GROUP, P_RANGEFN, P_VECFN, P_CALL };

static bool
is_fn(const char **tab, const char *s, size_t n)
{
	for (size_t i = 0; tab[i]; i++)
		if (lq__ieq(s, n, tab[i]))
			return true;
	return false;
}

static void
suggest(struct lq_completion *c, const char **tab, const char *word, size_t wl)
{
	size_t n = 0;
	while (n < LX_ARRAY_LEN(c->suggest) - 1 && c->suggest[n])
		n++;
	for (size_t i = 0; tab[i] && n < LX_ARRAY_LEN(c->suggest) - 1; i++) {
		if (wl && strncmp(tab[i], word, wl))
			continue;
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			if (!strcmp(c->suggest[k], tab[i]))
				dup = true;
		if (!dup)
			c->suggest[n++] = tab[i];
	}
	c->suggest[n] = NULL;
}

static bool
is_cmp_tok(enum lq_tok t)
{
	return t == T_EQ || t == T_NEQ || t == T_RE || t == T_NRE || t == T_GT ||
	       t == T_GTE || t == T_LT || t == T_LTE || t == T_EQEQ;
}

void
lq_complete(const char *text, size_t len, size_t cursor, struct lq_completion *c)
{
	memset(c, 0, sizeof(*c));
	if (cursor > len)
		cursor = len;
	size_t ws = cursor;
	while (ws > 0) {
		char ch = text[ws - 1];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '_')
			ws--;
		else
			break;
	}
	c->word_off = ws;
	c->word_len = cursor - ws;
	char word[64];
	size_t wl = c->word_len < sizeof(word) - 1 ? c->word_len : sizeof(word) - 1;
	memcpy(word, text + ws, wl);
	word[wl] = 0;

	struct arena a;
	struct lq__lexer lx;
	arena_init(&a, 0);
	lq__lex_init(&lx, &a, text, ws);

	/* state */
	enum pk stack[64];
	int sp = 0;
	bool in_brace = false, after_pipe_label = false;
	struct lq__tok last, prev, prev2, t;
	memset(&last, 0, sizeof(last));
	last.t = T_EOF;
	prev = prev2 = last;
	char lastlabel[128] = "";
	bool open_string = false, open_range = false;
	int ntok = 0;
	for (;;) {
		lq__lex_next(&lx, &t);
		if (t.t == T_EOF)
			break;
		if (t.t == T_ERROR) {
			char ch = text[t.off];
			if (ch == '"' || ch == '`')
				open_string = true;
			else if (ch == '[')
				open_range = true;
			if (lx.pos <= t.off)
				lx.pos = t.off + 1;
			if (open_string || open_range)
				break;
			continue;
		}
		ntok++;
		switch (t.t) {
		case T_LBRACE:
			in_brace = true;
			break;
		case T_RBRACE:
			in_brace = false;
			break;
		case T_LPAREN: {
			enum pk k = P_PLAIN;
			if (last.t == T_IDENT) {
				const char *s = text + last.off;
				if (lq__ieq(s, last.len, "by") || lq__ieq(s, last.len, "without") ||
				    lq__ieq(s, last.len, "on") || lq__ieq(s, last.len, "ignoring") ||
				    lq__ieq(s, last.len, "group_left") ||
				    lq__ieq(s, last.len, "group_right"))
					k = P_GROUP;
				else if (is_fn(s_range_functions, s, last.len))
					k = P_RANGEFN;
				else if (is_fn(s_functions, s, last.len))
					k = P_VECFN;
				else
					k = P_CALL;
			}
			if (sp < (int)LX_ARRAY_LEN(stack))
				stack[sp] = k;
			sp++;
			break;
		}
		case T_RPAREN:
			if (sp > 0)
				sp--;
			break;
		case T_IDENT:
			if (in_brace || last.t == T_PIPE || last.t == T_COMMA) {
				snprintf(lastlabel, sizeof(lastlabel), "%.*s", (int)t.len,
					 text + t.off);
			}
			break;
		default:
			break;
		}
		after_pipe_label = t.t == T_IDENT && last.t == T_PIPE;
		prev2 = prev;
		prev = last;
		last = t;
	}
	(void)prev2;
	(void)after_pipe_label;
	enum pk top = sp > 0 && sp <= (int)LX_ARRAY_LEN(stack) ? stack[sp - 1] : P_PLAIN;
	bool in_rangefn = false;
	for (int i = 0; i < sp && i < (int)LX_ARRAY_LEN(stack); i++)
		if (stack[i] == P_RANGEFN)
			in_rangefn = true;

	if (open_range) {
		c->expect = LQ_X_DURATION;
		suggest(c, s_durations, word, wl);
		goto out;
	}
	if (open_string) {
		bool mop = last.t == T_EQ || last.t == T_NEQ || last.t == T_RE || last.t == T_NRE;
		if (mop && (in_brace || (prev.t == T_IDENT && (prev2.t == T_PIPE ||
		    prev2.t == T_COMMA || (prev2.t == T_IDENT && (lq__ieq(text + prev2.off, prev2.len, "and") ||
		    lq__ieq(text + prev2.off, prev2.len, "or"))))))) {
			/* a value of a stream label or of a label filter */
			c->expect = LQ_X_LABEL_VALUE;
			if (in_brace)
				snprintf(c->label, sizeof(c->label), "%s", lastlabel);
			else
				snprintf(c->label, sizeof(c->label), "%.*s", (int)prev.len, text + prev.off);
		} else {
			c->expect = LQ_X_STRING;
		}
		goto out;
	}
	if (ntok == 0) {
		c->expect = LQ_X_SELECTOR | LQ_X_FUNCTION;
		suggest(c, s_functions, word, wl);
		goto out;
	}
	if (in_brace) {
		switch (last.t) {
		case T_LBRACE:
		case T_COMMA:
			c->expect = LQ_X_LABEL_NAME;
			break;
		case T_IDENT:
			if (wl) {
				c->expect = LQ_X_LABEL_NAME;
			} else {
				c->expect = LQ_X_MATCH_OP;
				suggest(c, s_match_ops, word, wl);
			}
			break;
		case T_EQ: case T_NEQ: case T_RE: case T_NRE:
			c->expect = LQ_X_LABEL_VALUE;
			snprintf(c->label, sizeof(c->label), "%s", lastlabel);
			break;
		default:
			c->expect = 0;
		}
		goto out;
	}
	if (top == P_GROUP && (last.t == T_LPAREN || last.t == T_COMMA ||
			       (last.t == T_IDENT && wl))) {
		c->expect = LQ_X_LABEL_NAME;
		goto out;
	}
	switch (last.t) {
	case T_PIPE:
		c->expect = LQ_X_PIPELINE_STAGE | LQ_X_PARSER | LQ_X_LABEL_NAME;
		suggest(c, s_stages, word, wl);
		goto out;
	case T_PIPE_EXACT: case T_PIPE_MATCH: case T_PIPE_PATTERN: case T_NPATTERN:
		c->expect = LQ_X_STRING;
		goto out;
	case T_NEQ: case T_NRE:
		if (prev.t == T_IDENT && prev2.t == T_PIPE) {
			c->expect = LQ_X_STRING | LQ_X_NUMBER;
		} else if (prev.t == T_RBRACE || prev.t == T_STRING) {
			c->expect = LQ_X_STRING;
		} else {
			c->expect = LQ_X_FUNCTION | LQ_X_NUMBER;
			suggest(c, s_functions, word, wl);
		}
		goto out;
	case T_EQ: case T_RE: case T_EQEQ: case T_GT: case T_GTE: case T_LT: case T_LTE:
		if (prev.t == T_IDENT) {
			c->expect = LQ_X_STRING | LQ_X_NUMBER | LQ_X_DURATION;
			if (last.t == T_EQ || last.t == T_RE) {
				c->expect |= LQ_X_LABEL_VALUE;
				snprintf(c->label, sizeof(c->label), "%.*s", (int)prev.len, text + prev.off);
			}
		} else {
			c->expect = LQ_X_FUNCTION | LQ_X_NUMBER;
			suggest(c, s_functions, word, wl);
		}
		goto out;
	case T_RBRACE:
	case T_STRING:
		if (last.t == T_STRING && prev.t != T_IDENT && !is_cmp_tok(prev.t) &&
		    prev.t != T_PIPE_EXACT && prev.t != T_NEQ && prev.t != T_PIPE_MATCH &&
		    prev.t != T_NRE && prev.t != T_PIPE_PATTERN && prev.t != T_NPATTERN) {
			c->expect = 0;
			goto out;
		}
		c->expect = LQ_X_LINE_FILTER | LQ_X_PIPELINE_STAGE;
		suggest(c, s_line_ops, word, wl);
		if (in_rangefn) {
			c->expect |= LQ_X_RANGE;
		} else {
			c->expect |= LQ_X_BINARY_OP;
		}
		goto out;
	case T_RANGE:
		c->expect = 0;
		suggest(c, s_after_range, word, wl);
		goto out;
	case T_LPAREN:
		if (top == P_RANGEFN) {
			c->expect = LQ_X_SELECTOR;
			if (prev.t == T_IDENT && lq__ieq(text + prev.off, prev.len, "quantile_over_time"))
				c->expect |= LQ_X_NUMBER;
		} else if (top == P_VECFN) {
			c->expect = LQ_X_FUNCTION;
			suggest(c, s_functions, word, wl);
			if (prev.t == T_IDENT && (lq__ieq(text + prev.off, prev.len, "topk") ||
						  lq__ieq(text + prev.off, prev.len, "bottomk")))
				c->expect |= LQ_X_NUMBER;
		} else {
			c->expect = LQ_X_FUNCTION | LQ_X_SELECTOR | LQ_X_NUMBER;
			suggest(c, s_functions, word, wl);
		}
		goto out;
	case T_COMMA:
		c->expect = top == P_RANGEFN ? LQ_X_SELECTOR :
			    top == P_VECFN ? LQ_X_FUNCTION : LQ_X_LABEL_NAME;
		if (top == P_VECFN)
			suggest(c, s_functions, word, wl);
		goto out;
	case T_RPAREN:
		c->expect = LQ_X_BINARY_OP | LQ_X_GROUPING;
		suggest(c, s_grouping, word, wl);
		suggest(c, s_bin_ops, word, wl);
		goto out;
	case T_ADD: case T_SUB: case T_MUL: case T_DIV: case T_MOD: case T_POW:
		c->expect = LQ_X_FUNCTION | LQ_X_NUMBER;
		suggest(c, s_functions, word, wl);
		goto out;
	case T_NUMBER:
	case T_DURATION:
	case T_BYTES:
		if (prev.t != T_IDENT && !is_cmp_tok(prev.t) && top != P_RANGEFN) {
			c->expect = LQ_X_BINARY_OP;
			suggest(c, s_bin_ops, word, wl);
		} else {
			c->expect = LQ_X_PIPELINE_STAGE | LQ_X_LINE_FILTER;
			if (in_rangefn)
				c->expect |= LQ_X_RANGE;
			suggest(c, s_line_ops, word, wl);
		}
		goto out;
	case T_IDENT: {
		const char *s = text + last.off;
		size_t n = last.len;
		if (wl && prev.t == T_PIPE) {
			c->expect = LQ_X_PIPELINE_STAGE | LQ_X_PARSER | LQ_X_LABEL_NAME;
			suggest(c, s_stages, word, wl);
		} else if (wl) {
			c->expect = LQ_X_FUNCTION;
			suggest(c, s_functions, word, wl);
		} else if (lq__ieq(s, n, "offset")) {
			c->expect = LQ_X_DURATION;
			suggest(c, s_durations, word, wl);
		} else if (lq__ieq(s, n, "unwrap")) {
			c->expect = LQ_X_LABEL_NAME | LQ_X_CONV;
			suggest(c, s_conv, word, wl);
		} else if (lq__ieq(s, n, "json") || lq__ieq(s, n, "logfmt")) {
			c->expect = LQ_X_LABEL_NAME | LQ_X_PIPELINE_STAGE | LQ_X_LINE_FILTER;
			if (in_rangefn)
				c->expect |= LQ_X_RANGE;
			suggest(c, s_line_ops, word, wl);
		} else if (lq__ieq(s, n, "regexp") || lq__ieq(s, n, "pattern") ||
			   lq__ieq(s, n, "line_format")) {
			c->expect = LQ_X_STRING;
		} else if (lq__ieq(s, n, "by") || lq__ieq(s, n, "without") ||
			   lq__ieq(s, n, "on") || lq__ieq(s, n, "ignoring")) {
			c->expect = LQ_X_LABEL_NAME;
		} else if (lq__ieq(s, n, "and") || lq__ieq(s, n, "or") ||
			   lq__ieq(s, n, "unless") || lq__ieq(s, n, "bool")) {
			c->expect = prev.t == T_RPAREN ? LQ_X_FUNCTION : LQ_X_LABEL_NAME;
			if (prev.t == T_RPAREN)
				suggest(c, s_functions, word, wl);
		} else if (prev.t == T_PIPE || prev.t == T_COMMA) {
			c->expect = LQ_X_CMP_OP;
			suggest(c, s_cmp_ops, word, wl);
		} else if (is_fn(s_functions, s, n)) {
			c->expect = LQ_X_GROUPING;
			suggest(c, s_grouping, word, wl);
		} else {
			c->expect = LQ_X_CMP_OP;
			suggest(c, s_cmp_ops, word, wl);
		}
		goto out;
	}
	default:
		c->expect = 0;
	}
out:
	if (c->expect & LQ_X_PARSER && !(c->expect & LQ_X_PIPELINE_STAGE))
		suggest(c, s_parsers, word, wl);
	arena_free(&a);
}

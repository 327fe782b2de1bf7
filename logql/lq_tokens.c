/*
 * logql/lq_tokens.c: the token stream for syntax highlighting.
 *
 * Owns: classifying lexer tokens by their role (keyword, label, function,
 * parser...) from local context, without a full parse, so half-typed and
 * invalid queries still highlight.  Never fails on bad input.
 */
#include "logql/lq_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *functions[] = {
	"count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate",
	"avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
	"stdvar_over_time", "stddev_over_time", "quantile_over_time",
	"first_over_time", "last_over_time", "absent_over_time", "sum", "avg",
	"count", "max", "min", "stddev", "stdvar", "bottomk", "topk", "sort",
	"sort_desc", "approx_topk", "label_replace", "vector", "ip", "bytes",
	"duration", "duration_seconds",
};
static const char *keywords[] = {
	"by", "without", "bool", "on", "ignoring", "group_left", "group_right",
	"offset", "and", "or", "unless",
};
static const char *parsers[] = { "json", "logfmt", "regexp", "pattern", "unpack" };
static const char *stages[] = {
	"line_format", "label_format", "drop", "keep", "decolorize", "unwrap",
};

static bool
in(const char **tab, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (lq__ieq(s, len, tab[i]))
			return true;
	return false;
}

const char *
lq_tok_class_name(enum lq_tok_class c)
{
	static const char *names[] = {
		"keyword", "label", "string", "operator", "number", "duration",
		"function", "parser", "stage", "punct", "comment", "error",
	};
	return (unsigned)c < LX_ARRAY_LEN(names) ? names[c] : "?";
}

struct lq_token *
lq_tokens(const char *src, size_t len, size_t *n)
{
	struct arena a;
	struct lq__lexer lx;
	struct lq__tok t, prev, nt;
	struct lq_token *out = NULL;
	size_t cap = 0;
	*n = 0;
	arena_init(&a, 0);
	lq__lex_init(&lx, &a, src, len);
	lx.keep_comments = true;
	memset(&prev, 0, sizeof(prev));
	prev.t = T_EOF;
	for (;;) {
		lq__lex_next(&lx, &t);
		if (t.t == T_EOF)
			break;
		enum lq_tok_class c;
		switch (t.t) {
		case T_IDENT: {
			const char *s = src + t.off;
			struct lq__lexer save = lx;
			lq__lex_next(&lx, &nt);
			lx = save;
			bool call = nt.t == T_LPAREN ||
				    (nt.t == T_IDENT && (lq__ieq(src + nt.off, nt.len, "by") ||
							 lq__ieq(src + nt.off, nt.len, "without")));
			if (prev.t == T_PIPE && in(parsers, LX_ARRAY_LEN(parsers), s, t.len))
				c = LQ_TC_PARSER;
			else if (prev.t == T_PIPE && in(stages, LX_ARRAY_LEN(stages), s, t.len))
				c = LQ_TC_STAGE;
			else if (call && in(functions, LX_ARRAY_LEN(functions), s, t.len))
				c = LQ_TC_FUNCTION;
			else if (in(keywords, LX_ARRAY_LEN(keywords), s, t.len))
				c = LQ_TC_KEYWORD;
			else
				c = LQ_TC_LABEL;
			break;
		}
		case T_STRING: c = LQ_TC_STRING; break;
		case T_NUMBER: c = LQ_TC_NUMBER; break;
		case T_DURATION: case T_BYTES: case T_RANGE: c = LQ_TC_DURATION; break;
		case T_FLAG: c = LQ_TC_KEYWORD; break;
		case T_COMMENT: c = LQ_TC_COMMENT; break;
		case T_ERROR: c = LQ_TC_ERROR; break;
		case T_LBRACE: case T_RBRACE: case T_LPAREN: case T_RPAREN:
		case T_COMMA: case T_DOT: case T_PIPE:
			c = LQ_TC_PUNCT;
			break;
		default:
			c = LQ_TC_OPERATOR;
			break;
		}
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			struct lq_token *no = realloc(out, nc * sizeof(*no));
			if (!no)
				break;
			out = no;
			cap = nc;
		}
		out[*n].cls = c;
		out[*n].off = t.off;
		out[*n].len = t.len ? t.len : 1;
		if (out[*n].off + out[*n].len > len)
			out[*n].len = len - out[*n].off;
		(*n)++;
		if (t.t != T_COMMENT)
			prev = t;
		if (lx.pos <= t.off)
			lx.pos = t.off + 1;
		arena_free(&a);
		arena_init(&a, 0);
		lx.a = &a;
	}
	arena_free(&a);
	if (*n == 0) {
		free(out);
		return NULL;
	}
	return out;
}

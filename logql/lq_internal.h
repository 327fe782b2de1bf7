/**
 * logql/lq_internal.h: shared between logql/ files, not public.
 *
 * The lexer, the regex engine (an RE2-syntax subset run on a Pike VM, so
 * matching is linear in the input), ip and pattern matchers, and helpers
 * for durations and numbers.  Everything allocated here comes from the
 * caller's arena unless stated.
 */
#ifndef LX_LOGQL_LQ_INTERNAL_H
#define LX_LOGQL_LQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/arena.h"
#include "core/err.h"
#include "logql/lq.h"

/* ---- lexer (lq_lex.c) ---- */

enum lq_tok {
	T_EOF, T_ERROR, T_IDENT, T_STRING, T_NUMBER, T_DURATION, T_BYTES,
	T_RANGE, T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN, T_COMMA, T_DOT,
	T_PIPE, T_PIPE_EXACT, T_PIPE_MATCH, T_PIPE_PATTERN, T_NPATTERN,
	T_NEQ, T_NRE, T_RE, T_EQ, T_EQEQ, T_GT, T_GTE, T_LT, T_LTE,
	T_ADD, T_SUB, T_MUL, T_DIV, T_MOD, T_POW, T_FLAG, T_COMMENT,
	T_LBRACKET_BAD,
};

struct lq__tok {
	enum lq_tok t;
	size_t off, len;         /* source span */
	const char *s;           /* STRING: unescaped (arena), IDENT: copy */
	size_t slen;
	double num;              /* NUMBER */
	int64_t dur;             /* DURATION (ns), RANGE (ms) */
	uint64_t bytes;          /* BYTES */
	const char *err;         /* T_ERROR: message (static) */
};

struct lq__lexer {
	const char *src;
	size_t len, pos;
	struct arena *a;
	bool keep_comments;
};

void lq__lex_init(struct lq__lexer *lx, struct arena *a, const char *src,
		  size_t len);
/** Next token; arena failures give T_ERROR "out of memory". */
void lq__lex_next(struct lq__lexer *lx, struct lq__tok *t);
bool lq__ieq(const char *s, size_t n, const char *kw);

/** Parses Prometheus duration text into ms.  Returns 0 or -1. */
int lq__parse_prom_duration(const char *s, size_t n, int64_t *ms);
/** Parses Go time.ParseDuration text into ns.  Returns 0 or -1. */
int lq__parse_go_duration(const char *s, size_t n, int64_t *ns);
/** Parses humanize bytes ("20MB", "2.5KiB").  Returns 0 or -1. */
int lq__parse_bytes(const char *s, size_t n, uint64_t *out);
/** Go %v formatting of a float64 (shortest, e+06 style). */
void lq__fmt_float_v(double v, char *buf, size_t size);
/** strconv.FormatFloat(v, 'f', -1, 64). */
void lq__fmt_float_f(double v, char *buf, size_t size);
/** UTF-8 decode one rune at s[0..n); returns its byte length (>=1). */
size_t lq__utf8_decode(const unsigned char *s, size_t n, uint32_t *r);
bool lq__utf8_valid(const char *s, size_t n);
bool lq__is_label_name(const char *s);
/** memmem(): first occurrence of nd[0..nn) in h[0..hn), or NULL. */
const char *lq__memmem(const char *h, size_t hn, const char *nd, size_t nn);

/* ---- parser / checker (lq_parse.c, lq_check.c) ---- */

/** Fills err (if non-NULL) with a message and the line/col of `off`. */
void lq__error_set(struct lq_error *err, const char *src, size_t srclen,
		   int code, size_t off, size_t len, const char *fmt, ...)
	LX_PRINTF(7, 8);
/** Post-parse validation; 0 or -1 with err filled. */
int lq__validate(const struct lq_expr *e, struct lq_error *err,
		 const char *src, size_t len);
/** Folds a binary operation on two numbers (comparisons give 0/1). */
double lq__fold(int op, double a, double b);

/* ---- regex (lq_re.c) ---- */

enum { LQ_RE_ANCHOR = 1 };   /* compile as ^(?:re)$ (full match) */

/**
 * Compiles `pat` (RE2 syntax subset) into the arena.  Returns NULL and a
 * static-or-`errbuf` message on failure.
 */
struct lq_regex *lq__re_compile(struct arena *a, const char *pat, size_t n,
				int flags, char *errbuf, size_t errsize);
/**
 * Runs the regex on s[0..n).  `caps` (2 * (lq__re_ncap()+1) entries,
 * may be NULL) receives byte offsets of group starts/ends, -1 if unset;
 * group 0 is the whole match.  Returns 1 on match, 0 on none, -1 when
 * out of memory.  Leftmost-first (Perl/RE2) semantics.
 */
int lq__re_exec(const struct lq_regex *re, const char *s, size_t n,
		long *caps);
int lq__re_ncap(const struct lq_regex *re);
/** Name of group i (1-based), or NULL for unnamed. */
const char *lq__re_capname(const struct lq_regex *re, int i);
/** Whether re (compiled with LQ_RE_ANCHOR) matches "". */
bool lq__re_matches_empty(const struct lq_regex *re);
/** Literal text of the regex if it has no metacharacters, else NULL. */
bool lq__re_is_literal(const char *pat, size_t n);

/* ---- ip matcher (lq_ip.c) ---- */

/** Parses "1.2.3.4", "10.0.0.0/8", "a-b" ranges, IPv6.  NULL on error. */
void *lq__ip_compile(struct arena *a, const char *s, size_t n);
/** Whether `ip` text (a whole value) is inside the matcher. */
bool lq__ip_match_value(const void *m, const char *s, size_t n);
/** Whether any ip-looking substring of the line is inside. */
bool lq__ip_match_line(const void *m, const char *s, size_t n);

/* ---- pattern (lq_pattern.c) ---- */

struct lq__pattern;
/**
 * Compiles a pattern-parser expression ("<ip> - <_> <x>").  `need_named`
 * requires at least one named capture.  NULL + message on failure.
 */
struct lq__pattern *lq__pattern_compile(struct arena *a, const char *s,
					size_t n, bool need_named,
					const char **errmsg);
size_t lq__pattern_ncap(const struct lq__pattern *p);
const char *lq__pattern_capname(const struct lq__pattern *p, size_t i);
/**
 * Matches the line; on success fills caps[2*i], caps[2*i+1] for named
 * capture i and returns true.  For line filters (|>) use caps = NULL.
 */
bool lq__pattern_match(const struct lq__pattern *p, const char *s, size_t n,
		       size_t *caps);

#endif

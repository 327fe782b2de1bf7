/**
 * logql/lq.h: the public LogQL library: parse, validate, format, highlight,
 * complete, diagnose and (in lq_eval.h) evaluate LogQL queries.
 *
 * Ownership: every query is parsed into one caller-owned `struct arena`.
 * lq_parse() allocates tokens, AST nodes, unescaped strings and compiled
 * regexes from it; the tree is valid until arena_free().  There are no
 * per-node frees.  Strings in the tree are NUL-terminated; those that may
 * hold NUL bytes also carry a length.
 *
 * Errors: functions return 0 or a negative LX_E* code (core/err.h).
 * Parsers fill a caller-owned `struct lq_error` (no allocation on the
 * error path).  This module never includes curses, libuv or curl.
 */
#ifndef LX_LOGQL_LQ_H
#define LX_LOGQL_LQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/sbuf.h"

/** Queries of this many bytes or more are refused (as Loki does). */
#define LQ_MAX_QUERY_LEN 131072

/* ------------------------------------------------------------------ */
/* Errors                                                              */

/**
 * A parse or validation error.  `offset`/`len` is the byte range in the
 * query that the error points at (len >= 1 unless the query is empty);
 * `line` and `col` are 1-based (col counts bytes).  `msg` is a sentence a
 * person understands, without the position.
 */
struct lq_error {
	int code;               /* LX_EPARSE, LX_ETOOBIG, LX_ENOMEM */
	int line, col;
	size_t offset, len;
	char msg[160];
};

/**
 * Writes "line L, col C: MSG", the source line and a `^^^` caret line
 * under [offset, offset+len) into buf (always NUL-terminated, truncated to
 * size).  Returns the length it wanted to write (like snprintf).
 */
size_t lq_error_format(const struct lq_error *err, const char *src,
		       char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* The syntax tree                                                     */

enum lq_match_op { LQ_EQ, LQ_NEQ, LQ_RE, LQ_NRE };

struct lq_regex;                 /* compiled RE2-syntax regex (lq_re.c) */

/** `name op "value"`: a stream matcher or a string label filter. */
struct lq_matcher {
	const char *name;
	enum lq_match_op op;
	const char *value;
	size_t value_len;
	struct lq_regex *re;     /* anchored ^(?:value)$ for =~ / !~ */
	size_t off, len;         /* source span */
};

struct lq_selector {
	struct lq_matcher *m;
	size_t n;
	size_t off, len;
};

enum lq_line_op {
	LQ_LINE_CONTAINS,        /* |= */
	LQ_LINE_NOT_CONTAINS,    /* != */
	LQ_LINE_MATCH,           /* |~ */
	LQ_LINE_NOT_MATCH,       /* !~ */
	LQ_LINE_PATTERN,         /* |> */
	LQ_LINE_NOT_PATTERN,     /* !> */
};

/** One alternative of a line filter: a string or ip("...") */
struct lq_line_alt {
	const char *s;
	size_t len;
	bool ip;
	struct lq_regex *re;     /* for |~ / !~ (unanchored) */
	void *ipm;               /* parsed ip matcher (lq_ip.c) */
};

/**
 * A line filter.  Positive filters may have several `or` alternatives;
 * negative ones are split by the parser into one filter per alternative
 * (so `!= "a" or "b"` is two filters), which is how Loki prints them.
 */
struct lq_line_filter {
	enum lq_line_op op;
	struct lq_line_alt *alt;
	size_t nalt;
};

enum lq_cmp_op { LQ_CMP_EQ, LQ_CMP_NEQ, LQ_CMP_GT, LQ_CMP_GTE, LQ_CMP_LT,
		 LQ_CMP_LTE, LQ_CMP_EQEQ };

enum lq_lf_kind {
	LQ_LF_AND, LQ_LF_OR,     /* l, r */
	LQ_LF_STRING,            /* m */
	LQ_LF_IP,                /* name, op (EQ/NEQ), str */
	LQ_LF_NUMBER,            /* name, cmp, num */
	LQ_LF_DURATION,          /* name, cmp, dur_ns */
	LQ_LF_BYTES,             /* name, cmp, bytes */
};

struct lq_label_filter {
	enum lq_lf_kind kind;
	struct lq_label_filter *l, *r;
	struct lq_matcher m;
	const char *name;
	enum lq_cmp_op cmp;
	const char *str;
	void *ipm;
	double num;
	int64_t dur_ns;
	uint64_t bytes;
	size_t off, len;
};

/** `dst=src` (rename) or `dst="template"` in label_format. */
struct lq_label_fmt {
	const char *dst;
	const char *src;         /* rename source label or template text */
	bool is_template;
};

/** A json/logfmt extraction `name[="path"]` (path defaults to name). */
struct lq_extract {
	const char *name;
	const char *path;
};

/** drop/keep entry: a bare name (m.value == NULL) or a matcher. */
struct lq_named {
	struct lq_matcher m;
	bool has_matcher;
};

enum lq_stage_kind {
	LQ_ST_LINE_FILTER, LQ_ST_JSON, LQ_ST_LOGFMT, LQ_ST_REGEXP,
	LQ_ST_PATTERN, LQ_ST_UNPACK, LQ_ST_LABEL_FILTER, LQ_ST_LINE_FORMAT,
	LQ_ST_LABEL_FORMAT, LQ_ST_DECOLORIZE, LQ_ST_DROP, LQ_ST_KEEP,
};

struct lq_stage {
	enum lq_stage_kind kind;
	struct lq_line_filter lf;        /* LINE_FILTER */
	struct lq_label_filter *filter;  /* LABEL_FILTER */
	struct lq_extract *ex;           /* JSON, LOGFMT */
	size_t nex;
	bool strict, keep_empty;         /* LOGFMT flags */
	const char *str;                 /* REGEXP/PATTERN/LINE_FORMAT text */
	struct lq_regex *re;             /* REGEXP */
	void *pat;                       /* PATTERN (lq_pattern) */
	struct lq_label_fmt *fmt;        /* LABEL_FORMAT */
	size_t nfmt;
	struct lq_named *named;          /* DROP, KEEP */
	size_t nnamed;
	size_t off, len;
};

enum lq_unwrap_conv { LQ_CONV_NONE, LQ_CONV_BYTES, LQ_CONV_DURATION,
		      LQ_CONV_DURATION_SECONDS };

struct lq_unwrap {
	const char *label;
	enum lq_unwrap_conv conv;
	struct lq_label_filter **post;   /* `| filter` after unwrap */
	size_t npost;
	size_t off, len;
};

enum lq_range_op {
	LQ_R_COUNT_OVER_TIME, LQ_R_RATE, LQ_R_RATE_COUNTER,
	LQ_R_BYTES_OVER_TIME, LQ_R_BYTES_RATE, LQ_R_AVG_OVER_TIME,
	LQ_R_SUM_OVER_TIME, LQ_R_MIN_OVER_TIME, LQ_R_MAX_OVER_TIME,
	LQ_R_STDVAR_OVER_TIME, LQ_R_STDDEV_OVER_TIME,
	LQ_R_QUANTILE_OVER_TIME, LQ_R_FIRST_OVER_TIME, LQ_R_LAST_OVER_TIME,
	LQ_R_ABSENT_OVER_TIME,
	LQ_R__COUNT
};

enum lq_vec_op {
	LQ_V_SUM, LQ_V_AVG, LQ_V_COUNT, LQ_V_MAX, LQ_V_MIN, LQ_V_STDDEV,
	LQ_V_STDVAR, LQ_V_BOTTOMK, LQ_V_TOPK, LQ_V_SORT, LQ_V_SORT_DESC,
	LQ_V_APPROX_TOPK,
	LQ_V__COUNT
};

enum lq_bin_op {
	LQ_B_OR, LQ_B_AND, LQ_B_UNLESS,
	LQ_B_EQ, LQ_B_NEQ, LQ_B_GT, LQ_B_GTE, LQ_B_LT, LQ_B_LTE,
	LQ_B_ADD, LQ_B_SUB, LQ_B_MUL, LQ_B_DIV, LQ_B_MOD, LQ_B_POW,
	LQ_B__COUNT
};

struct lq_grouping {
	bool present;            /* a by/without clause was written */
	bool without;
	const char **labels;
	size_t n;
};

enum lq_expr_kind {
	LQ_EXPR_LOG,             /* selector + pipeline: a log query */
	LQ_EXPR_LOG_RANGE,       /* log + [range] (only inside a range agg) */
	LQ_EXPR_RANGE_AGG,
	LQ_EXPR_VEC_AGG,
	LQ_EXPR_BINOP,
	LQ_EXPR_LITERAL,
	LQ_EXPR_VECTOR,
	LQ_EXPR_LABEL_REPLACE,
};

struct lq_expr {
	enum lq_expr_kind kind;
	size_t off, len;                 /* source span */

	/* LOG and LOG_RANGE */
	struct lq_selector sel;
	struct lq_stage *stages;
	size_t nstages;
	struct lq_unwrap *unwrap;        /* NULL when none */
	int64_t range_ms;                /* LOG_RANGE */
	int64_t offset_ns;               /* LOG_RANGE offset */

	/* RANGE_AGG, VEC_AGG */
	int op;                          /* enum lq_range_op / lq_vec_op / lq_bin_op */
	bool has_param;
	double param;
	struct lq_grouping grouping;
	struct lq_expr *inner;           /* RANGE_AGG: a LOG_RANGE */

	/* BINOP */
	struct lq_expr *lhs, *rhs;
	bool ret_bool;
	bool has_matching;               /* on/ignoring given */
	bool on;                         /* on (true) / ignoring (false) */
	const char **match_labels;
	size_t nmatch;
	int card;                        /* 0, 1 = group_left, 2 = group_right */
	const char **include;
	size_t ninclude;
	bool has_include;

	/* LITERAL, VECTOR */
	double value;

	/* LABEL_REPLACE: inner, dst, repl, src, regex */
	const char *lr_dst, *lr_repl, *lr_src, *lr_regex;
	struct lq_regex *lr_re;
};

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

/**
 * Parses and validates `src[0..len)` with Loki's grammar and post-parse
 * rules.  Returns the tree (allocated from `a`, valid until arena_free())
 * or NULL with `err` filled.  `err` may be NULL.
 */
struct lq_expr *lq_parse(struct arena *a, const char *src, size_t len,
			 struct lq_error *err);

/** Returns true when `e` is a log query (streams result). */
bool lq_is_log_query(const struct lq_expr *e);

/** Names for enum values ("count_over_time", "sum", "/"); never NULL. */
const char *lq_range_op_name(int op);
const char *lq_vec_op_name(int op);
const char *lq_bin_op_name(int op);

/* ------------------------------------------------------------------ */
/* Printing                                                            */

/**
 * Appends the canonical one-line form of `e` to `out`.  The result parses
 * back to an identical tree (lq_expr_equal).
 */
void lq_format(const struct lq_expr *e, struct sbuf *out);

/**
 * Appends a multi-line, indented form (pipeline stages on their own lines,
 * aggregations nested) to `out`.  Short queries (<= `width` columns when
 * formatted on one line) are printed on one line.  Also parses back to the
 * same tree.
 */
void lq_format_pretty(const struct lq_expr *e, int width, struct sbuf *out);

/** Returns true when two trees are the same query (ignores spans). */
bool lq_expr_equal(const struct lq_expr *a, const struct lq_expr *b);

/** Go-style duration text ("1h30m0s") for ns; writes into buf. */
void lq_fmt_go_duration(int64_t ns, char *buf, size_t size);
/** Prometheus-style duration text ("1h30m") for ms; writes into buf. */
void lq_fmt_prom_duration(int64_t ms, char *buf, size_t size);
/** Go strconv.Quote of s[0..n) appended to out. */
void lq_quote(struct sbuf *out, const char *s, size_t n);

/* ------------------------------------------------------------------ */
/* Tokens for syntax highlighting                                      */

enum lq_tok_class {
	LQ_TC_KEYWORD,           /* by, without, bool, on, offset, and, or... */
	LQ_TC_LABEL,             /* label names */
	LQ_TC_STRING,
	LQ_TC_OPERATOR,          /* |= != =~ + > ... */
	LQ_TC_NUMBER,
	LQ_TC_DURATION,          /* 5m, [5m], 20MB bytes too */
	LQ_TC_FUNCTION,          /* rate, sum, label_replace, ip, unwrap conv */
	LQ_TC_PARSER,            /* json logfmt regexp pattern unpack */
	LQ_TC_STAGE,             /* line_format label_format drop keep decolorize unwrap */
	LQ_TC_PUNCT,             /* { } ( ) , | */
	LQ_TC_COMMENT,
	LQ_TC_ERROR,             /* bytes the lexer could not read */
};

struct lq_token {
	enum lq_tok_class cls;
	size_t off, len;
};

/**
 * Splits `src[0..len)` into highlight tokens covering every non-blank
 * byte, in order.  Never fails on bad input (bad bytes become
 * LQ_TC_ERROR).  Returns a new array of *n tokens, or NULL when n == 0;
 * the caller frees it with free().
 */
struct lq_token *lq_tokens(const char *src, size_t len, size_t *n);

/** Short lowercase name of a token class ("keyword"); never NULL. */
const char *lq_tok_class_name(enum lq_tok_class c);

/* ------------------------------------------------------------------ */
/* Completion                                                          */

enum lq_expect {
	LQ_X_LABEL_NAME       = 1 << 0,  /* in {..} or a label filter / by (..) */
	LQ_X_LABEL_VALUE      = 1 << 1,  /* after name= in a selector: value of `label` */
	LQ_X_MATCH_OP         = 1 << 2,  /* = != =~ !~ */
	LQ_X_PIPELINE_STAGE   = 1 << 3,  /* after |: parser, filter, format... */
	LQ_X_LINE_FILTER      = 1 << 4,  /* |= != |~ !~ after a selector */
	LQ_X_FUNCTION         = 1 << 5,  /* range/vector aggregation names */
	LQ_X_SELECTOR         = 1 << 6,  /* a `{` stream selector */
	LQ_X_DURATION         = 1 << 7,  /* inside [..] or after offset */
	LQ_X_BINARY_OP        = 1 << 8,  /* after a complete metric expression */
	LQ_X_STRING           = 1 << 9,  /* a quoted string argument */
	LQ_X_GROUPING         = 1 << 10, /* by / without */
	LQ_X_PARSER           = 1 << 11, /* json logfmt regexp pattern unpack */
	LQ_X_CMP_OP           = 1 << 12, /* label filter comparison */
	LQ_X_NUMBER           = 1 << 13,
	LQ_X_RANGE            = 1 << 14, /* `[5m]` after a log query in a range fn */
	LQ_X_CONV             = 1 << 15, /* unwrap: label or bytes()/duration() */
};

struct lq_completion {
	unsigned expect;         /* LQ_X_* bits */
	char label[128];         /* LQ_X_LABEL_VALUE: whose value ("" otherwise) */
	size_t word_off, word_len; /* the partial word before the cursor */
	const char *suggest[48]; /* static keyword suggestions, NULL-terminated */
};

/**
 * Tells what may be typed at byte `cursor` of `text` (text after the
 * cursor is ignored).  Fills `out`; never fails.  `suggest` holds static
 * strings (not owned) filtered by the partial word.
 */
void lq_complete(const char *text, size_t len, size_t cursor,
		 struct lq_completion *out);

/* ------------------------------------------------------------------ */
/* Query doctor                                                        */

/**
 * `iftop-logs logql check 'QUERY' [--format|--pretty]`: argv[0] is
 * "check".  Prints a diagnosis to stdout.  Returns the exit status:
 * 0 valid, 1 invalid, 2 usage error.
 */
int lq_cmd_main(int argc, char **argv);

struct lq_diag {
	bool valid;
	struct sbuf text;        /* plain-words explanation and advice */
	struct sbuf fix;         /* a valid query, or empty when none */
};

/**
 * Diagnoses `q`: fills `d` (init'ed by this call; release with
 * lq_diag_release()).  For invalid queries `text` explains the problem
 * and `fix` holds a proposed valid query when the intent is clear; for
 * valid ones `text` holds cost advice (may be empty).
 */
void lq_diagnose(const char *q, size_t len, struct lq_diag *d);
void lq_diag_release(struct lq_diag *d);

#endif

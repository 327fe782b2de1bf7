/**
 * logql/lq_pipeline.h: running a log pipeline on one line (internal).
 *
 * The labels builder holds a stream's labels plus what the stages add,
 * change or delete.  All per-line memory comes from a scratch arena the
 * caller resets between lines; names and values in the builder are
 * borrowed until then.
 */
#ifndef LX_LOGQL_LQ_PIPELINE_H
#define LX_LOGQL_LQ_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logql/lq_eval.h"
#include "logql/lq_internal.h"

struct lq__lb {
	struct arena *tmp;
	const struct lq_label *base;     /* stream labels, sorted */
	size_t nbase;
	struct lq_label *v;              /* current labels (unsorted) */
	size_t n, cap;
	bool oom;
	/* Parser hints: when `need` is non-NULL, json and logfmt extract
	 * only these names (the query discards every other label). */
	const char **need;
	size_t nneed;
};

/** Whether a parser should extract `name` (plain or with _extracted). */
bool lq__lb_want(const struct lq__lb *lb, const char *name, const char *final_name);

void lq__lb_reset(struct lq__lb *lb, struct arena *tmp,
		  const struct lq_label *base, size_t nbase);
const char *lq__lb_get(const struct lq__lb *lb, const char *name);
void lq__lb_set(struct lq__lb *lb, const char *name, const char *value);
void lq__lb_del(struct lq__lb *lb, const char *name);
bool lq__lb_base_has(const struct lq__lb *lb, const char *name);
bool lq__lb_has_err(const struct lq__lb *lb);
void lq__lb_set_err(struct lq__lb *lb, const char *err, const char *details);

bool lq__json_flatten(struct arena *tmp, const char *line, size_t len,
		      struct lq__lb *lb);
const char *lq__json_path(struct arena *tmp, const char *line, size_t len,
			  const char *path);
bool lq__json_unpack(struct arena *tmp, const char *line, size_t len,
		     struct lq__lb *lb, const char **entry, size_t *entry_len);

/**
 * Runs the stages of `log` (a LOG or LOG_RANGE node) on one line.
 * Returns false when a filter drops the line.  The line pointer and length
 * may be replaced
 * by text in the scratch arena.
 */
bool lq__pipeline_run(const struct lq_expr *log, int64_t ts_ns, struct lq__lb *lb,
		      const char **line, size_t *len);

/** Line filters only (cheap, raw bytes): false when the line is dropped. */
bool lq__line_filters_pass(const struct lq_expr *log, const char *line, size_t len);

/** Whether the stream labels satisfy the selector. */
bool lq__selector_match(const struct lq_selector *sel, const struct lq_label *l,
			size_t n);

/**
 * Unwrap: reads the label, converts it, deletes it, runs post filters.
 * Returns false when a post filter drops the sample.
 */
bool lq__unwrap(const struct lq_unwrap *u, int64_t ts_ns, struct lq__lb *lb,
		const char *line, size_t len, double *v);

/** Go strconv.ParseFloat-like parse of a whole string. */
bool lq__parse_float(const char *s, double *v);

#endif

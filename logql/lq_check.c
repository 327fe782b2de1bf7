/*
 * logql/lq_check.c: Loki's post-parse validation (parser.go validateExpr,
 * RangeAggregationExpr.validate, vector aggregation parameter rules).
 *
 * Owns: the rules that the grammar alone does not enforce.  Runs once on
 * the finished tree; reports the first violation with the span of the
 * offending node.
 */
#include "logql/lq_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"


struct vctx {
	struct lq_error *err;
	const char *src;
	size_t len;
};

static bool
matcher_matches_empty(const struct lq_matcher *m)
{
	switch (m->op) {
	case LQ_EQ: return m->value_len == 0;
	case LQ_NEQ: return m->value_len != 0;
	case LQ_RE: return lq__re_matches_empty(m->re);
	case LQ_NRE: return !lq__re_matches_empty(m->re);
	}
	return true;
}

static int
vfail(struct vctx *v, size_t off, size_t len, const char *msg)
{
	/* spans are relative to the source given to lq_parse */
	if (v->err)
		lq__error_set(v->err, v->src, v->len, LX_EPARSE, off, len, "%s", msg);
	return -1;
}

static int
check_selector(struct vctx *v, const struct lq_selector *sel)
{
	for (size_t i = 0; i < sel->n; i++)
		if (!matcher_matches_empty(&sel->m[i]))
			return 0;
	return vfail(v, sel->off, sel->len,
		     "the selector needs a matcher that cannot match an empty value, like app=\"x\" or app=~\".+\" (app=~\".*\" and app!=\"x\" select every stream)");
}

static int
walk(struct vctx *v, const struct lq_expr *e)
{
	char msg[160];
	switch (e->kind) {
	case LQ_EXPR_LOG:
		if (check_selector(v, &e->sel) < 0)
			return -1;
		if (e->unwrap)
			return vfail(v, e->unwrap->off, e->unwrap->len,
				     "unwrap only works inside a range function like avg_over_time(... | unwrap x [5m])");
		return 0;
	case LQ_EXPR_LOG_RANGE:
		return check_selector(v, &e->sel);
	case LQ_EXPR_RANGE_AGG: {
		const struct lq_expr *in = e->inner;
		if (walk(v, in) < 0)
			return -1;
		int op = e->op;
		const char *name = lq_range_op_name(op);
		if (in->unwrap) {
			if (op == LQ_R_COUNT_OVER_TIME || op == LQ_R_BYTES_OVER_TIME ||
			    op == LQ_R_BYTES_RATE) {
				snprintf(msg, sizeof(msg),
					 "%s counts log lines or bytes and does not allow unwrap; use sum_over_time or avg_over_time with unwrap",
					 name);
				return vfail(v, in->unwrap->off, in->unwrap->len, msg);
			}
		} else if (op != LQ_R_COUNT_OVER_TIME && op != LQ_R_RATE &&
			   op != LQ_R_BYTES_OVER_TIME && op != LQ_R_BYTES_RATE &&
			   op != LQ_R_ABSENT_OVER_TIME) {
			snprintf(msg, sizeof(msg),
				 "%s needs a number to work on: add | unwrap <label> before the range",
				 name);
			return vfail(v, e->off, strlen(name), msg);
		}
		if (e->grouping.present && op != LQ_R_AVG_OVER_TIME &&
		    op != LQ_R_STDDEV_OVER_TIME && op != LQ_R_STDVAR_OVER_TIME &&
		    op != LQ_R_QUANTILE_OVER_TIME && op != LQ_R_MAX_OVER_TIME &&
		    op != LQ_R_MIN_OVER_TIME && op != LQ_R_FIRST_OVER_TIME &&
		    op != LQ_R_LAST_OVER_TIME) {
			snprintf(msg, sizeof(msg),
				 "%s does not take by/without; group with an outer aggregation: sum by (...) (%s(...))",
				 name, name);
			return vfail(v, e->off, e->len, msg);
		}
		if (op == LQ_R_QUANTILE_OVER_TIME && !e->has_param)
			return vfail(v, e->off, strlen(name),
				     "quantile_over_time needs the quantile first: quantile_over_time(0.99, ...)");
		if (op != LQ_R_QUANTILE_OVER_TIME && e->has_param) {
			snprintf(msg, sizeof(msg), "%s takes no parameter; only quantile_over_time does", name);
			return vfail(v, e->off, strlen(name), msg);
		}
		return 0;
	}
	case LQ_EXPR_VEC_AGG: {
		int op = e->op;
		const char *name = lq_vec_op_name(op);
		bool k = op == LQ_V_TOPK || op == LQ_V_BOTTOMK || op == LQ_V_APPROX_TOPK;
		if (k && !e->has_param) {
			snprintf(msg, sizeof(msg), "%s needs its k parameter: %s(5, ...)", name, name);
			return vfail(v, e->off, strlen(name), msg);
		}
		if (k && e->param <= 0) {
			snprintf(msg, sizeof(msg), "%s needs k greater than zero", name);
			return vfail(v, e->off, strlen(name), msg);
		}
		if (!k && e->has_param) {
			snprintf(msg, sizeof(msg), "%s takes no numeric parameter", name);
			return vfail(v, e->off, strlen(name), msg);
		}
		if ((op == LQ_V_SORT || op == LQ_V_SORT_DESC || op == LQ_V_APPROX_TOPK) &&
		    e->grouping.present) {
			snprintf(msg, sizeof(msg), "%s does not take by/without", name);
			return vfail(v, e->off, e->len, msg);
		}
		return walk(v, e->inner);
	}
	case LQ_EXPR_BINOP:
		if (walk(v, e->lhs) < 0)
			return -1;
		return walk(v, e->rhs);
	case LQ_EXPR_LABEL_REPLACE:
		return walk(v, e->inner);
	case LQ_EXPR_LITERAL:
	case LQ_EXPR_VECTOR:
		return 0;
	}
	return 0;
}


int
lq__validate(const struct lq_expr *e, struct lq_error *err, const char *src,
	     size_t len)
{
	struct vctx v = { err, src, len };
	return walk(&v, e);
}

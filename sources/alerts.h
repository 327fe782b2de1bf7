/**
 * sources/alerts.h: local alert rules, evaluated live on the store.
 *
 * A rule is a LogQL metric expression, a comparison with a threshold and
 * a for-duration (Prometheus's model): each output series that satisfies
 * the comparison is an alert instance, pending until it has held for the
 * duration, then firing; it resolves when it no longer holds.  Rules come
 * from `alert NAME EXPR OP VALUE [for DUR]` config lines, or built-in
 * defaults for the seed's swarm when there are none.
 *
 * An evaluation runs in steps (alerts_begin(), then alerts_work() until
 * it returns true) so that the first one over a big store does not stall
 * the screen: each rule's query is fed the new lines in slices
 * (sources/local_query.h, local_inc), then evaluated, then its instances
 * are updated.  The answer equals one whole evaluation at the same time
 * over the lines held when the evaluation began.
 */
#ifndef LX_SOURCES_ALERTS_H
#define LX_SOURCES_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"
#include "core/store.h"

enum alert_state { ALERT_INACTIVE, ALERT_PENDING, ALERT_FIRING };
enum alert_op { AOP_GT, AOP_GE, AOP_LT, AOP_LE, AOP_EQ, AOP_NE };

struct alert_rule {
	char *name, *expr;
	enum alert_op op;
	double threshold;
	int64_t for_ns;
	char err[200];           /* evaluation error, "" when fine */
	struct local_inc *inc;   /* kept between evaluations: new lines only */
};

struct alert {
	size_t rule;             /* index into rules */
	char labels[200];        /* "{agent_id=\"A1\"}" or "{}" */
	char agent[64];          /* agent_id label when present */
	enum alert_state state;
	double value;
	int64_t active_since;    /* first time it held (ns) */
	int64_t last_eval;
	bool seen;               /* held at the last evaluation */
};

struct alerts {
	struct alert_rule *rules;
	size_t nrules;
	struct alert *a;
	size_t n, cap;
	int64_t last_eval;       /* time of the last finished evaluation */
	/* The evaluation in progress: at `at`, over lines below `upto`;
	 * rules before `cur` are done. */
	bool busy;
	int64_t at;
	uint64_t upto;
	size_t cur;
	size_t slice;            /* lines per step: adapts to ~1-2 ms */
	size_t slice_cap;        /* at most this many per step (0: no cap) */
};

/** Parses one rule ("NAME EXPR OP VALUE [for DUR]"); 0 or -1 with err. */
int alerts_add_rule(struct alerts *al, const char *line, struct sbuf *err);
/** Adds the built-in rules for the seed's swarm. */
void alerts_add_defaults(struct alerts *al);
/** Evaluates every rule at `now_ns` at once; updates states. */
void alerts_eval(struct alerts *al, const struct store *st, int64_t now_ns);
/**
 * Starts an evaluation at `now_ns` over the lines held now, unless one is
 * in progress (that one goes on).
 */
void alerts_begin(struct alerts *al, const struct store *st, int64_t now_ns);
/**
 * Works on the evaluation in progress for about `budget_ns` (at least one
 * step; negative: to its end).  Returns true when none is left.
 */
bool alerts_work(struct alerts *al, const struct store *st, int64_t budget_ns);
/** Counts instances in a state. */
size_t alerts_count(const struct alerts *al, enum alert_state s);
void alerts_release(struct alerts *al);
const char *alert_op_str(enum alert_op op);

#endif

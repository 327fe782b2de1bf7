/*
 * sources/alerts.c: rule parsing and the pending/firing state machine.
 * Evaluation uses the local evaluator (sources/local_query.c).
 */
#include "sources/alerts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/xalloc.h"
#include "sources/local_query.h"

static const char *const op_str[] = { ">", ">=", "<", "<=", "==", "!=" };

const char *
alert_op_str(enum alert_op op)
{
	return op_str[op];
}

static int
parse_dur(const char *s, int64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	double mul;
	if (!strcmp(end, "s")) mul = 1e9;
	else if (!strcmp(end, "m")) mul = 60e9;
	else if (!strcmp(end, "h")) mul = 3600e9;
	else if (!strcmp(end, "ms")) mul = 1e6;
	else return -1;
	*ns = (int64_t)(v * mul);
	return 0;
}

int
alerts_add_rule(struct alerts *al, const char *line, struct sbuf *err)
{
	char *copy = xstrdup(line);
	char *name = copy;
	while (*name == ' ')
		name++;
	char *sp = strchr(name, ' ');
	int rc = -1;
	if (!sp)
		goto bad;
	*sp = '\0';
	char *rest = sp + 1;
	/* From the right: optional "for DUR", then VALUE, then OP. */
	int64_t for_ns = 0;
	size_t n = strlen(rest);
	while (n && rest[n - 1] == ' ')
		rest[--n] = '\0';
	char *w = strrchr(rest, ' ');
	if (w && w > rest && !strncmp(w - 4 >= rest ? w - 4 : rest, " for", 4)) {
		if (parse_dur(w + 1, &for_ns))
			goto bad;
		w[-4] = '\0';
		n = strlen(rest);
		w = strrchr(rest, ' ');
	}
	if (!w)
		goto bad;
	char *endp;
	double thr = strtod(w + 1, &endp);
	if (*endp || endp == w + 1)
		goto bad;
	*w = '\0';
	char *o = strrchr(rest, ' ');
	if (!o)
		goto bad;
	int op = -1;
	for (int i = 0; i < 6; i++)
		if (!strcmp(o + 1, op_str[i]))
			op = i;
	if (op < 0)
		goto bad;
	*o = '\0';
	if (!*rest)
		goto bad;
	al->rules = xrealloc(al->rules, (al->nrules + 1) * sizeof(*al->rules));
	al->rules[al->nrules++] = (struct alert_rule){
		.name = xstrdup(name), .expr = xstrdup(rest), .op = (enum alert_op)op,
		.threshold = thr, .for_ns = for_ns,
	};
	rc = 0;
	free(copy);
	return rc;
bad:
	sbuf_addf(err, "alert: expected 'alert NAME EXPR OP VALUE [for DUR]' (OP one of > >= < <= == !=), got '%s'\n", line);
	free(copy);
	return rc;
}

void
alerts_add_defaults(struct alerts *al)
{
	static const char *const defaults[] = {
		"ErrorBurst sum by (agent_id) (count_over_time({level=~\"ERROR|FATAL\"}[1m])) > 5 for 30s",
		"FatalSeen sum by (agent_id) (count_over_time({level=\"FATAL\"}[5m])) > 0",
		"SlowRequests quantile_over_time(0.95, {component=\"api_gateway\"} |= \"Response sent\" | json "
		"| unwrap context_duration_ms | __error__=\"\" [5m]) by (component) > 2000 for 1m",
	};
	struct sbuf err = SBUF_INIT;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		alerts_add_rule(al, defaults[i], &err);
	sbuf_release(&err);
}

static bool
holds(enum alert_op op, double v, double t)
{
	switch (op) {
	case AOP_GT: return v > t;
	case AOP_GE: return v >= t;
	case AOP_LT: return v < t;
	case AOP_LE: return v <= t;
	case AOP_EQ: return v == t;
	case AOP_NE: return v != t;
	}
	return false;
}

static struct alert *
instance(struct alerts *al, size_t rule, const char *labels)
{
	for (size_t i = 0; i < al->n; i++)
		if (al->a[i].rule == rule && !strcmp(al->a[i].labels, labels))
			return &al->a[i];
	xgrow(&al->a, &al->cap, al->n + 1, sizeof(*al->a));
	struct alert *a = &al->a[al->n++];
	memset(a, 0, sizeof(*a));
	a->rule = rule;
	snprintf(a->labels, sizeof(a->labels), "%s", labels);
	return a;
}

/* Updates rule `r`'s instances from its answer `res` (NULL: an error). */
static void
apply(struct alerts *al, size_t r, const struct lq_result *res, int64_t now)
{
	const struct alert_rule *rule = &al->rules[r];
	for (size_t i = 0; i < al->n; i++)
		if (al->a[i].rule == r)
			al->a[i].seen = false;
	for (size_t s = 0; res && s < res->nseries; s++) {
		const struct lq_series *se = &res->series[s];
		if (!se->n || !holds(rule->op, se->points[se->n - 1].v, rule->threshold))
			continue;
		char labels[200];
		size_t len = (size_t)snprintf(labels, sizeof(labels), "{");
		const char *agent = "";
		for (size_t l = 0; l < se->nlabels && len < sizeof(labels); l++) {
			len += (size_t)snprintf(labels + len, sizeof(labels) - len, "%s%s=\"%s\"", l ? ", " : "",
						se->labels[l].name, se->labels[l].value);
			if (!strcmp(se->labels[l].name, "agent_id"))
				agent = se->labels[l].value;
		}
		if (len < sizeof(labels))
			snprintf(labels + len, sizeof(labels) - len, "}");
		struct alert *a = instance(al, r, labels);
		snprintf(a->agent, sizeof(a->agent), "%s", agent);
		a->value = se->points[se->n - 1].v;
		a->seen = true;
		if (a->state == ALERT_INACTIVE)
			a->active_since = now;
		a->state = now - a->active_since >= rule->for_ns ? ALERT_FIRING : ALERT_PENDING;
		a->last_eval = now;
	}
	/* Instances that no longer hold resolve and go. */
	size_t k = 0;
	for (size_t i = 0; i < al->n; i++)
		if (al->a[i].rule != r || al->a[i].seen)
			al->a[k++] = al->a[i];
	al->n = k;
}

void
alerts_begin(struct alerts *al, const struct store *st, int64_t now)
{
	if (al->busy)
		return;
	al->busy = true;
	al->at = now;
	al->upto = store_next_seq(st);
	al->cur = 0;
	if (!al->slice)
		al->slice = LOCAL_INC_SLICE;
}

bool
alerts_work(struct alerts *al, const struct store *st, int64_t budget_ns)
{
	int64_t t0 = clock_mono_ns();
	for (bool first = true; al->busy; first = false) {
		if (al->cur >= al->nrules) {
			al->busy = false;
			al->last_eval = al->at;
			break;
		}
		int64_t t1 = clock_mono_ns();
		if (!first && budget_ns >= 0 && t1 - t0 >= budget_ns)
			return false;
		struct alert_rule *rule = &al->rules[al->cur];
		struct lq_eval_params p = { .start_ns = al->at, .end_ns = al->at, .instant = true };
		struct lq_error e;
		if (!rule->inc)
			rule->inc = local_inc_new(rule->expr);
		size_t n = al->slice_cap && al->slice_cap < al->slice ? al->slice_cap : al->slice;
		int rc = local_inc_feed(rule->inc, st, &p, al->upto, n, &e);
		al->slice = local_inc_slice(al->slice, clock_mono_ns() - t1);
		if (rc == 0)
			continue;
		struct lq_result *res = NULL;
		if (rc == 1)
			rc = local_inc_eval(rule->inc, st, &p, al->upto, &res, &e);
		if (rc)
			snprintf(rule->err, sizeof(rule->err), "%s", e.msg);
		else
			rule->err[0] = '\0';
		apply(al, al->cur++, res, al->at);
		lq_result_free(res);
	}
	return true;
}

void
alerts_eval(struct alerts *al, const struct store *st, int64_t now)
{
	alerts_work(al, st, -1);   /* one in progress ends first */
	alerts_begin(al, st, now);
	alerts_work(al, st, -1);
}

size_t
alerts_count(const struct alerts *al, enum alert_state s)
{
	size_t n = 0;
	for (size_t i = 0; i < al->n; i++)
		n += al->a[i].state == s;
	return n;
}

void
alerts_release(struct alerts *al)
{
	for (size_t i = 0; i < al->nrules; i++) {
		free(al->rules[i].name);
		free(al->rules[i].expr);
		local_inc_free(al->rules[i].inc);
	}
	free(al->rules);
	free(al->a);
	memset(al, 0, sizeof(*al));
}

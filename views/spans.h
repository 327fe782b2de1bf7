/**
 * views/spans.h: turning a request's lines into spans, lanes and the
 * critical path.  Pure functions over store records (no drawing).
 *
 * A line with context.duration_ms is a span ending at its timestamp; other
 * lines are point events.  Parents are inferred by containment (the
 * smallest span that contains another is its parent).  The critical path
 * is found from the span that ends last, walking backwards through its
 * children: the child that ends last before the current time is on the
 * path, then the time moves to that child's start (Jaeger's method, with
 * containment standing in for explicit parent ids).
 */
#ifndef LX_VIEWS_SPANS_H
#define LX_VIEWS_SPANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

struct span_item {
	uint64_t seq;
	int64_t start, end;      /* ns; equal for point events */
	uint32_t agent, component;
	uint8_t level;
	bool point, critical;
	bool leaf;               /* busy work: not waiting on another agent's span */
	int parent;              /* index or -1 */
};

struct trace {
	struct span_item *s;     /* ordered by start, then end descending */
	size_t n;
	int64_t t0, t1;
	int errors, agents, nspans, ncrit;
	int64_t crit_ns;         /* sum of critical span self times */
	int64_t gap_ns;          /* time in [t0, t1] when no agent was busy (no leaf span) */
};

/** Builds the trace from `seqs` (borrowed); frees any previous content. */
void trace_build(struct trace *t, const struct store *st, const uint64_t *seqs, size_t n);
void trace_release(struct trace *t);
/**
 * Busy fraction of [a, b) by leaf spans (0..1), for drawing gaps; uses
 * the spans' union.
 */
double trace_busy(const struct trace *t, int64_t a, int64_t b);

#endif

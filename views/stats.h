/**
 * views/stats.h: the arithmetic behind the dashboard views.
 *
 * Pure functions shared by the errors and health views: exact quantiles,
 * time-window bucketing of the store's per-second series, spike
 * thresholds, error-message normalisation and the agent health rules.
 * Nothing here draws, allocates or reads the clock; callers pass every
 * input, so the unit tests (tests/test_views_stats.c) check exact values.
 */
#ifndef LX_VIEWS_STATS_H
#define LX_VIEWS_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/store.h"

/* ---- quantiles ---- */

/** Sorts `v[0..n)` ascending (NaNs are the caller's business: keep them out). */
void stats_sort(double *v, size_t n);

/**
 * The q-quantile of the ascending `sorted[0..n)` with linear
 * interpolation between closest ranks, as Prometheus' quantile() and
 * numpy's default: rank = q * (n - 1), result = v[lo] + (v[hi] - v[lo]) *
 * (rank - lo).  Returns NAN for n == 0, -INFINITY for q < 0 and
 * INFINITY for q > 1 (Prometheus' convention).
 */
double stats_quantile(const double *sorted, size_t n, double q);

/** Median of `v[0..n)` without changing it (0 for n == 0); only the first 4096 values count. */
double stats_median(const double *v, size_t n);

/* ---- windows and buckets ---- */

/** The selectable windows (seconds), in key-cycling order: 1m 5m 15m 1h. */
extern const int stats_windows[4];
/** "1m", "5m", "15m", "1h", "90s": a short duration label for `secs`. */
void stats_fmt_secs(int secs, char *buf, size_t size);

/**
 * A window split into equal buckets: `n` buckets of `secs` seconds, the
 * first starting at unix second `start`; they cover [start, start + n*secs).
 */
struct stats_buckets {
	int64_t start;
	int secs;
	int n;
};

/**
 * Plans `window` seconds ending before unix second `end` (exclusive) in
 * at most `cells` buckets: the bucket is the smallest whole number of
 * seconds that divides the window and gives no more than `cells` buckets,
 * so the buckets cover the window exactly.  E.g. 300 s in 40 cells: 30
 * buckets of 10 s.  Returns false (and n = 0) when cells < 1 or window < 1.
 */
bool stats_bucket_plan(int window, int cells, int64_t end, struct stats_buckets *b);

/**
 * The window end (exclusive unix second) for clock `now_ns`: the second
 * after the one holding now, or now itself when it falls on a second
 * boundary; so [end - window, end) is the last `window` seconds, the
 * current partial second included.
 */
int64_t stats_window_end(int64_t now_ns);

/** Which counter of a series to read. */
enum stats_count { STATS_LINES, STATS_ERRORS, STATS_WARNS };

/**
 * Sums counter `which` of `s` per bucket into out[0..b->n); `s` may be
 * NULL (all zero).  Returns the total over the window.
 */
uint64_t stats_bucket_sum(const struct series *s, enum stats_count which,
			  const struct stats_buckets *b, double *out);
/** Sum of a series over unix seconds [from, to). */
uint64_t stats_series_sum(const struct series *s, enum stats_count which, int64_t from, int64_t to);

/**
 * The value from which a bucket counts as a spike: max(3 x median,
 * median + 3), i.e. well above the typical bucket, and never for the
 * small counts of a quiet series.
 */
double stats_spike_threshold(const double *v, int n);

/* ---- message normalisation ---- */

/**
 * Writes to out (NUL-terminated, at most cap-1 bytes) the message with
 * variable parts masked so that lines from one code path group together:
 *   uuids                       -> <uuid>
 *   req-/task-/swarm-/trace-/span-/job-/run- ids (also "task:00042")
 *                               -> req-<id>, task:<id> ...
 *   0x1f, hex words of 8+ chars with a digit and a letter  -> <hex>
 *   numbers (12, 3.5, 10.0.0.1) at a word start -> <n> (units stay: <n>ms)
 *   "quoted" and 'quoted' strings -> "<str>", '<str>'
 * Digits glued to letters (A31, utf8) are kept; "A31-haiku-011" becomes
 * "A31-haiku-<n>".  Returns the length.
 */
size_t stats_normalize(const char *msg, size_t n, char *out, size_t cap);

/* ---- agent health ---- */

enum health_state { HEALTH_OK, HEALTH_DEGRADED, HEALTH_SILENT, HEALTH_ERRORING, HEALTH__COUNT };

/**
 * Health thresholds.  Static defaults in health_defaults; the config file
 * is meant to override them (not wired yet: the lead hooks config later).
 */
struct health_thresholds {
	int64_t silent_ns;        /* silent: no line for longer than this */
	int error_window;         /* seconds of recent lines the ratio rules use */
	double error_ratio;       /* erroring: ERROR+FATAL share of lines above this */
	int min_errors;           /* ... and at least this many errors */
	double warn_ratio;        /* degraded: WARN share of lines above this */
	int min_warns;            /* ... and at least this many warnings */
	int latency_window;       /* seconds of durations the p95 rule uses */
	double slow_p95_ms;       /* degraded: p95 of context.duration_ms above this */
	int min_samples;          /* ... over at least this many durations */
};

extern const struct health_thresholds health_defaults;

/** What the rules look at, for one agent. */
struct health_input {
	int64_t now_ns;
	int64_t last_seen_ns;     /* newest line's timestamp; 0 = none held */
	uint64_t lines, errors, warns;  /* within error_window */
	double p95_ms;            /* over latency_window; NAN when no samples */
	size_t samples;
};

/**
 * Applies the rules in order (silent, erroring, degraded by latency,
 * degraded by warnings, else ok) and writes the deciding rule to why,
 * e.g. "erroring: 12% errors in 1m > 5%", "silent: no line for 45s > 30s",
 * "degraded: p95 1.9s in 1m > 1s", "ok: 0.4% errors, p95 120ms".
 */
enum health_state health_eval(const struct health_thresholds *t, const struct health_input *in,
			      char *why, size_t size);
/** "ok", "degraded", "silent", "erroring". */
const char *health_state_name(enum health_state s);
/** Sort rank: worst first (erroring 0, silent 1, degraded 2, ok 3). */
int health_state_rank(enum health_state s);

/** "45s", "3m12s", "2h05m": an age for "last seen". */
void stats_fmt_age(int64_t ns, char *buf, size_t size);
/** "0.8ms", "12ms", "1.9s", "-" for NAN. */
void stats_fmt_ms(double ms, char *buf, size_t size);
/** A rate per minute: "0", "0.4", "12", "1.2k". */
void stats_fmt_rate(double per_min, char *buf, size_t size);

#endif

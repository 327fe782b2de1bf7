/*
 * views/stats.c: quantiles, window buckets, spike thresholds, message
 * normalisation and health rules for the dashboard views.  Pure: no
 * drawing, no clock, no allocation (see views/stats.h).
 */
#include "views/stats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- quantiles ---- */

#define STATS_MEDIAN_MAX 4096

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void
stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_double);
}

double
stats_quantile(const double *sorted, size_t n, double q)
{
	if (n == 0 || isnan(q))
		return NAN;
	if (q < 0)
		return -INFINITY;
	if (q > 1)
		return INFINITY;
	double rank = q * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	size_t hi = lo + 1 < n ? lo + 1 : n - 1;
	double w = rank - (double)lo;
	return sorted[lo] + (sorted[hi] - sorted[lo]) * w;
}

double
stats_median(const double *v, size_t n)
{
	double tmp[STATS_MEDIAN_MAX];
	if (n == 0)
		return 0;
	if (n > STATS_MEDIAN_MAX)
		n = STATS_MEDIAN_MAX;
	memcpy(tmp, v, n * sizeof(*v));
	stats_sort(tmp, n);
	return stats_quantile(tmp, n, 0.5);
}

/* ---- windows and buckets ---- */

const int stats_windows[4] = { 60, 300, 900, 3600 };

void
stats_fmt_secs(int secs, char *buf, size_t size)
{
	if (secs >= 3600 && secs % 3600 == 0)
		snprintf(buf, size, "%dh", secs / 3600);
	else if (secs >= 60 && secs % 60 == 0)
		snprintf(buf, size, "%dm", secs / 60);
	else
		snprintf(buf, size, "%ds", secs);
}

bool
stats_bucket_plan(int window, int cells, int64_t end, struct stats_buckets *b)
{
	b->n = 0;
	b->secs = 1;
	b->start = end;
	if (cells < 1 || window < 1)
		return false;
	int d = 1;
	while (window / d > cells || window % d)
		d++;
	b->secs = d;
	b->n = window / d;
	b->start = end - window;
	return true;
}

int64_t
stats_window_end(int64_t now_ns)
{
	int64_t s = now_ns / 1000000000LL;
	return now_ns % 1000000000LL ? s + 1 : s;
}

static uint32_t
count_at(const struct series *s, enum stats_count which, int64_t sec)
{
	const uint32_t *arr = which == STATS_ERRORS ? s->errors : which == STATS_WARNS ? s->warns : s->lines;
	return series_at(s, arr, sec);
}

uint64_t
stats_series_sum(const struct series *s, enum stats_count which, int64_t from, int64_t to)
{
	uint64_t sum = 0;
	if (!s)
		return 0;
	for (int64_t t = from; t < to; t++)
		sum += count_at(s, which, t);
	return sum;
}

uint64_t
stats_bucket_sum(const struct series *s, enum stats_count which, const struct stats_buckets *b,
		 double *out)
{
	uint64_t total = 0;
	for (int i = 0; i < b->n; i++) {
		int64_t from = b->start + (int64_t)i * b->secs;
		uint64_t c = stats_series_sum(s, which, from, from + b->secs);
		out[i] = (double)c;
		total += c;
	}
	return total;
}

double
stats_spike_threshold(const double *v, int n)
{
	double m = n > 0 ? stats_median(v, (size_t)n) : 0;
	return fmax(3 * m, m + 3);
}

/* ---- message normalisation ---- */

struct out {
	char *p;
	size_t len, cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->len + 1 < o->cap; i++)
		o->p[o->len++] = s[i];
}

static bool
is_word(unsigned char c)
{
	return isalnum(c) || c == '_';
}

static bool
is_hex(unsigned char c)
{
	return isxdigit(c) != 0;
}

/* Length of a uuid (8-4-4-4-12 hex) at s[i], 0 if none; it must end a word. */
static size_t
uuid_at(const char *s, size_t n, size_t i)
{
	static const int groups[5] = { 8, 4, 4, 4, 12 };
	size_t j = i;
	for (int g = 0; g < 5; g++) {
		for (int k = 0; k < groups[g]; k++, j++)
			if (j >= n || !is_hex((unsigned char)s[j]))
				return 0;
		if (g < 4) {
			if (j >= n || s[j] != '-')
				return 0;
			j++;
		}
	}
	if (j < n && is_word((unsigned char)s[j]))
		return 0;
	return j - i;
}

/*
 * An id with a known prefix at s[i]: "req-3fa9...", "task:00042".  Sets
 * *plen to the prefix and separator length; returns the whole length, or
 * 0 when the part after the separator has no digit ("task-processing").
 */
static size_t
prefixed_id_at(const char *s, size_t n, size_t i, size_t *plen)
{
	static const char *const pfx[] = { "req", "task", "swarm", "trace", "span", "job", "run", "corr" };
	for (size_t p = 0; p < sizeof(pfx) / sizeof(pfx[0]); p++) {
		size_t l = strlen(pfx[p]);
		if (i + l + 1 >= n || strncasecmp(s + i, pfx[p], l))
			continue;
		char sep = s[i + l];
		if (sep != '-' && sep != '_' && sep != ':')
			continue;
		size_t j = i + l + 1, last = j;
		bool digit = false;
		while (j < n && (is_word((unsigned char)s[j]) || s[j] == '-')) {
			if (isdigit((unsigned char)s[j]))
				digit = true;
			if (s[j] != '-')
				last = j + 1;
			j++;
		}
		if (!digit || last == i + l + 1)
			continue;
		*plen = l + 1;
		return last - i;
	}
	return 0;
}

size_t
stats_normalize(const char *s, size_t n, char *buf, size_t cap)
{
	struct out o = { buf, 0, cap };
	if (cap == 0)
		return 0;
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		bool start = i == 0 || !is_word((unsigned char)s[i - 1]);
		size_t l, pl;
		if (start && is_word(c)) {
			if ((l = uuid_at(s, n, i))) {
				put(&o, "<uuid>", 6);
				i += l;
				continue;
			}
			if ((l = prefixed_id_at(s, n, i, &pl))) {
				put(&o, s + i, pl);
				put(&o, "<id>", 4);
				i += l;
				continue;
			}
			if (c == '0' && i + 2 < n && (s[i + 1] == 'x' || s[i + 1] == 'X') && is_hex((unsigned char)s[i + 2])) {
				size_t j = i + 2;
				while (j < n && is_hex((unsigned char)s[j]))
					j++;
				put(&o, "<hex>", 5);
				i = j;
				continue;
			}
			/* A hex word: 8+ hex chars with a digit and a letter, ending the word. */
			size_t j = i;
			bool digit = false, alpha = false;
			while (j < n && is_hex((unsigned char)s[j])) {
				if (isdigit((unsigned char)s[j]))
					digit = true;
				else
					alpha = true;
				j++;
			}
			if (j - i >= 8 && digit && alpha && (j == n || !is_word((unsigned char)s[j]))) {
				put(&o, "<hex>", 5);
				i = j;
				continue;
			}
			if (isdigit(c)) {
				j = i;
				for (;;) {
					while (j < n && isdigit((unsigned char)s[j]))
						j++;
					if (j + 1 < n && (s[j] == '.' || s[j] == ',') && isdigit((unsigned char)s[j + 1]))
						j++;
					else
						break;
				}
				put(&o, "<n>", 3);
				i = j;
				continue;
			}
		}
		if (c == '"' || (c == '\'' && start)) {
			size_t j = i + 1;
			while (j < n && s[j] != (char)c)
				j++;
			bool ok = j < n && j > i + 1;
			if (ok && c == '\'' && j + 1 < n && is_word((unsigned char)s[j + 1]))
				ok = false;
			if (ok) {
				put(&o, s + i, 1);
				put(&o, "<str>", 5);
				put(&o, s + i, 1);
				i = j + 1;
				continue;
			}
		}
		put(&o, s + i, 1);
		i++;
	}
	o.p[o.len] = '\0';
	return o.len;
}

/* ---- agent health ---- */

const struct health_thresholds health_defaults = {
	.silent_ns = 30 * 1000000000LL,
	.error_window = 60,
	.error_ratio = 0.05,
	.min_errors = 2,
	.warn_ratio = 0.10,
	.min_warns = 2,
	.latency_window = 60,
	.slow_p95_ms = 3000,
	.min_samples = 5,
};

static void
fmt_pct(double frac, char *buf, size_t size)
{
	double p = frac * 100;
	if (p >= 10 || p == floor(p))
		snprintf(buf, size, "%.0f%%", p);
	else
		snprintf(buf, size, "%.1f%%", p);
}

enum health_state
health_eval(const struct health_thresholds *t, const struct health_input *in, char *why, size_t size)
{
	char a[32], b[32], w[16];
	stats_fmt_secs(t->error_window, w, sizeof(w));
	if (in->last_seen_ns == 0) {
		snprintf(why, size, "silent: no line held");
		return HEALTH_SILENT;
	}
	int64_t age = in->now_ns - in->last_seen_ns;
	if (age > t->silent_ns) {
		stats_fmt_age(age, a, sizeof(a));
		stats_fmt_age(t->silent_ns, b, sizeof(b));
		snprintf(why, size, "silent: no line for %s > %s", a, b);
		return HEALTH_SILENT;
	}
	double er = in->lines ? (double)in->errors / (double)in->lines : 0;
	if (in->errors >= (uint64_t)t->min_errors && er > t->error_ratio) {
		fmt_pct(er, a, sizeof(a));
		fmt_pct(t->error_ratio, b, sizeof(b));
		snprintf(why, size, "erroring: %s errors in %s > %s", a, w, b);
		return HEALTH_ERRORING;
	}
	if (in->samples >= (size_t)t->min_samples && in->p95_ms > t->slow_p95_ms) {
		char lw[16];
		stats_fmt_ms(in->p95_ms, a, sizeof(a));
		stats_fmt_ms(t->slow_p95_ms, b, sizeof(b));
		stats_fmt_secs(t->latency_window, lw, sizeof(lw));
		snprintf(why, size, "degraded: p95 %s in %s > %s", a, lw, b);
		return HEALTH_DEGRADED;
	}
	double wr = in->lines ? (double)in->warns / (double)in->lines : 0;
	if (in->warns >= (uint64_t)t->min_warns && wr > t->warn_ratio) {
		fmt_pct(wr, a, sizeof(a));
		fmt_pct(t->warn_ratio, b, sizeof(b));
		snprintf(why, size, "degraded: %s warnings in %s > %s", a, w, b);
		return HEALTH_DEGRADED;
	}
	fmt_pct(er, a, sizeof(a));
	if (in->samples) {
		stats_fmt_ms(in->p95_ms, b, sizeof(b));
		snprintf(why, size, "ok: %s errors in %s, p95 %s", a, w, b);
	} else {
		snprintf(why, size, "ok: %s errors in %s", a, w);
	}
	return HEALTH_OK;
}

const char *
health_state_name(enum health_state s)
{
	static const char *const names[HEALTH__COUNT] = { "ok", "degraded", "silent", "erroring" };
	return (unsigned)s < HEALTH__COUNT ? names[s] : "?";
}

int
health_state_rank(enum health_state s)
{
	static const int rank[HEALTH__COUNT] = { 3, 2, 1, 0 };
	return (unsigned)s < HEALTH__COUNT ? rank[s] : 4;
}

/* ---- formatting ---- */

void
stats_fmt_age(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns > 0 ? ns / 1000000000LL : 0;
	if (s < 60)
		snprintf(buf, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, size, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
}

void
stats_fmt_ms(double ms, char *buf, size_t size)
{
	if (isnan(ms))
		snprintf(buf, size, "-");
	else if (ms < 10)
		snprintf(buf, size, "%.1fms", ms);
	else if (ms < 1000)
		snprintf(buf, size, "%.0fms", ms);
	else if (ms < 60000 && fmod(ms, 1000) == 0)
		snprintf(buf, size, "%.0fs", ms / 1000);
	else if (ms < 60000)
		snprintf(buf, size, "%.1fs", ms / 1000);
	else
		snprintf(buf, size, "%.0fs", ms / 1000);
}

void
stats_fmt_rate(double per_min, char *buf, size_t size)
{
	if (per_min <= 0)
		snprintf(buf, size, "0");
	else if (per_min < 10)
		snprintf(buf, size, "%.1f", per_min);
	else if (per_min < 1000)
		snprintf(buf, size, "%.0f", per_min);
	else
		snprintf(buf, size, "%.1fk", per_min / 1000);
}

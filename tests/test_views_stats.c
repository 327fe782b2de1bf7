/*
 * tests/test_views_stats.c: the arithmetic of the dashboard views
 * (views/stats.c): quantiles against exact values, window bucketing over
 * a real store, spike thresholds, message normalisation, health rules;
 * and the numbers of the errors and health golden snapshots against an
 * independent count over `demo --write` output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/store.h"
#include "sources/demo.h"
#include "views/stats.h"

#define NS 1000000000LL

static void
near(double got, double want, const char *what)
{
	if (isnan(want) ? !isnan(got) : fabs(got - want) > 1e-9) {
		print_error("%s: got %.12g, want %.12g\n", what, got, want);
		fail();
	}
}

/* ---- quantiles ---- */

static void
test_quantile_exact(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		double v[8];
		size_t n;
		double q, want;
	} cases[] = {
		/* rank = q * (n - 1), interpolated: the Prometheus / numpy "linear" rule. */
		{ "1..4 p50", { 1, 2, 3, 4 }, 4, 0.50, 2.5 },
		{ "1..4 p95", { 1, 2, 3, 4 }, 4, 0.95, 3.85 },
		{ "1..4 p99", { 1, 2, 3, 4 }, 4, 0.99, 3.97 },
		{ "1..4 p0", { 1, 2, 3, 4 }, 4, 0.0, 1 },
		{ "1..4 p100", { 1, 2, 3, 4 }, 4, 1.0, 4 },
		{ "one value", { 7 }, 1, 0.95, 7 },
		{ "two values p95", { 10, 20 }, 2, 0.95, 19.5 },
		{ "unsorted p50", { 5, 1, 4, 2, 3 }, 5, 0.5, 3 },
		{ "duplicates p75", { 2, 2, 2, 9 }, 4, 0.75, 3.75 },
		{ "p25 of 5", { 10, 20, 30, 40, 50 }, 5, 0.25, 20 },
		{ "p90 of 5", { 10, 20, 30, 40, 50 }, 5, 0.90, 46 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v[8];
		memcpy(v, cases[i].v, sizeof(v));
		stats_sort(v, cases[i].n);
		near(stats_quantile(v, cases[i].n, cases[i].q), cases[i].want, cases[i].name);
	}
	/* 1..100: p50 50.5, p95 95.05, p99 99.01 exactly. */
	double h[100];
	for (int i = 0; i < 100; i++)
		h[i] = 100 - i;
	stats_sort(h, 100);
	near(stats_quantile(h, 100, 0.50), 50.5, "1..100 p50");
	near(stats_quantile(h, 100, 0.95), 95.05, "1..100 p95");
	near(stats_quantile(h, 100, 0.99), 99.01, "1..100 p99");
	/* Edges: Prometheus returns NaN for no samples, -Inf/+Inf outside [0, 1]. */
	assert_true(isnan(stats_quantile(h, 0, 0.5)));
	assert_true(isinf(stats_quantile(h, 100, -0.1)) && stats_quantile(h, 100, -0.1) < 0);
	assert_true(isinf(stats_quantile(h, 100, 1.5)) && stats_quantile(h, 100, 1.5) > 0);
	near(stats_median((double[]){ 4, 1, 3 }, 3), 3, "median");
	near(stats_median(NULL, 0), 0, "median of none");
}

/* ---- windows and buckets ---- */

static void
test_bucket_plan(void **state)
{
	(void)state;
	static const struct {
		int window, cells, want_secs, want_n;
	} cases[] = {
		{ 300, 40, 10, 30 },   /* 5m in 40 cells: 30 x 10 s */
		{ 300, 30, 10, 30 },
		{ 300, 150, 2, 150 },
		{ 300, 146, 3, 100 },
		{ 60, 80, 1, 60 },     /* never below one second */
		{ 60, 7, 10, 6 },
		{ 900, 100, 9, 100 },
		{ 3600, 33, 120, 30 },
		{ 3600, 120, 30, 120 },
		{ 7, 3, 7, 1 },        /* a prime window: one bucket */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct stats_buckets b;
		assert_true(stats_bucket_plan(cases[i].window, cases[i].cells, 1000, &b));
		if (b.secs != cases[i].want_secs || b.n != cases[i].want_n) {
			print_error("plan %d s in %d cells: got %d x %d s, want %d x %d s\n", cases[i].window,
				    cases[i].cells, b.n, b.secs, cases[i].want_n, cases[i].want_secs);
			fail();
		}
		assert_int_equal(b.n * b.secs, cases[i].window);   /* covers the window exactly */
		assert_int_equal(b.start, 1000 - cases[i].window);
	}
	struct stats_buckets b;
	assert_false(stats_bucket_plan(300, 0, 1000, &b));
	assert_int_equal(b.n, 0);
	/* The window ends after the current (partial) second. */
	assert_int_equal(stats_window_end(1767225600LL * NS), 1767225600LL);
	assert_int_equal(stats_window_end(1767225600LL * NS + 1), 1767225601LL);
	char buf[16];
	stats_fmt_secs(60, buf, sizeof(buf));
	assert_string_equal(buf, "1m");
	stats_fmt_secs(3600, buf, sizeof(buf));
	assert_string_equal(buf, "1h");
	stats_fmt_secs(90, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
}

static void
push_at(struct store *st, int64_t sec, const char *level, const char *agent)
{
	char line[256];
	time_t t = (time_t)sec;
	struct tm tm;
	gmtime_r(&t, &tm);
	int n = snprintf(line, sizeof(line),
			 "{\"timestamp\":\"%04d-%02d-%02dT%02d:%02d:%02d.500Z\",\"level\":\"%s\",\"agent_id\":\"%s\",\"message\":\"x\"}",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, level, agent);
	store_push(st, line, (size_t)n, (size_t)n, "test", 0, sec * NS);
}

static void
test_bucket_sum_store(void **state)
{
	(void)state;
	struct store *st = store_new(&(struct store_opts){ 0 });
	int64_t end = 1767225600LL;   /* window end, exclusive */
	/* 60 s window in 6 buckets of 10 s: [end-60, end-50) ... [end-10, end). */
	push_at(st, end - 61, "ERROR", "a");   /* before the window */
	push_at(st, end - 60, "ERROR", "a");   /* bucket 0 */
	push_at(st, end - 51, "ERROR", "a");   /* bucket 0 */
	push_at(st, end - 50, "WARN", "a");    /* bucket 1 */
	push_at(st, end - 25, "FATAL", "b");   /* bucket 3 */
	push_at(st, end - 1, "INFO", "a");     /* bucket 5 */
	push_at(st, end - 1, "ERROR", "a");    /* bucket 5 */
	push_at(st, end, "ERROR", "a");        /* after the window */
	struct stats_buckets b;
	assert_true(stats_bucket_plan(60, 6, end, &b));
	double v[6];
	static const double want_err[6] = { 2, 0, 0, 1, 0, 1 };
	assert_int_equal(stats_bucket_sum(store_series_total(st), STATS_ERRORS, &b, v), 4);
	for (int i = 0; i < 6; i++)
		near(v[i], want_err[i], "total errors per bucket");
	assert_int_equal(stats_bucket_sum(store_series_total(st), STATS_LINES, &b, v), 6);
	assert_int_equal(stats_bucket_sum(store_series_total(st), STATS_WARNS, &b, v), 1);
	near(v[1], 1, "warn bucket");
	const struct series *a = store_series(st, DIM_AGENT, store_lookup(st, DIM_AGENT, "a", 1));
	assert_int_equal(stats_bucket_sum(a, STATS_ERRORS, &b, v), 3);
	assert_int_equal(stats_series_sum(a, STATS_ERRORS, end - 120, end + 1), 5);
	assert_int_equal(stats_bucket_sum(NULL, STATS_ERRORS, &b, v), 0);
	store_free(st);
}

static void
test_spike_threshold(void **state)
{
	(void)state;
	/* A quiet series: median 0, spikes from 3. */
	near(stats_spike_threshold((double[]){ 0, 0, 0, 1, 5 }, 5), 3, "quiet");
	/* Median 2: max(3 x 2, 2 + 3) = 6. */
	near(stats_spike_threshold((double[]){ 2, 2, 2, 2, 10 }, 5), 6, "median 2");
	/* Median 10: 30. */
	near(stats_spike_threshold((double[]){ 10, 9, 11, 10, 40, 10 }, 6), 30, "median 10");
	near(stats_spike_threshold(NULL, 0), 3, "empty");
}

/* ---- message normalisation ---- */

static void
test_normalize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "Connection timeout to redis:6379 after 5000ms", "Connection timeout to redis:<n> after <n>ms" },
		{ "Rate limit exceeded (429) from provider", "Rate limit exceeded (<n>) from provider" },
		{ "Tokenizer overflow: 9000 tokens", "Tokenizer overflow: <n> tokens" },
		{ "READONLY You can't write against a read only replica", "READONLY You can't write against a read only replica" },
		{ "request req-3fa9c2e1d4b5a697 failed", "request req-<id> failed" },
		{ "claimed task:00042 twice", "claimed task:<id> twice" },
		{ "swarm-0a1b2c3d4e5f6a7b lost quorum", "swarm-<id> lost quorum" },
		{ "trace_id=trace-abc123 span-9", "trace_id=trace-<id> span-<id>" },
		{ "tags task-processing stay", "tags task-processing stay" },
		{ "user 550e8400-e29b-41d4-a716-446655440000 gone", "user <uuid> gone" },
		{ "req-550e8400-e29b-41d4-a716-446655440000", "req-<id>" },
		{ "pointer 0x7ffee3c0 freed", "pointer <hex> freed" },
		{ "sha deadbeef12345678 mismatch", "sha <hex> mismatch" },
		{ "word cafebabe has no digit", "word cafebabe has no digit" },
		{ "agent A31-haiku-011 said utf8", "agent A31-haiku-<n> said utf8" },
		{ "took 3.5s, 10.0.0.1 refused, 1,024 bytes", "took <n>s, <n> refused, <n> bytes" },
		{ "-5 degrees", "-<n> degrees" },
		{ "open \"/tmp/x y.txt\" failed", "open \"<str>\" failed" },
		{ "key 'abc def' not found", "key '<str>' not found" },
		{ "empty \"\" stays", "empty \"\" stays" },
		{ "unclosed \"quote", "unclosed \"quote" },
		{ "", "" },
	};
	char out[256];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = stats_normalize(cases[i].in, strlen(cases[i].in), out, sizeof(out));
		if (strcmp(out, cases[i].want)) {
			print_error("normalize(\"%s\"): got \"%s\", want \"%s\"\n", cases[i].in, out, cases[i].want);
			fail();
		}
		assert_int_equal(n, strlen(out));
	}
	/* Two lines of one code path group together. */
	char a[64], b[64];
	stats_normalize("Upstream timeout after 30000ms", 30, a, sizeof(a));
	stats_normalize("Upstream timeout after 250ms", 28, b, sizeof(b));
	assert_string_equal(a, b);
	/* A small buffer cuts, always NUL-terminated. */
	char small[5];
	assert_int_equal(stats_normalize("12345 abc", 9, small, sizeof(small)), 4);
	assert_string_equal(small, "<n> ");
}

/* ---- health rules ---- */

static void
test_health_rules(void **state)
{
	(void)state;
	int64_t now = 1767225600LL * NS;
	const struct health_thresholds *d = &health_defaults;
	struct health_thresholds strict = health_defaults;
	strict.slow_p95_ms = 1000;
	static const struct case_ {
		const char *name;
		bool strict;
		int64_t age_ns;        /* -1: never seen */
		uint64_t lines, errors, warns;
		double p95;
		size_t samples;
		enum health_state want;
		const char *why;
	} cases[] = {
		{ "silent", false, 45 * NS, 10, 0, 0, NAN, 0, HEALTH_SILENT, "silent: no line for 45s > 30s" },
		{ "silent long", false, 200 * NS, 0, 0, 0, NAN, 0, HEALTH_SILENT, "silent: no line for 3m20s > 30s" },
		{ "never seen", false, -1, 0, 0, 0, NAN, 0, HEALTH_SILENT, "silent: no line held" },
		{ "30s is not silent yet", false, 30 * NS, 0, 0, 0, NAN, 0, HEALTH_OK, "ok: 0% errors in 1m" },
		{ "erroring", false, 1 * NS, 100, 12, 0, 50, 20, HEALTH_ERRORING, "erroring: 12% errors in 1m > 5%" },
		{ "erroring small", false, 0, 40, 3, 0, NAN, 0, HEALTH_ERRORING, "erroring: 7.5% errors in 1m > 5%" },
		{ "5% is not above 5%", false, 0, 100, 5, 0, NAN, 0, HEALTH_OK, "ok: 5% errors in 1m" },
		{ "one error is not enough", false, 0, 10, 1, 0, NAN, 0, HEALTH_OK, "ok: 10% errors in 1m" },
		{ "silent beats erroring", false, 31 * NS, 10, 9, 0, NAN, 0, HEALTH_SILENT, "silent: no line for 31s > 30s" },
		{ "slow", false, 0, 100, 0, 0, 3500, 10, HEALTH_DEGRADED, "degraded: p95 3.5s in 1m > 3s" },
		{ "slow, strict", true, 0, 100, 0, 0, 1900, 10, HEALTH_DEGRADED, "degraded: p95 1.9s in 1m > 1s" },
		{ "slow on few samples", false, 0, 100, 0, 0, 9000, 4, HEALTH_OK, "ok: 0% errors in 1m, p95 9s" },
		{ "erroring beats slow", false, 0, 100, 6, 0, 9000, 10, HEALTH_ERRORING, "erroring: 6% errors in 1m > 5%" },
		{ "warnings", false, 0, 100, 0, 15, 20, 10, HEALTH_DEGRADED, "degraded: 15% warnings in 1m > 10%" },
		{ "ok", false, 2 * NS, 250, 1, 3, 120, 50, HEALTH_OK, "ok: 0.4% errors in 1m, p95 120ms" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct case_ *c = &cases[i];
		struct health_input in = {
			.now_ns = now,
			.last_seen_ns = c->age_ns < 0 ? 0 : now - c->age_ns,
			.lines = c->lines,
			.errors = c->errors,
			.warns = c->warns,
			.p95_ms = c->p95,
			.samples = c->samples,
		};
		char why[128];
		enum health_state s = health_eval(c->strict ? &strict : d, &in, why, sizeof(why));
		if (s != c->want || strcmp(why, c->why)) {
			print_error("%s: got %s \"%s\", want %s \"%s\"\n", c->name, health_state_name(s), why,
				    health_state_name(c->want), c->why);
			fail();
		}
	}
	/* Worst first. */
	assert_true(health_state_rank(HEALTH_ERRORING) < health_state_rank(HEALTH_SILENT));
	assert_true(health_state_rank(HEALTH_SILENT) < health_state_rank(HEALTH_DEGRADED));
	assert_true(health_state_rank(HEALTH_DEGRADED) < health_state_rank(HEALTH_OK));
}

static void
test_formats(void **state)
{
	(void)state;
	char b[32];
	stats_fmt_age(45 * NS, b, sizeof(b));
	assert_string_equal(b, "45s");
	stats_fmt_age(192 * NS, b, sizeof(b));
	assert_string_equal(b, "3m12s");
	stats_fmt_age(7500 * NS, b, sizeof(b));
	assert_string_equal(b, "2h05m");
	stats_fmt_age(-5, b, sizeof(b));
	assert_string_equal(b, "0s");
	stats_fmt_ms(0.84, b, sizeof(b));
	assert_string_equal(b, "0.8ms");
	stats_fmt_ms(779.4, b, sizeof(b));
	assert_string_equal(b, "779ms");
	stats_fmt_ms(1900, b, sizeof(b));
	assert_string_equal(b, "1.9s");
	stats_fmt_ms(1000, b, sizeof(b));
	assert_string_equal(b, "1s");
	stats_fmt_ms(NAN, b, sizeof(b));
	assert_string_equal(b, "-");
	stats_fmt_rate(0, b, sizeof(b));
	assert_string_equal(b, "0");
	stats_fmt_rate(6, b, sizeof(b));
	assert_string_equal(b, "6.0");
	stats_fmt_rate(140, b, sizeof(b));
	assert_string_equal(b, "140");
	stats_fmt_rate(2500, b, sizeof(b));
	assert_string_equal(b, "2.5k");
}

/* ---- golden numbers against an independent count ---- */

/* Reads a golden file (run from the repository root, as tests/run.sh does). */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		print_error("cannot open %s (run from the repository root)\n", path);
		return NULL;
	}
	static char buf[1 << 17];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The last number on the golden row whose series name is `name`. */
static long
row_total(const char *screen, const char *name)
{
	const char *p = screen;
	size_t nl = strlen(name);
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		/* Rows start with a one-cell gutter: " " or the UTF-8 "▲". */
		const char *q = p;
		if (!strncmp(q, "\xe2\x96\xb2", 3))
			q += 3;
		else if (*q == ' ')
			q++;
		if ((size_t)(q - p) < len && !strncmp(q, name, nl) && q[nl] == ' ') {
			const char *end = p + len;
			while (end > p && end[-1] == ' ')
				end--;
			const char *start = end;
			while (start > p && start[-1] >= '0' && start[-1] <= '9')
				start--;
			return strtol(start, NULL, 10);
		}
		p = e ? e + 1 : NULL;
	}
	return -1;
}

/* Seconds since the epoch of the line's "timestamp" (ms precision), or -1. */
static double
line_ts(const char *line)
{
	const char *p = strstr(line, "\"timestamp\":\"");
	struct tm tm = { 0 };
	int ms = 0;
	if (!p || sscanf(p + 13, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm) + ms / 1000.0;
}

/* The last two blank-separated words of the golden row `name`: CHANGE and TOTAL. */
static bool
row_change(const char *screen, const char *name, char *change, size_t size)
{
	const char *p = strstr(screen, name);
	if (!p)
		return false;
	const char *e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	const char *q = e;
	while (q > p && q[-1] == ' ')
		q--;
	while (q > p && q[-1] != ' ')
		q--;           /* start of TOTAL */
	while (q > p && q[-1] == ' ')
		q--;
	const char *end = q;
	while (q > p && q[-1] != ' ')
		q--;           /* start of CHANGE */
	snprintf(change, size, "%.*s", (int)(end - q), q);
	return true;
}

static double
linear_q(const double *v, size_t n, double q)
{
	/* Written out again here, not via stats_quantile. */
	double r = q * (double)(n - 1);
	size_t lo = (size_t)r;
	size_t hi = lo + 1 < n ? lo + 1 : lo;
	return v[lo] + (v[hi] - v[lo]) * (r - (double)lo);
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void
test_golden_matches_demo_write(void **state)
{
	(void)state;
	/*
	 * The golden runner renders `--seed 7 demo` with 5 minutes of history
	 * before --now, and the default 5m window covers all of it; `demo
	 * --write DIR --duration 5m` with seed 7 writes the same stream (the
	 * generator depends on the seed and the start only, and counts do
	 * not depend on the start).  Count levels in the files line by line,
	 * the way grep -c '"level":"ERROR"' would.
	 */
	char dir[] = "/tmp/iftop-views-test-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(demo_write_files(dir, 7, 40, 300 * NS, 0), 0);
	long err = 0, fatal = 0, warn = 0, a1_lines = 0, a1_err = 0, gateway = 0;
	/* For the 1m window: errors per line time, relative to the first line. */
	double *ets = NULL, t0 = -1;
	size_t ne = 0, ecap = 0;
	double *dur = NULL;
	size_t nd = 0, cap = 0;
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *de;
	char path[512], line[8192];
	while ((de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		bool a1 = !strcmp(de->d_name, "A1-haiku-001.log");
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			bool e = strstr(line, "\"level\":\"ERROR\"") != NULL, ft = strstr(line, "\"level\":\"FATAL\"") != NULL;
			err += e;
			fatal += ft;
			warn += strstr(line, "\"level\":\"WARN\"") != NULL;
			gateway += (e || ft) && strstr(line, "\"message\":\"Response sent: 502 Bad Gateway\"");
			double ts = line_ts(line);
			assert_true(ts > 0);
			if (t0 < 0 || ts < t0)
				t0 = ts;
			if (e || ft) {
				if (ne == ecap) {
					ecap = ecap ? ecap * 2 : 256;
					ets = realloc(ets, ecap * sizeof(double));
					assert_non_null(ets);
				}
				ets[ne++] = ts;
			}
			if (a1) {
				a1_lines++;
				a1_err += e || ft;
				const char *d = strstr(line, "\"duration_ms\":");
				if (d) {
					if (nd == cap) {
						cap = cap ? cap * 2 : 256;
						dur = realloc(dur, cap * sizeof(double));
						assert_non_null(dur);
					}
					dur[nd++] = strtod(d + 14, NULL);
				}
			}
		}
		fclose(f);
		unlink(path);
	}
	closedir(dp);
	rmdir(dir);
	assert_true(err > 0 && a1_lines > 0 && nd > 0);

	const char *s = slurp("tests/golden/errors-80x24.screen");
	assert_non_null(s);
	assert_int_equal(row_total(s, "all errors"), err + fatal);
	assert_int_equal(row_total(s, "ERROR"), err);
	assert_int_equal(row_total(s, "FATAL"), fatal);
	assert_int_equal(row_total(s, "WARN"), warn);
	assert_int_equal(row_total(s, "A1-haiku-001"), a1_err);
	char want[128];
	snprintf(want, sizeof(want), " %ld errors, %ld warnings in 5m", err + fatal, warn);
	assert_non_null(strstr(s, want));
	/* The top message group: count, then first/last seen, agents, message. */
	const char *g = strstr(s, "Response sent: <n> Bad Gateway");
	assert_non_null(g);
	while (g > s && g[-1] != '\n')
		g--;
	assert_int_equal(strtol(g, NULL, 10), gateway);

	s = slurp("tests/golden/health-80x24.screen");
	assert_non_null(s);
	snprintf(want, sizeof(want), "errors %.1f%% %ld/%ld", 100.0 * (double)a1_err / (double)a1_lines, a1_err, a1_lines);
	assert_non_null(strstr(s, want));
	qsort(dur, nd, sizeof(double), cmp_d);
	char p50[16], p95[16], p99[16];
	stats_fmt_ms(linear_q(dur, nd, 0.50), p50, sizeof(p50));
	stats_fmt_ms(linear_q(dur, nd, 0.95), p95, sizeof(p95));
	stats_fmt_ms(linear_q(dur, nd, 0.99), p99, sizeof(p99));
	snprintf(want, sizeof(want), "p50 %s p95 %s p99 %s", p50, p95, p99);
	if (!strstr(s, want)) {
		print_error("health-80x24.screen lacks \"%s\"\n", want);
		fail();
	}
	free(dur);

	/*
	 * The 1m window (keys "www"): the last minute is [start + 240 s,
	 * start + 300 s) of the 5 minutes of history, the previous one the
	 * minute before; the golden's TOTAL and CHANGE must agree.
	 */
	long last = 0, prev = 0;
	for (size_t i = 0; i < ne; i++) {
		double rel = ets[i] - t0;
		last += rel >= 240 && rel < 300;
		prev += rel >= 180 && rel < 240;
	}
	free(ets);
	assert_true(prev > 0);
	s = slurp("tests/golden/errors-window-1m.screen");
	assert_non_null(s);
	assert_int_equal(row_total(s, "all errors"), last);
	char change[32], wantc[32];
	assert_true(row_change(s, "all errors", change, sizeof(change)));
	snprintf(wantc, sizeof(wantc), "%+.0f%%", ((double)last - (double)prev) / (double)prev * 100);
	assert_string_equal(change, wantc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile_exact),
		cmocka_unit_test(test_bucket_plan),
		cmocka_unit_test(test_bucket_sum_store),
		cmocka_unit_test(test_spike_threshold),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_health_rules),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_golden_matches_demo_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

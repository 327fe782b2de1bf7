/*
 * bench/bench_store.c: ingest and trace lookup on the core store.
 *
 *   build/bench/bench_store [--runs N] [--cap BYTES] FILE
 *
 * Maps FILE, then for each run: scans every line (scan_line alone), pushes
 * every line through store_push() into a store big enough to hold them all,
 * and pushes them again into a store with the app's default cap (256M
 * budget, 85% for the store) so eviction is on the path.  With all lines
 * held it opens traces as the trace view does: store_lookup() +
 * store_index() + trace_build(), for request ids sampled through the file
 * and for the biggest correlation ids.  A last pass times every push
 * (the worst one: growth of the record array or an index).  Prints one "name value" line per
 * measure (medians over the runs) for bench/run.sh to read.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/scan.h"
#include "core/store.h"
#include "views/spans.h"

#define NOW_NS (1764460800LL * 1000000000LL + 86400LL * 1000000000LL)

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dbl_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

static double
pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), dbl_cmp);
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

/* Anonymous resident memory of this process (the mapped file excluded). */
static long
rss_anon_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

struct file {
	const char *p;
	size_t len;
	size_t lines;
};

static struct store *
push_all(const struct file *f, size_t cap, double *secs)
{
	struct store *st = store_new(&(struct store_opts){ .max_bytes = cap });
	double t0 = now_s();
	const char *p = f->p, *end = f->p + f->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		store_push(st, p, n, n, "bench.log", 0, NOW_NS);
		p += n + 1;
	}
	*secs = now_s() - t0;
	return st;
}

/* Opens the trace of `id` as the trace view does; returns ms, sets *lines. */
static double
open_trace(const struct store *st, const char *id, size_t *lines)
{
	struct trace t = { 0 };
	double t0 = now_s();
	uint32_t cid = store_lookup(st, DIM_CORR, id, strlen(id));
	const uint64_t *seqs;
	size_t n = store_index(st, DIM_CORR, cid, &seqs);
	trace_build(&t, st, seqs, n);
	double ms = (now_s() - t0) * 1e3;
	*lines = t.n;
	trace_release(&t);
	return ms;
}

int
main(int argc, char **argv)
{
	int runs = 3;
	size_t small_cap = (256u << 20) - (256u << 20) / 100 * 15;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--cap") && i + 1 < argc)
			small_cap = strtoull(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else
			path = NULL, i = argc;
	}
	if (!path || runs < 1) {
		fprintf(stderr, "usage: bench_store [--runs N] [--cap BYTES] FILE\n");
		return 2;
	}
	int fd = open(path, O_RDONLY);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb)) {
		fprintf(stderr, "bench_store: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct file f = { .len = (size_t)sb.st_size };
	f.p = mmap(NULL, f.len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (f.p == MAP_FAILED) {
		fprintf(stderr, "bench_store: mmap %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (const char *p = f.p; (p = memchr(p, '\n', (size_t)(f.p + f.len - p))); p++)
		f.lines++;

	double scan_s[16], push_s[16], cap_s[16];
	if (runs > 16)
		runs = 16;
	size_t held = 0, held_bytes = 0, cap_held = 0;
	long rss_before = rss_anon_kb(), rss_held = 0;
	struct store *st = NULL;
	for (int r = 0; r < runs; r++) {
		volatile unsigned sink = 0;
		double t0 = now_s();
		const char *p = f.p, *end = f.p + f.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			struct scan_result sr;
			scan_line(p, n, &sr);
			sink += sr.level;
			p += n + 1;
		}
		scan_s[r] = now_s() - t0;
		(void)sink;

		struct store *small = push_all(&f, small_cap, &cap_s[r]);
		cap_held = store_count(small);
		store_free(small);

		if (st)
			store_free(st);
		st = push_all(&f, (size_t)8 << 30, &push_s[r]);
		held = store_count(st);
		held_bytes = store_bytes(st);
		rss_held = rss_anon_kb();
	}
	/* One more pass timing every push: stalls (array and index growth). */
	{
		struct store *lt = store_new(&(struct store_opts){ .max_bytes = (size_t)8 << 30 });
		const char *p = f.p, *end = f.p + f.len;
		double worst = 0, prev = now_s(), top[5] = { 0 };
		size_t worst_at = 0, over1 = 0, n = 0, top_at[5] = { 0 };
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
			store_push(lt, p, len, len, "bench.log", 0, NOW_NS);
			double t = now_s();
			if (t - prev > worst)
				worst = t - prev, worst_at = n;
			if (t - prev > 1e-3)
				over1++;
			/* The five worst, kept sorted. */
			for (int k = 0; k < 5; k++) {
				if (t - prev > top[k]) {
					memmove(top + k + 1, top + k, (size_t)(4 - k) * sizeof(top[0]));
					memmove(top_at + k + 1, top_at + k, (size_t)(4 - k) * sizeof(top_at[0]));
					top[k] = t - prev;
					top_at[k] = n + 1;
					break;
				}
			}
			prev = t;
			n++;
			p += len + 1;
		}
		store_free(lt);
		printf("push_worst_ms %.3f\n", worst * 1e3);
		printf("push_worst_at_line %zu\n", worst_at + 1);
		printf("push_over_1ms %zu\n", over1);
		printf("push_worst5");
		for (int k = 0; k < 5; k++)
			printf(" %.1fms@%zu", top[k] * 1e3, top_at[k]);
		printf("\n");
	}
	printf("lines %zu\n", f.lines);
	printf("file_bytes %zu\n", f.len);
	printf("scan_lines_per_s %.0f\n", (double)f.lines / median(scan_s, (size_t)runs));
	printf("scan_mb_per_s %.1f\n", (double)f.len / 1e6 / median(scan_s, (size_t)runs));
	printf("push_lines_per_s %.0f\n", (double)f.lines / median(push_s, (size_t)runs));
	printf("push_capped_lines_per_s %.0f\n", (double)f.lines / median(cap_s, (size_t)runs));
	printf("capped_held %zu\n", cap_held);
	printf("capped_max_bytes %zu\n", small_cap);
	printf("held_lines %zu\n", held);
	printf("held_bytes %zu\n", held_bytes);
	printf("held_rss_anon_kb %ld\n", rss_held - (rss_before > 0 ? rss_before : 0));

	/* Request ids every ~1000 lines through the file, as a user would pick. */
	enum { NSAMPLE = 1000 };
	static char ids[NSAMPLE][64];
	size_t nids = 0;
	uint64_t first = store_first_seq(st), last = store_next_seq(st);
	for (uint64_t seq = first; seq < last && nids < NSAMPLE; seq += (last - first) / NSAMPLE + 1) {
		for (uint64_t s = seq; s < last && s < seq + 50; s++) {
			const struct log_rec *r = store_get(st, s);
			const char *c = store_str(st, DIM_CORR, r->id[DIM_CORR]);
			if (!strncmp(c, "req-", 4) && strlen(c) < sizeof(ids[0])) {
				snprintf(ids[nids++], sizeof(ids[0]), "%s", c);
				break;
			}
		}
	}
	static double ms[NSAMPLE];
	size_t total_lines = 0, max_lines = 0, ln;
	for (size_t i = 0; i < nids; i++) {
		ms[i] = open_trace(st, ids[i], &ln);
		total_lines += ln;
		if (ln > max_lines)
			max_lines = ln;
	}
	printf("trace_ids %zu\n", nids);
	printf("trace_avg_lines %.1f\n", nids ? (double)total_lines / (double)nids : 0);
	printf("trace_max_lines %zu\n", max_lines);
	printf("trace_p50_ms %.4f\n", pct(ms, nids, 0.5));
	printf("trace_p99_ms %.4f\n", pct(ms, nids, 0.99));
	printf("trace_max_ms %.4f\n", pct(ms, nids, 1.0));

	/* The biggest correlation id held (heartbeat ids: one per agent and minute). */
	uint32_t big = 0;
	size_t bign = 0;
	for (uint32_t id = 1; id <= store_dim_max(st, DIM_CORR); id++) {
		const uint64_t *seqs;
		size_t n = store_index(st, DIM_CORR, id, &seqs);
		if (n > bign)
			bign = n, big = id;
	}
	if (big) {
		char id[128];
		snprintf(id, sizeof(id), "%s", store_str(st, DIM_CORR, big));
		double bms[5];
		for (int i = 0; i < 5; i++)
			bms[i] = open_trace(st, id, &ln);
		printf("trace_biggest_id %s\n", id);
		printf("trace_biggest_lines %zu\n", ln);
		printf("trace_biggest_ms %.4f\n", median(bms, 5));
	}
	store_free(st);
	munmap((void *)f.p, f.len);
	return 0;
}

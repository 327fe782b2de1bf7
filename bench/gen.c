/*
 * bench/gen.c: deterministic seed-schema log files for `make bench`.
 *
 *   build/bench/gen [--lines N] [--seed S] [--rate R] [--start UNIX_S] OUT.log
 *
 * Runs the demo swarm generator (sources/demo.c) from a fixed simulated
 * start time (or --start, e.g. a few minutes ago for a live dashboard), so
 * a seed gives the same bytes on every machine, and writes
 * one file in timestamp order: requests fanning out through agents with
 * shared correlation ids (traces exist), nested spans, error bursts and
 * slow agents.  Each line gets the seed schema's optional fields
 * (environment, performance, error.stack) so lines are about 400 bytes
 * like the seed's real ones.  Prints what it wrote (lines, bytes, ERROR
 * share, share with context.duration_ms > 100, agents) to stderr.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/scan.h"
#include "core/sbuf.h"
#include "sources/demo.h"

/* 2025-11-30T00:00:00Z */
#define START_NS (1764460800LL * 1000000000LL)

struct gen {
	FILE *out;
	uint64_t want, lines, bytes, errors, slow, rng;
	int agent_seen[64];
	char agent_comp[64][24];   /* component of an agent's first own span */
	struct sbuf sb, line;
	int err;
};

static void
put(struct gen *g, const struct sbuf *sb)
{
	if (g->lines >= g->want || g->err)
		return;
	if (fwrite(sb->buf, 1, sb->len, g->out) != sb->len) {
		g->err = errno ? errno : EIO;
		return;
	}
	struct scan_result r;
	scan_line(sb->buf, sb->len - 1, &r);
	g->lines++;
	g->bytes += sb->len;
	if (r.level == LVL_ERROR)
		g->errors++;
	if ((r.flags & SCAN_F_DURATION) && r.duration_ms > 100)
		g->slow++;
}

static void
fmt_ts(struct sbuf *sb, int64_t ns)
{
	time_t s = (time_t)(ns / 1000000000LL);
	struct tm tm;
	gmtime_r(&s, &tm);
	sbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		  tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000LL / 1000000));
}

/* The optional seed-schema fields every line of ours carries. */
static void
add_tail(struct gen *g, struct sbuf *sb)
{
	uint64_t x = rng_next(&g->rng);
	sbuf_addf(sb, ",\"environment\":\"production\",\"performance\":{\"cpu_ms\":%.2f,\"memory_mb\":%.1f}}\n",
		  (double)(x % 100000) / 1000.0, 64.0 + (double)((x >> 20) % 4096) / 8.0);
}

/*
 * A line the demo does not make: an agent's periodic heartbeat (no
 * duration; correlation id per agent and minute) or a retried transient
 * error inside a request (ERROR, same correlation id, agent, component,
 * a duration: a failed attempt is a span; the demo's redis_bus spans are
 * never over 100 ms, these are, so the bench's field filter finds some).
 */
static void
extra_line(struct gen *g, int agent, int64_t ts, const struct scan_result *r, const char *src, bool error)
{
	static const char *const errs[] = {
		"Transient failure, retrying: connection reset by peer",
		"Transient failure, retrying: upstream returned 503",
		"Transient failure, retrying: lock wait timeout",
	};
	static const char *const hb[] = { "Heartbeat", "Metrics flushed", "Health check passed", "Config reloaded" };
	struct sbuf *sb = &g->line;
	sbuf_reset(sb);
	sbuf_adds(sb, "{\"timestamp\":\"");
	fmt_ts(sb, ts);
	const char *name = demo_agent_name(agent);
	if (error) {
		const char *m = errs[rng_next(&g->rng) % 3];
		/* Half the failed attempts timed out (100 ms .. 3 s), the rest failed fast. */
		uint64_t x = rng_next(&g->rng);
		double d = x % 2 ? 100.0 + (double)((x >> 8) % 29000) / 10.0 : 1.0 + (double)((x >> 8) % 490) / 10.0;
		sbuf_addf(sb, "\",\"level\":\"ERROR\",\"correlation_id\":\"%.*s\",\"agent_id\":\"%s\",\"component\":\"%.*s\","
			  "\"message\":\"%s\",\"context\":{\"attempt\":%u,\"duration_ms\":%.1f},\"if_citation\":\"if://log/%.*s\","
			  "\"tags\":[\"retry\"],\"hostname\":\"agent-node-%02d\",\"service\":\"infrafabric\","
			  "\"error\":{\"type\":\"TransientError\",\"message\":\"%s\"}",
			  (int)r->corr.len, src + r->corr.off, name, (int)r->component.len, src + r->component.off, m,
			  (unsigned)(rng_next(&g->rng) % 3 + 1), d, (int)r->component.len, src + r->component.off,
			  agent % 8 + 1, m);
	} else {
		const char *comp = g->agent_comp[agent][0] ? g->agent_comp[agent] : "agent_runtime";
		uint64_t x = rng_next(&g->rng);
		sbuf_addf(sb, "\",\"level\":\"%s\",\"correlation_id\":\"sys-%s-%06lld\",\"agent_id\":\"%s\","
			  "\"component\":\"%s\",\"message\":\"%s\",\"context\":{\"uptime_s\":%lld,\"open_tasks\":%u,"
			  "\"rss_mb\":%u},\"if_citation\":\"if://log/heartbeat\",\"tags\":[\"heartbeat\"],"
			  "\"hostname\":\"agent-node-%02d\",\"service\":\"infrafabric\"",
			  x % 4 ? "DEBUG" : "INFO", name, (long long)(ts / 60000000000LL % 1000000), name, comp,
			  hb[(x >> 8) % 4], (long long)((ts / 1000000000LL) % 864000), (unsigned)((x >> 16) % 40),
			  (unsigned)((x >> 24) % 2048 + 128), agent % 8 + 1);
	}
	add_tail(g, sb);
	put(g, sb);
}

/* Per demo line: extra error lines and heartbeats tuned so the file has
 * about 4% ERROR and 9% duration_ms > 100 (the demo alone: ~1% and ~15%). */
#define P_RETRY 0.075
#define P_HEARTBEAT 1.00

static void
emit(void *ud, const char *agent, int64_t ts_ns, const char *line, size_t len)
{
	struct gen *g = ud;
	if (g->lines >= g->want || g->err || len < 2 || line[len - 1] != '}')
		return;
	int ai = 0;
	while (ai < demo_agent_count() && strcmp(agent, demo_agent_name(ai)))
		ai++;
	if (ai >= demo_agent_count() || ai >= 64)
		return;
	g->agent_seen[ai] = 1;
	struct scan_result r;
	scan_line(line, len, &r);
	if (!g->agent_comp[ai][0] && r.component.len < sizeof(g->agent_comp[ai]) && r.message.len == 13 &&
	    !memcmp(line + r.message.off, "Task received", 13))
		snprintf(g->agent_comp[ai], sizeof(g->agent_comp[ai]), "%.*s", (int)r.component.len, line + r.component.off);
	if (r.corr.len && r.level < LVL_ERROR && rng_unit(&g->rng) < P_RETRY)
		extra_line(g, ai, ts_ns, &r, line, true);
	/* The demo line ends in '}': add the optional fields. */
	struct sbuf *sb = &g->sb;
	sbuf_reset(sb);
	sbuf_add(sb, line, len - 1);
	add_tail(g, sb);
	put(g, sb);
	for (double h = P_HEARTBEAT; h > 0; h -= 1.0)
		if (rng_unit(&g->rng) < h)
			extra_line(g, (int)(rng_next(&g->rng) % (uint64_t)demo_agent_count()), ts_ns, &r, line, false);
}

int
main(int argc, char **argv)
{
	uint64_t lines = 1000000, seed = 9;
	long rate = 500;
	int64_t start = START_NS;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lines") && i + 1 < argc)
			lines = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
			rate = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--start") && i + 1 < argc)
			start = strtoll(argv[++i], NULL, 10) * 1000000000LL;
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: gen [--lines N] [--seed S] [--rate R] [--start UNIX_S] OUT.log\n");
			return 2;
		}
	}
	if (!path || !lines || rate <= 0) {
		fprintf(stderr, "usage: gen [--lines N] [--seed S] [--rate R] [--start UNIX_S] OUT.log\n");
		return 2;
	}
	struct gen g = { .want = lines, .rng = seed * 0x9e3779b97f4a7c15ULL + 1 };
	sbuf_init(&g.sb);
	sbuf_init(&g.line);
	g.out = fopen(path, "w");
	if (!g.out) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	static char buf[1 << 20];
	setvbuf(g.out, buf, _IOFBF, sizeof(buf));
	struct demo_gen *dg = demo_gen_new(seed, rate, start);
	int64_t t = start;
	while (g.lines < g.want && !g.err) {
		t += 10LL * 1000000000LL;
		demo_gen_run(dg, t, emit, &g);
	}
	demo_gen_free(dg);
	if (fclose(g.out) && !g.err)
		g.err = errno;
	sbuf_release(&g.sb);
	sbuf_release(&g.line);
	if (g.err) {
		fprintf(stderr, "gen: %s: %s\n", path, strerror(g.err));
		return 1;
	}
	int agents = 0;
	for (int i = 0; i < 64; i++)
		agents += g.agent_seen[i];
	fprintf(stderr, "gen: %s: %" PRIu64 " lines, %" PRIu64 " bytes (%.0f/line), ERROR %.2f%%, "
		"duration_ms > 100 %.2f%%, %d agents, %.0f s simulated\n",
		path, g.lines, g.bytes, (double)g.bytes / (double)g.lines, 100.0 * (double)g.errors / (double)g.lines,
		100.0 * (double)g.slow / (double)g.lines, agents, (double)(t - start) / 1e9);
	return 0;
}

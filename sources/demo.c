/*
 * sources/demo.c: the built-in swarm simulator.
 *
 * When a request starts, all its lines are rendered at once with future
 * timestamps and queued in a min-heap; demo_gen_run() pops what is due.
 * Everything random comes from one xorshift state seeded by the caller,
 * so a seed and a start time fully determine the stream.
 */
#include "sources/demo.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/rng.h"
#include "core/sbuf.h"
#include "core/xalloc.h"

#define NAGENTS 40
#define MS 1000000LL
#define SEC 1000000000LL

enum comp {
	C_API, C_COORD, C_QUEUE, C_REDIS, C_CHROMA, C_EMBED, C_LLM, C_GUARD, C_AUDIT, C_MEMORY,
	C__COUNT
};

static const struct {
	const char *name;
	double base_ms;           /* typical duration */
	const char *tags;
	const char *ok_msg[3];
	const char *err_msg[2];
	const char *err_type;
} comps[C__COUNT] = {
	[C_API] = { "api_gateway", 4, "\"api\",\"http\"", { "Request received", "Response sent", "Auth token validated" },
		    { "Upstream timeout after 30000ms", "Request rejected: payload too large" }, "GatewayTimeout" },
	[C_COORD] = { "swarm_coordinator", 3, "\"swarm\",\"coordination\"", { "Dispatching to agents", "Request completed", "Stage complete" },
		      { "Quorum not reached", "Agent did not answer in time" }, "CoordinationError" },
	[C_QUEUE] = { "task_queue", 2, "\"task-processing\",\"queue\"", { "Task enqueued", "Task claimed successfully", "Task processed" },
		      { "Task failed: ERR_TIMEOUT", "Dead-letter: retries exhausted" }, "TaskError" },
	[C_REDIS] = { "redis_bus", 2.5, "\"redis\",\"task-processing\"", { "Message published", "Task claimed successfully", "Batch flushed" },
		      { "Connection timeout to redis:6379 after 5000ms", "READONLY You can't write against a read only replica" }, "ConnectionError" },
	[C_CHROMA] = { "chromadb", 45, "\"chromadb\",\"vector\"", { "Vector query completed", "Embedding upserted", "Collection loaded" },
		       { "ChromaDB query failed: collection not found", "HNSW index corrupted, rebuilding" }, "ChromaError" },
	[C_EMBED] = { "embedding_service", 30, "\"embedding\"", { "Embeddings computed", "Batch encoded", "Model warm" },
		      { "CUDA out of memory", "Tokenizer overflow: 9000 tokens" }, "EmbeddingError" },
	[C_LLM] = { "llm_router", 650, "\"llm\",\"inference\"", { "Completion finished", "Routed to model", "Stream closed" },
		    { "Rate limit exceeded (429) from provider", "Context length exceeded" }, "ProviderError" },
	[C_GUARD] = { "guardian_council", 20, "\"guardian\",\"policy\"", { "Policy check passed", "Vote recorded", "Escalation reviewed" },
		      { "Policy violation: unsafe tool call", "Guardian quorum lost" }, "PolicyError" },
	[C_AUDIT] = { "audit_log", 3, "\"audit\"", { "Audit record written", "Citation stored", "Decision logged" },
		      { "Audit sink unavailable", "Citation URI rejected" }, "AuditError" },
	[C_MEMORY] = { "memory_store", 8, "\"memory\"", { "Context retrieved", "Memory compacted", "Snapshot saved" },
		       { "Memory store write failed: disk full", "Snapshot checksum mismatch" }, "MemoryError" },
};

static const char *const models[3] = { "haiku", "sonnet", "opus" };

static struct {
	char name[32];
	char host[24];
	enum comp home;
} agents[NAGENTS];
static int agents_ready;

static void
init_agents(void)
{
	if (agents_ready)
		return;
	/* Home components: a few gateways and coordinators, the rest workers. */
	static const enum comp homes[NAGENTS] = {
		C_API, C_COORD, C_QUEUE, C_REDIS, C_CHROMA, C_EMBED, C_LLM, C_GUARD, C_AUDIT, C_MEMORY,
		C_API, C_COORD, C_QUEUE, C_REDIS, C_CHROMA, C_EMBED, C_LLM, C_LLM, C_CHROMA, C_REDIS,
		C_MEMORY, C_QUEUE, C_LLM, C_EMBED, C_GUARD, C_REDIS, C_CHROMA, C_LLM, C_MEMORY, C_AUDIT,
		C_QUEUE, C_REDIS, C_EMBED, C_LLM, C_CHROMA, C_GUARD, C_MEMORY, C_LLM, C_REDIS, C_QUEUE,
	};
	for (int i = 0; i < NAGENTS; i++) {
		snprintf(agents[i].name, sizeof(agents[i].name), "A%d-%s-%03d", i + 1, models[i % 3], i / 3 + 1);
		snprintf(agents[i].host, sizeof(agents[i].host), "agent-node-%02d", i % 8 + 1);
		agents[i].home = homes[i];
	}
	agents_ready = 1;
}

int demo_agent_count(void) { return NAGENTS; }

const char *
demo_agent_name(int i)
{
	init_agents();
	return i >= 0 && i < NAGENTS ? agents[i].name : "";
}

struct pending {
	int64_t ts;
	uint64_t order;
	int agent;
	char *line;
	size_t len;
};

struct demo_gen {
	uint64_t rng;
	double rate;
	int64_t now;              /* generated up to here */
	int64_t next_req, next_task, next_swarm, next_incident;
	uint64_t order;
	struct pending *heap;
	size_t n, cap;
	int64_t burst_until[NAGENTS];
	int64_t slow_until[NAGENTS];
	struct sbuf sb;
};

static int
irand(struct demo_gen *g, int lo, int hi)
{
	return lo + (int)(rng_next(&g->rng) % (uint64_t)(hi - lo + 1));
}

/* Log-normal-ish duration around `base` ms. */
static double
dur_ms(struct demo_gen *g, double base)
{
	double u1 = rng_unit(&g->rng) + 1e-12, u2 = rng_unit(&g->rng);
	double z = sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
	return base * exp(0.5 * z);
}

static int64_t
exp_ns(struct demo_gen *g, double mean_s)
{
	return (int64_t)(-log(rng_unit(&g->rng) + 1e-12) * mean_s * SEC) + 1;
}

static void
heap_push(struct demo_gen *g, struct pending p)
{
	xgrow(&g->heap, &g->cap, g->n + 1, sizeof(*g->heap));
	size_t i = g->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		struct pending *q = &g->heap[parent];
		if (q->ts < p.ts || (q->ts == p.ts && q->order < p.order))
			break;
		g->heap[i] = *q;
		i = parent;
	}
	g->heap[i] = p;
}

static struct pending
heap_pop(struct demo_gen *g)
{
	struct pending top = g->heap[0];
	struct pending last = g->heap[--g->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct pending *best = &last;
		if (l < g->n && (g->heap[l].ts < best->ts || (g->heap[l].ts == best->ts && g->heap[l].order < best->order))) {
			m = l;
			best = &g->heap[l];
		}
		if (r < g->n && (g->heap[r].ts < best->ts || (g->heap[r].ts == best->ts && g->heap[r].order < best->order)))
			m = r;
		if (m == i)
			break;
		g->heap[i] = g->heap[m];
		i = m;
	}
	if (g->n)
		g->heap[i] = last;
	return top;
}

static void
fmt_time(struct sbuf *sb, int64_t ns)
{
	time_t s = (time_t)(ns / SEC);
	struct tm tm;
	gmtime_r(&s, &tm);
	sbuf_addf(sb, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		  tm.tm_hour, tm.tm_min, tm.tm_sec, (int)((ns % SEC) / MS));
}

struct line_spec {
	int64_t ts;
	const char *level;
	const char *corr;
	int agent;
	enum comp comp;
	const char *msg;
	double duration;       /* < 0: none */
	const char *task;
	int batch;             /* 0: none */
	const char *err_type;
};

static void
emit_line(struct demo_gen *g, const struct line_spec *ls)
{
	struct sbuf *sb = &g->sb;
	sbuf_reset(sb);
	sbuf_adds(sb, "{\"timestamp\":\"");
	fmt_time(sb, ls->ts);
	sbuf_addf(sb, "\",\"level\":\"%s\",\"correlation_id\":\"%s\",\"agent_id\":\"%s\",\"component\":\"%s\",\"message\":",
		  ls->level, ls->corr, agents[ls->agent].name, comps[ls->comp].name);
	sbuf_add_json_str(sb, ls->msg, strlen(ls->msg));
	sbuf_adds(sb, ",\"context\":{");
	bool any = false;
	if (ls->task) {
		sbuf_addf(sb, "\"task_id\":\"%s\"", ls->task);
		any = true;
	}
	if (ls->duration >= 0) {
		sbuf_addf(sb, "%s\"duration_ms\":%.1f", any ? "," : "", ls->duration);
		any = true;
	}
	if (ls->batch)
		sbuf_addf(sb, "%s\"batch_size\":%d", any ? "," : "", ls->batch);
	sbuf_addf(sb, "},\"if_citation\":\"if://log/%s\",\"tags\":[%s],\"hostname\":\"%s\",\"service\":\"infrafabric\"",
		  comps[ls->comp].name, comps[ls->comp].tags, agents[ls->agent].host);
	if (ls->err_type)
		sbuf_addf(sb, ",\"error\":{\"type\":\"%s\",\"message\":\"%s\"}", ls->err_type, ls->msg);
	sbuf_addc(sb, '}');
	size_t len;
	char *line = sbuf_detach(sb, &len);
	heap_push(g, (struct pending){ ls->ts, g->order++, ls->agent, line, len });
}

static int
pick_agent(struct demo_gen *g, enum comp c)
{
	int cand[NAGENTS], n = 0;
	for (int i = 0; i < NAGENTS; i++)
		if (agents[i].home == c)
			cand[n++] = i;
	return n ? cand[irand(g, 0, n - 1)] : irand(g, 0, NAGENTS - 1);
}

static void
gen_id(struct demo_gen *g, const char *prefix, char *out, size_t size)
{
	snprintf(out, size, "%s%016llx", prefix, (unsigned long long)rng_next(&g->rng));
}

/* One worker's span within a request: start at t, returns its end. */
static int64_t
worker_span(struct demo_gen *g, const char *corr, int agent, int64_t t, bool *failed)
{
	enum comp c = agents[agent].home;
	bool slow = g->slow_until[agent] > t;
	bool burst = g->burst_until[agent] > t;
	char task[40];
	snprintf(task, sizeof(task), "task:%05d", irand(g, 1, 99999));
	emit_line(g, &(struct line_spec){ t, "DEBUG", corr, agent, c, "Task received", -1, task, 0, NULL });
	double d = dur_ms(g, comps[c].base_ms) * (slow ? 9.0 : 1.0);
	/* A nested call to a shared component inside the span. */
	int64_t inner_t = t + (int64_t)(d * 0.2 * MS);
	if (c != C_REDIS && rng_unit(&g->rng) < 0.5) {
		enum comp sub = rng_unit(&g->rng) < 0.5 ? C_REDIS : C_MEMORY;
		double sd = dur_ms(g, comps[sub].base_ms);
		if (sd > d * 0.6)
			sd = d * 0.6;
		emit_line(g, &(struct line_spec){ inner_t + (int64_t)(sd * MS), "INFO", corr, agent, sub,
						  comps[sub].ok_msg[irand(g, 0, 1)], sd, task, irand(g, 1, 4) * 25, NULL });
	}
	int64_t end = t + (int64_t)(d * MS) + 1;
	bool err = rng_unit(&g->rng) < (burst ? 0.45 : 0.012);
	if (err) {
		emit_line(g, &(struct line_spec){ end, rng_unit(&g->rng) < 0.05 ? "FATAL" : "ERROR", corr, agent, c,
						  comps[c].err_msg[irand(g, 0, 1)], d, task, 0, comps[c].err_type });
		*failed = true;
	} else {
		if (slow && rng_unit(&g->rng) < 0.5)
			emit_line(g, &(struct line_spec){ end, "WARN", corr, agent, c, "Slow operation detected", d, task, 0, NULL });
		else
			emit_line(g, &(struct line_spec){ end, "INFO", corr, agent, c, comps[c].ok_msg[irand(g, 0, 2)], d, task,
							  c == C_QUEUE || c == C_REDIS ? 100 : 0, NULL });
	}
	return end;
}

static void
gen_request(struct demo_gen *g, int64_t t0)
{
	char corr[40];
	gen_id(g, "req-", corr, sizeof(corr));
	int gw = pick_agent(g, C_API), co = pick_agent(g, C_COORD);
	emit_line(g, &(struct line_spec){ t0, "INFO", corr, gw, C_API, "Request received", -1, NULL, 0, NULL });
	int64_t t = t0 + (int64_t)(dur_ms(g, 1.5) * MS);
	int k = irand(g, 3, 10);
	char msg[64];
	snprintf(msg, sizeof(msg), "Dispatching to %d agents", k);
	emit_line(g, &(struct line_spec){ t, "INFO", corr, co, C_COORD, msg, -1, NULL, 0, NULL });
	int64_t coord_start = t;
	/* Workers in 1-3 stages; a stage's workers run in parallel. */
	int stages = k < 4 ? 1 : irand(g, 2, 3), done = 0;
	bool failed = false;
	int used[NAGENTS] = { 0 };
	for (int s = 0; s < stages; s++) {
		int n = s == stages - 1 ? k - done : (k - done) / (stages - s);
		int64_t stage_end = t;
		for (int i = 0; i < n; i++) {
			int a, tries = 0;
			do
				a = irand(g, 0, NAGENTS - 1);
			while ((used[a] || agents[a].home == C_API || agents[a].home == C_COORD) && ++tries < 50);
			used[a] = 1;
			int64_t st = t + (int64_t)(dur_ms(g, 0.8) * MS);
			int64_t e = worker_span(g, corr, a, st, &failed);
			if (e > stage_end)
				stage_end = e;
		}
		done += n;
		t = stage_end + (int64_t)(dur_ms(g, 0.5) * MS);
	}
	double coord_ms = (double)(t - coord_start) / MS;
	emit_line(g, &(struct line_spec){ t, failed ? "WARN" : "INFO", corr, co, C_COORD,
					  failed ? "Request completed with errors" : "Request completed", coord_ms, NULL, 0, NULL });
	int64_t t_end = t + (int64_t)(dur_ms(g, 1.0) * MS);
	emit_line(g, &(struct line_spec){ t_end, failed ? "ERROR" : "INFO", corr, gw, C_API,
					  failed ? "Response sent: 502 Bad Gateway" : "Response sent: 200 OK",
					  (double)(t_end - t0) / MS, NULL, 0, failed ? "UpstreamError" : NULL });
}

static void
gen_task(struct demo_gen *g, int64_t t)
{
	char corr[40], task[40];
	gen_id(g, "task-", corr, sizeof(corr));
	snprintf(task, sizeof(task), "task:%s", corr + 5);
	int q = pick_agent(g, C_QUEUE), w = pick_agent(g, rng_unit(&g->rng) < 0.5 ? C_EMBED : C_MEMORY);
	emit_line(g, &(struct line_spec){ t, "INFO", corr, q, C_QUEUE, "Task enqueued", -1, task, irand(g, 1, 8) * 50, NULL });
	int64_t t2 = t + (int64_t)(dur_ms(g, 40) * MS);
	emit_line(g, &(struct line_spec){ t2, "INFO", corr, q, C_REDIS, "Task claimed successfully", dur_ms(g, 2.1), task, 100, NULL });
	bool failed = false;
	worker_span(g, corr, w, t2 + MS, &failed);
}

static void
gen_swarm(struct demo_gen *g, int64_t t)
{
	char corr[40];
	gen_id(g, "swarm-", corr, sizeof(corr));
	int co = pick_agent(g, C_COORD);
	emit_line(g, &(struct line_spec){ t, "INFO", corr, co, C_COORD, "Swarm consensus round started", -1, NULL, 0, NULL });
	int n = irand(g, 3, 5);
	int64_t end = t;
	for (int i = 0; i < n; i++) {
		int a = pick_agent(g, C_GUARD);
		if (i > 1)
			a = irand(g, 0, NAGENTS - 1);
		double d = dur_ms(g, 25);
		int64_t e = t + (int64_t)(d * MS);
		emit_line(g, &(struct line_spec){ e, "DEBUG", corr, a, C_GUARD, "Vote recorded", d, NULL, 0, NULL });
		if (e > end)
			end = e;
	}
	emit_line(g, &(struct line_spec){ end + MS, "INFO", corr, co, C_COORD, "Consensus reached", (double)(end + MS - t) / MS, NULL, 0, NULL });
}

struct demo_gen *
demo_gen_new(uint64_t seed, long rate, int64_t start_ns)
{
	init_agents();
	struct demo_gen *g = xcalloc(1, sizeof(*g));
	g->rng = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (!g->rng)
		g->rng = 1;
	g->rate = rate > 0 ? (double)rate : 40;
	g->now = start_ns;
	g->next_req = start_ns;
	g->next_task = start_ns + SEC / 3;
	g->next_swarm = start_ns + SEC;
	/* First incident comes early so a short history already shows one. */
	g->next_incident = start_ns + 20 * SEC;
	return g;
}

void
demo_gen_free(struct demo_gen *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		free(g->heap[i].line);
	free(g->heap);
	sbuf_release(&g->sb);
	free(g);
}

void
demo_gen_run(struct demo_gen *g, int64_t until, demo_emit_fn emit, void *ud)
{
	/* Background ~2.5 lines/s; requests make ~20 lines each. */
	double req_per_s = (g->rate - 2.5) / 20.0;
	if (req_per_s < 0.1)
		req_per_s = 0.1;
	for (;;) {
		int64_t next = g->next_req;
		if (g->next_task < next) next = g->next_task;
		if (g->next_swarm < next) next = g->next_swarm;
		if (g->next_incident < next) next = g->next_incident;
		/* Emit due lines that come before the next generated event. */
		while (g->n && g->heap[0].ts <= until && g->heap[0].ts <= next) {
			struct pending p = heap_pop(g);
			emit(ud, agents[p.agent].name, p.ts, p.line, p.len);
			free(p.line);
		}
		if (next > until)
			break;
		if (next == g->next_req) {
			gen_request(g, next);
			g->next_req += exp_ns(g, 1.0 / req_per_s);
		} else if (next == g->next_task) {
			gen_task(g, next);
			g->next_task += exp_ns(g, 2.0);
		} else if (next == g->next_swarm) {
			gen_swarm(g, next);
			g->next_swarm += exp_ns(g, 5.0);
		} else {
			int a = irand(g, 0, NAGENTS - 1);
			while (agents[a].home == C_API || agents[a].home == C_COORD)
				a = irand(g, 0, NAGENTS - 1);
			if (rng_unit(&g->rng) < 0.6)
				g->burst_until[a] = next + (int64_t)irand(g, 20, 60) * SEC;
			else
				g->slow_until[a] = next + (int64_t)irand(g, 30, 90) * SEC;
			g->next_incident += exp_ns(g, 75.0);
		}
	}
	g->now = until;
}

/* ---- the live source ---- */

struct demo_src {
	struct demo_gen *gen;
	struct demo_opts opts;
	uv_timer_t *timer;
	int64_t offset_ns;   /* simulated clock = real clock + offset */
};

static int64_t
real_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * SEC + ts.tv_nsec;
}

static void
to_sink(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	struct source *s = ud;
	(void)agent;
	(void)ts;
	s->sink.line(s->sink.ud, line, len, len, "demo", 0);
}

static void
demo_tick(uv_timer_t *t)
{
	struct source *s = t->data;
	struct demo_src *d = s->priv;
	demo_gen_run(d->gen, real_now() + d->offset_ns, to_sink, s);
}

static int
demo_start(struct source *s)
{
	struct demo_src *d = s->priv;
	int64_t now = d->opts.now_ns ? d->opts.now_ns : real_now();
	d->offset_ns = d->opts.now_ns ? d->opts.now_ns - real_now() : 0;
	d->gen = demo_gen_new(d->opts.seed, d->opts.rate, now - d->opts.history_ns);
	demo_gen_run(d->gen, now, to_sink, s);
	if (d->opts.live) {
		d->timer = xmalloc(sizeof(*d->timer));
		uv_timer_init(s->loop, d->timer);
		d->timer->data = s;
		uv_timer_start(d->timer, demo_tick, 50, 50);
	}
	return 0;
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

static void
demo_stop(struct source *s)
{
	struct demo_src *d = s->priv;
	if (d->timer) {
		uv_timer_stop(d->timer);
		uv_close((uv_handle_t *)d->timer, free_handle);
		d->timer = NULL;
	}
}

static void
demo_free(struct source *s)
{
	struct demo_src *d = s->priv;
	demo_stop(s);
	demo_gen_free(d->gen);
	free(d);
}

static const struct source_ops demo_ops = {
	.name = "demo",
	.start = demo_start,
	.stop = demo_stop,
	.free = demo_free,
};

struct source *
demo_source_new(uv_loop_t *loop, const struct demo_opts *opts, const struct source_sink *sink)
{
	struct source *s = xcalloc(1, sizeof(*s));
	struct demo_src *d = xcalloc(1, sizeof(*d));
	d->opts = *opts;
	s->ops = &demo_ops;
	s->loop = loop;
	s->sink = *sink;
	s->priv = d;
	snprintf(s->desc, sizeof(s->desc), "demo swarm (seed %llu, %ld lines/s)",
		 (unsigned long long)opts->seed, opts->rate);
	return s;
}

/* ---- demo --write ---- */

struct writer {
	const char *dir;
	FILE *f[NAGENTS];
	int err;
};

static void
to_file(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	struct writer *w = ud;
	(void)ts;
	int i = 0;
	while (i < NAGENTS && strcmp(agents[i].name, agent))
		i++;
	if (i == NAGENTS || w->err)
		return;
	if (!w->f[i]) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s.log", w->dir, agent);
		w->f[i] = fopen(path, "a");
		if (!w->f[i]) {
			fprintf(stderr, "iftop-logs: demo --write: cannot open %s: %s\n", path, strerror(errno));
			w->err = LX_EIO;
			return;
		}
	}
	fwrite(line, 1, len, w->f[i]);
	fputc('\n', w->f[i]);
}

int
demo_write_files(const char *dir, uint64_t seed, long rate, int64_t history_ns, int follow)
{
	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "iftop-logs: demo --write: cannot create %s: %s\n", dir, strerror(errno));
		return LX_EIO;
	}
	struct writer w = { .dir = dir };
	int64_t now = real_now();
	struct demo_gen *g = demo_gen_new(seed, rate, now - history_ns);
	demo_gen_run(g, now, to_file, &w);
	while (follow && !w.err) {
		for (int i = 0; i < NAGENTS; i++)
			if (w.f[i])
				fflush(w.f[i]);
		usleep(100000);
		demo_gen_run(g, real_now(), to_file, &w);
	}
	for (int i = 0; i < NAGENTS; i++)
		if (w.f[i] && fclose(w.f[i]) && !w.err) {
			fprintf(stderr, "iftop-logs: demo --write: write failed: %s\n", strerror(errno));
			w.err = LX_EIO;
		}
	demo_gen_free(g);
	return w.err;
}

/**
 * sources/demo.h: a simulated InfraFabric swarm.
 *
 * The generator is deterministic for a seed and a start time: ~40 agents
 * (A1-haiku-001 ...) across components; requests req-<hex> fanning out
 * through 3-10 agents in stages with nested spans (context.duration_ms),
 * background tasks task-<hex>, swarm rounds swarm-<hex>, error bursts and
 * slow agents now and then.  Lines are seed-schema JSON, emitted in
 * timestamp order.
 *
 * demo_gen_* is the pure generator (used by `demo --write` and tests);
 * demo_source_new() wraps it as a live source on the loop.
 */
#ifndef LX_SOURCES_DEMO_H
#define LX_SOURCES_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "sources/source.h"

struct demo_gen;

/** emit: one complete line (borrowed for the call) from agent `agent`. */
typedef void (*demo_emit_fn)(void *ud, const char *agent, int64_t ts_ns, const char *line, size_t len);

/** Returns a new generator whose simulated time starts at start_ns. */
struct demo_gen *demo_gen_new(uint64_t seed, long rate, int64_t start_ns);
void demo_gen_free(struct demo_gen *g);
/** Emits every line with timestamp <= until_ns, in timestamp order. */
void demo_gen_run(struct demo_gen *g, int64_t until_ns, demo_emit_fn emit, void *ud);
int demo_agent_count(void);
const char *demo_agent_name(int i);

struct demo_opts {
	uint64_t seed;
	long rate;            /* lines per second, roughly */
	int64_t history_ns;   /* simulated past emitted at start */
	int64_t now_ns;       /* start clock; 0 = the real clock */
	int live;             /* keep generating on a timer after start */
};

/** Returns a new demo source ("demo swarm"); see sources/source.h. */
struct source *demo_source_new(uv_loop_t *loop, const struct demo_opts *opts,
			       const struct source_sink *sink);

/**
 * `iftop-logs demo --write DIR`: writes `history_ns` of the stream as one
 * file per agent (DIR/<agent>.log); with follow, keeps appending in real
 * time until interrupted.  Returns 0 or an LX_E* code (message on stderr).
 */
int demo_write_files(const char *dir, uint64_t seed, long rate, int64_t history_ns, int follow);

#endif

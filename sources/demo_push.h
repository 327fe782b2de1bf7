/**
 * sources/demo_push.h: `iftop-logs demo --push URL`: the demo swarm pushed
 * into a Loki, to try the whole stack the same way as with real agents.
 * Lines carry the labels a collector would set: job="infrafabric",
 * agent_id, component, level, service.
 */
#ifndef LX_SOURCES_DEMO_PUSH_H
#define LX_SOURCES_DEMO_PUSH_H

#include <stdint.h>
#include <uv.h>

#include "sources/loki.h"

/**
 * Pushes `history_ns` of the stream (ending now) in batches, then with
 * `follow` keeps pushing every second until interrupted.  Runs `loop`
 * itself.  Returns 0, or an LX_E* code after printing Loki's answer.
 */
int demo_push(uv_loop_t *loop, struct loki *lk, uint64_t seed, long rate, int64_t history_ns, int follow);

#endif

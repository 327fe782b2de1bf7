/**
 * core/rng.h: xorshift64*, the deterministic generator of the demo swarm
 * and the benchmark data (same seed, same lines).  The state must not be 0.
 */
#ifndef LX_CORE_RNG_H
#define LX_CORE_RNG_H

#include <stdint.h>

static inline uint64_t
rng_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 2685821657736338717ULL;
}

/** Uniform in [0, 1). */
static inline double
rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) / 9007199254740992.0;
}

#endif

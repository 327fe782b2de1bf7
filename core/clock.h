/**
 * core/clock.h: the monotonic clock in nanoseconds, for durations and
 * deadlines (wall-clock time comes from app_now() and the sources).
 */
#ifndef LX_CORE_CLOCK_H
#define LX_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif

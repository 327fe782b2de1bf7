/**
 * core/store.h: the log store, a memory-capped ring of scanned lines.
 *
 * Every pushed line gets a monotonically increasing sequence number (seq).
 * Views keep seqs, never pointers: store_get() returns NULL for a seq that
 * was evicted.  When the bytes held would pass `max_bytes`, the oldest
 * lines go first and `dropped` counts them.
 *
 * Indexes are kept incrementally: per interned agent, component and
 * correlation_id the list of seqs holding it, per level too, so a trace or
 * an agent filter opens without scanning.  Per-second counters (lines and
 * errors by agent, component and level) feed the sparklines.
 *
 * Pointers returned by store_get() and store_str() are borrowed: valid
 * until the next store_push() (which may evict).
 */
#ifndef LX_CORE_STORE_H
#define LX_CORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scan.h"

/* Seconds of per-second history kept for counters. */
#define STORE_SERIES_SECS 3600

enum store_dim { DIM_AGENT, DIM_COMPONENT, DIM_CORR, DIM_ORIGIN, DIM__COUNT };

enum log_flags {
	LOG_F_JSON = 1 << 0,
	LOG_F_TRUNCATED = 1 << 1,   /* cut at the line cap; full_len is real */
	LOG_F_OUT_OF_ORDER = 1 << 2,/* ts earlier than the previous line's by > 1 s */
	LOG_F_CLOCK_SKEW = 1 << 3,  /* ts far (> 5 min) from arrival time */
	LOG_F_TS_ARRIVAL = 1 << 4,  /* no ts in the line; arrival time used */
	LOG_F_DURATION = 1 << 5,
	LOG_F_MSG_ESCAPED = 1 << 6,
	LOG_F_BAD_JSON = 1 << 7,
};

struct log_rec {
	uint64_t seq;
	int64_t ts_ns;         /* from the line, else arrival */
	int64_t arrival_ns;
	const char *text;      /* not NUL-terminated; len bytes */
	uint32_t len, full_len;
	uint32_t id[DIM__COUNT];  /* intern ids; 0 = absent */
	struct span message, task;
	double duration_ms;
	uint8_t level;
	uint8_t flags;
};

/* A per-second counter ring for one series. */
struct series {
	int64_t last_sec;                 /* newest second written */
	uint32_t lines[STORE_SERIES_SECS];
	uint32_t errors[STORE_SERIES_SECS];  /* ERROR and FATAL */
	uint32_t warns[STORE_SERIES_SECS];
};

struct store;

struct store_opts {
	size_t max_bytes;      /* hard cap on bytes held (text + records + indexes) */
	size_t max_line;       /* display cap: longer lines are cut and flagged */
};

/** Returns a new store; free with store_free(). */
struct store *store_new(const struct store_opts *opts);
void store_free(struct store *st);

/**
 * Copies `text[0..len)` in, scans it, indexes it.  `full_len` is the
 * original length when the source already cut the line (else pass len).
 * `ts_ns` is the source's timestamp or 0; `now_ns` the arrival clock.
 * Returns the new seq.
 */
uint64_t store_push(struct store *st, const char *text, size_t len, size_t full_len,
		    const char *origin, int64_t ts_ns, int64_t now_ns);

/** Returns the record for `seq` or NULL when evicted / not yet pushed. */
const struct log_rec *store_get(const struct store *st, uint64_t seq);
uint64_t store_first_seq(const struct store *st);  /* oldest held */
uint64_t store_next_seq(const struct store *st);   /* seq of the next push */
size_t store_count(const struct store *st);
uint64_t store_dropped(const struct store *st);    /* evicted for the cap */
size_t store_bytes(const struct store *st);
size_t store_max_bytes(const struct store *st);
uint64_t store_truncated(const struct store *st);  /* lines cut at the cap */

/** Intern ids: string of an id (borrowed, NUL-terminated), or "" for 0. */
const char *store_str(const struct store *st, enum store_dim dim, uint32_t id);
/** Looks an id up by string; 0 when absent. */
uint32_t store_lookup(const struct store *st, enum store_dim dim, const char *s, size_t len);
/** Highest id ever handed out for a dimension (ids may be freed). */
uint32_t store_dim_max(const struct store *st, enum store_dim dim);

/**
 * Index lookups: sets *seqs (borrowed until the next push) and returns how
 * many seqs of lines holding that value remain, oldest first.
 */
size_t store_index(const struct store *st, enum store_dim dim, uint32_t id, const uint64_t **seqs);
size_t store_level_index(const struct store *st, enum log_level lvl, const uint64_t **seqs);

/** Per-second series: total, by level, by agent or component id (or NULL). */
const struct series *store_series_total(const struct store *st);
const struct series *store_series(const struct store *st, enum store_dim dim, uint32_t id);
const struct series *store_series_level(const struct store *st, enum log_level lvl);
/** Count in `s` at unix second `sec` (0 when outside the kept window). */
uint32_t series_at(const struct series *s, const uint32_t *arr, int64_t sec);

/** Returns the first seq with ts >= ts_ns (lines are mostly in order). */
uint64_t store_seek_time(const struct store *st, int64_t ts_ns);

#endif

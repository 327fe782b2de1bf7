/**
 * core/scan.h: the hot-path field scanner for seed-schema log lines.
 *
 * scan_line() walks one line once, without building a JSON tree, and
 * records where the fields the views need are: timestamp, level, agent_id,
 * component, correlation_id, message, context.duration_ms, context.task_id.
 * Spans point into the caller's buffer (borrowed: valid while it is).
 * String spans are the raw JSON string contents, still escaped when
 * SCAN_F_ESCAPED is set for them; use scan_unescape() to decode.
 *
 * A line that is not a JSON object is still scanned: its level is guessed
 * from words in the text (ERROR, warn, level=error ...) and a leading
 * RFC 3339 timestamp is used when present.  Nothing here allocates.
 */
#ifndef LX_CORE_SCAN_H
#define LX_CORE_SCAN_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LVL_NONE = 0, LVL_TRACE, LVL_DEBUG, LVL_INFO, LVL_WARN, LVL_ERROR, LVL_FATAL,
	LVL__COUNT
};

struct span {
	uint32_t off, len;
};

enum scan_flags {
	SCAN_F_JSON = 1 << 0,        /* the line is a JSON object */
	SCAN_F_TS = 1 << 1,          /* ts_ns came from the line */
	SCAN_F_DURATION = 1 << 2,    /* duration_ms is set */
	SCAN_F_MSG_ESCAPED = 1 << 3, /* message span holds backslash escapes */
	SCAN_F_BAD_JSON = 1 << 4,    /* started like JSON but did not parse */
};

struct scan_result {
	int64_t ts_ns;
	double duration_ms;
	struct span agent, component, corr, message, task, hostname, service;
	uint8_t level;
	uint8_t flags;
};

/** Scans `line[0..len)`; fills `out` (all spans zero when absent). */
void scan_line(const char *line, size_t len, struct scan_result *out);

/**
 * The line's own timestamp in ns, or 0 when it has none: a file source's
 * `line_ts` callback (sources/file.h); `ud` is unused.
 */
int64_t scan_line_ts(void *ud, const char *text, size_t len);

/* Fields a caller of scan_line_want() reads (the timestamp always). */
enum scan_want {
	SCAN_W_LEVEL = 1 << 0, SCAN_W_AGENT = 1 << 1, SCAN_W_COMPONENT = 1 << 2,
	SCAN_W_CORR = 1 << 3, SCAN_W_HOST = 1 << 4, SCAN_W_SERVICE = 1 << 5,
	SCAN_W_ALL = 0xff,
};

/**
 * scan_line() for callers that read only some fields: ts_ns, SCAN_F_TS
 * and the fields in `want` come out exactly as scan_line() gives them;
 * the rest may be missing and the other flags are unreliable.  Stops at
 * the first top-level key after which nothing later in the line could
 * change those fields (level and timestamp: the first one counts; the
 * others: the last one, so only when the key does not appear again).
 */
void scan_line_want(const char *line, size_t len, unsigned want, struct scan_result *out);

/** Parses a level name (case-insensitive; WARNING, ERR, CRIT...). */
enum log_level scan_level_name(const char *s, size_t len);
/** Returns "DEBUG".."FATAL", or "" for LVL_NONE. */
const char *scan_level_str(enum log_level lvl);

/**
 * Parses an RFC 3339 timestamp ("2025-11-30T12:34:56.789Z", "+02:00"
 * offsets, space instead of T) or epoch seconds/ms/us/ns by magnitude.
 * Returns 0 and sets *ns, or -1 when `s` is not a timestamp.
 */
int scan_time(const char *s, size_t len, int64_t *ns);

/**
 * Decodes JSON string escapes of `s[0..len)` into `out` (at most `cap`
 * bytes, NUL-terminated).  Invalid escapes are kept literally; \u0000 and
 * lone surrogates become U+FFFD.  Returns the decoded length.
 */
size_t scan_unescape(const char *s, size_t len, char *out, size_t cap);

#endif

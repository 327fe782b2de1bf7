/**
 * sources/result.h: query results shared by the Loki client, the
 * Prometheus client and the local LogQL evaluator, so views, panels,
 * sparklines and the CLI consume one shape whatever produced it.
 *
 * A `struct result` owns everything inside it (labels, lines, samples);
 * result_free() releases it all.  Label sets are kept sorted by name, so
 * two equal sets compare equal with res_labels_cmp() and print the same.
 *
 *   RES_STREAMS   log lines: streams[] of (labels, entries[] of ts_ns+line)
 *   RES_VECTOR    series[] with exactly one sample each
 *   RES_MATRIX    series[] of (labels, samples[] of ts_ms+value)
 *   RES_SCALAR    `scalar`
 *   RES_STRINGS   strings[] (label names, label values)
 *   RES_LABELSETS series[] with labels only (Loki /series)
 *   RES_INFO      `info` key/value pairs (buildinfo, index stats)
 *
 * Entries of one stream are kept in arrival order, which is the query
 * direction (newest first for backward queries).  result_sorted() gives a
 * time-ordered view across streams.
 */
#ifndef LX_SOURCES_RESULT_H
#define LX_SOURCES_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"

struct res_label {
	char *name;
	char *value;
};

/** A label set, sorted by name; owns its strings. */
struct res_labels {
	size_t n, cap;
	struct res_label *v;
};

struct res_entry {
	int64_t ts_ns;
	char *line;              /* NUL-terminated; may contain other NULs */
	size_t len;
	struct res_labels meta;  /* Loki 3 structured metadata; often empty */
	struct res_labels parsed; /* Loki 3 categorized "parsed" labels */
};

struct res_stream {
	struct res_labels labels;
	size_t n, cap;
	struct res_entry *v;
};

struct res_sample {
	int64_t ts_ms;
	double v;
};

struct res_series {
	struct res_labels labels;
	size_t n, cap;
	struct res_sample *v;
};

enum res_type {
	RES_NONE, RES_STREAMS, RES_VECTOR, RES_MATRIX, RES_SCALAR,
	RES_STRINGS, RES_LABELSETS, RES_INFO,
};

/** Server-side query statistics (Loki "stats.summary"); 0 when absent. */
struct res_stats {
	int64_t lines_processed;
	int64_t bytes_processed;
	int64_t entries_returned;
	double exec_time_s;
};

/**
 * Whether a limit cut the result.  `layer` is a static string naming who
 * cut it ("client limit", "server limit", "series limit"); `limit` the
 * limit that applied; `shown` what the result holds; `at_least` a lower
 * bound of the full size when known (else equal to shown + 1).
 * `total` is the full count when the producer could ask for it (Loki's
 * count_over_time, see loki_query.count_total).
 * Example for the UI: "1,000 shown of 12,400; client limit 1,000".
 */
struct res_limit {
	bool cut;
	const char *layer;
	size_t limit;
	size_t shown;
	size_t at_least;
	size_t total;            /* full size counted by the server, 0 unknown */
	char why[160];           /* extra words, "" usually */
};

struct res_index {                /* Loki /index/stats */
	int64_t streams, chunks, entries, bytes;
};

struct result {
	enum res_type type;
	size_t nstreams, capstreams;
	struct res_stream *streams;
	size_t nseries, capseries;
	struct res_series *series;
	struct res_sample scalar;
	size_t nstrings, capstrings;
	char **strings;
	struct res_labels info;
	struct res_index index;
	struct res_stats stats;
	struct res_limit limit;
	size_t pages;            /* HTTP requests this result took */
	uint64_t bytes;          /* response bytes they carried (decoded) */
	struct sbuf warnings;    /* server warnings, one per line */
	void *priv;              /* internal lookup table; do not touch */
};

/**
 * Writes the words for a cut result into `buf` (size `n`), "" when not
 * cut, e.g. "1,000 shown of 2,500; client limit 1,000" or
 * "1,000 shown of ≥ 1,001; client limit 1,000", plus limit->why.
 */
void res_limit_format(const struct res_limit *l, char *buf, size_t n);

/** A failed request, in plain words; fixed size, no allocation. */
struct res_error {
	int code;                /* LX_E* */
	long http_status;        /* 0 when no HTTP answer */
	char msg[600];           /* what to show; never holds credentials */
};

/* ---- Life cycle ---- */

/** Returns a new empty result of `type`; free it with result_free(). */
struct result *result_new(enum res_type type);
void result_free(struct result *r);

/* ---- Label sets ---- */

/** Sets `name` to `value` (both copied), replacing an existing value. */
void res_labels_set(struct res_labels *l, const char *name, const char *value);
/** Returns the value of `name` (borrowed) or NULL. */
const char *res_labels_get(const struct res_labels *l, const char *name);
/** Compares two sorted sets (like strcmp). */
int res_labels_cmp(const struct res_labels *a, const struct res_labels *b);
void res_labels_copy(struct res_labels *dst, const struct res_labels *src);
void res_labels_release(struct res_labels *l);
/** Appends `{a="x", b="y"}` (values escaped like LogQL strings). */
void res_labels_format(const struct res_labels *l, struct sbuf *out);

/* ---- Building ---- */

/**
 * Returns the stream with exactly these labels, adding an empty one
 * (labels copied) when there is none.  Borrowed until the next call that
 * adds a stream.
 */
struct res_stream *result_stream(struct result *r, const struct res_labels *labels);
/** Appends a copy of `line[0..len)` with secrets masked (core/redact.h); returns the entry (borrowed). */
struct res_entry *res_stream_add(struct res_stream *s, int64_t ts_ns,
				 const char *line, size_t len);
/** Adds a series with a copy of `labels`; borrowed until the next add. */
struct res_series *result_series(struct result *r, const struct res_labels *labels);
void res_series_add(struct res_series *s, int64_t ts_ms, double v);
/** Appends a copy of `s` to strings[]. */
void result_add_string(struct result *r, const char *s);

/* ---- Reading ---- */

/** Total log entries over all streams. */
size_t result_entries(const struct result *r);

/**
 * Whether `r` holds an entry with these stream labels and the timestamp
 * and line of `e` (the key that de-duplicates lines between pages).
 */
bool result_holds(const struct result *r, const struct res_labels *labels, const struct res_entry *e);
/** How many entries of `r` have timestamp `ts_ns`. */
size_t result_entries_at(const struct result *r, int64_t ts_ns);

struct res_ref {
	uint32_t stream;
	uint32_t entry;
};

/**
 * Returns a new array (free() it) of references to every entry, ordered
 * by time (oldest first when `forward`, else newest first; ties by
 * stream labels ascending, as Loki orders them, then stream order).  `*n`
 * receives the count.
 */
struct res_ref *result_sorted(const struct result *r, bool forward, size_t *n);

#endif

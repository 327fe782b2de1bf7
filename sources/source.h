/**
 * sources/source.h: the interface every log source implements.
 *
 * A source produces raw log lines on the app's single libuv loop and hands
 * them to a sink; it never parses, stores or draws them.  The app owns the
 * sink (it pushes lines into the core store).
 *
 * Protocol:
 *   source_start() once; then any number of sink->line / sink->status calls,
 *   always from loop callbacks; then source_stop(), after which the sink is
 *   never called again; then source_free() once the loop has run the close
 *   callbacks (source_free() may be called right after stop: handles are
 *   closed and their memory is released in their close callbacks).
 *   If start returns an error, no sink callback is ever made.
 */
#ifndef LX_SOURCES_SOURCE_H
#define LX_SOURCES_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

enum source_status_level { SRC_INFO, SRC_WARN, SRC_ERROR };

struct source_sink {
	void *ud;
	/**
	 * One complete line without its newline (a trailing CR is removed).
	 * `text[0..len)` is borrowed for the call only.  When the source cut
	 * the line (line cap), `full_len` > `len` tells the original length.
	 * `origin` names the file/stream (borrowed); `ts_ns` is the source's
	 * own timestamp for the line or 0 when it has none (files, stdin).
	 */
	void (*line)(void *ud, const char *text, size_t len, size_t full_len,
		     const char *origin, int64_t ts_ns);
	/** A state change worth showing ("file x rotated"); `msg` borrowed. */
	void (*status)(void *ud, enum source_status_level lvl, const char *msg);
	/**
	 * Optional: the history read at start is complete; lines after this
	 * are live.  Called at most once.  Sources without history never call it.
	 */
	void (*history_done)(void *ud);
};

struct source;

struct source_ops {
	const char *name;                         /* "files", "stdin", "demo" */
	int (*start)(struct source *s);           /* 0 or LX_E* */
	void (*stop)(struct source *s);           /* idempotent */
	void (*free)(struct source *s);           /* frees priv */
};

struct source {
	const struct source_ops *ops;
	uv_loop_t *loop;
	struct source_sink sink;
	char desc[128];       /* what the status bar shows: "demo swarm (seed 1)" */
	void *priv;
};

static inline int source_start(struct source *s) { return s->ops->start(s); }
static inline void source_stop(struct source *s) { s->ops->stop(s); }
void source_free(struct source *s);

#endif

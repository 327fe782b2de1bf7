/**
 * sources/gzread.h: reads the lines of a compressed log file (a rotated
 * x.log.2.gz) by running the system's decompressor (`gzip -dc`, `xz -dc`,
 * `zstd -dc`, `bzip2 -dc`) and reading its output through a pipe, on the
 * app's libuv loop.  Used by the file source for history only: a
 * compressed file does not grow.
 *
 * Lines follow sources/linebuf.h (CRLF, cap, bytes untouched).  With
 * `last_n` > 0 only the last N lines are handed out: the file is then
 * decompressed twice (a counting pass, then the real one), so memory
 * stays small whatever N is.
 *
 * Protocol: gzread_start() returns a reader or NULL (never calls back
 * then); then any number of `line` calls; then exactly one `done` call
 * (err 0, or a negative libuv code when the decompressor could not run
 * or failed), after which the reader frees itself.  gzread_stop() before
 * `done` cancels: no further callback, the child is killed, the reader
 * frees itself once its handles are closed.  Callbacks come from loop
 * callbacks only, never from inside gzread_start().
 */
#ifndef LX_SOURCES_GZREAD_H
#define LX_SOURCES_GZREAD_H

#include <stddef.h>
#include <uv.h>

#include "sources/linebuf.h"

struct gzread;

/** One line; `text` borrowed for the call.  Nonzero return stops reading
 * (as gzread_stop(), without the `done` call). */
typedef int (*gzread_line_fn)(void *ud, const char *text, size_t len, size_t full_len);
/** The end: all lines handed out (err 0) or a failure (err < 0). */
typedef void (*gzread_done_fn)(void *ud, int err);

/**
 * Starts reading `path`, compressed with `format` ("gzip", "xz", "zstd",
 * "bzip2").  `max_line` as in linebuf; `last_n` <= 0 means every line.
 * Returns NULL for an unknown format.  `path` is copied.
 */
struct gzread *gzread_start(uv_loop_t *loop, const char *path, const char *format,
			    size_t max_line, long last_n, gzread_line_fn line,
			    gzread_done_fn done, void *ud);
/** Cancels a reader that has not called `done` yet; idempotent. */
void gzread_stop(struct gzread *g);

#endif

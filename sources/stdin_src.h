/**
 * sources/stdin_src.h: the stdin source: lines from a pipe or a file
 * descriptor (`some-command | iftop-logs -`).
 *
 * The source works on a dup() of `fd`; the caller keeps `fd` (and closes it
 * when it likes).  A pipe or socket is read with a libuv stream, pausing
 * until the next loop turn after each 256 KiB; a regular file (or another
 * non-pollable descriptor, e.g. `< x.log`, /dev/null) is read with
 * read(2) in chunks of 256 KiB, one chunk per loop turn; either way a
 * fast writer or a big file does not freeze the keys.  A terminal is refused (start returns
 * LX_EINVAL): the keyboard is the app's business (it reads /dev/tty).
 *
 * Lines follow sources/linebuf.h: '\n' ends a line, a CR before it is
 * dropped, lines over `max_line` bytes are cut (full_len > len), bytes are
 * otherwise untouched.  `origin` is "stdin"; `ts_ns` is 0.  At end of input
 * the unfinished last line (if any) is handed out, then one SRC_INFO status
 * "stdin closed (N lines)"; a read error gives a SRC_ERROR status instead.
 * Nothing more follows.  The descriptor's O_NONBLOCK flag, which libuv sets
 * on the shared open file description of a pipe, is restored when the
 * source closes its dup.
 *
 * Lifecycle and callback protocol: sources/source.h.  No sink call is made
 * from inside source_start().  Do not call source_free() from inside a sink
 * callback (source_stop() there is fine).
 */
#ifndef LX_SOURCES_STDIN_SRC_H
#define LX_SOURCES_STDIN_SRC_H

#include <stddef.h>
#include <uv.h>

#include "sources/source.h"

/**
 * Returns a new stdin source over `fd` (free with source_free()); the sink
 * is copied.  The line cap is 1 MiB (see stdin_source_set_max_line()).
 * Returns NULL when `fd` cannot be duplicated or `sink->line` is NULL.
 */
struct source *stdin_source_new(uv_loop_t *loop, int fd,
				const struct source_sink *sink);
/** Sets the line cap in bytes (0 = 1 MiB); only before source_start(). */
void stdin_source_set_max_line(struct source *s, size_t max_line);

#endif

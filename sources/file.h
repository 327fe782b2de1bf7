/**
 * sources/file.h: the file source: reads log files named by paths or glob
 * patterns, first their history, then follows them (like `tail -F` over a
 * glob).
 *
 * What it handles (each reported through sink->status where it matters):
 *   - history: the last `history_lines` complete lines of every file that
 *     matches at start (0 = none, -1 = the whole file), and/or the lines
 *     since `since_ns`; "history: N lines from M files" when it is read;
 *   - follow: appends are read as they come; a partial last line waits for
 *     its newline (it is handed out when completed, or when the file is
 *     closed for good);
 *   - rotation by rename (x.log -> x.log.1, new x.log): the old file is read
 *     to its end before the new one starts ("x.log rotated"); the old file
 *     stays open for a grace period (2 * poll_ms, at least 1 s) in case the
 *     writer still appends to it.  If the new name also matches a pattern,
 *     the old file is simply followed under its new name (no re-reading);
 *   - copytruncate (size below the read offset): "x.log truncated; reading
 *     from start", reading restarts at 0;
 *   - files that appear later and match: read from their first byte;
 *   - deleted files (link count 0): read to their end, then closed
 *     ("x.log deleted");
 *   - lines: '\n' ends a line, a CR before it is dropped, lines past
 *     `max_line` bytes are cut (sink gets full_len > len), bytes are never
 *     altered (invalid UTF-8 passes through): see sources/linebuf.h.
 *   - every file is opened once even when several patterns or names match
 *     it (identity is device + inode);
 *   - compressed files (gzip, xz, zstd, bzip2 by their magic bytes, e.g.
 *     rotated x.log.2.gz matched by x.log*) found at start are history:
 *     read one at a time, oldest (mtime) first, through the system's
 *     `gzip -dc` (xz, zstd, bzip2) in a child process (sources/gzread.h),
 *     with history_lines (last N: decompressed twice) and since_ns (a
 *     filter on line_ts); the plain files' history (and the merge) waits
 *     for them.  Compressed files that appear later are not read (they
 *     hold lines already read under their old name).
 *
 * How it watches: one uv_fs_event per directory named by a pattern whose
 * directory part has no wildcard (changes, creations, renames), plus one
 * uv_timer every `poll_ms` that stats every open file and re-runs the globs
 * (the fallback where fs events do not work, e.g. network file systems, and
 * the only mechanism with `no_fs_events`).  No busy loop: while data is
 * waiting a uv_idle handle reads at most `read_chunk` bytes per loop turn
 * (spread round-robin over the files that have data), so keys stay
 * responsive during a large history; when nothing is waiting only the
 * watchers and the timer are active.
 *
 * Limits of watching by name: with polling only (no fs events), a file
 * that held a watched name only between two polls (rotated twice within
 * poll_ms) is never seen unless its new name matches too; a copytruncate
 * followed by writes past the old read offset before the next check is
 * not noticed as a truncation (as with `tail -F`).
 *
 * Reads are plain pread(2) calls on the loop thread, at most `read_chunk`
 * bytes each: fine on local disks and the page cache; a hung network file
 * system would stall the loop (as it would stall `tail`).
 *
 * Ordering: lines of one file come in file order.  History of several
 * files is interleaved by chunk, or merged by time with `merge_history`
 * (needs `line_ts`); followed lines come as they are read.
 *
 * Status messages (sink->status; names are base names unless noted):
 *   SRC_INFO  "following N files"      after the first scan and when the
 *                                      count changed at a poll tick
 *   SRC_INFO  "history: N lines from M files"   once, history all read
 *   SRC_INFO  "x.log rotated" / "x.log truncated; reading from start" /
 *             "x.log deleted" / "new file x.log"
 *   SRC_INFO  "DIR: no fs events (REASON); polling every N ms"   once
 *   SRC_INFO  "x.log.2.gz: gzip-compressed; read at start only"   once,
 *             for one that appears later ("...; skipped" if it was
 *             first seen empty)
 *   SRC_WARN  "x.log.2.gz: gzip -dc failed (REASON); skipped"
 *   SRC_WARN  "no file matches PATTERN yet; waiting"   first scan only
 *   SRC_WARN  "PATH: REASON" (cannot open; once per file),
 *             "PATH: not a regular file; skipped" (once per file),
 *             "x.log: read: REASON" (once until a read succeeds again)
 *
 * Ownership: file_source_new() copies everything it needs from `opts` and
 * `sink` (the sink's `ud` is kept as is).  The `origin` passed to
 * sink->line is the file's path as the glob produced it (borrowed for the
 * call).  Lifecycle and callback protocol: sources/source.h.  No sink call
 * is ever made from inside source_start(); the first ones come from the
 * next loop turn.  Do not call source_free() from inside a sink callback
 * (source_stop() there is fine: no further sink call follows).
 */
#ifndef LX_SOURCES_FILE_H
#define LX_SOURCES_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sources/source.h"

struct file_source_opts {
	/** Paths or glob(3) patterns; the strings are copied. */
	const char *const *paths;
	size_t npaths;
	/** Last N lines of each file at start; 0 = none; -1 = whole file. */
	long history_lines;
	/** Line cap in bytes (longer lines are cut); 0 = 1 MiB. */
	size_t max_line;
	/** Period of the stat poll and glob rescan in ms; 0 = 1000. */
	unsigned poll_ms;
	/** Most bytes read per loop turn, over all files; 0 = 256 KiB. */
	size_t read_chunk;
	/** Do not use fs events: stat polling only. */
	bool no_fs_events;
	/**
	 * History from this time on (ns since the epoch); 0 = off.  When set,
	 * a file last modified before it gives no history; otherwise its
	 * history starts at the first line whose `line_ts` is >= since_ns
	 * (found by binary search: the file is taken to be in time order),
	 * or at its start without `line_ts`.  With since_ns, history_lines
	 * 0 or -1 means "no line limit" and N > 0 further keeps only the
	 * last N of those lines.
	 */
	int64_t since_ns;
	/**
	 * Returns a line's own timestamp in ns, or 0 when it has none (the
	 * app's scanner).  `text[0..len)` is borrowed for the call; it may be
	 * only the first KiBs of a long line.  Called from loop
	 * callbacks for history only (to find since_ns, and for every history
	 * line with merge_history), never for followed lines.
	 */
	int64_t (*line_ts)(void *ud, const char *text, size_t len);
	void *line_ts_ud;
	/**
	 * With `line_ts`: hand out the history of all the files found at
	 * start merged in time order (ties: the order files were found;
	 * a line without a time goes with the line before it), instead of
	 * file by file.  Lines appended during the merge follow it.
	 */
	bool merge_history;
};

/**
 * Returns a new file source (free with source_free()), or NULL when
 * `opts` names no path.  Nothing is opened before source_start(); start
 * returns 0 even when nothing matches yet (files are waited for and a
 * SRC_WARN status says so).
 */
struct source *file_source_new(uv_loop_t *loop,
			       const struct file_source_opts *opts,
			       const struct source_sink *sink);

#endif

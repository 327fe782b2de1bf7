/*
 * sources/file.c: the file source (history + follow over paths and globs).
 *
 * Owns: the open files (struct tfile), their line buffers, the directory
 * watchers, the poll timer and the read pump.  Must not: parse lines,
 * touch the store or the screen, block the loop for more than one chunk.
 *
 * Shape: every event (fs event, timer tick, start) only sets flags and
 * starts the pump (a uv_idle); the pump does the work, one bounded slice
 * per loop turn, and stops itself when no file has data waiting.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* memrchr */
#endif
#include "sources/file.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/linebuf.h"

#define FILE_DEFAULT_POLL_MS 1000u
#define FILE_DEFAULT_CHUNK ((size_t)256 << 10)
#define FILE_MIN_GRACE_MS 1000u
#define MERGE_READ ((size_t)16 << 10)

/* One open file. */
struct tfile {
	struct tfile *next;
	struct file_src *fs;
	char *path;             /* origin: the name it matched under */
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t off;           /* next byte to read */
	uint64_t scan_pos;      /* history: bytes before this are unscanned */
	uint64_t min_off;       /* history: never start before this (since) */
	long scan_left;         /* history: newlines still to find */
	bool scanning;          /* looking backwards for the history start */
	bool eof;               /* nothing left to read until a change */
	bool need_fstat;        /* an event said it changed */
	bool retired;           /* its path names another file (or none) now */
	bool deleted;           /* link count reached 0 */
	bool in_history;        /* opened at the first scan, history not read */
	bool skipped;           /* turned out compressed: closed at once */
	uint64_t retired_at;    /* uv_now() when retired */
	struct tfile *wait_for; /* rotated predecessor, read to its end first */
	struct linebuf lb;
	/* merged history (opts.merge_history) */
	bool merging;           /* its history goes through the merge */
	bool hist_done;         /* merge: read up to hist_end */
	uint64_t hist_end;      /* merge: size at open; later bytes are follow */
	uint64_t order;         /* merge: tie-break, the order files were opened */
	int64_t last_ts;        /* merge: time given to lines without one */
	struct sbuf mq;         /* merge: queued lines (struct mrec + text) */
	size_t mq_pos;          /* merge: next record in mq */
};

/* A queued line in tfile.mq, followed by `len` bytes of text, padded. */
struct mrec {
	int64_t ts;
	size_t len, full;
};

struct dirwatch {
	char *dir;
	uv_fs_event_t *ev;      /* NULL when not watching (yet) */
	int err;                /* why uv_fs_event_start failed, 0 if it did not */
	dev_t dev;              /* the directory watched (it may be replaced) */
	ino_t ino;
	bool warned;            /* said so */
};

/* A file that could not be opened: warned about once. */
struct failed {
	dev_t dev;
	ino_t ino;
};

struct file_src {
	struct source *src;
	char **pats;
	size_t npats;
	long history;
	size_t max_line;
	unsigned poll_ms;
	size_t chunk;
	bool no_events;
	int64_t since_ns;
	int64_t (*line_ts)(void *ud, const char *text, size_t len);
	void *line_ts_ud;
	char *rbuf;             /* the read buffer, `chunk` bytes */
	struct tfile *files;
	size_t nactive_said;    /* count in the last "following N files" */
	uint64_t history_lines; /* lines handed out from history so far */
	bool history_said;      /* "history: ..." was said */
	size_t history_files;   /* files whose history is read */
	struct failed *failed;
	size_t nfailed, failed_cap;
	struct dirwatch *dirs;
	size_t ndirs;
	uv_idle_t *pump;
	uv_timer_t *tick;
	size_t rr;              /* round-robin start for the next pump turn */
	bool started, stopped;
	bool need_rescan;
	bool count_due;         /* report_count() may speak */
	bool initial;           /* the next rescan is the first one */
	bool merge;             /* opts.merge_history (and line_ts) */
	enum { MERGE_WAIT, MERGE_RUN, MERGE_DONE } mstate;
	struct tfile **heap;    /* merge: files with a queued line, min ts first */
	size_t nheap, heap_cap;
	uint64_t nopened;
};

static void pump_start(struct file_src *fs);

/* ---- small helpers --------------------------------------------------- */

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static void LX_PRINTF(3, 4)
say(struct file_src *fs, enum source_status_level lvl, const char *fmt, ...)
{
	if (fs->stopped || !fs->src->sink.status)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fs->src->sink.status(fs->src->sink.ud, lvl, msg);
}

static size_t
count_active(const struct file_src *fs)
{
	size_t n = 0;
	for (const struct tfile *tf = fs->files; tf; tf = tf->next)
		n += !tf->retired;
	return n;
}

static void
update_desc(struct file_src *fs, size_t n)
{
	struct source *s = fs->src;
	int w = snprintf(s->desc, sizeof(s->desc), "files:");
	for (size_t i = 0; i < fs->npats && w >= 0 && (size_t)w < sizeof(s->desc); i++)
		w += snprintf(s->desc + w, sizeof(s->desc) - (size_t)w, " %s", fs->pats[i]);
	if (w >= 0 && (size_t)w < sizeof(s->desc))
		snprintf(s->desc + w, sizeof(s->desc) - (size_t)w, " (%zu file%s)",
			 n, n == 1 ? "" : "s");
}

/* Says "following N files" when the number of followed files changed;
 * only after the first scan and after poll ticks, so that a rotation
 * (rename, then create) does not flash "following 0 files". */
static void
report_count(struct file_src *fs)
{
	if (!fs->count_due)
		return;
	fs->count_due = false;
	size_t n = count_active(fs);
	if (n == fs->nactive_said)
		return;
	fs->nactive_said = n;
	update_desc(fs, n);
	say(fs, SRC_INFO, "following %zu file%s", n, n == 1 ? "" : "s");
}

/* Says, once each: why a directory is polled instead of watched, and that
 * the history of the files found at start has been read. */
static void
report_misc(struct file_src *fs)
{
	for (size_t i = 0; i < fs->ndirs && !fs->stopped; i++) {
		struct dirwatch *d = &fs->dirs[i];
		if (d->err && d->err != UV_ENOENT && !d->warned) {
			d->warned = true;
			say(fs, SRC_INFO, "%s: no fs events (%s); polling every %u ms",
			    d->dir, uv_strerror(d->err), fs->poll_ms);
		}
	}
	if (fs->history_said || fs->initial)
		return;
	for (const struct tfile *tf = fs->files; tf; tf = tf->next)
		if (tf->in_history)
			return;
	fs->history_said = true;
	say(fs, SRC_INFO, "history: %llu line%s from %zu file%s",
	    (unsigned long long)fs->history_lines, fs->history_lines == 1 ? "" : "s",
	    fs->history_files, fs->history_files == 1 ? "" : "s");
	if (!fs->stopped && fs->src->sink.history_done)
		fs->src->sink.history_done(fs->src->sink.ud);
}

/* ---- reading --------------------------------------------------------- */

static int
on_line(void *ud, const char *text, size_t len, size_t full_len)
{
	struct tfile *tf = ud;
	struct file_src *fs = tf->fs;
	if (fs->stopped)
		return 1;
	fs->history_lines += tf->in_history;
	fs->src->sink.line(fs->src->sink.ud, text, len, full_len, tf->path, 0);
	return fs->stopped;
}

/* One slice of the backwards scan for the start of the last N lines.
 * Reads up to `max` bytes before scan_pos and counts newlines from the
 * end.  Example: history 2 over "a\nb\nc\n" finds the 3rd newline from the
 * end is missing, so reading starts at 0... for "a\nb\nc\nd\n" it finds
 * the '\n' after "b" and starts at "c".  Returns bytes consumed. */
static size_t
scan_slice(struct tfile *tf, size_t max)
{
	struct file_src *fs = tf->fs;
	if (tf->scan_pos <= tf->min_off) {      /* since_ns is the limit */
		tf->scanning = false;
		tf->off = tf->min_off;
		return 0;
	}
	size_t blk = tf->scan_pos - tf->min_off < max ? (size_t)(tf->scan_pos - tf->min_off) : max;
	uint64_t at = tf->scan_pos - blk;
	ssize_t n = blk ? pread(tf->fd, fs->rbuf, blk, (off_t)at) : 0;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n != (ssize_t)blk) {        /* error or shrank under us: all */
		tf->scanning = false;
		tf->off = tf->min_off;
		return blk;
	}
	const char *p = fs->rbuf;
	size_t end = blk;
	while (end > 0) {
		const char *nl = memrchr(p, '\n', end);
		if (!nl)
			break;
		if (--tf->scan_left == 0) {
			tf->scanning = false;
			tf->off = at + (uint64_t)(nl - p) + 1;
			return blk;
		}
		end = (size_t)(nl - p);
	}
	tf->scan_pos = at;
	if (at <= tf->min_off) {
		tf->scanning = false;
		tf->off = tf->min_off;
	}
	return blk;
}

/* The name of the compression format `b[0..n)` starts with, or NULL. */
static const char *
compressed_magic(const char *b, size_t n)
{
	static const struct { const char *name; unsigned char magic[6]; size_t n; } fmt[] = {
		{ "gzip", { 0x1f, 0x8b }, 2 },
		{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6 },
		{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 },
		{ "bzip2", { 'B', 'Z', 'h' }, 3 },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(fmt); i++)
		if (n >= fmt[i].n && memcmp(b, fmt[i].magic, fmt[i].n) == 0)
			return fmt[i].name;
	return NULL;
}

static bool note_failed(struct file_src *fs, dev_t dev, ino_t ino);

/* One read of up to `max` bytes, split into lines.  A short read means
 * "at the end for now": the next fs event or poll tick wakes it up.
 * Returns bytes consumed. */
static size_t
read_slice(struct tfile *tf, size_t max)
{
	struct file_src *fs = tf->fs;
	ssize_t n = pread(tf->fd, fs->rbuf, max, (off_t)tf->off);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		say(fs, SRC_WARN, "%s: read: %s", base_name(tf->path), strerror(errno));
		tf->eof = true;
		return 0;
	}
	const char *z = tf->off == 0 && n > 0 ? compressed_magic(fs->rbuf, (size_t)n) : NULL;
	if (z) {        /* empty at open, then compressed data (logrotate) */
		if (note_failed(fs, tf->dev, tf->ino))
			say(fs, SRC_INFO, "%s: %s-compressed; skipped", base_name(tf->path), z);
		tf->skipped = tf->retired = tf->eof = true;
		return 0;
	}
	tf->off += (uint64_t)n;
	if ((size_t)n < max)
		tf->eof = true;
	if (n > 0)
		linebuf_feed(&tf->lb, fs->rbuf, (size_t)n, on_line, tf);
	if (tf->eof && tf->in_history) {
		tf->in_history = false;
		fs->history_files++;
	}
	return (size_t)n;
}

static bool
has_work(const struct tfile *tf)
{
	if (tf->skipped)
		return false;
	return tf->merging || tf->scanning || !tf->eof;
}

static void check_fd(struct file_src *fs, struct tfile *tf);

/* A file may read when it has data and its rotated predecessor is done.
 * Before letting go of the predecessor, look at its size once more: a
 * writer that appended to the old file before creating the new one has
 * its lines read first, so order across the rotation is kept. */
static bool
may_read(struct tfile *tf)
{
	if (tf->wait_for && !has_work(tf->wait_for)) {
		check_fd(tf->fs, tf->wait_for);
		if (!has_work(tf->wait_for))
			tf->wait_for = NULL;
	}
	if (tf->merging && !tf->scanning)
		return false;           /* the merge reads it */
	return has_work(tf) && !tf->wait_for;
}

/* ---- opening, checking, closing --------------------------------------- */

static void
tfile_free(struct tfile *tf)
{
	if (tf->fd >= 0)
		close(tf->fd);
	linebuf_release(&tf->lb);
	sbuf_release(&tf->mq);
	free(tf->path);
	free(tf);
}

/* Closes `tf` for good: hands out its unfinished line, unlinks it from the
 * list, and forgets it as anyone's predecessor. */
static void
tfile_close(struct file_src *fs, struct tfile *tf)
{
	linebuf_flush(&tf->lb, on_line, tf);
	struct tfile **pp = &fs->files;
	while (*pp && *pp != tf)
		pp = &(*pp)->next;
	if (*pp)
		*pp = tf->next;
	for (struct tfile *o = fs->files; o; o = o->next)
		if (o->wait_for == tf)
			o->wait_for = NULL;
	tfile_free(tf);
}

static void
retire(struct file_src *fs, struct tfile *tf)
{
	tf->retired = true;
	tf->retired_at = uv_now(fs->src->loop);
	tf->eof = false;                /* read whatever is left */
}

/* Looks at the open file itself: deleted? truncated? grown? */
static void
check_fd(struct file_src *fs, struct tfile *tf)
{
	struct stat st;
	if (fstat(tf->fd, &st) < 0)
		return;
	if (st.st_nlink == 0 && !tf->deleted) {
		tf->deleted = true;
		tf->eof = false;
		say(fs, SRC_INFO, "%s deleted", base_name(tf->path));
	}
	if (tf->merging)
		return;                 /* looked at again once its history is out */
	uint64_t size = (uint64_t)st.st_size;
	if (tf->scanning) {
		if (size < tf->scan_pos) {      /* truncated while scanning */
			tf->scanning = false;
			tf->off = tf->min_off = 0;
			tf->eof = false;
		}
		return;
	}
	if (size < tf->off) {
		say(fs, SRC_INFO, "%s truncated; reading from start", base_name(tf->path));
		linebuf_flush(&tf->lb, on_line, tf);
		tf->off = 0;
		tf->eof = false;
	} else if (size > tf->off) {
		tf->eof = false;
	}
}

/* Looks at the path: does it still name this file? */
static void
check_path(struct file_src *fs, struct tfile *tf)
{
	struct stat st;
	if (tf->retired)
		return;
	if (stat(tf->path, &st) == 0 && st.st_dev == tf->dev && st.st_ino == tf->ino)
		return;
	retire(fs, tf);
	if (!tf->deleted)
		say(fs, SRC_INFO, "%s rotated", base_name(tf->path));
}

static struct tfile *
find_inode(struct file_src *fs, dev_t dev, ino_t ino)
{
	for (struct tfile *tf = fs->files; tf; tf = tf->next)
		if (tf->dev == dev && tf->ino == ino)
			return tf;
	return NULL;
}

/* The timestamp of the first line starting in `buf[0..n)` at or after
 * `*pos` that has one; advances `*pos` to that line's start.  Returns 0
 * when no complete line with a timestamp starts there. */
static int64_t
ts_at(struct file_src *fs, const char *buf, size_t n, size_t *pos)
{
	size_t i = *pos;
	while (i < n) {
		const char *nl = memchr(buf + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (buf + i)) : n - i;
		if (!nl && i > 0)
			return 0;               /* cut line: not trusted */
		int64_t ts = fs->line_ts(fs->line_ts_ud, buf + i, len);
		if (ts) {
			*pos = i;
			return ts;
		}
		if (!nl)
			return 0;
		i += len + 1;
	}
	return 0;
}

#define SINCE_BLK ((size_t)64 << 10)
#define SINCE_WALK_MAX ((uint64_t)4 << 20)

/* Where the lines at or after `since_ns` begin in a file in time order:
 * binary search on line timestamps, one 64 KiB pread per step, then a
 * walk through the last block.  Example: lines at t=1..100 and since t=50
 * give the offset of the line at t=50.  A read error gives the lower
 * bound found so far (more history rather than less). */
static uint64_t
since_offset(struct file_src *fs, int fd, uint64_t size)
{
	char *buf = fs->rbuf;
	size_t cap = fs->chunk < SINCE_BLK ? fs->chunk : SINCE_BLK;
	uint64_t lo = 0, hi = size;     /* the answer is a line start in [lo, hi] */
	while (hi - lo > cap) {
		uint64_t mid = lo + (hi - lo) / 2;
		ssize_t n = pread(fd, buf, cap, (off_t)mid);
		if (n <= 0)
			return lo;
		const char *nl = memchr(buf, '\n', (size_t)n);
		if (!nl) {              /* one huge line: give up narrowing */
			break;
		}
		size_t pos = (size_t)(nl - buf) + 1;
		int64_t ts = ts_at(fs, buf, (size_t)n, &pos);
		if (ts && ts < fs->since_ns)
			lo = mid + pos;         /* that line is too old */
		else
			hi = mid;
	}
	/* walk line by line from lo: the first line start >= lo with ts >= since;
	 * bounded, for files with long stretches of lines without time */
	uint64_t at = lo, stop = hi + SINCE_WALK_MAX;
	while (at < size && at < stop) {
		ssize_t n = pread(fd, buf, cap, (off_t)at);
		if (n <= 0)
			return at;
		size_t i = 0;
		if (at > 0) {           /* `at` may sit inside a line */
			char prev;
			if (pread(fd, &prev, 1, (off_t)at - 1) == 1 && prev != '\n') {
				const char *nl = memchr(buf, '\n', (size_t)n);
				if (!nl) {
					at += (uint64_t)n;
					continue;
				}
				i = (size_t)(nl - buf) + 1;
			}
		}
		while (i < (size_t)n) {
			const char *nl = memchr(buf + i, '\n', (size_t)n - i);
			if (!nl && i > 0)
				break;          /* re-read from this line's start */
			size_t len = nl ? (size_t)(nl - (buf + i)) : (size_t)n - i;
			int64_t ts = fs->line_ts(fs->line_ts_ud, buf + i, len);
			if (ts >= fs->since_ns)
				return at + i;
			if (!nl) {
				i = (size_t)n;  /* a line longer than the block */
				break;
			}
			i += len + 1;
		}
		at += i;
	}
	return at < size ? at : size;
}

/* The name of the compression format `fd` starts with, or NULL. */
static const char *
compressed(int fd)
{
	char b[6];
	ssize_t n = pread(fd, b, sizeof(b), 0);
	return n > 0 ? compressed_magic(b, (size_t)n) : NULL;
}

/* Remembers that a file could not be opened; true if it was new. */
static bool
note_failed(struct file_src *fs, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < fs->nfailed; i++)
		if (fs->failed[i].dev == dev && fs->failed[i].ino == ino)
			return false;
	xgrow(&fs->failed, &fs->failed_cap, fs->nfailed + 1, sizeof(*fs->failed));
	fs->failed[fs->nfailed].dev = dev;
	fs->failed[fs->nfailed].ino = ino;
	fs->nfailed++;
	return true;
}

/* Opens `path` (already stat'ed as a regular file) and appends it to the
 * list.  At the first scan, reading starts `history` lines from the end;
 * later it starts at 0 (the whole file is new).  Returns NULL when it
 * cannot be opened (said as a warning). */
static struct tfile *
tfile_open(struct file_src *fs, const char *path, const struct stat *pst,
	   bool initial)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0) {
		int e = errno;
		if (note_failed(fs, pst->st_dev, pst->st_ino))
			say(fs, SRC_WARN, "%s: %s", path, strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	const char *z = compressed(fd);
	if (z) {                        /* rotated and compressed: not text */
		if (note_failed(fs, st.st_dev, st.st_ino))
			say(fs, SRC_INFO, "%s: %s-compressed; skipped", base_name(path), z);
		close(fd);
		return NULL;
	}
#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	struct tfile *tf = xcalloc(1, sizeof(*tf));
	tf->fs = fs;
	tf->path = xstrdup(path);
	tf->fd = fd;
	tf->dev = st.st_dev;
	tf->ino = st.st_ino;
	linebuf_init(&tf->lb, fs->max_line);
	sbuf_init(&tf->mq);
	uint64_t size = (uint64_t)st.st_size;
	tf->in_history = initial;
	tf->order = fs->nopened++;
	tf->hist_end = size;
	tf->merging = initial && fs->merge;
	if (initial && fs->since_ns) {
		int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		if (mtime < fs->since_ns)
			tf->min_off = size;
		else if (fs->line_ts)
			tf->min_off = since_offset(fs, fd, size);
		tf->off = tf->min_off;
		if (fs->history > 0 && tf->min_off < size) {
			tf->scanning = true;
			tf->scan_pos = size;
			tf->scan_left = fs->history + 1;
		}
	} else if (!initial || fs->history < 0) {
		tf->off = 0;
	} else if (fs->history == 0) {
		tf->off = size;
	} else {
		tf->scanning = true;
		tf->scan_pos = size;
		tf->scan_left = fs->history + 1;
	}
	/* a rotated predecessor under the same name is read to its end first */
	for (struct tfile *o = fs->files; o; o = o->next)
		if (o->retired && strcmp(o->path, path) == 0)
			tf->wait_for = o;
	struct tfile **pp = &fs->files;
	while (*pp)
		pp = &(*pp)->next;
	*pp = tf;
	return tf;
}

/* Runs one glob match through identity checks; opens it if it is new. */
static void
consider(struct file_src *fs, const char *path, bool initial)
{
	struct stat st;
	if (stat(path, &st) < 0 || S_ISDIR(st.st_mode))
		return;
	if (!S_ISREG(st.st_mode)) {     /* FIFO, device, socket */
		if (note_failed(fs, st.st_dev, st.st_ino))
			say(fs, SRC_WARN, "%s: not a regular file; skipped", path);
		return;
	}
	struct tfile *tf = find_inode(fs, st.st_dev, st.st_ino);
	if (tf) {
		if (tf->retired && !tf->deleted) {
			/* a rotated file that still matches: follow it by its new name */
			free(tf->path);
			tf->path = xstrdup(path);
			tf->retired = false;
		}
		return;
	}
	for (tf = fs->files; tf; tf = tf->next) {
		if (!tf->retired && strcmp(tf->path, path) == 0) {
			retire(fs, tf);         /* replaced before we noticed */
			say(fs, SRC_INFO, "%s rotated", base_name(tf->path));
		}
	}
	bool replaces = false;
	for (tf = fs->files; tf; tf = tf->next)
		replaces |= tf->retired && strcmp(tf->path, path) == 0;
	tf = tfile_open(fs, path, &st, initial);
	if (tf && !initial && !replaces)
		say(fs, SRC_INFO, "new file %s", base_name(path));
}

static void
rescan(struct file_src *fs)
{
	bool initial = fs->initial;
	fs->initial = false;
	for (size_t i = 0; i < fs->npats; i++) {
		glob_t g;
		memset(&g, 0, sizeof(g));
		int rc = glob(fs->pats[i], 0, NULL, &g);
		if (rc == 0) {
			for (size_t j = 0; j < g.gl_pathc && !fs->stopped; j++)
				consider(fs, g.gl_pathv[j], initial);
		} else if (initial) {
			say(fs, SRC_WARN, "no file matches %s yet; waiting", fs->pats[i]);
		}
		globfree(&g);
	}
}

/* Closes what is finished: deleted files read to the end, and rotated
 * files read to the end whose grace period is over. */
static void
reap(struct file_src *fs)
{
	uint64_t now = uv_now(fs->src->loop);
	uint64_t grace = 2 * (uint64_t)fs->poll_ms;
	if (grace < FILE_MIN_GRACE_MS)
		grace = FILE_MIN_GRACE_MS;
	struct tfile *tf = fs->files, *next;
	for (; tf && !fs->stopped; tf = next) {
		next = tf->next;
		if (has_work(tf) || !(tf->deleted || tf->retired))
			continue;
		if (tf->skipped || tf->deleted || now - tf->retired_at >= grace)
			tfile_close(fs, tf);
	}
}

/* ---- merged history ----------------------------------------------------- */

/* With merge_history, the history of the files found at start is handed
 * out in time order: each file queues the lines of one 16 KiB read (with
 * their line_ts), and a binary heap keyed by (time, file order) picks the
 * next line.  Lines without a time take the time of the line before them
 * in their file, so they stay with their neighbours.  When a file's
 * history is out (queue empty, read up to its size at open) it leaves the
 * merge and is followed as usual from there; its unfinished last line, if
 * any, is still in its linebuf. */

static int
merge_line(void *ud, const char *text, size_t len, size_t full_len)
{
	struct tfile *tf = ud;
	struct file_src *fs = tf->fs;
	int64_t ts = fs->line_ts(fs->line_ts_ud, text, len);
	if (ts == 0)
		ts = tf->last_ts;
	tf->last_ts = ts;
	struct mrec r = { ts, len, full_len };
	size_t pad = (8 - (len & 7)) & 7;
	sbuf_add(&tf->mq, &r, sizeof(r));
	sbuf_add(&tf->mq, text, len);
	sbuf_add(&tf->mq, "\0\0\0\0\0\0\0", pad);
	return 0;
}

static bool
mq_head(const struct tfile *tf, struct mrec *r)
{
	if (tf->mq_pos >= tf->mq.len)
		return false;
	memcpy(r, tf->mq.buf + tf->mq_pos, sizeof(*r));
	return true;
}

/* Queues the next lines of `tf`'s history; returns bytes read. */
static size_t
merge_refill(struct file_src *fs, struct tfile *tf)
{
	size_t got = 0, max = fs->chunk < MERGE_READ ? fs->chunk : MERGE_READ;
	sbuf_reset(&tf->mq);
	tf->mq_pos = 0;
	while (tf->mq.len == 0 && !tf->hist_done) {
		uint64_t left = tf->hist_end > tf->off ? tf->hist_end - tf->off : 0;
		size_t want = left < max ? (size_t)left : max;
		ssize_t n = want ? pread(tf->fd, fs->rbuf, want, (off_t)tf->off) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {           /* end, error, or shrank: history over */
			tf->hist_done = true;
			break;
		}
		tf->off += (uint64_t)n;
		got += (size_t)n;
		linebuf_feed(&tf->lb, fs->rbuf, (size_t)n, merge_line, tf);
		if (tf->off >= tf->hist_end)
			tf->hist_done = true;
	}
	return got;
}

static bool
heap_less(const struct tfile *a, const struct tfile *b)
{
	struct mrec x, y;
	mq_head(a, &x);
	mq_head(b, &y);
	return x.ts != y.ts ? x.ts < y.ts : a->order < b->order;
}

static void
heap_down(struct file_src *fs, size_t i)
{
	struct tfile **h = fs->heap;
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < fs->nheap && heap_less(h[l], h[m]))
			m = l;
		if (l + 1 < fs->nheap && heap_less(h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct tfile *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void
merge_leave(struct file_src *fs, struct tfile *tf)
{
	tf->merging = false;
	tf->in_history = false;
	tf->eof = false;                /* look for what came meanwhile */
	fs->history_files++;
	sbuf_release(&tf->mq);
	tf->mq_pos = 0;
}

/* Starts the merge once no file of the first scan is still looking for
 * its history start; returns bytes read. */
static size_t
merge_start(struct file_src *fs)
{
	size_t got = 0;
	for (struct tfile *tf = fs->files; tf; tf = tf->next)
		if (tf->merging && tf->scanning)
			return 0;
	for (struct tfile *tf = fs->files; tf; tf = tf->next) {
		if (!tf->merging)
			continue;
		got += merge_refill(fs, tf);
		if (tf->mq.len == 0) {
			merge_leave(fs, tf);
			continue;
		}
		xgrow(&fs->heap, &fs->heap_cap, fs->nheap + 1, sizeof(*fs->heap));
		fs->heap[fs->nheap++] = tf;
	}
	for (size_t i = fs->nheap; i-- > 0;)
		heap_down(fs, i);
	fs->mstate = MERGE_RUN;
	return got;
}

/* Hands out merged lines until `budget` bytes (read or handed out) are
 * used.  Returns what is left of the budget. */
static size_t
merge_step(struct file_src *fs, size_t budget)
{
	if (fs->mstate == MERGE_WAIT) {
		size_t got = merge_start(fs);
		budget -= got < budget ? got : budget;
		if (fs->mstate == MERGE_WAIT)
			return budget;
	}
	while (fs->nheap > 0 && budget > 0 && !fs->stopped) {
		struct tfile *tf = fs->heap[0];
		struct mrec r;
		mq_head(tf, &r);
		const char *text = tf->mq.buf + tf->mq_pos + sizeof(r);
		tf->mq_pos += sizeof(r) + r.len + ((8 - (r.len & 7)) & 7);
		on_line(tf, text, r.len, r.full);
		if (fs->stopped)
			break;
		size_t used = r.len + 1;
		if (tf->mq_pos >= tf->mq.len)
			used += merge_refill(fs, tf);
		budget -= used < budget ? used : budget;
		if (tf->mq_pos >= tf->mq.len) {
			merge_leave(fs, tf);
			fs->heap[0] = fs->heap[--fs->nheap];
		}
		heap_down(fs, 0);
	}
	if (fs->nheap == 0 && !fs->stopped) {
		fs->mstate = MERGE_DONE;
		free(fs->heap);
		fs->heap = NULL;
		fs->heap_cap = 0;
	}
	return budget;
}

/* ---- the pump ---------------------------------------------------------- */

/* One loop turn of work: pending checks, then up to `chunk` bytes of
 * reading spread over the files with data, round-robin. */
static void
pump_cb(uv_idle_t *h)
{
	struct file_src *fs = h->data;
	if (fs->need_rescan) {
		fs->need_rescan = false;
		for (struct tfile *tf = fs->files; tf && !fs->stopped; tf = tf->next) {
			check_fd(fs, tf);
			check_path(fs, tf);
			tf->need_fstat = false;
		}
		if (!fs->stopped)
			rescan(fs);
	}
	for (struct tfile *tf = fs->files; tf && !fs->stopped; tf = tf->next) {
		if (tf->need_fstat) {
			tf->need_fstat = false;
			check_fd(fs, tf);
		}
	}
	size_t n = 0;
	for (struct tfile *tf = fs->files; tf; tf = tf->next)
		n++;
	size_t budget = fs->chunk;
	if (fs->merge && fs->mstate != MERGE_DONE && !fs->initial && !fs->stopped)
		budget = merge_step(fs, budget);
	size_t start = n ? fs->rr % n : 0, i = 0;
	struct tfile *tf = fs->files;
	for (; tf && i < start; tf = tf->next)
		i++;
	for (size_t k = 0; k < n && budget > 0 && !fs->stopped; k++) {
		if (!tf)
			tf = fs->files;
		struct tfile *next = tf->next;
		if (may_read(tf)) {
			size_t used = tf->scanning ? scan_slice(tf, budget) : read_slice(tf, budget);
			budget -= used < budget ? used : budget;
			if (budget == 0)
				fs->rr = start + k + 1;
		}
		tf = next;
	}
	if (fs->stopped)
		return;
	reap(fs);
	if (fs->stopped)
		return;
	report_count(fs);
	report_misc(fs);
	bool more = fs->need_rescan || (fs->merge && fs->mstate != MERGE_DONE);
	for (tf = fs->files; tf && !more; tf = tf->next)
		more = may_read(tf) || tf->need_fstat;
	if (!more && !fs->stopped)
		uv_idle_stop(fs->pump);
}

static void
pump_start(struct file_src *fs)
{
	if (!fs->stopped && fs->pump)
		uv_idle_start(fs->pump, pump_cb);
}

/* ---- watchers ---------------------------------------------------------- */

static void
free_handle_cb(uv_handle_t *h)
{
	free(h);
}

static void
fs_event_cb(uv_fs_event_t *ev, const char *name, int events, int status)
{
	struct file_src *fs = ev->data;
	if (fs->stopped || status < 0)
		return;
	if ((events & UV_RENAME) || !name) {
		fs->need_rescan = true;
	} else {
		/* a change to a file here: wake the files of that name (in any
		 * directory: a spare fstat is cheaper than matching spellings) */
		for (struct tfile *tf = fs->files; tf; tf = tf->next)
			if (strcmp(base_name(tf->path), name) == 0)
				tf->need_fstat = true;
	}
	pump_start(fs);
}

/* Starts the watcher of one directory if it is not running; a directory
 * that does not exist yet is tried again at the next tick, and one that
 * was removed or replaced since (its watch is dead) is watched anew. */
static void
dir_watch(struct file_src *fs, struct dirwatch *d)
{
	if (fs->no_events || fs->stopped)
		return;
	struct stat st;
	bool here = stat(d->dir, &st) == 0;
	if (d->ev) {
		if (here && st.st_dev == d->dev && st.st_ino == d->ino)
			return;
		uv_close((uv_handle_t *)d->ev, free_handle_cb);
		d->ev = NULL;
	}
	if (!here)
		return;
	uv_fs_event_t *ev = xcalloc(1, sizeof(*ev));
	uv_fs_event_init(fs->src->loop, ev);
	ev->data = fs;
	int rc = uv_fs_event_start(ev, fs_event_cb, d->dir, 0);
	if (rc != 0) {
		d->err = rc;
		uv_close((uv_handle_t *)ev, free_handle_cb);
		return;
	}
	d->err = 0;
	d->ev = ev;
	d->dev = st.st_dev;
	d->ino = st.st_ino;
}

static void
tick_cb(uv_timer_t *t)
{
	struct file_src *fs = t->data;
	if (fs->stopped)
		return;
	for (size_t i = 0; i < fs->ndirs; i++)
		dir_watch(fs, &fs->dirs[i]);
	fs->need_rescan = true;
	fs->count_due = true;
	pump_start(fs);
}

/* The directory part of a pattern, when it has no wildcard; else NULL. */
static char *
pattern_dir(const char *pat)
{
	const char *slash = strrchr(pat, '/');
	char *dir = slash ? xstrndup(pat, slash == pat ? 1 : (size_t)(slash - pat)) : xstrdup(".");
	if (strpbrk(dir, "*?[")) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* ---- source ops ---------------------------------------------------------- */

static int
file_start(struct source *s)
{
	struct file_src *fs = s->priv;
	if (fs->started || fs->stopped)
		return LX_EINVAL;
	fs->started = true;
	fs->pump = xcalloc(1, sizeof(*fs->pump));
	uv_idle_init(s->loop, fs->pump);
	fs->pump->data = fs;
	fs->tick = xcalloc(1, sizeof(*fs->tick));
	uv_timer_init(s->loop, fs->tick);
	fs->tick->data = fs;
	uv_timer_start(fs->tick, tick_cb, fs->poll_ms, fs->poll_ms);
	for (size_t i = 0; i < fs->ndirs; i++)
		dir_watch(fs, &fs->dirs[i]);
	fs->initial = true;
	fs->need_rescan = true;
	fs->count_due = true;
	pump_start(fs);
	return 0;
}

static void
file_stop(struct source *s)
{
	struct file_src *fs = s->priv;
	if (fs->stopped)
		return;
	fs->stopped = true;
	if (fs->pump)
		uv_close((uv_handle_t *)fs->pump, free_handle_cb);
	if (fs->tick)
		uv_close((uv_handle_t *)fs->tick, free_handle_cb);
	fs->pump = NULL;
	fs->tick = NULL;
	for (size_t i = 0; i < fs->ndirs; i++) {
		if (fs->dirs[i].ev)
			uv_close((uv_handle_t *)fs->dirs[i].ev, free_handle_cb);
		fs->dirs[i].ev = NULL;
	}
}

static void
file_free(struct source *s)
{
	struct file_src *fs = s->priv;
	if (!fs)
		return;
	file_stop(s);
	while (fs->files) {
		struct tfile *tf = fs->files;
		fs->files = tf->next;
		tfile_free(tf);
	}
	for (size_t i = 0; i < fs->npats; i++)
		free(fs->pats[i]);
	free(fs->pats);
	for (size_t i = 0; i < fs->ndirs; i++)
		free(fs->dirs[i].dir);
	free(fs->dirs);
	free(fs->failed);
	free(fs->heap);
	free(fs->rbuf);
	free(fs);
	s->priv = NULL;
}

static const struct source_ops file_source_ops = {
	.name = "files",
	.start = file_start,
	.stop = file_stop,
	.free = file_free,
};

struct source *
file_source_new(uv_loop_t *loop, const struct file_source_opts *opts,
		const struct source_sink *sink)
{
	if (!opts || opts->npaths == 0 || !opts->paths || !sink || !sink->line)
		return NULL;
	struct source *s = xcalloc(1, sizeof(*s));
	struct file_src *fs = xcalloc(1, sizeof(*fs));
	s->ops = &file_source_ops;
	s->loop = loop;
	s->sink = *sink;
	s->priv = fs;
	fs->src = s;
	fs->npats = opts->npaths;
	fs->pats = xcalloc(fs->npats, sizeof(*fs->pats));
	for (size_t i = 0; i < fs->npats; i++)
		fs->pats[i] = xstrdup(opts->paths[i]);
	fs->history = opts->history_lines < -1 ? -1 : opts->history_lines;
	fs->max_line = opts->max_line ? opts->max_line : LINEBUF_DEFAULT_MAX;
	fs->poll_ms = opts->poll_ms ? opts->poll_ms : FILE_DEFAULT_POLL_MS;
	fs->chunk = opts->read_chunk ? opts->read_chunk : FILE_DEFAULT_CHUNK;
	fs->no_events = opts->no_fs_events;
	fs->since_ns = opts->since_ns;
	fs->line_ts = opts->line_ts;
	fs->line_ts_ud = opts->line_ts_ud;
	fs->merge = opts->merge_history && opts->line_ts;
	fs->rbuf = xmalloc(fs->chunk);
	fs->nactive_said = SIZE_MAX;
	for (size_t i = 0; i < fs->npats; i++) {
		char *dir = pattern_dir(fs->pats[i]);
		bool dup = !dir;
		for (size_t j = 0; j < fs->ndirs && !dup; j++)
			dup = strcmp(fs->dirs[j].dir, dir) == 0;
		if (dup) {
			free(dir);
			continue;
		}
		fs->dirs = xrealloc(fs->dirs, (fs->ndirs + 1) * sizeof(*fs->dirs));
		memset(&fs->dirs[fs->ndirs], 0, sizeof(fs->dirs[fs->ndirs]));
		fs->dirs[fs->ndirs].dir = dir;
		fs->ndirs++;
	}
	update_desc(fs, 0);
	return s;
}

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
 * since_ns, the merged history and compressed files live in file_hist.c
 * (shared structures: file_internal.h).
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
#include "core/xalloc.h"
#include "sources/file_internal.h"
#include "sources/linebuf.h"

#define FILE_DEFAULT_POLL_MS 1000u
#define FILE_DEFAULT_CHUNK ((size_t)256 << 10)
#define FILE_MIN_GRACE_MS 1000u

/* ---- small helpers --------------------------------------------------- */

const char *
file__base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

void
file__say(struct file_src *fs, enum source_status_level lvl, const char *fmt, ...)
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
	file__say(fs, SRC_INFO, "following %zu file%s", n, n == 1 ? "" : "s");
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
			file__say(fs, SRC_INFO, "%s: no fs events (%s); polling every %u ms",
			    d->dir, uv_strerror(d->err), fs->poll_ms);
		}
	}
	if (fs->history_said || fs->initial || file__gz_pending(fs))
		return;
	for (const struct tfile *tf = fs->files; tf; tf = tf->next)
		if (tf->in_history)
			return;
	fs->history_said = true;
	file__say(fs, SRC_INFO, "history: %llu line%s from %zu file%s",
	    (unsigned long long)fs->history_lines, fs->history_lines == 1 ? "" : "s",
	    fs->history_files, fs->history_files == 1 ? "" : "s");
	if (!fs->stopped && fs->src->sink.history_done)
		fs->src->sink.history_done(fs->src->sink.ud);
}

/* ---- reading --------------------------------------------------------- */

int
file__on_line(void *ud, const char *text, size_t len, size_t full_len)
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
		int e = errno;
		if (e != tf->read_err)          /* once per kind of error */
			file__say(fs, SRC_WARN, "%s: read: %s", file__base_name(tf->path),
				  strerror(e));
		tf->read_err = e;
		tf->eof = true;
		return 0;
	}
	const char *z = tf->off == 0 && n > 0 ? compressed_magic(fs->rbuf, (size_t)n) : NULL;
	if (z) {        /* empty at open, then compressed data (logrotate) */
		if (note_failed(fs, tf->dev, tf->ino))
			file__say(fs, SRC_INFO, "%s: %s-compressed; skipped", file__base_name(tf->path), z);
		tf->skipped = tf->retired = tf->eof = true;
		return 0;
	}
	tf->read_err = 0;
	tf->off += (uint64_t)n;
	if ((size_t)n < max)
		tf->eof = true;
	if (n > 0)
		linebuf_feed(&tf->lb, fs->rbuf, (size_t)n, file__on_line, tf);
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
	if (tf->in_history && !tf->scanning && file__gz_pending(tf->fs))
		return false;           /* older, compressed lines first */
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
	linebuf_flush(&tf->lb, file__on_line, tf);
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
		file__say(fs, SRC_INFO, "%s deleted", file__base_name(tf->path));
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
		file__say(fs, SRC_INFO, "%s truncated; reading from start", file__base_name(tf->path));
		linebuf_flush(&tf->lb, file__on_line, tf);
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
		file__say(fs, SRC_INFO, "%s rotated", file__base_name(tf->path));
}

static struct tfile *
find_inode(struct file_src *fs, dev_t dev, ino_t ino)
{
	for (struct tfile *tf = fs->files; tf; tf = tf->next)
		if (tf->dev == dev && tf->ino == ino)
			return tf;
	return NULL;
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
			file__say(fs, SRC_WARN, "%s: %s", path, strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	const char *z = compressed(fd);
	if (z) {                        /* rotated and compressed */
		close(fd);
		if (!note_failed(fs, st.st_dev, st.st_ino))
			return NULL;
		int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
		if (!initial)
			file__say(fs, SRC_INFO, "%s: %s-compressed; read at start only", file__base_name(path), z);
		else if ((fs->history != 0 || fs->since_ns) && mtime >= fs->since_ns)
			file__gz_queue(fs, path, z, mtime);
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
			tf->min_off = file__since_offset(fs, fd, size);
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
			file__say(fs, SRC_WARN, "%s: not a regular file; skipped", path);
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
			file__say(fs, SRC_INFO, "%s rotated", file__base_name(tf->path));
		}
	}
	bool replaces = false;
	for (tf = fs->files; tf; tf = tf->next)
		replaces |= tf->retired && strcmp(tf->path, path) == 0;
	tf = tfile_open(fs, path, &st, initial);
	if (tf && !initial && !replaces)
		file__say(fs, SRC_INFO, "new file %s", file__base_name(path));
}

static void rescan_globs(struct file_src *fs, bool initial);

static void
rescan(struct file_src *fs)
{
	bool initial = fs->initial;
	fs->initial = false;
	rescan_globs(fs, initial);
	if (initial)
		file__gz_begin(fs);
}

static void
rescan_globs(struct file_src *fs, bool initial)
{
	for (size_t i = 0; i < fs->npats; i++) {
		glob_t g;
		memset(&g, 0, sizeof(g));
		int rc = glob(fs->pats[i], 0, NULL, &g);
		if (rc == 0) {
			for (size_t j = 0; j < g.gl_pathc && !fs->stopped; j++)
				consider(fs, g.gl_pathv[j], initial);
		} else if (initial) {
			file__say(fs, SRC_WARN, "no file matches %s yet; waiting", fs->pats[i]);
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
		budget = file__merge_step(fs, budget);
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
	/* a merge waiting for compressed files is woken by their end */
	bool more = fs->need_rescan ||
		    (fs->merge && fs->mstate != MERGE_DONE && !file__gz_pending(fs));
	for (tf = fs->files; tf && !more; tf = tf->next)
		more = may_read(tf) || tf->need_fstat;
	if (!more && !fs->stopped)
		uv_idle_stop(fs->pump);
}

void
file__pump_start(struct file_src *fs)
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
			if (strcmp(file__base_name(tf->path), name) == 0)
				tf->need_fstat = true;
	}
	file__pump_start(fs);
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
	file__pump_start(fs);
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
	file__pump_start(fs);
	return 0;
}

static void
file_stop(struct source *s)
{
	struct file_src *fs = s->priv;
	if (fs->stopped)
		return;
	fs->stopped = true;
	gzread_stop(fs->gz);
	fs->gz = NULL;
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
	for (size_t i = 0; i < fs->ngzq; i++)
		free(fs->gzq[i].path);
	free(fs->gzq);
	free(fs->gz_path);
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

/*
 * sources/file_hist.c: the history side of the file source: where the
 * lines since a time start (binary search), the time-ordered merge of
 * several files' history, and compressed rotated files (read through the
 * system's decompressor, oldest first).
 *
 * Owns: the merge heap and queues, the compressed-file queue.  Must not:
 * follow files (file.c does), parse lines beyond calling opts.line_ts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/file_internal.h"

#define MERGE_READ ((size_t)16 << 10)

/* ---- since ---------------------------------------------------------------- */

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
uint64_t
file__since_offset(struct file_src *fs, int fd, uint64_t size)
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

/* ---- compressed files ----------------------------------------------------- */

/* Compressed files are read one by one, oldest first, before the history
 * of the plain files (they hold older lines): true while any is left. */
bool
file__gz_pending(const struct file_src *fs)
{
	return fs->gz || fs->gzq_head < fs->ngzq;
}

void
file__gz_queue(struct file_src *fs, const char *path, const char *fmt, int64_t mtime)
{
	xgrow(&fs->gzq, &fs->gzq_cap, fs->ngzq + 1, sizeof(*fs->gzq));
	fs->gzq[fs->ngzq].path = xstrdup(path);
	fs->gzq[fs->ngzq].fmt = fmt;
	fs->gzq[fs->ngzq].mtime = mtime;
	fs->ngzq++;
}

static int
gzjob_cmp(const void *x, const void *y)
{
	const struct gzjob *a = x, *b = y;
	if (a->mtime != b->mtime)
		return a->mtime < b->mtime ? -1 : 1;
	return strcmp(a->path, b->path);
}

static int
gz_line(void *ud, const char *text, size_t len, size_t full_len)
{
	struct file_src *fs = ud;
	if (fs->stopped)
		return 1;
	if (fs->since_ns && fs->line_ts && !fs->gz_since_passed) {
		int64_t ts = fs->line_ts(fs->line_ts_ud, text, len);
		if (!ts || ts < fs->since_ns)
			return 0;
		fs->gz_since_passed = true;
	}
	fs->history_lines++;
	fs->src->sink.line(fs->src->sink.ud, text, len, full_len, fs->gz_path, 0);
	return fs->stopped;
}

static void gz_next(struct file_src *fs);

static void
gz_done(void *ud, int err)
{
	struct file_src *fs = ud;
	const char *fmt = fs->gzq[fs->gzq_head - 1].fmt;
	if (err)
		file__say(fs, SRC_WARN, "%s: %s -dc failed (%s); skipped", file__base_name(fs->gz_path),
		    fmt, uv_strerror(err));
	else
		fs->history_files++;
	fs->gz = NULL;
	free(fs->gz_path);
	fs->gz_path = NULL;
	gz_next(fs);
	file__pump_start(fs);                 /* plain history, merge, reports */
}

/* Starts reading the next compressed file, if none is being read. */
static void
gz_next(struct file_src *fs)
{
	while (!fs->gz && !fs->stopped && fs->gzq_head < fs->ngzq) {
		struct gzjob *j = &fs->gzq[fs->gzq_head++];
		fs->gz_path = j->path;
		j->path = NULL;
		fs->gz_since_passed = false;
		fs->gz = gzread_start(fs->src->loop, fs->gz_path, j->fmt, fs->max_line,
				      fs->history, gz_line, gz_done, fs);
		if (!fs->gz) {
			free(fs->gz_path);
			fs->gz_path = NULL;
		}
	}
}

void
file__gz_begin(struct file_src *fs)
{
	if (fs->ngzq == 0)
		return;
	qsort(fs->gzq, fs->ngzq, sizeof(*fs->gzq), gzjob_cmp);
	gz_next(fs);
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
	if (file__gz_pending(fs))
		return 0;               /* compressed (older) history goes first */
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
size_t
file__merge_step(struct file_src *fs, size_t budget)
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
		file__on_line(tf, text, r.len, r.full);
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

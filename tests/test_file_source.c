/*
 * tests/test_file_source.c: the file source (sources/file.c, file_hist.c,
 * gzread.c) and the line splitter it shares with stdin (linebuf.c).
 *
 * Each loop test runs in its own mkdtemp directory with its own uv loop:
 * a script of steps (an action, then "wait until N lines / a status")
 * is driven by a 5 ms timer inside the loop; a deadline timer fails the
 * test instead of letting it hang.  Every test ends with
 * uv_loop_close() == 0.
 *
 * IFTOP_BENCH_MB=400 build/tests/test_file_source also measures history
 * reading throughput over a 400 MiB file and follow throughput behind a
 * writer process appending 100 MiB (skipped otherwise);
 * IFTOP_BENCH_COLD=1 first evicts the history file from the page cache;
 * IFTOP_BENCH_FILES=40 spreads the history over 40 files (line i in file
 * i % 40) and IFTOP_BENCH_MERGE=1 merges it by time; IFTOP_BENCH_WRITE=1
 * makes the follow writer use one write(2) per line and IFTOP_BENCH_IDLE=200
 * adds idle matched files.  IFTOP_BENCH_SOAK=30 (IFTOP_BENCH_RATE=50000)
 * runs the rotation soak.  Bench cases are skipped in `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "sources/file.h"
#include "sources/linebuf.h"

/* ---- linebuf ------------------------------------------------------------ */

struct lbrec {
	char text[64][64];
	size_t len[64], full[64];
	size_t n;
};

static int
lb_cb(void *ud, const char *t, size_t len, size_t full)
{
	struct lbrec *r = ud;
	assert_true(r->n < 64);
	memcpy(r->text[r->n], t, len < 63 ? len : 63);
	r->text[r->n][len < 63 ? len : 63] = '\0';
	r->len[r->n] = len;
	r->full[r->n] = full;
	r->n++;
	return 0;
}

static void
test_linebuf_cases(void **state)
{
	(void)state;
	static const struct lbcase {
		const char *name;
		size_t max;
		const char *in[4];      /* chunks */
		const char *want;       /* lines joined by '|' */
		const char *fulls;      /* full lengths, "" = same as len */
		bool pending;           /* unfinished bytes left */
	} cases[] = {
		{ "plain", 0, { "a\nbb\n" }, "a|bb", "", false },
		{ "split", 0, { "ab", "c\nd", "e\n" }, "abc|de", "", false },
		{ "partial", 0, { "x\nyz" }, "x", "", true },
		{ "crlf", 0, { "a\r\nb\r", "\n\r\n" }, "a|b|", "", false },
		{ "lone cr", 0, { "a\rb\n" }, "a\rb", "", false },
		{ "empty", 0, { "\n\n" }, "|", "", false },
		{ "cut direct", 4, { "abcdefg\nhi\n" }, "abcd|hi", "7,2", false },
		{ "cut pending", 4, { "abc", "defg", "h\nxy\n" }, "abcd|xy", "8,2", false },
		{ "cut crlf at cap", 4, { "abcd\r", "\n" }, "abcd", "4", false },
		{ "cut utf8 boundary", 4, { "ab\xc3\xa9z\n" }, "ab\xc3\xa9", "5", false },
		{ "cut utf8 split", 4, { "abc\xc3\xa9\n" }, "abc", "5", false },
		{ "cut utf8 pending", 4, { "abc", "\xe2\x82\xac\n" }, "abc", "6", false },
		{ "invalid utf8", 3, { "\xff\xfe\xfd\xfc\n" }, "\xff\xfe\xfd", "4", false },
	};
	for (size_t c = 0; c < LX_ARRAY_LEN(cases); c++) {
		const struct lbcase *k = &cases[c];
		struct linebuf lb;
		struct lbrec r;
		memset(&r, 0, sizeof(r));
		linebuf_init(&lb, k->max);
		for (size_t i = 0; i < 4 && k->in[i]; i++)
			linebuf_feed(&lb, k->in[i], strlen(k->in[i]), lb_cb, &r);
		char got[512] = "", fulls[256] = "";
		bool cut = false;
		for (size_t i = 0; i < r.n; i++) {
			strcat(got, i ? "|" : "");
			strcat(got, r.text[i]);
			snprintf(fulls + strlen(fulls), sizeof(fulls) - strlen(fulls),
				 "%s%zu", i ? "," : "", r.full[i]);
			cut |= r.full[i] != r.len[i];
		}
		if (strcmp(got, k->want) != 0)
			fail_msg("case %s: got '%s' want '%s'", k->name, got, k->want);
		if (cut || k->fulls[0])
			if (strcmp(fulls, k->fulls) != 0)
				fail_msg("case %s: full lengths %s want %s", k->name, fulls, k->fulls);
		if (linebuf_pending(&lb) != k->pending)
			fail_msg("case %s: pending %d", k->name, linebuf_pending(&lb));
		linebuf_release(&lb);
	}
}

static void
test_linebuf_flush(void **state)
{
	(void)state;
	struct linebuf lb;
	struct lbrec r;
	memset(&r, 0, sizeof(r));
	linebuf_init(&lb, 0);
	linebuf_feed(&lb, "a\nlast\r", 7, lb_cb, &r);
	assert_int_equal(linebuf_flush(&lb, lb_cb, &r), 1);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text[1], "last");
	assert_int_equal(linebuf_flush(&lb, lb_cb, &r), 0);
	linebuf_release(&lb);
}

/* ---- loop harness -------------------------------------------------------- */

struct rec {
	char *text;
	size_t len, full;
	char *origin;
};

struct ctx;

struct step {
	void (*act)(struct ctx *c);     /* may be NULL */
	size_t wait_lines;              /* then wait until this many lines */
	const char *wait_status;        /* and a status containing this */
	unsigned wait_ms;               /* and at least this long */
};

struct ctx {
	uv_loop_t loop;
	char dir[512];
	struct source *src;
	struct rec *lines;
	size_t nlines, cap;
	char *status[256];
	size_t nstatus;
	uv_timer_t drive, deadline;
	const struct step *steps;
	size_t nsteps, step;
	bool acted;
	uint64_t step_at;
	bool timed_out;
	size_t stop_after;              /* stop the source from the sink */
	size_t lines_after_stop;
	bool stopped;
	int fd;                         /* a writer fd some scripts keep */
	uv_handle_t *extra;             /* closed by finish() */
};

static void
sink_line(void *ud, const char *text, size_t len, size_t full, const char *origin,
	  int64_t ts)
{
	struct ctx *c = ud;
	assert_int_equal(ts, 0);
	if (c->stopped) {
		c->lines_after_stop++;
		return;
	}
	xgrow(&c->lines, &c->cap, c->nlines + 1, sizeof(*c->lines));
	struct rec *r = &c->lines[c->nlines++];
	r->text = xstrndup(text, len);
	r->len = len;
	r->full = full;
	r->origin = xstrdup(origin);
	if (c->stop_after && c->nlines == c->stop_after) {
		source_stop(c->src);
		c->stopped = true;
	}
}

static void
sink_status(void *ud, enum source_status_level lvl, const char *msg)
{
	struct ctx *c = ud;
	(void)lvl;
	if (c->nstatus < LX_ARRAY_LEN(c->status))
		c->status[c->nstatus++] = xstrdup(msg);
}

static bool
has_status(const struct ctx *c, const char *sub)
{
	for (size_t i = 0; i < c->nstatus; i++)
		if (strstr(c->status[i], sub))
			return true;
	return false;
}

static void
finish(struct ctx *c)
{
	if (!c->stopped)
		source_stop(c->src);
	c->stopped = true;
	uv_close((uv_handle_t *)&c->drive, NULL);
	uv_close((uv_handle_t *)&c->deadline, NULL);
	if (c->extra)
		uv_close(c->extra, NULL);
	c->extra = NULL;
}

static void
drive_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;
	while (c->step < c->nsteps) {
		const struct step *s = &c->steps[c->step];
		if (!c->acted) {
			if (s->act)
				s->act(c);
			c->acted = true;
			c->step_at = uv_now(&c->loop);
		}
		if (c->nlines < s->wait_lines)
			return;
		if (s->wait_status && !has_status(c, s->wait_status))
			return;
		if (uv_now(&c->loop) - c->step_at < s->wait_ms)
			return;
		c->step++;
		c->acted = false;
	}
	finish(c);
}

static void
deadline_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;
	c->timed_out = true;
	finish(c);
}

static void
ctx_init(struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	assert_int_equal(uv_loop_init(&c->loop), 0);
	snprintf(c->dir, sizeof(c->dir), "%s/lxfile.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(c->dir));
}

static char *
ctx_path(const struct ctx *c, const char *name)
{
	static char p[4][PATH_MAX];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", c->dir, name);
	return p[k];
}

static struct source *
ctx_file_source(struct ctx *c, const char *pattern, long history, size_t max_line,
		bool no_events)
{
	const char *pats[1] = { ctx_path(c, pattern) };
	struct file_source_opts o = {
		.paths = pats, .npaths = 1, .history_lines = history,
		.max_line = max_line, .poll_ms = 50, .no_fs_events = no_events,
	};
	struct source_sink sink = { .ud = c, .line = sink_line, .status = sink_status };
	return file_source_new(&c->loop, &o, &sink);
}

/* Runs the script; returns after the loop has closed cleanly.  `extra`,
 * if any, is one more handle of the test's, closed at the end. */
static void ctx_run_keep(struct ctx *c, const struct step *steps, size_t n,
			 unsigned timeout_ms, uv_handle_t *extra);

static void
ctx_run(struct ctx *c, const struct step *steps, size_t n, unsigned timeout_ms)
{
	ctx_run_keep(c, steps, n, timeout_ms, NULL);
}

static void
ctx_run_keep(struct ctx *c, const struct step *steps, size_t n, unsigned timeout_ms,
	     uv_handle_t *extra)
{
	c->extra = extra;
	c->steps = steps;
	c->nsteps = n;
	uv_timer_init(&c->loop, &c->drive);
	uv_timer_init(&c->loop, &c->deadline);
	c->drive.data = c->deadline.data = c;
	uv_timer_start(&c->drive, drive_cb, 0, 5);
	uv_timer_start(&c->deadline, deadline_cb, timeout_ms, 0);
	assert_int_equal(source_start(c->src), 0);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	source_free(c->src);
	c->src = NULL;
	assert_int_equal(uv_loop_close(&c->loop), 0);
	if (c->timed_out)
		fail_msg("timed out at step %zu with %zu lines (first '%s', last '%s'; "
			 "%zu statuses, last '%s')", c->step, c->nlines,
			 c->nlines ? c->lines[0].text : "", c->nlines ? c->lines[c->nlines - 1].text : "",
			 c->nstatus, c->nstatus ? c->status[c->nstatus - 1] : "");
}

static void
rm_rf(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void
ctx_release(struct ctx *c)
{
	if (c->fd >= 0)
		close(c->fd);
	for (size_t i = 0; i < c->nlines; i++) {
		free(c->lines[i].text);
		free(c->lines[i].origin);
	}
	free(c->lines);
	for (size_t i = 0; i < c->nstatus; i++)
		free(c->status[i]);
	rm_rf(c->dir);
}

static void
append(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static void
appends(const char *path, const char *s)
{
	append(path, s, strlen(s));
}

/* Appends lines "<tag><i>" for i in [from, to). */
static void
append_seq(const char *path, const char *tag, int from, int to)
{
	size_t cap = (size_t)(to - from) * (strlen(tag) + 24) + 1, n = 0;
	char *buf = xmalloc(cap);
	for (int i = from; i < to; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%d\n", tag, i);
	append(path, buf, n);
	free(buf);
}

static void
assert_line(const struct ctx *c, size_t i, const char *want)
{
	if (i >= c->nlines)
		fail_msg("line %zu missing (have %zu), want '%s'", i, c->nlines, want);
	if (strcmp(c->lines[i].text, want) != 0)
		fail_msg("line %zu is '%s', want '%s'", i, c->lines[i].text, want);
}

/* Every line "<tag><i>", i in [0, n), exactly once and in order among the
 * lines with that tag. */
static void
assert_seq(const struct ctx *c, const char *tag, int n)
{
	int next = 0;
	size_t tl = strlen(tag);
	for (size_t i = 0; i < c->nlines; i++) {
		const char *t = c->lines[i].text;
		if (strncmp(t, tag, tl) != 0)
			continue;
		int v = atoi(t + tl);
		if (v != next)
			fail_msg("%s: line %zu is %s, want %s%d", tag, i, t, tag, next);
		next++;
	}
	if (next != n)
		fail_msg("%s: got %d lines, want %d", tag, next, n);
}

/* ---- history and follow --------------------------------------------------- */

static void
act_follow_x(struct ctx *c)
{
	append_seq(ctx_path(c, "x.log"), "X", 5, 6);
}

static void
act_history_append(struct ctx *c)
{
	appends(ctx_path(c, "h.log"), "ed\nnext\n");
}

static void
test_history_last_n(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "h.log"), "L", 0, 10);
	appends(ctx_path(&c, "h.log"), "tail");        /* unfinished */
	c.src = ctx_file_source(&c, "*.log", 3, 0, false);
	const struct step steps[] = {
		{ NULL, 3, "following 1 file", 100 },    /* and no 4th line */
		{ act_history_append, 5, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 5);
	assert_line(&c, 0, "L7");
	assert_line(&c, 1, "L8");
	assert_line(&c, 2, "L9");
	assert_line(&c, 3, "tailed");
	assert_line(&c, 4, "next");
	assert_string_equal(c.lines[0].origin, ctx_path(&c, "h.log"));
	assert_true(has_status(&c, "history: 3 lines from 1 file"));
	ctx_release(&c);
}

static void
test_history_all_and_none(void **state)
{
	(void)state;
	for (int all = 0; all < 2; all++) {
		struct ctx c;
		ctx_init(&c);
		append_seq(ctx_path(&c, "h.log"), "L", 0, 1000);
		c.src = ctx_file_source(&c, "h.log", all ? -1 : 0, 0, false);
		const struct step steps[] = {
			{ NULL, all ? 1000 : 0, "following 1 file", 100 },
			{ act_history_append, all ? 1002 : 2, NULL, 0 },
		};
		ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
		if (all)
			assert_seq(&c, "L", 1000);
		assert_int_equal(c.nlines, all ? 1002 : 2);
		assert_line(&c, c.nlines - 1, "next");
		ctx_release(&c);
	}
}

/* history larger than the read chunk: the backwards scan spans slices */
static void
test_history_big(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "h.log"), "line-with-some-padding-", 0, 200000);
	c.src = ctx_file_source(&c, "h.log", 150000, 0, false);
	const struct step steps[] = { { NULL, 150000, NULL, 50 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	assert_int_equal(c.nlines, 150000);
	assert_line(&c, 0, "line-with-some-padding-50000");
	assert_line(&c, 149999, "line-with-some-padding-199999");
	ctx_release(&c);
}

/* since_ns: timestamps are "t=<seconds>" at the line start; every 10th
 * line has none.  Lines t=0..99999 (100000 lines). */
static int64_t
ts_of(void *ud, const char *text, size_t len)
{
	(void)ud;
	if (len < 3 || memcmp(text, "t=", 2) != 0)
		return 0;
	return (int64_t)strtoll(text + 2, NULL, 10) * 1000000000;
}

static void
write_timed(const char *path, int n)
{
	size_t cap = (size_t)n * 48, len = 0;
	char *buf = xmalloc(cap);
	for (int i = 0; i < n; i++) {
		if (i % 10 == 5)
			len += (size_t)snprintf(buf + len, cap - len, "no time here %d\n", i);
		else
			len += (size_t)snprintf(buf + len, cap - len, "t=%d payload\n", i);
	}
	append(path, buf, len);
	free(buf);
}

static void
run_since(long history, int64_t since_s, bool with_ts, bool old_mtime, size_t want,
	  const char *first, size_t chunk)
{
	struct ctx c;
	ctx_init(&c);
	const char *p = ctx_path(&c, "s.log");
	write_timed(p, 100000);
	if (old_mtime) {
		struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
		assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	}
	const char *pats[1] = { p };
	struct file_source_opts o = {
		.paths = pats, .npaths = 1, .history_lines = history, .poll_ms = 50,
		.since_ns = since_s * 1000000000, .line_ts = with_ts ? ts_of : NULL,
		.read_chunk = chunk,
	};
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	const struct step steps[] = { { NULL, want, "history:", 50 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	if (c.nlines != want)
		fail_msg("since %lld history %ld: %zu lines, want %zu", (long long)since_s,
			 history, c.nlines, want);
	if (first)
		assert_line(&c, 0, first);
	ctx_release(&c);
}

static void
test_history_since(void **state)
{
	(void)state;
	run_since(0, 77777, true, false, 22223, "t=77777 payload", 4096);
	run_since(0, 77777, true, false, 22223, "t=77777 payload", 0);
	run_since(-1, 77775, true, false, 22224, "t=77776 payload", 4096);
	run_since(100, 77777, true, false, 100, "t=99900 payload", 0);
	run_since(0, 1, true, false, 99999, "t=1 payload", 4096);
	run_since(0, 200000, true, false, 0, NULL, 0);       /* all older */
	run_since(0, 77777, false, false, 100000, "t=0 payload", 0); /* no line_ts */
	run_since(0, 77777, false, true, 0, NULL, 0);        /* mtime older */
}

/* merge_history: three files with interleaved times (file k holds the
 * times t = k, k+3, k+6, ...), a line without time in each, one long line
 * (cut), an unfinished last line completed after the merge. */
static void
act_merge_append(struct ctx *c)
{
	appends(ctx_path(c, "m1.log"), "99 done\n");
	appends(ctx_path(c, "m0.log"), "t=900000 follow\n");
}

static void
run_merge(long history, size_t chunk, size_t want_hist)
{
	struct ctx c;
	ctx_init(&c);
	const int per = 3000;
	for (int k = 0; k < 3; k++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d.log", k);
		size_t cap = (size_t)per * 48 + 4096, n = 0;
		char *buf = xmalloc(cap);
		for (int i = 0; i < per; i++) {
			int t = 3 * i + k;
			n += (size_t)snprintf(buf + n, cap - n, "t=%d f%d\n", t, k);
			if (i == per / 2)
				n += (size_t)snprintf(buf + n, cap - n, "untimed f%d after t=%d\n", k, t);
			if (k == 2 && i == 100) {
				n += (size_t)snprintf(buf + n, cap - n, "t=%d long ", t);
				memset(buf + n, 'L', 3000);
				n += 3000;
				buf[n++] = '\n';
			}
		}
		if (k == 1)
			n += (size_t)snprintf(buf + n, cap - n, "t=%d unfinished ", 3 * per + 1);
		append(ctx_path(&c, name), buf, n);
		free(buf);
	}
	const char *pats[1] = { ctx_path(&c, "m*.log") };
	struct file_source_opts o = {
		.paths = pats, .npaths = 1, .history_lines = history, .poll_ms = 50,
		.line_ts = ts_of, .merge_history = true, .read_chunk = chunk,
		.max_line = 1024,
	};
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	const struct step steps[] = {
		{ NULL, want_hist, "history:", 0 },
		{ act_merge_append, want_hist + 2, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	assert_int_equal(c.nlines, want_hist + 2);
	/* history in time order; untimed lines right after their file's
	 * previous line */
	int64_t last = -1;
	for (size_t i = 0; i < want_hist; i++) {
		const char *t = c.lines[i].text;
		if (strncmp(t, "untimed", 7) == 0) {
			int k = t[9] - '0', after = atoi(strstr(t, "t=") + 2);
			assert_int_equal(after % 3, k);
			assert_int_equal(after, last);
			continue;
		}
		int64_t ts = ts_of(NULL, t, strlen(t));
		if (last >= 0 && ts < last * 1000000000)
			fail_msg("line %zu '%.40s' after t=%lld", i, t, (long long)last);
		last = ts / 1000000000;
		if (strstr(t, " long ")) {
			assert_int_equal(c.lines[i].len, 1024);
			assert_true(c.lines[i].full > 3000);
		}
	}
	char want[64];
	snprintf(want, sizeof(want), "t=%d unfinished 99 done", 3 * per + 1);
	bool seen_unfinished = false, seen_follow = false;
	for (size_t i = want_hist; i < c.nlines; i++) {
		seen_unfinished |= strcmp(c.lines[i].text, want) == 0;
		seen_follow |= strcmp(c.lines[i].text, "t=900000 follow") == 0;
	}
	assert_true(seen_unfinished && seen_follow);
	ctx_release(&c);
}

/* since_ns and merge_history together: two files with interleaved times
 * (even / odd t), since t=5000: lines t=5000.. of both, in time order. */
static void
test_history_since_merged(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	for (int k = 0; k < 2; k++) {
		char name[32];
		snprintf(name, sizeof(name), "s%d.log", k);
		size_t cap = 6000 * 24, n = 0;
		char *buf = xmalloc(cap);
		for (int t = k; t < 10000; t += 2)
			n += (size_t)snprintf(buf + n, cap - n, "t=%d s%d\n", t, k);
		append(ctx_path(&c, name), buf, n);
		free(buf);
	}
	const char *pats[1] = { ctx_path(&c, "s*.log") };
	struct file_source_opts o = {
		.paths = pats, .npaths = 1, .history_lines = -1, .poll_ms = 50,
		.since_ns = (int64_t)5000 * 1000000000, .line_ts = ts_of, .merge_history = true,
	};
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	const struct step steps[] = { { NULL, 5000, "history: 5000 lines from 2 files", 50 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	assert_int_equal(c.nlines, 5000);
	for (size_t i = 0; i < c.nlines; i++) {
		char want[32];
		snprintf(want, sizeof(want), "t=%zu s%zu", 5000 + i, i % 2);
		assert_line(&c, i, want);
	}
	ctx_release(&c);
}

static void
test_history_merged(void **state)
{
	(void)state;
	run_merge(-1, 0, 3 * 3000 + 3 + 1);
	run_merge(-1, 4096, 3 * 3000 + 3 + 1);
	run_merge(10, 0, 30);           /* last 10 of each: no untimed there */
}

static void
act_follow(struct ctx *c)
{
	append_seq(ctx_path(c, "f.log"), "N", 0, 3);
}

static void
test_follow_appends(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "f.log"), "OLD", 0, 5);
	c.src = ctx_file_source(&c, "*.log", 0, 0, false);
	const struct step steps[] = {
		{ NULL, 0, "following 1 file", 0 },
		{ act_follow, 3, NULL, 100 },
		{ act_follow, 6, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 6);
	assert_line(&c, 0, "N0");
	assert_line(&c, 5, "N2");
	ctx_release(&c);
}

static void act_partial1(struct ctx *c) { appends(ctx_path(c, "p.log"), "abc"); }
static void act_partial2(struct ctx *c) { appends(ctx_path(c, "p.log"), "def"); }
static void act_partial3(struct ctx *c) { appends(ctx_path(c, "p.log"), "\nghi\n"); }

static void
test_partial_line(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	appends(ctx_path(&c, "p.log"), "");
	c.src = ctx_file_source(&c, "p.log", 0, 0, false);
	const struct step steps[] = {
		{ NULL, 0, "following 1 file", 0 },
		{ act_partial1, 0, NULL, 150 },
		{ act_partial2, 0, NULL, 150 },
		{ act_partial3, 2, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 2);
	assert_line(&c, 0, "abcdef");
	assert_line(&c, 1, "ghi");
	ctx_release(&c);
}

static void
act_crlf(struct ctx *c)
{
	appends(ctx_path(c, "c.log"), "one\r\ntwo\r");
	appends(ctx_path(c, "c.log"), "\n\r\nin\rside\n");
}

static void
test_crlf(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	appends(ctx_path(&c, "c.log"), "hist\r\n");
	c.src = ctx_file_source(&c, "c.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 1, "following", 0 },
		{ act_crlf, 5, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 5);
	assert_line(&c, 0, "hist");
	assert_line(&c, 1, "one");
	assert_line(&c, 2, "two");
	assert_line(&c, 3, "");
	assert_line(&c, 4, "in\rside");
	ctx_release(&c);
}

/* ---- long lines and raw bytes --------------------------------------------- */

#define BIG ((size_t)10 << 20)

static void
act_big(struct ctx *c)
{
	char *b = xmalloc(BIG + 1);
	memset(b, 'y', BIG);
	b[BIG] = '\n';
	append(ctx_path(c, "b.log"), b, 1000);         /* first a part ... */
	append(ctx_path(c, "b.log"), b + 1000, BIG - 1000 + 1);
	free(b);
	appends(ctx_path(c, "b.log"), "after\n");
}

static void
test_long_line_cut(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	char *b = xmalloc(BIG + 2);
	memset(b, 'x', BIG);
	memcpy(b + BIG, "\r\n", 2);
	append(ctx_path(&c, "b.log"), b, BIG + 2);      /* history: 10 MiB + CRLF */
	free(b);
	appends(ctx_path(&c, "b.log"), "short\n");
	c.src = ctx_file_source(&c, "b.log", -1, (size_t)1 << 20, false);
	const struct step steps[] = {
		{ NULL, 2, NULL, 0 },
		{ act_big, 4, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	assert_int_equal(c.nlines, 4);
	assert_int_equal(c.lines[0].len, (size_t)1 << 20);
	assert_int_equal(c.lines[0].full, BIG);
	assert_int_equal(c.lines[0].text[0], 'x');
	assert_int_equal(c.lines[0].text[((size_t)1 << 20) - 1], 'x');
	assert_line(&c, 1, "short");
	assert_int_equal(c.lines[1].full, 5);
	assert_int_equal(c.lines[2].len, (size_t)1 << 20);
	assert_int_equal(c.lines[2].full, BIG);
	assert_int_equal(c.lines[2].text[0], 'y');
	assert_line(&c, 3, "after");
	ctx_release(&c);
}

/* Memory stays flat on a 200 MiB line: resident size sampled while it is
 * read (in a 1 ms timer) grows by less than 8 MiB over the 1 MiB cap and
 * the 256 KiB read buffer. */
static size_t rss_base, rss_max;

static size_t
rss_now(void)
{
	long pages = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &res) != 2)
			res = 0;
		fclose(f);
	}
	return (size_t)res * (size_t)sysconf(_SC_PAGESIZE);
}

static void
rss_sample(uv_timer_t *t)
{
	(void)t;
	size_t r = rss_now();
	if (r > rss_max)
		rss_max = r;
}

static size_t huge_cap = (size_t)1 << 20;

static void
test_huge_line_memory(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	char *blk = xmalloc((size_t)1 << 20);
	memset(blk, 'h', (size_t)1 << 20);
	int fd = open(ctx_path(&c, "huge.log"), O_WRONLY | O_CREAT, 0644);
	for (int i = 0; i < 200; i++)
		assert_int_equal(write(fd, blk, (size_t)1 << 20), 1 << 20);
	assert_int_equal(write(fd, "\nafter\n", 7), 7);
	close(fd);
	free(blk);
	if (getenv("IFTOP_TEST_HUGE_CAP"))      /* to see the test fail */
		huge_cap = (size_t)atol(getenv("IFTOP_TEST_HUGE_CAP"));
	c.src = ctx_file_source(&c, "huge.log", -1, huge_cap, false);
	uv_timer_t t;
	uv_timer_init(&c.loop, &t);
	uv_timer_start(&t, rss_sample, 1, 1);
	rss_base = rss_max = rss_now();
	const struct step steps[] = { { NULL, 2, NULL, 0 } };
	ctx_run_keep(&c, steps, LX_ARRAY_LEN(steps), 5000, (uv_handle_t *)&t);
	rss_sample(&t);
	size_t grew = rss_max > rss_base ? rss_max - rss_base : 0;
	if (grew > ((size_t)8 << 20))
		fail_msg("resident size grew by %zu KiB reading a 200 MiB line", grew >> 10);
	assert_int_equal(c.nlines, 2);
	assert_int_equal(c.lines[0].len, (size_t)1 << 20);
	assert_int_equal(c.lines[0].full, (size_t)200 << 20);
	assert_line(&c, 1, "after");
	ctx_release(&c);
}

static const char raw_bytes[] = "\xff\xfe bad \xc3\x28 nul:\0: esc:\x1b[31m \xe2\x82";

static void
test_invalid_utf8(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	size_t n = sizeof(raw_bytes) - 1;
	append(ctx_path(&c, "u.log"), raw_bytes, n);
	appends(ctx_path(&c, "u.log"), "\n");
	c.src = ctx_file_source(&c, "u.log", -1, 0, false);
	const struct step steps[] = { { NULL, 1, NULL, 0 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 1);
	assert_int_equal(c.lines[0].len, n);
	assert_int_equal(c.lines[0].full, n);
	assert_memory_equal(c.lines[0].text, raw_bytes, n);
	ctx_release(&c);
}

/* ---- rotation, truncation, appearing and deleted files --------------------- */

/* logrotate "create": the writer keeps its fd to the old file for a moment
 * and appends a few more lines there after the rename. */
static void
act_rotate(struct ctx *c)
{
	const char *cur = ctx_path(c, "r.log");
	c->fd = open(cur, O_WRONLY | O_APPEND);
	append_seq(cur, "A", 100, 150);
	assert_int_equal(rename(cur, ctx_path(c, "r.log.1")), 0);
	append_seq(cur, "B", 0, 50);
}

static void
act_rotate_late(struct ctx *c)
{
	char buf[64];
	for (int i = 150; i < 160; i++) {
		int n = snprintf(buf, sizeof(buf), "A%d\n", i);
		assert_int_equal(write(c->fd, buf, (size_t)n), n);
	}
	append_seq(ctx_path(c, "r.log"), "B", 50, 60);
}

static void
run_rotation(bool no_events)
{
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "r.log"), "A", 0, 100);
	c.src = ctx_file_source(&c, "*.log", -1, 0, no_events);
	const struct step steps[] = {
		{ NULL, 100, "following 1 file", 0 },
		{ act_rotate, 200, "rotated", 0 },
		{ act_rotate_late, 220, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 4000);
	assert_int_equal(c.nlines, 220);
	assert_seq(&c, "A", 160);
	assert_seq(&c, "B", 60);
	/* the old file's lines all came before the new file's first line */
	for (size_t i = 0; i < 150; i++)
		assert_int_equal(c.lines[i].text[0], 'A');
	ctx_release(&c);
}

static void
test_rotation_rename(void **state)
{
	(void)state;
	run_rotation(false);
}

static void
test_rotation_polling(void **state)
{
	(void)state;
	run_rotation(true);
}

/* Rotation stress: a writer appends a batch every tick; every 8th tick it
 * renames the file, appends one more batch to the old one on the next
 * tick (it has not reopened yet), then creates the new file on the tick
 * after.  Every line arrives once and in order.  With polling only, a
 * rotation cycle must be longer than poll_ms (a file that held the name
 * only between two polls is never seen), so the writer is slower there. */
#define STRESS_BATCH 50

struct stress {
	uv_timer_t t;
	struct ctx *c;
	int fd, seq, tick, rot, phase, nrot;
};

static void
stress_batch(struct stress *w)
{
	char buf[STRESS_BATCH * 16];
	size_t n = 0;
	for (int i = 0; i < STRESS_BATCH; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "R%d\n", w->seq++);
	assert_int_equal(write(w->fd, buf, n), (ssize_t)n);
}

static void
stress_cb(uv_timer_t *t)
{
	struct stress *w = t->data;
	const char *cur = ctx_path(w->c, "r.log");
	char old[32];
	if (w->rot == w->nrot) {
		uv_close((uv_handle_t *)t, NULL);
		return;
	}
	switch (w->phase) {
	case 0:
		stress_batch(w);
		if (++w->tick % 8 == 0) {
			snprintf(old, sizeof(old), "r.log.%d", w->rot);
			assert_int_equal(rename(cur, ctx_path(w->c, old)), 0);
			w->phase = 1;
		}
		break;
	case 1:
		stress_batch(w);        /* late batch to the renamed file */
		close(w->fd);
		w->phase = 2;
		break;
	case 2:
		w->fd = open(cur, O_WRONLY | O_CREAT | O_APPEND, 0644);
		assert_true(w->fd >= 0);
		stress_batch(w);
		w->rot++;
		w->phase = 0;
		if (w->rot == w->nrot)
			close(w->fd);
		break;
	}
}

static struct stress stress;
static unsigned stress_ms;
static int stress_nrot;

static void
act_stress(struct ctx *c)
{
	memset(&stress, 0, sizeof(stress));
	stress.c = c;
	stress.nrot = stress_nrot;
	stress.fd = open(ctx_path(c, "r.log"), O_WRONLY | O_APPEND);
	assert_true(stress.fd >= 0);
	uv_timer_init(&c->loop, &stress.t);
	stress.t.data = &stress;
	uv_timer_start(&stress.t, stress_cb, stress_ms, stress_ms);
}

static void
run_stress(bool no_events, unsigned ms, int nrot)
{
	stress_ms = ms;
	stress_nrot = nrot;
	struct ctx c;
	ctx_init(&c);
	appends(ctx_path(&c, "r.log"), "");
	c.src = ctx_file_source(&c, "r.log", 0, 0, no_events);
	int total = nrot * 10 * STRESS_BATCH;
	const struct step steps[] = {
		{ NULL, 0, "following 1 file", 0 },
		{ act_stress, (size_t)total, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_seq(&c, "R", total);
	ctx_release(&c);
}

static void
test_rotation_stress(void **state)
{
	(void)state;
	run_stress(false, 2, 20);
	run_stress(true, 12, 8);        /* cycle 120 ms, poll 50 ms */
}

/* The rotated name also matches the glob: the file is followed under its
 * new name, nothing is read twice. */
static void
act_rotate_matching(struct ctx *c)
{
	append_seq(ctx_path(c, "m.log"), "A", 100, 110);
	assert_int_equal(rename(ctx_path(c, "m.log"), ctx_path(c, "m.1.log")), 0);
	append_seq(ctx_path(c, "m.log"), "B", 0, 10);
	append_seq(ctx_path(c, "m.1.log"), "A", 110, 120);
}

static void
test_rotation_name_matches(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "m.log"), "A", 0, 100);
	c.src = ctx_file_source(&c, "*.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 100, "following 1 file", 0 },
		{ act_rotate_matching, 130, "following 2 files", 200 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 130);
	assert_seq(&c, "A", 120);
	assert_seq(&c, "B", 10);
	ctx_release(&c);
}

static void
act_copytruncate(struct ctx *c)
{
	const char *p = ctx_path(c, "t.log");
	assert_int_equal(truncate(p, 0), 0);
	append_seq(p, "T", 0, 5);
}

static void
test_copytruncate(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "t.log"), "before-truncation-", 0, 20);
	c.src = ctx_file_source(&c, "t.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 20, NULL, 0 },
		{ act_copytruncate, 25, "t.log truncated; reading from start", 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 25);
	assert_seq(&c, "before-truncation-", 20);
	assert_seq(&c, "T", 5);
	ctx_release(&c);
}

static void
act_create_later(struct ctx *c)
{
	append_seq(ctx_path(c, "later.txt"), "X", 0, 3);   /* does not match */
	append_seq(ctx_path(c, "later.log"), "N", 0, 3);
}

static void
act_create_later2(struct ctx *c)
{
	append_seq(ctx_path(c, "later.log"), "N", 3, 5);
}

static void
test_file_created_later(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	c.src = ctx_file_source(&c, "*.log", 0, 0, false);
	const struct step steps[] = {
		{ NULL, 0, "no file matches", 0 },
		{ act_create_later, 3, "new file later.log", 0 },
		{ act_create_later2, 5, "following 1 file", 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 5);
	assert_seq(&c, "N", 5);
	ctx_release(&c);
}

/* A directory that does not exist at start: polled until it does, then
 * watched; a FIFO that matches is skipped with one warning (never opened:
 * that would block); gzip files that appear later are not read (they
 * are rotated copies of lines already read), also one that was empty
 * when first seen. */
static void
act_mkdir_later(struct ctx *c)
{
	assert_int_equal(mkdir(ctx_path(c, "sub"), 0755), 0);
	assert_int_equal(mkfifo(ctx_path(c, "sub/fifo.log"), 0644), 0);
	append_seq(ctx_path(c, "sub/a.log"), "S", 0, 2);
	appends(ctx_path(c, "sub/empty.log.gz"), "");
}

static void
act_gz(struct ctx *c)
{
	/* gzip of "hello\n" (gzip -n) */
	static const unsigned char gz[] = {
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xcb, 0x48,
		0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30, 0x3a, 0x36, 0x06, 0x00,
		0x00, 0x00,
	};
	append(ctx_path(c, "sub/old.log.gz"), gz, sizeof(gz));     /* new, full */
	append(ctx_path(c, "sub/empty.log.gz"), gz, sizeof(gz));   /* was empty */
}

static void
act_mkdir_later2(struct ctx *c)
{
	append_seq(ctx_path(c, "sub/a.log"), "S", 2, 4);
}

static void
test_dir_created_later(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	c.src = ctx_file_source(&c, "sub/*.log*", 10, 0, false);
	const struct step steps[] = {
		{ NULL, 0, "no file matches", 0 },
		{ act_mkdir_later, 2, "following 2 files", 0 },
		{ act_gz, 2, "old.log.gz: gzip-compressed; read at start only", 0 },
		{ NULL, 2, "empty.log.gz: gzip-compressed; skipped", 0 },
		{ NULL, 2, "following 1 file", 0 },
		{ act_mkdir_later2, 4, NULL, 120 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 4);
	assert_seq(&c, "S", 4);
	size_t warned = 0;
	for (size_t i = 0; i < c.nstatus; i++)
		warned += strstr(c.status[i], "not a regular file") != NULL;
	assert_int_equal(warned, 1);
	unlink(ctx_path(&c, "sub/fifo.log"));
	unlink(ctx_path(&c, "sub/a.log"));
	unlink(ctx_path(&c, "sub/old.log.gz"));
	unlink(ctx_path(&c, "sub/empty.log.gz"));
	rmdir(ctx_path(&c, "sub"));
	ctx_release(&c);
}

/* The directory is removed and made again: its files are found again
 * (the dead watch is replaced at the next tick). */
static void
act_rmdir(struct ctx *c)
{
	assert_int_equal(unlink(ctx_path(c, "sub/a.log")), 0);
	assert_int_equal(rmdir(ctx_path(c, "sub")), 0);
}

static void
act_remkdir(struct ctx *c)
{
	assert_int_equal(mkdir(ctx_path(c, "sub"), 0755), 0);
	append_seq(ctx_path(c, "sub/b.log"), "B", 0, 2);
}

static void
act_reappend(struct ctx *c)
{
	append_seq(ctx_path(c, "sub/b.log"), "B", 2, 4);
}

static void
test_dir_recreated(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	assert_int_equal(mkdir(ctx_path(&c, "sub"), 0755), 0);
	append_seq(ctx_path(&c, "sub/a.log"), "A", 0, 2);
	c.src = ctx_file_source(&c, "sub/*.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 2, "following 1 file", 0 },
		{ act_rmdir, 2, "following 0 files", 0 },
		{ act_remkdir, 4, "new file b.log", 120 },
		{ act_reappend, 6, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 6);
	assert_seq(&c, "A", 2);
	assert_seq(&c, "B", 4);
	unlink(ctx_path(&c, "sub/b.log"));
	rmdir(ctx_path(&c, "sub"));
	ctx_release(&c);
}

/* Compressed rotated files found at start: read (through gzip -dc, xz
 * -dc) oldest first, before the plain files' history; last N lines of
 * each; since_ns; a broken one is skipped with a warning. */
static void
sh(const char *fmt, ...) LX_PRINTF(1, 2);

static void
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static void
set_mtime(const char *path, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
make_rotated(struct ctx *c)
{
	/* x.log.3.gz: t=0..99 (oldest), x.log.2.xz: t=100..199,
	 * x.log.1.gz: t=200..299 with CRLF, x.log: t=300..309 */
	const char *names[] = { "x.log.3", "x.log.2", "x.log.1" };
	for (int k = 0; k < 3; k++) {
		size_t cap = 100 * 32, n = 0;
		char *buf = xmalloc(cap);
		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(buf + n, cap - n, "t=%d z%s\n", k * 100 + i,
					      k == 2 ? "\r" : "");
		append(ctx_path(c, names[k]), buf, n);
		free(buf);
	}
	sh("cd %s && gzip -n x.log.3 && xz x.log.2 && gzip -n x.log.1", c->dir);
	set_mtime(ctx_path(c, "x.log.3.gz"), 1000);
	set_mtime(ctx_path(c, "x.log.2.xz"), 2000);
	set_mtime(ctx_path(c, "x.log.1.gz"), 3000);
	for (int i = 300; i < 310; i++) {
		char l[32];
		snprintf(l, sizeof(l), "t=%d plain\n", i);
		appends(ctx_path(c, "x.log"), l);
	}
}

static void
run_rotated(long history, int64_t since_s, bool merge, size_t want, int first_t)
{
	struct ctx c;
	ctx_init(&c);
	make_rotated(&c);
	/* not compressed data behind a .gz name, and a broken gzip file */
	appends(ctx_path(&c, "x.log.9.gz"), "\x1f\x8b garbage\n");
	set_mtime(ctx_path(&c, "x.log.9.gz"), 500);
	const char *pats[1] = { ctx_path(&c, "x.log*") };
	struct file_source_opts o = {
		.paths = pats, .npaths = 1, .history_lines = history, .poll_ms = 50,
		.since_ns = since_s * 1000000000, .line_ts = ts_of, .merge_history = merge,
	};
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	const struct step steps[] = { { NULL, want, "history:", 50 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	if (c.nlines != want)
		fail_msg("history %ld since %lld: %zu lines, want %zu", history,
			 (long long)since_s, c.nlines, want);
	int last = -1;
	for (size_t i = 0; i < c.nlines; i++) {
		int t = atoi(c.lines[i].text + 2);
		if (i == 0)
			assert_int_equal(t, first_t);
		if (t <= last)
			fail_msg("line %zu: t=%d after t=%d", i, t, last);
		last = t;
		const char *o = strrchr(c.lines[i].origin, '/') + 1;
		const char *want_o = t < 100 ? "x.log.3.gz" : t < 200 ? "x.log.2.xz" :
				     t < 300 ? "x.log.1.gz" : "x.log";
		assert_string_equal(o, want_o);
		assert_null(strchr(c.lines[i].text, '\r'));
	}
	assert_true(has_status(&c, "x.log.9.gz: gzip -dc failed"));
	ctx_release(&c);
}

static void
test_compressed_history(void **state)
{
	(void)state;
	run_rotated(-1, 0, false, 310, 0);
	run_rotated(-1, 0, true, 310, 0);
	run_rotated(5, 0, false, 20, 95);       /* last 5 of each */
	run_rotated(-1, 150, false, 160, 150);  /* since t=150 */
}

/* Stopped in the middle of a compressed file: the decompressor is killed
 * and reaped (no zombie), nothing more arrives, the loop closes. */
static void
test_compressed_stop(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "big.log.1"), "line-with-some-padding-to-be-longer-", 0, 400000);
	sh("cd %s && gzip -n -1 big.log.1", c.dir);
	appends(ctx_path(&c, "big.log"), "");
	c.src = ctx_file_source(&c, "big.log*", -1, 0, false);
	c.stop_after = 5;
	const struct step steps[] = { { NULL, 5, NULL, 100 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 5);
	assert_int_equal(c.lines_after_stop, 0);
	int st;
	pid_t z = waitpid(-1, &st, WNOHANG);
	if (z > 0)
		fail_msg("child %d left unreaped", (int)z);
	ctx_release(&c);
}

static int
count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void
act_delete(struct ctx *c)
{
	/* lines written just before the unlink are still read */
	append_seq(ctx_path(c, "d.log"), "D", 10, 12);
	appends(ctx_path(c, "d.log"), "unfinished");
	assert_int_equal(unlink(ctx_path(c, "d.log")), 0);
}

static int fds_before;
static void
act_count_fds(struct ctx *c)
{
	(void)c;
	fds_before = count_fds();
}

static void
test_deleted_file(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "d.log"), "D", 0, 10);
	append_seq(ctx_path(&c, "keep.log"), "K", 0, 1);
	c.src = ctx_file_source(&c, "*.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 11, "following 2 files", 0 },
		{ act_delete, 13, "d.log deleted", 0 },
		{ NULL, 13, "following 1 file", 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 14);
	assert_seq(&c, "D", 12);
	assert_line(&c, 13, "unfinished");     /* handed out at close */
	ctx_release(&c);
}

/* The deleted file's descriptor is really closed. */
static void
act_fds_after(struct ctx *c)
{
	(void)c;
	assert_int_equal(count_fds(), fds_before - 1);
}

static void
test_deleted_closes_fd(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "d.log"), "D", 0, 10);
	c.src = ctx_file_source(&c, "*.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, 10, "following 1 file", 0 },
		{ act_count_fds, 0, NULL, 0 },
		{ act_delete, 12, "following 0 files", 0 },
		{ act_fds_after, 0, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	ctx_release(&c);
}

#define MANY 200

static void
act_many(struct ctx *c)
{
	char name[32];
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "f%03d.log", i);
		appends(ctx_path(c, name), "more\n");
	}
}

static void
test_many_files(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	char name[32], tag[32];
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "f%03d.log", i);
		snprintf(tag, sizeof(tag), "F%03d-", i);
		append_seq(ctx_path(&c, name), tag, 0, 50);
	}
	c.src = ctx_file_source(&c, "f*.log", -1, 0, false);
	const struct step steps[] = {
		{ NULL, MANY * 50, "following 200 files", 0 },
		{ act_many, MANY * 51, NULL, 0 },
	};
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 5000);
	assert_int_equal(c.nlines, MANY * 51);
	for (int i = 0; i < MANY; i += 37) {
		snprintf(tag, sizeof(tag), "F%03d-", i);
		assert_seq(&c, tag, 50);
	}
	size_t more = 0;
	for (size_t i = 0; i < c.nlines; i++)
		more += strcmp(c.lines[i].text, "more") == 0;
	assert_int_equal(more, MANY);
	assert_true(has_status(&c, "history: 10000 lines from 200 files"));
	ctx_release(&c);
}

/* Stopping from inside a sink callback: nothing more arrives. */
static void
test_stop_from_sink(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "s.log"), "S", 0, 10000);
	c.src = ctx_file_source(&c, "s.log", -1, 0, false);
	c.stop_after = 5;
	const struct step steps[] = { { NULL, 5, NULL, 100 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 5);
	assert_int_equal(c.lines_after_stop, 0);
	ctx_release(&c);
}

/* One file named by two patterns (and a hard link): opened once. */
static void
test_same_file_twice(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "x.log"), "X", 0, 5);
	assert_int_equal(link(ctx_path(&c, "x.log"), ctx_path(&c, "y.log")), 0);
	const char *pats[2] = { ctx_path(&c, "x.log"), ctx_path(&c, "*.log") };
	struct file_source_opts o = {
		.paths = pats, .npaths = 2, .history_lines = -1, .poll_ms = 50,
	};
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	assert_non_null(strstr(c.src->desc, "x.log"));
	const struct step steps[] = { { act_follow_x, 6, "following 1 file", 150 } };
	ctx_run(&c, steps, LX_ARRAY_LEN(steps), 3000);
	assert_int_equal(c.nlines, 6);
	assert_seq(&c, "X", 6);
	for (size_t i = 0; i < c.nlines; i++)
		assert_string_equal(c.lines[i].origin, ctx_path(&c, "x.log"));
	ctx_release(&c);
}

/* source_free() right after source_stop(), before the loop has run the
 * close callbacks, in the middle of a history read: no use after free
 * (ASan), and the loop closes. */
static void
test_free_before_close_cbs(void **state)
{
	(void)state;
	struct ctx c;
	ctx_init(&c);
	append_seq(ctx_path(&c, "a.log"), "A", 0, 200000);
	c.src = ctx_file_source(&c, "*.log", -1, 0, false);
	assert_int_equal(source_start(c.src), 0);
	for (int i = 0; i < 5; i++)
		uv_run(&c.loop, UV_RUN_NOWAIT);
	assert_true(c.nlines > 0 && c.nlines < 200000);
	source_stop(c.src);
	source_free(c.src);
	c.src = NULL;
	size_t n = c.nlines;
	uv_run(&c.loop, UV_RUN_DEFAULT);
	assert_int_equal(c.nlines, n);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	ctx_release(&c);
}

static void
test_desc_and_bad_opts(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct source_sink sink = { .line = sink_line };
	struct file_source_opts o = { 0 };
	assert_null(file_source_new(&loop, &o, &sink));
	const char *pats[] = { "/nonexistent/*.log" };
	o.paths = pats;
	o.npaths = 1;
	struct source *s = file_source_new(&loop, &o, &sink);
	assert_non_null(s);
	assert_string_equal(s->desc, "files: /nonexistent/*.log (0 files)");
	assert_string_equal(s->ops->name, "files");
	source_free(s);                 /* never started */
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* ---- throughput (by hand) -------------------------------------------------- */

static size_t bench_lines, bench_bytes, bench_want;
static double bench_cpu;
static uint64_t bench_last_tick, bench_max_gap;

static void
bench_line(void *ud, const char *text, size_t len, size_t full, const char *origin,
	   int64_t ts)
{
	uv_loop_t *loop = ud;
	(void)text, (void)full, (void)origin, (void)ts;
	bench_lines++;
	bench_bytes += len + 1;
	if (bench_bytes >= bench_want)
		uv_stop(loop);
}

/* A 1 ms timer: the longest gap between its calls is the worst time a
 * key would have waited. */
static uint64_t bench_last_cpu, bench_max_cpu_gap;

static uint64_t
thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Also the longest stretch of our own CPU time between two calls: wall
 * gaps include time the OS ran something else (a loaded machine). */
static void
bench_tick(uv_timer_t *t)
{
	uint64_t now = uv_hrtime(), cpu = thread_cpu_ns();
	if (bench_last_tick && now - bench_last_tick > bench_max_gap)
		bench_max_gap = now - bench_last_tick;
	if (bench_last_cpu && cpu - bench_last_cpu > bench_max_cpu_gap)
		bench_max_cpu_gap = cpu - bench_last_cpu;
	bench_last_tick = now;
	bench_last_cpu = cpu;
	(void)t;
}

static size_t
bench_fill(char *buf, size_t i)
{
	return (size_t)sprintf(buf,
		"{\"timestamp\":\"2026-11-25T17:00:%02zu.%06zuZ\",\"level\":\"INFO\","
		"\"agent_id\":\"A%zu-haiku-001\",\"component\":\"redis_bus\","
		"\"message\":\"processed task task-%08zx in %zu ms\"}\n",
		(i / 1000000) % 60, i % 1000000, i % 40, i, i % 997);
}

/* The bench lines' time, read at its fixed place (a stand-in for the
 * app's scanner). */
static int64_t
bench_ts(void *ud, const char *t, size_t len)
{
	(void)ud;
	if (len < 40)
		return 0;
	int64_t sec = (t[31] - '0') * 10 + (t[32] - '0'), frac = 0;
	for (int i = 34; i < 40; i++)
		frac = frac * 10 + (t[i] - '0');
	return sec * 1000000000 + frac * 1000;
}

/* Writes lines until `want` bytes, in `wchunk`-byte writes, line i to file
 * i % nfiles ("bench.log" or "bench<k>.log"); returns lines. */
static size_t
bench_write_n(struct ctx *c, size_t want, size_t wchunk, bool cold, int nfiles)
{
	char **buf = xcalloc((size_t)nfiles, sizeof(*buf));
	size_t *n = xcalloc((size_t)nfiles, sizeof(*n));
	int *fd = xcalloc((size_t)nfiles, sizeof(*fd));
	size_t total = 0, i = 0;
	for (int k = 0; k < nfiles; k++) {
		char name[32];
		if (nfiles == 1)
			snprintf(name, sizeof(name), "bench.log");
		else
			snprintf(name, sizeof(name), "bench%d.log", k);
		buf[k] = xmalloc(wchunk + 256);
		fd[k] = open(ctx_path(c, name), O_WRONLY | O_CREAT | O_APPEND, 0644);
		assert_true(fd[k] >= 0);
	}
	while (total < want) {
		int k = (int)(i % (size_t)nfiles);
		size_t l = bench_fill(buf[k] + n[k], i++);
		n[k] += l;
		total += l;
		if (n[k] >= wchunk) {
			assert_int_equal(write(fd[k], buf[k], n[k]), (ssize_t)n[k]);
			n[k] = 0;
		}
	}
	for (int k = 0; k < nfiles; k++) {
		assert_int_equal(write(fd[k], buf[k], n[k]), (ssize_t)n[k]);
		if (cold) {             /* evict this file's pages */
			fsync(fd[k]);
			posix_fadvise(fd[k], 0, 0, POSIX_FADV_DONTNEED);
		}
		close(fd[k]);
		free(buf[k]);
	}
	free(buf);
	free(n);
	free(fd);
	return i;
}

static size_t
bench_write(struct ctx *c, size_t want, size_t wchunk, bool cold)
{
	return bench_write_n(c, want, wchunk, cold, 1);
}

static bool bench_merge;
static int64_t bench_last_ts;
static size_t bench_disorder;

static void
bench_line_merged(void *ud, const char *text, size_t len, size_t full,
		  const char *origin, int64_t ts)
{
	int64_t t = bench_ts(NULL, text, len);
	bench_disorder += t < bench_last_ts;
	bench_last_ts = t;
	bench_line(ud, text, len, full, origin, ts);
}

static double
bench_run(struct ctx *c, long history, const char *pattern)
{
	const char *pats[1] = { ctx_path(c, pattern) };
	struct file_source_opts o = { .paths = pats, .npaths = 1, .history_lines = history,
				      .line_ts = bench_merge ? bench_ts : NULL,
				      .merge_history = bench_merge };
	struct source_sink sink = { .ud = &c->loop, .line = bench_line_merged };
	c->src = file_source_new(&c->loop, &o, &sink);
	bench_last_ts = 0;
	bench_disorder = 0;
	uv_timer_t tick;
	uv_timer_init(&c->loop, &tick);
	uv_timer_start(&tick, bench_tick, 1, 1);
	bench_lines = bench_bytes = 0;
	bench_last_tick = bench_max_gap = bench_last_cpu = bench_max_cpu_gap = 0;
	struct timespec t0, t1, c0, c1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	assert_int_equal(source_start(c->src), 0);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	bench_cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	source_stop(c->src);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	source_free(c->src);
	c->src = NULL;
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void
test_bench_history(void **state)
{
	(void)state;
	const char *mb = getenv("IFTOP_BENCH_MB");
	if (!mb)
		skip();
	struct ctx c;
	ctx_init(&c);
	bench_want = (size_t)atol(mb) << 20;
	int nfiles = getenv("IFTOP_BENCH_FILES") ? atoi(getenv("IFTOP_BENCH_FILES")) : 1;
	bench_merge = getenv("IFTOP_BENCH_MERGE") != NULL;
	size_t lines = bench_write_n(&c, bench_want, (size_t)1 << 20,
				     getenv("IFTOP_BENCH_COLD") != NULL, nfiles);
	bench_want = 0;
	for (size_t i = 0; i < lines; i++) {
		char b[256];
		bench_want += bench_fill(b, i);
	}
	double s = bench_run(&c, -1, nfiles == 1 ? "bench.log" : "bench*.log");
	printf("file history (%d file%s%s): %zu lines, %.1f MB in %.3f s: %.0f lines/s, "
	       "%.0f MB/s; %zu lines out of time order; longest loop stall %.2f ms (%.2f ms of own cpu)\n",
	       nfiles, nfiles == 1 ? "" : "s", bench_merge ? ", merged" : "",
	       bench_lines, (double)bench_bytes / 1e6, s, (double)bench_lines / s,
	       (double)bench_bytes / 1e6 / s, bench_disorder, (double)bench_max_gap / 1e6,
	       (double)bench_max_cpu_gap / 1e6);
	assert_int_equal(bench_lines, lines);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	ctx_release(&c);
}

/* Follow: a child process appends `mb`/4 MiB in 4 KiB writes (or
 * IFTOP_BENCH_WRITE bytes: 1 = one write per line) as fast as it can while
 * the source follows (history 0), with IFTOP_BENCH_IDLE other files
 * matched by the glob. */
static void
test_bench_follow(void **state)
{
	(void)state;
	const char *mb = getenv("IFTOP_BENCH_MB");
	if (!mb)
		skip();
	struct ctx c;
	ctx_init(&c);
	size_t want = ((size_t)atol(mb) << 20) / 4;
	size_t wchunk = getenv("IFTOP_BENCH_WRITE") ? (size_t)atol(getenv("IFTOP_BENCH_WRITE")) : 4096;
	int idle = getenv("IFTOP_BENCH_IDLE") ? atoi(getenv("IFTOP_BENCH_IDLE")) : 0;
	for (int i = 0; i < idle; i++) {
		char name[32];
		snprintf(name, sizeof(name), "idle%d.log", i);
		appends(ctx_path(&c, name), "");
	}
	appends(ctx_path(&c, "bench.log"), "");
	bench_want = 0;
	size_t lines = 0;
	{
		char b[256];
		while (bench_want < want)
			bench_want += bench_fill(b, lines++);
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(100000);         /* let the source start */
		bench_write(&c, want, wchunk, false);
		_exit(0);
	}
	double s = bench_run(&c, 0, idle ? "*.log" : "bench.log");
	int st;
	waitpid(pid, &st, 0);
	s -= 0.1;
	printf("file follow (%zu-byte writes, %d idle files): %zu lines, %.1f MB in %.3f s: "
	       "%.0f lines/s, %.0f MB/s; reader cpu %.3f s; longest loop stall %.2f ms (%.2f ms of own cpu)\n",
	       wchunk, idle, bench_lines, (double)bench_bytes / 1e6, s,
	       (double)bench_lines / s, (double)bench_bytes / 1e6 / s, bench_cpu,
	       (double)bench_max_gap / 1e6, (double)bench_max_cpu_gap / 1e6);
	assert_int_equal(bench_lines, lines);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	ctx_release(&c);
}

/* Soak (by hand): IFTOP_BENCH_SOAK=30 [IFTOP_BENCH_RATE=50000]: a child
 * process writes RATE lines/s, one write(2) per line, for that many
 * seconds, and rotates the file every second (rename, one more batch to
 * the old file, then a new file); the source follows.  Reports lost,
 * duplicated and reordered lines, reader CPU, peak RSS and the longest
 * loop stall. */
static uint8_t *soak_seen;
static size_t soak_total, soak_got, soak_dup, soak_back, soak_last;

static void
soak_line(void *ud, const char *text, size_t len, size_t full, const char *origin,
	  int64_t ts)
{
	uv_loop_t *loop = ud;
	(void)full, (void)origin, (void)ts;
	if (len < 2 || text[0] != 'S')
		return;
	size_t seq = (size_t)strtoull(text + 1, NULL, 10);
	if (seq >= soak_total)
		return;
	if (soak_seen[seq])
		soak_dup++;
	soak_seen[seq] = 1;
	soak_back += seq < soak_last;
	soak_last = seq;
	if (++soak_got >= soak_total)
		uv_stop(loop);
}

static void
soak_status(void *ud, enum source_status_level lvl, const char *msg)
{
	(void)ud, (void)lvl;
	if (getenv("IFTOP_BENCH_VERBOSE"))
		fprintf(stderr, "[%zu lines] %s\n", soak_got, msg);
}

static void
soak_writer(struct ctx *c, int secs, int rate)
{
	char cur[PATH_MAX], line[256], old[64];
	snprintf(cur, sizeof(cur), "%s", ctx_path(c, "bench.log"));  /* ctx_path's buffers rotate */
	int fd = open(cur, O_WRONLY | O_CREAT | O_APPEND, 0644);
	size_t seq = 0;
	int per_tick = rate / 100;
	for (int t = 0; t < secs * 100; t++) {
		for (int i = 0; i < per_tick; i++) {
			int n = snprintf(line, sizeof(line),
				"S%08zu {\"timestamp\":\"2026-11-25T18:00:00Z\",\"level\":\"INFO\","
				"\"agent_id\":\"A7-sonnet-003\",\"message\":\"soak line\"}\n", seq++);
			if (write(fd, line, (size_t)n) != n)
				_exit(2);
		}
		if (t % 100 == 99) {            /* rotate every second */
			snprintf(old, sizeof(old), "bench.log.%d", t / 100);
			rename(cur, ctx_path(c, old));
			for (int i = 0; i < per_tick; i++) {
				int n = snprintf(line, sizeof(line), "S%08zu late\n", seq++);
				if (write(fd, line, (size_t)n) != n)
					_exit(2);
			}
			close(fd);
			fd = open(cur, O_WRONLY | O_CREAT | O_APPEND, 0644);
		}
		usleep(10000);
	}
	close(fd);
}

static void
soak_deadline(uv_timer_t *t)
{
	uv_stop(t->loop);
}

static void
test_bench_soak(void **state)
{
	(void)state;
	const char *secs_s = getenv("IFTOP_BENCH_SOAK");
	if (!secs_s)
		skip();
	int secs = atoi(secs_s);
	int rate = getenv("IFTOP_BENCH_RATE") ? atoi(getenv("IFTOP_BENCH_RATE")) : 50000;
	struct ctx c;
	ctx_init(&c);
	int per_tick = rate / 100;
	soak_total = (size_t)secs * 100 * (size_t)per_tick + (size_t)secs * (size_t)per_tick;
	soak_seen = xcalloc(soak_total, 1);
	appends(ctx_path(&c, "bench.log"), "");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(100000);
		soak_writer(&c, secs, rate);
		_exit(0);
	}
	const char *pats[1] = { ctx_path(&c, "bench.log") };
	struct file_source_opts o = { .paths = pats, .npaths = 1, .history_lines = 0 };
	struct source_sink sink = { .ud = &c.loop, .line = soak_line, .status = soak_status };
	c.src = file_source_new(&c.loop, &o, &sink);
	uv_timer_t tick, dl;
	uv_timer_init(&c.loop, &tick);
	uv_timer_start(&tick, bench_tick, 1, 1);
	uv_timer_init(&c.loop, &dl);
	uv_timer_start(&dl, soak_deadline, (uint64_t)(2 * secs + 5) * 1000, 0);
	bench_last_tick = bench_max_gap = bench_last_cpu = bench_max_cpu_gap = 0;
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	assert_int_equal(source_start(c.src), 0);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	int st;
	waitpid(pid, &st, 0);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	size_t missing = 0;
	for (size_t i = 0; i < soak_total; i++)
		missing += !soak_seen[i];
	printf("file soak: %d s at %d lines/s, %d rotations: %zu/%zu lines, %zu missing, "
	       "%zu duplicated, %zu out of order; reader cpu %.2f s (%.1f%%), peak RSS %ld MB, "
	       "longest loop stall %.2f ms (%.2f ms of own cpu)\n",
	       secs, rate, secs, soak_got, soak_total, missing, soak_dup, soak_back, cpu,
	       100.0 * cpu / secs, ru.ru_maxrss / 1024, (double)bench_max_gap / 1e6,
	       (double)bench_max_cpu_gap / 1e6);
	source_stop(c.src);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_close((uv_handle_t *)&dl, NULL);
	uv_run(&c.loop, UV_RUN_DEFAULT);
	source_free(c.src);
	assert_int_equal(uv_loop_close(&c.loop), 0);
	free(soak_seen);
	if (missing) {
		char cmd[700];
		snprintf(cmd, sizeof(cmd), "cd %s && ls | head -3; cat bench.log* | wc -l; ls | wc -l", c.dir);
		if (system(cmd) != 0)
			print_error("system failed\n");
	}
	assert_int_equal(missing, 0);
	assert_int_equal(soak_dup, 0);
	ctx_release(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linebuf_cases),
		cmocka_unit_test(test_linebuf_flush),
		cmocka_unit_test(test_desc_and_bad_opts),
		cmocka_unit_test(test_same_file_twice),
		cmocka_unit_test(test_free_before_close_cbs),
		cmocka_unit_test(test_history_last_n),
		cmocka_unit_test(test_history_all_and_none),
		cmocka_unit_test(test_history_big),
		cmocka_unit_test(test_history_since),
		cmocka_unit_test(test_history_merged),
		cmocka_unit_test(test_history_since_merged),
		cmocka_unit_test(test_follow_appends),
		cmocka_unit_test(test_partial_line),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_huge_line_memory),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_rotation_rename),
		cmocka_unit_test(test_rotation_polling),
		cmocka_unit_test(test_rotation_name_matches),
		cmocka_unit_test(test_rotation_stress),
		cmocka_unit_test(test_copytruncate),
		cmocka_unit_test(test_file_created_later),
		cmocka_unit_test(test_dir_created_later),
		cmocka_unit_test(test_dir_recreated),
		cmocka_unit_test(test_compressed_history),
		cmocka_unit_test(test_compressed_stop),
		cmocka_unit_test(test_deleted_file),
		cmocka_unit_test(test_deleted_closes_fd),
		cmocka_unit_test(test_many_files),
		cmocka_unit_test(test_stop_from_sink),
		cmocka_unit_test(test_bench_history),
		cmocka_unit_test(test_bench_follow),
		cmocka_unit_test(test_bench_soak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

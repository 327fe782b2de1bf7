/*
 * tests/test_stdin_source.c: the stdin source (sources/stdin_src.c) over a
 * pipe, a socket pair, a regular file and /dev/null.
 *
 * The writer side is driven by a 5 ms timer inside the test's own loop; a
 * deadline timer fails the test instead of hanging.  Every test ends with
 * uv_loop_close() == 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "sources/stdin_src.h"

struct rec {
	char *text;
	size_t len, full;
};

struct ctx {
	uv_loop_t loop;
	struct source *src;
	struct rec *lines;
	size_t nlines, cap;
	char *status[16];
	enum source_status_level lvl[16];
	size_t nstatus;
	uv_timer_t drive, deadline;
	int wfd;                        /* writer end, -1 when closed */
	const char *const *chunks;      /* written one per tick; NULL ends */
	size_t next;
	bool timed_out, finished;
};

static void
sink_line(void *ud, const char *text, size_t len, size_t full, const char *origin,
	  int64_t ts)
{
	struct ctx *c = ud;
	assert_string_equal(origin, "stdin");
	assert_int_equal(ts, 0);
	assert_int_equal(c->nstatus, 0);        /* nothing after "closed" */
	xgrow(&c->lines, &c->cap, c->nlines + 1, sizeof(*c->lines));
	c->lines[c->nlines].text = xstrndup(text, len);
	c->lines[c->nlines].len = len;
	c->lines[c->nlines].full = full;
	c->nlines++;
}

static void
finish(struct ctx *c)
{
	if (c->finished)
		return;
	c->finished = true;
	source_stop(c->src);
	uv_close((uv_handle_t *)&c->drive, NULL);
	uv_close((uv_handle_t *)&c->deadline, NULL);
}

static void
sink_status(void *ud, enum source_status_level lvl, const char *msg)
{
	struct ctx *c = ud;
	assert_true(c->nstatus < 16);
	c->lvl[c->nstatus] = lvl;
	c->status[c->nstatus++] = xstrdup(msg);
	finish(c);                      /* "closed" is the last thing */
}

static void
drive_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;
	if (c->wfd < 0)
		return;
	const char *s = c->chunks ? c->chunks[c->next] : NULL;
	if (!s) {
		close(c->wfd);
		c->wfd = -1;
		return;
	}
	size_t n = strlen(s), off = 0;
	if (strcmp(s, "<BIG>") == 0) {
		/* 3 MiB line; the pipe is non-blocking so write what fits, the
		 * source drains it on the next loop turns */
		static char *big;
		static size_t left;
		if (!big) {
			big = xmalloc((size_t)3 << 20);
			memset(big, 'z', (size_t)3 << 20);
			big[((size_t)3 << 20) - 1] = '\n';
			left = (size_t)3 << 20;
		}
		ssize_t w = write(c->wfd, big + ((size_t)(3 << 20) - left), left);
		if (w > 0)
			left -= (size_t)w;
		if (left == 0) {
			free(big);
			big = NULL;
			c->next++;
		}
		return;
	}
	while (off < n) {
		ssize_t w = write(c->wfd, s + off, n - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	c->next++;
}

static void
deadline_cb(uv_timer_t *t)
{
	struct ctx *c = t->data;
	c->timed_out = true;
	finish(c);
}

static void
run(struct ctx *c, int rfd, size_t max_line)
{
	assert_int_equal(uv_loop_init(&c->loop), 0);
	struct source_sink sink = { .ud = c, .line = sink_line, .status = sink_status };
	c->src = stdin_source_new(&c->loop, rfd, &sink);
	assert_non_null(c->src);
	assert_string_equal(c->src->desc, "stdin");
	if (max_line)
		stdin_source_set_max_line(c->src, max_line);
	close(rfd);                     /* the source has its own dup */
	uv_timer_init(&c->loop, &c->drive);
	uv_timer_init(&c->loop, &c->deadline);
	c->drive.data = c->deadline.data = c;
	uv_timer_start(&c->drive, drive_cb, 0, 5);
	uv_timer_start(&c->deadline, deadline_cb, 3000, 0);
	assert_int_equal(source_start(c->src), 0);
	uv_run(&c->loop, UV_RUN_DEFAULT);
	source_free(c->src);
	if (c->wfd >= 0)
		close(c->wfd);
	assert_int_equal(uv_loop_close(&c->loop), 0);
	if (c->timed_out)
		fail_msg("timed out with %zu lines", c->nlines);
}

static void
release(struct ctx *c)
{
	for (size_t i = 0; i < c->nlines; i++)
		free(c->lines[i].text);
	free(c->lines);
	for (size_t i = 0; i < c->nstatus; i++)
		free(c->status[i]);
}

static void
assert_line(const struct ctx *c, size_t i, const char *want)
{
	if (i >= c->nlines)
		fail_msg("line %zu missing (have %zu)", i, c->nlines);
	if (strcmp(c->lines[i].text, want) != 0)
		fail_msg("line %zu is '%s', want '%s'", i, c->lines[i].text, want);
}

static const char *const pipe_chunks[] = {
	"first\nsec", "ond\r\n", "\xff\xfe raw\n", "<BIG>", "after big\n",
	"no newline at end", NULL,
};

static void
test_pipe_eof(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.wfd = p[1];
	assert_int_equal(fcntl(c.wfd, F_SETFL, O_NONBLOCK), 0);
	c.chunks = pipe_chunks;
	run(&c, p[0], (size_t)1 << 20);
	assert_int_equal(c.nlines, 6);
	assert_line(&c, 0, "first");
	assert_line(&c, 1, "second");
	assert_line(&c, 2, "\xff\xfe raw");
	assert_int_equal(c.lines[3].len, (size_t)1 << 20);
	assert_int_equal(c.lines[3].full, ((size_t)3 << 20) - 1);
	assert_line(&c, 4, "after big");
	assert_line(&c, 5, "no newline at end");
	assert_int_equal(c.nstatus, 1);
	assert_int_equal(c.lvl[0], SRC_INFO);
	assert_string_equal(c.status[0], "stdin closed (6 lines)");
	release(&c);
}

static void
test_socketpair_eof(void **state)
{
	(void)state;
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	static const char *const chunks[] = { "a\n", "b\n", NULL };
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.wfd = sv[1];
	c.chunks = chunks;
	run(&c, sv[0], 0);
	assert_int_equal(c.nlines, 2);
	assert_string_equal(c.status[0], "stdin closed (2 lines)");
	release(&c);
}

static void
test_regular_file(void **state)
{
	(void)state;
	char path[] = "/tmp/lxstdin.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	for (int i = 0; i < 100000; i++)
		dprintf(fd, "line %d\r\n", i);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.wfd = -1;
	run(&c, fd, 0);
	assert_int_equal(c.nlines, 100000);
	assert_line(&c, 0, "line 0");
	assert_line(&c, 99999, "line 99999");
	assert_string_equal(c.status[0], "stdin closed (100000 lines)");
	release(&c);
}

static void
test_dev_null(void **state)
{
	(void)state;
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.wfd = -1;
	run(&c, fd, 0);
	assert_int_equal(c.nlines, 0);
	assert_string_equal(c.status[0], "stdin closed (0 lines)");
	release(&c);
}

/* Stop before EOF: no status, and the descriptor's flags are restored. */
static void
test_stop_early(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	int before = fcntl(p[0], F_GETFL);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	struct source *s = stdin_source_new(&loop, p[0], &sink);
	assert_int_equal(source_start(s), 0);
	assert_int_equal(source_start(s), LX_EINVAL);
	assert_true(fcntl(p[0], F_GETFL) & O_NONBLOCK);
	assert_int_equal(write(p[1], "x\n", 2), 2);
	uv_run(&loop, UV_RUN_NOWAIT);
	source_stop(s);
	source_stop(s);
	assert_int_equal(fcntl(p[0], F_GETFL), before);
	uv_run(&loop, UV_RUN_DEFAULT);
	source_free(s);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(c.nlines, 1);
	assert_int_equal(c.nstatus, 0);
	close(p[0]);
	close(p[1]);
	release(&c);
}

/* A terminal is refused: the keyboard is the app's. */
static void
test_tty_refused(void **state)
{
	(void)state;
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0)
		skip();
	assert_int_equal(grantpt(m), 0);
	assert_int_equal(unlockpt(m), 0);
	int t = open(ptsname(m), O_RDWR | O_NOCTTY);
	assert_true(t >= 0);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct ctx c;
	memset(&c, 0, sizeof(c));
	struct source_sink sink = { .ud = &c, .line = sink_line, .status = sink_status };
	struct source *s = stdin_source_new(&loop, t, &sink);
	assert_int_equal(source_start(s), LX_EINVAL);
	source_free(s);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(c.nlines + c.nstatus, 0);
	close(t);
	close(m);
}

/* Throughput (by hand): IFTOP_BENCH_MB=400 pipes that many MiB of
 * ~160-byte lines from a child process through the stdin source;
 * IFTOP_BENCH_COST_NS=500 makes the sink spend that long per line. */
static size_t bench_lines, bench_bytes;
static uint64_t bench_cost_ns;

static void
bench_line(void *ud, const char *text, size_t len, size_t full, const char *origin,
	   int64_t ts)
{
	(void)ud, (void)text, (void)full, (void)origin, (void)ts;
	bench_lines++;
	bench_bytes += len + 1;
	if (bench_cost_ns) {            /* stand-in for the store's work */
		uint64_t t0 = uv_hrtime();
		while (uv_hrtime() - t0 < bench_cost_ns)
			;
	}
}

static uint64_t bench_last_cpu, bench_max_cpu_gap;

/* A 1 ms timer: the longest stretch of our own CPU time between two of
 * its calls is the worst a key would wait (wall time also counts other
 * processes on a loaded machine). */
static void
bench_tick(uv_timer_t *t)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	uint64_t cpu = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (bench_last_cpu && cpu - bench_last_cpu > bench_max_cpu_gap)
		bench_max_cpu_gap = cpu - bench_last_cpu;
	bench_last_cpu = cpu;
	(void)t;
}

static void
bench_status(void *ud, enum source_status_level lvl, const char *msg)
{
	(void)lvl, (void)msg;
	uv_stop(ud);
}

static void
test_bench_pipe(void **state)
{
	(void)state;
	const char *mb = getenv("IFTOP_BENCH_MB");
	if (!mb)
		skip();
	size_t want = (size_t)atol(mb) << 20, lines = 0;
	if (getenv("IFTOP_BENCH_COST_NS"))      /* sink cost per line */
		bench_cost_ns = (uint64_t)atol(getenv("IFTOP_BENCH_COST_NS"));
	int p[2];
	assert_int_equal(pipe(p), 0);
	char line[256];
	int l = snprintf(line, sizeof(line),
		"{\"timestamp\":\"2026-11-25T17:00:00.000000Z\",\"level\":\"INFO\","
		"\"agent_id\":\"A7-haiku-001\",\"component\":\"redis_bus\","
		"\"message\":\"processed task in 12 ms\"}\n");
	lines = want / (size_t)l;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		char *buf = xmalloc((size_t)1 << 20);
		size_t per = ((size_t)1 << 20) / (size_t)l, left = lines;
		for (size_t i = 0; i < per; i++)
			memcpy(buf + i * (size_t)l, line, (size_t)l);
		while (left) {
			size_t n = left < per ? left : per;
			size_t bytes = n * (size_t)l, off = 0;
			while (off < bytes) {
				ssize_t w = write(p[1], buf + off, bytes - off);
				if (w <= 0)
					_exit(2);
				off += (size_t)w;
			}
			left -= n;
		}
		_exit(0);
	}
	close(p[1]);
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct source_sink sink = { .ud = &loop, .line = bench_line, .status = bench_status };
	struct source *s = stdin_source_new(&loop, p[0], &sink);
	close(p[0]);
	uv_timer_t tick;
	uv_timer_init(&loop, &tick);
	uv_timer_start(&tick, bench_tick, 1, 1);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(source_start(s), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	int st;
	waitpid(pid, &st, 0);
	double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("stdin pipe: %zu lines, %.1f MB in %.3f s: %.0f lines/s, %.0f MB/s; "
	       "longest loop stall %.2f ms of own cpu\n",
	       bench_lines, (double)bench_bytes / 1e6, sec, (double)bench_lines / sec,
	       (double)bench_bytes / 1e6 / sec, (double)bench_max_cpu_gap / 1e6);
	source_stop(s);
	uv_close((uv_handle_t *)&tick, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	source_free(s);
	assert_int_equal(uv_loop_close(&loop), 0);
	assert_int_equal(bench_lines, lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_eof),
		cmocka_unit_test(test_socketpair_eof),
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_dev_null),
		cmocka_unit_test(test_stop_early),
		cmocka_unit_test(test_tty_refused),
		cmocka_unit_test(test_bench_pipe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

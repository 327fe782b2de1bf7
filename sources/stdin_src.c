/*
 * sources/stdin_src.c: the stdin source (pipe, socket or file descriptor).
 *
 * Owns: a dup of the descriptor, its stream or pump handle, a line buffer.
 * Must not: touch the terminal, parse lines, block the loop.
 */
#include "sources/stdin_src.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "sources/linebuf.h"

#define STDIN_CHUNK ((size_t)256 << 10)

struct stdin_src {
	struct source *src;
	int fd;                 /* our dup; -1 once libuv or we closed it */
	int saved_flags;        /* file status flags before libuv touched them */
	size_t max_line;
	uv_stream_t *stream;    /* pipe/socket mode */
	uv_idle_t *pump;        /* plain read(2) mode; stream mode: resumes reading */
	size_t turn_bytes;      /* stream mode: bytes since reading (re)started */
	char *rbuf;
	struct linebuf lb;
	uint64_t lines;
	bool started, stopped, done;
};

static void
free_handle_cb(uv_handle_t *h)
{
	free(h);
}

static int
on_line(void *ud, const char *text, size_t len, size_t full_len)
{
	struct stdin_src *ss = ud;
	if (ss->stopped)
		return 1;
	ss->lines++;
	ss->src->sink.line(ss->src->sink.ud, text, len, full_len, "stdin", 0);
	return ss->stopped;
}

static void
say(struct stdin_src *ss, enum source_status_level lvl, const char *msg)
{
	if (!ss->stopped && ss->src->sink.status)
		ss->src->sink.status(ss->src->sink.ud, lvl, msg);
}

/* Gives the descriptor back its flags and lets go of the handles. */
static void
release(struct stdin_src *ss)
{
	if (ss->fd >= 0 && ss->saved_flags >= 0)
		fcntl(ss->fd, F_SETFL, ss->saved_flags);
	if (ss->stream) {
		uv_close((uv_handle_t *)ss->stream, free_handle_cb);  /* closes fd */
		ss->stream = NULL;
		ss->fd = -1;
	}
	if (ss->pump) {
		uv_close((uv_handle_t *)ss->pump, free_handle_cb);
		ss->pump = NULL;
	}
	if (ss->fd >= 0) {
		close(ss->fd);
		ss->fd = -1;
	}
}

/* End of input (err == 0) or a read error: last line, status, close. */
static void
finish(struct stdin_src *ss, int err)
{
	if (ss->done)
		return;
	ss->done = true;
	linebuf_flush(&ss->lb, on_line, ss);
	char msg[160];
	if (err) {
		snprintf(msg, sizeof(msg), "stdin read error: %s (%llu lines)",
			 uv_strerror(err), (unsigned long long)ss->lines);
		say(ss, SRC_ERROR, msg);
	} else {
		snprintf(msg, sizeof(msg), "stdin closed (%llu line%s)",
			 (unsigned long long)ss->lines, ss->lines == 1 ? "" : "s");
		say(ss, SRC_INFO, msg);
	}
	release(ss);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct stdin_src *ss = h->data;
	(void)hint;
	*buf = uv_buf_init(ss->rbuf, (unsigned)STDIN_CHUNK);
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

/* Next loop turn after a pause: read again. */
static void
resume_cb(uv_idle_t *h)
{
	struct stdin_src *ss = h->data;
	uv_idle_stop(h);
	ss->turn_bytes = 0;
	if (!ss->stopped && !ss->done && ss->stream)
		uv_read_start(ss->stream, alloc_cb, read_cb);
}

/* libuv reads a readable pipe up to 32 times in one go; after a chunk's
 * worth, pause until the next loop turn so keys and timers get their
 * turn while a fast writer floods the pipe. */
static void
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct stdin_src *ss = st->data;
	(void)buf;
	if (ss->stopped || ss->done)
		return;
	if (n > 0) {
		linebuf_feed(&ss->lb, ss->rbuf, (size_t)n, on_line, ss);
		ss->turn_bytes += (size_t)n;
		if (ss->turn_bytes >= STDIN_CHUNK && !ss->stopped) {
			uv_read_stop(ss->stream);
			uv_idle_start(ss->pump, resume_cb);
		}
	} else if (n == UV_EOF)
		finish(ss, 0);
	else if (n < 0)
		finish(ss, (int)n);
}

/* Plain-descriptor mode: one chunk per loop turn until read(2) says 0. */
static void
pump_cb(uv_idle_t *h)
{
	struct stdin_src *ss = h->data;
	if (ss->stopped || ss->done)
		return;
	ssize_t n = read(ss->fd, ss->rbuf, STDIN_CHUNK);
	if (n > 0)
		linebuf_feed(&ss->lb, ss->rbuf, (size_t)n, on_line, ss);
	else if (n == 0)
		finish(ss, 0);
	else if (errno != EINTR && errno != EAGAIN)
		finish(ss, -errno);
}

static int
stdin_start(struct source *s)
{
	struct stdin_src *ss = s->priv;
	if (ss->started || ss->stopped)
		return LX_EINVAL;
	uv_handle_type type = uv_guess_handle(ss->fd);
	int rc;
	switch (type) {
	case UV_FILE:
		ss->pump = xcalloc(1, sizeof(*ss->pump));
		uv_idle_init(s->loop, ss->pump);
		ss->pump->data = ss;
		uv_idle_start(ss->pump, pump_cb);
		break;
	case UV_NAMED_PIPE:
	case UV_TCP: {
		ss->saved_flags = fcntl(ss->fd, F_GETFL);
		if (type == UV_TCP) {
			uv_tcp_t *t = xcalloc(1, sizeof(*t));
			uv_tcp_init(s->loop, t);
			rc = uv_tcp_open(t, ss->fd);
			ss->stream = (uv_stream_t *)t;
		} else {
			uv_pipe_t *p = xcalloc(1, sizeof(*p));
			uv_pipe_init(s->loop, p, 0);
			rc = uv_pipe_open(p, ss->fd);
			ss->stream = (uv_stream_t *)p;
		}
		ss->stream->data = ss;
		ss->pump = xcalloc(1, sizeof(*ss->pump));
		uv_idle_init(s->loop, ss->pump);
		ss->pump->data = ss;
		if (rc == 0)
			rc = uv_read_start(ss->stream, alloc_cb, read_cb);
		if (rc != 0) {
			release(ss);
			return LX_EIO;
		}
		break;
	}
	default:                        /* a terminal, UDP, unknown */
		return LX_EINVAL;
	}
	ss->started = true;
	return 0;
}

static void
stdin_stop(struct source *s)
{
	struct stdin_src *ss = s->priv;
	if (ss->stopped)
		return;
	ss->stopped = true;
	release(ss);
}

static void
stdin_free(struct source *s)
{
	struct stdin_src *ss = s->priv;
	if (!ss)
		return;
	stdin_stop(s);
	linebuf_release(&ss->lb);
	free(ss->rbuf);
	free(ss);
	s->priv = NULL;
}

static const struct source_ops stdin_source_ops = {
	.name = "stdin",
	.start = stdin_start,
	.stop = stdin_stop,
	.free = stdin_free,
};

void
stdin_source_set_max_line(struct source *s, size_t max_line)
{
	struct stdin_src *ss = s->priv;
	if (ss->started)
		return;
	ss->max_line = max_line ? max_line : LINEBUF_DEFAULT_MAX;
	linebuf_release(&ss->lb);
	linebuf_init(&ss->lb, ss->max_line);
}

struct source *
stdin_source_new(uv_loop_t *loop, int fd, const struct source_sink *sink)
{
	if (!sink || !sink->line)
		return NULL;
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return NULL;
	struct source *s = xcalloc(1, sizeof(*s));
	struct stdin_src *ss = xcalloc(1, sizeof(*ss));
	s->ops = &stdin_source_ops;
	s->loop = loop;
	s->sink = *sink;
	s->priv = ss;
	snprintf(s->desc, sizeof(s->desc), "stdin");
	ss->src = s;
	ss->fd = dfd;
	ss->saved_flags = -1;
	ss->max_line = LINEBUF_DEFAULT_MAX;
	ss->rbuf = xmalloc(STDIN_CHUNK);
	linebuf_init(&ss->lb, ss->max_line);
	return s;
}

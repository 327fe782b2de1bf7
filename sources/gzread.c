/*
 * sources/gzread.c: lines of a compressed file through the system's
 * decompressor, read from a pipe on the loop.
 *
 * Owns: the child process, the pipe from it, a line buffer.  Must not:
 * block the loop, link a compression library (none is in the build).
 */
#include "sources/gzread.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "core/err.h"
#include "core/xalloc.h"

#define GZ_CHUNK ((size_t)64 << 10)

struct gzread {
	uv_loop_t *loop;
	char *path;
	const char *prog;       /* "gzip", "xz", ... (static string) */
	long last_n;
	int pass;               /* 1 = count lines, 2 = hand them out */
	uint64_t nl;            /* pass 1: newlines seen */
	bool partial;           /* pass 1: bytes after the last newline */
	uint64_t skip;          /* pass 2: lines to drop first */
	uint64_t seen;          /* pass 2: lines seen */
	uv_process_t *proc;
	uv_pipe_t *out;
	uv_timer_t *kick;       /* starts the first pass on the next loop turn */
	int handles;            /* open handles: freed when 0 and finished */
	bool exited, eof, failed;
	bool finished;          /* `done` called (or stopped): no more callbacks */
	struct linebuf lb;
	char *rbuf;
	gzread_line_fn line;
	gzread_done_fn done;
	void *ud;
};

static void
maybe_free(struct gzread *g)
{
	if (!g->finished || g->handles > 0)
		return;
	linebuf_release(&g->lb);
	free(g->rbuf);
	free(g->path);
	free(g);
}

static void
on_close(uv_handle_t *h)
{
	struct gzread *g = h->data;
	free(h);
	g->handles--;
	maybe_free(g);
}

static void
close_handle(uv_handle_t *h)
{
	if (h && !uv_is_closing(h))
		uv_close(h, on_close);
}

/* Ends the reader: `done` (unless stopped), then the handles go.  A
 * child still running is killed, and its handle is closed only once it
 * has exited, so that libuv reaps it (no zombie). */
static void
finish(struct gzread *g, bool call_done, int err)
{
	if (g->finished)
		return;
	g->finished = true;
	if (call_done && g->done)
		g->done(g->ud, err);
	if (g->proc && !g->exited)
		uv_process_kill(g->proc, SIGTERM);
	else
		close_handle((uv_handle_t *)g->proc);
	close_handle((uv_handle_t *)g->out);
	close_handle((uv_handle_t *)g->kick);
	if (g->exited)
		g->proc = NULL;
	g->out = NULL;
	g->kick = NULL;
	maybe_free(g);
}

static int
emit(void *ud, const char *text, size_t len, size_t full_len)
{
	struct gzread *g = ud;
	if (g->finished)
		return 1;
	if (g->seen++ < g->skip)
		return 0;
	if (g->line(g->ud, text, len, full_len)) {
		finish(g, false, 0);
		return 1;
	}
	return g->finished;
}

static void spawn_pass(struct gzread *g);

/* Both the child's exit and the pipe's end are in: next pass or done. */
static void
pass_end(struct gzread *g)
{
	if (!g->exited || !g->eof || g->finished)
		return;
	close_handle((uv_handle_t *)g->proc);
	close_handle((uv_handle_t *)g->out);
	g->proc = NULL;
	g->out = NULL;
	if (g->failed) {
		finish(g, true, UV_EIO);
		return;
	}
	if (g->pass == 1) {
		uint64_t total = g->nl + (g->partial ? 1 : 0);
		g->skip = total > (uint64_t)g->last_n ? total - (uint64_t)g->last_n : 0;
		g->pass = 2;
		spawn_pass(g);
		return;
	}
	linebuf_flush(&g->lb, emit, g);
	finish(g, true, 0);
}

static void
exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct gzread *g = p->data;
	g->exited = true;
	if (g->finished) {              /* killed by finish(): reap done */
		close_handle((uv_handle_t *)p);
		g->proc = NULL;
		return;
	}
	if (status != 0 || sig != 0)
		g->failed = true;
	pass_end(g);
}

static void
alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct gzread *g = h->data;
	(void)hint;
	*buf = uv_buf_init(g->rbuf, (unsigned)GZ_CHUNK);
}

static void
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
	struct gzread *g = st->data;
	(void)buf;
	if (g->finished)
		return;
	if (n > 0) {
		if (g->pass == 1) {
			const char *p = g->rbuf, *end = g->rbuf + n;
			while ((p = memchr(p, '\n', (size_t)(end - p)))) {
				g->nl++;
				p++;
			}
			g->partial = g->rbuf[n - 1] != '\n';
		} else {
			linebuf_feed(&g->lb, g->rbuf, (size_t)n, emit, g);
		}
		return;
	}
	if (n < 0) {
		if (n != UV_EOF)
			g->failed = true;
		g->eof = true;
		uv_read_stop(st);
		pass_end(g);
	}
}

/* Runs the decompressor for the current pass.  A spawn failure ends the
 * reader with that error. */
static void
spawn_pass(struct gzread *g)
{
	g->exited = g->eof = g->failed = false;
	g->out = xcalloc(1, sizeof(*g->out));
	uv_pipe_init(g->loop, g->out, 0);
	g->out->data = g;
	g->handles++;
	uv_stdio_container_t io[3];
	memset(io, 0, sizeof(io));
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
	io[1].data.stream = (uv_stream_t *)g->out;
	io[2].flags = UV_IGNORE;
	char *args[] = { (char *)g->prog, "-dc", "--", g->path, NULL };
	uv_process_options_t o;
	memset(&o, 0, sizeof(o));
	o.exit_cb = exit_cb;
	o.file = g->prog;
	o.args = args;
	o.stdio_count = 3;
	o.stdio = io;
	g->proc = xcalloc(1, sizeof(*g->proc));
	g->proc->data = g;
	g->handles++;
	int rc = uv_spawn(g->loop, g->proc, &o);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)g->out, alloc_cb, read_cb);
	if (rc != 0) {
		g->exited = true;       /* nothing to kill */
		finish(g, true, rc);
	}
}

static void
kick_cb(uv_timer_t *t)
{
	struct gzread *g = t->data;
	close_handle((uv_handle_t *)g->kick);
	g->kick = NULL;
	if (!g->finished)
		spawn_pass(g);
}

struct gzread *
gzread_start(uv_loop_t *loop, const char *path, const char *format, size_t max_line,
	     long last_n, gzread_line_fn line, gzread_done_fn done, void *ud)
{
	static const char *const progs[] = { "gzip", "xz", "zstd", "bzip2" };
	const char *prog = NULL;
	for (size_t i = 0; i < LX_ARRAY_LEN(progs); i++)
		if (format && strcmp(format, progs[i]) == 0)
			prog = progs[i];
	if (!prog || !line)
		return NULL;
	struct gzread *g = xcalloc(1, sizeof(*g));
	g->loop = loop;
	g->path = xstrdup(path);
	g->prog = prog;
	g->last_n = last_n;
	g->pass = last_n > 0 ? 1 : 2;
	g->line = line;
	g->done = done;
	g->ud = ud;
	g->rbuf = xmalloc(GZ_CHUNK);
	linebuf_init(&g->lb, max_line);
	g->kick = xcalloc(1, sizeof(*g->kick));
	uv_timer_init(loop, g->kick);
	g->kick->data = g;
	g->handles++;
	uv_timer_start(g->kick, kick_cb, 0, 0);
	return g;
}

void
gzread_stop(struct gzread *g)
{
	if (g)
		finish(g, false, 0);
}

/*
 * tests/tools/faultproxy.c: an HTTP fault injector between a client and a
 * real server (Loki), on libuv.  Test-only; never linked into the app.
 *
 * usage: faultproxy PORT UPSTREAM_IP:PORT
 *   PORT 0 picks a free port.  Prints "PORT\n" on stdout once listening.
 *
 * Request paths choose the behaviour:
 *   /f/MODE/N/ID/rest...   the first N requests carrying ID get MODE, later
 *                          ones pass through (N = 0: always MODE); "rest" is
 *                          forwarded upstream as "/rest..."
 *   anything else          passed through to the upstream unchanged
 *   /u/PORT/rest...        (after any /f/ part) forwarded to 127.0.0.1:PORT
 * Local answers (keep-alive, no upstream):
 *   /metrics               a static Prometheus exposition (scrape target)
 *   /echo...               200, body = the request head + "body-bytes: N"
 *                          ("status=NNN" anywhere in the path: answer NNN)
 *   /ka                    200, body "conn=C req=R" (keep-alive check)
 *   /status/NNN            answers NNN with a short text body
 *   /gzip                  200, gzip-encoded body ("gzip works " x 100)
 *   /wsecho                a websocket server whose first message is the
 *                          upgrade request head it received
 *   /tunnels               200, body "tunnels=N" and the head of the last
 *                          CONNECT request received
 *   /wsscript              a websocket server that sends a ping, a message
 *                          fragmented in 3 frames with a ping between them,
 *                          a 70000-byte message, then "pongs-ok" once both
 *                          pongs came back masked with the right payloads
 *                          (else "pongs-bad"); on the text "bye" it sends
 *                          close 1000 "done"
 * MODEs:
 *   reset          close with RST before answering
 *   resetbody      200 with Content-Length 100000, 1000 bytes, then RST
 *   slowMS         wait MS ms, then pass through
 *   errNNN         answer NNN ("upstream unavailable (fault proxy)")
 *   rlS            429 with "Retry-After: S"
 *   trunc          200 with truncated JSON (Content-Length matches)
 *   badjson        200 with malformed JSON
 *   bigMB          200 with a MB-megabyte body and Content-Length
 *   bignolenMB     same without Content-Length (ends at close)
 *   hang           read the request, never answer (also: websocket upgrade)
 *   wsdropN        pass through; after N websocket frames from upstream,
 *                  reset the client connection (no close frame)
 *   wshang         websocket upgrades hang unanswered; other requests pass
 *   wsrefuse       websocket upgrades get 429 "max tailers"; others pass
 *   wsinject       pass through; after the first frame from upstream add a
 *                  frame reporting 2 dropped_entries (as Loki does when
 *                  the client is too slow)
 * Absolute-form requests (the proxy used as http_proxy) are served as if
 * their path had been asked directly.
 * CONNECT 127.0.0.1:PORT opens a tunnel to that port (other hosts: 403).
 * The proxy user name (http_proxy=http://USER:x@...) picks a fault:
 *   refuse         403 "tunnel refused"
 *   hang           never answer the CONNECT
 * Passed-through requests get "Connection: close" (unless they upgrade), so
 * one client connection carries one forwarded request.
 */
#include <signal.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/ws.h"

enum mode { M_PASS, M_RESET, M_RESETBODY, M_SLOW, M_STATUS, M_RL, M_TRUNC,
	    M_BADJSON, M_BIG, M_BIGNOLEN, M_HANG, M_WSDROP, M_WSHANG, M_WSREFUSE,
	    M_WSINJECT };

static const struct { const char *name; enum mode m; } modes[] = {
	{ "resetbody", M_RESETBODY }, { "reset", M_RESET }, { "slow", M_SLOW },
	{ "err", M_STATUS }, { "rl", M_RL }, { "trunc", M_TRUNC },
	{ "badjson", M_BADJSON }, { "bignolen", M_BIGNOLEN }, { "big", M_BIG },
	{ "hang", M_HANG }, { "wsdrop", M_WSDROP }, { "wshang", M_WSHANG },
	{ "wsrefuse", M_WSREFUSE }, { "wsinject", M_WSINJECT },
};

static uv_loop_t *loop;
static struct sockaddr_in upstream;
static int conn_serial;

static int tunnels;
static char last_connect[2048];
static struct { char id[64]; long n; } counters[256];
static int ncounters;

static const unsigned char gz_body[] = {
	31,139,8,0,0,0,0,0,2,3,75,175,202,44,80,40,207,47,202,46,86,72,31,101,
	142,50,71,153,163,76,114,153,0,126,179,240,178,76,4,0,0 };

struct conn {
	uv_tcp_t cli, up;
	uv_timer_t timer;
	bool up_init, closing, upgraded;
	int refs;
	int id, reqs;
	struct sbuf in;          /* client bytes not yet consumed */
	struct sbuf uphead;      /* upstream response head (websocket) */
	struct sbuf wsbuf;       /* upstream frames not yet counted */
	size_t body_skip;        /* request body bytes to drop (local answers) */
	bool piping, holding, in_local;
	enum mode mode;
	long arg;
	long frames;
	size_t big_left;
	bool big_len;
	char *fwd_head;          /* rewritten head to send upstream */
	char *local_path, *local_head; /* slow local answer */
	bool ws_server;          /* /wsscript after its handshake */
	bool tunnel;             /* CONNECT: pipe once the upstream is up */
	int up_port;             /* /u/PORT/ override of the upstream port */
	int pongs_ok, pongs;
	size_t local_clen;
	bool local_close;
	size_t fwd_len;
};

static void on_cli_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

static void
alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(sz);
	b->len = sz;
}

static void
conn_unref(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->refs == 0) {
		sbuf_release(&c->in);
		sbuf_release(&c->uphead);
		sbuf_release(&c->wsbuf);
		free(c->fwd_head);
		free(c->local_path);
		free(c->local_head);
		free(c);
	}
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_close((uv_handle_t *)&c->cli, conn_unref);
	uv_close((uv_handle_t *)&c->timer, conn_unref);
	if (c->up_init)
		uv_close((uv_handle_t *)&c->up, conn_unref);
}

static void
conn_reset(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	uv_tcp_close_reset(&c->cli, conn_unref);
	uv_close((uv_handle_t *)&c->timer, conn_unref);
	if (c->up_init)
		uv_close((uv_handle_t *)&c->up, conn_unref);
}

enum after { A_NONE, A_CLOSE, A_RESET, A_BIG };

struct wreq {
	uv_write_t w;
	struct conn *c;
	enum after after;
	char data[];
};

static void big_next(struct conn *c);

static void
shutdown_cb(uv_shutdown_t *r, int st)
{
	(void)st;
	struct conn *c = r->data;
	free(r);
	conn_close(c);
}

static void
write_cb(uv_write_t *w, int st)
{
	struct wreq *r = (struct wreq *)w;
	struct conn *c = r->c;
	enum after a = r->after;
	free(r);
	if (c->closing)
		return;
	if (st < 0) {
		conn_close(c);
		return;
	}
	if (a == A_CLOSE) {
		uv_shutdown_t *sr = xmalloc(sizeof(*sr));
		sr->data = c;
		if (uv_shutdown(sr, (uv_stream_t *)&c->cli, shutdown_cb) != 0) {
			free(sr);
			conn_close(c);
		}
	} else if (a == A_RESET) {
		conn_reset(c);
	} else if (a == A_BIG) {
		big_next(c);
	}
}

static void
send_to(struct conn *c, uv_stream_t *s, const void *p, size_t n, enum after a)
{
	if (c->closing)
		return;
	struct wreq *r = xmalloc(sizeof(*r) + n + 1);
	r->c = c;
	r->after = a;
	memcpy(r->data, p, n);
	uv_buf_t b = uv_buf_init(r->data, (unsigned)n);
	if (uv_write(&r->w, s, &b, 1, write_cb) != 0) {
		free(r);
		conn_close(c);
	}
}

static void
send_cli(struct conn *c, const void *p, size_t n, enum after a)
{
	send_to(c, (uv_stream_t *)&c->cli, p, n, a);
}

static void
answer(struct conn *c, int status, const char *reason, const char *extra,
       const void *body, size_t len, bool keep)
{
	struct sbuf sb = SBUF_INIT;
	sbuf_addf(&sb, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s%s\r\n",
		  status, reason, len, extra ? extra : "",
		  keep ? "" : "Connection: close\r\n");
	sbuf_add(&sb, body, len);
	send_cli(c, sb.buf, sb.len, keep ? A_NONE : A_CLOSE);
	sbuf_release(&sb);
}

static void
big_next(struct conn *c)
{
	static char chunk[256 * 1024];
	if (!chunk[0])
		memset(chunk, 'x', sizeof(chunk));
	if (c->big_left == 0) {
		send_cli(c, "", 0, A_CLOSE);
		return;
	}
	size_t n = c->big_left < sizeof(chunk) ? c->big_left : sizeof(chunk);
	c->big_left -= n;
	send_cli(c, chunk, n, A_BIG);
}

/* ---- upstream side ---- */

static void
on_up_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	if (n < 0) {
		free(b->base);
		if (!c->closing) {
			uv_shutdown_t *sr = xmalloc(sizeof(*sr));
			sr->data = c;
			if (uv_shutdown(sr, (uv_stream_t *)&c->cli, shutdown_cb) != 0) {
				free(sr);
				conn_close(c);
			}
		}
		return;
	}
	if (n == 0) {
		free(b->base);
		return;
	}
	if (c->mode != M_WSDROP && c->mode != M_WSINJECT) {
		send_cli(c, b->base, (size_t)n, A_NONE);
		free(b->base);
		return;
	}
	/* websocket drop: forward whole frames, count them, cut after N */
	const char *p = b->base;
	size_t len = (size_t)n;
	if (!c->upgraded) {
		sbuf_add(&c->uphead, p, len);
		char *e = strstr(c->uphead.buf, "\r\n\r\n");
		free(b->base);
		if (!e)
			return;
		size_t hl = (size_t)(e + 4 - c->uphead.buf);
		send_cli(c, c->uphead.buf, hl, A_NONE);
		c->upgraded = true;
		sbuf_add(&c->wsbuf, c->uphead.buf + hl, c->uphead.len - hl);
	} else {
		sbuf_add(&c->wsbuf, p, len);
		free(b->base);
	}
	for (;;) {
		const unsigned char *f = (const unsigned char *)c->wsbuf.buf;
		size_t have = c->wsbuf.len;
		if (have < 2)
			break;
		size_t plen = f[1] & 0x7f, hl = 2;
		if (plen == 126) {
			if (have < 4)
				break;
			plen = ((size_t)f[2] << 8) | f[3];
			hl = 4;
		} else if (plen == 127) {
			if (have < 10)
				break;
			plen = 0;
			for (int i = 2; i < 10; i++)
				plen = (plen << 8) | f[i];
			hl = 10;
		}
		if (f[1] & 0x80)
			hl += 4;
		if (have < hl + plen)
			break;
		int op = f[0] & 0x0f;
		send_cli(c, f, hl + plen, A_NONE);
		memmove(c->wsbuf.buf, c->wsbuf.buf + hl + plen, have - hl - plen);
		c->wsbuf.len -= hl + plen;
		if (op == 1 || op == 2)
			c->frames++;
		if (c->mode == M_WSINJECT) {
			if (c->frames == 1 && (op == 1 || op == 2)) {
				static const char inj[] = "{\"streams\":[],\"dropped_entries\":["
					"{\"labels\":{\"job\":\"x\"},\"timestamp\":\"1\"},"
					"{\"labels\":{\"job\":\"x\"},\"timestamp\":\"2\"}]}";
				struct sbuf fr = SBUF_INIT;
				ws_frame(&fr, WS_TEXT, true, inj, sizeof(inj) - 1, NULL);
				send_cli(c, fr.buf, fr.len, A_NONE);
				sbuf_release(&fr);
			}
			continue;
		}
		if (c->frames >= c->arg) {
			/* abrupt drop: no close frame */
			send_cli(c, "", 0, A_RESET);
			return;
		}
	}
}

static void
up_connect_cb(uv_connect_t *r, int st)
{
	struct conn *c = r->data;
	free(r);
	if (c->closing)
		return;
	if (st < 0) {
		answer(c, 502, "Bad Gateway", NULL, "upstream down", 13, false);
		return;
	}
	uv_read_start((uv_stream_t *)&c->up, alloc_cb, on_up_read);
	if (c->tunnel) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
		send_cli(c, ok, sizeof(ok) - 1, A_NONE);
	} else {
		send_to(c, (uv_stream_t *)&c->up, c->fwd_head, c->fwd_len, A_NONE);
	}
	if (c->in.len)
		send_to(c, (uv_stream_t *)&c->up, c->in.buf, c->in.len, A_NONE);
	sbuf_reset(&c->in);
	c->piping = true;
}

static void
go_upstream(struct conn *c)
{
	uv_tcp_init(loop, &c->up);
	c->up.data = c;
	c->up_init = true;
	c->refs++;
	uv_connect_t *r = xmalloc(sizeof(*r));
	r->data = c;
	struct sockaddr_in to = upstream;
	if (c->up_port)
		to.sin_port = htons((uint16_t)c->up_port);
	if (uv_tcp_connect(r, &c->up, (const struct sockaddr *)&to, up_connect_cb) != 0) {
		free(r);
		answer(c, 502, "Bad Gateway", NULL, "upstream down", 13, false);
	}
}

static void serve_local(struct conn *c, const char *path, const char *head,
			size_t hl, size_t clen, bool close_req);

static void
slow_cb(uv_timer_t *t)
{
	struct conn *c = t->data;
	if (c->local_path) {
		c->mode = M_PASS;
		c->holding = false;
		serve_local(c, c->local_path, c->local_head, strlen(c->local_head),
			    c->local_clen, true);
		return;
	}
	go_upstream(c);
}

/* ---- client side ---- */

static const char metrics_body[] =
	"# HELP iftop_test_up A gauge that is always 1.\n"
	"# TYPE iftop_test_up gauge\n"
	"iftop_test_up{role=\"fixture\"} 1\n"
	"# HELP iftop_test_errors_total Errors seen by the fixture.\n"
	"# TYPE iftop_test_errors_total counter\n"
	"iftop_test_errors_total{component=\"redis_bus\"} 5\n"
	"iftop_test_errors_total{component=\"scheduler\"} 2\n";

static long
lookup_counter(const char *id)
{
	for (int i = 0; i < ncounters; i++)
		if (!strcmp(counters[i].id, id))
			return counters[i].n++;
	if (ncounters < (int)(sizeof(counters) / sizeof(counters[0]))) {
		snprintf(counters[ncounters].id, sizeof(counters[0].id), "%s", id);
		counters[ncounters++].n = 1;
	}
	return 0;
}

static bool
is_local(const char *path)
{
	return !strcmp(path, "/metrics") || !strncmp(path, "/echo", 5) ||
	       !strcmp(path, "/ka") || !strncmp(path, "/status/", 8) ||
	       !strcmp(path, "/gzip") || !strcmp(path, "/wsscript") ||
	       !strcmp(path, "/tunnels") ||
	       !strcmp(path, "/wsecho");
}

static void
ws_send(struct conn *c, enum ws_opcode op, bool fin, const char *p, size_t n)
{
	struct sbuf f = SBUF_INIT;
	ws_frame(&f, op, fin, p, n, NULL);
	send_cli(c, f.buf, f.len, A_NONE);
	sbuf_release(&f);
}

static void
ws_script_start(struct conn *c, const char *head, bool script)
{
	const char *k = NULL;
	for (const char *p = head; *p && !k; p++)
		if (!strncasecmp(p, "Sec-WebSocket-Key:", 18))
			k = p;
	char key[64] = "", acc[29];
	if (k)
		sscanf(k + 18, " %63s", key);
	ws_accept_key(key, acc);
	struct sbuf b = SBUF_INIT;
	sbuf_addf(&b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	send_cli(c, b.buf, b.len, A_NONE);
	sbuf_release(&b);
	c->ws_server = true;
	if (!script)
		return;
	ws_send(c, WS_PING, true, "p1", 2);
	ws_send(c, WS_TEXT, false, "frag-", 5);
	ws_send(c, WS_PING, true, "p2", 2);
	ws_send(c, WS_CONT, false, "ment", 4);
	ws_send(c, WS_CONT, true, "ed", 2);
	char *big = xmalloc(70000);
	memset(big, 'b', 70000);
	ws_send(c, WS_TEXT, true, big, 70000);
	free(big);
}

/* Client frames on /wsscript: check pongs, answer "bye" with a close. */
static void
ws_script_input(struct conn *c)
{
	for (;;) {
		bool fin, masked;
		int op;
		uint64_t len;
		unsigned char mk[4];
		int h = ws_parse_header((const unsigned char *)c->in.buf, c->in.len, &fin, &op,
					&masked, &len, mk);
		if (h < 0) {
			conn_close(c);
			return;
		}
		if (h == 0 || c->in.len < (size_t)h + len)
			return;
		char *pl = c->in.buf + h;
		if (masked)
			for (uint64_t i = 0; i < len; i++)
				pl[i] ^= (char)mk[i & 3];
		if (op == WS_PONG) {
			c->pongs++;
			if (masked && len == 2 && pl[0] == 'p')
				c->pongs_ok++;
			if (c->pongs == 2) {
				const char *m = c->pongs_ok == 2 ? "pongs-ok" : "pongs-bad";
				ws_send(c, WS_TEXT, true, m, strlen(m));
			}
		} else if (op == WS_TEXT && len == 3 && !memcmp(pl, "bye", 3)) {
			ws_send(c, WS_CLOSE, true, "\x03\xe8" "done", 6);
		} else if (op == WS_CLOSE) {
			send_cli(c, "", 0, A_CLOSE);
			return;
		}
		memmove(c->in.buf, c->in.buf + h + len, c->in.len - h - len);
		c->in.len -= h + len;
	}
}

/* Answers a local path; the request body (clen bytes) is skipped. */
static void
serve_local(struct conn *c, const char *path, const char *head, size_t hl,
	    size_t clen, bool close_req)
{
	bool keep = !close_req && c->mode == M_PASS;
	size_t have = c->in.len < clen ? c->in.len : clen;
	memmove(c->in.buf, c->in.buf + have, c->in.len - have);
	c->in.len -= have;
	c->body_skip = clen - have;
	if (!strcmp(path, "/wsecho")) {
		ws_script_start(c, head, false);
		ws_send(c, WS_TEXT, true, head, hl);
	} else if (!strcmp(path, "/wsscript")) {
		ws_script_start(c, head, true);
	} else if (!strcmp(path, "/metrics")) {
		answer(c, 200, "OK", "Content-Type: text/plain; version=0.0.4\r\n",
		       metrics_body, sizeof(metrics_body) - 1, keep);
	} else if (!strncmp(path, "/echo", 5)) {
		struct sbuf b = SBUF_INIT;
		sbuf_add(&b, head, hl);
		sbuf_addf(&b, "body-bytes: %zu\n", clen);
		const char *st = strstr(path, "status=");
		int code = st ? atoi(st + 7) : 200;
		answer(c, code, code == 200 ? "OK" : "Echo", "Content-Type: text/plain\r\n",
		       b.buf, b.len, keep);
		sbuf_release(&b);
	} else if (!strcmp(path, "/ka")) {
		char b[64];
		int n = snprintf(b, sizeof(b), "conn=%d req=%d", c->id, c->reqs);
		answer(c, 200, "OK", NULL, b, (size_t)n, keep);
	} else if (!strcmp(path, "/tunnels")) {
		struct sbuf b = SBUF_INIT;
		sbuf_addf(&b, "tunnels=%d\n%s", tunnels, last_connect);
		answer(c, 200, "OK", "Content-Type: text/plain\r\n", b.buf, b.len, keep);
		sbuf_release(&b);
	} else if (!strcmp(path, "/gzip")) {
		answer(c, 200, "OK", "Content-Encoding: gzip\r\nContent-Type: text/plain\r\n",
		       gz_body, sizeof(gz_body), keep);
	} else {
		int st = atoi(path + 8);
		char b[64];
		int n = snprintf(b, sizeof(b), "status %d from fault proxy", st);
		answer(c, st, "Status", "Content-Type: text/plain\r\n", b, (size_t)n, keep);
	}
}

/* The user name of a "Proxy-Authorization: Basic" header, or "". */
static void
proxy_user(const char *head, char *out, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	out[0] = '\0';
	const char *p = NULL;
	for (const char *l = strstr(head, "\r\n"); l && !p; l = strstr(l + 2, "\r\n"))
		if (!strncasecmp(l + 2, "Proxy-Authorization: Basic ", 27))
			p = l + 29;
	uint32_t acc = 0;
	int bits = 0;
	size_t k = 0;
	for (; p && *p && *p != '\r' && *p != '='; p++) {
		const char *d = strchr(t, *p);
		if (!d)
			break;
		acc = acc << 6 | (uint32_t)(d - t);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			char ch = (char)(acc >> bits & 0xff);
			if (ch == ':' || k + 1 >= n)
				break;
			out[k++] = ch;
		}
	}
	out[k] = '\0';
}

/* CONNECT host:port: a tunnel to 127.0.0.1 only, or a fault. */
static void
handle_connect(struct conn *c, const char *head, const char *target)
{
	snprintf(last_connect, sizeof(last_connect), "%s", head);
	char user[64];
	proxy_user(head, user, sizeof(user));
	int port = 0;
	if (!strcmp(user, "refuse") || sscanf(target, "127.0.0.1:%d", &port) != 1 || port <= 0) {
		answer(c, 403, "Forbidden", "Content-Type: text/plain\r\n",
		       "tunnel refused", 14, false);
		return;
	}
	if (!strcmp(user, "hang")) {
		c->holding = true;
		return;
	}
	tunnels++;
	c->tunnel = true;
	c->up_port = port;
	go_upstream(c);
}

/* Handles one complete request head `head` (NUL-terminated, hl bytes). */
static void
handle_request(struct conn *c, char *head, size_t hl)
{
	c->reqs++;
	char method[16] = "", path[4096] = "";
	if (sscanf(head, "%15s %4095s", method, path) != 2) {
		answer(c, 400, "Bad Request", NULL, "bad request", 11, false);
		return;
	}
	if (!strcmp(method, "CONNECT")) {
		handle_connect(c, head, path);
		return;
	}
	/* absolute-form request line: we are being used as an HTTP proxy */
	if (!strncmp(path, "http://", 7)) {
		char *p = strchr(path + 7, '/');
		memmove(path, p ? p : "/", strlen(p ? p : "/") + 1);
	}
	size_t clen = 0;
	bool upgrade = false, close_req = false;
	for (char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, "Content-Length:", 15))
			clen = (size_t)strtoull(l + 17, NULL, 10);
		if (!strncasecmp(l + 2, "Upgrade:", 8))
			upgrade = true;
		if (!strncasecmp(l + 2, "Connection: close", 17))
			close_req = true;
	}

	/* fault selection */
	const char *fwd = path;
	c->mode = M_PASS;
	if (!strncmp(path, "/f/", 3)) {
		char mname[64] = "", id[64] = "";
		long n = 0;
		int used = 0;
		if (sscanf(path + 3, "%63[^/]/%ld/%63[^/]%n", mname, &n, id, &used) < 3) {
			answer(c, 400, "Bad Request", NULL, "bad fault path", 14, false);
			return;
		}
		fwd = path + 3 + used;
		if (!*fwd)
			fwd = "/";
		long seen = lookup_counter(id);
		if (n == 0 || seen < n) {
			for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
				size_t ml = strlen(modes[i].name);
				if (!strncmp(mname, modes[i].name, ml)) {
					c->mode = modes[i].m;
					c->arg = atol(mname + ml);
					break;
				}
			}
		}
		if (c->mode == M_WSDROP && n != 0 && seen >= n)
			c->mode = M_PASS;
		if ((c->mode == M_WSHANG || c->mode == M_WSREFUSE || c->mode == M_WSDROP ||
		     c->mode == M_WSINJECT) && !upgrade)
			c->mode = M_PASS;
		if (c->mode == M_WSHANG)
			c->mode = M_HANG;
	}
	(void)method;
	switch (c->mode) {
	case M_RESET:
		conn_reset(c);
		return;
	case M_RESETBODY: {
		struct sbuf b = SBUF_INIT;
		sbuf_adds(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			  "Content-Length: 100000\r\nConnection: close\r\n\r\n"
			  "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\",\"result\":[");
		while (b.len < 1100)
			sbuf_addc(&b, ' ');
		send_cli(c, b.buf, b.len, A_RESET);
		sbuf_release(&b);
		return;
	}
	case M_STATUS:
		answer(c, (int)c->arg, "Fault", "Content-Type: text/plain\r\n",
		       "upstream unavailable (fault proxy)", 34, false);
		return;
	case M_RL: {
		char extra[64];
		snprintf(extra, sizeof(extra), "Retry-After: %ld\r\nContent-Type: text/plain\r\n",
			 c->arg);
		answer(c, 429, "Too Many Requests", extra,
		       "too many outstanding requests", 29, false);
		return;
	}
	case M_TRUNC: {
		static const char t[] = "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"streams\",\"result\":[{\"stream\":{\"job\":\"x\"},\"values\":[[\"1\",\"a";
		answer(c, 200, "OK", "Content-Type: application/json\r\n", t, sizeof(t) - 1, false);
		return;
	}
	case M_BADJSON: {
		static const char t[] = "{\"status\":\"success\",\"data\":{\"resultType\":"
			"\"streams\",\"result\":[}]}}";
		answer(c, 200, "OK", "Content-Type: application/json\r\n", t, sizeof(t) - 1, false);
		return;
	}
	case M_BIG:
	case M_BIGNOLEN: {
		c->big_left = (size_t)(c->arg ? c->arg : 200) << 20;
		struct sbuf b = SBUF_INIT;
		sbuf_adds(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n");
		if (c->mode == M_BIG)
			sbuf_addf(&b, "Content-Length: %zu\r\n", c->big_left);
		sbuf_adds(&b, "\r\n");
		send_cli(c, b.buf, b.len, A_BIG);
		sbuf_release(&b);
		return;
	}
	case M_HANG:
		c->holding = true;
		return;
	case M_WSREFUSE:
		answer(c, 429, "Too Many Requests", "Content-Type: text/plain\r\n",
		       "max concurrent tail requests limit exceeded", 43, false);
		return;
	default:
		break;
	}

	/* /u/PORT/rest: this request goes to 127.0.0.1:PORT instead */
	if (!strncmp(fwd, "/u/", 3)) {
		c->up_port = atoi(fwd + 3);
		const char *p = strchr(fwd + 3, '/');
		fwd = p ? p : "/";
	}
	if (is_local(fwd)) {
		if (c->mode == M_SLOW) {
			c->local_path = xstrdup(fwd);
			c->local_head = xstrndup(head, hl);
			c->local_clen = clen;
			c->local_close = close_req;
			c->holding = true;
			uv_timer_start(&c->timer, slow_cb, (uint64_t)c->arg, 0);
		} else {
			serve_local(c, fwd, head, hl, clen, close_req);
		}
		return;
	}
	/* pass through: rewrite the request line and Connection */
	struct sbuf fh = SBUF_INIT;
	sbuf_addf(&fh, "%s %s HTTP/1.1\r\n", method, fwd);
	char *l = strstr(head, "\r\n");
	while (l && l[2] != '\r' && l[2]) {
		char *ln = l + 2;
		char *e = strstr(ln, "\r\n");
		if (!e)
			break;
		if (upgrade || (strncasecmp(ln, "Connection:", 11) &&
				strncasecmp(ln, "Proxy-Connection:", 17))) {
			sbuf_add(&fh, ln, (size_t)(e - ln));
			sbuf_adds(&fh, "\r\n");
		}
		l = e;
	}
	if (!upgrade)
		sbuf_adds(&fh, "Connection: close\r\n");
	sbuf_adds(&fh, "\r\n");
	c->fwd_head = sbuf_detach(&fh, &c->fwd_len);
	if (c->mode == M_SLOW)
		uv_timer_start(&c->timer, slow_cb, (uint64_t)c->arg, 0);
	else
		go_upstream(c);
}

static void
on_cli_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;
	if (n < 0) {
		free(b->base);
		conn_close(c);
		return;
	}
	if (c->closing) {
		free(b->base);
		return;
	}
	if (c->piping) {
		if (n > 0)
			send_to(c, (uv_stream_t *)&c->up, b->base, (size_t)n, A_NONE);
		free(b->base);
		return;
	}
	sbuf_add(&c->in, b->base, (size_t)n);
	free(b->base);
	if (c->ws_server) {
		ws_script_input(c);
		return;
	}
	for (;;) {
		if (c->holding || c->closing || c->fwd_head || c->tunnel)
			return;
		if (c->body_skip) {
			size_t k = c->in.len < c->body_skip ? c->in.len : c->body_skip;
			memmove(c->in.buf, c->in.buf + k, c->in.len - k);
			c->in.len -= k;
			c->body_skip -= k;
			if (c->body_skip)
				return;
		}
		if (!c->in.len)
			return;
		c->in.buf[c->in.len] = '\0';
		char *e = strstr(c->in.buf, "\r\n\r\n");
		if (!e)
			return;
		size_t hl = (size_t)(e + 4 - c->in.buf);
		char *head = xstrndup(c->in.buf, hl);
		memmove(c->in.buf, c->in.buf + hl, c->in.len - hl);
		c->in.len -= hl;
		handle_request(c, head, hl);
		free(head);
		if (c->ws_server) {
			ws_script_input(c);
			return;
		}
	}
}

static void
on_conn(uv_stream_t *srv, int st)
{
	if (st < 0)
		return;
	struct conn *c = xcalloc(1, sizeof(*c));
	c->id = ++conn_serial;
	uv_tcp_init(loop, &c->cli);
	c->cli.data = c;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->refs = 2;
	if (uv_accept(srv, (uv_stream_t *)&c->cli) != 0) {
		conn_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->cli, alloc_cb, on_cli_read);
}

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: faultproxy PORT UPSTREAM_IP:PORT\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	char ip[64];
	int uport;
	if (sscanf(argv[2], "%63[^:]:%d", ip, &uport) != 2 ||
	    uv_ip4_addr(ip, uport, &upstream) != 0) {
		fprintf(stderr, "faultproxy: bad upstream %s\n", argv[2]);
		return 2;
	}
	loop = uv_default_loop();
	uv_tcp_t srv;
	uv_tcp_init(loop, &srv);
	struct sockaddr_in a;
	uv_ip4_addr("127.0.0.1", atoi(argv[1]), &a);
	int r = uv_tcp_bind(&srv, (const struct sockaddr *)&a, 0);
	if (r == 0)
		r = uv_listen((uv_stream_t *)&srv, 128, on_conn);
	if (r != 0) {
		fprintf(stderr, "faultproxy: listen: %s\n", uv_strerror(r));
		return 1;
	}
	struct sockaddr_in got;
	int len = sizeof(got);
	uv_tcp_getsockname(&srv, (struct sockaddr *)&got, &len);
	printf("%d\n", ntohs(got.sin_port));
	fflush(stdout);
	return uv_run(loop, UV_RUN_DEFAULT);
}

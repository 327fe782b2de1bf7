/*
 * sources/ws.c: RFC 6455 websocket client.  Owns the opening/closing
 * handshakes, framing, masking, ping/pong and the SHA-1/base64 needed for
 * Sec-WebSocket-Accept; it knows nothing about Loki.  The bytes travel
 * over one of two transports with the same three operations (start,
 * write, shut down) feeding the same received()/lost() entry points:
 *   - plain TCP on a uv_tcp_t (http/ws URLs without a proxy);
 *   - a curl CONNECT_ONLY connection (sources/http.c) polled with a
 *     uv_poll_t on its socket, for https/wss (curl does TLS) and when a
 *     proxy is configured (curl opens a CONNECT tunnel).
 */
#include "sources/ws.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/xalloc.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum state { S_RESOLVE, S_CONNECT, S_HANDSHAKE, S_OPEN, S_CLOSING, S_DONE };

struct ws;

/* How the bytes travel.  `start` connects and then calls connected() (or
 * finish()); `write` sends bytes, closing the handles once they are out
 * when `then_close`; `shutdown` stops all I/O and closes the handles. */
struct transport {
	void (*start)(struct ws *w);
	void (*write)(struct ws *w, const void *p, size_t n, bool then_close);
	void (*shutdown)(struct ws *w);
};

/* curl transport: bytes not yet taken by curl_easy_send, in order */
struct chunk {
	struct chunk *next;
	size_t len, off;
	bool then_close;
	char data[];
};

struct ws {
	uv_loop_t *loop;
	const struct transport *tr;
	uv_timer_t timer;
	/* plain TCP */
	uv_tcp_t tcp;
	uv_getaddrinfo_t gai;
	uv_connect_t conn;
	bool tcp_init;
	/* curl */
	struct http_conn *hc;
	uv_poll_t poll;
	bool poll_init;
	struct chunk *outq;
	int refs;
	bool silent, closing_handles, sent_close, close_pending;
	enum state state;
	struct ws_callbacks cb;
	struct http_auth_copy auth;  /* TLS options for curl; secrets to scrub */
	bool has_auth, tls;
	char *host, *hostport, *path;
	int port;
	char early[200];             /* a failure found while starting */
	char key[32];
	struct sbuf request;
	struct sbuf in;
	struct sbuf msg;
	int msg_op;                  /* 0: no message in progress */
	size_t max_message;
	long hs_timeout_ms, ping_ms;
	uint64_t last_rx;
	uint64_t rng;
};

/* ---- SHA-1 and base64 ---- */

struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t n;
};

static uint32_t
rol(uint32_t x, int s)
{
	return (x << s) | (x >> (32 - s));
}

static void
sha1_block(struct sha1 *c, const unsigned char *p)
{
	uint32_t w[80];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4];
	for (int i = 0; i < 80; i++) {
		uint32_t f, k;
		if (i < 20) {
			f = (b & cc) | (~b & d);
			k = 0x5A827999;
		} else if (i < 40) {
			f = b ^ cc ^ d;
			k = 0x6ED9EBA1;
		} else if (i < 60) {
			f = (b & cc) | (b & d) | (cc & d);
			k = 0x8F1BBCDC;
		} else {
			f = b ^ cc ^ d;
			k = 0xCA62C1D6;
		}
		uint32_t t = rol(a, 5) + f + e + k + w[i];
		e = d;
		d = cc;
		cc = rol(b, 30);
		b = a;
		a = t;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
}

static void
sha1(const void *data, size_t n, unsigned char out[20])
{
	struct sha1 c = { { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 }, 0, { 0 }, 0 };
	const unsigned char *p = data;
	c.len = (uint64_t)n * 8;
	while (n >= 64) {
		sha1_block(&c, p);
		p += 64;
		n -= 64;
	}
	unsigned char last[128] = { 0 };
	memcpy(last, p, n);
	last[n] = 0x80;
	size_t total = n + 9 <= 64 ? 64 : 128;
	for (int i = 0; i < 8; i++)
		last[total - 1 - i] = (unsigned char)(c.len >> (8 * i));
	sha1_block(&c, last);
	if (total == 128)
		sha1_block(&c, last + 64);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c.h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c.h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c.h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c.h[i];
	}
}

void
ws_base64(struct sbuf *out, const unsigned char *p, size_t n)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		sbuf_addc(out, t[(v >> 18) & 63]);
		sbuf_addc(out, t[(v >> 12) & 63]);
		sbuf_addc(out, i + 1 < n ? t[(v >> 6) & 63] : '=');
		sbuf_addc(out, i + 2 < n ? t[v & 63] : '=');
	}
}

void
ws_accept_key(const char *key, char out[29])
{
	struct sbuf s = SBUF_INIT;
	sbuf_adds(&s, key);
	sbuf_adds(&s, WS_GUID);
	unsigned char d[20];
	sha1(s.buf, s.len, d);
	sbuf_reset(&s);
	ws_base64(&s, d, 20);
	snprintf(out, 29, "%s", sbuf_str(&s));
	sbuf_release(&s);
}

/* ---- frames ---- */

void
ws_frame(struct sbuf *out, enum ws_opcode op, bool fin, const void *data, size_t len,
	 const unsigned char *mask)
{
	sbuf_addc(out, (char)((fin ? 0x80 : 0) | (op & 0x0f)));
	unsigned char mbit = mask ? 0x80 : 0;
	if (len < 126) {
		sbuf_addc(out, (char)(mbit | len));
	} else if (len < 65536) {
		sbuf_addc(out, (char)(mbit | 126));
		sbuf_addc(out, (char)(len >> 8));
		sbuf_addc(out, (char)len);
	} else {
		sbuf_addc(out, (char)(mbit | 127));
		for (int i = 7; i >= 0; i--)
			sbuf_addc(out, (char)((uint64_t)len >> (8 * i)));
	}
	if (mask)
		sbuf_add(out, mask, 4);
	size_t at = out->len;
	sbuf_add(out, data, len);
	if (mask)
		for (size_t i = 0; i < len; i++)
			out->buf[at + i] ^= (char)mask[i & 3];
}

int
ws_parse_header(const unsigned char *p, size_t n, bool *fin, int *op, bool *masked,
		uint64_t *len, unsigned char mask[4])
{
	if (n < 2)
		return 0;
	*fin = p[0] & 0x80;
	*op = p[0] & 0x0f;
	if (p[0] & 0x70)
		return -1;           /* no extensions negotiated */
	*masked = p[1] & 0x80;
	uint64_t l = p[1] & 0x7f;
	size_t h = 2;
	if (l == 126) {
		if (n < 4)
			return 0;
		l = (uint64_t)p[2] << 8 | p[3];
		h = 4;
	} else if (l == 127) {
		if (n < 10)
			return 0;
		l = 0;
		for (int i = 2; i < 10; i++)
			l = l << 8 | p[i];
		if (l >> 63)
			return -1;
		h = 10;
	}
	if (*masked) {
		if (n < h + 4)
			return 0;
		memcpy(mask, p + h, 4);
		h += 4;
	}
	if (*op >= 8 && (!*fin || l > 125))
		return -1;
	if ((*op > 2 && *op < 8) || *op > 10)
		return -1;
	*len = l;
	return (int)h;
}

/* ---- connection: shared by both transports ---- */

static void
free_ws(struct ws *w)
{
	free(w->host);
	free(w->hostport);
	free(w->path);
	sbuf_release(&w->request);
	sbuf_release(&w->in);
	sbuf_release(&w->msg);
	if (w->has_auth)
		http_auth_copy_release(&w->auth);
	free(w);
}

static void
unref_cb(uv_handle_t *h)
{
	struct ws *w = h->data;
	if (--w->refs == 0)
		free_ws(w);
}

static void
close_handles(struct ws *w)
{
	if (w->closing_handles)
		return;
	w->closing_handles = true;
	uv_timer_stop(&w->timer);
	uv_close((uv_handle_t *)&w->timer, unref_cb);
	w->tr->shutdown(w);
}

static void
finish(struct ws *w, int err, long status, int code, const char *msg)
{
	if (w->state == S_DONE)
		return;
	w->state = S_DONE;
	bool silent = w->silent;
	w->silent = true;
	if (!silent && w->cb.on_close) {
		/* server text is quoted in some messages: never echo a secret */
		char m[400];
		snprintf(m, sizeof(m), "%s", msg);
		if (w->has_auth)
			http_auth_scrub(&w->auth.auth, m, sizeof(m));
		w->cb.on_close(w->cb.ud, err, status, code, m);
	}
	if (!w->close_pending)
		close_handles(w);
}

static void timer_cb(uv_timer_t *t);

/* A failure while starting: reported from the loop, never from ws_open(). */
static void LX_PRINTF(2, 3)
fail_soon(struct ws *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->early, sizeof(w->early), fmt, ap);
	va_end(ap);
	if (!w->closing_handles)
		uv_timer_start(&w->timer, timer_cb, 0, 0);
}

/* A write finished (then_close: the last one) or failed. */
static void
wrote(struct ws *w, bool then_close, int status)
{
	if (then_close)
		close_handles(w);
	else if (status < 0 && status != UV_ECANCELED)
		finish(w, LX_ECONN, 0, 1006, "cannot write to the websocket");
}

static void
send_raw(struct ws *w, const void *p, size_t n, bool then_close)
{
	if (w->closing_handles || w->state < S_HANDSHAKE)
		return;
	if (then_close)
		w->close_pending = true;
	w->tr->write(w, p, n, then_close);
}

static void
send_frame(struct ws *w, enum ws_opcode op, const void *data, size_t len, bool then_close)
{
	unsigned char mask[4];
	uint64_t x = w->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	w->rng = x;
	memcpy(mask, &x, 4);
	struct sbuf f = SBUF_INIT;
	ws_frame(&f, op, true, data, len, mask);
	send_raw(w, f.buf, f.len, then_close);
	sbuf_release(&f);
}

static void
send_close(struct ws *w, int code, bool then_close)
{
	if (w->sent_close) {
		if (then_close)
			close_handles(w);
		return;
	}
	w->sent_close = true;
	unsigned char c[2] = { (unsigned char)(code >> 8), (unsigned char)code };
	send_frame(w, WS_CLOSE, c, 2, then_close);
}

/* Protocol error: tell the server (1002), then report. */
static void
fail_protocol(struct ws *w, int code, const char *why)
{
	send_close(w, code, false);
	finish(w, code == 1009 ? LX_ETOOBIG : LX_EPARSE, 0, code, why);
}

static void
process_frames(struct ws *w)
{
	for (;;) {
		if (w->state != S_OPEN && w->state != S_CLOSING)
			return;
		const unsigned char *p = (const unsigned char *)w->in.buf;
		bool fin, masked;
		int op;
		uint64_t len;
		unsigned char mk[4];
		int h = ws_parse_header(p, w->in.len, &fin, &op, &masked, &len, mk);
		if (h == 0)
			return;
		if (h < 0) {
			fail_protocol(w, 1002, "invalid websocket frame from server");
			return;
		}
		if (masked) {
			fail_protocol(w, 1002, "server sent a masked frame");
			return;
		}
		if (len > w->max_message) {
			fail_protocol(w, 1009, "websocket message larger than the cap");
			return;
		}
		if (w->in.len < (size_t)h + len)
			return;
		const char *pl = (const char *)p + h;
		size_t n = (size_t)len;
		switch (op) {
		case WS_PING:
			send_frame(w, WS_PONG, pl, n, false);
			break;
		case WS_PONG:
			break;
		case WS_CLOSE: {
			int code = n >= 2 ? ((unsigned char)pl[0] << 8 | (unsigned char)pl[1]) : 1005;
			char reason[128];
			snprintf(reason, sizeof(reason), "server closed the websocket (%d%s%.*s)",
				 code, n > 2 ? ": " : "", (int)(n > 2 ? n - 2 : 0), pl + 2);
			send_close(w, code == 1005 ? 1000 : code, true);
			finish(w, 0, 0, code, reason);
			return;
		}
		case WS_TEXT:
		case WS_BINARY:
			if (w->msg_op) {
				fail_protocol(w, 1002, "new message inside a fragmented one");
				return;
			}
			w->msg_op = op;
			sbuf_reset(&w->msg);
			/* fall through */
		case WS_CONT:
			if (!w->msg_op) {
				fail_protocol(w, 1002, "continuation frame without a message");
				return;
			}
			if (w->msg.len + n > w->max_message) {
				fail_protocol(w, 1009, "websocket message larger than the cap");
				return;
			}
			sbuf_add(&w->msg, pl, n);
			if (fin) {
				int mop = w->msg_op;
				w->msg_op = 0;
				if (!w->silent && w->cb.on_message)
					w->cb.on_message(w->cb.ud, (enum ws_opcode)mop,
							 sbuf_str(&w->msg), w->msg.len);
				if (w->silent || w->state == S_DONE)
					return;
			}
			break;
		default:
			break;
		}
		memmove(w->in.buf, w->in.buf + h + n, w->in.len - (size_t)h - n);
		w->in.len -= (size_t)h + n;
	}
}

static const char *
header_value(const char *head, const char *name)
{
	size_t nl = strlen(name);
	for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n")) {
		if (!strncasecmp(l + 2, name, nl) && l[2 + nl] == ':') {
			const char *v = l + 3 + nl;
			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

static bool
value_has(const char *v, const char *word)
{
	if (!v)
		return false;
	size_t wl = strlen(word);
	for (const char *p = v; *p && *p != '\r'; p++)
		if (!strncasecmp(p, word, wl))
			return true;
	return false;
}

static void
process_handshake(struct ws *w)
{
	w->in.buf[w->in.len] = '\0';
	char *e = strstr(w->in.buf, "\r\n\r\n");
	if (!e) {
		if (w->in.len > 16384)
			finish(w, LX_EPARSE, 0, 1006, "websocket upgrade answer too long");
		return;
	}
	size_t hl = (size_t)(e + 4 - w->in.buf);
	char *head = xstrndup(w->in.buf, hl);
	long status = 0;
	sscanf(head, "HTTP/%*s %ld", &status);
	if (status != 101) {
		char body[200];
		size_t bl = w->in.len - hl;
		snprintf(body, sizeof(body), "%.*s", (int)(bl > 150 ? 150 : bl), w->in.buf + hl);
		for (char *p = body; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		char msg[320];
		snprintf(msg, sizeof(msg), "websocket upgrade refused (HTTP %ld)%s%s", status,
			 *body ? ": " : "", body);
		free(head);
		finish(w, LX_EHTTP, status, 1006, msg);
		return;
	}
	char want[29];
	ws_accept_key(w->key, want);
	const char *acc = header_value(head, "Sec-WebSocket-Accept");
	bool ok = acc && !strncmp(acc, want, 28) &&
		  value_has(header_value(head, "Upgrade"), "websocket") &&
		  value_has(header_value(head, "Connection"), "upgrade");
	free(head);
	if (!ok) {
		finish(w, LX_EPARSE, 101, 1006,
		       "websocket handshake answer has a wrong Sec-WebSocket-Accept/Upgrade");
		return;
	}
	memmove(w->in.buf, w->in.buf + hl, w->in.len - hl);
	w->in.len -= hl;
	w->state = S_OPEN;
	w->last_rx = uv_now(w->loop);
	uv_timer_start(&w->timer, timer_cb, (uint64_t)w->ping_ms, (uint64_t)w->ping_ms);
	if (!w->silent && w->cb.on_open)
		w->cb.on_open(w->cb.ud);
	if (w->state == S_OPEN && !w->silent)
		process_frames(w);
}

/* The transport is connected: send the upgrade request. */
static void
connected(struct ws *w)
{
	w->state = S_HANDSHAKE;
	send_raw(w, w->request.buf, w->request.len, false);
}

/* Bytes arrived from the transport. */
static void
received(struct ws *w, const char *p, size_t n)
{
	if (w->state == S_DONE)
		return;
	w->last_rx = uv_now(w->loop);
	sbuf_add(&w->in, p, n);
	if (w->state == S_HANDSHAKE)
		process_handshake(w);
	else if (w->state == S_OPEN || w->state == S_CLOSING)
		process_frames(w);
}

/* The transport lost the connection (`why`: plain words). */
static void
lost(struct ws *w, const char *why)
{
	if (w->state == S_DONE) {
		close_handles(w);    /* e.g. while our close frame was queued */
		return;
	}
	char msg[200];
	if (w->state == S_HANDSHAKE)
		snprintf(msg, sizeof(msg), "connection closed during websocket upgrade (%s)", why);
	else
		snprintf(msg, sizeof(msg), "websocket connection dropped (%s)", why);
	finish(w, LX_ECONN, 0, 1006, msg);
}

static void
timer_cb(uv_timer_t *t)
{
	struct ws *w = t->data;
	if (w->state == S_DONE)
		return;
	if (w->early[0]) {
		finish(w, LX_ECONN, 0, 1006, w->early);
		return;
	}
	if (w->state != S_OPEN) {
		char msg[128];
		snprintf(msg, sizeof(msg), "no websocket upgrade answer within %.1f s",
			 (double)w->hs_timeout_ms / 1000.0);
		finish(w, LX_ETIMEDOUT, 0, 1006, msg);
		return;
	}
	uint64_t idle = uv_now(w->loop) - w->last_rx;
	if (idle >= (uint64_t)(3 * w->ping_ms)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "websocket silent for %.1f s; assuming it is dead",
			 (double)idle / 1000.0);
		finish(w, LX_ETIMEDOUT, 0, 1006, msg);
		return;
	}
	send_frame(w, WS_PING, "lx", 2, false);
}

/* ---- transport: plain TCP ---- */

struct wreq {
	uv_write_t req;
	struct ws *w;
	bool then_close;
	char data[];
};

static void
tcp_write_cb(uv_write_t *req, int status)
{
	struct wreq *r = (struct wreq *)req;
	struct ws *w = r->w;
	bool then_close = r->then_close;
	free(r);
	wrote(w, then_close, status);
}

static void
tcp_write(struct ws *w, const void *p, size_t n, bool then_close)
{
	struct wreq *r = xmalloc(sizeof(*r) + n);
	r->w = w;
	r->then_close = then_close;
	memcpy(r->data, p, n);
	uv_buf_t b = uv_buf_init(r->data, (unsigned)n);
	if (uv_write(&r->req, (uv_stream_t *)&w->tcp, &b, 1, tcp_write_cb) != 0) {
		free(r);
		wrote(w, then_close, UV_EPIPE);
	}
}

static void
tcp_shutdown(struct ws *w)
{
	if (w->tcp_init)
		uv_close((uv_handle_t *)&w->tcp, unref_cb);
}

static void
alloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b)
{
	(void)h;
	b->base = xmalloc(sz);
	b->len = sz;
}

static void
tcp_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct ws *w = s->data;
	if (n < 0)
		lost(w, uv_strerror((int)n));
	else if (n > 0)
		received(w, b->base, (size_t)n);
	free(b->base);
}

static void
tcp_connect_cb(uv_connect_t *req, int status)
{
	struct ws *w = req->data;
	if (w->state == S_DONE)
		return;
	if (status < 0) {
		char msg[200];
		snprintf(msg, sizeof(msg), "cannot connect to %s (%s)", w->hostport,
			 uv_strerror(status));
		finish(w, LX_ECONN, 0, 1006, msg);
		return;
	}
	uv_read_start((uv_stream_t *)&w->tcp, alloc_cb, tcp_read_cb);
	connected(w);
}

static void
tcp_connect(struct ws *w, const struct sockaddr *sa)
{
	uv_tcp_init(w->loop, &w->tcp);
	w->tcp.data = w;
	w->tcp_init = true;
	w->refs++;
	w->state = S_CONNECT;
	w->conn.data = w;
	int rc = uv_tcp_connect(&w->conn, &w->tcp, sa, tcp_connect_cb);
	if (rc)
		fail_soon(w, "cannot connect to %s (%s)", w->hostport, uv_strerror(rc));
}

static void
gai_cb(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct ws *w = req->data;
	if (w->state != S_DONE) {
		if (status < 0 || !res) {
			char msg[200];
			snprintf(msg, sizeof(msg), "cannot resolve %s (%s)", w->host,
				 uv_strerror(status));
			finish(w, LX_ECONN, 0, 1006, msg);
		} else {
			tcp_connect(w, res->ai_addr);
		}
	}
	uv_freeaddrinfo(res);
	if (--w->refs == 0)          /* the request's reference */
		free_ws(w);
}

static void
tcp_start(struct ws *w)
{
	struct sockaddr_storage ss;
	if (uv_ip4_addr(w->host, w->port, (struct sockaddr_in *)&ss) == 0 ||
	    uv_ip6_addr(w->host, w->port, (struct sockaddr_in6 *)&ss) == 0) {
		tcp_connect(w, (struct sockaddr *)&ss);
		return;
	}
	w->state = S_RESOLVE;
	w->gai.data = w;
	char port[8];
	snprintf(port, sizeof(port), "%d", w->port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	w->refs++;
	if (uv_getaddrinfo(w->loop, &w->gai, gai_cb, w->host, port, &hints) != 0) {
		w->refs--;
		fail_soon(w, "cannot resolve %s", w->host);
	}
}

static const struct transport tcp_transport = { tcp_start, tcp_write, tcp_shutdown };

/* ---- transport: a curl CONNECT_ONLY connection (TLS, proxies) ---- */

static void curl_poll_cb(uv_poll_t *p, int status, int events);

static void
curl_poll_update(struct ws *w)
{
	if (w->poll_init && !w->closing_handles)
		uv_poll_start(&w->poll, UV_READABLE | (w->outq ? UV_WRITABLE : 0), curl_poll_cb);
}

/* Hands queued bytes to curl until it would block. */
static void
curl_flush(struct ws *w)
{
	while (w->outq && !w->closing_handles) {
		struct chunk *c = w->outq;
		size_t sent;
		int rc = http_conn_send(w->hc, c->data + c->off, c->len - c->off, &sent);
		c->off += sent;
		if (rc == LX_EAGAIN)
			break;
		if (rc != 0) {
			wrote(w, c->then_close, UV_EPIPE);
			return;
		}
		if (c->off < c->len)
			continue;
		w->outq = c->next;
		bool then_close = c->then_close;
		free(c);
		if (then_close) {
			wrote(w, true, 0);
			return;
		}
	}
	curl_poll_update(w);
}

static void
curl_write(struct ws *w, const void *p, size_t n, bool then_close)
{
	struct chunk *c = xmalloc(sizeof(*c) + n);
	c->next = NULL;
	c->len = n;
	c->off = 0;
	c->then_close = then_close;
	memcpy(c->data, p, n);
	struct chunk **t = &w->outq;
	while (*t)
		t = &(*t)->next;
	*t = c;
	if (w->outq == c)
		curl_flush(w);
}

static void
curl_poll_cb(uv_poll_t *p, int status, int events)
{
	struct ws *w = p->data;
	if (w->closing_handles)
		return;
	if (status < 0) {
		lost(w, uv_strerror(status));
		return;
	}
	if (events & UV_WRITABLE)
		curl_flush(w);
	/* TLS may hold decrypted bytes: read until curl says it would block */
	char buf[16384];
	while ((events & UV_READABLE) && !w->closing_handles) {
		size_t got;
		int rc = http_conn_recv(w->hc, buf, sizeof(buf), &got);
		if (rc == LX_EAGAIN)
			break;
		if (rc != 0 || got == 0) {
			lost(w, rc ? "receive error" : "closed by the server");
			return;
		}
		received(w, buf, got);
	}
}

static void
curl_connected(void *ud, const struct http_resp *r)
{
	struct ws *w = ud;
	if (w->state == S_DONE)
		return;
	if (r->err) {
		char msg[400];
		snprintf(msg, sizeof(msg), "websocket: %s", r->msg);
		finish(w, r->err, r->status, 1006, msg);
		return;
	}
	int fd = http_conn_fd(w->hc);
	if (fd < 0 || uv_poll_init_socket(w->loop, &w->poll, fd) != 0) {
		finish(w, LX_ECONN, 0, 1006, "websocket: curl connected but gave no socket");
		return;
	}
	w->poll.data = w;
	w->poll_init = true;
	w->refs++;
	connected(w);
	curl_poll_update(w);
}

static void
curl_start(struct ws *w)
{
	char url[600];
	snprintf(url, sizeof(url), "%s://%s/", w->tls ? "https" : "http", w->hostport);
	struct http_req req = {
		.url = url,
		.auth = w->has_auth ? &w->auth.auth : NULL,
		.connect_timeout_ms = w->hs_timeout_ms,
		.timeout_ms = w->hs_timeout_ms,
		.max_retries = -1,
	};
	w->state = S_CONNECT;
	w->hc = http_conn_open(w->loop, &req, curl_connected, w);
	if (!w->hc)
		fail_soon(w, "cannot start a connection to %s", w->hostport);
}

static void
curl_shutdown(struct ws *w)
{
	if (w->poll_init) {
		uv_poll_stop(&w->poll);      /* before curl closes the socket */
		uv_close((uv_handle_t *)&w->poll, unref_cb);
	}
	http_conn_close(w->hc);
	w->hc = NULL;
	while (w->outq) {
		struct chunk *c = w->outq;
		w->outq = c->next;
		free(c);
	}
}

static const struct transport curl_transport = { curl_start, curl_write, curl_shutdown };

/* ---- opening ---- */

/* Splits http(s)://host:port/path?q into parts; false for unsupported URLs. */
static bool
parse_url(struct ws *w, const char *url)
{
	const char *p;
	int defport;
	if (!strncmp(url, "http://", 7) || !strncmp(url, "ws://", 5)) {
		defport = 80;
	} else if (!strncmp(url, "https://", 8) || !strncmp(url, "wss://", 6)) {
		defport = 443;
		w->tls = true;
	} else {
		return false;
	}
	p = strstr(url, "://") + 3;
	const char *end = p + strcspn(p, "/?#");
	const char *at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;          /* userinfo goes through auth, not the URL */
	const char *hs = p, *he;
	const char *portp = NULL;
	if (*p == '[') {
		he = memchr(p, ']', (size_t)(end - p));
		if (!he)
			return false;
		hs = p + 1;
		portp = he + 1 < end && he[1] == ':' ? he + 2 : NULL;
	} else {
		he = memchr(p, ':', (size_t)(end - p));
		if (he)
			portp = he + 1;
		else
			he = end;
	}
	w->host = xstrndup(hs, (size_t)(he - hs));
	w->port = portp ? atoi(portp) : defport;
	if (w->port <= 0 || w->port > 65535 || !*w->host)
		return false;
	w->hostport = xstrndup(p, (size_t)(end - p));
	w->path = xstrdup(*end == '/' || *end == '?' ? end : "/");
	if (*w->path == '?') {
		char *q = xmalloc(strlen(w->path) + 2);
		q[0] = '/';
		strcpy(q + 1, w->path);
		free(w->path);
		w->path = q;
	}
	char *hash = strchr(w->path, '#');
	if (hash)
		*hash = '\0';
	return true;
}

/* The same headers curl sends for http.c: a bearer token (or a custom
 * Authorization header) wins over basic auth, as curl does not add its
 * own Authorization header when one is given. */
static void
add_auth(struct sbuf *r, const struct http_auth *a)
{
	if (!a)
		return;
	char *tok = NULL;
	if (a->bearer_token_file && *a->bearer_token_file) {
		FILE *f = fopen(a->bearer_token_file, "r");
		if (f) {
			char buf[4096];
			size_t n = fread(buf, 1, sizeof(buf) - 1, f);
			fclose(f);
			buf[n] = '\0';
			while (n && isspace((unsigned char)buf[n - 1]))
				buf[--n] = '\0';
			tok = xstrdup(buf + strspn(buf, " \t\r\n"));
			memset(buf, 0, sizeof(buf));
		}
	}
	const char *t = tok ? tok : a->bearer_token;
	bool custom_auth = false;
	for (const char *const *h = a->headers; h && *h; h++)
		if (!strncasecmp(*h, "Authorization:", 14))
			custom_auth = true;
	if (t && *t && !custom_auth)
		sbuf_addf(r, "Authorization: Bearer %s\r\n", t);
	else if (a->username && *a->username && !custom_auth) {
		struct sbuf up = SBUF_INIT;
		sbuf_addf(&up, "%s:%s", a->username, a->password ? a->password : "");
		sbuf_adds(r, "Authorization: Basic ");
		ws_base64(r, (const unsigned char *)up.buf, up.len);
		sbuf_adds(r, "\r\n");
		memset(up.buf, 0, up.len);
		sbuf_release(&up);
	}
	if (tok) {
		memset(tok, 0, strlen(tok));
		free(tok);
	}
	if (a->org_id && *a->org_id)
		sbuf_addf(r, "X-Scope-OrgID: %s\r\n", a->org_id);
	for (const char *const *h = a->headers; h && *h; h++)
		sbuf_addf(r, "%s\r\n", *h);
}

static bool
env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v;
}

/* The variables curl reads for an http:// URL (no_proxy is curl's to
 * apply: through curl, an exempt host is simply reached directly). */
static bool
proxy_configured(void)
{
	return env_set("http_proxy") || env_set("all_proxy") || env_set("ALL_PROXY");
}

const char *
ws_unsupported(const char *url)
{
	if (!url)
		return "no URL";
	struct ws tmp = { 0 };
	const char *why = parse_url(&tmp, url) ? NULL :
			  strstr(url, "://") ? "not a ws(s):// or http(s):// URL with a host" :
			  "bad URL";
	free(tmp.host);
	free(tmp.hostport);
	free(tmp.path);
	return why;
}

const char *
ws_route(const struct ws *w)
{
	if (!w || w->tr != &curl_transport)
		return "plain TCP";
	bool tunnel = http_conn_tunneled(w->hc);
	return w->tls ? (tunnel ? "TLS through a proxy tunnel" : "TLS") :
	       tunnel ? "through a proxy tunnel" : "through curl";
}

struct ws *
ws_open(uv_loop_t *loop, const struct ws_config *cfg, const struct ws_callbacks *cb)
{
	if (!loop || !cfg || !cfg->url || !cb)
		return NULL;
	struct ws *w = xcalloc(1, sizeof(*w));
	if (!parse_url(w, cfg->url) || (w->tls && cfg->via == WS_VIA_TCP)) {
		free_ws(w);
		return NULL;
	}
	bool by_curl = w->tls || cfg->via == WS_VIA_CURL ||
		       (cfg->via == WS_VIA_AUTO && proxy_configured());
	w->tr = by_curl ? &curl_transport : &tcp_transport;
	if (cfg->auth) {
		http_auth_copy_init(&w->auth, cfg->auth);
		w->has_auth = true;
	}
	w->loop = loop;
	w->cb = *cb;
	w->max_message = cfg->max_message ? cfg->max_message : (16u << 20);
	w->hs_timeout_ms = cfg->handshake_timeout_ms > 0 ? cfg->handshake_timeout_ms : 10000;
	w->ping_ms = cfg->ping_interval_ms > 0 ? cfg->ping_interval_ms : 10000;
	unsigned char nonce[16];
	if (uv_random(NULL, NULL, nonce, sizeof(nonce), 0, NULL) != 0) {
		uint64_t t = uv_hrtime();
		for (int i = 0; i < 16; i++)
			nonce[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)(i * 37);
	}
	memcpy(&w->rng, nonce, 8);
	w->rng |= 1;
	struct sbuf k = SBUF_INIT;
	ws_base64(&k, nonce, 16);
	snprintf(w->key, sizeof(w->key), "%s", sbuf_str(&k));
	sbuf_release(&k);
	sbuf_addf(&w->request, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
		  "User-Agent: iftop-logs/0.1\r\n", w->path, w->hostport, w->key);
	add_auth(&w->request, cfg->auth);
	sbuf_adds(&w->request, "\r\n");

	uv_timer_init(loop, &w->timer);
	w->timer.data = w;
	w->refs = 1;
	/* one timer: handshake deadline first, then the ping interval */
	uv_timer_start(&w->timer, timer_cb, (uint64_t)w->hs_timeout_ms, (uint64_t)w->ping_ms);
	w->tr->start(w);
	return w;
}

int
ws_send_text(struct ws *w, const char *data, size_t len)
{
	if (!w || w->state != S_OPEN)
		return LX_EINVAL;
	send_frame(w, WS_TEXT, data, len, false);
	return 0;
}

void
ws_close(struct ws *w)
{
	if (!w)
		return;
	w->silent = true;
	if (w->state == S_DONE)
		return;
	bool open = w->state == S_OPEN;
	w->state = S_DONE;
	if (open)
		send_close(w, 1000, true);
	else
		close_handles(w);
}

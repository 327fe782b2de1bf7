/**
 * sources/ws.h: a small RFC 6455 websocket client on the libuv loop.
 *
 * libcurl 7.88 has no websocket support, so this speaks the protocol
 * itself, over plain TCP (a uv_tcp_t) for http/ws URLs, or over a
 * connection made by curl (CURLOPT_CONNECT_ONLY, see http_conn_open) for
 * https/wss URLs and whenever a proxy is configured (http_proxy,
 * all_proxy): curl then does TLS with the CA/client certificate/skip-verify
 * options of `auth` and the proxy's CONNECT tunnel, and this module the
 * rest.  It does the opening handshake (Sec-WebSocket-Key, and checks
 * Sec-WebSocket-Accept), masks every client frame, reassembles fragmented
 * messages, answers pings with pongs, sends its own pings to notice dead
 * peers, and runs the closing handshake.
 *
 * Life cycle and callback protocol:
 *   ws_open() returns NULL for an unusable URL (no callbacks), else a
 *   handle.  Then: `on_open` once when the handshake succeeded; any number
 *   of `on_message`; finally `on_close` exactly once (after open, or
 *   instead of it when connecting/handshake fails).  After `on_close`
 *   returns the handle is gone.  ws_close() may be called at any time
 *   before that (also inside callbacks): no callback is made afterwards
 *   and the memory is released when the loop runs the close callbacks.
 */
#ifndef LX_SOURCES_WS_H
#define LX_SOURCES_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/sbuf.h"
#include "sources/http.h"

struct ws;

enum ws_opcode { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9,
		 WS_PONG = 10 };

/** Which transport: by the URL and the environment, or forced (tests). */
enum ws_via { WS_VIA_AUTO, WS_VIA_TCP, WS_VIA_CURL };

struct ws_config {
	const char *url;             /* http(s)://host:port/path?query or ws(s)://... */
	const struct http_auth *auth; /* basic/bearer/org id/custom headers; TLS */
	enum ws_via via;
	long handshake_timeout_ms;   /* connect + 101; 0: 10000 */
	long ping_interval_ms;       /* 0: 10000; the peer is dead after 3 silent intervals */
	size_t max_message;          /* 0: 16 MiB */
};

struct ws_callbacks {
	void *ud;
	void (*on_open)(void *ud);
	/** A complete text/binary message; `data` borrowed for the call. */
	void (*on_message)(void *ud, enum ws_opcode op, const char *data, size_t len);
	/**
	 * The end.  `err` 0 for a clean close by the server, else LX_E*
	 * (LX_ECONN dropped, LX_ETIMEDOUT, LX_EHTTP upgrade refused with
	 * `http_status`, LX_EPARSE protocol error).  `code` is the close code
	 * (1000 normal, 1006 abnormal); `msg` plain words, borrowed.
	 */
	void (*on_close)(void *ud, int err, long http_status, int code, const char *msg);
};

/**
 * Why ws_open() would refuse `url`, in plain words (not an http(s)/ws(s)
 * URL with a host), or NULL when it can try.
 */
const char *ws_unsupported(const char *url);
/** Starts connecting; see the protocol above.  Strings are copied.
 * Returns NULL when ws_unsupported(url) says why, or for an https URL
 * with WS_VIA_TCP (no callbacks then). */
struct ws *ws_open(uv_loop_t *loop, const struct ws_config *cfg,
		   const struct ws_callbacks *cb);
/** How the connection travels, for messages: "plain TCP", "TLS",
 * "through a proxy tunnel", "TLS through a proxy tunnel", "through curl". */
const char *ws_route(const struct ws *w);
/** Sends a text message (masked).  Returns 0 or LX_EINVAL when not open. */
int ws_send_text(struct ws *w, const char *data, size_t len);
/** Closes (close frame 1000 when open) and silences all callbacks. */
void ws_close(struct ws *w);

/* ---- Codec helpers (exposed for tests and the fault proxy) ---- */

/** Writes base64(SHA-1(key + RFC 6455 GUID)) into out[29]. */
void ws_accept_key(const char *key, char out[29]);
/** Appends base64 of `p[0..n)`. */
void ws_base64(struct sbuf *out, const unsigned char *p, size_t n);
/**
 * Appends one frame.  `mask` NULL means unmasked (server side); else the
 * 4-byte masking key is used (client side).
 */
void ws_frame(struct sbuf *out, enum ws_opcode op, bool fin, const void *data, size_t len,
	      const unsigned char *mask);
/**
 * Parses one frame header from `p[0..n)`.  Returns the header length and
 * fills the fields, 0 when more bytes are needed, or -1 on an invalid
 * header.  The payload follows at p + header length.
 */
int ws_parse_header(const unsigned char *p, size_t n, bool *fin, int *op, bool *masked,
		    uint64_t *len, unsigned char mask[4]);

#endif

/**
 * sources/http.h: HTTP requests on the app's libuv loop (the only libcurl user).
 *
 * One `struct http` wraps one curl multi handle driven by the loop: a
 * uv_poll_t per socket (CURLMOPT_SOCKETFUNCTION) and one uv_timer_t
 * (CURLMOPT_TIMERFUNCTION), following libuv's uvwget example.  Many
 * requests may be in flight; none blocks.  Connections are kept alive and
 * reused; proxy environment variables are honoured (curl's defaults);
 * responses may be gzip/deflate encoded.
 *
 * Each request gets timeouts, a response size cap and retries with
 * exponential backoff plus jitter for connection errors, 5xx and 429
 * (honouring Retry-After), never for other 4xx.
 *
 * Credentials (basic auth, bearer tokens, custom header values, userinfo
 * in URLs) never appear in error messages or in debug output.
 *
 * Life cycle:
 *   http_new() -> http_get()/http_post() any number of times -> http_free();
 *   run the loop afterwards until uv_loop_close() succeeds: handles are
 *   closed and their memory is released in their close callbacks.
 *
 * Callback protocol:
 *   - If http_get()/http_post() returns NULL (bad request options), the
 *     callback is never called.
 *   - Otherwise the callback is called exactly once, from a loop callback
 *     (never from inside http_get()), unless http_cancel() or http_free()
 *     is called first; after those it is never called.
 *   - The handle is valid until the callback returns or until
 *     http_cancel(); do not use it afterwards.
 *   - Inside the callback it is fine to start new requests, cancel other
 *     requests, or call http_free().
 */
#ifndef LX_SOURCES_HTTP_H
#define LX_SOURCES_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "core/sbuf.h"

struct http;
struct http_xfer;

/**
 * Authentication, TLS and headers shared by every request to one server.
 * All strings are borrowed by http_get()/http_post() for the call only
 * (they are copied).  NULL or "" means "not set".
 */
struct http_auth {
	const char *username;        /* basic auth (with password) */
	const char *password;
	const char *bearer_token;    /* "Authorization: Bearer ..." */
	const char *bearer_token_file; /* read at each request; trimmed */
	const char *org_id;          /* X-Scope-OrgID (Loki tenants "a|b") */
	const char *const *headers;  /* "Name: value" strings, NULL-terminated */
	const char *ca_file;         /* TLS: CA bundle */
	const char *cert_file;       /* TLS: client certificate */
	const char *key_file;        /* TLS: client key */
	bool insecure_skip_verify;   /* TLS: do not verify peer or host */
};

/**
 * A deep copy of an http_auth that a client keeps for its lifetime: the
 * strings and headers are owned by the copy, and wiped (secrets zeroed)
 * by http_auth_copy_release().  `auth` points into the copy.
 */
struct http_auth_copy {
	struct http_auth auth;
	char *owned[12];
	char **headers;
};

void http_auth_copy_init(struct http_auth_copy *c, const struct http_auth *src);
void http_auth_copy_release(struct http_auth_copy *c);
/** Returns a new copy of `url` without trailing slashes (free() it). */
char *http_base_url(const char *url);

/** One request.  Borrowed for the duration of http_get()/http_post(). */
struct http_req {
	const char *url;             /* full URL, already escaped */
	const struct http_auth *auth; /* may be NULL */
	const char *body;            /* POST only; may contain NULs */
	size_t body_len;
	const char *content_type;    /* POST only; default application/json */
	const char *const *headers;  /* extra "Name: value", NULL-terminated */
	long connect_timeout_ms;     /* 0: 5000 */
	long timeout_ms;             /* total per attempt; 0: 30000; <0: none */
	size_t max_body;             /* response cap in bytes; 0: 64 MiB */
	int max_retries;             /* 0: 3; <0: never retry */
	long retry_base_ms;          /* first backoff; 0: 200 */
	long retry_max_ms;           /* longest single wait; 0: 10000 */
};

/** What the completion callback receives; everything is borrowed for the call. */
struct http_resp {
	int err;                     /* 0 for a 2xx answer, else LX_E* */
	long status;                 /* HTTP status, 0 when none arrived */
	const struct sbuf *body;     /* response body (decoded), maybe partial */
	const char *content_type;    /* "" when absent */
	const char *msg;             /* plain words when err != 0, else "" */
	int attempts;                /* 1 + retries made */
	double elapsed_s;            /* from http_get() to completion */
};

typedef void (*http_done_fn)(void *ud, const struct http_resp *resp);

/** Optional debug hook: one line per attempt, credentials redacted. */
typedef void (*http_debug_fn)(void *ud, const char *line);

/* ---- Life cycle ---- */

/** Returns a new client on `loop`; free it with http_free(). */
struct http *http_new(uv_loop_t *loop);
/**
 * Cancels every request (their callbacks are never called) and starts
 * closing the handles; memory is released when the loop runs the close
 * callbacks.  NULL is fine.
 */
void http_free(struct http *h);
void http_set_debug(struct http *h, http_debug_fn fn, void *ud);

/* ---- Requests ---- */

/**
 * Starts a GET.  Returns a handle for http_cancel(), or NULL when `req` is
 * unusable (no URL, unreadable token file); then `cb` is never called.
 */
struct http_xfer *http_get(struct http *h, const struct http_req *req,
			   http_done_fn cb, void *ud);
/** Like http_get() but POSTs `req->body`. */
struct http_xfer *http_post(struct http *h, const struct http_req *req,
			    http_done_fn cb, void *ud);
/**
 * Stops a request; its callback is never called and `x` becomes invalid.
 * NULL is fine.  Must not be called for a request whose callback already
 * returned.
 */
void http_cancel(struct http_xfer *x);

/**
 * Bytes of response body (decoded) received so far by the current attempt
 * of `x`, for progress displays.  NULL gives 0.
 */
size_t http_xfer_received(const struct http_xfer *x);

/** Number of requests in flight or waiting to retry. */
size_t http_pending(const struct http *h);

/* ---- API clients (Loki, Prometheus) ---- */

/**
 * What one API client keeps for all its requests: the shared `http`, the
 * base URL without trailing slashes, an owned copy of the credentials
 * (`ac.auth`, wiped on release) and the per-request options of `opts`
 * (timeouts, size cap, retries; its url/auth/body are unused).
 */
struct http_api {
	struct http *http;
	char *url;
	struct http_auth_copy ac;
	struct http_req opts;
};

void http_api_init(struct http_api *a, struct http *http, const char *url,
		   const struct http_auth *auth, const struct http_req *opts);
void http_api_release(struct http_api *a);
/** GETs `url`, or POSTs `body` (JSON) when it is not NULL, with the
 * client's credentials and options; as http_get()/http_post(). */
struct http_xfer *http_api_send(struct http_api *a, const char *url, const char *body,
				size_t body_len, http_done_fn cb, void *ud);

/* ---- Raw connections ---- */

/**
 * A connection made by curl (CURLOPT_CONNECT_ONLY) for a protocol curl does
 * not speak, such as websockets: curl resolves, goes through the proxy
 * (with a CONNECT tunnel, also for http:// URLs) and does TLS with the
 * options of `req->auth` (CA, client certificate, skip-verify); nothing is
 * sent to the server.  Credentials in `req->auth` are not used (the caller
 * sends its own request).  `req->connect_timeout_ms`/`timeout_ms` bound the
 * connect; set `max_retries` < 0 unless retries are wanted.
 *
 * Returns NULL when `req` is unusable (no callback).  Otherwise `cb` is
 * called once from the loop: `err` 0 when connected (then use
 * http_conn_fd() with a uv_poll_t and http_conn_send/recv), else LX_ECONN,
 * LX_ETIMEDOUT, or LX_EHTTP when a proxy refused the tunnel (`status` is
 * the proxy's answer), with plain words in `msg`.  http_conn_close()
 * releases it at any time (no callback afterwards); stop polling the fd
 * first, as closing closes the socket.
 */
struct http_conn;
struct http_conn *http_conn_open(uv_loop_t *loop, const struct http_req *req,
				 http_done_fn cb, void *ud);
/** The connected socket, or -1 before the connect succeeded. */
int http_conn_fd(const struct http_conn *c);
/** True when the connection goes through an HTTP proxy's CONNECT tunnel. */
bool http_conn_tunneled(const struct http_conn *c);
/**
 * Non-blocking send/receive through curl (TLS included).  Return 0 with
 * the count done, LX_EAGAIN when the socket is not ready (poll it again),
 * or LX_ECONN.  A receive of 0 bytes that returns 0 means the peer closed.
 */
int http_conn_send(struct http_conn *c, const void *p, size_t n, size_t *sent);
int http_conn_recv(struct http_conn *c, void *p, size_t n, size_t *got);
void http_conn_close(struct http_conn *c);

/* ---- Helpers ---- */

/**
 * Appends `s` percent-encoded for a query string component (RFC 3986
 * unreserved characters are kept).
 */
void http_add_escaped(struct sbuf *sb, const char *s);
/**
 * Replaces, in place, every credential of `a` found in `s` (password,
 * bearer token or token-file contents, custom header values, and the
 * base64 "user:password" of basic auth) with "***".  For messages that
 * quote server text, which might echo request headers.
 */
void http_auth_scrub(const struct http_auth *a, char *s, size_t cap);
/**
 * Writes `url` without userinfo and without query string into `out`
 * (size `n`), for messages: "http://user:pw@h/p?q" -> "http://h/p".
 */
void http_redact_url(const char *url, char *out, size_t n);

#endif

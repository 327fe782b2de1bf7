/*
 * sources/http.c: curl multi driven by the libuv loop.  The only file that
 * includes <curl/curl.h>.  It owns transfers, sockets, timers, retries and
 * the wording of transport errors; it knows nothing about Loki or JSON.
 *
 * Pattern: libuv's docs/code/uvwget/main.c.  curl tells us which sockets to
 * watch (sock_cb -> one uv_poll_t each, stored with curl_multi_assign) and
 * when to wake it (timer_fn -> one uv_timer_t; stopped on -1, 0 ms for 0).
 * After every curl_multi_socket_action() we drain curl_multi_info_read()
 * and finish, retry or report each completed transfer.
 */
#include "sources/http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"

#define HTTP_DEF_CONNECT_MS 5000
#define HTTP_DEF_TIMEOUT_MS 30000
#define HTTP_DEF_MAX_BODY (64u << 20)
#define HTTP_DEF_RETRIES 3
#define HTTP_DEF_BASE_MS 200
#define HTTP_DEF_MAXWAIT_MS 10000
#define HTTP_MAX_RETRY_AFTER_S 120
#define HTTP_MAX_SECRETS 8

struct http_sock {
	uv_poll_t poll;
	curl_socket_t fd;
	struct http *h;
	struct http_sock *prev, *next;
};

struct http_xfer {
	struct http *h;
	struct http_xfer *prev, *next;
	CURL *easy;
	struct curl_slist *hdrs;
	char *url;
	char *body;
	size_t body_len;
	enum verb { V_GET, V_POST, V_CONNECT } verb;
	char errbuf[CURL_ERROR_SIZE];
	char where[256];             /* redacted URL for messages */
	struct sbuf resp;
	size_t max_body;
	bool too_big;
	bool in_multi;
	int attempts, max_retries;
	long base_ms, maxwait_ms;
	uint64_t t0;
	uv_timer_t retry;
	char *secrets[HTTP_MAX_SECRETS];
	http_done_fn cb;
	void *ud;
};

struct http {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	struct http_xfer *xfers;
	struct http_sock *socks;
	size_t pending;
	int depth;                   /* >0 while dispatching completions */
	bool freeing;
	uint64_t rng;
	http_debug_fn dbg;
	void *dbg_ud;
};

static void check_info(struct http *h);
static void http_destroy(struct http *h);

/* ---- helpers ---- */

void
http_add_escaped(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			sbuf_addc(sb, (char)c);
		} else {
			sbuf_addc(sb, '%');
			sbuf_addc(sb, hex[c >> 4]);
			sbuf_addc(sb, hex[c & 15]);
		}
	}
}

void
http_redact_url(const char *url, char *out, size_t n)
{
	if (!n)
		return;
	out[0] = '\0';
	if (!url)
		return;
	const char *p = strstr(url, "://");
	const char *host = p ? p + 3 : url;
	const char *end = host + strcspn(host, "/?#");
	const char *at = NULL;
	for (const char *q = host; q < end; q++)
		if (*q == '@')
			at = q;
	size_t len = 0;
	if (p) {
		len = (size_t)(host - url);
		snprintf(out, n, "%.*s", (int)len, url);
	}
	const char *h0 = at ? at + 1 : host;
	const char *stop = h0 + strcspn(h0, "?#");
	size_t used = strlen(out);
	if (used < n)
		snprintf(out + used, n - used, "%.*s", (int)(stop - h0), h0);
}

static uint64_t
rng_next(struct http *h)
{
	uint64_t x = h->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	h->rng = x;
	return x;
}

static void scrub_one(char *s, size_t cap, const char *sec);

/* Replaces every occurrence of each secret in `s` by "***", in place. */
static void
scrub(const struct http_xfer *x, char *s, size_t cap)
{
	for (int i = 0; i < HTTP_MAX_SECRETS && x->secrets[i]; i++)
		scrub_one(s, cap, x->secrets[i]);
}

static void
add_secret(struct http_xfer *x, const char *s)
{
	if (!s || !*s)
		return;
	for (int i = 0; i < HTTP_MAX_SECRETS; i++)
		if (!x->secrets[i]) {
			x->secrets[i] = xstrdup(s);
			return;
		}
}

static void
scrub_one(char *s, size_t cap, const char *sec)
{
	size_t sl = sec ? strlen(sec) : 0;
	if (sl < 3 || !strstr(s, sec))
		return;
	struct sbuf out = SBUF_INIT;
	const char *p = s, *q;
	while ((q = strstr(p, sec)) != NULL) {
		sbuf_add(&out, p, (size_t)(q - p));
		sbuf_adds(&out, "***");
		p = q + sl;
	}
	sbuf_adds(&out, p);
	snprintf(s, cap, "%s", sbuf_str(&out));
	sbuf_release(&out);
}

static char *read_token_file(const char *path);

void
http_auth_scrub(const struct http_auth *a, char *s, size_t cap)
{
	if (!a || !s)
		return;
	scrub_one(s, cap, a->password);
	scrub_one(s, cap, a->bearer_token);
	if (a->bearer_token_file && *a->bearer_token_file) {
		char *t = read_token_file(a->bearer_token_file);
		if (t) {
			scrub_one(s, cap, t);
			memset(t, 0, strlen(t));
			free(t);
		}
	}
	for (const char *const *h = a->headers; h && *h; h++) {
		const char *v = strchr(*h, ':');
		if (!v)
			continue;
		v++;
		while (*v == ' ')
			v++;
		scrub_one(s, cap, v);
	}
	if (a->username && *a->username) {
		static const char t[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		struct sbuf up = SBUF_INIT, b = SBUF_INIT;
		sbuf_addf(&up, "%s:%s", a->username, a->password ? a->password : "");
		const unsigned char *p = (const unsigned char *)up.buf;
		for (size_t i = 0; i < up.len; i += 3) {
			uint32_t v = (uint32_t)p[i] << 16;
			if (i + 1 < up.len)
				v |= (uint32_t)p[i + 1] << 8;
			if (i + 2 < up.len)
				v |= p[i + 2];
			sbuf_addc(&b, t[(v >> 18) & 63]);
			sbuf_addc(&b, t[(v >> 12) & 63]);
			sbuf_addc(&b, i + 1 < up.len ? t[(v >> 6) & 63] : '=');
			sbuf_addc(&b, i + 2 < up.len ? t[v & 63] : '=');
		}
		scrub_one(s, cap, sbuf_str(&b));
		memset(up.buf, 0, up.len);
		sbuf_release(&up);
		sbuf_release(&b);
	}
}

/* Reads a bearer token file: at most 64 KiB, surrounding blanks trimmed. */
static char *
read_token_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = xmalloc(65537);
	size_t n = fread(buf, 1, 65536, f);
	fclose(f);
	buf[n] = '\0';
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	size_t s = 0;
	while (buf[s] && isspace((unsigned char)buf[s]))
		s++;
	memmove(buf, buf + s, n - s + 1);
	return buf;
}

/* ---- sockets and timer (uvwget pattern) ---- */

static void
sock_close_cb(uv_handle_t *hd)
{
	free(hd->data);
}

static void
sock_release(struct http *h, struct http_sock *ps)
{
	if (ps->prev)
		ps->prev->next = ps->next;
	else
		h->socks = ps->next;
	if (ps->next)
		ps->next->prev = ps->prev;
	uv_poll_stop(&ps->poll);
	uv_close((uv_handle_t *)&ps->poll, sock_close_cb);
}

static void
poll_cb(uv_poll_t *p, int status, int events)
{
	struct http_sock *ps = p->data;
	struct http *h = ps->h;
	int flags = 0;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	int running;
	curl_multi_socket_action(h->multi, ps->fd, flags, &running);
	check_info(h);
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	(void)e;
	struct http *h = userp;
	struct http_sock *ps = socketp;
	if (what == CURL_POLL_REMOVE) {
		if (ps) {
			curl_multi_assign(h->multi, s, NULL);
			sock_release(h, ps);
		}
		return 0;
	}
	if (!ps) {
		ps = xcalloc(1, sizeof(*ps));
		ps->fd = s;
		ps->h = h;
		if (uv_poll_init_socket(h->loop, &ps->poll, s) != 0) {
			free(ps);
			return -1;
		}
		ps->poll.data = ps;
		ps->next = h->socks;
		if (h->socks)
			h->socks->prev = ps;
		h->socks = ps;
		curl_multi_assign(h->multi, s, ps);
	}
	int ev = 0;
	if (what & CURL_POLL_IN)
		ev |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		ev |= UV_WRITABLE;
	uv_poll_start(&ps->poll, ev, poll_cb);
	return 0;
}

static void
timer_cb(uv_timer_t *t)
{
	struct http *h = t->data;
	int running;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_info(h);
}

static int
timer_fn(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	struct http *h = userp;
	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		uv_timer_start(&h->timer, timer_cb, (uint64_t)timeout_ms, 0);
	return 0;
}

/* ---- transfers ---- */

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_xfer *x = ud;
	size_t n = size * nmemb;
	if (x->resp.len + n > x->max_body) {
		x->too_big = true;
		return 0;
	}
	sbuf_add(&x->resp, ptr, n);
	return n;
}

static void
xfer_close_cb(uv_handle_t *hd)
{
	struct http_xfer *x = hd->data;
	free(x);
}

/* Unlinks `x`, releases everything but its memory, closes its timer. */
static void
xfer_destroy(struct http_xfer *x)
{
	struct http *h = x->h;
	if (x->prev)
		x->prev->next = x->next;
	else
		h->xfers = x->next;
	if (x->next)
		x->next->prev = x->prev;
	h->pending--;
	if (x->in_multi)
		curl_multi_remove_handle(h->multi, x->easy);
	x->in_multi = false;
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	free(x->url);
	free(x->body);
	sbuf_release(&x->resp);
	for (int i = 0; i < HTTP_MAX_SECRETS; i++) {
		if (x->secrets[i])
			memset(x->secrets[i], 0, strlen(x->secrets[i]));
		free(x->secrets[i]);
	}
	uv_timer_stop(&x->retry);
	uv_close((uv_handle_t *)&x->retry, xfer_close_cb);
}

static void
retry_cb(uv_timer_t *t)
{
	struct http_xfer *x = t->data;
	sbuf_reset(&x->resp);
	x->too_big = false;
	x->errbuf[0] = '\0';
	x->attempts++;
	if (curl_multi_add_handle(x->h->multi, x->easy) == CURLM_OK)
		x->in_multi = true;
}

static bool
retryable_curl(CURL *e, CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return true;
	case CURLE_OPERATION_TIMEDOUT: {
		/* only when the connection was never made (connect timeout) */
		curl_off_t ct = 0;
		curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &ct);
		return ct == 0;
	}
	default:
		return false;
	}
}

static void
debug_line(struct http_xfer *x, long status, const char *msg)
{
	struct http *h = x->h;
	if (!h->dbg)
		return;
	char line[1400];
	double el = (double)(uv_hrtime() - x->t0) / 1e9;
	static const char *const verbs[] = { "GET", "POST", "CONNECT" };
	if (msg && *msg)
		snprintf(line, sizeof(line), "%s %s -> %s (attempt %d, %.3f s)",
			 verbs[x->verb], x->where, msg, x->attempts, el);
	else
		snprintf(line, sizeof(line), "%s %s -> %ld, %zu bytes (attempt %d, %.3f s)",
			 verbs[x->verb], x->where, status, x->resp.len, x->attempts, el);
	scrub(x, line, sizeof(line));
	h->dbg(h->dbg_ud, line);
}

/* One transfer finished an attempt: retry it or complete it. */
static void
xfer_done(struct http_xfer *x, CURLcode rc)
{
	struct http *h = x->h;
	long status = 0;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	char msg[1024] = "";
	int err = 0;
	long wait_ms = -1;
	const char *after = x->attempts > 1 ? " (after retries)" : "";
	long tunnel = 0;
	if (x->verb == V_CONNECT)
		curl_easy_getinfo(x->easy, CURLINFO_HTTP_CONNECTCODE, &tunnel);

	if (rc != CURLE_OK && tunnel >= 300) {
		err = LX_EHTTP;
		status = tunnel;
		snprintf(msg, sizeof(msg), "the proxy refused the tunnel to %s (HTTP %ld)",
			 x->where, tunnel);
	} else if (rc == CURLE_OK) {
		if (x->verb == V_CONNECT || (status >= 200 && status < 300)) {
			err = 0;
		} else {
			err = LX_EHTTP;
			snprintf(msg, sizeof(msg), "HTTP %ld from %s", status, x->where);
			if (status >= 500 || status == 429) {
				curl_off_t ra = -1;
				curl_easy_getinfo(x->easy, CURLINFO_RETRY_AFTER, &ra);
				if (ra > HTTP_MAX_RETRY_AFTER_S) {
					snprintf(msg, sizeof(msg),
						 "HTTP %ld from %s; server asks to retry after %ld s",
						 status, x->where, (long)ra);
				} else {
					wait_ms = ra > 0 ? (long)ra * 1000 : 0;
				}
			}
		}
	} else if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		err = LX_ETOOBIG;
		snprintf(msg, sizeof(msg),
			 "response from %s is larger than the %zu MiB cap; narrow the query or lower its limit",
			 x->where, x->max_body >> 20);
	} else {
		err = rc == CURLE_OPERATION_TIMEDOUT ? LX_ETIMEDOUT : LX_ECONN;
		const char *why = x->errbuf[0] ? x->errbuf : curl_easy_strerror(rc);
		if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(msg, sizeof(msg), "%s: timed out: %s", x->where, why);
		else
			snprintf(msg, sizeof(msg), "%s: cannot talk to server: %s%s",
				 x->where, why, rc == CURLE_PEER_FAILED_VERIFICATION ?
				 " (the server's certificate is not trusted: give its CA"
				 " certificate, or skip verification)" : "");
		if (retryable_curl(x->easy, rc))
			wait_ms = 0;
	}
	scrub(x, msg, sizeof(msg));
	debug_line(x, status, msg);

	if (wait_ms >= 0 && x->attempts <= x->max_retries && !h->freeing) {
		long d = x->base_ms;
		for (int i = 1; i < x->attempts && d < x->maxwait_ms; i++)
			d *= 2;
		if (d > x->maxwait_ms)
			d = x->maxwait_ms;
		d = d / 2 + (long)(rng_next(h) % (uint64_t)(d / 2 + 1));
		if (wait_ms > d)
			d = wait_ms;
		uv_timer_start(&x->retry, retry_cb, (uint64_t)d, 0);
		return;
	}
	if (err && *after) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof(msg) - l, " (%d attempts)", x->attempts);
	}

	const char *ct = NULL;
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_TYPE, &ct);
	struct http_resp r = {
		.err = err,
		.status = status,
		.body = &x->resp,
		.content_type = ct ? ct : "",
		.msg = msg,
		.attempts = x->attempts,
		.elapsed_s = (double)(uv_hrtime() - x->t0) / 1e9,
	};
	/* Unlink first so the callback may cancel others or free `h`. */
	http_done_fn cb = x->cb;
	void *ud = x->ud;
	x->cb = NULL;
	if (cb)
		cb(ud, &r);
	if (x->verb != V_CONNECT || err)
		xfer_destroy(x);     /* a connection lives on until http_conn_close() */
}

static void
check_info(struct http *h)
{
	CURLMsg *m;
	int left;
	h->depth++;
	while (!h->freeing && (m = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;
		struct http_xfer *x = NULL;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
		/* curl_easy_send/recv find a CONNECT_ONLY connection through
		 * the multi handle: it stays there */
		if (x->verb != V_CONNECT || rc != CURLE_OK) {
			curl_multi_remove_handle(h->multi, e);
			x->in_multi = false;
		}
		xfer_done(x, rc);
	}
	h->depth--;
	if (h->freeing && h->depth == 0)
		http_destroy(h);
}

static struct http_xfer *
start(struct http *h, const struct http_req *req, enum verb verb, http_done_fn cb, void *ud)
{
	if (!h || h->freeing || !req || !req->url || !*req->url)
		return NULL;
	const struct http_auth *a = req->auth;
	char *token = NULL;
	if (verb != V_CONNECT && a && a->bearer_token_file && *a->bearer_token_file) {
		token = read_token_file(a->bearer_token_file);
		if (!token)
			return NULL;
	}
	struct http_xfer *x = xcalloc(1, sizeof(*x));
	x->h = h;
	x->verb = verb;
	x->cb = cb;
	x->ud = ud;
	x->url = xstrdup(req->url);
	http_redact_url(req->url, x->where, sizeof(x->where));
	x->max_body = req->max_body ? req->max_body : HTTP_DEF_MAX_BODY;
	x->max_retries = req->max_retries == 0 ? HTTP_DEF_RETRIES :
			 req->max_retries < 0 ? 0 : req->max_retries;
	x->base_ms = req->retry_base_ms > 0 ? req->retry_base_ms : HTTP_DEF_BASE_MS;
	x->maxwait_ms = req->retry_max_ms > 0 ? req->retry_max_ms : HTTP_DEF_MAXWAIT_MS;
	x->attempts = 1;
	x->t0 = uv_hrtime();
	sbuf_init(&x->resp);
	uv_timer_init(h->loop, &x->retry);
	x->retry.data = x;

	CURL *e = x->easy = curl_easy_init();
	if (!e) {
		/* cannot happen short of OOM; keep the protocol: no callback */
		free(token);
		x->cb = NULL;
		x->next = h->xfers;
		if (h->xfers)
			h->xfers->prev = x;
		h->xfers = x;
		h->pending++;
		xfer_destroy(x);
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_URL, x->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "iftop-logs/0.1");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
			 req->connect_timeout_ms > 0 ? req->connect_timeout_ms :
			 HTTP_DEF_CONNECT_MS);
	if (req->timeout_ms >= 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
				 req->timeout_ms ? req->timeout_ms : HTTP_DEF_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body);
	if (verb == V_CONNECT) {
		/* TLS and the proxy (a CONNECT tunnel even for http://) only;
		 * the caller speaks its own protocol over the connection */
		curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
		curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
	}

	struct curl_slist *hl = NULL;
	if (verb == V_POST) {
		x->body = xmalloc(req->body_len + 1);
		if (req->body_len)
			memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->body_len = req->body_len;
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->body_len);
		struct sbuf ct = SBUF_INIT;
		sbuf_addf(&ct, "Content-Type: %s",
			  req->content_type ? req->content_type : "application/json");
		hl = curl_slist_append(hl, sbuf_str(&ct));
		sbuf_release(&ct);
		hl = curl_slist_append(hl, "Expect:");
	}
	if (a && verb != V_CONNECT) {
		if (a->username && *a->username) {
			curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
			curl_easy_setopt(e, CURLOPT_USERNAME, a->username);
			curl_easy_setopt(e, CURLOPT_PASSWORD, a->password ? a->password : "");
			add_secret(x, a->password);
		}
		const char *tok = token ? token : a->bearer_token;
		if (tok && *tok) {
			struct sbuf hb = SBUF_INIT;
			sbuf_addf(&hb, "Authorization: Bearer %s", tok);
			hl = curl_slist_append(hl, sbuf_str(&hb));
			memset(hb.buf, 0, hb.len);
			sbuf_release(&hb);
			add_secret(x, tok);
		}
		if (a->org_id && *a->org_id) {
			struct sbuf hb = SBUF_INIT;
			sbuf_addf(&hb, "X-Scope-OrgID: %s", a->org_id);
			hl = curl_slist_append(hl, sbuf_str(&hb));
			sbuf_release(&hb);
		}
		for (const char *const *p = a->headers; p && *p; p++) {
			hl = curl_slist_append(hl, *p);
			const char *v = strchr(*p, ':');
			if (v) {
				v++;
				while (*v == ' ')
					v++;
				add_secret(x, v);
			}
		}
	}
	if (a) {
		if (a->ca_file && *a->ca_file)
			curl_easy_setopt(e, CURLOPT_CAINFO, a->ca_file);
		if (a->cert_file && *a->cert_file)
			curl_easy_setopt(e, CURLOPT_SSLCERT, a->cert_file);
		if (a->key_file && *a->key_file)
			curl_easy_setopt(e, CURLOPT_SSLKEY, a->key_file);
		if (a->insecure_skip_verify) {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	}
	/* userinfo in the URL is a credential too */
	{
		const char *p = strstr(x->url, "://");
		const char *host = p ? p + 3 : x->url;
		const char *end = host + strcspn(host, "/?#");
		const char *colon = memchr(host, ':', (size_t)(end - host));
		const char *at = NULL;
		for (const char *q = host; q < end; q++)
			if (*q == '@')
				at = q;
		if (at && colon && colon < at) {
			char *pw = xstrndup(colon + 1, (size_t)(at - colon - 1));
			add_secret(x, pw);
			free(pw);
		}
	}
	for (const char *const *p = req->headers; p && *p; p++)
		hl = curl_slist_append(hl, *p);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	x->hdrs = hl;
	if (hl)
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);

	x->next = h->xfers;
	if (h->xfers)
		h->xfers->prev = x;
	h->xfers = x;
	h->pending++;
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		x->cb = NULL;
		xfer_destroy(x);
		return NULL;
	}
	x->in_multi = true;
	return x;
}

struct http_xfer *
http_get(struct http *h, const struct http_req *req, http_done_fn cb, void *ud)
{
	return start(h, req, V_GET, cb, ud);
}

struct http_xfer *
http_post(struct http *h, const struct http_req *req, http_done_fn cb, void *ud)
{
	return start(h, req, V_POST, cb, ud);
}

void
http_cancel(struct http_xfer *x)
{
	if (!x)
		return;
	x->cb = NULL;
	xfer_destroy(x);
}

size_t
http_xfer_received(const struct http_xfer *x)
{
	return x ? x->resp.len : 0;
}

size_t
http_pending(const struct http *h)
{
	return h ? h->pending : 0;
}

/* ---- raw connections (CONNECT_ONLY) ---- */

/*
 * Each connection gets its own multi handle: curl_easy_send/recv need the
 * easy handle to stay in its multi after the connect, and a shared multi
 * would prune the idle-looking connection or poll its socket while other
 * transfers run.  The multi only drives the connect (proxy tunnel, TLS).
 */
struct http_conn {
	struct http *h;
	struct http_xfer *x;
	http_done_fn cb;
	void *ud;
};

static void
conn_connected(void *ud, const struct http_resp *r)
{
	struct http_conn *c = ud;
	if (r->err)
		c->x = NULL;         /* destroyed when this returns */
	c->cb(c->ud, r);
}

struct http_conn *
http_conn_open(uv_loop_t *loop, const struct http_req *req, http_done_fn cb, void *ud)
{
	if (!cb)
		return NULL;
	struct http_conn *c = xcalloc(1, sizeof(*c));
	c->h = http_new(loop);
	c->cb = cb;
	c->ud = ud;
	c->x = c->h ? start(c->h, req, V_CONNECT, conn_connected, c) : NULL;
	if (!c->x) {
		http_free(c->h);
		free(c);
		return NULL;
	}
	return c;
}

int
http_conn_fd(const struct http_conn *c)
{
	curl_socket_t s = CURL_SOCKET_BAD;
	if (!c || !c->x || c->x->cb ||
	    curl_easy_getinfo(c->x->easy, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK)
		return -1;
	return s == CURL_SOCKET_BAD ? -1 : (int)s;
}

bool
http_conn_tunneled(const struct http_conn *c)
{
	long code = 0;
	if (http_conn_fd(c) >= 0)
		curl_easy_getinfo(c->x->easy, CURLINFO_HTTP_CONNECTCODE, &code);
	return code >= 200 && code < 300;
}

static int
conn_rc(CURLcode rc)
{
	return rc == CURLE_OK ? 0 : rc == CURLE_AGAIN ? LX_EAGAIN : LX_ECONN;
}

int
http_conn_send(struct http_conn *c, const void *p, size_t n, size_t *sent)
{
	*sent = 0;
	if (http_conn_fd(c) < 0)
		return LX_ECONN;
	return conn_rc(curl_easy_send(c->x->easy, p, n, sent));
}

int
http_conn_recv(struct http_conn *c, void *p, size_t n, size_t *got)
{
	*got = 0;
	if (http_conn_fd(c) < 0)
		return LX_ECONN;
	return conn_rc(curl_easy_recv(c->x->easy, p, n, got));
}

void
http_conn_close(struct http_conn *c)
{
	if (!c)
		return;
	http_free(c->h);             /* removes the easy handle: curl closes the socket */
	free(c);
}

/* ---- life cycle ---- */

struct http *
http_new(uv_loop_t *loop)
{
	static bool global_done;
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
	struct http *h = xcalloc(1, sizeof(*h));
	h->loop = loop;
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		return NULL;
	}
	h->rng = uv_hrtime() | 1;
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timer_fn);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
	return h;
}

void
http_set_debug(struct http *h, http_debug_fn fn, void *ud)
{
	h->dbg = fn;
	h->dbg_ud = ud;
}

static void
http_close_cb(uv_handle_t *hd)
{
	free(hd->data);
}

static void
http_destroy(struct http *h)
{
	while (h->xfers) {
		h->xfers->cb = NULL;
		xfer_destroy(h->xfers);
	}
	curl_multi_cleanup(h->multi);
	h->multi = NULL;
	while (h->socks)
		sock_release(h, h->socks);
	uv_timer_stop(&h->timer);
	uv_close((uv_handle_t *)&h->timer, http_close_cb);
}

void
http_free(struct http *h)
{
	if (!h || h->freeing)
		return;
	h->freeing = true;
	if (h->depth == 0)
		http_destroy(h);
}

/* ---- owned auth copies (loki.c, prom.c) ---- */

static const char *
own(struct http_auth_copy *c, const char *s)
{
	if (!s || !*s)
		return NULL;
	for (size_t i = 0; i < sizeof(c->owned) / sizeof(c->owned[0]); i++)
		if (!c->owned[i])
			return c->owned[i] = xstrdup(s);
	return NULL;
}

void
http_auth_copy_init(struct http_auth_copy *c, const struct http_auth *a)
{
	memset(c, 0, sizeof(*c));
	c->auth.username = own(c, a->username);
	c->auth.password = own(c, a->password);
	c->auth.bearer_token = own(c, a->bearer_token);
	c->auth.bearer_token_file = own(c, a->bearer_token_file);
	c->auth.org_id = own(c, a->org_id);
	c->auth.ca_file = own(c, a->ca_file);
	c->auth.cert_file = own(c, a->cert_file);
	c->auth.key_file = own(c, a->key_file);
	c->auth.insecure_skip_verify = a->insecure_skip_verify;
	if (a->headers) {
		size_t k = 0;
		while (a->headers[k])
			k++;
		c->headers = xcalloc(k + 1, sizeof(char *));
		for (size_t i = 0; i < k; i++)
			c->headers[i] = xstrdup(a->headers[i]);
		c->auth.headers = (const char *const *)c->headers;
	}
}

void
http_auth_copy_release(struct http_auth_copy *c)
{
	for (size_t i = 0; i < sizeof(c->owned) / sizeof(c->owned[0]); i++) {
		if (c->owned[i])
			memset(c->owned[i], 0, strlen(c->owned[i]));
		free(c->owned[i]);
	}
	for (size_t i = 0; c->headers && c->headers[i]; i++) {
		memset(c->headers[i], 0, strlen(c->headers[i]));
		free(c->headers[i]);
	}
	free(c->headers);
	memset(c, 0, sizeof(*c));
}

char *
http_base_url(const char *url)
{
	char *u = xstrdup(url);
	size_t n = strlen(u);
	while (n && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

void
http_api_init(struct http_api *a, struct http *http, const char *url,
	      const struct http_auth *auth, const struct http_req *opts)
{
	a->http = http;
	a->url = http_base_url(url);
	http_auth_copy_init(&a->ac, auth);
	a->opts = *opts;
	a->opts.url = NULL;
	a->opts.auth = NULL;
	a->opts.body = NULL;
	a->opts.body_len = 0;
}

void
http_api_release(struct http_api *a)
{
	http_auth_copy_release(&a->ac);
	free(a->url);
	a->url = NULL;
}

struct http_xfer *
http_api_send(struct http_api *a, const char *url, const char *body, size_t body_len,
	      http_done_fn cb, void *ud)
{
	struct http_req r = a->opts;
	r.url = url;
	r.auth = &a->ac.auth;
	if (!body)
		return http_get(a->http, &r, cb, ud);
	r.body = body;
	r.body_len = body_len;
	r.content_type = "application/json";
	return http_post(a->http, &r, cb, ud);
}

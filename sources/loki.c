/*
 * sources/loki.c: the Loki HTTP API client.  Owns URL building, JSON
 * parsing (jansson, only here), paging of range queries and error
 * wording.  Transport is sources/http.c; the live tail source is
 * sources/loki_tail.c.  Never draws.
 */
#include "sources/loki.h"

#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "sources/loki_internal.h"

#define LOKI_DEF_LIMIT 1000
#define LOKI_MAX_PAGE 5000
#define LOKI_MAX_SPLITS 12
#define LOKI_MIN_SPLIT_NS 1000000000LL

enum req_kind { K_QUERY, K_RANGE, K_STRINGS, K_SERIES, K_STATS, K_VOLUME,
		K_READY, K_INFO, K_RAW, K_PUSH };

struct chunk {
	int64_t s, e;
};


struct loki_req {
	struct loki *lk;
	struct loki_req *prev, *next;
	enum req_kind kind;
	struct http_xfer *x;
	loki_done_fn cb;
	void *ud;
	char what[48];
	char *url;
	char *body;
	size_t body_len;
	/* range paging */
	char *query;
	bool forward;
	size_t limit, page, page_req;
	double step;
	loki_progress_fn progress;
	struct chunk *chunks;
	size_t nchunks, cur;
	int64_t ws, we;
	bool have_boundary;
	int64_t boundary;
	char **bset;
	size_t nbset, capbset;
	struct result *acc;
	int splits, timeout_splits;
	bool count_total, counting;
	int64_t q_start, q_end;
	uint64_t bytes;               /* response bytes of finished pages */
};

int64_t
loki_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- configuration ---- */

static bool
env_true(const char *v)
{
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"));
}

void
loki_config_from_env(struct loki_config *cfg, char *(*getenv_fn)(const char *),
		     const char *const *headers)
{
	static const struct { const char *name; size_t off; } vars[] = {
		{ "LOKI_ADDR", offsetof(struct loki_config, url) },
		{ "LOKI_ORG_ID", offsetof(struct loki_config, auth.org_id) },
		{ "LOKI_USERNAME", offsetof(struct loki_config, auth.username) },
		{ "LOKI_PASSWORD", offsetof(struct loki_config, auth.password) },
		{ "LOKI_BEARER_TOKEN", offsetof(struct loki_config, auth.bearer_token) },
		{ "LOKI_BEARER_TOKEN_FILE", offsetof(struct loki_config, auth.bearer_token_file) },
		{ "LOKI_CA_CERT_PATH", offsetof(struct loki_config, auth.ca_file) },
		{ "LOKI_CLIENT_CERT_PATH", offsetof(struct loki_config, auth.cert_file) },
		{ "LOKI_CLIENT_KEY_PATH", offsetof(struct loki_config, auth.key_file) },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(vars); i++) {
		const char *v = getenv_fn(vars[i].name);
		if (v && *v)
			*(const char **)((char *)cfg + vars[i].off) = v;
	}
	if (env_true(getenv_fn("LOKI_TLS_SKIP_VERIFY")))
		cfg->auth.insecure_skip_verify = true;
	if (headers)
		cfg->auth.headers = headers;
}

int64_t
loki_plan_split(const struct res_index *st, int64_t start_ns, int64_t end_ns,
		uint64_t target_bytes)
{
	if (!target_bytes)
		target_bytes = 256ull << 20;
	if (!st || st->bytes <= 0 || end_ns <= start_ns || (uint64_t)st->bytes <= target_bytes)
		return 0;
	uint64_t chunks = ((uint64_t)st->bytes + target_bytes - 1) / target_bytes;
	int64_t span = (end_ns - start_ns) / (int64_t)chunks;
	if (span < 60 * 1000000000LL)
		span = 60 * 1000000000LL;
	return span >= end_ns - start_ns ? 0 : span;
}

/* ---- life cycle ---- */

struct loki *
loki_new(struct http *http, const struct loki_config *cfg)
{
	if (!http || !cfg || !cfg->url || !*cfg->url)
		return NULL;
	struct loki *lk = xcalloc(1, sizeof(*lk));
	struct http_req opts = {
		.timeout_ms = cfg->timeout_ms, .connect_timeout_ms = cfg->connect_timeout_ms,
		.max_body = cfg->max_body, .max_retries = cfg->max_retries,
		.retry_base_ms = cfg->retry_base_ms,
	};
	http_api_init(&lk->api, http, cfg->url, &cfg->auth, &opts);
	return lk;
}

static void
req_free(struct loki_req *r)
{
	struct loki *lk = r->lk;
	if (r->prev)
		r->prev->next = r->next;
	else if (lk->reqs == r)
		lk->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free(r->url);
	free(r->body);
	free(r->query);
	free(r->chunks);
	for (size_t i = 0; i < r->nbset; i++)
		free(r->bset[i]);
	free(r->bset);
	result_free(r->acc);
	free(r);
}

void
loki_cancel(struct loki_req *r)
{
	if (!r)
		return;
	http_cancel(r->x);
	r->x = NULL;
	req_free(r);
}

void
loki_free(struct loki *lk)
{
	if (!lk)
		return;
	while (lk->reqs)
		loki_cancel(lk->reqs);
	http_api_release(&lk->api);
	free(lk);
}

/* ---- errors ---- */

static void
trim_copy(char *dst, size_t cap, const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len > 300)
		len = 300;
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < cap; i++)
		dst[j++] = (s[i] == '\n' || s[i] == '\r' || s[i] == '\t') ? ' ' : s[i];
	dst[j] = '\0';
}

/* Loki 2.x answers errors in plain text; 3.x and Prometheus-style
 * frontends may send {"status":"error","error":"..."} or {"message":...}. */
static void
server_message(const struct sbuf *body, char *out, size_t cap)
{
	out[0] = '\0';
	if (!body || !body->len)
		return;
	json_t *j = json_loadb(body->buf, body->len, 0, NULL);
	if (j && json_is_object(j)) {
		const char *m = json_string_value(json_object_get(j, "error"));
		if (!m)
			m = json_string_value(json_object_get(j, "message"));
		if (m) {
			trim_copy(out, cap, m, strlen(m));
			json_decref(j);
			return;
		}
	}
	json_decref(j);
	trim_copy(out, cap, body->buf, body->len);
}

void
loki_error_from_http(const struct http_resp *resp, const char *what,
		     struct res_error *err)
{
	char sm[320];
	server_message(resp->body, sm, sizeof(sm));
	err->code = resp->err ? resp->err : LX_EHTTP;
	err->http_status = resp->status;
	const char *sep = *sm ? ": " : "";
	char tries[32] = "";
	if (resp->attempts > 1)
		snprintf(tries, sizeof(tries), ", %d attempts", resp->attempts);
	switch (resp->err) {
	case LX_ECONN:
		snprintf(err->msg, sizeof(err->msg), "cannot reach Loki (%s): %s", what, resp->msg);
		return;
	case LX_ETIMEDOUT:
		snprintf(err->msg, sizeof(err->msg), "Loki did not answer in time (%s): %s",
			 what, resp->msg);
		return;
	case LX_ETOOBIG:
		snprintf(err->msg, sizeof(err->msg), "Loki %s: %s", what, resp->msg);
		return;
	default:
		break;
	}
	long st = resp->status;
	if (st == 400)
		snprintf(err->msg, sizeof(err->msg), "Loki rejected the %s (HTTP 400)%s%s",
			 what, sep, sm);
	else if (st == 401 || st == 403)
		snprintf(err->msg, sizeof(err->msg),
			 "Loki refused access to %s (HTTP %ld); check the credentials or tenant%s%s",
			 what, st, sep, sm);
	else if (st == 404)
		snprintf(err->msg, sizeof(err->msg), "this Loki has no %s endpoint (HTTP 404)", what);
	else if (st == 429)
		snprintf(err->msg, sizeof(err->msg), "Loki is rate limiting (HTTP 429%s)%s%s",
			 tries, sep, sm);
	else if (st == 504 || strstr(sm, "timeout") || strstr(sm, "deadline exceeded"))
		snprintf(err->msg, sizeof(err->msg), "Loki %s timed out on the server (HTTP %ld)%s%s",
			 what, st, sep, sm);
	else if (st >= 500)
		snprintf(err->msg, sizeof(err->msg), "Loki server error (HTTP %ld%s)%s%s",
			 st, tries, sep, sm);
	else
		snprintf(err->msg, sizeof(err->msg), "Loki %s failed (HTTP %ld)%s%s",
			 what, st, sep, sm);
}

static void
parse_error(struct res_error *err, const char *what, const char *detail)
{
	err->code = LX_EPARSE;
	err->http_status = 200;
	snprintf(err->msg, sizeof(err->msg), "Loki sent an unreadable %s answer: %s",
		 what, detail);
}

/* ---- JSON -> result ---- */

static int64_t
parse_ns(json_t *v)
{
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	if (json_is_real(v))
		return (int64_t)json_real_value(v);
	return 0;
}

static int64_t
parse_sec_ms(json_t *v)
{
	double d = 0;
	if (json_is_number(v))
		d = json_number_value(v);
	else if (json_is_string(v))
		d = strtod(json_string_value(v), NULL);
	return (int64_t)llround(d * 1000.0);
}

static double
parse_value(json_t *v)
{
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	if (json_is_number(v))
		return json_number_value(v);
	return NAN;
}

static void
labels_from_json(json_t *obj, struct res_labels *out)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		if (json_is_string(v))
			res_labels_set(out, k, json_string_value(v));
		else if (!json_is_null(v)) {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			res_labels_set(out, k, s ? s : "");
			free(s);
		}
	}
}

static void
parse_stats(json_t *data, struct res_stats *st)
{
	json_t *sum = json_object_get(json_object_get(data, "stats"), "summary");
	if (!json_is_object(sum))
		return;
	st->lines_processed += json_integer_value(json_object_get(sum, "totalLinesProcessed"));
	st->bytes_processed += json_integer_value(json_object_get(sum, "totalBytesProcessed"));
	st->entries_returned += json_integer_value(json_object_get(sum, "totalEntriesReturned"));
	st->exec_time_s += json_number_value(json_object_get(sum, "execTime"));
}

/* Fills `s` from a "values" array; `third` elements are Loki 3 metadata. */
static int
parse_stream_values(struct res_stream *s, json_t *values)
{
	size_t i;
	json_t *e;
	json_array_foreach(values, i, e) {
		json_t *ts = json_array_get(e, 0), *line = json_array_get(e, 1);
		if (!json_is_array(e) || !ts || !json_is_string(line))
			return -1;
		struct res_entry *en = res_stream_add(s, parse_ns(ts), json_string_value(line),
						      json_string_length(line));
		json_t *meta = json_array_get(e, 2);
		if (json_is_object(meta)) {
			json_t *sm = json_object_get(meta, "structuredMetadata");
			json_t *pa = json_object_get(meta, "parsed");
			if (json_is_object(sm) || json_is_object(pa)) {
				if (json_is_object(sm))
					labels_from_json(sm, &en->meta);
				if (json_is_object(pa))
					labels_from_json(pa, &en->parsed);
			} else {
				labels_from_json(meta, &en->meta);
			}
		}
	}
	return 0;
}

static int
parse_streams(json_t *arr, struct result *r, struct res_error *err, const char *what)
{
	size_t i;
	json_t *st;
	json_array_foreach(arr, i, st) {
		json_t *lab = json_object_get(st, "stream");
		json_t *vals = json_object_get(st, "values");
		if (!json_is_object(lab) || !json_is_array(vals)) {
			parse_error(err, what, "a stream without \"stream\" labels or \"values\"");
			return LX_EPARSE;
		}
		struct res_labels l = { 0 };
		labels_from_json(lab, &l);
		struct res_stream *s = result_stream(r, &l);
		res_labels_release(&l);
		if (parse_stream_values(s, vals) != 0) {
			parse_error(err, what, "a log entry that is not [\"<ns>\", \"<line>\"]");
			return LX_EPARSE;
		}
	}
	return 0;
}

static int
parse_samples(json_t *arr, struct result *r, bool matrix, struct res_error *err,
	      const char *what)
{
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		json_t *m = json_object_get(it, "metric");
		struct res_labels l = { 0 };
		if (json_is_object(m))
			labels_from_json(m, &l);
		struct res_series *s = result_series(r, &l);
		res_labels_release(&l);
		if (matrix) {
			json_t *vals = json_object_get(it, "values");
			size_t j;
			json_t *p;
			if (!json_is_array(vals)) {
				parse_error(err, what, "a matrix series without \"values\"");
				return LX_EPARSE;
			}
			json_array_foreach(vals, j, p)
				res_series_add(s, parse_sec_ms(json_array_get(p, 0)),
					       parse_value(json_array_get(p, 1)));
		} else {
			json_t *p = json_object_get(it, "value");
			if (!json_is_array(p)) {
				parse_error(err, what, "a vector sample without \"value\"");
				return LX_EPARSE;
			}
			res_series_add(s, parse_sec_ms(json_array_get(p, 0)),
				       parse_value(json_array_get(p, 1)));
		}
	}
	return 0;
}

static json_t *
load(const char *body, size_t len, struct res_error *err, const char *what)
{
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);
	if (!j) {
		char d[256];
		snprintf(d, sizeof(d), "invalid JSON at byte %d of %zu (%s)", je.position, len,
			 je.text);
		parse_error(err, what, d);
	}
	return j;
}

static void
add_warnings(json_t *root, struct result *r)
{
	json_t *w = json_object_get(root, "warnings");
	size_t i;
	json_t *it;
	json_array_foreach(w, i, it) {
		if (json_is_string(it)) {
			sbuf_adds(&r->warnings, json_string_value(it));
			sbuf_addc(&r->warnings, '\n');
		}
	}
}

static int
parse_query_json(json_t *root, struct result **out, struct res_error *err,
		 const char *what)
{
	json_t *data = json_object_get(root, "data");
	const char *status = json_string_value(json_object_get(root, "status"));
	if (status && strcmp(status, "success") != 0) {
		const char *m = json_string_value(json_object_get(root, "error"));
		err->code = LX_EHTTP;
		err->http_status = 200;
		snprintf(err->msg, sizeof(err->msg), "Loki %s failed: %s", what, m ? m : status);
		return LX_EHTTP;
	}
	const char *rt = json_string_value(json_object_get(data, "resultType"));
	json_t *res = json_object_get(data, "result");
	if (!rt || !res) {
		parse_error(err, what, "no data.resultType/data.result");
		return LX_EPARSE;
	}
	struct result *r = NULL;
	int rc = 0;
	if (!strcmp(rt, "streams")) {
		r = result_new(RES_STREAMS);
		rc = json_is_array(res) ? parse_streams(res, r, err, what) : LX_EPARSE;
	} else if (!strcmp(rt, "matrix")) {
		r = result_new(RES_MATRIX);
		rc = json_is_array(res) ? parse_samples(res, r, true, err, what) : LX_EPARSE;
	} else if (!strcmp(rt, "vector")) {
		r = result_new(RES_VECTOR);
		rc = json_is_array(res) ? parse_samples(res, r, false, err, what) : LX_EPARSE;
	} else if (!strcmp(rt, "scalar")) {
		r = result_new(RES_SCALAR);
		r->scalar.ts_ms = parse_sec_ms(json_array_get(res, 0));
		r->scalar.v = parse_value(json_array_get(res, 1));
	} else {
		parse_error(err, what, "unknown resultType");
		return LX_EPARSE;
	}
	if (rc) {
		if (rc == LX_EPARSE && !err->msg[0])
			parse_error(err, what, "data.result is not an array");
		result_free(r);
		return LX_EPARSE;
	}
	parse_stats(data, &r->stats);
	add_warnings(root, r);
	add_warnings(data, r);
	*out = r;
	return 0;
}

int
loki_parse_query(const char *body, size_t len, struct result **out, struct res_error *err)
{
	memset(err, 0, sizeof(*err));
	*out = NULL;
	json_t *root = load(body, len, err, "query");
	if (!root)
		return LX_EPARSE;
	int rc = parse_query_json(root, out, err, "query");
	json_decref(root);
	return rc;
}

int
loki_parse_tail_frame(const char *body, size_t len, struct result **out,
		      size_t *dropped, struct res_error *err)
{
	memset(err, 0, sizeof(*err));
	*out = NULL;
	*dropped = 0;
	json_t *root = load(body, len, err, "tail");
	if (!root)
		return LX_EPARSE;
	struct result *r = result_new(RES_STREAMS);
	json_t *streams = json_object_get(root, "streams");
	if (streams && (!json_is_array(streams) || parse_streams(streams, r, err, "tail"))) {
		if (!err->msg[0])
			parse_error(err, "tail", "\"streams\" is not an array");
		result_free(r);
		json_decref(root);
		return LX_EPARSE;
	}
	*dropped = json_array_size(json_object_get(root, "dropped_entries"));
	json_decref(root);
	*out = r;
	return 0;
}

/* ---- requests ---- */

static struct loki_req *
req_new(struct loki *lk, enum req_kind kind, const char *what, loki_done_fn cb, void *ud)
{
	struct loki_req *r = xcalloc(1, sizeof(*r));
	r->lk = lk;
	r->kind = kind;
	r->cb = cb;
	r->ud = ud;
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->next = lk->reqs;
	if (lk->reqs)
		lk->reqs->prev = r;
	lk->reqs = r;
	return r;
}

static void
finish(struct loki_req *r, const struct res_error *err, struct result *res)
{
	struct res_error scrubbed;
	if (err) {
		/* server text may echo our request headers */
		scrubbed = *err;
		http_auth_scrub(&r->lk->api.ac.auth, scrubbed.msg, sizeof(scrubbed.msg));
		err = &scrubbed;
	}
	loki_done_fn cb = r->cb;
	void *ud = r->ud;
	if (res && r->acc == res)
		r->acc = NULL;
	req_free(r);
	if (cb)
		cb(ud, err, res);
	else
		result_free(res);
}

static void on_http(void *ud, const struct http_resp *resp);

static bool
send_get(struct loki_req *r, const char *url)
{
	r->x = http_api_send(&r->lk->api, url, r->kind == K_PUSH ? r->body : NULL, r->body_len,
			     on_http, r);
	return r->x != NULL;
}

/* Starts a one-shot request or frees `r` and returns NULL. */
static struct loki_req *
start_simple(struct loki_req *r, struct sbuf *url)
{
	r->url = sbuf_detach(url, NULL);
	if (!send_get(r, r->url)) {
		r->cb = NULL;
		req_free(r);
		return NULL;
	}
	return r;
}

static void
add_time(struct sbuf *u, const char *name, int64_t ns)
{
	if (ns)
		sbuf_addf(u, "&%s=%" PRId64, name, ns);
}

static void
url_begin(struct sbuf *u, struct loki *lk, const char *path)
{
	sbuf_init(u);
	sbuf_adds(u, lk->api.url);
	sbuf_adds(u, path);
	sbuf_adds(u, "?_=1");
}

struct loki_req *
loki_labels(struct loki *lk, int64_t start_ns, int64_t end_ns, loki_done_fn cb, void *ud)
{
	if (!lk)
		return NULL;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/labels");
	add_time(&u, "start", start_ns);
	add_time(&u, "end", end_ns);
	return start_simple(req_new(lk, K_STRINGS, "labels", cb, ud), &u);
}

struct loki_req *
loki_label_values(struct loki *lk, const char *name, const char *selector,
		  int64_t start_ns, int64_t end_ns, loki_done_fn cb, void *ud)
{
	if (!lk || !name || !*name)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_adds(&u, lk->api.url);
	sbuf_adds(&u, "/loki/api/v1/label/");
	http_add_escaped(&u, name);
	sbuf_adds(&u, "/values?_=1");
	add_time(&u, "start", start_ns);
	add_time(&u, "end", end_ns);
	if (selector && *selector) {
		sbuf_adds(&u, "&query=");
		http_add_escaped(&u, selector);
	}
	return start_simple(req_new(lk, K_STRINGS, "label values", cb, ud), &u);
}

struct loki_req *
loki_series(struct loki *lk, const char *match, int64_t start_ns, int64_t end_ns,
	    loki_done_fn cb, void *ud)
{
	if (!lk || !match || !*match)
		return NULL;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/series");
	sbuf_adds(&u, "&match%5B%5D=");
	http_add_escaped(&u, match);
	add_time(&u, "start", start_ns);
	add_time(&u, "end", end_ns);
	return start_simple(req_new(lk, K_SERIES, "series", cb, ud), &u);
}

struct loki_req *
loki_index_stats(struct loki *lk, const char *query, int64_t start_ns, int64_t end_ns,
		 loki_done_fn cb, void *ud)
{
	if (!lk || !query || !*query)
		return NULL;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/index/stats");
	sbuf_adds(&u, "&query=");
	http_add_escaped(&u, query);
	add_time(&u, "start", start_ns);
	add_time(&u, "end", end_ns);
	return start_simple(req_new(lk, K_STATS, "index stats", cb, ud), &u);
}

struct loki_req *
loki_index_volume(struct loki *lk, const char *query, int64_t start_ns, int64_t end_ns,
		  size_t limit, loki_done_fn cb, void *ud)
{
	if (!lk || !query || !*query)
		return NULL;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/index/volume");
	sbuf_adds(&u, "&query=");
	http_add_escaped(&u, query);
	int64_t now = loki_now_ns();
	add_time(&u, "start", start_ns ? start_ns : now - 3600 * 1000000000LL);
	add_time(&u, "end", end_ns ? end_ns : now);
	if (limit)
		sbuf_addf(&u, "&limit=%zu", limit);
	return start_simple(req_new(lk, K_VOLUME, "index volume", cb, ud), &u);
}

struct loki_req *
loki_ready(struct loki *lk, loki_done_fn cb, void *ud)
{
	if (!lk)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/ready", lk->api.url);
	return start_simple(req_new(lk, K_READY, "ready check", cb, ud), &u);
}

struct loki_req *
loki_buildinfo(struct loki *lk, loki_done_fn cb, void *ud)
{
	if (!lk)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/loki/api/v1/status/buildinfo", lk->api.url);
	return start_simple(req_new(lk, K_INFO, "build info", cb, ud), &u);
}

struct loki_req *
loki_metrics(struct loki *lk, loki_done_fn cb, void *ud)
{
	if (!lk)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/metrics", lk->api.url);
	return start_simple(req_new(lk, K_RAW, "metrics", cb, ud), &u);
}

struct loki_req *
loki_push(struct loki *lk, const char *json, size_t len, loki_done_fn cb, void *ud)
{
	if (!lk || !json)
		return NULL;
	struct loki_req *r = req_new(lk, K_PUSH, "push", cb, ud);
	r->body = xmalloc(len + 1);
	memcpy(r->body, json, len);
	r->body[len] = '\0';
	r->body_len = len;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/loki/api/v1/push", lk->api.url);
	return start_simple(r, &u);
}

struct loki_req *
loki_query(struct loki *lk, const struct loki_query *q, loki_done_fn cb, void *ud)
{
	if (!lk || !q || !q->query || !*q->query)
		return NULL;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/query");
	sbuf_adds(&u, "&query=");
	http_add_escaped(&u, q->query);
	sbuf_addf(&u, "&limit=%zu", q->limit ? q->limit : LOKI_DEF_LIMIT);
	add_time(&u, "time", q->time_ns);
	sbuf_addf(&u, "&direction=%s", q->forward ? "forward" : "backward");
	return start_simple(req_new(lk, K_QUERY, "query", cb, ud), &u);
}

/* ---- push bodies ---- */

void
loki_push_begin(struct loki_push_buf *pb)
{
	memset(pb, 0, sizeof(*pb));
	sbuf_init(&pb->body);
	sbuf_adds(&pb->body, "{\"streams\":[");
}

static void
push_close_stream(struct loki_push_buf *pb)
{
	if (pb->open)
		sbuf_adds(&pb->body, "]}");
	pb->open = false;
}

void
loki_push_stream(struct loki_push_buf *pb, const struct res_labels *labels)
{
	push_close_stream(pb);
	if (pb->streams++)
		sbuf_addc(&pb->body, ',');
	sbuf_adds(&pb->body, "{\"stream\":{");
	for (size_t i = 0; i < labels->n; i++) {
		if (i)
			sbuf_addc(&pb->body, ',');
		sbuf_add_json_str(&pb->body, labels->v[i].name, strlen(labels->v[i].name));
		sbuf_addc(&pb->body, ':');
		sbuf_add_json_str(&pb->body, labels->v[i].value, strlen(labels->v[i].value));
	}
	sbuf_adds(&pb->body, "},\"values\":[");
	pb->open = true;
	pb->in_stream = 0;
}

void
loki_push_entry(struct loki_push_buf *pb, int64_t ts_ns, const char *line, size_t len)
{
	if (!pb->open) {
		struct res_labels none = { 0 };
		loki_push_stream(pb, &none);
	}
	sbuf_addf(&pb->body, "%s[\"%" PRId64 "\",", pb->in_stream++ ? "," : "", ts_ns);
	sbuf_add_json_str(&pb->body, line, len);
	sbuf_addc(&pb->body, ']');
	pb->entries++;
}

void
loki_push_end(struct loki_push_buf *pb)
{
	push_close_stream(pb);
	sbuf_adds(&pb->body, "]}");
}

void
loki_push_buf_release(struct loki_push_buf *pb)
{
	sbuf_release(&pb->body);
	memset(pb, 0, sizeof(*pb));
}

/* ---- range queries with paging ---- */

static void send_page(struct loki_req *r);

/* Key of an entry for de-duplication at the page boundary. */
static char *
entry_key(const struct res_labels *l, const struct res_entry *e)
{
	struct sbuf k = SBUF_INIT;
	res_labels_format(l, &k);
	sbuf_addc(&k, '\x1f');
	sbuf_add(&k, e->line, e->len);
	return sbuf_detach(&k, NULL);
}

static bool
bset_has(const struct loki_req *r, const char *key)
{
	for (size_t i = 0; i < r->nbset; i++)
		if (!strcmp(r->bset[i], key))
			return true;
	return false;
}

static void
bset_clear(struct loki_req *r)
{
	for (size_t i = 0; i < r->nbset; i++)
		free(r->bset[i]);
	r->nbset = 0;
}

static bool
next_chunk(struct loki_req *r)
{
	if (r->progress)
		r->progress(r->ud, r->cur + 1, r->nchunks, result_entries(r->acc));
	r->cur++;
	bset_clear(r);
	r->have_boundary = false;
	if (r->cur >= r->nchunks)
		return false;
	r->ws = r->chunks[r->cur].s;
	r->we = r->chunks[r->cur].e;
	return true;
}

/* Merges one page of log entries into r->acc.  Returns true when the
 * window still has entries to fetch. */
static bool
merge_page(struct loki_req *r, struct result *page)
{
	size_t n;
	struct res_ref *refs = result_sorted(page, r->forward, &n);
	size_t have = result_entries(r->acc), added = 0;
	bool limit_hit = false;
	size_t i;
	for (i = 0; i < n; i++) {
		struct res_stream *ps = &page->streams[refs[i].stream];
		struct res_entry *pe = &ps->v[refs[i].entry];
		if (r->have_boundary && pe->ts_ns == r->boundary) {
			char *key = entry_key(&ps->labels, pe);
			bool dup = bset_has(r, key);
			free(key);
			if (dup)
				continue;
		}
		if (have + added >= r->limit) {
			limit_hit = true;
			break;
		}
		struct res_stream *as = result_stream(r->acc, &ps->labels);
		struct res_entry *ae = res_stream_add(as, pe->ts_ns, pe->line, pe->len);
		res_labels_copy(&ae->meta, &pe->meta);
		res_labels_copy(&ae->parsed, &pe->parsed);
		added++;
	}
	bool full = n >= r->page_req;
	if (limit_hit || (have + added >= r->limit && (full || r->cur + 1 < r->nchunks))) {
		struct res_limit *l = &r->acc->limit;
		l->cut = true;
		l->layer = "client limit";
		l->limit = r->limit;
		l->shown = have + added;
		l->at_least = l->shown + 1;
		free(refs);
		return false;
	}
	if (n == 0 || !full) {
		free(refs);
		return false;     /* window exhausted */
	}
	int64_t last = page->streams[refs[n - 1].stream].v[refs[n - 1].entry].ts_ns;
	if (!r->have_boundary || last != r->boundary) {
		bset_clear(r);
		r->boundary = last;
		r->have_boundary = true;
	}
	for (i = n; i-- > 0;) {
		struct res_stream *ps = &page->streams[refs[i].stream];
		struct res_entry *pe = &ps->v[refs[i].entry];
		if (pe->ts_ns != last)
			break;
		char *key = entry_key(&ps->labels, pe);
		if (bset_has(r, key)) {
			free(key);
			continue;
		}
		xgrow(&r->bset, &r->capbset, r->nbset + 1, sizeof(char *));
		r->bset[r->nbset++] = key;
	}
	free(refs);
	if (added == 0) {
		/* a whole page of one timestamp we already hold: widen the page,
		 * or step past it when the server will not give more */
		if (r->page < LOKI_MAX_PAGE) {
			r->page = r->page * 2 > LOKI_MAX_PAGE ? LOKI_MAX_PAGE : r->page * 2;
		} else {
			struct res_limit *l = &r->acc->limit;
			snprintf(l->why, sizeof(l->why),
				 "more than %zu lines share timestamp %" PRId64 "; some were skipped",
				 r->page, last);
			if (r->forward)
				r->ws = last + 1;
			else
				r->we = last;
			bset_clear(r);
			r->have_boundary = false;
			return r->ws < r->we;
		}
	}
	if (r->forward)
		r->ws = last;
	else
		r->we = last + 1;
	return true;
}

static int
sample_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct res_sample *)a)->ts_ms, y = ((const struct res_sample *)b)->ts_ms;
	return x < y ? -1 : x > y;
}

static void
merge_matrix(struct result *acc, struct result *page)
{
	for (size_t i = 0; i < page->nseries; i++) {
		struct res_series *ps = &page->series[i], *as = NULL;
		for (size_t j = 0; j < acc->nseries; j++)
			if (!res_labels_cmp(&acc->series[j].labels, &ps->labels)) {
				as = &acc->series[j];
				break;
			}
		if (!as)
			as = result_series(acc, &ps->labels);
		bool sorted = true;
		for (size_t k = 0; k < ps->n; k++) {
			if (as->n && as->v[as->n - 1].ts_ms >= ps->v[k].ts_ms)
				sorted = false;
			res_series_add(as, ps->v[k].ts_ms, ps->v[k].v);
		}
		if (sorted)
			continue;
		/* chunks came newest first, or overlap at a boundary: sort, and
		 * keep one sample per timestamp */
		qsort(as->v, as->n, sizeof(as->v[0]), sample_cmp);
		size_t w = 0;
		for (size_t k = 0; k < as->n; k++)
			if (!w || as->v[w - 1].ts_ms != as->v[k].ts_ms)
				as->v[w++] = as->v[k];
		as->n = w;
	}
}

/* Whether a failed page is worth retrying on a smaller time range. */
static bool
splittable(const struct http_resp *resp, const struct res_error *e)
{
	if (resp->err == LX_ETIMEDOUT)
		return true;
	return strstr(e->msg, "exceeds the limit") || strstr(e->msg, "query length") ||
	       strstr(e->msg, "timed out") || strstr(e->msg, "too many chunks") ||
	       (resp->status == 504);
}

static void
split_window(struct loki_req *r)
{
	int64_t mid = r->ws + (r->we - r->ws) / 2;
	if (r->step > 0) {
		/* keep metric evaluation points on the original step grid */
		int64_t st = (int64_t)(r->step * 1e9);
		if (st > 0 && mid - r->q_start > st)
			mid = r->q_start + (mid - r->q_start) / st * st;
	}
	struct chunk a = { r->ws, mid }, b = { mid, r->we };
	r->chunks = xrealloc(r->chunks, (r->nchunks + 1) * sizeof(r->chunks[0]));
	memmove(&r->chunks[r->cur + 2], &r->chunks[r->cur + 1],
		(r->nchunks - r->cur - 1) * sizeof(r->chunks[0]));
	r->nchunks++;
	r->chunks[r->cur] = r->forward ? a : b;
	r->chunks[r->cur + 1] = r->forward ? b : a;
	r->ws = r->chunks[r->cur].s;
	r->we = r->chunks[r->cur].e;
	r->splits++;
	/* the boundary stays: the half run first still holds its timestamp */
}

/*
 * After a cut, asks Loki how many lines the whole range holds:
 *   sum(count_over_time(QUERY [Ns]))  at  time = end
 * The window is rounded up to whole seconds, so the count may include up
 * to one second before `start`.  Returns false when it cannot be sent.
 */
static bool
send_count(struct loki_req *r)
{
	int64_t secs = (r->q_end - r->q_start + 999999999LL) / 1000000000LL;
	struct sbuf q = SBUF_INIT;
	sbuf_addf(&q, "sum(count_over_time(%s [%" PRId64 "s]))", r->query, secs);
	struct sbuf u;
	url_begin(&u, r->lk, "/loki/api/v1/query");
	sbuf_adds(&u, "&query=");
	http_add_escaped(&u, sbuf_str(&q));
	sbuf_release(&q);
	add_time(&u, "time", r->q_end);
	free(r->url);
	r->url = sbuf_detach(&u, NULL);
	r->counting = true;
	return send_get(r, r->url);
}

static void
count_done(struct loki_req *r, const struct http_resp *resp)
{
	struct res_error err = { 0 };
	struct result *c = NULL;
	if (!resp->err && loki_parse_query(resp->body->buf ? resp->body->buf : "",
					   resp->body->len, &c, &err) == 0) {
		double v = c->type == RES_VECTOR && c->nseries && c->series[0].n ?
			   c->series[0].v[0].v : c->type == RES_SCALAR ? c->scalar.v : -1;
		struct res_limit *l = &r->acc->limit;
		if (v >= (double)l->shown) {
			l->total = (size_t)v;
			if (l->total > l->at_least)
				l->at_least = l->total;
		}
	}
	result_free(c);
	finish(r, NULL, r->acc);    /* the count is a bonus: never an error */
}

static void
range_done(struct loki_req *r, const struct http_resp *resp)
{
	struct res_error err = { 0 };
	r->bytes += resp->body ? resp->body->len : 0;
	r->acc->bytes = r->bytes;
	if (r->counting) {
		count_done(r, resp);
		return;
	}
	r->acc->pages++;
	if (resp->err) {
		loki_error_from_http(resp, "query", &err);
		size_t a, b;
		const char *m = strstr(err.msg, "max entries limit");
		const char *p = m ? strchr(m, '(') : NULL;
		if (p && sscanf(p, "(%zu > %zu)", &a, &b) == 2 && b > 0 && b < r->page) {
			r->page = b;
			snprintf(r->acc->limit.why, sizeof(r->acc->limit.why),
				 "server max_entries_limit_per_query is %zu; paging by %zu", b, b);
			send_page(r);
			return;
		}
		/* timeouts cost a whole timeout each: at most 3 halvings */
		bool tmo = resp->err == LX_ETIMEDOUT || resp->status == 504;
		if (splittable(resp, &err) &&
		    r->splits < LOKI_MAX_SPLITS && (!tmo || r->timeout_splits < 3) &&
		    r->we - r->ws >= 2 * LOKI_MIN_SPLIT_NS) {
			if (tmo)
				r->timeout_splits++;
			split_window(r);
			send_page(r);
			return;
		}
		finish(r, &err, NULL);
		return;
	}
	struct result *page = NULL;
	json_t *root = load(resp->body->buf ? resp->body->buf : "", resp->body->len, &err,
			    "query_range");
	if (!root || parse_query_json(root, &page, &err, "query_range") != 0) {
		json_decref(root);
		finish(r, &err, NULL);
		return;
	}
	json_decref(root);
	struct res_stats *st = &r->acc->stats;
	st->lines_processed += page->stats.lines_processed;
	st->bytes_processed += page->stats.bytes_processed;
	st->entries_returned += page->stats.entries_returned;
	st->exec_time_s += page->stats.exec_time_s;
	sbuf_add(&r->acc->warnings, page->warnings.buf ? page->warnings.buf : "",
		 page->warnings.len);
	bool more;
	if (page->type == RES_STREAMS) {
		more = merge_page(r, page);
	} else {
		r->acc->type = page->type;
		merge_matrix(r->acc, page);
		more = false;
	}
	result_free(page);
	if (!more && (r->acc->limit.cut || !next_chunk(r))) {
		if (r->acc->limit.cut && r->count_total && r->acc->type == RES_STREAMS &&
		    send_count(r))
			return;
		finish(r, NULL, r->acc);
		return;
	}
	send_page(r);
}

static void
send_page(struct loki_req *r)
{
	struct loki *lk = r->lk;
	size_t have = result_entries(r->acc);
	size_t want = r->limit - have + r->nbset;
	r->page_req = want < r->page ? want : r->page;
	if (r->page_req == 0)
		r->page_req = 1;
	struct sbuf u;
	url_begin(&u, lk, "/loki/api/v1/query_range");
	sbuf_adds(&u, "&query=");
	http_add_escaped(&u, r->query);
	sbuf_addf(&u, "&start=%" PRId64 "&end=%" PRId64 "&limit=%zu&direction=%s",
		  r->ws, r->we, r->page_req, r->forward ? "forward" : "backward");
	if (r->step > 0)
		sbuf_addf(&u, "&step=%g", r->step);
	free(r->url);
	r->url = sbuf_detach(&u, NULL);
	if (!send_get(r, r->url)) {
		struct res_error err = { .code = LX_EINVAL };
		snprintf(err.msg, sizeof(err.msg), "cannot send the Loki query (bad settings?)");
		finish(r, &err, NULL);
	}
}

struct loki_req *
loki_query_range(struct loki *lk, const struct loki_query *q, loki_done_fn cb, void *ud)
{
	if (!lk || !q || !q->query || !*q->query)
		return NULL;
	int64_t end = q->end_ns ? q->end_ns : loki_now_ns();
	int64_t start = q->start_ns ? q->start_ns : end - 3600 * 1000000000LL;
	if (start >= end)
		return NULL;
	struct loki_req *r = req_new(lk, K_RANGE, "query", cb, ud);
	r->query = xstrdup(q->query);
	r->forward = q->forward;
	r->limit = q->limit ? q->limit : LOKI_DEF_LIMIT;
	r->page = q->page_size ? q->page_size : r->limit;
	if (r->page > LOKI_MAX_PAGE && !q->page_size)
		r->page = LOKI_MAX_PAGE;
	r->step = q->step_s;
	r->progress = q->progress;
	r->count_total = q->count_total;
	r->q_start = start;
	r->q_end = end;
	r->acc = result_new(RES_STREAMS);
	int64_t span = q->split_ns > 0 ? q->split_ns : end - start;
	if (q->split_ns > 0 && q->step_s > 0) {
		/* metric chunks start on the step grid: start + k * step */
		int64_t st = (int64_t)(q->step_s * 1e9);
		if (st > 0)
			span = (span + st - 1) / st * st;
	}
	size_t n = (size_t)((end - start + span - 1) / span);
	r->chunks = xcalloc(n, sizeof(r->chunks[0]));
	r->nchunks = n;
	for (size_t i = 0; i < n; i++) {
		/* cut from `start`; run oldest first when forward, else newest first */
		size_t k = q->forward ? i : n - 1 - i;
		int64_t s = start + (int64_t)k * span;
		int64_t e = s + span > end ? end : s + span;
		r->chunks[i].s = s;
		r->chunks[i].e = e;
	}
	r->ws = r->chunks[0].s;
	r->we = r->chunks[0].e;
	if (q->seen) {
		/* paging on from lines the caller holds: their lines at the edge
		 * are the boundary set, as if a page of ours had ended there (the
		 * first chunk holds the edge in either direction) */
		r->have_boundary = true;
		r->boundary = q->forward ? start : end - 1;
		for (size_t i = 0; i < q->seen->nstreams; i++) {
			const struct res_stream *s = &q->seen->streams[i];
			for (size_t j = 0; j < s->n; j++) {
				if (s->v[j].ts_ns != r->boundary)
					continue;
				xgrow(&r->bset, &r->capbset, r->nbset + 1, sizeof(char *));
				r->bset[r->nbset++] = entry_key(&s->labels, &s->v[j]);
			}
		}
	}
	send_page(r);
	/* send_page() may have finished (and freed) r on a bad URL */
	for (struct loki_req *p = lk->reqs; p; p = p->next)
		if (p == r)
			return r;
	return NULL;
}

void
loki_req_progress(const struct loki_req *r, struct loki_progress *p)
{
	memset(p, 0, sizeof(*p));
	if (!r)
		return;
	p->bytes = r->bytes + http_xfer_received(r->x);
	if (r->kind != K_RANGE)
		return;
	p->chunks_total = r->nchunks;
	p->chunks_done = r->cur;
	p->entries = r->acc ? result_entries(r->acc) : 0;
	p->pages = r->acc ? r->acc->pages : 0;
}

struct result *
loki_cancel_keep(struct loki_req *r)
{
	if (!r)
		return NULL;
	struct result *res = NULL;
	if (r->kind == K_RANGE) {
		res = r->acc;
		r->acc = NULL;
	}
	loki_cancel(r);
	return res;
}

/* ---- one-shot completions ---- */

static void
on_http(void *ud, const struct http_resp *resp)
{
	struct loki_req *r = ud;
	r->x = NULL;
	if (r->kind == K_RANGE) {
		range_done(r, resp);
		return;
	}
	struct res_error err = { 0 };
	if (resp->err) {
		loki_error_from_http(resp, r->what, &err);
		if (r->kind == K_VOLUME && resp->status == 404) {
			err.code = LX_ENOENT;
			snprintf(err.msg, sizeof(err.msg),
				 "this Loki has no /index/volume (it needs Loki 2.9 or later); volume view unavailable");
		}
		finish(r, &err, NULL);
		return;
	}
	const char *body = resp->body->buf ? resp->body->buf : "";
	size_t len = resp->body->len;
	struct result *res = NULL;
	json_t *root = NULL, *data;
	size_t i;
	json_t *it;
	switch (r->kind) {
	case K_READY:
		finish(r, NULL, result_new(RES_NONE));
		return;
	case K_PUSH:
		finish(r, NULL, result_new(RES_NONE));
		return;
	case K_RAW:
		res = result_new(RES_STRINGS);
		result_add_string(res, body);
		finish(r, NULL, res);
		return;
	default:
		break;
	}
	root = load(body, len, &err, r->what);
	if (!root) {
		finish(r, &err, NULL);
		return;
	}
	switch (r->kind) {
	case K_QUERY:
	case K_VOLUME:
		if (parse_query_json(root, &res, &err, r->what) == 0) {
			res->pages = 1;
			res->bytes = len;
		}
		break;
	case K_STRINGS:
		data = json_object_get(root, "data");
		res = result_new(RES_STRINGS);
		json_array_foreach(data, i, it)
			if (json_is_string(it))
				result_add_string(res, json_string_value(it));
		if (!json_is_array(data) && !json_is_null(data) && data) {
			parse_error(&err, r->what, "data is not a list");
			result_free(res);
			res = NULL;
		}
		break;
	case K_SERIES:
		data = json_object_get(root, "data");
		res = result_new(RES_LABELSETS);
		json_array_foreach(data, i, it) {
			struct res_labels l = { 0 };
			labels_from_json(it, &l);
			result_series(res, &l);
			res_labels_release(&l);
		}
		break;
	case K_STATS:
		res = result_new(RES_INFO);
		res->index.streams = json_integer_value(json_object_get(root, "streams"));
		res->index.chunks = json_integer_value(json_object_get(root, "chunks"));
		res->index.entries = json_integer_value(json_object_get(root, "entries"));
		res->index.bytes = json_integer_value(json_object_get(root, "bytes"));
		labels_from_json(root, &res->info);
		break;
	case K_INFO:
		res = result_new(RES_INFO);
		labels_from_json(json_is_object(json_object_get(root, "data")) ?
				 json_object_get(root, "data") : root, &res->info);
		break;
	default:
		break;
	}
	json_decref(root);
	if (!res) {
		if (!err.msg[0])
			parse_error(&err, r->what, "unexpected shape");
		finish(r, &err, NULL);
		return;
	}
	finish(r, NULL, res);
}

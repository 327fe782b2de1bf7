/*
 * sources/prom.c: the Prometheus HTTP API client.  Owns URL building,
 * JSON parsing (jansson) of query results, targets, alerts and rules, and
 * the wording of Prometheus errors.  Transport is sources/http.c.  Never
 * draws.
 */
#include "sources/prom.h"

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

enum kind { P_QUERY, P_INFO, P_READY, P_STATUS };

struct prom {
	struct http_api api;          /* base URL, owned credentials, options */
	struct prom_req *reqs;
};

struct prom_req {
	struct prom *p;
	struct prom_req *prev, *next;
	enum kind kind;
	struct http_xfer *x;
	prom_done_fn cb;
	prom_status_fn scb;
	void *ud;
	char what[32];
	char *url;
};

void
prom_config_from_env(struct prom_config *cfg, char *(*getenv_fn)(const char *),
		     const char *const *headers)
{
	static const struct { const char *name; size_t off; } vars[] = {
		{ "PROM_ADDR", offsetof(struct prom_config, url) },
		{ "PROM_ORG_ID", offsetof(struct prom_config, auth.org_id) },
		{ "PROM_USERNAME", offsetof(struct prom_config, auth.username) },
		{ "PROM_PASSWORD", offsetof(struct prom_config, auth.password) },
		{ "PROM_BEARER_TOKEN", offsetof(struct prom_config, auth.bearer_token) },
		{ "PROM_BEARER_TOKEN_FILE", offsetof(struct prom_config, auth.bearer_token_file) },
		{ "PROM_CA_CERT_PATH", offsetof(struct prom_config, auth.ca_file) },
		{ "PROM_CLIENT_CERT_PATH", offsetof(struct prom_config, auth.cert_file) },
		{ "PROM_CLIENT_KEY_PATH", offsetof(struct prom_config, auth.key_file) },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(vars); i++) {
		const char *v = getenv_fn(vars[i].name);
		if (v && *v)
			*(const char **)((char *)cfg + vars[i].off) = v;
	}
	const char *sv = getenv_fn("PROM_TLS_SKIP_VERIFY");
	if (sv && (!strcmp(sv, "1") || !strcasecmp(sv, "true") || !strcasecmp(sv, "yes")))
		cfg->auth.insecure_skip_verify = true;
	if (headers)
		cfg->auth.headers = headers;
}

struct prom *
prom_new(struct http *http, const struct prom_config *cfg)
{
	if (!http || !cfg || !cfg->url || !*cfg->url)
		return NULL;
	struct prom *p = xcalloc(1, sizeof(*p));
	struct http_req opts = {
		.timeout_ms = cfg->timeout_ms, .connect_timeout_ms = cfg->connect_timeout_ms,
		.max_body = cfg->max_body, .max_retries = cfg->max_retries,
		.retry_base_ms = cfg->retry_base_ms,
	};
	http_api_init(&p->api, http, cfg->url, &cfg->auth, &opts);
	return p;
}

static void
req_free(struct prom_req *r)
{
	struct prom *p = r->p;
	if (r->prev)
		r->prev->next = r->next;
	else if (p->reqs == r)
		p->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free(r->url);
	free(r);
}

void
prom_cancel(struct prom_req *r)
{
	if (!r)
		return;
	http_cancel(r->x);
	req_free(r);
}

void
prom_free(struct prom *p)
{
	if (!p)
		return;
	while (p->reqs)
		prom_cancel(p->reqs);
	http_api_release(&p->api);
	free(p);
}

void
prom_status_free(struct prom_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->ntargets; i++) {
		struct prom_target *t = &st->targets[i];
		res_labels_release(&t->labels);
		free(t->scrape_pool);
		free(t->scrape_url);
		free(t->health);
		free(t->last_error);
		free(t->last_scrape);
	}
	free(st->targets);
	for (size_t i = 0; i < st->nalerts; i++) {
		struct prom_alert *a = &st->alerts[i];
		res_labels_release(&a->labels);
		res_labels_release(&a->annotations);
		free(a->state);
		free(a->active_at);
	}
	free(st->alerts);
	for (size_t i = 0; i < st->nrules; i++) {
		struct prom_rule *r = &st->rules[i];
		free(r->group);
		free(r->name);
		free(r->query);
		free(r->type);
		free(r->health);
		free(r->state);
		free(r->last_error);
		res_labels_release(&r->labels);
	}
	free(st->rules);
	free(st);
}

/* ---- errors ---- */

void
prom_error_from_http(const struct http_resp *resp, const char *what, struct res_error *err)
{
	char sm[320] = "";
	if (resp->body && resp->body->len) {
		json_t *j = json_loadb(resp->body->buf, resp->body->len, 0, NULL);
		const char *m = j ? json_string_value(json_object_get(j, "error")) : NULL;
		const char *src = m ? m : resp->body->buf;
		size_t len = m ? strlen(m) : resp->body->len;
		while (len && isspace((unsigned char)src[len - 1]))
			len--;
		if (len > 300)
			len = 300;
		size_t k = 0;
		for (size_t i = 0; i < len && k + 1 < sizeof(sm); i++)
			sm[k++] = src[i] == '\n' ? ' ' : src[i];
		sm[k] = '\0';
		json_decref(j);
	}
	err->code = resp->err ? resp->err : LX_EHTTP;
	err->http_status = resp->status;
	const char *sep = *sm ? ": " : "";
	switch (resp->err) {
	case LX_ECONN:
		snprintf(err->msg, sizeof(err->msg), "cannot reach Prometheus (%s): %s", what,
			 resp->msg);
		return;
	case LX_ETIMEDOUT:
		snprintf(err->msg, sizeof(err->msg), "Prometheus did not answer in time (%s): %s",
			 what, resp->msg);
		return;
	case LX_ETOOBIG:
		snprintf(err->msg, sizeof(err->msg), "Prometheus %s: %s", what, resp->msg);
		return;
	default:
		break;
	}
	long st = resp->status;
	if (st == 400 || st == 422)
		snprintf(err->msg, sizeof(err->msg), "Prometheus rejected the %s (HTTP %ld)%s%s",
			 what, st, sep, sm);
	else if (st == 401 || st == 403)
		snprintf(err->msg, sizeof(err->msg),
			 "Prometheus refused access to %s (HTTP %ld); check the credentials%s%s",
			 what, st, sep, sm);
	else if (st == 404)
		snprintf(err->msg, sizeof(err->msg), "this Prometheus has no %s endpoint (HTTP 404)",
			 what);
	else if (st == 429)
		snprintf(err->msg, sizeof(err->msg), "Prometheus is rate limiting (HTTP 429)%s%s",
			 sep, sm);
	else if (st == 503 && strstr(sm, "not ready"))
		snprintf(err->msg, sizeof(err->msg), "Prometheus is starting up (HTTP 503)%s%s",
			 sep, sm);
	else
		snprintf(err->msg, sizeof(err->msg), "Prometheus %s failed (HTTP %ld)%s%s",
			 what, st, sep, sm);
}

static void
parse_error(struct res_error *err, const char *what, const char *detail)
{
	err->code = LX_EPARSE;
	err->http_status = 200;
	snprintf(err->msg, sizeof(err->msg), "Prometheus sent an unreadable %s answer: %s",
		 what, detail);
}

/* ---- JSON ---- */

static char *
str_dup(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return xstrdup(s ? s : "");
}

static double
num(json_t *v)
{
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return NAN;
}

static void
labels_from_json(json_t *obj, struct res_labels *out)
{
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v)
		if (json_is_string(v))
			res_labels_set(out, k, json_string_value(v));
}

static int
parse_samples(json_t *arr, struct result *r, bool matrix)
{
	size_t i;
	json_t *it;
	json_array_foreach(arr, i, it) {
		struct res_labels l = { 0 };
		labels_from_json(json_object_get(it, "metric"), &l);
		struct res_series *s = result_series(r, &l);
		res_labels_release(&l);
		if (matrix) {
			json_t *vals = json_object_get(it, "values");
			size_t j;
			json_t *p;
			if (!json_is_array(vals))
				return -1;
			json_array_foreach(vals, j, p)
				res_series_add(s, llround(num(json_array_get(p, 0)) * 1000.0),
					       num(json_array_get(p, 1)));
		} else {
			json_t *p = json_object_get(it, "value");
			if (!json_is_array(p))
				return -1;
			res_series_add(s, llround(num(json_array_get(p, 0)) * 1000.0),
				       num(json_array_get(p, 1)));
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

static int
parse_query(json_t *root, struct result **out, struct res_error *err, const char *what)
{
	json_t *data = json_object_get(root, "data");
	const char *rt = json_string_value(json_object_get(data, "resultType"));
	json_t *res = json_object_get(data, "result");
	if (!rt || !res) {
		parse_error(err, what, "no data.resultType/data.result");
		return LX_EPARSE;
	}
	struct result *r;
	int rc = 0;
	if (!strcmp(rt, "vector") || !strcmp(rt, "matrix")) {
		bool m = rt[0] == 'm';
		r = result_new(m ? RES_MATRIX : RES_VECTOR);
		rc = json_is_array(res) ? parse_samples(res, r, m) : -1;
	} else if (!strcmp(rt, "scalar")) {
		r = result_new(RES_SCALAR);
		r->scalar.ts_ms = llround(num(json_array_get(res, 0)) * 1000.0);
		r->scalar.v = num(json_array_get(res, 1));
	} else if (!strcmp(rt, "string")) {
		r = result_new(RES_STRINGS);
		const char *s = json_string_value(json_array_get(res, 1));
		result_add_string(r, s ? s : "");
	} else {
		parse_error(err, what, "unknown resultType");
		return LX_EPARSE;
	}
	if (rc) {
		result_free(r);
		parse_error(err, what, "a series without \"value\"/\"values\"");
		return LX_EPARSE;
	}
	json_t *w = json_object_get(root, "warnings");
	size_t i;
	json_t *it;
	json_array_foreach(w, i, it) {
		if (json_is_string(it)) {
			sbuf_adds(&r->warnings, json_string_value(it));
			sbuf_addc(&r->warnings, '\n');
		}
	}
	*out = r;
	return 0;
}

static void
parse_targets(json_t *data, struct prom_status *st)
{
	json_t *act = json_object_get(data, "activeTargets");
	st->ndropped = json_array_size(json_object_get(data, "droppedTargets"));
	st->ntargets = json_array_size(act);
	st->targets = xcalloc(st->ntargets ? st->ntargets : 1, sizeof(st->targets[0]));
	for (size_t i = 0; i < st->ntargets; i++) {
		json_t *t = json_array_get(act, i);
		struct prom_target *pt = &st->targets[i];
		labels_from_json(json_object_get(t, "labels"), &pt->labels);
		pt->scrape_pool = str_dup(t, "scrapePool");
		pt->scrape_url = str_dup(t, "scrapeUrl");
		pt->health = str_dup(t, "health");
		pt->last_error = str_dup(t, "lastError");
		pt->last_scrape = str_dup(t, "lastScrape");
		pt->last_duration_s = num(json_object_get(t, "lastScrapeDuration"));
	}
}

static void
parse_alert(json_t *a, struct prom_alert *pa)
{
	labels_from_json(json_object_get(a, "labels"), &pa->labels);
	labels_from_json(json_object_get(a, "annotations"), &pa->annotations);
	pa->state = str_dup(a, "state");
	pa->active_at = str_dup(a, "activeAt");
	pa->value = num(json_object_get(a, "value"));
}

static void
parse_rules(json_t *data, struct prom_status *st)
{
	json_t *groups = json_object_get(data, "groups");
	size_t gi, ri;
	json_t *g, *r;
	size_t n = 0;
	json_array_foreach(groups, gi, g)
		n += json_array_size(json_object_get(g, "rules"));
	st->rules = xcalloc(n ? n : 1, sizeof(st->rules[0]));
	json_array_foreach(groups, gi, g) {
		json_array_foreach(json_object_get(g, "rules"), ri, r) {
			struct prom_rule *pr = &st->rules[st->nrules++];
			pr->group = str_dup(g, "name");
			pr->name = str_dup(r, "name");
			pr->query = str_dup(r, "query");
			pr->type = str_dup(r, "type");
			pr->health = str_dup(r, "health");
			pr->state = str_dup(r, "state");
			pr->last_error = str_dup(r, "lastError");
			labels_from_json(json_object_get(r, "labels"), &pr->labels);
			pr->nalerts = json_array_size(json_object_get(r, "alerts"));
			pr->eval_time_s = num(json_object_get(r, "evaluationTime"));
		}
	}
}

int
prom_parse_status(const char *body, size_t len, struct prom_status **out,
		  struct res_error *err)
{
	memset(err, 0, sizeof(*err));
	*out = NULL;
	json_t *root = load(body, len, err, "status");
	if (!root)
		return LX_EPARSE;
	json_t *data = json_object_get(root, "data");
	if (!json_is_object(data)) {
		json_decref(root);
		parse_error(err, "status", "no data object");
		return LX_EPARSE;
	}
	struct prom_status *st = xcalloc(1, sizeof(*st));
	if (json_object_get(data, "activeTargets")) {
		parse_targets(data, st);
	} else if (json_object_get(data, "alerts")) {
		json_t *al = json_object_get(data, "alerts");
		st->nalerts = json_array_size(al);
		st->alerts = xcalloc(st->nalerts ? st->nalerts : 1, sizeof(st->alerts[0]));
		for (size_t i = 0; i < st->nalerts; i++)
			parse_alert(json_array_get(al, i), &st->alerts[i]);
	} else if (json_object_get(data, "groups")) {
		parse_rules(data, st);
	} else {
		json_decref(root);
		prom_status_free(st);
		parse_error(err, "status", "neither activeTargets, alerts nor groups");
		return LX_EPARSE;
	}
	json_decref(root);
	*out = st;
	return 0;
}

/* ---- requests ---- */

static void
on_http(void *ud, const struct http_resp *resp)
{
	struct prom_req *r = ud;
	struct prom *p = r->p;
	struct res_error err = { 0 };
	struct result *res = NULL;
	struct prom_status *st = NULL;
	prom_done_fn cb = r->cb;
	prom_status_fn scb = r->scb;
	void *cud = r->ud;
	enum kind kind = r->kind;
	char what[32];
	snprintf(what, sizeof(what), "%s", r->what);
	r->x = NULL;
	req_free(r);
	int rc = 0;
	if (resp->err) {
		prom_error_from_http(resp, what, &err);
		http_auth_scrub(&p->api.ac.auth, err.msg, sizeof(err.msg));
		rc = err.code;
	} else if (kind == P_READY) {
		res = result_new(RES_NONE);
	} else if (kind == P_STATUS) {
		rc = prom_parse_status(resp->body->buf ? resp->body->buf : "", resp->body->len,
				       &st, &err);
	} else {
		json_t *root = load(resp->body->buf ? resp->body->buf : "", resp->body->len,
				    &err, what);
		if (!root) {
			rc = LX_EPARSE;
		} else if (kind == P_INFO) {
			res = result_new(RES_INFO);
			labels_from_json(json_object_get(root, "data"), &res->info);
		} else {
			rc = parse_query(root, &res, &err, what);
		}
		json_decref(root);
	}
	if (kind == P_STATUS) {
		if (scb)
			scb(cud, rc ? &err : NULL, rc ? NULL : st);
		else
			prom_status_free(st);
	} else {
		if (cb)
			cb(cud, rc ? &err : NULL, rc ? NULL : res);
		else
			result_free(res);
	}
}

static struct prom_req *
start(struct prom *p, enum kind kind, const char *what, struct sbuf *url,
      prom_done_fn cb, prom_status_fn scb, void *ud)
{
	struct prom_req *r = xcalloc(1, sizeof(*r));
	r->p = p;
	r->kind = kind;
	r->cb = cb;
	r->scb = scb;
	r->ud = ud;
	snprintf(r->what, sizeof(r->what), "%s", what);
	r->url = sbuf_detach(url, NULL);
	r->next = p->reqs;
	if (p->reqs)
		p->reqs->prev = r;
	p->reqs = r;
	r->x = http_api_send(&p->api, r->url, NULL, 0, on_http, r);
	if (!r->x) {
		req_free(r);
		return NULL;
	}
	return r;
}

static void
add_ms(struct sbuf *u, const char *name, int64_t ms)
{
	sbuf_addf(u, "&%s=%" PRId64 ".%03d", name, ms / 1000, (int)(ms % 1000));
}

struct prom_req *
prom_query(struct prom *p, const char *query, int64_t time_ms, prom_done_fn cb, void *ud)
{
	if (!p || !query || !*query)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/query?query=", p->api.url);
	http_add_escaped(&u, query);
	if (time_ms)
		add_ms(&u, "time", time_ms);
	return start(p, P_QUERY, "query", &u, cb, NULL, ud);
}

struct prom_req *
prom_query_range(struct prom *p, const char *query, int64_t start_ms, int64_t end_ms,
		 double step_s, prom_done_fn cb, void *ud)
{
	if (!p || !query || !*query || end_ms < start_ms || step_s <= 0)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/query_range?query=", p->api.url);
	http_add_escaped(&u, query);
	add_ms(&u, "start", start_ms);
	add_ms(&u, "end", end_ms);
	sbuf_addf(&u, "&step=%g", step_s);
	return start(p, P_QUERY, "range query", &u, cb, NULL, ud);
}

struct prom_req *
prom_buildinfo(struct prom *p, prom_done_fn cb, void *ud)
{
	if (!p)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/status/buildinfo", p->api.url);
	return start(p, P_INFO, "build info", &u, cb, NULL, ud);
}

struct prom_req *
prom_ready(struct prom *p, prom_done_fn cb, void *ud)
{
	if (!p)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/-/ready", p->api.url);
	return start(p, P_READY, "ready check", &u, cb, NULL, ud);
}

struct prom_req *
prom_targets(struct prom *p, prom_status_fn cb, void *ud)
{
	if (!p)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/targets", p->api.url);
	return start(p, P_STATUS, "targets", &u, NULL, cb, ud);
}

struct prom_req *
prom_alerts(struct prom *p, prom_status_fn cb, void *ud)
{
	if (!p)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/alerts", p->api.url);
	return start(p, P_STATUS, "alerts", &u, NULL, cb, ud);
}

struct prom_req *
prom_rules(struct prom *p, prom_status_fn cb, void *ud)
{
	if (!p)
		return NULL;
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/api/v1/rules", p->api.url);
	return start(p, P_STATUS, "rules", &u, NULL, cb, ud);
}

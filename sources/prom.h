/**
 * sources/prom.h: Prometheus HTTP API client.
 *
 * Metric queries return the same `struct result` (sources/result.h) as
 * LogQL metric queries, so panels and sparklines show either.  Targets,
 * alerts and rules come back as a `struct prom_status`.
 *
 * Life cycle: prom_new() -> requests -> prom_free().  The `struct http`
 * passed to prom_new() must outlive the client.
 *
 * Request protocol (same as sources/loki.h):
 *   - A NULL return means unusable arguments; the callback is never called.
 *   - Otherwise the callback runs exactly once from a loop callback, unless
 *     prom_cancel() or prom_free() comes first (then never).
 *   - On success `err` is NULL and the callback owns the result / status
 *     (result_free() / prom_status_free()); on failure `err` is borrowed
 *     for the call and the object is NULL.
 */
#ifndef LX_SOURCES_PROM_H
#define LX_SOURCES_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "sources/http.h"
#include "sources/result.h"

struct prom;
struct prom_req;

/** Connection settings; strings copied by prom_new(). */
struct prom_config {
	const char *url;             /* "http://127.0.0.1:9090" (+ path prefix) */
	struct http_auth auth;       /* PROM_* env names are the app's business */
	long timeout_ms;             /* per attempt; 0: 30000 */
	long connect_timeout_ms;
	size_t max_body;
	int max_retries;
	long retry_base_ms;
};

struct prom_target {
	struct res_labels labels;    /* target labels (job, instance, ...) */
	char *scrape_pool;
	char *scrape_url;
	char *health;                /* "up", "down", "unknown" */
	char *last_error;            /* "" when none */
	char *last_scrape;           /* RFC 3339 */
	double last_duration_s;
};

struct prom_alert {
	struct res_labels labels;    /* includes alertname */
	struct res_labels annotations;
	char *state;                 /* "firing", "pending" */
	char *active_at;             /* RFC 3339 */
	double value;
};

struct prom_rule {
	char *group;
	char *name;
	char *query;
	char *type;                  /* "alerting", "recording" */
	char *health;                /* "ok", "err", "unknown" */
	char *state;                 /* alerting: "firing", "pending", "inactive"; else "" */
	char *last_error;
	struct res_labels labels;
	size_t nalerts;              /* active alerts of an alerting rule */
	double eval_time_s;
};

struct prom_status {
	size_t ntargets;
	struct prom_target *targets;
	size_t ndropped;             /* dropped targets (count only) */
	size_t nalerts;
	struct prom_alert *alerts;
	size_t nrules;
	struct prom_rule *rules;
};

typedef void (*prom_done_fn)(void *ud, const struct res_error *err, struct result *res);
typedef void (*prom_status_fn)(void *ud, const struct res_error *err, struct prom_status *st);

/**
 * Fills `cfg` from PROM_ADDR, PROM_USERNAME, PROM_PASSWORD,
 * PROM_BEARER_TOKEN, PROM_BEARER_TOKEN_FILE, PROM_CA_CERT_PATH,
 * PROM_CLIENT_CERT_PATH, PROM_CLIENT_KEY_PATH, PROM_TLS_SKIP_VERIFY and
 * PROM_ORG_ID (for Mimir/Cortex tenants); same rules as
 * loki_config_from_env().
 */
void prom_config_from_env(struct prom_config *cfg, char *(*getenv_fn)(const char *),
			  const char *const *headers);

/* ---- Life cycle ---- */

/** Returns a new client, or NULL when cfg->url is missing. */
struct prom *prom_new(struct http *http, const struct prom_config *cfg);
/** Cancels every request (no callbacks) and frees the client.  NULL ok. */
void prom_free(struct prom *p);
void prom_cancel(struct prom_req *r);
void prom_status_free(struct prom_status *st);

/* ---- Requests ---- */

/** /api/v1/query at `time_ms` (0: now) -> RES_VECTOR / RES_SCALAR / RES_MATRIX. */
struct prom_req *prom_query(struct prom *p, const char *query, int64_t time_ms,
			    prom_done_fn cb, void *ud);
/** /api/v1/query_range [start_ms, end_ms] every step_s -> RES_MATRIX. */
struct prom_req *prom_query_range(struct prom *p, const char *query, int64_t start_ms,
				  int64_t end_ms, double step_s, prom_done_fn cb, void *ud);
/** /status/buildinfo -> RES_INFO (version, revision, goVersion, ...). */
struct prom_req *prom_buildinfo(struct prom *p, prom_done_fn cb, void *ud);
/** /-/ready -> RES_NONE on success. */
struct prom_req *prom_ready(struct prom *p, prom_done_fn cb, void *ud);
/** /api/v1/targets -> status with targets[] (active) and ndropped. */
struct prom_req *prom_targets(struct prom *p, prom_status_fn cb, void *ud);
/** /api/v1/alerts -> status with alerts[]. */
struct prom_req *prom_alerts(struct prom *p, prom_status_fn cb, void *ud);
/** /api/v1/rules -> status with rules[] (all groups flattened). */
struct prom_req *prom_rules(struct prom *p, prom_status_fn cb, void *ud);

/* ---- Parsing (exposed for fixture tests) ---- */

/** Words a failed HTTP answer from Prometheus (its JSON "error" quoted). */
void prom_error_from_http(const struct http_resp *resp, const char *what,
			  struct res_error *err);
/** Parses a targets/alerts/rules body into a new status (caller frees). */
int prom_parse_status(const char *body, size_t len, struct prom_status **out,
		      struct res_error *err);

#endif

/* tests/test_lq_diff.c: differential tests of the local evaluator against
 * a real Loki 2.8.0 at $LOKI_TEST_ADDR (tests/run.sh starts one through
 * tests/servers.sh).  Pushes generated seed-schema lines stamped in the
 * last 30 minutes (labels carry a per-run id), runs every query in both,
 * and requires the same streams and lines in the same order, and the same
 * series with values equal within 1e-9 relative.
 *
 * Without LOKI_TEST_ADDR the test fails with a message, except when the
 * repo has no tests/servers.sh yet (nothing could have started Loki):
 * then it says so and passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "logql/lq_eval.h"

#define NS 1000000000LL

static const char *addr;
static char run_id[64];
static int64_t now_ns;

/* ---- generated data ---- */

#define MAXE 1400
static struct lq_entry ents[MAXE];
static size_t nents;
static struct lq_label lab[MAXE][6];
static char lines[MAXE][400];
static char vals[MAXE][6][80];

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *probe_lines[] = {
	"not json at all",
	"{\"a\":1,\"b\":{\"c\":\"x\"},\"n\":null,\"arr\":[1,2],\"level\":\"info\"}",
	"\x1b[31mred\x1b[0m text 10.1.2.3 level=warn msg=\"hi there\" k",
	"{\"_entry\":\"inner line\",\"k\":\"v\",\"num\":5}",
	"{\"a\":\"2\",\"weird key\":\"w\",\"1st\":\"f\",\"dup\":1,\"dup\":2,\"u\":\"\\u00e9\\n\"}",
	"key=\"unterminated",
	"a=1 b= c=\"q \\\" x\" d",
};

static void
gen_probe(void)
{
	for (size_t i = 0; i < sizeof(probe_lines) / sizeof(probe_lines[0]); i++) {
		struct lq_entry *e = &ents[nents];
		struct lq_label *l = lab[nents];
		snprintf(vals[nents][1], 80, "%s", run_id);
		l[0] = (struct lq_label){ "job", "probe" };
		l[1] = (struct lq_label){ "run", vals[nents][1] };
		snprintf(lines[nents], 400, "%s", probe_lines[i]);
		e->ts_ns = now_ns - 20 * 60 * NS + (int64_t)i * 1000;
		e->labels = l;
		e->nlabels = 2;
		e->line = lines[nents];
		e->len = strlen(lines[nents]);
		nents++;
	}
}

static void
gen(void)
{
	static const char *agents[] = { "A1-haiku-001", "A2-sonnet-002", "A3-opus-003" };
	static const char *levels[] = { "INFO", "INFO", "INFO", "WARN", "ERROR" };
	static const char *comps[] = { "redis_bus", "scheduler", "api" };
	static const char *msgs[] = { "redis publish failed", "message published",
				      "task queue depth high", "task processed",
				      "swarm rebalanced", "heartbeat ok" };
	static const char *paths[] = { "/api/tasks", "/api/agents", "/health" };
	int64_t base = now_ns - 29 * 60 * NS;
	size_t n_json = 1000, n_fmt = 300;
	int64_t span = 28 * 60 * NS;
	for (size_t i = 0; i < n_json + n_fmt; i++) {
		struct lq_entry *e = &ents[nents];
		struct lq_label *l = lab[nents];
		bool fmt = i >= n_json;
		size_t k = fmt ? i - n_json : i;
		size_t cnt = fmt ? n_fmt : n_json;
		int64_t ts = base + (int64_t)k * (span / (int64_t)cnt) + (int64_t)(i * 7919 % 1000003);
		const char *lvl = levels[rnd(5)];
		snprintf(vals[nents][0], 80, "%s", fmt ? "legacy" : "infrafabric");
		snprintf(vals[nents][1], 80, "%s", run_id);
		size_t nl = 2;
		l[0] = (struct lq_label){ "job", vals[nents][0] };
		l[1] = (struct lq_label){ "run", vals[nents][1] };
		if (!fmt) {
			l[nl++] = (struct lq_label){ "agent_id", agents[rnd(3)] };
			l[nl++] = (struct lq_label){ "level", lvl };
			l[nl++] = (struct lq_label){ "component", comps[rnd(3)] };
			const char *m = msgs[rnd(6)];
			int dur = (int)rnd(3000);
			char extra[120] = "";
			if (!strcmp(lvl, "ERROR"))
				snprintf(extra, sizeof(extra), ",\"error\":\"%s\"",
					 rnd(2) ? "ETIMEDOUT" : "ECONNRESET");
			if (rnd(3) == 0)
				snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
					 ",\"queue_depth\":%u", rnd(1000));
			if (rnd(2) == 0)
				snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
					 ",\"level\":\"%s\"", !strcmp(lvl, "ERROR") ? "error" : "info");
			snprintf(lines[nents], 400,
				 "{\"correlation_id\":\"req-%06zu\",\"message\":\"%s\",\"context\":{\"duration_ms\":%d,\"attempt\":%u},\"tags\":[\"task-processing\"]%s}",
				 i, m, dur, rnd(4), extra);
		} else {
			l[nl++] = (struct lq_label){ "host", rnd(2) ? "node-a" : "node-b" };
			unsigned st = rnd(10) == 0 ? 500 : rnd(5) == 0 ? 404 : 200;
			snprintf(lines[nents], 400,
				 "level=%s msg=\"%s\" duration=%ums bytes=%uKB status=%u path=%s",
				 st >= 500 ? "error" : "info", msgs[rnd(6)], rnd(900) + 1,
				 rnd(64) + 1, st, paths[rnd(3)]);
		}
		e->ts_ns = ts;
		e->labels = l;
		e->nlabels = nl;
		e->line = lines[nents];
		e->len = strlen(lines[nents]);
		nents++;
	}
}

/* ---- HTTP ---- */

static size_t
collect(char *p, size_t size, size_t n, void *ud)
{
	sbuf_add(ud, p, size * n);
	return size * n;
}

static long
http(const char *url, const char *body, struct sbuf *out)
{
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	struct curl_slist *h = NULL;
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	long code = 0;
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return code;
}

static void
push_all(void)
{
	/* one stream object per entry is fine for Loki; batches of 200 */
	for (size_t b = 0; b < nents; b += 200) {
		struct sbuf body = SBUF_INIT;
		sbuf_adds(&body, "{\"streams\":[");
		for (size_t i = b; i < nents && i < b + 200; i++) {
			if (i > b)
				sbuf_addc(&body, ',');
			sbuf_adds(&body, "{\"stream\":{");
			for (size_t k = 0; k < ents[i].nlabels; k++) {
				if (k)
					sbuf_addc(&body, ',');
				sbuf_add_json_str(&body, ents[i].labels[k].name, strlen(ents[i].labels[k].name));
				sbuf_addc(&body, ':');
				sbuf_add_json_str(&body, ents[i].labels[k].value, strlen(ents[i].labels[k].value));
			}
			sbuf_addf(&body, "},\"values\":[[\"%lld\",", (long long)ents[i].ts_ns);
			sbuf_add_json_str(&body, ents[i].line, ents[i].len);
			sbuf_adds(&body, "]]}");
		}
		sbuf_adds(&body, "]}");
		char url[512];
		snprintf(url, sizeof(url), "%s/loki/api/v1/push", addr);
		struct sbuf out = SBUF_INIT;
		long code = http(url, body.buf, &out);
		if (code != 204)
			fail_msg("push to %s failed: HTTP %ld %s", url, code, sbuf_str(&out));
		sbuf_release(&out);
		sbuf_release(&body);
	}
}

/* ---- queries ---- */

enum kind { LOG, RANGE, INSTANT, LOG_AT, RANGE_ODD };

static const struct qcase {
	enum kind k;
	const char *q;          /* RUN is replaced by run="<id>" */
	unsigned limit;
	int forward;
} qs[] = {
	{ LOG, "{job=\"infrafabric\", RUN}", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN}", 1000, 1 },
	{ LOG, "{job=\"infrafabric\", RUN}", 37, 0 },
	{ LOG, "{job=\"infrafabric\", RUN}", 37, 1 },
	{ LOG, "{job=\"infrafabric\", RUN, level=\"ERROR\"}", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} |= \"redis\"", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} != \"published\" != \"heartbeat\"", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} |~ \"task.+(high|processed)\"", 1000, 1 },
	{ LOG, "{job=\"infrafabric\", RUN} !~ \"heartbeat|swarm\"", 100, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} |= \"failed\" |~ \"(?i)REDIS\"", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | context_duration_ms > 2500", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | level_extracted=\"error\"", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | message=~\"task.*\" | context_attempt >= 2", 1000, 1 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | line_format \"{{.message}} took {{.context_duration_ms}}ms\"", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | label_format comp=component | drop correlation_id, context_attempt", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | drop context_attempt, correlation_id, message=\"heartbeat ok\"", 1000, 1 },
	{ LOG, "{job=\"infrafabric\", RUN} | json msg=\"message\", d=\"context.duration_ms\" | d > 2000", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN} | json | error=\"ETIMEDOUT\" or queue_depth > 900", 1000, 0 },
	{ LOG, "{job=\"infrafabric\", RUN, component=~\"redis.*|sched.*\"} |= \"failed\" | json | line_format \"{{.correlation_id}} {{.agent_id}}\"", 1000, 0 },
	{ LOG, "{job=~\"infra.*\", RUN, level!=\"INFO\"} | json | __error__=\"\" | context_duration_ms < 100", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt | line_format \"{{ if eq .level \\\"error\\\" }}E {{ .status }}{{ else if gt .status \\\"300\\\" }}W{{ else }}ok{{ end }} {{- \\\" \\\" -}} {{ if and .path (hasPrefix \\\"/api\\\" .path) }}api{{ end }}\"", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt | label_format kind=\"{{ if contains \\\"task\\\" .msg }}task{{ else }}other{{ end }}\" | line_format \"{{ .kind }} {{ not .nope }} {{ or .nope .host }} {{ ne .host \\\"node-a\\\" }}\"", 1000, 1 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt | duration > 800ms", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt | bytes >= 60KB", 1000, 1 },
	{ LOG, "{job=\"legacy\", RUN} | logfmt | status >= 500 or level=\"error\"", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | pattern \"level=<lvl> msg=<_> duration=<d> <_>\" | lvl=\"error\"", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN} | regexp \"status=(?P<code>\\\\d+) path=(?P<p>\\\\S+)\" | code=\"404\"", 1000, 0 },
	{ LOG, "{job=\"legacy\", RUN, host=\"node-a\"} |= \"status=500\" | logfmt | line_format \"{{.path}} {{.msg}}\"", 1000, 0 },
	{ LOG, "{job=\"probe\", RUN} | json", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | logfmt", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | unpack", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | decolorize", 100, 1 },
	{ LOG, "{job=\"probe\", RUN} |= ip(\"10.1.0.0/16\")", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | line_format \"[{{.a}}|{{.missing}}]\"", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | json | label_format x=\"{{.a}}-{{ .b_c | upper }}\"", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | json | drop __error__, __error_details__", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | json | __error__=\"\" | line_format \"{{.u}}|{{.dup}}\"", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | logfmt | __error__!=\"\"", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | line_format \"{{__timestamp__}}|{{ __line__ | len }}|{{ .job | ToUpper }}|{{ default \\\"d\\\" .nope }}\"", 100, 0 },
	{ LOG, "{job=\"probe\", RUN} | label_format t=\"{{ __timestamp__ }}\" | line_format \"{{ .t | lower }} {{ .run | len }}\"", 100, 1 },
	{ LOG_AT, "{job=\"infrafabric\", RUN}", 100, 0 },
	{ LOG_AT, "{job=\"infrafabric\", RUN} | json", 100, 1 },
	{ RANGE, "count_over_time({job=\"infrafabric\", RUN}[5m])", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "sum(rate({job=\"infrafabric\", RUN}[1m]))", 0, 0 },
	{ RANGE, "rate({job=\"infrafabric\", RUN} |= \"failed\" [2m])", 0, 0 },
	{ RANGE, "bytes_over_time({job=\"infrafabric\", RUN}[5m])", 0, 0 },
	{ RANGE, "sum by (component) (bytes_rate({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "avg_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [5m]) by (component)", 0, 0 },
	{ RANGE, "sum by (agent_id) (sum_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [5m]))", 0, 0 },
	{ RANGE, "max_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (level)", 0, 0 },
	{ RANGE, "min_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (level)", 0, 0 },
	{ RANGE, "quantile_over_time(0.95, {job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (component)", 0, 0 },
	{ RANGE, "quantile_over_time(0.5, {job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (agent_id)", 0, 0 },
	{ RANGE, "stddev_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (component)", 0, 0 },
	{ RANGE, "stdvar_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m]) by (component)", 0, 0 },
	{ RANGE, "first_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [5m]) by (agent_id)", 0, 0 },
	{ RANGE, "last_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [5m]) by (agent_id)", 0, 0 },
	{ RANGE, "topk(2, sum by (agent_id) (sum_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m])))", 0, 0 },
	{ RANGE, "bottomk(1, sum by (component) (sum_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [10m])))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m])) / ignoring (level) group_left sum(count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "sum by (level) (rate({job=\"infrafabric\", RUN}[5m])) > 0.05", 0, 0 },
	{ RANGE, "sum by (level) (rate({job=\"infrafabric\", RUN}[5m])) > bool 0.05", 0, 0 },
	{ RANGE, "count(sum by (agent_id) (count_over_time({job=\"infrafabric\", RUN}[1h])))", 0, 0 },
	{ RANGE, "avg by (agent_id) (avg_over_time({component=\"redis_bus\", RUN} | json | unwrap context_duration_ms | __error__=\"\" [5m]))", 0, 0 },
	{ RANGE, "sum by (agent_id) (count_over_time({job=\"infrafabric\", RUN} | json [5m]))", 0, 0 },
	{ RANGE, "sum(count_over_time({job=\"infrafabric\", RUN}[5m])) * 2 + 1", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN, level=\"ERROR\"}[2m])) or vector(0)", 0, 0 },
	{ RANGE, "label_replace(sum by (agent_id) (count_over_time({job=\"infrafabric\", RUN}[5m])), \"agent\", \"$1\", \"agent_id\", \"(A\\\\d)-.*\")", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m])) unless sum by (level) (count_over_time({job=\"infrafabric\", RUN, level=\"ERROR\"}[5m]))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m])) and sum by (level) (count_over_time({job=\"infrafabric\", RUN, level=\"ERROR\"}[5m]))", 0, 0 },
	{ RANGE, "avg(rate({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "max(sum by (agent_id) (rate({job=\"infrafabric\", RUN}[5m])))", 0, 0 },
	{ RANGE, "min by (level) (count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "stddev(sum by (agent_id) (count_over_time({job=\"infrafabric\", RUN}[5m])))", 0, 0 },
	{ RANGE, "stdvar by (level) (count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "count by (level) (count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"legacy\", RUN} | logfmt [5m]))", 0, 0 },
	{ RANGE, "avg_over_time({job=\"legacy\", RUN} | logfmt | unwrap duration(duration) [5m]) by (path)", 0, 0 },
	{ RANGE, "sum_over_time({job=\"legacy\", RUN} | logfmt | unwrap bytes(bytes) [5m]) by (status)", 0, 0 },
	{ RANGE, "sum by (path) (rate({job=\"legacy\", RUN} | logfmt | unwrap bytes(bytes) [5m]))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m] offset 5m))", 0, 0 },
	{ RANGE, "sum(count_over_time({job=\"infrafabric\", RUN} |= \"redis\" | json | context_duration_ms >= 1000 [5m]))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[1m])) ^ 2 % 7", 0, 0 },
	{ RANGE, "sum by (host) (count_over_time({job=\"legacy\", RUN} | pattern \"<_> status=<s> <_>\" | s != \"200\" [3m]))", 0, 0 },
	{ RANGE_ODD, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[2m]))", 0, 0 },
	{ RANGE_ODD, "rate({job=\"legacy\", RUN}[90s])", 0, 0 },
	{ RANGE_ODD, "max_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [3m]) by (component)", 0, 0 },
	{ RANGE, "rate_counter({job=\"legacy\", RUN} | logfmt | unwrap status [5m])", 0, 0 },
	{ RANGE, "sum by (host) (rate_counter({job=\"legacy\", RUN} | logfmt | unwrap duration_seconds(duration) [3m]))", 0, 0 },
	{ RANGE, "absent_over_time({job=\"infrafabric\", RUN, level=\"NOPE\"}[1m])", 0, 0 },
	{ RANGE, "label_replace(sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m])), \"x\", \"$1\", \"level\", \"(Z.*)\")", 0, 0 },
	{ RANGE, "vector(1) + sum(count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ RANGE, "quantile_over_time(1.5, {job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [5m]) by (level)", 0, 0 },
	{ RANGE, "sum by (level, component) (count_over_time({job=\"infrafabric\", RUN}[5m])) - ignoring (component) sum by (level, component) (count_over_time({job=\"infrafabric\", RUN}[10m]))", 0, 0 },
	{ RANGE, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m])) == bool on (level) sum by (level) (count_over_time({job=\"infrafabric\", RUN}[5m]))", 0, 0 },
	{ INSTANT, "sum(count_over_time({job=\"legacy\", RUN} | logfmt | status=~\"4..|5..\" [30m])) / sum(count_over_time({job=\"legacy\", RUN}[30m]))", 0, 0 },
	{ INSTANT, "sort_desc(sum by (agent_id) (count_over_time({job=\"infrafabric\", RUN}[30m])))", 0, 0 },
	{ INSTANT, "sort(sum by (level) (count_over_time({job=\"infrafabric\", RUN}[30m])))", 0, 0 },
	{ INSTANT, "sum by (level) (count_over_time({job=\"infrafabric\", RUN}[30m]))", 0, 0 },
	{ INSTANT, "quantile_over_time(0.99, {job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [30m]) by (component)", 0, 0 },
	{ INSTANT, "topk(3, sum by (agent_id, level) (sum_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [30m])))", 0, 0 },
	{ INSTANT, "avg_over_time({job=\"infrafabric\", RUN} | json | unwrap context_duration_ms [30m]) by (agent_id, component)", 0, 0 },
	{ INSTANT, "count_over_time({job=\"legacy\", RUN}[30m])", 0, 0 },
};

static void
subst(const char *q, char *out, size_t size)
{
	const char *r = strstr(q, "RUN");
	if (!r) {
		snprintf(out, size, "%s", q);
		return;
	}
	snprintf(out, size, "%.*srun=\"%s\"%s", (int)(r - q), q, run_id, r + 3);
}

static bool
num_eq(const char *a, const char *b)
{
	if (!strcmp(a, b))
		return true;
	double x = strtod(a, NULL), y = strtod(b, NULL);
	if (isnan(x) && isnan(y))
		return true;
	double d = fabs(x - y), m = fmax(fabs(x), fabs(y));
	return d <= 1e-9 * m;
}

/* sort()/sort_desc() leave the order of equal values to the
 * implementation (Loki's sort is not stable): ties are put in label order
 * on both sides before comparing. */
static double
vec_value(json_t *x)
{
	const char *v = json_string_value(json_array_get(json_object_get(x, "value"), 1));
	return v ? strtod(v, NULL) : 0;
}

static int sort_dir;

static int
cmp_vec(const void *pa, const void *pb)
{
	json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	double va = vec_value(a), vb = vec_value(b);
	if (va != vb)
		return (va < vb ? -1 : 1) * sort_dir;
	char *la = json_dumps(json_object_get(a, "metric"), JSON_COMPACT | JSON_SORT_KEYS);
	char *lb = json_dumps(json_object_get(b, "metric"), JSON_COMPACT | JSON_SORT_KEYS);
	int c = strcmp(la ? la : "", lb ? lb : "");
	free(la);
	free(lb);
	return c;
}

/* Returns false when `resp` was not sorted by value in direction `dir`. */
static bool
order_ties(json_t *resp, int dir)
{
	json_t *res = json_object_get(json_object_get(resp, "data"), "result");
	size_t n = json_array_size(res);
	for (size_t i = 1; i < n; i++)
		if ((vec_value(json_array_get(res, i)) - vec_value(json_array_get(res, i - 1))) * dir < 0)
			return false;
	if (n < 2)
		return true;
	json_t **v = calloc(n, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(res, i));
	sort_dir = dir;
	qsort(v, n, sizeof(*v), cmp_vec);
	json_array_clear(res);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(res, v[i]);
	free(v);
	return true;
}

/* Compares data.result of both; returns NULL or a description. */
static const char *
compare(json_t *a, json_t *b, char *why, size_t size)
{
	json_t *da = json_object_get(a, "data"), *db = json_object_get(b, "data");
	const char *ta = json_string_value(json_object_get(da, "resultType"));
	const char *tb = json_string_value(json_object_get(db, "resultType"));
	if (!ta || !tb || strcmp(ta, tb)) {
		snprintf(why, size, "resultType %s vs %s", ta ? ta : "?", tb ? tb : "?");
		return why;
	}
	json_t *ra = json_object_get(da, "result"), *rb = json_object_get(db, "result");
	if (json_array_size(ra) != json_array_size(rb)) {
		snprintf(why, size, "%zu vs %zu results", json_array_size(ra), json_array_size(rb));
		return why;
	}
	bool streams = !strcmp(ta, "streams");
	for (size_t i = 0; i < json_array_size(ra); i++) {
		json_t *x = json_array_get(ra, i), *y = json_array_get(rb, i);
		const char *lk = streams ? "stream" : "metric";
		if (!json_equal(json_object_get(x, lk), json_object_get(y, lk))) {
			char *s1 = json_dumps(json_object_get(x, lk), JSON_COMPACT | JSON_SORT_KEYS);
			char *s2 = json_dumps(json_object_get(y, lk), JSON_COMPACT | JSON_SORT_KEYS);
			snprintf(why, size, "result %zu labels %s vs %s", i, s1, s2);
			free(s1);
			free(s2);
			return why;
		}
		if (streams) {
			if (!json_equal(json_object_get(x, "values"), json_object_get(y, "values"))) {
				snprintf(why, size, "result %zu: entries differ (%zu vs %zu)", i,
					 json_array_size(json_object_get(x, "values")),
					 json_array_size(json_object_get(y, "values")));
				return why;
			}
			continue;
		}
		json_t *va = json_object_get(x, "values"), *vb = json_object_get(y, "values");
		json_t *one_a = NULL, *one_b = NULL;
		if (!va) {
			one_a = json_pack("[O]", json_object_get(x, "value"));
			one_b = json_pack("[O]", json_object_get(y, "value"));
			va = one_a;
			vb = one_b;
		}
		const char *bad = NULL;
		if (json_array_size(va) != json_array_size(vb)) {
			snprintf(why, size, "result %zu: %zu vs %zu points", i, json_array_size(va),
				 json_array_size(vb));
			bad = why;
		}
		for (size_t k = 0; !bad && k < json_array_size(va); k++) {
			json_t *pa = json_array_get(va, k), *pb = json_array_get(vb, k);
			double t1 = json_number_value(json_array_get(pa, 0));
			double t2 = json_number_value(json_array_get(pb, 0));
			const char *v1 = json_string_value(json_array_get(pa, 1));
			const char *v2 = json_string_value(json_array_get(pb, 1));
			if (fabs(t1 - t2) > 1e-6 || !v1 || !v2 || !num_eq(v1, v2)) {
				snprintf(why, size, "result %zu point %zu: [%.3f,%s] vs [%.3f,%s]", i, k,
					 t1, v1 ? v1 : "?", t2, v2 ? v2 : "?");
				bad = why;
			}
		}
		json_decref(one_a);
		json_decref(one_b);
		if (bad)
			return bad;
	}
	return NULL;
}

static void
test_against_loki(void **state)
{
	(void)state;
	int64_t step = 60 * NS;
	int64_t aligned = now_ns / step * step;
	int64_t mstart = aligned - 30 * 60 * NS, mend = aligned + step;
	int64_t lstart = now_ns - 31 * 60 * NS, lend = now_ns + 60 * NS;
	int fails = 0, ran = 0, nlog = 0, nmetric = 0;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		const struct qcase *c = &qs[i];
		char q[2048], url[8192];
		subst(c->q, q, sizeof(q));
		CURL *cu = curl_easy_init();
		char *enc = curl_easy_escape(cu, q, 0);
		struct lq_eval_params p = { 0 };
		if (c->k == LOG) {
			snprintf(url, sizeof(url), "%s/loki/api/v1/query_range?query=%s&start=%lld&end=%lld&limit=%u&direction=%s",
				 addr, enc, (long long)lstart, (long long)lend, c->limit,
				 c->forward ? "forward" : "backward");
			p.start_ns = lstart;
			p.end_ns = lend;
			p.limit = c->limit;
			p.direction = c->forward ? LQ_FORWARD : LQ_BACKWARD;
			nlog++;
		} else if (c->k == LOG_AT) {
			/* instant log query: exactly at a line's time (excluded), then 1 ns later */
			int64_t at = ents[123].ts_ns + (c->forward ? 1 : 0);
			snprintf(url, sizeof(url), "%s/loki/api/v1/query?query=%s&time=%lld&limit=%u",
				 addr, enc, (long long)at, c->limit);
			p.end_ns = at;
			p.instant = true;
			p.limit = c->limit;
			nlog++;
		} else if (c->k == RANGE_ODD) {
			/* start not aligned to the step, odd step */
			int64_t st = mstart + 17 * NS + 123456789, sp = 37 * NS;
			snprintf(url, sizeof(url), "%s/loki/api/v1/query_range?query=%s&start=%lld&end=%lld&step=37",
				 addr, enc, (long long)st, (long long)mend);
			p.start_ns = st;
			p.end_ns = mend;
			p.step_ns = sp;
			p.step_align = true;
			nmetric++;
		} else if (c->k == RANGE) {
			snprintf(url, sizeof(url), "%s/loki/api/v1/query_range?query=%s&start=%lld&end=%lld&step=60",
				 addr, enc, (long long)mstart, (long long)mend);
			p.start_ns = mstart;
			p.end_ns = mend;
			p.step_ns = step;
			p.step_align = true;
			nmetric++;
		} else {
			snprintf(url, sizeof(url), "%s/loki/api/v1/query?query=%s&time=%lld", addr, enc,
				 (long long)mend);
			p.end_ns = mend;
			p.instant = true;
			nmetric++;
		}
		curl_free(enc);
		curl_easy_cleanup(cu);
		struct sbuf body = SBUF_INIT;
		long code = http(url, NULL, &body);
		struct lq_mem_source m;
		struct lq_source src;
		lq_mem_source_init(&src, &m, ents, nents);
		struct lq_result *r = NULL;
		struct lq_error err;
		int rc = lq_eval(q, &p, &src, &r, &err);
		ran++;
		if (code != 200 || rc < 0) {
			if (!(code != 200 && rc < 0)) {
				fails++;
				print_error("DIFF %zu `%s`: loki HTTP %ld %.200s / local %s\n", i, q, code,
					    sbuf_str(&body), rc < 0 ? err.msg : "ok");
			}
			sbuf_release(&body);
			lq_result_free(r);
			continue;
		}
		char *ours = lq_result_json(r);
		json_error_t je;
		json_t *a = json_loads(ours, 0, &je), *b = json_loads(sbuf_str(&body), 0, &je);
		char why[600];
		int dir = !strncmp(q, "sort_desc(", 10) ? -1 : !strncmp(q, "sort(", 5) ? 1 : 0;
		bool sorted = !dir || !a || !b || (order_ties(a, dir) && order_ties(b, dir));
		const char *d = !a || !b ? "bad JSON" : !sorted ? "not sorted by value" : compare(a, b, why, sizeof(why));
		if (d) {
			fails++;
			print_error("DIFF %zu `%s`: %s\n", i, q, d);
			if (getenv("LQ_DIFF_VERBOSE"))
				print_error("  ours: %.3000s\n  loki: %.3000s\n", ours, sbuf_str(&body));
		}
		json_decref(a);
		json_decref(b);
		free(ours);
		lq_result_free(r);
		sbuf_release(&body);
	}
	print_message("differential: %d queries (%d log, %d metric), %d differ\n", ran, nlog,
		      nmetric, fails);
	assert_int_equal(fails, 0);
}

static int
setup(void **state)
{
	(void)state;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ns = (int64_t)ts.tv_sec * NS + ts.tv_nsec;
	snprintf(run_id, sizeof(run_id), "lq%ld-%lld", (long)getpid(), (long long)ts.tv_sec);
	rng ^= (uint64_t)ts.tv_sec;
	gen();
	gen_probe();
	push_all();
	return 0;
}

int
main(void)
{
	addr = getenv("LOKI_TEST_ADDR");
	if (!addr || !*addr) {
		const char *root = getenv("ROOT");
		char path[1024];
		snprintf(path, sizeof(path), "%s/tests/servers.sh", root ? root : ".");
		if (access(path, F_OK) != 0) {
			printf("test_lq_diff: LOKI_TEST_ADDR is not set and there is no tests/servers.sh to start Loki; "
			       "not run (start one with ../shared/loki/start-loki.sh DIR PORT and export LOKI_TEST_ADDR=http://127.0.0.1:PORT)\n");
			return 0;
		}
		fprintf(stderr, "test_lq_diff: LOKI_TEST_ADDR is not set; the differential suite needs a running "
			"Loki 2.8.0 (tests/run.sh starts one via tests/servers.sh and exports it)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_against_loki, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_loki.c: sources/loki.c.  Parsers against recorded Loki 2.8
 * answers (tests/fixtures/loki/, verbatim from the real server) and Loki
 * 3.x shapes built from Loki's API documentation; then end to end against
 * the real Loki (LOKI_TEST_ADDR, started by tests/servers.sh): push
 * seed-schema lines, query, page, labels, series, stats, errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/http.h"
#include "sources/loki.h"
#include "sources/result.h"

static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	const char *root = getenv("ROOT");
	snprintf(path, sizeof(path), "%s%stests/fixtures/loki/%s", root ? root : "",
		 root ? "/" : "", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open fixture %s", path);
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sbuf_add(&sb, buf, n);
	fclose(f);
	return sbuf_detach(&sb, len);
}

/* Body of an HTTP dump (status, headers, blank line, body). */
static const char *
dump_body(const char *dump)
{
	const char *p = strstr(dump, "\r\n\r\n");
	if (p)
		return p + 4;
	p = strstr(dump, "\n\n");
	return p ? p + 2 : dump;
}

/* ---------------- fixtures ---------------- */

static void
test_parse_streams(void **state)
{
	(void)state;
	size_t len;
	char *b = slurp("query_range-streams.json", &len);
	struct result *r;
	struct res_error e;
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_int_equal(r->type, RES_STREAMS);
	assert_int_equal(r->nstreams, 3);
	assert_int_equal(result_entries(r), 6);
	struct res_stream *s = &r->streams[0];
	assert_string_equal(res_labels_get(&s->labels, "level"), "ERROR");
	assert_string_equal(s->labels.v[0].name, "agent_id");   /* sorted */
	assert_int_equal(s->n, 2);
	assert_true(s->v[0].ts_ns == 1795627601777054472LL);
	assert_non_null(strstr(s->v[0].line, "redis reconnect failed"));
	assert_int_equal(r->stats.entries_returned, 6);
	assert_int_equal(r->stats.lines_processed, 6);
	struct sbuf f = SBUF_INIT;
	res_labels_format(&s->labels, &f);
	assert_string_equal(sbuf_str(&f), "{agent_id=\"A1-haiku-001\", component=\"redis_bus\", "
			    "job=\"infrafabric\", level=\"ERROR\"}");
	sbuf_release(&f);
	/* time order across streams */
	size_t n;
	struct res_ref *refs = result_sorted(r, true, &n);
	assert_int_equal(n, 6);
	for (size_t i = 1; i < n; i++)
		assert_true(r->streams[refs[i - 1].stream].v[refs[i - 1].entry].ts_ns <=
			    r->streams[refs[i].stream].v[refs[i].entry].ts_ns);
	free(refs);
	result_free(r);
	free(b);

	b = slurp("query_range-streams-json-filter.json", &len);
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_int_equal(r->nstreams, 2);
	assert_string_equal(res_labels_get(&r->streams[0].labels, "context_duration_ms"), "1503");
	result_free(r);
	free(b);
}

static void
test_parse_metrics(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum res_type type;
		size_t nseries;
		const char *label, *value;
		double first;
	} cases[] = {
		{ "query_range-matrix.json", RES_MATRIX, 3, "level", "ERROR", 2 },
		{ "query-vector.json", RES_VECTOR, 3, "level", "ERROR", 2 },
		{ "query-vector-unwrap.json", RES_VECTOR, 2, "component", "redis_bus", 704.6000000000001 },
		{ "loki3-volume.json", RES_VECTOR, 2, "level", "ERROR", 83886080 },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		size_t len;
		char *b = slurp(cases[i].file, &len);
		struct result *r;
		struct res_error e;
		if (loki_parse_query(b, len, &r, &e) != 0)
			fail_msg("%s: %s", cases[i].file, e.msg);
		assert_int_equal(r->type, cases[i].type);
		assert_int_equal(r->nseries, cases[i].nseries);
		assert_string_equal(res_labels_get(&r->series[0].labels, cases[i].label),
				    cases[i].value);
		assert_true(r->series[0].n >= 1);
		assert_true(fabs(r->series[0].v[0].v - cases[i].first) < 1e-9);
		result_free(r);
		free(b);
	}
	size_t len;
	char *b = slurp("query_range-matrix.json", &len);
	struct result *r;
	struct res_error e;
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_true(r->series[0].v[0].ts_ms == 1795627620000LL);
	result_free(r);
	free(b);
	b = slurp("loki3-volume.json", &len);
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_true(r->series[1].v[0].ts_ms == 1795627611500LL);
	result_free(r);
	free(b);
	b = slurp("scalar.json", &len);
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_int_equal(r->type, RES_SCALAR);
	assert_true(r->scalar.v == 42.5);
	assert_true(r->scalar.ts_ms == 1795627611250LL);
	result_free(r);
	free(b);
}

static void
test_parse_loki3(void **state)
{
	(void)state;
	size_t len;
	char *b = slurp("loki3-streams-categorized.json", &len);
	struct result *r;
	struct res_error e;
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_int_equal(r->nstreams, 1);
	struct res_stream *s = &r->streams[0];
	assert_int_equal(s->n, 3);
	assert_string_equal(res_labels_get(&s->v[0].meta, "trace_id"), "4bf92f3577b34da6");
	assert_string_equal(res_labels_get(&s->v[0].meta, "pod"), "agent-0");
	assert_string_equal(res_labels_get(&s->v[0].parsed, "message"), "redis reconnect failed");
	assert_int_equal(s->v[1].meta.n, 1);
	assert_int_equal(s->v[1].parsed.n, 0);
	assert_int_equal(s->v[2].meta.n, 0);
	assert_string_equal(sbuf_str(&r->warnings), "query was split into 2 shards\n");
	assert_int_equal(r->stats.entries_returned, 3);
	result_free(r);
	free(b);

	b = slurp("loki3-streams-flat-metadata.json", &len);
	assert_int_equal(loki_parse_query(b, len, &r, &e), 0);
	assert_string_equal(res_labels_get(&r->streams[0].v[0].meta, "user"), "u-7");
	assert_int_equal(r->streams[0].v[1].meta.n, 0);
	result_free(r);
	free(b);
}

static void
test_parse_tail_frames(void **state)
{
	(void)state;
	size_t len, dropped;
	char *b = slurp("tail-frame.json", &len);
	struct result *r;
	struct res_error e;
	assert_int_equal(loki_parse_tail_frame(b, len, &r, &dropped, &e), 0);
	assert_int_equal(dropped, 0);
	/* each entry came as its own stream object: same labels merge */
	assert_int_equal(r->nstreams, 1);
	assert_int_equal(result_entries(r), 2);
	result_free(r);
	free(b);
	b = slurp("tail-frame-dropped.json", &len);
	assert_int_equal(loki_parse_tail_frame(b, len, &r, &dropped, &e), 0);
	assert_int_equal(dropped, 2);
	assert_int_equal(result_entries(r), 1);
	result_free(r);
	free(b);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	static const struct { const char *name, *body, *want; } cases[] = {
		{ "truncated", "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
		  "\"result\":[{\"stream\":{\"job\":\"x\"},\"values\":[[\"1\",\"a", "invalid JSON" },
		{ "malformed", "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
		  "\"result\":[}]}}", "invalid JSON" },
		{ "no data", "{\"status\":\"success\"}", "no data.resultType" },
		{ "bad entry", "{\"status\":\"success\",\"data\":{\"resultType\":\"streams\","
		  "\"result\":[{\"stream\":{},\"values\":[[1]]}]}}", "not [\"<ns>\", \"<line>\"]" },
		{ "bad type", "{\"status\":\"success\",\"data\":{\"resultType\":\"weird\","
		  "\"result\":[]}}", "unknown resultType" },
		{ "html", "<html>proxy error</html>", "invalid JSON" },
		{ "status error", "{\"status\":\"error\",\"error\":\"boom\"}", "boom" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		struct result *r = (struct result *)1;
		struct res_error e;
		int rc = loki_parse_query(cases[i].body, strlen(cases[i].body), &r, &e);
		if (rc == 0 || r != NULL || !strstr(e.msg, cases[i].want))
			fail_msg("%s: rc=%d msg=%s", cases[i].name, rc, e.msg);
	}
}

static void
test_error_words(void **state)
{
	(void)state;
	char *parse = slurp("error-parse.txt", NULL);
	char *empty = slurp("error-empty-selector.txt", NULL);
	char *j3 = slurp("loki3-error-json.txt", NULL);
	static const char *const max_entries =
		"max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)";
	struct { long status; int err; const char *body; int attempts; const char *want; } cases[] = {
		{ 400, LX_EHTTP, dump_body(parse), 1,
		  "Loki rejected the query (HTTP 400): parse error at line 1, col 26: syntax error: unexpected AVG" },
		{ 400, LX_EHTTP, dump_body(empty), 1, "queries require at least one regexp or equality matcher" },
		{ 400, LX_EHTTP, j3, 1, "(HTTP 400): parse error at line 1, col 12" },
		{ 400, LX_EHTTP, max_entries, 1, "max entries limit per query exceeded" },
		{ 429, LX_EHTTP, "too many outstanding requests", 4,
		  "Loki is rate limiting (HTTP 429, 4 attempts): too many outstanding requests" },
		{ 503, LX_EHTTP, "", 4, "Loki server error (HTTP 503, 4 attempts)" },
		{ 504, LX_EHTTP, "context deadline exceeded", 1, "timed out on the server (HTTP 504)" },
		{ 401, LX_EHTTP, "no org id", 1, "check the credentials or tenant: no org id" },
		{ 404, LX_EHTTP, "404 page not found", 1, "this Loki has no query endpoint" },
		{ 0, LX_ECONN, "", 4, "cannot reach Loki (query): conn msg" },
		{ 0, LX_ETIMEDOUT, "", 1, "Loki did not answer in time (query)" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		struct sbuf b = SBUF_INIT;
		sbuf_adds(&b, cases[i].body);
		struct http_resp resp = { .err = cases[i].err, .status = cases[i].status,
					  .body = &b, .msg = "conn msg",
					  .attempts = cases[i].attempts };
		struct res_error e;
		loki_error_from_http(&resp, "query", &e);
		if (!strstr(e.msg, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, e.msg, cases[i].want);
		assert_int_equal(e.http_status, cases[i].status);
		sbuf_release(&b);
	}
	free(parse);
	free(empty);
	free(j3);
}

static char *
fake_env(const char *name)
{
	static const struct { const char *k; char *v; } env[] = {
		{ "LOKI_ADDR", "https://loki.example:3100" },
		{ "LOKI_ORG_ID", "team-a|team-b" },
		{ "LOKI_USERNAME", "u" },
		{ "LOKI_PASSWORD", "p" },
		{ "LOKI_BEARER_TOKEN_FILE", "/run/token" },
		{ "LOKI_CA_CERT_PATH", "/ca.pem" },
		{ "LOKI_TLS_SKIP_VERIFY", "true" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(env); i++)
		if (!strcmp(env[i].k, name))
			return env[i].v;
	return NULL;
}

static void
test_config_env(void **state)
{
	(void)state;
	const char *hdrs[] = { "X-Extra: 1", NULL };
	struct loki_config c = { .url = "http://default:3100", .timeout_ms = 7 };
	loki_config_from_env(&c, fake_env, hdrs);
	assert_string_equal(c.url, "https://loki.example:3100");
	assert_string_equal(c.auth.org_id, "team-a|team-b");
	assert_string_equal(c.auth.username, "u");
	assert_string_equal(c.auth.password, "p");
	assert_null(c.auth.bearer_token);
	assert_string_equal(c.auth.bearer_token_file, "/run/token");
	assert_string_equal(c.auth.ca_file, "/ca.pem");
	assert_null(c.auth.cert_file);
	assert_true(c.auth.insecure_skip_verify);
	assert_true(c.auth.headers == hdrs);
	assert_int_equal(c.timeout_ms, 7);
}

static void
test_limit_words(void **state)
{
	(void)state;
	char b[200];
	struct res_limit l = { .cut = true, .layer = "client limit", .limit = 1000, .shown = 1000,
			       .at_least = 1001 };
	res_limit_format(&l, b, sizeof(b));
	assert_string_equal(b, "1,000 shown of \u2265 1,001; client limit 1,000");
	l.total = 12400;
	snprintf(l.why, sizeof(l.why), "server max_entries_limit_per_query is 5000; paging by 5000");
	res_limit_format(&l, b, sizeof(b));
	assert_string_equal(b, "1,000 shown of 12,400; client limit 1,000; "
			    "server max_entries_limit_per_query is 5000; paging by 5000");
	struct res_limit none = { 0 };
	res_limit_format(&none, b, sizeof(b));
	assert_string_equal(b, "");
}

static void
test_plan_split(void **state)
{
	(void)state;
	const int64_t H1 = 3600LL * 1000000000LL;
	struct res_index small = { .bytes = 1 << 20 }, big = { .bytes = 10LL << 30 };
	assert_true(loki_plan_split(&small, 0, 24 * H1, 0) == 0);
	assert_true(loki_plan_split(NULL, 0, 24 * H1, 0) == 0);
	/* 10 GiB over 24 h at 256 MiB a chunk: 40 chunks of 36 min */
	assert_true(loki_plan_split(&big, 0, 24 * H1, 0) == 24 * H1 / 40);
	/* never below a minute */
	assert_true(loki_plan_split(&big, 0, 2 * 60 * 1000000000LL, 1) == 60 * 1000000000LL);
}

/* ---------------- live Loki ---------------- */

static const char *loki_addr;
static uv_loop_t loop;
static struct http *H;
static struct loki *LK;
static char run_id[64];
static int64_t base_ns;
enum { NLINES = 2500 };

struct got {
	int called;
	struct res_error err;
	bool failed;
	struct result *res;
	size_t progress_calls;
};

static void
got_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct got *g = ud;
	g->called++;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->res = res;
}

static void
progress_cb(void *ud, size_t done, size_t total, size_t entries)
{
	(void)done;
	(void)total;
	(void)entries;
	struct got *g = ud;
	g->progress_calls++;
}

static void
run(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
}

static const char *levels[] = { "INFO", "WARN", "ERROR", "DEBUG" };
static const char *components[] = { "redis_bus", "scheduler", "chromadb", "api" };

/* Seed-schema JSON line number i (see shared/seed/logging-system.md). */
static void
seed_line(struct sbuf *sb, int i, int64_t ts)
{
	time_t sec = (time_t)(ts / 1000000000LL);
	struct tm tm;
	gmtime_r(&sec, &tm);
	char iso[40];
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	sbuf_addf(sb, "{\"timestamp\":\"%s.%03dZ\",\"level\":\"%s\",\"correlation_id\":\"req-%06d\","
		  "\"agent_id\":\"A%d-haiku-%03d\",\"component\":\"%s\",\"message\":\"task %d processed\","
		  "\"context\":{\"task_id\":\"task:%d\",\"duration_ms\":%d.5},"
		  "\"if_citation\":\"if://log/task-processed\",\"tags\":[\"redis\"],"
		  "\"hostname\":\"agent-node-0%d\",\"service\":\"infrafabric\"}",
		  iso, (int)((ts / 1000000) % 1000), levels[i % 4], i, i % 3 + 1, i % 3 + 1,
		  components[i % 4], i, i, i % 50, i % 3);
}

static int64_t
line_ts(int i)
{
	/* groups of 5 lines share one millisecond (some within one stream) */
	return base_ns + (int64_t)(i / 5) * 1000000LL;
}

static void
push_seed(void)
{
	struct loki_push_buf pb;
	loki_push_begin(&pb);
	for (int s = 0; s < 4; s++) {
		struct res_labels l = { 0 };
		res_labels_set(&l, "job", "infrafabric");
		res_labels_set(&l, "run", run_id);
		res_labels_set(&l, "level", levels[s]);
		res_labels_set(&l, "component", components[s]);
		loki_push_stream(&pb, &l);
		res_labels_release(&l);
		for (int i = s; i < NLINES; i += 4) {
			struct sbuf line = SBUF_INIT;
			seed_line(&line, i, line_ts(i));
			loki_push_entry(&pb, line_ts(i), line.buf, line.len);
			sbuf_release(&line);
		}
	}
	loki_push_end(&pb);
	assert_int_equal(pb.streams, 4);
	assert_int_equal(pb.entries, NLINES);
	struct got g = { 0 };
	assert_non_null(loki_push(LK, pb.body.buf, pb.body.len, got_cb, &g));
	run();
	if (g.failed)
		fail_msg("push: %s", g.err.msg);
	result_free(g.res);
	loki_push_buf_release(&pb);
}

static int
live_setup(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	uv_loop_init(&loop);
	H = http_new(&loop);
	struct loki_config cfg = { .url = loki_addr, .timeout_ms = 20000 };
	LK = loki_new(H, &cfg);
	snprintf(run_id, sizeof(run_id), "t%d_%" PRId64, (int)getpid(), loki_now_ns() % 1000000007);
	base_ns = loki_now_ns() - 20 * 60 * 1000000000LL;    /* 20 min ago */
	push_seed();
	return 0;
}

static int
live_teardown(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	loki_free(LK);
	http_free(H);
	run();
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

#define NEED_LOKI() do { if (!loki_addr) skip(); } while (0)

static char *
sel(const char *extra)
{
	static char b[256];
	snprintf(b, sizeof(b), "{job=\"infrafabric\",run=\"%s\"}%s", run_id, extra ? extra : "");
	return b;
}

/* Checks a paged result holds exactly lines [0, n) (or the newest n). */
static void
check_unique(struct result *r, size_t want, bool newest)
{
	assert_int_equal(result_entries(r), want);
	char *seen = xcalloc(NLINES, 1);
	for (size_t i = 0; i < r->nstreams; i++)
		for (size_t j = 0; j < r->streams[i].n; j++) {
			int k = -1;
			const char *p = strstr(r->streams[i].v[j].line, "\"task ");
			assert_non_null(p);
			sscanf(p, "\"task %d", &k);
			assert_true(k >= 0 && k < NLINES);
			if (seen[k])
				fail_msg("line %d twice", k);
			seen[k] = 1;
			assert_true(r->streams[i].v[j].ts_ns == line_ts(k));
		}
	/* no gaps: the lines held are one contiguous run at the right end */
	size_t lo = newest ? NLINES - want : 0;
	for (size_t k = 0; k < NLINES; k++) {
		bool in = k >= lo && k < lo + want;
		/* groups of 5 share a timestamp; the cut may fall inside a group */
		if (in != (bool)seen[k] && line_ts((int)k) != line_ts((int)lo) &&
		    line_ts((int)k) != line_ts((int)(lo + want - 1)))
			fail_msg("gap or stray at line %zu", k);
	}
	free(seen);
}

static void
test_live_query_paging(void **state)
{
	(void)state;
	NEED_LOKI();
	int64_t end = loki_now_ns() + 1000000000LL;
	int64_t start = base_ns - 60 * 1000000000LL;
	/* backward, pages of 300 over 2500 lines with shared timestamps */
	struct got g = { 0 };
	struct loki_query q = { .query = sel(NULL), .start_ns = start, .end_ns = end,
				.limit = 100000, .page_size = 300 };
	assert_non_null(loki_query_range(LK, &q, got_cb, &g));
	run();
	if (g.failed)
		fail_msg("%s", g.err.msg);
	check_unique(g.res, NLINES, false);
	assert_false(g.res->limit.cut);
	assert_true(g.res->pages >= 9);
	result_free(g.res);

	/* forward, odd page size */
	struct got f = { 0 };
	q.forward = true;
	q.page_size = 777;
	assert_non_null(loki_query_range(LK, &q, got_cb, &f));
	run();
	if (f.failed)
		fail_msg("%s", f.err.msg);
	check_unique(f.res, NLINES, false);
	result_free(f.res);

	/* limit cuts: newest 1000 (backward), marked as a client cut */
	struct got c = { 0 };
	q.forward = false;
	q.limit = 1000;
	q.page_size = 400;
	q.count_total = true;
	assert_non_null(loki_query_range(LK, &q, got_cb, &c));
	run();
	assert_false(c.failed);
	assert_int_equal(result_entries(c.res), 1000);
	assert_true(c.res->limit.cut);
	assert_string_equal(c.res->limit.layer, "client limit");
	assert_int_equal(c.res->limit.limit, 1000);
	assert_true(c.res->limit.at_least > 1000);
	assert_int_equal(c.res->limit.total, NLINES);
	char words[200];
	res_limit_format(&c.res->limit, words, sizeof(words));
	assert_string_equal(words, "1,000 shown of 2,500; client limit 1,000");
	assert_int_equal(c.res->limit.at_least, NLINES);
	check_unique(c.res, 1000, true);
	result_free(c.res);
}

static void
test_live_server_limit_and_chunks(void **state)
{
	(void)state;
	NEED_LOKI();
	int64_t end = loki_now_ns() + 1000000000LL;
	int64_t start = base_ns - 60 * 1000000000LL;
	/* page bigger than the server's max_entries_limit_per_query (5000) */
	struct got g = { 0 };
	struct loki_query q = { .query = sel(NULL), .start_ns = start, .end_ns = end,
				.limit = 20000, .page_size = 10000 };
	assert_non_null(loki_query_range(LK, &q, got_cb, &g));
	run();
	if (g.failed)
		fail_msg("%s", g.err.msg);
	assert_int_equal(result_entries(g.res), NLINES);
	assert_non_null(strstr(g.res->limit.why, "max_entries_limit_per_query is 5000"));
	result_free(g.res);

	/* time-split chunks with progress */
	struct got c = { 0 };
	struct loki_query cq = { .query = sel(NULL), .start_ns = start, .end_ns = end,
				 .limit = 100000, .page_size = 1000,
				 .split_ns = 5 * 60 * 1000000000LL, .progress = progress_cb };
	assert_non_null(loki_query_range(LK, &cq, got_cb, &c));
	run();
	if (c.failed)
		fail_msg("%s", c.err.msg);
	check_unique(c.res, NLINES, false);
	assert_true(c.progress_calls >= 4);
	result_free(c.res);

	/* a range longer than Loki's max_query_length (721h) is split in halves */
	struct got s = { 0 };
	struct loki_query sq = { .query = sel(NULL), .end_ns = end,
				 .start_ns = end - 40LL * 24 * 3600 * 1000000000LL, .limit = 5000 };
	assert_non_null(loki_query_range(LK, &sq, got_cb, &s));
	run();
	if (s.failed)
		fail_msg("%s", s.err.msg);
	assert_int_equal(result_entries(s.res), NLINES);
	assert_true(s.res->pages >= 3);
	result_free(s.res);
}

static void
test_live_metric_and_instant(void **state)
{
	(void)state;
	NEED_LOKI();
	int64_t end = loki_now_ns();
	char q1[300];
	snprintf(q1, sizeof(q1), "sum by (level) (count_over_time(%s[1h]))", sel(NULL));
	struct got g = { 0 };
	struct loki_query q = { .query = q1, .time_ns = end };
	assert_non_null(loki_query(LK, &q, got_cb, &g));
	run();
	if (g.failed)
		fail_msg("%s", g.err.msg);
	assert_int_equal(g.res->type, RES_VECTOR);
	assert_int_equal(g.res->nseries, 4);
	double total = 0;
	for (size_t i = 0; i < g.res->nseries; i++)
		total += g.res->series[i].v[0].v;
	assert_true(total == NLINES);
	result_free(g.res);

	char q2[300];
	snprintf(q2, sizeof(q2), "sum(count_over_time(%s[1m]))", sel(" | json | level=\"ERROR\""));
	struct got m = { 0 };
	struct loki_query mq = { .query = q2, .start_ns = base_ns - 120 * 1000000000LL,
				 .end_ns = end, .step_s = 60 };
	assert_non_null(loki_query_range(LK, &mq, got_cb, &m));
	run();
	if (m.failed)
		fail_msg("%s", m.err.msg);
	assert_int_equal(m.res->type, RES_MATRIX);
	assert_int_equal(m.res->nseries, 1);
	assert_true(m.res->series[0].n >= 1);

	/* the same metric range in 7-minute chunks gives the same samples */
	struct got c = { 0 };
	mq.split_ns = 7 * 60 * 1000000000LL;
	assert_non_null(loki_query_range(LK, &mq, got_cb, &c));
	run();
	if (c.failed)
		fail_msg("%s", c.err.msg);
	assert_true(c.res->pages >= 3);
	assert_int_equal(c.res->nseries, m.res->nseries);
	assert_int_equal(c.res->series[0].n, m.res->series[0].n);
	for (size_t k = 0; k < m.res->series[0].n; k++) {
		assert_true(c.res->series[0].v[k].ts_ms == m.res->series[0].v[k].ts_ms);
		assert_true(c.res->series[0].v[k].v == m.res->series[0].v[k].v);
	}
	result_free(c.res);
	result_free(m.res);

	/* instant log query */
	struct got l = { 0 };
	struct loki_query lq = { .query = sel(" |= \"task 42 \""), .time_ns = end, .limit = 10 };
	assert_non_null(loki_query(LK, &lq, got_cb, &l));
	run();
	assert_false(l.failed);
	assert_int_equal(l.res->type, RES_STREAMS);
	result_free(l.res);
}

static bool
has_string(const struct result *r, const char *s)
{
	for (size_t i = 0; i < r->nstrings; i++)
		if (!strcmp(r->strings[i], s))
			return true;
	return false;
}

static void
test_live_labels_series_info(void **state)
{
	(void)state;
	NEED_LOKI();
	int64_t end = loki_now_ns() + 1000000000LL, start = base_ns - 60000000000LL;
	struct got a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 }, e = { 0 }, f = { 0 }, h = { 0 },
		   m = { 0 };
	assert_non_null(loki_labels(LK, start, end, got_cb, &a));
	assert_non_null(loki_label_values(LK, "level", sel(NULL), start, end, got_cb, &b));
	assert_non_null(loki_series(LK, sel(NULL), start, end, got_cb, &c));
	assert_non_null(loki_index_stats(LK, sel(NULL), start, end, got_cb, &d));
	assert_non_null(loki_index_volume(LK, sel(NULL), start, end, 10, got_cb, &e));
	assert_non_null(loki_buildinfo(LK, got_cb, &f));
	assert_non_null(loki_ready(LK, got_cb, &h));
	assert_non_null(loki_metrics(LK, got_cb, &m));
	run();
	assert_int_equal(a.called + b.called + c.called + d.called + e.called + f.called +
			 h.called + m.called, 8);
	assert_false(a.failed);
	assert_true(has_string(a.res, "run"));
	assert_true(has_string(a.res, "component"));
	assert_false(b.failed);
	assert_int_equal(b.res->nstrings, 4);
	assert_true(has_string(b.res, "ERROR"));
	assert_false(c.failed);
	assert_int_equal(c.res->type, RES_LABELSETS);
	assert_int_equal(c.res->nseries, 4);
	assert_string_equal(res_labels_get(&c.res->series[0].labels, "run"), run_id);
	if (d.failed)
		fail_msg("%s", d.err.msg);
	assert_int_equal(d.res->type, RES_INFO);
	assert_non_null(res_labels_get(&d.res->info, "streams"));
	/* Loki 2.8 has no /index/volume: a clean "not available" */
	assert_true(e.failed);
	assert_int_equal(e.err.code, LX_ENOENT);
	assert_non_null(strstr(e.err.msg, "no /index/volume"));
	assert_false(f.failed);
	assert_string_equal(res_labels_get(&f.res->info, "version"), "2.8.0");
	assert_false(h.failed);
	assert_false(m.failed);
	assert_non_null(strstr(m.res->strings[0], "loki_build_info"));
	result_free(a.res);
	result_free(b.res);
	result_free(c.res);
	result_free(d.res);
	result_free(f.res);
	result_free(h.res);
	result_free(m.res);
}

static void
test_live_errors(void **state)
{
	(void)state;
	NEED_LOKI();
	struct got a = { 0 }, b = { 0 }, c = { 0 };
	struct loki_query q = { .query = "{job=\"x\"} | json | stats avg(duration_ms)" };
	assert_non_null(loki_query_range(LK, &q, got_cb, &a));
	struct loki_query q2 = { .query = "{}" };
	assert_non_null(loki_query(LK, &q2, got_cb, &b));
	/* a bad push body: Loki's decoder message */
	assert_non_null(loki_push(LK, "{\"streams\":[{\"stream\":{\"job\":\"x\"},\"values\":[[\"1\" \"a\"]]}]}",
				  58, got_cb, &c));
	run();
	assert_true(a.failed);
	assert_int_equal(a.err.http_status, 400);
	assert_non_null(strstr(a.err.msg, "Loki rejected the query (HTTP 400): parse error at line 1"));
	assert_true(b.failed);
	assert_non_null(strstr(b.err.msg, "at least one regexp or equality matcher"));
	assert_true(c.failed);
	assert_int_equal(c.err.http_status, 400);
	/* bad arguments: NULL and no callback */
	struct loki_query q3 = { .query = "" };
	assert_null(loki_query_range(LK, &q3, got_cb, &a));
	assert_null(loki_label_values(LK, "", NULL, 0, 0, got_cb, &a));
}

static void
test_live_cancel(void **state)
{
	(void)state;
	NEED_LOKI();
	struct got g = { 0 };
	struct loki_query q = { .query = sel(NULL), .start_ns = base_ns - 60000000000LL,
				.end_ns = loki_now_ns(), .limit = 100000, .page_size = 100 };
	struct loki_req *r = loki_query_range(LK, &q, got_cb, &g);
	assert_non_null(r);
	uv_run(&loop, UV_RUN_ONCE);
	loki_cancel(r);
	struct got h = { 0 };
	assert_non_null(loki_labels(LK, 0, 0, got_cb, &h));
	/* loki_free with one pending: no callback */
	run();
	assert_int_equal(g.called, 0);
	assert_int_equal(h.called, 1);
	result_free(h.res);
}

int
main(void)
{
	loki_addr = getenv("LOKI_TEST_ADDR");
	if (loki_addr && !*loki_addr)
		loki_addr = NULL;
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_parse_streams),
		cmocka_unit_test(test_parse_metrics),
		cmocka_unit_test(test_parse_loki3),
		cmocka_unit_test(test_parse_tail_frames),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_error_words),
		cmocka_unit_test(test_config_env),
		cmocka_unit_test(test_plan_split),
		cmocka_unit_test(test_limit_words),
	};
	const struct CMUnitTest live[] = {
		cmocka_unit_test(test_live_query_paging),
		cmocka_unit_test(test_live_server_limit_and_chunks),
		cmocka_unit_test(test_live_metric_and_instant),
		cmocka_unit_test(test_live_labels_series_info),
		cmocka_unit_test(test_live_errors),
		cmocka_unit_test(test_live_cancel),
	};
	int rc = cmocka_run_group_tests_name("loki-fixtures", unit, NULL, NULL);
	rc |= cmocka_run_group_tests_name("loki-live", live, live_setup, live_teardown);
	return rc;
}

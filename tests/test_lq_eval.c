/* tests/test_lq_eval.c: the local evaluator.  Replays the push in
 * ../shared/loki/samples/push-request.json and compares our results with
 * the responses real Loki 2.8.0 gave (the samples folder), then checks
 * hand-computed cases: windows, steps, quantiles, parsers, formats,
 * binary operations, limits and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logql/lq_eval.h"
#include "logql/lq_pipeline.h"

#define S 1000000000LL

/* ---- entries from the sample push ---- */

struct dataset {
	struct lq_entry *e;
	size_t n;
	json_t *root;
	struct lq_label *labels;
};

static json_t *
load_sample(const char *name)
{
	char path[1024];
	const char *root = getenv("ROOT");
	snprintf(path, sizeof(path), "%s/../shared/loki/samples/%s", root ? root : ".", name);
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		fail_msg("cannot load %s: %s", path, je.text);
	return j;
}

static void
load_push(struct dataset *d)
{
	memset(d, 0, sizeof(*d));
	d->root = load_sample("push-request.json");
	json_t *streams = json_object_get(d->root, "streams");
	size_t cap = 64, lcap = 256, nl = 0;
	d->e = calloc(cap, sizeof(*d->e));
	d->labels = calloc(lcap, sizeof(*d->labels));
	size_t i;
	json_t *s;
	json_array_foreach(streams, i, s) {
		json_t *st = json_object_get(s, "stream");
		size_t first = nl;
		const char *k;
		json_t *v;
		json_object_foreach(st, k, v) {
			d->labels[nl].name = k;
			d->labels[nl].value = json_string_value(v);
			nl++;
		}
		size_t j;
		json_t *val;
		json_array_foreach(json_object_get(s, "values"), j, val) {
			struct lq_entry *e = &d->e[d->n++];
			e->ts_ns = strtoll(json_string_value(json_array_get(val, 0)), NULL, 10);
			e->line = json_string_value(json_array_get(val, 1));
			e->len = strlen(e->line);
			e->labels = d->labels + first;
			e->nlabels = nl - first;
		}
	}
}

static void
free_push(struct dataset *d)
{
	json_decref(d->root);
	free(d->e);
	free(d->labels);
}

static char *
run(const struct lq_entry *e, size_t n, const char *q, const struct lq_eval_params *p)
{
	struct lq_mem_source m;
	struct lq_source src;
	lq_mem_source_init(&src, &m, e, n);
	struct lq_result *r;
	struct lq_error err;
	int rc = lq_eval(q, p, &src, &r, &err);
	if (rc < 0)
		fail_msg("`%s`: %s", q, err.msg);
	char *js = lq_result_json(r);
	lq_result_free(r);
	return js;
}

static void
same_result(const char *ours, const char *sample, const char *q)
{
	json_error_t je;
	json_t *a = json_loads(ours, 0, &je);
	assert_non_null(a);
	json_t *b = load_sample(sample);
	json_t *ra = json_object_get(json_object_get(a, "data"), "result");
	json_t *rb = json_object_get(json_object_get(b, "data"), "result");
	const char *ta = json_string_value(json_object_get(json_object_get(a, "data"), "resultType"));
	const char *tb = json_string_value(json_object_get(json_object_get(b, "data"), "resultType"));
	if (strcmp(ta, tb) || !json_equal(ra, rb)) {
		char *sb = json_dumps(rb, JSON_COMPACT);
		fail_msg("`%s`:\n ours %s\n loki %s", q, ours, sb);
	}
	json_decref(a);
	json_decref(b);
}

static void
test_loki_samples(void **state)
{
	(void)state;
	struct dataset d;
	load_push(&d);
	/* the sample's range covered all lines: 1795627590..1795627610 s */
	struct lq_eval_params p = { .start_ns = 1795627590 * S, .end_ns = 1795627610 * S,
				    .limit = 100, .direction = LQ_BACKWARD };
	char *js = run(d.e, d.n, "{job=\"infrafabric\"}", &p);
	same_result(js, "query_range-streams.json", "streams");
	free(js);
	js = run(d.e, d.n, "{job=\"infrafabric\",level=\"ERROR\"} | json | context_duration_ms > 1000", &p);
	same_result(js, "query_range-streams-json-filter.json", "json filter");
	free(js);

	/* instant log queries cover [time - 30s, time) */
	struct lq_eval_params at = { .end_ns = 1795627635 * S, .instant = true, .limit = 100 };
	js = run(d.e, d.n, "{job=\"infrafabric\"}", &at);
	same_result(js, "query-streams.json", "instant log query");
	free(js);
	at.end_ns = 1795627605777054472LL;
	js = run(d.e, d.n, "{job=\"infrafabric\"}", &at);
	assert_null(strstr(js, "605777054472"));
	assert_non_null(strstr(js, "604777054472"));
	free(js);

	struct lq_eval_params inst = { .end_ns = 1795627611 * S, .instant = true };
	js = run(d.e, d.n, "sum by (level) (count_over_time({job=\"infrafabric\"}[5m]))", &inst);
	same_result(js, "query-vector.json", "vector");
	free(js);
	js = run(d.e, d.n, "avg_over_time({job=\"infrafabric\"} | json | unwrap context_duration_ms [5m]) by (component)", &inst);
	same_result(js, "query-vector-unwrap.json", "unwrap");
	free(js);

	struct lq_eval_params rng = { .start_ns = 1795627620 * S, .end_ns = 1795627620 * S,
				      .step_ns = 60 * S };
	js = run(d.e, d.n, "sum by (level) (count_over_time({job=\"infrafabric\"}[1m]))", &rng);
	same_result(js, "query_range-matrix.json", "matrix");
	free(js);
	free_push(&d);
}

/* ---- hand-made data ---- */

static const struct lq_label L_A[] = { { "app", "api" }, { "env", "prod" } };
static const struct lq_label L_B[] = { { "app", "web" }, { "env", "prod" } };
static const struct lq_label L_C[] = { { "app", "api" }, { "env", "dev" } };

#define E(ts, l, line) { (ts) * S, l, 2, line, sizeof(line) - 1, 0 }
static const struct lq_entry data[] = {
	E(10, L_A, "{\"level\":\"info\",\"lat\":10,\"msg\":\"ok\",\"req\":{\"path\":\"/a\"}}"),
	E(20, L_A, "{\"level\":\"error\",\"lat\":30,\"msg\":\"boom\",\"req\":{\"path\":\"/b\"}}"),
	E(30, L_A, "{\"level\":\"info\",\"lat\":20,\"msg\":\"ok\",\"req\":{\"path\":\"/a\"}}"),
	E(40, L_A, "not json at all"),
	E(15, L_B, "level=info lat=5 msg=\"hello world\" path=/x"),
	E(25, L_B, "level=error lat=50ms msg=fail path=/y"),
	E(35, L_B, "level=info lat=7 msg=ok path=/x"),
	E(60, L_C, "GET /api/users 200 12ms"),
	E(61, L_C, "POST /api/login 500 340ms"),
	E(62, L_C, "GET /api/users 404 3ms"),
	E(120, L_A, "{\"level\":\"warn\",\"lat\":40,\"msg\":\"slow\",\"app\":\"shadow\"}"),
};
#define N (sizeof(data) / sizeof(data[0]))

static const struct run_case {
	const char *q;
	int64_t start, end, step;   /* seconds; step 0 = instant at end */
	unsigned limit;
	int dir;
	const char *want;          /* data.result JSON, compact */
} cases[] = {
	/* log queries: selector, filters, direction, limit, end exclusive */
	{ "{app=\"api\", env=\"prod\"} |= \"ok\"", 0, 120, -1, 100, LQ_BACKWARD,
	  "[{\"stream\":{\"app\":\"api\",\"env\":\"prod\"},\"values\":[[\"30000000000\",\"{\\\"level\\\":\\\"info\\\",\\\"lat\\\":20,\\\"msg\\\":\\\"ok\\\",\\\"req\\\":{\\\"path\\\":\\\"/a\\\"}}\"],[\"10000000000\",\"{\\\"level\\\":\\\"info\\\",\\\"lat\\\":10,\\\"msg\\\":\\\"ok\\\",\\\"req\\\":{\\\"path\\\":\\\"/a\\\"}}\"]]}]" },
	{ "{env=\"prod\"} != \"json\" | line_format \"{{.app}}\"", 0, 100, -1, 3, LQ_FORWARD,
	  "[{\"stream\":{\"app\":\"api\",\"env\":\"prod\"},\"values\":[[\"10000000000\",\"api\"],[\"20000000000\",\"api\"]]},{\"stream\":{\"app\":\"web\",\"env\":\"prod\"},\"values\":[[\"15000000000\",\"web\"]]}]" },
	/* json: flattening, _extracted, __error__ */
	{ "{app=\"api\", env=\"prod\"} | json | line_format \"{{.req_path}} {{.app_extracted}}\"", 100, 121, -1, 100, LQ_BACKWARD,
	  "[{\"stream\":{\"app\":\"api\",\"app_extracted\":\"shadow\",\"env\":\"prod\",\"lat\":\"40\",\"level\":\"warn\",\"msg\":\"slow\"},\"values\":[[\"120000000000\",\" shadow\"]]}]" },
	{ "{app=\"api\", env=\"prod\"} | json | __error__!=\"\" | drop __error_details__", 0, 121, -1, 100, LQ_BACKWARD,
	  "[{\"stream\":{\"__error__\":\"JSONParserErr\",\"app\":\"api\",\"env\":\"prod\"},\"values\":[[\"40000000000\",\"not json at all\"]]}]" },
	{ "{app=\"api\", env=\"prod\"} | json lvl=\"level\", p=\"req.path\" | keep lvl, p | p=\"/b\"", 0, 100, -1, 100, LQ_BACKWARD,
	  "[{\"stream\":{\"lvl\":\"error\",\"p\":\"/b\"},\"values\":[[\"20000000000\",\"{\\\"level\\\":\\\"error\\\",\\\"lat\\\":30,\\\"msg\\\":\\\"boom\\\",\\\"req\\\":{\\\"path\\\":\\\"/b\\\"}}\"]]}]" },
	/* logfmt + duration filter on a bad number: LabelFilterErr keeps the line */
	{ "{app=\"web\"} | logfmt | lat > 6 | line_format \"{{.msg}}\"", 0, 100, -1, 100, LQ_FORWARD,
	  "[{\"stream\":{\"__error__\":\"LabelFilterErr\",\"__error_details__\":\"cannot convert label value\",\"app\":\"web\",\"env\":\"prod\",\"lat\":\"50ms\",\"level\":\"error\",\"msg\":\"fail\",\"path\":\"/y\"},\"values\":[[\"25000000000\",\"fail\"]]},{\"stream\":{\"app\":\"web\",\"env\":\"prod\",\"lat\":\"7\",\"level\":\"info\",\"msg\":\"ok\",\"path\":\"/x\"},\"values\":[[\"35000000000\",\"ok\"]]}]" },
	/* pattern + regexp + label_format */
	{ "{env=\"dev\"} | pattern \"<method> <path> <status> <_>\" | status >= 400 | label_format s=status | drop status", 0, 100, -1, 100, LQ_FORWARD,
	  "[{\"stream\":{\"app\":\"api\",\"env\":\"dev\",\"method\":\"GET\",\"path\":\"/api/users\",\"s\":\"404\"},\"values\":[[\"62000000000\",\"GET /api/users 404 3ms\"]]},{\"stream\":{\"app\":\"api\",\"env\":\"dev\",\"method\":\"POST\",\"path\":\"/api/login\",\"s\":\"500\"},\"values\":[[\"61000000000\",\"POST /api/login 500 340ms\"]]}]" },
	{ "{env=\"dev\"} | regexp \"(?P<d>\\\\d+)ms$\" | d > 10 | line_format \"{{ .d | printf }} {{ upper .app }}\"", 0, 100, -1, 100, LQ_BACKWARD,
	  "[{\"stream\":{\"app\":\"api\",\"d\":\"12\",\"env\":\"dev\"},\"values\":[[\"60000000000\",\"12 API\"]]},{\"stream\":{\"app\":\"api\",\"d\":\"340\",\"env\":\"dev\"},\"values\":[[\"61000000000\",\"340 API\"]]}]" },
	/* metric: windows are (t-range, t]: at t=30 with [10s] only ts 30 and 25 (not 20) */
	{ "count_over_time({env=\"prod\"}[10s])", 30, 30, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"prod\"},\"value\":[30,\"1\"]},{\"metric\":{\"app\":\"web\",\"env\":\"prod\"},\"value\":[30,\"1\"]}]" },
	{ "sum(rate({env=\"prod\"}[20s]))", 20, 40, 10, 0, 0,
	  "[{\"metric\":{},\"values\":[[20,\"0.15000000000000002\"],[30,\"0.2\"],[40,\"0.2\"]]}]" },
	{ "quantile_over_time(0.9, {app=\"api\", env=\"prod\"} | json | __error__=\"\" | unwrap lat [1m]) by (app)", 60, 60, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\"},\"value\":[60,\"28\"]}]" },
	{ "sum_over_time({app=\"api\",env=\"prod\"} | json | __error__=\"\" | unwrap lat [1m])", 60, 60, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"prod\",\"level\":\"error\",\"msg\":\"boom\",\"req_path\":\"/b\"},\"value\":[60,\"30\"]},{\"metric\":{\"app\":\"api\",\"env\":\"prod\",\"level\":\"info\",\"msg\":\"ok\",\"req_path\":\"/a\"},\"value\":[60,\"30\"]}]" },
	{ "avg_over_time({env=\"dev\"} | pattern \"<_> <_> <_> <d>\" | unwrap duration(d) [1m])", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\"},\"value\":[62,\"0.11833333333333335\"]}]" },
	{ "stddev_over_time({env=\"dev\"} | pattern \"<_> <_> <s> <_>\" | unwrap s [1m])", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\"},\"value\":[62,\"125.09196616889511\"]}]" },
	{ "max_over_time({env=\"dev\"} | pattern \"<_> <_> <s> <_>\" | unwrap s [1m]) by (env)", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"env\":\"dev\"},\"value\":[62,\"500\"]}]" },
	{ "bytes_over_time({env=\"dev\"}[1m])", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\"},\"value\":[62,\"70\"]}]" },
	{ "topk(1, sum by (app) (count_over_time({app=~\".+\"}[5m])))", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\"},\"value\":[62,\"7\"]}]" },
	{ "sort_desc(sum by (env) (count_over_time({app=~\".+\"}[5m])))", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"env\":\"prod\"},\"value\":[62,\"7\"]},{\"metric\":{\"env\":\"dev\"},\"value\":[62,\"3\"]}]" },
	{ "sum by (app, env) (count_over_time({app=~\".+\"}[5m])) / on (app) group_left sum by (app) (count_over_time({app=~\".+\"}[5m]))", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\"},\"value\":[62,\"0.42857142857142855\"]},{\"metric\":{\"app\":\"api\",\"env\":\"prod\"},\"value\":[62,\"0.5714285714285714\"]},{\"metric\":{\"app\":\"web\",\"env\":\"prod\"},\"value\":[62,\"1\"]}]" },
	{ "count_over_time({app=~\".+\"}[5m]) > bool 3", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\"},\"value\":[62,\"0\"]},{\"metric\":{\"app\":\"api\",\"env\":\"prod\"},\"value\":[62,\"1\"]},{\"metric\":{\"app\":\"web\",\"env\":\"prod\"},\"value\":[62,\"0\"]}]" },
	{ "count_over_time({app=~\".+\"}[5m]) > 3 or vector(0)", 62, 62, 0, 0, 0,
	  "[{\"metric\":{},\"value\":[62,\"0\"]},{\"metric\":{\"app\":\"api\",\"env\":\"prod\"},\"value\":[62,\"4\"]}]" },
	{ "label_replace(count_over_time({env=\"dev\"}[5m]), \"x\", \"$1-$2\", \"app\", \"(a)(p).*\")", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\",\"env\":\"dev\",\"x\":\"a-p\"},\"value\":[62,\"3\"]}]" },
	/* an outer avg must see one series per extracted label set (no early merge) */
	{ "avg by (app) (avg_over_time({env=\"prod\", app=\"api\"} | json | __error__=\"\" | unwrap lat [1m]))", 60, 60, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\"},\"value\":[60,\"22.5\"]}]" },
	{ "sum by (app) (count_over_time({env=\"prod\", app=\"api\"} | json | __error__=\"\" [1m]))", 60, 60, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"api\"},\"value\":[60,\"3\"]}]" },
	/* Go template control flow and comparison functions */
	{ "{app=\"web\"} | logfmt | line_format \"{{ if eq .level \\\"error\\\" }}E{{ else if gt .lat \\\"6\\\" }}W{{ else }}ok{{ end }}|{{ if and .path (hasPrefix \\\"/x\\\" .path) }}x{{ end }}\" | drop lat, level, msg, path", 0, 100, -1, 100, LQ_FORWARD,
	  "[{\"stream\":{\"app\":\"web\",\"env\":\"prod\"},\"values\":[[\"15000000000\",\"ok|x\"],[\"25000000000\",\"E|\"],[\"35000000000\",\"W|x\"]]}]" },
	{ "{app=\"web\"} |= \"fail\" | logfmt | line_format \"{{ range .x }}{{ end }}\" | keep __error__", 0, 100, -1, 100, LQ_FORWARD,
	  "[{\"stream\":{\"__error__\":\"TemplateFormatErr\"},\"values\":[[\"25000000000\",\"level=error lat=50ms msg=fail path=/y\"]]}]" },
	{ "{app=\"web\"} |= \"fail\" | line_format \"{{- if .app -}} [{{ .app }}] {{- end }}\"", 0, 100, -1, 100, LQ_FORWARD,
	  "[{\"stream\":{\"app\":\"web\",\"env\":\"prod\"},\"values\":[[\"25000000000\",\"[web]\"]]}]" },
	{ "2 * 3 + 1", 62, 62, 0, 0, 0, "[62,\"7\"]" },
	{ "absent_over_time({app=\"nope\", env=\"x\"}[1m])", 62, 62, 0, 0, 0,
	  "[{\"metric\":{\"app\":\"nope\",\"env\":\"x\"},\"value\":[62,\"1\"]}]" },
	{ "sum(count_over_time({env=\"prod\"}[30s] offset 30s))", 60, 60, 0, 0, 0,
	  "[{\"metric\":{},\"value\":[60,\"5\"]}]" },
};

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct run_case *c = &cases[i];
		struct lq_eval_params p = { .start_ns = c->start * S, .end_ns = c->end * S,
					    .step_ns = c->step > 0 ? c->step * S : 0,
					    .instant = c->step == 0, .limit = c->limit,
					    .direction = c->dir };
		char *js = run(data, N, c->q, &p);
		json_error_t je;
		json_t *a = json_loads(js, 0, &je);
		json_t *res = json_object_get(json_object_get(a, "data"), "result");
		char *got = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
		if (strcmp(got, c->want))
			fail_msg("case %zu `%s`:\n got  %s\n want %s", i, c->q, got, c->want);
		free(got);
		json_decref(a);
		free(js);
	}
}

/* Lines and results measured on Loki 2.8.0 (see test_lq_diff probes). */
static const struct lq_label L_P[] = { { "job", "p" }, { "run", "r" } };
static const struct lq_entry probe[] = {
	E(10, L_P, "not json at all"),
	E(20, L_P, "{\"a\":1,\"b\":{\"c\":\"x\"},\"n\":null,\"arr\":[1,2],\"level\":\"info\"}"),
	E(30, L_P, "\x1b[31mred\x1b[0m text 10.1.2.3 level=warn msg=\"hi there\" k"),
	E(40, L_P, "{\"_entry\":\"inner line\",\"k\":\"v\",\"num\":5}"),
	E(50, L_P, "{\"a\":\"2\",\"weird key\":\"w\",\"1st\":\"f\",\"dup\":1,\"dup\":2}"),
};

static const struct { const char *q, *want; } loki28[] = {
	{ "{job=\"p\"} | json | __error__!=\"\" | line_format \"x\"",
	  "[{\"stream\":{\"__error__\":\"JSONParserErr\",\"__error_details__\":\"Value looks like object, but can't find closing '}' symbol\",\"job\":\"p\",\"run\":\"r\"},\"values\":[[\"30000000000\",\"x\"],[\"10000000000\",\"x\"]]}]" },
	{ "{job=\"p\"} | json | __error__=\"\" | line_format \"{{.b_c}}{{._1st}}{{.weird_key}}{{.dup}}{{.n}}{{.arr}}\"",
	  "[{\"stream\":{\"_1st\":\"f\",\"a\":\"2\",\"dup\":\"2\",\"job\":\"p\",\"run\":\"r\",\"weird_key\":\"w\"},\"values\":[[\"50000000000\",\"fw2\"]]},{\"stream\":{\"_entry\":\"inner line\",\"job\":\"p\",\"k\":\"v\",\"num\":\"5\",\"run\":\"r\"},\"values\":[[\"40000000000\",\"\"]]},{\"stream\":{\"a\":\"1\",\"b_c\":\"x\",\"job\":\"p\",\"level\":\"info\",\"run\":\"r\"},\"values\":[[\"20000000000\",\"x\"]]}]" },
	{ "{job=\"p\"} |= \"red\" | logfmt",
	  "[{\"stream\":{\"_0m\":\"\",\"_10_1_2_3\":\"\",\"_31mred\":\"\",\"job\":\"p\",\"k\":\"\",\"level\":\"warn\",\"msg\":\"hi there\",\"run\":\"r\",\"text\":\"\"},\"values\":[[\"30000000000\",\"\\u001B[31mred\\u001B[0m text 10.1.2.3 level=warn msg=\\\"hi there\\\" k\"]]}]" },
	{ "{job=\"p\"} |= \"weird\" | logfmt",
	  "[{\"stream\":{\"__error__\":\"LogfmtParserErr\",\"__error_details__\":\"logfmt syntax error at pos 2 : unexpected '\\\"'\",\"job\":\"p\",\"run\":\"r\"},\"values\":[[\"50000000000\",\"{\\\"a\\\":\\\"2\\\",\\\"weird key\\\":\\\"w\\\",\\\"1st\\\":\\\"f\\\",\\\"dup\\\":1,\\\"dup\\\":2}\"]]}]" },
	{ "{job=\"p\"} | unpack | __error__=\"\"",
	  "[{\"stream\":{\"job\":\"p\",\"k\":\"v\",\"run\":\"r\"},\"values\":[[\"40000000000\",\"inner line\"]]},{\"stream\":{\"job\":\"p\",\"run\":\"r\"},\"values\":[[\"50000000000\",\"{\\\"a\\\":\\\"2\\\",\\\"weird key\\\":\\\"w\\\",\\\"1st\\\":\\\"f\\\",\\\"dup\\\":1,\\\"dup\\\":2}\"],[\"20000000000\",\"{\\\"a\\\":1,\\\"b\\\":{\\\"c\\\":\\\"x\\\"},\\\"n\\\":null,\\\"arr\\\":[1,2],\\\"level\\\":\\\"info\\\"}\"]]}]" },
	{ "{job=\"p\"} | decolorize |= \"red text\" | line_format \"{{__timestamp__}} {{ .job | ToUpper }} {{ default \\\"d\\\" .nope }}\"",
	  "[{\"stream\":{\"job\":\"p\",\"run\":\"r\"},\"values\":[[\"30000000000\",\"1970-01-01 00:00:30 +0000 UTC P d\"]]}]" },
};

static void
test_loki28_parsers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(loki28) / sizeof(loki28[0]); i++) {
		struct lq_eval_params p = { .start_ns = 0, .end_ns = 100 * S, .limit = 100 };
		char *js = run(probe, sizeof(probe) / sizeof(probe[0]), loki28[i].q, &p);
		json_error_t je;
		json_t *a = json_loads(js, 0, &je);
		char *got = json_dumps(json_object_get(json_object_get(a, "data"), "result"),
				       JSON_COMPACT);
		if (strcmp(got, loki28[i].want))
			fail_msg("case %zu `%s`:\n got  %s\n want %s", i, loki28[i].q, got, loki28[i].want);
		free(got);
		json_decref(a);
		free(js);
	}
}

static void
test_step_align(void **state)
{
	(void)state;
	const char *q = "sum(count_over_time({env=\"prod\"}[1m]))";
	struct lq_eval_params p = { .start_ns = 20 * S, .end_ns = 100 * S, .step_ns = 37 * S };
	char *js = run(data, N, q, &p);
	assert_non_null(strstr(js, "\"values\":[[20,\"3\"],[57,\"7\"],[94,\"2\"]]"));
	free(js);
	p.step_align = true;   /* Loki: start down to 0, end up to 111 */
	js = run(data, N, q, &p);
	assert_non_null(strstr(js, "\"values\":[[37,\"6\"],[74,\"6\"]]"));
	free(js);
}

static void
test_errors(void **state)
{
	(void)state;
	struct lq_mem_source m;
	struct lq_source src;
	struct lq_result *r;
	struct lq_error err;
	struct lq_eval_params p = { .end_ns = 62 * S, .instant = true };
	lq_mem_source_init(&src, &m, data, N);
	/* a metric query over lines with parse errors fails like Loki */
	assert_true(lq_eval("count_over_time({app=\"api\",env=\"prod\"} | json [5m])", &p, &src, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "pipeline error"));
	assert_null(r);
	assert_true(lq_eval("sum by (app) (count_over_time({app=~\".+\"}[5m])) / on (app) group_left sum by (app, env) (count_over_time({app=~\".+\"}[5m]))", &p, &src, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "many-to-many"));
	assert_true(lq_eval("sum by (app, env) (count_over_time({app=~\".+\"}[5m])) / sum by (app) (count_over_time({app=~\".+\"}[5m]))", &p, &src, &r, &err) == 0);
	assert_int_equal(r->nseries, 0);
	lq_result_free(r);
	/* fuzz regression: a log query with no result (empty sort) */
	struct lq_eval_params lp = { .start_ns = 0, .end_ns = 100 * S, .limit = 10 };
	assert_int_equal(lq_eval("{app=\"#\"}", &lp, &src, &r, &err), 0);
	assert_int_equal(r->nstreams, 0);
	lq_result_free(r);
	assert_true(lq_eval("rate({a=\"b\"}[5m]", &p, &src, &r, &err) < 0);
	assert_int_equal(err.col, 17);
	assert_true(lq_eval("{app=\"api\"} |~ \"(\"", &p, &src, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "regexp"));
}

/* The json stage refuses the same strings whether it extracts a key or
 * (parser hints naming other labels) only validates it. */
static void
test_json_validation(void **state)
{
	(void)state;
	static const struct { const char *v; bool ok; } vals[] = {
		{ "\"plain\"", true }, { "\"tab\\tnl\\n\\u00e9\\/\"", true },
		{ "\"\\ud83d\\ude00 pair\"", true }, { "\"\\ud800\\u0041 lone\"", true },
		{ "\"bad \\q escape\"", false }, { "\"short \\u12\"", false },
		{ "\"nonhex \\u12g4\"", false }, { "\"raw \t tab\"", false },
		{ "\"lone \\ud800\\uzz00\"", false }, { "\"0123456789abcdef0123456789\"", true },
		{ "\"0123456789abcdef\\x\"", false }, { "12.5e3", true }, { "1.", false },
		{ "{\"x\":\"\\q\"}", false }, { "{\"x\":[1,{\"y\":\"ok\"}]}", true },
		{ "[\"\\u00\"]", false },
	};
	static const char *need_a[] = { "a" }, *need_b[] = { "b" }, *need_b_x[] = { "b_x" };
	static const struct { const char **need; size_t n; } hints[] = {
		{ NULL, 0 }, { need_a, 1 }, { need_b, 1 }, { need_b_x, 1 },
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line), "{\"a\":1,\"b\":%s,\"c\":\"z\"}", vals[i].v);
		for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
			struct arena a;
			arena_init(&a, 4096);
			struct lq__lb lb = { 0 };
			static const struct lq_label none[1];
			lq__lb_reset(&lb, &a, none, 0);
			lb.need = hints[h].need;
			lb.nneed = hints[h].n;
			bool ok = lq__json_flatten(&a, line, strlen(line), &lb);
			if (ok != vals[i].ok)
				fail_msg("%s with hints %zu: %d", line, h, ok);
			if (ok && h == 1)
				assert_int_equal(lb.n, 1);   /* only a */
			free(lb.v);
			arena_free(&a);
		}
	}
	/* Nesting limits are the same whether a subtree is read or skipped. */
	static const char *inner[] = { "1", "{}", "\"s\"", "[1]", "true" };
	for (int depth = 197; depth <= 202; depth++)
		for (size_t in = 0; in < sizeof(inner) / sizeof(inner[0]); in++) {
			char line[4096] = "";
			for (int d = 0; d < depth; d++)
				strcat(line, "{\"k\":");
			strcat(line, inner[in]);
			for (int d = 0; d < depth; d++)
				strcat(line, "}");
			bool ok[4];
			for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
				struct arena a;
				arena_init(&a, 4096);
				struct lq__lb lb = { 0 };
				static const struct lq_label none[1];
				lq__lb_reset(&lb, &a, none, 0);
				lb.need = hints[h].need;
				lb.nneed = hints[h].n;
				ok[h] = lq__json_flatten(&a, line, strlen(line), &lb);
				free(lb.v);
				arena_free(&a);
			}
			if (ok[1] != ok[0] || ok[2] != ok[0] || ok[3] != ok[0])
				fail_msg("depth %d inner %s: %d %d %d %d", depth, inner[in], ok[0], ok[1], ok[2], ok[3]);
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loki_samples),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_loki28_parsers),
		cmocka_unit_test(test_step_align),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_json_validation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

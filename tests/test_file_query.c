/*
 * tests/test_file_query.c: `iftop-logs query` over files (sources/
 * file_query.c) gives the same answers on its fast paths as on the
 * general one.  When the query reads only some stream labels, the
 * evaluator asks the source for just those (the file source then scans
 * only their fields and stops early, core/scan.c scan_line_want) and
 * merges series early; LQ_NO_WANT=1 turns that off, LQ_NO_HINTS=1 also
 * the parser hints.  Every query here runs all three ways over
 * demo-generated seed lines plus awkward ones (duplicate keys, broken
 * JSON after the fields, escaped keys, plain text) and must give the same
 * JSON, or the same error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scan.h"
#include "logql/lq_eval.h"
#include "sources/demo.h"
#include "sources/file_query.h"

#define S 1000000000LL
#define T0 1764460800LL   /* 2025-11-30T00:00:00Z */

static char dir[64];
static char glob_all[128];
static int64_t last_ns;

static void
emit(void *ud, const char *agent, int64_t ts, const char *line, size_t len)
{
	(void)agent;
	fwrite(line, 1, len, ud);
	if (len && line[len - 1] != '\n')
		fputc('\n', ud);
	if (ts > last_ns)
		last_ns = ts;
}

/* Lines the demo does not make; every one inside the demo's time span. */
static const char *const odd[] = {
	"{\"timestamp\":\"2025-11-30T00:01:00Z\",\"level\":\"nope\",\"level\":\"ERROR\",\"agent_id\":\"A1-dup\",\"agent_id\":\"A2-dup\",\"component\":\"c1\",\"component\":\"redis_bus\"}",
	"{\"timestamp\":\"2025-11-30T00:01:01Z\",\"level\":\"WARN\",\"agent_id\":\"A3-broken\",\"component\":\"redis_bus\",\"hostname\":\"h1\",\"service\":\"infrafabric\",\"correlation_id\":\"req-1\",\"context\":{\"duration_ms\":150}, broken",
	"{\"timestamp\":\"2025-11-30T00:01:02Z\",\"agent_id\":{\"n\":1},\"level\":\"INFO\",\"agent_id\":\"A4-late\",\"service\":\"infrafabric\"}",
	"{\"level\":\"ERROR\",\"timestamp\":\"2025-11-30T00:01:03Z\",\"agent_id\":\"A5-text\",\"message\":\"has \\\"agent_id\\\":\\\"A9\\\" inside\",\"component\":\"redis_bus\"}",
	"{\"timestamp\":\"2025-11-30T00:01:04Z\",\"level\":\"ERROR\",\"agent\\u005fid\":\"A6-esc\",\"component\":\"redis_bus\",\"context\":{\"duration_ms\":\"101\"}}",
	"{\"timestamp\":\"2025-11-30T00:01:05Z\",\"level\":\"ERROR\",\"agent_id\":\"\",\"component\":\"x\",\"service\":\"infrafabric\"}",
	"2025-11-30T00:01:06Z ERROR plain text line agent_id=A1 redis",
	"{\"timestamp\":\"2025-11-30T00:01:07Z\",\"level\":\"ERROR\",\"agent_id\":\"A7-nested\",\"context\":{\"agent_id\":\"inner\",\"duration_ms\":300},\"agent_id\":\"A7-outer\"}",
	"{\"timestamp\":\"2025-11-30T00:01:08Z\",\"level\":\"ERROR\",\"agent_id\":\"A8-unterminated",
	"{\"timestamp\":\"2025-11-30T00:01:09Z\",\"level\":\"WARNING\",\"agent_id\":\"A9-keys\",\"component\":\"redis_bus\",\"1st\":\"d\",\"weird key\":\"w\",\"context\":{\"duration_ms\":120,\"deep\":{\"x\":\"\\u00e9\"}},\"service\":\"infrafabric\"}",
	"{\"timestamp\":\"2025-11-30T00:01:10Z\",\"level\":\"ERROR\",\"agent_id\":\"A10-badesc\",\"component\":\"redis_bus\",\"message\":\"bad \\q escape\",\"context\":{\"duration_ms\":500}}",
	"{\"timestamp\":\"2025-11-30T00:01:11Z\",\"level\":\"WARN\",\"agent_id\":\"A11-leaky\",\"component\":\"auth\",\"password\":\"hunter2\",\"context\":{\"token\":\"tok-9876543210\",\"duration_ms\":7},\"headers\":{\"Authorization\":\"Bearer eyJsecretsecret\"}}",
	"2025-11-30T00:01:12Z WARN A12-leaky connect postgres://app:s3cr3tpw@db:5432/x password=hunter2",
	"{\"timestamp\":\"2025-11-30T00:01:13Z\",\"level\":\"ERROR\",\"agent_id\":\"Bearer eyJsecretsecret\",\"component\":\"auth\",\"message\":\"token=tok-9876543210\"}",
};

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_file_query.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/a.log", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	struct demo_gen *g = demo_gen_new(7, 400, T0 * S);
	demo_gen_run(g, (T0 + 20) * S, emit, f);
	demo_gen_free(g);
	for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]) / 2; i++)
		fprintf(f, "%s\n", odd[i]);
	fclose(f);
	snprintf(path, sizeof(path), "%s/b.log", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	g = demo_gen_new(8, 100, (T0 + 20) * S);
	demo_gen_run(g, (T0 + 40) * S, emit, f);
	demo_gen_free(g);
	for (size_t i = sizeof(odd) / sizeof(odd[0]) / 2; i < sizeof(odd) / sizeof(odd[0]); i++)
		fprintf(f, "%s\n", odd[i]);
	fclose(f);
	snprintf(glob_all, sizeof(glob_all), "%s/*.log", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/a.log", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/b.log", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* The query's result as JSON, or "error: MSG"; with `off` set in the
 * environment (LQ_NO_WANT or LQ_NO_HINTS) when not NULL. */
static char *
run(const char *q, int64_t step_ns, const char *off)
{
	if (off)
		setenv(off, "1", 1);
	const char *globs[] = { glob_all };
	int64_t end = (last_ns / S + 60) * S;
	struct lq_eval_params p = { .end_ns = end, .instant = step_ns == 0, .limit = 50 };
	if (step_ns) {
		p.start_ns = end - 90 * S;
		p.step_ns = step_ns;
	}
	struct lq_result *r = NULL;
	struct lq_error err;
	int rc = file_query(globs, 1, q, &p, &r, &err);
	if (off)
		unsetenv(off);
	if (rc < 0) {
		char *m = malloc(strlen(err.msg) + 8);
		sprintf(m, "error: %s", err.msg);
		return m;
	}
	char *js = lq_result_json(r);
	lq_result_free(r);
	return js;
}

static void
test_fast_paths_same(void **state)
{
	(void)state;
	static const struct { const char *q; int64_t step; bool error; } qs[] = {
		{ "sum(count_over_time({level=\"ERROR\"}[1h]))", 0, false },
		{ "sum by (agent_id) (count_over_time({agent_id=~\".+\"}[1h]))", 0, false },
		{ "sum by (level, component) (count_over_time({service=\"infrafabric\"}[1h]))", 0, false },
		{ "sum by (hostname) (bytes_over_time({level=~\"WARN|ERROR\"} |= \"a\" [1h]))", 0, false },
		{ "sum by (agent_id) (rate({agent_id=~\"A1.*\"}[1h]))", 0, false },
		{ "quantile_over_time(0.99, {agent_id=~\".+\"} | json | unwrap context_duration_ms | __error__=\"\" [1h]) by (agent_id)", 0, false },
		{ "avg_over_time({component=~\".+\"} | json | unwrap context_duration_ms | __error__=\"\" [1h]) by (hostname, component)", 0, false },
		{ "sum(count_over_time({component=\"redis_bus\"} | json | context_duration_ms > 100 [1h]))", 0, true },
		{ "sum(count_over_time({component=\"redis_bus\"} | json | __error__=\"\" | context_duration_ms > 100 [1h]))", 0, false },
		{ "sum by (correlation_id) (count_over_time({level=\"ERROR\"}[1h]))", 0, false },
		{ "count_over_time({component=\"redis_bus\", level=\"ERROR\"}[1h])", 0, false },
		{ "sum by (level) (count_over_time({service=\"infrafabric\", level!=\"INFO\"} | json | level_extracted=~\"E.*\" [1h]))", 0, false },
		{ "sum by (agent_id_extracted, agent_id) (count_over_time({level=~\".+\"} | json | agent_id_extracted=~\"A.*\" [1h]))", 0, true },
		{ "sum by (agent_id_extracted, agent_id) (count_over_time({level=~\".+\"} | json | __error__=\"\" | agent_id_extracted=~\"A.*\" [1h]))", 0, false },
		{ "sum by (component) (count_over_time({component=~\".+\"} | json | __error__=\"\" | hostname_extracted=~\"agent-node-0[12]\" [1h]))", 0, false },
		{ "sum by (filename) (count_over_time({filename=~\".+\"}[1h]))", 0, false },
		{ "max_over_time({agent_id=~\".+\"} | json | unwrap performance_cpu_ms [1h]) by (agent_id)", 0, true },
		{ "sum by (context_deep_x) (count_over_time({level=~\"ERROR|WARN\"} | json | __error__=\"\" [1h]))", 0, false },
		{ "topk(3, sum by (component) (count_over_time({level=\"ERROR\"}[1h])))", 0, false },
		{ "sum by (level) (count_over_time({level=~\".+\"}[30s]))", 30 * S, false },
		{ "sum by (service) (count_over_time({service=~\".*\", level=\"ERROR\"} != \"redis\" [1h]))", 0, false },
		{ "{level=\"ERROR\"} |= \"redis\"", 0, false },
	};
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char *fast = run(qs[i].q, qs[i].step, NULL);
		char *slow = run(qs[i].q, qs[i].step, "LQ_NO_WANT");
		/* Without parser hints either: the same values (an error names
		 * the labels the parser extracted, so hints change it). */
		char *general = run(qs[i].q, qs[i].step, "LQ_NO_HINTS");
		bool err = !strncmp(fast, "error: ", 7);
		if (strcmp(fast, slow) || (!err && strcmp(fast, general)))
			fail_msg("`%s`:\n fast    %.600s\n no want %.600s\n general %.600s", qs[i].q,
				 fast, slow, general);
		if (err != qs[i].error || (!err && strstr(fast, "\"result\":[]")))
			fail_msg("`%s`: unexpected %.300s", qs[i].q, fast);
		free(fast);
		free(slow);
		free(general);
	}
}

/* Nothing a query prints shows a secret from the files: not lines, not
 * labels (stream labels, parsed, renamed, captured), not errors. */
static void
test_secrets_masked(void **state)
{
	(void)state;
	static const char *const qs[] = {
		"{component=\"auth\"}",
		"{level=~\"WARN|ERROR\"} |= \"hunter2\"",
		"{component=\"auth\"} | json",
		"{component=\"auth\"} | json | line_format \"{{.password}} {{.context_token}} {{.headers_Authorization}}\"",
		"{component=\"auth\"} | json | label_format pw=password, t=context_token, line=\"{{__line__}}\"",
		"{level=~\".+\"} | regexp \"(?P<pw>hunter\\\\d)|(?P<url>app:[^@]*)\" | pw!=\"\" or url!=\"\"",
		"{level=~\".+\"} | pattern \"<_> password=<pw>\" | pw!=\"\"",
		"{level=~\".+\"} | logfmt | password!=\"\"",
		"sum by (password, context_token, headers_Authorization) (count_over_time({component=\"auth\"} | json [1h]))",
		"sum by (pw) (count_over_time({component=\"auth\"} | json | label_format pw=password [1h]))",
		"sum by (agent_id) (count_over_time({component=\"auth\"}[1h]))",
		"max_over_time({component=\"auth\"} | json | unwrap password [1h])",
		"label_replace(sum by (password) (count_over_time({component=\"auth\"} | json [1h])), \"x\", \"$1\", \"password\", \"(.*)\")",
	};
	static const char *const secrets[] = { "hunter2", "tok-9876543210", "eyJsecretsecret", "s3cr3tpw" };
	size_t shown = 0;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char *out = run(qs[i], 0, NULL);
		bool log = qs[i][0] == '{';
		if (log) {
			/* log queries: the last 30 s before `end` hold nothing; ask for everything */
			free(out);
			const char *globs[] = { glob_all };
			struct lq_eval_params p = { .start_ns = T0 * S, .end_ns = (last_ns / S + 60) * S,
						    .limit = 1000 };
			struct lq_result *r = NULL;
			struct lq_error err;
			int rc = file_query(globs, 1, qs[i], &p, &r, &err);
			out = rc < 0 ? strdup(err.msg) : lq_result_json(r);
			lq_result_free(r);
		}
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			if (strstr(out, secrets[k]))
				fail_msg("`%s` shows %s:\n%.2000s", qs[i], secrets[k], out);
		if (strstr(out, "****"))
			shown++;
		free(out);
	}
	assert_true(shown >= 10);   /* the secrets were there, masked */
}

/* scan_line_want() agrees with scan_line() on the fields asked for. */
static void
test_scan_want_same(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t cap = 0;
	char path[128];
	size_t lines = 0, stopped = 0;
	for (int fi = 0; fi < 2; fi++) {
		snprintf(path, sizeof(path), "%s/%s.log", dir, fi ? "b" : "a");
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		ssize_t n;
		while ((n = getline(&buf, &cap, f)) > 0) {
			if (buf[n - 1] == '\n')
				n--;
			struct scan_result all;
			scan_line(buf, (size_t)n, &all);
			lines++;
			for (unsigned want = 0; want < 64; want++) {
				struct scan_result r;
				scan_line_want(buf, (size_t)n, want, &r);
				bool ok = r.ts_ns == all.ts_ns && (r.flags & SCAN_F_TS) == (all.flags & SCAN_F_TS);
				if ((want & SCAN_W_LEVEL) && r.level != all.level)
					ok = false;
				const struct { unsigned w; struct span a, b; } sp[] = {
					{ SCAN_W_AGENT, r.agent, all.agent },
					{ SCAN_W_COMPONENT, r.component, all.component },
					{ SCAN_W_CORR, r.corr, all.corr },
					{ SCAN_W_HOST, r.hostname, all.hostname },
					{ SCAN_W_SERVICE, r.service, all.service },
				};
				for (size_t k = 0; k < sizeof(sp) / sizeof(sp[0]); k++)
					if ((want & sp[k].w) &&
					    (sp[k].a.off != sp[k].b.off || sp[k].a.len != sp[k].b.len))
						ok = false;
				if (!ok)
					fail_msg("want %#x differs on: %.*s", want, (int)n, buf);
				/* the fast path is taken: level only stops before the message */
				if (want == SCAN_W_LEVEL && all.message.len && !r.message.len)
					stopped++;
			}
		}
		fclose(f);
	}
	free(buf);
	assert_true(lines > 1000);
	assert_true(stopped > lines * 9 / 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_paths_same),
		cmocka_unit_test(test_scan_want_same),
		cmocka_unit_test(test_secrets_masked),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

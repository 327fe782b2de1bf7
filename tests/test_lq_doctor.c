/* tests/test_lq_doctor.c: the query doctor on every seed query
 * (SEED-QUERIES.md), common SQL/PromQL/Splunk/grep habits, cost advice,
 * and `logql check` output and exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/sbuf.h"
#include "logql/lq.h"

struct dcase {
	const char *q;
	int valid;
	const char *fix;        /* exact proposed fix, NULL for none */
	const char *says[3];    /* phrases the explanation must contain */
};

/* Rows 1-10 of SEED-QUERIES.md, fixes exactly as given there. */
static const struct dcase seed[] = {
	{ "{correlation_id=\"req-abc123\"}", 1, NULL,
	  { "per-request id", "{service=\"infrafabric\"} | json | correlation_id=\"req-abc123\"" } },
	{ "{correlation_id=\"req-def456\"}", 1, NULL, { "cardinality" } },
	{ "{level=\"ERROR\"}", 1, NULL, { NULL } },
	{ "{component=\"redis_bus\"} | json | stats avg(duration_ms) by agent_id", 0,
	  "avg by (agent_id) (avg_over_time({component=\"redis_bus\"} | json | unwrap context_duration_ms | __error__=\"\" [5m]))",
	  { "`stats` is not a LogQL pipeline stage", "context_duration_ms" } },
	{ "{component=\"redis_bus\"} | json duration_ms > 100", 0,
	  "{component=\"redis_bus\"} | json | context_duration_ms > 100",
	  { "A `|` is missing", "flattens" } },
	{ "rate({level=\"ERROR\"}[5m])", 1, NULL,
	  { "sum(rate({level=\"ERROR\"}[5m]))" } },
	{ "{tags=\"task-processing\"} | json | stats count by agent_id", 0,
	  "sum by (agent_id) (count_over_time({tags=\"task-processing\"} | json [5m]))",
	  { "`stats` is not", "sum by (agent_id) (count_over_time({service=\"infrafabric\"} |= \"task-processing\" | json [5m]))",
	    "JSON array" } },
	{ "{swarm_id!=\"\", level=\"ERROR\"} | json | pattern `*swarm*`", 0,
	  "{swarm_id!=\"\", level=\"ERROR\"} |= \"swarm\" | json",
	  { "named captures", "not a wildcard" } },
	{ "count(count_over_time({agent_id!=\"\"}[1h]) by (agent_id))", 0,
	  "count(sum by (agent_id) (count_over_time({agent_id!=\"\"}[1h])))",
	  { "does not accept by/without" } },
	{ "rate({tags=\"task-processed\"}[1m])", 1, NULL,
	  { "JSON array", "rate({service=\"infrafabric\"} |= \"task-processed\" [1m])" } },
	{ "{level=\"ERROR\", severity=\"high\"}", 1, NULL,
	  { "stream label", "{level=\"ERROR\"} | json | severity=\"high\"" } },
	{ "{agent_id!=\"\"}", 1, NULL, { "no equality matcher" } },
};

static const struct dcase habits[] = {
	/* grep */
	{ "grep -i error", 0, "{service=\"infrafabric\"} |~ \"(?i)error\"", { "grep" } },
	{ "grep -v debug", 0, "{service=\"infrafabric\"} != \"debug\"", { "grep" } },
	{ "\"timeout\"", 0, "{service=\"infrafabric\"} |= \"timeout\"", { NULL } },
	{ "{app=\"x\"} | grep foo", 0, "{app=\"x\"} |= \"foo\"", { "line filter" } },
	{ "{app=\"x\"} \"error\"", 0, "{app=\"x\"} |= \"error\"", { "operator" } },
	/* SQL */
	{ "SELECT * FROM logs WHERE level = 'ERROR' AND component = 'redis_bus'", 0,
	  "{level=\"ERROR\", component=\"redis_bus\"}", { "This is SQL" } },
	{ "SELECT * FROM logs WHERE message LIKE '%timeout%'", 0,
	  "{service=\"infrafabric\"} |= \"timeout\"", { "SQL" } },
	{ "{level='ERROR'}", 0, "{level=\"ERROR\"}", { "Single quotes" } },
	{ "{level==\"ERROR\"}", 0, "{level=\"ERROR\"}", { "selector" } },
	{ "{level=\"ERROR\" AND component=\"x\"}", 0, "{level=\"ERROR\", component=\"x\"}", { NULL } },
	{ "{level=\"ERROR\" component=\"x\"}", 0, "{level=\"ERROR\", component=\"x\"}", { NULL } },
	{ "{job=\"x\"} | json | level == \"error\"", 0, "{job=\"x\"} | json | level = \"error\"", { "`=`" } },
	{ "{job=\"x\"} | json | where status >= 500", 0, "{job=\"x\"} | json | status >= 500", { "where" } },
	{ "{job=\"x\"} | json | status_code > \"500\"", 0, "{job=\"x\"} | json | status_code > 500", { "quoted" } },
	/* Splunk / Lucene */
	{ "level=ERROR component=redis_bus timeout", 0,
	  "{level=\"ERROR\", component=\"redis_bus\"} |= \"timeout\"", { "stream selector" } },
	{ "level:ERROR AND component:redis_bus", 0, "{level=\"ERROR\", component=\"redis_bus\"}", { NULL } },
	{ "{job=\"x\"} | json | head 10", 0, "{job=\"x\"} | json", { "limit" } },
	{ "{job=\"x\"} | json | stats count", 0, "sum(count_over_time({job=\"x\"} | json [5m]))", { NULL } },
	{ "{job=\"x\"} | logfmt | stats max(latency) by host", 0,
	  "max by (host) (max_over_time({job=\"x\"} | logfmt | unwrap latency | __error__=\"\" [5m]))", { NULL } },
	/* PromQL */
	{ "increase({job=\"x\"}[5m])", 0, "count_over_time({job=\"x\"}[5m])", { "increase" } },
	{ "irate({job=\"x\"}[5m])", 0, "rate({job=\"x\"}[5m])", { NULL } },
	{ "histogram_quantile(0.99, sum by (le) (rate({job=\"x\"}[5m])))", 0, NULL, { "quantile_over_time" } },
	{ "{job=\"x\"}[5m]", 0, "count_over_time({job=\"x\"}[5m])", { "range function" } },
	{ "rate({job=\"x\"} |= \"error\")", 0, "rate({job=\"x\"} |= \"error\" [5m])", { "[5m]" } },
	{ "sum({job=\"x\"})", 0, "sum(count_over_time({job=\"x\"} [5m]))", { "Vector aggregations" } },
	{ "sum({job=\"x\"} | unwrap latency [5m])", 0, "sum(sum_over_time({job=\"x\"} | unwrap latency [5m]))", { NULL } },
	{ "rate({job=\"x\"}[5m]) by (host)", 0, "sum by (host) (rate({job=\"x\"}[5m]))", { NULL } },
	{ "rate({job=\"x\"}[10m:1m])", 0, "rate({job=\"x\"}[10m])", { "subqueries" } },
	{ "sum(rate({job=\"x\"}[5m])) or 1", 0, "sum(rate({job=\"x\"}[5m])) or vector(1)", { "vector(n)" } },
	{ "sum_over_time({job=\"x\"}[5m])", 0, NULL, { "unwrap" } },
	/* typos */
	{ "rate({job=\"x\"}[5 m])", 0, "rate({job=\"x\"}[5m])", { NULL } },
	{ "rate({job=\"x\"}[1.5m])", 0, "rate({job=\"x\"}[1m30s])", { NULL } },
	{ "rate({job=\"x\"}[5min])", 0, "rate({job=\"x\"}[5m])", { NULL } },
	{ "{job=\"x\"} | logfmt | latency > 250 ms", 0, "{job=\"x\"} | logfmt | latency > 250ms", { "touch" } },
	{ "{foo.bar=\"x\"}", 0, "{foo_bar=\"x\"}", { NULL } },
	{ "{\"foo\"=\"bar\"}", 0, "{foo=\"bar\"}", { NULL } },
	{ "{app=~\".*\"}", 0, "{app=~\".+\"}", { "empty value" } },
	{ "{app!=\"x\"}", 0, "{app=~\".+\", app!=\"x\"}", { NULL } },
	{ "{}", 0, NULL, { "empty value" } },
	{ "{job=\"x\"} |= \"a\" |", 0, "{job=\"x\"} |= \"a\"", { NULL } },
	{ "sum(rate({job=\"x\"}[5m]", 0, "sum(rate({job=\"x\"}[5m]))", { NULL } },
	{ "{job=\"x\"} | json --strict", 0, "{job=\"x\"} | json", { "logfmt" } },
	/* unquoted values, missing parentheses, && and SQL operators */
	{ "{app=\"foo\"} |= error", 0, "{app=\"foo\"} |= \"error\"", { "quoted" } },
	{ "{app=\"foo\"} | json | level = error", 0, "{app=\"foo\"} | json | level = \"error\"", { "quoted" } },
	{ "sum(rate({app=\"foo\"}[5m])) by level", 0, "sum(rate({app=\"foo\"}[5m])) by (level)", { "parentheses" } },
	{ "sum by level, app (rate({app=\"foo\"}[5m]))", 0, "sum by (level, app) (rate({app=\"foo\"}[5m]))", { NULL } },
	{ "{app=\"foo\"} | json | status >= 500 && method=\"GET\"", 0, "{app=\"foo\"} | json | status >= 500 and method=\"GET\"", { "and" } },
	{ "{app=\"foo\"} | json | level IN (\"a\", \"b\")", 0, "{app=\"foo\"} | json | level=~\"a|b\"", { "no IN" } },
	{ "{app=\"foo\"} | json | msg LIKE '%time.out%'", 0, "{app=\"foo\"} | json | msg=~\".*time\\\\.out.*\"", { "no LIKE" } },
	{ "count_over_time({app=\"foo\"})[5m]", 0, "count_over_time({app=\"foo\"}[5m])", { "inside" } },
	/* invalid.txt lines with a clear intent */
	{ "sum(3 ,count_over_time({ foo = \"bar\" }[5h]))", 0, "sum(count_over_time({ foo = \"bar\" }[5h]))", { "remove it" } },
	{ "sort(sum by(a) (rate({job=\"mysql\"}[10s]))) by (app)", 0, "sort(sum by(a) (rate({job=\"mysql\"}[10s])))", { NULL } },
	{ "sum(rate({foo=\"bar\"}[5m])) by (foo.bar)", 0, "sum(rate({foo=\"bar\"}[5m])) by (foo_bar)", { NULL } },
	{ "{foo=\"bar\"} | line_format {{.foo}}", 0, "{foo=\"bar\"} | line_format \"{{.foo}}\"", { "quoted" } },
	{ "{foo=\"bar\"} | json foo=bar", 0, "{foo=\"bar\"} | json foo=\"bar\"", { NULL } },
	{ "{foo=\"bar\"} | logfmt --strictness", 0, "{foo=\"bar\"} | logfmt --strict", { NULL } },
	{ "{foo=\"bar\"} | logfmt | duration > 1m30", 0, "{foo=\"bar\"} | logfmt | duration > 1m30s", { NULL } },
	{ "{foo=\"bar\"} | json | unwrap duration(latency) [5m]", 0, "avg_over_time({foo=\"bar\"} | json | unwrap duration(latency) [5m])", { "unwrapped" } },
	{ "{foo=\"bar\"} foo", 0, "{foo=\"bar\"} |= \"foo\"", { NULL } },
	{ "count without (rate({namespace=\"apps\"}[15s]))", 0, "count (rate({namespace=\"apps\"}[15s]))", { NULL } },
	{ "{foo=\"bar\"} | regexp \"foo\"", 0, "{foo=\"bar\"} |~ \"foo\"", { "does not filter" } },
	{ "#{app=\"foo\"} | json", 0, "{app=\"foo\"} | json", { "comment" } },
	{ "topk(0, sum(rate({region=\"us-east1\"}[5m])) by (name))", 0, NULL, { NULL } },
	/* cost advice on valid queries */
	{ "{app=~\".+\"} | json | level=\"error\"", 1, NULL, { "no equality matcher" } },
	{ "{app=\"x\"} |~ \"timeout\"", 1, NULL, { "{app=\"x\"} |= \"timeout\"" } },
	{ "{app=\"x\"} |= \"*error*\"", 1, NULL, { "literal star" } },
	{ "{app=\"x\"} | json | msg=~\".*timeout.*\"", 1, NULL, { "|= \"timeout\"" } },
	{ "{app=~\"api\"}", 1, NULL, { "app=\"api\" is the same" } },
	{ "count_over_time({app=\"api\"} | json [5m])", 1, NULL, { "one series per distinct set" } },
	{ "sum by (level) (count_over_time({app=\"api\"} |= \"x\" | json [5m]))", 1, NULL, { NULL } },
};

static void
check_cases(const struct dcase *cs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct dcase *c = &cs[i];
		struct lq_diag d;
		lq_diagnose(c->q, strlen(c->q), &d);
		if (d.valid != (c->valid == 1))
			fail_msg("`%s`: valid=%d", c->q, d.valid);
		const char *fix = d.fix.len ? d.fix.buf : NULL;
		if ((c->fix == NULL) != (fix == NULL) || (fix && strcmp(fix, c->fix)))
			fail_msg("`%s`:\n fix  %s\n want %s\n text:\n%s", c->q, fix ? fix : "(none)",
				 c->fix ? c->fix : "(none)", d.text.buf ? d.text.buf : "");
		if (fix) {
			struct arena a;
			struct lq_error err;
			arena_init(&a, 0);
			if (!lq_parse(&a, fix, strlen(fix), &err))
				fail_msg("`%s`: fix does not parse: %s", c->q, err.msg);
			arena_free(&a);
		}
		if (!c->valid && !d.text.len)
			fail_msg("`%s`: no explanation", c->q);
		for (int k = 0; k < 3 && c->says[k]; k++)
			if (!d.text.buf || !strstr(d.text.buf, c->says[k]))
				fail_msg("`%s`: explanation lacks `%s`:\n%s", c->q, c->says[k],
					 d.text.buf ? d.text.buf : "");
		if (c->valid && !c->says[0] && d.text.len)
			fail_msg("`%s`: unexpected advice:\n%s", c->q, d.text.buf);
		lq_diag_release(&d);
	}
}

static void
test_seed_queries(void **state)
{
	(void)state;
	check_cases(seed, sizeof(seed) / sizeof(seed[0]));
}

static void
test_habits(void **state)
{
	(void)state;
	check_cases(habits, sizeof(habits) / sizeof(habits[0]));
}

/* Runs lq_cmd_main with stdout captured into out. */
static int
run(char *out, size_t size, int argc, char **argv)
{
	fflush(stdout);
	FILE *tmp = tmpfile();
	int saved = dup(1);
	dup2(fileno(tmp), 1);
	int rc = lq_cmd_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	rewind(tmp);
	size_t n = fread(out, 1, size - 1, tmp);
	out[n] = 0;
	fclose(tmp);
	return rc;
}

static void
test_cmd(void **state)
{
	(void)state;
	char out[4096];
	char *a1[] = { "check", "{component=\"redis_bus\"} | json duration_ms > 100" };
	assert_int_equal(run(out, sizeof(out), 2, a1), 1);
	assert_non_null(strstr(out, "invalid query: line 1, col 44:"));
	assert_non_null(strstr(out, "\n                                           ^\n"));
	assert_non_null(strstr(out, "fix:\n{component=\"redis_bus\"} | json | context_duration_ms > 100\n"));

	char *a2[] = { "check", "sum by(level)(count_over_time({job=\"x\"}|json[5m]))", "--format" };
	assert_int_equal(run(out, sizeof(out), 3, a2), 0);
	assert_string_equal(out, "valid metric query\nsum by (level) (count_over_time({job=\"x\"} | json[5m]))\n");

	char *a3[] = { "check", "{job=\"x\"} |= \"a\" | json | level=\"error\" | line_format \"{{.msg}}\"", "--pretty" };
	assert_int_equal(run(out, sizeof(out), 3, a3), 0);
	assert_string_equal(out, "valid log query\n{job=\"x\"} |= \"a\" | json | level=\"error\" | line_format \"{{.msg}}\"\n");

	char *a4[] = { "check" };
	assert_int_equal(run(out, sizeof(out), 1, a4), 2);
	char *a5[] = { "lint", "{a=\"b\"}" };
	assert_int_equal(run(out, sizeof(out), 2, a5), 2);
	char *a6[] = { "check", "{a=\"b\"}", "--bogus", "x" };
	assert_int_equal(run(out, sizeof(out), 4, a6), 2);
}

/* Full `logql check` output for every seed query, pinned in
 * tests/logql/doctor-seed.golden (UPDATE_GOLDEN=1 rewrites it). */
static void
test_seed_golden(void **state)
{
	(void)state;
	struct sbuf all = SBUF_INIT;
	for (size_t i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		char out[8192];
		char *argv[] = { "check", (char *)seed[i].q };
		int rc = run(out, sizeof(out), 2, argv);
		sbuf_addf(&all, "$ iftop-logs logql check '%s'\n%s[exit %d]\n\n", seed[i].q, out, rc);
	}
	char path[1024];
	const char *root = getenv("ROOT");
	snprintf(path, sizeof(path), "%s/tests/logql/doctor-seed.golden", root ? root : ".");
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(all.buf, 1, all.len, f);
		fclose(f);
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	char *want = calloc(1, 65536);
	size_t n = fread(want, 1, 65535, f);
	fclose(f);
	want[n] = 0;
	if (strcmp(want, sbuf_str(&all)))
		fail_msg("doctor output differs from %s; got:\n%s", path, sbuf_str(&all));
	free(want);
	sbuf_release(&all);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_queries),
		cmocka_unit_test(test_habits),
		cmocka_unit_test(test_cmd),
		cmocka_unit_test(test_seed_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

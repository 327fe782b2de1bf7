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
	/* cost advice on valid queries */
	{ "{app=~\".+\"} | json | level=\"error\"", 1, NULL, { "no equality matcher" } },
	{ "{app=\"x\"} |~ \"timeout\"", 1, NULL, { "{app=\"x\"} |= \"timeout\"" } },
	{ "{app=\"x\"} |= \"*error*\"", 1, NULL, { "literal star" } },
	{ "{app=\"x\"} | json | msg=~\".*timeout.*\"", 1, NULL, { "|= \"timeout\"" } },
	{ "{app=~\"api\"}", 1, NULL, { "app=\"api\" is the same" } },
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_queries),
		cmocka_unit_test(test_habits),
		cmocka_unit_test(test_cmd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

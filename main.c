/*
 * main.c: wiring only.  Parses the command line into a config, picks the
 * sources (Loki, files, stdin or the demo swarm), then runs the TUI, a
 * headless snapshot, or a subcommand.  Exit codes: 0 ok, 1 runtime error,
 * 2 usage error.
 */
#include <glob.h>
#include <locale.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "core/scan.h"
#include "core/sbuf.h"
#include "logql/lq.h"
#include "sources/demo.h"
#include "sources/file.h"
#include "sources/stdin_src.h"
#include "tui/app.h"
#include "tui/config.h"
#include "tui/keymap.h"
#include "views/query_text.h"
#include "views/trace_text.h"
#include "sources/local_query.h"
#include "sources/file_query.h"
#include "sources/loki.h"
#include "sources/demo_push.h"
#include "sources/check.h"
#include "sources/reqwait.h"
#include "tui/cli.h"

#define VERSION "0.1.0"

static void
usage(FILE *f)
{
	struct sbuf sb = SBUF_INIT;
	config_help(&sb);
	fprintf(f,
		"usage: iftop-logs [options] [FILE|GLOB ...]   live log explorer (files)\n"
		"       iftop-logs [options] -                  read lines from standard input\n"
		"       iftop-logs [options] demo               run on the built-in demo swarm\n"
		"       iftop-logs demo --write DIR [--duration 10m] [--follow]\n"
		"                                               write the demo stream as agent log files\n"
		"       iftop-logs demo --push LOKI_URL [--duration 10m] [--follow]\n"
		"                                               push the demo stream into a Loki\n"
		"       iftop-logs trace ID [--ascii] [--json] [source]\n"
		"                                               print a request's waterfall\n"
		"       iftop-logs query 'LOGQL' [--since 1h|--from T --to T] [--limit N] [--batch N] [--instant]\n"
		"                  [--step D] [--forward] [-o default|raw|jsonl|json] [-v] [source]\n"
		"                                               run a LogQL query (locally when no Loki is set)\n"
		"       iftop-logs labels [NAME] | series 'SELECTOR'  [--since 1h|--from T --to T] [source]\n"
		"                                               label names, values of NAME, or streams\n"
		"       iftop-logs tail 'LOGQL' [--since 10s] [--limit 30] [-o default|raw|jsonl] [-v] [source]\n"
		"                                               follow a log query (Loki, files, demo) until interrupted\n"
		"       iftop-logs check [--addr URL] [--prom-addr URL] [--files GLOBS]\n"
		"                                               is the logging stack healthy? exit 0 ok,\n"
		"                                               1 degraded, 2 unreachable\n"
		"       iftop-logs logql check 'QUERY' [--format|--pretty]\n"
		"                                               explain a LogQL query, propose a fix\n"
		"\n"
		"With no source named, iftop-logs reads /var/log/infrafabric/agents/*.log when\n"
		"such files exist, otherwise it runs the demo swarm.\n"
		"\n"
		"Display and testing:\n"
		"  --since DURATION             file history from this long ago (like 10m, 2h)\n"
		"  --trace ID                   open the waterfall of a correlation id (req-..., task-...)\n"
		"  --query 'LOGQL'              open Explore with this query run\n"
		"  --snapshot VIEW              render one frame of VIEW (tail, trace, detail) as text and exit\n"
		"  --size COLSxROWS             snapshot size (default 120x40)\n"
		"  --keys KEYS                  keys to press before the snapshot (j, <Enter>, <C-f>...)\n"
		"  --now TIME                   freeze the clock (RFC 3339), for reproducible output\n"
		"  --styles                     add a style row under each snapshot row\n"
		"  --ascii                      ASCII only: no block or box characters\n"
		"  --json                       trace: the spans as JSON\n"
		"  --batch N                    query on Loki: entries per request when paging past it\n"
		"                               (default: --limit, at most 5000); ignored by local sources\n"
		"  -v, --verbose                each HTTP request to Loki on stderr (no credentials)\n"
		"  --config FILE                config file (default $XDG_CONFIG_HOME/iftop-logs/config)\n"
		"  --print-config               print the effective settings (secrets masked) and exit\n"
		"  --help, --version, --help-keys (the key table as text)\n"
		"\n"
		"Settings (flag, environment variable, default):\n%s"
		"\n"
		"Precedence: flags > environment > config file > defaults.\n"
		"Keys: press ? in the program.\n"
		"Exit status: 0 ok, 1 error (server unreachable, id not found), 2 usage error (bad flag,\n"
		"value or query); check: 0 healthy, 1 degraded, 2 unreachable.\n",
		sbuf_str(&sb));
	sbuf_release(&sb);
}

struct opts {
	const char *snapshot, *keys, *config_path, *write_dir, *trace, *push_url;
	const char *explore_query;   /* --query: open Explore with it */
	int rows, cols;
	int64_t now_ns, duration_ns, since_ns;
	bool styles, demo, stdin_src, follow, print_config, ascii, json, check;
	const char *trace_cmd;   /* `iftop-logs trace ID` */
	const char *query_cmd;   /* `iftop-logs query LOGQL` */
	const char *series_cmd;  /* `iftop-logs series SELECTOR` */
	const char *tail_cmd;    /* `iftop-logs tail LOGQL` */
	const char *labels_name; /* `iftop-logs labels [NAME]`: "" for names */
	bool labels_cmd;
	int64_t from_ns, to_ns, step_ns;
	long limit, batch;
	bool instant, forward, verbose;
	int output;
	const char *files[64];
	int nfiles;
};

static int
parse_duration(const char *s, int64_t *ns)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return -1;
	double mul = 1e9;
	if (!strcmp(end, "ms")) mul = 1e6;
	else if (!strcmp(end, "s") || !*end) mul = 1e9;
	else if (!strcmp(end, "m")) mul = 60e9;
	else if (!strcmp(end, "h")) mul = 3600e9;
	else if (!strcmp(end, "d")) mul = 86400e9;
	else return -1;
	*ns = (int64_t)(v * mul);
	return 0;
}

/* Returns 0, or 2 with a message for a usage error. */
static int
parse_args(int argc, char **argv, struct opts *o, struct config *cfg, struct sbuf *err)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* `iftop-logs query --help` and the like: help, not a query "--help". */
		if (i + 1 < argc && (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h")) &&
		    (!strcmp(a, "query") || !strcmp(a, "trace") || !strcmp(a, "series") || !strcmp(a, "tail") ||
		     !strcmp(a, "labels") || !strcmp(a, "check"))) {
			usage(stdout);
			exit(0);
		}
		const char *val = NULL;
		char flag[64];
		/* --flag=value */
		const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
		if (eq && (size_t)(eq - a) < sizeof(flag)) {
			memcpy(flag, a, (size_t)(eq - a));
			flag[eq - a] = '\0';
			val = eq + 1;
			a = flag;
		}
#define NEED_VALUE()                                                                   \
	do {                                                                           \
		if (!val) {                                                            \
			if (i + 1 >= argc) {                                           \
				sbuf_addf(err, "%s: needs a value\n", a);              \
				return 2;                                              \
			}                                                              \
			val = argv[++i];                                               \
		}                                                                      \
	} while (0)
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--help-keys")) {
			struct sbuf sb = SBUF_INIT;
			static const char *const maps[] = { "tail", "trace", "errors", "health", "alerts",
							    "dashboard", "explore", "detail" };
			for (size_t k = 0; k < sizeof(maps) / sizeof(maps[0]); k++) {
				sbuf_addf(&sb, "%s# %s view\n\n", k ? "\n" : "", maps[k]);
				keymap_help(maps[k], &sb);
			}
			fputs(sbuf_str(&sb), stdout);
			sbuf_release(&sb);
			exit(0);
		} else if (!strcmp(a, "--version")) {
			printf("iftop-logs %s\n", VERSION);
			exit(0);
		} else if (!strcmp(a, "--snapshot")) {
			NEED_VALUE();
			o->snapshot = val;
		} else if (!strcmp(a, "--size")) {
			NEED_VALUE();
			if (sscanf(val, "%dx%d", &o->cols, &o->rows) != 2 || o->cols < 1 || o->rows < 1 ||
			    o->cols > 1000 || o->rows > 1000) {
				sbuf_addf(err, "--size: bad value '%s'; expected COLSxROWS like 120x40\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--trace")) {
			NEED_VALUE();
			o->trace = val;
		} else if (!strcmp(a, "--query")) {
			NEED_VALUE();
			o->explore_query = val;
		} else if (!strcmp(a, "--keys")) {
			NEED_VALUE();
			o->keys = val;
		} else if (!strcmp(a, "--now")) {
			NEED_VALUE();
			if (scan_time(val, strlen(val), &o->now_ns)) {
				sbuf_addf(err, "--now: bad value '%s'; expected RFC 3339 like 2026-01-01T00:00:00Z\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--duration")) {
			NEED_VALUE();
			if (parse_duration(val, &o->duration_ns)) {
				sbuf_addf(err, "--duration: bad value '%s'; expected like 90s, 10m, 2h\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--since")) {
			NEED_VALUE();
			if (parse_duration(val, &o->since_ns) || o->since_ns <= 0) {
				sbuf_addf(err, "--since: bad value '%s'; expected like 90s, 10m, 2h\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--push")) {
			NEED_VALUE();
			o->push_url = val;
		} else if (!strcmp(a, "--write")) {
			NEED_VALUE();
			o->write_dir = val;
		} else if (!strcmp(a, "--config")) {
			NEED_VALUE();
			o->config_path = val;
		} else if (!strcmp(a, "--styles")) {
			o->styles = true;
		} else if (!strcmp(a, "--follow")) {
			o->follow = true;
		} else if (!strcmp(a, "--print-config")) {
			o->print_config = true;
		} else if (!strcmp(a, "--ascii")) {
			o->ascii = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "trace") && !o->trace_cmd && o->nfiles == 0 && !o->demo) {
			if (i + 1 >= argc) {
				sbuf_addf(err, "trace: needs a correlation id (iftop-logs trace req-...)\n");
				return 2;
			}
			o->trace_cmd = argv[++i];
		} else if (!strcmp(a, "query") && !o->query_cmd && !o->trace_cmd && o->nfiles == 0 && !o->demo) {
			if (i + 1 >= argc) {
				sbuf_addf(err, "query: needs a LogQL query (iftop-logs query '{level=\"ERROR\"}')\n");
				return 2;
			}
			o->query_cmd = argv[++i];
		} else if (!strcmp(a, "--from") || !strcmp(a, "--to")) {
			NEED_VALUE();
			int64_t *dst = a[2] == 'f' ? &o->from_ns : &o->to_ns;
			if (scan_time(val, strlen(val), dst)) {
				sbuf_addf(err, "%s: bad value '%s'; expected RFC 3339 like 2026-01-01T00:00:00Z\n", a, val);
				return 2;
			}
		} else if (!strcmp(a, "--step")) {
			NEED_VALUE();
			if (parse_duration(val, &o->step_ns) || o->step_ns <= 0) {
				sbuf_addf(err, "--step: bad value '%s'; expected like 15s, 1m\n", val);
				return 2;
			}
		} else if (!strcmp(a, "--limit") || !strcmp(a, "--batch")) {
			NEED_VALUE();
			char *end;
			long *dst = a[2] == 'l' ? &o->limit : &o->batch;
			*dst = strtol(val, &end, 10);
			if (*end || *dst <= 0) {
				sbuf_addf(err, "%s: bad value '%s'; expected a positive number\n", a, val);
				return 2;
			}
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
		} else if (!strcmp(a, "--instant")) {
			o->instant = true;
		} else if (!strcmp(a, "--forward")) {
			o->forward = true;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			NEED_VALUE();
			o->output = query_output_parse(val);
			if (o->output < 0) {
				sbuf_addf(err, "%s: bad value '%s'; expected default, raw, jsonl or json\n", a, val);
				return 2;
			}
		} else if (!strcmp(a, "labels") && !o->labels_cmd && o->nfiles == 0 && !o->demo && !o->query_cmd) {
			o->labels_cmd = true;
			o->labels_name = "";
			if (i + 1 < argc && argv[i + 1][0] != '-' && strcmp(argv[i + 1], "demo"))
				o->labels_name = argv[++i];
		} else if (!strcmp(a, "series") && !o->series_cmd && o->nfiles == 0 && !o->demo && !o->query_cmd) {
			if (i + 1 >= argc) {
				sbuf_addf(err, "series: needs a selector (iftop-logs series '{agent_id=\"A1-haiku-001\"}')\n");
				return 2;
			}
			o->series_cmd = argv[++i];
		} else if (!strcmp(a, "tail") && !o->tail_cmd && o->nfiles == 0 && !o->demo && !o->query_cmd) {
			if (i + 1 >= argc) {
				sbuf_addf(err, "tail: needs a LogQL log query (iftop-logs tail '{job=\"infrafabric\"}')\n");
				return 2;
			}
			o->tail_cmd = argv[++i];
		} else if (!strcmp(a, "check") && !o->check && o->nfiles == 0 && !o->demo) {
			o->check = true;
		} else if (!strcmp(a, "demo") && !o->demo && o->nfiles == 0) {
			o->demo = true;
		} else if (!strcmp(a, "-")) {
			o->stdin_src = true;
		} else if (!strncmp(a, "--", 2)) {
			if (!config_flag_known(a)) {
				sbuf_addf(err, "%s: unknown option (see iftop-logs --help)\n", a);
				return 2;
			}
			if (config_flag_is_bool(a) && !val) {
				val = "true";
			} else {
				NEED_VALUE();
			}
			int r = config_set_flag(cfg, a, val, err);
			if (r == 0) {
				sbuf_addf(err, "%s: unknown option (see iftop-logs --help)\n", a);
				return 2;
			}
			if (r < 0)
				return 2;
		} else if (a[0] == '-' && a[1]) {
			sbuf_addf(err, "%s: unknown option (see iftop-logs --help)\n", a);
			return 2;
		} else {
			if (o->nfiles == (int)(sizeof(o->files) / sizeof(o->files[0]))) {
				sbuf_addf(err, "too many files (max 64; use a glob)\n");
				return 2;
			}
			o->files[o->nfiles++] = a;
		}
#undef NEED_VALUE
	}
	return 0;
}

/* True when a comma-separated list of globs matches at least one file. */
static bool
globs_match(const char *list)
{
	char *copy = strdup(list), *save = NULL;
	bool any = false;
	for (char *g = strtok_r(copy, ",", &save); g && !any; g = strtok_r(NULL, ",", &save)) {
		glob_t gl;
		if (glob(g, 0, NULL, &gl) == 0)
			any = gl.gl_pathc > 0;
		globfree(&gl);
	}
	free(copy);
	return any;
}

/* Loki client for the live tail; lives as long as the app. */
static struct http *loki_http;
static struct loki *loki_client;

static struct http_auth
loki_auth(const struct config *cfg)
{
	return (struct http_auth){
		.username = *cfg->loki_username ? cfg->loki_username : NULL,
		.password = *cfg->loki_password ? cfg->loki_password : NULL,
		.bearer_token = *cfg->loki_bearer_token ? cfg->loki_bearer_token : NULL,
		.bearer_token_file = *cfg->loki_bearer_token_file ? cfg->loki_bearer_token_file : NULL,
		.org_id = *cfg->loki_org_id ? cfg->loki_org_id : NULL,
		.ca_file = *cfg->loki_ca_cert ? cfg->loki_ca_cert : NULL,
		.cert_file = *cfg->loki_client_cert ? cfg->loki_client_cert : NULL,
		.key_file = *cfg->loki_client_key ? cfg->loki_client_key : NULL,
		.insecure_skip_verify = cfg->tls_skip,
	};
}

/* Picks the sources: stdin with "-", named files, Loki when an address is
 * set, the default glob when it matches, else the demo swarm. */
static int
add_sources(struct app *app, uv_loop_t *loop, struct opts *o, struct config *cfg, struct sbuf *err)
{
	struct source_sink sink = app_sink(app);
	if (*cfg->loki_addr && !o->demo && !o->stdin_src && o->nfiles == 0) {
		int64_t back = 0;
		if (parse_duration(cfg->loki_history, &back)) {
			sbuf_addf(err, "--loki-history: bad value '%s'; expected like 5m, 1h\n", cfg->loki_history);
			return LX_EINVAL;
		}
		struct loki_config lc = { .url = cfg->loki_addr, .auth = loki_auth(cfg) };
		loki_http = http_new(loop);
		loki_client = loki_new(loki_http, &lc);
		struct loki_tail_config tc = { .query = cfg->loki_query, .start_ns = app_now(app) - back };
		app_expect_history(app);
		app->loki = loki_client;
		app->loki_selector = cfg->loki_query;
		struct source *s = loki_client ? loki_tail_source_new(loop, loki_client, &tc, &sink) : NULL;
		if (!s) {
			sbuf_addf(err, "--loki-query: cannot tail '%s' on %s\n", cfg->loki_query, cfg->loki_addr);
			return LX_EINVAL;
		}
		return app_add_source(app, s, err);
	}
	if (o->stdin_src) {
		struct source *s = stdin_source_new(loop, 0, &sink);
		if (!s) {
			sbuf_addf(err, "-: cannot read standard input\n");
			return LX_EIO;
		}
		stdin_source_set_max_line(s, (size_t)cfg->max_line_bytes);
		int r = app_add_source(app, s, err);
		if (r || (o->nfiles == 0 && !o->demo))
			return r;
	}
	bool use_files = o->nfiles > 0 || (!o->demo && !o->stdin_src && globs_match(cfg->files));
	if (use_files) {
		const char *paths[64];
		size_t n = 0;
		char *copy = NULL;
		if (o->nfiles) {
			for (int i = 0; i < o->nfiles; i++)
				paths[n++] = o->files[i];
		} else {
			char *save = NULL;
			copy = strdup(cfg->files);
			for (char *g = strtok_r(copy, ",", &save); g && n < 64; g = strtok_r(NULL, ",", &save))
				paths[n++] = g;
		}
		struct file_source_opts fo = {
			.paths = paths,
			.npaths = n,
			.history_lines = cfg->history_lines,
			.max_line = (size_t)cfg->max_line_bytes,
			.since_ns = o->since_ns ? app_now(app) - o->since_ns : 0,
			.line_ts = scan_line_ts,
			.merge_history = true,   /* several agents' files, one timeline */
		};
		app_expect_history(app);
		struct source *s = file_source_new(loop, &fo, &sink);
		free(copy);
		if (!s) {
			sbuf_addf(err, "cannot follow the files\n");
			return LX_EINVAL;
		}
		return app_add_source(app, s, err);
	}
	if (o->stdin_src)
		return 0;
	/* Five minutes of history, but not more than ~200k lines at start. */
	int64_t hist = 300 * 1000000000LL;
	if (cfg->rate_lps > 0 && hist / 1000000000LL * cfg->rate_lps > 200000)
		hist = 200000LL * 1000000000LL / cfg->rate_lps;
	struct demo_opts d = {
		.seed = (uint64_t)cfg->seed_val,
		.rate = cfg->rate_lps,
		.history_ns = o->duration_ns ? o->duration_ns : hist,
		.now_ns = o->now_ns,
		.live = o->snapshot == NULL && o->trace_cmd == NULL && o->query_cmd == NULL && !o->labels_cmd && !o->series_cmd,
	};
	return app_add_source(app, demo_source_new(loop, &d, &sink), err);
}

/* Time range and evaluator parameters of `query` (local or files). */
static struct lq_eval_params
query_params(const struct opts *o, int64_t now)
{
	int64_t end = o->to_ns ? o->to_ns : now;
	int64_t start = o->from_ns ? o->from_ns : end - (o->since_ns ? o->since_ns : 3600LL * 1000000000LL);
	struct lq_eval_params p = {
		.start_ns = start,
		.end_ns = end,
		.instant = o->instant,
		.limit = o->limit > 0 ? (unsigned)o->limit : 30,
		.direction = o->forward ? LQ_FORWARD : LQ_BACKWARD,
	};
	/* Step as logcli/Grafana pick it: about 250 points over the range. */
	p.step_ns = o->step_ns ? o->step_ns : ((end - start) / 250 / 1000000000LL + 1) * 1000000000LL;
	return p;
}

/* Prints an evaluator result (or its error); returns the exit status. */
static int
print_lq(int err, struct lq_result *res, const struct lq_error *e, const struct opts *o, const struct config *cfg)
{
	if (err) {
		char buf[1024];
		lq_error_format(e, o->query_cmd, buf, sizeof(buf));
		fprintf(stderr, "iftop-logs: query: %s\n(iftop-logs logql check 'QUERY' explains and proposes a fix)\n", buf);
		return e->code == LX_EPARSE || e->offset || e->len ? 2 : 1;
	}
	struct result *r = local_result(res);
	lq_result_free(res);
	/* A closed pipe (| head) ends quietly: the write error is not reported. */
	cli_print_result(r, (enum query_output)o->output, o->forward, cfg->utc_on);
	result_free(r);
	return 0;
}

static int
run_file_query(const struct opts *o, const struct config *cfg)
{
	const char *globs[64];
	size_t n = 0;
	if (o->nfiles)
		for (int i = 0; i < o->nfiles; i++)
			globs[n++] = o->files[i];
	else
		globs[n++] = cfg->files;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = o->now_ns ? o->now_ns : (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	struct lq_eval_params p = query_params(o, now);
	struct lq_result *res = NULL;
	struct lq_error e;
	int r = file_query(globs, n, o->query_cmd, &p, &res, &e);
	if (r == LX_ENOENT && !res) {
		fprintf(stderr, "iftop-logs: query: %s\n", e.msg);
		return 1;
	}
	return print_lq(r, res, &e, o, cfg);
}

/* `iftop-logs query`: the local evaluator over the chosen source. */
static int
run_query(struct app *app, const struct opts *o, const struct config *cfg)
{
	app_settle(app, 150, 60000);
	struct lq_eval_params p = query_params(o, app_now(app));
	struct lq_result *res = NULL;
	struct lq_error e;
	int r = local_query(app->store, o->query_cmd, &p, &res, &e);
	return print_lq(r, res, &e, o, cfg);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
print_strings(const struct result *r)
{
	for (size_t i = 0; i < r->nstrings; i++)
		printf("%s\n", r->strings[i]);
}

static void
print_labelsets(const struct result *r)
{
	for (size_t i = 0; i < r->nseries; i++) {
		struct sbuf sb = SBUF_INIT;
		res_labels_format(&r->series[i].labels, &sb);
		printf("%s\n", sbuf_str(&sb));
		sbuf_release(&sb);
	}
}

/* query / labels / series against Loki (LOKI_ADDR or --addr). */
static int
run_loki_cmd(uv_loop_t *loop, const struct opts *o, const struct config *cfg)
{
	struct loki_config lc = { .url = cfg->loki_addr, .auth = loki_auth(cfg) };
	struct http *http = http_new(loop);
	if (o->verbose)
		http_set_debug(http, cli_http_debug, NULL);
	struct loki *lk = loki_new(http, &lc);
	struct req_wait w = { .loop = loop };
	int64_t end = o->to_ns ? o->to_ns : loki_now_ns();
	int64_t start = o->from_ns ? o->from_ns : end - (o->since_ns ? o->since_ns : 3600LL * 1000000000LL);
	struct loki_req *req;
	struct loki_query q = {
		.query = o->query_cmd, .start_ns = start, .end_ns = end, .time_ns = end,
		.limit = o->limit > 0 ? (size_t)o->limit : 30, .page_size = (size_t)o->batch, .forward = o->forward,
		.step_s = (double)o->step_ns / 1e9, .count_total = true,
	};
	if (o->query_cmd)
		req = o->instant ? loki_query(lk, &q, req_wait_result, &w) : loki_query_range(lk, &q, req_wait_result, &w);
	else if (o->series_cmd)
		req = loki_series(lk, o->series_cmd, start, end, req_wait_result, &w);
	else if (*o->labels_name)
		req = loki_label_values(lk, o->labels_name, NULL, start, end, req_wait_result, &w);
	else
		req = loki_labels(lk, start, end, req_wait_result, &w);
	int rc = 0;
	if (!req) {
		fprintf(stderr, "iftop-logs: cannot send the request to %s\n", cfg->loki_addr);
		rc = 2;
	} else {
		req_wait_run(&w, true);
		if (w.failed) {
			fprintf(stderr, "iftop-logs: %s\n", w.err.msg);
			rc = w.err.http_status >= 400 && w.err.http_status < 500 ? 2 : 1;
		} else if (o->query_cmd) {
			cli_print_result(w.res, (enum query_output)o->output, o->forward, cfg->utc_on);
			if (w.res->limit.cut) {
				char lim[200];
				res_limit_format(&w.res->limit, lim, sizeof(lim));
				fprintf(stderr, "iftop-logs: %s (--limit raises it)\n", lim);
			}
		} else if (o->series_cmd) {
			print_labelsets(w.res);
		} else {
			print_strings(w.res);
		}
	}
	result_free(w.res);
	loki_free(lk);
	http_free(http);
	return rc;
}

/* `iftop-logs tail`: Loki when set and no local source is named, else
 * the files, else the demo swarm, as the other commands pick. */
static int
run_tail(uv_loop_t *loop, const struct opts *o, const struct config *cfg)
{
	if (o->stdin_src || o->output == QO_JSON) {
		fprintf(stderr, "iftop-logs: tail: %s\n", o->stdin_src ?
			"follows Loki, files or the demo, not standard input (iftop-logs query 'LOGQL' - reads it)" :
			"-o: expected default, raw or jsonl");
		return 2;
	}
	struct loki_config lc = { .url = cfg->loki_addr, .auth = loki_auth(cfg) };
	struct demo_opts d = { .seed = (uint64_t)cfg->seed_val, .rate = cfg->rate_lps };
	const char *def = cfg->files;
	struct cli_tail_opts t = {
		.query = o->tail_cmd, .output = o->output, .utc = cfg->utc_on, .verbose = o->verbose,
		.since_ns = o->since_ns, .limit = o->limit,
		.history_lines = cfg->history_lines, .max_line = (size_t)cfg->max_line_bytes, .demo = &d,
	};
	if (*cfg->loki_addr && !o->demo && o->nfiles == 0) {
		t.loki = &lc;
	} else if (o->nfiles) {
		t.files = o->files;
		t.nfiles = (size_t)o->nfiles;
	} else if (!o->demo && globs_match(cfg->files)) {
		t.files = &def;
		t.nfiles = 1;
	}
	return cli_tail(loop, &t);
}

/* labels / series over the local source: from the lines held. */
static int
run_local_labels(struct app *app, const struct opts *o)
{
	app_settle(app, 150, 60000);
	int64_t end = o->to_ns ? o->to_ns : app_now(app);
	int64_t start = o->from_ns ? o->from_ns : end - (o->since_ns ? o->since_ns : 3600LL * 1000000000LL);
	char sel[1024];
	snprintf(sel, sizeof(sel), "%s", o->series_cmd ? o->series_cmd : "{filename=~\".+\"}");
	/* One log query gives every stream (label set) in the range. */
	struct lq_eval_params p = { .start_ns = start, .end_ns = end, .limit = 1000000, .direction = LQ_FORWARD };
	struct lq_result *res = NULL;
	struct lq_error e;
	if (local_query(app->store, sel, &p, &res, &e)) {
		char buf[1024];
		lq_error_format(&e, sel, buf, sizeof(buf));
		fprintf(stderr, "iftop-logs: %s\n", buf);
		return 2;
	}
	/* Names, or the values of one name, or the label sets, each once. */
	struct result *names = result_new(RES_STRINGS);
	for (size_t i = 0; i < res->nstreams; i++) {
		const struct lq_stream *s = &res->streams[i];
		if (o->series_cmd) {
			struct sbuf sb = SBUF_INIT;
			sbuf_addc(&sb, '{');
			for (size_t l = 0; l < s->nlabels; l++) {
				sbuf_addf(&sb, "%s%s=", l ? ", " : "", s->labels[l].name);
				sbuf_add_json_str(&sb, s->labels[l].value, strlen(s->labels[l].value));
			}
			sbuf_addc(&sb, '}');
			result_add_string(names, sbuf_str(&sb));
			sbuf_release(&sb);
			continue;
		}
		for (size_t l = 0; l < s->nlabels; l++) {
			const char *v = *o->labels_name ? (strcmp(s->labels[l].name, o->labels_name) ? NULL : s->labels[l].value)
							 : s->labels[l].name;
			bool seen = false;
			for (size_t k = 0; v && k < names->nstrings && !seen; k++)
				seen = !strcmp(names->strings[k], v);
			if (v && !seen)
				result_add_string(names, v);
		}
	}
	lq_result_free(res);
	qsort(names->strings, names->nstrings, sizeof(char *), cmp_str);
	print_strings(names);
	result_free(names);
	return 0;
}

int
main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	if (argc >= 2 && !strcmp(argv[1], "logql")) {
		if (argc < 3) {
			fprintf(stderr, "usage: iftop-logs logql check 'QUERY' [--format|--pretty]\n");
			return 2;
		}
		return lq_cmd_main(argc - 2, argv + 2);
	}
	/* Store chunks (1 MiB) are mmapped and go back to the system when
	 * evicted; a fixed threshold stops glibc from raising it. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	signal(SIGPIPE, SIG_IGN);
	struct config cfg;
	config_init(&cfg);
	struct opts o = { .rows = 40, .cols = 120 };
	struct sbuf err = SBUF_INIT;
	int rc = 0;

	/* Flags first (to find --config), then layer: file < env < flags. */
	struct config flags_only;
	config_init(&flags_only);
	rc = parse_args(argc, argv, &o, &flags_only, &err);
	config_release(&flags_only);
	if (rc)
		goto out;
	if (config_load_file(&cfg, o.config_path, &err) || config_load_env(&cfg, &err)) {
		rc = 2;
		goto out;
	}
	struct opts o2 = { .rows = 40, .cols = 120 };
	parse_args(argc, argv, &o2, &cfg, &err);
	if (config_finish(&cfg, &err)) {
		rc = 2;
		goto out;
	}
	if (o.print_config) {
		struct sbuf sb = SBUF_INIT;
		config_dump(&cfg, &sb);
		fputs(sbuf_str(&sb), stdout);
		sbuf_release(&sb);
		goto out;
	}
	if (o.demo && o.write_dir) {
		int64_t hist = o.duration_ns ? o.duration_ns : 600 * 1000000000LL;
		rc = demo_write_files(o.write_dir, (uint64_t)cfg.seed_val, cfg.rate_lps, hist, o.follow) ? 1 : 0;
		goto out;
	}

	uv_loop_t loop;
	uv_loop_init(&loop);
	if (*cfg.loki_addr && (o.query_cmd || o.labels_cmd || o.series_cmd) && !o.demo && !o.stdin_src && o.nfiles == 0) {
		rc = run_loki_cmd(&loop, &o, &cfg);
		uv_run(&loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	/* query over files: straight from the files, whatever the memory cap. */
	if (o.query_cmd && !*cfg.loki_addr && !o.demo && !o.stdin_src && (o.nfiles > 0 || globs_match(cfg.files))) {
		rc = run_file_query(&o, &cfg);
		goto loop_out;
	}
	if (o.tail_cmd) {
		rc = run_tail(&loop, &o, &cfg);
		goto loop_out;
	}
	if (o.check) {
		struct loki_config lc = { .url = cfg.loki_addr, .auth = loki_auth(&cfg), .timeout_ms = 5000, .max_retries = 1 };
		struct prom_config pc = { .url = cfg.prom_addr, .timeout_ms = 5000, .max_retries = 1 };
		struct sbuf out = SBUF_INIT;
		rc = stack_check(&loop, *cfg.loki_addr ? &lc : NULL, *cfg.prom_addr ? &pc : NULL, cfg.files, &out);
		fputs(sbuf_str(&out), stdout);
		sbuf_release(&out);
		uv_run(&loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	if (o.demo && o.push_url) {
		struct loki_config lc = { .url = o.push_url, .auth = loki_auth(&cfg) };
		loki_http = http_new(&loop);
		loki_client = loki_new(loki_http, &lc);
		int64_t hist = o.duration_ns ? o.duration_ns : 600 * 1000000000LL;
		rc = !loki_client || demo_push(&loop, loki_client, (uint64_t)cfg.seed_val, cfg.rate_lps, hist, o.follow) ? 1 : 0;
		loki_free(loki_client);
		http_free(loki_http);
		uv_run(&loop, UV_RUN_DEFAULT);
		goto loop_out;
	}
	struct app app;
	if (app_init(&app, &loop, &cfg, &err)) {
		rc = 2;
		goto app_out;
	}
	bool headless = o.snapshot || o.trace_cmd || o.query_cmd || o.labels_cmd || o.series_cmd;
	app.fixed_now = headless ? o.now_ns : 0;
	if (*cfg.loki_addr || *cfg.prom_addr) {
		struct loki_config lc = { .url = cfg.loki_addr, .auth = loki_auth(&cfg), .timeout_ms = 5000, .max_retries = -1 };
		struct prom_config pc = { .url = cfg.prom_addr, .timeout_ms = 5000, .max_retries = -1 };
		if (!o.trace_cmd && !o.query_cmd && !o.labels_cmd && !o.series_cmd)
			app_watch_stack(&app, *cfg.loki_addr ? &lc : NULL, *cfg.prom_addr ? &pc : NULL);
	}
	tui_ascii = o.ascii;
	if (add_sources(&app, &loop, &o, &cfg, &err)) {
		rc = 1;
		goto app_out;
	}
	if (o.query_cmd) {
		rc = run_query(&app, &o, &cfg);
	} else if (o.labels_cmd || o.series_cmd) {
		rc = run_local_labels(&app, &o);
	} else if (o.trace_cmd) {
		struct sbuf out = SBUF_INIT;
		app_fetch_corr(&app, o.trace_cmd);   /* on Loki: beyond the tailed window */
		app_settle(&app, 150, 30000);
		if (app.loki && app.msg[0])
			fprintf(stderr, "iftop-logs: %s\n", app.msg);
		rc = trace_text(app.store, o.trace_cmd, o.ascii, o.json, cfg.utc_on, 60, &out) ? 1 : 0;
		fwrite(out.buf, 1, out.len, rc ? stderr : stdout);
		sbuf_release(&out);
	} else if (o.snapshot) {
		if (!view_find(o.snapshot)) {
			sbuf_addf(&err, "--snapshot: unknown view '%s' (views: tail, trace, detail)\n", o.snapshot);
			rc = 2;
			goto app_out;
		}
		struct sbuf out = SBUF_INIT;
		if (o.trace)
			app_switch_to(&app, "trace", &(struct view_args){ .corr = o.trace });
		else if (o.explore_query)
			app_switch_to(&app, "explore", &(struct view_args){ .query = o.explore_query });
		else if (strcmp(o.snapshot, "tail"))
			app_switch_to(&app, o.snapshot, NULL);
		app_snapshot(&app, o.rows, o.cols, o.keys, 150, 5000, o.styles, &out);
		fwrite(out.buf, 1, out.len, stdout);
		sbuf_release(&out);
	} else {
		if (o.trace)
			app_switch_to(&app, "trace", &(struct view_args){ .corr = o.trace });
		else if (o.explore_query)
			app_switch_to(&app, "explore", &(struct view_args){ .query = o.explore_query });
		rc = app_run_tui(&app, &err) ? 1 : 0;
	}
app_out:
	app_release(&app);
	loki_free(loki_client);
	http_free(loki_http);
	uv_run(&loop, UV_RUN_NOWAIT);
loop_out:
	uv_loop_close(&loop);
out:
	if (err.len)
		fprintf(stderr, "iftop-logs: %s", sbuf_str(&err));
	sbuf_release(&err);
	config_release(&cfg);
	return rc;
}

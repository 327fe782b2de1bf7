/*
 * sources/check.c: one request at a time, each waited for on the loop, so
 * the report reads top to bottom like the seed's troubleshooting steps.
 */
#include "sources/check.h"

#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/scan.h"
#include "core/xalloc.h"
#include "sources/reqwait.h"

enum { OK, WARN, BAD };

static void
say(struct sbuf *out, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(struct sbuf *out, int level, const char *fmt, ...)
{
	static const char *const mark[] = { "ok  ", "WARN", "FAIL" };
	sbuf_addf(out, "%s  ", mark[level]);
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(out, fmt, ap);
	va_end(ap);
	sbuf_addc(out, '\n');
}

static int
worse(int a, int b)
{
	return a > b ? a : b;
}

static double
vector_sum(const struct result *r)
{
	double s = 0;
	for (size_t i = 0; r && i < r->nseries; i++)
		if (r->series[i].n)
			s += r->series[i].v[r->series[i].n - 1].v;
	return s;
}

static int
check_loki(uv_loop_t *loop, const struct loki_config *cfg, struct sbuf *out)
{
	struct http *http = http_new(loop);
	struct loki *lk = loki_new(http, cfg);
	int worst = OK;
	struct req_wait w = { .loop = loop };
	sbuf_addf(out, "Loki %s\n", cfg->url);
	req_wait_run(&w, loki_ready(lk, req_wait_result, &w) != NULL);
	result_free(w.res);
	if (w.failed) {
		say(out, BAD, "not ready: %s", w.err.msg);
		sbuf_addf(out, "      try: curl %s/ready; is Loki running and is LOKI_ADDR right?\n", cfg->url);
		worst = BAD;
		goto out;
	}
	say(out, OK, "ready");
	w = (struct req_wait){ .loop = loop };
	req_wait_run(&w, loki_buildinfo(lk, req_wait_result, &w) != NULL);
	if (!w.failed && w.res)
		say(out, OK, "version %s", res_labels_get(&w.res->info, "version") ? res_labels_get(&w.res->info, "version") : "?");
	result_free(w.res);
	w = (struct req_wait){ .loop = loop };
	req_wait_run(&w, loki_labels(lk, 0, 0, req_wait_result, &w) != NULL);
	if (w.failed || !w.res || w.res->nstrings == 0) {
		say(out, WARN, "no labels: nothing was ingested in the last hour%s%s", w.failed ? ": " : "", w.failed ? w.err.msg : "");
		sbuf_adds(out, "      try: is the collector running and pushing to this Loki? tail -f /var/log/infrafabric/agents/*.log\n");
		worst = WARN;
	} else {
		struct sbuf names = SBUF_INIT;
		for (size_t i = 0; i < w.res->nstrings && i < 12; i++)
			sbuf_addf(&names, "%s%s", i ? ", " : "", w.res->strings[i]);
		say(out, OK, "%zu labels: %s", w.res->nstrings, sbuf_str(&names));
		sbuf_release(&names);
	}
	result_free(w.res);
	/* Ingestion rate and agents that went quiet. */
	struct loki_query q = { .query = "sum(rate({job=~\".+\"}[1m]))" };
	w = (struct req_wait){ .loop = loop };
	req_wait_run(&w, loki_query(lk, &q, req_wait_result, &w) != NULL);
	double rate = w.failed ? NAN : vector_sum(w.res);
	result_free(w.res);
	if (isnan(rate)) {
		say(out, WARN, "could not measure ingestion: %s", w.err.msg);
		worst = worse(worst, WARN);
	} else if (rate <= 0) {
		say(out, WARN, "no lines ingested in the last minute");
		sbuf_adds(out, "      try: check the collector (Fluent Bit) logs for errors; check agents are writing logs\n");
		worst = worse(worst, WARN);
	} else {
		say(out, OK, "ingesting %.1f lines/s", rate);
	}
	struct loki_query hour = { .query = "sum by (agent_id) (count_over_time({agent_id=~\".+\"}[1h]))" };
	struct loki_query five = { .query = "sum by (agent_id) (count_over_time({agent_id=~\".+\"}[5m]))" };
	struct req_wait wh = { .loop = loop }, w5 = { .loop = loop };
	req_wait_run(&wh, loki_query(lk, &hour, req_wait_result, &wh) != NULL);
	req_wait_run(&w5, loki_query(lk, &five, req_wait_result, &w5) != NULL);
	if (!wh.failed && !w5.failed && wh.res && wh.res->nseries) {
		struct sbuf quiet = SBUF_INIT;
		size_t nq = 0;
		for (size_t i = 0; i < wh.res->nseries; i++) {
			const char *a = res_labels_get(&wh.res->series[i].labels, "agent_id");
			bool seen = false;
			for (size_t k = 0; w5.res && k < w5.res->nseries; k++) {
				const char *b = res_labels_get(&w5.res->series[k].labels, "agent_id");
				if (a && b && !strcmp(a, b))
					seen = true;
			}
			if (!seen && nq++ < 10)
				sbuf_addf(&quiet, "%s%s", nq > 1 ? ", " : "", a ? a : "?");
		}
		if (nq) {
			say(out, WARN, "%zu of %zu agents logged in the last hour but not in the last 5 minutes: %s",
			    nq, wh.res->nseries, sbuf_str(&quiet));
			worst = worse(worst, WARN);
		} else {
			say(out, OK, "all %zu agents seen in the last hour logged in the last 5 minutes", wh.res->nseries);
		}
		sbuf_release(&quiet);
	}
	result_free(wh.res);
	result_free(w5.res);
out:
	loki_free(lk);
	http_free(http);
	uv_run(loop, UV_RUN_NOWAIT);
	return worst;
}

static int
check_prom(uv_loop_t *loop, const struct prom_config *cfg, struct sbuf *out)
{
	struct http *http = http_new(loop);
	struct prom *p = prom_new(http, cfg);
	int worst = OK;
	struct req_wait w = { .loop = loop };
	sbuf_addf(out, "Prometheus %s\n", cfg->url);
	req_wait_run(&w, prom_ready(p, req_wait_result, &w) != NULL);
	result_free(w.res);
	if (w.failed) {
		say(out, BAD, "not ready: %s", w.err.msg);
		worst = BAD;
		goto out;
	}
	say(out, OK, "ready");
	w = (struct req_wait){ .loop = loop };
	req_wait_run(&w, prom_targets(p, req_wait_status, &w) != NULL);
	if (!w.failed && w.st) {
		size_t up = 0;
		for (size_t i = 0; i < w.st->ntargets; i++) {
			const struct prom_target *t = &w.st->targets[i];
			if (!strcmp(t->health, "up")) {
				up++;
				continue;
			}
			const char *job = res_labels_get(&t->labels, "job");
			say(out, WARN, "target %s %s is %s: %s", job ? job : "?", t->scrape_url, t->health,
			    *t->last_error ? t->last_error : "no error given");
			worst = worse(worst, WARN);
		}
		if (up == w.st->ntargets)
			say(out, OK, "%zu targets up", up);
	}
	prom_status_free(w.st);
	w = (struct req_wait){ .loop = loop };
	req_wait_run(&w, prom_alerts(p, req_wait_status, &w) != NULL);
	if (!w.failed && w.st) {
		size_t firing = 0;
		for (size_t i = 0; i < w.st->nalerts; i++) {
			const struct prom_alert *a = &w.st->alerts[i];
			if (strcmp(a->state, "firing"))
				continue;
			firing++;
			const char *name = res_labels_get(&a->labels, "alertname");
			say(out, WARN, "alert %s firing since %s", name ? name : "?", a->active_at);
		}
		if (firing)
			worst = worse(worst, WARN);
		else
			say(out, OK, "no alert firing");
	}
	prom_status_free(w.st);
out:
	prom_free(p);
	http_free(http);
	uv_run(loop, UV_RUN_NOWAIT);
	return worst;
}

static int
check_files(const char *globs, struct sbuf *out)
{
	sbuf_addf(out, "Local log files %s\n", globs);
	char *copy = xstrdup(globs), *save = NULL;
	size_t nfiles = 0, stale = 0, lines = 0, json = 0;
	time_t now = time(NULL);
	int worst = OK;
	for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		glob_t gl;
		if (glob(g, 0, NULL, &gl) != 0) {
			globfree(&gl);
			continue;
		}
		for (size_t i = 0; i < gl.gl_pathc; i++) {
			struct stat sb;
			if (stat(gl.gl_pathv[i], &sb) || !S_ISREG(sb.st_mode))
				continue;
			nfiles++;
			if (now - sb.st_mtime > 300)
				stale++;
			/* Parseable: the last 64 KiB, line by line. */
			FILE *f = fopen(gl.gl_pathv[i], "r");
			if (!f)
				continue;
			if (sb.st_size > 65536)
				fseek(f, -65536, SEEK_END);
			char buf[65536];
			bool first = sb.st_size > 65536;
			while (fgets(buf, sizeof(buf), f)) {
				if (first) {
					first = false;
					continue;
				}
				struct scan_result r;
				scan_line(buf, strlen(buf), &r);
				lines++;
				json += (r.flags & SCAN_F_JSON) != 0;
			}
			fclose(f);
		}
		globfree(&gl);
	}
	free(copy);
	if (nfiles == 0) {
		say(out, WARN, "no files match");
		return WARN;
	}
	say(out, OK, "%zu files", nfiles);
	if (stale) {
		say(out, WARN, "%zu of %zu files not written for 5 minutes: agents stopped, or logging elsewhere", stale, nfiles);
		worst = WARN;
	} else {
		say(out, OK, "all files written in the last 5 minutes");
	}
	if (lines && json * 100 / lines < 90) {
		say(out, WARN, "only %zu of %zu recent lines are JSON objects: check the agents use StructuredLogger", json, lines);
		worst = worse(worst, WARN);
	} else if (lines) {
		say(out, OK, "%zu of %zu recent lines parse as JSON", json, lines);
	}
	return worst;
}

int
stack_check(uv_loop_t *loop, const struct loki_config *loki, const struct prom_config *prom,
	    const char *files_globs, struct sbuf *out)
{
	int worst = OK, checked = 0;
	if (loki) {
		worst = worse(worst, check_loki(loop, loki, out));
		checked++;
	}
	if (prom) {
		worst = worse(worst, check_prom(loop, prom, out));
		checked++;
	}
	if (files_globs && *files_globs) {
		int f = check_files(files_globs, out);
		/* Missing local files only matter when nothing else is set up. */
		worst = worse(worst, checked ? (f == OK ? OK : WARN) : f);
		checked++;
	}
	sbuf_addf(out, "\n%s\n", worst == OK ? "healthy" : worst == WARN ? "degraded: see WARN lines" : "unreachable: see FAIL lines");
	return worst;
}

/* views/dashboard.c: dashboard file parsing and loading.  No drawing. */
#include "views/dashboard.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

static const char builtin_dash[] =
#include "builtin_dash.h"
	;

static const char *const vis_names[] = { "sparkline", "bar", "table", "stat", "logs" };

const char *
panel_vis_name(enum panel_vis v)
{
	return (unsigned)v < LX_ARRAY_LEN(vis_names) ? vis_names[v] : "?";
}

#define DEFAULT_EVERY_NS (5LL * 1000000000LL)

/* "30s", "2m", "1h" -> ns; returns the end of the word or NULL. */
static char *
parse_every(char *p, int64_t *ns)
{
	char *end;
	long long n = strtoll(p, &end, 10);
	if (end == p || n <= 0 || n > 86400)
		return NULL;
	int64_t unit = *end == 's' ? 1 : *end == 'm' ? 60 : *end == 'h' ? 3600 : 0;
	if (!unit || (end[1] != ' ' && end[1] != '\t'))
		return NULL;
	*ns = n * unit * 1000000000LL;
	return end + 1;
}

static char *
skip_ws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int
dashboard_parse(struct dashboard_set *set, const char *path, const char *text, struct sbuf *err)
{
	int nerr = 0, lineno = 0;
	char *copy = xstrdup(text), *save = NULL;
	struct dashboard_def *cur = NULL;
	for (char *line = copy; line; line = save) {
		char *nl = strchr(line, '\n');
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		char *p = skip_ws(line);
		size_t l = strlen(p);
		while (l && isspace((unsigned char)p[l - 1]))
			p[--l] = '\0';
		if (!*p || *p == '#')
			continue;
		if (!strncmp(p, "dashboard ", 10)) {
			set->d = xrealloc(set->d, (set->n + 1) * sizeof(*set->d));
			cur = &set->d[set->n++];
			memset(cur, 0, sizeof(*cur));
			cur->title = xstrdup(skip_ws(p + 10));
			continue;
		}
		if (strncmp(p, "panel ", 6) != 0) {
			sbuf_addf(err, "%s:%d: expected 'dashboard TITLE' or 'panel VIS \"TITLE\" [every 30s] logql|promql QUERY'\n", path, lineno);
			nerr++;
			continue;
		}
		if (!cur) {
			sbuf_addf(err, "%s:%d: panel before any 'dashboard TITLE' line\n", path, lineno);
			nerr++;
			continue;
		}
		p = skip_ws(p + 6);
		int vis = -1;
		for (size_t i = 0; i < LX_ARRAY_LEN(vis_names); i++) {
			size_t n = strlen(vis_names[i]);
			if (!strncmp(p, vis_names[i], n) && (p[n] == ' ' || p[n] == '\t')) {
				vis = (int)i;
				p = skip_ws(p + n);
			}
		}
		if (vis < 0) {
			sbuf_addf(err, "%s:%d: unknown visualisation (expected sparkline, bar, table, stat or logs)\n", path, lineno);
			nerr++;
			continue;
		}
		char *q = p[0] == '"' ? strchr(p + 1, '"') : NULL;
		if (!q) {
			sbuf_addf(err, "%s:%d: expected a quoted title after '%s'\n", path, lineno, vis_names[vis]);
			nerr++;
			continue;
		}
		*q = '\0';
		char *title = p + 1;
		p = skip_ws(q + 1);
		int64_t every = DEFAULT_EVERY_NS;
		if (!strncmp(p, "every ", 6)) {
			char *e = parse_every(skip_ws(p + 6), &every);
			if (!e) {
				sbuf_addf(err, "%s:%d: expected a duration after 'every' (like 10s, 1m, 1h)\n", path, lineno);
				nerr++;
				continue;
			}
			p = skip_ws(e);
		}
		enum panel_lang lang;
		if (!strncmp(p, "logql ", 6))
			lang = LANG_LOGQL;
		else if (!strncmp(p, "promql ", 7))
			lang = LANG_PROMQL;
		else {
			sbuf_addf(err, "%s:%d: expected 'logql' or 'promql' and a query after the title\n", path, lineno);
			nerr++;
			continue;
		}
		p = skip_ws(p + (lang == LANG_LOGQL ? 6 : 7));
		if (!*p) {
			sbuf_addf(err, "%s:%d: the panel has no query\n", path, lineno);
			nerr++;
			continue;
		}
		if (lang == LANG_PROMQL && vis == VIS_LOGS) {
			sbuf_addf(err, "%s:%d: a logs panel needs a LogQL query (PromQL has no log lines)\n", path, lineno);
			nerr++;
			continue;
		}
		cur->panels = xrealloc(cur->panels, (cur->npanels + 1) * sizeof(*cur->panels));
		cur->panels[cur->npanels++] = (struct panel_def){ (enum panel_vis)vis, lang, xstrdup(title), xstrdup(p), every };
	}
	free(copy);
	return nerr;
}

static char *
read_small(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb.len < (1u << 20))
		sbuf_add(&sb, buf, n);
	fclose(f);
	return sbuf_detach(&sb, NULL);
}

int
dashboard_load_all(struct dashboard_set *set, struct sbuf *err)
{
	int nerr = dashboard_parse(set, "<built-in dashboards>", builtin_dash, err);
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char dir[1024];
	if (xdg && *xdg)
		snprintf(dir, sizeof(dir), "%s/iftop-logs/dashboards", xdg);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.config/iftop-logs/dashboards", home);
	else
		return nerr;
	DIR *d = opendir(dir);
	if (!d)
		return nerr;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".dash"))
			continue;
		char path[2048];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *text = read_small(path);
		if (text) {
			nerr += dashboard_parse(set, path, text, err);
			free(text);
		}
	}
	closedir(d);
	return nerr;
}

void
dashboard_set_release(struct dashboard_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		for (size_t k = 0; k < set->d[i].npanels; k++) {
			free(set->d[i].panels[k].title);
			free(set->d[i].panels[k].query);
		}
		free(set->d[i].panels);
		free(set->d[i].title);
	}
	free(set->d);
	memset(set, 0, sizeof(*set));
}

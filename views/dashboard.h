/**
 * views/dashboard.h: dashboard files.
 *
 * A dashboard file holds one or more dashboards:
 *
 *     dashboard TITLE
 *     panel VIS "TITLE" [every DURATION] logql|promql QUERY
 *
 * VIS is sparkline, bar, table, stat or logs (LogQL only); DURATION (like
 * 30s, 2m) is how often the panel refreshes (default 5 s, at least 1 s).
 * `#` starts a comment line.
 * The built-in file (dashboards/default.dash, compiled in) has the seed's
 * four dashboards; files in $XDG_CONFIG_HOME/iftop-logs/dashboards/NAME.dash
 * add more.  Errors are "path:line: message"; reading goes on.
 */
#ifndef LX_VIEWS_DASHBOARD_H
#define LX_VIEWS_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sbuf.h"

enum panel_vis { VIS_SPARKLINE, VIS_BAR, VIS_TABLE, VIS_STAT, VIS_LOGS };
enum panel_lang { LANG_LOGQL, LANG_PROMQL };

struct panel_def {
	enum panel_vis vis;
	enum panel_lang lang;
	char *title;
	char *query;
	int64_t every_ns;       /* refresh interval */
};

struct dashboard_def {
	char *title;
	struct panel_def *panels;
	size_t npanels;
};

struct dashboard_set {
	struct dashboard_def *d;
	size_t n;
};

/** Parses `text` into `set` (appending); returns the number of errors. */
int dashboard_parse(struct dashboard_set *set, const char *path, const char *text, struct sbuf *err);
/** Loads the built-in dashboards, then the user's files; returns errors. */
int dashboard_load_all(struct dashboard_set *set, struct sbuf *err);
void dashboard_set_release(struct dashboard_set *set);
const char *panel_vis_name(enum panel_vis v);

#endif

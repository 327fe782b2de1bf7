/*
 * views/explore_labels.c: labels for the Explore view: completion (Tab in
 * the editor: lq_complete() plus label names and values and field names a
 * json/logfmt stage extracts) and the label browser (labels, their values
 * and line counts; picked values build a selector).
 *
 * Label names and values come from the store, or on Loki from /labels and
 * /label/NAME/values through a label_cache (30 s TTL, fetched in the
 * background): what is cached shows at once, and the popup or browser
 * refreshes when Loki answers (explore__labels_changed).
 * Must not: draw outside the canvas it gets, write files, or wait on Loki.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sort.h"
#include "core/xalloc.h"
#include "logql/lq.h"
#include "sources/local_query.h"
#include "tui/app.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "views/explore.h"
#include "views/graph.h"
#include "views/logline.h"

/* ---- labels known locally (sources/local_query.c) ---- */

static const char *const local_labels[] = {
	"agent_id", "component", "correlation_id", "filename", "hostname", "level", "service",
};
#define NLABELS (sizeof(local_labels) / sizeof(local_labels[0]))

static const char *const level_names[] = { "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "TRACE" };

/*
 * Loki's cached list for label names (`name` NULL) or a label's values;
 * a fetch it starts counts as one of the app's fetches until it answers.
 */
/* Keeps the app's fetch count equal to the cache's requests in flight. */
static void
fetch_count(struct view *v, size_t before)
{
	struct explore *e = E(v);
	for (size_t i = label_cache_inflight(e->lc); i > before; i--)
		app_fetch_begin(v->app);
	for (size_t i = label_cache_inflight(e->lc); i < before; i++)
		app_fetch_end(v->app);
}

/*
 * Loki's cached list for label names (`name` NULL) or a label's values;
 * a fetch it starts counts as one of the app's fetches until it answers.
 */
static const struct result *
cache_get(struct view *v, const char *name, bool *fetching)
{
	struct explore *e = E(v);
	size_t before = label_cache_inflight(e->lc);
	const struct result *r = label_cache_get(e->lc, name, fetching);
	fetch_count(v, before);
	return r;
}

/*
 * Counts for the values of `label` over Explore's range (Loki), merged
 * into b_items: values only counted are added; the state goes to b_cnt.
 */
static void
browser_counts(struct view *v, const char *label, size_t *cap)
{
	struct explore *e = E(v);
	int64_t from, to;
	explore__current_range(v, &from, &to);
	size_t before = label_cache_inflight(e->lc);
	struct label_counts lc;
	label_cache_counts(e->lc, label, from, to, &lc);
	fetch_count(v, before);
	e->b_cnt = (struct browse_counts){ .known = lc.res != NULL, .fetching = lc.fetching,
					   .bytes = lc.bytes, .capped = lc.capped,
					   .span_ns = lc.res ? lc.span_ns : to - from,
					   .range_ns = to - from };
	snprintf(e->b_cnt.err, sizeof(e->b_cnt.err), "%s", lc.err);
	for (size_t i = 0; lc.res && i < lc.res->nseries; i++) {
		const struct res_series *s = &lc.res->series[i];
		const char *val = res_labels_get(&s->labels, label);
		if (!val || !s->n)
			continue;
		size_t n = s->v[0].v > 0 ? (size_t)llround(s->v[0].v) : 0;
		size_t j = 0;
		while (j < e->b_n && strcmp(e->b_items[j].value, val))
			j++;
		if (j == e->b_n) {
			xgrow(&e->b_items, cap, e->b_n + 1, sizeof(*e->b_items));
			e->b_items[e->b_n++] = (struct browse_item){ xstrdup(val), 0, false };
		}
		e->b_items[j].count = n;
	}
}

/* The store dimension behind a label, or -1. */
static int
label_dim(const char *label)
{
	if (!strcmp(label, "agent_id")) return DIM_AGENT;
	if (!strcmp(label, "component")) return DIM_COMPONENT;
	if (!strcmp(label, "correlation_id")) return DIM_CORR;
	if (!strcmp(label, "filename")) return DIM_ORIGIN;
	return -1;
}

/* Lines scanned for labels the store does not index (hostname, service). */
#define SCAN_LINES 20000
#define SCAN_VALUES 200

/*
 * Values of hostname or service with line counts, from the newest
 * SCAN_LINES lines (the store indexes only agents, components, requests
 * and files).  Appends to *items (grown with xgrow); returns the count
 * added.  At most SCAN_VALUES distinct values.
 */
static size_t
scan_values(const struct store *st, const char *label, struct browse_item **items, size_t *n,
	    size_t *cap)
{
	bool host = !strcmp(label, "hostname");
	if (!host && strcmp(label, "service"))
		return 0;
	size_t first = *n;
	uint64_t lo = store_first_seq(st), seq = store_next_seq(st);
	for (int k = 0; k < SCAN_LINES && seq > lo; k++) {
		const struct log_rec *r = store_get(st, --seq);
		if (!r)
			continue;
		struct scan_result sr;
		scan_line(r->text, r->len, &sr);
		struct span sp = host ? sr.hostname : sr.service;
		if (!sp.len)
			continue;
		size_t i = first;
		for (; i < *n; i++)
			if (strlen((*items)[i].value) == sp.len && !memcmp((*items)[i].value, r->text + sp.off, sp.len))
				break;
		if (i < *n) {
			(*items)[i].count++;
		} else if (*n - first < SCAN_VALUES) {
			xgrow(items, cap, *n + 1, sizeof(**items));
			(*items)[(*n)++] = (struct browse_item){ xstrndup(r->text + sp.off, sp.len), 1, false };
		}
	}
	return *n - first;
}

/* ---- completion ---- */

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void
comp_add(struct explore *e, const char *s, const char *word, size_t wl)
{
	if (e->ncomp == COMP_MAX || strncmp(s, word, wl) != 0)
		return;
	for (int i = 0; i < e->ncomp; i++)
		if (!strcmp(e->comp[i], s))
			return;
	e->comp[e->ncomp++] = xstrdup(s);
}

/* Values of `label` seen in the store (levels: the fixed names). */
static void
comp_values(struct view *v, const char *label, const char *word, size_t wl)
{
	struct explore *e = E(v);
	const struct store *st = v->app->store;
	if (e->lc) {
		bool fetching;
		const struct result *r = cache_get(v, label, &fetching);
		e->comp_wait |= fetching;
		if (r) {
			for (size_t i = 0; i < r->nstrings; i++)
				comp_add(e, r->strings[i], word, wl);
			return;
		}
		/* Nothing from Loki yet: what the store holds meanwhile. */
	}
	if (!strcmp(label, "level")) {
		for (size_t i = 0; i < 5; i++)
			comp_add(e, level_names[i], word, wl);
		return;
	}
	int d = label_dim(label);
	int first = e->ncomp;
	if (d < 0) {
		struct browse_item *it = NULL;
		size_t n = 0, cap = 0;
		scan_values(st, label, &it, &n, &cap);
		for (size_t i = 0; i < n; i++) {
			comp_add(e, it[i].value, word, wl);
			free(it[i].value);
		}
		free(it);
		qsort(e->comp + first, (size_t)(e->ncomp - first), sizeof(char *), cmp_str);
		return;
	}
	uint32_t max = store_dim_max(st, (enum store_dim)d);
	for (uint32_t id = 1; id <= max && e->ncomp < COMP_MAX; id++) {
		const uint64_t *seqs;
		if (!store_index(st, (enum store_dim)d, id, &seqs))
			continue;   /* no line holds it any more */
		const char *s = store_str(st, (enum store_dim)d, id);
		if (*s)
			comp_add(e, s, word, wl);
	}
	qsort(e->comp + first, (size_t)(e->ncomp - first), sizeof(char *), cmp_str);
}

/* Adds the label names of a streams result (skips __error__ and kin). */
static void
comp_names_of(struct explore *e, const struct result *r, const char *word, size_t wl)
{
	if (!r || r->type != RES_STREAMS)
		return;
	for (size_t i = 0; i < r->nstreams; i++)
		for (size_t j = 0; j < r->streams[i].labels.n; j++) {
			const char *n = r->streams[i].labels.v[j].name;
			if (strncmp(n, "__", 2))
				comp_add(e, n, word, wl);
		}
}

/*
 * Field names a parser stage extracts: after `| json` or `| logfmt`, the
 * labels of a small sample (the query's selector with that parser, 100
 * lines over the time range) and of the last result.
 */
static void
comp_fields(struct view *v, const char *word, size_t wl)
{
	struct explore *e = E(v);
	const char *q = e->ed.buf;
	char before[EDITOR_MAX];
	snprintf(before, sizeof(before), "%.*s", (int)e->ed.cur, q);
	const char *parser = strstr(before, "logfmt") ? "logfmt" : strstr(before, "json") ? "json" : NULL;
	if (!parser)
		return;
	int first = e->ncomp;
	comp_names_of(e, e->res, word, wl);
	/* The selector: from the first '{' to its '}' outside quotes. */
	const char *open = strchr(q, '{'), *close = NULL;
	bool quoted = false;
	for (const char *p = open; p && *p; p++) {
		if (*p == '\\' && quoted && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '}' && !quoted) {
			close = p;
			break;
		}
	}
	if (open && close) {
		struct sbuf sq = SBUF_INIT;
		sbuf_addf(&sq, "%.*s | %s", (int)(close - open + 1), open, parser);
		int64_t from, to;
		explore__current_range(v, &from, &to);
		struct lq_eval_params p = { .start_ns = from, .end_ns = to, .limit = 100, .direction = LQ_BACKWARD };
		struct lq_result *lr = NULL;
		struct lq_error err;
		if (local_query(v->app->store, sbuf_str(&sq), &p, &lr, &err) == 0) {
			struct result *r = local_result(lr);
			comp_names_of(e, r, word, wl);
			result_free(r);
			lq_result_free(lr);
		}
		sbuf_release(&sq);
	}
	qsort(e->comp + first, (size_t)(e->ncomp - first), sizeof(char *), cmp_str);
}

/* Replaces the completed word with item `i`, quoting label values. */
void
explore__comp_accept(struct view *v, int i)
{
	struct explore *e = E(v);
	struct sbuf ins = SBUF_INIT;
	if (e->comp_value) {
		if (!e->comp_quoted)
			sbuf_addc(&ins, '"');
		sbuf_adds(&ins, e->comp[i]);
		if (e->ed.buf[e->comp_off + e->comp_len] != '"')
			sbuf_addc(&ins, '"');
	} else {
		sbuf_adds(&ins, e->comp[i]);
	}
	editor_delete(&e->ed, e->comp_off, e->comp_off + e->comp_len);
	editor_insert(&e->ed, ins.buf, ins.len);
	/* Step over a closing quote that was already there. */
	if (e->comp_value && e->ed.buf[e->ed.cur] == '"')
		e->ed.cur++;
	sbuf_release(&ins);
	explore__comp_close(e);
	explore__reparse(v);
}

/* Label names: Loki's when on Loki (the store's until they come). */
static void
comp_names(struct view *v, const char *word, size_t wl)
{
	struct explore *e = E(v);
	if (e->lc) {
		bool fetching;
		const struct result *r = cache_get(v, NULL, &fetching);
		e->comp_wait |= fetching;
		for (size_t i = 0; r && i < r->nstrings; i++)
			if (strncmp(r->strings[i], "__", 2))
				comp_add(e, r->strings[i], word, wl);
		if (r)
			return;
	}
	for (size_t i = 0; i < NLABELS; i++)
		comp_add(e, local_labels[i], word, wl);
}

/*
 * Fills the popup from lq_complete() at the cursor.  A fresh Tab inserts a
 * single candidate at once; a refresh (Loki answered) only shows the list.
 */
static void
complete(struct view *v, bool refresh)
{
	struct explore *e = E(v);
	explore__comp_close(e);
	e->comp_wait = false;
	struct lq_completion lc;
	lq_complete(e->ed.buf, e->ed.len, e->ed.cur, &lc);
	char word[256];
	size_t wl = lc.word_len < sizeof(word) - 1 ? lc.word_len : sizeof(word) - 1;
	memcpy(word, e->ed.buf + lc.word_off, wl);
	word[wl] = '\0';
	e->comp_off = lc.word_off;
	e->comp_len = lc.word_len;
	e->comp_value = (lc.expect & LQ_X_LABEL_VALUE) && lc.label[0];
	e->comp_quoted = e->comp_value && lc.word_off > 0 && e->ed.buf[lc.word_off - 1] == '"';
	if (e->comp_value)
		comp_values(v, lc.label, word, wl);
	if (lc.expect & LQ_X_LABEL_NAME) {
		comp_fields(v, word, wl);
		comp_names(v, word, wl);
	}
	if (lc.expect & LQ_X_SELECTOR && wl == 0)
		comp_add(e, "{", word, wl);
	for (int i = 0; i < 48 && lc.suggest[i]; i++)
		comp_add(e, lc.suggest[i], word, wl);
	if (e->comp_wait) {
		e->comp_wait_cur = e->ed.cur;
		e->comp_wait_len = e->ed.len;
		if (!refresh)
			app_message(v->app, 0, "asking Loki for %s%s...", e->comp_value ? "the values of " : "label names",
				    e->comp_value ? lc.label : "");
	}
	if (refresh)
		return;
	if (e->ncomp == 0 && !e->comp_wait)
		app_message(v->app, 0, "no completion here");
	if (e->ncomp == 1 && !e->comp_wait)
		explore__comp_accept(v, 0);
}

void
explore__complete(struct view *v)
{
	complete(v, false);
}

/* ---- label browser ---- */

/* Most lines first, then by name. */
static int
browse_cmp(const void *x, const void *y)
{
	const struct browse_item *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->value, b->value);
}

void
explore__browser_free(struct explore *e)
{
	for (size_t i = 0; i < e->b_n; i++)
		free(e->b_items[i].value);
	free(e->b_items);
	e->b_items = NULL;
	e->b_n = 0;
	for (int i = 0; i < e->b_nlabels; i++)
		free(e->b_labels[i]);
	free(e->b_labels);
	e->b_labels = NULL;
	e->b_nlabels = 0;
}

/* The picks of label `name`; a free slot when `create` (NULL when full). */
static struct browse_pick *
pick_of(struct explore *e, const char *name, bool create)
{
	struct browse_pick *free_slot = NULL;
	for (size_t i = 0; i < LX_ARRAY_LEN(e->b_picks); i++) {
		struct browse_pick *p = &e->b_picks[i];
		if (p->name[0] && !strcmp(p->name, name))
			return p;
		if (!free_slot && (!p->name[0] || !p->vals[0]))
			free_slot = p;
	}
	if (!create || !free_slot || strlen(name) >= sizeof(free_slot->name))
		return NULL;
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	free_slot->vals[0] = '\0';
	return free_slot;
}

/* Fills b_labels: Loki's label names (when cached) or the store's. */
static void
browser_labels(struct view *v)
{
	struct explore *e = E(v);
	char keep[64] = "";
	if (e->b_label < e->b_nlabels)
		snprintf(keep, sizeof(keep), "%s", e->b_labels[e->b_label]);
	else
		snprintf(keep, sizeof(keep), "%s", e->b_want);
	for (int i = 0; i < e->b_nlabels; i++)
		free(e->b_labels[i]);
	free(e->b_labels);
	e->b_labels = NULL;
	e->b_nlabels = 0;
	size_t cap = 0;
	const struct result *r = e->lc ? cache_get(v, NULL, NULL) : NULL;
	size_t n = r ? r->nstrings : e->lc ? 0 : NLABELS;
	for (size_t i = 0; i < n; i++) {
		const char *name = r ? r->strings[i] : local_labels[i];
		if (!strncmp(name, "__", 2))
			continue;
		xgrow(&e->b_labels, &cap, (size_t)e->b_nlabels + 1, sizeof(char *));
		e->b_labels[e->b_nlabels++] = xstrdup(name);
	}
	e->b_label = 0;
	for (int i = 0; i < e->b_nlabels; i++)
		if (!strcmp(e->b_labels[i], keep))
			e->b_label = i;
}

void
explore__browser_open(struct view *v)
{
	struct explore *e = E(v);
	e->browsing = true;
	e->b_on_values = false;
	/* Start at the first label of the query's selector: {run="x"} -> run. */
	const char *q = e->ed.buf;
	size_t n = 0;
	while (*q == ' ' || *q == '{')
		q++;
	while (n < sizeof(e->b_want) - 1 && (q[n] == '_' || isalnum((unsigned char)q[n])))
		n++;
	snprintf(e->b_want, sizeof(e->b_want), "%.*s", (int)n, e->ed.buf[0] == '{' ? q : "");
	e->b_label = e->b_nlabels;  /* none kept: the wanted one, else the first */
	browser_labels(v);
	explore__browser_load(v);
}

void
explore__browser_load(struct view *v)
{
	struct explore *e = E(v);
	for (size_t i = 0; i < e->b_n; i++)
		free(e->b_items[i].value);
	free(e->b_items);
	e->b_items = NULL;
	e->b_n = 0;
	e->b_loading = false;
	e->b_sel = e->b_top = 0;
	if (e->b_label >= e->b_nlabels)
		return;
	const struct store *st = v->app->store;
	const char *label = e->b_labels[e->b_label];
	size_t cap = 0;
	if (e->lc) {
		bool fetching;
		const struct result *r = cache_get(v, label, &fetching);
		e->b_loading = fetching && !r;
		for (size_t i = 0; r && i < r->nstrings; i++) {
			xgrow(&e->b_items, &cap, e->b_n + 1, sizeof(*e->b_items));
			e->b_items[e->b_n++] = (struct browse_item){ xstrdup(r->strings[i]), 0, false };
		}
		browser_counts(v, label, &cap);
	} else if (!strcmp(label, "level")) {
		for (int l = LVL_TRACE; l <= LVL_FATAL; l++) {
			const uint64_t *seqs;
			size_t n = store_level_index(st, (enum log_level)l, &seqs);
			if (!n)
				continue;
			xgrow(&e->b_items, &cap, e->b_n + 1, sizeof(*e->b_items));
			e->b_items[e->b_n++] = (struct browse_item){ xstrdup(scan_level_str((enum log_level)l)), n, false };
		}
	} else if (label_dim(label) >= 0) {
		enum store_dim d = (enum store_dim)label_dim(label);
		uint32_t max = store_dim_max(st, d);
		for (uint32_t id = 1; id <= max; id++) {
			const uint64_t *seqs;
			size_t n = store_index(st, d, id, &seqs);
			const char *s = store_str(st, d, id);
			if (!n || !*s)
				continue;
			xgrow(&e->b_items, &cap, e->b_n + 1, sizeof(*e->b_items));
			e->b_items[e->b_n++] = (struct browse_item){ xstrdup(s), n, false };
		}
	} else {
		scan_values(st, label, &e->b_items, &e->b_n, &cap);
	}
	sort_n(e->b_items, e->b_n, sizeof(*e->b_items), browse_cmp);
	const struct browse_pick *pk = pick_of(e, label, false);
	char picks[520];
	snprintf(picks, sizeof(picks), "\x1f%s\x1f", pk ? pk->vals : "");
	for (size_t i = 0; i < e->b_n; i++) {
		char k[300];
		snprintf(k, sizeof(k), "\x1f%.290s\x1f", e->b_items[i].value);
		e->b_items[i].picked = strstr(picks, k) != NULL;
	}
}

void
explore__labels_changed(void *ud, const char *name)
{
	struct view *v = ud;
	struct explore *e = E(v);
	app_fetch_end(v->app);
	if (e->browsing) {
		if (!name) {
			browser_labels(v);
			if (!e->b_on_values)
				explore__browser_load(v);
		} else if (e->b_label < e->b_nlabels && !strcmp(name, e->b_labels[e->b_label])) {
			int sel = e->b_sel;
			explore__browser_load(v);
			e->b_sel = sel < (int)e->b_n ? sel : 0;
		}
	}
	if (e->comp_wait && e->editing && e->ed.cur == e->comp_wait_cur && e->ed.len == e->comp_wait_len)
		complete(v, true);
	app_dirty(v->app);
}

static void
browser_sync_picks(struct explore *e)
{
	if (e->b_label >= e->b_nlabels)
		return;
	struct browse_pick *pk = pick_of(e, e->b_labels[e->b_label], true);
	if (!pk)
		return;
	char *p = pk->vals;
	size_t len = 0;
	p[0] = '\0';
	for (size_t i = 0; i < e->b_n; i++)
		if (e->b_items[i].picked && len < sizeof(pk->vals) - 2)
			len += (size_t)snprintf(p + len, sizeof(pk->vals) - len, "%s%s", len ? "\x1f" : "", e->b_items[i].value);
}

/* The selector built from the picks: {a="x", b=~"y|z"}. */
static void
browser_selector(struct explore *e, struct sbuf *out)
{
	sbuf_addc(out, '{');
	bool first = true;
	for (size_t l = 0; l < LX_ARRAY_LEN(e->b_picks); l++) {
		const char *p = e->b_picks[l].vals;
		if (!e->b_picks[l].name[0] || !*p)
			continue;
		bool many = strchr(p, '\x1f') != NULL;
		sbuf_addf(out, "%s%s%s", first ? "" : ", ", e->b_picks[l].name, many ? "=~" : "=");
		if (!many) {
			lq_quote(out, p, strlen(p));
		} else {
			/* Alternatives, each regex-escaped: a.log -> a\\.log. */
			struct sbuf re = SBUF_INIT;
			for (const char *c = p; *c; c++) {
				if (*c == '\x1f')
					sbuf_addc(&re, '|');
				else {
					if (strchr(".+*?()[]{}|^$\\", *c))
						sbuf_addc(&re, '\\');
					sbuf_addc(&re, *c);
				}
			}
			lq_quote(out, re.buf, re.len);
			sbuf_release(&re);
		}
		first = false;
	}
	sbuf_addc(out, '}');
}

void
explore__draw_browser(struct view *v, struct tui_canvas *c)
{
	struct explore *e = E(v);
	int lw = 18;
	tui_move(c, 0, 0);
	tui_put_field(c, THEME_HEADER, " LABEL", 6, lw, TUI_LEFT);
	tui_put_text(c, THEME_HEADER, "  VALUE (Space picks, Enter builds the selector, Esc closes)");
	tui_fill(c, THEME_HEADER, ' ');
	/* On Loki one row above the selector says what the counts are. */
	int rows = c->h - (e->lc ? 3 : 2);
	e->page_rows = rows > 1 ? rows : 1;
	/* The label column scrolls to keep the current label in view. */
	int first = e->b_label >= rows ? e->b_label - rows + 1 : 0;
	for (int l = first; l < e->b_nlabels && l - first < rows; l++) {
		tui_move(c, 1 + l - first, 0);
		bool s = l == e->b_label;
		uint16_t st = s ? (e->b_on_values ? THEME_TITLE : THEME_SELECTION) : THEME_LABEL_KEY;
		const struct browse_pick *pk = pick_of(e, e->b_labels[l], false);
		char b[80];
		snprintf(b, sizeof(b), " %.60s%s", e->b_labels[l], pk && pk->vals[0] ? " *" : "");
		tui_put_field(c, st, b, strlen(b), lw, TUI_LEFT);
	}
	if (!e->b_nlabels) {
		const char *lerr = label_cache_error(e->lc, NULL);
		tui_move(c, 1, 1);
		if (*lerr)   /* the failure fills the row: Loki's words, cut at the edge */
			tui_printf(c, THEME_ERROR, "labels: Loki: %s", lerr);
		else
			tui_put_text(c, THEME_MUTED, e->lc ? "asking Loki..." : "no labels");
	}
	if (e->b_sel < e->b_top)
		e->b_top = e->b_sel;
	if (e->b_sel >= e->b_top + rows)
		e->b_top = e->b_sel - rows + 1;
	if (!e->b_n && e->b_nlabels) {
		tui_move(c, 1, lw + 2);
		const char *lerr = e->b_label < e->b_nlabels ? label_cache_error(e->lc, e->b_labels[e->b_label]) : "";
		if (*lerr)
			tui_printf(c, THEME_ERROR, "Loki: %s", lerr);
		else
			tui_put_text(c, THEME_MUTED, e->b_loading ? "asking Loki for the values..." :
				     e->lc ? "Loki has no values for this label" : "no values in the store for this label");
	}
	for (int r = 0; r < rows && e->b_top + r < (int)e->b_n; r++) {
		const struct browse_item *it = &e->b_items[e->b_top + r];
		bool s = e->b_on_values && e->b_top + r == e->b_sel;
		struct tui_canvas row = tui_canvas_sub(c, 1 + r, lw + 1, 1, c->w - lw - 1);
		uint16_t base = s ? THEME_SELECTION : THEME_NORMAL;
		tui_put_text(&row, it->picked ? THEME_OK : base, it->picked ? " [x] " : " [ ] ");
		char cnt[32] = "";
		if (e->lc && e->b_cnt.known && e->b_cnt.bytes)
			explore__fmt_bytes(it->count, cnt, sizeof(cnt));
		else if (it->count || (e->lc && e->b_cnt.known))
			snprintf(cnt, sizeof(cnt), "%zu", it->count);
		int vw = row.w - 5 - 10;
		tui_put_field(&row, s ? base : THEME_LABEL_VALUE, it->value, strlen(it->value), vw > 4 ? vw : 4, TUI_LEFT);
		tui_put_field(&row, s ? base : THEME_MUTED, cnt, strlen(cnt), 9, TUI_RIGHT);
		if (s)
			tui_fill(&row, base, ' ');
	}
	if (e->lc && e->b_label < e->b_nlabels) {
		tui_move(c, c->h - 2, 0);
		char d[32], r[32], line[300];
		const struct browse_counts *bc = &e->b_cnt;
		lq_fmt_prom_duration(bc->span_ns / 1000000, d, sizeof(d));
		lq_fmt_prom_duration(bc->range_ns / 1000000, r, sizeof(r));
		if (bc->err[0])
			snprintf(line, sizeof(line), " counts failed: %s", bc->err);
		else if (!bc->known)
			snprintf(line, sizeof(line), " counting... (values with their lines over the last %s)", d);
		else if (bc->bytes)
			snprintf(line, sizeof(line), " bytes per value over the last %s (Loki's index volume)", d);
		else
			snprintf(line, sizeof(line), " lines per value over the last %s%s%s%s", d,
				 bc->capped ? " (capped from " : "", bc->capped ? r : "",
				 bc->capped ? ": counting reads every line)" : "");
		tui_put_text(c, bc->err[0] ? THEME_ERROR : THEME_MUTED, line);
	}
	struct sbuf sel = SBUF_INIT;
	browser_selector(e, &sel);
	tui_move(c, c->h - 1, 0);
	tui_put_text(c, THEME_MUTED, " selector: ");
	tui_put_text(c, THEME_LABEL_VALUE, sbuf_str(&sel));
	sbuf_release(&sel);
}

int
explore__browser_request(struct view *v, enum request req, int key)
{
	struct explore *e = E(v);
	if (key == ' ' && e->b_on_values && e->b_sel < (int)e->b_n) {
		e->b_items[e->b_sel].picked = !e->b_items[e->b_sel].picked;
		browser_sync_picks(e);
		return RES_HANDLED | RES_REDRAW;
	}
	switch (req) {
	case REQ_SCROLL_DOWN:
		if (e->b_on_values) {
			if (e->b_sel + 1 < (int)e->b_n)
				e->b_sel++;
		} else if (e->b_label + 1 < e->b_nlabels) {
			e->b_label++;
			explore__browser_load(v);
		}
		break;
	case REQ_SCROLL_UP:
		if (e->b_on_values) {
			if (e->b_sel > 0)
				e->b_sel--;
		} else if (e->b_label > 0) {
			e->b_label--;
			explore__browser_load(v);
		}
		break;
	case REQ_PAGE_DOWN:
		if (e->b_on_values)
			e->b_sel = e->b_sel + e->page_rows < (int)e->b_n ? e->b_sel + e->page_rows : (int)e->b_n - 1;
		break;
	case REQ_PAGE_UP:
		if (e->b_on_values)
			e->b_sel = e->b_sel > e->page_rows ? e->b_sel - e->page_rows : 0;
		break;
	case REQ_SCROLL_RIGHT:
		if (e->b_n)
			e->b_on_values = true;
		break;
	case REQ_SCROLL_LEFT:
		e->b_on_values = false;
		break;
	case REQ_ENTER: {
		if (!e->b_on_values) {
			if (e->b_n)
				e->b_on_values = true;
			break;
		}
		struct sbuf sel = SBUF_INIT;
		browser_selector(e, &sel);
		/* Replace the query's leading selector, keep its pipeline. */
		const char *q = e->ed.buf;
		const char *rest = "";
		if (q[0] == '{') {
			const char *close = strchr(q, '}');
			if (close)
				rest = close + 1;
		}
		sbuf_adds(&sel, rest);
		editor_set(&e->ed, sbuf_str(&sel));
		sbuf_release(&sel);
		explore__reparse(v);
		e->browsing = false;
		e->editing = true;
		break;
	}
	case REQ_BACK:
	case REQ_LABELS:
		e->browsing = false;
		break;
	case REQ_QUIT: case REQ_HELP: case REQ_NEXT_VIEW: case REQ_PREV_VIEW: case REQ_COMMAND:
	case REQ_VIEW_1: case REQ_VIEW_2: case REQ_VIEW_3: case REQ_VIEW_4:
		return RES_UNHANDLED;
	default:
		break;
	}
	return RES_HANDLED | RES_REDRAW;
}

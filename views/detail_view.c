/*
 * views/detail_view.c: one log line in full.
 *
 * A header of what iftop-logs knows about the line (time in both zones,
 * origin, flags), then the line itself: pretty-printed JSON with every
 * field when it parses, else the raw text with the parser's complaint.
 * The text is built once at open; the view scrolls it.  t opens the
 * line's request waterfall, a the tail of its agent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/xalloc.h"
#include "tui/app.h"
#include "tui/theme.h"
#include "views/logline.h"
#include "views/view.h"

struct detail {
	uint64_t seq;
	struct sbuf text;      /* lines separated by '\n' */
	size_t nlines;
	int scroll, page;
	char corr[96], agent[64];
};

static int
detail_open(struct view *v, const struct view_args *args)
{
	struct detail *d = v->priv;
	struct app *a = v->app;
	const struct log_rec *r = store_get(a->store, args->seq);
	if (!r) {
		app_message(a, 1, "that line is no longer held (evicted by the memory cap)");
		return LX_ENOENT;
	}
	d->seq = r->seq;
	snprintf(d->corr, sizeof(d->corr), "%s", store_str(a->store, DIM_CORR, r->id[DIM_CORR]));
	snprintf(d->agent, sizeof(d->agent), "%s", store_str(a->store, DIM_AGENT, r->id[DIM_AGENT]));
	struct sbuf *sb = &d->text;
	char t1[64], t2[64];
	bool utc = a->utc;
	a->utc = true;
	app_fmt_time(a, r->ts_ns, true, t1, sizeof(t1));
	a->utc = false;
	app_fmt_time(a, r->ts_ns, true, t2, sizeof(t2));
	a->utc = utc;
	sbuf_addf(sb, "line #%llu   time %s UTC  (%s local)%s\n", (unsigned long long)r->seq, t1, t2,
		  r->flags & LOG_F_TS_ARRIVAL ? "  [no timestamp in the line: arrival time]" : "");
	const char *origin = store_str(a->store, DIM_ORIGIN, r->id[DIM_ORIGIN]);
	sbuf_addf(sb, "from %s   %u bytes", *origin ? origin : "?", r->full_len);
	if (r->flags & LOG_F_TRUNCATED)
		sbuf_addf(sb, "  [cut to %u bytes for display]", r->len);
	if (r->flags & LOG_F_OUT_OF_ORDER)
		sbuf_adds(sb, "  [arrived out of order]");
	if (r->flags & LOG_F_CLOCK_SKEW)
		sbuf_adds(sb, "  [timestamp ahead of the local clock]");
	sbuf_adds(sb, "\n");
	if (d->corr[0] || d->agent[0])
		sbuf_addf(sb, "keys: t waterfall of %s   a tail of %s   Esc back\n", *d->corr ? d->corr : "-",
			  *d->agent ? d->agent : "-");
	sbuf_adds(sb, "\n");
	json_error_t err;
	json_t *j = (r->flags & LOG_F_TRUNCATED) ? NULL : json_loadb(r->text, r->len, 0, &err);
	if (j && json_is_object(j)) {
		char *pretty = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		if (pretty)
			sbuf_adds(sb, pretty);
		free(pretty);
	} else {
		if (r->flags & LOG_F_TRUNCATED)
			sbuf_adds(sb, "(line cut at the display cap; shown raw)\n");
		else if (r->flags & (LOG_F_JSON | LOG_F_BAD_JSON) || (r->len && r->text[0] == '{'))
			sbuf_addf(sb, "(not valid JSON: %s at column %d; shown raw)\n", err.text, err.column);
		else
			sbuf_adds(sb, "(plain text line)\n");
		sbuf_add(sb, r->text, r->len);
	}
	json_decref(j);
	d->nlines = 1;
	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == '\n')
			d->nlines++;
	return 0;
}

static void
detail_close(struct view *v)
{
	struct detail *d = v->priv;
	sbuf_release(&d->text);
}

static void
detail_draw(struct view *v, struct tui_canvas *c)
{
	struct detail *d = v->priv;
	d->page = c->h;
	if (d->scroll > (int)d->nlines - 1)
		d->scroll = (int)d->nlines - 1;
	if (d->scroll < 0)
		d->scroll = 0;
	const char *p = sbuf_str(&d->text);
	int line = 0, y = 0;
	while (*p && y < c->h) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (line++ >= d->scroll) {
			struct tui_canvas row = tui_canvas_sub(c, y++, 1, 1, c->w - 1);
			uint16_t st = line <= 3 ? THEME_MUTED : THEME_NORMAL;
			/* JSON keys in the key colour: `  "key": value` */
			const char *q = p;
			while (q < p + n && *q == ' ')
				q++;
			const char *colon = q < p + n && *q == '"' ? memchr(q + 1, '"', (size_t)(p + n - q - 1)) : NULL;
			if (line > 3 && colon && colon + 1 < p + n && colon[1] == ':') {
				tui_put_textn(&row, THEME_NORMAL, p, (size_t)(q - p));
				tui_put_textn(&row, THEME_LABEL_KEY, q, (size_t)(colon + 1 - q));
				tui_put_textn(&row, THEME_LABEL_VALUE, colon + 1, (size_t)(p + n - colon - 1));
			} else {
				tui_put_textn(&row, st, p, n);
			}
		}
		if (!e)
			break;
		p = e + 1;
	}
}

static int
detail_request(struct view *v, enum request req, int key)
{
	struct detail *d = v->priv;
	(void)key;
	switch (req) {
	case REQ_SCROLL_DOWN: d->scroll++; break;
	case REQ_SCROLL_UP: d->scroll--; break;
	case REQ_PAGE_DOWN: d->scroll += d->page; break;
	case REQ_PAGE_UP: d->scroll -= d->page; break;
	case REQ_MOVE_FIRST: d->scroll = 0; break;
	case REQ_MOVE_LAST: d->scroll = (int)d->nlines - d->page; break;
	case REQ_OPEN_TRACE:
		if (!d->corr[0]) {
			app_message(v->app, 0, "this line has no correlation id");
		} else if (!app_switch_to(v->app, "trace", &(struct view_args){ .corr = d->corr })) {
			app_message(v->app, 1, "request %s: the trace view is not in this build", d->corr);
		}
		break;
	case REQ_FILTER_AGENT:
		if (d->agent[0])
			app_switch_to(v->app, "tail", &(struct view_args){ .agent = d->agent, .seq = d->seq });
		break;
	case REQ_BACK:
		return RES_CLOSE;
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED;
}

static void
detail_status(struct view *v, char *buf, size_t size)
{
	struct detail *d = v->priv;
	snprintf(buf, size, "LINE #%llu", (unsigned long long)d->seq);
}

const struct view_ops detail_view_ops = {
	.name = "detail",
	.flags = 0,
	.private_size = sizeof(struct detail),
	.open = detail_open,
	.close = detail_close,
	.draw = detail_draw,
	.request = detail_request,
	.status = detail_status,
	.min_rows = 2,
	.min_cols = 20,
};

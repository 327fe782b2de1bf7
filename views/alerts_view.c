/*
 * views/alerts_view.c: alert instances (firing first, then pending) and the
 * rules behind them.  Enter leads to the log lines behind an alert: the
 * tail of its agent around the time it started, or the errors otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "tui/app.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/logline.h"
#include "views/stats.h"
#include "views/view.h"

struct alertsv {
	int sel, scroll;
};

/* Index of the i-th alert shown: firing first, then pending. */
static const struct alert *
nth(const struct alerts *al, int i)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t k = 0; k < al->n; k++)
			if (al->a[k].state == (pass ? ALERT_PENDING : ALERT_FIRING) && i-- == 0)
				return &al->a[k];
	return NULL;
}

static void
alerts_draw(struct view *v, struct tui_canvas *c)
{
	struct alertsv *s = v->priv;
	const struct alerts *al = &v->app->alerts;
	int64_t now = app_now(v->app);
	size_t firing = alerts_count(al, ALERT_FIRING), pending = alerts_count(al, ALERT_PENDING);
	tui_move(c, 0, 1);
	tui_printf(c, firing ? THEME_ERROR : THEME_OK, "%zu firing", firing);
	tui_printf(c, pending ? THEME_WARN : THEME_MUTED, "  %zu pending", pending);
	tui_printf(c, THEME_MUTED, "  %zu local rules, evaluated every 5 s on the lines held;  Prometheus: %s",
		   al->nrules, *v->app->cfg->prom_addr ? v->app->cfg->prom_addr : "not configured");
	struct tui_column cols[] = {
		{ "STATE", 7, 7, 0, TUI_LEFT, false },
		{ "ALERT", 12, 16, 1, TUI_LEFT, false },
		{ "LABELS", 16, 40, 2, TUI_LEFT, false },
		{ "VALUE", 9, 9, 0, TUI_RIGHT, false },
		{ "FOR", 7, 7, 0, TUI_RIGHT, false },
	};
	int w[5];
	struct tui_canvas tc = tui_canvas_sub(c, 1, 1, c->h - 1, c->w - 1);
	tui_columns_layout(cols, 5, tc.w, w);
	tui_columns_header(&tc, 0, cols, w, 5);
	int n = (int)(firing + pending);
	int rows = c->h / 3 - 1 > 3 ? c->h / 3 - 1 : c->h - 3;
	if (s->sel >= n)
		s->sel = n ? n - 1 : 0;
	if (s->sel < s->scroll)
		s->scroll = s->sel;
	if (s->sel >= s->scroll + rows)
		s->scroll = s->sel - rows + 1;
	if (n == 0) {
		tui_move(&tc, 1, 0);
		tui_put_text(&tc, THEME_MUTED, "nothing firing or pending");
	}
	for (int r = 0; r < rows && s->scroll + r < n; r++) {
		const struct alert *a = nth(al, s->scroll + r);
		const struct alert_rule *rule = &al->rules[a->rule];
		bool sel = s->scroll + r == s->sel;
		uint16_t base = sel ? THEME_SELECTION : THEME_NORMAL;
		struct tui_canvas row = tui_canvas_sub(&tc, 1 + r, 0, 1, tc.w);
		const char *st = a->state == ALERT_FIRING ? "FIRING" : "pending";
		char val[32], dur[32];
		tui_put_field(&row, a->state == ALERT_FIRING ? THEME_ERROR : THEME_WARN, st, strlen(st), w[0], TUI_LEFT);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, sel ? base : THEME_TITLE, rule->name, strlen(rule->name), w[1], TUI_LEFT);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, sel ? base : THEME_LABEL_VALUE, a->labels, strlen(a->labels), w[2], TUI_LEFT);
		snprintf(val, sizeof(val), "%.4g", a->value);
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, base, val, strlen(val), w[3], TUI_RIGHT);
		stats_fmt_age(now - a->active_since, dur, sizeof(dur));
		tui_put_cp(&row, base, ' ');
		tui_put_field(&row, base, dur, strlen(dur), w[4], TUI_RIGHT);
		if (sel)
			tui_fill(&row, base, ' ');
	}
	/* Prometheus' own alerts, when it is configured. */
	int y = 2 + rows + 1;
	const struct stack_status *ss = v->app->stack ? stack_status(v->app->stack) : NULL;
	if (ss && ss->prom != STACK_OFF && y < tc.h) {
		tui_move(&tc, y++, 0);
		tui_put_text(&tc, THEME_HEADER, "PROMETHEUS ALERTS");
		tui_fill(&tc, THEME_HEADER, ' ');
		if (ss->prom == STACK_DOWN && y < tc.h) {
			struct tui_canvas row = tui_canvas_sub(&tc, y++, 0, 1, tc.w);
			tui_put_text(&row, THEME_ERROR, ss->prom_msg);
		}
		for (size_t i = 0; ss->alerts && i < ss->alerts->nalerts && y < tc.h; i++, y++) {
			const struct prom_alert *pa = &ss->alerts->alerts[i];
			struct tui_canvas row = tui_canvas_sub(&tc, y, 0, 1, tc.w);
			bool fire = !strcmp(pa->state, "firing");
			const char *name = res_labels_get(&pa->labels, "alertname");
			struct sbuf lab = SBUF_INIT;
			res_labels_format(&pa->labels, &lab);
			tui_put_field(&row, fire ? THEME_ERROR : THEME_WARN, fire ? "FIRING" : "pending", fire ? 6 : 7, w[0], TUI_LEFT);
			tui_put_cp(&row, THEME_NORMAL, ' ');
			tui_put_field(&row, THEME_TITLE, name ? name : "?", name ? strlen(name) : 1, w[1], TUI_LEFT);
			tui_put_cp(&row, THEME_NORMAL, ' ');
			tui_put_field(&row, THEME_LABEL_VALUE, sbuf_str(&lab), lab.len, w[2], TUI_LEFT);
			tui_printf(&row, THEME_MUTED, "  since %s", pa->active_at);
			sbuf_release(&lab);
		}
		if (ss->alerts && ss->alerts->nalerts == 0 && y < tc.h) {
			tui_move(&tc, y++, 0);
			tui_put_text(&tc, THEME_MUTED, "none");
		}
		y++;
	}
	/* The rules. */
	if (y < tc.h) {
		tui_move(&tc, y++, 0);
		tui_put_text(&tc, THEME_HEADER, "RULES");
		tui_fill(&tc, THEME_HEADER, ' ');
	}
	for (size_t i = 0; i < al->nrules && y < tc.h; i++, y++) {
		const struct alert_rule *rule = &al->rules[i];
		struct tui_canvas row = tui_canvas_sub(&tc, y, 0, 1, tc.w);
		char head[160], fordur[32] = "";
		if (rule->for_ns)
			snprintf(fordur, sizeof(fordur), " for %llds", (long long)(rule->for_ns / 1000000000LL));
		snprintf(head, sizeof(head), "%-16s %s %g%s  ", rule->name, alert_op_str(rule->op), rule->threshold, fordur);
		tui_put_text(&row, THEME_TITLE, head);
		tui_put_text(&row, rule->err[0] ? THEME_ERROR : THEME_MUTED, rule->err[0] ? rule->err : rule->expr);
	}
}

static int
alerts_request(struct view *v, enum request req, int key)
{
	struct alertsv *s = v->priv;
	(void)key;
	const struct alerts *al = &v->app->alerts;
	switch (req) {
	case REQ_SCROLL_DOWN: s->sel++; break;
	case REQ_SCROLL_UP: if (s->sel > 0) s->sel--; break;
	case REQ_REDRAW: app_eval_alerts(v->app); break;
	case REQ_ENTER: {
		const struct alert *a = nth(al, s->sel);
		if (!a)
			break;
		/* The lines behind it: the agent's tail from when it started. */
		struct view_args args = { .around_ns = a->active_since - 60 * 1000000000LL };
		if (a->agent[0])
			args.agent = a->agent;
		app_switch_to(v->app, "tail", &args);
		break;
	}
	default:
		return RES_UNHANDLED;
	}
	return RES_HANDLED;
}

static void
alerts_status(struct view *v, char *buf, size_t size)
{
	(void)v;
	snprintf(buf, size, "ALERTS  Enter: the lines behind the alert  C-l: evaluate now");
}

const struct view_ops alerts_view_ops = {
	.name = "alerts",
	.flags = VIEW_TAB,
	.private_size = sizeof(struct alertsv),
	.draw = alerts_draw,
	.request = alerts_request,
	.status = alerts_status,
	.min_rows = 5,
	.min_cols = 40,
};

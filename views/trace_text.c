/*
 * views/trace_text.c: waterfall to text / JSON.  Uses views/spans.c for the
 * model; writes into an sbuf, never to a terminal, so log text is escaped
 * here the same way the canvas does it (control characters visible).
 */
#include "views/trace_text.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "views/logline.h"
#include "views/spans.h"

static void
add_field(struct sbuf *out, const char *s, int width)
{
	int n = (int)strlen(s);
	if (n > width) {
		sbuf_add(out, s, (size_t)width - 1);
		sbuf_addc(out, '~');
	} else {
		sbuf_adds(out, s);
		for (int i = n; i < width; i++)
			sbuf_addc(out, ' ');
	}
}

static void
add_bar(struct sbuf *out, double fx0, double fx1, int width, bool point, bool ascii)
{
	static const char *const eighths[8] = { "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" };
	int a = (int)floor(fx0);
	double end = fx1 < fx0 + 0.125 ? fx0 + 0.125 : fx1;
	int full = (int)floor(end), frac = (int)((end - full) * 8);
	int col = 0;
	for (; col < a && col < width; col++)
		sbuf_addc(out, ' ');
	if (point) {
		sbuf_adds(out, ascii ? "|" : "\u2502");
		col++;
	} else {
		for (; col < full && col < width; col++)
			sbuf_adds(out, ascii ? "#" : "\u2588");
		if (frac > 0 && col < width) {
			sbuf_adds(out, ascii ? (frac >= 4 ? "=" : "-") : eighths[frac]);
			col++;
		}
	}
	for (; col < width; col++)
		sbuf_addc(out, ' ');
}

static void
fmt_time(int64_t ns, bool utc, char *buf, size_t size)
{
	time_t s = (time_t)(ns / 1000000000LL);
	struct tm tm;
	if (utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	char zone[16];
	strftime(zone, sizeof(zone), utc ? "UTC" : "%Z", &tm);
	snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d.%03d %s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000LL / 1000000), zone);
}

static int
as_json(const struct store *st, const char *corr, const struct trace *tr, struct sbuf *out)
{
	json_t *root = json_object();
	json_object_set_new(root, "correlation_id", json_string(corr));
	json_object_set_new(root, "start_ns", json_integer(tr->t0));
	json_object_set_new(root, "duration_ms", json_real((double)(tr->t1 - tr->t0) / 1e6));
	json_object_set_new(root, "errors", json_integer(tr->errors));
	json_object_set_new(root, "critical_path_ms", json_real((double)tr->crit_ns / 1e6));
	json_object_set_new(root, "idle_ms", json_real((double)tr->gap_ns / 1e6));
	json_t *spans = json_array();
	char msg[4096];
	for (size_t i = 0; i < tr->n; i++) {
		const struct span_item *s = &tr->s[i];
		const struct log_rec *r = store_get(st, s->seq);
		json_t *j = json_object();
		json_object_set_new(j, "agent_id", json_string(store_str(st, DIM_AGENT, s->agent)));
		json_object_set_new(j, "component", json_string(store_str(st, DIM_COMPONENT, s->component)));
		json_object_set_new(j, "level", json_string(scan_level_str(s->level)));
		json_object_set_new(j, "offset_ms", json_real((double)(s->start - tr->t0) / 1e6));
		json_object_set_new(j, "duration_ms", s->point ? json_null() : json_real((double)(s->end - s->start) / 1e6));
		json_object_set_new(j, "critical", json_boolean(s->critical));
		json_object_set_new(j, "parent", s->parent >= 0 ? json_integer(s->parent) : json_null());
		size_t n = r ? logline_message(r, false, msg, sizeof(msg)) : 0;
		json_object_set_new(j, "message", json_stringn_nocheck(msg, n));
		json_array_append_new(spans, j);
	}
	json_object_set_new(root, "spans", spans);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	sbuf_adds(out, text ? text : "{}");
	sbuf_addc(out, '\n');
	free(text);
	json_decref(root);
	return 0;
}

int
trace_text(const struct store *st, const char *corr, bool ascii, bool json, bool utc, int bar_width,
	   struct sbuf *out)
{
	const uint64_t *seqs = NULL;
	size_t n = 0;
	uint32_t id = store_lookup(st, DIM_CORR, corr, strlen(corr));
	if (id)
		n = store_index(st, DIM_CORR, id, &seqs);
	if (n == 0) {
		sbuf_addf(out, "no line of %s is held\n", corr);
		return LX_ENOENT;
	}
	struct trace tr = { 0 };
	trace_build(&tr, st, seqs, n);
	if (json) {
		int r = as_json(st, corr, &tr, out);
		trace_release(&tr);
		return r;
	}
	char total[32], crit[32], idle[32], start[64];
	logline_duration((double)(tr.t1 - tr.t0) / 1e6, total, sizeof(total));
	logline_duration((double)tr.crit_ns / 1e6, crit, sizeof(crit));
	logline_duration((double)tr.gap_ns / 1e6, idle, sizeof(idle));
	fmt_time(tr.t0, utc, start, sizeof(start));
	sbuf_addf(out, "%s  %s  %d spans  %d agents  %d errors  critical path %s  idle %s\n", corr, total,
		  tr.nspans, tr.agents, tr.errors, crit, idle);
	sbuf_addf(out, "started %s\n\n", start);
	sbuf_adds(out, "    OFFSET  DURATION  AGENT           COMPONENT          ");
	sbuf_addf(out, "|0%*s|\n", bar_width - 1, total);
	double scale = tr.t1 > tr.t0 ? (double)bar_width / (double)(tr.t1 - tr.t0) : 0;
	char msg[512], off[32], dur[32];
	for (size_t i = 0; i < tr.n; i++) {
		const struct span_item *s = &tr.s[i];
		const struct log_rec *r = store_get(st, s->seq);
		logline_duration((double)(s->start - tr.t0) / 1e6, off, sizeof(off));
		if (s->point)
			snprintf(dur, sizeof(dur), "-");
		else
			logline_duration((double)(s->end - s->start) / 1e6, dur, sizeof(dur));
		sbuf_addf(out, "%c%c %8s %9s  ", s->critical ? '*' : ' ', s->level >= LVL_ERROR ? '!' : ' ', off, dur);
		add_field(out, store_str(st, DIM_AGENT, s->agent), 15);
		sbuf_addc(out, ' ');
		add_field(out, store_str(st, DIM_COMPONENT, s->component), 18);
		sbuf_addc(out, ' ');
		sbuf_addc(out, '|');
		double fx0 = (double)(s->start - tr.t0) * scale, fx1 = (double)(s->end - tr.t0) * scale;
		if (fx0 >= bar_width)
			fx0 = bar_width - 1;
		add_bar(out, fx0, fx1 > bar_width ? bar_width : fx1, bar_width, s->point, ascii);
		sbuf_addc(out, '|');
		size_t ml = r ? logline_message(r, false, msg, sizeof(msg)) : 0;
		sbuf_addc(out, ' ');
		sbuf_add_visible(out, msg, ml);
		sbuf_addc(out, '\n');
	}
	sbuf_adds(out, "\n* on the critical path   ! error   | point event (a line without duration)\n");
	trace_release(&tr);
	return 0;
}

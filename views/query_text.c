/*
 * views/query_text.c: rendering query results for the terminal and for
 * scripts.  One code path for Loki's answers and local ones.
 */
#include "views/query_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


int
query_output_parse(const char *s)
{
	static const char *const names[] = { "default", "raw", "jsonl", "json" };
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void
fmt_ts(int64_t ns, bool utc, struct sbuf *out)
{
	time_t s = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char zone[48];
	if (utc)
		gmtime_r(&s, &tm);
	else
		localtime_r(&s, &tm);
	if (utc) {
		snprintf(zone, sizeof(zone), "Z");
	} else {
		long off = tm.tm_gmtoff;
		snprintf(zone, sizeof(zone), "%c%02ld:%02ld", off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60);
	}
	sbuf_addf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%09lld%s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		  tm.tm_hour, tm.tm_min, tm.tm_sec, (long long)(ns % 1000000000LL), zone);
}

static void
labels_json(const struct res_labels *l, struct sbuf *out)
{
	sbuf_addc(out, '{');
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			sbuf_addc(out, ',');
		sbuf_add_json_str(out, l->v[i].name, strlen(l->v[i].name));
		sbuf_addc(out, ':');
		sbuf_add_json_str(out, l->v[i].value, strlen(l->v[i].value));
	}
	sbuf_addc(out, '}');
}

static void
loki_json(const struct result *r, struct sbuf *out)
{
	static const char *const types[] = {
		[RES_STREAMS] = "streams", [RES_MATRIX] = "matrix", [RES_VECTOR] = "vector", [RES_SCALAR] = "scalar",
	};
	const char *t = r->type <= RES_SCALAR && types[r->type] ? types[r->type] : "streams";
	sbuf_addf(out, "{\"status\":\"success\",\"data\":{\"resultType\":\"%s\",\"result\":", t);
	if (r->type == RES_SCALAR) {
		sbuf_addf(out, "[%.3f,\"%.17g\"]}}\n", (double)r->scalar.ts_ms / 1000, r->scalar.v);
		return;
	}
	sbuf_addc(out, '[');
	if (r->type == RES_STREAMS) {
		for (size_t i = 0; i < r->nstreams; i++) {
			const struct res_stream *s = &r->streams[i];
			sbuf_adds(out, i ? ",{\"stream\":" : "{\"stream\":");
			labels_json(&s->labels, out);
			sbuf_adds(out, ",\"values\":[");
			for (size_t j = 0; j < s->n; j++) {
				sbuf_addf(out, "%s[\"%lld\",", j ? "," : "", (long long)s->v[j].ts_ns);
				sbuf_add_json_str(out, s->v[j].line, s->v[j].len);
				sbuf_addc(out, ']');
			}
			sbuf_adds(out, "]}");
		}
	} else {
		for (size_t i = 0; i < r->nseries; i++) {
			const struct res_series *s = &r->series[i];
			sbuf_adds(out, i ? ",{\"metric\":" : "{\"metric\":");
			labels_json(&s->labels, out);
			if (r->type == RES_VECTOR && s->n) {
				sbuf_addf(out, ",\"value\":[%.3f,\"%.17g\"]}", (double)s->v[0].ts_ms / 1000, s->v[0].v);
				continue;
			}
			sbuf_adds(out, ",\"values\":[");
			for (size_t j = 0; j < s->n; j++)
				sbuf_addf(out, "%s[%.3f,\"%.17g\"]", j ? "," : "", (double)s->v[j].ts_ms / 1000, s->v[j].v);
			sbuf_adds(out, "]}");
		}
	}
	sbuf_adds(out, "]}}\n");
}

void
query_text(const struct result *r, enum query_output mode, bool forward, bool utc, struct sbuf *out)
{
	if (mode == QO_JSON) {
		loki_json(r, out);
		return;
	}
	if (r->type == RES_STREAMS) {
		size_t n;
		struct res_ref *refs = result_sorted(r, forward, &n);
		for (size_t i = 0; i < n; i++) {
			const struct res_stream *s = &r->streams[refs[i].stream];
			const struct res_entry *e = &s->v[refs[i].entry];
			if (mode == QO_RAW) {
				sbuf_add(out, e->line, e->len);
			} else if (mode == QO_JSONL) {
				sbuf_adds(out, "{\"timestamp\":\"");
				fmt_ts(e->ts_ns, true, out);
				sbuf_adds(out, "\",\"labels\":");
				labels_json(&s->labels, out);
				sbuf_adds(out, ",\"line\":");
				sbuf_add_json_str(out, e->line, e->len);
				sbuf_addc(out, '}');
			} else {
				fmt_ts(e->ts_ns, utc, out);
				sbuf_addc(out, ' ');
				res_labels_format(&s->labels, out);
				sbuf_addc(out, ' ');
				sbuf_add_visible(out, e->line, e->len);
			}
			sbuf_addc(out, '\n');
		}
		free(refs);
		return;
	}
	if (r->type == RES_SCALAR) {
		sbuf_addf(out, "%.17g\n", r->scalar.v);
		return;
	}
	for (size_t i = 0; i < r->nseries; i++) {
		const struct res_series *s = &r->series[i];
		for (size_t j = 0; j < s->n; j++) {
			if (mode == QO_JSONL) {
				sbuf_adds(out, "{\"timestamp\":\"");
				fmt_ts(s->v[j].ts_ms * 1000000LL, true, out);
				sbuf_adds(out, "\",\"labels\":");
				labels_json(&s->labels, out);
				sbuf_addf(out, ",\"value\":%.17g}\n", s->v[j].v);
				continue;
			}
			fmt_ts(s->v[j].ts_ms * 1000000LL, utc, out);
			sbuf_addc(out, ' ');
			res_labels_format(&s->labels, out);
			sbuf_addf(out, " %.10g\n", s->v[j].v);
		}
	}
}

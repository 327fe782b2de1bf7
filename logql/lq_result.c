/*
 * logql/lq_result.c: rendering evaluator results as Loki's query API
 * JSON ({"status":"success","data":{"resultType":...,"result":[...]}}).
 *
 * Owns: number and time formatting as Loki sends them: sample values as
 * strings in Go's shortest 'f' form ("704.6000000000001", "NaN", "+Inf"),
 * sample times as seconds with millisecond precision, log timestamps as
 * nanosecond strings, labels as objects sorted by name.
 */
#include "logql/lq_eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logql/lq_internal.h"

static void
add_labels(struct sbuf *sb, const struct lq_label *l, size_t n)
{
	sbuf_addc(sb, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sbuf_addc(sb, ',');
		sbuf_add_json_str(sb, l[i].name, strlen(l[i].name));
		sbuf_addc(sb, ':');
		sbuf_add_json_str(sb, l[i].value, strlen(l[i].value));
	}
	sbuf_addc(sb, '}');
}

static void
add_point(struct sbuf *sb, const struct lq_point *p)
{
	char v[400];
	if (isnan(p->v))
		snprintf(v, sizeof(v), "NaN");
	else if (isinf(p->v))
		snprintf(v, sizeof(v), p->v > 0 ? "+Inf" : "-Inf");
	else
		lq__fmt_float_f(p->v, v, sizeof(v));
	int64_t ms = p->t_ms;
	if (ms % 1000 == 0) {
		sbuf_addf(sb, "[%lld,\"%s\"]", (long long)(ms / 1000), v);
	} else {
		char t[64];
		snprintf(t, sizeof(t), "%lld.%03lld", (long long)(ms / 1000),
			 (long long)llabs(ms % 1000));
		size_t l = strlen(t);
		while (t[l - 1] == '0')
			t[--l] = 0;
		sbuf_addf(sb, "[%s,\"%s\"]", t, v);
	}
}

char *
lq_result_json(const struct lq_result *r)
{
	struct sbuf sb = SBUF_INIT;
	static const char *types[] = { "streams", "matrix", "vector", "scalar" };
	sbuf_addf(&sb, "{\"status\":\"success\",\"data\":{\"resultType\":\"%s\",\"result\":",
		  types[r->type]);
	switch (r->type) {
	case LQ_RES_STREAMS:
		sbuf_addc(&sb, '[');
		for (size_t i = 0; i < r->nstreams; i++) {
			const struct lq_stream *s = &r->streams[i];
			if (i)
				sbuf_addc(&sb, ',');
			sbuf_adds(&sb, "{\"stream\":");
			add_labels(&sb, s->labels, s->nlabels);
			sbuf_adds(&sb, ",\"values\":[");
			for (size_t k = 0; k < s->n; k++) {
				if (k)
					sbuf_addc(&sb, ',');
				sbuf_addf(&sb, "[\"%lld\",", (long long)s->entries[k].ts_ns);
				sbuf_add_json_str(&sb, s->entries[k].line, s->entries[k].len);
				sbuf_addc(&sb, ']');
			}
			sbuf_adds(&sb, "]}");
		}
		sbuf_addc(&sb, ']');
		break;
	case LQ_RES_MATRIX:
	case LQ_RES_VECTOR:
		sbuf_addc(&sb, '[');
		for (size_t i = 0; i < r->nseries; i++) {
			const struct lq_series *s = &r->series[i];
			if (i)
				sbuf_addc(&sb, ',');
			sbuf_adds(&sb, "{\"metric\":");
			add_labels(&sb, s->labels, s->nlabels);
			if (r->type == LQ_RES_VECTOR) {
				sbuf_adds(&sb, ",\"value\":");
				if (s->n)
					add_point(&sb, &s->points[0]);
			} else {
				sbuf_adds(&sb, ",\"values\":[");
				for (size_t k = 0; k < s->n; k++) {
					if (k)
						sbuf_addc(&sb, ',');
					add_point(&sb, &s->points[k]);
				}
				sbuf_addc(&sb, ']');
			}
			sbuf_addc(&sb, '}');
		}
		sbuf_addc(&sb, ']');
		break;
	case LQ_RES_SCALAR:
		add_point(&sb, &r->scalar);
		break;
	}
	sbuf_adds(&sb, "}}");
	return sbuf_detach(&sb, NULL);
}

/*
 * logql/lq_doctor.c: the query doctor.  Explains in plain words why a
 * query is invalid, proposes a valid query where the intent is clear, and
 * gives cost advice for valid queries.
 *
 * Owns: a list of detectors for common mistakes (Splunk `| stats`,
 * missing `|`, glob patterns, PromQL functions, SQL and grep habits,
 * selector typos...).  Each detector works on the query text, its tokens
 * and the parser's error; a proposed fix is only shown when it parses.
 * Seed knowledge (the json flattening of context.duration_ms, the base
 * selector, which labels are stream labels) is in the tables below.
 */
#include "logql/lq_internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- seed knowledge ---- */

/* The selector used when a fix needs one and the query gives none. */
static const char BASE_SELECTOR[] = "{service=\"infrafabric\"}";

/* Nested JSON fields of the seed schema and their flattened label names. */
static const struct { const char *field, *label; } FLATTEN[] = {
	{ "duration_ms", "context_duration_ms" },
	{ "context.duration_ms", "context_duration_ms" },
};

/* Labels that are stream labels in the seed's setup. */
static const char *STREAM_LABELS[] = {
	"job", "service", "agent_id", "level", "component", "swarm_id", "app",
	"namespace", "env", "cluster", "container", "pod", "instance", "host",
	"filename", "source", "region", "foo", "bar", NULL,
};

/* Per-request ids: as stream labels they make one stream per request. */
static const char *HIGH_CARD[] = {
	"correlation_id", "request_id", "req_id", "trace_id", "traceid",
	"span_id", "user_id", "session_id", "uuid", "id", "message_id", NULL,
};

static bool
in_list(const char **l, const char *s)
{
	for (size_t i = 0; l[i]; i++)
		if (!strcmp(l[i], s))
			return true;
	return false;
}

static const char *
flatten(const char *field, size_t n)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(FLATTEN); i++)
		if (strlen(FLATTEN[i].field) == n && !memcmp(FLATTEN[i].field, field, n))
			return FLATTEN[i].label;
	return NULL;
}

/* ---- context ---- */

struct dctx {
	const char *q;
	size_t n;
	struct arena a;
	struct lq__tok *t;
	size_t nt;
	struct lq_error err;
	struct lq_diag *d;
};

static void LX_PRINTF(2, 3)
say(struct dctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(&c->d->text, fmt, ap);
	va_end(ap);
	sbuf_addc(&c->d->text, '\n');
}

static bool
parses(const char *q, size_t n)
{
	struct arena a;
	arena_init(&a, 0);
	struct lq_error err;
	bool ok = lq_parse(&a, q, n, &err) != NULL;
	arena_free(&a);
	return ok;
}

/* Sets the fix when it parses; returns whether it did. */
static bool
propose(struct dctx *c, const char *fix)
{
	size_t n = strlen(fix);
	while (n && fix[n - 1] == ' ')
		n--;
	size_t s = 0;
	while (s < n && fix[s] == ' ')
		s++;
	if (!parses(fix + s, n - s))
		return false;
	sbuf_reset(&c->d->fix);
	sbuf_add(&c->d->fix, fix + s, n - s);
	return true;
}

static void
lex_all(struct dctx *c)
{
	struct lq__lexer lx;
	size_t cap = 0;
	lq__lex_init(&lx, &c->a, c->q, c->n);
	for (;;) {
		struct lq__tok t;
		lq__lex_next(&lx, &t);
		if (t.t == T_EOF)
			break;
		if (c->nt == cap) {
			cap = cap ? cap * 2 : 64;
			struct lq__tok *nt = realloc(c->t, cap * sizeof(*nt));
			if (!nt)
				return;
			c->t = nt;
		}
		c->t[c->nt++] = t;
		if (lx.pos <= t.off)
			lx.pos = t.off + 1;
	}
}

static bool
tok_is(const struct lq__tok *t, const char *kw)
{
	return t->t == T_IDENT && lq__ieq(t->s, t->slen, kw);
}

static const char *
tstr(struct dctx *c, const struct lq__tok *t, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)t->len, c->q + t->off);
	return buf;
}

/* Appends q[a..b) with runs of blanks collapsed. */
static void
add_text(struct sbuf *sb, const char *q, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++) {
		if (q[i] == ' ' && sb->len && sb->buf[sb->len - 1] == ' ')
			continue;
		sbuf_addc(sb, q[i]);
	}
}

static void
rtrim(struct sbuf *sb)
{
	while (sb->len && (sb->buf[sb->len - 1] == ' ' || sb->buf[sb->len - 1] == '\t' ||
			   sb->buf[sb->len - 1] == '\n'))
		sb->buf[--sb->len] = 0;
}

/* Index of the first token at or after offset `off`. */
static size_t
tok_at(struct dctx *c, size_t off)
{
	for (size_t i = 0; i < c->nt; i++)
		if (c->t[i].off >= off)
			return i;
	return c->nt;
}

/* ---- detectors for invalid queries ---- */

/* `| stats avg(x) by y` (Splunk/Elastic) */
static bool
d_stats(struct dctx *c)
{
	for (size_t i = 0; i + 2 < c->nt; i++) {
		if (c->t[i].t != T_PIPE || !tok_is(&c->t[i + 1], "stats"))
			continue;
		size_t k = i + 2;
		const struct lq__tok *agg = &c->t[k++];
		char fn[32] = "", field[128] = "";
		if (agg->t != T_IDENT)
			break;
		snprintf(fn, sizeof(fn), "%.*s", (int)agg->len, c->q + agg->off);
		for (char *p = fn; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (k < c->nt && c->t[k].t == T_LPAREN) {
			k++;
			if (k < c->nt && c->t[k].t == T_IDENT)
				snprintf(field, sizeof(field), "%.*s", (int)c->t[k].len,
					 c->q + c->t[k].off);
			while (k < c->nt && c->t[k].t != T_RPAREN)
				k++;
			k++;
		}
		struct sbuf by = SBUF_INIT;
		if (k < c->nt && tok_is(&c->t[k], "by")) {
			for (k++; k < c->nt; k++) {
				if (c->t[k].t == T_IDENT) {
					if (by.len)
						sbuf_adds(&by, ", ");
					sbuf_add(&by, c->q + c->t[k].off, c->t[k].len);
				} else if (c->t[k].t != T_COMMA && c->t[k].t != T_LPAREN &&
					   c->t[k].t != T_RPAREN) {
					break;
				}
			}
		}
		struct sbuf log = SBUF_INIT, fix = SBUF_INIT;
		add_text(&log, c->q, 0, c->t[i].off);
		rtrim(&log);
		say(c, "`stats` is not a LogQL pipeline stage; it is Splunk/Elastic syntax.");
		say(c, "In LogQL the log query goes inside a range function (count_over_time, avg_over_time...) over a window like [5m], and the grouping goes on an outer aggregation: sum by (label) (...).");
		const char *outer = NULL, *range = NULL;
		bool unwrap = true;
		if (!strcmp(fn, "count") || !strcmp(fn, "c")) {
			outer = "sum"; range = "count_over_time"; unwrap = false;
		} else if (!strcmp(fn, "avg") || !strcmp(fn, "mean")) {
			outer = "avg"; range = "avg_over_time";
		} else if (!strcmp(fn, "sum")) {
			outer = "sum"; range = "sum_over_time";
		} else if (!strcmp(fn, "max")) {
			outer = "max"; range = "max_over_time";
		} else if (!strcmp(fn, "min")) {
			outer = "min"; range = "min_over_time";
		}
		bool ok = false;
		if (outer && (!unwrap || field[0])) {
			const char *label = field;
			const char *flat = flatten(field, strlen(field));
			if (unwrap && flat) {
				say(c, "The seed schema nests `%s` under `context`, and `| json` flattens nested keys with `_`, so the label is `%s` (use `%s` if a service logs it at the top level).",
				    field, flat, field);
				label = flat;
			}
			sbuf_adds(&fix, outer);
			if (by.len)
				sbuf_addf(&fix, " by (%s)", sbuf_str(&by));
			sbuf_addf(&fix, "%s(%s(%s", by.len ? " " : "", range, sbuf_str(&log));
			if (unwrap)
				sbuf_addf(&fix, " | unwrap %s | __error__=\"\"", label);
			sbuf_adds(&fix, " [5m]))");
			ok = propose(c, sbuf_str(&fix));
			if (ok && unwrap)
				say(c, "`unwrap` turns the label into the sample value; `__error__=\"\"` drops lines where it is not a number. [5m] is the window; pick what you need.");
		}
		if (!ok)
			say(c, "Write it as: <outer> by (<labels>) (<fn>_over_time({...} | json | unwrap <field> [5m])).");
		sbuf_release(&by);
		sbuf_release(&log);
		sbuf_release(&fix);
		return true;
	}
	return false;
}

static bool
is_cmp_tok(enum lq_tok t)
{
	return t == T_GT || t == T_GTE || t == T_LT || t == T_LTE || t == T_EQEQ ||
	       t == T_EQ || t == T_NEQ;
}

/* `| json duration_ms > 100`: missing `|` before the label filter */
static bool
d_json_missing_pipe(struct dctx *c)
{
	for (size_t i = 0; i + 3 < c->nt; i++) {
		if (c->t[i].t != T_PIPE ||
		    !(tok_is(&c->t[i + 1], "json") || tok_is(&c->t[i + 1], "logfmt")))
			continue;
		const struct lq__tok *f = &c->t[i + 2];
		if (f->t != T_IDENT || !is_cmp_tok(c->t[i + 3].t))
			continue;
		if (c->t[i + 3].t == T_EQ)
			continue; /* json name=path is an extraction (maybe unquoted) */
		const char *flat = flatten(c->q + f->off, f->len);
		char name[128];
		tstr(c, f, name, sizeof(name));
		say(c, "A `|` is missing before the label filter. After `%.*s`, bare names are read as fields to extract, so `%s %.*s ...` became a comparison between a log query and a number, which LogQL rejects.",
		    (int)c->t[i + 1].len, c->q + c->t[i + 1].off, name,
		    (int)c->t[i + 3].len, c->q + c->t[i + 3].off);
		if (flat)
			say(c, "The seed schema nests `%s` under `context`; `| json` flattens it to `%s` (use `%s` if a service logs it at the top level).",
			    name, flat, name);
		struct sbuf fix = SBUF_INIT;
		add_text(&fix, c->q, 0, f->off);
		sbuf_adds(&fix, "| ");
		sbuf_adds(&fix, flat ? flat : name);
		add_text(&fix, c->q, f->off + f->len, c->n);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
		return true;
	}
	return false;
}

/* `| pattern "*swarm*"`: globbing instead of <captures> */
static bool
d_pattern_glob(struct dctx *c)
{
	for (size_t i = 0; i + 2 < c->nt; i++) {
		if (c->t[i].t != T_PIPE || !tok_is(&c->t[i + 1], "pattern") ||
		    c->t[i + 2].t != T_STRING)
			continue;
		const struct lq__tok *s = &c->t[i + 2];
		if (!strchr(s->s, '*') || strchr(s->s, '<'))
			continue;
		say(c, "`pattern` extracts labels with named captures like <name> (and skips text with <_>); `*` is not a wildcard there, and a pattern without a named capture is rejected.");
		say(c, "To keep lines that contain some text, use a line filter: |= \"text\". Put it right after the selector: it runs on raw bytes before any parsing, so it is also the cheapest stage.");
		/* words between the stars */
		struct sbuf filters = SBUF_INIT;
		const char *p = s->s;
		while (*p) {
			while (*p == '*')
				p++;
			const char *e = p;
			while (*e && *e != '*')
				e++;
			if (e > p) {
				sbuf_adds(&filters, " |= ");
				lq_quote(&filters, p, (size_t)(e - p));
			}
			p = e;
		}
		size_t close = 0;
		for (size_t k = 0; k < c->nt; k++)
			if (c->t[k].t == T_RBRACE) {
				close = c->t[k].off + 1;
				break;
			}
		if (close && filters.len) {
			struct sbuf fix = SBUF_INIT;
			add_text(&fix, c->q, 0, close);
			sbuf_add(&fix, filters.buf, filters.len);
			add_text(&fix, c->q, close, c->t[i].off);
			rtrim(&fix);
			sbuf_addc(&fix, ' ');
			add_text(&fix, c->q, s->off + s->len, c->n);
			rtrim(&fix);
			propose(c, sbuf_str(&fix));
			sbuf_release(&fix);
		}
		sbuf_release(&filters);
		return true;
	}
	return false;
}

/* Moves `fn(...) by (x)` to `sum by (x) (fn(...))`. */
static bool
d_range_grouping(struct dctx *c)
{
	if (!strstr(c->err.msg, "does not take by/without; group with an outer"))
		return false;
	size_t off = c->err.offset, end = c->err.offset + c->err.len;
	int depth = 0;
	size_t by = 0;
	for (size_t k = tok_at(c, off); k < c->nt && c->t[k].off < end; k++) {
		if (c->t[k].t == T_LPAREN)
			depth++;
		else if (c->t[k].t == T_RPAREN)
			depth--;
		else if (depth == 0 && (tok_is(&c->t[k], "by") || tok_is(&c->t[k], "without")))
			by = c->t[k].off;
	}
	char fn[40];
	size_t fl = 0;
	while (off + fl < c->n && fl < sizeof(fn) - 1 &&
	       (isalnum((unsigned char)c->q[off + fl]) || c->q[off + fl] == '_'))
		fn[fl] = c->q[off + fl], fl++;
	fn[fl] = 0;
	say(c, "`%s` does not accept by/without: it returns one series per stream. Only avg/min/max/stddev/stdvar/quantile/first/last_over_time take a grouping.", fn);
	say(c, "Group with an outer vector aggregation instead: sum by (labels) (%s(...)).", fn);
	if (!by)
		return true;
	struct sbuf fix = SBUF_INIT, grp = SBUF_INIT;
	add_text(&grp, c->q, by, end);
	add_text(&fix, c->q, 0, off);
	sbuf_adds(&fix, "sum ");
	sbuf_add(&fix, grp.buf, grp.len);
	sbuf_adds(&fix, " (");
	struct sbuf in = SBUF_INIT;
	add_text(&in, c->q, off, by);
	rtrim(&in);
	sbuf_add(&fix, in.buf, in.len);
	sbuf_addc(&fix, ')');
	add_text(&fix, c->q, end, c->n);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	sbuf_release(&grp);
	sbuf_release(&in);
	return true;
}

static bool
d_missing_range(struct dctx *c)
{
	if (!strstr(c->err.msg, "needs a range: add a duration"))
		return false;
	say(c, "Range functions work on a window of log lines: add a duration like [5m] after the log query (inside the parentheses).");
	struct sbuf fix = SBUF_INIT;
	size_t end = c->err.offset + c->err.len;
	add_text(&fix, c->q, 0, end);
	sbuf_adds(&fix, fix.len && fix.buf[fix.len - 1] == '}' ? "[5m]" : " [5m]");
	add_text(&fix, c->q, end, c->n);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

static bool
d_bare_range(struct dctx *c)
{
	if (!strstr(c->err.msg, "is not a query by itself"))
		return false;
	bool unwrap = false;
	for (size_t i = 0; i < c->nt; i++)
		if (tok_is(&c->t[i], "unwrap"))
			unwrap = true;
	if (unwrap)
		say(c, "A log query with unwrap and a [range] is only an argument: wrap it in a function over the unwrapped values: avg_over_time, sum_over_time, max_over_time, quantile_over_time...");
	else
		say(c, "A log query with a [range] is only an argument: wrap it in a range function. count_over_time counts lines per window; rate gives lines per second.");
	struct sbuf fix = SBUF_INIT;
	sbuf_adds(&fix, unwrap ? "avg_over_time(" : "count_over_time(");
	add_text(&fix, c->q, 0, c->n);
	rtrim(&fix);
	sbuf_addc(&fix, ')');
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

static bool
d_vec_over_log(struct dctx *c)
{
	if (!strstr(c->err.msg, "aggregates metrics, not log lines"))
		return false;
	say(c, "Vector aggregations (sum, avg, topk...) combine series, not log lines. Turn the log query into a metric first with a range function over a window.");
	size_t off = c->err.offset, end = off + c->err.len;
	size_t k = tok_at(c, off);
	/* the aggregation name: the identifier before the opening ( */
	const char *op = "sum";
	char opb[32];
	for (size_t j = k; j-- > 0;) {
		if (c->t[j].t == T_IDENT && !tok_is(&c->t[j], "by") &&
		    !tok_is(&c->t[j], "without")) {
			snprintf(opb, sizeof(opb), "%.*s", (int)c->t[j].len, c->q + c->t[j].off);
			op = opb;
			break;
		}
		if (c->t[j].t != T_LPAREN && c->t[j].t != T_RPAREN && c->t[j].t != T_IDENT &&
		    c->t[j].t != T_COMMA && c->t[j].t != T_NUMBER)
			break;
	}
	bool has_unwrap = false, has_range = false;
	for (size_t j = k; j < c->nt && c->t[j].off < end; j++) {
		if (tok_is(&c->t[j], "unwrap"))
			has_unwrap = true;
		if (c->t[j].t == T_RANGE)
			has_range = true;
	}
	const char *fn = "count_over_time";
	char fnb[48];
	if (has_unwrap) {
		if (lq__ieq(op, strlen(op), "sum") || lq__ieq(op, strlen(op), "avg") ||
		    lq__ieq(op, strlen(op), "min") || lq__ieq(op, strlen(op), "max")) {
			snprintf(fnb, sizeof(fnb), "%s_over_time", op);
			for (char *p = fnb; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			fn = fnb;
		} else {
			fn = "sum_over_time";
		}
	}
	struct sbuf fix = SBUF_INIT;
	add_text(&fix, c->q, 0, off);
	sbuf_addf(&fix, "%s(", fn);
	add_text(&fix, c->q, off, end);
	rtrim(&fix);
	if (!has_range)
		sbuf_adds(&fix, " [5m]");
	sbuf_addc(&fix, ')');
	add_text(&fix, c->q, end, c->n);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

static bool
d_unknown_function(struct dctx *c)
{
	static const struct { const char *from, *to, *why; } map[] = {
		{ "increase", "count_over_time", "PromQL's increase() has no LogQL twin; over log lines, the number of lines in the window is count_over_time." },
		{ "irate", "rate", "irate() does not exist in LogQL; rate() gives log lines per second over the window." },
		{ "delta", "count_over_time", "delta() does not exist in LogQL; count_over_time counts lines in the window." },
		{ "count_values", NULL, "count_values() does not exist in LogQL; use count by (label) (...) to count series per label value." },
		{ "histogram_quantile", NULL, "histogram_quantile() does not exist in LogQL: logs have no buckets. Unwrap the value and use quantile_over_time(0.99, {...} | json | unwrap latency [5m])." },
		{ "abs", NULL, "LogQL has no math functions like abs(), ceil(), round() or clamp()." },
		{ "ceil", NULL, "LogQL has no math functions like abs(), ceil(), round() or clamp()." },
		{ "floor", NULL, "LogQL has no math functions like abs(), ceil(), round() or clamp()." },
		{ "round", NULL, "LogQL has no math functions like abs(), ceil(), round() or clamp()." },
		{ "time", NULL, "LogQL has no time() function." },
		{ "scalar", NULL, "LogQL has no scalar() function; use a number literal or vector(n)." },
		{ "count_distinct", NULL, "LogQL has no distinct count; count by (label) (...) counts series per label." },
		{ "avg_over", "avg_over_time", "The function is called avg_over_time." },
	};
	if (strncmp(c->err.msg, "unknown function", 16))
		return false;
	size_t off = c->err.offset, len = c->err.len;
	for (size_t i = 0; i < LX_ARRAY_LEN(map); i++) {
		if (!lq__ieq(c->q + off, len, map[i].from))
			continue;
		say(c, "%s", map[i].why);
		if (map[i].to) {
			struct sbuf fix = SBUF_INIT;
			add_text(&fix, c->q, 0, off);
			sbuf_adds(&fix, map[i].to);
			add_text(&fix, c->q, off + len, c->n);
			propose(c, sbuf_str(&fix));
			sbuf_release(&fix);
		}
		return true;
	}
	say(c, "`%.*s` is not a LogQL function. Range functions: count_over_time, rate, bytes_over_time, bytes_rate, avg/sum/min/max/stddev/stdvar/quantile/first/last_over_time, absent_over_time; aggregations: sum, avg, min, max, count, stddev, stdvar, topk, bottomk, sort, sort_desc; also label_replace and vector.",
	    (int)len, c->q + off);
	return true;
}

static bool
is_unit(const char *s, size_t n)
{
	static const char *u[] = { "ns", "us", "ms", "s", "m", "h", "d", "w", "y",
				   "B", "kB", "KB", "MB", "GB", "TB", "KiB", "MiB",
				   "GiB", "TiB", "sec", "secs", "min", "mins" };
	for (size_t i = 0; i < LX_ARRAY_LEN(u); i++)
		if (strlen(u[i]) == n && !memcmp(u[i], s, n))
			return true;
	return false;
}

/* `latency > 250 ms`: unit separated from the number */
static bool
d_unit_space(struct dctx *c)
{
	for (size_t i = 0; i + 1 < c->nt; i++) {
		if (c->t[i].t != T_NUMBER || c->t[i + 1].t != T_IDENT ||
		    !is_unit(c->q + c->t[i + 1].off, c->t[i + 1].len))
			continue;
		say(c, "The unit must touch the number: write %.*s%.*s, not `%.*s %.*s` (durations: ns us ms s m h d; sizes: B kB MB GB KiB MiB...).",
		    (int)c->t[i].len, c->q + c->t[i].off, (int)c->t[i + 1].len,
		    c->q + c->t[i + 1].off, (int)c->t[i].len, c->q + c->t[i].off,
		    (int)c->t[i + 1].len, c->q + c->t[i + 1].off);
		struct sbuf fix = SBUF_INIT;
		sbuf_add(&fix, c->q, c->t[i].off + c->t[i].len);
		const char *u = c->q + c->t[i + 1].off;
		size_t ul = c->t[i + 1].len;
		if (ul >= 3 && !memcmp(u, "sec", 3))
			sbuf_addc(&fix, 's');
		else if (ul >= 3 && !memcmp(u, "min", 3))
			sbuf_addc(&fix, 'm');
		else
			sbuf_add(&fix, u, ul);
		sbuf_add(&fix, c->q + c->t[i + 1].off + ul, c->n - c->t[i + 1].off - ul);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
		return true;
	}
	return false;
}

/* [5 m], [1.5m], [5min], [] */
static bool
d_range_text(struct dctx *c)
{
	for (size_t i = 0; i < c->nt; i++) {
		const struct lq__tok *t = &c->t[i];
		int64_t ms;
		if (t->t != T_RANGE || lq__parse_prom_duration(t->s, t->slen, &ms) == 0)
			continue;
		if (memchr(t->s, ':', t->slen)) {
			say(c, "LogQL has no subqueries ([range:step]); use one range, e.g. [10m], and set the step in the query request.");
			struct sbuf fix = SBUF_INIT;
			sbuf_add(&fix, c->q, t->off + 1);
			const char *colon = memchr(t->s, ':', t->slen);
			sbuf_add(&fix, t->s, (size_t)(colon - t->s));
			sbuf_add(&fix, c->q + t->off + t->len - 1, c->n - (t->off + t->len - 1));
			propose(c, sbuf_str(&fix));
			sbuf_release(&fix);
			return true;
		}
		/* normalise: drop blanks, long unit names, fractions */
		char norm[64];
		size_t o = 0;
		for (size_t k = 0; k < t->slen && o < sizeof(norm) - 1; k++)
			if (t->s[k] != ' ')
				norm[o++] = t->s[k];
		norm[o] = 0;
		double v = strtod(norm, NULL);
		const char *u = norm;
		while (*u && (isdigit((unsigned char)*u) || *u == '.'))
			u++;
		double mult = 0;
		if (!strcmp(u, "ms")) mult = 1;
		else if (!strcmp(u, "s") || !strncmp(u, "sec", 3)) mult = 1000;
		else if (!strcmp(u, "m") || !strncmp(u, "min", 3)) mult = 60000;
		else if (!strcmp(u, "h") || !strncmp(u, "hour", 4) || !strcmp(u, "hr") || !strcmp(u, "hrs")) mult = 3600000;
		else if (!strcmp(u, "d") || !strncmp(u, "day", 3)) mult = 86400000;
		else if (!strcmp(u, "w") || !strncmp(u, "week", 4)) mult = 604800000;
		char dur[64] = "5m";
		bool have = false;
		if (mult > 0 && v > 0 && v * mult < 1e15 && u != norm) {
			lq_fmt_prom_duration((int64_t)(v * mult + 0.5), dur, sizeof(dur));
			have = true;
		}
		if (t->slen == 0)
			say(c, "The range is empty; write a window like [5m].");
		else
			say(c, "`[%.*s]` is not a valid range: use whole numbers with units ms s m h d w y, largest first and without spaces (1h30m, 90s).",
			    (int)t->slen, t->s);
		if (have || t->slen == 0) {
			struct sbuf fix = SBUF_INIT;
			sbuf_add(&fix, c->q, t->off);
			sbuf_addf(&fix, "[%s]", dur);
			sbuf_add(&fix, c->q + t->off + t->len, c->n - t->off - t->len);
			propose(c, sbuf_str(&fix));
			sbuf_release(&fix);
		}
		return true;
	}
	return false;
}

static bool
d_bare_string(struct dctx *c)
{
	if (!strstr(c->err.msg, "a bare string after the selector"))
		return false;
	say(c, "Line filters need an operator: |= \"text\" keeps lines containing text, != drops them, |~ and !~ take a regex.");
	struct sbuf fix = SBUF_INIT;
	add_text(&fix, c->q, 0, c->err.offset);
	sbuf_adds(&fix, "|= ");
	add_text(&fix, c->q, c->err.offset, c->n);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

/* Rebuilds a damaged {selector} leniently: quoted names, dots, hyphens,
 * ==, :, single quotes, AND/&&, missing commas, bare values. */
static bool
repair_selector(struct dctx *c, struct sbuf *out, size_t *sel_end, bool *changed)
{
	const char *q = c->q;
	size_t i = 0;
	while (i < c->n && q[i] == ' ')
		i++;
	if (i >= c->n || q[i] != '{')
		return false;
	size_t end = i + 1;
	char quote = 0;
	while (end < c->n) {
		char ch = q[end];
		if (quote) {
			if (ch == '\\' && quote == '"')
				end++;
			else if (ch == quote)
				quote = 0;
		} else if (ch == '"' || ch == '`' || ch == '\'') {
			quote = ch;
		} else if (ch == '}') {
			break;
		}
		end++;
	}
	bool closed = end < c->n;
	*changed = !closed;
	*sel_end = closed ? end + 1 : c->n;
	sbuf_addc(out, '{');
	size_t p = i + 1;
	int nm = 0;
	while (p < end) {
		while (p < end && (q[p] == ' ' || q[p] == ',' || q[p] == '&'))
			p++;
		if (p + 3 <= end && lq__ieq(q + p, 3, "and") && (p + 3 == end || q[p + 3] == ' ')) {
			p += 3;
			*changed = true;
			continue;
		}
		if (p >= end)
			break;
		/* name */
		char name[128];
		size_t nl = 0;
		if (q[p] == '"' || q[p] == '\'' || q[p] == '`') {
			char qq = q[p++];
			while (p < end && q[p] != qq && nl < sizeof(name) - 1)
				name[nl++] = q[p++];
			p++;
			*changed = true;
		} else {
			while (p < end && (isalnum((unsigned char)q[p]) || q[p] == '_' || q[p] == '.' ||
			       q[p] == '-') && nl < sizeof(name) - 1)
				name[nl++] = q[p++];
		}
		name[nl] = 0;
		for (size_t k = 0; k < nl; k++)
			if (name[k] == '.' || name[k] == '-') {
				name[k] = '_';
				*changed = true;
			}
		if (!nl || !lq__is_label_name(name))
			return false;
		while (p < end && q[p] == ' ')
			p++;
		/* op */
		const char *op;
		if (p + 1 < end && q[p] == '=' && q[p + 1] == '=') { op = "="; p += 2; *changed = true; }
		else if (p + 1 < end && q[p] == '=' && q[p + 1] == '~') { op = "=~"; p += 2; }
		else if (p + 1 < end && q[p] == '!' && q[p + 1] == '=') { op = "!="; p += 2; }
		else if (p + 1 < end && q[p] == '!' && q[p + 1] == '~') { op = "!~"; p += 2; }
		else if (p < end && q[p] == '=') { op = "="; p++; }
		else if (p < end && q[p] == ':') { op = "="; p++; *changed = true; }
		else
			return false;
		while (p < end && q[p] == ' ')
			p++;
		/* value */
		struct sbuf val = SBUF_INIT;
		if (p < end && (q[p] == '"' || q[p] == '\'' || q[p] == '`')) {
			char qq = q[p++];
			if (qq == '\'')
				*changed = true;
			struct sbuf raw = SBUF_INIT;
			while (p < end && q[p] != qq) {
				if (qq == '"' && q[p] == '\\' && p + 1 < end)
					sbuf_addc(&raw, q[p++]);
				sbuf_addc(&raw, q[p++]);
			}
			p++;
			if (qq != '"') {
				lq_quote(&val, sbuf_str(&raw), raw.len);
			} else {
				sbuf_addc(&val, '"');
				sbuf_add(&val, sbuf_str(&raw), raw.len);
				sbuf_addc(&val, '"');
			}
			sbuf_release(&raw);
		} else {
			size_t vs = p;
			while (p < end && q[p] != ' ' && q[p] != ',')
				p++;
			if (p == vs) {
				sbuf_release(&val);
				return false;
			}
			lq_quote(&val, q + vs, p - vs);
			*changed = true;
		}
		/* a missing comma between matchers */
		size_t save = p;
		while (p < end && q[p] == ' ')
			p++;
		if (p < end && q[p] != ',' && !(p + 3 <= end && lq__ieq(q + p, 3, "and")) && q[p] != '&')
			*changed = true;
		p = save;
		if (nm++)
			sbuf_adds(out, ", ");
		sbuf_addf(out, "%s%s%s", name, op, sbuf_str(&val));
		sbuf_release(&val);
	}
	sbuf_addc(out, '}');
	return nm > 0;
}

static bool
d_selector(struct dctx *c)
{
	struct sbuf sel = SBUF_INIT;
	size_t end;
	bool changed;
	bool ok = repair_selector(c, &sel, &end, &changed);
	if (!ok || !changed) {
		sbuf_release(&sel);
		return false;
	}
	if (end > c->err.offset || c->err.offset >= c->n) {
		say(c, "The stream selector is written `{name=\"value\", other=~\"regex\"}`: bare label names (letters, digits, _), operators = != =~ !~, double-quoted values, commas between matchers.");
		struct sbuf fix = SBUF_INIT;
		sbuf_add(&fix, sel.buf, sel.len);
		size_t k = 0;
		while (k < end && c->q[k] == ' ')
			k++;
		sbuf_add(&fix, c->q + end, c->n - end);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
		sbuf_release(&sel);
		return true;
	}
	sbuf_release(&sel);
	return false;
}

static bool
d_empty_selector(struct dctx *c)
{
	if (!strstr(c->err.msg, "selector needs a matcher that cannot match an empty"))
		return false;
	say(c, "Every matcher in this selector also matches streams that do not have the label (an empty value), so it would select every stream. Loki requires at least one matcher that cannot match an empty value, like app=\"x\", app=~\".+\" or app!=\"\".");
	size_t k = tok_at(c, c->err.offset);
	size_t end = c->err.offset + c->err.len;
	for (; k + 2 < c->nt && c->t[k].off < end; k++) {
		const struct lq__tok *name = &c->t[k], *op = &c->t[k + 1], *val = &c->t[k + 2];
		if (name->t != T_IDENT || val->t != T_STRING)
			continue;
		struct sbuf fix = SBUF_INIT;
		if (op->t == T_RE && !strcmp(val->s, ".*")) {
			add_text(&fix, c->q, 0, val->off);
			sbuf_adds(&fix, "\".+\"");
			add_text(&fix, c->q, val->off + val->len, c->n);
		} else if (op->t == T_NEQ || op->t == T_NRE) {
			add_text(&fix, c->q, 0, name->off);
			sbuf_addf(&fix, "%.*s=~\".+\", ", (int)name->len, c->q + name->off);
			add_text(&fix, c->q, name->off, c->n);
		} else {
			sbuf_release(&fix);
			continue;
		}
		bool ok = propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
		if (ok) {
			say(c, "If you meant streams that have `%.*s` at all, require a non-empty value:",
			    (int)name->len, c->q + name->off);
			break;
		}
	}
	return true;
}

static bool
d_string_cmp(struct dctx *c)
{
	if (strstr(c->err.msg, "`==` compares numbers")) {
		say(c, "Use `=` to compare a label with a string; `==` is for numbers.");
		struct sbuf fix = SBUF_INIT;
		sbuf_add(&fix, c->q, c->err.offset);
		sbuf_addc(&fix, '=');
		sbuf_add(&fix, c->q + c->err.offset + 2, c->n - c->err.offset - 2);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
		return true;
	}
	if (!strstr(c->err.msg, "cannot compare with a string"))
		return false;
	say(c, "Ordering comparisons (> >= < <=) need a number, a duration (250ms) or a size (20MB), not a quoted string.");
	size_t k = tok_at(c, c->err.offset);
	if (k < c->nt && c->t[k].t == T_STRING) {
		struct sbuf fix = SBUF_INIT;
		sbuf_add(&fix, c->q, c->t[k].off);
		sbuf_adds(&fix, c->t[k].s);
		sbuf_add(&fix, c->q + c->t[k].off + c->t[k].len, c->n - c->t[k].off - c->t[k].len);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
	}
	return true;
}

static bool
d_set_literal(struct dctx *c)
{
	if (!strstr(c->err.msg, "a plain number cannot be one side"))
		return false;
	say(c, "and/or/unless match series by labels, so both sides must be vectors. Write a constant as vector(n).");
	struct sbuf fix = SBUF_INIT;
	sbuf_add(&fix, c->q, c->err.offset);
	sbuf_adds(&fix, "vector(");
	sbuf_add(&fix, c->q + c->err.offset, c->err.len);
	sbuf_addc(&fix, ')');
	sbuf_add(&fix, c->q + c->err.offset + c->err.len, c->n - c->err.offset - c->err.len);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

/* Splunk/SQL-ish stages: where, search, grep, head, limit, table, fields, sort */
static bool
d_foreign_stage(struct dctx *c)
{
	for (size_t i = 0; i + 1 < c->nt; i++) {
		if (c->t[i].t != T_PIPE || c->t[i + 1].t != T_IDENT)
			continue;
		const struct lq__tok *k = &c->t[i + 1];
		size_t stage_end = c->n;
		for (size_t j = i + 2; j < c->nt; j++)
			if (c->t[j].t == T_PIPE || c->t[j].t == T_PIPE_EXACT ||
			    c->t[j].t == T_PIPE_MATCH || c->t[j].t == T_RANGE) {
				stage_end = c->t[j].off;
				break;
			}
		struct sbuf fix = SBUF_INIT;
		bool handled = true;
		if (tok_is(k, "where") || tok_is(k, "filter")) {
			say(c, "LogQL has no `%.*s`: write the condition directly as a stage, like | status >= 500.",
			    (int)k->len, c->q + k->off);
			add_text(&fix, c->q, 0, k->off);
			add_text(&fix, c->q, k->off + k->len + 1 > c->n ? c->n : k->off + k->len + 1, c->n);
		} else if ((tok_is(k, "search") || tok_is(k, "grep") || tok_is(k, "contains")) &&
			   i + 2 < c->nt && (c->t[i + 2].t == T_STRING || c->t[i + 2].t == T_IDENT)) {
			say(c, "To keep lines containing text, use a line filter: |= \"text\" (!= to drop, |~ for a regex).");
			const struct lq__tok *w = &c->t[i + 2];
			add_text(&fix, c->q, 0, c->t[i].off);
			sbuf_adds(&fix, "|= ");
			if (w->t == T_STRING)
				lq_quote(&fix, w->s, w->slen);
			else
				lq_quote(&fix, c->q + w->off, w->len);
			sbuf_addc(&fix, ' ');
			add_text(&fix, c->q, w->off + w->len, c->n);
		} else if (tok_is(k, "head") || tok_is(k, "tail") || tok_is(k, "limit") ||
			   tok_is(k, "table") || tok_is(k, "fields") || tok_is(k, "sort") ||
			   tok_is(k, "dedup") || tok_is(k, "top") || tok_is(k, "select")) {
			say(c, "`%.*s` is not a LogQL stage: the number of lines and their order are query parameters (limit, direction), and all labels are returned. Remove the stage (use keep/drop to choose labels).",
			    (int)k->len, c->q + k->off);
			add_text(&fix, c->q, 0, c->t[i].off);
			add_text(&fix, c->q, stage_end, c->n);
		} else {
			handled = false;
		}
		if (handled) {
			rtrim(&fix);
			propose(c, sbuf_str(&fix));
		}
		sbuf_release(&fix);
		if (handled)
			return true;
	}
	return false;
}

static bool
d_flags(struct dctx *c)
{
	if (!strstr(c->err.msg, "are accepted only by logfmt"))
		return false;
	say(c, "Only logfmt takes --strict / --keep-empty; json parses the whole object anyway.");
	size_t k = tok_at(c, c->err.offset);
	if (k < c->nt) {
		struct sbuf fix = SBUF_INIT;
		sbuf_add(&fix, c->q, c->t[k].off);
		add_text(&fix, c->q, c->t[k].off + c->t[k].len, c->n);
		propose(c, sbuf_str(&fix));
		sbuf_release(&fix);
	}
	return true;
}

static bool
d_dangling(struct dctx *c)
{
	if (!strstr(c->err.msg, "must be followed by a stage") && !strstr(c->err.msg, "never closed") &&
	    !strstr(c->err.msg, "unexpected end of query"))
		return false;
	struct sbuf fix = SBUF_INIT;
	if (strstr(c->err.msg, "must be followed by a stage")) {
		say(c, "The query ends with a `|` that has no stage after it.");
		sbuf_add(&fix, c->q, c->err.offset);
		add_text(&fix, c->q, c->err.offset + 1, c->n);
	} else {
		/* close what is open, in order */
		say(c, "The query ends before every bracket or quote is closed.");
		sbuf_add(&fix, c->q, c->n);
		char stack[64];
		int sp = 0;
		char quote = 0;
		for (size_t i = 0; i < c->n; i++) {
			char ch = c->q[i];
			if (quote) {
				if (ch == '\\' && quote == '"')
					i++;
				else if (ch == quote)
					quote = 0;
				continue;
			}
			if (ch == '"' || ch == '`')
				quote = ch;
			else if ((ch == '{' || ch == '(' || ch == '[') && sp < 64)
				stack[sp++] = ch == '{' ? '}' : ch == '(' ? ')' : ']';
			else if ((ch == '}' || ch == ')' || ch == ']') && sp > 0)
				sp--;
		}
		if (quote)
			sbuf_addc(&fix, quote);
		while (sp > 0)
			sbuf_addc(&fix, stack[--sp]);
	}
	rtrim(&fix);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

static void requote(const char *q, size_t n, struct sbuf *out);

static bool
d_single_quotes(struct dctx *c)
{
	if (!memchr(c->q, '\'', c->n))
		return false;
	say(c, "Single quotes are not strings in LogQL; use \"double quotes\" or `backticks`.");
	struct sbuf fix = SBUF_INIT;
	requote(c->q, c->n, &fix);
	propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return true;
}

/* Queries that are not LogQL at all: grep, SQL, Splunk/Lucene key=value. */
static bool d_foreign_query_(struct dctx *c);

/* Same text with 'single quoted' strings turned into "double quoted". */
static void
requote(const char *q, size_t n, struct sbuf *out)
{
	char quote = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = q[i];
		if (quote == '\'') {
			if (ch == '\'') {
				quote = 0;
				sbuf_addc(out, '"');
			} else if (ch == '"') {
				sbuf_adds(out, "\\\"");
			} else {
				sbuf_addc(out, ch);
			}
			continue;
		}
		if (quote) {
			sbuf_addc(out, ch);
			if (ch == '\\' && quote == '"' && i + 1 < n)
				sbuf_addc(out, q[++i]);
			else if (ch == quote)
				quote = 0;
			continue;
		}
		if (ch == '"' || ch == '`') {
			quote = ch;
			sbuf_addc(out, ch);
		} else if (ch == '\'') {
			quote = '\'';
			sbuf_addc(out, '"');
		} else {
			sbuf_addc(out, ch);
		}
	}
}

static bool
d_foreign_query(struct dctx *c)
{
	if (!memchr(c->q, '\'', c->n))
		return d_foreign_query_(c);
	struct sbuf rq = SBUF_INIT;
	requote(c->q, c->n, &rq);
	struct dctx c2 = *c;
	c2.q = sbuf_str(&rq);
	c2.n = rq.len;
	c2.t = NULL;
	c2.nt = 0;
	arena_init(&c2.a, 0);
	lex_all(&c2);
	bool r = d_foreign_query_(&c2);
	free(c2.t);
	arena_free(&c2.a);
	sbuf_release(&rq);
	return r;
}

static bool
d_foreign_query_(struct dctx *c)
{
	const char *q = c->q;
	size_t i = 0;
	while (i < c->n && q[i] == ' ')
		i++;
	if (i < c->n && (q[i] == '{' || q[i] == '('))
		return false;
	if (c->nt && c->t[0].t == T_IDENT) {
		struct lq__tok n = c->nt > 1 ? c->t[1] : (struct lq__tok){ 0 };
		if (c->nt > 1 && (n.t == T_LPAREN || tok_is(&n, "by") || tok_is(&n, "without")))
			return false; /* a function call: other detectors */
	}
	struct sbuf fix = SBUF_INIT, sel = SBUF_INIT, filt = SBUF_INIT;
	bool ok = false;
	if (c->nt && tok_is(&c->t[0], "grep")) {
		say(c, "This is a grep command line. In LogQL pick streams with a selector, then filter lines: |= \"text\" (like grep), != (grep -v), |~ \"regex\" (grep -E), |~ \"(?i)text\" (grep -i).");
		bool inv = false, icase = false, ext = false;
		const char *pat = NULL;
		size_t pl = 0;
		for (size_t k = 1; k < c->nt; k++) {
			const struct lq__tok *t = &c->t[k];
			if (t->t == T_SUB || t->t == T_FLAG) {
				const char *s = q + t->off + (t->t == T_SUB ? 1 : 2);
				size_t l = t->t == T_SUB && k + 1 < c->nt ? c->t[k + 1].len : 0;
				if (t->t == T_SUB && k + 1 < c->nt && c->t[k + 1].t == T_IDENT) {
					s = q + c->t[k + 1].off;
					k++;
				}
				for (size_t z = 0; z < (l ? l : 1); z++) {
					if (s[z] == 'v') inv = true;
					if (s[z] == 'i') icase = true;
					if (s[z] == 'E' || s[z] == 'P') ext = true;
				}
				continue;
			}
			if (t->t == T_STRING) {
				pat = t->s;
				pl = t->slen;
			} else if (t->t == T_IDENT && !pat) {
				pat = q + t->off;
				pl = t->len;
			}
		}
		if (pat) {
			bool re = ext || icase || !lq__re_is_literal(pat, pl);
			sbuf_adds(&filt, inv ? (re ? " !~ " : " != ") : (re ? " |~ " : " |= "));
			if (icase) {
				struct sbuf t = SBUF_INIT;
				sbuf_adds(&t, "(?i)");
				sbuf_add(&t, pat, pl);
				lq_quote(&filt, t.buf, t.len);
				sbuf_release(&t);
			} else {
				lq_quote(&filt, pat, pl);
			}
			sbuf_addf(&fix, "%s%s", BASE_SELECTOR, sbuf_str(&filt));
			ok = true;
		}
	} else if (c->nt && tok_is(&c->t[0], "select")) {
		say(c, "This is SQL. LogQL has no SELECT/FROM/WHERE: a stream selector {label=\"value\"} picks the logs, and filters follow in a pipeline (|= \"text\", | json | field=\"value\").");
		size_t k = 0;
		while (k < c->nt && !tok_is(&c->t[k], "where"))
			k++;
		int nm = 0;
		for (k++; k + 2 < c->nt + 0 && k < c->nt; k++) {
			const struct lq__tok *a = &c->t[k];
			if (a->t != T_IDENT || tok_is(a, "and"))
				continue;
			const struct lq__tok *op = &c->t[k + 1];
			const struct lq__tok *v = k + 2 < c->nt ? &c->t[k + 2] : NULL;
			if (tok_is(op, "like") && v && v->t == T_STRING) {
				const char *s = v->s;
				size_t l = v->slen;
				while (l && *s == '%') s++, l--;
				while (l && s[l - 1] == '%') l--;
				sbuf_adds(&filt, " |= ");
				lq_quote(&filt, s, l);
				k += 2;
				continue;
			}
			if ((op->t == T_EQ || op->t == T_EQEQ) && v &&
			    (v->t == T_STRING || v->t == T_IDENT || v->t == T_NUMBER)) {
				if (nm++)
					sbuf_adds(&sel, ", ");
				sbuf_add(&sel, q + a->off, a->len);
				sbuf_addc(&sel, '=');
				if (v->t == T_STRING)
					lq_quote(&sel, v->s, v->slen);
				else
					lq_quote(&sel, q + v->off, v->len);
				k += 2;
			}
		}
		if (nm) {
			sbuf_addf(&fix, "{%s}%s", sbuf_str(&sel), sbuf_str(&filt));
			ok = true;
		} else if (filt.len) {
			sbuf_addf(&fix, "%s%s", BASE_SELECTOR, sbuf_str(&filt));
			ok = true;
		}
	} else {
		/* key=value / key:value pairs and bare words (Splunk, Lucene) */
		int nm = 0;
		for (size_t k = 0; k < c->nt; k++) {
			const struct lq__tok *a = &c->t[k];
			if (a->t == T_IDENT && (tok_is(a, "and") || tok_is(a, "search") ||
						tok_is(a, "index") || tok_is(a, "sourcetype")))
				if (!(k + 1 < c->nt && c->t[k + 1].t == T_EQ) || tok_is(a, "and"))
					continue;
			if (a->t == T_IDENT && k + 2 < c->nt &&
			    (c->t[k + 1].t == T_EQ || c->t[k + 1].t == T_EQEQ ||
			     (c->t[k + 1].t == T_ERROR && q[c->t[k + 1].off] == ':'))) {
				const struct lq__tok *v = &c->t[k + 2];
				if (tok_is(a, "index") || tok_is(a, "sourcetype")) {
					k += 2;
					continue;
				}
				if (nm++)
					sbuf_adds(&sel, ", ");
				sbuf_add(&sel, q + a->off, a->len);
				sbuf_addc(&sel, '=');
				if (v->t == T_STRING)
					lq_quote(&sel, v->s, v->slen);
				else
					lq_quote(&sel, q + v->off, v->len);
				k += 2;
				continue;
			}
			if (a->t == T_STRING || a->t == T_IDENT) {
				sbuf_adds(&filt, " |= ");
				if (a->t == T_STRING)
					lq_quote(&filt, a->s, a->slen);
				else
					lq_quote(&filt, q + a->off, a->len);
			}
		}
		if (nm || filt.len) {
			say(c, "A LogQL query starts with a stream selector in braces, {label=\"value\", ...}; free text becomes line filters: |= \"text\".");
			if (nm)
				sbuf_addf(&fix, "{%s}%s", sbuf_str(&sel), sbuf_str(&filt));
			else
				sbuf_addf(&fix, "%s%s", BASE_SELECTOR, sbuf_str(&filt));
			ok = true;
		}
	}
	bool proposed = ok && propose(c, sbuf_str(&fix));
	if (proposed && strstr(sbuf_str(&c->d->fix), BASE_SELECTOR))
		say(c, "The fix uses %s as the stream selector; narrow it to the streams you need.", BASE_SELECTOR);
	sbuf_release(&fix);
	sbuf_release(&sel);
	sbuf_release(&filt);
	return ok;
}

static bool
d_needs_unwrap(struct dctx *c)
{
	if (strstr(c->err.msg, "needs a number to work on")) {
		say(c, "This function aggregates numbers, so the log query must say which label holds the number: add | unwrap <label> (after a parser such as | json or | logfmt) before the range, e.g. avg_over_time({app=\"x\"} | json | unwrap latency_ms [5m]).");
		return true;
	}
	if (strstr(c->err.msg, "does not allow unwrap")) {
		say(c, "count_over_time, bytes_over_time and bytes_rate count lines or bytes; they cannot take an unwrapped value. Use sum_over_time/avg_over_time with unwrap, or drop the unwrap to count lines.");
		return true;
	}
	return false;
}


/* ---- more fixers keyed on the parser's message ---- */

static bool
msg_has(struct dctx *c, const char *s)
{
	return strstr(c->err.msg, s) != NULL;
}

/* Text with tokens [a, b) (token indexes) removed. */
static void
without_tokens(struct dctx *c, size_t a, size_t b, struct sbuf *out)
{
	size_t from = c->t[a].off, to = b < c->nt ? c->t[b].off : c->n;
	add_text(out, c->q, 0, from);
	add_text(out, c->q, to, c->n);
}

static bool
d_misc(struct dctx *c)
{
	struct sbuf fix = SBUF_INIT;
	bool handled = true;
	size_t k = tok_at(c, c->err.offset);
	if (msg_has(c, "takes no numeric parameter") || msg_has(c, "takes no parameter; only quantile")) {
		say(c, "Only topk, bottomk (k) and quantile_over_time (the quantile) take a number before the expression; remove it.");
		if (k + 3 < c->nt && c->t[k + 1].t == T_LPAREN && c->t[k + 2].t == T_NUMBER &&
		    c->t[k + 3].t == T_COMMA)
			without_tokens(c, k + 2, k + 4, &fix);
	} else if (msg_has(c, "does not take by/without") &&
		   (lq__ieq(c->q + c->err.offset, 4, "sort") || lq__ieq(c->q + c->err.offset, 9, "sort_desc"))) {
		say(c, "sort and sort_desc order the whole result and take no by/without; group inside them instead.");
		int depth = 0;
		size_t end = c->err.offset + c->err.len;
		for (size_t j = k; j < c->nt && c->t[j].off < end; j++) {
			if (c->t[j].t == T_LPAREN)
				depth++;
			else if (c->t[j].t == T_RPAREN)
				depth--;
			else if (depth == 0 && (tok_is(&c->t[j], "by") || tok_is(&c->t[j], "without"))) {
				add_text(&fix, c->q, 0, c->t[j].off);
				rtrim(&fix);
				add_text(&fix, c->q, end, c->n);
				break;
			}
		}
	} else if (msg_has(c, "label names cannot contain dots")) {
		say(c, "Label names use letters, digits and _ only; json flattens nested keys with _ (a.b becomes a_b).");
		if (k + 2 < c->nt && c->t[k + 1].t == T_DOT && c->t[k + 2].t == T_IDENT) {
			add_text(&fix, c->q, 0, c->t[k + 1].off);
			sbuf_addc(&fix, '_');
			add_text(&fix, c->q, c->t[k + 2].off, c->n);
		}
	} else if (msg_has(c, "line_format needs a quoted template")) {
		say(c, "The template must be a quoted string: line_format \"{{.label}}\".");
		size_t end = c->n;
		for (size_t j = k; j < c->nt; j++)
			if (c->t[j].t == T_PIPE || c->t[j].t == T_RANGE) {
				end = c->t[j].off;
				break;
			}
		size_t st = c->err.offset;
		size_t e2 = end;
		while (e2 > st && c->q[e2 - 1] == ' ')
			e2--;
		if (e2 > st) {
			add_text(&fix, c->q, 0, st);
			lq_quote(&fix, c->q + st, e2 - st);
			add_text(&fix, c->q, e2, c->n);
		}
	} else if (msg_has(c, "extraction path must be a quoted string")) {
		say(c, "Extraction paths are quoted: | json name=\"path.to.field\".");
		if (k < c->nt && c->t[k].t == T_IDENT) {
			add_text(&fix, c->q, 0, c->t[k].off);
			lq_quote(&fix, c->q + c->t[k].off, c->t[k].len);
			add_text(&fix, c->q, c->t[k].off + c->t[k].len, c->n);
		}
	} else if (msg_has(c, "unknown logfmt flag")) {
		const char *f = c->q + c->err.offset;
		const char *to = lq__memmem(f, c->err.len, "keep", 4) ? "--keep-empty" :
				 lq__memmem(f, c->err.len, "str", 3) ? "--strict" : NULL;
		say(c, "logfmt knows two flags: --strict (stop at the first bad pair) and --keep-empty (keep keys without a value).");
		if (to) {
			add_text(&fix, c->q, 0, c->err.offset);
			sbuf_adds(&fix, to);
			add_text(&fix, c->q, c->err.offset + c->err.len, c->n);
		}
	} else if (msg_has(c, "bad number unit")) {
		const char *t = c->q + c->err.offset;
		size_t l = c->err.len;
		say(c, "Every part of a duration needs a unit (1m30s), and sizes use B kB MB GB KiB MiB.");
		if (l > 1 && t[l - 1] >= '0' && t[l - 1] <= '9' && memchr(t, 'm', l)) {
			add_text(&fix, c->q, 0, c->err.offset + l);
			sbuf_addc(&fix, 's');
			add_text(&fix, c->q, c->err.offset + l, c->n);
		}
	} else if (msg_has(c, "after the log query; pipeline stages start with |") &&
		   k < c->nt && c->t[k].t == T_IDENT) {
		say(c, "To keep lines containing a word, use a line filter: |= \"word\".");
		add_text(&fix, c->q, 0, c->t[k].off);
		sbuf_adds(&fix, "|= ");
		lq_quote(&fix, c->q + c->t[k].off, c->t[k].len);
		add_text(&fix, c->q, c->t[k].off + c->t[k].len, c->n);
	} else if (msg_has(c, "the aggregated expression goes in its own parentheses") &&
		   k > 0 && k - 1 < c->nt) {
		size_t g = k;
		while (g > 0 && c->t[g].t != T_IDENT)
			g--;
		while (g > 0 && !tok_is(&c->t[g], "by") && !tok_is(&c->t[g], "without"))
			g--;
		say(c, "by (...) / without (...) lists label names; the expression being aggregated goes in its own parentheses: count without (pod) (rate(...)).");
		if (tok_is(&c->t[g], "by") || tok_is(&c->t[g], "without"))
			without_tokens(c, g, g + 1, &fix);
	} else if (msg_has(c, "regexp needs at least one named capture")) {
		say(c, "The regexp stage extracts labels from named groups like (?P<name>...); it does not filter. To keep lines matching a regex use a line filter: |~ \"regex\".");
		size_t j = k;
		while (j > 0 && !tok_is(&c->t[j], "regexp"))
			j--;
		if (j > 0 && c->t[j - 1].t == T_PIPE && j + 1 < c->nt && c->t[j + 1].t == T_STRING) {
			add_text(&fix, c->q, 0, c->t[j - 1].off);
			sbuf_adds(&fix, "|~ ");
			add_text(&fix, c->q, c->t[j + 1].off, c->n);
		}
	} else if (msg_has(c, "empty query") && c->n && memchr(c->q, '#', c->n)) {
		say(c, "Everything after # is a comment, so nothing is left to run.");
		const char *h = memchr(c->q, '#', c->n);
		add_text(&fix, c->q, 0, (size_t)(h - c->q));
		add_text(&fix, c->q, (size_t)(h - c->q) + 1, c->n);
	} else {
		handled = false;
	}
	if (handled && fix.len)
		propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return handled;
}


/* SQL/programming habits inside pipelines and groupings. */
static bool
d_habits(struct dctx *c)
{
	struct sbuf fix = SBUF_INIT;
	bool handled = true;
	size_t k = tok_at(c, c->err.offset);
	const struct lq__tok *t = k < c->nt ? &c->t[k] : NULL;
	const struct lq__tok *pv = k > 0 && k - 1 < c->nt ? &c->t[k - 1] : NULL;
	if (t && t->t == T_IDENT && msg_has(c, "after the line filter operator")) {
		say(c, "Line filter text must be quoted: |= \"%.*s\".", (int)t->len, c->q + t->off);
		add_text(&fix, c->q, 0, t->off);
		lq_quote(&fix, c->q + t->off, t->len);
		add_text(&fix, c->q, t->off + t->len, c->n);
	} else if (t && t->t == T_IDENT && pv && (pv->t == T_EQ || pv->t == T_NEQ) &&
		   msg_has(c, "expected a value")) {
		say(c, "String values in label filters are quoted: %.*s\"%.*s\".",
		    (int)(t->off - c->t[k - 2].off), c->q + c->t[k - 2].off, (int)t->len,
		    c->q + t->off);
		add_text(&fix, c->q, 0, t->off);
		lq_quote(&fix, c->q + t->off, t->len);
		add_text(&fix, c->q, t->off + t->len, c->n);
	} else if (t && t->t == T_IDENT && msg_has(c, "with label names after by/without")) {
		say(c, "by/without need parentheses around the label names: by (%.*s).",
		    (int)t->len, c->q + t->off);
		/* wrap the run of names (a, b, c) in parentheses */
		size_t j = k;
		while (j + 2 < c->nt && c->t[j + 1].t == T_COMMA && c->t[j + 2].t == T_IDENT)
			j += 2;
		size_t end = c->t[j].off + c->t[j].len;
		add_text(&fix, c->q, 0, t->off);
		sbuf_addc(&fix, '(');
		add_text(&fix, c->q, t->off, end);
		sbuf_addc(&fix, ')');
		if (end < c->n && c->q[end] != ' ' && j + 1 < c->nt && c->t[j + 1].t == T_LPAREN)
			sbuf_addc(&fix, ' ');
		add_text(&fix, c->q, end, c->n);
	} else if (msg_has(c, "unexpected character") && c->err.offset + 1 < c->n &&
		   ((c->q[c->err.offset] == '&' && c->q[c->err.offset + 1] == '&') ||
		    (c->q[c->err.offset] == '|' && c->q[c->err.offset + 1] == '|'))) {
		bool and = c->q[c->err.offset] == '&';
		say(c, "LogQL writes `%s` as `%s` (or a comma for and).", and ? "&&" : "||",
		    and ? "and" : "or");
		add_text(&fix, c->q, 0, c->err.offset);
		sbuf_adds(&fix, and ? "and" : "or");
		add_text(&fix, c->q, c->err.offset + 2, c->n);
	} else if (t && t->t == T_IDENT && k + 1 < c->nt &&
		   (tok_is(&c->t[k + 1], "in") || tok_is(&c->t[k + 1], "like"))) {
		bool in = tok_is(&c->t[k + 1], "in");
		size_t j = k + 2;
		struct sbuf re = SBUF_INIT;
		if (in && j < c->nt && c->t[j].t == T_LPAREN) {
			for (j++; j < c->nt && c->t[j].t != T_RPAREN; j++) {
				if (c->t[j].t == T_STRING || c->t[j].t == T_NUMBER || c->t[j].t == T_IDENT) {
					const char *v = c->t[j].t == T_STRING ? c->t[j].s : c->q + c->t[j].off;
					size_t vl = c->t[j].t == T_STRING ? c->t[j].slen : c->t[j].len;
					if (re.len)
						sbuf_addc(&re, '|');
					for (size_t z = 0; z < vl; z++) {
						if (strchr("\\.+*?()|[]{}^$", v[z]))
							sbuf_addc(&re, '\\');
						sbuf_addc(&re, v[z]);
					}
				}
			}
			say(c, "LogQL has no IN; a regex matcher does it: %.*s=~\"a|b\".", (int)t->len,
			    c->q + t->off);
		} else if (!in && j < c->nt && (c->t[j].t == T_STRING || c->t[j].t == T_ERROR)) {
			/* LIKE '%x%' (single quotes lex as errors: take the raw text) */
			const char *v = c->q + c->t[j].off;
			size_t e2 = c->t[j].off;
			char q = *v;
			const char *close = memchr(v + 1, q, c->n - c->t[j].off - 1);
			if (close) {
				for (const char *z = v + 1; z < close; z++) {
					if (*z == '%')
						sbuf_adds(&re, ".*");
					else if (*z == '_')
						sbuf_addc(&re, '.');
					else {
						if (strchr("\\.+*?()|[]{}^$", *z))
							sbuf_addc(&re, '\\');
						sbuf_addc(&re, *z);
					}
				}
				e2 = (size_t)(close - c->q) + 1;
				while (j < c->nt && c->t[j].off < e2)
					j++;
				j--;
			}
			say(c, "LogQL has no LIKE; use a regex label filter (%% becomes .*), or better a line filter |= \"text\" before the parser.");
		}
		if (re.len && j < c->nt) {
			size_t end = c->t[j].off + c->t[j].len;
			add_text(&fix, c->q, 0, t->off);
			sbuf_add(&fix, c->q + t->off, t->len);
			sbuf_adds(&fix, "=~");
			lq_quote(&fix, re.buf, re.len);
			add_text(&fix, c->q, end, c->n);
		}
		sbuf_release(&re);
	} else if (msg_has(c, "needs a range: add a duration")) {
		/* fn({...})[5m]: the range was written outside the parentheses */
		size_t end = c->err.offset + c->err.len;
		size_t j = tok_at(c, end);
		if (j + 1 < c->nt && c->t[j].t == T_RPAREN && c->t[j + 1].t == T_RANGE) {
			say(c, "The [range] belongs inside the function's parentheses, right after the log query.");
			add_text(&fix, c->q, 0, end);
			add_text(&fix, c->q, c->t[j + 1].off, c->t[j + 1].off + c->t[j + 1].len);
			add_text(&fix, c->q, c->t[j].off, c->t[j].off + 1);
			add_text(&fix, c->q, c->t[j + 1].off + c->t[j + 1].len, c->n);
		} else {
			handled = false;
		}
	} else {
		handled = false;
	}
	if (handled && fix.len)
		propose(c, sbuf_str(&fix));
	sbuf_release(&fix);
	return handled;
}

/* ---- advice for valid queries ---- */

struct advice_ctx {
	struct dctx *c;
	const struct lq_expr *root;
	int depth_agg;
	bool alt_given;
};

static void
alt(struct dctx *c, const char *q)
{
	if (!parses(q, strlen(q)))
		return;
	say(c, "  %s", q);
}

static void
advise_selector(struct advice_ctx *ac, const struct lq_expr *e)
{
	struct dctx *c = ac->c;
	const struct lq_selector *sel = &e->sel;
	for (size_t i = 0; i < sel->n; i++) {
		const struct lq_matcher *m = &sel->m[i];
		bool hc = in_list(HIGH_CARD, m->name);
		bool unknown = !hc && !in_list(STREAM_LABELS, m->name);
		if (!hc && !unknown)
			continue;
		/* the selector without this matcher */
		struct sbuf rest = SBUF_INIT, q = SBUF_INIT, filt = SBUF_INIT;
		int kept = 0;
		for (size_t k = 0; k < sel->n; k++) {
			if (k == i)
				continue;
			if (kept++)
				sbuf_adds(&rest, ", ");
			sbuf_addf(&rest, "%s%s", sel->m[k].name,
				  sel->m[k].op == LQ_EQ ? "=" : sel->m[k].op == LQ_NEQ ? "!=" :
				  sel->m[k].op == LQ_RE ? "=~" : "!~");
			lq_quote(&rest, sel->m[k].value, sel->m[k].value_len);
		}
		const char *base = BASE_SELECTOR;
		struct sbuf b = SBUF_INIT;
		if (kept) {
			sbuf_addf(&b, "{%s}", sbuf_str(&rest));
			base = sbuf_str(&b);
		}
		bool tags = !strcmp(m->name, "tags");
		if (tags && m->op == LQ_EQ) {
			sbuf_adds(&filt, " |= ");
			lq_quote(&filt, m->value, m->value_len);
		} else {
			sbuf_addf(&filt, " | json | %s%s", m->name,
				  m->op == LQ_EQ ? "=" : m->op == LQ_NEQ ? "!=" :
				  m->op == LQ_RE ? "=~" : "!~");
			lq_quote(&filt, m->value, m->value_len);
		}
		if (hc) {
			say(c, "advice: `%s` looks like a per-request id. As a stream label it creates one stream per request, which makes Loki's index (and cardinality) explode. If the id lives only in the JSON body, select the service and filter after parsing:",
			    m->name);
		} else if (tags) {
			say(c, "advice: `tags` is a JSON array in the log body of the seed schema, so {tags=...} only works if the collector turned it into a stream label. If it did not, filter the line text instead:");
		} else {
			say(c, "advice: this works only if `%s` is a stream label. If it is a field in the JSON body, filter after parsing:",
			    m->name);
		}
		/* rebuild the whole query with the replacement selector */
		if (ac->root->kind == LQ_EXPR_LOG && e == ac->root && e->nstages == 0) {
			sbuf_addf(&q, "%s%s", base, sbuf_str(&filt));
			alt(c, sbuf_str(&q));
		} else {
			/* textual: replace the selector span in the original text */
			sbuf_add(&q, c->q, sel->off);
			sbuf_adds(&q, base);
			if (tags) {
				sbuf_add(&q, sbuf_str(&filt), filt.len);
				if (c->q[sel->off + sel->len] == '[')
					sbuf_addc(&q, ' ');
				sbuf_add(&q, c->q + sel->off + sel->len, c->n - sel->off - sel->len);
			} else {
				/* json filter must precede a range: insert after the selector */
				sbuf_add(&q, sbuf_str(&filt), filt.len);
				if (c->q[sel->off + sel->len] == '[')
					sbuf_addc(&q, ' ');
				sbuf_add(&q, c->q + sel->off + sel->len, c->n - sel->off - sel->len);
			}
			alt(c, sbuf_str(&q));
		}
		sbuf_release(&rest);
		sbuf_release(&q);
		sbuf_release(&filt);
		sbuf_release(&b);
	}
	/* wide selector without line filters before parsing */
	bool narrow = false;
	for (size_t i = 0; i < sel->n; i++)
		if (sel->m[i].op == LQ_EQ && sel->m[i].value_len)
			narrow = true;
	bool has_filter = false, has_parser = false;
	for (size_t i = 0; i < e->nstages; i++) {
		if (e->stages[i].kind == LQ_ST_LINE_FILTER)
			has_filter = true;
		if (e->stages[i].kind == LQ_ST_JSON || e->stages[i].kind == LQ_ST_LOGFMT ||
		    e->stages[i].kind == LQ_ST_REGEXP || e->stages[i].kind == LQ_ST_PATTERN)
			has_parser = true;
	}
	if (!narrow && !has_filter)
		say(c, "advice: the selector has no equality matcher, so it reads many streams, and there is no line filter. Add a line filter like |= \"text\" right after the selector: it skips lines on raw bytes before anything else runs.");
	else if (has_parser && !has_filter && e->nstages > 1)
		say(c, "advice: every line is parsed before filtering. If the value you filter on appears in the text, a line filter before the parser (|= \"text\") is much cheaper.");
	for (size_t i = 0; i < e->nstages; i++) {
		const struct lq_stage *st = &e->stages[i];
		if (st->kind == LQ_ST_LINE_FILTER && st->lf.nalt == 1 && !st->lf.alt[0].ip &&
		    (st->lf.op == LQ_LINE_MATCH || st->lf.op == LQ_LINE_NOT_MATCH) &&
		    lq__re_is_literal(st->lf.alt[0].s, st->lf.alt[0].len)) {
			say(c, "advice: the regex %s has no special characters; a substring filter (%s) gives the same lines and is cheaper.",
			    st->lf.alt[0].s, st->lf.op == LQ_LINE_MATCH ? "|=" : "!=");
			struct sbuf q = SBUF_INIT;
			sbuf_add(&q, c->q, st->off);
			sbuf_adds(&q, st->lf.op == LQ_LINE_MATCH ? "|=" : "!=");
			sbuf_add(&q, c->q + st->off + 2, c->n - st->off - 2);
			alt(c, sbuf_str(&q));
			sbuf_release(&q);
		}
		if (st->kind == LQ_ST_LINE_FILTER && st->lf.op == LQ_LINE_CONTAINS) {
			for (size_t k = 0; k < st->lf.nalt; k++)
				if (!st->lf.alt[k].ip && memchr(st->lf.alt[k].s, '*', st->lf.alt[k].len))
					say(c, "advice: |= matches a plain substring, so `*` in %s is a literal star, not a wildcard. Drop the stars, or use |~ with a regex.",
					    st->lf.alt[k].s);
		}
		if (st->kind == LQ_ST_LABEL_FILTER && st->filter->kind == LQ_LF_STRING &&
		    st->filter->m.op == LQ_RE) {
			const char *v = st->filter->m.value;
			size_t l = st->filter->m.value_len;
			if (l > 4 && !strncmp(v, ".*", 2) && !strcmp(v + l - 2, ".*") &&
			    lq__re_is_literal(v + 2, l - 4))
				say(c, "advice: `%s=~\"%s\"` is a substring test; a line filter |= \"%.*s\" before the parser does it on raw bytes, much cheaper (if the text does not appear elsewhere in the line).",
				    st->filter->m.name, v, (int)(l - 4), v + 2);
		}
	}
	for (size_t i = 0; i < sel->n; i++) {
		const struct lq_matcher *m = &sel->m[i];
		if (m->op == LQ_RE && m->value_len && lq__re_is_literal(m->value, m->value_len))
			say(c, "advice: %s=~\"%s\" has no regex characters; %s=\"%s\" is the same and cheaper.",
			    m->name, m->value, m->name, m->value);
	}
}

static void
advise_walk(struct advice_ctx *ac, const struct lq_expr *e, bool under_vec)
{
	switch (e->kind) {
	case LQ_EXPR_LOG:
	case LQ_EXPR_LOG_RANGE:
		advise_selector(ac, e);
		break;
	case LQ_EXPR_RANGE_AGG:
		if (!under_vec && !e->grouping.present) {
			bool parser = false;
			for (size_t i = 0; i < e->inner->nstages; i++)
				if (e->inner->stages[i].kind == LQ_ST_JSON ||
				    e->inner->stages[i].kind == LQ_ST_LOGFMT ||
				    e->inner->stages[i].kind == LQ_ST_UNPACK)
					parser = e->inner->stages[i].nex == 0;
			if (parser) {
				say(ac->c, "advice: every field the parser extracts becomes a label, so this returns one series per distinct set of values (per correlation_id, per message...). Aggregate the labels you care about: sum by (level) (%s(...)).",
				    lq_range_op_name(e->op));
				break;
			}
		}
		advise_walk(ac, e->inner, under_vec);
		if (!under_vec && e == ac->root && !e->grouping.present) {
			struct sbuf q = SBUF_INIT;
			sbuf_adds(&q, "sum(");
			sbuf_add(&q, ac->c->q, ac->c->n);
			sbuf_addc(&q, ')');
			say(ac->c, "note: %s returns one series per stream (every label combination). For one total, sum it:",
			    lq_range_op_name(e->op));
			alt(ac->c, sbuf_str(&q));
			sbuf_release(&q);
		}
		break;
	case LQ_EXPR_VEC_AGG:
	case LQ_EXPR_LABEL_REPLACE:
		advise_walk(ac, e->inner, true);
		break;
	case LQ_EXPR_BINOP:
		advise_walk(ac, e->lhs, true);
		advise_walk(ac, e->rhs, true);
		break;
	default:
		break;
	}
}

/* ---- entry points ---- */

void
lq_diagnose(const char *q, size_t n, struct lq_diag *d)
{
	struct dctx c;
	memset(&c, 0, sizeof(c));
	memset(d, 0, sizeof(*d));
	sbuf_init(&d->text);
	sbuf_init(&d->fix);
	c.q = q;
	c.n = n;
	c.d = d;
	arena_init(&c.a, 0);
	struct lq_expr *e = lq_parse(&c.a, q, n, &c.err);
	if (e) {
		d->valid = true;
		struct advice_ctx ac = { &c, e, 0, false };
		advise_walk(&ac, e, false);
		arena_free(&c.a);
		return;
	}
	lex_all(&c);
	static bool (*const detectors[])(struct dctx *) = {
		d_stats, d_habits, d_json_missing_pipe, d_pattern_glob, d_foreign_query,
		d_range_grouping, d_missing_range, d_bare_range, d_vec_over_log,
		d_unknown_function, d_unit_space, d_range_text, d_bare_string,
		d_single_quotes, d_selector, d_empty_selector, d_string_cmp,
		d_set_literal, d_foreign_stage, d_flags, d_needs_unwrap, d_misc, d_dangling,
	};
	bool handled = false;
	for (size_t i = 0; i < LX_ARRAY_LEN(detectors) && !handled; i++)
		handled = detectors[i](&c);
	if (!handled || !d->text.len) {
		/* no known habit: the parser's own message is the explanation */
		say(&c, "%s (at line %d, column %d).", c.err.msg, c.err.line, c.err.col);
	}
	if (d->fix.len) {
		/* advice about the fix itself (stream labels, cost) */
		struct dctx f = c;
		struct sbuf fx = SBUF_INIT;
		sbuf_add(&fx, d->fix.buf, d->fix.len);
		f.q = sbuf_str(&fx);
		f.n = fx.len;
		struct arena fa;
		arena_init(&fa, 0);
		struct lq_expr *fe = lq_parse(&fa, f.q, f.n, NULL);
		struct lq_diag tmp;
		memset(&tmp, 0, sizeof(tmp));
		sbuf_init(&tmp.text);
		sbuf_init(&tmp.fix);
		f.d = &tmp;
		if (fe) {
			struct advice_ctx ac = { &f, fe, 0, false };
			advise_walk(&ac, fe, false);
		}
		/* label advice about the proposed query as such */
		const char *p = sbuf_str(&tmp.text);
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t l = nl ? (size_t)(nl - p) : strlen(p);
			if (!strncmp(p, "advice: ", 8)) {
				sbuf_adds(&d->text, "about the fix: ");
				sbuf_add(&d->text, p + 8, l - 8);
			} else if (!strncmp(p, "note: ", 6)) {
				sbuf_adds(&d->text, "about the fix: ");
				sbuf_add(&d->text, p + 6, l - 6);
			} else {
				sbuf_add(&d->text, p, l);
			}
			sbuf_addc(&d->text, '\n');
			p += l + (nl ? 1 : 0);
		}
		lq_diag_release(&tmp);
		arena_free(&fa);
		sbuf_release(&fx);
	}
	free(c.t);
	arena_free(&c.a);
}

void
lq_diag_release(struct lq_diag *d)
{
	sbuf_release(&d->text);
	sbuf_release(&d->fix);
}

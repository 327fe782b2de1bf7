/*
 * core/scan.c: a single-pass scanner for one-object-per-line JSON logs.
 *
 * It must stay cheap: no allocation, no tree, one pass over the bytes.  It
 * understands enough JSON to skip any value (strings with escapes, nested
 * objects and arrays) and looks at top-level keys and the keys of
 * "context".  It does not validate numbers or literals beyond what it needs.
 */
#define _GNU_SOURCE 1   /* memmem */
#include "core/scan.h"
#include "core/utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const level_names[LVL__COUNT] = {
	"", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL",
};

const char *
scan_level_str(enum log_level lvl)
{
	return (unsigned)lvl < LVL__COUNT ? level_names[lvl] : "";
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
ieq(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);
	if (len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != word[i])
			return false;
	return true;
}

enum log_level
scan_level_name(const char *s, size_t len)
{
	static const struct { const char *w; enum log_level l; } names[] = {
		{ "trace", LVL_TRACE }, { "debug", LVL_DEBUG }, { "dbug", LVL_DEBUG },
		{ "info", LVL_INFO }, { "information", LVL_INFO }, { "notice", LVL_INFO },
		{ "warn", LVL_WARN }, { "warning", LVL_WARN },
		{ "error", LVL_ERROR }, { "err", LVL_ERROR }, { "eror", LVL_ERROR },
		{ "fatal", LVL_FATAL }, { "crit", LVL_FATAL }, { "critical", LVL_FATAL },
		{ "panic", LVL_FATAL }, { "emerg", LVL_FATAL }, { "alert", LVL_FATAL },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ieq(s, len, names[i].w))
			return names[i].l;
	return LVL_NONE;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's formula). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int
digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int64_t
scan_line_ts(void *ud, const char *text, size_t len)
{
	(void)ud;
	struct scan_result r;
	scan_line(text, len, &r);
	return (r.flags & SCAN_F_TS) ? r.ts_ns : 0;
}

int
scan_time(const char *s, size_t len, int64_t *ns)
{
	if (len >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't' || s[10] == ' ')) {
		int Y, M, D, h, m, sec;
		if (digits(s, 4, &Y) || digits(s + 5, 2, &M) || digits(s + 8, 2, &D) ||
		    s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &h) ||
		    digits(s + 14, 2, &m) || digits(s + 17, 2, &sec))
			return -1;
		if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
			return -1;
		size_t i = 19;
		int64_t frac = 0;
		if (i < len && (s[i] == '.' || s[i] == ',')) {
			int nd = 0;
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++)
				if (nd < 9)
					frac = frac * 10 + (s[i] - '0');
			for (; nd < 9; nd++)
				frac *= 10;
		}
		int64_t off = 0;
		if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i + 6 <= len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
			int oh, om;
			if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om))
				return -1;
			off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
			i += 6;
		} else if (i + 5 <= len && (s[i] == '+' || s[i] == '-')) {
			int oh, om;
			if (digits(s + i + 1, 2, &oh) || digits(s + i + 3, 2, &om))
				return -1;
			off = (int64_t)(oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
			i += 5;
		}
		int64_t secs = days_from_civil(Y, (unsigned)M, (unsigned)D) * 86400 +
			       h * 3600 + m * 60 + sec - off;
		*ns = secs * 1000000000LL + frac;
		return 0;
	}
	/* Epoch number: seconds (10 digits), ms (13), us (16), ns (19). */
	size_t i = 0, nd = 0;
	int64_t v = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
		if (nd >= 19)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (nd < 9)
		return -1;
	int64_t frac = 0;
	if (i < len && s[i] == '.' && nd <= 10) {
		int fd = 0;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, fd++)
			if (fd < 9)
				frac = frac * 10 + (s[i] - '0');
		for (; fd < 9; fd++)
			frac *= 10;
	}
	if (i != len)
		return -1;
	if (nd <= 10)
		*ns = v * 1000000000LL + frac;
	else if (nd <= 13)
		*ns = v * 1000000LL;
	else if (nd <= 16)
		*ns = v * 1000LL;
	else
		*ns = v;
	return 0;
}

/* Skips whitespace; returns the new position. */
static size_t
skip_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/*
 * Scans a string starting after its opening quote.  Returns the index of
 * the closing quote, or n when unterminated; *esc is set when a backslash
 * was seen.  memchr finds the quote; backslashes are rare in logs.
 */
static size_t
scan_string(const char *s, size_t i, size_t n, bool *esc)
{
	for (;;) {
		const char *q = memchr(s + i, '"', n - i);
		if (!q)
			return n;
		size_t j = (size_t)(q - s);
		/* Count backslashes right before the quote. */
		size_t k = j, bs = 0;
		while (k > i && s[k - 1] == '\\')
			k--, bs++;
		if (memchr(s + i, '\\', j - i))
			*esc = true;
		if ((bs & 1) == 0)
			return j;
		i = j + 1;
	}
}

/* Skips any JSON value at i; returns the index after it, or n on error. */
static size_t
skip_value(const char *s, size_t i, size_t n)
{
	if (i >= n)
		return n;
	if (s[i] == '"') {
		bool esc = false;
		size_t j = scan_string(s, i + 1, n, &esc);
		return j < n ? j + 1 : n;
	}
	if (s[i] == '{' || s[i] == '[') {
		int depth = 0;
		while (i < n) {
			char c = s[i];
			if (c == '"') {
				bool esc = false;
				size_t j = scan_string(s, i + 1, n, &esc);
				if (j >= n)
					return n;
				i = j + 1;
				continue;
			}
			if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return n;
	}
	while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' && s[i] != '\t')
		i++;
	return i;
}

static void
set_span(struct span *sp, size_t off, size_t len)
{
	sp->off = (uint32_t)off;
	sp->len = (uint32_t)len;
}

enum key { K_OTHER, K_TS, K_LEVEL, K_AGENT, K_COMPONENT, K_CORR, K_MSG, K_CONTEXT,
	   K_HOST, K_SERVICE };

static enum key
classify(const char *k, size_t n)
{
	switch (n) {
	case 2: if (!memcmp(k, "ts", 2)) return K_TS; break;
	case 3: if (!memcmp(k, "msg", 3)) return K_MSG; break;
	case 4: if (!memcmp(k, "time", 4)) return K_TS; break;
	case 5: if (!memcmp(k, "level", 5)) return K_LEVEL; break;
	case 7:
		if (!memcmp(k, "message", 7)) return K_MSG;
		if (!memcmp(k, "context", 7)) return K_CONTEXT;
		if (!memcmp(k, "service", 7)) return K_SERVICE;
		break;
	case 8:
		if (!memcmp(k, "agent_id", 8)) return K_AGENT;
		if (!memcmp(k, "severity", 8)) return K_LEVEL;
		if (!memcmp(k, "hostname", 8)) return K_HOST;
		break;
	case 9:
		if (!memcmp(k, "timestamp", 9)) return K_TS;
		if (!memcmp(k, "component", 9)) return K_COMPONENT;
		break;
	case 14: if (!memcmp(k, "correlation_id", 14)) return K_CORR; break;
	}
	return K_OTHER;
}

static double
parse_number(const char *s, size_t len, bool *ok)
{
	char tmp[64];
	if (len == 0 || len >= sizeof(tmp)) {
		*ok = false;
		return 0;
	}
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	char *end;
	double v = strtod(tmp, &end);
	*ok = end == tmp + len;
	return v;
}

/* Reads "context": { ..., "duration_ms": N, "task_id": "..." }. */
static size_t
scan_context(const char *s, size_t i, size_t n, struct scan_result *out)
{
	if (i >= n || s[i] != '{')
		return skip_value(s, i, n);
	i = skip_ws(s, i + 1, n);
	while (i < n && s[i] == '"') {
		bool esc = false;
		size_t ke = scan_string(s, i + 1, n, &esc);
		if (ke >= n)
			return n;
		const char *key = s + i + 1;
		size_t klen = ke - i - 1;
		i = skip_ws(s, ke + 1, n);
		if (i >= n || s[i] != ':')
			return n;
		i = skip_ws(s, i + 1, n);
		size_t vs = i;
		i = skip_value(s, i, n);
		if (klen == 11 && !memcmp(key, "duration_ms", 11)) {
			bool ok;
			size_t a = vs, b = i;
			if (a < n && s[a] == '"')
				a++, b--;
			double v = parse_number(s + a, b - a, &ok);
			if (ok) {
				out->duration_ms = v;
				out->flags |= SCAN_F_DURATION;
			}
		} else if (klen == 7 && !memcmp(key, "task_id", 7) && s[vs] == '"') {
			set_span(&out->task, vs + 1, i - vs - 2);
		}
		i = skip_ws(s, i, n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
	}
	return i < n && s[i] == '}' ? i + 1 : n;
}

static bool
is_word_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Guesses the level of a plain-text line from its first level-like word. */
static enum log_level
guess_level(const char *s, size_t n)
{
	size_t lim = n < 512 ? n : 512;
	for (size_t i = 0; i < lim;) {
		while (i < lim && !is_word_char((unsigned char)s[i]))
			i++;
		size_t st = i;
		while (i < lim && is_word_char((unsigned char)s[i]))
			i++;
		size_t wl = i - st;
		if (wl >= 3 && wl <= 8) {
			/* level=error / lvl=warn in logfmt */
			enum log_level l = scan_level_name(s + st, wl);
			if (l != LVL_NONE && l != LVL_INFO) {
				/* Accept upper-case words, or lower-case after level= / [ */
				bool upper = s[st] >= 'A' && s[st] <= 'Z' && s[st + 1] >= 'A' && s[st + 1] <= 'Z';
				bool keyed = st > 0 && (s[st - 1] == '=' || s[st - 1] == '[' || s[st - 1] == '<');
				if (upper || keyed)
					return l;
			} else if (l == LVL_INFO && s[st] == 'I' && s[st + 1] == 'N') {
				return LVL_INFO;
			}
		}
	}
	return LVL_NONE;
}

static void
scan_plain(const char *s, size_t n, struct scan_result *out)
{
	out->level = (uint8_t)guess_level(s, n);
	/* A leading timestamp: up to the first space after 19+ chars. */
	if (n >= 19 && s[4] == '-') {
		size_t e = 19;
		while (e < n && s[e] != ' ' && s[e] != '\t')
			e++;
		int64_t ns;
		if (scan_time(s, e, &ns) == 0) {
			out->ts_ns = ns;
			out->flags |= SCAN_F_TS;
			e = skip_ws(s, e, n);
			set_span(&out->message, e, n - e);
			return;
		}
	}
	set_span(&out->message, 0, n);
}

/*
 * Whether the fields in `want` are final once the key ending before s[i]
 * was read (see scan_line_want).  Sets *to_end when a last-one-counts
 * key appears again: the line is then scanned to its end.
 */
static bool
settled(const char *s, size_t i, size_t n, const struct scan_result *out, unsigned want,
	bool *to_end)
{
	static const struct { unsigned w; const char *key; size_t off; } last[] = {
		{ SCAN_W_AGENT, "\"agent_id\"", offsetof(struct scan_result, agent) },
		{ SCAN_W_COMPONENT, "\"component\"", offsetof(struct scan_result, component) },
		{ SCAN_W_CORR, "\"correlation_id\"", offsetof(struct scan_result, corr) },
		{ SCAN_W_HOST, "\"hostname\"", offsetof(struct scan_result, hostname) },
		{ SCAN_W_SERVICE, "\"service\"", offsetof(struct scan_result, service) },
	};
	if (!(out->flags & SCAN_F_TS) || ((want & SCAN_W_LEVEL) && out->level == LVL_NONE))
		return false;
	for (size_t k = 0; k < sizeof(last) / sizeof(last[0]); k++)
		if ((want & last[k].w) &&
		    !((const struct span *)((const char *)out + last[k].off))->len)
			return false;
	for (size_t k = 0; k < sizeof(last) / sizeof(last[0]); k++)
		if ((want & last[k].w) && memmem(s + i, n - i, last[k].key, strlen(last[k].key))) {
			*to_end = true;
			return false;
		}
	return true;
}

void
scan_line(const char *s, size_t n, struct scan_result *out)
{
	scan_line_want(s, n, SCAN_W_ALL, out);
}

void
scan_line_want(const char *s, size_t n, unsigned want, struct scan_result *out)
{
	memset(out, 0, sizeof(*out));
	bool to_end = want == SCAN_W_ALL;
	size_t i = skip_ws(s, 0, n);
	if (i >= n || s[i] != '{') {
		scan_plain(s, n, out);
		return;
	}
	i = skip_ws(s, i + 1, n);
	bool ok = true;
	while (i < n && s[i] != '}') {
		if (s[i] != '"') {
			ok = false;
			break;
		}
		bool esc = false;
		size_t ke = scan_string(s, i + 1, n, &esc);
		if (ke >= n) {
			ok = false;
			break;
		}
		enum key k = classify(s + i + 1, ke - i - 1);
		i = skip_ws(s, ke + 1, n);
		if (i >= n || s[i] != ':') {
			ok = false;
			break;
		}
		i = skip_ws(s, i + 1, n);
		if (i >= n) {
			ok = false;
			break;
		}
		size_t vs = i;
		bool vesc = false;
		if (k == K_CONTEXT) {
			i = scan_context(s, i, n, out);
		} else if (s[i] == '"') {
			size_t ve = scan_string(s, i + 1, n, &vesc);
			if (ve >= n) {
				ok = false;
				break;
			}
			i = ve + 1;
		} else {
			i = skip_value(s, i, n);
		}
		bool str = s[vs] == '"';
		size_t a = str ? vs + 1 : vs, b = str ? i - 1 : i;
		switch (k) {
		case K_TS: {
			int64_t ns;
			if (!(out->flags & SCAN_F_TS) && scan_time(s + a, b - a, &ns) == 0) {
				out->ts_ns = ns;
				out->flags |= SCAN_F_TS;
			}
			break;
		}
		case K_LEVEL:
			if (str && out->level == LVL_NONE)
				out->level = (uint8_t)scan_level_name(s + a, b - a);
			break;
		case K_AGENT: if (str) set_span(&out->agent, a, b - a); break;
		case K_COMPONENT: if (str) set_span(&out->component, a, b - a); break;
		case K_CORR: if (str) set_span(&out->corr, a, b - a); break;
		case K_HOST: if (str) set_span(&out->hostname, a, b - a); break;
		case K_SERVICE: if (str) set_span(&out->service, a, b - a); break;
		case K_MSG:
			if (str && out->message.len == 0) {
				set_span(&out->message, a, b - a);
				if (vesc)
					out->flags |= SCAN_F_MSG_ESCAPED;
			}
			break;
		default: break;
		}
		/* Broken JSON later in the line would not change these fields
		 * either: the fallback below keeps a found level and timestamp. */
		if (!to_end && k != K_OTHER && settled(s, i, n, out, want, &to_end))
			return;
		i = skip_ws(s, i, n);
		if (i < n && s[i] == ',')
			i = skip_ws(s, i + 1, n);
		else if (i < n && s[i] != '}') {
			ok = false;
			break;
		}
	}
	if (ok && i < n) {
		out->flags |= SCAN_F_JSON;
		return;
	}
	/* Broken JSON: keep what we found, mark it, fall back for the rest. */
	struct scan_result keep = *out;
	scan_plain(s, n, out);
	out->flags |= SCAN_F_BAD_JSON;
	if (keep.level)
		out->level = keep.level;
	if (keep.flags & SCAN_F_TS) {
		out->ts_ns = keep.ts_ns;
		out->flags |= SCAN_F_TS;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static long
read_u4(const char *s, size_t i, size_t len)
{
	if (i + 4 > len)
		return -1;
	long v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval((unsigned char)s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

size_t
scan_unescape(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len && o + 5 < cap;) {
		if (s[i] != '\\' || i + 1 >= len) {
			out[o++] = s[i++];
			continue;
		}
		char c = s[i + 1];
		switch (c) {
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case '/': case '\\': case '"': out[o++] = c; i += 2; continue;
		case 'u': {
			long cp = read_u4(s, i + 2, len);
			if (cp < 0) {
				out[o++] = s[i++];
				continue;
			}
			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				long lo = (i + 1 < len && s[i] == '\\' && s[i + 1] == 'u') ? read_u4(s, i + 2, len) : -1;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				} else {
					cp = 0xfffd;
				}
			} else if ((cp >= 0xdc00 && cp <= 0xdfff) || cp == 0) {
				cp = 0xfffd;
			}
			o += utf8_encode((uint32_t)cp, out + o);
			continue;
		}
		default:
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return o;
}

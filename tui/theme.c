/*
 * tui/theme.c: theme slots, the theme file parser and theme lookup.
 * Knows nothing of curses: it produces colour numbers and attribute bits;
 * tui/term_curses.c turns them into colour pairs.
 */
#include "tui/theme.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"

static const char builtin_dark[] =
#include "builtin_theme.h"
	;

static const char *const slot_names[THEME__COUNT] = {
#define _(id, name) name,
	THEME_SLOTS(_)
#undef _
};

const char *
theme_slot_name(enum theme_slot s)
{
	return (unsigned)s < THEME__COUNT ? slot_names[s] : "?";
}

enum theme_slot
theme_palette_for(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return (enum theme_slot)(THEME_PALETTE_0 + h % THEME_PALETTE_N);
}

enum theme_slot
theme_level_slot(int level)
{
	switch (level) {
	case LVL_TRACE: return THEME_LOG_TRACE;
	case LVL_DEBUG: return THEME_LOG_DEBUG;
	case LVL_INFO: return THEME_LOG_INFO;
	case LVL_WARN: return THEME_LOG_WARN;
	case LVL_ERROR: return THEME_LOG_ERROR;
	case LVL_FATAL: return THEME_LOG_FATAL;
	}
	return THEME_MUTED;
}

static int
parse_color(const char *w, int32_t *out)
{
	static const char *const names[8] = {
		"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
	};
	if (!strcmp(w, "default") || !strcmp(w, "-1")) {
		*out = -1;
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (!strcmp(w, names[i])) {
			*out = i;
			return 0;
		}
		if (!strncmp(w, "bright-", 7) && !strcmp(w + 7, names[i])) {
			*out = i + 8;
			return 0;
		}
	}
	if (w[0] == '#' && strlen(w) == 7) {
		char *end;
		long v = strtol(w + 1, &end, 16);
		if (*end == '\0') {
			*out = THEME_RGB_FLAG | (int32_t)v;
			return 0;
		}
		return -1;
	}
	char *end;
	errno = 0;
	long v = strtol(w, &end, 10);
	if (*w && *end == '\0' && !errno && v >= 0 && v <= 255) {
		*out = (int32_t)v;
		return 0;
	}
	return -1;
}

static int
parse_attr(const char *w, uint8_t *attrs)
{
	static const struct { const char *n; uint8_t bit; } a[] = {
		{ "bold", THEME_A_BOLD }, { "dim", THEME_A_DIM }, { "underline", THEME_A_UNDERLINE },
		{ "reverse", THEME_A_REVERSE }, { "italic", THEME_A_ITALIC }, { "normal", 0 },
	};
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (!strcmp(w, a[i].n)) {
			*attrs |= a[i].bit;
			return 0;
		}
	return -1;
}

static bool
is_rgb_word(const char *w)
{
	if (strlen(w) != 7)
		return false;
	for (int i = 1; i < 7; i++)
		if (!isxdigit((unsigned char)w[i]))
			return false;
	return true;
}

static void
add_error(char *errbuf, size_t errlen, int *nerr, const char *path, int line, int col,
	  const char *fmt, const char *arg)
{
	(*nerr)++;
	if (!errbuf || !errlen)
		return;
	size_t used = strlen(errbuf);
	if (used + 1 >= errlen)
		return;
	char msg[200];
	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(errbuf + used, errlen - used, "%s%s:%d:%d: %s", used ? "\n" : "", path, line, col, msg);
}

int
theme_parse(struct theme *t, const char *path, const char *text, char *errbuf, size_t errlen)
{
	int nerr = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		lineno++;
		char line[512];
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = eol ? eol + 1 : p + strlen(p);
		char *words[12];
		int cols[12], nw = 0;
		for (char *q = line; *q && nw < 12;) {
			while (*q && isspace((unsigned char)*q))
				q++;
			if (!*q)
				break;
			char *w = q;
			while (*q && !isspace((unsigned char)*q))
				q++;
			if (*q)
				*q++ = '\0';
			if (w[0] == '#' && !is_rgb_word(w))
				break;   /* comment to end of line */
			cols[nw] = (int)(w - line) + 1;
			words[nw++] = w;
		}
		if (nw == 0)
			continue;
		if (strcmp(words[0], "color") != 0) {
			add_error(errbuf, errlen, &nerr, path, lineno, cols[0],
				  "unknown command '%s' (expected: color <slot> <fg> <bg> [attrs])", words[0]);
			continue;
		}
		if (nw < 4) {
			add_error(errbuf, errlen, &nerr, path, lineno, cols[0], "%s",
				  "expected: color <slot> <fg> <bg> [bold|dim|underline|reverse|italic]");
			continue;
		}
		int slot = -1;
		for (int s = 0; s < THEME__COUNT; s++)
			if (!strcmp(words[1], slot_names[s]))
				slot = s;
		if (slot < 0) {
			add_error(errbuf, errlen, &nerr, path, lineno, cols[1], "unknown slot '%s'", words[1]);
			continue;
		}
		struct theme_style st = { 0, 0, 0 };
		if (parse_color(words[2], &st.fg)) {
			add_error(errbuf, errlen, &nerr, path, lineno, cols[2],
				  "bad colour '%s' (expected a name, 0-255, #rrggbb or default)", words[2]);
			continue;
		}
		if (parse_color(words[3], &st.bg)) {
			add_error(errbuf, errlen, &nerr, path, lineno, cols[3],
				  "bad colour '%s' (expected a name, 0-255, #rrggbb or default)", words[3]);
			continue;
		}
		bool bad = false;
		for (int i = 4; i < nw; i++)
			if (parse_attr(words[i], &st.attrs)) {
				add_error(errbuf, errlen, &nerr, path, lineno, cols[i],
					  "unknown attribute '%s'", words[i]);
				bad = true;
			}
		if (!bad)
			t->slot[slot] = st;
	}
	return nerr;
}

void
theme_builtin(struct theme *t)
{
	memset(t, 0, sizeof(*t));
	for (int s = 0; s < THEME__COUNT; s++)
		t->slot[s] = (struct theme_style){ -1, -1, 0 };
	snprintf(t->name, sizeof(t->name), "dark");
	theme_parse(t, "<builtin dark>", builtin_dark, NULL, 0);
}

void
theme_mono(struct theme *t)
{
	theme_builtin(t);
	snprintf(t->name, sizeof(t->name), "mono");
	for (int s = 0; s < THEME__COUNT; s++)
		t->slot[s] = (struct theme_style){ -1, -1, 0 };
	static const struct { int slot; uint8_t a; } m[] = {
		{ THEME_MUTED, THEME_A_DIM }, { THEME_BORDER, THEME_A_DIM }, { THEME_TITLE, THEME_A_BOLD },
		{ THEME_TAB_ACTIVE, THEME_A_REVERSE | THEME_A_BOLD }, { THEME_HEADER, THEME_A_BOLD | THEME_A_UNDERLINE },
		{ THEME_STATUS, THEME_A_REVERSE }, { THEME_STATUS_KEY, THEME_A_REVERSE | THEME_A_BOLD },
		{ THEME_STATUS_LIVE, THEME_A_REVERSE | THEME_A_BOLD }, { THEME_STATUS_PAUSED, THEME_A_REVERSE | THEME_A_BOLD },
		{ THEME_SELECTION, THEME_A_REVERSE }, { THEME_SEARCH, THEME_A_UNDERLINE | THEME_A_BOLD },
		{ THEME_CTRL, THEME_A_UNDERLINE }, { THEME_ERROR, THEME_A_BOLD }, { THEME_WARN, THEME_A_BOLD },
		{ THEME_LOG_TRACE, THEME_A_DIM }, { THEME_LOG_DEBUG, THEME_A_DIM }, { THEME_LOG_WARN, THEME_A_BOLD },
		{ THEME_LOG_ERROR, THEME_A_BOLD | THEME_A_UNDERLINE }, { THEME_LOG_FATAL, THEME_A_BOLD | THEME_A_REVERSE },
		{ THEME_TIME, THEME_A_DIM }, { THEME_DURATION_SLOW, THEME_A_BOLD }, { THEME_SPARK_PEAK, THEME_A_BOLD },
		{ THEME_GAUGE_BAD, THEME_A_BOLD | THEME_A_REVERSE }, { THEME_CRITICAL, THEME_A_BOLD | THEME_A_UNDERLINE },
		{ THEME_MARK, THEME_A_REVERSE }, { THEME_INPUT, THEME_A_UNDERLINE }, { THEME_HELP_KEY, THEME_A_BOLD },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		t->slot[m[i].slot].attrs = m[i].a;
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > (1u << 20)) {
				free(buf);
				fclose(f);
				return NULL;
			}
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t r = fread(buf + len, 1, 4096, f);
		len += r;
		if (r < 4096)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

#ifndef THEME_DIR
#define THEME_DIR "/usr/local/share/iftop-logs/themes"
#endif

int
theme_load(struct theme *t, const char *name, char *errbuf, size_t errlen)
{
	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!strcmp(name, "mono")) {
		theme_mono(t);
		return 0;
	}
	char path[4096];
	char *text = NULL;
	if (strchr(name, '/')) {
		snprintf(path, sizeof(path), "%s", name);
		text = read_file(path);
	} else {
		const char *xdg = getenv("XDG_CONFIG_HOME");
		const char *home = getenv("HOME");
		char dirs[4][1024];
		int nd = 0;
		if (xdg && *xdg)
			snprintf(dirs[nd++], sizeof(dirs[0]), "%s/iftop-logs/themes", xdg);
		else if (home && *home)
			snprintf(dirs[nd++], sizeof(dirs[0]), "%s/.config/iftop-logs/themes", home);
		snprintf(dirs[nd++], sizeof(dirs[0]), "%s", THEME_DIR);
		snprintf(dirs[nd++], sizeof(dirs[0]), "themes");
		for (int i = 0; i < nd && !text; i++) {
			int pn = snprintf(path, sizeof(path), "%s/%s.theme", dirs[i], name);
			if (pn > 0 && (size_t)pn < sizeof(path))
				text = read_file(path);
		}
	}
	if (!text) {
		if (!strcmp(name, "dark")) {
			theme_builtin(t);
			return 0;
		}
		if (errbuf)
			snprintf(errbuf, errlen, "theme '%s' not found (built in: dark, light, high-contrast, mono)", name);
		return -1;
	}
	theme_builtin(t);
	const char *base = strrchr(name, '/');
	snprintf(t->name, sizeof(t->name), "%s", base ? base + 1 : name);
	int n = theme_parse(t, path, text, errbuf, errlen);
	free(text);
	return n;
}

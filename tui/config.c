/*
 * tui/config.c: settings from defaults, file, environment and flags.
 * Each layer overwrites the one before; config_finish() converts and
 * validates once all are applied.  Secrets are masked on output.
 */
#include "tui/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"

struct item {
	const char *name, *flag, *env;
	enum cfg_type type;
	const char *def, *help;
	size_t off;
};

static const struct item items[] = {
#define _(n, f, e, t, d, h) { #n, f, e, t, d, h, offsetof(struct config, n) },
	CONFIG_ITEMS(_)
#undef _
};

static char **
slot(struct config *c, const struct item *it)
{
	return (char **)((char *)c + it->off);
}

static void
set_str(struct config *c, const struct item *it, const char *v)
{
	char **p = slot(c, it);
	free(*p);
	*p = xstrdup(v);
}

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++)
		set_str(c, &items[i], items[i].def);
}

void
config_release(struct config *c)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		char **p = slot(c, &items[i]);
		if (*p && items[i].type == CFG_SECRET)
			memset(*p, 0, strlen(*p));
		free(*p);
	}
	for (size_t i = 0; i < c->nbinds; i++)
		free(c->binds[i]);
	free(c->binds);
	for (size_t i = 0; i < c->nalerts; i++)
		free(c->alerts[i]);
	free(c->alerts);
	memset(c, 0, sizeof(*c));
}

int
config_parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	double mul = 1;
	switch (toupper((unsigned char)*end)) {
	case 'K': mul = 1024.0; end++; break;
	case 'M': mul = 1024.0 * 1024; end++; break;
	case 'G': mul = 1024.0 * 1024 * 1024; end++; break;
	case '\0': break;
	default: return -1;
	}
	if (toupper((unsigned char)*end) == 'I')
		end++;
	if (toupper((unsigned char)*end) == 'B')
		end++;
	if (*end)
		return -1;
	*out = (uint64_t)(v * mul);
	return 0;
}

static int
parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off", "" };
	for (size_t i = 0; i < LX_ARRAY_LEN(yes); i++)
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
	for (size_t i = 0; i < LX_ARRAY_LEN(no); i++)
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	return -1;
}

static const char *
expected_form(enum cfg_type t)
{
	switch (t) {
	case CFG_BOOL: return "true or false";
	case CFG_INT: return "a whole number";
	case CFG_SIZE: return "a size like 256M, 1G or 65536";
	default: return "text";
	}
}

/* Checks a value against the item's type; on error writes "WHERE: ..." */
static int
check_value(const struct item *it, const char *v, const char *where, struct sbuf *err)
{
	bool ok = true;
	if (it->type == CFG_BOOL) {
		bool b;
		ok = parse_bool(v, &b) == 0;
	} else if (it->type == CFG_INT) {
		char *end;
		errno = 0;
		long n = strtol(v, &end, 10);
		ok = *v && !*end && !errno && n >= (strcmp(it->name, "history") ? 0 : -1);
	} else if (it->type == CFG_SIZE) {
		uint64_t s;
		ok = config_parse_size(v, &s) == 0;
	}
	if (ok)
		return 0;
	/* Never echo a secret's value; other values are shown to help fix them. */
	if (it->type == CFG_SECRET)
		sbuf_addf(err, "%s: bad value; expected %s\n", where, expected_form(it->type));
	else
		sbuf_addf(err, "%s: bad value '%s'; expected %s\n", where, v, expected_form(it->type));
	return -1;
}

int
config_load_file(struct config *c, const char *path, struct sbuf *err)
{
	char def[1024];
	bool explicit_path = path != NULL;
	if (!path) {
		const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			snprintf(def, sizeof(def), "%s/iftop-logs/config", xdg);
		else if (home && *home)
			snprintf(def, sizeof(def), "%s/.config/iftop-logs/config", home);
		else
			return 0;
		path = def;
	}
	FILE *f = fopen(path, "r");
	if (!f) {
		if (explicit_path) {
			sbuf_addf(err, "%s: cannot open: %s\n", path, strerror(errno));
			return 1;
		}
		return 0;
	}
	int nerr = 0, lineno = 0;
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		char *e = p + strlen(p);
		while (e > p && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*p || *p == '#')
			continue;
		char where[1200];
		snprintf(where, sizeof(where), "%.1000s:%d", path, lineno);
		if (!strncmp(p, "alert ", 6)) {
			c->alerts = xrealloc(c->alerts, (c->nalerts + 1) * sizeof(char *));
			c->alerts[c->nalerts++] = xstrdup(p + 6);
			continue;
		}
		if (!strncmp(p, "bind ", 5)) {
			c->binds = xrealloc(c->binds, (c->nbinds + 1) * sizeof(char *));
			c->binds[c->nbinds++] = xstrdup(p + 5);
			continue;
		}
		char *eq = strchr(p, '=');
		if (!eq) {
			sbuf_addf(err, "%s: expected 'name = value' or 'bind <keymap> <key> <request>'\n", where);
			nerr++;
			continue;
		}
		char *k = p, *ke = eq;
		while (ke > k && isspace((unsigned char)ke[-1]))
			ke--;
		*ke = '\0';
		char *v = eq + 1;
		while (isspace((unsigned char)*v))
			v++;
		size_t vl = strlen(v);
		if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
			v[vl - 1] = '\0';
			v++;
		}
		const struct item *it = NULL;
		for (size_t i = 0; i < LX_ARRAY_LEN(items); i++)
			if (!strcmp(items[i].name, k))
				it = &items[i];
		if (!it) {
			sbuf_addf(err, "%s: unknown setting '%s' (see iftop-logs --help)\n", where, k);
			nerr++;
			continue;
		}
		char w2[1300];
		snprintf(w2, sizeof(w2), "%.1100s: %.100s", where, k);
		if (check_value(it, v, w2, err)) {
			nerr++;
			continue;
		}
		set_str(c, it, v);
	}
	fclose(f);
	return nerr;
}

int
config_load_env(struct config *c, struct sbuf *err)
{
	int nerr = 0;
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		const char *v = items[i].env ? getenv(items[i].env) : NULL;
		if (!v)
			continue;
		if (check_value(&items[i], v, items[i].env, err)) {
			nerr++;
			continue;
		}
		set_str(c, &items[i], v);
	}
	return nerr;
}

bool
config_flag_known(const char *flag)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++)
		if (!strcmp(items[i].flag, flag))
			return true;
	return false;
}

bool
config_flag_is_bool(const char *flag)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++)
		if (!strcmp(items[i].flag, flag))
			return items[i].type == CFG_BOOL;
	return false;
}

int
config_set_flag(struct config *c, const char *flag, const char *value, struct sbuf *err)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		if (strcmp(items[i].flag, flag) != 0)
			continue;
		if (check_value(&items[i], value, flag, err))
			return -1;
		set_str(c, &items[i], value);
		return 1;
	}
	return 0;
}

/* "90s", "15m", "6h", "1d" -> ns; -1 when invalid. */
static int64_t
parse_span(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	double mul = !strcmp(end, "s") ? 1e9 : !strcmp(end, "m") ? 60e9 : !strcmp(end, "h") ? 3600e9 :
		     !strcmp(end, "d") ? 86400e9 : -1;
	if (end == s || v <= 0 || mul < 0 || v * mul > 1e18)
		return -1;
	return (int64_t)(v * mul);
}

int
config_finish(struct config *c, struct sbuf *err)
{
	int nerr = 0;
	c->query_chunk_ns = parse_span(c->query_chunk);
	if (c->query_chunk_ns < 1000000000LL) {
		sbuf_addf(err, "query_chunk: '%s' is invalid; expected a duration of at least 1s like 30m, 6h, 1d\n",
			  c->query_chunk);
		nerr++;
	}
	if (config_parse_size(c->max_memory, &c->max_memory_bytes) || c->max_memory_bytes < (1u << 20)) {
		sbuf_addf(err, "max_memory: '%s' is too small or invalid; expected a size of at least 1M\n", c->max_memory);
		nerr++;
	}
	if (config_parse_size(c->max_line, &c->max_line_bytes) || c->max_line_bytes < 80) {
		sbuf_addf(err, "max_line: '%s' is invalid; expected a size of at least 80\n", c->max_line);
		nerr++;
	}
	c->history_lines = strtol(c->history, NULL, 10);
	c->rate_lps = strtol(c->rate, NULL, 10);
	c->seed_val = strtol(c->seed, NULL, 10);
	c->fps_val = strtol(c->fps, NULL, 10);
	if (c->fps_val < 1 || c->fps_val > 120) {
		sbuf_addf(err, "fps: '%s' out of range; expected 1 to 120\n", c->fps);
		nerr++;
	}
	parse_bool(c->utc, &c->utc_on);
	parse_bool(c->loki_tls_skip_verify, &c->tls_skip);
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		const char *v = *slot(c, &items[i]);
		if (items[i].type == CFG_STR && strstr(items[i].name, "addr") && *v &&
		    strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
			sbuf_addf(err, "%s (%s): '%s' is not a URL; expected http://host:port or https://...\n",
				  items[i].name, items[i].flag, v);
			nerr++;
		}
	}
	return nerr;
}

void
config_dump(const struct config *c, struct sbuf *out)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		const char *v = *slot((struct config *)c, &items[i]);
		if (items[i].type == CFG_SECRET && *v)
			v = "********";
		sbuf_addf(out, "%s = %s\n", items[i].name, v);
	}
}

void
config_help(struct sbuf *out)
{
	for (size_t i = 0; i < LX_ARRAY_LEN(items); i++) {
		const struct item *it = &items[i];
		char left[80];
		snprintf(left, sizeof(left), "%s%s", it->flag, it->type == CFG_BOOL ? "" : " VALUE");
		sbuf_addf(out, "  %-28s %s", left, it->help);
		if (it->env)
			sbuf_addf(out, " [%s]", it->env);
		if (*it->def)
			sbuf_addf(out, " (default %s)", it->def);
		sbuf_addc(out, '\n');
	}
}

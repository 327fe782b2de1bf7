/*
 * views/history.c: query history and saved queries in small text files
 * under the XDG state directory.  Plain stdio; failures to write are
 * silent (history is a convenience, never a reason to stop).
 */
#include "views/history.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sbuf.h"
#include "core/xalloc.h"

bool
history_path(const char *file, char *buf, size_t size)
{
	const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	if (st && *st)
		snprintf(buf, size, "%s/iftop-logs/%s", st, file);
	else if (home && *home)
		snprintf(buf, size, "%s/.local/state/iftop-logs/%s", home, file);
	else
		return false;
	return true;
}

static void
escape(const char *s, struct sbuf *out)
{
	for (; *s; s++) {
		if (*s == '\\')
			sbuf_adds(out, "\\\\");
		else if (*s == '\n')
			sbuf_adds(out, "\\n");
		else
			sbuf_addc(out, *s);
	}
}

static char *
unescape(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
			*o++ = s[i + 1] == 'n' ? '\n' : '\\';
			i++;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

static void
push(struct history *h, char *name, char *q)
{
	if (h->n == HISTORY_MAX) {
		free(h->q[0]);
		if (h->name)
			free(h->name[0]);
		memmove(h->q, h->q + 1, (h->n - 1) * sizeof(char *));
		if (h->name)
			memmove(h->name, h->name + 1, (h->n - 1) * sizeof(char *));
		h->n--;
	}
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 32;
		h->q = xrealloc(h->q, h->cap * sizeof(char *));
		if (name)
			h->name = xrealloc(h->name, h->cap * sizeof(char *));
	}
	if (name)
		h->name[h->n] = name;
	h->q[h->n++] = q;
}

/* mkdir -p of the directory part of `path`. */
static void
make_dirs(const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return;
		*p = '/';
	}
}

void
history_load(struct history *h, const char *path, bool named)
{
	memset(h, 0, sizeof(*h));
	if (named)
		h->name = xcalloc(1, sizeof(char *));
	if (!path || !*path)
		return;
	snprintf(h->path, sizeof(h->path), "%s", path);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		if (named) {
			char *eq = strstr(line, " = ");
			if (!eq)
				continue;
			char *name = xstrndup(line, (size_t)(eq - line));
			push(h, name, unescape(eq + 3, strlen(eq + 3)));
		} else {
			push(h, NULL, unescape(line, (size_t)n));
		}
	}
	free(line);
	fclose(f);
}

void
history_add(struct history *h, const char *q)
{
	if (!*q || (h->n && !strcmp(h->q[h->n - 1], q)))
		return;
	push(h, NULL, xstrdup(q));
	if (!h->path[0])
		return;
	make_dirs(h->path);
	FILE *f = fopen(h->path, "a");
	if (!f)
		return;
	struct sbuf sb = SBUF_INIT;
	escape(q, &sb);
	fprintf(f, "%s\n", sbuf_str(&sb));
	sbuf_release(&sb);
	fclose(f);
}

void
history_save_named(struct history *h, const char *name, const char *q)
{
	bool found = false;
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->name[i], name)) {
			free(h->q[i]);
			h->q[i] = xstrdup(q);
			found = true;
		}
	if (!found)
		push(h, xstrdup(name), xstrdup(q));
	if (!h->path[0])
		return;
	make_dirs(h->path);
	FILE *f = fopen(h->path, "w");
	if (!f)
		return;
	fprintf(f, "# iftop-logs saved queries: name = query\n");
	for (size_t i = 0; i < h->n; i++) {
		struct sbuf sb = SBUF_INIT;
		escape(h->q[i], &sb);
		fprintf(f, "%s = %s\n", h->name[i], sbuf_str(&sb));
		sbuf_release(&sb);
	}
	fclose(f);
}

static bool
contains_icase(const char *s, const char *pat)
{
	size_t n = strlen(pat);
	for (; *s; s++) {
		size_t i = 0;
		while (i < n && s[i] && tolower((unsigned char)s[i]) == tolower((unsigned char)pat[i]))
			i++;
		if (i == n)
			return true;
	}
	return n == 0;
}

long
history_find(const struct history *h, const char *pat, size_t before)
{
	if (before > h->n)
		before = h->n;
	for (size_t i = before; i-- > 0;)
		if (contains_icase(h->q[i], pat))
			return (long)i;
	return -1;
}

void
history_release(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->q[i]);
		if (h->name)
			free(h->name[i]);
	}
	free(h->q);
	free(h->name);
	memset(h, 0, sizeof(*h));
}

/* tests/lq_corpus.h: reads the shared LogQL conformance files
 * (../shared/conformance/logql/ relative to the repo root; $ROOT names the
 * repo root when tests run from elsewhere, $LQ_CONFORMANCE the folder).
 * Each non-empty line is "A" or "A<TAB>B". Header-only, tests only. */
#ifndef LX_TESTS_LQ_CORPUS_H
#define LX_TESTS_LQ_CORPUS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct corpus_line {
	char *a, *b;
	int lineno;
};

struct corpus {
	struct corpus_line *lines;
	size_t n;
	char *buf;
};

static inline FILE *
corpus_open(const char *name, char *path, size_t size)
{
	const char *dir = getenv("LQ_CONFORMANCE");
	const char *root = getenv("ROOT");
	if (dir)
		snprintf(path, size, "%s/%s", dir, name);
	else if (root)
		snprintf(path, size, "%s/../shared/conformance/logql/%s", root, name);
	else
		snprintf(path, size, "../shared/conformance/logql/%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		fprintf(stderr, "cannot open %s (run from the repo root or set ROOT)\n", path);
	return f;
}

static inline int
corpus_load(struct corpus *c, const char *name)
{
	char path[1024];
	memset(c, 0, sizeof(*c));
	FILE *f = corpus_open(name, path, sizeof(path));
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	c->buf = malloc((size_t)sz + 1);
	size_t got = fread(c->buf, 1, (size_t)sz, f);
	fclose(f);
	c->buf[got] = 0;
	size_t cap = 0;
	int lineno = 0;
	for (char *p = c->buf; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		if (*p) {
			if (c->n == cap) {
				cap = cap ? cap * 2 : 64;
				c->lines = realloc(c->lines, cap * sizeof(*c->lines));
			}
			char *tab = strchr(p, '\t');
			if (tab)
				*tab = 0;
			c->lines[c->n].a = p;
			c->lines[c->n].b = tab ? tab + 1 : NULL;
			c->lines[c->n].lineno = lineno;
			c->n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	return 0;
}

static inline void
corpus_free(struct corpus *c)
{
	free(c->lines);
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

#endif

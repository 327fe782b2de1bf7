/*
 * sources/file_query.c: the evaluator's source over files read in 1 MiB
 * chunks.  One file open at a time; lines longer than the chunk are cut
 * at it (like the display cap), the rest of the line skipped.
 */
#include "sources/file_query.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "core/redact.h"
#include "core/scan.h"
#include "core/xalloc.h"

#define CHUNK (1u << 20)

struct fwalk {
	char **files;
	size_t nfiles, cur;
	FILE *f;
	int64_t mtime_ns;            /* timestamp for lines that have none */
	char *buf;
	size_t len, pos;             /* bytes in buf, start of the next line */
	bool eof, skipping;          /* skipping: the rest of a cut line */
	int64_t start, end;
	unsigned want;               /* LINE_W_* of the labels asked for */
	struct line_labels ll;
};

static int
fw_open(void *ud, int64_t start_ns, int64_t end_ns, const struct lq_selector *sel)
{
	struct fwalk *w = ud;
	(void)sel;
	w->start = start_ns;
	w->end = end_ns;
	w->cur = 0;
	if (w->f)
		fclose(w->f);
	w->f = NULL;
	w->len = w->pos = 0;
	w->eof = w->skipping = false;
	return 0;
}

static bool
next_file(struct fwalk *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
	while (w->cur < w->nfiles) {
		const char *path = w->files[w->cur++];
		w->f = fopen(path, "r");
		if (!w->f)
			continue;
		struct stat sb;
		w->mtime_ns = fstat(fileno(w->f), &sb) ? 0 : (int64_t)sb.st_mtime * 1000000000LL;
		w->len = w->pos = 0;
		w->eof = w->skipping = false;
		return true;
	}
	return false;
}

/* The next complete line of the current file, or NULL at its end. */
static char *
read_line(struct fwalk *w, size_t *n)
{
	for (;;) {
		char *nl = w->len > w->pos ? memchr(w->buf + w->pos, '\n', w->len - w->pos) : NULL;
		if (nl) {
			char *line = w->buf + w->pos;
			*n = (size_t)(nl - line);
			w->pos = (size_t)(nl - w->buf) + 1;
			if (w->skipping) {
				w->skipping = false;
				continue;
			}
			if (*n && line[*n - 1] == '\r')
				(*n)--;
			return line;
		}
		if (w->eof) {
			if (w->len > w->pos && !w->skipping) {
				char *line = w->buf + w->pos;
				*n = w->len - w->pos;
				w->pos = w->len;
				return line;
			}
			return NULL;
		}
		/* Keep the partial line, refill. */
		size_t keep = w->len - w->pos;
		if (keep == CHUNK) {
			/* A line longer than the chunk: hand out the chunk, skip the rest. */
			*n = keep;
			w->pos = w->len;
			w->skipping = true;
			return w->buf;
		}
		memmove(w->buf, w->buf + w->pos, keep);
		w->len = keep;
		w->pos = 0;
		size_t r = fread(w->buf + w->len, 1, CHUNK - w->len, w->f);
		w->len += r;
		if (r == 0)
			w->eof = true;
	}
}

/* The label names: SCAN_W_* bits 0..5, then LINE_W_FILE. */
static const char *const names[] = {
	"level", "agent_id", "component", "correlation_id", "hostname", "service", "filename",
};

static const char *
span_value(struct line_labels *ll, int k, const char *line, struct span sp)
{
	size_t n = sp.len < sizeof(ll->buf[0]) - 1 ? sp.len : sizeof(ll->buf[0]) - 1;
	memcpy(ll->buf[k], line + sp.off, n);
	ll->buf[k][n] = '\0';
	return ll->buf[k];
}

void
line_labels_set(struct line_labels *ll, const char *line, const struct scan_result *r, const char *origin,
		unsigned want)
{
	const struct span *sp[] = { &r->agent, &r->component, &r->corr, &r->hostname, &r->service };
	ll->n = 0;
	for (int k = 0; k < 7; k++) {
		if (!(want & (k < 6 ? 1u << k : LINE_W_FILE)))
			continue;
		const char *v = k == 0 ? scan_level_str(r->level) : k == 6 ? origin : span_value(ll, k - 1, line, *sp[k - 1]);
		/* Empty values are not labels (as in Loki). */
		if (v[0])
			ll->v[ll->n++] = (struct lq_label){ names[k], v };
	}
}

/* Labels the evaluator reads: only their fields are scanned for. */
static void
fw_want(void *ud, const char *const *want, size_t n)
{
	struct fwalk *w = ud;
	w->want = want ? 0 : LINE_W_ALL;
	for (size_t i = 0; want && i < n; i++)
		for (int k = 0; k < 7; k++)
			if (!strcmp(want[i], names[k]))
				w->want |= k < 6 ? 1u << k : LINE_W_FILE;
}

static int
fw_next(void *ud, struct lq_entry *e)
{
	struct fwalk *w = ud;
	for (;;) {
		size_t n;
		char *line = w->f ? read_line(w, &n) : NULL;
		if (!line) {
			if (!next_file(w))
				return 0;
			continue;
		}
		struct scan_result r;
		scan_line_want(line, n, w->want & SCAN_W_ALL, &r);
		int64_t ts = (r.flags & SCAN_F_TS) ? r.ts_ns : w->mtime_ns;
		if (ts < w->start || ts > w->end)
			continue;
		line_labels_set(&w->ll, line, &r, w->files[w->cur - 1], w->want);
		e->ts_ns = ts;
		e->labels = w->ll.v;
		e->nlabels = w->ll.n;
		e->line = line;
		e->len = n;
		return 1;
	}
}

static void
fw_close(void *ud)
{
	struct fwalk *w = ud;
	if (w->f)
		fclose(w->f);
	w->f = NULL;
}

/* Masks secrets in s[0..*n) in place (the text never grows). */
static void
redact_in_place(char *s, size_t *n, char **tmp, size_t *cap)
{
	xgrow(tmp, cap, *n + 1, 1);
	size_t m = redact_copy(s, *n, *tmp);
	if (m != *n || memcmp(*tmp, s, m)) {
		memcpy(s, *tmp, m);
		*n = m;
	}
}

static void
redact_labels(struct lq_label *l, size_t n, char **tmp, size_t *cap)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(l[i].value);
		redact_in_place((char *)l[i].value, &len, tmp, cap);
		((char *)l[i].value)[len] = '\0';
	}
}

/*
 * Masks secrets in everything a result prints: lines and label values.
 * Text the pipeline derived from lines is masked already (mask in the
 * evaluator's parameters); stream labels and lines no stage touched are
 * the file's own text.
 */
static void
redact_result(struct lq_result *r)
{
	char *tmp = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < r->nstreams; i++) {
		redact_labels(r->streams[i].labels, r->streams[i].nlabels, &tmp, &cap);
		for (size_t j = 0; j < r->streams[i].n; j++) {
			struct lq_log_entry *e = &r->streams[i].entries[j];
			redact_in_place((char *)e->line, &e->len, &tmp, &cap);
		}
	}
	for (size_t i = 0; i < r->nseries; i++)
		redact_labels(r->series[i].labels, r->series[i].nlabels, &tmp, &cap);
	free(tmp);
}

int
file_query(const char *const *globs, size_t nglobs, const char *query, const struct lq_eval_params *p,
	   struct lq_result **out, struct lq_error *err)
{
	struct fwalk w = { 0 };
	size_t cap = 0;
	for (size_t g = 0; g < nglobs; g++) {
		char *copy = xstrdup(globs[g]), *save = NULL;
		for (char *pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
			glob_t gl;
			if (glob(pat, 0, NULL, &gl) == 0)
				for (size_t i = 0; i < gl.gl_pathc; i++) {
					xgrow(&w.files, &cap, w.nfiles + 1, sizeof(char *));
					w.files[w.nfiles++] = xstrdup(gl.gl_pathv[i]);
				}
			globfree(&gl);
		}
		free(copy);
	}
	int rc;
	if (w.nfiles == 0) {
		memset(err, 0, sizeof(*err));
		err->code = LX_ENOENT;
		snprintf(err->msg, sizeof(err->msg), "no file matches");
		rc = LX_ENOENT;
	} else {
		w.buf = xmalloc(CHUNK);
		struct lq_source src = { .ud = &w, .open = fw_open, .next = fw_next, .close = fw_close,
					 .want = fw_want };
		w.want = LINE_W_ALL;
		struct lq_eval_params ap = *p;
		ap.step_align = true;
		ap.mask = redact_copy;
		rc = lq_eval(query, &ap, &src, out, err);
		if (rc == 0) {
			redact_result(*out);
		} else {
			/* errors name label sets */
			char tmp[sizeof(err->msg)];
			size_t n = redact_copy(err->msg, strnlen(err->msg, sizeof(err->msg) - 1), tmp);
			memcpy(err->msg, tmp, n);
			err->msg[n] = '\0';
		}
		fw_close(&w);
		free(w.buf);
	}
	for (size_t i = 0; i < w.nfiles; i++)
		free(w.files[i]);
	free(w.files);
	return rc;
}

/*
 * logql/lq_cmd.c: `iftop-logs logql check 'QUERY' [--format|--pretty]`.
 *
 * Owns: argument handling and the printed layout of the doctor's report.
 * Exit status: 0 valid, 1 invalid, 2 usage.  Writes to stdout only
 * (usage goes to stderr).
 */
#include "logql/lq_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage(void)
{
	fprintf(stderr,
		"usage: iftop-logs logql check 'QUERY' [--format | --pretty]\n"
		"  Checks a LogQL query, explains what is wrong and proposes a fix.\n"
		"  --format  print the canonical one-line form of a valid query\n"
		"  --pretty  print the indented multi-line form\n"
		"  QUERY may be - to read it from standard input.\n"
		"Exit status: 0 valid, 1 invalid, 2 usage error.\n");
	return 2;
}

static char *
read_stdin(void)
{
	struct sbuf sb = SBUF_INIT;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		sbuf_add(&sb, buf, n);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == '\r'))
		sb.buf[--sb.len] = 0;
	return sbuf_detach(&sb, NULL);
}

int
lq_cmd_main(int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "check"))
		return usage();
	bool fmt = false, pretty = false;
	const char *q = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format"))
			fmt = true;
		else if (!strcmp(argv[i], "--pretty"))
			pretty = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return usage();
		else if (!q)
			q = argv[i];
		else
			return usage();
	}
	if (!q || (fmt && pretty))
		return usage();
	char *owned = NULL;
	if (!strcmp(q, "-"))
		q = owned = read_stdin();
	size_t n = strlen(q);
	struct lq_diag d;
	lq_diagnose(q, n, &d);
	struct arena a;
	arena_init(&a, 0);
	struct lq_error err;
	struct lq_expr *e = lq_parse(&a, q, n, &err);
	int rc;
	if (e) {
		printf("valid %s query\n", lq_is_log_query(e) ? "log" : "metric");
		if (fmt || pretty) {
			struct sbuf s = SBUF_INIT;
			if (fmt)
				lq_format(e, &s);
			else
				lq_format_pretty(e, 80, &s);
			printf("%s\n", sbuf_str(&s));
			sbuf_release(&s);
		}
		fputs(sbuf_str(&d.text), stdout);
		rc = 0;
	} else {
		char buf[1024];
		lq_error_format(&err, q, buf, sizeof(buf));
		printf("invalid query: %s", buf);
		fputs(sbuf_str(&d.text), stdout);
		if (d.fix.len)
			printf("fix:\n%s\n", sbuf_str(&d.fix));
		rc = 1;
	}
	arena_free(&a);
	lq_diag_release(&d);
	free(owned);
	return rc;
}

/*
 * tests/tools/jsonl.c: checks `-o jsonl` output line by line with jansson
 * and prints chosen fields, so shell tests can compare them with what was
 * pushed or written.
 *
 *   jsonl FIELD... < output
 *
 * Every input line must be one JSON object with exactly the keys
 * "timestamp" (an RFC 3339 string), "labels" (an object of strings) and
 * "line" (a string) or "value" (a number).  For each line the FIELDs are
 * printed tab-separated: ts (the timestamp in ns), line, value, labels
 * (k=v,k=v sorted by key) or label:NAME.  Exit 1 with "jsonl: line N:
 * why" on the first line that does not parse or has the wrong shape.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"

static int lineno;

static int
bad(const char *why)
{
	fprintf(stderr, "jsonl: line %d: %s\n", lineno, why);
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
print_labels(json_t *labels)
{
	const char *k;
	json_t *v;
	size_t n = json_object_size(labels), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(char *));
	json_object_foreach(labels, k, v)
		keys[i++] = k;
	qsort(keys, n, sizeof(char *), cmp_str);
	for (i = 0; i < n; i++)
		printf("%s%s=%s", i ? "," : "", keys[i], json_string_value(json_object_get(labels, keys[i])));
	free(keys);
}

int
main(int argc, char **argv)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&buf, &cap, stdin)) > 0) {
		lineno++;
		json_error_t je;
		json_t *o = json_loadb(buf, (size_t)len, 0, &je);
		if (!o)
			return bad(je.text);
		json_t *ts = json_object_get(o, "timestamp"), *labels = json_object_get(o, "labels");
		json_t *line = json_object_get(o, "line"), *value = json_object_get(o, "value");
		int64_t ns;
		if (!json_is_object(o) || json_object_size(o) != 3)
			return bad("not an object with 3 keys");
		if (!json_is_string(ts) || scan_time(json_string_value(ts), json_string_length(ts), &ns))
			return bad("timestamp is not an RFC 3339 string");
		if (!json_is_object(labels))
			return bad("labels is not an object");
		const char *k;
		json_t *v;
		json_object_foreach(labels, k, v)
			if (!json_is_string(v))
				return bad("a label value is not a string");
		if (!json_is_string(line) && !json_is_number(value))
			return bad("neither a string line nor a number value");
		for (int i = 1; i < argc; i++) {
			const char *f = argv[i];
			if (i > 1)
				putchar('\t');
			if (!strcmp(f, "ts"))
				printf("%lld", (long long)ns);
			else if (!strcmp(f, "line"))
				fputs(json_string_value(line) ? json_string_value(line) : "", stdout);
			else if (!strcmp(f, "value"))
				printf("%.17g", json_number_value(value));
			else if (!strcmp(f, "labels"))
				print_labels(labels);
			else if (!strncmp(f, "label:", 6))
				fputs(json_string_value(json_object_get(labels, f + 6)) ?
				      json_string_value(json_object_get(labels, f + 6)) : "", stdout);
			else
				return bad("unknown field (ts, line, value, labels, label:NAME)");
		}
		if (argc > 1)
			putchar('\n');
		json_decref(o);
	}
	free(buf);
	return 0;
}

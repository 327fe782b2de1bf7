/*
 * tests/test_explore.c: the parts of the Explore view that are pure:
 * the multi-line editor model (views/editor.c), the graph arithmetic and
 * drawing for fixed data (views/graph.c), the history files
 * (views/history.c), and the pages of older lines over the local store
 * (local_query_page(), what `O` runs).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "core/store.h"
#include "sources/local_query.h"
#include "sources/result.h"
#include "tui/grid.h"
#include "tui/grid_dump.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "views/editor.h"
#include "views/graph.h"
#include "views/history.h"

/* ---- editor ---- */

/* Replays keys (tui_key_parse syntax) into a fresh editor; returns the
 * text with the cursor marked as '|'. */
static void
type(struct editor *e, const char *init, const char *keys, char *out, size_t size)
{
	editor_set(e, init);
	for (const char *p = keys; *p;) {
		size_t used;
		int k = tui_key_parse(p, &used);
		p += used ? used : 1;
		if (k == TUI_CTRL('j'))
			editor_insert(e, "\n", 1);
		else
			editor_key(e, k);
	}
	snprintf(out, size, "%.*s|%s", (int)e->cur, e->buf, e->buf + e->cur);
}

static void
test_editor_keys(void **state)
{
	(void)state;
	static const struct {
		const char *name, *init, *keys, *want;
	} cases[] = {
		{ "type", "", "{a=\"b\"}", "{a=\"b\"}|" },
		{ "left insert", "ac", "<Left>b", "ab|c" },
		{ "home end", "abc", "<Home>x<End>y", "xabcy|" },
		{ "backspace", "abc", "<BS><BS>", "a|" },
		{ "backspace at 0", "abc", "<Home><BS>", "|abc" },
		{ "delete", "abc", "<Home><Del>", "|bc" },
		{ "newline", "ab", "<Left><C-j>", "a\n|b" },
		{ "up keeps goal column", "abcd\nxy\nefgh", "<Up><Up>", "abcd|\nxy\nefgh" },
		{ "short line clamps", "abcd\nxy\nefgh", "<Up>", "abcd\nxy|\nefgh" },
		{ "down back to goal", "abcd\nxy\nefgh", "<Up><Up><Down><Down>", "abcd\nxy\nefgh|" },
		{ "goal from the middle", "abcd\nxy\nefgh", "<Left><Left><Up><Up>", "ab|cd\nxy\nefgh" },
		{ "home is line start", "ab\ncd", "<Home>", "ab\n|cd" },
		{ "end is line end", "ab\ncd", "<Up><Home><End>", "ab|\ncd" },
		{ "ctrl-u to line start", "ab\ncd", "<C-u>", "ab\n|" },
		{ "ctrl-k to line end", "ab\ncd", "<Up><Home><C-k>", "|\ncd" },
		{ "ctrl-k joins at eol", "ab\ncd", "<Up><End><C-k>", "ab|cd" },
		{ "ctrl-w word", "{a=\"b\"} | json", "<C-w>", "{a=\"b\"} | |" },
		{ "utf-8 left", "aé", "<Left>x", "ax|é" },
		{ "utf-8 backspace", "aé", "<BS>", "a|" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct editor e;
		char got[256];
		type(&e, cases[i].init, cases[i].keys, got, sizeof(got));
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s', want '%s'", cases[i].name, got, cases[i].want);
	}
}

static void
test_editor_edges(void **state)
{
	(void)state;
	struct editor e;
	editor_set(&e, "one\ntwo");
	assert_int_equal(editor_lines(&e), 2);
	assert_int_equal(editor_key(&e, TUI_KEY_DOWN), ED_BOTTOM);
	assert_int_equal(editor_key(&e, TUI_KEY_UP), ED_MOVED);
	assert_int_equal(editor_key(&e, TUI_KEY_UP), ED_TOP);
	int col;
	assert_int_equal(editor_line_of(&e, e.cur, &col), 0);
	assert_int_equal(col, 3);
	assert_int_equal(editor_line_start(&e, 1), 4);
	assert_int_equal(editor_line_start(&e, 9), 4);
	assert_int_equal(editor_line_end(&e, 0), 3);
	assert_int_equal(editor_key(&e, TUI_KEY_ENTER), ED_UNHANDLED);
	assert_int_equal(editor_key(&e, TUI_KEY_TAB), ED_UNHANDLED);
	/* Full: inserts are refused, the text stays valid. */
	char *big = malloc(EDITOR_MAX + 10);
	memset(big, 'x', EDITOR_MAX + 9);
	big[EDITOR_MAX + 9] = '\0';
	editor_set(&e, big);
	assert_int_equal(e.len, EDITOR_MAX - 1);
	assert_false(editor_insert(&e, "y", 1));
	assert_int_equal(strlen(e.buf), EDITOR_MAX - 1);
	free(big);
	editor_set(&e, "");
	assert_int_equal(editor_lines(&e), 1);
	assert_int_equal(editor_key(&e, TUI_KEY_BACKSPACE), ED_CHANGED);
	assert_int_equal(e.len, 0);
}

/* ---- graph arithmetic ---- */

static void
test_graph_nice(void **state)
{
	(void)state;
	static const struct {
		double min, max;
		int ticks;
		double lo, hi, step;
	} cases[] = {
		{ 0, 97, 4, 0, 100, 25 },
		{ 0, 1820, 4, 0, 2000, 500 },
		{ 0, 36, 4, 0, 40, 10 },
		{ 0, 1, 4, 0, 1, 0.25 },
		{ 0.1, 0.37, 2, 0, 0.4, 0.2 },
		{ -3, 7, 5, -4, 8, 2 },
		{ 5, 5, 4, 2, 8, 2 },        /* flat: widened by half the value each way */
		{ 0, 0, 4, 0, 1, 0.25 },
		{ NAN, 3, 4, 0, 1, 0.25 },   /* garbage in: 0..1 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct graph_axis ax;
		graph_nice(cases[i].min, cases[i].max, cases[i].ticks, &ax);
		if (fabs(ax.lo - cases[i].lo) > 1e-9 || fabs(ax.hi - cases[i].hi) > 1e-9 ||
		    fabs(ax.step - cases[i].step) > 1e-9)
			fail_msg("case %zu [%g, %g]/%d: got %g..%g step %g, want %g..%g step %g", i,
				 cases[i].min, cases[i].max, cases[i].ticks, ax.lo, ax.hi, ax.step,
				 cases[i].lo, cases[i].hi, cases[i].step);
		assert_true(ax.lo <= (isnan(cases[i].min) ? 0 : cases[i].min));
		assert_int_equal(ax.n, (int)llround((ax.hi - ax.lo) / ax.step));
	}
}

static void
test_graph_fmt(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" }, { 12, "12" }, { 1.5, "1.5" }, { 0.025, "0.025" }, { 20.6, "20.6" },
		{ 1420, "1.42k" }, { 12345, "12.3k" }, { 4.5e6, "4.5M" }, { -2, "-2" },
		{ 2000, "2k" }, { 100, "100" }, { 0.001234, "0.0012" }, { NAN, "NaN" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char b[32];
		graph_fmt(cases[i].v, b, sizeof(b));
		if (strcmp(b, cases[i].want))
			fail_msg("%g: got '%s', want '%s'", cases[i].v, b, cases[i].want);
	}
}

static void
test_graph_auto_step(void **state)
{
	(void)state;
	const int64_t s = 1000000000LL;
	assert_int_equal(graph_auto_step(15 * 60 * s, 112), 10 * s);   /* 900 s / 112 = 8 s -> 10 s */
	assert_int_equal(graph_auto_step(5 * 60 * s, 300), 1 * s);
	assert_int_equal(graph_auto_step(3600 * s, 100), 60 * s);      /* 36 s -> 1m */
	assert_int_equal(graph_auto_step(24 * 3600 * s, 100), 900 * s);
	assert_int_equal(graph_auto_step(7 * 86400 * s, 100), 7200 * s);
	assert_int_equal(graph_auto_step(30 * 86400 * s, 10), 3 * 86400 * s);
	assert_int_equal(graph_auto_step(1, 0), 1 * s);                /* never below 1 s */
}

/* ---- graph drawing for fixed data ---- */

static void
dump(struct tui_grid *g, struct sbuf *out)
{
	tui_grid_dump(g, false, out);
}

static void
test_graph_lines_fixed(void **state)
{
	(void)state;
	/* A ramp 0..40 over 5 points and a flat 10, 60 s apart. */
	struct result *r = result_new(RES_MATRIX);
	struct res_labels l1 = { 0 }, l2 = { 0 };
	res_labels_set(&l1, "s", "ramp");
	res_labels_set(&l2, "s", "flat");
	struct res_series *a = result_series(r, &l1);
	for (int i = 0; i < 5; i++)
		res_series_add(a, 1767225600000LL + i * 60000, i * 10);
	struct res_series *b = result_series(r, &l2);
	for (int i = 0; i < 5; i++)
		res_series_add(b, 1767225600000LL + i * 60000, 10);
	struct tui_grid *g = tui_grid_new(8, 30);
	struct tui_canvas c = tui_canvas_of(g);
	struct graph_opts o = { 1767225600000LL, 1767225600000LL + 240000, 60000, -1, true };
	graph_lines(&c, r->series, r->nseries, &o);
	struct sbuf out = SBUF_INIT;
	dump(g, &out);
	/* 6 plot rows = 24 dot rows: 40 at the top, 10 a quarter up, 0 at
	 * the bottom; labels at 0, 20, 40; time labels that fit in 26 cells. */
	const char *want =
		"40 │                      ⣀⠤⠒⠉\n"
		"   │                 ⢀⡠⠤⠒⠉\n"
		"   │             ⢀⡠⠔⠊⠁\n"
		"20 │        ⢀⣀⠤⠔⠊⠁\n"
		"   │⠒⠒⠒⠒⣒⠶⠒⠚⠓⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒⠒\n"
		" 0 │⣀⠤⠒⠉\n"
		"   └┴────────────────────────┴\n"
		"    00:00:00          00:04:00\n";
	if (strcmp(sbuf_str(&out), want))
		fail_msg("got:\n%s\nwant:\n%s", sbuf_str(&out), want);
	/* Picking the flat series: the axis rescales to it (0..10). */
	tui_grid_clear(g, 0);
	o.pick = 1;
	graph_lines(&c, r->series, r->nseries, &o);
	sbuf_reset(&out);
	dump(g, &out);
	assert_non_null(strstr(sbuf_str(&out), "10 │⠉⠉"));
	assert_null(strstr(sbuf_str(&out), "40"));
	assert_null(strstr(sbuf_str(&out), "20 "));
	/* The legend marks the pick. */
	struct tui_grid *lg = tui_grid_new(2, 60);
	struct tui_canvas lc = tui_canvas_of(lg);
	graph_legend(&lc, r->series, r->nseries, 0, 1);
	sbuf_reset(&out);
	dump(lg, &out);
	assert_non_null(strstr(sbuf_str(&out), " ■ {s=\"ramp\"}"));
	assert_non_null(strstr(sbuf_str(&out), ">■ {s=\"flat\"}"));
	assert_non_null(strstr(sbuf_str(&out), "last 40  min 0  max 40"));
	sbuf_release(&out);
	tui_grid_free(lg);
	tui_grid_free(g);
	res_labels_release(&l1);
	res_labels_release(&l2);
	result_free(r);
}

static void
test_graph_volume_fixed(void **state)
{
	(void)state;
	/* 4 buckets: 8 info; 4 info + 4 error; nothing; 2 warn. */
	uint32_t counts[4 * LVL__COUNT] = { 0 };
	counts[0 * LVL__COUNT + LVL_INFO] = 8;
	counts[1 * LVL__COUNT + LVL_INFO] = 4;
	counts[1 * LVL__COUNT + LVL_ERROR] = 4;
	counts[3 * LVL__COUNT + LVL_WARN] = 2;
	struct tui_grid *g = tui_grid_new(3, GRAPH_VOLUME_AXIS + 4);
	struct tui_canvas c = tui_canvas_of(g);
	graph_volume(&c, counts, 4, 0, 4000000000LL, true);
	struct sbuf out = SBUF_INIT;
	dump(g, &out);
	/* Two rows of 8 eighths: 8 lines fill both; 2 lines a half cell. */
	const char *want =
		"    8 ██\n"
		"    0 ██ ▄\n";
	if (strncmp(sbuf_str(&out), want, strlen(want)))
		fail_msg("got:\n%s\nwant:\n%s", sbuf_str(&out), want);
	/* Errors stack at the bottom: the bottom cell of bucket 1 is ERROR. */
	assert_int_equal(tui_grid_at(g, 1, GRAPH_VOLUME_AXIS + 1)->style, THEME_LOG_ERROR);
	assert_int_equal(tui_grid_at(g, 0, GRAPH_VOLUME_AXIS + 1)->style, THEME_LOG_INFO);
	assert_int_equal(tui_grid_at(g, 1, GRAPH_VOLUME_AXIS + 3)->style, THEME_LOG_WARN);
	sbuf_release(&out);
	tui_grid_free(g);
}

/* ---- history files ---- */

static void
test_history_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/lx-hist-XXXXXX";
	assert_non_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	char path[512];
	assert_true(history_path("history", path, sizeof(path)));
	char want[600];
	snprintf(want, sizeof(want), "%s/iftop-logs/history", dir);
	assert_string_equal(path, want);
	struct history h;
	history_load(&h, path, false);
	assert_int_equal(h.n, 0);
	history_add(&h, "{a=\"1\"}");
	history_add(&h, "{a=\"1\"}");            /* same as newest: not again */
	history_add(&h, "{b=\"2\"}\n| json");     /* multi-line */
	history_add(&h, "{c=\"back\\\\slash\"}");
	history_release(&h);
	history_load(&h, path, false);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.q[0], "{a=\"1\"}");
	assert_string_equal(h.q[1], "{b=\"2\"}\n| json");
	assert_string_equal(h.q[2], "{c=\"back\\\\slash\"}");
	assert_int_equal(history_find(&h, "JSON", h.n), 1);
	assert_int_equal(history_find(&h, "a=", h.n), 0);
	assert_int_equal(history_find(&h, "a=", 0), -1);
	assert_int_equal(history_find(&h, "", h.n), 2);
	history_release(&h);

	char sp[512];
	history_path("saved", sp, sizeof(sp));
	struct history s;
	history_load(&s, sp, true);
	history_save_named(&s, "errors", "{level=\"ERROR\"}");
	history_save_named(&s, "slow", "{a=\"b\"}\n| duration > 1s");
	history_save_named(&s, "errors", "{level=~\"ERROR|FATAL\"}");
	history_release(&s);
	history_load(&s, sp, true);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.name[0], "errors");
	assert_string_equal(s.q[0], "{level=~\"ERROR|FATAL\"}");
	assert_string_equal(s.q[1], "{a=\"b\"}\n| duration > 1s");
	history_release(&s);
	unlink(path);
	unlink(sp);
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/iftop-logs", dir);
	rmdir(sub);
	rmdir(dir);
}

/* ---- pages of older lines (local store) ---- */

#define PG_T0 1767225600000000000LL    /* 2026-01-01T00:00:00Z */

/* "ts labels line" rows of `r` in display order, appended to `out`. */
static void
page_rows(const struct result *r, bool forward, struct sbuf *out)
{
	size_t n;
	struct res_ref *refs = result_sorted(r, forward, &n);
	for (size_t i = 0; i < n; i++) {
		const struct res_stream *s = &r->streams[refs[i].stream];
		const struct res_entry *e = &s->v[refs[i].entry];
		sbuf_addf(out, "%" PRId64 " ", e->ts_ns);
		res_labels_format(&s->labels, out);
		sbuf_addf(out, " %s\n", e->line);
	}
	free(refs);
}

static void
test_local_pages(void **state)
{
	(void)state;
	struct store_opts so = { .max_bytes = 1u << 26, .max_line = 65536 };
	struct store *st = store_new(&so);
	static const char *const lv[] = { "INFO", "WARN", "ERROR" };
	/* 300 timestamps, each with a line of three agents; timestamp 150
	 * holds 250 more lines: a group bigger than a page */
	size_t total = 0;
	for (int j = 0; j < 300; j++)
		for (int k = 0; k < (j == 150 ? 253 : 3); k++) {
			char line[160];
			int n = snprintf(line, sizeof(line),
					 "{\"level\":\"%s\",\"agent_id\":\"A%d\",\"message\":\"line %d.%d\"}",
					 lv[k % 3], k % 3 + 1, j, k);
			int64_t ts = PG_T0 + (int64_t)j * 1000000;
			store_push(st, line, (size_t)n, (size_t)n, "t", ts, ts);
			total++;
		}
	const char *q = "{agent_id=~\".+\"}";
	for (int fwd = 0; fwd < 2; fwd++) {
		struct lq_eval_params p = { .start_ns = PG_T0, .end_ns = PG_T0 + 300 * 1000000LL,
					    .limit = 10000, .direction = fwd ? LQ_FORWARD : LQ_BACKWARD };
		struct lq_result *lr = NULL;
		struct lq_error err;
		assert_int_equal(local_query(st, q, &p, &lr, &err), 0);
		struct result *all = local_result(lr);
		lq_result_free(lr);
		assert_int_equal(result_entries(all), total);
		struct sbuf one = SBUF_INIT, paged = SBUF_INIT;
		page_rows(all, fwd, &one);
		result_free(all);
		/* pages of 101: they end inside timestamp groups */
		struct result *held = result_new(RES_STREAMS);
		int pages = 0;
		p.limit = 101;
		for (;;) {
			struct result *r = NULL;
			assert_int_equal(local_query_page(st, q, &p, held, &r, &err), 0);
			pages++;
			size_t n;
			struct res_ref *refs = result_sorted(r, fwd, &n);
			assert_true(n <= 101);
			page_rows(r, fwd, &paged);
			for (size_t i = 0; i < n; i++) {
				const struct res_stream *s = &r->streams[refs[i].stream];
				const struct res_entry *e = &s->v[refs[i].entry];
				res_stream_add(result_stream(held, &s->labels), e->ts_ns, e->line, e->len);
			}
			int64_t edge = n ? r->streams[refs[n - 1].stream].v[refs[n - 1].entry].ts_ns : 0;
			bool cut = r->limit.cut;
			if (cut)
				assert_int_equal(n, 101);
			free(refs);
			result_free(r);
			if (!cut)
				break;
			assert_true(pages < 100);
			if (fwd)
				p.start_ns = edge;
			else
				p.end_ns = edge + 1;
		}
		assert_int_equal(pages, (int)((total + 100) / 101));
		assert_int_equal(result_entries(held), total);
		if (strcmp(sbuf_str(&one), sbuf_str(&paged)))
			fail_msg("%s: the pages differ from one query", fwd ? "forward" : "backward");
		result_free(held);
		sbuf_release(&one);
		sbuf_release(&paged);
	}
	/* a metric query has no pages */
	struct lq_eval_params m = { .start_ns = PG_T0, .end_ns = PG_T0 + 1000000000LL, .step_ns = 1000000000LL, .limit = 10 };
	struct result *r = NULL;
	struct lq_error err;
	struct result *none = result_new(RES_STREAMS);
	assert_int_not_equal(local_query_page(st, "count_over_time({agent_id=\"A1\"}[1s])", &m, none, &r, &err), 0);
	assert_null(r);
	assert_non_null(strstr(err.msg, "log queries"));
	result_free(none);
	store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_editor_keys),
		cmocka_unit_test(test_editor_edges),
		cmocka_unit_test(test_graph_nice),
		cmocka_unit_test(test_graph_fmt),
		cmocka_unit_test(test_graph_auto_step),
		cmocka_unit_test(test_graph_lines_fixed),
		cmocka_unit_test(test_graph_volume_fixed),
		cmocka_unit_test(test_history_files),
		cmocka_unit_test(test_local_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

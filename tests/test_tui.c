/* tests/test_tui.c: grid, canvas sanitising, widgets, themes, keymap, config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sbuf.h"
#include "tui/canvas.h"
#include "tui/config.h"
#include "tui/grid_dump.h"
#include "tui/keymap.h"
#include "tui/keys.h"
#include "tui/theme.h"
#include "tui/widgets.h"

/* Draws `s` into a 1-row grid of `cols` and returns its text (static). */
static const char *
render(const char *s, size_t n, int cols)
{
	static char out[512];
	struct tui_grid *g = tui_grid_new(1, cols);
	struct tui_canvas c = tui_canvas_of(g);
	tui_put_textn(&c, THEME_NORMAL, s, n);
	struct sbuf sb = SBUF_INIT;
	tui_grid_dump(g, false, &sb);
	snprintf(out, sizeof(out), "%s", sbuf_str(&sb));
	sbuf_release(&sb);
	tui_grid_free(g);
	size_t l = strlen(out);
	if (l && out[l - 1] == '\n')
		out[l - 1] = '\0';
	return out;
}

static void
test_canvas_sanitises(void **state)
{
	(void)state;
	static const struct { const char *name, *in; size_t n; const char *want; } cases[] = {
		{ "ESC colour", "\x1b[31mred\x1b[0m", 12, "^[[31mred^[[0m" },
		{ "OSC title", "\x1b]0;pwned\x07x", 11, "^[]0;pwned^Gx" },
		{ "OSC 52 clipboard", "\x1b]52;c;aGk=\x07", 12, "^[]52;c;aGk=^G" },
		{ "C1 CSI", "a\xc2\x9b" "31m", 6, "a<U+009B>31m" },
		{ "bidi override", "x\xe2\x80\xaey", 5, "x<U+202E>y" },
		{ "DEL and NUL", "a\x7f\x00z", 4, "a^?^@z" },
		{ "invalid UTF-8", "a\xff\xc3z", 4, "a\xef\xbf\xbd\xef\xbf\xbdz" },
		{ "overlong encoding", "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "tab", "a\tb", 3, "a       b" },
		{ "CR", "a\rb", 3, "a^Mb" },
		{ "wide", "\xe6\x97\xa5\xe6\x9c\xac", 6, "\xe6\x97\xa5\xe6\x9c\xac" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = render(cases[i].in, cases[i].n, 40);
		if (strcmp(got, cases[i].want))
			fail_msg("%s: got '%s' want '%s'", cases[i].name, got, cases[i].want);
	}
	/* No control character ever lands in a cell. */
	struct tui_grid *g = tui_grid_new(2, 64);
	struct tui_canvas c = tui_canvas_of(g);
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	tui_put_textn(&c, 0, all, sizeof(all));
	for (int i = 0; i < g->rows * g->cols; i++) {
		uint32_t cp = g->cells[i].cp;
		assert_false(cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f));
	}
	tui_grid_free(g);
	/* Wide char that does not fit the last column is not split. */
	assert_string_equal(render("ab\xe6\x97\xa5", 5, 3), "ab");
}

static void
test_field_and_columns(void **state)
{
	(void)state;
	struct tui_grid *g = tui_grid_new(1, 20);
	struct tui_canvas c = tui_canvas_of(g);
	tui_put_field(&c, 0, "embedding_service", 17, 8, TUI_LEFT);
	tui_put_field(&c, 0, "42", 2, 5, TUI_RIGHT);
	tui_put_field(&c, 0, "ab", 2, 4, TUI_CENTER);
	struct sbuf sb = SBUF_INIT;
	tui_grid_dump(g, false, &sb);
	assert_string_equal(sbuf_str(&sb), "embeddi\xe2\x80\xa6   42 ab\n");
	sbuf_release(&sb);
	tui_grid_free(g);

	struct tui_column cols[3] = {
		{ "A", 5, 5, 0, TUI_LEFT, false },
		{ "B", 4, 10, 1, TUI_LEFT, false },
		{ "C", 10, 0, 3, TUI_LEFT, false },
	};
	int w[3];
	tui_columns_layout(cols, 3, 40, w);
	assert_int_equal(w[0], 5);
	assert_int_equal(w[0] + w[1] + w[2] + 2, 40);
	assert_true(w[1] <= 10 && w[1] >= 4);
	tui_columns_layout(cols, 3, 12, w);   /* C cannot fit */
	assert_int_equal(w[0], 5);
	assert_int_equal(w[1], 6);
	assert_int_equal(w[2], 0);
	/* A field on a row outside the canvas returns at once (no loop). */
	g = tui_grid_new(2, 10);
	c = tui_canvas_of(g);
	tui_move(&c, 5, 0);
	assert_true(tui_put_field(&c, 0, "much too long for it", 20, 4, TUI_LEFT));
	tui_fill(&c, 0, 'x');
	tui_grid_free(g);
	cols[1].hidden = true;
	tui_columns_layout(cols, 3, 30, w);
	assert_int_equal(w[1], 0);
	assert_int_equal(w[0] + w[2] + 1, 30);
}

static void
test_sparkline_bar(void **state)
{
	(void)state;
	struct tui_grid *g = tui_grid_new(2, 10);
	struct tui_canvas c = tui_canvas_of(g);
	double v[5] = { 0, 1, 4, 8, 2 };
	tui_sparkline(&c, THEME_SPARK, v, 5, 0, 8, THEME_SPARK_PEAK);
	tui_move(&c, 1, 0);
	tui_hbar(&c, THEME_BAR, 0.55, 4);
	struct sbuf sb = SBUF_INIT;
	tui_grid_dump(g, false, &sb);
	/* 0 -> blank, 1/8 -> lowest block, 4/8 -> half, 8/8 -> full; 2.2 cells of bar. */
	assert_string_equal(sbuf_str(&sb), " \xe2\x96\x81\xe2\x96\x84\xe2\x96\x88\xe2\x96\x82\n"
					   "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x8e\n");
	assert_int_equal(tui_grid_at(g, 0, 3)->style, THEME_SPARK_PEAK);
	assert_int_equal(tui_grid_at(g, 0, 2)->style, THEME_SPARK);
	sbuf_release(&sb);
	tui_ascii = true;
	c = tui_canvas_of(g);
	tui_grid_clear(g, 0);
	tui_sparkline(&c, 0, v, 5, 8, 0, 0);
	tui_ascii = false;
	tui_grid_dump(g, false, &sb);
	assert_string_equal(sbuf_str(&sb), " .=@_\n\n");
	sbuf_release(&sb);
	tui_grid_free(g);
}

static void
test_prompt(void **state)
{
	(void)state;
	struct tui_prompt p;
	memset(&p, 0, sizeof(p));
	tui_prompt_begin(&p, "/", "");
	const char *keys = "errr";
	for (const char *k = keys; *k; k++)
		tui_prompt_key(&p, *k);
	tui_prompt_key(&p, TUI_KEY_BACKSPACE);
	tui_prompt_key(&p, TUI_KEY_HOME);
	tui_prompt_key(&p, 'x');
	assert_string_equal(p.buf, "xerr");
	tui_prompt_key(&p, TUI_KEY_END);
	tui_prompt_key(&p, 0xe9);  /* é, two bytes */
	tui_prompt_key(&p, TUI_KEY_LEFT);
	tui_prompt_key(&p, TUI_KEY_BACKSPACE);
	assert_string_equal(p.buf, "xer\xc3\xa9");
	tui_prompt_key(&p, TUI_CTRL('w'));
	assert_string_equal(p.buf, "\xc3\xa9");
	assert_int_equal(tui_prompt_key(&p, TUI_KEY_ENTER), PROMPT_DONE);
	tui_prompt_begin(&p, "/", "");
	tui_prompt_key(&p, 'z');
	assert_int_equal(tui_prompt_key(&p, TUI_KEY_UP), PROMPT_CHANGED);
	assert_string_equal(p.buf, "\xc3\xa9");
	tui_prompt_key(&p, TUI_KEY_DOWN);
	assert_string_equal(p.buf, "z");
	assert_int_equal(tui_prompt_key(&p, TUI_KEY_ESC), PROMPT_CANCEL);
	tui_prompt_free_history(&p);
}

static void
test_theme(void **state)
{
	(void)state;
	struct theme t;
	theme_builtin(&t);
	assert_int_equal(t.slot[THEME_LOG_ERROR].fg, 203);
	assert_true(t.slot[THEME_LOG_ERROR].attrs & THEME_A_BOLD);
	char err[1024] = "";
	int n = theme_parse(&t, "x.theme",
			    "# comment\n"
			    "color log.error #ff0000 default underline\n"
			    "color nosuch 1 2\n"
			    "color log.warn purple default\n"
			    "colour x\n"
			    "color log.info 1 2 blinking\n", err, sizeof(err));
	assert_int_equal(n, 4);
	assert_int_equal(t.slot[THEME_LOG_ERROR].fg, THEME_RGB(255, 0, 0));
	assert_true(t.slot[THEME_LOG_ERROR].attrs & THEME_A_UNDERLINE);
	assert_non_null(strstr(err, "x.theme:3:7: unknown slot 'nosuch'"));
	assert_non_null(strstr(err, "x.theme:4:16: bad colour 'purple'"));
	assert_non_null(strstr(err, "x.theme:5:1: unknown command 'colour'"));
	assert_non_null(strstr(err, "x.theme:6:20: unknown attribute 'blinking'"));
	/* Every shipped theme loads without errors and defines every slot. */
	const char *names[] = { "dark", "light", "high-contrast", "mono" };
	for (size_t i = 0; i < 4; i++) {
		char path[256];
		snprintf(path, sizeof(path), "themes/%s.theme", names[i]);
		FILE *f = fopen(path, "r");
		assert_non_null(f);
		char text[8192];
		size_t len = fread(text, 1, sizeof(text) - 1, f);
		text[len] = '\0';
		fclose(f);
		for (int s = 0; s < THEME__COUNT; s++) {
			char needle[64];
			snprintf(needle, sizeof(needle), "color %s ", theme_slot_name(s));
			if (!strstr(text, needle))
				fail_msg("%s does not set %s", names[i], theme_slot_name(s));
		}
		err[0] = '\0';
		assert_int_equal(theme_load(&t, names[i], err, sizeof(err)), 0);
	}
	assert_int_equal(theme_load(&t, "nope", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not found"));
}

static void
test_keymap(void **state)
{
	(void)state;
	keymap_reset();
	assert_int_equal(keymap_lookup("tail", 'j'), REQ_SCROLL_DOWN);
	assert_int_equal(keymap_lookup("tail", ' '), REQ_PAUSE);
	assert_int_equal(keymap_lookup("detail", 'q'), REQ_BACK);
	assert_int_equal(keymap_lookup("tail", 'q'), REQ_QUIT);
	struct sbuf err = SBUF_INIT;
	assert_int_equal(keymap_bind("tail X toggle-wrap", &err), 0);
	assert_int_equal(keymap_lookup("tail", 'X'), REQ_TOGGLE_WRAP);
	assert_int_equal(keymap_bind("generic <C-x> quit", &err), 0);
	assert_int_equal(keymap_lookup("tail", TUI_CTRL('x')), REQ_QUIT);
	assert_int_equal(keymap_bind("tail j no-such-thing", &err), -1);
	assert_non_null(strstr(sbuf_str(&err), "unknown request 'no-such-thing'"));
	struct sbuf help = SBUF_INIT;
	keymap_help("tail", &help);
	assert_non_null(strstr(sbuf_str(&help), "Navigation\n"));
	assert_non_null(strstr(sbuf_str(&help), "  X w              Wrap long messages"));
	assert_non_null(strstr(sbuf_str(&help), "  Space            Pause / resume following"));
	sbuf_reset(&help);
	keymap_help("detail", &help);
	/* In detail, q is Back, so it is not listed for Quit. */
	assert_null(strstr(sbuf_str(&help), "  q                Quit"));
	sbuf_release(&help);
	sbuf_release(&err);
	keymap_reset();
	size_t used;
	assert_int_equal(tui_key_parse("<S-Tab>x", &used), TUI_KEY_BTAB);
	assert_int_equal(used, 7);
	assert_int_equal(tui_key_parse("<lt>", &used), '<');
}

static void
test_config(void **state)
{
	(void)state;
	char dir[] = "/tmp/iftop-cfg-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/config", dir);
	FILE *f = fopen(path, "w");
	fputs("# test\nmax_memory = 512M\ntheme = light\nrate = lots\nnonsense = 1\nbind tail X quit\n"
	      "loki_password = s3cret\n", f);
	fclose(f);
	struct config c;
	config_init(&c);
	struct sbuf err = SBUF_INIT;
	assert_int_equal(config_load_file(&c, path, &err), 2);
	assert_non_null(strstr(sbuf_str(&err), ":4: rate: bad value 'lots'; expected a whole number"));
	assert_non_null(strstr(sbuf_str(&err), ":5: unknown setting 'nonsense'"));
	assert_string_equal(c.theme, "light");
	assert_int_equal(c.nbinds, 1);
	/* env beats file, flag beats env */
	setenv("IFTOP_LOGS_THEME", "mono", 1);
	setenv("LOKI_TLS_SKIP_VERIFY", "maybe", 1);
	sbuf_reset(&err);
	assert_int_equal(config_load_env(&c, &err), 1);
	assert_non_null(strstr(sbuf_str(&err), "LOKI_TLS_SKIP_VERIFY: bad value 'maybe'; expected true or false"));
	assert_string_equal(c.theme, "mono");
	assert_int_equal(config_set_flag(&c, "--theme", "dark", &err), 1);
	assert_string_equal(c.theme, "dark");
	assert_int_equal(config_set_flag(&c, "--nope", "x", &err), 0);
	sbuf_reset(&err);
	assert_int_equal(config_set_flag(&c, "--max-memory", "lots", &err), -1);
	assert_non_null(strstr(sbuf_str(&err), "--max-memory: bad value 'lots'; expected a size like 256M"));
	assert_int_equal(config_finish(&c, &err), 0);
	assert_int_equal(c.max_memory_bytes, 512u << 20);
	/* Secrets are masked in dumps and never echoed in errors. */
	struct sbuf dump = SBUF_INIT;
	config_dump(&c, &dump);
	assert_null(strstr(sbuf_str(&dump), "s3cret"));
	assert_non_null(strstr(sbuf_str(&dump), "loki_password = ********"));
	assert_int_equal(config_set_flag(&c, "--addr", "localhost:3100", &err), 1);
	sbuf_reset(&err);
	assert_int_equal(config_finish(&c, &err), 1);
	assert_non_null(strstr(sbuf_str(&err), "is not a URL"));
	unsetenv("IFTOP_LOGS_THEME");
	unsetenv("LOKI_TLS_SKIP_VERIFY");
	sbuf_release(&dump);
	sbuf_release(&err);
	config_release(&c);
	unlink(path);
	rmdir(dir);
	uint64_t sz;
	assert_int_equal(config_parse_size("1.5G", &sz), 0);
	assert_int_equal(sz, 1610612736ull);
	assert_int_equal(config_parse_size("64KiB", &sz), 0);
	assert_int_equal(sz, 65536);
	assert_int_equal(config_parse_size("12Q", &sz), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canvas_sanitises),
		cmocka_unit_test(test_field_and_columns),
		cmocka_unit_test(test_sparkline_bar),
		cmocka_unit_test(test_prompt),
		cmocka_unit_test(test_theme),
		cmocka_unit_test(test_keymap),
		cmocka_unit_test(test_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

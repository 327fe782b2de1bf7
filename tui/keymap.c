/*
 * tui/keymap.c: the default bindings table, user binds and help text.
 */
#include "tui/keymap.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "tui/keys.h"

struct binding {
	const char *keymap;
	int key;
	enum request req;
};

static const struct binding defaults[] = {
	{ "generic", 'j', REQ_SCROLL_DOWN }, { "generic", TUI_KEY_DOWN, REQ_SCROLL_DOWN },
	{ "generic", 'k', REQ_SCROLL_UP }, { "generic", TUI_KEY_UP, REQ_SCROLL_UP },
	{ "generic", TUI_KEY_PGDN, REQ_PAGE_DOWN }, { "generic", TUI_CTRL('f'), REQ_PAGE_DOWN },
	{ "generic", TUI_KEY_PGUP, REQ_PAGE_UP }, { "generic", TUI_CTRL('b'), REQ_PAGE_UP },
	{ "generic", 'g', REQ_MOVE_FIRST }, { "generic", TUI_KEY_HOME, REQ_MOVE_FIRST },
	{ "generic", 'G', REQ_MOVE_LAST }, { "generic", TUI_KEY_END, REQ_MOVE_LAST },
	{ "generic", 'h', REQ_SCROLL_LEFT }, { "generic", TUI_KEY_LEFT, REQ_SCROLL_LEFT },
	{ "generic", 'l', REQ_SCROLL_RIGHT }, { "generic", TUI_KEY_RIGHT, REQ_SCROLL_RIGHT },
	{ "generic", TUI_KEY_TAB, REQ_NEXT_VIEW }, { "generic", TUI_KEY_BTAB, REQ_PREV_VIEW },
	{ "generic", '1', REQ_VIEW_1 }, { "generic", '2', REQ_VIEW_2 },
	{ "generic", '3', REQ_VIEW_3 }, { "generic", '4', REQ_VIEW_4 },
	{ "generic", '5', REQ_VIEW_5 }, { "generic", '6', REQ_VIEW_6 },
	{ "generic", '7', REQ_VIEW_7 }, { "generic", '8', REQ_VIEW_8 },
	{ "generic", TUI_KEY_ENTER, REQ_ENTER }, { "generic", TUI_KEY_ESC, REQ_BACK },
	{ "generic", '?', REQ_HELP }, { "generic", TUI_KEY_F1, REQ_HELP },
	{ "generic", ':', REQ_COMMAND }, { "generic", TUI_CTRL('l'), REQ_REDRAW },
	{ "generic", 'q', REQ_QUIT },
	{ "generic", '/', REQ_SEARCH }, { "generic", 'n', REQ_SEARCH_NEXT },
	{ "generic", 'N', REQ_SEARCH_PREV },
	{ "tail", ' ', REQ_PAUSE }, { "tail", 'F', REQ_FOLLOW },
	{ "tail", 'e', REQ_NEXT_ERROR }, { "tail", 'E', REQ_PREV_ERROR },
	{ "tail", 'f', REQ_FILTER }, { "tail", 'x', REQ_CLEAR_FILTER },
	{ "tail", 'a', REQ_FILTER_AGENT }, { "tail", 't', REQ_OPEN_TRACE },
	{ "tail", 'u', REQ_TOGGLE_UTC }, { "tail", 'c', REQ_TOGGLE_CORR },
	{ "tail", 'o', REQ_TOGGLE_COMPONENT }, { "tail", 'd', REQ_TOGGLE_DURATION },
	{ "tail", 'w', REQ_TOGGLE_WRAP }, { "tail", 'C', REQ_TOGGLE_SGR },
	{ "tail", 'r', REQ_TOGGLE_RAW },
	{ "trace", ' ', REQ_COLLAPSE }, { "trace", 'z', REQ_ZOOM_IN }, { "trace", 'Z', REQ_ZOOM_OUT },
	{ "trace", '[', REQ_PREV_TRACE }, { "trace", ']', REQ_NEXT_TRACE },
	{ "trace", 'L', REQ_TRACE_LIST }, { "trace", 'a', REQ_AGENT_TAIL },
	{ "trace", 'H', REQ_AGENT_HEALTH },
	{ "trace", 'e', REQ_NEXT_ERROR }, { "trace", 'E', REQ_PREV_ERROR },
	{ "dashboard", '[', REQ_PREV_BOARD }, { "dashboard", ']', REQ_NEXT_BOARD },
	{ "detail", 't', REQ_OPEN_TRACE }, { "detail", 'a', REQ_FILTER_AGENT },
	{ "detail", 'q', REQ_BACK },
	{ "errors", 's', REQ_SORT }, { "errors", 'w', REQ_WINDOW }, { "errors", 't', REQ_OPEN_TRACE },
	{ "health", 's', REQ_SORT }, { "health", 'w', REQ_WINDOW },
	{ "health", 'f', REQ_TOGGLE_UNHEALTHY },
	{ "explore", 'i', REQ_EDIT_QUERY }, { "explore", TUI_KEY_INSERT, REQ_EDIT_QUERY },
	{ "explore", 'r', REQ_RUN_QUERY }, { "explore", 't', REQ_TIME_RANGE },
	{ "explore", 'S', REQ_STEP }, { "explore", 'v', REQ_TOGGLE_GRAPH },
	{ "explore", 'I', REQ_TOGGLE_INSTANT },
	{ "explore", ']', REQ_NEXT_SERIES }, { "explore", '[', REQ_PREV_SERIES },
	{ "explore", 'L', REQ_RAISE_LIMIT }, { "explore", 'O', REQ_OLDER_LINES },
	{ "explore", TUI_KEY_F2, REQ_DOCTOR },
	{ "explore", 'd', REQ_DOCTOR }, { "explore", 'F', REQ_FORMAT_QUERY },
	{ "explore", TUI_CTRL('r'), REQ_HISTORY_SEARCH }, { "explore", 'w', REQ_SAVE_QUERY },
	{ "explore", 'o', REQ_OPEN_SAVED }, { "explore", 'b', REQ_LABELS },
};

#define MAX_USER 128
static struct binding user[MAX_USER];
static char user_maps[MAX_USER][24];
static int nuser;

static const char *const req_names[REQ__COUNT] = {
	[REQ_NONE] = "NONE",
#define G_(g)
#define R_(id, help) [REQ_##id] = #id,
	REQ_INFO(G_, R_)
#undef G_
#undef R_
	[REQ_UNKNOWN] = "UNKNOWN",
};

static const char *const req_helps[REQ__COUNT] = {
#define G_(g)
#define R_(id, help) [REQ_##id] = help,
	REQ_INFO(G_, R_)
#undef G_
#undef R_
};

const char *
request_name(enum request r)
{
	return (unsigned)r < REQ__COUNT && req_names[r] ? req_names[r] : "UNKNOWN";
}

const char *
request_help(enum request r)
{
	return (unsigned)r < REQ__COUNT && req_helps[r] ? req_helps[r] : "";
}

enum request
request_from_name(const char *name)
{
	char norm[64];
	size_t i = 0;
	for (; name[i] && i < sizeof(norm) - 1; i++)
		norm[i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	norm[i] = '\0';
	for (int r = 1; r < REQ_UNKNOWN; r++)
		if (req_names[r] && !strcmp(req_names[r], norm))
			return (enum request)r;
	return REQ_UNKNOWN;
}

static enum request
lookup_in(const char *keymap, int key, bool *found)
{
	for (int i = nuser - 1; i >= 0; i--)
		if (user[i].key == key && !strcmp(user[i].keymap, keymap)) {
			*found = true;
			return user[i].req;
		}
	for (size_t i = 0; i < LX_ARRAY_LEN(defaults); i++)
		if (defaults[i].key == key && !strcmp(defaults[i].keymap, keymap)) {
			*found = true;
			return defaults[i].req;
		}
	*found = false;
	return REQ_NONE;
}

enum request
keymap_lookup(const char *keymap, int key)
{
	bool found;
	enum request r = lookup_in(keymap, key, &found);
	if (found)
		return r;
	return lookup_in("generic", key, &found);
}

int
keymap_bind(const char *line, struct sbuf *err)
{
	char map[24], keys[64], req[64];
	if (sscanf(line, "%23s %63s %63s", map, keys, req) != 3) {
		sbuf_addf(err, "bind: expected 'bind <keymap> <key> <request>', got '%s'\n", line);
		return -1;
	}
	size_t used;
	int key = tui_key_parse(keys, &used);
	if (key == TUI_KEY_NONE || keys[used]) {
		sbuf_addf(err, "bind: unknown key '%s' (examples: x, <C-f>, <Enter>, <F2>)\n", keys);
		return -1;
	}
	enum request r = !strcmp(req, "none") ? REQ_NONE : request_from_name(req);
	if (r == REQ_UNKNOWN) {
		sbuf_addf(err, "bind: unknown request '%s' (see the help overlay, ?)\n", req);
		return -1;
	}
	if (nuser == MAX_USER) {
		sbuf_addf(err, "bind: too many bindings (max %d)\n", MAX_USER);
		return -1;
	}
	snprintf(user_maps[nuser], sizeof(user_maps[0]), "%s", map);
	user[nuser] = (struct binding){ user_maps[nuser], key, r };
	nuser++;
	return 0;
}

void
keymap_reset(void)
{
	nuser = 0;
}

/*
 * Appends to buf the keys bound to `r` in keymap `src` that are still
 * effective when the active keymap is `view` (a view binding hides the
 * generic binding of the same key).
 */
static void
keys_for(const char *view, const char *src, enum request r, char *buf, size_t size)
{
	size_t len = strlen(buf);
	const struct binding *tabs[2] = { user, defaults };
	size_t ns[2] = { (size_t)nuser, LX_ARRAY_LEN(defaults) };
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < ns[t]; i++) {
			const struct binding *b = &tabs[t][i];
			if (b->req != r || strcmp(b->keymap, src) != 0)
				continue;
			if (keymap_lookup(view, b->key) != r)
				continue;
			char name[32], pad[40];
			tui_key_name(b->key, name, sizeof(name));
			snprintf(pad, sizeof(pad), " %s ", name);
			char have[120];
			snprintf(have, sizeof(have), " %s ", buf);
			if (strstr(have, pad))
				continue;
			int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", name);
			if (n < 0 || (size_t)n >= size - len) {
				buf[len] = '\0';
				return;
			}
			len += (size_t)n;
		}
	}
}

void
keymap_help(const char *keymap, struct sbuf *out)
{
	const char *group = NULL;
#define G_(g) group = g; (void)group;
#define R_(id, help)                                                           \
	{                                                                      \
		char keys[96] = "";                                            \
		if (strcmp(keymap, "generic"))                                 \
			keys_for(keymap, keymap, REQ_##id, keys, sizeof(keys)); \
		keys_for(keymap, "generic", REQ_##id, keys, sizeof(keys));     \
		if (keys[0]) {                                                 \
			if (group) {                                           \
				sbuf_addf(out, "%s%s\n", out->len ? "\n" : "", group); \
				group = NULL;                                  \
			}                                                      \
			sbuf_addf(out, "  %-16s %s\n", keys, help);            \
		}                                                              \
	}
	REQ_INFO(G_, R_)
#undef G_
#undef R_
}

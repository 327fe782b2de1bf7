/* tui/keys.c: key names, both ways.  No terminal access. */
#include "tui/keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tui/canvas.h"

static const struct { const char *name; int key; } names[] = {
	{ "Up", TUI_KEY_UP }, { "Down", TUI_KEY_DOWN }, { "Left", TUI_KEY_LEFT },
	{ "Right", TUI_KEY_RIGHT }, { "PgUp", TUI_KEY_PGUP }, { "PgDn", TUI_KEY_PGDN },
	{ "Home", TUI_KEY_HOME }, { "End", TUI_KEY_END }, { "Enter", TUI_KEY_ENTER },
	{ "Esc", TUI_KEY_ESC }, { "Tab", TUI_KEY_TAB }, { "S-Tab", TUI_KEY_BTAB },
	{ "BS", TUI_KEY_BACKSPACE }, { "Del", TUI_KEY_DELETE }, { "Ins", TUI_KEY_INSERT },
	{ "F1", TUI_KEY_F1 }, { "F2", TUI_KEY_F2 }, { "F3", TUI_KEY_F3 }, { "F4", TUI_KEY_F4 },
	{ "F5", TUI_KEY_F5 }, { "Space", ' ' }, { "lt", '<' }, { "Resize", TUI_KEY_RESIZE },
	{ "PageUp", TUI_KEY_PGUP }, { "PageDown", TUI_KEY_PGDN }, { "Backspace", TUI_KEY_BACKSPACE },
};

int
tui_key_parse(const char *s, size_t *used)
{
	if (s[0] == '<') {
		const char *e = strchr(s, '>');
		if (e && e > s + 1) {
			size_t n = (size_t)(e - s - 1);
			*used = n + 2;
			if (n == 3 && (s[1] == 'C' || s[1] == 'c') && s[2] == '-')
				return TUI_CTRL(s[3]);
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strlen(names[i].name) == n && !strncasecmp(names[i].name, s + 1, n))
					return names[i].key;
			return TUI_KEY_NONE;
		}
	}
	uint32_t cp;
	size_t n = strlen(s);
	*used = utf8_decode(s, n ? n : 1, &cp);
	if (cp == '\n' || cp == '\r')
		return TUI_KEY_ENTER;
	if (cp == '\t')
		return TUI_KEY_TAB;
	if (cp == 27)
		return TUI_KEY_ESC;
	return (int)cp;
}

void
tui_key_name(int key, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].key == key && key != '<') {
			snprintf(buf, size, "%s", names[i].name);
			return;
		}
	if (key > 0 && key < 32) {
		snprintf(buf, size, "C-%c", key + 96);
		return;
	}
	char u[5] = { 0 };
	utf8_encode((uint32_t)key, u);
	snprintf(buf, size, "%s", u);
}

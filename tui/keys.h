/**
 * tui/keys.h: key codes independent of curses.
 *
 * A key is a Unicode code point for text keys, a control code (1..26 for
 * Ctrl-A..Ctrl-Z, via TUI_CTRL), or one of the TUI_KEY_* values above the
 * Unicode range.  term_curses.c translates curses keys into these; the
 * keymap, views and the --keys option of --snapshot use only these.
 */
#ifndef LX_TUI_KEYS_H
#define LX_TUI_KEYS_H

#include <stddef.h>

#define TUI_CTRL(c) ((c) & 0x1f)

enum tui_key {
	TUI_KEY_NONE = 0,
	TUI_KEY_BASE = 0x200000,
	TUI_KEY_UP, TUI_KEY_DOWN, TUI_KEY_LEFT, TUI_KEY_RIGHT,
	TUI_KEY_PGUP, TUI_KEY_PGDN, TUI_KEY_HOME, TUI_KEY_END,
	TUI_KEY_ENTER, TUI_KEY_ESC, TUI_KEY_TAB, TUI_KEY_BTAB,
	TUI_KEY_BACKSPACE, TUI_KEY_DELETE, TUI_KEY_INSERT,
	TUI_KEY_F1, TUI_KEY_F2, TUI_KEY_F3, TUI_KEY_F4, TUI_KEY_F5,
	TUI_KEY_RESIZE,
};

/**
 * Parses one key from `s` ("j", "<Enter>", "<C-f>", "<S-Tab>", "<Space>",
 * "<lt>" for "<"); sets *used to the bytes consumed.  Returns the key, or
 * TUI_KEY_NONE for an unknown <name>.
 */
int tui_key_parse(const char *s, size_t *used);
/** Writes a display name of `key` ("Enter", "C-f", "j") into buf. */
void tui_key_name(int key, char *buf, size_t size);

#endif

/**
 * tui/keymap.h: keys to requests, in one table.
 *
 * Keymaps have names: "generic" and one per view ("tail", "detail").
 * Lookup tries the view's keymap, then "generic".  The defaults are a
 * compiled-in table; `bind <keymap> <key> <request>` lines from the config
 * add to or override it.  The help overlay is generated from the same
 * table plus the request descriptions in views/request.h.
 */
#ifndef LX_TUI_KEYMAP_H
#define LX_TUI_KEYMAP_H

#include "core/sbuf.h"
#include "views/request.h"

/** Returns the request bound to `key` in `keymap` (then generic), or REQ_NONE. */
enum request keymap_lookup(const char *keymap, int key);
/** Request name ("SCROLL_DOWN" or "scroll-down" accepted) to enum; REQ_UNKNOWN if none. */
enum request request_from_name(const char *name);
const char *request_name(enum request r);
const char *request_help(enum request r);
/**
 * Applies one `bind` line body ("tail x toggle-wrap"); returns 0, or -1
 * with a message in err.
 */
int keymap_bind(const char *line, struct sbuf *err);
/**
 * Writes the help text for a view's keymap: groups from request.h, each
 * request with all its keys (view keymap first, then generic).  One line
 * per request: "  keys<pad>help".
 */
void keymap_help(const char *keymap, struct sbuf *out);
/** Drops user bindings (tests). */
void keymap_reset(void);

#endif

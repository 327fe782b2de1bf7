/**
 * views/history.h: the Explore view's query history and saved queries.
 *
 * History is one query per line in $XDG_STATE_HOME/iftop-logs/history
 * (fallback ~/.local/state/iftop-logs/history), oldest first, with
 * backslash and newline escaped as "\\" and "\n" so multi-line queries
 * fit on one line.  Saved queries are `name = query` lines (same escapes
 * in the query) in .../iftop-logs/saved.  Files are created on the first
 * write; a missing file is an empty list.  Nothing here draws.
 *
 * A `struct history` owns its strings; history_release() frees them.
 */
#ifndef LX_VIEWS_HISTORY_H
#define LX_VIEWS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#define HISTORY_MAX 500

struct history {
	char **q;                /* queries, oldest first (owned) */
	char **name;             /* saved: names parallel to q; NULL for history */
	size_t n, cap;
	char path[512];          /* "" = in memory only */
};

/**
 * Writes the path of `file` ("history", "saved") in the state directory
 * into buf; returns false when neither XDG_STATE_HOME nor HOME is set.
 */
bool history_path(const char *file, char *buf, size_t size);
/** Reads `path` (may be NULL or "": in memory only); a missing file is empty. */
void history_load(struct history *h, const char *path, bool named);
/**
 * Appends `q` (a copy) unless it equals the newest entry, and appends it
 * to the file (creating the directory).  Keeps the newest HISTORY_MAX.
 */
void history_add(struct history *h, const char *q);
/** Saves `q` under `name` (replacing a query of that name); rewrites the file. */
void history_save_named(struct history *h, const char *name, const char *q);
/**
 * Index of the newest entry before `before` (exclusive; pass h->n to
 * start at the newest) whose query contains `pat` (case-insensitive), or
 * -1 when none.
 */
long history_find(const struct history *h, const char *pat, size_t before);
void history_release(struct history *h);

#endif

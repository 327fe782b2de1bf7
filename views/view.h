/**
 * views/view.h: the view interface and the protocol between views and app.
 *
 * A view is one screen (tail, detail, ...).  Its ops table is a constant
 * with designated initialisers; the app allocates `private_size` bytes for
 * v->priv (zeroed) and never lets a view allocate itself.
 *
 * Protocol:
 *   open() once, with optional arguments (0 or an error: then the view is
 *   discarded without close()); then any number of draw() / request() /
 *   tick() calls; then close(), which frees what open made (not v->priv).
 *   draw() is pure: it reads view and app state (store, clock, theme) and
 *   writes into the canvas; no I/O.  It may be called at any time.
 *   request() returns RES_* bits; RES_UNHANDLED lets the app try its own
 *   generic handling.  Views never call curses, never block.
 */
#ifndef LX_VIEWS_VIEW_H
#define LX_VIEWS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/canvas.h"
#include "views/request.h"

struct app;
struct view;

/* What open() gets: everything optional. */
struct view_args {
	const char *corr;        /* correlation id to show (trace) or filter on */
	const char *agent;       /* agent to filter on */
	uint64_t seq;            /* line to open (detail) or to put the cursor on */
	int64_t around_ns;       /* time to jump to (0 = none) */
	const char *query;       /* LogQL to put in the editor and run (explore) */
};

enum view_result {
	RES_UNHANDLED = 0,
	RES_HANDLED = 1 << 0,
	RES_REDRAW = 1 << 1,
	RES_QUIT = 1 << 2,
	RES_CLOSE = 1 << 3,   /* pop this view off the stack */
};

enum view_flags {
	VIEW_LIVE = 1 << 0,        /* redraws when new lines arrive */
	VIEW_SEARCHABLE = 1 << 1,  /* accepts REQ_SEARCH */
	VIEW_TAB = 1 << 2,         /* shown as a numbered tab */
};

struct view_ops {
	const char *name;          /* "tail": title, keymap name, --snapshot name */
	unsigned flags;
	size_t private_size;
	int (*open)(struct view *v, const struct view_args *args);
	void (*close)(struct view *v);
	void (*draw)(struct view *v, struct tui_canvas *c);
	int (*request)(struct view *v, enum request req, int key);
	/** A search pattern was entered ("" clears); returns RES_* bits. */
	int (*search)(struct view *v, const char *pattern, int dir);
	/** Once a second while the view is on top (may be NULL): refresh data. */
	void (*tick)(struct view *v);
	/** Text for the right side of the status bar (may be NULL). */
	void (*status)(struct view *v, char *buf, size_t size);
	/** Min rows/cols to draw anything useful (else "terminal too small"). */
	int min_rows, min_cols;
};

struct view {
	const struct view_ops *ops;
	struct app *app;
	void *priv;
	int rows, cols;     /* size of the last draw */
};

#define view_has_flags(v, f) (((v)->ops->flags & (f)) == (f))

/* The views (one exported symbol each). */
extern const struct view_ops tail_view_ops;
extern const struct view_ops detail_view_ops;
extern const struct view_ops trace_view_ops;
extern const struct view_ops dashboard_view_ops;
extern const struct view_ops alerts_view_ops;
extern const struct view_ops errors_view_ops;
extern const struct view_ops health_view_ops;
extern const struct view_ops explore_view_ops;

/** All views that can be opened by name (--snapshot, :view), NULL-terminated. */
extern const struct view_ops *const view_registry[];
const struct view_ops *view_find(const char *name);

#endif

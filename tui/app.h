/**
 * tui/app.h: the app shell.
 *
 * One struct app owns the libuv loop handles for input, signals and frame
 * timing, the log store, the theme, the screen grid and the views: a row
 * of tabs, each with a stack of views on top (Enter pushes, Esc pops, like
 * a browser's history).  Overlays (help, prompt, modal, filter menu) sit
 * above the current view.  Views read app state through this header and
 * never touch the terminal.
 *
 * Protocol: app_init(); app_add_source() for each source; either
 * app_run_tui() (interactive, returns at quit) or app_snapshot() (headless,
 * renders one frame to text); then app_release().
 */
#ifndef LX_TUI_APP_H
#define LX_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/sbuf.h"
#include "core/store.h"
#include "sources/alerts.h"
#include "sources/loki.h"
#include "sources/source.h"
#include "sources/stack.h"
#include "tui/config.h"
#include "tui/grid.h"
#include "tui/theme.h"
#include "tui/widgets.h"
#include "views/stats.h"
#include "views/view.h"

#define APP_MAX_TABS 8
#define APP_MAX_STACK 16
#define APP_MAX_SOURCES 8

enum app_overlay { OV_NONE, OV_HELP, OV_PROMPT, OV_MODAL, OV_MENU };
enum app_prompt_kind { PK_SEARCH, PK_COMMAND, PK_VIEW };

struct app_tab {
	struct view *stack[APP_MAX_STACK];
	int depth;
};

struct corr_fetch;

struct app {
	uv_loop_t *loop;
	struct config *cfg;
	struct store *store;
	struct theme theme;
	struct tui_grid *grid;
	struct term *term;              /* NULL when headless */
	int64_t fixed_now;              /* nonzero: the clock is frozen here */
	bool utc;

	struct app_tab tabs[APP_MAX_TABS];
	int ntabs, cur;
	int back[APP_MAX_STACK];        /* tabs left by following a link; Esc returns */
	int nback;

	enum app_overlay overlay;
	enum app_prompt_kind prompt_kind;
	struct tui_prompt prompt;       /* shared by search and command line */
	char search[TUI_PROMPT_MAX];    /* last search pattern */
	int help_scroll;
	char modal_title[64];
	struct sbuf modal_text;
	/* A one-key menu: the view gets the next key via menu_cb. */
	char menu_text[256];
	int (*menu_cb)(struct view *v, int key);

	char msg[256];                  /* status-bar message */
	int msg_level;                  /* 0 info, 1 warn, 2 error */
	int64_t msg_until;

	int hist_waiting;               /* sources whose history is not in yet */

	struct health_thresholds health; /* the health rules' limits (config) */
	struct loki *loki;               /* when Loki is the source: for fetches */
	const char *loki_selector;       /* the stream selector the tail follows */
	int fetching;                    /* requests headless output waits for
					  * (trace fetches, dashboard panels) */
	struct corr_fetch *fetches[8];   /* the same, to cancel at release */
	int corr_label;                  /* correlation_id a Loki label? 0 not
					  * known yet, 1 yes, 2 no */
	struct loki_req *labels_req;     /* asking /labels for that */
	struct stack *stack;             /* Loki/Prometheus readiness; NULL: none set */
	struct alerts alerts;            /* local rules, evaluated every 5 s */
	int64_t alerts_next;

	struct source *sources[APP_MAX_SOURCES];
	int nsources;
	uint64_t lines_in;

	bool dirty, quit;
	int64_t last_frame_ns;
	int frame_ms;
	uv_timer_t frame, clock;
	uv_idle_t work;                 /* app_more_work, alert slices */
	bool view_work;                 /* the top view asked for more work */
	bool alerts_turn;               /* alternates alerts and view work */
	uv_poll_t input;
	uv_signal_t sig_winch, sig_int, sig_term, sig_hup;
	bool handles_live;
};

/** Sets up the app (store, theme, tabs) without touching the terminal. */
int app_init(struct app *a, uv_loop_t *loop, struct config *cfg, struct sbuf *err);
void app_release(struct app *a);
/** The app's clock in ns since the epoch (frozen with --now). */
int64_t app_now(const struct app *a);
/** The sink sources push lines into (pushes into the store). */
struct source_sink app_sink(struct app *a);
/** Takes ownership of `s` and starts it; returns 0 or an LX_E* error. */
int app_add_source(struct app *a, struct source *s, struct sbuf *err);
/**
 * The next source added reads history and will call sink->history_done:
 * headless commands (snapshot, query, trace) wait for it.
 */
void app_expect_history(struct app *a);
/** One-line description of the live sources for the status bar. */
void app_source_desc(const struct app *a, char *buf, size_t size);

/** Starts polling Loki/Prometheus readiness for the views (either may be NULL). */
void app_watch_stack(struct app *a, const struct loki_config *loki, const struct prom_config *prom);
/**
 * Makes sure every line of correlation id `corr` is held: on Loki, by
 * label when correlation_id is a label there (/labels, asked once), as
 * `{selector, correlation_id="corr"}`, otherwise `{selector} |= "corr" |
 * json | correlation_id="corr"` (exact: not req-abcd for req-abc); over
 * the last hour, widening to 6 h, a day and a week while nothing is
 * found (by label finding nothing, the line filter is tried too).  Lines
 * not held yet are stored; the status bar says how many came.  On local
 * sources the store already has all it can.  Views notice the new lines
 * on their next draw.
 */
void app_fetch_corr(struct app *a, const char *corr);
/** The Prometheus client (PROMETHEUS_ADDR), or NULL when none is set. */
struct prom *app_prom(const struct app *a);
/**
 * A view has more work in slices (dashboard panels): its tick() is called
 * again on the next loop turn, after input and frames waiting then.
 * Headless (no terminal), views do all their work at once instead.
 */
void app_more_work(struct app *a);
/**
 * A view's own Loki request started / ended (Explore's queries, label
 * lists): headless snapshots wait for them like for app_fetch_corr().
 */
void app_fetch_begin(struct app *a);
void app_fetch_end(struct app *a);
/**
 * Evaluates the alert rules now (the clock does it every 5 s): in slices
 * between frames, or at once headless.
 */
void app_eval_alerts(struct app *a);
/** Marks the screen for redraw (rendered at most fps times a second). */
void app_dirty(struct app *a);
/** Shows a status-bar message for a few seconds. */
void app_message(struct app *a, int level, const char *fmt, ...) LX_PRINTF(3, 4);
/** Shows a modal box; Esc or Enter closes it. */
void app_modal(struct app *a, const char *title, const char *text);
/** Opens a one-key menu; `cb` gets the key (Esc cancels without a call). */
void app_menu(struct app *a, const char *text, int (*cb)(struct view *v, int key));

/** Pushes a view on the current tab's stack; returns it or NULL on error. */
struct view *app_push(struct app *a, const struct view_ops *ops, const struct view_args *args);
/** Switches to the tab whose root view is `name` (opening it if needed). */
struct view *app_switch_to(struct app *a, const char *name, const struct view_args *args);
/** The view on top of the current tab. */
struct view *app_top(const struct app *a);

/** Handles one key as if typed. */
void app_key(struct app *a, int key);
/** Runs a ':' command line ("trace req-1", "theme light", "q"). */
void app_command(struct app *a, const char *line);
/** Draws everything into a->grid. */
void app_render(struct app *a);

/** Interactive run: opens the terminal, runs the loop until quit. */
int app_run_tui(struct app *a, struct sbuf *err);
/**
 * Runs the loop until the sources settle: no new line for `settle_ms`
 * (at most `max_ms` in all); held history is then stored.
 */
void app_settle(struct app *a, int settle_ms, int max_ms);
/**
 * Headless: waits until sources settle (no new line for `settle_ms`, at
 * most `max_ms`), replays `keys` (tui_key_parse syntax), renders one frame
 * of rows x cols and appends it as text to out.
 */
int app_snapshot(struct app *a, int rows, int cols, const char *keys, int settle_ms, int max_ms,
		 bool styles, struct sbuf *out);

/** Formats a timestamp as the views show it (UTC or local per a->utc). */
void app_fmt_time(const struct app *a, int64_t ns, bool with_date, char *buf, size_t size);

#endif

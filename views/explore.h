/**
 * views/explore.h: internals shared by the Explore view's files (not a
 * public API; only views/explore_*.c include it).
 *
 *   explore_view.c     open/close, the editor, prompts, history, keys,
 *                      the frame and the ops table
 *   explore_run.c      running a query on the store or on Loki, progress,
 *                      cancel, the summary words
 *   explore_results.c  drawing log and metric results, search, open a line
 *   explore_labels.c   completion and the label browser
 *
 * All state lives in `struct explore` (v->priv, zeroed by the app).  The
 * result (`res`, `rows`, `vol`) is owned by the view and replaced by each
 * run; drawing code only reads it.
 */
#ifndef LX_VIEWS_EXPLORE_H
#define LX_VIEWS_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logql/lq.h"
#include "sources/label_cache.h"
#include "sources/loki.h"
#include "sources/qrun.h"
#include "sources/result.h"
#include "tui/canvas.h"
#include "tui/widgets.h"
#include "views/editor.h"
#include "views/history.h"
#include "views/view.h"

#define NS 1000000000LL
#define MSG_CAP 8192
#define COMP_MAX 200
#define DEFAULT_LIMIT 1000
#define MAX_LIMIT 100000
#define VOLUME_ROWS 5

enum prompt_kind { PR_NONE, PR_RANGE, PR_STEP, PR_HISTORY, PR_SAVE };

struct row {                 /* one log line of the result, newest first */
	uint32_t stream, entry;
	uint8_t level;
};

struct browse_item {
	char *value;
	size_t count;
	bool picked;
};

struct browse_counts {        /* the counts shown in the label browser (Loki) */
	bool known, fetching, bytes, capped;
	int64_t span_ns;             /* the time counted */
	int64_t range_ns;            /* Explore's range (longer when capped) */
	char err[200];
};

struct explore {
	struct editor ed;
	bool editing;
	int ed_top;                  /* first editor line shown */
	int ed_hscroll;              /* columns scrolled off the left */
	int ed_rows;                 /* editor lines shown at the last draw */
	/* Parse state of the editor text, updated on every change. */
	bool parsed_ok, is_log;
	struct lq_error err;
	/* Completion popup. */
	char *comp[COMP_MAX];
	int ncomp, comp_sel;
	size_t comp_off, comp_len;   /* the word it replaces */
	bool comp_value, comp_quoted; /* a label value; an opening quote typed */
	/* Time range: relative (range_ns > 0, ends now) or absolute. */
	int64_t range_ns, from_ns, to_ns;
	int64_t step_ns;             /* 0 = auto */
	bool instant;                /* metric queries: one evaluation at the end */
	unsigned limit;
	/* The last run. */
	struct result *res;
	char *ran;                   /* the query text that produced res */
	char run_err[600];
	struct lq_error run_perr;
	bool run_failed;
	int64_t r_from, r_to, r_step;
	bool r_log, r_cut;
	double r_ms;
	struct row *rows;
	size_t nrows;
	struct result *vol;          /* volume: sum by (level) (count_over_time) */
	int vol_nb;                  /* buckets the volume was run for */
	int vol_want;                /* buckets of the volume query in flight */
	int64_t vol_from, vol_bucket; /* first column's start; column width (ns) */
	bool pending;                /* run once the store has lines */
	/* Loki runs (explore_run.c). */
	bool r_loki;                 /* the last run went to Loki */
	bool r_partial;              /* cancelled: res holds what came */
	bool paging;                 /* `job` fetches older lines (explore__older) */
	double r_t0;                 /* monotonic ms at the start */
	struct qrun *job;            /* the query in flight, or NULL */
	struct qrun_status r_st;     /* its estimate and progress (kept after) */
	struct qrun *vol_job;        /* the volume query in flight (Loki) */
	struct qrun_status vol_st;   /* its progress */
	struct label_cache *lc;      /* Loki labels and values; NULL locally */
	bool comp_wait;              /* Tab asked Loki: refresh when it answers */
	size_t comp_wait_cur, comp_wait_len;
	/* Results navigation. */
	size_t sel, top;
	int page;
	int hscroll;
	bool table;
	int pick;                    /* series picker: -1 = all */
	char pat[TUI_PROMPT_MAX];
	/* Prompts inside the view (range, step, history search, save). */
	enum prompt_kind pk;
	struct tui_prompt pr;
	long hfound;                 /* history search: current match */
	char hs_before[EDITOR_MAX];  /* history search: the text to restore */
	/* History. */
	struct history hist, saved;
	bool hist_loaded;
	long hpos;                   /* Up/Down browsing; hist.n = not browsing */
	char hsaved[EDITOR_MAX];
	int64_t esc_ns;              /* for Alt-Enter = Esc + Enter */
	/* Label browser. */
	bool browsing;
	char **b_labels;             /* the label names listed (owned) */
	int b_nlabels;
	int b_label, b_sel, b_top;
	char b_want[64];             /* the label to start at (the query's first) */
	bool b_on_values;
	bool b_loading;              /* values asked from Loki, not in yet */
	struct browse_item *b_items;
	size_t b_n;
	struct browse_counts b_cnt;
	struct browse_pick {         /* picked values of one label */
		char name[64];
		char vals[512];      /* 0x1f between values */
	} b_picks[16];
	int page_rows;
};

static inline struct explore *
E(struct view *v)
{
	return v->priv;
}

/* ---- explore_view.c ---- */

/** Parses the editor text again: parsed_ok, is_log and err. */
void explore__reparse(struct view *v);
/** The time range a run would use now, in ns. */
void explore__current_range(struct view *v, int64_t *from, int64_t *to);
/** Closes the completion popup and frees its items. */
void explore__comp_close(struct explore *e);

/* ---- explore_run.c ---- */

/** Runs the editor's query (cancelling one in flight). */
void explore__run(struct view *v);
/**
 * O on a log result cut by the limit: fetches the next `limit` older
 * lines (from the oldest shown, inclusive, skipping the lines shown at
 * that timestamp) and appends them; the volume stays.
 */
void explore__older(struct view *v);
/**
 * Esc during a Loki run: stops it, keeps the partial result; or stops the
 * volume query that follows a log query (the bars then count the lines
 * shown).  False when nothing is in flight.
 */
bool explore__cancel(struct view *v);
/** Cancels what is in flight and frees the last result. */
void explore__run_free(struct view *v);
/**
 * The histogram is `nb` columns wide: when the volume was run for another
 * width (the first run came before the view was drawn, or a resize), it
 * runs again for this one.
 */
void explore__volume_fit(struct view *v, int nb);
/** The words of the separator line: result, limit, backend or progress. */
void explore__summary(struct view *v, char *buf, size_t size);
/** 1536 -> "1.5 KiB". */
void explore__fmt_bytes(uint64_t b, char *buf, size_t size);
/** The results area while a Loki run is in flight: estimate, plan, bar. */
void explore__draw_progress(struct view *v, struct tui_canvas *c);

/* ---- explore_labels.c ---- */

/** Tab: fills the popup from lq_complete() and the store; one item is inserted. */
void explore__complete(struct view *v);
/** Inserts popup item `i` over the word being completed and closes the popup. */
void explore__comp_accept(struct view *v, int i);
/** Opens the label browser (labels from the store, or Loki when on Loki). */
void explore__browser_open(struct view *v);
/** Loads the values (with line counts) of the browser's current label. */
void explore__browser_load(struct view *v);
void explore__browser_free(struct explore *e);
/** label_cache callback: a list from Loki arrived (name NULL: label names). */
void explore__labels_changed(void *ud, const char *name);
void explore__draw_browser(struct view *v, struct tui_canvas *c);
/** Keys while the browser is open; RES_* bits as view_ops.request. */
int explore__browser_request(struct view *v, enum request req, int key);

/* ---- explore_results.c ---- */

void explore__draw_logs(struct view *v, struct tui_canvas *c);
void explore__draw_metric(struct view *v, struct tui_canvas *c);
/** Enter on a log line: the detail view when the store has it, else a modal. */
void explore__open_line(struct view *v);
/** view_ops.search over the result's lines. */
int explore__search(struct view *v, const char *pat, int dir);

#endif

/**
 * tui/widgets.h: small drawing widgets over a canvas.
 *
 * Stateless widgets (sparkline, bar, gauge, column layout, modal) draw and
 * return; the prompt keeps its own edit state and history.  All draw only
 * through tui/canvas.h, in theme slots.
 */
#ifndef LX_TUI_WIDGETS_H
#define LX_TUI_WIDGETS_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/canvas.h"

/* ---- sparkline, bars, gauges ---- */

/**
 * Draws `n` values as a one-row sparkline at the cursor (one cell each,
 * eighth blocks; ASCII ramp when tui_ascii).  `max` <= 0 means the
 * maximum of the values.  Values >= `spike` (if > 0) use `spike_style`.
 */
void tui_sparkline(struct tui_canvas *c, uint16_t style, const double *v, int n, double max,
		   double spike, uint16_t spike_style);
/** Horizontal bar of `frac` (0..1) of `width` cells with eighth blocks. */
void tui_hbar(struct tui_canvas *c, uint16_t style, double frac, int width);
/**
 * Gauge: a bar coloured ok/warn/bad by `frac` against the thresholds, then
 * the label.  Uses `width` cells in all.
 */
void tui_gauge(struct tui_canvas *c, double frac, double warn, double bad, int width,
	       const char *label);

/* ---- table columns ---- */

struct tui_column {
	const char *title;
	int min, max;        /* width bounds; max 0 = no bound */
	int weight;          /* share of spare width; 0 = fixed at min */
	enum tui_align align;
	bool hidden;
};

/**
 * Lays out `n` columns in `width` cells with one space between visible
 * ones: every visible column gets `min`, spare width goes to weighted
 * columns up to their `max`; columns that do not fit at all get 0.
 */
void tui_columns_layout(const struct tui_column *cols, int n, int width, int *out);
/** Draws the column titles in THEME_HEADER on row `y`. */
void tui_columns_header(struct tui_canvas *c, int y, const struct tui_column *cols,
			const int *widths, int n);

/* ---- one-line text input with cursor editing and history ---- */

#define TUI_PROMPT_MAX 2048
#define TUI_PROMPT_HIST 64

enum tui_prompt_result { PROMPT_NONE, PROMPT_CHANGED, PROMPT_DONE, PROMPT_CANCEL };

struct tui_prompt {
	char label[32];
	char buf[TUI_PROMPT_MAX];
	size_t len, cur;              /* bytes; cur is on a UTF-8 boundary */
	char *hist[TUI_PROMPT_HIST];  /* owned, oldest first */
	int nhist, hpos;
	char saved[TUI_PROMPT_MAX];   /* the line being edited while browsing history */
};

void tui_prompt_begin(struct tui_prompt *p, const char *label, const char *init);
/** Handles a key; DONE on Enter (text added to history), CANCEL on Esc. */
enum tui_prompt_result tui_prompt_key(struct tui_prompt *p, int key);
/** Draws label, text and cursor on one row, scrolling to keep the cursor visible. */
void tui_prompt_draw(const struct tui_prompt *p, struct tui_canvas *c);
void tui_prompt_free_history(struct tui_prompt *p);
void tui_prompt_add_history(struct tui_prompt *p, const char *line);

/* ---- modal message ---- */

/** Draws a centred box with a title and text (lines split on '\n'). */
void tui_modal(struct tui_canvas *c, const char *title, const char *text, uint16_t style);

#endif

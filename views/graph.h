/**
 * views/graph.h: charts for the Explore view, drawn into a canvas.
 *
 * A line graph of metric series (braille dots, 2x4 per cell; '*' points
 * with tui_ascii) with a value axis, a time axis and a legend, and a
 * stacked column histogram of log volume by level.  Also the arithmetic
 * behind them: nice axis bounds, compact numbers, automatic step.
 * Everything here is pure: inputs are borrowed for the call only.
 */
#ifndef LX_VIEWS_GRAPH_H
#define LX_VIEWS_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/scan.h"
#include "sources/result.h"
#include "tui/canvas.h"

/** A value axis: lo..hi in `n` steps of `step` (lo, hi multiples of step). */
struct graph_axis {
	double lo, hi, step;
	int n;
};

/**
 * Picks a "nice" axis covering [min, max] with about `ticks` intervals:
 * step is 1, 2, 2.5 or 5 times a power of ten.  An empty span (min ==
 * max) is widened around the value; non-finite input gives 0..1.
 */
void graph_nice(double min, double max, int ticks, struct graph_axis *ax);

/** Compact number: "0", "12", "1.5", "0.025", "12.3k", "4.5M", "-2". */
void graph_fmt(double v, char *buf, size_t size);

/**
 * Step for a range query over `range_ns` drawn `cols` cells wide: about one
 * point per cell, rounded up to a nice duration (1s 2s 5s 10s 15s 30s 1m
 * 2m 5m 10m 15m 30m 1h 2h 3h 6h 12h 1d); never below 1s.
 */
int64_t graph_auto_step(int64_t range_ns, int cols);

/* ---- line graph ---- */

struct graph_opts {
	int64_t from_ms, to_ms;   /* the time axis */
	int64_t step_ms;          /* gaps longer than 1.5 steps break the line */
	int pick;                 /* -1: all series; else only that one */
	bool utc;
};

/**
 * Draws `n` series into the whole canvas: value axis on the left, time
 * axis under the plot and no legend (the caller draws that with
 * graph_legend()).  Series i uses THEME_PALETTE_0 + i % 8.
 */
void graph_lines(struct tui_canvas *c, const struct res_series *s, size_t n,
		 const struct graph_opts *o);

/**
 * One legend row per series from `first` on, as many as fit: a marker in
 * the series colour, its labels, and last / min / max.  The picked series
 * (pick >= 0) is marked with '>'.
 */
void graph_legend(struct tui_canvas *c, const struct res_series *s, size_t n, size_t first,
		  int pick);

/* ---- log volume ---- */

/** Cells left of the volume columns for the count axis. */
#define GRAPH_VOLUME_AXIS 6

/**
 * Draws log volume as stacked columns: counts[i * LVL__COUNT + lvl] is
 * bucket i's count for level lvl; one column per bucket (nb <= c->w -
 * GRAPH_VOLUME_AXIS).  Errors stack at the bottom, then warnings, info, debug.
 * The top row carries the peak count; the last row the time axis from
 * `from_ns` to `to_ns`.
 */
void graph_volume(struct tui_canvas *c, const uint32_t *counts, int nb, int64_t from_ns,
		  int64_t to_ns, bool utc);

/** Cells of the value axis graph_lines() puts left of the plot. */
int graph_axis_width(const struct graph_axis *ax);

#endif

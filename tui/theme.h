/**
 * tui/theme.h: style slots and theme files.
 *
 * Views draw with slot ids only (THEME_LOG_ERROR, THEME_SELECTION...);
 * a theme maps each slot to foreground, background and attributes.  The
 * slot list is one X-macro, which gives the enum, the names used in theme
 * files and the help text.  Themes are data files (themes/NAME.theme) with
 * lines `color <slot> <fg> <bg> [bold|dim|underline|reverse|italic]`;
 * colours are names (black red green yellow blue magenta cyan white, and
 * bright-*), 0-255, #rrggbb, or `default`.  The dark theme is also compiled
 * in and parsed by the same loader.
 */
#ifndef LX_TUI_THEME_H
#define LX_TUI_THEME_H

#include <stddef.h>
#include <stdint.h>

#define THEME_SLOTS(_)                                   \
	_(NORMAL, "normal")                              \
	_(MUTED, "muted")                                \
	_(BORDER, "border")                              \
	_(TITLE, "title")                                \
	_(TAB, "tab")                                    \
	_(TAB_ACTIVE, "tab.active")                      \
	_(HEADER, "header")                              \
	_(STATUS, "status")                              \
	_(STATUS_KEY, "status.key")                      \
	_(STATUS_LIVE, "status.live")                    \
	_(STATUS_PAUSED, "status.paused")                \
	_(SELECTION, "selection")                        \
	_(SEARCH, "search")                              \
	_(CTRL, "ctrl")                                  \
	_(ERROR, "error")                                \
	_(OK, "ok")                                      \
	_(WARN, "warn")                                  \
	_(LOG_TRACE, "log.trace")                        \
	_(LOG_DEBUG, "log.debug")                        \
	_(LOG_INFO, "log.info")                          \
	_(LOG_WARN, "log.warn")                          \
	_(LOG_ERROR, "log.error")                        \
	_(LOG_FATAL, "log.fatal")                        \
	_(TIME, "time")                                  \
	_(AGENT, "agent")                                \
	_(COMPONENT, "component")                        \
	_(CORR, "correlation")                           \
	_(DURATION, "duration")                          \
	_(DURATION_SLOW, "duration.slow")                \
	_(LABEL_KEY, "label.key")                        \
	_(LABEL_VALUE, "label.value")                    \
	_(SPARK, "sparkline")                            \
	_(SPARK_PEAK, "sparkline.peak")                  \
	_(BAR, "bar")                                    \
	_(GAUGE_OK, "gauge.ok")                          \
	_(GAUGE_WARN, "gauge.warn")                      \
	_(GAUGE_BAD, "gauge.bad")                        \
	_(CRITICAL, "critical")                          \
	_(MARK, "mark")                                  \
	_(INPUT, "input")                                \
	_(HELP_KEY, "help.key")                          \
	_(MODAL, "modal")                                \
	_(PALETTE_0, "palette.0")                        \
	_(PALETTE_1, "palette.1")                        \
	_(PALETTE_2, "palette.2")                        \
	_(PALETTE_3, "palette.3")                        \
	_(PALETTE_4, "palette.4")                        \
	_(PALETTE_5, "palette.5")                        \
	_(PALETTE_6, "palette.6")                        \
	_(PALETTE_7, "palette.7")

enum theme_slot {
#define _(id, name) THEME_##id,
	THEME_SLOTS(_)
#undef _
	THEME__COUNT
};

#define THEME_PALETTE_N 8

enum theme_attr {
	THEME_A_BOLD = 1 << 0,
	THEME_A_DIM = 1 << 1,
	THEME_A_UNDERLINE = 1 << 2,
	THEME_A_REVERSE = 1 << 3,
	THEME_A_ITALIC = 1 << 4,
};

/* A colour: -1 default, 0..255 indexed, or THEME_RGB(r,g,b) for truecolor. */
#define THEME_RGB_FLAG 0x1000000
#define THEME_RGB(r, g, b) (THEME_RGB_FLAG | ((r) << 16) | ((g) << 8) | (b))

struct theme_style {
	int32_t fg, bg;
	uint8_t attrs;
};

struct theme {
	char name[32];
	struct theme_style slot[THEME__COUNT];
};

/** Name of a slot as written in theme files ("log.error"). */
const char *theme_slot_name(enum theme_slot s);
/** Palette slot for a string (stable hash), e.g. to colour agent names. */
enum theme_slot theme_palette_for(const char *s, size_t n);
/** Slot for a log level (LVL_* from core/scan.h). */
enum theme_slot theme_level_slot(int level);

/**
 * Parses theme text into `t` (which should start as a copy of a base
 * theme).  Errors are reported as "path:line:col: message" lines into
 * `errbuf` (NUL-terminated, may be cut); reading continues past errors.
 * Returns the number of errors.
 */
int theme_parse(struct theme *t, const char *path, const char *text, char *errbuf, size_t errlen);
/** The built-in dark theme (compiled from themes/dark.theme). */
void theme_builtin(struct theme *t);
/** The attribute-only monochrome theme used for NO_COLOR. */
void theme_mono(struct theme *t);
/**
 * Loads theme NAME: a path if it contains '/', else NAME.theme from
 * $XDG_CONFIG_HOME/iftop-logs/themes, the install dir, then ./themes.
 * Returns the error count (-1 when not found, with a message in errbuf).
 */
int theme_load(struct theme *t, const char *name, char *errbuf, size_t errlen);

#endif

/**
 * views/request.h: every user action, listed once.
 *
 * The X-macro gives the request enum, the names used by `bind` lines in
 * the config file, and the help overlay (generated from it together with
 * the default key table in tui/keymap.c).
 */
#ifndef LX_VIEWS_REQUEST_H
#define LX_VIEWS_REQUEST_H

#define REQ_INFO(REQ_GROUP, REQ_)                                               \
	REQ_GROUP("Navigation")                                                 \
	REQ_(SCROLL_DOWN, "Move down one line")                                 \
	REQ_(SCROLL_UP, "Move up one line")                                     \
	REQ_(PAGE_DOWN, "Move down one page")                                   \
	REQ_(PAGE_UP, "Move up one page")                                       \
	REQ_(MOVE_FIRST, "Go to the first line")                                \
	REQ_(MOVE_LAST, "Go to the last line")                                  \
	REQ_(SCROLL_LEFT, "Scroll left")                                        \
	REQ_(SCROLL_RIGHT, "Scroll right")                                      \
	REQ_GROUP("Views")                                                      \
	REQ_(NEXT_VIEW, "Next view")                                            \
	REQ_(PREV_VIEW, "Previous view")                                        \
	REQ_(VIEW_1, "View 1 (tail)")                                           \
	REQ_(VIEW_2, "View 2 (trace)")                                                  \
	REQ_(VIEW_3, "View 3 (errors)")                                                  \
	REQ_(VIEW_4, "View 4 (health)")                                                  \
	REQ_(VIEW_5, "View 5 (explore)")                                                 \
	REQ_(VIEW_6, "View 6 (alerts)")                                                      \
	REQ_(VIEW_7, "View 7 (dashboards)")                                              \
	REQ_(VIEW_8, "View 8")                                                  \
	REQ_(ENTER, "Open the selected line / item")                            \
	REQ_(BACK, "Close the overlay or go back")                              \
	REQ_(HELP, "Show this help")                                            \
	REQ_(COMMAND, "Command line (:help for commands)")                      \
	REQ_(REDRAW, "Redraw the screen")                                       \
	REQ_(QUIT, "Quit")                                                      \
	REQ_GROUP("Search")                                                     \
	REQ_(SEARCH, "Search (case-insensitive unless upper case is typed)")    \
	REQ_(SEARCH_NEXT, "Next match")                                         \
	REQ_(SEARCH_PREV, "Previous match")                                     \
	REQ_GROUP("Logs")                                                       \
	REQ_(PAUSE, "Pause / resume following")                                 \
	REQ_(FOLLOW, "Follow new lines")                                        \
	REQ_(NEXT_ERROR, "Next ERROR/FATAL line")                               \
	REQ_(PREV_ERROR, "Previous ERROR/FATAL line")                           \
	REQ_(FILTER, "Quick filter: level, agent, component, request")          \
	REQ_(CLEAR_FILTER, "Clear all filters")                                 \
	REQ_(FILTER_AGENT, "Only this line's agent")                            \
	REQ_(OPEN_TRACE, "Open this line's request waterfall")                  \
	REQ_(TOGGLE_UTC, "Toggle UTC / local time")                             \
	REQ_(TOGGLE_CORR, "Show / hide the correlation id column")              \
	REQ_(TOGGLE_COMPONENT, "Show / hide the component column")             \
	REQ_(TOGGLE_DURATION, "Show / hide the duration column")                \
	REQ_(TOGGLE_WRAP, "Wrap long messages")                                 \
	REQ_(TOGGLE_SGR, "Render ANSI colour codes in messages as colours")     \
	REQ_(TOGGLE_RAW, "Show the raw line instead of the message")            \
	REQ_GROUP("Trace")                                                      \
	REQ_(COLLAPSE, "Collapse / expand the selected agent's lane")           \
	REQ_(ZOOM_IN, "Zoom into the selected span")                            \
	REQ_(ZOOM_OUT, "Zoom out to the whole request")                         \
	REQ_(PREV_TRACE, "Previous request")                                    \
	REQ_(NEXT_TRACE, "Next request")                                        \
	REQ_(TRACE_LIST, "List of requests: slowest and failed first")          \
	REQ_(AGENT_TAIL, "Tail of the selected agent around this time")         \
	REQ_(AGENT_HEALTH, "Health panel of the selected span's agent")         \
	REQ_GROUP("Dashboards")                                                 \
	REQ_(SORT, "Change the sort order")                                     \
	REQ_(WINDOW, "Change the time window: 1m, 5m, 15m, 1h")                 \
	REQ_(TOGGLE_UNHEALTHY, "Show only unhealthy agents / all agents")      \
	REQ_(PREV_BOARD, "Previous dashboard")                                  \
	REQ_(NEXT_BOARD, "Next dashboard")                                      \
	REQ_GROUP("Explore")                                                    \
	REQ_(EDIT_QUERY, "Edit the query (Esc returns to the results)")         \
	REQ_(RUN_QUERY, "Run the query again")                                  \
	REQ_(TIME_RANGE, "Time range: 5m, 1h, 24h, 7d or FROM,TO (RFC 3339)")   \
	REQ_(STEP, "Step of metric queries: auto or a duration")                \
	REQ_(TOGGLE_GRAPH, "Metric result as graph / table")                    \
	REQ_(TOGGLE_INSTANT, "Metric query over the range / instant (at its end)") \
	REQ_(NEXT_SERIES, "Graph: show only the next series")                   \
	REQ_(PREV_SERIES, "Graph: show only the previous series")               \
	REQ_(RAISE_LIMIT, "Raise the line limit (x10) and run again")           \
	REQ_(OLDER_LINES, "Fetch the next page of older lines (a cut result)")  \
	REQ_(DOCTOR, "Query doctor: what is wrong, how to fix it, cost")        \
	REQ_(FORMAT_QUERY, "Pretty-format the query")                           \
	REQ_(HISTORY_SEARCH, "Search the query history")                        \
	REQ_(SAVE_QUERY, "Save the query under a name")                         \
	REQ_(OPEN_SAVED, "Open a saved query")                                  \
	REQ_(LABELS, "Label browser: pick values to build a selector")

enum request {
	REQ_NONE = 0,
#define REQ_GROUP_(g)
#define REQ_ENUM_(id, help) REQ_##id,
	REQ_INFO(REQ_GROUP_, REQ_ENUM_)
#undef REQ_GROUP_
#undef REQ_ENUM_
	REQ_UNKNOWN,
	REQ__COUNT
};

#endif

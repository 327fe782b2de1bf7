/**
 * sources/stack.h: is the logging stack healthy?  Polls Loki /ready and
 * Prometheus /-/ready, /api/v1/targets and /api/v1/alerts every few
 * seconds on the loop and keeps the latest answer for the views (health
 * strip, alerts view, status bar).
 *
 * Protocol: stack_new() starts polling at once (nothing is polled for a
 * server whose config is NULL); `changed` is called from loop callbacks
 * after each answer; stack_free() cancels requests and closes the timer
 * (memory goes in the close callback).
 */
#ifndef LX_SOURCES_STACK_H
#define LX_SOURCES_STACK_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sources/loki.h"
#include "sources/prom.h"

enum stack_state { STACK_OFF, STACK_CHECKING, STACK_UP, STACK_DOWN };

struct stack_status {
	enum stack_state loki, prom;
	char loki_msg[600], prom_msg[600];   /* why DOWN, in plain words */
	int targets_up, targets_down;
	char down_targets[200];              /* "job/instance, ..." */
	struct prom_status *alerts;          /* latest /api/v1/alerts; owned */
	size_t prom_firing, prom_pending;
};

struct stack;

/** Returns a new poller (NULL configs: that server is not configured). */
struct stack *stack_new(uv_loop_t *loop, const struct loki_config *loki, const struct prom_config *prom,
			void (*changed)(void *ud), void *ud);
void stack_free(struct stack *s);
/** The latest status (borrowed until the next loop turn). */
const struct stack_status *stack_status(const struct stack *s);
const char *stack_state_str(enum stack_state st);
/** The poller's Prometheus client, for other queries (NULL: none set). */
struct prom *stack_prom(const struct stack *s);

#endif

/*
 * sources/stack.c: periodic readiness, targets and alerts polling.
 * Each round sends one request per endpoint; a request still running when
 * the next round starts is left to finish (no pile-up: one in flight each).
 */
#include "sources/stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

#define POLL_MS 10000

struct stack {
	struct http *http;
	struct loki *loki;
	struct prom *prom;
	uv_timer_t *timer;
	struct stack_status st;
	void (*changed)(void *ud);
	void *ud;
	struct loki_req *lr;
	struct prom_req *pr, *tr, *ar;
};

const char *
stack_state_str(enum stack_state st)
{
	static const char *const names[] = { "not configured", "checking", "ready", "down" };
	return names[st];
}

static void
notify(struct stack *s)
{
	if (s->changed)
		s->changed(s->ud);
}

static void
loki_ready_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct stack *s = ud;
	s->lr = NULL;
	s->st.loki = err ? STACK_DOWN : STACK_UP;
	snprintf(s->st.loki_msg, sizeof(s->st.loki_msg), "%s", err ? err->msg : "");
	result_free(res);
	notify(s);
}

static void
prom_ready_cb(void *ud, const struct res_error *err, struct result *res)
{
	struct stack *s = ud;
	s->pr = NULL;
	s->st.prom = err ? STACK_DOWN : STACK_UP;
	snprintf(s->st.prom_msg, sizeof(s->st.prom_msg), "%s", err ? err->msg : "");
	result_free(res);
	notify(s);
}

static void
targets_cb(void *ud, const struct res_error *err, struct prom_status *ps)
{
	struct stack *s = ud;
	s->tr = NULL;
	if (!err && ps) {
		s->st.targets_up = s->st.targets_down = 0;
		size_t len = 0;
		s->st.down_targets[0] = '\0';
		for (size_t i = 0; i < ps->ntargets; i++) {
			if (!strcmp(ps->targets[i].health, "up")) {
				s->st.targets_up++;
				continue;
			}
			s->st.targets_down++;
			const char *job = res_labels_get(&ps->targets[i].labels, "job");
			const char *inst = res_labels_get(&ps->targets[i].labels, "instance");
			if (len < sizeof(s->st.down_targets))
				len += (size_t)snprintf(s->st.down_targets + len, sizeof(s->st.down_targets) - len, "%s%s/%s",
							len ? ", " : "", job ? job : "?", inst ? inst : "?");
		}
	}
	prom_status_free(ps);
	notify(s);
}

static void
alerts_cb(void *ud, const struct res_error *err, struct prom_status *ps)
{
	struct stack *s = ud;
	s->ar = NULL;
	if (err || !ps) {
		prom_status_free(ps);
		return;
	}
	prom_status_free(s->st.alerts);
	s->st.alerts = ps;
	s->st.prom_firing = s->st.prom_pending = 0;
	for (size_t i = 0; i < ps->nalerts; i++) {
		if (!strcmp(ps->alerts[i].state, "firing"))
			s->st.prom_firing++;
		else
			s->st.prom_pending++;
	}
	notify(s);
}

static void
poll_cb(uv_timer_t *t)
{
	struct stack *s = t->data;
	if (s->loki && !s->lr)
		s->lr = loki_ready(s->loki, loki_ready_cb, s);
	if (s->prom) {
		if (!s->pr)
			s->pr = prom_ready(s->prom, prom_ready_cb, s);
		if (!s->tr)
			s->tr = prom_targets(s->prom, targets_cb, s);
		if (!s->ar)
			s->ar = prom_alerts(s->prom, alerts_cb, s);
	}
}

struct stack *
stack_new(uv_loop_t *loop, const struct loki_config *loki, const struct prom_config *prom,
	  void (*changed)(void *ud), void *ud)
{
	struct stack *s = xcalloc(1, sizeof(*s));
	s->changed = changed;
	s->ud = ud;
	if (loki || prom)
		s->http = http_new(loop);
	if (loki && loki->url && *loki->url) {
		s->loki = loki_new(s->http, loki);
		s->st.loki = STACK_CHECKING;
	}
	if (prom && prom->url && *prom->url) {
		s->prom = prom_new(s->http, prom);
		s->st.prom = STACK_CHECKING;
	}
	if (s->loki || s->prom) {
		s->timer = xmalloc(sizeof(*s->timer));
		uv_timer_init(loop, s->timer);
		s->timer->data = s;
		uv_timer_start(s->timer, poll_cb, 0, POLL_MS);
	}
	return s;
}

static void
free_timer(uv_handle_t *h)
{
	free(h);
}

void
stack_free(struct stack *s)
{
	if (!s)
		return;
	if (s->timer) {
		uv_timer_stop(s->timer);
		uv_close((uv_handle_t *)s->timer, free_timer);
	}
	loki_free(s->loki);
	prom_free(s->prom);
	http_free(s->http);
	prom_status_free(s->st.alerts);
	free(s);
}

const struct stack_status *
stack_status(const struct stack *s)
{
	return &s->st;
}

struct prom *
stack_prom(const struct stack *s)
{
	return s->prom;
}

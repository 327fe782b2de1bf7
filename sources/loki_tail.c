/*
 * sources/loki_tail.c: the Loki live tail source (loki_tail_source_new):
 * websocket (sources/ws.c) or polling, backfill after reconnects and
 * de-duplication of replayed lines.  Requests go through sources/loki.c.
 * Never draws.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "sources/loki_internal.h"
#include "sources/ws.h"

/* ---- live tail ---- */

/*
 * The tail delivers each line once.  Every delivered line's key (hash of
 * timestamp, labels and text) goes into `seen`; replays from a websocket
 * reconnect, a backfill or an overlapping poll are dropped there.  Keys
 * older than TAIL_SEEN_WINDOW behind the newest line are pruned.
 */
#define TAIL_SEEN_WINDOW_NS (10LL * 60 * 1000000000LL)
#define TAIL_MAX_BACKOFF_MS 30000

enum tail_mode { T_CONNECTING, T_WS, T_POLL };

struct seen_set {
	uint64_t *key;               /* 0 = empty */
	int64_t *ts;
	size_t cap, n;
	int64_t max_ts;
};

struct tail {
	struct source *src;
	uv_loop_t *loop;
	struct loki *lk;
	struct source_sink sink;
	char *query;
	struct loki_tail_config cfg;
	uv_timer_t timer;
	struct ws *ws;
	bool ws_up;                  /* current websocket finished its handshake */
	struct loki_req *req;
	enum tail_mode mode;
	bool stopped, had_ws, backfilling, recover_next_poll;
	bool history_said;           /* sink->history_done was called */
	struct result *pending;      /* websocket lines held during a backfill */
	int64_t last_ts;
	int64_t first_ts;            /* the tail's start: never read before it */
	uint64_t next_ws_try;        /* polling: loop time of the next upgrade probe */
	bool history_started;
	bool ws_impossible;          /* the URL is not one ws_open() takes */
	long backoff;
	int conn_failures;
	struct seen_set seen;
	struct loki_tail_stats st;
	size_t recovered_mark;
};

static uint64_t
entry_hash(int64_t ts, const char *labels, const char *line, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)ts;
	for (const char *p = labels; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h = (h ^ 0x1f) * 1099511628211ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)line[i]) * 1099511628211ull;
	return h ? h : 1;
}

static void
seen_insert_raw(struct seen_set *s, uint64_t k, int64_t ts)
{
	size_t m = s->cap - 1;
	for (size_t i = k & m;; i = (i + 1) & m)
		if (!s->key[i]) {
			s->key[i] = k;
			s->ts[i] = ts;
			s->n++;
			return;
		}
}

static void
seen_rehash(struct seen_set *s, size_t cap)
{
	uint64_t *ok = s->key;
	int64_t *ots = s->ts;
	size_t ocap = s->cap;
	s->key = xcalloc(cap, sizeof(uint64_t));
	s->ts = xcalloc(cap, sizeof(int64_t));
	s->cap = cap;
	s->n = 0;
	for (size_t i = 0; i < ocap; i++)
		if (ok[i] && ots[i] >= s->max_ts - TAIL_SEEN_WINDOW_NS)
			seen_insert_raw(s, ok[i], ots[i]);
	free(ok);
	free(ots);
}

/* Returns true when the key was new (and records it). */
static bool
seen_add(struct seen_set *s, uint64_t k, int64_t ts)
{
	if (!s->cap)
		seen_rehash(s, 1024);
	size_t m = s->cap - 1;
	for (size_t i = k & m; s->key[i]; i = (i + 1) & m)
		if (s->key[i] == k)
			return false;
	if (ts > s->max_ts)
		s->max_ts = ts;
	if ((s->n + 1) * 2 > s->cap) {
		seen_rehash(s, s->cap);              /* prune old keys first */
		if ((s->n + 1) * 2 > s->cap)
			seen_rehash(s, s->cap * 2);
	}
	seen_insert_raw(s, k, ts);
	return true;
}

static void tail_schedule(struct tail *t, long ms);
static void tail_ws_connect(struct tail *t);

static void LX_PRINTF(3, 4)
tail_status(struct tail *t, enum source_status_level lvl, const char *fmt, ...)
{
	if (t->stopped || !t->sink.status)
		return;
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	http_auth_scrub(&t->lk->api.ac.auth, msg, sizeof(msg));
	t->sink.status(t->sink.ud, lvl, msg);
}

static void
tail_desc(struct tail *t)
{
	if (t->stopped)
		return;
	const char *m = t->mode == T_WS ? "websocket" : t->mode == T_POLL ? "polling" :
			"connecting";
	snprintf(t->src->desc, sizeof(t->src->desc), "loki %s %.70s lag %.1fs", m, t->query,
		 t->st.lag_s);
}

/* Hands new lines of `r` to the sink in time order; returns how many. */
static size_t
tail_deliver(struct tail *t, struct result *r, bool recovered)
{
	size_t n, count = 0;
	struct res_ref *refs = result_sorted(r, true, &n);
	char **origin = xcalloc(r->nstreams ? r->nstreams : 1, sizeof(char *));
	for (size_t i = 0; i < r->nstreams; i++) {
		struct sbuf o = SBUF_INIT;
		res_labels_format(&r->streams[i].labels, &o);
		origin[i] = sbuf_detach(&o, NULL);
	}
	for (size_t i = 0; i < n && !t->stopped; i++) {
		struct res_entry *e = &r->streams[refs[i].stream].v[refs[i].entry];
		const char *org = origin[refs[i].stream];
		if (!seen_add(&t->seen, entry_hash(e->ts_ns, org, e->line, e->len), e->ts_ns)) {
			t->st.duplicates++;
			continue;
		}
		if (e->ts_ns > t->last_ts)
			t->last_ts = e->ts_ns;
		t->st.lines++;
		if (recovered)
			t->st.recovered++;
		count++;
		if (t->sink.line)
			t->sink.line(t->sink.ud, e->line, e->len, e->len, org, e->ts_ns);
	}
	for (size_t i = 0; i < r->nstreams; i++)
		free(origin[i]);
	free(origin);
	free(refs);
	if (count && !t->stopped) {
		t->st.last_ts_ns = t->last_ts;
		double lag = (double)(loki_now_ns() - t->last_ts) / 1e9;
		t->st.lag_s = lag < 0 ? 0 : lag;
		tail_desc(t);
	}
	return count;
}

static void
tail_merge_pending(struct tail *t, struct result *r)
{
	for (size_t i = 0; i < r->nstreams; i++) {
		struct res_stream *s = &r->streams[i];
		struct res_stream *d = result_stream(t->pending, &s->labels);
		for (size_t j = 0; j < s->n; j++)
			res_stream_add(d, s->v[j].ts_ns, s->v[j].line, s->v[j].len);
	}
}

/*
 * Fetches forward from a little before the last line seen: lines can be
 * ingested out of order (several pushers, retries), so one stamped just
 * before the last line may arrive after it.  The overlap is re-read and
 * de-duplicated by `seen`.
 */
static struct loki_req *
tail_range(struct tail *t, loki_done_fn cb, long overlap_ms)
{
	int64_t from = t->last_ts - (int64_t)overlap_ms * 1000000LL;
	if (from < t->first_ts)
		from = t->first_ts;
	struct loki_query q = {
		.query = t->query,
		.start_ns = from,
		.end_ns = loki_now_ns() + 1000000000LL,
		.limit = t->cfg.backfill_limit,
		.page_size = 1000,
		.forward = true,
	};
	return loki_query_range(t->lk, &q, cb, t);
}

/* Tells the sink the history asked for at start is in (once). */
static void
tail_say_history_done(struct tail *t)
{
	if (t->history_said || t->stopped)
		return;
	t->history_said = true;
	if (t->sink.history_done)
		t->sink.history_done(t->sink.ud);
}

static void
tail_backfill_done(void *ud, const struct res_error *err, struct result *res)
{
	struct tail *t = ud;
	t->req = NULL;
	t->backfilling = false;
	size_t before = t->st.recovered;
	if (err) {
		tail_status(t, SRC_WARN, "backfill after reconnect failed: %s; lines since the drop may be missing",
			    err->msg);
	} else {
		tail_deliver(t, res, true);
		if (res->limit.cut && !t->cfg.history_limit_asked)
			tail_status(t, SRC_WARN, "backfill stopped at %zu lines; the rest of the gap before the reconnect is not shown",
				    res->limit.shown);
		result_free(res);
	}
	if (t->pending) {
		tail_deliver(t, t->pending, false);
		result_free(t->pending);
		t->pending = NULL;
	}
	tail_status(t, SRC_INFO, "tail reconnected: %zu lines recovered, %zu known lost so far",
		    t->st.recovered - before, t->st.lost);
	if (t->mode == T_WS && t->cfg.sweep_ms > 0)
		tail_schedule(t, t->cfg.sweep_ms);
}

/* The tail's history (first_ts .. now) arrived: the newest lines up to
 * backfill_limit, then whatever the websocket sent meanwhile. */
static void
tail_history_done(void *ud, const struct res_error *err, struct result *res)
{
	struct tail *t = ud;
	t->req = NULL;
	t->backfilling = false;
	if (err) {
		tail_status(t, SRC_WARN, "loading the tail's history failed: %s", err->msg);
	} else {
		size_t n = tail_deliver(t, res, false);
		if (res->limit.cut && !t->cfg.history_limit_asked)
			tail_status(t, SRC_WARN, "history: newest %zu lines loaded (limit %zu); older lines not loaded",
				    n, res->limit.limit);
		result_free(res);
	}
	if (t->pending) {
		tail_deliver(t, t->pending, false);
		result_free(t->pending);
		t->pending = NULL;
	}
	tail_say_history_done(t);
	if (t->mode == T_WS && t->cfg.sweep_ms > 0)
		tail_schedule(t, t->cfg.sweep_ms);
	else if (t->mode == T_POLL)
		tail_schedule(t, t->cfg.poll_ms);
}

/*
 * Loki's own tail replays at most `limit` lines of history, so history
 * comes from a paged backward query_range instead; websocket lines that
 * arrive meanwhile wait in `pending`.
 */
static void
tail_start_history(struct tail *t)
{
	t->history_started = true;
	t->backfilling = true;
	if (!t->pending)
		t->pending = result_new(RES_STREAMS);
	struct loki_query q = {
		.query = t->query,
		.start_ns = t->first_ts,
		.end_ns = loki_now_ns() + 1000000000LL,
		.limit = t->cfg.backfill_limit,
		.page_size = 1000,
	};
	t->req = loki_query_range(t->lk, &q, tail_history_done, t);
	if (!t->req) {
		t->backfilling = false;
		tail_status(t, SRC_WARN, "cannot load the tail's history");
	}
}

static bool
tail_wants_history(const struct tail *t)
{
	return t->first_ts < loki_now_ns() - 2000000000LL;
}

static void
tail_start_backfill(struct tail *t)
{
	if (t->req)
		loki_cancel(t->req);
	t->backfilling = true;
	if (!t->pending)
		t->pending = result_new(RES_STREAMS);
	t->req = tail_range(t, tail_backfill_done, t->cfg.backfill_overlap_ms);
	if (!t->req) {
		t->backfilling = false;
		tail_status(t, SRC_WARN, "cannot start the backfill after reconnect");
	}
}

static void
tail_poll_done(void *ud, const struct res_error *err, struct result *res)
{
	struct tail *t = ud;
	t->req = NULL;
	if (err) {
		tail_status(t, SRC_ERROR, "tail poll failed: %s", err->msg);
		tail_schedule(t, t->cfg.poll_ms);
		return;
	}
	bool rec = t->recover_next_poll;
	size_t n = tail_deliver(t, res, rec);
	tail_say_history_done(t);
	if (rec) {
		t->recover_next_poll = false;
		tail_status(t, SRC_INFO, "polling caught up: %zu lines recovered, %zu known lost so far",
			    n, t->st.lost);
	}
	bool more = res->limit.cut;
	result_free(res);
	tail_schedule(t, more ? 0 : t->cfg.poll_ms);
}

static void
tail_sweep_done(void *ud, const struct res_error *err, struct result *res)
{
	struct tail *t = ud;
	t->req = NULL;
	if (!err) {
		size_t n = tail_deliver(t, res, false);
		t->st.late += n;
		if (n)
			tail_status(t, SRC_INFO, "%zu late lines found (they arrived out of order)", n);
		result_free(res);
	}
	if (t->mode == T_WS && t->cfg.sweep_ms > 0)
		tail_schedule(t, t->cfg.sweep_ms);
}

static void
tail_go_polling(struct tail *t, const char *why)
{
	t->mode = T_POLL;
	t->st.websocket = false;
	t->next_ws_try = uv_now(t->loop) + (uint64_t)(t->cfg.ws_retry_ms > 0 ? t->cfg.ws_retry_ms : 0);
	if (t->had_ws)
		t->recover_next_poll = true;
	tail_status(t, SRC_WARN, "live tail by polling every %.1f s (%s)",
		    (double)t->cfg.poll_ms / 1000.0, why);
	tail_desc(t);
	tail_schedule(t, 0);
}

static void
tail_timer_cb(uv_timer_t *h)
{
	struct tail *t = h->data;
	if (t->stopped)
		return;
	if (t->mode == T_POLL) {
		if (!t->ws && !t->ws_impossible && !t->cfg.force_polling &&
		    t->cfg.ws_retry_ms > 0 && uv_now(t->loop) >= t->next_ws_try) {
			t->next_ws_try = uv_now(t->loop) + (uint64_t)t->cfg.ws_retry_ms;
			tail_ws_connect(t);          /* a probe: polling goes on meanwhile */
		}
		if (!t->history_started && !t->had_ws && tail_wants_history(t)) {
			tail_start_history(t);   /* newest lines first, as over the websocket */
			return;
		}
		if (!t->req && !t->backfilling) {
			t->req = tail_range(t, tail_poll_done, t->cfg.poll_overlap_ms);
			if (!t->req)
				tail_schedule(t, t->cfg.poll_ms);
		}
	} else if (t->mode == T_WS) {
		if (!t->req && !t->backfilling) {
			t->req = tail_range(t, tail_sweep_done, t->cfg.backfill_overlap_ms);
			if (!t->req && t->cfg.sweep_ms > 0)
				tail_schedule(t, t->cfg.sweep_ms);
		}
	} else {
		tail_ws_connect(t);
	}
}

static void
tail_schedule(struct tail *t, long ms)
{
	if (!t->stopped)
		uv_timer_start(&t->timer, tail_timer_cb, (uint64_t)(ms < 0 ? 0 : ms), 0);
}

static void
tail_ws_open(void *ud)
{
	struct tail *t = ud;
	bool from_poll = t->mode == T_POLL;
	t->ws_up = true;
	t->mode = T_WS;
	const char *route = ws_route(t->ws);
	t->st.websocket = true;
	t->conn_failures = 0;
	t->backoff = t->cfg.reconnect_ms;
	tail_desc(t);
	if (from_poll) {
		tail_status(t, SRC_INFO, "websocket available again; live tail over websocket (%s; was polling)",
			    route);
		if (!t->backfilling)         /* a running history load covers the gap */
			tail_start_backfill(t);
	} else if (t->had_ws) {
		tail_status(t, SRC_INFO, "websocket back; backfilling from the last line seen");
		tail_start_backfill(t);
	} else {
		tail_status(t, SRC_INFO, "live tail over websocket (%s)", route);
		if (tail_wants_history(t) && !t->st.lines && !t->history_started) {
			tail_start_history(t);
		} else {
			tail_say_history_done(t);
			if (t->cfg.sweep_ms > 0)
				tail_schedule(t, t->cfg.sweep_ms);
		}
	}
	t->had_ws = true;
}

static void
tail_ws_message(void *ud, enum ws_opcode op, const char *data, size_t len)
{
	struct tail *t = ud;
	(void)op;
	struct result *r;
	size_t dropped;
	struct res_error err;
	if (loki_parse_tail_frame(data, len, &r, &dropped, &err) != 0) {
		tail_status(t, SRC_WARN, "%s", err.msg);
		return;
	}
	if (dropped) {
		t->st.lost += dropped;
		tail_status(t, SRC_WARN, "Loki dropped %zu lines from the tail (client too slow); %zu lost in total",
			    dropped, t->st.lost);
		/* a sweep right away brings back what the overlap window still holds */
		if (t->mode == T_WS && !t->req && !t->backfilling)
			tail_schedule(t, 0);
	}
	if (t->backfilling)
		tail_merge_pending(t, r);
	else
		tail_deliver(t, r, false);
	result_free(r);
}

static void
tail_ws_close(void *ud, int err, long status, int code, const char *msg)
{
	struct tail *t = ud;
	(void)code;
	(void)status;
	bool was_up = t->ws_up;
	t->ws = NULL;
	t->ws_up = false;
	if (t->stopped)
		return;
	if (!was_up && t->mode == T_POLL)
		return;                      /* a failed probe: keep polling */
	t->st.websocket = false;
	if (!was_up && (err == LX_EHTTP || err == LX_ETIMEDOUT || err == LX_EPARSE)) {
		tail_go_polling(t, msg);
		return;
	}
	if (!was_up && ++t->conn_failures >= 3) {
		tail_go_polling(t, msg);
		return;
	}
	if (was_up)
		t->st.reconnects++;
	t->mode = T_CONNECTING;
	tail_desc(t);
	tail_status(t, SRC_WARN, "%s; reconnecting in %.1f s", msg, (double)t->backoff / 1000.0);
	tail_schedule(t, t->backoff);
	t->backoff = t->backoff * 2 > TAIL_MAX_BACKOFF_MS ? TAIL_MAX_BACKOFF_MS : t->backoff * 2;
}

static void
tail_ws_connect(struct tail *t)
{
	struct sbuf u = SBUF_INIT;
	sbuf_addf(&u, "%s/loki/api/v1/tail?query=", t->lk->api.url);
	http_add_escaped(&u, t->query);
	bool probe = t->mode == T_POLL;
	/* history and gaps come from query_range; the socket starts ~now */
	int64_t start = t->had_ws || probe || tail_wants_history(t) ?
			loki_now_ns() - 1000000000LL : t->last_ts;
	sbuf_addf(&u, "&start=%" PRId64 "&limit=1000", start);
	if (t->cfg.delay_for_s > 0)
		sbuf_addf(&u, "&delay_for=%d", t->cfg.delay_for_s);
	struct ws_config wc = {
		.url = sbuf_str(&u),
		.auth = &t->lk->api.ac.auth,
		.handshake_timeout_ms = t->cfg.handshake_timeout_ms,
		.ping_interval_ms = t->cfg.ping_interval_ms,
	};
	struct ws_callbacks cb = { .ud = t, .on_open = tail_ws_open,
				   .on_message = tail_ws_message, .on_close = tail_ws_close };
	if (!probe)
		t->mode = T_CONNECTING;
	t->ws = ws_open(t->loop, &wc, &cb);
	const char *why = t->ws ? NULL : ws_unsupported(wc.url);
	sbuf_release(&u);
	if (!t->ws) {
		t->ws_impossible = true;
		if (!probe)
			tail_go_polling(t, why ? why : "cannot open the websocket");
	}
}

static int
tail_start(struct source *s)
{
	struct tail *t = s->priv;
	if (!t || t->stopped)
		return LX_EINVAL;
	if (t->cfg.force_polling)
		tail_go_polling(t, "websocket disabled");
	else
		tail_ws_connect(t);
	return 0;
}

static void
tail_close_cb(uv_handle_t *h)
{
	struct tail *t = h->data;
	free(t->seen.key);
	free(t->seen.ts);
	free(t->query);
	free(t);
}

static void
tail_stop(struct source *s)
{
	struct tail *t = s->priv;
	if (!t)
		return;
	t->stopped = true;
	s->priv = NULL;
	ws_close(t->ws);
	t->ws = NULL;
	loki_cancel(t->req);
	t->req = NULL;
	result_free(t->pending);
	t->pending = NULL;
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->timer, tail_close_cb);
}

static void
tail_free(struct source *s)
{
	tail_stop(s);
}

static const struct source_ops loki_tail_ops = {
	.name = "loki",
	.start = tail_start,
	.stop = tail_stop,
	.free = tail_free,
};

struct source *
loki_tail_source_new(uv_loop_t *loop, struct loki *lk, const struct loki_tail_config *tc,
		     const struct source_sink *sink)
{
	if (!loop || !lk || !tc || !tc->query || !*tc->query || !sink)
		return NULL;
	struct source *s = xcalloc(1, sizeof(*s));
	struct tail *t = xcalloc(1, sizeof(*t));
	s->ops = &loki_tail_ops;
	s->loop = loop;
	s->sink = *sink;
	s->priv = t;
	t->src = s;
	t->loop = loop;
	t->lk = lk;
	t->sink = *sink;
	t->cfg = *tc;
	t->query = xstrdup(tc->query);
	t->cfg.query = t->query;
	if (t->cfg.poll_ms <= 0)
		t->cfg.poll_ms = 1000;
	if (t->cfg.reconnect_ms <= 0)
		t->cfg.reconnect_ms = 500;
	if (t->cfg.handshake_timeout_ms <= 0)
		t->cfg.handshake_timeout_ms = 5000;
	if (!t->cfg.backfill_limit)
		t->cfg.backfill_limit = 50000;
	if (t->cfg.delay_for_s > 5)
		t->cfg.delay_for_s = 5;
	t->backoff = t->cfg.reconnect_ms;
	t->last_ts = tc->start_ns ? tc->start_ns : loki_now_ns() - 10 * 1000000000LL;
	t->first_ts = t->last_ts;
	if (t->cfg.backfill_overlap_ms <= 0)
		t->cfg.backfill_overlap_ms = 10000;
	if (t->cfg.poll_overlap_ms <= 0)
		t->cfg.poll_overlap_ms = 2000;
	if (t->cfg.sweep_ms == 0)
		t->cfg.sweep_ms = 5000;
	if (t->cfg.ws_retry_ms == 0)
		t->cfg.ws_retry_ms = 60000;
	uv_timer_init(loop, &t->timer);
	t->timer.data = t;
	tail_desc(t);
	return s;
}

void
loki_tail_get_stats(const struct source *s, struct loki_tail_stats *st)
{
	const struct tail *t = s ? s->priv : NULL;
	if (t)
		*st = t->st;
	else
		memset(st, 0, sizeof(*st));
}

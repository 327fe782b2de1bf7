/*
 * tests/test_loki_tail.c: the Loki live tail source end to end against the
 * real Loki (LOKI_TEST_ADDR), directly and through the fault proxy
 * (FAULT_TEST_ADDR): websocket mode, fallback to polling when the upgrade
 * hangs or is refused, and a websocket dropped after N frames that
 * reconnects and backfills with every line delivered exactly once; through
 * an HTTP proxy (websocket in a CONNECT tunnel, polling when the proxy
 * refuses it) and over TLS (FAULT_TLS_ADDR).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "core/xalloc.h"
#include "sources/http.h"
#include "sources/loki.h"

static const char *loki_addr, *fp_addr;
static uv_loop_t loop;
static struct http *H;
static struct loki *pusher;

struct sinkrec {
	size_t n, cap;
	char **lines;
	int dups;
	struct sbuf status;
};

static void
sink_line(void *ud, const char *text, size_t len, size_t full, const char *origin, int64_t ts)
{
	struct sinkrec *r = ud;
	(void)full;
	assert_non_null(strstr(origin, "run="));
	assert_true(ts > 0);
	for (size_t i = 0; i < r->n; i++)
		if (strlen(r->lines[i]) == len && !memcmp(r->lines[i], text, len))
			r->dups++;
	xgrow(&r->lines, &r->cap, r->n + 1, sizeof(char *));
	r->lines[r->n++] = xstrndup(text, len);
}

static void
sink_status(void *ud, enum source_status_level lvl, const char *msg)
{
	struct sinkrec *r = ud;
	sbuf_addf(&r->status, "%d %s\n", (int)lvl, msg);
}

static void
sink_release(struct sinkrec *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	sbuf_release(&r->status);
}

static struct source *live_src;
static struct pushjob *live_job;

/* ---- pushing ---- */

struct pushjob {
	uv_timer_t timer;
	char run[64];
	int batches, per, done, acked;
	int late_batch;              /* this batch is stamped 3 s in the past */
	long every_ms;
};

static void
push_ack(void *ud, const struct res_error *err, struct result *res)
{
	struct pushjob *j = ud;
	if (err)
		fail_msg("push: %s", err->msg);
	result_free(res);
	j->acked++;
}

static void
push_tick(uv_timer_t *t)
{
	struct pushjob *j = t->data;
	struct sbuf b = SBUF_INIT;
	int64_t now = loki_now_ns();
	if (j->late_batch && j->done == j->late_batch)
		now -= 3000000000LL;
	sbuf_addf(&b, "{\"streams\":[{\"stream\":{\"job\":\"tailtest\",\"run\":\"%s\"},\"values\":[",
		  j->run);
	for (int i = 0; i < j->per; i++) {
		char line[200];
		snprintf(line, sizeof(line),
			 "{\"level\":\"INFO\",\"correlation_id\":\"%s-%d-%d\",\"message\":\"tail line\"}",
			 j->run, j->done, i);
		sbuf_addf(&b, "%s[\"%" PRId64 "\",", i ? "," : "", now + i);
		sbuf_add_json_str(&b, line, strlen(line));
		sbuf_addc(&b, ']');
	}
	sbuf_adds(&b, "]}]}");
	assert_non_null(loki_push(pusher, b.buf, b.len, push_ack, j));
	sbuf_release(&b);
	if (++j->done >= j->batches)
		uv_timer_stop(t);
}

static void
push_start(struct pushjob *j, const char *run, int batches, int per, long every_ms)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->run, sizeof(j->run), "%s", run);
	j->batches = batches;
	j->per = per;
	uv_timer_init(&loop, &j->timer);
	j->timer.data = j;
	uv_timer_start(&j->timer, push_tick, 0, (uint64_t)every_ms);
	live_job = j;
}

/* ---- running ---- */

static bool timed_out;

static void
deadline_cb(uv_timer_t *t)
{
	(void)t;
	timed_out = true;
}

static void
run_until(bool (*cond)(void *), void *arg, long ms)
{
	uv_timer_t d;
	uv_timer_init(&loop, &d);
	timed_out = false;
	uv_timer_start(&d, deadline_cb, (uint64_t)ms, 0);
	while (!cond(arg) && !timed_out)
		uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&d, NULL);
	uv_run(&loop, UV_RUN_NOWAIT);
}

struct want {
	struct source *s;
	struct sinkrec *r;
	size_t lines;
	int mode;                   /* 1 websocket, 0 polling, -1 any */
};

static bool
reached(void *arg)
{
	struct want *w = arg;
	struct loki_tail_stats st;
	loki_tail_get_stats(w->s, &st);
	if (w->mode == 1 && !st.websocket)
		return false;
	if (w->mode == 0 && !strstr(w->s->desc, "polling"))
		return false;
	return w->r->n >= w->lines;
}

static int
setup(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	uv_loop_init(&loop);
	H = http_new(&loop);
	struct loki_config c = { .url = loki_addr };
	pusher = loki_new(H, &c);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (!loki_addr)
		return 0;
	/* a failed test leaves its tail running: stop it so we never hang */
	if (live_src) {
		source_stop(live_src);
		source_free(live_src);
		live_src = NULL;
	}
	if (live_job) {
		uv_close((uv_handle_t *)&live_job->timer, NULL);
		live_job = NULL;
	}
	loki_free(pusher);
	http_free(H);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static struct source *
tail_new(struct loki *lk, const char *run, struct sinkrec *r, bool force_poll)
{
	char q[128];
	snprintf(q, sizeof(q), "{job=\"tailtest\",run=\"%s\"}", run);
	struct loki_tail_config tc = { .query = q, .start_ns = loki_now_ns() - 10000000000LL,
				       .poll_ms = 250, .reconnect_ms = 300,
				       .handshake_timeout_ms = 700, .force_polling = force_poll,
				       .sweep_ms = 1000, .ws_retry_ms = 800 };
	struct source_sink sink = { .ud = r, .line = sink_line, .status = sink_status };
	struct source *s = loki_tail_source_new(&loop, lk, &tc, &sink);
	assert_non_null(s);
	assert_string_equal(s->ops->name, "loki");
	assert_int_equal(source_start(s), 0);
	live_src = s;
	return s;
}

static void
run_id(char *out, size_t n, const char *what)
{
	snprintf(out, n, "%s_%d_%" PRId64, what, (int)getpid(), loki_now_ns() % 1000000007);
}

static void
finish_tail(struct source *s, struct pushjob *j)
{
	source_stop(s);
	source_free(s);
	uv_close((uv_handle_t *)&j->timer, NULL);
	live_src = NULL;
	live_job = NULL;
	uv_run(&loop, UV_RUN_DEFAULT);
}

static void
test_tail_websocket(void **state)
{
	(void)state;
	if (!loki_addr)
		skip();
	char run[64];
	run_id(run, sizeof(run), "ws");
	struct sinkrec r = { 0 };
	struct source *s = tail_new(pusher, run, &r, false);
	struct want w0 = { s, &r, 0, 1 };
	run_until(reached, &w0, 8000);
	assert_non_null(strstr(s->desc, "loki websocket"));
	static struct pushjob j;
	push_start(&j, run, 5, 10, 100);
	struct want w = { s, &r, 50, 1 };
	run_until(reached, &w, 10000);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	assert_int_equal(r.n, 50);
	assert_int_equal(r.dups, 0);
	assert_true(st.websocket);
	assert_int_equal(st.reconnects, 0);
	assert_int_equal(st.lines, 50);
	assert_non_null(strstr(sbuf_str(&r.status), "live tail over websocket"));
	finish_tail(s, &j);
	sink_release(&r);
}

static void
test_tail_forced_polling(void **state)
{
	(void)state;
	if (!loki_addr)
		skip();
	char run[64];
	run_id(run, sizeof(run), "poll");
	struct sinkrec r = { 0 };
	struct source *s = tail_new(pusher, run, &r, true);
	static struct pushjob j;
	push_start(&j, run, 4, 25, 150);
	struct want w = { s, &r, 100, 0 };
	run_until(reached, &w, 10000);
	assert_int_equal(r.n, 100);
	assert_int_equal(r.dups, 0);
	assert_non_null(strstr(s->desc, "loki polling"));
	finish_tail(s, &j);
	sink_release(&r);
}

static struct loki *
proxied(const char *mode_path)
{
	char url[512];
	snprintf(url, sizeof(url), "%s%s", fp_addr, mode_path);
	struct loki_config c = { .url = url };
	return loki_new(H, &c);
}

static void
fallback_case(const char *mode, const char *want_status)
{
	char run[64], path[200];
	run_id(run, sizeof(run), mode);
	snprintf(path, sizeof(path), "/f/%s/0/%s", mode, run);
	struct loki *lk = proxied(path);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, false);
	static struct pushjob j;
	push_start(&j, run, 3, 10, 200);
	struct want w = { s, &r, 30, 0 };
	run_until(reached, &w, 12000);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	if (r.n != 30 || r.dups || st.websocket || !strstr(sbuf_str(&r.status), want_status))
		fail_msg("%s: lines %zu dups %d ws %d status:\n%s", mode, r.n, r.dups,
			 st.websocket, sbuf_str(&r.status));
	finish_tail(s, &j);
	loki_free(lk);
	sink_release(&r);
}

static void
test_tail_fallback(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	fallback_case("wshang", "no websocket upgrade answer");
	fallback_case("wsrefuse", "upgrade refused (HTTP 429): max concurrent tail requests");
}

static void
test_tail_reconnect_backfill(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64], path[200];
	run_id(run, sizeof(run), "drop");
	/* the first websocket dies after 2 frames; later ones pass */
	snprintf(path, sizeof(path), "/f/wsdrop2/1/%s", run);
	struct loki *lk = proxied(path);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, false);
	struct want w0 = { s, &r, 0, 1 };
	run_until(reached, &w0, 8000);
	static struct pushjob j;
	push_start(&j, run, 12, 10, 120);
	j.late_batch = 6;            /* an out-of-order push: must not be lost */
	struct want w = { s, &r, 120, -1 };
	run_until(reached, &w, 15000);
	/* let late replays arrive: they must be de-duplicated */
	struct want never = { s, &r, 100000, -1 };
	run_until(reached, &never, 1200);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	print_message("tail reconnect: lines %zu recovered %zu late %zu duplicates dropped %zu reconnects %zu\n",
		      st.lines, st.recovered, st.late, st.duplicates, st.reconnects);
	if (r.n != 120) {
		for (int b = 0; b < 12; b++)
			for (int i = 0; i < 10; i++) {
				char id[128];
				snprintf(id, sizeof(id), "\"%s-%d-%d\"", run, b, i);
				bool found = false;
				for (size_t k = 0; k < r.n && !found; k++)
					found = strstr(r.lines[k], id) != NULL;
				if (!found)
					print_message("missing %s\n", id);
			}
	}
	if (r.n != 120 || r.dups || st.reconnects < 1 || !st.websocket)
		fail_msg("lines %zu dups %d reconnects %zu ws %d status:\n%s", r.n, r.dups,
			 st.reconnects, st.websocket, sbuf_str(&r.status));
	assert_non_null(strstr(sbuf_str(&r.status), "tail reconnected:"));
	finish_tail(s, &j);
	loki_free(lk);
	sink_release(&r);
}

/* History beyond Loki's tail replay limit (1000 here) comes complete from
 * query_range, then live lines follow, each once. */
static void
history_case(bool force_polling)
{
	char run[64];
	run_id(run, sizeof(run), "hist");
	struct loki_push_buf pb;
	loki_push_begin(&pb);
	struct res_labels l = { 0 };
	res_labels_set(&l, "job", "tailtest");
	res_labels_set(&l, "run", run);
	loki_push_stream(&pb, &l);
	res_labels_release(&l);
	int64_t now = loki_now_ns();
	for (int i = 0; i < 1500; i++) {
		char line[96];
		int n = snprintf(line, sizeof(line), "{\"message\":\"history %d\"}", i);
		loki_push_entry(&pb, now - 120000000000LL + (int64_t)i * 50000000LL, line, (size_t)n);
	}
	loki_push_end(&pb);
	struct sinkrec r = { 0 };
	static struct pushjob dummy;
	memset(&dummy, 0, sizeof(dummy));
	assert_non_null(loki_push(pusher, pb.body.buf, pb.body.len, push_ack, &dummy));
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(dummy.acked, 1);
	loki_push_buf_release(&pb);

	char q[128];
	snprintf(q, sizeof(q), "{job=\"tailtest\",run=\"%s\"}", run);
	struct loki_tail_config tc = { .query = q, .start_ns = now - 300000000000LL,
				       .sweep_ms = 1000, .poll_ms = 250,
				       .force_polling = force_polling };
	struct source_sink sink = { .ud = &r, .line = sink_line, .status = sink_status };
	struct source *s = loki_tail_source_new(&loop, pusher, &tc, &sink);
	assert_int_equal(source_start(s), 0);
	live_src = s;
	struct want w0 = { s, &r, 1500, force_polling ? 0 : 1 };
	run_until(reached, &w0, 10000);
	static struct pushjob j;
	push_start(&j, run, 1, 10, 100);
	struct want w = { s, &r, 1510, force_polling ? 0 : 1 };
	run_until(reached, &w, 10000);
	if (r.n != 1510 || r.dups)
		fail_msg("lines %zu dups %d status:\n%s", r.n, r.dups, sbuf_str(&r.status));
	/* history first, oldest first */
	assert_non_null(strstr(r.lines[0], "history 0\""));
	assert_non_null(strstr(r.lines[1499], "history 1499\""));
	finish_tail(s, &j);
	sink_release(&r);
}

static void
test_tail_history(void **state)
{
	(void)state;
	if (!loki_addr)
		skip();
	history_case(false);
	history_case(true);
}

/* Loki reports dropped_entries (client too slow): counted as known lost
 * and said in the status; the lines themselves still arrive once. */
static bool
lost_two(void *arg)
{
	struct want *w = arg;
	struct loki_tail_stats st;
	loki_tail_get_stats(w->s, &st);
	return st.lost >= 2 && w->r->n >= w->lines;
}

static void
test_tail_dropped_entries(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64], path[200];
	run_id(run, sizeof(run), "inj");
	snprintf(path, sizeof(path), "/f/wsinject/0/%s", run);
	struct loki *lk = proxied(path);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, false);
	struct want w0 = { s, &r, 0, 1 };
	run_until(reached, &w0, 8000);
	/* pushes over ~2 s: Loki's live tail needs a moment to register, and
	 * the proxy injects its report after the first frame Loki sends */
	static struct pushjob j;
	push_start(&j, run, 8, 10, 250);
	struct want w = { s, &r, 80, 1 };
	run_until(lost_two, &w, 12000);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	if (r.n != 80 || r.dups || st.lost != 2 ||
	    !strstr(sbuf_str(&r.status), "Loki dropped 2 lines from the tail"))
		fail_msg("lines %zu dups %d lost %zu status:\n%s", r.n, r.dups, st.lost,
			 sbuf_str(&r.status));
	finish_tail(s, &j);
	loki_free(lk);
	sink_release(&r);
}

/* The fault proxy's count of CONNECT tunnels opened so far. */
static int
tunnels(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "curl -s --noproxy '*' %s/tunnels", fp_addr);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	int n = -1;
	if (fscanf(f, "tunnels=%d", &n) != 1)
		n = -1;
	pclose(f);
	return n;
}

static void
use_proxy(const char *user)
{
	char proxy[300];
	snprintf(proxy, sizeof(proxy), "http://%s%s%s", user ? user : "", user ? ":x@" : "",
		 fp_addr + 7);
	setenv("http_proxy", proxy, 1);
	unsetenv("no_proxy");
	unsetenv("NO_PROXY");
}

/* Starts a tail of `run` on `lk`, waits for `mode` (1 websocket, 0
 * polling), pushes 2 batches of 10 lines and waits for all 20. */
static struct source *
tail_twenty(struct loki *lk, const char *run, struct sinkrec *r, struct pushjob *j, int mode,
	    struct loki_tail_stats *st)
{
	struct source *s = tail_new(lk, run, r, false);
	struct want w0 = { s, r, 0, mode };
	run_until(reached, &w0, 8000);
	push_start(j, run, 2, 10, 200);
	struct want w = { s, r, 20, mode };
	run_until(reached, &w, 10000);
	loki_tail_get_stats(s, st);
	return s;
}

/* An HTTP proxy in the environment (the fault proxy): the websocket goes
 * through its CONNECT tunnel (made by curl), and lines arrive over it;
 * queries go through it as absolute-form requests. */
static void
test_tail_ws_via_proxy(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64];
	run_id(run, sizeof(run), "viaproxy");
	int t0 = tunnels();
	use_proxy(NULL);
	struct sinkrec r = { 0 };
	static struct pushjob j;
	struct loki_tail_stats st;
	struct source *s = tail_twenty(pusher, run, &r, &j, 1, &st);
	unsetenv("http_proxy");
	if (r.n != 20 || r.dups || !st.websocket || !strstr(s->desc, "loki websocket") ||
	    !strstr(sbuf_str(&r.status), "live tail over websocket (through a proxy tunnel)") ||
	    tunnels() <= t0)
		fail_msg("lines %zu dups %d ws %d tunnels %d->%d status:\n%s", r.n, r.dups,
			 st.websocket, t0, tunnels(), sbuf_str(&r.status));
	finish_tail(s, &j);
	sink_release(&r);
}

/* A proxy that refuses CONNECT (403): the tail polls through the proxy
 * and still delivers every line once, saying why. */
static void
test_tail_proxy_refuses_tunnel(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64];
	run_id(run, sizeof(run), "refuse");
	use_proxy("refuse");
	struct sinkrec r = { 0 };
	static struct pushjob j;
	struct loki_tail_stats st;
	struct source *s = tail_twenty(pusher, run, &r, &j, 0, &st);
	unsetenv("http_proxy");
	const char *log = sbuf_str(&r.status);
	if (r.n != 20 || r.dups || st.websocket || !strstr(s->desc, "loki polling") ||
	    !strstr(log, "live tail by polling") || !strstr(log, "proxy refused the tunnel") ||
	    !strstr(log, "(HTTP 403)") || strstr(log, "refuse:x"))
		fail_msg("lines %zu dups %d ws %d status:\n%s", r.n, r.dups, st.websocket, log);
	finish_tail(s, &j);
	sink_release(&r);
}

static bool
status_has(void *arg)
{
	struct sinkrec *r = arg;
	return strstr(sbuf_str(&r->status), "tail poll failed") != NULL;
}

/* https through the TLS front (FAULT_TLS_ADDR -> fault proxy -> Loki):
 * with the CA file, and with skip-verify, the live tail is a websocket
 * over TLS (credentials on the upgrade request are accepted and never
 * shown); with an unknown CA the websocket and the polls fail and say why. */
static void
test_tail_tls(void **state)
{
	(void)state;
	const char *tls = getenv("FAULT_TLS_ADDR"), *dir = getenv("TLS_TEST_DIR");
	if (!loki_addr || !tls || !dir)
		skip();
	char ca[512];
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	struct http_auth good[] = {
		{ .ca_file = ca, .bearer_token = "tok-tls-secret", .org_id = "fake" },
		{ .insecure_skip_verify = true, .username = "u", .password = "pw-tls-secret" },
	};
	for (size_t i = 0; i < LX_ARRAY_LEN(good); i++) {
		char run[64];
		run_id(run, sizeof(run), "tls");
		struct loki_config c = { .url = tls, .auth = good[i] };
		struct loki *lk = loki_new(H, &c);
		struct sinkrec r = { 0 };
		static struct pushjob j;
		struct loki_tail_stats st;
		struct source *s = tail_twenty(lk, run, &r, &j, 1, &st);
		const char *log = sbuf_str(&r.status);
		if (r.n != 20 || r.dups || !st.websocket ||
		    !strstr(log, "live tail over websocket (TLS)") || strstr(log, "secret"))
			fail_msg("case %zu: lines %zu dups %d ws %d status:\n%s", i, r.n, r.dups,
				 st.websocket, log);
		finish_tail(s, &j);
		loki_free(lk);
		sink_release(&r);
	}
	/* the system CAs do not know the test CA */
	char run[64];
	run_id(run, sizeof(run), "badca");
	struct loki_config c = { .url = tls };
	struct loki *lk = loki_new(H, &c);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, false);
	run_until(status_has, &r, 10000);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	const char *log = sbuf_str(&r.status);
	if (r.n || st.websocket || !strstr(log, "websocket: ") || !strstr(log, "certificate") ||
	    !strstr(log, "tail poll failed"))
		fail_msg("lines %zu ws %d status:\n%s", r.n, st.websocket, log);
	source_stop(s);
	source_free(s);
	live_src = NULL;
	loki_free(lk);
	sink_release(&r);
}

/* Upgrades refused for a while: polling, then back to the websocket
 * without losing or repeating lines. */
static void
test_tail_back_to_websocket(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64], path[200];
	run_id(run, sizeof(run), "back");
	snprintf(path, sizeof(path), "/f/wsrefuse/3/%s", run);
	struct loki *lk = proxied(path);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, false);
	static struct pushjob j;
	push_start(&j, run, 8, 10, 300);
	struct want w = { s, &r, 80, 1 };
	run_until(reached, &w, 15000);
	struct want never = { s, &r, 100000, -1 };
	run_until(reached, &never, 1200);
	struct loki_tail_stats st;
	loki_tail_get_stats(s, &st);
	if (r.n != 80 || r.dups || !st.websocket ||
	    !strstr(sbuf_str(&r.status), "websocket available again"))
		fail_msg("lines %zu dups %d ws %d status:\n%s", r.n, r.dups, st.websocket,
			 sbuf_str(&r.status));
	finish_tail(s, &j);
	loki_free(lk);
	sink_release(&r);
}

/* Polling through a Loki that answers 503 for a while: errors are shown,
 * then every line arrives once when it comes back. */
static void
test_tail_poll_recovery(void **state)
{
	(void)state;
	if (!loki_addr || !fp_addr)
		skip();
	char run[64], path[200];
	run_id(run, sizeof(run), "down");
	snprintf(path, sizeof(path), "/f/err503/6/%s", run);
	struct loki *lk = proxied(path);
	struct sinkrec r = { 0 };
	struct source *s = tail_new(lk, run, &r, true);
	static struct pushjob j;
	push_start(&j, run, 4, 10, 200);
	struct want w = { s, &r, 40, 0 };
	run_until(reached, &w, 15000);
	if (r.n != 40 || r.dups || !strstr(sbuf_str(&r.status), "failed: Loki server error (HTTP 503"))
		fail_msg("lines %zu dups %d status:\n%s", r.n, r.dups, sbuf_str(&r.status));
	finish_tail(s, &j);
	loki_free(lk);
	sink_release(&r);
}

int
main(void)
{
	loki_addr = getenv("LOKI_TEST_ADDR");
	fp_addr = getenv("FAULT_TEST_ADDR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tail_websocket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_forced_polling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_reconnect_backfill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_poll_recovery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_back_to_websocket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_dropped_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_ws_via_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_proxy_refuses_tunnel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_tls, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

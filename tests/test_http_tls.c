/*
 * tests/test_http_tls.c: TLS options of sources/http.c (CA file, client
 * certificate and key, skip-verify) against `openssl s_server -www`
 * requiring a client certificate, with throw-away certificates made by
 * tests/servers.sh (TLS_TEST_ADDR, TLS_TEST_DIR).  Skipped without them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/http.h"

static const char *addr, *dir;

struct res {
	int called, err, attempts;
	long status;
	char msg[600];
	bool html;
};

static void
done_cb(void *ud, const struct http_resp *r)
{
	struct res *s = ud;
	s->called++;
	s->err = r->err;
	s->status = r->status;
	s->attempts = r->attempts;
	snprintf(s->msg, sizeof(s->msg), "%s", r->msg);
	s->html = r->body->len && strstr(r->body->buf, "<HTML>") != NULL;
}

static void
test_tls_options(void **state)
{
	(void)state;
	if (!addr || !dir)
		skip();
	char ca[512], cert[512], key[512], url[256];
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(cert, sizeof(cert), "%s/cli.pem", dir);
	snprintf(key, sizeof(key), "%s/cli.key", dir);
	snprintf(url, sizeof(url), "%s/", addr);
	struct { const char *name; struct http_auth a; int err; const char *words; } cases[] = {
		{ "ca + client cert", { .ca_file = ca, .cert_file = cert, .key_file = key }, 0, "" },
		{ "skip verify + client cert",
		  { .insecure_skip_verify = true, .cert_file = cert, .key_file = key }, 0, "" },
		{ "unknown CA", { .cert_file = cert, .key_file = key }, LX_ECONN, "certificate" },
		{ "no client cert", { .ca_file = ca }, LX_ECONN, "cannot talk to server" },
	};
	uv_loop_t loop;
	for (size_t i = 0; i < LX_ARRAY_LEN(cases); i++) {
		/* one at a time: s_server serves connections in turn */
		uv_loop_init(&loop);
		struct http *h = http_new(&loop);
		struct res r = { 0 };
		struct http_req req = { .url = url, .auth = &cases[i].a, .max_retries = 3,
					.retry_base_ms = 100, .timeout_ms = 5000 };
		assert_non_null(http_get(h, &req, done_cb, &r));
		uv_run(&loop, UV_RUN_DEFAULT);
		http_free(h);
		uv_run(&loop, UV_RUN_DEFAULT);
		assert_int_equal(uv_loop_close(&loop), 0);
		if (r.called != 1 || r.err != cases[i].err || !strstr(r.msg, cases[i].words) ||
		    (cases[i].err == 0 && (r.status != 200 || !r.html)))
			fail_msg("%s: called %d err %d status %ld msg '%s'", cases[i].name, r.called,
				 r.err, r.status, r.msg);
	}
}

int
main(void)
{
	addr = getenv("TLS_TEST_ADDR");
	dir = getenv("TLS_TEST_DIR");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

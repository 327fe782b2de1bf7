/*
 * bench/ptyrun.c: time a TUI in a pseudo-terminal.
 *
 *   build/bench/ptyrun [--size COLSxROWS] [--timeout S] [--marker TEXT]
 *                      [--done TEXT] [--toggle KEY1:TEXT1,KEY2:TEXT2]
 *                      [--gap MS] [--quit KEYS] [--pre KEYS --ready TEXT]
 *                      -- COMMAND [ARGS...]
 *
 * Runs COMMAND on a new pty (TERM=xterm-256color) and reads everything it
 * draws.  Prints "name value" lines:
 *   first_byte_ms   first output
 *   marker_ms       first output holding --marker (the first frame)
 *   done_ms         first output holding --done (say "stdin closed")
 *   key_n, key_p50_ms, key_p99_ms, key_max_ms
 *                   with --toggle: from the marker until --done (or the
 *                   timeout), presses KEY1, waits until TEXT1 is drawn,
 *                   presses KEY2, waits for TEXT2, ... with --gap ms
 *                   between presses; each wait is one key-to-frame latency.
 *                   --presses N stops after N answered presses (without
 *                   --done: measures keys on an idle screen).
 *                   Only output read after the key was written counts.
 *   key_all         every latency measured, sorted
 *   ready_ms        with --pre: KEYS are written once the marker is seen
 *                   (say "7]]" to open a dashboard), and key presses start
 *                   when --ready TEXT is drawn after them.
 *   exit_ms         after --quit KEYS are written, until the child exits
 * Times are from just before fork().  Markers are searched in the raw byte
 * stream, so pick text that curses writes in one run (a changed word).
 */
#define _GNU_SOURCE   /* memmem */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double t_start;

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6 - t_start;
}

/* Streaming substring search: the tail of the previous read is kept. */
struct watch {
	const char *text;
	size_t len;
	char keep[256];
	size_t nkeep;
};

static void
watch_reset(struct watch *w, const char *text)
{
	w->text = text;
	w->len = text ? strlen(text) : 0;
	w->nkeep = 0;
}

static bool
watch_feed(struct watch *w, const char *buf, size_t n)
{
	if (!w->len || w->len >= sizeof(w->keep))
		return false;
	char tmp[sizeof(w->keep) * 2];
	/* Check the seam between the kept tail and this buffer. */
	size_t head = n < w->len ? n : w->len - 1;
	memcpy(tmp, w->keep, w->nkeep);
	memcpy(tmp + w->nkeep, buf, head);
	if (memmem(tmp, w->nkeep + head, w->text, w->len) || memmem(buf, n, w->text, w->len))
		return true;
	size_t k = w->len - 1;
	if (n >= k) {
		memcpy(w->keep, buf + n - k, k);
		w->nkeep = k;
	} else {
		size_t drop = w->nkeep + n > k ? w->nkeep + n - k : 0;
		memmove(w->keep, w->keep + drop, w->nkeep - drop);
		w->nkeep -= drop;
		memcpy(w->keep + w->nkeep, buf, n);
		w->nkeep += n;
	}
	return false;
}

static int
dbl_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

int
main(int argc, char **argv)
{
	int cols = 120, rows = 40;
	double timeout_s = 60, gap_ms = 100;
	long presses = -1;
	const char *marker = NULL, *done = NULL, *quit = NULL, *pre = NULL, *ready = NULL;
	char *toggle = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!v)
			goto usage;
		if (!strcmp(a, "--size")) {
			if (sscanf(v, "%dx%d", &cols, &rows) != 2)
				goto usage;
		} else if (!strcmp(a, "--timeout"))
			timeout_s = atof(v);
		else if (!strcmp(a, "--marker"))
			marker = v;
		else if (!strcmp(a, "--done"))
			done = v;
		else if (!strcmp(a, "--toggle"))
			toggle = strdup(v);
		else if (!strcmp(a, "--gap"))
			gap_ms = atof(v);
		else if (!strcmp(a, "--presses"))
			presses = atol(v);
		else if (!strcmp(a, "--quit"))
			quit = v;
		else if (!strcmp(a, "--pre"))
			pre = v;
		else if (!strcmp(a, "--ready"))
			ready = v;
		else
			goto usage;
		i++;
	}
	if (i >= argc || !pre != !ready)
		goto usage;
	/* --toggle K1:T1,K2:T2 */
	char *tkey[2] = { 0 }, *ttext[2] = { 0 };
	if (toggle) {
		char *comma = strchr(toggle, ',');
		if (!comma)
			goto usage;
		*comma = '\0';
		char *parts[2] = { toggle, comma + 1 };
		for (int k = 0; k < 2; k++) {
			char *colon = strchr(parts[k], ':');
			if (!colon || colon == parts[k])
				goto usage;
			*colon = '\0';
			tkey[k] = parts[k];
			ttext[k] = colon + 1;
		}
	}

	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_start = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	int fd;
	pid_t pid = forkpty(&fd, NULL, NULL, &ws);
	if (pid < 0) {
		perror("ptyrun: forkpty");
		return 1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm-256color", 1);
		execvp(argv[i], argv + i);
		perror("ptyrun: exec");
		_exit(127);
	}

	double first_byte = -1, marker_at = -1, done_at = -1, exit_at = -1, quit_at = -1, ready_at = -1;
	static double lat[100000];
	size_t nlat = 0;
	struct watch wm, wd, wk, wr;
	watch_reset(&wm, marker);
	watch_reset(&wr, ready);
	watch_reset(&wd, done);
	watch_reset(&wk, NULL);
	int state = 0;          /* toggle: index of the next key */
	double key_at = -1;     /* a key is in flight since */
	double next_key = -1;   /* time to press the next key */
	bool child_gone = false;
	int status = 0;
	static char buf[1 << 16];
	for (;;) {
		double t = now_ms();
		if (t > timeout_s * 1e3)
			break;
		/* Quit once the run's goals are met. */
		bool presses_done = presses >= 0 && (long)nlat >= presses;
		bool goals = (!marker || marker_at >= 0) && (!ready || ready_at >= 0) && (!done || done_at >= 0 || presses_done) && key_at < 0 &&
			     (!toggle || done || presses_done);
		if (goals && quit && quit_at < 0) {
			if (write(fd, quit, strlen(quit)) < 0)
				break;
			quit_at = now_ms();
		} else if (goals && !quit && quit_at < 0) {
			kill(pid, SIGTERM);
			quit_at = now_ms();
		}
		/* Key presses: from the first frame until done. */
		if (toggle && marker_at >= 0 && (!ready || ready_at >= 0) && done_at < 0 && !presses_done && key_at < 0 && t >= next_key) {
			if (write(fd, tkey[state], strlen(tkey[state])) < 0)
				break;
			key_at = now_ms();
			watch_reset(&wk, ttext[state]);
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, 5);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				child_gone = true;
			} else {
				double tr = now_ms();
				if (first_byte < 0)
					first_byte = tr;
				if (marker_at < 0 && watch_feed(&wm, buf, (size_t)n)) {
					marker_at = tr;
					next_key = tr + gap_ms;
					if (pre && write(fd, pre, strlen(pre)) < 0)
						break;
				} else if (pre && marker_at >= 0 && ready_at < 0 && watch_feed(&wr, buf, (size_t)n)) {
					ready_at = tr;
					next_key = tr + gap_ms;
				}
				if (done_at < 0 && watch_feed(&wd, buf, (size_t)n))
					done_at = tr;
				if (key_at >= 0 && watch_feed(&wk, buf, (size_t)n)) {
					if (nlat < sizeof(lat) / sizeof(lat[0]))
						lat[nlat++] = tr - key_at;
					key_at = -1;
					state ^= 1;
					next_key = tr + gap_ms;
				}
			}
		}
		if (child_gone || waitpid(pid, &status, WNOHANG) == pid) {
			exit_at = now_ms();
			child_gone = true;
			break;
		}
	}
	if (!child_gone) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	printf("first_byte_ms %.2f\n", first_byte);
	if (marker)
		printf("marker_ms %.2f\n", marker_at);
	if (done)
		printf("done_ms %.2f\n", done_at);
	if (ready)
		printf("ready_ms %.2f\n", ready_at);
	if (toggle) {
		qsort(lat, nlat, sizeof(lat[0]), dbl_cmp);
		printf("key_n %zu\n", nlat);
		if (key_at >= 0)
			printf("key_unanswered 1\n");
		printf("key_all");
		for (size_t k = 0; k < nlat; k++)
			printf(" %.2f", lat[k]);
		printf("\n");
		if (nlat) {
			printf("key_p50_ms %.2f\n", lat[(nlat - 1) / 2]);
			printf("key_p99_ms %.2f\n", lat[(size_t)(0.99 * (double)(nlat - 1) + 0.5)]);
			printf("key_max_ms %.2f\n", lat[nlat - 1]);
		}
	}
	if (quit_at >= 0 && child_gone)
		printf("exit_ms %.2f\n", exit_at - quit_at);
	printf("timed_out %d\n", child_gone ? 0 : 1);
	free(toggle);
	return 0;
usage:
	fprintf(stderr, "usage: ptyrun [--size CxR] [--timeout S] [--marker TEXT] [--done TEXT]\n"
			"              [--toggle K1:T1,K2:T2] [--gap MS] [--presses N] [--quit KEYS]\n"
			"              [--pre KEYS --ready TEXT] -- COMMAND [ARGS...]\n");
	return 2;
}

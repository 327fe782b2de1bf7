/**
 * sources/file_internal.h: what file.c and file_hist.c share; not for
 * anyone else (the public API is sources/file.h).
 *
 * file.c owns the open files, watching and the read pump; file_hist.c
 * owns since_ns, the merged history and the compressed files.  Functions
 * here are called from loop callbacks only.
 */
#ifndef LX_SOURCES_FILE_INTERNAL_H
#define LX_SOURCES_FILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "core/err.h"
#include "core/sbuf.h"
#include "sources/file.h"
#include "sources/gzread.h"
#include "sources/linebuf.h"

/* One open file. */
struct tfile {
	struct tfile *next;
	struct file_src *fs;
	char *path;             /* origin: the name it matched under */
	int fd;
	dev_t dev;
	ino_t ino;
	uint64_t off;           /* next byte to read */
	uint64_t scan_pos;      /* history: bytes before this are unscanned */
	uint64_t min_off;       /* history: never start before this (since) */
	long scan_left;         /* history: newlines still to find */
	bool scanning;          /* looking backwards for the history start */
	bool eof;               /* nothing left to read until a change */
	bool need_fstat;        /* an event said it changed */
	bool retired;           /* its path names another file (or none) now */
	bool deleted;           /* link count reached 0 */
	bool in_history;        /* opened at the first scan, history not read */
	bool skipped;           /* turned out compressed: closed at once */
	int read_err;           /* errno of the last failed read, 0 after a good one */
	uint64_t retired_at;    /* uv_now() when retired */
	struct tfile *wait_for; /* rotated predecessor, read to its end first */
	struct linebuf lb;
	/* merged history (opts.merge_history) */
	bool merging;           /* its history goes through the merge */
	bool hist_done;         /* merge: read up to hist_end */
	uint64_t hist_end;      /* merge: size at open; later bytes are follow */
	uint64_t order;         /* merge: tie-break, the order files were opened */
	int64_t last_ts;        /* merge: time given to lines without one */
	struct sbuf mq;         /* merge: queued lines (struct mrec + text) */
	size_t mq_pos;          /* merge: next record in mq */
};

/* A queued line in tfile.mq, followed by `len` bytes of text, padded. */
struct mrec {
	int64_t ts;
	size_t len, full;
};

struct dirwatch {
	char *dir;
	uv_fs_event_t *ev;      /* NULL when not watching (yet) */
	int err;                /* why uv_fs_event_start failed, 0 if it did not */
	dev_t dev;              /* the directory watched (it may be replaced) */
	ino_t ino;
	bool warned;            /* said so */
};

/* A compressed file found at start, waiting to be read for history. */
struct gzjob {
	char *path;
	const char *fmt;        /* "gzip", ... (static string) */
	int64_t mtime;
};

/* A file that could not be opened: warned about once. */
struct failed {
	dev_t dev;
	ino_t ino;
};

struct file_src {
	struct source *src;
	char **pats;
	size_t npats;
	long history;
	size_t max_line;
	unsigned poll_ms;
	size_t chunk;
	bool no_events;
	int64_t since_ns;
	int64_t (*line_ts)(void *ud, const char *text, size_t len);
	void *line_ts_ud;
	char *rbuf;             /* the read buffer, `chunk` bytes */
	struct tfile *files;
	size_t nactive_said;    /* count in the last "following N files" */
	uint64_t history_lines; /* lines handed out from history so far */
	bool history_said;      /* "history: ..." was said */
	size_t history_files;   /* files whose history is read */
	struct failed *failed;
	size_t nfailed, failed_cap;
	struct dirwatch *dirs;
	size_t ndirs;
	uv_idle_t *pump;
	uv_timer_t *tick;
	size_t rr;              /* round-robin start for the next pump turn */
	bool started, stopped;
	bool need_rescan;
	bool count_due;         /* report_count() may speak */
	bool initial;           /* the next rescan is the first one */
	bool merge;             /* opts.merge_history (and line_ts) */
	enum { MERGE_WAIT, MERGE_RUN, MERGE_DONE } mstate;
	struct tfile **heap;    /* merge: files with a queued line, min ts first */
	size_t nheap, heap_cap;
	uint64_t nopened;
	struct gzjob *gzq;      /* compressed files to read, oldest first */
	size_t ngzq, gzq_head, gzq_cap;
	struct gzread *gz;      /* the one being read */
	char *gz_path;          /* its path (the lines' origin) */
	bool gz_since_passed;   /* a line at/after since_ns was seen in it */
};

/* file.c */

/** The part of `path` after its last '/'; borrowed from `path`. */
const char *file__base_name(const char *path);
/** A status to the sink, unless stopped. */
void file__say(struct file_src *fs, enum source_status_level lvl, const char *fmt, ...)
	LX_PRINTF(3, 4);
/** linebuf callback: one line of `ud` (a struct tfile) to the sink. */
int file__on_line(void *ud, const char *text, size_t len, size_t full_len);
/** Makes the pump run on the next loop turns. */
void file__pump_start(struct file_src *fs);

/* file_hist.c */

/** Where the lines at or after fs->since_ns begin in `fd` (time-ordered). */
uint64_t file__since_offset(struct file_src *fs, int fd, uint64_t size);
/** Queues a compressed file found at start; `path` is copied. */
void file__gz_queue(struct file_src *fs, const char *path, const char *fmt, int64_t mtime);
/** After the first scan: starts reading the queued compressed files. */
void file__gz_begin(struct file_src *fs);
/** True while compressed files are queued or being read. */
bool file__gz_pending(const struct file_src *fs);
/** Hands out merged history within `budget` bytes; returns what is left. */
size_t file__merge_step(struct file_src *fs, size_t budget);

#endif

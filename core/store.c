/*
 * core/store.c: ring of scanned log lines with a byte cap and indexes.
 *
 * Layout: records live in a circular array indexed by seq; their text lives
 * in a FIFO of chunks, each chunk freed once every line in it is evicted.
 * Each dimension (agent, component, correlation id, origin) interns its
 * strings in an open-addressing table; an entry holds the seqs of its lines
 * in push order, so eviction pops exactly the front of each list.
 *
 * Memory failure here exits through xalloc: the store is app state.
 */
#include "core/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "core/xalloc.h"

#define CHUNK_SIZE (1u << 20)
#define TOMB UINT32_MAX

struct chunk {
	struct chunk *next;
	uint64_t last_seq;
	size_t used, size;
	char data[];
};

struct seqvec {
	uint64_t *v;
	uint32_t head, len, cap;
};

struct ientry {
	char *str;
	uint32_t len, hash;
	bool live;
	struct seqvec seqs;
	struct series *series;
};

struct itab {
	struct ientry *e;       /* indexed by id; e[0] unused */
	size_t n_e, cap_e;
	uint32_t *slots;
	uint32_t nslots, used;  /* used counts tombstones too */
	uint32_t *free_ids;
	size_t n_free, cap_free;
	bool with_series, reclaim;
};

struct store {
	struct store_opts opts;
	struct log_rec *recs;
	size_t cap, head, count;
	uint64_t first_seq;
	struct chunk *chunks, *tail_chunk;
	size_t text_bytes, index_bytes;
	size_t chunk_size;
	uint64_t dropped, truncated;
	int64_t last_ts;
	struct itab tab[DIM__COUNT];
	struct seqvec levels[LVL__COUNT];
	struct series total, by_level[LVL__COUNT];
};

static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

static void
seqvec_push(struct store *st, struct seqvec *sv, uint64_t seq)
{
	if (sv->head + sv->len == sv->cap) {
		if (sv->head > 0 && sv->head >= sv->len) {
			memmove(sv->v, sv->v + sv->head, sv->len * sizeof(uint64_t));
			sv->head = 0;
		} else {
			uint32_t nc = sv->cap ? sv->cap * 2 : 4;
			sv->v = xrealloc(sv->v, nc * sizeof(uint64_t));
			st->index_bytes += (nc - sv->cap) * sizeof(uint64_t);
			sv->cap = nc;
		}
	}
	sv->v[sv->head + sv->len++] = seq;
}

static void
seqvec_pop(struct seqvec *sv, uint64_t seq)
{
	if (sv->len && sv->v[sv->head] == seq) {
		sv->head++;
		sv->len--;
		if (sv->len == 0)
			sv->head = 0;
	}
}

static void
seqvec_release(struct store *st, struct seqvec *sv)
{
	st->index_bytes -= sv->cap * sizeof(uint64_t);
	free(sv->v);
	memset(sv, 0, sizeof(*sv));
}

static void
itab_rehash(struct itab *t, uint32_t nslots)
{
	free(t->slots);
	t->slots = xcalloc(nslots, sizeof(uint32_t));
	t->nslots = nslots;
	t->used = 0;
	for (size_t id = 1; id < t->n_e; id++) {
		if (!t->e[id].live)
			continue;
		uint32_t i = t->e[id].hash & (nslots - 1);
		while (t->slots[i])
			i = (i + 1) & (nslots - 1);
		t->slots[i] = (uint32_t)id;
		t->used++;
	}
}

static uint32_t
itab_find(const struct itab *t, const char *s, size_t n, uint32_t h)
{
	if (!t->nslots)
		return 0;
	for (uint32_t i = h & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		uint32_t id = t->slots[i];
		if (id == 0)
			return 0;
		if (id != TOMB && t->e[id].hash == h && t->e[id].len == n && !memcmp(t->e[id].str, s, n))
			return id;
	}
}

static uint32_t
itab_intern(struct store *st, struct itab *t, const char *s, size_t n)
{
	uint32_t h = hash_bytes(s, n);
	uint32_t id = itab_find(t, s, n, h);
	if (id)
		return id;
	if ((t->used + 1) * 4 >= t->nslots * 3) {
		size_t live = t->n_e - 1 - t->n_free;
		uint32_t ns = t->nslots ? t->nslots : 64;
		while ((live + 1) * 2 >= ns)
			ns *= 2;
		st->index_bytes += (ns - t->nslots) * sizeof(uint32_t);
		itab_rehash(t, ns);
	}
	if (t->n_free) {
		id = t->free_ids[--t->n_free];
	} else {
		if (t->n_e == 0)
			t->n_e = 1;
		xgrow(&t->e, &t->cap_e, t->n_e + 1, sizeof(*t->e));
		id = (uint32_t)t->n_e++;
	}
	struct ientry *e = &t->e[id];
	memset(e, 0, sizeof(*e));
	e->str = xstrndup(s, n);
	e->len = (uint32_t)n;
	e->hash = h;
	e->live = true;
	if (t->with_series) {
		e->series = xcalloc(1, sizeof(struct series));
		st->index_bytes += sizeof(struct series);
	}
	st->index_bytes += n + 1 + sizeof(*e);
	uint32_t i = h & (t->nslots - 1);
	while (t->slots[i] && t->slots[i] != TOMB)
		i = (i + 1) & (t->nslots - 1);
	if (t->slots[i] == 0)
		t->used++;
	t->slots[i] = id;
	return id;
}

static void
itab_remove(struct store *st, struct itab *t, uint32_t id)
{
	struct ientry *e = &t->e[id];
	for (uint32_t i = e->hash & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		if (t->slots[i] == id) {
			t->slots[i] = TOMB;
			break;
		}
	}
	st->index_bytes -= e->len + 1 + sizeof(*e);
	free(e->str);
	seqvec_release(st, &e->seqs);
	if (e->series) {
		free(e->series);
		st->index_bytes -= sizeof(struct series);
	}
	memset(e, 0, sizeof(*e));
	xgrow(&t->free_ids, &t->cap_free, t->n_free + 1, sizeof(uint32_t));
	t->free_ids[t->n_free++] = id;
}

static void
series_add(struct series *s, int64_t sec, uint8_t level)
{
	if (s->last_sec == 0)
		s->last_sec = sec;
	if (sec > s->last_sec) {
		int64_t gap = sec - s->last_sec;
		if (gap >= STORE_SERIES_SECS) {
			memset(s->lines, 0, sizeof(s->lines));
			memset(s->errors, 0, sizeof(s->errors));
			memset(s->warns, 0, sizeof(s->warns));
		} else {
			for (int64_t t = s->last_sec + 1; t <= sec; t++) {
				size_t i = (size_t)(t % STORE_SERIES_SECS);
				s->lines[i] = s->errors[i] = s->warns[i] = 0;
			}
		}
		s->last_sec = sec;
	} else if (sec <= s->last_sec - STORE_SERIES_SECS) {
		return;
	}
	size_t i = (size_t)(sec % STORE_SERIES_SECS);
	s->lines[i]++;
	if (level >= LVL_ERROR)
		s->errors[i]++;
	else if (level == LVL_WARN)
		s->warns[i]++;
}

uint32_t
series_at(const struct series *s, const uint32_t *arr, int64_t sec)
{
	if (!s || s->last_sec == 0 || sec > s->last_sec || sec <= s->last_sec - STORE_SERIES_SECS || sec < 0)
		return 0;
	return arr[sec % STORE_SERIES_SECS];
}

struct store *
store_new(const struct store_opts *opts)
{
	struct store *st = xcalloc(1, sizeof(*st));
	st->opts = *opts;
	if (st->opts.max_bytes == 0)
		st->opts.max_bytes = 256u << 20;
	if (st->opts.max_line == 0)
		st->opts.max_line = 64u << 10;
	st->first_seq = 1;
	st->chunk_size = st->opts.max_bytes / 16 < CHUNK_SIZE ? st->opts.max_bytes / 16 : CHUNK_SIZE;
	if (st->chunk_size < 4096)
		st->chunk_size = 4096;
	st->tab[DIM_AGENT].with_series = true;
	st->tab[DIM_COMPONENT].with_series = true;
	st->tab[DIM_CORR].reclaim = true;
	st->tab[DIM_ORIGIN].reclaim = true;
	return st;
}

void
store_free(struct store *st)
{
	if (!st)
		return;
	for (int d = 0; d < DIM__COUNT; d++) {
		struct itab *t = &st->tab[d];
		for (size_t id = 1; id < t->n_e; id++) {
			free(t->e[id].str);
			free(t->e[id].seqs.v);
			free(t->e[id].series);
		}
		free(t->e);
		free(t->slots);
		free(t->free_ids);
	}
	for (int l = 0; l < LVL__COUNT; l++)
		free(st->levels[l].v);
	struct chunk *c = st->chunks;
	while (c) {
		struct chunk *n = c->next;
		free(c);
		c = n;
	}
	free(st->recs);
	free(st);
}

size_t
store_bytes(const struct store *st)
{
	return st->text_bytes + st->index_bytes + st->cap * sizeof(struct log_rec);
}

static struct log_rec *
rec_at(const struct store *st, uint64_t seq)
{
	return &st->recs[(st->head + (seq - st->first_seq)) % st->cap];
}

static void
evict_oldest(struct store *st)
{
	struct log_rec *r = &st->recs[st->head];
	for (int d = 0; d < DIM__COUNT; d++) {
		uint32_t id = r->id[d];
		if (!id)
			continue;
		struct itab *t = &st->tab[d];
		seqvec_pop(&t->e[id].seqs, r->seq);
		if (t->reclaim && t->e[id].seqs.len == 0)
			itab_remove(st, t, id);
	}
	seqvec_pop(&st->levels[r->level], r->seq);
	st->head = (st->head + 1) % st->cap;
	st->count--;
	st->first_seq++;
	st->dropped++;
	while (st->chunks && st->chunks->last_seq < st->first_seq && st->chunks != st->tail_chunk) {
		struct chunk *c = st->chunks;
		st->chunks = c->next;
		st->text_bytes -= sizeof(*c) + c->size;
		free(c);
	}
}

static void
grow_recs(struct store *st)
{
	/* Called with the ring full.  realloc moves big blocks by remapping
	 * pages, not copying; then only the wrapped run 0..head is copied
	 * to just past the old end, so the ring runs head..cap+head. */
	size_t oc = st->cap, nc = oc ? oc * 2 : 1024;
	st->recs = xrealloc(st->recs, nc * sizeof(*st->recs));
	if (st->head)
		memcpy(st->recs + oc, st->recs, st->head * sizeof(*st->recs));
	st->cap = nc;
}

static char *
text_alloc(struct store *st, size_t len, uint64_t seq)
{
	struct chunk *c = st->tail_chunk;
	if (!c || c->size - c->used < len) {
		size_t size = len > st->chunk_size ? len : st->chunk_size;
		c = xmalloc(sizeof(*c) + size);
		c->next = NULL;
		c->used = 0;
		c->size = size;
		if (st->tail_chunk)
			st->tail_chunk->next = c;
		else
			st->chunks = c;
		st->tail_chunk = c;
		st->text_bytes += sizeof(*c) + size;
	}
	char *p = c->data + c->used;
	c->used += len;
	c->last_seq = seq;
	return p;
}

uint64_t
store_push(struct store *st, const char *text, size_t len, size_t full_len,
	   const char *origin, int64_t ts_ns, int64_t now_ns)
{
	if (full_len < len)
		full_len = len;
	bool cut = false;
	if (len > st->opts.max_line) {
		len = st->opts.max_line;
		cut = true;
	}
	if (full_len > len)
		cut = true;
	/* Make room: evict until text + records + indexes fit the cap,
	 * counting a new text chunk or a bigger record array if needed. */
	size_t need = 256;
	if (!st->tail_chunk || st->tail_chunk->size - st->tail_chunk->used < len)
		need += sizeof(struct chunk) + (len > st->chunk_size ? len : st->chunk_size);
	if (st->count == st->cap)
		need += (st->cap ? st->cap : 1024) * sizeof(struct log_rec);
	while (st->count > 0 && store_bytes(st) + need > st->opts.max_bytes)
		evict_oldest(st);
	if (st->count == st->cap)
		grow_recs(st);

	uint64_t seq = st->first_seq + st->count;
	struct log_rec *r = &st->recs[(st->head + st->count) % st->cap];
	st->count++;
	memset(r, 0, sizeof(*r));
	char *p = text_alloc(st, len, seq);
	/* Secrets are masked before anything can show or query them. */
	size_t red = redact_copy(text, len, p);
	if (red < len) {
		full_len -= len - red;
		len = red;
	}
	r->seq = seq;
	r->text = p;
	r->len = (uint32_t)len;
	r->full_len = full_len > UINT32_MAX ? UINT32_MAX : (uint32_t)full_len;
	r->arrival_ns = now_ns;
	if (cut) {
		r->flags |= LOG_F_TRUNCATED;
		st->truncated++;
	}

	struct scan_result sr;
	scan_line(p, len, &sr);
	if (sr.flags & SCAN_F_TS)
		r->ts_ns = sr.ts_ns;
	else if (ts_ns)
		r->ts_ns = ts_ns;
	else {
		r->ts_ns = now_ns;
		r->flags |= LOG_F_TS_ARRIVAL;
	}
	r->level = sr.level;
	r->message = sr.message;
	r->task = sr.task;
	r->duration_ms = (sr.flags & SCAN_F_DURATION) ? sr.duration_ms : NAN;
	if (sr.flags & SCAN_F_JSON) r->flags |= LOG_F_JSON;
	if (sr.flags & SCAN_F_DURATION) r->flags |= LOG_F_DURATION;
	if (sr.flags & SCAN_F_MSG_ESCAPED) r->flags |= LOG_F_MSG_ESCAPED;
	if (sr.flags & SCAN_F_BAD_JSON) r->flags |= LOG_F_BAD_JSON;
	if (st->last_ts && r->ts_ns < st->last_ts - 1000000000LL)
		r->flags |= LOG_F_OUT_OF_ORDER;
	if (r->ts_ns > now_ns + 60000000000LL)
		r->flags |= LOG_F_CLOCK_SKEW;
	if (r->ts_ns > st->last_ts)
		st->last_ts = r->ts_ns;

	const struct span *spans[DIM__COUNT] = { &sr.agent, &sr.component, &sr.corr, NULL };
	for (int d = 0; d < DIM__COUNT; d++) {
		const char *s;
		size_t n;
		if (d == DIM_ORIGIN) {
			if (!origin || !*origin)
				continue;
			s = origin;
			n = strlen(origin);
		} else {
			if (spans[d]->len == 0)
				continue;
			s = p + spans[d]->off;
			n = spans[d]->len;
		}
		uint32_t id = itab_intern(st, &st->tab[d], s, n);
		r->id[d] = id;
		seqvec_push(st, &st->tab[d].e[id].seqs, seq);
	}
	seqvec_push(st, &st->levels[r->level], seq);

	/* Index growth may have passed the cap: trim again (never the new line). */
	while (st->count > 1 && store_bytes(st) > st->opts.max_bytes)
		evict_oldest(st);
	r = (struct log_rec *)store_get(st, seq);

	int64_t sec = r->ts_ns >= 0 ? r->ts_ns / 1000000000LL : 0;
	series_add(&st->total, sec, r->level);
	series_add(&st->by_level[r->level], sec, r->level);
	for (int d = DIM_AGENT; d <= DIM_COMPONENT; d++)
		if (r->id[d])
			series_add(st->tab[d].e[r->id[d]].series, sec, r->level);
	return seq;
}

const struct log_rec *
store_get(const struct store *st, uint64_t seq)
{
	if (seq < st->first_seq || seq >= st->first_seq + st->count)
		return NULL;
	return rec_at(st, seq);
}

uint64_t store_first_seq(const struct store *st) { return st->first_seq; }
uint64_t store_next_seq(const struct store *st) { return st->first_seq + st->count; }
size_t store_count(const struct store *st) { return st->count; }
uint64_t store_dropped(const struct store *st) { return st->dropped; }
size_t store_max_bytes(const struct store *st) { return st->opts.max_bytes; }
uint64_t store_truncated(const struct store *st) { return st->truncated; }

const char *
store_str(const struct store *st, enum store_dim dim, uint32_t id)
{
	const struct itab *t = &st->tab[dim];
	if (id == 0 || id >= t->n_e || !t->e[id].live)
		return "";
	return t->e[id].str;
}

uint32_t
store_lookup(const struct store *st, enum store_dim dim, const char *s, size_t len)
{
	return itab_find(&st->tab[dim], s, len, hash_bytes(s, len));
}

uint32_t
store_dim_max(const struct store *st, enum store_dim dim)
{
	return st->tab[dim].n_e ? (uint32_t)st->tab[dim].n_e - 1 : 0;
}

size_t
store_index(const struct store *st, enum store_dim dim, uint32_t id, const uint64_t **seqs)
{
	const struct itab *t = &st->tab[dim];
	if (id == 0 || id >= t->n_e || !t->e[id].live) {
		*seqs = NULL;
		return 0;
	}
	const struct seqvec *sv = &t->e[id].seqs;
	*seqs = sv->v + sv->head;
	return sv->len;
}

size_t
store_level_index(const struct store *st, enum log_level lvl, const uint64_t **seqs)
{
	const struct seqvec *sv = &st->levels[lvl];
	*seqs = sv->v ? sv->v + sv->head : NULL;
	return sv->len;
}

const struct series *store_series_total(const struct store *st) { return &st->total; }

const struct series *
store_series_level(const struct store *st, enum log_level lvl)
{
	return &st->by_level[lvl];
}

const struct series *
store_series(const struct store *st, enum store_dim dim, uint32_t id)
{
	const struct itab *t = &st->tab[dim];
	if (id == 0 || id >= t->n_e || !t->e[id].live)
		return NULL;
	return t->e[id].series;
}

uint64_t
store_seek_time(const struct store *st, int64_t ts_ns)
{
	size_t lo = 0, hi = st->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->recs[(st->head + mid) % st->cap].ts_ns < ts_ns)
			lo = mid + 1;
		else
			hi = mid;
	}
	return st->first_seq + lo;
}

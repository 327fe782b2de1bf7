/**
 * core/arena.h: a bump allocator freed all at once.
 *
 * Each LogQL query owns one arena: tokens, AST nodes and unescaped strings
 * come from it and arena_free() releases them together.  Allocation returns
 * NULL when malloc fails (callers map that to LX_ENOMEM); an optional hook
 * lets tests fail the Nth allocation.
 */
#ifndef LX_CORE_ARENA_H
#define LX_CORE_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t block_size;
	size_t total;          /* bytes handed out, for memory accounting */
	/* Test hook: when non-NULL and it returns nonzero, allocation fails. */
	int (*fail_hook)(void *ud);
	void *fail_ud;
};

void arena_init(struct arena *a, size_t block_size);
/** Frees every block; `a` may be reused after arena_init(). */
void arena_free(struct arena *a);
/* Forgets every allocation but keeps one block for reuse (per-line scratch). */
void arena_reset(struct arena *a);
/** Returns `n` bytes aligned to 16, or NULL; valid until arena_free(). */
void *arena_alloc(struct arena *a, size_t n);
/** Returns zeroed memory, or NULL. */
void *arena_calloc(struct arena *a, size_t n);
/** Returns a NUL-terminated copy of `s[0..n)`, or NULL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

#endif

/**
 * core/xalloc.h: allocation wrappers for app and UI code.
 *
 * They never return NULL: on failure they print a message and exit(3),
 * as tmux's xmalloc does.  core/ data structures that must survive
 * allocation failure (arena, store) use plain malloc and return LX_ENOMEM.
 */
#ifndef LX_CORE_XALLOC_H
#define LX_CORE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/** Returns a new copy of `s`; the caller frees it with free(). */
char *xstrdup(const char *s);
/** Returns a new NUL-terminated copy of `s[0..n)`. */
char *xstrndup(const char *s, size_t n);
/** Grows `*p` (of `*cap` items of `size` bytes) to hold at least `need`. */
void xgrow(void *pp, size_t *cap, size_t need, size_t size);

#endif

/**
 * core/sort.h: qsort() that accepts an empty or NULL array (qsort wants a
 * non-NULL base even for 0 items).
 */
#ifndef LX_CORE_SORT_H
#define LX_CORE_SORT_H

#include <stdlib.h>

static inline void
sort_n(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

#endif

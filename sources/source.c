/* sources/source.c: generic source helpers. */
#include "sources/source.h"

#include <stdlib.h>

void
source_free(struct source *s)
{
	if (!s)
		return;
	if (s->ops->free)
		s->ops->free(s);
	free(s);
}

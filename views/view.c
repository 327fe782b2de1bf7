/* views/view.c: the registry of views, in tab order. */
#include "views/view.h"

#include <string.h>

const struct view_ops *const view_registry[] = {
	&tail_view_ops,
	&trace_view_ops,
	&errors_view_ops,
	&health_view_ops,
	&explore_view_ops,
	&alerts_view_ops,
	&dashboard_view_ops,
	&detail_view_ops,
	NULL,
};

const struct view_ops *
view_find(const char *name)
{
	for (int i = 0; view_registry[i]; i++)
		if (!strcmp(view_registry[i]->name, name))
			return view_registry[i];
	return NULL;
}

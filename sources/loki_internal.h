/*
 * sources/loki_internal.h: what sources/loki.c and sources/loki_tail.c
 * share beyond sources/loki.h.  Not for other modules.
 */
#ifndef LX_SOURCES_LOKI_INTERNAL_H
#define LX_SOURCES_LOKI_INTERNAL_H

#include "sources/http.h"
#include "sources/loki.h"

struct loki {
	struct http_api api;          /* base URL, owned credentials, options */
	struct loki_req *reqs;
};

#endif

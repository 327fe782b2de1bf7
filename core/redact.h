/**
 * core/redact.h: masks secrets in log text before it is stored.
 *
 * Values of keys that name a secret (password, passwd, secret, token,
 * api_key, apikey, authorization, access_key, private_key, credentials,
 * client_secret, session_id, cookie) in JSON ("password": "x") and
 * key=value form (password=x), HTTP credentials (Bearer x, Basic x) and
 * passwords in URLs (scheme://user:pass@host) become "****" (or as many
 * stars as the value has characters when shorter).  The output is never
 * longer than the input.  Lines with nothing secret-looking pass through
 * after a few memchr/memmem probes.
 */
#ifndef LX_CORE_REDACT_H
#define LX_CORE_REDACT_H

#include <stddef.h>

/**
 * Copies in[0..n) to out (room for n bytes) with secrets masked; returns
 * the length written (<= n).  `in` and `out` must not overlap.
 */
size_t redact_copy(const char *in, size_t n, char *out);

#endif

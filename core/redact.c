/*
 * core/redact.c: secret masking for log lines.  One pass: at each place a
 * secret-looking key or scheme starts, the value after it is replaced.
 */
#define _GNU_SOURCE 1   /* memmem */
#include "core/redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static const char *const keys[] = {
	"password", "passwd", "secret", "token", "api_key", "apikey", "api-key", "authorization",
	"access_key", "private_key", "credentials", "client_secret", "session_id", "cookie",
};

/* Length of a secret key name ending at key end e (exclusive), or 0. */
/* First two letters (lower case) of some key: pair_ok[c0 & 31][c1 & 31]. */
static bool pair_ok[32][32];
static bool pairs_ready;

static bool letter[256];

/* First three letters of some key or scheme: tri_ok[TRI(c0, c1, c2)]. */
#define TRI(a, b, c) ((((unsigned)(a) & 31) << 10) | (((unsigned)(b) & 31) << 5) | ((unsigned)(c) & 31))
static bool tri_ok[1 << 15];

static void
pairs_init(void)
{
	for (int c = 'a'; c <= 'z'; c++)
		letter[c] = letter[c - 32] = true;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		pair_ok[keys[k][0] & 31][keys[k][1] & 31] = true;
		tri_ok[TRI(keys[k][0], keys[k][1], keys[k][2])] = true;
	}
	pair_ok['b' & 31]['e' & 31] = pair_ok['b' & 31]['a' & 31] = true;   /* Bearer, Basic */
	tri_ok[TRI('b', 'e', 'a')] = tri_ok[TRI('b', 'a', 's')] = true;
	pairs_ready = true;
}

static size_t
key_at(const char *s, size_t i, size_t n)
{
	if (i + 1 >= n)
		return 0;
	unsigned char c0 = (unsigned char)s[i], c1 = (unsigned char)s[i + 1];
	if (!isalpha(c0) || !isalpha(c1) || !pair_ok[c0 & 31][c1 & 31])
		return 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		const char *key = keys[k];
		size_t j = 0;
		/* ASCII case folding by hand: no locale, no call. */
		while (key[j] && i + j < n && ((unsigned char)s[i + j] | 0x20) == (unsigned char)(key[j] | 0x20))
			j++;
		if (!key[j])
			return j;
	}
	return 0;
}

static bool
is_scheme(const char *s, size_t i, size_t n)
{
	return (i + 7 <= n && !strncasecmp(s + i, "Bearer ", 7)) || (i + 6 <= n && !strncasecmp(s + i, "Basic ", 6));
}

/*
 * The prefilter: a line can only hold a secret we mask where a key or a
 * credential scheme starts a word (or follows '_' / '-', as in
 * db_password), or where an '@' ends URL credentials.  Most lines are
 * rejected after a memchr and one pass of single-byte tests.
 */
/* Whether a secret key or a credential scheme starts at word start i. */
static inline bool
secret_at(const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char c = u[i];
	/* every key and scheme is longer than three letters */
	return i + 2 < n && tri_ok[TRI(c, u[i + 1], u[i + 2])] &&
	       (key_at(s, i, n) || ((c | 0x20) == 'b' && is_scheme(s, i, n)));
}

#define BYTES(c) (0x0101010101010101ULL * (c))

/* High bit of each byte of t (bytes < 0x80): set when the byte >= lo. */
static uint64_t
ge_bytes(uint64_t t, unsigned lo)
{
	return (t + BYTES(0x80 - lo)) & BYTES(0x80);
}

static bool
maybe_secret(const char *s, size_t n)
{
	if (!pairs_ready)
		pairs_init();
	if (memchr(s, '@', n))
		return true;
	const unsigned char *u = (const unsigned char *)s;
	/* Word starts: a letter after a byte that is not a letter or digit. */
	size_t i = 0;
	bool prev_alnum = false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* Eight bytes at a time: letters and letters-or-digits as bit masks
	 * (the high bit of each byte), word starts from those. */
	uint64_t carry = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, u + i, 8);
		uint64_t hi = x & BYTES(0x80), t = x & BYTES(0x7f), lc = t | BYTES(0x20);
		uint64_t let = ge_bytes(lc, 'a') & ~ge_bytes(lc, 'z' + 1) & ~hi;
		uint64_t aln = let | (ge_bytes(t, '0') & ~ge_bytes(t, '9' + 1) & ~hi);
		uint64_t starts = let & ~((aln << 8) | carry);
		carry = aln >> 56;
		while (starts) {
			size_t k = i + ((size_t)__builtin_ctzll(starts) >> 3);
			starts &= starts - 1;
			if (secret_at(s, k, n))
				return true;
		}
	}
	prev_alnum = carry != 0;
#endif
	for (; i + 1 < n; i++) {
		bool was = prev_alnum;
		prev_alnum = letter[u[i]] || (u[i] >= '0' && u[i] <= '9');
		if (letter[u[i]] && !was && secret_at(s, i, n))
			return true;
	}
	return false;
}

static size_t
mask(char *out, size_t o, size_t vlen)
{
	size_t stars = vlen < 4 ? vlen : 4;
	memset(out + o, '*', stars);
	return o + stars;
}

/* End of a bare value (key=value, Bearer value). */
static size_t
bare_end(const char *s, size_t i, size_t n)
{
	while (i < n && !isspace((unsigned char)s[i]) && s[i] != '&' && s[i] != ',' && s[i] != ';' &&
	       s[i] != '"' && s[i] != '\'' && s[i] != '}' && s[i] != ')' && s[i] != '\\')
		i++;
	return i;
}

size_t
redact_copy(const char *s, size_t n, char *out)
{
	if (!maybe_secret(s, n)) {
		memcpy(out, s, n);
		return n;
	}
	size_t i = 0, o = 0;
	while (i < n) {
		/* A key naming a secret, at a word start; the name may go on
		 * ("password_hash"), and "db_password" matches from "password". */
		size_t kl = (i == 0 || !isalnum((unsigned char)s[i - 1])) ? key_at(s, i, n) : 0;
		if (kl) {
			size_t j = i + kl;
			while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '-'))
				j++;
			size_t k = j;
			bool quoted_key = k < n && s[k] == '"';
			if (quoted_key)
				k++;
			while (k < n && s[k] == ' ')
				k++;
			if (k < n && (s[k] == ':' || s[k] == '=')) {
				k++;
				while (k < n && s[k] == ' ')
					k++;
				size_t vs = k, ve;
				if (k < n && (s[k] == '"' || s[k] == '\'')) {
					char q = s[k];
					vs = k + 1;
					ve = vs;
					while (ve < n && s[ve] != q) {
						if (s[ve] == '\\' && ve + 1 < n)
							ve++;
						ve++;
					}
					if (ve > n)
						ve = n;
				} else if (k < n && (s[k] == '{' || s[k] == '[' || isdigit((unsigned char)s[k]) ||
						     !strncmp(s + k, "null", 4) || !strncmp(s + k, "true", 4) ||
						     !strncmp(s + k, "false", 5))) {
					/* Not a string: a nested object or a number; leave it. */
					memcpy(out + o, s + i, k - i);
					o += k - i;
					i = k;
					continue;
				} else if (!strncasecmp(s + k, "Bearer ", 7) || !strncasecmp(s + k, "Basic ", 6)) {
					/* "Authorization: Bearer x": keep the scheme, mask x. */
					size_t sl = tolower((unsigned char)s[k + 1]) == 'e' ? 7 : 6;
					memcpy(out + o, s + i, k + sl - i);
					o += k + sl - i;
					ve = bare_end(s, k + sl, n);
					o = mask(out, o, ve - (k + sl));
					i = ve;
					continue;
				} else {
					ve = bare_end(s, k, n);
				}
				/* "Bearer x" inside the value: keep the scheme word. */
				size_t keep = 0;
				if (ve - vs > 7 && (!strncasecmp(s + vs, "Bearer ", 7) || !strncasecmp(s + vs, "Basic ", 6)))
					keep = s[vs + 1] == 'e' || s[vs + 1] == 'E' ? 7 : 6;
				memcpy(out + o, s + i, vs + keep - i);
				o += vs + keep - i;
				if (ve > vs + keep)
					o = mask(out, o, ve - vs - keep);
				i = ve;
				continue;
			}
		}
		/* Bearer / Basic credentials anywhere. */
		if ((s[i] | 0x20) == 'b' && is_scheme(s, i, n)) {
			size_t vs = i + (s[i + 1] == 'e' || s[i + 1] == 'E' ? 7 : 6);
			size_t ve = bare_end(s, vs, n);
			if (ve - vs >= 8) {
				memcpy(out + o, s + i, vs - i);
				o = mask(out, o + (vs - i), ve - vs);
				i = ve;
				continue;
			}
		}
		/* scheme://user:password@host */
		if (s[i] == ':' && i + 2 < n && s[i + 1] == '/' && s[i + 2] == '/') {
			size_t u = i + 3, c = u;
			while (c < n && s[c] != ':' && s[c] != '@' && s[c] != '/' && !isspace((unsigned char)s[c]))
				c++;
			if (c < n && s[c] == ':') {
				size_t at = c + 1;
				while (at < n && s[at] != '@' && s[at] != '/' && !isspace((unsigned char)s[at]))
					at++;
				if (at < n && s[at] == '@' && at > c + 1) {
					memcpy(out + o, s + i, c + 1 - i);
					o = mask(out, o + (c + 1 - i), at - c - 1);
					i = at;
					continue;
				}
			}
		}
		out[o++] = s[i++];
	}
	return o;
}

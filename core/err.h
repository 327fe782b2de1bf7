/**
 * core/err.h: the project's error codes.
 *
 * Functions return 0 on success or a negative LX_E* code.  The codes come
 * from one X-macro so names and messages cannot drift apart.  Printf-like
 * helpers are marked with LX_PRINTF.
 */
#ifndef LX_CORE_ERR_H
#define LX_CORE_ERR_H

#define LX_ERRNO_MAP(XX)                                               \
	XX(ENOMEM, "out of memory")                                    \
	XX(EINVAL, "invalid argument")                                 \
	XX(EPARSE, "parse error")                                      \
	XX(EIO, "input/output error")                                  \
	XX(ENOENT, "no such file or directory")                        \
	XX(ERANGE, "value out of range")                               \
	XX(ETOOBIG, "too large")                                       \
	XX(ECANCELED, "canceled")                                      \
	XX(ETIMEDOUT, "timed out")                                     \
	XX(ECONN, "connection failed")                                 \
	XX(EHTTP, "server returned an error")                         \
	XX(EAGAIN, "not ready; try again")

enum lx_err {
	LX_OK = 0,
#define XX(code, msg) LX_##code,
	LX__FIRST = -100,
	LX_ERRNO_MAP(XX)
#undef XX
};

#if defined(__GNUC__)
#define LX_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define LX_UNUSED __attribute__((unused))
#else
#define LX_PRINTF(f, a)
#define LX_UNUSED
#endif

#define LX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/** Returns the short name of an error code ("ENOMEM"); never NULL. */
const char *err_name(int code);
/** Returns the human message of an error code; never NULL. */
const char *err_str(int code);

#endif

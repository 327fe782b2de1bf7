/* core/err.c: names and messages for LX_E* codes.  Nothing else. */
#include "core/err.h"

const char *
err_name(int code)
{
	switch (code) {
	case 0: return "OK";
#define XX(c, m) case LX_##c: return #c;
	LX_ERRNO_MAP(XX)
#undef XX
	}
	return "EUNKNOWN";
}

const char *
err_str(int code)
{
	switch (code) {
	case 0: return "success";
#define XX(c, m) case LX_##c: return m;
	LX_ERRNO_MAP(XX)
#undef XX
	}
	return "unknown error";
}

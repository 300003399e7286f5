#include "graph/core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return -1;
}

char *error_quote(char *out, size_t size, const char *s, size_t len)
{
	static const char nul_sign[] = "\xe2\x90\x80";	/* U+2400 */
	size_t o = 0;

	if (size == 0)
		return out;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\0') {
			if (o + 2 > size)
				break;
			out[o++] = s[i];
		} else {
			if (o + sizeof nul_sign > size)
				break;
			memcpy(out + o, nul_sign, sizeof nul_sign - 1);
			o += sizeof nul_sign - 1;
		}
	}
	out[o] = '\0';
	return out;
}

/* error: the caller-supplied error record every fallible function fills.
 *
 * Contract: a function that can fail takes a `struct error *` (never NULL),
 * returns 0 on success or a negative value on failure, and on failure leaves
 * one line a user can act on in err->msg: where (file, byte offset or line)
 * and what was wrong.  Nothing below the front end prints errors itself.
 */
#ifndef HEAPGLASS_ERROR_H
#define HEAPGLASS_ERROR_H

#include <stddef.h>

enum {
	ERROR_MSG_MAX = 512
};

struct error {
	char msg[ERROR_MSG_MAX];
};

/* Formats the message (printf-style) into err and returns -1, so a caller
 * can write `return error_set(err, "...")`.  Bytes from untrusted input may
 * be passed through error_quote() first. */
int error_set(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes at most `len` bytes of `s` into `out` (size `size`, always
 * NUL-terminated) with every byte that is not printable ASCII shown as \xHH,
 * for quoting untrusted text inside an error message.  Returns out. */
char *error_quote(char *out, size_t size, const char *s, size_t len);

#endif

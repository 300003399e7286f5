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
 * can write `return error_set(err, "...")`.  The message may hold raw bytes
 * from untrusted input (file names, pieces of the file): whoever shows it
 * escapes it as a whole (graph/core/text.h text_escape; the command line's
 * cli_fail(), the viewer's draw_text()), so pass strings as they are. */
int error_set(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes at most `len` bytes of `s` into `out` (size `size`, always
 * NUL-terminated) as they are, except that a NUL byte becomes U+2400 (a
 * visible "NUL" sign) so the piece stays one C string: for quoting a piece
 * of untrusted input inside an error message, which is escaped where it is
 * shown.  Returns out. */
char *error_quote(char *out, size_t size, const char *s, size_t len);

#endif

/* text: making untrusted bytes from a snapshot safe to show.
 *
 * Names in snapshots come from other people's processes and may hold
 * terminal escape sequences, NUL, invalid UTF-8 or bidi overrides.  Every
 * string that reaches a terminal, a JSON document or an export goes through
 * text_escape() first.
 */
#ifndef HEAPGLASS_TEXT_H
#define HEAPGLASS_TEXT_H

#include <stddef.h>

enum text_flags {
	TEXT_ASCII = 1 << 0	/* also escape every non-ASCII character (\u{XXXX}) */
};

/* Writes s (len bytes) into out (size bytes, always NUL-terminated, size
 * >= 4) as valid UTF-8 without control characters: C0/C1 controls, DEL and
 * NUL become \n, \t, \e or \xHH; bytes of invalid UTF-8 become \xHH;
 * invisible and direction-changing code points (text_invisible()) become
 * \u{XXXX}; a backslash becomes \\, so every backslash in the output
 * starts an escape and a name spelled "\e" cannot pass for an ESC.
 *
 * The contract of the tree: strings stay raw (as the snapshot or the file
 * system has them) everywhere inside, and are escaped exactly once, where
 * they leave: the viewer's draw_text(), the command line's cli_* output
 * helpers and messages, JSON, exports.  When the whole does not fit in out, cuts at
 * the last character (or escape) boundary that leaves room for "..." and
 * ends with "..."; what fits is never cut.  Returns the number of bytes
 * written. */
size_t text_escape(char *out, size_t size, const char *s, size_t len, unsigned flags);

/* 1 when code point cp draws nothing or changes how the text around it
 * reads: a Default_Ignorable_Code_Point, a format character (Cf), U+2028
 * or U+2029 (Unicode 15). */
int text_invisible(unsigned cp);

/* Decodes one UTF-8 character at s (n bytes available).  Returns its length
 * (1-4) and stores the code point, or returns 0 for an invalid sequence. */
size_t text_utf8_decode(const char *s, size_t n, unsigned *cp);

/* Formats a byte count for people ("1.5 MiB", "812 B") into buf.  Returns buf. */
const char *text_bytes(char *buf, size_t size, unsigned long long bytes);

#endif

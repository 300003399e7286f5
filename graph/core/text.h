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
	TEXT_ASCII = 1 << 0,	/* also escape every non-ASCII character (\u{XXXX}) */
	/* s is display text: text_escape() output, or our own words around
	 * it.  Its backslashes already start escapes and are kept; anything
	 * else unsafe is still escaped. */
	TEXT_ESCAPED = 1 << 1
};

/* Writes s (len bytes) into out (size bytes, always NUL-terminated, size
 * >= 4) as valid UTF-8 without control characters: C0/C1 controls, DEL and
 * NUL become \n, \t, \e or \xHH; bytes of invalid UTF-8 become \xHH, but
 * for a surrogate encoded as UTF-8 would be (WTF-8: a lone \uD800 from a
 * JavaScript string), which becomes \u{D800};
 * invisible and direction-changing code points (text_invisible()) become
 * \u{XXXX}; a backslash becomes \\, so every backslash in the output
 * starts an escape and a name spelled "\e" cannot pass for an ESC.
 *
 * The contract of the tree: a string from a snapshot or a file name is
 * escaped exactly once, either where it leaves raw (the viewer's
 * draw_text(), the command line's cli_* helpers, messages, JSON, exports)
 * or where it goes into display text (a table cell, a label, a line of
 * narration), which is then shown as it is (draw_escaped(), printf) or
 * checked with TEXT_ESCAPED, never escaped again.  When the whole does not fit in out, cuts at
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

/* Writes s (len bytes) into out (size bytes, NUL-terminated) quoted for a
 * POSIX shell: in single quotes, a quote as '"'"' (no backslash, which
 * text_escape() would double), so a command line made with it runs on
 * exactly that file when pasted.  Returns 0, or -1 (out empty) when s holds
 * something text_escape() changes (controls, invalid UTF-8, invisible code
 * points, a backslash: no line on a terminal can show it as it is) or does
 * not fit: then give no command to paste. */
int text_shell_quote(char *out, size_t size, const char *s, size_t len);

/* Formats a byte count for people ("1.5 MiB", "812 B") into buf.  Returns buf. */
const char *text_bytes(char *buf, size_t size, unsigned long long bytes);

#endif

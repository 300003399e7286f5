/* draw: the one way text reaches the screen.
 *
 * Every string, trusted (our labels) or not (names from a snapshot), goes
 * through draw_text(): it escapes control characters, invalid UTF-8 and
 * bidi/invisible format characters (graph/core/text.h text_escape), measures the
 * result with wcwidth(), and truncates it at a character boundary with a
 * one-cell ellipsis so it never takes more than `width` columns.  A name
 * therefore cannot move the cursor, set the window title or clear the
 * screen.  In ASCII mode (screen_utf8() == 0) every non-ASCII character is
 * shown as \u{XXXX}.
 */
#ifndef HEAPGLASS_DRAW_H
#define HEAPGLASS_DRAW_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>

/* Draws len bytes of s at (y, x) in at most width columns with attribute
 * attr.  Returns the number of columns used (0 when width <= 0). */
int draw_text(WINDOW *w, int y, int x, int width, const char *s, size_t len, attr_t attr);

/* draw_text() of display text: text whose strings from a snapshot are
 * already escaped (a stepper's labels and narration, graph/core/text.h's
 * TEXT_ESCAPED).  Its backslashes are kept, so a name is not escaped twice;
 * anything unsafe is still escaped. */
int draw_escaped(WINDOW *w, int y, int x, int width, const char *s, size_t len, attr_t attr);

/* The columns draw_escaped() would use for s with no width limit. */
int draw_escaped_width(const char *s, size_t len);

/* draw_text() of a NUL-terminated string. */
int draw_str(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);

/* Like draw_str(), right-aligned so the text ends at column x + width. */
int draw_str_right(WINDOW *w, int y, int x, int width, const char *s, attr_t attr);

/* printf-style draw_str(); the formatted text is cut at 1 KiB. */
int draw_printf(WINDOW *w, int y, int x, int width, attr_t attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* The columns draw_text() would use for s with no width limit. */
int draw_width(const char *s, size_t len);

/* Fills width columns at (y, x) with blanks in attr. */
void draw_fill(WINDOW *w, int y, int x, int width, attr_t attr);

/* A horizontal bar of width columns showing frac (0..1) in eighths of a
 * cell (UTF-8) or '#' (ASCII). */
void draw_bar(WINDOW *w, int y, int x, int width, double frac, attr_t attr);

/* Formats bytes compactly in at most 9 columns ("812 B", "1.5 MiB"). */
const char *draw_bytes(char *buf, size_t size, uint64_t bytes);

/* Formats a count with thousands separators ("5,000,000"). */
const char *draw_count(char *buf, size_t size, uint64_t n);

#endif

/* screen: the terminal under the viewer: curses set-up and tear-down,
 * colour roles and themes, UTF-8 or ASCII glyphs, the minimum size.
 *
 * Two modes: a real terminal (initscr on the tty), or headless, where
 * curses renders into a virtual screen of a fixed size (newterm on
 * /dev/null) so key scripts can run with no terminal and the final screen
 * can be dumped as text (--keys / --dump-screen).
 *
 * Colours are semantic roles (screen_attr(ROLE_...)); the monochrome theme
 * maps every role to plain attributes and is used when NO_COLOR is set, when
 * the terminal has no colours, or when asked for.
 */
#ifndef HEAPGLASS_SCREEN_H
#define HEAPGLASS_SCREEN_H

#include <stdio.h>

#include <curses.h>

enum role {
	ROLE_NORMAL,
	ROLE_TITLE,		/* the top bar */
	ROLE_TAB,		/* the current view's tab in the top bar */
	ROLE_FOOTER,		/* the bottom bar */
	ROLE_FOOTER_KEY,	/* a key name in the bottom bar */
	ROLE_HEADER,		/* column headings, section headings */
	ROLE_CURSOR,		/* the selected row */
	ROLE_DIM,		/* secondary text: ids, edge kinds */
	ROLE_TYPE,		/* type names */
	ROLE_NAME,		/* object names / labels */
	ROLE_SIZE,		/* byte counts */
	ROLE_BAR,		/* size bars */
	ROLE_GARBAGE,		/* unreachable objects, garbage cycles */
	ROLE_LIVE,		/* reachable cycles / live markers */
	ROLE_WEAK,		/* weak references */
	ROLE_ROOT,		/* roots */
	ROLE_MATCH,		/* search match */
	ROLE_ERROR,		/* error and warning messages */
	ROLE_COUNT
};

enum screen_theme {
	THEME_AUTO,		/* colour unless NO_COLOR or the terminal has none */
	THEME_COLOR,
	THEME_MONO
};

/* Glyphs that have a UTF-8 and an ASCII form. */
enum glyph {
	GLYPH_ELLIPSIS,		/* "…" / "~" (one cell) */
	GLYPH_TREE_OPEN,	/* "▾" / "-" */
	GLYPH_TREE_CLOSED,	/* "▸" / "+" */
	GLYPH_TREE_LEAF,	/* " " */
	GLYPH_ARROW_RIGHT,	/* "→" / ">" */
	GLYPH_ARROW_LEFT,	/* "←" / "<" */
	GLYPH_BULLET,		/* "●" / "o" */
	GLYPH_SORT_DESC,	/* "▼" / "v": the sort column, largest first */
	GLYPH_SORT_ASC,		/* "▲" / "^" */
	GLYPH_COUNT
};

struct screen_opts {
	enum screen_theme theme;
	int ascii;		/* force ASCII glyphs and escape non-ASCII text */
	int headless;		/* render into a virtual screen */
	int cols, rows;		/* headless size */
};

enum {
	SCREEN_MIN_COLS = 80,
	SCREEN_MIN_ROWS = 24
};

/* Sets up curses.  Returns 0, or -1 when the terminal cannot be used (a
 * message is in err, which has room for ERROR_MSG_MAX bytes). */
int screen_init(const struct screen_opts *o, char *err, size_t errsize);

/* Restores the terminal.  Safe to call twice and from the OOM hook. */
void screen_fini(void);

/* The attribute for a role in the current theme. */
attr_t screen_attr(enum role r);

/* 1 when text may hold non-ASCII characters (UTF-8 locale and not --ascii). */
int screen_utf8(void);

/* The glyph in the current character set (a NUL-terminated UTF-8 string of
 * one cell). */
const char *screen_glyph(enum glyph g);

/* 1 when the screen is at least SCREEN_MIN_COLS x SCREEN_MIN_ROWS. */
int screen_big_enough(void);

/* Draws the "terminal too small" message over the whole screen. */
void screen_draw_too_small(void);

/* Headless: changes the virtual size (a scripted resize). */
void screen_resize(int cols, int rows);

/* Writes the screen as text, one line per row, trailing blanks removed. */
int screen_dump(FILE *out);

/* 1 in headless mode. */
int screen_headless(void);

#endif

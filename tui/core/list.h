/* list: the virtualised list every view is built on.
 *
 * The model is a row count and a row-drawing callback; the list keeps only
 * `top` (first visible row) and `cur` (the cursor).  Drawing touches the
 * visible rows only, so a list of 5 million rows costs what a list of 20
 * does.  Views restore the cursor by object id after a rebuild (they know
 * how to find a row from an id) and call list_set_cursor().
 */
#ifndef HEAPGLASS_LIST_H
#define HEAPGLASS_LIST_H

#include <stdint.h>

#include <curses.h>

#include "tui/core/keys.h"

struct list {
	uint32_t count;
	uint32_t top;
	uint32_t cur;
	int rows;		/* visible rows at the last draw */
	int center_pending;	/* centre the cursor at the next draw (rows unknown) */
	int y0;			/* screen line of the first row at the last draw */
};

/* Draws one row: i < count, selected when it is the cursor row.  The row
 * occupies columns 0..cols-1 of line y. */
typedef void (*list_row_fn)(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int selected);

/* Sets the count and clamps the cursor. */
void list_set_count(struct list *l, uint32_t count);

/* Puts the cursor on row i and scrolls so it is visible (centred if it was
 * off screen). */
void list_set_cursor(struct list *l, uint32_t i);

/* Moves for ACT_UP/DOWN/PGUP/PGDN/HOME/END.  Returns 1 when the action was
 * a movement. */
int list_move(struct list *l, enum action a);

/* Whether row i takes no cursor (a section heading). */
typedef int (*list_skip_fn)(void *ctx, uint32_t i);

/* list_move() in a list with headings: the cursor never stays on a row
 * skip() refuses; it goes on in the move's direction (up for Home/PgUp
 * and Up, down otherwise), or back the other way past the list's end.  A
 * list of headings only keeps the cursor where it lands.  Returns what
 * list_move() returns. */
int list_move_skip(struct list *l, enum action a, list_skip_fn skip, void *ctx);

/* Puts the cursor on the first row at or after i that skip() accepts (or
 * the last before it), scrolling as list_set_cursor() does. */
void list_set_cursor_skip(struct list *l, uint32_t i, list_skip_fn skip, void *ctx);

/* The row shown on screen line y at the last draw, or UINT32_MAX (mouse
 * clicks). */
uint32_t list_row_at(const struct list *l, int y);

/* Draws rows top.. in lines y0..y0+rows-1 of w. */
void list_draw(struct list *l, WINDOW *w, int y0, int rows, int cols, list_row_fn fn, void *ctx);

#endif

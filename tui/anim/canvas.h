/* canvas: lines on a grid of terminal cells, for the GC animation's graph.
 *
 * Pure (no curses): the animation draws edges into a canvas, then copies
 * each non-empty cell to the screen.  A cell holds 2x4 "dots" (a braille
 * character in UTF-8 terminals) and, for ASCII terminals, one line
 * character chosen from the direction of the line through it (- | / \).
 * Coordinates of lines are in dots: x in [0, 2w), y in [0, 4h), y down.
 * Cells can be blocked (a label sits there): lines skip them, so a label is
 * never overwritten.  Each cell keeps the highest tag drawn into it (the
 * caller's style: weak < normal < highlighted), and an optional arrowhead.
 * Out-of-range points are clipped.  Memory: 4 bytes per cell, allocated
 * once per size.
 */
#ifndef HEAPGLASS_CANVAS_H
#define HEAPGLASS_CANVAS_H

#include <stddef.h>
#include <stdint.h>

enum canvas_arrow {
	CANVAS_NO_ARROW = 0,
	CANVAS_DOWN,
	CANVAS_UP,
	CANVAS_LEFT,
	CANVAS_RIGHT
};

struct canvas {
	int w, h;		/* cells */
	uint8_t *dots;		/* w*h braille bits */
	char *ascii;		/* w*h ASCII line character or 0 */
	uint8_t *tag;		/* w*h highest tag drawn here (0: nothing) */
	uint8_t *flag;		/* w*h: bit 0 blocked, bits 1..3 enum canvas_arrow */
};

/* A w x h canvas (w, h >= 0), empty.  Aborts on out of memory. */
void canvas_init(struct canvas *c, int w, int h);
void canvas_fini(struct canvas *c);

/* Empties every cell (dots, characters, tags, arrows and blocks). */
void canvas_clear(struct canvas *c);

/* Blocks the cells x .. x+width-1 of row y (clipped). */
void canvas_block(struct canvas *c, int x, int y, int width);

/* 1 when cell (x, y) is inside and blocked. */
int canvas_blocked(const struct canvas *c, int x, int y);

/* Draws a straight line between two dot positions with tag (1..255).
 * dotted: every other dot only (a weak reference); in ASCII ':' for a
 * line that goes down, '.' for one across or aslant. */
void canvas_line(struct canvas *c, double x0, double y0, double x1, double y1, uint8_t tag,
		 int dotted);

/* Draws the polyline xy[0..2n) (dot positions, x then y) like canvas_line,
 * and, when tip (a dot position: the target) is given, puts an arrowhead in
 * the last cell of the line that is not blocked, pointing from that cell
 * towards tip: sideways when tip is on its row, else up or down. */
void canvas_path(struct canvas *c, const double *xy, size_t n, uint8_t tag, int dotted,
		 const double *tip);

/* Samples a cubic B-spline as Graphviz gives it (1 + 3k control points
 * pts[0..2n), x then y) into a polyline of `per` points per segment plus
 * the first; writes at most max points into out (2 doubles each) and
 * returns how many.  n < 4 copies the points as they are. */
size_t canvas_bezier(const double *pts, size_t n, int per, double *out, size_t max);

/* The text of cell (x, y) into buf (room for 8 bytes): a braille character
 * (utf8) or an ASCII one, or an arrowhead.  Returns 0 for an empty or
 * blocked cell (nothing to draw), else the cell's tag. */
int canvas_cell(const struct canvas *c, int x, int y, int utf8, char *buf);

#endif

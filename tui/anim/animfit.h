/* animfit: a Graphviz layout scaled into a rectangle of terminal cells.
 *
 * Pure (no curses).  The animation asks Graphviz for positions once
 * (export_layout_new) and fits them again on every resize: node centres
 * are mapped linearly into the area, keeping a margin of half a label on
 * each side, at most ANIMFIT_COLS_PER_INCH columns and ANIMFIT_ROWS_PER_INCH
 * rows per inch of the layout: enough for a small graph to fill a
 * projector-sized terminal (200x60), not so much that two objects end up
 * at its two edges.  Each label is
 * one row high; when two labels on a row would touch, or two on
 * neighbouring rows overlap (no room for a line between them), labels are cut
 * shorter (down to min_w columns) and the fit is tried again; when even
 * that fails the graph does not fit and the caller shows counters instead.
 */
#ifndef HEAPGLASS_ANIMFIT_H
#define HEAPGLASS_ANIMFIT_H

#include <stddef.h>
#include <stdint.h>

enum {
	ANIMFIT_COLS_PER_INCH = 56,
	ANIMFIT_ROWS_PER_INCH = 24
};

/* Where a layout point goes: cell column = ox + (x - minx) * sx, cell row =
 * oy + (maxy - y) * sy (continuous: cell c spans [c, c+1)). */
struct animfit_map {
	double minx, maxy, sx, sy, ox, oy;
};

/* One placed label: row, first column, columns (<= its wanted width). */
struct animfit_cell {
	int row, col, w;
};

/* n node centres (x[i], y[i], in points, y up) with wanted label widths
 * want[i] (columns; 0: a point that is not drawn and takes no room; -1: a
 * point that has no label but must lie inside the area, such as a control
 * point of a reference's curve), into an area of w x h cells.  Writes out[i]
 * and *map.  Returns 0 when every label fits on its row without touching
 * another (at least one blank column between two on a row, no overlap of
 * columns between two on neighbouring rows), else -1 (out and map
 * still hold the last attempt).  tmp: room for n indexes. */
int animfit_place(const double *x, const double *y, const int *want, uint32_t n, int w, int h,
		  int min_w, struct animfit_cell *out, struct animfit_map *map, uint32_t *tmp);

/* Maps a layout point to cell coordinates (continuous). */
void animfit_point(const struct animfit_map *m, double x, double y, double *col, double *row);

#endif

#include "tui/anim/animfit.h"

#include <math.h>
#include <stdlib.h>

void animfit_point(const struct animfit_map *m, double x, double y, double *col, double *row)
{
	*col = m->ox + (x - m->minx) * m->sx;
	*row = m->oy + (m->maxy - y) * m->sy;
}

/* For qsort_r-free sorting: the cells being compared. */
static const struct animfit_cell *sort_cells;

static int by_row_col(const void *a, const void *b)
{
	const struct animfit_cell *p = &sort_cells[*(const uint32_t *)a];
	const struct animfit_cell *q = &sort_cells[*(const uint32_t *)b];

	if (p->row != q->row)
		return p->row < q->row ? -1 : 1;
	if (p->col != q->col)
		return p->col < q->col ? -1 : 1;
	return 0;
}

/* One attempt with labels cut to cap columns; 0 when nothing touches. */
static int attempt(const double *x, const double *y, const int *want, uint32_t n, int w, int h,
		   int cap, struct animfit_cell *out, struct animfit_map *m, uint32_t *tmp)
{
	double minx = 0, maxx = 0, miny = 0, maxy = 0;
	double margin, room_x, room_y;
	int widest = 1, any = 0;
	uint32_t nt = 0;

	for (uint32_t i = 0; i < n; i++) {
		int lw = want[i] < cap ? want[i] : cap;
		if (want[i] == 0)
			continue;	/* not drawn: takes no room */
		if (!any) {
			minx = maxx = x[i];
			miny = maxy = y[i];
			any = 1;
		}
		if (x[i] < minx)
			minx = x[i];
		if (x[i] > maxx)
			maxx = x[i];
		if (y[i] < miny)
			miny = y[i];
		if (y[i] > maxy)
			maxy = y[i];
		if (lw > widest)
			widest = lw;
	}
	margin = widest / 2.0 + 0.5;
	room_x = w - 2 * margin;
	room_y = h - 1;
	m->minx = minx;
	m->maxy = maxy;
	m->sx = maxx > minx && room_x > 0 ? room_x / (maxx - minx) : 0;
	m->sy = maxy > miny && room_y > 0 ? room_y / (maxy - miny) : 0;
	if (m->sx > ANIMFIT_COLS_PER_INCH / 72.0)
		m->sx = ANIMFIT_COLS_PER_INCH / 72.0;
	if (m->sy > ANIMFIT_ROWS_PER_INCH / 72.0)
		m->sy = ANIMFIT_ROWS_PER_INCH / 72.0;
	/* centre the drawing in the area */
	m->ox = (w - (maxx - minx) * m->sx) / 2.0;
	m->oy = (h - (maxy - miny) * m->sy) / 2.0;
	for (uint32_t i = 0; i < n; i++) {
		double c, r;
		int lw = want[i] < cap ? want[i] : cap;
		if (want[i] <= 0) {
			out[i] = (struct animfit_cell){ .row = 0, .col = 0, .w = 0 };
			continue;
		}
		animfit_point(m, x[i], y[i], &c, &r);
		out[i].row = (int)floor(r);
		out[i].col = (int)floor(c - lw / 2.0 + 0.5);
		out[i].w = lw;
		if (out[i].row < 0)
			out[i].row = 0;
		if (out[i].row >= h)
			out[i].row = h - 1;
		if (out[i].col < 0)
			out[i].col = 0;
		if (out[i].col + lw > w)
			out[i].col = w - lw;
		if (out[i].col < 0)
			return -1;	/* wider than the area */
		tmp[nt++] = i;
	}
	sort_cells = out;
	qsort(tmp, nt, sizeof *tmp, by_row_col);
	sort_cells = NULL;
	n = nt;
	for (uint32_t k = 1; k < n; k++) {
		const struct animfit_cell *p = &out[tmp[k - 1]], *q = &out[tmp[k]];
		if (p->row == q->row && q->col <= p->col + p->w)
			return -1;
	}
	/* Labels on neighbouring rows must not overlap either: a reference
	 * between them would have no room.  Walk each row against the next
	 * one, both in column order (linear). */
	for (uint32_t a = 0, b = 0; a < n; a = b) {
		uint32_t d, i, j;
		int row = out[tmp[a]].row;
		for (b = a; b < n && out[tmp[b]].row == row; b++)
			;
		if (b == n || out[tmp[b]].row != row + 1)
			continue;
		for (d = b; d < n && out[tmp[d]].row == row + 1; d++)
			;
		for (i = a, j = b; i < b && j < d;) {
			const struct animfit_cell *p = &out[tmp[i]], *q = &out[tmp[j]];
			if (p->col < q->col + q->w && q->col < p->col + p->w)
				return -1;
			if (p->col + p->w <= q->col + q->w)
				i++;
			else
				j++;
		}
	}
	return 0;
}

int animfit_place(const double *x, const double *y, const int *want, uint32_t n, int w, int h,
		  int min_w, struct animfit_cell *out, struct animfit_map *map, uint32_t *tmp)
{
	int cap = 1;

	if (n == 0 || w < 1 || h < 1) {
		*map = (struct animfit_map){ .sx = 0 };
		return n == 0 && w >= 1 && h >= 1 ? 0 : -1;
	}
	if (min_w < 1)
		min_w = 1;
	for (uint32_t i = 0; i < n; i++)
		if (want[i] > cap)
			cap = want[i];
	for (; cap >= min_w; cap--)
		if (attempt(x, y, want, n, w, h, cap, out, map, tmp) == 0)
			return 0;
	return -1;
}

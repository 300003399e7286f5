#include "tui/anim/canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

enum {
	F_BLOCKED = 1,
	ARROW_SHIFT = 1,
	ARROW_MASK = 7 << ARROW_SHIFT,
	MAX_DOTS = 1 << 16	/* a line longer than this many dots is clipped */
};

/* Bit of dot (dx, dy) of a cell in the braille pattern (U+2800 + bits). */
static const uint8_t braille_bit[4][2] = {
	{ 0x01, 0x08 }, { 0x02, 0x10 }, { 0x04, 0x20 }, { 0x40, 0x80 },
};

void canvas_init(struct canvas *c, int w, int h)
{
	size_t n;

	c->w = w > 0 ? w : 0;
	c->h = h > 0 ? h : 0;
	n = (size_t)c->w * (size_t)c->h;
	c->dots = mem_calloc(n ? n : 1, 1);
	c->ascii = mem_calloc(n ? n : 1, 1);
	c->tag = mem_calloc(n ? n : 1, 1);
	c->flag = mem_calloc(n ? n : 1, 1);
}

void canvas_fini(struct canvas *c)
{
	free(c->dots);
	free(c->ascii);
	free(c->tag);
	free(c->flag);
	memset(c, 0, sizeof *c);
}

void canvas_clear(struct canvas *c)
{
	size_t n = (size_t)c->w * (size_t)c->h;

	memset(c->dots, 0, n);
	memset(c->ascii, 0, n);
	memset(c->tag, 0, n);
	memset(c->flag, 0, n);
}

void canvas_block(struct canvas *c, int x, int y, int width)
{
	if (y < 0 || y >= c->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + width && i < c->w; i++)
		c->flag[(size_t)y * (size_t)c->w + (size_t)i] |= F_BLOCKED;
}

int canvas_blocked(const struct canvas *c, int x, int y)
{
	return x >= 0 && y >= 0 && x < c->w && y < c->h &&
	       (c->flag[(size_t)y * (size_t)c->w + (size_t)x] & F_BLOCKED);
}

/* The ASCII character of a line with this direction, in cells. */
static char line_char(double dx, double dy)
{
	double ax = fabs(dx), ay = fabs(dy);

	if (ax > 2 * ay)
		return '-';
	if (ay > 2 * ax)
		return '|';
	return (dx > 0) == (dy > 0) ? '\\' : '/';
}

static void plot(struct canvas *c, long x, long y, uint8_t tag, char ch)
{
	long cx = x / 2, cy = y / 4;
	size_t i;

	if (x < 0 || y < 0 || cx >= c->w || cy >= c->h)
		return;
	i = (size_t)cy * (size_t)c->w + (size_t)cx;
	if (c->flag[i] & F_BLOCKED)
		return;
	c->dots[i] |= braille_bit[y % 4][x % 2];
	if (tag >= c->tag[i]) {
		c->tag[i] = tag;
		c->ascii[i] = ch;
	}
}

void canvas_line(struct canvas *c, double x0, double y0, double x1, double y1, uint8_t tag,
		 int dotted)
{
	double dx = x1 - x0, dy = y1 - y0;
	double len = fabs(dx) > fabs(dy) ? fabs(dx) : fabs(dy);
	long steps = (long)ceil(len);
	char ch = line_char(dx / 2, dy / 4);

	/* a weak reference in ASCII: ':' down, '.' across and aslant */
	if (dotted)
		ch = ch == '|' ? ':' : '.';

	if (!(len < MAX_DOTS))	/* also NaN */
		return;
	if (steps == 0)
		steps = 1;
	for (long k = 0; k <= steps; k++) {
		double t = (double)k / (double)steps;
		long x = (long)floor(x0 + dx * t), y = (long)floor(y0 + dy * t);
		if (dotted && ((x + y) & 1))
			continue;
		plot(c, x, y, tag, ch);
	}
}

static int cell_of(const struct canvas *c, double x, double y, int *cx, int *cy)
{
	if (!(x >= 0 && y >= 0))
		return 0;
	*cx = (int)(x / 2);
	*cy = (int)(y / 4);
	return *cx < c->w && *cy < c->h;
}

void canvas_path(struct canvas *c, const double *xy, size_t n, uint8_t tag, int dotted, const double *tip)
{
	for (size_t i = 0; i + 1 < n; i++)
		canvas_line(c, xy[2 * i], xy[2 * i + 1], xy[2 * i + 2], xy[2 * i + 3], tag, dotted);
	if (!tip || n < 2)
		return;
	/* Walk back from the end to the last point outside a blocked cell:
	 * the line reaches its target's label there. */
	for (size_t i = n - 1; i > 0; i--) {
		double x1 = xy[2 * i], y1 = xy[2 * i + 1], x0 = xy[2 * i - 2], y0 = xy[2 * i - 1];
		double len = fabs(x1 - x0) > fabs(y1 - y0) ? fabs(x1 - x0) : fabs(y1 - y0);
		long steps = (long)ceil(len);
		if (!(len < MAX_DOTS))
			return;
		if (steps == 0)
			steps = 1;
		for (long k = steps; k >= 0; k--) {
			double t = (double)k / (double)steps;
			int cx, cy;
			size_t j;
			enum canvas_arrow a;
			if (!cell_of(c, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, &cx, &cy) ||
			    canvas_blocked(c, cx, cy))
				continue;
			/* point from this cell's centre at the tip, in cells */
			{
				double dx = tip[0] / 2 - (cx + 0.5), dy = tip[1] / 4 - (cy + 0.5);
				if (fabs(dy) < 0.5 || fabs(dx) > 3 * fabs(dy))
					a = dx >= 0 ? CANVAS_RIGHT : CANVAS_LEFT;
				else
					a = dy >= 0 ? CANVAS_DOWN : CANVAS_UP;
			}
			j = (size_t)cy * (size_t)c->w + (size_t)cx;
			c->flag[j] = (uint8_t)((c->flag[j] & ~ARROW_MASK) | (a << ARROW_SHIFT));
			if (tag >= c->tag[j])
				c->tag[j] = tag;
			return;
		}
	}
}

size_t canvas_bezier(const double *pts, size_t n, int per, double *out, size_t max)
{
	size_t m = 0;

	if (per < 1)
		per = 1;
	if (n < 4) {
		for (size_t i = 0; i < n && m < max; i++, m++) {
			out[2 * m] = pts[2 * i];
			out[2 * m + 1] = pts[2 * i + 1];
		}
		return m;
	}
	if (max == 0)
		return 0;
	out[0] = pts[0];
	out[1] = pts[1];
	m = 1;
	for (size_t s = 0; s + 3 < n; s += 3) {
		const double *p = pts + 2 * s;
		for (int k = 1; k <= per && m < max; k++) {
			double t = (double)k / per, u = 1 - t;
			double b0 = u * u * u, b1 = 3 * u * u * t, b2 = 3 * u * t * t, b3 = t * t * t;
			out[2 * m] = b0 * p[0] + b1 * p[2] + b2 * p[4] + b3 * p[6];
			out[2 * m + 1] = b0 * p[1] + b1 * p[3] + b2 * p[5] + b3 * p[7];
			m++;
		}
	}
	return m;
}

int canvas_cell(const struct canvas *c, int x, int y, int utf8, char *buf)
{
	static const char *const arrows[2][5] = {
		{ "", "v", "^", "<", ">" },
		{ "", "\xe2\x96\xbc", "\xe2\x96\xb2", "\xe2\x97\x80", "\xe2\x96\xb6" },	/* ▼ ▲ ◀ ▶ */
	};
	size_t i;
	unsigned a, cp;

	buf[0] = '\0';
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return 0;
	i = (size_t)y * (size_t)c->w + (size_t)x;
	if (c->flag[i] & F_BLOCKED)
		return 0;
	a = (c->flag[i] & ARROW_MASK) >> ARROW_SHIFT;
	if (a) {
		strcpy(buf, arrows[utf8 ? 1 : 0][a]);
		return c->tag[i];
	}
	if (!c->dots[i])
		return 0;
	if (!utf8) {
		buf[0] = c->ascii[i] ? c->ascii[i] : '.';
		buf[1] = '\0';
		return c->tag[i];
	}
	cp = 0x2800u + c->dots[i];
	buf[0] = (char)(0xe0 | (cp >> 12));
	buf[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	buf[2] = (char)(0x80 | (cp & 0x3f));
	buf[3] = '\0';
	return c->tag[i];
}

#include "tui/core/draw.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "graph/core/text.h"
#include "tui/core/screen.h"

enum {
	MAX_COLS = 1024		/* widest line drawn */
};

/* One drawable character and its columns. */
struct cell {
	wchar_t wc;
	int w;
};

/* Appends the ASCII string s as cells. */
static size_t push_ascii(struct cell *c, size_t n, size_t max, const char *s)
{
	for (; *s && n < max; s++, n++) {
		c[n].wc = (wchar_t)(unsigned char)*s;
		c[n].w = 1;
	}
	return n;
}

/* Turns escaped UTF-8 into cells whose widths are known; characters the
 * locale cannot print, and zero-width characters with nothing to combine
 * with, become \u{XXXX}.  Stops once more than limit columns are collected.
 * Returns the number of cells; *cols gets their total width. */
static size_t to_cells(const char *s, size_t len, struct cell *c, size_t max, int limit, int *cols)
{
	size_t n = 0, i = 0;
	int total = 0;

	while (i < len && n < max && total <= limit) {
		unsigned cp;
		size_t step = text_utf8_decode(s + i, len - i, &cp);
		int w;

		if (step == 0) {	/* cannot happen after text_escape; be safe */
			cp = '?';
			step = 1;
		}
		i += step;
		w = cp < 0x80 ? (cp >= 0x20 && cp < 0x7f ? 1 : -1) : (screen_utf8() ? wcwidth((wchar_t)cp) : -1);
		if (w < 0 || (w == 0 && n == 0)) {
			char esc[16];
			size_t before = n;
			snprintf(esc, sizeof esc, "\\u{%04X}", cp);
			n = push_ascii(c, n, max, esc);
			total += (int)(n - before);
			continue;
		}
		c[n].wc = (wchar_t)cp;
		c[n].w = w;
		total += w;
		n++;
	}
	*cols = total;
	return n;
}

static int put_cells(WINDOW *win, int y, int x, const struct cell *c, size_t n, attr_t attr)
{
	wchar_t buf[MAX_COLS * 2 + 1];
	size_t k = 0;
	int cols = 0;

	for (size_t i = 0; i < n && k < MAX_COLS * 2; i++) {
		buf[k++] = c[i].wc;
		cols += c[i].w;
	}
	buf[k] = 0;
	wattr_set(win, attr, PAIR_NUMBER(attr), NULL);
	mvwaddnwstr(win, y, x, buf, (int)k);
	wattr_set(win, A_NORMAL, 0, NULL);
	return cols;
}

static int draw_with(WINDOW *w, int y, int x, int width, const char *s, size_t len, attr_t attr,
		     unsigned flags)
{
	char esc[MAX_COLS * 4 + 32];
	struct cell cells[MAX_COLS + 16];
	size_t elen, n;
	int cols;

	if (width <= 0)
		return 0;
	if (width > MAX_COLS)
		width = MAX_COLS;
	elen = text_escape(esc, (size_t)width * 4 + 32 < sizeof esc ? (size_t)width * 4 + 32 : sizeof esc,
			   s, len, flags | (screen_utf8() ? 0 : TEXT_ASCII));
	n = to_cells(esc, elen, cells, MAX_COLS + 16, width, &cols);
	if (cols > width) {
		/* cut to width - 1 columns, then the ellipsis */
		const char *ell = screen_glyph(GLYPH_ELLIPSIS);
		unsigned cp;
		while (n > 0 && cols > width - 1)
			cols -= cells[--n].w;
		/* do not leave a lone combining mark at the end */
		text_utf8_decode(ell, strlen(ell), &cp);
		cells[n].wc = (wchar_t)cp;
		cells[n].w = 1;
		n++;
	}
	return put_cells(w, y, x, cells, n, attr);
}

int draw_text(WINDOW *w, int y, int x, int width, const char *s, size_t len, attr_t attr)
{
	return draw_with(w, y, x, width, s, len, attr, 0);
}

int draw_str(WINDOW *w, int y, int x, int width, const char *s, attr_t attr)
{
	return draw_with(w, y, x, width, s, strlen(s), attr, 0);
}

int draw_escaped(WINDOW *w, int y, int x, int width, const char *s, size_t len, attr_t attr)
{
	return draw_with(w, y, x, width, s, len, attr, TEXT_ESCAPED);
}

static int width_with(const char *s, size_t len, unsigned flags)
{
	char esc[MAX_COLS * 4 + 32];
	struct cell cells[MAX_COLS + 16];
	size_t elen;
	int cols;

	elen = text_escape(esc, sizeof esc, s, len, flags | (screen_utf8() ? 0 : TEXT_ASCII));
	to_cells(esc, elen, cells, MAX_COLS + 16, MAX_COLS, &cols);
	return cols;
}

int draw_width(const char *s, size_t len)
{
	return width_with(s, len, 0);
}

int draw_escaped_width(const char *s, size_t len)
{
	return width_with(s, len, TEXT_ESCAPED);
}

int draw_str_right(WINDOW *w, int y, int x, int width, const char *s, attr_t attr)
{
	int cw = draw_width(s, strlen(s));

	if (cw >= width)
		return draw_str(w, y, x, width, s, attr);
	return draw_str(w, y, x + width - cw, cw, s, attr);
}

int draw_printf(WINDOW *w, int y, int x, int width, attr_t attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return draw_str(w, y, x, width, buf, attr);
}

void draw_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
	if (width <= 0)
		return;
	wattr_set(w, attr, PAIR_NUMBER(attr), NULL);
	mvwhline(w, y, x, ' ', width);
	wattr_set(w, A_NORMAL, 0, NULL);
}

void draw_bar(WINDOW *w, int y, int x, int width, double frac, attr_t attr)
{
	static const char *const eighths[8] = {
		"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
		"\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89"
	};
	char buf[MAX_COLS * 3 + 8];
	size_t o = 0;
	int units, full, rest;

	if (width <= 0)
		return;
	if (width > MAX_COLS)
		width = MAX_COLS;
	if (frac < 0)
		frac = 0;
	if (frac > 1)
		frac = 1;
	units = (int)(frac * width * 8 + 0.5);
	full = units / 8;
	rest = units % 8;
	for (int i = 0; i < full; i++) {
		if (screen_utf8()) {
			memcpy(buf + o, "\xe2\x96\x88", 3);
			o += 3;
		} else {
			buf[o++] = '#';
		}
	}
	if (full < width && rest) {
		if (screen_utf8()) {
			memcpy(buf + o, eighths[rest], 3);
			o += 3;
		} else if (rest >= 4) {
			buf[o++] = '#';
		}
	}
	buf[o] = 0;
	draw_fill(w, y, x, width, A_NORMAL);
	draw_text(w, y, x, width, buf, o, attr);
}

const char *draw_bytes(char *buf, size_t size, uint64_t bytes)
{
	return text_bytes(buf, size, (unsigned long long)bytes);
}

const char *draw_count(char *buf, size_t size, uint64_t n)
{
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
	size_t o = 0;

	for (int i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = 0;
	return buf;
}

#include "graph/core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t text_utf8_decode(const char *str, size_t n, unsigned *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned c, min;
	size_t len;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Code points that draw nothing or change how the text around them reads,
 * so two different names could look the same ("Admin" and "Admin" with a
 * tag or a filler in it) or a name could reorder the line: every
 * Default_Ignorable_Code_Point (DerivedCoreProperties.txt), every format
 * character (general category Cf) and the line and paragraph separators
 * (Zl, Zp), as of Unicode 15.  Sorted, disjoint, inclusive ranges.
 * tests/unit/test_text.c checks the table against the Unicode data files
 * when they are installed (Debian's unicode-data). */
static const struct {
	unsigned lo, hi;
} invisible[] = {
	{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
	{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 },
	{ 0x115f, 0x1160 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180f }, { 0x200b, 0x200f },
	{ 0x2028, 0x202e }, { 0x2060, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f },
	{ 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff0, 0xfffb }, { 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
	{ 0xe0000, 0xe0fff },
};

int text_invisible(unsigned cp)
{
	size_t lo = 0, hi = sizeof invisible / sizeof invisible[0];

	if (cp < 0xad)
		return 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp > invisible[mid].hi)
			lo = mid + 1;
		else if (cp < invisible[mid].lo)
			hi = mid;
		else
			return 1;
	}
	return 0;
}

size_t text_escape(char *out, size_t size, const char *s, size_t len, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i = 0, mark = SIZE_MAX;

	if (size < 4) {
		if (size)
			out[0] = '\0';
		return 0;
	}
	while (i < len) {
		char tmp[16];
		size_t tl = 0, step;
		unsigned cp;
		unsigned char c = (unsigned char)s[i];

		step = text_utf8_decode(s + i, len - i, &cp);
		if (step == 0 && len - i >= 3 && c == 0xed && (s[i + 1] & 0xe0) == 0xa0 &&
		    (s[i + 2] & 0xc0) == 0x80) {
			/* a lone surrogate as WTF-8 (what a JavaScript string may
			 * hold: the V8 loader keeps \uD800 so) */
			cp = 0xd000 | (unsigned)(s[i + 1] & 0x3f) << 6 | (unsigned)(s[i + 2] & 0x3f);
			tl = (size_t)snprintf(tmp, sizeof tmp, "\\u{%04X}", cp);
			step = 3;
		} else if (step == 0) {
			tmp[tl++] = '\\', tmp[tl++] = 'x', tmp[tl++] = hex[c >> 4], tmp[tl++] = hex[c & 15];
			step = 1;
		} else if (cp == '\n') {
			tmp[tl++] = '\\', tmp[tl++] = 'n';
		} else if (cp == '\t') {
			tmp[tl++] = '\\', tmp[tl++] = 't';
		} else if (cp == '\\' && !(flags & TEXT_ESCAPED)) {
			tmp[tl++] = '\\', tmp[tl++] = '\\';
		} else if (cp == 0x1b) {
			tmp[tl++] = '\\', tmp[tl++] = 'e';
		} else if (cp < 0x20 || cp == 0x7f) {
			tmp[tl++] = '\\', tmp[tl++] = 'x', tmp[tl++] = hex[cp >> 4], tmp[tl++] = hex[cp & 15];
		} else if ((cp >= 0x80 && cp < 0xa0) || text_invisible(cp) ||
			   (cp >= 0x80 && (flags & TEXT_ASCII))) {
			tl = (size_t)snprintf(tmp, sizeof tmp, "\\u{%04X}", cp);
		} else {
			memcpy(tmp, s + i, step);
			tl = step;
		}
		/* mark: the last place a "..." still fits, before the first
		 * character that leaves no room for one; the output is cut there
		 * only if the rest turns out not to fit */
		if (mark == SIZE_MAX && o + tl + 4 > size)
			mark = o;
		if (o + tl + 1 > size) {
			o = mark;
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
		i += step;
	}
	out[o] = '\0';
	return o;
}

int text_shell_quote(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i = 0;

	if (size == 0)
		return -1;
	out[0] = '\0';
	if (o + 1 >= size)
		return -1;
	out[o++] = '\'';
	while (i < len) {
		unsigned cp;
		size_t step = text_utf8_decode(s + i, len - i, &cp);
		const char *piece = s + i;
		size_t pl = step;

		if (step == 0 || cp < 0x20 || cp == 0x7f || cp == '\\' || (cp >= 0x80 && cp < 0xa0) ||
		    text_invisible(cp)) {
			out[0] = '\0';
			return -1;
		}
		if (cp == '\'')
			piece = "'\"'\"'", pl = 5;
		if (o + pl + 2 > size) {
			out[0] = '\0';
			return -1;
		}
		memcpy(out + o, piece, pl);
		o += pl;
		i += step;
	}
	out[o++] = '\'';
	out[o] = '\0';
	return 0;
}

const char *text_bytes(char *buf, size_t size, unsigned long long bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%llu B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, unit[u]);
	return buf;
}

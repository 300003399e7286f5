/* v8_json: the V8 loader's streaming JSON reader (loaders/v8_priv.h). */
#include "loaders/v8_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include <unistd.h>

/* ---- errors ---- */

int v8_fail_at(struct v8 *v, uint64_t off, const char *what)
{
	return error_set(v->err, "%s: byte %llu: %s", v->path, (unsigned long long)off, what);
}


int v8_fail_here(struct v8 *v, const char *what)
{
	return v8_fail_at(v, v8_here(v), what);
}

/* ---- input ---- */

/* Makes at least `need` unread bytes available unless the file ends first.
 * May move the window (pointers into buf become stale). */
int v8_rd_fill(struct rd *r, size_t need)
{
	size_t want, limit;

	if (r->len - r->pos >= need || r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	/* The window never grows past the rest of the file (+1 byte to see
	 * its end): a small file gets no buffer sized for a big one (that
	 * kept the V8 fuzzer at 60 loads a second).  A file that grows while
	 * it is read is still read whole: the loop below grows on demand. */
	want = need;
	limit = SIZE_MAX;
	if (r->file_size > r->base && r->file_size - r->base < SIZE_MAX)
		limit = (size_t)(r->file_size - r->base + 1);
	if (want > limit)
		want = limit;
	if (want > r->cap) {
		r->cap = r->cap < limit / 2 ? r->cap * 2 : limit;
		if (r->cap < want)
			r->cap = want;
		r->buf = mem_realloc_array(r->buf, r->cap + 1, 1);
	}
	while (r->len < need && !r->eof) {
		ssize_t n;
		if (r->len == r->cap) {
			r->cap = r->cap * 2 > need ? r->cap * 2 : need;
			r->buf = mem_realloc_array(r->buf, r->cap + 1, 1);
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(r->err, "%s: byte %llu: %s", r->path,
					 (unsigned long long)(r->base + r->len), strerror(errno));
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
	r->buf[r->len] = '\0';
	return 0;
}

/* A progress tick at file offset `at` (v8_here(), or the end of a batch the
 * reader thread has read). */
int v8_tick_at(struct v8 *v, uint64_t at)
{
	if (progress_tick(v->prog, "parsing", at, v->r.file_size))
		return error_set(v->err, "%s: interrupted", v->path);
	return 0;
}

int v8_tick(struct v8 *v)
{
	return v8_tick_at(v, v8_here(v));
}


/* Skips white space; returns the next byte (not consumed) or -1 at the end
 * of the file.  -2 on a read error. */
int v8_peek(struct v8 *v)
{
	for (;;) {
		struct rd *r = &v->r;
		while (r->pos < r->len && v8_is_ws((unsigned char)r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len)
			return (unsigned char)r->buf[r->pos];
		if (r->eof)
			return -1;
		if (v8_rd_fill(&v->r, 1) != 0)
			return -2;
	}
}

int v8_expect(struct v8 *v, int ch, const char *what)
{
	int c = v8_peek(v);
	char msg[160];

	if (c == ch) {
		v->r.pos++;
		return 0;
	}
	if (c == -2)
		return -1;
	snprintf(msg, sizeof msg, "%s%s", c == -1 ? "unexpected end of file: " : "", what);
	return v8_fail_here(v, msg);
}

/* ---- strings ---- */

/* Index of the first byte of s[0..len) that breaks UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or len. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

static int hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		unsigned c = p[k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *out, size_t o, unsigned cp)
{
	if (cp < 0x80) {
		out[o++] = (char)cp;
	} else if (cp < 0x800) {
		out[o++] = (char)(0xc0 | (cp >> 6));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[o++] = (char)(0xe0 | (cp >> 12));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[o++] = (char)(0xf0 | (cp >> 18));
		out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[o++] = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* Decodes the JSON string body s[0..n) (without its quotes; raw control
 * characters are refused before) into out, which holds n bytes (what is
 * decoded is never longer).  The bytes between escapes must be UTF-8; a
 * \uXXXX surrogate pair becomes its one character, and a lone surrogate
 * (valid JSON: a JavaScript string may hold one, and writers other than
 * Node.js's escape it) its three bytes as WTF-8 does, which text_escape()
 * shows as \u{D800}.  Returns the decoded length, or (size_t)-1 with *bad
 * the offset of what is wrong and *why what. */
static size_t json_unescape(const unsigned char *s, size_t n, char *out, size_t *bad, const char **why)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t run = i, ok;
		unsigned cp, lo;

		while (i < n && s[i] != '\\')
			i++;
		ok = utf8_check(s + run, i - run);
		if (ok != i - run) {
			*bad = run + ok;
			*why = "invalid UTF-8 in a string";
			return (size_t)-1;
		}
		memcpy(out + o, s + run, i - run);
		o += i - run;
		if (i == n)
			break;
		*bad = i;
		if (i + 1 >= n) {
			*why = "a string ends in a lone backslash";
			return (size_t)-1;
		}
		switch (s[i + 1]) {
		case '"': case '\\': case '/': out[o++] = (char)s[i + 1]; i += 2; continue;
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'u': break;
		default:
			*why = "invalid escape in a string";
			return (size_t)-1;
		}
		if (i + 6 > n || hex4(s + i + 2, &cp) != 0) {
			*why = "invalid escape in a string: u and four hex digits wanted";
			return (size_t)-1;
		}
		i += 6;
		if (cp >= 0xd800 && cp <= 0xdbff && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' &&
		    hex4(s + i + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i += 6;
		}
		o = put_utf8(out, o, cp);
	}
	return o;
}

/* Reads one JSON string at the window (which must start with '"') and
 * returns its decoded bytes in *out / *len (valid until the next read).
 * Strings without escapes are checked here (UTF-8, no raw control
 * characters) and returned in place; strings with escapes are decoded by
 * json_unescape() into v->tmp. */
int v8_read_string(struct v8 *v, const char **out, size_t *len, size_t max)
{
	struct rd *r = &v->r;
	size_t i, start;
	int escaped = 0, high = 0;
	char msg[ERROR_MSG_MAX];

	{
		int c = v8_peek(v);
		if (c == -2)
			return -1;
		if (c != '"')
			return v8_fail_here(v, c == -1 ? "unexpected end of file: expected a string"
					 : "expected a string");
	}
	start = r->pos;
	i = 1;
	for (;;) {
		const char *p = r->buf + start + i, *end = r->buf + r->len;
		while (p < end) {
			unsigned char c = (unsigned char)*p;
			if (c == '"')
				break;
			if (c == '\\') {
				escaped = 1;
				if (p + 1 >= end)
					break;
				p += 2;
				continue;
			}
			if (c < 0x20) {
				snprintf(msg, sizeof msg, "control character 0x%02x inside a string (must be escaped)", c);
				return v8_fail_at(v, r->base + (size_t)(p - r->buf), msg);
			}
			high |= c & 0x80;
			p++;
		}
		i = (size_t)(p - (r->buf + start));
		if (p < end && *p == '"')
			break;
		if (r->eof)
			return v8_fail_at(v, r->base + r->len, "unexpected end of file inside a string");
		if (i > max) {
			snprintf(msg, sizeof msg, "string longer than %zu MiB", max >> 20);
			return v8_fail_at(v, r->base + start, msg);
		}
		r->pos = start;
		if (v8_rd_fill(&v->r, (r->len - r->pos) + CHUNK) != 0)
			return -1;
		start = r->pos;
	}
	/* token is buf[start .. start + i] inclusive of both quotes */
	r->pos = start + i + 1;
	if (!escaped) {
		const unsigned char *s = (const unsigned char *)r->buf + start + 1;
		size_t n = i - 1;
		if (high) {
			size_t bad = utf8_check(s, n);
			if (bad != n) {
				snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02x) in a string", s[bad]);
				return v8_fail_at(v, r->base + start + 1 + bad, msg);
			}
		}
		*out = (const char *)s;
		*len = n;
		return 0;
	}
	{
		const unsigned char *s = (const unsigned char *)r->buf + start + 1;
		size_t n = i - 1, bad = 0;
		const char *why;
		if (n + 1 > v->tmp_cap) {
			v->tmp_cap = n + 1;
			v->tmp = mem_realloc_array(v->tmp, v->tmp_cap, 1);
		}
		n = json_unescape(s, n, v->tmp, &bad, &why);
		if (n == (size_t)-1)
			return v8_fail_at(v, r->base + start + 1 + bad, why);
		*out = v->tmp;
		*len = n;
	}
	return 0;
}

/* ---- skipping values nobody needs (trace trees, locations, samples) ---- */

/* Skips one JSON value of any shape, checking its grammar, without
 * recursion (a stack of one byte per open bracket). */
int v8_skip_value(struct v8 *v)
{
	char *stack = NULL;
	size_t depth = 0, cap = 0;
	int rc = -1;
	uint64_t n = 0;

	for (;;) {
		int c = v8_peek(v);

		if (c == -2)
			goto out;
		if (c == -1) {
			v8_fail_here(v, "unexpected end of file inside a value");
			goto out;
		}
		if ((++n & (TICK - 1)) == 0 && v8_tick(v) != 0)
			goto out;
		if (c == '[' || c == '{') {
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				stack = mem_realloc_array(stack, cap, 1);
			}
			stack[depth++] = (char)c;
			v->r.pos++;
			c = v8_peek(v);
			if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{')) {
				v->r.pos++;
				depth--;
			} else if (stack[depth - 1] == '{') {
				const char *s;
				size_t len;
				if (v8_read_string(v, &s, &len, STRING_MAX) != 0 || v8_expect(v, ':', "expected ':'") != 0)
					goto out;
				continue;
			} else {
				continue;
			}
		} else if (c == '"') {
			const char *s;
			size_t len;
			if (v8_read_string(v, &s, &len, STRING_MAX) != 0)
				goto out;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			struct rd *r = &v->r;
			size_t k = 0;
			if (v8_rd_fill(&v->r, LOOKAHEAD) != 0)
				goto out;
			while (r->pos + k < r->len && r->buf[r->pos + k] != '\0' &&
			       strchr("0123456789+-.eE", r->buf[r->pos + k]))
				if (++k > 40) {
					v8_fail_here(v, "number too long");
					goto out;
				}
			r->pos += k;
		} else if (c == 't' || c == 'f' || c == 'n') {
			static const char *const words[] = { "true", "false", "null" };
			const char *w = words[c == 't' ? 0 : c == 'f' ? 1 : 2];
			size_t wl = strlen(w);
			if (v8_rd_fill(&v->r, wl) != 0)
				goto out;
			if (v->r.len - v->r.pos < wl || memcmp(v->r.buf + v->r.pos, w, wl) != 0) {
				v8_fail_here(v, "invalid literal");
				goto out;
			}
			v->r.pos += wl;
		} else {
			v8_fail_here(v, "expected a JSON value");
			goto out;
		}
		/* after a value: ',' or the closing bracket(s) */
		for (;;) {
			if (depth == 0) {
				rc = 0;
				goto out;
			}
			c = v8_peek(v);
			if (c == -2)
				goto out;
			if (c == ',') {
				v->r.pos++;
				if (stack[depth - 1] == '{') {
					const char *s;
					size_t len;
					if (v8_read_string(v, &s, &len, STRING_MAX) != 0 ||
					    v8_expect(v, ':', "expected ':'") != 0)
						goto out;
				}
				break;
			}
			if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{')) {
				v->r.pos++;
				depth--;
				continue;
			}
			v8_fail_here(v, c == -1 ? "unexpected end of file: expected ',' or a closing bracket"
				  : "expected ',' or a closing bracket");
			goto out;
		}
	}
out:
	free(stack);
	return rc;
}


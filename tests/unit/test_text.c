/* text_escape: what it writes is always safe for a terminal, and a cut
 * output is a prefix of the uncut one plus "...", whatever the buffer held
 * before (the buffers here start full of garbage: a cut that looked at a
 * byte it had not written showed under valgrind). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/oracle.h"

#include "graph/core/text.h"

enum {
	ROUNDS = 20000,
	MAXLEN = 48
};

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Invisible code points the pieces below hold, written out here rather
 * than asked of text_invisible(): tags, soft hyphen, Hangul fillers, line
 * separator, variation selector, zero width space, bidi override */
static int invisible_piece(unsigned cp)
{
	return cp == 0x202e || cp == 0x200b || cp == 0xe0041 || cp == 0xe007f || cp == 0x00ad ||
	       cp == 0x115f || cp == 0x3164 || cp == 0x2028 || cp == 0xfe0f;
}

/* out[0..n) is valid UTF-8 with no C0 control, DEL, C1 control or
 * invisible code point */
static int safe(const char *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned cp;
		size_t step = text_utf8_decode(out + i, n - i, &cp);
		if (step == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || invisible_piece(cp))
			return 0;
		i += step;
	}
	return 1;
}

/* Undoes text_escape() (what a reader of the output can do): the bytes
 * back into out, or -1 when a backslash starts no escape. */
static long unescape(const char *s, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			out[o++] = s[i];
			continue;
		}
		if (++i == n)
			return -1;
		switch (s[i]) {
		case '\\': out[o++] = '\\'; break;
		case 'e': out[o++] = 0x1b; break;
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'x':
			if (i + 2 >= n)
				return -1;
			out[o++] = (char)strtoul((char[3]){ s[i + 1], s[i + 2], 0 }, NULL, 16);
			i += 2;
			break;
		case 'u': {
			char *end;
			unsigned long cp;
			if (i + 1 >= n || s[i + 1] != '{')
				return -1;
			cp = strtoul(s + i + 2, &end, 16);
			if (*end != '}')
				return -1;
			i = (size_t)(end - s);
			if (cp < 0x800) {
				out[o++] = (char)(0xc0 | (cp >> 6));
			} else if (cp < 0x10000) {
				out[o++] = (char)(0xe0 | (cp >> 12));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			} else {
				out[o++] = (char)(0xf0 | (cp >> 18));
				out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			}
			out[o++] = (char)(0x80 | (cp & 0x3f));
			break;
		}
		default:
			return -1;
		}
	}
	return (long)o;
}

static void test_cut_never_reads_unwritten_bytes(void **state)
{
	char out[10];

	(void)state;
	/* "abcde" then RIGHT-TO-LEFT OVERRIDE (8 bytes escaped): no room, so
	 * the cut comes right after 'e'; bytes past it that look like UTF-8
	 * continuation bytes must not pull the cut back */
	memset(out, 0x80, sizeof out);
	assert_int_equal(text_escape(out, sizeof out, "abcde\xe2\x80\xae", 8, 0), 8);
	assert_string_equal(out, "abcde...");
}

static void test_random_bytes(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	/* bytes that matter: controls, ESC, DEL, C1 as UTF-8, bidi
	 * overrides, CJK, invalid lead and continuation bytes */
	static const char *const pieces[] = {
		"a", "Z", " ", "\\", "\x1b", "\x1b[2J", "\x1b]0;t\x07", "\n", "\t", "\x7f", "\x00",
		"\xc2\x85", "\xe2\x80\xae", "\xe2\x80\x8b", "\xe5\x90\x8d", "\xf0\x9f\x98\x80", "\xc3\xa9",
		"\x80", "\xbf", "\xc3", "\xe2\x80", "\xff", "\xf8\x88\x80\x80\x80",
		/* what follows a backslash in an escape, to be read as one */
		"e", "n", "x1b", "u{202E}",
		/* invisible: tag A and CANCEL TAG, soft hyphen, Hangul fillers,
		 * line separator, VS16 */
		"\xf3\xa0\x81\x81", "\xf3\xa0\x81\xbf", "\xc2\xad", "\xe1\x85\x9f", "\xe3\x85\xa4",
		"\xe2\x80\xa8", "\xef\xb8\x8f",
		/* lone surrogates as WTF-8, high and low */
		"\xed\xa0\x80", "\xed\xbf\xbf",
	};
	const size_t npieces = sizeof pieces / sizeof pieces[0];

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, seed);
		char in[MAXLEN * 6], full[MAXLEN * 6 * 12 + 1], cut[64];
		size_t len = 0, nfull, ncut, size;
		int k = (int)(next(&seed) % MAXLEN);

		for (int j = 0; j < k; j++) {
			const char *p = pieces[next(&seed) % npieces];
			size_t pl = p[0] ? strlen(p) : 1;
			memcpy(in + len, p, pl);
			len += pl;
		}
		nfull = text_escape(full, sizeof full, in, len, round & 1 ? TEXT_ASCII : 0);
		assert_int_equal(strlen(full), nfull);
		if (!safe(full, nfull))
			fail_msg("round %d: unsafe output '%s'", round, full);
		/* one reading only: the input comes back from the output */
		{
			char back[sizeof full];
			long nb = unescape(full, nfull, back);
			if (nb != (long)len || memcmp(back, in, len) != 0)
				fail_msg("round %d: '%s' does not read back as its input", round, full);
		}

		size = 4 + (size_t)(next(&seed) % (sizeof cut - 4));
		for (size_t j = 0; j < sizeof cut; j++)
			cut[j] = (char)(0x80 | (next(&seed) & 0x3f));
		ncut = text_escape(cut, size, in, len, round & 1 ? TEXT_ASCII : 0);
		assert_true(ncut < size);
		assert_int_equal(strlen(cut), ncut);
		assert_true(safe(cut, ncut));
		if (nfull < size) {
			assert_string_equal(cut, full);
		} else {
			assert_true(ncut >= 3);
			assert_memory_equal(cut + ncut - 3, "...", 3);
			assert_memory_equal(cut, full, ncut - 3);
		}
	}
	oracle_rounds_done();
}

static void test_backslash_and_invisible(void **state)
{
	char out[128];

	(void)state;
	/* a name spelled backslash, e reads as that, not as an escaped ESC */
	text_escape(out, sizeof out, "\\e", 2, 0);
	assert_string_equal(out, "\\\\e");
	/* "Admin" with a tag character in it does not read as "Admin" */
	text_escape(out, sizeof out, "Adm\xf3\xa0\x81\x81in", 9, 0);
	assert_string_equal(out, "Adm\\u{E0041}in");
	text_escape(out, sizeof out, "\xe1\x85\x9f\xe3\x85\xa4\xc2\xad", 8, 0);
	assert_string_equal(out, "\\u{115F}\\u{3164}\\u{00AD}");
	/* a lone surrogate (WTF-8, from a V8 string's \uD800) reads as one */
	text_escape(out, sizeof out, "a\xed\xa0\x80" "b\xed", 6, 0);
	assert_string_equal(out, "a\\u{D800}b\\xed");
	/* visible neighbours stay as they are */
	text_escape(out, sizeof out, "\xc2\xae\xe1\x84\x80\xe3\x85\xa5", 8, 0);
	assert_string_equal(out, "\xc2\xae\xe1\x84\x80\xe3\x85\xa5");
}

/* Reads the code points of the Unicode data file at path whose field
 * (after ';', trimmed) matches want into set; 0, or -1 when the file is
 * missing.  UnicodeData.txt's ranges ("<..., First>" / "<..., Last>") hold
 * no format character, so they are not expanded. */
static int read_ucd(const char *path, int field, const char *want, unsigned char *set)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *p = line, *end;
		unsigned long lo, hi;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		lo = strtoul(p, &end, 16);
		hi = lo;
		if (end[0] == '.' && end[1] == '.')
			hi = strtoul(end + 2, &end, 16);
		for (int k = 0; k < field && p; k++)
			p = strchr(p + 1, ';');
		if (!p)
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (strncmp(p, want, strlen(want)) != 0 || (p[strlen(want)] != ';' && p[strlen(want)] != ' '))
			continue;
		for (unsigned long c = lo; c <= hi && c <= 0x10ffff; c++)
			set[c] = 1;
	}
	fclose(f);
	return 0;
}

/* The independent truth: every Default_Ignorable_Code_Point, Cf, Zl and Zp
 * of the installed Unicode data is invisible, and nothing else. */
static void test_invisible_is_unicode(void **state)
{
	const char *dir = getenv("UNICODE_DATA");
	char a[512], b[512];
	unsigned char *set = calloc(0x110000, 1);
	int missing = 0;

	(void)state;
	assert_non_null(set);
	if (!dir)
		dir = "/usr/share/unicode";
	snprintf(a, sizeof a, "%s/DerivedCoreProperties.txt", dir);
	snprintf(b, sizeof b, "%s/UnicodeData.txt", dir);
	missing |= read_ucd(a, 1, "Default_Ignorable_Code_Point", set);
	missing |= read_ucd(b, 2, "Cf", set);
	missing |= read_ucd(b, 2, "Zl", set);
	missing |= read_ucd(b, 2, "Zp", set);
	if (missing) {
		free(set);
		print_message("skip - no Unicode data files in %s (Debian: unicode-data)\n", dir);
		skip();
	}
	for (unsigned cp = 0xa0; cp <= 0x10ffff; cp++)
		if (text_invisible(cp) != set[cp])
			fail_msg("U+%04X: text_invisible says %d, the Unicode data %d", cp, text_invisible(cp), set[cp]);
	free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_never_reads_unwritten_bytes),
		cmocka_unit_test_teardown(test_random_bytes, oracle_teardown),
		cmocka_unit_test(test_backslash_and_invisible),
		cmocka_unit_test(test_invisible_is_unicode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* text_escape: what it writes is always safe for a terminal, and a cut
 * output is a prefix of the uncut one plus "...", whatever the buffer held
 * before (the buffers here start full of garbage: a cut that looked at a
 * byte it had not written showed under valgrind). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"
#include <stdlib.h>
#include <string.h>

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

/* out[0..n) is valid UTF-8 with no C0 control, DEL or C1 control */
static int safe(const char *out, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned cp;
		size_t step = text_utf8_decode(out + i, n - i, &cp);
		if (step == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x202e)
			return 0;
		i += step;
	}
	return 1;
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
		assert_true(safe(full, nfull));

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_never_reads_unwritten_bytes),
		cmocka_unit_test_teardown(test_random_bytes, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

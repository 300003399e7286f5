/* Unit tests of the prefault thread (graph/core/worker.h): faulting in
 * memory ahead never changes what it holds, while a writer fills it at the
 * same time, and it stops and joins at once when asked, with ranges left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph/core/worker.h"

enum {
	N = 6 << 20	/* words of the big range: 24 MiB */
};

static void test_writer_alongside(void **state)
{
	uint32_t *a = malloc((size_t)N * sizeof *a);
	uint8_t *b = malloc(N / 4);
	struct prefault pf;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	/* a written before, b while the thread runs */
	for (uint32_t i = 0; i < N; i++)
		a[i] = i * 2654435761u;
	prefault_init(&pf);
	prefault_add(&pf, b, N / 4, 0);
	prefault_add(&pf, a, (size_t)N * sizeof *a, 0);
	prefault_add(&pf, a + N / 2, (size_t)N / 2 * sizeof *a, 1);	/* again, later */
	prefault_start(&pf);
	for (uint32_t i = 0; i < N / 4; i++)
		b[i] = (uint8_t)(i * 7);
	prefault_join(&pf);
	for (uint32_t i = 0; i < N; i++)
		if (a[i] != i * 2654435761u)
			fail_msg("a[%u] changed", i);
	for (uint32_t i = 0; i < N / 4; i++)
		if (b[i] != (uint8_t)(i * 7))
			fail_msg("b[%u] changed", i);
	free(b);
	free(a);
}

/* A join right after the start stops the thread with most of a big range
 * left (it would take tens of milliseconds). */
static void test_stop_early(void **state)
{
	char *a = malloc((size_t)64 << 20);
	struct prefault pf;

	(void)state;
	assert_non_null(a);
	prefault_init(&pf);
	prefault_add(&pf, a, (size_t)64 << 20, 0);
	prefault_add(&pf, NULL, 100, 0);	/* ignored */
	prefault_start(&pf);
	prefault_join(&pf);
	assert_int_equal(pf.n, 0);
	assert_int_equal(pf.w.started, 0);
	memset(a, 1, 4096);
	assert_int_equal(a[4095], 1);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_alongside),
		cmocka_unit_test(test_stop_early),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

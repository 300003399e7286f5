/* Unit tests of hugepage_restart() (graph/core/hugepage.h): the program
 * restarts itself once with glibc's huge-page tunable added to the
 * user's GLIBC_TUNABLES, which glibc sees at start-up (/proc/self/environ
 * holds the environment the process was started with), and the user's
 * value is back in the environment that programs run from heapglass
 * inherit.  This test first restarts itself with a GLIBC_TUNABLES of its
 * own, standing for the user's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph/core/hugepage.h"

#define USER "glibc.malloc.check=0"

static void test_user_value_back(void **state)
{
	const char *v = getenv("GLIBC_TUNABLES");

	(void)state;
	assert_non_null(v);
	assert_string_equal(v, USER);
	assert_null(getenv("HEAPGLASS_SAVED_GLIBC_TUNABLES"));
}

static void test_started_with_tunable(void **state)
{
	static char env[1 << 16];
	FILE *f = fopen("/proc/self/environ", "r");
	size_t n, i;
	int found = 0;

	(void)state;
	if (!hugepage_madvise_mode() || !f) {
		if (f)
			fclose(f);
		printf("skip - transparent huge pages are not in madvise mode here\n");
		skip();
	}
	n = fread(env, 1, sizeof env - 1, f);
	fclose(f);
	env[n] = '\0';
	for (i = 0; i < n; i += strlen(env + i) + 1)
		/* glibc 2.36 cuts the value at the first ':' as it parses it */
		if (strncmp(env + i, "GLIBC_TUNABLES=glibc.malloc.hugetlb=1", 37) == 0)
			found = 1;
	assert_true(found);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_value_back),
		cmocka_unit_test(test_started_with_tunable),
	};

	(void)argc;
	if (!getenv("TEST_HUGEPAGE_USER")) {
		setenv("TEST_HUGEPAGE_USER", "1", 1);
		setenv("GLIBC_TUNABLES", USER, 1);
		execv("/proc/self/exe", argv);
		perror("test_hugepage: execv /proc/self/exe");
		return 1;
	}
	hugepage_restart(argv);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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

#include <sys/mman.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"

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

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

/* Whether the kernel places an anonymous mapping of whole huge pages on a
 * huge-page boundary (Linux 6.7 and later), which mem.c counts on. */
static int kernel_aligns(void)
{
	size_t len = (size_t)4 << 20;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int aligned;

	if (p == MAP_FAILED)
		return 0;
	aligned = ((uintptr_t)p & (((uintptr_t)2 << 20) - 1)) == 0;
	munmap(p, len);
	return aligned;
}

/* THPeligible of the mapping holding p (/proc/self/smaps), -1 if unknown. */
static int thp_eligible(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		int v;
		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)p >= a && (uintptr_t)p < b;
		else if (in && sscanf(line, "THPeligible: %d", &v) == 1) {
			r = v;
			break;
		}
	}
	fclose(f);
	return r;
}

/* mem.c's blocks of 2 to 8 MiB: whole huge pages when the spare end is at
 * most a third of the block, the rest as asked; either way every byte usable,
 * calloc's zeroed, realloc's kept. */
static void test_blocks(void **state)
{
	static const struct {
		size_t size;
		int huge;	/* expected in huge pages */
	} c[] = {
		{ (2u << 20) - 64, 0 },	/* below */
		{ 2u << 20, 0 },		/* 2 MiB: 4 MiB with its header, half spare */
		{ 3u << 20, 1 },
		{ (21u << 20) / 10, 0 },	/* 2.1 MiB: 1.9 MiB spare */
		{ (28u << 20) / 10, 0 },	/* 2.8 MiB: 1.2 MiB spare, over a third */
		{ (6u << 20) - 32, 1 },	/* exactly three huge pages */
		{ (79u << 20) / 10, 1 },
		{ 8u << 20, 0 },		/* above */
		{ 9u << 20, 0 },
	};
	/* (under AddressSanitizer, whose allocator places blocks its own way,
	 * only the policy and the bytes are checked) */
	int aligns = !UNDER_ASAN && kernel_aligns() && hugepage_madvise_mode();

	(void)state;
	for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
		size_t n = c[i].size;
		unsigned char *a = mem_alloc(n), *z = mem_calloc(n / 8, 8);
		a[0] = 1;
		a[n - 1] = 2;
		for (size_t k = 0; k < n / 8 * 8; k += 4093)
			assert_int_equal(z[k], 0);
		assert_int_equal(z[n / 8 * 8 - 1], 0);
		if (aligns && c[i].huge) {
			assert_int_equal(((uintptr_t)a - 16) & ((2u << 20) - 1), 0);
			assert_int_equal(((uintptr_t)z - 16) & ((2u << 20) - 1), 0);
			assert_int_equal(thp_eligible(a), 1);
			assert_int_equal(thp_eligible(z), 1);
		}
		/* the policy itself: rounded to whole huge pages with glibc's
		 * 16-byte header (and the 16 bytes glibc rounds with), or not */
		if (c[i].huge)
			assert_int_equal((mem_request(n) + 32) % (2u << 20), 0);
		else
			assert_int_equal(mem_request(n), n);
		assert_true(mem_request(n) >= n);
		a = mem_realloc_array(a, n + (1u << 20), 1);
		assert_int_equal(a[0], 1);
		assert_int_equal(a[n - 1], 2);
		a[n + (1u << 20) - 1] = 3;
		free(a);
		free(z);
	}
	if (!aligns)
		printf("skip - huge-page placement: this kernel does not align mappings, or huge pages are not in madvise mode\n");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_value_back),
		cmocka_unit_test(test_started_with_tunable),
		cmocka_unit_test(test_blocks),
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

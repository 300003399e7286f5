#include "graph/core/hugepage.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *hugepage_advise(void *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(huge - 1);

	if (len >= 2 * huge && b > a)
		(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
	(void)len;
#endif
	return p;
}

#define TUNABLE "glibc.malloc.hugetlb=1"
/* the user's GLIBC_TUNABLES across the restart: "+VALUE", or "-" unset */
#define SAVED "HEAPGLASS_SAVED_GLIBC_TUNABLES"

int hugepage_madvise_mode(void)
{
	char mode[128];
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(mode, 1, sizeof mode - 1, f);
	fclose(f);
	mode[n] = '\0';
	return strstr(mode, "[madvise]") != NULL;
}

void hugepage_restart(char **argv)
{
#if defined(__linux__) && defined(__GLIBC__)
	const char *saved = getenv(SAVED), *old = getenv("GLIBC_TUNABLES");
	const char *pre = getenv("LD_PRELOAD");
	char *val, *keep;
	size_t len;

	if (saved) {
		if (saved[0] == '+')
			setenv("GLIBC_TUNABLES", saved + 1, 1);
		else
			unsetenv("GLIBC_TUNABLES");
		unsetenv(SAVED);
		return;
	}
	if ((old && strstr(old, "glibc.malloc.hugetlb")) || (pre && strstr(pre, "vgpreload")) ||
	    !hugepage_madvise_mode())
		return;
	len = (old ? strlen(old) : 0) + sizeof TUNABLE + 1;
	val = malloc(len);
	keep = malloc(len);
	if (!val || !keep) {
		free(val);
		free(keep);
		return;
	}
	snprintf(val, len, TUNABLE "%s%s", old && *old ? ":" : "", old ? old : "");
	snprintf(keep, len, old ? "+%s" : "-", old ? old : "");
	if (setenv(SAVED, keep, 1) == 0 && setenv("GLIBC_TUNABLES", val, 1) == 0)
		execv("/proc/self/exe", argv);
	/* no restart: as we were */
	if (old)
		setenv("GLIBC_TUNABLES", keep + 1, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	unsetenv(SAVED);
	free(val);
	free(keep);
#else
	(void)argv;
#endif
}

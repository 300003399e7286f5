#include "graph/core/mem.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "graph/core/error.h"

static void (*oom_hook)(void);

/* Blocks of 1 MiB and more in mappings of their own, returned to the
 * system when freed.  glibc's default threshold grows with every such
 * block freed, up to 32 MiB: after that, the per-object arrays of a heap
 * of a few million objects (4-23 MiB each: the loaders' scratch, the
 * analysis' work arrays) came from the main heap, and once freed stayed
 * resident below what was allocated after them (on the 592 MB snapshot,
 * 24 MiB after the load and 69 MiB after the analysis, with a peak 41 MiB
 * higher). */
__attribute__((constructor)) static void mem_setup(void)
{
#ifdef M_MMAP_THRESHOLD
	(void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

void mem_set_oom_hook(void (*hook)(void))
{
	oom_hook = hook;
}

static void oom(size_t size)
{
	if (oom_hook)
		oom_hook();
	fprintf(stderr, "heapglass: out of memory (asked for %zu bytes more)\n", size);
	exit(70);
}

void mem_fatal(const char *what)
{
	if (oom_hook)
		oom_hook();
	fprintf(stderr, "heapglass: %s\n", what);
	exit(70);
}

/* ---- blocks of a few MiB in huge pages ----
 *
 * A page fault costs 11-13 us per 4 KiB page on the VMs heapglass is
 * measured on, against 0.3 us per 4 KiB when the kernel maps a 2 MiB huge
 * page at once (64 MiB written page by page): the 4 KiB faults of the work
 * arrays were about a third of the CPU time of opening a 77 MB snapshot.  The kernel
 * backs only whole 2 MiB-aligned stretches of a mapping with huge pages,
 * and a block of 1 MiB or more is a mapping of its own (above) that starts
 * anywhere, so a block of 3 MiB, say, got none.  A block of HUGE_MIN to
 * HUGE_MAX is therefore asked for a few bytes short of a whole number of
 * huge pages, which makes glibc map exactly that many, which Linux (6.7 and
 * later) places on a 2 MiB boundary; it is then all in huge pages, if the
 * spare end of its last one is at most a third of the block.  The spare end is
 * memory held for nothing: bigger blocks, which hold most of a big heap
 * and have most of their pages in whole huge stretches anyway, are left
 * as they are (measured: the 77 MB snapshot's 16,300 faults became 4,000
 * to 5,600, at 105 against 91 MiB; a 592 MB one's peak grew by 2 MiB, and
 * by 6 when half a block could be spare).  Elsewhere
 * (another libc, an older kernel) a block is only a little bigger. */
enum {
	HUGE_PAGE = 2 << 20,
	HUGE_MIN = 2 << 20,
	HUGE_MAX = 8 << 20,
	CHUNK_HEAD = 16			/* glibc's header before a block */
};

size_t mem_request(size_t size)
{
	size_t whole = (size + 2 * CHUNK_HEAD + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);

	if (size < HUGE_MIN || size >= HUGE_MAX || whole - size > size / 3)
		return size;
	return whole - 2 * CHUNK_HEAD;
}

/* Advises huge pages for block p of `size` bytes, if its mapping starts on
 * a huge page (mem_request() rounded it, and the kernel aligned it). */
static void *huge_advise(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
	uintptr_t start = (uintptr_t)p - CHUNK_HEAD;
	size_t req = mem_request(size);

	if (p && req != size && !(start & (HUGE_PAGE - 1)))
		(void)madvise((void *)start, req + 2 * CHUNK_HEAD, MADV_HUGEPAGE);
#else
	(void)size;
#endif
	return p;
}

void *mem_alloc(size_t size)
{
	void *p = malloc(size ? mem_request(size) : 1);

	if (!p)
		oom(size);
	return huge_advise(p, size);
}

void *mem_calloc(size_t n, size_t size)
{
	void *p;

	if (n && size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	p = calloc(1, n && size ? mem_request(n * size) : 1);
	if (!p)
		oom(n * size);
	return huge_advise(p, n * size);
}

void mem_zero_release(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(page - 1);

	if (b <= a || madvise((void *)a, b - a, MADV_DONTNEED) != 0) {
		memset(p, 0, len);
		return;
	}
	memset(p, 0, a - (uintptr_t)p);
	memset((void *)b, 0, (uintptr_t)p + len - b);
}

void *mem_realloc_array(void *p, size_t n, size_t size)
{
	void *q;
	size_t bytes;

	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	bytes = n * size;

	q = realloc(p, bytes ? mem_request(bytes) : 1);
	if (!q)
		oom(n * size);
	return huge_advise(q, bytes);
}

char *mem_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = mem_alloc(len);

	memcpy(p, s, len);
	return p;
}

/* A value in kB from a /proc/meminfo line "Key:   123 kB", or -1. */
static int64_t meminfo_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	long long kb;

	if (!p || sscanf(p + strlen(key), " %lld", &kb) != 1 || kb < 0)
		return -1;
	return (int64_t)kb;
}

uint64_t mem_available(const char **source)
{
	uint64_t best = UINT64_MAX;
	const char *why = "unknown";
	char text[4096];
	struct rlimit rl;
	FILE *f;

	f = fopen("/proc/meminfo", "r");
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		int64_t avail, swap;
		text[n] = '\0';
		fclose(f);
		avail = meminfo_kb(text, "MemAvailable:");
		swap = meminfo_kb(text, "SwapFree:");
		if (avail >= 0) {
			best = ((uint64_t)avail + (uint64_t)(swap > 0 ? swap : 0)) * 1024;
			why = "free memory and swap";
		}
	}
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		/* what is mapped already counts against the limit */
		unsigned long long pages = 0;
		uint64_t used, left;
		f = fopen("/proc/self/statm", "r");
		if (f) {
			if (fscanf(f, "%llu", &pages) != 1)
				pages = 0;
			fclose(f);
		}
		used = (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
		left = (uint64_t)rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 0;
		if (left < best) {
			best = left;
			why = "address-space limit, ulimit -v";
		}
	}
	if (source)
		*source = why;
	return best;
}

/* "12.3 GiB" / "45 MiB" */
static void human(char *out, size_t size, uint64_t bytes)
{
	if (bytes >= (UINT64_C(10) << 30))
		snprintf(out, size, "%.0f GiB", (double)bytes / (1 << 30));
	else if (bytes >= (UINT64_C(1) << 30))
		snprintf(out, size, "%.1f GiB", (double)bytes / (1 << 30));
	else
		snprintf(out, size, "%.0f MiB", (double)bytes / (1 << 20));
}

int mem_check(uint64_t need, const char *prefix, struct error *err)
{
	const char *source;
	uint64_t have = mem_available(&source);
	char a[32], b[32];

	if (need <= have)
		return 0;
	human(a, sizeof a, need);
	human(b, sizeof b, have);
	return error_set(err, "%s: needs at least %s of memory, only %s available (%s)",
			 prefix, a, b, source);
}

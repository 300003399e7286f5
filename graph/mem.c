#include "mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*oom_hook)(void);

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

void *mem_alloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		oom(size);
	return p;
}

void *mem_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *mem_realloc_array(void *p, size_t n, size_t size)
{
	void *q;
	size_t bytes;

	if (size && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	bytes = n * size;

	q = realloc(p, bytes ? bytes : 1);
	if (!q)
		oom(n * size);
	return q;
}

char *mem_strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = mem_alloc(len);

	memcpy(p, s, len);
	return p;
}

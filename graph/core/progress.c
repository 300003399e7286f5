#include "graph/core/progress.h"

#include <stddef.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int progress_force(struct progress *p, const char *what, uint64_t done, uint64_t total)
{
	if (!p || !p->fn)
		return 0;
	p->next_ns = now_ns() + 100000000u;
	return p->fn(p->ctx, what, done, total);
}

int progress_tick(struct progress *p, const char *what, uint64_t done, uint64_t total)
{
	if (!p || !p->fn)
		return 0;
	if (now_ns() < p->next_ns)
		return 0;
	return progress_force(p, what, done, total);
}

#include "graph/core/worker.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23		/* Linux 5.14 */
#endif

int worker_start(struct worker *w, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	w->started = pthread_create(&w->thread, NULL, fn, arg) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return w->started;
}

void worker_run(struct worker *w, int threaded, void *(*fn)(void *), void *arg)
{
	w->started = 0;
	if (!threaded || !worker_start(w, fn, arg))
		fn(arg);
}

void worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = 0;
}

enum {
	SLICE = 8 << 20		/* bytes of one range faulted in at a time */
};

void prefault_init(struct prefault *pf)
{
	pf->w.started = 0;
	pf->n = 0;
	atomic_init(&pf->stop, 0);
}

void prefault_add(struct prefault *pf, void *p, size_t len, unsigned group)
{
	if (pf->n < PREFAULT_MAX && p && len) {
		pf->r[pf->n].p = p;
		pf->r[pf->n].len = len;
		pf->r[pf->n].group = group;
		pf->n++;
	}
}

static int stopped(struct prefault *pf)
{
	return atomic_load_explicit(&pf->stop, memory_order_relaxed);
}

/* Faults in [a, b) rounded in to pages; 0, or -1 where the system cannot
 * (a range no longer mapped is just skipped). */
static int populate(uintptr_t a, uintptr_t b)
{
	const uintptr_t page = 4096;

	a = (a + page - 1) & ~(page - 1);
	b &= ~(page - 1);
	if (b > a && madvise((void *)a, b - a, MADV_POPULATE_WRITE) != 0 && errno == EINVAL)
		return -1;
	return 0;
}

/* Group by group; within a group, in steps of about SLICE bytes of its
 * longest range, the same share of every range at each step. */
static void *prefault_main(void *arg)
{
	struct prefault *pf = arg;

	for (unsigned group = 0;; group++) {
		size_t longest = 0, steps;
		for (unsigned i = 0; i < pf->n; i++)
			if (pf->r[i].group == group && pf->r[i].len > longest)
				longest = pf->r[i].len;
		if (!longest)
			return NULL;
		steps = longest / SLICE + 1;
		for (size_t s = 0; s < steps; s++) {
			for (unsigned i = 0; i < pf->n; i++) {
				uintptr_t p = (uintptr_t)pf->r[i].p;
				size_t len = pf->r[i].len;
				if (stopped(pf))
					return NULL;
				if (pf->r[i].group == group &&
				    populate(p + len / steps * s, s + 1 == steps ? p + len : p + len / steps * (s + 1)))
					return NULL;
			}
		}
	}
}

void prefault_start(struct prefault *pf)
{
	if (pf->n)
		(void)worker_start(&pf->w, prefault_main, pf);
}

void prefault_join(struct prefault *pf)
{
	atomic_store_explicit(&pf->stop, 1, memory_order_relaxed);
	worker_join(&pf->w);
	pf->n = 0;
}

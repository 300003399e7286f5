#include "graph/core/worker.h"

#include <signal.h>

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

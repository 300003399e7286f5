/* worker: the second thread the engine and the loaders use.
 *
 * Every signal is blocked on a worker, so signal handlers (ncurses'
 * SIGINT/SIGTERM/SIGQUIT cleanup, which restores the terminal) always run
 * on the thread that started it. */
#ifndef HEAPGLASS_WORKER_H
#define HEAPGLASS_WORKER_H

#include <pthread.h>

struct worker {
	pthread_t thread;
	int started;		/* a thread runs (or ran) and is not joined yet */
};

/* Starts fn(arg) on a new thread; returns non-zero if one started, 0 if
 * none could (the caller decides what to do then). */
int worker_start(struct worker *w, void *(*fn)(void *), void *arg);

/* Runs fn(arg) on a new thread when `threaded`, else, or when no thread
 * starts, right here before returning. */
void worker_run(struct worker *w, int threaded, void *(*fn)(void *), void *arg);

/* Waits for the thread, if one was started; then w is idle again. */
void worker_join(struct worker *w);

#endif

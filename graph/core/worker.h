/* worker: the second thread the engine and the loaders use.
 *
 * Every signal is blocked on a worker, so signal handlers (ncurses'
 * SIGINT/SIGTERM/SIGQUIT cleanup, which restores the terminal) always run
 * on the thread that started it. */
#ifndef HEAPGLASS_WORKER_H
#define HEAPGLASS_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

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

/* Page faults ahead of the writer, on another core: a thread that faults
 * in (zeroes) memory a thread will write front to back soon, such as a
 * builder's columns reserved for the counts a file declares.  On this
 * class of VM the kernel zeroes fresh memory at about 1 GB/s, a third of
 * the main thread's time in a big load.  The ranges are faulted in slices,
 * a slice of each range of a group in turn, groups one after the other (a
 * writer that fills several columns side by side finds all of them
 * ready).  Faulting in never changes what memory holds, so the writer may
 * write anywhere at any time; the memory must stay mapped until
 * prefault_join (or be given back to the system only: a range unmapped
 * meanwhile is skipped). */
enum {
	PREFAULT_MAX = 16
};

struct prefault {
	struct worker w;
	unsigned n;
	struct {
		char *p;
		size_t len;
		unsigned group;
	} r[PREFAULT_MAX];
	atomic_int stop;
};

/* Empties pf (no thread yet). */
void prefault_init(struct prefault *pf);
/* Adds [p, p + len) to group `group` (0, 1, ...: faulted in that order);
 * ignored beyond PREFAULT_MAX ranges. */
void prefault_add(struct prefault *pf, void *p, size_t len, unsigned group);
/* Starts the thread (nothing happens where it cannot start, or where the
 * system cannot fault in ahead). */
void prefault_start(struct prefault *pf);
/* Stops the thread where it is and joins it. */
void prefault_join(struct prefault *pf);

#endif

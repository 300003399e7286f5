/* progress: the cooperative progress callback of long work (igraph-style).
 *
 * Long work (loading, analysis) calls progress_tick() often; the callback
 * runs at most every ~100 ms and may ask to stop by returning non-zero, in
 * which case the work returns -1 with "interrupted" in its error record.
 */
#ifndef HEAPGLASS_PROGRESS_H
#define HEAPGLASS_PROGRESS_H

#include <stdint.h>

/* what: a short phase name ("parsing", "dominators"); done/total in units of
 * the phase (bytes, nodes), total 0 when unknown.  Return non-zero to abort. */
typedef int (*progress_fn)(void *ctx, const char *what, uint64_t done, uint64_t total);

struct progress {
	progress_fn fn;		/* NULL: no reporting, never aborts */
	void *ctx;
	uint64_t next_ns;	/* internal: monotonic time of the next report */
};

/* Reports when ~100 ms have passed since the last report (checks the clock
 * only every call; callers tick every few thousand units).  Returns non-zero
 * when the callback asked to stop.  p may be NULL. */
int progress_tick(struct progress *p, const char *what, uint64_t done, uint64_t total);

/* Reports unconditionally (phase start or end). */
int progress_force(struct progress *p, const char *what, uint64_t done, uint64_t total);

#endif

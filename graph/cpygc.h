/* cpygc: CPython's cycle collector, offline, on a Python dump.
 *
 * gc.collect(g) as CPython does it (Modules/gcmodule.c, deduce_unreachable):
 *   1. candidates: the tracked objects (HEAP_F_HAS_REFCOUNT and not
 *      HEAP_F_UNTRACKED) whose generation is 0..g (older generations are
 *      merged into the collected one; unknown / permanent generations are
 *      never candidates);
 *   2. gc_refs = refcount (update_refs);
 *   3. for every retaining reference (reach_retains(): tp_traverse never
 *      visits a weakref's referent) from a candidate to a candidate, the
 *      target's gc_refs -= 1 (subtract_refs; repeated references count
 *      each time);
 *   4. candidates with gc_refs > 0 are referenced from outside; everything
 *      they reach through references among candidates is rescued
 *      (move_unreachable);
 *   5. the rest is the unreachable set: what the collection frees.
 * Untracked objects are never in the set (CPython's DEBUG_COLLECTABLE lists
 * only tracked objects), even those that die with it by reference counting;
 * analysis.h's reachability does count those as unreachable.
 * A negative gc_refs (a dump whose refcounts are lower than its references)
 * is treated as 0.
 */
#ifndef HEAPGLASS_CPYGC_H
#define HEAPGLASS_CPYGC_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

struct cpygc_result {
	int generation;			/* g */
	uint32_t n_candidates;		/* tracked objects of generation <= g */
	uint32_t n_external;		/* candidates with gc_refs > 0 */
	heap_node_t *unreachable;	/* ascending node index */
	uint32_t n_unreachable;
	uint64_t unreachable_bytes;
	heap_node_t *finalizers;	/* the unreachable ones with HEAP_F_FINALIZER */
	uint32_t n_finalizers;
};

/* Runs gc.collect(generation) offline.  Returns 0 and fills r (release with
 * cpygc_result_fini), or -1 with err filled when the heap has no refcounts
 * ("not a Python dump"), generation is not 0, 1 or 2, or progress asked to
 * stop.  O(V + E); temporary memory 9 bytes per node. */
int cpygc_collect(const struct heap *h, int generation, struct cpygc_result *r,
		  struct progress *p, struct error *err);

/* cpygc_result_fini on a zeroed or finished result is a no-op. */
void cpygc_result_fini(struct cpygc_result *r);

/* gc_refs after step 3 for every node (n entries; non-candidates get
 * their refcount unchanged and are flagged 0 in candidate), for views and
 * the GC stepper.  candidate may be NULL. */
void cpygc_gc_refs(const struct heap *h, int generation, int64_t *gc_refs, uint8_t *candidate);

#endif

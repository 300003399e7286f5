/* step_cpython: CPython's cycle collection of one generation (gc.collect(g),
 * CPython 3.8 to 3.12), as stepper events.
 *
 * The candidates are the live objects of generations 0..g that the
 * collector tracks (heap flag HEAP_F_UNTRACKED and an unknown generation
 * exclude an object); every other live object is coloured "outside"
 * (STEPPER_OLDER).  Then, as gcmodule.c does:
 *   1. copy each candidate's refcount into gc_refs (STEPPER_COPY);
 *   2. for each retaining reference from a candidate to a candidate, one
 *      event each, gc_refs -= 1 (STEPPER_SUBTRACT);
 *   3. a candidate left with gc_refs > 0 is referenced from outside: it
 *      turns grey and is pushed (STEPPER_EXTERNAL); the worklist is then
 *      drained as in mark-and-sweep, over references to candidates only
 *      (STEPPER_POP, STEPPER_SCAN);
 *   4. the candidates still white are unreachable (STEPPER_UNREACHABLE);
 *   5. weak references to them are cleared (STEPPER_WEAKCLEAR);
 *   6. their finalizers run, once per object ever (STEPPER_FINALIZE);
 *      heapglass cannot run code, so it assumes no finalizer resurrects;
 *   7. they are cleared and freed (STEPPER_CLEAR); each reference they held
 *      to a survivor lowers its refcount (STEPPER_DECREF), and anything that
 *      falls to 0 is freed by the refcount cascade (step_refcount);
 *   8. with `gens`: the survivors among the candidates move to generation
 *      min(g + 1, 2) (STEPPER_PROMOTE).
 * With `gens`, the generation counters are updated first, as CPython does
 * at the start of a collection: count[g + 1] += 1 (g < 2) and count[0..g] = 0.
 *
 * The refcount column is the input (a Python dump's refcounts, or derived).
 * Final state: the unreachable set is exactly the candidates that no
 * candidate with outside references (refcount above the number of
 * references from candidates) reaches through candidates.  Iterative.
 */
#ifndef HEAPGLASS_STEP_CPYTHON_H
#define HEAPGLASS_STEP_CPYTHON_H

#include "graph/gc/stepper.h"

/* g: 0..2.  gens: also update the counters and promote survivors. */
void step_cpython_run(struct stepper *s, unsigned g, int gens);

/* Whether live node v is a candidate of a collection of generation g. */
int step_cpython_candidate(const struct stepper *s, heap_node_t v, unsigned g);

#endif

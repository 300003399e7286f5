/* step_refcount: reference counting as stepper events.
 *
 * step_refcount_release() lets go of one reference to each node in drops
 * (a variable deleted, a field overwritten): STEPPER_RELEASE lowers its
 * refcount by one; an object whose refcount reaches 0 turns grey and goes
 * onto the worklist (STEPPER_ZERO).  Then the cascade: take the first object
 * off the worklist; if it has a finalizer that has not run, run it
 * (STEPPER_FINALIZE); clear the weak references to it (STEPPER_WEAKCLEAR);
 * free it (STEPPER_FREE); each of its retaining references then lowers its
 * target's refcount (STEPPER_DECREF), and a target reaching 0 is pushed in
 * turn.  Objects in a cycle keep each other above 0 and stay: reference
 * counting alone never frees a cycle.
 *
 * Final state: with the refcounts consistent (refcount = retaining
 * references + root holds, as stepper_derive_refcount() makes them), an
 * object is freed exactly when no remaining root and no object on a cycle
 * (a strongly connected component of two or more, or a self-reference)
 * reaches it.  The order of the drops does not change that result.
 *
 * The refcount column is the input: set it (or keep the derived one)
 * before calling.  Only a refcount that reaches exactly 0 frees, so a
 * count already 0 or below is left alone.  Iterative.
 */
#ifndef HEAPGLASS_STEP_REFCOUNT_H
#define HEAPGLASS_STEP_REFCOUNT_H

#include <stddef.h>

#include "graph/gc/stepper.h"

void step_refcount_release(struct stepper *s, const heap_node_t *drops, size_t n);

/* Frees what is on the worklist and everything that falls to 0 because of
 * it (the second half of step_refcount_release, also used by step_cpython
 * after clearing garbage).  Emits no phase marker. */
void step_refcount_cascade(struct stepper *s);

/* Lowers the refcount of node `to` by one because `from` (freed) held it
 * through out-edge e; pushes `to` when it reaches 0. */
void step_refcount_decref(struct stepper *s, heap_node_t to, heap_node_t from, uint32_t e);

#endif

/* step_mark: tri-colour mark-and-sweep from the roots, as stepper events.
 *
 * Mark: each root (heap->roots, in order) turns grey and goes onto the
 * worklist (STEPPER_ROOT).  Until the worklist is empty: take the first
 * object off it and colour it black (STEPPER_POP), then scan each of its
 * references as its own event: a retaining reference to a white object
 * colours that object grey and pushes it (STEPPER_SCAN), one to a grey or
 * black object changes nothing (STEPPER_SCAN, no column), a weak one is not
 * followed (STEPPER_SKIP_WEAK).  Sweep: every object still white is freed
 * (STEPPER_SWEEP, in node order), and each weak reference from a survivor
 * to a freed object is cleared (STEPPER_WEAKCLEAR).
 *
 * Final state: an object is freed exactly when no root reaches it over
 * retaining references (stepper_edge_retains); survivors are black.
 * Expects every node white, as stepper_new() leaves them; nodes already
 * flagged STEPPER_F_FREED are neither scanned nor swept.  Iterative.
 */
#ifndef HEAPGLASS_STEP_MARK_H
#define HEAPGLASS_STEP_MARK_H

#include "graph/gc/stepper.h"

void step_mark_run(struct stepper *s);

#endif

/* step_gens: CPython's generations (3.8 to 3.12) as stepper events.
 *
 * Each allocation of a tracked object adds one to gen_count[0]; when it
 * exceeds threshold[0] (700 by default), collect_generations() looks at the
 * generations from the oldest down and collects the first whose count
 * exceeds its threshold (STEPPER_THRESHOLD for each comparison): usually
 * generation 0; every threshold[1] (10) collections of generation 0 it is
 * generation 1 instead, and every threshold[2] (10) of those generation 2.
 * A collection of generation g takes generations 0..g together
 * (STEPPER_COLLECT, then step_cpython_run with counters and promotion):
 * survivors move one generation older.
 *
 * Not modelled: CPython's extra condition on full collections (only when
 * the objects promoted to generation 2 since the last full collection
 * exceed 25% of the long-lived ones), and 3.13+'s incremental collector.
 * A threshold[0] of 0 disables automatic collection, as gc.disable() does.
 */
#ifndef HEAPGLASS_STEP_GENS_H
#define HEAPGLASS_STEP_GENS_H

#include "graph/gc/stepper.h"

/* gc.collect(g): collects generations 0..g, promotes survivors, updates
 * the counters. */
void step_gens_collect(struct stepper *s, unsigned g);

/* collect_generations(): compares the counters with the thresholds, oldest
 * first, and collects the first generation over its threshold.  Returns the
 * generation collected, or -1 if none. */
int step_gens_auto(struct stepper *s);

/* One allocation: gen_count[0] += 1 (STEPPER_COUNT), then, when it exceeds
 * threshold[0] and that is not 0, step_gens_auto().  Returns what
 * step_gens_auto() returned, or -1. */
int step_gens_alloc(struct stepper *s);

#endif

/* scc: strongly connected components over retaining references
 * (reach_retains()).  The component of one pivot object (the one with the
 * most references in times out: on heaps it lies in the giant component
 * that ties objects to their classes and maps) is found by a forward and a
 * backward breadth-first search, whose loads overlap; the rest by Pearce's
 * space-efficient variant of Tarjan's algorithm, iterative (explicit
 * stack; the depth of the input never becomes depth of the C stack).
 * O(V + E).
 */
#ifndef HEAPGLASS_SCC_H
#define HEAPGLASS_SCC_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

/* Assigns every node its component: comp[v] in 0..*n_comp-1.  Components
 * are numbered in a reverse topological order of the condensation: if a
 * retaining reference goes from component a to component b != a, then
 * a > b (dom_group_retained() relies on it).  comp has h->n_nodes entries.
 * Temporary memory: about 12 bytes per node and two bits, freed before
 * returning.  Returns 0, or -1 with err filled when progress asked to stop. */
int scc_compute(const struct heap *h, uint32_t *comp, uint32_t *n_comp,
		struct progress *p, struct error *err);

/* scc_compute() over the references of the user graph (heap.h:
 * heap_out_user) instead of every retaining one: the components the user's
 * own objects form once the runtime's bookkeeping is left out.  Same
 * numbering, cost and memory. */
int scc_compute_user(const struct heap *h, uint32_t *comp, uint32_t *n_comp, struct progress *p,
		     struct error *err);

#endif

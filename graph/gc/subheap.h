/* subheap: which part of a real heap a GC lesson runs on (the world of
 * graph/gc/world.h copies the part and what the rest of the heap does for
 * it: refcounts that count the references from outside, and roots for
 * what is held from outside).
 *
 * subheap_held(): a group of objects (a cycle) and everything only they
 * hold, so that a collection of the part frees what CPython frees with
 * them.  An object's neighbourhood is chosen by graph/near.h, as a diagram
 * of it is.
 */
#ifndef HEAPGLASS_SUBHEAP_H
#define HEAPGLASS_SUBHEAP_H

#include <stdint.h>

#include "graph/heap.h"

/* nodes[0..n) (copied first into out), then, breadth first from them, every
 * node they reach through retaining references that nothing outside them
 * holds: no root and no object held from outside reaches it without
 * passing through nodes[] (held from outside: in the root list, or, with
 * refcounts, a refcount above the retaining references to it, as
 * CPython's collector counts).  At most max nodes (room in out); returns
 * how many, and *more is set when some were left out. */
uint32_t subheap_held(const struct heap *h, const heap_node_t *nodes, uint32_t n, uint32_t max,
		      heap_node_t *out, int *more);

#endif

/* subheap: part of a heap as a heap of its own, so a GC stepper can run on a
 * cycle or an object's neighbourhood of a real snapshot.
 *
 * subheap_new() copies the chosen nodes (in ascending node order: the
 * columns id, type, name, size, refcount, flags, generation) and every
 * reference between two of them.  What the rest of the heap did for them is
 * kept as it matters to a collector:
 *   - a chosen node in the heap's root list stays a root, with its kinds;
 *   - a chosen node that a node outside the selection holds through a
 *     retaining reference becomes a root of kind "held from outside", so
 *     mark-and-sweep on the part keeps what the whole heap keeps alive;
 *   - the refcount column is copied as it is, so it still counts the
 *     references from outside: CPython's pass sees them as outside
 *     references, exactly as it would on the whole heap.
 * Node ids are the original ids.  An object's neighbourhood is chosen by
 * graph/near.h, as a diagram of it is.
 */
#ifndef HEAPGLASS_SUBHEAP_H
#define HEAPGLASS_SUBHEAP_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"

/* nodes: n node indexes of h, any order, duplicates ignored.  Returns 0 and
 * the part in *out (heap_free it), or -1 with err (an index out of range). */
int subheap_new(const struct heap *h, const heap_node_t *nodes, uint32_t n, struct heap **out,
		struct error *err);

/* For a heap without refcounts: writes into refcount[i], for each node i
 * of part (a subheap_new() of h), the number of retaining references to it
 * in the whole of h plus the times it is in h's root list, which is what
 * CPython's pass needs as refcounts. */
void subheap_refcounts(const struct heap *h, const struct heap *part, int64_t *refcount);

#endif

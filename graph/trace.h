/* trace: leak traces, the paths from a root that a person reads to learn
 * what holds an object (memlab's leak traces, DevTools' retainer paths).
 *
 * A trace follows the user graph's rules (heap.h, docs/user-graph.md), not
 * a second rule set: a reference may be on a trace when it retains
 * (heap_edge_retains), is not HEAP_EDGE_META, and leaves an object that is
 * not HEAP_F_RUNTIME.  A trace may pass an anchor (HEAP_F_ANCHOR: a V8
 * native context or module scope, a Java class whose statics hold the
 * leak): that is often exactly the named holder.  It may end at a runtime
 * object (a string in a log) but never passes one, except the synthetic
 * root categories that runtimes write above their real roots (V8's
 * (GC roots) and its subroots), which are not objects.
 *
 * The trace tree: a breadth-first search over those references from the
 * analysis's effective roots (dist 0, reach.h) gives every object it
 * reaches one shortest trace; objects it does not reach (held only through
 * the runtime's machinery, or unreachable) have none.  The tree is stored
 * as one reference per object, 4 bytes per object.  O(V + E), iterative.
 */
#ifndef HEAPGLASS_TRACE_H
#define HEAPGLASS_TRACE_H

#include <stdint.h>

#include "graph/analysis.h"
#include "graph/heap.h"
#include "graph/reach.h"

/* The value of edge[v] for a root of the tree, and for an object the tree
 * does not reach. */
#define TRACE_ROOT UINT32_C(0xfffffffe)
#define TRACE_NONE UINT32_C(0xffffffff)

/* Whether out-edge e of `from` may be on a trace (above). */
static inline int trace_follows(const struct heap *h, heap_node_t from, uint32_t e)
{
	uint16_t f = h->flags[from];

	if ((f & HEAP_F_RUNTIME) && !(f & HEAP_F_SYNTHETIC))
		return 0;
	return heap_edge_retains(heap_out_kind(h, e), f) && !heap_out_meta(h, e);
}

/* Builds the trace tree of a's heap: edge[v] is the out-edge index of the
 * reference that reaches v on its trace, TRACE_ROOT for a root, TRACE_NONE
 * when no trace reaches v.  order (n_nodes entries) gets the reached
 * objects in breadth-first order (every object after the one its edge
 * leaves).  parent, when not NULL (n_nodes entries), gets the object each
 * reached object's edge leaves (HEAP_NONE for a root), which
 * trace_edge_source() would find by a search.  Returns how many objects
 * are reached. */
uint32_t trace_build(const struct analysis *a, uint32_t *edge, heap_node_t *order, heap_node_t *parent);

/* The object out-edge e leaves (a binary search over out_off). */
heap_node_t trace_edge_source(const struct heap *h, uint32_t e);

/* v's trace from its root: writes up to max steps (root first, v last;
 * out[0].edge is HEAP_NONE) and returns the full length, 0 when the tree
 * does not reach v.  Call with max 0 to size a buffer. */
uint32_t trace_path(const struct heap *h, const uint32_t *edge, heap_node_t v, struct reach_step *out,
		    uint32_t max);

#endif

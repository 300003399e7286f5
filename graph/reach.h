/* reach: which objects a root keeps alive, and how far each is from one.
 *
 * Retaining references.  A reference keeps its target alive when its kind
 * is HEAP_EDGE_STRONG or HEAP_EDGE_INTERNAL, or when it is a
 * HEAP_EDGE_SHORTCUT whose *source* has HEAP_F_SYNTHETIC.  The last rule is
 * V8's: DevTools treats the shortcut edges of its synthetic (root) node as
 * the links to user global objects and ignores shortcut edges everywhere
 * else.  HEAP_EDGE_WEAK never retains.  Every analysis in graph/ (distances,
 * cycles, dominators, retained sizes, paths, CPython's collector) uses this
 * one predicate, reach_retains().
 *
 * Roots.  The "effective roots" an analysis starts from are:
 *   - for a heap without refcounts: the nodes of heap->roots;
 *   - for a heap with refcounts (any node has HEAP_F_HAS_REFCOUNT: a Python
 *     dump), what CPython's full collection sees as referenced from outside,
 *     i.e. heap->roots are NOT used:
 *       * a tracked node (HAS_REFCOUNT, not UNTRACKED) whose generation is
 *         0..2 is a collection candidate; it is a root when
 *         refcount - (retaining references to it from candidates) > 0
 *         (CPython's gc_refs after subtract_refs);
 *       * any other node with HAS_REFCOUNT (untracked, or a generation
 *         above 2 / unknown, e.g. gc.freeze()'s permanent generation) is a
 *         root when refcount - (retaining references to it from every node)
 *         > 0: someone outside the dump holds it.  An untracked object held
 *         only by garbage is therefore unreachable (freed by the cascade).
 *       * a node without HAS_REFCOUNT in such a heap is a root (its
 *         liveness is unknown, so it is kept).
 *     See cpygc.h for gc.collect(g) with g < 2.
 * A heap with no roots and no refcounts has every object unreachable.
 */
#ifndef HEAPGLASS_REACH_H
#define HEAPGLASS_REACH_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

/* Distance of an object no root reaches. */
#define REACH_UNREACHABLE UINT32_C(0xffffffff)

/* Non-zero when the edge out_*[e] of node `from` keeps its target alive
 * (see above). */
static inline int reach_retains(const struct heap *h, heap_node_t from, uint32_t e)
{
	uint8_t k = heap_out_kind(h, e);

	/* flags[from] is loaded only for a shortcut */
	return heap_edge_retains(k, k == HEAP_EDGE_SHORTCUT ? h->flags[from] : 0);
}

/* Non-zero when the heap is analysed with CPython's rules (some node has
 * HEAP_F_HAS_REFCOUNT). */
int reach_refcount_mode(const struct heap *h);

/* Marks the effective roots (see above): is_root[v] = 1 for a root, else 0.
 * is_root has h->n_nodes bytes, written whole.  Returns the number of
 * roots.  O(V + E), no allocation beyond a temporary n*4 bytes in refcount
 * mode. */
uint32_t reach_roots(const struct heap *h, uint8_t *is_root);

/* Breadth-first distances over retaining references: dist[v] = 0 for a
 * root, the length of a shortest chain of retaining references from some
 * root otherwise, REACH_UNREACHABLE when none.  dist has h->n_nodes
 * entries.  Returns 0, or -1 with err filled when progress asked to stop.
 * Temporary memory: none beyond dist (the queue lives in a caller-free
 * scratch array of n entries allocated and freed here). */
int reach_distances(const struct heap *h, const uint8_t *is_root, uint32_t *dist,
		    struct progress *p, struct error *err);

/* One step of a retainer path: node, and the reference that leads to it
 * from the previous step (an index into h->out_*), HEAP_NONE for the
 * first step (the root). */
struct reach_step {
	heap_node_t node;
	uint32_t edge;
};

/* The shortest retainer path to v, derived from dist (no parent column is
 * stored): walks back from v choosing, at each step, the first retaining
 * incoming reference (in in_* order) whose source is one closer to a root.
 * Writes dist[v] + 1 steps into out, from the root (out[0]) to v, and
 * returns that count; returns 0 when v is unreachable.  out must hold
 * dist[v] + 1 entries.  Cost: the in-degree of the nodes on the path. */
uint32_t reach_path(const struct heap *h, const uint32_t *dist, heap_node_t v,
		    struct reach_step *out);

#endif

/* dom: dominator tree and retained sizes.
 *
 * The graph: every node, the retaining references (reach_retains()), and a
 * virtual root R (not a node) with a reference to every "entry" node.
 * v dominates w when every path from R to w passes through v; idom[w] is
 * w's immediate dominator, HEAP_NONE when that is R.  The retained size of
 * v is the total shallow size of v's dominator subtree: the bytes freed if
 * v were freed.  Two algorithms, both iterative in the C sense (no
 * recursion):
 *   - first, Cooper, Harvey & Kennedy's iterative algorithm over
 *     breadth-first numbers (see dom_iter.c for why breadth-first): passes over
 *     the predecessors until the tree stops changing, 2-9 on real heaps;
 *   - when a shape would make that slow (many passes, or long walks up
 *     the tree: crossed chains), Semi-NCA (Georgiadis 2005:
 *     Lengauer-Tarjan's semidominators with path compression and simple
 *     linking, then each idom as a nearest common ancestor), itself
 *     falling back to Lengauer-Tarjan's buckets on the shapes that make
 *     its tree walks quadratic: O(E log V) in the worst case.
 * All give the same tree (dominators are unique); they differ in speed.
 *
 * Entries and garbage (dom_entries()): R references the effective roots
 * (reach.h).  Objects no root reaches ("garbage") get a dominator tree and
 * retained sizes too, hanging under R, so the retained sizes of R's
 * children add up to heap->total_size.  Two rules, both independent of
 * node order:
 *   - heaps shaped like a V8 snapshot (exactly one root, synthetic: see
 *     dom_devtools_shape) follow Chrome DevTools (HeapSnapshot.ts,
 *     calculateDominatorsAndRetainedSizes), so retained sizes agree with
 *     Chrome's: R references every garbage object that no retaining
 *     reference points to (a self-reference counts), then every garbage
 *     object still not reached from those; references from garbage to live
 *     objects count.  (analysis.h then lets the single root stand for R.)
 *   - every other heap (Python dumps, Java, CSV, DOT), where garbage is what
 *     the next collection frees: R references every member of every
 *     *source* component of the garbage, a strongly connected component
 *     (scc.h) no retaining reference enters from outside, so the head of a
 *     garbage structure retains the structure; and garbage cannot keep a
 *     live object from being freed with its dominator: references from
 *     DOM_GARBAGE nodes to live ones are ignored, so live objects'
 *     dominators and retained sizes are those of the roots alone.
 */
#ifndef HEAPGLASS_DOM_H
#define HEAPGLASS_DOM_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

/* A column of retained sizes, 4 bytes per node, as heap.h keeps shallow
 * sizes: small[v], or, where that is HEAP_SIZE_BIG (a size of 4 GiB or
 * more), the size in big[] (n_big records, sorted by node; a record whose
 * node's small[] is not HEAP_SIZE_BIG is stale and never read).  Read it
 * with dom_sizes_get().  A 32-bit column halves the biggest per-object
 * result of the analysis (V8 heaps of 5.8M objects: 22 MiB less at the
 * peak); sizes that big are rare (what holds a whole multi-gigabyte heap:
 * a root and the few objects above most of it).  small is the caller's;
 * big is mem_alloc'd, NULL when empty (free it with the column). */
struct dom_sizes {
	uint32_t *small;
	struct heap_big_size *big;
	uint32_t n_big;
};

uint64_t dom_sizes_big(const struct dom_sizes *s, heap_node_t v);

/* The size of node v. */
static inline uint64_t dom_sizes_get(const struct dom_sizes *s, heap_node_t v)
{
	uint32_t x = s->small[v];

	return x != HEAP_SIZE_BIG ? x : dom_sizes_big(s, v);
}

/* Sets node v's size to x: O(n_big) when x or the old size is 4 GiB or
 * more (a record is inserted or removed), O(1) otherwise; for a few nodes
 * (dom_compute() writes whole columns its own way). */
void dom_sizes_set(struct dom_sizes *s, heap_node_t v, uint64_t x);

/* Per-node marks that describe the graph to dom_compute(). */
enum dom_mark {
	DOM_ENTRY = 1,		/* R references this node */
	DOM_GARBAGE = 2,	/* no root reaches it: its references to nodes
				 * without this mark are ignored */
	DOM_SKIP = 4		/* takes no part: never visited, its references
				 * ignored, its idom/retained left untouched */
};

/* Non-zero when exactly one node is a root (dist[v] == 0) and it has
 * HEAP_F_SYNTHETIC: the DevTools rule applies. */
int dom_devtools_shape(const struct heap *h, const uint32_t *dist);

/* Marks the graph above: mark[v] = DOM_ENTRY for a root (dist[v] == 0)
 * and for the garbage entries of the rule devtools selects; without
 * devtools, unreachable nodes (dist[v] == REACH_UNREACHABLE) also get
 * DOM_GARBAGE; else 0.  dist from reach_distances() or
 * dom_compute_roots(); comp from scc_compute() (used only without
 * devtools).  O(V + the references into the garbage); temporary memory 4
 * bytes per node. */
void dom_entries(const struct heap *h, const uint32_t *dist, const uint32_t *comp, int devtools,
		 uint8_t *mark);

/* Working memory of the dominator runs: 16 bytes per vertex and 4 per
 * counted reference for the iterative method; about 36 bytes more per
 * vertex and 128 KiB when a run falls back to Semi-NCA (8 bytes more per
 * vertex, for that run only, when a shape makes Semi-NCA fall back to
 * Lengauer-Tarjan's buckets).  A run given one keeps it for the next run
 * (on the same thread, or after it): fresh pages cost a fault and zeroing
 * each, which on big heaps was a fifth of the analysis.  A run on fewer
 * than 3/4 of the vertices the workspace holds starts afresh instead.  A
 * run given NULL allocates its own and frees it before returning. */
struct dom_work;
struct dom_work *dom_work_new(void);
void dom_work_free(struct dom_work *w);

/* Which algorithm the runs of a workspace use: for tests and comparisons;
 * the result is the same. */
enum dom_method {
	DOM_AUTO = 0,	/* iterative, Semi-NCA when that would be slow (default) */
	DOM_SNCA,	/* Semi-NCA (and LT's buckets when that would be slow) */
	DOM_LT		/* Lengauer-Tarjan's buckets only */
};
void dom_work_method(struct dom_work *w, enum dom_method m);

/* Computes idom[] (h->n_nodes entries) and the retained sizes (retained:
 * small has h->n_nodes entries; big is replaced as needed, and comes back
 * sorted and without stale records) for the graph that mark describes.
 * The sums are exact: a size reaching 4 GiB moves to big[] while the runs
 * add.  Only the nodes R reaches are written; the others are left as they
 * were (so two runs on disjoint parts, e.g. live objects with the roots as
 * entries and garbage with the other nodes DOM_SKIP, fill one pair of
 * columns).  work: see above, or NULL.  Returns 0, or -1 with err filled
 * when progress asked to stop. */
int dom_compute(const struct heap *h, const uint8_t *mark, heap_node_t *idom,
		struct dom_sizes *retained, struct dom_work *work, struct progress *p,
		struct error *err);

/* dom_compute() for the live objects, the roots as entries (is_root[v] = 1
 * for a root, 0 otherwise: reach_roots()), which also writes the distances
 * reach_distances() writes, from its own breadth-first numbering: dist has
 * h->n_nodes entries.  is_root is not read once ready() is called: the
 * caller may write it from then on (analysis.c's second thread writes its
 * marks there: 1 byte per node less at the peak).  Unlike dom_compute() it writes every node's idom
 * and retained: HEAP_NONE and the shallow size where no root reaches (so
 * the caller need not, and their pages are not touched before the run
 * has given back what it can).  ready(arg) (may be NULL) is called as soon as dist
 * is complete, before the rest of the work, so another thread can go on
 * with it. */
int dom_compute_roots(const struct heap *h, const uint8_t *is_root, uint32_t *dist,
		      void (*ready)(void *), void *arg, heap_node_t *idom, struct dom_sizes *retained,
		      struct dom_work *work, struct progress *p, struct error *err);

/* Retained sizes of groups: grp[v] in 0..n_grp-1 puts every node in a
 * group (e.g. comp[] from scc_compute(), whose components are strongly
 * connected, so all-live or all-garbage).  Contracts each group into one
 * vertex (references inside a group vanish; a group's mark is the union of
 * its members') and writes into grp_retained[g] (n_grp entries) the total
 * shallow size of everything that becomes unreachable from R when group g
 * is removed, g included; 0 for a group R does not reach.  For a
 * single-node group this equals dom_compute()'s retained.  With
 * scc_compute()'s numbering the contracted graph is acyclic and numbered
 * backwards, and one sweep in that order solves it (O(V + E), 4 bytes per
 * group and 8 per node); any other numbering is noticed and costs what
 * dom_compute() costs on the contracted graph. */
int dom_group_retained(const struct heap *h, const uint32_t *grp, uint32_t n_grp,
		       const uint8_t *mark, uint64_t *grp_retained, struct dom_work *work,
		       struct progress *p, struct error *err);

#endif

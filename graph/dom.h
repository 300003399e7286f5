/* dom: dominator tree and retained sizes.
 *
 * The graph: every node, the retaining references (reach_retains()), and a
 * virtual root R (not a node) with a reference to every "entry" node.
 * v dominates w when every path from R to w passes through v; idom[w] is
 * w's immediate dominator, HEAP_NONE when that is R.  The retained size of
 * v is the total shallow size of v's dominator subtree: the bytes freed if
 * v were freed.  Computed with Lengauer-Tarjan (path compression, simple
 * linking), iterative, O(E log V).
 *
 * Entries (dom_entries()): the effective roots (reach.h), plus, for the
 * objects no root reaches, every member of every *source* component of the
 * unreachable part: a strongly connected component (scc.h) that no
 * retaining reference enters from outside itself.  So unreachable objects
 * also get a dominator tree and retained sizes, hanging directly under R
 * like Chrome DevTools hangs them under its root, but independent of node
 * order: a garbage object that is held only by other garbage is dominated
 * by that garbage, and the head of a garbage structure retains the whole
 * structure.  Each member of an unreachable source cycle is its own entry,
 * so it retains what only it holds; the cycle as a group retains the lot
 * (dom_group_retained(), analysis.h's cycle.retained).
 *
 * Totals: the retained sizes of R's children (idom == HEAP_NONE) add up to
 * heap->total_size.
 */
#ifndef HEAPGLASS_DOM_H
#define HEAPGLASS_DOM_H

#include <stdint.h>

#include "error.h"
#include "heap.h"
#include "progress.h"

/* Marks the entries: entry[v] = 1 when dist[v] == 0 (a root) or v is
 * unreachable (dist[v] == REACH_UNREACHABLE) and v's component comp[v] is
 * a source component of the unreachable part; else 0.  dist from
 * reach_distances(), comp from scc_compute().  O(V + E). */
void dom_entries(const struct heap *h, const uint32_t *dist, const uint32_t *comp,
		 uint8_t *entry);

/* Computes idom[] and retained[] (both h->n_nodes entries) for the graph
 * above.  Every node is reachable from R when entry comes from
 * dom_entries(); a node that R does not reach gets idom HEAP_NONE and
 * retained = its shallow size.  Temporary memory: about 36 bytes per node,
 * freed before returning.  Returns 0, or -1 with err filled when progress
 * asked to stop. */
int dom_compute(const struct heap *h, const uint8_t *entry, heap_node_t *idom,
		uint64_t *retained, struct progress *p, struct error *err);

/* Retained sizes of groups: grp[v] in 0..n_grp-1 puts every node in a
 * group (e.g. comp[] from scc_compute(), whose components are strongly
 * connected).  Contracts each group into one vertex (references inside a
 * group vanish; R references a group when it has an entry member) and
 * writes into grp_retained[g] (n_grp entries) the total shallow size of
 * everything that becomes unreachable from R when group g is removed, g
 * included.  For a single-node group this equals dom_compute()'s retained.
 * Same cost as dom_compute() on the contracted graph, plus 8 bytes per node
 * for the member lists. */
int dom_group_retained(const struct heap *h, const uint32_t *grp, uint32_t n_grp,
		       const uint8_t *entry, uint64_t *grp_retained,
		       struct progress *p, struct error *err);

/* The dominator tree's children, for an ncdu-like view: built on demand
 * (O(V log V)), 4 bytes per node, read-only afterwards. */
struct domtree;

/* Builds the children index from idom[] and retained[] (which must outlive
 * it).  Returns NULL only when out of memory (which aborts: see mem.h). */
struct domtree *domtree_new(const struct heap *h, const heap_node_t *idom,
			    const uint64_t *retained);
void domtree_free(struct domtree *t);

/* The children of v (HEAP_NONE: of the virtual root R) in *kids, sorted by
 * retained size descending, then node index ascending.  Returns their count;
 * *kids points into the index (valid until domtree_free).  O(log V). */
uint32_t domtree_children(const struct domtree *t, heap_node_t v, const heap_node_t **kids);

#endif

/* domtree: the dominator tree's children index (graph/dom.h computes the
 * tree), for the viewer's ncdu-like tree view. */
#ifndef HEAPGLASS_DOMTREE_H
#define HEAPGLASS_DOMTREE_H

#include <stdint.h>

#include "graph/dom.h"
#include "graph/heap.h"

/* The children of each node of a dominator tree: built on demand
 * (O(V) plus sorting each node's children), 4 bytes per node,
 * read-only afterwards. */
struct domtree;

/* Builds the children index from idom[] and the retained sizes (which must outlive
 * it).  Returns NULL only when out of memory (which aborts: see mem.h). */
struct domtree *domtree_new(const struct heap *h, const heap_node_t *idom,
			    const struct dom_sizes *retained);
void domtree_free(struct domtree *t);

/* The children of v (HEAP_NONE: of the virtual root R) in *kids, sorted by
 * retained size descending, then node index ascending.  Returns their count;
 * *kids points into the index (valid until domtree_free).  O(log V). */
uint32_t domtree_children(const struct domtree *t, heap_node_t v, const heap_node_t **kids);

#endif

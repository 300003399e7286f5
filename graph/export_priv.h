/* export_priv: what the parts of graph/export share, private to them
 * (graph/export.c draws and writes, graph/export_select.c chooses what is
 * drawn).  Nothing else includes it (tests/layers checks).
 *
 * A selection is the objects drawn, in ascending id order (their "slots"),
 * and the references drawn between them; what is left out is counted and
 * stands in one "… N more" node, linked from each drawn object that refers
 * to or is referred to by a hidden one.
 */
#ifndef HEAPGLASS_EXPORT_PRIV_H
#define HEAPGLASS_EXPORT_PRIV_H

#include <stdint.h>

#include "graph/core/hmap.h"
#include "graph/export.h"
#include "graph/heap.h"

#define SLOT_MORE UINT32_C(0xfffffffe)	/* edge end: the "… N more" node */
#define EDGE_LINK UINT32_C(0xffffffff)	/* edge index of a link to "more" */

struct sel_edge {
	uint32_t from, to;	/* slots, or SLOT_MORE */
	uint32_t edge;		/* out_* index, or EDGE_LINK */
};

struct sel {
	const struct heap *h;
	const struct export_spec *spec;
	uint32_t max_nodes, max_edges;
	heap_node_t *node;	/* drawn objects, ascending id once sorted */
	uint32_t n_node;
	struct hmap slot;	/* node -> slot in node[] */
	struct sel_edge *edge;
	uint32_t n_edge, cap_edge;
	uint8_t *linked;	/* per slot: 1 linked to more, 2 linked from more */
	uint64_t more_nodes;	/* objects left out */
	uint64_t more_edges;	/* references left out (edge cap) */
	int more_over;		/* more_nodes is a lower bound */
	int all_garbage;	/* every drawn object is unreachable */
};

/* Chooses what spec draws of h into s.  Returns 0, or -1 with err (a node
 * out of range, an empty cycle or path, a path that does not link).  Call
 * sel_fini() either way. */
int sel_build(struct sel *s, const struct heap *h, const struct export_spec *spec, struct error *err);
void sel_fini(struct sel *s);

/* The slot of node v, HMAP_NONE when v is not drawn. */
uint32_t sel_slot(const struct sel *s, heap_node_t v);

#endif

/* model: what the viewer knows about a heap beyond the frozen graph: the
 * analyses (reachability, shortest paths from roots, type histogram,
 * generations, cycles, dominators and retained sizes), computed once after
 * loading, plus sort orders computed lazily the first time a view asks and
 * then kept.  No view walks the whole heap per keystroke: everything a
 * keystroke needs is an index into these arrays.
 *
 * Ownership: the model borrows the heap (which must outlive it) and owns
 * every array below.  All arrays are read-only for views.
 */
#ifndef HEAPGLASS_MODEL_H
#define HEAPGLASS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../graph/error.h"
#include "../graph/heap.h"
#include "../graph/progress.h"

enum type_sort {
	TYPE_SORT_RETAINED,
	TYPE_SORT_SHALLOW,
	TYPE_SORT_COUNT,
	TYPE_SORT_NAME,
	TYPE_SORT_N
};

enum cycle_sort {
	CYCLE_SORT_RETAINED,
	CYCLE_SORT_SIZE,	/* members */
	CYCLE_SORT_SHALLOW,
	CYCLE_SORT_N
};

struct model_type {
	heap_str_t name;
	uint32_t count;
	uint64_t shallow;
	uint64_t retained;	/* sum of retained sizes of instances not dominated by
				 * another instance of the same type; 0 without dominators */
};

struct model_cycle {
	uint32_t first;		/* members are cycle_members[first .. first + count) */
	uint32_t count;
	uint64_t shallow;
	uint64_t retained;	/* bytes freed if every member went: retained by the group */
	int garbage;		/* no member is reachable from a root */
	uint32_t internal_edges;	/* references between members */
	uint32_t entering_edges;	/* references from outside into members */
};

struct model_gen {
	uint64_t count, bytes;
	uint64_t cross_in;	/* references into this generation from an older one */
};

struct model {
	const struct heap *h;

	/* reachability from the roots over retaining edges (STRONG, INTERNAL,
	 * SHORTCUT from synthetic roots), breadth first: reach_parent[v] is the
	 * node v was first reached from (HEAP_NONE for roots and unreachable
	 * objects), reach_edge[v] the out-edge index used. */
	uint8_t *reachable;
	heap_node_t *reach_parent;
	uint32_t *reach_edge;
	uint64_t reachable_count, reachable_bytes;

	/* types */
	uint32_t n_types;
	struct model_type *types;
	uint32_t *type_of;		/* node -> type index */
	uint32_t *type_off;		/* n_types + 1: instances CSR */
	heap_node_t *type_members;	/* grouped by type; sorted lazily per type */
	uint8_t *type_members_sorted;	/* per type */
	uint32_t *type_order[TYPE_SORT_N];	/* lazily built, descending (name: ascending) */

	/* dominators (NULL when not computed) */
	heap_node_t *idom;		/* HEAP_NONE for the virtual root's children */
	uint64_t *retained;
	uint32_t *dom_off;		/* n_nodes + 2: children CSR; index n_nodes is the virtual root */
	heap_node_t *dom_kids;		/* children by retained size, largest first */
	uint64_t total_retained;	/* retained by the virtual root */

	/* cycles: strongly connected components with more than one member or a
	 * self reference, over every edge kind but weak */
	uint32_t n_cycles;
	struct model_cycle *cycles;
	heap_node_t *cycle_members;
	uint32_t *cycle_of;		/* node -> cycle index or HEAP_NONE */
	uint32_t *cycle_order[CYCLE_SORT_N];
	uint64_t garbage_cycles, garbage_cycle_objects;

	/* generations: index HEAP_GEN_UNKNOWN counts unknown */
	struct model_gen gens[256];
	uint64_t cross_gen_edges;
	heap_node_t *gen_members;	/* grouped by generation */
	uint32_t gen_off[257];
	heap_node_t *cross_members;	/* lazily: per generation, members referenced from older */
	uint32_t *cross_off;

	/* largest objects by retained (or shallow) size, at most MODEL_TOP */
	heap_node_t *top;
	uint32_t n_top;
};

enum {
	MODEL_TOP = 10000
};

/* Runs the analyses with progress reports.  Returns NULL and fills err when
 * the progress callback asks to stop. */
struct model *model_new(const struct heap *h, struct progress *prog, struct error *err);
void model_free(struct model *m);

/* Retained size of v, or its shallow size when dominators are absent. */
uint64_t model_retained(const struct model *m, heap_node_t v);

/* The type order for a sort key (built on first use). */
const uint32_t *model_type_order(struct model *m, enum type_sort key);

/* The instances of type t, largest retained first (sorted on first use). */
const heap_node_t *model_type_instances(struct model *m, uint32_t t, uint32_t *n);

/* The cycle order for a sort key (built on first use), largest first. */
const uint32_t *model_cycle_order(struct model *m, enum cycle_sort key);

/* Dominator-tree children of v (HEAP_NONE: the virtual root), largest
 * first; NULL with *n = 0 when dominators are absent. */
const heap_node_t *model_dom_children(const struct model *m, heap_node_t v, uint32_t *n);

/* Members of generation g (0..255). */
const heap_node_t *model_gen_members(const struct model *m, unsigned g, uint32_t *n);

/* Members of generation g referenced from an older generation (computed on
 * first use for every generation at once). */
const heap_node_t *model_gen_cross(struct model *m, unsigned g, uint32_t *n);

/* 1 when edge kind k of an edge from `from` keeps its target alive. */
int model_edge_retains(const struct heap *h, heap_node_t from, uint8_t kind);

#endif

/* model: what the viewer knows about a heap beyond the frozen graph.  The
 * analyses come from the engine (graph/analysis.h: reachability, cycles,
 * dominators, retained sizes; graph/gens.h: generations); the model adds
 * what the views need to answer every keystroke without walking the heap:
 * per-type member lists, per-generation member lists, sort orders built
 * lazily the first time a view asks and then kept, and the dominator
 * tree's children index.
 *
 * Ownership: the model borrows the heap (which must outlive it) and owns
 * everything else.  Arrays are read-only for views.
 */
#ifndef HEAPGLASS_MODEL_H
#define HEAPGLASS_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/dom.h"
#include "graph/domtree.h"
#include "graph/core/error.h"
#include "graph/gens.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

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
	uint64_t retained;	/* analysis_types(): not counted twice */
};

struct model {
	const struct heap *h;
	struct analysis *an;		/* the engine's results */
	struct domtree *dt;		/* dominator children, largest first */
	struct gens gens;

	/* types */
	uint32_t n_types;
	struct model_type *types;
	uint32_t *type_of;		/* node -> type index */
	uint32_t *type_off;		/* n_types + 1: instances CSR */
	heap_node_t *type_members;	/* grouped by type; sorted lazily per type */
	uint8_t *type_members_sorted;	/* per type */
	uint32_t *type_order[TYPE_SORT_N];

	/* cycles: [0] the user graph's (an), [1] the raw graph's (raw) */
	struct analysis *raw;		/* NULL until model_cycles(m, 1) */
	uint32_t *cycle_order[2][CYCLE_SORT_N];
	uint64_t garbage_cycles, garbage_cycle_objects;	/* of the user graph */

	/* generations: slot 255 holds unknown */
	uint64_t gen_count[256], gen_bytes[256], gen_cross_in[256];
	const char *gen_unknown_word;	/* "untracked" when slot 255 holds only
					 * untracked objects (Python), else "unknown" */
	uint64_t gen_garbage[256];	/* unreachable members */
	heap_node_t *gen_members;
	uint32_t gen_off[257];
	heap_node_t *cross_members;	/* lazily: per generation, members retained from older */
	uint32_t *cross_off;

	/* unreachable objects, largest retained first (built at load) */
	heap_node_t *garbage;
	uint32_t n_garbage;
	/* Python dumps: what gc.collect() frees (the tracked unreachable
	 * objects, cpygc.h); collectable_known is 0 on other heaps */
	int collectable_known;
	uint32_t collectable;

	/* largest objects by retained size, at most MODEL_TOP */
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

static inline int model_reachable(const struct model *m, heap_node_t v)
{
	return m->an->dist[v] != REACH_UNREACHABLE;
}

static inline uint64_t model_retained(const struct model *m, heap_node_t v)
{
	return analysis_retained(m->an, v);
}

/* The type order for a sort key (built on first use): sizes and counts
 * descending, names ascending. */
const uint32_t *model_type_order(struct model *m, enum type_sort key);

/* The instances of type t, largest retained first (sorted on first use). */
const heap_node_t *model_type_instances(struct model *m, uint32_t t, uint32_t *n);

/* The cycles of the user graph (raw 0: m->an, every other column too), or
 * of the raw graph (raw 1: analysis_raw_new(), a component search and a
 * cycle table, made on first use). */
const struct analysis *model_cycles(struct model *m, int raw);

/* The order of model_cycles(m, raw)'s cycles for a sort key (built on first
 * use), largest first. */
const uint32_t *model_cycle_order(struct model *m, int raw, enum cycle_sort key);

/* Members of (user) cycle c. */
const heap_node_t *model_cycle_members(const struct model *m, uint32_t c, uint32_t *n);

/* Dominator-tree children of v (HEAP_NONE: the virtual root), largest
 * first. */
const heap_node_t *model_dom_children(const struct model *m, heap_node_t v, uint32_t *n);

/* The unreachable objects, largest retained first. */
const heap_node_t *model_garbage(const struct model *m, uint32_t *n);

/* Members of generation g (0..254, 255 = unknown). */
const heap_node_t *model_gen_members(const struct model *m, unsigned g, uint32_t *n);

/* Members of generation g retained by a reference from an older generation
 * (computed on first use for every generation at once). */
const heap_node_t *model_gen_cross(struct model *m, unsigned g, uint32_t *n);

#endif

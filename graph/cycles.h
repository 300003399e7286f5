/* cycles: how an analysis finds its cycles and what they retain.  Internal
 * to graph/ (analysis.c and pattern.c use it); analysis.h is the public
 * face, with the results in struct analysis.
 *
 * Two graphs (heap.h):
 *   - the user graph, the default: a cycle is a strongly connected
 *     component of the user graph (scc_compute_user) of two or more
 *     objects, or one object with a user reference to itself;
 *   - the raw graph (analysis_raw_new): the same over every retaining
 *     reference, as the runtime sees it.
 * A user component lies inside one raw component (its references are
 * retaining ones), so its members are all live or all garbage.
 *
 * Retained size of a cycle: what freeing all its members would free, i.e.
 * what becomes unreachable when the cycle, contracted into one vertex, is
 * removed (dom.h's group rule).  A cycle whose retaining references from
 * outside (or the virtual root's) all enter at one member is retained by
 * that member: its dominator subtree.  Otherwise (see cycles_retain). */
#ifndef HEAPGLASS_CYCLES_H
#define HEAPGLASS_CYCLES_H

#include <stdint.h>

#include "graph/analysis.h"
#include "graph/core/error.h"
#include "graph/core/progress.h"
#include "graph/dom.h"
#include "graph/heap.h"

/* A cycle before it is numbered. */
struct cycles_pending {
	uint64_t shallow, retained;
	uint32_t size, comp;
	heap_node_t first;
	uint32_t n_internal, n_entering;
	uint32_t entered;	/* members entered from outside or from R, up to 2 */
	heap_node_t entered_by;	/* one of them */
	heap_node_t holder;	/* see struct analysis_cycle */
	uint32_t shape;		/* pattern.h's group */
};

/* The cycles among the components, before their retained sizes are known. */
struct cycles_found {
	struct cycles_pending *pend;	/* one per cycle, in component order
					 * (cycles_number() sorts them) */
	/* component -> index into pend: cycles_cid().  A bit per component
	 * and a count per 64 of them, not an index per component: most
	 * components are single objects (on a V8 heap of 5.8M objects, 2.9M
	 * components, 2 cycles: 11 MiB less through the end of the
	 * analysis). */
	uint64_t *is_cycle;	/* bit c: component c is a cycle */
	uint32_t *before;	/* per word of is_cycle: the bits set before it */
	uint32_t *order;	/* NULL, or by rank (component order) the index
				 * into the sorted pend */
	uint32_t nc;
	uint32_t total;		/* members of all cycles */
	int user;		/* components of the user graph */
	int groups;		/* some cycle has two entered members */
};

/* Finds the cycles among the components comp[] (n_comp of them; of the user
 * graph when user), their shallow sizes, the references inside (user: any
 * but HEAP_EDGE_META; raw: any) and entering them (any kind), and their
 * entered members: a member is entered when a retaining reference from
 * outside the cycle, or the virtual root (mark & DOM_ENTRY), points to it.
 * O(V + E). */
void cycles_find(const struct heap *h, int user, const uint32_t *comp, uint32_t n_comp,
		 const uint8_t *mark, struct cycles_found *cf);
void cycles_found_fini(struct cycles_found *cf);

/* The bits set in x. */
static inline uint32_t cycles_popcount(uint64_t x)
{
	x -= (x >> 1) & UINT64_C(0x5555555555555555);
	x = (x & UINT64_C(0x3333333333333333)) + ((x >> 2) & UINT64_C(0x3333333333333333));
	x = (x + (x >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
	return (uint32_t)((x * UINT64_C(0x0101010101010101)) >> 56);
}

/* The index into cf->pend of component c's cycle, HEAP_NONE when c is no
 * cycle. */
static inline uint32_t cycles_cid(const struct cycles_found *cf, uint32_t c)
{
	uint64_t w = cf->is_cycle[c / 64];
	uint32_t r;

	if (!((w >> (c % 64)) & 1))
		return HEAP_NONE;
	r = cf->before[c / 64] + cycles_popcount(w & ((UINT64_C(1) << (c % 64)) - 1));
	return cf->order ? cf->order[r] : r;
}

/* The dominator tree as intervals: v's subtree is the nodes x with
 * pre[v] <= pre[x] < end[v]; R's is everything.  8 bytes per node. */
struct cycles_tree {
	uint32_t *pre, *end;
};
void cycles_tree_init(struct cycles_tree *t, const struct heap *h, const heap_node_t *idom);
void cycles_tree_fini(struct cycles_tree *t);

/* The retained size and holder of each cycle cf found, from the finished
 * dominator tree (a->idom, a->retained; before the single V8 root stands
 * for the virtual root).  A cycle entered at one member: that member's
 * retained size.  Else, below d, the nearest common dominator of its
 * members: what of d's subtree a search from d over retaining references
 * cannot reach without entering the cycle (d a member: d's retained size).
 * The climbs and searches are bounded by a budget of a few times V + E in
 * all; past it, every cycle is solved by dom_group_retained() over comp
 * (exact, a dominator run's cost).  mark, devtools: the dominator runs'
 * (dom.h).  Temporary memory: 4 bytes per node and per member of those
 * cycles.  Returns 0, or -1 with err filled when progress asked to stop. */
int cycles_retain(const struct analysis *a, struct cycles_found *cf, const uint32_t *comp,
		  uint32_t n_comp, const uint8_t *mark, int devtools, struct progress *p,
		  struct error *err);

/* For tests: on, every budgeted search of cycles.c and pattern.c gets none,
 * so each takes its fallback at once (cycles_retain the dominator run,
 * patterns the tree's intervals).  Not thread-safe; off by default. */
void cycles_retain_force_groups(int on);

/* The budget a search gets: normal, or 0 when the fallbacks are forced. */
uint64_t cycles_budget(uint64_t normal);

/* The retained sizes of a raw graph's cycles: their entered members', or,
 * when some cycle is entered at two members, dom_group_retained() over comp
 * (scc_compute's numbering: one sweep). */
int cycles_retain_groups(const struct analysis *a, struct cycles_found *cf, const uint32_t *comp,
			 uint32_t n_comp, const uint8_t *mark, struct progress *p,
			 struct error *err);

/* Numbers the cycles in the default order (ANALYSIS_BY_SIZE) into
 * a->cycles, and cf's component -> cycle map with the new numbers. */
void cycles_number(struct analysis *a, struct cycles_found *cf);

/* The per-object cycle column and the member lists, once numbered.  The
 * column is written over comp, which a takes (the caller must not free it):
 * no second array per object beside the components. */
void cycles_place(struct analysis *a, uint32_t *comp, const struct cycles_found *cf);

/* a->core: the raw graph's largest component and the references that glue
 * it which the user graph leaves out, by name.  comp: scc_compute()'s.
 * Nothing when the heap has no user rules.  O(V + E). */
void cycles_core(struct analysis *a, const uint32_t *comp, uint32_t n_comp);

#endif

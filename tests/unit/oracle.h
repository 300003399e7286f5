/* oracle: small random heaps for the engine's unit tests, and brute-force
 * answers computed independently of graph/ (bitsets over at most 64 nodes,
 * reachability by fixpoint, dominance by deletion). */
#ifndef HEAPGLASS_TEST_ORACLE_H
#define HEAPGLASS_TEST_ORACLE_H

#include <stdint.h>

#include "graph/heap.h"

enum {
	ORACLE_MAXN = 64
};

typedef uint64_t oset;

/* A deterministic generator (xorshift). */
uint64_t oracle_rand(uint64_t *state);

/* Randomised tests say where they failed: oracle_round() at the start of
 * each round, with the generator's state then; oracle_rounds_done() after
 * the last round; and oracle_teardown as the test's cmocka teardown, which
 * prints "TEST: failed in round R (generator state 0x...)" when a round
 * did not finish, so that round can be replayed alone. */
void oracle_round(const char *test, int round, uint64_t state);
void oracle_rounds_done(void);
int oracle_teardown(void **state);

/* A random heap of 1..maxn nodes (maxn <= ORACLE_MAXN): self loops,
 * repeated edges, all four edge kinds, synthetic nodes, 0..3 roots,
 * disconnected parts, 4 type names, sizes 1..100. */
struct heap *oracle_random_heap(uint64_t *state, uint32_t maxn);
/* The same with a cycle through at least 7/8 of the nodes: few components. */
struct heap *oracle_random_ring_heap(uint64_t *state, uint32_t maxn);
/* One of the three above (kind 0, 1, 2: plain, ring, user rules) with
 * every size multiplied by 2^shift. */
struct heap *oracle_random_heap_scaled(uint64_t *state, uint32_t maxn, int kind, unsigned shift);
/* oracle_random_heap() with user-graph rules (heap.h): some nodes anchors
 * or runtime objects, some references the runtime's bookkeeping, which
 * the generator names "meta" (and no other reference has a name), so the
 * oracle tells them apart without the heap's own bits. */
struct heap *oracle_random_user_heap(uint64_t *state, uint32_t maxn);

/* Ground truth for a heap with at most ORACLE_MAXN nodes. */
struct oracle {
	uint32_t n;
	oset adj[ORACLE_MAXN];		/* retaining references */
	oset dadj[ORACLE_MAXN];		/* the same without garbage -> live ones:
					 * the graph dominators are computed on */
	oset roots;			/* heap->roots */
	oset reach;			/* reachable from roots */
	uint32_t dist[ORACLE_MAXN];	/* UINT32_MAX: unreachable */
	oset comp[ORACLE_MAXN];		/* v's strongly connected component */
	oset uadj[ORACLE_MAXN];		/* references of the user graph */
	oset ucomp[ORACLE_MAXN];	/* v's component in the user graph */
	oset entries;			/* dom.h's entries */
	oset dom[ORACLE_MAXN];		/* nodes v dominates (v included) */
	heap_node_t idom[ORACLE_MAXN];
	uint64_t retained[ORACLE_MAXN];
};

/* Computes everything from the heap, using heap->roots as the roots.
 * devtools 1: dom.h's DevTools rule for garbage; 0: the source-component
 * rule (references from unreachable to reachable objects do not count for
 * dominance); -1 (oracle_compute): whichever dom.h picks for the heap. */
void oracle_compute(const struct heap *h, struct oracle *o);
void oracle_compute_mode(const struct heap *h, struct oracle *o, int devtools);

/* Exactly one root, and it is synthetic (dom_devtools_shape). */
int oracle_devtools(const struct heap *h, const struct oracle *o);

/* analysis.h's single-root rule: when one synthetic root and some garbage,
 * that root plays the virtual root (garbage hangs under it, it dominates
 * and retains everything).  Call after oracle_compute. */
void oracle_adopt(const struct heap *h, struct oracle *o);

/* Nodes the virtual root reaches over dadj when the nodes in `removed` are
 * deleted. */
oset oracle_reach_without(const struct oracle *o, oset removed);

/* Total shallow size of a set. */
uint64_t oracle_size(const struct heap *h, oset s);

/* Nodes reachable from `from` over o->adj (from included). */
oset oracle_closure(const struct oracle *o, oset from);

#endif

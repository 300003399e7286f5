/* dom_priv: what the parts of the dominator computation share, private to
 * them: graph/dom.c (the workspace, the groups in topological order, the
 * entries, the API), graph/dom_iter.c (Cooper, Harvey & Kennedy's
 * iterative method over breadth-first numbers) and graph/dom_lt.c
 * (Semi-NCA and Lengauer-Tarjan).  Nothing else includes it
 * (tests/layers checks). */
#ifndef HEAPGLASS_DOM_PRIV_H
#define HEAPGLASS_DOM_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/core/progress.h"
#include "graph/dom.h"
#include "graph/heap.h"

enum {
	CHUNK = 4096,		/* vertices per lt_gather() */
	PREFETCH = 8,		/* vertices ahead */
	CHUNK_E = 1 << 15,	/* in-edges per lt_gather(), about */
	PREFETCH_E = 16		/* in-edges ahead */
};

/* The graph the dominator pass runs on: vertices 0..nv-1 plus the virtual
 * root R.  Without groups a vertex is a node; with groups it is a group of
 * nodes (grp: node -> vertex, mem[moff[x] .. moff[x+1]) the members of x),
 * and references inside a group are ignored. */
struct view {
	const struct heap *h;
	uint32_t nv;
	const uint32_t *grp;		/* NULL: identity */
	const uint32_t *moff;
	const heap_node_t *mem;
	const uint8_t *mark;		/* per vertex: enum dom_mark bits */
	int open;			/* no vertex is DOM_SKIP or DOM_GARBAGE */
};


static inline uint32_t vx(const struct view *g, heap_node_t v)
{
	return g->grp ? g->grp[v] : v;
}

/* Whether the reference x -> z between vertices counts: skipped vertices
 * take no part, and garbage never holds what is not garbage. */
static inline int follows(const struct view *g, uint32_t x, uint32_t z)
{
	uint8_t mx, mz;

	if (g->open)
		return 1;
	mx = g->mark[x];
	mz = g->mark[z];
	return !((mx | mz) & DOM_SKIP) && (!(mx & DOM_GARBAGE) || (mz & DOM_GARBAGE));
}

static inline uint32_t mem_begin(const struct view *g, uint32_t x)
{
	return g->moff ? g->moff[x] : x;
}

static inline uint32_t mem_end(const struct view *g, uint32_t x)
{
	return g->moff ? g->moff[x + 1] : x + 1;
}

static inline heap_node_t member(const struct view *g, uint32_t k)
{
	return g->mem ? g->mem[k] : k;
}

/* Per DFS number: the fields eval() touches together share a cache line.
 * lsemi caches semi[label] (a label's semi is final before anyone can
 * copy that label), so a compression step reads one entry, not three. */
struct ltn {
	uint32_t ancestor, label, lsemi, parent;
};

/* Working arrays, indexed by vertex number 1..N (0 = none; R is 1): the
 * breadth-first numbers of the iterative method or the DFS numbers of
 * Lengauer-Tarjan's.  Kept between runs (struct dom_work): fresh pages
 * cost a fault and zeroing each, which on big heaps was a fifth of the
 * analysis. */
struct dom_work {
	/* Both methods. */
	uint32_t *num;		/* vertex -> number, 0 = not reached */
	uint32_t *vert;		/* number -> vertex (R: nv) */
	uint32_t *dom;		/* number -> number of its idom */
	uint32_t *semi;		/* LT: semidominators */
	uint32_t n;		/* numbers used */
	uint32_t last_entry;	/* the highest number of an entry */
	size_t cap_v;		/* vertex arrays hold cap_v entries */
	int num_zero;		/* num[] is all zero already */
	enum dom_method method;
	/* Lengauer-Tarjan, allocated on first use (cap_v entries). */
	struct ltn *x;
	uint32_t *stack;
	uint32_t *tops;		/* numbers of R's tree children, ascending */
	uint64_t *entry;	/* bit per number: the vertex is an entry */
	uint64_t *seen;		/* bit per vertex: numbered (num[] is too big
				 * for the caches, this stays in L2) */
	uint32_t *pu, *poff;	/* lt_gather()'s chunk of predecessors */
	uint8_t *big;		/* per vertex of the chunk: too many in-edges to
				 * gather, semi_direct() scans them */
	uint32_t n_tops, cap_tops;
};

/* ---- the iterative method (dom_iter.c) ---- */

/* Breadth-first numbering from R into t (R is 1, the entries next, then
 * level by level); with dist, the level of every vertex reached too. */
void dom_it_bfs(const struct view *g, struct dom_work *t, uint32_t *dist);
/* The passes over the numbered vertices: 0 with t->dom filled, 1 when the
 * step budget ran out (the caller falls back to Semi-NCA), -1 with err. */
int dom_it_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err);

/* ---- Semi-NCA and Lengauer-Tarjan (dom_lt.c) ---- */

/* Lengauer-Tarjan's own arrays, on its first run in the workspace. */
void dom_lt_init(struct dom_work *t, uint32_t nv);
/* Numbers the vertices depth first and fills t->dom.  0, or -1 with err. */
int dom_lt_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err);

#endif

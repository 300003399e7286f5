#include "graph/scc.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/reach.h"

enum {
	TICK = 1 << 16
};

/* One activation of the (would-be recursive) visit: node and next edge
 * to look at.  Whether v is still the root of its component is bit fp of
 * the root bitmap: 8 bytes a frame, not 12. */
struct frame {
	heap_node_t v;
	uint32_t e;
};

static inline void set_root(uint64_t *root, uint32_t fp, int on)
{
	if (on)
		root[fp / 64] |= (uint64_t)1 << (fp % 64);
	else
		root[fp / 64] &= ~((uint64_t)1 << (fp % 64));
}

static inline int is_root(const uint64_t *root, uint32_t fp)
{
	return (root[fp / 64] >> (fp % 64)) & 1;
}

/* Whether out-edge e of u / in-edge k is followed: a retaining reference,
 * or (user) a reference of the user graph (heap.h). */
static inline int out_follows(const struct heap *h, int user, heap_node_t u, uint32_t e)
{
	return user ? heap_out_user(h, e) : reach_retains(h, u, e);
}

static inline int in_follows(const struct heap *h, int user, uint32_t k)
{
	return user ? heap_in_user(h, k) : heap_in_retains(h, k);
}

/* The search is a chain of dependent loads: when it enters v, start the
 * loads of everything it will look at next, together. */
static inline void prefetch_targets(const struct heap *h, const uint32_t *rindex, heap_node_t v)
{
	for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
		__builtin_prefetch(&rindex[h->out_to[e]]);
		__builtin_prefetch(&h->out_off[h->out_to[e]]);
	}
}

/* The set bits of b[lo .. hi). */
static uint64_t bits_in(const uint64_t *b, uint32_t lo, uint32_t hi)
{
	uint64_t c = 0;

	if (lo >= hi)
		return 0;
	if (lo / 64 == (hi - 1) / 64)
		return (uint64_t)__builtin_popcountll(b[lo / 64] >> (lo % 64) &
						      (~UINT64_C(0) >> (63 - (hi - 1 - lo))));
	c = (uint64_t)__builtin_popcountll(b[lo / 64] >> (lo % 64));
	for (uint32_t w = lo / 64 + 1; w < (hi - 1) / 64; w++)
		c += (uint64_t)__builtin_popcountll(b[w]);
	return c + (uint64_t)__builtin_popcountll(b[(hi - 1) / 64] & (~UINT64_C(0) >> (63 - (hi - 1) % 64)));
}

/* Whether v has references both ways in the user graph: it may be in a
 * cycle of it. */
static int user_both_ways(const struct heap *h, heap_node_t v)
{
	return !(h->flags[v] & HEAP_F_NOT_USER) &&
	       bits_in(h->in_user, h->in_off[v], h->in_off[v + 1]) &&
	       bits_in(h->out_user, h->out_off[v], h->out_off[v + 1]);
}

/* The vertex the giant component is looked for from: the one with the
 * most references in times out (a class, map or prototype object), which
 * on heaps lies in the big cycle that ties the objects to their types.
 * The user graph has no types: its references count there (pivots() tries
 * more). */
static heap_node_t pick_pivot(const struct heap *h, int user)
{
	heap_node_t best = 0;
	uint64_t score = 0;

	for (heap_node_t v = 0; v < h->n_nodes; v++) {
		uint64_t s;
		if (user && (h->flags[v] & HEAP_F_NOT_USER))
			continue;
		if (user)
			s = bits_in(h->in_user, h->in_off[v], h->in_off[v + 1]) *
			    bits_in(h->out_user, h->out_off[v], h->out_off[v + 1]);
		else
			s = (uint64_t)(h->in_off[v + 1] - h->in_off[v]) *
			    (h->out_off[v + 1] - h->out_off[v]);
		if (s > score) {
			score = s;
			best = v;
		}
	}
	return best;
}

static inline int bit(const uint64_t *b, uint32_t v)
{
	return (b[v / 64] >> (v % 64)) & 1;
}

static inline void set_bit(uint64_t *b, uint32_t v)
{
	b[v / 64] |= (uint64_t)1 << (v % 64);
}

/* A breadth-first search from the pivot over retaining references,
 * forward (out-edges) or backward (in-edges), through the vertices of
 * within only when it is given: marks what it visits in seen.  A search
 * with a queue is not the chain of dependent loads a depth-first search
 * is: the loads of the vertices a few places ahead in the queue start
 * early.  queue holds n entries.  Returns the number visited, or 0 when
 * progress asked to stop. */
static uint32_t pivot_search(const struct heap *h, int user, heap_node_t pivot, int backward,
			     const uint64_t *within, uint64_t *seen, uint32_t *queue,
			     struct progress *p)
{
	const uint32_t *off = backward ? h->in_off : h->out_off;
	const heap_node_t *adj = backward ? h->in_from : h->out_to;
	uint32_t head = 0, tail = 0;

	queue[tail++] = pivot;
	set_bit(seen, pivot);
	while (head < tail) {
		heap_node_t u = queue[head++];
		if (head + 16 < tail)
			__builtin_prefetch(&off[queue[head + 16]]);
		if (head + 8 < tail) {
			uint32_t k = off[queue[head + 8]];
			__builtin_prefetch(&adj[k]);
			__builtin_prefetch(backward ? (const void *)&(user ? h->in_user : h->in_retains)[k / 64] :
					       user ? (const void *)&h->out_user[k / 64] :
						      (const void *)&h->out_kinds[k / 32]);
		}
		if (head + 4 < tail) {
			/* the targets' bits: the test below misses on each */
			uint32_t a = queue[head + 4];
			for (uint32_t k = off[a]; k < off[a + 1]; k++)
				__builtin_prefetch(&seen[adj[k] / 64]);
		}
		if ((head & (TICK - 1)) == 0 && progress_tick(p, "cycles", head, h->n_nodes))
			return 0;
		for (uint32_t k = off[u]; k < off[u + 1]; k++) {
			heap_node_t w = adj[k];
			if (bit(seen, w) || (within && !bit(within, w)))
				continue;
			if (!(backward ? in_follows(h, user, k) : out_follows(h, user, u, k)))
				continue;
			set_bit(seen, w);
			queue[tail++] = w;
		}
	}
	return tail;
}

/* fw: what the pivot reaches; then in: the component of the pivot, what
 * in fw reaches the pivot.  (A vertex that reaches the pivot by some path
 * while the pivot reaches it has that whole path in fw, so the backward
 * search need not leave fw.)  Returns the component's size, or 0 when
 * progress asked to stop. */
static uint32_t pivot_component(const struct heap *h, int user, heap_node_t pivot, uint64_t *fw,
				uint64_t *in, uint32_t *queue, struct progress *p)
{
	if (pivot_search(h, user, pivot, 0, NULL, fw, queue, p) == 0)
		return 0;
	return pivot_search(h, user, pivot, 1, fw, in, queue, p);
}

enum {
	USER_PIVOTS = 3		/* pivots tried on the user graph */
};

/* The pivot's component into fw and in (pivot_component); on the user
 * graph, when it holds less than 1/16 of the objects, up to USER_PIVOTS
 * pivots: the user graph has no types that tie its objects together, and
 * the first pick may be a collection nothing refers back to or a function
 * among few objects, while a program's many objects form a cycle that the
 * depth-first search would then go down to its full length (12 bytes a
 * step).  The others are the first objects with user references both ways
 * from 1/3 and 2/3 of the way through the nodes.  Returns 0 when progress
 * asked to stop. */
static int pivots(const struct heap *h, int user, uint64_t *fw, uint64_t *in, uint32_t *queue,
		  struct progress *p)
{
	uint32_t n = h->n_nodes;
	size_t bits = ((size_t)n / 64 + 1) * sizeof(uint64_t);
	heap_node_t pivot = pick_pivot(h, user);

	for (int k = 1;; k++) {
		uint32_t size = pivot_component(h, user, pivot, fw, in, queue, p);
		if (size == 0)
			return 0;
		if (!user || k == USER_PIVOTS || (uint64_t)size * 16 >= n)
			return 1;
		pivot = (heap_node_t)((uint64_t)n * (uint64_t)k / USER_PIVOTS);
		while (pivot < n && !user_both_ways(h, pivot))
			pivot++;
		if (pivot == n)
			return 1;
		memset(fw, 0, bits);
		memset(in, 0, bits);
	}
}

/* Pearce, "A space-efficient algorithm for finding strongly connected
 * components" (2016), PEA_FIND_SCC2, made iterative.  rindex[v] (stored in
 * comp[]) is 0 for unvisited nodes, the visit index (1..) while v is
 * active, and a component label (n, n-1, ...) once its component is
 * complete; labels always exceed every active index.
 *
 * A depth-first search is a chain of dependent cache misses, so the
 * component of a pivot, on heaps the giant one that holds most objects,
 * is found first by two breadth-first searches (Fleischer, Hendrickson &
 * Pinar's forward-backward step), and the search runs only on the rest,
 * in two phases that keep the reverse topological numbering: first from
 * what the pivot reaches (which reaches only itself and the pivot's
 * component: numbered first), then the pivot's component is numbered,
 * then the search goes on from everything else (which the first two
 * cannot reach). */
static int compute(const struct heap *h, int user, uint32_t *comp, uint32_t *n_comp,
		   struct progress *p, struct error *err)
{
	uint32_t n = h->n_nodes;
	uint32_t *rindex = comp;
	heap_node_t *stack = mem_alloc((n ? n : 1) * sizeof *stack);
	struct frame *frames = mem_alloc((n ? n : 1) * sizeof *frames);
	/* bits per object, tested at random for every reference followed:
	 * huge pages, or megabytes of them miss the TLB on each test */
	size_t bits = ((size_t)n / 64 + 1) * sizeof(uint64_t);
	uint64_t *root = hugepage_advise(mem_alloc(bits), bits);
	uint64_t *fw = hugepage_advise(mem_calloc(1, bits), bits);
	uint64_t *in = hugepage_advise(mem_calloc(1, bits), bits);
	uint32_t sp = 0, fp = 0, index = 1, c = n, visited = 0;
	int rc = 0;

	/* The searches' queue is rindex, written next anyway: the stack's
	 * pages are touched only as far as the depth-first search's stack
	 * grows (on a big heap the queue holds tens of millions).  The
	 * pivot's component is complete for the first phase: a label above
	 * every active index; it gets its own after that phase. */
	if (n && pivots(h, user, fw, in, rindex, p) == 0)
		rc = error_set(err, "interrupted");
	for (heap_node_t v = 0; v < n; v++)
		rindex[v] = bit(in, v) ? n : 0;
	for (int phase = 0; phase < 2 && rc == 0; phase++) {
		for (heap_node_t s = 0; s < n && rc == 0; s++) {
			if (rindex[s] || (phase == 0 && !bit(fw, s)))
				continue;
			rindex[s] = index++;
			set_root(root, fp, 1);
			frames[fp++] = (struct frame){ .v = s, .e = h->out_off[s] };
			prefetch_targets(h, rindex, s);
			while (fp) {
				struct frame *f = &frames[fp - 1];
				heap_node_t v = f->v;
				if (f->e < h->out_off[v + 1]) {
					uint32_t e = f->e++;
					heap_node_t w;
					if (!out_follows(h, user, v, e))
						continue;
					w = h->out_to[e];
					if (rindex[w] == 0) {
						rindex[w] = index++;
						set_root(root, fp, 1);
						frames[fp++] = (struct frame){ .v = w, .e = h->out_off[w] };
						prefetch_targets(h, rindex, w);
					} else if (rindex[w] < rindex[v]) {
						rindex[v] = rindex[w];
						set_root(root, fp - 1, 0);
					}
					continue;
				}
				/* v is finished. */
				fp--;
				if (is_root(root, fp)) {
					index--;
					while (sp && rindex[v] <= rindex[stack[sp - 1]]) {
						rindex[stack[--sp]] = c;
						index--;
					}
					rindex[v] = c--;
				} else {
					stack[sp++] = v;
				}
				if (fp && rindex[v] < rindex[frames[fp - 1].v]) {
					rindex[frames[fp - 1].v] = rindex[v];
					set_root(root, fp - 1, 0);
				}
				if ((++visited & (TICK - 1)) == 0 &&
				    progress_tick(p, "cycles", visited, n)) {
					rc = error_set(err, "interrupted");
					break;
				}
			}
		}
		if (phase == 0 && n) {
			for (heap_node_t v = 0; v < n; v++)
				if (bit(in, v))
					rindex[v] = c;
			c--;
		}
	}
	free(in);
	free(fw);
	free(frames);
	free(root);
	free(stack);
	if (rc)
		return rc;
	for (heap_node_t v = 0; v < n; v++)
		comp[v] = n - rindex[v];
	*n_comp = n - c;
	return 0;
}

int scc_compute(const struct heap *h, uint32_t *comp, uint32_t *n_comp, struct progress *p,
		struct error *err)
{
	return compute(h, 0, comp, n_comp, p, err);
}

int scc_compute_user(const struct heap *h, uint32_t *comp, uint32_t *n_comp, struct progress *p,
		     struct error *err)
{
	return compute(h, 1, comp, n_comp, p, err);
}

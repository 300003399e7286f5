/* dom_iter: Cooper, Harvey & Kennedy's iterative dominators over
 * breadth-first numbers (graph/dom_priv.h). */
#include "graph/dom_priv.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/reach.h"

/* ---- the iterative method ----
 *
 * Cooper, Harvey & Kennedy's "simple, fast" algorithm ("A Simple, Fast
 * Dominance Algorithm", 2001): idom(w) is the nearest common ancestor, in
 * the tree built so far, of w's counted predecessors; passes over every
 * vertex until nothing changes.  They number the vertices in reverse
 * postorder, which takes a depth-first search: on a big heap that search
 * is a chain of dependent cache misses (one vertex's references must
 * arrive before the next vertex is known), the slowest part of
 * Lengauer-Tarjan.  Here the numbers are breadth-first instead: the search
 * queue says which vertices come next, so their loads start early and
 * overlap, and every pass is a sweep over the predecessors in an order
 * known ahead.  Breadth-first numbers serve as well for the walks up the
 * tree: a dominator of w lies on every path from R to w, a shortest one
 * too, so it is numbered before w, and in every tree the passes build the
 * parent has the smaller number.  Heaps converge in 2-9 passes (measured:
 * V8, HPROF, the engine benchmark); shapes that need many passes, or long
 * walks (crossed chains), exhaust a budget of steps, and the caller falls
 * back to Semi-NCA. */

enum {
	IT_BUDGET = 16		/* steps per vertex and predecessor, all passes */
};

/* Breadth-first numbering from R: R is 1, the entries 2..last_entry in
 * vertex order, then level by level what they reach.  With dist, also the
 * level of every vertex reached (the entries' is 0): with the roots as
 * entries, the search reach_distances() makes, edge for edge, so the
 * distances are the same (test_analysis and test_shapes check them). */
void dom_it_bfs(const struct view *g, struct dom_work *t, uint32_t *dist)
{
	const struct heap *h = g->h;
	uint32_t *num = t->num, *vert = t->vert, n = 1, level = 0, level_end;

	vert[1] = g->nv;
	for (uint32_t v = 0; v < g->nv; v++)
		if ((g->mark[v] & DOM_ENTRY) && !(g->mark[v] & DOM_SKIP)) {
			num[v] = ++n;
			vert[n] = v;
		}
	t->last_entry = level_end = n;
	for (uint32_t head = 2; head <= n; head++) {
		uint32_t x = vert[head], kend = mem_end(g, x);
		if (head > level_end) {
			level++;
			level_end = n;
		}
		if (dist)
			dist[x] = level;
		if (!g->grp) {
			/* The queue says what comes next: start its loads early,
			 * each level a step closer (offsets, references, targets). */
			if (head + 16 <= n)
				__builtin_prefetch(&h->out_off[vert[head + 16]]);
			if (head + 8 <= n) {
				uint32_t a = vert[head + 8];
				__builtin_prefetch(&h->out_to[h->out_off[a]]);
				__builtin_prefetch(&h->out_kinds[h->out_off[a] / 32]);
			}
			if (head + 4 <= n) {
				uint32_t a = vert[head + 4];
				for (uint32_t e = h->out_off[a]; e < h->out_off[a + 1]; e++)
					__builtin_prefetch(&num[h->out_to[e]]);
			}
		}
		for (uint32_t k = mem_begin(g, x); k < kend; k++) {
			heap_node_t m = member(g, k);
			for (uint32_t e = h->out_off[m]; e < h->out_off[m + 1]; e++) {
				uint32_t z;
				if (!reach_retains(h, m, e))
					continue;
				z = vx(g, h->out_to[e]);
				if (z == x || num[z] || !follows(g, x, z))
					continue;
				num[z] = ++n;
				vert[n] = z;
			}
		}
	}
	t->n = n;
}

enum {
	PRE_NUM = 16,		/* in-edges ahead: the source's number */
	PRE_DOM = 8		/* and its dom[] */
};

/* The counted predecessors of vertex x, numbered (graph/dom_priv.h: the
 * in-edges of its members that retain, from a numbered vertex, that
 * follows() takes), are read in place from the heap's reverse lists,
 * through num[]: no copy of them (it was a quarter of the analysis' peak
 * memory on big heaps, beside the second thread's components).  FOR_PREDS
 * runs body with u, the number of each. */
#define FOR_PREDS(g, t, x, u, body)                                                            \
	for (uint32_t k_ = mem_begin(g, x), kend_ = mem_end(g, x); k_ < kend_; k_++) {           \
		heap_node_t m_ = member(g, k_);                                                  \
		uint32_t j1_ = (g)->h->in_off[m_ + 1];                                           \
		for (uint32_t j_ = (g)->h->in_off[m_]; j_ < j1_; j_++) {                         \
			uint32_t y_ = vx(g, (g)->h->in_from[j_]), u;                             \
			if (j_ + PRE_NUM < j1_ && !(g)->grp) {                                   \
				__builtin_prefetch(&(t)->num[(g)->h->in_from[j_ + PRE_NUM]]);    \
				__builtin_prefetch(&(t)->dom[(t)->num[(g)->h->in_from[j_ + PRE_DOM]]]); \
			}                                                                        \
			if (y_ == (x) || !(u = (t)->num[y_]) || !heap_in_retains((g)->h, j_) ||    \
			    !follows(g, y_, x))                                                  \
				continue;                                                        \
			body                                                                     \
		}                                                                                \
	}

/* Starts the loads of vertex number i's in-edges (ahead = 16, 8, 4: the
 * offsets, the edges and their bits, the first sources' numbers; with_dom,
 * 2: the first sources' dom[]; FOR_PREDS loads the rest ahead itself: a
 * shared object's thousands of in-edges are not walked twice). */
static inline void preds_prefetch(const struct view *g, const struct dom_work *t, uint32_t i,
				  uint32_t n, int with_dom)
{
	const struct heap *h = g->h;

	if (g->grp)
		return;
	if (i + 16 <= n)
		__builtin_prefetch(&h->in_off[t->vert[i + 16]]);
	if (i + 8 <= n) {
		uint32_t a = h->in_off[t->vert[i + 8]];
		__builtin_prefetch(&h->in_from[a]);
		__builtin_prefetch(&h->in_retains[a / 64]);
	}
	if (i + 4 <= n) {
		uint32_t a = t->vert[i + 4];
		for (uint32_t j = h->in_off[a]; j < h->in_off[a + 1] && j < h->in_off[a] + PRE_NUM; j++)
			__builtin_prefetch(&t->num[h->in_from[j]]);
	}
	if (with_dom && i + 2 <= n) {
		uint32_t a = t->vert[i + 2];
		for (uint32_t j = h->in_off[a]; j < h->in_off[a + 1] && j < h->in_off[a] + PRE_DOM; j++)
			__builtin_prefetch(&t->dom[t->num[h->in_from[j]]]);
	}
}

/* The numbers whose bit is set in bits (and in also, when not NULL), in
 * ascending order, with the next few known ahead so that their loads can
 * start early (the vertices the passes revisit were a list of numbers, 4
 * bytes each: on a V8 heap half the objects, 11 MiB at the analysis' peak;
 * a bit each now). */
struct ahead {
	const uint64_t *bits, *also;
	size_t w, words;
	uint64_t cur;
	uint32_t ring[32];	/* the numbers ahead: ring[head .. tail), mod 32 */
	uint32_t head, tail;
};

enum {
	AHEAD = 16		/* how far ahead list_prefetch() looks */
};

static void ahead_init(struct ahead *a, const uint64_t *bits, const uint64_t *also, uint32_t n)
{
	a->bits = bits;
	a->also = also;
	a->words = (size_t)n / 64 + 1;
	a->w = 0;
	a->cur = bits[0] & (also ? also[0] : ~(uint64_t)0);
	a->head = a->tail = 0;
}

/* Fills the ring up to AHEAD + 1 numbers (fewer at the end). */
static inline void ahead_fill(struct ahead *a)
{
	while (a->tail - a->head <= AHEAD) {
		while (!a->cur) {
			if (++a->w >= a->words)
				return;
			a->cur = a->bits[a->w] & (a->also ? a->also[a->w] : ~(uint64_t)0);
		}
		a->ring[a->tail++ % 32] = (uint32_t)(a->w * 64 + (size_t)__builtin_ctzll(a->cur));
		a->cur &= a->cur - 1;
	}
}

/* The next number into *i; 0 at the end. */
static inline int ahead_next(struct ahead *a, uint32_t *i)
{
	ahead_fill(a);
	if (a->head == a->tail)
		return 0;
	*i = a->ring[a->head++ % 32];
	return 1;
}

/* The number k places after the one ahead_next() gave last, or 0. */
static inline uint32_t ahead_peek(const struct ahead *a, uint32_t k)
{
	return a->head - 1 + k < a->tail ? a->ring[(a->head - 1 + k) % 32] : 0;
}

/* preds_prefetch() along the numbers of an ahead walk, after the one just
 * taken. */
static inline void list_prefetch(const struct view *g, const struct dom_work *t,
				 const struct ahead *w, int with_dom)
{
	const struct heap *h = g->h;
	uint32_t i;

	if (g->grp)
		return;
	if ((i = ahead_peek(w, 16)) != 0)
		__builtin_prefetch(&h->in_off[t->vert[i]]);
	if ((i = ahead_peek(w, 8)) != 0) {
		uint32_t a = h->in_off[t->vert[i]];
		__builtin_prefetch(&h->in_from[a]);
		__builtin_prefetch(&h->in_retains[a / 64]);
	}
	if ((i = ahead_peek(w, 4)) != 0) {
		uint32_t a = t->vert[i];
		for (uint32_t j = h->in_off[a]; j < h->in_off[a + 1] && j < h->in_off[a] + PRE_NUM; j++)
			__builtin_prefetch(&t->num[h->in_from[j]]);
	}
	if (with_dom && (i = ahead_peek(w, 2)) != 0) {
		uint32_t a = t->vert[i];
		for (uint32_t j = h->in_off[a]; j < h->in_off[a + 1] && j < h->in_off[a] + PRE_DOM; j++)
			__builtin_prefetch(&t->dom[t->num[h->in_from[j]]]);
	}
}

/* The nearest common ancestor of a and b in the tree dom[] draws so far:
 * the larger number climbs, its parent being smaller; each step counted. */
static inline uint32_t it_meet(const uint32_t *dom, uint32_t a, uint32_t b, uint64_t *steps)
{
	while (a != b) {
		while (a > b) {
			a = dom[a];
			(*steps)++;
		}
		while (b > a) {
			b = dom[b];
			(*steps)++;
		}
	}
	return a;
}

/* The first pass, in the sweep that sorts the vertices out: a vertex with
 * one counted predecessor (half of a V8 heap's objects, five in six of a
 * Java heap's, 97% of a random CSV heap's) has it as its idom at once, and
 * the passes skip it; the others get, as the first pass gives it, the
 * nearest common ancestor of their predecessors numbered before them
 * (every number on the way up is set there: a vertex's breadth-first
 * discoverer is a counted predecessor numbered before it, so the single
 * one of a vertex is too), and their bits are set in multi[] (*n_multi
 * of them, multi[] zeroed), which the passes walk.  A sweep in number order, so
 * the loads a few vertices ahead are started early.  *total gets the
 * number of counted predecessors of the others, *steps what was spent.
 * Returns 0, 1 when steps exceeded budget, -1 with err when progress asked
 * to stop. */
static int it_first(const struct view *g, struct dom_work *t, uint64_t *multi,
		    uint32_t *n_multi, uint64_t *total, uint64_t *steps, uint64_t budget,
		    struct progress *p, struct error *err)
{
	uint32_t n = t->n, nm = 0, *dom = t->dom;

	*total = 0;
	for (uint32_t i = 1; i <= t->last_entry; i++)
		dom[i] = 1;	/* R, and the entries under it */
	for (uint32_t i = t->last_entry + 1; i <= n; i++) {
		uint32_t x = t->vert[i], count = 0, d = 0;
		if ((i & 0xffff) == 0) {
			if (progress_tick(p, "dominators", i, n))
				return error_set(err, "interrupted");
			if (*steps > budget)
				return 1;
		}
		preds_prefetch(g, t, i, n, 1);
		FOR_PREDS(g, t, x, a, {
			uint32_t b = d;
			count++;
			(*steps)++;
			if (a > i || d == 1)
				continue;	/* not set yet; R: nothing lower */
			if (!d) {
				d = a;
				continue;
			}
			d = it_meet(dom, a, b, steps);
		})
		dom[i] = d;
		if (count > 1) {
			*total += count;
			multi[i / 64] |= (uint64_t)1 << (i % 64);
			nm++;
		}
	}
	*n_multi = nm;
	return 0;
}

static inline int bit_test(const uint64_t *b, uint32_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

/* After a pass: which vertices' chains up the tree changed (their idom, or
 * an ancestor's, in changed): in number order, parents first.  changed is
 * cleared for the next pass. */
static void it_moved(const uint32_t *dom, uint32_t first, uint32_t n, uint64_t *changed,
		     uint64_t *moved)
{
	memset(moved, 0, ((size_t)n / 64 + 1) * sizeof *moved);
	for (uint32_t i = first; i <= n; i++)
		if (bit_test(changed, i) || bit_test(moved, dom[i]))
			moved[i / 64] |= (uint64_t)1 << (i % 64);
	memset(changed, 0, ((size_t)n / 64 + 1) * sizeof *changed);
}

/* After a pass: dirty gets the vertices with a counted predecessor in
 * moved, from the moved vertices' references (in the last passes few move:
 * the vertices that must be looked at again are found without reading
 * every vertex's predecessors).  Returns the references looked at. */
static uint64_t it_dirty(const struct view *g, const struct dom_work *t, const uint64_t *moved,
			 const uint64_t *multi, uint32_t n_multi, uint64_t *dirty)
{
	const struct heap *h = g->h;
	size_t words = (size_t)t->n / 64 + 1;
	uint64_t steps = 0, n_moved = 0;

	memset(dirty, 0, words * sizeof *dirty);
	for (size_t w = 0; w < words; w++)
		n_moved += (uint64_t)__builtin_popcountll(moved[w]);
	if (n_moved > n_multi) {
		/* More moved than vertices to look at (a random heap, where
		 * nearly every object has one predecessor, after the second
		 * pass): from their predecessors instead. */
		struct ahead w;
		uint32_t i;
		ahead_init(&w, multi, NULL, t->n);
		while (ahead_next(&w, &i)) {
			uint32_t x = t->vert[i];
			list_prefetch(g, t, &w, 0);
			FOR_PREDS(g, t, x, u, {
				steps++;
				if (bit_test(moved, u)) {
					dirty[i / 64] |= (uint64_t)1 << (i % 64);
					goto next;
				}
			})
next:;
		}
		return steps;
	}
	for (size_t w = 0; w < words; w++) {
		for (uint64_t bits = moved[w]; bits; bits &= bits - 1) {
			uint32_t i = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits)), x = t->vert[i];
			for (uint32_t k = mem_begin(g, x); k < mem_end(g, x); k++) {
				heap_node_t m = member(g, k);
				for (uint32_t e = h->out_off[m]; e < h->out_off[m + 1]; e++) {
					uint32_t z = vx(g, h->out_to[e]), u;
					steps++;
					if (z == x || !(u = t->num[z]) || !reach_retains(h, m, e) ||
					    !follows(g, x, z))
						continue;
					dirty[u / 64] |= (uint64_t)1 << (u % 64);
				}
			}
		}
	}
	return steps;
}

/* The passes.  From the third on (the first sees only the predecessors
 * numbered before a vertex), a vertex is recomputed only when the chain of
 * one of its predecessors moved in the pass before (it_dirty(): a bit
 * each, in L2), so the last passes, which change little or nothing, cost
 * little.  Returns 0 when
 * dom[] is final, 1 when the budget ran out (the shape needs too many
 * passes or too long walks), -1 with err filled when progress asked to
 * stop. */
static int it_passes(const struct view *g, struct dom_work *t, struct progress *p,
		     struct error *err)
{
	uint32_t *dom = t->dom;
	uint32_t n = t->n, first = t->last_entry + 1;
	size_t words = (size_t)n / 64 + 1;
	uint64_t *multi = mem_calloc(words, sizeof *multi);
	uint32_t n_multi = 0;
	uint64_t budget, steps = 0, total = 0;
	uint64_t *changed = mem_calloc(words, sizeof *changed);
	uint64_t *moved = mem_calloc(words, sizeof *moved);
	uint64_t *dirty = mem_calloc(words, sizeof *dirty);
	int rc = 1;

	/* the whole budget the passes could have, until the first pass knows
	 * how many predecessors there are */
	rc = it_first(g, t, multi, &n_multi, &total, &steps,
		      IT_BUDGET * ((uint64_t)n + g->h->n_edges) + (1u << 20), p, err);
	if (rc)
		goto out;
	rc = 1;
	budget = IT_BUDGET * ((uint64_t)n + total) + (1u << 20);
	for (int pass = 2; steps <= budget; pass++) {
		int any = 0;
		struct ahead w;
		uint32_t i;
		/* from the third pass, only the vertices whose predecessors'
		 * chains moved: the others are as they were */
		ahead_init(&w, multi, pass > 2 ? dirty : NULL, n);
		for (uint32_t k = 0; ahead_next(&w, &i); k++) {
			uint32_t d = 0, x;
			if ((k & 0xffff) == 0) {
				if (progress_tick(p, "dominators", k, n_multi)) {
					rc = error_set(err, "interrupted");
					goto out;
				}
				if (steps > budget)
					goto out;
			}
			list_prefetch(g, t, &w, 1);
			x = t->vert[i];
			FOR_PREDS(g, t, x, a, {
				uint32_t b = d;
				steps++;
				if (!d) {
					d = a;
					continue;
				}
				d = it_meet(dom, a, b, &steps);
				if (d == 1)
					goto met_root;	/* R: nothing lower */
			})
met_root:
			if (dom[i] != d) {
				dom[i] = d;
				changed[i / 64] |= (uint64_t)1 << (i % 64);
				any = 1;
			}
		}
		if (!any) {
			rc = 0;
			break;
		}
		it_moved(dom, first, n, changed, moved);
		if (pass >= 2)
			steps += it_dirty(g, t, moved, multi, n_multi, dirty);
	}
out:
	free(dirty);
	free(moved);
	free(changed);
	free(multi);
	return rc;
}

/* num[] is dead after the passes: its pages go back to the system, and
 * it reads as zero for the next run.  Expects dom_it_bfs() done. */
int dom_it_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err)
{
	int rc;

	rc = it_passes(g, t, p, err);
	mem_zero_release(t->num, t->cap_v * sizeof *t->num);
	t->num_zero = 1;
	return rc;
}

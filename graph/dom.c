#include "graph/dom.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/reach.h"

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

/* Whether every reference counts as far as the marks go: then follows()
 * need not load a mark per reference (one cache miss each). */
static int marks_open(const uint8_t *mark, uint32_t nv)
{
	uint8_t any = 0;

	for (uint32_t v = 0; v < nv; v++)
		any |= mark[v];
	return !(any & (DOM_SKIP | DOM_GARBAGE));
}

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
	uint32_t *semi;		/* LT: semidominators; iterative: predecessor
				 * offsets (pred[semi[i] .. semi[i+1])) */
	uint32_t n;		/* numbers used */
	uint32_t last_entry;	/* the highest number of an entry */
	size_t cap_v;		/* vertex arrays hold cap_v entries */
	int num_zero;		/* num[] is all zero already */
	enum dom_method method;
	/* The iterative method: every counted predecessor, as numbers. */
	uint32_t *pred;
	size_t cap_pred;
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

/* Iterative depth-first numbering from R.  The frames reuse dom (vertex),
 * semi (member cursor) and stack (edge cursor), which are initialised
 * after the search. */
static void lt_dfs(const struct view *g, struct dom_work *t)
{
	const struct heap *h = g->h;
	uint32_t *fx = t->dom, *fk = t->semi, *fe = t->stack;
	uint32_t fp = 0, n = 1, rk = 0;

	t->vert[1] = g->nv;
	for (;;) {
		uint32_t y = HEAP_NONE, from;
		if (fp == 0) {
			/* R's children: the entries, in vertex order. */
			while (rk < g->nv && (!(g->mark[rk] & DOM_ENTRY) || (g->mark[rk] & DOM_SKIP) ||
					      t->num[rk]))
				rk++;
			if (rk == g->nv)
				break;
			y = rk;
			from = 1;
		} else {
			uint32_t x = fx[fp - 1], k = fk[fp - 1], e = fe[fp - 1];
			uint32_t kend = mem_end(g, x);
			while (k < kend) {
				heap_node_t m = member(g, k);
				uint32_t eend = h->out_off[m + 1];
				while (e < eend) {
					uint32_t ee = e++;
					uint32_t z;
					if (!reach_retains(h, m, ee))
						continue;
					z = vx(g, h->out_to[ee]);
					if (z != x && !((t->seen[z / 64] >> (z % 64)) & 1) &&
					    follows(g, x, z)) {
						y = z;
						break;
					}
				}
				if (y != HEAP_NONE)
					break;
				if (++k < kend)
					e = h->out_off[member(g, k)];
			}
			fk[fp - 1] = k;
			fe[fp - 1] = e;
			if (y == HEAP_NONE) {
				fp--;
				continue;
			}
			from = t->num[x];
		}
		t->num[y] = ++n;
		t->seen[y / 64] |= (uint64_t)1 << (y % 64);
		t->vert[n] = y;
		t->x[n].parent = from;
		if (from == 1) {
			if (t->n_tops == t->cap_tops) {
				t->cap_tops = t->cap_tops ? 2 * t->cap_tops : 64;
				t->tops = mem_realloc_array(t->tops, t->cap_tops, sizeof *t->tops);
			}
			t->tops[t->n_tops++] = n;
		}
		fx[fp] = y;
		fk[fp] = mem_begin(g, y);
		fe[fp] = fk[fp] < mem_end(g, y) ? h->out_off[member(g, fk[fp])] : 0;
		if (!g->grp) {
			/* The search is a chain of dependent loads; start the loads
			 * of this vertex's targets now, together. */
			for (uint32_t e = h->out_off[y]; e < h->out_off[y + 1]; e++)
				__builtin_prefetch(&h->out_off[h->out_to[e]]);
		}
		fp++;
	}
	t->n = n;
	/* The entries by number, from a sequential pass over the marks (a
	 * load of mark[y] per numbered vertex would be a cache miss each). */
	for (uint32_t v = 0; v < g->nv; v++)
		if ((g->mark[v] & DOM_ENTRY) && (n = t->num[v]) != 0) {
			t->entry[n / 64] |= (uint64_t)1 << (n % 64);
			if (n > t->last_entry)
				t->last_entry = n;
		}
}

/* EVAL(v) of Lengauer-Tarjan, with path compression.  LINK happens in
 * decreasing DFS number, so the vertices with an ancestor are exactly
 * those numbered above `linked`: that is known without loading them, which
 * takes one dependent cache miss off every step up the path. */
static uint32_t lt_eval(struct dom_work *t, uint32_t v, uint32_t linked)
{
	struct ltn *x = t->x;
	uint32_t sp = 0, y = v;

	if (v <= linked || x[v].ancestor <= linked)
		return v <= linked ? v : x[v].label;
	/* COMPRESS(v), iteratively: the nodes whose ancestor has an ancestor,
	 * processed from the top of the path down. */
	while (x[y].ancestor > linked) {
		t->stack[sp++] = y;
		y = x[y].ancestor;
	}
	while (sp) {
		uint32_t z = t->stack[--sp], a = x[z].ancestor;
		if (x[a].lsemi < x[z].lsemi) {
			x[z].label = x[a].label;
			x[z].lsemi = x[a].lsemi;
		}
		x[z].ancestor = x[a].ancestor;
	}
	return x[v].label;
}

/* The DFS number of the source of in-edge i of vertex v when the
 * reference counts, else 0. */
static inline uint32_t lt_pred(const struct view *g, const struct dom_work *t, uint32_t v,
			       uint32_t i)
{
	uint32_t y, u;

	y = vx(g, g->h->in_from[i]);
	if (y == v || !(u = t->num[y]) || !heap_in_retains(g->h, i) || !follows(g, y, v))
		return 0;
	return u;
}

/* Gathers the counting predecessors of the vertices numbered hi, hi - 1,
 * ... as DFS numbers into t->pu: those of w at pu[poff[hi - w] ..
 * poff[hi - w + 1]).  Stops after CHUNK vertices or CHUNK_E in-edges (the
 * buffer stays in the L2 cache) and returns the last number gathered (>= 2).
 * A vertex with more than CHUNK_E in-edges gets none gathered and
 * t->big[hi - w] set: semi_direct() scans it.  Unlike the semidominator
 * loop, which is a chain of dependent loads, these loads are independent
 * of each other, so the CPU overlaps their cache misses; two passes with
 * prefetches a fixed distance ahead keep enough of them in flight. */
static uint32_t lt_gather(const struct view *g, struct dom_work *t, uint32_t hi)
{
	const struct heap *h = g->h;
	uint32_t k = 0, w = hi + 1, lo;

	/* 1. The in-edge indexes, vertex by vertex. */
	while (w > 2 && hi - w + 1 < CHUNK && k < CHUNK_E) {
		uint32_t v = t->vert[--w], kend = mem_end(g, v), deg = 0;
		if (!g->grp && w >= 2 + 2 * PREFETCH)
			__builtin_prefetch(&h->in_off[t->vert[w - 2 * PREFETCH]]);
		if (!g->grp && w >= 2 + PREFETCH)
			__builtin_prefetch(&h->in_from[h->in_off[t->vert[w - PREFETCH]]]);
		t->poff[hi - w] = k;
		for (uint32_t kk = mem_begin(g, v); kk < kend && deg <= CHUNK_E; kk++) {
			heap_node_t m = member(g, kk);
			deg += h->in_off[m + 1] - h->in_off[m];
		}
		t->big[hi - w] = deg > CHUNK_E;
		if (deg > CHUNK_E)
			continue;
		for (uint32_t kk = mem_begin(g, v); kk < kend; kk++) {
			heap_node_t m = member(g, kk);
			for (uint32_t i = h->in_off[m]; i < h->in_off[m + 1]; i++)
				t->pu[k++] = i;
		}
	}
	lo = w;
	t->poff[hi - lo + 1] = k;
	/* 2. In place: each index becomes its source's number, or is dropped. */
	for (uint32_t q = 0, j = 0, out = 0; q <= hi - lo; q++) {
		uint32_t v = t->vert[hi - q], j1 = t->poff[q + 1];
		t->poff[q] = out;
		for (; j < j1; j++) {
			uint32_t i = t->pu[j], u;
			if (j + PREFETCH_E < k) {
				uint32_t ia = t->pu[j + PREFETCH_E];
				__builtin_prefetch(&h->in_retains[ia / 64]);
				if (!g->grp)
					__builtin_prefetch(&t->num[h->in_from[ia]]);
			}
			u = lt_pred(g, t, v, i);
			t->pu[out] = u;
			out += u != 0;
		}
		if (q == hi - lo)
			t->poff[q + 1] = out;
	}
	return lo;
}

/* The semidominator candidate of w from its predecessors, scanned in place
 * (for a vertex too big to gather), down to floor at the lowest. */
static uint32_t semi_direct(const struct view *g, struct dom_work *t, uint32_t w, uint32_t sw,
			    uint32_t floor)
{
	const struct heap *h = g->h;
	uint32_t v = t->vert[w], kend = mem_end(g, v);

	for (uint32_t kk = mem_begin(g, v); kk < kend && sw > floor; kk++) {
		heap_node_t m = member(g, kk);
		for (uint32_t i = h->in_off[m]; i < h->in_off[m + 1] && sw > floor; i++) {
			uint32_t u = lt_pred(g, t, v, i), ev;
			if (!u)
				continue;
			ev = u < w ? u : (lt_eval(t, u, w), t->x[u].lsemi);
			if (ev < sw)
				sw = ev;
		}
	}
	return sw;
}

/* The semidominators as Lengauer & Tarjan (1979) compute them, path
 * compression and simple linking, in chunks whose predecessors
 * lt_gather() loads ahead.  With buckets (bhead/bnext, numbers, 0 = end),
 * also LT's relative dominators in t->dom. */
static int lt_semi(const struct view *g, struct dom_work *t, uint32_t *bhead, uint32_t *bnext,
		   struct progress *p, struct error *err)
{
	struct ltn *x = t->x;
	uint32_t N = t->n, w, top = t->n_tops;

	for (uint32_t i = 1; i <= N; i++) {
		t->semi[i] = x[i].label = x[i].lsemi = i;
		x[i].ancestor = 0;
	}
	for (uint32_t hi = N, lo; hi >= 2; hi = lo - 1) {
		const uint32_t *pu, *po;
		if (progress_tick(p, "dominators", N - hi, N))
			return error_set(err, "interrupted");
		lo = lt_gather(g, t, hi);
		pu = t->pu;
		po = t->poff;
		for (w = hi; w >= lo; w--) {
			uint32_t sw = t->semi[w], floor, pw = x[w].parent;
			uint32_t j0 = po[hi - w], j1 = po[hi - w + 1];
			/* The smallest semidominator w can have: 1 (R) when an entry
			 * comes after it, else the root of its DFS tree (sdom(w) is a
			 * proper ancestor of w).  Reaching it ends the scan of w's
			 * predecessors early: this matters for objects thousands
			 * refer to. */
			while (top > 0 && t->tops[top - 1] > w)
				top--;
			floor = w > t->last_entry && top > 0 ? t->tops[top - 1] : 1;
			if ((t->entry[w / 64] >> (w % 64)) & 1)
				sw = 1;
			/* Software pipelining: the predecessors PREFETCH vertices on
			 * are known; start loading the entries eval() will read. */
			if (w >= lo + PREFETCH) {
				uint32_t a = po[hi - w + PREFETCH], b = po[hi - w + PREFETCH + 1];
				for (uint32_t j = a; j < b; j++)
					if (pu[j] > w - PREFETCH)
						__builtin_prefetch(&x[pu[j]]);
			}
			if (t->big[hi - w])
				sw = semi_direct(g, t, w, sw, floor);
			for (uint32_t j = j0; j < j1 && sw > floor; j++) {
				uint32_t u = pu[j];
				/* An unprocessed predecessor (u < w) is its own eval;
				 * lsemi is semi[label], so no second load. */
				uint32_t ev = u < w ? u : (lt_eval(t, u, w), x[u].lsemi);
				if (ev < sw)
					sw = ev;
			}
			t->semi[w] = x[w].lsemi = sw;
			x[w].ancestor = pw;	/* LINK(parent(w), w) */
			if (!bhead)
				continue;
			bnext[w] = bhead[sw];
			bhead[sw] = w;
			for (uint32_t y = bhead[pw]; y; y = bnext[y]) {
				uint32_t u = lt_eval(t, y, w - 1);
				t->dom[y] = t->semi[u] < t->semi[y] ? u : pw;
			}
			bhead[pw] = 0;
		}
	}
	return 0;
}

/* Semi-NCA's second half: in preorder, idom(w) is the nearest common
 * ancestor of parent(w) and sdom(w) in the dominator tree built so far.
 * Fast on heaps, but quadratic on some shapes (long crossed chains): gives
 * up, returning -1, after `budget` steps up the tree. */
static int snca_idom(struct dom_work *t, uint64_t budget)
{
	uint32_t N = t->n;

	t->dom[1] = 0;
	for (uint32_t i = 2; i <= N; i++) {
		uint32_t d = t->x[i].parent, sd = t->semi[i];
		while (d > sd) {
			if (budget-- == 0)
				return -1;
			d = t->dom[d];
		}
		t->dom[i] = d;
	}
	return 0;
}

/* Semi-NCA (Georgiadis, "Linear-time algorithms for dominators and
 * related problems", 2005; Georgiadis, Tarjan & Werneck, "Finding
 * dominators in practice", 2006): LT's semidominators, then each idom as
 * a nearest common ancestor, with no buckets and fewer dependent loads
 * than LT's second half.  When the NCA walks pass 4 steps a vertex on
 * average, the shape is one that makes them quadratic: the semidominators
 * are computed again with LT's buckets, O(E log V) in all.  Fills t->dom
 * (numbers). */
static int lt_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err)
{
	uint32_t *bhead, *bnext;
	int rc;

	lt_dfs(g, t);
	if (t->method != DOM_LT) {
		rc = lt_semi(g, t, NULL, NULL, p, err);
		if (rc || snca_idom(t, 4 * (uint64_t)t->n + 1024) == 0)
			return rc;
	}
	bhead = mem_calloc((size_t)t->n + 2, sizeof *bhead);
	bnext = mem_alloc(((size_t)t->n + 2) * sizeof *bnext);
	rc = lt_semi(g, t, bhead, bnext, p, err);
	free(bhead);
	free(bnext);
	if (rc)
		return rc;
	for (uint32_t i = 2; i <= t->n; i++)
		if (t->dom[i] != t->semi[i])
			t->dom[i] = t->dom[t->dom[i]];
	t->dom[1] = 0;
	return 0;
}

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
static void it_bfs(const struct view *g, struct dom_work *t, uint32_t *dist)
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
				__builtin_prefetch(&h->out_kind[h->out_off[a]]);
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

/* The counted predecessors of every vertex after the entries, as numbers:
 * those of i at pred[semi[i] .. semi[i + 1]).  A vertex with one (half
 * of a V8 heap's objects, five in six of a Java heap's) has it as its
 * idom at once: dom[i] is set and nothing stored, so the passes skip it;
 * the others get dom[i] = 0, "not yet seen".  A sweep in number order, so
 * the loads a few vertices ahead are started early. */
static void it_preds(const struct view *g, struct dom_work *t)
{
	const struct heap *h = g->h;
	uint32_t *num = t->num, *vert = t->vert, *off = t->semi, n = t->n;
	size_t need = (size_t)h->n_edges + 1, k = 0;

	if (need > t->cap_pred || need < t->cap_pred / 4 * 3) {
		free(t->pred);
		t->pred = hugepage_advise(mem_alloc(need * sizeof *t->pred), need * sizeof *t->pred);
		t->cap_pred = need;
	}
	for (uint32_t i = t->last_entry + 1; i <= n; i++) {
		uint32_t x = vert[i], kend = mem_end(g, x);
		if (!g->grp) {
			if (i + 16 <= n)
				__builtin_prefetch(&h->in_off[vert[i + 16]]);
			if (i + 8 <= n) {
				uint32_t a = h->in_off[vert[i + 8]];
				__builtin_prefetch(&h->in_from[a]);
				__builtin_prefetch(&h->in_retains[a / 64]);
			}
			if (i + 4 <= n) {
				uint32_t a = vert[i + 4];
				for (uint32_t j = h->in_off[a]; j < h->in_off[a + 1]; j++)
					__builtin_prefetch(&num[h->in_from[j]]);
			}
		}
		off[i] = (uint32_t)k;
		for (uint32_t kk = mem_begin(g, x); kk < kend; kk++) {
			heap_node_t m = member(g, kk);
			for (uint32_t j = h->in_off[m]; j < h->in_off[m + 1]; j++) {
				uint32_t y = vx(g, h->in_from[j]), u;
				if (y == x || !(u = num[y]) || !heap_in_retains(h, j) || !follows(g, y, x))
					continue;
				t->pred[k++] = u;
			}
		}
		t->dom[i] = 0;
		if (k == off[i] + 1)
			t->dom[i] = t->pred[--k];
	}
	off[n + 1] = (uint32_t)k;
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

/* The passes.  From the third on (the first sees only the predecessors
 * numbered before a vertex), a vertex is recomputed only when the chain of
 * one of its predecessors moved in the pass before (a bit each, in L2), so
 * the last passes, which change little or nothing, cost little.  Returns 0 when
 * dom[] is final, 1 when the budget ran out (the shape needs too many
 * passes or too long walks), -1 with err filled when progress asked to
 * stop. */
static int it_passes(struct dom_work *t, struct progress *p, struct error *err)
{
	uint32_t *dom = t->dom, *off = t->semi, *pred = t->pred;
	uint32_t n = t->n, first = t->last_entry + 1;
	uint64_t budget = IT_BUDGET * ((uint64_t)n + off[n + 1]) + (1u << 20), steps = 0;
	uint64_t *changed = mem_calloc((size_t)n / 64 + 1, sizeof *changed);
	uint64_t *moved = mem_calloc((size_t)n / 64 + 1, sizeof *moved);
	int rc = 1;

	for (uint32_t i = 1; i < first; i++)
		dom[i] = 1;	/* R, and the entries under it */
	for (int pass = 1; steps <= budget; pass++) {
		int any = 0;
		for (uint32_t i = first; i <= n; i++) {
			uint32_t d = 0, j0 = off[i], j1 = off[i + 1], j;
			if ((i & 0xffff) == 0) {
				if (progress_tick(p, "dominators", i, n)) {
					rc = error_set(err, "interrupted");
					goto out;
				}
				if (steps > budget)
					goto out;
			}
			if (j0 == j1)
				continue;	/* one predecessor: its idom is known */
			steps += j1 - j0;
			if (pass > 2) {
				for (j = j0; j < j1 && !bit_test(moved, pred[j]); j++)
					;
				if (j == j1)
					continue;	/* as it was */
			}
			if (i + 8 <= n)
				for (j = off[i + 8]; j < off[i + 9]; j++)
					__builtin_prefetch(&dom[pred[j]]);
			for (j = j0; j < j1; j++) {
				uint32_t a = pred[j], b = d;
				/* The first pass sees what comes before i: there
				 * every number on the way up is set. */
				if (pass == 1 && a > i)
					continue;
				if (!d) {
					d = a;
					continue;
				}
				/* The nearest common ancestor: the larger number
				 * climbs, its parent being smaller. */
				while (a != b) {
					while (a > b) {
						a = dom[a];
						steps++;
					}
					while (b > a) {
						b = dom[b];
						steps++;
					}
				}
				d = a;
				if (d == 1)
					break;	/* R: nothing lower */
			}
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
	}
out:
	free(moved);
	free(changed);
	return rc;
}

/* num[] and pred[] are dead after their step: their pages go back to the
 * system (a quarter of the peak memory of an analysis, where a second
 * thread runs beside this one), and num[] reads as zero for the next run.
 * Expects it_bfs() done. */
static int it_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err)
{
	int rc;

	it_preds(g, t);
	mem_zero_release(t->num, t->cap_v * sizeof *t->num);
	t->num_zero = 1;
	rc = it_passes(t, p, err);
	mem_zero_release(t->pred, t->cap_pred * sizeof *t->pred);
	return rc;
}

static void work_release(struct dom_work *t)
{
	enum dom_method method = t->method;

	free(t->num);
	free(t->vert);
	free(t->semi);
	free(t->dom);
	free(t->pred);
	free(t->x);
	free(t->stack);
	free(t->tops);
	free(t->pu);
	free(t->poff);
	free(t->big);
	free(t->entry);
	free(t->seen);
	memset(t, 0, sizeof *t);
	t->method = method;
}

/* Makes room for nv vertices, reusing what an earlier run allocated;
 * num[] comes back zeroed. */
static void work_init(struct dom_work *t, uint32_t nv)
{
	size_t n = (size_t)nv + 3;	/* R, the vertices, and semi[N + 1] */

	/* Much smaller than what the workspace holds: start afresh, or the
	 * pages the smaller run never uses would stay in memory beside its
	 * own arrays. */
	if (n > t->cap_v || n < t->cap_v / 4 * 3) {
		work_release(t);
		t->num = hugepage_advise(mem_calloc(n, sizeof *t->num), n * sizeof *t->num);
		t->vert = hugepage_advise(mem_alloc(n * sizeof *t->vert), n * sizeof *t->vert);
		t->semi = hugepage_advise(mem_alloc(n * sizeof *t->semi), n * sizeof *t->semi);
		t->dom = hugepage_advise(mem_alloc(n * sizeof *t->dom), n * sizeof *t->dom);
		t->cap_v = n;
	} else if (!t->num_zero) {
		memset(t->num, 0, n * sizeof *t->num);
	}
	t->num_zero = 0;
	t->last_entry = 0;
	t->n = 0;
}

/* Lengauer-Tarjan's own arrays, on its first run in this workspace (the
 * iterative method never needs them); entry and seen come back zeroed,
 * and num too (the iterative method may have numbered the vertices). */
static void lt_init(struct dom_work *t, uint32_t nv)
{
	size_t n = t->cap_v;

	if (!t->x) {
		t->x = hugepage_advise(mem_alloc(n * sizeof *t->x), n * sizeof *t->x);
		t->stack = mem_alloc(n * sizeof *t->stack);
		t->poff = mem_alloc((CHUNK + 2) * sizeof *t->poff);
		t->pu = mem_alloc(2 * CHUNK_E * sizeof *t->pu);
		t->big = mem_alloc(CHUNK);
		t->entry = mem_calloc(n / 64 + 1, sizeof *t->entry);
		t->seen = mem_calloc(n / 64 + 1, sizeof *t->seen);
	} else {
		memset(t->entry, 0, (n / 64 + 1) * sizeof *t->entry);
		memset(t->seen, 0, (n / 64 + 1) * sizeof *t->seen);
	}
	if (!t->num_zero)
		memset(t->num, 0, ((size_t)nv + 3) * sizeof *t->num);
	t->num_zero = 0;
	t->last_entry = 0;
	t->n = 0;
	t->n_tops = 0;
}

/* ---- groups in topological order ----
 *
 * When the groups are the strongly connected components, the contracted
 * graph is acyclic, and scc_compute() numbers it backwards (references go
 * from higher to lower groups).  In a topological order every predecessor
 * of a vertex, and every dominator, comes before it, so one pass of the
 * iterative method, in that order, is final: no search to number the
 * vertices, no second pass, and the groups' own numbers serve for the walks
 * up the tree (a dominator's is higher), with R above them all (nv).
 * Fills up[] (idom per group: R = nv, HEAP_NONE where R does not reach)
 * and ret[] (the retained sizes).  Returns 1, leaving them unusable, when a
 * reference goes against the order: the groups are not numbered so. */
static int topo_run(const struct view *g, uint32_t *up, uint64_t *ret, struct progress *p,
		    struct error *err)
{
	const struct heap *h = g->h;
	uint32_t R = g->nv;

	for (uint32_t x = g->nv; x-- > 0;) {
		uint32_t kend = g->moff[x + 1], d = HEAP_NONE;
		uint64_t size = 0;
		if ((x & 0xffff) == 0 && progress_tick(p, "cycles", g->nv - x, g->nv))
			return error_set(err, "interrupted");
		if (g->mark[x] & DOM_SKIP) {
			up[x] = HEAP_NONE;
			ret[x] = 0;
			continue;
		}
		if (g->mark[x] & DOM_ENTRY)
			d = R;
		/* The members come in order, mostly one group after another
		 * downwards (most groups are single objects): their loads are
		 * started a few members ahead. */
		for (uint32_t k = g->moff[x]; k < kend; k++) {
			heap_node_t m = g->mem[k];
			if (k >= 16) {
				uint32_t a = h->in_off[g->mem[k - 8]], c = g->mem[k - 4];
				__builtin_prefetch(&h->in_off[g->mem[k - 16]]);
				__builtin_prefetch(&h->size[g->mem[k - 16]]);
				__builtin_prefetch(&h->in_from[a]);
				__builtin_prefetch(&h->in_retains[a / 64]);
				for (uint32_t j = h->in_off[c]; j < h->in_off[c + 1]; j++)
					__builtin_prefetch(&g->grp[h->in_from[j]]);
			}
			size += h->size[m];
			for (uint32_t j = h->in_off[m]; j < h->in_off[m + 1] && d != R; j++) {
				uint32_t y = g->grp[h->in_from[j]], b = d;
				if (y == x || !heap_in_retains(h, j))
					continue;
				if (y < x)
					return 1;
				if (up[y] == HEAP_NONE || !follows(g, y, x))
					continue;
				if (d == HEAP_NONE) {
					d = y;
					continue;
				}
				/* The nearest common ancestor: the lower group
				 * climbs, its idom being higher. */
				while (y != b) {
					while (y < b)
						y = up[y];
					while (b < y)
						b = up[b];
				}
				d = y;
			}
		}
		up[x] = d;
		ret[x] = d == HEAP_NONE ? 0 : size;
	}
	/* Children (lower groups) before their dominators. */
	for (uint32_t x = 0; x < g->nv; x++)
		if (up[x] != HEAP_NONE && up[x] != R)
			ret[up[x]] += ret[x];
	return 0;
}

/* Numbers the vertices R reaches and fills dom[] (numbers, R = 1, every
 * idom numbered below its vertex): the iterative method, or Semi-NCA when
 * that would be slow (or when the workspace says so).  With dist, the
 * breadth-first levels too (the numbering search of the iterative
 * method), and ready(arg) is called as soon as they are complete. */
static int dom_run(const struct view *g, struct dom_work *t, uint32_t *dist,
		   void (*ready)(void *), void *arg, struct progress *p, struct error *err)
{
	int rc;

	work_init(t, g->nv);
	if (t->method == DOM_AUTO || dist) {
		it_bfs(g, t, dist);
		if (ready)
			ready(arg);
	}
	if (t->method == DOM_AUTO) {
		rc = it_run(g, t, p, err);
		if (rc <= 0)
			return rc;
	}
	lt_init(t, g->nv);
	return lt_run(g, t, p, err);
}

struct dom_work *dom_work_new(void)
{
	return mem_calloc(1, sizeof(struct dom_work));
}

void dom_work_method(struct dom_work *w, enum dom_method m)
{
	w->method = m;
}

void dom_work_free(struct dom_work *w)
{
	if (!w)
		return;
	work_release(w);
	free(w);
}

/* Retained sizes by vertex: shallow sizes summed up the dominator tree,
 * children (higher DFS numbers) before their dominators. */
static void lt_retained(const struct view *g, const struct dom_work *t, uint64_t *retained)
{
	const struct heap *h = g->h;

	for (uint32_t i = 2; i <= t->n; i++) {
		uint32_t x = t->vert[i];
		uint64_t s = 0;
		for (uint32_t k = mem_begin(g, x); k < mem_end(g, x); k++)
			s += h->size[member(g, k)];
		retained[x] = s;
	}
	for (uint32_t i = t->n; i >= 2; i--) {
		uint32_t d = t->dom[i];
		if (d >= 2)
			retained[t->vert[d]] += retained[t->vert[i]];
	}
}

/* Garbage entries are the members of the source components of the
 * garbage, which holds no live object. */
static void source_entries(const struct heap *h, const uint32_t *dist, const uint32_t *comp,
			   uint8_t *mark)
{
	uint32_t n = h->n_nodes;
	uint8_t *entered = mem_calloc(n ? n : 1, 1);

	/* The references into the garbage: the incoming ones of each garbage
	 * object (most heaps hold little garbage; a sweep over every
	 * reference would look up the target of each). */
	for (heap_node_t t = 0; t < n; t++) {
		if (dist[t] != REACH_UNREACHABLE)
			continue;
		for (uint32_t k = h->in_off[t]; k < h->in_off[t + 1]; k++)
			if (comp[h->in_from[k]] != comp[t] && heap_in_retains(h, k))
				entered[comp[t]] = 1;
	}
	for (heap_node_t v = 0; v < n; v++) {
		if (dist[v] == 0)
			mark[v] = DOM_ENTRY;
		else if (dist[v] != REACH_UNREACHABLE)
			mark[v] = 0;
		else
			mark[v] = (uint8_t)(DOM_GARBAGE | (entered[comp[v]] ? 0 : DOM_ENTRY));
	}
	free(entered);
}

int dom_devtools_shape(const struct heap *h, const uint32_t *dist)
{
	heap_node_t root = HEAP_NONE;

	for (heap_node_t v = 0; v < h->n_nodes; v++) {
		if (dist[v] != 0)
			continue;
		if (root != HEAP_NONE)
			return 0;
		root = v;
	}
	return root != HEAP_NONE && (h->flags[root] & HEAP_F_SYNTHETIC);
}

void dom_entries(const struct heap *h, const uint32_t *dist, const uint32_t *comp, int devtools,
		 uint8_t *mark)
{
	uint32_t n = h->n_nodes, head = 0, tail = 0;
	heap_node_t *queue;

	if (!devtools) {
		source_entries(h, dist, comp, mark);
		return;
	}
	queue = mem_alloc((n ? n : 1) * sizeof *queue);

	/* 1. roots; garbage nothing holds (a self-reference counts, as in
	 * DevTools): from the incoming references of the garbage only. */
	for (heap_node_t v = 0; v < n; v++) {
		mark[v] = dist[v] == 0 ? DOM_ENTRY : dist[v] == REACH_UNREACHABLE ? 8 : 0;
		if (!(mark[v] & 8))
			continue;
		for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++)
			if (heap_in_retains(h, k)) {
				mark[v] |= 16;	/* held */
				break;
			}
	}
	for (heap_node_t v = 0; v < n; v++)
		if ((mark[v] & (8 | 16)) == 8) {
			mark[v] = 8 | 32 | DOM_ENTRY;	/* 32: reached from an entry */
			queue[tail++] = v;
		}
	/* 2. what those reach; every garbage object still not reached (held only
	 * by garbage cycles) is an entry too. */
	while (head < tail) {
		heap_node_t u = queue[head++];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if ((mark[t] & (8 | 32)) == 8 && reach_retains(h, u, e)) {
				mark[t] |= 32;
				queue[tail++] = t;
			}
		}
	}
	for (heap_node_t v = 0; v < n; v++) {
		if (!(mark[v] & 8))
			continue;
		mark[v] = (uint8_t)((mark[v] & 32) ? (mark[v] & DOM_ENTRY) : DOM_ENTRY);
	}
	free(queue);
}

static int compute(const struct heap *h, const uint8_t *mark, uint32_t *dist,
		   void (*ready)(void *), void *arg, heap_node_t *idom, uint64_t *retained,
		   struct dom_work *work, struct progress *p, struct error *err)
{
	struct view g = { .h = h, .nv = h->n_nodes, .mark = mark,
			  .open = marks_open(mark, h->n_nodes) };
	struct dom_work *t = work ? work : dom_work_new();
	int rc;

	rc = dom_run(&g, t, dist, ready, arg, p, err);
	if (rc == 0) {
		for (uint32_t i = 2; i <= t->n; i++)
			idom[t->vert[i]] = t->dom[i] >= 2 ? t->vert[t->dom[i]] : HEAP_NONE;
		lt_retained(&g, t, retained);
	}
	if (!work)
		dom_work_free(t);
	return rc;
}

int dom_compute(const struct heap *h, const uint8_t *mark, heap_node_t *idom,
		uint64_t *retained, struct dom_work *work, struct progress *p,
		struct error *err)
{
	return compute(h, mark, NULL, NULL, NULL, idom, retained, work, p, err);
}

/* reach_roots()'s 1 is the entry mark as it is. */
_Static_assert(DOM_ENTRY == 1, "is_root doubles as the live run's marks");

int dom_compute_roots(const struct heap *h, const uint8_t *is_root, uint32_t *dist,
		      void (*ready)(void *), void *arg, heap_node_t *idom, uint64_t *retained,
		      struct dom_work *work, struct progress *p, struct error *err)
{
	for (heap_node_t v = 0; v < h->n_nodes; v++)
		dist[v] = REACH_UNREACHABLE;
	return compute(h, is_root, dist, ready, arg, idom, retained, work, p, err);
}

int dom_group_retained(const struct heap *h, const uint32_t *grp, uint32_t n_grp,
		       const uint8_t *mark, uint64_t *grp_retained, struct dom_work *work,
		       struct progress *p, struct error *err)
{
	uint32_t n = h->n_nodes;
	uint32_t *moff = mem_calloc((size_t)n_grp + 1, sizeof *moff);
	heap_node_t *mem = mem_alloc((n ? n : 1) * sizeof *mem);
	uint8_t *gmark = mem_calloc(n_grp ? n_grp : 1, 1);
	struct view g = { .h = h, .nv = n_grp, .grp = grp, .moff = moff, .mem = mem,
			  .mark = gmark };
	struct dom_work *t = work ? work : dom_work_new();
	int rc;

	/* Counting sort of the nodes by group: members in ascending order. */
	for (heap_node_t v = 0; v < n; v++)
		moff[grp[v] + 1]++;
	for (uint32_t x = 0; x < n_grp; x++)
		moff[x + 1] += moff[x];
	for (heap_node_t v = 0; v < n; v++) {
		mem[moff[grp[v]]++] = v;
		gmark[grp[v]] |= mark[v];
	}
	for (uint32_t x = n_grp; x > 0; x--)
		moff[x] = moff[x - 1];
	moff[0] = 0;
	g.open = marks_open(gmark, n_grp);

	rc = 1;
	if (t->method == DOM_AUTO) {
		uint32_t *up = mem_alloc((n_grp ? n_grp : 1) * sizeof *up);
		rc = topo_run(&g, up, grp_retained, p, err);
		free(up);
	}
	if (rc > 0) {
		rc = dom_run(&g, t, NULL, NULL, NULL, p, err);
		if (rc == 0) {
			memset(grp_retained, 0, (size_t)n_grp * sizeof *grp_retained);
			lt_retained(&g, t, grp_retained);
		}
	}
	if (!work)
		dom_work_free(t);
	free(gmark);
	free(mem);
	free(moff);
	return rc;
}

/* ---- the children index ---- */

struct domtree {
	const heap_node_t *idom;
	heap_node_t *kids;	/* grouped by idom + 1 ascending (R's first) */
	uint32_t n;
};

struct kid {
	uint64_t retained;
	heap_node_t v;
};

static int kid_cmp(const void *pa, const void *pb)
{
	const struct kid *a = pa, *b = pb;

	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return a->v < b->v ? -1 : a->v > b->v;
}

/* Counting sort by idom + 1 (O(V)), then each family sorted by retained
 * size: most families are small, so this stays near linear. */
struct domtree *domtree_new(const struct heap *h, const heap_node_t *idom,
			    const uint64_t *retained)
{
	struct domtree *t = mem_calloc(1, sizeof *t);
	uint32_t n = h->n_nodes;
	uint32_t *off = mem_calloc((size_t)n + 2, sizeof *off);
	struct kid *k = mem_alloc((n ? n : 1) * sizeof *k);

	for (heap_node_t v = 0; v < n; v++)
		off[idom[v] + 1 + 1]++;	/* HEAP_NONE + 1 == 0 */
	for (uint32_t i = 0; i <= n; i++)
		off[i + 1] += off[i];
	for (heap_node_t v = 0; v < n; v++)
		k[off[idom[v] + 1]++] = (struct kid){ .retained = retained[v], .v = v };
	/* off[key] is now the end of family key, i.e. the start of key + 1. */
	for (uint32_t key = 0, start = 0; key <= n; key++) {
		uint32_t end = off[key];
		if (end - start > 1)
			qsort(k + start, end - start, sizeof *k, kid_cmp);
		start = end;
	}
	t->kids = mem_alloc((n ? n : 1) * sizeof *t->kids);
	for (uint32_t i = 0; i < n; i++)
		t->kids[i] = k[i].v;
	free(k);
	free(off);
	t->idom = idom;
	t->n = n;
	return t;
}

void domtree_free(struct domtree *t)
{
	if (!t)
		return;
	free(t->kids);
	free(t);
}

/* First index i with key(kids[i]) >= key. */
static uint32_t lower(const struct domtree *t, uint32_t key)
{
	uint32_t lo = 0, hi = t->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->idom[t->kids[mid]] + 1 < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t domtree_children(const struct domtree *t, heap_node_t v, const heap_node_t **kids)
{
	uint32_t key = v + 1, a, b;

	a = lower(t, key);
	b = key == UINT32_MAX ? t->n : lower(t, key + 1);
	*kids = t->kids + a;
	return b - a;
}

/* dom_lt: Semi-NCA and Lengauer-Tarjan over depth-first numbers
 * (graph/dom_priv.h). */
#include "graph/dom_priv.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/reach.h"


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
int dom_lt_run(const struct view *g, struct dom_work *t, struct progress *p, struct error *err)
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


void dom_lt_init(struct dom_work *t, uint32_t nv)
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


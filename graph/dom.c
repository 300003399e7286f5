#include "graph/dom.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hmap.h"
#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/dom_priv.h"
#include "graph/reach.h"

/* ---- retained sizes, 4 bytes a node (dom.h) ---- */

/* The index of v's record in s->big (sorted), or where it would go. */
static uint32_t big_find(const struct dom_sizes *s, heap_node_t v)
{
	uint32_t lo = 0, hi = s->n_big;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->big[mid].node < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint64_t dom_sizes_big(const struct dom_sizes *s, heap_node_t v)
{
	uint32_t i = big_find(s, v);

	return i < s->n_big && s->big[i].node == v ? s->big[i].size : HEAP_SIZE_BIG;
}

void dom_sizes_set(struct dom_sizes *s, heap_node_t v, uint64_t x)
{
	uint32_t i = big_find(s, v);
	int found = i < s->n_big && s->big[i].node == v;

	if (x < HEAP_SIZE_BIG) {
		s->small[v] = (uint32_t)x;
		if (found) {
			memmove(&s->big[i], &s->big[i + 1], (s->n_big - i - 1) * sizeof *s->big);
			s->n_big--;
		}
		return;
	}
	s->small[v] = HEAP_SIZE_BIG;
	if (!found) {
		s->big = mem_realloc_array(s->big, (size_t)s->n_big + 1, sizeof *s->big);
		memmove(&s->big[i + 1], &s->big[i], (s->n_big - i) * sizeof *s->big);
		s->n_big++;
	}
	s->big[i] = (struct heap_big_size){ .node = v, .size = x };
}

/* The column while a run sums into it: big[] in the order the records
 * came, found through a map (a sum that reaches 4 GiB is written again
 * with every child that adds to it). */
struct sums {
	struct dom_sizes *s;
	struct hmap map;	/* node -> index into s->big */
	uint32_t cap;
};

static void sums_begin(struct sums *u, struct dom_sizes *s)
{
	u->s = s;
	u->cap = s->n_big;
	hmap_init(&u->map, s->n_big);
	for (uint32_t i = 0; i < s->n_big; i++)
		hmap_put(&u->map, s->big[i].node, i);
}

/* The record of v, added if it has none, set to x (>= 4 GiB). */
static __attribute__((noinline)) void sums_big(struct sums *u, heap_node_t v, uint64_t x)
{
	struct dom_sizes *s = u->s;
	uint32_t i = hmap_get(&u->map, v);

	if (i == HMAP_NONE) {
		if (s->n_big == u->cap) {
			u->cap = u->cap ? 2 * u->cap : 16;
			s->big = mem_realloc_array(s->big, u->cap, sizeof *s->big);
		}
		i = s->n_big++;
		hmap_put(&u->map, v, i);
	}
	s->big[i] = (struct heap_big_size){ .node = v, .size = x };
	s->small[v] = HEAP_SIZE_BIG;
}

static inline void sums_set(struct sums *u, heap_node_t v, uint64_t x)
{
	if (x < HEAP_SIZE_BIG)
		u->s->small[v] = (uint32_t)x;
	else
		sums_big(u, v, x);
}

static inline uint64_t sums_get(const struct sums *u, heap_node_t v)
{
	uint32_t x = u->s->small[v];

	return x != HEAP_SIZE_BIG ? x : u->s->big[hmap_get(&u->map, v)].size;
}

static inline void sums_add(struct sums *u, heap_node_t v, uint64_t x)
{
	uint32_t old = u->s->small[v];

	if (old != HEAP_SIZE_BIG && x < (uint64_t)(HEAP_SIZE_BIG - old))
		u->s->small[v] = old + (uint32_t)x;
	else
		sums_big(u, v, sums_get(u, v) + x);
}

static int big_cmp(const void *pa, const void *pb)
{
	const struct heap_big_size *a = pa, *b = pb;

	return a->node < b->node ? -1 : a->node > b->node;
}

/* Back to the column's form: the records of nodes whose size was written
 * again below 4 GiB dropped, the rest sorted by node. */
static void sums_end(struct sums *u)
{
	struct dom_sizes *s = u->s;
	uint32_t k = 0;

	for (uint32_t i = 0; i < s->n_big; i++)
		if (s->small[s->big[i].node] == HEAP_SIZE_BIG)
			s->big[k++] = s->big[i];
	s->n_big = k;
	if (k > 1)	/* (s->big may be NULL: qsort's pointer must not be) */
		qsort(s->big, k, sizeof *s->big, big_cmp);
	if (k == 0) {
		free(s->big);
		s->big = NULL;
	}
	hmap_fini(&u->map);
}

/* Whether every reference counts as far as the marks go: then follows()
 * need not load a mark per reference (one cache miss each). */
static int marks_open(const uint8_t *mark, uint32_t nv)
{
	uint8_t any = 0;

	for (uint32_t v = 0; v < nv; v++)
		any |= mark[v];
	return !(any & (DOM_SKIP | DOM_GARBAGE));
}

static void work_release(struct dom_work *t)
{
	enum dom_method method = t->method;

	free(t->num);
	free(t->vert);
	free(t->semi);
	free(t->dom);
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
				if (h->size16)
					__builtin_prefetch(&h->size16[g->mem[k - 16]]);
				else
					__builtin_prefetch(&h->size32[g->mem[k - 16]]);
				__builtin_prefetch(&h->in_from[a]);
				__builtin_prefetch(&h->in_retains[a / 64]);
				for (uint32_t j = h->in_off[c]; j < h->in_off[c + 1]; j++)
					__builtin_prefetch(&g->grp[h->in_from[j]]);
			}
			size += heap_size(h, m);
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
 * method), and ready(arg) is called as soon as they are complete; the
 * marks are not read after that (dom_compute_roots()): Semi-NCA gets its
 * entries, the roots, from the levels (0) instead. */
static int dom_run(const struct view *g, struct dom_work *t, uint32_t *dist,
		   void (*ready)(void *), void *arg, struct progress *p, struct error *err)
{
	struct view roots = *g;
	uint8_t *mark = NULL;
	int rc;

	work_init(t, g->nv);
	if (t->method == DOM_AUTO || dist) {
		dom_it_bfs(g, t, dist);
		if (ready)
			ready(arg);
	}
	if (t->method == DOM_AUTO) {
		rc = dom_it_run(g, t, p, err);
		if (rc <= 0)
			return rc;
	}
	if (dist) {
		mark = mem_alloc(g->nv ? g->nv : 1);
		for (uint32_t v = 0; v < g->nv; v++)
			mark[v] = dist[v] == 0 ? DOM_ENTRY : 0;
		roots.mark = mark;
	}
	dom_lt_init(t, g->nv);
	rc = dom_lt_run(&roots, t, p, err);
	free(mark);
	return rc;
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
			s += heap_size(h, member(g, k));
		retained[x] = s;
	}
	for (uint32_t i = t->n; i >= 2; i--) {
		uint32_t d = t->dom[i];
		if (d >= 2)
			retained[t->vert[d]] += retained[t->vert[i]];
	}
}

/* lt_retained() without groups, up idom[] (vertices) instead of dom[]
 * (numbers), so that dom[] can go first; with all, every node's retained
 * size is written (an unreached one's is its own size). */
static void tree_retained(const struct heap *h, const struct dom_work *t, const heap_node_t *idom,
			  int all, struct dom_sizes *retained)
{
	const uint32_t *vert = t->vert;
	struct sums u;

	sums_begin(&u, retained);
	for (heap_node_t v = 0; all && v < h->n_nodes; v++)
		sums_set(&u, v, heap_size(h, v));
	for (uint32_t i = 2; !all && i <= t->n; i++)
		sums_set(&u, vert[i], heap_size(h, vert[i]));
	for (uint32_t i = t->n; i >= 2; i--) {
		heap_node_t x = vert[i], d;
		if (i >= 10)
			__builtin_prefetch(&idom[vert[i - 8]]);
		d = idom[x];
		if (d != HEAP_NONE)
			sums_add(&u, d, sums_get(&u, x));
	}
	sums_end(&u);
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
		   void (*ready)(void *), void *arg, heap_node_t *idom, struct dom_sizes *retained,
		   struct dom_work *work, struct progress *p, struct error *err)
{
	/* the live run (dist) writes every node: the others' pages are
	 * first touched here, after the work arrays' busiest time */
	int all = dist != NULL;
	struct view g = { .h = h, .nv = h->n_nodes, .mark = mark,
			  .open = marks_open(mark, h->n_nodes) };
	struct dom_work *t = work ? work : dom_work_new();
	int rc;

	rc = dom_run(&g, t, dist, ready, arg, p, err);
	/* semi is the run's scratch (a next run writes it before reading):
	 * its pages go back before idom and retained are written */
	mem_zero_release(t->semi, t->cap_v * sizeof *t->semi);
	if (rc == 0) {
		for (heap_node_t v = 0; all && v < h->n_nodes; v++)
			idom[v] = HEAP_NONE;
		for (uint32_t i = 2; i <= t->n; i++)
			idom[t->vert[i]] = t->dom[i] >= 2 ? t->vert[t->dom[i]] : HEAP_NONE;
		/* dom[] is dead (a next run writes it before reading): its pages
		 * go back before retained[] is written, and vert[]'s after */
		mem_zero_release(t->dom, t->cap_v * sizeof *t->dom);
		tree_retained(h, t, idom, all, retained);
		mem_zero_release(t->vert, t->cap_v * sizeof *t->vert);
	}
	if (!work)
		dom_work_free(t);
	return rc;
}

int dom_compute(const struct heap *h, const uint8_t *mark, heap_node_t *idom,
		struct dom_sizes *retained, struct dom_work *work, struct progress *p,
		struct error *err)
{
	return compute(h, mark, NULL, NULL, NULL, idom, retained, work, p, err);
}

/* reach_roots()'s 1 is the entry mark as it is. */
_Static_assert(DOM_ENTRY == 1, "is_root doubles as the live run's marks");

int dom_compute_roots(const struct heap *h, const uint8_t *is_root, uint32_t *dist,
		      void (*ready)(void *), void *arg, heap_node_t *idom, struct dom_sizes *retained,
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


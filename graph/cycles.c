#include "graph/cycles.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/reach.h"
#include "graph/scc.h"

static int by_size(const struct cycles_pending *a, const struct cycles_pending *b)
{
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int by_retained(const struct cycles_pending *a, const struct cycles_pending *b)
{
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int pending_by_size(const void *a, const void *b)
{
	return by_size(a, b);
}

static int pending_by_retained(const void *a, const void *b)
{
	return by_retained(a, b);
}

/* Whether out-edge e of a member is inside its cycle's graph: user
 * cycles leave the runtime's bookkeeping out (every other kind is shown,
 * weak ones too), raw ones count every reference. */
static inline int internal_ref(const struct heap *h, int user, heap_node_t from, uint32_t e)
{
	/* a member is a user object, so a reference between two members that
	 * retains but is out of the user graph is the runtime's bookkeeping */
	return !user || heap_out_user(h, e) || !reach_retains(h, from, e);
}

/* internal_ref() for in-edge k: its bits are the out-edge's (heap.h). */
static inline int internal_in(const struct heap *h, int user, uint32_t k)
{
	return !user || heap_in_user(h, k) || !heap_in_retains(h, k);
}

static inline int loop_ref(const struct heap *h, int user, heap_node_t v, uint32_t e)
{
	return user ? heap_out_user(h, e) : reach_retains(h, v, e);
}

void cycles_find(const struct heap *h, int user, const uint32_t *comp, uint32_t n_comp,
		 const uint8_t *mark, struct cycles_found *cf)
{
	enum { AHEAD = 32 };
	uint32_t n = h->n_nodes, m = h->n_edges, nc = 0, total = 0;
	size_t words = (size_t)n_comp / 64 + 1;
	/* a component with a member (seen), with two or more or a loop (the
	 * cycles): two bits a component, not a count */
	uint64_t *seen = mem_calloc(words, sizeof *seen);
	uint64_t *is_cycle = mem_calloc(words, sizeof *is_cycle);
	uint32_t *before = mem_alloc(words * sizeof *before);
	struct cycles_pending *pend;

	for (heap_node_t v = 0; v < n; v++) {
		uint32_t c = comp[v];
		uint64_t bit = UINT64_C(1) << (c % 64);
		if (seen[c / 64] & bit)
			is_cycle[c / 64] |= bit;
		seen[c / 64] |= bit;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (h->out_to[e] == v && loop_ref(h, user, v, e))
				is_cycle[c / 64] |= bit;
	}
	free(seen);
	for (size_t w = 0; w < words; w++) {
		before[w] = nc;
		nc += cycles_popcount(is_cycle[w]);
	}
	pend = mem_calloc(nc ? nc : 1, sizeof *pend);
	nc = 0;
	for (size_t w = 0; w < words; w++)
		for (uint64_t bits = is_cycle[w]; bits; bits &= bits - 1) {
			pend[nc].comp = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
			pend[nc].first = HEAP_NONE;
			pend[nc].holder = HEAP_NONE;
			nc++;
		}
	cf->pend = pend;
	cf->is_cycle = is_cycle;
	cf->before = before;
	cf->order = NULL;
	cf->nc = nc;
	/* Sizes, shallow sizes, the references inside and into each cycle,
	 * and the entered members: each reference counted once, from its
	 * target's side (the in-edges carry the bits internal_ref() asks
	 * for). */
	cf->groups = 0;
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t i = cycles_cid(cf, comp[v]);
		struct cycles_pending *pe;
		int entered = mark[v] & DOM_ENTRY;
		if (i == HEAP_NONE)
			continue;
		pe = &pend[i];
		pe->size++;
		total++;
		pe->shallow += heap_size(h, v);
		if (pe->first == HEAP_NONE)
			pe->first = v;
		/* The members come in node order, so the references do too: the
		 * component lookups a few references ahead are started early. */
		for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++) {
			if (k + AHEAD < m)
				__builtin_prefetch(&comp[h->in_from[k + AHEAD]]);
			if (comp[h->in_from[k]] == comp[v]) {
				pe->n_internal += internal_in(h, user, k);
			} else {
				pe->n_entering++;
				entered |= heap_in_retains(h, k);
			}
		}
		if (!entered)
			continue;
		pe->entered_by = v;
		if (pe->entered < 2 && ++pe->entered == 2 && pe->size >= 2)
			cf->groups = 1;
	}
	cf->total = total;
	cf->user = user;
}

void cycles_found_fini(struct cycles_found *cf)
{
	free(cf->pend);
	free(cf->is_cycle);
	free(cf->before);
	free(cf->order);
	cf->pend = NULL;
	cf->is_cycle = NULL;
	cf->before = NULL;
	cf->order = NULL;
}

/* ---- the dominator tree as intervals ---- */

void cycles_tree_init(struct cycles_tree *t, const struct heap *h, const heap_node_t *idom)
{
	uint32_t n = h->n_nodes, clock = 0, sp = 0;
	size_t nn = n ? n : 1;
	/* children: counting sort by idom + 1 (HEAP_NONE + 1 == 0: R's) */
	uint32_t *off = mem_calloc((size_t)n + 2, sizeof *off);
	heap_node_t *kids = mem_alloc(nn * sizeof *kids);
	heap_node_t *stack = mem_alloc(nn * sizeof *stack);
	uint32_t *cursor = mem_alloc(nn * sizeof *cursor);

	t->pre = mem_alloc(nn * sizeof *t->pre);
	t->end = mem_alloc(nn * sizeof *t->end);
	for (heap_node_t v = 0; v < n; v++)
		off[idom[v] + 1 + 1]++;
	for (uint32_t i = 0; i <= n; i++)
		off[i + 1] += off[i];
	for (heap_node_t v = 0; v < n; v++)
		kids[off[idom[v] + 1]++] = v;
	for (uint32_t i = n + 1; i > 0; i--)
		off[i] = off[i - 1];
	off[0] = 0;
	/* depth first from R's children: frames are stack[i] with the next
	 * child index cursor[i] */
	for (uint32_t r = off[0]; r < off[1]; r++) {
		heap_node_t v = kids[r];
		t->pre[v] = clock++;
		stack[0] = v;
		cursor[0] = off[v + 1];
		sp = 1;
		while (sp) {
			heap_node_t x = stack[sp - 1];
			if (cursor[sp - 1] < off[x + 2]) {
				heap_node_t y = kids[cursor[sp - 1]++];
				t->pre[y] = clock++;
				stack[sp] = y;
				cursor[sp] = off[y + 1];
				sp++;
			} else {
				t->end[x] = clock;
				sp--;
			}
		}
	}
	free(cursor);
	free(stack);
	free(kids);
	free(off);
}

void cycles_tree_fini(struct cycles_tree *t)
{
	free(t->pre);
	free(t->end);
	t->pre = t->end = NULL;
}

/* ---- retained sizes ---- */

/* What the searches of cycles_retain share. */
struct search {
	const struct heap *h;
	const struct analysis *a;
	const uint32_t *comp;
	const uint8_t *mark;
	int devtools;
	uint64_t *seen;		/* bitmap, cleared after each use */
	heap_node_t *queue;	/* also the list of what seen holds */
	uint64_t budget;	/* steps the searches may still take */
};

static inline int bit_get(const uint64_t *b, heap_node_t v)
{
	return (b[v / 64] >> (v % 64)) & 1;
}

static inline void bit_put(uint64_t *b, heap_node_t v, int on)
{
	if (on)
		b[v / 64] |= (uint64_t)1 << (v % 64);
	else
		b[v / 64] &= ~((uint64_t)1 << (v % 64));
}

/* One step of the budget; 0 when it ran out. */
static inline int spend(struct search *s, uint64_t n)
{
	if (s->budget < n)
		return 0;
	s->budget -= n;
	return 1;
}

/* d: the nearest common dominator of the members of component c (HEAP_NONE:
 * the virtual root R), by marking the idom chain of the first member and
 * climbing from each other member to it; the part of the chain below each
 * meeting point is unmarked, so the lowest marked node is the answer so
 * far.  Returns 0, or -1 when the budget ran out. */
static int members_nca(struct search *s, const heap_node_t *mem, uint32_t size, heap_node_t *d)
{
	const heap_node_t *idom = s->a->idom;
	heap_node_t x = mem[0];
	uint32_t chain = 0;	/* the marked chain: queue[0 .. chain), lowest first */
	int rc = 0;

	for (heap_node_t y = x; y != HEAP_NONE; y = idom[y]) {
		if (!spend(s, 1)) {
			rc = -1;
			break;
		}
		bit_put(s->seen, y, 1);
		s->queue[chain++] = y;
	}
	for (uint32_t i = 1, low = 0; i < size && rc == 0; i++) {
		heap_node_t y = mem[i];
		while (y != HEAP_NONE && !bit_get(s->seen, y)) {
			if (!spend(s, 1)) {
				rc = -1;
				break;
			}
			y = idom[y];
		}
		if (rc)
			break;
		/* the meeting point y (or R): unmark the chain below it */
		while (low < chain && s->queue[low] != y)
			bit_put(s->seen, s->queue[low++], 0);
		if (low == chain)
			break;	/* met at R: the answer is R */
	}
	*d = HEAP_NONE;
	for (uint32_t i = 0; i < chain; i++)
		if (bit_get(s->seen, s->queue[i])) {
			if (*d == HEAP_NONE)
				*d = s->queue[i];
			bit_put(s->seen, s->queue[i], 0);
		}
	return rc;
}

/* The bytes of d's dominator subtree (everything for d = HEAP_NONE, R)
 * that a search from d over the references the dominator runs followed
 * reaches without entering component c: returns 0 and *reached, or -1 when
 * the budget ran out.  The search stays in d's subtree by taking an object
 * only when its idom is d or already reached: every path from d to an
 * object of the subtree passes its idom, and an object outside the subtree
 * has its idom outside too.  Without DevTools' rule the garbage runs
 * ignored references from garbage to live objects: so does the search. */
static int reach_avoiding(struct search *s, heap_node_t d, uint32_t c, uint64_t *reached)
{
	const struct heap *h = s->h;
	const uint32_t *dist = s->a->dist;
	const heap_node_t *idom = s->a->idom;
	uint32_t head = 0, tail = 0;
	uint64_t sum = 0;
	int rc = 0;

	if (d == HEAP_NONE) {
		if (!spend(s, h->n_nodes))
			return -1;
		for (heap_node_t v = 0; v < h->n_nodes; v++)
			if ((s->mark[v] & DOM_ENTRY) && s->comp[v] != c) {
				bit_put(s->seen, v, 1);
				s->queue[tail++] = v;
			}
	} else {
		bit_put(s->seen, d, 1);
		s->queue[tail++] = d;
	}
	while (head < tail) {
		heap_node_t u = s->queue[head++];
		int u_garbage = dist[u] == REACH_UNREACHABLE;

		sum += heap_size(h, u);
		if (!spend(s, (uint64_t)(h->out_off[u + 1] - h->out_off[u]) + 1)) {
			rc = -1;
			break;
		}
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (bit_get(s->seen, w) || s->comp[w] == c || !reach_retains(h, u, e))
				continue;
			if (d != HEAP_NONE && idom[w] != d && (idom[w] == HEAP_NONE || !bit_get(s->seen, idom[w])))
				continue;
			if (!s->devtools && u_garbage && dist[w] != REACH_UNREACHABLE)
				continue;
			bit_put(s->seen, w, 1);
			s->queue[tail++] = w;
		}
	}
	for (uint32_t i = 0; i < tail; i++)
		bit_put(s->seen, s->queue[i], 0);
	*reached = sum;
	return rc;
}

static int force_groups;

void cycles_retain_force_groups(int on)
{
	force_groups = on;
}

uint64_t cycles_budget(uint64_t normal)
{
	return force_groups ? 0 : normal;
}

int cycles_retain(const struct analysis *a, struct cycles_found *cf, const uint32_t *comp,
		  uint32_t n_comp, const uint8_t *mark, int devtools, struct progress *p,
		  struct error *err)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes, n_multi = 0, total = 0;
	uint32_t *moff, *fill;
	heap_node_t *mem;
	struct search s = { .h = h, .a = a, .comp = comp, .mark = mark, .devtools = devtools };
	int rc = 0, over = 0;

	for (uint32_t i = 0; i < cf->nc; i++) {
		struct cycles_pending *pe = &cf->pend[i];
		if (pe->entered == 1) {
			pe->retained = analysis_retained(a, pe->entered_by);
			pe->holder = pe->entered_by;
		} else {
			n_multi++;
			total += pe->size;
		}
	}
	if (n_multi == 0)
		return 0;
	/* the members of the cycles entered at two or more, grouped by cycle */
	moff = mem_calloc((size_t)cf->nc + 1, sizeof *moff);
	for (uint32_t i = 0; i < cf->nc; i++)
		moff[i + 1] = moff[i] + (cf->pend[i].entered == 1 ? 0 : cf->pend[i].size);
	fill = mem_alloc(((size_t)cf->nc + 1) * sizeof *fill);
	memcpy(fill, moff, ((size_t)cf->nc + 1) * sizeof *fill);
	mem = mem_alloc(((size_t)total + 1) * sizeof *mem);
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t i = cycles_cid(cf, comp[v]);
		if (i != HEAP_NONE && cf->pend[i].entered != 1)
			mem[fill[i]++] = v;
	}
	free(fill);
	s.seen = hugepage_advise(mem_calloc((size_t)n / 64 + 1, sizeof *s.seen),
				 ((size_t)n / 64 + 1) * sizeof *s.seen);
	s.queue = mem_alloc((n ? n : 1) * sizeof *s.queue);
	/* the holders first, on a budget of their own (climbs are cheap) */
	s.budget = 8 * ((uint64_t)n + h->n_edges) + 65536;
	for (uint32_t i = 0; i < cf->nc && s.budget; i++)
		if (cf->pend[i].entered != 1 &&
		    members_nca(&s, mem + moff[i], cf->pend[i].size, &cf->pend[i].holder) != 0)
			cf->pend[i].holder = HEAP_NONE;
	s.budget = cycles_budget(4 * ((uint64_t)n + h->n_edges) + 65536);
	/* A cycle held by R alone is searched from every entry: on a heap
	 * tied into one big cycle (the random CSV heaps of bench/tui), each
	 * such search goes through nearly all of it, and a few exhaust the
	 * budget, when one dominator run over the contracted graph answers for
	 * every cycle: that run at once when the searches from R would exceed
	 * the budget, or, when the components are the retaining graph's own
	 * (no user rules: they come in topological order, and that run is one
	 * sweep), when there are two of them. */
	{
		uint32_t n_top = 0;
		for (uint32_t i = 0; i < cf->nc; i++)
			n_top += cf->pend[i].entered != 1 && cf->pend[i].holder == HEAP_NONE;
		over = n_top > 4 || (n_top >= 2 && !heap_has_user_rules(h));
	}
	for (uint32_t i = 0; i < cf->nc && !over; i++) {
		struct cycles_pending *pe = &cf->pend[i];
		heap_node_t d = pe->holder;
		uint64_t reached;
		if (pe->entered == 1)
			continue;
		if ((i & 1023) == 0 && progress_tick(p, "cycles", i, cf->nc)) {
			rc = error_set(err, "interrupted");
			break;
		}
		if (d != HEAP_NONE && comp[d] == pe->comp) {
			/* every path into the cycle enters at d */
			pe->retained = analysis_retained(a, d);
			continue;
		}
		over = reach_avoiding(&s, d, pe->comp, &reached) != 0;
		if (!over)
			pe->retained = (d == HEAP_NONE ? h->total_size : analysis_retained(a, d)) - reached;
	}
	free(s.queue);
	free(s.seen);
	free(mem);
	free(moff);
	if (over && !rc) {
		/* Over budget (many cycles held high in the tree): one dominator
		 * run over the graph with every cycle contracted. */
		uint64_t *grp = mem_alloc((n_comp ? n_comp : 1) * sizeof *grp);
		rc = dom_group_retained(h, comp, n_comp, mark, grp, NULL, p, err);
		if (rc == 0)
			for (uint32_t i = 0; i < cf->nc; i++)
				if (cf->pend[i].entered != 1)
					cf->pend[i].retained = grp[cf->pend[i].comp];
		free(grp);
	}
	return rc;
}

int cycles_retain_groups(const struct analysis *a, struct cycles_found *cf, const uint32_t *comp,
			 uint32_t n_comp, const uint8_t *mark, struct progress *p,
			 struct error *err)
{
	uint64_t *grp = NULL;
	int rc = 0;

	if (cf->groups) {
		grp = mem_alloc((n_comp ? n_comp : 1) * sizeof *grp);
		rc = dom_group_retained(a->heap, comp, n_comp, mark, grp, NULL, p, err);
	}
	for (uint32_t i = 0; i < cf->nc && rc == 0; i++) {
		struct cycles_pending *pe = &cf->pend[i];
		heap_node_t v = pe->entered_by;
		/* the single V8 root's own size, not the whole heap it stands for */
		pe->retained = grp		     ? grp[pe->comp] :
			       !pe->entered	     ? 0 :
			       v == a->adopted_root ? a->adopted_own :
						      analysis_retained(a, v);
		pe->holder = pe->entered == 1 ? pe->entered_by : HEAP_NONE;
	}
	free(grp);
	return rc;
}

void cycles_number(struct analysis *a, struct cycles_found *cf)
{
	uint32_t nc = cf->nc;
	struct cycles_pending *pend = cf->pend;

	qsort(pend, nc, sizeof *pend, pending_by_size);
	/* the cycles' components in component order are their ranks */
	free(cf->order);
	cf->order = mem_alloc((nc ? nc : 1) * sizeof *cf->order);
	for (uint32_t i = 0; i < nc; i++)
		cf->order[cf->before[pend[i].comp / 64] +
			  cycles_popcount(cf->is_cycle[pend[i].comp / 64] &
					  ((UINT64_C(1) << (pend[i].comp % 64)) - 1))] = i;
	a->n_cycles = nc;
	a->cycles = mem_calloc(nc ? nc : 1, sizeof *a->cycles);
	a->largest_cycle = 0;
	for (uint32_t i = 0, off = 0; i < nc; i++) {
		struct analysis_cycle *cy = &a->cycles[i];
		cy->shallow = pend[i].shallow;
		cy->retained = pend[i].retained;
		cy->size = pend[i].size;
		cy->members = off;
		cy->n_internal = pend[i].n_internal;
		cy->n_entering = pend[i].n_entering;
		cy->garbage = a->dist[pend[i].first] == REACH_UNREACHABLE;
		cy->pattern = HEAP_NONE;
		cy->holder = pend[i].holder;
		off += pend[i].size;
		if (cy->size > a->largest_cycle)
			a->largest_cycle = cy->size;
	}
}

void cycles_place(struct analysis *a, uint32_t *comp, const struct cycles_found *cf)
{
	uint32_t n = a->heap->n_nodes, nc = cf->nc;
	uint32_t *fill = mem_alloc((nc ? nc : 1) * sizeof *fill);

	a->members = mem_alloc((cf->total ? cf->total : 1) * sizeof *a->members);
	a->cycle = comp;
	for (uint32_t i = 0; i < nc; i++)
		fill[i] = a->cycles[i].members;
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t i = cycles_cid(cf, comp[v]);
		a->cycle[v] = i;
		if (i != HEAP_NONE)
			a->members[fill[i]++] = v;
	}
	free(fill);
}

/* ---- the runtime's core ---- */

/* Counts by edge name: open addressing over name + 1 (0 is empty). */
struct tally {
	uint32_t *key;
	uint64_t *count;
	uint32_t cap, used;
};

static void tally_add(struct tally *t, uint32_t name)
{
	uint32_t k = name + 1, i;

	if (2 * (t->used + 1) > t->cap) {
		struct tally old = *t;
		t->cap = old.cap ? 2 * old.cap : 64;
		t->key = mem_calloc(t->cap, sizeof *t->key);
		t->count = mem_calloc(t->cap, sizeof *t->count);
		t->used = 0;
		for (uint32_t j = 0; j < old.cap; j++) {
			if (!old.key[j])
				continue;
			for (i = (old.key[j] * 2654435761u) & (t->cap - 1); t->key[i]; i = (i + 1) & (t->cap - 1))
				;
			t->key[i] = old.key[j];
			t->count[i] = old.count[j];
			t->used++;
		}
		free(old.key);
		free(old.count);
	}
	for (i = (k * 2654435761u) & (t->cap - 1); t->key[i] && t->key[i] != k; i = (i + 1) & (t->cap - 1))
		;
	if (!t->key[i]) {
		t->key[i] = k;
		t->used++;
	}
	t->count[i]++;
}

void cycles_core(struct analysis *a, const uint32_t *comp, uint32_t n_comp)
{
	const struct heap *h = a->heap;
	struct analysis_core *core = &a->core;
	uint32_t *csize, big = 0, last_name = HEAP_NONE;
	struct tally t = { NULL, NULL, 0, 0 };

	memset(core, 0, sizeof *core);
	if (!heap_has_user_rules(h) || n_comp == 0)
		return;
	csize = mem_calloc(n_comp, sizeof *csize);
	for (heap_node_t v = 0; v < h->n_nodes; v++)
		csize[comp[v]]++;
	for (uint32_t c = 1; c < n_comp; c++)
		if (csize[c] > csize[big])
			big = c;
	if (csize[big] < 2) {
		free(csize);
		return;
	}
	core->objects = csize[big];
	free(csize);
	for (heap_node_t v = 0; v < h->n_nodes; v++) {
		if (comp[v] != big)
			continue;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint32_t name;
			if (heap_out_user(h, e) || comp[h->out_to[e]] != big || !reach_retains(h, v, e))
				continue;
			name = h->out_name[e] & HEAP_NAME_INDEX ? HEAP_NAME_INDEX : h->out_name[e];
			core->references++;
			if (name == last_name && t.cap) {
				/* runs of one name (a map per object) are common */
				uint32_t i, k = name + 1;
				for (i = (k * 2654435761u) & (t.cap - 1); t.key[i] != k; i = (i + 1) & (t.cap - 1))
					;
				t.count[i]++;
				continue;
			}
			tally_add(&t, name);
			last_name = name;
		}
	}
	/* the most frequent names, insertion into a short sorted list */
	for (uint32_t i = 0; i < t.cap; i++) {
		uint32_t j;
		if (!t.key[i])
			continue;
		if (core->n_names == ANALYSIS_CORE_NAMES &&
		    t.count[i] <= core->names[ANALYSIS_CORE_NAMES - 1].count)
			continue;
		j = core->n_names < ANALYSIS_CORE_NAMES ? core->n_names++ : ANALYSIS_CORE_NAMES - 1;
		while (j > 0 && (core->names[j - 1].count < t.count[i] ||
				 (core->names[j - 1].count == t.count[i] &&
				  core->names[j - 1].name > t.key[i] - 1))) {
			core->names[j] = core->names[j - 1];
			j--;
		}
		core->names[j].name = t.key[i] - 1;
		core->names[j].count = t.count[i];
	}
	free(t.key);
	free(t.count);
}

/* ---- the public questions about cycles (analysis.h) ---- */

uint32_t analysis_cycle_internal(const struct analysis *a, uint32_t c, struct analysis_ref *out)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	uint32_t k = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t v = a->members[cy->members + i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (a->cycle[h->out_to[e]] == c && internal_ref(h, !a->raw, v, e))
				out[k++] = (struct analysis_ref){ .from = v, .to = h->out_to[e], .edge = e };
	}
	return k;
}

uint32_t analysis_cycle_entering(const struct analysis *a, uint32_t c, struct analysis_ref *out)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	const uint32_t *in_edge = heap_in_edges(h);
	uint32_t k = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t v = a->members[cy->members + i];
		for (uint32_t j = h->in_off[v]; j < h->in_off[v + 1]; j++)
			if (a->cycle[h->in_from[j]] != c)
				out[k++] = (struct analysis_ref){ .from = h->in_from[j], .to = v,
								  .edge = in_edge[j] };
	}
	return k;
}

/* The position of member v in cycle c's ascending member list, or
 * HEAP_NONE. */
static uint32_t member_index(const struct analysis *a, const struct analysis_cycle *cy,
			     heap_node_t v)
{
	uint32_t lo = 0, hi = cy->size;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a->members[cy->members + mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < cy->size && a->members[cy->members + lo] == v ? lo : HEAP_NONE;
}

enum {
	FACE_SCAN = 64		/* members analysis_cycle_face() looks at */
};

heap_node_t analysis_cycle_face(const struct analysis *a, uint32_t c)
{
	const struct analysis_cycle *cy = &a->cycles[c];
	const heap_node_t *mem = a->members + cy->members;
	heap_str_t lead = cy->pattern < a->n_patterns ? a->patterns[cy->pattern].lead : HEAP_NONE;
	heap_node_t best = HEAP_NONE;
	int best_lead = 0;

	if (cy->holder != HEAP_NONE && a->cycle[cy->holder] == c)
		return cy->holder;
	for (uint32_t i = 0; i < cy->size && i < FACE_SCAN; i++) {
		int is_lead = a->heap->type[mem[i]] == lead;
		if (best == HEAP_NONE || is_lead > best_lead ||
		    (is_lead == best_lead && analysis_retained(a, mem[i]) > analysis_retained(a, best))) {
			best = mem[i];
			best_lead = is_lead;
		}
	}
	return best;
}

uint32_t analysis_cycle_ring(const struct analysis *a, uint32_t c, heap_node_t start,
			     struct analysis_ref *out, uint32_t max)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	uint32_t s = member_index(a, cy, start), head = 0, tail = 0, len = 0;
	uint32_t *via, *from;	/* per member: the edge it was reached by, and from whom */
	uint32_t *queue;
	uint32_t last = HEAP_NONE, last_from = HEAP_NONE;

	if (s == HEAP_NONE)
		return 0;
	via = mem_alloc(cy->size * sizeof *via);
	from = mem_alloc(cy->size * sizeof *from);
	queue = mem_alloc(cy->size * sizeof *queue);
	for (uint32_t i = 0; i < cy->size; i++)
		via[i] = HEAP_NONE;
	queue[tail++] = s;
	while (head < tail && last == HEAP_NONE) {
		uint32_t ui = queue[head++];
		heap_node_t u = a->members[cy->members + ui];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			uint32_t wi;
			if (a->cycle[w] != c || !(a->raw ? reach_retains(h, u, e) : heap_out_user(h, e)))
				continue;
			if (w == start) {
				last = e;
				last_from = ui;
				break;
			}
			wi = member_index(a, cy, w);
			if (via[wi] == HEAP_NONE && wi != s) {
				via[wi] = e;
				from[wi] = ui;
				queue[tail++] = wi;
			}
		}
	}
	if (last != HEAP_NONE) {
		/* the walk backwards from the closing reference: its length,
		 * then its references into out from the end */
		len = 1;
		for (uint32_t i = last_from; i != s; i = from[i])
			len++;
		if (len <= max) {
			uint32_t k = len - 1;
			out[k] = (struct analysis_ref){ .from = a->members[cy->members + last_from],
							.to = start, .edge = last };
			for (uint32_t i = last_from; i != s; i = from[i]) {
				k--;
				out[k] = (struct analysis_ref){
					.from = a->members[cy->members + from[i]],
					.to = a->members[cy->members + i], .edge = via[i] };
			}
		}
	}
	free(queue);
	free(from);
	free(via);
	return len;
}

void analysis_cycles_sorted(const struct analysis *a, enum analysis_cycle_order order,
			    uint32_t *out)
{
	uint32_t nc = a->n_cycles;
	struct cycles_pending *p = mem_alloc((nc ? nc : 1) * sizeof *p);

	for (uint32_t i = 0; i < nc; i++) {
		const struct analysis_cycle *cy = &a->cycles[i];
		p[i] = (struct cycles_pending){ .shallow = cy->shallow, .retained = cy->retained,
						.size = cy->size, .comp = i,
						.first = a->members[cy->members] };
	}
	qsort(p, nc, sizeof *p, order == ANALYSIS_BY_RETAINED ? pending_by_retained : pending_by_size);
	for (uint32_t i = 0; i < nc; i++)
		out[i] = p[i].comp;
	free(p);
}

/* ---- the raw view ---- */

int analysis_raw_new(const struct analysis *a, struct progress *p, struct analysis **out,
		     struct error *err)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes, n_comp = 0;
	size_t nn = n ? n : 1;
	uint32_t *comp = mem_alloc(nn * sizeof *comp);
	uint8_t *mark = mem_alloc(nn);
	struct cycles_found cf = { .pend = NULL };
	struct analysis *r = mem_calloc(1, sizeof *r);
	int rc;

	*r = *a;
	r->base = a->base ? a->base : a;
	r->raw = 1;
	r->cycles = NULL;
	r->members = NULL;
	r->cycle = NULL;
	r->patterns = NULL;
	r->n_patterns = 0;
	r->pattern_text = NULL;
	rc = scc_compute(h, comp, &n_comp, p, err);
	if (rc == 0) {
		int devtools = dom_devtools_shape(h, a->dist);
		dom_entries(h, a->dist, comp, devtools, mark);
		cycles_find(h, 0, comp, n_comp, mark, &cf);
		rc = cycles_retain_groups(a, &cf, comp, n_comp, mark, p, err);
	}
	if (rc == 0) {
		cycles_number(r, &cf);
		cycles_place(r, comp, &cf);
		comp = NULL;	/* r->cycle now */
	}
	cycles_found_fini(&cf);
	free(mark);
	free(comp);
	if (rc) {
		analysis_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

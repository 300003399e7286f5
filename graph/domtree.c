#include "graph/domtree.h"

#include <stdlib.h>

#include "graph/core/mem.h"

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
			    const struct dom_sizes *retained)
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
		k[off[idom[v] + 1]++] = (struct kid){ .retained = dom_sizes_get(retained, v), .v = v };
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


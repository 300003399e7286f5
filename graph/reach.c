#include "graph/reach.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

enum {
	TICK = 1 << 16		/* nodes between progress ticks */
};

int reach_refcount_mode(const struct heap *h)
{
	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (h->flags[v] & HEAP_F_HAS_REFCOUNT)
			return 1;
	return 0;
}

/* A collection candidate of a full collection (cpygc.h, generation 2). */
static int full_candidate(const struct heap *h, heap_node_t v)
{
	uint16_t f = h->flags[v];

	return (f & HEAP_F_HAS_REFCOUNT) && !(f & HEAP_F_UNTRACKED) && h->generation[v] <= 2;
}

/* CPython's rules (reach.h): count, for each node, the retaining references
 * that explain its refcount: from candidates for candidates, from anyone for
 * the others; a node whose refcount exceeds that count is held from outside. */
static uint32_t refcount_roots(const struct heap *h, uint8_t *is_root)
{
	uint32_t n = h->n_nodes, roots = 0;
	uint32_t *seen = mem_calloc(n ? n : 1, sizeof *seen);

	for (heap_node_t u = 0; u < n; u++) {
		int cand = full_candidate(h, u);
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (!reach_retains(h, u, e))
				continue;
			if (cand || !full_candidate(h, t))
				seen[t]++;
		}
	}
	for (heap_node_t v = 0; v < n; v++) {
		int root;
		if (!(h->flags[v] & HEAP_F_HAS_REFCOUNT))
			root = 1;
		else
			root = heap_refcount(h, v) > (int64_t)seen[v];
		is_root[v] = (uint8_t)root;
		roots += (uint32_t)root;
	}
	free(seen);
	return roots;
}

uint32_t reach_roots(const struct heap *h, uint8_t *is_root)
{
	uint32_t roots = 0;

	if (reach_refcount_mode(h))
		return refcount_roots(h, is_root);
	memset(is_root, 0, h->n_nodes);
	for (uint32_t i = 0; i < h->n_roots; i++) {
		heap_node_t v = h->roots[i].node;
		if (v < h->n_nodes && !is_root[v]) {
			is_root[v] = 1;
			roots++;
		}
	}
	return roots;
}

int reach_distances(const struct heap *h, const uint8_t *is_root, uint32_t *dist,
		    struct progress *p, struct error *err)
{
	uint32_t n = h->n_nodes, head = 0, tail = 0;
	heap_node_t *queue = mem_alloc((n ? n : 1) * sizeof *queue);
	int rc = 0;

	for (heap_node_t v = 0; v < n; v++) {
		if (is_root[v]) {
			dist[v] = 0;
			queue[tail++] = v;
		} else {
			dist[v] = REACH_UNREACHABLE;
		}
	}
	while (head < tail) {
		heap_node_t u = queue[head++];
		uint32_t du = dist[u] + 1;
		/* The queue says what comes next: start its loads early, each
		 * level a step closer (offsets, then references, then targets). */
		if (head + 16 < tail)
			__builtin_prefetch(&h->out_off[queue[head + 16]]);
		if (head + 8 < tail) {
			heap_node_t a = queue[head + 8];
			__builtin_prefetch(&h->out_to[h->out_off[a]]);
			__builtin_prefetch(&h->out_kinds[h->out_off[a] / 32]);
		}
		if (head + 4 < tail) {
			heap_node_t a = queue[head + 4];
			for (uint32_t e = h->out_off[a]; e < h->out_off[a + 1]; e++)
				__builtin_prefetch(&dist[h->out_to[e]]);
		}
		if ((head & (TICK - 1)) == 0 && progress_tick(p, "distances", head, n)) {
			rc = error_set(err, "interrupted");
			break;
		}
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (dist[t] == REACH_UNREACHABLE && reach_retains(h, u, e)) {
				dist[t] = du;
				queue[tail++] = t;
			}
		}
	}
	free(queue);
	return rc;
}

uint32_t reach_path(const struct heap *h, const uint32_t *dist, heap_node_t v,
		    struct reach_step *out)
{
	uint32_t len, i;
	heap_node_t cur = v;
	uint32_t edge = HEAP_NONE;

	if (v >= h->n_nodes || dist[v] == REACH_UNREACHABLE)
		return 0;
	len = dist[v] + 1;
	/* Fill from the end: out[len-1] = v, back to the root at out[0]. */
	for (i = len; i-- > 0;) {
		uint32_t want = dist[cur];
		out[i].node = cur;
		out[i].edge = HEAP_NONE;
		if (want == 0)
			break;
		edge = HEAP_NONE;
		for (uint32_t k = h->in_off[cur]; k < h->in_off[cur + 1]; k++) {
			heap_node_t s = h->in_from[k];
			if (dist[s] == want - 1 && heap_in_retains(h, k)) {
				edge = heap_in_edges(h)[k];
				cur = s;
				break;
			}
		}
		/* A BFS distance always has such a predecessor. */
		out[i].edge = edge;
	}
	return len;
}

#include "graph/gc/subheap.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

enum {
	M_GROUP = 1,	/* one of nodes[] */
	M_OUTSIDE = 2,	/* reached from outside without passing the group */
	M_HELD = 4	/* reached from the group */
};

uint32_t subheap_held(const struct heap *h, const heap_node_t *nodes, uint32_t n, uint32_t max,
		      heap_node_t *out, int *more)
{
	uint8_t *mark = mem_calloc(h->n_nodes ? h->n_nodes : 1, 1);
	heap_node_t *queue = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *queue);
	uint32_t qn = 0, head = 0, k = 0;

	*more = 0;
	for (uint32_t i = 0; i < n; i++)
		if (nodes[i] < h->n_nodes)
			mark[nodes[i]] = M_GROUP;
	/* what is held from outside, and everything it reaches around the group */
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		int outside = (h->flags[v] & HEAP_F_ROOT) != 0;
		if (!outside && (h->flags[v] & HEAP_F_HAS_REFCOUNT)) {
			int64_t in = 0;
			for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++)
				in += heap_in_retains(h, i);
			outside = heap_refcount(h, v) > in;
		}
		if (outside && !(mark[v] & M_GROUP)) {
			mark[v] |= M_OUTSIDE;
			queue[qn++] = v;
		}
	}
	while (head < qn) {
		heap_node_t u = queue[head++];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (mark[t] || !heap_edge_retains(heap_out_kind(h, e), h->flags[u]))
				continue;
			mark[t] |= M_OUTSIDE;
			queue[qn++] = t;
		}
	}
	/* the group, then what it reaches that the outside does not */
	for (uint32_t i = 0; i < n && k < max; i++)
		if (nodes[i] < h->n_nodes && !(mark[nodes[i]] & M_HELD)) {
			mark[nodes[i]] |= M_HELD;
			out[k++] = nodes[i];
		}
	for (head = 0; head < k; head++) {
		heap_node_t u = out[head];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if ((mark[t] & (M_OUTSIDE | M_HELD)) || !heap_edge_retains(heap_out_kind(h, e), h->flags[u]))
				continue;
			if (k == max) {
				*more = 1;
				continue;
			}
			mark[t] |= M_HELD;
			out[k++] = t;
		}
	}
	free(mark);
	free(queue);
	return k;
}

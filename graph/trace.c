#include "graph/trace.h"

uint32_t trace_build(const struct analysis *a, uint32_t *edge, heap_node_t *order, heap_node_t *parent)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes, tail = 0;

	for (uint32_t v = 0; v < n; v++) {
		edge[v] = TRACE_NONE;
		if (a->dist[v] == 0) {
			edge[v] = TRACE_ROOT;
			order[tail++] = v;
			if (parent)
				parent[v] = HEAP_NONE;
		}
	}
	/* order is the queue: a breadth-first search over trace references */
	for (uint32_t head = 0; head < tail; head++) {
		heap_node_t u = order[head];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (edge[w] != TRACE_NONE || !trace_follows(h, u, e))
				continue;
			edge[w] = e;
			order[tail++] = w;
			if (parent)
				parent[w] = u;
		}
	}
	return tail;
}

heap_node_t trace_edge_source(const struct heap *h, uint32_t e)
{
	uint32_t lo = 0, hi = h->n_nodes;

	/* the last v with out_off[v] <= e */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->out_off[mid] <= e)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

uint32_t trace_path(const struct heap *h, const uint32_t *edge, heap_node_t v, struct reach_step *out,
		    uint32_t max)
{
	uint32_t len = 0, i;
	heap_node_t u;

	if (v >= h->n_nodes || edge[v] == TRACE_NONE)
		return 0;
	for (u = v;; u = trace_edge_source(h, edge[u])) {
		len++;
		if (edge[u] == TRACE_ROOT)
			break;
	}
	if (len > max)
		return len;
	i = len;
	for (u = v;; u = trace_edge_source(h, edge[u])) {
		i--;
		out[i].node = u;
		out[i].edge = edge[u] == TRACE_ROOT ? HEAP_NONE : edge[u];
		if (edge[u] == TRACE_ROOT)
			break;
	}
	return len;
}

#include "graph/gc/subheap.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/reach.h"

static heap_str_t copy_str(struct heap_builder *b, const struct heap *h, heap_str_t s)
{
	size_t len;
	const char *p = heap_string(h, s, &len);
	return heap_builder_intern(b, p, len);
}

int subheap_new(const struct heap *h, const heap_node_t *nodes, uint32_t n, struct heap **out,
		struct error *err)
{
	uint32_t *sub = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *sub);	/* node -> part index */
	heap_node_t *orig = mem_alloc(((size_t)n + 1) * sizeof *orig);
	struct heap_builder *b = heap_builder_new();
	heap_str_t outside;
	uint32_t m = 0;
	int rc = -1;

	for (uint32_t v = 0; v < h->n_nodes; v++)
		sub[v] = HEAP_NONE;
	for (uint32_t i = 0; i < n; i++) {
		if (nodes[i] >= h->n_nodes) {
			error_set(err, "node %lu is not in the heap", (unsigned long)nodes[i]);
			goto out;
		}
		sub[nodes[i]] = 0;
	}
	outside = heap_builder_intern_cstr(b, "held from outside");
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		struct heap_node_rec rec;

		if (sub[v] == HEAP_NONE)
			continue;
		rec = (struct heap_node_rec){
			.id = h->id[v],
			.type = copy_str(b, h, h->type[v]),
			.name = copy_str(b, h, h->name[v]),
			.size = h->size[v],
			.refcount = h->refcount[v],
			.flags = (uint16_t)(h->flags[v] & ~HEAP_F_ROOT),
			.generation = h->generation[v],
		};
		if (heap_builder_add_node(b, &rec, err) == HEAP_NONE)
			goto out;
		sub[v] = m;
		orig[m++] = v;
	}
	if (heap_builder_index(b, NULL, NULL) != 0) {
		error_set(err, "duplicate object ids in the selection");
		goto out;
	}
	for (uint32_t i = 0; i < m; i++) {
		heap_node_t v = orig[i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (sub[h->out_to[e]] != HEAP_NONE) {
				uint32_t name = h->out_name[e];
				if (!(name & HEAP_NAME_INDEX))
					name = copy_str(b, h, name);
				if (heap_builder_add_edge(b, i, sub[h->out_to[e]],
							  (enum heap_edge_kind)h->out_kind[e], name, err) != 0)
					goto out;
			}
	}
	for (uint32_t r = 0; r < h->n_roots; r++)
		if (sub[h->roots[r].node] != HEAP_NONE &&
		    heap_builder_add_root(b, sub[h->roots[r].node], copy_str(b, h, h->roots[r].kind), err) != 0)
			goto out;
	for (uint32_t i = 0; i < m; i++) {
		heap_node_t v = orig[i];
		for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++) {
			heap_node_t u = h->in_from[k];
			if (sub[u] == HEAP_NONE && heap_in_retains(h, k)) {
				if (heap_builder_add_root(b, i, outside, err) != 0)
					goto out;
				break;
			}
		}
	}
	*out = heap_builder_freeze(b, err);
	if (*out) {
		(*out)->format = h->format;
		rc = 0;
	}
out:
	heap_builder_free(b);
	free(sub);
	free(orig);
	return rc;
}

void subheap_refcounts(const struct heap *h, const struct heap *part, int64_t *refcount)
{
	for (uint32_t v = 0; v < part->n_nodes; v++) {
		heap_node_t w = heap_find(h, part->id[v]);

		refcount[v] = 0;
		if (w == HEAP_NONE)
			continue;
		for (uint32_t k = h->in_off[w]; k < h->in_off[w + 1]; k++)
			if (heap_in_retains(h, k))
				refcount[v]++;
		for (uint32_t r = 0; r < h->n_roots; r++)
			refcount[v] += h->roots[r].node == w;
	}
}

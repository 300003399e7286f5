#include "graph/near.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

struct near_rules near_rules_picture(uint32_t depth, uint32_t limit)
{
	return (struct near_rules){ .depth = depth, .limit = limit, .fan_out = NEAR_FAN_OUT };
}

static int is_module(const struct heap *h, heap_node_t v)
{
	size_t len;
	const char *type = heap_string(h, h->type[v], &len);

	return len == 6 && memcmp(type, "module", 6) == 0;
}

int near_is_hub(const struct heap *h, heap_node_t v)
{
	const uint32_t *in_edge;

	if (h->flags[v] & (HEAP_F_CLASS | HEAP_F_SYNTHETIC | HEAP_F_IMMORTAL))
		return 1;
	if (is_module(h, v))
		return 1;
	/* a module's namespace (its __dict__) is the module, for this purpose:
	 * every global of a Python program hangs off it */
	in_edge = heap_in_edges(h);
	for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
		uint32_t name = h->out_name[in_edge[i]];
		size_t len;
		const char *str;
		if (name & HEAP_NAME_INDEX || !is_module(h, h->in_from[i]))
			continue;
		str = heap_string(h, name, &len);
		if (len == 8 && memcmp(str, "__dict__", 8) == 0)
			return 1;
	}
	return 0;
}

/* Puts w, at distance d, at the end of the walk's queue. */
static void meet(struct near *nb, uint32_t *cap, uint32_t **dist, heap_node_t w, uint32_t d)
{
	if (nb->n == *cap) {
		*cap *= 2;
		nb->node = mem_realloc_array(nb->node, *cap, sizeof *nb->node);
		nb->skipped = mem_realloc_array(nb->skipped, *cap, 1);
		*dist = mem_realloc_array(*dist, *cap, sizeof **dist);
	}
	nb->skipped[nb->n] = 0;
	(*dist)[nb->n] = d;
	hmap_put(&nb->met, w, nb->n);
	nb->node[nb->n++] = w;
}

int near_walk(const struct heap *h, heap_node_t centre, const struct near_rules *r, struct near *nb)
{
	uint32_t cap = 1024, qh = 0;
	uint32_t *dist;		/* per queue entry: its distance from the centre */

	memset(nb, 0, sizeof *nb);
	hmap_init(&nb->met, cap);
	nb->node = mem_alloc(cap * sizeof *nb->node);
	nb->skipped = mem_alloc(cap);
	if (centre >= h->n_nodes || r->limit == 0)
		return centre >= h->n_nodes ? -1 : 0;
	dist = mem_alloc(cap * sizeof *dist);
	meet(nb, &cap, &dist, centre, 0);
	/* the queue is node[] itself */
	while (qh < nb->n && !nb->over) {
		uint32_t qi = qh++;
		heap_node_t v = nb->node[qi];
		uint32_t d = dist[qi];
		if (d >= r->depth || (v != centre && !r->through_hubs && near_is_hub(h, v)))
			continue;
		for (int dir = 0; dir < 2 && !nb->over; dir++) {
			uint32_t lo = dir ? h->in_off[v] : h->out_off[v];
			uint32_t hi = dir ? h->in_off[v + 1] : h->out_off[v + 1];
			uint32_t taken = 0;
			for (uint32_t e = lo; e < hi; e++) {
				heap_node_t w = dir ? h->in_from[e] : h->out_to[e];
				if (v != centre && r->fan_out && taken >= r->fan_out) {
					nb->skipped_refs += hi - e;
					nb->skipped[qi] |= (uint8_t)(dir ? NEAR_SKIP_IN : NEAR_SKIP_OUT);
					break;
				}
				taken++;
				if (near_met(nb, w))
					continue;
				if (nb->n >= r->limit) {
					nb->over = 1;
					break;
				}
				meet(nb, &cap, &dist, w, d + 1);
			}
		}
	}
	free(dist);
	return 0;
}

void near_fini(struct near *nb)
{
	free(nb->node);
	free(nb->skipped);
	hmap_fini(&nb->met);
	memset(nb, 0, sizeof *nb);
}

int near_met(const struct near *nb, heap_node_t v)
{
	return hmap_get(&nb->met, v) != HMAP_NONE;
}

#include "graph/gens.h"

#include <stdlib.h>

#include "graph/core/mem.h"
#include "graph/reach.h"

void gens_compute(const struct heap *h, const uint32_t *dist, struct gens *g)
{
	uint32_t ng = h->max_generation == HEAP_GEN_UNKNOWN ? 0 : (uint32_t)h->max_generation + 1;
	uint32_t w = ng + 1, n = h->n_nodes;
	uint8_t *seen = mem_calloc((size_t)n / 8 + 1, 1);

	g->n_gens = ng;
	g->stat = mem_calloc(w, sizeof *g->stat);
	g->refs = mem_calloc((size_t)w * w, sizeof *g->refs);
	g->old_to_young = g->old_to_young_targets = g->young_to_old = 0;
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t gv = h->generation[v] < ng ? h->generation[v] : ng;
		struct gens_stat *s = &g->stat[gv];
		s->objects++;
		s->bytes += heap_size(h, v);
		if (dist && dist[v] == REACH_UNREACHABLE) {
			s->garbage_objects++;
			s->garbage_bytes += heap_size(h, v);
		}
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t t = h->out_to[e];
			uint32_t gt = h->generation[t] < ng ? h->generation[t] : ng;
			if (!reach_retains(h, v, e))
				continue;
			g->refs[(size_t)gv * w + gt]++;
			if (gv < ng && gt < ng && gt < gv) {
				g->old_to_young++;
				if (!(seen[t / 8] & (1u << (t % 8)))) {
					seen[t / 8] |= (uint8_t)(1u << (t % 8));
					g->old_to_young_targets++;
				}
			} else if (gv < ng && gt < ng && gt > gv) {
				g->young_to_old++;
			}
		}
	}
	free(seen);
}

void gens_fini(struct gens *g)
{
	free(g->stat);
	free(g->refs);
	g->stat = NULL;
	g->refs = NULL;
}

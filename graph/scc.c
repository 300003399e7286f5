#include "scc.h"

#include <stdlib.h>

#include "mem.h"
#include "reach.h"

enum {
	TICK = 1 << 16
};

/* One activation of the (would-be recursive) visit: node, next edge to
 * look at, and whether v is still the root of its component. */
struct frame {
	heap_node_t v;
	uint32_t e;
	uint32_t root;
};

/* Pearce, "A space-efficient algorithm for finding strongly connected
 * components" (2016), PEA_FIND_SCC2, made iterative.  rindex[v] (stored in
 * comp[]) is 0 for unvisited nodes, the visit index (1..) while v is
 * active, and a component label (n, n-1, ...) once its component is
 * complete; labels always exceed every active index. */
int scc_compute(const struct heap *h, uint32_t *comp, uint32_t *n_comp,
		struct progress *p, struct error *err)
{
	uint32_t n = h->n_nodes;
	uint32_t *rindex = comp;
	heap_node_t *stack = mem_alloc((n ? n : 1) * sizeof *stack);
	struct frame *frames = mem_alloc((n ? n : 1) * sizeof *frames);
	uint32_t sp = 0, fp = 0, index = 1, c = n, visited = 0;
	int rc = 0;

	for (heap_node_t v = 0; v < n; v++)
		rindex[v] = 0;
	for (heap_node_t s = 0; s < n && rc == 0; s++) {
		if (rindex[s])
			continue;
		rindex[s] = index++;
		frames[fp++] = (struct frame){ .v = s, .e = h->out_off[s], .root = 1 };
		while (fp) {
			struct frame *f = &frames[fp - 1];
			heap_node_t v = f->v;
			if (f->e < h->out_off[v + 1]) {
				uint32_t e = f->e++;
				heap_node_t w;
				if (!reach_retains(h, v, e))
					continue;
				w = h->out_to[e];
				if (rindex[w] == 0) {
					rindex[w] = index++;
					frames[fp++] = (struct frame){ .v = w, .e = h->out_off[w], .root = 1 };
				} else if (rindex[w] < rindex[v]) {
					rindex[v] = rindex[w];
					f->root = 0;
				}
				continue;
			}
			/* v is finished. */
			fp--;
			if (f->root) {
				index--;
				while (sp && rindex[v] <= rindex[stack[sp - 1]]) {
					rindex[stack[--sp]] = c;
					index--;
				}
				rindex[v] = c--;
			} else {
				stack[sp++] = v;
			}
			if (fp && rindex[v] < rindex[frames[fp - 1].v]) {
				rindex[frames[fp - 1].v] = rindex[v];
				frames[fp - 1].root = 0;
			}
			if ((++visited & (TICK - 1)) == 0 && progress_tick(p, "cycles", visited, n)) {
				rc = error_set(err, "interrupted");
				break;
			}
		}
	}
	free(frames);
	free(stack);
	if (rc)
		return rc;
	for (heap_node_t v = 0; v < n; v++)
		comp[v] = n - rindex[v];
	*n_comp = n - c;
	return 0;
}

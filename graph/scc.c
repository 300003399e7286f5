#include "scc.h"

#include <stdlib.h>

#include "mem.h"
#include "reach.h"

enum {
	TICK = 1 << 16
};

/* One activation of the (would-be recursive) visit: node and next edge
 * to look at.  Whether v is still the root of its component is bit fp of
 * the root bitmap: 8 bytes a frame, not 12. */
struct frame {
	heap_node_t v;
	uint32_t e;
};

static inline void set_root(uint64_t *root, uint32_t fp, int on)
{
	if (on)
		root[fp / 64] |= (uint64_t)1 << (fp % 64);
	else
		root[fp / 64] &= ~((uint64_t)1 << (fp % 64));
}

static inline int is_root(const uint64_t *root, uint32_t fp)
{
	return (root[fp / 64] >> (fp % 64)) & 1;
}

/* The search is a chain of dependent loads: when it enters v, start the
 * loads of everything it will look at next, together. */
static inline void prefetch_targets(const struct heap *h, const uint32_t *rindex, heap_node_t v)
{
	for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
		__builtin_prefetch(&rindex[h->out_to[e]]);
		__builtin_prefetch(&h->out_off[h->out_to[e]]);
	}
}

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
	uint64_t *root = mem_alloc(((size_t)n / 64 + 1) * sizeof *root);
	uint32_t sp = 0, fp = 0, index = 1, c = n, visited = 0;
	int rc = 0;

	for (heap_node_t v = 0; v < n; v++)
		rindex[v] = 0;
	for (heap_node_t s = 0; s < n && rc == 0; s++) {
		if (rindex[s])
			continue;
		rindex[s] = index++;
		set_root(root, fp, 1);
		frames[fp++] = (struct frame){ .v = s, .e = h->out_off[s] };
		prefetch_targets(h, rindex, s);
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
					set_root(root, fp, 1);
					frames[fp++] = (struct frame){ .v = w, .e = h->out_off[w] };
					prefetch_targets(h, rindex, w);
				} else if (rindex[w] < rindex[v]) {
					rindex[v] = rindex[w];
					set_root(root, fp - 1, 0);
				}
				continue;
			}
			/* v is finished. */
			fp--;
			if (is_root(root, fp)) {
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
				set_root(root, fp - 1, 0);
			}
			if ((++visited & (TICK - 1)) == 0 && progress_tick(p, "cycles", visited, n)) {
				rc = error_set(err, "interrupted");
				break;
			}
		}
	}
	free(frames);
	free(root);
	free(stack);
	if (rc)
		return rc;
	for (heap_node_t v = 0; v < n; v++)
		comp[v] = n - rindex[v];
	*n_comp = n - c;
	return 0;
}

#include "graph/cpygc.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/reach.h"

enum {
	TICK = 1 << 16
};

static int is_candidate(const struct heap *h, heap_node_t v, int g)
{
	uint16_t f = h->flags[v];

	return (f & HEAP_F_HAS_REFCOUNT) && !(f & HEAP_F_UNTRACKED) && h->generation[v] <= g;
}

void cpygc_gc_refs(const struct heap *h, int generation, int64_t *gc_refs, uint8_t *candidate)
{
	uint32_t n = h->n_nodes;

	for (heap_node_t v = 0; v < n; v++) {
		gc_refs[v] = heap_refcount(h, v);
		if (candidate)
			candidate[v] = (uint8_t)is_candidate(h, v, generation);
	}
	for (heap_node_t u = 0; u < n; u++) {
		if (!is_candidate(h, u, generation))
			continue;
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (is_candidate(h, t, generation) && reach_retains(h, u, e))
				gc_refs[t]--;
		}
	}
}

int cpygc_collect(const struct heap *h, int generation, struct cpygc_result *r,
		  struct progress *p, struct error *err)
{
	uint32_t n = h->n_nodes, head = 0, tail = 0;
	int64_t *gc_refs;
	uint8_t *state;		/* 0 not a candidate, 1 candidate, 2 rescued */
	heap_node_t *queue;
	int rc = 0;

	memset(r, 0, sizeof *r);
	if (generation < 0 || generation > 2)
		return error_set(err, "generation %d: CPython has generations 0, 1 and 2", generation);
	if (!reach_refcount_mode(h))
		return error_set(err, "not a Python dump: the objects have no reference counts");
	r->generation = generation;
	gc_refs = mem_alloc((n ? n : 1) * sizeof *gc_refs);
	state = mem_alloc(n ? n : 1);
	queue = mem_alloc((n ? n : 1) * sizeof *queue);
	cpygc_gc_refs(h, generation, gc_refs, state);

	for (heap_node_t v = 0; v < n; v++) {
		if (!state[v])
			continue;
		r->n_candidates++;
		if (gc_refs[v] > 0) {
			r->n_external++;
			state[v] = 2;
			queue[tail++] = v;
		}
	}
	/* move_unreachable: rescue what the externally referenced reach,
	 * through references among candidates. */
	while (head < tail) {
		heap_node_t u = queue[head++];
		if ((head & (TICK - 1)) == 0 && progress_tick(p, "collecting", head, n)) {
			rc = error_set(err, "interrupted");
			goto out;
		}
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (state[t] == 1 && reach_retains(h, u, e)) {
				state[t] = 2;
				queue[tail++] = t;
			}
		}
	}
	for (heap_node_t v = 0; v < n; v++) {
		if (state[v] != 1)
			continue;
		r->n_unreachable++;
		r->unreachable_bytes += heap_size(h, v);
		if (h->flags[v] & HEAP_F_FINALIZER)
			r->n_finalizers++;
	}
	r->unreachable = mem_alloc((r->n_unreachable ? r->n_unreachable : 1) * sizeof *r->unreachable);
	r->finalizers = mem_alloc((r->n_finalizers ? r->n_finalizers : 1) * sizeof *r->finalizers);
	r->n_unreachable = r->n_finalizers = 0;
	for (heap_node_t v = 0; v < n; v++) {
		if (state[v] != 1)
			continue;
		r->unreachable[r->n_unreachable++] = v;
		if (h->flags[v] & HEAP_F_FINALIZER)
			r->finalizers[r->n_finalizers++] = v;
	}
out:
	free(queue);
	free(state);
	free(gc_refs);
	return rc;
}

void cpygc_result_fini(struct cpygc_result *r)
{
	free(r->unreachable);
	free(r->finalizers);
	r->unreachable = r->finalizers = NULL;
	r->n_unreachable = r->n_finalizers = 0;
}

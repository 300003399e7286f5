#include "graph/gc/step_cpython.h"

#include "graph/gc/step_refcount.h"

int step_cpython_candidate(const struct stepper *s, heap_node_t v, unsigned g)
{
	return !(s->flags[v] & STEPPER_F_FREED) && !(s->heap->flags[v] & HEAP_F_UNTRACKED) &&
	       s->gen[v] != HEAP_GEN_UNKNOWN && s->gen[v] <= g;
}

static void update_counters(struct stepper *s, unsigned g)
{
	if (g + 1 < STEPPER_GENS)
		stepper_emit(s, STEPPER_COUNT, STEPPER_COL_GENCOUNT, g + 1, s->gen_count[g + 1] + 1,
			     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
	for (unsigned i = 0; i <= g; i++)
		if (s->gen_count[i] != 0)
			stepper_emit(s, STEPPER_COUNT, STEPPER_COL_GENCOUNT, i, 0, STEPPER_Q_NONE,
				     HEAP_NONE, HEAP_NONE);
}

static int in_collection(const struct stepper *s, heap_node_t v)
{
	return s->colour[v] != STEPPER_OUTSIDE && !(s->flags[v] & STEPPER_F_FREED);
}

void step_cpython_run(struct stepper *s, unsigned g, int gens)
{
	const struct heap *h = s->heap;
	uint32_t n = s->n;
	unsigned target;
	const uint32_t *in_edge;

	if (g >= STEPPER_GENS)
		g = STEPPER_GENS - 1;
	target = g + 1 < STEPPER_GENS ? g + 1 : STEPPER_GENS - 1;
	if (gens)
		update_counters(s, g);
	for (uint32_t v = 0; v < n; v++) {
		if (s->flags[v] & STEPPER_F_FREED)
			continue;
		if (!step_cpython_candidate(s, v, g)) {
			if (s->colour[v] != STEPPER_OUTSIDE)
				stepper_emit(s, STEPPER_OLDER, STEPPER_COL_COLOUR, v, STEPPER_OUTSIDE,
					     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
		} else if (s->colour[v] != STEPPER_WHITE) {
			/* left coloured by an earlier collection in the same log */
			stepper_emit(s, STEPPER_WHITEN, STEPPER_COL_COLOUR, v, STEPPER_WHITE,
				     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
		}
	}

	stepper_phase(s, STEPPER_PH_COPY);
	for (uint32_t v = 0; v < n; v++)
		if (in_collection(s, v))
			stepper_emit(s, STEPPER_COPY, STEPPER_COL_GCREFS, v, s->refcount[v],
				     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);

	stepper_phase(s, STEPPER_PH_SUBTRACT);
	for (uint32_t v = 0; v < n; v++) {
		if (!in_collection(s, v))
			continue;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (stepper_edge_retains(h, v, e) && in_collection(s, w))
				stepper_emit(s, STEPPER_SUBTRACT, STEPPER_COL_GCREFS, w,
					     s->gc_refs[w] - 1, STEPPER_Q_NONE, v, e);
		}
	}

	stepper_phase(s, STEPPER_PH_RESCUE);
	for (uint32_t v = 0; v < n; v++)
		if (in_collection(s, v) && s->gc_refs[v] > 0 && s->colour[v] == STEPPER_WHITE)
			stepper_emit(s, STEPPER_EXTERNAL, STEPPER_COL_COLOUR, v, STEPPER_GREY,
				     STEPPER_Q_PUSH, HEAP_NONE, HEAP_NONE);
	while (s->qhead < s->qtail) {
		heap_node_t v = s->queue[s->qhead];

		stepper_emit(s, STEPPER_POP, STEPPER_COL_COLOUR, v, STEPPER_BLACK, STEPPER_Q_POP,
			     HEAP_NONE, HEAP_NONE);
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (!in_collection(s, w) || !stepper_edge_retains(h, v, e))
				continue;
			if (s->colour[w] == STEPPER_WHITE)
				stepper_emit(s, STEPPER_SCAN, STEPPER_COL_COLOUR, w, STEPPER_GREY,
					     STEPPER_Q_PUSH, v, e);
			else
				stepper_emit(s, STEPPER_SCAN, STEPPER_COL_NONE, w, s->colour[w],
					     STEPPER_Q_NONE, v, e);
		}
	}

	stepper_phase(s, STEPPER_PH_UNREACHABLE);
	for (uint32_t v = 0; v < n; v++)
		if (in_collection(s, v) && s->colour[v] == STEPPER_WHITE)
			stepper_emit(s, STEPPER_UNREACHABLE, STEPPER_COL_FLAGS, v,
				     s->flags[v] | STEPPER_F_UNREACHABLE, STEPPER_Q_NONE, HEAP_NONE,
				     HEAP_NONE);

	/* Weak references to the garbage are cleared before any finalizer can
	 * see them (handle_weakrefs). */
	in_edge = heap_in_edges(h);
	for (uint32_t v = 0; v < n; v++) {
		if (!(s->flags[v] & STEPPER_F_UNREACHABLE) || (s->flags[v] & STEPPER_F_FREED))
			continue;
		for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
			heap_node_t u = h->in_from[i];
			uint32_t e = in_edge[i];
			if (h->out_kind[e] == HEAP_EDGE_WEAK && !(s->flags[u] & STEPPER_F_FREED))
				stepper_emit(s, STEPPER_WEAKCLEAR, STEPPER_COL_NONE, v, 0,
					     STEPPER_Q_NONE, u, e);
		}
	}

	{
		int any = 0;
		for (uint32_t v = 0; v < n; v++) {
			if (!(s->flags[v] & STEPPER_F_UNREACHABLE) || (s->flags[v] & STEPPER_F_FREED) ||
			    !(h->flags[v] & HEAP_F_FINALIZER) || (s->flags[v] & STEPPER_F_FINALIZED))
				continue;
			if (!any)
				stepper_phase(s, STEPPER_PH_FINALIZE);
			any = 1;
			stepper_emit(s, STEPPER_FINALIZE, STEPPER_COL_FLAGS, v,
				     s->flags[v] | STEPPER_F_FINALIZED, STEPPER_Q_NONE, HEAP_NONE,
				     HEAP_NONE);
		}
	}

	{
		int any = 0;
		for (uint32_t v = 0; v < n; v++) {
			if (!(s->flags[v] & STEPPER_F_UNREACHABLE) || (s->flags[v] & STEPPER_F_FREED))
				continue;
			if (!any)
				stepper_phase(s, STEPPER_PH_CLEAR);
			any = 1;
			stepper_emit(s, STEPPER_CLEAR, STEPPER_COL_FLAGS, v, s->flags[v] | STEPPER_F_FREED,
				     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
				heap_node_t w = h->out_to[e];
				if (stepper_edge_retains(h, v, e) &&
				    !(s->flags[w] & (STEPPER_F_UNREACHABLE | STEPPER_F_FREED)))
					step_refcount_decref(s, w, v, e);
			}
		}
	}
	if (s->qhead < s->qtail) {
		stepper_phase(s, STEPPER_PH_CASCADE);
		step_refcount_cascade(s);
	}

	if (gens) {
		int any = 0;
		for (uint32_t v = 0; v < n; v++) {
			if (s->colour[v] != STEPPER_BLACK || (s->flags[v] & STEPPER_F_FREED) ||
			    s->gen[v] == target)
				continue;
			if (!any)
				stepper_phase(s, STEPPER_PH_PROMOTE);
			any = 1;
			stepper_emit(s, STEPPER_PROMOTE, STEPPER_COL_GEN, v, target, STEPPER_Q_NONE,
				     HEAP_NONE, HEAP_NONE);
		}
	}
	stepper_phase(s, STEPPER_PH_DONE);
}

#include "graph/gc/step_refcount.h"

static void push_if_zero(struct stepper *s, heap_node_t v)
{
	if (s->refcount[v] == 0 && !(s->flags[v] & STEPPER_F_FREED) && s->colour[v] != STEPPER_GREY)
		stepper_emit(s, STEPPER_ZERO, STEPPER_COL_COLOUR, v, STEPPER_GREY, STEPPER_Q_PUSH,
			     HEAP_NONE, HEAP_NONE);
}

void step_refcount_decref(struct stepper *s, heap_node_t to, heap_node_t from, uint32_t e)
{
	if (s->flags[to] & STEPPER_F_FREED)
		return;
	stepper_emit(s, STEPPER_DECREF, STEPPER_COL_REFCOUNT, to, s->refcount[to] - 1,
		     STEPPER_Q_NONE, from, e);
	push_if_zero(s, to);
}

void step_refcount_release(struct stepper *s, const heap_node_t *drops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		heap_node_t v = drops[i];
		if (s->flags[v] & STEPPER_F_FREED)
			continue;
		stepper_emit(s, STEPPER_RELEASE, STEPPER_COL_REFCOUNT, v, s->refcount[v] - 1,
			     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
		push_if_zero(s, v);
	}
	step_refcount_cascade(s);
}

void step_refcount_cascade(struct stepper *s)
{
	const struct heap *h = s->heap;
	const uint32_t *in_edge = heap_in_edges(h);

	while (s->qhead < s->qtail) {
		heap_node_t v = s->queue[s->qhead];

		if ((h->flags[v] & HEAP_F_FINALIZER) && !(s->flags[v] & STEPPER_F_FINALIZED))
			stepper_emit(s, STEPPER_FINALIZE, STEPPER_COL_FLAGS, v,
				     s->flags[v] | STEPPER_F_FINALIZED, STEPPER_Q_NONE, HEAP_NONE,
				     HEAP_NONE);
		for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
			heap_node_t u = h->in_from[i];
			uint32_t e = in_edge[i];
			if (h->out_kind[e] == HEAP_EDGE_WEAK && !(s->flags[u] & STEPPER_F_FREED))
				stepper_emit(s, STEPPER_WEAKCLEAR, STEPPER_COL_NONE, v, 0,
					     STEPPER_Q_NONE, u, e);
		}
		stepper_emit(s, STEPPER_FREE, STEPPER_COL_FLAGS, v, s->flags[v] | STEPPER_F_FREED,
			     STEPPER_Q_POP, HEAP_NONE, HEAP_NONE);
		if (s->count_frees && s->gen_count[0] > 0)
			stepper_emit(s, STEPPER_COUNT, STEPPER_COL_GENCOUNT, 0, s->gen_count[0] - 1,
				     STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (stepper_edge_retains(h, v, e))
				step_refcount_decref(s, h->out_to[e], v, e);
	}
}
